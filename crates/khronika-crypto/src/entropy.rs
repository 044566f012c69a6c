//! Sources of randomness. Production code uses only [`OsEntropy`].

use crate::CryptoError;

/// Something that fills buffers with random bytes.
pub trait Entropy {
    /// Fill `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError>;

    /// Return 32 fresh random bytes.
    fn bytes32(&mut self) -> Result<[u8; 32], CryptoError> {
        let mut b = [0u8; 32];
        self.fill(&mut b)?;
        Ok(b)
    }
}

/// The operating system's cryptographic random source (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(buf).map_err(|_| CryptoError::Entropy)
    }
}

/// A deterministic stream (BLAKE3 in XOF mode over a seed).
///
/// **Only for test vectors and reproducible tests.** Never used by the vault itself; nothing
/// outside `#[cfg(test)]` code and test crates constructs it.
#[derive(Debug)]
pub struct SeededEntropy {
    reader: blake3::OutputReader,
}

impl SeededEntropy {
    /// A stream determined entirely by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut h = blake3::Hasher::new_derive_key("khronika test entropy v1");
        h.update(&seed.to_be_bytes());
        Self {
            reader: h.finalize_xof(),
        }
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        self.reader.fill(buf);
        Ok(())
    }
}
