//! C2SP tlog-proof (`khronika_store::tlog_proof`) against proofs written by tlog-scales, an
//! independent Python implementation (`testdata/tlog-proof/generate.py` made them; see there).
//!
//! - every `scales/proof-<i>.tlog-proof` of the 13-entry log verifies for its entry, and our
//!   encoder, given the same entries and keys, writes the same bytes;
//! - any changed byte of a proof, its checkpoint or its entry, and any truncation, is refused;
//! - an ML-DSA-44 cosignature (a type Khronika does not verify) is skipped;
//! - `khronika/*.tlog-proof` are proofs written by us, checked by tlog-scales
//!   (`generate.py check`); here they are golden files.

use std::path::PathBuf;

use khronika_crypto::Key32;
use khronika_crypto::hash::sha256;
use khronika_crypto::sign::SigningKey;
use khronika_store::log::leaf_hash;
use khronika_store::merkle::{self, MemTree};
use khronika_store::note::{
    CheckpointPolicy, CheckpointText, CosignatureV1Signer, Ed25519Signer, KeyKind, NoteError,
    VerifierKey,
};
use khronika_store::tlog_proof::{self, HEADER, ProofError, TlogProof};

const ORIGIN: &str = "example.com/khronika-interop-log";
const WITNESS: &str = "example.com/khronika-interop-witness";
const COSIGN_TIME: u64 = 1_790_000_000;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/tlog-proof")
}

fn read(name: &str) -> Vec<u8> {
    let p = dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn vkey(name: &str) -> VerifierKey {
    VerifierKey::parse(String::from_utf8(read(name)).unwrap().trim()).unwrap()
}

fn entries(name: &str) -> Vec<Vec<u8>> {
    String::from_utf8(read(name))
        .unwrap()
        .split_whitespace()
        .map(|l| {
            (0..l.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect()
}

fn seed_key(label: &str) -> SigningKey {
    SigningKey::from_seed(&Key32::from_bytes(sha256(label.as_bytes())))
}

/// The policy of the tlog-scales log: its key, and the Ed25519 witness with a quorum of one.
fn policy() -> CheckpointPolicy {
    CheckpointPolicy::new(ORIGIN, vkey("log.vkey")).with_witnesses([vkey("witness.vkey")], 1)
}

#[test]
fn every_scales_proof_verifies() {
    let es = entries("entries.hex");
    assert_eq!(es.len(), 13);
    for (i, e) in es.iter().enumerate() {
        assert_eq!(
            e,
            &[format!("entry {i}: ").as_bytes(), &vec![b'x'; i]].concat()
        );
        let bytes = read(&format!("scales/proof-{i}.tlog-proof"));
        let v = tlog_proof::verify(&bytes, &leaf_hash(e), &policy()).unwrap();
        assert_eq!(v.index, i as u64);
        assert_eq!(v.checkpoint.checkpoint.size, 13);
        assert_eq!(v.checkpoint.checkpoint.origin, ORIGIN);
        assert_eq!(v.checkpoint.cosignatures.len(), 1);
        assert_eq!(v.checkpoint.cosignatures[0].timestamp, Some(COSIGN_TIME));
        assert!(v.checkpoint.unverified.is_empty());
        assert_eq!(v.extra, None);
        // Parsing and encoding gives back the same bytes.
        let p = TlogProof::parse(&bytes).unwrap();
        assert_eq!(p.encode().as_bytes(), &bytes[..]);
        // Another entry is not at this index.
        let other = &es[(i + 1) % es.len()];
        assert!(matches!(
            p.verify(&leaf_hash(other), &policy()),
            Err(ProofError::Inclusion(merkle::ProofError::RootMismatch))
        ));
    }
}

/// Built with Khronika's code from the same entries and keys, the proofs are byte-identical
/// to tlog-scales' (Ed25519 is deterministic; the cosignature time is fixed).
#[test]
fn our_encoder_writes_the_scales_bytes() {
    let es = entries("entries.hex");
    let mut tree = MemTree::new();
    for e in &es {
        tree.push(leaf_hash(e));
    }
    let lk = seed_key("khronika tlog-proof interop: log key");
    let wk = seed_key("khronika tlog-proof interop: witness key");
    let log = Ed25519Signer::new(ORIGIN, &lk).unwrap();
    let witness = CosignatureV1Signer::new(WITNESS, &wk, COSIGN_TIME).unwrap();
    assert_eq!(log.verifier_key(), &vkey("log.vkey"));
    assert_eq!(witness.verifier_key(), &vkey("witness.vkey"));
    let cp = CheckpointText::new(ORIGIN, tree.size(), tree.root());
    let note = cp.sign(&[&log, &witness]).unwrap();
    for i in 0..es.len() as u64 {
        let proof = TlogProof {
            extra: None,
            index: i,
            path: merkle::inclusion_proof(&tree, i, tree.size()).unwrap(),
            checkpoint: note.clone(),
        };
        assert_eq!(
            proof.encode().as_bytes(),
            &read(&format!("scales/proof-{i}.tlog-proof"))[..],
            "proof of entry {i}"
        );
    }
}

/// Every single-byte change of the proof file is refused: header, index, each inclusion-proof
/// hash, the checkpoint body and both signature lines (the witness's included: the policy
/// requires it). So is every truncation, and every change of the entry.
#[test]
fn any_changed_byte_is_refused() {
    let bytes = read("scales/proof-7.tlog-proof");
    let entry = &entries("entries.hex")[7];
    let leaf = leaf_hash(entry);
    let pol = policy();
    tlog_proof::verify(&bytes, &leaf, &pol).unwrap();
    let mut tried = 0;
    for at in 0..bytes.len() {
        for delta in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80] {
            let mut m = bytes.clone();
            m[at] ^= delta;
            assert!(
                tlog_proof::verify(&m, &leaf, &pol).is_err(),
                "byte {at} ^ {delta:#04x} accepted ({:?} -> {:?})",
                bytes[at] as char,
                m[at] as char
            );
            tried += 1;
        }
    }
    assert_eq!(tried, bytes.len() * 8);
    for len in 0..bytes.len() {
        assert!(
            tlog_proof::verify(&bytes[..len], &leaf, &pol).is_err(),
            "truncated to {len}"
        );
    }
    for at in 0..entry.len() {
        for delta in [0x01u8, 0x80] {
            let mut e = entry.clone();
            e[at] ^= delta;
            assert!(tlog_proof::verify(&bytes, &leaf_hash(&e), &pol).is_err());
        }
    }
    let mut longer = entry.clone();
    longer.push(b'x');
    assert!(tlog_proof::verify(&bytes, &leaf_hash(&longer), &pol).is_err());
    // The raw entry is not its leaf hash.
    assert!(tlog_proof::verify(&bytes, &sha256(entry), &pol).is_err());
}

/// With no witness required, changes outside the witness's line are still all refused; a
/// change of the witness's name or key id turns its line into an unknown signature, which a
/// policy without witnesses rightly ignores.
#[test]
fn without_witnesses_only_the_cosignature_line_is_ignorable() {
    let bytes = read("scales/proof-7.tlog-proof");
    let leaf = leaf_hash(&entries("entries.hex")[7]);
    let pol = CheckpointPolicy::new(ORIGIN, vkey("log.vkey"));
    let cosig_line = bytes.len()
        - 1
        - bytes[..bytes.len() - 1]
            .iter()
            .rev()
            .position(|&b| b == b'\n')
            .unwrap();
    for at in 0..cosig_line {
        let mut m = bytes.clone();
        m[at] ^= 0x01;
        assert!(tlog_proof::verify(&m, &leaf, &pol).is_err(), "byte {at}");
    }
}

#[test]
fn ml_dsa_cosignature_is_skipped() {
    let bytes = read("scales/proof-7-mldsa.tlog-proof");
    let leaf = leaf_hash(&entries("entries.hex")[7]);
    let v = tlog_proof::verify(&bytes, &leaf, &policy()).unwrap();
    assert_eq!(v.checkpoint.cosignatures.len(), 1);
    assert_eq!(v.checkpoint.unverified.len(), 1);
    let pq = &v.checkpoint.unverified[0];
    assert_eq!(pq.name(), "example.com/khronika-interop-pq-witness");
    assert_eq!(pq.bytes().len(), 8 + 2420);
    assert!(
        VerifierKey::parse(
            String::from_utf8(read("witness-mldsa.vkey"))
                .unwrap()
                .trim()
        )
        .is_err()
    );
    // Same tree as the other log: same proof lines.
    let a = TlogProof::parse(&bytes).unwrap();
    let b = TlogProof::parse(&read("scales/proof-7.tlog-proof")).unwrap();
    assert_eq!((a.index, &a.path), (b.index, &b.path));
}

fn golden_proof(name: &str, actual: &str) {
    let p = dir().join("khronika").join(name);
    if crate::write_mode() {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        #[allow(clippy::disallowed_methods)]
        std::fs::write(&p, actual).unwrap();
        return;
    }
    let golden = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(
        golden, actual,
        "testdata/tlog-proof/khronika/{name} changed"
    );
}

/// Proofs written by Khronika for a log with a Khronika origin, one with an `extra` line.
/// `generate.py check` verifies them with tlog-scales (see the report in generate.py).
#[test]
fn khronika_proofs_for_tlog_scales() {
    let origin =
        "khronika/vault/101112131415161718191a1b1c1d1e1f/device/202122232425262728292a2b2c2d2e2f";
    let es: Vec<Vec<u8>> = (0..21u8)
        .map(|i| format!("khronika entry {i}").into_bytes())
        .collect();
    let mut tree = MemTree::new();
    for e in &es {
        tree.push(leaf_hash(e));
    }
    let lk = seed_key("khronika tlog-proof golden: device key");
    let wk = seed_key("khronika tlog-proof golden: witness key");
    let log = Ed25519Signer::new(origin, &lk).unwrap();
    let witness =
        CosignatureV1Signer::new("mirror.example.org/witness", &wk, 1_795_000_000).unwrap();
    let hexes: String = es.iter().map(|e| format!("{}\n", crate::hex(e))).collect();
    golden_proof("entries.hex", &hexes);
    golden_proof("log.vkey", &format!("{}\n", log.verifier_key()));
    golden_proof("witness.vkey", &format!("{}\n", witness.verifier_key()));
    let note = CheckpointText::new(origin, tree.size(), tree.root())
        .sign(&[&log, &witness])
        .unwrap();
    let pol = CheckpointPolicy::new(origin, log.verifier_key().clone())
        .with_witnesses([witness.verifier_key().clone()], 1);
    for (i, extra) in [
        (5u64, None),
        (20, Some(b"court package 2026-117, exhibit 4".to_vec())),
    ] {
        let proof = TlogProof {
            extra: extra.clone(),
            index: i,
            path: merkle::inclusion_proof(&tree, i, tree.size()).unwrap(),
            checkpoint: note.clone(),
        };
        let text = proof.encode();
        let name = if extra.is_some() {
            format!("proof-{i}-extra.tlog-proof")
        } else {
            format!("proof-{i}.tlog-proof")
        };
        golden_proof(&name, &text);
        let v = tlog_proof::verify(text.as_bytes(), &leaf_hash(&es[i as usize]), &pol).unwrap();
        assert_eq!(v.extra, extra);
        assert_eq!(TlogProof::parse(text.as_bytes()).unwrap(), proof);
    }
}

#[test]
fn malformed_proofs_are_refused_with_a_reason() {
    let good = String::from_utf8(read("scales/proof-7.tlog-proof")).unwrap();
    let (head, cp) = good.split_once("\n\n").unwrap();
    let lines: Vec<&str> = head.lines().collect();
    let hashes = lines[2..].join("\n");
    let leaf = leaf_hash(&entries("entries.hex")[7]);
    let malformed = |t: &str| match TlogProof::parse(t.as_bytes()) {
        Err(ProofError::Malformed(why)) => why,
        other => panic!("{t:?}: {other:?}"),
    };
    assert_eq!(HEADER, lines[0]);
    malformed(&good.replacen("@v1", "@v2", 1));
    malformed(&format!("{HEADER}\r\nindex 7\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\nindex 07\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\nindex -1\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\nindex \n{hashes}\n\n{cp}"));
    malformed(&format!(
        "{HEADER}\nindex 18446744073709551616\n{hashes}\n\n{cp}"
    ));
    malformed(&format!("{HEADER}\nindex  7\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\nextra \nindex 7\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\nextra !!\nindex 7\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\nindex 7\nextra AA==\n{hashes}\n\n{cp}"));
    malformed(&format!("{HEADER}\nindex 7\n{hashes}\nAAAA\n\n{cp}"));
    malformed(&format!("{HEADER}\nindex 7\n{hashes} \n\n{cp}"));
    malformed(&format!("{HEADER}\nindex 7\n{hashes}"));
    let many = format!("{}\n", lines[2]).repeat(65);
    malformed(&format!("{HEADER}\nindex 7\n{many}\n{cp}"));
    assert!(matches!(
        TlogProof::parse(format!("{HEADER}\nindex 7\n{hashes}\n\n").as_bytes()),
        Err(ProofError::Checkpoint(NoteError::Malformed(_)))
    ));
    assert!(matches!(
        TlogProof::parse(&[b"\xff".as_slice(), good.as_bytes()].concat()),
        Err(ProofError::Malformed(_))
    ));
    // Well-formed, but wrong: index beyond the tree, missing or extra proof hashes.
    let p = |t: String| tlog_proof::verify(t.as_bytes(), &leaf, &policy());
    assert!(matches!(
        p(format!("{HEADER}\nindex 13\n{hashes}\n\n{cp}")),
        Err(ProofError::Inclusion(merkle::ProofError::IndexOutOfRange {
            index: 13,
            size: 13
        }))
    ));
    let fewer = lines[2..5].join("\n");
    assert!(matches!(
        p(format!("{HEADER}\nindex 7\n{fewer}\n\n{cp}")),
        Err(ProofError::Inclusion(merkle::ProofError::WrongLength {
            got: 3,
            want: 4
        }))
    ));
    assert!(matches!(
        p(format!("{HEADER}\nindex 7\n{hashes}\n{}\n\n{cp}", lines[2])),
        Err(ProofError::Inclusion(merkle::ProofError::WrongLength {
            got: 5,
            want: 4
        }))
    ));
    // The checkpoint must satisfy the policy: origin, log key, witnesses.
    let other_origin = CheckpointPolicy::new("example.com/other", vkey("log.vkey"));
    assert!(matches!(
        tlog_proof::verify(good.as_bytes(), &leaf, &other_origin),
        Err(ProofError::Checkpoint(NoteError::WrongOrigin { .. }))
    ));
    let two_witnesses = CheckpointPolicy::new(ORIGIN, vkey("log.vkey")).with_witnesses(
        [
            vkey("witness.vkey"),
            VerifierKey::cosignature_v1("example.com/absent", seed_key("absent").public()).unwrap(),
        ],
        2,
    );
    assert!(matches!(
        tlog_proof::verify(good.as_bytes(), &leaf, &two_witnesses),
        Err(ProofError::Checkpoint(NoteError::NotEnoughCosignatures {
            got: 1,
            need: 2
        }))
    ));
    // Errors say what is wrong.
    let e = tlog_proof::verify(good.as_bytes(), &leaf_hash(b"x"), &policy()).unwrap_err();
    assert!(e.to_string().contains("different root"), "{e}");
    assert_eq!(vkey("witness.vkey").kind(), KeyKind::CosignatureV1);
}
