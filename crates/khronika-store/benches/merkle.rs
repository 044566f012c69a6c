//! Benchmark of Merkle proofs at a million leaves (`cargo bench -p khronika-store --bench merkle`).
//!
//! Plain `std::time` timing, no framework: builds a [`MemTree`] of 1,000,000 leaves, then times
//! inclusion and consistency proof generation and verification over 10,000 pseudo-random
//! requests each, and `root()`, printing nanoseconds per operation. The target is
//! under 1 ms each for generation and verification at a million entries.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use khronika_store::log::leaf_hash;
use std::collections::HashMap;

use khronika_store::merkle::{
    MemTree, TileSource, consistency_proof, inclusion_proof, root, tiles_for_append,
    verify_consistency, verify_inclusion,
};

const LEAVES: u64 = 1_000_000;
const OPS: usize = 10_000;

/// SplitMix64: deterministic pseudo-random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform-ish in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn report(what: &str, ops: usize, took: Duration) {
    let ns = took.as_nanos() as f64 / ops as f64;
    println!("{what:<40} {ns:>12.0} ns/op  ({ops} ops)");
}

fn main() {
    let t = Instant::now();
    let mut tree = MemTree::new();
    for i in 0..LEAVES {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    report(
        "MemTree::push (leaf hash + nodes)",
        LEAVES as usize,
        t.elapsed(),
    );

    let mut rng = Rng(0x6b68_726f_6e69_6b61);

    // Requests: (index, size) with index < size <= LEAVES, and (old, new) with 0 < old <= new.
    let incl: Vec<(u64, u64)> = (0..OPS)
        .map(|_| {
            let size = rng.range(LEAVES / 2, LEAVES);
            (rng.range(0, size - 1), size)
        })
        .collect();
    let cons: Vec<(u64, u64)> = (0..OPS)
        .map(|_| {
            let new = rng.range(LEAVES / 2, LEAVES);
            (rng.range(1, new), new)
        })
        .collect();

    let t = Instant::now();
    let roots: Vec<[u8; 32]> = incl.iter().map(|&(_, s)| root(&tree, s).unwrap()).collect();
    report("root (random size)", OPS, t.elapsed());
    let t = Instant::now();
    for _ in 0..OPS {
        black_box(root(&tree, black_box(LEAVES)).unwrap());
    }
    report("root (1,000,000 leaves)", OPS, t.elapsed());
    let cons_roots: Vec<([u8; 32], [u8; 32])> = cons
        .iter()
        .map(|&(o, n)| (tree.root_at(o), tree.root_at(n)))
        .collect();

    let t = Instant::now();
    let proofs: Vec<Vec<[u8; 32]>> = incl
        .iter()
        .map(|&(i, s)| inclusion_proof(&tree, black_box(i), black_box(s)).unwrap())
        .collect();
    report("inclusion_proof", OPS, t.elapsed());

    let leaves: Vec<[u8; 32]> = incl
        .iter()
        .map(|&(i, _)| leaf_hash(&i.to_be_bytes()))
        .collect();
    let t = Instant::now();
    for k in 0..OPS {
        let (i, s) = incl[k];
        verify_inclusion(&leaves[k], i, s, black_box(&proofs[k]), &roots[k]).unwrap();
    }
    report("verify_inclusion", OPS, t.elapsed());

    let t = Instant::now();
    let cproofs: Vec<Vec<[u8; 32]>> = cons
        .iter()
        .map(|&(o, n)| consistency_proof(&tree, black_box(o), black_box(n)).unwrap())
        .collect();
    report("consistency_proof", OPS, t.elapsed());

    let t = Instant::now();
    for k in 0..OPS {
        let (o, n) = cons[k];
        let (ro, rn) = &cons_roots[k];
        verify_consistency(o, n, ro, rn, black_box(&cproofs[k])).unwrap();
    }
    report("verify_consistency", OPS, t.elapsed());

    // The same proofs from stored hash tiles, as a reader without the tree makes them.
    let t = Instant::now();
    let tiles: HashMap<(u8, u64, Option<u16>), Vec<u8>> = tiles_for_append(&tree, 0, LEAVES)
        .unwrap()
        .into_iter()
        .map(|(l, n, w, b)| ((l, n, w), b))
        .collect();
    report("tiles_for_append(0 -> 1,000,000)", 1, t.elapsed());
    println!("  {} tiles", tiles.len());
    let fetch = |l: u8, n: u64, w: Option<u16>| -> Result<Vec<u8>, String> {
        tiles
            .get(&(l, n, w))
            .cloned()
            .ok_or_else(|| format!("no tile {l}/{n}/{w:?}"))
    };
    let cold = 1_000;
    let t = Instant::now();
    for &(i, s) in &incl[..cold] {
        let src = TileSource::new(LEAVES, &fetch);
        black_box(inclusion_proof(&src, i, s).unwrap());
    }
    report("inclusion_proof, TileSource cold cache", cold, t.elapsed());
    let src = TileSource::new(LEAVES, &fetch);
    let t = Instant::now();
    for (k, &(i, s)) in incl.iter().enumerate() {
        let p = inclusion_proof(&src, i, s).unwrap();
        assert_eq!(p, proofs[k]);
    }
    report("inclusion_proof, TileSource shared cache", OPS, t.elapsed());

    let longest = proofs
        .iter()
        .chain(&cproofs)
        .map(Vec::len)
        .max()
        .unwrap_or(0);
    println!("longest proof: {longest} hashes");
}
