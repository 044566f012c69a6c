//! Events ("who did what to whom, when and where"): places, acts and involvements.
//!
//! Modelled on the HURIDOCS Events Standard Formats. An [`Event`] holds its [`Act`]s, each
//! linking one victim (a person, or a unit or organisation for a raided office) to an act type;
//! the act's event is the event that holds it. Acts have their own `A-` ids so that sources,
//! links and involvements can name one act. An [`Involvement`] links a perpetrator (a person or
//! a unit) to the event, or to one of its acts, with a role.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::date::FuzzyDate;
use crate::ids::{RecordId, RecordKind};
use crate::stable::stable_enum;
use crate::term::{TermRef, lists};
use crate::validate::{
    Check, Checker, MAX_ITEMS, MAX_LINE_CHARS, MAX_TEXT_CHARS, Path, Problem, validate_via_check,
};

/// A point on the globe, in decimal degrees (WGS 84), kept to 1e-7 degree (about 1 cm).
///
/// Stored as whole multiples of 1e-7 degree, so that a record reads back from JSON exactly,
/// whatever the float parser (serde_json's default parser may be one unit in the last place
/// off). Values beyond ±[`LatLon::MAX_ABS_DEGREES`] (and NaN) are kept as that bound, so they
/// stay out of range for validation to report. In JSON: `{"lat": 43.1944, "lon": 45.2831}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "LatLonWire", into = "LatLonWire")]
pub struct LatLon {
    lat_e7: i64,
    lon_e7: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LatLonWire {
    lat: f64,
    lon: f64,
}

impl From<LatLonWire> for LatLon {
    fn from(w: LatLonWire) -> LatLon {
        LatLon::new(w.lat, w.lon)
    }
}

impl From<LatLon> for LatLonWire {
    fn from(l: LatLon) -> LatLonWire {
        LatLonWire {
            lat: l.lat(),
            lon: l.lon(),
        }
    }
}

const E7: f64 = 10_000_000.0;

fn to_e7(degrees: f64) -> i64 {
    let max = LatLon::MAX_ABS_DEGREES;
    let d = if degrees.is_nan() {
        max
    } else {
        degrees.clamp(-max, max)
    };
    // Within ±1e10, so the conversion is exact.
    (d * E7).round() as i64
}

impl LatLon {
    /// Degrees beyond which values are kept as this bound.
    pub const MAX_ABS_DEGREES: f64 = 1000.0;

    /// A point, rounded to 1e-7 degree. Not checked; see validation.
    pub fn new(lat: f64, lon: f64) -> LatLon {
        LatLon {
            lat_e7: to_e7(lat),
            lon_e7: to_e7(lon),
        }
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat_e7 as f64 / E7
    }

    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        self.lon_e7 as f64 / E7
    }
}

impl std::fmt::Debug for LatLon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LatLon({}, {})", self.lat(), self.lon())
    }
}

impl Check for LatLon {
    fn check(&self, at: &Path, c: &mut Checker) {
        if !(-90.0..=90.0).contains(&self.lat()) {
            c.add(
                &at.field("lat"),
                Problem::OutOfRange(format!("latitude {} is outside -90..90", self.lat())),
            );
        }
        if !(-180.0..=180.0).contains(&self.lon()) {
            c.add(
                &at.field("lon"),
                Problem::OutOfRange(format!("longitude {} is outside -180..180", self.lon())),
            );
        }
    }
}

/// Where something happened: as told, and optionally a place term and coordinates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// The place as told (`Grozny, Staropromyslovsky district, near the bus station`).
    #[serde(default)]
    pub text: String,
    /// A term of `geographical_terms`.
    #[serde(default)]
    pub geo: Option<TermRef>,
    /// Coordinates, if known.
    #[serde(default)]
    pub coordinates: Option<LatLon>,
}

impl Check for Place {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.line(&at.field("text"), &self.text, MAX_LINE_CHARS);
        c.opt_term(&at.field("geo"), &self.geo, &[lists::GEOGRAPHICAL_TERMS]);
        if let Some(ll) = &self.coordinates {
            ll.check(&at.field("coordinates"), c);
        }
    }
}

/// One act within an event: something done to one victim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Act {
    /// The id (`A-`).
    pub id: RecordId,
    /// The victim: a person (`P-`), or a unit or organisation (`U-`).
    #[serde(default)]
    pub victim: Option<RecordId>,
    /// What was done: a term of `types_of_acts`.
    #[serde(default)]
    pub act_type: Option<TermRef>,
    /// When, if it differs from (or narrows) the event's date.
    #[serde(default)]
    pub date: Option<FuzzyDate>,
    /// How: terms of `methods_of_violence`.
    #[serde(default)]
    pub methods: Vec<TermRef>,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

stable_enum! {
    /// A perpetrator's role.
    pub enum InvolvementRole ("involvement role") {
        /// Gave the order.
        Ordered = "ordered",
        /// Carried it out.
        CarriedOut = "carried_out",
        /// Was present.
        WasPresent = "was_present",
        /// Had the duty or power to prevent or stop it and did not.
        FailedToAct = "failed_to_act",
    }
}

impl InvolvementRole {
    /// The vocabulary term that labels it (`khr_involvement_roles/khr:carried_out`).
    pub fn term(self) -> TermRef {
        crate::term::khronika_term(lists::KHR_INVOLVEMENT_ROLES, self.as_str())
    }
}

/// A perpetrator's involvement in an event, or in one of its acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Involvement {
    /// The perpetrator: a person (`P-`) or a unit (`U-`).
    #[serde(default)]
    pub perpetrator: Option<RecordId>,
    /// The role.
    #[serde(default)]
    pub role: Option<InvolvementRole>,
    /// A finer degree of involvement: a term of `degrees_of_involvement`.
    #[serde(default)]
    pub degree: Option<TermRef>,
    /// The act (`A-`) of this event it concerns; absent for the event as a whole.
    #[serde(default)]
    pub act: Option<RecordId>,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

/// Something that happened: when, where, its acts and who was involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The id (`V-`).
    pub id: RecordId,
    /// A short title (`Detention of three men at the Ачхой-Мартан checkpoint`).
    #[serde(default)]
    pub title: String,
    /// What happened, in full.
    #[serde(default)]
    pub description: String,
    /// When, as precisely as known.
    #[serde(default)]
    pub date: Option<FuzzyDate>,
    /// Where.
    #[serde(default)]
    pub place: Place,
    /// The acts.
    #[serde(default)]
    pub acts: Vec<Act>,
    /// Who was involved, and how.
    #[serde(default)]
    pub involvements: Vec<Involvement>,
}

impl Event {
    /// What to call the event in a list: its title, else the short id.
    pub fn label(&self) -> String {
        Some(self.title.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.id.short())
    }

    /// The act with this id.
    pub fn act(&self, id: &RecordId) -> Option<&Act> {
        self.acts.iter().find(|a| a.id == *id)
    }
}

impl Check for Event {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Event]);
        c.required_line(&at.field("title"), &self.title, MAX_LINE_CHARS);
        c.text(&at.field("description"), &self.description, MAX_TEXT_CHARS);
        if self.date.is_none() {
            c.add(
                &at.field("date"),
                Problem::Missing(
                    "required; if the date is uncertain, give a year, \"around\" a date or a range"
                        .into(),
                ),
            );
        }
        self.place.check(&at.field("place"), c);

        let acts = at.field("acts");
        if c.count(&acts, self.acts.len(), MAX_ITEMS) {
            let mut seen: HashMap<RecordId, usize> = HashMap::new();
            for (i, act) in self.acts.iter().enumerate() {
                let a = acts.index(i);
                let id = a.field("id");
                c.id(&id, &act.id, &[RecordKind::Act]);
                if let Some(&first) = seen.get(&act.id) {
                    c.add(
                        &id,
                        Problem::Duplicate(acts.index(first).field("id").to_string()),
                    );
                } else {
                    seen.insert(act.id, i);
                }
                c.required_id(
                    &a.field("victim"),
                    &act.victim,
                    &[RecordKind::Person, RecordKind::Unit],
                );
                c.required_term(&a.field("act_type"), &act.act_type, &[lists::TYPES_OF_ACTS]);
                if let (Some(d), Some(e)) = (&act.date, &self.date)
                    && !d.may_overlap(e)
                {
                    c.add(
                        &a.field("date"),
                        Problem::Inconsistent(format!("{d} is outside the event's date ({e})")),
                    );
                }
                let methods = a.field("methods");
                if c.count(&methods, act.methods.len(), MAX_ITEMS) {
                    for (j, m) in act.methods.iter().enumerate() {
                        c.term(&methods.index(j), m, &[lists::METHODS_OF_VIOLENCE]);
                    }
                    c.unique(&methods, &act.methods);
                }
                c.text(&a.field("notes"), &act.notes, MAX_TEXT_CHARS);
            }
        }

        let invs = at.field("involvements");
        if c.count(&invs, self.involvements.len(), MAX_ITEMS) {
            let act_ids: HashSet<RecordId> = self.acts.iter().map(|a| a.id).collect();
            for (i, inv) in self.involvements.iter().enumerate() {
                let p = invs.index(i);
                c.required_id(
                    &p.field("perpetrator"),
                    &inv.perpetrator,
                    &[RecordKind::Person, RecordKind::Unit],
                );
                if inv.role.is_none() {
                    c.add(&p.field("role"), Problem::Required);
                }
                c.opt_term(
                    &p.field("degree"),
                    &inv.degree,
                    &[lists::DEGREES_OF_INVOLVEMENT],
                );
                if let Some(act) = &inv.act {
                    let at_act = p.field("act");
                    c.id(&at_act, act, &[RecordKind::Act]);
                    if act.kind() == RecordKind::Act && !act_ids.contains(act) {
                        c.add(
                            &at_act,
                            Problem::Inconsistent(format!("{act} is not an act of this event")),
                        );
                    }
                }
                c.text(&p.field("notes"), &inv.notes, MAX_TEXT_CHARS);
            }
        }
    }
}

validate_via_check!(Event);
