//! Evidence documents, the caller's state kept with a commit, and facet counts.

use khronika_domain::{EvidenceId, RecordKind};
use khronika_search::{DocId, EvidenceDoc};
use serde_json::json;

use crate::support::*;

fn ev(n: u8) -> EvidenceId {
    EvidenceId::parse(&format!("E{:016}", n)).unwrap()
}

#[test]
fn evidence_is_found_by_its_text_and_name_and_filtered_as_a_type() {
    let t = tempfile::tempdir().unwrap();
    let mut ix = open(t.path());
    ix.add(
        &record(json!({"type": "event", "id": id('V', 1), "title": "Задержание в Грозном",
            "acts": [{"id": id('A', 11), "act_type": {"list": "types_of_acts", "code": "03010400000004"}},
                     {"id": id('A', 12), "act_type": {"list": "types_of_acts", "code": "03010400000004"}}]})),
        &[],
    )
    .unwrap();
    ix.add_evidence(&EvidenceDoc {
        id: ev(1),
        name: "протокол допроса.txt".into(),
        text: "Заявитель сообщил, что его задержали сотрудники полиции в Грозном.".into(),
    })
    .unwrap();
    ix.commit().unwrap();
    // Another form of the word finds the text of the file, and the event.
    let r = ix.search(&query("Грозный")).unwrap();
    let got: Vec<String> = r.hits.iter().map(|h| h.id.to_string()).collect();
    assert_eq!(r.total, 2, "{got:?}");
    let hit = r
        .hits
        .iter()
        .find(|h| h.id == DocId::Evidence(ev(1)))
        .unwrap();
    assert_eq!(hit.id.kind_name(), "evidence");
    assert_eq!(hit.label, "протокол допроса.txt");
    assert!(hit.snippets[0].marked("[", "]").contains("[Грозном]"));
    // By its name.
    assert_eq!(found(&ix, &query("протоколы")), ids(&[ev(1).as_str()]));
    // As a type.
    let mut q = query("Грозный");
    q.filters.evidence = true;
    assert_eq!(found(&ix, &q), ids(&[ev(1).as_str()]));
    q.filters.kinds = vec![RecordKind::Event];
    assert_eq!(found(&ix, &q), ids(&[ev(1).as_str(), &id('V', 1)]));
    q.filters.evidence = false;
    assert_eq!(found(&ix, &q), ids(&[&id('V', 1)]));
    // Facets count every match; two acts of one type count once.
    let mut q = query("Грозный");
    q.facets = true;
    q.limit = 1;
    let f = ix.search(&q).unwrap().facets.unwrap();
    assert_eq!(f.types.get("evidence"), Some(&1));
    assert_eq!(f.types.get("event"), Some(&1));
    assert_eq!(f.acts.len(), 1, "{f:?}");
    assert_eq!(f.acts.get("types_of_acts/03010400000004"), Some(&1));
    // Deleted.
    ix.delete_doc(&DocId::Evidence(ev(1))).unwrap();
    ix.commit().unwrap();
    assert_eq!(found(&ix, &query("протокол")), Vec::<String>::new());
}

#[test]
fn the_state_kept_with_a_commit_survives_reopening() {
    let t = tempfile::tempdir().unwrap();
    let mut ix = open(t.path());
    assert_eq!(ix.state().unwrap(), "");
    ix.commit_with_state("{\"v\":1}").unwrap();
    assert!(ix.commit_with_state("two\nlines").is_err());
    ix.close().unwrap();
    let mut ix = open(t.path());
    assert_eq!(ix.state().unwrap(), "{\"v\":1}");
    ix.commit().unwrap();
    assert_eq!(ix.state().unwrap(), "");
}
