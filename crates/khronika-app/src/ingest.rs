//! Adding evidence: cut files into fixed 1 MiB chunks, seal them into packs, record each file
//! in a signed log entry, and acknowledge only once all of it is durable.
//!
//! Order of durability for a batch of files:
//! 1. every pack holding a new blob is written and synced, then a barrier syncs directories;
//! 2. one entry per file is staged and the log is committed (bundles, barrier, checkpoint,
//!    barrier);
//! 3. only then are the evidence ids returned.
//!
//! A crash at any point leaves either nothing acknowledged (orphan packs, which `verify`
//! reports as harmless) or a complete, verifiable log.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use khronika_crypto::OsEntropy;
use khronika_crypto::hash::{Sha256Hasher, to_hex};
use khronika_domain::evidence::{ClockSource, clean_name};
use khronika_domain::media;
use khronika_store::entry::{MAX_INLINE_OBJECTS, ObjectRef, entry_kind, object_kind};
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::pack::PackBuilder;
use khronika_store::verify::object_list;
use khronika_store::{Backend, CHUNK_SIZE};

use crate::catalog::{BlobLoc, EvidencePayload, EvidenceRecord, encode_manifest, new_evidence_id};
use crate::error::{AppError, ErrorCode};
use crate::time::{now_ms, rfc3339_ms};
use crate::vault::UnlockedVault;

/// Files are committed in batches of at most this many bytes, so that a long ingest becomes
/// durable step by step.
pub const BATCH_BYTES: u64 = 1 << 30;
/// … or this many files.
pub const BATCH_FILES: usize = 1000;

/// A file to add: a reader and its original name.
pub struct Source {
    /// The original file name (for the record).
    pub name: String,
    /// Where it was read from (for messages).
    pub origin: PathBuf,
    /// Size in bytes, if known beforehand.
    pub size: u64,
    /// The bytes.
    pub reader: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("origin", &self.origin)
            .field("size", &self.size)
            .finish()
    }
}

/// One file added.
#[derive(Debug, Clone)]
pub struct Added {
    /// The evidence id.
    pub id: String,
    /// Where the file was read from.
    pub origin: PathBuf,
    /// Its size.
    pub size: u64,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// Its media type.
    pub media_type: String,
    /// New bytes stored for it (0 if every chunk was already in the vault).
    pub new_bytes: u64,
}

/// Open every path as a [`Source`], or fail before anything is written.
pub fn open_sources(paths: &[PathBuf]) -> Result<Vec<Source>, AppError> {
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        out.push(open_source(p)?);
    }
    Ok(out)
}

fn open_source(p: &Path) -> Result<Source, AppError> {
    let bad = |what: String| AppError::new(ErrorCode::InputFile, what);
    let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => bad(format!(
            "{} does not exist; check the path (nothing was added)",
            p.display()
        )),
        std::io::ErrorKind::PermissionDenied => bad(format!(
            "{} cannot be read: permission denied (nothing was added)",
            p.display()
        )),
        _ => bad(format!(
            "{} cannot be read: {e} (nothing was added)",
            p.display()
        )),
    })?;
    if meta.is_dir() {
        return Err(bad(format!(
            "{} is a folder; give the files inside it, e.g. `khronika add {}/*` (nothing was added)",
            p.display(),
            p.display()
        )));
    }
    if !meta.is_file() {
        return Err(bad(format!(
            "{} is not a regular file (a device, pipe or socket); nothing was added",
            p.display()
        )));
    }
    let f = File::open(p).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => bad(format!(
            "{} cannot be read: permission denied (nothing was added)",
            p.display()
        )),
        _ => bad(format!(
            "{} cannot be opened: {e} (nothing was added)",
            p.display()
        )),
    })?;
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Source {
        name,
        origin: p.to_path_buf(),
        size: meta.len(),
        reader: Box::new(f),
    })
}

/// Fill `buf` from `r` as far as possible; return how many bytes were read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A pack being filled, numbered so that blobs can point at it before it has a name.
struct Packer<'a> {
    backend: &'a dyn Backend,
    keys: &'a EpochKeys,
    current: Option<PackBuilder>,
    seq: usize,
    /// Names of finished packs, by sequence number.
    finished: Vec<[u8; 32]>,
    /// Blobs added in this batch: id → (pack sequence number, record).
    added: HashMap<[u8; 32], (usize, khronika_store::pack::IndexRecord)>,
    rng: OsEntropy,
}

impl Packer<'_> {
    fn add(&mut self, kind: u8, id: [u8; 32], plain: &[u8]) -> Result<usize, AppError> {
        let b = self
            .current
            .get_or_insert_with(|| PackBuilder::new(self.keys));
        let rec = b.add(self.keys, kind, id, plain, &mut self.rng)?;
        let seq = self.seq;
        self.added.insert(id, (seq, rec));
        if b.is_full() {
            self.flush()?;
        }
        Ok(seq)
    }

    fn flush(&mut self) -> Result<(), AppError> {
        if let Some(b) = self.current.take() {
            let fin = b.finish(self.keys, &mut self.rng)?;
            self.backend.create(&fin.path(), &fin.stored)?;
            self.finished.push(fin.hash);
            self.seq += 1;
        }
        Ok(())
    }
}

/// What one file became, before its entry is staged.
struct Pending {
    payload: EvidencePayload,
    packs: BTreeSet<usize>,
    added: Added,
}

impl UnlockedVault {
    /// Add files; returns one [`Added`] per source, in order, once all are durable.
    ///
    /// `progress` receives the number of input bytes processed since its last call.
    pub fn add(
        &mut self,
        sources: Vec<Source>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<Added>, AppError> {
        let keys = self.current_keys()?;
        let compartment = keys.compartment;
        self.blob_index(compartment)?;
        let mut done = Vec::with_capacity(sources.len());
        let mut batch: Vec<Source> = Vec::new();
        let mut batch_bytes = 0;
        for s in sources {
            batch_bytes += s.size;
            batch.push(s);
            if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_FILES {
                done.extend(self.add_batch(&keys, std::mem::take(&mut batch), progress)?);
                batch_bytes = 0;
            }
        }
        if !batch.is_empty() {
            done.extend(self.add_batch(&keys, batch, progress)?);
        }
        Ok(done)
    }

    fn add_batch(
        &mut self,
        keys: &EpochKeys,
        sources: Vec<Source>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<Added>, AppError> {
        let backend = self.vault.backend.clone();
        let known = self
            .blob_index
            .get(&keys.compartment)
            .cloned()
            .unwrap_or_default();
        let mut packer = Packer {
            backend: backend.as_ref(),
            keys,
            current: None,
            seq: 0,
            finished: Vec::new(),
            added: HashMap::new(),
            rng: OsEntropy,
        };
        let mut pending = Vec::with_capacity(sources.len());
        let mut buf = vec![0u8; CHUNK_SIZE];
        let mut rng = OsEntropy;
        for mut src in sources {
            let mut sha = Sha256Hasher::new();
            let mut chunks = Vec::new();
            let mut packs = BTreeSet::new();
            let (mut size, mut new_bytes) = (0u64, 0u64);
            let mut media_type = None;
            loop {
                let n = read_full(src.reader.as_mut(), &mut buf).map_err(|e| {
                    AppError::new(
                        ErrorCode::InputFile,
                        format!(
                            "{} could not be read: {e}; nothing from this batch was added",
                            src.origin.display()
                        ),
                    )
                })?;
                if n == 0 && size > 0 {
                    break;
                }
                let chunk = &buf[..n];
                if media_type.is_none() {
                    media_type = Some(media::sniff(&chunk[..n.min(media::SNIFF_LEN)], &src.name));
                }
                sha.update(chunk);
                size += n as u64;
                let id = keys.blob_id(kind::CHUNK, chunk);
                chunks.push(id);
                if !known.contains_key(&id) && !packer.added.contains_key(&id) {
                    packs.insert(packer.add(kind::CHUNK, id, chunk)?);
                    new_bytes += n as u64;
                }
                progress(n as u64);
                if n < CHUNK_SIZE {
                    break;
                }
            }
            let manifest = encode_manifest(size, &chunks);
            let mid = keys.blob_id(kind::MANIFEST, &manifest);
            if !known.contains_key(&mid) && !packer.added.contains_key(&mid) {
                packs.insert(packer.add(kind::MANIFEST, mid, &manifest)?);
            }
            let time_ms = now_ms();
            let payload = EvidencePayload {
                v: 1,
                id: new_evidence_id(&mut rng)?,
                name: clean_name(&src.name),
                size,
                sha256: to_hex(&sha.finalize()),
                media_type: media_type.unwrap_or("application/octet-stream").to_owned(),
                added_by: self.member.to_hex(),
                device: self.vault.marker.device.to_hex(),
                time: rfc3339_ms(time_ms),
                clock: ClockSource::System.as_str().to_owned(),
                manifest: to_hex(&mid),
                salts: Default::default(),
            };
            let added = Added {
                id: payload.id.clone(),
                origin: src.origin.clone(),
                size,
                sha256: payload.sha256.clone(),
                media_type: payload.media_type.clone(),
                new_bytes,
            };
            pending.push(Pending {
                payload,
                packs,
                added,
            });
        }
        packer.flush()?;
        // Object lists for files that added more packs than an entry can list.
        let mut objects_of = Vec::with_capacity(pending.len());
        for p in &pending {
            let refs: Vec<ObjectRef> = p
                .packs
                .iter()
                .map(|&s| ObjectRef {
                    kind: object_kind::PACK,
                    hash: packer.finished[s],
                })
                .collect();
            if refs.len() > MAX_INLINE_OBJECTS {
                let list = object_list::encode(&refs);
                let h = khronika_crypto::hash::sha256(list.as_bytes());
                backend.create(&khronika_store::ObjectPath::object(&h), &list)?;
                objects_of.push(vec![ObjectRef {
                    kind: object_kind::OBJECT_LIST,
                    hash: h,
                }]);
            } else {
                objects_of.push(refs);
            }
        }
        backend.barrier()?;
        let m = self.vault.marker.clone();
        let mut out = Vec::with_capacity(pending.len());
        let mut records = Vec::with_capacity(pending.len());
        for (mut p, objects) in pending.into_iter().zip(objects_of) {
            let index = self.log.next_index();
            let commitments = p.payload.commit(&mut rng)?;
            let sealed = p.payload.seal(keys, &m.vault, &m.device, index, &mut rng)?;
            let e = self.log.stage(
                &self.device_key,
                entry_kind::EVIDENCE_ADD,
                keys.compartment,
                keys.epoch,
                objects,
                commitments,
                sealed,
            )?;
            records.push((e, p.payload));
            out.push(p.added);
        }
        self.log.commit(backend.as_ref(), &self.device_key)?;
        // Acknowledged: update the in-memory views.
        let index = self.blob_index.entry(keys.compartment).or_default();
        for (id, (seq, rec)) in packer.added {
            index.entry(id).or_insert(BlobLoc {
                pack: packer.finished[seq],
                rec,
            });
        }
        for (e, payload) in records {
            self.evidence.push(EvidenceRecord {
                payload: payload.clone(),
                device: m.device,
                index: e.body.index,
                compartment: keys.compartment,
                epoch: keys.epoch,
            });
            self.lines.push(crate::vault::LogLine {
                entry: e,
                evidence: Some(payload),
            });
        }
        Ok(out)
    }
}
