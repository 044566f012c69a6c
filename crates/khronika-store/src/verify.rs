//! Keyless verification: everything a mirror, a witness or a court can check without a key.
//!
//! - every content-addressed object's bytes hash to its name, and packs have a valid header;
//! - every device log frames, chains, indexes and signs correctly from its genesis entry;
//! - every checkpoint is signed by the device and matches the root recomputed at its size;
//! - no log is shorter than a checkpoint of it (a deleted tail or a rollback);
//! - every object a log entry lists is present and intact; object lists are well-formed.

use std::collections::{BTreeMap, BTreeSet};

use khronika_crypto::hash;

use crate::entry::{Entry, entry_kind, object_kind};
use crate::log::{BUNDLE_WIDTH, Checkpoint, Frontier, LogState, leaf_hash, list_devices};
use crate::merkle::NodeSource;
use crate::path::PathKind;
use crate::payloads::{Genesis, Revocation};
use crate::{Backend, BackendError, DeviceId, ObjectPath, StoreError, pack};

/// One thing wrong, naming the object concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The object path, or the log, concerned.
    pub object: String,
    /// What is wrong, in words.
    pub what: String,
}

/// The outcome of a verification.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Everything wrong. Empty means the store verified.
    pub problems: Vec<Problem>,
    /// Observations that are not errors.
    pub notes: Vec<String>,
    /// Objects checked.
    pub objects_checked: u64,
    /// Bytes of objects read.
    pub bytes_checked: u64,
    /// Log entries checked, over all devices.
    pub entries_checked: u64,
    /// Devices whose logs were checked.
    pub devices: Vec<DeviceId>,
}

impl Report {
    /// True if nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, object: impl Into<String>, what: impl Into<String>) {
        self.problems.push(Problem {
            object: object.into(),
            what: what.into(),
        });
    }

    fn store_error(&mut self, fallback: &str, e: StoreError) {
        match e {
            StoreError::Damaged { path, what } => self.problem(path.as_str(), what),
            StoreError::Backend(BackendError::NotFound(p)) => self.problem(p.as_str(), "missing"),
            StoreError::Log { device, what } => {
                self.problem(format!("log/{}", device.to_hex()), what)
            }
            other => self.problem(fallback, other.to_string()),
        }
    }
}

/// An object list: `"KHRNOBJL"`, version 1, count (u32), then per object kind (u8) and
/// SHA-256 (32). Public, content-addressed; used when one entry adds more objects than fit.
pub mod object_list {
    use crate::Stored;
    use crate::entry::ObjectRef;

    /// Magic bytes.
    pub const MAGIC: &[u8; 8] = b"KHRNOBJL";

    /// Encode a list.
    pub fn encode(objects: &[ObjectRef]) -> Stored {
        let mut b = MAGIC.to_vec();
        b.push(1);
        b.extend_from_slice(&(objects.len() as u32).to_be_bytes());
        for o in objects {
            b.push(o.kind);
            b.extend_from_slice(&o.hash);
        }
        Stored::new(b)
    }

    /// Decode a list.
    pub fn decode(b: &[u8]) -> Result<Vec<ObjectRef>, String> {
        if b.len() < 13 || &b[..8] != MAGIC || b[8] != 1 {
            return Err("not an object list".into());
        }
        let n = u32::from_be_bytes([b[9], b[10], b[11], b[12]]) as usize;
        let body = &b[13..];
        if body.len() != n.saturating_mul(33) {
            return Err("object list length does not match its count".into());
        }
        Ok(body
            .chunks_exact(33)
            .map(|c| ObjectRef {
                kind: c[0],
                hash: c[1..].try_into().unwrap_or([0; 32]),
            })
            .collect())
    }
}

/// The device key of a log, from its genesis entry (checking the member's grant).
pub fn genesis_key(e: &Entry) -> Result<khronika_crypto::sign::PublicKey, String> {
    if e.body.kind != entry_kind::DEVICE_GENESIS {
        return Err("the first entry is not a device genesis".into());
    }
    Ok(Genesis::decode(&e.body.payload, &e.body.vault, &e.body.device)?.device_key)
}

/// Verify everything in `backend` without any key. `progress` is called with bytes read.
pub fn verify(
    backend: &dyn Backend,
    vault: crate::VaultId,
    progress: &mut dyn FnMut(u64),
) -> Report {
    verify_visiting(backend, vault, progress, &mut |_, _| {})
}

/// [`verify`], handing every intact pack (its hash and bytes, as read once) to `visit`, so that
/// a caller holding keys can check the data inside without reading the pack again.
pub fn verify_visiting(
    backend: &dyn Backend,
    vault: crate::VaultId,
    progress: &mut dyn FnMut(u64),
    visit: &mut dyn FnMut([u8; 32], std::sync::Arc<Vec<u8>>),
) -> Report {
    let mut report = Report::default();
    // 1. Content-addressed objects.
    let mut present: BTreeMap<[u8; 32], Found> = BTreeMap::new();
    let listing = match backend.list("objects/") {
        Ok(l) => l,
        Err(e) => {
            report.problem("objects/", format!("cannot list objects: {e}"));
            return report;
        }
    };
    for s in listing {
        let Some((path, PathKind::Object(h))) = ObjectPath::parse(&s) else {
            report.problem(
                &s,
                "not an object Khronika writes (foreign or misnamed file)",
            );
            continue;
        };
        match backend.read(&path) {
            Ok(bytes) => {
                report.objects_checked += 1;
                report.bytes_checked += bytes.len() as u64;
                progress(bytes.len() as u64);
                let found = if hash::sha256(&bytes) != h {
                    report.problem(
                        path.as_str(),
                        "damaged: its bytes do not match its name (SHA-256)",
                    );
                    Found::Damaged
                } else if bytes.starts_with(object_list::MAGIC) {
                    Found::List(bytes)
                } else {
                    let header = pack::parse_header(&bytes);
                    if header.is_ok() {
                        visit(h, std::sync::Arc::new(bytes));
                    }
                    Found::Pack(header)
                };
                present.insert(h, found);
            }
            Err(e) => report.problem(path.as_str(), format!("cannot be read: {e}")),
        }
    }
    // 2. Logs.
    let devices = match list_devices(backend) {
        Ok(d) => d,
        Err(e) => {
            report.problem("log/", format!("cannot list logs: {e}"));
            return report;
        }
    };
    match backend.list("log/") {
        Ok(all) => {
            for s in all.iter().filter(|s| ObjectPath::parse(s).is_none()) {
                report.problem(
                    s,
                    "not a file Khronika writes in a log (foreign or misnamed)",
                );
            }
        }
        Err(e) => report.problem("log/", format!("cannot list logs: {e}")),
    }
    let mut referenced: BTreeSet<[u8; 32]> = BTreeSet::new();
    let mut logs = BTreeMap::new();
    let mut revocations = Vec::new();
    for device in devices {
        report.devices.push(device);
        if let Some(st) = verify_log(
            backend,
            vault,
            device,
            &present,
            &mut referenced,
            &mut revocations,
            &mut report,
        ) {
            logs.insert(device, st);
        }
    }
    check_revocations(&logs, &revocations, &mut report);
    // 3. Anything present but never referenced is left over from an interrupted write.
    let orphans = present.keys().filter(|h| !referenced.contains(*h)).count();
    if orphans > 0 {
        let logs_ok = report
            .problems
            .iter()
            .all(|p| !p.object.starts_with("log/"));
        report.notes.push(if logs_ok {
            format!(
                "{orphans} object(s) are not referenced by any log entry: left by an interrupted add \
                 (harmless), or log entries that referred to them were removed"
            )
        } else {
            format!("{orphans} object(s) are not referenced by any readable log entry (see the log problems above)")
        });
    }
    report
}

/// What step 1 found for an object.
enum Found {
    /// Its bytes do not match its name (already reported).
    Damaged,
    /// An object list, kept for step 2.
    List(Vec<u8>),
    /// Anything else; if it is listed as a pack, this is its header check.
    Pack(Result<pack::PackHeader, String>),
}

/// Check one object an entry lists: present, intact, of the kind the entry says, and (for a
/// pack) sealed for the entry's compartment and epoch. Object lists are followed.
fn check_listed(
    present: &BTreeMap<[u8; 32], Found>,
    referenced: &mut BTreeSet<[u8; 32]>,
    o: crate::entry::ObjectRef,
    e: &Entry,
    log_name: &str,
    out: &mut Vec<(String, String)>,
) {
    let idx = e.body.index;
    referenced.insert(o.hash);
    let path = ObjectPath::object(&o.hash).to_string();
    match (o.kind, present.get(&o.hash)) {
        (_, None) => out.push((
            path,
            format!("missing (listed by entry {idx} of {log_name})"),
        )),
        (_, Some(Found::Damaged)) => {} // already reported
        (object_kind::OBJECT_LIST, Some(Found::List(bytes))) => match object_list::decode(bytes) {
            Ok(list) if list.iter().all(|i| i.kind == object_kind::PACK) => {
                for inner in list {
                    check_listed(present, referenced, inner, e, log_name, out);
                }
            }
            Ok(_) => out.push((path, "object list names something other than packs".into())),
            Err(w) => out.push((path, w)),
        },
        (object_kind::PACK, Some(Found::Pack(Ok(h)))) => {
            if h.compartment != e.body.compartment || h.epoch != e.body.epoch {
                out.push((path, format!("pack belongs to another compartment or epoch than entry {idx} of {log_name}")));
            }
        }
        (object_kind::PACK, Some(Found::Pack(Err(w)))) => out.push((path, w.clone())),
        (kind, Some(_)) => out.push((
            path,
            format!(
                "entry {idx} of {log_name} lists it as an object of kind {kind}, which it is not"
            ),
        )),
    }
}

fn verify_log(
    backend: &dyn Backend,
    vault: crate::VaultId,
    device: DeviceId,
    present: &BTreeMap<[u8; 32], Found>,
    referenced: &mut BTreeSet<[u8; 32]>,
    revocations: &mut Vec<(DeviceId, u64, Revocation)>,
    report: &mut Report,
) -> Option<LogState> {
    let log_name = format!("log/{}", device.to_hex());
    let mut frontier = Frontier::default();
    let mut roots: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
    let mut entries = 0u64;
    let mut missing: Vec<(String, String)> = Vec::new();
    let loaded = LogState::load(backend, vault, device, genesis_key, |e| {
        entries += 1;
        frontier.push(leaf_hash(e.bytes()));
        roots.insert(frontier.size(), frontier.root());
        for o in &e.body.objects {
            check_listed(present, referenced, *o, e, &log_name, &mut missing);
        }
        if e.body.kind == entry_kind::DEVICE_REVOKE {
            match Revocation::decode(&e.body.payload) {
                Ok(r) => revocations.push((device, e.body.index, r)),
                Err(w) => missing.push((log_name.clone(), format!("entry {}: {w}", e.body.index))),
            }
        }
        Ok(())
    });
    report.entries_checked += entries;
    for (o, w) in missing {
        report.problem(o, w);
    }
    let st = match loaded {
        Ok(st) => st,
        Err(e) => {
            report.store_error(&log_name, e);
            return None;
        }
    };
    let Some(key) = st.key else {
        if !st.checkpoints().is_empty() {
            report.problem(
                &log_name,
                "log has checkpoints but no entries: every entry was deleted",
            );
        }
        return None;
    };
    for &size in st.checkpoints() {
        let path = ObjectPath::checkpoint(&device, size);
        let note = match backend.read(&path) {
            Ok(n) => n,
            Err(e) => {
                report.problem(path.as_str(), format!("cannot be read: {e}"));
                continue;
            }
        };
        match Checkpoint::open(&note, &key) {
            Err(w) => report.problem(path.as_str(), format!("damaged checkpoint: {w}")),
            Ok(cp) if cp.size != size => report.problem(path.as_str(), format!("names size {} but is stored as size {size}", cp.size)),
            Ok(cp) if cp.origin != crate::log::origin(&vault, &device) => report.problem(path.as_str(), "belongs to another log"),
            Ok(cp) => match roots.get(&size) {
                None => report.problem(
                    path.as_str(),
                    format!("the log has {entries} entries but this checkpoint vouches for {size}: entries were deleted or the log was rolled back"),
                ),
                Some(r) if *r != cp.root => report.problem(path.as_str(), "root does not match the log's entries: history was rewritten"),
                Some(_) => {}
            },
        }
    }
    // One listing of the log's folder serves both checks.
    match backend.list(&ObjectPath::log_prefix(&device)) {
        Ok(listing) => {
            check_hash_tiles(backend, &device, &st, &listing, report);
            check_cosignatures(backend, &st, &listing, report);
        }
        Err(e) => report.problem(&log_name, format!("cannot list: {e}")),
    }
    match st.checkpoints().last() {
        None => report.notes.push(format!("{log_name}: no checkpoint yet")),
        Some(&last) if last < st.size() => report.notes.push(format!(
            "{log_name}: {} entr(y/ies) after the newest checkpoint (from an interrupted write; the next write covers them)",
            st.size() - last
        )),
        _ => {}
    }
    Some(st)
}

/// Every revocation's cut-off must be a point of the revoked device's log as it is stored:
/// the root it names is the log's root at that size. Entries after it are quarantined.
fn check_revocations(
    logs: &BTreeMap<DeviceId, LogState>,
    revocations: &[(DeviceId, u64, Revocation)],
    report: &mut Report,
) {
    for (by, index, r) in revocations {
        let at = format!("log/{}", by.to_hex());
        match logs.get(&r.device) {
            None => report.problem(&at, format!("entry {index} revokes device {}, whose log is missing", r.device.short())),
            Some(st) if st.size() < r.cutoff => report.problem(
                format!("log/{}", r.device.to_hex()),
                format!("revoked at size {} by entry {index} of {at}, but the log now has only {} entries: it was rolled back", r.cutoff, st.size()),
            ),
            Some(st) if st.tree().root_at(r.cutoff) != r.root => report.problem(
                format!("log/{}", r.device.to_hex()),
                format!("its history up to the revocation cut-off ({}) differs from what entry {index} of {at} recorded: it was rewritten", r.cutoff),
            ),
            Some(st) => report.notes.push(format!(
                "device {} revoked at size {} (entry {index} of {at}); {} later entr(y/ies) are quarantined until reviewed",
                r.device.short(),
                r.cutoff,
                st.size() - r.cutoff
            )),
        }
    }
}

/// Every witness cosignature present must be one well-formed signature line, by the key its
/// name says, on a checkpoint that exists. (Whether the witness is trusted is the reader's
/// policy: `verify-proof --witness`.)
fn check_cosignatures(
    backend: &dyn Backend,
    st: &LogState,
    listing: &[String],
    report: &mut Report,
) {
    for s in listing {
        let Some((path, PathKind::Cosignature { size, key_id, .. })) = ObjectPath::parse(s) else {
            continue;
        };
        if !st.checkpoints().contains(&size) {
            report.problem(
                path.as_str(),
                format!("cosigns a checkpoint of size {size}, which is not stored"),
            );
            continue;
        }
        let ok = backend
            .read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|_| "not text".to_string()))
            .and_then(|t| {
                let line = t
                    .strip_suffix('\n')
                    .filter(|l| !l.contains('\n'))
                    .ok_or("not one line")?;
                crate::note::Signature::parse_line(line).map_err(|e| e.to_string())
            })
            .and_then(|sig| {
                (sig.key_id() == key_id)
                    .then_some(())
                    .ok_or_else(|| "its key id differs from its name".to_string())
            });
        if let Err(w) = ok {
            report.problem(path.as_str(), format!("damaged cosignature: {w}"));
        }
    }
}

/// The hash tiles a log must hold at the size of its newest checkpoint (they are written
/// before it): every full tile and the partial tile of each level.
fn expected_tiles(size: u64) -> Vec<(u8, u64, Option<u16>)> {
    let mut out = Vec::new();
    for level in 0u8..8 {
        let count = size.checked_shr(8 * u32::from(level)).unwrap_or(0);
        if count == 0 {
            break;
        }
        for n in 0..count / BUNDLE_WIDTH {
            out.push((level, n, None));
        }
        if !count.is_multiple_of(BUNDLE_WIDTH) {
            out.push((
                level,
                count / BUNDLE_WIDTH,
                Some((count % BUNDLE_WIDTH) as u16),
            ));
        }
    }
    out
}

/// Every hash tile present must hold exactly the tree's hashes it names, and every tile the
/// newest checkpoint implies must be present.
fn check_hash_tiles(
    backend: &dyn Backend,
    device: &DeviceId,
    st: &LogState,
    listing: &[String],
    report: &mut Report,
) {
    for s in listing {
        let Some((
            path,
            PathKind::HashTile {
                level, n, partial, ..
            },
        )) = ObjectPath::parse(s)
        else {
            continue;
        };
        let width = partial.map_or(BUNDLE_WIDTH, u64::from);
        let count = st.size().checked_shr(8 * u32::from(level)).unwrap_or(0);
        let Some(end) = n
            .checked_mul(BUNDLE_WIDTH)
            .and_then(|a| a.checked_add(width))
            .filter(|e| *e <= count)
        else {
            report.problem(
                path.as_str(),
                "hash tile covers entries the log does not have (entries were removed?)",
            );
            continue;
        };
        let bytes = match backend.read(&path) {
            Ok(b) => b,
            Err(e) => {
                report.problem(path.as_str(), format!("cannot be read: {e}"));
                continue;
            }
        };
        let mut want = Vec::with_capacity(width as usize * 32);
        for i in n * BUNDLE_WIDTH..end {
            match st.tree().node(level * 8, i) {
                Ok(h) => want.extend_from_slice(&h),
                Err(never) => match never {},
            }
        }
        if bytes != want {
            report.problem(path.as_str(), "hash tile does not match the log's entries");
        }
    }
    if let Some(&size) = st.checkpoints().last() {
        for (level, n, w) in expected_tiles(size.min(st.size())) {
            let path = ObjectPath::hash_tile(device, level, n, w);
            if backend.len(&path).is_err() {
                report.problem(path.as_str(), "missing hash tile");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::entry_kind;
    use crate::log::{decode_bundle, encode_bundle};
    use crate::{CompartmentId, MemBackend, VaultId};
    use khronika_crypto::Key32;
    use khronika_crypto::sign::SigningKey;
    use khronika_crypto::wrap::WrapPublic;

    const V: VaultId = VaultId([1; 16]);
    const D: DeviceId = DeviceId([2; 16]);

    /// A log of `device` holding only its genesis entry (staged, not committed), and its key.
    fn genesis_log(device: DeviceId, key_seed: u8) -> (LogState, SigningKey) {
        let key = SigningKey::from_seed(&Key32::from_bytes([key_seed; 32]));
        let member = SigningKey::from_seed(&Key32::from_bytes([4; 32]));
        let g = Genesis::new(
            &V,
            &device,
            key.public(),
            crate::MemberId([5; 16]),
            &member,
            WrapPublic([6; 32]),
            WrapPublic([7; 32]),
            0,
        );
        let mut st = LogState::new(V, device);
        st.stage(
            &key,
            entry_kind::DEVICE_GENESIS,
            CompartmentId::NONE,
            0,
            vec![],
            vec![],
            g.encode(),
        )
        .unwrap();
        (st, key)
    }

    /// A valid log of `n` entries (genesis + n-1 evidence entries without objects).
    fn log_of(n: usize) -> MemBackend {
        let be = MemBackend::new();
        let (mut st, key) = genesis_log(D, 3);
        st.commit(&be, &key).unwrap();
        for i in 1..n {
            st.stage(
                &key,
                entry_kind::EVIDENCE_ADD,
                CompartmentId([8; 16]),
                0,
                vec![],
                vec![],
                vec![i as u8; 40],
            )
            .unwrap();
            st.commit(&be, &key).unwrap();
        }
        be
    }

    fn problems(be: &MemBackend) -> Vec<String> {
        verify(be, V, &mut |_| {})
            .problems
            .into_iter()
            .map(|p| format!("{}: {}", p.object, p.what))
            .collect()
    }

    fn bundle_path(be: &MemBackend) -> String {
        be.list(&ObjectPath::log_prefix(&D))
            .unwrap()
            .into_iter()
            .find(|p| p.contains("/tile/entries/"))
            .unwrap()
    }

    /// A second device's log on `be` holding one revocation of device `D`.
    fn revoke_d(be: &MemBackend, cutoff: u64, root: [u8; 32]) {
        let (mut st, key) = genesis_log(DeviceId([9; 16]), 10);
        let r = Revocation {
            device: D,
            cutoff,
            root,
            time_ms: 1,
        };
        st.stage(
            &key,
            entry_kind::DEVICE_REVOKE,
            CompartmentId::NONE,
            0,
            vec![],
            vec![],
            r.encode(),
        )
        .unwrap();
        st.commit(be, &key).unwrap();
    }

    #[test]
    fn revocations_must_match_the_revoked_log() {
        let be = log_of(6);
        let st = LogState::load(&be, V, D, genesis_key, |_| Ok(())).unwrap();
        let good = st.tree().root_at(4);
        revoke_d(&be, 4, good);
        let r = verify(&be, V, &mut |_| {});
        assert!(r.is_ok(), "{:?}", r.problems);
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("revoked at size 4") && n.contains("2 later")),
            "{:?}",
            r.notes
        );

        let be = log_of(6);
        revoke_d(&be, 4, [0xee; 32]);
        let p = problems(&be);
        assert!(p.iter().any(|p| p.contains("rewritten")), "{p:?}");

        let be = log_of(6);
        revoke_d(&be, 9, good);
        let p = problems(&be);
        assert!(p.iter().any(|p| p.contains("rolled back")), "{p:?}");
    }

    #[test]
    fn a_valid_log_verifies() {
        assert_eq!(problems(&log_of(6)), Vec::<String>::new());
    }

    #[test]
    fn reordered_entries_are_named() {
        let be = log_of(6);
        let path = bundle_path(&be);
        let bytes = be.read(&ObjectPath::parse(&path).unwrap().0).unwrap();
        let mut entries = decode_bundle(&bytes).unwrap();
        entries.swap(2, 3);
        be.tamper(&path, encode_bundle(entries).as_bytes().to_vec());
        let p = problems(&be);
        assert!(
            p.iter()
                .any(|p| p.contains(&path) && p.contains("reordered")),
            "{p:?}"
        );
    }

    #[test]
    fn a_removed_entry_is_named() {
        let be = log_of(6);
        let path = bundle_path(&be);
        let bytes = be.read(&ObjectPath::parse(&path).unwrap().0).unwrap();
        let mut entries = decode_bundle(&bytes).unwrap();
        entries.remove(4);
        // Keep the name consistent with the count, as a careful forger would.
        be.delete(&path);
        be.tamper(
            &path.replace(".p/6", ".p/5"),
            encode_bundle(entries).as_bytes().to_vec(),
        );
        let p = problems(&be);
        let named = path.replace(".p/6", ".p/5");
        assert!(
            p.iter()
                .any(|p| p.contains(&named) && p.contains("entries were removed")),
            "{p:?}"
        );
    }

    #[test]
    fn a_rolled_back_log_is_named() {
        let be = log_of(6);
        // Replace the newest bundle by its 5-entry prefix: the log as it was one append ago.
        let path = bundle_path(&be);
        let bytes = be.read(&ObjectPath::parse(&path).unwrap().0).unwrap();
        let entries = decode_bundle(&bytes).unwrap();
        be.delete(&path);
        be.tamper(
            &path.replace(".p/6", ".p/5"),
            encode_bundle(entries[..5].iter().copied())
                .as_bytes()
                .to_vec(),
        );
        let p = problems(&be);
        assert!(
            p.iter()
                .any(|p| p.contains("00000000000000000006") && p.contains("rolled back")),
            "{p:?}"
        );
    }

    #[test]
    fn a_missing_pack_and_a_foreign_file_are_named() {
        let be = log_of(2);
        be.tamper("objects/zz/not-ours", b"x".to_vec());
        let p = problems(&be);
        assert!(
            p.iter()
                .any(|p| p.contains("objects/zz/not-ours") && p.contains("foreign")),
            "{p:?}"
        );
    }
}
