//! The records index at scale: N synthetic records (cases gathering events with acts,
//! persons, units, interventions and links; a few hundred bytes to a few KiB each, much of it
//! Cyrillic; about one record in ten edited later, some concurrently), applied in batches of
//! 10,000 revisions. Prints the apply rate, the file size, the time to open the index cold and
//! count, the latency of `case_page` over 1,000 random cases, and the peak memory.
//!
//! Run by hand (1,000,000 records, several minutes on 2 cores):
//!
//! ```text
//! cargo bench -p khronika-index --bench index
//! ```
//!
//! Settings (environment): `KHRONIKA_BENCH_RECORDS` (records; default 1,000,000 under
//! `cargo bench`, 2,000 otherwise), `KHRONIKA_BENCH_DIR` (where to write the index; default a
//! temporary folder under TMPDIR, on the disk being measured), `KHRONIKA_BENCH_SEED`,
//! `KHRONIKA_BENCH_DROP_CACHES=1` (as root: drop the kernel's page cache before reopening, so
//! that the open and the first case pages read from the disk; it slows the whole machine).
//! `cargo test --all-targets` (CI) runs this file without `--bench`, as a smoke test of 2,000
//! records that also checks what it reads; `KHRONIKA_BENCH_RECORDS=20000` is a quick real run.
//! Targets at 1,000,000 records: open and count < 2 s, case page < 5 ms, peak memory < 500 MB.
//!
//! Measured 2026-11-23, 1,000,000 records, on a shared 2-core AMD EPYC VM with 24 GiB and a
//! virtio disk, with `KHRONIKA_BENCH_DROP_CACHES=1` (two runs; the second on a busier
//! machine): apply 2,279 and 1,704 records/s (the file's random-key indexes are rewritten by
//! every batch: 34 GB written for a 3.6 GB file; larger batches amortise that in a rebuild);
//! 3.6 GiB (3,784 bytes per record, for 1.2 GiB of revision JSON stored twice: revisions and
//! folded values); open and count 3.4 and 5.8 ms; case page first read from a dropped cache
//! p50/p95/p99 2.6/4.3/5.2 and 3.3/9.2/17.3 ms, again (cached) 0.9/1.4/1.8 ms; peak memory
//! 186 MiB.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use khronika_domain::date::FuzzyDate;
use khronika_domain::{
    Act, Case, Edit, Event, Intervention, InterventionStatus, Involvement, InvolvementRole, Link,
    LinkKind, NameKind, Person, PersonName, Place, Record, RecordId, RecordKind, Reply, Revision,
    RevisionId, Script, TermRef, Unit, UnitName,
};
use khronika_index::{IndexKey, Position, RecordIndex};
use serde_json::json;

/// SplitMix64: a small, fast, reproducible generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn bytes16(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        b
    }
}

const RU: &[&str] = &[
    "задержание",
    "блокпост",
    "сотрудники",
    "полиции",
    "вывезли",
    "неизвестном",
    "направлении",
    "родственники",
    "обратились",
    "прокуратуру",
    "отказ",
    "возбуждении",
    "уголовного",
    "дела",
    "свидетель",
    "показал",
    "что",
    "около",
    "часов",
    "вечера",
    "автомобиль",
    "без",
    "номеров",
    "избиение",
    "допроса",
    "пытки",
    "угрозы",
    "семье",
    "исчезновение",
    "жалоба",
    "Ачхой-Мартан",
    "Грозный",
    "Урус-Мартан",
    "ОМОН",
    "ППС",
    "отдел",
    "районный",
    "суд",
    "адвокат",
    "заявление",
];
const EN: &[&str] = &[
    "detention",
    "checkpoint",
    "officers",
    "took",
    "him",
    "to",
    "an",
    "unknown",
    "place",
    "relatives",
    "complained",
    "to",
    "the",
    "prosecutor",
    "refusal",
    "witness",
    "said",
    "car",
    "without",
    "plates",
    "beaten",
    "during",
    "questioning",
    "threats",
    "family",
    "missing",
];
const GIVEN_RU: &[&str] = &[
    "Ислам",
    "Руслан",
    "Магомед",
    "Хава",
    "Зарема",
    "Ахмед",
    "Лейла",
];
const SURNAME_RU: &[&str] = &[
    "Дадашев",
    "Исаев",
    "Мусаева",
    "Ахмадов",
    "Цакаева",
    "Умаров",
];
const GIVEN_EN: &[&str] = &[
    "Islam", "Ruslan", "Magomed", "Khava", "Zarema", "Akhmed", "Leila",
];
const SURNAME_EN: &[&str] = &[
    "Dadashev", "Isaev", "Musaeva", "Akhmadov", "Tsakaeva", "Umarov",
];
const UNITS: &[&str] = &[
    "ОМОН «Ахмат»",
    "ППС-2",
    "Отдел МВД по району",
    "Батальон «Север»",
];
const ADDRESSEES: &[&str] = &[
    "Следственный комитет, Чеченская Республика",
    "Прокуратура Ачхой-Мартановского района",
    "European Court of Human Rights",
    "Уполномоченный по правам человека",
];

/// Text of about `len` bytes, mostly Russian with some English.
fn text(rng: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len + 32);
    while s.len() < len {
        let w = if rng.chance(25) {
            rng.pick(EN)
        } else {
            rng.pick(RU)
        };
        s.push_str(w);
        s.push(if rng.chance(8) { '.' } else { ' ' });
    }
    s
}

fn term(list: &str, code: &str) -> Option<TermRef> {
    Some(TermRef::new(list, code))
}

fn date(rng: &mut Rng) -> Option<FuzzyDate> {
    let y = 2000 + rng.below(25);
    let m = 1 + rng.below(12);
    FuzzyDate::parse(&format!("{y}-{m:02}")).ok()
}

/// The records of one case: the case, its events, persons, units, interventions and links.
fn group(rng: &mut Rng) -> Vec<Record> {
    let mut out = Vec::new();
    let persons: Vec<RecordId> = (0..rng.range(3, 9))
        .map(|_| RecordId::new(RecordKind::Person, rng.bytes16()))
        .collect();
    let units: Vec<RecordId> = (0..rng.range(1, 3))
        .map(|_| RecordId::new(RecordKind::Unit, rng.bytes16()))
        .collect();
    for &id in &persons {
        let (g, s) = (rng.below(GIVEN_RU.len()), rng.below(SURNAME_RU.len()));
        let notes_len = rng.range(50, 1200);
        out.push(Record::Person(Person {
            id,
            names: vec![
                PersonName {
                    given: GIVEN_RU[g].into(),
                    surname: SURNAME_RU[s].into(),
                    script: Some(Script::Cyrillic),
                    kind: NameKind::Official,
                    ..PersonName::default()
                },
                PersonName {
                    given: GIVEN_EN[g].into(),
                    surname: SURNAME_EN[s].into(),
                    script: Some(Script::Latin),
                    kind: NameKind::Transliteration,
                    ..PersonName::default()
                },
            ],
            pseudonym: String::new(),
            sex: Default::default(),
            birth_year: FuzzyDate::parse(&format!("around {}", 1950 + rng.below(50))).ok(),
            memberships: vec![],
            notes: text(rng, notes_len),
        }));
    }
    for &id in &units {
        let notes_len = rng.range(0, 400);
        out.push(Record::Unit(Unit {
            id,
            names: vec![UnitName {
                name: rng.pick(UNITS).into(),
                script: Some(Script::Cyrillic),
                kind: NameKind::Official,
            }],
            unit_type: term("types_of_perpetrators", "01010400000024"),
            parent: None,
            notes: text(rng, notes_len),
        }));
    }
    let mut events = Vec::new();
    for _ in 0..rng.range(1, 4) {
        let id = RecordId::new(RecordKind::Event, rng.bytes16());
        events.push(id);
        let acts: Vec<Act> = (0..rng.range(1, 4))
            .map(|_| Act {
                id: RecordId::new(RecordKind::Act, rng.bytes16()),
                victim: Some(persons[rng.below(persons.len())]),
                act_type: term("types_of_acts", "khr:arbitrary_detention"),
                date: None,
                methods: vec![],
                notes: String::new(),
            })
            .collect();
        let involvements = (0..rng.range(1, 3))
            .map(|_| Involvement {
                perpetrator: Some(if rng.chance(60) {
                    units[rng.below(units.len())]
                } else {
                    persons[rng.below(persons.len())]
                }),
                role: Some(InvolvementRole::CarriedOut),
                degree: None,
                act: None,
                notes: String::new(),
            })
            .collect();
        let description_len = rng.range(300, 3000);
        let title_len = rng.range(30, 90);
        out.push(Record::Event(Event {
            id,
            title: text(rng, title_len),
            description: text(rng, description_len),
            date: date(rng),
            place: Place {
                text: "Ачхой-Мартан, блокпост на дороге в Шаами-Юрт".into(),
                geo: None,
                coordinates: None,
            },
            acts,
            involvements,
        }));
    }
    let mut interventions = Vec::new();
    for _ in 0..rng.range(0, 3) {
        let id = RecordId::new(RecordKind::Intervention, rng.bytes16());
        interventions.push(id);
        let reply_len = rng.range(50, 600);
        out.push(Record::Intervention(Intervention {
            id,
            kind: term("khr_intervention_types", "khr:complaint"),
            addressee: rng.pick(ADDRESSEES).into(),
            filed_by: "юрист организации".into(),
            filed: date(rng),
            reference: format!(
                "№ {}/{}-20{:02}",
                rng.below(999),
                rng.below(99),
                rng.below(25)
            ),
            deadline: None,
            status: InterventionStatus::Rejected,
            reply: Some(Reply {
                date: date(rng),
                text: text(rng, reply_len),
            }),
            next_step: None,
            concerns: vec![events[rng.below(events.len())]],
            notes: String::new(),
        }));
    }
    for &i in &interventions {
        if rng.chance(40) {
            out.push(Record::Link(Link {
                id: RecordId::new(RecordKind::Link, rng.bytes16()),
                from: Some(i),
                to: Some(events[rng.below(events.len())]),
                kind: Some(LinkKind::RelatedTo),
                note: text(rng, 80),
            }));
        }
    }
    let mut gathered: Vec<RecordId> = events.clone();
    gathered.extend(&persons);
    gathered.extend(&units);
    gathered.extend(interventions.iter().filter(|_| rng.chance(70)));
    let summary_len = rng.range(200, 1500);
    let title_len = rng.range(30, 90);
    out.push(Record::Case(Case {
        id: RecordId::new(RecordKind::Case, rng.bytes16()),
        title: text(rng, title_len),
        summary: text(rng, summary_len),
        compartment: "c-3f1a".into(),
        responsible: "m-0b7e".into(),
        records: gathered,
    }));
    out
}

/// Generates revisions: creates, group by group, and now and then an edit (sometimes two
/// concurrent ones) of a case created earlier.
struct Generator {
    rng: Rng,
    next_rev: u64,
    records: usize,
    pending: Vec<Revision>,
    cases: Vec<(RecordId, RevisionId)>,
}

impl Generator {
    fn rev_id(&mut self) -> RevisionId {
        self.next_rev += 1;
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&self.rng.next().to_le_bytes());
        b[8..16].copy_from_slice(&self.next_rev.to_be_bytes());
        RevisionId(b)
    }

    fn revision(&mut self) -> Option<Revision> {
        while self.pending.is_empty() {
            let records = group(&mut self.rng);
            self.records += records.len();
            for r in records {
                let id = self.rev_id();
                let now = 1_700_000_000_000 + self.next_rev as i64;
                let rev = Edit::create(&r).unwrap().into_revision(
                    id,
                    "m-0b7e".into(),
                    now,
                    "bench:0".into(),
                );
                if let Record::Case(c) = &r {
                    self.cases.push((c.id, id));
                }
                self.pending.push(rev);
            }
            // About one record in ten gets an edit; a few of those are concurrent pairs.
            let edits = self.pending.len() / 10;
            for _ in 0..edits {
                let (case, head) = self.cases[self.rng.below(self.cases.len())];
                let concurrent = if self.rng.chance(10) { 2 } else { 1 };
                for k in 0..concurrent {
                    let id = self.rev_id();
                    let summary_len = self.rng.range(200, 1200);
                    let mut fields = BTreeMap::new();
                    fields.insert(
                        "summary".to_owned(),
                        json!(format!("{k}: {}", text(&mut self.rng, summary_len))),
                    );
                    self.pending.push(Revision {
                        id,
                        record: case,
                        supersedes: vec![head],
                        fields,
                        author: "m-1c2d".into(),
                        time_ms: 1_700_000_000_000 + self.next_rev as i64,
                        origin: "bench:1".into(),
                    });
                }
            }
            self.pending.reverse();
        }
        self.pending.pop()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Peak resident memory of this process, in MiB (VmHWM).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Sizes of every file in the folder.
fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

/// Ask the kernel to drop its page cache (needs root, and only when
/// `KHRONIKA_BENCH_DROP_CACHES=1`: it slows down everything else on the machine); whether it
/// did.
fn drop_os_cache() -> bool {
    if std::env::var_os("KHRONIKA_BENCH_DROP_CACHES").is_none_or(|v| v != "1") {
        return false;
    }
    let synced = std::process::Command::new("sync")
        .status()
        .is_ok_and(|s| s.success());
    synced
        && std::fs::OpenOptions::new()
            .write(true)
            .open("/proc/sys/vm/drop_caches")
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"3\n"))
            .is_ok()
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("KHRONIKA_BENCH_RECORDS")
        .ok()
        .map(|s| {
            s.replace('_', "")
                .parse()
                .expect("KHRONIKA_BENCH_RECORDS: a number")
        })
        .unwrap_or(if benching { 1_000_000 } else { 2_000 });
    let seed: u64 = std::env::var("KHRONIKA_BENCH_SEED")
        .ok()
        .map(|s| s.parse().expect("KHRONIKA_BENCH_SEED: a number"))
        .unwrap_or(1);
    let base = std::env::var_os("KHRONIKA_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &base {
        Some(b) => {
            std::fs::create_dir_all(b).unwrap();
            tempfile::tempdir_in(b).unwrap()
        }
        None => tempfile::tempdir().unwrap(),
    };
    let path = dir.path().join("records.db");
    let key = IndexKey::from_bytes([0x42; 32]);
    println!(
        "records index benchmark: {n} records, batches of 10,000 revisions, in {}",
        dir.path().display()
    );

    // Apply.
    let mut index = RecordIndex::open(&path, &key).unwrap();
    let mut g = Generator {
        rng: Rng(seed),
        next_rev: 0,
        records: 0,
        pending: Vec::new(),
        cases: Vec::new(),
    };
    let device = [7u8; 16];
    let mut position = 0u64;
    let mut applying = Duration::ZERO;
    let mut revisions = 0usize;
    let mut payload = 0usize;
    let started = Instant::now();
    while g.records < n || !g.pending.is_empty() {
        let mut batch = Vec::with_capacity(10_000);
        while batch.len() < 10_000 {
            if g.records >= n && g.pending.is_empty() {
                break;
            }
            let Some(rev) = g.revision() else { break };
            batch.push((
                Position {
                    device,
                    index: position,
                },
                rev,
            ));
            position += 1;
        }
        revisions += batch.len();
        payload += batch
            .iter()
            .map(|(_, r)| serde_json::to_string(&r.fields).unwrap().len())
            .sum::<usize>();
        let covered = BTreeMap::from([(device, position)]);
        let t = Instant::now();
        let applied = index.apply(&batch, &covered).unwrap();
        applying += t.elapsed();
        assert!(applied.refused.is_empty());
    }
    let records = index.count().unwrap();
    let total = started.elapsed();
    index.close().unwrap();
    let bytes = folder_bytes(dir.path());
    println!(
        "apply: {records} records ({revisions} revisions) in {:.1} s of apply calls ({:.1} s with generation): {:.0} records/s, {:.0} revisions/s",
        applying.as_secs_f64(),
        total.as_secs_f64(),
        records as f64 / applying.as_secs_f64(),
        revisions as f64 / applying.as_secs_f64(),
    );
    println!(
        "file size: {:.1} MiB ({:.0} bytes per record; the revisions' fields are {:.1} MiB of JSON)",
        bytes as f64 / 1048576.0,
        bytes as f64 / records as f64,
        payload as f64 / 1048576.0,
    );

    // Open cold and count.
    let dropped = drop_os_cache();
    let t = Instant::now();
    let index = RecordIndex::open(&path, &key).unwrap();
    let count = index.count().unwrap();
    let open = t.elapsed();
    println!(
        "open + count ({}): {:.1} ms, {count} records",
        if dropped {
            "cold: new connection, OS page cache dropped"
        } else {
            "new connection; OS page cache as left by the writes"
        },
        ms(open)
    );
    assert_eq!(count, records);

    // Case pages: 1,000 random cases right after the reopen (each page read from the file, or
    // from the disk when the OS cache was dropped), then the same cases again (decrypted pages
    // in SQLite's cache).
    let mut rng = Rng(seed ^ 0xcafe);
    let cases: Vec<RecordId> = (0..1_000)
        .map(|_| g.cases[rng.below(g.cases.len())].0)
        .collect();
    for pass in ["first read", "again"] {
        let mut times = Vec::with_capacity(cases.len());
        let mut shown = 0usize;
        for case in &cases {
            let t = Instant::now();
            let page = index
                .case_page(case)
                .unwrap()
                .expect("every case has a page");
            times.push(t.elapsed());
            assert!(!page.events.is_empty() && !page.persons.is_empty());
            shown += page.gathered.len() + page.interventions.len() + page.links.len();
        }
        times.sort();
        println!(
            "case_page, 1,000 random cases, {pass} ({:.1} records each): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            shown as f64 / 1_000.0,
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.95)),
            ms(percentile(&times, 0.99)),
            ms(times[times.len() - 1]),
        );
    }

    let t = Instant::now();
    let first = index.list(None, 50, 0).unwrap();
    println!("list (first 50): {:.2} ms", ms(t.elapsed()));
    assert_eq!(first.len(), 50.min(records as usize));

    match peak_rss_mib() {
        Some(mib) => println!("peak memory (VmHWM): {mib:.0} MiB"),
        None => println!("peak memory: unknown (no /proc/self/status)"),
    }
}
