//! User-facing errors: a stable code, an exit status, and one line that says what is wrong
//! and what to do. Internal faults are kept apart from the user's.

use std::fmt;

use khronika_store::{BackendError, StoreError};

/// Stable error codes. Their names and exit statuses are part of the CLI's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A bug or an unexpected condition inside Khronika.
    Internal,
    /// The command line was not understood.
    Usage,
    /// The folder is not a Khronika vault (or the vault marker is damaged).
    NotAVault,
    /// `init` was given a folder that already holds something.
    VaultExists,
    /// The passphrase does not unlock the vault.
    WrongPassphrase,
    /// An input file is missing, a directory, or unreadable.
    InputFile,
    /// No evidence item has that id.
    NotFound,
    /// Stored data is damaged or missing; `verify` found problems.
    Damaged,
    /// The disk is full.
    StorageFull,
    /// Reading or writing the vault failed.
    Storage,
    /// Input data (a record, an import file) is not valid; nothing was stored.
    Invalid,
    /// The member's role or grants do not allow this.
    Forbidden,
    /// A mirror could not be reached, or refused a request (network, address, credentials).
    Mirror,
}

impl ErrorCode {
    /// The exit status of the `khronika` command for this error.
    pub fn exit_status(self) -> i32 {
        match self {
            ErrorCode::Internal => 1,
            ErrorCode::Usage => 2,
            ErrorCode::NotAVault | ErrorCode::VaultExists => 3,
            ErrorCode::WrongPassphrase => 4,
            ErrorCode::InputFile => 5,
            ErrorCode::NotFound => 6,
            ErrorCode::Damaged => 7,
            ErrorCode::StorageFull => 8,
            ErrorCode::Storage => 9,
            ErrorCode::Invalid => 10,
            ErrorCode::Forbidden => 11,
            ErrorCode::Mirror => 12,
        }
    }

    /// The stable machine-readable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Internal => "internal",
            ErrorCode::Usage => "usage",
            ErrorCode::NotAVault => "not-a-vault",
            ErrorCode::VaultExists => "vault-exists",
            ErrorCode::WrongPassphrase => "wrong-passphrase",
            ErrorCode::InputFile => "input-file",
            ErrorCode::NotFound => "not-found",
            ErrorCode::Damaged => "damaged",
            ErrorCode::StorageFull => "storage-full",
            ErrorCode::Storage => "storage-io",
            ErrorCode::Invalid => "invalid-input",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Mirror => "mirror-unreachable",
        }
    }
}

/// An error for a person: what is wrong, and what to do.
#[derive(Debug)]
pub struct AppError {
    /// The stable code.
    pub code: ErrorCode,
    /// What is wrong and what to do, as one line.
    pub message: String,
}

impl AppError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// An internal fault.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Backend(b) => b.into(),
            StoreError::Damaged { .. } | StoreError::Log { .. } | StoreError::Crypto { .. } => {
                AppError::new(
                    ErrorCode::Damaged,
                    format!(
                        "{e}. Run `khronika verify` for a full report; a mirror can restore the damaged object."
                    ),
                )
            }
            StoreError::Raced { .. } => AppError::new(
                ErrorCode::Storage,
                format!(
                    "{e}: another program (`khronika serve`, or a second command) wrote to this vault at the same time. Nothing of this change was saved; run it again."
                ),
            ),
            StoreError::Internal(w) => AppError::internal(w),
            StoreError::TooLarge(w) => {
                AppError::new(ErrorCode::InputFile, format!("too large: {w}"))
            }
        }
    }
}

impl From<BackendError> for AppError {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::Full(_) => AppError::new(
                ErrorCode::StorageFull,
                format!(
                    "{e}. Nothing was acknowledged; free some space and run the command again."
                ),
            ),
            BackendError::Storage { ref source, .. }
                if source.kind() == std::io::ErrorKind::StorageFull =>
            {
                AppError::new(
                    ErrorCode::StorageFull,
                    format!(
                        "{e}. Nothing was acknowledged; free some space and run the command again."
                    ),
                )
            }
            BackendError::NotFound(_) => AppError::new(
                ErrorCode::Damaged,
                format!("{e}. Run `khronika verify` for a full report; a mirror can restore it."),
            ),
            BackendError::Conflict(_) | BackendError::Foreign(_) => AppError::new(
                ErrorCode::Damaged,
                format!("{e}. Run `khronika verify` for a full report."),
            ),
            BackendError::Io { .. } | BackendError::Storage { .. } => AppError::new(
                ErrorCode::Storage,
                format!("{e}. Nothing was acknowledged; check the disk and run the command again."),
            ),
        }
    }
}

/// Map a file-system error on a vault file to an [`AppError`].
pub(crate) fn io_error(what: &str, e: std::io::Error) -> AppError {
    match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => AppError::new(
            ErrorCode::StorageFull,
            format!(
                "no space left while {what}. Nothing was acknowledged; free some space and try again."
            ),
        ),
        _ => AppError::new(
            ErrorCode::Storage,
            format!(
                "input/output error while {what}: {e}. Nothing was acknowledged; check the disk and try again."
            ),
        ),
    }
}
