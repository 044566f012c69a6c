//! The file-system IO layer: every byte Khronika writes to a local disk goes through [`Fs`].
//!
//! The trait is deliberately small and path-based so that [`crate::sim::SimFs`] can model a
//! crash exactly: a write, a create or a link is durable only after the file was synced with
//! [`Fs::sync_file`] *and* its directory with [`Fs::sync_dir`]. Code above this layer must
//! follow that discipline; the crash tests prove it does.

use std::fmt::Debug;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's file name (not the full path).
    pub name: String,
    /// File or directory.
    pub kind: EntryKind,
}

/// The file operations Khronika uses. Every call is one "IO operation" for fault injection.
pub trait Fs: Send + Sync + Debug {
    /// Create `path` and any missing parents. Not durable until the parent is synced.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Create a new file at `path` (error `AlreadyExists` if present) holding `data`.
    /// Not durable until [`Fs::sync_file`] and [`Fs::sync_dir`] of its directory.
    fn write_new(&self, path: &Path, data: &[u8]) -> io::Result<()>;
    /// Make a file's contents durable (`fsync`).
    fn sync_file(&self, path: &Path) -> io::Result<()>;
    /// Make a file's contents durable, as [`Fs::sync_file`], then let the page cache forget
    /// them: for large objects written in bulk and not read back soon, so that a long ingest
    /// recycles the same memory instead of filling the cache with ciphertext (and evicting
    /// what the person's other programs use). The default only syncs.
    fn sync_file_uncached(&self, path: &Path) -> io::Result<()> {
        self.sync_file(path)
    }
    /// Make a directory's entries durable (`fsync` on the directory).
    fn sync_dir(&self, path: &Path) -> io::Result<()>;
    /// Give the file at `from` a second name `to`; error `AlreadyExists` if `to` exists.
    /// This is how objects appear atomically and are never overwritten.
    fn link_new(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Remove a file's name.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Overwrite an existing file's bytes in place, from its start, without truncating or
    /// creating it (to erase a secret before its name is removed). Not durable until
    /// [`Fs::sync_file`].
    fn overwrite(&self, path: &Path, data: &[u8]) -> io::Result<()>;
    /// Read a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Read `len` bytes at `offset`; error `UnexpectedEof` if the file is shorter.
    fn read_range(&self, path: &Path, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// List a directory (any order).
    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;
    /// What is at `path`, if anything.
    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>>;
    /// Length of the file at `path`.
    fn file_len(&self, path: &Path) -> io::Result<u64>;
    /// True if paths name files of the operating system (so that a library that opens files
    /// itself, such as SQLite for the local indexes, may open them); false for a simulated
    /// file system.
    fn is_os(&self) -> bool {
        false
    }
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsFs;

impl Fs for OsFs {
    fn is_os(&self) -> bool {
        true
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        // Vault folders are for their owner only.
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(path)
    }

    fn write_new(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        // Vault files are for their owner only (they are ciphertext, but still).
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut f = o.open(path)?;
        f.write_all(data)
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        std::fs::File::open(path)?.sync_all()
    }

    fn sync_file_uncached(&self, path: &Path) -> io::Result<()> {
        let f = std::fs::File::open(path)?;
        f.sync_all()?;
        // Only advice: the bytes are durable whether or not the kernel takes it.
        #[cfg(target_os = "linux")]
        let _ = rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed);
        Ok(())
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        std::fs::File::open(path)?.sync_all()
    }

    fn link_new(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::hard_link(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn overwrite(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        f.write_all(data)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_range(&self, path: &Path, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut f = std::fs::File::open(path)?;
        f.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0u8; len];
        f.read_exact(&mut buf)?;
        Ok(buf)
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(path)? {
            let e = e?;
            let kind = if e.file_type()?.is_dir() {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            // Names Khronika writes are ASCII; anything else is foreign and reported as such
            // by the caller, never silently skipped.
            let name = e.file_name().to_string_lossy().into_owned();
            out.push(DirEntry { name, kind });
        }
        Ok(out)
    }

    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => Ok(Some(EntryKind::Dir)),
            Ok(_) => Ok(Some(EntryKind::File)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn file_len(&self, path: &Path) -> io::Result<u64> {
        Ok(std::fs::metadata(path)?.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_fs_writes_large_and_odd_sizes_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let fs = OsFs;
        for (i, len) in [0usize, 1, 4095, 4096, 2 << 20, (2 << 20) + 1]
            .into_iter()
            .enumerate()
        {
            let data: Vec<u8> = (0..len).map(|j| (j * 31 + i) as u8).collect();
            let p = dir.path().join(format!("f{i}"));
            fs.write_new(&p, &data).unwrap();
            // Large objects leave the page cache once synced; the bytes stay.
            if len >= 1 << 20 {
                fs.sync_file_uncached(&p).unwrap();
            } else {
                fs.sync_file(&p).unwrap();
            }
            assert_eq!(fs.read(&p).unwrap(), data, "length {len}");
            assert_eq!(
                fs.write_new(&p, b"again").unwrap_err().kind(),
                io::ErrorKind::AlreadyExists
            );
        }
        fs.sync_dir(dir.path()).unwrap();
    }
}
