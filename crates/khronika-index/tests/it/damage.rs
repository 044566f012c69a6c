//! A damaged or foreign file gives a clear error that says to run `khronika reindex`, never a
//! panic and never wrong data: flipped bytes anywhere, truncation, garbage, a plaintext SQLite
//! file, another schema version, a damaged write-ahead log.

use std::path::Path;

use khronika_domain::RecordKind;
use khronika_index::{IndexError, IndexState, RecordIndex};
use serde_json::json;

use crate::support::{self, apply, apply_from, create, edit};

/// An index of a few hundred records (several pages), closed; its state.
fn pristine(path: &Path) -> IndexState {
    let mut index = support::open(path);
    let revs: Vec<_> = (0..200u32)
        .map(|n| {
            let mut p = support::person(0, "Ислам", &format!("Дадашев {n}"));
            p.notes = format!("заметка {n} ").repeat(20);
            let mut bytes = [0u8; 16];
            bytes[..4].copy_from_slice(&n.to_be_bytes());
            p.id = khronika_domain::RecordId::new(RecordKind::Person, bytes);
            create(n + 1, p)
        })
        .collect();
    apply(&mut index, &revs);
    let state = IndexState::of_index(&index).unwrap();
    index.close().unwrap();
    state
}

/// Whether opening and reading everything at `path` fails with an error that says to
/// reindex; panics if it succeeds with a state other than `expect` or fails otherwise.
fn fails_cleanly(path: &Path, expect: &IndexState) -> bool {
    let result = RecordIndex::open(path, &support::key()).and_then(|index| {
        let state = IndexState::of_index(&index)?;
        index.check()?;
        Ok(state)
    });
    match result {
        Ok(state) => {
            assert_eq!(&state, expect, "a read that succeeds gives the true data");
            false
        }
        Err(e) => {
            assert!(e.needs_reindex(), "{e:?}");
            assert!(e.to_string().contains("run `khronika reindex`"), "{e}");
            true
        }
    }
}

fn copy_to(src: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path) = support::folder();
    std::fs::copy(src, &path).unwrap();
    (dir, path)
}

fn rewrite(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn a_flipped_byte_anywhere_is_detected() {
    let (_dir, path) = support::folder();
    let state = pristine(&path);
    let good = std::fs::read(&path).unwrap();
    let len = good.len();
    assert!(len > 8 * 4096, "several pages: {len}");
    let offsets = [
        0,
        15,
        16,
        100,
        4095,
        4096,
        4096 + 2000,
        len / 2,
        len / 2 + 4064,
        len - 80,
        len - 1,
    ];
    for at in offsets {
        let (_d, copy) = copy_to(&path);
        let mut bytes = good.clone();
        bytes[at] ^= 0x01;
        rewrite(&copy, &bytes);
        assert!(
            fails_cleanly(&copy, &state),
            "a flip at {at} of {len} went unnoticed"
        );
    }
}

#[test]
fn a_truncated_file_is_detected() {
    let (_dir, path) = support::folder();
    let state = pristine(&path);
    let good = std::fs::read(&path).unwrap();
    let len = good.len();
    let whole_pages = len / 2 / 4096 * 4096;
    for keep in [
        1,
        10,
        16,
        100,
        4096,
        4097,
        whole_pages,
        len / 2,
        len - 4096,
        len - 1,
    ] {
        let (_d, copy) = copy_to(&path);
        rewrite(&copy, &good[..keep]);
        assert!(
            fails_cleanly(&copy, &state),
            "a cut at {keep} of {len} went unnoticed"
        );
    }
    // An empty file is a new, empty index (the app then applies every log again).
    let (_d, copy) = copy_to(&path);
    rewrite(&copy, &[]);
    let index = support::open(&copy);
    assert_eq!(index.count().unwrap(), 0);
    assert!(index.applied().unwrap().is_empty());
}

#[test]
fn garbage_and_plaintext_files_are_refused() {
    let (_dir, path) = support::folder();
    let garbage: Vec<u8> = (0..3 * 4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    rewrite_new(&path, &garbage);
    let err = RecordIndex::open(&path, &support::key()).unwrap_err();
    assert!(
        matches!(err, IndexError::WrongKeyOrDamaged { .. }),
        "{err:?}"
    );

    // A plaintext SQLite database (someone's, or an index written without a key).
    let (_dir, path) = support::folder();
    let plain = rusqlite::Connection::open(&path).unwrap();
    plain
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES ('секрет');")
        .unwrap();
    drop(plain);
    let err = RecordIndex::open(&path, &support::key()).unwrap_err();
    assert!(
        matches!(err, IndexError::WrongKeyOrDamaged { .. }),
        "{err:?}"
    );
}

fn rewrite_new(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(bytes).unwrap();
}

/// A connection to the index's file with the test key, bypassing the index, to fake other
/// versions.
fn raw(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "5a".repeat(32)))
        .unwrap();
    conn
}

#[test]
fn another_schema_version_asks_for_a_reindex() {
    let (_dir, path) = support::folder();
    support::open(&path).close().unwrap();
    raw(&path)
        .execute_batch("UPDATE meta SET value = 7 WHERE name = 'schema'")
        .unwrap();
    let err = RecordIndex::open(&path, &support::key()).unwrap_err();
    match &err {
        IndexError::UnknownSchema {
            found, supported, ..
        } => assert_eq!((*found, *supported), (7, khronika_index::SCHEMA_VERSION)),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "index-unknown-schema");
    let msg = err.to_string();
    assert!(
        msg.contains("schema 7") && msg.contains("run `khronika reindex`"),
        "{msg}"
    );

    // A database under the key but without our schema.
    let (_dir, path) = support::folder();
    raw(&path).execute_batch("CREATE TABLE other (x)").unwrap();
    let err = RecordIndex::open(&path, &support::key()).unwrap_err();
    assert!(
        matches!(err, IndexError::WrongKeyOrDamaged { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("no schema version"), "{err}");
}

#[test]
fn a_missing_folder_cannot_be_opened() {
    let (dir, _) = support::folder();
    let path = dir.path().join("no such folder").join("records.db");
    let err = RecordIndex::open(&path, &support::key()).unwrap_err();
    assert_eq!(err.code(), "index-cannot-open", "{err:?}");
    assert!(
        err.to_string().contains("check that its folder exists"),
        "{err}"
    );
}

#[test]
fn a_damaged_log_tail_loses_whole_batches_and_says_which() {
    let (dir, path) = support::folder();
    let mut index = support::open(&path);
    let c = support::case(1, "Case", vec![]);
    let cid = c.id;
    apply(&mut index, &[create(1, c)]);
    let after_first = IndexState::of_index(&index).unwrap();
    apply_from(
        &mut index,
        1,
        &[edit(2, cid, &[1], json!({"summary": "second batch"}))],
    );
    // Copy the files as a power cut would leave them: the batches still in the log.
    let (copy_dir, copy) = support::folder();
    for name in ["records.db", "records.db-wal"] {
        std::fs::copy(dir.path().join(name), copy_dir.path().join(name)).unwrap();
    }
    drop(index);
    let wal = copy_dir.path().join("records.db-wal");
    let mut bytes = std::fs::read(&wal).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0x01;
    rewrite(&wal, &bytes);

    match RecordIndex::open(&copy, &support::key()) {
        Ok(index) => {
            // The log is cut before the damaged frame: the second batch is gone, and so is
            // its log position, which the app applies again.
            assert_eq!(IndexState::of_index(&index).unwrap(), after_first);
            assert_eq!(index.applied().unwrap()[&support::device(1)], 1);
            index.check().unwrap();
        }
        Err(e) => assert!(e.needs_reindex(), "{e:?}"),
    }
}
