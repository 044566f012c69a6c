//! Archives: reading (errors with line and column, unknown formats refused), and validation
//! across compartments (unique ids and names, cases in their compartment, one compartment of
//! source identities that nothing outside refers to, references that resolve).

use khronika_domain::{
    ARCHIVE_FORMAT, Archive, ArchiveError, Case, CompartmentRecords, Person, PersonName, Record,
    RecordKind, RecordSet,
};
use serde_json::json;

use crate::fixtures::{self, id, ids};

/// The fixtures' case names this compartment.
const FIXTURE_COMPARTMENT: &str = "4f1c0e2a9b3d47e6a8c5b2d1e0f9a7c3";

fn compartment(name: &str, records: RecordSet) -> CompartmentRecords {
    CompartmentRecords {
        name: name.into(),
        source_identities: false,
        records,
    }
}

/// A valid archive: the fixtures in their compartment, and an empty second one.
fn base() -> Archive {
    Archive::new(vec![
        compartment(FIXTURE_COMPARTMENT, fixtures::record_set()),
        compartment("general", RecordSet::default()),
    ])
}

fn problems(r: Result<(), Vec<khronika_domain::ValidationError>>) -> Vec<String> {
    match r {
        Ok(()) => Vec::new(),
        Err(es) => es.iter().map(ToString::to_string).collect(),
    }
}

fn identity(n: u8, code: &str) -> Person {
    Person {
        id: id(RecordKind::Person, n),
        names: vec![PersonName {
            given: "Луиза".into(),
            surname: "Арсанукаева".into(),
            ..PersonName::default()
        }],
        pseudonym: code.into(),
        sex: Default::default(),
        birth_year: None,
        memberships: vec![],
        notes: String::new(),
    }
}

#[test]
fn a_valid_archive_reads_back_and_lists_its_records() {
    let a = base();
    assert_eq!(a.validate(), Ok(()));
    assert_eq!(a.check_references(|_| false), Ok(()));
    let text = serde_json::to_string_pretty(&a).unwrap();
    assert_eq!(Archive::parse(&text).unwrap(), a);
    assert_eq!(a.len(), 10);
    assert!(!a.is_empty() && Archive::new(vec![]).is_empty());
    let listed: Vec<(&str, RecordKind)> = a.records().map(|(c, r)| (c, r.kind())).collect();
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|(c, _)| *c == FIXTURE_COMPARTMENT));
    assert_eq!(listed[0].1, RecordKind::Case);
    let owned = a.clone().into_records();
    assert_eq!(owned[9].1, Record::Link(fixtures::link()));
    assert!(a.compartment("general").is_some() && a.compartment("nope").is_none());
    assert!(a.source_identities().is_none());
    // Defaults: `source_identities` and `records` may be left out.
    let a = Archive::parse(r#"{"format": "khronika-records/v1", "compartments": [{"name": "x"}]}"#)
        .unwrap();
    assert_eq!(a.compartments[0], compartment("x", RecordSet::default()));
}

#[test]
fn json_errors_carry_line_and_column() {
    let text = "{\n  \"format\": \"khronika-records/v1\",\n  \"compartments\": [\n    {\"name\": \"a\",}\n  ]\n}";
    let e = Archive::parse(text).unwrap_err();
    assert_eq!(e.to_string(), "key must be a string at line 4 column 18");
    assert_eq!(e.line(), Some(4));
    assert!(matches!(e, ArchiveError::Json { column: 18, .. }));

    let text = format!(
        "{{\"format\": \"{ARCHIVE_FORMAT}\",\n \"compartments\": [{{\"name\": \"a\", \"records\": {{\n  \"events\": [{{\"id\": \"{}\", \"date\": \"2014-13\"}}]}}}}]}}",
        ids(RecordKind::Event, 1)
    );
    let e = Archive::parse(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "month 13 does not exist at line 3 column 69",
        "{text}"
    );

    let table = [
        ("", "EOF while parsing a value at line 1 column 0"),
        (
            "[]",
            "invalid type: sequence, expected an archive: an object with \"format\" and \"compartments\" at line 1 column 0",
        ),
        ("{}", "missing field `format` at line 1 column 2"),
        (
            r#"{"format": "khronika-records/v1", "format": "x"}"#,
            "duplicate field `format`",
        ),
        (
            r#"{"format": 1}"#,
            "invalid type: integer `1`, expected a string",
        ),
        (
            r#"{"format": "khronika-records/v1", "compartment": []}"#,
            "unknown field `compartment`, expected `format` or `compartments`",
        ),
        (
            r#"{"format": "khronika-records/v1", "compartments": [{"nmae": "x"}]}"#,
            "unknown field `nmae`",
        ),
        (
            r#"{"format": "khronika-records/v1", "compartments": [{"name": "x", "source_identities": "yes"}]}"#,
            "invalid type: string \"yes\", expected a boolean",
        ),
    ];
    for (input, want) in table {
        let e = Archive::parse(input).unwrap_err();
        assert!(e.to_string().contains(want), "{input}: {e}");
    }
}

#[test]
fn an_unknown_format_is_refused_before_the_rest_is_read() {
    // A newer file with fields this version does not know: the format is what is reported.
    let text = r#"{"format": "khronika-records/v2", "compartments": [{"name": "x", "keys": {}}]}"#;
    let e = Archive::parse(text).unwrap_err();
    assert_eq!(
        e,
        ArchiveError::Format {
            found: "khronika-records/v2".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "the file is in the format \"khronika-records/v2\", which this version of Khronika does not read; it reads khronika-records/v1"
    );
    assert_eq!(e.line(), None);
    // Built in code with another format: validation reports it.
    let mut a = base();
    a.format = "khronika-records/v0".into();
    assert_eq!(
        problems(a.validate()),
        [
            "format: \"khronika-records/v0\" is not the format of this version; write khronika-records/v1"
        ]
    );
}

#[test]
fn ids_are_unique_across_the_whole_archive() {
    let mut a = base();
    a.compartments[1].records.persons.push(fixtures::victim());
    a.compartments[1].records.events.push(fixtures::event());
    assert_eq!(
        problems(a.validate()),
        [
            "compartments[1].records.events[0].id: duplicate of compartments[0].records.events[0].id",
            "compartments[1].records.events[0].acts[0].id: duplicate of compartments[0].records.events[0].acts[0].id",
            "compartments[1].records.events[0].acts[1].id: duplicate of compartments[0].records.events[0].acts[1].id",
            "compartments[1].records.persons[0].id: duplicate of compartments[0].records.persons[0].id",
        ]
    );
}

#[test]
fn record_problems_carry_the_archive_path() {
    let mut a = base();
    a.compartments[0].records.events[0].title = String::new();
    a.compartments[0].records.events[0].acts[0].victim = None;
    assert_eq!(
        problems(a.validate()),
        [
            "compartments[0].records.events[0].title: required",
            "compartments[0].records.events[0].acts[0].victim: required",
        ]
    );
}

#[test]
fn every_case_names_its_own_compartment() {
    let mut a = base();
    let moved: Case = a.compartments[0].records.cases.remove(0);
    a.compartments[1].records.cases.push(moved);
    let mut empty = fixtures::case();
    empty.id = id(RecordKind::Case, 99);
    empty.compartment = String::new();
    a.compartments[1].records.cases.push(empty);
    assert_eq!(
        problems(a.validate()),
        [
            // The case's own problems come first, then those across the archive.
            "compartments[1].records.cases[1].compartment: required",
            "compartments[1].records.cases[0].compartment: names the compartment \"4f1c0e2a9b3d47e6a8c5b2d1e0f9a7c3\" but is in \"general\"",
        ]
    );
}

#[test]
fn compartment_names_are_tokens_and_unique() {
    let mut a = base();
    for name in ["", "Crimea 2022", &"x".repeat(65), "general", "ok-2"] {
        a.compartments.push(compartment(name, RecordSet::default()));
    }
    assert_eq!(
        problems(a.validate()),
        [
            "compartments[2].name: required",
            "compartments[3].name: \"Crimea 2022\" is not a compartment name; use lower-case letters, digits and hyphens, e.g. crimea-2022",
            "compartments[4].name: too long: 65 characters, at most 64",
            "compartments[5].name: duplicate of compartments[1].name",
        ]
    );
    assert!(khronika_domain::archive::is_compartment_name(
        "chechnya-2019-2021"
    ));
    assert!(!khronika_domain::archive::is_compartment_name("Chechnya"));
}

#[test]
fn at_most_one_compartment_holds_source_identities() {
    let mut a = base();
    a.compartments[1].source_identities = true;
    a.compartments.push(CompartmentRecords {
        name: "identities-2".into(),
        source_identities: true,
        records: RecordSet::default(),
    });
    assert_eq!(
        problems(a.validate()),
        [
            "compartments[2].source_identities: only one compartment may hold source identities, and compartments[1] already does"
        ]
    );
    assert_eq!(a.source_identities().unwrap().name, "general");
}

#[test]
fn nothing_outside_the_source_identities_refers_into_it() {
    let mut a = base();
    let secret = &mut a.compartments[1];
    secret.name = "source-identities".into();
    secret.source_identities = true;
    secret.records.persons = vec![identity(40, "W-17"), identity(41, " w-17 ")];
    // Inside, a link to a record outside is fine.
    let mut inside = fixtures::link();
    inside.id = id(RecordKind::Link, 42);
    inside.kind = Some(khronika_domain::LinkKind::SamePersonAs);
    inside.from = Some(id(RecordKind::Person, 40));
    inside.to = Some(id(RecordKind::Person, 3));
    secret.records.links.push(inside);
    // Outside, a case gathering the identity is not.
    a.compartments[0].records.cases[0]
        .records
        .push(id(RecordKind::Person, 40));
    assert_eq!(
        problems(a.validate()),
        [
            format!(
                "compartments[0].records.cases[0].records[7]: refers to {}, which is in the source-identities compartment \"source-identities\"; only records inside it may refer to it",
                ids(RecordKind::Person, 40)
            ),
            "compartments[1].records.persons[1].pseudonym: duplicate of compartments[1].records.persons[0].pseudonym".to_owned(),
        ]
    );
    // References resolve all the same.
    assert_eq!(a.check_references(|_| false), Ok(()));
}

#[test]
fn references_resolve_across_compartments_or_through_the_callback() {
    let mut a = base();
    // Move the unit's parent to the other compartment: still resolved.
    let parent = a.compartments[0].records.units.remove(1);
    a.compartments[1].records.units.push(parent);
    assert_eq!(a.validate(), Ok(()));
    assert_eq!(a.check_references(|_| false), Ok(()));
    // Remove it: unresolved, unless the vault has it.
    a.compartments[1].records.units.clear();
    let missing = id(RecordKind::Unit, 11);
    assert_eq!(
        problems(a.check_references(|_| false)),
        [format!(
            "compartments[0].records.units[0].parent: refers to {missing}, which does not exist"
        )]
    );
    let errs = a.check_references(|_| false).unwrap_err();
    assert_eq!(errs[0].code(), "unknown_reference");
    assert_eq!(a.check_references(|id| *id == missing), Ok(()));
    assert_eq!(
        a.validate(),
        Ok(()),
        "validation does not resolve references"
    );
}

#[test]
fn archives_written_as_json_validate_like_built_ones() {
    let v = json!({
        "format": ARCHIVE_FORMAT,
        "compartments": [
            {"name": "a", "records": {"persons": [{"id": ids(RecordKind::Person, 1), "pseudonym": "W-1"}]}},
            {"name": "b", "records": {"persons": [{"id": ids(RecordKind::Person, 1), "pseudonym": "W-2"}]}}
        ]
    });
    let a = Archive::parse(&v.to_string()).unwrap();
    assert_eq!(
        problems(a.validate()),
        [
            "compartments[1].records.persons[0].id: duplicate of compartments[0].records.persons[0].id"
        ]
    );
}
