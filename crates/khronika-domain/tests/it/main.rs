//! Tests of `khronika-domain`'s case model, as one test binary.
//!
//! - [`ids`]: record and evidence ids, text form, errors, property round trips.
//! - [`dates`]: fuzzy dates: parsing, formatting, spans, overlap filters, order, properties.
//! - [`validation`]: tables of records and the problems found, with their field paths.
//! - [`json`]: serde round trips of every record type and the fixed JSON vectors in
//!   `vectors/` (a change there is a deliberate format change).
//! - [`csv`]: CSV tables: round trips of every type, the fixed tables in `vectors/csv/`, and
//!   import of what spreadsheets write (BOM, `;`, CRLF, Windows-1251, formulas, bad rows).
//! - [`malformed`]: bad JSON, truncated and mutated documents: errors, never panics.
//! - [`revision`]: revisions and the fold: history, conflicts, resolution, any order of
//!   arrival, malformed revisions.
//! - [`archive`]: archives of several compartments: reading, and the rules across them.
//! - [`sample`]: the sample dataset reads, is valid and has what demos need.
//! - [`fixtures`]: the fixed records the others use.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod archive;
mod csv;
mod dates;
mod fixtures;
mod ids;
mod json;
mod malformed;
mod revision;
mod sample;
mod validation;
