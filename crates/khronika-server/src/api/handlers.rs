//! The API's handlers: parse, call the app on the token's vault, answer wire types.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::{Extension, Json};
use khronika_app::records::{RecordSummary, RecordView, new_record_id};
use khronika_app::time::rfc3339_ms;
use khronika_app::{AppError, ErrorCode};
use khronika_domain::{Record, RecordId, RecordKind};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::wire::*;
use super::{ApiError, ApiJson, ApiQuery, Listing, SortKey, bad, created, paginate};
use crate::web::guard::Authed;
use crate::web::{Web, WebError};

type Answer<T> = Result<Json<T>, ApiError>;

/// The list conventions' parameters, alone.
#[derive(Deserialize, JsonSchema, Default)]
pub struct ListQuery {
    /// Items per page, 1 to 500 (default 50).
    #[schemars(with = "Option<u32>", range(min = 1, max = 500))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Fields to sort by, comma-separated; `-` before a field sorts it descending.
    pub sort: Option<String>,
}

impl ListQuery {
    fn listing(&self) -> Result<Listing, ApiError> {
        Listing::parse(
            self.limit.as_deref(),
            self.cursor.as_deref(),
            self.sort.as_deref(),
        )
    }
}

/// The records list's parameters.
#[derive(Deserialize, JsonSchema, Default)]
pub struct RecordsQuery {
    /// Items per page, 1 to 500 (default 50).
    #[schemars(with = "Option<u32>", range(min = 1, max = 500))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `type`, `label`, `compartment`, `updated`, `revisions`, `conflicts`; `-` for descending.
    pub sort: Option<String>,
    /// Only records of this type (`case`, `event`, `person`, `unit`, `source`, `testimony`,
    /// `intervention`, `link`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Only records whose label contains these words (any case).
    pub q: Option<String>,
    /// Only records of this compartment (by name).
    pub compartment: Option<String>,
}

/// The terms list's parameters.
#[derive(Deserialize, JsonSchema, Default)]
pub struct TermsQuery {
    /// Items per page, 1 to 500 (default 50).
    #[schemars(with = "Option<u32>", range(min = 1, max = 500))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `code` or `label`; `-` for descending. Default: the list's own order.
    pub sort: Option<String>,
    /// The labels' language: `en` (default), `ru`, `fr`, `es`.
    pub lang: Option<String>,
}

/// The upload's parameters.
#[derive(Deserialize, JsonSchema, Default)]
pub struct UploadQuery {
    /// The file's name (path parts are dropped).
    #[schemars(length(min = 1))]
    pub name: String,
}

/// The search's parameters.
#[derive(Deserialize, JsonSchema, Default)]
pub struct SearchQuery {
    /// Words and `"quoted phrases"`, in any script.
    pub q: Option<String>,
    /// Only this type (`case`, `event`, …, or `evidence`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Only this act type (HURIDOCS code or `list/code`).
    pub act: Option<String>,
    /// The earliest date (`2019`, `2019-02`, `2019-02-15`).
    pub from: Option<String>,
    /// The latest date.
    pub to: Option<String>,
    /// A place, in any script.
    pub place: Option<String>,
    /// Only within this case (id or its start).
    pub case: Option<String>,
    /// `true`: names and words one or two letters off too.
    #[schemars(with = "Option<bool>")]
    pub fuzzy: Option<String>,
    /// Hits per page, 1 to 500 (default 50), best first.
    #[schemars(with = "Option<u32>", range(min = 1, max = 500))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn not_found(what: impl Into<String>) -> ApiError {
    ApiError(WebError::web_code("not-found", what))
}

fn time(ms: i64) -> String {
    rfc3339_ms(ms)
}

fn record_id(id: &str) -> Result<RecordId, ApiError> {
    RecordId::parse(id)
        .ok()
        .filter(|r| r.kind() != RecordKind::Act)
        .ok_or_else(|| {
            not_found(format!(
                "`{id}` is not a record id; ids look like C-1A2B3C…"
            ))
        })
}

/// `/api/v1/openapi.json`.
pub async fn openapi() -> Json<Value> {
    Json(super::openapi::document())
}

/// Any path under `/api/v1` that is not a route.
pub async fn not_found_route() -> ApiError {
    not_found("no such route; the routes are listed in /api/v1/openapi.json")
}

/// A route's path with a method it does not have.
pub async fn method_not_allowed() -> ApiError {
    ApiError(WebError::web_code(
        "method-not-allowed",
        "this path does not take this method; /api/v1/openapi.json lists what it takes",
    ))
}

fn summary_out(r: RecordSummary) -> RecordSummaryOut {
    RecordSummaryOut {
        id: r.id,
        kind: r.kind,
        label: r.label,
        compartment: r.compartment,
        conflicts: r.conflicts as u64,
        revisions: r.revisions as u64,
        updated: time(r.updated_ms),
    }
}

fn record_out(view: RecordView) -> RecordOut {
    let f = view.folded;
    let (record, invalid) = match &f.record {
        Ok(r) => match serde_json::to_value(r) {
            Ok(Value::Object(m)) => (m, None),
            _ => (f.value.clone(), None),
        },
        Err(why) => (f.value.clone(), Some(why.clone())),
    };
    RecordOut {
        id: f.id.to_string(),
        kind: f.id.kind().as_str().to_owned(),
        compartment: view.compartment,
        record,
        invalid,
        heads: f.heads.iter().map(ToString::to_string).collect(),
        conflicts: f
            .conflicts
            .iter()
            .map(|c| ConflictOut {
                field: c.field.clone(),
                candidates: c
                    .candidates
                    .iter()
                    .map(|(r, v)| CandidateOut {
                        revision: r.to_string(),
                        value: v.clone(),
                    })
                    .collect(),
            })
            .collect(),
        revisions: f.revisions as u64,
        created: time(f.created_ms),
        updated: time(f.updated_ms),
    }
}

/// A record from the wire: its `type` checked, an id made when absent.
fn to_record(mut m: Map<String, Value>, id: Option<RecordId>) -> Result<Record, AppError> {
    let kind = match m.get("type").and_then(Value::as_str) {
        Some(t) => RecordKind::parse(t).filter(|k| *k != RecordKind::Act).ok_or_else(|| {
            AppError::new(
                ErrorCode::Invalid,
                format!("`type` is `{t}`; give case, event, person, unit, source, testimony, intervention or link"),
            )
        })?,
        None => match id {
            Some(id) => id.kind(),
            None => {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    "the record has no `type`; give case, event, person, unit, source, testimony, intervention or link",
                ));
            }
        },
    };
    m.insert("type".into(), json!(kind.as_str()));
    match (id, m.get("id").and_then(Value::as_str)) {
        (Some(id), Some(given)) if given != id.to_string() => {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("the body is for record {given}, not {id}; the id cannot change"),
            ));
        }
        (Some(id), _) => {
            m.insert("id".into(), json!(id.to_string()));
        }
        (None, Some(_)) => {}
        (None, None) => {
            m.insert("id".into(), json!(new_record_id(kind)?.to_string()));
        }
    }
    serde_json::from_value(Value::Object(m))
        .map_err(|e| AppError::new(ErrorCode::Invalid, format!("the record is not valid: {e}")))
}

const RECORD_SORTS: &[SortKey<RecordSummaryOut>] = &[
    ("type", |a, b| a.kind.cmp(&b.kind)),
    ("label", |a, b| a.label.cmp(&b.label)),
    ("compartment", |a, b| a.compartment.cmp(&b.compartment)),
    ("updated", |a, b| a.updated.cmp(&b.updated)),
    ("revisions", |a, b| a.revisions.cmp(&b.revisions)),
    ("conflicts", |a, b| a.conflicts.cmp(&b.conflicts)),
    ("id", |a, b| a.id.cmp(&b.id)),
];

/// `GET /api/v1/records`.
pub async fn list_records(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> Answer<Page<RecordSummaryOut>> {
    let listing = Listing::parse(q.limit.as_deref(), q.cursor.as_deref(), q.sort.as_deref())?;
    let kind = match q.kind.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) => Some(RecordKind::parse(k).filter(|k| *k != RecordKind::Act).ok_or_else(|| {
            bad(format!("type `{k}` is not a record type; give case, event, person, unit, source, testimony, intervention or link"))
        })?),
    };
    let list = web.read(&s, move |v| v.list_records(kind)).await?;
    let words: Vec<String> =
        q.q.unwrap_or_default()
            .to_lowercase()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
    let items = list
        .into_iter()
        .filter(|r| q.compartment.as_ref().is_none_or(|c| r.compartment == *c))
        .filter(|r| {
            let label = r.label.to_lowercase();
            words.iter().all(|w| label.contains(w.as_str()))
        })
        .map(summary_out)
        .collect();
    Ok(Json(paginate(items, &listing, RECORD_SORTS)?))
}

/// `POST /api/v1/records`.
pub async fn create_record(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiJson(body): ApiJson<NewRecordIn>,
) -> Result<Response, ApiError> {
    let view = web
        .write(&s, move |v| {
            let record = to_record(body.record, None)?;
            let c = match body.compartment.as_deref() {
                Some(name) => v.find_compartment(name)?,
                None => v.default_compartment(),
            };
            let id = record.id();
            v.create_records(c, vec![record])?;
            v.record(&id)
        })
        .await?;
    Ok(created(record_out(view)))
}

/// `GET /api/v1/records/{id}`.
pub async fn get_record(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path(id): Path<String>,
) -> Answer<RecordOut> {
    let rid = record_id(&id)?;
    Ok(Json(record_out(
        web.read(&s, move |v| v.record(&rid)).await?,
    )))
}

/// `PUT /api/v1/records/{id}`.
pub async fn edit_record(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditRecordIn>,
) -> Answer<RecordOut> {
    let rid = record_id(&id)?;
    let outcome = web
        .write(&s, move |v| {
            let current = v.record(&rid)?;
            let heads: Vec<String> = current
                .folded
                .heads
                .iter()
                .map(ToString::to_string)
                .collect();
            let mut given = body.heads.clone();
            given.sort();
            if given != heads {
                return Ok(None);
            }
            let record = to_record(body.record, Some(rid))?;
            let resolve: Vec<&str> = body.resolve.iter().map(String::as_str).collect();
            v.edit_record(record, &resolve)?;
            v.record(&rid).map(Some)
        })
        .await?;
    match outcome {
        Some(view) => Ok(Json(record_out(view))),
        None => Err(ApiError(WebError::web_code(
            "edited-meanwhile",
            "the record changed since you read it (its heads differ); nothing was stored. Read it again, apply your change, and send it with the new heads",
        ))),
    }
}

const CHANGE_SORTS: &[SortKey<FieldChangeOut>] = &[
    ("time", |a, b| a.time.cmp(&b.time)),
    ("field", |a, b| a.field.cmp(&b.field)),
];

/// `GET /api/v1/records/{id}/history`.
pub async fn history(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Answer<Page<FieldChangeOut>> {
    let listing = q.listing()?;
    let rid = record_id(&id)?;
    let changes = web.read(&s, move |v| v.record_history(&rid, None)).await?;
    let items = changes
        .into_iter()
        .map(|c| FieldChangeOut {
            field: c.field,
            revision: c.revision.to_string(),
            value: c.value,
            author: c.author,
            time: time(c.time_ms),
            origin: c.origin,
        })
        .collect();
    Ok(Json(paginate(items, &listing, CHANGE_SORTS)?))
}

/// `POST /api/v1/cases/{id}/records`.
pub async fn add_to_case(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AddToCaseIn>,
) -> Result<Response, ApiError> {
    let cid = record_id(&id)?;
    if cid.kind() != RecordKind::Case {
        return Err(not_found(format!("`{id}` is not a case id")));
    }
    if body.records.is_empty() {
        return Err(bad("`records` is empty; give at least one record"));
    }
    let ids = web
        .write(&s, move |v| {
            let records = body
                .records
                .into_iter()
                .map(|m| to_record(m, None))
                .collect::<Result<Vec<_>, _>>()?;
            v.add_to_case(&cid, records)
        })
        .await?;
    Ok(created(CreatedOut {
        created: ids.iter().map(ToString::to_string).collect(),
    }))
}

const VOCAB_SORTS: &[SortKey<VocabularyOut>] = &[
    ("list", |a, b| a.list.cmp(&b.list)),
    ("terms", |a, b| a.terms.cmp(&b.terms)),
];

fn vocabulary() -> Result<&'static khronika_domain::vocab::Vocabulary, ApiError> {
    khronika_domain::vocab::Vocabulary::builtin()
        .map_err(|e| ApiError(AppError::internal(e.to_string()).into()))
}

/// `GET /api/v1/vocabularies`.
pub async fn vocabularies(ApiQuery(q): ApiQuery<ListQuery>) -> Answer<Page<VocabularyOut>> {
    let listing = q.listing()?;
    let vocab = vocabulary()?;
    let items = vocab
        .list_names()
        .into_iter()
        .map(|name| VocabularyOut {
            list: name.to_owned(),
            terms: vocab.list(name).map_or(0, |l| l.terms.len() as u64),
        })
        .collect();
    Ok(Json(paginate(items, &listing, VOCAB_SORTS)?))
}

const TERM_SORTS: &[SortKey<TermOut>] = &[
    ("code", |a, b| a.code.cmp(&b.code)),
    ("label", |a, b| a.label.cmp(&b.label)),
];

/// `GET /api/v1/vocabularies/{list}`.
pub async fn terms(
    Path(list): Path<String>,
    ApiQuery(q): ApiQuery<TermsQuery>,
) -> Answer<Page<TermOut>> {
    let listing = Listing::parse(q.limit.as_deref(), q.cursor.as_deref(), q.sort.as_deref())?;
    let lang = match q.lang.as_deref() {
        None | Some("") => "en",
        Some(l @ ("en" | "ru" | "fr" | "es")) => l,
        Some(l) => {
            return Err(bad(format!(
                "lang `{l}` is not offered; give en, ru, fr or es"
            )));
        }
    };
    let vocab = vocabulary()?;
    let Some(l) = vocab.list(&list) else {
        return Err(not_found(format!(
            "no vocabulary `{list}`; GET /api/v1/vocabularies lists them"
        )));
    };
    let items = l
        .in_order()
        .into_iter()
        .map(|t| TermOut {
            code: t.code.clone(),
            label: t.label(lang).to_owned(),
            parent: t.parent.clone(),
            visible: t.visible,
        })
        .collect();
    Ok(Json(paginate(items, &listing, TERM_SORTS)?))
}

/// An evidence record on the wire; `checkpoints` is the newest checkpoint of each device log
/// (read once per request, not per item).
fn evidence_out(
    checkpoints: Option<&crate::web::Fingerprint>,
    rec: &khronika_app::catalog::EvidenceRecord,
) -> EvidenceOut {
    let p = &rec.payload;
    let checkpoint = checkpoints
        .and_then(|f| f.get(&rec.device.to_hex()).copied())
        .filter(|&n| n > rec.index);
    EvidenceOut {
        id: p.id.clone(),
        name: crate::web::evidence::safe_name(&p.name),
        size: p.size,
        sha256: p.sha256.clone(),
        media_type: p.media_type.clone(),
        added_by: p.added_by.clone(),
        time: p.time.clone(),
        custody: CustodyOut {
            device: rec.device.to_hex(),
            position: rec.index,
            checkpoint,
        },
    }
}

const EVIDENCE_SORTS: &[SortKey<EvidenceOut>] = &[
    ("time", |a, b| a.time.cmp(&b.time)),
    ("name", |a, b| a.name.cmp(&b.name)),
    ("size", |a, b| a.size.cmp(&b.size)),
    ("id", |a, b| a.id.cmp(&b.id)),
];

/// `GET /api/v1/evidence`.
pub async fn list_evidence(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Answer<Page<EvidenceOut>> {
    let listing = q.listing()?;
    let recs = web.read(&s, |v| Ok(v.evidence().to_vec())).await?;
    let checkpoints = web.fingerprint().ok();
    let items = recs
        .iter()
        .map(|r| evidence_out(checkpoints.as_ref(), r))
        .collect();
    Ok(Json(paginate(items, &listing, EVIDENCE_SORTS)?))
}

/// `GET /api/v1/evidence/{id}`.
pub async fn get_evidence(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path(id): Path<String>,
) -> Answer<EvidenceOut> {
    let rec = web.read(&s, move |v| Ok(v.find(&id)?.clone())).await?;
    Ok(Json(evidence_out(web.fingerprint().ok().as_ref(), &rec)))
}

/// `GET /api/v1/evidence/{id}/content`.
pub async fn download(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(crate::web::evidence::stream_evidence(&web, &s, id).await?)
}

/// `POST /api/v1/evidence?name=…`: the body is the file.
pub async fn add_evidence(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<UploadQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let max = web.config.max_upload;
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > max
    {
        return Err(ApiError(WebError::web_code(
            "too-large",
            format!(
                "the file is larger than this server accepts ({} MiB); nothing was stored",
                max >> 20
            ),
        )));
    }
    if q.name.trim().is_empty() {
        return Err(bad(
            "give the file's name: POST /api/v1/evidence?name=interview.mp4",
        ));
    }
    if headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        == Some("0")
    {
        return Err(bad(
            "the body is empty: send the file's bytes as the body; nothing was stored",
        ));
    }
    let name = crate::web::evidence::safe_name(&q.name);
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = request.into_body().into_data_stream();
    let id = crate::web::evidence::ingest_stream(
        &web,
        &s,
        name,
        declared,
        body,
        crate::web::evidence::Empty::Refuse,
    )
    .await?
    .ok_or_else(|| bad("no file was sent"))?;
    let rec = web.read(&s, move |v| Ok(v.find(&id)?.clone())).await?;
    Ok(created(evidence_out(web.fingerprint().ok().as_ref(), &rec)))
}

/// The most hits a search reaches through its pages (the app's limit).
const MAX_SEARCH_HITS: usize = 10_000;

/// `GET /api/v1/search`.
pub async fn search(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Answer<SearchOut> {
    // The list conventions, ranked by relevance (no `sort`): the app finds the best
    // `offset + limit` hits (at most 10,000), and the page is the last `limit` of them.
    let listing = Listing::parse(q.limit.as_deref(), q.cursor.as_deref(), None)?;
    let wanted = listing.offset.saturating_add(listing.limit);
    if wanted > MAX_SEARCH_HITS {
        return Err(bad(format!(
            "search pages reach the best {MAX_SEARCH_HITS} hits; narrow the search with words or filters"
        )));
    }
    let fuzzy = match q.fuzzy.as_deref() {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(f) => return Err(bad(format!("fuzzy is `{f}`; give true or false"))),
    };
    let text = q.q.unwrap_or_default();
    if text.trim().is_empty() && q.kind.is_none() && q.act.is_none() && q.case.is_none() {
        return Err(bad(
            "give words to search for (q), or a filter: type, act or case",
        ));
    }
    let request = khronika_app::search::SearchRequest {
        text,
        types: q.kind.into_iter().collect(),
        acts: q.act.into_iter().collect(),
        from: q.from,
        to: q.to,
        place: q.place,
        case: q.case,
        fuzzy,
        limit: wanted,
    };
    let outcome = web
        .read(&s, move |v| {
            let query = v.search_query(&request)?;
            v.search(&query)
        })
        .await?;
    let next_cursor = (outcome.total > wanted).then(|| format!("o{wanted}"));
    Ok(Json(SearchOut {
        total: outcome.total as u64,
        next_cursor,
        hits: outcome
            .hits
            .into_iter()
            .skip(listing.offset)
            .map(|h| HitOut {
                id: h.id,
                kind: h.kind,
                label: h.label,
                compartment: h.compartment,
                score: h.score,
                snippets: h.snippets.iter().map(|s| s.marked("[[", "]]")).collect(),
            })
            .collect(),
        facets: outcome.facets.and_then(|f| serde_json::to_value(f).ok()),
    }))
}

/// `GET /api/v1/sync`.
pub async fn sync(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
) -> Answer<SyncOut> {
    let statuses = web.read(&s, |v| v.mirror_statuses()).await?;
    let mirrors: Vec<MirrorOut> = statuses
        .iter()
        .map(|m| MirrorOut {
            name: m.entry.name.clone(),
            pending: m.pending.as_ref().ok().copied(),
            error: m.pending.as_ref().err().cloned(),
            behind_entries: m.lag_entries,
            last_sync: m.entry.last_sync_ms.map(time),
        })
        .collect();
    Ok(Json(SyncOut {
        safe_on: statuses.iter().filter(|m| m.is_safe()).count() as u64,
        mirrors_total: mirrors.len() as u64,
        mirrors,
    }))
}

const MEMBER_SORTS: &[SortKey<MemberOut>] = &[
    ("name", |a, b| a.name.cmp(&b.name)),
    ("role", |a, b| a.role.cmp(&b.role)),
    ("code", |a, b| a.code.cmp(&b.code)),
];

/// `GET /api/v1/members`.
pub async fn members(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Answer<Page<MemberOut>> {
    let listing = q.listing()?;
    let members = web.read(&s, |v| Ok(v.members())).await?;
    let items = members
        .into_iter()
        .map(|m| MemberOut {
            code: m.id.chars().take(8).collect(),
            id: m.id,
            name: m.name,
            role: m.role.as_str().to_owned(),
            removed: m.removed,
        })
        .collect();
    Ok(Json(paginate(items, &listing, MEMBER_SORTS)?))
}

const COMPARTMENT_SORTS: &[SortKey<CompartmentOut>] = &[("name", |a, b| a.name.cmp(&b.name))];

/// `GET /api/v1/compartments`.
pub async fn compartments(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Answer<Page<CompartmentOut>> {
    let listing = q.listing()?;
    let list = web.read(&s, |v| Ok(v.compartments())).await?;
    let items = list
        .into_iter()
        .map(|c| CompartmentOut {
            name: c.name.clone().unwrap_or_else(|| c.id.to_hex()),
            id: c.id.to_hex(),
            holders: c.holders.iter().map(|m| m.short()).collect(),
            source_identities: c.source_identities,
        })
        .collect();
    Ok(Json(paginate(items, &listing, COMPARTMENT_SORTS)?))
}

/// `POST /api/v1/compartments/{name}/grants`.
pub async fn grant(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<GrantIn>,
) -> Result<StatusCode, ApiError> {
    web.write(&s, move |v| {
        let c = v.find_compartment(&name)?;
        let m = v.find_member(&body.member)?;
        v.grant(c, m)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/compartments/{name}/grants/{member}`.
pub async fn withdraw(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    Path((name, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    web.write(&s, move |v| {
        let c = v.find_compartment(&name)?;
        let m = v.find_member(&member)?;
        v.withdraw(c, m)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

const TOKEN_SORTS: &[SortKey<TokenOut>] = &[
    ("created", |a, b| a.created.cmp(&b.created)),
    ("name", |a, b| a.name.cmp(&b.name)),
];

/// `GET /api/v1/tokens`.
pub async fn tokens(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Answer<Page<TokenOut>> {
    let listing = q.listing()?;
    let list = web.read(&s, |v| v.tokens()).await?;
    let items = list
        .into_iter()
        .map(|t| TokenOut {
            id: t.id,
            name: t.name,
            compartments: t.scope.compartments,
            write: t.scope.write,
            created: time(t.created_ms),
        })
        .collect();
    Ok(Json(paginate(items, &listing, TOKEN_SORTS)?))
}

const USE_SORTS: &[SortKey<TokenUseOut>] = &[
    ("time", |a, b| a.time.cmp(&b.time)),
    ("token", |a, b| a.token.cmp(&b.token)),
    ("status", |a, b| a.status.cmp(&b.status)),
];

/// `GET /api/v1/tokens/uses`.
pub async fn token_uses(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Answer<Page<TokenUseOut>> {
    let listing = q.listing()?;
    web.flush_all_token_uses().await;
    let uses = web.read(&s, |v| v.token_uses(usize::MAX)).await?;
    let items = uses
        .into_iter()
        .map(|u| TokenUseOut {
            time: time(u.time_ms),
            token: u.token,
            method: u.method,
            path: u.path,
            status: u.status,
        })
        .collect();
    Ok(Json(paginate(items, &listing, USE_SORTS)?))
}
