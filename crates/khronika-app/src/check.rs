//! Verification of a vault: keyless (objects, logs, checkpoints, key slots, marker) and, with
//! keys, of the data itself (every blob opens and matches its id; every file its SHA-256).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use khronika_crypto::hash::{Sha256Hasher, from_hex, to_hex};
use khronika_store::verify::{Problem, Report};

use crate::catalog::{EvidenceRecord, decode_manifest, read_blob};
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
    /// Verify everything keyless and, at the same time, open and check every evidence item's
    /// data: every chunk decrypts and matches its id, every file its recorded SHA-256.
    ///
    /// The keyless pass runs on one thread while the data is checked on the others (this
    /// thread included), so the two passes over the vault overlap.
    pub fn verify_data(&mut self, progress: &mut dyn FnMut(u64)) -> Report {
        let records = self.evidence.clone();
        let mut problems = Vec::new();
        let compartments: std::collections::BTreeSet<_> =
            records.iter().map(|r| r.compartment).collect();
        for c in compartments {
            if let Err(e) = self.blob_index(c) {
                problems.push(Problem {
                    object: format!("compartment {}", c.short()),
                    what: e.message,
                });
            }
        }
        let this: &UnlockedVault = self;
        let done = AtomicU64::new(0);
        let next = AtomicUsize::new(0);
        let found = Mutex::new(problems);
        // The keyless pass and this thread take two cores; more cores get more checkers.
        let extra_checkers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 8)
            - 2;
        let mut report = std::thread::scope(|s| {
            let keyless = s.spawn(|| {
                this.vault.verify(&mut |n| {
                    done.fetch_add(n, Ordering::Relaxed);
                })
            });
            // Take the next unchecked item and check it; false when none is left.
            let check_next = || {
                let Some(rec) = records.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    return false;
                };
                if let Err(what) = this.check_evidence(rec, &done) {
                    let p = Problem {
                        object: format!("evidence {}", rec.payload.id),
                        what,
                    };
                    found.lock().unwrap_or_else(|p| p.into_inner()).push(p);
                }
                true
            };
            for _ in 0..extra_checkers {
                s.spawn(move || while check_next() {});
            }
            // This thread checks too, and reports progress between items.
            let mut reported = 0;
            while check_next() {
                let now = done.load(Ordering::Relaxed);
                progress(now - reported);
                reported = now;
            }
            let report = keyless.join().unwrap_or_else(|_| {
                let mut r = Report::default();
                r.problems.push(Problem {
                    object: "vault".into(),
                    what: "the keyless check crashed".into(),
                });
                r
            });
            progress(done.load(Ordering::Relaxed) - reported);
            report
        });
        let mut extra = found.into_inner().unwrap_or_else(|p| p.into_inner());
        extra.sort_by(|a, b| a.object.cmp(&b.object));
        report.problems.extend(extra);
        report
    }

    /// Read back one evidence item and check it; the error says what is wrong.
    fn check_evidence(&self, rec: &EvidenceRecord, done: &AtomicU64) -> Result<(), String> {
        let keys = self
            .epochs
            .get(&(rec.compartment, rec.epoch))
            .ok_or("no key for its compartment and epoch")?;
        let index = self
            .blob_index
            .get(&rec.compartment)
            .ok_or("its compartment has no readable packs")?;
        let backend = self.vault.backend.as_ref();
        let mid = from_hex::<32>(&rec.payload.manifest).ok_or("manifest id is malformed")?;
        let mloc = index.get(&mid).ok_or("its manifest is in no pack")?;
        let manifest = read_blob(backend, keys, mloc).map_err(|e| format!("manifest: {e}"))?;
        let (size, chunks) = decode_manifest(&manifest).map_err(|w| format!("manifest: {w}"))?;
        let mut h = Sha256Hasher::new();
        let mut total = 0u64;
        for c in chunks {
            let loc = index
                .get(&c)
                .ok_or_else(|| format!("chunk {} is in no pack", to_hex(&c[..8])))?;
            let data = read_blob(backend, keys, loc).map_err(|e| e.to_string())?;
            h.update(&data);
            total += data.len() as u64;
            done.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        if total != size || size != rec.payload.size || to_hex(&h.finalize()) != rec.payload.sha256
        {
            return Err("its data does not match the recorded SHA-256".into());
        }
        Ok(())
    }
}
