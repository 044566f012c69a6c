//! `khronika token create | ls | revoke | log`: the token shown once on standard output (and
//! in JSON), a warning on standard error, listings without secrets, revocation, the activity
//! log, malformed arguments refused, and no token anywhere on disk.

use std::path::Path;
use std::sync::Arc;

use khronika_app::tokens::TokenUse;
use khronika_app::vault::LockedVault;
use khronika_backends::OsFs;
use khronika_crypto::Passphrase;

use crate::util::{Env, PASS, snapshot};

fn token_id(token: &str) -> &str {
    &token[4..20]
}

/// Record uses of tokens through the app (the server does this; the CLI only reads them).
fn record_uses(vault: &Path, uses: &[TokenUse]) {
    let mut v = LockedVault::open(Arc::new(OsFs), vault)
        .unwrap()
        .unlock(&Passphrase::new(PASS.into()))
        .unwrap();
    v.record_token_uses(uses).unwrap();
}

#[test]
fn create_list_revoke_and_log_tokens() {
    let env = Env::new();
    env.init();
    env.k(&["compartment", "create", "lawyers-2025"]).run().ok();

    // Text: the token alone on standard output, the warning on standard error.
    let out = env
        .k(&["token", "create", "--name", "partner import"])
        .run()
        .ok();
    let text = out.stdout();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{out:?}");
    let reader = lines[0].to_owned();
    assert!(reader.starts_with("khr_") && reader.len() == 85, "{out:?}");
    for says in [
        "shown this once",
        "passphrase",
        "read only",
        "khronika token revoke",
    ] {
        assert!(
            out.stderr.contains(says),
            "stderr does not say {says:?}: {out:?}"
        );
    }
    assert!(!out.stderr.contains(&reader[21..]), "{out:?}");

    // JSON: id, name, token, scope.
    let out = env
        .k(&[
            "--json",
            "token",
            "create",
            "--name",
            "field form",
            "--compartment",
            "lawyers-2025",
            "--write",
        ])
        .run()
        .ok();
    let j = out.json();
    let writer = j["token"].as_str().unwrap().to_owned();
    assert_eq!(j["id"], token_id(&writer));
    assert_eq!(j["name"], "field form");
    assert_eq!(j["scope"]["write"], true);
    assert_eq!(j["scope"]["compartments"][0], "lawyers-2025");
    assert!(out.stderr.contains("shown this once"), "{out:?}");

    // Listing: ids, names and scopes, never a token.
    let out = env.k(&["token", "ls"]).run().ok();
    let text = out.stdout();
    for (token, name, scope) in [
        (&reader, "partner import", "read only, every compartment"),
        (&writer, "field form", "read and write, lawyers-2025"),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(token_id(token)))
            .unwrap_or_else(|| panic!("{name} not listed: {out:?}"));
        assert!(line.contains(name) && line.contains(scope), "{line}");
        assert!(!text.contains(&token[21..]), "{out:?}");
    }
    let out = env.k(&["--json", "token", "ls"]).run().ok();
    let list = out.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|t| t.get("token").is_none()));
    assert!(!out.stdout().contains(&reader[21..]) && !out.stdout().contains(&writer[21..]));

    // Nothing on disk holds a token or its secret.
    for (path, node) in snapshot(&env.vault()) {
        if let crate::util::Node::File { bytes, .. } = node {
            for t in [&reader, &writer] {
                for needle in [t.as_bytes(), &t.as_bytes()[21..]] {
                    assert!(
                        !bytes.windows(needle.len()).any(|w| w == needle),
                        "{} holds a token",
                        path.display()
                    );
                }
            }
        }
    }

    // The activity log: empty, then what the server recorded, newest first.
    let out = env.k(&["token", "log"]).run().ok();
    assert!(out.stdout().is_empty(), "{out:?}");
    record_uses(
        &env.vault(),
        &[
            TokenUse {
                time_ms: 1_795_000_000_000,
                token: token_id(&reader).to_owned(),
                method: "GET".into(),
                path: "/api/v1/cases".into(),
                status: 200,
            },
            TokenUse {
                time_ms: 1_795_000_060_000,
                token: token_id(&writer).to_owned(),
                method: "POST".into(),
                path: "/api/v1/records".into(),
                status: 201,
            },
        ],
    );
    let out = env.k(&["token", "log"]).run().ok();
    let text = out.stdout();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    assert!(
        lines[0].starts_with("2026-11-18T")
            && lines[0].contains(token_id(&writer))
            && lines[0].contains("POST /api/v1/records")
            && lines[0].ends_with("201"),
        "{out:?}"
    );
    assert!(lines[1].contains("GET /api/v1/cases"), "{out:?}");
    let out = env
        .k(&["--json", "token", "log", "--limit", "1"])
        .run()
        .ok();
    let j = out.json();
    assert_eq!(j.as_array().unwrap().len(), 1);
    assert_eq!(j[0]["path"], "/api/v1/records");
    assert_eq!(j[0]["status"], 201);

    // Revoking: by a prefix; gone from the list; the same id again is not found.
    let out = env
        .k(&["token", "revoke", &token_id(&reader)[..8]])
        .run()
        .ok();
    assert!(out.stdout().contains("revoked"), "{out:?}");
    let out = env.k(&["--json", "token", "ls"]).run().ok();
    assert_eq!(out.json().as_array().unwrap().len(), 1);
    env.k(&["token", "revoke", token_id(&reader)])
        .run()
        .refused(6, &["no token", "khronika token ls"]);
    let out = env
        .k(&["--json", "token", "revoke", token_id(&writer)])
        .run()
        .ok();
    assert_eq!(out.json()["revoked"], token_id(&writer));
    assert_eq!(
        std::fs::read_dir(env.vault().join("tokens"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn malformed_token_commands_are_refused_and_change_nothing() {
    let env = Env::new();
    env.init();
    let before = (
        snapshot(&env.vault().join("log")),
        snapshot(&env.vault().join("keys")),
    );
    for (args, code, says) in [
        (&["token", "create"][..], 2, "--name"),
        (&["token", "create", "--name", ""], 2, "name"),
        (&["token", "create", "--name", "a\nb"], 2, "name"),
        (
            &["token", "create", "--name", "x", "--compartment", "nowhere"],
            6,
            "nowhere",
        ),
        (
            &["token", "create", "--name", "x", "--write=maybe"],
            2,
            "--write",
        ),
        (&["token", "revoke"], 2, "ID"),
        (&["token", "revoke", "abc"], 2, "at least 6"),
        (&["token", "revoke", "not-hex!"], 2, "token id"),
        (&["token", "revoke", "abcdef12"], 6, "no token"),
        (&["token", "log", "--limit", "0"], 2, "--limit"),
        (&["token", "log", "--limit", "many"], 2, "--limit"),
        (&["token", "frobnicate"], 2, "frobnicate"),
    ] {
        env.k(args).run().refused(code, &[says]);
    }
    // The JSON form of a refusal.
    let out = env
        .k(&[
            "--json",
            "token",
            "create",
            "--name",
            "x",
            "--compartment",
            "nowhere",
        ])
        .run();
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(out.json()["error"]["code"], "not-found");
    let after = (
        snapshot(&env.vault().join("log")),
        snapshot(&env.vault().join("keys")),
    );
    assert!(after == before, "a refusal changes nothing");
    assert!(!env.vault().join("tokens").exists());
    let out = env.k(&["token", "--help"]).run().ok();
    for says in [
        "create",
        "ls",
        "revoke",
        "log",
        "shown once",
        "--write",
        "--compartment",
    ] {
        assert!(
            out.stdout().contains(says),
            "help does not say {says:?}: {out:?}"
        );
    }
    // A wrong passphrase: nothing is created.
    env.k(&["token", "create", "--name", "x"])
        .pass("not the passphrase at all")
        .run()
        .refused(4, &["passphrase"]);
    assert!(!env.vault().join("tokens").exists());
}

#[test]
fn the_panic_button_erases_token_slots() {
    let env = Env::new();
    env.init();
    let out = env.k(&["token", "create", "--name", "a"]).run().ok();
    let token = out.stdout().trim().to_owned();
    let slot = env
        .vault()
        .join("tokens")
        .join(format!("{}.token", token_id(&token)));
    assert!(slot.exists());
    let out = env.k(&["--json", "panic", "--yes"]).run().ok();
    let files: Vec<String> = out.json()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    assert!(
        files.iter().any(|f| Path::new(f) == slot),
        "{files:?} lacks {}",
        slot.display()
    );
    assert!(!slot.exists());
}
