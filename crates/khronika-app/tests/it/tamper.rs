//! Damage and deletion: one flipped byte in any stored file, or a deleted object, is found by
//! `verify` without keys and named.

use std::path::Path;

use khronika_backends::SimFs;

use crate::support::*;

fn vault_with_evidence() -> SimFs {
    let fs = new_vault();
    let mut v = unlock(&fs).unwrap();
    v.add(
        vec![
            source("a.txt", b"first"),
            source("b.bin", &bytes(3, 2_100_000)),
            source("c.txt", b"third"),
        ],
        &mut |_| {},
    )
    .unwrap();
    v.add(vec![source("d.txt", b"second batch")], &mut |_| {})
        .unwrap();
    fs
}

fn rel(p: &Path) -> String {
    p.strip_prefix(ROOT).unwrap().to_string_lossy().into_owned()
}

/// The problems `verify` reports, or the error `open` gives.
fn findings(fs: &SimFs) -> Vec<String> {
    match open(fs) {
        Err(e) => vec![e.message],
        Ok(v) => v
            .verify(&mut |_| {})
            .problems
            .into_iter()
            .map(|p| format!("{}: {}", p.object, p.what))
            .collect(),
    }
}

#[test]
fn every_flipped_byte_is_found_and_named() {
    let fs = vault_with_evidence();
    assert_verifies(&fs, "untouched");
    let files = fs.files();
    assert!(files.len() >= 8, "{files:?}");
    let mut checked = 0;
    for (path, data) in &files {
        // Several positions per file: first, last, and spread between.
        let n = data.len() as u64;
        let positions: Vec<u64> = [0, n / 3, n / 2, n.saturating_sub(1)]
            .into_iter()
            .filter(|&p| p < n)
            .collect();
        for pos in positions {
            let t = fs.snapshot();
            t.flip_byte(path, pos).unwrap();
            let f = findings(&t);
            let name = rel(path);
            assert!(
                f.iter().any(|p| p.contains(&name)
                    || (name == "khronika-vault" && p.contains("khronika-vault"))),
                "byte {pos} of {name} flipped: not named in {f:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} flips checked");
}

#[test]
fn deleted_objects_and_bundles_are_named() {
    let fs = vault_with_evidence();
    let files = fs.files();
    let deletable: Vec<_> = files
        .iter()
        .filter(|(p, _)| {
            let r = rel(p);
            r.starts_with("objects/") || r.contains("/tile/entries/")
        })
        .collect();
    assert!(deletable.len() >= 2);
    for (path, _) in deletable {
        let t = fs.snapshot();
        t.set_contents(path, b"").unwrap();
        let _ = t; // an emptied file is damage; removal is checked below
        let t = fs.snapshot();
        use khronika_backends::Fs;
        t.remove_file(path).unwrap();
        t.sync_dir(path.parent().unwrap()).unwrap();
        let f = findings(&t);
        let name = rel(path);
        let named = f
            .iter()
            .any(|p| p.contains(&name) || (name.contains("/tile/") && p.contains("log/")));
        assert!(named, "deleting {name} went unnamed: {f:?}");
    }
}

#[test]
fn wrong_passphrase_changes_nothing() {
    let fs = vault_with_evidence();
    let before = fs.files();
    let locked = open(&fs).unwrap();
    let err = locked
        .unlock(&khronika_crypto::Passphrase::new(
            "not the passphrase".into(),
        ))
        .unwrap_err();
    assert_eq!(err.code, khronika_app::ErrorCode::WrongPassphrase);
    assert_eq!(fs.files(), before);
}
