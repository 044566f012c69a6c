//! Vectors for the key schedule and the small constructions every format relies on: the
//! BLAKE3 `derive_key` subkeys of a compartment epoch, the associated data, blob ids,
//! field commitments and payload ids. Each value is also recomputed here straight from the
//! definition in `docs/FORMATS.md` (BLAKE3 and SHA-256 called directly), so the document is
//! pinned as well as the code.

use khronika_crypto::aead::{self, AssociatedData};
use khronika_crypto::hash::{Sha256Hasher, blake3};
use khronika_store::entry::payload_id;
use khronika_store::keys::{commitment, kind};

use crate::fixtures::{self, EPOCH, seq};
use crate::{golden_text, hex};

fn derive_key(context: &str, secret: &[u8; 32]) -> [u8; 32] {
    blake3::derive_key(context, secret)
}

#[test]
fn epoch_subkeys_blob_ids_ad_commitments_payload_ids() {
    let k = fixtures::keys();
    let secret = *fixtures::epoch_secret().expose();

    // Subkeys: BLAKE3 derive_key(context, epoch secret).
    let data = derive_key("khronika 2026-11 data v1", &secret);
    let chunk_id = derive_key("khronika 2026-11 chunk id v1", &secret);
    let payload = derive_key("khronika 2026-11 entry payload v1", &secret);
    assert_eq!(k.data_key().expose(), &data);
    assert_eq!(k.payload_key().expose(), &payload);

    // Blob id: keyed BLAKE3 (key = chunk-id subkey) over kind || plaintext.
    let blob = |kd: u8, p: &[u8]| {
        let mut m = vec![kd];
        m.extend_from_slice(p);
        *blake3::keyed_hash(&chunk_id, &m).as_bytes()
    };
    let chunk_abc = k.blob_id(kind::CHUNK, b"abc");
    let manifest_abc = k.blob_id(kind::MANIFEST, b"abc");
    let chunk_empty = k.blob_id(kind::CHUNK, b"");
    assert_eq!(chunk_abc, blob(1, b"abc"));
    assert_eq!(manifest_abc, blob(2, b"abc"));
    assert_eq!(chunk_empty, blob(1, b""));
    assert_ne!(chunk_abc, manifest_abc, "the kind is part of the id");

    // Associated data: "KHRONIKA" || 1 || kind || compartment || epoch BE || id.
    let id: [u8; 32] = seq(0xa0);
    let ad = k.ad(kind::CHUNK, id);
    let mut want = b"KHRONIKA".to_vec();
    want.extend([aead::AD_VERSION, kind::CHUNK]);
    want.extend(fixtures::compartment().0);
    want.extend([0, 0, 1, 2]);
    want.extend(id);
    assert_eq!(ad.to_vec(), want);
    assert_eq!(
        ad,
        AssociatedData {
            kind: 1,
            compartment: fixtures::compartment().0,
            epoch: EPOCH,
            id
        }
        .encode()
    );

    // Commitment: SHA-256("khronika commitment v1\0" || field || salt || value).
    let salt: [u8; 32] = seq(0xc0);
    let c = commitment(2, &salt, b"235");
    let mut h = Sha256Hasher::new();
    h.update(b"khronika commitment v1\x00\x02");
    h.update(&salt);
    h.update(b"235");
    assert_eq!(c, h.finalize());

    // Payload id: SHA-256("khronika payload id v1\0" || vault || device || index u64 BE).
    let pid = payload_id(&fixtures::vault(), &fixtures::device(), 2);
    let mut h = Sha256Hasher::new();
    h.update(b"khronika payload id v1\x00");
    h.update(&fixtures::vault().0);
    h.update(&fixtures::device().0);
    h.update(&[0, 0, 0, 0, 0, 0, 0, 2]);
    assert_eq!(pid, h.finalize());

    let text = format!(
        "# Compartment epoch keys and small constructions (tests/it/keys.rs).\n\
         epoch secret                        {}\n\
         compartment                         {}\n\
         epoch                               {EPOCH}\n\
         data key (\"khronika 2026-11 data v1\")           {}\n\
         chunk-id key (\"khronika 2026-11 chunk id v1\")   {}\n\
         payload key (\"khronika 2026-11 entry payload v1\") {}\n\
         blob id (chunk, \"abc\")              {}\n\
         blob id (manifest, \"abc\")           {}\n\
         blob id (chunk, empty)              {}\n\
         AD (chunk, id a0a1…bf)              {}\n\
         commitment (field 2, salt c0c1…df, \"235\") {}\n\
         payload id (vault, device, index 2) {}\n",
        hex(&secret),
        hex(&fixtures::compartment().0),
        hex(&data),
        hex(&chunk_id),
        hex(&payload),
        hex(&chunk_abc),
        hex(&manifest_abc),
        hex(&chunk_empty),
        hex(&ad),
        hex(&c),
        hex(&pid),
    );
    golden_text("keys.txt", &text);
}
