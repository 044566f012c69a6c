//! Storage backends for Khronika: the local file-system IO layer ([`fs`]), the local directory
//! object backend ([`local`]), and a simulated file system for crash and fault tests ([`sim`]).

pub mod fs;
pub mod local;
pub mod sim;

pub use fs::{DirEntry, EntryKind, Fs, OsFs};
pub use local::LocalBackend;
pub use sim::SimFs;
