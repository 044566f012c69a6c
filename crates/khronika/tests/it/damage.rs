//! Nothing is silently changed: a flipped byte in any vault file, or a deleted pack or log
//! bundle, makes `verify` (or opening the vault) fail with exit 7 and name the file.

use std::path::{Path, PathBuf};

use crate::util::{Env, PASS, copy_dir, files_under, flip_byte, random_bytes};

/// A vault with three items in one pack; returns the ids.
fn damaged_vault_base(env: &Env) -> Vec<String> {
    env.init();
    let files = [
        env.input("small.txt", b"a short statement\n"),
        env.input("photo.jpg", &random_bytes(300_000, 21)),
        env.input("video.mp4", &random_bytes(1_500_000, 22)),
    ];
    env.add(&files)
}

fn rel_str(p: &Path) -> String {
    p.to_str().unwrap().replace('\\', "/")
}

/// The only pack of the vault.
fn the_pack(vault: &Path) -> PathBuf {
    let packs = files_under(&vault.join("objects"));
    assert_eq!(packs.len(), 1, "one pack expected: {packs:?}");
    Path::new("objects").join(&packs[0])
}

#[test]
fn verify_names_every_file_with_a_flipped_byte() {
    let env = Env::new();
    damaged_vault_base(&env);
    let v = env.vault();
    let files = files_under(&v);
    let names: Vec<String> = files.iter().map(|p| rel_str(p)).collect();
    for want in [
        "khronika-vault",
        "keys/device.key",
        "objects/",
        "log/",
        "/checkpoint/",
        "/tile/entries/",
    ] {
        assert!(
            names.iter().any(|n| n.contains(want)),
            "no {want} in {names:?}"
        );
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("keys/member-") && n.ends_with(".key")),
        "{names:?}"
    );

    for (rel, name) in files.iter().zip(&names) {
        let path = v.join(rel);
        let original = std::fs::read(&path).unwrap();
        let len = original.len();
        let mut offsets = vec![0, len / 3, len / 2, 2 * len / 3, len - 1];
        offsets.dedup();
        for off in offsets {
            flip_byte(&path, off);
            let out = env.cmd().vault(&v).arg("verify").run();
            std::fs::write(&path, &original).unwrap();
            assert_eq!(out.code, 7, "byte {off} of {name} flipped: {out:?}");
            // The marker is read before anything else; its damage is reported on stderr.
            let said = format!("{}{}", out.stdout(), out.stderr);
            assert!(
                said.contains(name.as_str()),
                "byte {off} of {name} not named: {out:?}"
            );
            assert!(
                out.stderr.starts_with("khronika: ") && out.stderr.lines().count() == 1,
                "{out:?}"
            );
        }
    }
    // Every file was restored: the vault verifies again.
    let out = env.cmd().vault(&v).arg("verify").run().ok();
    assert!(out.stdout().contains("intact"), "{out:?}");
}

#[test]
fn damaged_or_missing_data_is_reported_and_never_returned() {
    let env = Env::new();
    let ids = damaged_vault_base(&env);
    let pack = the_pack(&env.vault());
    let pack_name = rel_str(&pack);

    // One byte inside the first sealed blob: the first chunk of the first item.
    let damaged = env.path("damaged");
    copy_dir(&env.vault(), &damaged);
    flip_byte(&damaged.join(&pack), 88 + 24 + 5);
    let verify = env.cmd().vault(&damaged).arg("verify").run();
    assert_eq!(verify.code, 7, "{verify:?}");
    assert!(
        verify
            .stdout()
            .contains(&format!("PROBLEM {pack_name}: damaged")),
        "{verify:?}"
    );
    verify.refused(7, &["verification found 1 problem(s)"]);

    let dest = env.path("out.txt");
    let outs = crate::util::run_all(vec![
        env.cmd().vault(&damaged).args(["cat", &ids[0]]).pass(PASS),
        env.cmd()
            .vault(&damaged)
            .args(["cat", &ids[0], "-o"])
            .arg(&dest)
            .pass(PASS),
        env.cmd()
            .vault(&damaged)
            .args(["verify", "--read-data"])
            .pass(PASS),
    ]);
    outs[0].refused(7, &[&pack_name]);
    assert!(
        outs[0].stdout.is_empty(),
        "no bytes of damaged evidence: {:?}",
        outs[0]
    );
    outs[1].refused(7, &[&pack_name]);
    assert!(!dest.exists(), "a failed cat -o leaves no file behind");
    outs[2].refused(7, &["problem(s)"]);
    assert!(outs[2].stdout().contains(&pack_name), "{:?}", outs[2]);
    assert!(
        outs[2].stdout().contains(&format!("evidence {}", ids[0])),
        "{:?}",
        outs[2]
    );

    // A deleted pack is named as missing.
    let missing = env.path("missing");
    copy_dir(&env.vault(), &missing);
    std::fs::remove_file(missing.join(&pack)).unwrap();
    let out = env.cmd().vault(&missing).arg("verify").run();
    out.refused(7, &["problem(s)"]);
    assert!(
        out.stdout()
            .contains(&format!("PROBLEM {pack_name}: missing")),
        "{out:?}"
    );
    let out = env
        .cmd()
        .vault(&missing)
        .args(["cat", &ids[1]])
        .pass(PASS)
        .run();
    out.refused(7, &[&pack_name, "missing"]);

    // A deleted log bundle is named too.
    let no_log = env.path("no-log");
    copy_dir(&env.vault(), &no_log);
    let bundles: Vec<PathBuf> = files_under(&no_log)
        .into_iter()
        .filter(|p| rel_str(p).contains("/tile/entries/"))
        .collect();
    assert!(!bundles.is_empty());
    for b in &bundles {
        std::fs::remove_file(no_log.join(b)).unwrap();
    }
    let out = env.cmd().vault(&no_log).arg("verify").run();
    out.refused(7, &["problem(s)"]);
    let device_log = rel_str(bundles[0].iter().take(2).collect::<PathBuf>().as_path());
    assert!(
        out.stdout().contains(&format!("PROBLEM {device_log}")),
        "{out:?}"
    );
}

#[test]
fn damaged_key_slots_and_marker_stop_the_vault_from_opening() {
    let env = Env::new();
    damaged_vault_base(&env);
    let v = env.vault();
    let member = files_under(&v.join("keys"))
        .into_iter()
        .find(|p| rel_str(p).starts_with("member-"))
        .unwrap();
    let cases = [
        (Path::new("keys/device.key").to_path_buf(), 60),
        (Path::new("keys").join(&member), 60),
        (Path::new("khronika-vault").to_path_buf(), 30),
    ];
    for (rel, off) in cases {
        let copy = env.path(format!("copy-{}", rel_str(&rel).replace('/', "-")));
        copy_dir(&v, &copy);
        flip_byte(&copy.join(&rel), off);
        let out = env.cmd().vault(&copy).arg("ls").pass(PASS).run();
        out.refused(7, &[&rel_str(&rel), "damaged"]);
        assert!(out.stdout.is_empty(), "{out:?}");
    }
}
