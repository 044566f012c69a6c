//! Khronika's domain types, pure Rust with no IO, storage or async runtime.
//!
//! So far: what is recorded about an evidence file when it is added ([`evidence`]) and how its
//! media type is recognised from its first bytes ([`media`]).

pub mod evidence;
pub mod media;
