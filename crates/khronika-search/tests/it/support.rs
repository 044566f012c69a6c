//! Helpers: records made from JSON, an index in a temporary folder, searches by text.

use khronika_domain::{Record, RecordId};
use khronika_search::{Filters, SearchIndex, SearchKey, SearchQuery, Settings};

pub fn key() -> SearchKey {
    SearchKey::from_bytes([0x5a; 32])
}

pub fn settings() -> Settings {
    Settings {
        cache_bytes: 1 << 20,
        writer_threads: 1,
        writer_memory: 20_000_000,
    }
}

pub fn open(dir: &std::path::Path) -> SearchIndex {
    SearchIndex::open_with(dir, &key(), settings()).unwrap()
}

/// A record id of `kind` (`V`, `P`, `T`…) numbered `n`.
pub fn id(letter: char, n: u32) -> String {
    format!("{letter}-{:026}", n)
}

pub fn record(json: serde_json::Value) -> Record {
    serde_json::from_value(json).unwrap()
}

pub fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        fuzzy: false,
        filters: Filters::default(),
        limit: 100,
        facets: false,
    }
}

/// The ids found for `q`, sorted.
pub fn found(index: &SearchIndex, q: &SearchQuery) -> Vec<String> {
    let r = index.search(q).unwrap();
    assert_eq!(r.total, r.hits.len(), "raise the limit of this test");
    let mut ids: Vec<String> = r.hits.iter().map(|h| h.id.to_string()).collect();
    ids.sort();
    ids
}

pub fn ids(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

pub fn rid(s: &str) -> RecordId {
    RecordId::parse(s).unwrap()
}
