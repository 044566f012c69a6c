//! The local directory backend: objects as files under a root directory, written through the
//! [`Fs`] IO layer with explicit durability.
//!
//! An object is written to `tmp/`, synced, then hard-linked to its final name (which fails if
//! the name exists, so nothing is ever overwritten) and the temporary name removed. The final
//! directory is recorded as dirty; [`Backend::barrier`] syncs every dirty directory, including
//! the parents of directories created on the way. Temporary files hold only ciphertext.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use khronika_crypto::{Entropy, OsEntropy, hash};
use khronika_store::{Backend, BackendError, Created, ObjectPath, PendingCreate, Stored};

use crate::fs::{EntryKind, Fs};

/// Objects of at least this many bytes (packs) leave the page cache once synced.
const LARGE: usize = 1 << 20;

/// Name of the directory holding partial writes.
pub const TMP_DIR: &str = "tmp";

/// A backend storing objects as files under `root`.
#[derive(Debug)]
pub struct LocalBackend {
    fs: Arc<dyn Fs>,
    root: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Directories whose entries changed since the last barrier.
    dirty: BTreeSet<PathBuf>,
    /// Directories known to exist (saves a lookup per object).
    known_dirs: BTreeSet<PathBuf>,
}

impl LocalBackend {
    /// A backend rooted at `root` (which must exist).
    pub fn new(fs: Arc<dyn Fs>, root: PathBuf) -> Self {
        Self {
            fs,
            root,
            state: Mutex::new(State::default()),
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn full(&self, path: &ObjectPath) -> PathBuf {
        self.root.join(path.as_str())
    }

    /// Make sure `dir` exists, recording each parent whose entries change.
    fn ensure_dir(&self, dir: &Path, st: &mut State) -> io::Result<()> {
        if st.known_dirs.contains(dir) {
            return Ok(());
        }
        match self.fs.kind(dir)? {
            // A folder that exists may not be durable yet: an earlier process may have made it
            // and stopped before syncing its parent. Sync each parent once per process.
            Some(EntryKind::Dir) if dir != self.root => {
                if let Some(parent) = dir.parent() {
                    self.ensure_dir(parent, st)?;
                    st.dirty.insert(parent.to_path_buf());
                }
            }
            Some(EntryKind::Dir) => {}
            Some(EntryKind::File) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} is a file", dir.display()),
                ));
            }
            None => {
                let parent = dir
                    .parent()
                    .ok_or_else(|| io::Error::other("no parent directory"))?;
                self.ensure_dir(parent, st)?;
                self.fs.create_dir_all(dir)?;
                st.dirty.insert(parent.to_path_buf());
            }
        }
        st.known_dirs.insert(dir.to_path_buf());
        Ok(())
    }

    fn tmp_path(&self) -> io::Result<PathBuf> {
        let mut r = [0u8; 16];
        OsEntropy.fill(&mut r).map_err(io::Error::other)?;
        Ok(self
            .root
            .join(TMP_DIR)
            .join(format!("{}.tmp", hash::to_hex(&r))))
    }

    fn same_bytes(&self, full: &Path, bytes: &[u8]) -> io::Result<bool> {
        Ok(self.fs.file_len(full)? == bytes.len() as u64 && self.fs.read(full)? == bytes)
    }

    /// Remove leftovers of interrupted writes in `tmp/` (ciphertext only, never referenced).
    pub fn clean_tmp(&self) -> io::Result<usize> {
        let tmp = self.root.join(TMP_DIR);
        if self.fs.kind(&tmp)?.is_none() {
            return Ok(0);
        }
        let mut n = 0;
        for e in self.fs.list_dir(&tmp)? {
            if e.kind == EntryKind::File {
                self.fs.remove_file(&tmp.join(&e.name))?;
                n += 1;
            }
        }
        Ok(n)
    }

    fn walk(&self, dir: &Path, rel: &str, out: &mut Vec<String>) -> io::Result<()> {
        for e in self.fs.list_dir(dir)? {
            let r = format!("{rel}{}", e.name);
            match e.kind {
                EntryKind::Dir => self.walk(&dir.join(&e.name), &format!("{r}/"), out)?,
                EntryKind::File => out.push(r),
            }
        }
        Ok(())
    }
}

/// An object written to `tmp/`, not yet synced nor under its name.
struct Pending<'a> {
    backend: &'a LocalBackend,
    path: ObjectPath,
    full: PathBuf,
    parent: PathBuf,
    /// Large enough to leave the page cache once synced (packs).
    large: bool,
    /// Taken by `finish`; if still here when dropped, the creation was abandoned.
    tmp: Option<PathBuf>,
}

impl PendingCreate for Pending<'_> {
    fn finish(mut self: Box<Self>) -> Result<Created, BackendError> {
        let Some(tmp) = self.tmp.take() else {
            return Err(BackendError::io(
                &self.path,
                io::Error::other("creation already finished"),
            ));
        };
        let b = self.backend;
        let err = |e| BackendError::io(&self.path, e);
        let synced = if self.large {
            b.fs.sync_file_uncached(&tmp)
        } else {
            b.fs.sync_file(&tmp)
        };
        let linked = synced.and_then(|()| b.fs.link_new(&tmp, &self.full));
        let outcome = match linked {
            Ok(()) => {
                b.state().dirty.insert(self.parent.clone());
                Ok(Created::New)
            }
            // Created meanwhile by someone else: fine if with the same bytes.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                b.fs.read(&tmp)
                    .and_then(|mine| b.same_bytes(&self.full, &mine))
                    .map_err(err)
                    .and_then(|same| {
                        if same {
                            Ok(Created::AlreadyPresent)
                        } else {
                            Err(BackendError::Conflict(self.path.clone()))
                        }
                    })
            }
            Err(e) => Err(err(e)),
        };
        // The temporary name goes whether or not the link worked.
        let _ = b.fs.remove_file(&tmp);
        outcome
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = self.backend.fs.remove_file(&tmp);
        }
    }
}

impl Backend for LocalBackend {
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError> {
        self.start_create(path, bytes)?.finish()
    }

    /// Writes the bytes to `tmp/` through the page cache and returns; `finish` syncs them and
    /// links the final name. A writer can so hand one object to the disk and go on preparing
    /// the next while another thread waits for the first.
    fn start_create<'a>(
        &'a self,
        path: &ObjectPath,
        bytes: &Stored,
    ) -> Result<Box<dyn PendingCreate + 'a>, BackendError> {
        let err = |e| BackendError::io(path, e);
        let full = self.full(path);
        if self.fs.kind(&full).map_err(err)?.is_some() {
            return if self.same_bytes(&full, bytes.as_bytes()).map_err(err)? {
                Ok(Box::new(Created::AlreadyPresent))
            } else {
                Err(BackendError::Conflict(path.clone()))
            };
        }
        let parent = full
            .parent()
            .ok_or_else(|| err(io::Error::other("object has no directory")))?
            .to_path_buf();
        {
            // The lock covers the folders only: writers' transfers and syncs overlap.
            let mut st = self.state();
            self.ensure_dir(&parent, &mut st).map_err(err)?;
            self.ensure_dir(&self.root.join(TMP_DIR), &mut st)
                .map_err(err)?;
        }
        let tmp = self.tmp_path().map_err(err)?;
        if let Err(e) = self.fs.write_new(&tmp, bytes.as_bytes()) {
            let _ = self.fs.remove_file(&tmp);
            return Err(err(e));
        }
        Ok(Box::new(Pending {
            backend: self,
            path: path.clone(),
            full,
            parent,
            large: bytes.len() >= LARGE,
            tmp: Some(tmp),
        }))
    }

    fn read(&self, path: &ObjectPath) -> Result<Vec<u8>, BackendError> {
        self.fs
            .read(&self.full(path))
            .map_err(|e| BackendError::io(path, e))
    }

    fn read_range(
        &self,
        path: &ObjectPath,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, BackendError> {
        self.fs
            .read_range(&self.full(path), offset, len)
            .map_err(|e| BackendError::io(path, e))
    }

    fn len(&self, path: &ObjectPath) -> Result<u64, BackendError> {
        self.fs
            .file_len(&self.full(path))
            .map_err(|e| BackendError::io(path, e))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        let dir = self.root.join(prefix);
        let mut out = Vec::new();
        let foreign = || BackendError::Foreign(prefix.to_owned());
        let err = |source| BackendError::Storage {
            doing: "listing objects",
            source,
        };
        match self.fs.kind(&dir).map_err(err)? {
            None => return Ok(out),
            Some(EntryKind::File) => return Err(foreign()),
            Some(EntryKind::Dir) => {}
        }
        self.walk(&dir, prefix, &mut out).map_err(err)?;
        out.sort_unstable();
        Ok(out)
    }

    fn remove_superseded(&self, path: &ObjectPath) -> Result<(), BackendError> {
        self.fs
            .remove_file(&self.full(path))
            .map_err(|e| BackendError::io(path, e))
    }

    fn barrier(&self) -> Result<(), BackendError> {
        let mut st = self.state();
        // Deepest first, so a new directory's own entries are durable before its name is.
        let dirs: Vec<PathBuf> = st.dirty.iter().rev().cloned().collect();
        for d in dirs {
            self.fs.sync_dir(&d).map_err(|source| match source.kind() {
                io::ErrorKind::StorageFull => BackendError::Storage {
                    doing: "syncing (disk full)",
                    source,
                },
                _ => BackendError::Storage {
                    doing: "syncing a directory",
                    source,
                },
            })?;
            st.dirty.remove(&d);
        }
        Ok(())
    }
}

/// Find out whether files in the mirror folder `root` can be overwritten and deleted by this
/// user: create the probe file `name`, try to open it for writing and truncate it, then try to
/// remove it. (Only `mirror add` does this, on a probe file of its own; Khronika never
/// overwrites an object.)
pub fn probe_overwrite_dir(root: &Path, name: &str) -> io::Result<crate::s3::OverwriteProbe> {
    let path = root.join(name);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| io::Write::write_all(&mut f, b"khronika probe 1\n"))?;
    let again = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let overwrite_allowed = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .and_then(|mut f| io::Write::write_all(&mut f, b"khronika probe 2\n"))
        .is_ok();
    let delete_allowed = std::fs::remove_file(&path).is_ok();
    Ok(crate::s3::OverwriteProbe {
        conditional_create_honoured: again.is_err(),
        overwrite_allowed,
        delete_allowed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimFs;
    use khronika_store::path::PathKind;

    fn object_under(prefix: u8) -> ObjectPath {
        let mut h = [7u8; 32];
        h[0] = prefix;
        ObjectPath::object(&h)
    }

    #[test]
    fn objects_survive_a_crash_after_barrier() {
        let fs = SimFs::new();
        fs.create_dir_all(Path::new("/v")).unwrap();
        fs.sync_dir(Path::new("/")).unwrap();
        let b = LocalBackend::new(Arc::new(fs.clone()), PathBuf::from("/v"));
        let p = object_under(0xab);
        assert_eq!(
            b.create(&p, &Stored::from_existing_object(b"x".to_vec()))
                .unwrap(),
            Created::New
        );
        b.barrier().unwrap();
        let after = LocalBackend::new(Arc::new(fs.crashed()), PathBuf::from("/v"));
        assert_eq!(after.read(&p).unwrap(), b"x");
        assert!(matches!(
            ObjectPath::parse(p.as_str()),
            Some((_, PathKind::Object(_)))
        ));
    }

    #[test]
    fn a_folder_left_undurable_by_an_earlier_process_is_made_durable() {
        let fs = SimFs::new();
        fs.create_dir_all(Path::new("/v")).unwrap();
        fs.sync_dir(Path::new("/")).unwrap();
        // An earlier process created objects/ab and stopped before syncing its parent.
        fs.create_dir_all(Path::new("/v/objects/ab")).unwrap();
        let b = LocalBackend::new(Arc::new(fs.clone()), PathBuf::from("/v"));
        let p = object_under(0xab);
        b.create(&p, &Stored::from_existing_object(b"y".to_vec()))
            .unwrap();
        b.barrier().unwrap();
        let after = LocalBackend::new(Arc::new(fs.crashed()), PathBuf::from("/v"));
        assert_eq!(
            after.read(&p).unwrap(),
            b"y",
            "the object vanished with its undurable folder"
        );
    }

    #[test]
    fn create_never_overwrites() {
        let fs = SimFs::new();
        fs.create_dir_all(Path::new("/v")).unwrap();
        let b = LocalBackend::new(Arc::new(fs), PathBuf::from("/v"));
        let p = object_under(1);
        b.create(&p, &Stored::from_existing_object(b"one".to_vec()))
            .unwrap();
        assert_eq!(
            b.create(&p, &Stored::from_existing_object(b"one".to_vec()))
                .unwrap(),
            Created::AlreadyPresent
        );
        assert!(matches!(
            b.create(&p, &Stored::from_existing_object(b"two".to_vec())),
            Err(BackendError::Conflict(_))
        ));
        assert_eq!(b.read(&p).unwrap(), b"one");
        assert_eq!(
            b.clean_tmp().unwrap(),
            0,
            "no temporary file is left behind"
        );
    }

    fn sim_backend() -> (SimFs, LocalBackend) {
        let fs = SimFs::new();
        fs.create_dir_all(Path::new("/v")).unwrap();
        fs.sync_dir(Path::new("/")).unwrap();
        let b = LocalBackend::new(Arc::new(fs.clone()), PathBuf::from("/v"));
        (fs, b)
    }

    #[test]
    fn a_started_creation_is_invisible_until_finished_and_lost_whole_in_a_crash() {
        let (fs, b) = sim_backend();
        let p = object_under(0x21);
        let big = Stored::from_existing_object(vec![5u8; LARGE + 1]);
        let pending = b.start_create(&p, &big).unwrap();
        assert!(matches!(b.read(&p), Err(BackendError::NotFound(_))));
        // A crash now leaves no object, not a partial one under its name.
        let crashed = LocalBackend::new(Arc::new(fs.crashed()), PathBuf::from("/v"));
        assert!(matches!(crashed.read(&p), Err(BackendError::NotFound(_))));

        assert_eq!(pending.finish().unwrap(), Created::New);
        b.barrier().unwrap();
        let after = LocalBackend::new(Arc::new(fs.crashed()), PathBuf::from("/v"));
        assert_eq!(after.read(&p).unwrap(), big.as_bytes());
        assert_eq!(b.clean_tmp().unwrap(), 0, "the temporary name is gone");
    }

    #[test]
    fn an_abandoned_creation_leaves_nothing_behind() {
        let (_fs, b) = sim_backend();
        let p = object_under(0x22);
        drop(
            b.start_create(&p, &Stored::from_existing_object(b"never".to_vec()))
                .unwrap(),
        );
        assert!(matches!(b.read(&p), Err(BackendError::NotFound(_))));
        assert_eq!(
            b.clean_tmp().unwrap(),
            0,
            "no temporary file is left behind"
        );
    }

    #[test]
    fn two_started_creations_of_one_path_settle_like_create() {
        let (_fs, b) = sim_backend();
        let p = object_under(0x23);
        let one = Stored::from_existing_object(b"one".to_vec());
        let first = b.start_create(&p, &one).unwrap();
        let same = b.start_create(&p, &one).unwrap();
        let other = b
            .start_create(&p, &Stored::from_existing_object(b"two".to_vec()))
            .unwrap();
        assert_eq!(first.finish().unwrap(), Created::New);
        assert_eq!(same.finish().unwrap(), Created::AlreadyPresent);
        assert!(matches!(other.finish(), Err(BackendError::Conflict(_))));
        assert_eq!(b.read(&p).unwrap(), b"one");
        // Started after the object exists: settled at once.
        assert_eq!(
            b.start_create(&p, &one).unwrap().finish().unwrap(),
            Created::AlreadyPresent
        );
        assert_eq!(b.clean_tmp().unwrap(), 0);
    }

    #[test]
    fn a_failed_sync_leaves_no_name_and_no_temporary_file() {
        let (fs, b) = sim_backend();
        let p = object_under(0x24);
        let pending = b
            .start_create(&p, &Stored::from_existing_object(b"x".to_vec()))
            .unwrap();
        fs.fail_op(fs.ops() + 1, crate::sim::FaultKind::Eio);
        assert!(pending.finish().is_err());
        assert!(matches!(b.read(&p), Err(BackendError::NotFound(_))));
        assert_eq!(b.clean_tmp().unwrap(), 0);
    }
}
