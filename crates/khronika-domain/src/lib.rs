//! Khronika's domain types, pure Rust with no IO, storage or async runtime.
//!
//! - [`evidence`], [`media`]: what is recorded about an evidence file when it is added, and how
//!   its media type is recognised from its first bytes.
//! - The case model, after the HURIDOCS Events Standard Formats ("who did what to whom"):
//!   [`case`] (cases), [`event`] (events, places, acts, involvements), [`person`] (persons,
//!   names in several scripts, call signs, units and organisations, memberships over time),
//!   [`source`] (sources, testimonies, reliability, consent), [`intervention`] (complaints,
//!   appeals, applications, letters), [`link`] (links between records), and [`record`] (any
//!   record with a `type` tag; sets of records as in import and export files).
//! - [`revision`]: records are never overwritten; each create or edit is a revision naming
//!   the revisions it supersedes, and a deterministic fold over them, in any order, gives each
//!   record's current value, its heads, and the fields in conflict for a person to resolve.
//! - [`csv`]: records as CSV tables, one per record type, for people who keep spreadsheets:
//!   export, and import that reports every bad row with its line and column.
//! - [`archive`]: the records of several compartments in one file (export, import, the sample),
//!   validated together; [`sample`]: the sample dataset, invented cases in English and Russian.
//! - Building blocks: [`ids`] (`P-…` record ids, `E…` evidence ids), [`date`] (dates that carry
//!   their precision: `2014-12`, `around 2017-04`, `2014-12..2015-02`), [`term`] (references
//!   to vocabulary terms, language codes), and [`validate`] (errors with field paths).
//!
//! Every record type serialises to JSON with stable snake_case field names and refuses unknown
//! fields; every record type has `validate()`, which never panics and reports every problem
//! with its field path. Parsing (of ids, dates, codes) is strict and happens when a value is
//! read; rules that span fields, and "this must be filled in", are validation.

pub mod archive;
pub mod case;
pub mod csv;
pub mod date;
pub mod event;
pub mod evidence;
pub mod ids;
pub mod intervention;
pub mod link;
pub mod media;
pub mod person;
pub mod record;
pub mod revision;
pub mod sample;
pub mod source;
mod stable;
pub mod term;
pub mod validate;
pub mod vocab;

pub use archive::{ARCHIVE_FORMAT, Archive, ArchiveError, CompartmentRecords};
pub use case::Case;
pub use date::{Date, DateError, FuzzyDate, FuzzyPoint, PartialDate, Precision};
pub use event::{Act, Event, Involvement, InvolvementRole, LatLon, Place};
pub use ids::{EvidenceId, IdError, RecordId, RecordKind};
pub use intervention::{Intervention, InterventionStatus, NextStep, Reply};
pub use link::{Link, LinkKind};
pub use person::{
    Membership, MembershipRole, NameKind, Person, PersonName, Script, Sex, Unit, UnitName,
};
pub use record::{Record, RecordSet, Reference};
pub use revision::{
    ChangeError, Edit, FieldChange, FieldConflict, Fold, FoldError, FoldedRecord, Revision,
    RevisionId, RevisionIdError, changes,
};
pub use source::{
    Consent, Interview, InterviewMode, Provider, Reliability, Source, Testimony, Withdrawal,
};
pub use term::{LanguageCode, TermRef};
pub use validate::{Problem, ValidationError};
