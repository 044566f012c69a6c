//! Snippets: the passage of a record's text with the most query words in it, and where they
//! are, matched the way the search matched them (stem, Russian prefix, cross-script key, and
//! for a fuzzy search, a key one or two letters off).

use std::ops::Range;

use crate::query::{Plan, QueryWord, levenshtein_within};
use crate::text::{Lang, Stemmers, Word, words};
use crate::translit;

/// Words in a snippet.
const WINDOW: usize = 24;
/// Words shown before the first match.
const LEAD: usize = 4;

/// A passage of a record's text with the matched words marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    /// The passage (whole words; `…` where it was cut).
    pub text: String,
    /// Byte ranges of the matched words in `text`.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The passage with each match between `open` and `close` (`[`, `]`, or `<b>`, `</b>`
    /// for HTML, after escaping).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut at = 0;
        for h in &self.highlights {
            if h.start < at || h.end > self.text.len() {
                continue;
            }
            out.push_str(&self.text[at..h.start]);
            out.push_str(open);
            out.push_str(&self.text[h.clone()]);
            out.push_str(close);
            at = h.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

fn matches(word: &Word, q: &QueryWord, fuzzy: bool, stemmers: &Stemmers) -> bool {
    if word.norm == q.norm {
        return true;
    }
    let stem = stemmers.stem(&word.norm, Lang::RussianEnglish);
    if q.stems.iter().any(|s| *s == stem) {
        return true;
    }
    if let Some(p) = &q.prefix
        && stem.starts_with(p.as_str())
    {
        return true;
    }
    let keys = translit::word_keys(&word.norm, stemmers);
    if keys.iter().any(|k| q.keys.contains(k)) {
        return true;
    }
    fuzzy
        && keys.iter().any(|k| {
            q.keys.iter().any(|qk| {
                let d = QueryWord::fuzzy_distance(qk);
                d > 0 && levenshtein_within(k, qk, usize::from(d))
            })
        })
}

/// The best snippet of `body` for `plan`, or `None` if no word of it appears.
pub fn snippet(body: &str, plan: &Plan, stemmers: &Stemmers) -> Option<Snippet> {
    let ws = words(body);
    let hit: Vec<bool> = ws
        .iter()
        .map(|w| {
            plan.all_words()
                .any(|q| matches(w, q, plan.fuzzy, stemmers))
        })
        .collect();
    // The window of WINDOW words with the most matches, starting LEAD words before one.
    let mut best: Option<(usize, usize)> = None;
    for (i, _) in hit.iter().enumerate().filter(|(_, h)| **h) {
        let start = i.saturating_sub(LEAD);
        let end = (start + WINDOW).min(ws.len());
        let n = hit[start..end].iter().filter(|h| **h).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((start, n));
        }
    }
    let (start, _) = best?;
    // A text shorter than the window is shown whole.
    let end = (start + WINDOW).min(ws.len());
    let start = start.min(end.saturating_sub(WINDOW));
    let first = ws.get(start)?;
    let last = ws.get(end.checked_sub(1)?)?;
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    let base = first.from;
    let offset = text.len();
    // At the end of the text, its last punctuation too.
    let stop = if end < ws.len() {
        last.to
    } else {
        body.trim_end().len().max(last.to)
    };
    text.push_str(&body[base..stop]);
    if end < ws.len() {
        text.push('…');
    }
    let highlights = (start..end)
        .filter(|&i| hit[i])
        .map(|i| ws[i].from - base + offset..ws[i].to - base + offset)
        .collect();
    Some(Snippet { text, highlights })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str, query: &str, fuzzy: bool, want: &str) {
        let s = Stemmers::default();
        let plan = Plan::new(query, fuzzy, &s);
        let got = snippet(body, &plan, &s).map(|s| s.marked("[", "]"));
        assert_eq!(got.as_deref(), Some(want), "{query}");
    }

    #[test]
    fn marks_forms_scripts_and_fuzzy() {
        check(
            "Свидетель показал, что его пытали сотрудники Кадырова.",
            "пытки Kadyrov",
            false,
            "Свидетель показал, что его [пытали] сотрудники [Кадырова].",
        );
        check(
            "He was tortured at the checkpoint by men of Qadirov",
            "torture Кадыров",
            false,
            "He was [tortured] at the checkpoint by men of [Qadirov]",
        );
        check("Witness: Kadirof", "Kadyrov", true, "Witness: [Kadirof]");
    }

    #[test]
    fn a_long_text_is_cut_around_the_matches() {
        let body = format!("{} Грозный {}", "слово ".repeat(50), "ещё ".repeat(50));
        let s = Stemmers::default();
        let plan = Plan::new("Grozny", false, &s);
        let sn = snippet(&body, &plan, &s).unwrap();
        assert!(
            sn.text.starts_with('…') && sn.text.ends_with('…'),
            "{}",
            sn.text
        );
        assert_eq!(sn.highlights.len(), 1);
        assert_eq!(&sn.text[sn.highlights[0].clone()], "Грозный");
        assert!(snippet("nothing here", &plan, &s).is_none());
    }
}
