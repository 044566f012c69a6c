//! End-to-end tests of the `khronika` binary: each test runs the real executable in its own
//! temporary HOME/XDG/TMPDIR world and checks exit codes, output and what lands on disk.

// Tests write input files and damage vault files on purpose, with plain `std::fs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

mod canary;
mod damage;
mod errors;
mod happy;
mod help;
mod history;
mod hygiene;
mod mirrors;
mod panic;
mod proofs;
mod records;
mod revocation;
mod s3_faults;
mod search;
mod tokens;
mod util;
mod witness;
mod witness_mirror;
