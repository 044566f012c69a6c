//! `khronika prove` and `khronika verify-proof` from the command line: the package verifies
//! on a machine with no vault, checks the file itself, and refuses changes and other keys.

use crate::util::*;

#[test]
fn prove_then_verify_without_a_vault() {
    let env = Env::new();
    env.init();
    let evidence = b"video of the raid, frame by frame";
    let ids = env.add(&[
        env.input("рейд-на-офис.mp4", evidence),
        env.input("other.txt", b"other"),
    ]);
    let out = env.path("court");
    std::fs::create_dir(&out).unwrap();
    let written = env
        .k(&["prove", &ids[0], "--out"])
        .arg(&out)
        .run()
        .ok()
        .stdout();
    assert_eq!(written.lines().count(), 4, "{written}");
    let proof = out.join(format!("{}.tlog-proof", ids[0]));
    // Verify with no vault anywhere in the environment, pinning the published key.
    let vkey = env
        .cmd()
        .vault(&env.vault())
        .args(["checkpoint", "--vkey"])
        .run()
        .ok()
        .stdout();
    let elsewhere = Env::new();
    let ok = elsewhere
        .cmd()
        .arg("verify-proof")
        .arg(&proof)
        .args(["--vkey", vkey.trim(), "--file"])
        .arg(env.path("inputs").join("рейд-на-офис.mp4"))
        .run()
        .ok();
    assert!(ok.stdout().starts_with("VERIFIED"), "{ok:?}");
    assert!(ok.stdout().contains(&sha256_hex(evidence)));
    for f in std::fs::read_dir(&out).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("рейд"),
            "the file name was disclosed"
        );
    }
    // Another file is not this evidence.
    let wrong = elsewhere.input("fake.mp4", b"something else");
    elsewhere
        .cmd()
        .arg("verify-proof")
        .arg(&proof)
        .args(["--vkey", vkey.trim(), "--file"])
        .arg(&wrong)
        .run()
        .refused(7, &["does not verify", "SHA-256"]);
    // A changed disclosure is refused.
    let disclosure = out.join(format!("{}.disclosure.json", ids[0]));
    let text = std::fs::read_to_string(&disclosure).unwrap();
    std::fs::write(
        &disclosure,
        text.replace("\"size\":{\"value\":\"33\"", "\"size\":{\"value\":\"34\""),
    )
    .unwrap();
    elsewhere
        .cmd()
        .arg("verify-proof")
        .arg(&proof)
        .run()
        .refused(7, &["does not verify"]);
    // prove never overwrites an earlier package.
    env.k(&["prove", &ids[0], "--out"])
        .arg(&out)
        .run()
        .refused(2, &["never overwritten"]);
}

#[test]
fn disclosing_more_is_a_choice() {
    let env = Env::new();
    env.init();
    let ids = env.add(&[env.input("протокол.pdf", b"%PDF-1.4 protocol")]);
    let out = env.path("p");
    std::fs::create_dir(&out).unwrap();
    env.k(&["prove", &ids[0], "--disclose", "sha256,name", "--out"])
        .arg(&out)
        .run()
        .ok();
    let proof = out.join(format!("{}.tlog-proof", ids[0]));
    let v = env
        .cmd()
        .args(["--json", "verify-proof"])
        .arg(&proof)
        .run()
        .ok()
        .json();
    assert_eq!(v["fields"]["name"], "протокол.pdf");
    assert!(v["fields"].get("size").is_none());
    assert_eq!(v["vkey_pinned"], false);
    env.k(&["prove", &ids[0], "--disclose", "colour"])
        .run()
        .refused(2, &["colour"]);
}
