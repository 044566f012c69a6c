//! Editing any record through one form made from the record's own fields.
//!
//! Every top-level field gets the control its type asks for: a line or a text area for text,
//! the vocabulary's terms for a vocabulary field, a list for fixed choices, a box for yes/no,
//! and pretty-printed JSON for structured fields (names, acts, places). The domain validates
//! the result, as for any edit.
//!
//! Two safeguards keep concurrent work:
//! - The form carries the record's heads as they were when it was opened. If anyone changed
//!   the record since, nothing is saved: the form comes back (409) with the current values,
//!   and the person's own values shown under the fields they changed.
//! - A field in conflict (two devices edited it concurrently) shows every candidate, and is
//!   settled only when its "this is the right value" box is ticked, as `khronika edit
//!   --resolve` does.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use khronika_app::records::RecordView;
use khronika_app::{AppError, ErrorCode};
use khronika_domain::vocab::lists;
use khronika_domain::{InterventionStatus, LinkKind, Record, RecordId, RecordKind, Reliability};
use serde_json::{Map, Value, json};

use super::forms::terms;
use super::guard::Authed;
use super::i18n::{Lang, Tr};
use super::pages::{Chrome, Shown, render, show, shown};
use super::{Web, WebError};

/// Vocabulary fields at the top level of a record, and the list each takes its terms from.
const TERM_FIELDS: &[(RecordKind, &str, &str)] = &[
    (RecordKind::Person, "sex", lists::SEX),
    (RecordKind::Unit, "unit_type", lists::TYPES_OF_PERPETRATORS),
    (
        RecordKind::Source,
        "source_type",
        lists::TYPES_OF_SOURCE_MATERIAL,
    ),
    (
        RecordKind::Source,
        "relation",
        lists::SOURCE_CONNECTION_TO_INFORMATION,
    ),
    (
        RecordKind::Testimony,
        "relation",
        lists::SOURCE_CONNECTION_TO_INFORMATION,
    ),
    (
        RecordKind::Intervention,
        "kind",
        lists::KHR_INTERVENTION_TYPES,
    ),
];

/// Fields with a fixed set of values: (kind, field, values, prefix of their label keys).
fn choices(kind: RecordKind, field: &str) -> Option<(Vec<&'static str>, &'static str)> {
    let reliability = || Reliability::ALL.iter().map(|r| r.as_str()).collect();
    match (kind, field) {
        (RecordKind::Source | RecordKind::Testimony, "reliability") => Some((reliability(), "")),
        (RecordKind::Intervention, "status") => Some((
            InterventionStatus::ALL.iter().map(|s| s.as_str()).collect(),
            "",
        )),
        (RecordKind::Link, "kind") => {
            Some((LinkKind::ALL.iter().map(|k| k.as_str()).collect(), "link."))
        }
        _ => None,
    }
}

/// Text fields that take paragraphs.
const LONG_TEXT: &[&str] = &["summary", "description", "notes", "transcript", "note"];

/// Fields that are structured when set, though empty now.
const STRUCTURED: &[&str] = &["reply", "next_step", "provider", "given_by"];

/// The order fields are shown in (the rest follow, by name); each has its words
/// (`field.<name>`) in both languages.
const ORDER: &[&str] = &[
    "title",
    "names",
    "pseudonym",
    "addressee",
    "kind",
    "source_type",
    "unit_type",
    "date",
    "place",
    "sex",
    "birth_year",
    "from",
    "to",
    "summary",
    "description",
    "transcript",
    "acts",
    "involvements",
    "memberships",
    "parent",
    "provider",
    "given_by",
    "relation",
    "interview",
    "reliability",
    "language",
    "evidence",
    "consent",
    "filed_by",
    "filed",
    "reference",
    "deadline",
    "status",
    "reply",
    "next_step",
    "concerns",
    "records",
    "responsible",
    "compartment",
    "notes",
    "note",
];

/// Fields shown but not edited here: (kind, field). A case's compartment is where it is
/// stored; it moves only by export and import.
const FIXED: &[(RecordKind, &str)] = &[(RecordKind::Case, "compartment")];

/// The control a field is edited with.
pub enum Widget {
    /// Shown, not edited.
    Fixed,
    /// One line of text.
    Line,
    /// Paragraphs.
    Text,
    /// A term of a vocabulary list: the list and its terms (value `list code`, label).
    Term(String, Vec<(String, String)>),
    /// One of fixed values: (value, label).
    Choice(Vec<(String, String)>),
    /// Yes or no.
    Check,
    /// Structured: JSON.
    Json,
}

/// One field of the edit form.
pub struct EditField {
    /// The field's name.
    pub name: String,
    /// What to call it, in the page's language.
    pub label: String,
    /// Its control.
    pub widget: Widget,
    /// Its current value as the control shows it.
    pub value: String,
    /// The person's own value, when the record changed while they edited and theirs differs.
    pub mine: Option<String>,
    /// The candidates of a conflict: (revision, value shown).
    pub conflict: Vec<(String, String)>,
}

impl EditField {
    /// Whether a yes/no field is ticked.
    pub fn checked(&self) -> bool {
        self.value == "true"
    }
}

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage {
    c: Chrome,
    id: String,
    label: String,
    heads: String,
    fields: Vec<EditField>,
    error: Option<String>,
}

/// The record as JSON with every field, `null` ones included.
fn full_value(view: &RecordView) -> Map<String, Value> {
    let f = &view.folded;
    let mut out = match f.record.as_ref().ok().map(serde_json::to_value) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    // A merge that does not make a valid record still shows every field it has.
    for (k, v) in &f.value {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    out.remove("type");
    out.remove("id");
    out
}

fn heads(view: &RecordView) -> String {
    let h: Vec<String> = view.folded.heads.iter().map(|r| r.to_string()).collect();
    h.join(",")
}

/// The control for `field` whose current value is `v`.
fn widget(t: &Tr, kind: RecordKind, field: &str, v: &Value) -> Widget {
    if FIXED.contains(&(kind, field)) {
        return Widget::Fixed;
    }
    if let Some((_, _, list)) = TERM_FIELDS
        .iter()
        .find(|(k, f, _)| *k == kind && *f == field)
    {
        let mut options: Vec<(String, String)> = terms(list, t.lang.code())
            .into_iter()
            .map(|(code, label)| (format!("{list} {code}"), label))
            .collect();
        // A term of another list (HURIDOCS types of intervention, say) stays selectable.
        let current = term_value(v);
        if !current.is_empty() && !options.iter().any(|(o, _)| *o == current) {
            options.push((current.clone(), current));
        }
        return Widget::Term((*list).to_owned(), options);
    }
    if let Some((values, prefix)) = choices(kind, field) {
        return Widget::Choice(
            values
                .into_iter()
                .map(|v| (v.to_owned(), t.s(&format!("{prefix}{v}")).to_owned()))
                .collect(),
        );
    }
    match v {
        Value::Bool(_) => Widget::Check,
        Value::String(s) if LONG_TEXT.contains(&field) || s.contains('\n') => Widget::Text,
        Value::String(_) => Widget::Line,
        Value::Null if STRUCTURED.contains(&field) => Widget::Json,
        Value::Null if LONG_TEXT.contains(&field) => Widget::Text,
        Value::Null => Widget::Line,
        _ => Widget::Json,
    }
}

/// A term as its picker's value: `list code`.
fn term_value(v: &Value) -> String {
    match (
        v.get("list").and_then(Value::as_str),
        v.get("code").and_then(Value::as_str),
    ) {
        (Some(l), Some(c)) => format!("{l} {c}"),
        _ => String::new(),
    }
}

/// A value as its control shows it.
fn shown_value(w: &Widget, v: &Value) -> String {
    match (w, v) {
        (Widget::Term(..), _) => term_value(v),
        (Widget::Check, Value::Bool(b)) => b.to_string(),
        (Widget::Json, Value::Null) => String::new(),
        (Widget::Json, _) => serde_json::to_string_pretty(v).unwrap_or_default(),
        _ => show(v),
    }
}

/// What the person sent, when the form comes back to them.
#[derive(Clone, Copy)]
enum Sent<'a> {
    /// Nothing: a fresh form.
    Nothing,
    /// Refused: the form shows what they sent, to correct.
    ToCorrect(&'a BTreeMap<String, String>),
    /// The record changed meanwhile: the form shows the current values, and theirs below.
    Meanwhile(&'a BTreeMap<String, String>),
}

/// The form's fields for `view`.
fn fields(t: &Tr, view: &RecordView, sent: Sent<'_>) -> Vec<EditField> {
    let kind = view.folded.id.kind();
    let mut all: Vec<(String, Value)> = full_value(view).into_iter().collect();
    all.sort_by_key(|(name, _)| {
        (
            ORDER.iter().position(|o| o == name).unwrap_or(ORDER.len()),
            name.clone(),
        )
    });
    all.into_iter()
        .map(|(name, v)| {
            let widget = widget(t, kind, &name, &v);
            let current = shown_value(&widget, &v);
            let theirs = |m: &BTreeMap<String, String>| {
                let sent = m.get(&format!("f.{name}")).cloned();
                match widget {
                    Widget::Check => sent.map_or("false", |_| "true").to_owned(),
                    _ => sent.unwrap_or_else(|| current.clone()),
                }
            };
            let (value, mine) = match sent {
                Sent::Nothing => (current, None),
                Sent::ToCorrect(m) => (theirs(m), None),
                Sent::Meanwhile(m) => {
                    let mine = Some(theirs(m)).filter(|x| x.trim() != current.trim());
                    (current, mine)
                }
            };
            let conflict = view
                .folded
                .conflict(&name)
                .map(|c| {
                    c.candidates
                        .iter()
                        .map(|(rev, v)| (rev.to_string(), show(v)))
                        .collect()
                })
                .unwrap_or_default();
            EditField {
                mine,
                label: t
                    .get(&format!("field.{name}"))
                    .map_or_else(|| name.clone(), str::to_owned),
                name,
                widget,
                value,
                conflict,
            }
        })
        .collect()
}

fn record_id(headers: &HeaderMap, id: &str) -> Result<RecordId, Shown> {
    RecordId::parse(id)
        .ok()
        .filter(|r| r.kind() != RecordKind::Act)
        .ok_or_else(|| {
            Shown(
                Lang::of(headers),
                WebError::web_code("not-found", format!("`{id}` is not a record id")),
            )
        })
}

fn page(c: Chrome, view: &RecordView, sent: Sent<'_>, error: Option<String>) -> EditPage {
    let f = &view.folded;
    EditPage {
        id: f.id.to_string(),
        label: f
            .record
            .as_ref()
            .map_or_else(|_| f.id.short(), |r| r.label()),
        heads: heads(view),
        fields: fields(&c.t, view, sent),
        error,
        c,
    }
}

/// The edit form of a record.
pub async fn edit_form(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Shown> {
    let rid = record_id(&headers, &id)?;
    let view = web
        .read(&s, move |v| v.record(&rid))
        .await
        .map_err(shown(&headers))?;
    let c = Chrome::for_session(&headers, &s, &format!("/records/{id}/edit"));
    Ok(render(&page(c, &view, Sent::Nothing, None)))
}

/// What saving the form came to.
enum Saved {
    /// Stored (or nothing changed).
    Done,
    /// Someone changed the record since the form was opened: its current state.
    Meanwhile(Box<RecordView>),
    /// The form does not make a valid record: why, and the current state.
    Refused(String, Box<RecordView>),
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::Invalid, message)
}

/// The record the form describes: the current fields with the form's values put in.
fn from_form(
    t: &Tr,
    view: &RecordView,
    sent: &BTreeMap<String, String>,
) -> Result<Record, AppError> {
    let kind = view.folded.id.kind();
    let mut out = Map::new();
    out.insert("type".into(), json!(kind.as_str()));
    out.insert("id".into(), json!(view.folded.id.to_string()));
    for (name, current) in full_value(view) {
        let w = widget(t, kind, &name, &current);
        let Some(raw) = sent.get(&format!("f.{name}")) else {
            // A box not ticked is not sent; any other field missing keeps its value.
            let kept = match w {
                Widget::Check => json!(false),
                _ => current,
            };
            out.insert(name, kept);
            continue;
        };
        let empty = || match (&w, name.as_str()) {
            (Widget::Term(..), "sex") => json!("unknown"),
            _ if current.is_string() => json!(""),
            _ => Value::Null,
        };
        let value = match w {
            Widget::Fixed => current,
            Widget::Check => json!(true),
            Widget::Term(..) => match raw.split_once(' ') {
                Some((list, code)) => json!({"list": list, "code": code}),
                None if raw.trim().is_empty() => empty(),
                None => return Err(bad(format!("{name}: choose a term from the list"))),
            },
            Widget::Json if raw.trim().is_empty() => empty(),
            Widget::Json => serde_json::from_str(raw).map_err(|e| {
                bad(format!(
                    "{name}: this is not valid JSON ({e}); correct it, or reload the page to start again"
                ))
            })?,
            Widget::Line | Widget::Choice(_) if raw.trim().is_empty() => empty(),
            Widget::Line | Widget::Choice(_) => json!(raw.trim()),
            Widget::Text if raw.trim().is_empty() => empty(),
            Widget::Text => json!(raw.replace("\r\n", "\n")),
        };
        out.insert(name, value);
    }
    serde_json::from_value(Value::Object(out))
        .map_err(|e| bad(format!("the form does not make a valid record: {e}")))
}

/// Save the edit form: a new revision of the record.
pub async fn edit_save(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Shown> {
    let rid = record_id(&headers, &id)?;
    let sent: BTreeMap<String, String> = pairs.into_iter().collect();
    let t = Tr {
        lang: Lang::of(&headers),
    };
    let form = sent.clone();
    let saved = web
        .write(&s, move |v| {
            let view = v.record(&rid)?;
            let Some(opened) = form.get("heads") else {
                return Err(bad(
                    "the form does not say which version of the record it edits; open the edit page again",
                ));
            };
            if *opened != heads(&view) {
                return Ok(Saved::Meanwhile(Box::new(view)));
            }
            let resolved: Vec<&str> = form
                .keys()
                .filter_map(|k| k.strip_prefix("resolve."))
                .collect();
            let edited = from_form(&t, &view, &form)
                .and_then(|record| v.edit_record(record, &resolved).map(|_| ()));
            match edited {
                Ok(()) => Ok(Saved::Done),
                Err(e) if matches!(e.code, ErrorCode::Invalid | ErrorCode::Usage) => {
                    Ok(Saved::Refused(e.message, Box::new(view)))
                }
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(shown(&headers))?;
    let c = Chrome::for_session(&headers, &s, &format!("/records/{id}/edit"));
    let (status, page) = match saved {
        Saved::Done => {
            let to = if rid.kind() == RecordKind::Case {
                format!("/cases/{id}")
            } else {
                format!("/records/{id}")
            };
            return Ok(Redirect::to(&to).into_response());
        }
        Saved::Meanwhile(view) => {
            let message = c.t.s("edit.meanwhile").to_owned();
            (
                StatusCode::CONFLICT,
                page(c, &view, Sent::Meanwhile(&sent), Some(message)),
            )
        }
        Saved::Refused(message, view) => (
            StatusCode::BAD_REQUEST,
            page(c, &view, Sent::ToCorrect(&sent), Some(message)),
        ),
    };
    let mut r = render(&page);
    *r.status_mut() = status;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_and_term_field_has_its_words_in_both_languages() {
        for lang in [Lang::En, Lang::Ru] {
            let t = Tr { lang };
            for kind in RecordKind::ALL {
                for field in ["reliability", "status", "kind"] {
                    if let Widget::Choice(options) = widget(&t, kind, field, &Value::Null) {
                        for (v, label) in options {
                            assert_ne!(label, "?", "{kind:?}.{field} = {v} in {lang:?}");
                        }
                    }
                }
            }
            for field in ORDER {
                assert!(t.get(&format!("field.{field}")).is_some(), "field.{field}");
            }
            for (kind, field, list) in TERM_FIELDS {
                match widget(&t, *kind, field, &Value::Null) {
                    Widget::Term(l, options) => {
                        assert_eq!(l, *list);
                        assert!(!options.is_empty(), "{list} has terms");
                    }
                    _ => panic!("{kind:?}.{field} is a vocabulary field"),
                }
            }
        }
    }

    #[test]
    fn controls_follow_the_value() {
        let t = Tr { lang: Lang::En };
        let k = RecordKind::Case;
        assert!(matches!(widget(&t, k, "title", &json!("x")), Widget::Line));
        assert!(matches!(widget(&t, k, "summary", &json!("")), Widget::Text));
        assert!(matches!(widget(&t, k, "records", &json!([])), Widget::Json));
        assert!(matches!(
            widget(&t, RecordKind::Intervention, "reply", &Value::Null),
            Widget::Json
        ));
        assert!(matches!(
            widget(&t, RecordKind::Testimony, "x", &json!(true)),
            Widget::Check
        ));
        assert_eq!(term_value(&json!({"list": "sex", "code": "01"})), "sex 01");
    }
}
