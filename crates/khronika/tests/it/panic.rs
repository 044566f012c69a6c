//! The panic button on the command line: one confirmation, every key slot erased, the data
//! back only through a restore from a mirror.

use crate::util::{Env, PASS};

#[test]
fn panic_erases_every_key_slot_and_a_restore_brings_everything_back() {
    let env = Env::new();
    let key = env.init();
    let file = env.input("statement.txt", "показания свидетеля".as_bytes());
    let ids = env.add(&[file]);
    let dir = env.path("usb-mirror");
    env.k(&["mirror", "add", "usb", dir.to_str().unwrap()])
        .run()
        .ok();
    env.k(&["sync"]).run().ok();
    let keys = env.vault().join("keys");
    let slots = std::fs::read_dir(&keys).unwrap().count();
    assert!(slots >= 2, "a member slot and a device slot at least");

    // No terminal to ask on, and no --yes: refused, nothing erased.
    env.k(&["panic"]).run().refused(2, &["--yes", "nothing"]);
    assert_eq!(std::fs::read_dir(&keys).unwrap().count(), slots);

    let out = env.k(&["--json", "panic", "--yes"]).run().ok();
    assert_eq!(
        out.json()["files"].as_array().unwrap().len(),
        slots,
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_dir(&keys).unwrap().count(),
        0,
        "every slot is gone"
    );
    // Nothing here opens now, not even with the right passphrase.
    let out = env.k(&["ls"]).run();
    assert_ne!(out.code, 0, "{out:?}");
    // The mirror and the recovery key bring it back.
    let target = env.path("restored");
    env.cmd()
        .vault(&target)
        .args(["restore", "--from", dir.to_str().unwrap(), "--recovery-key"])
        .env("KHRONIKA_RECOVERY_KEY", &key)
        .env("KHRONIKA_NEW_PASSPHRASE", PASS)
        .run()
        .ok();
    let out = env
        .cmd()
        .vault(&target)
        .args(["cat", &ids[0]])
        .pass(PASS)
        .run()
        .ok();
    assert_eq!(out.stdout(), "показания свидетеля");
}
