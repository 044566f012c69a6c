//! Append throughput on a real disk: the latency of one durable `add` of one small file (what
//! one person adding one thing waits for), and bulk appends in one command.
//!
//! Run: `cargo bench -p khronika-app --bench append` (uses a folder under the system temp
//! directory, which should be on the disk being measured; set TMPDIR to choose).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use khronika_app::ingest::Source;
use khronika_app::vault;
use khronika_backends::OsFs;
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::{OsEntropy, Passphrase};

fn source(i: usize) -> Source {
    let bytes = format!("note {i}: a short testimony fragment").into_bytes();
    Source {
        name: format!("n{i}.txt"),
        origin: PathBuf::from(format!("n{i}.txt")),
        size: bytes.len() as u64,
        reader: Box::new(Cursor::new(bytes)),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
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

    // Single durable appends: one file per add, each acknowledged only when fsynced.
    let n = 300;
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        v.add(vec![source(i)], &mut |_| {}).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "single durable append ({n} adds of one small file): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times[n - 1].as_secs_f64() * 1e3
    );

    // Bulk: many small files in one add (committed in batches of up to 1000 entries).
    for bulk in [1_000usize, 10_000] {
        let sources: Vec<Source> = (0..bulk).map(|i| source(n + i)).collect();
        let t = Instant::now();
        v.add(sources, &mut |_| {}).unwrap();
        let s = t.elapsed().as_secs_f64();
        println!(
            "bulk append of {bulk} entries: {:.3} s, {:.0} entries/s",
            s,
            bulk as f64 / s
        );
    }
}
