//! A sync through a faulty network to an S3 server that is killed mid-upload: a test server of
//! this test's own (SeaweedFS through `scripts/s3-server`, on ports of its own), reached
//! through a loopback proxy that lets one PUT stall (the request times out), answers another
//! with 503, and holds a third after passing on half of its body while the test kills the
//! server with SIGKILL and starts it again on the same data. `sync --wait` rides it all out;
//! afterwards the mirror verifies, holds everything, and every object the server had
//! acknowledged before the kill is still there, byte for byte.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use khronika_backends::S3Backend;
use khronika_backends::s3::S3Config;
use khronika_store::{Backend, ObjectPath};

use crate::util::{Cmd, Env};

/// A SeaweedFS server of this test's own, which it can kill and start again.
struct OwnServer {
    dir: tempfile::TempDir,
    port: u16,
    vars: Vec<(String, String)>,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/s3-server")
}

/// A base port P such that P..=P+6 and P+10000..=P+10006 are free on loopback.
fn free_base() -> u16 {
    let seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64;
    for attempt in 0..200u64 {
        let base = 20_000 + ((seed.wrapping_mul(7919) + attempt * 131) % 2_000) as u16 * 5;
        let free = (0..=6)
            .chain(10_000..=10_006)
            .all(|o| TcpListener::bind(("127.0.0.1", base + o)).is_ok());
        if free {
            return base;
        }
    }
    panic!("no free ports for a test S3 server");
}

impl OwnServer {
    fn start() -> OwnServer {
        let dir = tempfile::Builder::new()
            .prefix("khronika-own-s3-")
            .tempdir()
            .unwrap();
        let mut s = OwnServer {
            dir,
            port: free_base(),
            vars: vec![],
        };
        s.vars = s.run("start");
        s
    }

    fn run(&self, cmd: &str) -> Vec<(String, String)> {
        let out = Command::new(script())
            .args([cmd, &self.dir.path().display().to_string()])
            .env("KHRONIKA_S3_PORT", self.port.to_string())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scripts/s3-server {cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn var(&self, k: &str) -> String {
        self.vars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("scripts/s3-server printed no {k}"))
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The variables for the binary, reaching the server at `endpoint`.
    fn env(&self, endpoint: SocketAddr) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", format!("http://{endpoint}")),
            ("AWS_ACCESS_KEY_ID", self.var("KHRONIKA_TEST_S3_ACCESS_KEY")),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.var("KHRONIKA_TEST_S3_SECRET_KEY"),
            ),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("KHRONIKA_S3_TIMEOUT", "5".into()),
        ]
    }

    /// A client straight to the server.
    fn backend(&self, url: &str) -> S3Backend {
        let vars = self.env(self.addr());
        let cfg = S3Config::from_vars(url, |k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        })
        .unwrap();
        S3Backend::new(&cfg).unwrap()
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .args(["stop", &self.dir.path().display().to_string()])
            .output();
    }
}

/// Where the held PUT is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Open,
    Held,
    Released,
}

/// What the proxy does to the n-th PUT (counting from 1).
struct Faults {
    stall: usize,
    fail: usize,
    hold: usize,
}

struct State {
    faults: Faults,
    puts: AtomicUsize,
    stalled: AtomicUsize,
    failed: AtomicUsize,
    /// Connections that found the server down.
    refused: AtomicUsize,
    gate: Mutex<Gate>,
    cv: Condvar,
}

/// Read one request (head, and a body of Content-Length bytes) or `None` at the end.
fn read_request(r: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if r.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(
        !text.contains("transfer-encoding: chunked"),
        "the proxy cannot frame chunked requests: {text}"
    );
    let len: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some((head, body))
}

/// Relays one client connection, request by request, injecting the faults into PUTs.
fn serve(client: TcpStream, upstream: SocketAddr, st: &State) {
    let mut reader = client.try_clone().unwrap();
    let mut up: Option<TcpStream> = None;
    let close = |up: &Option<TcpStream>| {
        let _ = client.shutdown(Shutdown::Both);
        if let Some(u) = up {
            let _ = u.shutdown(Shutdown::Both);
        }
    };
    while let Some((head, body)) = read_request(&mut reader) {
        if up.is_none() {
            let Ok(u) = TcpStream::connect(upstream) else {
                let _g = st.gate.lock().unwrap();
                st.refused.fetch_add(1, Ordering::SeqCst);
                st.cv.notify_all();
                return close(&up);
            };
            let (mut from, mut to) = (u.try_clone().unwrap(), client.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from, &mut to);
                let _ = to.shutdown(Shutdown::Both);
            });
            up = Some(u);
        }
        let Some(u) = up.as_mut() else { return };
        if head.starts_with(b"PUT ") {
            let n = st.puts.fetch_add(1, Ordering::SeqCst) + 1;
            if n == st.faults.stall {
                st.stalled.fetch_add(1, Ordering::SeqCst);
                // Never a word back: the client times out and closes.
                let mut byte = [0u8; 1];
                while reader.read(&mut byte).unwrap_or(0) != 0 {}
                return close(&up);
            }
            if n == st.faults.fail {
                st.failed.fetch_add(1, Ordering::SeqCst);
                let _ = client.try_clone().unwrap().write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                return close(&up);
            }
            if n == st.faults.hold {
                // Half of the upload reaches the server; then the test kills it.
                let _ = u.write_all(&head);
                let _ = u.write_all(&body[..body.len() / 2]);
                let mut g = st.gate.lock().unwrap();
                *g = Gate::Held;
                st.cv.notify_all();
                while *g != Gate::Released {
                    g = st.cv.wait(g).unwrap();
                }
                return close(&up);
            }
        }
        if u.write_all(&head).is_err() || u.write_all(&body).is_err() {
            return close(&up);
        }
    }
    close(&up);
}

fn proxy(upstream: SocketAddr, faults: Faults) -> (SocketAddr, Arc<State>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let st = Arc::new(State {
        faults,
        puts: AtomicUsize::new(0),
        stalled: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
        gate: Mutex::new(Gate::Open),
        cv: Condvar::new(),
    });
    let s = st.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { return };
            let s = s.clone();
            std::thread::spawn(move || serve(client, upstream, &s));
        }
    });
    (addr, st)
}

fn with(c: Cmd, vars: &[(&'static str, String)]) -> Cmd {
    vars.iter().fold(c, |c, (k, v)| c.env(k, v))
}

#[test]
fn the_s3_server_killed_mid_upload_behind_stalls_and_errors_loses_nothing_acknowledged() {
    let server = OwnServer::start();
    let env = Env::new();
    env.init();
    env.k(&["sample"]).run().ok();
    // A few 16 MiB packs, so that uploads are large and the held one is a real pack.
    let big: Vec<u8> = (0..40u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    env.add(&[env.input("video.bin", &big)]);
    let url = "s3://khronika-test/killed-server";
    let direct = server.env(server.addr());
    with(env.k(&["mirror", "add", "office-s3", url]), &direct)
        .run()
        .ok();

    let (paddr, st) = proxy(
        server.addr(),
        Faults {
            stall: 2,
            fail: 4,
            hold: 7,
        },
    );
    let sync = with(
        env.k(&["--json", "sync", "--wait", "--timeout", "300"]),
        &server.env(paddr),
    )
    .spawn();

    // Wait (bounded) until the proxy holds the 7th PUT, half sent.
    {
        let g = st.gate.lock().unwrap();
        let (g, t) = st
            .cv
            .wait_timeout_while(g, Duration::from_secs(240), |g| *g != Gate::Held)
            .unwrap();
        assert!(!t.timed_out(), "the sync never reached its 7th upload");
        drop(g);
    }
    // What the server has acknowledged so far.
    let b = server.backend(url);
    let acknowledged: Vec<(String, Vec<u8>)> = b
        .list("")
        .unwrap()
        .into_iter()
        .map(|p| {
            let bytes = b.read(&ObjectPath::parse(&p).unwrap().0).unwrap();
            (p, bytes)
        })
        .collect();
    assert!(
        acknowledged.len() >= 4,
        "only {} object(s) before the kill",
        acknowledged.len()
    );
    server.run("kill");
    {
        let mut g = st.gate.lock().unwrap();
        *g = Gate::Released;
        st.cv.notify_all();
        // The sync tries again and finds the server down before it comes back.
        let (_g, t) = st
            .cv
            .wait_timeout_while(g, Duration::from_secs(120), |_| {
                st.refused.load(Ordering::SeqCst) == 0
            })
            .unwrap();
        assert!(!t.timed_out(), "the sync never tried the dead server");
    }
    server.run("start");

    let out = sync.wait();
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["safe_on"], 1, "{out:?}");
    assert_eq!(j["results"][0]["pending"], 0, "{out:?}");
    assert_eq!(
        st.stalled.load(Ordering::SeqCst),
        1,
        "the stall was not hit"
    );
    assert_eq!(st.failed.load(Ordering::SeqCst), 1, "the 503 was not hit");
    assert!(st.refused.load(Ordering::SeqCst) >= 1);

    // Every object acknowledged before the kill is still there, byte for byte.
    let b = server.backend(url);
    let after: BTreeSet<String> = b.list("").unwrap().into_iter().collect();
    for (p, bytes) in &acknowledged {
        assert!(after.contains(p), "{p} was acknowledged, then lost");
        assert_eq!(
            &b.read(&ObjectPath::parse(p).unwrap().0).unwrap(),
            bytes,
            "{p}"
        );
    }
    assert!(after.len() > acknowledged.len());
    // The mirror verifies and holds everything: nothing left to send.
    with(env.k(&["mirror", "verify", "office-s3"]), &direct)
        .run()
        .ok();
    let out = with(env.k(&["--json", "sync"]), &direct).run().ok();
    let r = &out.json()["results"][0];
    assert_eq!(
        (r["sent"].as_u64(), r["pending"].as_u64()),
        (Some(0), Some(0)),
        "{out:?}"
    );
}
