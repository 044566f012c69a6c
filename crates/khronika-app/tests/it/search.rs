//! Search through the app layer, on a vault on the real disk: names across scripts, word
//! forms, the compartments a member may read, edits, evidence text (plain text, HTML, PDF),
//! files that cannot be read (a note, never a lost file or a stopped index), catching up
//! lazily, and no plaintext anywhere under the vault.

use std::path::Path;
use std::sync::Arc;

use khronika_app::ErrorCode;
use khronika_app::members::Role;
use khronika_app::search::{Filters, SearchQuery};
use khronika_app::vault::{self, LockedVault, UnlockedVault};
use khronika_backends::OsFs;
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::{Passphrase, SeededEntropy};
use khronika_domain::{Record, RecordId, RecordKind};
use serde_json::json;

use crate::support::{pass, source};

fn init(root: &Path) -> UnlockedVault {
    vault::init(
        Arc::new(OsFs),
        root,
        &pass(),
        Argon2Params::weak_for_tests(),
        &mut SeededEntropy::new(7),
    )
    .unwrap()
    .0
}

fn reopen(root: &Path) -> UnlockedVault {
    LockedVault::open(Arc::new(OsFs), root)
        .unwrap()
        .unlock(&pass())
        .unwrap()
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        fuzzy: false,
        filters: Filters::default(),
        limit: 1000,
        facets: true,
    }
}

/// The ids found, sorted.
fn ids(v: &mut UnlockedVault, text: &str) -> Vec<String> {
    let r = v.search(&q(text)).unwrap();
    let mut out: Vec<String> = r.hits.into_iter().map(|h| h.id).collect();
    out.sort();
    out
}

fn record(j: serde_json::Value) -> Record {
    serde_json::from_value(j).unwrap()
}

fn rid(kind: RecordKind, n: u8) -> RecordId {
    RecordId::new(kind, [n; 16])
}

/// A one-page PDF whose text layer says `text` (Helvetica, WinAnsi), with a correct
/// cross-reference table.
pub fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 712 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn the_sample_finds_names_across_scripts_and_russian_word_forms() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let archive = khronika_domain::sample::sample().unwrap();
    v.import_archive(&archive).unwrap();
    let d = v.default_compartment();
    v.create_records(
        d,
        vec![record(
            json!({"type": "person", "id": rid(RecordKind::Person, 1).to_string(),
            "names": [{"given": "Рамзан", "surname": "Кадыров"}]}),
        )],
    )
    .unwrap();

    let kadyrov = ids(&mut v, "Кадыров");
    assert_eq!(kadyrov, vec![rid(RecordKind::Person, 1).to_string()]);
    for name in ["Kadyrov", "Kadyrow", "Qadirov", "кадырова"] {
        assert_eq!(ids(&mut v, name), kadyrov, "{name}");
    }
    // A name the sample writes in both scripts.
    let elmurzaev = ids(&mut v, "Эльмурзаев");
    assert!(elmurzaev.len() >= 3, "{elmurzaev:?}");
    for name in ["Elmurzayev", "Elmurzaev", "Elmurzajew"] {
        let got = ids(&mut v, name);
        for id in &elmurzaev {
            assert!(got.contains(id), "{name}: {id} missing from {got:?}");
        }
    }
    // Inflected forms of one word find the same records.
    let torture = ids(&mut v, "пытки");
    assert!(!torture.is_empty());
    for form in ["пыток", "пытали", "пыткам"] {
        assert_eq!(ids(&mut v, form), torture, "{form}");
    }
    // Facets count every match; a type filter keeps one type.
    let r = v.search(&q("пытки")).unwrap();
    let f = r.facets.unwrap();
    assert_eq!(f.types.values().sum::<u64>() as usize, r.total);
    let mut events = q("пытки");
    events.filters.kinds = vec![RecordKind::Event];
    let r = v.search(&events).unwrap();
    assert!(r.hits.iter().all(|h| h.kind == "event"));
    assert_eq!(r.total as u64, f.types.get("event").copied().unwrap_or(0));

    // Malformed requests are refused with a clear error.
    let e = v.search(&q("   ")).unwrap_err();
    assert_eq!(e.code, ErrorCode::Usage);
    assert!(e.message.contains("give words"), "{}", e.message);
    let mut backwards = q("пытки");
    backwards.filters.from = khronika_domain::Date::parse("2020-01-01").ok();
    backwards.filters.to = khronika_domain::Date::parse("2019-01-01").ok();
    assert_eq!(v.search(&backwards).unwrap_err().code, ErrorCode::Usage);

    // Up to date: a new session has nothing to catch up; a new record is caught up alone.
    drop(v);
    let mut v = reopen(&root);
    let r = v.search(&q("Kadyrov")).unwrap();
    assert!(r.updated.is_empty(), "{:?}", r.updated);
    v.create_records(
        d,
        vec![record(
            json!({"type": "person", "id": rid(RecordKind::Person, 2).to_string(),
            "names": [{"given": "Adam", "surname": "Kadyrov"}]}),
        )],
    )
    .unwrap();
    let r = v.search(&q("Кадыров")).unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(r.updated.len(), 1);
    assert_eq!(r.updated[0].records, 1);
    // This session has not opened the source-identities register: its records are not
    // searched (the import above did open it, being the session that wrote it).
    let now = ids(&mut v, "Эльмурзаев");
    assert!(now.len() < elmurzaev.len() && now.iter().all(|i| elmurzaev.contains(i)));
    // A rebuild gives the same answers.
    let reports = v.rebuild_search().unwrap();
    assert!(reports.iter().all(|r| r.rebuilt));
    assert_eq!(ids(&mut v, "Эльмурзаев"), now);
}

#[test]
fn edits_deletions_of_text_and_compartments_without_a_grant() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let secret = v.create_compartment("lawyers-2025", false).unwrap();
    let case = record(
        json!({"type": "case", "id": rid(RecordKind::Case, 1).to_string(),
        "title": "Задержание журналиста Петрова", "summary": "Raid on the editorial office."}),
    );
    v.create_records(secret, vec![case.clone()]).unwrap();
    let d = v.default_compartment();
    v.create_records(
        d,
        vec![record(
            json!({"type": "case", "id": rid(RecordKind::Case, 2).to_string(),
            "title": "Open case of a raid"}),
        )],
    )
    .unwrap();
    assert_eq!(
        ids(&mut v, "Petrov"),
        vec![rid(RecordKind::Case, 1).to_string()]
    );
    // Edit: the new text is found, the old no longer.
    let mut edited = serde_json::to_value(&case).unwrap();
    edited["title"] = json!("Арест адвоката Сидорова");
    v.edit_record(serde_json::from_value(edited).unwrap(), &[])
        .unwrap();
    assert!(ids(&mut v, "Петров").is_empty());
    assert_eq!(
        ids(&mut v, "Sidorov"),
        vec![rid(RecordKind::Case, 1).to_string()]
    );
    assert_eq!(ids(&mut v, "raid").len(), 2);
    let member = v
        .add_member(
            "viewer-1",
            Role::Viewer,
            &Passphrase::new("the viewer's passphrase".into()),
            Argon2Params::weak_for_tests(),
        )
        .unwrap();
    drop(v);

    // The viewer holds only the default compartment: the other is never searched, though
    // its index is on this disk.
    let viewer = |root: &Path| {
        LockedVault::open(Arc::new(OsFs), root)
            .unwrap()
            .unlock_as(
                Some(&member.to_hex()[..8]),
                &Passphrase::new("the viewer's passphrase".into()),
            )
            .unwrap()
    };
    let mut w = viewer(&root);
    assert!(ids(&mut w, "Sidorov").is_empty());
    assert_eq!(
        ids(&mut w, "raid"),
        vec![rid(RecordKind::Case, 2).to_string()]
    );
    let r = w.search(&q("raid")).unwrap();
    assert_eq!(r.compartments, vec!["default".to_owned()]);
    drop(w);
    // After a grant, it is.
    let mut v = reopen(&root);
    v.grant(secret, member).unwrap();
    drop(v);
    let mut w = viewer(&root);
    assert_eq!(
        ids(&mut w, "Sidorov"),
        vec![rid(RecordKind::Case, 1).to_string()]
    );
}

const CANARY: &str = "QZXCANARYWORDQZX";
const CANARY_RU: &str = "Щвъхканарейкащвъх";

#[test]
fn evidence_text_is_found_files_without_text_get_a_note_and_nothing_is_plaintext() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let html = format!(
        "<!DOCTYPE html><html><head><title>News</title><script>var menuScript = 1;</script></head>\
         <body><nav>Navigationmenu Home</nav><header>Sitebanner</header>\
         <article><p>Soldiers detained the editor &amp; two reporters {CANARY}.</p></article>\
         <footer>Copyrightfooter</footer></body></html>"
    );
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "statement.txt",
            format!("Свидетель видел, как задержанного избивали. {CANARY_RU}").into_bytes(),
        ),
        ("capture.html", html.into_bytes()),
        (
            "report.pdf",
            pdf("The witness saw soldiers at the checkpoint"),
        ),
        (
            "broken.pdf",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage".to_vec(),
        ),
        ("cp1251.txt", {
            // UTF-8 where the type is recognised, Windows-1251 further on ("Привет"): read
            // as Windows-1251.
            let mut b = b"Plain start of a letter, then ".repeat(1000);
            b.extend_from_slice(&[0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]);
            b
        }),
        ("video.mp4", {
            let mut b = b"\0\0\0\x18ftypmp42".to_vec();
            b.extend_from_slice(&[7; 100]);
            b
        }),
    ];
    let added = v
        .add(
            files.iter().map(|(n, b)| source(n, b)).collect(),
            &mut |_| {},
        )
        .unwrap();
    let id = |name: &str| {
        let i = files.iter().position(|(n, _)| *n == name).unwrap();
        added[i].id.clone()
    };
    let r = v.search(&q("избивать")).unwrap();
    assert_eq!(
        r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
        vec![id("statement.txt")]
    );
    assert_eq!(r.hits[0].kind, "evidence");
    assert_eq!(r.hits[0].label, "statement.txt");
    // The catch-up said which files have no text, and why; every file is still indexed by name.
    let notes = r
        .updated
        .iter()
        .flat_map(|u| u.notes.clone())
        .collect::<Vec<_>>();
    assert_eq!(r.updated[0].evidence, files.len(), "{notes:?}");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("broken.pdf") && n.contains("not a PDF that can be read")),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("cp1251.txt")), "{notes:?}");
    assert_eq!(ids(&mut v, "привет"), vec![id("cp1251.txt")]);
    assert_eq!(ids(&mut v, "broken"), vec![id("broken.pdf")]);
    assert_eq!(ids(&mut v, "video"), vec![id("video.mp4")]);
    // Phrases from each kind of text.
    assert_eq!(
        ids(&mut v, "\"editor and two reporters\""),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&mut v, "\"detained the editor\""),
        vec![id("capture.html")]
    );
    assert_eq!(
        ids(&mut v, "\"soldiers at the checkpoint\""),
        vec![id("report.pdf")]
    );
    assert_eq!(
        ids(&mut v, "\"видел как задержанного\""),
        vec![id("statement.txt")]
    );
    // Page furniture of the HTML is not indexed.
    for furniture in [
        "Navigationmenu",
        "Sitebanner",
        "Copyrightfooter",
        "menuScript",
    ] {
        assert!(ids(&mut v, furniture).is_empty(), "{furniture}");
    }
    // Evidence as a type.
    let mut only = q("");
    only.filters.evidence = true;
    assert_eq!(v.search(&only).unwrap().total, files.len());
    // Nothing was lost: every file reads back whole.
    for (i, (_, b)) in files.iter().enumerate() {
        assert_eq!(&crate::support::cat(&mut v, &added[i].id), b);
    }
    drop(v);

    // No plaintext anywhere under the vault, search indexes included.
    let mut scanned = 0;
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let b = std::fs::read(&p).unwrap();
            scanned += 1;
            for c in [CANARY, CANARY_RU, "задержанного", "checkpoint", "reporters"] {
                assert!(
                    !b.windows(c.len()).any(|w| w == c.as_bytes()),
                    "{c} in {}",
                    p.display()
                );
            }
        }
    }
    assert!(root.join("search").is_dir());
    assert!(scanned > 10, "{scanned}");
}
