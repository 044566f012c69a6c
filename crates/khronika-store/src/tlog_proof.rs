//! C2SP `tlog-proof` (`c2sp.org/tlog-proof@v1`): an offline-verifiable proof that an entry is in
//! a transparency log, as text.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 opaque data>          (optional, unauthenticated)
//! index <leaf index, decimal>
//! <base64 hash>                        (zero or more: the RFC 6962 inclusion proof,
//! ...                                   leaf's sibling first)
//!
//! <the checkpoint, a signed note, verbatim>
//! ```
//!
//! Lines end with `\n`. The index has no leading zeroes (except `0`), each proof line is one
//! 32-byte SHA-256 hash in canonical base64, and an empty line separates the proof from the
//! checkpoint. [`verify`] checks the checkpoint against a [`CheckpointPolicy`] (log key,
//! origin, witness cosignatures) and the inclusion of a leaf hash under its root
//! ([`crate::merkle::verify_inclusion`]). The extra data is returned, never trusted.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::merkle::{self, ProofError as MerkleError};
use crate::note::{CheckpointPolicy, Note, NoteError, VerifiedCheckpoint};

/// The first line of a proof.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The most inclusion-proof hashes a proof may carry (a tree of at most 2^64 − 1 leaves).
pub const MAX_PROOF_HASHES: usize = 64;

/// What is wrong with a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The text is not a `tlog-proof@v1`.
    #[error("malformed tlog-proof: {0}")]
    Malformed(&'static str),
    /// The checkpoint is malformed, or does not satisfy the policy.
    #[error("tlog-proof checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The inclusion proof does not lead from the leaf to the checkpoint's root.
    #[error("tlog-proof inclusion proof: {0}")]
    Inclusion(#[from] MerkleError),
}

/// A parsed (not yet verified) `tlog-proof@v1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque extra data (not authenticated); `None` when the line is absent.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry.
    pub index: u64,
    /// RFC 6962 inclusion proof, the leaf's sibling first.
    pub path: Vec<[u8; 32]>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

/// A proof that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// The entry's index.
    pub index: u64,
    /// The checkpoint, its log signature and its trusted cosignatures.
    pub checkpoint: VerifiedCheckpoint,
    /// The extra data, as found (not authenticated).
    pub extra: Option<Vec<u8>>,
}

impl TlogProof {
    /// Parse a proof. The checkpoint's note syntax is checked; its signatures are not.
    pub fn parse(bytes: &[u8]) -> Result<Self, ProofError> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| ProofError::Malformed("proof is not UTF-8"))?;
        let mut rest = text;
        let mut next_line = |what: &'static str| -> Result<&str, ProofError> {
            let (line, r) = rest.split_once('\n').ok_or(ProofError::Malformed(what))?;
            rest = r;
            Ok(line)
        };
        if next_line("no header line")? != HEADER {
            return Err(ProofError::Malformed(
                "first line is not c2sp.org/tlog-proof@v1",
            ));
        }
        let mut line = next_line("no index line")?;
        let mut extra = None;
        if let Some(e) = line.strip_prefix("extra ") {
            let data = B64
                .decode(e)
                .map_err(|_| ProofError::Malformed("extra data is not canonical base64"))?;
            if data.is_empty() {
                return Err(ProofError::Malformed(
                    "extra line is present but empty (omit the line instead)",
                ));
            }
            extra = Some(data);
            line = next_line("no index line")?;
        }
        let index = line.strip_prefix("index ").ok_or(ProofError::Malformed(
            "expected the line \"index <n>\" after the header",
        ))?;
        if index.is_empty()
            || !index.bytes().all(|b| b.is_ascii_digit())
            || (index.len() > 1 && index.starts_with('0'))
        {
            return Err(ProofError::Malformed(
                "index is not a decimal number without leading zeroes",
            ));
        }
        let index: u64 = index
            .parse()
            .map_err(|_| ProofError::Malformed("index does not fit 64 bits"))?;
        let mut path = Vec::new();
        loop {
            let line = next_line("no empty line before the checkpoint")?;
            if line.is_empty() {
                break;
            }
            if path.len() == MAX_PROOF_HASHES {
                return Err(ProofError::Malformed(
                    "inclusion proof has more than 64 hashes",
                ));
            }
            let h: [u8; 32] = B64
                .decode(line)
                .ok()
                .and_then(|h| h.try_into().ok())
                .ok_or(ProofError::Malformed(
                    "inclusion proof line is not a 32-byte hash in canonical base64",
                ))?;
            path.push(h);
        }
        Note::parse(rest.as_bytes())?;
        Ok(Self {
            extra,
            index,
            path,
            checkpoint: rest.to_owned(),
        })
    }

    /// The proof as text.
    pub fn encode(&self) -> String {
        let mut out = format!("{HEADER}\n");
        if let Some(e) = self.extra.as_deref().filter(|e| !e.is_empty()) {
            out.push_str(&format!("extra {}\n", B64.encode(e)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.path {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Check the checkpoint against `policy` and that `leaf_hash` (the RFC 6962 leaf hash of
    /// the entry) is at the proof's index in the checkpoint's tree.
    pub fn verify(
        &self,
        leaf_hash: &[u8; 32],
        policy: &CheckpointPolicy,
    ) -> Result<VerifiedProof, ProofError> {
        let checkpoint = policy.open(self.checkpoint.as_bytes())?;
        merkle::verify_inclusion(
            leaf_hash,
            self.index,
            checkpoint.checkpoint.size,
            &self.path,
            &checkpoint.checkpoint.root,
        )?;
        Ok(VerifiedProof {
            index: self.index,
            checkpoint,
            extra: self.extra.clone(),
        })
    }
}

/// Parse `proof_text` and verify it for `leaf_hash` under `policy` (see [`TlogProof::verify`]).
pub fn verify(
    proof_text: &[u8],
    leaf_hash: &[u8; 32],
    policy: &CheckpointPolicy,
) -> Result<VerifiedProof, ProofError> {
    TlogProof::parse(proof_text)?.verify(leaf_hash, policy)
}
