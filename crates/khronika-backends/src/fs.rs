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
        #[cfg(target_os = "linux")]
        if direct::worth_it(data.len()) {
            match direct::write_new(path, data) {
                Ok(()) => return Ok(()),
                // A file system without direct IO (tmpfs, some FUSE): the name may have been
                // created before the refusal; it is ours (create_new), so remove it and write
                // through the page cache instead.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => return Err(e),
            }
        }
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

/// Large, block-aligned objects (packs) are written with `O_DIRECT`: the bytes go from our
/// buffer to the disk without being copied into the page cache, which on a 2-core machine is
/// the difference between the disk and the CPU being the limit. `fsync` still follows.
#[cfg(target_os = "linux")]
mod direct {
    use std::cell::RefCell;
    use std::io::{self, Write};
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    /// Alignment of offsets, lengths and memory for direct IO (covers 512- and 4096-byte
    /// sector disks).
    const ALIGN: usize = 4096;
    /// Smaller objects go through the page cache: direct IO saves nothing on them.
    const MIN: usize = 1 << 20;

    thread_local! {
        /// One reusable buffer per writing thread, grown to the largest object written.
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    pub fn worth_it(len: usize) -> bool {
        len >= MIN && len.is_multiple_of(ALIGN)
    }

    pub fn write_new(path: &Path, data: &[u8]) -> io::Result<()> {
        BUF.with_borrow_mut(|buf| {
            if buf.len() < data.len() + ALIGN {
                *buf = vec![0u8; data.len() + ALIGN];
            }
            // The first address in the buffer that is aligned for direct IO.
            let off = (ALIGN - (buf.as_ptr() as usize) % ALIGN) % ALIGN;
            let aligned = &mut buf[off..off + data.len()];
            aligned.copy_from_slice(data);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_DIRECT)
                .open(path)?;
            f.write_all(aligned)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_fs_writes_large_aligned_and_odd_sizes_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let fs = OsFs;
        // 2 MiB takes the direct-IO path where the file system allows it; the others do not.
        for (i, len) in [0usize, 1, 4095, 4096, 2 << 20, (2 << 20) + 1]
            .into_iter()
            .enumerate()
        {
            let data: Vec<u8> = (0..len).map(|j| (j * 31 + i) as u8).collect();
            let p = dir.path().join(format!("f{i}"));
            fs.write_new(&p, &data).unwrap();
            fs.sync_file(&p).unwrap();
            assert_eq!(fs.read(&p).unwrap(), data, "length {len}");
            assert_eq!(
                fs.write_new(&p, b"again").unwrap_err().kind(),
                io::ErrorKind::AlreadyExists
            );
        }
        fs.sync_dir(dir.path()).unwrap();
    }
}
