//! Case pages: the case, what it gathers, its events with their acts, the persons and units
//! those events name, the interventions about it (gathered, concerning its events or acts,
//! or joined by links), its links, and what is named but not in the index; nothing of other
//! cases. Pages follow edits.

use khronika_domain::revision::FoldedRecord;
use khronika_domain::{LinkKind, Record, RecordId, RecordKind, Revision};
use khronika_index::{ChangeMark, Summary};
use serde_json::json;

use crate::support::{self, apply, apply_from, case, create, edit, folder, id, open, person, rid};

fn p(n: u8) -> RecordId {
    id(RecordKind::Person, n)
}
fn u(n: u8) -> RecordId {
    id(RecordKind::Unit, n)
}
fn v(n: u8) -> RecordId {
    id(RecordKind::Event, n)
}
fn i(n: u8) -> RecordId {
    id(RecordKind::Intervention, n)
}
fn l(n: u8) -> RecordId {
    id(RecordKind::Link, n)
}
fn a(n: u8) -> RecordId {
    id(RecordKind::Act, n)
}

fn ids(records: &[FoldedRecord]) -> Vec<RecordId> {
    records.iter().map(|r| r.id).collect()
}

/// Case 1 and its surroundings, and case 2 with its own, which must not leak into case 1's
/// page.
fn vault() -> Vec<Revision> {
    let t1 = id(RecordKind::Testimony, 1);
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    let records: Vec<Record> = vec![
        // Case 1 gathers two events, a person, a unit, an intervention, a testimony, a
        // person the index does not hold, and an act.
        support::case(
            1,
            "Ачхой-Мартан",
            vec![v(1), v(2), p(10), u(10), i(1), t1, p(99), a(1)],
        )
        .into(),
        support::event(1, "Б: detention", &[(1, p(1)), (2, u(2))], &[u(1), p(2)]).into(),
        support::event(2, "А: beating", &[(3, p(98))], &[p(2)]).into(),
        support::person(1, "Ислам", "Дадашев").into(),
        support::person(2, "Гюрза", "").into(),
        support::person(10, "Witness", "").into(),
        support::unit(1, "ППС-2").into(),
        support::unit(2, "Office of the NGO").into(),
        support::unit(10, "Прокуратура").into(),
        support::intervention(1, "Investigative Committee", vec![]).into(),
        support::intervention(2, "Prosecutor", vec![v(2)]).into(),
        support::intervention(3, "Ombudsman", vec![a(1)]).into(),
        support::intervention(4, "ECtHR", vec![]).into(),
        support::intervention(5, "UN WGAD", vec![]).into(),
        support::link(1, i(4), LinkKind::RelatedTo, v(1)).into(),
        support::link(2, id(RecordKind::Case, 1), LinkKind::RelatedTo, i(5)).into(),
        support::link(3, t1, LinkKind::Supports, v(1)).into(),
        // Case 2, unrelated.
        support::case(2, "Other", vec![v(3), p(4)]).into(),
        support::event(3, "Other event", &[(4, p(4))], &[u(3)]).into(),
        support::person(4, "Other", "Victim").into(),
        support::unit(3, "Other unit").into(),
        support::intervention(6, "Other complaint", vec![v(3)]).into(),
        support::intervention(7, "Other appeal", vec![]).into(),
        support::link(4, i(7), LinkKind::RelatedTo, v(3)).into(),
        support::person(5, "Unrelated", "").into(),
    ];
    let mut revs: Vec<Revision> = records.into_iter().map(|r| create(next(), r)).collect();
    // The testimony, written as a raw create (its fixture type is not needed here).
    revs.push(edit(
        next(),
        t1,
        &[],
        json!({"type": "testimony", "id": t1.to_string(), "title": "Statement of W-17"}),
    ));
    revs
}

#[test]
fn a_case_page_gathers_the_right_records() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    apply(&mut index, &vault());
    let page = index.case_page(&id(RecordKind::Case, 1)).unwrap().unwrap();

    assert_eq!(page.case.id, id(RecordKind::Case, 1));
    let gathered: Vec<RecordId> = page.gathered.iter().map(|s: &Summary| s.id).collect();
    assert_eq!(
        gathered,
        vec![v(1), v(2), p(10), u(10), i(1), id(RecordKind::Testimony, 1)],
        "in the case's order; the missing person and the act are not listed"
    );
    // Sorted by label: "А: beating" before "Б: detention".
    assert_eq!(ids(&page.events), vec![v(2), v(1)]);
    let acts: Vec<RecordId> = page
        .events
        .iter()
        .flat_map(|e| match &e.record {
            Ok(Record::Event(ev)) => ev.acts.iter().map(|a| a.id).collect(),
            _ => vec![],
        })
        .collect();
    assert_eq!(acts, vec![a(3), a(1), a(2)]);
    // Persons: the gathered witness, the victim, the perpetrator (by label: Latin before
    // Cyrillic).
    assert_eq!(ids(&page.persons), vec![p(10), p(2), p(1)]);
    assert_eq!(ids(&page.units), vec![u(2), u(1), u(10)]);
    let mut interventions = ids(&page.interventions);
    interventions.sort();
    assert_eq!(interventions, vec![i(1), i(2), i(3), i(4), i(5)]);
    let mut links = ids(&page.links);
    links.sort();
    assert_eq!(links, vec![l(1), l(2), l(3)]);
    assert_eq!(page.missing, vec![p(98), p(99)]);
}

#[test]
fn a_case_page_follows_edits() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    let revs = vault();
    let n = revs.len() as u32;
    apply(&mut index, &revs);
    // Event 1 loses its victim P1; the case stops gathering event 2 (and with it the
    // intervention that concerns event 2).
    let e1 = support::event(1, "Б: detention", &[(2, u(2))], &[u(1), p(2)]);
    let e1_create = revs.iter().find(|r| r.record == v(1)).unwrap().id;
    let c1_create = revs
        .iter()
        .find(|r| r.record == id(RecordKind::Case, 1))
        .unwrap()
        .id;
    let acts = serde_json::to_value(&e1.acts).unwrap();
    let mut edit_event = edit(n + 1, v(1), &[], json!({"acts": acts}));
    edit_event.supersedes = vec![e1_create];
    let records: Vec<String> = [v(1), p(10), u(10), i(1)]
        .iter()
        .map(|r| r.to_string())
        .collect();
    let mut edit_case = edit(
        n + 2,
        id(RecordKind::Case, 1),
        &[],
        json!({"records": records}),
    );
    edit_case.supersedes = vec![c1_create];
    apply_from(&mut index, u64::from(n), &[edit_event, edit_case]);

    let page = index.case_page(&id(RecordKind::Case, 1)).unwrap().unwrap();
    assert_eq!(ids(&page.events), vec![v(1)]);
    assert_eq!(ids(&page.persons), vec![p(10), p(2)]);
    let mut interventions = ids(&page.interventions);
    interventions.sort();
    // I3 concerned act 1, which is gone with its victim; I2 concerned event 2.
    assert_eq!(interventions, vec![i(1), i(4), i(5)]);
    assert!(page.missing.is_empty());
}

#[test]
fn only_cases_in_the_index_have_pages() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    apply(&mut index, &vault());
    assert!(
        index
            .case_page(&id(RecordKind::Case, 77))
            .unwrap()
            .is_none()
    );
    assert!(index.case_page(&v(1)).unwrap().is_none());
    let other = index.case_page(&id(RecordKind::Case, 2)).unwrap().unwrap();
    assert_eq!(ids(&other.events), vec![v(3)]);
    assert_eq!(ids(&other.persons), vec![p(4)]);
    assert_eq!(ids(&other.units), vec![u(3)]);
    let mut interventions = ids(&other.interventions);
    interventions.sort();
    assert_eq!(interventions, vec![i(6), i(7)]);
    assert_eq!(ids(&other.links), vec![l(4)]);
}

#[test]
fn ids_and_acts_are_found_by_owner_and_by_prefix() {
    let (_dir, path) = support::folder();
    let mut index = support::open(&path);
    apply(&mut index, &vault());
    assert_eq!(index.owner(&v(1)).unwrap(), Some(v(1)));
    assert_eq!(index.owner(&a(1)).unwrap(), Some(v(1)));
    assert_eq!(index.owner(&a(3)).unwrap(), Some(v(2)));
    assert_eq!(index.owner(&a(9)).unwrap(), None);
    assert_eq!(index.owner(&p(99)).unwrap(), None);
    // An edit that drops an act takes it out of the event's definitions.
    let dropped = edit(1000, v(2), &[3], json!({ "acts": [] }));
    apply_from(&mut index, 1000, &[dropped]);
    assert_eq!(index.owner(&a(3)).unwrap(), None);
    let full = p(1).to_string();
    assert_eq!(index.find_prefix(&full, 5).unwrap(), vec![p(1)]);
    assert_eq!(index.find_prefix(&full[..12], 5).unwrap(), vec![p(1)]);
    let people = index.find_prefix("P-", 50);
    assert!(
        people.is_ok_and(|v| v.is_empty()),
        "an empty prefix names nothing"
    );
    let all_people = index.find_prefix("P-0", 50).unwrap();
    assert!(all_people.contains(&p(1)) && all_people.contains(&p(10)));
    assert!(all_people.iter().all(|id| id.kind() == RecordKind::Person));
    assert_eq!(index.find_prefix("P-9", 5).unwrap(), vec![]);
}

#[test]
fn an_index_in_memory_answers_as_one_on_disk() {
    let (_dir, path) = support::folder();
    let mut disk = support::open(&path);
    let mut memory = khronika_index::RecordIndex::open_in_memory(&path, &support::key()).unwrap();
    apply(&mut disk, &vault());
    apply(&mut memory, &vault());
    assert_eq!(
        khronika_index::IndexState::of_index(&memory).unwrap(),
        khronika_index::IndexState::of_index(&disk).unwrap()
    );
    let case = id(RecordKind::Case, 1);
    assert_eq!(
        memory.case_page(&case).unwrap(),
        disk.case_page(&case).unwrap()
    );
}

#[test]
fn changes_since_a_mark_name_the_records_revised_and_a_rebuilt_index_is_noticed() {
    let (_d, path) = folder();
    let mut ix = open(&path);
    let p = id(RecordKind::Person, 1);
    let q = id(RecordKind::Person, 2);
    assert_eq!(ix.change_mark().unwrap(), ChangeMark::default());
    apply(
        &mut ix,
        &[
            create(1, person(1, "Ruslan", "Kh.")),
            create(2, person(2, "Aslan", "M.")),
        ],
    );
    let (all, m1) = ix.changed_since(&ChangeMark::default()).unwrap().unwrap();
    assert_eq!(all, {
        let mut v = vec![p, q];
        v.sort();
        v
    });
    assert_eq!(m1.revision, Some(rid(2)));
    apply_from(
        &mut ix,
        2,
        &[edit(3, q, &[2], serde_json::json!({"notes": "x"}))],
    );
    let (changed, m2) = ix.changed_since(&m1).unwrap().unwrap();
    assert_eq!(changed, vec![q]);
    assert_eq!(
        ix.changed_since(&m2).unwrap().unwrap().0,
        Vec::<RecordId>::new()
    );
    // A case gathering a person.
    apply_from(&mut ix, 3, &[create(4, case(9, "Case", vec![p]))]);
    assert_eq!(
        ix.cases_gathering(&p).unwrap(),
        vec![id(RecordKind::Case, 9)]
    );
    // A mark that is not a point of this index's history (another index, or rebuilt).
    let foreign = ChangeMark {
        seq: m2.seq,
        revision: Some(rid(99)),
    };
    assert_eq!(ix.changed_since(&foreign).unwrap(), None);
}
