//! Khronika's storage model, independent of where bytes live.
//!
//! - [`backend`]: the [`Backend`] trait for create-only objects, and [`MemBackend`] for tests.
//! - [`path`]: the names objects are stored under.
//! - [`ids`]: vault, device, member and compartment identifiers.
//! - [`keys`]: per-compartment key epochs and the subkeys derived from them.
//! - [`pack`]: sealed packs of fixed-size chunks, padded so sizes do not fingerprint content.
//! - [`entry`]: signed, hash-chained log entries with public headers and sealed payloads.
//! - [`log`]: entry bundles in C2SP tlog-tiles layout, RFC 6962 roots, signed checkpoints.
//! - [`verify`]: keyless verification of everything stored.
//!
//! Architecture invariant: this crate does no file or network IO of its own; it reads and
//! writes only through a [`Backend`], and it hands a backend only [`Stored`] bytes, which only
//! this crate's encoders can make (sealed data, or signed public metadata).

pub mod backend;
pub mod entry;
mod error;
pub mod ids;
pub mod keys;
pub mod log;
pub mod merkle;
pub mod note;
pub mod pack;
pub mod pad;
pub mod path;
pub mod payloads;
pub mod tlog_proof;
pub mod verify;
pub mod witness;

pub use backend::{Backend, BackendError, Created, MemBackend, PendingCreate, Stored};
pub use error::StoreError;
pub use ids::{CompartmentId, DeviceId, MemberId, VaultId};
pub use path::ObjectPath;

/// Size of a data chunk: files are cut into fixed 1 MiB pieces (the last one shorter).
///
/// Fixed-size chunking is deliberate: content-defined chunkers leak chunk boundaries, from
/// which published attacks recover the chunker's secret parameters and test whether a known
/// file is stored. See `docs/FORMATS.md`.
pub const CHUNK_SIZE: usize = 1 << 20;
