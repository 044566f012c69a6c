//! The S3 backend's contract, against the real S3-compatible server that `scripts/test`
//! starts on loopback. Each test works under a prefix of its own.

use khronika_backends::S3Backend;
use khronika_backends::s3::S3Config;
use khronika_store::{Backend, BackendError, Created, DeviceId, ObjectPath, Stored};

/// The test server's settings, from the variables `scripts/test` sets. Fails (never skips)
/// when they are missing.
pub fn server_vars() -> impl Fn(&str) -> Option<String> {
    let endpoint = std::env::var("KHRONIKA_TEST_S3").unwrap_or_default();
    assert!(
        !endpoint.is_empty(),
        "KHRONIKA_TEST_S3 is not set: these tests need the S3 test server. Run them with `scripts/test`, which starts it"
    );
    let get =
        |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set; run `scripts/test`"));
    let (key, secret) = (
        get("KHRONIKA_TEST_S3_ACCESS_KEY"),
        get("KHRONIKA_TEST_S3_SECRET_KEY"),
    );
    move |k: &str| match k {
        "AWS_ENDPOINT_URL" => Some(endpoint.clone()),
        "AWS_ACCESS_KEY_ID" => Some(key.clone()),
        "AWS_SECRET_ACCESS_KEY" => Some(secret.clone()),
        "AWS_ALLOW_HTTP" => Some("true".into()),
        _ => None,
    }
}

pub fn bucket() -> String {
    std::env::var("KHRONIKA_TEST_S3_BUCKET").unwrap_or_else(|_| "khronika-test".into())
}

/// A backend under a fresh prefix of its own.
fn fresh(test: &str) -> S3Backend {
    let mut r = [0u8; 6];
    khronika_crypto::Entropy::fill(&mut khronika_crypto::OsEntropy, &mut r).unwrap();
    let url = format!(
        "s3://{}/it/{test}-{}",
        bucket(),
        khronika_crypto::hash::to_hex(&r)
    );
    S3Backend::new(&S3Config::from_vars(&url, server_vars()).unwrap()).unwrap()
}

fn obj(bytes: &[u8]) -> (ObjectPath, Stored) {
    (
        ObjectPath::object(&khronika_crypto::hash::sha256(bytes)),
        Stored::from_existing_object(bytes.to_vec()),
    )
}

#[test]
fn create_is_create_only_and_idempotent() {
    let b = fresh("create");
    let (p, s) = obj(b"sealed bytes one");
    assert_eq!(b.create(&p, &s).unwrap(), Created::New);
    assert_eq!(b.create(&p, &s).unwrap(), Created::AlreadyPresent);
    let other = Stored::from_existing_object(b"different bytes".to_vec());
    assert!(
        matches!(b.create(&p, &other), Err(BackendError::Conflict(ref q)) if *q == p),
        "a different object at an existing path must be refused"
    );
    assert_eq!(
        b.read(&p).unwrap(),
        b"sealed bytes one",
        "nothing was overwritten"
    );
    b.barrier().unwrap();
}

#[test]
fn reads_ranges_and_lengths() {
    let b = fresh("read");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let (p, s) = obj(&bytes);
    b.create(&p, &s).unwrap();
    assert_eq!(b.len(&p).unwrap(), 100_000);
    assert_eq!(b.read(&p).unwrap(), bytes);
    assert_eq!(b.read_range(&p, 1000, 24).unwrap(), bytes[1000..1024]);
    assert_eq!(b.read_range(&p, 99_990, 10).unwrap(), bytes[99_990..]);
    assert!(
        b.read_range(&p, 99_990, 20).is_err(),
        "a range past the end is an error"
    );
    let (missing, _) = obj(b"never stored");
    assert!(matches!(b.read(&missing), Err(BackendError::NotFound(_))));
    assert!(matches!(b.len(&missing), Err(BackendError::NotFound(_))));
}

#[test]
fn lists_by_prefix() {
    let b = fresh("list");
    let d = DeviceId([0x21; 16]);
    let (o1, s1) = obj(b"one");
    let (o2, s2) = obj(b"two");
    let cp = ObjectPath::checkpoint(&d, 3);
    let bundle = ObjectPath::bundle(&d, 0, Some(3));
    for (p, s) in [(&o1, &s1), (&o2, &s2)] {
        b.create(p, s).unwrap();
    }
    b.create(&cp, &Stored::from_existing_object(b"cp".to_vec()))
        .unwrap();
    b.create(&bundle, &Stored::from_existing_object(b"bundle".to_vec()))
        .unwrap();
    let mut objects = vec![o1.to_string(), o2.to_string()];
    objects.sort();
    assert_eq!(b.list("objects/").unwrap(), objects);
    let mut log = vec![cp.to_string(), bundle.to_string()];
    log.sort();
    assert_eq!(b.list("log/").unwrap(), log);
    assert_eq!(b.list(&ObjectPath::log_prefix(&d)).unwrap(), log);
    assert_eq!(b.list("log/0000/").unwrap(), Vec::<String>::new());
    assert_eq!(b.list("").unwrap().len(), 4);
    // Another prefix in the same bucket sees nothing of this one.
    assert_eq!(fresh("list-other").list("").unwrap(), Vec::<String>::new());
    b.remove_superseded(&bundle).unwrap();
    assert_eq!(b.list("log/").unwrap(), vec![cp.to_string()]);
}

#[test]
fn the_server_refuses_a_second_create_and_the_probe_says_so() {
    let b = fresh("probe");
    let p = b.probe_overwrite("t").unwrap();
    assert!(p.conditional_create_honoured, "{p:?}");
    // The test identity is an administrator: it may overwrite and delete.
    assert!(p.overwrite_allowed && p.delete_allowed, "{p:?}");
}

#[test]
fn an_unreachable_endpoint_fails_quickly_with_an_error() {
    let vars = server_vars();
    let cfg = S3Config::from_vars("s3://khronika-test/x", |k| match k {
        "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:9".into()),
        k => vars(k),
    })
    .unwrap();
    let cfg = S3Config {
        max_retries: 1,
        ..cfg
    };
    let b = S3Backend::new(&cfg).unwrap();
    let t = std::time::Instant::now();
    assert!(b.list("objects/").is_err());
    assert!(
        t.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        t.elapsed()
    );
}
