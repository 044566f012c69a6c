//! The key hierarchy in use: the recovery key opens every key epoch; epochs are wrapped only
//! to the member and the recovery key; compartments do not share chunk identities.

use khronika_crypto::aead::AssociatedData;
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::wrap;
use khronika_crypto::{Key32, SeededEntropy};
use khronika_store::CompartmentId;
use khronika_store::entry::entry_kind;
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::payloads::{KeyEpoch, Recipient};

use crate::support::*;

#[test]
fn recovery_key_opens_every_epoch_and_only_it_and_the_member_are_recipients() {
    let fs = khronika_backends::SimFs::new();
    let (mut v, recovery) = khronika_app::vault::init(
        std::sync::Arc::new(fs.clone()),
        std::path::Path::new(ROOT),
        &pass(),
        Argon2Params::weak_for_tests(),
        &mut SeededEntropy::new(11),
    )
    .unwrap();
    let member = v.member();
    let epochs: Vec<_> = v
        .log_lines()
        .unwrap()
        .iter()
        .filter(|l| l.entry.body.kind == entry_kind::KEY_EPOCH)
        .cloned()
        .collect();
    assert_eq!(epochs.len(), 1);
    for l in epochs {
        let b = &l.entry.body;
        let ke = KeyEpoch::decode(&b.payload).unwrap();
        let recipients: Vec<Recipient> = ke.wraps.iter().map(|(r, _)| *r).collect();
        assert_eq!(
            recipients,
            vec![Recipient::Member(member), Recipient::Recovery]
        );
        let (r, w) = ke
            .wraps
            .iter()
            .find(|(r, _)| *r == Recipient::Recovery)
            .unwrap();
        let ad = AssociatedData {
            kind: kind::EPOCH_WRAP,
            compartment: b.compartment.0,
            epoch: b.epoch,
            id: r.ad_id(),
        }
        .encode();
        let secret = wrap::unwrap(w, &recovery.wrap_secret(), &ad)
            .expect("the recovery key opens the epoch");
        // The epoch's payload key opens the sealed compartment name.
        let keys = EpochKeys::derive(b.compartment, b.epoch, &secret);
        let name = khronika_crypto::aead::open(
            keys.payload_key(),
            &keys.ad(kind::COMPARTMENT_INFO, [0; 32]),
            &ke.sealed_info,
        )
        .unwrap();
        assert_eq!(
            khronika_store::payloads::info_name(&name).unwrap(),
            "default"
        );
        // Another recovery key does not.
        let other = wrap::RecoveryKey::generate(&mut SeededEntropy::new(12)).unwrap();
        assert!(wrap::unwrap(w, &other.wrap_secret(), &ad).is_err());
    }
}

#[test]
fn chunk_identities_never_cross_compartments() {
    let secret = Key32::from_bytes([9; 32]);
    let a = EpochKeys::derive(CompartmentId([1; 16]), 0, &Key32::from_bytes([1; 32]));
    let b = EpochKeys::derive(CompartmentId([2; 16]), 0, &Key32::from_bytes([2; 32]));
    let a_next_epoch = EpochKeys::derive(CompartmentId([1; 16]), 1, &secret);
    let chunk = b"the same photo, in two cases";
    let ids = [
        a.blob_id(kind::CHUNK, chunk),
        b.blob_id(kind::CHUNK, chunk),
        a_next_epoch.blob_id(kind::CHUNK, chunk),
    ];
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    assert_eq!(
        a.blob_id(kind::CHUNK, chunk),
        ids[0],
        "deterministic within a compartment and epoch"
    );
    assert_ne!(
        a.blob_id(kind::CHUNK, chunk),
        a.blob_id(kind::MANIFEST, chunk),
        "kinds are separated"
    );
}

#[test]
fn equal_files_share_chunks_within_a_compartment() {
    let fs = new_vault();
    let mut v = unlock(&fs).unwrap();
    let data = bytes(5, 3_000_000);
    let first = v.add(vec![source("one.mp4", &data)], &mut |_| {}).unwrap();
    let second = v.add(vec![source("two.mp4", &data)], &mut |_| {}).unwrap();
    assert_eq!(first[0].new_bytes, 3_000_000);
    assert_eq!(second[0].new_bytes, 0, "a second copy stores no new chunks");
    assert_ne!(
        first[0].id, second[0].id,
        "each add is its own evidence item"
    );
    assert_eq!(cat(&mut v, &second[0].id), data);
}
