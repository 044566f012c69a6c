//! Nothing readable at rest; damage and wrong keys give clear errors, never a panic or
//! silent wrong results.

use std::path::{Path, PathBuf};

use khronika_search::{SearchError, SearchIndex, SearchKey};
use serde_json::json;

use crate::support::*;

const CANARY_ASCII: &str = "ZebraCanaryQuartz";
const CANARY_CYRILLIC: &str = "ЖирафоКанарейка";

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Index the canaries (and enough other text for several blocks and segments).
fn canary_index(dir: &Path) {
    let mut ix = open(dir);
    for i in 0..300u32 {
        let r = record(json!({"type": "testimony", "id": id('T', i),
            "title": format!("{CANARY_ASCII} {i}"),
            "transcript": format!("{CANARY_CYRILLIC} задержали у блокпоста {i}. {}", "Свидетель видел. ".repeat(20))}));
        ix.add(&r, &[]).unwrap();
        if i % 100 == 99 {
            ix.commit().unwrap();
        }
    }
    ix.commit().unwrap();
    ix.close().unwrap();
}

#[test]
fn no_plaintext_on_disk() {
    let t = tempfile::tempdir().unwrap();
    canary_index(t.path());
    let ix = open(t.path());
    // The canaries are there to find…
    for c in [CANARY_ASCII, CANARY_CYRILLIC] {
        let mut q = query(c);
        q.limit = 1000;
        assert_eq!(found(&ix, &q).len(), 300);
    }
    drop(ix);
    // …and nowhere on disk, in any form tantivy would write them (as typed, lower case,
    // stemmed), nor any of tantivy's own markers.
    let needles: Vec<Vec<u8>> = [
        CANARY_ASCII.to_owned(),
        CANARY_ASCII.to_lowercase(),
        CANARY_CYRILLIC.to_owned(),
        CANARY_CYRILLIC.to_lowercase(),
        "жирафоканарейк".to_owned(),
        "блокпост".to_owned(),
        "zebracanaryquartz".to_owned(),
        "segments".to_owned(),
        "meta".to_owned(),
        khronika_search::SCHEMA_VERSION.to_owned(),
        "T-000000".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    let all = files(t.path());
    assert!(all.len() > 5, "{all:?}");
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        for n in &needles {
            assert!(
                !contains(&bytes, n),
                "{} holds {}",
                f.display(),
                String::from_utf8_lossy(n)
            );
        }
        // Names on disk say nothing either.
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(
            !name.contains(".idx") && !name.contains("meta") && !name.contains(".store"),
            "{name}"
        );
    }
}

#[test]
fn wrong_key_is_refused() {
    let t = tempfile::tempdir().unwrap();
    canary_index(t.path());
    let err =
        SearchIndex::open_with(t.path(), &SearchKey::from_bytes([1; 32]), settings()).unwrap_err();
    assert!(matches!(err, SearchError::WrongKey { .. }), "{err}");
    assert_eq!(err.code(), "search-wrong-key");
    assert!(err.needs_reindex());
    assert!(err.to_string().contains("khronika reindex"), "{err}");
}

#[test]
fn a_folder_with_other_things_is_refused() {
    let t = tempfile::tempdir().unwrap();
    std::fs::File::create(t.path().join("notes.txt")).unwrap();
    let err = SearchIndex::open_with(t.path(), &key(), settings()).unwrap_err();
    assert_eq!(err.code(), "search-not-an-index", "{err}");
}

/// Open and search everything; the error if anything fails.
fn use_index(dir: &Path) -> Result<usize, SearchError> {
    let ix = SearchIndex::open_with(dir, &key(), settings())?;
    let mut n = 0;
    for q in [CANARY_ASCII, CANARY_CYRILLIC, "блокпост", "свидетель", ""] {
        let r = ix.search(&query(q))?;
        n += r.total + r.hits.len();
    }
    Ok(n)
}

fn rewrite(path: &Path, bytes: &[u8]) {
    std::fs::remove_file(path).unwrap();
    use std::io::Write;
    std::fs::File::create_new(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

#[test]
fn a_flipped_byte_in_any_file_is_a_clear_error() {
    let t = tempfile::tempdir().unwrap();
    canary_index(t.path());
    let good = use_index(t.path()).unwrap();
    assert!(good > 0);
    let all: Vec<PathBuf> = files(t.path())
        .into_iter()
        // Lock files are empty and hold nothing.
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("lock-")
        })
        .collect();
    for f in &all {
        let original = std::fs::read(f).unwrap();
        // The first byte, one in the middle, the last byte.
        for at in [0, original.len() / 2, original.len() - 1] {
            let mut bad = original.clone();
            bad[at] ^= 0x01;
            rewrite(f, &bad);
            let got = std::panic::catch_unwind(|| use_index(t.path()));
            rewrite(f, &original);
            let got = got.unwrap_or_else(|_| panic!("{} byte {at}: panic", f.display()));
            let err = match got {
                Err(e) => e,
                Ok(n) => panic!("{} byte {at}: no error ({n} against {good})", f.display()),
            };
            assert!(err.needs_reindex(), "{} byte {at}: {err}", f.display());
            assert!(err.to_string().contains("khronika reindex"), "{err}");
        }
        // Cut short by one byte.
        rewrite(f, &original[..original.len() - 1]);
        let got = std::panic::catch_unwind(|| use_index(t.path()));
        rewrite(f, &original);
        let got = got.unwrap_or_else(|_| panic!("{} cut: panic", f.display()));
        assert!(got.is_err(), "{} cut short: no error", f.display());
    }
    assert_eq!(use_index(t.path()).unwrap(), good);
}
