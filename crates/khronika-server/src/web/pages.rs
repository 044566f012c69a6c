//! Page handlers: parse, call the app layer, render a template. No vault logic here.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khronika_app::access::Action;
use khronika_app::records::RecordSummary;
use khronika_app::{AppError, ErrorCode};
use khronika_crypto::{OsEntropy, Passphrase};
use khronika_domain::{RecordId, RecordKind};
use serde::Deserialize;
use serde_json::Value;

use super::guard::{Authed, LANG_COOKIE, PRE_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use super::i18n::{Lang, Tr};
use super::sessions::{random_token, same_secret};
use super::{Web, WebError, blocking};

/// The shortest passphrase the first-start page accepts (as `khronika init`).
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// An error shown as a page in the person's language.
pub struct Shown(pub Lang, pub WebError);

impl IntoResponse for Shown {
    fn into_response(self) -> Response {
        error_page(self.0, &self.1)
    }
}

type Page = Result<Response, Shown>;

/// What every page's frame needs: the words, the session's CSRF token (None before login),
/// and the path to come back to after switching language.
pub struct Chrome {
    /// The words.
    pub t: Tr,
    /// The session's CSRF token, for the logout and other forms.
    pub csrf: Option<String>,
    /// This page's path.
    pub back: String,
    /// What the member may do (bits of `Action::ALL`), to show only the links they can use.
    pub allowed: u8,
}

impl Chrome {
    /// The frame of a page at `back` for a logged-in session.
    pub fn for_session(headers: &HeaderMap, s: &super::sessions::Session, back: &str) -> Chrome {
        let mut c = Chrome::new(headers, Some(&s.csrf), back);
        c.allowed = s.allowed.load(std::sync::atomic::Ordering::Relaxed);
        c
    }

    /// Whether the member may `what` (`write`, `coordinate`, `administer`), for the
    /// navigation and the buttons; the routes decide for themselves.
    pub fn can(&self, what: &str) -> bool {
        let action = match what {
            "write" => Action::Write,
            "coordinate" => Action::Coordinate,
            "administer" => Action::Administer,
            _ => return false,
        };
        Action::ALL
            .iter()
            .position(|a| *a == action)
            .is_some_and(|i| self.allowed & (1 << i) != 0)
    }

    /// The frame of a page at `back`, for a session with token `csrf`.
    pub fn new(headers: &HeaderMap, csrf: Option<&str>, back: &str) -> Chrome {
        Chrome {
            t: Tr {
                lang: Lang::of(headers),
            },
            csrf: csrf.map(str::to_owned),
            back: back.to_owned(),
            allowed: 0,
        }
    }

    /// The language the switch offers.
    pub fn other_lang(&self) -> &'static str {
        match self.t.lang {
            Lang::En => "ru",
            Lang::Ru => "en",
        }
    }
}

/// Render a template (a failure is a plain 500: templates are checked at compile time).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page could not be rendered",
        )
            .into_response(),
    }
}

/// Render a form page; with an error to show, its status is 400.
pub fn render_form(t: &impl Template, refused: bool) -> Response {
    let mut r = render(t);
    if refused {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

/// Show an error in the request's language.
pub fn shown(headers: &HeaderMap) -> impl Fn(WebError) -> Shown + '_ {
    |e| Shown(Lang::of(headers), e)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: Chrome,
    e: &'a WebError,
}

/// An error as a page, with its status.
pub fn error_page(lang: Lang, e: &WebError) -> Response {
    let c = Chrome {
        t: Tr { lang },
        csrf: None,
        back: "/".into(),
        allowed: 0,
    };
    let mut r = render(&ErrorPage { c, e });
    *r.status_mut() = e.status;
    r
}

/// 404 for every path not in the table.
pub async fn not_found(headers: HeaderMap) -> Response {
    error_page(
        Lang::of(&headers),
        &WebError::web_code(
            "not-found",
            "there is no such page; go back to the overview",
        ),
    )
}

/// 405 for a path in the table with another method.
pub async fn method_not_allowed(headers: HeaderMap) -> Response {
    error_page(
        Lang::of(&headers),
        &WebError::web_code(
            "method-not-allowed",
            "this page cannot be used that way; go back and use its links and buttons",
        ),
    )
}

/// The stylesheet (the only style: no inline styles, so the CSP can forbid them).
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// The pre-login CSRF token: the cookie's, or a new one (to be set).
fn pre_token(headers: &HeaderMap) -> Result<(String, bool), WebError> {
    match cookie(headers, PRE_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => Ok((t, false)),
        None => Ok((random_token()?, true)),
    }
}

fn with_pre(mut r: Response, token: &str, new: bool) -> Response {
    if new && let Ok(v) = set_cookie(PRE_COOKIE, Some(token)).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// ----- first start -----

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    c: Chrome,
    pre: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "setup_done.html")]
struct SetupDone {
    c: Chrome,
    recovery: String,
    code: String,
}

/// The first-start form.
pub async fn setup_form(headers: HeaderMap) -> Page {
    let (pre, new) = pre_token(&headers).map_err(shown(&headers))?;
    let c = Chrome::new(&headers, None, "/setup");
    Ok(with_pre(
        render(&SetupPage {
            c,
            pre: pre.clone(),
            error: None,
        }),
        &pre,
        new,
    ))
}

/// The first-start form's fields.
#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    passphrase: String,
    repeat: String,
}

/// Create the vault (with the setup token), show the recovery key once, log the person in.
pub async fn setup(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Page {
    let again = |msg: String| -> Page {
        let (pre, new) = pre_token(&headers).map_err(shown(&headers))?;
        let c = Chrome::new(&headers, None, "/setup");
        let mut r = render(&SetupPage {
            c,
            pre: pre.clone(),
            error: Some(msg),
        });
        *r.status_mut() = StatusCode::BAD_REQUEST;
        Ok(with_pre(r, &pre, new))
    };
    let expected = web.setup_token.lock().ok().and_then(|t| t.clone());
    let Some(expected) = expected else {
        return Err(Shown(
            Lang::of(&headers),
            WebError::web_code("not-found", "the vault exists already; log in"),
        ));
    };
    if !same_secret(form.token.trim(), &expected) {
        return again(
            "the setup token is wrong: copy it from the console where `khronika serve` runs".into(),
        );
    }
    if form.passphrase != form.repeat {
        return again("the two passphrases differ; type them again".into());
    }
    if form.passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return again(format!(
            "the passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters; choose a longer one (a few unrelated words work well)"
        ));
    }
    let _turn = web.sessions.kdf.acquire().await.map_err(|_| {
        Shown(
            Lang::of(&headers),
            WebError::web_code("busy", "the server is stopping"),
        )
    })?;
    let w = web.clone();
    let pass = form.passphrase;
    let created = blocking(move || {
        let mut token = w.setup_token.lock().map_err(|_| {
            WebError::web_code(
                "io",
                "the setup state is unusable; restart `khronika serve`",
            )
        })?;
        if token.is_none() {
            return Err(WebError::web_code(
                "not-found",
                "the vault exists already; log in",
            ));
        }
        let pass = Passphrase::new(pass);
        let (_unlocked, recovery) = khronika_app::vault::init(
            w.fs.clone(),
            &w.config.vault,
            &pass,
            w.config.kdf,
            &mut OsEntropy,
        )?;
        // The token is spent: whoever comes next gets the login page.
        *token = None;
        let locked = khronika_app::LockedVault::open(w.fs.clone(), &w.config.vault)?;
        let code = locked.marker().member.short();
        let key = locked.login(&code, &pass)?;
        if let Ok(mut v) = w.vault.lock() {
            *v = Some(locked.clone());
        }
        let loaded_at = w.fingerprint()?;
        let vault = locked.unlock_key(&key)?;
        let session = w.sessions.start(key, vault, loaded_at)?;
        Ok((recovery.to_text(), code, session))
    })
    .await
    .map_err(shown(&headers))?;
    let (recovery, code, session) = created;
    let c = Chrome::new(&headers, None, "/");
    let mut r = render(&SetupDone {
        c,
        recovery: recovery.to_string(),
        code,
    });
    let h = r.headers_mut();
    for v in [
        set_cookie(SESSION_COOKIE, Some(&session)),
        set_cookie(PRE_COOKIE, None),
    ] {
        if let Ok(v) = v.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

// ----- login -----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    pre: String,
    code: String,
    error: Option<String>,
}

/// The login form.
pub async fn login_form(headers: HeaderMap) -> Page {
    let (pre, new) = pre_token(&headers).map_err(shown(&headers))?;
    let c = Chrome::new(&headers, None, "/login");
    Ok(with_pre(
        render(&LoginPage {
            c,
            pre: pre.clone(),
            code: String::new(),
            error: None,
        }),
        &pre,
        new,
    ))
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    code: String,
    passphrase: String,
}

/// Open the member's key and start a session.
pub async fn login(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Page {
    let refused = |e: WebError, code: &str| -> Page {
        let (pre, new) = pre_token(&headers).map_err(shown(&headers))?;
        let c = Chrome::new(&headers, None, "/login");
        let mut r = render(&LoginPage {
            c,
            pre: pre.clone(),
            code: code.to_owned(),
            error: Some(e.message.clone()),
        });
        *r.status_mut() = e.status;
        Ok(with_pre(r, &pre, new))
    };
    if let Err(e) = web.sessions.check_attempts(&form.code) {
        return refused(e, &form.code);
    }
    let Some(locked) = web.locked() else {
        return Ok(Redirect::to("/setup").into_response());
    };
    let turn = web.sessions.kdf.acquire().await;
    let code = form.code.clone();
    let pass = form.passphrase;
    let opened = blocking(move || Ok(locked.login(&code, &Passphrase::new(pass))?)).await;
    drop(turn);
    let key = match opened {
        Ok(k) => k,
        Err(e) => {
            if e.code == ErrorCode::WrongPassphrase.as_str() {
                web.sessions.failed(&form.code);
            }
            return refused(e, &form.code);
        }
    };
    let w = web.clone();
    let token = blocking(move || {
        let locked = w
            .locked()
            .ok_or_else(|| WebError::web_code("no-vault", "the vault is gone"))?;
        let loaded_at = w.fingerprint()?;
        let vault = locked.unlock_key(&key)?;
        w.sessions.start(key, vault, loaded_at)
    })
    .await
    .map_err(shown(&headers))?;
    let mut r = Redirect::to("/").into_response();
    for v in [
        set_cookie(SESSION_COOKIE, Some(&token)),
        set_cookie(PRE_COOKIE, None),
    ] {
        if let Ok(v) = v.parse() {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

/// End the session: the member's key and vault are forgotten.
pub async fn logout(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        web.sessions.end(&t);
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, None).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The language switch's fields.
#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Choose the language (a cookie), then go back to the page.
pub async fn language(Form(form): Form<LanguageForm>) -> Response {
    let lang = Lang::parse(&form.lang).unwrap_or(Lang::En);
    // Only a path on this site: never `//elsewhere` or a scheme.
    let back = if form.back.starts_with('/')
        && !form.back.starts_with("//")
        && !form.back.contains('\\')
    {
        form.back
    } else {
        "/".to_owned()
    };
    let mut r = Redirect::to(&back).into_response();
    let v = format!(
        "{LANG_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=31536000",
        lang.code()
    );
    if let Ok(v) = v.parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// ----- pages of a member -----

/// A record in a list, for display.
pub struct Row {
    /// The id.
    pub id: String,
    /// The kind's word.
    pub kind: String,
    /// What to call it.
    pub label: String,
    /// The compartment.
    pub compartment: String,
    /// Fields in conflict.
    pub conflicts: usize,
    /// The last change, formatted.
    pub updated: String,
}

pub(crate) fn rows(t: &Tr, list: &[RecordSummary]) -> Vec<Row> {
    list.iter()
        .map(|r| Row {
            id: r.id.clone(),
            kind: r.kind.clone(),
            label: r.label.clone(),
            compartment: r.compartment.clone(),
            conflicts: r.conflicts,
            updated: t.datetime(r.updated_ms),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    c: Chrome,
    counts: Vec<(String, String)>,
    recent: Vec<Row>,
    conflicts: Vec<Row>,
    due: Vec<(Row, String)>,
    mirrors: Vec<(String, bool, String)>,
    safe_on: usize,
    last_sync: Option<(String, String, bool)>,
    sync_every: Option<u64>,
}

/// The overview: recent activity, interventions due, conflicts, mirrors.
pub async fn dashboard(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Page {
    let c = Chrome::for_session(&headers, &s, "/");
    let t = c.t;
    let (all, due, mirrors) = web
        .read(&s, |v| {
            let all = v.list_records(None)?;
            let mut due = Vec::new();
            for r in all.iter().filter(|r| r.kind == "intervention").take(500) {
                let id = RecordId::parse(&r.id).map_err(|e| AppError::internal(e.to_string()))?;
                let view = v.record(&id)?;
                if let Some(d) = view.folded.value.get("deadline").and_then(Value::as_str) {
                    let status = view
                        .folded
                        .value
                        .get("status")
                        .map(show)
                        .unwrap_or_default();
                    due.push((r.clone(), d.to_owned(), status));
                }
            }
            let mirrors = v.mirror_statuses().unwrap_or_default();
            Ok((all, due, mirrors))
        })
        .await
        .map_err(shown(&headers))?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &all {
        *counts.entry(r.kind.clone()).or_default() += 1;
    }
    let mut recent = all.clone();
    recent.sort_by_key(|r| std::cmp::Reverse(r.updated_ms));
    recent.truncate(10);
    let conflicted: Vec<RecordSummary> = all.iter().filter(|r| r.conflicts > 0).cloned().collect();
    let today = khronika_app::time::now_ms();
    let soon = khronika_app::time::rfc3339_ms(today + 30 * 86_400_000)[..10].to_owned();
    let mut due: Vec<(Row, String)> = due
        .into_iter()
        .filter(|(_, d, status)| {
            d.as_str() <= soon.as_str()
                && !matches!(status.as_str(), "closed" | "decided" | "withdrawn")
        })
        .map(|(r, d, _)| (rows(&t, std::slice::from_ref(&r)).remove(0), d))
        .collect();
    due.sort_by(|a, b| a.1.cmp(&b.1));
    let safe_on = mirrors.iter().filter(|m| m.is_safe()).count();
    let mirrors = mirrors
        .iter()
        .map(|m| {
            let mut detail = match &m.pending {
                Ok(0) => String::new(),
                Ok(n) => format!("{} {}", t.number(*n), t.s("dash.sync.pending")),
                Err(e) => e.clone(),
            };
            if let Some(n) = m.lag_entries.filter(|n| *n > 0) {
                detail.push_str(&format!("; {} {}", t.number(n), t.s("dash.sync.behind")));
            }
            let last = m
                .entry
                .last_sync_ms
                .map_or_else(|| t.s("dash.sync.never").to_owned(), |ms| t.datetime(ms));
            detail.push_str(&format!(" ({} {last})", t.s("dash.sync.success")));
            (m.entry.name.clone(), m.is_safe(), detail)
        })
        .collect();
    let page = Dashboard {
        counts: counts
            .into_iter()
            .map(|(k, n)| (k, t.number(n as u64)))
            .collect(),
        recent: rows(&t, &recent),
        conflicts: rows(&t, &conflicted),
        due,
        mirrors,
        safe_on,
        last_sync: web.last_sync().map(|(ms, said)| match said {
            Ok(s) => (t.datetime(ms), s, true),
            Err(e) => (t.datetime(ms), e, false),
        }),
        sync_every: web.config.sync_every.map(|d| d.as_secs()),
        c,
    };
    Ok(render(&page))
}

/// A value for display: strings as they are, lists joined, objects as `key: value`.
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(show)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k, show(v)))
            .filter(|(_, s)| !s.is_empty())
            .map(|(k, s)| format!("{k}: {s}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "list.html")]
pub(crate) struct ListPage {
    pub(crate) c: Chrome,
    pub(crate) title: &'static str,
    pub(crate) q: String,
    pub(crate) kind: String,
    pub(crate) kinds: Vec<&'static str>,
    pub(crate) rows: Vec<Row>,
    pub(crate) new_case: bool,
}

/// The list filters.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    kind: String,
}

pub(crate) fn filtered(list: Vec<RecordSummary>, q: &str) -> Vec<RecordSummary> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return list;
    }
    list.into_iter()
        .filter(|r| r.label.to_lowercase().contains(&q) || r.id.to_lowercase().contains(&q))
        .collect()
}

/// Cases, filtered by words of their title.
pub async fn cases(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Page {
    let c = Chrome::for_session(&headers, &s, "/cases");
    let (list, writer) = web
        .read(&s, |v| {
            let writer = v.may(khronika_app::access::Action::Write).is_ok();
            Ok((v.list_records(Some(RecordKind::Case))?, writer))
        })
        .await
        .map_err(shown(&headers))?;
    let list = filtered(list, &query.q);
    let page = ListPage {
        rows: rows(&c.t, &list),
        title: "cases.title",
        q: query.q,
        kind: "case".into(),
        kinds: Vec::new(),
        new_case: writer,
        c,
    };
    Ok(render(&page))
}

/// Every record, by type.
pub async fn records(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Page {
    let c = Chrome::for_session(&headers, &s, "/records");
    let kind = match query.kind.as_str() {
        "" => None,
        k => Some(RecordKind::parse(k).ok_or_else(|| {
            Shown(
                c.t.lang,
                WebError::web_code(
                    "bad-form",
                    format!("`{k}` is not a record type; choose one from the list"),
                ),
            )
        })?),
    };
    let list = web
        .read(&s, move |v| v.list_records(kind))
        .await
        .map_err(shown(&headers))?;
    let list = filtered(list, &query.q);
    let page = ListPage {
        rows: rows(&c.t, &list),
        title: "records.title",
        q: query.q,
        kind: query.kind,
        kinds: RecordKind::ALL.iter().map(|k| k.as_str()).collect(),
        new_case: false,
        c,
    };
    Ok(render(&page))
}

fn parse_id(headers: &HeaderMap, id: &str) -> Result<RecordId, Shown> {
    RecordId::parse(id).map_err(|_| {
        Shown(
            Lang::of(headers),
            WebError::web_code(
                "not-found",
                format!("`{id}` is not a record id; ids look like C-1a2b3c4d…"),
            ),
        )
    })
}

/// A record's fields for display.
pub struct FieldRow {
    /// The field.
    pub name: String,
    /// Its value.
    pub value: String,
    /// In conflict.
    pub conflict: bool,
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    c: Chrome,
    id: String,
    label: String,
    kind: String,
    compartment: String,
    fields: Vec<FieldRow>,
    revisions: usize,
    updated: String,
}

/// One record: its fields and conflicts.
pub async fn record(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Page {
    let rid = parse_id(&headers, &id)?;
    let c = Chrome::for_session(&headers, &s, &format!("/records/{id}"));
    let view = web
        .read(&s, move |v| v.record(&rid))
        .await
        .map_err(shown(&headers))?;
    let f = &view.folded;
    let conflicted: Vec<&str> = f.conflicts.iter().map(|x| x.field.as_str()).collect();
    let page = RecordPage {
        id: f.id.to_string(),
        label: f
            .record
            .as_ref()
            .map_or_else(|_| f.id.short(), |r| r.label()),
        kind: f.id.kind().as_str().to_owned(),
        compartment: view.compartment.clone(),
        fields: f
            .value
            .iter()
            .filter(|(k, _)| *k != "id")
            .map(|(k, v)| FieldRow {
                name: k.clone(),
                value: show(v),
                conflict: conflicted.contains(&k.as_str()),
            })
            .collect(),
        revisions: f.revisions,
        updated: c.t.datetime(f.updated_ms),
        c,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    c: Chrome,
    id: String,
    changes: Vec<(String, String, String, String)>,
}

/// Every change of a record's fields, oldest first.
pub async fn history(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Page {
    let rid = parse_id(&headers, &id)?;
    let c = Chrome::for_session(&headers, &s, &format!("/records/{id}/history"));
    let changes = web
        .read(&s, move |v| v.record_history(&rid, None))
        .await
        .map_err(shown(&headers))?;
    let page = HistoryPage {
        id,
        changes: changes
            .iter()
            .map(|ch| {
                (
                    c.t.datetime(ch.time_ms),
                    ch.field.clone(),
                    show(&ch.value),
                    ch.author.clone(),
                )
            })
            .collect(),
        c,
    };
    Ok(render(&page))
}

/// An event on a case's timeline.
pub struct TimelineEvent {
    /// The event's id.
    pub id: String,
    /// Its title.
    pub label: String,
    /// Its date as recorded (with its precision).
    pub date: String,
    /// Where.
    pub place: String,
    /// Its acts: act type and victim.
    pub acts: Vec<String>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    id: String,
    label: String,
    summary: String,
    compartment: String,
    events: Vec<TimelineEvent>,
    persons: Vec<(String, String)>,
    units: Vec<(String, String)>,
    interventions: Vec<(String, String)>,
    gathered: Vec<(String, String, String)>,
    /// Links with an end at the case or its events: (link id, from, how, to).
    links: Vec<(String, String, String, String)>,
    missing: Vec<String>,
    writer: bool,
}

fn label_of(f: &khronika_domain::revision::FoldedRecord) -> (String, String) {
    (
        f.id.to_string(),
        f.record
            .as_ref()
            .map_or_else(|_| f.id.short(), |r| r.label()),
    )
}

/// A case with the timeline of its events.
pub async fn case(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Page {
    let rid = parse_id(&headers, &id)?;
    let c = Chrome::for_session(&headers, &s, &format!("/cases/{id}"));
    let lang = c.t.lang.code();
    let (page, compartment, writer) = web
        .read(&s, move |v| {
            let page = v.case_page(&rid)?;
            let compartment = v.record(&rid)?.compartment;
            let writer = v.may(khronika_app::access::Action::Write).is_ok();
            Ok((page, compartment, writer))
        })
        .await
        .map_err(shown(&headers))?;
    let names: Vec<(String, String)> = page.persons.iter().map(label_of).collect();
    let mut events: Vec<TimelineEvent> = page
        .events
        .iter()
        .map(|e| TimelineEvent {
            id: e.id.to_string(),
            label: label_of(e).1,
            date: e.value.get("date").map(show).unwrap_or_default(),
            place: e
                .value
                .get("place")
                .map(|p| p.get("text").map_or_else(|| show(p), show))
                .unwrap_or_default(),
            acts: e
                .value
                .get("acts")
                .and_then(Value::as_array)
                .map(|acts| {
                    acts.iter()
                        .map(|a| {
                            let kind = a
                                .get("act_type")
                                .and_then(|t| {
                                    Some(format!(
                                        "{}/{}",
                                        t.get("list")?.as_str()?,
                                        t.get("code")?.as_str()?
                                    ))
                                })
                                .and_then(|k| super::search::act_label(&k, lang))
                                .unwrap_or_else(|| a.get("act_type").map(show).unwrap_or_default());
                            let victim = a.get("victim").map(show).unwrap_or_default();
                            let victim = names
                                .iter()
                                .find(|(id, _)| *id == victim)
                                .map_or(victim, |(_, label)| label.clone());
                            format!("{kind} — {victim}")
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    events.sort_by(|a, b| a.date.cmp(&b.date));
    let case = &page.case;
    let mut labels: Vec<(String, String)> = vec![label_of(case)];
    labels.extend(
        page.gathered
            .iter()
            .map(|g| (g.id.to_string(), g.label.clone())),
    );
    labels.extend(page.persons.iter().chain(&page.units).map(label_of));
    let name = |v: Option<&Value>| {
        let id = v.map(show).unwrap_or_default();
        labels
            .iter()
            .find(|(i, _)| *i == id)
            .map_or(id, |(_, l)| l.clone())
    };
    let links = page
        .links
        .iter()
        .map(|l| {
            let how = l.value.get("kind").map(show).unwrap_or_default();
            (
                l.id.to_string(),
                name(l.value.get("from")),
                c.t.s(&format!("link.{how}")).to_owned(),
                name(l.value.get("to")),
            )
        })
        .collect();
    let out = CasePage {
        links,
        id: case.id.to_string(),
        label: label_of(case).1,
        summary: case.value.get("summary").map(show).unwrap_or_default(),
        compartment,
        events,
        persons: page.persons.iter().map(label_of).collect(),
        units: page.units.iter().map(label_of).collect(),
        interventions: page.interventions.iter().map(label_of).collect(),
        gathered: page
            .gathered
            .iter()
            .map(|g| {
                let kind = g.kind.as_str().to_owned();
                let href = if kind == "case" {
                    format!("/cases/{}", g.id)
                } else {
                    format!("/records/{}", g.id)
                };
                (href, g.label.clone(), kind)
            })
            .collect(),
        missing: page.missing.iter().map(ToString::to_string).collect(),
        writer,
        c,
    };
    Ok(render(&out))
}

#[derive(Template)]
#[template(path = "case_form.html")]
struct CaseForm {
    c: Chrome,
    title: String,
    summary: String,
    compartments: Vec<String>,
    error: Option<String>,
}

/// The new-case form.
pub async fn case_form(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Page {
    let c = Chrome::for_session(&headers, &s, "/cases/new");
    let compartments = web
        .read(&s, |v| Ok(writable_compartments(v)))
        .await
        .map_err(shown(&headers))?;
    Ok(render(&CaseForm {
        c,
        title: String::new(),
        summary: String::new(),
        compartments,
        error: None,
    }))
}

fn writable_compartments(v: &khronika_app::UnlockedVault) -> Vec<String> {
    v.compartments()
        .into_iter()
        .filter(|c| c.readable && !c.source_identities)
        .filter_map(|c| c.name)
        .collect()
}

/// The new-case form's fields.
#[derive(Deserialize)]
pub struct CaseFields {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    compartment: String,
}

/// Create a case, then show it.
pub async fn case_create(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(form): Form<CaseFields>,
) -> Page {
    let (title, summary, compartment) = (
        form.title.clone(),
        form.summary.clone(),
        form.compartment.clone(),
    );
    let made = web
        .write(&s, move |v| {
            let c = if compartment.is_empty() {
                v.default_compartment()
            } else {
                v.find_compartment(&compartment)?
            };
            let id = khronika_app::records::new_record_id(RecordKind::Case)?;
            let case = khronika_domain::Case {
                id,
                title,
                summary,
                compartment: String::new(),
                responsible: String::new(),
                records: Vec::new(),
            };
            v.create_records(c, vec![khronika_domain::Record::Case(case)])?;
            Ok(id)
        })
        .await;
    match made {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let c = Chrome::for_session(&headers, &s, "/cases/new");
            let compartments = web
                .read(&s, |v| Ok(writable_compartments(v)))
                .await
                .map_err(shown(&headers))?;
            let mut r = render(&CaseForm {
                c,
                title: form.title,
                summary: form.summary,
                compartments,
                error: Some(e.message),
            });
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}

#[derive(Template)]
#[template(path = "panic.html")]
struct PanicPage {
    c: Chrome,
    done: Option<usize>,
}

/// The panic button's one confirmation.
pub async fn panic_form(Extension(Authed(s)): Extension<Authed>, headers: HeaderMap) -> Response {
    let c = Chrome::for_session(&headers, &s, "/panic");
    render(&PanicPage { c, done: None })
}

/// The panic form's field.
#[derive(Deserialize)]
pub struct PanicForm {
    #[serde(default)]
    confirm: String,
}

/// Erase this node's key slots and end every session. The data stays on the mirrors.
pub async fn panic(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Form(form): Form<PanicForm>,
) -> Page {
    if form.confirm != "erase" {
        return Ok(Redirect::to("/panic").into_response());
    }
    let locked = web.locked().ok_or_else(|| {
        Shown(
            Lang::of(&headers),
            WebError::web_code("no-vault", "there is no vault here"),
        )
    })?;
    let erased = blocking(move || Ok(locked.erase_keys()?)).await;
    // Whatever happened to the files, no session keeps a key in memory any more.
    web.sessions.end_all();
    let erased = erased.map_err(shown(&headers))?;
    let c = Chrome::new(&headers, None, "/login");
    let mut r = render(&PanicPage {
        c,
        done: Some(erased.files.len()),
    });
    if let Ok(v) = set_cookie(SESSION_COOKIE, None).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}
