//! What the index shows, defined from a record's folded state: its [`Summary`] in lists, its
//! references, and the whole [`IndexState`], which can be computed from a [`Fold`] as well as
//! read from an index, so that tests (and `khronika reindex --check`) compare the two.

use std::collections::{BTreeMap, BTreeSet};

use khronika_domain::revision::{FieldChange, FoldedRecord};
use khronika_domain::{Fold, Record, RecordId, RecordKind};

use crate::error::IndexError;
use crate::index::RecordIndex;

/// A record as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Its id.
    pub id: RecordId,
    /// Its kind (its id's).
    pub kind: RecordKind,
    /// What to call it: [`Record::label`], or the short id when the value is not a valid
    /// record (see `error`).
    pub label: String,
    /// How many fields are in conflict.
    pub conflicts: usize,
    /// How many revisions are known.
    pub revisions: usize,
    /// The latest author's clock among its heads (display only).
    pub updated_ms: i64,
    /// Why its value is not a valid record (its create is not known yet, or concurrent
    /// edits combined badly); `None` when it is one.
    pub error: Option<String>,
}

impl Summary {
    /// The summary of a folded record.
    pub fn of(state: &FoldedRecord) -> Summary {
        Summary {
            id: state.id,
            kind: state.id.kind(),
            label: state
                .record
                .as_ref()
                .map_or_else(|_| state.id.short(), Record::label),
            conflicts: state.conflicts.len(),
            revisions: state.revisions,
            updated_ms: state.updated_ms,
            error: state.record.as_ref().err().cloned(),
        }
    }

    /// The list order: kind (in [`RecordKind`]'s order), label (by bytes), id.
    pub fn list_order(&self, other: &Summary) -> std::cmp::Ordering {
        (self.kind, &self.label, self.id).cmp(&(other.kind, &other.label, other.id))
    }
}

/// The records a folded record references: [`Record::references`] of its current value (a
/// case's `records`, an event's victims and perpetrators, an intervention's `concerns`, a
/// link's ends, …). None when the value is not a valid record.
pub fn references(state: &FoldedRecord) -> BTreeSet<RecordId> {
    match &state.record {
        Ok(r) => r.references().into_iter().map(|r| r.id).collect(),
        Err(_) => BTreeSet::new(),
    }
}

/// Everything the index shows, in full: for comparing an index with a fold.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexState {
    /// Every record's state.
    pub records: BTreeMap<RecordId, FoldedRecord>,
    /// Every record's summary, in list order.
    pub list: Vec<Summary>,
    /// Every record's history (all fields).
    pub history: BTreeMap<RecordId, Vec<FieldChange>>,
    /// Every reference, as (from, to).
    pub references: BTreeSet<(RecordId, RecordId)>,
    /// How many records.
    pub count: u64,
}

impl IndexState {
    /// What an index holding exactly the revisions of `fold` must show.
    pub fn of_fold(fold: &Fold) -> IndexState {
        let records: BTreeMap<RecordId, FoldedRecord> = fold
            .ids()
            .filter_map(|id| Some((*id, fold.get(id)?)))
            .collect();
        let mut list: Vec<Summary> = records.values().map(Summary::of).collect();
        list.sort_by(Summary::list_order);
        let history = records
            .keys()
            .map(|id| (*id, fold.history(id, None)))
            .collect();
        let references = records
            .values()
            .flat_map(|s| references(s).into_iter().map(|to| (s.id, to)))
            .collect();
        IndexState {
            count: u64::try_from(records.len()).unwrap_or(u64::MAX),
            records,
            list,
            history,
            references,
        }
    }

    /// Read everything from an index, through its public queries ([`RecordIndex::list`],
    /// [`RecordIndex::get`], [`RecordIndex::history`], [`RecordIndex::count`]) and its
    /// references table. Reads the whole index: for tests and checks.
    pub fn of_index(index: &RecordIndex) -> Result<IndexState, IndexError> {
        let list = index.list(None, usize::MAX, 0)?;
        let mut records = BTreeMap::new();
        let mut history = BTreeMap::new();
        for s in &list {
            let state = index.get(&s.id)?.ok_or_else(|| {
                IndexError::damaged(index.path(), format!("{} is listed but not stored", s.id))
            })?;
            records.insert(s.id, state);
            history.insert(s.id, index.history(&s.id, None)?);
        }
        Ok(IndexState {
            records,
            list,
            history,
            references: index.all_references()?,
            count: index.count()?,
        })
    }
}
