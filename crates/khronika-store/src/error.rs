//! Errors of the store layer.

use crate::backend::BackendError;
use crate::path::ObjectPath;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (IO, full disk, missing object…).
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// An object is present but its bytes are not what its name or its signature promise.
    #[error("damaged object {path}: {what}")]
    Damaged {
        /// The object's path.
        path: ObjectPath,
        /// What is wrong with it.
        what: String,
    },
    /// Sealed data did not open with the key we hold.
    #[error("cannot decrypt {what}: {source}")]
    Crypto {
        /// What we tried to open.
        what: String,
        /// Why it failed.
        source: khronika_crypto::CryptoError,
    },
    /// An encoding limit was exceeded (for example an entry over 64 KiB).
    #[error("too large: {0}")]
    TooLarge(String),
    /// A caller broke an invariant of the store (a bug, not bad data).
    #[error("internal error: {0}")]
    Internal(String),
    /// A log is inconsistent with itself (broken chain, wrong index, forked history).
    #[error("log {device}: {what}")]
    Log {
        /// The device whose log is inconsistent.
        device: crate::DeviceId,
        /// What is wrong.
        what: String,
    },
    /// Another writer extended this device's log after this one loaded it (two programs
    /// writing as the same device at once). Nothing was written.
    #[error(
        "the log of device {device} was extended elsewhere to {found} entries while this program held {held}"
    )]
    Raced {
        /// The device.
        device: crate::DeviceId,
        /// The entries this program had committed.
        held: u64,
        /// The newest checkpoint found on storage.
        found: u64,
    },
}
