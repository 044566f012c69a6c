//! Validation tables: a valid record with one change, and every problem expected, as
//! `path: message`. Records are written as JSON patches over the fixtures, the way a form or
//! an import file would send them.

use khronika_domain::{Consent, Person, Record, RecordKind, Script, Withdrawal};
use serde_json::{Value, json};

use crate::fixtures::{self, ids};

/// `base` with `patch` merged in: objects merge key by key, anything else replaces; `null`
/// in the patch removes the key; a key written `=key` replaces the value whole.
fn patched(mut base: Value, patch: &Value) -> Value {
    merge(&mut base, patch);
    base
}

fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if let Some(k) = k.strip_prefix('=') {
                    b.insert(k.to_owned(), v.clone());
                } else if v.is_null() {
                    b.remove(k);
                } else {
                    merge(b.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn problems(r: &Record) -> Vec<String> {
    match r.validate() {
        Ok(()) => Vec::new(),
        Err(es) => es.iter().map(ToString::to_string).collect(),
    }
}

/// The record `base` patched with `patch` reads, and validation finds exactly `expect`.
fn check(base: &Record, patch: Value, expect: &[String]) {
    let value = patched(serde_json::to_value(base).unwrap(), &patch);
    let record: Record =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {value:#}"));
    assert_eq!(problems(&record), expect, "patch {patch}");
}

fn table(base: Record, rows: Vec<(Value, Vec<String>)>) {
    assert_eq!(problems(&base), Vec::<String>::new(), "the base is valid");
    for (patch, expect) in rows {
        check(&base, patch, &expect);
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

use RecordKind::{Act, Case, Event, Intervention, Link, Person as P, Source, Testimony, Unit};

#[test]
fn every_fixture_is_valid() {
    let set = fixtures::record_set();
    assert_eq!(set.validate(), Ok(()));
    assert_eq!(set.check_references(|_| false), Ok(()));
    for r in set.into_records() {
        assert_eq!(r.validate(), Ok(()), "{}", r.id());
    }
}

#[test]
fn events() {
    let a9 = ids(Act, 9);
    let v2 = ids(Event, 2);
    table(
        fixtures::event().into(),
        vec![
            (json!({"title": "  "}), s(&["title: required"])),
            (json!({"title": null}), s(&["title: required"])),
            (
                json!({"title": "one\ntwo"}),
                s(&["title: must be a single line"]),
            ),
            (
                json!({"title": "bell\u{7}"}),
                s(&["title: contains the invisible control character U+0007; remove it"]),
            ),
            (
                json!({"description": "right-to-left \u{202E}override"}),
                s(&["description: contains the invisible control character U+202E; remove it"]),
            ),
            (json!({"description": "tabs\tand\nlines are fine"}), vec![]),
            (
                json!({"title": "x".repeat(501)}),
                s(&["title: too long: 501 characters, at most 500"]),
            ),
            (
                json!({"date": null}),
                s(&[
                    "date: required; if the date is uncertain, give a year, \"around\" a date or a range",
                ]),
            ),
            (json!({"id": ids(P, 2)}), vec![format!("id: {} is a person id; expected an event id", ids(P, 2))]),
            (
                json!({"place": {"coordinates": {"lat": 91.0, "lon": -181.5}}}),
                s(&[
                    "place.coordinates.lat: latitude 91 is outside -90..90",
                    "place.coordinates.lon: longitude -181.5 is outside -180..180",
                ]),
            ),
            (
                json!({"place": {"geo": {"list": "types_of_acts", "code": "02011111000004"}}}),
                s(&[
                    "place.geo: the term types_of_acts/02011111000004 is from the list types_of_acts; use one from geographical_terms",
                ]),
            ),
            (
                json!({"acts": [{"id": a9, "act_type": {"list": "types_of_acts", "code": "khr:torture"}}], "involvements": []}),
                s(&["acts[0].victim: required"]),
            ),
            (
                json!({"acts": [{"id": a9, "victim": v2}], "involvements": []}),
                vec![
                    format!("acts[0].victim: {v2} is an event id; expected a person or unit id"),
                    "acts[0].act_type: required".to_owned(),
                ],
            ),
            (
                json!({"acts": [{"id": a9, "victim": ids(Unit, 5), "act_type": {"list": "types_of_acts", "code": "khr:office_raid"}}], "involvements": []}),
                vec![],
            ),
            (
                json!({"acts": [{"id": a9, "victim": ids(P, 3), "act_type": {"list": "Types of acts", "code": "torture"}}], "involvements": []}),
                s(&[
                    "acts[0].act_type: list \"Types of acts\" is not a list name; list names are lower-case letters, digits and underscores, e.g. types_of_acts",
                ]),
            ),
            (
                json!({"acts": [{"id": a9, "victim": ids(P, 3), "act_type": {"list": "types_of_acts", "code": "torture"}}], "involvements": []}),
                s(&[
                    "acts[0].act_type: code \"torture\" is not a term code; write the HURIDOCS number (14 digits, e.g. 01000000000004) or a Khronika code (e.g. khr:forced_conscription)",
                ]),
            ),
            (
                json!({"acts": [{"id": a9, "victim": ids(P, 3), "act_type": {"list": "types_of_acts", "code": "khr:torture"}, "date": "2015"}], "involvements": []}),
                s(&["acts[0].date: 2015 is outside the event's date (2014-12-03)"]),
            ),
            (
                json!({"date": "around 2014-12", "acts": [{"id": a9, "victim": ids(P, 3), "act_type": {"list": "types_of_acts", "code": "khr:torture"}, "date": "2015-01-10"}], "involvements": []}),
                vec![],
            ),
            (
                json!({"acts": [
                    {"id": a9, "victim": ids(P, 3), "act_type": {"list": "types_of_acts", "code": "khr:torture"},
                     "methods": [{"list": "methods_of_violence", "code": "03010000000005"}, {"list": "methods_of_violence", "code": "03010000000005"}]},
                    {"id": a9, "victim": ids(P, 4), "act_type": {"list": "types_of_acts", "code": "khr:torture"}}
                ], "involvements": []}),
                s(&[
                    "acts[0].methods[1]: duplicate of acts[0].methods[0]",
                    "acts[1].id: duplicate of acts[0].id",
                ]),
            ),
            (
                json!({"acts": [{"id": ids(P, 9), "victim": ids(P, 3), "act_type": {"list": "types_of_acts", "code": "khr:torture"}}], "involvements": []}),
                vec![format!("acts[0].id: {} is a person id; expected an act id", ids(P, 9))],
            ),
            (
                json!({"involvements": [{}]}),
                s(&["involvements[0].perpetrator: required", "involvements[0].role: required"]),
            ),
            (
                json!({"involvements": [{"perpetrator": ids(Unit, 5), "role": "failed_to_act", "act": ids(Act, 99)}]}),
                vec![format!("involvements[0].act: {} is not an act of this event", ids(Act, 99))],
            ),
            (
                json!({"involvements": [{"perpetrator": ids(Source, 5), "role": "was_present", "act": ids(Event, 2),
                    "degree": {"list": "sex", "code": "01000000000039"}}]}),
                vec![
                    format!("involvements[0].perpetrator: {} is a source id; expected a person or unit id", ids(Source, 5)),
                    "involvements[0].degree: the term sex/01000000000039 is from the list sex; use one from degrees_of_involvement".to_owned(),
                    format!("involvements[0].act: {} is an event id; expected an act id", ids(Event, 2)),
                ],
            ),
        ],
    );
}

#[test]
fn persons() {
    table(
        fixtures::victim().into(),
        vec![
            (
                json!({"names": []}),
                s(&["names: give at least one name or a pseudonymous code"]),
            ),
            (json!({"names": [], "pseudonym": "W-17"}), vec![]),
            (
                json!({"names": [{"patronymic": "Русланович"}]}),
                s(&["names[0]: give a given name or a surname"]),
            ),
            (
                // A Latin "a" typed in a Cyrillic surname.
                json!({"names": [{"given": "Ислам", "surname": "Дадашев\u{61}", "script": "cyrillic"}]}),
                s(&[
                    "names[0].surname: contains the Latin letter \"a\" but is marked Cyrillic; retype it",
                ]),
            ),
            (
                json!({"names": [{"given": "Islam", "surname": "Dadash\u{435}v", "script": "latin"}]}),
                s(&[
                    "names[0].surname: contains the Cyrillic letter \"е\" but is marked Latin; retype it",
                ]),
            ),
            // The Chechen palochka is often typed as a Latin I; digits, hyphens and ʼ are not letters.
            (
                json!({"names": [{"given": "Iэла", "surname": "Хасан-Хаджиев2", "script": "cyrillic"}]}),
                vec![],
            ),
            (
                json!({"names": [{"given": "Taʼir", "script": "latin"}]}),
                vec![],
            ),
            (
                json!({"names": [{"given": "Ислам Islam", "script": "other"}]}),
                vec![],
            ),
            (
                json!({"names": [{"given": "Гюрза", "surname": "Иванов", "kind": "call_sign"}]}),
                s(&["names[0].surname: a call sign is written in given alone"]),
            ),
            (
                json!({"names": [{"surname": "Гюрза", "kind": "call_sign"}]}),
                s(&[
                    "names[0].given: required",
                    "names[0].surname: a call sign is written in given alone",
                ]),
            ),
            (
                json!({"sex": {"list": "sex", "code": "male"}}),
                s(&[
                    "sex: code \"male\" is not a term code; write the HURIDOCS number (14 digits, e.g. 01000000000004) or a Khronika code (e.g. khr:forced_conscription)",
                ]),
            ),
            (json!({"sex": "unknown"}), vec![]),
            (
                json!({"birth_year": "1989-05"}),
                s(&["birth_year: give only the year, e.g. 1984, around 1984 or 1983..1985"]),
            ),
            (json!({"birth_year": "1988..1990"}), vec![]),
            (
                json!({"pseudonym": "x".repeat(65)}),
                s(&["pseudonym: too long: 65 characters, at most 64"]),
            ),
            (
                json!({"memberships": [{"role": "commander", "from": "2016", "to": "2015-06"}]}),
                s(&[
                    "memberships[0].unit: required",
                    "memberships[0].to: ends before it starts (2015-06 is before 2016)",
                ]),
            ),
            (
                json!({"memberships": [{"unit": ids(Unit, 5), "from": "around 2016", "to": "2015-06"}]}),
                vec![],
            ),
            (
                json!({"memberships": [{"unit": ids(P, 5), "to": "2015-06"}]}),
                vec![format!(
                    "memberships[0].unit: {} is a person id; expected a unit id",
                    ids(P, 5)
                )],
            ),
        ],
    );
}

#[test]
fn units() {
    let u5 = ids(Unit, 5);
    table(
        fixtures::unit().into(),
        vec![
            (json!({"names": []}), s(&["names: give at least one name"])),
            (
                json!({"names": [{"name": ""}]}),
                s(&["names[0].name: required"]),
            ),
            (
                json!({"names": [{"name": "OMOH", "script": "cyrillic"}]}),
                s(&[
                    "names[0].name: contains the Latin letter \"O\" but is marked Cyrillic; retype it",
                ]),
            ),
            (
                json!({"parent": u5}),
                s(&["parent: a unit cannot be part of itself"]),
            ),
            (
                json!({"parent": ids(Case, 5), "unit_type": {"list": "types_of_perpetrators", "code": "khr:private_military_company"}}),
                vec![format!(
                    "parent: {} is a case id; expected a unit id",
                    ids(Case, 5)
                )],
            ),
        ],
    );
}

#[test]
fn sources_and_testimonies() {
    table(
        fixtures::source().into(),
        vec![
            (json!({"title": ""}), s(&["title: required"])),
            (
                json!({"=provider": {"pseudonym": " "}}),
                s(&["provider.pseudonym: required"]),
            ),
            (
                json!({"=provider": {"person": ids(Unit, 5)}}),
                vec![format!(
                    "provider.person: {} is a unit id; expected a person id",
                    ids(Unit, 5)
                )],
            ),
            (json!({"=provider": {"unit": ids(Unit, 5)}}), vec![]),
            (
                json!({"evidence": ["E7ZK3M1XQ9TB2C4D5", "e7zk3m1xq9tb2c4d5"]}),
                s(&["evidence[1]: duplicate of evidence[0]"]),
            ),
            (
                json!({"consent": {"partners": ["Memorial", " memorial ", ""]}}),
                s(&[
                    "consent.partners[2]: required",
                    "consent.partners[1]: duplicate of consent.partners[0]",
                ]),
            ),
            (
                json!({"consent": {"withdrawn": {"note": "by phone"}}}),
                s(&["consent.withdrawn.date: required"]),
            ),
            (
                json!({"relation": {"list": "source_connection_to_information", "code": "khr:relative"}, "source_type": {"list": "sex", "code": "99000000000039"}}),
                s(&[
                    "source_type: the term sex/99000000000039 is from the list sex; use one from types_of_source_material",
                ]),
            ),
        ],
    );
    table(
        fixtures::testimony().into(),
        vec![
            (json!({"given_by": null}), s(&["given_by: required"])),
            (
                json!({"transcript": "", "evidence": []}),
                s(
                    &[
                        "transcript: give the transcript, or link the evidence file of the recording",
                    ],
                ),
            ),
            (json!({"transcript": ""}), vec![]),
            (json!({"title": ""}), vec![]),
            (
                json!({"interview": {"place": "line\nbreak", "by": "x".repeat(501)}}),
                s(&[
                    "interview.place: must be a single line",
                    "interview.by: too long: 501 characters, at most 500",
                ]),
            ),
        ],
    );
}

#[test]
fn consent_withdrawal_overrides() {
    let mut c = Consent {
        court: true,
        publication: true,
        partners: vec!["Partner A".into()],
        withdrawn: None,
    };
    assert!(c.may_use_in_court() && c.may_publish());
    assert!(c.may_share_with(" partner a ") && !c.may_share_with("Partner B"));
    assert!(!c.may_share_with(""));
    c.withdrawn = Some(Withdrawal::default());
    assert!(!c.may_use_in_court() && !c.may_publish() && !c.may_share_with("Partner A"));
    // Consent is never assumed.
    let none = Consent::default();
    assert!(!none.may_use_in_court() && !none.may_publish() && !none.may_share_with("Partner A"));
    assert!(fixtures::testimony().consent.is_withdrawn());
}

#[test]
fn interventions() {
    table(
        fixtures::intervention().into(),
        vec![
            (
                json!({"kind": null, "addressee": ""}),
                s(&["kind: required", "addressee: required"]),
            ),
            (
                json!({"kind": {"list": "types_of_intervention", "code": "02010000000020"}}),
                vec![],
            ),
            (
                json!({"filed": null, "reply": null, "deadline": null}),
                s(&["filed: required when the status is rejected; give the filing date"]),
            ),
            (
                json!({"status": "drafted"}),
                s(&["reply: a drafted intervention has no reply; set the status first"]),
            ),
            (
                json!({"status": "drafted", "filed": null, "reply": null}),
                vec![],
            ),
            (
                json!({"deadline": "2014-12-09", "reply": {"date": "2014-11", "text": " "}}),
                s(&[
                    "deadline: 2014-12-09 is before the filing date (2014-12-10)",
                    "reply.date: 2014-11 is before the filing date (2014-12-10)",
                    "reply.text: required",
                ]),
            ),
            (
                json!({"filed": "2014-12", "deadline": "2014-12-09"}),
                vec![],
            ),
            (
                json!({"next_step": {"text": " ", "due": "2015-03-01"}}),
                s(&["next_step.text: required"]),
            ),
            (
                json!({"concerns": [ids(Event, 2), ids(Link, 1), ids(Event, 2)], "reference": "a\nb"}),
                vec![
                    "reference: must be a single line".to_owned(),
                    format!(
                        "concerns[1]: {} is a link id; expected an event or act or person or unit id",
                        ids(Link, 1)
                    ),
                    "concerns[2]: duplicate of concerns[0]".to_owned(),
                ],
            ),
        ],
    );
}

#[test]
fn cases() {
    let c1 = ids(Case, 1);
    table(
        fixtures::case().into(),
        vec![
            (
                json!({"title": "", "compartment": ""}),
                s(&["title: required", "compartment: required"]),
            ),
            (
                json!({"compartment": "has space", "responsible": "ok-id"}),
                s(&[
                    "compartment: \"has space\" is not an id: use letters, digits and punctuation without spaces",
                ]),
            ),
            (
                json!({"responsible": "x".repeat(129)}),
                s(&["responsible: too long: 129 characters, at most 128"]),
            ),
            (
                json!({"records": [c1, ids(Link, 3), ids(Case, 2), ids(Case, 2)]}),
                vec![
                    "records[0]: a case cannot contain itself".to_owned(),
                    format!(
                        "records[1]: {} is a link id; expected a case or event or act or person or unit or source or testimony or intervention id",
                        ids(Link, 3)
                    ),
                    "records[3]: duplicate of records[2]".to_owned(),
                ],
            ),
        ],
    );
}

#[test]
fn links() {
    let t7 = ids(Testimony, 7);
    let v2 = ids(Event, 2);
    table(
        fixtures::link().into(),
        vec![
            (
                json!({"from": null, "to": null, "kind": null}),
                s(&["from: required", "to: required", "kind: required"]),
            ),
            (
                json!({"to": t7}),
                s(&["to: a record cannot be linked to itself"]),
            ),
            (
                json!({"from": v2, "to": ids(Event, 3)}),
                vec![format!(
                    "from: {v2} is an event id; expected a source or testimony id for supports"
                )],
            ),
            (json!({"kind": "contradicts"}), vec![]),
            (
                json!({"kind": "same_person_as"}),
                vec![
                    format!(
                        "from: {t7} is a testimony id; expected a person id for same_person_as"
                    ),
                    format!("to: {v2} is an event id; expected a person id for same_person_as"),
                ],
            ),
            (
                json!({"kind": "same_person_as", "from": ids(P, 3), "to": ids(P, 13)}),
                vec![],
            ),
            (
                json!({"kind": "follows"}),
                vec![format!(
                    "to: follows joins records of one kind, but {t7} is a testimony and {v2} an event"
                )],
            ),
            (
                json!({"kind": "follows", "from": ids(Intervention, 9), "to": ids(Intervention, 8)}),
                vec![],
            ),
            (
                json!({"kind": "part_of", "from": v2, "to": ids(P, 3)}),
                vec![format!(
                    "to: {} is a person id; expected a case or event id for part_of",
                    ids(P, 3)
                )],
            ),
            (
                json!({"kind": "related_to", "from": ids(Link, 4)}),
                vec![format!(
                    "from: {} is a link id; expected a case or event or act or person or unit or source or testimony or intervention id",
                    ids(Link, 4)
                )],
            ),
        ],
    );
}

#[test]
fn record_sets_name_the_record_in_each_path() {
    let mut set = fixtures::record_set();
    let mut e = fixtures::event();
    for n in [20, 21, 22] {
        let mut x = e.clone();
        x.id = fixtures::id(Event, n);
        for (i, a) in x.acts.iter_mut().enumerate() {
            a.id = fixtures::id(Act, n * 2 + u8::try_from(i).unwrap() + 50);
        }
        x.involvements.clear();
        set.events.push(x);
    }
    set.events[2].acts[0].victim = None;
    // The same id twice across the set: reported at the second, naming the first.
    e.id = fixtures::id(Event, 30);
    e.acts.truncate(1);
    e.involvements.clear();
    set.events.push(e);
    let mut p = fixtures::victim();
    p.names[0].script = Some(Script::Latin);
    set.persons.push(p);
    let got: Vec<String> = set
        .validate()
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        got,
        s(&[
            "events[2].acts[0].victim: required",
            "events[4].acts[0].id: duplicate of events[0].acts[0].id",
            "persons[2].names[0].given: contains the Cyrillic letter \"И\" but is marked Latin; retype it",
            "persons[2].names[0].patronymic: contains the Cyrillic letter \"Р\" but is marked Latin; retype it",
            "persons[2].names[0].surname: contains the Cyrillic letter \"Д\" but is marked Latin; retype it",
            "persons[2].id: duplicate of persons[0].id",
        ])
    );
    let codes: Vec<&str> = set
        .validate()
        .unwrap_err()
        .iter()
        .map(|e| e.code())
        .collect();
    assert_eq!(
        codes,
        [
            "required",
            "duplicate",
            "invalid",
            "invalid",
            "invalid",
            "duplicate"
        ]
    );
}

#[test]
fn references_must_resolve() {
    let mut set = fixtures::record_set();
    set.units.pop(); // the parent unit
    set.persons.pop(); // the commander
    let known = fixtures::id(P, 4);
    let got: Vec<String> = set
        .check_references(|id| *id == known)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        got,
        vec![format!(
            "units[0].parent: refers to {}, which does not exist",
            ids(Unit, 11)
        )]
    );
    let got = set.check_references(|_| false).unwrap_err();
    let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "cases[0].records[2]",
            "events[0].involvements[1].perpetrator",
            "units[0].parent"
        ]
    );
    assert!(got.iter().all(|e| e.code() == "unknown_reference"));
}

#[test]
fn references_and_labels() {
    let r: Record = fixtures::event().into();
    let refs: Vec<String> = r
        .references()
        .iter()
        .map(|x| format!("{} {}", x.path, x.id.short()))
        .collect();
    assert_eq!(
        refs,
        [
            "acts[0].victim P-030C1G60",
            "acts[1].victim P-030C1G60",
            "involvements[0].perpetrator U-050M2GA1",
            "involvements[1].perpetrator P-040G2081"
        ]
    );
    let defs: Vec<String> = r.defines().iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(defs, ["id", "acts[0].id", "acts[1].id"]);
    let labels: Vec<String> = fixtures::record_set()
        .into_records()
        .iter()
        .map(Record::label)
        .collect();
    assert_eq!(
        labels,
        [
            "Задержания на блокпосту у Ачхой-Мартана, декабрь 2014",
            "Detention of three men at the Achkhoy-Martan checkpoint",
            "Ислам Русланович Дадашев",
            "Гюрза",
            "Полк патрульно-постовой службы № 2",
            "МВД по Чеченской Республике",
            "Medical certificate, district hospital",
            "Statement of W-17",
            "Investigative Committee, Achkhoy-Martan district, № 123/45-2014",
            "T-070W3GE1 supports V-02081040",
        ]
    );
    let anon = Person {
        names: vec![],
        pseudonym: "W-17".into(),
        ..fixtures::victim()
    };
    assert_eq!(anon.label(), "W-17");
}

#[test]
fn validation_never_stops_at_the_first_problem() {
    let r: Record = serde_json::from_value(json!({"type": "event", "id": ids(Event, 1),
        "acts": [{"id": ids(Act, 1)}, {"id": ids(Act, 1)}], "involvements": [{}]}))
    .unwrap();
    let got = problems(&r);
    assert_eq!(
        got,
        s(&[
            "title: required",
            "date: required; if the date is uncertain, give a year, \"around\" a date or a range",
            "acts[0].victim: required",
            "acts[0].act_type: required",
            "acts[1].id: duplicate of acts[0].id",
            "acts[1].victim: required",
            "acts[1].act_type: required",
            "involvements[0].perpetrator: required",
            "involvements[0].role: required",
        ])
    );
    let too_many: Record = serde_json::from_value(json!({"type": "case", "id": ids(Case, 1),
        "title": "t", "compartment": "c", "records": vec![ids(Event, 1); 10_001]}))
    .unwrap();
    assert_eq!(
        problems(&too_many),
        s(&["records: too many: 10001 entries, at most 10000"])
    );
}
