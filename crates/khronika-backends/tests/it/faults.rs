//! Faults between the S3 backend and the real test server, injected by a small TCP proxy on
//! loopback: server errors (503), requests that get no answer at all (a stalled connection: the
//! request times out), and PUTs whose answer is lost after the server stored them. The backend
//! retries, and a repeated create finds the object and compares its bytes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use khronika_backends::S3Backend;
use khronika_backends::s3::S3Config;
use khronika_store::{Backend, ObjectPath, Stored};

use crate::s3::{bucket, server_vars};

#[derive(Clone, Copy)]
enum Fault {
    /// Answer `503 Service Unavailable` without passing the request on.
    ServerError,
    /// Pass the request on, then drop the connection without the server's answer.
    LoseAnswer,
    /// Read the request and never answer (until the client gives up and closes).
    Stall,
}

/// A proxy to `upstream` that injects `fault` into the first `count` connections and relays
/// the others. Returns its address and how many faults it served.
fn proxy(upstream: SocketAddr, fault: Fault, count: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let s = served.clone();
    std::thread::spawn(move || {
        for (i, conn) in listener.incoming().enumerate() {
            let Ok(client) = conn else { return };
            let s = s.clone();
            std::thread::spawn(move || {
                if i < count {
                    inject(client, upstream, fault);
                    s.fetch_add(1, Ordering::SeqCst);
                } else {
                    relay(client, upstream);
                }
            });
        }
    });
    (addr, served)
}

/// Read one HTTP message (head and a Content-Length body).
fn read_message(r: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if r.read(&mut byte).unwrap_or(0) == 0 {
            return buf;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).unwrap();
    buf.extend_from_slice(&body);
    buf
}

fn inject(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    let request = read_message(&mut client);
    match fault {
        Fault::ServerError => {
            let _ = client.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
        Fault::LoseAnswer => {
            let mut up = TcpStream::connect(upstream).unwrap();
            up.write_all(&request).unwrap();
            let _answer = read_message(&mut up);
        }
        Fault::Stall => {
            // Hold the connection open without a word until the client closes it.
            let mut byte = [0u8; 1];
            while client.read(&mut byte).unwrap_or(0) != 0 {}
        }
    }
}

fn relay(client: TcpStream, upstream: SocketAddr) {
    let up = TcpStream::connect(upstream).unwrap();
    let (mut c2, mut u2) = (client.try_clone().unwrap(), up.try_clone().unwrap());
    let t = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(std::net::Shutdown::Write);
    });
    let (mut c, mut u) = (client, up);
    let _ = std::io::copy(&mut u, &mut c);
    let _ = c.shutdown(std::net::Shutdown::Write);
    let _ = t.join();
}

fn upstream() -> SocketAddr {
    let vars = server_vars();
    let endpoint = vars("AWS_ENDPOINT_URL").unwrap();
    endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

fn via(addr: SocketAddr, prefix: &str) -> S3Backend {
    via_with(addr, prefix, None)
}

/// A backend through `addr`, with `KHRONIKA_S3_TIMEOUT` set to `timeout` seconds if given.
fn via_with(addr: SocketAddr, prefix: &str, timeout: Option<&str>) -> S3Backend {
    let vars = server_vars();
    let url = format!("s3://{}/{prefix}", bucket());
    let cfg = S3Config::from_vars(&url, |k| match k {
        "AWS_ENDPOINT_URL" => Some(format!("http://{addr}")),
        "KHRONIKA_S3_TIMEOUT" => timeout.map(str::to_owned),
        k => vars(k),
    })
    .unwrap();
    S3Backend::new(&cfg).unwrap()
}

fn prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("it/{test}-{}-{nanos}", std::process::id())
}

#[test]
fn server_errors_are_retried() {
    let p = prefix("503");
    let (addr, served) = proxy(upstream(), Fault::ServerError, 3);
    let b = via(addr, &p);
    let bytes = b"sealed bytes through a failing server".to_vec();
    let path = ObjectPath::object(&khronika_crypto::hash::sha256(&bytes));
    b.create(&path, &Stored::from_existing_object(bytes.clone()))
        .unwrap();
    assert_eq!(served.load(Ordering::SeqCst), 3, "the faults were not hit");
    let direct = via(upstream(), &p);
    assert_eq!(direct.read(&path).unwrap(), bytes);
}

#[test]
fn a_lost_answer_is_retried_and_finds_the_object_already_there() {
    let p = prefix("lost");
    let (addr, served) = proxy(upstream(), Fault::LoseAnswer, 1);
    let b = via(addr, &p);
    let bytes = b"sealed bytes whose answer is lost".to_vec();
    let path = ObjectPath::object(&khronika_crypto::hash::sha256(&bytes));
    let created = b.create(&path, &Stored::from_existing_object(bytes.clone()));
    assert_eq!(served.load(Ordering::SeqCst), 1, "the fault was not hit");
    assert_eq!(
        created.unwrap(),
        khronika_store::Created::AlreadyPresent,
        "the repeated create found the first one's object"
    );
    assert_eq!(via(upstream(), &p).read(&path).unwrap(), bytes);
    // Different bytes at that path are still refused.
    assert!(matches!(
        b.create(&path, &Stored::from_existing_object(b"other".to_vec())),
        Err(khronika_store::BackendError::Conflict(_))
    ));
}

#[test]
fn stalled_requests_time_out_and_are_retried() {
    let p = prefix("stall");
    let (addr, served) = proxy(upstream(), Fault::Stall, 2);
    let b = via_with(addr, &p, Some("1"));
    let bytes = b"sealed bytes through a stalling network".to_vec();
    let path = ObjectPath::object(&khronika_crypto::hash::sha256(&bytes));
    let started = std::time::Instant::now();
    assert_eq!(
        b.create(&path, &Stored::from_existing_object(bytes.clone()))
            .unwrap(),
        khronika_store::Created::New
    );
    assert_eq!(served.load(Ordering::SeqCst), 2, "the stalls were not hit");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "two stalls of a 1 s timeout took {:?}",
        started.elapsed()
    );
    // Reads time out and are retried the same way.
    let (addr, served) = proxy(upstream(), Fault::Stall, 1);
    assert_eq!(via_with(addr, &p, Some("1")).read(&path).unwrap(), bytes);
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
fn the_request_timeout_is_a_checked_setting() {
    let vars = server_vars();
    let url = format!("s3://{}/x", bucket());
    for bad in ["0", "soon", "3601", "-1"] {
        let e = S3Config::from_vars(&url, |k| match k {
            "KHRONIKA_S3_TIMEOUT" => Some(bad.to_owned()),
            k => vars(k),
        })
        .unwrap_err();
        assert!(e.to_string().contains("KHRONIKA_S3_TIMEOUT"), "{bad}: {e}");
    }
    let cfg = S3Config::from_vars(&url, |k| match k {
        "KHRONIKA_S3_TIMEOUT" => Some("7".into()),
        k => vars(k),
    })
    .unwrap();
    assert_eq!(cfg.request_timeout, std::time::Duration::from_secs(7));
}
