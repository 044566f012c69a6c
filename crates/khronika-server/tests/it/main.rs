//! Khronika over HTTP, through the routers without a socket (`tower::ServiceExt::oneshot`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod web;
mod witness;
