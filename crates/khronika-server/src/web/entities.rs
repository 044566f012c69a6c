//! Forms that add a person, a unit, a source or a link to a case, and the pages that list the
//! vault's persons and units. Like the other case forms, each creates its record in the case's
//! compartment and gathers it into the case in one change; the domain validates it.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use khronika_app::records::new_record_id;
use khronika_app::{AppError, UnlockedVault};
use khronika_domain::vocab::lists;
use khronika_domain::{LinkKind, MembershipRole, Record, RecordKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Web;
use super::forms::{add_to_case, case_id, record, terms};
use super::guard::Authed;
use super::i18n::{Lang, Tr};
use super::pages::{Chrome, ListPage, Shown, filtered, render, render_form, rows, shown};
use super::sessions::Session;

/// Which of the four forms.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A person.
    Person,
    /// A unit or organisation.
    Unit,
    /// A source (a document, a video, a report).
    Source,
    /// A link between two records of the case.
    Link,
}

impl Entity {
    fn path(self) -> &'static str {
        match self {
            Entity::Person => "persons",
            Entity::Unit => "units",
            Entity::Source => "sources",
            Entity::Link => "links",
        }
    }
}

/// What the forms pick from.
#[derive(Default)]
struct Pickers {
    /// The vault's units: (id, label).
    units: Vec<(String, String)>,
    /// The case and the records it gathers: (id, label).
    records: Vec<(String, String)>,
    /// Evidence this member can read: (id, name).
    evidence: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "entity_form.html")]
struct EntityPage {
    c: Chrome,
    case: String,
    entity: Entity,
    pickers: Pickers,
    /// A vocabulary list's terms by field: sex, unit_type, source_type, relation.
    sexes: Vec<(String, String)>,
    unit_types: Vec<(String, String)>,
    source_types: Vec<(String, String)>,
    relations: Vec<(String, String)>,
    /// (value, label) of the membership roles and link kinds.
    roles: Vec<(String, String)>,
    link_kinds: Vec<(String, String)>,
    error: Option<String>,
}

fn pickers(v: &mut UnlockedVault, case: &khronika_domain::RecordId) -> Result<Pickers, AppError> {
    let view = v.record(case)?;
    let gathered = match &view.folded.record {
        Ok(Record::Case(c)) => c.records.clone(),
        _ => Vec::new(),
    };
    let all = v.list_records(None)?;
    let label = |id: &str| all.iter().find(|r| r.id == id).map(|r| r.label.clone());
    let mut records = vec![(
        case.to_string(),
        label(&case.to_string()).unwrap_or_default(),
    )];
    records.extend(
        gathered
            .iter()
            .filter_map(|id| Some((id.to_string(), label(&id.to_string())?))),
    );
    Ok(Pickers {
        units: all
            .iter()
            .filter(|r| r.kind == "unit")
            .map(|r| (r.id.clone(), r.label.clone()))
            .collect(),
        records,
        evidence: v
            .evidence()
            .iter()
            .rev()
            .map(|e| {
                (
                    e.payload.id.clone(),
                    super::evidence::safe_name(&e.payload.name),
                )
            })
            .collect(),
    })
}

fn options(t: &Tr, values: &[&str], prefix: &str) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| ((*v).to_owned(), t.s(&format!("{prefix}{v}")).to_owned()))
        .collect()
}

async fn entity_page(
    web: &Arc<Web>,
    s: &Arc<Session>,
    headers: &HeaderMap,
    case: String,
    entity: Entity,
    error: Option<String>,
) -> Result<Response, Shown> {
    let cid = case_id(headers, &case)?;
    let c = Chrome::for_session(headers, s, &format!("/cases/{case}/{}", entity.path()));
    let pickers = web
        .read(s, move |v| pickers(v, &cid))
        .await
        .map_err(shown(headers))?;
    let lang = c.t.lang.code();
    let roles: Vec<&str> = MembershipRole::ALL.iter().map(|r| r.as_str()).collect();
    let kinds: Vec<&str> = LinkKind::ALL.iter().map(|k| k.as_str()).collect();
    let refused = error.is_some();
    Ok(render_form(
        &EntityPage {
            sexes: terms(lists::SEX, lang),
            unit_types: terms(lists::TYPES_OF_PERPETRATORS, lang),
            source_types: terms(lists::TYPES_OF_SOURCE_MATERIAL, lang),
            relations: terms(lists::SOURCE_CONNECTION_TO_INFORMATION, lang),
            roles: options(&c.t, &roles, "role."),
            link_kinds: options(&c.t, &kinds, "link."),
            c,
            case,
            entity,
            pickers,
            error,
        },
        refused,
    ))
}

/// The fields of all four forms (each sends its own).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EntityFields {
    given: String,
    patronymic: String,
    surname: String,
    pseudonym: String,
    sex: String,
    birth_year: String,
    unit: String,
    role: String,
    position: String,
    name: String,
    unit_type: String,
    parent: String,
    title: String,
    source_type: String,
    relation: String,
    date: String,
    reliability: String,
    language: String,
    description: String,
    evidence: String,
    court: Option<String>,
    publication: Option<String>,
    from: String,
    to: String,
    kind: String,
    notes: String,
}

/// `value` trimmed, or `None` when empty.
fn given(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

fn term(list: &str, code: &str) -> Value {
    given(code).map_or(Value::Null, |c| json!({"list": list, "code": c}))
}

/// The record a form describes.
fn build(entity: Entity, f: &EntityFields) -> Result<Record, AppError> {
    let v = match entity {
        Entity::Person => {
            let id = new_record_id(RecordKind::Person)?;
            let mut p = json!({"type": "person", "id": id.to_string(),
                "names": [{"given": f.given.trim(), "patronymic": f.patronymic.trim(),
                           "surname": f.surname.trim(), "kind": "official"}],
                "pseudonym": f.pseudonym.trim(), "notes": f.notes.trim()});
            if let Some(sex) = given(&f.sex) {
                p["sex"] = term(lists::SEX, sex);
            }
            if let Some(y) = given(&f.birth_year) {
                p["birth_year"] = json!(y);
            }
            if let Some(unit) = given(&f.unit) {
                p["memberships"] = json!([{"unit": unit, "role": given(&f.role).unwrap_or("member"),
                    "position": f.position.trim()}]);
            }
            p
        }
        Entity::Unit => {
            let id = new_record_id(RecordKind::Unit)?;
            json!({"type": "unit", "id": id.to_string(),
                "names": [{"name": f.name.trim(), "kind": "official"}],
                "unit_type": term(lists::TYPES_OF_PERPETRATORS, &f.unit_type),
                "parent": given(&f.parent), "notes": f.notes.trim()})
        }
        Entity::Source => {
            let id = new_record_id(RecordKind::Source)?;
            let mut s = json!({"type": "source", "id": id.to_string(), "title": f.title.trim(),
                "source_type": term(lists::TYPES_OF_SOURCE_MATERIAL, &f.source_type),
                "relation": term(lists::SOURCE_CONNECTION_TO_INFORMATION, &f.relation),
                "description": f.description.trim(),
                "evidence": given(&f.evidence).map_or_else(Vec::new, |e| vec![e]),
                "consent": {"court": f.court.is_some(), "publication": f.publication.is_some()}});
            for (k, v) in [
                ("date", &f.date),
                ("reliability", &f.reliability),
                ("language", &f.language),
            ] {
                if let Some(v) = given(v) {
                    s[k] = json!(v);
                }
            }
            if let Some(p) = given(&f.pseudonym) {
                s["provider"] = json!({"pseudonym": p});
            }
            s
        }
        Entity::Link => {
            let id = new_record_id(RecordKind::Link)?;
            json!({"type": "link", "id": id.to_string(), "from": given(&f.from),
                "to": given(&f.to), "kind": given(&f.kind), "note": f.notes.trim()})
        }
    };
    record(v)
}

macro_rules! entity_routes {
    ($($entity:ident: $form:ident, $create:ident;)+) => {$(
        /// The form for a new record of this kind in a case.
        pub async fn $form(
            State(web): State<Arc<Web>>,
            Extension(Authed(s)): Extension<Authed>,
            headers: HeaderMap,
            Path(case): Path<String>,
        ) -> Result<Response, Shown> {
            // The pickers read the case: one read checks it is a case this member can read.
            entity_page(&web, &s, &headers, case, Entity::$entity, None).await
        }

        /// Create the record and gather it into the case.
        pub async fn $create(
            State(web): State<Arc<Web>>,
            Extension(Authed(s)): Extension<Authed>,
            headers: HeaderMap,
            Path(case): Path<String>,
            Form(f): Form<EntityFields>,
        ) -> Result<Response, Shown> {
            create(web, s, headers, case, Entity::$entity, f).await
        }
    )+};
}

entity_routes! {
    Person: person_form, person_create;
    Unit: unit_form, unit_create;
    Source: source_form, source_create;
    Link: link_form, link_create;
}

async fn create(
    web: Arc<Web>,
    s: Arc<Session>,
    headers: HeaderMap,
    case: String,
    entity: Entity,
    f: EntityFields,
) -> Result<Response, Shown> {
    let cid = case_id(&headers, &case)?;
    let made = web
        .write(&s, move |v| add_to_case(v, &cid, vec![build(entity, &f)?]))
        .await;
    match made {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
        Err(e) if e.status == axum::http::StatusCode::BAD_REQUEST => {
            entity_page(&web, &s, &headers, case, entity, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}

async fn list_of(
    web: Arc<Web>,
    s: Arc<Session>,
    headers: HeaderMap,
    kind: RecordKind,
    q: String,
) -> Result<Response, Shown> {
    let (path, title) = match kind {
        RecordKind::Person => ("/persons", "nav.persons"),
        _ => ("/units", "nav.units"),
    };
    let c = Chrome::for_session(&headers, &s, path);
    let list = web
        .read(&s, move |v| v.list_records(Some(kind)))
        .await
        .map_err(shown(&headers))?;
    let list = filtered(list, &q);
    Ok(render(&ListPage {
        rows: rows(&c.t, &list),
        title,
        q,
        kind: String::new(),
        kinds: Vec::new(),
        new_case: false,
        c,
    }))
}

/// The `?q=` filter of the lists.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filter {
    q: String,
}

/// The vault's persons this member can read.
pub async fn persons(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    axum::extract::Query(f): axum::extract::Query<Filter>,
) -> Result<Response, Shown> {
    list_of(web, s, headers, RecordKind::Person, f.q).await
}

/// The vault's units and organisations this member can read.
pub async fn units(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    axum::extract::Query(f): axum::extract::Query<Filter>,
) -> Result<Response, Shown> {
    list_of(web, s, headers, RecordKind::Unit, f.q).await
}
