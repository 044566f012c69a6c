//! Wrapping keys to a recipient's X25519 public key, and the recovery key's printed form.
//!
//! A wrapped key is `ephemeral public (32) || nonce (24) || sealed key (32) || tag (16)`,
//! 104 bytes. The wrapping key is BLAKE3 `derive_key("khronika 2026-11 x25519 wrap v1",
//! shared || ephemeral public || recipient public)`; the seal is XChaCha20-Poly1305 with the
//! caller's associated data (which names the compartment, the epoch and the recipient).

use std::fmt;

use zeroize::Zeroize;

use crate::secret::Key32;
use crate::{CryptoError, Entropy, aead};

/// Length of a wrapped 32-byte key.
pub const WRAPPED_LEN: usize = 32 + aead::NONCE_LEN + 32 + aead::TAG_LEN;

const WRAP_CONTEXT: &str = "khronika 2026-11 x25519 wrap v1";

/// An X25519 secret key. Zeroized on drop; never printed.
pub struct WrapSecret(x25519_dalek::StaticSecret);

impl WrapSecret {
    /// The X25519 secret whose (clamped) scalar bytes are `seed`.
    pub fn from_seed(seed: &Key32) -> Self {
        Self(x25519_dalek::StaticSecret::from(*seed.expose()))
    }

    /// The matching public key.
    pub fn public(&self) -> WrapPublic {
        WrapPublic(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }
}

impl fmt::Debug for WrapSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WrapSecret(public={})",
            crate::hash::to_hex(&self.public().0)
        )
    }
}

/// An X25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct WrapPublic(pub [u8; 32]);

fn wrapping_key(shared: &[u8; 32], eph: &[u8; 32], recipient: &[u8; 32]) -> Key32 {
    let mut material = [0u8; 96];
    material[..32].copy_from_slice(shared);
    material[32..64].copy_from_slice(eph);
    material[64..].copy_from_slice(recipient);
    let k = Key32::from_bytes(blake3::derive_key(WRAP_CONTEXT, &material));
    material.zeroize();
    k
}

/// Wrap `key` to `to`, binding `ad`.
pub fn wrap(
    key: &Key32,
    to: &WrapPublic,
    ad: &[u8],
    rng: &mut dyn Entropy,
) -> Result<[u8; WRAPPED_LEN], CryptoError> {
    let eph = WrapSecret::from_seed(&Key32::random(rng)?);
    let eph_pub = eph.public();
    let shared = eph.0.diffie_hellman(&x25519_dalek::PublicKey::from(to.0));
    if !shared.was_contributory() {
        return Err(CryptoError::BadPublicKey);
    }
    let wk = wrapping_key(shared.as_bytes(), &eph_pub.0, &to.0);
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.extend_from_slice(&eph_pub.0);
    aead::seal_into(&wk, ad, key.expose(), rng, &mut out)?;
    out.try_into()
        .map_err(|_| CryptoError::Malformed("wrapped key length"))
}

/// Unwrap a key wrapped to `with`'s public key under the same `ad`.
pub fn unwrap(
    wrapped: &[u8; WRAPPED_LEN],
    with: &WrapSecret,
    ad: &[u8],
) -> Result<Key32, CryptoError> {
    let mut eph = [0u8; 32];
    eph.copy_from_slice(&wrapped[..32]);
    let shared = with.0.diffie_hellman(&x25519_dalek::PublicKey::from(eph));
    if !shared.was_contributory() {
        return Err(CryptoError::BadPublicKey);
    }
    let wk = wrapping_key(shared.as_bytes(), &eph, &with.public().0);
    let plain = aead::open(&wk, ad, &wrapped[32..])?;
    let bytes: [u8; 32] = plain[..]
        .try_into()
        .map_err(|_| CryptoError::Malformed("wrapped key length"))?;
    Ok(Key32::from_bytes(bytes))
}

/// Diffie-Hellman for interoperability vectors only.
#[doc(hidden)]
pub fn raw_x25519(secret: [u8; 32], public: [u8; 32]) -> [u8; 32] {
    x25519_dalek::x25519(secret, public)
}

/// The recovery key: an X25519 secret that a person writes down and keeps outside the region.
///
/// Printed as `KR1-` followed by 55 Crockford base32 characters in groups of five: the 32 key
/// bytes and a 2-byte checksum (the first two bytes of SHA-256 of `"khronika recovery v1" ||
/// key`). Parsing ignores case, spaces and dashes and accepts O for 0 and I or L for 1.
pub struct RecoveryKey(Key32);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RECOVERY_PREFIX: &str = "KR1-";

impl RecoveryKey {
    /// A fresh recovery key.
    pub fn generate(rng: &mut dyn Entropy) -> Result<Self, CryptoError> {
        Ok(Self(Key32::random(rng)?))
    }

    /// The X25519 secret used to unwrap key epochs.
    pub fn wrap_secret(&self) -> WrapSecret {
        WrapSecret::from_seed(&self.0)
    }

    fn checksum(key: &[u8; 32]) -> [u8; 2] {
        let mut h = crate::hash::Sha256Hasher::new();
        h.update(b"khronika recovery v1");
        h.update(key);
        let d = h.finalize();
        [d[0], d[1]]
    }

    /// The printed form, for showing once to a person. Treat the returned string as secret.
    pub fn to_text(&self) -> zeroize::Zeroizing<String> {
        let mut bytes = [0u8; 34];
        bytes[..32].copy_from_slice(self.0.expose());
        bytes[32..].copy_from_slice(&Self::checksum(self.0.expose()));
        let mut chars = Vec::with_capacity(55);
        let (mut acc, mut bits) = (0u32, 0u32);
        for &b in &bytes {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                chars.push(CROCKFORD[((acc >> bits) & 31) as usize]);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            chars.push(CROCKFORD[((acc << (5 - bits)) & 31) as usize]);
        }
        bytes.zeroize();
        let mut s = String::from(RECOVERY_PREFIX);
        for (i, group) in chars.chunks(5).enumerate() {
            if i > 0 {
                s.push('-');
            }
            s.extend(group.iter().map(|&c| c as char));
        }
        chars.zeroize();
        zeroize::Zeroizing::new(s)
    }

    /// Parse the printed form.
    pub fn from_text(text: &str) -> Result<Self, CryptoError> {
        let t = text.trim();
        let body = t
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case(RECOVERY_PREFIX))
            .map(|_| &t[4..])
            .ok_or(CryptoError::BadRecoveryKey("it should start with KR1-"))?;
        let mut out = Vec::with_capacity(35);
        let (mut acc, mut bits) = (0u32, 0u32);
        let mut count = 0;
        for c in body.chars() {
            let v = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => 0,
                'I' | 'L' => 1,
                u => CROCKFORD.iter().position(|&x| x as char == u).ok_or(
                    CryptoError::BadRecoveryKey(
                        "it contains a character that is not used in recovery keys",
                    ),
                )? as u32,
            };
            count += 1;
            acc = (acc << 5) | v;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        if count != 55 || out.len() != 34 {
            out.zeroize();
            return Err(CryptoError::BadRecoveryKey(
                "it should have 55 characters after KR1-",
            ));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&out[..32]);
        let ok = Self::checksum(&key) == [out[32], out[33]];
        out.zeroize();
        if !ok {
            key.zeroize();
            return Err(CryptoError::BadRecoveryKey(
                "a character is mistyped (checksum mismatch)",
            ));
        }
        let k = Key32::from_bytes(key);
        key.zeroize();
        Ok(Self(k))
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededEntropy;

    #[test]
    fn wrap_round_trip_and_binding() {
        let mut rng = SeededEntropy::new(7);
        let member = WrapSecret::from_seed(&Key32::random(&mut rng).unwrap());
        let other = WrapSecret::from_seed(&Key32::random(&mut rng).unwrap());
        let key = Key32::random(&mut rng).unwrap();
        let w = wrap(&key, &member.public(), b"epoch 1", &mut rng).unwrap();
        assert_eq!(unwrap(&w, &member, b"epoch 1").unwrap(), key);
        assert!(unwrap(&w, &member, b"epoch 2").is_err());
        assert!(unwrap(&w, &other, b"epoch 1").is_err());
        let mut bad = w;
        bad[40] ^= 1;
        assert!(unwrap(&bad, &member, b"epoch 1").is_err());
        // A low-order public key is refused rather than producing a predictable key.
        assert_eq!(
            wrap(&key, &WrapPublic([0; 32]), b"", &mut rng).unwrap_err(),
            CryptoError::BadPublicKey
        );
    }

    #[test]
    fn recovery_key_text_round_trip_and_typos() {
        let mut rng = SeededEntropy::new(9);
        let rk = RecoveryKey::generate(&mut rng).unwrap();
        let text = rk.to_text();
        assert!(text.starts_with("KR1-"));
        assert_eq!(text.len(), 4 + 55 + 10);
        let back = RecoveryKey::from_text(
            &text
                .to_lowercase()
                .replace('-', " ")
                .replacen("kr1 ", "kr1-", 1),
        )
        .unwrap();
        assert_eq!(back.wrap_secret().public(), rk.wrap_secret().public());
        // One changed character is caught by the checksum (or the alphabet).
        let mut chars: Vec<char> = text.chars().collect();
        chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        assert!(RecoveryKey::from_text(&typo).is_err());
        assert!(RecoveryKey::from_text("KR1-ABC").is_err());
        assert!(RecoveryKey::from_text("nonsense").is_err());
        assert!(RecoveryKey::from_text("KR1-UUUUU").is_err());
        assert!(!format!("{rk:?}").contains(&text[4..9]));
    }
}
