//! Khronika's cryptography: the key hierarchy, sealing, signatures and key derivation.
//!
//! This crate does no IO and knows nothing of files, storage or networks. Everything that
//! needs randomness takes an [`Entropy`] so that test vectors can be reproduced exactly; in
//! production the only source is [`OsEntropy`].
//!
//! The pieces:
//! - [`secret`]: secret types that zeroize on drop and never print themselves.
//! - [`aead`]: XChaCha20-Poly1305 with random 192-bit nonces (no nonce state anywhere).
//! - [`kdf`]: Argon2id for passphrases, BLAKE3 key derivation for everything below a root.
//! - [`sign`]: Ed25519 signing keys for devices and members.
//! - [`wrap`]: X25519 key wrapping to members and to the recovery key.
//! - [`hash`]: SHA-256 for public names, keyed BLAKE3 for chunk identity.

pub mod aead;
pub mod entropy;
mod error;
pub mod hash;
pub mod kdf;
pub mod secret;
pub mod sign;
pub mod wrap;

pub use entropy::{Entropy, OsEntropy, SeededEntropy};
pub use error::CryptoError;
pub use secret::{Key32, Passphrase};
