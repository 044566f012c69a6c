//! Links between records: this testimony supports that event, this event follows that one,
//! these two person records are the same person.

use serde::{Deserialize, Serialize};

use crate::ids::{RecordId, RecordKind};
use crate::stable::stable_enum;
use crate::validate::{
    Check, Checker, MAX_TEXT_CHARS, Path, Problem, article, expected_kinds, validate_via_check,
};

stable_enum! {
    /// What a link says about its two records, read "from KIND to".
    pub enum LinkKind ("link kind") {
        /// A source or testimony supports a record (an event, an act, a person's membership…).
        Supports = "supports",
        /// A source or testimony contradicts a record.
        Contradicts = "contradicts",
        /// A record is part of a larger one (an event of a wider operation, an event of a
        /// case).
        PartOf = "part_of",
        /// A record follows another of the same kind (a later event, an appeal after a
        /// decision).
        Follows = "follows",
        /// Two person records are the same person (found out later; both are kept).
        SamePersonAs = "same_person_as",
        /// Related otherwise (say how in the note).
        RelatedTo = "related_to",
    }
}

/// A link between two records. Links are records of their own (`L-`), so that they can be
/// revised and withdrawn like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The id (`L-`).
    pub id: RecordId,
    /// The record the link starts from.
    #[serde(default)]
    pub from: Option<RecordId>,
    /// The record it points to.
    #[serde(default)]
    pub to: Option<RecordId>,
    /// What it says.
    #[serde(default)]
    pub kind: Option<LinkKind>,
    /// Why, or how.
    #[serde(default)]
    pub note: String,
}

impl Link {
    /// What to call the link in a list: `S-… supports V-…`.
    pub fn label(&self) -> String {
        let end = |id: &Option<RecordId>| id.map_or_else(|| "?".to_owned(), |i| i.short());
        let kind = self.kind.map_or("?", LinkKind::as_str);
        format!("{} {kind} {}", end(&self.from), end(&self.to))
    }
}

/// Kinds a link may join: every record but a link.
const LINKABLE: [RecordKind; 8] = [
    RecordKind::Case,
    RecordKind::Event,
    RecordKind::Act,
    RecordKind::Person,
    RecordKind::Unit,
    RecordKind::Source,
    RecordKind::Testimony,
    RecordKind::Intervention,
];

impl Check for Link {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Link]);
        let (at_from, at_to) = (at.field("from"), at.field("to"));
        c.required_id(&at_from, &self.from, &LINKABLE);
        c.required_id(&at_to, &self.to, &LINKABLE);
        c.text(&at.field("note"), &self.note, MAX_TEXT_CHARS);
        let Some(kind) = self.kind else {
            c.add(&at.field("kind"), Problem::Required);
            return;
        };
        let (Some(from), Some(to)) = (self.from, self.to) else {
            return;
        };
        if from == to {
            c.add(
                &at_to,
                Problem::Inconsistent("a record cannot be linked to itself".into()),
            );
        }
        let need = |c: &mut Checker, at: &Path, id: RecordId, kinds: &[RecordKind]| {
            if id.kind() != RecordKind::Link && !kinds.contains(&id.kind()) {
                c.add(
                    at,
                    Problem::WrongKind {
                        found: id,
                        expected: format!("{} for {kind}", expected_kinds(kinds)),
                    },
                );
            }
        };
        match kind {
            LinkKind::Supports | LinkKind::Contradicts => {
                need(
                    c,
                    &at_from,
                    from,
                    &[RecordKind::Source, RecordKind::Testimony],
                );
            }
            LinkKind::SamePersonAs => {
                need(c, &at_from, from, &[RecordKind::Person]);
                need(c, &at_to, to, &[RecordKind::Person]);
            }
            LinkKind::PartOf => need(c, &at_to, to, &[RecordKind::Case, RecordKind::Event]),
            LinkKind::Follows => {
                if from.kind() != to.kind() {
                    c.add(
                        &at_to,
                        Problem::Inconsistent(format!(
                            "follows joins records of one kind, but {from} is {} and {to} {}",
                            article(from.kind()),
                            article(to.kind())
                        )),
                    );
                }
            }
            LinkKind::RelatedTo => {}
        }
    }
}

validate_via_check!(Link);
