//! API tokens for scripts: a partner's import or a field form calls the JSON API with a bearer
//! token instead of a passphrase.
//!
//! A token is `khr_` + its public id (16 hex) + `_` + its secret (32 random bytes, 64 hex). The
//! node keeps no copy of the secret: the token's slot, `tokens/<id>.token` (FORMATS §28), holds
//! the member's secret sealed under a key derived from the token's secret, so that only the
//! token opens it, and the token's name and scope sealed under a key derived from the member's
//! secret, so that the member can list their tokens. Checking a token costs one BLAKE3
//! derivation and one AEAD open (the secret has 256 random bits: no Argon2 is needed); an
//! unknown id, a malformed token, a revoked one and a wrong secret give the same error after
//! the same work.
//!
//! Slots live in `tokens/`, not in `keys/`: mirrors receive every file of `keys/` and, being
//! create-only, keep it forever, so a revoked token's slot would live on there. Revoking erases
//! the slot as the panic button erases key slots, and the panic button erases every token slot.
//!
//! **Scope.** A token reaches the compartments it names (or every compartment its member
//! holds) and writes only if created with `write`. [`LockedVault::unlock_token`] drops, right
//! after unwrapping them, the key epochs of every compartment outside the scope, so nothing
//! above can read there (records, search, evidence) or write there (every log entry is staged
//! under the keys of its compartment, and each staging point checks the token); a read-only
//! token is refused at every write with [`ErrorCode::Forbidden`]. Administration (members,
//! compartments, devices, mirrors, quarantine decisions) needs a writing token of every
//! compartment; a grant or withdrawal, a writing token that reaches that compartment. Roles
//! still apply on top: a viewer's token never writes.
//!
//! **Activity.** Each use of a token is recorded by the server in its member's activity log:
//! node-local files `activity/<member hex>/<time>-<batch>.log`, one per batch, created once and
//! never changed, sealed under a key derived from the member's secret.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use khronika_crypto::aead;
use khronika_crypto::hash::{from_hex, sha256, to_hex};
use khronika_crypto::{Entropy, Key32, OsEntropy, kdf};
use khronika_store::keys::kind;
use khronika_store::{CompartmentId, MemberId};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{AppError, ErrorCode, io_error};
use crate::keyslot::{slot_ad, with_checksum};
use crate::layout::{self, create_durable};
use crate::members::Role;
use crate::panic::erase_file;
use crate::time::now_ms;
use crate::vault::{LockedVault, UnlockedVault};

/// Every token starts with this.
pub const TOKEN_PREFIX: &str = "khr_";
/// Length of a token's public id in hex.
pub const ID_HEX_LEN: usize = 16;
/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Most compartments one token may name.
pub const MAX_SCOPE_COMPARTMENTS: usize = 64;
/// Longest request path kept in the activity log, in bytes (longer ones are cut, marked `…`).
pub const MAX_USE_PATH: usize = 2048;
/// Longest request method kept in the activity log, in bytes.
pub const MAX_USE_METHOD: usize = 16;

const SLOT_MAGIC: &[u8; 8] = b"KHRNTOKN";
const ACTIVITY_MAGIC: &[u8; 8] = b"KHRNACTV";
const VERSION: u8 = 1;
/// Slot header: magic, version, token id, member id.
const SLOT_HEADER_LEN: usize = 8 + 1 + 8 + 16;
/// The sealed member secret.
const SEALED_SECRET_LEN: usize = 32 + aead::OVERHEAD;
/// A slot without its sealed info: header, sealed secret, checksum.
const SLOT_FIXED_LEN: usize = SLOT_HEADER_LEN + SEALED_SECRET_LEN + 32;
/// Sealed JSON is padded with spaces to a multiple of this many bytes.
const PAD: usize = 256;
/// Most 256-byte blocks of a slot's info.
const MAX_INFO_BLOCKS: usize = 32;
/// Activity header: magic, version, member id, batch id.
const ACTIVITY_HEADER_LEN: usize = 8 + 1 + 16 + 16;
/// Largest activity file read back.
const MAX_ACTIVITY_FILE: u64 = 64 << 20;

const TOKEN_KEY_CONTEXT: &str = "khronika 2026-11 api token v1";
const INFO_KEY_CONTEXT: &str = "khronika 2026-11 api token info v1";
const ACTIVITY_KEY_CONTEXT: &str = "khronika 2026-11 token activity v1";

/// What a token may do. `compartments` empty = every compartment the member holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenScope {
    /// The compartments it reaches, by name as `khronika compartment ls` shows them; empty
    /// means every compartment its member holds.
    pub compartments: Vec<String>,
    /// Whether it may write (create and edit records, add evidence, and, with every
    /// compartment, administer).
    pub write: bool,
}

/// A token as listed (never its secret).
#[derive(Clone, Debug, Serialize)]
pub struct TokenInfo {
    /// Its public id, 16 hex characters.
    pub id: String,
    /// What its member called it.
    pub name: String,
    /// Its member (id hex).
    pub member: String,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was created, milliseconds since 1970 (this node's clock).
    pub created_ms: i64,
}

/// The token's secret string, shown once: zeroized on drop, `Debug` shows `NewToken(..)`.
pub struct NewToken(Zeroizing<String>);

impl NewToken {
    /// The token as the script must present it (`khr_…`). Show it once; never store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewToken(..)")
    }
}

/// What a valid token opened: the member's key, the token's id and scope. Zeroized when
/// dropped; `Debug` never shows the key.
#[derive(Clone)]
pub struct TokenKey {
    id: String,
    member: MemberId,
    secret: Key32,
    scope: TokenScope,
    compartments: Vec<CompartmentId>,
}

impl TokenKey {
    /// The token's public id (16 hex).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The member the token acts for.
    pub fn member(&self) -> MemberId {
        self.member
    }

    /// What the token may do.
    pub fn scope(&self) -> &TokenScope {
        &self.scope
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.id)
            .field("member", &self.member)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// One use of a token, for the member's activity log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenUse {
    /// When, milliseconds since 1970.
    pub time_ms: i64,
    /// The token's id.
    pub token: String,
    /// The HTTP method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The HTTP status answered.
    pub status: u16,
}

/// The token an [`UnlockedVault`] was unlocked with, and what it reaches.
#[derive(Debug, Clone)]
pub(crate) struct TokenSession {
    id: String,
    scope: TokenScope,
    /// The compartments it reaches; `None`: every one the member holds.
    pub(crate) only: Option<BTreeSet<CompartmentId>>,
}

// ---------------------------------------------------------------------------------------
// The token string

/// Read a token string: `khr_<16 hex>_<64 hex>` (lower case; surrounding whitespace ignored).
fn parse_token(token: &str) -> Option<([u8; 8], Key32)> {
    let rest = token.trim().strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let lower_hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if id.len() != ID_HEX_LEN || secret.len() != 64 || !lower_hex(id) || !lower_hex(secret) {
        return None;
    }
    let id = from_hex::<8>(id)?;
    let mut bytes = from_hex::<32>(secret)?;
    let key = Key32::from_bytes(bytes);
    bytes.zeroize();
    Some((id, key))
}

/// Write a token string.
fn token_text(id: &[u8; 8], secret: &Key32) -> Zeroizing<String> {
    let hex = Zeroizing::new(to_hex(secret.expose()));
    let mut out = Zeroizing::new(String::with_capacity(4 + 16 + 1 + 64));
    out.push_str(TOKEN_PREFIX);
    out.push_str(&to_hex(id));
    out.push('_');
    out.push_str(&hex);
    out
}

// ---------------------------------------------------------------------------------------
// The token slot (FORMATS §28.2)

/// A token's name and scope, sealed in its slot. Field names and order are part of the format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotInfo {
    v: u32,
    name: String,
    created_ms: i64,
    write: bool,
    compartments: Vec<ScopeEntry>,
}

/// One compartment of a token's scope: its id (what decides) and its name (what is shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeEntry {
    id: String,
    name: String,
}

impl SlotInfo {
    fn scope(&self) -> TokenScope {
        TokenScope {
            compartments: self.compartments.iter().map(|c| c.name.clone()).collect(),
            write: self.write,
        }
    }

    fn compartment_ids(&self) -> Result<Vec<CompartmentId>, String> {
        self.compartments
            .iter()
            .map(|c| {
                from_hex::<16>(&c.id)
                    .map(CompartmentId)
                    .ok_or_else(|| format!("`{}` is not a compartment id", c.id))
            })
            .collect()
    }
}

/// The public part of a slot, once its length, magic, checksum and version are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SlotHeader {
    id: [u8; 8],
    member: MemberId,
}

fn token_key(secret: &Key32) -> Key32 {
    kdf::derive(TOKEN_KEY_CONTEXT, secret)
}

fn info_key(member_secret: &Key32) -> Key32 {
    kdf::derive(INFO_KEY_CONTEXT, member_secret)
}

fn activity_key(member_secret: &Key32) -> Key32 {
    kdf::derive(ACTIVITY_KEY_CONTEXT, member_secret)
}

/// JSON padded with spaces to a multiple of [`PAD`] bytes (zeroized when dropped).
fn padded_json<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, AppError> {
    let mut json =
        Zeroizing::new(serde_json::to_vec(value).map_err(|e| AppError::internal(e.to_string()))?);
    let len = json.len().div_ceil(PAD).max(1) * PAD;
    json.resize(len, b' ');
    Ok(json)
}

/// Seal a token slot with the given nonces (random ones in use; fixed ones for the vectors).
fn seal_slot(
    id: &[u8; 8],
    member: &MemberId,
    member_secret: &Key32,
    token_secret: &Key32,
    info: &SlotInfo,
    nonces: [&[u8; aead::NONCE_LEN]; 2],
) -> Result<Vec<u8>, AppError> {
    let json = padded_json(info)?;
    if json.len() > MAX_INFO_BLOCKS * PAD {
        return Err(AppError::new(
            ErrorCode::Usage,
            "the token's name and scope are too long; name fewer compartments",
        ));
    }
    let crypto = |e: khronika_crypto::CryptoError| AppError::internal(e.to_string());
    let mut b = Vec::with_capacity(SLOT_FIXED_LEN + json.len() + aead::OVERHEAD);
    b.extend_from_slice(SLOT_MAGIC);
    b.push(VERSION);
    b.extend_from_slice(id);
    b.extend_from_slice(&member.0);
    let header = b.clone();
    aead::seal_into_with_nonce(
        &token_key(token_secret),
        &slot_ad(kind::TOKEN_SLOT, &header),
        member_secret.expose(),
        nonces[0],
        &mut b,
    )
    .map_err(crypto)?;
    aead::seal_into_with_nonce(
        &info_key(member_secret),
        &slot_ad(kind::TOKEN_INFO, &header),
        &json,
        nonces[1],
        &mut b,
    )
    .map_err(crypto)?;
    Ok(with_checksum(b))
}

/// Check a slot's length, magic, checksum and version; read its header.
fn check_slot(bytes: &[u8]) -> Result<SlotHeader, String> {
    if bytes.get(..8) != Some(SLOT_MAGIC.as_slice()) {
        return Err("not a Khronika token slot".into());
    }
    let info_len = bytes.len().checked_sub(SLOT_FIXED_LEN + aead::OVERHEAD);
    match info_len {
        Some(n) if n > 0 && n % PAD == 0 && n <= MAX_INFO_BLOCKS * PAD => {}
        _ => return Err(format!("a token slot of {} bytes cannot be", bytes.len())),
    }
    let (body, sum) = bytes.split_at(bytes.len() - 32);
    if sha256(body) != sum {
        return Err("checksum does not match (the token slot is damaged)".into());
    }
    if body[8] != VERSION {
        return Err(format!("unknown token slot version {}", body[8]));
    }
    let id: [u8; 8] = body[9..17].try_into().map_err(|_| "token id".to_owned())?;
    let member: [u8; 16] = body[17..33]
        .try_into()
        .map_err(|_| "member id".to_owned())?;
    Ok(SlotHeader {
        id,
        member: MemberId(member),
    })
}

/// Check a token slot's length, magic, checksum and version, without a key (for `verify`).
pub(crate) fn check_slot_bytes(bytes: &[u8]) -> Result<(), String> {
    check_slot(bytes).map(|_| ())
}

/// Open a checked slot's member secret with the token's secret (`None`: not this token).
fn open_slot_secret(bytes: &[u8], token_secret: &Key32) -> Option<Key32> {
    let header = bytes.get(..SLOT_HEADER_LEN)?;
    let sealed = bytes.get(SLOT_HEADER_LEN..SLOT_HEADER_LEN + SEALED_SECRET_LEN)?;
    let plain = aead::open(
        &token_key(token_secret),
        &slot_ad(kind::TOKEN_SLOT, header),
        sealed,
    )
    .ok()?;
    let secret: [u8; 32] = plain[..].try_into().ok()?;
    Some(Key32::from_bytes(secret))
}

/// What checking a token costs when there is no slot to check it against: the same checksum,
/// derivation and AEAD open over bytes that cannot open.
fn spend_check(token_secret: &Key32) {
    let dummy = [0u8; SLOT_FIXED_LEN + PAD + aead::OVERHEAD];
    std::hint::black_box(sha256(&dummy[..dummy.len() - 32]));
    let _ = std::hint::black_box(open_slot_secret(&dummy, token_secret));
}

/// Open a checked slot's name and scope with the member's secret.
fn open_slot_info(bytes: &[u8], member_secret: &Key32) -> Result<SlotInfo, String> {
    let header = &bytes[..SLOT_HEADER_LEN];
    let sealed = &bytes[SLOT_HEADER_LEN + SEALED_SECRET_LEN..bytes.len() - 32];
    let plain = aead::open(
        &info_key(member_secret),
        &slot_ad(kind::TOKEN_INFO, header),
        sealed,
    )
    .map_err(|_| "its name and scope do not open with the member's key".to_owned())?;
    let info: SlotInfo = serde_json::from_slice(&plain)
        .map_err(|e| format!("its name and scope are not valid: {e}"))?;
    if info.v != 1 {
        return Err(format!("unknown token info version {}", info.v));
    }
    info.compartment_ids()?;
    Ok(info)
}

// ---------------------------------------------------------------------------------------
// The activity log (FORMATS §28.3)

/// A batch of uses as sealed. Field names are part of the format.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityBatch {
    v: u32,
    uses: Vec<TokenUse>,
}

fn activity_header(member: &MemberId, batch: &[u8; 16]) -> Vec<u8> {
    let mut b = Vec::with_capacity(ACTIVITY_HEADER_LEN);
    b.extend_from_slice(ACTIVITY_MAGIC);
    b.push(VERSION);
    b.extend_from_slice(&member.0);
    b.extend_from_slice(batch);
    b
}

/// Seal one batch of uses with the given nonce.
fn seal_activity(
    member: &MemberId,
    batch: &[u8; 16],
    member_secret: &Key32,
    uses: &[TokenUse],
    nonce: &[u8; aead::NONCE_LEN],
) -> Result<Vec<u8>, AppError> {
    let json = padded_json(&ActivityBatch {
        v: 1,
        uses: uses.to_vec(),
    })?;
    let mut b = activity_header(member, batch);
    let ad = slot_ad(kind::TOKEN_ACTIVITY, &b);
    aead::seal_into_with_nonce(&activity_key(member_secret), &ad, &json, nonce, &mut b)
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(b)
}

/// Open one batch of uses: it must be the member's, and the batch named by its file.
fn open_activity(
    bytes: &[u8],
    member: &MemberId,
    batch: &[u8; 16],
    member_secret: &Key32,
) -> Result<Vec<TokenUse>, String> {
    if bytes.get(..8) != Some(ACTIVITY_MAGIC.as_slice()) {
        return Err("not a Khronika activity file".into());
    }
    if bytes.len() < ACTIVITY_HEADER_LEN + aead::OVERHEAD + PAD
        || !(bytes.len() - ACTIVITY_HEADER_LEN - aead::OVERHEAD).is_multiple_of(PAD)
    {
        return Err(format!(
            "an activity file of {} bytes cannot be",
            bytes.len()
        ));
    }
    if bytes[8] != VERSION {
        return Err(format!("unknown activity file version {}", bytes[8]));
    }
    let (header, sealed) = bytes.split_at(ACTIVITY_HEADER_LEN);
    if header[9..25] != member.0 {
        return Err("it belongs to another member".into());
    }
    if &header[25..41] != batch {
        return Err("its batch id differs from its file name".into());
    }
    let plain = aead::open(
        &activity_key(member_secret),
        &slot_ad(kind::TOKEN_ACTIVITY, header),
        sealed,
    )
    .map_err(|_| "it does not open (damaged, or changed)".to_owned())?;
    let b: ActivityBatch =
        serde_json::from_slice(&plain).map_err(|e| format!("its contents are not valid: {e}"))?;
    if b.v != 1 {
        return Err(format!("unknown activity version {}", b.v));
    }
    Ok(b.uses)
}

/// Parse an activity file name, `<time ms, 20 digits>-<batch id, 32 hex>.log`.
fn parse_activity_name(name: &str) -> Option<(u64, [u8; 16])> {
    let stem = name.strip_suffix(".log")?;
    let (time, batch) = stem.split_once('-')?;
    if time.len() != 20 || !time.bytes().all(|b| b.is_ascii_digit()) || batch.len() != 32 {
        return None;
    }
    if !batch
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    Some((time.parse().ok()?, from_hex::<16>(batch)?))
}

/// Keep a string within `max` bytes (cut at a character boundary, marked `…`) and replace
/// control characters, so that a hostile request path cannot spoil a terminal or the log.
fn tidy(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if clean.len() <= max {
        return clean;
    }
    let mut cut = max.saturating_sub('…'.len_utf8());
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &clean[..cut])
}

// ---------------------------------------------------------------------------------------
// Errors

/// The one answer for every token that does not open anything.
/// A folder's entries; none if it does not exist (nothing was ever written to it).
fn list_if_any(
    fs: &dyn khronika_backends::Fs,
    dir: &Path,
    doing: &str,
) -> Result<Vec<khronika_backends::DirEntry>, AppError> {
    match fs.list_dir(dir) {
        Ok(e) => Ok(e),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io_error(doing, e)),
    }
}

fn invalid_token() -> AppError {
    AppError::new(
        ErrorCode::WrongPassphrase,
        "the token is not valid (mistyped, revoked, or made on another node); create a new one with `khronika token create`",
    )
}

fn damaged_slot(path: &Path, why: &str) -> AppError {
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    AppError::new(
        ErrorCode::Damaged,
        format!(
            "the token slot {} is damaged ({why}); erase it with `khronika token revoke {id}` and create a new token",
            path.display()
        ),
    )
}

fn crypto(e: khronika_crypto::CryptoError) -> AppError {
    AppError::internal(format!("cryptographic operation failed: {e}"))
}

// ---------------------------------------------------------------------------------------
// The vault

impl LockedVault {
    /// Check a presented token. Unknown, malformed, revoked and wrong tokens all give the
    /// same error ([`ErrorCode::WrongPassphrase`]) after about the same work: one checksum,
    /// one BLAKE3 derivation and one AEAD open (whose tag comparison is constant-time). The
    /// slot is found by the public id the token carries. Reads only.
    pub fn open_token(&self, token: &str) -> Result<TokenKey, AppError> {
        let parsed = parse_token(token);
        let Some((id, secret)) = parsed else {
            spend_check(&Key32::from_bytes([0; 32]));
            return Err(invalid_token());
        };
        let path = layout::token_slot(&self.root, &to_hex(&id));
        let bytes = match self.fs.read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                spend_check(&secret);
                return Err(invalid_token());
            }
            Err(e) => return Err(io_error("reading the token slot", e)),
        };
        let header = match check_slot(&bytes) {
            Ok(h) if h.id == id => h,
            _ => {
                spend_check(&secret);
                return Err(invalid_token());
            }
        };
        let member_secret = open_slot_secret(&bytes, &secret).ok_or_else(invalid_token)?;
        // The token is genuine from here on: what follows may take its own time.
        let info = open_slot_info(&bytes, &member_secret).map_err(|w| damaged_slot(&path, &w))?;
        let compartments = info
            .compartment_ids()
            .map_err(|w| damaged_slot(&path, &w))?;
        Ok(TokenKey {
            id: to_hex(&id),
            member: header.member,
            secret: member_secret,
            scope: info.scope(),
            compartments,
        })
    }

    /// Unlock the vault as the token's member, restricted to the token's scope. Refused, with
    /// the error of an invalid token, once the token was revoked or its member removed.
    pub fn unlock_token(self, key: &TokenKey) -> Result<UnlockedVault, AppError> {
        let path = layout::token_slot(&self.root, &key.id);
        if self
            .fs
            .kind(&path)
            .map_err(|e| io_error("looking at the token slot", e))?
            .is_none()
        {
            return Err(invalid_token());
        }
        let session = TokenSession {
            id: key.id.clone(),
            scope: key.scope.clone(),
            only: (!key.compartments.is_empty())
                .then(|| key.compartments.iter().copied().collect()),
        };
        let v = self.unlock_scoped(key.member, key.secret.clone(), Some(session))?;
        if v.is_removed(&key.member) || !v.roster.members.contains_key(&key.member) {
            return Err(invalid_token());
        }
        Ok(v)
    }
}

impl UnlockedVault {
    /// The token's scope, when the vault was unlocked by a token (`None` with a passphrase).
    pub fn token_scope(&self) -> Option<&TokenScope> {
        self.token.as_ref().map(|t| &t.scope)
    }

    /// The token's id, when the vault was unlocked by a token.
    pub fn token_id(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.id.as_str())
    }

    /// Create a token for this member, scoped to `scope`. The secret is in the returned
    /// [`NewToken`] only: show it once. Needs a live member unlocked with their passphrase.
    pub fn create_token(
        &mut self,
        name: &str,
        scope: TokenScope,
    ) -> Result<(TokenInfo, NewToken), AppError> {
        self.refuse_token_session("create tokens")?;
        if self.is_removed(&self.member) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "you were removed from this vault's members; ask an administrator",
            ));
        }
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "give the token a name of 1 to {MAX_NAME_CHARS} characters on one line, saying which script uses it (e.g. \"partner import\")"
                ),
            ));
        }
        if scope.write && self.role() < Role::Documenter {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "your role is {}, which cannot write: a token with --write would not help. Create a read-only token (without --write), or ask an administrator for another role",
                    self.role().as_str()
                ),
            ));
        }
        let mut entries: Vec<ScopeEntry> = Vec::new();
        for c in &scope.compartments {
            let c = c.trim();
            let id = self.find_compartment(c)?;
            let epoch = self.directory.current_epoch(&id).unwrap_or(0);
            if !self.epochs.contains_key(&(id, epoch)) {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    format!("you no longer hold compartment `{c}`; a token cannot reach it"),
                ));
            }
            if !entries.iter().any(|e| e.id == id.to_hex()) {
                entries.push(ScopeEntry {
                    id: id.to_hex(),
                    name: c.to_owned(),
                });
            }
        }
        if entries.len() > MAX_SCOPE_COMPARTMENTS {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "a token may name at most {MAX_SCOPE_COMPARTMENTS} compartments; leave --compartment out for all of yours"
                ),
            ));
        }
        if self.tokens()?.iter().any(|t| t.name == name) {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "you have a token called `{name}` already; choose another name, or revoke it first"
                ),
            ));
        }
        let mut rng = OsEntropy;
        let mut id = [0u8; 8];
        rng.fill(&mut id).map_err(crypto)?;
        let secret = Key32::random(&mut rng).map_err(crypto)?;
        let mut nonces = [[0u8; aead::NONCE_LEN]; 2];
        for n in &mut nonces {
            rng.fill(n).map_err(crypto)?;
        }
        let info = SlotInfo {
            v: 1,
            name: name.to_owned(),
            created_ms: now_ms(),
            write: scope.write,
            compartments: entries,
        };
        let bytes = seal_slot(
            &id,
            &self.member,
            &self.member_secret,
            &secret,
            &info,
            [&nonces[0], &nonces[1]],
        )?;
        let root = self.vault.root.clone();
        let fs = self.vault.fs.clone();
        layout::ensure_dir(fs.as_ref(), &root.join(layout::TOKENS_DIR))?;
        create_durable(
            fs.as_ref(),
            &layout::token_slot(&root, &to_hex(&id)),
            &bytes,
        )?;
        let listed = TokenInfo {
            id: to_hex(&id),
            name: info.name.clone(),
            member: self.member.to_hex(),
            scope: info.scope(),
            created_ms: info.created_ms,
        };
        Ok((listed, NewToken(token_text(&id, &secret))))
    }

    /// This member's live tokens on this node, oldest first (never their secrets).
    pub fn tokens(&self) -> Result<Vec<TokenInfo>, AppError> {
        let mut out = Vec::new();
        for (path, bytes) in self.token_slots()? {
            let header = check_slot(&bytes).map_err(|w| damaged_slot(&path, &w))?;
            if header.member != self.member {
                continue;
            }
            let info =
                open_slot_info(&bytes, &self.member_secret).map_err(|w| damaged_slot(&path, &w))?;
            out.push(TokenInfo {
                id: to_hex(&header.id),
                name: info.name.clone(),
                member: self.member.to_hex(),
                scope: info.scope(),
                created_ms: info.created_ms,
            });
        }
        out.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        Ok(out)
    }

    /// Revoke one of this member's tokens, by its id or a unique prefix of it (at least 6
    /// characters): its slot is overwritten with random bytes, synced and unlinked, so the
    /// token opens nothing from then on. A damaged slot (whose owner cannot be told) is erased
    /// when its whole id is given.
    pub fn revoke_token(&mut self, id: &str) -> Result<(), AppError> {
        self.refuse_token_session("revoke tokens")?;
        let want = id.trim().to_ascii_lowercase();
        if want.len() < 6 || want.len() > ID_HEX_LEN || !want.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "`{id}` is not a token id: give at least 6 of its 16 hex characters, as `khronika token ls` prints them"
                ),
            ));
        }
        let mut hits: Vec<PathBuf> = Vec::new();
        for (path, bytes) in self.token_slots()? {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !stem.starts_with(&want) {
                continue;
            }
            match check_slot(&bytes) {
                Ok(h) if h.member == self.member => hits.push(path),
                Ok(_) => {}
                Err(_) if stem == want => hits.push(path),
                Err(_) => {}
            }
        }
        let path = match hits.as_slice() {
            [p] => p.clone(),
            [] => {
                return Err(AppError::new(
                    ErrorCode::NotFound,
                    format!("you have no token {id} on this node; `khronika token ls` lists yours"),
                ));
            }
            _ => {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    format!("{id} matches several of your tokens; give more characters"),
                ));
            }
        };
        let fs = self.vault.fs.as_ref();
        erase_file(fs, &path).map_err(|e| io_error("erasing the token slot", e))?;
        fs.sync_dir(&self.vault.root.join(layout::TOKENS_DIR))
            .map_err(|e| io_error("erasing the token slot", e))
    }

    /// Erase the token slots of `member` on this node (best effort: a removed member's tokens
    /// are refused at unlock anyway).
    pub(crate) fn erase_member_tokens(&self, member: &MemberId) {
        let Ok(slots) = self.token_slots() else {
            return;
        };
        let fs = self.vault.fs.as_ref();
        for (path, bytes) in slots {
            if check_slot(&bytes).is_ok_and(|h| h.member == *member) {
                let _ = erase_file(fs, &path);
            }
        }
        let _ = fs.sync_dir(&self.vault.root.join(layout::TOKENS_DIR));
    }

    /// Every token slot file on this node with its bytes (temporary files left out).
    fn token_slots(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, AppError> {
        let dir = self.vault.root.join(layout::TOKENS_DIR);
        let fs = self.vault.fs.as_ref();
        let entries = list_if_any(fs, &dir, "listing the token slots")?;
        let mut out = Vec::new();
        for e in entries {
            if e.kind != khronika_backends::EntryKind::File
                || e.name.starts_with('.')
                || !e.name.ends_with(".token")
            {
                continue;
            }
            let path = dir.join(&e.name);
            let bytes = fs
                .read(&path)
                .map_err(|err| io_error(&format!("reading {}", path.display()), err))?;
            out.push((path, bytes));
        }
        Ok(out)
    }

    /// Append a batch of token uses to this member's activity log: one new file, sealed,
    /// created durably and never changed. Paths and methods are kept to
    /// [`MAX_USE_PATH`]/[`MAX_USE_METHOD`] bytes and control characters replaced; nothing is
    /// refused (a use that happened is never dropped). An empty batch writes nothing.
    pub fn record_token_uses(&mut self, uses: &[TokenUse]) -> Result<(), AppError> {
        if uses.is_empty() {
            return Ok(());
        }
        let tidy_uses: Vec<TokenUse> = uses
            .iter()
            .map(|u| TokenUse {
                time_ms: u.time_ms,
                token: tidy(&u.token, 64),
                method: tidy(&u.method, MAX_USE_METHOD),
                path: tidy(&u.path, MAX_USE_PATH),
                status: u.status,
            })
            .collect();
        let mut rng = OsEntropy;
        let mut batch = [0u8; 16];
        rng.fill(&mut batch).map_err(crypto)?;
        let mut nonce = [0u8; aead::NONCE_LEN];
        rng.fill(&mut nonce).map_err(crypto)?;
        let bytes = seal_activity(
            &self.member,
            &batch,
            &self.member_secret,
            &tidy_uses,
            &nonce,
        )?;
        let fs = self.vault.fs.clone();
        let dir = layout::activity_dir(&self.vault.root, &self.member);
        layout::ensure_dir(fs.as_ref(), &dir)?;
        let name = format!("{:020}-{}.log", now_ms().max(0), to_hex(&batch));
        create_durable(fs.as_ref(), &dir.join(name), &bytes)
    }

    /// The newest `limit` uses of this member's tokens on this node, newest first. A token
    /// must reach every compartment to read it (the log names what every token asked for).
    pub fn token_uses(&self, limit: usize) -> Result<Vec<TokenUse>, AppError> {
        self.token_everything("read the activity log of your tokens")?;
        let dir = layout::activity_dir(&self.vault.root, &self.member);
        let fs = self.vault.fs.as_ref();
        let entries = list_if_any(fs, &dir, "listing the activity log")?;
        let mut files = Vec::new();
        for e in entries {
            if e.name.starts_with('.') {
                continue;
            }
            let path = dir.join(&e.name);
            match parse_activity_name(&e.name) {
                Some((time, batch)) if e.kind == khronika_backends::EntryKind::File => {
                    files.push((time, batch, path));
                }
                _ => {
                    return Err(AppError::new(
                        ErrorCode::Damaged,
                        format!(
                            "{} is not a file of the activity log; move it out of {}",
                            path.display(),
                            dir.display()
                        ),
                    ));
                }
            }
        }
        // Newest batches first; a batch holds uses from before it was written, so once
        // `limit` uses are no older than the next batch's time, no older batch can matter.
        files.sort_by_key(|f| std::cmp::Reverse((f.0, f.1)));
        let mut uses: Vec<TokenUse> = Vec::new();
        for (n, (_, batch, path)) in files.iter().enumerate() {
            if limit == 0 {
                break;
            }
            let len = fs
                .file_len(path)
                .map_err(|e| io_error(&format!("reading {}", path.display()), e))?;
            if len > MAX_ACTIVITY_FILE {
                return Err(AppError::new(
                    ErrorCode::Damaged,
                    format!(
                        "the activity file {} is too large ({len} bytes) to be one",
                        path.display()
                    ),
                ));
            }
            let bytes = fs
                .read(path)
                .map_err(|e| io_error(&format!("reading {}", path.display()), e))?;
            let batch_uses = open_activity(&bytes, &self.member, batch, &self.member_secret)
                .map_err(|w| {
                    AppError::new(
                        ErrorCode::Damaged,
                        format!(
                            "the activity file {} is damaged: {w}. Move it away to read the rest of the log",
                            path.display()
                        ),
                    )
                })?;
            uses.extend(batch_uses);
            uses.sort_by_key(|u| std::cmp::Reverse(u.time_ms));
            uses.truncate(limit);
            if let Some((next, _, _)) = files.get(n + 1)
                && uses.len() == limit
                && uses
                    .last()
                    .is_some_and(|u| i128::from(u.time_ms) >= i128::from(*next))
            {
                break;
            }
        }
        Ok(uses)
    }

    // -----------------------------------------------------------------------------------
    // What a token allows, checked by the rest of the app

    /// Refuse what only a member with their passphrase may do.
    fn refuse_token_session(&self, what: &str) -> Result<(), AppError> {
        if self.token.is_some() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!("a token cannot {what}; use your passphrase (`khronika token …`)"),
            ));
        }
        Ok(())
    }

    /// Refuse `what` (a change) when unlocked by a read-only token.
    pub(crate) fn token_write(&self, what: &str) -> Result<(), AppError> {
        match &self.token {
            Some(t) if !t.scope.write => Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "this token is read-only, so it cannot {what}. Scripts that write need a token made with --write (`khronika token create --name NAME --write`)"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Refuse `what` (administration) when unlocked by a token that is read-only or does not
    /// reach every compartment.
    pub(crate) fn token_everything(&self, what: &str) -> Result<(), AppError> {
        self.token_write(what)?;
        match &self.token {
            Some(t) if t.only.is_some() => Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "this token reaches only {}, so it cannot {what}: that needs a token of every compartment (made without --compartment) with --write, or your passphrase",
                    t.scope_list()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Refuse `what` in compartment `c` when unlocked by a token that does not reach it.
    pub(crate) fn token_compartment(&self, c: &CompartmentId, what: &str) -> Result<(), AppError> {
        match &self.token {
            Some(t) if t.only.as_ref().is_some_and(|o| !o.contains(c)) => Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "this token reaches only {}, not compartment {}, so it cannot {what}; make a token with --compartment for it",
                    t.scope_list(),
                    self.directory.label(c)
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Refuse to stage a log entry in compartment `c` (the zero id: an entry about the whole
    /// vault) unless the token (if any) writes and reaches it. Every place that stages an
    /// entry goes through this, so no layer above can write outside a token's scope.
    pub(crate) fn token_may_stage(&self, c: &CompartmentId) -> Result<(), AppError> {
        if *c == CompartmentId::NONE {
            self.token_everything("change the vault")
        } else {
            self.token_write("change the vault")?;
            self.token_compartment(c, "write there")
        }
    }
}

impl TokenSession {
    fn scope_list(&self) -> String {
        self.scope
            .compartments
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: u8) -> [u8; 16] {
        std::array::from_fn(|i| s + i as u8)
    }

    fn key(s: u8) -> Key32 {
        Key32::from_bytes(std::array::from_fn(|i| s + i as u8))
    }

    fn hex(t: &str) -> Vec<u8> {
        let h: String = t
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.trim().chars())
            .collect();
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Compare `actual` with the golden hex file `name` (or write it, with
    /// `KHRONIKA_WRITE_VECTORS=1`: a deliberate format change, see testdata/vectors/README.md).
    #[allow(clippy::disallowed_methods)]
    fn golden(name: &str, about: &str, actual: &[u8]) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/vectors")
            .join(name);
        if std::env::var_os("KHRONIKA_WRITE_VECTORS").is_some_and(|v| v == "1") {
            let mut text: String = about.lines().map(|l| format!("# {l}\n")).collect();
            text.push_str(&format!("# {} bytes, 32 per line\n", actual.len()));
            for c in actual.chunks(32) {
                text.push_str(&to_hex(c));
                text.push('\n');
            }
            std::fs::write(&path, text).unwrap();
        }
        let want = hex(&std::fs::read_to_string(&path).unwrap());
        assert!(
            want == actual,
            "testdata/vectors/{name}: the format changed; a format change needs a new version, a migration and new vectors"
        );
    }

    /// The fixed inputs of FORMATS §28.5.
    fn vector_info() -> SlotInfo {
        SlotInfo {
            v: 1,
            name: "partner import".into(),
            created_ms: 1_795_000_000_000,
            write: false,
            compartments: vec![ScopeEntry {
                id: to_hex(&id(0x40)),
                name: "chechnya-2019".into(),
            }],
        }
    }

    const TOKEN_ID: [u8; 8] = [0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7];

    fn vector_slot() -> Vec<u8> {
        let na: [u8; 24] = std::array::from_fn(|i| 0xc0 + i as u8);
        let nb: [u8; 24] = std::array::from_fn(|i| 0xe0 + i as u8);
        seal_slot(
            &TOKEN_ID,
            &MemberId(id(0x30)),
            &key(0x70),
            &key(0x90),
            &vector_info(),
            [&na, &nb],
        )
        .unwrap()
    }

    fn vector_uses() -> Vec<TokenUse> {
        vec![
            TokenUse {
                time_ms: 1_795_000_100_000,
                token: "b0b1b2b3b4b5b6b7".into(),
                method: "GET".into(),
                path: "/api/v1/cases/C-0123456789abcdef0123456789abcdef".into(),
                status: 200,
            },
            TokenUse {
                time_ms: 1_795_000_100_250,
                token: "b0b1b2b3b4b5b6b7".into(),
                method: "POST".into(),
                path: "/api/v1/records".into(),
                status: 403,
            },
        ]
    }

    fn vector_activity() -> Vec<u8> {
        let n: [u8; 24] = std::array::from_fn(|i| 0xd0 + i as u8);
        seal_activity(
            &MemberId(id(0x30)),
            &std::array::from_fn(|i| 0xa0 + i as u8),
            &key(0x70),
            &vector_uses(),
            &n,
        )
        .unwrap()
    }

    #[test]
    fn the_token_string_matches_its_vector_and_parses_back() {
        let text = token_text(&TOKEN_ID, &key(0x90));
        assert_eq!(
            text.as_str(),
            "khr_b0b1b2b3b4b5b6b7_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
        );
        let (i, s) = parse_token(&format!(" {}\n", text.as_str())).unwrap();
        assert_eq!((i, s), (TOKEN_ID, key(0x90)));
        for bad in [
            "",
            "khr_",
            "khr_b0b1b2b3b4b5b6b7",
            "khr_b0b1b2b3b4b5b6b7_",
            "KHR_b0b1b2b3b4b5b6b7_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "khr_B0b1b2b3b4b5b6b7_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "khr_b0b1b2b3b4b5b6b7_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaea",
            "khr_b0b1b2b3b4b5b6b7_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf0",
            "khr_b0b1b2b3b4b5b6_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf00",
            "khr_b0b1b2b3b4b5b6b7-909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "khr_b0b1b2b3b4b5b6b7_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaг",
            "khr_b0b1b2b3b4b5b6b7_90919293949596979 99a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        ] {
            assert!(parse_token(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_token_slot_matches_its_vector_and_refuses_any_change() {
        let slot = vector_slot();
        golden(
            "token-slot.hex",
            "tokens/<id>.token (FORMATS §28.2; tokens.rs): token id b0 … b7, member 30 … 3f,\n\
             member secret 70 … 8f, token secret 90 … af, nonces c0 … d7 and e0 … f7,\n\
             info {\"v\":1,\"name\":\"partner import\",\"created_ms\":1795000000000,\"write\":false,\n\
             \"compartments\":[{\"id\":\"404142434445464748494a4b4c4d4e4f\",\"name\":\"chechnya-2019\"}]}",
            &slot,
        );
        assert_eq!(slot.len(), SLOT_FIXED_LEN + PAD + aead::OVERHEAD);
        let h = check_slot(&slot).unwrap();
        assert_eq!(
            h,
            SlotHeader {
                id: TOKEN_ID,
                member: MemberId(id(0x30))
            }
        );
        assert_eq!(open_slot_secret(&slot, &key(0x90)), Some(key(0x70)));
        assert_eq!(open_slot_secret(&slot, &key(0x91)), None);
        assert_eq!(open_slot_info(&slot, &key(0x70)).unwrap(), vector_info());
        assert!(open_slot_info(&slot, &key(0x71)).is_err());
        for i in 0..slot.len() {
            let mut b = slot.clone();
            b[i] ^= 0x01;
            assert!(check_slot(&b).is_err(), "byte {i}");
            // Even with the checksum recomputed, a changed byte opens nothing.
            let n = b.len() - 32;
            let sum = sha256(&b[..n]);
            b[n..].copy_from_slice(&sum);
            if i < n {
                let opened = check_slot(&b).is_ok()
                    && open_slot_secret(&b, &key(0x90)).is_some()
                    && open_slot_info(&b, &key(0x70)).is_ok();
                assert!(!opened, "byte {i}");
            }
        }
        for len in [0, 8, SLOT_FIXED_LEN, slot.len() - 1, slot.len() + PAD] {
            let mut b = slot.clone();
            b.resize(len, 0);
            assert!(check_slot(&b).is_err(), "length {len}");
        }
    }

    #[test]
    fn the_activity_file_matches_its_vector_and_refuses_any_change() {
        let file = vector_activity();
        golden(
            "token-activity.hex",
            "activity/<member>/<time>-<batch>.log (FORMATS §28.3; tokens.rs): member 30 … 3f,\n\
             batch a0 … af, member secret 70 … 8f, nonce d0 … e7, the two uses of §28.3",
            &file,
        );
        let member = MemberId(id(0x30));
        let batch: [u8; 16] = std::array::from_fn(|i| 0xa0 + i as u8);
        assert_eq!(
            open_activity(&file, &member, &batch, &key(0x70)).unwrap(),
            vector_uses()
        );
        assert!(open_activity(&file, &member, &[0; 16], &key(0x70)).is_err());
        assert!(open_activity(&file, &MemberId(id(0x31)), &batch, &key(0x70)).is_err());
        assert!(open_activity(&file, &member, &batch, &key(0x71)).is_err());
        for i in 0..file.len() {
            let mut b = file.clone();
            b[i] ^= 0x01;
            assert!(
                open_activity(&b, &member, &batch, &key(0x70)).is_err(),
                "byte {i}"
            );
        }
        for len in [0, 8, ACTIVITY_HEADER_LEN, file.len() - 1] {
            assert!(
                open_activity(&file[..len], &member, &batch, &key(0x70)).is_err(),
                "length {len}"
            );
        }
    }

    #[test]
    fn activity_names_and_tidying() {
        let name = format!("{:020}-{}.log", 1_795_000_000_000u64, to_hex(&[0xab; 16]));
        assert_eq!(
            parse_activity_name(&name),
            Some((1_795_000_000_000, [0xab; 16]))
        );
        for bad in [
            "x.log",
            "01795000000000-abababababababababababababababab.log",
            "00000001795000000000-ABABABABABABABABABABABABABABABAB.log",
            "00000001795000000000-abababababababababababababababab.tmp",
            "00000001795000000000_abababababababababababababababab.log",
        ] {
            assert_eq!(parse_activity_name(bad), None, "{bad}");
        }
        assert_eq!(tidy("GET", 16), "GET");
        assert_eq!(tidy("a\nb\u{1b}[31m", 64), "a\u{fffd}b\u{fffd}[31m");
        let long = "я".repeat(2000);
        let t = tidy(&long, MAX_USE_PATH);
        assert!(t.len() <= MAX_USE_PATH && t.ends_with('…'), "{}", t.len());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let t = NewToken(token_text(&TOKEN_ID, &key(0x90)));
        assert_eq!(format!("{t:?}"), "NewToken(..)");
        let k = TokenKey {
            id: "b0b1b2b3b4b5b6b7".into(),
            member: MemberId(id(0x30)),
            secret: key(0x70),
            scope: TokenScope {
                compartments: vec![],
                write: true,
            },
            compartments: vec![],
        };
        let d = format!("{k:?}");
        assert!(
            d.contains("b0b1b2b3b4b5b6b7") && !d.contains("707172"),
            "{d}"
        );
    }
}
