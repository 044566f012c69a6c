//! The entry vector: entry 2 of the fixture log, an evidence entry that lists one pack, has
//! two salted commitments and a sealed payload, signed by the device key (Ed25519 is
//! deterministic, so the signature is pinned too).
//!
//! The golden bytes are decoded with `Entry::decode` and by hand at the documented offsets;
//! the signature is checked over `"khronika entry v1\0" || bytes before the signature`, the
//! commitments are recomputed from their salts, and the payload is opened.

use khronika_crypto::aead;
use khronika_crypto::hash::sha256;
use khronika_store::entry::{Entry, MAX_ENTRY_LEN, entry_kind, object_kind, payload_id};
use khronika_store::keys::{commitment, kind};

use crate::fixtures::{self, EPOCH};
use crate::{be, golden_hex, golden_text, hex};

#[test]
fn evidence_entry() {
    let [e0, e1, e2] = fixtures::entries();
    let golden = golden_hex(
        "entry.hex",
        "Log entry 2 of the fixture log (tests/it/fixtures.rs): an evidence entry listing\n\
         the pack of pack.hex, with two commitments and a sealed payload (seed 3).",
        e2.bytes(),
    );
    let key = fixtures::device_key().public();

    // Through the decoder.
    let d = Entry::decode(&golden).unwrap();
    assert_eq!(d, e2);
    d.verify_signature(&key).unwrap();
    let b = &d.body;
    assert_eq!(b.kind, entry_kind::EVIDENCE_ADD);
    assert_eq!(b.vault, fixtures::vault());
    assert_eq!(b.device, fixtures::device());
    assert_eq!(b.index, 2);
    assert_eq!(b.prev, e1.hash());
    assert_ne!(b.prev, e0.hash());
    assert_eq!(b.compartment, fixtures::compartment());
    assert_eq!(b.epoch, EPOCH);
    assert_eq!(b.objects.len(), 1);
    assert_eq!(b.objects[0].kind, object_kind::PACK);
    assert_eq!(b.objects[0].hash, fixtures::pack().hash);
    assert_eq!(d.hash(), sha256(&golden));

    // By hand, at the documented offsets.
    assert_eq!(golden[0], 1, "version");
    assert_eq!(golden[1], 3, "kind");
    assert_eq!(&golden[2..18], &fixtures::vault().0);
    assert_eq!(&golden[18..34], &fixtures::device().0);
    assert_eq!(be(&golden, 34, 8), 2);
    assert_eq!(&golden[42..74], &e1.hash());
    assert_eq!(&golden[74..90], &fixtures::compartment().0);
    assert_eq!(be(&golden, 90, 4), u64::from(EPOCH));
    let n_obj = be(&golden, 94, 2) as usize;
    let mut at = 96;
    let mut text = String::from("# The entry in entry.hex, decoded (tests/it/entry.rs).\n");
    text.push_str(&format!(
        "version {} kind {} vault {} device {} index {}\nprev {}\ncompartment {} epoch {}\n",
        golden[0],
        golden[1],
        hex(&golden[2..18]),
        hex(&golden[18..34]),
        be(&golden, 34, 8),
        hex(&golden[42..74]),
        hex(&golden[74..90]),
        be(&golden, 90, 4),
    ));
    for _ in 0..n_obj {
        text.push_str(&format!(
            "object kind {} sha256 {}\n",
            golden[at],
            hex(&golden[at + 1..at + 33])
        ));
        at += 33;
    }
    let n_com = golden[at] as usize;
    at += 1;
    let salts = fixtures::salts();
    let values = fixtures::committed_values();
    assert_eq!(n_com, 2);
    for i in 0..n_com {
        let (f, c) = (golden[at], &golden[at + 1..at + 33]);
        assert_eq!(f, values[i].0);
        assert_eq!(c, commitment(f, &salts[i], &values[i].1));
        text.push_str(&format!(
            "commitment field {f} {} (salt {}, value {:?})\n",
            hex(c),
            hex(&salts[i]),
            std::str::from_utf8(&values[i].1).unwrap()
        ));
        at += 33;
    }
    let plen = be(&golden, at, 2) as usize;
    at += 2;
    let payload = &golden[at..at + plen];
    at += plen;
    assert_eq!(at + 64, golden.len(), "the signature ends the entry");
    assert!(golden.len() <= MAX_ENTRY_LEN);
    let mut msg = b"khronika entry v1\x00".to_vec();
    msg.extend_from_slice(&golden[..at]);
    key.verify(&msg, &golden[at..].try_into().unwrap()).unwrap();

    // The payload opens with the payload key and AD (kind 5, payload id).
    let k = fixtures::keys();
    let pid = payload_id(&fixtures::vault(), &fixtures::device(), 2);
    let plain = aead::open(k.payload_key(), &k.ad(kind::ENTRY_PAYLOAD, pid), payload).unwrap();
    assert_eq!(&plain[..], &fixtures::evidence_plaintext()[..]);
    assert_eq!(plain.len() % 256, 0);
    // … and only at its own position: the same bytes at index 3 do not open.
    let elsewhere = payload_id(&fixtures::vault(), &fixtures::device(), 3);
    assert!(
        aead::open(
            k.payload_key(),
            &k.ad(kind::ENTRY_PAYLOAD, elsewhere),
            payload
        )
        .is_err()
    );
    text.push_str(&format!(
        "payload {plen} bytes: nonce {}, {} bytes of ciphertext, tag; payload id {}\n\
         signature {}\nentry length {}, SHA-256 {}\n",
        hex(&payload[..24]),
        plen - 40,
        hex(&pid),
        hex(&golden[at..]),
        golden.len(),
        hex(&sha256(&golden)),
    ));
    golden_text("entry.txt", &text);

    // Tampering with any byte of the golden entry is caught by decoding or the signature.
    for i in 0..golden.len() {
        let mut t = golden.clone();
        t[i] ^= 0x01;
        let ok = Entry::decode(&t).is_ok_and(|e| e.verify_signature(&key).is_ok());
        assert!(!ok, "byte {i}");
    }
}
