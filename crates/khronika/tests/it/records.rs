//! The record commands through the real binary: the sample dataset, list, show, history,
//! create from TOML and JSON, edit (from a file and through $EDITOR), link, import and export
//! (JSON and CSV, bad rows by line number, nothing imported unless `--skip-invalid`), members
//! and compartments, and that no record text is stored in the clear.

use serde_json::Value;

use crate::util::{Env, PASS, assert_unchanged, chmod, snapshot};

const MEMBER_PASS: &str = "second member passphrase";

fn list(env: &Env, kind: &str) -> Vec<Value> {
    let out = env.k(&["--json", "list", kind]).run().ok();
    out.json().as_array().unwrap().clone()
}

fn ids_of(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_sample_loads_lists_shows_and_exports() {
    let env = Env::new();
    env.init();
    let out = env.k(&["--json", "sample"]).run().ok();
    let created = out.json()["created"].as_u64().unwrap();
    assert!(created > 100, "{out:?}");
    let cases = list(&env, "cases");
    assert!(cases.len() >= 32, "{} cases", cases.len());
    assert!(
        cases.iter().any(|c| c["label"]
            .as_str()
            .unwrap()
            .chars()
            .any(|ch| ('а'..='я').contains(&ch.to_lowercase().next().unwrap()))),
        "no Russian case titles"
    );
    // The source register was not opened: its persons are not listed.
    let persons = list(&env, "persons");
    let out = env
        .k(&[
            "--json",
            "list",
            "persons",
            "--open-sources",
            "test of the register",
        ])
        .run()
        .ok();
    let with_sources = out.json().as_array().unwrap().len();
    assert!(
        with_sources > persons.len(),
        "{with_sources} vs {}",
        persons.len()
    );

    // The local index was kept while unlocked; a rebuild from the logs gives every record.
    let r = env.k(&["--json", "reindex"]).run().ok().json();
    let indexed: u64 = r
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["records"].as_u64().unwrap())
        .sum();
    let all = env.k(&["--json", "list"]).run().ok().json();
    assert_eq!(indexed, all.as_array().unwrap().len() as u64, "{r}");
    assert!(env.vault().join("index").is_dir());

    // A case page: the case and what it gathers.
    let first = cases[0]["id"].as_str().unwrap();
    let out = env.k(&["--json", "show", &first[..10]]).run().ok();
    let j = out.json();
    assert_eq!(j["record"]["id"], first);
    assert!(!j["gathers"].as_array().unwrap().is_empty(), "{j}");
    assert_eq!(j["valid"], true);
    let out = env.k(&["show", first]).run().ok();
    assert!(out.stdout().contains("Gathers:"), "{out:?}");

    // Export, then import into a fresh vault: the same records.
    let export = env.path("all.json");
    env.k(&[
        "export",
        "-o",
        export.to_str().unwrap(),
        "--open-sources",
        "moving the vault",
    ])
    .run()
    .ok();
    // Never overwrites.
    env.k(&["export", "-o", export.to_str().unwrap()])
        .run()
        .refused(2, &["nothing was overwritten"]);
    let second = env.path("second");
    env.cmd().vault(&second).arg("init").pass(PASS).run().ok();
    let out = env
        .cmd()
        .vault(&second)
        .args(["--json", "import"])
        .arg(&export)
        .pass(PASS)
        .run()
        .ok();
    assert_eq!(out.json()["created"].as_u64().unwrap(), created, "{out:?}");
    let again = env
        .cmd()
        .vault(&second)
        .args(["--json", "list", "cases"])
        .pass(PASS)
        .run()
        .ok();
    assert_eq!(ids_of(again.json().as_array().unwrap()), ids_of(&cases));
    env.k(&["verify"]).run().ok();
}

#[test]
fn create_edit_history_and_link() {
    let env = Env::new();
    env.init();
    let toml = env.input(
        "case.toml",
        "title = \"Задержание адвоката в Грозном\"\nsummary = \"Адвокат задержан после обыска в офисе.\"\n"
            .as_bytes(),
    );
    let out = env
        .k(&["--json", "create", "case", "--file", toml.to_str().unwrap()])
        .run()
        .ok();
    let case = out.json()["created"].as_str().unwrap().to_owned();
    assert!(case.starts_with("C-"), "{out:?}");

    // Edit from a JSON file holding the whole record.
    let shown = env.k(&["--json", "show", &case]).run().ok().json();
    let mut rec = shown["record"].clone();
    rec["title"] = Value::from("Задержание адвоката (уточнено)");
    let f = env.input(
        "case.json",
        serde_json::to_string_pretty(&rec).unwrap().as_bytes(),
    );
    env.k(&["edit", &case, "--file", f.to_str().unwrap()])
        .run()
        .ok();
    // Saving the same again changes nothing.
    let out = env
        .k(&["edit", &case, "--file", f.to_str().unwrap()])
        .run()
        .ok();
    assert!(out.stdout().contains("nothing changed"), "{out:?}");

    // Edit through $EDITOR: a script that rewrites the title in place.
    let editor = env.input("editor.sh", b"#!/bin/sh\nsed -i 's/(\\xd1\\x83\\xd1\\x82\\xd0\\xbe\\xd1\\x87\\xd0\\xbd\\xd0\\xb5\\xd0\\xbd\\xd0\\xbe)/(third)/' \"$1\"\n");
    chmod(&editor, 0o700);
    env.k(&["edit", &case])
        .env("EDITOR", editor.to_str().unwrap())
        .run()
        .ok();
    let out = env
        .k(&["--json", "history", &case, "--field", "title"])
        .run()
        .ok();
    let titles: Vec<_> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        titles,
        [
            "Задержание адвоката в Грозном",
            "Задержание адвоката (уточнено)",
            "Задержание адвоката (third)"
        ]
    );

    // A person, and a link between them.
    let p = env.input(
        "p.json",
        br#"{"names": [{"given": "Ruslan", "surname": "Dzhabrailov"}]}"#,
    );
    let person = env
        .k(&["--json", "create", "person", "--file", p.to_str().unwrap()])
        .run()
        .ok()
        .json()["created"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = env
        .k(&[
            "--json",
            "link",
            &person,
            "related_to",
            &case,
            "--note",
            "the detained lawyer",
        ])
        .run()
        .ok();
    let link = out.json()["created"].as_str().unwrap().to_owned();
    let j = env.k(&["--json", "show", &link]).run().ok().json();
    assert_eq!(j["record"]["from"], person.as_str());
    assert_eq!(j["record"]["to"], case.as_str());
}

#[test]
fn bad_record_input_is_refused_and_stores_nothing() {
    let env = Env::new();
    env.init();
    // The first read of records creates the (empty, encrypted) local index; reads after it
    // and refused commands leave every file as it was.
    env.k(&["list"]).run().ok();
    let before = snapshot(&env.vault());
    let broken = env.input("broken.json", b"{\n  \"title\": \"x\",,\n}\n");
    env.k(&["create", "case", "--file", broken.to_str().unwrap()])
        .run()
        .refused(10, &["line 2"]);
    let empty_title = env.input("empty.json", br#"{"title": ""}"#);
    let out = env
        .k(&["create", "case", "--file", empty_title.to_str().unwrap()])
        .run();
    assert_eq!(out.code, 10, "{out:?}");
    assert!(out.stderr.contains("title"), "{out:?}");
    env.k(&[
        "create",
        "spaceship",
        "--file",
        empty_title.to_str().unwrap(),
    ])
    .run()
    .refused(2, &["not a kind of record"]);
    env.k(&["show", "C-00000000000000000000000000"])
        .run()
        .refused(6, &["no record"]);
    let out = env
        .k(&["create", "case", "--file", "/nonexistent.json"])
        .run();
    out.refused(5, &["cannot read"]);
    assert_unchanged(&env.vault(), &before, &out);

    // A CSV with bad rows: every one reported with its line; nothing imported.
    let header = "id,title,summary,compartment,responsible,records\n";
    let good = |n: u8| format!("C-{:0>26},Case {n},,default,,\n", n);
    let mut csv = String::from(header);
    csv.push_str(&good(1));
    csv.push_str("C-BAD,Case two,,default,,\n");
    csv.push_str(&good(3));
    csv.push_str(&format!("C-{:0>26},,,default,,\n", 4));
    let f = env.input("cases.csv", csv.as_bytes());
    let out = env
        .k(&["import", f.to_str().unwrap(), "--type", "cases"])
        .run();
    assert_eq!(out.code, 10, "{out:?}");
    assert!(out.stderr.contains("line 3"), "{out:?}");
    assert!(out.stderr.contains("line 5"), "{out:?}");
    assert!(out.stderr.contains("nothing was imported"), "{out:?}");
    assert_unchanged(&env.vault(), &before, &out);
    // With --skip-invalid the valid rows go in and the others are listed.
    let out = env
        .k(&[
            "--json",
            "import",
            f.to_str().unwrap(),
            "--type",
            "cases",
            "--skip-invalid",
        ])
        .run()
        .ok();
    let j = out.json();
    assert_eq!(j["created"], 2, "{out:?}");
    assert_eq!(j["skipped"].as_array().unwrap().len(), 2, "{out:?}");
    // A JSON import with a syntax error names line and column; nothing is imported.
    let bad = env.input(
        "bad.json",
        b"{\"format\": \"khronika-records/v1\",\n \"compartments\": [}\n",
    );
    let before = snapshot(&env.vault());
    let out = env.k(&["import", bad.to_str().unwrap()]).run();
    out.refused(10, &["line 2"]);
    assert_unchanged(&env.vault(), &before, &out);
}

#[test]
fn members_compartments_and_grants() {
    let env = Env::new();
    env.init();
    let pf = env.input("member-pass", MEMBER_PASS.as_bytes());
    chmod(&pf, 0o600);
    let out = env
        .k(&[
            "--json",
            "member",
            "add",
            "Lawyer M.",
            "--role",
            "viewer",
            "--new-passphrase-file",
            pf.to_str().unwrap(),
        ])
        .run()
        .ok();
    let member = out.json()["member"].as_str().unwrap().to_owned();
    env.k(&["compartment", "create", "lgbt-persecution"])
        .run()
        .ok();
    let c = env.input(
        "c.json",
        br#"{"title": "Detention in Argun", "compartment": "lgbt-persecution"}"#,
    );
    let case = env
        .k(&[
            "--json",
            "create",
            "case",
            "--file",
            c.to_str().unwrap(),
            "--compartment",
            "lgbt-persecution",
        ])
        .run()
        .ok()
        .json()["created"]
        .as_str()
        .unwrap()
        .to_owned();
    let as_member = |args: &[&str]| {
        env.cmd()
            .vault(&env.vault())
            .arg("--member")
            .arg(&member[..8])
            .args(args)
            .pass(MEMBER_PASS)
            .run()
    };
    // Without a grant the case is not there for them; a viewer cannot write.
    as_member(&["show", &case]).refused(6, &["no record"]);
    as_member(&["create", "case", "--file", c.to_str().unwrap()]).refused(11, &["role"]);
    env.k(&["compartment", "grant", "lgbt-persecution", "Lawyer M."])
        .run()
        .ok();
    as_member(&["show", &case]).ok();
    let members = env.k(&["--json", "member", "ls"]).run().ok().json();
    assert_eq!(members.as_array().unwrap().len(), 2, "{members}");
    // Their wrong passphrase: exit 4.
    env.cmd()
        .vault(&env.vault())
        .args(["--member", &member[..8], "list"])
        .pass(PASS)
        .run()
        .refused(4, &["passphrase is wrong"]);
    env.k(&["member", "remove", "Lawyer M."]).run().ok();
    let comps = env.k(&["--json", "compartment", "ls"]).run().ok().json();
    let lgbt = comps
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "lgbt-persecution")
        .unwrap();
    assert_eq!(lgbt["epoch"], 1, "{comps}");
    env.k(&["verify"]).run().ok();
}

#[test]
fn no_record_text_is_stored_in_the_clear() {
    let env = Env::new();
    env.init();
    env.k(&["sample"]).run().ok();
    let canaries = ["Грозн", "ECtHR", "позывной", "Argun"];
    let mut hits = Vec::new();
    for (path, node) in snapshot(&env.path("")) {
        if let crate::util::Node::File { bytes, .. } = node {
            for c in canaries {
                if bytes.windows(c.len()).any(|w| w == c.as_bytes()) {
                    hits.push(format!("{c} in {}", path.display()));
                }
            }
        }
    }
    // Inputs are ours, not the vault's.
    hits.retain(|h| !h.contains("inputs"));
    assert!(hits.is_empty(), "{hits:?}");
}
