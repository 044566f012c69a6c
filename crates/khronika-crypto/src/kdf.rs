//! Key derivation: Argon2id for passphrases, BLAKE3 `derive_key` for everything else.
//!
//! Passphrase keys use Argon2id (RFC 9106) with at least m = 64 MiB, t = 3, p = 4, above the
//! OWASP minimums. Weaker parameters can only be made by [`Argon2Params::weak_for_tests`];
//! parameters read from disk are accepted only inside [`Argon2Params::from_stored`]'s sanity
//! bounds, so a damaged or hostile key file cannot ask for terabytes of memory.

use crate::secret::Key32;
use crate::{CryptoError, Passphrase};
use zeroize::Zeroize;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    m_kib: u32,
    t: u32,
    p: u32,
}

/// The smallest memory cost accepted for new keys: 64 MiB.
pub const MIN_M_KIB: u32 = 64 * 1024;
/// The smallest iteration count accepted for new keys.
pub const MIN_T: u32 = 3;
/// The smallest parallelism accepted for new keys.
pub const MIN_P: u32 = 4;
/// Largest memory cost ever accepted: 4 GiB. More is refused as absurd.
pub const MAX_M_KIB: u32 = 4 * 1024 * 1024;
/// Largest iteration count ever accepted.
pub const MAX_T: u32 = 64;
/// Largest parallelism ever accepted.
pub const MAX_P: u32 = 64;

impl Argon2Params {
    /// The parameters every new key slot uses: m = 64 MiB, t = 3, p = 4.
    pub const fn recommended() -> Self {
        Self {
            m_kib: MIN_M_KIB,
            t: MIN_T,
            p: MIN_P,
        }
    }

    /// Parameters at least as strong as the recommended ones and not absurd.
    pub fn new(m_kib: u32, t: u32, p: u32) -> Result<Self, CryptoError> {
        if m_kib < MIN_M_KIB || t < MIN_T || p < MIN_P {
            return Err(CryptoError::BadKdfParams(format!(
                "m={m_kib} KiB, t={t}, p={p} is weaker than the minimum m={MIN_M_KIB} KiB, t={MIN_T}, p={MIN_P}"
            )));
        }
        Self::from_stored(m_kib, t, p)
    }

    /// Parameters read back from a key file: anything Argon2 accepts, within sanity bounds.
    pub fn from_stored(m_kib: u32, t: u32, p: u32) -> Result<Self, CryptoError> {
        let absurd =
            m_kib > MAX_M_KIB || t > MAX_T || p > MAX_P || t == 0 || p == 0 || m_kib < 8 * p;
        if absurd {
            return Err(CryptoError::BadKdfParams(format!(
                "m={m_kib} KiB, t={t}, p={p} is outside the accepted range"
            )));
        }
        Ok(Self { m_kib, t, p })
    }

    /// Weak parameters for tests only: fast, and worthless against a guessing attack.
    /// The vault never creates a key slot with these unless a test asks it to.
    pub fn weak_for_tests() -> Self {
        Self {
            m_kib: 64,
            t: 1,
            p: 1,
        }
    }

    /// Memory cost in KiB.
    pub fn m_kib(&self) -> u32 {
        self.m_kib
    }
    /// Iterations.
    pub fn t(&self) -> u32 {
        self.t
    }
    /// Parallelism (lanes).
    pub fn p(&self) -> u32 {
        self.p
    }
}

/// Derive a 32-byte key from a passphrase and salt with Argon2id v1.3.
pub fn passphrase_key(
    passphrase: &Passphrase,
    salt: &[u8; 16],
    params: Argon2Params,
) -> Result<Key32, CryptoError> {
    let p = argon2::Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|e| CryptoError::BadKdfParams(e.to_string()))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut out = [0u8; 32];
    a.hash_password_into(passphrase.expose(), salt, &mut out)
        .map_err(|e| CryptoError::BadKdfParams(e.to_string()))?;
    let key = Key32::from_bytes(out);
    out.zeroize();
    Ok(key)
}

/// Derive a subkey from a root key for one purpose (BLAKE3 `derive_key`).
///
/// `context` must be a fixed, globally unique string naming the purpose, such as
/// `"khronika 2026-11 chunk id v1"`; the registry of contexts is part of the format.
pub fn derive(context: &'static str, root: &Key32) -> Key32 {
    Key32::from_bytes(blake3::derive_key(context, root.expose()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_absurd_parameters_are_refused() {
        assert!(Argon2Params::new(MIN_M_KIB, MIN_T, MIN_P).is_ok());
        assert!(Argon2Params::new(32 * 1024, 3, 4).is_err());
        assert!(Argon2Params::new(MIN_M_KIB, 2, 4).is_err());
        assert!(Argon2Params::new(MIN_M_KIB, 3, 1).is_err());
        assert!(Argon2Params::new(u32::MAX, 3, 4).is_err());
        assert!(Argon2Params::from_stored(64, 1, 1).is_ok());
        assert!(Argon2Params::from_stored(64, 0, 1).is_err());
        assert!(Argon2Params::from_stored(64, 1, 1000).is_err());
        assert_eq!(
            Argon2Params::recommended(),
            Argon2Params::new(65536, 3, 4).unwrap()
        );
    }

    #[test]
    fn passphrase_key_depends_on_everything() {
        let p = Argon2Params::weak_for_tests();
        let pw = Passphrase::new("correct horse".into());
        let k1 = passphrase_key(&pw, &[1; 16], p).unwrap();
        assert_eq!(k1, passphrase_key(&pw, &[1; 16], p).unwrap());
        assert_ne!(k1, passphrase_key(&pw, &[2; 16], p).unwrap());
        assert_ne!(
            k1,
            passphrase_key(&Passphrase::new("correct horsf".into()), &[1; 16], p).unwrap()
        );
        let p2 = Argon2Params::from_stored(128, 1, 1).unwrap();
        assert_ne!(k1, passphrase_key(&pw, &[1; 16], p2).unwrap());
    }

    #[test]
    fn derive_separates_purposes() {
        let root = Key32::from_bytes([5; 32]);
        assert_ne!(
            derive("khronika test a", &root),
            derive("khronika test b", &root)
        );
    }
}
