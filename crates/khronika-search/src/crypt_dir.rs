//! [`CryptDir`]: a tantivy [`Directory`] that keeps no plaintext on disk.
//!
//! Every file tantivy writes is cut into blocks of [`BLOCK_SIZE`] bytes, each sealed on its
//! own with XChaCha20-Poly1305 (a fresh random nonce each) under the index's block key; the
//! associated data binds the index id, the file's name and the block's number, and marks the
//! file's last block, so that blocks cannot be moved within a file, between files or between
//! indexes, and a file cut short at a block boundary is noticed. Names on disk are keyed
//! hashes of tantivy's names. Reading decrypts the blocks a range touches, through a bounded
//! LRU cache of decrypted blocks shared by every file of the directory.
//!
//! Tantivy's files are immutable once written, and here every file is created once
//! (`O_EXCL`), never opened for writing again. The two files tantivy replaces,
//! `meta.json` and `.managed.json` ([`Directory::atomic_write`]), are kept as numbered
//! versions instead: a new version is written to a temporary file, synced, hard-linked to
//! the next number (which fails rather than overwrite), the temporary name removed and the
//! folder synced; only then are older versions deleted. A reader takes the highest number;
//! its number is in its associated data, so an old version renamed to a newer number does
//! not open. `docs/FORMATS.md` gives every byte.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::Range;
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use khronika_crypto::aead::{self, NONCE_LEN, OVERHEAD};
use khronika_crypto::secret::SecretBytes;
use khronika_crypto::{Entropy, Key32, OsEntropy, hash};
use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, TerminatingWrite,
    WatchCallback, WatchHandle, WritePtr,
};
use zeroize::Zeroizing;

use crate::key::SearchKey;

/// Plaintext bytes per block (the last block of a file may hold fewer, down to none).
pub const BLOCK_SIZE: usize = 64 * 1024;
/// Bytes a sealed block takes on disk when full.
pub const SEALED_BLOCK: usize = BLOCK_SIZE + OVERHEAD;
/// The first bytes of every block's associated data.
pub const AD_MAGIC: &[u8; 8] = b"KHRSRCH1";
/// Length of a block's associated data.
pub const AD_LEN: usize = 8 + 16 + 32 + 8 + 1;
/// Name of the header file: magic, index id, and a sealed check value.
pub const HEADER_FILE: &str = "khronika-search";
/// First bytes of the header file.
pub const HEADER_MAGIC: &[u8; 16] = b"KHRONIKA-SEARCH\n";
/// The header's format version.
pub const FORMAT_VERSION: u8 = 1;
/// What the header's sealed check value holds.
const HEADER_CHECK: &[u8] = b"khronika search index v1";
/// Header length: magic, version, id, sealed check.
const HEADER_LEN: usize = 16 + 1 + 16 + OVERHEAD + HEADER_CHECK.len();

/// Why a block did not open: carried inside an `io::Error` through tantivy, so that the
/// search layer can tell damage from other faults.
#[derive(Debug, thiserror::Error)]
#[error("search index file {file} is damaged: {detail}")]
pub struct Damage {
    /// The file on disk.
    pub file: PathBuf,
    /// What is wrong.
    pub detail: String,
}

fn damage(file: &Path, detail: impl Into<String>) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        Damage {
            file: file.to_path_buf(),
            detail: detail.into(),
        },
    )
}

/// Errors of [`CryptDir::open`].
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The key does not open the header: another compartment's or epoch's index.
    #[error("wrong key")]
    WrongKey,
    /// The folder holds something else, or a header of another format.
    #[error("not a search index: {0}")]
    NotAnIndex(String),
    /// The system refused.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The associated data of block `number` of the file whose name hash is `name`.
pub fn block_ad(index_id: &[u8; 16], name: &[u8; 32], number: u64, last: bool) -> [u8; AD_LEN] {
    let mut ad = [0u8; AD_LEN];
    ad[..8].copy_from_slice(AD_MAGIC);
    ad[8..24].copy_from_slice(index_id);
    ad[24..56].copy_from_slice(name);
    ad[56..64].copy_from_slice(&number.to_be_bytes());
    ad[64] = u8::from(last);
    ad
}

fn header_ad(index_id: &[u8; 16]) -> [u8; AD_LEN] {
    block_ad(index_id, &[0xff; 32], u64::MAX, true)
}

/// The keys and identity every file of one index shares.
struct Keys {
    block: Key32,
    name: Key32,
    index_id: [u8; 16],
}

impl Keys {
    /// The hash a file's blocks are bound to: of tantivy's name, and for a versioned file,
    /// of its version number.
    fn name_hash(&self, logical: &Path, version: Option<u64>) -> [u8; 32] {
        let mut data = logical.to_string_lossy().into_owned().into_bytes();
        if let Some(v) = version {
            data.push(0);
            data.extend_from_slice(&v.to_be_bytes());
        }
        hash::keyed(&self.name, &data)
    }

    /// The file's name on disk (without a version suffix).
    fn disk_stem(&self, logical: &Path) -> String {
        let h = self.name_hash(logical, None);
        hash::to_hex(&h[..16])
    }
}

/// A bounded LRU cache of decrypted blocks, keyed by (open file, block number).
struct BlockCache {
    capacity: usize,
    tick: u64,
    map: HashMap<(u64, u64), (Arc<SecretBytes>, u64)>,
    order: BTreeMap<u64, (u64, u64)>,
}

impl BlockCache {
    fn new(capacity: usize) -> BlockCache {
        BlockCache {
            capacity: capacity.max(1),
            tick: 0,
            map: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    fn get(&mut self, key: (u64, u64)) -> Option<Arc<SecretBytes>> {
        self.tick += 1;
        let tick = self.tick;
        let (block, used) = self.map.get_mut(&key)?;
        self.order.remove(used);
        *used = tick;
        self.order.insert(tick, key);
        Some(Arc::clone(block))
    }

    fn put(&mut self, key: (u64, u64), block: Arc<SecretBytes>) {
        self.tick += 1;
        if let Some((_, used)) = self.map.insert(key, (block, self.tick)) {
            self.order.remove(&used);
        }
        self.order.insert(self.tick, key);
        while self.map.len() > self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.map.remove(&oldest);
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

struct Shared {
    root: PathBuf,
    keys: Keys,
    cache: Mutex<BlockCache>,
    next_file: AtomicU64,
    versions: Mutex<()>,
}

/// The encrypted directory. Cheap to clone (tantivy clones it for its threads).
#[derive(Clone)]
pub struct CryptDir(Arc<Shared>);

impl std::fmt::Debug for CryptDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CryptDir({})", self.0.root.display())
    }
}

fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

impl CryptDir {
    /// Open the index folder `root` with `key`, creating the folder (owner-only) and its
    /// header if there is none. `cache_blocks` bounds the decrypted blocks kept in memory
    /// (each [`BLOCK_SIZE`] bytes).
    pub fn open(root: &Path, key: &SearchKey, cache_blocks: usize) -> Result<CryptDir, OpenError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)?;
        let block = key.block_key();
        let header_path = root.join(HEADER_FILE);
        let index_id = match fs::read(&header_path) {
            Ok(bytes) => read_header(&bytes, &block)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if fs::read_dir(root)?.next().is_some() {
                    return Err(OpenError::NotAnIndex(
                        "the folder is not empty and has no search index header".into(),
                    ));
                }
                write_header(root, &block)?
            }
            Err(e) => return Err(e.into()),
        };
        // Temporary files of versions interrupted by a crash: ciphertext, unreferenced.
        for e in fs::read_dir(root)? {
            let e = e?;
            if e.file_name().to_string_lossy().starts_with("tmp-") {
                fs::remove_file(e.path())?;
            }
        }
        Ok(CryptDir(Arc::new(Shared {
            root: root.to_path_buf(),
            keys: Keys {
                block,
                name: key.name_key(),
                index_id,
            },
            cache: Mutex::new(BlockCache::new(cache_blocks)),
            next_file: AtomicU64::new(1),
            versions: Mutex::new(()),
        })))
    }

    /// The index's id (random, chosen when it was created).
    pub fn index_id(&self) -> [u8; 16] {
        self.0.keys.index_id
    }

    /// Decrypted blocks in the cache now.
    pub fn cached_blocks(&self) -> usize {
        self.cache().len()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, BlockCache> {
        self.0.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn disk_path(&self, logical: &Path) -> PathBuf {
        self.0.root.join(self.0.keys.disk_stem(logical))
    }

    /// Versions of a versioned file on disk, highest last.
    fn versions(&self, logical: &Path) -> io::Result<Vec<u64>> {
        let prefix = format!("{}.", self.0.keys.disk_stem(logical));
        let mut out = Vec::new();
        for e in fs::read_dir(&self.0.root)? {
            let name = e?.file_name();
            let name = name.to_string_lossy();
            if let Some(v) = name.strip_prefix(&prefix).and_then(|v| v.parse().ok()) {
                out.push(v);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    fn versioned_path(&self, logical: &Path, version: u64) -> PathBuf {
        self.0
            .root
            .join(format!("{}.{version}", self.0.keys.disk_stem(logical)))
    }

    /// Seal `data` as the file `path` whose blocks are bound to `name`, created new.
    fn write_sealed(&self, path: &Path, name: [u8; 32], data: &[u8]) -> io::Result<()> {
        let file = create_new(path)?;
        let mut w = BlockWriter::new(self.clone(), file, path.to_path_buf(), name);
        w.write_all(data)?;
        w.finish()
    }

    /// Read and decrypt a whole file.
    fn read_sealed(&self, path: &Path, name: [u8; 32]) -> io::Result<SecretBytes> {
        let handle = CryptFile::open(self.clone(), path, name)?;
        let bytes = handle.read_range(0..handle.len)?;
        Ok(bytes)
    }
}

fn write_header(root: &Path, block: &Key32) -> Result<[u8; 16], OpenError> {
    let mut rng = OsEntropy;
    let mut id = [0u8; 16];
    rng.fill(&mut id)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    bytes.extend_from_slice(HEADER_MAGIC);
    bytes.push(FORMAT_VERSION);
    bytes.extend_from_slice(&id);
    aead::seal_into(block, &header_ad(&id), HEADER_CHECK, &mut rng, &mut bytes)
        .map_err(|e| io::Error::other(e.to_string()))?;
    // Written whole under a temporary name, then linked into place: never a half header.
    let mut tmp_name = [0u8; 8];
    rng.fill(&mut tmp_name)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let tmp = root.join(format!("tmp-{}", hash::to_hex(&tmp_name)));
    let mut f = create_new(&tmp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    let linked = fs::hard_link(&tmp, root.join(HEADER_FILE));
    fs::remove_file(&tmp)?;
    linked?;
    sync_dir(root)?;
    Ok(id)
}

fn read_header(bytes: &[u8], block: &Key32) -> Result<[u8; 16], OpenError> {
    if bytes.len() < 17 || &bytes[..16] != HEADER_MAGIC {
        return Err(OpenError::NotAnIndex(
            "its header is not a search index header".into(),
        ));
    }
    if bytes[16] != FORMAT_VERSION {
        return Err(OpenError::NotAnIndex(format!(
            "its format version is {} and this version of Khronika reads {FORMAT_VERSION}",
            bytes[16]
        )));
    }
    if bytes.len() != HEADER_LEN {
        return Err(OpenError::NotAnIndex(
            "its header has the wrong length".into(),
        ));
    }
    let mut id = [0u8; 16];
    id.copy_from_slice(&bytes[17..33]);
    match aead::open(block, &header_ad(&id), &bytes[33..]) {
        Ok(check) if &check[..] == HEADER_CHECK => Ok(id),
        _ => Err(OpenError::WrongKey),
    }
}

/// An open, immutable, encrypted file.
struct CryptFile {
    dir: CryptDir,
    file: File,
    path: PathBuf,
    name: [u8; 32],
    uid: u64,
    /// Plaintext length.
    len: usize,
    /// Number of blocks (at least one).
    blocks: u64,
}

impl std::fmt::Debug for CryptFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CryptFile({}, {} bytes)", self.path.display(), self.len)
    }
}

impl CryptFile {
    fn open(dir: CryptDir, path: &Path, name: [u8; 32]) -> io::Result<CryptFile> {
        let file = File::open(path)?;
        let disk_len = usize::try_from(file.metadata()?.len())
            .map_err(|_| damage(path, "larger than this machine can address"))?;
        if disk_len < OVERHEAD {
            return Err(damage(path, "shorter than one sealed block"));
        }
        let blocks = disk_len.div_ceil(SEALED_BLOCK);
        let last_sealed = disk_len - (blocks - 1) * SEALED_BLOCK;
        if last_sealed < OVERHEAD {
            return Err(damage(path, "its last block is cut short"));
        }
        let uid = dir.0.next_file.fetch_add(1, Ordering::Relaxed);
        let f = CryptFile {
            dir,
            file,
            path: path.to_path_buf(),
            name,
            uid,
            len: (blocks - 1) * BLOCK_SIZE + (last_sealed - OVERHEAD),
            blocks: blocks as u64,
        };
        // Opening the last block checks the key, the name and that nothing was cut off.
        f.block_ref(f.blocks - 1)?;
        Ok(f)
    }

    /// Block `n`, decrypted, from the cache or the disk.
    fn block_ref(&self, n: u64) -> io::Result<Arc<SecretBytes>> {
        if let Some(b) = self.dir.cache().get((self.uid, n)) {
            return Ok(b);
        }
        let last = n + 1 == self.blocks;
        let start = n as usize * SEALED_BLOCK;
        let size = if last {
            self.len - n as usize * BLOCK_SIZE + OVERHEAD
        } else {
            SEALED_BLOCK
        };
        let mut sealed = vec![0u8; size];
        self.file.read_exact_at(&mut sealed, start as u64)?;
        let ad = block_ad(&self.dir.0.keys.index_id, &self.name, n, last);
        let plain = aead::open(&self.dir.0.keys.block, &ad, &sealed).map_err(|_| {
            damage(
                &self.path,
                format!(
                    "block {n} does not authenticate (a changed byte, a block moved from elsewhere, or a file cut short)"
                ),
            )
        })?;
        let plain = Arc::new(plain);
        self.dir.cache().put((self.uid, n), Arc::clone(&plain));
        Ok(plain)
    }

    fn read_range(&self, range: Range<usize>) -> io::Result<SecretBytes> {
        if range.start > range.end || range.end > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "read of {range:?} beyond the end of {} ({} bytes)",
                    self.path.display(),
                    self.len
                ),
            ));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(range.len()));
        let mut at = range.start;
        while at < range.end {
            let n = at / BLOCK_SIZE;
            let block = self.block_ref(n as u64)?;
            let from = at - n * BLOCK_SIZE;
            let to = (range.end - n * BLOCK_SIZE).min(block.len());
            if from >= to {
                return Err(damage(
                    &self.path,
                    format!("block {n} is shorter than its place"),
                ));
            }
            out.extend_from_slice(&block[from..to]);
            at = n * BLOCK_SIZE + to;
        }
        Ok(out)
    }
}

impl HasLen for CryptFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for CryptFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        let plain = self.read_range(range)?;
        // Tantivy keeps what it reads in its own (non-zeroized) memory; that is plaintext in
        // RAM while the index is open, never on disk.
        Ok(OwnedBytes::new(plain.to_vec()))
    }
}

/// Writes a new file block by block.
struct BlockWriter {
    dir: CryptDir,
    file: Option<File>,
    path: PathBuf,
    name: [u8; 32],
    buf: Zeroizing<Vec<u8>>,
    sealed: Vec<u8>,
    number: u64,
}

impl BlockWriter {
    fn new(dir: CryptDir, file: File, path: PathBuf, name: [u8; 32]) -> BlockWriter {
        BlockWriter {
            dir,
            file: Some(file),
            path,
            name,
            buf: Zeroizing::new(Vec::with_capacity(BLOCK_SIZE)),
            sealed: Vec::with_capacity(SEALED_BLOCK),
            number: 0,
        }
    }

    fn seal_block(&mut self, last: bool) -> io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Err(io::Error::other(format!(
                "{} was already finished",
                self.path.display()
            )));
        };
        let ad = block_ad(&self.dir.0.keys.index_id, &self.name, self.number, last);
        self.sealed.clear();
        aead::seal_into(
            &self.dir.0.keys.block,
            &ad,
            &self.buf,
            &mut OsEntropy,
            &mut self.sealed,
        )
        .map_err(|e| io::Error::other(e.to_string()))?;
        debug_assert!(self.sealed.len() <= SEALED_BLOCK && self.sealed.len() >= NONCE_LEN);
        file.write_all(&self.sealed)?;
        self.buf.clear();
        self.number += 1;
        Ok(())
    }

    /// Seal the last block and make the file durable.
    fn finish(&mut self) -> io::Result<()> {
        self.seal_block(true)?;
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        Ok(())
    }
}

impl Write for BlockWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            // A full block is sealed only when more data comes, so that the last block is
            // always the one `finish` seals.
            if self.buf.len() == BLOCK_SIZE {
                self.seal_block(false)?;
            }
            let take = (BLOCK_SIZE - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TerminatingWrite for BlockWriter {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.finish()
    }
}

fn read_err(path: &Path, e: io::Error) -> OpenReadError {
    if e.kind() == io::ErrorKind::NotFound {
        OpenReadError::FileDoesNotExist(path.to_path_buf())
    } else {
        OpenReadError::IoError {
            io_error: Arc::new(e),
            filepath: path.to_path_buf(),
        }
    }
}

impl Directory for CryptDir {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let name = self.0.keys.name_hash(path, None);
        let file = CryptFile::open(self.clone(), &self.disk_path(path), name)
            .map_err(|e| read_err(path, e))?;
        Ok(Arc::new(file))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        let disk = self.disk_path(path);
        match fs::remove_file(&disk) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(DeleteError::FileDoesNotExist(path.to_path_buf()))
            }
            Err(e) => Err(DeleteError::IoError {
                io_error: Arc::new(e),
                filepath: path.to_path_buf(),
            }),
        }
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        if self.disk_path(path).exists() {
            return Ok(true);
        }
        let versions = self.versions(path).map_err(|e| read_err(path, e))?;
        Ok(!versions.is_empty())
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let disk = self.disk_path(path);
        let file = create_new(&disk).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                OpenWriteError::FileAlreadyExists(path.to_path_buf())
            } else {
                OpenWriteError::IoError {
                    io_error: Arc::new(e),
                    filepath: path.to_path_buf(),
                }
            }
        })?;
        let name = self.0.keys.name_hash(path, None);
        let writer = BlockWriter::new(self.clone(), file, disk, name);
        Ok(io::BufWriter::with_capacity(
            BLOCK_SIZE,
            Box::new(writer) as Box<dyn TerminatingWrite + Send + Sync>,
        ))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        let versions = self.versions(path).map_err(|e| read_err(path, e))?;
        let Some(&v) = versions.last() else {
            return Err(OpenReadError::FileDoesNotExist(path.to_path_buf()));
        };
        let name = self.0.keys.name_hash(path, Some(v));
        let bytes = self
            .read_sealed(&self.versioned_path(path, v), name)
            .map_err(|e| read_err(path, e))?;
        Ok(bytes.to_vec())
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let _one_at_a_time = self.0.versions.lock().unwrap_or_else(|p| p.into_inner());
        let old = self.versions(path)?;
        let v = old.last().map_or(1, |v| v + 1);
        let mut tmp_name = [0u8; 8];
        OsEntropy
            .fill(&mut tmp_name)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let tmp = self.0.root.join(format!("tmp-{}", hash::to_hex(&tmp_name)));
        let name = self.0.keys.name_hash(path, Some(v));
        let written = self.write_sealed(&tmp, name, data);
        let linked = written.and_then(|()| fs::hard_link(&tmp, self.versioned_path(path, v)));
        let removed = fs::remove_file(&tmp);
        linked?;
        removed?;
        sync_dir(&self.0.root)?;
        for o in old {
            fs::remove_file(self.versioned_path(path, o))?;
        }
        sync_dir(&self.0.root)
    }

    fn sync_directory(&self) -> io::Result<()> {
        sync_dir(&self.0.root)
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        let path = self
            .0
            .root
            .join(format!("lock-{}", self.0.keys.disk_stem(&lock.filepath)));
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| LockError::IoError(Arc::new(e)))?;
        if lock.is_blocking {
            file.lock().map_err(|e| LockError::IoError(Arc::new(e)))?;
        } else {
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(LockError::LockBusy),
                Err(fs::TryLockError::Error(e)) => return Err(LockError::IoError(Arc::new(e))),
            }
        }
        // Closing the file releases the lock.
        Ok(DirectoryLock::from(Box::new(file)))
    }

    fn watch(&self, _: WatchCallback) -> tantivy::Result<WatchHandle> {
        // Readers are reloaded by `SearchIndex` after each commit.
        Ok(WatchHandle::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(t: &tempfile::TempDir) -> CryptDir {
        CryptDir::open(t.path(), &SearchKey::from_bytes([7; 32]), 4).unwrap()
    }

    fn write(d: &CryptDir, name: &str, data: &[u8]) {
        let mut w = d.open_write(Path::new(name)).unwrap();
        w.write_all(data).unwrap();
        w.terminate().unwrap();
    }

    fn read(d: &CryptDir, name: &str) -> io::Result<Vec<u8>> {
        let f = d
            .get_file_handle(Path::new(name))
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(f.read_bytes(0..f.len())?.to_vec())
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn files_of_every_size_round_trip() {
        let t = tempfile::tempdir().unwrap();
        let d = dir(&t);
        for (i, n) in [
            0,
            1,
            BLOCK_SIZE - 1,
            BLOCK_SIZE,
            BLOCK_SIZE + 1,
            3 * BLOCK_SIZE + 17,
        ]
        .into_iter()
        .enumerate()
        {
            let name = format!("f{i}.idx");
            let data = pattern(n);
            write(&d, &name, &data);
            assert_eq!(read(&d, &name).unwrap(), data, "{n} bytes");
            let blocks = n.max(1).div_ceil(BLOCK_SIZE).max(1);
            let on_disk = fs::metadata(d.disk_path(Path::new(&name))).unwrap().len();
            assert_eq!(on_disk as usize, n + blocks * OVERHEAD, "{n} bytes");
            // Ranges that straddle blocks.
            let f = d.get_file_handle(Path::new(&name)).unwrap();
            if n > 10 {
                let r = n / 2 - 5..n - 1;
                assert_eq!(f.read_bytes(r.clone()).unwrap().as_slice(), &data[r]);
            }
        }
        // The cache stays within its bound.
        assert!(d.cached_blocks() <= 4);
    }

    #[test]
    fn files_are_create_only() {
        let t = tempfile::tempdir().unwrap();
        let d = dir(&t);
        write(&d, "a.idx", b"one");
        assert!(matches!(
            d.open_write(Path::new("a.idx")),
            Err(OpenWriteError::FileAlreadyExists(_))
        ));
        assert_eq!(read(&d, "a.idx").unwrap(), b"one");
    }

    #[test]
    fn versioned_files_never_overwrite() {
        let t = tempfile::tempdir().unwrap();
        let d = dir(&t);
        let meta = Path::new("meta.json");
        assert!(!d.exists(meta).unwrap());
        d.atomic_write(meta, b"{\"v\":1}").unwrap();
        d.atomic_write(meta, b"{\"v\":2}").unwrap();
        assert!(d.exists(meta).unwrap());
        assert_eq!(d.atomic_read(meta).unwrap(), b"{\"v\":2}");
        assert_eq!(d.versions(meta).unwrap(), vec![2]);
        // An older version renamed to a newer number does not open.
        let v2 = d.versioned_path(meta, 2);
        let sealed_v2 = fs::read(&v2).unwrap();
        d.atomic_write(meta, b"{\"v\":3}").unwrap();
        fs::remove_file(d.versioned_path(meta, 3)).unwrap();
        let mut f = create_new(&d.versioned_path(meta, 3)).unwrap();
        f.write_all(&sealed_v2).unwrap();
        let err = d.atomic_read(meta).unwrap_err().to_string();
        assert!(err.contains("does not authenticate"), "{err}");
    }

    #[test]
    fn blocks_cannot_move() {
        let t = tempfile::tempdir().unwrap();
        let d = dir(&t);
        write(&d, "a.idx", &pattern(3 * BLOCK_SIZE));
        write(&d, "b.idx", &pattern(3 * BLOCK_SIZE));
        let a = d.disk_path(Path::new("a.idx"));
        let b = d.disk_path(Path::new("b.idx"));
        // Swap the first two blocks of a.
        let mut bytes = fs::read(&a).unwrap();
        let first: Vec<u8> = bytes[..SEALED_BLOCK].to_vec();
        let second: Vec<u8> = bytes[SEALED_BLOCK..2 * SEALED_BLOCK].to_vec();
        bytes[..SEALED_BLOCK].copy_from_slice(&second);
        bytes[SEALED_BLOCK..2 * SEALED_BLOCK].copy_from_slice(&first);
        fs::remove_file(&a).unwrap();
        create_new(&a).unwrap().write_all(&bytes).unwrap();
        assert!(read(&d, "a.idx").is_err());
        // A file moved under another name.
        fs::remove_file(&a).unwrap();
        fs::hard_link(&b, &a).unwrap();
        assert!(read(&d, "a.idx").is_err());
        assert!(read(&d, "b.idx").is_ok());
        // A file cut after a whole block: its new last block is not marked last.
        let bytes = fs::read(&b).unwrap();
        fs::remove_file(&b).unwrap();
        create_new(&b)
            .unwrap()
            .write_all(&bytes[..2 * SEALED_BLOCK])
            .unwrap();
        let err = read(&d, "b.idx").unwrap_err().to_string();
        assert!(err.contains("does not authenticate"), "{err}");
    }

    #[test]
    fn another_index_with_the_same_key_does_not_open_these_blocks() {
        let t1 = tempfile::tempdir().unwrap();
        let t2 = tempfile::tempdir().unwrap();
        let d1 = dir(&t1);
        let d2 = dir(&t2);
        assert_ne!(d1.index_id(), d2.index_id());
        write(&d1, "a.idx", b"secret");
        fs::copy(
            d1.disk_path(Path::new("a.idx")),
            d2.disk_path(Path::new("a.idx")),
        )
        .unwrap();
        assert!(read(&d2, "a.idx").is_err());
    }

    #[test]
    fn wrong_key_and_foreign_folders_are_refused() {
        let t = tempfile::tempdir().unwrap();
        dir(&t);
        assert!(matches!(
            CryptDir::open(t.path(), &SearchKey::from_bytes([8; 32]), 4),
            Err(OpenError::WrongKey)
        ));
        let other = tempfile::tempdir().unwrap();
        File::create(other.path().join("notes.txt")).unwrap();
        assert!(matches!(
            CryptDir::open(other.path(), &SearchKey::from_bytes([8; 32]), 4),
            Err(OpenError::NotAnIndex(_))
        ));
    }

    #[test]
    fn the_writer_lock_excludes_a_second_writer() {
        let t = tempfile::tempdir().unwrap();
        let d = dir(&t);
        let lock = Lock {
            filepath: PathBuf::from(".tantivy-writer.lock"),
            is_blocking: false,
        };
        let held = d.acquire_lock(&lock).unwrap();
        assert!(matches!(d.acquire_lock(&lock), Err(LockError::LockBusy)));
        drop(held);
        assert!(d.acquire_lock(&lock).is_ok());
    }

    #[test]
    fn the_cache_evicts_the_least_recently_used() {
        let mut c = BlockCache::new(2);
        let b = |x: u8| Arc::new(Zeroizing::new(vec![x]));
        c.put((1, 0), b(0));
        c.put((1, 1), b(1));
        assert!(c.get((1, 0)).is_some());
        c.put((1, 2), b(2));
        assert!(c.get((1, 1)).is_none());
        assert!(c.get((1, 0)).is_some());
        assert!(c.get((1, 2)).is_some());
        assert_eq!(c.len(), 2);
    }
}
