//! Compartment key epochs and what is derived from them, plus the registry of sealed-value
//! kinds bound into associated data.
//!
//! Each compartment has a random 32-byte secret per key epoch. Nothing uses it directly; BLAKE3
//! `derive_key` gives one subkey per purpose. A member who is never given an epoch's secret
//! can open nothing sealed under it, and chunk ids under one compartment say nothing about
//! another's.

use khronika_crypto::aead::AssociatedData;
use khronika_crypto::kdf::derive;
use khronika_crypto::{Key32, hash};

use crate::CompartmentId;

/// Kinds of sealed values (the `kind` byte of the associated data). Fixed forever.
pub mod kind {
    /// A data chunk of a file.
    pub const CHUNK: u8 = 1;
    /// A file manifest (size and ordered chunk ids).
    pub const MANIFEST: u8 = 2;
    /// A pack's index of its blobs.
    pub const PACK_INDEX: u8 = 3;
    /// A pack's locator of its index.
    pub const PACK_LOCATOR: u8 = 4;
    /// A log entry's payload.
    pub const ENTRY_PAYLOAD: u8 = 5;
    /// A member's secret under their passphrase.
    pub const MEMBER_SLOT: u8 = 6;
    /// A device's signing key under its member's key.
    pub const DEVICE_SLOT: u8 = 7;
    /// A compartment epoch secret wrapped to a member or the recovery key.
    pub const EPOCH_WRAP: u8 = 8;
    /// A compartment's sealed description (its name).
    pub const COMPARTMENT_INFO: u8 = 9;
    /// A record revision's fields, when too large to travel inside its log entry.
    pub const RECORD_BODY: u8 = 10;
    /// A node's list of mirrors, under a key derived from its device key's seed.
    pub const MIRROR_CONFIG: u8 = 11;
    /// A member's secret wrapped to the vault's recovery key (a node's recovery slot).
    pub const RECOVERY_SLOT: u8 = 12;
    /// A member's verified state on a device (resume points of the logs), under a key derived
    /// from the member's secret.
    pub const VERIFIED_STATE: u8 = 13;
    /// A member's secret in an API token slot, under a key derived from the token's secret.
    pub const TOKEN_SLOT: u8 = 14;
    /// An API token's name and scope in its slot, under a key derived from the member's secret.
    pub const TOKEN_INFO: u8 = 15;
    /// A batch of a member's token uses (their activity log), under a key derived from the
    /// member's secret.
    pub const TOKEN_ACTIVITY: u8 = 16;
}

/// The keys of one compartment at one epoch.
#[derive(Debug, Clone)]
pub struct EpochKeys {
    /// The compartment.
    pub compartment: CompartmentId,
    /// The epoch number.
    pub epoch: u32,
    /// Seals chunks, manifests and pack metadata.
    data: Key32,
    /// Keys the chunk-identity hash.
    chunk_id: Key32,
    /// Seals log entry payloads.
    payload: Key32,
}

impl EpochKeys {
    /// Derive the epoch's subkeys from its secret.
    pub fn derive(compartment: CompartmentId, epoch: u32, secret: &Key32) -> Self {
        Self {
            compartment,
            epoch,
            data: derive("khronika 2026-11 data v1", secret),
            chunk_id: derive("khronika 2026-11 chunk id v1", secret),
            payload: derive("khronika 2026-11 entry payload v1", secret),
        }
    }

    /// The key that seals chunks and pack metadata.
    pub fn data_key(&self) -> &Key32 {
        &self.data
    }

    /// The key that seals entry payloads.
    pub fn payload_key(&self) -> &Key32 {
        &self.payload
    }

    /// The identity of a blob of `kind` with this plaintext: keyed BLAKE3 over `kind || plaintext`.
    pub fn blob_id(&self, kind: u8, plaintext: &[u8]) -> [u8; 32] {
        // Incremental, so a 1 MiB chunk is not copied just to prefix one byte.
        let mut h = hash::blake3::Hasher::new_keyed(self.chunk_id.expose());
        h.update(&[kind]);
        h.update(plaintext);
        *h.finalize().as_bytes()
    }

    /// The associated data for a sealed value of `kind` with identity `id` in this epoch.
    pub fn ad(&self, kind: u8, id: [u8; 32]) -> [u8; khronika_crypto::aead::AD_LEN] {
        AssociatedData {
            kind,
            compartment: self.compartment.0,
            epoch: self.epoch,
            id,
        }
        .encode()
    }
}

/// A salted commitment to one field value: SHA-256 of
/// `"khronika commitment v1\0" || field id || salt (32) || value bytes`.
pub fn commitment(field: u8, salt: &[u8; 32], value: &[u8]) -> [u8; 32] {
    let mut h = hash::Sha256Hasher::new();
    h.update(b"khronika commitment v1\0");
    h.update(&[field]);
    h.update(salt);
    h.update(value);
    h.finalize()
}
