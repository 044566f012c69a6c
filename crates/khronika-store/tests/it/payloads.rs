//! Vectors for the public payloads that bootstrap a device log: the device genesis (216
//! bytes: keys, member, time and the member's grant) and a key epoch (the epoch secret
//! wrapped to a member and to the recovery key, then the sealed compartment name).
//!
//! The golden bytes are decoded with `Genesis::decode` / `KeyEpoch::decode` and by hand, the
//! grant is verified against the documented message, and both wraps are unwrapped.

use khronika_crypto::aead;
use khronika_crypto::sign::PublicKey;
use khronika_crypto::wrap::{self, WRAPPED_LEN};
use khronika_store::keys::kind;
use khronika_store::payloads::{GENESIS_LEN, Genesis, KeyEpoch, Recipient};
use khronika_store::{MemberId, VaultId};

use crate::fixtures::{self, COMPARTMENT_NAME, TIME_MS};
use crate::{be, golden_hex, golden_text, hex};

#[test]
fn device_genesis_payload() {
    let g = fixtures::genesis();
    let golden = golden_hex(
        "genesis.hex",
        "A device-genesis payload (tests/it/fixtures.rs): device key, member id, member\n\
         signing key, member wrapping key, recovery key, time (ms, i64 BE), grant.",
        &g.encode(),
    );
    assert_eq!(golden.len(), GENESIS_LEN);
    assert_eq!(GENESIS_LEN, 216);

    let d = Genesis::decode(&golden, &fixtures::vault(), &fixtures::device()).unwrap();
    assert_eq!(d, g);
    assert_eq!(d.device_key, fixtures::device_key().public());
    assert_eq!(d.member, fixtures::member());
    assert_eq!(d.member_sign, fixtures::member_sign().public());
    assert_eq!(d.member_wrap, fixtures::member_wrap().public());
    assert_eq!(d.recovery, fixtures::recovery().public());
    assert_eq!(d.time_ms, TIME_MS);
    // The grant is bound to the vault and device: elsewhere it does not verify.
    assert!(Genesis::decode(&golden, &VaultId([0; 16]), &fixtures::device()).is_err());

    // By hand: offsets, and the grant over the documented message.
    assert_eq!(&golden[0..32], &fixtures::device_key().public().0);
    assert_eq!(&golden[32..48], &fixtures::member().0);
    assert_eq!(be(&golden, 144, 8) as i64, TIME_MS);
    let mut msg = b"khronika device grant v1\x00".to_vec();
    msg.extend_from_slice(&fixtures::vault().0);
    msg.extend_from_slice(&fixtures::device().0);
    // device key, member, member sign, member wrap, recovery wrap, time: bytes 0..152 in order.
    msg.extend_from_slice(&golden[0..152]);
    let member_sign = PublicKey(golden[48..80].try_into().unwrap());
    member_sign
        .verify(&msg, &golden[152..216].try_into().unwrap())
        .unwrap();

    golden_text(
        "genesis.txt",
        &format!(
            "# The payload in genesis.hex, decoded (tests/it/payloads.rs).\n\
             device key     {}\n\
             member         {}\n\
             member sign    {}\n\
             member wrap    {}\n\
             recovery wrap  {}\n\
             time ms        {}\n\
             grant          {}\n\
             grant message  {}\n",
            hex(&d.device_key.0),
            d.member,
            hex(&d.member_sign.0),
            hex(&d.member_wrap.0),
            hex(&d.recovery.0),
            d.time_ms,
            hex(&d.grant),
            hex(&msg),
        ),
    );
}

#[test]
fn key_epoch_payload() {
    let ke = fixtures::key_epoch();
    let golden = golden_hex(
        "key-epoch.hex",
        "A key-epoch payload (tests/it/fixtures.rs, seed 2): the epoch secret wrapped to a\n\
         member and to the recovery key, then the sealed compartment name.",
        &ke.encode().unwrap(),
    );
    let d = KeyEpoch::decode(&golden).unwrap();
    assert_eq!(d, ke);
    assert_eq!(d.wraps.len(), 2);
    assert_eq!(d.wraps[0].0, Recipient::Member(fixtures::member()));
    assert_eq!(d.wraps[1].0, Recipient::Recovery);

    // Each wrap opens with its recipient's X25519 secret and the documented AD.
    let secrets = [fixtures::member_wrap(), fixtures::recovery()];
    let mut text =
        String::from("# The payload in key-epoch.hex, decoded (tests/it/payloads.rs).\n");
    text.push_str(&format!("wraps {}\n", golden[0]));
    for (i, ((r, w), s)) in d.wraps.iter().zip(&secrets).enumerate() {
        let ad = fixtures::wrap_ad(r);
        let got = wrap::unwrap(w, s, &ad).unwrap();
        assert_eq!(got, fixtures::epoch_secret());
        // A wrap moved to another recipient's AD does not open.
        let other = if i == 0 {
            Recipient::Recovery
        } else {
            Recipient::Member(MemberId([0; 16]))
        };
        assert!(wrap::unwrap(w, s, &fixtures::wrap_ad(&other)).is_err());
        // By hand: recipient kind (1), id (16), wrap (104).
        let rec = &golden[1 + i * (17 + WRAPPED_LEN)..1 + (i + 1) * (17 + WRAPPED_LEN)];
        assert_eq!(rec[0], if i == 0 { 1 } else { 2 });
        assert_eq!(&rec[17..], &w[..]);
        text.push_str(&format!(
            "wrap {i}: recipient kind {} id {}\n  ephemeral {}\n  nonce {}\n  sealed key+tag {}\n  ad {}\n",
            rec[0],
            hex(&rec[1..17]),
            hex(&w[..32]),
            hex(&w[32..56]),
            hex(&w[56..]),
            hex(&ad),
        ));
    }
    let at = 1 + 2 * (17 + WRAPPED_LEN);
    let info_len = be(&golden, at, 2) as usize;
    assert_eq!(at + 2 + info_len, golden.len());
    let k = fixtures::keys();
    let name = aead::open(
        k.payload_key(),
        &k.ad(kind::COMPARTMENT_INFO, [0; 32]),
        &golden[at + 2..],
    )
    .unwrap();
    // The name, zero-padded to a multiple of 64 bytes.
    assert_eq!(name.len() % 64, 0);
    assert_eq!(&name[..COMPARTMENT_NAME.len()], COMPARTMENT_NAME.as_bytes());
    assert!(name[COMPARTMENT_NAME.len()..].iter().all(|&b| b == 0));
    let plain_name = khronika_store::payloads::info_name(&name).unwrap();
    assert_eq!(plain_name, COMPARTMENT_NAME);
    text.push_str(&format!(
        "info: {info_len} bytes sealed (kind 9, id zero, payload key) = {plain_name:?}, padded to {} bytes\n",
        name.len()
    ));
    golden_text("key-epoch.txt", &text);
}
