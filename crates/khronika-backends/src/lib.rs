//! Storage backends for Khronika: the local file-system IO layer ([`fs`]), the local directory
//! object backend ([`local`]), the S3 mirror backend ([`s3`]), the witness node mirror backend
//! ([`http`]), and a simulated file system for
//! crash and fault tests ([`sim`]).

pub mod fs;
pub mod http;
pub mod local;
pub mod s3;
pub mod sim;

pub use fs::{DirEntry, EntryKind, Fs, OsFs};
pub use http::HttpBackend;
pub use local::LocalBackend;
pub use s3::{S3Backend, S3Config};
pub use sim::SimFs;
