//! Proofs for people outside the organisation: that a file with a given SHA-256 was recorded
//! in a device's log, at a position covered by a signed checkpoint, disclosing only the fields
//! chosen.
//!
//! A proof package is four files, named after the evidence id:
//! - `ID.tlog-proof`: C2SP `tlog-proof@v1` (index, RFC 6962 inclusion proof, signed checkpoint
//!   with any witness cosignatures);
//! - `ID.leaf`: the entry's exact bytes, whose RFC 6962 leaf hash the proof includes;
//! - `ID.disclosure.json`: the opened fields (see [`crate::disclosure`]);
//! - `ID.vkey`: the device's verifier key, for convenience. A verifier should compare it with
//!   the keys the organisation published (`khronika keys`), or give the pinned key instead.
//!
//! [`verify_package`] needs no vault and no key: only these bytes and a verifier key.

use khronika_crypto::hash::to_hex;
use khronika_store::entry::Entry;
use khronika_store::log::{LogState, leaf_hash, list_log, origin, verifier_key};
use khronika_store::merkle::{ProofOrSource, inclusion_proof};
use khronika_store::note::{CheckpointPolicy, VerifierKey};
use khronika_store::tlog_proof::{self, TlogProof};
use khronika_store::verify::genesis_key;
use khronika_store::{Backend, ObjectPath};

use crate::disclosure::Disclosure;
use crate::error::{AppError, ErrorCode};
use crate::vault::UnlockedVault;

/// The files of a proof package, in memory.
#[derive(Debug, Clone)]
pub struct ProofPackage {
    /// The evidence id the files are named after.
    pub id: String,
    /// `ID.tlog-proof`.
    pub tlog_proof: String,
    /// `ID.leaf`.
    pub leaf: Vec<u8>,
    /// `ID.disclosure.json`.
    pub disclosure: Vec<u8>,
    /// `ID.vkey`.
    pub vkey: String,
}

impl ProofPackage {
    /// The files as (name, bytes).
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        vec![
            (
                format!("{}.tlog-proof", self.id),
                self.tlog_proof.clone().into_bytes(),
            ),
            (format!("{}.leaf", self.id), self.leaf.clone()),
            (
                format!("{}.disclosure.json", self.id),
                self.disclosure.clone(),
            ),
            (
                format!("{}.vkey", self.id),
                format!("{}\n", self.vkey).into_bytes(),
            ),
        ]
    }
}

/// What a verified proof establishes.
#[derive(Debug, Clone)]
pub struct VerifiedEvidence {
    /// The log (origin line).
    pub origin: String,
    /// The entry's index in it.
    pub index: u64,
    /// The checkpoint's size.
    pub size: u64,
    /// The checkpoint's root (hex).
    pub root: String,
    /// Witness cosignatures that verified (key names).
    pub cosigned_by: Vec<String>,
    /// The disclosed fields, by name.
    pub fields: Vec<(String, String)>,
}

fn damaged(what: String) -> AppError {
    AppError::new(ErrorCode::Damaged, what)
}

impl UnlockedVault {
    /// Build the proof package for an evidence item, disclosing `fields`.
    pub fn prove(&self, id: &str, fields: &[&str]) -> Result<ProofPackage, AppError> {
        let rec = self.find(id)?.clone();
        let m = self.vault.marker.clone();
        let backend = self.vault.backend.as_ref();
        let line = self
            .lines
            .iter()
            .find(|l| l.entry.body.device == rec.device && l.entry.body.index == rec.index)
            .ok_or_else(|| AppError::internal("evidence without its log entry"))?;
        // The device's log and its newest checkpoint covering the entry.
        let (_, sizes) = list_log(backend, &rec.device)?;
        let size = sizes
            .iter()
            .copied()
            .filter(|s| *s > rec.index)
            .max()
            .ok_or_else(|| {
                damaged(format!(
                    "no checkpoint covers entry {} yet; add anything to write one",
                    rec.index
                ))
            })?;
        let st = LogState::load(backend, m.vault, rec.device, genesis_key, |_| Ok(()))?;
        let key = st
            .key
            .ok_or_else(|| damaged("the log has no device key".into()))?;
        if st.size() < size {
            return Err(damaged(
                "the log is shorter than its checkpoint; run `khronika verify`".into(),
            ));
        }
        let path = match inclusion_proof(st.tree(), rec.index, size) {
            Ok(p) => p,
            Err(ProofOrSource::Proof(e)) => return Err(AppError::internal(e.to_string())),
            Err(ProofOrSource::Source(never)) => match never {},
        };
        let mut checkpoint =
            String::from_utf8(backend.read(&ObjectPath::checkpoint(&rec.device, size))?)
                .map_err(|_| damaged("the checkpoint is not text".into()))?;
        // Witness cosignatures of that checkpoint are added as further signature lines.
        let prefix = format!(
            "{}cosignature/{size:020}/",
            ObjectPath::log_prefix(&rec.device)
        );
        for p in backend.list(&prefix)? {
            if let Some((path, _)) = ObjectPath::parse(&p) {
                // A damaged cosignature is left out (verify names it) rather than spoiling
                // the proof.
                let Ok(line) = String::from_utf8(backend.read(&path)?) else {
                    continue;
                };
                let one_line = line.strip_suffix('\n').filter(|l| !l.contains('\n'));
                if one_line.is_some_and(|l| khronika_store::note::Signature::parse_line(l).is_ok())
                {
                    checkpoint.push_str(&line);
                }
            }
        }
        let log_origin = origin(&m.vault, &rec.device);
        let disclosure = Disclosure::new(&rec.payload, fields, &log_origin, rec.index)
            .map_err(|w| AppError::new(ErrorCode::Usage, w))?;
        let proof = TlogProof {
            extra: None,
            index: rec.index,
            path,
            checkpoint,
        };
        Ok(ProofPackage {
            id: rec.payload.id.clone(),
            tlog_proof: proof.encode(),
            leaf: line.entry.bytes().to_vec(),
            disclosure: disclosure.to_bytes(),
            vkey: verifier_key(&log_origin, &key),
        })
    }
}

/// Check a proof package offline: the checkpoint is signed by `vkey`, the leaf is in its tree
/// at the proof's index, the leaf is an entry of that log signed by the same key, and every
/// disclosed field matches the entry's commitments.
///
/// Each of `witnesses` (cosignature/v1 verifier keys) must have cosigned the checkpoint.
pub fn verify_package(
    proof: &[u8],
    leaf: &[u8],
    disclosure: &[u8],
    vkey: &str,
    witnesses: &[String],
) -> Result<VerifiedEvidence, String> {
    let key = VerifierKey::parse(vkey.trim())
        .map_err(|e| format!("the verifier key is not valid: {e}"))?;
    let wkeys = witnesses
        .iter()
        .map(|w| {
            VerifierKey::parse(w.trim())
                .map_err(|e| format!("the witness key {w} is not valid: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let quorum = wkeys.len();
    let policy = CheckpointPolicy::new(key.name(), key.clone()).with_witnesses(wkeys, quorum);
    let verified =
        tlog_proof::verify(proof, &leaf_hash(leaf), &policy).map_err(|e| e.to_string())?;
    let entry =
        Entry::decode(leaf).map_err(|w| format!("the leaf is not a Khronika log entry: {w}"))?;
    let log_origin = origin(&entry.body.vault, &entry.body.device);
    if log_origin != policy.origin() {
        return Err(format!(
            "the leaf belongs to {log_origin}, the checkpoint to {}",
            policy.origin()
        ));
    }
    entry
        .verify_signature(key.public_key())
        .map_err(|_| "the leaf is not signed by the log's key".to_string())?;
    let d = Disclosure::parse(disclosure)?;
    if d.index != verified.index {
        return Err(format!(
            "the disclosure is for entry {}, the proof for entry {}",
            d.index, verified.index
        ));
    }
    d.check(&entry)?;
    let cp = verified.checkpoint.checkpoint;
    Ok(VerifiedEvidence {
        origin: cp.origin,
        index: verified.index,
        size: cp.size,
        root: to_hex(&cp.root),
        cosigned_by: verified
            .checkpoint
            .cosignatures
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        fields: d.fields.into_iter().map(|(k, v)| (k, v.value)).collect(),
    })
}
