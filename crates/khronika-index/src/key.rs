//! The key of one index database: 32 bytes the app derives from a compartment's key. Zeroized
//! when dropped, never printed.

use std::fmt;

use zeroize::Zeroizing;

/// The 32-byte key that encrypts one compartment's index database.
///
/// The app derives it from the compartment's key (for example with BLAKE3 `derive_key` and a
/// context naming the index), so that the index key opens nothing else. It is handed to
/// SQLCipher as a raw key (`x'…'`), so no passphrase derivation runs on open.
#[derive(Clone)]
pub struct IndexKey(Zeroizing<[u8; 32]>);

impl IndexKey {
    /// Wrap raw key bytes. The caller's copy should be zeroized by the caller.
    pub fn from_bytes(bytes: [u8; 32]) -> IndexKey {
        IndexKey(Zeroizing::new(bytes))
    }

    /// The `PRAGMA key` statement for this key, in a buffer zeroized when dropped. The
    /// buffer is allocated once at its final size, so no partial copy is left behind.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        const HEAD: &str = "PRAGMA key = \"x'";
        const TAIL: &str = "'\";";
        let mut s = Zeroizing::new(String::with_capacity(HEAD.len() + 64 + TAIL.len()));
        s.push_str(HEAD);
        for b in self.0.iter() {
            for nibble in [b >> 4, b & 0x0f] {
                if let Some(&c) = HEX.get(usize::from(nibble)) {
                    s.push(char::from(c));
                }
            }
        }
        s.push_str(TAIL);
        s
    }
}

impl fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IndexKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pragma_holds_the_key_in_hex_and_debug_hides_it() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xab;
        bytes[31] = 0x01;
        let key = IndexKey::from_bytes(bytes);
        let pragma = key.pragma();
        assert_eq!(
            pragma.as_str(),
            format!("PRAGMA key = \"x'ab{}01'\";", "00".repeat(30))
        );
        assert_eq!(format!("{key:?}"), "IndexKey(<redacted>)");
    }
}
