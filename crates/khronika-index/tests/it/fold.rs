//! The index equals the fold: for any revisions (creates, edits, concurrent edits and their
//! conflicts, missing creates, malformed revisions, repeats), applied in any batches and any
//! order, with reopens between batches, what the index shows is what
//! `khronika_domain::Fold` gives for the same revisions. And the scenarios behind it:
//! conflicts and their resolution, idempotent re-apply, log positions, refusals, lists.

use std::collections::{BTreeMap, BTreeSet};

use khronika_domain::{Fold, LinkKind, RecordId, RecordKind, Revision, RevisionId};
use khronika_index::{IndexState, Position, Summary};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{self, apply, apply_from, create, device, edit, id, rid};

// ---- the property ----

/// The records the generated revisions write: a case, a person and an event.
fn record(r: u8) -> RecordId {
    match r % 3 {
        0 => id(RecordKind::Case, 1),
        1 => id(RecordKind::Person, 2),
        _ => id(RecordKind::Event, 3),
    }
}

/// Field names each record's edits draw from (valid ones, and `notes` on a case, which makes
/// the value an invalid record).
fn field_name(record: RecordId, n: u8) -> &'static str {
    let names: &[&str] = match record.kind() {
        RecordKind::Case => &["title", "summary", "records", "responsible", "notes"],
        RecordKind::Person => &["names", "pseudonym", "notes", "birth_year"],
        _ => &["title", "description", "acts", "involvements"],
    };
    names[usize::from(n) % names.len()]
}

/// A value for a field: text (ASCII, Cyrillic), `null`, lists of references, an act list, or
/// an arbitrary float (which must survive storage bit for bit).
fn field_value(field: &str, n: u8, float: f64) -> Value {
    let person = id(RecordKind::Person, 2).to_string();
    let event = id(RecordKind::Event, 3).to_string();
    let unit = id(RecordKind::Unit, 9).to_string();
    match (field, n % 6) {
        (_, 0) => Value::Null,
        (_, 1) => json!(float),
        ("records", 2) => json!([person, event]),
        ("records", 3) => json!([unit]),
        ("names", 2 | 3) => json!([{"given": "Ислам", "surname": format!("Дадашев-{n}")}]),
        ("acts", 2 | 3) => json!([{
            "id": id(RecordKind::Act, 4).to_string(),
            "victim": if n.is_multiple_of(2) { person } else { unit.clone() },
        }]),
        ("involvements", 2 | 3) => json!([{"perpetrator": unit, "role": "carried_out"}]),
        ("birth_year", 2 | 3) => json!(format!("around 19{}", 50 + n % 40)),
        (_, 2) => json!(format!("Задержание у блокпоста №{n}")),
        (_, 3) => json!(format!("title {n}")),
        (_, 4) => json!("same"),
        _ => json!(["a", 1, {"b": null}]),
    }
}

/// One generated revision, before it is given its record's context.
#[derive(Debug, Clone)]
struct Spec {
    record: u8,
    /// Which earlier revisions of the record it supersedes (indices, modulo their count).
    parents: Vec<u8>,
    fields: Vec<(u8, u8)>,
    float: f64,
    /// 0: its record's create is left out; 1: it supersedes itself; 2: it also supersedes an
    /// unknown revision; 3: a create that forgets `type`; other: none.
    flaw: u8,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..3u8,
        vec(any::<u8>(), 0..3),
        vec((any::<u8>(), any::<u8>()), 1..3),
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        0..24u8,
    )
        .prop_map(|(record, parents, fields, float, flaw)| Spec {
            record,
            parents,
            fields,
            float,
            flaw,
        })
}

/// The revisions the specs describe, with distinct ids in a random order of bytes (so that id
/// order and causal order differ).
fn build(specs: &[Spec], ids: &[u8]) -> Vec<Revision> {
    let mut out: Vec<Revision> = Vec::new();
    let mut of_record: BTreeMap<u8, Vec<RevisionId>> = BTreeMap::new();
    for (i, s) in specs.iter().enumerate() {
        let rec = record(s.record);
        let mut bytes = [0u8; 32];
        bytes[0] = ids[i];
        bytes[1] = 0xee;
        let rev_id = RevisionId(bytes);
        let earlier = of_record.entry(s.record % 3).or_default();
        let mut fields: BTreeMap<String, Value> = s
            .fields
            .iter()
            .map(|&(f, v)| {
                let name = field_name(rec, f);
                (name.to_owned(), field_value(name, v, s.float))
            })
            .collect();
        let mut supersedes = Vec::new();
        if earlier.is_empty() && s.flaw != 0 {
            // The create.
            fields.insert("type".into(), json!(rec.kind().as_str()));
            fields.insert("id".into(), json!(rec.to_string()));
            if s.flaw == 3 {
                fields.remove("type");
            }
        } else if earlier.is_empty() {
            // An edit of a create never seen.
            supersedes.push(RevisionId([0xab; 32]));
        } else {
            for &p in &s.parents {
                supersedes.push(earlier[usize::from(p) % earlier.len()]);
            }
            if supersedes.is_empty() {
                supersedes.push(earlier[earlier.len() - 1]);
            }
        }
        if s.flaw == 1 {
            supersedes.push(rev_id);
        }
        if s.flaw == 2 {
            supersedes.push(RevisionId([0xcd; 32]));
        }
        earlier.push(rev_id);
        out.push(Revision {
            id: rev_id,
            record: rec,
            supersedes,
            fields,
            author: format!("автор-{i}"),
            time_ms: i64::try_from(i).unwrap() * 1_000 - 5_000,
            origin: format!("d{}:{i}", i % 2),
        });
    }
    out
}

/// Revisions, the order and batches to apply them in, repeats, and when to reopen.
#[allow(clippy::type_complexity)]
fn plan() -> impl Strategy<Value = (Vec<Revision>, Vec<usize>, Vec<usize>, Vec<bool>)> {
    vec(spec(), 1..16)
        .prop_flat_map(|specs| {
            let n = specs.len();
            let ids: Vec<u8> = (0..=255u8).collect();
            (
                Just(specs),
                Just(ids).prop_shuffle(),
                // The order of application, with some revisions repeated.
                (vec(0..n, 0..4), Just((0..n).collect::<Vec<usize>>())).prop_flat_map(
                    |(extra, mut all)| {
                        all.extend(extra);
                        Just(all).prop_shuffle()
                    },
                ),
                vec(1..6usize, 1..8),
                vec(any::<bool>(), 8),
            )
        })
        .prop_map(|(specs, ids, order, batches, reopen)| {
            (build(&specs, &ids), order, batches, reopen)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_index_equals_the_fold((revs, order, batches, reopen) in plan()) {
        let (_dir, path) = support::folder();
        let mut index = support::open(&path);
        let mut fold = Fold::new();
        let mut refused_by_fold = BTreeSet::new();
        let mut next: BTreeMap<[u8; 16], u64> = BTreeMap::new();
        let mut queue = order.iter().map(|&i| &revs[i]).peekable();
        let mut round = 0;
        while queue.peek().is_some() {
            let size = batches[round % batches.len()];
            let mut batch = Vec::new();
            for rev in queue.by_ref().take(size) {
                let dev = device(u8::try_from(batch.len() % 2).unwrap());
                let at = next.entry(dev).or_insert(0);
                batch.push((Position { device: dev, index: *at }, rev.clone()));
                *at += 1;
                if fold.apply(rev.clone()).is_err() {
                    refused_by_fold.insert(rev.id);
                }
            }
            let applied = index.apply(&batch, &next).unwrap();
            prop_assert_eq!(applied.stored + applied.already + applied.refused.len(), batch.len());
            if reopen[round % reopen.len()] {
                index.close().unwrap();
                index = support::open(&path);
            }
            let got = IndexState::of_index(&index).unwrap();
            prop_assert_eq!(&got, &IndexState::of_fold(&fold));
            prop_assert_eq!(index.applied().unwrap(), next.clone());
            let refused: BTreeSet<RevisionId> =
                index.refused().unwrap().iter().map(|r| r.revision).collect();
            prop_assert_eq!(&refused, &refused_by_fold);
            round += 1;
        }
        // Every field's history, one field at a time, too.
        for id in fold.ids() {
            for field in ["title", "names", "acts", "type", "nothing"] {
                prop_assert_eq!(
                    index.history(id, Some(field)).unwrap(),
                    fold.history(id, Some(field))
                );
            }
        }
        // Applying everything again, in one batch, changes nothing.
        let before = IndexState::of_index(&index).unwrap();
        let all: Vec<(Position, Revision)> = revs
            .iter()
            .map(|r| (Position { device: device(9), index: 0 }, r.clone()))
            .collect();
        let again = index.apply(&all, &BTreeMap::new()).unwrap();
        prop_assert_eq!(again.stored, 0);
        prop_assert_eq!(IndexState::of_index(&index).unwrap(), before);
        index.check().unwrap();
    }
}

// ---- scenarios ----

#[test]
fn create_edit_conflict_and_resolution() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    let c = support::case(1, "Задержания в декабре", vec![]);
    let cid = c.id;
    let revs = vec![
        create(1, c),
        edit(2, cid, &[1], json!({"title": "Detentions, Dec. 2014"})),
        // Two concurrent edits of the same field.
        edit(3, cid, &[2], json!({"summary": "first version"})),
        edit(4, cid, &[2], json!({"summary": "second version"})),
    ];
    apply(&mut index, &revs);
    let s = index.get(&cid).unwrap().unwrap();
    assert_eq!(s.heads, vec![rid(3), rid(4)]);
    assert_eq!(s.conflicts.len(), 1);
    assert_eq!(s.conflicts[0].field, "summary");
    assert_eq!(s.value["summary"], json!("first version"));
    assert_eq!((s.created_ms, s.updated_ms, s.revisions), (1000, 4000, 4));
    let listed = index.list(None, 10, 0).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].conflicts, 1);
    assert_eq!(listed[0].label, "Detentions, Dec. 2014");

    // A person resolves it with an edit that supersedes both heads.
    let mut case = match s.record.clone().unwrap() {
        khronika_domain::Record::Case(c) => c,
        other => panic!("not a case: {other:?}"),
    };
    case.summary = "second version".into();
    let resolve = s.edit(&case.into(), &["summary"]).unwrap().into_revision(
        rid(5),
        "m".into(),
        5_000,
        "d".into(),
    );
    apply_from(&mut index, 4, &[resolve]);
    let s = index.get(&cid).unwrap().unwrap();
    assert!(s.conflicts.is_empty());
    assert_eq!(s.heads, vec![rid(5)]);
    assert_eq!(s.value["summary"], json!("second version"));

    let h = index.history(&cid, Some("summary")).unwrap();
    let written: Vec<(RevisionId, Value)> =
        h.iter().map(|c| (c.revision, c.value.clone())).collect();
    assert_eq!(
        written,
        vec![
            (rid(1), json!("")),
            (rid(3), json!("first version")),
            (rid(4), json!("second version")),
            (rid(5), json!("second version")),
        ]
    );
    assert_eq!(h[1].author, "member-3");
    assert_eq!(h[1].origin, "dev:3");
}

#[test]
fn reapplying_is_idempotent_and_positions_never_go_back() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    let revs = [
        create(1, support::person(2, "Ислам", "Дадашев")),
        create(2, support::unit(3, "ОМОН")),
    ];
    let batch: Vec<(Position, Revision)> = revs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                Position {
                    device: device(1),
                    index: i as u64,
                },
                r.clone(),
            )
        })
        .collect();
    let first = index
        .apply(&batch, &BTreeMap::from([(device(1), 2)]))
        .unwrap();
    assert_eq!((first.stored, first.already, first.records), (2, 0, 2));
    let state = IndexState::of_index(&index).unwrap();

    // The same batch again, with an older count of entries covered.
    let again = index
        .apply(&batch, &BTreeMap::from([(device(1), 1), (device(2), 7)]))
        .unwrap();
    assert_eq!((again.stored, again.already, again.records), (0, 2, 0));
    assert!(again.refused.is_empty());
    assert_eq!(IndexState::of_index(&index).unwrap(), state);
    assert_eq!(
        index.applied().unwrap(),
        BTreeMap::from([(device(1), 2), (device(2), 7)])
    );
    assert_eq!(index.count().unwrap(), 2);
}

#[test]
fn refused_revisions_are_kept_aside_and_the_batch_goes_on() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    let p = support::person(2, "Ислам", "Дадашев");
    let pid = p.id;
    let good = create(1, p);
    // Same id, other content: a forged or damaged log.
    let mut forged = good.clone();
    forged.author = "someone else".into();
    let selfish = edit(3, pid, &[3], json!({"notes": "x"}));
    let mut no_type = create(4, support::unit(5, "U"));
    no_type.fields.remove("type");
    let later = edit(5, pid, &[1], json!({"notes": "after the bad ones"}));
    let batch: Vec<(Position, Revision)> = [good, forged, selfish, no_type, later]
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            (
                Position {
                    device: device(1),
                    index: i as u64,
                },
                r,
            )
        })
        .collect();
    let applied = index
        .apply(&batch, &BTreeMap::from([(device(1), 5)]))
        .unwrap();
    assert_eq!(applied.stored, 2);
    let codes: Vec<(u64, &str)> = applied
        .refused
        .iter()
        .map(|r| (r.position.index, r.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (1, "duplicate_revision"),
            (2, "supersedes_itself"),
            (3, "incomplete_create")
        ]
    );
    assert_eq!(index.refused().unwrap(), applied.refused);
    let s = index.get(&pid).unwrap().unwrap();
    assert_eq!(s.value["notes"], json!("after the bad ones"));
    assert_eq!(s.revisions, 2);
    assert_eq!(index.count().unwrap(), 1);
    assert_eq!(index.applied().unwrap()[&device(1)], 5);
}

#[test]
fn lists_sort_by_kind_label_and_id_and_page() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    let link = support::link(
        2,
        id(RecordKind::Person, 3),
        LinkKind::SamePersonAs,
        id(RecordKind::Person, 4),
    );
    let link_label = link.label();
    let revs = vec![
        create(1, support::person(5, "Яна", "")),
        create(2, support::person(4, "Анна", "")),
        create(3, support::person(3, "Zed", "")),
        create(4, support::case(9, "Дело", vec![])),
        create(5, support::unit(1, "ОМОН")),
        create(6, link),
        // An edit whose create is not known: listed under its id.
        edit(
            7,
            id(RecordKind::Person, 6),
            &[99],
            json!({"notes": "orphan"}),
        ),
    ];
    apply(&mut index, &revs);
    let all = index.list(None, 100, 0).unwrap();
    let labels: Vec<(RecordKind, String)> = all.iter().map(|s| (s.kind, s.label.clone())).collect();
    let orphan = id(RecordKind::Person, 6);
    assert_eq!(
        labels,
        vec![
            (RecordKind::Case, "Дело".into()),
            (RecordKind::Person, orphan.short()),
            (RecordKind::Person, "Zed".into()),
            (RecordKind::Person, "Анна".into()),
            (RecordKind::Person, "Яна".into()),
            (RecordKind::Unit, "ОМОН".into()),
            (RecordKind::Link, link_label),
        ]
    );
    assert!(
        all[1].error.is_some(),
        "an orphan edit is not a valid record"
    );
    assert!(
        all.iter()
            .filter(|s| s.id != orphan)
            .all(|s| s.error.is_none())
    );

    let persons = index.list(Some(RecordKind::Person), 2, 1).unwrap();
    let ids: Vec<RecordId> = persons.iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        vec![id(RecordKind::Person, 3), id(RecordKind::Person, 4)]
    );
    assert!(index.list(Some(RecordKind::Act), 10, 0).unwrap().is_empty());
    assert!(index.list(None, 10, 100).unwrap().is_empty());
    assert_eq!(index.count().unwrap(), 7);
    let summary: &Summary = &all[0];
    assert_eq!((summary.revisions, summary.updated_ms), (1, 4000));
}

#[test]
fn references_follow_the_current_value() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    let p = id(RecordKind::Person, 2);
    let u = id(RecordKind::Unit, 3);
    let c = support::case(1, "Case", vec![p]);
    let cid = c.id;
    apply(&mut index, &[create(1, c)]);
    let refs = IndexState::of_index(&index).unwrap().references;
    assert_eq!(refs, BTreeSet::from([(cid, p)]));
    apply_from(
        &mut index,
        1,
        &[edit(2, cid, &[1], json!({"records": [u.to_string()]}))],
    );
    let refs = IndexState::of_index(&index).unwrap().references;
    assert_eq!(refs, BTreeSet::from([(cid, u)]));
}
