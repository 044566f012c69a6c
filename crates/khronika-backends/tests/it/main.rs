//! Integration tests of the backends, one binary: the S3 backend against a real
//! S3-compatible server (SeaweedFS, started by `scripts/test`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod faults;
mod s3;
