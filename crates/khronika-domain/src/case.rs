//! Cases: a documenter's unit of work, naming the records it gathers.

use serde::{Deserialize, Serialize};

use crate::ids::{RecordId, RecordKind};
use crate::validate::{
    Check, Checker, MAX_ITEMS, MAX_LINE_CHARS, MAX_TEXT_CHARS, Path, Problem, validate_via_check,
};

/// A case: who did what to whom, when and where, what supports it, and what was done about
/// it, gathered as a list of records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The id (`C-`).
    pub id: RecordId,
    /// A short title.
    #[serde(default)]
    pub title: String,
    /// What the case is about.
    #[serde(default)]
    pub summary: String,
    /// The compartment whose key seals the case (opaque to this crate).
    #[serde(default)]
    pub compartment: String,
    /// The member responsible for it (opaque to this crate).
    #[serde(default)]
    pub responsible: String,
    /// The records it gathers: events, persons, units, sources, testimonies, interventions,
    /// other cases.
    #[serde(default)]
    pub records: Vec<RecordId>,
}

impl Case {
    /// What to call the case in a list: its title, else the short id.
    pub fn label(&self) -> String {
        Some(self.title.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.id.short())
    }
}

/// Kinds a case may gather: all but links, which relate records rather than being gathered.
const GATHERED: [RecordKind; 8] = [
    RecordKind::Case,
    RecordKind::Event,
    RecordKind::Act,
    RecordKind::Person,
    RecordKind::Unit,
    RecordKind::Source,
    RecordKind::Testimony,
    RecordKind::Intervention,
];

impl Check for Case {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Case]);
        c.required_line(&at.field("title"), &self.title, MAX_LINE_CHARS);
        c.text(&at.field("summary"), &self.summary, MAX_TEXT_CHARS);
        let comp = at.field("compartment");
        if self.compartment.is_empty() {
            c.add(&comp, Problem::Required);
        } else {
            c.token(&comp, &self.compartment);
        }
        if !self.responsible.is_empty() {
            c.token(&at.field("responsible"), &self.responsible);
        }
        let records = at.field("records");
        if c.count(&records, self.records.len(), MAX_ITEMS) {
            for (i, id) in self.records.iter().enumerate() {
                let p = records.index(i);
                c.id(&p, id, &GATHERED);
                if *id == self.id {
                    c.add(
                        &p,
                        Problem::Inconsistent("a case cannot contain itself".into()),
                    );
                }
            }
            c.unique(&records, &self.records);
        }
    }
}

validate_via_check!(Case);
