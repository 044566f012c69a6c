//! A witness node: a keyless party (it holds no vault key) that cosigns a vault's device logs,
//! each new checkpoint only if it extends the last one it saw. Its own state lives in a
//! folder of its own:
//!
//! ```text
//! WITNESS/
//!   witness.key           "khronika witness v1", its name, its Ed25519 seed (owner-only)
//!   logs/<device>.seen    per log: the pinned log key, and the size and root last cosigned
//! ```
//!
//! Cosignatures go into the vault as create-only objects
//! `log/<device>/cosignature/<size>/<key id>`, one C2SP signature line each, where proofs pick
//! them up. Over HTTP (`khronika witness serve`, crate `khronika-server`), [`Witness::add_checkpoint`]
//! answers C2SP `tlog-witness` `add-checkpoint` requests for the logs pinned here.

use std::io::Write;
use std::path::{Path, PathBuf};

use khronika_crypto::hash::{from_hex, to_hex};
use khronika_crypto::sign::SigningKey;
use khronika_crypto::{Entropy, Key32, OsEntropy};
use khronika_store::log::{LogState, list_log};
use khronika_store::merkle::{ProofOrSource, consistency_proof};
use khronika_store::note::{CheckpointText, CosignatureV1Signer, Note, VerifierKey};
use khronika_store::verify::genesis_key;
use khronika_store::witness::{Seen, WitnessError, cosignature_object, witness};
use khronika_store::{DeviceId, ObjectPath};
use zeroize::Zeroize;

use crate::error::{AppError, ErrorCode};
use crate::vault::LockedVault;

const KEY_FILE: &str = "witness.key";
const MAGIC: &str = "khronika witness v1";

/// A witness, opened from its folder.
#[derive(Debug)]
pub struct Witness {
    dir: PathBuf,
    name: String,
    key: SigningKey,
}

/// What happened to one log in a cosigning round.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The device whose log it is.
    pub device: DeviceId,
    /// The checkpoint size considered.
    pub size: u64,
    /// Cosigned, or why not.
    pub result: Result<(), String>,
}

fn bad(msg: String) -> AppError {
    AppError::new(ErrorCode::Usage, msg)
}

fn io(what: &str, e: std::io::Error) -> AppError {
    AppError::new(ErrorCode::Storage, format!("{what}: {e}"))
}

/// Write a small file atomically and durably (the witness's own state, replaced in place).
fn replace_file(path: &Path, text: &str) -> Result<(), AppError> {
    let tmp = path.with_extension("tmp");
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(&tmp).map_err(|e| io("writing witness state", e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| io("writing witness state", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("writing witness state", e))?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("writing witness state", e))?;
    }
    Ok(())
}

impl Witness {
    /// Create a witness in `dir` (absent or empty) named `name` (e.g. `witness.example.org/1`).
    pub fn init(dir: &Path, name: &str) -> Result<Witness, AppError> {
        let mut seed = OsEntropy
            .bytes32()
            .map_err(|e| AppError::internal(e.to_string()))?;
        let key = SigningKey::from_seed(&Key32::from_bytes(seed));
        VerifierKey::cosignature_v1(name, key.public())
            .map_err(|e| bad(format!("`{name}` cannot name a witness: {e}")))?;
        if dir.join(KEY_FILE).exists() {
            seed.zeroize();
            return Err(AppError::new(
                ErrorCode::VaultExists,
                format!("{} already holds a witness", dir.display()),
            ));
        }
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir.join("logs"))
            .map_err(|e| io("creating the witness folder", e))?;
        let mut text = format!("{MAGIC}\nname {name}\nseed {}\n", to_hex(&seed));
        seed.zeroize();
        let res = replace_file(&dir.join(KEY_FILE), &text);
        text.zeroize();
        res?;
        Witness::open(dir)
    }

    /// Open the witness in `dir`.
    pub fn open(dir: &Path) -> Result<Witness, AppError> {
        let path = dir.join(KEY_FILE);
        let mut text = std::fs::read_to_string(&path).map_err(|e| {
            AppError::new(
                ErrorCode::NotAVault,
                format!(
                    "{} is not a witness folder ({e}); create one with `khronika witness init`",
                    dir.display()
                ),
            )
        })?;
        let parsed = (|| {
            let mut l = text.lines();
            (l.next()? == MAGIC).then_some(())?;
            let name = l.next()?.strip_prefix("name ")?.to_owned();
            let seed = from_hex::<32>(l.next()?.strip_prefix("seed ")?)?;
            Some((name, seed))
        })();
        text.zeroize();
        let (name, mut seed) = parsed.ok_or_else(|| {
            AppError::new(ErrorCode::Damaged, format!("{} is damaged", path.display()))
        })?;
        let key = SigningKey::from_seed(&Key32::from_bytes(seed));
        seed.zeroize();
        Ok(Witness {
            dir: dir.to_path_buf(),
            name,
            key,
        })
    }

    /// The witness's verifier key (cosignature/v1), for logs and verifiers to pin.
    pub fn vkey(&self) -> String {
        VerifierKey::cosignature_v1(&self.name, self.key.public())
            .map(|k| k.to_string())
            .unwrap_or_default()
    }

    fn seen_path(&self, device: &DeviceId) -> PathBuf {
        self.dir
            .join("logs")
            .join(format!("{}.seen", device.to_hex()))
    }

    fn read_seen(&self, device: &DeviceId) -> Result<Option<(String, Seen)>, AppError> {
        let path = self.seen_path(device);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("reading witness state", e)),
        };
        let parsed = (|| {
            let mut l = text.lines();
            let vkey = l.next()?.strip_prefix("vkey ")?.to_owned();
            let size = l.next()?.strip_prefix("size ")?.parse().ok()?;
            let root = from_hex::<32>(l.next()?.strip_prefix("root ")?)?;
            Some((vkey, Seen { size, root }))
        })();
        parsed.map(Some).ok_or_else(|| {
            AppError::new(ErrorCode::Damaged, format!("{} is damaged", path.display()))
        })
    }

    /// Cosign the newest checkpoint of every device log in `vault` that extends what this
    /// witness saw; refuse (and report) any that does not. `now` is the cosignature time in
    /// seconds since 1970.
    pub fn cosign(&self, vault: &LockedVault, now: u64) -> Result<Vec<Outcome>, AppError> {
        let signer = CosignatureV1Signer::new(&self.name, &self.key, now)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let backend = vault.backend();
        let mut out = Vec::new();
        for dk in vault.device_keys()? {
            let device = dk.device;
            let (_, sizes) = list_log(backend, &device)?;
            let Some(&size) = sizes.last() else { continue };
            let result = self.cosign_one(vault, &dk.vkey, device, size, &signer);
            out.push(Outcome {
                device,
                size,
                result,
            });
        }
        backend.barrier()?;
        Ok(out)
    }

    fn cosign_one(
        &self,
        vault: &LockedVault,
        vkey: &str,
        device: DeviceId,
        size: u64,
        signer: &CosignatureV1Signer<'_>,
    ) -> Result<(), String> {
        let backend = vault.backend();
        let seen = self.read_seen(&device).map_err(|e| e.message)?;
        if let Some((pinned, _)) = &seen
            && pinned != vkey
        {
            return Err(format!("the log's key changed (pinned {pinned}); refusing"));
        }
        let key_id = VerifierKey::parse(&self.vkey())
            .map(|k| k.key_id())
            .map_err(|e| e.to_string())?;
        let cosig_path = ObjectPath::cosignature(&device, size, key_id);
        if backend.len(&cosig_path).is_ok()
            && let Some((_, s)) = &seen
            && s.size == size
        {
            // Already cosigned in an earlier round: nothing new to sign.
            return Ok(());
        }
        let log_key = VerifierKey::parse(vkey).map_err(|e| e.to_string())?;
        let note = backend
            .read(&ObjectPath::checkpoint(&device, size))
            .map_err(|e| e.to_string())?;
        let last = seen.map(|(_, s)| s);
        let proof = match last {
            Some(s) if s.size < size => {
                let st = LogState::load(backend, vault.marker().vault, device, genesis_key, |_| {
                    Ok(())
                })
                .map_err(|e| e.to_string())?;
                if st.size() < size {
                    return Err(format!(
                        "the log holds {} entries but its checkpoint says {size}",
                        st.size()
                    ));
                }
                match consistency_proof(st.tree(), s.size, size) {
                    Ok(p) => p,
                    Err(ProofOrSource::Proof(e)) => return Err(e.to_string()),
                    Err(ProofOrSource::Source(never)) => match never {},
                }
            }
            _ => Vec::new(),
        };
        let (now_seen, line) =
            witness(&log_key, last, &note, &proof, signer).map_err(|e| e.to_string())?;
        backend
            .create(&cosig_path, &cosignature_object(&line))
            .map_err(|e| e.to_string())?;
        let state = format!(
            "vkey {vkey}\nsize {}\nroot {}\n",
            now_seen.size,
            to_hex(&now_seen.root)
        );
        replace_file(&self.seen_path(&device), &state).map_err(|e| e.message)?;
        Ok(())
    }
}

/// Why a witness refused an `add-checkpoint` request (C2SP `tlog-witness`). The server maps
/// each to its HTTP status; this layer knows nothing of HTTP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddCheckpointError {
    /// The request is not `old N`, proof lines, a blank line and a checkpoint.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The checkpoint is of a log this witness does not know.
    #[error("unknown log: {0}")]
    UnknownLog(String),
    /// The checkpoint is not signed by the log's pinned key.
    #[error("the checkpoint is not signed by the log's key: {0}")]
    BadSignature(String),
    /// `old` is not the size this witness last cosigned: the client must try again from it.
    #[error("the witness's latest size for this log is {latest}")]
    Conflict {
        /// The size the witness last cosigned.
        latest: u64,
    },
    /// The consistency proof does not link the checkpoints (or the log rolled back or forked).
    #[error("refused: {0}")]
    Inconsistent(String),
    /// The witness's own state could not be read or written.
    #[error("{0}")]
    Internal(String),
}

/// An `add-checkpoint` request body: `old <size>`, the consistency proof's hashes in base64,
/// one per line, a blank line, and the checkpoint (a signed note).
/// A parsed `add-checkpoint` request.
struct AddRequest<'a> {
    old: u64,
    proof: Vec<[u8; 32]>,
    note: &'a [u8],
}

fn parse_add_checkpoint(body: &[u8]) -> Result<AddRequest<'_>, AddCheckpointError> {
    use base64::Engine;
    let bad = |m: &str| AddCheckpointError::Malformed(m.to_owned());
    let split = body
        .windows(2)
        .position(|w| w == b"\n\n")
        .ok_or_else(|| bad("no blank line before the checkpoint"))?;
    let head = std::str::from_utf8(&body[..split]).map_err(|_| bad("the header is not UTF-8"))?;
    let note = &body[split + 2..];
    let mut lines = head.split('\n');
    let old = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .filter(|n| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n.len() == 1 || !n.starts_with('0'))
        })
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| bad("the first line must be `old <size>`"))?;
    let mut proof = Vec::new();
    for l in lines {
        if proof.len() == 63 {
            return Err(bad("more than 63 proof hashes"));
        }
        let h = base64::engine::general_purpose::STANDARD
            .decode(l)
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))?;
        proof.push(h);
    }
    Ok(AddRequest { old, proof, note })
}

impl Witness {
    /// C2SP `tlog-witness` `add-checkpoint`: cosign `body`'s checkpoint if its log is known
    /// (pinned by an earlier `cosign`), `old` is the size last cosigned, and the proof shows the
    /// checkpoint extends it. Returns the cosignature line (`— name base64…\n`) and the device
    /// and size it cosigned. `now` is the cosignature time in seconds since 1970.
    pub fn add_checkpoint(
        &self,
        body: &[u8],
        now: u64,
    ) -> Result<(String, DeviceId, u64), AddCheckpointError> {
        let AddRequest { old, proof, note } = parse_add_checkpoint(body)?;
        let parsed = Note::parse(note)
            .map_err(|e| AddCheckpointError::Malformed(format!("the checkpoint: {e}")))?;
        let text = CheckpointText::parse(parsed.text())
            .map_err(|e| AddCheckpointError::Malformed(format!("the checkpoint: {e}")))?;
        let device = text
            .origin
            .strip_prefix("khronika/vault/")
            .and_then(|r| r.split_once("/device/"))
            .and_then(|(_, d)| DeviceId::from_hex(d))
            .ok_or_else(|| AddCheckpointError::UnknownLog(text.origin.clone()))?;
        let internal = |e: AppError| AddCheckpointError::Internal(e.message);
        let (vkey, seen) = self
            .read_seen(&device)
            .map_err(internal)?
            .ok_or_else(|| AddCheckpointError::UnknownLog(text.origin.clone()))?;
        let log_key =
            VerifierKey::parse(&vkey).map_err(|e| AddCheckpointError::Internal(e.to_string()))?;
        if log_key.name() != text.origin {
            return Err(AddCheckpointError::UnknownLog(text.origin.clone()));
        }
        if old > text.size {
            return Err(AddCheckpointError::Malformed(format!(
                "old size {old} is beyond the checkpoint's size {}",
                text.size
            )));
        }
        if old != seen.size {
            return Err(AddCheckpointError::Conflict { latest: seen.size });
        }
        let signer = CosignatureV1Signer::new(&self.name, &self.key, now)
            .map_err(|e| AddCheckpointError::Internal(e.to_string()))?;
        let (now_seen, line) =
            witness(&log_key, Some(seen), note, &proof, &signer).map_err(|e| match e {
                WitnessError::BadCheckpoint(w) => AddCheckpointError::BadSignature(w),
                WitnessError::Sign(w) => AddCheckpointError::Internal(w),
                e => AddCheckpointError::Inconsistent(e.to_string()),
            })?;
        let state = format!(
            "vkey {vkey}\nsize {}\nroot {}\n",
            now_seen.size,
            to_hex(&now_seen.root)
        );
        replace_file(&self.seen_path(&device), &state).map_err(internal)?;
        Ok((line, device, now_seen.size))
    }
}
