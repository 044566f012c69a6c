//! Fixed, valid records of every type (invented people and places), with every field used,
//! and fixed ids, so that tests and the JSON vectors in `vectors/` are reproducible.

use khronika_domain::date::{Date, FuzzyDate};
use khronika_domain::{
    Act, Case, Consent, Event, EvidenceId, Intervention, InterventionStatus, Interview,
    InterviewMode, Involvement, InvolvementRole, LanguageCode, LatLon, Link, LinkKind, Membership,
    MembershipRole, NameKind, NextStep, Person, PersonName, Place, Provider, RecordId, RecordKind,
    RecordSet, Reliability, Reply, Script, Sex, Source, TermRef, Testimony, Unit, UnitName,
    Withdrawal,
};

/// A fixed id: `kind` and sixteen copies of `n`.
pub fn id(kind: RecordKind, n: u8) -> RecordId {
    RecordId::new(kind, [n; 16])
}

/// The text of [`id`].
pub fn ids(kind: RecordKind, n: u8) -> String {
    id(kind, n).to_string()
}

pub fn fuzzy(s: &str) -> FuzzyDate {
    FuzzyDate::parse(s).unwrap()
}

pub fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub fn term(list: &str, code: &str) -> TermRef {
    TermRef::new(list, code)
}

pub fn case() -> Case {
    Case {
        id: id(RecordKind::Case, 1),
        title: "Задержания на блокпосту у Ачхой-Мартана, декабрь 2014".into(),
        summary: "Three men detained at a checkpoint; one still missing.\nComplaints filed.".into(),
        compartment: "4f1c0e2a9b3d47e6a8c5b2d1e0f9a7c3".into(),
        responsible: "m-0b7e4c2d".into(),
        records: vec![
            id(RecordKind::Event, 2),
            id(RecordKind::Person, 3),
            id(RecordKind::Person, 4),
            id(RecordKind::Unit, 5),
            id(RecordKind::Source, 6),
            id(RecordKind::Testimony, 7),
            id(RecordKind::Intervention, 8),
        ],
    }
}

pub fn event() -> Event {
    Event {
        id: id(RecordKind::Event, 2),
        title: "Detention of three men at the Achkhoy-Martan checkpoint".into(),
        description: "At about 22:00 a patrol stopped a car…\nTwo men were released.".into(),
        date: Some(fuzzy("2014-12-03")),
        place: Place {
            text: "Achkhoy-Martan, checkpoint on the road to Shaami-Yurt".into(),
            geo: Some(term("geographical_terms", "04015000000015")),
            coordinates: Some(LatLon::new(43.1944, 45.2831)),
        },
        acts: vec![
            Act {
                id: id(RecordKind::Act, 9),
                victim: Some(id(RecordKind::Person, 3)),
                act_type: Some(term("types_of_acts", "khr:arbitrary_detention")),
                date: Some(fuzzy("2014-12-03")),
                methods: vec![],
                notes: String::new(),
            },
            Act {
                id: id(RecordKind::Act, 10),
                victim: Some(id(RecordKind::Person, 3)),
                act_type: Some(term("types_of_acts", "02011111000004")),
                date: Some(fuzzy("2014-12-03..around 2014-12-05")),
                methods: vec![term("methods_of_violence", "03010000000005")],
                notes: "Beaten during questioning.".into(),
            },
        ],
        involvements: vec![
            Involvement {
                perpetrator: Some(id(RecordKind::Unit, 5)),
                role: Some(InvolvementRole::CarriedOut),
                degree: Some(term("degrees_of_involvement", "01010000000018")),
                act: None,
                notes: String::new(),
            },
            Involvement {
                perpetrator: Some(id(RecordKind::Person, 4)),
                role: Some(InvolvementRole::Ordered),
                degree: None,
                act: Some(id(RecordKind::Act, 10)),
                notes: "Named by two witnesses.".into(),
            },
        ],
    }
}

pub fn victim() -> Person {
    Person {
        id: id(RecordKind::Person, 3),
        names: vec![
            PersonName {
                given: "Ислам".into(),
                patronymic: "Русланович".into(),
                surname: "Дадашев".into(),
                script: Some(Script::Cyrillic),
                kind: NameKind::Official,
            },
            PersonName {
                given: "Islam".into(),
                patronymic: "Ruslanovich".into(),
                surname: "Dadashev".into(),
                script: Some(Script::Latin),
                kind: NameKind::Transliteration,
            },
        ],
        pseudonym: String::new(),
        sex: Sex::Term(term("sex", "01000000000039")),
        birth_year: Some(fuzzy("around 1989")),
        memberships: vec![],
        notes: String::new(),
    }
}

pub fn commander() -> Person {
    Person {
        id: id(RecordKind::Person, 4),
        names: vec![
            PersonName {
                given: "Гюрза".into(),
                script: Some(Script::Cyrillic),
                kind: NameKind::CallSign,
                ..PersonName::default()
            },
            PersonName {
                surname: "Магомадов".into(),
                script: None,
                kind: NameKind::Alias,
                ..PersonName::default()
            },
        ],
        pseudonym: String::new(),
        sex: Sex::Unknown,
        birth_year: Some(fuzzy("1975..1980")),
        memberships: vec![Membership {
            unit: Some(id(RecordKind::Unit, 5)),
            role: MembershipRole::Commander,
            position: "командир роты".into(),
            from: Some(fuzzy("2013")),
            to: Some(fuzzy("around 2016-06")),
        }],
        notes: "Identity not confirmed.".into(),
    }
}

pub fn unit() -> Unit {
    Unit {
        id: id(RecordKind::Unit, 5),
        names: vec![
            UnitName {
                name: "Полк патрульно-постовой службы № 2".into(),
                script: Some(Script::Cyrillic),
                kind: NameKind::Official,
            },
            UnitName {
                name: "PPS-2".into(),
                script: Some(Script::Latin),
                kind: NameKind::Alias,
            },
        ],
        unit_type: Some(term("types_of_perpetrators", "01010400000024")),
        parent: Some(id(RecordKind::Unit, 11)),
        notes: String::new(),
    }
}

pub fn source() -> Source {
    Source {
        id: id(RecordKind::Source, 6),
        title: "Medical certificate, district hospital".into(),
        source_type: Some(term("types_of_source_material", "khr:official_document")),
        provider: Some(Provider::Person(id(RecordKind::Person, 3))),
        relation: Some(term("source_connection_to_information", "01010000000019")),
        date: Some(fuzzy("2014-12-06")),
        reliability: Reliability::High,
        language: Some(LanguageCode::parse("ru").unwrap()),
        description: "Bruises on back and legs.".into(),
        evidence: vec![EvidenceId::parse("E7ZK3M1XQ9TB2C4D5").unwrap()],
        consent: Consent {
            court: true,
            publication: false,
            partners: vec!["Memorial".into()],
            withdrawn: None,
        },
    }
}

pub fn testimony() -> Testimony {
    Testimony {
        id: id(RecordKind::Testimony, 7),
        title: "Statement of W-17".into(),
        given_by: Some(Provider::Pseudonym("W-17".into())),
        relation: Some(term("source_connection_to_information", "01020000000019")),
        interview: Interview {
            mode: Some(InterviewMode::VideoCall),
            place: "remote".into(),
            date: Some(fuzzy("2015-01-20")),
            by: "documenter 3".into(),
            notes: "Interpreter present (Chechen-Russian).".into(),
        },
        reliability: Reliability::Medium,
        language: Some(LanguageCode::parse("ce").unwrap()),
        transcript: "Q: What did you see?\nA: Three men were taken out of the car.".into(),
        evidence: vec![EvidenceId::parse("E0123456789ABCDEF").unwrap()],
        consent: Consent {
            court: true,
            publication: true,
            partners: vec!["Partner A".into(), "Partner B".into()],
            withdrawn: Some(Withdrawal {
                date: Some(date("2016-03-01")),
                note: "Asked by phone; fears for relatives.".into(),
            }),
        },
    }
}

pub fn intervention() -> Intervention {
    Intervention {
        id: id(RecordKind::Intervention, 8),
        kind: Some(term("khr_intervention_types", "khr:complaint")),
        addressee: "Investigative Committee, Achkhoy-Martan district".into(),
        filed_by: "the organisation's lawyer".into(),
        filed: Some(fuzzy("2014-12-10")),
        reference: "№ 123/45-2014".into(),
        deadline: Some(date("2015-01-10")),
        status: InterventionStatus::Rejected,
        reply: Some(Reply {
            date: Some(fuzzy("2015-02")),
            text: "Refusal to open a criminal case.".into(),
        }),
        next_step: Some(NextStep {
            text: "Appeal to the district court (art. 125 CPC).".into(),
            due: Some(date("2015-03-01")),
        }),
        concerns: vec![id(RecordKind::Event, 2), id(RecordKind::Person, 3)],
        notes: String::new(),
    }
}

pub fn link() -> Link {
    Link {
        id: id(RecordKind::Link, 12),
        from: Some(id(RecordKind::Testimony, 7)),
        to: Some(id(RecordKind::Event, 2)),
        kind: Some(LinkKind::Supports),
        note: "Eyewitness to the detention.".into(),
    }
}

pub fn parent_unit() -> Unit {
    Unit {
        id: id(RecordKind::Unit, 11),
        names: vec![UnitName {
            name: "МВД по Чеченской Республике".into(),
            script: None,
            kind: NameKind::Official,
        }],
        unit_type: None,
        parent: None,
        notes: String::new(),
    }
}

/// All of the above as one set.
pub fn record_set() -> RecordSet {
    RecordSet {
        cases: vec![case()],
        events: vec![event()],
        persons: vec![victim(), commander()],
        units: vec![unit(), parent_unit()],
        sources: vec![source()],
        testimonies: vec![testimony()],
        interventions: vec![intervention()],
        links: vec![link()],
    }
}
