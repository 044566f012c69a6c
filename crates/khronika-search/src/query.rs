//! What a search asks for: the query text read into words and quoted phrases, each word with
//! every form it is looked up by, and the filters. Pure; [`crate::SearchIndex`] turns a
//! [`Plan`] into a tantivy query, and [`crate::snippet`] uses it to mark matches.

use khronika_domain::{Date, RecordId, RecordKind};

use crate::text::{Lang, Stemmers, russian_prefix, word_is_cyrillic, words};
use crate::translit;

/// What to search for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Words (all must match, in any form or script) and `"quoted phrases"` (their words in
    /// order). Empty: every record that passes the filters.
    pub text: String,
    /// Also find names and words one or two letters off (by their cross-script keys).
    pub fuzzy: bool,
    /// Restrictions.
    pub filters: Filters,
    /// Most hits to return.
    pub limit: usize,
    /// Also count every match by record type and act type ([`crate::Facets`]).
    pub facets: bool,
}

/// Restrictions on what a search returns. Each set restriction must hold; within a list,
/// any item may.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Record types.
    pub kinds: Vec<RecordKind>,
    /// Evidence files too, as a type (with `kinds` empty: evidence files only).
    pub evidence: bool,
    /// Act types (`types_of_acts/01000000000004`, or the code alone).
    pub acts: Vec<String>,
    /// Records whose dates may fall on or after this day.
    pub from: Option<Date>,
    /// Records whose dates may fall on or before this day.
    pub to: Option<Date>,
    /// A place, as told (`Grozny`, `Грозный`: matched across scripts, every word).
    pub place: Option<String>,
    /// Records gathered in this case.
    pub case: Option<RecordId>,
}

/// One query word and every form it is looked up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// Its normal form.
    pub norm: String,
    /// Stems to look up in the text (for a Cyrillic word, the Russian stem and the word
    /// itself, for texts in Chechen, which are not stemmed).
    pub stems: Vec<String>,
    /// For a Cyrillic word, a shorter prefix of its stem that also finds forms Snowball
    /// stems differently (weighted lower).
    pub prefix: Option<String>,
    /// Its cross-script keys.
    pub keys: Vec<String>,
}

impl QueryWord {
    /// Read one normalised word.
    pub fn new(norm: &str, stemmers: &Stemmers) -> QueryWord {
        let mut stems = vec![stemmers.stem(norm, Lang::RussianEnglish).into_owned()];
        let mut prefix = None;
        if word_is_cyrillic(norm) {
            if !stems.iter().any(|s| s == norm) {
                stems.push(norm.to_owned());
            }
            prefix = russian_prefix(&stems[0]);
        }
        QueryWord {
            norm: norm.to_owned(),
            stems,
            prefix,
            keys: translit::word_keys(norm, stemmers),
        }
    }

    /// The Levenshtein distance allowed for a key of this many characters in a fuzzy
    /// search: none up to 3, one up to 5, two from 6 on.
    pub fn fuzzy_distance(key: &str) -> u8 {
        match key.chars().count() {
            0..=3 => 0,
            4..=5 => 1,
            _ => 2,
        }
    }
}

/// A query text, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Words outside quotes: each must match.
    pub words: Vec<QueryWord>,
    /// Quoted phrases of two words or more: each must match, words in order.
    pub phrases: Vec<Vec<QueryWord>>,
    /// Whether fuzzy matching is on.
    pub fuzzy: bool,
}

impl Plan {
    /// Read a query text: `"..."` quotes a phrase (an unclosed quote runs to the end); a
    /// quoted single word is just a word.
    pub fn new(text: &str, fuzzy: bool, stemmers: &Stemmers) -> Plan {
        let mut plan = Plan {
            fuzzy,
            ..Plan::default()
        };
        for (i, part) in text.split(['"', '«', '»', '“', '”']).enumerate() {
            let ws: Vec<QueryWord> = words(part)
                .iter()
                .map(|w| QueryWord::new(&w.norm, stemmers))
                .collect();
            if i % 2 == 1 && ws.len() > 1 {
                plan.phrases.push(ws);
            } else {
                plan.words.extend(ws);
            }
        }
        plan
    }

    /// Whether the query has no words at all.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    /// Every word, in phrases too.
    pub fn all_words(&self) -> impl Iterator<Item = &QueryWord> {
        self.words.iter().chain(self.phrases.iter().flatten())
    }
}

/// Levenshtein distance between two strings, by characters, stopping early past `max`.
pub fn levenshtein_within(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_phrases() {
        let s = Stemmers::default();
        let p = Plan::new("Кадыров \"tortured at the checkpoint\" «пытали»", false, &s);
        let words: Vec<&str> = p.words.iter().map(|w| w.norm.as_str()).collect();
        assert_eq!(words, vec!["кадыров", "пытали"]);
        assert_eq!(p.phrases.len(), 1);
        let phrase: Vec<&str> = p.phrases[0].iter().map(|w| w.stems[0].as_str()).collect();
        assert_eq!(phrase, vec!["tortur", "at", "the", "checkpoint"]);
        assert!(!p.is_empty());
        assert!(Plan::new("  ", false, &s).is_empty());
    }

    #[test]
    fn a_cyrillic_word_has_its_stem_itself_a_prefix_and_a_key() {
        let s = Stemmers::default();
        let w = QueryWord::new("пытали", &s);
        assert_eq!(w.stems, vec!["пыта", "пытали"]);
        assert_eq!(w.prefix.as_deref(), Some("пыт"));
        assert_eq!(w.keys, vec!["pitali", "pita"]);
        let w = QueryWord::new("tortured", &s);
        assert_eq!(w.stems, vec!["tortur"]);
        assert_eq!(w.prefix, None);
    }

    #[test]
    fn levenshtein() {
        assert!(levenshtein_within("kadirov", "kadirov", 0));
        assert!(levenshtein_within("kadirov", "kadyrov", 1));
        assert!(!levenshtein_within("kadirov", "kadyrow", 1));
        assert!(levenshtein_within("kadirov", "kadyrow", 2));
        assert!(!levenshtein_within("kadirov", "kadiev", 1));
        assert!(levenshtein_within("", "ab", 2));
        assert!(!levenshtein_within("", "abc", 2));
        assert_eq!(QueryWord::fuzzy_distance("abc"), 0);
        assert_eq!(QueryWord::fuzzy_distance("ahmed"), 1);
        assert_eq!(QueryWord::fuzzy_distance("kadirov"), 2);
    }
}
