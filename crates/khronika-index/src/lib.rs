//! Khronika's records index: a derived, rebuildable view of the records, one SQLCipher-encrypted
//! SQLite database per compartment.
//!
//! The vault's records are revisions carried in signed logs; the app opens the log entries of a
//! compartment and hands their [`Revision`](khronika_domain::Revision)s, with the log position
//! each came from, to [`RecordIndex::apply`] in batches. The index stores them, folds every
//! record they touch with the domain's [`Fold`](khronika_domain::Fold), and keeps each
//! record's state, a list order, the references between records and the log positions covered
//! ([`RecordIndex::applied`]), so that the app resumes where it stopped and pages are read
//! without folding anything.
//!
//! - [`RecordIndex`]: open, apply, and the queries: [`RecordIndex::get`] (a record's state,
//!   exactly [`FoldedRecord`](khronika_domain::FoldedRecord)), [`RecordIndex::list`],
//!   [`RecordIndex::count`], [`RecordIndex::history`], [`RecordIndex::case_page`];
//!   [`RecordIndex::changed_since`] (the records whose revisions were stored after a
//!   [`ChangeMark`], for views derived from this one, such as the search index).
//! - [`IndexKey`]: the 32-byte key, zeroized and never printed.
//! - [`IndexState`]: everything an index shows, computed from a fold or read from an index;
//!   the tests check that the two are equal for any revisions applied in any batches and order.
//! - [`IndexError`]: every error has a stable code and says what to do; for a file that cannot
//!   be read (wrong key, damage, another schema) that is `khronika reindex`.
//!
//! **Nothing readable at rest.** Every page of the database and of its write-ahead log is
//! encrypted (AES-256-CBC) and authenticated (HMAC-SHA512) by SQLCipher under the
//! compartment's index key, the file header included (but for its 16-byte salt); temporary
//! data stays in memory (`temp_store = MEMORY`); freed space in the file is zeroed
//! (`secure_delete`); memory SQLite frees is wiped (`cipher_memory_security`). The `-shm`
//! file holds only the log's page numbers and checksums. The files are created owner-only.
//! The source of the private `schema` module gives every pragma and why, and the schema.
//!
//! **Durable enough, and consistent.** Commits go to the write-ahead log without an fsync
//! each (`synchronous = NORMAL`): a power cut may lose the last batches, never break the
//! file, and since each batch's log positions ([`RecordIndex::applied`]) are committed with
//! its revisions, the app applies exactly the lost batches again.
//!
//! **Architecture invariant:** the index depends on the domain only; it knows nothing of the
//! store, the backends or the app, and the app decides where the file lives and which key
//! opens it. It is the one crate that writes to disk without the `Fs` layer (SQLite does its
//! own IO): what it writes is derived, and rebuilt by `khronika reindex` if lost or damaged.

mod changes;
mod codec;
mod error;
mod index;
mod key;
mod page;
mod schema;
mod state;

pub use changes::ChangeMark;
pub use error::IndexError;
pub use index::{Applied, Position, RecordIndex, Refusal};
pub use key::IndexKey;
pub use page::CasePage;
pub use schema::SCHEMA_VERSION;
pub use state::{IndexState, Summary, references};
