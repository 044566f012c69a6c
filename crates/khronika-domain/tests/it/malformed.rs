//! Malformed input: every bad JSON document gets an error that says what is wrong, and no
//! input, however broken, truncated or mutated, makes reading or validating panic.

use khronika_domain::{Record, RecordKind, RecordSet};
use proptest::prelude::*;
use serde_json::Value;

use crate::fixtures::{self, ids};

/// Reading `input` as a [`Record`] fails with a message containing `expect`.
fn check(input: &str, expect: &str) {
    match serde_json::from_str::<Record>(input) {
        Ok(r) => panic!("{input} was read as {r:?}"),
        Err(e) => assert!(
            e.to_string().contains(expect),
            "{input}\n  gave: {e}\n  want: {expect}"
        ),
    }
}

#[test]
fn bad_documents_are_refused_with_a_reason() {
    let p = ids(RecordKind::Person, 1);
    let s = ids(RecordKind::Source, 1);
    let v = ids(RecordKind::Event, 1);
    let table: Vec<(String, &str)> = vec![
        (String::new(), "EOF while parsing"),
        ("{".into(), "EOF while parsing"),
        ("null".into(), "invalid type: null"),
        // serde's internally tagged enums also read `[tag, …]`; an empty one lacks the tag.
        ("[]".into(), "missing field `type`"),
        ("42".into(), "invalid type: integer"),
        ("\"text\"".into(), "invalid type: string"),
        ("{}".into(), "missing field `type`"),
        (r#"{"type":"person"}"#.into(), "missing field `id`"),
        (
            format!(r#"{{"type":"nobody","id":"{p}"}}"#),
            "unknown variant `nobody`",
        ),
        (
            format!(r#"{{"type":"Person","id":"{p}"}}"#),
            "unknown variant `Person`",
        ),
        (
            format!(r#"{{"type":"person","id":"{p}","nmes":[]}}"#),
            "unknown field `nmes`",
        ),
        (
            format!(r#"{{"type":"person","id":"{p}","id":"{p}"}}"#),
            "duplicate field `id`",
        ),
        (
            r#"{"type":"person","id":"X-1"}"#.into(),
            "\"X\" is not a record type letter",
        ),
        (
            r#"{"type":"person","id":42}"#.into(),
            "invalid type: integer `42`, expected a record id such as P-3M2Q7ZK0V1X9T4B8C6D5E2F1GH",
        ),
        (
            format!(r#"{{"type":"event","id":"{v}","date":"2014-13"}}"#),
            "month 13 does not exist",
        ),
        (
            format!(r#"{{"type":"event","id":"{v}","date":"2015..2014"}}"#),
            "range ends before it starts (2014 is before 2015)",
        ),
        (
            format!(r#"{{"type":"event","id":"{v}","date":"03.12.2014"}}"#),
            "looks like day.month.year",
        ),
        (
            format!(
                r#"{{"type":"event","id":"{v}","place":{{"coordinates":{{"lat":"north","lon":1}}}}}}"#
            ),
            "invalid type: string \"north\", expected f64",
        ),
        (
            format!(
                r#"{{"type":"event","id":"{v}","place":{{"coordinates":{{"lat":1e400,"lon":1}}}}}}"#
            ),
            "number out of range",
        ),
        (
            format!(r#"{{"type":"event","id":"{v}","place":{{"town":"x"}}}}"#),
            "unknown field `town`",
        ),
        (
            format!(r#"{{"type":"event","id":"{v}","involvements":[{{"role":"shot"}}]}}"#),
            "unknown involvement role \"shot\"; use one of: ordered, carried_out, was_present, failed_to_act",
        ),
        (
            format!(r#"{{"type":"source","id":"{s}","reliability":"very high"}}"#),
            "unknown reliability \"very high\"; use one of: high, medium, low, unknown",
        ),
        (
            format!(r#"{{"type":"source","id":"{s}","language":"Russian"}}"#),
            "\"Russian\" is not a language code; write the ISO 639 code",
        ),
        (
            format!(r#"{{"type":"source","id":"{s}","evidence":["E123"]}}"#),
            "\"E123\" is not an evidence id",
        ),
        (
            format!(
                r#"{{"type":"source","id":"{s}","provider":{{"person":"{p}","pseudonym":"x"}}}}"#
            ),
            "",
        ),
        (
            format!(r#"{{"type":"source","id":"{s}","provider":{{"name":"x"}}}}"#),
            "unknown variant `name`, expected one of `person`, `unit`, `pseudonym`",
        ),
        (
            format!(r#"{{"type":"source","id":"{s}","consent":{{"court":"yes"}}}}"#),
            "invalid type: string \"yes\", expected a boolean",
        ),
        (
            format!(r#"{{"type":"person","id":"{p}","sex":"male"}}"#),
            "expected \"unknown\" or a term",
        ),
        (
            format!(r#"{{"type":"person","id":"{p}","sex":{{"list":"sex"}}}}"#),
            "missing field `code`",
        ),
        (
            format!(
                r#"{{"type":"person","id":"{p}","sex":{{"list":"sex","code":"1","label":"x"}}}}"#
            ),
            "unknown field `label`",
        ),
        (
            format!(r#"{{"type":"person","id":"{p}","names":[{{"given":"A","script":"greek"}}]}}"#),
            "unknown script \"greek\"; use one of: cyrillic, latin, other",
        ),
        (
            format!(r#"{{"type":"person","id":"{p}","memberships":[{{"role":"boss"}}]}}"#),
            "unknown membership role \"boss\"; use one of: commander, member",
        ),
        (
            format!(r#"{{"type":"intervention","id":"{p}","deadline":"2015-01"}}"#),
            "\"2015-01\" is not a full date",
        ),
        (
            format!(r#"{{"type":"link","id":"{p}","kind":"supports ","from":null}}"#),
            "unknown link kind \"supports \"",
        ),
        (
            format!(r#"{{"type":"person","notes":{}"#, "[".repeat(100_000)),
            "recursion limit exceeded",
        ),
        (
            format!(r#"{{"type":"person","id":"{p}","notes":"\ud800x"}}"#),
            "unexpected end of hex escape",
        ),
    ];
    for (input, expect) in &table {
        check(input, expect);
    }
    // Record sets refuse unknown sections too.
    let err = serde_json::from_str::<RecordSet>(r#"{"people":[]}"#).unwrap_err();
    assert!(err.to_string().contains("unknown field `people`"), "{err}");
}

#[test]
fn every_truncation_of_a_document_is_refused() {
    let text = include_str!("vectors/record_set.json");
    let mut cut = 0;
    let end = text.trim_end().len();
    for (i, _) in text.char_indices().take_while(|&(i, _)| i < end) {
        // Cutting inside the document never leaves valid JSON.
        assert!(
            serde_json::from_str::<RecordSet>(&text[..i]).is_err(),
            "cut at {i}"
        );
        cut += 1;
    }
    assert!(cut > 1000);
    let records = include_str!("vectors/records.json");
    let end = records.trim_end().len();
    for (i, _) in records
        .char_indices()
        .take_while(|&(i, _)| i < end)
        .step_by(7)
    {
        assert!(
            serde_json::from_str::<Vec<Record>>(&records[..i]).is_err(),
            "cut at {i}"
        );
    }
}

/// Every value of a JSON document (leaves and containers), as JSON pointers.
fn pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(x, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at.to_owned());
}

/// Values a hostile or careless file might hold.
fn any_value() -> impl Strategy<Value = Value> {
    let ids = prop::sample::select(vec![
        ids(RecordKind::Person, 3),
        ids(RecordKind::Unit, 5),
        ids(RecordKind::Event, 2),
        ids(RecordKind::Act, 9),
        ids(RecordKind::Link, 12),
        ids(RecordKind::Testimony, 7),
    ]);
    let words = prop::sample::select(vec![
        "",
        " ",
        "unknown",
        "commander",
        "carried_out",
        "drafted",
        "rejected",
        "supports",
        "same_person_as",
        "cyrillic",
        "latin",
        "call_sign",
        "high",
        "ru",
        "E7ZK3M1XQ9TB2C4D5",
        "2014",
        "2014-12",
        "around 2017-04",
        "2014-12..2015-02",
        "..2015",
        "2015-02-29",
        "2014-13",
        "khr:torture",
        "types_of_acts",
        "01000000000004",
        "Иванов",
        "Ivanоv",
        "\u{202E}",
        "a\nb",
        "\u{0}",
    ]);
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,30}".prop_map(Value::from),
        ids.prop_map(Value::from),
        words.prop_map(Value::from),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!({"list": "sex", "code": "01000000000039"})),
        Just(serde_json::json!({"pseudonym": "W-1"})),
        Just(serde_json::json!({"lat": 91.0, "lon": 0.0})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Replace some leaves of the full record set with arbitrary values: reading either fails
    /// or gives records whose validation returns (it never panics) and which round-trip.
    #[test]
    fn mutated_documents_never_panic(
        picks in prop::collection::vec((any::<prop::sample::Index>(), any_value()), 1..6)
    ) {
        let mut doc = serde_json::to_value(fixtures::record_set()).unwrap();
        let mut paths = Vec::new();
        pointers(&doc, "", &mut paths);
        for (index, value) in picks {
            // An earlier replacement may have removed the place; skip it then.
            if let Some(slot) = doc.pointer_mut(index.get::<String>(&paths)) {
                *slot = value;
            }
        }
        if let Ok(set) = serde_json::from_value::<RecordSet>(doc) {
            let _ = set.validate();
            let _ = set.check_references(|_| false);
            for r in set.clone().into_records() {
                let _ = r.validate();
                let _ = r.label();
                let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
                prop_assert_eq!(back, r);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = serde_json::from_slice::<Record>(&bytes);
        let _ = serde_json::from_slice::<RecordSet>(&bytes);
    }

    #[test]
    fn arbitrary_records_validate_without_panicking(
        tag in prop::sample::select(vec!["case", "event", "person", "unit", "source", "testimony", "intervention", "link"]),
        fields in prop::collection::vec((prop::sample::select(vec![
            "title", "summary", "compartment", "responsible", "records", "description", "date",
            "place", "acts", "involvements", "names", "pseudonym", "sex", "birth_year",
            "memberships", "notes", "unit_type", "parent", "source_type", "provider",
            "relation", "reliability", "language", "evidence", "consent", "given_by",
            "interview", "transcript", "kind", "addressee", "filed", "deadline", "status",
            "reply", "next_step", "concerns", "from", "to", "note",
        ]), any_value()), 0..8),
    ) {
        let kind = RecordKind::parse(tag).unwrap();
        let mut doc = serde_json::json!({"type": tag, "id": ids(kind, 1)});
        for (k, v) in fields {
            doc[k] = v;
        }
        if let Ok(r) = serde_json::from_value::<Record>(doc) {
            let _ = r.validate();
            let _ = r.references();
        }
    }
}
