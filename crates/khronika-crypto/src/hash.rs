//! Hashes: SHA-256 for everything public (object names, file digests, log hashes), keyed
//! BLAKE3 for chunk identity inside a compartment.

use sha2::{Digest, Sha256};

/// The BLAKE3 implementation, for incremental keyed hashing by the store.
pub use blake3;

use crate::Key32;

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// An incremental SHA-256.
#[derive(Clone, Default)]
pub struct Sha256Hasher(Sha256);

impl Sha256Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self(Sha256::new())
    }
    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    /// The digest.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl std::fmt::Debug for Sha256Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sha256Hasher")
    }
}

/// A keyed BLAKE3 hash: the identity of a chunk within one compartment and key epoch.
///
/// Equal plaintext gives equal ids under one key, so it deduplicates there; under another
/// compartment's key the id is unrelated, so nothing is revealed across compartments.
pub fn keyed(key: &Key32, data: &[u8]) -> [u8; 32] {
    *blake3::keyed_hash(key.expose(), data).as_bytes()
}

/// Lower-case hexadecimal.
pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Parse lower- or upper-case hexadecimal into exactly `N` bytes.
pub fn from_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            to_hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut h = Sha256Hasher::new();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finalize(), sha256(b"abc"));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(from_hex::<3>("00ffA0"), Some([0, 255, 160]));
        assert_eq!(from_hex::<3>("00ffA"), None);
        assert_eq!(from_hex::<1>("zz"), None);
        assert_eq!(to_hex(&[0, 255, 160]), "00ffa0");
    }

    #[test]
    fn keyed_ids_differ_across_keys() {
        let a = Key32::from_bytes([1; 32]);
        let b = Key32::from_bytes([2; 32]);
        assert_eq!(keyed(&a, b"x"), keyed(&a, b"x"));
        assert_ne!(keyed(&a, b"x"), keyed(&b, b"x"));
    }
}
