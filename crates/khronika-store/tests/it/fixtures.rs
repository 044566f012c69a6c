//! The fixed inputs every vector is built from, and the one small vault they form together:
//! a pack of three blobs and a device log of three entries (device genesis, key epoch,
//! evidence add) that lists the pack.
//!
//! Ids and keys are counting byte patterns so that they are easy to find in a hex dump; the
//! key epoch is 258 (`00000102`) so that byte order shows. Each object that needs randomness
//! has its own `SeededEntropy` seed, so changing one vector does not change the others.

use khronika_crypto::aead::{self, AssociatedData};
use khronika_crypto::hash::{sha256, to_hex};
use khronika_crypto::kdf::derive;
use khronika_crypto::sign::SigningKey;
use khronika_crypto::wrap::{self, WrapSecret};
use khronika_crypto::{Entropy, Key32, SeededEntropy};
use khronika_store::entry::{Entry, EntryBody, ObjectRef, entry_kind, object_kind, payload_id};
use khronika_store::keys::{EpochKeys, commitment, kind};
use khronika_store::pack::{FinishedPack, PackBuilder};
use khronika_store::payloads::{Genesis, KeyEpoch, Recipient};
use khronika_store::{CompartmentId, DeviceId, MemberId, VaultId};

/// `start, start + 1, …`: an easily recognised byte pattern.
pub fn seq<const N: usize>(start: u8) -> [u8; N] {
    std::array::from_fn(|i| start.wrapping_add(i as u8))
}

pub fn vault() -> VaultId {
    VaultId(seq(0x10))
}
pub fn device() -> DeviceId {
    DeviceId(seq(0x20))
}
pub fn member() -> MemberId {
    MemberId(seq(0x30))
}
pub fn compartment() -> CompartmentId {
    CompartmentId(seq(0x40))
}
/// The key epoch of the vectors: 258, so that its big-endian bytes are `00 00 01 02`.
pub const EPOCH: u32 = 0x0000_0102;

/// The compartment's secret at [`EPOCH`].
pub fn epoch_secret() -> Key32 {
    Key32::from_bytes(seq(0x50))
}
pub fn keys() -> EpochKeys {
    EpochKeys::derive(compartment(), EPOCH, &epoch_secret())
}
/// The device's log-signing key (its RFC 8032 seed).
pub fn device_key() -> SigningKey {
    SigningKey::from_seed(&Key32::from_bytes(seq(0x60)))
}
/// The member's secret, from which `khronika-app` derives their signing and wrapping keys.
pub fn member_secret() -> Key32 {
    Key32::from_bytes(seq(0x70))
}
pub fn member_sign() -> SigningKey {
    SigningKey::from_seed(&derive(
        "khronika 2026-11 member signing v1",
        &member_secret(),
    ))
}
pub fn member_wrap() -> WrapSecret {
    WrapSecret::from_seed(&derive("khronika 2026-11 member wrap v1", &member_secret()))
}
/// The recovery key's secret (what `KR1-…` encodes).
pub fn recovery() -> WrapSecret {
    WrapSecret::from_seed(&Key32::from_bytes(seq(0x80)))
}
/// 2026-11-23T07:26:42.123Z.
pub const TIME_MS: i64 = 1_795_418_802_123;
/// The compartment's name, sealed in the key-epoch entry.
pub const COMPARTMENT_NAME: &str = "Дело 17 / Case 17";

pub const SEED_PACK: u64 = 1;
pub const SEED_KEY_EPOCH: u64 = 2;
pub const SEED_PAYLOAD: u64 = 3;
pub const SEED_SALTS: u64 = 4;

/// The plaintext of the evidence entry's payload (the app's is JSON; any bytes do here),
/// padded with spaces to a multiple of 256 bytes as the app pads.
pub fn evidence_plaintext() -> Vec<u8> {
    let mut p = br#"{"v":1,"vector":"khronika-store evidence payload"}"#.to_vec();
    p.resize(p.len().div_ceil(256) * 256, b' ');
    p
}

/// The blobs of the pack, in order: two chunks and the manifest of a file made of them.
pub fn blobs(keys: &EpochKeys) -> Vec<(u8, Vec<u8>)> {
    let c1 = b"Khronika format vector: chunk one.\n".to_vec();
    let c2: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
    let mut manifest = ((c1.len() + c2.len()) as u64).to_be_bytes().to_vec();
    manifest.extend_from_slice(&keys.blob_id(kind::CHUNK, &c1));
    manifest.extend_from_slice(&keys.blob_id(kind::CHUNK, &c2));
    vec![
        (kind::CHUNK, c1),
        (kind::CHUNK, c2),
        (kind::MANIFEST, manifest),
    ]
}

/// The pack of [`blobs`], sealed with seed [`SEED_PACK`].
pub fn pack() -> FinishedPack {
    let k = keys();
    let mut rng = SeededEntropy::new(SEED_PACK);
    let mut b = PackBuilder::new(&k);
    for (kd, plain) in blobs(&k) {
        b.add(&k, kd, k.blob_id(kd, &plain), &plain, &mut rng)
            .unwrap();
    }
    b.finish(&k, &mut rng).unwrap()
}

pub fn genesis() -> Genesis {
    Genesis::new(
        &vault(),
        &device(),
        device_key().public(),
        member(),
        &member_sign(),
        member_wrap().public(),
        recovery().public(),
        TIME_MS,
    )
}

/// The associated data of an epoch wrap, as `khronika-app` builds it.
pub fn wrap_ad(r: &Recipient) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind: kind::EPOCH_WRAP,
        compartment: compartment().0,
        epoch: EPOCH,
        id: r.ad_id(),
    }
    .encode()
}

/// The key epoch: the secret wrapped to the member and to the recovery key, then the sealed
/// compartment name; randomness from seed [`SEED_KEY_EPOCH`] in that order.
pub fn key_epoch() -> KeyEpoch {
    let mut rng = SeededEntropy::new(SEED_KEY_EPOCH);
    let mut wraps = Vec::new();
    for (r, to) in [
        (Recipient::Member(member()), member_wrap().public()),
        (Recipient::Recovery, recovery().public()),
    ] {
        wraps.push((
            r,
            wrap::wrap(&epoch_secret(), &to, &wrap_ad(&r), &mut rng).unwrap(),
        ));
    }
    let k = keys();
    let sealed_info = aead::seal(
        k.payload_key(),
        &k.ad(kind::COMPARTMENT_INFO, [0; 32]),
        &khronika_store::payloads::info_plaintext(COMPARTMENT_NAME),
        &mut rng,
    )
    .unwrap();
    KeyEpoch { wraps, sealed_info }
}

/// The salts of the evidence entry's two commitments (seed [`SEED_SALTS`]).
pub fn salts() -> [[u8; 32]; 2] {
    let mut rng = SeededEntropy::new(SEED_SALTS);
    [rng.bytes32().unwrap(), rng.bytes32().unwrap()]
}

/// The committed values: field 1 (SHA-256 of the file, hex) and field 2 (size, decimal).
pub fn committed_values() -> [(u8, Vec<u8>); 2] {
    let k = keys();
    let b = blobs(&k);
    let mut file = b[0].1.clone();
    file.extend_from_slice(&b[1].1);
    [
        (1, to_hex(&sha256(&file)).into_bytes()),
        (2, file.len().to_string().into_bytes()),
    ]
}

/// The three entries of the device log, signed by [`device_key`].
pub fn entries() -> [Entry; 3] {
    let key = device_key();
    let k = keys();
    let e0 = EntryBody {
        kind: entry_kind::DEVICE_GENESIS,
        vault: vault(),
        device: device(),
        index: 0,
        prev: [0; 32],
        compartment: CompartmentId::NONE,
        epoch: 0,
        objects: vec![],
        commitments: vec![],
        payload: genesis().encode(),
    }
    .sign(&key)
    .unwrap();
    let e1 = EntryBody {
        kind: entry_kind::KEY_EPOCH,
        vault: vault(),
        device: device(),
        index: 1,
        prev: e0.hash(),
        compartment: compartment(),
        epoch: EPOCH,
        objects: vec![],
        commitments: vec![],
        payload: key_epoch().encode().unwrap(),
    }
    .sign(&key)
    .unwrap();
    let salts = salts();
    let commitments = committed_values()
        .iter()
        .zip(&salts)
        .map(|((f, v), s)| (*f, commitment(*f, s, v)))
        .collect();
    let sealed = aead::seal(
        k.payload_key(),
        &k.ad(kind::ENTRY_PAYLOAD, payload_id(&vault(), &device(), 2)),
        &evidence_plaintext(),
        &mut SeededEntropy::new(SEED_PAYLOAD),
    )
    .unwrap();
    let e2 = EntryBody {
        kind: entry_kind::EVIDENCE_ADD,
        vault: vault(),
        device: device(),
        index: 2,
        prev: e1.hash(),
        compartment: compartment(),
        epoch: EPOCH,
        objects: vec![ObjectRef {
            kind: object_kind::PACK,
            hash: pack().hash,
        }],
        commitments,
        payload: sealed,
    }
    .sign(&key)
    .unwrap();
    [e0, e1, e2]
}
