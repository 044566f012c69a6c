//! Bad input never costs data: every refusal has the documented exit status, one `khronika: `
//! line on stderr that says what is wrong, and leaves the vault byte for byte as it was.

use std::ffi::OsStr;
use std::path::Path;

use crate::util::{Cmd, Env, Out, PASS, assert_unchanged, chmod, copy_dir, snapshot};

/// Run `cmd`, expect a refusal with `code` naming every fragment, and `folder` unchanged.
fn check(folder: &Path, cmd: Cmd, code: i32, fragments: &[&str]) -> Out {
    let before = snapshot(folder);
    let out = cmd.run();
    out.refused(code, fragments);
    assert!(out.stdout.is_empty(), "nothing on stdout: {out:?}");
    assert_unchanged(folder, &before, &out);
    out
}

/// A vault with two small items in it.
fn vault_with_items(env: &Env) -> Vec<String> {
    env.init();
    let a = env.input("a.txt", b"first statement\n");
    let b = env.input("b.bin", &crate::util::random_bytes(5000, 9));
    env.add(&[a, b])
}

#[cfg(unix)]
#[test]
fn add_refuses_missing_folder_fifo_and_unreadable_inputs_and_adds_nothing() {
    let env = Env::new();
    vault_with_items(&env);
    let v = env.vault();
    let good = env.input("good.txt", b"fine\n");
    let add = |files: &[&Path]| env.k(&["add"]).args(files);

    let missing = env.path("inputs/missing.txt");
    check(&v, add(&[&missing]), 5, &["missing.txt does not exist"]);
    // A good file before a bad one is not added either.
    check(
        &v,
        add(&[&good, &missing]),
        5,
        &["missing.txt does not exist", "nothing was added"],
    );

    let folder = env.path("inputs/a-folder");
    std::fs::create_dir(&folder).unwrap();
    check(&v, add(&[&good, &folder]), 5, &["a-folder is a folder"]);

    // A FIFO is not a regular file; it must be refused without blocking on it.
    let fifo = env.path("inputs/a-fifo");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(st.success(), "mkfifo failed");
    check(&v, add(&[&fifo]), 5, &["a-fifo is not a regular file"]);

    unreadable_input(&env);
}

/// Permission denied on an input file. As a normal user, chmod 000 does it. As root (CI),
/// chmod stops nothing, so the binary runs under uid/gid 65534 through util-linux `setpriv`,
/// from a copy in a world-traversable folder, on a vault owned by that uid. Without
/// `setpriv`, root cannot produce a genuine permission-denied case; the FIFO case above is
/// then the unreadable-input check, and this says so on stderr.
#[cfg(unix)]
fn unreadable_input(env: &Env) {
    if !crate::util::is_root(env) {
        let secret = env.input("secret.txt", b"not for you\n");
        chmod(&secret, 0o000);
        check(
            &env.vault(),
            env.k(&["add"]).arg(&secret),
            5,
            &["secret.txt cannot be read: permission denied"],
        );
        return;
    }
    let setpriv = [
        "/usr/bin/setpriv",
        "/bin/setpriv",
        "/usr/sbin/setpriv",
        "/sbin/setpriv",
    ]
    .into_iter()
    .map(Path::new)
    .find(|p| p.is_file());
    let Some(setpriv) = setpriv else {
        eprintln!(
            "note: running as root without util-linux setpriv: permission denied is not tested, only the FIFO case"
        );
        return;
    };
    // Everything the unprivileged run needs lives under one folder in /tmp that it can reach.
    let world = tempfile::Builder::new()
        .prefix("khronika-it-world-")
        .tempdir_in("/tmp")
        .unwrap();
    chmod(world.path(), 0o755);
    let exe = world.path().join("khronika");
    std::fs::copy(crate::util::bin(), &exe).unwrap();
    chmod(&exe, 0o755);
    let vault = world.path().join("vault");
    copy_dir(&env.vault(), &vault);
    chown_tree(&vault, 65534);
    let secret = world.path().join("secret.txt");
    std::fs::write(&secret, b"root only\n").unwrap();
    chmod(&secret, 0o600);
    let pre: Vec<&OsStr> = ["--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        .iter()
        .map(OsStr::new)
        .chain([exe.as_os_str()])
        .collect();
    // A container may forbid changing uid (no CAP_SETUID, or 65534 unmapped in a user
    // namespace): then, as without setpriv, the FIFO case stands in.
    let probe = env.cmd_via(setpriv, &pre).arg("--version").run();
    if probe.code != 0 {
        eprintln!(
            "note: cannot run as uid 65534 here ({}): permission denied is not tested, only the FIFO case",
            probe.stderr.trim()
        );
        return;
    }
    let cmd = env
        .cmd_via(setpriv, &pre)
        .vault(&vault)
        .pass(PASS)
        .arg("add")
        .arg(&secret);
    check(
        &vault,
        cmd,
        5,
        &["secret.txt cannot be read: permission denied"],
    );
}

#[cfg(unix)]
fn chown_tree(p: &Path, uid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap();
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path(), uid);
        }
    }
}

#[test]
fn commands_refuse_a_folder_that_is_not_a_vault() {
    let env = Env::new();
    let input = env.input("x.txt", b"x\n");

    let empty = env.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let file = env.path("a-file");
    std::fs::write(&file, b"just a file\n").unwrap();
    let random = env.path("random");
    std::fs::create_dir_all(random.join("objects")).unwrap();
    std::fs::write(random.join("notes.txt"), b"shopping list\n").unwrap();
    std::fs::write(random.join("objects/readme"), b"not an object\n").unwrap();
    let absent = env.path("absent");

    for (dir, why) in [
        (&empty, "no khronika-vault file"),
        (&file, "it is a file"),
        (&random, "no khronika-vault file"),
        (&absent, "the folder does not exist"),
    ] {
        for args in [
            vec!["ls"],
            vec!["verify"],
            vec!["log"],
            vec!["add", input.to_str().unwrap()],
        ] {
            let cmd = env.cmd().vault(dir).args(&args).pass(PASS);
            check(dir, cmd, 3, &["is not a Khronika vault", why]);
        }
    }
    assert!(!absent.exists());

    // The default vault (in the data folder) does not exist either.
    let data = env.path("data");
    check(
        &data,
        env.cmd().arg("ls").pass(PASS),
        3,
        &["khronika/vault is not a Khronika vault"],
    );
}

#[test]
fn init_refuses_used_folders_and_short_passphrases() {
    let env = Env::new();
    let init = |dir: &Path, pass: &str| env.cmd().vault(dir).arg("init").pass(pass);

    let full = env.path("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("thesis.docx"), b"years of work").unwrap();
    check(
        &full,
        init(&full, PASS),
        3,
        &["is not empty", "nothing was changed"],
    );

    let file = env.path("a-file");
    std::fs::write(&file, b"a file").unwrap();
    check(&file, init(&file, PASS), 3, &["is a file"]);

    let fresh = env.path("fresh");
    check(
        &fresh,
        init(&fresh, "short"),
        2,
        &["shorter than 8 characters"],
    );
    check(&fresh, init(&fresh, ""), 2, &["the passphrase is empty"]);
    check(
        &fresh,
        env.cmd().vault(&fresh).arg("init"),
        2,
        &["no passphrase given"],
    );
    assert!(!fresh.exists());

    env.init();
    check(
        &env.vault(),
        init(&env.vault(), PASS),
        3,
        &["already holds a vault"],
    );
    check(
        &env.vault(),
        init(&env.vault(), "other passphrase"),
        3,
        &["already holds a vault"],
    );
}

#[cfg(unix)]
#[test]
fn passphrase_problems_change_nothing() {
    let env = Env::new();
    let ids = vault_with_items(&env);
    let v = env.vault();
    let input = env.input("new.txt", b"new\n");
    let wrong = "correct horse battery stapler";

    let add_wrong = env.cmd().vault(&v).arg("add").arg(&input).pass(wrong);
    check(&v, add_wrong, 4, &["the passphrase is wrong"]);
    let cat_wrong = env.cmd().vault(&v).args(["cat", &ids[0]]).pass(wrong);
    check(&v, cat_wrong, 4, &["the passphrase is wrong"]);

    let pf = env.path("passphrase");
    std::fs::write(&pf, PASS).unwrap();
    chmod(&pf, 0o644);
    let loose = env
        .cmd()
        .vault(&v)
        .arg("--passphrase-file")
        .arg(&pf)
        .arg("ls");
    check(&v, loose, 2, &["can be read by other users", "chmod 600"]);
    let loose_add = env
        .cmd()
        .vault(&v)
        .arg("--passphrase-file")
        .arg(&pf)
        .arg("add")
        .arg(&input);
    check(&v, loose_add, 2, &["can be read by other users"]);

    let gone = env
        .cmd()
        .vault(&v)
        .arg("--passphrase-file")
        .arg(env.path("no-such-file"))
        .arg("ls");
    check(
        &v,
        gone,
        2,
        &["cannot read the passphrase file", "no-such-file"],
    );
    check(
        &v,
        env.cmd().vault(&v).arg("ls"),
        2,
        &["no passphrase given"],
    );
    check(
        &v,
        env.cmd().vault(&v).arg("ls").pass(""),
        2,
        &["the passphrase is empty"],
    );
}

#[test]
fn ids_are_checked_and_cat_never_overwrites() {
    let env = Env::new();
    let ids = vault_with_items(&env);
    let v = env.vault();

    check(
        &v,
        env.k(&["cat", "E0000000000000000"]),
        6,
        &["no evidence with id E0000000000000000"],
    );
    check(&v, env.k(&["cat", "E12"]), 2, &["`E12` is too short"]);

    let existing = env.path("existing.txt");
    std::fs::write(&existing, b"precious").unwrap();
    let cmd = env.k(&["cat", &ids[0], "-o"]).arg(&existing);
    check(&v, cmd, 2, &["existing.txt", "never overwritten"]);
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");

    // A refused id leaves no output file behind.
    let dest = env.path("never.txt");
    check(
        &v,
        env.k(&["cat", "E0000000000000000", "-o"]).arg(&dest),
        6,
        &["no evidence"],
    );
    assert!(!dest.exists());
}
