//! Errors of the search index: a stable code and one sentence that says what to do.
//!
//! Rules (as in `khronika-index`): the search index is derived from the vault's logs, so
//! every fault of its files (wrong key, damage, another format) tells the person to run
//! `khronika reindex`, which deletes and rebuilds it; nothing in the vault is lost by that.
//! Faults of the disk are reported as such; a query that cannot be read is the user's to
//! fix; anything else is an internal fault.

use std::io;
use std::path::{Path, PathBuf};

use crate::crypt_dir::{Damage, OpenError};

/// Why the search index cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The key does not open the index: it belongs to another compartment or key epoch.
    #[error(
        "the search index {} does not open with this key (it belongs to another compartment or key epoch, or its header is damaged); it is rebuilt from the vault's logs, so run `khronika reindex`",
        path.display()
    )]
    WrongKey {
        /// The index folder.
        path: PathBuf,
    },
    /// A file of the index is damaged: a block fails authentication, is cut short, or does
    /// not parse.
    #[error(
        "the search index {} is damaged ({detail}); it is rebuilt from the vault's logs, so run `khronika reindex`",
        path.display()
    )]
    Damaged {
        /// The index folder.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The folder holds something else, or an index of another format or schema.
    #[error(
        "{} is not a search index this version of Khronika reads ({detail}); run `khronika reindex` to rebuild it",
        path.display()
    )]
    NotAnIndex {
        /// The index folder.
        path: PathBuf,
        /// Why not.
        detail: String,
    },
    /// Reading or writing failed: the disk is full or failing, or permissions refuse it.
    #[error(
        "reading or writing the search index {} failed: {detail}; check the disk's free space and that you may write to the folder, then try again",
        path.display()
    )]
    Storage {
        /// The index folder.
        path: PathBuf,
        /// What the system said.
        detail: String,
    },
    /// Another process is writing to this index.
    #[error(
        "the search index {} is being written by another Khronika process; wait for it to finish, then try again",
        path.display()
    )]
    Busy {
        /// The index folder.
        path: PathBuf,
    },
    /// The search cannot be done as asked.
    #[error("the search cannot be done: {0}")]
    BadQuery(String),
    /// A bug or an unexpected condition.
    #[error(
        "internal error in the search index {}: {detail}; please report it (running `khronika reindex` may work around it)",
        path.display()
    )]
    Internal {
        /// The index folder.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

impl SearchError {
    /// A stable code: `search-wrong-key`, `search-damaged`, `search-not-an-index`,
    /// `search-storage`, `search-busy`, `search-bad-query` or `search-internal`.
    pub fn code(&self) -> &'static str {
        match self {
            SearchError::WrongKey { .. } => "search-wrong-key",
            SearchError::Damaged { .. } => "search-damaged",
            SearchError::NotAnIndex { .. } => "search-not-an-index",
            SearchError::Storage { .. } => "search-storage",
            SearchError::Busy { .. } => "search-busy",
            SearchError::BadQuery(_) => "search-bad-query",
            SearchError::Internal { .. } => "search-internal",
        }
    }

    /// Whether rebuilding the index (`khronika reindex`) is the remedy.
    pub fn needs_reindex(&self) -> bool {
        matches!(
            self,
            SearchError::WrongKey { .. }
                | SearchError::Damaged { .. }
                | SearchError::NotAnIndex { .. }
        )
    }

    pub(crate) fn open(path: &Path, e: OpenError) -> SearchError {
        let path = path.to_path_buf();
        match e {
            OpenError::WrongKey => SearchError::WrongKey { path },
            OpenError::NotAnIndex(detail) => SearchError::NotAnIndex { path, detail },
            OpenError::Io(e) => SearchError::io(&path, &e),
        }
    }

    pub(crate) fn io(path: &Path, e: &io::Error) -> SearchError {
        let path = path.to_path_buf();
        if let Some(d) = e.get_ref().and_then(|r| r.downcast_ref::<Damage>()) {
            return SearchError::Damaged {
                path,
                detail: d.to_string(),
            };
        }
        if e.kind() == io::ErrorKind::InvalidData || e.kind() == io::ErrorKind::UnexpectedEof {
            return SearchError::Damaged {
                path,
                detail: e.to_string(),
            };
        }
        SearchError::Storage {
            path,
            detail: e.to_string(),
        }
    }

    /// The error for a tantivy failure on the index at `path`.
    pub(crate) fn tantivy(path: &Path, e: tantivy::TantivyError) -> SearchError {
        use tantivy::TantivyError as T;
        use tantivy::directory::error::{LockError, OpenReadError};
        match e {
            T::IoError(io) => SearchError::io(path, &io),
            T::OpenReadError(OpenReadError::IoError { io_error, .. }) => {
                SearchError::io(path, &io_error)
            }
            T::OpenReadError(OpenReadError::FileDoesNotExist(f)) => SearchError::Damaged {
                path: path.to_path_buf(),
                detail: format!("the file {} it names is missing", f.display()),
            },
            T::DataCorruption(c) => SearchError::Damaged {
                path: path.to_path_buf(),
                detail: format!("{c:?}"),
            },
            T::LockFailure(LockError::LockBusy, _) => SearchError::Busy {
                path: path.to_path_buf(),
            },
            T::SchemaError(s) => SearchError::NotAnIndex {
                path: path.to_path_buf(),
                detail: s,
            },
            other => SearchError::Internal {
                path: path.to_path_buf(),
                detail: other.to_string(),
            },
        }
    }

    pub(crate) fn internal(path: &Path, detail: impl Into<String>) -> SearchError {
        SearchError::Internal {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }
}
