//! The happy path: init, add files of awkward sizes and names, read each back byte for byte,
//! list, show the log, verify; and the JSON shape of an error.

use std::path::PathBuf;

use serde_json::Value;

use crate::util::{
    Env, PASS, assert_unchanged, chmod, recovery_key, run_all, sha256_hex, snapshot,
};

const MIB: usize = 1 << 20;

fn is_evidence_id(s: &str) -> bool {
    s.len() == 17
        && s.starts_with('E')
        && s[1..]
            .bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
}

#[test]
fn init_with_a_passphrase_file_then_unlock_with_the_environment() {
    let env = Env::new();
    // A trailing newline, as `echo` leaves it, is not part of the passphrase.
    let pf = env.path("passphrase");
    std::fs::write(&pf, format!("{PASS}\n")).unwrap();
    chmod(&pf, 0o600);
    let out = env
        .cmd()
        .vault(&env.vault())
        .arg("--passphrase-file")
        .arg(&pf)
        .arg("init")
        .run()
        .ok();
    let key = recovery_key(&out.stdout());
    assert!(out.stdout().contains("shown once"), "{out:?}");
    assert!(env.vault().join("khronika-vault").is_file());

    let out = env.k(&["ls"]).run().ok();
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("no evidence yet"), "{out:?}");

    // The JSON form of init, into a second vault, through the environment.
    let out = env
        .cmd()
        .vault(&env.path("second"))
        .args(["--json", "init"])
        .pass(PASS)
        .run()
        .ok();
    let j = out.json();
    let key2 = j["recovery_key"].as_str().unwrap();
    assert!(key2.starts_with("KR1-") && key2 != key, "{j}");
    for f in ["vault_id", "device", "member"] {
        let v = j[f].as_str().unwrap_or_else(|| panic!("no {f}: {j}"));
        assert!(
            v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()),
            "{j}"
        );
    }
}

#[test]
fn added_files_come_back_byte_for_byte_and_are_listed_logged_and_verified() {
    let env = Env::new();
    env.init();

    let one_mib = crate::util::random_bytes(MIB, 1);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("one-byte", vec![0x42]),
        ("exactly-1MiB.bin", one_mib.clone()),
        ("1MiB-plus-1.bin", crate::util::random_bytes(MIB + 1, 2)),
        (
            "about-3MiB.bin",
            crate::util::random_bytes(3 * MIB + 12_345, 3),
        ),
        (
            "Протокол допроса №1.txt",
            "Свидетель показал: задержание 12.03.2024 у здания суда.\n"
                .repeat(40)
                .into_bytes(),
        ),
        ("duplicate-of-1MiB.bin", one_mib),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|(n, b)| env.input(n, b)).collect();

    let out = env
        .cmd()
        .vault(&env.vault())
        .arg("add")
        .args(&paths)
        .pass(PASS)
        .run()
        .ok();
    let text = out.stdout();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), files.len(), "{out:?}");
    let mut ids = Vec::new();
    for (line, path) in lines.iter().zip(&paths) {
        let (id, shown) = line.split_once("  ").unwrap();
        assert!(is_evidence_id(id), "not an evidence id: {line}");
        assert_eq!(
            shown,
            path.display().to_string(),
            "ids are in the order given"
        );
        ids.push(id.to_owned());
    }
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        ids.len(),
        "every add gets its own id: {ids:?}"
    );
    assert!(out.stderr.contains("added 7 file(s)"), "{out:?}");

    // Equal content is stored once: the vault holds less than the sum of the inputs.
    let total_in: usize = files.iter().map(|(_, b)| b.len()).sum();
    let stored: usize = crate::util::files_under(&env.vault().join("objects"))
        .iter()
        .map(|p| {
            std::fs::metadata(env.vault().join("objects").join(p))
                .unwrap()
                .len() as usize
        })
        .sum();
    assert!(
        stored < total_in - MIB / 2,
        "duplicate not deduplicated: {stored} bytes stored for {total_in} bytes in"
    );

    // From here on, nothing may write to the vault.
    let before = snapshot(&env.vault());

    // cat to standard output and to a new file, for every item (one by a lower-case prefix).
    std::fs::create_dir(env.path("out")).unwrap();
    let mut cmds = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let by = if i == 5 {
            id[..9].to_ascii_lowercase()
        } else {
            id.clone()
        };
        cmds.push(env.k(&["cat", &by]));
        let dest = env.path("out").join(format!("{i}"));
        cmds.push(env.k(&["cat", id, "-o"]).arg(&dest));
    }
    let outs = run_all(cmds);
    for (i, (name, bytes)) in files.iter().enumerate() {
        let to_stdout = &outs[2 * i];
        assert_eq!(to_stdout.code, 0, "{to_stdout:?}");
        assert!(to_stdout.stdout == *bytes, "cat of {name} differs");
        assert!(to_stdout.stderr.is_empty(), "{to_stdout:?}");
        let to_file = &outs[2 * i + 1];
        assert_eq!(to_file.code, 0, "{to_file:?}");
        assert!(to_file.stdout.is_empty(), "{to_file:?}");
        let got = std::fs::read(env.path("out").join(format!("{i}"))).unwrap();
        assert!(got == *bytes, "cat -o of {name} differs");
    }

    let (ls, log, verify, read_data) = {
        let mut o = run_all(vec![
            env.k(&["--json", "ls"]),
            env.k(&["--json", "log"]),
            env.k(&["verify"]),
            env.k(&["--json", "verify", "--read-data"]),
        ])
        .into_iter();
        (
            o.next().unwrap(),
            o.next().unwrap(),
            o.next().unwrap(),
            o.next().unwrap(),
        )
    };

    let ls = ls.ok().json();
    let items = ls.as_array().unwrap();
    assert_eq!(items.len(), files.len(), "{ls}");
    for ((item, (name, bytes)), id) in items.iter().zip(&files).zip(&ids) {
        assert_eq!(item["id"], Value::from(id.as_str()), "{item}");
        assert_eq!(item["name"], Value::from(*name), "{item}");
        assert_eq!(item["size"], Value::from(bytes.len()), "{item}");
        assert_eq!(item["sha256"], Value::from(sha256_hex(bytes)), "{item}");
        assert!(
            item["media_type"].as_str().is_some_and(|m| m.contains('/')),
            "{item}"
        );
    }
    assert_eq!(items[5]["media_type"], "text/plain", "{}", items[5]);

    let log = log.ok().json();
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2 + files.len(), "{log}");
    assert_eq!(entries[0]["kind"], "device-genesis", "{log}");
    assert_eq!(entries[1]["kind"], "key-epoch", "{log}");
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["index"], Value::from(i), "{e}");
        assert_eq!(e["device"], entries[0]["device"], "one device: {e}");
    }
    for ((e, (name, bytes)), id) in entries[2..].iter().zip(&files).zip(&ids) {
        assert_eq!(e["kind"], "evidence-added", "{e}");
        assert_eq!(e["evidence"]["id"], Value::from(id.as_str()), "{e}");
        assert_eq!(e["evidence"]["name"], Value::from(*name), "{e}");
        assert_eq!(
            e["evidence"]["sha256"],
            Value::from(sha256_hex(bytes)),
            "{e}"
        );
        assert!(e["objects"].as_u64().is_some(), "{e}");
    }

    let verify = verify.ok();
    assert!(verify.stdout().contains("intact"), "{verify:?}");
    let rd = read_data.ok().json();
    assert_eq!(rd["ok"], true, "{rd}");
    assert_eq!(rd["read_data"], true, "{rd}");
    assert_eq!(rd["problems"], Value::Array(vec![]), "{rd}");
    assert_eq!(rd["entries"], Value::from(2 + files.len()), "{rd}");

    // Errors in JSON: one object on stdout, one line on stderr, the documented exit status.
    let unknown = env.k(&["--json", "cat", "E0000000000000000"]).run();
    unknown.refused(6, &["no evidence with id E0000000000000000"]);
    check_json_error(&unknown.json(), "not-found");
    let no_vault = env
        .cmd()
        .vault(&env.path("nowhere"))
        .args(["--json", "ls"])
        .run();
    no_vault.refused(3, &["is not a Khronika vault"]);
    check_json_error(&no_vault.json(), "not-a-vault");

    assert_unchanged(&env.vault(), &before, &unknown);
    assert!(!env.path("nowhere").exists());
}

fn check_json_error(j: &Value, code: &str) {
    let obj = j.as_object().unwrap();
    assert_eq!(obj.len(), 1, "{j}");
    let e = j["error"].as_object().unwrap();
    assert_eq!(e.len(), 2, "{j}");
    assert_eq!(e["code"], code, "{j}");
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty() && !m.contains('\n')),
        "{j}"
    );
}
