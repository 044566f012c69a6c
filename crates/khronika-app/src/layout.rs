//! The vault folder on a device, and its public marker file.
//!
//! ```text
//! VAULT/
//!   khronika-vault            public marker (text): format, vault, device, member, compartment
//!   keys/member-<id>.key      the member's secret, sealed under their passphrase (Argon2id)
//!   keys/device.key           this device's signing key, sealed under the member's key
//!   keys/device-<member>.key  the same key sealed for another member who works here
//!   objects/<aa>/<sha256>     content-addressed objects (packs, object lists)
//!   log/<device>/…            device logs: entry bundles and checkpoints
//!   tmp/                      objects being written (ciphertext only)
//!   tokens/<id>.token         API token slots: a member's secret under a token's secret
//!   activity/<member>/…       each member's log of token uses, sealed under their secret
//! ```
//!
//! `keys/` and `tokens/` are local to the device (panic erases both); everything under
//! `objects/` and `log/` is what mirrors hold. `tokens/` is deliberately not inside `keys/`:
//! mirrors receive every file of `keys/` and keep it forever (they are create-only), so a
//! revoked token's slot would live on there.

use std::path::{Path, PathBuf};

use khronika_backends::Fs;
use khronika_crypto::hash::{sha256, to_hex};
use khronika_crypto::{Entropy, OsEntropy};
use khronika_store::{CompartmentId, DeviceId, MemberId, VaultId};

use crate::error::{AppError, ErrorCode, io_error};

/// File name of the public marker.
pub const MARKER: &str = "khronika-vault";
/// Folder of local key slots.
pub const KEYS_DIR: &str = "keys";
/// Folder of API token slots (device-local, never mirrored; erased by panic).
pub const TOKENS_DIR: &str = "tokens";
/// Folder of the members' activity logs (device-local, never mirrored).
pub const ACTIVITY_DIR: &str = "activity";
/// The vault folder format written by this code.
pub const FORMAT: u32 = 1;

/// What the marker file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The vault.
    pub vault: VaultId,
    /// This device.
    pub device: DeviceId,
    /// The member whose key slot this device holds.
    pub member: MemberId,
    /// The compartment new evidence goes to.
    pub compartment: CompartmentId,
}

impl Marker {
    /// Encode as text: fields, then a SHA-256 checksum line over them.
    pub fn encode(&self) -> String {
        let body = format!(
            "khronika vault\nformat {FORMAT}\nvault {}\ndevice {}\nmember {}\ncompartment {}\n",
            self.vault, self.device, self.member, self.compartment
        );
        let sum = to_hex(&sha256(body.as_bytes()));
        format!("{body}checksum {sum}\n")
    }

    /// Decode and check the checksum.
    pub fn decode(text: &[u8]) -> Result<Marker, String> {
        let text = std::str::from_utf8(text).map_err(|_| "not text")?;
        let (body, sum_line) = text.rsplit_once("checksum ").ok_or("no checksum line")?;
        if to_hex(&sha256(body.as_bytes())) != sum_line.trim_end_matches('\n')
            || !sum_line.ends_with('\n')
        {
            return Err("checksum does not match (the file was changed or damaged)".into());
        }
        let mut lines = body.lines();
        if lines.next() != Some("khronika vault") {
            return Err("not a Khronika vault marker".into());
        }
        let mut field = |name: &str| -> Result<String, String> {
            let l = lines.next().ok_or_else(|| format!("no {name} line"))?;
            l.strip_prefix(&format!("{name} "))
                .map(str::to_owned)
                .ok_or_else(|| format!("expected {name}"))
        };
        let format: u32 = field("format")?.parse().map_err(|_| "bad format number")?;
        if format != FORMAT {
            return Err(format!(
                "vault format {format} is not supported by this version of Khronika"
            ));
        }
        let vault = VaultId::from_hex(&field("vault")?).ok_or("bad vault id")?;
        let device = DeviceId::from_hex(&field("device")?).ok_or("bad device id")?;
        let member = MemberId::from_hex(&field("member")?).ok_or("bad member id")?;
        let compartment =
            CompartmentId::from_hex(&field("compartment")?).ok_or("bad compartment id")?;
        Ok(Marker {
            vault,
            device,
            member,
            compartment,
        })
    }
}

/// Path of a member's key slot.
pub fn member_slot(root: &Path, member: &MemberId) -> PathBuf {
    root.join(KEYS_DIR)
        .join(format!("member-{}.key", member.to_hex()))
}

/// Path of the device key slot (sealed under the key of the member named in the marker).
pub fn device_slot(root: &Path) -> PathBuf {
    root.join(KEYS_DIR).join("device.key")
}

/// Path of the device key slot sealed for another member who works on this device.
pub fn member_device_slot(root: &Path, member: &MemberId) -> PathBuf {
    root.join(KEYS_DIR)
        .join(format!("device-{}.key", member.to_hex()))
}

/// Path of an API token slot (`id`: the token's 16-hex public id).
pub fn token_slot(root: &Path, id: &str) -> PathBuf {
    root.join(TOKENS_DIR).join(format!("{id}.token"))
}

/// Folder of a member's activity log.
pub fn activity_dir(root: &Path, member: &MemberId) -> PathBuf {
    root.join(ACTIVITY_DIR).join(member.to_hex())
}

/// Make `dir` (a folder directly or two levels inside the vault folder) exist durably: create
/// it and its missing parents, and sync the folders that gained an entry.
pub(crate) fn ensure_dir(fs: &dyn Fs, dir: &Path) -> Result<(), AppError> {
    let what = format!("creating the folder {}", dir.display());
    if fs.kind(dir).map_err(|e| io_error(&what, e))?.is_some() {
        return Ok(());
    }
    // The highest missing ancestor: its parent must be synced after the creation.
    let mut top = dir;
    while let Some(parent) = top.parent() {
        if fs.kind(parent).map_err(|e| io_error(&what, e))?.is_some() {
            break;
        }
        top = parent;
    }
    fs.create_dir_all(dir).map_err(|e| io_error(&what, e))?;
    let mut d = dir;
    while let Some(parent) = d.parent() {
        fs.sync_dir(parent).map_err(|e| io_error(&what, e))?;
        if d == top {
            break;
        }
        d = parent;
    }
    Ok(())
}

/// Check, without changing anything, that `root` could become a new vault folder (absent or
/// an empty folder).
pub(crate) fn check_new_folder(fs: &dyn Fs, root: &Path) -> Result<(), AppError> {
    let refuse = |why: String| {
        Err(AppError::new(
            ErrorCode::VaultExists,
            format!("{why} (nothing was changed)"),
        ))
    };
    match fs
        .kind(root)
        .map_err(|e| io_error("looking at the folder", e))?
    {
        None => Ok(()),
        Some(khronika_backends::EntryKind::File) => refuse(format!(
            "{} is a file; choose a folder for the vault",
            root.display()
        )),
        Some(khronika_backends::EntryKind::Dir) => {
            let entries = fs
                .list_dir(root)
                .map_err(|e| io_error("looking at the folder", e))?;
            if entries.iter().any(|e| e.name == MARKER) {
                refuse(format!("{} already holds a vault", root.display()))
            } else if !entries.is_empty() {
                refuse(format!(
                    "{} is not empty; choose an empty or new folder for the vault",
                    root.display()
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// Make `root` a new vault folder with a `keys/` folder inside, durably: it must be absent or
/// empty (a folder holding a vault, or anything else, is refused and left as it was).
pub(crate) fn prepare_new_folder(fs: &dyn Fs, root: &Path) -> Result<(), AppError> {
    let refuse = |why: String| {
        Err(AppError::new(
            ErrorCode::VaultExists,
            format!("{why} (nothing was changed)"),
        ))
    };
    match fs
        .kind(root)
        .map_err(|e| io_error("looking at the folder", e))?
    {
        Some(khronika_backends::EntryKind::File) => {
            return refuse(format!(
                "{} is a file; choose a folder for the vault",
                root.display()
            ));
        }
        Some(khronika_backends::EntryKind::Dir) => {
            let entries = fs
                .list_dir(root)
                .map_err(|e| io_error("looking at the folder", e))?;
            if entries.iter().any(|e| e.name == MARKER) {
                return refuse(format!("{} already holds a vault", root.display()));
            }
            if !entries.is_empty() {
                return refuse(format!(
                    "{} is not empty; choose an empty or new folder for the vault",
                    root.display()
                ));
            }
        }
        None => {
            fs.create_dir_all(root)
                .map_err(|e| io_error("creating the vault folder", e))?;
            if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs.sync_dir(parent)
                    .map_err(|e| io_error("creating the vault folder", e))?;
            }
        }
    }
    fs.create_dir_all(&root.join(KEYS_DIR))
        .map_err(|e| io_error("creating the key folder", e))?;
    fs.sync_dir(root)
        .map_err(|e| io_error("creating the key folder", e))
}

/// Create a new file durably: write beside it, sync, link into place (never overwriting),
/// remove the temporary name, sync the directory.
pub(crate) fn create_durable(fs: &dyn Fs, path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let what = format!("writing {}", path.display());
    let dir = path
        .parent()
        .ok_or_else(|| AppError::internal("file without a folder"))?;
    let mut r = [0u8; 8];
    OsEntropy
        .fill(&mut r)
        .map_err(|e| AppError::internal(e.to_string()))?;
    let tmp = dir.join(format!(".{}.tmp", to_hex(&r)));
    let res = fs
        .write_new(&tmp, bytes)
        .and_then(|()| fs.sync_file(&tmp))
        .and_then(|()| fs.link_new(&tmp, path));
    let _ = fs.remove_file(&tmp);
    res.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => AppError::new(
            ErrorCode::VaultExists,
            format!("{} already exists; nothing was overwritten", path.display()),
        ),
        _ => io_error(&what, e),
    })?;
    fs.sync_dir(dir).map_err(|e| io_error(&what, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_round_trip_and_damage() {
        let m = Marker {
            vault: VaultId([1; 16]),
            device: DeviceId([2; 16]),
            member: MemberId([3; 16]),
            compartment: CompartmentId([4; 16]),
        };
        let text = m.encode();
        assert_eq!(Marker::decode(text.as_bytes()).unwrap(), m);
        for i in 0..text.len() {
            let mut b = text.clone().into_bytes();
            b[i] ^= 0x01;
            assert!(Marker::decode(&b).is_err(), "byte {i}");
        }
    }
}
