//! [`RecordIndex`]: one compartment's records database, and applying batches of revisions.
//!
//! **Decision: the index stores revisions and re-folds with the domain's [`Fold`].** Each batch
//! stores its revisions, then every record it touched is folded again from *all* its stored
//! revisions, by `khronika_domain::Fold` itself, and the result replaces the record's row. A
//! record's state depends only on its own revisions, so the row equals what a fold of the
//! whole vault gives, whatever the order and grouping of batches; the tests check exactly
//! that. The cost is proportional to the touched records' revisions, never to the vault.
//!
//! **Decision: what the fold refuses is kept aside, not fatal.** A revision the fold refuses
//! (a create without `type` or `id`, a second content under one id, …) cannot come from a
//! valid log; it is recorded in `refused` with its position and reason, reported in
//! [`Applied::refused`] and [`RecordIndex::refused`], and the batch goes on, so one bad entry
//! neither stops the index nor costs other data.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use khronika_domain::revision::{FieldChange, FoldedRecord};
use khronika_domain::{Fold, FoldError, Record, RecordId, RecordKind, Revision, RevisionId};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::{Map, Value};

use crate::codec::{
    conflicts_json, kind_order, kind_range, parse_conflicts, parse_revision_id, parse_revision_ids,
    record_id, record_key, revision_ids,
};
use crate::error::IndexError;
use crate::key::IndexKey;
use crate::schema;
use crate::state::{Summary, references};

/// Where a revision was read: the device whose log holds it and its index in that log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// The device's id (16 bytes).
    pub device: [u8; 16],
    /// The entry's index in the device's log, from 0. At most 2^63-1.
    pub index: u64,
}

/// What one [`RecordIndex::apply`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Revisions stored for the first time.
    pub stored: usize,
    /// Revisions already stored with the same content (re-applied; nothing changed).
    pub already: usize,
    /// Revisions the fold refuses, in batch order.
    pub refused: Vec<Refusal>,
    /// Records folded again and written.
    pub records: usize,
}

/// A revision the fold refuses. It reaches no record; it is kept for a person to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Where it was read.
    pub position: Position,
    /// Its id.
    pub revision: RevisionId,
    /// The record it names.
    pub record: RecordId,
    /// The fold's stable code (`duplicate_revision`, `incomplete_create`, …).
    pub code: String,
    /// The fold's message.
    pub reason: String,
}

/// One compartment's records index: an encrypted SQLite database holding every revision
/// applied, each record's folded state, and the references between records.
///
/// Derived and rebuildable: deleting the file and applying every log again gives the same
/// index. Not shared between threads; open one per thread or process (SQLite's locking lets
/// several processes use one file; writers wait up to 5 s for each other).
pub struct RecordIndex {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for RecordIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordIndex")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The columns of a revision, in [`RawRevision`]'s order.
const REVISION_COLUMNS: &str = "id, record, supersedes, fields, author, time_ms, origin";

/// A `revisions` row before decoding.
struct RawRevision {
    id: Vec<u8>,
    record: Vec<u8>,
    supersedes: Vec<u8>,
    fields: String,
    author: String,
    time_ms: i64,
    origin: String,
}

impl RawRevision {
    fn read(r: &Row<'_>) -> rusqlite::Result<RawRevision> {
        Ok(RawRevision {
            id: r.get(0)?,
            record: r.get(1)?,
            supersedes: r.get(2)?,
            fields: r.get(3)?,
            author: r.get(4)?,
            time_ms: r.get(5)?,
            origin: r.get(6)?,
        })
    }

    fn decode(self, path: &Path) -> Result<Revision, IndexError> {
        let bad = |what: &str, e: String| IndexError::damaged(path, format!("{what}: {e}"));
        Ok(Revision {
            id: parse_revision_id(&self.id).map_err(|e| bad("stored revision", e))?,
            record: record_id(&self.record).map_err(|e| bad("stored revision", e))?,
            supersedes: parse_revision_ids(&self.supersedes)
                .map_err(|e| bad("stored revision", e))?,
            fields: serde_json::from_str(&self.fields)
                .map_err(|e| bad("stored revision fields", e.to_string()))?,
            author: self.author,
            time_ms: self.time_ms,
            origin: self.origin,
        })
    }
}

/// A `records` row before decoding (without its id, kind and label).
struct RawRecord {
    value: String,
    heads: Vec<u8>,
    conflicts: Option<String>,
    created_ms: i64,
    updated_ms: i64,
    revisions: i64,
}

/// The columns of a record, in [`RawRecord`]'s order.
const RECORD_COLUMNS: &str = "value, heads, conflicts, created_ms, updated_ms, revisions";

impl RawRecord {
    fn read(r: &Row<'_>) -> rusqlite::Result<RawRecord> {
        Ok(RawRecord {
            value: r.get(0)?,
            heads: r.get(1)?,
            conflicts: r.get(2)?,
            created_ms: r.get(3)?,
            updated_ms: r.get(4)?,
            revisions: r.get(5)?,
        })
    }

    /// The folded state, exactly as [`Fold::get`] gives it.
    fn decode(self, id: RecordId, path: &Path) -> Result<FoldedRecord, IndexError> {
        let bad = |e: String| IndexError::damaged(path, format!("stored record {id}: {e}"));
        let value: Map<String, Value> =
            serde_json::from_str(&self.value).map_err(|e| bad(e.to_string()))?;
        let record = serde_json::from_value::<Record>(Value::Object(value.clone()))
            .map_err(|e| e.to_string());
        Ok(FoldedRecord {
            id,
            record,
            heads: parse_revision_ids(&self.heads).map_err(bad)?,
            conflicts: parse_conflicts(self.conflicts.as_deref()).map_err(bad)?,
            created_ms: self.created_ms,
            updated_ms: self.updated_ms,
            revisions: usize::try_from(self.revisions).map_err(|e| bad(e.to_string()))?,
            value,
        })
    }
}

/// A record touched by the batch being applied: its fold, and whether it had stored
/// revisions before the batch.
struct Touched {
    fold: Fold,
    existed: bool,
}

/// A count as SQLite stores it.
fn count_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl RecordIndex {
    /// Open the index at `path` with `key`, creating an empty one (owner-only) if the file
    /// does not exist or is empty.
    ///
    /// A wrong key or a damaged file gives [`IndexError::WrongKeyOrDamaged`], a file of
    /// another schema version [`IndexError::UnknownSchema`]; both say to run
    /// `khronika reindex`, which deletes and rebuilds the file. Nothing is written to a file
    /// the key does not open. Never panics.
    pub fn open(path: &Path, key: &IndexKey) -> Result<RecordIndex, IndexError> {
        let conn = schema::open(path, key)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(RecordIndex {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// An index in memory only, empty, under `key` (for vaults on a simulated file system,
    /// in tests). `name` stands for the path in messages.
    pub fn open_in_memory(name: &Path, key: &IndexKey) -> Result<RecordIndex, IndexError> {
        let conn = schema::open_in_memory(name, key)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(RecordIndex {
            conn,
            path: name.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Close the database, checkpointing its write-ahead log into the file. Dropping the
    /// index does the same but cannot report an error.
    pub fn close(self) -> Result<(), IndexError> {
        let path = self.path;
        self.conn
            .close()
            .map_err(|(_, e)| IndexError::sqlite(&path, e))
    }

    /// The connection, for the queries of sibling modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn sql(&self) -> impl Fn(rusqlite::Error) -> IndexError + '_ {
        |e| IndexError::sqlite(&self.path, e)
    }

    /// The log positions the index covers: for each device (16-byte id), how many entries of
    /// its log have been applied. The app applies each device's entries from there on.
    pub fn applied(&self) -> Result<BTreeMap<[u8; 16], u64>, IndexError> {
        let sql = self.sql();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT device, covered FROM applied")
            .map_err(&sql)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))
            .map_err(&sql)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (device, covered) = row.map_err(&sql)?;
            let device: [u8; 16] = device.as_slice().try_into().map_err(|_| {
                IndexError::damaged(&self.path, format!("a device id of {} bytes", device.len()))
            })?;
            let covered = u64::try_from(covered).map_err(|_| {
                IndexError::damaged(&self.path, format!("a negative log position {covered}"))
            })?;
            out.insert(device, covered);
        }
        Ok(out)
    }

    /// Apply a batch of revisions, each with the log position it was read from, in one
    /// transaction; then record `covered` (per device, how many log entries the index now
    /// covers; a device's count never goes down).
    ///
    /// Each revision is stored unless it already is (then it is counted in
    /// [`Applied::already`]) or the fold refuses it (then it is kept aside, see
    /// [`Applied::refused`]). Every record the batch touched is then folded again from all
    /// its stored revisions and its row, with its references, replaced. Applying the same
    /// batch again changes nothing. If anything fails, nothing of the batch is written.
    ///
    /// Cost: the revisions' and records' ids are random, so each batch touches leaves all over
    /// their indexes; a large index is rebuilt faster in larger batches (at a million records,
    /// batches of 10,000 apply about 2,000 records/s on two cores, see `benches/index.rs`).
    pub fn apply(
        &mut self,
        batch: &[(Position, Revision)],
        covered: &BTreeMap<[u8; 16], u64>,
    ) -> Result<Applied, IndexError> {
        let path = self.path.clone();
        let path = path.as_path();
        let sql = |e| IndexError::sqlite(path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut out = Applied::default();
        let mut touched: BTreeMap<RecordId, Touched> = BTreeMap::new();
        for (pos, rev) in batch {
            let at = i64::try_from(pos.index).map_err(|_| {
                IndexError::internal(path, format!("log position {} is beyond 2^63-1", pos.index))
            })?;
            if let Some(known) = lookup_revision(&tx, path, &rev.id)? {
                if known == *rev {
                    out.already += 1;
                } else {
                    let err = FoldError::DuplicateId(rev.id);
                    out.refused.push(refuse(&tx, path, pos, at, rev, &err)?);
                }
                continue;
            }
            let t = match touched.entry(rev.record) {
                Entry::Occupied(o) => o.into_mut(),
                Entry::Vacant(v) => {
                    let old = load_revisions(&tx, path, &rev.record)?;
                    let existed = !old.is_empty();
                    let mut fold = Fold::new();
                    for r in old {
                        fold.apply(r).map_err(|e| {
                            IndexError::damaged(path, format!("a stored revision is refused: {e}"))
                        })?;
                    }
                    v.insert(Touched { fold, existed })
                }
            };
            match t.fold.apply(rev.clone()) {
                Ok(()) => {
                    insert_revision(&tx, path, pos, at, rev)?;
                    out.stored += 1;
                }
                Err(err) => out.refused.push(refuse(&tx, path, pos, at, rev, &err)?),
            }
        }
        let mut new_records = 0i64;
        for (id, t) in &touched {
            let Some(state) = t.fold.get(id) else {
                continue;
            };
            if !t.existed {
                new_records += 1;
            }
            upsert_record(&tx, path, &state)?;
            out.records += 1;
        }
        tx.execute(
            "UPDATE meta SET value = value + ?1 WHERE name = 'records'",
            [new_records],
        )
        .map_err(sql)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO applied (device, covered) VALUES (?1, ?2)
                     ON CONFLICT (device) DO UPDATE SET covered = max(covered, excluded.covered)",
                )
                .map_err(sql)?;
            for (device, n) in covered {
                let n = i64::try_from(*n).map_err(|_| {
                    IndexError::internal(path, format!("log position {n} is beyond 2^63-1"))
                })?;
                stmt.execute(params![&device[..], n]).map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(out)
    }

    /// A record's state, as [`Fold::get`] gives it for the same revisions; `None` if no
    /// revision of it was applied.
    pub fn get(&self, id: &RecordId) -> Result<Option<FoldedRecord>, IndexError> {
        let sql = self.sql();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE id = ?1"
            ))
            .map_err(&sql)?;
        let raw = stmt
            .query_row([&record_key(id)[..]], RawRecord::read)
            .optional()
            .map_err(&sql)?;
        raw.map(|raw| raw.decode(*id, &self.path)).transpose()
    }

    /// The ids of records (at most `limit`) whose text form starts with `prefix` (see
    /// [`RecordId::prefix_range`]), in id order.
    pub fn find_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<RecordId>, IndexError> {
        let Ok(Some((lo, hi))) = RecordId::prefix_range(prefix) else {
            return Ok(Vec::new());
        };
        let sql = self.sql();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM records WHERE id BETWEEN ?1 AND ?2 ORDER BY id LIMIT ?3",
            )
            .map_err(&sql)?;
        let rows = stmt
            .query_map(
                params![&record_key(&lo)[..], &record_key(&hi)[..], count_i64(limit)],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .map_err(&sql)?;
        let mut out = Vec::new();
        for row in rows {
            let key = row.map_err(&sql)?;
            out.push(
                record_id(&key)
                    .map_err(|e| IndexError::damaged(&self.path, format!("a stored id: {e}")))?,
            );
        }
        Ok(out)
    }

    /// The record that defines `id`: `id` itself if it is a record here, the event if it is
    /// one of an event's acts, `None` if nothing here defines it.
    pub fn owner(&self, id: &RecordId) -> Result<Option<RecordId>, IndexError> {
        let sql = self.sql();
        let key = record_key(id);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM records WHERE id = ?1
                 UNION ALL SELECT owner FROM defines WHERE id = ?1 LIMIT 1",
            )
            .map_err(&sql)?;
        let found: Option<Vec<u8>> = stmt
            .query_row([&key[..]], |r| r.get(0))
            .optional()
            .map_err(&sql)?;
        found
            .map(|k| {
                record_id(&k)
                    .map_err(|e| IndexError::damaged(&self.path, format!("a stored id: {e}")))
            })
            .transpose()
    }

    /// Records in list order (by kind in [`RecordKind`]'s order, then label, then id), all
    /// kinds or one, skipping `offset` and returning at most `limit`.
    pub fn list(
        &self,
        kind: Option<RecordKind>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Summary>, IndexError> {
        let sql = self.sql();
        let columns = "id, label, conflict_count, revisions, updated_ms, error";
        let (limit, offset) = (count_i64(limit), count_i64(offset));
        let mut stmt;
        let rows = match kind {
            Some(kind) => {
                stmt = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT {columns} FROM records WHERE kind = ?1
                         ORDER BY kind, label, id LIMIT ?2 OFFSET ?3"
                    ))
                    .map_err(&sql)?;
                stmt.query_map(params![kind_order(kind), limit, offset], raw_summary)
            }
            None => {
                stmt = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT {columns} FROM records
                         ORDER BY kind, label, id LIMIT ?1 OFFSET ?2"
                    ))
                    .map_err(&sql)?;
                stmt.query_map(params![limit, offset], raw_summary)
            }
        }
        .map_err(&sql)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, label, conflicts, revisions, updated_ms, error) = row.map_err(&sql)?;
            let bad = |e: String| IndexError::damaged(&self.path, format!("stored summary: {e}"));
            let id = record_id(&id).map_err(bad)?;
            out.push(Summary {
                id,
                kind: id.kind(),
                label,
                conflicts: usize::try_from(conflicts).map_err(|e| bad(e.to_string()))?,
                revisions: usize::try_from(revisions).map_err(|e| bad(e.to_string()))?,
                updated_ms,
                error,
            });
        }
        Ok(out)
    }

    /// How many records the index holds (read from a counter, not counted).
    pub fn count(&self) -> Result<u64, IndexError> {
        let n: i64 = self
            .conn
            .query_row("SELECT value FROM meta WHERE name = 'records'", [], |r| {
                r.get(0)
            })
            .map_err(self.sql())?;
        u64::try_from(n).map_err(|_| IndexError::damaged(&self.path, "a negative record count"))
    }

    /// Every write of `field` (of every field if `None`) in a record, as
    /// [`Fold::history`] gives it: ancestors before descendants, ties by revision id.
    pub fn history(
        &self,
        id: &RecordId,
        field: Option<&str>,
    ) -> Result<Vec<FieldChange>, IndexError> {
        let mut fold = Fold::new();
        for r in load_revisions(&self.conn, &self.path, id)? {
            fold.apply(r).map_err(|e| {
                IndexError::damaged(&self.path, format!("a stored revision is refused: {e}"))
            })?;
        }
        Ok(fold.history(id, field))
    }

    /// The revisions the fold refused, by log position.
    pub fn refused(&self) -> Result<Vec<Refusal>, IndexError> {
        let sql = self.sql();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT device, position, id, record, code, reason FROM refused
                 ORDER BY device, position",
            )
            .map_err(&sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(&sql)?;
        let mut out = Vec::new();
        for row in rows {
            let (device, index, id, record, code, reason) = row.map_err(&sql)?;
            let bad = |e: String| IndexError::damaged(&self.path, format!("stored refusal: {e}"));
            out.push(Refusal {
                position: Position {
                    device: device
                        .as_slice()
                        .try_into()
                        .map_err(|_| bad(format!("a device id of {} bytes", device.len())))?,
                    index: u64::try_from(index).map_err(|e| bad(e.to_string()))?,
                },
                revision: parse_revision_id(&id).map_err(bad)?,
                record: record_id(&record).map_err(bad)?,
                code,
                reason,
            });
        }
        Ok(out)
    }

    /// Read and authenticate every page of the file (SQLCipher's `cipher_integrity_check`),
    /// then check the database's structure (`quick_check`) and the record counter. Slow on a
    /// large index (it reads the whole file); for `khronika reindex --check` and tests.
    pub fn check(&self) -> Result<(), IndexError> {
        let sql = self.sql();
        let problems: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("PRAGMA cipher_integrity_check")
                .map_err(&sql)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(&sql)?;
            rows.collect::<rusqlite::Result<_>>().map_err(&sql)?
        };
        if !problems.is_empty() {
            let n = problems.len();
            let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
            return Err(IndexError::damaged(
                &self.path,
                format!("{n} problems, e.g. {}", shown.join("; ")),
            ));
        }
        let quick: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(&sql)?;
        if quick != "ok" {
            return Err(IndexError::damaged(&self.path, quick));
        }
        let rows: i64 = self
            .conn
            .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
            .map_err(&sql)?;
        let counted = self.count()?;
        if u64::try_from(rows).ok() != Some(counted) {
            return Err(IndexError::damaged(
                &self.path,
                format!("it holds {rows} records but counts {counted}"),
            ));
        }
        Ok(())
    }

    /// The records `id` references (from its current value), sorted.
    pub(crate) fn references_from(&self, id: &RecordId) -> Result<Vec<RecordId>, IndexError> {
        self.ids_query("SELECT dst FROM refs WHERE src = ?1", [&record_key(id)[..]])
    }

    /// The records of `kind` whose current value references `id`, sorted: one range of the
    /// `refs_by_dst` index.
    pub(crate) fn references_to(
        &self,
        id: &RecordId,
        kind: RecordKind,
    ) -> Result<Vec<RecordId>, IndexError> {
        let (start, end) = kind_range(kind);
        self.ids_query(
            "SELECT src FROM refs WHERE dst = ?1 AND src >= ?2 AND src < ?3 ORDER BY src",
            params![&record_key(id)[..], &start[..], &end[..]],
        )
    }

    fn ids_query(
        &self,
        query: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<RecordId>, IndexError> {
        let sql = self.sql();
        let mut stmt = self.conn.prepare_cached(query).map_err(&sql)?;
        let rows = stmt
            .query_map(params, |r| r.get::<_, Vec<u8>>(0))
            .map_err(&sql)?;
        let mut out = Vec::new();
        for row in rows {
            let key = row.map_err(&sql)?;
            out.push(
                record_id(&key).map_err(|e| {
                    IndexError::damaged(&self.path, format!("stored reference: {e}"))
                })?,
            );
        }
        Ok(out)
    }

    /// Every stored reference, for [`crate::IndexState`].
    pub(crate) fn all_references(&self) -> Result<BTreeSet<(RecordId, RecordId)>, IndexError> {
        let sql = self.sql();
        let mut stmt = self
            .conn
            .prepare("SELECT src, dst FROM refs")
            .map_err(&sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(&sql)?;
        let mut out = BTreeSet::new();
        for row in rows {
            let (src, dst) = row.map_err(&sql)?;
            let bad = |e: String| IndexError::damaged(&self.path, format!("stored reference: {e}"));
            out.insert((record_id(&src).map_err(bad)?, record_id(&dst).map_err(bad)?));
        }
        Ok(out)
    }
}

type RawSummary = (Vec<u8>, String, i64, i64, i64, Option<String>);

fn raw_summary(r: &Row<'_>) -> rusqlite::Result<RawSummary> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

/// The stored revision with this id, if any.
fn lookup_revision(
    conn: &Connection,
    path: &Path,
    id: &RevisionId,
) -> Result<Option<Revision>, IndexError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {REVISION_COLUMNS} FROM revisions WHERE id = ?1"
        ))
        .map_err(|e| IndexError::sqlite(path, e))?;
    let raw = stmt
        .query_row([&id.0[..]], RawRevision::read)
        .optional()
        .map_err(|e| IndexError::sqlite(path, e))?;
    raw.map(|raw| raw.decode(path)).transpose()
}

/// Every stored revision of a record.
fn load_revisions(
    conn: &Connection,
    path: &Path,
    record: &RecordId,
) -> Result<Vec<Revision>, IndexError> {
    let sql = |e| IndexError::sqlite(path, e);
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {REVISION_COLUMNS} FROM revisions WHERE record = ?1"
        ))
        .map_err(sql)?;
    let rows = stmt
        .query_map([&record_key(record)[..]], RawRevision::read)
        .map_err(sql)?;
    let mut out = Vec::new();
    for raw in rows {
        out.push(raw.map_err(sql)?.decode(path)?);
    }
    Ok(out)
}

fn insert_revision(
    conn: &Connection,
    path: &Path,
    pos: &Position,
    at: i64,
    rev: &Revision,
) -> Result<(), IndexError> {
    let fields = serde_json::to_string(&rev.fields)
        .map_err(|e| IndexError::internal(path, format!("a revision's fields as JSON: {e}")))?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO revisions
             (id, record, supersedes, fields, author, time_ms, origin, device, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(|e| IndexError::sqlite(path, e))?;
    stmt.execute(params![
        &rev.id.0[..],
        &record_key(&rev.record)[..],
        revision_ids(&rev.supersedes),
        fields,
        rev.author,
        rev.time_ms,
        rev.origin,
        &pos.device[..],
        at,
    ])
    .map_err(|e| IndexError::sqlite(path, e))?;
    Ok(())
}

fn refuse(
    conn: &Connection,
    path: &Path,
    pos: &Position,
    at: i64,
    rev: &Revision,
    err: &FoldError,
) -> Result<Refusal, IndexError> {
    let refusal = Refusal {
        position: *pos,
        revision: rev.id,
        record: rev.record,
        code: err.code().to_owned(),
        reason: err.to_string(),
    };
    let mut stmt = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO refused (device, position, id, record, code, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(|e| IndexError::sqlite(path, e))?;
    stmt.execute(params![
        &pos.device[..],
        at,
        &rev.id.0[..],
        &record_key(&rev.record)[..],
        refusal.code,
        refusal.reason,
    ])
    .map_err(|e| IndexError::sqlite(path, e))?;
    Ok(refusal)
}

/// Write a record's row and replace its references.
fn upsert_record(conn: &Connection, path: &Path, state: &FoldedRecord) -> Result<(), IndexError> {
    let sql = |e| IndexError::sqlite(path, e);
    let summary = Summary::of(state);
    let value = serde_json::to_string(&state.value)
        .map_err(|e| IndexError::internal(path, format!("a record's value as JSON: {e}")))?;
    let conflicts = conflicts_json(&state.conflicts)
        .map_err(|e| IndexError::internal(path, format!("a record's conflicts as JSON: {e}")))?;
    let key = record_key(&state.id);
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO records (id, kind, label, value, error, heads, conflicts,
                                  conflict_count, created_ms, updated_ms, revisions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET
                kind = excluded.kind, label = excluded.label, value = excluded.value,
                error = excluded.error, heads = excluded.heads, conflicts = excluded.conflicts,
                conflict_count = excluded.conflict_count, created_ms = excluded.created_ms,
                updated_ms = excluded.updated_ms, revisions = excluded.revisions",
        )
        .map_err(sql)?;
    stmt.execute(params![
        &key[..],
        kind_order(summary.kind),
        summary.label,
        value,
        summary.error,
        revision_ids(&state.heads),
        conflicts,
        count_i64(summary.conflicts),
        state.created_ms,
        state.updated_ms,
        count_i64(state.revisions),
    ])
    .map_err(sql)?;
    let mut delete = conn
        .prepare_cached("DELETE FROM refs WHERE src = ?1")
        .map_err(sql)?;
    delete.execute([&key[..]]).map_err(sql)?;
    let mut insert = conn
        .prepare_cached("INSERT OR IGNORE INTO refs (src, dst) VALUES (?1, ?2)")
        .map_err(sql)?;
    for to in references(state) {
        insert
            .execute([&key[..], &record_key(&to)[..]])
            .map_err(sql)?;
    }
    let mut undefine = conn
        .prepare_cached("DELETE FROM defines WHERE owner = ?1")
        .map_err(sql)?;
    undefine.execute([&key[..]]).map_err(sql)?;
    if let Ok(record) = &state.record {
        let mut define = conn
            .prepare_cached("INSERT OR IGNORE INTO defines (id, owner) VALUES (?1, ?2)")
            .map_err(sql)?;
        for (_, id) in record.defines() {
            if id != state.id {
                define
                    .execute([&record_key(&id)[..], &key[..]])
                    .map_err(sql)?;
            }
        }
    }
    Ok(())
}
