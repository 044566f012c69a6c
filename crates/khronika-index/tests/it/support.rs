//! Shared helpers: keys, temporary indexes, revision builders and small records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use khronika_domain::{
    Act, Case, Edit, Event, Intervention, Involvement, InvolvementRole, Link, LinkKind, NameKind,
    Person, PersonName, Record, RecordId, RecordKind, Revision, RevisionId, Unit, UnitName,
};
use khronika_index::{IndexKey, Position, RecordIndex};
use serde_json::Value;
use tempfile::TempDir;

/// The key of the test indexes.
pub fn key() -> IndexKey {
    IndexKey::from_bytes([0x5a; 32])
}

/// Another key.
pub fn other_key() -> IndexKey {
    let mut k = [0x5a; 32];
    k[31] = 0x5b;
    IndexKey::from_bytes(k)
}

/// A temporary folder and the index file's path inside it.
pub fn folder() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.db");
    (dir, path)
}

/// Open (or create) the index at `path` with the test key.
pub fn open(path: &Path) -> RecordIndex {
    RecordIndex::open(path, &key()).unwrap()
}

/// A record id: `kind` and sixteen copies of `n`.
pub fn id(kind: RecordKind, n: u8) -> RecordId {
    RecordId::new(kind, [n; 16])
}

/// A revision id from a number (unique for each number).
pub fn rid(n: u32) -> RevisionId {
    let mut b = [0x77; 32];
    b[..4].copy_from_slice(&n.to_be_bytes());
    RevisionId(b)
}

/// A device id.
pub fn device(n: u8) -> [u8; 16] {
    [n; 16]
}

/// The create of `record` as revision `n`.
pub fn create(n: u32, record: impl Into<Record>) -> Revision {
    Edit::create(&record.into()).unwrap().into_revision(
        rid(n),
        format!("member-{n}"),
        1_000 * i64::from(n),
        format!("dev:{n}"),
    )
}

/// Revision `n` of `record`, superseding `supersedes` and writing `fields` (a JSON object).
pub fn edit(n: u32, record: RecordId, supersedes: &[u32], fields: Value) -> Revision {
    let Value::Object(fields) = fields else {
        panic!("fields must be a JSON object")
    };
    Revision {
        id: rid(n),
        record,
        supersedes: supersedes.iter().map(|&s| rid(s)).collect(),
        fields: fields.into_iter().collect(),
        author: format!("member-{n}"),
        time_ms: 1_000 * i64::from(n),
        origin: format!("dev:{n}"),
    }
}

/// Apply revisions as one batch from device 1, positions counted from `from`.
pub fn apply_from(index: &mut RecordIndex, from: u64, revs: &[Revision]) {
    let batch: Vec<(Position, Revision)> = revs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let index = from + u64::try_from(i).unwrap();
            (
                Position {
                    device: device(1),
                    index,
                },
                r.clone(),
            )
        })
        .collect();
    let n = from + u64::try_from(revs.len()).unwrap();
    let covered = BTreeMap::from([(device(1), n)]);
    index.apply(&batch, &covered).unwrap();
}

/// Apply revisions as one batch from device 1, positions from 0.
pub fn apply(index: &mut RecordIndex, revs: &[Revision]) {
    apply_from(index, 0, revs);
}

pub fn case(n: u8, title: &str, records: Vec<RecordId>) -> Case {
    Case {
        id: id(RecordKind::Case, n),
        title: title.into(),
        summary: String::new(),
        compartment: "c-1".into(),
        responsible: String::new(),
        records,
    }
}

pub fn person(n: u8, given: &str, surname: &str) -> Person {
    Person {
        id: id(RecordKind::Person, n),
        names: vec![PersonName {
            given: given.into(),
            surname: surname.into(),
            kind: NameKind::Official,
            ..PersonName::default()
        }],
        pseudonym: String::new(),
        sex: Default::default(),
        birth_year: None,
        memberships: vec![],
        notes: String::new(),
    }
}

pub fn unit(n: u8, name: &str) -> Unit {
    Unit {
        id: id(RecordKind::Unit, n),
        names: vec![UnitName {
            name: name.into(),
            script: None,
            kind: NameKind::Official,
        }],
        unit_type: None,
        parent: None,
        notes: String::new(),
    }
}

/// An event whose acts have these (act number, victim) and whose involvements these
/// perpetrators.
pub fn event(n: u8, title: &str, acts: &[(u8, RecordId)], perpetrators: &[RecordId]) -> Event {
    Event {
        id: id(RecordKind::Event, n),
        title: title.into(),
        description: String::new(),
        date: None,
        place: Default::default(),
        acts: acts
            .iter()
            .map(|&(a, victim)| Act {
                id: id(RecordKind::Act, a),
                victim: Some(victim),
                act_type: None,
                date: None,
                methods: vec![],
                notes: String::new(),
            })
            .collect(),
        involvements: perpetrators
            .iter()
            .map(|&p| Involvement {
                perpetrator: Some(p),
                role: Some(InvolvementRole::CarriedOut),
                degree: None,
                act: None,
                notes: String::new(),
            })
            .collect(),
    }
}

pub fn intervention(n: u8, addressee: &str, concerns: Vec<RecordId>) -> Intervention {
    Intervention {
        id: id(RecordKind::Intervention, n),
        kind: None,
        addressee: addressee.into(),
        filed_by: String::new(),
        filed: None,
        reference: String::new(),
        deadline: None,
        status: Default::default(),
        reply: None,
        next_step: None,
        concerns,
        notes: String::new(),
    }
}

pub fn link(n: u8, from: RecordId, kind: LinkKind, to: RecordId) -> Link {
    Link {
        id: id(RecordKind::Link, n),
        from: Some(from),
        to: Some(to),
        kind: Some(kind),
        note: String::new(),
    }
}
