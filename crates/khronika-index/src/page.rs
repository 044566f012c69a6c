//! A case page's data in a few indexed queries: the case, what it gathers, its events with
//! their acts, the persons and units those events name, and the interventions about it.
//!
//! Forward references (what the case gathers, whom its events name) are read from the
//! records themselves; backward ones (the links and interventions that name the case, one of
//! its events or one of their acts) from the `refs` table's index on the referenced record.
//! Each record is fetched once, by its key. Nothing is scanned, so a page costs the same in a
//! vault of a thousand records as in one of a million.

use std::collections::{BTreeMap, BTreeSet};

use khronika_domain::revision::FoldedRecord;
use khronika_domain::{Record, RecordId, RecordKind};

use crate::error::IndexError;
use crate::index::RecordIndex;
use crate::state::Summary;

/// Everything a case page shows. Each list but `gathered` is sorted by label, then id.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePage {
    /// The case.
    pub case: FoldedRecord,
    /// The records the case gathers (its `records`) that the index holds, in the case's
    /// order. Acts are not records of their own and are not listed here; their events are.
    pub gathered: Vec<Summary>,
    /// The events the case gathers, each with its acts (in its value and record).
    pub events: Vec<FoldedRecord>,
    /// The persons the case gathers, and every person those events name as a victim or a
    /// perpetrator.
    pub persons: Vec<FoldedRecord>,
    /// The units and organisations the case gathers, and every one those events name.
    pub units: Vec<FoldedRecord>,
    /// The interventions the case gathers, those whose `concerns` name one of its events or
    /// their acts, and those a link joins to the case, one of its events or their acts.
    pub interventions: Vec<FoldedRecord>,
    /// The links with one end at the case, one of its events or one of their acts.
    pub links: Vec<FoldedRecord>,
    /// Records named above (gathered, victims, perpetrators, ends of links) that the index
    /// does not hold: not synced yet, or in a compartment this index does not cover. Sorted.
    pub missing: Vec<RecordId>,
}

/// Records fetched once each, and the ids not found.
struct Fetcher<'a> {
    index: &'a RecordIndex,
    found: BTreeMap<RecordId, FoldedRecord>,
    missing: BTreeSet<RecordId>,
}

impl Fetcher<'_> {
    fn get(&mut self, id: RecordId) -> Result<Option<&FoldedRecord>, IndexError> {
        if !self.found.contains_key(&id) && !self.missing.contains(&id) {
            match self.index.get(&id)? {
                Some(r) => {
                    self.found.insert(id, r);
                }
                None => {
                    self.missing.insert(id);
                }
            }
        }
        Ok(self.found.get(&id))
    }

    /// The records among `ids` that were found, sorted by label, then id.
    fn section(&self, ids: &BTreeSet<RecordId>) -> Vec<FoldedRecord> {
        let mut out: Vec<(Summary, FoldedRecord)> = ids
            .iter()
            .filter_map(|id| self.found.get(id))
            .map(|r| (Summary::of(r), r.clone()))
            .collect();
        out.sort_by(|a, b| a.0.list_order(&b.0));
        out.into_iter().map(|(_, r)| r).collect()
    }
}

impl RecordIndex {
    /// The data of the page of case `id`; `None` if the index holds no such case (or `id` is
    /// not a case's).
    pub fn case_page(&self, id: &RecordId) -> Result<Option<CasePage>, IndexError> {
        if id.kind() != RecordKind::Case {
            return Ok(None);
        }
        let Some(case) = self.get(id)? else {
            return Ok(None);
        };
        let mut f = Fetcher {
            index: self,
            found: BTreeMap::new(),
            missing: BTreeSet::new(),
        };
        let gathered_ids: Vec<RecordId> = match &case.record {
            Ok(Record::Case(c)) => c.records.clone(),
            _ => self.references_from(id)?,
        };

        let mut gathered = Vec::new();
        let mut by_kind: BTreeMap<RecordKind, BTreeSet<RecordId>> = BTreeMap::new();
        for &g in &gathered_ids {
            if g.kind() == RecordKind::Act || g == *id {
                continue;
            }
            if let Some(r) = f.get(g)? {
                gathered.push(Summary::of(r));
                by_kind.entry(g.kind()).or_default().insert(g);
            }
        }
        let mut section = |k: RecordKind| by_kind.remove(&k).unwrap_or_default();
        let events = section(RecordKind::Event);
        let mut persons = section(RecordKind::Person);
        let mut units = section(RecordKind::Unit);
        let mut interventions = section(RecordKind::Intervention);

        // Whom the events name, and what may point at the case: the case, its events, their
        // acts.
        let mut named = BTreeSet::new();
        let mut targets = vec![*id];
        for e in &events {
            targets.push(*e);
            if let Some(FoldedRecord {
                record: Ok(Record::Event(event)),
                ..
            }) = f.found.get(e)
            {
                for act in &event.acts {
                    targets.push(act.id);
                    named.extend(act.victim);
                }
                named.extend(event.involvements.iter().filter_map(|i| i.perpetrator));
            }
        }
        for n in named {
            if f.get(n)?.is_some() {
                match n.kind() {
                    RecordKind::Person => persons.insert(n),
                    RecordKind::Unit => units.insert(n),
                    _ => false,
                };
            }
        }

        // Backward: links and interventions that name a target.
        let mut links = BTreeSet::new();
        for t in &targets {
            for src in self.references_to(t, RecordKind::Intervention)? {
                if f.get(src)?.is_some() {
                    interventions.insert(src);
                }
            }
            for src in self.references_to(t, RecordKind::Link)? {
                let ends: Vec<RecordId> = match f.get(src)? {
                    Some(FoldedRecord {
                        record: Ok(Record::Link(link)),
                        ..
                    }) => [link.from, link.to].into_iter().flatten().collect(),
                    _ => continue,
                };
                links.insert(src);
                for end in ends {
                    if end.kind() == RecordKind::Intervention && f.get(end)?.is_some() {
                        interventions.insert(end);
                    }
                }
            }
        }

        Ok(Some(CasePage {
            gathered,
            events: f.section(&events),
            persons: f.section(&persons),
            units: f.section(&units),
            interventions: f.section(&interventions),
            links: f.section(&links),
            missing: f.missing.iter().copied().collect(),
            case,
        }))
    }
}
