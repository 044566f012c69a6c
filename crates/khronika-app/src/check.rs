//! Verification of a vault: keyless (objects, logs, checkpoints, key and token slots, marker)
//! and, with keys, of the data itself (every blob opens and matches its id; every file its
//! SHA-256).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use khronika_crypto::hash::{from_hex, to_hex};
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::verify::{Problem, Report};
use khronika_store::{CompartmentId, ObjectPath, pack};

use crate::catalog::{EvidenceRecord, decode_manifest};
use crate::keyslot;
use crate::layout::KEYS_DIR;
use crate::vault::{LockedVault, UnlockedVault};

impl LockedVault {
    /// Verify everything that can be checked without a key.
    pub fn verify(&self, progress: &mut dyn FnMut(u64)) -> Report {
        let mut report =
            khronika_store::verify::verify(self.backend(), self.marker.vault, progress);
        let local = self.verify_local();
        report.problems.extend(local.problems);
        report.notes.extend(local.notes);
        report
    }

    /// The checks of what is local to this device: key slots and the slots the marker names.
    fn verify_local(&self) -> Report {
        let mut report = Report::default();
        // Key slots carry a checksum so that damage shows without the passphrase.
        let keys = self.root.join(KEYS_DIR);
        match self.fs.list_dir(&keys) {
            Ok(entries) => {
                for e in entries.iter().filter(|e| e.name.ends_with(".key")) {
                    let p = keys.join(&e.name);
                    let rel = format!("{KEYS_DIR}/{}", e.name);
                    match self.fs.read(&p) {
                        Ok(b) => {
                            if let Err(err) = keyslot::check_slot(&b) {
                                report.problems.push(Problem {
                                    object: rel,
                                    what: format!("key slot {err}"),
                                });
                            }
                        }
                        Err(err) => report.problems.push(Problem {
                            object: rel,
                            what: format!("cannot be read: {err}"),
                        }),
                    }
                }
            }
            Err(e) => report
                .notes
                .push(format!("no local key slots ({e}); this node holds no keys")),
        }
        // Token slots carry a checksum too.
        let tokens = self.root.join(crate::layout::TOKENS_DIR);
        if let Ok(entries) = self.fs.list_dir(&tokens) {
            for e in entries
                .iter()
                .filter(|e| e.name.ends_with(".token") && !e.name.starts_with('.'))
            {
                let rel = format!("{}/{}", crate::layout::TOKENS_DIR, e.name);
                let problem = match self.fs.read(&tokens.join(&e.name)) {
                    Ok(b) => crate::tokens::check_slot_bytes(&b)
                        .err()
                        .map(|w| format!("token slot: {w}; erase it with `khronika token revoke`")),
                    Err(err) => Some(format!("cannot be read: {err}")),
                };
                if let Some(what) = problem {
                    report.problems.push(Problem { object: rel, what });
                }
            }
        }
        // The marker names the member and device whose slots this device must hold.
        for (p, what) in [
            (
                crate::layout::member_slot(&self.root, &self.marker.member),
                "the member's key slot",
            ),
            (
                crate::layout::device_slot(&self.root),
                "the device key slot",
            ),
        ] {
            if matches!(self.fs.kind(&p), Ok(None)) {
                let rel = p
                    .strip_prefix(&self.root)
                    .unwrap_or(&p)
                    .display()
                    .to_string();
                report.problems.push(Problem {
                    object: rel,
                    what: format!("missing: {what} is gone (erased or deleted); restore from a mirror with the recovery key"),
                });
            }
        }
        report
    }
}

/// Blobs that opened and matched their ids: (compartment, id) → plaintext length.
type Verified = HashMap<(CompartmentId, [u8; 32]), u32>;
/// Manifests that opened: (compartment, id) → plaintext.
type Manifests = HashMap<(CompartmentId, [u8; 32]), Vec<u8>>;

impl UnlockedVault {
    /// Verify everything keyless and, in the same pass over the packs, open and check every
    /// evidence item's data: every blob in a pack this member can open decrypts and matches
    /// its keyed id, and every file's manifest and chunks are among them, adding up to its
    /// recorded size.
    ///
    /// Each pack is read once: the keyless pass hashes it (its name) and hands its bytes to
    /// checker threads, which open its index and blobs while the next pack is read.
    ///
    /// The whole-file SHA-256 is not recomputed: each chunk is authenticated (AEAD) and named
    /// by a keyed hash of its plaintext, the manifest listing the chunks is authenticated and
    /// named the same way, and the manifest's id is in the signed entry's sealed payload,
    /// next to the SHA-256 that ingest computed from the same bytes. `cat` does recompute it.
    pub fn verify_data(&mut self, progress: &mut dyn FnMut(u64)) -> Report {
        let records = self.evidence.clone();
        let epochs = &self.epochs;
        let verified: Mutex<Verified> = Mutex::new(HashMap::new());
        let manifests: Mutex<Manifests> = Mutex::new(HashMap::new());
        let found = Mutex::new(Vec::new());
        let checkers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8);
        let vault = &self.vault;
        let (tx, rx) = std::sync::mpsc::sync_channel::<([u8; 32], Arc<Vec<u8>>)>(checkers);
        let rx = Mutex::new(rx);
        let mut report = std::thread::scope(|s| {
            for _ in 0..checkers {
                let rx = &rx;
                let (verified, manifests, found) = (&verified, &manifests, &found);
                s.spawn(move || {
                    loop {
                        let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok((hash, bytes)) = next else { break };
                        if let Err(what) = check_pack(epochs, hash, &bytes, verified, manifests) {
                            found
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push(Problem {
                                    object: ObjectPath::object(&hash).as_str().to_owned(),
                                    what,
                                });
                        }
                    }
                });
            }
            let report = khronika_store::verify::verify_visiting(
                vault.backend(),
                vault.marker.vault,
                progress,
                &mut |h, bytes| {
                    let _ = tx.send((h, bytes));
                },
            );
            drop(tx);
            report
        });
        // The keyless part of `LockedVault::verify` beyond the store: key slots, marker.
        let local = self.vault.verify_local();
        report.problems.extend(local.problems);
        report.notes.extend(local.notes);
        let verified = verified.into_inner().unwrap_or_else(|p| p.into_inner());
        let manifests = manifests.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut extra = found.into_inner().unwrap_or_else(|p| p.into_inner());
        for rec in &records {
            if let Err(what) = check_evidence(rec, &verified, &manifests) {
                extra.push(Problem {
                    object: format!("evidence {}", rec.payload.id),
                    what,
                });
            }
        }
        extra.sort_by(|a, b| a.object.cmp(&b.object));
        report.problems.extend(extra);
        report
    }
}

/// Open every blob of one pack (if this member holds its keys) and record what verified.
fn check_pack(
    epochs: &BTreeMap<(CompartmentId, u32), EpochKeys>,
    hash: [u8; 32],
    bytes: &[u8],
    verified: &Mutex<Verified>,
    manifests: &Mutex<Manifests>,
) -> Result<(), String> {
    let header = pack::parse_header(bytes)?;
    let Some(keys) = epochs.get(&(header.compartment, header.epoch)) else {
        return Ok(());
    };
    let path = ObjectPath::object(&hash);
    let index = pack::index_from_bytes(bytes, &path, keys).map_err(|e| e.to_string())?;
    let mut ok = Vec::with_capacity(index.len());
    let mut found_manifests = Vec::new();
    for rec in &index {
        let start = rec.offset as usize;
        let sealed = bytes
            .get(start..start + rec.sealed_len as usize)
            .ok_or("a blob lies outside the pack")?;
        let plain = pack::open_blob(keys, rec, sealed, &path).map_err(|e| e.to_string())?;
        if rec.kind == kind::MANIFEST {
            found_manifests.push(((header.compartment, rec.id), plain.to_vec()));
        }
        ok.push(((header.compartment, rec.id), rec.plain_len));
    }
    verified
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(ok);
    manifests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(found_manifests);
    Ok(())
}

/// An evidence item's manifest and every chunk it lists verified, adding up to its size.
fn check_evidence(
    rec: &EvidenceRecord,
    verified: &Verified,
    manifests: &Manifests,
) -> Result<(), String> {
    let c = rec.compartment;
    let mid = from_hex::<32>(&rec.payload.manifest).ok_or("manifest id is malformed")?;
    let manifest = manifests
        .get(&(c, mid))
        .ok_or("its manifest is in no intact pack")?;
    let (size, chunks) = decode_manifest(manifest).map_err(|w| format!("manifest: {w}"))?;
    let mut total = 0u64;
    for id in chunks {
        let len = verified
            .get(&(c, id))
            .ok_or_else(|| format!("chunk {} is in no intact pack", to_hex(&id[..8])))?;
        total += u64::from(*len);
    }
    if total != size || size != rec.payload.size {
        return Err("its chunks do not add up to its recorded size".into());
    }
    Ok(())
}
