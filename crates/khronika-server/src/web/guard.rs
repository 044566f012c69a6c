//! The one middleware that applies the route table: vault present or not, session, role
//! (decided by the app's [`Action`] table), CSRF and origin checks on every state change.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use khronika_app::access::Action;

use super::routes::Access;
use super::sessions::{Session, same_secret};
use super::{Web, WebError, pages};

/// The session cookie (`__Host-`: Secure, no Domain, Path=/, so no other site or subdomain
/// can set or read it).
pub const SESSION_COOKIE: &str = "__Host-khronika-session";
/// The language cookie.
pub const LANG_COOKIE: &str = "__Host-khronika-lang";
/// The pre-login CSRF cookie (double submit for the login and setup forms).
pub const PRE_COOKIE: &str = "__Host-khronika-pre";
/// The largest form body read (uploads are multipart and streamed instead).
pub const MAX_FORM: usize = 1 << 20;

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// A `Set-Cookie` value for a `__Host-` cookie; `None` deletes it.
pub fn set_cookie(name: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{name}={v}; Path=/; Secure; HttpOnly; SameSite=Strict"),
        None => format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"),
    }
}

/// What the guard hands to a handler of a member's route.
#[derive(Clone)]
pub struct Authed(pub Arc<Session>);

/// Refuse a cross-site state change: `Origin` (when sent) must name this host, and
/// `Sec-Fetch-Site` (when sent) must be same-origin or a direct navigation.
fn same_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let refused = || {
        WebError::web_code(
            "origin",
            "this request came from another site and was refused; use Khronika's own pages",
        )
    };
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(refused());
    }
    // Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with same-origin form
    // posts; then `Sec-Fetch-Site` (checked above) is what tells where the request came from.
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|o| o.as_bytes() != b"null")
    {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin = origin.to_str().map_err(|_| refused())?;
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        if origin_host.is_none() || origin_host != host {
            return Err(refused());
        }
    }
    Ok(())
}

/// Read a form body (at most [`MAX_FORM`]) and check its `csrf` field against `expected`;
/// give the request back with the same body.
async fn check_form_token(request: Request, expected: &str) -> Result<Request, WebError> {
    let (parts, body) = request.into_parts();
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    if multipart {
        // Uploads are streamed: their token rides in the query string of the form's action.
        let token = parts
            .uri
            .query()
            .and_then(|q| form_field(q.as_bytes(), "csrf"))
            .unwrap_or_default();
        return if same_secret(&token, expected) {
            Ok(Request::from_parts(parts, body))
        } else {
            Err(csrf_refused())
        };
    }
    let bytes = to_bytes(body, MAX_FORM).await.map_err(|_| {
        WebError::web_code(
            "too-large",
            "the form is larger than Khronika accepts (1 MiB); shorten it, or upload long texts as files",
        )
    })?;
    let token = form_field(&bytes, "csrf").unwrap_or_default();
    if !same_secret(&token, expected) {
        return Err(csrf_refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn csrf_refused() -> WebError {
    WebError::web_code(
        "csrf",
        "this form is out of date or did not come from Khronika's own page; reload the page and send it again",
    )
}

/// The first value of `name` in an `application/x-www-form-urlencoded` body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .into_iter()
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

/// The middleware. `access` is the route's rule from the table.
pub async fn guard(
    State((web, access)): State<(Arc<Web>, Access)>,
    request: Request,
    next: Next,
) -> Response {
    match check(&web, access, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    }
}

async fn check(web: &Arc<Web>, access: Access, request: Request) -> Result<Request, Response> {
    let lang = super::i18n::Lang::of(request.headers());
    let fail = |e: WebError| pages::error_page(lang, &e);
    let changes = request.method() != Method::GET && request.method() != Method::HEAD;
    let has_vault = web.locked().is_some();
    match access {
        Access::Static => Ok(request),
        Access::Preference => {
            same_origin(request.headers()).map_err(fail)?;
            Ok(request)
        }
        Access::Setup => {
            if has_vault {
                return Err(fail(WebError::web_code(
                    "not-found",
                    "there is no such page",
                )));
            }
            if changes {
                same_origin(request.headers()).map_err(fail)?;
                let pre = cookie(request.headers(), PRE_COOKIE).unwrap_or_default();
                return check_form_token(request, &pre).await.map_err(fail);
            }
            Ok(request)
        }
        Access::Public => {
            if !has_vault {
                return Err(Redirect::to("/setup").into_response());
            }
            if changes {
                same_origin(request.headers()).map_err(fail)?;
                let pre = cookie(request.headers(), PRE_COOKIE).unwrap_or_default();
                return check_form_token(request, &pre).await.map_err(fail);
            }
            Ok(request)
        }
        Access::Member(action) => {
            if !has_vault {
                return Err(Redirect::to("/setup").into_response());
            }
            let session =
                cookie(request.headers(), SESSION_COOKIE).and_then(|t| web.sessions.find(&t));
            let Some(session) = session else {
                if changes {
                    return Err(fail(WebError::web_code(
                        "login-required",
                        "your session has ended; log in again and repeat what you did",
                    )));
                }
                return Err(Redirect::to("/login").into_response());
            };
            let mut request = if changes {
                same_origin(request.headers()).map_err(fail)?;
                check_form_token(request, &session.csrf)
                    .await
                    .map_err(fail)?
            } else {
                request
            };
            authorise(web, &session, action).await.map_err(fail)?;
            request.extensions_mut().insert(Authed(session));
            Ok(request)
        }
    }
}

/// Ask the app whether the session's member may do `action` (with their vault brought up to
/// date first, so a role just changed counts).
pub(crate) async fn authorise(
    web: &Arc<Web>,
    session: &Arc<Session>,
    action: Action,
) -> Result<(), WebError> {
    let (may, mask) = web
        .read(session, move |v| {
            let mask = Action::ALL
                .iter()
                .enumerate()
                .filter(|(_, a)| v.may(**a).is_ok())
                .fold(0u8, |m, (i, _)| m | (1 << i));
            Ok((v.may(action), mask))
        })
        .await?;
    session
        .allowed
        .store(mask, std::sync::atomic::Ordering::Relaxed);
    may.map_err(WebError::from)
}
