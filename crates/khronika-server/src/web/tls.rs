//! TLS for `khronika serve` on an address other than loopback: a certificate chain and a
//! private key in PEM files (the key file must not be readable by other users), rustls with
//! its default (aws-lc-rs) provider, TLS 1.2 and 1.3 only.
//!
//! Handshakes run on their own tasks with a time limit, so a client that stalls one cannot hold
//! up other connections.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::WebError;

/// How long a client may take for its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// The certificate and key files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain (PEM), the server's own certificate first.
    pub cert: PathBuf,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

fn refuse(what: String) -> WebError {
    WebError::web_code("tls", what)
}

/// Refuse a key file that others can read (as for passphrase files).
fn check_private(path: &Path) -> Result<(), WebError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| refuse(format!("cannot read the TLS key {}: {e}", path.display())))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(refuse(format!(
                "the TLS key {} can be read by other users; run `chmod 600 {}` first",
                path.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

/// The rustls configuration from the files, with a message that says what to fix.
pub fn server_config(files: &TlsFiles) -> Result<rustls::ServerConfig, WebError> {
    check_private(&files.key)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| {
            refuse(format!(
                "cannot read the TLS certificate {}: {e}",
                files.cert.display()
            ))
        })?
        .collect::<Result<_, _>>()
        .map_err(|e| {
            refuse(format!(
                "the TLS certificate {} is not PEM: {e}",
                files.cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(refuse(format!(
            "{} holds no certificate (expected PEM `-----BEGIN CERTIFICATE-----`)",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| {
        refuse(format!(
            "the TLS key {} is not a PEM private key: {e}",
            files.key.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refuse(format!("TLS cannot be set up: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            refuse(format!(
                "the TLS certificate and key do not go together: {e}"
            ))
        })
}

/// A listener that hands axum finished TLS connections.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<tokio::net::TcpStream>, SocketAddr)>,
}

impl TlsListener {
    /// Accept on `tcp`, handshaking with `config`.
    pub fn new(tcp: TcpListener, config: rustls::ServerConfig) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let Ok((stream, addr)) = tcp.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await
                    {
                        let _ = tx.send((tls, addr)).await;
                    }
                });
            }
        });
        Ok(TlsListener { local, ready })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if let Some(conn) = self.ready.recv().await {
                return conn;
            }
            // The accepting task never ends while the listener lives; wait rather than spin.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
