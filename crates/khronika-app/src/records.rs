//! Records in the vault: every create or edit is a signed log entry (kind 6) sealed under the
//! record's compartment, naming the revisions it supersedes; the current state is the
//! deterministic fold of [`khronika_domain::revision`] over every device's log.
//!
//! A record belongs to the compartment it was created in (a case to the compartment its
//! `compartment` field names). A revision's fields travel inside the entry's sealed payload;
//! when they are larger than [`INLINE_LIMIT`] they go into a pack as a sealed blob (kind 10)
//! that the entry lists, so a 2-million-character transcript is stored like evidence.
//!
//! Records of a **source-identities** compartment are not opened when the vault is unlocked:
//! [`UnlockedVault::open_source_register`] first appends a signed entry (kind 9) saying who
//! opened it, when and why, and only then decrypts them.

use std::collections::{BTreeMap, HashMap, HashSet};

use khronika_crypto::OsEntropy;
use khronika_crypto::hash::{from_hex, sha256, to_hex};
use khronika_domain::archive::{ARCHIVE_FORMAT, Archive, CompartmentRecords};
use khronika_domain::revision::{FieldChange, Fold, FoldedRecord, Revision, RevisionId, changes};
use khronika_domain::{Record, RecordId, RecordKind, RecordSet, ValidationError};
use khronika_store::entry::{Entry, ObjectRef, entry_kind, object_kind};
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::pack::PackBuilder;
use khronika_store::{Backend, CompartmentId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::read_blob;
use crate::devices::Trust;
use crate::error::{AppError, ErrorCode};
use crate::members::Role;
use crate::sealed;
use crate::time::now_ms;
use crate::vault::{LogLine, UnlockedVault};

/// Revisions whose fields serialise to more than this many bytes store them in a pack.
pub const INLINE_LIMIT: usize = 32 * 1024;
/// Most revisions committed in one log commit during an import.
const BATCH: usize = 5000;

/// Commitment field ids of a record revision entry. Fixed forever.
pub mod field {
    /// The record id (text).
    pub const RECORD: u8 = 1;
    /// SHA-256 (hex) of the fields written, as canonical JSON.
    pub const BODY: u8 = 2;
}

/// The sealed payload of a record revision. Field names are part of the format.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionPayload {
    /// Payload version (1).
    pub v: u32,
    /// The record (`C-…`).
    pub record: String,
    /// Revisions superseded (hex SHA-256 of their entries).
    pub supersedes: Vec<String>,
    /// The fields written, inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, Value>>,
    /// Or: the blob id (hex) holding them, in a pack the entry lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_blob: Option<String>,
    /// The member who wrote it (hex).
    pub author: String,
    /// When, milliseconds since 1970 by the writing device's clock (shown, never decisive).
    pub time_ms: i64,
    /// Per-field commitment salts (hex): `record`, `body`.
    pub salts: BTreeMap<String, String>,
}

/// The record part of an unlocked vault. Reads go through the local indexes; the whole fold
/// is built in memory only for what needs every record at once (export, import, checking the
/// indexes), on first use.
#[derive(Debug, Default)]
pub struct RecordState {
    /// True once `fold`, `compartment_of` and `acts` hold every readable revision.
    pub(crate) loaded: bool,
    pub(crate) fold: Fold,
    pub(crate) compartment_of: HashMap<RecordId, CompartmentId>,
    /// Act id → the event that defines it.
    pub(crate) acts: HashMap<RecordId, RecordId>,
    /// Entries of source-identities compartments, not yet opened.
    pub(crate) sealed_sources: Vec<Entry>,
    /// Revision entries that could not be read (no key, quarantined).
    pub(crate) unreadable: usize,
}

/// A record as listed.
#[derive(Debug, Clone, Serialize)]
pub struct RecordSummary {
    /// The id.
    pub id: String,
    /// `case`, `event`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// What to call it.
    pub label: String,
    /// The compartment's name.
    pub compartment: String,
    /// Fields in conflict.
    pub conflicts: usize,
    /// Revisions so far.
    pub revisions: usize,
    /// Last change (ms since 1970, author's clock).
    pub updated_ms: i64,
}

/// A record with what the vault knows about it.
#[derive(Debug, Clone)]
pub struct RecordView {
    /// The folded record.
    pub folded: FoldedRecord,
    /// Its compartment's name.
    pub compartment: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Records created.
    pub created: usize,
    /// Records that existed and were revised.
    pub revised: usize,
    /// Records that existed unchanged.
    pub unchanged: usize,
    /// Compartments created for the import.
    pub compartments_created: Vec<String>,
}

fn invalid(what: &str, errors: &[ValidationError]) -> AppError {
    let mut msg = format!("{what}: {} problem(s), nothing was stored:", errors.len());
    for e in errors.iter().take(50) {
        msg.push_str(&format!("\n  {e}"));
    }
    if errors.len() > 50 {
        msg.push_str(&format!("\n  … and {} more", errors.len() - 50));
    }
    AppError::new(ErrorCode::Invalid, msg)
}

/// The committed digest of the fields a revision writes: SHA-256 (hex) of their compact JSON,
/// keys sorted.
pub fn body_digest(fields: &BTreeMap<String, Value>) -> Result<String, AppError> {
    let json = serde_json::to_vec(fields).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(to_hex(&sha256(&json)))
}

impl RevisionPayload {
    /// The public commitments of this payload, for `fields` (the fields it writes, inline or in
    /// its body blob), from its salts.
    pub fn commitments(
        &self,
        fields: &BTreeMap<String, Value>,
    ) -> Result<Vec<(u8, [u8; 32])>, AppError> {
        let digest = body_digest(fields)?;
        let salt = |name: &str| {
            self.salts
                .get(name)
                .and_then(|s| from_hex::<32>(s))
                .ok_or_else(|| AppError::new(ErrorCode::Damaged, format!("no `{name}` salt")))
        };
        Ok(vec![
            (
                field::RECORD,
                khronika_store::keys::commitment(
                    field::RECORD,
                    &salt("record")?,
                    self.record.as_bytes(),
                ),
            ),
            (
                field::BODY,
                khronika_store::keys::commitment(field::BODY, &salt("body")?, digest.as_bytes()),
            ),
        ])
    }

    /// Seal for the entry at `index` of `device`'s log (§11.8 of FORMATS.md).
    pub fn seal(
        &self,
        keys: &EpochKeys,
        vault: &khronika_store::VaultId,
        device: &khronika_store::DeviceId,
        index: u64,
        rng: &mut dyn khronika_crypto::Entropy,
    ) -> Result<Vec<u8>, AppError> {
        sealed::seal_json(self, keys, vault, device, index, rng)
    }

    /// Open a sealed revision payload.
    pub fn open(
        sealed: &[u8],
        keys: &EpochKeys,
        vault: &khronika_store::VaultId,
        device: &khronika_store::DeviceId,
        index: u64,
    ) -> Result<Self, String> {
        sealed::open_json(sealed, keys, vault, device, index)
    }
}

impl RecordState {
    /// Apply one opened revision.
    fn apply(&mut self, c: CompartmentId, rev: Revision) -> Result<(), String> {
        let id = rev.record;
        self.fold.apply(rev).map_err(|e| e.to_string())?;
        self.compartment_of.entry(id).or_insert(c);
        if id.kind() == RecordKind::Event
            && let Some(f) = self.fold.get(&id)
            && let Ok(r) = &f.record
        {
            for (_, act) in r.defines() {
                if act != id {
                    self.acts.insert(act, id);
                }
            }
        }
        Ok(())
    }

    /// True if `id` names a record or an act this member can see.
    fn exists(&self, id: &RecordId) -> bool {
        self.fold.get(id).is_some() || self.acts.contains_key(id)
    }
}

impl UnlockedVault {
    /// Sort the revision entries at unlock, without opening any: those this member cannot
    /// read (quarantined, or no key) are counted, those of the source-identities register are
    /// set aside until it is opened. The rest is read through the indexes.
    pub(crate) fn load_records(&mut self) -> Result<(), AppError> {
        let trust = self.trust();
        for l in &self.lines {
            let b = &l.entry.body;
            if b.kind != entry_kind::RECORD_REVISION {
                continue;
            }
            if trust.trust(&b.device, b.index) != Trust::Trusted
                || !self.epochs.contains_key(&(b.compartment, b.epoch))
            {
                self.records.unreadable += 1;
            } else if self.directory.is_source_identities(&b.compartment) {
                self.records.sealed_sources.push(l.entry.clone());
            }
        }
        Ok(())
    }

    /// Open and fold every revision this member can read (outside an unopened register), once
    /// per session: for export, import and checking the indexes.
    pub(crate) fn ensure_fold(&mut self) -> Result<(), AppError> {
        if self.records.loaded {
            return Ok(());
        }
        self.ensure_all_lines()?;
        let trust = self.trust();
        let entries: Vec<Entry> = self
            .lines
            .iter()
            .filter(|l| {
                let b = &l.entry.body;
                b.kind == entry_kind::RECORD_REVISION
                    && trust.trust(&b.device, b.index) == Trust::Trusted
                    && self.epochs.contains_key(&(b.compartment, b.epoch))
                    && !self
                        .records
                        .sealed_sources
                        .iter()
                        .any(|s| s.body.compartment == b.compartment)
            })
            .map(|l| l.entry.clone())
            .collect();
        self.records.loaded = true;
        for e in entries {
            if let Err(err) = self.apply_entry(&e) {
                self.records.loaded = false;
                return Err(err);
            }
        }
        Ok(())
    }

    fn apply_entry(&mut self, e: &Entry) -> Result<(), AppError> {
        match self.open_revision(e)? {
            None => Ok(()),
            Some(rev) => self.records.apply(e.body.compartment, rev).map_err(|w| {
                AppError::new(
                    ErrorCode::Damaged,
                    format!(
                        "record revision at entry {} of device {}: {w}. Run `khronika verify`.",
                        e.body.index,
                        e.body.device.short()
                    ),
                )
            }),
        }
    }

    /// Open a record-revision entry: `None` if this member holds no key for it.
    pub(crate) fn open_revision(&mut self, e: &Entry) -> Result<Option<Revision>, AppError> {
        let Some(keys) = self
            .epochs
            .get(&(e.body.compartment, e.body.epoch))
            .cloned()
        else {
            return Ok(None);
        };
        let damaged = |w: String| {
            AppError::new(
                ErrorCode::Damaged,
                format!(
                    "record revision at entry {} of device {}: {w}. Run `khronika verify`.",
                    e.body.index,
                    e.body.device.short()
                ),
            )
        };
        let p = RevisionPayload::open(
            &e.body.payload,
            &keys,
            &e.body.vault,
            &e.body.device,
            e.body.index,
        )
        .map_err(damaged)?;
        let fields = match (&p.fields, &p.body_blob) {
            (Some(f), None) => f.clone(),
            (None, Some(b)) => self.read_body(&keys, b).map_err(damaged)?,
            _ => return Err(damaged("neither inline fields nor a body blob".into())),
        };
        let want = p.commitments(&fields).map_err(|e| damaged(e.message))?;
        if want != e.body.commitments {
            return Err(damaged("payload does not match its commitments".into()));
        }
        let record = RecordId::parse(&p.record).map_err(|w| damaged(w.to_string()))?;
        let mut supersedes = Vec::with_capacity(p.supersedes.len());
        for s in &p.supersedes {
            supersedes.push(RevisionId(
                from_hex::<32>(s).ok_or_else(|| damaged("bad superseded revision id".into()))?,
            ));
        }
        let rev = Revision {
            id: RevisionId(e.hash()),
            record,
            supersedes,
            fields,
            author: p.author,
            time_ms: p.time_ms,
            origin: format!("{}:{}", e.body.device.short(), e.body.index),
        };
        Ok(Some(rev))
    }

    fn read_body(
        &mut self,
        keys: &EpochKeys,
        blob: &str,
    ) -> Result<BTreeMap<String, Value>, String> {
        let id = from_hex::<32>(blob).ok_or("bad body blob id")?;
        let backend = self.vault.backend.clone();
        let index = self.blob_index(keys.compartment).map_err(|e| e.message)?;
        let loc = *index
            .get(&id)
            .ok_or("its body blob is missing from the vault")?;
        let plain = read_blob(backend.as_ref(), keys, &loc).map_err(|e| e.to_string())?;
        serde_json::from_slice(&plain).map_err(|e| format!("body is not valid: {e}"))
    }

    /// Stage one revision entry (not committed).
    fn stage_revision(
        &mut self,
        c: CompartmentId,
        record: RecordId,
        supersedes: Vec<RevisionId>,
        fields: BTreeMap<String, Value>,
    ) -> Result<RevisionId, AppError> {
        let keys = self.newest_keys(c)?;
        let mut rng = OsEntropy;
        let e = |e: khronika_crypto::CryptoError| AppError::internal(e.to_string());
        let (rsalt, bsalt) = (
            khronika_crypto::Key32::random(&mut rng).map_err(e)?,
            khronika_crypto::Key32::random(&mut rng).map_err(e)?,
        );
        let record_text = record.to_string();
        let body_json =
            serde_json::to_vec(&fields).map_err(|e| AppError::internal(e.to_string()))?;
        let mut objects = Vec::new();
        let (inline, body_blob) = if body_json.len() > INLINE_LIMIT {
            let id = keys.blob_id(kind::RECORD_BODY, &body_json);
            let mut pb = PackBuilder::new(&keys);
            pb.add(&keys, kind::RECORD_BODY, id, &body_json, &mut rng)?;
            let pack = pb.finish(&keys, &mut rng)?;
            let backend = self.vault.backend.clone();
            backend.create(&pack.path(), &pack.stored)?;
            backend.barrier()?;
            let index = self.blob_index(c)?;
            for rec in &pack.index {
                index.entry(rec.id).or_insert(crate::catalog::BlobLoc {
                    pack: pack.hash,
                    rec: *rec,
                });
            }
            objects.push(ObjectRef {
                kind: object_kind::PACK,
                hash: pack.hash,
            });
            (None, Some(to_hex(&id)))
        } else {
            (Some(fields.clone()), None)
        };
        let payload = RevisionPayload {
            v: 1,
            record: record_text,
            supersedes: supersedes.iter().map(|r| to_hex(&r.0)).collect(),
            fields: inline,
            body_blob,
            author: self.member.to_hex(),
            time_ms: now_ms(),
            salts: BTreeMap::from([
                ("record".to_owned(), to_hex(rsalt.expose())),
                ("body".to_owned(), to_hex(bsalt.expose())),
            ]),
        };
        let commitments = payload.commitments(&fields)?;
        let m = &self.vault.marker;
        let sealed = payload.seal(&keys, &m.vault, &m.device, self.log.next_index(), &mut rng)?;
        let entry = self.log.stage(
            &self.device_key,
            entry_kind::RECORD_REVISION,
            c,
            keys.epoch,
            objects,
            commitments,
            sealed,
        )?;
        let id = RevisionId(entry.hash());
        let rev = Revision {
            id,
            record,
            supersedes,
            fields,
            author: payload.author,
            time_ms: payload.time_ms,
            origin: format!("{}:{}", entry.body.device.short(), entry.body.index),
        };
        self.lines.push(LogLine {
            entry,
            evidence: None,
        });
        if self.records.loaded {
            self.records
                .apply(c, rev)
                .map_err(|w| AppError::internal(format!("folding a new revision: {w}")))?;
        }
        Ok(id)
    }

    /// Check a record against its compartment: a case must name the compartment it is in.
    fn place(&self, c: CompartmentId, record: &mut Record) -> Result<(), AppError> {
        if let Record::Case(case) = record {
            let name = self.directory.label(&c);
            if case.compartment.is_empty() {
                case.compartment = name;
            } else if case.compartment != name {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    format!(
                        "case {} says it belongs to compartment `{}` but is being stored in `{name}`; make them agree",
                        case.id, case.compartment
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Before creating records: `set` (the new records, with anything edited alongside) is
    /// valid, its references name records of the set or of the vault, and none of `new`
    /// exists yet.
    fn check_new(
        &mut self,
        set: &RecordSet,
        new: impl IntoIterator<Item = RecordId>,
    ) -> Result<(), AppError> {
        if let Err(errors) = set.validate() {
            return Err(invalid("the records are not valid", &errors));
        }
        let known = self.known_references(set)?;
        if let Err(errors) = set.check_references(|id| known.contains(id)) {
            return Err(invalid(
                "the records refer to records that do not exist",
                &errors,
            ));
        }
        for id in new {
            if self.record_exists(&id)? {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    format!("record {id} exists already; edit it instead"),
                ));
            }
        }
        Ok(())
    }

    /// Create new records in compartment `c`, all in one commit. Every record is validated
    /// and every reference must name a record in the batch or one already in the vault.
    pub fn create_records(
        &mut self,
        c: CompartmentId,
        records: Vec<Record>,
    ) -> Result<Vec<RecordId>, AppError> {
        self.require_role(Role::Documenter, "create records")?;
        self.newest_keys(c)?;
        let mut records = records;
        for r in &mut records {
            self.place(c, r)?;
        }
        let set = RecordSet::from_records(records.iter().cloned());
        self.check_new(&set, records.iter().map(Record::id))?;
        let mut ids = Vec::with_capacity(records.len());
        for (n, r) in records.iter().enumerate() {
            let fields =
                changes(None, r).map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
            self.stage_revision(c, r.id(), vec![], fields)?;
            ids.push(r.id());
            if (n + 1) % BATCH == 0 {
                self.commit_staged()?;
            }
        }
        self.commit_staged()?;
        Ok(ids)
    }

    /// Store a new revision of an existing record: the fields that differ from its current
    /// state, superseding all of its heads. A field in conflict is resolved only when it is
    /// named in `resolved` (the person chose its value), so that saving a form without looking
    /// never silently settles a conflict. Returns `None` if nothing changed.
    pub fn edit_record(
        &mut self,
        record: Record,
        resolved: &[&str],
    ) -> Result<Option<RevisionId>, AppError> {
        self.require_role(Role::Documenter, "edit records")?;
        let id = record.id();
        let c = self.record_compartment(&id)?;
        let mut record = record;
        self.place(c, &mut record)?;
        if let Err(errors) = record.validate() {
            return Err(invalid(&format!("record {id} is not valid"), &errors));
        }
        let set = RecordSet::from_records([record.clone()]);
        let known = self.known_references(&set)?;
        if let Err(errors) = set.check_references(|r| known.contains(r)) {
            return Err(invalid(
                "the record refers to records that do not exist",
                &errors,
            ));
        }
        let current = self.folded(&id)?;
        for f in resolved {
            if current.conflict(f).is_none() {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "field `{f}` of {id} is not in conflict; `khronika show {id}` lists the conflicts"
                    ),
                ));
            }
        }
        let edit = current
            .edit(&record, resolved)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
        if edit.is_empty() {
            return Ok(None);
        }
        let rev = self.stage_revision(c, id, edit.supersedes, edit.fields)?;
        self.commit_staged()?;
        Ok(Some(rev))
    }

    /// Create `records` in the compartment of case `case` and gather them into it, in one
    /// commit: either all of it is stored or nothing is. Links are created beside the case
    /// but not gathered (a case gathers what it is about; a link says how two of those relate).
    pub fn add_to_case(
        &mut self,
        case: &RecordId,
        records: Vec<Record>,
    ) -> Result<Vec<RecordId>, AppError> {
        self.require_role(Role::Documenter, "add records to a case")?;
        let current = self.folded(case)?;
        let Ok(Record::Case(mut gathering)) = current.record.clone() else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("{case} is not a case you can read; `khronika list case` lists them"),
            ));
        };
        let c = self.record_compartment(case)?;
        self.newest_keys(c)?;
        let mut records = records;
        for r in &mut records {
            self.place(c, r)?;
        }
        let ids: Vec<RecordId> = records.iter().map(Record::id).collect();
        gathering.records.extend(
            ids.iter()
                .copied()
                .filter(|id| id.kind() != RecordKind::Link),
        );
        let mut updated = Record::Case(gathering);
        self.place(c, &mut updated)?;
        let set = RecordSet::from_records(records.iter().cloned().chain([updated.clone()]));
        self.check_new(&set, ids.iter().copied())?;
        let edit = current
            .edit(&updated, &[])
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
        for r in &records {
            let fields =
                changes(None, r).map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
            self.stage_revision(c, r.id(), vec![], fields)?;
        }
        if !edit.is_empty() {
            self.stage_revision(c, *case, edit.supersedes, edit.fields)?;
        }
        self.commit_staged()?;
        Ok(ids)
    }

    /// The compartment a record (or the event defining an act) lives in.
    pub fn record_compartment(&mut self, id: &RecordId) -> Result<CompartmentId, AppError> {
        let found = self.find_in_indexes(|c, index| Ok(index.owner(id)?.map(|_| c)))?;
        found.ok_or_else(|| self.not_found(&id.to_string()))
    }

    /// True if `id` names a record, or an act of an event, that this member can read.
    pub fn record_exists(&mut self, id: &RecordId) -> Result<bool, AppError> {
        Ok(self
            .find_in_indexes(|_, index| Ok(index.owner(id)?.map(|_| ())))?
            .is_some())
    }

    /// The ids among those `set` refers to (outside itself) that this member can read.
    fn known_references(&mut self, set: &RecordSet) -> Result<HashSet<RecordId>, AppError> {
        let asked = std::cell::RefCell::new(Vec::new());
        // The first pass only collects what the set asks about.
        let _ = set.check_references(|id| {
            asked.borrow_mut().push(*id);
            true
        });
        let mut known = HashSet::new();
        for id in asked.into_inner() {
            if self.record_exists(&id)? {
                known.insert(id);
            }
        }
        Ok(known)
    }

    fn folded(&mut self, id: &RecordId) -> Result<FoldedRecord, AppError> {
        let found = self.find_in_indexes(|_, index| index.get(id))?;
        found.ok_or_else(|| self.not_found(&id.to_string()))
    }

    /// Find a record by its full id, or by a unique prefix of at least 8 characters after the
    /// letter and dash (as `list` shows them).
    pub fn find_record(&mut self, text: &str) -> Result<RecordId, AppError> {
        if let Ok(id) = RecordId::parse(text) {
            return Ok(id);
        }
        let want = text.trim().to_ascii_uppercase();
        if want.len() < 10 || want.as_bytes().get(1) != Some(&b'-') {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "`{text}` is not a record id: give it as `khronika list` prints it, e.g. C-3M2Q7ZK0"
                ),
            ));
        }
        let mut found = Vec::new();
        self.find_in_indexes(|_, index| {
            found.extend(index.find_prefix(&want, 2)?);
            Ok((found.len() > 1).then_some(()))
        })?;
        let mut hits = found.into_iter();
        match (hits.next(), hits.next()) {
            (Some(id), None) => Ok(id),
            (None, _) => Err(AppError::new(
                ErrorCode::NotFound,
                self.not_found(text).message,
            )),
            _ => Err(AppError::new(
                ErrorCode::Usage,
                format!("{text} matches several records; give more characters"),
            )),
        }
    }

    /// A record and its compartment.
    pub fn record(&mut self, id: &RecordId) -> Result<RecordView, AppError> {
        let folded = self.folded(id)?;
        let c = self.record_compartment(id)?;
        Ok(RecordView {
            folded,
            compartment: self.directory.label(&c),
        })
    }

    /// Every record of `kind` (or of every kind), sorted by kind then label then id.
    pub fn list_records(
        &mut self,
        kind: Option<RecordKind>,
    ) -> Result<Vec<RecordSummary>, AppError> {
        let mut out = Vec::new();
        let mut parts = Vec::new();
        self.find_in_indexes(|c, index| {
            parts.push((c, index.list(kind, usize::MAX, 0)?));
            Ok(None::<()>)
        })?;
        for (c, list) in parts {
            let compartment = self.directory.label(&c);
            out.extend(list.into_iter().map(|r| RecordSummary {
                id: r.id.to_string(),
                kind: r.kind.as_str().to_owned(),
                label: r.label,
                compartment: compartment.clone(),
                conflicts: r.conflicts,
                revisions: r.revisions,
                updated_ms: r.updated_ms,
            }));
        }
        out.sort_by(|a, b| {
            let order = |k: &str| {
                RecordKind::parse(k).and_then(|k| RecordKind::ALL.iter().position(|x| *x == k))
            };
            (order(&a.kind), &a.label, &a.id).cmp(&(order(&b.kind), &b.label, &b.id))
        });
        Ok(out)
    }

    /// Every change of a record's fields (or of one field), oldest first.
    pub fn record_history(
        &mut self,
        id: &RecordId,
        field: Option<&str>,
    ) -> Result<Vec<FieldChange>, AppError> {
        let found = self.find_in_indexes(|_, index| {
            Ok(index
                .get(id)?
                .is_some()
                .then_some(())
                .map(|()| index.history(id, field)))
        })?;
        match found {
            Some(history) => history.map_err(crate::indexes::index_err),
            None => Err(self.not_found(&id.to_string())),
        }
    }

    /// Revision entries this member could not read (no key, or quarantined).
    pub fn unreadable_revisions(&self) -> usize {
        self.records.unreadable
    }

    /// Revisions of the source-identities register waiting to be opened.
    pub fn sealed_source_revisions(&self) -> usize {
        self.records.sealed_sources.len()
    }

    /// Open the source-identities register: first a signed, sealed entry saying who opened it,
    /// when and why (committed before anything is decrypted), then its records join the fold.
    pub fn open_source_register(&mut self, purpose: &str) -> Result<usize, AppError> {
        self.token_write("open the source register (each opening is written in the log)")?;
        let purpose = purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > 500 {
            return Err(AppError::new(
                ErrorCode::Usage,
                "say why you open the source register (1 to 500 characters); it is written in the log",
            ));
        }
        let registers: Vec<CompartmentId> = self
            .directory
            .info
            .iter()
            .filter(|(c, (_, si))| *si && self.epochs.keys().any(|(cc, _)| cc == *c))
            .map(|(c, _)| *c)
            .collect();
        if registers.is_empty() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "you hold no source-identities register; ask an administrator for a grant",
            ));
        }
        let mut rng = OsEntropy;
        for c in &registers {
            let keys = self.newest_keys(*c)?;
            let payload = OpeningPayload {
                v: 1,
                member: self.member.to_hex(),
                purpose: purpose.to_owned(),
                time_ms: now_ms(),
            };
            let m = &self.vault.marker;
            let sealed = sealed::seal_json(
                &payload,
                &keys,
                &m.vault,
                &m.device,
                self.log.next_index(),
                &mut rng,
            )?;
            let entry = self.log.stage(
                &self.device_key,
                entry_kind::SOURCE_OPENING,
                *c,
                keys.epoch,
                vec![],
                vec![],
                sealed,
            )?;
            self.lines.push(LogLine {
                entry,
                evidence: None,
            });
        }
        self.commit_staged()?;
        let pending = std::mem::take(&mut self.records.sealed_sources);
        let mut opened = 0;
        for e in pending {
            if registers.contains(&e.body.compartment) {
                if self.records.loaded {
                    self.apply_entry(&e)?;
                }
                opened += 1;
            } else {
                self.records.sealed_sources.push(e);
            }
        }
        Ok(opened)
    }

    /// Every opening of the source register this member can read: (member, purpose, time).
    pub fn source_openings(&self) -> Vec<OpeningPayload> {
        let mut out = Vec::new();
        for l in &self.lines {
            let b = &l.entry.body;
            if b.kind != entry_kind::SOURCE_OPENING {
                continue;
            }
            if let Some(keys) = self.epochs.get(&(b.compartment, b.epoch))
                && let Ok(p) = sealed::open_json::<OpeningPayload>(
                    &b.payload, keys, &b.vault, &b.device, b.index,
                )
            {
                out.push(p);
            }
        }
        out
    }

    /// Import an archive: compartments are found by name (created if missing, for
    /// coordinators and administrators); new records are created, existing ones revised
    /// where they differ. Everything is validated first; on any problem nothing is stored.
    pub fn import_archive(&mut self, archive: &Archive) -> Result<ImportReport, AppError> {
        self.require_role(Role::Documenter, "import records")?;
        self.ensure_fold()?;
        if let Err(errors) = archive.validate() {
            return Err(invalid("the import is not valid", &errors));
        }
        if let Err(errors) = archive.check_references(|id| self.records.exists(id)) {
            return Err(invalid(
                "the import refers to records that do not exist",
                &errors,
            ));
        }
        if !self.records.sealed_sources.is_empty()
            && archive
                .compartments
                .iter()
                .any(|c| c.source_identities && !c.records.is_empty())
        {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "this import writes to the source-identities register; open the register first (--open-sources REASON), so that what it holds is compared and the opening is logged",
            ));
        }
        let mut report = ImportReport::default();
        // Check every existing record is in the compartment the import puts it in.
        for part in &archive.compartments {
            for r in part.records.clone().into_records() {
                if let Some(c) = self.records.compartment_of.get(&r.id())
                    && self.directory.label(c) != part.name
                {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        format!(
                            "record {} is in compartment `{}` in this vault, but the import puts it in `{}`; records do not move between compartments",
                            r.id(),
                            self.directory.label(c),
                            part.name
                        ),
                    ));
                }
            }
        }
        for part in &archive.compartments {
            if self.directory.by_name(&part.name).is_none() {
                self.create_compartment(&part.name, part.source_identities)?;
                report.compartments_created.push(part.name.clone());
            }
        }
        let mut staged = 0;
        for part in &archive.compartments {
            let c = self.find_compartment(&part.name)?;
            self.newest_keys(c)?;
            for r in part.records.clone().into_records() {
                let id = r.id();
                if let Some(current) = self.records.fold.get(&id) {
                    let fields = changes(Some(&current.value), &r)
                        .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
                    if fields.is_empty() {
                        report.unchanged += 1;
                        continue;
                    }
                    self.stage_revision(c, id, current.heads.clone(), fields)?;
                    report.revised += 1;
                } else {
                    let fields = changes(None, &r)
                        .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
                    self.stage_revision(c, id, vec![], fields)?;
                    report.created += 1;
                }
                staged += 1;
                if staged % BATCH == 0 {
                    self.commit_staged()?;
                }
            }
        }
        self.commit_staged()?;
        Ok(report)
    }

    /// Every record this member can read, as an archive grouped by compartment (records that
    /// no longer parse are left out and counted in the second value).
    pub fn export_archive(&mut self) -> Result<(Archive, usize), AppError> {
        self.ensure_fold()?;
        let mut parts: BTreeMap<String, CompartmentRecords> = BTreeMap::new();
        let mut broken = 0;
        for id in self.records.fold.ids() {
            let Some(f) = self.records.fold.get(id) else {
                continue;
            };
            let Ok(record) = f.record else {
                broken += 1;
                continue;
            };
            let c = self
                .records
                .compartment_of
                .get(id)
                .copied()
                .unwrap_or(CompartmentId::NONE);
            let name = self.directory.label(&c);
            parts
                .entry(name.clone())
                .or_insert_with(|| CompartmentRecords {
                    name,
                    source_identities: self.directory.is_source_identities(&c),
                    records: RecordSet::default(),
                })
                .records
                .push(record);
        }
        Ok((
            Archive {
                format: ARCHIVE_FORMAT.to_owned(),
                compartments: parts.into_values().collect(),
            },
            broken,
        ))
    }

    /// Ids of every record in the vault this member can read (for ids of new records).
    pub fn record_ids(&mut self) -> Result<HashSet<RecordId>, AppError> {
        self.ensure_fold()?;
        Ok(self.records.fold.ids().copied().collect())
    }
}

/// The sealed payload of an opening of the source register. Field names are part of the format.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningPayload {
    /// Payload version (1).
    pub v: u32,
    /// Who opened it (hex member id).
    pub member: String,
    /// Why, in their words.
    pub purpose: String,
    /// When, ms since 1970 by the device clock.
    pub time_ms: i64,
}

impl UnlockedVault {
    fn not_found(&self, id: &str) -> AppError {
        let hint = if self.records.sealed_sources.is_empty() {
            ""
        } else {
            "; if it is in the source-identities register, open the register first (--open-sources REASON)"
        };
        AppError::new(
            ErrorCode::NotFound,
            format!("no record {id} that you can read; `khronika list` lists them{hint}"),
        )
    }
}

/// A fresh record id of `kind`.
pub fn new_record_id(kind: RecordKind) -> Result<RecordId, AppError> {
    let mut rng = OsEntropy;
    let mut b = [0u8; 16];
    khronika_crypto::Entropy::fill(&mut rng, &mut b)
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(RecordId::new(kind, b))
}
