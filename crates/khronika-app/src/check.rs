//! Verification of a vault: keyless (objects, logs, checkpoints, key slots, marker) and, with
//! keys, of the data itself (every blob opens and matches its id; every file its SHA-256).

use khronika_crypto::hash::{Sha256Hasher, from_hex, to_hex};
use khronika_store::verify::{Problem, Report};

use crate::catalog::{decode_manifest, read_blob};
use crate::keyslot;
use crate::layout::KEYS_DIR;
use crate::vault::{LockedVault, UnlockedVault};

impl LockedVault {
    /// Verify everything that can be checked without a key.
    pub fn verify(&self, progress: &mut dyn FnMut(u64)) -> Report {
        let mut report =
            khronika_store::verify::verify(self.backend(), self.marker.vault, progress);
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

impl UnlockedVault {
    /// Verify everything keyless, then open and check every evidence item's data.
    pub fn verify_data(&mut self, progress: &mut dyn FnMut(u64)) -> Report {
        let mut report = self.vault.verify(&mut *progress);
        let backend = self.vault.backend.clone();
        let records = self.evidence.clone();
        for rec in records {
            let Some(keys) = self.epochs.get(&(rec.compartment, rec.epoch)).cloned() else {
                continue;
            };
            let id = rec.payload.id.clone();
            let mut fail = |what: String| {
                report.problems.push(Problem {
                    object: format!("evidence {id}"),
                    what,
                })
            };
            let index = match self.blob_index(rec.compartment) {
                Ok(i) => i,
                Err(e) => {
                    fail(e.message);
                    continue;
                }
            };
            let Some(mid) = from_hex::<32>(&rec.payload.manifest) else {
                fail("manifest id is malformed".into());
                continue;
            };
            let Some(mloc) = index.get(&mid).copied() else {
                fail("its manifest is in no pack".into());
                continue;
            };
            let manifest = match read_blob(backend.as_ref(), &keys, &mloc) {
                Ok(m) => m,
                Err(e) => {
                    fail(format!("manifest: {e}"));
                    continue;
                }
            };
            let Ok((size, chunks)) = decode_manifest(&manifest) else {
                fail("manifest is malformed".into());
                continue;
            };
            let mut h = Sha256Hasher::new();
            let mut total = 0u64;
            let mut ok = true;
            for c in chunks {
                let Some(loc) = index.get(&c).copied() else {
                    fail(format!("chunk {} is in no pack", to_hex(&c[..8])));
                    ok = false;
                    break;
                };
                match read_blob(backend.as_ref(), &keys, &loc) {
                    Ok(d) => {
                        h.update(&d);
                        total += d.len() as u64;
                        progress(d.len() as u64);
                    }
                    Err(e) => {
                        fail(e.to_string());
                        ok = false;
                        break;
                    }
                }
            }
            if ok
                && (total != size
                    || size != rec.payload.size
                    || to_hex(&h.finalize()) != rec.payload.sha256)
            {
                fail("its data does not match the recorded SHA-256".into());
            }
        }
        report
    }
}
