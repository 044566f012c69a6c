//! What the search index takes from a record: its texts (each with its declared language),
//! the names in it, its places, act types, dates and cases. Pure; [`crate::SearchIndex`]
//! turns an [`IndexDoc`] into tantivy fields.

use khronika_domain::{
    Date, FuzzyDate, Provider, Record, RecordId, RecordKind, TermRef, Testimony,
};

/// One record as the search index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDoc {
    /// The record's id.
    pub id: RecordId,
    /// Its type.
    pub kind: RecordKind,
    /// What to call it in a list of results.
    pub label: String,
    /// Every text of the record, each with its declared language (ISO 639) if any.
    pub texts: Vec<(String, Option<String>)>,
    /// Names: of persons, units, pseudonyms, addressees; matched across scripts with a
    /// higher weight.
    pub names: Vec<String>,
    /// Places as told.
    pub places: Vec<String>,
    /// Act types, as `list/code` and as `code`.
    pub acts: Vec<String>,
    /// The days the record's dates may fall on, from the earliest to the latest (a date of
    /// month precision spans its month; "around" widens it; an open range runs to the end
    /// of time).
    pub span: Option<(Date, Date)>,
    /// The cases the record is gathered in (a case is in its own).
    pub cases: Vec<RecordId>,
}

fn push_text(texts: &mut Vec<(String, Option<String>)>, s: &str, lang: Option<&str>) {
    let s = s.trim();
    if !s.is_empty() {
        texts.push((s.to_owned(), lang.map(str::to_owned)));
    }
}

fn widen(span: &mut Option<(Date, Date)>, d: &Option<FuzzyDate>) {
    let Some(d) = d else { return };
    let from = d.earliest().unwrap_or(Date::MIN);
    let to = d.latest().unwrap_or(Date::MAX);
    *span = Some(match *span {
        None => (from, to),
        Some((a, b)) => (a.min(from), b.max(to)),
    });
}

fn widen_day(span: &mut Option<(Date, Date)>, d: Option<Date>) {
    if let Some(d) = d {
        *span = Some(match *span {
            None => (d, d),
            Some((a, b)) => (a.min(d), b.max(d)),
        });
    }
}

fn term_forms(t: &TermRef) -> [String; 2] {
    [t.to_string(), t.code.clone()]
}

fn provider_name(p: &Option<Provider>, names: &mut Vec<String>) {
    if let Some(Provider::Pseudonym(s)) = p
        && !s.trim().is_empty()
    {
        names.push(s.trim().to_owned());
    }
}

fn testimony(t: &Testimony, d: &mut IndexDoc) {
    let lang = t.language.as_ref().map(|l| l.as_str());
    push_text(&mut d.texts, &t.title, None);
    push_text(&mut d.texts, &t.transcript, lang);
    push_text(&mut d.texts, &t.interview.notes, None);
    push_text(&mut d.texts, &t.interview.by, None);
    push_text(&mut d.texts, &t.interview.place, None);
    if !t.interview.place.trim().is_empty() {
        d.places.push(t.interview.place.trim().to_owned());
    }
    if !t.interview.by.trim().is_empty() {
        d.names.push(t.interview.by.trim().to_owned());
    }
    provider_name(&t.given_by, &mut d.names);
    widen(&mut d.span, &t.interview.date);
}

impl IndexDoc {
    /// What to index of `record`, gathered in `cases` (the caller knows which cases gather
    /// it; a case is added to its own list).
    pub fn of(record: &Record, cases: &[RecordId]) -> IndexDoc {
        let mut d = IndexDoc {
            id: record.id(),
            kind: record.kind(),
            label: record.label(),
            texts: Vec::new(),
            names: Vec::new(),
            places: Vec::new(),
            acts: Vec::new(),
            span: None,
            cases: cases.to_vec(),
        };
        match record {
            Record::Case(c) => {
                push_text(&mut d.texts, &c.title, None);
                push_text(&mut d.texts, &c.summary, None);
                push_text(&mut d.texts, &c.responsible, None);
                if !d.cases.contains(&c.id) {
                    d.cases.push(c.id);
                }
            }
            Record::Event(e) => {
                push_text(&mut d.texts, &e.title, None);
                push_text(&mut d.texts, &e.description, None);
                push_text(&mut d.texts, &e.place.text, None);
                if !e.place.text.trim().is_empty() {
                    d.places.push(e.place.text.trim().to_owned());
                }
                widen(&mut d.span, &e.date);
                for a in &e.acts {
                    push_text(&mut d.texts, &a.notes, None);
                    if let Some(t) = &a.act_type {
                        d.acts.extend(term_forms(t));
                    }
                    widen(&mut d.span, &a.date);
                }
                for i in &e.involvements {
                    push_text(&mut d.texts, &i.notes, None);
                }
            }
            Record::Person(p) => {
                for n in &p.names {
                    let full = n.full();
                    push_text(&mut d.texts, &full, None);
                    if !full.trim().is_empty() {
                        d.names.push(full);
                    }
                }
                if !p.pseudonym.trim().is_empty() {
                    d.names.push(p.pseudonym.trim().to_owned());
                    push_text(&mut d.texts, &p.pseudonym, None);
                }
                for m in &p.memberships {
                    push_text(&mut d.texts, &m.position, None);
                }
                push_text(&mut d.texts, &p.notes, None);
            }
            Record::Unit(u) => {
                for n in &u.names {
                    push_text(&mut d.texts, &n.name, None);
                    if !n.name.trim().is_empty() {
                        d.names.push(n.name.trim().to_owned());
                    }
                }
                push_text(&mut d.texts, &u.notes, None);
            }
            Record::Source(s) => {
                let lang = s.language.as_ref().map(|l| l.as_str());
                push_text(&mut d.texts, &s.title, None);
                push_text(&mut d.texts, &s.description, lang);
                provider_name(&s.provider, &mut d.names);
                widen(&mut d.span, &s.date);
            }
            Record::Testimony(t) => testimony(t, &mut d),
            Record::Intervention(i) => {
                push_text(&mut d.texts, &i.addressee, None);
                push_text(&mut d.texts, &i.filed_by, None);
                push_text(&mut d.texts, &i.reference, None);
                push_text(&mut d.texts, &i.notes, None);
                if let Some(r) = &i.reply {
                    push_text(&mut d.texts, &r.text, None);
                }
                if let Some(n) = &i.next_step {
                    push_text(&mut d.texts, &n.text, None);
                }
                for n in [&i.addressee, &i.filed_by] {
                    if !n.trim().is_empty() {
                        d.names.push(n.trim().to_owned());
                    }
                }
                widen(&mut d.span, &i.filed);
                widen_day(&mut d.span, i.deadline);
            }
            Record::Link(l) => push_text(&mut d.texts, &l.note, None),
        }
        d
    }

    /// The texts joined, one per line: what snippets are cut from.
    pub fn body(&self) -> String {
        let mut out = String::new();
        for (t, _) in &self.texts {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_records() -> Vec<Record> {
        let a = khronika_domain::sample::sample().unwrap();
        a.compartments
            .into_iter()
            .flat_map(|c| c.records.into_records())
            .collect()
    }

    #[test]
    fn every_sample_record_gives_text_and_events_give_dates_and_acts() {
        let records = sample_records();
        assert!(records.len() >= 300, "{}", records.len());
        let mut events = 0;
        for r in &records {
            let d = IndexDoc::of(r, &[]);
            assert_eq!(d.id, r.id());
            if let Record::Event(e) = r {
                events += 1;
                if e.date.is_some() {
                    let (from, to) = d.span.unwrap();
                    assert!(from <= to);
                }
                if e.acts.iter().any(|a| a.act_type.is_some()) {
                    assert!(!d.acts.is_empty(), "{}", e.id);
                }
            }
            if let Record::Case(c) = r {
                assert!(d.cases.contains(&c.id));
                assert!(d.body().contains(c.title.trim()));
            }
        }
        assert!(events > 20);
    }

    #[test]
    fn a_month_spans_its_month() {
        let e: Record = serde_json::from_value(serde_json::json!({
            "type": "event",
            "id": "V-0000000000000000000000000A",
            "title": "Задержание",
            "date": "2019-02",
        }))
        .unwrap();
        let d = IndexDoc::of(&e, &[]);
        assert_eq!(
            d.span,
            Some((
                Date::parse("2019-02-01").unwrap(),
                Date::parse("2019-02-28").unwrap()
            ))
        );
    }
}
