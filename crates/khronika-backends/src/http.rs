//! The HTTP backend: a mirror on a Khronika witness node (`khronika witness serve`), reached
//! at `https://HOST[:PORT][/PREFIX]` (plain `http://` only on loopback).
//!
//! The wire protocol is docs/FORMATS.md §27: `GET /<object path>` reads (open, keyless; a
//! `Range` is honoured), `HEAD` gives the size, `GET /list/<prefix>` lists names one per line
//! (paginated with `?after=`), and `PUT /<object path>` creates, with
//! `Authorization: Bearer <token>`. The node only ever creates: `201` new, `200` the same
//! bytes were already there (a retried upload), `409` other bytes are there. It checks a
//! content-addressed object's name against the SHA-256 of its bytes, fsyncs before it
//! answers (so [`Backend::barrier`] does nothing here), and never takes or serves passphrase
//! key slots ([`Backend::accepts`]).
//!
//! Like the S3 backend, the [`Backend`] trait is blocking: the backend owns a current-thread
//! tokio runtime and blocks on each request; failed requests (no answer, `5xx`, timeouts) are
//! retried with backoff. It must not be called from inside another tokio runtime.

use std::fmt;
use std::io;
use std::time::Duration;

use khronika_store::{Backend, BackendError, Created, ObjectPath, Stored};

use crate::s3::SecretString;

/// The largest request body a witness node accepts (a `PUT`): 64 MiB. A pack is closed after
/// 16 MiB of blobs (`khronika_store::pack::TARGET_BLOB_BYTES`), so with its last chunk, index
/// and padding it stays far below; the margin leaves room for a larger pack size later.
pub const MAX_BODY: usize = 64 << 20;

/// Names one `GET /list/…` answer holds at most; the rest comes with `?after=<last name>`.
pub const LIST_PAGE: usize = 10_000;

/// The response header that says a listing continues (its value is the `after` to ask with).
pub const LIST_CONTINUE: &str = "khronika-list-continue";

/// Shortest write token a node or a mirror accepts, in characters.
pub const MIN_TOKEN_CHARS: usize = 32;

/// How many times a request without an answer (or with a `5xx`) is tried.
const ATTEMPTS: u32 = 4;

/// Why an HTTP mirror cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not `https://HOST[:PORT][/PREFIX]`.
    #[error(
        "`{0}` is not a witness node address: write it as https://HOST[:PORT][/PREFIX] (no user, query or fragment)"
    )]
    BadUrl(String),
    /// Plain HTTP to a host that is not this machine.
    #[error(
        "`{0}` uses plain http to another machine: the write token and the traffic would be readable on the way. Use https:// (put the node behind a TLS proxy); plain http is only for a node on this machine (127.0.0.1, ::1, localhost)"
    )]
    PlainHttp(String),
    /// A token that cannot be one.
    #[error(
        "the write token must be {MIN_TOKEN_CHARS} to 256 printable ASCII characters without spaces (for example the output of `openssl rand -hex 32`)"
    )]
    BadToken,
    /// A setting has a value that cannot be used.
    #[error("{0}")]
    BadSetting(String),
    /// The client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

/// Check a write token: [`MIN_TOKEN_CHARS`] to 256 printable ASCII characters, no spaces.
pub fn check_token(t: &str) -> Result<(), HttpError> {
    if (MIN_TOKEN_CHARS..=256).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(HttpError::BadToken)
    }
}

/// Normalise a witness node address: `http(s)://HOST[:PORT][/PREFIX]`, without a trailing `/`.
/// Plain `http://` is refused unless the host is loopback.
pub fn parse_http_url(url: &str) -> Result<String, HttpError> {
    let bad = || HttpError::BadUrl(url.to_owned());
    let (scheme, rest) = if let Some(r) = url.strip_prefix("https://") {
        ("https", r)
    } else if let Some(r) = url.strip_prefix("http://") {
        ("http", r)
    } else {
        return Err(bad());
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let authority_ok = !authority.is_empty()
        && authority.len() <= 255
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    let path = path.trim_end_matches('/');
    let path_ok = path.is_empty()
        || path.split('/').all(|p| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
    if !authority_ok || !path_ok {
        return Err(bad());
    }
    if scheme == "http" {
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.split(':').next().unwrap_or(""),
        };
        let loopback = host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|a| a.is_loopback());
        if !loopback {
            return Err(HttpError::PlainHttp(url.to_owned()));
        }
    }
    Ok(if path.is_empty() {
        format!("{scheme}://{authority}")
    } else {
        format!("{scheme}://{authority}/{path}")
    })
}

/// How long one request may take: `KHRONIKA_HTTP_TIMEOUT` seconds (1 to 3600), default 60.
pub fn request_timeout(var: impl Fn(&str) -> Option<String>) -> Result<Duration, HttpError> {
    match var("KHRONIKA_HTTP_TIMEOUT") {
        None => Ok(Duration::from_secs(60)),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(s) if (1..=3600).contains(&s) => Ok(Duration::from_secs(s)),
            _ => Err(HttpError::BadSetting(format!(
                "KHRONIKA_HTTP_TIMEOUT is `{v}`: give the seconds one request to a witness node may take, from 1 to 3600"
            ))),
        },
    }
}

/// A mirror on a witness node.
pub struct HttpBackend {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    base: String,
    token: Option<SecretString>,
}

impl fmt::Debug for HttpBackend {
    // Never the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpBackend")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<sealed>"))
            .finish_non_exhaustive()
    }
}

/// What one request came back with.
struct Answer {
    status: u16,
    body: Vec<u8>,
    header: Option<String>,
}

fn denied(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, what)
}

impl HttpBackend {
    /// A client for the node at `url` (see [`parse_http_url`]); `token` is needed for writes.
    pub fn new(
        url: &str,
        token: Option<SecretString>,
        timeout: Duration,
    ) -> Result<Self, HttpError> {
        let base = parse_http_url(url)?;
        if let Some(t) = &token {
            check_token(t.expose())?;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        Ok(HttpBackend {
            client,
            runtime,
            base,
            token,
        })
    }

    /// The node's address.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Send one request (built afresh for each attempt), retrying when there is no answer or
    /// a `5xx`. `header` names a response header to return.
    fn send(
        &self,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
        header: Option<&str>,
    ) -> io::Result<Answer> {
        let mut delay = Duration::from_millis(200);
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let r = self.runtime.block_on(async {
                let resp = build().send().await?;
                let status = resp.status().as_u16();
                let h = header.and_then(|h| {
                    resp.headers()
                        .get(h)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                });
                let body = resp.bytes().await?.to_vec();
                Ok::<_, reqwest::Error>(Answer {
                    status,
                    body,
                    header: h,
                })
            });
            match r {
                Ok(a) if a.status < 500 => return Ok(a),
                Ok(a) => {
                    last = format!(
                        "the node answered {}: {}",
                        a.status,
                        String::from_utf8_lossy(&a.body).trim()
                    )
                }
                Err(e) => last = format!("{e}"),
            }
            if attempt < ATTEMPTS {
                std::thread::sleep(delay);
                delay = (delay * 3).min(Duration::from_secs(5));
            }
        }
        Err(io::Error::other(format!(
            "{what} at {} failed {ATTEMPTS} times: {last}",
            self.base
        )))
    }

    fn url_of(&self, rel: &str) -> String {
        format!("{}/{rel}", self.base)
    }

    fn refused(&self, a: &Answer) -> io::Error {
        let msg = String::from_utf8_lossy(&a.body).trim().to_owned();
        match a.status {
            401 => denied(format!(
                "the witness node {} refused the write token ({msg}): set the token it was started with by `khronika mirror set-credentials NAME`",
                self.base
            )),
            403 => denied(format!("the witness node {} refused: {msg}", self.base)),
            413 => io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the witness node {} refused a body that large: {msg}",
                    self.base
                ),
            ),
            s => io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the witness node {} answered {s}: {msg}", self.base),
            ),
        }
    }

    fn with_token(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => r.bearer_auth(t.expose()),
            None => r,
        }
    }

    /// Check that the node takes writes with this token (`GET /can-write`): `Ok` if it does.
    pub fn check_write(&self) -> io::Result<()> {
        if self.token.is_none() {
            return Err(denied(format!(
                "no write token for {}: give the token the node was started with (`khronika mirror add NAME URL --token-stdin`, or KHRONIKA_MIRROR_TOKEN)",
                self.base
            )));
        }
        let a = self.send(
            "checking the write token",
            || self.with_token(self.client.get(self.url_of("can-write"))),
            None,
        )?;
        match a.status {
            204 | 200 => Ok(()),
            _ => Err(self.refused(&a)),
        }
    }
}

impl Backend for HttpBackend {
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError> {
        if !self.accepts(path) {
            return Err(BackendError::io(
                path,
                denied("a witness node never takes passphrase key slots".into()),
            ));
        }
        let body = bytes::Bytes::copy_from_slice(bytes.as_bytes());
        let a = self
            .send(
                "sending an object",
                || {
                    self.with_token(
                        self.client
                            .put(self.url_of(path.as_str()))
                            .header("content-type", "application/octet-stream")
                            .body(body.clone()),
                    )
                },
                None,
            )
            .map_err(|e| BackendError::io(path, e))?;
        match a.status {
            201 => Ok(Created::New),
            200 => Ok(Created::AlreadyPresent),
            409 | 412 => Err(BackendError::Conflict(path.clone())),
            _ => Err(BackendError::io(path, self.refused(&a))),
        }
    }

    fn read(&self, path: &ObjectPath) -> Result<Vec<u8>, BackendError> {
        let a = self
            .send(
                "reading an object",
                || self.client.get(self.url_of(path.as_str())),
                None,
            )
            .map_err(|e| BackendError::io(path, e))?;
        match a.status {
            200 => Ok(a.body),
            404 => Err(BackendError::NotFound(path.clone())),
            _ => Err(BackendError::io(path, self.refused(&a))),
        }
    }

    fn read_range(
        &self,
        path: &ObjectPath,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, BackendError> {
        let short = || {
            BackendError::io(
                path,
                io::Error::new(io::ErrorKind::UnexpectedEof, "object is shorter"),
            )
        };
        if len == 0 {
            return Ok(Vec::new());
        }
        let end = offset.saturating_add(len as u64 - 1);
        let a = self
            .send(
                "reading part of an object",
                || {
                    self.client
                        .get(self.url_of(path.as_str()))
                        .header("range", format!("bytes={offset}-{end}"))
                },
                None,
            )
            .map_err(|e| BackendError::io(path, e))?;
        match a.status {
            206 if a.body.len() == len => Ok(a.body),
            206 | 416 => Err(short()),
            // A node (or proxy) that ignores ranges sends the whole object.
            200 => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                a.body
                    .get(start..start.saturating_add(len))
                    .map(<[u8]>::to_vec)
                    .ok_or_else(short)
            }
            404 => Err(BackendError::NotFound(path.clone())),
            _ => Err(BackendError::io(path, self.refused(&a))),
        }
    }

    fn len(&self, path: &ObjectPath) -> Result<u64, BackendError> {
        let a = self
            .send(
                "asking an object's size",
                || self.client.head(self.url_of(path.as_str())),
                Some("content-length"),
            )
            .map_err(|e| BackendError::io(path, e))?;
        match a.status {
            200 => a.header.and_then(|v| v.parse().ok()).ok_or_else(|| {
                BackendError::io(
                    path,
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the witness node gave no Content-Length",
                    ),
                )
            }),
            404 => Err(BackendError::NotFound(path.clone())),
            _ => Err(BackendError::io(path, self.refused(&a))),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        let fail = |source| BackendError::Storage {
            doing: "listing a witness node",
            source,
        };
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let a = self
                .send(
                    "listing",
                    || {
                        self.client.get(self.url_of(&match &after {
                            Some(x) => format!("list/{prefix}?after={x}"),
                            None => format!("list/{prefix}"),
                        }))
                    },
                    Some(LIST_CONTINUE),
                )
                .map_err(fail)?;
            if a.status != 200 {
                return Err(fail(self.refused(&a)));
            }
            let text = String::from_utf8(a.body).map_err(|_| {
                fail(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the listing is not text",
                ))
            })?;
            out.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_owned));
            match a.header {
                // Names are plain ASCII (`ObjectPath`); anything else would not be one.
                Some(next)
                    if after.as_deref() != Some(next.as_str())
                        && next
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"./-_".contains(&b)) =>
                {
                    after = Some(next)
                }
                _ => return Ok(out),
            }
        }
    }

    fn remove_superseded(&self, path: &ObjectPath) -> Result<(), BackendError> {
        Err(BackendError::io(
            path,
            denied("a witness node never removes an object".into()),
        ))
    }

    fn barrier(&self) -> Result<(), BackendError> {
        // The node makes each object durable before it acknowledges it.
        Ok(())
    }

    fn accepts(&self, path: &ObjectPath) -> bool {
        !path.is_passphrase_slot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for (url, want) in [
            ("https://w.example.org", "https://w.example.org"),
            ("https://w.example.org/", "https://w.example.org"),
            (
                "https://w.example.org:8443/kyiv/",
                "https://w.example.org:8443/kyiv",
            ),
            ("http://127.0.0.1:7000", "http://127.0.0.1:7000"),
            ("http://localhost:7000/a", "http://localhost:7000/a"),
            ("http://[::1]:7000", "http://[::1]:7000"),
        ] {
            assert_eq!(parse_http_url(url).unwrap(), want, "{url}");
        }
        for bad in [
            "https://",
            "https://user@host",
            "https://h/a/../b",
            "https://h/a?x=1",
            "https://h/a#f",
            "ftp://h",
            "https://h//x",
        ] {
            assert!(
                matches!(parse_http_url(bad), Err(HttpError::BadUrl(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_http_url("http://w.example.org"),
            Err(HttpError::PlainHttp(_))
        ));
        assert!(matches!(
            parse_http_url("http://10.0.0.1:80"),
            Err(HttpError::PlainHttp(_))
        ));
    }

    #[test]
    fn tokens() {
        assert!(check_token(&"a".repeat(32)).is_ok());
        assert!(check_token(&"a".repeat(31)).is_err());
        assert!(check_token(&format!("{} b", "a".repeat(32))).is_err());
        let b = HttpBackend::new(
            "http://127.0.0.1:1",
            Some(SecretString::new("s".repeat(40))),
            Duration::from_secs(1),
        )
        .unwrap();
        assert!(!format!("{b:?}").contains("ssss"));
    }
}
