//! Nothing is revealed at rest: after adding files whose names and contents carry canaries
//! and running every command, no byte under the vault, TMPDIR, HOME or the XDG folders holds
//! a canary (UTF-8 or UTF-16LE), a file's SHA-256, the passphrase or the recovery key.

use std::path::Path;

use crate::util::{Env, Node, PASS, run_all, sha256, sha256_hex, snapshot};

const ASCII: &str = "CANARY-K7Q2-ascii";
const CYRILLIC: &str = "КАНАРЕЙКА-Ж5";

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_canary_name_content_hash_or_secret_is_stored_in_the_clear() {
    let env = Env::new();
    // No --vault: the vault goes to the default place in XDG_DATA_HOME.
    let out = env.cmd().arg("init").pass(PASS).run().ok();
    let recovery = crate::util::recovery_key(&out.stdout());
    let vault = env.path("data/khronika/vault");
    assert!(vault.join("khronika-vault").is_file(), "{out:?}");

    let mut big = Vec::new();
    while big.len() < 2 << 20 {
        big.extend_from_slice(format!("{ASCII} {CYRILLIC} ").as_bytes());
        big.extend_from_slice(&utf16le(&format!("{ASCII} {CYRILLIC} ")));
    }
    let mut windows_text = utf16le(&format!("Показания {CYRILLIC} и {ASCII}\r\n"));
    windows_text.splice(0..0, [0xFF, 0xFE]);
    let files = [
        (
            format!("report {ASCII}.txt"),
            format!("Witness saw {ASCII} and {CYRILLIC} at the checkpoint.\n").into_bytes(),
        ),
        (format!("свидетель {CYRILLIC}.txt"), windows_text),
        (format!("{CYRILLIC} {ASCII} video.bin"), big),
    ];
    let paths: Vec<_> = files.iter().map(|(n, b)| env.input(n, b)).collect();
    let out = env.cmd().arg("add").args(&paths).pass(PASS).run().ok();
    let ids: Vec<String> = out
        .stdout()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), files.len(), "{out:?}");

    // Searching indexes the files' names and text (it finds the canary), and the search
    // indexes are scanned below like everything else.
    let found = env
        .cmd()
        .args(["--json", "search", ASCII])
        .pass(PASS)
        .run()
        .ok()
        .json();
    assert!(
        found["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == ids[0].as_str()),
        "{found}"
    );
    let found = env.cmd().args(["search", CYRILLIC]).pass(PASS).run().ok();
    assert!(found.stdout().contains(&ids[0]), "{found:?}");

    std::fs::create_dir(env.path("out")).unwrap();
    let mut cmds = vec![
        env.cmd().arg("ls").pass(PASS),
        env.cmd().args(["--json", "ls"]).pass(PASS),
        env.cmd().arg("log").pass(PASS),
        env.cmd().args(["verify", "--read-data"]).pass(PASS),
        env.cmd().arg("verify"),
    ];
    for (i, id) in ids.iter().enumerate() {
        cmds.push(env.cmd().args(["cat", id]).pass(PASS));
        cmds.push(
            env.cmd()
                .args(["cat", id, "-o"])
                .arg(env.path("out").join(i.to_string()))
                .pass(PASS),
        );
    }
    let outs = run_all(cmds);
    for o in &outs {
        assert_eq!(o.code, 0, "{o:?}");
    }
    // The commands did see the canaries (so the scan below looks for what was really there).
    assert!(outs[0].stdout().contains(CYRILLIC) && outs[0].stdout().contains(ASCII));
    for (i, (_, bytes)) in files.iter().enumerate() {
        assert!(outs[5 + 2 * i].stdout == *bytes, "cat of file {i} differs");
    }

    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    for c in [ASCII, CYRILLIC] {
        needles.push((format!("{c} (UTF-8)"), c.as_bytes().to_vec()));
        needles.push((format!("{c} (UTF-16LE)"), utf16le(c)));
    }
    needles.push(("the passphrase".into(), PASS.as_bytes().to_vec()));
    needles.push(("the recovery key".into(), recovery.as_bytes().to_vec()));
    for (name, bytes) in &files {
        needles.push((
            format!("SHA-256 hex of {name}"),
            sha256_hex(bytes).into_bytes(),
        ));
        needles.push((format!("SHA-256 of {name}"), sha256(bytes).to_vec()));
    }

    // The scan finds what it looks for: every canary form is in some input file.
    for (what, n) in &needles[..4] {
        assert!(
            files.iter().any(|(_, b)| contains(b, n)),
            "{what} in no input"
        );
    }

    let mut scanned = 0;
    for dir in ["data", "cache", "config", "tmp", "home"] {
        let root = env.path(dir);
        for (rel, node) in snapshot(&root) {
            let shown = Path::new(dir).join(&rel);
            let name = rel.to_string_lossy();
            for (what, n) in &needles {
                assert!(
                    !contains(name.as_bytes(), n),
                    "{what} in the path {}",
                    shown.display()
                );
            }
            if let Node::File { bytes, .. } = node {
                scanned += bytes.len();
                for (what, n) in &needles {
                    assert!(!contains(&bytes, n), "{what} in {}", shown.display());
                }
            }
        }
    }
    assert!(
        scanned > 2 << 20,
        "the scan saw the vault ({scanned} bytes)"
    );
}
