//! How values are stored in the index's columns: record ids as 17-byte keys, lists of
//! revision ids as concatenated 32-byte blobs, JSON for fields, values and conflicts.
//!
//! **Decision: a record key is the id's type letter (ASCII) and its 16 random bytes.** Keys of
//! one kind are then contiguous and ordered as [`RecordId`]s of that kind are, so "the links
//! that name this event" is a range of the `refs` index, and the letter, being part of the id's
//! text form, never changes meaning.

use khronika_domain::revision::FieldConflict;
use khronika_domain::{RecordId, RecordKind, RevisionId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Length of a stored record key.
pub(crate) const RECORD_KEY_LEN: usize = 17;

/// The stored key of a record id.
pub(crate) fn record_key(id: &RecordId) -> [u8; RECORD_KEY_LEN] {
    let mut out = [0u8; RECORD_KEY_LEN];
    // Every kind's letter is ASCII.
    out[0] = u8::try_from(id.kind().letter()).unwrap_or(b'?');
    out[1..].copy_from_slice(&id.bytes());
    out
}

/// The record id of a stored key, or a description of why it is not one.
pub(crate) fn record_id(key: &[u8]) -> Result<RecordId, String> {
    let (&letter, rest) = key
        .split_first()
        .ok_or_else(|| "an empty record key".to_owned())?;
    let kind = RecordKind::from_letter(char::from(letter))
        .ok_or_else(|| format!("a record key of unknown kind {letter:#04x}"))?;
    let bytes: [u8; 16] = rest
        .try_into()
        .map_err(|_| format!("a record key of {} bytes", key.len()))?;
    Ok(RecordId::new(kind, bytes))
}

/// The first key of `kind`, and the first key after it: the range of that kind's keys.
pub(crate) fn kind_range(kind: RecordKind) -> ([u8; 1], [u8; 1]) {
    let letter = u8::try_from(kind.letter()).unwrap_or(b'?');
    ([letter], [letter.saturating_add(1)])
}

/// The sort position of a kind in lists: its place in [`RecordKind::ALL`], which is the
/// order of [`RecordKind`]'s `Ord`.
pub(crate) fn kind_order(kind: RecordKind) -> i64 {
    let pos = RecordKind::ALL.iter().position(|k| *k == kind);
    pos.and_then(|p| i64::try_from(p).ok()).unwrap_or(i64::MAX)
}

/// Revision ids as one blob, in the given order.
pub(crate) fn revision_ids(ids: &[RevisionId]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 32);
    for id in ids {
        out.extend_from_slice(&id.0);
    }
    out
}

/// The revision ids of a blob made by [`revision_ids`].
pub(crate) fn parse_revision_ids(blob: &[u8]) -> Result<Vec<RevisionId>, String> {
    if !blob.len().is_multiple_of(32) {
        return Err(format!(
            "a list of revision ids of {} bytes, not a multiple of 32",
            blob.len()
        ));
    }
    Ok(blob
        .chunks_exact(32)
        .filter_map(|c| <[u8; 32]>::try_from(c).ok().map(RevisionId))
        .collect())
}

/// One revision id of 32 bytes.
pub(crate) fn parse_revision_id(blob: &[u8]) -> Result<RevisionId, String> {
    <[u8; 32]>::try_from(blob)
        .map(RevisionId)
        .map_err(|_| format!("a revision id of {} bytes", blob.len()))
}

/// A conflict as stored in `records.conflicts` (a JSON array of these).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredConflict {
    field: String,
    candidates: Vec<(RevisionId, Value)>,
}

/// The conflicts as JSON, `None` when there are none.
pub(crate) fn conflicts_json(conflicts: &[FieldConflict]) -> Result<Option<String>, String> {
    if conflicts.is_empty() {
        return Ok(None);
    }
    let stored: Vec<StoredConflict> = conflicts
        .iter()
        .map(|c| StoredConflict {
            field: c.field.clone(),
            candidates: c.candidates.clone(),
        })
        .collect();
    serde_json::to_string(&stored)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The conflicts of a `records.conflicts` column.
pub(crate) fn parse_conflicts(json: Option<&str>) -> Result<Vec<FieldConflict>, String> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let stored: Vec<StoredConflict> =
        serde_json::from_str(json).map_err(|e| format!("stored conflicts: {e}"))?;
    Ok(stored
        .into_iter()
        .map(|c| FieldConflict {
            field: c.field,
            candidates: c.candidates,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_round_trip_and_sort_within_a_kind() {
        for kind in RecordKind::ALL {
            let lo = RecordId::new(kind, [0; 16]);
            let hi = RecordId::new(kind, [0xff; 16]);
            assert_eq!(record_id(&record_key(&lo)), Ok(lo));
            assert_eq!(record_id(&record_key(&hi)), Ok(hi));
            assert!(record_key(&lo) < record_key(&hi));
            let (start, end) = kind_range(kind);
            assert!(start.as_slice() <= record_key(&lo).as_slice());
            assert!(record_key(&hi).as_slice() < end.as_slice());
        }
        assert!(record_id(&[]).is_err());
        assert!(record_id(&[b'Q'; 17]).is_err());
        assert!(record_id(&[b'P'; 16]).is_err());
    }

    #[test]
    fn kind_order_follows_the_kinds_order() {
        let mut kinds = RecordKind::ALL.to_vec();
        kinds.sort();
        assert_eq!(kinds, RecordKind::ALL.to_vec());
        for w in RecordKind::ALL.windows(2) {
            assert!(kind_order(w[0]) < kind_order(w[1]));
        }
    }

    #[test]
    fn revision_id_lists_round_trip() {
        let ids = vec![
            RevisionId([1; 32]),
            RevisionId([9; 32]),
            RevisionId([1; 32]),
        ];
        assert_eq!(parse_revision_ids(&revision_ids(&ids)), Ok(ids));
        assert_eq!(parse_revision_ids(&[]), Ok(vec![]));
        assert!(parse_revision_ids(&[0; 33]).is_err());
        assert!(parse_revision_id(&[0; 31]).is_err());
    }
}
