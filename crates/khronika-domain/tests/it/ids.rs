//! Record ids and evidence ids: the text form, what parsing accepts and refuses, and property
//! round trips.

use khronika_domain::{EvidenceId, RecordId, RecordKind};
use proptest::prelude::*;

/// `input` parses to the id written `expect`, or fails with `error: <message>`.
fn check(input: &str, expect: &str) {
    let got = match RecordId::parse(input) {
        Ok(id) => id.to_string(),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(got, expect, "input {input:?}");
}

#[test]
fn record_ids_parse_and_format() {
    let zeros = "00000000000000000000000000";
    let table: &[(&str, &str)] = &[
        (
            "P-00000000000000000000000000",
            "P-00000000000000000000000000",
        ),
        (
            "V-7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "V-7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
        ),
        // Lower case, misreadings (O for 0, I and L for 1) and spaces around are accepted.
        (
            "p-0000000000000000000000000z",
            "P-0000000000000000000000000Z",
        ),
        (
            "C-OOOOOOOOOOOOOOOOOOOOOOOOOI",
            "C-00000000000000000000000001",
        ),
        (
            "  U-0000000000000000000000000l ",
            "U-00000000000000000000000001",
        ),
        (
            "A-3M2Q7ZK0V1X9T4B8C6D5E2F1GH",
            "A-3M2Q7ZK0V1X9T4B8C6D5E2F1GH",
        ),
        ("", "error: no id given"),
        ("   ", "error: no id given"),
        (
            "P00000000000000000000000000",
            "error: \"P00000000000000000000000000\" is not a record id; a record id is a type letter, a hyphen and 26 characters, e.g. P-3M2Q7ZK0V1X9T4B8C6D5E2F1GH",
        ),
        (
            "X-00000000000000000000000000",
            "error: \"X\" is not a record type letter; use one of C, V, A, P, U, S, T, I, L",
        ),
        (
            "Ж-00000000000000000000000000",
            "error: \"Ж\" is not a record type letter; use one of C, V, A, P, U, S, T, I, L",
        ),
        (
            "P-",
            "error: a record id has 26 characters after the hyphen, this one has 0",
        ),
        (
            "P-123",
            "error: a record id has 26 characters after the hyphen, this one has 3",
        ),
        (
            "P-000000000000000000000000000",
            "error: a record id has 26 characters after the hyphen, this one has 27",
        ),
        (
            "P-0000000000000000000000000U",
            "error: \"U\" cannot appear in an id (ids use 0-9 and A-Z without I, L, O and U)",
        ),
        (
            "P-0000000000000000000000000Ё",
            "error: \"Ё\" cannot appear in an id (ids use 0-9 and A-Z without I, L, O and U)",
        ),
        (
            "P-80000000000000000000000000",
            "error: record id out of range: the first character after the hyphen must be 0-7",
        ),
    ];
    for (input, expect) in table {
        check(input, expect);
    }
    assert_eq!(
        RecordId::parse(&format!("S-{zeros}")).unwrap().kind(),
        RecordKind::Source
    );
}

#[test]
fn kinds_have_letters_and_names() {
    let got: Vec<String> = RecordKind::ALL
        .iter()
        .map(|k| format!("{}={}", k.letter(), k))
        .collect();
    assert_eq!(
        got.join(" "),
        "C=case V=event A=act P=person U=unit S=source T=testimony I=intervention L=link"
    );
    for k in RecordKind::ALL {
        assert_eq!(RecordKind::from_letter(k.letter()), Some(k));
        assert_eq!(RecordKind::parse(k.as_str()), Some(k));
    }
}

#[test]
fn the_kind_is_part_of_the_id() {
    let p = RecordId::new(RecordKind::Person, [7; 16]);
    let u = RecordId::new(RecordKind::Unit, [7; 16]);
    assert_ne!(p, u);
    assert_eq!(p.bytes(), u.bytes());
    assert_eq!(p.to_string()[2..], u.to_string()[2..]);
    assert_eq!(p.short(), "P-070W3GE1");
    assert_eq!(format!("{p:?}"), format!("RecordId({p})"));
}

#[test]
fn evidence_ids() {
    let table: &[(&str, &str)] = &[
        ("E7ZK3M1XQ9TB2C4D5", "E7ZK3M1XQ9TB2C4D5"),
        ("e7zk3m1xq9tb2c4d5", "E7ZK3M1XQ9TB2C4D5"),
        ("EOOOOOOOOOOOOOOOI", "E0000000000000001"),
        (
            "E123",
            "error: \"E123\" is not an evidence id; an evidence id is E and 16 characters, e.g. E7ZK3M1XQ9TB2C4D5",
        ),
        (
            "X7ZK3M1XQ9TB2C4D5",
            "error: \"X7ZK3M1XQ9TB2C4D5\" is not an evidence id; an evidence id is E and 16 characters, e.g. E7ZK3M1XQ9TB2C4D5",
        ),
        (
            "E7ZK3M1XQ9TB2C4DU",
            "error: \"E7ZK3M1XQ9TB2C4DU\" is not an evidence id; an evidence id is E and 16 characters, e.g. E7ZK3M1XQ9TB2C4D5",
        ),
        (
            "",
            "error: \"\" is not an evidence id; an evidence id is E and 16 characters, e.g. E7ZK3M1XQ9TB2C4D5",
        ),
    ];
    for (input, expect) in table {
        let got = match EvidenceId::parse(input) {
            Ok(id) => id.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(&got, expect, "input {input:?}");
    }
}

fn any_kind() -> impl Strategy<Value = RecordKind> {
    prop::sample::select(RecordKind::ALL.to_vec())
}

proptest! {
    #[test]
    fn record_ids_round_trip(kind in any_kind(), bytes in any::<[u8; 16]>()) {
        let id = RecordId::new(kind, bytes);
        let text = id.to_string();
        prop_assert_eq!(text.len(), 28);
        let prefix = format!("{}-", kind.letter());
        prop_assert!(text.starts_with(&prefix));
        prop_assert_eq!(RecordId::parse(&text), Ok(id));
        prop_assert_eq!(RecordId::parse(&text.to_lowercase()), Ok(id));
        prop_assert!(text.starts_with(&id.short()));
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(json, format!("\"{text}\""));
        let back: RecordId = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        prop_assert_eq!(back, id);
    }

    #[test]
    fn record_id_order_is_kind_then_bytes(
        a in (any_kind(), any::<[u8; 16]>()),
        b in (any_kind(), any::<[u8; 16]>()),
    ) {
        let (x, y) = (RecordId::new(a.0, a.1), RecordId::new(b.0, b.1));
        prop_assert_eq!(x.cmp(&y), a.cmp(&b));
    }

    #[test]
    fn record_id_parsing_never_panics(s in "\\PC{0,40}") {
        if let Ok(id) = RecordId::parse(&s) {
            prop_assert_eq!(RecordId::parse(&id.to_string()), Ok(id));
        }
    }

    #[test]
    fn evidence_ids_round_trip(bytes in proptest::collection::vec(0u8..32, 16)) {
        let text: String = std::iter::once('E')
            .chain(bytes.iter().map(|&b| char::from(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[usize::from(b)])))
            .collect();
        let id = EvidenceId::parse(&text).unwrap();
        prop_assert_eq!(id.as_str(), text.as_str());
        let back: EvidenceId = serde_json::from_str(&serde_json::to_string(&id).unwrap()).unwrap();
        prop_assert_eq!(back, id);
    }
}
