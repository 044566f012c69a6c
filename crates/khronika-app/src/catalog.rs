//! What is known about each evidence item, and reading its bytes back.
//!
//! An evidence item is one `add` of one file: an entry in a device log whose sealed payload is
//! an [`EvidencePayload`] (JSON, padded with spaces to a multiple of 256 bytes before sealing,
//! so its length reveals little about the file name).

use std::collections::BTreeMap;
use std::io::Write;

use khronika_crypto::hash::{Sha256Hasher, from_hex, to_hex};
use khronika_crypto::{Entropy, aead};
use khronika_store::entry::payload_id;
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::pack::{self, IndexRecord};
use khronika_store::{CompartmentId, DeviceId, ObjectPath, StoreError, VaultId};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorCode};

/// Commitment field ids (public in the entry header). Fixed forever.
pub mod field {
    /// SHA-256 of the original file (lower-case hex).
    pub const SHA256: u8 = 1;
    /// Size in bytes (decimal).
    pub const SIZE: u8 = 2;
    /// Media type.
    pub const MEDIA_TYPE: u8 = 3;
    /// Time added (RFC 3339, milliseconds, UTC).
    pub const TIME: u8 = 4;
    /// Original file name (UTF-8).
    pub const NAME: u8 = 5;
    /// Member who added it (hex id).
    pub const ADDED_BY: u8 = 6;
    /// Every field, with the name used for its salt in the payload.
    pub const ALL: [(u8, &str); 6] = [
        (SHA256, "sha256"),
        (SIZE, "size"),
        (MEDIA_TYPE, "media_type"),
        (TIME, "time"),
        (NAME, "name"),
        (ADDED_BY, "added_by"),
    ];
}

/// The sealed payload of an evidence entry. Field names are part of the format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidencePayload {
    /// Payload version (1).
    pub v: u32,
    /// The evidence id people use.
    pub id: String,
    /// Original file name, as given.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the original bytes, lower-case hex.
    pub sha256: String,
    /// Media type recognised from the content.
    pub media_type: String,
    /// Member who added it (hex id).
    pub added_by: String,
    /// Device that added it (hex id).
    pub device: String,
    /// When, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// Where the time came from (`system`: the device clock).
    pub clock: String,
    /// Blob id of the file manifest (hex).
    pub manifest: String,
    /// Per-field commitment salts (hex), keyed by field name.
    pub salts: BTreeMap<String, String>,
}

impl EvidencePayload {
    /// The value bytes committed for a field.
    pub fn field_value(&self, f: u8) -> Vec<u8> {
        match f {
            field::SHA256 => self.sha256.as_bytes().to_vec(),
            field::SIZE => self.size.to_string().into_bytes(),
            field::MEDIA_TYPE => self.media_type.as_bytes().to_vec(),
            field::TIME => self.time.as_bytes().to_vec(),
            field::NAME => self.name.as_bytes().to_vec(),
            _ => self.added_by.as_bytes().to_vec(),
        }
    }

    /// Fill in fresh salts and return the public commitments.
    pub fn commit(&mut self, rng: &mut dyn Entropy) -> Result<Vec<(u8, [u8; 32])>, AppError> {
        let mut out = Vec::new();
        for (f, name) in field::ALL {
            let salt = rng
                .bytes32()
                .map_err(|e| AppError::internal(e.to_string()))?;
            self.salts.insert(name.to_owned(), to_hex(&salt));
            out.push((
                f,
                khronika_store::keys::commitment(f, &salt, &self.field_value(f)),
            ));
        }
        Ok(out)
    }

    /// Check the payload against the public commitments of its entry.
    pub fn check_commitments(&self, commitments: &[(u8, [u8; 32])]) -> bool {
        field::ALL.iter().all(|(f, name)| {
            let salt = self.salts.get(*name).and_then(|s| from_hex::<32>(s));
            let want = commitments.iter().find(|(cf, _)| cf == f).map(|(_, c)| *c);
            match (salt, want) {
                (Some(s), Some(c)) => {
                    khronika_store::keys::commitment(*f, &s, &self.field_value(*f)) == c
                }
                _ => false,
            }
        })
    }

    /// Seal for the entry at `index` of `device`'s log.
    pub fn seal(
        &self,
        keys: &EpochKeys,
        vault: &VaultId,
        device: &DeviceId,
        index: u64,
        rng: &mut dyn Entropy,
    ) -> Result<Vec<u8>, AppError> {
        let mut json = serde_json::to_vec(self).map_err(|e| AppError::internal(e.to_string()))?;
        json.resize(json.len().div_ceil(256) * 256, b' ');
        let sealed = aead::seal(
            keys.payload_key(),
            &keys.ad(kind::ENTRY_PAYLOAD, payload_id(vault, device, index)),
            &json,
            rng,
        );
        zeroize::Zeroize::zeroize(&mut json);
        sealed.map_err(|e| AppError::internal(e.to_string()))
    }

    /// Open a sealed payload.
    pub fn open(
        sealed: &[u8],
        keys: &EpochKeys,
        vault: &VaultId,
        device: &DeviceId,
        index: u64,
    ) -> Result<Self, String> {
        let plain = aead::open(
            keys.payload_key(),
            &keys.ad(kind::ENTRY_PAYLOAD, payload_id(vault, device, index)),
            sealed,
        )
        .map_err(|e| format!("payload does not open: {e}"))?;
        serde_json::from_slice(&plain).map_err(|e| format!("payload is not valid: {e}"))
    }
}

/// An evidence item as the vault knows it.
#[derive(Debug, Clone)]
pub struct EvidenceRecord {
    /// The decrypted payload.
    pub payload: EvidencePayload,
    /// The device whose log holds it.
    pub device: DeviceId,
    /// Its index there.
    pub index: u64,
    /// The compartment.
    pub compartment: CompartmentId,
    /// The key epoch.
    pub epoch: u32,
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh evidence id: `E` and 16 Crockford base32 characters (80 random bits).
pub fn new_evidence_id(rng: &mut dyn Entropy) -> Result<String, AppError> {
    let mut b = [0u8; 10];
    rng.fill(&mut b)
        .map_err(|e| AppError::internal(e.to_string()))?;
    let mut acc: u128 = 0;
    for x in b {
        acc = (acc << 8) | u128::from(x);
    }
    let mut s = String::from("E");
    for i in (0..16).rev() {
        s.push(CROCKFORD[((acc >> (i * 5)) & 31) as usize] as char);
    }
    Ok(s)
}

/// Where a blob is.
#[derive(Debug, Clone, Copy)]
pub struct BlobLoc {
    /// The pack's hash.
    pub pack: [u8; 32],
    /// The index record.
    pub rec: IndexRecord,
}

/// A manifest: the file size and its chunk ids in order.
pub fn encode_manifest(size: u64, chunks: &[[u8; 32]]) -> Vec<u8> {
    let mut b = Vec::with_capacity(8 + 32 * chunks.len());
    b.extend_from_slice(&size.to_be_bytes());
    for c in chunks {
        b.extend_from_slice(c);
    }
    b
}

/// Decode a manifest.
pub fn decode_manifest(b: &[u8]) -> Result<(u64, Vec<[u8; 32]>), String> {
    let size = u64::from_be_bytes(
        b.get(..8)
            .ok_or("manifest too short")?
            .try_into()
            .map_err(|_| "manifest")?,
    );
    let rest = &b[8..];
    if !rest.len().is_multiple_of(32) {
        return Err("manifest length is not whole chunk ids".into());
    }
    Ok((
        size,
        rest.chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0; 32]))
            .collect(),
    ))
}

/// Read one blob's plaintext.
pub fn read_blob(
    backend: &dyn khronika_store::Backend,
    keys: &EpochKeys,
    loc: &BlobLoc,
) -> Result<khronika_crypto::secret::SecretBytes, StoreError> {
    let path = ObjectPath::object(&loc.pack);
    let sealed = backend.read_range(
        &path,
        u64::from(loc.rec.offset),
        loc.rec.sealed_len as usize,
    )?;
    pack::open_blob(keys, &loc.rec, &sealed, &path)
}

/// Stream an evidence item's bytes to `out`, checking every chunk and the whole-file SHA-256.
pub fn write_evidence(
    backend: &dyn khronika_store::Backend,
    keys: &EpochKeys,
    index: &std::collections::HashMap<[u8; 32], BlobLoc>,
    rec: &EvidenceRecord,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    let missing = |what: &str| {
        AppError::new(
            ErrorCode::Damaged,
            format!(
                "evidence {} cannot be read: its {what} is missing from the vault. Run `khronika verify`.",
                rec.payload.id
            ),
        )
    };
    let mid = from_hex::<32>(&rec.payload.manifest)
        .ok_or_else(|| AppError::internal("bad manifest id"))?;
    let mloc = index.get(&mid).ok_or_else(|| missing("manifest"))?;
    let manifest = read_blob(backend, keys, mloc)?;
    let (size, chunks) =
        decode_manifest(&manifest).map_err(|w| AppError::new(ErrorCode::Damaged, w))?;
    let mut h = Sha256Hasher::new();
    let mut written = 0u64;
    for c in &chunks {
        let loc = index.get(c).ok_or_else(|| missing("chunk"))?;
        let data = read_blob(backend, keys, loc)?;
        h.update(&data);
        written += data.len() as u64;
        out.write_all(&data).map_err(|e| {
            AppError::new(ErrorCode::Storage, format!("cannot write the output: {e}"))
        })?;
    }
    if written != size || size != rec.payload.size || to_hex(&h.finalize()) != rec.payload.sha256 {
        return Err(AppError::new(
            ErrorCode::Damaged,
            format!(
                "evidence {} does not match its recorded SHA-256; the output is not the original. Run `khronika verify --read-data`.",
                rec.payload.id
            ),
        ));
    }
    out.flush()
        .map_err(|e| AppError::new(ErrorCode::Storage, format!("cannot write the output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use khronika_crypto::SeededEntropy;

    #[test]
    fn ids_are_well_formed_and_distinct() {
        let mut rng = SeededEntropy::new(1);
        let a = new_evidence_id(&mut rng).unwrap();
        let b = new_evidence_id(&mut rng).unwrap();
        assert_eq!(a.len(), 17);
        assert!(a.starts_with('E') && a[1..].bytes().all(|c| CROCKFORD.contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn manifest_round_trip() {
        let m = encode_manifest(5, &[[1; 32], [2; 32]]);
        assert_eq!(decode_manifest(&m).unwrap(), (5, vec![[1; 32], [2; 32]]));
        assert!(decode_manifest(&m[..41]).is_err());
        assert!(decode_manifest(&m[..7]).is_err());
    }
}
