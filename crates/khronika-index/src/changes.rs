//! What changed since a point: for views derived from the records index (the search index),
//! which catch up by asking which records had revisions stored since they last looked.

use khronika_domain::revision::RevisionId;
use khronika_domain::{RecordId, RecordKind};
use rusqlite::OptionalExtension;

use crate::codec::{parse_revision_id, record_id};
use crate::error::IndexError;
use crate::index::RecordIndex;

/// A point in the index's history of stored revisions: the sequence number of the last one
/// stored, and its id (so that a mark taken from an index since deleted and rebuilt, whose
/// numbers mean something else, is recognised). Sequence numbers only grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeMark {
    /// Sequence number of the last revision stored (0: none).
    pub seq: i64,
    /// Its id (`None` when `seq` is 0).
    pub revision: Option<RevisionId>,
}

impl RecordIndex {
    /// The mark of the last revision stored now.
    pub fn change_mark(&self) -> Result<ChangeMark, IndexError> {
        let sql = self.sql();
        let row: Option<(i64, Vec<u8>)> = self
            .conn()
            .query_row(
                "SELECT seq, id FROM revisions ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&sql)?;
        match row {
            None => Ok(ChangeMark::default()),
            Some((seq, id)) => Ok(ChangeMark {
                seq,
                revision: Some(
                    parse_revision_id(&id).map_err(|e| IndexError::damaged(self.path(), e))?,
                ),
            }),
        }
    }

    /// The records (sorted, each once) that had revisions stored after `mark`, and the mark
    /// of now; `None` if `mark` is not a point of this index's history (it was rebuilt since):
    /// then everything derived from it must be derived again.
    pub fn changed_since(
        &self,
        mark: &ChangeMark,
    ) -> Result<Option<(Vec<RecordId>, ChangeMark)>, IndexError> {
        let sql = self.sql();
        if mark.seq != 0 {
            let at: Option<Vec<u8>> = self
                .conn()
                .query_row("SELECT id FROM revisions WHERE seq = ?1", [mark.seq], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(&sql)?;
            if at.as_deref() != mark.revision.as_ref().map(|r| &r.0[..]) {
                return Ok(None);
            }
        } else if mark.revision.is_some() {
            return Ok(None);
        }
        let now = self.change_mark()?;
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT DISTINCT record FROM revisions WHERE seq > ?1 AND seq <= ?2 ORDER BY record",
            )
            .map_err(&sql)?;
        let rows = stmt
            .query_map([mark.seq, now.seq], |r| r.get::<_, Vec<u8>>(0))
            .map_err(&sql)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(
                record_id(&r.map_err(&sql)?).map_err(|e| IndexError::damaged(self.path(), e))?,
            );
        }
        Ok(Some((out, now)))
    }

    /// The cases whose current value refers to `id` (the cases that gather it), sorted.
    pub fn cases_gathering(&self, id: &RecordId) -> Result<Vec<RecordId>, IndexError> {
        self.references_to(id, RecordKind::Case)
    }
}
