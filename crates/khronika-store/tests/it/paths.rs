//! Vectors for object names and padding lengths: the C2SP tlog-tiles tile-index encoding
//! (`x001/x234/067`), every kind of object path, paths the parser must refuse, and Padmé
//! lengths. The golden files are plain text, one vector per line, and each line is parsed
//! back and checked against the code.

use khronika_store::path::{PathKind, tile_index_path};
use khronika_store::{DeviceId, ObjectPath, pad::padme};

use crate::fixtures;
use crate::golden_text;

const TILE_INDEXES: [u64; 11] = [
    0,
    5,
    255,
    999,
    1000,
    1001,
    1234,
    999_999,
    1_000_000,
    1_234_067,
    u64::MAX,
];

/// Paths Khronika never writes; parsing must return `None`.
const REFUSED: [&str; 12] = [
    "objects/12/1212",
    "objects/13/1212121212121212121212121212121212121212121212121212121212121212",
    "objects/AB/ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
    "objects/12/1212121212121212121212121212121212121212121212121212121212121212/x",
    "log/202122232425262728292a2b2c2d2e2f/checkpoint/3",
    "log/202122232425262728292a2b2c2d2e2f/checkpoint/+0000000000000000003",
    "log/202122232425262728292a2b2c2d2e2f/tile/entries/x000/005",
    "log/202122232425262728292a2b2c2d2e2f/tile/entries/5",
    "log/202122232425262728292a2b2c2d2e2f/tile/entries/005.p/0",
    "log/202122232425262728292a2b2c2d2e2f/tile/entries/005.p/256",
    "log/202122232425262728292a2b2c2d2e2f/tile/entries/005.p/07",
    "../objects/12/1212121212121212121212121212121212121212121212121212121212121212",
];

fn describe(p: &ObjectPath, k: &PathKind) -> String {
    match k {
        PathKind::Object(h) => format!("object {} {p}", crate::hex(h)),
        PathKind::Bundle {
            device,
            n,
            partial: None,
        } => format!("bundle {device} {n} full {p}"),
        PathKind::Bundle {
            device,
            n,
            partial: Some(w),
        } => format!("bundle {device} {n} partial {w} {p}"),
        PathKind::Checkpoint { device, size } => format!("checkpoint {device} {size} {p}"),
        PathKind::NodeFile { device, name } => format!("node {device} {name} {p}"),
        PathKind::HashTile {
            device,
            level,
            n,
            partial: None,
        } => format!("hash tile {device} {level} {n} full {p}"),
        PathKind::HashTile {
            device,
            level,
            n,
            partial: Some(w),
        } => {
            format!("hash tile {device} {level} {n} partial {w} {p}")
        }
        PathKind::Cosignature {
            device,
            size,
            key_id,
        } => format!("cosignature {device} {size} {key_id:08x} {p}"),
    }
}

#[test]
fn tile_indexes_and_object_paths() {
    let d = fixtures::device();
    let mut text = String::from(
        "# Object paths (tests/it/paths.rs). `tile N S`: tile_index_path(N) = S.\n\
         # `object`, `bundle`, `checkpoint`: a path and what it names. `refuse`: never ours.\n",
    );
    for n in TILE_INDEXES {
        text.push_str(&format!("tile {n} {}\n", tile_index_path(n)));
    }
    let paths = [
        ObjectPath::object(&fixtures::seq(0xa0)),
        ObjectPath::bundle(&d, 0, None),
        ObjectPath::bundle(&d, 0, Some(3)),
        ObjectPath::bundle(&d, 0, Some(255)),
        ObjectPath::bundle(&d, 1_234_067, None),
        ObjectPath::bundle(&d, 1_234_067, Some(1)),
        ObjectPath::checkpoint(&d, 0),
        ObjectPath::checkpoint(&d, 3),
        ObjectPath::checkpoint(&d, u64::MAX),
    ];
    for p in &paths {
        let (_, k) = ObjectPath::parse(p.as_str()).expect("our own path parses");
        text.push_str(&describe(p, &k));
        text.push('\n');
    }
    for r in REFUSED {
        assert!(ObjectPath::parse(r).is_none(), "{r} should be refused");
        text.push_str(&format!("refuse {r}\n"));
    }
    let golden = golden_text("paths.txt", &text);

    // Decode the golden lines and check them against the code and the C2SP rule.
    let mut counts = [0usize; 3];
    for line in golden.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "tile" => {
                let n: u64 = f[1].parse().unwrap();
                assert_eq!(tile_index_path(n), f[2]);
                // By hand: 3-digit groups, all but the last prefixed with `x`.
                let groups: Vec<&str> = f[2].split('/').collect();
                let (last, init) = groups.split_last().unwrap();
                assert!(init.iter().all(|g| g.len() == 4 && g.starts_with('x')));
                assert_eq!(last.len(), 3);
                let digits: String = f[2].chars().filter(char::is_ascii_digit).collect();
                assert_eq!(
                    digits.trim_start_matches('0').parse::<u64>().unwrap_or(0),
                    n
                );
                let full = format!("log/{d}/tile/entries/{}", f[2]);
                let (_, k) = ObjectPath::parse(&full).unwrap();
                assert_eq!(
                    k,
                    PathKind::Bundle {
                        device: d,
                        n,
                        partial: None
                    }
                );
                counts[0] += 1;
            }
            "refuse" => {
                assert!(ObjectPath::parse(f[1]).is_none(), "{}", f[1]);
                counts[2] += 1;
            }
            _ => {
                let path = f.last().unwrap();
                let (p, k) = ObjectPath::parse(path).unwrap();
                assert_eq!(describe(&p, &k), line);
                let rebuilt = match k {
                    PathKind::Object(h) => ObjectPath::object(&h),
                    PathKind::Bundle { device, n, partial } => {
                        ObjectPath::bundle(&device, n, partial)
                    }
                    PathKind::Checkpoint { device, size } => {
                        assert_eq!(path.rsplit('/').next().unwrap().len(), 20);
                        ObjectPath::checkpoint(&device, size)
                    }
                    PathKind::HashTile {
                        device,
                        level,
                        n,
                        partial,
                    } => ObjectPath::hash_tile(&device, level, n, partial),
                    PathKind::Cosignature {
                        device,
                        size,
                        key_id,
                    } => ObjectPath::cosignature(&device, size, key_id),
                    PathKind::NodeFile { device, name } => {
                        ObjectPath::node_file(&device, &name).unwrap()
                    }
                };
                assert_eq!(rebuilt.as_str(), *path);
                assert_eq!(
                    ObjectPath::log_prefix(&DeviceId(fixtures::seq(0x20))),
                    format!("log/{d}/")
                );
                counts[1] += 1;
            }
        }
    }
    assert_eq!(
        counts,
        [TILE_INDEXES.len(), paths.len(), REFUSED.len()],
        "every golden line was checked"
    );
}

/// Padmé by the PURBs paper's definition, written independently of `pad::padme`.
fn padme_by_definition(l: u64) -> u64 {
    if l < 2 {
        return l;
    }
    let e = l.ilog2(); // floor(log2 L)
    let s = e.ilog2() + 1; // floor(log2 E) + 1
    let z = e - s; // low bits to clear
    let m = (1u64 << z) - 1;
    (l + m) & !m
}

#[test]
fn padme_lengths() {
    let lens: Vec<u64> = (0..=20)
        .chain([
            100,
            255,
            256,
            257,
            692,
            1000,
            1023,
            1024,
            1025,
            4095,
            65_535,
            65_536,
            65_537,
            1 << 20,
            (1 << 20) + 1,
            16 << 20,
            (16 << 20) + 1,
            (17 << 20) + 12_345,
            (1 << 32) - 1,
        ])
        .collect();
    let mut text = String::from("# Padmé lengths (tests/it/paths.rs): `length padded-length`.\n");
    for l in &lens {
        text.push_str(&format!("{l} {}\n", padme(*l)));
    }
    let golden = golden_text("padme.txt", &text);
    let mut n = 0;
    for line in golden.lines().filter(|l| !l.starts_with('#')) {
        let (l, p) = line.split_once(' ').unwrap();
        let (l, p): (u64, u64) = (l.parse().unwrap(), p.parse().unwrap());
        assert_eq!(padme(l), p, "padme({l})");
        assert_eq!(padme_by_definition(l), p, "definition at {l}");
        n += 1;
    }
    assert_eq!(n, lens.len());
}
