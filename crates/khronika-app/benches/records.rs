//! Records at scale on a real disk: creating N records (cases with their events, acts,
//! persons and interventions) as signed revisions, building the index, then what a person
//! waits for, in a second process: unlocking the vault (passphrase, logs) and its index, and
//! loading case pages from the index. Prints the figures and each process's peak memory.
//!
//! Run: `cargo bench -p khronika-app --bench records` (100,000 records; set
//! `KHRONIKA_BENCH_RECORDS` for another size; TMPDIR chooses the disk). Under `cargo test`
//! it runs 2,000 records as a smoke test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use khronika_app::vault::{self, LockedVault};
use khronika_backends::OsFs;
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::{OsEntropy, Passphrase};
use khronika_domain::{Record, RecordId, RecordKind};
use serde_json::json;

/// Records per case: the case, 3 events (one act each), 3 persons, 1 intervention.
const PER_CASE: usize = 8;

fn id(kind: RecordKind, case: usize, n: usize) -> RecordId {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&(case as u64).to_be_bytes());
    b[8] = n as u8;
    b[9] = kind.letter() as u8;
    // Spread ids like random ones would be.
    let h = khronika_crypto::hash::sha256(&b);
    RecordId::new(kind, h[..16].try_into().unwrap())
}

fn case_records(c: usize) -> Vec<Record> {
    let mut out = Vec::with_capacity(PER_CASE);
    let persons: Vec<RecordId> = (0..3).map(|n| id(RecordKind::Person, c, n)).collect();
    let events: Vec<RecordId> = (0..3).map(|n| id(RecordKind::Event, c, n)).collect();
    for (n, p) in persons.iter().enumerate() {
        out.push(json!({"type": "person", "id": p.to_string(),
            "names": [{"given": "Ахмед", "patronymic": "Русланович", "surname": format!("Эльмурзаев-{c}-{n}")},
                      {"given": "Akhmed", "surname": format!("Elmurzayev-{c}-{n}"), "script": "latin", "kind": "transliteration"}],
            "notes": "Задержан сотрудниками в форме без знаков различия; местонахождение неизвестно."}));
    }
    for (n, e) in events.iter().enumerate() {
        out.push(json!({"type": "event", "id": e.to_string(),
            "title": format!("Задержание у блокпоста №{n} (дело {c})"),
            "description": "Около 05:00 к дому подъехали три автомобиля без номеров. Шестеро вооружённых людей в чёрной форме ворвались в дом и увезли его. Утром в отряде ответили, что такого человека не задерживали.",
            "date": "2019-03-14",
            "acts": [{"id": id(RecordKind::Act, c, n).to_string(), "victim": persons[n].to_string(),
                      "act_type": {"list": "types_of_acts", "code": "03010400000004"}}]}));
    }
    out.push(
        json!({"type": "intervention", "id": id(RecordKind::Intervention, c, 0).to_string(),
        "kind": {"list": "khr_intervention_types", "code": "khr:complaint"},
        "addressee": "Следственное управление СК России по Чеченской Республике",
        "filed": "2019-03-15", "reference": format!("КУСП № {c}"), "deadline": "2027-03-18",
        "status": "filed", "concerns": [events[0].to_string()]}),
    );
    let mut gathered: Vec<String> = events
        .iter()
        .chain(&persons)
        .map(ToString::to_string)
        .collect();
    gathered.push(id(RecordKind::Intervention, c, 0).to_string());
    out.push(json!({"type": "case", "id": id(RecordKind::Case, c, 0).to_string(),
        "title": format!("Похищение и насильственное исчезновение, дело {c}"),
        "summary": "Власти отрицают задержание; его судьба неизвестна. Поданы заявления в СК и жалоба в ЕСПЧ.",
        "records": gathered}));
    out.into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("KHRONIKA_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 100_000 } else { 2_000 });
    let cases = n.div_ceil(PER_CASE);
    let pass = Passphrase::new("benchmark passphrase".into());
    if let Ok(root) = std::env::var("KHRONIKA_BENCH_OPEN") {
        let cases = std::env::var("KHRONIKA_BENCH_CASES")
            .unwrap()
            .parse()
            .unwrap();
        open_phase(std::path::Path::new(&root), cases, &pass);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let params = if bench {
        Argon2Params::recommended()
    } else {
        Argon2Params::weak_for_tests()
    };
    let (mut v, _) = vault::init(Arc::new(OsFs), &root, &pass, params, &mut OsEntropy).unwrap();
    let c = v.default_compartment();

    let t = Instant::now();
    let per_batch = 625; // 5,000 records per commit
    for start in (0..cases).step_by(per_batch) {
        let batch: Vec<Record> = (start..(start + per_batch).min(cases))
            .flat_map(case_records)
            .collect();
        v.create_records(c, batch).unwrap();
    }
    let created = t.elapsed();
    let t = Instant::now();
    v.update_indexes().unwrap();
    let indexed = t.elapsed();
    let total = cases * PER_CASE;
    println!(
        "created {total} records ({cases} cases) in {:.1} s ({:.0} records/s); index built in {:.1} s ({:.0} records/s)",
        created.as_secs_f64(),
        total as f64 / created.as_secs_f64(),
        indexed.as_secs_f64(),
        total as f64 / indexed.as_secs_f64()
    );
    drop(v);
    println!(
        "peak memory while creating and indexing: {:.0} MiB",
        peak_rss_mib()
    );

    // Opening and reading run in a fresh process, so that their memory is their own.
    let me = std::env::current_exe().unwrap();
    let status = std::process::Command::new(me)
        .args(std::env::args().skip(1))
        .env("KHRONIKA_BENCH_OPEN", &root)
        .env("KHRONIKA_BENCH_CASES", cases.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "the open phase failed: {status}");
}

/// The second process: unlock, bring the index up to date (nothing to apply), case pages.
fn open_phase(root: &std::path::Path, cases: usize, pass: &Passphrase) {
    let total = cases * PER_CASE;
    let t = Instant::now();
    let mut v = LockedVault::open(Arc::new(OsFs), root)
        .unwrap()
        .unlock(pass)
        .unwrap();
    let unlocked = t.elapsed();
    let t = Instant::now();
    let report = v.update_indexes().unwrap();
    let index_open = t.elapsed();
    assert_eq!(report.iter().map(|r| r.applied).sum::<usize>(), 0);
    println!(
        "open: unlock (Argon2id, resume each log from the verified state, read and check newer entries) {:.0} ms + open the index and check it is up to date {:.1} ms = {:.0} ms for {total} records",
        ms(unlocked),
        ms(index_open),
        ms(unlocked + index_open)
    );

    // Case pages from the index.
    let mut times = Vec::new();
    for k in 0..cases.min(1000) {
        let cid = id(RecordKind::Case, (k * 7919) % cases, 0);
        let t = Instant::now();
        let page = v.case_page(&cid).unwrap();
        times.push(t.elapsed());
        assert_eq!(page.events.len(), 3);
        assert_eq!(page.persons.len(), 3);
        assert_eq!(page.interventions.len(), 1);
    }
    times.sort();
    let p = |q: f64| ms(times[((times.len() as f64 - 1.0) * q).round() as usize]);
    println!(
        "case page from the index ({} cases, cold): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        times.len(),
        p(0.5),
        p(0.95),
        p(0.99)
    );
    println!("peak memory while open: {:.0} MiB", peak_rss_mib());
}
