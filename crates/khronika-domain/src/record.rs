//! [`Record`], any one record with a `type` tag, and [`RecordSet`], many records grouped by
//! type as in an import or export file, validated together.
//!
//! In JSON a record is an object whose `type` is `case`, `event`, `person`, `unit`, `source`,
//! `testimony`, `intervention` or `link`, beside the type's own fields. Acts are not records of
//! their own here: they live inside their event (though they have `A-` ids that others can
//! refer to).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::case::Case;
use crate::event::Event;
use crate::ids::{RecordId, RecordKind};
use crate::intervention::Intervention;
use crate::link::Link;
use crate::person::{Person, Unit};
use crate::source::{Provider, Source, Testimony};
use crate::validate::{Check, Checker, Path, Problem, ValidationError};

/// Any record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A case.
    Case(Case),
    /// An event with its acts and involvements.
    Event(Event),
    /// A person.
    Person(Person),
    /// A unit or organisation.
    Unit(Unit),
    /// A source.
    Source(Source),
    /// A testimony.
    Testimony(Testimony),
    /// An intervention.
    Intervention(Intervention),
    /// A link between two records.
    Link(Link),
}

/// A reference from one record to another: where it is and what it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The field path within the record (`acts[0].victim`).
    pub path: String,
    /// The record named.
    pub id: RecordId,
}

impl Record {
    /// The record's id.
    pub fn id(&self) -> RecordId {
        match self {
            Record::Case(r) => r.id,
            Record::Event(r) => r.id,
            Record::Person(r) => r.id,
            Record::Unit(r) => r.id,
            Record::Source(r) => r.id,
            Record::Testimony(r) => r.id,
            Record::Intervention(r) => r.id,
            Record::Link(r) => r.id,
        }
    }

    /// What the record is (by its variant, whatever its id says; validation checks they agree).
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Case(_) => RecordKind::Case,
            Record::Event(_) => RecordKind::Event,
            Record::Person(_) => RecordKind::Person,
            Record::Unit(_) => RecordKind::Unit,
            Record::Source(_) => RecordKind::Source,
            Record::Testimony(_) => RecordKind::Testimony,
            Record::Intervention(_) => RecordKind::Intervention,
            Record::Link(_) => RecordKind::Link,
        }
    }

    /// What to call it in a list.
    pub fn label(&self) -> String {
        match self {
            Record::Case(r) => r.label(),
            Record::Event(r) => r.label(),
            Record::Person(r) => r.label(),
            Record::Unit(r) => r.label(),
            Record::Source(r) => r.label(),
            Record::Testimony(r) => r.label(),
            Record::Intervention(r) => r.label(),
            Record::Link(r) => r.label(),
        }
    }

    /// Check the record; every problem found, each with its field path.
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let mut c = Checker::new();
        self.check(&Path::root(), &mut c);
        c.finish()
    }

    /// The ids this record defines: its own, and for an event its acts', each with its path.
    pub fn defines(&self) -> Vec<(String, RecordId)> {
        self.inner().defines()
    }

    /// Every reference to another record, with its path. (An involvement's `act`, which must
    /// name an act of the same event, is checked by the event itself and not listed.)
    pub fn references(&self) -> Vec<Reference> {
        self.inner().references()
    }

    fn inner(&self) -> &dyn Item {
        match self {
            Record::Case(r) => r,
            Record::Event(r) => r,
            Record::Person(r) => r,
            Record::Unit(r) => r,
            Record::Source(r) => r,
            Record::Testimony(r) => r,
            Record::Intervention(r) => r,
            Record::Link(r) => r,
        }
    }
}

/// What the set-level checks need of each record type.
pub(crate) trait Item: Check {
    fn id(&self) -> RecordId;

    fn defines(&self) -> Vec<(String, RecordId)> {
        vec![("id".to_owned(), self.id())]
    }

    fn references(&self) -> Vec<Reference>;
}

fn reference(path: String, id: Option<RecordId>) -> Option<Reference> {
    id.map(|id| Reference { path, id })
}

fn provider_reference(field: &str, p: &Option<Provider>) -> Vec<Reference> {
    match p {
        Some(Provider::Person(id)) => vec![Reference {
            path: format!("{field}.person"),
            id: *id,
        }],
        Some(Provider::Unit(id)) => vec![Reference {
            path: format!("{field}.unit"),
            id: *id,
        }],
        Some(Provider::Pseudonym(_)) | None => Vec::new(),
    }
}

impl Item for Case {
    fn id(&self) -> RecordId {
        self.id
    }
    fn references(&self) -> Vec<Reference> {
        let each = self.records.iter().enumerate();
        each.filter_map(|(i, id)| reference(format!("records[{i}]"), Some(*id)))
            .collect()
    }
}

impl Item for Event {
    fn id(&self) -> RecordId {
        self.id
    }
    fn defines(&self) -> Vec<(String, RecordId)> {
        let mut out = vec![("id".to_owned(), self.id)];
        for (i, a) in self.acts.iter().enumerate() {
            out.push((format!("acts[{i}].id"), a.id));
        }
        out
    }
    fn references(&self) -> Vec<Reference> {
        let victims = self.acts.iter().enumerate();
        let victims = victims.filter_map(|(i, a)| reference(format!("acts[{i}].victim"), a.victim));
        let perps = self.involvements.iter().enumerate();
        let perps = perps.filter_map(|(i, v)| {
            reference(format!("involvements[{i}].perpetrator"), v.perpetrator)
        });
        victims.chain(perps).collect()
    }
}

impl Item for Person {
    fn id(&self) -> RecordId {
        self.id
    }
    fn references(&self) -> Vec<Reference> {
        let each = self.memberships.iter().enumerate();
        each.filter_map(|(i, m)| reference(format!("memberships[{i}].unit"), m.unit))
            .collect()
    }
}

impl Item for Unit {
    fn id(&self) -> RecordId {
        self.id
    }
    fn references(&self) -> Vec<Reference> {
        reference("parent".to_owned(), self.parent)
            .into_iter()
            .collect()
    }
}

impl Item for Source {
    fn id(&self) -> RecordId {
        self.id
    }
    fn references(&self) -> Vec<Reference> {
        provider_reference("provider", &self.provider)
    }
}

impl Item for Testimony {
    fn id(&self) -> RecordId {
        self.id
    }
    fn references(&self) -> Vec<Reference> {
        provider_reference("given_by", &self.given_by)
    }
}

impl Item for Intervention {
    fn id(&self) -> RecordId {
        self.id
    }
    fn references(&self) -> Vec<Reference> {
        let each = self.concerns.iter().enumerate();
        each.filter_map(|(i, id)| reference(format!("concerns[{i}]"), Some(*id)))
            .collect()
    }
}

impl Item for Link {
    fn id(&self) -> RecordId {
        self.id
    }
    fn references(&self) -> Vec<Reference> {
        [
            reference("from".to_owned(), self.from),
            reference("to".to_owned(), self.to),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Check for Record {
    fn check(&self, at: &Path, c: &mut Checker) {
        match self {
            Record::Case(r) => r.check(at, c),
            Record::Event(r) => r.check(at, c),
            Record::Person(r) => r.check(at, c),
            Record::Unit(r) => r.check(at, c),
            Record::Source(r) => r.check(at, c),
            Record::Testimony(r) => r.check(at, c),
            Record::Intervention(r) => r.check(at, c),
            Record::Link(r) => r.check(at, c),
        }
    }
}

macro_rules! record_from {
    ($($variant:ident),+) => {
        $(
            impl From<$variant> for Record {
                fn from(r: $variant) -> Record {
                    Record::$variant(r)
                }
            }
        )+
    };
}

record_from!(
    Case,
    Event,
    Person,
    Unit,
    Source,
    Testimony,
    Intervention,
    Link
);

/// Many records grouped by type: the shape of an import or export file. Validated together,
/// so paths name the record (`events[2].acts[0].victim`) and ids must be unique across it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSet {
    /// Cases.
    #[serde(default)]
    pub cases: Vec<Case>,
    /// Events.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Persons.
    #[serde(default)]
    pub persons: Vec<Person>,
    /// Units and organisations.
    #[serde(default)]
    pub units: Vec<Unit>,
    /// Sources.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Testimonies.
    #[serde(default)]
    pub testimonies: Vec<Testimony>,
    /// Interventions.
    #[serde(default)]
    pub interventions: Vec<Intervention>,
    /// Links.
    #[serde(default)]
    pub links: Vec<Link>,
}

impl RecordSet {
    /// Group records by type, keeping their order within each type.
    pub fn from_records(records: impl IntoIterator<Item = Record>) -> RecordSet {
        let mut set = RecordSet::default();
        for r in records {
            set.push(r);
        }
        set
    }

    /// Add one record.
    pub fn push(&mut self, record: Record) {
        match record {
            Record::Case(r) => self.cases.push(r),
            Record::Event(r) => self.events.push(r),
            Record::Person(r) => self.persons.push(r),
            Record::Unit(r) => self.units.push(r),
            Record::Source(r) => self.sources.push(r),
            Record::Testimony(r) => self.testimonies.push(r),
            Record::Intervention(r) => self.interventions.push(r),
            Record::Link(r) => self.links.push(r),
        }
    }

    /// Every record with the path of its place in the set (`events[2]`), in the order of the
    /// fields and then of each list.
    pub(crate) fn items(&self) -> Vec<(String, &dyn Item)> {
        fn add<'a, T: Item>(out: &mut Vec<(String, &'a dyn Item)>, name: &str, v: &'a [T]) {
            for (i, r) in v.iter().enumerate() {
                out.push((format!("{name}[{i}]"), r));
            }
        }
        let mut out = Vec::with_capacity(self.len());
        add(&mut out, "cases", &self.cases);
        add(&mut out, "events", &self.events);
        add(&mut out, "persons", &self.persons);
        add(&mut out, "units", &self.units);
        add(&mut out, "sources", &self.sources);
        add(&mut out, "testimonies", &self.testimonies);
        add(&mut out, "interventions", &self.interventions);
        add(&mut out, "links", &self.links);
        out
    }

    /// Every record: cases, events, persons, units, sources, testimonies, interventions,
    /// links, each list in order.
    pub fn into_records(self) -> Vec<Record> {
        let mut out = Vec::with_capacity(self.len());
        out.extend(self.cases.into_iter().map(Record::Case));
        out.extend(self.events.into_iter().map(Record::Event));
        out.extend(self.persons.into_iter().map(Record::Person));
        out.extend(self.units.into_iter().map(Record::Unit));
        out.extend(self.sources.into_iter().map(Record::Source));
        out.extend(self.testimonies.into_iter().map(Record::Testimony));
        out.extend(self.interventions.into_iter().map(Record::Intervention));
        out.extend(self.links.into_iter().map(Record::Link));
        out
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.cases.len()
            + self.events.len()
            + self.persons.len()
            + self.units.len()
            + self.sources.len()
            + self.testimonies.len()
            + self.interventions.len()
            + self.links.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Check every record, and that no id (of a record or an act) is used twice.
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let mut c = Checker::new();
        self.check_at(&Path::root(), &mut c, &mut Defined::default());
        c.finish()
    }

    /// Check every record, its path under `at`, and that no id it defines is in `defined`
    /// already (then adds them): how [`RecordSet::validate`] and an archive's validation,
    /// whose ids are unique across several sets, share one check.
    pub(crate) fn check_at(&self, at: &Path, c: &mut Checker, defined: &mut Defined) {
        for (here, record) in self.items() {
            let n = defined.records;
            defined.records += 1;
            let at = at.field(&here);
            record.check(&at, c);
            for (field, id) in record.defines() {
                let path = at.field(&field);
                match defined.first.get(&id) {
                    // Repeats within one record are that record's own problem.
                    Some((m, _)) if *m == n => {}
                    Some((_, first)) => c.add(&path, Problem::Duplicate(first.clone())),
                    None => {
                        defined.first.insert(id, (n, path.to_string()));
                    }
                }
            }
        }
    }

    /// Every id the set defines: its records' and their acts'.
    pub(crate) fn defined_ids(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.items()
            .into_iter()
            .flat_map(|(_, r)| r.defines().into_iter().map(|(_, id)| id))
    }

    /// Check that every reference names a record (or act) in this set or one for which
    /// `exists` is true (e.g. one already in the vault).
    pub fn check_references(
        &self,
        exists: impl Fn(&RecordId) -> bool,
    ) -> Result<(), Vec<ValidationError>> {
        let defined: HashSet<RecordId> = self.defined_ids().collect();
        let mut c = Checker::new();
        self.check_references_at(&Path::root(), &mut c, &|id| {
            defined.contains(id) || exists(id)
        });
        c.finish()
    }

    /// Reports, with paths under `at`, every reference to an id for which `known` is false.
    pub(crate) fn check_references_at(
        &self,
        at: &Path,
        c: &mut Checker,
        known: &dyn Fn(&RecordId) -> bool,
    ) {
        for (here, record) in self.items() {
            for r in record.references() {
                if !known(&r.id) {
                    c.add(
                        &at.field(&here).field(&r.path),
                        Problem::UnknownReference(r.id),
                    );
                }
            }
        }
    }
}

/// The ids defined so far by the sets being checked together, for the uniqueness check.
#[derive(Debug, Default)]
pub(crate) struct Defined {
    /// Where each id is first defined: the defining record's number, and the id's path.
    first: HashMap<RecordId, (usize, String)>,
    /// How many records have been checked, which numbers the next one.
    records: usize,
}
