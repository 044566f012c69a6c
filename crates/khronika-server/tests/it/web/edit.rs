//! Editing a record through its form (saved, refused with the reason, refused when someone
//! changed the record meanwhile, conflicts settled only when the person says so), and the
//! forms that add persons, units, sources and links to a case.

use khronika_app::LockedVault;
use khronika_app::records::RecordView;
use khronika_domain::RecordId;

use super::*;

/// The value of the hidden `heads` field of an edit form.
fn heads(body: &str) -> String {
    let at = body.find("name=\"heads\" value=\"").expect("a heads field") + 20;
    body[at..at + body[at..].find('"').unwrap()].to_owned()
}

/// The value of a one-line field of a form.
fn field(body: &str, name: &str) -> String {
    let pat = format!("name=\"{name}\" value=\"");
    let at = body.find(&pat).expect("the field") + pat.len();
    body[at..at + body[at..].find('"').unwrap()].to_owned()
}

fn view(s: &Server, id: &str) -> RecordView {
    let v = s.web.locked().unwrap().unlock(&pass()).unwrap();
    let mut v = v;
    v.record(&RecordId::parse(id).unwrap()).unwrap()
}

#[tokio::test]
async fn a_record_is_edited_through_its_form_and_concurrent_work_is_kept() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let r = b
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[("title", "Detention in Urus-Martan")],
        )
        .await;
    let case = r.location().trim_start_matches("/cases/").to_owned();
    let form = format!("/records/{case}/edit");

    // The form shows every field with its control; saving stores a revision.
    let page = b.get(&s, &form).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("name=\"f.title\" value=\"Detention in Urus-Martan\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("<textarea name=\"f.summary\""));
    assert!(
        !page.body.contains("name=\"f.compartment\""),
        "the compartment is not edited here"
    );
    let opened = heads(&page.body);
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("heads", &opened),
                ("f.title", "Detention and torture in Urus-Martan"),
                ("f.summary", "Two brothers taken from home at night."),
                // Shown but not editable: a forged value is ignored.
                ("f.compartment", "elsewhere"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("/cases/{case}").as_str()),
        "{}",
        r.body
    );
    let v = view(&s, &case);
    assert_eq!(
        v.folded.value["title"],
        "Detention and torture in Urus-Martan"
    );
    assert_eq!(
        v.folded.value["summary"],
        "Two brothers taken from home at night."
    );
    assert_eq!(v.folded.revisions, 2);
    assert_ne!(v.folded.value["compartment"], "elsewhere");
    assert_eq!(view(&s, &case).compartment, v.compartment);

    // A form opened before that save: refused, nothing stored, their value shown.
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[("heads", &opened), ("f.title", "A stale title")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("while you were editing"), "{}", r.body);
    assert!(r.body.contains("<q>A stale title</q>"), "{}", r.body);
    assert!(
        r.body
            .contains("value=\"Detention and torture in Urus-Martan\""),
        "the form shows the current value"
    );
    assert_eq!(view(&s, &case).folded.revisions, 2);

    // Structured fields are JSON: broken JSON and a record the domain refuses are explained,
    // the form keeps what was typed, and nothing is stored.
    let now = heads(&b.get(&s, &form).await.body);
    for (field, value, says) in [
        (
            "f.records",
            "[\"E-unfinished",
            "records: this is not valid JSON",
        ),
        (
            "f.records",
            "[\"P-00000000000000000000000000\"]",
            "do not exist",
        ),
        ("f.title", "", "title"),
    ] {
        let r = b
            .submit(&s, &form, &form, &[("heads", &now), (field, value)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{field}={value}: {}",
            r.body
        );
        assert!(r.body.contains(says), "{says}: {}", r.body);
        assert_eq!(view(&s, &case).folded.revisions, 2);
    }
    // A form that does not say which version it edits (forged, or cut short): refused.
    let r = b
        .submit(&s, &form, &form, &[("f.title", "No version")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("which version"), "{}", r.body);
    assert_eq!(view(&s, &case).folded.revisions, 2);
    // Ids that are not a record's: 404.
    assert_eq!(
        b.get(&s, "/records/not-an-id/edit").await.status,
        StatusCode::NOT_FOUND
    );

    // A second device edits the title while the office edits it too: a conflict, shown with
    // both values, settled only when the box is ticked.
    let root = s._dir.path().join("vault");
    let second = s._dir.path().join("second");
    s.web
        .locked()
        .unwrap()
        .unlock(&pass())
        .unwrap()
        .enrol(Arc::new(OsFs), &second)
        .unwrap();
    {
        let mut field = LockedVault::open(Arc::new(OsFs), &second)
            .unwrap()
            .unlock(&pass())
            .unwrap();
        let id = RecordId::parse(&case).unwrap();
        let mut value =
            serde_json::to_value(field.record(&id).unwrap().folded.record.unwrap()).unwrap();
        value["title"] = "Title from the field".into();
        field
            .edit_record(serde_json::from_value(value).unwrap(), &[])
            .unwrap();
    }
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[("heads", &now), ("f.title", "Title from the office")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    copy_new(&second, &root);
    let page = b.get(&s, &form).await;
    assert!(page.body.contains("Title from the field"), "{}", page.body);
    assert!(
        page.body.contains("name=\"resolve.title\""),
        "{}",
        page.body
    );
    assert_eq!(view(&s, &case).folded.conflicts.len(), 1);
    // Another field saved, the title left as the form showed it, the box not ticked: the
    // conflict stays for a person to settle.
    let now = heads(&page.body);
    let shown = field(&page.body, "f.title");
    assert!(shown.starts_with("Title from the"), "{shown}");
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("heads", &now),
                ("f.title", &shown),
                ("f.summary", "Edited."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(view(&s, &case).folded.conflicts.len(), 1);
    // Ticked (or the value changed): settled.
    let now = heads(&b.get(&s, &form).await.body);
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("heads", &now),
                ("f.title", "Title agreed"),
                ("resolve.title", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = view(&s, &case);
    assert!(v.folded.conflicts.is_empty(), "{:?}", v.folded.conflicts);
    assert_eq!(v.folded.value["title"], "Title agreed");
}

#[tokio::test]
async fn persons_units_sources_and_links_are_added_to_a_case() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let r = b
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[("title", "Shelling of Samashki")],
        )
        .await;
    let case = r.location().to_owned();
    let gathered = |body: &str| {
        let at = body
            .find("id=\"gathered\"")
            .expect("the case gathers records");
        let end = at + body[at..].find("</ul>").unwrap();
        body[at..end].to_owned()
    };

    // A unit from its form; the sex and unit-type pickers come from the vocabulary.
    let form = format!("{case}/units");
    let page = b.get(&s, &form).await;
    let types = khronika_server::web::forms::terms("types_of_perpetrators", "en");
    assert!(page.body.contains(&types[0].0), "{}", page.body);
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[("name", "ОМОН МВД"), ("unit_type", &types[0].0)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let units = b.get(&s, "/units").await;
    assert!(units.body.contains("ОМОН МВД"), "{}", units.body);
    let unit_at = units.body.find("/records/U-").unwrap() + 9;
    let unit = units.body[unit_at..unit_at + 28].to_owned();

    // A person who served in it.
    let form = format!("{case}/persons");
    let page = b.get(&s, &form).await;
    assert!(
        page.body.contains(&unit),
        "the unit is offered: {}",
        page.body
    );
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("given", "Руслан"),
                ("surname", "Алиев"),
                ("birth_year", "1979"),
                ("unit", &unit),
                ("role", "commander"),
                ("position", "майор"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let persons = b.get(&s, "/persons").await;
    assert!(persons.body.contains("Алиев"), "{}", persons.body);
    assert!(!persons.body.contains("ОМОН"), "only persons are listed");
    // A year that is not one: the form comes back with the reason; nothing is added.
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[("surname", "Иванов"), ("birth_year", "eighties")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("birth_year"), "{}", r.body);
    assert!(!b.get(&s, "/persons").await.body.contains("Иванов"));

    // A source with an evidence file picked from the vault.
    let action = b.upload_action(&s).await;
    let r = b
        .send_files(
            &s,
            &action,
            &[(
                "report.txt",
                "text/plain",
                b"A report of the shelling.".as_slice(),
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let evidence = r.location().trim_start_matches("/evidence/").to_owned();
    let form = format!("{case}/sources");
    let page = b.get(&s, &form).await;
    assert!(page.body.contains(&evidence), "{}", page.body);
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("title", "Memorial report, April 1995"),
                ("date", "1995-04"),
                ("reliability", "high"),
                ("evidence", &evidence),
                ("court", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = b.submit(&s, &form, &form, &[("title", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

    // A link between two records of the case; a link to nothing is refused.
    let page = b.get(&s, &case).await;
    let g = gathered(&page.body);
    for word in ["ОМОН МВД", "Алиев", "Memorial report"] {
        assert!(g.contains(word), "{word}: {g}");
    }
    let source_at = g.find("/records/S-").unwrap() + 9;
    let source = g[source_at..source_at + 28].to_owned();
    let form = format!("{case}/links");
    let case_id = case.trim_start_matches("/cases/").to_owned();
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[("from", &source), ("kind", "supports"), ("to", &case_id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = b
        .submit(&s, &form, &form, &[("from", &source), ("kind", "supports")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[("from", &source), ("kind", "sideways"), ("to", &unit)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // The link is beside the case, not gathered by it, and the case page shows it.
    let page = b.get(&s, &case).await;
    let links = &page.body[page.body.find("id=\"links\"").expect("a links section")..];
    assert_eq!(links.matches("/records/L-").count(), 1, "{links}");
    assert!(
        links.contains("supports") && links.contains("Memorial report"),
        "{links}"
    );
    assert!(!gathered(&page.body).contains("/records/L-"));
    // Nothing half-stored by the refused forms: the case gathers exactly what was added.
    let v = s.web.locked().unwrap().unlock(&pass()).unwrap();
    let mut v = v;
    let c = v
        .record(&RecordId::parse(&case_id).unwrap())
        .unwrap()
        .folded;
    assert_eq!(
        c.value["records"].as_array().unwrap().len(),
        3,
        "{:?}",
        c.value
    );
    assert_eq!(
        v.list_records(Some(khronika_domain::RecordKind::Person))
            .unwrap()
            .len(),
        1
    );
}
