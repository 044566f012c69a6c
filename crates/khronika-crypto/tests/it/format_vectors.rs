//! Format-stability vectors: pinned bytes of every format this crate defines (associated
//! data, recovery-key text, wrapped keys, sealed values). Each fails if anyone changes a
//! format, on purpose or by accident; a deliberate change needs a new format version and new
//! vectors, never an edited constant.
//!
//! Randomness comes from `SeededEntropy`, itself pinned first so that a change there is
//! reported as such rather than as a change to every format. The expected values were
//! recomputed independently from the documented formats in Python (`blake3` 1.0.11 for
//! BLAKE3, PyNaCl 1.6.2 for X25519 and XChaCha20-Poly1305, `hashlib` for SHA-256) by
//! `testdata/crosscheck_vectors.py`.

use khronika_crypto::aead::{self, AssociatedData};
use khronika_crypto::wrap::{self, RecoveryKey, WrapSecret};
use khronika_crypto::{Entropy, Key32, SeededEntropy};

use crate::unhex;

/// The associated data used by the vectors below.
fn sample_ad() -> AssociatedData {
    AssociatedData {
        kind: 0x11,
        compartment: std::array::from_fn(|i| i as u8),
        epoch: 0x0102_0304,
        id: std::array::from_fn(|i| 0x20 + i as u8),
    }
}

#[test]
fn seeded_entropy_stream() {
    let mut rng = SeededEntropy::new(42);
    let mut first = [0u8; 40];
    rng.fill(&mut first[..7]).unwrap();
    rng.fill(&mut first[7..]).unwrap();
    assert_eq!(hex::encode(first), SEEDED_42_FIRST_40);
}

#[test]
fn associated_data_encoding() {
    let want = unhex(
        "4b48524f4e494b41 01 11
         000102030405060708090a0b0c0d0e0f
         01020304
         202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
    );
    assert_eq!(sample_ad().encode().to_vec(), want);
    assert_eq!(want.len(), aead::AD_LEN);
}

#[test]
fn recovery_key_text() {
    let rk = RecoveryKey::generate(&mut SeededEntropy::new(42)).unwrap();
    assert_eq!(rk.to_text().as_str(), RECOVERY_TEXT_SEED_42);
    let back = RecoveryKey::from_text(RECOVERY_TEXT_SEED_42).unwrap();
    assert_eq!(
        hex::encode(back.wrap_secret().public().0),
        RECOVERY_PUBLIC_SEED_42
    );
    assert_eq!(back.wrap_secret().public(), rk.wrap_secret().public());
}

#[test]
fn wrapped_key() {
    let key = Key32::from_bytes([0x11; 32]);
    let recipient = WrapSecret::from_seed(&Key32::from_bytes([0x22; 32]));
    let ad = sample_ad().encode();
    let wrapped = wrap::wrap(&key, &recipient.public(), &ad, &mut SeededEntropy::new(7)).unwrap();
    assert_eq!(hex::encode(wrapped), hex::encode(unhex(WRAPPED_SEED_7)));
    let pinned: [u8; wrap::WRAPPED_LEN] = unhex(WRAPPED_SEED_7).try_into().unwrap();
    assert_eq!(wrap::unwrap(&pinned, &recipient, &ad).unwrap(), key);
}

#[test]
fn sealed_value() {
    let key = Key32::from_bytes([0x33; 32]);
    let ad = sample_ad().encode();
    let sealed = aead::seal(&key, &ad, PLAINTEXT, &mut SeededEntropy::new(1)).unwrap();
    assert_eq!(hex::encode(&sealed), hex::encode(unhex(SEALED_SEED_1)));
    assert_eq!(
        &aead::open(&key, &ad, &unhex(SEALED_SEED_1)).unwrap()[..],
        PLAINTEXT
    );
}

const PLAINTEXT: &[u8] = b"Khronika format vector";

const SEEDED_42_FIRST_40: &str =
    "1b21849e25cb6fdc70e323ff99e07528d94c71be7f7cc8c0206f4edbc9373510206d8859a8383299";
const RECOVERY_TEXT_SEED_42: &str =
    "KR1-3CGR9-7H5SD-QXRW7-34FZS-KR3N5-3CMRW-DYFXY-CHG10-DX7DQ-J9Q6M-8BKTR";
const RECOVERY_PUBLIC_SEED_42: &str =
    "35b5cb4e1a3e3ffda953cf3f9083438a8c91d2843f3039cf1f50ac44777dab17";
/// Ephemeral public key (32), nonce (24), sealed key (32), tag (16).
const WRAPPED_SEED_7: &str = "
    fdf578c988ae9d8502ce768342cfbc271595d246861f7d2f3cc76515d26e3645
    71af7f6cc1c42c0514190c2a2a1f0646baa664e5a17a51c9
    5f165f85e60d3419fa42386002a0a8f52425dbcec45bb8adaa3c0b85ea268b00
    9171d63c68c3bdbff7690733534e0b96";
/// Nonce (24), ciphertext (22), tag (16).
const SEALED_SEED_1: &str = "
    f201e9f93dc2dcae65e2f47f47b60b777fd071f1728d95c0
    6b0a21563414dd0a0bfcfb9b24ae408ca93175048108
    689de5034b73dbf11432484b6af3be29";
