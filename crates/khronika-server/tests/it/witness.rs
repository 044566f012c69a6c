//! The witness node's router, without a socket (`tower::ServiceExt::oneshot`): C2SP
//! `tlog-witness` `add-checkpoint` against a real vault's log, each refusal with its status,
//! serving of stored objects (never passphrase key slots) and listings in pages.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use khronika_app::ingest::Source;
use khronika_app::vault::{self, LockedVault, UnlockedVault};
use khronika_app::witness::Witness;
use khronika_backends::{LocalBackend, OsFs};
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::{OsEntropy, Passphrase};
use khronika_server::{WitnessNode, app};
use khronika_store::log::{LogState, list_log};
use khronika_store::merkle::{ProofOrSource, consistency_proof};
use khronika_store::note::{CheckpointPolicy, VerifierKey};
use khronika_store::verify::genesis_key;
use khronika_store::{DeviceId, ObjectPath};
use tower::ServiceExt;

fn add(v: &mut UnlockedVault, name: &str) {
    let bytes = format!("evidence {name}").into_bytes();
    v.add(
        vec![Source {
            name: name.into(),
            origin: PathBuf::from(name),
            size: bytes.len() as u64,
            reader: Box::new(Cursor::new(bytes)),
        }],
        &mut |_| {},
    )
    .unwrap();
}

fn newest(v: &LockedVault) -> (DeviceId, u64) {
    let device = v.marker().device;
    let (_, sizes) = list_log(v.backend(), &device).unwrap();
    (device, *sizes.last().unwrap())
}

/// `old N`, the consistency proof from `old` to `size`, a blank line, the checkpoint.
fn request(v: &LockedVault, old: u64, size: u64) -> Vec<u8> {
    let device = v.marker().device;
    let st = LogState::load(v.backend(), v.marker().vault, device, genesis_key, |_| {
        Ok(())
    })
    .unwrap();
    let proof = match consistency_proof(st.tree(), old, size) {
        _ if old == 0 || old == size => vec![],
        Ok(p) => p,
        Err(ProofOrSource::Proof(e)) => panic!("{e}"),
        Err(ProofOrSource::Source(never)) => match never {},
    };
    let mut body = format!("old {old}\n");
    for h in proof {
        body.push_str(&base64::engine::general_purpose::STANDARD.encode(h));
        body.push('\n');
    }
    body.push('\n');
    let mut b = body.into_bytes();
    b.extend(
        v.backend()
            .read(&ObjectPath::checkpoint(&device, size))
            .unwrap(),
    );
    b
}

async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let res = router
        .clone()
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    (
        status,
        res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

struct World {
    _dir: tempfile::TempDir,
    vault: UnlockedVault,
    witness_dir: PathBuf,
    root: PathBuf,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let (mut v, _) = vault::init(
        Arc::new(OsFs),
        &root,
        &Passphrase::new("a passphrase for the witness test".into()),
        Argon2Params::weak_for_tests(),
        &mut OsEntropy,
    )
    .unwrap();
    add(&mut v, "first.txt");
    let witness_dir = dir.path().join("witness");
    let w = Witness::init(&witness_dir, "witness.example.org/1").unwrap();
    // Pin the log: the witness cosigns what it sees now.
    for o in w.cosign(v.locked(), 1_795_000_000).unwrap() {
        o.result.unwrap();
    }
    World {
        _dir: dir,
        vault: v,
        witness_dir,
        root,
    }
}

fn node(w: &World) -> axum::Router {
    let store = LocalBackend::new(Arc::new(OsFs), w.root.clone());
    app(Arc::new(WitnessNode::new(
        Witness::open(&w.witness_dir).unwrap(),
        Some(store),
    )))
}

#[tokio::test(flavor = "current_thread")]
async fn add_checkpoint_cosigns_what_extends_the_last_one_and_names_each_refusal() {
    let mut w = world();
    let router = node(&w);
    let (_, pinned) = newest(w.vault.locked());
    add(&mut w.vault, "second.txt");
    add(&mut w.vault, "third.txt");
    let (device, size) = newest(w.vault.locked());
    assert!(size > pinned);
    let good = request(w.vault.locked(), pinned, size);

    // A wrong proof: refused as inconsistent (422), and nothing changes.
    let mut bad = good.clone();
    let at = bad.iter().position(|&b| b == b'\n').unwrap() + 3;
    bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
    let (s, body) = call(&router, "POST", "/add-checkpoint", bad).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        String::from_utf8_lossy(&body)
    );

    // The right one: a cosignature line that verifies with the witness's key.
    let (s, body) = call(&router, "POST", "/add-checkpoint", good.clone()).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let line = String::from_utf8(body).unwrap();
    assert!(line.starts_with("— witness.example.org/1 "), "{line}");
    let wkey = VerifierKey::parse(&Witness::open(&w.witness_dir).unwrap().vkey()).unwrap();
    let dk = &w.vault.locked().device_keys().unwrap()[0];
    let mut cosigned = w
        .vault
        .locked()
        .backend()
        .read(&ObjectPath::checkpoint(&device, size))
        .unwrap();
    cosigned.extend_from_slice(line.as_bytes());
    let log_key = VerifierKey::parse(&dk.vkey).unwrap();
    CheckpointPolicy::new(log_key.name(), log_key.clone())
        .with_witnesses([wkey.clone()], 1)
        .open(&cosigned)
        .unwrap();
    // It is kept beside the log in the store, where proofs find it.
    let stored = w
        .vault
        .locked()
        .backend()
        .read(&ObjectPath::cosignature(&device, size, wkey.key_id()))
        .unwrap();
    assert_eq!(stored, line.as_bytes());

    // The same request again: `old` is no longer the latest size (409, with the size).
    let (s, body) = call(&router, "POST", "/add-checkpoint", good).await;
    assert_eq!(
        (s, String::from_utf8(body).unwrap()),
        (StatusCode::CONFLICT, format!("{size}\n"))
    );

    // An older checkpoint than the latest, claimed from the latest: a rollback (400: old > size).
    let (s, _) = call(&router, "POST", "/add-checkpoint", {
        let mut r = request(w.vault.locked(), pinned, pinned);
        r.splice(
            ..format!("old {pinned}").len(),
            format!("old {size}").into_bytes(),
        );
        r
    })
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // A checkpoint whose text was changed: its signature fails (403).
    let mut forged = format!("old {size}\n\n").into_bytes();
    let cp = String::from_utf8(
        w.vault
            .locked()
            .backend()
            .read(&ObjectPath::checkpoint(&device, size))
            .unwrap(),
    )
    .unwrap();
    let mut lines: Vec<&str> = cp.split('\n').collect();
    let root = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    lines[2] = &root;
    forged.extend(lines.join("\n").into_bytes());
    let (s, _) = call(&router, "POST", "/add-checkpoint", forged).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Another vault's log: unknown here (404).
    let other = world();
    let (_, osize) = newest(other.vault.locked());
    let (s, _) = call(
        &router,
        "POST",
        "/add-checkpoint",
        request(other.vault.locked(), 0, osize),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Malformed requests (400), never a panic.
    for body in [
        &b""[..],
        b"old\n\nx",
        b"old 01\n\n",
        b"old 1\nnot-base64!\n\nx",
        b"new 1\n\nx",
        b"old 1\n\nnot a note",
    ] {
        let (s, _) = call(&router, "POST", "/add-checkpoint", body.to_vec()).await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn stored_objects_and_logs_are_served_but_never_key_slots() {
    let w = world();
    let router = node(&w);
    let b = w.vault.locked().backend();
    let (device, size) = newest(w.vault.locked());
    let cp = ObjectPath::checkpoint(&device, size);
    let (s, body) = call(&router, "GET", &format!("/{cp}"), vec![]).await;
    assert_eq!((s, body), (StatusCode::OK, b.read(&cp).unwrap()));
    let obj = b.list("objects/").unwrap().into_iter().next().unwrap();
    let (s, body) = call(&router, "GET", &format!("/{obj}"), vec![]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, b.read(&ObjectPath::parse(&obj).unwrap().0).unwrap());
    // A passphrase slot is never served (as if absent); a missing node file is absent.
    let member = format!("node/{}/member-{}.key", device.to_hex(), device.to_hex());
    let absent = format!("node/{}/device.key", device.to_hex());
    for uri in [member.as_str(), absent.as_str()] {
        let (s, _) = call(&router, "GET", &format!("/{uri}"), vec![]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
    }
    // What is not a Khronika object path is a bad request that says what a path is.
    for uri in [
        "objects/00/00",
        "keys/device.key",
        "../etc/passwd",
        "log/zz",
    ] {
        let (s, body) = call(&router, "GET", &format!("/{uri}"), vec![]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            String::from_utf8_lossy(&body).contains("is not a Khronika object path"),
            "{uri}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn listings_are_sorted_names_in_pages_and_never_passphrase_slots() {
    let w = world();
    let store = LocalBackend::new(Arc::new(OsFs), w.root.clone());
    let router = app(Arc::new(
        WitnessNode::new(Witness::open(&w.witness_dir).unwrap(), Some(store)).with_list_page(2),
    ));
    let b = w.vault.locked().backend();
    let mut want = b.list("objects/").unwrap();
    want.extend(b.list("log/").unwrap());
    assert!(want.len() > 4, "{want:?}");
    let mut got = Vec::new();
    let mut uri = "/list/".to_owned();
    loop {
        let res = router
            .clone()
            .oneshot(Request::builder().uri(&uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        let next = res
            .headers()
            .get("khronika-list-continue")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let names: Vec<String> = String::from_utf8(body.to_vec())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert!(names.len() <= 2, "{names:?}");
        got.extend(names);
        match next {
            Some(n) => uri = format!("/list/?after={n}"),
            None => break,
        }
    }
    let mut sorted = want.clone();
    sorted.sort();
    assert_eq!(got, sorted);
    // A prefix lists what is under it; anything else is refused with what to give.
    let (s, body) = call(&router, "GET", "/list/objects/", vec![]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .lines()
            .all(|l| l.starts_with("objects/"))
    );
    for uri in [
        "/list/keys/",
        "/list/objects",
        "/list/log/../",
        "/list/?x=1",
    ] {
        let (s, _) = call(&router, "GET", uri, vec![]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}");
    }
    // Writes without a token at `witness serve`: refused, and nothing is listed as new.
    let (s, body) = call(&router, "PUT", &format!("/{}", want[0]), vec![1, 2, 3]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("takes no writes"));
}

/// The HTTP mirror backend against a real node on loopback (a thread serving `app`): the
/// `Backend` contract (create-only and idempotent, reads, ranges, sizes, listings in pages),
/// tokens, and what the node refuses.
#[test]
fn the_http_backend_keeps_the_backend_contract_against_a_real_node() {
    use khronika_backends::HttpBackend;
    use khronika_backends::s3::SecretString;
    use khronika_store::{Backend, BackendError, Created, Stored};
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let witness_dir = dir.path().join("witness");
    Witness::init(&witness_dir, "witness.example.org/3").unwrap();
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).unwrap();
    let token = "t".repeat(40);
    let node = WitnessNode::new(
        Witness::open(&witness_dir).unwrap(),
        Some(LocalBackend::new(Arc::new(OsFs), store_dir.clone())),
    )
    .with_write_token(SecretString::new(token.clone()))
    .with_list_page(3);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        khronika_server::serve("127.0.0.1:0".parse().unwrap(), node, |a| {
            tx.send(a).unwrap()
        })
    });
    let url = format!("http://{}", rx.recv().unwrap());
    let client = |t: Option<&str>| {
        HttpBackend::new(&url, t.map(SecretString::new), Duration::from_secs(10)).unwrap()
    };
    let b = client(Some(&token));
    b.check_write().unwrap();

    // Content-addressed objects, named by their hash.
    let mut names = Vec::new();
    for i in 0..7u8 {
        let bytes = vec![i; 1000 + usize::from(i)];
        let h = khronika_crypto::hash::sha256(&bytes);
        let p = ObjectPath::parse(&format!(
            "objects/{:02x}/{}",
            h[0],
            khronika_crypto::hash::to_hex(&h)
        ))
        .unwrap()
        .0;
        let s = Stored::from_existing_object(bytes.clone());
        assert_eq!(b.create(&p, &s).unwrap(), Created::New);
        assert_eq!(b.create(&p, &s).unwrap(), Created::AlreadyPresent);
        assert_eq!(b.read(&p).unwrap(), bytes);
        assert_eq!(b.len(&p).unwrap(), bytes.len() as u64);
        assert_eq!(b.read_range(&p, 10, 5).unwrap(), bytes[10..15].to_vec());
        assert!(b.read_range(&p, 990, 100).is_err());
        names.push(p.as_str().to_owned());
    }
    names.sort();
    // Listed across pages of 3.
    assert_eq!(b.list("objects/").unwrap(), names);
    assert_eq!(b.list("").unwrap(), names);
    assert!(b.list("log/").unwrap().is_empty());
    // A log object: the first bytes stay; other bytes are a conflict.
    let dev = DeviceId([7; 16]);
    let cp = ObjectPath::checkpoint(&dev, 3);
    let first = Stored::from_existing_object(b"first".to_vec());
    assert_eq!(b.create(&cp, &first).unwrap(), Created::New);
    assert!(matches!(
        b.create(&cp, &Stored::from_existing_object(b"second".to_vec())),
        Err(BackendError::Conflict(_))
    ));
    assert_eq!(b.read(&cp).unwrap(), b"first");
    assert!(matches!(
        b.read(&ObjectPath::checkpoint(&dev, 4)),
        Err(BackendError::NotFound(_))
    ));
    assert!(matches!(
        b.len(&ObjectPath::checkpoint(&dev, 4)),
        Err(BackendError::NotFound(_))
    ));
    // Passphrase slots are never sent, and nothing is ever removed.
    let slot = ObjectPath::node_file(&dev, &format!("member-{}.key", dev.to_hex())).unwrap();
    assert!(!b.accepts(&slot));
    assert!(b.create(&slot, &first).is_err());
    assert!(b.remove_superseded(&cp).is_err());
    let marker = ObjectPath::node_file(&dev, "khronika-vault").unwrap();
    assert!(b.accepts(&marker));
    // A wrong hash, a wrong token, no token: refused, nothing stored.
    let wrong = ObjectPath::parse(&format!("objects/ab/ab{}", "0".repeat(62)))
        .unwrap()
        .0;
    let e = b.create(&wrong, &first).unwrap_err().to_string();
    assert!(e.contains("hash to"), "{e}");
    let e = client(Some(&"u".repeat(40)))
        .create(&marker, &first)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("refused the write token") && e.contains("set-credentials"),
        "{e}"
    );
    assert!(client(Some(&"u".repeat(40))).check_write().is_err());
    assert!(client(None).check_write().is_err());
    assert!(client(None).create(&marker, &first).is_err());
    let mut all = names.clone();
    all.push(cp.as_str().to_owned());
    all.sort();
    assert_eq!(client(None).list("").unwrap(), all, "reads need no token");
    // An unreachable node is an error after the retries, not a hang.
    let gone = HttpBackend::new("http://127.0.0.1:9", None, Duration::from_secs(2)).unwrap();
    assert!(gone.list("").is_err());
}

/// A body over the limit without an announced length is refused while it is read (413), and
/// nothing is stored.
#[tokio::test(flavor = "current_thread")]
async fn an_unannounced_oversized_body_is_refused_while_read() {
    use khronika_backends::s3::SecretString;
    let dir = tempfile::tempdir().unwrap();
    let witness_dir = dir.path().join("witness");
    Witness::init(&witness_dir, "witness.example.org/4").unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let token = "k".repeat(40);
    let router = app(Arc::new(
        WitnessNode::new(
            Witness::open(&witness_dir).unwrap(),
            Some(LocalBackend::new(Arc::new(OsFs), store.clone())),
        )
        .with_write_token(SecretString::new(token.clone())),
    ));
    let big = vec![0u8; (64 << 20) + 1];
    let h = khronika_crypto::hash::sha256(&big);
    let path = format!(
        "/objects/{:02x}/{}",
        h[0],
        khronika_crypto::hash::to_hex(&h)
    );
    // A streamed body: no Content-Length, so the limit applies while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(1 << 20).map(|c| Ok(c.to_vec())).collect();
    let res = router
        .oneshot(
            Request::builder()
                .method("PUT")
                .uri(&path)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from_stream(stream_of(chunks)))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let listed: Vec<_> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "tmp")
        .collect();
    assert!(listed.is_empty(), "{listed:?}");
}

/// A stream of `items`, without a known length.
fn stream_of(
    items: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct S(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for S {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    S(items.into_iter())
}
