//! Logins and sessions.
//!
//! - A login opens the member's key slot (one Argon2id derivation, 64 MiB). At most two
//!   derivations run at once; more wait for a turn.
//! - At most 100 failed logins an hour per member code: the 101st is refused without trying.
//!   Codes that belong to no member are counted the same way, and cost the same derivation,
//!   so neither the answer nor its timing tells whether an account exists.
//! - A session is a random 256-bit token in a `__Host-` cookie; the server keeps only its
//!   SHA-256. The session holds the member's key and their unlocked vault in memory; logout,
//!   30 minutes without a request, or 12 hours after login forget both.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use khronika_app::tokens::{TokenKey, TokenUse};
use khronika_app::{AppError, LockedVault, MemberKey, UnlockedVault};
use khronika_crypto::hash::{sha256, to_hex};
use khronika_crypto::{Entropy, OsEntropy};

use super::WebError;

/// Failed logins an hour allowed per member code.
pub const MAX_FAILURES_PER_HOUR: usize = 100;
/// Key derivations allowed to run at once.
pub const MAX_KDFS: usize = 2;
/// Member codes tracked for failures at most (the oldest are forgotten first).
const MAX_TRACKED: usize = 100_000;

/// 256 random bits, hex.
pub fn random_token() -> Result<String, WebError> {
    let mut b = [0u8; 32];
    OsEntropy
        .fill(&mut b)
        .map_err(|e| WebError::web_code("io", format!("the system's randomness failed: {e}")))?;
    Ok(to_hex(&b))
}

/// Compare two secrets in time that depends only on their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What unlocks a session's vault again (after another member's change): a logged-in
/// member's key, or a script's token.
pub enum SessionKey {
    /// A member who logged in with their passphrase.
    Member(MemberKey),
    /// A script with a token: the vault is limited to the token's scope.
    Token(TokenKey),
}

impl SessionKey {
    /// Unlock the vault with this key.
    pub fn unlock(&self, locked: LockedVault) -> Result<UnlockedVault, AppError> {
        match self {
            SessionKey::Member(k) => locked.unlock_key(k),
            SessionKey::Token(k) => locked.unlock_token(k),
        }
    }

    /// Whose key it is.
    pub fn member(&self) -> khronika_store::MemberId {
        match self {
            SessionKey::Member(k) => k.member(),
            SessionKey::Token(k) => k.member(),
        }
    }
}

/// One logged-in member, or one token in use.
pub struct Session {
    /// What unlocks the vault again.
    pub key: SessionKey,
    /// The member's vault and the log sizes it was loaded at.
    pub vault: Mutex<(UnlockedVault, super::Fingerprint)>,
    /// The token every form of this session carries.
    pub csrf: String,
    /// What the member may do, as of their last request: bit `i` is `Action::ALL[i]`. For
    /// the navigation only; every route is decided by the app on its own.
    pub allowed: std::sync::atomic::AtomicU8,
    /// A token's uses not yet written to its member's activity log.
    pub uses: Mutex<Vec<TokenUse>>,
    created: Instant,
    last_seen: Mutex<Instant>,
}

impl Session {
    /// A session with `key` and the vault it unlocked (loaded at `loaded_at`).
    pub fn new(
        key: SessionKey,
        vault: UnlockedVault,
        loaded_at: super::Fingerprint,
    ) -> Result<Session, WebError> {
        Ok(Session {
            key,
            vault: Mutex::new((vault, loaded_at)),
            csrf: random_token()?,
            allowed: std::sync::atomic::AtomicU8::new(0),
            uses: Mutex::new(Vec::new()),
            created: Instant::now(),
            last_seen: Mutex::new(Instant::now()),
        })
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("member", &self.key.member())
            .field("token", &matches!(self.key, SessionKey::Token(_)))
            .finish_non_exhaustive()
    }
}

/// Sessions and login attempts.
#[derive(Debug)]
pub struct Sessions {
    idle: Duration,
    lifetime: Duration,
    /// SHA-256 of the cookie token (hex) → session.
    live: Mutex<HashMap<String, Arc<Session>>>,
    /// SHA-256 of a token (hex) → its session: the token's vault, kept between requests.
    tokens: Mutex<HashMap<String, Arc<Session>>>,
    /// Member code → times of failed logins within the last hour, oldest first.
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Turns for key derivations.
    pub kdf: tokio::sync::Semaphore,
}

impl Sessions {
    /// No sessions yet.
    pub fn new(idle: Duration, lifetime: Duration) -> Self {
        Self {
            idle,
            lifetime,
            live: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            kdf: tokio::sync::Semaphore::new(MAX_KDFS),
        }
    }

    /// Start a session; returns the cookie token.
    pub fn start(
        &self,
        key: MemberKey,
        vault: UnlockedVault,
        loaded_at: super::Fingerprint,
    ) -> Result<String, WebError> {
        let token = random_token()?;
        let session = Session::new(SessionKey::Member(key), vault, loaded_at)?;
        self.live
            .lock()
            .map_err(|_| poisoned())?
            .insert(token_id(&token), Arc::new(session));
        Ok(token)
    }

    /// The live session of a cookie token, if it has not expired (and note the request).
    pub fn find(&self, token: &str) -> Option<Arc<Session>> {
        self.touch(&self.live, &token_id(token))
    }

    /// The session under `key` in `map` if it has not expired (then noted as used now);
    /// an expired one is forgotten.
    fn touch(&self, map: &Mutex<HashMap<String, Arc<Session>>>, key: &str) -> Option<Arc<Session>> {
        let mut sessions = map.lock().ok()?;
        let s = sessions.get(key)?.clone();
        let now = Instant::now();
        let mut seen = s.last_seen.lock().ok()?;
        if self.expired(&s, *seen, now) {
            drop(seen);
            sessions.remove(key);
            return None;
        }
        *seen = now;
        drop(seen);
        Some(s)
    }

    fn expired(&self, s: &Session, seen: Instant, now: Instant) -> bool {
        now.duration_since(seen) >= self.idle || now.duration_since(s.created) >= self.lifetime
    }

    /// End a session (logout): its key and vault are dropped (and zeroized) once no request
    /// holds them.
    pub fn end(&self, token: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&token_id(token));
        }
    }

    /// End every session (the panic button), tokens' included.
    pub fn end_all(&self) {
        if let Ok(mut live) = self.live.lock() {
            live.clear();
        }
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.clear();
        }
    }

    /// The session of a token (by the token's SHA-256), if one is live (and note the
    /// request).
    pub fn token(&self, hash: &str) -> Option<Arc<Session>> {
        self.touch(&self.tokens, hash)
    }

    /// Keep a token's session.
    pub fn keep_token(&self, hash: String, session: Arc<Session>) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(hash, session);
        }
    }

    /// Forget a token's session (it was revoked).
    pub fn drop_token(&self, hash: &str) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.remove(hash);
        }
    }

    /// Every token session, for writing their uses.
    pub fn token_sessions(&self) -> Vec<Arc<Session>> {
        self.tokens
            .lock()
            .map(|t| t.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Forget expired sessions and old failures.
    pub fn sweep(&self) {
        let now = Instant::now();
        for map in [&self.live, &self.tokens] {
            if let Ok(mut m) = map.lock() {
                m.retain(|_, s| {
                    let seen = s.last_seen.lock().map(|t| *t).unwrap_or(s.created);
                    !self.expired(s, seen, now)
                });
            }
        }
        if let Ok(mut f) = self.failures.lock() {
            f.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
    }

    /// Some live session (the most recently used), for work done in the background.
    pub fn any(&self) -> Option<Arc<Session>> {
        let live = self.live.lock().ok()?;
        live.values()
            .filter_map(|s| Some((*s.last_seen.lock().ok()?, s)))
            .max_by_key(|(t, _)| *t)
            .map(|(_, s)| s.clone())
    }

    /// How many sessions are live.
    pub fn count(&self) -> usize {
        self.live.lock().map_or(0, |l| l.len())
    }

    /// Refuse a login for `code` that would be the 101st failure within an hour.
    pub fn check_attempts(&self, code: &str) -> Result<(), WebError> {
        let now = Instant::now();
        let mut f = self.failures.lock().map_err(|_| poisoned())?;
        if let Some(times) = f.get_mut(&normalise(code)) {
            prune(times, now);
            if times.len() >= MAX_FAILURES_PER_HOUR {
                return Err(WebError::web_code(
                    "too-many-attempts",
                    "too many failed logins for this member code in the last hour; wait an hour, or ask an administrator",
                ));
            }
        }
        Ok(())
    }

    /// Count a failed login for `code`.
    pub fn failed(&self, code: &str) {
        let Ok(mut f) = self.failures.lock() else {
            return;
        };
        if f.len() >= MAX_TRACKED && !f.contains_key(&normalise(code)) {
            // Forget the code whose newest failure is oldest.
            if let Some(oldest) = f
                .iter()
                .min_by_key(|(_, t)| t.back().copied())
                .map(|(k, _)| k.clone())
            {
                f.remove(&oldest);
            }
        }
        f.entry(normalise(code))
            .or_default()
            .push_back(Instant::now());
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(3600))
    {
        times.pop_front();
    }
}

fn normalise(code: &str) -> String {
    let mut c: String = code.trim().to_lowercase().chars().take(64).collect();
    c.shrink_to_fit();
    c
}

fn token_id(token: &str) -> String {
    to_hex(&sha256(token.as_bytes()))
}

fn poisoned() -> WebError {
    WebError::web_code(
        "io",
        "the session table is unusable; restart `khronika serve`",
    )
}
