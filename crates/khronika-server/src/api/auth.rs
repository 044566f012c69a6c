//! Tokens: the API's one way in.
//!
//! A request carries `Authorization: Bearer khr_…`. The app checks the token on every request
//! (no key derivation: the secret is 256 random bits; a revoked token stops at once), and the
//! token's session keeps its scoped vault between requests (keyed by the token's SHA-256; the
//! token itself is not kept). The route's [`Action`] is then decided by the app for the token's
//! member and scope, and each use is written, in batches, to the member's activity log.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use khronika_app::access::Action;
use khronika_app::tokens::TokenUse;
use khronika_crypto::hash::{sha256, to_hex};

use super::ApiError;
use crate::web::guard::{Authed, authorise};
use crate::web::sessions::{Session, SessionKey};
use crate::web::{Web, WebError, blocking};

/// Uses kept in memory before they are written.
const USES_PER_WRITE: usize = 256;

fn token_required(message: &str) -> ApiError {
    ApiError(WebError::web_code("token-required", message))
}

/// The bearer token of a request.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The one middleware of the API: no token needed for public routes; otherwise the token's
/// session, the app's decision on the route's action, and the use noted.
pub async fn guard(
    State((web, access)): State<(Arc<Web>, Option<Action>)>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(action) = access else {
        return next.run(request).await;
    };
    let Some(token) = bearer(request.headers()) else {
        return token_required(
            "this route needs a token: send `Authorization: Bearer khr_…` (create one with `khronika token create` or on the Tokens page)",
        )
        .into_response();
    };
    let session = match web.token_session(token).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let refused = authorise(&web, &session, action).await.err();
    let response = match refused {
        Some(e) => ApiError(e).into_response(),
        None => {
            request.extensions_mut().insert(Authed(session.clone()));
            next.run(request).await
        }
    };
    web.note_token_use(&session, method, path, response.status().as_u16())
        .await;
    response
}

impl Web {
    /// The session of a token, after the app has checked the token.
    pub async fn token_session(self: &Arc<Self>, token: String) -> Result<Arc<Session>, ApiError> {
        let locked = self.locked().ok_or_else(|| {
            ApiError(WebError::web_code(
                "no-vault",
                "there is no vault yet; create it on the web application's first-start page",
            ))
        })?;
        let hash = to_hex(&sha256(token.as_bytes()));
        let check = locked.clone();
        let opened = blocking(move || Ok(check.open_token(&token)?)).await;
        let key = match opened {
            Ok(k) => k,
            Err(e) if e.code == khronika_app::ErrorCode::WrongPassphrase.as_str() => {
                // Revoked (or never valid): its session's uses are written, then it is gone.
                if let Some(s) = self.sessions.token(&hash) {
                    self.flush_token_uses(&s).await;
                }
                self.sessions.drop_token(&hash);
                return Err(token_required(
                    "the token is not valid (unknown, revoked or mistyped); create a new one with `khronika token create`",
                ));
            }
            Err(e) => return Err(ApiError(e)),
        };
        if let Some(s) = self.sessions.token(&hash) {
            return Ok(s);
        }
        let loaded_at = self.fingerprint()?;
        let vault = blocking(move || Ok(locked.unlock_token(&key).map(|v| (v, key))?)).await?;
        let (vault, key) = vault;
        let session = Arc::new(Session::new(SessionKey::Token(key), vault, loaded_at)?);
        self.sessions.keep_token(hash, session.clone());
        Ok(session)
    }

    /// Note one use of a token; write the uses when enough have gathered.
    pub async fn note_token_use(
        self: &Arc<Self>,
        session: &Arc<Session>,
        method: String,
        path: String,
        status: u16,
    ) {
        let SessionKey::Token(key) = &session.key else {
            return;
        };
        let full = match session.uses.lock() {
            Ok(mut uses) => {
                uses.push(TokenUse {
                    time_ms: khronika_app::time::now_ms(),
                    token: key.id().to_owned(),
                    method,
                    path,
                    status,
                });
                uses.len() >= USES_PER_WRITE
            }
            Err(_) => false,
        };
        if full {
            self.flush_token_uses(session).await;
        }
    }

    /// Write a token session's gathered uses to its member's activity log.
    pub async fn flush_token_uses(self: &Arc<Self>, session: &Arc<Session>) {
        let batch: Vec<TokenUse> = match session.uses.lock() {
            Ok(mut uses) => std::mem::take(&mut *uses),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        let kept = batch.clone();
        if self
            .read(session, move |v| v.record_token_uses(&batch))
            .await
            .is_err()
        {
            // Not written (the disk is full, say): kept for the next try, up to a bound.
            if let Ok(mut uses) = session.uses.lock() {
                let mut again = kept;
                again.append(&mut uses);
                let over = again.len().saturating_sub(4 * USES_PER_WRITE);
                again.drain(..over);
                *uses = again;
            }
        }
    }

    /// Write every token session's gathered uses (every few seconds, and before sessions are
    /// forgotten).
    pub async fn flush_all_token_uses(self: &Arc<Self>) {
        for s in self.sessions.token_sessions() {
            self.flush_token_uses(&s).await;
        }
    }
}

/// How often gathered token uses are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
