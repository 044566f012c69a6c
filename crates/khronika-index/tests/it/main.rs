//! Tests of `khronika-index`, as one test binary.
//!
//! - [`fold`]: the index equals the fold (property), and the scenarios behind it.
//! - [`security`]: nothing readable at rest (canaries scanned in every file), wrong keys,
//!   file permissions.
//! - [`damage`]: flipped bytes, truncation, garbage, another schema: clear errors, no panic.
//! - [`page`]: case pages gather the right records.
//! - [`support`]: shared helpers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod damage;
mod fold;
mod page;
mod security;
mod support;
