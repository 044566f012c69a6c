//! Ed25519 signatures for devices and members (RFC 8032, strict verification).

use std::fmt;

use ed25519_dalek::{Signer, Verifier};

use crate::{CryptoError, Key32};

/// Length of a signature.
pub const SIGNATURE_LEN: usize = 64;

/// An Ed25519 signing key. Zeroized on drop; `Debug` shows only the public half.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// The signing key whose RFC 8032 seed is `seed`.
    pub fn from_seed(seed: &Key32) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed.expose()))
    }

    /// The verifying (public) key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Sign `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.0.sign(msg).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey(public={})",
            crate::hash::to_hex(&self.public().0)
        )
    }
}

/// An Ed25519 public key, as its 32 encoded bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// Verify `sig` over `msg` with strict RFC 8032 rules (no malleable or small-order forms).
    pub fn verify(&self, msg: &[u8], sig: &[u8; SIGNATURE_LEN]) -> Result<(), CryptoError> {
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&self.0)
            .map_err(|_| CryptoError::BadPublicKey)?;
        let sig = ed25519_dalek::Signature::from_bytes(sig);
        vk.verify_strict(msg, &sig)
            .map_err(|_| CryptoError::BadSignature)
    }

    /// Verify with the permissive rules of `ed25519_dalek`'s `verify` (for interoperability
    /// checks against vectors only; Khronika itself verifies strictly).
    #[doc(hidden)]
    pub fn verify_permissive(
        &self,
        msg: &[u8],
        sig: &[u8; SIGNATURE_LEN],
    ) -> Result<(), CryptoError> {
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&self.0)
            .map_err(|_| CryptoError::BadPublicKey)?;
        let sig = ed25519_dalek::Signature::from_bytes(sig);
        vk.verify(msg, &sig).map_err(|_| CryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let k = SigningKey::from_seed(&Key32::from_bytes([3; 32]));
        let sig = k.sign(b"entry");
        assert!(k.public().verify(b"entry", &sig).is_ok());
        assert_eq!(
            k.public().verify(b"entrz", &sig),
            Err(CryptoError::BadSignature)
        );
        let mut bad = sig;
        bad[5] ^= 1;
        assert!(k.public().verify(b"entry", &bad).is_err());
        assert!(!format!("{k:?}").contains("0303"));
    }

    #[test]
    fn rfc8032_test_1() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let seed = crate::hash::from_hex::<32>(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        let k = SigningKey::from_seed(&Key32::from_bytes(seed));
        assert_eq!(
            crate::hash::to_hex(&k.public().0),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            crate::hash::to_hex(&k.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }
}
