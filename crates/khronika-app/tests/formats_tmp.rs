//! Temporary harness (removed after use).
#[path = "it/formats.rs"]
mod formats;
