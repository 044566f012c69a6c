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

fn index_err(e: khronika_index::IndexError) -> AppError {
    let code = if e.needs_reindex() {
        ErrorCode::Damaged
    } else {
        ErrorCode::Storage
    };
    AppError::new(code, e.to_string())
}

/// Indexes opened for reading during this session, by compartment and epoch.
#[derive(Default)]
pub struct IndexCache(pub(crate) std::sync::Mutex<BTreeMap<(CompartmentId, u32), RecordIndex>>);

impl std::fmt::Debug for IndexCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCache")
    }
}

impl UnlockedVault {
    fn index_path(&self, c: CompartmentId, epoch: u32) -> PathBuf {
        self.vault
            .root
            .join(INDEX_DIR)
            .join(format!("{}-{epoch}.db", c.to_hex()))
    }

    /// Compartments this member indexes now: every one whose newest epoch they hold, except a
    /// source-identities register that has not been opened.
    fn indexed_compartments(&self) -> Vec<(CompartmentId, u32)> {
        self.directory
            .epochs
            .keys()
            .filter_map(|c| {
                let epoch = self.directory.current_epoch(c)?;
                self.epoch_secrets.get(&(*c, epoch))?;
                let sealed_register = self.directory.is_source_identities(c)
                    && self
                        .records
                        .sealed_sources
                        .iter()
                        .any(|e| e.body.compartment == *c);
                (!sealed_register).then_some((*c, epoch))
            })
            .collect()
    }

    fn open_index(&self, c: CompartmentId, epoch: u32) -> Result<RecordIndex, AppError> {
        let secret = self
            .epoch_secrets
            .get(&(c, epoch))
            .ok_or_else(|| AppError::internal("no secret for an indexed compartment"))?;
        let key = kdf::derive("khronika 2026-11 record index v1", secret);
        let dir = self.vault.root.join(INDEX_DIR);
        self.vault
            .fs
            .create_dir_all(&dir)
            .map_err(|e| io_error("creating the index folder", e))?;
        RecordIndex::open(
            &self.index_path(c, epoch),
            &IndexKey::from_bytes(*key.expose()),
        )
        .map_err(index_err)
    }

    /// Bring every index this member can keep up to date with the logs; returns what each
    /// applied. Indexes of older epochs are deleted.
    pub fn update_indexes(&mut self) -> Result<Vec<IndexReport>, AppError> {
        let mut out = Vec::new();
        for (c, epoch) in self.indexed_compartments() {
            self.remove_old_indexes(c, epoch)?;
            let mut index = self.open_index(c, epoch)?;
            out.push(self.update_index(&mut index, c)?);
            index.close().map_err(index_err)?;
        }
        Ok(out)
    }

    /// Delete and rebuild every index this member can keep (`khronika reindex`).
    pub fn reindex(&mut self) -> Result<Vec<IndexReport>, AppError> {
        self.open_indexes
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        for (c, _) in self.indexed_compartments() {
            self.remove_old_indexes(c, u32::MAX)?;
        }
        self.update_indexes()
    }

    /// Remove this compartment's index files of epochs other than `keep`.
    fn remove_old_indexes(&self, c: CompartmentId, keep: u32) -> Result<(), AppError> {
        let dir = self.vault.root.join(INDEX_DIR);
        let Ok(list) = self.vault.fs.list_dir(&dir) else {
            return Ok(());
        };
        let prefix = format!("{}-", c.to_hex());
        let keep_name = format!("{prefix}{keep}.db");
        for e in list {
            if e.name.starts_with(&prefix) && !e.name.starts_with(&keep_name) {
                self.vault
                    .fs
                    .remove_file(&dir.join(&e.name))
                    .map_err(|err| io_error("removing an old index", err))?;
            }
        }
        Ok(())
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
        let mut covered: BTreeMap<[u8; 16], u64> = BTreeMap::new();
        let mut todo = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            let b = &l.entry.body;
            let dev = b.device.0;
            let t = trust.trust(&b.device, b.index);
            let cov = covered.entry(dev).or_insert(0);
            if t == Trust::Trusted && *cov == b.index {
                *cov = b.index + 1;
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
        let a = index.apply(&batch, &covered).map_err(index_err)?;
        report.applied += a.stored;
        report.refused += a.refused.len();
        report.records = index.count().map_err(index_err)?;
        Ok(report)
    }

    /// Compare every index this member keeps with the fold of the logs: the names of the
    /// compartments whose index differs (empty when all agree). Reads every index whole.
    pub fn check_indexes(&mut self) -> Result<Vec<String>, AppError> {
        let mut differ = Vec::new();
        for (c, epoch) in self.indexed_compartments() {
            let index = self.open_index(c, epoch)?;
            let from_index = IndexState::of_index(&index).map_err(index_err)?;
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
    /// case's compartment with a few indexed lookups. Call [`UnlockedVault::update_indexes`]
    /// first for what this session wrote.
    pub fn case_page(
        &self,
        id: &khronika_domain::RecordId,
    ) -> Result<khronika_index::CasePage, AppError> {
        let c = self.record_compartment(id)?;
        let epoch = self.directory.current_epoch(&c).unwrap_or(0);
        let index = self.open_index(c, epoch)?;
        index.case_page(id).map_err(index_err)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("no case {id} in the index; run `khronika reindex`"),
            )
        })
    }
}
