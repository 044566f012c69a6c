//! Authenticated encryption: XChaCha20-Poly1305 with a random 192-bit nonce per message.
//!
//! A sealed value is `nonce (24) || ciphertext || tag (16)`. Nonces are drawn fresh from the
//! entropy source for every message, so no counter or nonce state exists anywhere: a restored
//! laptop or a cloned virtual machine cannot repeat a nonce except by a 2^-96 accident.
//!
//! Every seal binds associated data built by [`AssociatedData`]: the format version, the kind
//! of object, the compartment, the key epoch and an identity (a chunk id, or a log position).
//! A ciphertext moved to another place, compartment or epoch therefore fails to open.

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, KeyInit, Tag, XChaCha20Poly1305, XNonce};

use crate::secret::SecretBytes;
use crate::{CryptoError, Entropy, Key32};

/// Length of the random nonce that starts every sealed value.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag that ends every sealed value.
pub const TAG_LEN: usize = 16;
/// Bytes a sealed value adds to its plaintext.
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// Version byte of the associated-data layout; part of every on-disk format.
pub const AD_VERSION: u8 = 1;
/// Length of [`AssociatedData`] once encoded.
pub const AD_LEN: usize = 8 + 1 + 1 + 16 + 4 + 32;

/// The associated data bound into every sealed value.
///
/// Encoded as `"KHRONIKA" || version u8 || kind u8 || compartment [16] || epoch u32 BE || id [32]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssociatedData {
    /// What the sealed value is (chunk, pack index, log payload, key slot…); see the store's
    /// format documentation for the registry of kinds.
    pub kind: u8,
    /// The compartment the value belongs to (all zero for values outside compartments).
    pub compartment: [u8; 16],
    /// The compartment's key epoch.
    pub epoch: u32,
    /// The value's identity: a chunk id, a log position, or zero.
    pub id: [u8; 32],
}

impl AssociatedData {
    /// Encode to the fixed 62-byte layout.
    pub fn encode(&self) -> [u8; AD_LEN] {
        let mut out = [0u8; AD_LEN];
        out[..8].copy_from_slice(b"KHRONIKA");
        out[8] = AD_VERSION;
        out[9] = self.kind;
        out[10..26].copy_from_slice(&self.compartment);
        out[26..30].copy_from_slice(&self.epoch.to_be_bytes());
        out[30..62].copy_from_slice(&self.id);
        out
    }
}

fn cipher(key: &Key32) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.expose().into())
}

/// Seal `plaintext` and return `nonce || ciphertext || tag`.
pub fn seal(
    key: &Key32,
    ad: &[u8],
    plaintext: &[u8],
    rng: &mut dyn Entropy,
) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(plaintext.len() + OVERHEAD);
    seal_into(key, ad, plaintext, rng, &mut out)?;
    Ok(out)
}

/// Seal `plaintext` and append `nonce || ciphertext || tag` to `out` (no intermediate copy).
pub fn seal_into(
    key: &Key32,
    ad: &[u8],
    plaintext: &[u8],
    rng: &mut dyn Entropy,
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce)?;
    seal_into_with_nonce(key, ad, plaintext, &nonce, out)
}

/// Seal with a caller-chosen nonce. Only for reproducing test vectors: a repeated nonce under
/// one key destroys confidentiality, which is why the vault never calls this.
#[doc(hidden)]
pub fn seal_into_with_nonce(
    key: &Key32,
    ad: &[u8],
    plaintext: &[u8],
    nonce: &[u8; NONCE_LEN],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    out.reserve(plaintext.len() + OVERHEAD);
    out.extend_from_slice(nonce);
    let start = out.len();
    out.extend_from_slice(plaintext);
    let tag = cipher(key)
        .encrypt_inout_detached(&XNonce::from(*nonce), ad, InOutBuf::from(&mut out[start..]))
        .map_err(|_| CryptoError::Malformed("message too long to seal"))?;
    out.extend_from_slice(&tag);
    Ok(())
}

/// Open a sealed value made by [`seal`] with the same key and associated data.
pub fn open(key: &Key32, ad: &[u8], sealed: &[u8]) -> Result<SecretBytes, CryptoError> {
    if sealed.len() < OVERHEAD {
        return Err(CryptoError::Malformed("shorter than nonce and tag"));
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let (ct, tag) = rest.split_at(rest.len() - TAG_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| CryptoError::Malformed("nonce length"))?;
    let tag = Tag::try_from(tag).map_err(|_| CryptoError::Malformed("tag length"))?;
    let mut buf = SecretBytes::new(ct.to_vec());
    cipher(key)
        .decrypt_inout_detached(&nonce, ad, InOutBuf::from(&mut buf[..]), &tag)
        .map_err(|_| CryptoError::Unauthentic)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededEntropy;

    fn ad(kind: u8) -> [u8; AD_LEN] {
        AssociatedData {
            kind,
            compartment: [7; 16],
            epoch: 3,
            id: [9; 32],
        }
        .encode()
    }

    #[test]
    fn round_trip_and_binding() {
        let mut rng = SeededEntropy::new(1);
        let key = Key32::random(&mut rng).unwrap();
        let sealed = seal(&key, &ad(1), b"evidence", &mut rng).unwrap();
        assert_eq!(sealed.len(), 8 + OVERHEAD);
        assert_eq!(&open(&key, &ad(1), &sealed).unwrap()[..], b"evidence");
        assert_eq!(open(&key, &ad(2), &sealed), Err(CryptoError::Unauthentic));
        let other = Key32::random(&mut rng).unwrap();
        assert_eq!(open(&other, &ad(1), &sealed), Err(CryptoError::Unauthentic));
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x80;
            assert_eq!(
                open(&key, &ad(1), &bad),
                Err(CryptoError::Unauthentic),
                "byte {i}"
            );
        }
        assert!(matches!(
            open(&key, &ad(1), &sealed[..39]),
            Err(CryptoError::Malformed(_))
        ));
    }

    #[test]
    fn nonces_are_fresh() {
        let key = Key32::from_bytes([1; 32]);
        let a = seal(&key, b"", b"same", &mut crate::OsEntropy).unwrap();
        let b = seal(&key, b"", b"same", &mut crate::OsEntropy).unwrap();
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
    }

    #[test]
    fn associated_data_layout_is_fixed() {
        let enc = AssociatedData {
            kind: 0x11,
            compartment: [0xaa; 16],
            epoch: 0x01020304,
            id: [0xbb; 32],
        }
        .encode();
        let mut want = b"KHRONIKA\x01\x11".to_vec();
        want.extend([0xaa; 16]);
        want.extend([1, 2, 3, 4]);
        want.extend([0xbb; 32]);
        assert_eq!(enc.to_vec(), want);
    }
}
