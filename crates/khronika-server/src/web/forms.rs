//! Forms that add to a case: an event (with an act, its victim, and the perpetrator unit and
//! its role) and a testimony. Each form creates its records and gathers them into the case in
//! one change; the app validates every record and says what is wrong.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use khronika_app::records::new_record_id;
use khronika_app::{AppError, ErrorCode, UnlockedVault};
use khronika_domain::vocab::lists;
use khronika_domain::{Record, RecordId, RecordKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::guard::Authed;
use super::i18n::Lang;
use super::pages::{Chrome, Shown, render, render_form, shown};
use super::{Web, WebError};

/// The terms of a vocabulary list, two levels deep, labelled in `lang`: (code, label).
pub fn terms(list: &str, lang: &str) -> Vec<(String, String)> {
    let Ok(vocab) = khronika_domain::vocab::Vocabulary::builtin() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for root in vocab.roots(list).into_iter().filter(|t| t.visible) {
        out.push((root.code.clone(), root.label(lang).to_owned()));
        for child in vocab
            .children(list, &root.code)
            .into_iter()
            .filter(|t| t.visible)
        {
            out.push((child.code.clone(), format!("— {}", child.label(lang))));
        }
    }
    out
}

/// The act types offered: the vocabulary's `types_of_acts`, two levels deep, in `lang`.
pub fn act_types(lang: &str) -> Vec<(String, String)> {
    terms(lists::TYPES_OF_ACTS, lang)
}

/// Persons or units of the vault, for a picker: (id, label).
fn pick(v: &mut UnlockedVault, kind: RecordKind) -> Result<Vec<(String, String)>, AppError> {
    Ok(v.list_records(Some(kind))?
        .into_iter()
        .map(|r| (r.id, r.label))
        .collect())
}

#[derive(Template)]
#[template(path = "event_form.html")]
struct EventPage {
    c: Chrome,
    case: String,
    acts: Vec<(String, String)>,
    persons: Vec<(String, String)>,
    units: Vec<(String, String)>,
    roles: Vec<&'static str>,
    error: Option<String>,
}

async fn event_page(
    web: &Arc<Web>,
    s: &Arc<super::sessions::Session>,
    headers: &HeaderMap,
    case: String,
    error: Option<String>,
) -> Result<Response, Shown> {
    let cid = case_id(headers, &case)?;
    let c = Chrome::for_session(headers, s, &format!("/cases/{case}/events"));
    let lang = c.t.lang.code();
    // One read: the case must be readable, and the pickers need its vault's persons and units.
    let (persons, units) = web
        .read(s, move |v| {
            v.record(&cid)?;
            Ok((pick(v, RecordKind::Person)?, pick(v, RecordKind::Unit)?))
        })
        .await
        .map_err(shown(headers))?;
    let refused = error.is_some();
    Ok(render_form(
        &EventPage {
            acts: act_types(lang),
            c,
            case,
            persons,
            units,
            roles: vec!["carried_out", "ordered", "was_present", "failed_to_act"],
            error,
        },
        refused,
    ))
}

/// The form for a new event of a case.
pub async fn event_form(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(case): Path<String>,
) -> Result<Response, Shown> {
    event_page(&web, &s, &headers, case, None).await
}

/// The event form's fields.
#[derive(Deserialize)]
pub struct EventFields {
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    act_type: String,
    #[serde(default)]
    victim: String,
    #[serde(default)]
    victim_given: String,
    #[serde(default)]
    victim_surname: String,
    #[serde(default)]
    perpetrator: String,
    #[serde(default)]
    unit_name: String,
    #[serde(default)]
    role: String,
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::Invalid, message)
}

pub(crate) fn record(v: Value) -> Result<Record, AppError> {
    serde_json::from_value(v)
        .map_err(|e| bad(format!("the form does not make a valid record: {e}")))
}

/// Add the records to the case's compartment and gather them into the case, in one commit.
pub(crate) fn add_to_case(
    v: &mut UnlockedVault,
    case: &RecordId,
    records: Vec<Record>,
) -> Result<(), AppError> {
    v.add_to_case(case, records).map(|_| ())
}

/// The case a form is for, refused (404) unless this member can read it.
pub(crate) async fn readable_case(
    web: &Arc<Web>,
    s: &Arc<super::sessions::Session>,
    headers: &HeaderMap,
    case: &str,
) -> Result<RecordId, Shown> {
    let cid = case_id(headers, case)?;
    web.read(s, move |v| v.record(&cid).map(|_| ()))
        .await
        .map_err(shown(headers))?;
    Ok(cid)
}

pub(crate) fn case_id(headers: &HeaderMap, id: &str) -> Result<RecordId, Shown> {
    RecordId::parse(id)
        .ok()
        .filter(|r| r.kind() == RecordKind::Case)
        .ok_or_else(|| {
            Shown(
                Lang::of(headers),
                WebError::web_code("not-found", format!("`{id}` is not a case id")),
            )
        })
}

/// Create the event (and a new victim or unit if named) and gather it into the case.
pub async fn event_create(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(case): Path<String>,
    Form(f): Form<EventFields>,
) -> Result<Response, Shown> {
    let cid = case_id(&headers, &case)?;
    let made = web
        .write(&s, move |v| {
            let mut records = Vec::new();
            let victim = if !f.victim.trim().is_empty() {
                Some(f.victim.trim().to_owned())
            } else if !(f.victim_given.trim().is_empty() && f.victim_surname.trim().is_empty()) {
                let id = new_record_id(RecordKind::Person)?;
                records.push(record(json!({"type": "person", "id": id.to_string(),
                    "names": [{"given": f.victim_given.trim(), "surname": f.victim_surname.trim(), "kind": "official"}]}))?);
                Some(id.to_string())
            } else {
                None
            };
            let unit = if !f.perpetrator.trim().is_empty() {
                Some(f.perpetrator.trim().to_owned())
            } else if !f.unit_name.trim().is_empty() {
                let id = new_record_id(RecordKind::Unit)?;
                records.push(record(json!({"type": "unit", "id": id.to_string(),
                    "names": [{"name": f.unit_name.trim(), "kind": "official"}]}))?);
                Some(id.to_string())
            } else {
                None
            };
            let event = new_record_id(RecordKind::Event)?;
            let act = new_record_id(RecordKind::Act)?;
            let mut acts = Vec::new();
            if !f.act_type.trim().is_empty() || victim.is_some() {
                let mut a = json!({"id": act.to_string(), "victim": victim});
                if !f.act_type.trim().is_empty() {
                    a["act_type"] = json!({"list": "types_of_acts", "code": f.act_type.trim()});
                }
                if !f.date.trim().is_empty() {
                    a["date"] = json!(f.date.trim());
                }
                acts.push(a);
            }
            let mut involvements = Vec::new();
            if let Some(u) = &unit {
                let role = if f.role.trim().is_empty() { "carried_out" } else { f.role.trim() };
                let mut i = json!({"perpetrator": u, "role": role});
                if !acts.is_empty() {
                    i["act"] = json!(act.to_string());
                }
                involvements.push(i);
            }
            let mut e = json!({"type": "event", "id": event.to_string(), "title": f.title.trim(),
                "place": {"text": f.place.trim()}, "acts": acts, "involvements": involvements});
            if !f.date.trim().is_empty() {
                e["date"] = json!(f.date.trim());
            }
            records.push(record(e)?);
            add_to_case(v, &cid, records)
        })
        .await;
    match made {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            event_page(&web, &s, &headers, case, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}

#[derive(Template)]
#[template(path = "testimony_form.html")]
struct TestimonyPage {
    c: Chrome,
    case: String,
    error: Option<String>,
}

/// The form for a new testimony of a case.
pub async fn testimony_form(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(case): Path<String>,
) -> Result<Response, Shown> {
    readable_case(&web, &s, &headers, &case).await?;
    let c = Chrome::for_session(&headers, &s, &format!("/cases/{case}/testimonies"));
    Ok(render(&TestimonyPage {
        c,
        case,
        error: None,
    }))
}

/// The testimony form's fields.
#[derive(Deserialize)]
pub struct TestimonyFields {
    title: String,
    #[serde(default)]
    pseudonym: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    reliability: String,
    #[serde(default)]
    transcript: String,
    #[serde(default)]
    court: Option<String>,
    #[serde(default)]
    publication: Option<String>,
}

/// Create the testimony and gather it into the case.
pub async fn testimony_create(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(case): Path<String>,
    Form(f): Form<TestimonyFields>,
) -> Result<Response, Shown> {
    let cid = case_id(&headers, &case)?;
    let made = web
        .write(&s, move |v| {
            let id = new_record_id(RecordKind::Testimony)?;
            let mut t = json!({"type": "testimony", "id": id.to_string(), "title": f.title.trim(),
                "given_by": {"pseudonym": f.pseudonym.trim()},
                "transcript": f.transcript,
                "consent": {"court": f.court.is_some(), "publication": f.publication.is_some()}});
            if !f.language.trim().is_empty() {
                t["language"] = json!(f.language.trim());
            }
            if !f.reliability.trim().is_empty() {
                t["reliability"] = json!(f.reliability.trim());
            }
            if !f.date.trim().is_empty() {
                t["interview"] = json!({"date": f.date.trim()});
            }
            add_to_case(v, &cid, vec![record(t)?])
        })
        .await;
    match made {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let c = Chrome::for_session(&headers, &s, &format!("/cases/{case}/testimonies"));
            let mut r = render(&TestimonyPage {
                c,
                case,
                error: Some(e.message),
            });
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}

/// The intervention types offered: the vocabulary's `khr_intervention_types`, in `lang`.
pub fn intervention_types(lang: &str) -> Vec<(String, String)> {
    terms(lists::KHR_INTERVENTION_TYPES, lang)
}

/// The statuses an intervention may have.
pub const STATUSES: [&str; 7] = [
    "drafted",
    "filed",
    "acknowledged",
    "under_consideration",
    "decided",
    "rejected",
    "appealed",
];

#[derive(Template)]
#[template(path = "intervention_form.html")]
struct InterventionPage {
    c: Chrome,
    case: String,
    kinds: Vec<(String, String)>,
    statuses: [&'static str; 7],
    error: Option<String>,
}

/// The form for a new intervention (complaint, appeal, application, letter) about a case.
pub async fn intervention_form(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(case): Path<String>,
) -> Result<Response, Shown> {
    readable_case(&web, &s, &headers, &case).await?;
    let c = Chrome::for_session(&headers, &s, &format!("/cases/{case}/interventions"));
    let kinds = intervention_types(c.t.lang.code());
    Ok(render(&InterventionPage {
        c,
        case,
        kinds,
        statuses: STATUSES,
        error: None,
    }))
}

/// The intervention form's fields.
#[derive(Deserialize)]
pub struct InterventionFields {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    addressee: String,
    #[serde(default)]
    filed: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    next_step: String,
}

/// Create the intervention and gather it into the case.
pub async fn intervention_create(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(case): Path<String>,
    Form(f): Form<InterventionFields>,
) -> Result<Response, Shown> {
    let cid = case_id(&headers, &case)?;
    let made = web
        .write(&s, move |v| {
            let id = new_record_id(RecordKind::Intervention)?;
            let mut i = json!({"type": "intervention", "id": id.to_string(),
                "addressee": f.addressee.trim(), "reference": f.reference.trim()});
            let set = |i: &mut Value, k: &str, v: &str| {
                if !v.trim().is_empty() {
                    i[k] = json!(v.trim());
                }
            };
            set(&mut i, "filed", &f.filed);
            set(&mut i, "deadline", &f.deadline);
            set(&mut i, "status", &f.status);
            if !f.kind.trim().is_empty() {
                i["kind"] = json!({"list": "khr_intervention_types", "code": f.kind.trim()});
            }
            if !f.next_step.trim().is_empty() {
                i["next_step"] = json!({"text": f.next_step.trim()});
            }
            add_to_case(v, &cid, vec![record(i)?])
        })
        .await;
    match made {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let c = Chrome::for_session(&headers, &s, &format!("/cases/{case}/interventions"));
            let kinds = intervention_types(c.t.lang.code());
            Ok(render_form(
                &InterventionPage {
                    c,
                    case,
                    kinds,
                    statuses: STATUSES,
                    error: Some(e.message),
                },
                true,
            ))
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}
