//! Format test vectors for `khronika-store`, as one test binary.
//!
//! Every on-disk format this crate defines is built deterministically (fixed ids and keys,
//! `SeededEntropy` for nonces) and compared byte for byte with a golden file in
//! `testdata/vectors/`. Then the *golden* bytes are decoded and every field is checked, partly
//! with the crate's decoders and partly by hand at the offsets `docs/FORMATS.md` gives, so a
//! change to a writer, to a reader or to the document fails here.
//!
//! - [`fixtures`]: the fixed ids, keys, seeds and the one small vault every vector comes from.
//! - [`keys`]: derived subkeys, associated data, blob ids, commitments, payload ids.
//! - [`paths`]: object paths, the tile-index encoding, Padmé lengths.
//! - [`pack`]: a pack of three blobs.
//! - [`payloads`]: the device-genesis and key-epoch payloads.
//! - [`entry`]: a signed evidence entry.
//! - [`log`]: an entry bundle, RFC 6962 hashes, a checkpoint note, and all of it together as
//!   a store that keyless `verify` accepts.
//! - [`object_list`]: a public object list.
//!
//! Regenerating the golden files is a deliberate format change, never a way to make a test
//! pass (see `testdata/vectors/README.md`):
//! `KHRONIKA_WRITE_VECTORS=1 cargo test -p khronika-store --test it`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod entry;
mod fixtures;
mod keys;
mod log;
mod merkle;
mod note;
mod object_list;
mod pack;
mod paths;
mod payloads;
mod tlog_proof;

use std::path::PathBuf;

use khronika_crypto::hash::to_hex;

/// The environment variable that switches the tests from comparing to writing golden files.
const WRITE_VAR: &str = "KHRONIKA_WRITE_VECTORS";

/// True when the golden files are to be (re)written instead of compared.
fn write_mode() -> bool {
    std::env::var_os(WRITE_VAR).is_some_and(|v| v == "1")
}

fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join("vectors")
        .join(name)
}

fn read_golden(name: &str) -> String {
    std::fs::read_to_string(vector_path(name)).unwrap_or_else(|e| {
        panic!("golden file testdata/vectors/{name} cannot be read: {e} (is it checked out?)")
    })
}

// Regenerating replaces the golden file on purpose; nothing here touches a vault.
#[allow(clippy::disallowed_methods)]
fn write_golden(name: &str, contents: &str) {
    let p = vector_path(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, contents).unwrap();
}

/// Decode a golden hex file: `#` lines are comments, whitespace is ignored.
pub(crate) fn parse_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.bytes().filter(|b| !b.is_ascii_whitespace()))
        .collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits
        .chunks_exact(2)
        .map(|p| {
            let s = std::str::from_utf8(p).unwrap();
            u8::from_str_radix(s, 16).unwrap_or_else(|_| panic!("bad hex {s:?}"))
        })
        .collect()
}

fn mismatch(name: &str, golden: &[u8], actual: &[u8]) -> ! {
    let at = golden
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(golden.len().min(actual.len()));
    panic!(
        "testdata/vectors/{name}: the encoding changed (first difference at byte {at}; golden \
         {} bytes, now {} bytes). An on-disk format must not change silently: if this is \
         deliberate, give the format a new version with a migration and new vectors \
         (see testdata/vectors/README.md).",
        golden.len(),
        actual.len()
    )
}

/// Compare `actual` with the golden hex file `name` (or write it, with `about` as a comment)
/// and return the golden bytes, which the caller then decodes.
pub(crate) fn golden_hex(name: &str, about: &str, actual: &[u8]) -> Vec<u8> {
    if write_mode() {
        let mut s = String::new();
        for l in about.lines() {
            s.push_str(&format!("# {l}\n").replace("# \n", "#\n"));
        }
        s.push_str(&format!("# {} bytes, 32 per line\n", actual.len()));
        for chunk in actual.chunks(32) {
            s.push_str(&to_hex(chunk));
            s.push('\n');
        }
        write_golden(name, &s);
        return actual.to_vec();
    }
    let golden = parse_hex(&read_golden(name));
    if golden != actual {
        mismatch(name, &golden, actual);
    }
    golden
}

/// Compare `actual` with the golden text file `name` (or write it) and return the golden text.
pub(crate) fn golden_text(name: &str, actual: &str) -> String {
    if write_mode() {
        write_golden(name, actual);
        return actual.to_owned();
    }
    let golden = read_golden(name);
    if golden != actual {
        mismatch(name, golden.as_bytes(), actual.as_bytes());
    }
    golden
}

/// Lower-case hex of a byte string (re-exported for the modules).
pub(crate) fn hex(b: &[u8]) -> String {
    to_hex(b)
}

/// A big-endian integer at `at` of `len` bytes, for decoding by hand.
pub(crate) fn be(b: &[u8], at: usize, len: usize) -> u64 {
    b[at..at + len]
        .iter()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}
