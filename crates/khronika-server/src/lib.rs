//! Khronika over HTTP.
//!
//! - [`web`]: the web application for people (`khronika serve`).
//! - [`api`]: the JSON API for scripts under `/api/v1` (same server, same app layer).
//! - [`witness`]: the keyless witness node (`khronika witness serve`).
//!
//! Handlers parse, call the app layer, and render; the app layer decides. Each module maps the
//! app's errors to HTTP statuses in one place.

pub mod api;
pub mod web;
pub mod witness;

pub use witness::{WitnessNode, app, serve, status, store_status};
