//! Shared helpers: a vault on a simulated disk, in-memory sources, and checks.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use khronika_app::ingest::Source;
use khronika_app::vault::{self, LockedVault, UnlockedVault};
use khronika_backends::SimFs;
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::{Passphrase, SeededEntropy};

pub const ROOT: &str = "/vault";

pub fn pass() -> Passphrase {
    Passphrase::new("a long test passphrase".into())
}

/// A fresh vault on a simulated disk (weak KDF parameters: tests only).
pub fn new_vault() -> SimFs {
    let fs = SimFs::new();
    let (_, _) = vault::init(
        Arc::new(fs.clone()),
        Path::new(ROOT),
        &pass(),
        Argon2Params::weak_for_tests(),
        &mut SeededEntropy::new(1),
    )
    .expect("init");
    fs
}

pub fn open(fs: &SimFs) -> Result<LockedVault, khronika_app::AppError> {
    LockedVault::open(Arc::new(fs.clone()), Path::new(ROOT))
}

pub fn unlock(fs: &SimFs) -> Result<UnlockedVault, khronika_app::AppError> {
    open(fs)?.unlock(&pass())
}

pub fn source(name: &str, bytes: &[u8]) -> Source {
    Source {
        name: name.into(),
        origin: PathBuf::from(name),
        size: bytes.len() as u64,
        reader: Box::new(Cursor::new(bytes.to_vec())),
    }
}

/// Deterministic pseudo-random bytes.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    use khronika_crypto::Entropy;
    let mut v = vec![0u8; len];
    SeededEntropy::new(seed).fill(&mut v).unwrap();
    v
}

/// The bytes of an evidence item, read back through the vault.
pub fn cat(v: &mut UnlockedVault, id: &str) -> Vec<u8> {
    let mut out = Vec::new();
    v.cat(id, &mut out)
        .unwrap_or_else(|e| panic!("cat {id}: {e}"));
    out
}

/// Every evidence item by original name, with its bytes.
pub fn contents(v: &mut UnlockedVault) -> Vec<(String, Vec<u8>)> {
    let items: Vec<(String, String)> = v
        .evidence()
        .iter()
        .map(|r| (r.payload.id.clone(), r.payload.name.clone()))
        .collect();
    items
        .into_iter()
        .map(|(id, name)| (name, cat(v, &id)))
        .collect()
}

/// Keyless verification must find nothing wrong.
pub fn assert_verifies(fs: &SimFs, context: &str) {
    let report = open(fs)
        .unwrap_or_else(|e| panic!("{context}: open failed: {e}"))
        .verify(&mut |_| {});
    assert!(
        report.is_ok(),
        "{context}: verify found {:?}",
        report.problems
    );
}
