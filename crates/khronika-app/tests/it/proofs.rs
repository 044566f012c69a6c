//! Proofs with selective disclosure: a package from `prove` verifies offline with only the
//! verifier key, reveals none of the undisclosed fields, and fails if any byte changes.

use khronika_app::proof::verify_package;

use crate::support::*;

const SECRET_NAME: &str = "показания-свидетеля-Х.txt";

fn package() -> (khronika_app::proof::ProofPackage, String) {
    let fs = new_vault();
    let mut v = unlock(&fs).unwrap();
    v.add(vec![source("first.jpg", &bytes(9, 5000))], &mut |_| {})
        .unwrap();
    let added = v
        .add(
            vec![source(
                SECRET_NAME,
                b"the witness saw the unit arrive at 04:10",
            )],
            &mut |_| {},
        )
        .unwrap();
    v.add(vec![source("later.pdf", b"%PDF-1.4 later")], &mut |_| {})
        .unwrap();
    let member = v.member().to_hex();
    (
        v.prove(&added[0].id, &khronika_app::disclosure::DEFAULT_FIELDS)
            .unwrap(),
        member,
    )
}

#[test]
fn a_proof_verifies_offline_and_discloses_only_what_was_chosen() {
    let (p, member) = package();
    let v = verify_package(
        p.tlog_proof.as_bytes(),
        &p.leaf,
        &p.disclosure,
        &p.vkey,
        &[],
    )
    .unwrap();
    let fields: Vec<&str> = v.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(fields, ["media_type", "sha256", "size", "time"]);
    assert_eq!(v.index, 3, "entries 0 and 1 are the genesis and key epoch");
    assert!(v.size >= 4);
    for (name, bytes) in p.files() {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(SECRET_NAME) && !text.contains("witness saw"),
            "{name} reveals the name or content"
        );
        assert!(!text.contains(&member), "{name} reveals who collected it");
    }
}

#[test]
fn any_changed_byte_of_proof_checkpoint_leaf_or_disclosure_fails() {
    let (p, _) = package();
    let proof = p.tlog_proof.as_bytes().to_vec();
    let mut checked = 0;
    for i in 0..proof.len() {
        let mut b = proof.clone();
        b[i] ^= 0x01;
        assert!(
            verify_package(&b, &p.leaf, &p.disclosure, &p.vkey, &[]).is_err(),
            "proof byte {i} ({:?})",
            proof[i] as char
        );
        checked += 1;
    }
    for i in 0..p.leaf.len() {
        let mut b = p.leaf.clone();
        b[i] ^= 0x01;
        assert!(
            verify_package(&proof, &b, &p.disclosure, &p.vkey, &[]).is_err(),
            "leaf byte {i}"
        );
        checked += 1;
    }
    for i in 0..p.disclosure.len() {
        for bit in [0x01u8, 0x20] {
            let mut b = p.disclosure.clone();
            b[i] ^= bit;
            assert!(
                verify_package(&proof, &p.leaf, &b, &p.vkey, &[]).is_err(),
                "disclosure byte {i} xor {bit:#x}"
            );
            checked += 1;
        }
    }
    assert!(checked > 1500, "{checked}");
    // Another key does not vouch for it.
    let stranger =
        khronika_crypto::sign::SigningKey::from_seed(&khronika_crypto::Key32::from_bytes([7; 32]));
    let origin = p.vkey.split('+').next().unwrap();
    let other = khronika_store::log::verifier_key(origin, &stranger.public());
    assert!(verify_package(&proof, &p.leaf, &p.disclosure, &other, &[]).is_err());
}
