//! Witnesses from the command line: a keyless witness cosigns a log's checkpoints as it grows,
//! refuses a rolled-back or rewritten (forked) log and names it, and proofs carry its
//! cosignature for verifiers who require it.

use crate::util::*;

#[test]
fn a_witness_cosigns_growth_and_refuses_rollback_and_forks() {
    let env = Env::new();
    env.init();
    let wdir = env.path("witness");
    let wkey = env
        .cmd()
        .args([
            "witness",
            "init",
            "--name",
            "witness.example.org/1",
            "--dir",
        ])
        .arg(&wdir)
        .run()
        .ok()
        .stdout();
    assert!(wkey.starts_with("witness.example.org/1+"), "{wkey}");
    let cosign = || {
        env.cmd()
            .vault(&env.vault())
            .args(["witness", "cosign", "--dir"])
            .arg(&wdir)
            .run()
    };

    let ids = env.add(&[env.input("a.txt", b"first")]);
    assert!(cosign().ok().stdout().contains("cosigned"));
    // A second round with nothing new is not a refusal.
    assert!(cosign().ok().stdout().contains("cosigned"));
    // Keep the vault as it was at size 3, then grow it and cosign size 4.
    let old = env.path("vault-at-3");
    copy_dir(&env.vault(), &old);
    env.add(&[env.input("b.txt", b"second")]);
    assert!(cosign().ok().stdout().contains("at size 4"));

    // A proof requiring the witness verifies.
    let out = env.path("proof");
    std::fs::create_dir(&out).unwrap();
    env.k(&["prove", &ids[0], "--out"]).arg(&out).run().ok();
    let proof = out.join(format!("{}.tlog-proof", ids[0]));
    let v = env
        .cmd()
        .args(["--json", "verify-proof"])
        .arg(&proof)
        .args(["--witness", wkey.trim()])
        .run()
        .ok()
        .json();
    assert_eq!(v["cosigned_by"][0], "witness.example.org/1");
    // … and one requiring another witness does not.
    let other = env.path("other-witness");
    let okey = env
        .cmd()
        .args(["witness", "init", "--name", "other.example/2", "--dir"])
        .arg(&other)
        .run()
        .ok()
        .stdout();
    env.cmd()
        .arg("verify-proof")
        .arg(&proof)
        .args(["--witness", okey.trim()])
        .run()
        .refused(7, &["does not verify"]);

    // Rolled back: the vault is put back to size 3.
    std::fs::remove_dir_all(env.vault()).unwrap();
    copy_dir(&old, &env.vault());
    let out = cosign();
    out.refused(7, &["witness refused"]);
    assert!(out.stdout().contains("rolled back"), "{out:?}");

    // Rewritten: from size 3, another entry 4 is appended (a fork of the history).
    env.add(&[env.input("c.txt", b"a different second entry")]);
    let out = cosign();
    out.refused(7, &["witness refused"]);
    assert!(out.stdout().contains("forked"), "{out:?}");
}

#[test]
fn witness_folders_are_checked() {
    let env = Env::new();
    env.init();
    env.cmd()
        .vault(&env.vault())
        .args(["witness", "cosign", "--dir"])
        .arg(env.path("nowhere"))
        .run()
        .refused(3, &["not a witness folder"]);
    let w = env.path("w");
    env.cmd()
        .args(["witness", "init", "--name", "w.example/1", "--dir"])
        .arg(&w)
        .run()
        .ok();
    env.cmd()
        .args(["witness", "init", "--name", "w.example/1", "--dir"])
        .arg(&w)
        .run()
        .refused(3, &["already holds a witness"]);
    env.cmd()
        .args(["witness", "init", "--name", "bad name with spaces", "--dir"])
        .arg(env.path("w2"))
        .run()
        .refused(2, &["cannot name a witness"]);
}
