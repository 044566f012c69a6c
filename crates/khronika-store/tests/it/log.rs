//! Log vectors: the fixture log's three entries as a C2SP tlog-tiles entry bundle (u16
//! big-endian length prefixes), their RFC 6962 leaf hashes and tree roots, the signed
//! checkpoint note at size 3 and the device's signed-note verifier key.
//!
//! The golden files are then put together as a store (the pack at its object path, the
//! partial bundle at `tile/entries/000.p/3`, the checkpoint at `checkpoint/<size>`): keyless
//! `verify` must accept it, `LogState::load` must reproduce the root, and `LogState` staging
//! and committing the same entries must write exactly the golden objects.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use khronika_crypto::hash::{Sha256Hasher, sha256};
use khronika_store::entry::Entry;
use khronika_store::log::{
    Checkpoint, Frontier, LogState, decode_bundle, encode_bundle, key_id, leaf_hash, node_hash,
    origin, verifier_key,
};
use khronika_store::verify::{self, genesis_key};
use khronika_store::{Backend, MemBackend, ObjectPath, Stored};

use crate::fixtures;
use crate::{be, golden_hex, golden_text, hex};

fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

#[test]
fn entry_bundle() {
    let entries = fixtures::entries();
    let bundle = encode_bundle(entries.iter().map(Entry::bytes));
    let golden = golden_hex(
        "bundle.hex",
        "The fixture log as one partial entry bundle of width 3: each entry prefixed by its\n\
         length (u16 BE). Stored at log/<device>/tile/entries/000.p/3.",
        bundle.as_bytes(),
    );
    // By hand: length prefixes.
    let mut at = 0;
    let mut lens = Vec::new();
    while at < golden.len() {
        let l = be(&golden, at, 2) as usize;
        lens.push(l);
        at += 2 + l;
    }
    assert_eq!(at, golden.len());
    assert_eq!(lens.len(), 3);
    // Through the decoder; every entry decodes, chains and verifies.
    let raw = decode_bundle(&golden).unwrap();
    let key = fixtures::device_key().public();
    let mut prev = [0u8; 32];
    for (i, (r, e)) in raw.iter().zip(&entries).enumerate() {
        assert_eq!(r.len(), lens[i]);
        let d = Entry::decode(r).unwrap();
        assert_eq!(&d, e);
        assert_eq!(d.body.index, i as u64);
        assert_eq!(d.body.prev, prev);
        d.verify_signature(&key).unwrap();
        prev = d.hash();
    }
    assert_eq!(genesis_key(&Entry::decode(raw[0]).unwrap()).unwrap(), key);
    golden_text(
        "bundle.txt",
        &format!(
            "# The bundle in bundle.hex, decoded (tests/it/log.rs).\n\
             entries 3, lengths {lens:?}, kinds {:?}\n",
            raw.iter().map(|r| r[1]).collect::<Vec<_>>()
        ),
    );
}

#[test]
fn rfc6962_hashes_checkpoint_and_verifier_key() {
    let entries = fixtures::entries();
    let key = fixtures::device_key();
    let mut f = Frontier::default();
    let mut text = String::from("# RFC 6962 hashes of the fixture log (tests/it/log.rs).\n");
    let mut leaves = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let l = leaf_hash(e.bytes());
        assert_eq!(l, sha(&[&[0], e.bytes()]), "leaf = SHA-256(0x00 || entry)");
        leaves.push(l);
        f.push(l);
        text.push_str(&format!(
            "entry {i}: SHA-256 {}\n  leaf hash {}\n  root at size {} {}\n",
            hex(&e.hash()),
            hex(&l),
            i + 1,
            hex(&f.root())
        ));
    }
    // The level-0 hash tile of this 3-entry log (C2SP tlog-tiles): the leaf hashes in order.
    let tile = crate::golden_hex(
        "hash-tile.hex",
        "The level-0 partial hash tile (width 3) of the fixture log: its three RFC 6962 leaf\n\
         hashes, concatenated (stored at log/<device>/tile/0/000.p/3).",
        &leaves.concat(),
    );
    assert_eq!(tile, leaves.concat());
    assert_eq!(Frontier::default().root(), sha256(b""));
    // By hand: MTH of 3 leaves = node(node(l0, l1), l2); node = SHA-256(0x01 || l || r).
    let n01 = sha(&[&[1], &leaves[0], &leaves[1]]);
    assert_eq!(n01, node_hash(&leaves[0], &leaves[1]));
    let root = sha(&[&[1], &n01, &leaves[2]]);
    assert_eq!(f.root(), root);
    text.push_str(&format!("empty tree root {}\n", hex(&sha256(b""))));

    // The checkpoint note at size 3.
    let origin = origin(&fixtures::vault(), &fixtures::device());
    assert_eq!(
        origin,
        format!(
            "khronika/vault/{}/device/{}",
            fixtures::vault(),
            fixtures::device()
        )
    );
    let cp = Checkpoint {
        origin: origin.clone(),
        size: 3,
        root,
    };
    let note = golden_text("checkpoint.txt", &cp.sign(&key));
    assert_eq!(
        Checkpoint::open(note.as_bytes(), &key.public()).unwrap(),
        cp
    );
    // By hand: body, blank line, one signature line "— <origin> base64(key id || sig)".
    let (body, sigs) = note.split_once("\n\n").unwrap();
    let body = format!("{body}\n");
    assert_eq!(body, format!("{origin}\n3\n{}\n", B64.encode(root)));
    let line = sigs.strip_suffix('\n').unwrap();
    assert!(!line.contains('\n'), "one signature line");
    let rest = line.strip_prefix("\u{2014} ").unwrap();
    let (name, sig) = rest.split_once(' ').unwrap();
    assert_eq!(name, origin);
    let sig = B64.decode(sig).unwrap();
    assert_eq!(sig.len(), 68);
    let kid = sha(&[origin.as_bytes(), b"\n", &[1], &key.public().0]);
    assert_eq!(&sig[..4], &kid[..4]);
    assert_eq!(sig[..4], key_id(&origin, &key.public()));
    key.public()
        .verify(body.as_bytes(), &sig[4..].try_into().unwrap())
        .unwrap();
    // A checkpoint is refused under another key or with any byte changed.
    assert!(Checkpoint::open(note.as_bytes(), &fixtures::member_sign().public()).is_err());

    let vkey = verifier_key(&origin, &key.public());
    let mut kd = vec![1u8];
    kd.extend_from_slice(&key.public().0);
    assert_eq!(
        vkey,
        format!("{origin}+{}+{}", hex(&kid[..4]), B64.encode(&kd))
    );
    text.push_str(&format!(
        "checkpoint key id {}\nverifier key {vkey}\n",
        hex(&kid[..4])
    ));
    golden_text("tree.txt", &text);
}

/// A store made only of golden files, at the paths Khronika gives them.
fn store_from_golden() -> MemBackend {
    let be_ = MemBackend::new();
    let d = fixtures::device();
    let pack = crate::parse_hex(&crate::read_golden("pack.hex"));
    let bundle = crate::parse_hex(&crate::read_golden("bundle.hex"));
    let note = crate::read_golden("checkpoint.txt").into_bytes();
    for (p, b) in [
        (ObjectPath::object(&sha256(&pack)), pack),
        (ObjectPath::bundle(&d, 0, Some(3)), bundle),
        (ObjectPath::checkpoint(&d, 3), note),
        (
            ObjectPath::hash_tile(&d, 0, 0, Some(3)),
            crate::parse_hex(&crate::read_golden("hash-tile.hex")),
        ),
    ] {
        be_.create(&p, &Stored::from_existing_object(b)).unwrap();
    }
    be_
}

#[test]
fn golden_objects_form_a_store_that_verifies() {
    if crate::write_mode() {
        // The golden files are being rewritten by the other tests right now.
        return;
    }
    let (v, d) = (fixtures::vault(), fixtures::device());
    let be_ = store_from_golden();
    let report = verify::verify(&be_, v, &mut |_| {});
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.entries_checked, 3);
    assert_eq!(report.objects_checked, 1);
    assert_eq!(report.devices, vec![d]);
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    let mut seen = Vec::new();
    let st = LogState::load(&be_, v, d, genesis_key, |e| {
        seen.push(e.body.kind);
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, vec![1, 2, 3]);
    assert_eq!(st.size(), 3);
    assert_eq!(st.checkpoints(), &[3]);
    assert_eq!(st.key, Some(fixtures::device_key().public()));
    let cp = Checkpoint::open(
        &be_.read(&ObjectPath::checkpoint(&d, 3)).unwrap(),
        &fixtures::device_key().public(),
    )
    .unwrap();
    assert_eq!(st.root(), cp.root);

    // Any flipped byte in any golden object is reported.
    for path in be_.list("").unwrap() {
        let orig = be_.read(&ObjectPath::parse(&path).unwrap().0).unwrap();
        for i in [0, orig.len() / 2, orig.len() - 1] {
            let mut t = orig.clone();
            t[i] ^= 0x01;
            be_.tamper(&path, t);
            assert!(
                !verify::verify(&be_, v, &mut |_| {}).is_ok(),
                "{path} byte {i}"
            );
        }
        be_.tamper(&path, orig);
    }
}

#[test]
fn log_state_writes_the_golden_objects() {
    if crate::write_mode() {
        return;
    }
    let (v, d) = (fixtures::vault(), fixtures::device());
    let key = fixtures::device_key();
    let be_ = MemBackend::new();
    let mut st = LogState::new(v, d);
    for e in fixtures::entries() {
        let b = e.body.clone();
        let staged = st
            .stage(
                &key,
                b.kind,
                b.compartment,
                b.epoch,
                b.objects,
                b.commitments,
                b.payload,
            )
            .unwrap();
        assert_eq!(staged.bytes(), e.bytes());
    }
    st.commit(&be_, &key).unwrap();
    let golden = store_from_golden();
    let mut written = be_.list("").unwrap();
    written.sort();
    let mut want: Vec<String> = golden.list("log/").unwrap().into_iter().collect();
    want.sort();
    assert_eq!(written, want);
    for p in written {
        let p = ObjectPath::parse(&p).unwrap().0;
        assert_eq!(be_.read(&p).unwrap(), golden.read(&p).unwrap(), "{p}");
    }
}
