//! The quarantine page: what a revoked device wrote after its cut-off is listed, and a
//! coordinator accepts or rejects each entry.

use khronika_app::LockedVault;

use super::*;

#[tokio::test]
async fn entries_of_a_seized_device_are_reviewed_one_by_one() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    assert!(
        b.get(&s, "/quarantine")
            .await
            .body
            .contains("id=\"quarantine-empty\"")
    );

    // A laptop is enrolled; after it is seized, someone adds two files with its key, and they
    // reach the office, which revokes the laptop right after its first entry.
    let root = s._dir.path().join("vault");
    let laptop = s._dir.path().join("laptop");
    let device = s
        .web
        .locked()
        .unwrap()
        .unlock(&pass())
        .unwrap()
        .enrol(Arc::new(OsFs), &laptop)
        .unwrap();
    {
        let mut v = LockedVault::open(Arc::new(OsFs), &laptop)
            .unwrap()
            .unlock(&pass())
            .unwrap();
        for (name, bytes) in [
            ("planted.pdf", b"%PDF-1.4 planted".as_slice()),
            ("planted-2.pdf", b"%PDF-1.4 planted too".as_slice()),
        ] {
            v.add(
                vec![khronika_app::ingest::Source {
                    name: name.into(),
                    origin: name.into(),
                    size: bytes.len() as u64,
                    reader: Box::new(std::io::Cursor::new(bytes.to_vec())),
                }],
                &mut |_| {},
            )
            .unwrap();
        }
    }
    copy_new(&laptop, &root);
    let revoked = s
        .web
        .locked()
        .unwrap()
        .unlock(&pass())
        .unwrap()
        .revoke(device, Some(1))
        .unwrap();
    assert_eq!(revoked.quarantined, 2);

    let page = b.get(&s, "/quarantine").await;
    assert_eq!(page.status, StatusCode::OK);
    let table = &page.body[page.body.find("id=\"quarantine\"").expect("a table")..];
    assert!(
        table.contains("planted.pdf") && table.contains("planted-2.pdf"),
        "{table}"
    );
    assert_eq!(table.matches("awaiting review").count(), 2, "{table}");

    // Accept the first, reject the second: both stay, with their standing.
    let hex = device.to_hex();
    for (index, decision) in [("1", "accept"), ("2", "reject")] {
        let r = b
            .submit(
                &s,
                "/quarantine",
                "/quarantine",
                &[("device", &hex), ("index", index), ("decision", decision)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = b.get(&s, "/quarantine").await;
    assert!(
        page.body.contains("accepted") && page.body.contains(">rejected<"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("awaiting review"));

    // Malformed or wrong decisions: refused with the reason, nothing decided.
    for (fields, says) in [
        (
            vec![
                ("device", hex.as_str()),
                ("index", "1"),
                ("decision", "maybe"),
            ],
            "accept or reject",
        ),
        (
            vec![
                ("device", hex.as_str()),
                ("index", "one"),
                ("decision", "accept"),
            ],
            "not an entry",
        ),
        (
            vec![
                ("device", hex.as_str()),
                ("index", "0"),
                ("decision", "reject"),
            ],
            "not in quarantine",
        ),
        (
            vec![("device", "zz"), ("index", "1"), ("decision", "accept")],
            "device",
        ),
    ] {
        let r = b.submit(&s, "/quarantine", "/quarantine", &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}: {}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
}
