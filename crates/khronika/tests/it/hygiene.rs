//! Process and file hygiene: no core dumps, owner-only files, quiet closed pipes, one-line
//! usage errors, and key slots that go missing are named rather than mistaken for a wrong
//! passphrase.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::util::*;

#[test]
fn core_dumps_are_disabled_before_anything_is_read() {
    let env = Env::new();
    // A FIFO as the passphrase file holds `init` at the point where it reads the passphrase,
    // after start-up hardening, so its limits can be read from /proc.
    let fifo = env.path("pass.fifo");
    let st = Command::new("mkfifo")
        .arg("-m")
        .arg("600")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(st.success());
    let running = env
        .cmd()
        .vault(&env.vault())
        .arg("--passphrase-file")
        .arg(&fifo)
        .arg("init")
        .spawn();
    let limits_path = format!("/proc/{}/limits", running.id());
    // Opening the FIFO for writing blocks until the child opens it for reading: by then the
    // hardening has run.
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let limits = std::fs::read_to_string(&limits_path).unwrap();
    w.write_all(format!("{PASS}\n").as_bytes()).unwrap();
    drop(w);
    let out = running.wait().ok();
    assert!(out.stdout().contains("KR1-"));
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(
        &fields[4..6],
        &["0", "0"],
        "core dumps still allowed: {core}"
    );
}

#[test]
fn vault_files_and_decrypted_output_are_for_the_owner_only() {
    let env = Env::new();
    env.init();
    let ids = env.add(&[env.input("a.txt", b"owner only")]);
    let tree = snapshot(&env.vault());
    assert!(tree.len() > 10);
    for (p, node) in tree {
        let (mode, want) = match node {
            Node::Dir { mode } => (mode & 0o777, 0o700),
            Node::File { mode, .. } => (mode & 0o777, 0o600),
            Node::Other => panic!("{} is neither a file nor a folder", p.display()),
        };
        assert_eq!(mode, want, "{} has mode {mode:o}", p.display());
    }
    let out = env.path("copy.txt");
    env.k(&["cat", &ids[0], "-o"]).arg(&out).run().ok();
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn usage_mistakes_are_one_line_and_json_when_asked() {
    let env = Env::new();
    env.cmd()
        .arg("bogus")
        .run()
        .refused(2, &["unrecognized subcommand", "khronika --help"]);
    env.cmd().arg("add").run().refused(2, &["<FILE>"]);
    let out = env.cmd().args(["--json", "cat"]).run();
    out.refused(2, &["<ID>"]);
    assert_eq!(out.json()["error"]["code"], "usage");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::new();
    env.init();
    let names: Vec<_> = (0..40)
        .map(|i| env.input(&format!("f{i}.txt"), format!("file {i}").as_bytes()))
        .collect();
    env.add(&names);
    // `log | head -1`: the reader closes after one line.
    let mut child = env.k(&["log"]).spawn_piped();
    let mut first = String::new();
    {
        use std::io::BufRead;
        let stdout = child.stdout.take().unwrap();
        std::io::BufReader::new(stdout)
            .read_line(&mut first)
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(first.contains("device-genesis"), "{first}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_key_slots_are_named() {
    let env = Env::new();
    env.init();
    let keys = env.vault().join("keys");
    let member = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("member-")
        })
        .unwrap();
    for slot in [member.clone(), keys.join("device.key")] {
        let copy = env.path("vault-copy");
        let _ = std::fs::remove_dir_all(&copy);
        copy_dir(&env.vault(), &copy);
        let rel = slot.strip_prefix(env.vault()).unwrap();
        std::fs::remove_file(copy.join(rel)).unwrap();
        let name = rel.to_string_lossy().into_owned();
        let out = env.cmd().vault(&copy).arg("verify").run();
        assert_eq!(out.code, 7, "{out:?}");
        assert!(
            out.stdout().contains(&name) && out.stdout().contains("missing"),
            "{out:?}"
        );
        env.cmd()
            .vault(&copy)
            .arg("ls")
            .pass(PASS)
            .run()
            .refused(7, &["missing", "recovery key"]);
    }
}
