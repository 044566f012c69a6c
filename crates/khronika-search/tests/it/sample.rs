//! The sample dataset: every record indexed, one index per compartment, and searches whose
//! answers are checked against the records' own text.

use std::collections::BTreeMap;

use khronika_domain::{Record, RecordId, RecordKind};
use khronika_search::{SearchIndex, SearchKey, Settings};

use crate::support::*;

/// Index each compartment of the sample in its own folder, under its own key.
fn sample_indexes(root: &std::path::Path) -> BTreeMap<String, (SearchIndex, Vec<Record>)> {
    let archive = khronika_domain::sample::sample().unwrap();
    let mut out = BTreeMap::new();
    for (n, c) in archive.compartments.into_iter().enumerate() {
        let records = c.records.into_records();
        // Which cases gather each record.
        let mut cases: BTreeMap<RecordId, Vec<RecordId>> = BTreeMap::new();
        for r in &records {
            if let Record::Case(case) = r {
                for m in &case.records {
                    cases.entry(*m).or_default().push(case.id);
                }
            }
        }
        let key = SearchKey::from_bytes([n as u8 + 1; 32]);
        let settings = Settings {
            cache_bytes: 1 << 20,
            writer_threads: 1,
            writer_memory: 20_000_000,
        };
        let mut ix = SearchIndex::open_with(&root.join(&c.name), &key, settings).unwrap();
        for r in &records {
            ix.add(r, cases.get(&r.id()).map_or(&[][..], |v| v))
                .unwrap();
        }
        ix.commit().unwrap();
        assert_eq!(ix.len() as usize, records.len());
        out.insert(c.name, (ix, records));
    }
    out
}

fn body(r: &Record) -> String {
    khronika_search::IndexDoc::of(r, &[]).body().to_lowercase()
}

#[test]
fn the_sample_is_searchable_across_forms_and_scripts() {
    let t = tempfile::tempdir().unwrap();
    let all = sample_indexes(t.path());
    let total: usize = all.values().map(|(_, r)| r.len()).sum();
    assert_eq!(total, 310);
    // Every record whose text has a form of "пытка" is found by each form, in every
    // compartment.
    let mut checked = 0;
    for (ix, records) in all.values() {
        let mut want: Vec<String> = records
            .iter()
            .filter(|r| {
                let b = body(r);
                ["пытк", "пыток", "пыта"].iter().any(|s| b.contains(s))
            })
            .map(|r| r.id().to_string())
            .collect();
        want.sort();
        checked += want.len();
        for q in ["пытки", "пыток", "пытали"] {
            assert_eq!(found(ix, &query(q)), want, "{q}");
        }
    }
    assert!(checked >= 3, "{checked}");
    let (chechnya, _) = &all["chechnya-2019-2021"];

    // Akhmed Elmurzayev, as written in the sample in Cyrillic and in Latin, and as others
    // spell him.
    let elmurzaev = found(chechnya, &query("Эльмурзаев"));
    assert!(elmurzaev.len() >= 3, "{elmurzaev:?}");
    for q in ["Elmurzayev", "Elmurzaev", "Elmurzajew", "ЭЛЬМУРЗАЕВ"] {
        let got = found(chechnya, &query(q));
        for id in &elmurzaev {
            assert!(got.contains(id), "{q}: {id} missing");
        }
    }
    // Latin spellings find the same records as each other, all of which the Cyrillic name
    // finds (which also finds the patronymics Ахмедович, Ахмедовна by their prefix).
    let akhmed = found(chechnya, &query("Akhmed"));
    assert!(akhmed.len() >= 5, "{akhmed:?}");
    let cyrillic = found(chechnya, &query("Ахмед"));
    for id in &akhmed {
        assert!(cyrillic.contains(id), "{id}");
    }
    for q in ["Ahmed", "Achmed", "Axmed"] {
        assert_eq!(found(chechnya, &query(q)), akhmed, "{q}");
    }

    // Grozny in Latin finds every record with Грозный in any case form (Грозный also finds
    // Грозненский, by its prefix).
    let latin = found(chechnya, &query("Grozny"));
    let cyrillic = found(chechnya, &query("Грозный"));
    assert!(latin.len() >= 5, "{latin:?}");
    for id in &latin {
        assert!(cyrillic.contains(id), "{id}");
    }
}

#[test]
fn a_compartment_index_holds_only_its_records() {
    let t = tempfile::tempdir().unwrap();
    let all = sample_indexes(t.path());
    for (name, (ix, records)) in &all {
        let mine: Vec<String> = records.iter().map(|r| r.id().to_string()).collect();
        let mut q = query("");
        q.limit = 10_000;
        for id in found(ix, &q) {
            assert!(mine.contains(&id), "{name}: {id}");
        }
        // Each type filter returns exactly the records of that type.
        for kind in [RecordKind::Case, RecordKind::Event, RecordKind::Testimony] {
            let mut q = query("");
            q.limit = 10_000;
            q.filters.kinds = vec![kind];
            let mut want: Vec<String> = records
                .iter()
                .filter(|r| r.kind() == kind)
                .map(|r| r.id().to_string())
                .collect();
            want.sort();
            assert_eq!(found(ix, &q), want, "{name} {kind}");
        }
    }
    // Another compartment's key does not open an index.
    let err =
        SearchIndex::open(&t.path().join("crimea"), &SearchKey::from_bytes([1; 32])).unwrap_err();
    assert_eq!(err.code(), "search-wrong-key");
}

#[test]
fn english_sample_text_is_stemmed() {
    let t = tempfile::tempdir().unwrap();
    let all = sample_indexes(t.path());
    let mut detained = Vec::new();
    let mut detain = Vec::new();
    for (ix, _) in all.values() {
        detained.extend(found(ix, &query("detained")));
        detain.extend(found(ix, &query("detain")));
    }
    assert!(!detained.is_empty());
    assert_eq!(detained, detain);
}
