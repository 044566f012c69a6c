//! Witnessing: a keyless party that accepts a log's new checkpoint only if it is consistent
//! with the last one it saw, and then cosigns it (C2SP `tlog-cosignature`).
//!
//! A seized device's key can sign a rewritten history, but it cannot make a witness cosign a
//! checkpoint that does not extend what the witness already saw: rewriting, rolling back or
//! forking the log is refused and named.

use crate::merkle::verify_consistency;
use crate::note::{CheckpointPolicy, CosignatureV1Signer, Note, Signer, VerifierKey};

/// What a witness last saw of one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// Tree size.
    pub size: u64,
    /// Root hash at that size.
    pub root: [u8; 32],
}

/// Why a witness refuses a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The checkpoint is malformed or not signed by the log's key.
    #[error("the checkpoint is not valid for this log: {0}")]
    BadCheckpoint(String),
    /// The log is smaller than what the witness already saw.
    #[error("the log was rolled back: the witness saw size {seen}, the checkpoint says {got}")]
    Rollback {
        /// Size the witness saw.
        seen: u64,
        /// Size in the checkpoint.
        got: u64,
    },
    /// Same size, another root: two histories.
    #[error("the log forked: at size {size} the witness saw another root")]
    Fork {
        /// The size.
        size: u64,
    },
    /// The consistency proof does not link the checkpoints.
    #[error("the new checkpoint is not consistent with the one seen at size {seen}: {why}")]
    Inconsistent {
        /// Size the witness saw.
        seen: u64,
        /// What failed.
        why: String,
    },
    /// Signing failed.
    #[error("cannot cosign: {0}")]
    Sign(String),
}

/// Check `checkpoint` (a signed note by `log_key`) against what was `seen`, with a consistency
/// proof from `seen.size` to the checkpoint's size, and cosign it. Returns the new state and
/// the cosignature line (`— name base64…\n`) to append to the checkpoint.
pub fn witness(
    log_key: &VerifierKey,
    seen: Option<Seen>,
    checkpoint: &[u8],
    consistency: &[[u8; 32]],
    signer: &CosignatureV1Signer<'_>,
) -> Result<(Seen, String), WitnessError> {
    let policy = CheckpointPolicy::new(log_key.name(), log_key.clone());
    let v = policy
        .open(checkpoint)
        .map_err(|e| WitnessError::BadCheckpoint(e.to_string()))?;
    let now = Seen {
        size: v.checkpoint.size,
        root: v.checkpoint.root,
    };
    if let Some(seen) = seen {
        if now.size < seen.size {
            return Err(WitnessError::Rollback {
                seen: seen.size,
                got: now.size,
            });
        }
        if now.size == seen.size && now.root != seen.root {
            return Err(WitnessError::Fork { size: now.size });
        }
        if now.size > seen.size {
            verify_consistency(seen.size, now.size, &seen.root, &now.root, consistency).map_err(
                |e| WitnessError::Inconsistent {
                    seen: seen.size,
                    why: e.to_string(),
                },
            )?;
        }
    }
    let note = Note::parse(checkpoint).map_err(|e| WitnessError::BadCheckpoint(e.to_string()))?;
    let bytes = signer
        .sign(note.text())
        .map_err(|e| WitnessError::Sign(e.to_string()))?;
    let sig = crate::note::Signature::new(signer.name(), signer.key_id(), bytes)
        .map_err(|e| WitnessError::Sign(e.to_string()))?;
    Ok((now, sig.to_line()))
}

/// A cosignature line as a storable object (`log/<device>/cosignature/<size>/<key id>`).
pub fn cosignature_object(line: &str) -> crate::Stored {
    crate::Stored::new(line.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Checkpoint;
    use crate::merkle::{MemTree, consistency_proof};
    use khronika_crypto::Key32;
    use khronika_crypto::sign::SigningKey;

    fn log_and_witness() -> (SigningKey, SigningKey, MemTree) {
        let log = SigningKey::from_seed(&Key32::from_bytes([1; 32]));
        let wit = SigningKey::from_seed(&Key32::from_bytes([2; 32]));
        let mut t = MemTree::new();
        for i in 0..40u8 {
            t.push(crate::log::leaf_hash(&[i]));
        }
        (log, wit, t)
    }

    fn cp(log: &SigningKey, t: &MemTree, size: u64) -> String {
        Checkpoint {
            origin: "khronika/test".into(),
            size,
            root: t.root_at(size),
        }
        .sign(log)
    }

    fn proof(t: &MemTree, a: u64, b: u64) -> Vec<[u8; 32]> {
        consistency_proof(t, a, b).unwrap_or_default()
    }

    #[test]
    fn cosigns_consistent_growth_and_refuses_rollback_fork_and_lies() {
        let (log, wit, t) = log_and_witness();
        let lk = VerifierKey::ed25519("khronika/test", log.public()).unwrap();
        let signer = CosignatureV1Signer::new("witness.example/w1", &wit, 1_700_000_000).unwrap();
        let (s10, line) = witness(&lk, None, cp(&log, &t, 10).as_bytes(), &[], &signer).unwrap();
        assert!(line.starts_with("\u{2014} witness.example/w1 "));
        // The cosignature verifies as a C2SP cosignature on the checkpoint.
        let wk = VerifierKey::cosignature_v1("witness.example/w1", wit.public()).unwrap();
        let cosigned = format!("{}{line}", cp(&log, &t, 10));
        let policy = CheckpointPolicy::new("khronika/test", lk.clone()).with_witnesses([wk], 1);
        assert_eq!(
            policy.open(cosigned.as_bytes()).unwrap().cosignatures.len(),
            1
        );

        let (s25, _) = witness(
            &lk,
            Some(s10),
            cp(&log, &t, 25).as_bytes(),
            &proof(&t, 10, 25),
            &signer,
        )
        .unwrap();
        assert_eq!(s25.size, 25);
        assert!(matches!(
            witness(&lk, Some(s25), cp(&log, &t, 20).as_bytes(), &[], &signer),
            Err(WitnessError::Rollback { seen: 25, got: 20 })
        ));
        // A rewritten history at the same size: another tree.
        let mut other = MemTree::new();
        for i in 0..25u8 {
            other.push(crate::log::leaf_hash(&[i ^ 0x80]));
        }
        assert!(matches!(
            witness(
                &lk,
                Some(s25),
                cp(&log, &other, 25).as_bytes(),
                &[],
                &signer
            ),
            Err(WitnessError::Fork { size: 25 })
        ));
        // Growth that does not extend what was seen.
        let mut forked = other.clone();
        for i in 25..30u8 {
            forked.push(crate::log::leaf_hash(&[i]));
        }
        assert!(matches!(
            witness(
                &lk,
                Some(s25),
                cp(&log, &forked, 30).as_bytes(),
                &proof(&forked, 25, 30),
                &signer
            ),
            Err(WitnessError::Inconsistent { seen: 25, .. })
        ));
        // Not signed by the log's key.
        let stranger = SigningKey::from_seed(&Key32::from_bytes([9; 32]));
        assert!(matches!(
            witness(
                &lk,
                Some(s25),
                cp(&stranger, &t, 30).as_bytes(),
                &proof(&t, 25, 30),
                &signer
            ),
            Err(WitnessError::BadCheckpoint(_))
        ));
    }
}
