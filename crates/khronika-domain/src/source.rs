//! Sources and testimonies: who gave what, how it was taken, how far it can be trusted, the
//! evidence files behind it, and what its giver consented to.
//!
//! A [`Source`] is material: a document, a report, photographs someone passed on. A
//! [`Testimony`] is a statement taken from a person, with its transcript. Both name who gave
//! them ([`Provider`]: a person record, a unit, or only a pseudonymous code), and both carry a
//! [`Consent`]. Which events or acts they support is said with links
//! ([`crate::link::LinkKind::Supports`]).
//!
//! **Consent is never assumed**: absent consent means no use in court, no publication, no
//! sharing. A withdrawal overrides every consent given before it; the earlier answers are kept
//! for the record, and the `may_*` methods are what callers must ask.

use serde::{Deserialize, Serialize};

use crate::date::{Date, FuzzyDate};
use crate::ids::{EvidenceId, RecordId, RecordKind};
use crate::stable::stable_enum;
use crate::term::{LanguageCode, TermRef, lists};
use crate::validate::{
    Check, Checker, MAX_CODE_CHARS, MAX_ITEMS, MAX_LINE_CHARS, MAX_TEXT_CHARS,
    MAX_TRANSCRIPT_CHARS, Path, Problem, validate_via_check,
};

/// Who gave a source or a testimony. In JSON: `{"person": "P-…"}`, `{"unit": "U-…"}` or
/// `{"pseudonym": "W-17"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Provider {
    /// A person on record (`P-`).
    Person(RecordId),
    /// A unit or organisation on record (`U-`), e.g. a partner NGO or an authority.
    Unit(RecordId),
    /// Only a pseudonymous code; the identity is kept in the source-identities compartment.
    Pseudonym(String),
}

impl Check for Provider {
    fn check(&self, at: &Path, c: &mut Checker) {
        match self {
            Provider::Person(id) => c.id(&at.field("person"), id, &[RecordKind::Person]),
            Provider::Unit(id) => c.id(&at.field("unit"), id, &[RecordKind::Unit]),
            Provider::Pseudonym(code) => {
                c.required_line(&at.field("pseudonym"), code, MAX_CODE_CHARS);
            }
        }
    }
}

stable_enum! {
    /// How far a source or testimony can be trusted, as judged by the documenter.
    #[derive(Default)]
    pub enum Reliability ("reliability") {
        /// Highly reliable: consistent, corroborated, first-hand.
        High = "high",
        /// Likely reliable.
        Medium = "medium",
        /// Doubtful.
        Low = "low",
        /// Not yet assessed.
        #[default]
        Unknown = "unknown",
    }
}

impl Reliability {
    /// The vocabulary term that labels it (`khr_source_reliability/khr:high`).
    pub fn term(self) -> TermRef {
        crate::term::khronika_term(lists::KHR_SOURCE_RELIABILITY, self.as_str())
    }
}

/// A withdrawal of consent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// When consent was withdrawn.
    #[serde(default)]
    pub date: Option<Date>,
    /// What was said, and by whom it was received.
    #[serde(default)]
    pub note: String,
}

/// What the giver of a source or testimony consented to. The default is no consent at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// May be used in court.
    #[serde(default)]
    pub court: bool,
    /// May be published.
    #[serde(default)]
    pub publication: bool,
    /// May be shared with these partners (organisations, by name).
    #[serde(default)]
    pub partners: Vec<String>,
    /// Consent withdrawn: overrides everything above.
    #[serde(default)]
    pub withdrawn: Option<Withdrawal>,
}

impl Consent {
    /// Whether consent has been withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Whether it may be used in court now.
    pub fn may_use_in_court(&self) -> bool {
        self.court && !self.is_withdrawn()
    }

    /// Whether it may be published now.
    pub fn may_publish(&self) -> bool {
        self.publication && !self.is_withdrawn()
    }

    /// Whether it may be shared with `partner` now (names compared ignoring case and
    /// surrounding spaces).
    pub fn may_share_with(&self, partner: &str) -> bool {
        let want = partner.trim().to_lowercase();
        !self.is_withdrawn()
            && !want.is_empty()
            && self
                .partners
                .iter()
                .any(|p| p.trim().to_lowercase() == want)
    }
}

impl Check for Consent {
    fn check(&self, at: &Path, c: &mut Checker) {
        let partners = at.field("partners");
        if c.count(&partners, self.partners.len(), MAX_ITEMS) {
            for (i, p) in self.partners.iter().enumerate() {
                c.required_line(&partners.index(i), p, MAX_LINE_CHARS);
            }
            let folded: Vec<String> = self
                .partners
                .iter()
                .map(|p| p.trim().to_lowercase())
                .collect();
            c.unique(&partners, &folded);
        }
        if let Some(w) = &self.withdrawn {
            let at = at.field("withdrawn");
            if w.date.is_none() {
                c.add(&at.field("date"), Problem::Required);
            }
            c.text(&at.field("note"), &w.note, MAX_TEXT_CHARS);
        }
    }
}

/// Checks shared by sources and testimonies.
fn check_common(
    c: &mut Checker,
    at: &Path,
    relation: &Option<TermRef>,
    evidence: &[EvidenceId],
    consent: &Consent,
) {
    c.opt_term(
        &at.field("relation"),
        relation,
        &[lists::SOURCE_CONNECTION_TO_INFORMATION],
    );
    let ev = at.field("evidence");
    if c.count(&ev, evidence.len(), MAX_ITEMS) {
        c.unique(&ev, evidence);
    }
    consent.check(&at.field("consent"), c);
}

/// Material: a document, a report, photographs, a recording someone passed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The id (`S-`).
    pub id: RecordId,
    /// A short title (`Medical certificate, Urus-Martan hospital`).
    #[serde(default)]
    pub title: String,
    /// What kind of material: a term of `types_of_source_material`.
    #[serde(default)]
    pub source_type: Option<TermRef>,
    /// Who gave it, if anyone.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// The provider's connection to what it tells: a term of
    /// `source_connection_to_information`.
    #[serde(default)]
    pub relation: Option<TermRef>,
    /// The material's own date.
    #[serde(default)]
    pub date: Option<FuzzyDate>,
    /// How far it can be trusted.
    #[serde(default)]
    pub reliability: Reliability,
    /// Its language.
    #[serde(default)]
    pub language: Option<LanguageCode>,
    /// What it is and what it says.
    #[serde(default)]
    pub description: String,
    /// The evidence files that hold it.
    #[serde(default)]
    pub evidence: Vec<EvidenceId>,
    /// What its provider consented to.
    #[serde(default)]
    pub consent: Consent,
}

impl Source {
    /// What to call the source in a list: its title, else the short id.
    pub fn label(&self) -> String {
        Some(self.title.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.id.short())
    }
}

impl Check for Source {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Source]);
        c.required_line(&at.field("title"), &self.title, MAX_LINE_CHARS);
        c.opt_term(
            &at.field("source_type"),
            &self.source_type,
            &[lists::TYPES_OF_SOURCE_MATERIAL],
        );
        if let Some(p) = &self.provider {
            p.check(&at.field("provider"), c);
        }
        c.text(&at.field("description"), &self.description, MAX_TEXT_CHARS);
        check_common(c, at, &self.relation, &self.evidence, &self.consent);
    }
}

stable_enum! {
    /// How a testimony was taken.
    pub enum InterviewMode ("interview mode") {
        /// Face to face.
        InPerson = "in_person",
        /// By video call.
        VideoCall = "video_call",
        /// By telephone or audio call.
        AudioCall = "audio_call",
        /// Written by the witness.
        Written = "written",
        /// Otherwise (say how in the notes).
        Other = "other",
    }
}

/// How, where, when and by whom a testimony was taken.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interview {
    /// How.
    #[serde(default)]
    pub mode: Option<InterviewMode>,
    /// Where (as much as is safe to say).
    #[serde(default)]
    pub place: String,
    /// When.
    #[serde(default)]
    pub date: Option<FuzzyDate>,
    /// By whom (a member, an interpreter).
    #[serde(default)]
    pub by: String,
    /// Anything else about the circumstances (who else was present, interpretation).
    #[serde(default)]
    pub notes: String,
}

/// A statement taken from a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Testimony {
    /// The id (`T-`).
    pub id: RecordId,
    /// A short title, if wanted (`Statement of W-17 on the night of 3 December`).
    #[serde(default)]
    pub title: String,
    /// Who gave it.
    #[serde(default)]
    pub given_by: Option<Provider>,
    /// Their connection to what they tell: a term of `source_connection_to_information`
    /// (eyewitness, victim, relative…).
    #[serde(default)]
    pub relation: Option<TermRef>,
    /// How, where, when and by whom it was taken.
    #[serde(default)]
    pub interview: Interview,
    /// How far it can be trusted.
    #[serde(default)]
    pub reliability: Reliability,
    /// The language it was given in.
    #[serde(default)]
    pub language: Option<LanguageCode>,
    /// The transcript.
    #[serde(default)]
    pub transcript: String,
    /// The evidence files (recordings, signed statements).
    #[serde(default)]
    pub evidence: Vec<EvidenceId>,
    /// What its giver consented to.
    #[serde(default)]
    pub consent: Consent,
}

impl Testimony {
    /// What to call the testimony in a list: its title, else the short id.
    pub fn label(&self) -> String {
        Some(self.title.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.id.short())
    }
}

impl Check for Testimony {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Testimony]);
        c.line(&at.field("title"), &self.title, MAX_LINE_CHARS);
        match &self.given_by {
            None => c.add(&at.field("given_by"), Problem::Required),
            Some(p) => p.check(&at.field("given_by"), c),
        }
        let iv = at.field("interview");
        c.line(&iv.field("place"), &self.interview.place, MAX_LINE_CHARS);
        c.line(&iv.field("by"), &self.interview.by, MAX_LINE_CHARS);
        c.text(&iv.field("notes"), &self.interview.notes, MAX_TEXT_CHARS);
        let transcript = at.field("transcript");
        if self.transcript.trim().is_empty() && self.evidence.is_empty() {
            c.add(
                &transcript,
                Problem::Missing(
                    "give the transcript, or link the evidence file of the recording".into(),
                ),
            );
        }
        c.text(&transcript, &self.transcript, MAX_TRANSCRIPT_CHARS);
        check_common(c, at, &self.relation, &self.evidence, &self.consent);
    }
}

validate_via_check!(Source, Testimony);
