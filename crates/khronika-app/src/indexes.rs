//! The local records index: one SQLCipher database per compartment under `VAULT/index/`,
//! derived from the logs, kept up to date while a member who holds the compartment is
//! unlocked, and rebuilt from scratch by `khronika reindex`.
//!
//! The database key is derived from the compartment's newest epoch secret
//! (`derive_key("khronika 2026-11 record index v1", secret)`), and the file name carries the
//! epoch (`<compartment hex>-<epoch>.db`): when a new epoch starts, the old file no longer
//! opens with the new key and is replaced by a fresh index. Nothing in it is plaintext on disk;
//! it is never replicated (mirrors hold only `objects/` and `log/`).
//!
//! The source-identities register is indexed only after it has been opened (and the opening
//! logged), like everything else about it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use khronika_crypto::kdf;
use khronika_index::{IndexKey, IndexState, Position, RecordIndex};
use khronika_store::CompartmentId;
use khronika_store::entry::entry_kind;

use crate::devices::Trust;
use crate::error::{AppError, ErrorCode, io_error};
use crate::vault::UnlockedVault;

/// Folder of the local indexes, inside the vault folder.
pub const INDEX_DIR: &str = "index";
/// Revisions applied per transaction.
const BATCH: usize = 10_000;

/// What an index update or rebuild did, per compartment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndexReport {
    /// The compartment's name.
    pub compartment: String,
    /// Revisions newly applied.
    pub applied: usize,
    /// Records in the index.
    pub records: u64,
    /// Revisions the fold refused (kept aside in the index for a person).
    pub refused: usize,
}

pub(crate) fn index_err(e: khronika_index::IndexError) -> AppError {
    let code = if e.needs_reindex() {
        ErrorCode::Damaged
    } else {
        ErrorCode::Storage
    };
    AppError::new(code, e.to_string())
}

/// The indexes open in this session, by compartment and epoch, and how much of the log they
/// have seen. Reads go through them; they are brought up to date whenever the log has grown.
#[derive(Default)]
pub struct IndexCache {
    open: std::sync::Mutex<BTreeMap<(CompartmentId, u32), RecordIndex>>,
    /// Log lines (committed) the open indexes cover; `None` before the first update.
    seen: Option<usize>,
}

impl std::fmt::Debug for IndexCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCache")
    }
}

impl IndexCache {
    fn map(&mut self) -> &mut BTreeMap<(CompartmentId, u32), RecordIndex> {
        self.open.get_mut().unwrap_or_else(|p| p.into_inner())
    }
}

impl UnlockedVault {
    fn index_path(&self, c: CompartmentId, epoch: u32) -> PathBuf {
        self.vault
            .root
            .join(INDEX_DIR)
            .join(format!("{}-{epoch}.db", c.to_hex()))
    }

    /// Compartments this member indexes now, each with the newest epoch they hold and whether
    /// that is the compartment's newest (only then is the index kept on disk; a member who
    /// lost a compartment's newer epochs gets an index in memory of what they can still
    /// open). The source-identities register is left out until it has been opened.
    pub(crate) fn indexed_compartments(&self) -> Vec<(CompartmentId, u32, bool)> {
        self.directory
            .epochs
            .keys()
            .filter_map(|c| {
                let held = self
                    .epoch_secrets
                    .keys()
                    .filter(|(cc, _)| cc == c)
                    .map(|(_, e)| *e)
                    .max()?;
                let newest = self.directory.current_epoch(c) == Some(held);
                let sealed_register = self.directory.is_source_identities(c)
                    && self
                        .records
                        .sealed_sources
                        .iter()
                        .any(|e| e.body.compartment == *c);
                (!sealed_register).then_some((*c, held, newest))
            })
            .collect()
    }

    /// Open (creating if absent) the index of `c` under `epoch`: on disk if `on_disk` and the
    /// vault is on the operating system's file system, otherwise in memory. An index of an
    /// older schema is deleted and rebuilt (it is derived data).
    fn open_index(
        &self,
        c: CompartmentId,
        epoch: u32,
        on_disk: bool,
    ) -> Result<RecordIndex, AppError> {
        let secret = self
            .epoch_secrets
            .get(&(c, epoch))
            .ok_or_else(|| AppError::internal("no secret for an indexed compartment"))?;
        let key = kdf::derive("khronika 2026-11 record index v1", secret);
        let key = IndexKey::from_bytes(*key.expose());
        let path = self.index_path(c, epoch);
        if !(on_disk && self.vault.fs.is_os()) {
            return RecordIndex::open_in_memory(&path, &key).map_err(index_err);
        }
        let dir = self.vault.root.join(INDEX_DIR);
        self.vault
            .fs
            .create_dir_all(&dir)
            .map_err(|e| io_error("creating the index folder", e))?;
        match RecordIndex::open(&path, &key) {
            Err(khronika_index::IndexError::UnknownSchema { .. }) => {
                self.remove_index_files(c, None)?;
                RecordIndex::open(&path, &key).map_err(index_err)
            }
            other => other.map_err(index_err),
        }
    }

    /// Bring the indexes up to date if the log has grown since they were last brought up to
    /// date (or they were never opened in this session). Cheap when nothing changed.
    pub(crate) fn fresh_indexes(&mut self) -> Result<(), AppError> {
        if self.open_indexes.seen != Some(self.committed_lines()) {
            self.update_indexes()?;
        }
        Ok(())
    }

    /// Note that the open indexes cover every committed line held now.
    pub(crate) fn open_indexes_seen_now(&mut self) {
        if self.open_indexes.seen.is_some() {
            self.open_indexes.seen = Some(self.committed_lines());
        }
    }

    /// Log lines that are committed (staged entries of this device are not indexed until
    /// their commit).
    fn committed_lines(&self) -> usize {
        let staged = self.log.size() - self.log.committed();
        self.lines.len() - usize::try_from(staged).unwrap_or(0)
    }

    /// Bring every index this member can keep up to date with the logs; returns what each
    /// applied. Indexes of older epochs are deleted.
    pub fn update_indexes(&mut self) -> Result<Vec<IndexReport>, AppError> {
        let mut out = Vec::new();
        let wanted = self.indexed_compartments();
        let mut open = std::mem::take(self.open_indexes.map());
        open.retain(|(c, e), _| wanted.iter().any(|(wc, we, _)| wc == c && we == e));
        for &(c, epoch, newest) in &wanted {
            if let std::collections::btree_map::Entry::Vacant(slot) = open.entry((c, epoch)) {
                if newest {
                    self.remove_index_files(c, Some(epoch))?;
                }
                slot.insert(self.open_index(c, epoch, newest)?);
            }
        }
        // An index that lacks revisions left out of memory (new, rebuilt, or of a new epoch)
        // needs the whole logs.
        let mut applied = BTreeMap::new();
        for ((c, _), index) in &open {
            applied.insert(*c, index.applied().map_err(index_err)?);
        }
        if self.needs_left_out(&applied) {
            self.ensure_all_lines()?;
        }
        for &(c, epoch, newest) in &wanted {
            let Some(mut index) = open.remove(&(c, epoch)) else {
                return Err(AppError::internal("an index was not opened"));
            };
            let report = self.update_index(&mut index, c);
            let now = index.applied().map_err(index_err);
            open.insert((c, epoch), index);
            out.push(report?);
            if newest {
                applied.insert(c, now?);
            } else {
                applied.remove(&c);
            }
        }
        *self.open_indexes.map() = open;
        self.open_indexes.seen = Some(self.committed_lines());
        // A cache: failing to write it costs only speed at the next unlock.
        let _ = self.save_verified_state(&applied);
        Ok(out)
    }

    /// True if an index has not applied revisions that were left out of memory.
    fn needs_left_out(&self, applied: &BTreeMap<CompartmentId, BTreeMap<[u8; 16], u64>>) -> bool {
        self.resumed.dropped > 0
            && applied.iter().any(|(c, a)| {
                self.resumed.compartments.contains(c)
                    && self
                        .resumed
                        .prefix
                        .iter()
                        .any(|(d, p)| a.get(&d.0).copied().unwrap_or(0) < *p)
            })
    }

    /// Delete and rebuild every index this member can keep (`khronika reindex`).
    pub fn reindex(&mut self) -> Result<Vec<IndexReport>, AppError> {
        self.open_indexes.map().clear();
        for (c, _, newest) in self.indexed_compartments() {
            if newest {
                self.remove_index_files(c, None)?;
            }
        }
        self.update_indexes()
    }

    /// Remove this compartment's index files, except those of epoch `keep`.
    fn remove_index_files(&self, c: CompartmentId, keep: Option<u32>) -> Result<(), AppError> {
        if !self.vault.fs.is_os() {
            return Ok(());
        }
        let dir = self.vault.root.join(INDEX_DIR);
        let Ok(list) = self.vault.fs.list_dir(&dir) else {
            return Ok(());
        };
        let prefix = format!("{}-", c.to_hex());
        let keep_name = keep.map(|k| format!("{prefix}{k}.db"));
        for e in list {
            if e.name.starts_with(&prefix)
                && !keep_name.as_ref().is_some_and(|k| e.name.starts_with(k))
            {
                self.vault
                    .fs
                    .remove_file(&dir.join(&e.name))
                    .map_err(|err| io_error("removing an old index", err))?;
            }
        }
        Ok(())
    }

    /// Run `f` on each up-to-date index this member keeps, with its compartment, until it
    /// returns `Some`.
    pub(crate) fn find_in_indexes<T>(
        &mut self,
        mut f: impl FnMut(CompartmentId, &RecordIndex) -> Result<Option<T>, khronika_index::IndexError>,
    ) -> Result<Option<T>, AppError> {
        self.fresh_indexes()?;
        for ((c, _), index) in self.open_indexes.map().iter() {
            if let Some(found) = f(*c, index).map_err(index_err)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Apply to `index` every trusted revision of `c` it does not cover yet.
    fn update_index(
        &mut self,
        index: &mut RecordIndex,
        c: CompartmentId,
    ) -> Result<IndexReport, AppError> {
        let applied = index.applied().map_err(index_err)?;
        let trust = self.trust();
        // Per device: the log size, or the first entry not trusted (those are re-offered each
        // time until a person accepts them; applying is idempotent).
        // Revisions left out of memory (below a device's prefix) were trusted and applied.
        let mut covered: BTreeMap<[u8; 16], u64> = BTreeMap::new();
        let mut stalled = std::collections::BTreeSet::new();
        let mut todo = Vec::new();
        let committed = self.committed_lines();
        for (i, l) in self.lines[..committed].iter().enumerate() {
            let b = &l.entry.body;
            let dev = b.device.0;
            let t = trust.trust(&b.device, b.index);
            let cov = covered.entry(dev).or_insert(0);
            if !stalled.contains(&dev) {
                let prefix = self.resumed.prefix.get(&b.device).copied().unwrap_or(0);
                if *cov < b.index && b.index <= prefix {
                    *cov = b.index;
                }
                if t == Trust::Trusted && *cov == b.index {
                    *cov = b.index + 1;
                } else {
                    stalled.insert(dev);
                }
            }
            let from = applied.get(&dev).copied().unwrap_or(0);
            if b.kind == entry_kind::RECORD_REVISION
                && b.compartment == c
                && b.index >= from
                && t == Trust::Trusted
            {
                todo.push(i);
            }
        }
        for (d, p) in &self.resumed.prefix {
            let cov = covered.entry(d.0).or_insert(0);
            if !stalled.contains(&d.0) && *cov < *p {
                *cov = *p;
            }
        }
        let mut report = IndexReport {
            compartment: self.directory.label(&c),
            applied: 0,
            records: 0,
            refused: 0,
        };
        let mut batch = Vec::new();
        for i in todo {
            let e = self.lines[i].entry.clone();
            if let Some(rev) = self.open_revision(&e)? {
                batch.push((
                    Position {
                        device: e.body.device.0,
                        index: e.body.index,
                    },
                    rev,
                ));
            }
            if batch.len() >= BATCH {
                let a = index.apply(&batch, &BTreeMap::new()).map_err(index_err)?;
                report.applied += a.stored;
                report.refused += a.refused.len();
                batch.clear();
            }
        }
        // Nothing new: leave the file untouched (reads never write).
        let moved = covered
            .iter()
            .any(|(d, n)| applied.get(d).is_none_or(|a| a < n));
        if !batch.is_empty() || moved {
            let a = index.apply(&batch, &covered).map_err(index_err)?;
            report.applied += a.stored;
            report.refused += a.refused.len();
        }
        report.records = index.count().map_err(index_err)?;
        Ok(report)
    }

    /// Compare every index this member keeps with the fold of the logs: the names of the
    /// compartments whose index differs (empty when all agree). Reads every index whole.
    pub fn check_indexes(&mut self) -> Result<Vec<String>, AppError> {
        let mut differ = Vec::new();
        self.ensure_fold()?;
        self.fresh_indexes()?;
        let wanted = self.indexed_compartments();
        for (c, epoch, _) in wanted {
            let from_index = match self.open_indexes.map().get(&(c, epoch)) {
                Some(index) => IndexState::of_index(index).map_err(index_err)?,
                None => return Err(AppError::internal("an index was not opened")),
            };
            let mut fold = khronika_domain::Fold::new();
            for (id, cc) in &self.records.compartment_of {
                if *cc == c {
                    for r in self.records.fold.revisions(id) {
                        fold.apply(r.clone())
                            .map_err(|e| AppError::internal(e.to_string()))?;
                    }
                }
            }
            if IndexState::of_fold(&fold) != from_index {
                differ.push(self.directory.label(&c));
            }
        }
        Ok(differ)
    }
}

impl UnlockedVault {
    /// The data of a case's page (the case, what it gathers, its events with their acts, the
    /// persons and units they name, the interventions about it), read from the index of the
    /// case's compartment with a few indexed lookups (the indexes are brought up to date
    /// first if the log has grown).
    pub fn case_page(
        &mut self,
        id: &khronika_domain::RecordId,
    ) -> Result<khronika_index::CasePage, AppError> {
        self.find_in_indexes(|_, index| index.case_page(id))?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!("no case {id} that you can read; `khronika list case` lists them"),
                )
            })
    }
}
