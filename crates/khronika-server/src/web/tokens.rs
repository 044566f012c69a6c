//! The member's tokens for scripts (the JSON API): create one (shown once), see each with its
//! scope, revoke one, and read the activity log of their uses. Only the member's own tokens;
//! the app creates and erases the token slots.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use khronika_app::tokens::TokenScope;
use serde::Deserialize;

use super::Web;
use super::guard::Authed;
use super::i18n::Lang;
use super::pages::{Chrome, Shown, render_form, shown};
use super::sessions::Session;

/// A token as listed.
pub struct TokenRow {
    /// Its public id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its compartments, or empty for all.
    pub compartments: String,
    /// Whether it writes.
    pub write: bool,
    /// When it was created.
    pub created: String,
}

/// One use, as listed.
pub struct UseRow {
    /// When.
    pub time: String,
    /// Which token.
    pub token: String,
    /// Method and path.
    pub request: String,
    /// The status answered.
    pub status: u16,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Chrome,
    tokens: Vec<TokenRow>,
    uses: Vec<UseRow>,
    compartments: Vec<String>,
    created: Option<String>,
    error: Option<String>,
}

async fn tokens_page(
    web: &Arc<Web>,
    s: &Arc<Session>,
    headers: &HeaderMap,
    created: Option<String>,
    error: Option<String>,
) -> Result<Response, Shown> {
    let c = Chrome::for_session(headers, s, "/tokens");
    let t = c.t;
    let (tokens, uses, compartments) = web
        .read(s, |v| {
            let tokens = v.tokens()?;
            let uses = v.token_uses(50)?;
            let compartments: Vec<String> = v
                .compartments()
                .into_iter()
                .filter(|c| c.readable)
                .filter_map(|c| c.name)
                .collect();
            Ok((tokens, uses, compartments))
        })
        .await
        .map_err(shown(headers))?;
    let tokens = tokens
        .into_iter()
        .map(|k| TokenRow {
            id: k.id,
            name: k.name,
            compartments: k.scope.compartments.join(", "),
            write: k.scope.write,
            created: t.datetime(k.created_ms),
        })
        .collect();
    let uses = uses
        .into_iter()
        .map(|u| UseRow {
            time: t.datetime(u.time_ms),
            token: u.token,
            request: format!("{} {}", u.method, u.path),
            status: u.status,
        })
        .collect();
    let refused = error.is_some();
    Ok(render_form(
        &TokensPage {
            c,
            tokens,
            uses,
            compartments,
            created,
            error,
        },
        refused,
    ))
}

/// The member's tokens and their uses, and the form to create one.
pub async fn tokens(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Result<Response, Shown> {
    web.flush_all_token_uses().await;
    tokens_page(&web, &s, &headers, None, None).await
}

/// Create a token; the page shows it once.
pub async fn create(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Shown> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
    };
    let name = get("name").unwrap_or_default();
    let scope = TokenScope {
        compartments: pairs
            .iter()
            .filter(|(n, v)| n == "compartment" && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect(),
        write: get("write").is_some(),
    };
    let made = web
        .write(&s, move |v| {
            v.create_token(&name, scope)
                .map(|(_, secret)| secret.expose().to_owned())
        })
        .await;
    match made {
        Ok(secret) => tokens_page(&web, &s, &headers, Some(secret), None).await,
        Err(e) if e.status.is_client_error() && e.status != StatusCode::UNAUTHORIZED => {
            tokens_page(&web, &s, &headers, None, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}

/// The revoke form's field.
#[derive(Deserialize)]
pub struct Which {
    #[serde(default)]
    id: String,
}

/// Revoke one of the member's tokens: refused from the next request on.
pub async fn revoke(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(f): Form<Which>,
) -> Result<Response, Shown> {
    let revoked = web.write(&s, move |v| v.revoke_token(f.id.trim())).await;
    match revoked {
        Ok(()) => Ok(Redirect::to("/tokens").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::UNAUTHORIZED => {
            tokens_page(&web, &s, &headers, None, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}
