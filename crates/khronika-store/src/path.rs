//! Where objects live: the two namespaces of the vault.
//!
//! - Content-addressed: `objects/<2 hex>/<64 hex>`, named by the SHA-256 of the stored bytes.
//! - Node files kept on mirrors, `node/<device hex>/<name>`: a node's public marker and its
//!   key slots (ciphertext under a passphrase), so a lost node can be rebuilt from a mirror.
//! - Log objects, named by position: `log/<device hex>/tile/entries/<N>[.p/<W>]` (C2SP
//!   tlog-tiles entry bundles), `log/<device hex>/tile/<L>/<N>[.p/<W>]` (hash tiles),
//!   `log/<device hex>/checkpoint/<size, 20 digits>`, and
//!   `log/<device hex>/cosignature/<size, 20 digits>/<witness key id, 8 hex>`.
//!
//! A path is plain ASCII relative to the vault root and never contains `..`.

use std::fmt;

use khronika_crypto::hash::{from_hex, to_hex};

use crate::DeviceId;

/// A validated object path relative to the vault (or mirror) root.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectPath(String);

/// What an object path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// A content-addressed object with this SHA-256.
    Object([u8; 32]),
    /// An entry bundle of a device log: bundle number `n`, and the width if partial.
    Bundle {
        /// The device.
        device: DeviceId,
        /// Bundle index (entries `256n ..`).
        n: u64,
        /// `Some(w)` for a partial bundle holding `w` entries.
        partial: Option<u16>,
    },
    /// A hash tile of a device log (C2SP tlog-tiles): tree level `8·level`, tile number `n`.
    HashTile {
        /// The device.
        device: DeviceId,
        /// Tile level.
        level: u8,
        /// Tile index.
        n: u64,
        /// `Some(w)` for a partial tile of `w` hashes.
        partial: Option<u16>,
    },
    /// A witness's cosignature (one signature line) of the checkpoint at `size`.
    Cosignature {
        /// The device.
        device: DeviceId,
        /// The checkpoint's size.
        size: u64,
        /// The witness key's id (C2SP signed-note key hash).
        key_id: u32,
    },
    /// A node's own file, kept on mirrors for rebuilding it: `khronika-vault` (the public
    /// marker), `device.key`, `member-<32 hex>.key` or `device-<32 hex>.key` (key slots).
    NodeFile {
        /// The node's device.
        device: DeviceId,
        /// The file's name.
        name: String,
    },
    /// A signed checkpoint of a device log at a size.
    Checkpoint {
        /// The device.
        device: DeviceId,
        /// The tree size the checkpoint commits to.
        size: u64,
    },
}

impl ObjectPath {
    /// The path of the content-addressed object whose stored bytes hash to `hash`.
    pub fn object(hash: &[u8; 32]) -> Self {
        let h = to_hex(hash);
        Self(format!("objects/{}/{}", &h[..2], h))
    }

    /// The path of entry bundle `n` of `device`'s log; `partial` is the width of a partial one.
    pub fn bundle(device: &DeviceId, n: u64, partial: Option<u16>) -> Self {
        let mut s = format!(
            "log/{}/tile/entries/{}",
            device.to_hex(),
            tile_index_path(n)
        );
        if let Some(w) = partial {
            s.push_str(&format!(".p/{w}"));
        }
        Self(s)
    }

    /// The path of hash tile `n` at `level` of `device`'s log.
    pub fn hash_tile(device: &DeviceId, level: u8, n: u64, partial: Option<u16>) -> Self {
        let mut s = format!(
            "log/{}/tile/{level}/{}",
            device.to_hex(),
            tile_index_path(n)
        );
        if let Some(w) = partial {
            s.push_str(&format!(".p/{w}"));
        }
        Self(s)
    }

    /// The path of a witness cosignature of `device`'s checkpoint at `size`.
    pub fn cosignature(device: &DeviceId, size: u64, key_id: u32) -> Self {
        Self(format!(
            "log/{}/cosignature/{size:020}/{key_id:08x}",
            device.to_hex()
        ))
    }

    /// The path of `device`'s checkpoint at `size`.
    pub fn checkpoint(device: &DeviceId, size: u64) -> Self {
        Self(format!("log/{}/checkpoint/{size:020}", device.to_hex()))
    }

    /// The path of a node file of `device` (see [`PathKind::NodeFile`]); `None` for a name
    /// Khronika does not keep there.
    pub fn node_file(device: &DeviceId, name: &str) -> Option<Self> {
        node_file_name(name).then(|| Self(format!("node/{}/{name}", device.to_hex())))
    }

    /// True for a member key slot (`node/<device>/member-<member>.key`): the only node file
    /// sealed under a passphrase (Argon2id), and so the only one that would let whoever reads
    /// it guess passphrases offline. The other node files are public (the marker) or sealed
    /// under 256-bit keys (device and recovery slots). Witness nodes never take or serve one.
    pub fn is_passphrase_slot(&self) -> bool {
        self.0.starts_with("node/")
            && self
                .0
                .rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with("member-") && n.ends_with(".key"))
    }

    /// The directory (prefix) holding `device`'s node files.
    pub fn node_prefix(device: &DeviceId) -> String {
        format!("node/{}/", device.to_hex())
    }

    /// The directory (prefix) holding `device`'s checkpoints.
    pub fn checkpoint_prefix(device: &DeviceId) -> String {
        format!("log/{}/checkpoint/", device.to_hex())
    }

    /// The directory (prefix) holding `device`'s log.
    pub fn log_prefix(device: &DeviceId) -> String {
        format!("log/{}/", device.to_hex())
    }

    /// Parse a path string found in a listing. `None` for anything Khronika does not write.
    pub fn parse(s: &str) -> Option<(Self, PathKind)> {
        let parts: Vec<&str> = s.split('/').collect();
        let kind = match parts.as_slice() {
            ["objects", pre, name] => {
                let h = from_hex::<32>(name)?;
                if *pre != &name[..2] || name.chars().any(|c| c.is_ascii_uppercase()) {
                    return None;
                }
                PathKind::Object(h)
            }
            ["node", dev, name] => {
                let device = device_dir(dev)?;
                if !node_file_name(name) {
                    return None;
                }
                PathKind::NodeFile {
                    device,
                    name: (*name).to_owned(),
                }
            }
            ["log", dev, "checkpoint", size] => {
                let device = device_dir(dev)?;
                if size.len() != 20 || !size.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                PathKind::Checkpoint {
                    device,
                    size: size.parse().ok()?,
                }
            }
            ["log", dev, "cosignature", size, id] => {
                let device = device_dir(dev)?;
                let digits =
                    |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
                let hex8 =
                    id.len() == 8 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                if !digits(size, 20) || !hex8 {
                    return None;
                }
                PathKind::Cosignature {
                    device,
                    size: size.parse().ok()?,
                    key_id: u32::from_str_radix(id, 16).ok()?,
                }
            }
            ["log", dev, "tile", "entries", rest @ ..] => {
                let device = device_dir(dev)?;
                let (n, partial) = parse_tile_index(rest)?;
                PathKind::Bundle { device, n, partial }
            }
            ["log", dev, "tile", level, rest @ ..] => {
                let device = device_dir(dev)?;
                let l: u8 = level
                    .parse()
                    .ok()
                    .filter(|l: &u8| *l < 8 && l.to_string() == *level)?;
                let (n, partial) = parse_tile_index(rest)?;
                PathKind::HashTile {
                    device,
                    level: l,
                    n,
                    partial,
                }
            }
            _ => return None,
        };
        let p = Self(s.to_owned());
        Some((p, kind))
    }

    /// The path as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectPath({})", self.0)
    }
}

/// A node file's name: the marker or a key slot.
fn node_file_name(name: &str) -> bool {
    let slot = |p: &str| {
        name.strip_prefix(p)
            .and_then(|r| r.strip_suffix(".key"))
            .is_some_and(|hex| device_dir(hex).is_some())
    };
    name == "khronika-vault"
        || name == "device.key"
        || slot("member-")
        || slot("device-")
        || slot("recovery-")
}

/// A device folder name: exactly 32 lower-case hex digits, as Khronika writes them.
fn device_dir(s: &str) -> Option<DeviceId> {
    s.bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        .then(|| DeviceId::from_hex(s))?
}

/// The C2SP tlog-tiles encoding of a tile index: groups of three decimal digits, every group
/// but the last prefixed with `x`: 1234067 → `x001/x234/067`, 5 → `005`.
pub fn tile_index_path(n: u64) -> String {
    let mut groups = Vec::new();
    let mut v = n;
    loop {
        groups.push(v % 1000);
        v /= 1000;
        if v == 0 {
            break;
        }
    }
    groups.reverse();
    let last = groups.len() - 1;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            if i == last {
                format!("{g:03}")
            } else {
                format!("x{g:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn parse_tile_index(parts: &[&str]) -> Option<(u64, Option<u16>)> {
    let (last, init, partial) = match parts {
        [init @ .., last, width] if last.ends_with(".p") => {
            let last = last.strip_suffix(".p")?;
            let w: u16 = width.parse().ok()?;
            if !(1..=255).contains(&w) || w.to_string() != *width {
                return None;
            }
            (last, init, Some(w))
        }
        [init @ .., last] => (*last, init, None),
        [] => return None,
    };
    let mut n: u64 = 0;
    for g in init {
        let d = g.strip_prefix('x')?;
        n = n.checked_mul(1000)?.checked_add(three_digits(d)?)?;
    }
    n = n.checked_mul(1000)?.checked_add(three_digits(last)?)?;
    (tile_index_path(n) == {
        let mut s: Vec<String> = init.iter().map(|s| s.to_string()).collect();
        s.push(last.to_owned());
        s.join("/")
    })
    .then_some((n, partial))
}

fn three_digits(s: &str) -> Option<u64> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_follow_c2sp() {
        assert_eq!(tile_index_path(0), "000");
        assert_eq!(tile_index_path(5), "005");
        assert_eq!(tile_index_path(1000), "x001/000");
        assert_eq!(tile_index_path(1234067), "x001/x234/067");
    }

    #[test]
    fn node_files() {
        let d = DeviceId([0xab; 16]);
        let m = "30313233343536373839303132333435";
        for name in [
            "khronika-vault".to_owned(),
            "device.key".to_owned(),
            format!("member-{m}.key"),
            format!("device-{m}.key"),
        ] {
            let p = ObjectPath::node_file(&d, &name).unwrap();
            assert_eq!(p.as_str(), format!("node/{}/{name}", d.to_hex()));
            assert_eq!(
                ObjectPath::parse(p.as_str()).unwrap().1,
                PathKind::NodeFile {
                    device: d,
                    name: name.clone()
                }
            );
        }
        for bad in [
            "mirrors.sealed",
            "member-xyz.key",
            "../x",
            "device.key.tmp",
            "",
        ] {
            assert!(ObjectPath::node_file(&d, bad).is_none(), "{bad}");
            assert!(ObjectPath::parse(&format!("node/{}/{bad}", d.to_hex())).is_none());
        }
    }

    #[test]
    fn paths_round_trip() {
        let d = DeviceId([0xab; 16]);
        for (p, k) in [
            (
                ObjectPath::object(&[0x12; 32]),
                PathKind::Object([0x12; 32]),
            ),
            (
                ObjectPath::bundle(&d, 1234067, None),
                PathKind::Bundle {
                    device: d,
                    n: 1234067,
                    partial: None,
                },
            ),
            (
                ObjectPath::bundle(&d, 7, Some(13)),
                PathKind::Bundle {
                    device: d,
                    n: 7,
                    partial: Some(13),
                },
            ),
            (
                ObjectPath::checkpoint(&d, 42),
                PathKind::Checkpoint {
                    device: d,
                    size: 42,
                },
            ),
            (
                ObjectPath::cosignature(&d, 42, 0xdeadbeef),
                PathKind::Cosignature {
                    device: d,
                    size: 42,
                    key_id: 0xdeadbeef,
                },
            ),
            (
                ObjectPath::hash_tile(&d, 0, 1234067, None),
                PathKind::HashTile {
                    device: d,
                    level: 0,
                    n: 1234067,
                    partial: None,
                },
            ),
            (
                ObjectPath::hash_tile(&d, 2, 0, Some(17)),
                PathKind::HashTile {
                    device: d,
                    level: 2,
                    n: 0,
                    partial: Some(17),
                },
            ),
        ] {
            assert_eq!(ObjectPath::parse(p.as_str()), Some((p.clone(), k)), "{p}");
        }
        assert_eq!(
            ObjectPath::bundle(&d, 7, Some(13)).as_str(),
            "log/abababababababababababababababab/tile/entries/007.p/13"
        );
    }

    #[test]
    fn foreign_paths_are_not_ours() {
        for s in [
            "objects/12/1212",
            "objects/13/1212121212121212121212121212121212121212121212121212121212121212",
            "objects/12/1212121212121212121212121212121212121212121212121212121212121212/x",
            "log/zz/checkpoint/00000000000000000001",
            "log/ABABABABABABABABABABABABABABABAB/checkpoint/00000000000000000001",
            "log/abababababababababababababababab/checkpoint/1",
            "log/abababababababababababababababab/tile/entries/x000/005",
            "log/abababababababababababababababab/tile/entries/005.p/0",
            "log/abababababababababababababababab/tile/entries/005.p/256",
            "log/abababababababababababababababab/tile/01/005",
            "log/abababababababababababababababab/tile/9/005",
            "../etc/passwd",
        ] {
            assert_eq!(ObjectPath::parse(s), None, "{s}");
        }
    }
}
