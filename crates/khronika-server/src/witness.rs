//! The keyless witness node (`khronika witness serve`): the C2SP
//! `tlog-witness` `add-checkpoint` endpoint over the app's [`Witness`], and a mirror folder
//! served over HTTP (docs/FORMATS.md §27): anyone can fetch, list and verify what it holds
//! without a key, and a node that holds the write token can use it as a mirror. Handlers
//! parse, call the app layer (or the store, for the mirror folder), and map refusals to
//! statuses in one place ([`status`], [`store_status`]).
//!
//! ```text
//! POST /add-checkpoint          C2SP tlog-witness: `old N`, proof lines, blank line, checkpoint
//! GET  /objects/<aa>/<sha256>   a stored object (from --store); HEAD gives its size, Range works
//! GET  /log/<device>/…          a log object: bundles, hash tiles, checkpoints, cosignatures
//! GET  /node/<device>/<name>    a node file: marker, device and recovery slots
//! GET  /list/<prefix>           names under a prefix, one a line (`?after=` for the next page)
//! GET  /can-write               204 if the bearer token may write, else 401
//! PUT  /<object path>           create-only write, with `Authorization: Bearer <token>`:
//!                               201 created, 200 identical bytes already there, 409 other bytes
//! ```
//!
//! Passphrase key slots (`node/<device>/member-*.key`) are never taken or served: they would
//! let anyone try passphrases offline. Writes need the token given at `witness serve`; a node
//! started without one takes none. Each write is durable (fsynced) before it is acknowledged.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use khronika_app::witness::{AddCheckpointError, Witness};
use khronika_backends::LocalBackend;
use khronika_backends::http::{LIST_CONTINUE, LIST_PAGE, MAX_BODY};
use khronika_backends::s3::SecretString;
use khronika_crypto::hash::{sha256, to_hex};
use khronika_store::note::VerifierKey;
use khronika_store::path::PathKind;
use khronika_store::witness::cosignature_object;
use khronika_store::{Backend, BackendError, Created, ObjectPath, Stored};

/// What the witness node serves.
#[derive(Debug)]
pub struct WitnessNode {
    witness: Mutex<Witness>,
    store: Option<LocalBackend>,
    clock: fn() -> u64,
    token: Option<SecretString>,
    list_page: usize,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl WitnessNode {
    /// A node for `witness`, serving (and storing cosignatures into) the mirror folder `store`.
    pub fn new(witness: Witness, store: Option<LocalBackend>) -> Self {
        Self {
            witness: Mutex::new(witness),
            store,
            clock: unix_now,
            token: None,
            list_page: LIST_PAGE,
        }
    }

    /// List at most `n` names per answer (default [`LIST_PAGE`]; tests page with fewer).
    pub fn with_list_page(mut self, n: usize) -> Self {
        self.list_page = n.max(1);
        self
    }

    /// Take create-only writes into the store from requests that carry `token`
    /// (`Authorization: Bearer <token>`).
    pub fn with_write_token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }
}

/// The router, without a socket (tests call it with `tower::ServiceExt::oneshot`).
pub fn app(node: Arc<WitnessNode>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/can-write", get(can_write))
        .route("/list", get(list_all))
        .route("/list/", get(list_all))
        .route("/list/{*prefix}", get(list))
        .route(
            "/{*path}",
            get(object)
                .head(object_len)
                .put(put_object)
                .layer(DefaultBodyLimit::max(MAX_BODY)),
        )
        .with_state(node)
}

/// Serve `node` on `addr` until the process ends; `bound` is told the address actually bound
/// (port 0 picks a free one).
pub fn serve(
    addr: SocketAddr,
    node: WitnessNode,
    bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        bound(listener.local_addr()?);
        axum::serve(listener, app(Arc::new(node))).await
    })
}

/// The one place where the app's refusals become HTTP statuses (C2SP tlog-witness).
pub fn status(e: &AddCheckpointError) -> StatusCode {
    match e {
        AddCheckpointError::Malformed(_) => StatusCode::BAD_REQUEST,
        AddCheckpointError::BadSignature(_) => StatusCode::FORBIDDEN,
        AddCheckpointError::UnknownLog(_) => StatusCode::NOT_FOUND,
        AddCheckpointError::Conflict { .. } => StatusCode::CONFLICT,
        AddCheckpointError::Inconsistent(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AddCheckpointError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn text(code: StatusCode, body: String) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn add_checkpoint(State(node): State<Arc<WitnessNode>>, body: Bytes) -> Response {
    let Ok(w) = node.witness.lock() else {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "witness unavailable\n".into(),
        );
    };
    match w.add_checkpoint(&body, (node.clock)()) {
        Ok((line, device, size)) => {
            // Keep the cosignature beside the log, where proofs and restores find it. One of
            // this checkpoint kept earlier (another timestamp) stays: it is as good, and the
            // store only ever creates.
            if let (Some(store), Ok(key)) = (&node.store, VerifierKey::parse(&w.vkey())) {
                let path = ObjectPath::cosignature(&device, size, key.key_id());
                let kept = match store.create(&path, &cosignature_object(&line)) {
                    Ok(_) | Err(BackendError::Conflict(_)) => store.barrier(),
                    Err(e) => Err(e),
                };
                if kept.is_err() {
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "cannot store the cosignature\n".into(),
                    );
                }
            }
            text(StatusCode::OK, line)
        }
        Err(AddCheckpointError::Conflict { latest }) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, "text/x.tlog.size")],
            format!("{latest}\n"),
        )
            .into_response(),
        Err(AddCheckpointError::Internal(_)) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the witness cannot read or write its state\n".into(),
        ),
        Err(e) => text(status(&e), format!("{e}\n")),
    }
}

/// The one place where the store's refusals of a write become HTTP statuses.
pub fn store_status(e: &BackendError) -> StatusCode {
    match e {
        BackendError::Conflict(_) => StatusCode::CONFLICT,
        BackendError::Full(_) => StatusCode::INSUFFICIENT_STORAGE,
        BackendError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Equal in time independent of where the first difference is.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `None` if the request may write; else the answer to give.
fn refuse_write(node: &WitnessNode, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = &node.token else {
        return Some(text(
            StatusCode::FORBIDDEN,
            "this witness node takes no writes: it was started without a write token (`khronika witness serve --token-file FILE` or KHRONIKA_WITNESS_TOKEN)\n".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let unauthorized = |why: &str| {
        Some(
            (
                StatusCode::UNAUTHORIZED,
                [
                    (header::WWW_AUTHENTICATE, "Bearer"),
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                ],
                format!("{why}: give the token this node was started with (`khronika mirror set-credentials NAME`)\n"),
            )
                .into_response(),
        )
    };
    match given {
        None => unauthorized("no write token (Authorization: Bearer …)"),
        Some(g) if !same_secret(g.as_bytes(), token.expose().as_bytes()) => {
            unauthorized("the write token is wrong")
        }
        Some(_) => None,
    }
}

async fn can_write(State(node): State<Arc<WitnessNode>>, headers: HeaderMap) -> Response {
    if node.store.is_none() {
        return text(
            StatusCode::FORBIDDEN,
            "this witness node keeps no store: start it with --store FOLDER to use it as a mirror\n"
                .into(),
        );
    }
    refuse_write(&node, &headers).unwrap_or_else(|| StatusCode::NO_CONTENT.into_response())
}

/// Parse a path a client asked for; `Err` is the status and text to answer. Passphrase slots
/// are not there.
fn object_path(path: &str) -> Result<(ObjectPath, PathKind), (StatusCode, String)> {
    let shown: String = path.chars().take(200).collect();
    let Some((p, kind)) = ObjectPath::parse(path) else {
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "`{shown}` is not a Khronika object path: objects/<aa>/<sha256>, log/<device>/…, node/<device>/<name> (docs/FORMATS.md §3)\n"
            ),
        ));
    };
    if p.is_passphrase_slot() {
        return Err((
            StatusCode::FORBIDDEN,
            "a witness node never takes or serves passphrase key slots (member-*.key): they would let anyone guess passphrases offline\n".into(),
        ));
    }
    Ok((p, kind))
}

async fn put_object(
    State(node): State<Arc<WitnessNode>>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Some(_) = &node.store else {
        return text(
            StatusCode::FORBIDDEN,
            "this witness node keeps no store: start it with --store FOLDER to use it as a mirror\n"
                .into(),
        );
    };
    if let Some(r) = refuse_write(&node, &headers) {
        return r;
    }
    let (p, kind) = match object_path(&path) {
        Ok(x) => x,
        Err((code, why)) => return text(code, why),
    };
    let too_large = || {
        text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is larger than {} MiB, the most this node takes (Khronika's packs stay far below): nothing was stored\n",
                MAX_BODY >> 20
            ),
        )
    };
    // Refused before a byte of it is read when the length is announced; else while reading.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            let mut cause = std::error::Error::source(&e);
            let mut limit = false;
            while let Some(c) = cause {
                limit |= c.is::<http_body_util::LengthLimitError>();
                cause = c.source();
            }
            if limit {
                return too_large();
            }
            return text(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body ({e}): nothing was stored\n"),
            );
        }
    };
    if body.is_empty() {
        return text(
            StatusCode::BAD_REQUEST,
            "the body is empty: no Khronika object is; nothing was stored\n".into(),
        );
    }
    if let PathKind::Object(h) = kind {
        let got = sha256(&body);
        if got != h {
            return text(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the bytes hash to {} (SHA-256), not to the object's name {}: nothing was stored\n",
                    to_hex(&got),
                    to_hex(&h)
                ),
            );
        }
    }
    let n = node.clone();
    let done = tokio::task::spawn_blocking(move || {
        let store = n.store.as_ref().ok_or(BackendError::NotFound(p.clone()))?;
        let c = store.create(&p, &Stored::from_existing_object(body.to_vec()))?;
        store.barrier()?;
        Ok::<_, BackendError>(c)
    })
    .await;
    match done {
        Ok(Ok(Created::New)) => text(StatusCode::CREATED, "created\n".into()),
        Ok(Ok(Created::AlreadyPresent)) => text(StatusCode::OK, "already present\n".into()),
        Ok(Err(e @ BackendError::Conflict(_))) => {
            text(store_status(&e), format!("{e}: a node only ever creates\n"))
        }
        Ok(Err(e)) => text(
            store_status(&e),
            "the node cannot store the object; its operator should look at its disk\n".into(),
        ),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the node cannot store the object\n".into(),
        ),
    }
}

async fn list_all(state: State<Arc<WitnessNode>>, query: RawQuery) -> Response {
    list(state, Path(String::new()), query).await
}

/// Names under `prefix` (empty, or `objects/`, `log/…/`, `node/…/`, ending in `/`), sorted,
/// one a line; at most [`LIST_PAGE`], then the [`LIST_CONTINUE`] header holds the last name.
async fn list(
    State(node): State<Arc<WitnessNode>>,
    Path(prefix): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"./-_".contains(&b))
    };
    let prefix_ok = prefix.is_empty()
        || (prefix.ends_with('/')
            && ["objects/", "log/", "node/"]
                .iter()
                .any(|r| prefix.starts_with(r))
            && safe(&prefix)
            && prefix
                .trim_end_matches('/')
                .split('/')
                .all(|p| !p.is_empty() && p != "." && p != ".."));
    if !prefix_ok {
        let shown: String = prefix.chars().take(200).collect();
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "`{shown}` is not a prefix to list: give nothing, or objects/, log/, node/ and folders below, ending in /\n"
            ),
        );
    }
    let after = match query.as_deref() {
        None | Some("") => None,
        Some(q) => match q.strip_prefix("after=") {
            Some(a) if safe(a) && a.len() <= 300 => Some(a.to_owned()),
            _ => {
                return text(
                    StatusCode::BAD_REQUEST,
                    "the only query a listing takes is ?after=<a name it gave>\n".into(),
                );
            }
        },
    };
    let Some(_) = &node.store else {
        return text(StatusCode::OK, String::new());
    };
    let n = node.clone();
    let names = tokio::task::spawn_blocking(move || {
        n.store.as_ref().map_or(Ok(vec![]), |s| s.list(&prefix))
    })
    .await;
    let Ok(Ok(names)) = names else {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot list the store\n".into(),
        );
    };
    let mut page: Vec<&String> = names
        .iter()
        .filter(|s| after.as_ref().is_none_or(|a| s.as_str() > a.as_str()))
        .filter(|s| ObjectPath::parse(s).is_some_and(|(p, _)| !p.is_passphrase_slot()))
        .take(node.list_page + 1)
        .collect();
    let more = page.len() > node.list_page;
    page.truncate(node.list_page);
    let mut body = String::new();
    for s in &page {
        body.push_str(s);
        body.push('\n');
    }
    let mut r = text(StatusCode::OK, body);
    if more
        && let Some(last) = page.last()
        && let Ok(v) = header::HeaderValue::from_str(last)
    {
        r.headers_mut().insert(LIST_CONTINUE, v);
    }
    r
}

fn range(headers: &HeaderMap) -> Option<(u64, u64)> {
    let r = headers.get(header::RANGE)?.to_str().ok()?;
    let (a, b) = r.strip_prefix("bytes=")?.split_once('-')?;
    let (a, b) = (a.parse::<u64>().ok()?, b.parse::<u64>().ok()?);
    (a <= b).then_some((a, b))
}

async fn object_len(State(node): State<Arc<WitnessNode>>, Path(path): Path<String>) -> Response {
    let not_found = || text(StatusCode::NOT_FOUND, "no such object\n".into());
    let (Some(store), Ok((p, _))) = (&node.store, object_path(&path)) else {
        return not_found();
    };
    match store.len(&p) {
        Ok(n) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (header::CONTENT_LENGTH, n.to_string()),
            ],
        )
            .into_response(),
        Err(BackendError::NotFound(_)) => not_found(),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot read the object\n".into(),
        ),
    }
}

async fn object(
    State(node): State<Arc<WitnessNode>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let not_found = || text(StatusCode::NOT_FOUND, "no such object\n".into());
    let Some(store) = &node.store else {
        return not_found();
    };
    let (p, _) = match object_path(&path) {
        Ok(x) => x,
        Err((StatusCode::FORBIDDEN, _)) => return not_found(),
        Err((code, why)) => return text(code, why),
    };
    let failed = || {
        text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot read the object\n".into(),
        )
    };
    if let Some((a, b)) = range(&headers) {
        let total = match store.len(&p) {
            Ok(n) => n,
            Err(BackendError::NotFound(_)) => return not_found(),
            Err(_) => return failed(),
        };
        if a >= total {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{total}"))],
            )
                .into_response();
        }
        let b = b.min(total - 1);
        let len = usize::try_from(b - a + 1).unwrap_or(usize::MAX);
        return match store.read_range(&p, a, len) {
            Ok(bytes) => (
                StatusCode::PARTIAL_CONTENT,
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                    (header::CONTENT_RANGE, format!("bytes {a}-{b}/{total}")),
                ],
                bytes,
            )
                .into_response(),
            Err(_) => failed(),
        };
    }
    match store.read(&p) {
        Ok(bytes) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Err(BackendError::NotFound(_)) => not_found(),
        Err(_) => failed(),
    }
}
