//! Khronika's application layer: the one API that the CLI (and later the server) call.
//!
//! - [`vault`]: creating, opening and unlocking a vault; the key hierarchy in use.
//! - [`ingest`]: adding evidence files (chunk, seal, pack, log).
//! - [`catalog`]: what is known about each evidence item, and reading it back.
//! - [`check`]: verification, keyless and with the data.
//! - [`records`]: cases and the other records as revisions in the log, folded to their
//!   current state, with conflicts kept; import and export; the source register.
//! - [`indexes`]: the encrypted local records index per compartment (SQLCipher), kept up to
//!   date from the logs and rebuilt by `reindex`.
//! - [`resume`]: the sealed verified state that lets unlock read only the log entries
//!   written since, and leave applied revisions out of memory.
//! - [`search`]: one encrypted full-text index per compartment, caught up from the records
//!   index and the evidence (with the text of plain-text, HTML and PDF files, [`extract`])
//!   when a search runs; only compartments the member holds keys for are searched.
//! - [`compartments`], [`members`]: compartments in use (create, grant, withdraw, key epochs)
//!   and members with roles.
//! - [`mirror`]: mirrors (S3 buckets, folders): the sealed mirror list, `sync`, `mirror
//!   verify` and `restore`.
//! - [`access`]: what each role may do, one table for every interface.
//! - [`tokens`]: API tokens for scripts (created, listed, revoked by their member; scoped to
//!   compartments and to reading or writing) and each member's log of their uses.
//! - [`panic`](mod@panic): the panic button (erase every key slot on the device).
//! - [`error`]: every user-facing error with a stable code and an exit status.
//!
//! Architecture invariant: plaintext and keys stay in this layer and below it in memory; what
//! reaches a backend is [`khronika_store::Stored`], which only the store's encoders make.

pub mod access;
pub mod catalog;
pub mod check;
pub mod compartments;
pub mod devices;
pub mod disclosure;
pub mod error;
pub mod extract;
pub mod history;
pub mod indexes;
pub mod ingest;
mod keyslot;
pub mod layout;
pub mod members;
pub mod mirror;
pub mod panic;
pub mod proof;
pub mod records;
pub mod resume;
mod sealed;
pub mod search;
pub mod time;
pub mod tokens;
pub mod vault;
pub mod witness;

pub use error::{AppError, ErrorCode};
pub use vault::{LockedVault, MemberKey, UnlockedVault};
