//! Merkle proofs and hash tiles: transparency-dev/merkle's vectors, RFC 9162's own recursive
//! definitions as a reference, and property tests of `MemTree` against `TileSource` and of
//! `tiles_for_append` against the C2SP tlog-tiles layout.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use khronika_crypto::hash::{Sha256Hasher, sha256};
use khronika_store::log::{Frontier, leaf_hash, node_hash};
use khronika_store::merkle::{
    MemTree, NodeSource, ProofError, ProofOrSource, TileError, TileSource, consistency_proof,
    inclusion_proof, root, tile_path, tiles_for_append, verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

type Hash = [u8; 32];

// ---------------------------------------------------------------------------------------------
// transparency-dev/merkle vectors
// ---------------------------------------------------------------------------------------------

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join("merkle")
}

/// Every `.json` file under `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e} (are the vectors checked out?)", d.display()))
        {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Decodes the vectors' base64 hashes into the API's `[u8; 32]`.
///
/// The vectors also hold values that are not 32 bytes, which `[u8; 32]` cannot carry:
/// - a leaf hash of another length is refused before verification (as the Go verifier's length
///   check does): a caller cannot even make the call;
/// - a root or proof element of another length (12-byte placeholder roots `"don't care 1"`,
///   empty or 9-byte "garbage") becomes a *stand-in*: SHA-256 of a tag and the value, so equal
///   placeholders stay equal, different ones stay different, none equals a real hash, and the
///   case still goes through the verifier.
struct Decoder {
    stand_ins: usize,
}

impl Decoder {
    fn bytes(v: &serde_json::Value) -> Vec<u8> {
        let s = v
            .as_str()
            .unwrap_or_else(|| panic!("not a base64 string: {v}"));
        B64.decode(s).unwrap()
    }

    /// A leaf hash, or `None` if it is not 32 bytes.
    fn leaf(v: &serde_json::Value) -> Option<Hash> {
        Self::bytes(v).as_slice().try_into().ok()
    }

    fn hash(&mut self, v: &serde_json::Value) -> Hash {
        let b = Self::bytes(v);
        b.as_slice().try_into().unwrap_or_else(|_| {
            self.stand_ins += 1;
            let mut h = Sha256Hasher::new();
            h.update(b"khronika test stand-in for a value that is not 32 bytes: ");
            h.update(&b);
            h.finalize()
        })
    }

    fn proof(&mut self, v: &serde_json::Value) -> Vec<Hash> {
        match v {
            serde_json::Value::Null => Vec::new(), // Go's nil slice
            serde_json::Value::Array(a) => a.iter().map(|h| self.hash(h)).collect(),
            _ => panic!("proof is not an array: {v}"),
        }
    }
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[derive(Default, Debug, PartialEq, Eq)]
struct Tally {
    /// `wantErr: false` cases that verified.
    verified: usize,
    /// `wantErr: true` cases the verifier rejected.
    rejected: usize,
    /// `wantErr: true` cases refused before verification: a leaf hash that is not 32 bytes.
    bad_leaf_length: usize,
    /// Roots and proof elements replaced by a stand-in (see [`Decoder`]).
    stand_ins: usize,
}

#[test]
fn transparency_dev_inclusion_vectors() {
    let mut t = Tally::default();
    let mut d = Decoder { stand_ins: 0 };
    for p in json_files(&vectors_dir().join("inclusion")) {
        let v = read_json(&p);
        let index = v["leafIdx"].as_u64().unwrap();
        let size = v["treeSize"].as_u64().unwrap();
        let root = d.hash(&v["root"]);
        let proof = d.proof(&v["proof"]);
        let want_err = v["wantErr"].as_bool().unwrap();
        let Some(leaf) = Decoder::leaf(&v["leafHash"]) else {
            assert!(want_err, "{}: a positive case with a bad leaf", p.display());
            t.bad_leaf_length += 1;
            continue;
        };
        let got = verify_inclusion(&leaf, index, size, &proof, &root);
        match (want_err, got) {
            (false, Ok(())) => t.verified += 1,
            (true, Err(_)) => t.rejected += 1,
            (false, Err(e)) => panic!("{}: should verify, but: {e}", p.display()),
            (true, Ok(())) => panic!("{}: should fail, but verifies", p.display()),
        }
    }
    t.stand_ins = d.stand_ins;
    assert_eq!(
        t,
        Tally {
            verified: 6,
            rejected: 81,
            bad_leaf_length: 11,
            stand_ins: 16
        },
        "98 inclusion vectors"
    );
}

#[test]
fn transparency_dev_consistency_vectors() {
    let mut t = Tally::default();
    let mut d = Decoder { stand_ins: 0 };
    for p in json_files(&vectors_dir().join("consistency")) {
        let v = read_json(&p);
        let old = v["size1"].as_u64().unwrap();
        let new = v["size2"].as_u64().unwrap();
        let r1 = d.hash(&v["root1"]);
        let r2 = d.hash(&v["root2"]);
        let proof = d.proof(&v["proof"]);
        let want_err = v["wantErr"].as_bool().unwrap();
        match (want_err, verify_consistency(old, new, &r1, &r2, &proof)) {
            (false, Ok(())) => t.verified += 1,
            (true, Err(_)) => t.rejected += 1,
            (false, Err(e)) => panic!("{}: should verify, but: {e}", p.display()),
            (true, Ok(())) => panic!("{}: should fail, but verifies", p.display()),
        }
    }
    t.stand_ins = d.stand_ins;
    assert_eq!(
        t,
        Tally {
            verified: 6,
            rejected: 92,
            bad_leaf_length: 0,
            stand_ins: 35
        },
        "98 consistency vectors"
    );
}

/// The vectors' happy paths come from a known 8-leaf tree (RFC 6962's test data): rebuild it
/// and check our generated proofs equal the vectors' proofs byte for byte.
#[test]
fn generated_proofs_equal_the_vectors() {
    // transparency-dev/merkle testdata leaves: "", 00, 10, 2021, 3031, 40414243,
    // 5051525354555657, 606162636465666768696a6b6c6d6e6f.
    let leaves: [&[u8]; 8] = [
        b"",
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        &[
            0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
            0x6e, 0x6f,
        ],
    ];
    let mut tree = MemTree::new();
    for l in leaves {
        tree.push(leaf_hash(l));
    }
    let mut d = Decoder { stand_ins: 0 };
    let mut checked = 0;
    for p in json_files(&vectors_dir().join("inclusion")) {
        let v = read_json(&p);
        if !p.ends_with("happy-path.json") {
            continue;
        }
        let (i, s) = (
            v["leafIdx"].as_u64().unwrap(),
            v["treeSize"].as_u64().unwrap(),
        );
        assert_eq!(tree.root_at(s), d.hash(&v["root"]), "{}", p.display());
        let got = inclusion_proof(&tree, i, s).unwrap();
        assert_eq!(got, d.proof(&v["proof"]), "{}", p.display());
        checked += 1;
    }
    for p in json_files(&vectors_dir().join("consistency")) {
        let v = read_json(&p);
        if !p.ends_with("happy-path.json") {
            continue;
        }
        let (o, n) = (v["size1"].as_u64().unwrap(), v["size2"].as_u64().unwrap());
        assert_eq!(tree.root_at(o), d.hash(&v["root1"]), "{}", p.display());
        assert_eq!(tree.root_at(n), d.hash(&v["root2"]), "{}", p.display());
        let got = consistency_proof(&tree, o, n).unwrap();
        assert_eq!(got, d.proof(&v["proof"]), "{}", p.display());
        checked += 1;
    }
    assert_eq!(checked, 10, "5 inclusion and 5 consistency happy paths");
    assert_eq!(d.stand_ins, 0);
}

// ---------------------------------------------------------------------------------------------
// RFC 9162 reference definitions
// ---------------------------------------------------------------------------------------------

/// The largest power of two smaller than `n` (RFC 9162 §2.1.1's `k`).
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH over leaf hashes (RFC 9162 §2.1.1), recursively.
fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => sha256(b""),
        1 => d[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

/// PATH(m, D[n]) (RFC 9162 §2.1.3.1).
fn ref_path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return Vec::new();
    }
    let k = k_of(n);
    if m < k {
        let mut p = ref_path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = ref_path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// SUBPROOF(m, D[n], b) (RFC 9162 §2.1.4.1).
fn ref_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = ref_subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = ref_subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
}

fn mem_tree(leaves: &[Hash]) -> MemTree {
    let mut t = MemTree::new();
    for l in leaves {
        t.push(*l);
    }
    t
}

#[test]
fn roots_equal_reference_and_frontier() {
    let d = leaves(300);
    let t = mem_tree(&d);
    let mut f = Frontier::default();
    assert_eq!(t.root_at(0), sha256(b""));
    for s in 0..=300usize {
        let r = t.root_at(s as u64);
        assert_eq!(r, mth(&d[..s]), "size {s}");
        assert_eq!(r, f.root(), "size {s}");
        if s < 300 {
            f.push(d[s]);
        }
    }
    assert_eq!(t.root(), mth(&d));
    assert_eq!(t.size(), 300);
}

#[test]
fn proofs_equal_rfc9162_reference_up_to_70() {
    let d = leaves(70);
    let t = mem_tree(&d);
    let (mut incl, mut cons) = (0, 0);
    for size in 1..=70u64 {
        let r = t.root_at(size);
        let dn = &d[..size as usize];
        for index in 0..size {
            let p = inclusion_proof(&t, index, size).unwrap();
            assert_eq!(p, ref_path(index as usize, dn), "PATH({index}, D[{size}])");
            verify_inclusion(&d[index as usize], index, size, &p, &r).unwrap();
            incl += 1;
        }
        for old in 1..=size {
            let p = consistency_proof(&t, old, size).unwrap();
            assert_eq!(
                p,
                ref_subproof(old as usize, dn, true),
                "PROOF({old}, D[{size}])"
            );
            verify_consistency(old, size, &t.root_at(old), &r, &p).unwrap();
            cons += 1;
        }
    }
    assert_eq!((incl, cons), (2485, 2485));
}

#[test]
fn bad_requests_are_refused() {
    let t = mem_tree(&leaves(10));
    let e = |r: Result<Vec<Hash>, ProofOrSource<Infallible>>| ProofError::from(r.unwrap_err());
    assert_eq!(
        e(inclusion_proof(&t, 10, 10)),
        ProofError::IndexOutOfRange {
            index: 10,
            size: 10
        }
    );
    assert_eq!(
        e(inclusion_proof(&t, 0, 0)),
        ProofError::IndexOutOfRange { index: 0, size: 0 }
    );
    assert_eq!(
        e(consistency_proof(&t, 6, 5)),
        ProofError::SizesOutOfOrder {
            old_size: 6,
            new_size: 5
        }
    );
    for new in 0..=10 {
        assert_eq!(e(consistency_proof(&t, 0, new)), ProofError::EmptyOldTree);
    }
    for s in 1..=10 {
        assert!(consistency_proof(&t, s, s).unwrap().is_empty());
        verify_consistency(s, s, &t.root_at(s), &t.root_at(s), &[]).unwrap();
        assert_eq!(
            verify_consistency(s, s, &t.root_at(s), &t.root_at(s), &[t.root_at(s)]),
            Err(ProofError::WrongLength { got: 1, want: 0 })
        );
    }
    // Consistency from the empty tree is undefined, even to the empty tree.
    let empty = sha256(b"");
    assert_eq!(
        verify_consistency(0, 0, &empty, &empty, &[]),
        Err(ProofError::EmptyOldTree)
    );
    assert_eq!(
        verify_consistency(0, 3, &empty, &t.root_at(3), &[]),
        Err(ProofError::EmptyOldTree)
    );
    assert_eq!(
        verify_consistency(3, 4, &t.root_at(3), &t.root_at(4), &[]),
        Err(ProofError::WrongLength { got: 0, want: 3 })
    );
    // Errors say what is wrong.
    let msg = ProofError::IndexOutOfRange {
        index: 10,
        size: 10,
    }
    .to_string();
    assert!(msg.contains("10") && msg.contains("out of range"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// Hash tiles
// ---------------------------------------------------------------------------------------------

type TileKey = (u8, u64, Option<u16>);

/// The tiles C2SP tlog-tiles says a tree of `size` leaves has, from the spec's own words:
/// level `l` has `floor(s / 256**l)` hashes; full tiles of 256 of them, and a partial tile of
/// `floor(s / 256**l) mod 256` hashes unless that is zero.
fn c2sp_tiles(size: u64) -> BTreeSet<TileKey> {
    let mut out = BTreeSet::new();
    let mut l = 0u8;
    while let Some(span) = 256u64.checked_pow(u32::from(l)) {
        let hashes = size / span;
        if hashes == 0 {
            break;
        }
        for n in 0..hashes / 256 {
            out.insert((l, n, None));
        }
        if !hashes.is_multiple_of(256) {
            out.insert((l, hashes / 256, Some((hashes % 256) as u16)));
        }
        l += 1;
    }
    out
}

/// The spec's formula for a tile's content: hash `i` of tile `n` at level `l` is
/// `MTH(D[(n*256+i) * 256**l : (n*256+i+1) * 256**l])`.
fn c2sp_tile_bytes(d: &[Hash], (l, n, w): TileKey) -> Vec<u8> {
    let span = 256usize.pow(u32::from(l));
    let width = w.map_or(256, usize::from);
    let mut out = Vec::new();
    for i in 0..width {
        let a = (n as usize * 256 + i) * span;
        out.extend_from_slice(&mth(&d[a..a + span]));
    }
    out
}

/// A tile store: tile path → bytes.
type Tiles = BTreeMap<String, Vec<u8>>;

fn fetch_from(tiles: &Tiles) -> impl Fn(u8, u64, Option<u16>) -> Result<Vec<u8>, String> + '_ {
    move |l, n, w| {
        let p = tile_path(l, n, w);
        tiles.get(&p).cloned().ok_or(format!("no tile {p}"))
    }
}

/// Only the tiles C2SP requires at `size`, from everything written so far.
fn tiles_at(all: &Tiles, size: u64) -> Tiles {
    c2sp_tiles(size)
        .into_iter()
        .map(|(l, n, w)| {
            let p = tile_path(l, n, w);
            let b = all
                .get(&p)
                .unwrap_or_else(|| panic!("{p} was never written"));
            (p, b.clone())
        })
        .collect()
}

/// Append `batches` of leaves, checking every `tiles_for_append` output against the spec, and
/// return the tree, its leaves, every tile written and the sizes after each batch.
fn append_in_batches(batches: &[u64]) -> (MemTree, Vec<Hash>, Tiles, Vec<u64>) {
    let total: u64 = batches.iter().sum();
    let d = leaves(total);
    let mut t = MemTree::new();
    let mut all = Tiles::new();
    let mut sizes = vec![0];
    for &b in batches {
        let old = t.size();
        for l in &d[old as usize..(old + b) as usize] {
            t.push(*l);
        }
        let new = t.size();
        let made = tiles_for_append(&t, old, new).unwrap();
        let keys: BTreeSet<TileKey> = made.iter().map(|(l, n, w, _)| (*l, *n, *w)).collect();
        assert_eq!(keys.len(), made.len(), "a tile twice in one append");
        let want: BTreeSet<TileKey> = c2sp_tiles(new)
            .difference(&c2sp_tiles(old))
            .copied()
            .collect();
        assert_eq!(keys, want, "append {old} -> {new}");
        for (l, n, w, bytes) in made {
            assert_eq!(
                bytes,
                c2sp_tile_bytes(&d, (l, n, w)),
                "tile {l}/{n}/{w:?} content"
            );
            let p = tile_path(l, n, w);
            assert!(all.insert(p.clone(), bytes).is_none(), "{p} written twice");
        }
        sizes.push(new);
    }
    (t, d, all, sizes)
}

#[test]
fn tile_paths() {
    assert_eq!(tile_path(0, 0, None), "tile/0/000");
    assert_eq!(tile_path(0, 5, Some(3)), "tile/0/005.p/3");
    assert_eq!(tile_path(1, 1234067, None), "tile/1/x001/x234/067");
    assert_eq!(
        tile_path(2, 1234067, Some(255)),
        "tile/2/x001/x234/067.p/255"
    );
    assert_eq!(tile_path(63, 1000, Some(1)), "tile/63/x001/000.p/1");
}

#[test]
fn c2sp_examples() {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level
    // 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and
    // one partial level 2 tile of width 1."
    let t = mem_tree(&leaves(70_000));
    let made = tiles_for_append(&t, 0, 70_000).unwrap();
    let full = |lv: u8| {
        made.iter()
            .filter(|(l, _, w, _)| *l == lv && w.is_none())
            .count()
    };
    let partial: Vec<(u8, u64, Option<u16>)> = made
        .iter()
        .filter(|(_, _, w, _)| w.is_some())
        .map(|(l, n, w, _)| (*l, *n, *w))
        .collect();
    assert_eq!((full(0), full(1), full(2)), (273, 1, 0));
    assert_eq!(
        partial,
        [(0, 273, Some(112)), (1, 1, Some(17)), (2, 0, Some(1))]
    );
    assert_eq!(made.len(), 277);
    assert!(
        made.iter()
            .all(|(_, _, w, b)| b.len() == 32 * w.map_or(256, usize::from))
    );
    let tiles: Tiles = made
        .into_iter()
        .map(|(l, n, w, b)| (tile_path(l, n, w), b))
        .collect();
    let ts = TileSource::new(70_000, fetch_from(&tiles));
    assert_eq!(root(&ts, 70_000).unwrap(), t.root());
    for s in [1, 255, 256, 257, 65_535, 65_536, 65_537, 69_999] {
        assert_eq!(root(&ts, s).unwrap(), t.root_at(s), "size {s}");
    }

    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
    // tile of width 1."
    let made = tiles_for_append(&t, 0, 256).unwrap();
    let keys: Vec<TileKey> = made.iter().map(|(l, n, w, _)| (*l, *n, *w)).collect();
    assert_eq!(keys, [(0, 0, None), (1, 0, Some(1))]);
    assert_eq!(made[1].3, t.root_at(256).to_vec());

    // Nothing is new when nothing was appended; appending inside one tile rewrites only
    // that tile's partial.
    assert!(tiles_for_append(&t, 300, 300).unwrap().is_empty());
    assert!(tiles_for_append(&t, 301, 300).unwrap().is_empty());
    let keys: Vec<TileKey> = tiles_for_append(&t, 300, 301)
        .unwrap()
        .iter()
        .map(|(l, n, w, _)| (*l, *n, *w))
        .collect();
    assert_eq!(keys, [(0, 1, Some(45))]);
}

#[test]
fn tiles_across_level_two() {
    // Fill exactly to 65,536 (the first full level-1 tile) in uneven steps, then go past it.
    let (t, _, all, sizes) = append_in_batches(&[1, 254, 1, 65_279, 1, 256, 100]);
    assert_eq!(sizes, [0, 1, 255, 256, 65_535, 65_536, 65_792, 65_892]);
    assert!(all.contains_key("tile/1/000"));
    assert!(all.contains_key("tile/2/000.p/1"));
    for &s in &sizes[1..] {
        let tiles = tiles_at(&all, s);
        let ts = TileSource::new(s, fetch_from(&tiles));
        assert_eq!(root(&ts, s).unwrap(), t.root_at(s), "size {s}");
    }
}

#[test]
fn tile_source_errors() {
    let t = mem_tree(&leaves(600));
    let tiles: Tiles = tiles_for_append(&t, 0, 600)
        .unwrap()
        .into_iter()
        .map(|(l, n, w, b)| (tile_path(l, n, w), b))
        .collect();
    // A node not complete at this size.
    let ts = TileSource::new(600, fetch_from(&tiles));
    assert!(matches!(
        ts.node(0, 600),
        Err(TileError::NodeOutOfRange {
            level: 0,
            index: 600,
            size: 600
        })
    ));
    assert!(matches!(
        ts.node(10, 0),
        Err(TileError::NodeOutOfRange { .. })
    ));
    assert!(matches!(
        ts.node(63, 0),
        Err(TileError::NodeOutOfRange { .. })
    ));
    assert_eq!(ts.node(9, 0).unwrap(), t.node(9, 0).unwrap());
    // A missing tile names its path.
    let ts = TileSource::new(601, fetch_from(&tiles));
    let e = ts.node(0, 599).unwrap_err();
    assert!(
        matches!(&e, TileError::Fetch { path, .. } if path == "tile/0/002.p/89"),
        "{e}"
    );
    assert!(e.to_string().contains("tile/0/002.p/89"), "{e}");
    // Proofs report the source's failure as such.
    assert!(matches!(
        inclusion_proof(&ts, 599, 601),
        Err(ProofOrSource::Source(TileError::Fetch { .. }))
    ));
    // A tile of the wrong length.
    let mut bad = tiles.clone();
    bad.get_mut("tile/0/001").unwrap().pop();
    let ts = TileSource::new(600, fetch_from(&bad));
    assert!(matches!(
        ts.node(0, 300),
        Err(TileError::WrongLength {
            got: 8191,
            want: 8192,
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

fn flip(h: &mut Hash, bit: usize) {
    h[bit / 8 % 32] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Appends in random batches: every `tiles_for_append` output is exactly what C2SP adds
    /// (checked inside `append_in_batches`), and a `TileSource` over only the tiles a size
    /// requires reproduces the root at that size and at every smaller size.
    #[test]
    fn tiles_follow_c2sp(batches in proptest::collection::vec(1u64..700, 1..12)) {
        let (t, _, all, sizes) = append_in_batches(&batches);
        for &s in &sizes[1..] {
            let tiles = tiles_at(&all, s);
            let ts = TileSource::new(s, fetch_from(&tiles));
            prop_assert_eq!(root(&ts, s).unwrap(), t.root_at(s));
        }
        let last = t.size();
        let tiles = tiles_at(&all, last);
        let ts = TileSource::new(last, fetch_from(&tiles));
        for s in 0..=last {
            prop_assert_eq!(root(&ts, s).unwrap(), t.root_at(s), "size {}", s);
        }
    }

    /// Proofs from a `MemTree` and from a `TileSource` over the stored tiles are identical and
    /// verify; flipping any one bit of a proof, leaf or root makes them fail.
    #[test]
    fn proofs_from_tiles_equal_and_verify(
        batches in proptest::collection::vec(1u64..715, 1..8),
        picks in proptest::collection::vec((any::<u64>(), any::<u64>(), any::<u64>(), any::<usize>()), 16),
    ) {
        let (t, d, all, _) = append_in_batches(&batches);
        let last = t.size(); // at most 7 · 714 = 4998
        let tiles = tiles_at(&all, last);
        let ts = TileSource::new(last, fetch_from(&tiles));
        for (a, b, c, bit) in picks {
            // Inclusion of a random leaf in a random size that holds it.
            let size = 1 + a % last;
            let index = b % size;
            let p = inclusion_proof(&t, index, size).unwrap();
            prop_assert_eq!(&p, &inclusion_proof(&ts, index, size).unwrap());
            let r = t.root_at(size);
            let leaf = d[index as usize];
            prop_assert!(verify_inclusion(&leaf, index, size, &p, &r).is_ok());
            let nbits = 256 * (p.len() + 2);
            let at = bit % nbits;
            let (mut p2, mut leaf2, mut r2) = (p.clone(), leaf, r);
            match at / 256 {
                0 => flip(&mut leaf2, at),
                1 => flip(&mut r2, at),
                k => flip(&mut p2[k - 2], at),
            }
            prop_assert!(verify_inclusion(&leaf2, index, size, &p2, &r2).is_err());

            // Consistency between a random prefix and a random larger size.
            let new = 1 + c % last;
            let old = 1 + a % new;
            let p = consistency_proof(&t, old, new).unwrap();
            prop_assert_eq!(&p, &consistency_proof(&ts, old, new).unwrap());
            let (ro, rn) = (t.root_at(old), t.root_at(new));
            prop_assert!(verify_consistency(old, new, &ro, &rn, &p).is_ok());
            let at = bit % (256 * (p.len() + 2));
            let (mut p2, mut ro2, mut rn2) = (p.clone(), ro, rn);
            match at / 256 {
                0 => flip(&mut ro2, at),
                1 => flip(&mut rn2, at),
                k => flip(&mut p2[k - 2], at),
            }
            prop_assert!(verify_consistency(old, new, &ro2, &rn2, &p2).is_err());
        }
    }
}
