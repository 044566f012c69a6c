//! Real-world spelling variation: names across scripts and romanisations, Russian and
//! English inflection, ё/е, the palochka, fuzzy names, phrases, and the filters.

use khronika_domain::{Date, RecordKind};
use khronika_search::SearchIndex;
use serde_json::json;

use crate::support::*;

fn index(dir: &std::path::Path) -> SearchIndex {
    let mut ix = open(dir);
    let records = vec![
        json!({"type": "person", "id": id('P', 1), "names": [
            {"given": "Рамзан", "surname": "Кадыров", "script": "cyrillic", "kind": "official"}]}),
        json!({"type": "testimony", "id": id('T', 2), "title": "Statement of W-3", "language": "en",
            "transcript": "Men who said they served Kadyrov took him from the checkpoint."}),
        json!({"type": "event", "id": id('V', 3), "title": "Похищение в Грозном",
            "description": "Сотрудники, назвавшиеся людьми Кадырова, увезли его.", "date": "2019-02",
            "place": {"text": "Грозный"}, "acts": [{"id": id('A', 31),
            "act_type": {"list": "types_of_acts", "code": "03010400000004"}}]}),
        json!({"type": "source", "id": id('S', 4), "title": "Bericht",
            "description": "Ein Bericht über Kadyrow und seine Leute."}),
        json!({"type": "event", "id": id('V', 5), "title": "Обыск у Кадиева", "date": "2019-03-14",
            "place": {"text": "Гудермес"}}),
        json!({"type": "event", "id": id('V', 6), "title": "Задержание", "description": "Его пытали током.",
            "date": "around 2017-04"}),
        json!({"type": "event", "id": id('V', 7), "title": "Освобождение", "description": "На теле следы пыток."}),
        json!({"type": "intervention", "id": id('I', 8), "addressee": "Прокуратура ЧР",
            "notes": "Жалоба о пытках в отделе полиции.", "filed": "2019-04-02"}),
        json!({"type": "testimony", "id": id('T', 9), "title": "W-9", "transcript": "He was tortured for two days."}),
        json!({"type": "source", "id": id('S', 10), "title": "Report", "description": "Torture is prohibited without exception; the ban on torture is absolute."}),
        json!({"type": "person", "id": id('P', 11), "names": [
            {"given": "Пётр", "patronymic": "Семёнович", "surname": "Ёлкин", "script": "cyrillic"}]}),
        json!({"type": "person", "id": id('P', 12), "names": [
            {"given": "Петр", "surname": "Иванов", "script": "cyrillic"}]}),
        json!({"type": "testimony", "id": id('T', 13), "title": "Чеченский свидетель", "language": "ce",
            "transcript": "ДӀоку цӀа ца веана."}),
        json!({"type": "case", "id": id('C', 14), "title": "Дело Эльмурзаева", "records": [id('V', 3), id('T', 2)]}),
    ];
    let cases = [(id('V', 3), id('C', 14)), (id('T', 2), id('C', 14))];
    for r in records {
        let r = record(r);
        let in_cases: Vec<_> = cases
            .iter()
            .filter(|(m, _)| *m == r.id().to_string())
            .map(|(_, c)| rid(c))
            .collect();
        ix.add(&r, &in_cases).unwrap();
    }
    ix.commit().unwrap();
    ix
}

#[test]
fn kadyrov_in_every_spelling_finds_the_same_records() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    let want = ids(&[&id('P', 1), &id('T', 2), &id('V', 3), &id('S', 4)]);
    for q in [
        "Кадыров",
        "Kadyrov",
        "Kadyrow",
        "Qadirov",
        "Kadirov",
        "кадыров",
        "KADYROV",
        "Кадырова",
    ] {
        assert_eq!(found(&ix, &query(q)), want, "{q}");
    }
    // Кадиев is someone else.
    assert!(!found(&ix, &query("Kadyrov")).contains(&id('V', 5)));
}

#[test]
fn russian_forms_find_each_other() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    let want = ids(&[&id('V', 6), &id('V', 7), &id('I', 8)]);
    for q in ["пытки", "пыток", "пытали", "пытках"] {
        assert_eq!(found(&ix, &query(q)), want, "{q}");
    }
}

#[test]
fn english_forms_find_each_other() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    let want = ids(&[&id('T', 9), &id('S', 10)]);
    for q in ["tortured", "torture", "Torture", "tortures"] {
        assert_eq!(found(&ix, &query(q)), want, "{q}");
    }
}

#[test]
fn yo_and_ye_match() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    assert_eq!(
        found(&ix, &query("Пётр")),
        ids(&[&id('P', 11), &id('P', 12)])
    );
    assert_eq!(
        found(&ix, &query("Петр")),
        ids(&[&id('P', 11), &id('P', 12)])
    );
    assert_eq!(found(&ix, &query("Елкин")), ids(&[&id('P', 11)]));
    assert_eq!(found(&ix, &query("семенович")), ids(&[&id('P', 11)]));
}

#[test]
fn palochka_variants_match() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    for q in ["ДӀоку", "дӏоку", "ДIоку", "Д1оку", "дlоку", "ЦIА", "ц1а"] {
        assert_eq!(found(&ix, &query(q)), ids(&[&id('T', 13)]), "{q}");
    }
}

#[test]
fn latin_finds_cyrillic_words_and_back() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    assert_eq!(found(&ix, &query("Grozny")), ids(&[&id('V', 3)]));
    assert_eq!(found(&ix, &query("Gudermes")), ids(&[&id('V', 5)]));
    assert_eq!(found(&ix, &query("Bericht")), ids(&[&id('S', 4)]));
    // Every word must match.
    assert_eq!(
        found(&ix, &query("Kadyrov checkpoint")),
        ids(&[&id('T', 2)])
    );
}

#[test]
fn fuzzy_names_one_or_two_letters_off() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    let mut q = query("Kodyrov");
    assert!(found(&ix, &q).is_empty());
    q.fuzzy = true;
    let got = found(&ix, &q);
    for want in [id('P', 1), id('T', 2), id('V', 3), id('S', 4)] {
        assert!(got.contains(&want), "{want} not in {got:?}");
    }
    // Two letters off, on a long name.
    let mut q = query("Kadyrovski");
    q.fuzzy = true;
    assert!(found(&ix, &q).is_empty());
    let mut q = query("Kaddirova");
    q.fuzzy = true;
    assert!(found(&ix, &q).contains(&id('P', 1)));
}

#[test]
fn phrases_keep_their_order() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    assert_eq!(found(&ix, &query("\"was tortured\"")), ids(&[&id('T', 9)]));
    assert_eq!(
        found(&ix, &query("\"ban on torture\"")),
        ids(&[&id('S', 10)])
    );
    assert!(found(&ix, &query("\"tortured was\"")).is_empty());
    assert_eq!(found(&ix, &query("«следы пыток»")), ids(&[&id('V', 7)]));
}

#[test]
fn filters() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    let d = |s: &str| Some(Date::parse(s).unwrap());
    // Record type.
    let mut q = query("Kadyrov");
    q.filters.kinds = vec![RecordKind::Event, RecordKind::Source];
    assert_eq!(found(&ix, &q), ids(&[&id('V', 3), &id('S', 4)]));
    // Act type, by code or list/code.
    let mut q = query("");
    q.filters.acts = vec!["03010400000004".into()];
    assert_eq!(found(&ix, &q), ids(&[&id('V', 3)]));
    q.filters.acts = vec!["types_of_acts/03010400000004".into()];
    assert_eq!(found(&ix, &q), ids(&[&id('V', 3)]));
    // Dates respect precision: February 2019 (a month) overlaps 15–20 February; 14 March
    // does not.
    let mut q = query("");
    q.filters.from = d("2019-02-15");
    q.filters.to = d("2019-02-20");
    assert_eq!(found(&ix, &q), ids(&[&id('V', 3)]));
    // "around 2017-04" may fall in late March 2017.
    q.filters.from = d("2017-03-25");
    q.filters.to = d("2017-03-31");
    assert_eq!(found(&ix, &q), ids(&[&id('V', 6)]));
    // Open-ended.
    q.filters.from = d("2019-03-01");
    q.filters.to = None;
    assert_eq!(found(&ix, &q), ids(&[&id('V', 5), &id('I', 8)]));
    // Backwards is refused with a clear message.
    q.filters.from = d("2020-01-01");
    q.filters.to = d("2019-01-01");
    let err = ix.search(&q).unwrap_err();
    assert_eq!(err.code(), "search-bad-query");
    // Place, across scripts.
    let mut q = query("");
    q.filters.place = Some("Grozny".into());
    assert_eq!(found(&ix, &q), ids(&[&id('V', 3)]));
    // Case.
    let mut q = query("");
    q.filters.case = Some(rid(&id('C', 14)));
    assert_eq!(
        found(&ix, &q),
        ids(&[&id('T', 2), &id('V', 3), &id('C', 14)])
    );
    q.text = "Kadyrov".into();
    assert_eq!(found(&ix, &q), ids(&[&id('T', 2), &id('V', 3)]));
}

#[test]
fn update_and_delete_by_id() {
    let t = tempfile::tempdir().unwrap();
    let mut ix = index(t.path());
    let before = ix.len();
    ix.update(
        &record(
            json!({"type": "testimony", "id": id('T', 9), "title": "W-9",
            "transcript": "He was beaten for two days."}),
        ),
        &[],
    )
    .unwrap();
    ix.commit().unwrap();
    assert_eq!(ix.len(), before);
    assert_eq!(found(&ix, &query("tortured")), ids(&[&id('S', 10)]));
    assert_eq!(found(&ix, &query("beaten")), ids(&[&id('T', 9)]));
    ix.delete(rid(&id('T', 9))).unwrap();
    ix.commit().unwrap();
    assert_eq!(ix.len(), before - 1);
    assert!(found(&ix, &query("beaten")).is_empty());
}

#[test]
fn hits_carry_type_label_score_and_snippet() {
    let t = tempfile::tempdir().unwrap();
    let ix = index(t.path());
    let r = ix.search(&query("Qadirov")).unwrap();
    let hit = r
        .hits
        .iter()
        .find(|h| h.id.to_string() == id('V', 3))
        .unwrap();
    assert_eq!(hit.id.record_kind(), Some(RecordKind::Event));
    assert_eq!(hit.label, "Похищение в Грозном");
    assert!(hit.score > 0.0);
    assert_eq!(
        hit.snippets[0].marked("[", "]"),
        "Похищение в Грозном\nСотрудники, назвавшиеся людьми [Кадырова], увезли его.\nГрозный"
    );
    // The person named Кадыров ranks first: the name field weighs more.
    assert_eq!(r.hits[0].id.to_string(), id('P', 1));
}

#[test]
fn the_index_survives_reopening() {
    let t = tempfile::tempdir().unwrap();
    let n = {
        let ix = index(t.path());
        let n = ix.len();
        ix.close().unwrap();
        n
    };
    let ix = open(t.path());
    assert_eq!(ix.len(), n);
    assert_eq!(found(&ix, &query("пытали")).len(), 3);
}
