//! JSON: round trips of every record type, the `type` tag, defaults for absent fields, and the
//! fixed vectors `vectors/record_set.json` and `vectors/records.json`.
//!
//! The vectors pin the wire format: field names, their order, how ids, dates, terms and
//! enums are written. If a test here fails after a change, the format changed; updating a
//! vector is a deliberate, reviewed act (the failure message prints the new text).

use khronika_domain::{
    Case, Event, Intervention, Link, Person, Record, RecordKind, RecordSet, Source, Testimony, Unit,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::fixtures::{self, ids};

const RECORD_SET: &str = include_str!("vectors/record_set.json");
const RECORDS: &str = include_str!("vectors/records.json");

fn pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}

/// `value` survives JSON as its own type and as a [`Record`].
fn round_trip<T>(value: T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + Clone + Into<Record>,
{
    let text = serde_json::to_string(&value).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    assert_eq!(back, value);
    let record: Record = value.clone().into();
    let tagged = serde_json::to_string(&record).unwrap();
    let kind = record.kind();
    assert!(
        tagged.starts_with(&format!("{{\"type\":\"{kind}\",\"id\":\"")),
        "{tagged}"
    );
    let back: Record = serde_json::from_str(&tagged).unwrap();
    assert_eq!(back, record);
    assert_eq!(back.id().kind(), kind);
    // Pretty or compact, the same.
    let back: Record =
        serde_json::from_str(&serde_json::to_string_pretty(&record).unwrap()).unwrap();
    assert_eq!(back, record);
}

#[test]
fn every_type_round_trips() {
    round_trip(fixtures::case());
    round_trip(fixtures::event());
    round_trip(fixtures::victim());
    round_trip(fixtures::commander());
    round_trip(fixtures::unit());
    round_trip(fixtures::parent_unit());
    round_trip(fixtures::source());
    round_trip(fixtures::testimony());
    round_trip(fixtures::intervention());
    round_trip(fixtures::link());
    let set = fixtures::record_set();
    let back: RecordSet = serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
    assert_eq!(back, set);
    assert_eq!(RecordSet::from_records(set.clone().into_records()), set);
    assert_eq!(set.len(), 10);
    assert!(!set.is_empty() && RecordSet::default().is_empty());
}

/// The smallest record of each type (its id) reads, fills every other field with its default,
/// and round-trips.
#[test]
fn absent_fields_take_defaults() {
    let kinds = [
        ("case", RecordKind::Case),
        ("event", RecordKind::Event),
        ("person", RecordKind::Person),
        ("unit", RecordKind::Unit),
        ("source", RecordKind::Source),
        ("testimony", RecordKind::Testimony),
        ("intervention", RecordKind::Intervention),
        ("link", RecordKind::Link),
    ];
    for (tag, kind) in kinds {
        let id = ids(kind, 1);
        let r: Record = serde_json::from_value(json!({"type": tag, "id": id})).unwrap();
        assert_eq!(r.kind(), kind);
        let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
    let p: Person = serde_json::from_value(json!({"id": ids(RecordKind::Person, 1)})).unwrap();
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({
            "id": ids(RecordKind::Person, 1),
            "names": [],
            "pseudonym": "",
            "sex": "unknown",
            "birth_year": null,
            "memberships": [],
            "notes": ""
        })
    );
    let s: Source = serde_json::from_value(json!({"id": ids(RecordKind::Source, 1)})).unwrap();
    assert_eq!(
        serde_json::to_value(&s.consent).unwrap(),
        json!({"court": false, "publication": false, "partners": [], "withdrawn": null})
    );
    assert_eq!(
        serde_json::to_value(s.reliability).unwrap(),
        json!("unknown")
    );
    let i: Intervention =
        serde_json::from_value(json!({"id": ids(RecordKind::Intervention, 1)})).unwrap();
    assert_eq!(serde_json::to_value(i.status).unwrap(), json!("drafted"));
}

#[test]
fn the_record_set_vector() {
    let set = fixtures::record_set();
    let written = pretty(&set);
    assert!(
        written == RECORD_SET,
        "the record set's JSON changed; if deliberate, update tests/it/vectors/record_set.json to:\n{written}"
    );
    let read: RecordSet = serde_json::from_str(RECORD_SET).unwrap();
    assert_eq!(read, set);
    assert_eq!(read.validate(), Ok(()));
}

#[test]
fn the_records_vector() {
    let records = fixtures::record_set().into_records();
    let written = pretty(&records);
    assert!(
        written == RECORDS,
        "the records' JSON changed; if deliberate, update tests/it/vectors/records.json to:\n{written}"
    );
    let read: Vec<Record> = serde_json::from_str(RECORDS).unwrap();
    assert_eq!(read, records);
}

#[test]
fn concrete_types_read_their_part_of_the_vector() {
    let v: serde_json::Value = serde_json::from_str(RECORD_SET).unwrap();
    fn first<T: DeserializeOwned>(v: &serde_json::Value, key: &str) -> T {
        serde_json::from_value(v[key][0].clone()).unwrap()
    }
    assert_eq!(first::<Case>(&v, "cases"), fixtures::case());
    assert_eq!(first::<Event>(&v, "events"), fixtures::event());
    assert_eq!(first::<Person>(&v, "persons"), fixtures::victim());
    assert_eq!(first::<Unit>(&v, "units"), fixtures::unit());
    assert_eq!(first::<Source>(&v, "sources"), fixtures::source());
    assert_eq!(first::<Testimony>(&v, "testimonies"), fixtures::testimony());
    assert_eq!(
        first::<Intervention>(&v, "interventions"),
        fixtures::intervention()
    );
    assert_eq!(first::<Link>(&v, "links"), fixtures::link());
}

#[test]
fn input_aliases_are_written_canonically() {
    let r: Record = serde_json::from_value(json!({
        "type": "event",
        "id": ids(RecordKind::Event, 1).to_lowercase(),
        "date": "около 2017-04",
    }))
    .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["id"], json!(ids(RecordKind::Event, 1)));
    assert_eq!(v["date"], json!("around 2017-04"));
    let s: Source = serde_json::from_value(json!({
        "id": ids(RecordKind::Source, 1),
        "language": "RU",
        "evidence": ["e7zk3m1xq9tb2c4d5"],
    }))
    .unwrap();
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["language"], json!("ru"));
    assert_eq!(v["evidence"], json!(["E7ZK3M1XQ9TB2C4D5"]));
}

#[test]
fn coordinates_are_kept_to_a_ten_millionth_of_a_degree() {
    use khronika_domain::LatLon;
    let p = LatLon::new(43.194_412_345_6, -45.283_100_04);
    assert_eq!((p.lat(), p.lon()), (43.194_412_3, -45.283_1));
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        r#"{"lat":43.1944123,"lon":-45.2831}"#
    );
    // Absurd values stay absurd, for validation to report; NaN too.
    let far = LatLon::new(1e300, f64::NAN);
    assert_eq!((far.lat(), far.lon()), (1000.0, 1000.0));
    let err = serde_json::from_str::<LatLon>(r#"{"lat":1,"lon":2,"alt":3}"#).unwrap_err();
    assert!(err.to_string().contains("unknown field `alt`"), "{err}");
}

#[test]
fn errors_in_a_record_set_carry_their_line() {
    let text = format!(
        "{{\n  \"events\": [\n    {{\n      \"id\": \"{}\",\n      \"date\": \"2014-13\"\n    }}\n  ]\n}}\n",
        ids(RecordKind::Event, 1)
    );
    let err = serde_json::from_str::<RecordSet>(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "month 13 does not exist at line 5 column 23"
    );
    assert_eq!(err.line(), 5);
}

proptest::proptest! {
    #[test]
    fn coordinates_round_trip_through_json(lat in proptest::num::f64::ANY, lon in -180.0f64..180.0) {
        use khronika_domain::LatLon;
        let p = LatLon::new(lat, lon);
        let text = serde_json::to_string(&p).unwrap();
        let back: LatLon = serde_json::from_str(&text).unwrap();
        proptest::prop_assert_eq!(back, p);
        if lat.is_finite() && lat.abs() <= 90.0 {
            proptest::prop_assert!((p.lat() - lat).abs() <= 0.5e-7 + 1e-12);
        }
    }
}

/// The stable names of every enum, as written in JSON; changing one is a format change. The
/// enums with a vocabulary list name their label terms `khr:<name>` in it.
#[test]
fn stable_names() {
    use khronika_domain::{
        InterventionStatus, InterviewMode, InvolvementRole, LinkKind, MembershipRole, NameKind,
        Reliability, Script,
    };
    fn names<T: Serialize>(all: &[T]) -> String {
        let v: Vec<String> = all
            .iter()
            .map(|x| {
                serde_json::to_value(x)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        v.join(" ")
    }
    assert_eq!(names(Script::ALL), "cyrillic latin other");
    assert_eq!(
        names(NameKind::ALL),
        "official transliteration alias call_sign"
    );
    assert_eq!(names(MembershipRole::ALL), "commander member");
    assert_eq!(
        names(InvolvementRole::ALL),
        "ordered carried_out was_present failed_to_act"
    );
    assert_eq!(names(Reliability::ALL), "high medium low unknown");
    assert_eq!(
        names(InterviewMode::ALL),
        "in_person video_call audio_call written other"
    );
    assert_eq!(
        names(InterventionStatus::ALL),
        "drafted filed acknowledged under_consideration decided rejected appealed closed"
    );
    assert_eq!(
        names(LinkKind::ALL),
        "supports contradicts part_of follows same_person_as related_to"
    );
    for r in InvolvementRole::ALL {
        assert_eq!(InvolvementRole::parse(r.as_str()), Some(*r));
        assert_eq!(
            r.term().to_string(),
            format!("khr_involvement_roles/khr:{r}")
        );
        assert_eq!(r.term().check(), Ok(()));
    }
    for r in Reliability::ALL {
        assert_eq!(
            r.term().to_string(),
            format!("khr_source_reliability/khr:{r}")
        );
        assert_eq!(r.term().check(), Ok(()));
    }
    for s in InterventionStatus::ALL {
        assert_eq!(
            s.term().to_string(),
            format!("khr_intervention_statuses/khr:{s}")
        );
        assert_eq!(s.term().check(), Ok(()));
    }
    assert!(InterventionStatus::Filed.is_filed() && !InterventionStatus::Drafted.is_filed());
    assert!(!InterventionStatus::Closed.is_open() && InterventionStatus::Appealed.is_open());
}

#[test]
fn term_text_form() {
    use khronika_domain::TermRef;
    let t = TermRef::parse(" types_of_acts / khr:torture ").unwrap();
    assert_eq!(t, TermRef::new("types_of_acts", "khr:torture"));
    assert!(t.is_khronika());
    assert_eq!(t.to_string(), "types_of_acts/khr:torture");
    assert_eq!(
        TermRef::parse("torture").unwrap_err().to_string(),
        "\"torture\" is not a term; write list/code, e.g. types_of_acts/01000000000004"
    );
    for bad in [
        "types_of_acts/",
        "types_of_acts/0100000000000",
        "types_of_acts/khr:",
        "types_of_acts/khr:Torture",
        "/01000000000004",
        "1list/01000000000004",
    ] {
        assert!(TermRef::parse(bad).is_err(), "{bad}");
    }
}
