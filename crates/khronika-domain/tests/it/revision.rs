//! Revisions and the fold: revision ids, creates and edits, history, concurrent edits and
//! their conflicts, resolution, out-of-order arrival, malformed input, and properties (any
//! order of arrival gives the same state, which matches a naive reading of the rules).

use std::collections::{BTreeMap, BTreeSet};

use khronika_domain::revision::{ID_FIELD, TYPE_FIELD};
use khronika_domain::{
    Case, ChangeError, Edit, Fold, FoldError, Record, RecordId, RecordKind, Revision, RevisionId,
    changes,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::fixtures::{self, id};

/// A fixed revision id: 32 copies of `n`.
fn rid(n: u8) -> RevisionId {
    RevisionId([n; 32])
}

fn case_id() -> RecordId {
    fixtures::case().id
}

/// The create of `case` as revision `n`.
fn create(n: u8, case: &Case) -> Revision {
    Edit::create(&Record::Case(case.clone()))
        .unwrap()
        .into_revision(
            rid(n),
            format!("m-{n}"),
            1_000 * i64::from(n),
            format!("d:{n}"),
        )
}

/// Revision `n` of the fixture case, superseding `supersedes` and writing `fields` (a JSON
/// object).
fn edit(n: u8, supersedes: &[u8], fields: Value) -> Revision {
    let Value::Object(fields) = fields else {
        panic!("fields must be an object")
    };
    Revision {
        id: rid(n),
        record: case_id(),
        supersedes: supersedes.iter().map(|&s| rid(s)).collect(),
        fields: fields.into_iter().collect(),
        author: format!("m-{n}"),
        time_ms: 1_000 * i64::from(n),
        origin: format!("d:{n}"),
    }
}

fn fold(revs: &[Revision]) -> Fold {
    let mut f = Fold::new();
    for r in revs {
        f.apply(r.clone()).unwrap();
    }
    f
}

fn titled(title: &str) -> Case {
    Case {
        title: title.into(),
        ..fixtures::case()
    }
}

/// The conflicts of the fixture case as `field: id=value, id=value` lines (short ids).
fn conflicts(f: &Fold) -> Vec<String> {
    let s = f.get(&case_id()).unwrap();
    s.conflicts
        .iter()
        .map(|c| {
            let cands: Vec<String> = c
                .candidates
                .iter()
                .map(|(id, v)| format!("{}={v}", &id.short()[..2]))
                .collect();
            format!("{}: {}", c.field, cands.join(", "))
        })
        .collect()
}

#[test]
fn revision_ids_parse_and_format() {
    let id = RevisionId([0xab; 32]);
    let text = "ab".repeat(32);
    assert_eq!(id.to_string(), text);
    assert_eq!(id.short(), "abababababab");
    assert_eq!(RevisionId::parse(&text), Ok(id));
    assert_eq!(RevisionId::parse(&text.to_uppercase()), Ok(id));
    assert_eq!(format!(" {text}\n").parse::<RevisionId>(), Ok(id));
    assert_eq!(format!("{id:?}"), format!("RevisionId({text})"));
    let mut bytes = [0u8; 32];
    bytes[0] = 0x01;
    bytes[31] = 0xf0;
    let text = format!("01{}f0", "00".repeat(30));
    assert_eq!(RevisionId(bytes).to_string(), text);
    assert_eq!(RevisionId::parse(&text), Ok(RevisionId(bytes)));

    let table: &[(&str, &str)] = &[
        ("", "a revision id has 64 hex characters, this one has 0"),
        ("abc", "a revision id has 64 hex characters, this one has 3"),
        (
            &"0".repeat(65),
            "a revision id has 64 hex characters, this one has 65",
        ),
        (
            &format!("{}g", "0".repeat(63)),
            "\"g\" cannot appear in a revision id (use 0-9 and a-f)",
        ),
        (
            &format!("{}ж", "0".repeat(63)),
            "\"ж\" cannot appear in a revision id (use 0-9 and a-f)",
        ),
        (
            &format!("0x{}", "0".repeat(62)),
            "\"x\" cannot appear in a revision id (use 0-9 and a-f)",
        ),
    ];
    for (input, expect) in table {
        let got = RevisionId::parse(input).unwrap_err().to_string();
        assert_eq!(&got, expect, "input {input:?}");
    }
}

/// The JSON form of a revision. A change here is a deliberate format change.
#[test]
fn revision_json_vector() {
    let rev = edit(2, &[1], json!({"title": "New title", "summary": null}));
    let text = serde_json::to_string_pretty(&rev).unwrap();
    let expect = format!(
        r#"{{
  "id": "{}",
  "record": "{}",
  "supersedes": [
    "{}"
  ],
  "fields": {{
    "summary": null,
    "title": "New title"
  }},
  "author": "m-2",
  "time_ms": 2000,
  "origin": "d:2"
}}"#,
        "02".repeat(32),
        case_id(),
        "01".repeat(32)
    );
    assert_eq!(text, expect);
    let back: Revision = serde_json::from_str(&text).unwrap();
    assert_eq!(back, rev);

    let bad = text.replace("\"origin\"", "\"extra\": 1, \"origin\"");
    assert!(serde_json::from_str::<Revision>(&bad).is_err());
    let bad = text.replace(&"02".repeat(32), "02");
    let err = serde_json::from_str::<Revision>(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("64 hex characters"), "{err}");
}

#[test]
fn every_record_survives_create_and_fold() {
    let mut f = Fold::new();
    let records = fixtures::record_set().into_records();
    for (n, r) in records.iter().enumerate() {
        let e = Edit::create(r).unwrap();
        assert!(e.fields.contains_key(TYPE_FIELD) && e.fields.contains_key(ID_FIELD));
        let n = u8::try_from(n).unwrap();
        f.apply(e.into_revision(rid(n), "m".into(), 0, "d".into()))
            .unwrap();
    }
    assert_eq!(f.len(), records.len());
    assert_eq!(f.revision_count(), records.len());
    let ids: Vec<RecordId> = f.ids().copied().collect();
    let mut sorted: Vec<RecordId> = records.iter().map(Record::id).collect();
    sorted.sort();
    assert_eq!(ids, sorted);
    for r in &records {
        let s = f.get(&r.id()).unwrap();
        assert_eq!(s.record.as_ref(), Ok(r), "{}", r.id());
        assert!(s.value.values().all(|v| !v.is_null()), "nulls are dropped");
        assert!(!s.has_conflicts());
        // Saving an unchanged record writes nothing.
        assert!(s.edit(r, &[]).unwrap().is_empty());
    }
}

#[test]
fn create_then_edit_gives_the_new_value_and_the_history() {
    let original = fixtures::case();
    let mut f = fold(&[create(1, &original)]);
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.heads, vec![rid(1)]);
    assert_eq!((s.created_ms, s.updated_ms, s.revisions), (1000, 1000, 1));

    let renamed = titled("Detentions at the checkpoint");
    let e = s.edit(&Record::Case(renamed.clone()), &[]).unwrap();
    assert_eq!(e.supersedes, vec![rid(1)]);
    assert_eq!(
        e.fields,
        BTreeMap::from([("title".to_owned(), json!("Detentions at the checkpoint"))])
    );
    f.apply(e.into_revision(rid(2), "m-2".into(), 2000, "d:2".into()))
        .unwrap();

    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.record, Ok(Record::Case(renamed)));
    assert_eq!(s.heads, vec![rid(2)]);
    assert_eq!((s.created_ms, s.updated_ms, s.revisions), (1000, 2000, 2));

    let h = f.history(&case_id(), Some("title"));
    let got: Vec<(RevisionId, Value, &str, i64, &str)> = h
        .iter()
        .map(|c| {
            (
                c.revision,
                c.value.clone(),
                c.author.as_str(),
                c.time_ms,
                c.origin.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (rid(1), json!(original.title), "m-1", 1000, "d:1"),
            (
                rid(2),
                json!("Detentions at the checkpoint"),
                "m-2",
                2000,
                "d:2"
            ),
        ]
    );
    assert!(h.iter().all(|c| c.field == "title"));
    // Every field: the create's seven fields in name order, then the edit.
    let all: Vec<String> = f
        .history(&case_id(), None)
        .iter()
        .map(|c| format!("{}:{}", &c.revision.short()[..2], c.field))
        .collect();
    assert_eq!(
        all,
        [
            "01:compartment",
            "01:id",
            "01:records",
            "01:responsible",
            "01:summary",
            "01:title",
            "01:type",
            "02:title"
        ]
    );
    assert!(f.history(&case_id(), Some("nothing")).is_empty());
    assert!(f.history(&id(RecordKind::Case, 99), None).is_empty());
    assert!(f.get(&id(RecordKind::Case, 99)).is_none());
    let order: Vec<RevisionId> = f.revisions(&case_id()).iter().map(|r| r.id).collect();
    assert_eq!(order, [rid(1), rid(2)]);
}

#[test]
fn concurrent_edits_of_one_field_conflict() {
    let f = fold(&[
        create(1, &fixtures::case()),
        edit(3, &[1], json!({"title": "Third"})),
        edit(2, &[1], json!({"title": "Second"})),
    ]);
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.heads, vec![rid(2), rid(3)]);
    assert_eq!(conflicts(&f), [r#"title: 02="Second", 03="Third""#]);
    // The smallest id is shown meanwhile, flagged.
    assert_eq!(s.value["title"], json!("Second"));
    assert!(s.conflict("title").is_some() && s.conflict("summary").is_none());
    assert_eq!(s.updated_ms, 3000);
    let history: Vec<RevisionId> = f
        .history(&case_id(), Some("title"))
        .iter()
        .map(|c| c.revision)
        .collect();
    assert_eq!(history, [rid(1), rid(2), rid(3)]);
}

#[test]
fn concurrent_edits_of_different_fields_merge() {
    let f = fold(&[
        create(1, &fixtures::case()),
        edit(2, &[1], json!({"title": "New title"})),
        edit(3, &[1], json!({"summary": "New summary", "records": []})),
    ]);
    let s = f.get(&case_id()).unwrap();
    assert!(!s.has_conflicts());
    assert_eq!(s.heads, vec![rid(2), rid(3)]);
    let expect = Case {
        title: "New title".into(),
        summary: "New summary".into(),
        records: vec![],
        ..fixtures::case()
    };
    assert_eq!(s.record, Ok(Record::Case(expect)));
}

#[test]
fn equal_concurrent_values_do_not_conflict() {
    let f = fold(&[
        create(1, &fixtures::case()),
        edit(2, &[1], json!({"title": "Same"})),
        edit(3, &[1], json!({"title": "Same"})),
        edit(4, &[1], json!({"summary": null})),
        edit(5, &[1], json!({"summary": null})),
    ]);
    let s = f.get(&case_id()).unwrap();
    assert!(!s.has_conflicts());
    assert_eq!(s.value["title"], json!("Same"));
    assert!(!s.value.contains_key("summary"));
    assert_eq!(s.heads, vec![rid(2), rid(3), rid(4), rid(5)]);
}

#[test]
fn a_removal_concurrent_with_a_value_conflicts() {
    let f = fold(&[
        create(1, &fixtures::case()),
        edit(2, &[1], json!({"summary": null})),
        edit(3, &[1], json!({"summary": "Kept"})),
    ]);
    assert_eq!(conflicts(&f), [r#"summary: 02=null, 03="Kept""#]);
    // The pick is the removal: the field is left out, and the record still reads.
    let s = f.get(&case_id()).unwrap();
    assert!(!s.value.contains_key("summary"));
    let Ok(Record::Case(c)) = s.record else {
        panic!("{:?}", s.record)
    };
    assert_eq!(c.summary, "");
}

#[test]
fn resolution_clears_the_conflict() {
    let mut f = fold(&[
        create(1, &fixtures::case()),
        edit(2, &[1], json!({"title": "Second"})),
        edit(3, &[1], json!({"title": "Third", "summary": "S3"})),
        edit(4, &[1], json!({"summary": "S4"})),
    ]);
    assert_eq!(
        conflicts(&f),
        [
            r#"summary: 03="S3", 04="S4""#,
            r#"title: 02="Second", 03="Third""#
        ]
    );
    let s = f.get(&case_id()).unwrap();

    // Choosing a third title writes it and resolves that field; the summary is not touched
    // and stays in conflict.
    let chosen = Case {
        title: "Agreed".into(),
        summary: "S3".into(),
        ..fixtures::case()
    };
    let e = s.edit(&Record::Case(chosen.clone()), &[]).unwrap();
    assert_eq!(e.supersedes, vec![rid(2), rid(3), rid(4)]);
    assert_eq!(e.fields.keys().collect::<Vec<_>>(), ["title"]);
    let mut g = f.clone();
    g.apply(e.into_revision(rid(5), "m".into(), 5, "d".into()))
        .unwrap();
    assert_eq!(conflicts(&g), [r#"summary: 03="S3", 04="S4""#]);
    assert_eq!(g.get(&case_id()).unwrap().heads, vec![rid(5)]);

    // Choosing the value already shown ("S3", the smallest id's) is not a change, so it
    // must be named as resolved to be written.
    let e = s
        .edit(&Record::Case(chosen.clone()), &["summary", "title"])
        .unwrap();
    assert_eq!(
        e.fields,
        BTreeMap::from([
            ("summary".to_owned(), json!("S3")),
            ("title".to_owned(), json!("Agreed")),
        ])
    );
    f.apply(e.into_revision(rid(5), "m".into(), 5, "d".into()))
        .unwrap();
    let s = f.get(&case_id()).unwrap();
    assert!(!s.has_conflicts());
    assert_eq!(s.heads, vec![rid(5)]);
    assert_eq!(s.record, Ok(Record::Case(chosen)));
    // The history keeps every candidate.
    let summary: Vec<Value> = f
        .history(&case_id(), Some("summary"))
        .into_iter()
        .map(|c| c.value)
        .collect();
    assert_eq!(
        summary,
        [
            json!(fixtures::case().summary),
            json!("S3"),
            json!("S4"),
            json!("S3")
        ]
    );
}

#[test]
fn a_later_edit_wins_over_its_ancestors_whatever_the_clocks() {
    // The edit's author's clock is behind: it still supersedes the create.
    let mut late = edit(2, &[1], json!({"title": "Later"}));
    late.time_ms = -5;
    let f = fold(&[create(1, &fixtures::case()), late]);
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.value["title"], json!("Later"));
    assert_eq!((s.created_ms, s.updated_ms), (1000, -5));
}

#[test]
fn a_field_can_be_removed_and_changes_reports_it() {
    let mut current = Map::new();
    current.insert("type".into(), json!("case"));
    current.insert("id".into(), json!(case_id().to_string()));
    current.insert("legacy".into(), json!("old field"));
    current.insert("title".into(), json!(fixtures::case().title));
    let got = changes(Some(&current), &Record::Case(fixtures::case())).unwrap();
    let expect = [
        ("compartment", json!(fixtures::case().compartment)),
        ("legacy", Value::Null),
        ("records", json!(fixtures::case().records)),
        ("responsible", json!(fixtures::case().responsible)),
        ("summary", json!(fixtures::case().summary)),
    ];
    let expect: BTreeMap<String, Value> =
        expect.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    assert_eq!(got, expect);

    let f = fold(&[
        create(1, &fixtures::case()),
        edit(2, &[1], json!({"title": null})),
    ]);
    let s = f.get(&case_id()).unwrap();
    assert!(!s.value.contains_key("title"));
    assert_eq!(
        s.record.as_ref().map(|r| r.label()),
        Ok(case_id().short()),
        "an empty title"
    );
}

#[test]
fn an_unknown_superseded_revision_is_accepted() {
    let other = Case {
        id: id(RecordKind::Case, 77),
        ..fixtures::case()
    };
    let f = fold(&[
        create(1, &fixtures::case()),
        edit(3, &[1, 2], json!({"title": "Three"})),
        // Supersedes a revision of another record: ignored for this one.
        edit(4, &[1, 9], json!({"summary": "Four"})),
        create(9, &other),
    ]);
    assert_eq!(f.len(), 2);
    assert_eq!(f.get(&other.id).unwrap().heads, vec![rid(9)]);
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.heads, vec![rid(3), rid(4)]);
    assert!(!s.has_conflicts());
    assert_eq!(s.value["title"], json!("Three"));

    // When revision 2 arrives it sits between 1 and 3.
    let mut g = f.clone();
    g.apply(edit(2, &[1], json!({"title": "Two"}))).unwrap();
    let order: Vec<RevisionId> = g.revisions(&case_id()).iter().map(|r| r.id).collect();
    assert_eq!(order, [rid(1), rid(2), rid(3), rid(4)]);
    assert_eq!(g.get(&case_id()).unwrap().value["title"], json!("Three"));
}

#[test]
fn out_of_order_arrival_gives_the_same_state() {
    let revs = [
        create(1, &fixtures::case()),
        edit(2, &[1], json!({"title": "Two"})),
        edit(3, &[2], json!({"summary": "Three"})),
    ];
    let in_order = fold(&revs);

    let mut f = Fold::new();
    f.apply(revs[2].clone()).unwrap();
    // Only an edit is known: its fields show, the record does not read yet.
    let s = f.get(&case_id()).unwrap();
    assert_eq!(
        s.value,
        json!({"summary": "Three"}).as_object().unwrap().clone()
    );
    assert!(s.record.is_err());
    assert_eq!(s.heads, vec![rid(3)]);
    f.apply(revs[1].clone()).unwrap();
    f.apply(revs[0].clone()).unwrap();
    // Applying again changes nothing.
    f.apply(revs[1].clone()).unwrap();

    assert_eq!(f.get(&case_id()), in_order.get(&case_id()));
    assert_eq!(
        f.history(&case_id(), None),
        in_order.history(&case_id(), None)
    );
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.heads, vec![rid(3)]);
    assert_eq!(s.revisions, 3);
    assert_eq!(f.revision_count(), 3);
    assert!(f.contains(&rid(2)) && !f.contains(&rid(4)));
}

#[test]
fn a_value_that_no_longer_parses_is_shown_with_the_error() {
    let f = fold(&[
        create(1, &fixtures::case()),
        edit(2, &[1], json!({"title": 5, "unknown_field": true})),
    ]);
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.value["title"], json!(5));
    let err = s.record.unwrap_err();
    assert!(err.contains("invalid type"), "{err}");
}

#[test]
fn malformed_revisions_are_refused_and_change_nothing() {
    let case = fixtures::case();
    let good = create(1, &case);
    let mut f = fold(std::slice::from_ref(&good));
    let before = f.get(&case_id());

    let mut missing_type = create(2, &case);
    missing_type.fields.remove("type");
    let mut missing_id = create(3, &case);
    missing_id.fields.remove("id");
    let mut wrong_type = create(4, &case);
    wrong_type.fields.insert("type".into(), json!("person"));
    let mut wrong_id = create(5, &case);
    wrong_id
        .fields
        .insert("id".into(), json!(id(RecordKind::Case, 42).to_string()));
    let lower_id = edit(6, &[1], json!({"id": case_id().to_string().to_lowercase()}));
    let null_type = edit(7, &[1], json!({"type": null}));
    let number_id = edit(8, &[1], json!({"id": 1}));
    let looped = edit(9, &[1, 9], json!({"title": "Loop"}));
    let mut twin = good.clone();
    twin.author = "someone else".into();
    let mut other_record = good.clone();
    other_record.record = id(RecordKind::Case, 42);

    let table: Vec<(Revision, &str, String)> = vec![
        (
            missing_type,
            "incomplete_create",
            format!(
                "revision {} creates a record but does not write its type",
                rid(2)
            ),
        ),
        (
            missing_id,
            "incomplete_create",
            format!(
                "revision {} creates a record but does not write its id",
                rid(3)
            ),
        ),
        (
            wrong_type,
            "wrong_identity",
            format!(
                "revision {} writes type \"person\" to a record whose type is \"case\"",
                rid(4)
            ),
        ),
        (
            wrong_id,
            "wrong_identity",
            format!(
                "revision {} writes id \"{}\" to a record whose id is \"{}\"",
                rid(5),
                id(RecordKind::Case, 42),
                case_id()
            ),
        ),
        (
            lower_id,
            "wrong_identity",
            format!(
                "revision {} writes id \"{}\" to a record whose id is \"{}\"",
                rid(6),
                case_id().to_string().to_lowercase(),
                case_id()
            ),
        ),
        (
            null_type,
            "wrong_identity",
            format!(
                "revision {} writes type null to a record whose type is \"case\"",
                rid(7)
            ),
        ),
        (
            number_id,
            "wrong_identity",
            format!(
                "revision {} writes id 1 to a record whose id is \"{}\"",
                rid(8),
                case_id()
            ),
        ),
        (
            looped,
            "supersedes_itself",
            format!("revision {} supersedes itself", rid(9)),
        ),
        (
            twin,
            "duplicate_revision",
            format!(
                "revision {} was already applied with different content; the log is damaged or forged",
                rid(1)
            ),
        ),
        (
            other_record,
            "duplicate_revision",
            format!(
                "revision {} was already applied with different content; the log is damaged or forged",
                rid(1)
            ),
        ),
    ];
    for (rev, code, message) in table {
        let err: FoldError = f.apply(rev.clone()).unwrap_err();
        assert_eq!((err.code(), err.to_string()), (code, message), "{rev:?}");
    }
    assert_eq!(f.get(&case_id()), before);
    assert_eq!((f.len(), f.revision_count()), (1, 1));
    // The same revision again is fine.
    f.apply(good).unwrap();
    assert_eq!(f.get(&case_id()), before);
}

#[test]
fn changes_refuses_a_new_type_or_id() {
    let case = Record::Case(fixtures::case());
    let current = match serde_json::to_value(&case).unwrap() {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let moved = Record::Case(Case {
        id: id(RecordKind::Case, 42),
        ..fixtures::case()
    });
    let err = changes(Some(&current), &moved).unwrap_err();
    assert_eq!(err.code(), "identity_changed");
    assert_eq!(
        err.to_string(),
        format!(
            "a record's id never changes after it is created: it is \"{}\", the edit says \"{}\"; create a new record instead",
            case_id(),
            id(RecordKind::Case, 42)
        )
    );
    let person = Record::Person(fixtures::victim());
    let err = changes(Some(&current), &person).unwrap_err();
    assert!(
        matches!(err, ChangeError::Identity { field: "type", .. }),
        "{err:?}"
    );

    let f = fold(&[create(1, &fixtures::case())]);
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.edit(&moved, &[]).unwrap_err().code(), "identity_changed");
    assert_eq!(s.edit(&person, &[]).unwrap_err().code(), "identity_changed");
    // Naming type or id as resolved never writes them.
    assert!(s.edit(&case, &["type", "id"]).unwrap().is_empty());
}

#[test]
fn a_cycle_does_not_break_the_fold() {
    // Impossible with hash ids, but input may say so: 2 and 3 supersede each other.
    let revs = [
        create(1, &fixtures::case()),
        edit(2, &[1, 3], json!({"title": "Two"})),
        edit(3, &[2], json!({"title": "Three"})),
        edit(4, &[3], json!({"summary": "Four"})),
    ];
    let f = fold(&revs);
    // 2 and 3 are concurrent (each the other's ancestor); 4 supersedes both.
    assert_eq!(conflicts(&f), [r#"title: 02="Two", 03="Three""#]);
    let s = f.get(&case_id()).unwrap();
    assert_eq!(s.heads, vec![rid(4)]);
    let order: Vec<RevisionId> = f.revisions(&case_id()).iter().map(|r| r.id).collect();
    assert_eq!(order, [rid(1), rid(2), rid(3), rid(4)]);
    let mut rev = revs.clone();
    rev.reverse();
    assert_eq!(fold(&rev).get(&case_id()), f.get(&case_id()));
}

// Properties.

const FIELDS: [&str; 3] = ["title", "summary", "responsible"];

/// One generated revision: which earlier (or, if not a DAG, any other) revisions it
/// supersedes, whether it also names an unknown one, and what it writes to each field
/// (`None`: nothing; 3: `null`; else a value).
type Spec = (u16, bool, [Option<u8>; 3]);

/// Revisions of the fixture case from `specs`, with ids from `ids` (distinct, so that the id
/// order differs from the order of generation). Revisions that supersede nothing are
/// creates.
fn build(specs: &[Spec], ids: &[u8], dag: bool) -> Vec<Revision> {
    let n = specs.len();
    let mut out = Vec::new();
    for (i, (mask, unknown, writes)) in specs.iter().enumerate() {
        let mut supersedes: Vec<RevisionId> = (0..n)
            .filter(|&j| mask & (1 << j) != 0 && j != i && (!dag || j < i))
            .map(|j| rid(ids[j]))
            .collect();
        if *unknown {
            supersedes.push(rid(200));
        }
        let mut fields = BTreeMap::new();
        for (f, w) in FIELDS.iter().zip(writes) {
            match w {
                None => {}
                Some(3) => {
                    fields.insert((*f).to_owned(), Value::Null);
                }
                Some(v) => {
                    fields.insert((*f).to_owned(), json!(format!("v{v}")));
                }
            }
        }
        if supersedes.is_empty() {
            fields.insert("type".into(), json!("case"));
            fields.insert("id".into(), json!(case_id().to_string()));
        }
        out.push(Revision {
            id: rid(ids[i]),
            record: case_id(),
            supersedes,
            fields,
            author: format!("m-{i}"),
            time_ms: i64::from(ids[i]) * 7 % 5,
            origin: format!("d:{i}"),
        });
    }
    out
}

/// The rules read naively: ancestry by search, heads and conflicts per field.
fn oracle(revs: &[Revision]) -> (Map<String, Value>, Vec<String>, Vec<RevisionId>) {
    let known: BTreeMap<RevisionId, &Revision> = revs.iter().map(|r| (r.id, r)).collect();
    let reaches = |from: RevisionId, to: RevisionId| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(x) = todo.pop() {
            for s in &known[&x].supersedes {
                if known.contains_key(s) && seen.insert(*s) {
                    todo.push(*s);
                }
            }
        }
        seen.contains(&to)
    };
    // a is a (strict) ancestor of b.
    let ancestor = |a: RevisionId, b: RevisionId| reaches(b, a) && !reaches(a, b);
    let mut value = Map::new();
    let mut conflicts = Vec::new();
    let names: BTreeSet<&String> = revs.iter().flat_map(|r| r.fields.keys()).collect();
    for f in names {
        let w: Vec<RevisionId> = known
            .values()
            .filter(|r| r.fields.contains_key(f))
            .map(|r| r.id)
            .collect();
        let heads: Vec<RevisionId> = w
            .iter()
            .copied()
            .filter(|&a| !w.iter().any(|&b| ancestor(a, b)))
            .collect();
        let values: Vec<&Value> = heads.iter().map(|h| &known[h].fields[f]).collect();
        if values.iter().any(|v| *v != values[0]) {
            conflicts.push(f.clone());
        }
        if !values[0].is_null() {
            value.insert(f.clone(), values[0].clone());
        }
    }
    let ids: Vec<RevisionId> = known.keys().copied().collect();
    let heads = ids
        .iter()
        .copied()
        .filter(|&a| !ids.iter().any(|&b| ancestor(a, b)))
        .collect();
    (value, conflicts, heads)
}

fn specs() -> impl Strategy<Value = (Vec<Spec>, Vec<u8>, Vec<u64>, bool)> {
    let spec = (
        any::<u16>(),
        prop::bool::weighted(0.1),
        [
            prop::option::of(0u8..4),
            prop::option::of(0u8..4),
            prop::option::of(0u8..4),
        ],
    );
    (
        prop::collection::vec(spec, 1..=8),
        Just((1u8..=16).collect::<Vec<u8>>()).prop_shuffle(),
        prop::collection::vec(any::<u64>(), 8),
        prop::bool::weighted(0.8),
    )
}

/// Everything the fold says about the fixture case.
fn observe(f: &Fold) -> String {
    let id = case_id();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        f.get(&id),
        f.history(&id, None),
        FIELDS.map(|x| f.history(&id, Some(x))),
        f.revisions(&id)
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_order_of_arrival_gives_the_same_state((specs, ids, keys, dag) in specs()) {
        let revs = build(&specs, &ids, dag);
        let reference = fold(&revs);

        // Another order, with every revision applied twice and an unrelated record
        // interleaved.
        let mut order: Vec<usize> = (0..revs.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        let other = Case { id: id(RecordKind::Case, 77), ..fixtures::case() };
        let mut shuffled = Fold::new();
        shuffled.apply(create(250, &other)).unwrap();
        for &i in order.iter().chain(order.iter().rev()) {
            shuffled.apply(revs[i].clone()).unwrap();
        }
        prop_assert_eq!(observe(&shuffled), observe(&reference));
        prop_assert_eq!(shuffled.len(), 2);

        // The state matches the rules read naively.
        let s = reference.get(&case_id()).unwrap();
        let (value, conflicted, heads) = oracle(&revs);
        prop_assert_eq!(&s.value, &value);
        let got: Vec<String> = s.conflicts.iter().map(|c| c.field.clone()).collect();
        prop_assert_eq!(got, conflicted);
        prop_assert_eq!(&s.heads, &heads);
        for c in &s.conflicts {
            prop_assert!(c.candidates.len() >= 2);
            prop_assert!(c.candidates.windows(2).all(|w| w[0].0 < w[1].0));
        }

        // Ancestors come first.
        let order: Vec<RevisionId> = reference.revisions(&case_id()).iter().map(|r| r.id).collect();
        prop_assert_eq!(order.len(), revs.len());
        if dag {
            for r in &revs {
                let at = order.iter().position(|x| *x == r.id).unwrap();
                for s in &r.supersedes {
                    if let Some(before) = order.iter().position(|x| x == s) {
                        prop_assert!(before < at);
                    }
                }
            }
        }

        // An edit superseding the heads and writing every field in conflict (as a person
        // resolving them would) leaves no conflict.
        if let Ok(Record::Case(mut c)) = s.record.clone() {
            c.title = "resolved".into();
            let fields: Vec<&str> = s.conflicts.iter().map(|c| c.field.as_str()).collect();
            let e = s.edit(&Record::Case(c), &fields).unwrap();
            let mut resolved = reference.clone();
            resolved.apply(e.into_revision(rid(255), "m".into(), 0, "d".into())).unwrap();
            let after = resolved.get(&case_id()).unwrap();
            prop_assert!(!after.has_conflicts(), "{:?}", after.conflicts);
            prop_assert_eq!(after.heads, vec![rid(255)]);
        }
    }

    #[test]
    fn arbitrary_revisions_never_panic(
        record in any::<[u8; 16]>(),
        supersedes in prop::collection::vec(0u8..4, 0..4),
        fields in prop::collection::btree_map("[a-z]{1,3}|type|id", any::<Option<i8>>(), 0..5),
        n in 0u8..4,
    ) {
        let mut f = fold(&[create(1, &fixtures::case())]);
        let rev = Revision {
            id: rid(n),
            record: RecordId::new(RecordKind::Case, record),
            supersedes: supersedes.into_iter().map(rid).collect(),
            fields: fields.into_iter().map(|(k, v)| (k, json!(v))).collect(),
            author: String::new(),
            time_ms: i64::MIN,
            origin: String::new(),
        };
        let _ = f.apply(rev);
        for id in f.ids().copied().collect::<Vec<_>>() {
            let _ = f.get(&id);
            let _ = f.history(&id, None);
        }
    }
}
