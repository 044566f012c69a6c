//! Revisions of records and the deterministic fold that turns them into each record's state.
//!
//! Records are never overwritten. Each create or edit is a [`Revision`]: the top-level JSON
//! fields it writes and the revisions it supersedes (the record's heads its author saw). The
//! app layer stores each revision as a signed log entry and sets its [`RevisionId`] to the
//! SHA-256 of that entry; this module is the pure part.
//!
//! A [`Fold`] takes revisions from every device in any order and gives, per record, a
//! [`FoldedRecord`]: the current value of each field, the record's heads, and the fields in
//! conflict. The rules, for a record R and a field f:
//!
//! - **Ancestry.** `a` is an ancestor of `b` when `b` reaches `a` through `supersedes`,
//!   transitively, through known revisions of R only. Revisions named but not (yet) known, or
//!   belonging to another record, are accepted and ignored until they are known.
//! - **Heads.** Of the revisions of R that write f, the heads are those that are not an
//!   ancestor of another one. One head gives the value; several heads with equal values give
//!   that value; several heads with different values are a [`FieldConflict`], kept and shown to
//!   a person, with the candidate of the smallest [`RevisionId`] as the value meanwhile.
//! - **Clocks never decide.** `time_ms` is the author's clock, shown and never compared.
//! - **Resolution** is an ordinary edit: a revision that supersedes the conflicting heads and
//!   writes the field. [`FoldedRecord::edit`] builds one (use its `resolved` argument when the
//!   chosen value is the one already shown, which [`changes`] alone would not write).
//!
//! **Decision: every result depends only on the set of revisions applied.** Storage is sorted
//! by id, ancestry is computed from the set when a record is read, and ties are broken by
//! [`RevisionId`], so applying revisions in any order, or twice, gives the same state. The one
//! exception is malformed input that no valid log can contain: two different revisions under
//! one id (the id is a hash of the content). The first one applied stays and the other is
//! refused with [`FoldError::DuplicateId`], which the app must treat as a damaged or forged log.
//!
//! **Decision: cycles do not break the fold.** With ids that are hashes a cycle of `supersedes`
//! cannot occur, but input may contain one. Revisions on a common cycle are each other's
//! ancestors both ways, so neither counts as an ancestor of the other ("strict" ancestry):
//! they are treated as concurrent, ordered by id, and every field still has at least one head.
//! A revision that supersedes itself is refused.
//!
//! Cost: [`Fold::apply`] is a map insertion; a record's state is computed when it is read, in
//! time linear in its revisions and their `supersedes` (times the fields written, over 64), so
//! a vault of a million records with a few revisions each is read record by record cheaply.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::ids::{RecordId, quote};
use crate::record::Record;
use crate::stable::from_text;

/// Number of hex characters in a [`RevisionId`]'s text form.
pub const REVISION_ID_CHARS: usize = 64;

/// Number of hex characters in [`RevisionId::short`].
pub const REVISION_SHORT_CHARS: usize = 12;

/// The field every create writes: the record's type (`case`, `event`, …).
pub const TYPE_FIELD: &str = "type";

/// The field every create writes: the record's id.
pub const ID_FIELD: &str = "id";

/// The id of a revision: 32 bytes, which the app sets to the SHA-256 of the log entry that
/// carries the revision. Its text form is 64 lowercase hex characters; ids order by their
/// bytes, and that order breaks every tie in the fold.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RevisionId(pub [u8; 32]);

/// Why a text is not a revision id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevisionIdError {
    /// Not 64 characters.
    #[error("a revision id has 64 hex characters, this one has {0}")]
    Length(usize),
    /// A character that is not a hex digit.
    #[error("\"{0}\" cannot appear in a revision id (use 0-9 and a-f)")]
    BadChar(char),
}

impl RevisionId {
    /// A short form for people: the first 12 hex characters. Not unique; never store it.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(REVISION_SHORT_CHARS);
        s
    }

    /// Parse the 64 hex characters of the text form (either case; spaces around are ignored).
    pub fn parse(s: &str) -> Result<RevisionId, RevisionIdError> {
        let s = s.trim();
        let mut bytes = [0u8; 32];
        let mut n = 0;
        for c in s.chars() {
            let d = c.to_digit(16).ok_or(RevisionIdError::BadChar(c))?;
            if let Some(b) = bytes.get_mut(n / 2) {
                let d = u8::try_from(d).map_err(|_| RevisionIdError::BadChar(c))?;
                *b |= if n % 2 == 0 { d << 4 } else { d };
            }
            n += 1;
        }
        if n == REVISION_ID_CHARS {
            Ok(RevisionId(bytes))
        } else {
            Err(RevisionIdError::Length(n))
        }
    }
}

impl fmt::Display for RevisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for RevisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RevisionId({self})")
    }
}

impl FromStr for RevisionId {
    type Err = RevisionIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RevisionId::parse(s)
    }
}

impl Serialize for RevisionId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RevisionId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "a revision id of 64 hex characters", RevisionId::parse)
    }
}

/// One create or edit of one record. Never changed once written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// Its id (the SHA-256 of the log entry that carries it).
    pub id: RevisionId,
    /// The record it writes.
    pub record: RecordId,
    /// The record's heads its author saw, which it supersedes; empty for a create. May name
    /// revisions not (yet) known.
    pub supersedes: Vec<RevisionId>,
    /// The top-level JSON fields of the record it writes; `null` removes a field. A create
    /// writes all of them, including `type` and `id`.
    pub fields: BTreeMap<String, Value>,
    /// The member who wrote it (opaque to this crate).
    pub author: String,
    /// The author's clock, in milliseconds since 1970: shown, never used to decide anything.
    pub time_ms: i64,
    /// Where it was written, e.g. `device:index` (opaque to this crate, for display).
    pub origin: String,
}

impl Revision {
    /// Whether it is a create: it supersedes nothing.
    pub fn is_create(&self) -> bool {
        self.supersedes.is_empty()
    }
}

/// Why [`changes`] or [`FoldedRecord::edit`] cannot describe an edit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The edit would change the record's `type` or `id`.
    #[error(
        "a record's {field} never changes after it is created: it is {was}, the edit says {now}; create a new record instead"
    )]
    Identity {
        /// `type` or `id`.
        field: &'static str,
        /// The current value, as JSON.
        was: String,
        /// The edit's value, as JSON.
        now: String,
    },
    /// The record could not be written as a JSON object (an internal fault).
    #[error("internal error: the record could not be written as a JSON object: {0}")]
    Json(String),
}

impl ChangeError {
    /// A stable code: `identity_changed` or `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            ChangeError::Identity { .. } => "identity_changed",
            ChangeError::Json(_) => "internal",
        }
    }
}

/// A JSON value for an error message, cut short.
fn show(v: &Value) -> String {
    quote(&v.to_string())
}

/// `record` as a JSON object (with its `type` tag).
fn to_object(record: &Record) -> Result<Map<String, Value>, ChangeError> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ChangeError::Json(format!(
            "expected an object, got {}",
            show(&other)
        ))),
        Err(e) => Err(ChangeError::Json(e.to_string())),
    }
}

/// The fields a revision must write to turn `current` into `new`.
///
/// `new` is written as a JSON object (with its `type` tag) and every top-level field whose
/// value differs from `current` is returned; all of them when `current` is `None` (a create).
/// A field present in `current` and absent from `new` is returned as `null`; a missing field
/// and a `null` one are the same. `type` and `id` never change after creation: if `current`
/// has either and `new` differs, that is an error.
///
/// A conflicted field whose new value equals the value shown (the pick) is not returned, so
/// the conflict stays; use [`FoldedRecord::edit`] to resolve conflicts.
pub fn changes(
    current: Option<&Map<String, Value>>,
    new: &Record,
) -> Result<BTreeMap<String, Value>, ChangeError> {
    let new = to_object(new)?;
    let Some(current) = current else {
        return Ok(new.into_iter().collect());
    };
    for field in [TYPE_FIELD, ID_FIELD] {
        if let (Some(was), Some(now)) = (current.get(field), new.get(field))
            && was != now
        {
            return Err(ChangeError::Identity {
                field,
                was: show(was),
                now: show(now),
            });
        }
    }
    let mut out = BTreeMap::new();
    for (field, now) in &new {
        if current.get(field).unwrap_or(&Value::Null) != now {
            out.insert(field.clone(), now.clone());
        }
    }
    for (field, was) in current {
        if !new.contains_key(field) && !was.is_null() {
            out.insert(field.clone(), Value::Null);
        }
    }
    Ok(out)
}

/// What a new revision says, before the app gives it an id, an author, a time and an origin
/// (the id is the hash of the log entry built from this).
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// The record it writes.
    pub record: RecordId,
    /// The heads it supersedes (sorted); empty for a create.
    pub supersedes: Vec<RevisionId>,
    /// The fields it writes.
    pub fields: BTreeMap<String, Value>,
}

impl Edit {
    /// The create of `record`: every field, superseding nothing.
    pub fn create(record: &Record) -> Result<Edit, ChangeError> {
        Ok(Edit {
            record: record.id(),
            supersedes: Vec::new(),
            fields: changes(None, record)?,
        })
    }

    /// Whether it writes no field (an edit that changes nothing need not be stored).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The revision, once the app has chosen its id (the hash of its log entry), author, time
    /// and origin.
    pub fn into_revision(
        self,
        id: RevisionId,
        author: String,
        time_ms: i64,
        origin: String,
    ) -> Revision {
        Revision {
            id,
            record: self.record,
            supersedes: self.supersedes,
            fields: self.fields,
            author,
            time_ms,
            origin,
        }
    }
}

/// Why a revision was refused by [`Fold::apply`]. The fold is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    /// Another revision with the same id and different content was applied before.
    #[error(
        "revision {0} was already applied with different content; the log is damaged or forged"
    )]
    DuplicateId(RevisionId),
    /// A create that does not write the record's `type` or `id`.
    #[error("revision {revision} creates a record but does not write its {field}")]
    IncompleteCreate {
        /// The revision.
        revision: RevisionId,
        /// `type` or `id`.
        field: &'static str,
    },
    /// A `type` or `id` field that is not the record's.
    #[error("revision {revision} writes {field} {found} to a record whose {field} is {expected}")]
    WrongIdentity {
        /// The revision.
        revision: RevisionId,
        /// `type` or `id`.
        field: &'static str,
        /// The record's value, e.g. `"case"`.
        expected: String,
        /// The revision's value, as JSON.
        found: String,
    },
    /// A revision that names itself among the revisions it supersedes.
    #[error("revision {0} supersedes itself")]
    SupersedesItself(RevisionId),
}

impl FoldError {
    /// A stable code: `duplicate_revision`, `incomplete_create`, `wrong_identity` or
    /// `supersedes_itself`.
    pub fn code(&self) -> &'static str {
        match self {
            FoldError::DuplicateId(_) => "duplicate_revision",
            FoldError::IncompleteCreate { .. } => "incomplete_create",
            FoldError::WrongIdentity { .. } => "wrong_identity",
            FoldError::SupersedesItself(_) => "supersedes_itself",
        }
    }
}

/// Checks that need nothing but the revision itself (so that acceptance does not depend on
/// the order of arrival).
fn check(rev: &Revision) -> Result<(), FoldError> {
    if rev.supersedes.contains(&rev.id) {
        return Err(FoldError::SupersedesItself(rev.id));
    }
    let identity = [
        (TYPE_FIELD, rev.record.kind().as_str().to_owned()),
        (ID_FIELD, rev.record.to_string()),
    ];
    for (field, expected) in identity {
        match rev.fields.get(field) {
            None if rev.is_create() => {
                return Err(FoldError::IncompleteCreate {
                    revision: rev.id,
                    field,
                });
            }
            None => {}
            Some(Value::String(s)) if *s == expected => {}
            Some(found) => {
                return Err(FoldError::WrongIdentity {
                    revision: rev.id,
                    field,
                    expected: format!("\"{expected}\""),
                    found: show(found),
                });
            }
        }
    }
    Ok(())
}

/// Every revision applied so far, by record. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Fold {
    /// Each record's revisions, sorted by id.
    records: BTreeMap<RecordId, Vec<Revision>>,
    /// The record of each revision id applied.
    index: HashMap<RevisionId, RecordId>,
}

/// The state of one record: the result of folding its revisions.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedRecord {
    /// The record.
    pub id: RecordId,
    /// The current value of each field (fields whose value is `null` are left out). For a
    /// conflicted field, the candidate with the smallest revision id; see `conflicts`.
    pub value: Map<String, Value>,
    /// `value` read as a [`Record`], or why it cannot be (its create is not known yet, or a
    /// merge of concurrent edits produced an invalid combination).
    pub record: Result<Record, String>,
    /// The revisions of this record that no other known revision of it supersedes, sorted. An
    /// edit must supersede all of these.
    pub heads: Vec<RevisionId>,
    /// Fields whose heads disagree, sorted by field.
    pub conflicts: Vec<FieldConflict>,
    /// The author's clock of the first revision in [`Fold::revisions`] order (the create,
    /// once known). For display only.
    pub created_ms: i64,
    /// The latest author's clock among the heads. For display only.
    pub updated_ms: i64,
    /// How many revisions of the record are known.
    pub revisions: usize,
}

impl FoldedRecord {
    /// Whether any field is in conflict.
    pub fn has_conflicts(&self) -> bool {
        !self.conflicts.is_empty()
    }

    /// The conflict on `field`, if any.
    pub fn conflict(&self, field: &str) -> Option<&FieldConflict> {
        self.conflicts.iter().find(|c| c.field == field)
    }

    /// The edit that turns this state into `new`: it supersedes every head and writes the
    /// fields that [`changes`] returns, and also every field named in `resolved` (with `new`'s
    /// value, `null` if absent), which resolves that field's conflict even when the chosen
    /// value is the one already shown. Conflicts on fields neither changed nor named stay.
    pub fn edit(&self, new: &Record, resolved: &[&str]) -> Result<Edit, ChangeError> {
        if new.id() != self.id {
            return Err(ChangeError::Identity {
                field: ID_FIELD,
                was: format!("\"{}\"", self.id),
                now: format!("\"{}\"", new.id()),
            });
        }
        let mut fields = changes(Some(&self.value), new)?;
        let object = to_object(new)?;
        for &field in resolved {
            if field == TYPE_FIELD || field == ID_FIELD {
                continue;
            }
            let v = object.get(field).cloned().unwrap_or(Value::Null);
            fields.insert(field.to_owned(), v);
        }
        Ok(Edit {
            record: self.id,
            supersedes: self.heads.clone(),
            fields,
        })
    }
}

/// A field whose heads have different values. A person resolves it by an edit that writes
/// the field and supersedes the heads.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    /// The field.
    pub field: String,
    /// Every head of the field with its value, sorted by revision id (two or more, not all
    /// equal).
    pub candidates: Vec<(RevisionId, Value)>,
}

/// One write of one field, for the field's history.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// The revision that wrote it.
    pub revision: RevisionId,
    /// The value written (`null`: removed).
    pub value: Value,
    /// Who wrote it.
    pub author: String,
    /// The author's clock.
    pub time_ms: i64,
    /// Where it was written.
    pub origin: String,
}

impl Fold {
    /// An empty fold.
    pub fn new() -> Fold {
        Fold::default()
    }

    /// Add a revision. Applying the same revision again does nothing; the order of calls does
    /// not matter. Refused (and the fold unchanged): a revision whose id was applied with
    /// different content, a create that does not write `type` and `id`, a `type` or `id`
    /// field that is not the record's, a revision that supersedes itself. Never panics.
    pub fn apply(&mut self, rev: Revision) -> Result<(), FoldError> {
        if let Some(record) = self.index.get(&rev.id) {
            let known = self.records.get(record).and_then(|revs| {
                revs.binary_search_by(|r| r.id.cmp(&rev.id))
                    .ok()
                    .and_then(|i| revs.get(i))
            });
            return match known {
                Some(known) if *known == rev => Ok(()),
                _ => Err(FoldError::DuplicateId(rev.id)),
            };
        }
        check(&rev)?;
        self.index.insert(rev.id, rev.record);
        let revs = self.records.entry(rev.record).or_default();
        if let Err(at) = revs.binary_search_by(|r| r.id.cmp(&rev.id)) {
            revs.insert(at, rev);
        }
        Ok(())
    }

    /// The state of a record, computed from its revisions; `None` if none is known.
    pub fn get(&self, id: &RecordId) -> Option<FoldedRecord> {
        let revs = self.records.get(id)?;
        let g = Graph::new(revs);
        let mut value = Map::new();
        let mut conflicts = Vec::new();
        for (field, heads) in &g.field_heads {
            let candidates: Vec<(RevisionId, &Value)> = heads
                .iter()
                .filter_map(|&i| {
                    let r = revs.get(i)?;
                    Some((r.id, r.fields.get(*field)?))
                })
                .collect();
            let Some(&(_, pick)) = candidates.first() else {
                continue;
            };
            if candidates.iter().any(|(_, v)| *v != pick) {
                conflicts.push(FieldConflict {
                    field: (*field).to_owned(),
                    candidates: candidates
                        .iter()
                        .map(|(id, v)| (*id, (*v).clone()))
                        .collect(),
                });
            }
            if !pick.is_null() {
                value.insert((*field).to_owned(), pick.clone());
            }
        }
        let record = serde_json::from_value::<Record>(Value::Object(value.clone()))
            .map_err(|e| e.to_string());
        let heads: Vec<&Revision> = g.heads.iter().filter_map(|&i| revs.get(i)).collect();
        let created_ms = g
            .order
            .first()
            .and_then(|&i| revs.get(i))
            .map_or(0, |r| r.time_ms);
        let updated_ms = heads.iter().map(|r| r.time_ms).max().unwrap_or(created_ms);
        Some(FoldedRecord {
            id: *id,
            value,
            record,
            heads: heads.iter().map(|r| r.id).collect(),
            conflicts,
            created_ms,
            updated_ms,
            revisions: revs.len(),
        })
    }

    /// The ids of the records with at least one revision, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &RecordId> {
        self.records.keys()
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// How many revisions, of all records.
    pub fn revision_count(&self) -> usize {
        self.index.len()
    }

    /// Whether the revision `id` has been applied.
    pub fn contains(&self, id: &RevisionId) -> bool {
        self.index.contains_key(id)
    }

    /// The revisions of a record in a deterministic topological order: ancestors before
    /// descendants, ties broken by the smaller id.
    pub fn revisions(&self, id: &RecordId) -> Vec<&Revision> {
        let Some(revs) = self.records.get(id) else {
            return Vec::new();
        };
        let g = Graph::new(revs);
        g.order.iter().filter_map(|&i| revs.get(i)).collect()
    }

    /// Every write of `field` (of every field if `None`) in a record, in the order of
    /// [`Fold::revisions`], and by field name within one revision.
    pub fn history(&self, id: &RecordId, field: Option<&str>) -> Vec<FieldChange> {
        let mut out = Vec::new();
        for r in self.revisions(id) {
            for (f, v) in &r.fields {
                if field.is_none_or(|want| want == f) {
                    out.push(FieldChange {
                        field: f.clone(),
                        revision: r.id,
                        value: v.clone(),
                        author: r.author.clone(),
                        time_ms: r.time_ms,
                        origin: r.origin.clone(),
                    });
                }
            }
        }
        out
    }
}

/// The ancestry of one record's revisions (given sorted by id, so that an index order is an
/// id order).
struct Graph<'a> {
    /// Every revision: ancestors first, ties by id.
    order: Vec<usize>,
    /// Revisions that are no other revision's strict ancestor, ascending.
    heads: Vec<usize>,
    /// For each field written, the revisions writing it that are no strict ancestor of
    /// another revision writing it, ascending.
    field_heads: BTreeMap<&'a str, Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn new(revs: &'a [Revision]) -> Graph<'a> {
        let n = revs.len();
        // Edges from a revision to those it supersedes, within this record.
        let adj: Vec<Vec<usize>> = revs
            .iter()
            .map(|r| {
                let mut to: Vec<usize> = r
                    .supersedes
                    .iter()
                    .filter_map(|s| revs.binary_search_by(|x| x.id.cmp(s)).ok())
                    .collect();
                to.sort_unstable();
                to.dedup();
                to
            })
            .collect();
        let (comp, ncomp) = components(&adj);

        // The condensation: components, each superseding others; a DAG.
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); ncomp];
        for (i, &c) in comp.iter().enumerate() {
            members[c].push(i);
        }
        let mut below: Vec<Vec<usize>> = vec![Vec::new(); ncomp];
        for (i, to) in adj.iter().enumerate() {
            for &j in to {
                if comp[i] != comp[j] {
                    below[comp[i]].push(comp[j]);
                }
            }
        }
        let mut above: Vec<Vec<usize>> = vec![Vec::new(); ncomp];
        for (c, b) in below.iter_mut().enumerate() {
            b.sort_unstable();
            b.dedup();
            for &d in b.iter() {
                above[d].push(c);
            }
        }

        // Kahn's algorithm: a component is ready once everything it supersedes is placed;
        // of the ready ones, the one with the smallest id goes first.
        let mut pending: Vec<usize> = below.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<usize>> = (0..ncomp)
            .filter(|&c| pending[c] == 0)
            .filter_map(|c| members[c].first().map(|&i| Reverse(i)))
            .collect();
        let mut corder = Vec::with_capacity(ncomp);
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse(first)) = ready.pop() {
            let c = comp[first];
            corder.push(c);
            order.extend_from_slice(&members[c]);
            for &a in &above[c] {
                pending[a] -= 1;
                if pending[a] == 0
                    && let Some(&i) = members[a].first()
                {
                    ready.push(Reverse(i));
                }
            }
        }

        // Fields written by strict descendants of each component, as bit sets, from the
        // descendants down.
        let mut names: BTreeMap<&'a str, usize> = BTreeMap::new();
        for r in revs {
            for f in r.fields.keys() {
                let next = names.len();
                names.entry(f.as_str()).or_insert(next);
            }
        }
        let words = names.len().div_ceil(64);
        let mut written = vec![0u64; ncomp * words];
        for (i, r) in revs.iter().enumerate() {
            for f in r.fields.keys() {
                if let Some(&b) = names.get(f.as_str()) {
                    written[comp[i] * words + b / 64] |= 1 << (b % 64);
                }
            }
        }
        let mut shadowed = vec![0u64; ncomp * words];
        for &c in corder.iter().rev() {
            for &a in &above[c] {
                for w in 0..words {
                    shadowed[c * words + w] |= written[a * words + w] | shadowed[a * words + w];
                }
            }
        }

        let heads = (0..n).filter(|&i| above[comp[i]].is_empty()).collect();
        let mut field_heads: BTreeMap<&'a str, Vec<usize>> = BTreeMap::new();
        for (i, r) in revs.iter().enumerate() {
            for f in r.fields.keys() {
                let Some(&b) = names.get(f.as_str()) else {
                    continue;
                };
                if shadowed[comp[i] * words + b / 64] & (1 << (b % 64)) == 0 {
                    field_heads.entry(f.as_str()).or_default().push(i);
                }
            }
        }
        Graph {
            order,
            heads,
            field_heads,
        }
    }
}

/// The strongly connected components of a graph: each node's component and how many there
/// are. Tarjan's algorithm without recursion, so that a long chain cannot overflow the stack.
fn components(adj: &[Vec<usize>]) -> (Vec<usize>, usize) {
    const NONE: usize = usize::MAX;
    let n = adj.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![NONE; n];
    let mut ncomp = 0;
    let mut next = 0;
    // (node, position of the next edge to follow)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(frame) = calls.last_mut() {
            let v = frame.0;
            if let Some(&w) = adj[v].get(frame.1) {
                frame.1 += 1;
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                calls.pop();
                if let Some(&(u, _)) = calls.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = ncomp;
                        if w == v {
                            break;
                        }
                    }
                    ncomp += 1;
                }
            }
        }
    }
    (comp, ncomp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_of_a_chain_a_cycle_and_a_loop() {
        // 0 -> 1 -> 2 -> 1, 3 alone, 4 -> 4
        let adj = vec![vec![1], vec![2], vec![1], vec![], vec![4]];
        let (comp, n) = components(&adj);
        assert_eq!(n, 4);
        assert_eq!(comp[1], comp[2]);
        assert_ne!(comp[0], comp[1]);
        assert_ne!(comp[3], comp[4]);
        // Tarjan numbers a component after every component it reaches.
        assert!(comp[0] > comp[1]);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let adj: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let (comp, count) = components(&adj);
        assert_eq!(count, n);
        assert_eq!(comp[n - 1], 0);
    }
}
