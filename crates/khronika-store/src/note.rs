//! C2SP signed notes (`c2sp.org/signed-note`), checkpoints (`c2sp.org/tlog-checkpoint`) and
//! timestamped Ed25519 witness cosignatures (`c2sp.org/tlog-cosignature`, type `0x04`).
//!
//! A signed note is a UTF-8 text ending in a newline, a blank line, and one or more signature
//! lines `— <key name> base64(key id (4, big-endian) || signature)`. Parsing and verification
//! follow Go's `golang.org/x/mod/sumdb/note` (whose test vectors `tests/it/note.rs` runs):
//!
//! - the text is everything up to the *last* blank line; the note must be valid UTF-8 without
//!   control characters other than newline, and every line after the blank line must be a
//!   well-formed signature line;
//! - at most [`MAX_SIGNATURES`] signature lines (the spec requires at least 16);
//! - signatures by unknown keys (name and key id not both known) are ignored and reported as
//!   unverified, identical repeats once;
//! - a signature by a known key that does not verify rejects the whole note;
//! - a note with no verified signature is rejected.
//!
//! Two deliberate differences from Go, both stricter: base64 must be canonical (RFC 4648 with
//! zero padding bits: Go accepts non-zero trailing bits, so two encodings of one signature
//! would both pass and a flipped bit could go unnoticed), and every repeated signature by a
//! known key is verified (Go checks only the first and skips the rest). Ed25519 is verified
//! with strict RFC 8032 rules (`khronika_crypto::sign`).
//!
//! Verifier keys are `<name>+<key id, 8 hex digits>+<base64(type || public key)>`, with the
//! key id = SHA-256(name || `"\n"` || type || public key)[0..4]. Types `0x01` (Ed25519 note
//! signature) and `0x04` (Ed25519 `cosignature/v1`) are supported; others are refused when
//! parsing a key and ignored when found on a note.
//!
//! A `cosignature/v1` signature is `timestamp (u64, big-endian) || Ed25519 signature` over
//! `"cosignature/v1\ntime <timestamp>\n"` followed by the checkpoint text
//! ([`cosignature_message`]). The timestamp is POSIX seconds and at most 2^63 − 1.
//!
//! [`CheckpointPolicy`] puts it together for a reader: the expected origin, the log's keys,
//! the witnesses' keys and how many witnesses must have cosigned.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use khronika_crypto::hash::Sha256Hasher;
use khronika_crypto::sign::{PublicKey, SIGNATURE_LEN, SigningKey};

/// Signature type of Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type of timestamped Ed25519 cosignatures (`cosignature/v1`).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// The most signature lines a note may carry (as Go's `note.Open`).
pub const MAX_SIGNATURES: usize = 100;
/// The largest note accepted, in bytes.
pub const MAX_NOTE_SIZE: usize = 1 << 20;
/// The largest cosignature timestamp (2^63 − 1).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

const SIG_PREFIX: &str = "\u{2014} ";
const COSIG_LEN: usize = 8 + SIGNATURE_LEN;

/// What went wrong with a note, a signature or a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note's syntax is wrong.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// A signer has an invalid key name.
    #[error("invalid signer: key name {0:?} is empty or has a space or '+'")]
    InvalidSigner(String),
    /// A signer refused to sign.
    #[error("signing failed: {0}")]
    SigningFailed(String),
    /// A signature by a known key does not verify.
    #[error("invalid signature for key {name}+{id:08x}")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key id.
        id: u32,
    },
    /// Two known keys share a name and key id.
    #[error("ambiguous key {name}+{id:08x}")]
    AmbiguousKey {
        /// Key name.
        name: String,
        /// Key id.
        id: u32,
    },
    /// A [`Verifiers`] implementation returned a key for another name or key id.
    #[error("verifier name or key id does not match the signature")]
    MismatchedVerifier,
    /// No signature on the note is by a known key.
    #[error("note has no verifiable signatures")]
    Unverified {
        /// The signatures by unknown keys.
        unverified: Vec<Signature>,
    },
    /// The note's text is not a checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// The checkpoint is from another log.
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    WrongOrigin {
        /// The origin the reader trusts.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
    /// The checkpoint verifies only with witness keys, not with a log key.
    #[error("checkpoint has no signature by the log's key")]
    NoLogSignature,
    /// Fewer witnesses cosigned than the policy requires.
    #[error("checkpoint has cosignatures by {got} of the trusted witnesses, {need} are required")]
    NotEnoughCosignatures {
        /// Distinct trusted witnesses whose cosignature verified.
        got: usize,
        /// The quorum.
        need: usize,
    },
}

/// What is wrong with a verifier key string or key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The string is not `<name>+<key id>+<base64 key>`.
    #[error("malformed verifier key: {0}")]
    Malformed(&'static str),
    /// The key's signature type is not one this crate verifies.
    #[error("unsupported signature type {0:#04x} in verifier key")]
    UnsupportedType(u8),
    /// The key id does not match the name and key.
    #[error(
        "verifier key id {found:08x} does not match its name and key (expected {expected:08x})"
    )]
    WrongKeyId {
        /// The key id in the string.
        found: u32,
        /// The key id computed from name, type and key.
        expected: u32,
    },
}

/// True if `name` can be a key name: non-empty, no Unicode white space, no `+`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

/// The key id of a key: the first four bytes (big-endian) of
/// SHA-256(name || `"\n"` || signature type || public key).
pub fn key_id(name: &str, alg: u8, key: &[u8]) -> u32 {
    let mut h = Sha256Hasher::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(&[alg]);
    h.update(key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The message an Ed25519 `cosignature/v1` signs: `"cosignature/v1\ntime <t>\n"` and the
/// checkpoint text (which ends with a newline).
pub fn cosignature_message(timestamp: u64, text: &str) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// A signature type this crate verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `0x01`: Ed25519 over the note text.
    Ed25519,
    /// `0x04`: timestamped Ed25519 over [`cosignature_message`].
    CosignatureV1,
}

impl KeyKind {
    /// The signature type byte.
    pub fn alg(self) -> u8 {
        match self {
            KeyKind::Ed25519 => ALG_ED25519,
            KeyKind::CosignatureV1 => ALG_COSIGNATURE_V1,
        }
    }

    /// The kind of a signature type byte, if supported.
    pub fn from_alg(alg: u8) -> Option<Self> {
        match alg {
            ALG_ED25519 => Some(KeyKind::Ed25519),
            ALG_COSIGNATURE_V1 => Some(KeyKind::CosignatureV1),
            _ => None,
        }
    }
}

/// A verifier key: a key name, its key id, a signature type and an Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VerifierKey {
    name: String,
    id: u32,
    kind: KeyKind,
    key: PublicKey,
}

impl VerifierKey {
    /// The verifier key of `key` under `name` for signatures of `kind`.
    pub fn new(name: &str, kind: KeyKind, key: PublicKey) -> Result<Self, KeyError> {
        if !is_valid_name(name) {
            return Err(KeyError::Malformed(
                "key name is empty or has a space or '+'",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            id: key_id(name, kind.alg(), &key.0),
            kind,
            key,
        })
    }

    /// An Ed25519 note-signature key (type `0x01`).
    pub fn ed25519(name: &str, key: PublicKey) -> Result<Self, KeyError> {
        Self::new(name, KeyKind::Ed25519, key)
    }

    /// An Ed25519 `cosignature/v1` key (type `0x04`).
    pub fn cosignature_v1(name: &str, key: PublicKey) -> Result<Self, KeyError> {
        Self::new(name, KeyKind::CosignatureV1, key)
    }

    /// Parse `<name>+<key id hex>+<base64(type || key)>`, checking the key id.
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let (name, rest) = s
            .split_once('+')
            .ok_or(KeyError::Malformed("expected <name>+<key id>+<key>"))?;
        let (id_hex, key64) = rest
            .split_once('+')
            .ok_or(KeyError::Malformed("expected <name>+<key id>+<key>"))?;
        if !is_valid_name(name) {
            return Err(KeyError::Malformed(
                "key name is empty or has a space or '+'",
            ));
        }
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(KeyError::Malformed("key id is not 8 hex digits"));
        }
        let id = u32::from_str_radix(id_hex, 16)
            .map_err(|_| KeyError::Malformed("key id is not 8 hex digits"))?;
        let raw = B64
            .decode(key64)
            .map_err(|_| KeyError::Malformed("key is not canonical base64"))?;
        let (&alg, key) = raw
            .split_first()
            .ok_or(KeyError::Malformed("key is empty"))?;
        let expected = key_id(name, alg, key);
        if expected != id {
            return Err(KeyError::WrongKeyId {
                found: id,
                expected,
            });
        }
        let kind = KeyKind::from_alg(alg).ok_or(KeyError::UnsupportedType(alg))?;
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| KeyError::Malformed("Ed25519 public key is not 32 bytes"))?;
        Ok(Self {
            name: name.to_owned(),
            id,
            kind,
            key: PublicKey(key),
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The signature type.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// Check `sig` (the bytes after the key id) over the note `text`; for a cosignature,
    /// return its timestamp.
    pub fn verify(&self, text: &str, sig: &[u8]) -> Result<Option<u64>, NoteError> {
        let bad = || NoteError::InvalidSignature {
            name: self.name.clone(),
            id: self.id,
        };
        match self.kind {
            KeyKind::Ed25519 => {
                let s: &[u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| bad())?;
                self.key.verify(text.as_bytes(), s).map_err(|_| bad())?;
                Ok(None)
            }
            KeyKind::CosignatureV1 => {
                if sig.len() != COSIG_LEN || CheckpointText::parse(text).is_err() {
                    return Err(bad());
                }
                let (ts, s) = sig.split_at(8);
                let ts = u64::from_be_bytes(ts.try_into().map_err(|_| bad())?);
                if ts > MAX_TIMESTAMP {
                    return Err(bad());
                }
                let s: &[u8; SIGNATURE_LEN] = s.try_into().map_err(|_| bad())?;
                let msg = cosignature_message(ts, text);
                self.key.verify(msg.as_bytes(), s).map_err(|_| bad())?;
                Ok(Some(ts))
            }
        }
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut k = Vec::with_capacity(33);
        k.push(self.kind.alg());
        k.extend_from_slice(&self.key.0);
        write!(f, "{}+{:08x}+{}", self.name, self.id, B64.encode(k))
    }
}

impl FromStr for VerifierKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why a [`Verifiers`] lookup found no single key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupError {
    /// No key has this name and key id.
    Unknown,
    /// More than one key has this name and key id.
    Ambiguous,
}

/// A set of known verifier keys, looked up by key name and key id.
pub trait Verifiers {
    /// The one known key with this name and key id.
    fn verifier(&self, name: &str, key_id: u32) -> Result<&VerifierKey, LookupError>;
}

/// The standard [`Verifiers`]: a list of keys. Listing two keys with the same name and key id
/// makes lookups of that pair ambiguous (as Go's `VerifierList`).
#[derive(Debug, Clone, Default)]
pub struct VerifierList {
    map: HashMap<(String, u32), Vec<VerifierKey>>,
}

impl VerifierList {
    /// The list of `keys`.
    pub fn new(keys: impl IntoIterator<Item = VerifierKey>) -> Self {
        let mut map: HashMap<(String, u32), Vec<VerifierKey>> = HashMap::new();
        for k in keys {
            map.entry((k.name.clone(), k.id)).or_default().push(k);
        }
        Self { map }
    }
}

impl Verifiers for VerifierList {
    fn verifier(&self, name: &str, key_id: u32) -> Result<&VerifierKey, LookupError> {
        match self.map.get(&(name.to_owned(), key_id)).map(Vec::as_slice) {
            Some([one]) => Ok(one),
            Some([]) | None => Err(LookupError::Unknown),
            Some(_) => Err(LookupError::Ambiguous),
        }
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    name: String,
    key_id: u32,
    bytes: Vec<u8>,
}

impl Signature {
    /// A signature by key `name`/`key_id`; `bytes` are what follows the key id.
    pub fn new(name: &str, key_id: u32, bytes: Vec<u8>) -> Result<Self, NoteError> {
        if !is_valid_name(name) {
            return Err(NoteError::Malformed(
                "signature key name is empty or has a space or '+'",
            ));
        }
        if bytes.is_empty() {
            return Err(NoteError::Malformed("signature is empty"));
        }
        Ok(Self {
            name: name.to_owned(),
            key_id,
            bytes,
        })
    }

    /// Parse a signature line, without its newline.
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "a line after the blank line does not start with an em dash and a space",
        ))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(NoteError::Malformed("signature line has no signature"))?;
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("signature is not canonical base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("signature is shorter than 5 bytes"));
        }
        let (id, bytes) = raw.split_at(4);
        Self::new(
            name,
            u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
            bytes.to_vec(),
        )
    }

    /// The signature line, with its newline.
    pub fn to_line(&self) -> String {
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.bytes);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature bytes after the key id.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Something that signs note texts under a key name and key id.
pub trait Signer {
    /// The key name.
    fn name(&self) -> &str;
    /// The key id.
    fn key_id(&self) -> u32;
    /// The signature bytes (after the key id) over `text`.
    fn sign(&self, text: &str) -> Result<Vec<u8>, NoteError>;
}

/// Signs with an Ed25519 key (type `0x01`).
#[derive(Debug)]
pub struct Ed25519Signer<'k> {
    vkey: VerifierKey,
    key: &'k SigningKey,
}

impl<'k> Ed25519Signer<'k> {
    /// A signer with `key` under `name`.
    pub fn new(name: &str, key: &'k SigningKey) -> Result<Self, NoteError> {
        let vkey = VerifierKey::ed25519(name, key.public())
            .map_err(|_| NoteError::InvalidSigner(name.to_owned()))?;
        Ok(Self { vkey, key })
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.vkey
    }
}

impl Signer for Ed25519Signer<'_> {
    fn name(&self) -> &str {
        &self.vkey.name
    }

    fn key_id(&self) -> u32 {
        self.vkey.id
    }

    fn sign(&self, text: &str) -> Result<Vec<u8>, NoteError> {
        Ok(self.key.sign(text.as_bytes()).to_vec())
    }
}

/// Cosigns checkpoints with an Ed25519 key (`cosignature/v1`, type `0x04`) at a given time.
///
/// The time is the caller's: a witness passes the current POSIX time; this crate reads no
/// clock. The same key must not serve two cosigner names (the signed message does not name
/// the cosigner).
#[derive(Debug)]
pub struct CosignatureV1Signer<'k> {
    vkey: VerifierKey,
    key: &'k SigningKey,
    timestamp: u64,
}

impl<'k> CosignatureV1Signer<'k> {
    /// A cosigner with `key` under `name`, stamping `timestamp` (POSIX seconds, ≤ 2^63 − 1).
    pub fn new(name: &str, key: &'k SigningKey, timestamp: u64) -> Result<Self, NoteError> {
        let vkey = VerifierKey::cosignature_v1(name, key.public())
            .map_err(|_| NoteError::InvalidSigner(name.to_owned()))?;
        if timestamp > MAX_TIMESTAMP {
            return Err(NoteError::SigningFailed(
                "cosignature timestamp exceeds 2^63 - 1".into(),
            ));
        }
        Ok(Self {
            vkey,
            key,
            timestamp,
        })
    }

    /// The matching verifier key (type `0x04`).
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.vkey
    }
}

impl Signer for CosignatureV1Signer<'_> {
    fn name(&self) -> &str {
        &self.vkey.name
    }

    fn key_id(&self) -> u32 {
        self.vkey.id
    }

    fn sign(&self, text: &str) -> Result<Vec<u8>, NoteError> {
        CheckpointText::parse(text)?;
        let msg = cosignature_message(self.timestamp, text);
        let mut out = self.timestamp.to_be_bytes().to_vec();
        out.extend_from_slice(&self.key.sign(msg.as_bytes()));
        Ok(out)
    }
}

/// A signature that verified, with the key's kind and, for a cosignature, its timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The signature.
    pub signature: Signature,
    /// The kind of the key that verified it.
    pub kind: KeyKind,
    /// The cosignature's timestamp (POSIX seconds); `None` for plain signatures.
    pub timestamp: Option<u64>,
}

/// A note whose signatures were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The note text (ending with a newline).
    pub text: String,
    /// Signatures by known keys, each key once, in note order.
    pub verified: Vec<VerifiedSignature>,
    /// Signatures by unknown keys, identical ones once, in note order.
    pub unverified: Vec<Signature>,
}

/// A note: a text and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    sigs: Vec<Signature>,
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_SIZE {
        return Err(NoteError::Malformed("note is larger than 1 MiB"));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed(
            "note has a control character other than newline",
        ));
    }
    Ok(())
}

impl Note {
    /// An unsigned note with `text`, which must end with a newline.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        Self::with_signatures(text, Vec::new())
    }

    /// A note with `text` and existing signatures.
    pub fn with_signatures(
        text: impl Into<String>,
        sigs: Vec<Signature>,
    ) -> Result<Self, NoteError> {
        let text = text.into();
        check_text(&text)?;
        if !text.ends_with('\n') {
            return Err(NoteError::Malformed(
                "note text does not end with a newline",
            ));
        }
        Ok(Self { text, sigs })
    }

    /// Parse a signed note (syntax only; see [`Note::verify`]).
    pub fn parse(msg: &[u8]) -> Result<Self, NoteError> {
        if msg.len() > MAX_NOTE_SIZE {
            return Err(NoteError::Malformed("note is larger than 1 MiB"));
        }
        let s = std::str::from_utf8(msg).map_err(|_| NoteError::Malformed("note is not UTF-8"))?;
        check_text(s)?;
        let split = s
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let (text, sigs) = (&s[..split + 1], &s[split + 2..]);
        let sigs = sigs.strip_suffix('\n').ok_or(NoteError::Malformed(
            "note does not end with a newline after a signature line",
        ))?;
        let mut parsed = Vec::new();
        for line in sigs.split('\n') {
            if parsed.len() == MAX_SIGNATURES {
                return Err(NoteError::Malformed("note has more than 100 signatures"));
            }
            parsed.push(Signature::parse_line(line)?);
        }
        Ok(Self {
            text: text.to_owned(),
            sigs: parsed,
        })
    }

    /// The text (ending with a newline). Trust it only after [`Note::verify`].
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures, in order.
    pub fn signatures(&self) -> &[Signature] {
        &self.sigs
    }

    /// Sign with each of `signers`: existing signatures by the same key name and id are
    /// replaced, the new ones go after the others (as Go's `note.Sign`).
    pub fn sign(&mut self, signers: &[&dyn Signer]) -> Result<(), NoteError> {
        let mut new = Vec::with_capacity(signers.len());
        for s in signers {
            if !is_valid_name(s.name()) {
                return Err(NoteError::InvalidSigner(s.name().to_owned()));
            }
            let bytes = s.sign(&self.text)?;
            new.push(Signature::new(s.name(), s.key_id(), bytes)?);
        }
        let have: HashSet<(&str, u32)> = signers.iter().map(|s| (s.name(), s.key_id())).collect();
        let mut sigs: Vec<Signature> = self
            .sigs
            .iter()
            .filter(|sig| !have.contains(&(sig.name.as_str(), sig.key_id)))
            .cloned()
            .collect();
        sigs.extend(new);
        if sigs.len() > MAX_SIGNATURES {
            return Err(NoteError::Malformed("note has more than 100 signatures"));
        }
        self.sigs = sigs;
        Ok(())
    }

    /// Check the signatures against `known` keys (see the module documentation).
    pub fn verify(&self, known: &dyn Verifiers) -> Result<Verified, NoteError> {
        let mut verified: Vec<VerifiedSignature> = Vec::new();
        let mut unverified: Vec<Signature> = Vec::new();
        let mut seen: HashSet<(&str, u32)> = HashSet::new();
        let mut seen_unverified: HashSet<&Signature> = HashSet::new();
        for sig in &self.sigs {
            let key = match known.verifier(&sig.name, sig.key_id) {
                Ok(k) => k,
                Err(LookupError::Unknown) => {
                    if seen_unverified.insert(sig) {
                        unverified.push(sig.clone());
                    }
                    continue;
                }
                Err(LookupError::Ambiguous) => {
                    return Err(NoteError::AmbiguousKey {
                        name: sig.name.clone(),
                        id: sig.key_id,
                    });
                }
            };
            if key.name != sig.name || key.id != sig.key_id {
                return Err(NoteError::MismatchedVerifier);
            }
            let timestamp = key.verify(&self.text, &sig.bytes)?;
            if seen.insert((&sig.name, sig.key_id)) {
                verified.push(VerifiedSignature {
                    signature: sig.clone(),
                    kind: key.kind,
                    timestamp,
                });
            }
        }
        if verified.is_empty() {
            return Err(NoteError::Unverified { unverified });
        }
        Ok(Verified {
            text: self.text.clone(),
            verified,
            unverified,
        })
    }

    /// The signed note: text, blank line, signature lines.
    pub fn encode(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.sigs {
            out.push_str(&s.to_line());
        }
        out
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// Parse `msg` and check it against `known` (Go's `note.Open`).
pub fn open(msg: &[u8], known: &dyn Verifiers) -> Result<Verified, NoteError> {
    Note::parse(msg)?.verify(known)
}

/// The text of a checkpoint (`c2sp.org/tlog-checkpoint`): origin, tree size, root hash and
/// optional extension lines, each line ending in a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointText {
    /// The log's origin line.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 root hash.
    pub root: [u8; 32],
    /// Extension lines, without newlines (not recommended; opaque).
    pub extensions: Vec<String>,
}

impl CheckpointText {
    /// A checkpoint text without extension lines.
    pub fn new(origin: &str, size: u64, root: [u8; 32]) -> Self {
        Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// Parse a note text as a checkpoint.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(NoteError::MalformedCheckpoint(
                "text does not end with a newline",
            ))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or(NoteError::MalformedCheckpoint("origin line is empty"))?;
        let size = lines
            .next()
            .ok_or(NoteError::MalformedCheckpoint("no tree size line"))?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(NoteError::MalformedCheckpoint(
                "tree size is not a decimal number without leading zeroes",
            ));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| NoteError::MalformedCheckpoint("tree size does not fit 64 bits"))?;
        let root = lines
            .next()
            .ok_or(NoteError::MalformedCheckpoint("no root hash line"))?;
        let root: [u8; 32] = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::MalformedCheckpoint(
                "root hash is not 32 bytes in canonical base64",
            ))?;
        let mut extensions = Vec::new();
        for l in lines {
            if l.is_empty() {
                return Err(NoteError::MalformedCheckpoint("extension line is empty"));
            }
            extensions.push(l.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The text: `origin\nsize\nbase64(root)\n` and the extension lines.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Sign this checkpoint with `signers` (the log first), giving the signed note.
    pub fn sign(&self, signers: &[&dyn Signer]) -> Result<String, NoteError> {
        let mut note = Note::new(self.to_text())?;
        note.sign(signers)?;
        Ok(note.encode())
    }
}

/// A trusted witness cosignature found on a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness's key name.
    pub name: String,
    /// The witness's key id.
    pub key_id: u32,
    /// When the witness cosigned (POSIX seconds); `None` for a plain Ed25519 witness key.
    pub timestamp: Option<u64>,
}

/// A checkpoint that satisfied a [`CheckpointPolicy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// The checkpoint.
    pub checkpoint: CheckpointText,
    /// The log key's signature.
    pub log_signature: Signature,
    /// Cosignatures by trusted witnesses, each witness once.
    pub cosignatures: Vec<Cosignature>,
    /// Signatures by keys the policy does not know.
    pub unverified: Vec<Signature>,
}

/// What a reader trusts about one log: its origin, its keys, its witnesses and how many of
/// them must have cosigned a checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointPolicy {
    origin: String,
    log_keys: Vec<VerifierKey>,
    witnesses: Vec<VerifierKey>,
    quorum: usize,
}

impl CheckpointPolicy {
    /// Trust checkpoints of `origin` signed by `log_key`, with no witnesses required.
    pub fn new(origin: &str, log_key: VerifierKey) -> Self {
        Self {
            origin: origin.to_owned(),
            log_keys: vec![log_key],
            witnesses: Vec::new(),
            quorum: 0,
        }
    }

    /// Also accept signatures by `key` as the log's (key rotation).
    pub fn with_log_key(mut self, key: VerifierKey) -> Self {
        self.log_keys.push(key);
        self
    }

    /// Trust `witnesses` and require cosignatures by at least `quorum` distinct ones.
    pub fn with_witnesses(
        mut self,
        witnesses: impl IntoIterator<Item = VerifierKey>,
        quorum: usize,
    ) -> Self {
        self.witnesses.extend(witnesses);
        self.quorum = quorum;
        self
    }

    /// The expected origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Parse a signed checkpoint and check it: every signature by a known key verifies, one
    /// of them is by a log key, the origin is the expected one, and at least the quorum of
    /// witnesses cosigned.
    pub fn open(&self, msg: &[u8]) -> Result<VerifiedCheckpoint, NoteError> {
        let note = Note::parse(msg)?;
        let keys = VerifierList::new(self.log_keys.iter().chain(&self.witnesses).cloned());
        let v = note.verify(&keys)?;
        let checkpoint = CheckpointText::parse(&v.text)?;
        if checkpoint.origin != self.origin {
            return Err(NoteError::WrongOrigin {
                expected: self.origin.clone(),
                found: checkpoint.origin,
            });
        }
        let is = |keys: &[VerifierKey], s: &Signature| {
            keys.iter().any(|k| k.name == s.name && k.id == s.key_id)
        };
        let log_signature = v
            .verified
            .iter()
            .find(|s| is(&self.log_keys, &s.signature))
            .map(|s| s.signature.clone())
            .ok_or(NoteError::NoLogSignature)?;
        let cosignatures: Vec<Cosignature> = v
            .verified
            .iter()
            .filter(|s| is(&self.witnesses, &s.signature))
            .map(|s| Cosignature {
                name: s.signature.name.clone(),
                key_id: s.signature.key_id,
                timestamp: s.timestamp,
            })
            .collect();
        if cosignatures.len() < self.quorum {
            return Err(NoteError::NotEnoughCosignatures {
                got: cosignatures.len(),
                need: self.quorum,
            });
        }
        Ok(VerifiedCheckpoint {
            checkpoint,
            log_signature,
            cosignatures,
            unverified: v.unverified,
        })
    }
}
