//! The one error type of the crypto crate.

/// What can go wrong in a cryptographic operation.
///
/// Deliberately coarse: an authentication failure never says which part was wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// A sealed value did not authenticate: wrong key, wrong context, or damaged bytes.
    #[error("authentication failed: wrong key or damaged data")]
    Unauthentic,
    /// A sealed value is too short or otherwise not in the expected form.
    #[error("malformed sealed value: {0}")]
    Malformed(&'static str),
    /// A signature did not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// A public key is not a valid key (for example a low-order point).
    #[error("invalid public key")]
    BadPublicKey,
    /// Argon2 parameters outside the accepted range.
    #[error("key-derivation parameters refused: {0}")]
    BadKdfParams(String),
    /// A recovery key as typed by a person is not valid.
    #[error("recovery key not recognised: {0}")]
    BadRecoveryKey(&'static str),
    /// The operating system's random source failed.
    #[error("the system random number generator failed")]
    Entropy,
}
