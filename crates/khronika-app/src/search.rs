//! Search: one encrypted tantivy index ([`khronika_search::SearchIndex`]) per compartment,
//! under `VAULT/search/<compartment hex>-<epoch>/`, derived from the records index and the
//! evidence of the logs, and brought up to date lazily when a search runs.
//!
//! - **Key**: `derive_key("khronika 2026-11 search index v1", epoch secret)` of the newest
//!   epoch of the compartment the member holds; a new epoch gives a new folder, and the
//!   folders of other epochs are deleted (`docs/FORMATS.md` §25).
//! - **What is indexed**: every record as the records index folds it now (deleted or
//!   unreadable records are removed), with the cases that gather it; every evidence file by
//!   its name, and the text of plain-text, HTML and PDF files up to
//!   [`extract::MAX_FILE_BYTES`], decrypted in memory ([`crate::extract`]).
//! - **Catching up**: the index keeps, sealed in its commit with the documents, a
//!   [`Watermark`]: the records index's [`ChangeMark`] it has seen (the records changed since
//!   are asked from the records index, never from the log), and per device log how many
//!   entries of evidence it has seen. A records index rebuilt since (its mark is unknown) makes
//!   the search index start again.
//! - **Who sees what**: only the indexes of compartments whose key epochs are wrapped to the
//!   member are opened (the source-identities register only after it was opened in the
//!   session), so results never come from a compartment the member cannot read.
//!
//! Like the records index, the search index writes its (sealed) files itself, not through
//! [`khronika_backends::Fs`]; it is derived data, rebuilt by `khronika reindex`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use khronika_crypto::hash::{from_hex, to_hex};
use khronika_crypto::kdf;
use khronika_domain::revision::RevisionId;
use khronika_domain::{EvidenceId, Record, RecordId, RecordKind};
use khronika_index::{ChangeMark, RecordIndex};
use khronika_search::{DocId, EvidenceDoc, SearchError, SearchIndex, SearchKey, Settings};
pub use khronika_search::{Facets, Filters, SCHEMA_VERSION, SearchQuery, Snippet};
use khronika_store::CompartmentId;
use serde::{Deserialize, Serialize};

use crate::devices::Trust;
use crate::error::{AppError, ErrorCode};
use crate::extract::{self, Extracted};
use crate::vault::UnlockedVault;

/// Folder of the search indexes, inside the vault folder.
pub const SEARCH_DIR: &str = "search";
/// The derive-key context of a search index key (`docs/FORMATS.md` §25).
pub const KEY_CONTEXT: &str = "khronika 2026-11 search index v1";
/// Documents added between two commits while catching up.
const BATCH: usize = 20_000;

/// How far a search index has caught up, kept (as one line of JSON) with each commit.
/// Field names are part of the format (FORMATS §25).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watermark {
    /// Version, 1.
    pub v: u32,
    /// The records index's last stored revision seen: its sequence number.
    pub seq: i64,
    /// And its id (hex), absent when `seq` is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    /// Per device (hex id): entries of its log whose evidence has been indexed.
    pub evidence: BTreeMap<String, u64>,
}

impl Watermark {
    /// One line of JSON.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Read a watermark; an empty text is a new index. `None` if it does not read.
    pub fn decode(s: &str) -> Option<Watermark> {
        if s.is_empty() {
            return Some(Watermark {
                v: 1,
                ..Watermark::default()
            });
        }
        serde_json::from_str::<Watermark>(s)
            .ok()
            .filter(|w| w.v == 1)
    }

    fn mark(&self) -> Option<ChangeMark> {
        let revision = match &self.rev {
            None => None,
            Some(h) => Some(RevisionId(from_hex::<32>(h)?)),
        };
        Some(ChangeMark {
            seq: self.seq,
            revision,
        })
    }

    fn set_mark(&mut self, m: &ChangeMark) {
        self.seq = m.seq;
        self.rev = m.revision.map(|r| to_hex(&r.0));
    }
}

/// What catching up did, per compartment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchReport {
    /// The compartment's name.
    pub compartment: String,
    /// Records added, replaced or removed.
    pub records: usize,
    /// Evidence files indexed.
    pub evidence: usize,
    /// Of which with their text.
    pub evidence_text: usize,
    /// Documents in the index now.
    pub documents: u64,
    /// Whether the index was started again from nothing.
    pub rebuilt: bool,
    /// Evidence whose text was left out, and why (one line each).
    pub notes: Vec<String>,
}

/// A hit, with its compartment.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// Record id (`C-…`) or evidence id (`E…`).
    pub id: String,
    /// `case`, `event`, …, or `evidence`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its title or name (a file name for evidence).
    pub label: String,
    /// The compartment's name.
    pub compartment: String,
    /// Relevance (higher is better; comparable within one search).
    pub score: f32,
    /// Passages with the matched words.
    pub snippets: Vec<Snippet>,
}

/// What a search found.
#[derive(Debug, Clone, Serialize)]
pub struct SearchOutcome {
    /// Matches in all, across the compartments searched.
    pub total: usize,
    /// The best, best first.
    pub hits: Vec<SearchHit>,
    /// Matches by type and act type (when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    /// The compartments searched.
    pub compartments: Vec<String>,
    /// What catching up did first (empty when the indexes were up to date).
    pub updated: Vec<SearchReport>,
}

pub(crate) fn search_err(e: SearchError) -> AppError {
    let code = match &e {
        SearchError::BadQuery(_) => ErrorCode::Usage,
        e if e.needs_reindex() => ErrorCode::Damaged,
        SearchError::Internal { .. } => ErrorCode::Internal,
        _ => ErrorCode::Storage,
    };
    AppError::new(code, e.to_string())
}

fn index_err(e: khronika_index::IndexError) -> AppError {
    crate::indexes::index_err(e)
}

/// An open search index and where it is.
struct Open {
    c: CompartmentId,
    index: SearchIndex,
    mark: Watermark,
    report: SearchReport,
}

impl UnlockedVault {
    fn search_root(&self) -> PathBuf {
        self.vault.root.join(SEARCH_DIR)
    }

    fn search_path(&self, c: CompartmentId, epoch: u32) -> PathBuf {
        self.search_root().join(format!("{}-{epoch}", c.to_hex()))
    }

    /// Delete the search folders of compartment `c`, except that of epoch `keep`.
    fn remove_search_dirs(&self, c: CompartmentId, keep: Option<u32>) -> Result<(), AppError> {
        let Ok(list) = std::fs::read_dir(self.search_root()) else {
            return Ok(());
        };
        let prefix = format!("{}-", c.to_hex());
        let keep = keep.map(|k| format!("{prefix}{k}"));
        for e in list.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && keep.as_deref() != Some(name.as_str()) {
                remove_index_dir(&e.path())?;
            }
        }
        Ok(())
    }

    /// Open (creating) the search index of `c` under `epoch`. An index of another schema or
    /// under another key (derived data) is deleted and started again.
    fn open_search(&self, c: CompartmentId, epoch: u32) -> Result<Open, AppError> {
        if !self.vault.fs.is_os() {
            return Err(AppError::new(
                ErrorCode::Storage,
                "search needs the vault on a local disk",
            ));
        }
        let secret = self
            .epoch_secrets
            .get(&(c, epoch))
            .ok_or_else(|| AppError::internal("no secret for a searched compartment"))?;
        let key = SearchKey::from_key(kdf::derive(KEY_CONTEXT, secret));
        let root = self.search_root();
        std::fs::create_dir_all(&root)
            .map_err(|e| crate::error::io_error("creating the search folder", e))?;
        let path = self.search_path(c, epoch);
        let settings = Settings {
            cache_bytes: 32 << 20,
            writer_threads: 1,
            writer_memory: 48 << 20,
        };
        let index = match SearchIndex::open_with(&path, &key, settings) {
            Err(SearchError::NotAnIndex { .. } | SearchError::WrongKey { .. }) => {
                remove_index_dir(&path)?;
                SearchIndex::open_with(&path, &key, settings).map_err(search_err)?
            }
            other => other.map_err(search_err)?,
        };
        let mut index = index;
        let state = index.state().map_err(search_err)?;
        let (mark, rebuilt) = match Watermark::decode(&state) {
            Some(m) => (m, false),
            None => {
                index.clear().map_err(search_err)?;
                (
                    Watermark {
                        v: 1,
                        ..Watermark::default()
                    },
                    true,
                )
            }
        };
        Ok(Open {
            c,
            index,
            mark,
            report: SearchReport {
                compartment: self.directory.label(&c),
                rebuilt,
                ..SearchReport::default()
            },
        })
    }

    /// Open the search index of every compartment this member may search, brought up to
    /// date with the records index and the evidence.
    fn caught_up(&mut self) -> Result<Vec<Open>, AppError> {
        self.fresh_indexes()?;
        let wanted = self.indexed_compartments();
        let mut open = Vec::new();
        for (c, epoch, newest) in wanted {
            if newest {
                self.remove_search_dirs(c, Some(epoch))?;
            }
            open.push(self.open_search(c, epoch)?);
        }
        // Records: ask each compartment's records index what changed.
        let mut failed: Option<AppError> = None;
        let mut by_c: BTreeMap<CompartmentId, &mut Open> =
            open.iter_mut().map(|o| (o.c, o)).collect();
        self.find_in_indexes(|c, rindex| {
            if let Some(o) = by_c.get_mut(&c)
                && let Err(e) = catch_up_records(o, rindex)
            {
                failed = Some(e);
                return Ok(Some(()));
            }
            Ok(None)
        })?;
        drop(by_c);
        if let Some(e) = failed {
            return Err(e);
        }
        for o in &mut open {
            self.catch_up_evidence(o)?;
        }
        for o in &mut open {
            if o.report.records + o.report.evidence > 0 || o.report.rebuilt {
                o.index
                    .commit_with_state(&o.mark.encode())
                    .map_err(search_err)?;
            }
            o.report.documents = o.index.len();
        }
        Ok(open)
    }

    fn catch_up_evidence(&mut self, o: &mut Open) -> Result<(), AppError> {
        let trust = self.trust();
        let c = o.c;
        let todo: Vec<crate::catalog::EvidenceRecord> = self
            .evidence()
            .iter()
            .filter(|r| {
                r.compartment == c
                    && r.index
                        >= o.mark
                            .evidence
                            .get(&r.device.to_hex())
                            .copied()
                            .unwrap_or(0)
            })
            .cloned()
            .collect();
        // Per device: how far every evidence entry has been handled (up to the first one not
        // trusted, which is offered again next time).
        let mut upto: BTreeMap<String, u64> = BTreeMap::new();
        let mut blocked: BTreeSet<String> = BTreeSet::new();
        for r in todo {
            let dev = r.device.to_hex();
            if trust.trust(&r.device, r.index) != Trust::Trusted {
                blocked.insert(dev);
                continue;
            }
            let doc = self.evidence_doc(&r, &mut o.report)?;
            o.index.add_evidence(&doc).map_err(search_err)?;
            o.report.evidence += 1;
            if !blocked.contains(&dev) {
                let u = upto.entry(dev).or_insert(0);
                *u = (*u).max(r.index + 1);
            }
        }
        for (d, n) in upto {
            let w = o.mark.evidence.entry(d).or_insert(0);
            *w = (*w).max(n);
        }
        Ok(())
    }

    /// An evidence file's document: its name, and its text if it has one that can be read.
    fn evidence_doc(
        &mut self,
        r: &crate::catalog::EvidenceRecord,
        report: &mut SearchReport,
    ) -> Result<EvidenceDoc, AppError> {
        let id = EvidenceId::parse(&r.payload.id)
            .map_err(|e| AppError::new(ErrorCode::Damaged, e.to_string()))?;
        let mut doc = EvidenceDoc {
            id,
            name: r.payload.name.clone(),
            text: String::new(),
        };
        let p = &r.payload;
        if !extract::is_text_like(&p.media_type) {
            return Ok(doc);
        }
        let mut note = |why: String| {
            report.notes.push(format!("{} ({}): {why}", p.id, p.name));
        };
        if p.size > extract::MAX_FILE_BYTES {
            note(format!(
                "larger than {} MiB, so only its name is searchable",
                extract::MAX_FILE_BYTES >> 20
            ));
            return Ok(doc);
        }
        let keys = self
            .epochs
            .get(&(r.compartment, r.epoch))
            .cloned()
            .ok_or_else(|| AppError::internal("no keys for readable evidence"))?;
        let backend = self.vault.backend.clone();
        let blobs = self.blob_index(r.compartment)?;
        // In memory only: never a temporary file.
        let mut bytes =
            zeroize::Zeroizing::new(Vec::with_capacity(usize::try_from(p.size).unwrap_or(0)));
        if let Err(e) =
            crate::catalog::write_evidence(backend.as_ref(), &keys, blobs, r, &mut *bytes)
        {
            note(format!(
                "its content could not be read ({}); only its name is searchable",
                e.message
            ));
            return Ok(doc);
        }
        match extract::extract(&p.media_type, &bytes) {
            Extracted::Text(t, n) => {
                if let Some(n) = n {
                    note(n);
                }
                doc.text = t;
                report.evidence_text += 1;
            }
            Extracted::Skipped(why) => note(why),
            Extracted::NotText => {}
        }
        Ok(doc)
    }

    /// Bring every search index this member may use up to date (what `search` does first).
    pub fn update_search(&mut self) -> Result<Vec<SearchReport>, AppError> {
        let open = self.caught_up()?;
        let mut out = Vec::new();
        for o in open {
            out.push(o.report);
            o.index.close().map_err(search_err)?;
        }
        Ok(out)
    }

    /// Delete and rebuild every search index this member may use (`khronika reindex`).
    pub fn rebuild_search(&mut self) -> Result<Vec<SearchReport>, AppError> {
        for (c, _, _) in self.indexed_compartments() {
            self.remove_search_dirs(c, None)?;
        }
        let mut reports = self.update_search()?;
        for r in &mut reports {
            r.rebuilt = true;
        }
        Ok(reports)
    }

    /// Search every compartment this member can read (and only those), after bringing the
    /// indexes up to date. A query with no words and no filter is refused.
    pub fn search(&mut self, q: &SearchQuery) -> Result<SearchOutcome, AppError> {
        let f = &q.filters;
        let no_filter = f.kinds.is_empty()
            && !f.evidence
            && f.acts.is_empty()
            && f.from.is_none()
            && f.to.is_none()
            && f.place.as_deref().is_none_or(|p| p.trim().is_empty())
            && f.case.is_none();
        if q.text.trim().is_empty() && no_filter {
            return Err(AppError::new(
                ErrorCode::Usage,
                "give words to search for (e.g. `khronika search Kadyrov`), or a filter such as --type or --from",
            ));
        }
        if q.text.chars().count() > 1000 {
            return Err(AppError::new(
                ErrorCode::Usage,
                "the query is too long (more than 1,000 characters); search for fewer words",
            ));
        }
        let open = self.caught_up()?;
        let mut hits = Vec::new();
        let mut total = 0;
        let mut facets: Option<Facets> = None;
        let mut compartments = Vec::new();
        let mut updated = Vec::new();
        // One search over all the compartments' indexes, scored with their statistics
        // together, so that merging by score ranks fairly across compartments.
        let results = {
            let refs: Vec<&khronika_search::SearchIndex> = open.iter().map(|o| &o.index).collect();
            khronika_search::SearchIndex::search_all(&refs, q).map_err(search_err)?
        };
        for (o, r) in open.into_iter().zip(results) {
            total += r.total;
            if let Some(f) = &r.facets {
                facets.get_or_insert_with(Facets::default).merge(f);
            }
            for h in r.hits {
                hits.push(SearchHit {
                    id: h.id.to_string(),
                    kind: h.id.kind_name().to_owned(),
                    label: h.label,
                    compartment: o.report.compartment.clone(),
                    score: h.score,
                    snippets: h.snippets,
                });
            }
            compartments.push(o.report.compartment.clone());
            if o.report.records + o.report.evidence > 0 || o.report.rebuilt {
                updated.push(o.report);
            }
            o.index.close().map_err(search_err)?;
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        hits.truncate(q.limit.max(1));
        Ok(SearchOutcome {
            total,
            hits,
            facets,
            compartments,
            updated,
        })
    }
}

/// Apply to `o` the records changed in `rindex` since its watermark.
fn catch_up_records(o: &mut Open, rindex: &RecordIndex) -> Result<(), AppError> {
    // A watermark that does not read is no point of any history: start again.
    let mark = o.mark.mark().unwrap_or(ChangeMark {
        seq: -1,
        revision: Some(RevisionId([0; 32])),
    });
    let (changed, now) = match rindex.changed_since(&mark).map_err(index_err)? {
        Some(x) => x,
        None => {
            // The records index was rebuilt (or this index is new to it): start again.
            o.index.clear().map_err(search_err)?;
            o.mark = Watermark {
                v: 1,
                ..Watermark::default()
            };
            o.report.rebuilt = true;
            rindex
                .changed_since(&ChangeMark::default())
                .map_err(index_err)?
                .ok_or_else(|| AppError::internal("the records index has no start"))?
        }
    };
    let mut done: BTreeSet<RecordId> = BTreeSet::new();
    let mut again: BTreeSet<RecordId> = BTreeSet::new();
    for id in changed {
        if id.kind() == RecordKind::Case {
            // The records it gathered and gathers now get their list of cases again.
            for d in o.index.in_case(id).map_err(search_err)? {
                if let DocId::Record(r) = d {
                    again.insert(r);
                }
            }
            if let Some(f) = rindex.get(&id).map_err(index_err)?
                && let Ok(Record::Case(c)) = &f.record
            {
                again.extend(c.records.iter().copied());
            }
        }
        index_record(o, rindex, id)?;
        done.insert(id);
    }
    for id in again.difference(&done) {
        index_record(o, rindex, *id)?;
    }
    o.mark.set_mark(&now);
    Ok(())
}

fn index_record(o: &mut Open, rindex: &RecordIndex, id: RecordId) -> Result<(), AppError> {
    match rindex.get(&id).map_err(index_err)? {
        Some(f) => match &f.record {
            Ok(record) => {
                let cases = rindex.cases_gathering(&id).map_err(index_err)?;
                o.index.add(record, &cases).map_err(search_err)?;
            }
            // A record that no longer reads as a record (a conflict a person must resolve):
            // left out of search until it does.
            Err(_) => o.index.delete(id).map_err(search_err)?,
        },
        None => o.index.delete(id).map_err(search_err)?,
    }
    o.report.records += 1;
    if o.report.records.is_multiple_of(BATCH) {
        // Keep the writer's memory bounded; the watermark moves only at the end.
        o.index
            .commit_with_state(&o.mark.encode())
            .map_err(search_err)?;
    }
    Ok(())
}

/// Delete a search index folder: its files (all sealed), then the folder.
fn remove_index_dir(path: &std::path::Path) -> Result<(), AppError> {
    let io = |e| crate::error::io_error("removing an old search index", e);
    let list = match std::fs::read_dir(path) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(e)),
    };
    for e in list {
        let e = e.map_err(io)?;
        std::fs::remove_file(e.path()).map_err(io)?;
    }
    std::fs::remove_dir(path).map_err(io)
}

/// A search as a person asks for it (the words of a form or of the command line), turned into
/// a [`SearchQuery`] by [`UnlockedVault::search_query`] with an error that names what is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// Words and `"quoted phrases"`.
    pub text: String,
    /// Types: `case`, `event`, …, or `evidence` (plurals accepted).
    pub types: Vec<String>,
    /// Act types: a HURIDOCS code or `list/code`.
    pub acts: Vec<String>,
    /// The earliest date (`2019`, `2019-02`, `2019-02-15`).
    pub from: Option<String>,
    /// The latest date.
    pub to: Option<String>,
    /// A place, in any script.
    pub place: Option<String>,
    /// A case, by id or the start of it.
    pub case: Option<String>,
    /// Names and words one or two letters off too.
    pub fuzzy: bool,
    /// Most hits (1 to 10,000).
    pub limit: usize,
}

fn bad_request(message: String) -> AppError {
    AppError::new(ErrorCode::Usage, message)
}

/// The first (or last) day a date as typed may mean.
fn date_bound(text: &str, which: &str, last: bool) -> Result<khronika_domain::Date, AppError> {
    let t = text.trim();
    let d = khronika_domain::PartialDate::parse(t).map_err(|_| {
        bad_request(format!(
            "the {which} `{t}` is not a date: give it as 2019, 2019-02 or 2019-02-15"
        ))
    })?;
    let p = khronika_domain::FuzzyPoint::from(d);
    Ok(if last { p.latest() } else { p.earliest() })
}

impl UnlockedVault {
    /// Check a search request and make the query (with facets).
    pub fn search_query(&mut self, r: &SearchRequest) -> Result<SearchQuery, AppError> {
        let mut filters = Filters::default();
        for k in r.types.iter().map(|k| k.trim().to_ascii_lowercase()) {
            if k.is_empty() {
                continue;
            }
            let singular = k.strip_suffix('s').unwrap_or(&k);
            if k == "evidence" || singular == "file" {
                filters.evidence = true;
            } else if let Some(kind) = RecordKind::parse(&k).or_else(|| RecordKind::parse(singular))
            {
                filters.kinds.push(kind);
            } else {
                return Err(bad_request(format!(
                    "the type `{k}` (--type) is not a type: give case, event, person, unit, source, testimony, intervention, link or evidence"
                )));
            }
        }
        for act in r.acts.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            if act.contains(char::is_whitespace) {
                return Err(bad_request(format!(
                    "the act type `{act}` (--act) is not an act type: give its code, e.g. 03010400000004, or list/code"
                )));
            }
            filters.acts.push(act.to_owned());
        }
        let given = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        filters.from = given(&r.from)
            .map(|t| date_bound(&t, "start date (--from)", false))
            .transpose()?;
        filters.to = given(&r.to)
            .map(|t| date_bound(&t, "end date (--to)", true))
            .transpose()?;
        if let (Some(f), Some(t)) = (filters.from, filters.to)
            && f > t
        {
            return Err(bad_request(format!(
                "the start date (--from) {f} is after the end date (--to) {t}; give the earlier date first"
            )));
        }
        filters.place = given(&r.place);
        if let Some(c) = given(&r.case) {
            let id = self.find_record(&c)?;
            if id.kind() != RecordKind::Case {
                return Err(bad_request(format!("{id} is not a case")));
            }
            filters.case = Some(id);
        }
        if r.limit == 0 || r.limit > 10_000 {
            return Err(bad_request(
                "the limit (--limit) must be between 1 and 10000".into(),
            ));
        }
        Ok(SearchQuery {
            text: r.text.clone(),
            fuzzy: r.fuzzy,
            filters,
            limit: r.limit,
            facets: true,
        })
    }
}
