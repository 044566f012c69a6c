//! The sample dataset (`data/sample/khronika-sample.json`): it reads, it is valid, every term
//! it uses is in the vocabularies, and it has what the product's demos and dashboards need.

use std::collections::{BTreeMap, BTreeSet};

use khronika_domain::date::{Date, FuzzyDate, Precision};
use khronika_domain::sample::{SAMPLE, sample};
use khronika_domain::vocab::{REQUIRED_ACT_TYPES, Vocabulary, lists};
use khronika_domain::{
    ARCHIVE_FORMAT, Archive, InterventionStatus, InvolvementRole, LinkKind, MembershipRole,
    NameKind, Provider, Record, Script, TermRef,
};
use serde_json::Value;

fn archive() -> Archive {
    sample().unwrap()
}

/// Every record of every compartment but the source-identities one.
fn open_records(a: &Archive) -> Vec<Record> {
    a.records()
        .filter(|(name, _)| a.compartment(name).is_some_and(|c| !c.source_identities))
        .map(|(_, r)| r)
        .collect()
}

#[test]
fn the_sample_reads_and_is_valid() {
    let a = archive();
    assert_eq!(a.format, ARCHIVE_FORMAT);
    let show = |r: Result<(), Vec<_>>| {
        r.map_err(|es| {
            es.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })
    };
    assert_eq!(show(a.validate()), Ok(()));
    assert_eq!(show(a.check_references(|_| false)), Ok(()));
    for (_, r) in a.records() {
        assert_eq!(r.validate(), Ok(()), "{}", r.id());
    }
}

#[test]
fn the_sample_round_trips() {
    let a = archive();
    let pretty = serde_json::to_string_pretty(&a).unwrap();
    assert_eq!(Archive::parse(&pretty).unwrap(), a);
    let compact = serde_json::to_string(&a).unwrap();
    assert_eq!(Archive::parse(&compact).unwrap(), a);
    let records = a.clone().into_records();
    assert_eq!(records.len(), a.len());
    assert!(
        records
            .iter()
            .zip(a.records())
            .all(|(x, y)| x.0 == y.0 && x.1 == y.1)
    );
}

/// Every `{"list": …, "code": …}` object in the JSON.
fn term_refs(v: &Value, out: &mut Vec<TermRef>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(list)), Some(Value::String(code)), 2) =
                (m.get("list"), m.get("code"), m.len())
            {
                out.push(TermRef::new(list.as_str(), code.as_str()));
            }
            m.values().for_each(|x| term_refs(x, out));
        }
        Value::Array(xs) => xs.iter().for_each(|x| term_refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_term_is_in_the_vocabulary_under_its_own_code() {
    let vocab = Vocabulary::builtin().unwrap();
    let mut refs = Vec::new();
    term_refs(&serde_json::from_str(SAMPLE).unwrap(), &mut refs);
    assert!(refs.len() > 300, "{}", refs.len());
    for t in refs {
        let term = vocab.resolve(&t).unwrap_or_else(|e| panic!("{e}"));
        // Records store a term's own code, not a Khronika alias of a HURIDOCS term.
        assert_eq!(term.code, t.code, "{t} is an alias; store {}", term.code);
    }
}

#[test]
fn every_required_act_type_is_present() {
    let vocab = Vocabulary::builtin().unwrap();
    let a = archive();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for r in open_records(&a) {
        if let Record::Event(e) = r {
            for act in &e.acts {
                let t = act.act_type.as_ref().unwrap();
                *used.entry(t.code.clone()).or_default() += 1;
            }
        }
    }
    for code in REQUIRED_ACT_TYPES {
        let term = vocab.lookup(lists::TYPES_OF_ACTS, code).unwrap();
        assert!(used.contains_key(&term.code), "no act of type {code}");
    }
}

#[test]
fn cases_are_many_and_in_two_languages() {
    let a = archive();
    let titles: Vec<String> = open_records(&a)
        .into_iter()
        .filter_map(|r| match r {
            Record::Case(c) => Some(c.title),
            _ => None,
        })
        .collect();
    assert!(titles.len() >= 32, "{} cases", titles.len());
    let cyrillic = |s: &str| {
        s.chars()
            .any(|c| Script::of_char(c) == Some(Script::Cyrillic))
    };
    let russian = titles.iter().filter(|t| cyrillic(t)).count();
    let english = titles.len() - russian;
    assert!(russian >= 12 && english >= 12, "{russian} ru, {english} en");
}

#[test]
fn compartments_and_source_identities() {
    let a = archive();
    let names: Vec<&str> = a.compartments.iter().map(|c| c.name.as_str()).collect();
    assert!((4..=6).contains(&names.len()), "{names:?}");
    let secret: Vec<_> = a
        .compartments
        .iter()
        .filter(|c| c.source_identities)
        .collect();
    assert_eq!(secret.len(), 1);
    let ids = &secret[0].records;
    assert!(ids.persons.len() >= 5);
    assert!(ids.cases.is_empty() && ids.events.is_empty());
    // Each real identity has a name and a code, and the code is used outside the compartment.
    let open = open_records(&a);
    let used_codes: BTreeSet<String> = open
        .iter()
        .flat_map(|r| match r {
            Record::Testimony(t) => match &t.given_by {
                Some(Provider::Pseudonym(c)) => vec![c.clone()],
                _ => vec![],
            },
            Record::Source(s) => match &s.provider {
                Some(Provider::Pseudonym(c)) => vec![c.clone()],
                _ => vec![],
            },
            Record::Person(p) if !p.pseudonym.is_empty() => vec![p.pseudonym.clone()],
            _ => vec![],
        })
        .collect();
    for p in &ids.persons {
        assert!(!p.names.is_empty(), "{}", p.id);
        assert!(used_codes.contains(&p.pseudonym), "{} unused", p.pseudonym);
    }
    // Pseudonymous persons outside it carry no names.
    for r in &open {
        if let Record::Person(p) = r
            && !p.pseudonym.is_empty()
        {
            assert!(p.names.is_empty(), "{} names a pseudonymous person", p.id);
        }
    }
}

#[test]
fn testimonies_have_providers_and_consent() {
    let a = archive();
    let open = open_records(&a);
    let testimonies: Vec<_> = open
        .iter()
        .filter_map(|r| match r {
            Record::Testimony(t) => Some(t),
            _ => None,
        })
        .collect();
    assert!(testimonies.len() >= 15);
    let pseudonyms: BTreeSet<&str> = testimonies
        .iter()
        .filter_map(|t| match &t.given_by {
            Some(Provider::Pseudonym(c)) => Some(c.as_str()),
            _ => None,
        })
        .collect();
    assert!(pseudonyms.len() >= 3, "{pseudonyms:?}");
    let withdrawn = testimonies
        .iter()
        .filter(|t| t.consent.is_withdrawn())
        .count();
    assert!(withdrawn >= 2);
    assert!(testimonies.iter().any(|t| t.consent.may_use_in_court()));
    assert!(testimonies.iter().any(|t| t.consent.may_publish()));
    assert!(
        testimonies
            .iter()
            .any(|t| t.consent.may_share_with("Crimean Monitoring Network"))
    );
    // The withdrawn ones had consented before: the withdrawal is what stops them.
    assert!(
        testimonies
            .iter()
            .any(|t| t.consent.is_withdrawn() && t.consent.court && !t.consent.may_use_in_court())
    );
    let languages: BTreeSet<&str> = testimonies
        .iter()
        .filter_map(|t| t.language.as_ref().map(|l| l.as_str()))
        .collect();
    assert!(languages.len() >= 3, "{languages:?}");
    assert!(
        testimonies
            .iter()
            .all(|t| t.interview.mode.is_some() && t.interview.date.is_some())
    );
}

#[test]
fn interventions_have_deadlines_due_soon_and_later() {
    let a = archive();
    let open = open_records(&a);
    let all: Vec<_> = open
        .iter()
        .filter_map(|r| match r {
            Record::Intervention(i) => Some(i),
            _ => None,
        })
        .collect();
    let after = |y: u16, m: u8| Date::new(y, m, 1).unwrap();
    let open_due: Vec<Date> = all
        .iter()
        .filter(|i| i.status.is_open())
        .filter_map(|i| i.deadline)
        .collect();
    let in_december = open_due
        .iter()
        .filter(|d| (after(2026, 12)..after(2027, 1)).contains(d))
        .count();
    let in_2027 = open_due
        .iter()
        .filter(|d| (after(2027, 1)..after(2028, 1)).contains(d))
        .count();
    assert!(in_december >= 5 && in_2027 >= 5, "{in_december}, {in_2027}");
    let statuses: BTreeSet<InterventionStatus> = all.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses.len(),
        InterventionStatus::ALL.len(),
        "{statuses:?}"
    );
    assert!(all.iter().any(|i| i.addressee.contains("European Court")));
    assert!(all.iter().any(|i| {
        i.addressee
            .contains("Enforced or Involuntary Disappearances")
    }));
    assert!(
        all.iter()
            .any(|i| i.reply.is_some() && i.next_step.is_some())
    );
}

#[test]
fn events_persons_units_and_links_are_varied() {
    let a = archive();
    let open = open_records(&a);
    let mut precisions = BTreeSet::new();
    let (mut around, mut ranges, mut open_ended, mut coordinates) = (0, 0, 0, 0);
    let mut roles = BTreeSet::new();
    let (mut memberships, mut commanders, mut call_signs, mut two_scripts) = (0, 0, 0, 0);
    let (mut with_parent, mut links) = (0, BTreeSet::new());
    let dates = |d: &FuzzyDate| d.points().map(|p| p.date.precision()).collect::<Vec<_>>();
    for r in &open {
        match r {
            Record::Event(e) => {
                let d = e.date.unwrap();
                precisions.extend(dates(&d));
                around += usize::from(d.is_approximate());
                ranges += usize::from(d.is_range());
                open_ended += usize::from(d.start().is_none() || d.end().is_none());
                coordinates += usize::from(e.place.coordinates.is_some());
                roles.extend(e.involvements.iter().filter_map(|i| i.role));
                assert!(e.acts.iter().all(|a| a.victim.is_some()));
            }
            Record::Person(p) => {
                memberships += p.memberships.len();
                commanders += p
                    .memberships
                    .iter()
                    .filter(|m| m.role == MembershipRole::Commander && m.from.is_some())
                    .count();
                call_signs += usize::from(p.names.iter().any(|n| n.kind == NameKind::CallSign));
                let scripts: BTreeSet<Script> = p.names.iter().filter_map(|n| n.script()).collect();
                two_scripts += usize::from(scripts.len() >= 2);
            }
            Record::Unit(u) => with_parent += usize::from(u.parent.is_some()),
            Record::Link(l) => {
                links.insert(l.kind.unwrap());
            }
            _ => {}
        }
    }
    assert_eq!(
        precisions,
        BTreeSet::from([Precision::Day, Precision::Month, Precision::Year])
    );
    assert!(around >= 3 && ranges >= 5 && open_ended >= 2 && coordinates >= 10);
    assert_eq!(roles.len(), InvolvementRole::ALL.len());
    assert!(memberships >= 15 && commanders >= 5 && call_signs >= 5 && two_scripts >= 30);
    assert!(with_parent >= 2);
    for kind in [
        LinkKind::Supports,
        LinkKind::PartOf,
        LinkKind::Follows,
        LinkKind::SamePersonAs,
    ] {
        assert!(links.contains(&kind), "no {kind} link");
    }
}
