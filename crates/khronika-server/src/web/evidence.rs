//! Evidence pages: list, upload (streamed into the vault, never held whole in memory, never
//! written to a temporary file), download (streamed, always as an attachment), and the chain
//! of custody of each item.
//!
//! Uploads are hostile until proven otherwise: the size limit is enforced while reading (and
//! from `Content-Length` before reading), the stored name is the vault's own (content
//! addresses); the original name is kept only as a label, with path parts, control and
//! direction-changing characters removed; archives are stored as they are, never unpacked;
//! a declared content type that contradicts the content is refused before anything is stored.

use std::io::Read;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use khronika_app::ingest::Source;
use khronika_domain::media::{SNIFF_LEN, sniff};
use tokio::sync::mpsc;

use super::guard::Authed;
use super::i18n::Lang;
use super::pages::{Chrome, Shown, render, shown};
use super::{Web, WebError};

/// Bytes in flight between the upload and the vault (chunks of up to ~64 KiB).
const IN_FLIGHT: usize = 16;

/// A name fit to show and to offer as a download name: the last path part, without control
/// characters (NUL included) or characters that change the direction of text, trimmed, at
/// most 200 characters; `upload` if nothing is left.
pub fn safe_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        })
        .take(200)
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c.is_whitespace() || c == '.');
    if trimmed.is_empty() {
        "upload".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Whether a declared type and the type found in the content contradict each other. Only
/// specific types are compared: a browser that declares nothing useful, or content that
/// Khronika cannot tell, is not a contradiction.
pub fn contradicts(declared: &str, found: &str) -> bool {
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let vague = |t: &str| t.is_empty() || t == "application/octet-stream" || t.starts_with("text/");
    if vague(&declared) || vague(found) {
        return false;
    }
    // The same family (image/…, video/…) with another subtype is a mislabel, not an attack;
    // a different family is refused.
    declared.split('/').next() != found.split('/').next()
}

/// A blocking reader over the chunks an async task sends.
struct ChannelReader {
    head: Option<Bytes>,
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if !self.current.is_empty() {
                let n = buf.len().min(self.current.len());
                buf[..n].copy_from_slice(&self.current[..n]);
                self.current = self.current.slice(n..);
                return Ok(n);
            }
            if let Some(h) = self.head.take() {
                self.current = h;
                continue;
            }
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Err(e)) => return Err(e),
                Some(Ok(b)) => self.current = b,
            }
        }
    }
}

#[derive(Template)]
#[template(path = "evidence_list.html")]
struct ListPage {
    c: Chrome,
    items: Vec<(String, String, String, String, String)>,
    upload: bool,
}

/// Every evidence item this member can read.
pub async fn list(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Result<Response, Shown> {
    let c = Chrome::for_session(&headers, &s, "/evidence");
    let t = c.t;
    let (items, upload) = web
        .read(&s, |v| {
            let items: Vec<_> = v.evidence().iter().map(|e| e.payload.clone()).collect();
            Ok((items, v.may(khronika_app::access::Action::Write).is_ok()))
        })
        .await
        .map_err(shown(&headers))?;
    let items = items
        .iter()
        .rev()
        .map(|p| {
            (
                p.id.clone(),
                safe_name(&p.name),
                p.media_type.clone(),
                t.number(p.size),
                p.time.clone(),
            )
        })
        .collect();
    Ok(render(&ListPage { c, items, upload }))
}

#[derive(Template)]
#[template(path = "evidence_upload.html")]
struct UploadPage {
    c: Chrome,
    max_mib: u64,
}

/// The upload form (its action carries the session's token: the body is streamed).
pub async fn upload_form(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Response {
    let c = Chrome::for_session(&headers, &s, "/evidence/new");
    render(&UploadPage {
        c,
        max_mib: web.config.max_upload >> 20,
    })
}

fn too_large(max: u64) -> WebError {
    WebError::web_code(
        "too-large",
        format!(
            "the file is larger than this server accepts ({} MiB); nothing was stored. Add it with `khronika add` on the node, or ask the administrator to raise --max-upload-mib",
            max >> 20
        ),
    )
}

/// What an empty upload named `upload` (a file input sent without a file) means.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Skipped: the form had no file.
    Skip,
    /// Refused: the request sent no bytes.
    Refuse,
}

/// Add one file to the vault as its bytes arrive: the head is checked against the declared
/// type before anything is stored, the rest streams through a channel into the ingest
/// pipeline (never whole in memory, never in a temp file), and the size limit is enforced
/// while streaming. Returns the evidence id (`None`: skipped, see [`Empty`]).
pub async fn ingest_stream<S, E>(
    web: &Arc<Web>,
    s: &Arc<super::sessions::Session>,
    name: String,
    declared: String,
    mut body: S,
    empty: Empty,
) -> Result<Option<String>, WebError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures_util::StreamExt;
    let max = web.config.max_upload;
    let broke = |e: E| {
        WebError::web_code(
            "bad-request",
            format!("the upload could not be read ({e}); nothing was stored. Send the file again"),
        )
    };
    let mut head = Vec::new();
    let mut total = 0u64;
    let mut ended = false;
    while head.len() < SNIFF_LEN {
        match body.next().await {
            Some(b) => {
                let b = b.map_err(broke)?;
                total += b.len() as u64;
                head.extend_from_slice(&b);
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    if total > max {
        return Err(too_large(max));
    }
    if head.is_empty() && name == "upload" && empty == Empty::Skip {
        return Ok(None);
    }
    if head.is_empty() && empty == Empty::Refuse {
        return Err(WebError::web_code(
            "bad-request",
            "the body is empty: send the file's bytes as the body; nothing was stored",
        ));
    }
    let found = sniff(&head[..head.len().min(SNIFF_LEN)], &name);
    if contradicts(&declared, found) {
        return Err(WebError::web_code(
            "bad-request",
            format!(
                "{name} is declared as {declared} but its content is {found}; nothing was stored. Check the file"
            ),
        ));
    }
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let reader = ChannelReader {
        head: Some(Bytes::from(head)),
        rx,
        current: Bytes::new(),
    };
    let source = Source {
        name: name.clone(),
        origin: std::path::PathBuf::from(&name),
        size: total,
        reader: Box::new(reader),
    };
    let ingest = web.write(s, move |v| v.add(vec![source], &mut |_| {}));
    let pump = async move {
        if ended {
            return Ok(());
        }
        loop {
            match body.next().await {
                Some(Ok(b)) => {
                    total += b.len() as u64;
                    if total > max {
                        let _ = tx
                            .send(Err(std::io::Error::other(
                                "the upload is over the size limit",
                            )))
                            .await;
                        return Err(too_large(max));
                    }
                    if tx.send(Ok(b)).await.is_err() {
                        return Ok(());
                    }
                }
                None => return Ok(()),
                Some(Err(e)) => {
                    let _ = tx
                        .send(Err(std::io::Error::other(format!(
                            "the upload broke off: {e}"
                        ))))
                        .await;
                    return Err(WebError::web_code(
                        "bad-request",
                        format!(
                            "the upload broke off ({e}); nothing of this file was stored. Send it again"
                        ),
                    ));
                }
            }
        }
    };
    let (pumped, ingested) = tokio::join!(pump, ingest);
    pumped?;
    Ok(ingested?.into_iter().next().map(|a| a.id))
}

/// Receive files and add each to the vault as it arrives.
pub async fn upload(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, Shown> {
    let lang = Lang::of(&headers);
    let fail = |e: WebError| Shown(lang, e);
    let max = web.config.max_upload;
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > max.saturating_add(64 * 1024)
    {
        return Err(fail(too_large(max)));
    }
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        fail(WebError::web_code(
            "bad-form",
            format!("the upload could not be read ({e}); choose the file again and send it"),
        ))
    };
    let mut added = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad_form)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = safe_name(field.file_name().unwrap_or(""));
        let declared = field.content_type().unwrap_or("").to_owned();
        // An empty file input (the form sent without a file) is skipped.
        let id = ingest_stream(&web, &s, name, declared, field, Empty::Skip)
            .await
            .map_err(fail)?;
        added.extend(id);
    }
    match added.as_slice() {
        [] => Err(fail(WebError::web_code(
            "bad-form",
            "no file was sent; choose a file and send the form again",
        ))),
        [one] => Ok(Redirect::to(&format!("/evidence/{one}")).into_response()),
        _ => Ok(Redirect::to("/evidence").into_response()),
    }
}

#[derive(Template)]
#[template(path = "evidence_item.html")]
struct ItemPage {
    c: Chrome,
    id: String,
    name: String,
    size: String,
    sha256: String,
    media_type: String,
    added_by: String,
    time: String,
    device: String,
    position: u64,
    checkpoint: Option<u64>,
}

/// One item and its chain of custody.
pub async fn item(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Shown> {
    let c = Chrome::for_session(&headers, &s, &format!("/evidence/{id}"));
    let lookup = id.clone();
    let (rec, author) = web
        .read(&s, move |v| {
            let rec = v.find(&lookup)?.clone();
            let author = v
                .members()
                .into_iter()
                .find(|m| m.id == rec.payload.added_by)
                .map(|m| m.name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| rec.payload.added_by.chars().take(8).collect());
            Ok((rec, author))
        })
        .await
        .map_err(shown(&headers))?;
    let checkpoint = web
        .fingerprint()
        .ok()
        .and_then(|f| f.get(&rec.device.to_hex()).copied())
        .filter(|&n| n > rec.index);
    let p = &rec.payload;
    let page = ItemPage {
        id: p.id.clone(),
        name: safe_name(&p.name),
        size: c.t.number(p.size),
        sha256: p.sha256.clone(),
        media_type: p.media_type.clone(),
        added_by: author,
        time: p.time.clone(),
        device: rec.device.short(),
        position: rec.index,
        checkpoint,
        c,
    };
    Ok(render(&page))
}

/// The bytes, exactly as added, as an attachment (never shown inline: evidence may be hostile
/// HTML or a polyglot).
pub async fn download(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Shown> {
    stream_evidence(&web, &s, id).await.map_err(shown(&headers))
}

/// The bytes of evidence `id`, streamed from the vault as they are decrypted, as an
/// attachment of type `application/octet-stream` (never shown inline: evidence may be hostile
/// HTML or a polyglot).
pub async fn stream_evidence(
    web: &Arc<Web>,
    s: &Arc<super::sessions::Session>,
    id: String,
) -> Result<Response, WebError> {
    let (web, s) = (web.clone(), s.clone());
    // Look it up first, so that an unknown id is a clean 404 rather than a broken download.
    let lookup = id.clone();
    let rec = web.read(&s, move |v| Ok(v.find(&lookup)?.clone())).await?;
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(IN_FLIGHT);
    let sender = tx.clone();
    tokio::spawn(async move {
        let reading = web.read(&s, move |v| {
            let mut w = ChannelWriter { tx: sender };
            v.cat(&id, &mut w)?;
            Ok(())
        });
        if let Err(e) = reading.await {
            let _ = tx.send(Err(std::io::Error::other(e.message))).await;
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let name = safe_name(&rec.payload.name);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut r = Response::new(Body::from_stream(stream));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(rec.payload.size));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    *r.status_mut() = StatusCode::OK;
    Ok(r)
}

/// A blocking writer that hands chunks to the response body.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the download was cancelled")
            })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_direction_tricks() {
        for (raw, want) in [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
            ("report\0.pdf", "report.pdf"),
            ("invoice\u{202e}fdp.exe", "invoicefdp.exe"),
            ("..", "upload"),
            ("", "upload"),
            ("   . ", "upload"),
            ("протокол допроса.pdf", "протокол допроса.pdf"),
            ("/", "upload"),
        ] {
            assert_eq!(safe_name(raw), want, "{raw:?}");
        }
        assert_eq!(safe_name(&"я".repeat(500)).chars().count(), 200);
    }

    #[test]
    fn declared_types_are_checked_against_the_content() {
        assert!(contradicts("image/jpeg", "application/x-msdownload"));
        assert!(contradicts("image/png", "application/pdf"));
        assert!(!contradicts("image/png", "image/jpeg"));
        assert!(!contradicts("application/octet-stream", "application/pdf"));
        assert!(!contradicts("", "image/png"));
        assert!(!contradicts("text/plain", "text/html"));
        assert!(!contradicts("image/jpeg; charset=binary", "image/jpeg"));
    }
}
