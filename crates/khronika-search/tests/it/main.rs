//! Integration tests of the search index: one binary.

mod sample;
mod security;
mod support;
mod variants;
