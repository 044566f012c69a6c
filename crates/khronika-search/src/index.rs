//! [`SearchIndex`]: one compartment's search index: records in, hits out.

use std::ops::Bound;
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use khronika_domain::{Date, EvidenceId, Record, RecordId, RecordKind};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery,
    Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, SegmentReader,
    TantivyDocument, Term,
};

use crate::crypt_dir::{BLOCK_SIZE, CryptDir};
use crate::doc::IndexDoc;
use crate::error::SearchError;
use crate::key::SearchKey;
use crate::query::{Plan, QueryWord, SearchQuery};
use crate::snippet::{Snippet, snippet};
use crate::text::{Lang, PALOCHKA, Stemmers, word_is_cyrillic, words};
use crate::translit;

/// The schema's version, kept in every commit's payload; an index of another version is
/// refused (and rebuilt by `khronika reindex`).
pub const SCHEMA_VERSION: &str = "khronika-search/2";

/// The record type under which evidence documents are indexed (`--type evidence`).
pub const EVIDENCE_KIND: &str = "evidence";

/// Weights of the ways a query word can match.
const W_STEM: f32 = 3.0;
const W_NAME: f32 = 2.5;
const W_KEY: f32 = 2.0;
const W_PREFIX: f32 = 1.0;
const W_FUZZY: f32 = 0.8;

/// How an index is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Bytes of decrypted blocks kept in memory (rounded down to whole 64 KiB blocks).
    pub cache_bytes: usize,
    /// Threads that index.
    pub writer_threads: usize,
    /// Memory the indexing threads share, in bytes (at least 15 MB per thread).
    pub writer_memory: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cache_bytes: 64 << 20,
            writer_threads: 1,
            writer_memory: 64 << 20,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    label: Field,
    body: Field,
    text: Field,
    skel: Field,
    names: Field,
    place: Field,
    act: Field,
    case: Field,
    date_from: Field,
    date_to: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let positions = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let freqs = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let date = NumericOptions::from(INDEXED) | FAST;
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        label: b.add_text_field("label", STORED),
        body: b.add_text_field("body", STORED),
        text: b.add_text_field("text", positions.clone()),
        skel: b.add_text_field("skel", positions),
        names: b.add_text_field("names", freqs.clone()),
        place: b.add_text_field("place", freqs),
        act: b.add_text_field("act", STRING | FAST),
        case: b.add_text_field("case", STRING),
        date_from: b.add_i64_field("date_from", date.clone()),
        date_to: b.add_i64_field("date_to", date),
    };
    (b.build(), fields)
}

/// A day as the index stores it: days since 0001-01-01.
fn day(d: Date) -> i64 {
    Date::MIN.days_until(d)
}

fn token(text: String, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    }
}

fn pre(tokens: Vec<Token>) -> PreTokenizedString {
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

/// What a hit is: a record, or an evidence file whose text (or name) matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocId {
    /// A record (`C-…`, `V-…`, …).
    Record(RecordId),
    /// An evidence file (`E…`).
    Evidence(EvidenceId),
}

impl DocId {
    /// The record type (`case`, `event`, …) or `evidence`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            DocId::Record(r) => r.kind().as_str(),
            DocId::Evidence(_) => EVIDENCE_KIND,
        }
    }

    /// The record's type, if a record.
    pub fn record_kind(&self) -> Option<RecordKind> {
        match self {
            DocId::Record(r) => Some(r.kind()),
            DocId::Evidence(_) => None,
        }
    }

    fn parse(id: &str) -> Option<DocId> {
        if let Ok(r) = RecordId::parse(id) {
            return Some(DocId::Record(r));
        }
        EvidenceId::parse(id).ok().map(DocId::Evidence)
    }
}

impl std::fmt::Display for DocId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocId::Record(r) => r.fmt(f),
            DocId::Evidence(e) => e.fmt(f),
        }
    }
}

/// An evidence file as the search index sees it: its id, name, and the text extracted
/// from it (empty when the file has none the app could read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceDoc {
    /// The evidence id.
    pub id: EvidenceId,
    /// Its original file name (searched too).
    pub name: String,
    /// Its text, if any.
    pub text: String,
}

/// One hit of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The record or evidence file (its type is [`DocId::kind_name`]).
    pub id: DocId,
    /// What to call it.
    pub label: String,
    /// How well it matches (higher is better; comparable within one search only).
    pub score: f32,
    /// Passages with the matched words marked (none when only filters matched, or the
    /// match was in a name key only).
    pub snippets: Vec<Snippet>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// How many records match in all.
    pub total: usize,
    /// The best of them, best first, at most the query's limit.
    pub hits: Vec<Hit>,
    /// Counts over every match (not only the hits returned): by record type
    /// (`case`, …, `evidence`) and by act type (`list/code`), when the query asked for them.
    pub facets: Option<Facets>,
}

/// Counts of the matches by record type and by act type.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Facets {
    /// Matches per record type.
    pub types: BTreeMap<String, u64>,
    /// Matches per act type (`list/code`); a record with several acts of a type counts once.
    pub acts: BTreeMap<String, u64>,
}

impl Facets {
    /// Add the counts of `other`.
    pub fn merge(&mut self, other: &Facets) {
        for (k, n) in &other.types {
            *self.types.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &other.acts {
            *self.acts.entry(k.clone()).or_default() += n;
        }
    }
}

/// Counts the matches by the values of two fast text fields.
struct FacetCollector;

struct FacetSegment {
    kind: Option<tantivy::columnar::StrColumn>,
    act: Option<tantivy::columnar::StrColumn>,
    kinds: BTreeMap<u64, u64>,
    acts: BTreeMap<u64, u64>,
    seen: Vec<u64>,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _ord: tantivy::SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        Ok(FacetSegment {
            kind: reader.fast_fields().str("kind")?,
            act: reader.fast_fields().str("act")?,
            kinds: BTreeMap::new(),
            acts: BTreeMap::new(),
            seen: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Facets>) -> tantivy::Result<Facets> {
        let mut out = Facets::default();
        for f in &fruits {
            out.merge(f);
        }
        Ok(out)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = Facets;

    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        if let Some(c) = &self.kind {
            for o in c.term_ords(doc) {
                *self.kinds.entry(o).or_default() += 1;
            }
        }
        if let Some(c) = &self.act {
            self.seen.clear();
            self.seen.extend(c.term_ords(doc));
            self.seen.sort_unstable();
            self.seen.dedup();
            for o in &self.seen {
                *self.acts.entry(*o).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> Facets {
        let mut out = Facets::default();
        let mut buf = Vec::new();
        let mut name = |c: &tantivy::columnar::StrColumn, o: u64| -> Option<String> {
            buf.clear();
            c.ord_to_bytes(o, &mut buf).ok()?;
            String::from_utf8(buf.clone()).ok()
        };
        if let Some(c) = &self.kind {
            for (o, n) in &self.kinds {
                if let Some(k) = name(c, *o) {
                    out.types.insert(k, *n);
                }
            }
        }
        if let Some(c) = &self.act {
            for (o, n) in &self.acts {
                // Act types are indexed as `list/code` and as `code`: count the first.
                if let Some(k) = name(c, *o).filter(|k| k.contains('/')) {
                    out.acts.insert(k, *n);
                }
            }
        }
        out
    }
}

/// One compartment's search index, in an encrypted folder.
///
/// **One index per compartment**, under that compartment's key: a member who cannot read a
/// compartment does not hold its key, so cannot open its index; the caller (the app layer)
/// opens only the indexes of compartments the member may read and merges their hits. This
/// crate does not know who is asking.
pub struct SearchIndex {
    path: PathBuf,
    dir: CryptDir,
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Option<IndexWriter<TantivyDocument>>,
    settings: Settings,
    stemmers: Stemmers,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SearchIndex({})", self.path.display())
    }
}

impl SearchIndex {
    /// Open the index in folder `dir` with `key`, creating it if the folder is empty or
    /// missing.
    pub fn open(dir: &Path, key: &SearchKey) -> Result<SearchIndex, SearchError> {
        SearchIndex::open_with(dir, key, Settings::default())
    }

    /// [`SearchIndex::open`] with settings.
    pub fn open_with(
        dir: &Path,
        key: &SearchKey,
        settings: Settings,
    ) -> Result<SearchIndex, SearchError> {
        let path = dir.to_path_buf();
        let t = |e| SearchError::tantivy(&path, e);
        let crypt = CryptDir::open(dir, key, settings.cache_bytes / BLOCK_SIZE)
            .map_err(|e| SearchError::open(dir, e))?;
        let (schema, fields) = schema();
        let exists = Index::exists(&crypt).map_err(|e| SearchError::tantivy(dir, e.into()))?;
        let index = if exists {
            let index = Index::open(crypt.clone()).map_err(t)?;
            let metas = index.load_metas().map_err(t)?;
            let version = metas.payload.as_deref().map(|p| p.split('\n').next());
            if version != Some(Some(SCHEMA_VERSION)) || index.schema() != schema {
                return Err(SearchError::NotAnIndex {
                    path,
                    detail: format!(
                        "its schema is {}, this version reads {SCHEMA_VERSION}",
                        metas
                            .payload
                            .as_deref()
                            .and_then(|p| p.split('\n').next())
                            .unwrap_or("unknown")
                    ),
                });
            }
            index
        } else {
            Index::create(crypt.clone(), schema, IndexSettings::default()).map_err(t)?
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(t)?;
        let mut this = SearchIndex {
            path,
            dir: crypt,
            index,
            fields,
            reader,
            writer: None,
            settings,
            stemmers: Stemmers::default(),
        };
        if !exists {
            // Stamp the new index with its schema version.
            this.commit()?;
        }
        Ok(this)
    }

    /// The folder of the index.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Decrypted blocks held in memory now.
    pub fn cached_blocks(&self) -> usize {
        self.dir.cached_blocks()
    }

    fn t(&self, e: tantivy::TantivyError) -> SearchError {
        SearchError::tantivy(&self.path, e)
    }

    fn writer(&mut self) -> Result<&mut IndexWriter<TantivyDocument>, SearchError> {
        if self.writer.is_none() {
            let threads = self.settings.writer_threads.max(1);
            let memory = self.settings.writer_memory.max(threads * 16_000_000);
            let w = self
                .index
                .writer_with_num_threads(threads, memory)
                .map_err(|e| SearchError::tantivy(&self.path, e))?;
            self.writer = Some(w);
        }
        self.writer
            .as_mut()
            .ok_or_else(|| SearchError::internal(&self.path, "no writer"))
    }

    /// Add a record, or replace the one with its id: `cases` are the cases that gather it
    /// (a case gathers itself). Visible to searches after [`SearchIndex::commit`].
    pub fn add(&mut self, record: &Record, cases: &[RecordId]) -> Result<(), SearchError> {
        let d = IndexDoc::of(record, cases);
        let doc = self.document(&d.id.to_string(), d.kind.as_str(), &d);
        self.put(record.id().to_string(), doc)
    }

    /// Add an evidence file's name and text, or replace the one with its id. It has no
    /// dates, places, acts or cases, so those filters leave it out.
    pub fn add_evidence(&mut self, e: &EvidenceDoc) -> Result<(), SearchError> {
        let mut texts = Vec::new();
        for t in [&e.name, &e.text] {
            if !t.trim().is_empty() {
                texts.push((t.clone(), None));
            }
        }
        let d = IndexDoc {
            id: RecordId::new(RecordKind::Case, [0; 16]),
            kind: RecordKind::Case,
            label: e.name.clone(),
            texts,
            names: Vec::new(),
            places: Vec::new(),
            acts: Vec::new(),
            span: None,
            cases: Vec::new(),
        };
        let doc = self.document(e.id.as_str(), EVIDENCE_KIND, &d);
        self.put(e.id.to_string(), doc)
    }

    /// Delete the document with id `id` and add `doc` in its place.
    fn put(&mut self, id: String, doc: TantivyDocument) -> Result<(), SearchError> {
        let id_field = self.fields.id;
        let path = self.path.clone();
        let w = self.writer()?;
        w.delete_term(Term::from_field_text(id_field, &id));
        w.add_document(doc)
            .map_err(|e| SearchError::tantivy(&path, e))?;
        Ok(())
    }

    /// Replace a record (the same as [`SearchIndex::add`]).
    pub fn update(&mut self, record: &Record, cases: &[RecordId]) -> Result<(), SearchError> {
        self.add(record, cases)
    }

    /// Remove a record. Visible after [`SearchIndex::commit`].
    pub fn delete(&mut self, id: RecordId) -> Result<(), SearchError> {
        self.delete_doc(&DocId::Record(id))
    }

    /// Remove a record or an evidence file. Visible after [`SearchIndex::commit`].
    pub fn delete_doc(&mut self, id: &DocId) -> Result<(), SearchError> {
        let term = Term::from_field_text(self.fields.id, &id.to_string());
        self.writer()?.delete_term(term);
        Ok(())
    }

    /// Remove every document (visible after the next commit): to start again.
    pub fn clear(&mut self) -> Result<(), SearchError> {
        let path = self.path.clone();
        self.writer()?
            .delete_all_documents()
            .map_err(|e| SearchError::tantivy(&path, e))?;
        Ok(())
    }

    /// The documents gathered in case `case` (as of the last commit).
    pub fn in_case(&self, case: RecordId) -> Result<Vec<DocId>, SearchError> {
        let searcher = self.reader.searcher();
        let limit = usize::try_from(searcher.num_docs())
            .unwrap_or(usize::MAX)
            .max(1);
        let q = self.term(self.fields.case, &case.to_string());
        let top = searcher
            .search(&q, &TopDocs::with_limit(limit).order_by_score())
            .map_err(|e| self.t(e))?;
        let mut out = Vec::with_capacity(top.len());
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.t(e))?;
            if let Some(id) = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_str())
                .and_then(DocId::parse)
            {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Make every change durable and visible to searches.
    pub fn commit(&mut self) -> Result<(), SearchError> {
        self.commit_with_state("")
    }

    /// [`SearchIndex::commit`], keeping `state` (one line of the caller's own, e.g. how much
    /// of the logs the index covers) with the commit: it is sealed in the commit's metadata,
    /// and made durable with the documents, so a crash loses both or neither.
    pub fn commit_with_state(&mut self, state: &str) -> Result<(), SearchError> {
        if state.contains('\n') {
            return Err(SearchError::internal(
                &self.path,
                "a state of several lines",
            ));
        }
        let path = self.path.clone();
        let w = self.writer()?;
        let mut prepared = w
            .prepare_commit()
            .map_err(|e| SearchError::tantivy(&path, e))?;
        prepared.set_payload(&if state.is_empty() {
            SCHEMA_VERSION.to_owned()
        } else {
            format!("{SCHEMA_VERSION}\n{state}")
        });
        prepared
            .commit()
            .map_err(|e| SearchError::tantivy(&path, e))?;
        self.reader.reload().map_err(|e| self.t(e))
    }

    /// The state kept with the last commit ([`SearchIndex::commit_with_state`]); empty if
    /// none.
    pub fn state(&self) -> Result<String, SearchError> {
        let metas = self.index.load_metas().map_err(|e| self.t(e))?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| p.split_once('\n'))
            .map(|(_, s)| s.to_owned())
            .unwrap_or_default())
    }

    /// Wait for background merges and release the writer (and its lock).
    pub fn close(mut self) -> Result<(), SearchError> {
        if let Some(w) = self.writer.take() {
            w.wait_merging_threads().map_err(|e| self.t(e))?;
        }
        Ok(())
    }

    /// Records in the index (as of the last commit).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, id: &str, kind: &str, d: &IndexDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.id, id);
        doc.add_text(f.kind, kind);
        doc.add_text(f.label, &d.label);
        doc.add_text(f.body, d.body());
        for (text, declared) in &d.texts {
            let ws = words(text);
            let lang = Lang::detect_words(&ws, declared.as_deref());
            let mut stems = Vec::with_capacity(ws.len());
            let mut keys = Vec::with_capacity(ws.len() * 2);
            for w in &ws {
                let stem = self.stemmers.stem(&w.norm, lang).into_owned();
                let cyrillic = word_is_cyrillic(&w.norm);
                // The Russian stem, reused for the keys where the field's stem is it.
                let russian =
                    cyrillic && lang == Lang::RussianEnglish && !w.norm.contains(PALOCHKA);
                let all = if russian {
                    translit::word_keys_with_stem(&w.norm, Some(&stem))
                } else {
                    translit::word_keys(&w.norm, &self.stemmers)
                };
                stems.push(token(stem, w.from, w.to, w.position));
                let capital = text[w.from..]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase);
                // A Latin word in running text: its English reading, and every reading if
                // it is capitalised (likely a name).
                let take = if cyrillic || capital { all.len() } else { 1 };
                for k in all.into_iter().take(take) {
                    keys.push(token(k, w.from, w.to, w.position));
                }
            }
            doc.add_pre_tokenized_text(f.text, pre(stems));
            doc.add_pre_tokenized_text(f.skel, pre(keys));
        }
        for (field, list) in [(f.names, &d.names), (f.place, &d.places)] {
            for name in list {
                let mut toks = Vec::new();
                for w in words(name) {
                    for k in translit::word_keys(&w.norm, &self.stemmers) {
                        toks.push(token(k, w.from, w.to, w.position));
                    }
                }
                doc.add_pre_tokenized_text(field, pre(toks));
            }
        }
        for a in &d.acts {
            doc.add_text(f.act, a);
        }
        for c in &d.cases {
            doc.add_text(f.case, c.to_string());
        }
        if let Some((from, to)) = d.span {
            doc.add_i64(f.date_from, day(from));
            doc.add_i64(f.date_to, day(to));
        }
        doc
    }

    fn term(&self, field: Field, text: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        ))
    }

    fn boosted(q: Box<dyn Query>, w: f32) -> (Occur, Box<dyn Query>) {
        (Occur::Should, Box::new(BoostQuery::new(q, w)))
    }

    /// Every way one query word may match.
    fn word_query(&self, w: &QueryWord, fuzzy: bool) -> Box<dyn Query> {
        let f = &self.fields;
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for s in &w.stems {
            any.push(Self::boosted(self.term(f.text, s), W_STEM));
        }
        if let Some(p) = &w.prefix {
            let q = FuzzyTermQuery::new_prefix(Term::from_field_text(f.text, p), 0, false);
            any.push(Self::boosted(Box::new(q), W_PREFIX));
        }
        for k in &w.keys {
            any.push(Self::boosted(self.term(f.skel, k), W_KEY));
            any.push(Self::boosted(self.term(f.names, k), W_NAME));
            let d = QueryWord::fuzzy_distance(k);
            if fuzzy && d > 0 {
                for field in [f.names, f.skel] {
                    let q = FuzzyTermQuery::new(Term::from_field_text(field, k), d, true);
                    any.push(Self::boosted(Box::new(q), W_FUZZY));
                }
            }
        }
        Box::new(BooleanQuery::new(any))
    }

    /// A phrase: its words' stems in order.
    fn phrase_query(&self, ws: &[QueryWord]) -> Box<dyn Query> {
        let terms: Vec<Term> = ws
            .iter()
            .filter_map(|w| w.stems.first())
            .map(|s| Term::from_field_text(self.fields.text, s))
            .collect();
        Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), W_STEM))
    }

    fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
        (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
    }

    fn any_term(&self, field: Field, values: &[String]) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|v| (Occur::Should, self.term(field, v)))
                .collect(),
        ))
    }

    fn build(&self, q: &SearchQuery, plan: &Plan) -> Box<dyn Query> {
        let f = &self.fields;
        let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &plan.words {
            all.push((Occur::Must, self.word_query(w, plan.fuzzy)));
        }
        for p in &plan.phrases {
            all.push((Occur::Must, self.phrase_query(p)));
        }
        if all.is_empty() {
            all.push((Occur::Must, Box::new(AllQuery)));
        }
        let fl = &q.filters;
        if !fl.kinds.is_empty() || fl.evidence {
            let mut kinds: Vec<String> = fl.kinds.iter().map(|k| k.as_str().to_owned()).collect();
            if fl.evidence {
                kinds.push(EVIDENCE_KIND.to_owned());
            }
            all.push(Self::filter(self.any_term(f.kind, &kinds)));
        }
        if !fl.acts.is_empty() {
            all.push(Self::filter(self.any_term(f.act, &fl.acts)));
        }
        if let Some(c) = fl.case {
            all.push(Self::filter(self.term(f.case, &c.to_string())));
        }
        if let Some(place) = &fl.place {
            for w in words(place) {
                let keys = translit::word_keys(&w.norm, &self.stemmers);
                all.push(Self::filter(self.any_term(f.place, &keys)));
            }
        }
        if fl.from.is_some() || fl.to.is_some() {
            // Overlap: the record's earliest day is not after `to`, its latest not before
            // `from`.
            let to = fl.to.map_or(i64::MAX, day);
            let from = fl.from.map_or(i64::MIN, day);
            all.push(Self::filter(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.date_from, i64::MIN)),
                Bound::Included(Term::from_field_i64(f.date_from, to)),
            ))));
            all.push(Self::filter(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.date_to, from)),
                Bound::Included(Term::from_field_i64(f.date_to, i64::MAX)),
            ))));
        }
        Box::new(BooleanQuery::new(all))
    }

    /// Search: the records that match `q`, best first, with snippets.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        self.search_in(&searcher, q, &searcher)
    }

    /// Search several indexes (one per compartment) as one: every index scores with the term
    /// statistics of all of them together (BM25 over their union), so that a hit from a small
    /// compartment and one from a large compartment compare fairly when the results are
    /// merged by score. One result per index, in the order given.
    pub fn search_all(
        indexes: &[&SearchIndex],
        q: &SearchQuery,
    ) -> Result<Vec<SearchResults>, SearchError> {
        let searchers: Vec<tantivy::Searcher> =
            indexes.iter().map(|ix| ix.reader.searcher()).collect();
        let union = Union(&searchers);
        indexes
            .iter()
            .zip(&searchers)
            .map(|(ix, searcher)| ix.search_in(searcher, q, &union))
            .collect()
    }

    fn search_in(
        &self,
        searcher: &tantivy::Searcher,
        q: &SearchQuery,
        stats: &dyn Bm25StatisticsProvider,
    ) -> Result<SearchResults, SearchError> {
        if let (Some(from), Some(to)) = (q.filters.from, q.filters.to)
            && from > to
        {
            return Err(SearchError::BadQuery(format!(
                "the date range runs backwards ({from} is after {to}); give the earlier date first"
            )));
        }
        let plan = Plan::new(&q.text, q.fuzzy, &self.stemmers);
        let query = self.build(q, &plan);
        let limit = q.limit.max(1);
        let (top, total, facets) = if q.facets {
            let (top, total, facets) = searcher
                .search_with_statistics_provider(
                    &query,
                    &(
                        TopDocs::with_limit(limit).order_by_score(),
                        Count,
                        FacetCollector,
                    ),
                    stats,
                )
                .map_err(|e| self.t(e))?;
            (top, total, Some(facets))
        } else {
            let (top, total) = searcher
                .search_with_statistics_provider(
                    &query,
                    &(TopDocs::with_limit(limit).order_by_score(), Count),
                    stats,
                )
                .map_err(|e| self.t(e))?;
            (top, total, None)
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            hits.push(self.hit(searcher, addr, score, &plan)?);
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        score: f32,
        plan: &Plan,
    ) -> Result<Hit, SearchError> {
        let f = &self.fields;
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.t(e))?;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let id_text = text(f.id);
        let id = DocId::parse(&id_text).ok_or_else(|| SearchError::Damaged {
            path: self.path.clone(),
            detail: "a stored id does not read".into(),
        })?;
        let body = text(f.body);
        let snippets = if plan.is_empty() {
            Vec::new()
        } else {
            snippet(&body, plan, &self.stemmers).into_iter().collect()
        };
        Ok(Hit {
            id,
            label: text(f.label),
            score,
            snippets,
        })
    }
}

/// The BM25 statistics of several indexes of one schema together: the sums of each.
struct Union<'a>(&'a [tantivy::Searcher]);

impl Bm25StatisticsProvider for Union<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.0.iter().map(|s| s.total_num_tokens(field)).sum()
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.0.iter().map(|s| s.total_num_docs()).sum()
    }

    fn doc_freq(&self, term: &tantivy::Term) -> tantivy::Result<u64> {
        self.0.iter().map(|s| s.doc_freq(term)).sum()
    }
}
