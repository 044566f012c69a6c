//! The JSON API under `/api/v1`, for scripts: a partner's import, a dashboard, a field form.
//!
//! - One table, [`API_ROUTES`], names every route with who may use it (an app
//!   [`Action`], checked by the app for the token's member and scope) and what it takes and
//!   gives. The router is built from it, the OpenAPI 3.1 document
//!   (`/api/v1/openapi.json`, [`openapi`]) is generated from it, and the access-control
//!   tests walk it: a route cannot exist undocumented or unguarded.
//! - Scripts authenticate with a token (`Authorization: Bearer khr_…`) that its member
//!   created in the web application or with `khronika token create`, scoped to compartments
//!   and to reading or writing; every use goes to the member's activity log.
//! - Wire types ([`wire`]) are apart from the domain and app types.
//! - Errors are one JSON shape (`{"error": {"code", "message", "status"}}`) with codes and
//!   statuses from the one table in [`crate::web::error::CODES`].
//! - Every list takes `limit` (1–500, default 50), `cursor` (from the previous page's
//!   `next_cursor`) and `sort` (fields, `-` for descending, comma-separated), and answers
//!   `{"items", "total", "next_cursor"}` ([`paginate`]).

pub mod auth;
pub mod handlers;
pub mod openapi;
pub mod wire;

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use khronika_app::access::Action;
use schemars::{JsonSchema, SchemaGenerator};
use serde::de::DeserializeOwned;

use crate::web::{Web, WebError};
use wire::{ErrorBody, ErrorOut, Page};

/// The API's path prefix.
pub const PREFIX: &str = "/api/v1";

/// Bodies of JSON requests are read up to this many bytes.
pub const MAX_JSON: usize = 1 << 20;

/// Makes the JSON Schema of one type, in a generator whose definitions become the document's
/// components.
pub type SchemaFn = fn(&mut SchemaGenerator) -> schemars::Schema;

/// A `$ref` to `T`'s schema (or the schema itself, for simple types).
pub fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<T>()
}

/// `T`'s own schema, inline (for query parameters: each property becomes one).
pub fn inline<T: JsonSchema>(g: &mut SchemaGenerator) -> schemars::Schema {
    T::json_schema(g)
}

/// What a route takes in its body.
#[derive(Clone, Copy)]
pub enum Takes {
    /// Nothing.
    None,
    /// JSON of this schema.
    Json(SchemaFn),
    /// Raw bytes (`application/octet-stream`), streamed.
    Bytes,
}

/// What a route answers when it succeeds.
#[derive(Clone, Copy)]
pub enum Reply {
    /// JSON of this schema with this status.
    Json(u16, SchemaFn),
    /// Raw bytes.
    Bytes,
    /// 204, no body.
    Empty,
}

/// One route of the API.
#[derive(Clone, Copy)]
pub struct ApiRoute {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The path (axum syntax: `{id}`), starting with [`PREFIX`].
    pub path: &'static str,
    /// What the token's member must be allowed to do; `None`: no token needed.
    pub access: Option<Action>,
    /// The OpenAPI `operationId`.
    pub id: &'static str,
    /// One line for the document.
    pub summary: &'static str,
    /// The query parameters, as the properties of one type.
    pub query: Option<SchemaFn>,
    /// The body.
    pub body: Takes,
    /// The answer.
    pub reply: Reply,
    /// Error statuses beyond those every route may answer (400, 401, 403, 404, 500, 503).
    pub errors: &'static [u16],
}

use handlers as h;
use wire as w;

macro_rules! route {
    ($m:literal, $p:literal, $a:expr, $id:literal, $s:literal, $q:expr, $b:expr, $r:expr, $e:expr) => {
        ApiRoute {
            method: $m,
            path: $p,
            access: $a,
            id: $id,
            summary: $s,
            query: $q,
            body: $b,
            reply: $r,
            errors: $e,
        }
    };
}

const R: Option<Action> = Some(Action::Read);
const W: Option<Action> = Some(Action::Write);
const C: Option<Action> = Some(Action::Coordinate);
const A: Option<Action> = Some(Action::Administer);

/// Every route of the API.
pub const API_ROUTES: &[ApiRoute] = &[
    route!(
        "GET",
        "/api/v1/openapi.json",
        None,
        "openapi",
        "This document",
        None,
        Takes::None,
        Reply::Json(200, schema::<serde_json::Value>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/records",
        R,
        "listRecords",
        "Records this token can read, filtered, sorted and paged",
        Some(inline::<h::RecordsQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::RecordSummaryOut>>),
        &[]
    ),
    route!(
        "POST",
        "/api/v1/records",
        W,
        "createRecord",
        "Create a record in a compartment",
        None,
        Takes::Json(schema::<w::NewRecordIn>),
        Reply::Json(201, schema::<w::RecordOut>),
        &[413]
    ),
    route!(
        "GET",
        "/api/v1/records/{id}",
        R,
        "getRecord",
        "One record: its fields, heads and conflicts",
        None,
        Takes::None,
        Reply::Json(200, schema::<w::RecordOut>),
        &[]
    ),
    route!(
        "PUT",
        "/api/v1/records/{id}",
        W,
        "editRecord",
        "Change a record (refused with 409 if it changed since you read it)",
        None,
        Takes::Json(schema::<w::EditRecordIn>),
        Reply::Json(200, schema::<w::RecordOut>),
        &[409, 413]
    ),
    route!(
        "GET",
        "/api/v1/records/{id}/history",
        R,
        "recordHistory",
        "Every write of every field of a record, oldest first",
        Some(inline::<h::ListQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::FieldChangeOut>>),
        &[]
    ),
    route!(
        "POST",
        "/api/v1/cases/{id}/records",
        W,
        "addToCase",
        "Create records in a case's compartment and gather them into the case, in one commit",
        None,
        Takes::Json(schema::<w::AddToCaseIn>),
        Reply::Json(201, schema::<w::CreatedOut>),
        &[413]
    ),
    route!(
        "GET",
        "/api/v1/vocabularies",
        R,
        "listVocabularies",
        "The controlled vocabularies",
        Some(inline::<h::ListQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::VocabularyOut>>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/vocabularies/{list}",
        R,
        "listTerms",
        "The terms of one vocabulary, labelled in a language",
        Some(inline::<h::TermsQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::TermOut>>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/evidence",
        R,
        "listEvidence",
        "Evidence files this token can read",
        Some(inline::<h::ListQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::EvidenceOut>>),
        &[]
    ),
    route!(
        "POST",
        "/api/v1/evidence",
        W,
        "addEvidence",
        "Add a file (the body, streamed); its declared type is checked against its content",
        Some(inline::<h::UploadQuery>),
        Takes::Bytes,
        Reply::Json(201, schema::<w::EvidenceOut>),
        &[413]
    ),
    route!(
        "GET",
        "/api/v1/evidence/{id}",
        R,
        "getEvidence",
        "One evidence file with its chain of custody",
        None,
        Takes::None,
        Reply::Json(200, schema::<w::EvidenceOut>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/evidence/{id}/content",
        R,
        "downloadEvidence",
        "The file's bytes, exactly as added",
        None,
        Takes::None,
        Reply::Bytes,
        &[]
    ),
    route!(
        "GET",
        "/api/v1/search",
        R,
        "search",
        "Search records and evidence in any script and word form",
        Some(inline::<h::SearchQuery>),
        Takes::None,
        Reply::Json(200, schema::<w::SearchOut>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/sync",
        R,
        "syncStatus",
        "Where the vault's copies stand: safe on N of M mirrors",
        None,
        Takes::None,
        Reply::Json(200, schema::<w::SyncOut>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/members",
        A,
        "listMembers",
        "The vault's members",
        Some(inline::<h::ListQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::MemberOut>>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/compartments",
        C,
        "listCompartments",
        "Compartments and who can read each",
        Some(inline::<h::ListQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::CompartmentOut>>),
        &[]
    ),
    route!(
        "POST",
        "/api/v1/compartments/{name}/grants",
        C,
        "grant",
        "Let a member read a compartment (every key epoch wrapped to them)",
        None,
        Takes::Json(schema::<w::GrantIn>),
        Reply::Empty,
        &[413]
    ),
    route!(
        "DELETE",
        "/api/v1/compartments/{name}/grants/{member}",
        C,
        "withdraw",
        "Stop a member reading a compartment from now on (a new key epoch for the others)",
        None,
        Takes::None,
        Reply::Empty,
        &[]
    ),
    route!(
        "GET",
        "/api/v1/tokens",
        R,
        "listTokens",
        "The tokens of this token's member",
        Some(inline::<h::ListQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::TokenOut>>),
        &[]
    ),
    route!(
        "GET",
        "/api/v1/tokens/uses",
        W,
        "tokenUses",
        "The member's token uses, newest first (a read-write token)",
        Some(inline::<h::ListQuery>),
        Takes::None,
        Reply::Json(200, schema::<Page<w::TokenUseOut>>),
        &[]
    ),
];

/// The handler of a route of [`API_ROUTES`].
fn handler(r: &ApiRoute) -> MethodRouter<Arc<Web>> {
    match (r.method, r.path) {
        ("GET", "/api/v1/openapi.json") => get(h::openapi),
        ("GET", "/api/v1/records") => get(h::list_records),
        ("POST", "/api/v1/records") => post(h::create_record),
        ("GET", "/api/v1/records/{id}") => get(h::get_record),
        ("PUT", "/api/v1/records/{id}") => put(h::edit_record),
        ("GET", "/api/v1/records/{id}/history") => get(h::history),
        ("POST", "/api/v1/cases/{id}/records") => post(h::add_to_case),
        ("GET", "/api/v1/vocabularies") => get(h::vocabularies),
        ("GET", "/api/v1/vocabularies/{list}") => get(h::terms),
        ("GET", "/api/v1/evidence") => get(h::list_evidence),
        ("POST", "/api/v1/evidence") => post(h::add_evidence),
        ("GET", "/api/v1/evidence/{id}") => get(h::get_evidence),
        ("GET", "/api/v1/evidence/{id}/content") => get(h::download),
        ("GET", "/api/v1/search") => get(h::search),
        ("GET", "/api/v1/sync") => get(h::sync),
        ("GET", "/api/v1/members") => get(h::members),
        ("GET", "/api/v1/compartments") => get(h::compartments),
        ("POST", "/api/v1/compartments/{name}/grants") => post(h::grant),
        ("DELETE", "/api/v1/compartments/{name}/grants/{member}") => delete(h::withdraw),
        ("GET", "/api/v1/tokens") => get(h::tokens),
        ("GET", "/api/v1/tokens/uses") => get(h::token_uses),
        _ => get(h::not_found_route),
    }
}

/// The API's routes, guarded, to merge into the application's router.
pub fn router(web: Arc<Web>) -> Router<Arc<Web>> {
    let guarded = API_ROUTES.iter().map(|r| {
        let m = handler(r).route_layer(from_fn_with_state((web.clone(), r.access), auth::guard));
        (r.path, m)
    });
    let mut router = Router::new();
    for (path, m) in crate::web::routes::by_path(guarded) {
        router = router.route(path, m.fallback(h::method_not_allowed));
    }
    router.route("/api/v1/{*rest}", axum::routing::any(h::not_found_route))
}

/// The methods of [`API_ROUTES`] as `http` methods (for tests).
pub fn method(r: &ApiRoute) -> Method {
    Method::from_bytes(r.method.as_bytes()).unwrap_or(Method::GET)
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl From<khronika_app::AppError> for ApiError {
    fn from(e: khronika_app::AppError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let body = ErrorOut {
            error: ErrorBody {
                code: e.code.to_owned(),
                message: e.message,
                status: e.status.as_u16(),
            },
        };
        (e.status, axum::Json(body)).into_response()
    }
}

/// A malformed request: 400 `bad-request`.
pub fn bad(message: impl Into<String>) -> ApiError {
    ApiError(WebError::web_code("bad-request", message))
}

/// Query parameters, refused as JSON (400) when malformed.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(q)
            .map(ApiQuery)
            .map_err(|e| bad(format!("the query parameters are malformed: {e}")))
    }
}

/// A JSON body of at most [`MAX_JSON`] bytes, refused as JSON when malformed (400) or too
/// large (413).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_JSON)
            .await
            .map_err(|_| {
                ApiError(WebError::web_code(
                    "too-large",
                    format!("the body is over {MAX_JSON} bytes, or broke off; nothing was changed"),
                ))
            })?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| bad(format!("the body is not the JSON this route takes: {e}")))
    }
}

/// The list conventions: `limit`, `cursor`, `sort`.
pub struct Listing {
    /// Items per page.
    pub limit: usize,
    /// Items to skip.
    pub offset: usize,
    /// Sort keys, each with its direction (`true`: descending).
    pub sort: Vec<(String, bool)>,
}

/// The most items a page holds.
pub const MAX_LIMIT: usize = 500;

impl Listing {
    /// Read the conventions' parameters.
    pub fn parse(
        limit: Option<&str>,
        cursor: Option<&str>,
        sort: Option<&str>,
    ) -> Result<Listing, ApiError> {
        let limit = match limit {
            None | Some("") => 50,
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(bad(format!(
                        "limit is {l}; give a whole number from 1 to {MAX_LIMIT}"
                    )));
                }
            },
        };
        let offset = match cursor {
            None | Some("") => 0,
            Some(c) => c
                .strip_prefix('o')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| bad(format!("cursor `{c}` is not one this server gave; give the next_cursor of the previous page")))?,
        };
        let sort = sort
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('-') {
                Some(f) => (f.to_owned(), true),
                None => (s.to_owned(), false),
            })
            .collect();
        Ok(Listing {
            limit,
            offset,
            sort,
        })
    }
}

/// A sort key of a list: its name and how two items compare by it.
pub type SortKey<T> = (&'static str, fn(&T, &T) -> Ordering);

/// Sort `items` by the listing's keys (refusing unknown ones), then cut the page. Every list
/// goes through here, so the conventions are the same everywhere.
pub fn paginate<T>(
    mut items: Vec<T>,
    listing: &Listing,
    keys: &[SortKey<T>],
) -> Result<Page<T>, ApiError> {
    let mut order = Vec::new();
    for (name, desc) in &listing.sort {
        let Some((_, cmp)) = keys.iter().find(|(k, _)| k == name) else {
            let known: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
            return Err(bad(format!(
                "cannot sort by `{name}`; sort by one of: {}",
                known.join(", ")
            )));
        };
        order.push((*cmp, *desc));
    }
    if !order.is_empty() {
        items.sort_by(|a, b| {
            order
                .iter()
                .map(|(cmp, desc)| if *desc { cmp(b, a) } else { cmp(a, b) })
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        });
    }
    let total = items.len();
    let end = listing.offset.saturating_add(listing.limit).min(total);
    let next_cursor = (end < total).then(|| format!("o{end}"));
    let page = if listing.offset >= total {
        Vec::new()
    } else {
        items.drain(listing.offset..end).collect()
    };
    Ok(Page {
        items: page,
        total: total as u64,
        next_cursor,
    })
}

/// The status of a JSON reply.
pub fn created<T: serde::Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}
