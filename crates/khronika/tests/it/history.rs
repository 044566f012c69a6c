//! The public side of the history from the command line: `checkpoint`, `checkpoint --vkey`
//! and `keys`, all without a passphrase.

use crate::util::*;

#[test]
fn checkpoint_and_keys_need_no_passphrase_and_agree() {
    let env = Env::new();
    env.init();
    env.add(&[env.input("a.txt", b"one"), env.input("b.txt", b"two")]);
    let no_pass = |args: &[&str]| env.cmd().vault(&env.vault()).args(args).run().ok();

    let note = no_pass(&["checkpoint"]).stdout();
    let lines: Vec<&str> = note.lines().collect();
    assert!(
        lines[0].starts_with("khronika/vault/") && lines[0].contains("/device/"),
        "{note}"
    );
    // genesis, key epoch, two evidence entries
    assert_eq!(lines[1], "4", "{note}");
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with("\u{2014} "), "{note}");

    let vkey = no_pass(&["checkpoint", "--vkey"]).stdout();
    let vkey = vkey.trim();
    // `<name>+<key id hex>+<base64 key>`; the base64 part may itself contain '+'.
    let (name, rest) = vkey.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    assert_eq!(name, lines[0], "the key is named after the log's origin");
    assert_eq!(id.len(), 8, "{vkey}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(key.len(), 44, "base64 of 0x01 and a 32-byte key: {vkey}");
    // The signature line carries the same key id (first 4 bytes of the base64 signature).
    assert!(lines[4].contains(lines[0]));

    let keys = no_pass(&["--json", "keys"]).json();
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["vkey"], vkey);
    assert_eq!(keys[0]["this_device"], true);

    let cp = no_pass(&["--json", "checkpoint"]).json();
    assert_eq!(cp["size"], 4);
    assert_eq!(cp["note"], note);
}

#[test]
fn checkpoint_refuses_a_damaged_checkpoint() {
    let env = Env::new();
    env.init();
    let cps = env.vault().join("log");
    let device = std::fs::read_dir(&cps)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let newest = std::fs::read_dir(device.join("checkpoint"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max()
        .unwrap();
    flip_byte(&newest, 60);
    env.cmd()
        .vault(&env.vault())
        .arg("checkpoint")
        .run()
        .refused(7, &["checkpoint"]);
}

#[test]
fn consistency_proofs_link_an_old_checkpoint_to_the_new_one() {
    use base64::Engine;
    let b64 = |v: &serde_json::Value| -> [u8; 32] {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let env = Env::new();
    env.init();
    env.add(&[env.input("a.txt", b"one")]);
    let old = env
        .cmd()
        .vault(&env.vault())
        .args(["--json", "checkpoint"])
        .run()
        .ok()
        .json();
    env.add(&[env.input("b.txt", b"two"), env.input("c.txt", b"three")]);
    let new = env
        .cmd()
        .vault(&env.vault())
        .args(["--json", "checkpoint"])
        .run()
        .ok()
        .json();
    let c = env
        .cmd()
        .vault(&env.vault())
        .args(["--json", "consistency", "--from", "3"])
        .run()
        .ok()
        .json();
    assert_eq!(c["old_size"], old["size"]);
    assert_eq!(c["new_size"], new["size"]);
    let hex = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    assert_eq!(
        khronika_crypto::hash::to_hex(&b64(&c["old_root"])),
        hex(&old["root"]),
        "the old root is the one the old checkpoint signed"
    );
    assert_eq!(
        khronika_crypto::hash::to_hex(&b64(&c["new_root"])),
        hex(&new["root"])
    );
    let proof: Vec<[u8; 32]> = c["proof"].as_array().unwrap().iter().map(b64).collect();
    let (o, n) = (
        c["old_size"].as_u64().unwrap(),
        c["new_size"].as_u64().unwrap(),
    );
    khronika_store::merkle::verify_consistency(
        o,
        n,
        &b64(&c["old_root"]),
        &b64(&c["new_root"]),
        &proof,
    )
    .unwrap();
    let mut bad = proof.clone();
    bad[0][0] ^= 1;
    assert!(
        khronika_store::merkle::verify_consistency(
            o,
            n,
            &b64(&c["old_root"]),
            &b64(&c["new_root"]),
            &bad
        )
        .is_err()
    );
    env.cmd()
        .vault(&env.vault())
        .args(["consistency", "--from", "99"])
        .run()
        .refused(2, &["99"]);
    env.cmd()
        .vault(&env.vault())
        .args(["consistency", "--from", "0"])
        .run()
        .refused(2, &["no consistency proof"]);
}
