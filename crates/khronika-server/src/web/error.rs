//! Errors of the web application, and the one table that gives each its HTTP status.

use std::net::SocketAddr;

use axum::http::StatusCode;
use khronika_app::{AppError, ErrorCode};

/// What went wrong, for the person: a stable code and a sentence that says what to do.
#[derive(Debug, Clone)]
pub struct WebError {
    /// The app's stable code, or one of the web's own ([`WebError::web_code`]).
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
    /// The HTTP status, from [`status_of`] or [`WebError::web_code`] only.
    pub status: StatusCode,
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for WebError {}

/// Every error code the web application and the JSON API answer with: its HTTP status and
/// what it means. The one table: statuses come only from here, and the API's OpenAPI document
/// lists it.
pub const CODES: &[(&str, u16, &str)] = &[
    (
        "usage",
        400,
        "the request is malformed; the message says what to change",
    ),
    (
        "invalid-input",
        400,
        "the data is not valid; the message names each problem",
    ),
    ("input-file", 400, "a file given cannot be read"),
    ("bad-form", 400, "a form field is missing or malformed"),
    (
        "bad-request",
        400,
        "a parameter or the body is malformed; the message says which",
    ),
    ("setup-token", 400, "the setup token is wrong"),
    ("passphrases-differ", 400, "the two passphrases differ"),
    (
        "wrong-passphrase",
        401,
        "the member code, passphrase or token is wrong",
    ),
    ("login-required", 401, "the session has ended; log in again"),
    (
        "token-required",
        401,
        "the request needs a valid token: `Authorization: Bearer khr_…`",
    ),
    (
        "forbidden",
        403,
        "the member's role or the token's scope does not allow this",
    ),
    (
        "csrf",
        403,
        "the form's token is missing or stale; reload the page",
    ),
    ("origin", 403, "the request came from another site"),
    (
        "not-found",
        404,
        "no such record, file or page that this member can read",
    ),
    (
        "method-not-allowed",
        405,
        "the path exists, but not with this method",
    ),
    ("vault-exists", 409, "there is a vault here already"),
    (
        "edited-meanwhile",
        409,
        "the record changed since it was read; read it again and repeat the change",
    ),
    (
        "too-large",
        413,
        "the body is larger than the server accepts",
    ),
    (
        "too-many-attempts",
        429,
        "too many failed logins; wait and try again",
    ),
    ("mirror-unreachable", 502, "a mirror did not answer"),
    ("busy", 503, "the server is busy; try again"),
    ("storage-full", 507, "the disk is full; nothing was changed"),
    ("not-a-vault", 500, "the vault folder is not a vault"),
    (
        "damaged",
        500,
        "stored data is damaged; run `khronika verify`",
    ),
    ("storage-io", 500, "reading or writing storage failed"),
    ("internal", 500, "something went wrong inside Khronika"),
    ("no-vault", 500, "there is no vault yet"),
    (
        "address",
        500,
        "the server refuses this address without TLS",
    ),
    ("io", 500, "reading or writing failed"),
    ("tls", 500, "the TLS certificate or key cannot be used"),
];

/// The HTTP status of an error code, from [`CODES`] (500 for a code not in it).
pub fn status_of_code(code: &str) -> StatusCode {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .and_then(|(_, s, _)| StatusCode::from_u16(*s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The HTTP status of each app error.
pub fn status_of(code: ErrorCode) -> StatusCode {
    status_of_code(code.as_str())
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        let status = status_of(e.code);
        // Internal details stay in the server's log; the person gets a sentence.
        let message = if e.code == ErrorCode::Internal {
            "something went wrong inside Khronika; nothing was changed. Try again, and report it if it happens again.".to_owned()
        } else {
            e.message
        };
        WebError {
            code: e.code.as_str(),
            message,
            status,
        }
    }
}

impl WebError {
    /// The web layer's own errors; the status comes from [`CODES`].
    pub fn web_code(code: &'static str, message: impl Into<String>) -> Self {
        WebError {
            code,
            message: message.into(),
            status: status_of_code(code),
        }
    }

    /// Reading or writing failed outside the app layer.
    pub fn io(what: &str, e: std::io::Error) -> Self {
        Self::web_code("io", format!("{what} failed: {e}"))
    }

    /// A non-loopback address without TLS.
    pub fn refuse_address(addr: SocketAddr) -> Self {
        Self::web_code(
            "address",
            format!(
                "refusing to serve on {addr} without TLS: anyone on that network could read the traffic. Serve on 127.0.0.1 (the default) and put an onion service or a TLS proxy in front, or give --tls-cert and --tls-key"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_table_once_with_a_status() {
        for (i, (code, status, _)) in CODES.iter().enumerate() {
            assert!(StatusCode::from_u16(*status).is_ok(), "{code}");
            assert!(
                !CODES[i + 1..].iter().any(|(c, _, _)| c == code),
                "{code} twice"
            );
        }
        for code in [
            ErrorCode::Internal,
            ErrorCode::Usage,
            ErrorCode::NotAVault,
            ErrorCode::VaultExists,
            ErrorCode::WrongPassphrase,
            ErrorCode::InputFile,
            ErrorCode::NotFound,
            ErrorCode::Damaged,
            ErrorCode::StorageFull,
            ErrorCode::Storage,
            ErrorCode::Invalid,
            ErrorCode::Forbidden,
            ErrorCode::Mirror,
        ] {
            assert!(
                CODES.iter().any(|(c, _, _)| *c == code.as_str()),
                "{} is missing from CODES",
                code.as_str()
            );
        }
        assert_eq!(status_of(ErrorCode::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(status_of_code("edited-meanwhile"), StatusCode::CONFLICT);
    }
}
