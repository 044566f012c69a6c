//! Nothing readable at rest: after writes, no byte of any file in the index's folder (the
//! database, its `-wal` and `-shm`) holds a word written in a record, in ASCII or Cyrillic, nor
//! SQLite's plaintext header or schema. A wrong key is refused without touching the file.

use std::collections::BTreeMap;
use std::path::Path;

use khronika_domain::{Record, RecordKind};
use khronika_index::{IndexError, IndexKey, RecordIndex};
use serde_json::json;

use crate::support::{self, apply, apply_from, create, edit, id};

/// Words written in records, revisions and conflicts, each of which must never appear.
const CANARIES: &[&str] = &[
    "khronika-canary-4f2a9",
    "Канарейка-Ачхой-Мартан",
    "CANARY-AUTHOR-77",
    "канарейка-источник",
    "canary-in-a-conflict",
    "Жёлтая-птица-конфликт",
];

/// Bytes that a plaintext SQLite file would show.
const PLAINTEXT_MARKERS: &[&str] = &["SQLite format 3", "CREATE TABLE", "revisions_by_record"];

/// Every file in `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Fails if any file in `dir` holds a canary or a plaintext marker.
fn assert_nothing_readable(dir: &Path) {
    let all = files(dir);
    assert!(!all.is_empty());
    for (name, bytes) in &all {
        for word in CANARIES.iter().chain(PLAINTEXT_MARKERS) {
            assert!(
                !contains(bytes, word.as_bytes()),
                "{name} ({} bytes) contains {word:?}",
                bytes.len()
            );
        }
    }
}

/// Records carrying the canaries: in titles, names, a long description (overflow pages), an
/// author, an origin, and both sides of a conflict.
fn write_canaries(index: &mut RecordIndex) {
    let c = support::case(1, CANARIES[0], vec![id(RecordKind::Person, 2)]);
    let cid = c.id;
    let mut ev = support::event(3, "Event", &[(4, id(RecordKind::Person, 2))], &[]);
    ev.description = format!("{} ", CANARIES[1]).repeat(400);
    let mut p = create(2, support::person(2, CANARIES[1], "Дадашев"));
    p.author = CANARIES[2].into();
    p.origin = CANARIES[3].into();
    apply(index, &[create(1, c), p, create(3, Record::Event(ev))]);
    apply_from(
        index,
        3,
        &[
            edit(4, cid, &[1], json!({"summary": CANARIES[4]})),
            edit(5, cid, &[1], json!({"summary": CANARIES[5]})),
        ],
    );
}

#[test]
fn no_canary_or_plaintext_in_any_file_while_open_and_after_close() {
    let (dir, path) = support::folder();
    let mut index = support::open(&path);
    write_canaries(&mut index);
    // The records are really there, in the clear for the key holder.
    let s = index.get(&id(RecordKind::Case, 1)).unwrap().unwrap();
    assert_eq!(s.value["title"], json!(CANARIES[0]));
    assert_eq!(s.conflicts.len(), 1);

    // While open, the last batches live in the write-ahead log.
    let open_files = files(dir.path());
    let wal = open_files
        .get("records.db-wal")
        .expect("a -wal file while open");
    assert!(!wal.is_empty(), "the batches are in the log");
    assert!(open_files.contains_key("records.db-shm"));
    assert_nothing_readable(dir.path());

    index.close().unwrap();
    assert_nothing_readable(dir.path());
    // And after a reopen and a read.
    let index = support::open(&path);
    assert_eq!(index.count().unwrap(), 3);
    assert_nothing_readable(dir.path());
}

#[test]
fn a_wrong_key_is_refused_and_the_file_is_left_as_it_was() {
    let (dir, path) = support::folder();
    let mut index = support::open(&path);
    write_canaries(&mut index);
    index.close().unwrap();
    let before = files(dir.path());

    let err = RecordIndex::open(&path, &support::other_key()).unwrap_err();
    assert!(
        matches!(err, IndexError::WrongKeyOrDamaged { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), "index-unreadable");
    assert!(err.needs_reindex());
    let msg = err.to_string();
    assert!(msg.contains("run `khronika reindex`"), "{msg}");
    assert!(msg.contains("key is wrong or the file is damaged"), "{msg}");
    assert_eq!(files(dir.path()), before, "a refused open writes nothing");

    // An all-zero key, too.
    let err = RecordIndex::open(&path, &IndexKey::from_bytes([0; 32])).unwrap_err();
    assert!(err.needs_reindex());

    // The right key still opens it.
    let index = support::open(&path);
    assert_eq!(index.count().unwrap(), 3);
}

#[cfg(unix)]
#[test]
fn files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = support::folder();
    let mut index = support::open(&path);
    write_canaries(&mut index);
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let e = e.unwrap();
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?}", e.file_name());
    }
}

#[test]
fn debug_output_shows_no_key() {
    let (_dir, path) = support::folder();
    let index = support::open(&path);
    let shown = format!("{index:?} {:?}", support::key());
    assert!(shown.contains("records.db"), "{shown}");
    assert!(!shown.contains("5a5a"), "{shown}");
    assert!(!shown.to_lowercase().contains("x'"), "{shown}");
}

#[test]
fn freed_memory_is_wiped() {
    let (_dir, path) = support::folder();
    let index = support::open(&path);
    // Process-wide: any connection reports it once an index was opened.
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let on: String = conn
        .query_row("PRAGMA cipher_memory_security", [], |r| r.get(0))
        .unwrap();
    assert_eq!(on, "1");
    drop(index);
}
