//! Log entries: signed, hash-chained records with a public header and a sealed payload.
//!
//! ```text
//! field          size       meaning
//! version        1          entry format version (1)
//! kind           1          1 device genesis, 2 key epoch, 3 evidence added, 4 device revoked,
//!                           5 quarantine decision, 6 record revision, 7 member added,
//!                           8 member removed, 9 source-identities opening
//! vault          16         vault id
//! device         16         device id (whose log this is)
//! index          8          position in the device's log (u64, big-endian)
//! prev           32         SHA-256 of the previous entry's bytes; zero for index 0
//! compartment    16         compartment id (zero for genesis)
//! epoch          4          key epoch of the compartment (u32)
//! n_objects      2          count (u16), then per object: kind (u8) and SHA-256 (32)
//! n_commitments  1          count (u8), then per commitment: field (u8) and value (32)
//! payload_len    2          length (u16), then the payload (sealed for evidence)
//! signature      64         Ed25519 by the device key over "khronika entry v1\0" || all above
//! ```
//!
//! The whole encoded entry is an RFC 6962 leaf; it is at most 65,535 bytes so that it fits a
//! C2SP tlog-tiles entry bundle. The object list is the public record of what the entry added,
//! so a keyless verifier can name a missing or damaged object.

use khronika_crypto::hash;
use khronika_crypto::sign::{PublicKey, SIGNATURE_LEN, SigningKey};

use crate::{CompartmentId, DeviceId, VaultId};

/// The entry format version written by this code.
pub const VERSION: u8 = 1;
/// Largest encoded entry.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;
/// Most objects listed inline; more go into an object list object.
pub const MAX_INLINE_OBJECTS: usize = 1024;
const SIGNING_CONTEXT: &[u8] = b"khronika entry v1\0";

/// Entry kinds. Fixed forever.
pub mod entry_kind {
    /// The first entry of a device log: the device's key, authorised by a member.
    pub const DEVICE_GENESIS: u8 = 1;
    /// A new key epoch of a compartment, wrapped to its members and to the recovery key.
    pub const KEY_EPOCH: u8 = 2;
    /// An evidence file was added.
    pub const EVIDENCE_ADD: u8 = 3;
    /// A device was revoked (reported seized) at a cut-off checkpoint.
    pub const DEVICE_REVOKE: u8 = 4;
    /// A quarantined entry of a revoked device was accepted or rejected by a person.
    pub const QUARANTINE_DECISION: u8 = 5;
    /// A revision of a record (create or edit), sealed under its compartment.
    pub const RECORD_REVISION: u8 = 6;
    /// A member was added, with their role and public keys (sealed under the default
    /// compartment, which every member holds).
    pub const MEMBER_ADD: u8 = 7;
    /// A member was removed (public: the member id and time).
    pub const MEMBER_REVOKE: u8 = 8;
    /// A member opened records of a source-identities compartment (sealed under it).
    pub const SOURCE_OPENING: u8 = 9;

    /// The kind's word, for people and for `--json` (as `khronika log` prints it).
    pub fn name(kind: u8) -> &'static str {
        match kind {
            DEVICE_GENESIS => "device-genesis",
            KEY_EPOCH => "key-epoch",
            EVIDENCE_ADD => "evidence-added",
            DEVICE_REVOKE => "device-revoked",
            QUARANTINE_DECISION => "quarantine-decision",
            RECORD_REVISION => "record-revision",
            MEMBER_ADD => "member-added",
            MEMBER_REVOKE => "member-removed",
            SOURCE_OPENING => "source-opening",
            _ => "unknown",
        }
    }
}

/// Kinds of objects an entry can list.
pub mod object_kind {
    /// A pack.
    pub const PACK: u8 = 1;
    /// A public list of further objects (for entries that add more than fit inline).
    pub const OBJECT_LIST: u8 = 2;
}

/// A reference to a content-addressed object added by an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// [`object_kind::PACK`] or [`object_kind::OBJECT_LIST`].
    pub kind: u8,
    /// SHA-256 of the object's bytes.
    pub hash: [u8; 32],
}

/// The fields of an entry before it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryBody {
    /// What the entry records.
    pub kind: u8,
    /// The vault.
    pub vault: VaultId,
    /// The device whose log holds it.
    pub device: DeviceId,
    /// Its position in that log.
    pub index: u64,
    /// SHA-256 of the previous entry (zero for the first).
    pub prev: [u8; 32],
    /// The compartment whose keys seal its payload.
    pub compartment: CompartmentId,
    /// The key epoch.
    pub epoch: u32,
    /// Objects it added.
    pub objects: Vec<ObjectRef>,
    /// Salted commitments to payload fields, by field id.
    pub commitments: Vec<(u8, [u8; 32])>,
    /// The payload (sealed, except for genesis and key epochs whose payloads are public).
    pub payload: Vec<u8>,
}

/// A signed entry together with its exact encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The signed fields.
    pub body: EntryBody,
    /// The device's signature.
    pub signature: [u8; SIGNATURE_LEN],
    encoded: Vec<u8>,
}

impl EntryBody {
    fn encode_unsigned(&self) -> Result<Vec<u8>, String> {
        if self.objects.len() > MAX_INLINE_OBJECTS {
            return Err(format!(
                "{} objects in one entry (at most {MAX_INLINE_OBJECTS})",
                self.objects.len()
            ));
        }
        if self.commitments.len() > u8::MAX as usize {
            return Err("too many commitments".into());
        }
        // version, kind, vault, device, index, prev, compartment, epoch: 94 bytes.
        let len = 94
            + 2
            + 33 * self.objects.len()
            + 1
            + 33 * self.commitments.len()
            + 2
            + self.payload.len()
            + 64;
        if len > MAX_ENTRY_LEN {
            return Err(format!("entry of {len} bytes (at most {MAX_ENTRY_LEN})"));
        }
        let mut b = Vec::with_capacity(len);
        b.push(VERSION);
        b.push(self.kind);
        b.extend_from_slice(&self.vault.0);
        b.extend_from_slice(&self.device.0);
        b.extend_from_slice(&self.index.to_be_bytes());
        b.extend_from_slice(&self.prev);
        b.extend_from_slice(&self.compartment.0);
        b.extend_from_slice(&self.epoch.to_be_bytes());
        b.extend_from_slice(&(self.objects.len() as u16).to_be_bytes());
        for o in &self.objects {
            b.push(o.kind);
            b.extend_from_slice(&o.hash);
        }
        b.push(self.commitments.len() as u8);
        for (f, c) in &self.commitments {
            b.push(*f);
            b.extend_from_slice(c);
        }
        b.extend_from_slice(&(self.payload.len() as u16).to_be_bytes());
        b.extend_from_slice(&self.payload);
        Ok(b)
    }

    /// Sign with the device key.
    pub fn sign(self, key: &SigningKey) -> Result<Entry, String> {
        let mut encoded = self.encode_unsigned()?;
        let signature = key.sign(&signing_message(&encoded));
        encoded.extend_from_slice(&signature);
        Ok(Entry {
            body: self,
            signature,
            encoded,
        })
    }

    /// The identity bound into the payload's associated data: SHA-256 of
    /// `"khronika payload id v1\0" || vault || device || index`.
    pub fn payload_id(&self) -> [u8; 32] {
        payload_id(&self.vault, &self.device, self.index)
    }
}

/// See [`EntryBody::payload_id`].
pub fn payload_id(vault: &VaultId, device: &DeviceId, index: u64) -> [u8; 32] {
    let mut h = hash::Sha256Hasher::new();
    h.update(b"khronika payload id v1\0");
    h.update(&vault.0);
    h.update(&device.0);
    h.update(&index.to_be_bytes());
    h.finalize()
}

fn signing_message(unsigned: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_CONTEXT.len() + unsigned.len());
    m.extend_from_slice(SIGNING_CONTEXT);
    m.extend_from_slice(unsigned);
    m
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let s = self
            .b
            .get(self.at..self.at + n)
            .ok_or_else(|| format!("truncated at byte {}", self.at))?;
        self.at += n;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_be_bytes(self.arr()?))
    }
}

impl Entry {
    /// Decode an entry. Checks the structure only; see [`Entry::verify_signature`].
    pub fn decode(bytes: &[u8]) -> Result<Entry, String> {
        let mut r = Reader { b: bytes, at: 0 };
        let version = r.u8()?;
        if version != VERSION {
            return Err(format!("unknown entry version {version}"));
        }
        let kind = r.u8()?;
        let vault = VaultId(r.arr()?);
        let device = DeviceId(r.arr()?);
        let index = u64::from_be_bytes(r.arr()?);
        let prev = r.arr()?;
        let compartment = CompartmentId(r.arr()?);
        let epoch = u32::from_be_bytes(r.arr()?);
        let n = r.u16()? as usize;
        let mut objects = Vec::with_capacity(n.min(MAX_INLINE_OBJECTS));
        for _ in 0..n {
            objects.push(ObjectRef {
                kind: r.u8()?,
                hash: r.arr()?,
            });
        }
        let n = r.u8()? as usize;
        let mut commitments = Vec::with_capacity(n);
        for _ in 0..n {
            commitments.push((r.u8()?, r.arr()?));
        }
        let plen = r.u16()? as usize;
        let payload = r.take(plen)?.to_vec();
        let signature = r.arr()?;
        if r.at != bytes.len() {
            return Err(format!(
                "{} unexpected bytes after the signature",
                bytes.len() - r.at
            ));
        }
        let body = EntryBody {
            kind,
            vault,
            device,
            index,
            prev,
            compartment,
            epoch,
            objects,
            commitments,
            payload,
        };
        Ok(Entry {
            body,
            signature,
            encoded: bytes.to_vec(),
        })
    }

    /// Check the device's signature.
    pub fn verify_signature(&self, key: &PublicKey) -> Result<(), khronika_crypto::CryptoError> {
        let unsigned = &self.encoded[..self.encoded.len() - SIGNATURE_LEN];
        key.verify(&signing_message(unsigned), &self.signature)
    }

    /// The exact bytes (the RFC 6962 leaf data).
    pub fn bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// SHA-256 of the bytes: what the next entry's `prev` holds.
    pub fn hash(&self) -> [u8; 32] {
        hash::sha256(&self.encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use khronika_crypto::Key32;
    use proptest::prelude::*;

    fn body(payload: Vec<u8>, objects: Vec<ObjectRef>) -> EntryBody {
        EntryBody {
            kind: entry_kind::EVIDENCE_ADD,
            vault: VaultId([1; 16]),
            device: DeviceId([2; 16]),
            index: 7,
            prev: [3; 32],
            compartment: CompartmentId([4; 16]),
            epoch: 5,
            objects,
            commitments: vec![(1, [6; 32])],
            payload,
        }
    }

    #[test]
    fn signature_covers_every_byte() {
        let key = SigningKey::from_seed(&Key32::from_bytes([9; 32]));
        let e = body(
            b"sealed".to_vec(),
            vec![ObjectRef {
                kind: object_kind::PACK,
                hash: [8; 32],
            }],
        )
        .sign(&key)
        .unwrap();
        assert!(e.verify_signature(&key.public()).is_ok());
        for i in 0..e.bytes().len() {
            let mut b = e.bytes().to_vec();
            b[i] ^= 0x01;
            let ok = Entry::decode(&b)
                .map(|d| d.verify_signature(&key.public()).is_ok())
                .unwrap_or(false);
            assert!(!ok, "flipping byte {i} went unnoticed");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let key = SigningKey::from_seed(&Key32::from_bytes([9; 32]));
        assert!(body(vec![0; 70_000], vec![]).sign(&key).is_err());
        let many = vec![
            ObjectRef {
                kind: 1,
                hash: [0; 32]
            };
            MAX_INLINE_OBJECTS + 1
        ];
        assert!(body(vec![], many).sign(&key).is_err());
        let e = body(vec![], vec![]).sign(&key).unwrap();
        let mut long = e.bytes().to_vec();
        long.push(0);
        assert!(Entry::decode(&long).is_err());
        assert!(Entry::decode(&e.bytes()[..50]).is_err());
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(payload in proptest::collection::vec(any::<u8>(), 0..3000),
                                    n in 0usize..40, index in any::<u64>()) {
            let key = SigningKey::from_seed(&Key32::from_bytes([9; 32]));
            let objects = (0..n).map(|i| ObjectRef { kind: 1, hash: [i as u8; 32] }).collect();
            let mut b = body(payload, objects);
            b.index = index;
            let e = b.clone().sign(&key).unwrap();
            let d = Entry::decode(e.bytes()).unwrap();
            prop_assert_eq!(&d.body, &b);
            prop_assert_eq!(d.bytes(), e.bytes());
            prop_assert!(d.verify_signature(&key.public()).is_ok());
        }
    }
}
