//! The public side of the history: device keys (what a court or partner pins) and signed
//! checkpoints. Nothing here needs a key or a passphrase.

use khronika_crypto::sign::PublicKey;
use khronika_store::entry::Entry;
use khronika_store::log::{
    Checkpoint, decode_bundle, list_devices, list_log, origin, verifier_key,
};
use khronika_store::payloads::Genesis;
use khronika_store::{DeviceId, MemberId, ObjectPath};

use crate::error::{AppError, ErrorCode};
use crate::time::rfc3339_ms;
use crate::vault::LockedVault;

/// A device of the organisation, as its log's genesis entry declares it.
#[derive(Debug, Clone)]
pub struct DeviceKey {
    /// The device.
    pub device: DeviceId,
    /// The key that signs its log and checkpoints.
    pub key: PublicKey,
    /// Its verifier key in C2SP signed-note form (`<origin>+<key id>+<base64 key>`).
    pub vkey: String,
    /// The member who granted it.
    pub member: MemberId,
    /// When it was set up (its own clock), RFC 3339.
    pub since: String,
    /// True for the device this vault folder belongs to.
    pub this_device: bool,
}

fn damaged(what: String) -> AppError {
    AppError::new(
        ErrorCode::Damaged,
        format!("{what}. Run `khronika verify` for a full report."),
    )
}

impl LockedVault {
    /// Every device with a log in this vault, from its genesis entry (grant checked).
    pub fn device_keys(&self) -> Result<Vec<DeviceKey>, AppError> {
        let vault = self.marker.vault;
        let mut out = Vec::new();
        for device in list_devices(self.backend())? {
            let (bundles, _) = list_log(self.backend(), &device)?;
            let first = bundles.first().ok_or_else(|| {
                damaged(format!(
                    "the log of device {} has no entries",
                    device.short()
                ))
            })?;
            let partial = if first.full {
                None
            } else {
                first.partials.last().copied()
            };
            let bytes = self
                .backend()
                .read(&ObjectPath::bundle(&device, 0, partial))?;
            let entries = decode_bundle(&bytes).map_err(|w| {
                damaged(format!(
                    "the first bundle of device {}: {w}",
                    device.short()
                ))
            })?;
            let raw = entries
                .first()
                .ok_or_else(|| damaged(format!("the log of device {} is empty", device.short())))?;
            let e = Entry::decode(raw)
                .map_err(|w| damaged(format!("the genesis of device {}: {w}", device.short())))?;
            let g = Genesis::decode(&e.body.payload, &vault, &device)
                .map_err(|w| damaged(format!("the genesis of device {}: {w}", device.short())))?;
            e.verify_signature(&g.device_key).map_err(|_| {
                damaged(format!(
                    "the genesis of device {} is not signed by its key",
                    device.short()
                ))
            })?;
            out.push(DeviceKey {
                device,
                key: g.device_key,
                vkey: verifier_key(&origin(&vault, &device), &g.device_key),
                member: g.member,
                since: rfc3339_ms(g.time_ms),
                this_device: device == self.marker.device,
            });
        }
        Ok(out)
    }

    /// The newest signed checkpoint of this device's log, checked against the device key.
    pub fn latest_checkpoint(&self) -> Result<(Checkpoint, String), AppError> {
        let device = self.marker.device;
        let key = self
            .device_keys()?
            .into_iter()
            .find(|d| d.device == device)
            .ok_or_else(|| damaged("this device's log is missing".into()))?;
        let (_, sizes) = list_log(self.backend(), &device)?;
        let size = *sizes
            .last()
            .ok_or_else(|| damaged("this device's log has no checkpoint".into()))?;
        let path = ObjectPath::checkpoint(&device, size);
        let note = self.backend().read(&path)?;
        let cp = Checkpoint::open(&note, &key.key)
            .map_err(|w| damaged(format!("the checkpoint {path} is damaged: {w}")))?;
        let text = String::from_utf8(note)
            .map_err(|_| damaged(format!("the checkpoint {path} is not text")))?;
        Ok((cp, text))
    }
}

/// A consistency proof between two sizes of one device's log (RFC 9162 §2.1.4).
#[derive(Debug, Clone)]
pub struct Consistency {
    /// The log's origin.
    pub origin: String,
    /// The older size.
    pub old_size: u64,
    /// The newer size.
    pub new_size: u64,
    /// Root at the older size.
    pub old_root: [u8; 32],
    /// Root at the newer size.
    pub new_root: [u8; 32],
    /// The proof hashes.
    pub proof: Vec<[u8; 32]>,
}

impl LockedVault {
    /// Prove that `device`'s log at `new_size` (default: its newest checkpoint) extends the
    /// log at `old_size`. Needs no key.
    pub fn consistency(
        &self,
        device: DeviceId,
        old_size: u64,
        new_size: Option<u64>,
    ) -> Result<Consistency, AppError> {
        use khronika_store::merkle::{ProofOrSource, consistency_proof};
        let (_, sizes) = list_log(self.backend(), &device)?;
        let new_size = match new_size.or_else(|| sizes.last().copied()) {
            Some(n) => n,
            None => {
                return Err(damaged(format!(
                    "device {} has no checkpoint",
                    device.short()
                )));
            }
        };
        let st = khronika_store::log::LogState::load(
            self.backend(),
            self.marker.vault,
            device,
            khronika_store::verify::genesis_key,
            |_| Ok(()),
        )?;
        if new_size > st.size() {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!("the log has {} entries, fewer than {new_size}", st.size()),
            ));
        }
        let proof = match consistency_proof(st.tree(), old_size, new_size) {
            Ok(p) => p,
            Err(ProofOrSource::Proof(e)) => {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    format!("no consistency proof from {old_size} to {new_size}: {e}"),
                ));
            }
            Err(ProofOrSource::Source(never)) => match never {},
        };
        Ok(Consistency {
            origin: origin(&self.marker.vault, &device),
            old_size,
            new_size,
            old_root: st.tree().root_at(old_size),
            new_root: st.tree().root_at(new_size),
            proof,
        })
    }
}
