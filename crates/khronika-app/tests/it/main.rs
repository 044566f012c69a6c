//! Integration tests of the app layer, through the simulated file system where faults and
//! crashes are injected at every IO operation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod formats;
mod keys;
mod mirror;
mod proofs;
mod records;
mod resume;
mod search;
mod support;
mod tamper;
mod tokens;
