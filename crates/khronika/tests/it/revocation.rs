//! A seized laptop: a second device is enrolled, works, is cosigned by a witness, is seized;
//! what its key signs afterwards reaches the office, which revokes it at the last cosigned
//! checkpoint. The later entries are quarantined (listed, never trusted, never dropped) until
//! a person accepts or rejects each one.

use std::path::Path;

use crate::util::*;

/// Copy a device's public objects and logs into another vault folder, as a mirror would.
fn sync(from: &Path, to: &Path) {
    for sub in ["objects", "log"] {
        let src = from.join(sub);
        // `files_under` gives paths relative to the folder it lists.
        for rel in files_under(&src) {
            let dst = to.join(sub).join(&rel);
            if !dst.exists() {
                std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
                std::fs::copy(src.join(&rel), &dst).unwrap();
            }
        }
    }
}

#[test]
fn a_seized_device_is_revoked_and_its_later_entries_are_quarantined() {
    let env = Env::new();
    env.init();
    let office = env.vault();
    let laptop = env.path("laptop");
    let with = |vault: &Path, args: &[&str]| env.cmd().vault(vault).args(args).pass(PASS).run();
    let added = |vault: &Path, name: &str, bytes: &[u8]| -> String {
        let f = env.input(name, bytes);
        let out = env
            .cmd()
            .vault(vault)
            .arg("add")
            .arg(&f)
            .pass(PASS)
            .run()
            .ok();
        out.stdout().split_whitespace().next().unwrap().to_owned()
    };

    with(&office, &["enrol", laptop.to_str().unwrap()]).ok();
    let keys = with(&office, &["--json", "keys"]).json();
    assert_eq!(
        keys.as_array().unwrap().len(),
        1,
        "the office does not know the laptop until it syncs"
    );
    let before = added(
        &laptop,
        "field-photo.jpg",
        b"\xFF\xD8\xFFphoto taken in the field",
    );
    sync(&laptop, &office);
    let laptop_id = with(&laptop, &["--json", "keys"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["this_device"] == true)
        .unwrap()["device"]
        .as_str()
        .unwrap()
        .to_owned();

    // A witness cosigns the laptop's log as the office sees it.
    let wdir = env.path("witness");
    env.cmd()
        .args(["witness", "init", "--name", "w.example/1", "--dir"])
        .arg(&wdir)
        .run()
        .ok();
    env.cmd()
        .vault(&office)
        .args(["witness", "cosign", "--dir"])
        .arg(&wdir)
        .run()
        .ok();

    // Seized: whoever holds the laptop adds things with its key, and they reach the office.
    let forged = added(&laptop, "planted.pdf", b"%PDF-1.4 planted");
    let forged2 = added(&laptop, "planted-2.pdf", b"%PDF-1.4 planted too");
    sync(&laptop, &office);

    let r = with(&office, &["--json", "revoke", &laptop_id[..8]])
        .ok()
        .json();
    assert_eq!(
        r["witnessed"], true,
        "the cut-off is the cosigned checkpoint"
    );
    assert_eq!(r["cutoff"], 2, "genesis and the field photo");
    assert_eq!(r["quarantined"], 2);

    let q = with(&office, &["--json", "quarantine"]).ok().json();
    let q = q.as_array().unwrap();
    assert_eq!(q.len(), 2);
    assert!(q.iter().all(|e| e["status"] == "quarantined"));
    let ls = with(&office, &["--json", "ls"]).ok().json();
    let status = |id: &str| {
        ls.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&before), "trusted");
    assert_eq!(status(&forged), "quarantined");
    assert_eq!(status(&forged2), "quarantined");

    // A person reviews: one accepted, one rejected. Nothing was dropped.
    with(
        &office,
        &["quarantine", "accept", &format!("{}:2", &laptop_id[..8])],
    )
    .ok();
    with(
        &office,
        &["quarantine", "reject", &format!("{}:3", &laptop_id[..8])],
    )
    .ok();
    let ls = with(&office, &["--json", "ls"]).ok().json();
    let status = |id: &str| {
        ls.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&forged), "trusted");
    assert_eq!(status(&forged2), "rejected");
    // Mistakes are refused with a clear message.
    with(
        &office,
        &["quarantine", "accept", &format!("{}:1", &laptop_id[..8])],
    )
    .refused(6, &["not in quarantine"]);
    with(&office, &["quarantine", "accept", "nonsense"]).refused(2, &["DEVICE:INDEX"]);
    let office_id = with(&office, &["--json", "keys"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["this_device"] == true)
        .unwrap()["device"]
        .as_str()
        .unwrap()
        .to_owned();
    with(&office, &["revoke", &office_id]).refused(2, &["cannot revoke itself"]);
    with(&office, &["revoke", &laptop_id, "--cutoff", "99"])
        .refused(2, &["no checkpoint of size 99"]);
    // Everything still verifies, and the history shows the revocation and the decisions.
    let report = env.cmd().vault(&office).arg("verify").run().ok().stdout();
    assert!(
        report.contains("revoked at size 2") && report.contains("quarantined"),
        "{report}"
    );
    let log = with(&office, &["log"]).ok().stdout();
    assert!(
        log.contains("device-revoked") && log.contains("quarantine-decision"),
        "{log}"
    );
}
