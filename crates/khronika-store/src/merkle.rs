//! RFC 6962 / RFC 9162 Merkle inclusion and consistency proofs, and C2SP tlog-tiles hash tiles.
//!
//! Everything here works on *perfect-subtree* hashes, read through a [`NodeSource`]:
//! `node(level, index)` is the Merkle Tree Hash of the `2^level` leaves
//! `[index << level, (index + 1) << level)`. Those nodes never change once the tree has
//! grown past them, so they can be stored once (as hash tiles) and read by anyone.
//!
//! A tree whose size is not a power of two also has *incomplete* subtrees on its right
//! edge (RFC 9162 calls `MTH(D[k:n])` for any `k`, `n`). Their hashes are not stored; they
//! are recomputed from the perfect subtrees covering the same leaves (as transparency-dev/
//! merkle's `compact` ranges do), so every proof or root needs only `O(log n)` nodes.
//!
//! - [`root`], [`inclusion_proof`], [`consistency_proof`]: generation, over any source.
//! - [`verify_inclusion`], [`verify_consistency`]: verification, needing no source at all.
//! - [`MemTree`]: an in-memory source holding every level (tests, benches, building tiles).
//! - [`tile_path`], [`tiles_for_append`], [`TileSource`]: C2SP tlog-tiles *hash tiles*.
//!   The level-`L` tile `N` holds up to 256 consecutive node hashes of tree level `8·L`,
//!   nodes `256·N …`; the tree levels between two tile levels are rebuilt by hashing.
//!
//! Proofs are lists of 32-byte hashes, lowest level first, exactly as RFC 9162 §2.1.3 (`PATH`)
//! and §2.1.4 (`PROOF`/`SUBPROOF`) define them, so tools nobody here wrote can check them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::convert::Infallible;

use khronika_crypto::hash;

use crate::log::node_hash;
use crate::path::tile_index_path;

/// Hashes per full tile (C2SP tlog-tiles): a tile spans 8 tree levels.
pub const TILE_WIDTH: u64 = 256;

/// Tree levels spanned by one tile level (`log2(TILE_WIDTH)`).
const TILE_HEIGHT: u8 = 8;

/// Why a proof does not verify, or cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is out of range for a tree of {size} leaves")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof was asked for from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder {
        /// The old (claimed earlier) tree size.
        old_size: u64,
        /// The new tree size.
        new_size: u64,
    },
    /// RFC 9162 defines no consistency proof from the empty tree: every tree extends it.
    #[error("a consistency proof from the empty tree (old size 0) is not defined")]
    EmptyOldTree,
    /// The proof has the wrong number of hashes for these sizes and index.
    #[error("proof has {got} hashes, but these sizes need exactly {want}")]
    WrongLength {
        /// Hashes in the proof given.
        got: usize,
        /// Hashes a correct proof has.
        want: usize,
    },
    /// The inclusion proof leads to another root: the leaf is not at this index in this tree
    /// (or the proof or root is damaged).
    #[error(
        "inclusion proof leads to a different root: the leaf is not in this tree at this index"
    )]
    RootMismatch,
    /// The consistency proof does not reproduce the old root.
    #[error("consistency proof does not reproduce the old tree's root")]
    OldRootMismatch,
    /// The consistency proof reproduces the old root but not the new one: the new tree does
    /// not extend the old one (or the proof or root is damaged).
    #[error(
        "consistency proof does not lead to the new tree's root: the new tree does not extend the old one"
    )]
    NewRootMismatch,
}

/// Either a bad request (index out of range...) or a failure of the node source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofOrSource<E> {
    /// The request itself is invalid.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The node source failed (storage error, missing tile...).
    #[error("reading tree nodes: {0}")]
    Source(E),
}

impl From<ProofOrSource<Infallible>> for ProofError {
    fn from(e: ProofOrSource<Infallible>) -> Self {
        match e {
            ProofOrSource::Proof(p) => p,
            ProofOrSource::Source(never) => match never {},
        }
    }
}

/// Source of perfect-subtree hashes: `node(level, index)` = hash of leaves
/// `[index << level, (index + 1) << level)`.
///
/// Level 0 nodes are the leaf hashes. A source is asked only for nodes that are complete in
/// the tree size the caller passes; a source that does not hold one returns an error
/// ([`MemTree`], whose error type is `Infallible`, panics instead).
pub trait NodeSource {
    /// The error of the source (storage, missing tile...).
    type Error;
    /// The hash of the perfect subtree of `2^level` leaves starting at leaf `index << level`.
    fn node(&self, level: u8, index: u64) -> Result<[u8; 32], Self::Error>;
}

impl<T: NodeSource + ?Sized> NodeSource for &T {
    type Error = T::Error;
    fn node(&self, level: u8, index: u64) -> Result<[u8; 32], Self::Error> {
        (**self).node(level, index)
    }
}

/// The root of the empty tree: SHA-256 of the empty string.
fn empty_root() -> [u8; 32] {
    hash::sha256(b"")
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): RFC 6962's split point `k`.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[begin:end])` for a non-empty range whose `begin` is a multiple of the smallest power
/// of two `>= end - begin` (every subtree RFC 6962 ever splits off is such a range).
///
/// The range is cut into perfect subtrees, largest (leftmost) first, one per set bit of
/// `end - begin`; their hashes are then folded from the right, which is exactly how RFC 6962
/// splits: the left part is always the largest perfect subtree.
fn range_root<S: NodeSource>(src: &S, begin: u64, end: u64) -> Result<[u8; 32], S::Error> {
    debug_assert!(begin < end);
    let len = end - begin;
    // Perfect subtrees from the smallest (rightmost) up, so the fold runs left to right.
    let mut acc: Option<[u8; 32]> = None;
    let mut at = end;
    let mut bits = len;
    while bits != 0 {
        let level = bits.trailing_zeros();
        at -= 1u64 << level;
        let h = src.node(level as u8, at >> level)?;
        acc = Some(match acc {
            None => h,
            Some(right) => node_hash(&h, &right),
        });
        bits &= bits - 1;
    }
    Ok(acc.unwrap_or_else(empty_root))
}

/// RFC 6962 root of the first `size` leaves from any node source (uses O(log n) nodes).
pub fn root<S: NodeSource>(src: &S, size: u64) -> Result<[u8; 32], S::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_root(src, 0, size)
}

/// The perfect subtree `[begin, begin + len)`, `len` a power of two and `begin` a multiple of it.
fn perfect<S: NodeSource>(src: &S, begin: u64, len: u64) -> Result<[u8; 32], S::Error> {
    let level = len.trailing_zeros();
    src.node(level as u8, begin >> level)
}

/// RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size` leaves.
///
/// The proof is `PATH(index, D[0:size])`: sibling hashes from the leaf's level upwards. At most
/// one of them covers an incomplete subtree; it is recomputed from perfect subtrees.
pub fn inclusion_proof<S: NodeSource>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<[u8; 32]>, ProofOrSource<S::Error>> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    // Walk down from the root: [lo, hi) is the subtree holding the leaf.
    let mut proof = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            proof.push(range_root(src, lo + k, hi).map_err(ProofOrSource::Source)?);
            hi = lo + k;
        } else {
            proof.push(perfect(src, lo, k).map_err(ProofOrSource::Source)?);
            lo += k;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// RFC 9162 §2.1.4 consistency proof from `old_size` to `new_size`.
///
/// The proof is `PROOF(old_size, D[0:new_size])` = `SUBPROOF(old_size, D[0:new_size], true)`.
/// Equal sizes give the empty proof; `old_size == 0` is an error, since RFC 9162 defines no
/// proof from the empty tree.
pub fn consistency_proof<S: NodeSource>(
    src: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<[u8; 32]>, ProofOrSource<S::Error>> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size }.into());
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree.into());
    }
    let mut proof = Vec::with_capacity(64);
    // SUBPROOF(m, D[lo:hi], b), with m = old_size - lo, walked from the root down.
    let (mut lo, mut hi) = (0u64, new_size);
    let mut whole_old_tree = true; // RFC 9162's `b`: the subtree is the whole old tree.
    loop {
        if old_size == hi {
            // m == n: the old tree's subtree is complete here; it is a perfect subtree
            // (we reached it by taking a left part), given unless the verifier knows it.
            if !whole_old_tree {
                proof.push(range_root(src, lo, hi).map_err(ProofOrSource::Source)?);
            }
            break;
        }
        let k = split_point(hi - lo);
        if old_size - lo <= k {
            proof.push(range_root(src, lo + k, hi).map_err(ProofOrSource::Source)?);
            hi = lo + k;
        } else {
            proof.push(perfect(src, lo, k).map_err(ProofOrSource::Source)?);
            lo += k;
            whole_old_tree = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// Split an inclusion proof for `index` in a tree of `size` (`index < size`) into its inner
/// part (siblings below the level where the paths to `index` and to `size - 1` part) and its
/// border part (left siblings on the right edge above it). Returns both lengths.
fn decompose(index: u64, size: u64) -> (usize, usize) {
    let inner = (64 - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    (inner, border)
}

/// Hash `seed` (a node at position `index` of its level) up through `proof`, siblings on either
/// side as the bits of `index` say.
fn chain_inner(mut seed: [u8; 32], proof: &[[u8; 32]], index: u64) -> [u8; 32] {
    for (i, h) in proof.iter().enumerate() {
        seed = if (index >> i) & 1 == 0 {
            node_hash(&seed, h)
        } else {
            node_hash(h, &seed)
        };
    }
    seed
}

/// Like [`chain_inner`], but taking only the siblings to the left: the hash of the same
/// subtree as it was before anything right of `index` was appended.
fn chain_inner_left_only(mut seed: [u8; 32], proof: &[[u8; 32]], index: u64) -> [u8; 32] {
    for (i, h) in proof.iter().enumerate() {
        if (index >> i) & 1 == 1 {
            seed = node_hash(h, &seed);
        }
    }
    seed
}

/// Hash `seed` up the right border of the tree: every sibling there is on the left.
fn chain_border(mut seed: [u8; 32], proof: &[[u8; 32]]) -> [u8; 32] {
    for h in proof {
        seed = node_hash(h, &seed);
    }
    seed
}

/// Verify an RFC 9162 inclusion proof of `leaf_hash` at `index` in the tree of `size` leaves
/// whose root is `root`.
pub fn verify_inclusion(
    leaf_hash: &[u8; 32],
    index: u64,
    size: u64,
    proof: &[[u8; 32]],
    root: &[u8; 32],
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (inner, border) = decompose(index, size);
    if proof.len() != inner + border {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: inner + border,
        });
    }
    let (low, high) = proof.split_at(inner);
    let got = chain_border(chain_inner(*leaf_hash, low, index), high);
    if &got != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verify an RFC 9162 consistency proof: the tree of `new_size` leaves with root `new_root`
/// extends the tree of `old_size` leaves with root `old_root`.
///
/// Requires `0 < old_size <= new_size`. Equal sizes need the empty proof and equal roots.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &[u8; 32],
    new_root: &[u8; 32],
    proof: &[[u8; 32]],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        if old_root != new_root {
            return Err(ProofError::NewRootMismatch);
        }
        return Ok(());
    }
    // The proof is, in effect, the inclusion proof of the old tree's last perfect subtree
    // (of 2^shift leaves) in the new tree, preceded by that subtree's hash unless it is the
    // whole old tree (then the verifier already has it: the old root).
    let (inner, border) = decompose(old_size - 1, new_size);
    let shift = old_size.trailing_zeros() as usize;
    // old_size - 1 ends in `shift` one bits and new_size - 1 >= old_size, so the two differ
    // at some bit at or above `shift`: inner > shift.
    let inner = inner - shift;
    let (seed, rest) = if old_size == 1u64 << shift {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => {
                return Err(ProofError::WrongLength {
                    got: 0,
                    want: 1 + inner + border,
                });
            }
        }
    };
    if rest.len() != inner + border {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: proof.len() - rest.len() + inner + border,
        });
    }
    let (low, high) = rest.split_at(inner);
    let mask = (old_size - 1) >> shift;
    let old = chain_border(chain_inner_left_only(seed, low, mask), high);
    if &old != old_root {
        return Err(ProofError::OldRootMismatch);
    }
    let new = chain_border(chain_inner(seed, low, mask), high);
    if &new != new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// An in-memory tree holding every level (for tests, benches, and building tiles).
///
/// `levels[l][i]` is `node(l, i)`; only complete nodes are kept. It takes about twice the
/// leaf hashes' memory (64 MiB for a million leaves).
#[derive(Debug, Clone, Default)]
pub struct MemTree {
    levels: Vec<Vec<[u8; 32]>>,
}

impl MemTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append a leaf hash (RFC 6962 `leaf_hash` of the entry), completing the nodes it closes.
    pub fn push(&mut self, leaf_hash: [u8; 32]) {
        let mut level = 0;
        let mut h = leaf_hash;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(h);
            let n = row.len();
            if n % 2 == 1 {
                break;
            }
            h = node_hash(&row[n - 2], &row[n - 1]);
            level += 1;
        }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The root of the whole tree.
    pub fn root(&self) -> [u8; 32] {
        self.root_at(self.size())
    }

    /// The root of the first `size` leaves.
    ///
    /// # Panics
    /// If `size` exceeds [`MemTree::size`].
    pub fn root_at(&self, size: u64) -> [u8; 32] {
        assert!(
            size <= self.size(),
            "root_at({size}) of a MemTree of {} leaves",
            self.size()
        );
        match root(self, size) {
            Ok(h) => h,
            Err(never) => match never {},
        }
    }
}

impl NodeSource for MemTree {
    type Error = Infallible;

    /// # Panics
    /// If the node is not complete in this tree: a `MemTree` cannot fail otherwise, so keep
    /// the sizes passed to proofs within [`MemTree::size`].
    fn node(&self, level: u8, index: u64) -> Result<[u8; 32], Infallible> {
        let node = self
            .levels
            .get(usize::from(level))
            .and_then(|row| row.get(usize::try_from(index).ok()?));
        match node {
            Some(h) => Ok(*h),
            None => panic!(
                "MemTree of {} leaves has no complete node at level {level}, index {index}",
                self.size()
            ),
        }
    }
}

/// Path of a hash tile relative to a log's folder: `tile/<L>/<N>[.p/<W>]`, using
/// [`tile_index_path`] for `N` (`x001/x234/067`); `width` is `Some(w)` for a partial tile.
pub fn tile_path(level: u8, n: u64, width: Option<u16>) -> String {
    match width {
        Some(w) => format!("tile/{level}/{}.p/{w}", tile_index_path(n)),
        None => format!("tile/{level}/{}", tile_index_path(n)),
    }
}

/// Number of node hashes of tile level `tile_level` (tree level `8 · tile_level`) that are
/// complete in a tree of `size` leaves; 0 when the level is above the tree.
fn hashes_at(size: u64, tile_level: u8) -> u64 {
    let shift = u32::from(tile_level) * u32::from(TILE_HEIGHT);
    size.checked_shr(shift).unwrap_or(0)
}

/// The tile levels a tree of any size can use: tree levels 0, 8, …, 56 (C2SP caps `L` at 63).
const TILE_LEVELS: std::ops::Range<u8> = 0..8;

/// The tiles `(level, n, width if partial, bytes)` that must exist for a tree of `size` leaves
/// and did not exist (fully) at `old_size`: what an append from `old_size` to `size` creates.
///
/// Per C2SP tlog-tiles, a tree of `s` leaves has, at each tile level `l`, the full tiles
/// `0 … ⌊s / 256^(l+1)⌋ - 1` and, if `w = ⌊s / 256^l⌋ mod 256` is not zero, the partial tile
/// `⌊s / 256^(l+1)⌋` of width `w`. This returns those of `size` that `old_size` did not have:
/// full tiles completed by the append, and the new partial tile of each level whose width
/// changed. Full tiles come before the partial one, lowest level first. Nothing is returned
/// when `size <= old_size`.
// The tuple is the agreed interface (level, n, width, bytes); an alias would only hide it.
#[allow(clippy::type_complexity)]
pub fn tiles_for_append<S: NodeSource>(
    src: &S,
    old_size: u64,
    size: u64,
) -> Result<Vec<(u8, u64, Option<u16>, Vec<u8>)>, S::Error> {
    let mut out = Vec::new();
    if size <= old_size {
        return Ok(out);
    }
    for l in TILE_LEVELS {
        let new_hashes = hashes_at(size, l);
        if new_hashes == 0 {
            break;
        }
        let old_hashes = hashes_at(old_size, l);
        let level = l * TILE_HEIGHT;
        let tile = |n: u64, width: u64| -> Result<Vec<u8>, S::Error> {
            let mut bytes = Vec::with_capacity(32 * width as usize);
            for i in 0..width {
                bytes.extend_from_slice(&src.node(level, n * TILE_WIDTH + i)?);
            }
            Ok(bytes)
        };
        for n in old_hashes / TILE_WIDTH..new_hashes / TILE_WIDTH {
            out.push((l, n, None, tile(n, TILE_WIDTH)?));
        }
        let width = new_hashes % TILE_WIDTH;
        if width != 0 && new_hashes != old_hashes {
            let n = new_hashes / TILE_WIDTH;
            out.push((l, n, Some(width as u16), tile(n, width)?));
        }
    }
    Ok(out)
}

/// Why a [`TileSource`] cannot give a node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError<E> {
    /// The closure could not fetch a tile.
    #[error("cannot fetch hash tile {path}: {source}")]
    Fetch {
        /// The tile's path, as [`tile_path`] gives it.
        path: String,
        /// The closure's error.
        source: E,
    },
    /// A fetched tile is not 32 bytes per hash of its width.
    #[error("hash tile {path} is {got} bytes, but must be {want}")]
    WrongLength {
        /// The tile's path.
        path: String,
        /// Bytes fetched.
        got: usize,
        /// Bytes a tile of this width has.
        want: usize,
    },
    /// The node asked for is not a complete subtree of the tree the tiles describe.
    #[error("no complete node at level {level}, index {index} in a tree of {size} leaves")]
    NodeOutOfRange {
        /// Tree level asked for.
        level: u8,
        /// Index at that level.
        index: u64,
        /// The source's tree size.
        size: u64,
    },
}

/// One fetched tile and the complete nodes of the 8-level subtree above its hashes:
/// `levels[r][i]` is the node `r` levels above the tile's hash row, `i`-th from the tile's left.
#[derive(Debug)]
struct TileNodes {
    levels: Vec<Vec<[u8; 32]>>,
}

impl TileNodes {
    fn new(hashes: Vec<[u8; 32]>) -> Self {
        let mut levels = vec![hashes];
        while levels.len() < usize::from(TILE_HEIGHT) {
            let below = &levels[levels.len() - 1];
            if below.len() < 2 {
                break;
            }
            let row = below
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            levels.push(row);
        }
        Self { levels }
    }
}

/// A [`NodeSource`] over tile bytes fetched by a closure `(level, n, width) -> bytes`, for
/// readers that only have stored tiles.
///
/// The source describes the tree of [`TileSource::size`] leaves: it fetches only the tiles a
/// checkpoint of that size requires (full tiles, and the partial tile of that size where a
/// level has one), so a reader holding the latest checkpoint's tiles can prove anything about
/// any earlier size too. The closure gets the tile level `L`, index `N` and `Some(width)` for a
/// partial tile, and returns the tile's bytes; see [`tile_path`] for where they are stored.
///
/// Fetched tiles are cached for the life of the source (at most 8 KiB plus 8 KiB of derived
/// nodes per tile). Nodes at tree levels that are not multiples of 8 are computed by hashing up
/// from the tile below them. Tile bytes are not trusted: compare [`root`] of this source
/// with a verified checkpoint's root before relying on anything it gives.
pub struct TileSource<F> {
    size: u64,
    fetch: F,
    cache: RefCell<HashMap<(u8, u64), TileNodes>>,
}

impl<F> std::fmt::Debug for TileSource<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileSource")
            .field("size", &self.size)
            .field("cached_tiles", &self.cache.borrow().len())
            .finish_non_exhaustive()
    }
}

impl<F> TileSource<F> {
    /// A source for the tree of `size` leaves whose tiles `fetch(level, n, width)` returns.
    pub fn new(size: u64, fetch: F) -> Self {
        Self {
            size,
            fetch,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// The tree size this source describes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl<F, E> NodeSource for TileSource<F>
where
    F: Fn(u8, u64, Option<u16>) -> Result<Vec<u8>, E>,
{
    type Error = TileError<E>;

    fn node(&self, level: u8, index: u64) -> Result<[u8; 32], Self::Error> {
        let out_of_range = || TileError::NodeOutOfRange {
            level,
            index,
            size: self.size,
        };
        let complete = self.size.checked_shr(u32::from(level)).unwrap_or(0);
        if index >= complete {
            return Err(out_of_range());
        }
        let tile_level = level / TILE_HEIGHT;
        let up = level % TILE_HEIGHT;
        // The node's leftmost descendant at the tile's hash level, and the tile holding it
        // (all 2^up descendants are in the same tile, as 2^up divides 256).
        let first = index << up;
        let n = first / TILE_WIDTH;
        let at = ((first % TILE_WIDTH) >> up) as usize;
        let pick = |t: &TileNodes| {
            t.levels
                .get(usize::from(up))
                .and_then(|r| r.get(at))
                .copied()
        };

        if let Some(t) = self.cache.borrow().get(&(tile_level, n)) {
            return pick(t).ok_or_else(out_of_range);
        }
        let hashes = hashes_at(self.size, tile_level);
        let width = if n < hashes / TILE_WIDTH {
            None
        } else {
            Some((hashes % TILE_WIDTH) as u16)
        };
        let path = || tile_path(tile_level, n, width);
        let bytes = (self.fetch)(tile_level, n, width).map_err(|source| TileError::Fetch {
            path: path(),
            source,
        })?;
        let want = 32 * width.map_or(TILE_WIDTH as usize, usize::from);
        if bytes.len() != want {
            return Err(TileError::WrongLength {
                path: path(),
                got: bytes.len(),
                want,
            });
        }
        let hashes = bytes
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                h
            })
            .collect();
        let t = TileNodes::new(hashes);
        let node = pick(&t).ok_or_else(out_of_range);
        self.cache.borrow_mut().insert((tile_level, n), t);
        node
    }
}
