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

/// The HTTP status of each app error. The one place where app errors become statuses.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Usage | ErrorCode::Invalid | ErrorCode::InputFile => StatusCode::BAD_REQUEST,
        ErrorCode::WrongPassphrase => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::VaultExists => StatusCode::CONFLICT,
        ErrorCode::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
        ErrorCode::Mirror => StatusCode::BAD_GATEWAY,
        ErrorCode::NotAVault | ErrorCode::Damaged | ErrorCode::Storage | ErrorCode::Internal => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
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
    /// The web layer's own errors: code → status, in one table.
    pub fn web_code(code: &'static str, message: impl Into<String>) -> Self {
        let status = match code {
            "login-required" => StatusCode::UNAUTHORIZED,
            "csrf" | "origin" => StatusCode::FORBIDDEN,
            "not-found" => StatusCode::NOT_FOUND,
            "method-not-allowed" => StatusCode::METHOD_NOT_ALLOWED,
            "too-many-attempts" => StatusCode::TOO_MANY_REQUESTS,
            "busy" => StatusCode::SERVICE_UNAVAILABLE,
            "too-large" => StatusCode::PAYLOAD_TOO_LARGE,
            "bad-form" | "setup-token" | "passphrases-differ" => StatusCode::BAD_REQUEST,
            "no-vault" | "address" | "io" | "tls" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        WebError {
            code,
            message: message.into(),
            status,
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
