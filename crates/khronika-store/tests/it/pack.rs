//! The pack vector: three blobs (two chunks and a manifest) sealed into one pack with seed 1.
//!
//! Pins the public header, the sealed locator, the sealed blobs, the sealed index with its
//! records and its zero padding, and the Padmé total length. The golden bytes are then read
//! twice: by hand, following `docs/FORMATS.md` with nothing but `aead::open` and the
//! documented associated data, and through `pack::read_index` and `pack::open_blob`.

use khronika_crypto::aead::{self, AssociatedData, OVERHEAD};
use khronika_crypto::hash::sha256;
use khronika_store::keys::kind;
use khronika_store::pack::{self, BLOBS_START, HEADER_LEN, INDEX_RECORD_LEN, IndexRecord};
use khronika_store::pad::padme;
use khronika_store::{Backend, MemBackend, ObjectPath, Stored};

use crate::fixtures::{self, EPOCH};
use crate::{be, golden_hex, golden_text, hex};

fn ad(kind: u8, id: [u8; 32]) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind,
        compartment: fixtures::compartment().0,
        epoch: EPOCH,
        id,
    }
    .encode()
}

/// Decode a pack by hand, following the document; returns a description and the records.
fn decode_by_hand(b: &[u8]) -> (String, Vec<IndexRecord>) {
    let k = fixtures::keys();
    let dk = k.data_key();
    let mut out = String::new();
    assert_eq!(&b[0..8], b"KHRNPACK");
    assert_eq!(b[8], 1, "version");
    assert_eq!(&b[9..12], &[0, 0, 0], "reserved");
    let epoch = be(b, 12, 4) as u32;
    assert_eq!(epoch, EPOCH);
    assert_eq!(&b[16..32], &fixtures::compartment().0);
    out.push_str(&format!(
        "header: magic KHRNPACK, version {}, epoch {epoch}, compartment {}\n",
        b[8],
        hex(&b[16..32])
    ));
    // Locator: bytes 32..88, sealed with kind 4 and id zero.
    let loc = aead::open(dk, &ad(kind::PACK_LOCATOR, [0; 32]), &b[32..88]).unwrap();
    assert_eq!(loc.len(), 16);
    let (off, len) = (be(&loc, 0, 8) as usize, be(&loc, 8, 8) as usize);
    assert_eq!(off + len, b.len(), "the index ends the pack");
    out.push_str(&format!(
        "locator (bytes 32..88, nonce {}): index at {off}, sealed length {len}\n",
        hex(&b[32..56])
    ));
    // Index: sealed with kind 3 and id zero.
    let index = aead::open(dk, &ad(kind::PACK_INDEX, [0; 32]), &b[off..]).unwrap();
    let n = be(&index, 0, 4) as usize;
    let records_end = 4 + n * INDEX_RECORD_LEN;
    let padding = &index[records_end..];
    assert!(padding.iter().all(|&x| x == 0), "zero padding");
    out.push_str(&format!(
        "index: {} bytes of plaintext: count {n}, {} bytes of records, {} zero bytes of padding\n",
        index.len(),
        n * INDEX_RECORD_LEN,
        padding.len()
    ));
    let unpadded = off + OVERHEAD + records_end;
    assert_eq!(padme(unpadded as u64), b.len() as u64);
    out.push_str(&format!(
        "length: {} = padme({unpadded}), {unpadded} = index offset + 40 + 4 + 46 x count\n",
        b.len()
    ));
    let mut recs = Vec::new();
    for i in 0..n {
        let r = &index[4 + i * INDEX_RECORD_LEN..4 + (i + 1) * INDEX_RECORD_LEN];
        let rec = IndexRecord {
            kind: r[0],
            codec: r[1],
            id: r[2..34].try_into().unwrap(),
            offset: be(r, 34, 4) as u32,
            sealed_len: be(r, 38, 4) as u32,
            plain_len: be(r, 42, 4) as u32,
        };
        // Each blob: nonce || ciphertext || tag at its offset, AD = (kind, blob id).
        let (o, l) = (rec.offset as usize, rec.sealed_len as usize);
        let plain = aead::open(dk, &ad(rec.kind, rec.id), &b[o..o + l]).unwrap();
        assert_eq!(plain.len(), rec.plain_len as usize);
        assert_eq!(k.blob_id(rec.kind, &plain), rec.id, "id = keyed hash");
        out.push_str(&format!(
            "blob {i}: kind {} codec {} offset {o} sealed {l} plain {} id {}\n",
            rec.kind,
            rec.codec,
            rec.plain_len,
            hex(&rec.id)
        ));
        recs.push(rec);
    }
    // The blobs are contiguous from byte 88 up to the index.
    let mut at = BLOBS_START;
    for r in &recs {
        assert_eq!(r.offset as usize, at);
        at += r.sealed_len as usize;
    }
    assert_eq!(at, off);
    (out, recs)
}

#[test]
fn pack_of_three_blobs() {
    let k = fixtures::keys();
    let fin = fixtures::pack();
    let bytes = fin.stored.as_bytes();
    let golden = golden_hex(
        "pack.hex",
        "A pack: two chunks and a manifest, sealed with SeededEntropy seed 1\n\
         (tests/it/fixtures.rs). Named objects/<2 hex>/<SHA-256 of these bytes>.",
        bytes,
    );

    // The name, the length and the header.
    let name = sha256(&golden);
    assert_eq!(name, fin.hash);
    assert_eq!(golden.len() as u64, padme(golden.len() as u64));
    let header = pack::parse_header(&golden).unwrap();
    assert_eq!(header.compartment, fixtures::compartment());
    assert_eq!(header.epoch, EPOCH);
    assert_eq!((HEADER_LEN, BLOBS_START, OVERHEAD), (32, 88, 40));

    // By hand.
    let (text, by_hand) = decode_by_hand(&golden);
    assert_eq!(by_hand, fin.index);

    // Through the crate's reader, from a store holding only the golden bytes.
    let path = ObjectPath::object(&name);
    let be_ = MemBackend::new();
    be_.create(&path, &Stored::from_existing_object(golden.clone()))
        .unwrap();
    let idx = pack::read_index(&be_, &path, &k).unwrap();
    assert_eq!(idx, by_hand);
    let blobs = fixtures::blobs(&k);
    assert_eq!(idx.len(), 3);
    for (rec, (kd, plain)) in idx.iter().zip(&blobs) {
        assert_eq!(rec.kind, *kd);
        assert_eq!(rec.codec, pack::CODEC_STORED);
        assert_eq!(rec.id, k.blob_id(*kd, plain));
        assert_eq!(rec.plain_len as usize, plain.len());
        assert_eq!(rec.sealed_len as usize, plain.len() + OVERHEAD);
        let sealed = be_
            .read_range(&path, u64::from(rec.offset), rec.sealed_len as usize)
            .unwrap();
        assert_eq!(
            &pack::open_blob(&k, rec, &sealed, &path).unwrap()[..],
            &plain[..]
        );
    }
    // The manifest blob: size (u64 BE) then the chunk ids.
    let m = &blobs[2].1;
    assert_eq!(be(m, 0, 8), (blobs[0].1.len() + blobs[1].1.len()) as u64);
    assert_eq!(&m[8..40], &idx[0].id);
    assert_eq!(&m[40..72], &idx[1].id);

    let description = format!(
        "# The pack in pack.hex, decoded (tests/it/pack.rs).\n\
         path {path}\n{text}"
    );
    golden_text("pack.txt", &description);
}
