//! Khronika's full-text search: one tantivy index per compartment, kept in an encrypted
//! folder, over every text of every record, in Russian and English, across scripts.
//!
//! - [`SearchIndex`]: open (or create) an index with its [`SearchKey`]; add, update and delete
//!   records; commit; search with a [`SearchQuery`] (words, `"phrases"`, optional fuzzy
//!   matching, [`Filters`] by record type, act type, date range, place and case) for
//!   [`Hit`]s with snippets.
//! - [`text`]: words, their normal form (ё→е, the Chechen palochka and its stand-ins folded,
//!   Latin look-alikes in Cyrillic words), field language and Snowball stems.
//! - [`translit`]: cross-script keys, so that Кадыров, Kadyrov, Kadyrow and Qadirov meet.
//! - [`crypt_dir`]: the tantivy `Directory` that seals every file in 64 KiB blocks
//!   (XChaCha20-Poly1305), never overwrites a file, and caches decrypted blocks in memory.
//!
//! **How a query word matches** (each query word must match one way; phrases match their
//! stems in order): its stem in the text (Russian for Cyrillic words, English for Latin);
//! for Cyrillic words, a shorter prefix of the stem (Snowball stems `пытки`, `пыток` and
//! `пытали` differently), weighted lower; its cross-script keys among the keys of the text's
//! words and, weighted higher, of the record's names; with fuzzy matching on, keys one
//! (5 symbols or fewer) or two letters off.
//!
//! **Who may search what** is not decided here: each compartment has its own index under
//! its own key, and the app layer opens only those of compartments the member may read.
//!
//! **Nothing readable at rest**: see [`crypt_dir`]. Tantivy is built without its `mmap`
//! feature, so it makes no temporary files; it holds what it reads in memory.
//!
//! **Architecture invariant:** depends on the domain and crypto crates and on tantivy; it
//! knows nothing of the store, the backends or the app, which decides where the folder is
//! and which key opens it. The index is derived: lost or damaged, it is rebuilt from the
//! vault's logs (`khronika reindex`).

pub mod crypt_dir;
mod doc;
mod error;
mod index;
mod key;
mod query;
pub mod snippet;
pub mod text;
pub mod translit;

pub use doc::IndexDoc;
pub use error::SearchError;
pub use index::{
    DocId, EVIDENCE_KIND, EvidenceDoc, Facets, Hit, SCHEMA_VERSION, SearchIndex, SearchResults,
    Settings,
};
pub use key::SearchKey;
pub use query::{Filters, Plan, QueryWord, SearchQuery};
pub use snippet::Snippet;
