//! The verified state: how far this device has read and verified each device's log, so that
//! unlocking reads only what was written since.
//!
//! A log of a million record revisions takes tens of seconds to read and verify, and its
//! entries do not fit the memory budget. Once the local records indexes (on disk) have applied
//! a revision, it is needed again only to rebuild an index, to export, or to list the whole
//! log; every other entry (evidence, key epochs, members, devices, openings of the source
//! register, revisions the indexes have not applied) is kept. The state is
//! `VAULT/state/verified-<member hex>-<generation, 20 digits>.sealed` (FORMATS §26): per device
//! a resume point (entries verified, hash of the last one, the RFC 6962 root, the device key)
//! and the entries below it that are kept, sealed under a key derived from the member's secret.
//!
//! Loading from it rebuilds each tree from the stored level-0 hash tiles, checks it against the
//! sealed root, then reads and verifies only the later entries. A log that no longer matches
//! (changed, rolled back, missing) is refused as damaged: logs are append-only, so this can
//! only be damage or tampering after this device verified it. A state that does not open is
//! ignored (it is a cache) and replaced. A revocation or quarantine decision written since
//! the state means a full read (trust in the left-out revisions may have changed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use khronika_crypto::aead::{self, AssociatedData};
use khronika_crypto::hash::sha256;
use khronika_crypto::sign::PublicKey;
use khronika_crypto::{Entropy, Key32, OsEntropy, kdf};
use khronika_store::entry::{Entry, entry_kind};
use khronika_store::keys::kind;
use khronika_store::log::{LogState, Resume};
use khronika_store::{CompartmentId, DeviceId, MemberId, VaultId};

use crate::devices::Trust;
use crate::error::{AppError, ErrorCode, io_error};
use crate::layout;
use crate::vault::{LogLine, UnlockedVault};

/// Folder of the verified states, inside the vault folder (device-local, never mirrored).
pub const STATE_DIR: &str = "state";
const PREFIX: &str = "verified-";
const MAGIC: &[u8; 8] = b"KHRNVSTA";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 8 + 1 + 16 + 16 + 8;
const KEY_CONTEXT: &str = "khronika 2026-11 verified state v1";
/// A new state is written once at least this many more revisions can be left out of memory.
pub const MIN_GAIN: u64 = 4096;

/// One device's resume point and the entries below it that are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceResume {
    /// Where reading resumes.
    pub resume: Resume,
    /// The entries below `resume.size` that are kept, in log order.
    pub kept: Vec<Entry>,
}

/// A member's verified state on this device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifiedState {
    /// Per device.
    pub devices: BTreeMap<DeviceId, DeviceResume>,
    /// The compartments some of whose revisions are left out.
    pub compartments: BTreeSet<CompartmentId>,
}

/// What this session left out of memory, and where each device's log was verified.
#[derive(Debug, Default)]
pub(crate) struct Resumed {
    /// Per device with revisions left out: entries below this index are either kept in
    /// memory or left out.
    pub prefix: BTreeMap<DeviceId, u64>,
    /// Revisions left out of memory.
    pub dropped: u64,
    /// The compartments of the revisions left out.
    pub compartments: BTreeSet<CompartmentId>,
    /// Resume points of the other devices' logs, as loaded.
    pub others: BTreeMap<DeviceId, Resume>,
    /// Generation of the newest state file (0: none).
    pub generation: u64,
}

/// The logs as read at unlock.
pub(crate) struct Loaded {
    pub entries: Vec<Entry>,
    pub mine: LogState,
    pub resumed: Resumed,
}

fn state_key(member_secret: &Key32) -> Key32 {
    kdf::derive(KEY_CONTEXT, member_secret)
}

fn header(vault: &VaultId, member: &MemberId, generation: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(MAGIC);
    h.push(VERSION);
    h.extend_from_slice(&vault.0);
    h.extend_from_slice(&member.0);
    h.extend_from_slice(&generation.to_be_bytes());
    h
}

fn state_ad(header: &[u8]) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind: kind::VERIFIED_STATE,
        compartment: [0; 16],
        epoch: 0,
        id: sha256(header),
    }
    .encode()
}

fn put_u32(out: &mut Vec<u8>, n: usize) -> Result<(), String> {
    let n = u32::try_from(n).map_err(|_| "too many items for a verified state".to_string())?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("it ends early".into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u32(&mut self) -> Result<usize, String> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

impl VerifiedState {
    fn encode_body(&self) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        put_u32(&mut out, self.devices.len())?;
        for (d, r) in &self.devices {
            out.extend_from_slice(&d.0);
            out.extend_from_slice(&r.resume.size.to_be_bytes());
            out.extend_from_slice(&r.resume.last_hash);
            out.extend_from_slice(&r.resume.root);
            out.extend_from_slice(&r.resume.key.0);
            put_u32(&mut out, r.kept.len())?;
            for e in &r.kept {
                put_u32(&mut out, e.bytes().len())?;
                out.extend_from_slice(e.bytes());
            }
        }
        put_u32(&mut out, self.compartments.len())?;
        for c in &self.compartments {
            out.extend_from_slice(&c.0);
        }
        Ok(out)
    }

    fn decode_body(body: &[u8]) -> Result<VerifiedState, String> {
        let mut r = Reader(body);
        let mut s = VerifiedState::default();
        for _ in 0..r.u32()? {
            let d = DeviceId(r.array()?);
            let resume = Resume {
                size: r.u64()?,
                last_hash: r.array()?,
                root: r.array()?,
                key: PublicKey(r.array()?),
            };
            let n = r.u32()?;
            if n as u64 > resume.size {
                return Err("it keeps more entries than it covers".into());
            }
            let mut kept = Vec::with_capacity(n);
            let mut next = 0;
            for _ in 0..n {
                let len = r.u32()?;
                let e = Entry::decode(r.take(len)?)?;
                if e.body.device != d || e.body.index < next || e.body.index >= resume.size {
                    return Err("its entries are out of order".into());
                }
                next = e.body.index + 1;
                kept.push(e);
            }
            if s.devices.insert(d, DeviceResume { resume, kept }).is_some() {
                return Err("a device appears twice".into());
            }
        }
        for _ in 0..r.u32()? {
            s.compartments.insert(CompartmentId(r.array()?));
        }
        if !r.0.is_empty() {
            return Err("bytes follow its end".into());
        }
        Ok(s)
    }

    /// Seal the state as `generation` with `nonce`. Only tests choose the nonce.
    pub fn seal_with_nonce(
        &self,
        vault: &VaultId,
        member: &MemberId,
        member_secret: &Key32,
        generation: u64,
        nonce: &[u8; aead::NONCE_LEN],
    ) -> Result<Vec<u8>, String> {
        let body = self.encode_body()?;
        let mut out = header(vault, member, generation);
        let ad = state_ad(&out);
        aead::seal_into_with_nonce(&state_key(member_secret), &ad, &body, nonce, &mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// Open a sealed state; returns it and its generation.
    pub fn open(
        bytes: &[u8],
        vault: &VaultId,
        member: &MemberId,
        member_secret: &Key32,
    ) -> Result<(VerifiedState, u64), String> {
        if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
            return Err("not a Khronika verified state".into());
        }
        if bytes[8] != VERSION {
            return Err(format!("verified state version {} is not known", bytes[8]));
        }
        if bytes[9..25] != vault.0 || bytes[25..41] != member.0 {
            return Err("the verified state belongs to another vault or member".into());
        }
        let mut g = [0u8; 8];
        g.copy_from_slice(&bytes[41..HEADER_LEN]);
        let plain = aead::open(
            &state_key(member_secret),
            &state_ad(&bytes[..HEADER_LEN]),
            &bytes[HEADER_LEN..],
        )
        .map_err(|_| "the verified state does not open (damaged)".to_string())?;
        Ok((Self::decode_body(&plain)?, u64::from_be_bytes(g)))
    }
}

fn file_name(member: &MemberId, generation: u64) -> String {
    format!("{PREFIX}{}-{generation:020}.sealed", member.to_hex())
}

/// Does this entry change which entries are trusted?
fn changes_trust(e: &Entry) -> bool {
    matches!(
        e.body.kind,
        entry_kind::DEVICE_REVOKE | entry_kind::QUARANTINE_DECISION
    )
}

impl UnlockedVault {
    fn state_dir(&self) -> PathBuf {
        self.vault.root.join(STATE_DIR)
    }

    /// Generations of this member's state files present, oldest first.
    fn state_generations(&self) -> Vec<u64> {
        let start = format!("{PREFIX}{}-", self.member.to_hex());
        let Ok(list) = self.vault.fs.list_dir(&self.state_dir()) else {
            return Vec::new();
        };
        let mut g: Vec<u64> = list
            .iter()
            .filter_map(|e| {
                e.name
                    .strip_prefix(&start)?
                    .strip_suffix(".sealed")?
                    .parse()
                    .ok()
            })
            .collect();
        g.sort_unstable();
        g
    }

    /// This member's newest verified state if it opens, and the newest generation present
    /// (0: none), after which the next state is written whether or not it opened.
    pub(crate) fn read_verified_state(&self) -> (Option<(VerifiedState, u64)>, u64) {
        let Some(&g) = self.state_generations().last() else {
            return (None, 0);
        };
        let m = &self.vault.marker;
        let state = self
            .vault
            .fs
            .read(&self.state_dir().join(file_name(&self.member, g)))
            .ok()
            .and_then(|bytes| {
                VerifiedState::open(&bytes, &m.vault, &self.member, &self.member_secret).ok()
            });
        (state, g)
    }

    /// Read every device's log, from `state` where given: `None` if a full read is needed
    /// instead (trust changed since the state was written).
    pub(crate) fn read_logs(
        &self,
        state: Option<&(VerifiedState, u64)>,
    ) -> Result<Option<Loaded>, AppError> {
        let m = self.vault.marker.clone();
        let backend = self.vault.backend.clone();
        let devices = khronika_store::log::list_devices(backend.as_ref())?;
        if let Some((s, _)) = state
            && let Some(d) = s.devices.keys().find(|d| !devices.contains(d))
        {
            return Err(AppError::new(
                ErrorCode::Damaged,
                format!(
                    "the log of device {} was verified on this device before and is now missing; run `khronika verify`",
                    d.short()
                ),
            ));
        }
        let mut entries: Vec<Entry> = Vec::new();
        let mut mine = None;
        let mut resumed = Resumed {
            generation: state.map_or(0, |(_, g)| *g),
            ..Resumed::default()
        };
        for d in devices {
            let from = state.and_then(|(s, _)| s.devices.get(&d));
            let mut tail = Vec::new();
            let st = LogState::load_from(
                backend.as_ref(),
                m.vault,
                d,
                from.map(|r| &r.resume),
                khronika_store::verify::genesis_key,
                |e| {
                    tail.push(e.clone());
                    Ok(())
                },
            )
            .map_err(|e| match from {
                Some(_) => AppError::new(
                    ErrorCode::Damaged,
                    format!(
                        "the log of device {} no longer matches what this device verified before ({e}): it was changed or rolled back; run `khronika verify`",
                        d.short()
                    ),
                ),
                None => e.into(),
            })?;
            if let Some(r) = from {
                if tail.iter().any(changes_trust) {
                    return Ok(None);
                }
                entries.extend(r.kept.iter().cloned());
                let left_out = r.resume.size - r.kept.len() as u64;
                if left_out > 0 {
                    resumed.prefix.insert(d, r.resume.size);
                    resumed.dropped += left_out;
                }
            }
            entries.extend(tail);
            if d == m.device {
                mine = Some(st);
            } else if let Some(p) = st.resume_point(u64::MAX) {
                resumed.others.insert(d, p);
            }
        }
        if resumed.dropped > 0
            && let Some((s, _)) = state
        {
            resumed.compartments = s.compartments.clone();
        }
        Ok(Some(Loaded {
            entries,
            mine: mine.unwrap_or_else(|| LogState::new(m.vault, m.device)),
            resumed,
        }))
    }

    /// Make every entry of every log present in memory again (for `log`, exports, rebuilding
    /// an index): re-reads and re-verifies the logs in full. Free when nothing was left out.
    pub(crate) fn ensure_all_lines(&mut self) -> Result<(), AppError> {
        if self.resumed.dropped == 0 {
            return Ok(());
        }
        if self.log.size() != self.log.committed() {
            return Err(AppError::internal(
                "the whole log is read again only between commits",
            ));
        }
        let loaded = self
            .read_logs(None)?
            .ok_or_else(|| AppError::internal("a full read asked for another"))?;
        let mut lines = Vec::with_capacity(loaded.entries.len());
        for e in loaded.entries {
            let evidence = self.open_evidence(&e)?;
            lines.push(LogLine { entry: e, evidence });
        }
        self.lines = lines;
        self.resumed.prefix.clear();
        self.resumed.dropped = 0;
        self.resumed.compartments.clear();
        self.open_indexes_seen_now();
        Ok(())
    }

    /// Once the on-disk indexes have applied enough revisions, write a new verified state and
    /// leave those revisions out of memory. Only on the operating system's file system (the
    /// indexes of a simulated one live in memory).
    pub(crate) fn save_verified_state(
        &mut self,
        applied: &BTreeMap<CompartmentId, BTreeMap<[u8; 16], u64>>,
    ) -> Result<(), AppError> {
        // A token session sees only part of the vault: the state is left to the member's own
        // sessions (it is a cache; leaving it unwritten costs a longer read, nothing else).
        if !self.vault.fs.is_os() || self.token.is_some() {
            return Ok(());
        }
        let mut points = self.resumed.others.clone();
        if let Some(p) = self.log.resume_point(self.log.committed()) {
            points.insert(self.vault.marker.device, p);
        }
        let trust = self.trust();
        let droppable = |l: &LogLine| {
            let b = &l.entry.body;
            b.kind == entry_kind::RECORD_REVISION
                && b.objects.is_empty()
                && !trust.revoked.contains_key(&b.device)
                && trust.trust(&b.device, b.index) == Trust::Trusted
                && self.epochs.contains_key(&(b.compartment, b.epoch))
                && applied
                    .get(&b.compartment)
                    .and_then(|a| a.get(&b.device.0))
                    .is_some_and(|n| *n > b.index)
        };
        let below = |l: &LogLine| {
            points
                .get(&l.entry.body.device)
                .is_some_and(|p| l.entry.body.index < p.size)
        };
        let gain = self
            .lines
            .iter()
            .filter(|l| below(l) && droppable(l))
            .count() as u64;
        if gain < MIN_GAIN {
            return Ok(());
        }
        let mut state = VerifiedState {
            devices: BTreeMap::new(),
            compartments: self.resumed.compartments.clone(),
        };
        for (d, p) in &points {
            state.devices.insert(
                *d,
                DeviceResume {
                    resume: p.clone(),
                    kept: Vec::new(),
                },
            );
        }
        let mut keep = Vec::with_capacity(self.lines.len());
        for l in &self.lines {
            if !below(l) {
                keep.push(true);
                continue;
            }
            let drop = droppable(l);
            keep.push(!drop);
            if drop {
                state.compartments.insert(l.entry.body.compartment);
            } else if let Some(r) = state.devices.get_mut(&l.entry.body.device) {
                r.kept.push(l.entry.clone());
            }
        }
        let m = self.vault.marker.clone();
        let next = self.resumed.generation + 1;
        let mut nonce = [0u8; aead::NONCE_LEN];
        OsEntropy
            .fill(&mut nonce)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let bytes = state
            .seal_with_nonce(&m.vault, &self.member, &self.member_secret, next, &nonce)
            .map_err(AppError::internal)?;
        let dir = self.state_dir();
        self.vault
            .fs
            .create_dir_all(&dir)
            .map_err(|e| io_error("creating the state folder", e))?;
        layout::create_durable(
            self.vault.fs.as_ref(),
            &dir.join(file_name(&self.member, next)),
            &bytes,
        )?;
        for g in self.state_generations().into_iter().filter(|g| *g < next) {
            let _ = self
                .vault
                .fs
                .remove_file(&dir.join(file_name(&self.member, g)));
        }
        // Leave the revisions out of memory now.
        let mut flags = keep.into_iter();
        self.lines.retain(|_| flags.next().unwrap_or(true));
        self.resumed.generation = next;
        self.resumed.dropped += gain;
        self.resumed.compartments = state.compartments;
        self.resumed.prefix = state
            .devices
            .iter()
            .filter(|(_, r)| (r.kept.len() as u64) < r.resume.size)
            .map(|(d, r)| (*d, r.resume.size))
            .collect();
        self.open_indexes_seen_now();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use khronika_crypto::sign::SigningKey;

    fn sample() -> (VerifiedState, Key32) {
        let key = SigningKey::from_seed(&Key32::from_bytes([9; 32]));
        let d = DeviceId([2; 16]);
        let mut st = LogState::new(VaultId([1; 16]), d);
        let e = st
            .stage(
                &key,
                entry_kind::DEVICE_GENESIS,
                CompartmentId([0; 16]),
                0,
                vec![],
                vec![],
                key.public().0.to_vec(),
            )
            .unwrap();
        let mut s = VerifiedState::default();
        s.devices.insert(
            d,
            DeviceResume {
                resume: Resume {
                    size: 256,
                    last_hash: [5; 32],
                    root: [6; 32],
                    key: key.public(),
                },
                kept: vec![e],
            },
        );
        s.compartments.insert(CompartmentId([4; 16]));
        (s, Key32::from_bytes([7; 32]))
    }

    #[test]
    fn the_sealed_state_matches_its_vector_and_refuses_any_change() {
        let (s, secret) = sample();
        let (v, m) = (VaultId([1; 16]), MemberId([3; 16]));
        let bytes = s.seal_with_nonce(&v, &m, &secret, 7, &[0xa0; 24]).unwrap();
        let hex = khronika_crypto::hash::to_hex(&bytes);
        let want = include_str!("../testdata/vectors/verified-state.hex");
        assert_eq!(hex, want.trim(), "the verified state's format changed");
        assert_eq!(
            VerifiedState::open(&bytes, &v, &m, &secret).unwrap(),
            (s, 7)
        );
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(
                VerifiedState::open(&b, &v, &m, &secret).is_err(),
                "byte {i}"
            );
        }
        assert!(VerifiedState::open(&bytes, &v, &MemberId([8; 16]), &secret).is_err());
        assert!(VerifiedState::open(&bytes, &v, &m, &Key32::from_bytes([1; 32])).is_err());
        assert!(VerifiedState::open(&bytes[..HEADER_LEN + 3], &v, &m, &secret).is_err());
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let (s, _) = sample();
        let body = s.encode_body().unwrap();
        assert_eq!(VerifiedState::decode_body(&body).unwrap(), s);
        for cut in 0..body.len() {
            assert!(
                VerifiedState::decode_body(&body[..cut]).is_err(),
                "cut {cut}"
            );
        }
        let mut longer = body.clone();
        longer.push(0);
        assert!(VerifiedState::decode_body(&longer).is_err());
    }
}
