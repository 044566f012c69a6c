//! The key of one search index: 32 bytes the app derives from a compartment's key, and the
//! two subkeys the encrypted directory uses. Zeroized when dropped, never printed.

use std::fmt;

use khronika_crypto::{Key32, kdf};

/// The 32-byte key that seals one compartment's search index.
///
/// The app derives it from the compartment's epoch secret (BLAKE3 `derive_key` with a
/// context naming the search index), so that it opens nothing else.
#[derive(Clone)]
pub struct SearchKey(Key32);

impl SearchKey {
    /// Wrap raw key bytes. The caller's copy should be zeroized by the caller.
    pub fn from_bytes(bytes: [u8; 32]) -> SearchKey {
        SearchKey(Key32::from_bytes(bytes))
    }

    /// Wrap a key.
    pub fn from_key(key: Key32) -> SearchKey {
        SearchKey(key)
    }

    /// The subkey that seals blocks.
    pub(crate) fn block_key(&self) -> Key32 {
        kdf::derive("khronika 2026-11 search index blocks v1", &self.0)
    }

    /// The subkey that names files.
    pub(crate) fn name_key(&self) -> Key32 {
        kdf::derive("khronika 2026-11 search index file names v1", &self.0)
    }
}

impl fmt::Debug for SearchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SearchKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key_and_subkeys_differ() {
        let key = SearchKey::from_bytes([0x41; 32]);
        assert_eq!(format!("{key:?}"), "SearchKey(<redacted>)");
        assert_ne!(key.block_key(), key.name_key());
        assert_ne!(key.block_key().expose(), &[0x41; 32]);
    }
}
