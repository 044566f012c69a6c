//! Storage backends for Khronika: the local file-system IO layer ([`fs`]), the local directory
//! object backend ([`local`]), the S3 mirror backend ([`s3`]), and a simulated file system for
//! crash and fault tests ([`sim`]).

pub mod fs;
pub mod local;
pub mod s3;
pub mod sim;

pub use fs::{DirEntry, EntryKind, Fs, OsFs};
pub use local::LocalBackend;
pub use s3::{S3Backend, S3Config};
pub use sim::SimFs;
