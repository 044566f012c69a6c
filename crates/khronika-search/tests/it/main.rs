//! Integration tests of the search index: one binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod docs;
mod format;
mod ranking;
mod sample;
mod security;
mod support;
mod variants;
