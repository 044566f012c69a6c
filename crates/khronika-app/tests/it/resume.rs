//! The verified state on a real disk: once the indexes have applied enough revisions, unlock
//! resumes each log where it was verified, leaves those revisions out of memory, and still
//! answers everything (records, exports, the whole log, a rebuilt index); a log changed
//! under the state is refused.

use std::path::Path;
use std::sync::Arc;

use khronika_app::ErrorCode;
use khronika_app::resume::{MIN_GAIN, STATE_DIR};
use khronika_app::vault::{self, LockedVault, UnlockedVault};
use khronika_backends::OsFs;
use khronika_crypto::SeededEntropy;
use khronika_crypto::kdf::Argon2Params;
use khronika_domain::{Record, RecordId, RecordKind};
use serde_json::json;

use crate::support::{pass, source};

const CANARY: &str = "Ковалёва-Q7";

fn person(n: u32) -> Record {
    let mut b = [0u8; 16];
    b[..4].copy_from_slice(&n.to_be_bytes());
    b[15] = 0x5a;
    serde_json::from_value(json!({
        "type": "person", "id": RecordId::new(RecordKind::Person, b).to_string(),
        "names": [{"given": "Мадина", "surname": format!("{CANARY}-{n}")}]
    }))
    .unwrap()
}

fn init(root: &Path, seed: u64) -> UnlockedVault {
    vault::init(
        Arc::new(OsFs),
        root,
        &pass(),
        Argon2Params::weak_for_tests(),
        &mut SeededEntropy::new(seed),
    )
    .unwrap()
    .0
}

fn open(root: &Path) -> Result<UnlockedVault, khronika_app::AppError> {
    LockedVault::open(Arc::new(OsFs), root)?.unlock(&pass())
}

fn state_files(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(STATE_DIR))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn all_records(v: &mut UnlockedVault) -> usize {
    v.list_records(Some(RecordKind::Person)).unwrap().len()
}

#[test]
fn unlock_resumes_from_the_verified_state_and_still_answers_everything() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let mut v = init(&root, 5);
    let c = v.default_compartment();
    let added = v
        .add(vec![source("протокол.txt", b"evidence bytes")], &mut |_| {})
        .unwrap();
    let n = u32::try_from(MIN_GAIN).unwrap() + 600;
    for start in (0..n).step_by(1000) {
        let batch = (start..(start + 1000).min(n)).map(person).collect();
        v.create_records(c, batch).unwrap();
    }
    assert!(
        state_files(&root).is_empty(),
        "no state before the indexes ran"
    );
    v.update_indexes().unwrap();
    let files = state_files(&root);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].ends_with("-00000000000000000001.sealed"),
        "{files:?}"
    );
    // The same session goes on with the revisions left out.
    assert_eq!(all_records(&mut v), n as usize);
    let (export_before, _) = v.export_archive().unwrap();
    let whole_log = v.log_lines().unwrap().len();
    drop(v);

    // The state holds entries and resume points, never a record's text.
    let state = std::fs::read(root.join(STATE_DIR).join(&files[0])).unwrap();
    assert!(!state.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()));

    let mut v = open(&root).unwrap();
    assert_eq!(all_records(&mut v), n as usize);
    let view = v.record(&person(17).id()).unwrap();
    assert_eq!(view.folded.record.unwrap(), person(17));
    let evidence = v.evidence().to_vec();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].payload.id, added[0].id);
    // A record written after the state is read from the tail.
    v.create_records(c, vec![person(n)]).unwrap();
    drop(v);
    let mut v = open(&root).unwrap();
    assert_eq!(all_records(&mut v), n as usize + 1);
    // Exports and the whole log read every entry again.
    let (export_after, _) = v.export_archive().unwrap();
    let persons = |a: &khronika_domain::archive::Archive| {
        let j = serde_json::to_value(a).unwrap();
        let mut p = j["compartments"][0]["records"]["persons"]
            .as_array()
            .unwrap()
            .clone();
        p.sort_by_key(|r| r["id"].to_string());
        p
    };
    let mut want = persons(&export_before);
    let mut new = serde_json::to_value(person(n)).unwrap();
    new.as_object_mut().unwrap().remove("type");
    want.push(new);
    want.sort_by_key(|r| r["id"].to_string());
    assert!(
        persons(&export_after) == want,
        "the export after resuming differs"
    );
    assert_eq!(v.log_lines().unwrap().len(), whole_log + 1);
    drop(v);

    // A rebuilt index needs the left-out revisions: they are read again.
    let mut v = open(&root).unwrap();
    let reports = v.reindex().unwrap();
    assert_eq!(
        reports.iter().map(|r| r.records).sum::<u64>(),
        u64::from(n) + 1
    );
    assert!(v.check_indexes().unwrap().is_empty());
    drop(v);

    // A log changed under the state: a bundle it covers removed.
    let log_dir = std::fs::read_dir(root.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    let bundle = log_dir.join("tile/entries/000");
    assert!(bundle.exists(), "{}", bundle.display());
    std::fs::remove_file(&bundle).unwrap();
    let err = open(&root).unwrap_err();
    assert_eq!(err.code, ErrorCode::Damaged, "{err}");
    assert!(err.to_string().contains("khronika verify"), "{err}");
}

#[test]
fn a_damaged_state_is_ignored_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let mut v = init(&root, 6);
    let c = v.default_compartment();
    let n = u32::try_from(MIN_GAIN).unwrap() + 300;
    v.create_records(c, (0..n).map(person).collect()).unwrap();
    v.update_indexes().unwrap();
    drop(v);
    let files = state_files(&root);
    assert_eq!(files.len(), 1);
    let path = root.join(STATE_DIR).join(&files[0]);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::remove_file(&path).unwrap();
    std::io::Write::write_all(&mut std::fs::File::create_new(&path).unwrap(), &bytes).unwrap();
    // Read in full, then a new generation replaces the damaged one.
    let mut v = open(&root).unwrap();
    assert_eq!(all_records(&mut v), n as usize);
    v.create_records(c, (n..n + 10).map(person).collect())
        .unwrap();
    v.update_indexes().unwrap();
    drop(v);
    let files = state_files(&root);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].ends_with("-00000000000000000002.sealed"),
        "{files:?}"
    );
    let mut v = open(&root).unwrap();
    assert_eq!(all_records(&mut v), n as usize + 10);
}
