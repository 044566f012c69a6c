//! Packs: many sealed blobs in one content-addressed object.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "KHRNPACK"
//!      8     1  format version (1)
//!      9     3  zero
//!     12     4  key epoch (u32, big-endian)
//!     16    16  compartment id
//!     32    56  sealed locator: the index's offset (u64) and sealed length (u64)
//!     88     …  blobs, each sealed: nonce (24) || ciphertext || tag (16)
//!      …     …  sealed index: count (u32), then per blob kind (u8), codec (u8), id (32),
//!               offset (u32), sealed length (u32), plaintext length (u32); then zero padding
//! ```
//!
//! Only the header is public. The blob boundaries, their number and the index position are
//! sealed, and the zero padding inside the sealed index brings the whole pack to a Padmé
//! length, so a pack's size reveals its content size only to within a few percent. A pack is
//! named by the SHA-256 of its bytes, so anyone can check it without a key.

use khronika_crypto::aead::{self, OVERHEAD};
use khronika_crypto::secret::SecretBytes;
use khronika_crypto::{Entropy, hash};

use crate::keys::{EpochKeys, kind};
use crate::pad::padme;
use crate::{Backend, CompartmentId, ObjectPath, StoreError, Stored};

/// The magic bytes that start every pack.
pub const MAGIC: &[u8; 8] = b"KHRNPACK";
/// The pack format version written by this code.
pub const VERSION: u8 = 1;
/// Length of the public header.
pub const HEADER_LEN: usize = 32;
/// Length of the sealed locator.
pub const LOCATOR_LEN: usize = 16 + OVERHEAD;
/// Where the first blob starts.
pub const BLOBS_START: usize = HEADER_LEN + LOCATOR_LEN;
/// Blob bytes after which a pack is closed: 16 MiB, so one pack is one upload everywhere.
pub const TARGET_BLOB_BYTES: usize = 16 << 20;
/// Length of one index record.
pub const INDEX_RECORD_LEN: usize = 1 + 1 + 32 + 4 + 4 + 4;

/// Codec of a blob's plaintext. Only `STORED` exists today; the byte reserves room for
/// compression, which would then be padded like everything else.
pub const CODEC_STORED: u8 = 0;

/// One blob in a pack's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexRecord {
    /// What the blob is ([`kind::CHUNK`] or [`kind::MANIFEST`]).
    pub kind: u8,
    /// How the plaintext is encoded ([`CODEC_STORED`]).
    pub codec: u8,
    /// The blob id: keyed BLAKE3 of kind and plaintext.
    pub id: [u8; 32],
    /// Offset of the sealed blob in the pack.
    pub offset: u32,
    /// Length of the sealed blob.
    pub sealed_len: u32,
    /// Length of the plaintext.
    pub plain_len: u32,
}

/// The public header of a pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackHeader {
    /// The compartment whose keys sealed it.
    pub compartment: CompartmentId,
    /// The key epoch.
    pub epoch: u32,
}

/// Builds one pack in memory.
#[derive(Debug)]
pub struct PackBuilder {
    header: PackHeader,
    buf: Vec<u8>,
    index: Vec<IndexRecord>,
}

/// A finished pack, ready to store.
#[derive(Debug)]
pub struct FinishedPack {
    /// SHA-256 of the stored bytes: the pack's name.
    pub hash: [u8; 32],
    /// The bytes to store.
    pub stored: Stored,
    /// What is inside, with offsets.
    pub index: Vec<IndexRecord>,
}

impl FinishedPack {
    /// Where the pack is stored.
    pub fn path(&self) -> ObjectPath {
        ObjectPath::object(&self.hash)
    }
}

impl PackBuilder {
    /// Start a pack sealed under `keys`.
    pub fn new(keys: &EpochKeys) -> Self {
        let mut buf = Vec::with_capacity(BLOBS_START + TARGET_BLOB_BYTES + (2 << 20));
        buf.extend_from_slice(MAGIC);
        buf.push(VERSION);
        buf.extend_from_slice(&[0; 3]);
        buf.extend_from_slice(&keys.epoch.to_be_bytes());
        buf.extend_from_slice(&keys.compartment.0);
        buf.resize(BLOBS_START, 0);
        Self {
            header: PackHeader {
                compartment: keys.compartment,
                epoch: keys.epoch,
            },
            buf,
            index: Vec::new(),
        }
    }

    /// Seal `plaintext` as a blob of `kind` with identity `id` and append it.
    pub fn add(
        &mut self,
        keys: &EpochKeys,
        kind: u8,
        id: [u8; 32],
        plaintext: &[u8],
        rng: &mut dyn Entropy,
    ) -> Result<IndexRecord, StoreError> {
        debug_assert_eq!(keys.compartment, self.header.compartment);
        let offset = self.buf.len();
        aead::seal_into(
            keys.data_key(),
            &keys.ad(kind, id),
            plaintext,
            rng,
            &mut self.buf,
        )
        .map_err(|source| StoreError::Crypto {
            what: "a chunk".into(),
            source,
        })?;
        let too_large = || StoreError::TooLarge("pack over 4 GiB".into());
        let rec = IndexRecord {
            kind,
            codec: CODEC_STORED,
            id,
            offset: u32::try_from(offset).map_err(|_| too_large())?,
            sealed_len: u32::try_from(self.buf.len() - offset).map_err(|_| too_large())?,
            plain_len: u32::try_from(plaintext.len()).map_err(|_| too_large())?,
        };
        self.index.push(rec);
        Ok(rec)
    }

    /// Append a blob sealed elsewhere (for example on another thread) with [`seal_blob`].
    pub fn push_sealed(&mut self, blob: &SealedBlob) -> Result<IndexRecord, StoreError> {
        if blob.compartment != self.header.compartment || blob.epoch != self.header.epoch {
            return Err(StoreError::TooLarge(
                "a blob sealed for another compartment or epoch".into(),
            ));
        }
        let offset = self.buf.len();
        self.buf.extend_from_slice(&blob.sealed);
        let too_large = || StoreError::TooLarge("pack over 4 GiB".into());
        let rec = IndexRecord {
            kind: blob.kind,
            codec: CODEC_STORED,
            id: blob.id,
            offset: u32::try_from(offset).map_err(|_| too_large())?,
            sealed_len: u32::try_from(blob.sealed.len()).map_err(|_| too_large())?,
            plain_len: blob.plain_len,
        };
        self.index.push(rec);
        Ok(rec)
    }

    /// Bytes of sealed blobs so far.
    pub fn blob_bytes(&self) -> usize {
        self.buf.len() - BLOBS_START
    }

    /// True if no blob was added.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// True once the pack should be closed.
    pub fn is_full(&self) -> bool {
        self.blob_bytes() >= TARGET_BLOB_BYTES
    }

    /// Seal the index, pad, and return the finished pack.
    pub fn finish(
        mut self,
        keys: &EpochKeys,
        rng: &mut dyn Entropy,
    ) -> Result<FinishedPack, StoreError> {
        let n = self.index.len();
        let index_plain_len = 4 + n * INDEX_RECORD_LEN;
        let unpadded = self.buf.len() + OVERHEAD + index_plain_len;
        let target = padme(unpadded as u64) as usize;
        let mut plain = SecretBytes::new(Vec::with_capacity(index_plain_len + (target - unpadded)));
        plain.extend_from_slice(&(n as u32).to_be_bytes());
        for r in &self.index {
            plain.push(r.kind);
            plain.push(r.codec);
            plain.extend_from_slice(&r.id);
            plain.extend_from_slice(&r.offset.to_be_bytes());
            plain.extend_from_slice(&r.sealed_len.to_be_bytes());
            plain.extend_from_slice(&r.plain_len.to_be_bytes());
        }
        plain.resize(index_plain_len + (target - unpadded), 0);
        let index_offset = self.buf.len() as u64;
        aead::seal_into(
            keys.data_key(),
            &keys.ad(kind::PACK_INDEX, [0; 32]),
            &plain,
            rng,
            &mut self.buf,
        )
        .map_err(|source| StoreError::Crypto {
            what: "a pack index".into(),
            source,
        })?;
        let index_len = self.buf.len() as u64 - index_offset;
        let mut loc = [0u8; 16];
        loc[..8].copy_from_slice(&index_offset.to_be_bytes());
        loc[8..].copy_from_slice(&index_len.to_be_bytes());
        let mut sealed_loc = Vec::with_capacity(LOCATOR_LEN);
        aead::seal_into(
            keys.data_key(),
            &keys.ad(kind::PACK_LOCATOR, [0; 32]),
            &loc,
            rng,
            &mut sealed_loc,
        )
        .map_err(|source| StoreError::Crypto {
            what: "a pack locator".into(),
            source,
        })?;
        self.buf[HEADER_LEN..BLOBS_START].copy_from_slice(&sealed_loc);
        debug_assert_eq!(self.buf.len(), target);
        let hash = hash::sha256(&self.buf);
        Ok(FinishedPack {
            hash,
            stored: Stored::new(self.buf),
            index: self.index,
        })
    }
}

/// A blob sealed and ready to go into a pack of its compartment and epoch.
#[derive(Debug)]
pub struct SealedBlob {
    /// The blob kind.
    pub kind: u8,
    /// The blob id.
    pub id: [u8; 32],
    /// Plaintext length.
    pub plain_len: u32,
    compartment: CompartmentId,
    epoch: u32,
    sealed: Vec<u8>,
}

impl SealedBlob {
    /// Sealed length in bytes.
    pub fn sealed_len(&self) -> usize {
        self.sealed.len()
    }
}

/// Seal a blob for a pack of `keys`' compartment and epoch, reusing `buf`'s allocation.
pub fn seal_blob(
    keys: &EpochKeys,
    kind: u8,
    id: [u8; 32],
    plaintext: &[u8],
    rng: &mut dyn Entropy,
    mut buf: Vec<u8>,
) -> Result<SealedBlob, StoreError> {
    buf.clear();
    aead::seal_into(
        keys.data_key(),
        &keys.ad(kind, id),
        plaintext,
        rng,
        &mut buf,
    )
    .map_err(|source| StoreError::Crypto {
        what: "a chunk".into(),
        source,
    })?;
    let plain_len = u32::try_from(plaintext.len())
        .map_err(|_| StoreError::TooLarge("blob over 4 GiB".into()))?;
    Ok(SealedBlob {
        kind,
        id,
        plain_len,
        compartment: keys.compartment,
        epoch: keys.epoch,
        sealed: buf,
    })
}

impl SealedBlob {
    /// Give back the buffer for reuse.
    pub fn into_buffer(self) -> Vec<u8> {
        self.sealed
    }
}

/// Parse and check a pack's public header (no key needed).
pub fn parse_header(bytes: &[u8]) -> Result<PackHeader, String> {
    if bytes.len() < BLOBS_START + OVERHEAD {
        return Err(format!("too short for a pack ({} bytes)", bytes.len()));
    }
    if &bytes[..8] != MAGIC {
        return Err("not a pack (bad magic)".into());
    }
    if bytes[8] != VERSION {
        return Err(format!("unknown pack version {}", bytes[8]));
    }
    if bytes[9..12] != [0; 3] {
        return Err("reserved header bytes are not zero".into());
    }
    let epoch = u32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    let mut c = [0u8; 16];
    c.copy_from_slice(&bytes[16..32]);
    Ok(PackHeader {
        compartment: CompartmentId(c),
        epoch,
    })
}

fn damaged(path: &ObjectPath, what: impl Into<String>) -> StoreError {
    StoreError::Damaged {
        path: path.clone(),
        what: what.into(),
    }
}

/// Open the index of a pack held whole in memory (`bytes`, stored at `path`).
pub fn index_from_bytes(
    bytes: &[u8],
    path: &ObjectPath,
    keys: &EpochKeys,
) -> Result<Vec<IndexRecord>, StoreError> {
    let len = bytes.len() as u64;
    let head = bytes
        .get(..BLOBS_START)
        .ok_or_else(|| damaged(path, "too short for a pack"))?;
    let (off, ilen) = open_locator(head, len, path, keys)?;
    let sealed = &bytes[off as usize..(off + ilen) as usize];
    open_index(sealed, off, path, keys)
}

fn open_locator(
    head: &[u8],
    len: u64,
    path: &ObjectPath,
    keys: &EpochKeys,
) -> Result<(u64, u64), StoreError> {
    let loc = aead::open(
        keys.data_key(),
        &keys.ad(kind::PACK_LOCATOR, [0; 32]),
        &head[HEADER_LEN..],
    )
    .map_err(|e| damaged(path, format!("locator does not open: {e}")))?;
    let off = u64::from_be_bytes(loc[..8].try_into().map_err(|_| damaged(path, "locator"))?);
    let ilen = u64::from_be_bytes(
        loc[8..16]
            .try_into()
            .map_err(|_| damaged(path, "locator"))?,
    );
    if off < BLOBS_START as u64 || off.checked_add(ilen) != Some(len) {
        return Err(damaged(path, "locator points outside the pack"));
    }
    Ok((off, ilen))
}

fn open_index(
    sealed: &[u8],
    off: u64,
    path: &ObjectPath,
    keys: &EpochKeys,
) -> Result<Vec<IndexRecord>, StoreError> {
    let plain = aead::open(keys.data_key(), &keys.ad(kind::PACK_INDEX, [0; 32]), sealed)
        .map_err(|e| damaged(path, format!("index does not open: {e}")))?;
    decode_index(&plain, off).map_err(|w| damaged(path, w))
}

/// Read and open a pack's index with the pack's epoch keys.
pub fn read_index(
    backend: &dyn Backend,
    path: &ObjectPath,
    keys: &EpochKeys,
) -> Result<Vec<IndexRecord>, StoreError> {
    let len = backend.len(path)?;
    let head = backend.read_range(path, 0, BLOBS_START.min(len as usize))?;
    if head.len() < BLOBS_START {
        return Err(damaged(path, "too short for a pack"));
    }
    let (off, ilen) = open_locator(&head, len, path, keys)?;
    let sealed = backend.read_range(path, off, ilen as usize)?;
    open_index(&sealed, off, path, keys)
}

fn decode_index(plain: &[u8], index_offset: u64) -> Result<Vec<IndexRecord>, String> {
    let n = u32::from_be_bytes(
        plain
            .get(..4)
            .ok_or("index too short")?
            .try_into()
            .map_err(|_| "index")?,
    ) as usize;
    let body = plain
        .get(4..4 + n.checked_mul(INDEX_RECORD_LEN).ok_or("index count")?)
        .ok_or("index truncated")?;
    let mut out = Vec::with_capacity(n);
    for r in body.chunks_exact(INDEX_RECORD_LEN) {
        let u32_at = |i: usize| u32::from_be_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
        let mut id = [0u8; 32];
        id.copy_from_slice(&r[2..34]);
        let rec = IndexRecord {
            kind: r[0],
            codec: r[1],
            id,
            offset: u32_at(34),
            sealed_len: u32_at(38),
            plain_len: u32_at(42),
        };
        let end = u64::from(rec.offset) + u64::from(rec.sealed_len);
        if u64::from(rec.offset) < BLOBS_START as u64 || end > index_offset {
            return Err("index record points outside the blob area".into());
        }
        if rec.codec != CODEC_STORED
            || u64::from(rec.plain_len) + OVERHEAD as u64 != u64::from(rec.sealed_len)
        {
            return Err("index record has an unknown codec or inconsistent length".into());
        }
        out.push(rec);
    }
    if plain[4 + n * INDEX_RECORD_LEN..].iter().any(|&b| b != 0) {
        return Err("index padding is not zero".into());
    }
    Ok(out)
}

/// Open a sealed blob and check that its plaintext matches its id.
pub fn open_blob(
    keys: &EpochKeys,
    rec: &IndexRecord,
    sealed: &[u8],
    path: &ObjectPath,
) -> Result<SecretBytes, StoreError> {
    let plain = aead::open(keys.data_key(), &keys.ad(rec.kind, rec.id), sealed).map_err(|e| {
        damaged(
            path,
            format!("blob at offset {} does not open: {e}", rec.offset),
        )
    })?;
    if keys.blob_id(rec.kind, &plain) != rec.id {
        return Err(damaged(
            path,
            format!("blob at offset {} does not match its id", rec.offset),
        ));
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemBackend;
    use khronika_crypto::{Key32, SeededEntropy};

    fn keys() -> EpochKeys {
        EpochKeys::derive(CompartmentId([3; 16]), 0, &Key32::from_bytes([4; 32]))
    }

    #[test]
    fn pack_round_trip_with_padding() {
        let k = keys();
        let mut rng = SeededEntropy::new(1);
        let mut b = PackBuilder::new(&k);
        let blobs: Vec<Vec<u8>> = vec![b"first".to_vec(), vec![7u8; 5000], Vec::new()];
        for p in &blobs {
            let id = k.blob_id(kind::CHUNK, p);
            b.add(&k, kind::CHUNK, id, p, &mut rng).unwrap();
        }
        let fin = b.finish(&k, &mut rng).unwrap();
        assert_eq!(fin.stored.len() as u64, padme(fin.stored.len() as u64));
        assert_eq!(fin.hash, hash::sha256(fin.stored.as_bytes()));
        let be = MemBackend::new();
        be.create(&fin.path(), &fin.stored).unwrap();
        let idx = read_index(&be, &fin.path(), &k).unwrap();
        assert_eq!(idx, fin.index);
        for (rec, p) in idx.iter().zip(&blobs) {
            let sealed = be
                .read_range(&fin.path(), u64::from(rec.offset), rec.sealed_len as usize)
                .unwrap();
            assert_eq!(
                &open_blob(&k, rec, &sealed, &fin.path()).unwrap()[..],
                &p[..]
            );
        }
        assert_eq!(
            parse_header(fin.stored.as_bytes()).unwrap(),
            PackHeader {
                compartment: k.compartment,
                epoch: 0
            }
        );
        // Another compartment's keys open nothing.
        let other = EpochKeys::derive(CompartmentId([3; 16]), 0, &Key32::from_bytes([5; 32]));
        assert!(read_index(&be, &fin.path(), &other).is_err());
    }

    #[test]
    fn blobs_sealed_elsewhere_read_back() {
        let k = keys();
        let mut rng = SeededEntropy::new(3);
        let mut b = PackBuilder::new(&k);
        let data = vec![5u8; 1000];
        let id = k.blob_id(kind::CHUNK, &data);
        let blob = seal_blob(&k, kind::CHUNK, id, &data, &mut rng, Vec::new()).unwrap();
        assert_eq!(blob.sealed_len(), 1000 + OVERHEAD);
        let rec = b.push_sealed(&blob).unwrap();
        let fin = b.finish(&k, &mut rng).unwrap();
        let be = MemBackend::new();
        be.create(&fin.path(), &fin.stored).unwrap();
        let sealed = be
            .read_range(&fin.path(), u64::from(rec.offset), rec.sealed_len as usize)
            .unwrap();
        assert_eq!(
            &open_blob(&k, &rec, &sealed, &fin.path()).unwrap()[..],
            &data[..]
        );
        // A blob of another compartment is refused.
        let other = EpochKeys::derive(CompartmentId([9; 16]), 0, &Key32::from_bytes([4; 32]));
        let foreign = seal_blob(&other, kind::CHUNK, id, &data, &mut rng, Vec::new()).unwrap();
        assert!(PackBuilder::new(&k).push_sealed(&foreign).is_err());
    }

    #[test]
    fn sizes_do_not_reveal_exact_lengths() {
        let k = keys();
        let mut rng = SeededEntropy::new(2);
        let mut sizes = std::collections::BTreeSet::new();
        for len in 100_000..100_064 {
            let mut b = PackBuilder::new(&k);
            let data = vec![1u8; len];
            b.add(
                &k,
                kind::CHUNK,
                k.blob_id(kind::CHUNK, &data),
                &data,
                &mut rng,
            )
            .unwrap();
            sizes.insert(b.finish(&k, &mut rng).unwrap().stored.len());
        }
        assert!(
            sizes.len() <= 2,
            "64 different lengths gave {} pack sizes",
            sizes.len()
        );
    }
}
