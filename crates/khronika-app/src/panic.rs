//! The panic button: erase every key slot on this device at once.
//!
//! Each file under `keys/` (the members' passphrase slots, the device slot, the members'
//! device slots, recovery slots) and under `tokens/` (the API token slots, each holding a
//! member's secret under a token's) is overwritten in place with random bytes of its length,
//! synced, and unlinked; then the folders are synced. What remains on the device is ciphertext
//! that nothing on it can open, and no token a script holds opens anything here any more. The
//! data survives on the mirrors and comes back only through `restore` (with the recovery key or
//! a member's passphrase and a mirror's key slot).
//!
//! On SSDs and copy-on-write file systems overwriting is best effort: the old blocks may live
//! on until the drive reuses them. Full-disk encryption of the device is what covers that.

use std::path::{Path, PathBuf};

use khronika_backends::Fs;
use khronika_crypto::{Entropy, OsEntropy};
use serde::Serialize;

use crate::error::{AppError, ErrorCode, io_error};
use crate::layout;
use crate::vault::LockedVault;

/// What the panic button did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Erased {
    /// The key slots (and token slots) erased.
    pub files: Vec<PathBuf>,
}

impl LockedVault {
    /// Erase every key slot and every API token slot on this device (overwrite, sync, unlink,
    /// sync the folder). Needs no key: whoever holds the device may always make it useless to
    /// those who take it. Keeps going past a slot that fails, and reports every failure.
    pub fn erase_keys(&self) -> Result<Erased, AppError> {
        let mut erased = Erased::default();
        let mut failed = Vec::new();
        for folder in [layout::KEYS_DIR, layout::TOKENS_DIR] {
            let dir = self.root.join(folder);
            let names = match self.fs.list_dir(&dir) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    failed.push(format!("{}: {}", dir.display(), io_error("listing", e)));
                    continue;
                }
            };
            for entry in names
                .iter()
                .filter(|d| d.kind == khronika_backends::EntryKind::File)
            {
                let path = dir.join(&entry.name);
                match erase_file(self.fs.as_ref(), &path) {
                    Ok(()) => erased.files.push(path),
                    Err(e) => failed.push(format!("{}: {e}", path.display())),
                }
            }
            if let Err(e) = self.fs.sync_dir(&dir) {
                failed.push(format!("{}: {e}", dir.display()));
            }
        }
        if failed.is_empty() {
            Ok(erased)
        } else {
            Err(AppError::new(
                ErrorCode::Storage,
                format!(
                    "some key slots could not be erased ({}); delete the folders {} and {} by hand, or destroy the device",
                    failed.join("; "),
                    self.root.join(layout::KEYS_DIR).display(),
                    self.root.join(layout::TOKENS_DIR).display()
                ),
            ))
        }
    }
}

/// Erase one file: overwrite it in place with random bytes of its length, sync, unlink. The
/// caller syncs the folder afterwards.
pub(crate) fn erase_file(fs: &dyn Fs, path: &Path) -> std::io::Result<()> {
    let len = usize::try_from(fs.file_len(path)?).unwrap_or(0);
    let mut noise = vec![0u8; len];
    OsEntropy
        .fill(&mut noise)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    fs.overwrite(path, &noise)?;
    fs.sync_file(path)?;
    fs.remove_file(path)
}
