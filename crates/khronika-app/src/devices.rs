//! Devices of one vault: enrolling a new device, revoking a seized one at a cut-off
//! checkpoint, and the quarantine of whatever the revoked device's key signed after it.
//!
//! A revocation names the last checkpoint of the revoked device that the organisation trusts
//! (by default the newest one a witness cosigned). Entries of that device at or after the
//! cut-off are **quarantined**: shown to people for review, never counted as trusted, never
//! silently dropped, until someone accepts or rejects each of them. Both the revocation and
//! every decision are signed entries in the deciding device's log.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use khronika_backends::{Fs, LocalBackend};
use khronika_crypto::sign::SigningKey;
use khronika_crypto::{Key32, OsEntropy};
use khronika_store::entry::{Entry, entry_kind};
use khronika_store::log::{LogState, list_log};
use khronika_store::payloads::{Decision, Genesis, Revocation};
use khronika_store::verify::genesis_key;
use khronika_store::{Backend, CompartmentId, DeviceId, ObjectPath, Stored};

use crate::error::{AppError, ErrorCode, io_error};
use crate::keyslot;
use crate::layout::{self, MARKER, Marker, create_durable};
use crate::time::now_ms;
use crate::vault::{LogLine, UnlockedVault, member_sign_key, member_wrap_key};

/// Whether an entry counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Signed by a device in good standing, or accepted after review.
    Trusted,
    /// Signed by a revoked device after its cut-off; awaiting review.
    Quarantined,
    /// Signed by a revoked device after its cut-off, and rejected by a person.
    Rejected,
}

impl Trust {
    /// A word for people and scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Trusted => "trusted",
            Trust::Quarantined => "quarantined",
            Trust::Rejected => "rejected",
        }
    }
}

/// The revocations and decisions of a vault, folded from every log.
#[derive(Debug, Clone, Default)]
pub struct TrustMap {
    /// Revoked device → (cut-off index, revoking device).
    pub revoked: BTreeMap<DeviceId, (u64, DeviceId)>,
    /// (device, index) → accepted?
    decisions: BTreeMap<(DeviceId, u64), bool>,
}

impl TrustMap {
    /// Fold over log entries. A device revoked twice keeps the lower cut-off; a rejection of
    /// an entry outweighs an acceptance (clocks never decide).
    pub fn fold<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> TrustMap {
        let mut t = TrustMap::default();
        for e in entries {
            match e.body.kind {
                entry_kind::DEVICE_REVOKE => {
                    if let Ok(r) = Revocation::decode(&e.body.payload) {
                        let slot = t
                            .revoked
                            .entry(r.device)
                            .or_insert((r.cutoff, e.body.device));
                        if r.cutoff < slot.0 {
                            *slot = (r.cutoff, e.body.device);
                        }
                    }
                }
                entry_kind::QUARANTINE_DECISION => {
                    if let Ok(d) = Decision::decode(&e.body.payload) {
                        let v = t.decisions.entry((d.device, d.index)).or_insert(d.accept);
                        *v = *v && d.accept;
                    }
                }
                _ => {}
            }
        }
        t
    }

    /// The standing of entry `index` of `device`'s log.
    pub fn trust(&self, device: &DeviceId, index: u64) -> Trust {
        match self.revoked.get(device) {
            Some((cutoff, _)) if index >= *cutoff => match self.decisions.get(&(*device, index)) {
                Some(true) => Trust::Trusted,
                Some(false) => Trust::Rejected,
                None => Trust::Quarantined,
            },
            _ => Trust::Trusted,
        }
    }
}

/// What `revoke` did.
#[derive(Debug, Clone)]
pub struct Revoked {
    /// The device.
    pub device: DeviceId,
    /// Its cut-off.
    pub cutoff: u64,
    /// True if a witness cosigned the cut-off checkpoint.
    pub witnessed: bool,
    /// Entries now quarantined.
    pub quarantined: u64,
}

impl UnlockedVault {
    /// Revocations and decisions folded from every log.
    pub fn trust(&self) -> TrustMap {
        TrustMap::fold(self.lines.iter().map(|l| &l.entry))
    }

    /// Sign, append and commit one public entry to this device's log.
    fn append_public(&mut self, kind: u8, payload: Vec<u8>) -> Result<(), AppError> {
        self.token_may_stage(&CompartmentId::NONE)?;
        let backend = self.vault.backend.clone();
        let e = self.log.stage(
            &self.device_key,
            kind,
            CompartmentId::NONE,
            0,
            vec![],
            vec![],
            payload,
        )?;
        self.log.commit(backend.as_ref(), &self.device_key)?;
        self.lines.push(LogLine {
            entry: e,
            evidence: None,
        });
        Ok(())
    }

    /// Find a device of this vault by its id or a unique prefix (at least 6 hex characters).
    pub fn find_device(&self, prefix: &str) -> Result<DeviceId, AppError> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.len() < 6 {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!("`{prefix}` is too short: give the device id as `khronika keys` prints it"),
            ));
        }
        let keys = self.vault.device_keys()?;
        let mut hits = keys.iter().filter(|k| k.device.to_hex().starts_with(&p));
        match (hits.next(), hits.next()) {
            (Some(k), None) => Ok(k.device),
            (None, _) => Err(AppError::new(
                ErrorCode::NotFound,
                format!("no device {prefix} in this vault; `khronika keys` lists them"),
            )),
            _ => Err(AppError::new(
                ErrorCode::Usage,
                format!("{prefix} matches several devices; give more characters"),
            )),
        }
    }

    /// Revoke `device` at `cutoff` (an existing checkpoint size of its log), or by default at
    /// its newest checkpoint a witness cosigned (else its newest checkpoint).
    pub fn revoke(&mut self, device: DeviceId, cutoff: Option<u64>) -> Result<Revoked, AppError> {
        self.token_everything("revoke a device")?;
        if device == self.vault.marker.device {
            return Err(AppError::new(
                ErrorCode::Usage,
                "a device cannot revoke itself; revoke it from another device of the vault",
            ));
        }
        let backend = self.vault.backend.clone();
        let (_, sizes) = list_log(backend.as_ref(), &device)?;
        let cosigned = |size: u64| {
            let prefix = format!("{}cosignature/{size:020}/", ObjectPath::log_prefix(&device));
            backend
                .list(&prefix)
                .map(|l| !l.is_empty())
                .unwrap_or(false)
        };
        let size = match cutoff {
            Some(c) if sizes.contains(&c) => c,
            Some(c) => {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "device {} has no checkpoint of size {c}; its checkpoints are {sizes:?}",
                        device.short()
                    ),
                ));
            }
            None => sizes
                .iter()
                .rev()
                .copied()
                .find(|s| cosigned(*s))
                .or_else(|| sizes.last().copied())
                .ok_or_else(|| AppError::new(ErrorCode::Damaged, "the device has no checkpoint"))?,
        };
        let st = LogState::load(
            backend.as_ref(),
            self.vault.marker.vault,
            device,
            genesis_key,
            |_| Ok(()),
        )?;
        if st.size() < size {
            return Err(AppError::new(
                ErrorCode::Damaged,
                "the device's log is shorter than its checkpoint; run `khronika verify`",
            ));
        }
        let root = st.tree().root_at(size);
        let r = Revocation {
            device,
            cutoff: size,
            root,
            time_ms: now_ms(),
        };
        self.append_public(entry_kind::DEVICE_REVOKE, r.encode())?;
        Ok(Revoked {
            device,
            cutoff: size,
            witnessed: cosigned(size),
            quarantined: st.size() - size,
        })
    }

    /// Every entry of a revoked device after its cut-off, with its standing.
    pub fn quarantine(&self) -> Vec<(&LogLine, Trust)> {
        let t = self.trust();
        self.lines
            .iter()
            .filter_map(|l| match t.revoked.get(&l.entry.body.device) {
                Some((cutoff, _)) if l.entry.body.index >= *cutoff => {
                    Some((l, t.trust(&l.entry.body.device, l.entry.body.index)))
                }
                _ => None,
            })
            .collect()
    }

    /// Accept or reject one quarantined entry.
    pub fn decide(&mut self, device: DeviceId, index: u64, accept: bool) -> Result<(), AppError> {
        self.may(crate::access::Action::Coordinate)?;
        self.token_everything("decide about quarantined entries")?;
        let quarantined = self
            .quarantine()
            .iter()
            .any(|(l, _)| l.entry.body.device == device && l.entry.body.index == index);
        if !quarantined {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!(
                    "entry {index} of device {} is not in quarantine; `khronika quarantine` lists what is",
                    device.short()
                ),
            ));
        }
        let d = Decision {
            device,
            index,
            accept,
            time_ms: now_ms(),
        };
        self.append_public(entry_kind::QUARANTINE_DECISION, d.encode())
    }

    /// Set up a new device of this vault in `new_root` (absent or empty): a copy of every
    /// object and log, this member's key slot, and a new device key granted by this member.
    pub fn enrol(&self, fs: Arc<dyn Fs>, new_root: &Path) -> Result<DeviceId, AppError> {
        self.token_everything("set up another device")?;
        layout::prepare_new_folder(fs.as_ref(), new_root)?;
        // Everything public: objects and logs, as a mirror would hold them.
        let from = self.vault.backend.as_ref();
        let to = LocalBackend::new(fs.clone(), new_root.to_path_buf());
        for prefix in ["objects/", "log/"] {
            for p in from.list(prefix)? {
                if let Some((path, _)) = ObjectPath::parse(&p) {
                    to.create(&path, &Stored::from_existing_object(from.read(&path)?))?;
                }
            }
        }
        to.barrier()?;
        // The member's key slot, as it is; a new device key under the member's secret.
        let m = &self.vault.marker;
        let slot = self
            .vault
            .fs
            .read(&layout::member_slot(&self.vault.root, &m.member))
            .map_err(|e| io_error("reading the key slot", e))?;
        create_durable(
            fs.as_ref(),
            &layout::member_slot(new_root, &m.member),
            &slot,
        )?;
        let mut rng = OsEntropy;
        let device = DeviceId::random(&mut rng).map_err(|e| AppError::internal(e.to_string()))?;
        let seed = Key32::random(&mut rng).map_err(|e| AppError::internal(e.to_string()))?;
        let dslot = keyslot::seal_device(&device, &m.member, &self.member_secret, &seed, &mut rng)
            .map_err(|e| AppError::internal(e.to_string()))?;
        create_durable(fs.as_ref(), &layout::device_slot(new_root), &dslot)?;
        let recovery = self
            .lines
            .iter()
            .find(|l| {
                l.entry.body.kind == entry_kind::DEVICE_GENESIS && l.entry.body.device == m.device
            })
            .and_then(|l| Genesis::decode(&l.entry.body.payload, &m.vault, &m.device).ok())
            .map(|g| g.recovery)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Damaged,
                    "this device's genesis entry is unreadable; run `khronika verify`",
                )
            })?;
        let key = SigningKey::from_seed(&seed);
        let genesis = Genesis::new(
            &m.vault,
            &device,
            key.public(),
            m.member,
            &member_sign_key(&self.member_secret),
            member_wrap_key(&self.member_secret).public(),
            recovery,
            now_ms(),
        );
        let mut log = LogState::new(m.vault, device);
        log.stage(
            &key,
            entry_kind::DEVICE_GENESIS,
            CompartmentId::NONE,
            0,
            vec![],
            vec![],
            genesis.encode(),
        )?;
        log.commit(&to, &key)?;
        let marker = Marker {
            vault: m.vault,
            device,
            member: m.member,
            compartment: m.compartment,
        };
        create_durable(
            fs.as_ref(),
            &new_root.join(MARKER),
            marker.encode().as_bytes(),
        )?;
        Ok(device)
    }
}
