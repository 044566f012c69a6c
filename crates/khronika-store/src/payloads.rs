//! Public payloads of the log entries that bootstrap trust and keys.
//!
//! Device genesis (entry 0 of every log, public):
//! ```text
//! device key      32   Ed25519 public key that signs this log
//! member          16   member id of the member who set up the device
//! member sign     32   the member's Ed25519 public key
//! member wrap     32   the member's X25519 public key (epochs are wrapped to it)
//! recovery wrap   32   the vault's recovery X25519 public key
//! time            8    milliseconds since 1970 (i64, big-endian), by the device clock
//! grant           64   the member's signature over "khronika device grant v1\0" || vault ||
//!                      device id || device key || member || member sign || member wrap ||
//!                      recovery wrap || time
//! ```
//!
//! Key epoch (public; the wrapped secrets are ciphertext):
//! ```text
//! count           1    number of wraps
//! per wrap:       1    recipient kind (1 member, 2 recovery key)
//!                 16   recipient id (member id; zero for the recovery key)
//!                 104  the epoch secret wrapped to the recipient's X25519 key
//! info_len        2    length of the sealed compartment description
//! info            …    sealed under the epoch's payload key: the compartment's name (UTF-8),
//!                      padded with zero bytes to a multiple of 64 so its length says little
//! ```

use khronika_crypto::sign::{PublicKey, SigningKey};
use khronika_crypto::wrap::{WRAPPED_LEN, WrapPublic};

use crate::{DeviceId, MemberId, VaultId};

/// The public payload of a device genesis entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genesis {
    /// The device's log-signing key.
    pub device_key: PublicKey,
    /// The member who set the device up.
    pub member: MemberId,
    /// That member's signing key.
    pub member_sign: PublicKey,
    /// That member's wrapping key.
    pub member_wrap: WrapPublic,
    /// The vault's recovery wrapping key.
    pub recovery: WrapPublic,
    /// When, in milliseconds since 1970 by the device clock.
    pub time_ms: i64,
    /// The member's signature granting the device.
    pub grant: [u8; 64],
}

/// Length of an encoded genesis payload.
pub const GENESIS_LEN: usize = 32 + 16 + 32 + 32 + 32 + 8 + 64;

/// What the member signs: every other field of the genesis payload, so that the device's
/// key, the member's wrapping key and the recovery key all carry the member's word.
fn grant_message(vault: &VaultId, device: &DeviceId, g: &Genesis) -> Vec<u8> {
    let mut m = b"khronika device grant v1\0".to_vec();
    m.extend_from_slice(&vault.0);
    m.extend_from_slice(&device.0);
    m.extend_from_slice(&g.device_key.0);
    m.extend_from_slice(&g.member.0);
    m.extend_from_slice(&g.member_sign.0);
    m.extend_from_slice(&g.member_wrap.0);
    m.extend_from_slice(&g.recovery.0);
    m.extend_from_slice(&g.time_ms.to_be_bytes());
    m
}

impl Genesis {
    /// A genesis payload with the member's grant signature.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        vault: &VaultId,
        device: &DeviceId,
        device_key: PublicKey,
        member: MemberId,
        member_key: &SigningKey,
        member_wrap: WrapPublic,
        recovery: WrapPublic,
        time_ms: i64,
    ) -> Self {
        let mut g = Self {
            device_key,
            member,
            member_sign: member_key.public(),
            member_wrap,
            recovery,
            time_ms,
            grant: [0; 64],
        };
        g.grant = member_key.sign(&grant_message(vault, device, &g));
        g
    }

    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(GENESIS_LEN);
        b.extend_from_slice(&self.device_key.0);
        b.extend_from_slice(&self.member.0);
        b.extend_from_slice(&self.member_sign.0);
        b.extend_from_slice(&self.member_wrap.0);
        b.extend_from_slice(&self.recovery.0);
        b.extend_from_slice(&self.time_ms.to_be_bytes());
        b.extend_from_slice(&self.grant);
        b
    }

    /// Decode and check the member's grant signature.
    pub fn decode(b: &[u8], vault: &VaultId, device: &DeviceId) -> Result<Self, String> {
        if b.len() != GENESIS_LEN {
            return Err(format!(
                "genesis payload of {} bytes, expected {GENESIS_LEN}",
                b.len()
            ));
        }
        let a32 = |i: usize| -> [u8; 32] { b[i..i + 32].try_into().unwrap_or([0; 32]) };
        let g = Genesis {
            device_key: PublicKey(a32(0)),
            member: MemberId(b[32..48].try_into().unwrap_or([0; 16])),
            member_sign: PublicKey(a32(48)),
            member_wrap: WrapPublic(a32(80)),
            recovery: WrapPublic(a32(112)),
            time_ms: i64::from_be_bytes(b[144..152].try_into().unwrap_or([0; 8])),
            grant: b[152..216].try_into().unwrap_or([0; 64]),
        };
        g.member_sign
            .verify(&grant_message(vault, device, &g), &g.grant)
            .map_err(|_| "the member's grant of this device does not verify".to_string())?;
        Ok(g)
    }
}

/// Who a key-epoch wrap is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A member, by id.
    Member(MemberId),
    /// The vault's recovery key.
    Recovery,
}

impl Recipient {
    fn encode(&self) -> (u8, [u8; 16]) {
        match self {
            Recipient::Member(m) => (1, m.0),
            Recipient::Recovery => (2, [0; 16]),
        }
    }

    /// The 32-byte id bound into the wrap's associated data: kind, then id, then zeros.
    pub fn ad_id(&self) -> [u8; 32] {
        let (k, id) = self.encode();
        let mut out = [0u8; 32];
        out[0] = k;
        out[1..17].copy_from_slice(&id);
        out
    }
}

/// The public payload of a key-epoch entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEpoch {
    /// The epoch secret wrapped to each recipient.
    pub wraps: Vec<(Recipient, [u8; WRAPPED_LEN])>,
    /// The compartment's sealed description.
    pub sealed_info: Vec<u8>,
}

impl KeyEpoch {
    /// Encode.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        if self.wraps.len() > 255 || self.sealed_info.len() > u16::MAX as usize {
            return Err("key epoch too large".into());
        }
        let mut b = vec![self.wraps.len() as u8];
        for (r, w) in &self.wraps {
            let (k, id) = r.encode();
            b.push(k);
            b.extend_from_slice(&id);
            b.extend_from_slice(w);
        }
        b.extend_from_slice(&(self.sealed_info.len() as u16).to_be_bytes());
        b.extend_from_slice(&self.sealed_info);
        Ok(b)
    }

    /// Decode.
    pub fn decode(b: &[u8]) -> Result<Self, String> {
        let n = *b.first().ok_or("empty key epoch")? as usize;
        let mut at = 1;
        let mut wraps = Vec::with_capacity(n);
        for _ in 0..n {
            let rec = b
                .get(at..at + 1 + 16 + WRAPPED_LEN)
                .ok_or("truncated wrap")?;
            let id: [u8; 16] = rec[1..17].try_into().map_err(|_| "wrap id")?;
            let r = match rec[0] {
                1 => Recipient::Member(MemberId(id)),
                2 if id == [0; 16] => Recipient::Recovery,
                k => return Err(format!("unknown recipient kind {k}")),
            };
            wraps.push((r, rec[17..].try_into().map_err(|_| "wrap length")?));
            at += rec.len();
        }
        let len = b.get(at..at + 2).ok_or("truncated info length")?;
        let len = u16::from_be_bytes([len[0], len[1]]) as usize;
        let info = b.get(at + 2..at + 2 + len).ok_or("truncated info")?;
        if at + 2 + len != b.len() {
            return Err("trailing bytes after key epoch".into());
        }
        Ok(Self {
            wraps,
            sealed_info: info.to_vec(),
        })
    }
}

/// The public payload of a device revocation: entries of `device` from index `cutoff` on are
/// quarantined. `root` is the revoked log's RFC 6962 root at `cutoff` (the checkpoint the
/// revocation trusts, ideally one a witness cosigned).
///
/// ```text
/// device 16 | cutoff u64 | root 32 | time i64 (ms)      = 64 bytes
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocation {
    /// The revoked device.
    pub device: DeviceId,
    /// Entries from this index on are quarantined.
    pub cutoff: u64,
    /// The revoked log's root at `cutoff`.
    pub root: [u8; 32],
    /// When, by the revoking device's clock (ms since 1970).
    pub time_ms: i64,
}

impl Revocation {
    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(64);
        b.extend_from_slice(&self.device.0);
        b.extend_from_slice(&self.cutoff.to_be_bytes());
        b.extend_from_slice(&self.root);
        b.extend_from_slice(&self.time_ms.to_be_bytes());
        b
    }

    /// Decode.
    pub fn decode(b: &[u8]) -> Result<Self, String> {
        if b.len() != 64 {
            return Err(format!(
                "revocation payload of {} bytes, expected 64",
                b.len()
            ));
        }
        let arr = |r: std::ops::Range<usize>| b[r].to_vec();
        Ok(Self {
            device: DeviceId(arr(0..16).try_into().map_err(|_| "device")?),
            cutoff: u64::from_be_bytes(arr(16..24).try_into().map_err(|_| "cutoff")?),
            root: arr(24..56).try_into().map_err(|_| "root")?,
            time_ms: i64::from_be_bytes(arr(56..64).try_into().map_err(|_| "time")?),
        })
    }
}

/// A person's decision on one quarantined entry.
///
/// ```text
/// device 16 | index u64 | decision u8 (1 accept, 2 reject) | time i64 (ms)   = 33 bytes
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The revoked device.
    pub device: DeviceId,
    /// The entry's index in its log.
    pub index: u64,
    /// True to accept the entry as trusted, false to reject it.
    pub accept: bool,
    /// When (ms since 1970).
    pub time_ms: i64,
}

impl Decision {
    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(33);
        b.extend_from_slice(&self.device.0);
        b.extend_from_slice(&self.index.to_be_bytes());
        b.push(if self.accept { 1 } else { 2 });
        b.extend_from_slice(&self.time_ms.to_be_bytes());
        b
    }

    /// Decode.
    pub fn decode(b: &[u8]) -> Result<Self, String> {
        if b.len() != 33 {
            return Err(format!(
                "decision payload of {} bytes, expected 33",
                b.len()
            ));
        }
        let accept = match b[24] {
            1 => true,
            2 => false,
            d => return Err(format!("unknown decision {d}")),
        };
        Ok(Self {
            device: DeviceId(b[0..16].try_into().map_err(|_| "device")?),
            index: u64::from_be_bytes(b[16..24].try_into().map_err(|_| "index")?),
            accept,
            time_ms: i64::from_be_bytes(b[25..33].try_into().map_err(|_| "time")?),
        })
    }
}

/// Length unit of a compartment description before sealing.
pub const INFO_PAD: usize = 64;

/// The plaintext sealed as a compartment's description: its name, zero-padded to a multiple
/// of [`INFO_PAD`] bytes.
pub fn info_plaintext(name: &str) -> Vec<u8> {
    let mut b = name.as_bytes().to_vec();
    b.resize(b.len().div_ceil(INFO_PAD).max(1) * INFO_PAD, 0);
    b
}

/// The compartment name in an opened description.
pub fn info_name(plain: &[u8]) -> Result<String, String> {
    let end = plain.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    if !plain.len().is_multiple_of(INFO_PAD) || plain.is_empty() || plain[..end].contains(&0) {
        return Err("compartment description is not padded as expected".into());
    }
    String::from_utf8(plain[..end].to_vec()).map_err(|_| "compartment name is not UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocations_and_decisions_round_trip() {
        let r = Revocation {
            device: DeviceId([7; 16]),
            cutoff: 42,
            root: [9; 32],
            time_ms: -5,
        };
        assert_eq!(Revocation::decode(&r.encode()).unwrap(), r);
        assert!(Revocation::decode(&r.encode()[..63]).is_err());
        for accept in [true, false] {
            let d = Decision {
                device: DeviceId([1; 16]),
                index: 3,
                accept,
                time_ms: 7,
            };
            assert_eq!(Decision::decode(&d.encode()).unwrap(), d);
        }
        let mut bad = Decision {
            device: DeviceId([1; 16]),
            index: 3,
            accept: true,
            time_ms: 7,
        }
        .encode();
        bad[24] = 3;
        assert!(Decision::decode(&bad).is_err());
    }

    #[test]
    fn info_padding_round_trip() {
        for name in ["default", "", "Дело №17 (Грозный, 2019)", &"x".repeat(64)] {
            let p = info_plaintext(name);
            assert_eq!(p.len() % INFO_PAD, 0);
            assert!(p.len() >= INFO_PAD);
            assert_eq!(info_name(&p).unwrap(), name);
        }
        assert!(info_name(b"abc").is_err());
    }
}
