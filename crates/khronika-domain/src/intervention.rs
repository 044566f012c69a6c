//! Interventions: complaints, appeals, court applications, letters; what was filed with whom,
//! when, under which reference, by which deadline, and what came of it.

use serde::{Deserialize, Serialize};

use crate::date::{Date, FuzzyDate};
use crate::ids::{RecordId, RecordKind};
use crate::stable::stable_enum;
use crate::term::{TermRef, lists};
use crate::validate::{
    Check, Checker, MAX_ITEMS, MAX_LINE_CHARS, MAX_TEXT_CHARS, Path, Problem, validate_via_check,
};

stable_enum! {
    /// Where an intervention stands.
    #[derive(Default)]
    pub enum InterventionStatus ("intervention status") {
        /// Being written; not sent.
        #[default]
        Drafted = "drafted",
        /// Sent or lodged.
        Filed = "filed",
        /// Receipt confirmed.
        Acknowledged = "acknowledged",
        /// Being considered.
        UnderConsideration = "under_consideration",
        /// Decided (see the reply).
        Decided = "decided",
        /// Rejected or not admitted.
        Rejected = "rejected",
        /// The decision was appealed (by a following intervention).
        Appealed = "appealed",
        /// Nothing more will be done.
        Closed = "closed",
    }
}

impl InterventionStatus {
    /// Whether it has been filed (any status after drafted).
    pub fn is_filed(self) -> bool {
        self != InterventionStatus::Drafted
    }

    /// Whether anything may still happen (not closed). Deadlines matter only while open.
    pub fn is_open(self) -> bool {
        self != InterventionStatus::Closed
    }

    /// The vocabulary term that labels it (`khr_intervention_statuses/khr:filed`).
    pub fn term(self) -> TermRef {
        crate::term::khronika_term(lists::KHR_INTERVENTION_STATUSES, self.as_str())
    }
}

/// A reply received.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// When it was received (or dated).
    #[serde(default)]
    pub date: Option<FuzzyDate>,
    /// What it says (a summary, or the text).
    #[serde(default)]
    pub text: String,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextStep {
    /// What (`appeal to the regional court`).
    #[serde(default)]
    pub text: String,
    /// By when.
    #[serde(default)]
    pub due: Option<Date>,
}

/// A complaint, appeal, court application, letter or other step taken on behalf of victims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intervention {
    /// The id (`I-`).
    pub id: RecordId,
    /// What kind: a term of `khr_intervention_types` (complaint, appeal, court application,
    /// letter…) or of HURIDOCS `types_of_intervention`.
    #[serde(default)]
    pub kind: Option<TermRef>,
    /// To whom (`Investigative Committee, Chechen Republic`, `ECtHR`).
    #[serde(default)]
    pub addressee: String,
    /// By whom (the organisation, a lawyer).
    #[serde(default)]
    pub filed_by: String,
    /// When it was filed.
    #[serde(default)]
    pub filed: Option<FuzzyDate>,
    /// The addressee's reference number.
    #[serde(default)]
    pub reference: String,
    /// The deadline for an answer or for the next filing.
    #[serde(default)]
    pub deadline: Option<Date>,
    /// Where it stands.
    #[serde(default)]
    pub status: InterventionStatus,
    /// The reply, if any.
    #[serde(default)]
    pub reply: Option<Reply>,
    /// What to do next.
    #[serde(default)]
    pub next_step: Option<NextStep>,
    /// What it concerns: events, acts, persons (victims), units.
    #[serde(default)]
    pub concerns: Vec<RecordId>,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

impl Intervention {
    /// What to call the intervention in a list: the addressee and reference, else the short
    /// id.
    pub fn label(&self) -> String {
        let parts: Vec<&str> = [self.addressee.trim(), self.reference.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            self.id.short()
        } else {
            parts.join(", ")
        }
    }
}

impl Check for Intervention {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Intervention]);
        c.required_term(
            &at.field("kind"),
            &self.kind,
            &[lists::KHR_INTERVENTION_TYPES, lists::TYPES_OF_INTERVENTION],
        );
        c.required_line(&at.field("addressee"), &self.addressee, MAX_LINE_CHARS);
        c.line(&at.field("filed_by"), &self.filed_by, MAX_LINE_CHARS);
        c.line(&at.field("reference"), &self.reference, MAX_LINE_CHARS);
        if self.status.is_filed() && self.filed.is_none() {
            c.add(
                &at.field("filed"),
                Problem::Missing(format!(
                    "required when the status is {}; give the filing date",
                    self.status
                )),
            );
        }
        if let (Some(deadline), Some(filed)) = (self.deadline, &self.filed)
            && FuzzyDate::from(deadline).certainly_before(filed)
        {
            c.add(
                &at.field("deadline"),
                Problem::Inconsistent(format!("{deadline} is before the filing date ({filed})")),
            );
        }
        if let Some(reply) = &self.reply {
            let r = at.field("reply");
            if !self.status.is_filed() {
                c.add(
                    &r,
                    Problem::Inconsistent(
                        "a drafted intervention has no reply; set the status first".into(),
                    ),
                );
            }
            if let (Some(d), Some(filed)) = (&reply.date, &self.filed)
                && d.certainly_before(filed)
            {
                c.add(
                    &r.field("date"),
                    Problem::Inconsistent(format!("{d} is before the filing date ({filed})")),
                );
            }
            if reply.text.trim().is_empty() {
                c.add(&r.field("text"), Problem::Required);
            }
            c.text(&r.field("text"), &reply.text, MAX_TEXT_CHARS);
        }
        if let Some(next) = &self.next_step {
            let n = at.field("next_step");
            if next.text.trim().is_empty() {
                c.add(&n.field("text"), Problem::Required);
            }
            c.text(&n.field("text"), &next.text, MAX_TEXT_CHARS);
        }
        let concerns = at.field("concerns");
        if c.count(&concerns, self.concerns.len(), MAX_ITEMS) {
            for (i, id) in self.concerns.iter().enumerate() {
                c.id(
                    &concerns.index(i),
                    id,
                    &[
                        RecordKind::Event,
                        RecordKind::Act,
                        RecordKind::Person,
                        RecordKind::Unit,
                    ],
                );
            }
            c.unique(&concerns, &self.concerns);
        }
        c.text(&at.field("notes"), &self.notes, MAX_TEXT_CHARS);
    }
}

validate_via_check!(Intervention);
