//! Crash consistency and fault injection through the IO layer.
//!
//! For every IO operation N of an `add`, three runs from the same starting disk:
//! - a crash just before operation N, which loses every write, create, link and removal not
//!   yet made durable by fsync (file and directory); the crashed disk must verify, keep every
//!   file whose `add` returned, and accept a retry;
//! - operation N fails with EIO, and
//! - operation N fails with ENOSPC: an error (never a panic) or, where the failed operation
//!   was only a clean-up, success; the disk verifies, and a retry succeeds.

use khronika_app::ErrorCode;
use khronika_backends::SimFs;
use khronika_backends::sim::FaultKind;

use crate::support::*;

/// Files added before the operation under test (must survive everything).
fn before() -> Vec<(String, Vec<u8>)> {
    vec![("before.txt".into(), b"acknowledged earlier".to_vec())]
}

/// The files of the `add` under test: small, multi-chunk, a duplicate, and a Cyrillic name.
fn batch() -> Vec<(String, Vec<u8>)> {
    vec![
        ("фото.jpg".into(), bytes(2, 1_500_000)),
        ("empty".into(), Vec::new()),
        ("copy.jpg".into(), bytes(2, 1_500_000)),
    ]
}

fn add(
    v: &mut khronika_app::UnlockedVault,
    files: &[(String, Vec<u8>)],
) -> Result<Vec<String>, khronika_app::AppError> {
    let sources = files.iter().map(|(n, b)| source(n, b)).collect();
    Ok(v.add(sources, &mut |_| {})?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

fn prepared() -> SimFs {
    let fs = new_vault();
    let mut v = unlock(&fs).unwrap();
    add(&mut v, &before()).unwrap();
    fs
}

/// How many IO operations `add(batch)` performs after unlocking.
fn ops_of_add(base: &SimFs) -> (u64, u64) {
    let fs = base.snapshot();
    let mut v = unlock(&fs).unwrap();
    let start = fs.ops();
    add(&mut v, &batch()).unwrap();
    (start, fs.ops() - start)
}

/// After a failure or crash: the disk verifies, what was acknowledged is intact, whatever of
/// the batch is present is intact, and a retry of the batch succeeds.
fn check_recovery(fs: &SimFs, acknowledged: bool, context: &str) {
    assert_verifies(fs, context);
    let mut v = unlock(fs).unwrap_or_else(|e| panic!("{context}: unlock failed: {e}"));
    let have = contents(&mut v);
    let expected: Vec<(String, Vec<u8>)> = before().into_iter().chain(batch()).collect();
    for (name, data) in &have {
        assert!(
            expected.iter().any(|(n, d)| n == name && d == data),
            "{context}: {name} is not intact"
        );
    }
    assert!(
        have.iter().any(|(n, _)| n == "before.txt"),
        "{context}: an earlier acknowledged file was lost"
    );
    if acknowledged {
        for (name, _) in batch() {
            assert!(
                have.iter().any(|(n, _)| *n == name),
                "{context}: acknowledged {name} was lost"
            );
        }
    }
    let ids = add(&mut v, &batch()).unwrap_or_else(|e| panic!("{context}: retry failed: {e}"));
    assert_eq!(ids.len(), 3);
    drop(v);
    assert_verifies(fs, &format!("{context}, after retry"));
    let mut v = unlock(fs).unwrap();
    let after = contents(&mut v);
    for (name, data) in batch() {
        assert!(
            after.iter().any(|(n, d)| *n == name && *d == data),
            "{context}: {name} missing after retry"
        );
    }
}

#[test]
fn crash_at_every_operation_of_add() {
    let base = prepared();
    let (_, n_ops) = ops_of_add(&base);
    assert!(
        n_ops > 20,
        "add did suspiciously few IO operations: {n_ops}"
    );
    for n in 1..=n_ops + 1 {
        let fs = base.snapshot();
        let mut v = unlock(&fs).unwrap();
        fs.crash_at(fs.ops() + n);
        let result = add(&mut v, &batch());
        drop(v);
        let crashed = fs.crashed();
        check_recovery(
            &crashed,
            result.is_ok(),
            &format!("crash before operation {n} of {n_ops}"),
        );
    }
}

#[test]
fn eio_and_enospc_at_every_operation_of_add() {
    let base = prepared();
    let (_, n_ops) = ops_of_add(&base);
    for fault in [FaultKind::Eio, FaultKind::Enospc] {
        for n in 1..=n_ops {
            let fs = base.snapshot();
            let mut v = unlock(&fs).unwrap();
            fs.fail_op(fs.ops() + n, fault);
            let result = add(&mut v, &batch());
            drop(v);
            // The count varies by one between runs: a pack whose random name falls in an
            // object directory that already exists needs no mkdir. A fault armed past the end
            // of this run must not fire during the checks, so they work on a disarmed copy.
            let fs = fs.snapshot();
            let context = format!("{fault:?} at operation {n} of {n_ops}");
            if let Err(e) = &result {
                assert_ne!(
                    e.code,
                    ErrorCode::Internal,
                    "{context}: reported as an internal error: {e}"
                );
                if fault == FaultKind::Enospc {
                    assert!(
                        matches!(
                            e.code,
                            ErrorCode::StorageFull | ErrorCode::Damaged | ErrorCode::Storage
                        ),
                        "{context}: {e:?}"
                    );
                }
            }
            check_recovery(&fs, result.is_ok(), &context);
            // The same disk after a crash right now must be just as good.
            check_recovery(
                &fs.crashed(),
                result.is_ok(),
                &format!("{context}, then a crash"),
            );
        }
    }
}

#[test]
fn enospc_on_a_pack_write_says_the_disk_is_full() {
    let fs = prepared();
    // The first operation of an add that writes is the pack's temporary file; fail every op
    // in turn until one yields an error, and check that the first write failure is "full".
    let mut saw_full = false;
    for n in 1..40 {
        let fs2 = fs.snapshot();
        let mut v2 = unlock(&fs2).unwrap();
        fs2.fail_op(fs2.ops() + n, FaultKind::Enospc);
        if let Err(e) = add(&mut v2, &batch())
            && e.code == ErrorCode::StorageFull
        {
            assert!(e.message.contains("free some space"), "{}", e.message);
            saw_full = true;
            break;
        }
    }
    assert!(saw_full, "no ENOSPC surfaced as storage-full");
}

#[test]
fn crash_while_the_log_crosses_a_bundle_boundary() {
    // init writes 2 entries; 252 more bring the log to 254, and the batch of 3 crosses 256.
    let fs = prepared();
    let mut v = unlock(&fs).unwrap();
    let small: Vec<(String, Vec<u8>)> = (0..252)
        .map(|i| (format!("n{i}"), format!("note {i}").into_bytes()))
        .collect();
    add(&mut v, &small).unwrap();
    drop(v);
    let base = fs;
    let files: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| (format!("edge{i}"), format!("edge {i}").into_bytes()))
        .collect();
    let count = {
        let s = base.snapshot();
        let mut v = unlock(&s).unwrap();
        let start = s.ops();
        add(&mut v, &files).unwrap();
        s.ops() - start
    };
    for n in 1..=count + 1 {
        let fs = base.snapshot();
        let mut v = unlock(&fs).unwrap();
        fs.crash_at(fs.ops() + n);
        let ok = add(&mut v, &files).is_ok();
        drop(v);
        let crashed = fs.crashed();
        let context = format!("bundle boundary, crash before op {n} of {count}");
        assert_verifies(&crashed, &context);
        let mut v = unlock(&crashed).unwrap();
        assert!(v.evidence().len() >= 253, "{context}: earlier files lost");
        let edge: Vec<(String, String)> = v
            .evidence()
            .iter()
            .filter(|r| r.payload.name.starts_with("edge"))
            .map(|r| (r.payload.id.clone(), r.payload.name.clone()))
            .collect();
        for (id, name) in &edge {
            let want = &files.iter().find(|(n, _)| n == name).unwrap().1;
            assert_eq!(&cat(&mut v, id), want, "{context}: {name} not intact");
        }
        if ok {
            assert_eq!(edge.len(), 3, "{context}: acknowledged files lost");
        }
        add(&mut v, &files).unwrap_or_else(|e| panic!("{context}: retry: {e}"));
        drop(v);
        assert_verifies(&crashed, &format!("{context}, after retry"));
    }
}
