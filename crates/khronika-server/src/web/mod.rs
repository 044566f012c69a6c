//! The web application for people: server-rendered pages that work with JavaScript disabled.
//!
//! - [`routes`]: every route with who may use it ([`Access`]); the router is built from this
//!   one table, so a route cannot exist without an access rule, and the access-control tests
//!   walk the same table.
//! - [`guard`]: the one middleware that applies the table: finds the session, refuses what the
//!   member's role does not allow (decided by the app, [`khronika_app::access`]), checks the
//!   CSRF token of every state change.
//! - [`sessions`]: logins (at most two key derivations at once, at most 100 failures an hour
//!   per member code), sessions that hold the member's key in memory until logout or expiry.
//! - [`headers`]: security headers and `Cache-Control: no-store` on every response.
//! - [`i18n`]: English and Russian, dates and numbers per language.
//! - [`pages`]: handlers: parse, call the app layer, render a template.
//!
//! The vault is opened per session: each logged-in member has their own
//! [`UnlockedVault`](khronika_app::UnlockedVault). Changes are serialised by one lock. Before
//! each request a session compares the newest checkpoint of every device log on disk with the
//! ones its vault was loaded at, and unlocks again (from its key, without the passphrase) if
//! any log grew, so every member sees every change, the CLI's included.

pub mod admin;
pub mod edit;
pub mod entities;
pub mod error;
pub mod evidence;
pub mod forms;
pub mod guard;
pub mod headers;
pub mod i18n;
pub mod pages;
pub mod routes;
pub mod search;
pub mod sessions;
pub mod tls;
pub mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use khronika_app::LockedVault;
use khronika_backends::Fs;
use khronika_crypto::kdf::Argon2Params;

pub use error::WebError;
pub use routes::{Access, ROUTES, RouteSpec};

/// Device → newest checkpoint size.
pub type Fingerprint = std::collections::BTreeMap<String, u64>;

/// How `khronika serve` runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The vault folder (created by the first-start page if absent).
    pub vault: PathBuf,
    /// Where to listen. Anything but a loopback address needs TLS.
    pub listen: SocketAddr,
    /// Key derivation parameters for a vault created by the first-start page.
    pub kdf: Argon2Params,
    /// A session ends after this long without a request.
    pub idle: Duration,
    /// A session ends this long after login, whatever happens.
    pub lifetime: Duration,
    /// The largest evidence upload accepted, in bytes.
    pub max_upload: u64,
    /// How often to send the mirrors what they lack (`None`: never in the background).
    pub sync_every: Option<Duration>,
    /// TLS certificate and key; required for any address but loopback.
    pub tls: Option<tls::TlsFiles>,
}

impl WebConfig {
    /// The defaults: loopback port 8470, 30 minutes idle, 12 hours at most, 2 GiB uploads.
    pub fn new(vault: PathBuf) -> Self {
        Self {
            vault,
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            kdf: Argon2Params::recommended(),
            idle: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 3600),
            max_upload: 2 << 30,
            sync_every: Some(Duration::from_secs(60)),
            tls: None,
        }
    }
}

/// The state every request shares.
pub struct Web {
    /// The configuration.
    pub config: WebConfig,
    fs: Arc<dyn Fs>,
    /// The vault, once it exists.
    vault: Mutex<Option<LockedVault>>,
    /// The one-time setup token while there is no vault (printed on the console).
    setup_token: Mutex<Option<String>>,
    /// Logins and sessions.
    pub sessions: sessions::Sessions,
    /// Held by every change, so that changes from different sessions never interleave.
    write_lock: tokio::sync::Mutex<()>,
    /// The last background sync: when (ms since 1970) and what it said.
    last_sync: Mutex<Option<(i64, Result<String, String>)>>,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Web")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Web {
    /// Open the vault in `config.vault` if there is one; if there is none, make a setup token
    /// (returned, for the console) that the first-start page asks for.
    pub fn new(config: WebConfig, fs: Arc<dyn Fs>) -> Result<(Arc<Web>, Option<String>), WebError> {
        let (vault, token) = match LockedVault::open(fs.clone(), &config.vault) {
            Ok(v) => (Some(v), None),
            Err(e)
                if e.code == khronika_app::ErrorCode::NotAVault
                    && is_empty_or_absent(fs.as_ref(), &config.vault) =>
            {
                (None, Some(sessions::random_token()?))
            }
            Err(e) => return Err(e.into()),
        };
        let web = Web {
            sessions: sessions::Sessions::new(config.idle, config.lifetime),
            config,
            fs,
            vault: Mutex::new(vault),
            setup_token: Mutex::new(token.clone()),
            write_lock: tokio::sync::Mutex::new(()),
            last_sync: Mutex::new(None),
        };
        Ok((Arc::new(web), token))
    }

    /// The vault, if it exists yet.
    pub fn locked(&self) -> Option<LockedVault> {
        self.vault.lock().ok().and_then(|v| v.clone())
    }

    /// The newest checkpoint size of every device log on disk: what a session's vault is
    /// compared with before each request.
    pub fn fingerprint(&self) -> Result<Fingerprint, WebError> {
        let locked = self
            .locked()
            .ok_or_else(|| WebError::web_code("no-vault", "there is no vault yet; open /setup"))?;
        let io = |e: khronika_store::BackendError| {
            WebError::web_code("io", format!("cannot read the vault's logs: {e}"))
        };
        // Only each log's checkpoint folder is listed: this runs before every request, and a
        // log's bundles and tiles grow without bound.
        let backend = locked.backend();
        let mut out = Fingerprint::new();
        for d in khronika_store::log::list_devices(backend).map_err(io)? {
            let newest = backend
                .list(&khronika_store::ObjectPath::checkpoint_prefix(&d))
                .map_err(io)?
                .iter()
                .filter_map(|p| match khronika_store::ObjectPath::parse(p)?.1 {
                    khronika_store::path::PathKind::Checkpoint { size, .. } => Some(size),
                    _ => None,
                })
                .max();
            if let Some(size) = newest {
                out.insert(d.to_hex(), size);
            }
        }
        Ok(out)
    }
}

fn is_empty_or_absent(fs: &dyn Fs, dir: &std::path::Path) -> bool {
    match fs.kind(dir) {
        Ok(None) => true,
        Ok(Some(khronika_backends::EntryKind::Dir)) => fs.list_dir(dir).is_ok_and(|l| l.is_empty()),
        _ => false,
    }
}

/// Whether `addr` may be served without TLS: loopback only (an onion service forwards to
/// loopback, so it is served this way too).
pub fn plain_http_allowed(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Serve the web application until the process ends. `bound` is told the address actually
/// bound (port 0 picks a free one). A non-loopback address is refused without TLS (give a
/// certificate and key, or put an onion service or a TLS proxy in front of a loopback address).
pub fn serve(web: Arc<Web>, bound: impl FnOnce(SocketAddr)) -> Result<(), WebError> {
    let addr = web.config.listen;
    if web.config.tls.is_none() && !plain_http_allowed(&addr) {
        return Err(WebError::refuse_address(addr));
    }
    // Checked before binding, so that a bad certificate is reported at once.
    let tls = web
        .config
        .tls
        .as_ref()
        .map(tls::server_config)
        .transpose()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| WebError::io("starting the server", e))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| WebError::io("binding the address", e))?;
        let local = listener
            .local_addr()
            .map_err(|e| WebError::io("reading the bound address", e))?;
        let sweeper = web.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(crate::api::auth::FLUSH_EVERY).await;
                sweeper.flush_all_token_uses().await;
                sweeper.sessions.sweep();
            }
        });
        if let Some(every) = web.config.sync_every {
            let syncer = web.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    syncer.sync_now().await;
                }
            });
        }
        let app = routes::router(web);
        match tls {
            Some(config) => {
                let listener = tls::TlsListener::new(listener, config)
                    .map_err(|e| WebError::io("starting TLS", e))?;
                bound(local);
                axum::serve(listener, app)
                    .await
                    .map_err(|e| WebError::io("serving", e))
            }
            None => {
                bound(local);
                axum::serve(listener, app)
                    .await
                    .map_err(|e| WebError::io("serving", e))
            }
        }
    })
}

impl Web {
    /// Run `f` on the session's vault (brought up to date first) on a blocking thread.
    pub async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        session: &Arc<sessions::Session>,
        f: impl FnOnce(&mut khronika_app::UnlockedVault) -> Result<T, khronika_app::AppError>
        + Send
        + 'static,
    ) -> Result<T, WebError> {
        let (web, session) = (self.clone(), session.clone());
        blocking(move || {
            let mut guard = session.vault.lock().map_err(|_| busy())?;
            web.refresh(&session, &mut guard)?;
            Ok(f(&mut guard.0)?)
        })
        .await
    }

    /// Run the change `f` on the session's vault: one change at a time across all sessions,
    /// on an up-to-date vault; every other session loads the vault again before its next
    /// request.
    pub async fn write<T: Send + 'static>(
        self: &Arc<Self>,
        session: &Arc<sessions::Session>,
        f: impl FnOnce(&mut khronika_app::UnlockedVault) -> Result<T, khronika_app::AppError>
        + Send
        + 'static,
    ) -> Result<T, WebError> {
        let _turn = self.write_lock.lock().await;
        let (web, session) = (self.clone(), session.clone());
        blocking(move || {
            let mut guard = session.vault.lock().map_err(|_| busy())?;
            web.refresh(&session, &mut guard)?;
            let out = f(&mut guard.0);
            // Taken even on failure: a failed change may have committed part of its work.
            // (A change by another process between `f` and this line is seen only at the
            // next change; `khronika` commands that write should not run beside `serve`.)
            guard.1 = web.fingerprint()?;
            Ok(out?)
        })
        .await
    }

    /// Load the session's vault again if a log grew since it was loaded. The fingerprint is
    /// taken before the load, so the vault is never older than the fingerprint it keeps.
    fn refresh(
        &self,
        session: &sessions::Session,
        slot: &mut (khronika_app::UnlockedVault, Fingerprint),
    ) -> Result<(), WebError> {
        let now = self.fingerprint()?;
        if slot.1 != now {
            let locked = self
                .locked()
                .ok_or_else(|| WebError::web_code("no-vault", "the vault is gone"))?;
            slot.0 = session.key.unlock(locked)?;
            slot.1 = now;
        }
        Ok(())
    }
}

impl Web {
    /// Send every mirror what it lacks, through the vault of a logged-in member (the mirror
    /// settings are sealed; with nobody logged in there are no keys, and nothing is sent).
    /// Returns whether a sync ran.
    pub async fn sync_now(self: &Arc<Self>) -> bool {
        let Some(session) = self.sessions.any() else {
            return false;
        };
        let outcome = self
            .read(&session, |v| {
                let (config, _) = v.mirror_config()?;
                let mut pending = 0;
                let mut failed = Vec::new();
                for m in &config.mirrors {
                    match v.sync_mirror(&m.name, &mut |_| {}, &mut |_| {}) {
                        Ok(o) => pending += o.pending,
                        Err(e) => failed.push(format!("{}: {}", m.name, e.message)),
                    }
                }
                Ok((config.mirrors.len(), pending, failed))
            })
            .await;
        let said = match outcome {
            Ok((_, _, failed)) if !failed.is_empty() => Err(failed.join("; ")),
            Ok((n, pending, _)) => Ok(format!("{n} mirror(s), {pending} object(s) pending")),
            Err(e) => Err(e.message),
        };
        if let Ok(mut last) = self.last_sync.lock() {
            *last = Some((khronika_app::time::now_ms(), said));
        }
        true
    }

    /// The last background sync: when, and what it said.
    pub fn last_sync(&self) -> Option<(i64, Result<String, String>)> {
        self.last_sync.lock().ok().and_then(|l| l.clone())
    }
}

fn busy() -> WebError {
    WebError::web_code(
        "busy",
        "this session is unusable after an error; log in again",
    )
}

/// Run blocking work (key derivation, vault IO) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| WebError::web_code("io", "a task of the server stopped unexpectedly"))?
}
