//! The [`Backend`] trait: a store of immutable, create-only objects.
//!
//! A backend never overwrites: [`Backend::create`] of an existing path succeeds only if the
//! bytes are identical (so retries are idempotent) and fails with [`BackendError::Conflict`]
//! otherwise. Durability is explicit: [`Backend::barrier`] returns once everything created so
//! far survives a power cut. Callers create objects, call `barrier`, and only then write
//! anything that refers to them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use crate::ObjectPath;

/// Bytes a backend may store: sealed data or signed public metadata, produced only by this
/// crate's encoders. A backend cannot be handed plaintext by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Stored(Vec<u8>);

impl Stored {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Bytes read back from a backend or a mirror, to be written elsewhere unchanged
    /// (copying, replication). They are not interpreted, and can only have come from a store.
    pub fn from_existing_object(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stored({} bytes)", self.0.len())
    }
}

/// The outcome of a successful create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The object was written.
    New,
    /// An identical object was already there.
    AlreadyPresent,
}

/// What a backend can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// No object at this path.
    #[error("object {0} is missing")]
    NotFound(ObjectPath),
    /// A different object already exists at this path; nothing was overwritten.
    #[error("object {0} already exists with different contents; nothing was overwritten")]
    Conflict(ObjectPath),
    /// The storage is full.
    #[error("no space left on the storage holding {0}")]
    Full(ObjectPath),
    /// Any other IO failure.
    #[error("input/output error on {path}: {source}")]
    Io {
        /// The object concerned.
        path: ObjectPath,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An IO failure not tied to one object (listing, a durability barrier).
    #[error("input/output error while {doing}: {source}")]
    Storage {
        /// What was being done.
        doing: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Something in the backend's directory that Khronika did not write.
    #[error("unexpected item {0} in the vault")]
    Foreign(String),
}

impl BackendError {
    /// Classify an IO error on `path`.
    pub fn io(path: &ObjectPath, e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => BackendError::NotFound(path.clone()),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                BackendError::Full(path.clone())
            }
            _ => BackendError::Io {
                path: path.clone(),
                source: e,
            },
        }
    }
}

/// An object whose bytes a backend has taken but not yet made visible: see
/// [`Backend::start_create`].
pub trait PendingCreate: Send {
    /// Finish the creation: afterwards the object is at its path, exactly as after
    /// [`Backend::create`] (and, like it, durable only after the next [`Backend::barrier`]).
    fn finish(self: Box<Self>) -> Result<Created, BackendError>;
}

/// A creation already finished when it was started.
impl PendingCreate for Created {
    fn finish(self: Box<Self>) -> Result<Created, BackendError> {
        Ok(*self)
    }
}

/// A store of immutable, create-only objects.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Create `path` holding `bytes` unless it already exists (see the module docs).
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError>;
    /// Create in two steps, for a caller writing many large objects in a row: this call takes
    /// the bytes (the caller may drop them afterwards) and the returned
    /// [`PendingCreate::finish`], which another thread may call, waits for the storage. Until
    /// `finish` returns the object may not be visible. A backend that has nothing to gain
    /// creates the object at once (the default).
    fn start_create<'a>(
        &'a self,
        path: &ObjectPath,
        bytes: &Stored,
    ) -> Result<Box<dyn PendingCreate + 'a>, BackendError> {
        Ok(Box::new(self.create(path, bytes)?))
    }
    /// Read a whole object.
    fn read(&self, path: &ObjectPath) -> Result<Vec<u8>, BackendError>;
    /// Read `len` bytes at `offset` of an object.
    fn read_range(
        &self,
        path: &ObjectPath,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, BackendError>;
    /// Size of an object in bytes.
    fn len(&self, path: &ObjectPath) -> Result<u64, BackendError>;
    /// Every object whose path starts with `prefix` (which ends in `/`, or is empty for all),
    /// as raw strings: the caller parses them and reports anything foreign.
    fn list(&self, prefix: &str) -> Result<Vec<String>, BackendError>;
    /// Remove a superseded partial log bundle or partial hash tile (a wider one exists).
    /// Nothing else is ever removed.
    fn remove_superseded(&self, path: &ObjectPath) -> Result<(), BackendError>;
    /// Return once every object created so far is durable.
    fn barrier(&self) -> Result<(), BackendError>;
    /// Whether this backend takes `path` at all. Replication skips what it refuses: a witness
    /// node never takes a passphrase key slot ([`ObjectPath::is_passphrase_slot`]).
    fn accepts(&self, path: &ObjectPath) -> bool {
        let _ = path;
        true
    }
}

/// An in-memory backend for tests.
#[derive(Debug, Default)]
pub struct MemBackend {
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A poisoned lock only means another test thread panicked; the map is still whole.
        self.objects.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replace an object's bytes (tamper tests only).
    pub fn tamper(&self, path: &str, bytes: Vec<u8>) {
        self.map().insert(path.to_owned(), bytes);
    }

    /// Delete an object (tamper tests only).
    pub fn delete(&self, path: &str) {
        self.map().remove(path);
    }
}

impl Backend for MemBackend {
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError> {
        let mut m = self.map();
        match m.get(path.as_str()) {
            Some(existing) if existing[..] == bytes.0[..] => Ok(Created::AlreadyPresent),
            Some(_) => Err(BackendError::Conflict(path.clone())),
            None => {
                m.insert(path.as_str().to_owned(), bytes.0.clone());
                Ok(Created::New)
            }
        }
    }

    fn read(&self, path: &ObjectPath) -> Result<Vec<u8>, BackendError> {
        self.map()
            .get(path.as_str())
            .cloned()
            .ok_or_else(|| BackendError::NotFound(path.clone()))
    }

    fn read_range(
        &self,
        path: &ObjectPath,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, BackendError> {
        let m = self.map();
        let b = m
            .get(path.as_str())
            .ok_or_else(|| BackendError::NotFound(path.clone()))?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        b.get(start..start.saturating_add(len))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| BackendError::Io {
                path: path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "object is shorter"),
            })
    }

    fn len(&self, path: &ObjectPath) -> Result<u64, BackendError> {
        let m = self.map();
        m.get(path.as_str())
            .map(|b| b.len() as u64)
            .ok_or_else(|| BackendError::NotFound(path.clone()))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        Ok(self
            .map()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }

    fn remove_superseded(&self, path: &ObjectPath) -> Result<(), BackendError> {
        self.map().remove(path.as_str());
        Ok(())
    }

    fn barrier(&self) -> Result<(), BackendError> {
        Ok(())
    }
}
