//! Errors of the records index: a stable code and one sentence that says what to do.
//!
//! Rules: the index is derived from the vault's logs, so every fault of the file itself
//! (wrong key, damage, another schema) tells the person to run `khronika reindex`, which
//! deletes and rebuilds it; nothing in the vault is lost by that. Faults of the disk (full,
//! failing, not writable) are reported as such. Anything else is an internal fault.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// Why the records index cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The key does not open the file, or the file is damaged (a page fails its
    /// authentication, the file is truncated, or stored data does not parse).
    #[error(
        "the records index {} cannot be read: the key is wrong or the file is damaged ({detail}); the index is rebuilt from the vault's logs, so run `khronika reindex`",
        path.display()
    )]
    WrongKeyOrDamaged {
        /// The database file.
        path: PathBuf,
        /// What SQLite or the decoder said.
        detail: String,
    },
    /// The file was written by another version of Khronika, with a schema this one does not
    /// read.
    #[error(
        "the records index {} was written by another version of Khronika (schema {found}; this version reads schema {supported}); run `khronika reindex` to rebuild it for this version",
        path.display()
    )]
    UnknownSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: i64,
        /// The schema version this crate writes and reads.
        supported: i64,
    },
    /// The file cannot be opened or created at all.
    #[error(
        "cannot open the records index {}: {detail}; check that its folder exists and that you may write to it",
        path.display()
    )]
    CannotOpen {
        /// The database file.
        path: PathBuf,
        /// What the system said.
        detail: String,
    },
    /// Reading or writing failed: the disk is full or failing.
    #[error(
        "reading or writing the records index {} failed: {detail}; free some disk space or check the disk, then try again",
        path.display()
    )]
    Storage {
        /// The database file.
        path: PathBuf,
        /// What the system said.
        detail: String,
    },
    /// Another process holds the index and did not let go in time.
    #[error(
        "the records index {} is in use by another Khronika process; wait for it to finish, then try again",
        path.display()
    )]
    Busy {
        /// The database file.
        path: PathBuf,
    },
    /// A bug or an unexpected condition (also: a caller passed a log position beyond 2^63-1).
    #[error(
        "internal error in the records index {}: {detail}; please report it (running `khronika reindex` may work around it)",
        path.display()
    )]
    Internal {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

impl IndexError {
    /// A stable code: `index-unreadable`, `index-unknown-schema`, `index-cannot-open`,
    /// `index-storage`, `index-busy` or `index-internal`.
    pub fn code(&self) -> &'static str {
        match self {
            IndexError::WrongKeyOrDamaged { .. } => "index-unreadable",
            IndexError::UnknownSchema { .. } => "index-unknown-schema",
            IndexError::CannotOpen { .. } => "index-cannot-open",
            IndexError::Storage { .. } => "index-storage",
            IndexError::Busy { .. } => "index-busy",
            IndexError::Internal { .. } => "index-internal",
        }
    }

    /// Whether rebuilding the index (`khronika reindex`) is the remedy: the file is
    /// unreadable or of another schema.
    pub fn needs_reindex(&self) -> bool {
        matches!(
            self,
            IndexError::WrongKeyOrDamaged { .. } | IndexError::UnknownSchema { .. }
        )
    }

    /// The error for a SQLite failure on the index at `path`.
    pub(crate) fn sqlite(path: &Path, e: rusqlite::Error) -> IndexError {
        let path = path.to_path_buf();
        let detail = e.to_string();
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
            _ => None,
        };
        match code {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                IndexError::WrongKeyOrDamaged { path, detail }
            }
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                IndexError::CannotOpen { path, detail }
            }
            Some(ErrorCode::DiskFull | ErrorCode::SystemIoFailure) => {
                IndexError::Storage { path, detail }
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => IndexError::Busy { path },
            _ => IndexError::Internal { path, detail },
        }
    }

    /// The error for stored data that does not decode (damage, or a file written by a bug).
    pub(crate) fn damaged(path: &Path, detail: impl Into<String>) -> IndexError {
        IndexError::WrongKeyOrDamaged {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }

    /// An internal fault.
    pub(crate) fn internal(path: &Path, detail: impl Into<String>) -> IndexError {
        IndexError::Internal {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }
}
