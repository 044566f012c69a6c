//! Upload overhead of mirroring: bytes sent to a mirror for new data, against the new unique
//! bytes the vault stored for it (target: at most 1.02×). Two adds, each followed by a sync:
//! a corpus (videos, photos, notes: incompressible bytes), then a second corpus of the same
//! shape in which 20 % of the bytes are exact copies of files of the first (deduplicated by
//! the vault, so neither stored nor sent again).
//!
//! Sent bytes are counted twice: as payload, by a counting wrapper around a folder mirror; and,
//! when the S3 test server is running (`KHRONIKA_TEST_S3` etc., as `scripts/test` sets them),
//! on the wire, by a loopback TCP proxy in front of it (HTTP headers and SigV4 included).
//!
//! Run: `cargo bench -p khronika-app --bench mirror` (`KHRONIKA_BENCH_MIRROR_MB`, default 128:
//! the size of each corpus).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{Cursor, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use khronika_app::ingest::Source;
use khronika_app::mirror;
use khronika_app::vault::{self, UnlockedVault};
use khronika_backends::s3::S3Config;
use khronika_backends::{LocalBackend, OsFs, S3Backend};
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::{OsEntropy, Passphrase};
use khronika_store::{Backend, BackendError, Created, ObjectPath, Stored};

/// A mirror that counts the bytes of every object created on it.
#[derive(Debug)]
struct Counting<B> {
    inner: B,
    sent: AtomicU64,
}

impl<B: Backend> Backend for Counting<B> {
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError> {
        self.sent
            .fetch_add(bytes.as_bytes().len() as u64, Ordering::Relaxed);
        self.inner.create(path, bytes)
    }
    fn read(&self, path: &ObjectPath) -> Result<Vec<u8>, BackendError> {
        self.inner.read(path)
    }
    fn read_range(&self, p: &ObjectPath, off: u64, len: usize) -> Result<Vec<u8>, BackendError> {
        self.inner.read_range(p, off, len)
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

/// A loopback TCP proxy to `upstream` that counts the bytes clients send through it.
fn counting_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let s = sent.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { return };
            let Ok(up) = TcpStream::connect(upstream) else {
                continue;
            };
            let s = s.clone();
            let (mut c, mut u) = (client.try_clone().unwrap(), up.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 16];
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 || u.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    s.fetch_add(n as u64, Ordering::Relaxed);
                }
                let _ = u.shutdown(Shutdown::Write);
            });
            let (mut u, mut c) = (up, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut u, &mut c);
                let _ = c.shutdown(Shutdown::Write);
            });
        }
    });
    (addr, sent)
}

/// Deterministic incompressible bytes.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A corpus of about `mb` MiB: 60 % videos (16–40 MiB), 30 % photos (1–4 MiB), 10 % notes and
/// scans (2–200 KiB). Files are (name, seed, size).
fn corpus(tag: &str, seed: u64, mb: u64) -> Vec<(String, u64, usize)> {
    let total = mb << 20;
    let mut files = Vec::new();
    let mut i = 0u64;
    for (share, lo, hi, kind) in [
        (60u64, 16u64 << 20, 40u64 << 20, "video"),
        (30, 1 << 20, 4 << 20, "photo"),
        (10, 2 << 10, 200 << 10, "note"),
    ] {
        let mut left = total * share / 100;
        while left > 0 {
            i += 1;
            let r = noise(seed * 1_000_003 + i, 8);
            let v = u64::from_le_bytes(r.try_into().unwrap());
            let size = (lo + v % (hi - lo)).min(left.max(lo.min(left)));
            files.push((
                format!("{tag}-{kind}-{i}.bin"),
                seed * 1_000_003 + i,
                size as usize,
            ));
            left -= size.min(left);
        }
    }
    files
}

fn sources(files: &[(String, u64, usize)]) -> Vec<Source> {
    files
        .iter()
        .map(|(name, seed, size)| Source {
            name: name.clone(),
            origin: PathBuf::from(name),
            size: *size as u64,
            reader: Box::new(Cursor::new(noise(*seed, *size))),
        })
        .collect()
}

/// Bytes of every object and log file the vault stores.
fn stored_bytes(v: &UnlockedVault) -> u64 {
    let b = v.locked().backend();
    ["objects/", "log/"]
        .iter()
        .flat_map(|p| b.list(p).unwrap())
        .map(|s| b.len(&ObjectPath::parse(&s).unwrap().0).unwrap())
        .sum()
}

fn sync(v: &UnlockedVault, m: &dyn Backend) {
    let locked = v.locked();
    let todo = mirror::plan(locked.backend(), locked, m).unwrap();
    mirror::push(locked, m, &todo, &mut |_| {}).unwrap();
    assert!(
        mirror::plan(locked.backend(), locked, m)
            .unwrap()
            .is_empty()
    );
}

struct S3Mirror {
    backend: S3Backend,
    wire: Arc<AtomicU64>,
}

fn s3_mirror() -> Option<S3Mirror> {
    let endpoint = std::env::var("KHRONIKA_TEST_S3").ok()?;
    let upstream: SocketAddr = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .ok()?;
    let (addr, wire) = counting_proxy(upstream);
    let bucket =
        std::env::var("KHRONIKA_TEST_S3_BUCKET").unwrap_or_else(|_| "khronika-test".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let url = format!("s3://{bucket}/bench/mirror-{nanos}");
    let cfg = S3Config::from_vars(&url, |k| match k {
        "AWS_ENDPOINT_URL" => Some(format!("http://{addr}")),
        "AWS_ACCESS_KEY_ID" => std::env::var("KHRONIKA_TEST_S3_ACCESS_KEY").ok(),
        "AWS_SECRET_ACCESS_KEY" => std::env::var("KHRONIKA_TEST_S3_SECRET_KEY").ok(),
        "AWS_ALLOW_HTTP" => Some("true".into()),
        _ => None,
    })
    .ok()?;
    Some(S3Mirror {
        backend: S3Backend::new(&cfg).ok()?,
        wire,
    })
}

fn main() {
    let mb: u64 = std::env::var("KHRONIKA_BENCH_MIRROR_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let pass = Passphrase::new("benchmark passphrase".into());
    let (mut v, _) = vault::init(
        Arc::new(OsFs),
        &root,
        &pass,
        Argon2Params::recommended(),
        &mut OsEntropy,
    )
    .unwrap();
    let folder: &Path = &dir.path().join("mirror");
    std::fs::create_dir(folder).unwrap();
    let dir_mirror = Counting {
        inner: LocalBackend::new(Arc::new(OsFs), folder.to_path_buf()),
        sent: AtomicU64::new(0),
    };
    let s3 = s3_mirror();
    if s3.is_none() {
        println!("(no S3 test server: KHRONIKA_TEST_S3 unset; counting the folder mirror only)");
    }
    // The vault as `init` left it, already on the mirrors.
    sync(&v, &dir_mirror);
    if let Some(s) = &s3 {
        sync(&v, &s.backend);
    }

    let first = corpus("a", 1, mb);
    // Second corpus: 80 % new bytes, plus copies of first-corpus files for the other 20 %.
    let mut second = corpus("b", 2, mb * 8 / 10);
    let want_dup = (mb << 20) / 5;
    let mut dup = 0u64;
    for f in first.iter().rev() {
        if dup >= want_dup {
            break;
        }
        if dup + f.2 as u64 <= want_dup + (1 << 20) {
            second.push((format!("copy-of-{}", f.0), f.1, f.2));
            dup += f.2 as u64;
        }
    }
    for (label, files) in [
        ("first add", &first),
        ("second add (20 % duplicates)", &second),
    ] {
        let input: u64 = files.iter().map(|f| f.2 as u64).sum();
        let before = stored_bytes(&v);
        let (d0, w0) = (
            dir_mirror.sent.load(Ordering::Relaxed),
            s3.as_ref().map(|s| s.wire.load(Ordering::Relaxed)),
        );
        let t = std::time::Instant::now();
        v.add(sources(files), &mut |_| {}).unwrap();
        let added = t.elapsed();
        let stored = stored_bytes(&v) - before;
        let t = std::time::Instant::now();
        sync(&v, &dir_mirror);
        let dir_time = t.elapsed();
        let sent = dir_mirror.sent.load(Ordering::Relaxed) - d0;
        println!(
            "{label}: {} files, {:.1} MiB in, {:.1} MiB new unique stored (add {:.1} s)",
            files.len(),
            input as f64 / 1048576.0,
            stored as f64 / 1048576.0,
            added.as_secs_f64()
        );
        println!(
            "  folder mirror: {:.1} MiB sent (payload), ratio {:.4} (target <= 1.02) in {:.1} s",
            sent as f64 / 1048576.0,
            sent as f64 / stored as f64,
            dir_time.as_secs_f64()
        );
        if let (Some(s), Some(w0)) = (&s3, w0) {
            let t = std::time::Instant::now();
            sync(&v, &s.backend);
            let wire = s.wire.load(Ordering::Relaxed) - w0;
            println!(
                "  S3 mirror: {:.1} MiB on the wire (requests, headers, listings included), ratio {:.4} (target <= 1.02) in {:.1} s",
                wire as f64 / 1048576.0,
                wire as f64 / stored as f64,
                t.elapsed().as_secs_f64()
            );
        }
    }
}
