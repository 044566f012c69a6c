//! TLS: any address but loopback needs a certificate and key; over TLS the pages are served
//! with the same headers; bad certificate files are refused with what to fix.

// Test fixtures (a certificate, keys) are written straight to a temporary folder.
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use khronika_backends::OsFs;
use khronika_server::web::tls::TlsFiles;
use khronika_server::web::{Web, WebConfig};

fn write_private(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn config(dir: &std::path::Path, listen: &str, tls: Option<TlsFiles>) -> WebConfig {
    let mut c = WebConfig::new(dir.join("vault"));
    c.listen = listen.parse().unwrap();
    c.tls = tls;
    c.sync_every = None;
    c
}

#[test]
fn other_addresses_need_tls_and_tls_serves_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    // Without TLS, only loopback.
    let (web, _) = Web::new(config(dir.path(), "0.0.0.0:0", None), Arc::new(OsFs)).unwrap();
    let e = khronika_server::web::serve(web, |_| panic!("must not bind")).unwrap_err();
    assert!(e.message.contains("without TLS"), "{e}");

    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    write_private(&key, &ck.signing_key.serialize_pem());

    // Bad files: a key others can read, a certificate that is not one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let open = dir.path().join("open-key.pem");
        std::fs::write(&open, ck.signing_key.serialize_pem()).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        let files = TlsFiles {
            cert: cert.clone(),
            key: open,
        };
        let (web, _) = Web::new(
            config(dir.path(), "127.0.0.1:0", Some(files)),
            Arc::new(OsFs),
        )
        .unwrap();
        let e = khronika_server::web::serve(web, |_| panic!("must not bind")).unwrap_err();
        assert!(e.message.contains("chmod 600"), "{e}");
    }
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let files = TlsFiles {
        cert: junk,
        key: key.clone(),
    };
    let (web, _) = Web::new(
        config(dir.path(), "127.0.0.1:0", Some(files)),
        Arc::new(OsFs),
    )
    .unwrap();
    let e = khronika_server::web::serve(web, |_| panic!("must not bind")).unwrap_err();
    assert!(e.message.contains("no certificate"), "{e}");

    // A real one: the first-start page over TLS, with its headers.
    let files = TlsFiles { cert, key };
    let (web, token) = Web::new(
        config(dir.path(), "127.0.0.1:0", Some(files)),
        Arc::new(OsFs),
    )
    .unwrap();
    assert!(token.is_some());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = khronika_server::web::serve(web, |addr| tx.send(addr).unwrap());
    });
    let addr = rx.recv_timeout(Duration::from_secs(20)).unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(ck.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(client), name).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /setup HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("content-security-policy: default-src 'none'"),
        "{text}"
    );
    assert!(text.contains("name=\"token\""), "{text}");

    // Plain HTTP to the TLS port gets no page.
    let mut plain = TcpStream::connect(addr).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    plain
        .write_all(b"GET /setup HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let _ = plain.read_to_end(&mut got);
    assert!(!String::from_utf8_lossy(&got).contains("HTTP/1.1 200"));
}
