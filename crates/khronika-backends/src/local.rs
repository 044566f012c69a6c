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
use khronika_store::{Backend, BackendError, Created, ObjectPath, Stored};

use crate::fs::{EntryKind, Fs};

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

impl Backend for LocalBackend {
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError> {
        let err = |e| BackendError::io(path, e);
        let full = self.full(path);
        if self.fs.kind(&full).map_err(err)?.is_some() {
            return if self.same_bytes(&full, bytes.as_bytes()).map_err(err)? {
                Ok(Created::AlreadyPresent)
            } else {
                Err(BackendError::Conflict(path.clone()))
            };
        }
        let parent = full
            .parent()
            .ok_or_else(|| err(io::Error::other("object has no directory")))?;
        let mut st = self.state();
        self.ensure_dir(parent, &mut st).map_err(err)?;
        self.ensure_dir(&self.root.join(TMP_DIR), &mut st)
            .map_err(err)?;
        let tmp = self.tmp_path().map_err(err)?;
        let written = self
            .fs
            .write_new(&tmp, bytes.as_bytes())
            .and_then(|()| self.fs.sync_file(&tmp))
            .and_then(|()| self.fs.link_new(&tmp, &full));
        // The temporary name goes whether or not the link worked.
        let _ = self.fs.remove_file(&tmp);
        match written {
            Ok(()) => {
                st.dirty.insert(parent.to_path_buf());
                Ok(Created::New)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if self.same_bytes(&full, bytes.as_bytes()).map_err(err)? {
                    Ok(Created::AlreadyPresent)
                } else {
                    Err(BackendError::Conflict(path.clone()))
                }
            }
            Err(e) => Err(err(e)),
        }
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
}
