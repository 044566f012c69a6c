//! A witness node used as a mirror: a real `khronika witness serve --store … --token-file …`
//! process on loopback, synced to, verified, restored from after the site is lost; its wire
//! protocol (docs/FORMATS.md §27) refusing overwrites, wrong hashes, bad tokens, passphrase key
//! slots, bad paths and oversized bodies with clear 4xx answers that store nothing; and
//! `mirror remove` / `mirror set-credentials`.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use crate::util::*;

const TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978";

/// A running witness node; killed when dropped.
struct Node {
    child: std::process::Child,
    addr: String,
    store: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Write an owner-only token file.
fn token_file(env: &Env, name: &str, token: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = env.path(name);
    std::fs::write(&p, format!("{token}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// `witness init` (once) and `witness serve` with a store folder and, if given, a token file.
fn start(env: &Env, token: Option<&Path>) -> Node {
    start_on(env, token, "127.0.0.1:0")
}

/// [`start`] on `listen`.
fn start_on(env: &Env, token: Option<&Path>, listen: &str) -> Node {
    let wdir = env.path("witness");
    if !wdir.exists() {
        env.cmd()
            .args([
                "witness",
                "init",
                "--name",
                "partner.example.org/1",
                "--dir",
            ])
            .arg(&wdir)
            .run()
            .ok();
    }
    let store = env.path("partner-store");
    std::fs::create_dir_all(&store).unwrap();
    let mut c = env
        .cmd()
        .args(["witness", "serve", "--listen", listen, "--dir"])
        .arg(&wdir)
        .arg("--store")
        .arg(&store);
    if let Some(t) = token {
        c = c.arg("--token-file").arg(t);
    }
    let mut child = c.spawn_piped();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Node { child, addr, store }
}

/// One raw HTTP/1.1 request (no client library: paths are sent exactly as written, `..`
/// included). Returns the status and body.
fn raw(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // With `Expect: 100-continue` the body waits for the node's go-ahead, which a refusal
    // never gives: nothing is sent.
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("expect"))
    {
        s.write_all(body).unwrap();
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer to {method} {path}: {answer:?}"));
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        String::from_utf8_lossy(&answer[split + 4..]).to_string(),
    )
}

/// A refused request: what it is, path, headers, body, the status and what the answer says.
type Case<'a> = (
    &'a str,
    String,
    Vec<(&'a str, String)>,
    Vec<u8>,
    u16,
    &'a str,
);

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// What a person sees of a vault opened with `pass`: evidence, checkpoint, cases, bytes.
fn view(
    env: &Env,
    vault: &Path,
    pass: &str,
    ids: &[String],
) -> (String, String, String, Vec<Vec<u8>>) {
    let k = |args: &[&str]| env.cmd().vault(vault).args(args).pass(pass).run().ok();
    (
        k(&["--json", "ls"]).stdout(),
        k(&["checkpoint"]).stdout(),
        k(&["--json", "list", "cases"]).stdout(),
        ids.iter().map(|id| k(&["cat", id]).stdout).collect(),
    )
}

#[test]
fn a_witness_node_is_a_mirror_the_lost_site_is_rebuilt_from_and_damage_on_it_is_named() {
    let env = Env::new();
    let recovery = env.init();
    env.k(&["sample"]).run().ok();
    let ids = env.add(&[
        env.input("video.bin", &random_bytes(2_500_000, 11)),
        env.input("показания.txt", "Свидетель видел всё.\n".as_bytes()),
    ]);
    let tok = token_file(&env, "token", TOKEN);
    let node = start(&env, Some(&tok));

    // A wrong token is refused when the mirror is added, and nothing is added.
    let out = env
        .k(&["mirror", "add", "partner", &node.url(), "--token-stdin"])
        .run_with_stdin(format!("{}\n", "x".repeat(40)).as_bytes());
    out.refused(2, &["write token is wrong", "nothing was changed"]);
    let ls = env.k(&["--json", "mirror", "ls"]).run().ok().json();
    assert_eq!(ls["mirrors"], 0, "{ls}");
    // A token too short to be one is refused before anything is asked of the node.
    let out = env
        .k(&["mirror", "add", "partner", &node.url(), "--token-stdin"])
        .run_with_stdin(b"short\n");
    out.refused(2, &["32 to 256 printable"]);

    let out = env
        .k(&[
            "--json",
            "mirror",
            "add",
            "partner",
            &node.url(),
            "--token-stdin",
        ])
        .run_with_stdin(format!("{TOKEN}\n").as_bytes())
        .ok();
    let j = out.json();
    assert_eq!(
        (
            j["create_only_enforced"].as_bool(),
            j["overwrite_allowed"].as_bool(),
            j["delete_allowed"].as_bool()
        ),
        (Some(true), Some(false), Some(false)),
        "{j}"
    );
    let ls = env.k(&["--json", "mirror", "ls"]).run().ok().json();
    assert_eq!(ls["items"][0]["settings"]["token"], "sealed", "{ls}");
    assert!(!ls.to_string().contains(TOKEN), "{ls}");
    assert!(ls["items"][0]["pending"].as_u64().unwrap() > 0, "{ls}");

    let usb = env.path("usb");
    env.k(&["mirror", "add", "usb", usb.to_str().unwrap()])
        .run()
        .ok();
    let out = env.k(&["sync", "--wait"]).run().ok();
    assert!(out.stdout().contains("safe on 2 of 2"), "{out:?}");
    let j = env.k(&["--json", "sync"]).run().ok().json();
    assert_eq!(
        (
            j["results"][0]["sent"].as_u64(),
            j["results"][0]["pending"].as_u64()
        ),
        (Some(0), Some(0)),
        "a second sync sends nothing: {j}"
    );
    env.k(&["mirror", "verify", "partner"]).run().ok();
    // By location, keyless and without the passphrase.
    env.cmd()
        .vault(&env.vault())
        .args(["mirror", "verify", &node.url()])
        .run()
        .ok();
    // The node holds the vault, but never the passphrase key slot.
    let held = files_under(&node.store);
    assert!(held.iter().any(|p| p.starts_with("objects")), "{held:?}");
    assert!(
        held.iter()
            .any(|p| p.to_str().unwrap().contains("recovery-")),
        "{held:?}"
    );
    assert!(
        !held.iter().any(|p| p.to_str().unwrap().contains("member-")),
        "a passphrase slot reached the node: {held:?}"
    );
    // No plaintext, no original name on the node.
    for p in &held {
        let b = std::fs::read(node.store.join(p)).unwrap();
        for c in ["Свидетель", "показания", "video.bin"] {
            assert!(
                !b.windows(c.len()).any(|w| w == c.as_bytes()),
                "{c} in {p:?}"
            );
        }
    }
    let before = view(&env, &env.vault(), PASS, &ids);

    // The office burns. The passphrase alone cannot restore from a witness node (it never
    // holds passphrase slots): the refusal says what to do, and writes nothing.
    std::fs::remove_dir_all(env.vault()).unwrap();
    let target = env.path("restored");
    let out = env
        .k(&["restore", "--from", &node.url()])
        .vault(&target)
        .run();
    out.refused(
        2,
        &[
            "never holds passphrase key slots",
            "--recovery-key",
            "nothing was written",
        ],
    );
    assert!(!target.exists() || files_under(&target).is_empty());
    // Given with a folder mirror of the same vault, the passphrase opens the slot kept there.
    let both = env.path("restored-both");
    env.k(&[
        "restore",
        "--from",
        &node.url(),
        "--from",
        usb.to_str().unwrap(),
    ])
    .vault(&both)
    .run()
    .ok();
    assert_eq!(view(&env, &both, PASS, &ids), before);
    // The recovery key rebuilds it: the same roots, records and bytes.
    let new_pass = "a new passphrase after the fire";
    let out = env
        .cmd()
        .vault(&target)
        .args(["--json", "restore", "--from", &node.url(), "--recovery-key"])
        .env("KHRONIKA_RECOVERY_KEY", &recovery)
        .env("KHRONIKA_NEW_PASSPHRASE", new_pass)
        .run()
        .ok();
    assert_eq!(out.json()["verified"], true, "{out:?}");
    assert_eq!(view(&env, &target, new_pass, &ids), before);
    env.cmd()
        .vault(&target)
        .args(["verify", "--read-data"])
        .pass(new_pass)
        .run()
        .ok();

    // A flipped byte on the node's disk is named by `mirror verify` (by location), and the
    // rebuilt node's sync refuses to build on it.
    let pack = held
        .iter()
        .filter(|p| p.starts_with("objects"))
        .max_by_key(|p| std::fs::metadata(node.store.join(p)).unwrap().len())
        .unwrap();
    flip_byte(&node.store.join(pack), 5000);
    let out = env
        .cmd()
        .vault(&target)
        .args(["mirror", "verify", &node.url()])
        .run();
    assert_eq!(out.code, 7, "{out:?}");
    assert!(
        out.stdout().contains(pack.to_str().unwrap()) && out.stdout().contains("damaged"),
        "{out:?}"
    );
    env.cmd()
        .vault(&target)
        .args(["mirror", "add", "partner", &node.url(), "--token-stdin"])
        .pass(new_pass)
        .run_with_stdin(format!("{TOKEN}\n").as_bytes())
        .ok();
    env.cmd()
        .vault(&target)
        .arg("add")
        .arg(env.input("after.txt", b"after the fire"))
        .pass(new_pass)
        .run()
        .ok();
    let before = snapshot(&node.store);
    let out = env.cmd().vault(&target).args(["sync"]).pass(new_pass).run();
    assert_eq!(out.code, 7, "{out:?}");
    assert!(out.stdout().contains("fails verification"), "{out:?}");
    assert_unchanged(&node.store, &before, &out);
}

#[test]
fn the_node_only_creates_checks_hashes_and_tokens_and_refuses_bad_requests_storing_nothing() {
    let env = Env::new();
    env.init();
    env.add(&[env.input("a.txt", b"first evidence")]);
    let tok = token_file(&env, "token", TOKEN);
    let node = start(&env, Some(&tok));
    env.k(&["mirror", "add", "partner", &node.url(), "--token-stdin"])
        .run_with_stdin(format!("{TOKEN}\n").as_bytes())
        .ok();
    env.k(&["sync"]).run().ok();
    let auth = bearer(TOKEN);
    let a = node.addr.as_str();

    // Listing: names, one a line, open to anyone; never a passphrase slot.
    let (status, names) = raw(a, "GET", "/list/", &[], b"");
    assert_eq!(status, 200, "{names}");
    let names: Vec<&str> = names.lines().collect();
    assert!(names.iter().any(|n| n.starts_with("objects/")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("member-")), "{names:?}");
    let checkpoint = names
        .iter()
        .find(|n| n.contains("/checkpoint/"))
        .unwrap()
        .to_string();
    let object = names
        .iter()
        .find(|n| n.starts_with("objects/"))
        .unwrap()
        .to_string();
    let (status, body) = raw(a, "GET", "/list/log/", &[], b"");
    assert!(
        status == 200 && body.lines().all(|l| l.starts_with("log/")),
        "{body}"
    );
    let cp_bytes = std::fs::read(node.store.join(&checkpoint)).unwrap();
    let obj_bytes = std::fs::read(node.store.join(&object)).unwrap();

    let before = snapshot(&node.store);
    let cases: Vec<Case> = vec![
        // Overwriting an existing name with other bytes: refused.
        (
            "overwrite",
            format!("/{checkpoint}"),
            vec![("Authorization", auth.clone())],
            b"other bytes".to_vec(),
            409,
            "only ever creates",
        ),
        // A content-addressed object whose bytes do not hash to its name.
        (
            "wrong hash",
            format!("/objects/00/{}", "0".repeat(64)),
            vec![("Authorization", auth.clone())],
            b"not these bytes".to_vec(),
            422,
            "hash to",
        ),
        // No token, a wrong token, another scheme.
        (
            "no token",
            format!("/{checkpoint}x"),
            vec![],
            cp_bytes.clone(),
            401,
            "no write token",
        ),
        (
            "wrong token",
            format!("/objects/00/{}", "0".repeat(64)),
            vec![("Authorization", bearer(&"y".repeat(48)))],
            b"x".to_vec(),
            401,
            "token is wrong",
        ),
        (
            "basic auth",
            format!("/{object}"),
            vec![("Authorization", format!("Basic {TOKEN}"))],
            obj_bytes.clone(),
            401,
            "no write token",
        ),
        // Passphrase key slots are never taken.
        (
            "member slot",
            format!("/node/{}/member-{}.key", "a".repeat(32), "b".repeat(32)),
            vec![("Authorization", auth.clone())],
            b"slot".to_vec(),
            403,
            "passphrase key slots",
        ),
        // Paths that are not Khronika's, and traversal.
        (
            "traversal",
            "/objects/../../etc/passwd".to_owned(),
            vec![("Authorization", auth.clone())],
            b"x".to_vec(),
            400,
            "not a Khronika object path",
        ),
        (
            "encoded traversal",
            "/log/%2e%2e/%2e%2e/x".to_owned(),
            vec![("Authorization", auth.clone())],
            b"x".to_vec(),
            400,
            "not a Khronika object path",
        ),
        (
            "foreign name",
            "/notes.txt".to_owned(),
            vec![("Authorization", auth.clone())],
            b"x".to_vec(),
            400,
            "not a Khronika object path",
        ),
        (
            "empty body",
            format!(
                "/objects/e3/{}",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            vec![("Authorization", auth.clone())],
            vec![],
            400,
            "empty",
        ),
        // Larger than any pack may be (announced; the node refuses before reading it).
        (
            "oversized",
            format!("/objects/11/{}", "1".repeat(64)),
            vec![
                ("Authorization", auth.clone()),
                ("Content-Length", ((64usize << 20) + 1).to_string()),
                ("Expect", "100-continue".into()),
            ],
            vec![],
            413,
            "larger than 64 MiB",
        ),
    ];
    for (what, path, headers, body, want, says) in cases {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, text) = raw(a, "PUT", &path, &h, &body);
        assert_eq!(status, want, "{what}: {text}");
        assert!(
            text.contains(says),
            "{what}: {text:?} does not say {says:?}"
        );
        assert_eq!(snapshot(&node.store), before, "{what} stored something");
    }
    // The same bytes again: an idempotent success; the node is unchanged.
    let (status, text) = raw(
        a,
        "PUT",
        &format!("/{checkpoint}"),
        &[("Authorization", &auth)],
        &cp_bytes,
    );
    assert_eq!(status, 200, "{text}");
    let (status, _) = raw(a, "GET", "/can-write", &[("Authorization", &auth)], b"");
    assert_eq!(status, 204);
    // Reads: open; a range; never a passphrase slot; bad listings are 400.
    let (status, _) = raw(
        a,
        "GET",
        &format!("/{object}"),
        &[("Range", "bytes=0-9")],
        b"",
    );
    assert_eq!(status, 206);
    for (path, want) in [
        ("/list/../", 400),
        ("/list/objects", 400),
        ("/list/etc/", 400),
        ("/list/?after=%00", 400),
        ("/objects/../x", 400),
    ] {
        let (status, text) = raw(a, "GET", path, &[], b"");
        assert_eq!(status, want, "{path}: {text}");
    }
    assert_eq!(snapshot(&node.store), before);

    // A token file others can read is refused, and a node without a token takes no writes.
    use std::os::unix::fs::PermissionsExt;
    let loose = token_file(&env, "loose-token", TOKEN);
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env
        .cmd()
        .args(["witness", "serve", "--listen", "127.0.0.1:0", "--dir"])
        .arg(env.path("witness"))
        .arg("--store")
        .arg(&node.store)
        .arg("--token-file")
        .arg(&loose)
        .run();
    out.refused(2, &["can be read by other users", "chmod 600"]);
    // Writes never land in a vault folder.
    let out = env
        .cmd()
        .args(["witness", "serve", "--listen", "127.0.0.1:0", "--dir"])
        .arg(env.path("witness"))
        .arg("--store")
        .arg(env.vault())
        .arg("--token-file")
        .arg(&tok)
        .run();
    out.refused(2, &["is a vault", "folder of its own"]);
    drop(node);
    let ro = start(&env, None);
    let (status, text) = raw(
        &ro.addr,
        "PUT",
        &format!("/{checkpoint}"),
        &[("Authorization", &auth)],
        &cp_bytes,
    );
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("takes no writes"), "{text}");
    // Adding it as a mirror names the refusal and what to do; nothing is added.
    env.k(&["mirror", "remove", "partner"]).run().ok();
    let out = env
        .k(&["mirror", "add", "partner", &ro.url(), "--token-stdin"])
        .run_with_stdin(format!("{TOKEN}\n").as_bytes());
    out.refused(
        2,
        &["takes no writes", "--token-file", "nothing was changed"],
    );
    let ls = env.k(&["--json", "mirror", "ls"]).run().ok().json();
    assert_eq!(ls["mirrors"], 0, "{ls}");
}

#[test]
fn mirrors_are_removed_and_their_credentials_replaced_after_a_check() {
    let env = Env::new();
    env.init();
    env.add(&[env.input("a.txt", b"first evidence")]);
    let tok = token_file(&env, "token", TOKEN);
    let node = start(&env, Some(&tok));
    env.k(&["mirror", "add", "partner", &node.url(), "--token-stdin"])
        .run_with_stdin(format!("{TOKEN}\n").as_bytes())
        .ok();
    let dir = env.path("usb");
    env.k(&["mirror", "add", "usb", dir.to_str().unwrap()])
        .run()
        .ok();

    // The node's token changes: restart it with the new one. Sync fails and says what to do.
    let new_token = "9".repeat(48);
    drop(node);
    let tok2 = token_file(&env, "token2", &new_token);
    let node = start(&env, Some(&tok2));
    // The address changed with the port: add it under a new name, then fix the old one's token.
    let out = env
        .k(&["mirror", "set-credentials", "partner", "--token-stdin"])
        .run_with_stdin(format!("{new_token}\n").as_bytes());
    // The old address is gone: nothing is changed.
    assert_ne!(out.code, 0, "{out:?}");
    env.k(&["mirror", "remove", "partner"]).run().ok();
    env.k(&["mirror", "add", "partner", &node.url(), "--token-stdin"])
        .run_with_stdin(format!("{new_token}\n").as_bytes())
        .ok();
    // A wrong token never replaces a working one.
    let out = env
        .k(&["mirror", "set-credentials", "partner", "--token-stdin"])
        .run_with_stdin(format!("{TOKEN}\n").as_bytes());
    out.refused(2, &["write token is wrong", "nothing was changed"]);
    let out = env.k(&["sync"]).run().ok();
    assert!(out.stdout().contains("safe on 2 of 2"), "{out:?}");
    // The right one replaces it (the same token again: tried, works, sealed).
    let j = env
        .k(&[
            "--json",
            "mirror",
            "set-credentials",
            "partner",
            "--token-stdin",
        ])
        .run_with_stdin(format!("{new_token}\n").as_bytes())
        .ok()
        .json();
    assert_eq!(
        (j["name"].as_str(), j["settings"]["token"].as_str()),
        (Some("partner"), Some("sealed")),
        "{j}"
    );
    assert!(!j.to_string().contains(&new_token));
    // A folder has no credentials; S3 settings are not a witness node's.
    env.k(&["mirror", "set-credentials", "usb"])
        .run()
        .refused(2, &["is a folder", "no credentials"]);
    env.k(&[
        "mirror",
        "set-credentials",
        "partner",
        "--access-key-id",
        "AKIDEXAMPLE",
    ])
    .env("KHRONIKA_S3_SECRET_ACCESS_KEY", "secret")
    .run()
    .refused(2, &["is a witness node", "nothing was changed"]);
    env.k(&["mirror", "set-credentials", "nosuch", "--token-stdin"])
        .run_with_stdin(format!("{new_token}\n").as_bytes())
        .refused(6, &["no mirror is called `nosuch`"]);

    // Remove: gone from the list, nothing deleted on the mirror.
    let held = snapshot(&dir);
    let j = env
        .k(&["--json", "mirror", "remove", "usb"])
        .run()
        .ok()
        .json();
    assert_eq!(
        (j["name"].as_str(), j["removed"].as_bool()),
        (Some("usb"), Some(true)),
        "{j}"
    );
    assert_eq!(snapshot(&dir), held);
    let ls = env.k(&["--json", "mirror", "ls"]).run().ok().json();
    assert_eq!(ls["mirrors"], 1, "{ls}");
    assert_eq!(ls["items"][0]["name"], "partner", "{ls}");
    env.k(&["mirror", "remove", "usb"])
        .run()
        .refused(6, &["no mirror is called `usb`"]);
    // Added again later, it holds everything already.
    env.k(&["mirror", "add", "usb", dir.to_str().unwrap()])
        .run()
        .ok();
    let out = env.k(&["sync"]).run().ok();
    assert!(out.stdout().contains("safe on 2 of 2"), "{out:?}");
}

#[test]
fn sync_wait_returns_once_a_node_that_was_down_holds_everything() {
    let env = Env::new();
    env.init();
    let ids = env.add(&[env.input("video.bin", &random_bytes(3_000_000, 5))]);
    let tok = token_file(&env, "token", TOKEN);
    let node = start(&env, Some(&tok));
    let addr = node.addr.clone();
    env.k(&["mirror", "add", "partner", &node.url(), "--token-stdin"])
        .run_with_stdin(format!("{TOKEN}\n").as_bytes())
        .ok();
    // The node goes down: a plain sync fails and says so; nothing is lost.
    drop(node);
    let out = env.k(&["sync"]).run();
    assert_eq!(out.code, 12, "{out:?}");
    assert!(out.stdout().contains("safe on 0 of 1"), "{out:?}");
    // `sync --wait` keeps trying; the node comes back on the same address meanwhile.
    let waiting = env.k(&["sync", "--wait", "--timeout", "120"]).spawn();
    let node = start_on(&env, Some(&tok), &addr);
    let out = waiting.wait().ok();
    assert!(out.stdout().contains("safe on 1 of 1"), "{out:?}");
    env.k(&["mirror", "verify", "partner"]).run().ok();
    let j = env.k(&["--json", "mirror", "ls"]).run().ok().json();
    assert_eq!(j["safe_on"], 1, "{j}");
    // What the node holds is the vault's, byte for byte.
    for p in files_under(&node.store) {
        let theirs = std::fs::read(node.store.join(&p)).unwrap();
        let ours = env.vault().join(&p);
        if ours.exists() {
            assert_eq!(std::fs::read(ours).unwrap(), theirs, "{}", p.display());
        }
    }
    assert_eq!(ids.len(), 1);
}
