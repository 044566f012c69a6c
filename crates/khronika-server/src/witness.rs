//! The keyless witness node (`khronika witness serve`): the C2SP
//! `tlog-witness` `add-checkpoint` endpoint over the app's [`Witness`], and read-only serving
//! of the stored objects and logs of a mirror folder, so that anyone can fetch and verify them
//! without a key. Handlers parse, call the app layer, and map its errors to statuses in one
//! place ([`status`]).
//!
//! ```text
//! POST /add-checkpoint          C2SP tlog-witness: `old N`, proof lines, blank line, checkpoint
//! GET  /objects/<aa>/<sha256>   a stored object (from --store)
//! GET  /log/<device>/…          a log object: bundles, hash tiles, checkpoints, cosignatures
//! ```
//!
//! Key slots (`node/…`) are never served: they would let anyone try passphrases offline.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use khronika_app::witness::{AddCheckpointError, Witness};
use khronika_backends::LocalBackend;
use khronika_store::note::VerifierKey;
use khronika_store::path::PathKind;
use khronika_store::witness::cosignature_object;
use khronika_store::{Backend, BackendError, ObjectPath};

/// What the witness node serves.
#[derive(Debug)]
pub struct WitnessNode {
    witness: Mutex<Witness>,
    store: Option<LocalBackend>,
    clock: fn() -> u64,
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
        }
    }
}

/// The router, without a socket (tests call it with `tower::ServiceExt::oneshot`).
pub fn app(node: Arc<WitnessNode>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{*path}", get(object))
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
            // Keep the cosignature beside the log, where proofs and restores find it.
            if let (Some(store), Ok(key)) = (&node.store, VerifierKey::parse(&w.vkey())) {
                let path = ObjectPath::cosignature(&device, size, key.key_id());
                if store
                    .create(&path, &cosignature_object(&line))
                    .and_then(|_| store.barrier())
                    .is_err()
                {
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

async fn object(State(node): State<Arc<WitnessNode>>, Path(path): Path<String>) -> Response {
    let not_found = || text(StatusCode::NOT_FOUND, "no such object\n".into());
    let (Some(store), Some((p, kind))) = (&node.store, ObjectPath::parse(&path)) else {
        return not_found();
    };
    if matches!(kind, PathKind::NodeFile { .. }) {
        return not_found();
    }
    match store.read(&p) {
        Ok(bytes) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Err(BackendError::NotFound(_)) => not_found(),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot read the object\n".into(),
        ),
    }
}
