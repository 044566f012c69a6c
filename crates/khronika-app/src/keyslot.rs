//! Key slots: the member's secret under a passphrase, the device key under the member's key.
//!
//! Member slot (`keys/member-<id>.key`, 157 bytes):
//! ```text
//!   0   8  "KHRNMKEY"
//!   8   1  version (1)
//!   9  16  member id
//!  25  12  Argon2id m (KiB), t, p (u32 each, big-endian)
//!  37  16  salt
//!  53  72  sealed member secret (nonce, 32-byte secret, tag); associated data kind 6 with
//!          id = SHA-256(bytes 0..53)
//! 125  32  SHA-256 of bytes 0..125 (lets a keyless `verify` detect damage)
//! ```
//! Device slot (`keys/device.key`, 145 bytes):
//! ```text
//!   0   8  "KHRNDKEY"
//!   8   1  version (1)
//!   9  16  device id
//!  25  16  member id
//!  41  72  sealed device signing seed under derive("khronika 2026-11 device slot v1",
//!          member secret); associated data kind 7 with id = SHA-256(bytes 0..41)
//! 113  32  SHA-256 of bytes 0..113
//! ```
//! Recovery slot (`keys/recovery-<member id>.key`, 161 bytes): the member's secret wrapped to
//! the vault's recovery key, so that a mirror plus the recovery key rebuilds a node that opens
//! (under a new passphrase) as the same member on the same device:
//! ```text
//!   0   8  "KHRNRKEY"
//!   8   1  version (1)
//!   9  16  member id
//!  25 104  the member secret wrapped (X25519, FORMATS §6) to the recovery key's public half;
//!          associated data kind 12 with id = SHA-256(bytes 0..25)
//! 129  32  SHA-256 of bytes 0..129
//! ```

use khronika_crypto::aead::{self, AssociatedData};
use khronika_crypto::hash::sha256;
use khronika_crypto::kdf::{self, Argon2Params};
use khronika_crypto::wrap::{self, WrapPublic, WrapSecret};
use khronika_crypto::{CryptoError, Entropy, Key32, Passphrase};
use khronika_store::keys::kind;
use khronika_store::{DeviceId, MemberId};

const MEMBER_MAGIC: &[u8; 8] = b"KHRNMKEY";
const DEVICE_MAGIC: &[u8; 8] = b"KHRNDKEY";
const RECOVERY_MAGIC: &[u8; 8] = b"KHRNRKEY";
/// Length of a recovery slot file.
pub const RECOVERY_SLOT_LEN: usize = 25 + wrap::WRAPPED_LEN + 32;
/// Length of a member slot file.
pub const MEMBER_SLOT_LEN: usize = 157;
/// Length of a device slot file.
pub const DEVICE_SLOT_LEN: usize = 145;

/// Why a slot could not be opened.
#[derive(Debug, PartialEq, Eq)]
pub enum SlotError {
    /// The file is damaged (checksum or structure).
    Damaged(String),
    /// The passphrase (or member key) is wrong.
    WrongKey,
    /// Stored KDF parameters refused.
    Params(String),
}

impl std::fmt::Display for SlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SlotError::Damaged(w) => write!(f, "damaged: {w}"),
            SlotError::WrongKey => f.write_str("the key that should open it does not"),
            SlotError::Params(w) => write!(f, "refused key-derivation parameters: {w}"),
        }
    }
}

/// The associated data binding a slot's sealed part to its kind and public header.
pub(crate) fn slot_ad(kind: u8, header: &[u8]) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind,
        compartment: [0; 16],
        epoch: 0,
        id: sha256(header),
    }
    .encode()
}

/// A slot's bytes followed by their SHA-256.
pub(crate) fn with_checksum(mut b: Vec<u8>) -> Vec<u8> {
    let sum = sha256(&b);
    b.extend_from_slice(&sum);
    b
}

/// Check a slot file's length, magic, version and checksum; return the bytes before the checksum.
pub fn check_slot(bytes: &[u8]) -> Result<&[u8], SlotError> {
    let (magic, len) = match bytes.get(..8) {
        Some(m) if m == MEMBER_MAGIC => (MEMBER_MAGIC, MEMBER_SLOT_LEN),
        Some(m) if m == DEVICE_MAGIC => (DEVICE_MAGIC, DEVICE_SLOT_LEN),
        Some(m) if m == RECOVERY_MAGIC => (RECOVERY_MAGIC, RECOVERY_SLOT_LEN),
        _ => return Err(SlotError::Damaged("not a Khronika key slot".into())),
    };
    let _ = magic;
    if bytes.len() != len {
        return Err(SlotError::Damaged(format!(
            "key slot of {} bytes, expected {len}",
            bytes.len()
        )));
    }
    let (body, sum) = bytes.split_at(len - 32);
    if sha256(body) != sum {
        return Err(SlotError::Damaged(
            "checksum does not match (the key slot is damaged)".into(),
        ));
    }
    if body[8] != 1 {
        return Err(SlotError::Damaged(format!(
            "unknown key slot version {}",
            body[8]
        )));
    }
    Ok(body)
}

/// Seal a member secret under a passphrase.
pub fn seal_member(
    member: &MemberId,
    secret: &Key32,
    passphrase: &Passphrase,
    params: Argon2Params,
    rng: &mut dyn Entropy,
) -> Result<Vec<u8>, CryptoError> {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt)?;
    let mut b = Vec::with_capacity(MEMBER_SLOT_LEN);
    b.extend_from_slice(MEMBER_MAGIC);
    b.push(1);
    b.extend_from_slice(&member.0);
    for v in [params.m_kib(), params.t(), params.p()] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend_from_slice(&salt);
    let key = kdf::passphrase_key(passphrase, &salt, params)?;
    let a = slot_ad(kind::MEMBER_SLOT, &b);
    aead::seal_into(&key, &a, secret.expose(), rng, &mut b)?;
    Ok(with_checksum(b))
}

/// Open a member slot with a passphrase. Returns the member id and secret.
pub fn open_member(bytes: &[u8], passphrase: &Passphrase) -> Result<(MemberId, Key32), SlotError> {
    let body = check_slot(bytes)?;
    if &body[..8] != MEMBER_MAGIC {
        return Err(SlotError::Damaged("not a member key slot".into()));
    }
    let u32_at = |i: usize| u32::from_be_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]);
    let params = Argon2Params::from_stored(u32_at(25), u32_at(29), u32_at(33))
        .map_err(|e| SlotError::Params(e.to_string()))?;
    let member = MemberId(
        body[9..25]
            .try_into()
            .map_err(|_| SlotError::Damaged("member id".into()))?,
    );
    let salt: [u8; 16] = body[37..53]
        .try_into()
        .map_err(|_| SlotError::Damaged("salt".into()))?;
    let key = kdf::passphrase_key(passphrase, &salt, params)
        .map_err(|e| SlotError::Params(e.to_string()))?;
    let plain = aead::open(&key, &slot_ad(kind::MEMBER_SLOT, &body[..53]), &body[53..])
        .map_err(|_| SlotError::WrongKey)?;
    let secret: [u8; 32] = plain[..]
        .try_into()
        .map_err(|_| SlotError::Damaged("secret length".into()))?;
    Ok((member, Key32::from_bytes(secret)))
}

/// The Argon2id parameters a member slot asks for, if it is well formed.
pub fn member_slot_params(bytes: &[u8]) -> Option<Argon2Params> {
    let body = check_slot(bytes).ok()?;
    if &body[..8] != MEMBER_MAGIC {
        return None;
    }
    let u32_at = |i: usize| u32::from_be_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]);
    Argon2Params::from_stored(u32_at(25), u32_at(29), u32_at(33)).ok()
}

/// Spend one key derivation with `params` on `passphrase` and throw the result away: what a
/// login for an unknown member costs, so that the time taken does not tell who is a member.
pub fn spend_kdf(passphrase: &Passphrase, params: Argon2Params, rng: &mut dyn Entropy) {
    let mut salt = [0u8; 16];
    if rng.fill(&mut salt).is_ok() {
        drop(kdf::passphrase_key(passphrase, &salt, params));
    }
}

/// Wrap a member secret to the recovery key's public half.
pub fn seal_recovery(
    member: &MemberId,
    secret: &Key32,
    recovery: &WrapPublic,
    rng: &mut dyn Entropy,
) -> Result<Vec<u8>, CryptoError> {
    let mut b = Vec::with_capacity(RECOVERY_SLOT_LEN);
    b.extend_from_slice(RECOVERY_MAGIC);
    b.push(1);
    b.extend_from_slice(&member.0);
    let wrapped = wrap::wrap(secret, recovery, &slot_ad(kind::RECOVERY_SLOT, &b), rng)?;
    b.extend_from_slice(&wrapped);
    Ok(with_checksum(b))
}

/// Open a recovery slot with the recovery key. Returns the member id and secret.
pub fn open_recovery(bytes: &[u8], recovery: &WrapSecret) -> Result<(MemberId, Key32), SlotError> {
    let body = check_slot(bytes)?;
    if &body[..8] != RECOVERY_MAGIC {
        return Err(SlotError::Damaged("not a recovery key slot".into()));
    }
    let member = MemberId(
        body[9..25]
            .try_into()
            .map_err(|_| SlotError::Damaged("member id".into()))?,
    );
    let wrapped: &[u8; wrap::WRAPPED_LEN] = body[25..]
        .try_into()
        .map_err(|_| SlotError::Damaged("wrapped secret length".into()))?;
    let secret = wrap::unwrap(
        wrapped,
        recovery,
        &slot_ad(kind::RECOVERY_SLOT, &body[..25]),
    )
    .map_err(|_| SlotError::WrongKey)?;
    Ok((member, secret))
}

fn device_slot_key(member_secret: &Key32) -> Key32 {
    kdf::derive("khronika 2026-11 device slot v1", member_secret)
}

/// Seal a device signing seed under a member secret.
pub fn seal_device(
    device: &DeviceId,
    member: &MemberId,
    member_secret: &Key32,
    seed: &Key32,
    rng: &mut dyn Entropy,
) -> Result<Vec<u8>, CryptoError> {
    let mut b = Vec::with_capacity(DEVICE_SLOT_LEN);
    b.extend_from_slice(DEVICE_MAGIC);
    b.push(1);
    b.extend_from_slice(&device.0);
    b.extend_from_slice(&member.0);
    let a = slot_ad(kind::DEVICE_SLOT, &b);
    aead::seal_into(
        &device_slot_key(member_secret),
        &a,
        seed.expose(),
        rng,
        &mut b,
    )?;
    Ok(with_checksum(b))
}

/// Open a device slot with the member secret. Returns the device id and signing seed.
pub fn open_device(bytes: &[u8], member_secret: &Key32) -> Result<(DeviceId, Key32), SlotError> {
    let body = check_slot(bytes)?;
    if &body[..8] != DEVICE_MAGIC {
        return Err(SlotError::Damaged("not a device key slot".into()));
    }
    let device = DeviceId(
        body[9..25]
            .try_into()
            .map_err(|_| SlotError::Damaged("device id".into()))?,
    );
    let plain = aead::open(
        &device_slot_key(member_secret),
        &slot_ad(kind::DEVICE_SLOT, &body[..41]),
        &body[41..],
    )
    .map_err(|_| SlotError::WrongKey)?;
    let seed: [u8; 32] = plain[..]
        .try_into()
        .map_err(|_| SlotError::Damaged("seed length".into()))?;
    Ok((device, Key32::from_bytes(seed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use khronika_crypto::SeededEntropy;

    #[test]
    fn member_slot_round_trip_wrong_passphrase_and_damage() {
        let mut rng = SeededEntropy::new(5);
        let m = MemberId([9; 16]);
        let secret = Key32::from_bytes([7; 32]);
        let pw = Passphrase::new("Правозащитник 2026".into());
        let slot = seal_member(&m, &secret, &pw, Argon2Params::weak_for_tests(), &mut rng).unwrap();
        assert_eq!(slot.len(), MEMBER_SLOT_LEN);
        let (m2, s2) = open_member(&slot, &pw).unwrap();
        assert_eq!((m2, s2), (m, secret));
        assert_eq!(
            open_member(&slot, &Passphrase::new("wrong".into())).unwrap_err(),
            SlotError::WrongKey
        );
        for i in 0..slot.len() {
            let mut b = slot.clone();
            b[i] ^= 0x40;
            assert!(
                matches!(open_member(&b, &pw), Err(SlotError::Damaged(_))),
                "byte {i}"
            );
        }
    }

    /// The writer side of the key-slot format vectors (the reader side is in tests/it/formats.rs).
    #[test]
    fn slots_match_the_format_vectors() {
        let id = |s: u8| -> [u8; 16] { std::array::from_fn(|i| s + i as u8) };
        let key = |s: u8| Key32::from_bytes(std::array::from_fn(|i| s + i as u8));
        let hex = |t: &str| -> Vec<u8> {
            let h: String = t.lines().filter(|l| !l.starts_with('#')).collect();
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        };
        let m = seal_member(
            &MemberId(id(0x30)),
            &key(0x70),
            &Passphrase::new("Правозащитник 2026".into()),
            Argon2Params::weak_for_tests(),
            &mut SeededEntropy::new(8),
        )
        .unwrap();
        assert_eq!(m, hex(include_str!("../testdata/vectors/member-slot.hex")));
        let d = seal_device(
            &DeviceId(id(0x20)),
            &MemberId(id(0x30)),
            &key(0x70),
            &key(0x60),
            &mut SeededEntropy::new(9),
        )
        .unwrap();
        assert_eq!(d, hex(include_str!("../testdata/vectors/device-slot.hex")));
        let recovery = WrapSecret::from_seed(&key(0x50));
        let r = seal_recovery(
            &MemberId(id(0x30)),
            &key(0x70),
            &recovery.public(),
            &mut SeededEntropy::new(10),
        )
        .unwrap();
        assert_eq!(
            r,
            hex(include_str!("../testdata/vectors/recovery-slot.hex"))
        );
        assert_eq!(
            open_recovery(&r, &recovery).unwrap(),
            (MemberId(id(0x30)), key(0x70))
        );
    }

    #[test]
    fn recovery_slot_round_trip_wrong_key_and_damage() {
        let mut rng = SeededEntropy::new(11);
        let m = MemberId([2; 16]);
        let secret = Key32::from_bytes([3; 32]);
        let recovery = WrapSecret::from_seed(&Key32::from_bytes([5; 32]));
        let slot = seal_recovery(&m, &secret, &recovery.public(), &mut rng).unwrap();
        assert_eq!(slot.len(), RECOVERY_SLOT_LEN);
        assert!(check_slot(&slot).is_ok());
        assert_eq!(open_recovery(&slot, &recovery).unwrap(), (m, secret));
        let other = WrapSecret::from_seed(&Key32::from_bytes([6; 32]));
        assert_eq!(
            open_recovery(&slot, &other).unwrap_err(),
            SlotError::WrongKey
        );
        for i in 0..slot.len() {
            let mut b = slot.clone();
            b[i] ^= 0x40;
            assert!(
                matches!(open_recovery(&b, &recovery), Err(SlotError::Damaged(_))),
                "byte {i}"
            );
        }
    }

    #[test]
    fn device_slot_round_trip() {
        let mut rng = SeededEntropy::new(6);
        let (d, m) = (DeviceId([1; 16]), MemberId([2; 16]));
        let ms = Key32::from_bytes([3; 32]);
        let seed = Key32::from_bytes([4; 32]);
        let slot = seal_device(&d, &m, &ms, &seed, &mut rng).unwrap();
        assert_eq!(slot.len(), DEVICE_SLOT_LEN);
        assert_eq!(open_device(&slot, &ms).unwrap(), (d, seed));
        assert_eq!(
            open_device(&slot, &Key32::from_bytes([5; 32])).unwrap_err(),
            SlotError::WrongKey
        );
    }
}
