//! Records in the vault: round trips, field history, concurrent edits on two devices kept as
//! conflicts, compartments that members without a grant cannot open, key epochs after a
//! member's removal, the logged source register, and imports that store nothing when bad.

use std::path::Path;
use std::sync::Arc;

use khronika_app::ErrorCode;
use khronika_app::members::Role;
use khronika_app::vault::{LockedVault, UnlockedVault};
use khronika_backends::{Fs, SimFs};
use khronika_crypto::Passphrase;
use khronika_crypto::kdf::Argon2Params;
use khronika_domain::archive::Archive;
use khronika_domain::{Record, RecordId, RecordKind};
use khronika_store::entry::entry_kind;
use serde_json::json;

use crate::support::{ROOT, assert_verifies, new_vault, pass, unlock};

fn id(kind: RecordKind, n: u8) -> RecordId {
    RecordId::new(kind, [n; 16])
}

fn case(n: u8, title: &str) -> Record {
    serde_json::from_value(json!({
        "type": "case", "id": id(RecordKind::Case, n).to_string(), "title": title,
        "summary": "Detention of a journalist after a raid on the office."
    }))
    .unwrap()
}

fn person(n: u8, surname: &str) -> Record {
    serde_json::from_value(json!({
        "type": "person", "id": id(RecordKind::Person, n).to_string(),
        "names": [{"given": "Адам", "surname": surname}]
    }))
    .unwrap()
}

fn with_title(r: &Record, title: &str) -> Record {
    let mut v = serde_json::to_value(r).unwrap();
    v["title"] = json!(title);
    serde_json::from_value(v).unwrap()
}

fn current(v: &mut UnlockedVault, id: &RecordId) -> Record {
    v.record(id).unwrap().folded.record.unwrap()
}

fn log_size(v: &mut UnlockedVault) -> usize {
    v.log_lines().unwrap().len()
}

fn member_pass() -> Passphrase {
    Passphrase::new("the second member's passphrase".into())
}

fn unlock_as(fs: &SimFs, member: &str, p: &Passphrase) -> UnlockedVault {
    LockedVault::open(Arc::new(fs.clone()), Path::new(ROOT))
        .unwrap()
        .unlock_as(Some(member), p)
        .unwrap()
}

#[test]
fn records_round_trip_through_the_log() {
    let fs = new_vault();
    let c = case(1, "Raid on the Grozny office");
    let p = person(2, "Вахаев");
    {
        let mut v = unlock(&fs).unwrap();
        let d = v.default_compartment();
        v.create_records(d, vec![c.clone(), p.clone()]).unwrap();
    }
    let mut v = unlock(&fs).unwrap();
    // The case was placed in the default compartment by name.
    let mut want = serde_json::to_value(&c).unwrap();
    want["compartment"] = json!("default");
    assert_eq!(
        serde_json::to_value(current(&mut v, &c.id())).unwrap(),
        want
    );
    assert_eq!(current(&mut v, &p.id()), p);
    let list = v.list_records(Some(RecordKind::Case)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].label, "Raid on the Grozny office");
    assert_verifies(&fs, "after creating records");
}

#[test]
fn the_history_of_an_edited_field_is_kept() {
    let fs = new_vault();
    let mut v = unlock(&fs).unwrap();
    let d = v.default_compartment();
    let c = case(1, "first title");
    v.create_records(d, vec![c.clone()]).unwrap();
    let c1 = current(&mut v, &c.id());
    assert!(
        v.edit_record(with_title(&c1, "second title"), &[])
            .unwrap()
            .is_some()
    );
    let c2 = current(&mut v, &c.id());
    assert!(
        v.edit_record(with_title(&c2, "third title"), &[])
            .unwrap()
            .is_some()
    );
    // An edit that changes nothing writes nothing.
    let before = log_size(&mut v);
    assert!(
        {
            let r = current(&mut v, &c.id());
            v.edit_record(r, &[])
        }
        .unwrap()
        .is_none()
    );
    assert_eq!(log_size(&mut v), before);
    drop(v);
    let mut v = unlock(&fs).unwrap();
    let titles: Vec<_> = v
        .record_history(&c.id(), Some("title"))
        .unwrap()
        .into_iter()
        .map(|h| h.value)
        .collect();
    assert_eq!(
        titles,
        [
            json!("first title"),
            json!("second title"),
            json!("third title")
        ]
    );
    assert_eq!(v.record(&c.id()).unwrap().folded.revisions, 3);
}

/// Copy every object and log file one folder lacks from the other (what a mirror does).
fn exchange(fs: &SimFs, a: &str, b: &str) {
    fn walk(fs: &SimFs, dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(list) = fs.list_dir(dir) else { return };
        for e in list {
            let p = dir.join(&e.name);
            if e.kind == khronika_backends::EntryKind::Dir {
                walk(fs, &p, out);
            } else {
                out.push(p);
            }
        }
    }
    for (from, to) in [(a, b), (b, a)] {
        for top in ["objects", "log"] {
            let mut files = Vec::new();
            walk(fs, &Path::new(from).join(top), &mut files);
            for f in files {
                let rel = f.strip_prefix(from).unwrap();
                let dest = Path::new(to).join(rel);
                if fs.kind(&dest).unwrap().is_none() {
                    fs.create_dir_all(dest.parent().unwrap()).unwrap();
                    fs.write_new(&dest, &fs.read(&f).unwrap()).unwrap();
                }
            }
        }
    }
}

#[test]
fn concurrent_edits_on_two_devices_are_kept_as_a_conflict() {
    let fs = new_vault();
    let c = case(1, "agreed title");
    {
        let mut v = unlock(&fs).unwrap();
        let d = v.default_compartment();
        v.create_records(d, vec![c.clone()]).unwrap();
        v.enrol(Arc::new(fs.clone()), Path::new("/second")).unwrap();
    }
    let second = || {
        LockedVault::open(Arc::new(fs.clone()), Path::new("/second"))
            .unwrap()
            .unlock(&pass())
            .unwrap()
    };
    // Both devices edit the title without seeing each other; one also edits the summary.
    {
        let mut a = unlock(&fs).unwrap();
        let r = current(&mut a, &c.id());
        a.edit_record(with_title(&r, "title from the office"), &[])
            .unwrap();
    }
    {
        let mut b = second();
        let r = current(&mut b, &c.id());
        let mut v = serde_json::to_value(with_title(&r, "title from the field")).unwrap();
        v["summary"] = json!("Summary written in the field.");
        b.edit_record(serde_json::from_value(v).unwrap(), &[])
            .unwrap();
    }
    exchange(&fs, ROOT, "/second");
    for mut v in [unlock(&fs).unwrap(), second()] {
        let f = v.record(&c.id()).unwrap().folded;
        assert_eq!(f.conflicts.len(), 1, "{:?}", f.conflicts);
        assert_eq!(f.conflicts[0].field, "title");
        let mut values: Vec<_> = f.conflicts[0]
            .candidates
            .iter()
            .map(|(_, v)| v.clone())
            .collect();
        values.sort_by_key(ToString::to_string);
        assert_eq!(
            values,
            [
                json!("title from the field"),
                json!("title from the office")
            ]
        );
        // The edit of another field merged without conflict.
        assert_eq!(f.value["summary"], json!("Summary written in the field."));
        assert_eq!(f.heads.len(), 2);
    }
    // A person resolves it on the first device; the other device agrees after exchanging.
    {
        let mut a = unlock(&fs).unwrap();
        // An edit of another field, saved without naming `title`, leaves the conflict for a
        // person to see.
        let mut other = serde_json::to_value(current(&mut a, &c.id())).unwrap();
        other["summary"] = json!("Summary agreed at the office.");
        a.edit_record(serde_json::from_value(other).unwrap(), &[])
            .unwrap();
        assert_eq!(a.record(&c.id()).unwrap().folded.conflicts.len(), 1);
        let r = current(&mut a, &c.id());
        a.edit_record(with_title(&r, "title from the office"), &["title"])
            .unwrap();
        let f = a.record(&c.id()).unwrap().folded;
        assert!(f.conflicts.is_empty(), "{:?}", f.conflicts);
    }
    exchange(&fs, ROOT, "/second");
    let f = second().record(&c.id()).unwrap().folded;
    assert!(f.conflicts.is_empty());
    assert_eq!(f.value["title"], json!("title from the office"));
    assert_verifies(&fs, "after concurrent edits");
}

#[test]
fn a_member_without_the_grant_cannot_read_a_compartment() {
    let fs = new_vault();
    let secret_case = case(1, "Case of the detained lawyer");
    let member = {
        let mut v = unlock(&fs).unwrap();
        let c = v.create_compartment("lawyers-2025", false).unwrap();
        v.create_records(c, vec![secret_case.clone()]).unwrap();
        let d = v.default_compartment();
        v.create_records(d, vec![case(2, "Open case")]).unwrap();
        v.add_member(
            "viewer-1",
            Role::Viewer,
            &member_pass(),
            Argon2Params::weak_for_tests(),
        )
        .unwrap()
    };
    let hex = member.to_hex();
    let mut viewer = unlock_as(&fs, &hex[..8], &member_pass());
    assert_eq!(viewer.role(), Role::Viewer);
    // The default compartment is theirs; the other is not.
    assert!(viewer.record(&id(RecordKind::Case, 2)).is_ok());
    let e = viewer.record(&secret_case.id()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(viewer.unreadable_revisions() >= 1);
    let names: Vec<_> = viewer.compartments().into_iter().map(|c| c.name).collect();
    assert!(
        names.contains(&None),
        "the other compartment's name is sealed: {names:?}"
    );
    // A viewer may not write.
    let mut viewer = viewer;
    let d = viewer.default_compartment();
    let e = viewer.create_records(d, vec![case(3, "x")]).unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    drop(viewer);
    // After a grant they can.
    {
        let mut v = unlock(&fs).unwrap();
        let c = v.find_compartment("lawyers-2025").unwrap();
        v.grant(c, member).unwrap();
    }
    let mut viewer = unlock_as(&fs, &hex, &member_pass());
    assert_eq!(
        current(&mut viewer, &secret_case.id()).kind(),
        RecordKind::Case
    );
    assert_verifies(&fs, "after grants");
}

#[test]
fn a_removed_member_opens_nothing_written_after_removal() {
    let fs = new_vault();
    let (member, c) = {
        let mut v = unlock(&fs).unwrap();
        let c = v.create_compartment("chechnya-2019", false).unwrap();
        v.create_records(c, vec![case(1, "before removal")])
            .unwrap();
        let m = v
            .add_member(
                "doc-1",
                Role::Documenter,
                &member_pass(),
                Argon2Params::weak_for_tests(),
            )
            .unwrap();
        v.grant(c, m).unwrap();
        (m, c)
    };
    let hex = member.to_hex();
    assert!(
        unlock_as(&fs, &hex, &member_pass())
            .record(&id(RecordKind::Case, 1))
            .is_ok()
    );
    {
        let mut v = unlock(&fs).unwrap();
        let renewed = v.remove_member(member).unwrap();
        assert!(renewed.contains(&c), "{renewed:?}");
        assert_eq!(
            v.compartments().iter().find(|x| x.id == c).unwrap().epoch,
            1
        );
        v.create_records(c, vec![case(2, "after removal")]).unwrap();
    }
    // The removed member still has their key slot here and their old keys: they open what
    // they could open before, and nothing written after.
    let mut old = unlock_as(&fs, &hex, &member_pass());
    assert!(old.record(&id(RecordKind::Case, 1)).is_ok());
    assert_eq!(
        old.record(&id(RecordKind::Case, 2)).unwrap_err().code,
        ErrorCode::NotFound
    );
    // The administrator reads both.
    let mut v = unlock(&fs).unwrap();
    assert!(v.record(&id(RecordKind::Case, 2)).is_ok());
    assert_verifies(&fs, "after removing a member");
}

#[test]
fn opening_the_source_register_leaves_a_log_entry_first() {
    let fs = new_vault();
    let real = person(9, "Исмаилов");
    {
        let mut v = unlock(&fs).unwrap();
        let c = v.create_compartment("source-identities", true).unwrap();
        v.create_records(c, vec![real.clone()]).unwrap();
    }
    let mut v = unlock(&fs).unwrap();
    // Not opened at unlock.
    assert!(v.record(&real.id()).is_err());
    assert_eq!(v.sealed_source_revisions(), 1);
    let before = v
        .log_lines()
        .unwrap()
        .iter()
        .filter(|l| l.entry.body.kind == entry_kind::SOURCE_OPENING)
        .count();
    assert_eq!(
        v.open_source_register("preparing the ECtHR application")
            .unwrap(),
        1
    );
    assert_eq!(current(&mut v, &real.id()), real);
    drop(v);
    let mut v = unlock(&fs).unwrap();
    let after = v
        .log_lines()
        .unwrap()
        .iter()
        .filter(|l| l.entry.body.kind == entry_kind::SOURCE_OPENING)
        .count();
    assert_eq!(after, before + 1);
    let openings = v.source_openings();
    assert_eq!(openings.len(), 1);
    assert_eq!(openings[0].purpose, "preparing the ECtHR application");
    assert_eq!(openings[0].member, v.member().to_hex());
    assert_verifies(&fs, "after opening the register");
}

#[test]
fn a_bad_import_stores_nothing() {
    let fs = new_vault();
    let mut v = unlock(&fs).unwrap();
    let before = log_size(&mut v);
    // Malformed JSON: the error names line and column.
    let e = Archive::parse("{\n  \"format\": \"khronika-records/v1\",\n  \"compartments\": [\n    {\"name\": \"x\",, }\n  ]\n}")
        .unwrap_err();
    assert_eq!(e.line(), Some(4), "{e}");
    // Valid JSON, invalid records: nothing is stored.
    let bad = Archive::parse(
        &json!({"format": "khronika-records/v1", "compartments": [{"name": "default", "records": {
            "cases": [{"id": id(RecordKind::Case, 1).to_string(), "title": "ok", "compartment": "default"},
                      {"id": id(RecordKind::Case, 2).to_string(), "title": "", "compartment": "default"}],
            "links": [{"id": id(RecordKind::Link, 3).to_string(), "from": id(RecordKind::Case, 1).to_string(),
                       "to": id(RecordKind::Person, 4).to_string(), "kind": "related_to"}]
        }}]})
        .to_string(),
    )
    .unwrap();
    let e = v.import_archive(&bad).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert!(e.message.contains("cases[1].title"), "{}", e.message);
    assert_eq!(log_size(&mut v), before);
    assert!(v.list_records(None).unwrap().is_empty());
    // A record refers to one that does not exist.
    let dangling = Archive::parse(
        &json!({"format": "khronika-records/v1", "compartments": [{"name": "default", "records": {
            "links": [{"id": id(RecordKind::Link, 3).to_string(), "from": id(RecordKind::Case, 1).to_string(),
                       "to": id(RecordKind::Person, 4).to_string(), "kind": "related_to"}]
        }}]})
        .to_string(),
    )
    .unwrap();
    let e = v.import_archive(&dangling).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid, "{}", e.message);
    assert_eq!(log_size(&mut v), before);
}

#[test]
fn the_sample_imports_and_exports_equal() {
    let fs = new_vault();
    let sample = khronika_domain::sample::sample().unwrap();
    let mut v = unlock(&fs).unwrap();
    let r = v.import_archive(&sample).unwrap();
    assert_eq!(r.created, sample.len());
    // Importing again changes nothing.
    let again = v.import_archive(&sample).unwrap();
    assert_eq!((again.created, again.revised), (0, 0));
    drop(v);
    let mut v = unlock(&fs).unwrap();
    let unopened = v.export_archive().unwrap().0.len();
    assert!(unopened < sample.len());
    // Writing to the register needs it opened (and logged) first.
    assert_eq!(
        v.import_archive(&sample).unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert!(v.open_source_register("checking the export").unwrap() > 0);
    let again = v.import_archive(&sample).unwrap();
    assert_eq!((again.created, again.revised), (0, 0));
    let (exported, broken) = v.export_archive().unwrap();
    assert_eq!(broken, 0);
    let mut a: Vec<_> = sample.records().map(|(c, r)| (c.to_owned(), r)).collect();
    let mut b: Vec<_> = exported.records().map(|(c, r)| (c.to_owned(), r)).collect();
    a.sort_by_key(|(_, r)| r.id());
    b.sort_by_key(|(_, r)| r.id());
    assert_eq!(a, b);
    assert_verifies(&fs, "after the sample");
}

#[test]
fn a_long_transcript_travels_in_a_pack() {
    let fs = new_vault();
    let mut v = unlock(&fs).unwrap();
    let transcript = "Свидетель рассказал, что его задержали у блокпоста. ".repeat(2000);
    let t: Record = serde_json::from_value(json!({
        "type": "testimony", "id": id(RecordKind::Testimony, 5).to_string(),
        "given_by": {"pseudonym": "W-17"}, "transcript": transcript
    }))
    .unwrap();
    let d = v.default_compartment();
    v.create_records(d, vec![t.clone()]).unwrap();
    drop(v);
    let mut v = unlock(&fs).unwrap();
    assert_eq!(current(&mut v, &t.id()), t);
    assert_verifies(&fs, "after a long transcript");
}

#[test]
fn the_index_equals_the_fold_and_holds_no_plaintext() {
    use khronika_backends::OsFs;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let (mut v, _) = khronika_app::vault::init(
        Arc::new(OsFs),
        &root,
        &pass(),
        Argon2Params::weak_for_tests(),
        &mut khronika_crypto::SeededEntropy::new(3),
    )
    .unwrap();
    let sample = khronika_domain::sample::sample().unwrap();
    v.import_archive(&sample).unwrap();
    let first = v.update_indexes().unwrap();
    assert!(
        first.iter().map(|r| r.applied).sum::<usize>() > 100,
        "{first:?}"
    );
    assert_eq!(v.check_indexes().unwrap(), Vec::<String>::new());
    // An edit reaches the index incrementally.
    let case_id = v.list_records(Some(RecordKind::Case)).unwrap()[0]
        .id
        .parse()
        .unwrap();
    let r = current(&mut v, &case_id);
    v.edit_record(with_title(&r, "Исправленное название"), &[])
        .unwrap();
    let again = v.update_indexes().unwrap();
    assert_eq!(
        again.iter().map(|r| r.applied).sum::<usize>(),
        1,
        "{again:?}"
    );
    assert_eq!(v.check_indexes().unwrap(), Vec::<String>::new());
    // A rebuild from scratch gives the same.
    let rebuilt = v.reindex().unwrap();
    assert_eq!(
        rebuilt.iter().map(|r| r.records).sum::<u64>(),
        first.iter().map(|r| r.records).sum::<u64>()
    );
    assert_eq!(v.check_indexes().unwrap(), Vec::<String>::new());
    drop(v);
    // No record text in the index files (or anywhere in the vault).
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(
        files
            .iter()
            .any(|p| p.to_string_lossy().contains("/index/"))
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for canary in [
            "Исправленное",
            "Grozny",
            "Грозн",
            "CREATE TABLE",
            "SQLite format",
        ] {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{canary} in {}",
                f.display()
            );
        }
    }
}
