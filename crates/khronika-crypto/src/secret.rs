//! Secret values: zeroized when dropped, redacted in `Debug`, compared in constant time.

use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A 32-byte secret key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key32([u8; 32]);

impl Key32 {
    /// Wrap raw key bytes. The caller's copy should be zeroized by the caller.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key.
    pub fn random(rng: &mut dyn crate::Entropy) -> Result<Self, crate::CryptoError> {
        let mut k = Self([0; 32]);
        rng.fill(&mut k.0)?;
        Ok(k)
    }

    /// The raw bytes. Keep the borrow short.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32(<redacted>)")
    }
}

impl PartialEq for Key32 {
    fn eq(&self, other: &Self) -> bool {
        use subtle_eq::ct_eq;
        ct_eq(&self.0, &other.0)
    }
}
impl Eq for Key32 {}

/// A passphrase as typed by a person. Zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    /// Take ownership of a passphrase. One trailing newline (as left by `echo` or an editor in
    /// a passphrase file) is removed; nothing else is changed.
    pub fn new(mut s: String) -> Self {
        if s.ends_with('\n') {
            s.pop();
            if s.ends_with('\r') {
                s.pop();
            }
        }
        Self(s)
    }

    /// The passphrase bytes, for the KDF only.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// True if the passphrase is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in characters (for strength advice).
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// A byte buffer holding plaintext or key material; zeroized on drop.
pub type SecretBytes = Zeroizing<Vec<u8>>;

mod subtle_eq {
    /// Constant-time equality of two equal-length byte strings.
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let mut diff = 0u8;
        for (x, y) in a.iter().zip(b) {
            diff |= x ^ y;
        }
        std::hint::black_box(diff) == 0
    }
}

pub use subtle_eq::ct_eq;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secrets() {
        let k = Key32::from_bytes([0x41; 32]);
        let p = Passphrase::new("hunter2-секрет".into());
        let text = format!("{k:?} {p:?}");
        assert!(!text.contains("41"), "{text}");
        assert!(
            !text.contains("hunter2") && !text.contains("секрет"),
            "{text}"
        );
    }

    #[test]
    fn passphrase_strips_one_newline_only() {
        assert_eq!(Passphrase::new("abc\n".into()).expose(), b"abc");
        assert_eq!(Passphrase::new("abc\r\n".into()).expose(), b"abc");
        assert_eq!(Passphrase::new("abc\n\n".into()).expose(), b"abc\n");
        assert_eq!(Passphrase::new(" abc ".into()).expose(), b" abc ");
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
