//! Device logs: entry bundles in C2SP tlog-tiles layout, RFC 6962 tree roots, and signed
//! checkpoints in C2SP signed-note / tlog-checkpoint form.
//!
//! A log is append-only and every append is a batch: the bundles it fills (full bundles at
//! `tile/entries/N`, the last partial one at `tile/entries/N.p/W`) are created and made
//! durable, then a checkpoint naming the new size and root is created and made durable. Only
//! then is the append acknowledged. A superseded partial bundle is removed afterwards; if that
//! removal is lost in a crash, readers take the widest partial and check the others are its
//! prefixes.
//!
//! Entries found beyond the newest checkpoint (a crash between the bundle and the checkpoint)
//! are valid, signed and chained; they are adopted on load and covered by the next checkpoint.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use khronika_crypto::hash::{self, Sha256Hasher};
use khronika_crypto::sign::{PublicKey, SigningKey};

use crate::entry::{Entry, EntryBody, ObjectRef};
use crate::merkle::{MemTree, tiles_for_append};
use crate::note;
use crate::path::PathKind;
use crate::{
    Backend, BackendError, CompartmentId, DeviceId, ObjectPath, StoreError, Stored, VaultId,
};

/// Entries per full bundle (C2SP tlog-tiles).
pub const BUNDLE_WIDTH: u64 = 256;

/// RFC 6962 leaf hash: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256Hasher::new();
    h.update(&[0]);
    h.update(data);
    h.finalize()
}

/// RFC 6962 interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256Hasher::new();
    h.update(&[1]);
    h.update(left);
    h.update(right);
    h.finalize()
}

/// The right edge of an RFC 6962 tree: one perfect-subtree root per set bit of the size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (height, hash), leftmost (largest) subtree first.
    nodes: Vec<(u32, [u8; 32])>,
}

impl Frontier {
    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append a leaf hash.
    pub fn push(&mut self, leaf: [u8; 32]) {
        let mut cur = (0u32, leaf);
        while let Some(&(h, left)) = self.nodes.last() {
            if h != cur.0 {
                break;
            }
            self.nodes.pop();
            cur = (h + 1, node_hash(&left, &cur.1));
        }
        self.nodes.push(cur);
        self.size += 1;
    }

    /// The tree head (Merkle Tree Hash) of the leaves so far.
    pub fn root(&self) -> [u8; 32] {
        let mut it = self.nodes.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return hash::sha256(b"");
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// Encode entries as a tlog-tiles entry bundle: each one prefixed by its length (u16 BE).
pub fn encode_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Stored {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
        out.extend_from_slice(e);
    }
    Stored::new(out)
}

/// Split an entry bundle into entries.
pub fn decode_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = bytes.get(at..at + 2).ok_or("truncated length prefix")?;
        let len = u16::from_be_bytes([len[0], len[1]]) as usize;
        out.push(bytes.get(at + 2..at + 2 + len).ok_or("truncated entry")?);
        at += 2 + len;
    }
    Ok(out)
}

/// The origin line of a device log's checkpoints.
pub fn origin(vault: &VaultId, device: &DeviceId) -> String {
    format!(
        "khronika/vault/{}/device/{}",
        vault.to_hex(),
        device.to_hex()
    )
}

/// The C2SP signed-note key id: the first four bytes of SHA-256(name || "\n" || 0x01 || key).
pub fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    note::key_id(name, note::ALG_ED25519, &key.0).to_be_bytes()
}

/// The verifier key of a device in C2SP signed-note form: `<name>+<key id hex>+<base64(0x01 || key)>`.
pub fn verifier_key(name: &str, key: &PublicKey) -> String {
    let mut k = vec![note::ALG_ED25519];
    k.extend_from_slice(&key.0);
    format!(
        "{name}+{}+{}",
        hash::to_hex(&key_id(name, key)),
        B64.encode(k)
    )
}

/// A checkpoint: a signed statement of a log's size and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// RFC 6962 root hash.
    pub root: [u8; 32],
}

impl Checkpoint {
    fn text(&self) -> note::CheckpointText {
        note::CheckpointText::new(&self.origin, self.size, self.root)
    }

    /// The signed body: `origin\nsize\nbase64(root)\n`.
    pub fn body(&self) -> String {
        self.text().to_text()
    }

    /// The signed note: body, blank line, and one signature line by the device key.
    pub fn sign(&self, key: &SigningKey) -> String {
        // Byte-identical to `note::CheckpointText::sign` with an `Ed25519Signer` named like
        // the origin (tests/it/note.rs pins it); kept here because it cannot fail.
        let body = self.body();
        let mut sig = key_id(&self.origin, &key.public()).to_vec();
        sig.extend_from_slice(&key.sign(body.as_bytes()));
        format!("{body}\n\u{2014} {} {}\n", self.origin, B64.encode(sig))
    }

    /// Parse a signed note and check the signature by `key` (named like the origin).
    /// Witness cosignatures and other signatures are skipped; see [`Checkpoint::open_witnessed`].
    pub fn open(msg: &[u8], key: &PublicKey) -> Result<Checkpoint, String> {
        Self::open_witnessed(msg, key, &[], 0).map(|(cp, _)| cp)
    }

    /// [`Checkpoint::open`], also requiring cosignatures by `quorum` of `witnesses`.
    pub fn open_witnessed(
        msg: &[u8],
        key: &PublicKey,
        witnesses: &[note::VerifierKey],
        quorum: usize,
    ) -> Result<(Checkpoint, Vec<note::Cosignature>), String> {
        let parsed = note::Note::parse(msg).map_err(|e| e.to_string())?;
        let origin = parsed.text().split('\n').next().unwrap_or_default();
        let vkey = note::VerifierKey::ed25519(origin, *key).map_err(|e| e.to_string())?;
        let v = note::CheckpointPolicy::new(origin, vkey)
            .with_witnesses(witnesses.iter().cloned(), quorum)
            .open(msg)
            .map_err(|e| e.to_string())?;
        if !v.checkpoint.extensions.is_empty() {
            return Err("checkpoint has extension lines (Khronika writes none)".into());
        }
        let cp = Checkpoint {
            origin: v.checkpoint.origin,
            size: v.checkpoint.size,
            root: v.checkpoint.root,
        };
        Ok((cp, v.cosignatures))
    }
}

/// The state of one device's log: enough to verify and to append.
#[derive(Debug, Clone)]
pub struct LogState {
    /// The vault.
    pub vault: VaultId,
    /// The device.
    pub device: DeviceId,
    /// The device's key, from the genesis entry.
    pub key: Option<PublicKey>,
    /// Every level of the Merkle tree (hash tiles and proofs are cut from it).
    tree: MemTree,
    /// Entries whose hash tiles are known to be written (those under the newest checkpoint).
    tiled: u64,
    last_hash: [u8; 32],
    /// Encoded entries of the current, not yet full bundle.
    tail: Vec<Vec<u8>>,
    /// Full bundles completed by staged entries, not yet written.
    pending_full: Vec<(u64, Stored)>,
    committed: u64,
    /// Width of the partial bundle on storage for the committed size (0 if none).
    stored_partial: u16,
    checkpoints: Vec<u64>,
    /// The hash of the last entry of each full bundle (bundle `n` ends at entry `256·n + 255`):
    /// where a later load may resume.
    bundle_ends: Vec<[u8; 32]>,
    /// Bundles before this one have unknown ends (the log was resumed after them).
    first_known_end: usize,
}

/// Where an earlier, complete check of a log stood: the first `size` entries (a whole number
/// of bundles) verified, the hash of the last of them, the root over them and the device's key.
/// The app keeps it sealed; [`LogState::load_from`] continues from it without reading or
/// checking those entries again, after checking that the log's stored hash tiles still give
/// the same root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// Entries verified (a multiple of [`BUNDLE_WIDTH`]).
    pub size: u64,
    /// The hash of entry `size - 1`.
    pub last_hash: [u8; 32],
    /// The RFC 6962 root of the first `size` entries.
    pub root: [u8; 32],
    /// The device's key (from the genesis entry).
    pub key: PublicKey,
}

/// Reading a log: what went wrong, with the object it concerns.
fn log_err(device: &DeviceId, what: impl Into<String>) -> StoreError {
    StoreError::Log {
        device: *device,
        what: what.into(),
    }
}

impl LogState {
    /// An empty log.
    pub fn new(vault: VaultId, device: DeviceId) -> Self {
        Self {
            vault,
            device,
            key: None,
            tree: MemTree::new(),
            tiled: 0,
            last_hash: [0; 32],
            tail: Vec::new(),
            pending_full: Vec::new(),
            committed: 0,
            stored_partial: 0,
            checkpoints: Vec::new(),
            bundle_ends: Vec::new(),
            first_known_end: 0,
        }
    }

    /// The furthest point a later load may resume from: the last bundle boundary at or below
    /// both the committed size and `limit` whose hash tiles are stored. `None` at size 0.
    pub fn resume_point(&self, limit: u64) -> Option<Resume> {
        let upto = self.committed.min(self.tiled).min(limit);
        let bundles = upto / BUNDLE_WIDTH;
        let bundles = bundles.min(self.bundle_ends.len() as u64);
        if bundles == 0 || bundles - 1 < self.first_known_end as u64 {
            return None;
        }
        let size = bundles * BUNDLE_WIDTH;
        Some(Resume {
            size,
            last_hash: *self.bundle_ends.get(usize::try_from(bundles - 1).ok()?)?,
            root: self.tree.root_at(size),
            key: self.key?,
        })
    }

    /// Entries in the log, staged ones included.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// Entries durably committed.
    pub fn committed(&self) -> u64 {
        self.committed
    }

    /// The RFC 6962 root over all entries, staged ones included.
    pub fn root(&self) -> [u8; 32] {
        self.tree.root()
    }

    /// Checkpoint sizes found on storage (ascending).
    pub fn checkpoints(&self) -> &[u64] {
        &self.checkpoints
    }

    /// Load and check a device's log, calling `visit` on every entry in order.
    ///
    /// Checks the framing, the chain of hashes, the indexes, the vault and device fields, and
    /// every signature (with the key in the genesis entry); checkpoints are checked by
    /// [`crate::verify`].
    pub fn load(
        backend: &dyn Backend,
        vault: VaultId,
        device: DeviceId,
        genesis_key: impl Fn(&Entry) -> Result<PublicKey, String>,
        visit: impl FnMut(&Entry) -> Result<(), StoreError>,
    ) -> Result<LogState, StoreError> {
        Self::load_from(backend, vault, device, None, genesis_key, visit)
    }

    /// [`LogState::load`], continuing from `resume` if given: the entries it covers are
    /// neither read nor visited; the tree over them is rebuilt from the stored level-0 hash
    /// tiles, which must give `resume.root` (otherwise the log changed under the state that
    /// was verified: an error, and the caller loads the log whole).
    pub fn load_from(
        backend: &dyn Backend,
        vault: VaultId,
        device: DeviceId,
        resume: Option<&Resume>,
        genesis_key: impl Fn(&Entry) -> Result<PublicKey, String>,
        mut visit: impl FnMut(&Entry) -> Result<(), StoreError>,
    ) -> Result<LogState, StoreError> {
        let mut st = LogState::new(vault, device);
        let (bundles, checkpoints) = list_log(backend, &device)?;
        st.checkpoints = checkpoints;
        let mut skip = 0;
        if let Some(r) = resume {
            st.resume_at(backend, r)?;
            skip = usize::try_from(r.size / BUNDLE_WIDTH)
                .map_err(|_| log_err(&device, "resume point beyond memory"))?;
            let whole = bundles.len() >= skip
                && bundles[..skip]
                    .iter()
                    .enumerate()
                    .all(|(i, b)| b.n == i as u64 && (b.full || b.partials.is_empty()));
            if !whole {
                return Err(log_err(
                    &device,
                    "entry bundles that were verified before are missing",
                ));
            }
        }
        for (i, b) in bundles.iter().enumerate().skip(skip) {
            let n = i as u64;
            if b.n != n {
                return Err(log_err(
                    &device,
                    format!("entry bundle {n} is missing (next present is {})", b.n),
                ));
            }
            let full = b.partials.is_empty() || b.full;
            let path = if full {
                ObjectPath::bundle(&device, n, None)
            } else {
                ObjectPath::bundle(&device, n, b.partials.last().copied())
            };
            let bytes = backend.read(&path)?;
            let entries = decode_bundle(&bytes).map_err(|w| StoreError::Damaged {
                path: path.clone(),
                what: w,
            })?;
            let want = if full {
                BUNDLE_WIDTH as usize
            } else {
                b.partials.last().map_or(0, |w| *w as usize)
            };
            if entries.len() != want {
                return Err(StoreError::Damaged {
                    path,
                    what: format!("holds {} entries, its name says {want}", entries.len()),
                });
            }
            if !full && i + 1 != bundles.len() {
                return Err(log_err(
                    &device,
                    format!("bundle {n} is partial but later bundles exist"),
                ));
            }
            // Superseded partials left behind by a crash must be prefixes of what we read.
            for &w in b
                .partials
                .iter()
                .filter(|&&w| full || Some(&w) != b.partials.last())
            {
                let pp = ObjectPath::bundle(&device, n, Some(w));
                let other = backend.read(&pp)?;
                let prefix = encode_bundle(entries[..w as usize].iter().copied());
                if other != prefix.as_bytes() {
                    return Err(StoreError::Damaged {
                        path: pp,
                        what: "differs from the later bundle it should be a prefix of".into(),
                    });
                }
            }
            let mut decoded = Vec::with_capacity(entries.len());
            for raw in &entries {
                decoded.push(Entry::decode(raw).map_err(|w| StoreError::Damaged {
                    path: path.clone(),
                    what: format!("entry {}: {w}", st.size() + decoded.len() as u64),
                })?);
            }
            // Once the device key is known (after the genesis), a bundle's signatures are
            // checked on all cores; the order-dependent checks stay sequential below.
            let signed = st.key.map(|key| signatures_verify(&decoded, &key));
            for (i, e) in decoded.iter().enumerate() {
                let verified = signed.as_ref().map(|ok| ok[i]);
                st.check_and_push(e, &path, &genesis_key, verified)?;
                visit(e)?;
            }
            if !full {
                st.stored_partial = entries.len() as u16;
            }
        }
        st.committed = st.size();
        st.tiled = st.checkpoints.last().copied().unwrap_or(0).min(st.size());
        Ok(st)
    }

    /// Rebuild the state of the first `r.size` entries from the stored level-0 hash tiles.
    fn resume_at(&mut self, backend: &dyn Backend, r: &Resume) -> Result<(), StoreError> {
        if r.size == 0 || !r.size.is_multiple_of(BUNDLE_WIDTH) {
            return Err(log_err(&self.device, "a resume point inside a bundle"));
        }
        for n in 0..r.size / BUNDLE_WIDTH {
            let path = ObjectPath::hash_tile(&self.device, 0, n, None);
            let tile = backend.read(&path)?;
            if tile.len() != 32 * BUNDLE_WIDTH as usize {
                return Err(StoreError::Damaged {
                    path,
                    what: format!("a full hash tile of {} bytes", tile.len()),
                });
            }
            for h in tile.chunks_exact(32) {
                let mut leaf = [0u8; 32];
                leaf.copy_from_slice(h);
                self.tree.push(leaf);
            }
            // Bundle `n` ends at the last leaf of tile `n`; its entry hash is only known for
            // the last bundle (the resume point), so earlier ends are left unknown.
        }
        if self.tree.root() != r.root {
            return Err(log_err(
                &self.device,
                "the stored hash tiles do not give the root verified before (the log changed)",
            ));
        }
        self.key = Some(r.key);
        self.last_hash = r.last_hash;
        self.bundle_ends = vec![[0; 32]; usize::try_from(r.size / BUNDLE_WIDTH).unwrap_or(0)];
        if let Some(last) = self.bundle_ends.last_mut() {
            *last = r.last_hash;
        }
        self.first_known_end = self.bundle_ends.len() - 1;
        Ok(())
    }

    /// `verified`: whether the entry's signature was already checked with this log's key
    /// (`None`: check it here).
    fn check_and_push(
        &mut self,
        e: &Entry,
        path: &ObjectPath,
        genesis_key: &impl Fn(&Entry) -> Result<PublicKey, String>,
        verified: Option<bool>,
    ) -> Result<(), StoreError> {
        let idx = self.size();
        let damaged = |what: String| StoreError::Damaged {
            path: path.clone(),
            what: format!("entry {idx}: {what}"),
        };
        let b = &e.body;
        if b.index != idx {
            return Err(damaged(format!(
                "says it is entry {} (entries were removed before it, or reordered)",
                b.index
            )));
        }
        if b.vault != self.vault || b.device != self.device {
            return Err(damaged("belongs to another vault or device".into()));
        }
        if b.prev != self.last_hash {
            return Err(damaged(
                "does not chain to the previous entry (an entry was removed, changed or reordered)"
                    .into(),
            ));
        }
        if idx == 0 {
            self.key = Some(genesis_key(e).map_err(damaged)?);
        }
        let key = self.key.ok_or_else(|| damaged("no device key".into()))?;
        let ok = match verified {
            Some(ok) => ok,
            None => e.verify_signature(&key).is_ok(),
        };
        if !ok {
            return Err(damaged("signature does not verify".into()));
        }
        self.push_encoded(e, false);
        Ok(())
    }

    fn push_encoded(&mut self, e: &Entry, staged: bool) {
        self.tree.push(leaf_hash(e.bytes()));
        self.last_hash = e.hash();
        self.tail.push(e.bytes().to_vec());
        if self.tail.len() as u64 == BUNDLE_WIDTH {
            self.bundle_ends.push(self.last_hash);
            let n = (self.size() - 1) / BUNDLE_WIDTH;
            let full = encode_bundle(self.tail.iter().map(Vec::as_slice));
            self.tail.clear();
            // While loading, full bundles are already stored; only staged ones are pending.
            if staged {
                self.pending_full.push((n, full));
            }
        }
    }

    /// The index the next staged entry will have.
    pub fn next_index(&self) -> u64 {
        self.size()
    }

    /// Sign and stage an entry at the end of the log. It is durable only after [`LogState::commit`].
    #[allow(clippy::too_many_arguments)]
    pub fn stage(
        &mut self,
        key: &SigningKey,
        kind: u8,
        compartment: CompartmentId,
        epoch: u32,
        objects: Vec<ObjectRef>,
        commitments: Vec<(u8, [u8; 32])>,
        payload: Vec<u8>,
    ) -> Result<Entry, StoreError> {
        let body = EntryBody {
            kind,
            vault: self.vault,
            device: self.device,
            index: self.size(),
            prev: self.last_hash,
            compartment,
            epoch,
            objects,
            commitments,
            payload,
        };
        let e = body.sign(key).map_err(StoreError::TooLarge)?;
        if self.size() == 0 {
            self.key = Some(key.public());
        }
        self.push_encoded(&e, true);
        Ok(e)
    }

    /// Make every staged entry durable and sign a checkpoint of the new size.
    ///
    /// Order: bundles, barrier, checkpoint, barrier; then the superseded partial bundle is
    /// removed. On error nothing is acknowledged; reload the log before trying again.
    pub fn commit(
        &mut self,
        backend: &dyn Backend,
        key: &SigningKey,
    ) -> Result<Checkpoint, StoreError> {
        // Refuse to fork the log: if another program writing as this device committed since
        // this state was loaded, nothing is written (the caller loads the log again).
        if let Some(&found) = list_log(backend, &self.device)?.1.last()
            && found > self.committed
        {
            return Err(StoreError::Raced {
                device: self.device,
                held: self.committed,
                found,
            });
        }
        let size = self.size();
        let tail_n = size / BUNDLE_WIDTH;
        for (n, bundle) in &self.pending_full {
            backend.create(&ObjectPath::bundle(&self.device, *n, None), bundle)?;
        }
        let tail_w = self.tail.len() as u16;
        if tail_w > 0 && (size > self.committed || self.stored_partial != tail_w) {
            let b = encode_bundle(self.tail.iter().map(Vec::as_slice));
            backend.create(&ObjectPath::bundle(&self.device, tail_n, Some(tail_w)), &b)?;
        }
        backend.barrier()?;
        // Hash tiles (C2SP tlog-tiles) only once the entries they hash are durable, so a tile
        // never exists for entries that a crash lost. Entries adopted after a crash may lack
        // theirs: tiles are written from the last checkpointed size, and rewriting an existing
        // tile with the same hashes is a no-op.
        let tiles = match tiles_for_append(&self.tree, self.tiled, size) {
            Ok(t) => t,
            Err(never) => match never {},
        };
        if !tiles.is_empty() {
            for (level, n, width, bytes) in tiles {
                let path = ObjectPath::hash_tile(&self.device, level, n, width);
                backend.create(&path, &Stored::new(bytes))?;
            }
            backend.barrier()?;
        }
        let cp = Checkpoint {
            origin: origin(&self.vault, &self.device),
            size,
            root: self.root(),
        };
        if self.checkpoints.last() != Some(&size) {
            let note = Stored::new(cp.sign(key).into_bytes());
            backend.create(&ObjectPath::checkpoint(&self.device, size), &note)?;
            backend.barrier()?;
            self.checkpoints.push(size);
        }
        for old in partial_tiles(self.tiled) {
            if !partial_tiles(size).contains(&old) {
                let (level, n, w) = old;
                let _ = backend.remove_superseded(&ObjectPath::hash_tile(
                    &self.device,
                    level,
                    n,
                    Some(w),
                ));
            }
        }
        let old_n = self.committed / BUNDLE_WIDTH;
        if self.stored_partial > 0 && (old_n != tail_n || self.stored_partial != tail_w) {
            // A leftover partial is harmless (readers check it is a prefix), so a failure to
            // remove it is not an error of the append.
            let _ = backend.remove_superseded(&ObjectPath::bundle(
                &self.device,
                old_n,
                Some(self.stored_partial),
            ));
        }
        self.pending_full.clear();
        self.committed = size;
        self.tiled = size;
        self.stored_partial = tail_w;
        Ok(cp)
    }
}

/// The partial hash tiles (level, tile number, width) of a tree of `size` leaves.
pub fn partial_tiles(size: u64) -> Vec<(u8, u64, u16)> {
    let mut out = Vec::new();
    for level in 0u8..8 {
        let count = size.checked_shr(8 * u32::from(level)).unwrap_or(0);
        if count == 0 {
            break;
        }
        let w = (count % BUNDLE_WIDTH) as u16;
        if w > 0 {
            out.push((level, count / BUNDLE_WIDTH, w));
        }
    }
    out
}

/// The tree of a log (all levels), for proofs and hash-tile checks.
impl LogState {
    /// The Merkle tree over every entry, staged ones included.
    pub fn tree(&self) -> &MemTree {
        &self.tree
    }
}

/// What a log's listing holds for one bundle number.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BundleListing {
    /// Bundle number.
    pub n: u64,
    /// A full bundle exists.
    pub full: bool,
    /// Widths of partial bundles present, ascending.
    pub partials: Vec<u16>,
}

/// List a device log's bundles (ascending by number) and checkpoint sizes (ascending).
pub fn list_log(
    backend: &dyn Backend,
    device: &DeviceId,
) -> Result<(Vec<BundleListing>, Vec<u64>), BackendError> {
    let mut bundles: std::collections::BTreeMap<u64, BundleListing> = Default::default();
    let mut checkpoints = Vec::new();
    for s in backend.list(&ObjectPath::log_prefix(device))? {
        match ObjectPath::parse(&s).map(|(_, k)| k) {
            Some(PathKind::Bundle {
                device: d,
                n,
                partial,
            }) if d == *device => {
                let b = bundles.entry(n).or_insert_with(|| BundleListing {
                    n,
                    ..Default::default()
                });
                match partial {
                    None => b.full = true,
                    Some(w) => b.partials.push(w),
                }
            }
            Some(PathKind::Checkpoint { device: d, size }) if d == *device => {
                checkpoints.push(size)
            }
            _ => {}
        }
    }
    for b in bundles.values_mut() {
        b.partials.sort_unstable();
    }
    checkpoints.sort_unstable();
    Ok((bundles.into_values().collect(), checkpoints))
}

/// Every device that has a log in `backend`.
pub fn list_devices(backend: &dyn Backend) -> Result<Vec<DeviceId>, BackendError> {
    let mut out = std::collections::BTreeSet::new();
    for s in backend.list("log/")? {
        // Foreign files are not devices; verify reports them.
        if let Some(PathKind::Bundle { device, .. } | PathKind::Checkpoint { device, .. }) =
            ObjectPath::parse(&s).map(|(_, k)| k)
        {
            out.insert(device);
        }
    }
    Ok(out.into_iter().collect())
}

/// Whether each entry's signature verifies with `key`, checked on up to four threads.
fn signatures_verify(entries: &[Entry], key: &PublicKey) -> Vec<bool> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    if threads == 1 || entries.len() < 32 {
        return entries
            .iter()
            .map(|e| e.verify_signature(key).is_ok())
            .collect();
    }
    let per = entries.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = entries
            .chunks(per)
            .map(|part| {
                let h = s.spawn(move || {
                    part.iter()
                        .map(|e| e.verify_signature(key).is_ok())
                        .collect::<Vec<bool>>()
                });
                (part.len(), h)
            })
            .collect();
        // A thread that failed counts its entries as not verified.
        parts
            .into_iter()
            .flat_map(|(n, h)| h.join().unwrap_or_else(|_| vec![false; n]))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemBackend;
    use crate::entry::entry_kind;
    use khronika_crypto::Key32;
    use proptest::prelude::*;

    fn naive_root(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => hash::sha256(b""),
            1 => leaves[0],
            n => {
                // RFC 6962: k is the largest power of two smaller than n.
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
            }
        }
    }

    proptest! {
        #[test]
        fn frontier_root_matches_rfc6962_definition(n in 0usize..300) {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&(i as u64).to_be_bytes())).collect();
            let mut f = Frontier::default();
            for l in &leaves { f.push(*l); }
            prop_assert_eq!(f.root(), naive_root(&leaves));
        }
    }

    #[test]
    fn known_rfc6962_roots() {
        // Roots of the 8-leaf tree in RFC 6962's reference test data (transparency-dev/merkle).
        let data: [Vec<u8>; 8] = [
            vec![],
            vec![0x00],
            vec![0x10],
            vec![0x20, 0x21],
            vec![0x30, 0x31],
            vec![0x40, 0x41, 0x42, 0x43],
            (0x50..=0x57).collect(),
            (0x60..=0x6f).collect(),
        ];
        let mut f = Frontier::default();
        for d in &data {
            f.push(leaf_hash(d));
        }
        assert_eq!(
            hash::to_hex(&f.root()),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
    }

    #[test]
    fn a_second_writer_of_the_same_log_is_refused_before_it_writes() {
        let be = MemBackend::new();
        let key = SigningKey::from_seed(&Key32::from_bytes([3; 32]));
        let (v, d) = (VaultId([1; 16]), DeviceId([2; 16]));
        let stage = |st: &mut LogState, payload: Vec<u8>| {
            st.stage(
                &key,
                entry_kind::EVIDENCE_ADD,
                CompartmentId([0; 16]),
                0,
                vec![],
                vec![],
                payload,
            )
            .unwrap();
        };
        let mut first = LogState::new(v, d);
        stage(&mut first, key.public().0.to_vec());
        first.commit(&be, &key).unwrap();
        // Two programs load the same log; both append; the first commits.
        let load = || LogState::load(&be, v, d, genesis_key, |_| Ok(())).unwrap();
        let (mut a, mut b) = (load(), load());
        stage(&mut a, b"a".to_vec());
        stage(&mut b, b"b".to_vec());
        a.commit(&be, &key).unwrap();
        let before = be.list(&ObjectPath::log_prefix(&d)).unwrap();
        match b.commit(&be, &key) {
            Err(StoreError::Raced {
                held: 1, found: 2, ..
            }) => {}
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            be.list(&ObjectPath::log_prefix(&d)).unwrap(),
            before,
            "nothing written"
        );
        let loaded = LogState::load(&be, v, d, genesis_key, |_| Ok(())).unwrap();
        assert_eq!(loaded.size(), 2);
    }

    #[test]
    fn checkpoint_note_round_trip_and_tamper() {
        let key = SigningKey::from_seed(&Key32::from_bytes([1; 32]));
        let cp = Checkpoint {
            origin: "khronika/test".into(),
            size: 12,
            root: [7; 32],
        };
        let note = cp.sign(&key);
        assert!(note.starts_with("khronika/test\n12\nBwcH"));
        assert_eq!(
            Checkpoint::open(note.as_bytes(), &key.public()).unwrap(),
            cp
        );
        for i in 0..note.len() {
            let mut b = note.clone().into_bytes();
            b[i] ^= 1;
            assert!(Checkpoint::open(&b, &key.public()).is_err(), "byte {i}");
        }
        let other = SigningKey::from_seed(&Key32::from_bytes([2; 32]));
        assert!(Checkpoint::open(note.as_bytes(), &other.public()).is_err());
    }

    fn genesis_key(e: &Entry) -> Result<PublicKey, String> {
        e.body
            .payload
            .get(..32)
            .and_then(|k| k.try_into().ok())
            .map(PublicKey)
            .ok_or_else(|| "no key".into())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn any_sequence_of_batches_loads_back_identically(batches in proptest::collection::vec(1usize..300, 1..6)) {
            let be = MemBackend::new();
            let key = SigningKey::from_seed(&Key32::from_bytes([3; 32]));
            let (v, d) = (VaultId([1; 16]), DeviceId([2; 16]));
            let mut st = LogState::new(v, d);
            for batch in batches {
                for _ in 0..batch {
                    let payload = if st.size() == 0 { key.public().0.to_vec() } else { st.size().to_be_bytes().to_vec() };
                    st.stage(&key, entry_kind::EVIDENCE_ADD, CompartmentId([0; 16]), 0, vec![], vec![], payload).unwrap();
                }
                let cp = st.commit(&be, &key).unwrap();
                let mut hashes = Vec::new();
                let loaded = LogState::load(&be, v, d, genesis_key, |e| { hashes.push(e.hash()); Ok(()) }).unwrap();
                prop_assert_eq!(loaded.size(), st.size());
                prop_assert_eq!(loaded.root(), cp.root);
                prop_assert_eq!(hashes.len() as u64, cp.size);
                let note = be.read(&ObjectPath::checkpoint(&d, cp.size)).unwrap();
                prop_assert_eq!(Checkpoint::open(&note, &key.public()).unwrap(), cp);
            }
            // Every pair of checkpoints is linked by a valid consistency proof, and every entry
            // has a valid inclusion proof in every checkpoint that covers it.
            let sizes = list_log(&be, &d).unwrap().1;
            let tree = st.tree();
            for (i, &a) in sizes.iter().enumerate() {
                for &b in &sizes[i..] {
                    let proof = crate::merkle::consistency_proof(tree, a, b).map_err(|_| "proof").unwrap();
                    prop_assert!(crate::merkle::verify_consistency(a, b, &tree.root_at(a), &tree.root_at(b), &proof).is_ok());
                }
                let idx = a / 2;
                let proof = crate::merkle::inclusion_proof(tree, idx, a).map_err(|_| "proof").unwrap();
                let leaf = crate::merkle::NodeSource::node(tree, 0, idx).map_err(|_| "leaf").unwrap();
                prop_assert!(crate::merkle::verify_inclusion(&leaf, idx, a, &proof, &tree.root_at(a)).is_ok());
            }
            // At most one partial bundle is left, and it is the last.
            let (bundles, _) = list_log(&be, &d).unwrap();
            prop_assert!(bundles.iter().all(|b| b.partials.len() <= usize::from(!b.full)));
        }
    }

    #[test]
    fn append_load_across_bundles() {
        let be = MemBackend::new();
        let key = SigningKey::from_seed(&Key32::from_bytes([3; 32]));
        let (v, d) = (VaultId([1; 16]), DeviceId([2; 16]));
        let mut st = LogState::new(v, d);
        let mut roots = Vec::new();
        for batch in [1usize, 1, 300, 10, 200] {
            for _ in 0..batch {
                let payload = if st.size() == 0 {
                    key.public().0.to_vec()
                } else {
                    vec![st.size() as u8; 10]
                };
                st.stage(
                    &key,
                    entry_kind::EVIDENCE_ADD,
                    CompartmentId([0; 16]),
                    0,
                    vec![],
                    vec![],
                    payload,
                )
                .unwrap();
            }
            let cp = st.commit(&be, &key).unwrap();
            roots.push(cp);
            let mut seen = 0;
            let loaded = LogState::load(&be, v, d, genesis_key, |_| {
                seen += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(seen, st.size());
            assert_eq!(loaded.root(), st.root());
        }
        // Only the newest partial bundle remains.
        let (bundles, cps) = list_log(&be, &d).unwrap();
        assert_eq!(cps.len(), 5);
        assert_eq!(st.size(), 512);
        assert_eq!(bundles.len(), 2);
        assert!(
            bundles.iter().all(|b| b.full && b.partials.is_empty()),
            "{bundles:?}"
        );
    }

    #[test]
    fn a_load_resumes_from_a_verified_point_and_refuses_changed_tiles() {
        let be = MemBackend::new();
        let key = SigningKey::from_seed(&Key32::from_bytes([3; 32]));
        let (v, d) = (VaultId([1; 16]), DeviceId([2; 16]));
        let mut st = LogState::new(v, d);
        let stage = |st: &mut LogState, n: usize| {
            for _ in 0..n {
                let payload = if st.size() == 0 {
                    key.public().0.to_vec()
                } else {
                    vec![st.size() as u8; 10]
                };
                st.stage(
                    &key,
                    entry_kind::EVIDENCE_ADD,
                    CompartmentId([0; 16]),
                    0,
                    vec![],
                    vec![],
                    payload,
                )
                .unwrap();
            }
        };
        assert_eq!(st.resume_point(u64::MAX), None);
        stage(&mut st, 700);
        assert_eq!(st.resume_point(u64::MAX), None, "nothing committed yet");
        st.commit(&be, &key).unwrap();
        let r = st.resume_point(u64::MAX).unwrap();
        assert_eq!(r.size, 512);
        assert_eq!(st.resume_point(511).unwrap().size, 256);
        assert_eq!(st.resume_point(255), None);
        // Resumed: only the entries after the point are visited; same root; appending goes on.
        let mut visited = Vec::new();
        let mut resumed = LogState::load_from(&be, v, d, Some(&r), genesis_key, |e| {
            visited.push(e.body.index);
            Ok(())
        })
        .unwrap();
        assert_eq!(visited, (512..700).collect::<Vec<_>>());
        assert_eq!((resumed.size(), resumed.root()), (st.size(), st.root()));
        assert_eq!(resumed.resume_point(u64::MAX), Some(r.clone()));
        stage(&mut resumed, 100);
        resumed.commit(&be, &key).unwrap();
        let whole = LogState::load(&be, v, d, genesis_key, |_| Ok(())).unwrap();
        assert_eq!(whole.root(), resumed.root());
        assert_eq!(resumed.resume_point(u64::MAX).unwrap().size, 768);
        assert_eq!(whole.resume_point(u64::MAX), resumed.resume_point(u64::MAX));
        // A resume point that does not match the log is refused, whatever is wrong.
        let mut wrong = r.clone();
        wrong.root[0] ^= 1;
        assert!(LogState::load_from(&be, v, d, Some(&wrong), genesis_key, |_| Ok(())).is_err());
        let mut wrong = r.clone();
        wrong.last_hash[0] ^= 1;
        assert!(LogState::load_from(&be, v, d, Some(&wrong), genesis_key, |_| Ok(())).is_err());
        let tile = ObjectPath::hash_tile(&d, 0, 1, None);
        let mut bytes = be.read(&tile).unwrap();
        bytes[40] ^= 1;
        be.tamper(tile.as_str(), bytes);
        let err = LogState::load_from(&be, v, d, Some(&r), genesis_key, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("hash tiles"), "{err}");
    }
}
