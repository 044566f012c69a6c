//! Sync to a mirror, interrupted at every object: the mirror verifies at each point, and the
//! next sync sends exactly what had not arrived. (The mirror here is an in-memory store behind
//! a wrapper that fails after N creates: fault injection only; the real S3 server is tested
//! by `crates/khronika-backends/tests/it/s3.rs` and the CLI tests.)

use std::sync::atomic::{AtomicUsize, Ordering};

use khronika_app::mirror::{self, MirrorEntry};
use khronika_store::{Backend, BackendError, Created, MemBackend, ObjectPath, Stored};

use crate::support::{bytes, new_vault, open, source, unlock};

/// A mirror that accepts `budget` creates, then fails every create like a dropped connection.
#[derive(Debug)]
struct FailAfter<'a> {
    inner: &'a MemBackend,
    budget: usize,
    creates: AtomicUsize,
}

impl Backend for FailAfter<'_> {
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError> {
        if self.creates.fetch_add(1, Ordering::SeqCst) >= self.budget {
            return Err(BackendError::Storage {
                doing: "uploading (injected fault)",
                source: std::io::Error::other("connection reset"),
            });
        }
        self.inner.create(path, bytes)
    }
    fn read(&self, path: &ObjectPath) -> Result<Vec<u8>, BackendError> {
        self.inner.read(path)
    }
    fn read_range(
        &self,
        path: &ObjectPath,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, BackendError> {
        self.inner.read_range(path, offset, len)
    }
    fn len(&self, path: &ObjectPath) -> Result<u64, BackendError> {
        self.inner.len(path)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        self.inner.list(prefix)
    }
    fn remove_superseded(&self, path: &ObjectPath) -> Result<(), BackendError> {
        self.inner.remove_superseded(path)
    }
    fn barrier(&self) -> Result<(), BackendError> {
        self.inner.barrier()
    }
}

fn entry() -> MirrorEntry {
    MirrorEntry {
        name: "m".into(),
        url: "/m".into(),
        added_ms: 0,
        acked: Default::default(),
        last_sync_ms: None,
        last_error: None,
        s3: None,
        http: None,
    }
}

#[test]
fn an_interrupted_sync_leaves_a_verifiable_mirror_and_resumes_without_resending() {
    let fs = new_vault();
    {
        let mut v = unlock(&fs).unwrap();
        v.add(
            vec![
                source("a.txt", b"first"),
                source("b.bin", &bytes(3, 2_100_000)),
            ],
            &mut |_| {},
        )
        .unwrap();
        v.add(vec![source("c.txt", b"second batch")], &mut |_| {})
            .unwrap();
    }
    let vault = open(&fs).unwrap();
    let total = mirror::plan(vault.backend(), &vault, &MemBackend::new()).unwrap();
    assert!(total.len() > 8, "{total:?}");
    // Packs first, checkpoints after bundles and tiles, node files last.
    let pos = |f: &dyn Fn(&str) -> bool| total.iter().position(|t| f(t.path.as_str())).unwrap();
    let last_object = total
        .iter()
        .rposition(|t| t.path.as_str().starts_with("objects/"))
        .unwrap();
    assert!(last_object < pos(&|p| p.starts_with("log/")));
    assert!(
        total
            .iter()
            .rposition(|t| t.path.as_str().contains("/tile/"))
            .unwrap()
            < pos(&|p| p.contains("/checkpoint/"))
    );
    assert!(total.last().unwrap().path.as_str().starts_with("node/"));

    for budget in 0..=total.len() {
        let store = MemBackend::new();
        let flaky = FailAfter {
            inner: &store,
            budget,
            creates: AtomicUsize::new(0),
        };
        let todo = mirror::plan(vault.backend(), &vault, &flaky).unwrap();
        let first = mirror::push(&vault, &flaky, &todo, &mut |_| {});
        assert_eq!(first.is_ok(), budget == total.len(), "budget {budget}");
        let report = mirror::check_mirror(&vault, &store, &entry(), &mut |_| {}).unwrap();
        assert!(
            report.is_ok(),
            "after {budget} objects the mirror must verify: {:?}",
            report.problems
        );
        // Resume: exactly the rest is sent, nothing twice.
        let rest = mirror::plan(vault.backend(), &vault, &store).unwrap();
        assert_eq!(rest.len(), total.len() - budget, "budget {budget}");
        let second = mirror::push(&vault, &store, &rest, &mut |_| {}).unwrap();
        assert_eq!(
            (second.sent, second.already),
            ((total.len() - budget) as u64, 0)
        );
        assert!(
            mirror::plan(vault.backend(), &vault, &store)
                .unwrap()
                .is_empty()
        );
        let report = mirror::check_mirror(&vault, &store, &entry(), &mut |_| {}).unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
    }
}

#[test]
fn later_syncs_send_only_what_is_new_and_a_rollback_is_named() {
    let fs = new_vault();
    let store = MemBackend::new();
    let vault = open(&fs).unwrap();
    let todo = mirror::plan(vault.backend(), &vault, &store).unwrap();
    mirror::push(&vault, &store, &todo, &mut |_| {}).unwrap();
    let before = mirror::newest_checkpoints(&store).unwrap();
    let old: Vec<String> = store.list("").unwrap();
    {
        let mut v = unlock(&fs).unwrap();
        v.add(vec![source("new.txt", b"new evidence")], &mut |_| {})
            .unwrap();
    }
    let vault = open(&fs).unwrap();
    let todo = mirror::plan(vault.backend(), &vault, &store).unwrap();
    assert!(
        todo.iter().all(|t| !old.contains(&t.path.to_string())),
        "nothing already there is sent again"
    );
    mirror::push(&vault, &store, &todo, &mut |_| {}).unwrap();
    let mut acked = entry();
    acked.acked = mirror::newest_checkpoints(&store).unwrap();
    assert!(acked.acked.values().sum::<u64>() > before.values().sum::<u64>());
    assert!(
        mirror::check_mirror(&vault, &store, &acked, &mut |_| {})
            .unwrap()
            .is_ok()
    );
    // Roll the mirror back to what it held before: every object it gained since is removed.
    for p in store.list("").unwrap() {
        if !old.contains(&p) {
            store.delete(&p);
        }
    }
    let plain = khronika_store::verify::verify(&store, vault.marker().vault, &mut |_| {});
    assert!(
        plain.is_ok(),
        "a clean rollback is invisible without the sync record: {:?}",
        plain.problems
    );
    let report = mirror::check_mirror(&vault, &store, &acked, &mut |_| {}).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.what.contains("rolled back")),
        "{:?}",
        report.problems
    );
}
