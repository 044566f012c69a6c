//! Mirrors: where a node's objects are copied so that a lost, seized or burned device can be
//! rebuilt, and the replication itself (`sync`, `mirror verify`, `restore`).
//!
//! - A mirror is an S3 bucket (`s3://BUCKET/PREFIX`, [`khronika_backends::S3Backend`]), a
//!   directory (`/path` or `file:///path`, a [`LocalBackend`] on it), or a witness node
//!   (`https://HOST[/PREFIX]`, [`HttpBackend`], writes with a sealed bearer token). It holds
//!   `objects/`, `log/` and `node/<device>/` (this node's marker and key slots, ciphertext
//!   under the member's passphrase, so that a restore needs only the passphrase). A witness
//!   node never takes the passphrase slot: a restore from it needs the recovery key.
//! - The list of mirrors is device-local and sealed: `keys/mirrors-<generation>.sealed`
//!   (docs/FORMATS.md §24), under a key derived from the device key's seed. A panic erase of
//!   `keys/` takes it too. Each change writes a new generation, create-only, and removes the
//!   older ones.
//! - [`plan`] lists both sides and returns what the mirror lacks, in an order that keeps the
//!   mirror verifiable at every point: content-addressed objects first, then per device log
//!   the entry bundles, hash tiles, checkpoints (newest first) and cosignatures, then the node
//!   files. [`push`]
//!   sends them, each as one create-only write; an interrupted push leaves a mirror that
//!   verifies, and the next one sends only what did not arrive.
//! - [`check_mirror`] is the keyless verification of the mirror plus what only this vault
//!   knows: every checkpoint the mirror shares with the vault must be the same, and no log may
//!   be shorter than what the mirror acknowledged at the last sync (a rollback).
//! - [`restore`] verifies each mirror given, picks the one with the newest consistent
//!   checkpoints, reports the others, copies it into a new vault folder and opens it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use khronika_backends::http::{HttpError, check_token, parse_http_url};
use khronika_backends::s3::{
    OverwriteProbe, S3Config, S3Error, S3Settings, SecretString, parse_s3_url,
};
use khronika_backends::{EntryKind, Fs, HttpBackend, LocalBackend, S3Backend};
use khronika_crypto::aead::{self, AssociatedData};
use khronika_crypto::hash::{sha256, to_hex};
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::wrap::RecoveryKey;
use khronika_crypto::{Entropy, Key32, OsEntropy, Passphrase, kdf};
use khronika_store::keys::kind;
use khronika_store::log::{list_devices, list_log};
use khronika_store::path::PathKind;
use khronika_store::verify::{Problem, Report};
use khronika_store::{Backend, BackendError, DeviceId, ObjectPath, Stored};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorCode, io_error};
use crate::layout::{self, KEYS_DIR, MARKER, Marker};
use crate::vault::{LockedVault, UnlockedVault};

/// Magic bytes of the sealed mirror list.
pub const CONFIG_MAGIC: &[u8; 8] = b"KHRNMIRR";
/// Key derivation context of the mirror list's key (from the device key's seed).
pub const CONFIG_KEY_CONTEXT: &str = "khronika 2026-11 mirror config v1";
/// File name prefix of the sealed mirror list in `keys/`.
const CONFIG_PREFIX: &str = "mirrors-";
const CONFIG_SUFFIX: &str = ".sealed";
/// Where probe objects of `mirror add` go (outside `objects/`, `log/` and `node/`).
const PROBE_DIR: &str = "khronika-probe";

/// The JSON format version of the mirror list that this code writes (FORMATS §24.2). Versions
/// 1 (no `s3` settings) and 2 (no `http` settings) are read and migrated: written as version 3
/// at the next change.
pub const CONFIG_VERSION: u32 = 3;

/// An S3 secret in the sealed mirror list: serialized as its string, never `Debug`-printed,
/// zeroized on drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecret(pub SecretString);

impl Serialize for SealedSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose())
    }
}

impl<'de> Deserialize<'de> for SealedSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut s = String::deserialize(d)?;
        let out = SealedSecret(SecretString::new(s.clone()));
        zeroize::Zeroize::zeroize(&mut s);
        Ok(out)
    }
}

/// An S3 mirror's own settings, sealed in the mirror list (FORMATS §24.2, version 2). What is
/// set here wins over the AWS environment variables for this mirror.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorS3 {
    /// The access key id (with `secret_access_key`, or neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// The secret access key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<SealedSecret>,
    /// The endpoint URL (`https://s3.example.org`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl MirrorS3 {
    /// Check the settings: credentials whole, an http(s) endpoint, a plausible region.
    pub fn check(&self) -> Result<(), AppError> {
        let usage = |m: String| Err(AppError::new(ErrorCode::Usage, m));
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => {
                if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
                    return usage(format!(
                        "`{id}` is not an access key id: give the id your store issued (letters and digits, e.g. AKIAIOSFODNN7EXAMPLE)"
                    ));
                }
                if secret.0.expose().is_empty() || secret.0.expose().len() > 256 {
                    return usage(
                        "the secret access key is empty or longer than 256 characters; give the secret your store issued with the key id".into(),
                    );
                }
            }
            (None, None) => {}
            (Some(_), None) => {
                return usage("an access key id needs its secret access key".into());
            }
            (None, Some(_)) => {
                return usage("a secret access key needs its --access-key-id".into());
            }
        }
        if let Some(e) = &self.endpoint {
            let ok = (e.starts_with("https://") || e.starts_with("http://"))
                && e.len() <= 256
                && e.len() > e.find("//").map_or(0, |i| i + 2)
                && e.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return usage(format!(
                    "`{e}` is not an endpoint: give the store's address as https://HOST[:PORT]"
                ));
            }
        }
        if let Some(r) = &self.region {
            let ok = (1..=64).contains(&r.len())
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return usage(format!(
                    "`{r}` is not a region: use lower-case letters, digits and dashes (us-east-1, eu-central-1, garage)"
                ));
            }
        }
        Ok(())
    }

    /// True if nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &MirrorS3::default()
    }

    fn settings(&self) -> S3Settings {
        S3Settings {
            credentials: match (&self.access_key_id, &self.secret_access_key) {
                (Some(id), Some(s)) => Some((id.clone(), s.0.clone())),
                _ => None,
            },
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
        }
    }
}

/// A witness node mirror's own settings, sealed in the mirror list (FORMATS §24.2, version 3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorHttp {
    /// The bearer token the node was started with; it lets this device create objects there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<SealedSecret>,
}

impl MirrorHttp {
    /// Check the settings: a token of the form the node accepts.
    pub fn check(&self) -> Result<(), AppError> {
        match &self.token {
            Some(t) => check_token(t.0.expose()).map_err(http_error),
            None => Ok(()),
        }
    }
}

fn http_error(e: HttpError) -> AppError {
    AppError::new(ErrorCode::Usage, e.to_string())
}

/// One configured mirror.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorEntry {
    /// A short name, e.g. `office-s3`.
    pub name: String,
    /// `s3://BUCKET/PREFIX` or an absolute directory path.
    pub url: String,
    /// When it was added (ms since the epoch).
    pub added_ms: i64,
    /// Per device (hex), the newest checkpoint size the mirror held after the last good sync.
    #[serde(default)]
    pub acked: BTreeMap<String, u64>,
    /// When the last sync finished with nothing pending (ms since the epoch).
    #[serde(default)]
    pub last_sync_ms: Option<i64>,
    /// What went wrong at the last attempt, if it failed.
    #[serde(default)]
    pub last_error: Option<String>,
    /// An S3 mirror's own endpoint, region and credentials (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<MirrorS3>,
    /// A witness node mirror's write token (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<MirrorHttp>,
}

/// The node's mirror list (the plaintext of the sealed config).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorConfig {
    /// Format version of the JSON: 1.
    pub v: u32,
    /// The mirrors, in the order they were added.
    pub mirrors: Vec<MirrorEntry>,
}

/// A parsed mirror location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorUrl {
    /// An S3 bucket and prefix, normalised as `s3://BUCKET[/PREFIX]`.
    S3(String),
    /// A directory (absolute).
    Dir(PathBuf),
    /// A witness node, normalised as `https://HOST[:PORT][/PREFIX]` (or `http://` on loopback).
    Http(String),
}

impl MirrorUrl {
    /// Parse `s3://BUCKET/PREFIX`, `file:///path` or a directory path.
    pub fn parse(s: &str) -> Result<MirrorUrl, AppError> {
        let s = s.trim();
        let bad = |why: &str| {
            AppError::new(
                ErrorCode::Usage,
                format!(
                    "`{s}` is not a mirror location: {why}. Give s3://BUCKET/PREFIX, https://WITNESS-NODE or a folder (a path or file:///path)"
                ),
            )
        };
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s.starts_with("s3://") {
            let (bucket, prefix) =
                parse_s3_url(s).map_err(|e| AppError::new(ErrorCode::Usage, e.to_string()))?;
            return Ok(MirrorUrl::S3(if prefix.is_empty() {
                format!("s3://{bucket}")
            } else {
                format!("s3://{bucket}/{prefix}")
            }));
        }
        if s.starts_with("https://") || s.starts_with("http://") {
            return parse_http_url(s).map(MirrorUrl::Http).map_err(http_error);
        }
        let path = if let Some(p) = s.strip_prefix("file://") {
            if !p.starts_with('/') {
                return Err(bad(
                    "a file:// URL needs an absolute path (file:///media/usb/mirror)",
                ));
            }
            PathBuf::from(p)
        } else if s.contains("://") {
            return Err(bad(
                "only s3://, https:// and file:// mirrors are supported",
            ));
        } else {
            PathBuf::from(s)
        };
        let abs = std::path::absolute(&path).map_err(|e| bad(&e.to_string()))?;
        Ok(MirrorUrl::Dir(abs))
    }

    /// The normalised text form.
    pub fn as_string(&self) -> String {
        match self {
            MirrorUrl::S3(u) | MirrorUrl::Http(u) => u.clone(),
            MirrorUrl::Dir(p) => p.display().to_string(),
        }
    }
}

/// An open mirror.
#[derive(Debug)]
pub enum MirrorTarget {
    /// An S3 bucket.
    S3(S3Backend),
    /// A directory.
    Dir(LocalBackend),
    /// A witness node.
    Http(HttpBackend),
}

impl MirrorTarget {
    /// The mirror as a [`Backend`].
    pub fn backend(&self) -> &dyn Backend {
        match self {
            MirrorTarget::S3(b) => b,
            MirrorTarget::Dir(b) => b,
            MirrorTarget::Http(b) => b,
        }
    }
}

fn s3_error(e: S3Error) -> AppError {
    AppError::new(ErrorCode::Usage, e.to_string())
}

/// Open the mirror at `url`, with an S3 mirror's own settings `s3` (which win over the AWS
/// environment variables). A directory must exist unless `create` is set. A witness node is
/// opened for reading only (see [`open_entry`] for its write token).
pub fn open_target(
    fs: Arc<dyn Fs>,
    url: &MirrorUrl,
    s3: Option<&MirrorS3>,
    create: bool,
) -> Result<MirrorTarget, AppError> {
    open_with(fs, url, s3, None, create)
}

/// Open a configured mirror with its sealed settings.
pub fn open_entry(fs: Arc<dyn Fs>, m: &MirrorEntry) -> Result<MirrorTarget, AppError> {
    open_with(
        fs,
        &MirrorUrl::parse(&m.url)?,
        m.s3.as_ref(),
        m.http.as_ref(),
        false,
    )
}

fn open_with(
    fs: Arc<dyn Fs>,
    url: &MirrorUrl,
    s3: Option<&MirrorS3>,
    http: Option<&MirrorHttp>,
    create: bool,
) -> Result<MirrorTarget, AppError> {
    let s3_only = |what: &str| {
        AppError::new(
            ErrorCode::Usage,
            format!(
                "{what}: S3 settings (--access-key-id, --endpoint, --region) are only for s3:// mirrors"
            ),
        )
    };
    if http.is_some_and(|h| h.token.is_some()) && !matches!(url, MirrorUrl::Http(_)) {
        return Err(AppError::new(
            ErrorCode::Usage,
            format!(
                "{} is not a witness node: a write token (--token-stdin) is only for https:// mirrors",
                url.as_string()
            ),
        ));
    }
    match url {
        MirrorUrl::Http(u) => {
            if s3.is_some_and(|s| !s.is_empty()) {
                return Err(s3_only(&format!("{u} is a witness node")));
            }
            let timeout = khronika_backends::http::request_timeout(|k| {
                std::env::var(k).ok().filter(|v| !v.is_empty())
            })
            .map_err(http_error)?;
            let token = http.and_then(|h| h.token.as_ref()).map(|t| t.0.clone());
            Ok(MirrorTarget::Http(
                HttpBackend::new(u, token, timeout).map_err(http_error)?,
            ))
        }
        MirrorUrl::S3(u) => {
            let settings = s3.map(MirrorS3::settings).unwrap_or_default();
            let cfg = S3Config::resolve(u, &settings, |k| {
                std::env::var(k).ok().filter(|v| !v.is_empty())
            })
            .map_err(s3_error)?;
            Ok(MirrorTarget::S3(S3Backend::new(&cfg).map_err(s3_error)?))
        }
        MirrorUrl::Dir(p) => {
            if s3.is_some_and(|s| !s.is_empty()) {
                return Err(s3_only(&format!("{} is a folder", p.display())));
            }
            match fs
                .kind(p)
                .map_err(|e| io_error("looking at the mirror folder", e))?
            {
                Some(EntryKind::Dir) => {}
                Some(EntryKind::File) => {
                    return Err(AppError::new(
                        ErrorCode::Usage,
                        format!("the mirror {} is a file; give a folder", p.display()),
                    ));
                }
                None if create => fs
                    .create_dir_all(p)
                    .map_err(|e| io_error("creating the mirror folder", e))?,
                None => {
                    return Err(AppError::new(
                        ErrorCode::Mirror,
                        format!(
                            "the mirror folder {} does not exist (is the drive mounted?)",
                            p.display()
                        ),
                    ));
                }
            }
            Ok(MirrorTarget::Dir(LocalBackend::new(fs, p.clone())))
        }
    }
}

/// Check that a witness node can be listed and takes writes with the sealed token.
fn check_http_write(b: &HttpBackend, url: &str) -> Result<(), AppError> {
    b.list("node/").map_err(|e| {
        AppError::new(
            ErrorCode::Mirror,
            format!(
                "cannot reach the witness node {url}: {}. Check the address and that the node runs with --store; nothing was changed",
                one_line(&e)
            ),
        )
    })?;
    b.check_write().map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::PermissionDenied {
            ErrorCode::Usage
        } else {
            ErrorCode::Mirror
        };
        AppError::new(code, format!("{}; nothing was changed", one_line(&e)))
    })
}

/// An error's text on one line (stores answer with multi-line XML or text).
fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An error talking to a mirror, for a person.
pub fn mirror_error(name: &str, e: BackendError) -> AppError {
    match e {
        BackendError::Conflict(p) => AppError::new(
            ErrorCode::Damaged,
            format!(
                "mirror {name} holds a different object at {p}: it was altered. Nothing was overwritten; run `khronika mirror verify {name}`"
            ),
        ),
        e => AppError::new(
            ErrorCode::Mirror,
            format!(
                "mirror {name}: {e}. Check the network, the address and the credentials, then run the command again; nothing already sent is lost"
            ),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The sealed mirror list.

fn config_key(device_seed: &Key32) -> Key32 {
    kdf::derive(CONFIG_KEY_CONTEXT, device_seed)
}

fn config_header(device: &DeviceId, generation: u64) -> Vec<u8> {
    let mut h = CONFIG_MAGIC.to_vec();
    h.push(1);
    h.extend_from_slice(&device.0);
    h.extend_from_slice(&generation.to_be_bytes());
    h
}

fn config_ad(header: &[u8]) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind: kind::MIRROR_CONFIG,
        compartment: [0; 16],
        epoch: 0,
        id: sha256(header),
    }
    .encode()
}

/// Seal a mirror list: header (magic, version 1, device, generation) then the JSON, padded
/// with spaces to a multiple of 256 bytes, sealed with `nonce`. Only tests choose the nonce.
pub fn seal_config_with_nonce(
    config: &MirrorConfig,
    device: &DeviceId,
    device_seed: &Key32,
    generation: u64,
    nonce: &[u8; aead::NONCE_LEN],
) -> Result<Vec<u8>, AppError> {
    let mut json = Vec::with_capacity(64 * 1024);
    serde_json::to_writer(&mut json, config).map_err(|e| AppError::internal(e.to_string()))?;
    json.resize(
        json.len().div_ceil(crate::sealed::PAD) * crate::sealed::PAD,
        b' ',
    );
    let mut out = config_header(device, generation);
    let ad = config_ad(&out);
    let sealed = aead::seal_into_with_nonce(&config_key(device_seed), &ad, &json, nonce, &mut out);
    zeroize::Zeroize::zeroize(&mut json);
    sealed.map_err(|e| AppError::internal(e.to_string()))?;
    Ok(out)
}

/// Open a sealed mirror list; returns it and its generation.
pub fn open_config(
    bytes: &[u8],
    device: &DeviceId,
    device_seed: &Key32,
) -> Result<(MirrorConfig, u64), String> {
    if bytes.len() < 33 || &bytes[..8] != CONFIG_MAGIC {
        return Err("not a Khronika mirror list".into());
    }
    if bytes[8] != 1 {
        return Err(format!("mirror list version {} is not supported", bytes[8]));
    }
    if bytes[9..25] != device.0 {
        return Err("the mirror list belongs to another device".into());
    }
    let mut g = [0u8; 8];
    g.copy_from_slice(&bytes[25..33]);
    let generation = u64::from_be_bytes(g);
    let mut plain = aead::open(
        &config_key(device_seed),
        &config_ad(&bytes[..33]),
        &bytes[33..],
    )
    .map_err(|_| "the mirror list does not open (damaged)".to_string())?;
    let parsed: Result<MirrorConfig, _> = serde_json::from_slice(&plain);
    zeroize::Zeroize::zeroize(&mut plain);
    let mut config = parsed.map_err(|e| format!("the mirror list is not valid: {e}"))?;
    match config.v {
        // Version 1 had no `s3` settings, version 2 no `http` settings: the same list, written
        // as version 3 next time.
        1 if config
            .mirrors
            .iter()
            .all(|m| m.s3.is_none() && m.http.is_none()) =>
        {
            config.v = CONFIG_VERSION
        }
        2 if config.mirrors.iter().all(|m| m.http.is_none()) => config.v = CONFIG_VERSION,
        CONFIG_VERSION => {}
        v => return Err(format!("mirror list format {v} is not supported")),
    }
    Ok((config, generation))
}

fn config_name(generation: u64) -> String {
    format!("{CONFIG_PREFIX}{generation:020}{CONFIG_SUFFIX}")
}

/// A mirror name: 1–32 of `a-z 0-9 - _ .`, starting with a letter or digit.
pub fn check_name(name: &str) -> Result<(), AppError> {
    let ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Usage,
            format!(
                "`{name}` is not a mirror name: use 1 to 32 lower-case letters, digits, `-`, `_` or `.`, e.g. office-s3"
            ),
        ))
    }
}

/// What `mirror add` found.
#[derive(Debug, Clone)]
pub struct AddOutcome {
    /// The mirror as stored.
    pub entry: MirrorEntry,
    /// What the overwrite probe found.
    pub probe: OverwriteProbe,
    /// Warnings for the person (the store lets these credentials overwrite or delete).
    pub warnings: Vec<String>,
}

/// The outcome of one sync to one mirror.
#[derive(Debug, Clone, Default)]
pub struct PushOutcome {
    /// Objects sent (created on the mirror).
    pub sent: u64,
    /// Objects that were already there with the same bytes.
    pub already: u64,
    /// Bytes sent.
    pub bytes: u64,
}

/// The outcome of `sync` for one mirror.
#[derive(Debug)]
pub struct SyncOutcome {
    /// The mirror's name.
    pub name: String,
    /// What was pushed.
    pub pushed: PushOutcome,
    /// Objects still missing on the mirror after the push.
    pub pending: u64,
    /// Log entries of this vault beyond the mirror's newest checkpoints after the push.
    pub lag_entries: u64,
    /// Objects of other devices (their logs and what those name) taken from the mirror.
    pub pulled: u64,
}

/// Objects one mirror lacks, counted without sending.
#[derive(Debug, Clone)]
pub struct MirrorStatus {
    /// The mirror.
    pub entry: MirrorEntry,
    /// Objects the mirror lacks, or why it could not be asked.
    pub pending: Result<u64, String>,
    /// Log entries of this vault (all devices) beyond the mirror's newest checkpoints: how far
    /// behind the mirror's history is. `None` if it could not be asked.
    pub lag_entries: Option<u64>,
}

impl MirrorStatus {
    /// The mirror holds everything this vault holds.
    pub fn is_safe(&self) -> bool {
        matches!(self.pending, Ok(0))
    }

    /// How long the mirror has been behind (ms): since its last complete sync (or since it was
    /// added, if never), when it lacks something now; zero when it holds everything.
    pub fn lag_ms(&self, now_ms: i64) -> Option<i64> {
        match self.pending {
            Ok(0) => Some(0),
            Ok(_) => Some((now_ms - self.entry.last_sync_ms.unwrap_or(self.entry.added_ms)).max(0)),
            Err(_) => None,
        }
    }
}

/// Log entries in `local` beyond the newest checkpoints of `mirror`, over all devices.
pub fn lag_entries(local: &dyn Backend, mirror: &dyn Backend) -> Result<u64, BackendError> {
    let theirs = newest_checkpoints(mirror)?;
    Ok(newest_checkpoints(local)?
        .iter()
        .map(|(d, s)| s.saturating_sub(theirs.get(d).copied().unwrap_or(0)))
        .sum())
}

impl UnlockedVault {
    fn keys_dir(&self) -> PathBuf {
        self.vault.root.join(KEYS_DIR)
    }

    /// The generations of the sealed mirror list present in `keys/`, ascending.
    fn config_generations(&self) -> Result<Vec<u64>, AppError> {
        let dir = self.keys_dir();
        let names = self
            .vault
            .fs
            .list_dir(&dir)
            .map_err(|e| io_error("listing the key folder", e))?;
        let mut gens: Vec<u64> = names
            .iter()
            .filter_map(|d| {
                d.name
                    .strip_prefix(CONFIG_PREFIX)?
                    .strip_suffix(CONFIG_SUFFIX)?
                    .parse()
                    .ok()
            })
            .collect();
        gens.sort_unstable();
        Ok(gens)
    }

    /// The node's mirror list (empty if none was added) and its generation.
    pub fn mirror_config(&self) -> Result<(MirrorConfig, u64), AppError> {
        let Some(&g) = self.config_generations()?.last() else {
            return Ok((
                MirrorConfig {
                    v: CONFIG_VERSION,
                    mirrors: vec![],
                },
                0,
            ));
        };
        let path = self.keys_dir().join(config_name(g));
        let bytes = self
            .vault
            .fs
            .read(&path)
            .map_err(|e| io_error("reading the mirror list", e))?;
        let device = self.vault.marker.device;
        open_config(&bytes, &device, &self.device_seed).map_err(|w| {
            AppError::new(
                ErrorCode::Damaged,
                format!(
                    "{}: {w}. Remove it and add the mirrors again with `khronika mirror add`",
                    path.display()
                ),
            )
        })
    }

    /// Write `config` as the next generation and remove the older ones.
    fn save_mirror_config(&self, config: &MirrorConfig, generation: u64) -> Result<(), AppError> {
        let next = generation + 1;
        let mut nonce = [0u8; aead::NONCE_LEN];
        OsEntropy
            .fill(&mut nonce)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let device = self.vault.marker.device;
        let bytes = seal_config_with_nonce(config, &device, &self.device_seed, next, &nonce)?;
        layout::create_durable(
            self.vault.fs.as_ref(),
            &self.keys_dir().join(config_name(next)),
            &bytes,
        )?;
        for g in self.config_generations()?.into_iter().filter(|g| *g < next) {
            let _ = self
                .vault
                .fs
                .remove_file(&self.keys_dir().join(config_name(g)));
        }
        Ok(())
    }

    /// Write `keys/recovery-<member>.key` (the member's secret wrapped to the vault's recovery
    /// key) if it is missing, so that mirrors receive it with the other key slots and a mirror
    /// plus the recovery key rebuilds this node. Vaults made before it existed get it here.
    pub fn ensure_recovery_slot(&self) -> Result<(), AppError> {
        let path = self
            .keys_dir()
            .join(format!("recovery-{}.key", self.member.to_hex()));
        if self
            .vault
            .fs
            .kind(&path)
            .map_err(|e| io_error("looking at the recovery slot", e))?
            .is_some()
        {
            return Ok(());
        }
        let slot = crate::keyslot::seal_recovery(
            &self.member,
            &self.member_secret,
            &self.recovery_public()?,
            &mut OsEntropy,
        )
        .map_err(|e| AppError::internal(e.to_string()))?;
        layout::create_durable(self.vault.fs.as_ref(), &path, &slot)
    }

    /// The mirror called `name`.
    pub fn mirror(&self, name: &str) -> Result<MirrorEntry, AppError> {
        let (config, _) = self.mirror_config()?;
        config.mirrors.into_iter().find(|m| m.name == name).ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("no mirror is called `{name}`; `khronika mirror ls` lists them, `khronika mirror add NAME URL` adds one"),
            )
        })
    }

    /// Add a mirror: check the name and location, reach the mirror (a directory is created if
    /// missing), probe whether it refuses overwrites, and store it in the sealed list.
    pub fn mirror_add(
        &mut self,
        name: &str,
        url: &str,
        s3: Option<MirrorS3>,
    ) -> Result<AddOutcome, AppError> {
        self.mirror_add_with(name, url, s3, None)
    }

    /// [`Self::mirror_add`] with a witness node's settings (its write token) as well.
    pub fn mirror_add_with(
        &mut self,
        name: &str,
        url: &str,
        s3: Option<MirrorS3>,
        http: Option<MirrorHttp>,
    ) -> Result<AddOutcome, AppError> {
        self.token_everything("add a mirror")?;
        check_name(name)?;
        let parsed = MirrorUrl::parse(url)?;
        let s3 = s3.filter(|s| !s.is_empty());
        if let Some(s) = &s3 {
            s.check()?;
        }
        let http = http.filter(|h| h.token.is_some());
        if let Some(h) = &http {
            h.check()?;
        }
        if matches!(parsed, MirrorUrl::Http(_)) && http.is_none() {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "{} is a witness node: give the write token it was started with (--token-stdin, KHRONIKA_MIRROR_TOKEN, or at the prompt); nothing was changed",
                    parsed.as_string()
                ),
            ));
        }
        let (mut config, generation) = self.mirror_config()?;
        if config.mirrors.iter().any(|m| m.name == name) {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "a mirror is already called `{name}`; choose another name (nothing was changed)"
                ),
            ));
        }
        if let Some(m) = config.mirrors.iter().find(|m| m.url == parsed.as_string()) {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "{} is already the mirror `{}` (nothing was changed)",
                    m.url, m.name
                ),
            ));
        }
        let target = open_with(
            self.vault.fs.clone(),
            &parsed,
            s3.as_ref(),
            http.as_ref(),
            true,
        )?;
        let mut r = [0u8; 8];
        OsEntropy
            .fill(&mut r)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let probe_name = to_hex(&r);
        let (probe, warnings) = match &target {
            MirrorTarget::S3(b) => {
                let p = b.probe_overwrite(&probe_name).map_err(|e| {
                    AppError::new(
                        ErrorCode::Mirror,
                        format!("cannot write to the mirror {}: {e}. Check AWS_ENDPOINT_URL, AWS_REGION, the credentials and that the bucket exists; nothing was changed", parsed.as_string()),
                    )
                })?;
                let mut w = Vec::new();
                if !p.conditional_create_honoured {
                    w.push("this store does not refuse a second create of the same object (If-None-Match is ignored): Khronika's create-only writes cannot be enforced by it. Use a store that supports conditional writes (recent MinIO, Ceph, Garage, SeaweedFS, AWS S3)".to_owned());
                }
                if p.overwrite_allowed || p.delete_allowed {
                    w.push(format!(
                        "these credentials can {} objects on the mirror: if this device is seized, whoever holds it could damage the mirror. Give field devices create-only credentials: an access policy that allows s3:PutObject, s3:GetObject and s3:ListBucket on the bucket and denies s3:DeleteObject (and turn on versioning and object lock on the bucket, so that no version can be overwritten or removed)",
                        match (p.overwrite_allowed, p.delete_allowed) {
                            (true, true) => "overwrite and delete",
                            (true, false) => "overwrite",
                            _ => "delete",
                        }
                    ));
                }
                (p, w)
            }
            MirrorTarget::Http(b) => {
                check_http_write(b, &parsed.as_string())?;
                // The node enforces create-only itself (FORMATS §27): it answers 409 to any
                // other bytes at an existing name and has no way to delete.
                let p = OverwriteProbe {
                    conditional_create_honoured: true,
                    overwrite_allowed: false,
                    delete_allowed: false,
                };
                (p, vec![])
            }
            MirrorTarget::Dir(b) => {
                let p = khronika_backends::local::probe_overwrite_dir(
                    b.root(),
                    &format!("{PROBE_DIR}-{probe_name}"),
                )
                .map_err(|e| {
                    AppError::new(
                        ErrorCode::Mirror,
                        format!(
                            "cannot write to the mirror folder {}: {e}; nothing was changed",
                            parsed.as_string()
                        ),
                    )
                })?;
                let w = if p.overwrite_allowed {
                    vec!["this folder lets this user overwrite and delete files: Khronika itself never does, and `khronika mirror verify` detects any change, but if this device is seized the mirror could be damaged. For a mirror that must resist that, use a share where this user can create files but not change or remove them (for instance an S3 bucket with create-only credentials and object lock)".to_owned()]
                } else {
                    vec![]
                };
                (p, w)
            }
        };
        let entry = MirrorEntry {
            name: name.to_owned(),
            url: parsed.as_string(),
            added_ms: crate::time::now_ms(),
            acked: BTreeMap::new(),
            last_sync_ms: None,
            last_error: None,
            s3,
            http,
        };
        config.v = CONFIG_VERSION;
        config.mirrors.push(entry.clone());
        self.save_mirror_config(&config, generation)?;
        Ok(AddOutcome {
            entry,
            probe,
            warnings,
        })
    }

    /// Remove mirror `name` from this device's list. Nothing on the mirror is touched (a
    /// device never deletes there); the mirror's administrator may keep or delete its copy.
    pub fn mirror_remove(&mut self, name: &str) -> Result<MirrorEntry, AppError> {
        self.token_everything("remove a mirror")?;
        let (mut config, generation) = self.mirror_config()?;
        let m = self.mirror(name)?;
        config.mirrors.retain(|x| x.name != name);
        config.v = CONFIG_VERSION;
        self.save_mirror_config(&config, generation)?;
        Ok(m)
    }

    /// Replace the sealed settings of mirror `name`: an S3 mirror's endpoint, region and
    /// credentials (`s3`), or a witness node's write token (`http`). The new settings are
    /// tried before they are saved (a listing; for a witness node, a write check), so a
    /// mistyped secret never replaces a working one.
    pub fn mirror_set_credentials(
        &mut self,
        name: &str,
        s3: Option<MirrorS3>,
        http: Option<MirrorHttp>,
    ) -> Result<MirrorEntry, AppError> {
        self.token_everything("change a mirror's credentials")?;
        let (mut config, generation) = self.mirror_config()?;
        let mut m = self.mirror(name)?;
        let url = MirrorUrl::parse(&m.url)?;
        let s3 = s3.filter(|s| !s.is_empty());
        let http = http.filter(|h| h.token.is_some());
        match &url {
            MirrorUrl::S3(_) if http.is_some() => {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "{name} is an S3 mirror: give --access-key-id (and --endpoint, --region), not a token; nothing was changed"
                    ),
                ));
            }
            MirrorUrl::Http(_) if http.is_none() => {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "{name} is a witness node: give its new write token (--token-stdin, KHRONIKA_MIRROR_TOKEN, or at the prompt); nothing was changed"
                    ),
                ));
            }
            MirrorUrl::Dir(p) => {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "{name} is a folder ({}): it has no credentials to change",
                        p.display()
                    ),
                ));
            }
            _ => {}
        }
        if let Some(s) = &s3 {
            s.check()?;
        }
        if let Some(h) = &http {
            h.check()?;
        }
        m.s3 = s3;
        m.http = http;
        let target = open_entry(self.vault.fs.clone(), &m)?;
        match &target {
            MirrorTarget::Http(b) => check_http_write(b, &m.url)?,
            t => {
                t.backend().list("node/").map_err(|e| {
                    AppError::new(
                        ErrorCode::Mirror,
                        format!(
                            "cannot reach the mirror {} with the new settings: {}. Check them; nothing was changed",
                            m.url,
                            one_line(&e)
                        ),
                    )
                })?;
            }
        }
        if let Some(x) = config.mirrors.iter_mut().find(|x| x.name == name) {
            x.s3 = m.s3.clone();
            x.http = m.http.clone();
            x.last_error = None;
        }
        config.v = CONFIG_VERSION;
        self.save_mirror_config(&config, generation)?;
        Ok(m)
    }

    /// Every mirror and how many objects it lacks (asks each mirror: lists both sides).
    pub fn mirror_statuses(&self) -> Result<Vec<MirrorStatus>, AppError> {
        let (config, _) = self.mirror_config()?;
        let mut out = Vec::new();
        for m in config.mirrors {
            let asked = open_entry(self.vault.fs.clone(), &m)
                .and_then(|t| {
                    let (local, b) = (self.vault.backend(), t.backend());
                    plan(local, &self.vault, b)
                        .and_then(|p| Ok((p.len() as u64, lag_entries(local, b)?)))
                        .map_err(|e| mirror_error(&m.name, e))
                })
                .map_err(|e| e.message);
            let (pending, lag) = match asked {
                Ok((p, l)) => (Ok(p), Some(l)),
                Err(e) => (Err(e), None),
            };
            out.push(MirrorStatus {
                entry: m,
                pending,
                lag_entries: lag,
            });
        }
        Ok(out)
    }

    fn record_sync(
        &self,
        name: &str,
        acked: Option<BTreeMap<String, u64>>,
        error: Option<String>,
    ) -> Result<(), AppError> {
        let (mut config, generation) = self.mirror_config()?;
        if let Some(m) = config.mirrors.iter_mut().find(|m| m.name == name) {
            match acked {
                Some(a) => {
                    for (d, s) in a {
                        let e = m.acked.entry(d).or_insert(0);
                        *e = (*e).max(s);
                    }
                    m.last_sync_ms = Some(crate::time::now_ms());
                    m.last_error = None;
                }
                None => m.last_error = error,
            }
            self.save_mirror_config(&config, generation)?;
        }
        Ok(())
    }

    /// Verify mirror `name` keylessly and against what this vault knows (see [`check_mirror`]).
    pub fn mirror_verify(
        &self,
        name: &str,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Report, AppError> {
        let m = self.mirror(name)?;
        let target = open_entry(self.vault.fs.clone(), &m)?;
        check_mirror(&self.vault, target.backend(), &m, progress).map_err(|e| mirror_error(name, e))
    }

    /// Sync to mirror `name`: verify it (a mirror that fails is refused: nothing is sent),
    /// push what it lacks, and record what it now holds. `total` is told the bytes to send.
    pub fn sync_mirror(
        &self,
        name: &str,
        total: &mut dyn FnMut(u64),
        progress: &mut dyn FnMut(u64),
    ) -> Result<SyncOutcome, AppError> {
        let m = self.mirror(name)?;
        self.ensure_recovery_slot()?;
        let res = self.sync_entry(&m, total, progress);
        match &res {
            Ok(o) if o.pending == 0 => {
                let acked =
                    newest_checkpoints(self.vault.backend()).map_err(|e| mirror_error(name, e))?;
                self.record_sync(name, Some(acked), None)?;
            }
            Ok(_) => {}
            Err(e) => self.record_sync(name, None, Some(e.message.clone()))?,
        }
        res
    }

    fn sync_entry(
        &self,
        m: &MirrorEntry,
        total: &mut dyn FnMut(u64),
        progress: &mut dyn FnMut(u64),
    ) -> Result<SyncOutcome, AppError> {
        let target = open_entry(self.vault.fs.clone(), m)?;
        let mirror = target.backend();
        let report = check_mirror(&self.vault, mirror, m, &mut |_| {})
            .map_err(|e| mirror_error(&m.name, e))?;
        if !report.is_ok() {
            let first = &report.problems[0];
            return Err(AppError::new(
                ErrorCode::Damaged,
                format!(
                    "mirror {} fails verification ({} problem(s), first: {}: {}); nothing was sent to it. Run `khronika mirror verify {}` for the full report, and restore or replace the mirror",
                    m.name,
                    report.problems.len(),
                    first.object,
                    first.what,
                    m.name
                ),
            ));
        }
        let todo = plan(self.vault.backend(), &self.vault, mirror)
            .map_err(|e| mirror_error(&m.name, e))?;
        total(todo.iter().map(|t| t.len).sum());
        let pushed =
            push(&self.vault, mirror, &todo, progress).map_err(|e| mirror_error(&m.name, e))?;
        let pending = plan(self.vault.backend(), &self.vault, mirror)
            .map_err(|e| mirror_error(&m.name, e))?
            .len() as u64;
        let lag_entries =
            lag_entries(self.vault.backend(), mirror).map_err(|e| mirror_error(&m.name, e))?;
        // What other devices wrote, from the mirror just verified.
        let incoming = plan_pull(&self.vault, mirror).map_err(|e| mirror_error(&m.name, e))?;
        let pulled = pull(&self.vault, mirror, &incoming).map_err(|e| mirror_error(&m.name, e))?;
        Ok(SyncOutcome {
            name: m.name.clone(),
            pushed,
            pending,
            lag_entries,
            pulled,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Planning and pushing.

/// One object to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    /// Where it goes on the mirror.
    pub path: ObjectPath,
    /// Where it comes from: `None` for an object of the local backend, `Some(file)` for a node
    /// file (the marker or a key slot) read from the vault folder.
    pub local_file: Option<PathBuf>,
    /// Its size in bytes.
    pub len: u64,
}

/// Sorts objects into the order they are sent in.
type OrderKey = (u8, [u8; 16], u8, u64, u64);

/// The order that keeps a mirror verifiable: objects, then per device bundles, hash tiles,
/// checkpoints (newest first), cosignatures; node files last.
fn order_key(kind: &PathKind) -> OrderKey {
    match kind {
        PathKind::Object(_) => (0, [0; 16], 0, 0, 0),
        PathKind::Bundle { device, n, partial } => {
            (1, device.0, 0, *n, partial.map_or(u64::MAX, u64::from))
        }
        PathKind::HashTile {
            device,
            level,
            n,
            partial,
        } => (
            1,
            device.0,
            1,
            u64::from(*level) << 56 | *n,
            partial.map_or(u64::MAX, u64::from),
        ),
        // Newest first: verification expects the hash tiles of the newest checkpoint present,
        // and the partial tiles of older sizes are gone once superseded.
        PathKind::Checkpoint { device, size } => (1, device.0, 2, u64::MAX - *size, 0),
        PathKind::Cosignature {
            device,
            size,
            key_id,
        } => (1, device.0, 3, *size, u64::from(*key_id)),
        PathKind::NodeFile { device, .. } => (2, device.0, 0, 0, 0),
    }
}

/// Every object of `backend` under `objects/` and `log/` (foreign names skipped).
fn list_store(backend: &dyn Backend) -> Result<Vec<(ObjectPath, PathKind)>, BackendError> {
    let mut out = Vec::new();
    for prefix in ["objects/", "log/"] {
        out.extend(
            backend
                .list(prefix)?
                .iter()
                .filter_map(|s| ObjectPath::parse(s)),
        );
    }
    Ok(out)
}

/// This node's files for mirrors: the marker and the key slots in `keys/`.
fn node_files(vault: &LockedVault) -> Result<Vec<(ObjectPath, PathBuf)>, BackendError> {
    let device = vault.marker.device;
    let mut out = Vec::new();
    if let Some(p) = ObjectPath::node_file(&device, MARKER) {
        out.push((p, vault.root.join(MARKER)));
    }
    let keys = vault.root.join(KEYS_DIR);
    let entries = vault
        .fs
        .list_dir(&keys)
        .map_err(|source| BackendError::Storage {
            doing: "listing the key folder",
            source,
        })?;
    for e in entries.iter().filter(|e| e.kind == EntryKind::File) {
        if let Some(p) = ObjectPath::node_file(&device, &e.name) {
            out.push((p, keys.join(&e.name)));
        }
    }
    Ok(out)
}

/// What `mirror` lacks of the vault, in the order to send it.
pub fn plan(
    local: &dyn Backend,
    vault: &LockedVault,
    mirror: &dyn Backend,
) -> Result<Vec<Todo>, BackendError> {
    let mut have: BTreeSet<String> = list_store(mirror)?
        .into_iter()
        .map(|(p, _)| p.as_str().to_owned())
        .collect();
    have.extend(mirror.list(&ObjectPath::node_prefix(&vault.marker.device))?);
    let mut todo: Vec<(OrderKey, Todo)> = Vec::new();
    for (p, k) in list_store(local)? {
        if !have.contains(p.as_str()) && mirror.accepts(&p) {
            let len = local.len(&p)?;
            todo.push((
                order_key(&k),
                Todo {
                    path: p,
                    local_file: None,
                    len,
                },
            ));
        }
    }
    for (p, file) in node_files(vault)? {
        if !have.contains(p.as_str()) && mirror.accepts(&p) {
            let len = vault
                .fs
                .file_len(&file)
                .map_err(|e| BackendError::io(&p, e))?;
            let k = ObjectPath::parse(p.as_str())
                .map(|(_, k)| k)
                .ok_or_else(|| BackendError::Foreign(p.to_string()))?;
            todo.push((
                order_key(&k),
                Todo {
                    path: p,
                    local_file: Some(file),
                    len,
                },
            ));
        }
    }
    todo.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.path.cmp(&b.1.path)));
    Ok(todo.into_iter().map(|(_, t)| t).collect())
}

/// Send `todo` to `mirror`, in order; each object is one create-only write. Stops at the first
/// failure: what arrived stays, and the next push sends only the rest.
pub fn push(
    vault: &LockedVault,
    mirror: &dyn Backend,
    todo: &[Todo],
    progress: &mut dyn FnMut(u64),
) -> Result<PushOutcome, BackendError> {
    let mut out = PushOutcome::default();
    for t in todo {
        let bytes = match &t.local_file {
            None => vault.backend().read(&t.path)?,
            Some(f) => vault.fs.read(f).map_err(|e| BackendError::io(&t.path, e))?,
        };
        let n = bytes.len() as u64;
        match mirror.create(&t.path, &Stored::from_existing_object(bytes))? {
            khronika_store::Created::New => {
                out.sent += 1;
                out.bytes += n;
            }
            khronika_store::Created::AlreadyPresent => out.already += 1,
        }
        progress(n);
    }
    mirror.barrier()?;
    Ok(out)
}

/// What `mirror` holds that this vault lacks, from other devices' logs (this device's own log
/// is written here only), in the order that keeps a vault consistent: objects, then bundles,
/// tiles, checkpoints.
pub fn plan_pull(
    vault: &LockedVault,
    mirror: &dyn Backend,
) -> Result<Vec<ObjectPath>, BackendError> {
    let have: BTreeSet<String> = list_store(vault.backend())?
        .into_iter()
        .map(|(p, _)| p.as_str().to_owned())
        .collect();
    let own = ObjectPath::log_prefix(&vault.marker.device);
    let mut items: Vec<(OrderKey, ObjectPath)> = list_store(mirror)?
        .into_iter()
        .filter(|(p, _)| !have.contains(p.as_str()) && !p.as_str().starts_with(own.as_str()))
        .map(|(p, k)| (order_key(&k), p))
        .collect();
    items.sort();
    Ok(items.into_iter().map(|(_, p)| p).collect())
}

/// Copy `items` from `mirror` into this vault (create-only). A content-addressed object whose
/// bytes do not hash to its name is refused: nothing from a mirror is taken on its word.
pub fn pull(
    vault: &LockedVault,
    mirror: &dyn Backend,
    items: &[ObjectPath],
) -> Result<u64, BackendError> {
    let mut n = 0;
    for p in items {
        let bytes = mirror.read(p)?;
        if let Some((_, PathKind::Object(h))) = ObjectPath::parse(p.as_str())
            && khronika_crypto::hash::sha256(&bytes) != h
        {
            return Err(BackendError::Foreign(format!(
                "{p} on the mirror does not match its name; nothing more was taken"
            )));
        }
        if vault
            .backend()
            .create(p, &Stored::from_existing_object(bytes))?
            == khronika_store::Created::New
        {
            n += 1;
        }
    }
    vault.backend().barrier()?;
    Ok(n)
}

/// Per device (hex), the newest checkpoint size in `backend`.
pub fn newest_checkpoints(backend: &dyn Backend) -> Result<BTreeMap<String, u64>, BackendError> {
    let mut out = BTreeMap::new();
    for d in list_devices(backend)? {
        if let Some(&s) = list_log(backend, &d)?.1.last() {
            out.insert(d.to_hex(), s);
        }
    }
    Ok(out)
}

/// Verify a mirror: the keyless verification of everything on it, and, against this vault,
/// (1) every checkpoint both hold is the same, (2) the mirror holds no checkpoint of this
/// device's log beyond what this vault wrote, (3) no log is shorter than what the mirror held
/// after the last good sync (a rollback).
pub fn check_mirror(
    vault: &LockedVault,
    mirror: &dyn Backend,
    entry: &MirrorEntry,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, BackendError> {
    let mut report = khronika_store::verify::verify(mirror, vault.marker.vault, progress);
    let local = vault.backend();
    let mut devices: BTreeSet<DeviceId> = list_devices(mirror)?.into_iter().collect();
    devices.extend(entry.acked.keys().filter_map(|h| DeviceId::from_hex(h)));
    for d in devices {
        let (_, on_mirror) = list_log(mirror, &d)?;
        let (_, here) = list_log(local, &d)?;
        let here_set: BTreeSet<u64> = here.iter().copied().collect();
        for &s in &on_mirror {
            let p = ObjectPath::checkpoint(&d, s);
            if here_set.contains(&s) {
                if mirror.read(&p)? != local.read(&p)? {
                    report.problems.push(Problem {
                        object: p.to_string(),
                        what: "differs from this vault's checkpoint of the same size: the mirror's history was rewritten or forked".into(),
                    });
                }
            } else if d == vault.marker.device && here.last().is_some_and(|&l| s > l) {
                report.problems.push(Problem {
                    object: p.to_string(),
                    what: "this device never wrote a checkpoint of this size: a forged or forked history".into(),
                });
            }
        }
        if let Some(&acked) = entry.acked.get(&d.to_hex()) {
            let newest = on_mirror.last().copied().unwrap_or(0);
            if newest < acked {
                report.problems.push(Problem {
                    object: format!("log/{}", d.to_hex()),
                    what: format!(
                        "rolled back: the mirror's newest checkpoint is of size {newest}, but it held size {acked} after an earlier sync (checkpoints and entries were removed)"
                    ),
                });
            }
        }
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------------
// Restore.

/// What one mirror given to `restore` was found to be.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The mirror's location.
    pub url: String,
    /// Why it was not used, if it was not.
    pub rejected: Option<String>,
    /// Per device, the newest checkpoint size.
    pub newest: BTreeMap<DeviceId, u64>,
}

/// The outcome of a restore.
#[derive(Debug)]
pub struct RestoreOutcome {
    /// The mirror the vault was rebuilt from.
    pub from: String,
    /// Every mirror given, with what was found.
    pub candidates: Vec<Candidate>,
    /// Objects copied.
    pub objects: u64,
    /// Bytes copied.
    pub bytes: u64,
    /// The verification of the rebuilt vault (keyless).
    pub report: Report,
}

/// Marks the reason of a mirror that could not be reached (removed before printing).
const UNREACHABLE: &str = "\u{1}unreachable: ";

struct Found {
    target: MirrorTarget,
    marker: Marker,
    checkpoints: BTreeMap<(DeviceId, u64), Vec<u8>>,
}

/// The node to restore on a mirror: the one whose device id starts with `device`, or the only one.
fn find_node(mirror: &dyn Backend, device: Option<&str>) -> Result<DeviceId, String> {
    let mut nodes = BTreeSet::new();
    for s in mirror.list("node/").map_err(|e| e.to_string())? {
        if let Some((_, PathKind::NodeFile { device, name })) = ObjectPath::parse(&s)
            && name == MARKER
        {
            nodes.insert(device);
        }
    }
    let hits: Vec<DeviceId> = nodes
        .iter()
        .filter(|d| device.is_none_or(|p| d.to_hex().starts_with(&p.to_ascii_lowercase())))
        .copied()
        .collect();
    match hits.as_slice() {
        [d] => Ok(*d),
        [] if nodes.is_empty() => Err("it holds no node to restore (no node/<device>/khronika-vault): it was never synced by `khronika sync`, or it is not a Khronika mirror".into()),
        [] => Err("it holds no node with that device id".into()),
        _ => Err(format!(
            "it holds several nodes ({}); choose one with --device",
            nodes.iter().map(|d| d.short()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn examine(
    fs: Arc<dyn Fs>,
    url: &MirrorUrl,
    device: Option<&str>,
    progress: &mut dyn FnMut(u64),
) -> Result<Found, String> {
    let unreachable = |m: String| format!("{UNREACHABLE}{m}");
    let target = open_target(fs, url, None, false).map_err(|e| match e.code {
        ErrorCode::Mirror => unreachable(e.message),
        _ => e.message,
    })?;
    let b = target.backend();
    if let Err(e) = b.list("node/") {
        return Err(unreachable(format!("cannot be reached: {e}")));
    }
    let node = find_node(b, device)?;
    let mpath = ObjectPath::node_file(&node, MARKER).ok_or("bad marker path")?;
    let marker = Marker::decode(&b.read(&mpath).map_err(|e| e.to_string())?)
        .map_err(|w| format!("its node marker is damaged: {w}"))?;
    if marker.device != node {
        return Err("its node marker names another device".into());
    }
    let report = khronika_store::verify::verify(b, marker.vault, progress);
    if !report.is_ok() {
        let p = &report.problems[0];
        return Err(format!(
            "it fails verification ({} problem(s), first: {}: {})",
            report.problems.len(),
            p.object,
            p.what
        ));
    }
    let mut checkpoints = BTreeMap::new();
    for d in list_devices(b).map_err(|e| e.to_string())? {
        for s in list_log(b, &d).map_err(|e| e.to_string())?.1 {
            let bytes = b
                .read(&ObjectPath::checkpoint(&d, s))
                .map_err(|e| e.to_string())?;
            checkpoints.insert((d, s), bytes);
        }
    }
    Ok(Found {
        target,
        marker,
        checkpoints,
    })
}

fn newest_of(cps: &BTreeMap<(DeviceId, u64), Vec<u8>>) -> BTreeMap<DeviceId, u64> {
    let mut out = BTreeMap::new();
    for &(d, s) in cps.keys() {
        let e = out.entry(d).or_insert(0);
        *e = s.max(*e);
    }
    out
}

/// What opens the restored vault.
#[derive(Debug)]
pub enum RestoreKey<'a> {
    /// The passphrase of the node's member (its key slot travels to the mirrors).
    Passphrase(&'a Passphrase),
    /// The vault's recovery key (`KR1-…`), which opens the member's recovery slot on the
    /// mirror; the rebuilt node's member slot is sealed anew under `new_passphrase`.
    Recovery {
        /// The recovery key.
        key: &'a RecoveryKey,
        /// The passphrase the rebuilt node will open with.
        new_passphrase: &'a Passphrase,
        /// Argon2id parameters of the new member slot.
        params: Argon2Params,
    },
}

/// Rebuild a vault at `root` (absent or empty) from the best of the mirrors `urls`, then open
/// it with `key` and verify it.
pub fn restore(
    fs: Arc<dyn Fs>,
    root: &Path,
    urls: &[String],
    device: Option<&str>,
    key: &RestoreKey<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<(UnlockedVault, RestoreOutcome), AppError> {
    if urls.is_empty() {
        return Err(AppError::new(
            ErrorCode::Usage,
            "give at least one mirror with --from URL",
        ));
    }
    let parsed: Vec<MirrorUrl> = urls
        .iter()
        .map(|u| MirrorUrl::parse(u))
        .collect::<Result<_, _>>()?;
    layout::check_new_folder(fs.as_ref(), root)?;
    let mut found: Vec<(MirrorUrl, Result<Found, String>)> = Vec::new();
    for u in parsed {
        let f = examine(fs.clone(), &u, device, &mut |_| {});
        found.push((u, f));
    }
    // The best: the verified mirror whose logs reach furthest (sum of newest checkpoint sizes).
    let best = found
        .iter()
        .enumerate()
        .filter_map(|(i, (_, f))| {
            f.as_ref()
                .ok()
                .map(|f| (i, newest_of(&f.checkpoints).values().sum::<u64>()))
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i);
    let mut candidates = Vec::new();
    let Some(best) = best else {
        let why: Vec<String> = found
            .iter()
            .map(|(u, f)| {
                format!(
                    "{}: {}",
                    u.as_string(),
                    f.as_ref().err().map_or("", String::as_str)
                )
            })
            .map(|w| w.replace(UNREACHABLE, ""))
            .collect();
        // Only unreachable mirrors: a network, address or drive problem; otherwise damage.
        let all_unreachable = found
            .iter()
            .all(|(_, f)| f.as_ref().err().is_some_and(|w| w.starts_with(UNREACHABLE)));
        return Err(AppError::new(
            if all_unreachable {
                ErrorCode::Mirror
            } else {
                ErrorCode::Damaged
            },
            format!(
                "no mirror can be restored from ({}); nothing was written",
                why.join("; ")
            ),
        ));
    };
    let (best_url, best_found) = match &found[best] {
        (u, Ok(f)) => (u.as_string(), f),
        _ => return Err(AppError::internal("restore: best mirror")),
    };
    let best_newest = newest_of(&best_found.checkpoints);
    for (i, (u, f)) in found.iter().enumerate() {
        let rejected = match f {
            Err(w) => Some(w.replace(UNREACHABLE, "")),
            Ok(_) if i == best => None,
            Ok(f) if f.marker.vault != best_found.marker.vault => {
                Some("it holds another vault".into())
            }
            Ok(f) => {
                let forked = f
                    .checkpoints
                    .iter()
                    .find(|(k, v)| best_found.checkpoints.get(k).is_some_and(|b| b != *v));
                let newest = newest_of(&f.checkpoints);
                let behind = best_newest
                    .iter()
                    .find(|(d, s)| newest.get(d).copied().unwrap_or(0) < **s);
                match (forked, behind) {
                    (Some(((d, s), _)), _) => Some(format!(
                        "its checkpoint of size {s} of device {} differs from {best_url}'s: its history was rewritten or forked",
                        d.short()
                    )),
                    (None, Some((d, s))) => Some(format!(
                        "rolled back or behind: its newest checkpoint of device {} is of size {}, {best_url} has size {s}",
                        d.short(),
                        newest.get(d).copied().unwrap_or(0)
                    )),
                    (None, None) => {
                        Some(format!("not needed: {best_url} holds the same checkpoints"))
                    }
                }
            }
        };
        let newest = f
            .as_ref()
            .map(|f| newest_of(&f.checkpoints))
            .unwrap_or_default();
        candidates.push(Candidate {
            url: u.as_string(),
            rejected,
            newest,
        });
    }
    // The key must open the member's key slot (or, with the recovery key, the recovery slot and
    // then the device slot) before anything is written.
    let src = best_found.target.backend();
    let node = best_found.marker.device;
    let member = best_found.marker.member;
    let read_node_file = |name: &str, what: &str| {
        ObjectPath::node_file(&node, name)
            .ok_or_else(|| AppError::internal("node file path"))
            .and_then(|p| {
                src.read(&p).map_err(|e| {
                    AppError::new(
                        ErrorCode::Damaged,
                        format!("{best_url} holds no {what} for the node's member ({e}); nothing was written"),
                    )
                })
            })
    };
    let member_slot_name = format!("member-{}.key", member.to_hex());
    let (open_with, new_member_slot) = match key {
        RestoreKey::Passphrase(p) => {
            // A witness node never holds the passphrase slot: take it from another mirror
            // given, of the same vault and node (the slot does not depend on the log).
            let from_other = if let MirrorTarget::Http(_) = &best_found.target {
                let slot = found
                    .iter()
                    .filter_map(|(_, f)| f.as_ref().ok())
                    .filter(|f| {
                        !matches!(f.target, MirrorTarget::Http(_))
                            && f.marker.vault == best_found.marker.vault
                            && f.marker.device == node
                    })
                    .find_map(|f| {
                        ObjectPath::node_file(&node, &member_slot_name)
                            .and_then(|path| f.target.backend().read(&path).ok())
                    });
                match slot {
                    Some(s) => Some(s),
                    None => {
                        return Err(AppError::new(
                            ErrorCode::Usage,
                            format!(
                                "{best_url} is a witness node, which never holds passphrase key slots (anyone could try passphrases against them); nothing was written. Restore from it with the recovery key (--recovery-key; the rebuilt node gets a new passphrase), or give an S3 or folder mirror of this vault too (--from), whose key slot the passphrase opens"
                            ),
                        ));
                    }
                }
            } else {
                None
            };
            let slot = match &from_other {
                Some(s) => s.clone(),
                None => read_node_file(&member_slot_name, "key slot")?,
            };
            match crate::keyslot::open_member(&slot, p) {
                Ok(_) => {}
                Err(crate::keyslot::SlotError::WrongKey) => {
                    return Err(AppError::new(
                        ErrorCode::WrongPassphrase,
                        "the passphrase does not open the member's key slot kept on the mirror; nothing was written. Give the passphrase of the member who worked on the lost device, or restore with the recovery key (--recovery-key)",
                    ));
                }
                Err(e) => {
                    return Err(AppError::new(
                        ErrorCode::Damaged,
                        format!(
                            "the member's key slot on {best_url} cannot be used: {e}; nothing was written"
                        ),
                    ));
                }
            }
            // A slot from another mirror is written like a fresh one.
            (*p, from_other)
        }
        RestoreKey::Recovery {
            key,
            new_passphrase,
            params,
        } => {
            let slot = read_node_file(
                &format!("recovery-{}.key", member.to_hex()),
                "recovery slot (it is sent by `khronika sync` since November 2026: sync once more from a device that still works, or restore with the member's passphrase)",
            )?;
            let (m, secret) = match crate::keyslot::open_recovery(&slot, &key.wrap_secret()) {
                Ok(x) => x,
                Err(crate::keyslot::SlotError::WrongKey) => {
                    return Err(AppError::new(
                        ErrorCode::WrongPassphrase,
                        "the recovery key does not open the recovery slot kept on the mirror: it is another vault's recovery key; nothing was written",
                    ));
                }
                Err(e) => {
                    return Err(AppError::new(
                        ErrorCode::Damaged,
                        format!(
                            "the recovery slot on {best_url} cannot be used: {e}; nothing was written"
                        ),
                    ));
                }
            };
            let dslot = read_node_file("device.key", "device key slot")?;
            match crate::keyslot::open_device(&dslot, &secret) {
                Ok((d, _)) if m == member && d == node => {}
                _ => {
                    return Err(AppError::new(
                        ErrorCode::Damaged,
                        format!(
                            "the recovery slot on {best_url} does not belong to the node's member and device; nothing was written"
                        ),
                    ));
                }
            }
            let fresh = crate::keyslot::seal_member(
                &member,
                &secret,
                new_passphrase,
                *params,
                &mut OsEntropy,
            )
            .map_err(|e| AppError::internal(e.to_string()))?;
            (*new_passphrase, Some(fresh))
        }
    };
    // Copy: objects and logs in the mirror order, then the node files, the marker last.
    layout::prepare_new_folder(fs.as_ref(), root)?;
    let dst = LocalBackend::new(fs.clone(), root.to_path_buf());
    let mut items: Vec<(OrderKey, ObjectPath)> = list_store(src)
        .map_err(|e| mirror_error(&best_url, e))?
        .into_iter()
        .map(|(p, k)| (order_key(&k), p))
        .collect();
    items.sort();
    let (mut objects, mut bytes) = (0u64, 0u64);
    for (_, p) in items {
        let b = src.read(&p).map_err(|e| mirror_error(&best_url, e))?;
        bytes += b.len() as u64;
        progress(b.len() as u64);
        dst.create(&p, &Stored::from_existing_object(b))?;
        objects += 1;
    }
    dst.barrier()?;
    let mut marker_bytes = None;
    for s in src
        .list(&ObjectPath::node_prefix(&node))
        .map_err(|e| mirror_error(&best_url, e))?
    {
        let Some((p, PathKind::NodeFile { name, .. })) = ObjectPath::parse(&s) else {
            continue;
        };
        if name == member_slot_name && new_member_slot.is_some() {
            // Restored with the recovery key: the member slot is sealed anew under the new
            // passphrase (written below), the old one is not copied. (Or it came from another
            // mirror than a witness node, and is written below too.)
            continue;
        }
        let b = src.read(&p).map_err(|e| mirror_error(&best_url, e))?;
        if name == MARKER {
            marker_bytes = Some(b);
        } else {
            layout::create_durable(fs.as_ref(), &root.join(KEYS_DIR).join(&name), &b)?;
        }
    }
    if let Some(fresh) = &new_member_slot {
        layout::create_durable(
            fs.as_ref(),
            &root.join(KEYS_DIR).join(&member_slot_name),
            fresh,
        )?;
    }
    let marker_bytes = marker_bytes.ok_or_else(|| {
        AppError::new(
            ErrorCode::Damaged,
            "the mirror's node marker vanished during the restore",
        )
    })?;
    layout::create_durable(fs.as_ref(), &root.join(MARKER), &marker_bytes)?;
    let locked = LockedVault::open(fs, root)?;
    let report = locked.verify(&mut |_| {});
    if !report.is_ok() {
        let p = &report.problems[0];
        return Err(AppError::new(
            ErrorCode::Damaged,
            format!(
                "the rebuilt vault at {} does not verify ({}: {}); try another mirror",
                root.display(),
                p.object,
                p.what
            ),
        ));
    }
    let unlocked = locked.unlock(open_with)?;
    Ok((
        unlocked,
        RestoreOutcome {
            from: best_url,
            candidates,
            objects,
            bytes,
            report,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_urls() {
        assert_eq!(
            MirrorUrl::parse("s3://bucket/a/b/").unwrap(),
            MirrorUrl::S3("s3://bucket/a/b".into())
        );
        assert_eq!(
            MirrorUrl::parse("file:///media/usb").unwrap(),
            MirrorUrl::Dir("/media/usb".into())
        );
        assert_eq!(
            MirrorUrl::parse("/media/usb").unwrap(),
            MirrorUrl::Dir("/media/usb".into())
        );
        for bad in ["", "http://x/y", "file://relative", "s3://B"] {
            assert_eq!(
                MirrorUrl::parse(bad).unwrap_err().code,
                ErrorCode::Usage,
                "{bad}"
            );
        }
    }

    #[test]
    fn mirror_names() {
        assert!(check_name("office-s3").is_ok());
        for bad in ["", "-x", "Office", "a b", "x/y", &"a".repeat(33)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    fn vector_config() -> MirrorConfig {
        MirrorConfig {
            v: 1,
            mirrors: vec![MirrorEntry {
                name: "office-s3".into(),
                url: "s3://khronika-mirror/kyiv".into(),
                added_ms: 1_795_000_000_000,
                acked: [("202122232425262728292a2b2c2d2e2f".to_owned(), 12)]
                    .into_iter()
                    .collect(),
                last_sync_ms: Some(1_795_000_100_000),
                last_error: None,
                s3: None,
                http: None,
            }],
        }
    }

    fn vector_config_v2() -> MirrorConfig {
        let mut c = vector_config();
        c.v = 2;
        c.mirrors[0].s3 = Some(MirrorS3 {
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some(SealedSecret(SecretString::new(
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ))),
            endpoint: Some("https://s3.example.org".into()),
            region: Some("eu-central-1".into()),
        });
        c
    }

    /// docs/FORMATS.md §24.2, version 2: the sealed mirror list with an S3 mirror's own
    /// settings, of the fixed inputs. The secret never shows in `Debug`.
    #[test]
    fn sealed_config_vector_v2() {
        let device = DeviceId(std::array::from_fn(|i| 0x20 + i as u8));
        let seed = Key32::from_bytes(std::array::from_fn(|i| 0x60 + i as u8));
        let nonce: [u8; aead::NONCE_LEN] = std::array::from_fn(|i| 0xb0 + i as u8);
        let config = vector_config_v2();
        let sealed = seal_config_with_nonce(&config, &device, &seed, 7, &nonce).unwrap();
        let want = include_str!("../testdata/vectors/mirror-config-v2.hex").trim();
        assert_eq!(
            to_hex(&sealed),
            want,
            "the sealed mirror list changed: a format change"
        );
        // Read, and migrated to version 3 (the same list).
        let mut migrated = config.clone();
        migrated.v = 3;
        assert_eq!(open_config(&sealed, &device, &seed).unwrap(), (migrated, 7));
        let dbg = format!("{config:?}");
        assert!(
            !dbg.contains("wJalrXUtnFEMI") && dbg.contains("AKIDEXAMPLE"),
            "{dbg}"
        );
        // A version-1 list with S3 settings is not a version-1 list.
        let mut bad = config;
        bad.v = 1;
        let sealed = seal_config_with_nonce(&bad, &device, &seed, 7, &nonce).unwrap();
        assert!(open_config(&sealed, &device, &seed).is_err());
    }

    fn vector_config_v3() -> MirrorConfig {
        let mut c = vector_config_v2();
        c.v = 3;
        c.mirrors.push(MirrorEntry {
            name: "partner".into(),
            url: "https://witness.example.org".into(),
            added_ms: 1_795_000_200_000,
            acked: BTreeMap::new(),
            last_sync_ms: None,
            last_error: None,
            s3: None,
            http: Some(MirrorHttp {
                token: Some(SealedSecret(SecretString::new(
                    "0123456789abcdef0123456789abcdef-TOKENEXAMPLE",
                ))),
            }),
        });
        c
    }

    /// docs/FORMATS.md §24.2, version 3: the sealed mirror list with a witness node's write
    /// token, of the fixed inputs. The token never shows in `Debug`; version 2 is still read.
    #[test]
    fn sealed_config_vector_v3() {
        let device = DeviceId(std::array::from_fn(|i| 0x20 + i as u8));
        let seed = Key32::from_bytes(std::array::from_fn(|i| 0x60 + i as u8));
        let nonce: [u8; aead::NONCE_LEN] = std::array::from_fn(|i| 0xc0 + i as u8);
        let config = vector_config_v3();
        let sealed = seal_config_with_nonce(&config, &device, &seed, 9, &nonce).unwrap();
        let want = include_str!("../testdata/vectors/mirror-config-v3.hex").trim();
        assert_eq!(
            to_hex(&sealed),
            want,
            "the sealed mirror list changed: a format change"
        );
        assert_eq!(
            open_config(&sealed, &device, &seed).unwrap(),
            (config.clone(), 9)
        );
        let dbg = format!("{config:?}");
        assert!(!dbg.contains("TOKENEXAMPLE"), "{dbg}");
        // A version-2 list with a token is not a version-2 list.
        let mut bad = config;
        bad.v = 2;
        let sealed = seal_config_with_nonce(&bad, &device, &seed, 9, &nonce).unwrap();
        assert!(open_config(&sealed, &device, &seed).is_err());
        // The version-2 vector is read and migrated to version 3.
        let hex = include_str!("../testdata/vectors/mirror-config-v2.hex").trim();
        let v2: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mut want = vector_config_v2();
        want.v = 3;
        assert_eq!(open_config(&v2, &device, &seed).unwrap(), (want, 7));
    }

    #[test]
    fn s3_settings_are_checked() {
        let ok = vector_config_v2().mirrors[0].s3.clone().unwrap();
        assert!(ok.check().is_ok());
        let mut no_secret = ok.clone();
        no_secret.secret_access_key = None;
        let mut no_id = ok.clone();
        no_id.access_key_id = None;
        let mut endpoint = ok.clone();
        endpoint.endpoint = Some("s3.example.org".into());
        let mut region = ok.clone();
        region.region = Some("EU Central".into());
        let mut empty = ok.clone();
        empty.secret_access_key = Some(SealedSecret(SecretString::new("")));
        for bad in [no_secret, no_id, endpoint, region, empty] {
            assert_eq!(bad.check().unwrap_err().code, ErrorCode::Usage, "{bad:?}");
        }
    }

    /// docs/FORMATS.md §24.2, version 1 (before S3 settings): the sealed mirror list of the
    /// fixed inputs, still read (and migrated).
    #[test]
    fn sealed_config_vector() {
        let device = DeviceId(std::array::from_fn(|i| 0x20 + i as u8));
        let seed = Key32::from_bytes(std::array::from_fn(|i| 0x60 + i as u8));
        let nonce: [u8; aead::NONCE_LEN] = std::array::from_fn(|i| 0xa0 + i as u8);
        let sealed = seal_config_with_nonce(&vector_config(), &device, &seed, 1, &nonce).unwrap();
        let want = include_str!("../testdata/vectors/mirror-config.hex").trim();
        assert_eq!(
            to_hex(&sealed),
            want,
            "the sealed mirror list changed: a format change"
        );
        // Version 1 is read and migrated: the same list, as version 2.
        let (c, g) = open_config(&sealed, &device, &seed).unwrap();
        let mut migrated = vector_config();
        migrated.v = 3;
        assert_eq!((c, g), (migrated, 1));
        for i in 0..sealed.len() {
            let mut b = sealed.clone();
            b[i] ^= 1;
            assert!(open_config(&b, &device, &seed).is_err(), "byte {i}");
        }
        let other = Key32::from_bytes([9; 32]);
        assert!(open_config(&sealed, &device, &other).is_err());
    }
}
