//! Tests of the controlled vocabularies: the HURIDOCS data, Russian labels, Khronika's additions,
//! lookups and search, and clear errors for malformed data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use khronika_domain::vocab::{
    AnomalyKind, ListOrigin, REQUIRED_ACT_TYPES, Sources, TermOrigin, TermRef, VocabErrorKind,
    Vocabulary, lists,
};

const RU_HEADER: &str = "code,label,machine_translated\n";
const ADDITIONS_HEADER: &str =
    "list,code,parent,same_as,exchange_as,en,ru,ru_machine_translated,frameworks\n";
const INSTRUMENTS_HEADER: &str = "id,code,short_en,short_ru\n";
const HURIDOCS_HEADER: &str = "vocab_number,huri_code,list_code,list_name,english,french,spanish,visible,term_order,parent_vocab_number,term_level\r\n";

fn vocab() -> &'static Vocabulary {
    Vocabulary::builtin().unwrap()
}

/// Sources with only the given HURIDOCS text and empty Khronika files.
fn huridocs_only(huridocs: &str) -> Sources<'_> {
    Sources {
        version: "test-1",
        huridocs,
        ru_labels: RU_HEADER,
        additions: ADDITIONS_HEADER,
        instruments: INSTRUMENTS_HEADER,
    }
}

/// The lists the forms show, whose levels 0 and 1 must all have Russian labels.
const FORM_LISTS: &[&str] = &[
    lists::TYPES_OF_ACTS,
    lists::METHODS_OF_VIOLENCE,
    lists::DEGREES_OF_INVOLVEMENT,
    lists::TYPES_OF_SOURCE_MATERIAL,
    lists::SOURCE_CONNECTION_TO_INFORMATION,
    lists::TYPES_OF_INTERVENTION,
    lists::TYPES_OF_PERPETRATORS,
    lists::TYPES_OF_DETENTION,
    lists::SEX,
    lists::INTERNATIONAL_INSTRUMENTS,
];

// --- the HURIDOCS data ------------------------------------------------------------------------

#[test]
fn huridocs_file_parses_to_4507_terms_and_48_standard_lists() {
    let v = Vocabulary::parse(&huridocs_only(Sources::BUILTIN.huridocs)).unwrap();
    assert_eq!(v.term_count(), 4507);
    let standard: Vec<_> = v
        .lists
        .values()
        .filter(|l| matches!(l.origin, ListOrigin::Huridocs { .. }))
        .collect();
    assert_eq!(standard.len(), 48);
    let codes: BTreeSet<u16> = standard
        .iter()
        .map(|l| match l.origin {
            ListOrigin::Huridocs { list_code } => list_code,
            _ => 0,
        })
        .collect();
    assert_eq!(codes, (1..=48).collect());
    assert_eq!(standard.iter().map(|l| l.len()).sum::<usize>(), 3652);
    // What OpenEvSys added beside the standard lists: sexual orientation, a large general
    // thesaurus, and unnamed form placeholders.
    let extra: BTreeMap<&str, usize> = v
        .lists
        .values()
        .filter(|l| matches!(l.origin, ListOrigin::OpenEvSys { .. }))
        .map(|l| (l.name.as_str(), l.len()))
        .collect();
    let expected: BTreeMap<&str, usize> = [
        ("sexual_orientation", 7),
        ("other_thesaurus", 834),
        ("list_80", 8),
        ("list_90", 3),
        ("list_91", 2),
        ("list_92", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(extra, expected);
    assert_eq!(v.lists.len(), 54);
    assert_eq!(v.list(lists::TYPES_OF_ACTS).unwrap().len(), 530);
}

#[test]
fn builtin_keeps_every_huridocs_term_and_adds_khronika_terms() {
    let v = vocab();
    assert_eq!(v.version, "2026-11.1");
    assert!(std::ptr::eq(v, vocab()));
    assert!(!v.search(lists::TYPES_OF_ACTS, "пытки", "ru").is_empty());
    assert_eq!(&Vocabulary::parse(&Sources::BUILTIN).unwrap(), v);
    let huridocs = v
        .lists
        .values()
        .flat_map(|l| l.terms.values())
        .filter(|t| t.origin == TermOrigin::Huridocs)
        .count();
    assert_eq!(huridocs, 4507);
    for name in [
        lists::KHR_INVOLVEMENT_ROLES,
        lists::KHR_SOURCE_RELIABILITY,
        lists::KHR_INTERVENTION_TYPES,
        lists::KHR_INTERVENTION_STATUSES,
    ] {
        assert_eq!(v.list(name).unwrap().origin, ListOrigin::Khronika, "{name}");
    }
    for t in v.lists.values().flat_map(|l| l.terms.values()) {
        assert_eq!(t.is_khronika(), t.code.starts_with("khr:"), "{}", t.code);
    }
}

#[test]
fn known_terms_by_code() {
    let v = vocab();
    let life = v.lookup("types_of_acts", "01000000000004").unwrap();
    assert_eq!(life.label("en"), "Violations of the right to life");
    assert_eq!(life.label("fr"), "Violations du droit à la vie");
    assert_eq!(life.label("es"), "Violaciones al derecho a la vida");
    assert_eq!(life.label("ru"), "Нарушения права на жизнь");
    assert_eq!(life.huri_code.as_deref(), Some("010000000000"));
    assert_eq!(
        (life.level, life.parent.as_deref(), life.order),
        (0, None, 1)
    );
    assert!(life.visible);

    let torture = v.lookup("types_of_acts", "02011111000004").unwrap();
    assert_eq!(torture.label("en"), "Torture");
    assert_eq!(torture.parent.as_deref(), Some("02011100000004"));
    assert_eq!(torture.level, 3);

    let disappearance = v.lookup("types_of_acts", "03010300000004").unwrap();
    assert_eq!(disappearance.label("en"), "Disappearance");

    let male = v.lookup("sex", "01000000000039").unwrap();
    assert_eq!((male.label("en"), male.label("ru")), ("Male", "Мужской"));

    // Codes are kept exactly: leading zeros matter, and a code is only found in its own list.
    assert!(v.lookup("types_of_acts", "1000000000004").is_none());
    assert!(v.lookup("methods_of_violence", "01000000000004").is_none());
    // A label with a comma came through the quoting intact.
    let arrest = v.lookup("list_80", "01000000000080").unwrap();
    assert_eq!(arrest.label("en"), "Arrest, Detention or Legal Proceedings");
}

#[test]
fn hierarchy_helpers() {
    let v = vocab();
    let code = "01010102000004";
    assert_eq!(
        v.path("types_of_acts", code, "en").unwrap(),
        "Violations of the right to life › Direct actions which violate the right to life › \
         Deliberate killings of specific individuals › Extra-judicial execution outside any \
         legal proceedings"
    );
    assert!(
        v.path("types_of_acts", code, "ru")
            .unwrap()
            .starts_with("Нарушения права на жизнь › Прямые действия")
    );
    let ancestors: Vec<&str> = v
        .ancestors("types_of_acts", code)
        .iter()
        .map(|t| t.code.as_str())
        .collect();
    assert_eq!(
        ancestors,
        ["01010100000004", "01010000000004", "01000000000004"]
    );

    let liberty: Vec<&str> = v
        .children("types_of_acts", "03010000000004")
        .iter()
        .map(|t| t.code.as_str())
        .collect();
    // HURIDOCS children in HURIDOCS order, then Khronika's addition.
    assert_eq!(
        liberty,
        [
            "03010100000004",
            "03010200000004",
            "03010300000004",
            "03010400000004",
            "03010500000004",
            "03010600000004",
            "03010700000004",
            "03010800000004",
            "khr:forced_conscription",
        ]
    );
    let roots = v.roots("sex");
    assert_eq!(roots.len(), 4);
    assert!(v.children("types_of_acts", "no-such-code").is_empty());
    assert!(v.path("no_such_list", code, "en").is_none());

    // Khronika terms sit inside the HURIDOCS tree.
    assert_eq!(
        v.path("types_of_acts", "khr:pow_human_shields", "en")
            .unwrap(),
        "Violations of rights of detained or imprisoned persons › Direct actions which violate \
         the rights of detained or imprisoned persons › Mistreatment of prisoners of war › Use \
         of prisoners of war as human shields"
    );
}

#[test]
fn hierarchy_is_consistent_apart_from_the_known_upstream_anomalies() {
    let v = vocab();
    for list in v.lists.values() {
        for t in list.terms.values() {
            assert_eq!(t.list, list.name);
            let Some(p) = &t.parent else { continue };
            if let Some(parent) = list.terms.get(p) {
                assert_eq!(t.level, parent.level + 1, "{} under {}", t.code, p);
                assert!(list.children(p).iter().any(|c| c.code == t.code));
            } else {
                // Never in another list.
                assert!(
                    v.lists.values().all(|l| !l.terms.contains_key(p)),
                    "{} has parent {p} in another list",
                    t.code
                );
                assert!(!t.is_khronika());
                assert!(list.roots().iter().any(|r| r.code == t.code));
            }
        }
    }

    // The HURIDOCS data as published has exactly these oddities; a new version with others
    // must be looked at by a person.
    let found: BTreeSet<(String, String)> = v
        .anomalies
        .iter()
        .map(|a| {
            let what = match &a.kind {
                AnomalyKind::MissingParent { parent } => format!("missing parent {parent}"),
                AnomalyKind::RootLevel { level } => format!("root level {level}"),
                other => format!("{other}"),
            };
            (a.code.clone(), what)
        })
        .collect();
    let mut expected = BTreeSet::new();
    for c in [
        "31210100000004",
        "31210200000004",
        "31210300000004",
        "31211100000004",
    ] {
        expected.insert((c.to_string(), "missing parent 31210000000004".to_string()));
    }
    for c in [
        "12010102010068",
        "12010102020068",
        "12010102030068",
        "12010102040068",
    ] {
        expected.insert((c.to_string(), "missing parent 12010102000068".to_string()));
    }
    for c in [
        "90000000000013",
        "90000000000014",
        "90000000000016",
        "98000000000013",
        "98000000000014",
        "99000000000013",
        "99000000000014",
        "99000000000016",
    ] {
        expected.insert((c.to_string(), "root level -5".to_string()));
    }
    assert_eq!(found, expected);
    assert!(v.anomalies.iter().all(|a| a.line > 1));
}

// --- Khronika's additions ---------------------------------------------------------------------

#[test]
fn every_required_act_type_exists() {
    let v = vocab();
    // The act types the issue names, each by its Khronika code.
    let named = [
        "khr:arbitrary_detention",
        "khr:abduction",
        "khr:enforced_disappearance",
        "khr:torture",
        "khr:ill_treatment",
        "khr:extrajudicial_killing",
        "khr:threats_and_intimidation",
        "khr:collective_punishment_of_relatives",
        "khr:forced_expulsion",
        "khr:destruction_of_homes",
        "khr:office_arson",
        "khr:office_raid",
        "khr:seizure_of_property_and_devices",
        "khr:forced_conscription",
        "khr:sogi_persecution",
        "khr:attack_on_defenders_and_journalists",
        "khr:fabricated_charges",
        "khr:pow_mistreatment",
        "khr:pow_human_shields",
    ];
    assert_eq!(
        named.iter().collect::<BTreeSet<_>>(),
        REQUIRED_ACT_TYPES.iter().collect::<BTreeSet<_>>()
    );
    for code in REQUIRED_ACT_TYPES {
        let t = v
            .lookup(lists::TYPES_OF_ACTS, code)
            .unwrap_or_else(|| panic!("{code} is missing"));
        assert!(t.visible);
        assert!(!t.frameworks.is_empty(), "{code} names no legal framework");
        assert!(t.labels.contains_key("ru"), "{code} has no Russian label");
    }
    // Where HURIDOCS has the act type, the Khronika code is an alias of the HURIDOCS term.
    for (alias, huridocs) in [
        ("khr:torture", "02011111000004"),
        ("khr:enforced_disappearance", "03010300000004"),
        ("khr:arbitrary_detention", "03010200000004"),
        ("khr:abduction", "03010400000004"),
        ("khr:extrajudicial_killing", "01010102000004"),
        ("khr:office_raid", "12010200000004"),
        ("khr:seizure_of_property_and_devices", "13010700000004"),
    ] {
        let t = v.lookup(lists::TYPES_OF_ACTS, alias).unwrap();
        assert_eq!(t.code, huridocs, "{alias}");
        assert_eq!(t.origin, TermOrigin::Huridocs);
        assert!(t.aliases.iter().any(|a| a == alias));
    }
    // The others are Khronika terms.
    let ill = v.lookup(lists::TYPES_OF_ACTS, "khr:ill_treatment").unwrap();
    assert_eq!(ill.code, "khr:ill_treatment");
    assert_eq!(ill.parent.as_deref(), Some("02011100000004"));
    assert_eq!(ill.level, 3);
}

#[test]
fn legal_framework_references_are_complete_and_resolve() {
    let v = vocab();
    let mut count = 0;
    for t in v.lists.values().flat_map(|l| l.terms.values()) {
        for r in &t.frameworks {
            count += 1;
            assert!(!r.instrument.trim().is_empty(), "{}", t.code);
            assert!(!r.article.trim().is_empty(), "{}", t.code);
            let inst = v
                .instrument(&r.instrument)
                .unwrap_or_else(|| panic!("{}: {}", t.code, r.instrument));
            let title = v
                .lookup(lists::INTERNATIONAL_INSTRUMENTS, &inst.code)
                .unwrap();
            assert!(!title.label("en").is_empty());
            assert!(title.labels.contains_key("ru"), "{}", inst.id);
            assert!(!v.legal_ref_label(r, "en").is_empty());
        }
    }
    assert!(count >= 60, "{count}");

    let refs = |code: &str| -> BTreeSet<String> {
        v.lookup(lists::TYPES_OF_ACTS, code)
            .unwrap()
            .frameworks
            .iter()
            .map(|r| format!("{} {}", r.instrument, r.article))
            .collect()
    };
    let has = |code: &str, wanted: &[&str]| {
        let got = refs(code);
        for w in wanted {
            assert!(got.contains(*w), "{code} lacks {w}: {got:?}");
        }
    };
    has("khr:torture", &["CAT 1", "ICCPR 7", "ECHR 3"]);
    has("khr:ill_treatment", &["CAT 16", "ECHR 3"]);
    has("khr:enforced_disappearance", &["ICPPED 1", "ICPPED 2"]);
    has(
        "khr:pow_human_shields",
        &["GC-III 23", "GC-IV 28", "ROME 8(2)(b)(xxiii)"],
    );
    has("khr:extrajudicial_killing", &["ICCPR 6", "ECHR 2"]);
    has("khr:arbitrary_detention", &["ICCPR 9", "ECHR 5"]);
    has("khr:sogi_persecution", &["ICCPR 2", "ICCPR 26", "ECHR 14"]);
    has("khr:collective_punishment_of_relatives", &["GC-IV 33"]);

    let torture = v.lookup(lists::TYPES_OF_ACTS, "khr:torture").unwrap();
    let cat = &torture.frameworks[0];
    assert_eq!(
        v.legal_ref_label(cat, "en"),
        "Convention against Torture art. 1"
    );
    assert_eq!(
        v.legal_ref_label(cat, "ru"),
        "Конвенция против пыток, ст. 1"
    );
    // ICPPED is newer than the HURIDOCS list, so Khronika adds it there.
    let icpped = v.instrument("ICPPED").unwrap();
    assert_eq!(icpped.code, "khr:icpped");
    assert_eq!(
        v.path(lists::INTERNATIONAL_INSTRUMENTS, "khr:icpped", "en")
            .unwrap(),
        "Instruments relating to the Right to Life and Physical Integrity › International \
         Convention for the Protection of All Persons from Enforced Disappearance (2006)"
    );
}

#[test]
fn khronika_lists() {
    let v = vocab();
    let codes = |list: &str| -> Vec<String> {
        v.list(list)
            .unwrap()
            .in_order()
            .iter()
            .map(|t| t.code.clone())
            .collect()
    };
    assert_eq!(
        codes(lists::KHR_INVOLVEMENT_ROLES),
        [
            "khr:ordered",
            "khr:carried_out",
            "khr:was_present",
            "khr:failed_to_act"
        ]
    );
    assert_eq!(
        codes(lists::KHR_SOURCE_RELIABILITY),
        ["khr:high", "khr:medium", "khr:low", "khr:unknown"]
    );
    assert_eq!(
        codes(lists::KHR_INTERVENTION_TYPES),
        [
            "khr:complaint",
            "khr:appeal",
            "khr:court_application",
            "khr:letter",
            "khr:request_for_information",
            "khr:urgent_appeal",
            "khr:echr_application",
            "khr:un_communication",
        ]
    );
    assert_eq!(
        codes(lists::KHR_INTERVENTION_STATUSES),
        [
            "khr:drafted",
            "khr:filed",
            "khr:acknowledged",
            "khr:under_consideration",
            "khr:decided",
            "khr:rejected",
            "khr:appealed",
            "khr:closed",
        ]
    );
    // A Khronika term can name the HURIDOCS term it is exported as.
    let ordered = v
        .lookup(lists::KHR_INVOLVEMENT_ROLES, "khr:ordered")
        .unwrap();
    let to = ordered.exchange_as.as_ref().unwrap();
    assert_eq!(
        v.resolve(to).unwrap().label("en"),
        "Gave orders that led to the act"
    );
    // Every Khronika term has an English and a Russian label, and the exchange terms exist.
    for t in v.lists.values().flat_map(|l| l.terms.values()) {
        if t.is_khronika() {
            assert!(!t.label("en").is_empty() && t.labels.contains_key("ru"));
            assert!(t.huri_code.is_none());
        }
        if let Some(x) = &t.exchange_as {
            assert_eq!(v.resolve(x).unwrap().origin, TermOrigin::Huridocs);
        }
    }
}

// --- Russian labels ---------------------------------------------------------------------------

#[test]
fn russian_labels_cover_the_form_lists() {
    let v = vocab();
    for name in FORM_LISTS {
        let list = v.list(name).unwrap();
        for t in list.terms.values() {
            if t.level <= 1 {
                assert!(
                    t.labels.contains_key("ru"),
                    "{name} {} {}",
                    t.code,
                    t.label("en")
                );
            }
        }
    }
    for name in [
        lists::SEX,
        lists::DEGREES_OF_INVOLVEMENT,
        lists::TYPES_OF_INTERVENTION,
    ] {
        for t in v.list(name).unwrap().terms.values() {
            assert!(t.labels.contains_key("ru"), "{name} {}", t.code);
        }
    }
    // The act types that matter most are labelled by standard legal terms, not marked machine.
    for (code, ru) in [
        ("02011111000004", "Пытки"),
        ("03010400000004", "Похищение человека"),
        ("02011101000004", "Изнасилование"),
    ] {
        let (lang, label) = v
            .lookup(lists::TYPES_OF_ACTS, code)
            .unwrap()
            .label_choice("ru")
            .unwrap();
        assert_eq!(
            (lang, label.text.as_str(), label.machine_translated),
            ("ru", ru, false)
        );
    }
}

#[test]
fn every_code_in_the_russian_file_is_a_huridocs_term() {
    let v = vocab();
    let mut seen = BTreeSet::new();
    let mut machine = 0;
    for line in Sources::BUILTIN.ru_labels.lines().skip(1) {
        let code = line.split(',').next().unwrap();
        assert!(seen.insert(code), "{code} twice");
        let term = v
            .lists
            .values()
            .find_map(|l| l.terms.get(code))
            .unwrap_or_else(|| panic!("{code} is not in the HURIDOCS data"));
        assert_eq!(term.origin, TermOrigin::Huridocs);
        let label = &term.labels["ru"];
        assert!(!label.text.is_empty());
        machine += usize::from(label.machine_translated);
        assert!(line.ends_with(",true") || line.ends_with(",false"));
    }
    // 850 labels when written; more may be added, and reviewers clear `machine_translated`.
    assert!(seen.len() >= 850, "{}", seen.len());
    assert!(machine < seen.len());
}

// --- lookups and search -----------------------------------------------------------------------

#[test]
fn lookups_resolve_and_fall_back() {
    let v = vocab();
    let r = TermRef::new("types_of_acts", "02011111000004");
    assert_eq!(r.to_string(), "types_of_acts/02011111000004");
    assert_eq!(v.resolve(&r).unwrap().term_ref(), r);

    let err = v
        .resolve(&TermRef::new("types_of_acts", "99999999999999"))
        .unwrap_err();
    assert!(!err.unknown_list);
    assert_eq!(
        err.to_string(),
        "vocabulary 2026-11.1 has no term `99999999999999` in list `types_of_acts`"
    );
    let err = v.resolve(&TermRef::new("no_such_list", "x")).unwrap_err();
    assert!(err.unknown_list);

    // Requested language, then English.
    let t = v.lookup("types_of_acts", "02011111000004").unwrap();
    assert_eq!(t.label("ru-RU"), "Пытки");
    assert_eq!(t.label("RU"), "Пытки");
    assert_eq!(t.label("de"), "Torture");
    let lang = v.lookup("languages", "90000000000014").unwrap();
    assert_eq!(lang.label("ru"), "Other");
    assert_eq!(lang.label_choice("ru").unwrap().0, "en");
    let ml = v
        .lookup("types_of_acts", "01010000000004")
        .unwrap()
        .label_choice("ru")
        .unwrap();
    assert!(ml.1.machine_translated);
}

#[test]
fn search_for_form_pickers() {
    let v = vocab();
    let codes = |list: &str, q: &str, lang: &str| -> Vec<String> {
        v.search(list, q, lang)
            .iter()
            .map(|t| t.code.clone())
            .collect()
    };
    // Cyrillic, case-insensitive; a label that starts with the text comes first.
    let hits = codes("types_of_acts", "ПЫТК", "ru");
    assert_eq!(hits[0], "02011111000004");
    let hits = codes("methods_of_violence", "пытк", "ru");
    // "Психологические пытки…" has a word that starts with the text; "(например, пытки)" too.
    assert!(hits.contains(&"03200000000005".to_string()), "{hits:?}");
    assert!(hits.contains(&"03000000000005".to_string()), "{hits:?}");
    let hits = codes("types_of_acts", "пыток", "ru");
    assert!(hits.contains(&"01019001000004".to_string()), "{hits:?}");
    // ё and е are the same letter for search, both ways.
    let with_yo = codes("types_of_acts", "заключённых", "ru");
    let with_e = codes("types_of_acts", "заключенных", "ru");
    assert_eq!(with_yo, with_e);
    assert!(with_e.contains(&"36000000000004".to_string()));
    let yo_upper = codes("types_of_acts", "ЗАКЛЮЧЁННЫХ", "ru");
    assert_eq!(yo_upper, with_e);
    // Synonyms from Khronika's aliases find the HURIDOCS term.
    assert_eq!(
        codes("types_of_acts", "произвольное задерж", "ru"),
        ["03010200000004"]
    );
    assert!(
        codes("types_of_acts", "arbitrary detention", "en").contains(&"03010200000004".to_string())
    );
    // English still matches in a Russian form, and codes match exactly.
    assert!(codes("types_of_acts", "torture", "ru").contains(&"02011111000004".to_string()));
    assert_eq!(codes("sex", "01000000000039", "ru"), ["01000000000039"]);
    // Khronika's own lists; an empty text lists every term in order.
    assert_eq!(
        codes("khr_intervention_statuses", "рассмотр", "ru"),
        ["khr:under_consideration"]
    );
    assert_eq!(v.search("khr_intervention_statuses", " ", "ru").len(), 8);
    assert!(
        v.search("types_of_acts", "no such words anywhere", "ru")
            .is_empty()
    );
    assert!(v.search("no_such_list", "", "ru").is_empty());
}

// --- malformed data ---------------------------------------------------------------------------

fn huridocs_error(body: &str) -> khronika_domain::vocab::VocabError {
    let text = format!("{HURIDOCS_HEADER}{body}");
    Vocabulary::parse(&huridocs_only(&text)).unwrap_err()
}

const GOOD_ROW: &str = "01000000000039,010000000000,39,sex,Male,Masculin,Masculino,y,1,0,0\r\n";

#[test]
fn unterminated_quote_names_its_line() {
    let e = huridocs_error(&format!(
        "{GOOD_ROW}02000000000039,020000000000,39,sex,\"Female,Féminin,Femenino,y,2,0,0\r\n"
    ));
    assert_eq!(
        (e.line, &e.kind),
        (Some(3), &VocabErrorKind::UnterminatedQuote)
    );
    assert_eq!(
        e.to_string(),
        "huridocs-micro-thesauri.csv line 3: a quoted field starts here and is never closed"
    );
}

#[test]
fn wrong_column_count_names_its_line() {
    let e = huridocs_error(&GOOD_ROW.replace("Masculino,y", "Masculino,\"a, b\",y"));
    // The first row now has 12 columns.
    assert_eq!(e.line, Some(2));
    assert_eq!(
        e.kind,
        VocabErrorKind::ColumnCount {
            expected: 11,
            found: 12
        }
    );
    let e = huridocs_error(&format!("{GOOD_ROW}02000000000039,x,39,sex,Female\r\n"));
    assert_eq!(e.line, Some(3));
    assert!(
        e.to_string().contains("expected 11 columns, found 5"),
        "{e}"
    );
}

#[test]
fn duplicate_code_names_both_lines() {
    let e = huridocs_error(&format!(
        "{GOOD_ROW}02000000000039,020000000000,39,sex,Female,Féminin,Femenino,y,2,0,0\r\n{GOOD_ROW}"
    ));
    assert_eq!(e.line, Some(4));
    assert_eq!(
        e.kind,
        VocabErrorKind::DuplicateCode {
            code: "01000000000039".into(),
            first_line: 2
        }
    );
    assert_eq!(
        e.to_string(),
        "huridocs-micro-thesauri.csv line 4: code `01000000000039` already appears on line 2"
    );
}

#[test]
fn other_malformed_huridocs_records() {
    let cases = [
        (
            GOOD_ROW.replace(",y,", ",maybe,"),
            "`visible` must be a yes/no flag",
        ),
        (
            GOOD_ROW.replace(",1,0,0", ",first,0,0"),
            "`term_order` must be a whole number",
        ),
        (
            GOOD_ROW.replace(",sex,Male,", ",sex,,"),
            "`english` is empty",
        ),
        (
            GOOD_ROW.replace("Male,", "Ma\"le,"),
            "double quote inside an unquoted field",
        ),
        (
            GOOD_ROW.replace(",sex,", ",\"sex\"x,"),
            "text after a closing quote",
        ),
        (
            format!(
                "{GOOD_ROW}{}",
                GOOD_ROW
                    .replace("01000000000039", "02000000000039")
                    .replace(",sex,", ",gender,")
            ),
            "list code 39 is named `gender` here but `sex` earlier",
        ),
    ];
    for (body, message) in cases {
        let e = huridocs_error(&body);
        assert!(e.line.is_some());
        assert!(e.to_string().contains(message), "{e} / {message}");
    }
    let e = Vocabulary::parse(&huridocs_only("")).unwrap_err();
    assert_eq!(e.kind, VocabErrorKind::Empty);
    let e = Vocabulary::parse(&huridocs_only("code,label\n")).unwrap_err();
    assert!(matches!(e.kind, VocabErrorKind::BadHeader { .. }));
    let e = Vocabulary::parse(&Sources {
        version: " ",
        ..huridocs_only(HURIDOCS_HEADER)
    })
    .unwrap_err();
    assert!(matches!(e.kind, VocabErrorKind::BadVersion { .. }));
}

#[test]
fn malformed_khronika_files_are_rejected_with_their_line() {
    let with = |ru: &str, additions: &str, instruments: &str| {
        Vocabulary::parse(&Sources {
            ru_labels: ru,
            additions,
            instruments,
            ..Sources::BUILTIN
        })
    };
    let ru = |body: &str| format!("{RU_HEADER}01000000000039,Мужской,false\n{body}");
    let add = |body: &str| format!("{ADDITIONS_HEADER}{body}");
    let inst = Sources::BUILTIN.instruments;
    let cases: Vec<(String, String, &str, &str)> = vec![
        (
            ru("99999999999999,Нет,true\n"),
            add(""),
            inst,
            "ru-labels.csv line 3: `code`: no term has the code `99999999999999`",
        ),
        (
            ru("01000000000039,Мужской,false\n"),
            add(""),
            inst,
            "ru-labels.csv line 3: code `01000000000039` already appears on line 2",
        ),
        (
            ru("02000000000039,Женский,maybe\n"),
            add(""),
            inst,
            "ru-labels.csv line 3: `machine_translated` must be a yes/no flag",
        ),
        (
            ru("02000000000039,\"Женский\n"),
            add(""),
            inst,
            "ru-labels.csv line 3: a quoted field starts here",
        ),
        (
            ru(""),
            add("types_of_acts,torture,,,,Torture,Пытки,false,\n"),
            "id,code,short_en,short_ru\n",
            "khronika-additions.csv line 2: code `torture`",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,,02011111000005,,X,Х,false,\n"),
            inst,
            "`same_as`: no term has the code `02011111000005`",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,,01000000000039,,X,Х,false,\n"),
            inst,
            "code `01000000000039` is in list `sex`, not `types_of_acts`",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,01000000000039,,,X,Х,false,\n"),
            inst,
            "code `01000000000039` is in list `sex`, not `types_of_acts`",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,,,,X,,false,\n"),
            inst,
            "khronika-additions.csv line 2: `ru` is empty",
        ),
        (
            ru(""),
            add("no_such_list,khr:x,,,,X,Х,false,\n"),
            inst,
            "no list is named `no_such_list`",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,,,,X,Х,false,ICCPR 7\n"),
            inst,
            "legal reference `ICCPR 7` must read",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,,,,X,Х,false,\ntypes_of_acts,khr:y,,,,Y,У,false,XYZ art. 1\n"),
            "id,code,short_en,short_ru\n",
            "khronika-additions.csv line 3: instrument `XYZ` is not in legal-instruments.csv",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,,02011111000004,02011111000004,X,Х,false,\n"),
            inst,
            "takes no `parent` or `exchange_as`",
        ),
        (
            ru(""),
            add("types_of_acts,khr:x,,,,X,Х,false,\ntypes_of_acts,khr:x,,,,X,Х,false,\n"),
            "id,code,short_en,short_ru\n",
            "khronika-additions.csv line 3: code `khr:x` already appears on line 2",
        ),
        (
            ru(""),
            add(""),
            "id,code,short_en,short_ru\nICCPR,01000000000039,ICCPR,\n",
            "legal-instruments.csv line 2: code `01000000000039` is in list `sex`, not `international_instruments`",
        ),
    ];
    for (ru, additions, instruments, message) in &cases {
        let e = with(ru, additions, instruments).unwrap_err();
        assert!(
            e.to_string().contains(message),
            "got: {e}\nwanted: {message}"
        );
    }
}

#[test]
fn mangled_input_gives_errors_never_panics() {
    // Every prefix of the first part of the real file, and a quote or comma dropped in at many
    // places: parsing must return (Ok or Err), never panic.
    let sample: String = Sources::BUILTIN
        .huridocs
        .lines()
        .take(60)
        .map(|l| format!("{l}\n"))
        .collect();
    let cuts: Vec<usize> = sample.char_indices().map(|(i, _)| i).step_by(7).collect();
    let mut errors = 0;
    for &i in &cuts {
        for text in [
            sample[..i].to_string(),
            format!("{}\"{}", &sample[..i], &sample[i..]),
            format!("{},{}", &sample[..i], &sample[i..]),
        ] {
            if let Err(e) = Vocabulary::parse(&huridocs_only(&text)) {
                errors += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert!(errors > cuts.len());
}
