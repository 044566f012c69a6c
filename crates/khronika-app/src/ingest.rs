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
//!
//! The work is a pipeline so that reading, hashing, sealing and writing overlap:
//!
//! ```text
//! reader (this thread)      sealers (one per core)       packer          writer        syncers (2)
//! read 1 MiB       ──►  blob id, dedup, seal   ──►   append, close ──► hand over ──► fsync, link
//!   └► hashers (2): SHA-256 of each file              16 MiB packs     (page cache)  (drop cache)
//!        ▲ free buffers ◄──────────┘
//! ```
//!
//! The writer hands each pack to the storage at once ([`Backend::start_create`]: on a local
//! vault a write into the page cache), so the disk always has the next packs queued while the
//! syncers wait for earlier ones, also while the sealers only find duplicates. Synced packs
//! leave the page cache, so a long ingest recycles the same memory.
//!
//! Channels are bounded, so memory stays at about a hundred MiB whatever the file sizes, and
//! at most `HANDED` (8) packs wait in the page cache for the disk.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use khronika_crypto::OsEntropy;
use khronika_crypto::hash::{Sha256Hasher, sha256, to_hex};
use khronika_domain::evidence::{ClockSource, clean_name};
use khronika_domain::media;
use khronika_store::entry::{MAX_INLINE_OBJECTS, ObjectRef, entry_kind, object_kind};
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::pack::{FinishedPack, IndexRecord, PackBuilder, SealedBlob, seal_blob};
use khronika_store::verify::object_list;
use khronika_store::{Backend, CHUNK_SIZE, ObjectPath, PendingCreate};

use crate::catalog::{BlobLoc, EvidencePayload, EvidenceRecord, encode_manifest, new_evidence_id};
use crate::error::{AppError, ErrorCode};
use crate::time::{now_ms, rfc3339_ms};
use crate::vault::{LogLine, UnlockedVault};

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

/// A chunk on its way from the reader to a worker.
struct Job {
    file: usize,
    seq: usize,
    /// Shared with the hasher; whoever finishes with it last returns it to the free pool.
    data: Arc<Vec<u8>>,
}

/// What the hasher is told, in reading order.
enum HashMsg {
    /// The next chunk of the current file.
    Chunk(Arc<Vec<u8>>),
    /// The current file ended.
    End,
}

/// Give a chunk buffer back to the reader once no stage holds it any more.
fn release(data: Arc<Vec<u8>>, free: &SyncSender<Vec<u8>>) {
    // Exactly one of the concurrent callers gets the buffer back.
    if let Some(buf) = Arc::into_inner(data) {
        // The reader may have stopped; a buffer nobody wants is simply dropped.
        let _ = free.try_send(buf);
    }
}

/// The hasher: each file's SHA-256 over its chunks in order, off the reader's thread.
fn hash_files(msgs: Receiver<HashMsg>, free: SyncSender<Vec<u8>>) -> Vec<[u8; 32]> {
    let mut out = Vec::new();
    let mut sha = Sha256Hasher::new();
    for m in msgs {
        match m {
            HashMsg::Chunk(data) => {
                sha.update(&data);
                release(data, &free);
            }
            HashMsg::End => {
                out.push(std::mem::replace(&mut sha, Sha256Hasher::new()).finalize());
            }
        }
    }
    out
}

/// Why a pipeline stage stopped.
enum Stop {
    /// A real error, to report.
    Failed(AppError),
    /// Another stage stopped first and closed its channel; its error is the one to report.
    Downstream,
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Stop::Failed(e)
    }
}

impl From<khronika_store::StoreError> for Stop {
    fn from(e: khronika_store::StoreError) -> Self {
        Stop::Failed(e.into())
    }
}

impl From<khronika_store::BackendError> for Stop {
    fn from(e: khronika_store::BackendError) -> Self {
        Stop::Failed(e.into())
    }
}

/// What the reader learned about one file.
struct FileFacts {
    size: u64,
    sha256: [u8; 32],
    media_type: &'static str,
    chunks: usize,
}

/// What the pipeline produced for a batch.
struct Batch {
    /// Per file, in order: size, digest, media type, chunk count.
    facts: Vec<FileFacts>,
    /// Per file, in order: its manifest's plaintext.
    manifests: Vec<Vec<u8>>,
    /// Chunk ids by (file, chunk number).
    ids: HashMap<(usize, usize), [u8; 32]>,
    /// Blobs newly packed: id → (pack sequence number, index record).
    added: HashMap<[u8; 32], (usize, IndexRecord)>,
    /// Pack names by sequence number.
    packs: Vec<[u8; 32]>,
}

/// Read every source in order into 1 MiB jobs, hashing each file as it goes.
/// The reader: each file in 1 MiB chunks, to the sealers and (in order) to the hasher. The
/// returned facts' `sha256` is filled in from the hasher afterwards.
fn read_sources(
    sources: &mut [Source],
    jobs: &SyncSender<Job>,
    hashers: &[SyncSender<HashMsg>],
    free: &Receiver<Vec<u8>>,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<FileFacts>, Stop> {
    let mut facts = Vec::with_capacity(sources.len());
    for (file, src) in sources.iter_mut().enumerate() {
        let hasher = &hashers[file % hashers.len()];
        let (mut size, mut seq) = (0u64, 0usize);
        let mut media_type = None;
        loop {
            let mut buf = free.recv().map_err(|_| Stop::Downstream)?;
            buf.resize(CHUNK_SIZE, 0);
            let n = read_full(src.reader.as_mut(), &mut buf).map_err(|e| {
                AppError::new(
                    ErrorCode::InputFile,
                    format!(
                        "{} could not be read: {e}; nothing from this batch was added",
                        src.origin.display()
                    ),
                )
            })?;
            if n == 0 && seq > 0 {
                break;
            }
            buf.truncate(n);
            if media_type.is_none() {
                media_type = Some(media::sniff(&buf[..n.min(media::SNIFF_LEN)], &src.name));
            }
            size += n as u64;
            let data = Arc::new(buf);
            hasher
                .send(HashMsg::Chunk(data.clone()))
                .map_err(|_| Stop::Downstream)?;
            jobs.send(Job { file, seq, data })
                .map_err(|_| Stop::Downstream)?;
            seq += 1;
            progress(n as u64);
            if n < CHUNK_SIZE {
                break;
            }
        }
        hasher.send(HashMsg::End).map_err(|_| Stop::Downstream)?;
        facts.push(FileFacts {
            size,
            sha256: [0; 32],
            media_type: media_type.unwrap_or("application/octet-stream"),
            chunks: seq,
        });
    }
    Ok(facts)
}

/// A worker: identify each chunk, claim it if no one has, seal it, pass it on.
fn work(
    keys: &EpochKeys,
    jobs: &Mutex<Receiver<Job>>,
    claimed: &Mutex<HashSet<[u8; 32]>>,
    ids: &Mutex<HashMap<(usize, usize), [u8; 32]>>,
    blobs: &SyncSender<SealedBlob>,
    free: &SyncSender<Vec<u8>>,
    sealed_free: &Mutex<Vec<Vec<u8>>>,
) -> Result<(), Stop> {
    let mut rng = OsEntropy;
    loop {
        // The lock is held only while waiting for the next job.
        let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
            Ok(j) => j,
            Err(_) => return Ok(()),
        };
        let id = keys.blob_id(kind::CHUNK, &job.data);
        ids.lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((job.file, job.seq), id);
        let fresh = claimed.lock().unwrap_or_else(|p| p.into_inner()).insert(id);
        if fresh {
            let out = sealed_free
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop()
                .unwrap_or_default();
            let blob = seal_blob(keys, kind::CHUNK, id, &job.data, &mut rng, out)?;
            blobs.send(blob).map_err(|_| Stop::Downstream)?;
        }
        release(job.data, free);
    }
}

/// The packer: append sealed blobs to packs and hand full packs to the writer.
fn pack(
    keys: &EpochKeys,
    blobs: Receiver<SealedBlob>,
    packs: SyncSender<(usize, FinishedPack)>,
    sealed_free: &Mutex<Vec<Vec<u8>>>,
) -> Result<HashMap<[u8; 32], (usize, IndexRecord)>, Stop> {
    let mut rng = OsEntropy;
    let mut added = HashMap::new();
    let mut current: Option<PackBuilder> = None;
    let mut seq = 0;
    for blob in blobs {
        let b = current.get_or_insert_with(|| PackBuilder::new(keys));
        let rec = b.push_sealed(&blob)?;
        added.insert(blob.id, (seq, rec));
        let mut pool = sealed_free.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < 8 {
            pool.push(blob.into_buffer());
        }
        drop(pool);
        if b.is_full()
            && let Some(full) = current.take()
        {
            packs
                .send((seq, full.finish(keys, &mut rng)?))
                .map_err(|_| Stop::Downstream)?;
            seq += 1;
        }
    }
    if let Some(last) = current.take() {
        packs
            .send((seq, last.finish(keys, &mut rng)?))
            .map_err(|_| Stop::Downstream)?;
    }
    Ok(added)
}

/// A pack handed to the storage, waiting for its sync: (sequence number, name, creation).
type Handed<'a> = (usize, [u8; 32], Box<dyn PendingCreate + 'a>);

/// The writer: hand each pack to the storage as it comes (on a local vault, a write into the
/// page cache), so that the pack's memory is free at once and the disk always has the next
/// packs queued while the syncers wait for earlier ones.
fn write<'a>(
    backend: &'a dyn Backend,
    packs: Receiver<(usize, FinishedPack)>,
    handed: SyncSender<Handed<'a>>,
) -> Result<(), Stop> {
    for (seq, p) in packs {
        let started = backend.start_create(&p.path(), &p.stored)?;
        handed
            .send((seq, p.hash, started))
            .map_err(|_| Stop::Downstream)?;
    }
    Ok(())
}

/// A syncer: finish the creation of handed packs (fsync, then the name). Several run, so that
/// one pack's journal commit overlaps the next one's transfer. Returns (sequence number, name).
fn sync(handed: &Mutex<Receiver<Handed<'_>>>) -> Result<Vec<(usize, [u8; 32])>, Stop> {
    let mut names = Vec::new();
    loop {
        let next = handed.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok((seq, hash, pending)) = next else {
            return Ok(names);
        };
        pending.finish()?;
        names.push((seq, hash));
    }
}

/// Number of file hashers (SHA-256 of each whole file).
const HASHERS: usize = 2;

/// Number of syncers.
const SYNCERS: usize = 2;
/// Packs handed to the storage and not yet synced, at most (beyond those being synced): up to
/// this many times 16 MiB waits in the page cache for the disk, not in the process's memory.
const HANDED: usize = 8;

/// Of the stages' outcomes, the error to report: the first real one, downstream first (a
/// full disk at the writer explains why the reader could not send).
fn first_error(errors: Vec<Option<Stop>>) -> AppError {
    for e in errors.into_iter().flatten() {
        if let Stop::Failed(e) = e {
            return e;
        }
    }
    AppError::internal("the ingest pipeline stopped without saying why")
}

fn joined<T>(r: std::thread::Result<Result<T, Stop>>) -> Result<T, Stop> {
    r.unwrap_or_else(|_| {
        Err(Stop::Failed(AppError::internal(
            "an ingest thread panicked",
        )))
    })
}

/// Run the pipeline over one batch: every chunk identified, every new blob (chunks and the
/// manifests) sealed into packs, and the packs created (not yet behind a barrier).
fn store_batch(
    backend: &dyn Backend,
    keys: &EpochKeys,
    known: HashSet<[u8; 32]>,
    sources: &mut [Source],
    progress: &mut dyn FnMut(u64),
) -> Result<Batch, AppError> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let claimed = Mutex::new(known);
    let ids = Mutex::new(HashMap::new());
    let sealed_free = Mutex::new(Vec::new());
    let (job_tx, job_rx) = sync_channel::<Job>(workers * 2);
    let job_rx = Mutex::new(job_rx);
    let buffers = workers * 4 + HASHERS * 2 + 4;
    let (free_tx, free_rx) = sync_channel::<Vec<u8>>(buffers);
    for _ in 0..buffers {
        let _ = free_tx.try_send(Vec::with_capacity(CHUNK_SIZE));
    }
    let (blob_tx, blob_rx) = sync_channel::<SealedBlob>(workers * 2);
    let (pack_tx, pack_rx) = sync_channel::<(usize, FinishedPack)>(1);
    let (handed_tx, handed_rx) = sync_channel::<Handed<'_>>(HANDED);
    let handed_rx = Mutex::new(handed_rx);

    std::thread::scope(|s| {
        // Named, so that a profile (`perf report -s comm`) shows what each stage costs.
        let named = |name: &str| std::thread::Builder::new().name(format!("khronika-{name}"));
        let syncers: Vec<_> = (0..SYNCERS)
            .map(|_| {
                named("syncer")
                    .spawn_scoped(s, || sync(&handed_rx))
                    .map_err(|e| AppError::internal(format!("cannot start a syncer: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let writer = named("writer")
            .spawn_scoped(s, move || write(backend, pack_rx, handed_tx))
            .map_err(|e| AppError::internal(format!("cannot start the writer: {e}")))?;
        let packer = named("packer")
            .spawn_scoped(s, || pack(keys, blob_rx, pack_tx, &sealed_free))
            .map_err(|e| AppError::internal(format!("cannot start the packer: {e}")))?;
        let mut pool = Vec::new();
        for _ in 0..workers {
            let (blobs, free) = (blob_tx.clone(), free_tx.clone());
            let (jobs, claimed, ids, sealed_free) = (&job_rx, &claimed, &ids, &sealed_free);
            pool.push(
                named("sealer")
                    .spawn_scoped(s, move || {
                        work(keys, jobs, claimed, ids, &blobs, &free, sealed_free)
                    })
                    .map_err(|e| AppError::internal(format!("cannot start a sealer: {e}")))?,
            );
        }
        // File i goes to hasher i % HASHERS, so that many small files (duplicates, which need
        // no sealing) are hashed two at a time.
        let mut hash_txs = Vec::with_capacity(HASHERS);
        let mut hashers = Vec::with_capacity(HASHERS);
        for _ in 0..HASHERS {
            let (hash_tx, hash_rx) = sync_channel::<HashMsg>(workers * 2);
            let hash_free = free_tx.clone();
            hash_txs.push(hash_tx);
            hashers.push(
                named("hasher")
                    .spawn_scoped(s, move || hash_files(hash_rx, hash_free))
                    .map_err(|e| AppError::internal(format!("cannot start a hasher: {e}")))?,
            );
        }
        drop(free_tx);
        let mut read = read_sources(sources, &job_tx, &hash_txs, &free_rx, progress);
        drop(job_tx);
        drop(hash_txs);
        let digests: Vec<Vec<[u8; 32]>> = hashers
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        if let Ok(facts) = &mut read {
            let mut next = [0usize; HASHERS];
            for (file, f) in facts.iter_mut().enumerate() {
                let k = file % HASHERS;
                match digests[k].get(next[k]) {
                    Some(d) => f.sha256 = *d,
                    None => {
                        read = Err(Stop::Failed(AppError::internal(
                            "a hasher stopped before every file was hashed",
                        )));
                        break;
                    }
                }
                next[k] += 1;
            }
        }
        let mut worker_errors = Vec::new();
        for w in pool {
            if let Err(e) = joined(w.join()) {
                worker_errors.push(Some(e));
            }
        }
        // Manifests, once every chunk id is known.
        let ids = std::mem::take(&mut *ids.lock().unwrap_or_else(|p| p.into_inner()));
        let manifests = match &read {
            Ok(facts) if worker_errors.is_empty() => {
                seal_manifests(keys, facts, &ids, &claimed, &blob_tx)
            }
            _ => Ok(Vec::new()),
        };
        drop(blob_tx);
        let packed = joined(packer.join());
        let handed = joined(writer.join());
        let written = syncers
            .into_iter()
            .map(|w| joined(w.join()))
            .collect::<Result<Vec<_>, _>>()
            .map(|parts| {
                let mut all: Vec<(usize, [u8; 32])> = parts.into_iter().flatten().collect();
                all.sort_unstable();
                all.into_iter().map(|(_, h)| h).collect::<Vec<_>>()
            });
        match (read, manifests, packed, written) {
            (Ok(facts), Ok(manifests), Ok(added), Ok(packs))
                if worker_errors.is_empty() && handed.is_ok() =>
            {
                Ok(Batch {
                    facts,
                    manifests,
                    ids,
                    added,
                    packs,
                })
            }
            (read, manifests, packed, written) => {
                let mut errs = vec![written.err(), handed.err(), packed.err()];
                errs.extend(worker_errors);
                errs.push(manifests.err());
                errs.push(read.err());
                Err(first_error(errs))
            }
        }
    })
}

/// Build each file's manifest, and seal and send the ones not yet stored.
fn seal_manifests(
    keys: &EpochKeys,
    facts: &[FileFacts],
    ids: &HashMap<(usize, usize), [u8; 32]>,
    claimed: &Mutex<HashSet<[u8; 32]>>,
    blobs: &SyncSender<SealedBlob>,
) -> Result<Vec<Vec<u8>>, Stop> {
    let mut rng = OsEntropy;
    let mut out = Vec::with_capacity(facts.len());
    for (file, f) in facts.iter().enumerate() {
        let chunks: Vec<[u8; 32]> = (0..f.chunks)
            .map(|seq| {
                ids.get(&(file, seq))
                    .copied()
                    .ok_or_else(|| AppError::internal("a chunk was never identified"))
            })
            .collect::<Result<_, _>>()?;
        let manifest = encode_manifest(f.size, &chunks);
        let mid = keys.blob_id(kind::MANIFEST, &manifest);
        if claimed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(mid)
        {
            let blob = seal_blob(keys, kind::MANIFEST, mid, &manifest, &mut rng, Vec::new())?;
            blobs.send(blob).map_err(|_| Stop::Downstream)?;
        }
        out.push(manifest);
    }
    Ok(out)
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
        self.blob_index(keys.compartment)?;
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
        mut sources: Vec<Source>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<Added>, AppError> {
        let backend = self.vault.backend.clone();
        let known: HashSet<[u8; 32]> = self
            .blob_index
            .get(&keys.compartment)
            .map(|i| i.keys().copied().collect())
            .unwrap_or_default();
        let stored = store_batch(backend.as_ref(), keys, known, &mut sources, progress)?;

        // Which packs each file's new blobs went to, and how many new bytes it brought.
        let mut rng = OsEntropy;
        let mut counted: HashSet<[u8; 32]> = HashSet::new();
        let mut staged = Vec::with_capacity(stored.facts.len());
        for (file, (f, manifest)) in stored.facts.iter().zip(&stored.manifests).enumerate() {
            let mid = keys.blob_id(kind::MANIFEST, manifest);
            let mut packs = BTreeSet::new();
            let mut new_bytes = 0;
            for seq in 0..f.chunks {
                let id = stored.ids[&(file, seq)];
                if let Some((p, rec)) = stored.added.get(&id) {
                    packs.insert(*p);
                    if counted.insert(id) {
                        new_bytes += u64::from(rec.plain_len);
                    }
                }
            }
            if let Some((p, _)) = stored.added.get(&mid) {
                packs.insert(*p);
            }
            let refs: Vec<ObjectRef> = packs
                .iter()
                .map(|&s| ObjectRef {
                    kind: object_kind::PACK,
                    hash: stored.packs[s],
                })
                .collect();
            let objects = if refs.len() > MAX_INLINE_OBJECTS {
                let list = object_list::encode(&refs);
                let h = sha256(list.as_bytes());
                backend.create(&ObjectPath::object(&h), &list)?;
                vec![ObjectRef {
                    kind: object_kind::OBJECT_LIST,
                    hash: h,
                }]
            } else {
                refs
            };
            let time_ms = now_ms();
            let src = &sources[file];
            let payload = EvidencePayload {
                v: 1,
                id: new_evidence_id(&mut rng)?,
                name: clean_name(&src.name),
                size: f.size,
                sha256: to_hex(&f.sha256),
                media_type: f.media_type.to_owned(),
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
                size: f.size,
                sha256: payload.sha256.clone(),
                media_type: payload.media_type.clone(),
                new_bytes,
            };
            staged.push((payload, objects, added));
        }
        backend.barrier()?;

        let m = self.vault.marker.clone();
        let mut out = Vec::with_capacity(staged.len());
        let mut records = Vec::with_capacity(staged.len());
        for (mut payload, objects, added) in staged {
            let index = self.log.next_index();
            let commitments = payload.commit(&mut rng)?;
            let sealed = payload.seal(keys, &m.vault, &m.device, index, &mut rng)?;
            let e = self.log.stage(
                &self.device_key,
                entry_kind::EVIDENCE_ADD,
                keys.compartment,
                keys.epoch,
                objects,
                commitments,
                sealed,
            )?;
            records.push((e, payload));
            out.push(added);
        }
        self.log.commit(backend.as_ref(), &self.device_key)?;

        // Acknowledged: update the in-memory views.
        let index = self.blob_index.entry(keys.compartment).or_default();
        for (id, (seq, rec)) in stored.added {
            index.entry(id).or_insert(BlobLoc {
                pack: stored.packs[seq],
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
            self.lines.push(LogLine {
                entry: e,
                evidence: Some(payload),
            });
        }
        Ok(out)
    }
}
