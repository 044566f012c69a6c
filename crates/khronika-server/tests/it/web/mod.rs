//! The web application through its router: first start, logins, sessions, CSRF, headers,
//! pages, and the access-control matrix over every route.

mod access;
mod edit;
mod evidence;
mod flows;
mod quarantine;
mod tls;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use khronika_backends::OsFs;
use khronika_crypto::kdf::Argon2Params;
use khronika_server::web::{Web, WebConfig, routes};
use tower::ServiceExt;

pub const PASS: &str = "correct horse battery staple";

/// A server on a fresh, empty vault folder (weak key derivation, for speed).
pub struct Server {
    pub web: Arc<Web>,
    pub token: Option<String>,
    pub _dir: tempfile::TempDir,
}

pub fn server_with(idle: Duration) -> Server {
    server_config(idle, 64 << 20)
}

pub fn server_config(idle: Duration, max_upload: u64) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut config = WebConfig::new(dir.path().join("vault"));
    config.kdf = Argon2Params::weak_for_tests();
    config.idle = idle;
    config.max_upload = max_upload;
    let (web, token) = Web::new(config, Arc::new(OsFs)).unwrap();
    Server {
        web,
        token,
        _dir: dir,
    }
}

pub fn server() -> Server {
    server_with(Duration::from_secs(1800))
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden `csrf` field of the page.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field");
        let rest = &self.body[at + 19..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

/// A browser: keeps cookies, sends same-origin headers like a real one.
#[derive(Clone, Default)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
    pub lang: Option<&'static str>,
}

impl Browser {
    pub async fn send(
        &mut self,
        s: &Server,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> Resp {
        self.send_with(s, method, path, form, &[]).await
    }

    pub async fn send_with(
        &mut self,
        s: &Server,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut b = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::HOST, "127.0.0.1:8470");
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header(header::COOKIE, c.join("; "));
        }
        if let Some(l) = self.lang {
            b = b.header(header::ACCEPT_LANGUAGE, l);
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        let body = if method == Method::POST {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(serde_urlencoded::to_string(form).unwrap())
        } else {
            Body::empty()
        };
        let response = routes::router(s.web.clone())
            .oneshot(b.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').unwrap();
            assert!(
                attrs.contains("Secure")
                    && attrs.contains("HttpOnly")
                    && attrs.contains("SameSite=Strict")
                    && attrs.contains("Path=/"),
                "cookie {k} lacks an attribute: {v}"
            );
            assert!(
                k.starts_with("__Host-"),
                "cookie {k} is not a __Host- cookie"
            );
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// POST files as `multipart/form-data` (name, declared type, bytes) to `path`.
    pub async fn send_files(
        &mut self,
        s: &Server,
        path: &str,
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let boundary = "----khronika-test-boundary-7d93";
        let mut body = Vec::new();
        for (name, declared, bytes) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {declared}\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send_raw(
            s,
            path,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
    }

    /// POST a raw body.
    pub async fn send_raw(
        &mut self,
        s: &Server,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "127.0.0.1:8470")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, body.len());
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header(header::COOKIE, c.join("; "));
        }
        let response = routes::router(s.web.clone())
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// The upload form's action (with this session's token).
    pub async fn upload_action(&mut self, s: &Server) -> String {
        let page = self.get(s, "/evidence/new").await;
        let at = page
            .body
            .find("action=\"/evidence/new?csrf=")
            .expect("an upload form")
            + 8;
        let rest = &page.body[at..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    pub async fn get(&mut self, s: &Server, path: &str) -> Resp {
        self.send(s, Method::GET, path, &[]).await
    }

    /// POST a form from a page: the page's csrf token is added.
    pub async fn submit(
        &mut self,
        s: &Server,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Resp {
        let token = self.get(s, page).await.csrf();
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.send(s, Method::POST, action, &all).await
    }
}

/// Create the vault through the first-start page; returns the browser (logged in) and the
/// administrator's member code.
pub async fn set_up(s: &Server) -> (Browser, String) {
    let mut b = Browser::default();
    let token = s.token.clone().unwrap();
    let r = b
        .submit(
            s,
            "/setup",
            "/setup",
            &[("token", &token), ("passphrase", PASS), ("repeat", PASS)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let at = r.body.find("id=\"member-code\">").unwrap() + 17;
    let code = r.body[at..at + 8].to_owned();
    (b, code)
}

/// Log in; returns the browser.
pub async fn log_in(s: &Server, code: &str, pass: &str) -> (Browser, Resp) {
    let mut b = Browser::default();
    let r = b
        .submit(
            s,
            "/login",
            "/login",
            &[("code", code), ("passphrase", pass)],
        )
        .await;
    (b, r)
}

/// The test passphrase.
pub fn pass() -> khronika_crypto::Passphrase {
    khronika_crypto::Passphrase::new(PASS.to_owned())
}

/// Copy what `from` has and `to` lacks (objects and logs), as a shared mirror would.
pub fn copy_new(from: &std::path::Path, to: &std::path::Path) {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    for top in ["objects", "log"] {
        let mut files = Vec::new();
        walk(&from.join(top), &mut files);
        for f in files {
            let dest = to.join(f.strip_prefix(from).unwrap());
            if !dest.exists() {
                std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                std::fs::copy(&f, &dest).unwrap();
            }
        }
    }
}
