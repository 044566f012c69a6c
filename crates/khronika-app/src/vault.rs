//! Creating, opening and unlocking a vault.
//!
//! A vault is [`LockedVault`] until a passphrase opens the member's key slot; only an
//! [`UnlockedVault`] holds keys, and only in memory. Keyless operations (`verify`) need
//! nothing more than a `LockedVault`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use khronika_backends::{EntryKind, Fs, LocalBackend};
use khronika_crypto::aead::AssociatedData;
use khronika_crypto::kdf::{self, Argon2Params};
use khronika_crypto::sign::SigningKey;
use khronika_crypto::wrap::{self, RecoveryKey, WrapSecret};
use khronika_crypto::{Entropy, Key32, Passphrase, aead};
use khronika_store::entry::{Entry, ObjectRef, entry_kind, object_kind};
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::log::LogState;
use khronika_store::payloads::{Genesis, KeyEpoch, Recipient};
use khronika_store::verify::object_list;
use khronika_store::{Backend, CompartmentId, DeviceId, MemberId, ObjectPath, VaultId, pack};

use crate::catalog::{BlobLoc, EvidencePayload, EvidenceRecord};
use crate::compartments::Directory;
use crate::error::{AppError, ErrorCode, io_error};
use crate::keyslot::{self, SlotError};
use crate::layout::{self, MARKER, Marker, create_durable};
use crate::members::{MemberPayload, Roster};
use crate::records::RecordState;
use crate::time::now_ms;

/// A vault that has been found and checked, but holds no keys.
#[derive(Debug, Clone)]
pub struct LockedVault {
    pub(crate) fs: Arc<dyn Fs>,
    pub(crate) root: PathBuf,
    pub(crate) marker: Marker,
    pub(crate) backend: Arc<LocalBackend>,
}

/// A log entry as seen by the vault, with what could be opened of it.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// The entry.
    pub entry: Entry,
    /// The evidence payload, if this is an evidence entry we can read.
    pub evidence: Option<EvidencePayload>,
}

/// An open vault: keys in memory, logs loaded.
#[derive(Debug)]
pub struct UnlockedVault {
    pub(crate) vault: LockedVault,
    pub(crate) member: MemberId,
    /// The member's secret: signs device grants when a new device is enrolled.
    pub(crate) member_secret: Key32,
    pub(crate) device_key: SigningKey,
    /// The device key's seed: sealed again for members added on this device.
    pub(crate) device_seed: Key32,
    pub(crate) epochs: BTreeMap<(CompartmentId, u32), EpochKeys>,
    /// The secrets behind `epochs`, for grants.
    pub(crate) epoch_secrets: BTreeMap<(CompartmentId, u32), Key32>,
    pub(crate) directory: Directory,
    pub(crate) roster: Roster,
    pub(crate) records: RecordState,
    pub(crate) open_indexes: crate::indexes::IndexCache,
    pub(crate) log: LogState,
    /// The log entries held in memory: all, except revisions the indexes have applied and a
    /// verified state leaves out (see [`crate::resume`]).
    pub(crate) lines: Vec<LogLine>,
    pub(crate) resumed: crate::resume::Resumed,
    pub(crate) evidence: Vec<EvidenceRecord>,
    pub(crate) blob_index: HashMap<CompartmentId, HashMap<[u8; 32], BlobLoc>>,
    /// The API token this vault was unlocked with, if any: what it reaches and may do.
    pub(crate) token: Option<crate::tokens::TokenSession>,
}

/// A member's secret, opened from their key slot: what a server session keeps between
/// requests, so that it can unlock the vault again (after another member's change) without the
/// passphrase. Zeroized when dropped; `Debug` never shows it.
pub struct MemberKey {
    member: MemberId,
    secret: Key32,
}

impl MemberKey {
    /// Whose key this is.
    pub fn member(&self) -> MemberId {
        self.member
    }
}

impl std::fmt::Debug for MemberKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberKey")
            .field("member", &self.member)
            .finish_non_exhaustive()
    }
}

pub(crate) fn member_sign_key(secret: &Key32) -> SigningKey {
    SigningKey::from_seed(&kdf::derive("khronika 2026-11 member signing v1", secret))
}

pub(crate) fn member_wrap_key(secret: &Key32) -> WrapSecret {
    WrapSecret::from_seed(&kdf::derive("khronika 2026-11 member wrap v1", secret))
}

fn wrap_ad(c: CompartmentId, epoch: u32, r: &Recipient) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind: kind::EPOCH_WRAP,
        compartment: c.0,
        epoch,
        id: r.ad_id(),
    }
    .encode()
}

fn crypto_err(e: khronika_crypto::CryptoError) -> AppError {
    AppError::internal(format!("cryptographic operation failed: {e}"))
}

fn not_a_vault(root: &Path, why: &str) -> AppError {
    AppError::new(
        ErrorCode::NotAVault,
        format!(
            "{} is not a Khronika vault ({why}). Check --vault or KHRONIKA_VAULT, or create one with `khronika init`.",
            root.display()
        ),
    )
}

/// Create a new vault at `root` (which must be absent or an empty folder).
///
/// Returns the open vault and the recovery key, which the caller shows to the person once.
pub fn init(
    fs: Arc<dyn Fs>,
    root: &Path,
    passphrase: &Passphrase,
    params: Argon2Params,
    rng: &mut dyn Entropy,
) -> Result<(UnlockedVault, RecoveryKey), AppError> {
    layout::prepare_new_folder(fs.as_ref(), root)?;

    let e = crypto_err;
    let vault = VaultId::random(rng).map_err(e)?;
    let device = DeviceId::random(rng).map_err(e)?;
    let member = MemberId::random(rng).map_err(e)?;
    let compartment = CompartmentId::random(rng).map_err(e)?;
    let member_secret = Key32::random(rng).map_err(e)?;
    let device_seed = Key32::random(rng).map_err(e)?;
    let recovery = RecoveryKey::generate(rng).map_err(e)?;

    let slot = keyslot::seal_member(&member, &member_secret, passphrase, params, rng).map_err(e)?;
    create_durable(fs.as_ref(), &layout::member_slot(root, &member), &slot)?;
    let dslot =
        keyslot::seal_device(&device, &member, &member_secret, &device_seed, rng).map_err(e)?;
    create_durable(fs.as_ref(), &layout::device_slot(root), &dslot)?;

    let backend = Arc::new(LocalBackend::new(fs.clone(), root.to_path_buf()));
    let device_key = SigningKey::from_seed(&device_seed);
    let msign = member_sign_key(&member_secret);
    let mwrap = member_wrap_key(&member_secret);
    let mut log = LogState::new(vault, device);
    let genesis = Genesis::new(
        &vault,
        &device,
        device_key.public(),
        member,
        &msign,
        mwrap.public(),
        recovery.wrap_secret().public(),
        now_ms(),
    );
    log.stage(
        &device_key,
        entry_kind::DEVICE_GENESIS,
        CompartmentId::NONE,
        0,
        vec![],
        vec![],
        genesis.encode(),
    )?;

    let epoch_secret = Key32::random(rng).map_err(e)?;
    let keys = EpochKeys::derive(compartment, 0, &epoch_secret);
    let mut wraps = Vec::new();
    for (r, to) in [
        (Recipient::Member(member), mwrap.public()),
        (Recipient::Recovery, recovery.wrap_secret().public()),
    ] {
        wraps.push((
            r,
            wrap::wrap(&epoch_secret, &to, &wrap_ad(compartment, 0, &r), rng).map_err(e)?,
        ));
    }
    let sealed_info = aead::seal(
        keys.payload_key(),
        &keys.ad(kind::COMPARTMENT_INFO, [0; 32]),
        &khronika_store::payloads::info_plaintext("default"),
        rng,
    )
    .map_err(e)?;
    let payload = KeyEpoch { wraps, sealed_info }
        .encode()
        .map_err(AppError::internal)?;
    log.stage(
        &device_key,
        entry_kind::KEY_EPOCH,
        compartment,
        0,
        vec![],
        vec![],
        payload,
    )?;
    log.commit(backend.as_ref(), &device_key)?;

    let marker = Marker {
        vault,
        device,
        member,
        compartment,
    };
    create_durable(fs.as_ref(), &root.join(MARKER), marker.encode().as_bytes())?;
    let locked = LockedVault {
        fs,
        root: root.to_path_buf(),
        marker,
        backend,
    };
    let unlocked = locked.unlock_with(member, member_secret)?;
    Ok((unlocked, recovery))
}

impl LockedVault {
    /// Find and check the vault at `root`.
    pub fn open(fs: Arc<dyn Fs>, root: &Path) -> Result<LockedVault, AppError> {
        match fs
            .kind(root)
            .map_err(|e| io_error("opening the vault", e))?
        {
            None => return Err(not_a_vault(root, "the folder does not exist")),
            Some(EntryKind::File) => return Err(not_a_vault(root, "it is a file")),
            Some(EntryKind::Dir) => {}
        }
        let text = match fs.read(&root.join(MARKER)) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(not_a_vault(root, "no khronika-vault file"));
            }
            Err(e) => return Err(io_error("reading the vault marker", e)),
        };
        let marker = Marker::decode(&text).map_err(|w| {
            AppError::new(
                ErrorCode::Damaged,
                format!(
                    "the vault marker {} is damaged: {w}. Restore it from a backup or mirror.",
                    root.join(MARKER).display()
                ),
            )
        })?;
        let backend = Arc::new(LocalBackend::new(fs.clone(), root.to_path_buf()));
        Ok(LockedVault {
            fs,
            root: root.to_path_buf(),
            marker,
            backend,
        })
    }

    /// The vault folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The marker's contents.
    pub fn marker(&self) -> &Marker {
        &self.marker
    }

    /// The object backend.
    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    /// The file-system layer.
    pub fn fs(&self) -> &dyn Fs {
        self.fs.as_ref()
    }

    /// Unlock with the member's passphrase. Reads only; a wrong passphrase changes nothing.
    pub fn unlock(self, passphrase: &Passphrase) -> Result<UnlockedVault, AppError> {
        self.unlock_as(None, passphrase)
    }

    /// Unlock as the member whose id starts with `member` (at least 6 hex characters), or as
    /// the device's own member when `None`.
    pub fn unlock_as(
        self,
        member: Option<&str>,
        passphrase: &Passphrase,
    ) -> Result<UnlockedVault, AppError> {
        let wanted = match member {
            None => self.marker.member,
            Some(m) => self.find_member_slot(m)?,
        };
        let path = layout::member_slot(&self.root, &wanted);
        let bytes = self.fs.read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => AppError::new(
                ErrorCode::Damaged,
                format!("this device has no key slot for the vault's member ({} is missing); restore from a mirror with the recovery key", path.display()),
            ),
            _ => io_error("reading the key slot", e),
        })?;
        let (member, secret) = keyslot::open_member(&bytes, passphrase).map_err(|e| match e {
            SlotError::WrongKey => AppError::new(ErrorCode::WrongPassphrase, "the passphrase is wrong; nothing was changed. Try again (check the keyboard layout and Caps Lock)."),
            SlotError::Damaged(w) => AppError::new(ErrorCode::Damaged, format!("the key slot {} is damaged: {w}", path.display())),
            SlotError::Params(w) => AppError::new(ErrorCode::Damaged, format!("the key slot {} asks for refused parameters: {w}", path.display())),
        })?;
        if member != wanted {
            return Err(AppError::new(
                ErrorCode::Damaged,
                format!("the key slot {} belongs to another member", path.display()),
            ));
        }
        self.unlock_with(member, secret)
    }

    /// A login: open the key slot of the member whose code (the first characters of their
    /// id, at least 6) is `code`, with `passphrase`.
    ///
    /// An unknown or malformed code costs the same key derivation as a wrong passphrase and
    /// gives the same error, so that neither the answer nor the time it takes tells whether
    /// someone is a member. Reads only.
    pub fn login(&self, code: &str, passphrase: &Passphrase) -> Result<MemberKey, AppError> {
        let refused = || {
            AppError::new(
                ErrorCode::WrongPassphrase,
                "the member code or the passphrase is wrong; nothing was changed. Check both and try again.",
            )
        };
        let slot = self
            .find_member_slot(code)
            .ok()
            .and_then(|m| Some((m, self.fs.read(&layout::member_slot(&self.root, &m)).ok()?)));
        let Some((wanted, bytes)) = slot else {
            let params = self
                .fs
                .read(&layout::member_slot(&self.root, &self.marker.member))
                .ok()
                .and_then(|b| keyslot::member_slot_params(&b))
                .unwrap_or_else(Argon2Params::recommended);
            keyslot::spend_kdf(passphrase, params, &mut khronika_crypto::OsEntropy);
            return Err(refused());
        };
        match keyslot::open_member(&bytes, passphrase) {
            Ok((member, secret)) if member == wanted => Ok(MemberKey { member, secret }),
            Ok(_) | Err(SlotError::WrongKey) => Err(refused()),
            Err(SlotError::Damaged(w) | SlotError::Params(w)) => Err(AppError::new(
                ErrorCode::Damaged,
                format!("a key slot on this device is damaged ({w}); run `khronika verify`"),
            )),
        }
    }

    /// Unlock with a key that [`LockedVault::login`] opened earlier.
    pub fn unlock_key(self, key: &MemberKey) -> Result<UnlockedVault, AppError> {
        self.unlock_with(key.member, key.secret.clone())
    }

    /// The member whose key slot on this device has an id starting with `prefix`.
    fn find_member_slot(&self, prefix: &str) -> Result<MemberId, AppError> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.len() < 6 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "`{prefix}` is not a member id: give at least 6 of its hex characters, as `khronika member ls` prints them"
                ),
            ));
        }
        let dir = self.root.join(layout::KEYS_DIR);
        let names = self
            .fs
            .list_dir(&dir)
            .map_err(|e| io_error("listing the key slots", e))?;
        let mut hits = names.iter().filter_map(|d| {
            let hex = d.name.strip_prefix("member-")?.strip_suffix(".key")?;
            hex.starts_with(&p)
                .then(|| khronika_crypto::hash::from_hex::<16>(hex))
                .flatten()
        });
        match (hits.next(), hits.next()) {
            (Some(m), None) => Ok(MemberId(m)),
            (None, _) => Err(AppError::new(
                ErrorCode::NotFound,
                format!("no member {prefix} has a key slot on this device"),
            )),
            _ => Err(AppError::new(
                ErrorCode::Usage,
                format!("{prefix} matches several members; give more characters"),
            )),
        }
    }

    fn unlock_with(self, member: MemberId, secret: Key32) -> Result<UnlockedVault, AppError> {
        self.unlock_scoped(member, secret, None)
    }

    /// Unlock as `member`; with a token session, only what the token reaches (the key epochs
    /// of other compartments are dropped as soon as they are unwrapped).
    pub(crate) fn unlock_scoped(
        self,
        member: MemberId,
        secret: Key32,
        token: Option<crate::tokens::TokenSession>,
    ) -> Result<UnlockedVault, AppError> {
        let dpath = if member == self.marker.member {
            layout::device_slot(&self.root)
        } else {
            layout::member_device_slot(&self.root, &member)
        };
        let dbytes = self
            .fs
            .read(&dpath)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => AppError::new(
                    ErrorCode::Damaged,
                    format!(
                        "the device key slot {} is missing; restore from a mirror with the recovery key",
                        dpath.display()
                    ),
                ),
                _ => io_error("reading the device key slot", e),
            })?;
        let (device, seed) = keyslot::open_device(&dbytes, &secret).map_err(|e| {
            AppError::new(
                ErrorCode::Damaged,
                format!(
                    "the device key slot {} cannot be opened: {e}",
                    dpath.display()
                ),
            )
        })?;
        if device != self.marker.device {
            return Err(AppError::new(
                ErrorCode::Damaged,
                "the device key slot belongs to another device",
            ));
        }
        let device_key = SigningKey::from_seed(&seed);
        let _ = self.backend.clean_tmp();
        let wrap_secret = member_wrap_key(&secret);
        let mut v = UnlockedVault {
            vault: self,
            member,
            member_secret: secret,
            device_key,
            device_seed: seed,
            epochs: BTreeMap::new(),
            epoch_secrets: BTreeMap::new(),
            directory: Directory::default(),
            roster: Roster::default(),
            records: RecordState::default(),
            open_indexes: Default::default(),
            log: LogState::new(VaultId([0; 16]), device),
            lines: Vec::new(),
            resumed: Default::default(),
            evidence: Vec::new(),
            blob_index: HashMap::new(),
            token,
        };
        v.load_logs(&wrap_secret)?;
        Ok(v)
    }
}

impl UnlockedVault {
    /// Read every device's log; unwrap the epochs given to this member; open what they open.
    fn load_logs(&mut self, wrap_secret: &WrapSecret) -> Result<(), AppError> {
        let (state, newest) = self.read_verified_state();
        let loaded = match self.read_logs(state.as_ref())? {
            Some(loaded) => loaded,
            None => self
                .read_logs(None)?
                .ok_or_else(|| AppError::internal("a full read asked for another"))?,
        };
        let entries = loaded.entries;
        self.log = loaded.mine;
        self.resumed = loaded.resumed;
        self.resumed.generation = newest;
        if self.log.size() == 0 {
            let m = &self.vault.marker;
            self.log = LogState::new(m.vault, m.device);
            return Err(AppError::new(
                ErrorCode::Damaged,
                "this device's log is missing; run `khronika verify`",
            ));
        }
        for e in entries
            .iter()
            .filter(|e| e.body.kind == entry_kind::KEY_EPOCH)
        {
            let r = Recipient::Member(self.member);
            let ke = KeyEpoch::decode(&e.body.payload).map_err(|w| {
                AppError::new(
                    ErrorCode::Damaged,
                    format!("a key epoch entry is malformed: {w}"),
                )
            })?;
            if let Some((_, w)) = ke.wraps.iter().find(|(rr, _)| *rr == r) {
                let secret = wrap::unwrap(
                    w,
                    wrap_secret,
                    &wrap_ad(e.body.compartment, e.body.epoch, &r),
                )
                .map_err(|_| {
                    AppError::new(
                        ErrorCode::Damaged,
                        "a key epoch wrapped to you does not open",
                    )
                })?;
                self.epochs.insert(
                    (e.body.compartment, e.body.epoch),
                    EpochKeys::derive(e.body.compartment, e.body.epoch, &secret),
                );
                self.epoch_secrets
                    .insert((e.body.compartment, e.body.epoch), secret);
            }
        }
        // Roles come from member entries sealed in the default compartment: folded with every
        // key held, before a token's scope drops the keys of the compartments it does not reach.
        let epochs = &self.epochs;
        self.roster = Roster::fold(&entries, |e| {
            let keys = epochs.get(&(e.body.compartment, e.body.epoch))?;
            crate::sealed::open_json::<MemberPayload>(
                &e.body.payload,
                keys,
                &e.body.vault,
                &e.body.device,
                e.body.index,
            )
            .ok()
        });
        if let Some(only) = self.token.as_ref().and_then(|t| t.only.as_ref()) {
            self.epochs.retain(|(c, _), _| only.contains(c));
            self.epoch_secrets.retain(|(c, _), _| only.contains(c));
        }
        for e in entries {
            let evidence = self.open_evidence(&e)?;
            if let Some(p) = &evidence {
                self.evidence.push(EvidenceRecord {
                    payload: p.clone(),
                    device: e.body.device,
                    index: e.body.index,
                    compartment: e.body.compartment,
                    epoch: e.body.epoch,
                });
            }
            self.lines.push(LogLine { entry: e, evidence });
        }
        self.directory = Directory::fold(self.lines.iter().map(|l| &l.entry), &self.epochs);
        self.load_records()
    }

    /// The evidence payload of an evidence entry this member can read.
    pub(crate) fn open_evidence(&self, e: &Entry) -> Result<Option<EvidencePayload>, AppError> {
        if e.body.kind != entry_kind::EVIDENCE_ADD {
            return Ok(None);
        }
        let Some(keys) = self.epochs.get(&(e.body.compartment, e.body.epoch)) else {
            return Ok(None);
        };
        let p = EvidencePayload::open(
            &e.body.payload,
            keys,
            &e.body.vault,
            &e.body.device,
            e.body.index,
        )
        .map_err(|w| {
            AppError::new(
                ErrorCode::Damaged,
                format!(
                    "entry {} of device {}: {w}",
                    e.body.index,
                    e.body.device.short()
                ),
            )
        })?;
        if !p.check_commitments(&e.body.commitments) {
            return Err(AppError::new(
                ErrorCode::Damaged,
                format!(
                    "entry {} of device {}: payload does not match its commitments",
                    e.body.index,
                    e.body.device.short()
                ),
            ));
        }
        Ok(Some(p))
    }

    /// The locked part (paths, backend).
    pub fn locked(&self) -> &LockedVault {
        &self.vault
    }

    /// The member who unlocked.
    pub fn member(&self) -> MemberId {
        self.member
    }

    /// Every log entry of every device, in log order per device (read again in full if
    /// revisions were left out of memory, see [`crate::resume`]).
    pub fn log_lines(&mut self) -> Result<&[LogLine], AppError> {
        self.ensure_all_lines()?;
        Ok(&self.lines)
    }

    /// Every evidence item this member can read.
    pub fn evidence(&self) -> &[EvidenceRecord] {
        &self.evidence
    }

    /// The current epoch keys of the compartment new evidence goes to. A member whose access
    /// was withdrawn still holds the old epochs, but may not write under them: refused.
    pub(crate) fn current_keys(&self) -> Result<EpochKeys, AppError> {
        self.token_write("add evidence")?;
        self.newest_keys(self.vault.marker.compartment)
    }

    /// Find an evidence item by its id or a unique prefix of it (at least 6 characters).
    pub fn find(&self, id: &str) -> Result<&EvidenceRecord, AppError> {
        let want = id.trim().to_ascii_uppercase();
        if want.len() < 6 {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "`{id}` is too short: give the evidence id as printed by `khronika add` or `khronika ls` (at least 6 characters)"
                ),
            ));
        }
        let mut hits = self
            .evidence
            .iter()
            .filter(|r| r.payload.id.starts_with(&want));
        match (hits.next(), hits.next()) {
            (Some(r), None) => Ok(r),
            (None, _) => Err(AppError::new(
                ErrorCode::NotFound,
                format!("no evidence with id {id}; `khronika ls` lists them"),
            )),
            (Some(_), Some(_)) => Err(AppError::new(
                ErrorCode::Usage,
                format!("{id} matches several evidence items; give more characters"),
            )),
        }
    }

    /// The blob index of a compartment (blob id → pack and offset), built on first use from
    /// the sealed indexes of every pack that the compartment's entries list.
    pub(crate) fn blob_index(
        &mut self,
        c: CompartmentId,
    ) -> Result<&mut HashMap<[u8; 32], BlobLoc>, AppError> {
        if !self.blob_index.contains_key(&c) {
            let mut index = HashMap::new();
            let backend = self.vault.backend.clone();
            // Many entries of one batch share a pack: read each pack's index once.
            let mut packs = std::collections::BTreeSet::new();
            for line in self.lines.iter().filter(|l| l.entry.body.compartment == c) {
                for o in expand_objects(backend.as_ref(), &line.entry.body.objects)? {
                    packs.insert((line.entry.body.epoch, o));
                }
            }
            for (epoch, o) in packs {
                let Some(keys) = self.epochs.get(&(c, epoch)) else {
                    continue;
                };
                for rec in pack::read_index(backend.as_ref(), &ObjectPath::object(&o), keys)? {
                    index.entry(rec.id).or_insert(BlobLoc { pack: o, rec });
                }
            }
            self.blob_index.insert(c, index);
        }
        self.blob_index
            .get_mut(&c)
            .ok_or_else(|| AppError::internal("blob index"))
    }

    /// Stream an evidence item's original bytes to `out`, checked against its SHA-256.
    pub fn cat(
        &mut self,
        id: &str,
        out: &mut dyn std::io::Write,
    ) -> Result<EvidenceRecord, AppError> {
        let rec = self.find(id)?.clone();
        let keys = self
            .epochs
            .get(&(rec.compartment, rec.epoch))
            .cloned()
            .ok_or_else(|| AppError::internal("no keys"))?;
        let backend = self.vault.backend.clone();
        let index = self.blob_index(rec.compartment)?;
        crate::catalog::write_evidence(backend.as_ref(), &keys, index, &rec, out)?;
        Ok(rec)
    }
}

/// The packs an entry's object list names, following object lists.
pub(crate) fn expand_objects(
    backend: &dyn Backend,
    objects: &[ObjectRef],
) -> Result<Vec<[u8; 32]>, AppError> {
    let mut out = Vec::new();
    for o in objects {
        match o.kind {
            object_kind::PACK => out.push(o.hash),
            object_kind::OBJECT_LIST => {
                let b = backend.read(&ObjectPath::object(&o.hash))?;
                for inner in
                    object_list::decode(&b).map_err(|w| AppError::new(ErrorCode::Damaged, w))?
                {
                    out.push(inner.hash);
                }
            }
            k => {
                return Err(AppError::new(
                    ErrorCode::Damaged,
                    format!("unknown object kind {k} in a log entry"),
                ));
            }
        }
    }
    Ok(out)
}
