//! `--help` of the command and of every subcommand works, and the main help documents the
//! exit statuses that the other tests check.

use crate::util::Env;

#[test]
fn help_lists_exit_codes_and_every_subcommand_has_help() {
    let env = Env::new();
    let out = env.cmd().arg("--help").run().ok();
    let text = out.stdout();
    assert!(text.contains("Exit status:"), "{out:?}");
    for (code, what) in [
        (0, "success"),
        (1, "internal error"),
        (2, "command line or passphrase"),
        (3, "not a vault"),
        (4, "wrong passphrase"),
        (5, "input file"),
        (6, "no evidence item or record with that id"),
        (7, "damaged or missing data"),
        (8, "disk is full"),
        (9, "reading or writing the vault failed"),
        (10, "not valid; nothing was stored"),
        (11, "role or your grants"),
        (12, "mirror could not be reached"),
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{code}  ")))
            .unwrap_or_else(|| panic!("no exit status {code} in {text}"));
        assert!(line.contains(what), "exit status {code}: {line}");
    }
    for sub in [
        "init", "add", "cat", "ls", "log", "verify", "sync", "restore", "mirror",
    ] {
        assert!(text.contains(sub), "{sub} not in the main help");
        let out = env.cmd().args([sub, "--help"]).run().ok();
        assert!(out.stdout().contains("Usage: khronika"), "{out:?}");
        assert!(out.stdout().contains(sub), "{out:?}");
    }
    // A command line that is not understood: exit 2.
    let out = env.cmd().arg("frobnicate").run();
    assert_eq!(out.code, 2, "{out:?}");
}
