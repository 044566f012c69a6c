//! Controlled vocabularies: HURIDOCS micro-thesauri, Russian labels and Khronika's additions.
//!
//! The data is versioned and embedded in the crate (`data/vocab/`), parsed on first use:
//!
//! - `huridocs-micro-thesauri.csv`: the HURIDOCS micro-thesauri (48 standard lists plus the
//!   lists OpenEvSys added), with English, French and Spanish labels. Their codes
//!   (`vocab_number`) are kept exactly, so that data exchanged with other HURIDOCS-based systems
//!   lines up.
//! - `ru-labels.csv`: Russian labels for the lists the forms show, each marked if it is a
//!   machine translation (anything not checked by a person or not a standard legal term).
//! - `khronika-additions.csv`: what Khronika's users need that the standard lacks. Codes start
//!   with `khr:` so they never collide with HURIDOCS codes. A row either adds a term (to a
//!   HURIDOCS list or to a Khronika list named `khr_…`) or, with `same_as`, says that a HURIDOCS
//!   term already covers a concept: the `khr:` code then becomes an alias of that term. Rows
//!   may name the legal frameworks an act type engages.
//! - `legal-instruments.csv`: the short names used in those legal references, each tied to a
//!   term of the `international_instruments` list.
//! - `VERSION`: the version of the whole set, e.g. `2026-11.1`.
//!
//! Records refer to a term by list and code ([`TermRef`]) and name the vocabulary version
//! they were made with.

mod csv;
mod error;
mod load;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// How a record names a term (list and code); defined with the record types.
pub use crate::term::TermRef;
pub use error::{VocabError, VocabErrorKind};

/// Names of the lists that Khronika's forms use.
pub mod lists {
    /// HURIDOCS: types of acts (violations), hierarchical; Khronika adds to it.
    pub const TYPES_OF_ACTS: &str = "types_of_acts";
    /// HURIDOCS: methods of violence.
    pub const METHODS_OF_VIOLENCE: &str = "methods_of_violence";
    /// HURIDOCS: international instruments; Khronika adds to it.
    pub const INTERNATIONAL_INSTRUMENTS: &str = "international_instruments";
    /// HURIDOCS: degrees of involvement of a perpetrator.
    pub const DEGREES_OF_INVOLVEMENT: &str = "degrees_of_involvement";
    /// HURIDOCS: types of source material; Khronika adds to it.
    pub const TYPES_OF_SOURCE_MATERIAL: &str = "types_of_source_material";
    /// HURIDOCS: a source's connection to the information.
    pub const SOURCE_CONNECTION_TO_INFORMATION: &str = "source_connection_to_information";
    /// HURIDOCS: types of intervention.
    pub const TYPES_OF_INTERVENTION: &str = "types_of_intervention";
    /// HURIDOCS: types of perpetrators.
    pub const TYPES_OF_PERPETRATORS: &str = "types_of_perpetrators";
    /// HURIDOCS: types of detention.
    pub const TYPES_OF_DETENTION: &str = "types_of_detention";
    /// HURIDOCS: sex.
    pub const SEX: &str = "sex";
    /// HURIDOCS: geographical terms (`Place::geo`).
    pub const GEOGRAPHICAL_TERMS: &str = "geographical_terms";
    /// Khronika: a perpetrator's role in an act (ordered, carried out, was present, failed to act).
    pub const KHR_INVOLVEMENT_ROLES: &str = "khr_involvement_roles";
    /// Khronika: how reliable a source is (high, medium, low, unknown).
    pub const KHR_SOURCE_RELIABILITY: &str = "khr_source_reliability";
    /// Khronika: what kind of intervention (complaint, appeal, court application, …).
    pub const KHR_INTERVENTION_TYPES: &str = "khr_intervention_types";
    /// Khronika: where an intervention stands (drafted, filed, …, closed).
    pub const KHR_INTERVENTION_STATUSES: &str = "khr_intervention_statuses";
}

/// The act types Khronika's users must be able to record, by their Khronika code. Each resolves
/// through [`Vocabulary::lookup`] in [`lists::TYPES_OF_ACTS`], either to a term Khronika adds or,
/// where HURIDOCS already has one, to that HURIDOCS term.
pub const REQUIRED_ACT_TYPES: &[&str] = &[
    "khr:arbitrary_detention",
    "khr:abduction",
    "khr:enforced_disappearance",
    "khr:torture",
    "khr:ill_treatment",
    "khr:extrajudicial_killing",
    "khr:threats_and_intimidation",
    "khr:collective_punishment_of_relatives",
    "khr:forced_expulsion",
    "khr:destruction_of_homes",
    "khr:office_arson",
    "khr:office_raid",
    "khr:seizure_of_property_and_devices",
    "khr:forced_conscription",
    "khr:sogi_persecution",
    "khr:attack_on_defenders_and_journalists",
    "khr:fabricated_charges",
    "khr:pow_mistreatment",
    "khr:pow_human_shields",
];

/// The prefix of every code Khronika adds.
pub const KHRONIKA_PREFIX: &str = "khr:";

/// The languages labels are kept in: HURIDOCS gives English, French and Spanish; Khronika adds
/// Russian.
pub const LANGUAGES: &[&str] = &["en", "fr", "es", "ru"];

/// The language every label falls back to.
pub const FALLBACK_LANGUAGE: &str = "en";

/// The data files as text, so that a vocabulary can be built from other versions or from test
/// input. [`Sources::BUILTIN`] is the data embedded in this crate.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The version of the set, e.g. `2026-11.1`.
    pub version: &'a str,
    /// `huridocs-micro-thesauri.csv`.
    pub huridocs: &'a str,
    /// `ru-labels.csv`.
    pub ru_labels: &'a str,
    /// `khronika-additions.csv`.
    pub additions: &'a str,
    /// `legal-instruments.csv`.
    pub instruments: &'a str,
}

impl Sources<'static> {
    /// The vocabulary data embedded in this crate.
    pub const BUILTIN: Sources<'static> = Sources {
        version: include_str!("../../data/vocab/VERSION"),
        huridocs: include_str!("../../data/vocab/huridocs-micro-thesauri.csv"),
        ru_labels: include_str!("../../data/vocab/ru-labels.csv"),
        additions: include_str!("../../data/vocab/khronika-additions.csv"),
        instruments: include_str!("../../data/vocab/legal-instruments.csv"),
    };
}

/// A whole, versioned set of controlled vocabularies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    /// The version of the set, e.g. `2026-11.1`; records name it next to their term references.
    pub version: String,
    /// The lists, by name.
    pub lists: BTreeMap<String, List>,
    /// The legal instruments that legal references name, by their short id (`ICCPR`, `ECHR`, …).
    pub instruments: BTreeMap<String, Instrument>,
    /// Oddities in the HURIDOCS data that loading tolerates (see [`Anomaly`]).
    pub anomalies: Vec<Anomaly>,
}

/// Where a list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrigin {
    /// One of the 48 standard HURIDOCS micro-thesauri (list codes 1 to 48).
    Huridocs {
        /// The HURIDOCS list code (the last two digits of each term's code).
        list_code: u16,
    },
    /// A list that OpenEvSys added to the standard ones (`sexual_orientation`, `other_thesaurus`,
    /// and unnamed form placeholders, which are named `list_NN` here).
    OpenEvSys {
        /// The list code.
        list_code: u16,
    },
    /// A list Khronika adds; its name starts with `khr_`.
    Khronika,
}

/// One controlled vocabulary: a flat or hierarchical list of terms.
#[derive(Debug, Clone)]
pub struct List {
    /// The list's name, e.g. `types_of_acts`.
    pub name: String,
    /// Where the list comes from.
    pub origin: ListOrigin,
    /// The terms, by code.
    pub terms: BTreeMap<String, Term>,
    /// Khronika codes (`khr:…`) that stand for a HURIDOCS term of this list, with its code.
    pub aliases: BTreeMap<String, String>,
    /// Child codes by parent code, each sorted by order then code.
    children: BTreeMap<String, Vec<String>>,
    /// Codes of terms with no parent, or whose parent is missing, sorted by order then code.
    roots: Vec<String>,
    /// For search: each term's labels and synonyms, folded, with their language; made on the
    /// list's first search.
    folded: OnceLock<BTreeMap<String, Vec<(String, String)>>>,
}

/// Where a term comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermOrigin {
    /// The HURIDOCS micro-thesauri.
    Huridocs,
    /// Khronika's additions; the code starts with `khr:`.
    Khronika,
}

/// One term of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The code records store: the HURIDOCS `vocab_number` exactly as published
    /// (`01000000000004`), or `khr:…` for a term Khronika adds.
    pub code: String,
    /// The list the term belongs to.
    pub list: String,
    /// The HURIDOCS `huri_code` (the code without its list suffix); `None` for Khronika terms.
    pub huri_code: Option<String>,
    /// The parent term's code, for hierarchical lists.
    pub parent: Option<String>,
    /// The depth in the hierarchy, 0 for top-level terms. Kept as published: HURIDOCS marks a
    /// few catch-all terms (`Other`, `Unknown`) with level -5.
    pub level: i16,
    /// The position among the list's terms (HURIDOCS `term_order`).
    pub order: u32,
    /// Whether forms offer the term.
    pub visible: bool,
    /// Where the term comes from.
    pub origin: TermOrigin,
    /// Labels by language (`en`, `fr`, `es`, `ru`).
    pub labels: BTreeMap<String, Label>,
    /// Other names that search also finds, by language (e.g. `Arbitrary detention` for the
    /// HURIDOCS term `Detention, imprisonment`).
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Khronika codes that stand for this term (see [`List::aliases`]).
    pub aliases: Vec<String>,
    /// The legal frameworks the act engages, for act types.
    pub frameworks: Vec<LegalRef>,
    /// The closest HURIDOCS term, for exporting a Khronika term to HURIDOCS-based systems.
    pub exchange_as: Option<TermRef>,
}

/// A label in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The text.
    pub text: String,
    /// Whether it is a machine translation that no person has checked yet.
    pub machine_translated: bool,
}

/// A reference to a provision of a legal instrument, e.g. `ICCPR art. 7`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalRef {
    /// The instrument's short id, a key of [`Vocabulary::instruments`].
    pub instrument: String,
    /// The article, with paragraph and sub-paragraph: `7`, `8(2)(b)(xxiii)`.
    pub article: String,
}

/// A legal instrument that legal references name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    /// The short id used in the data, e.g. `ICCPR`.
    pub id: String,
    /// Its term in the `international_instruments` list (the full title in each language).
    pub code: String,
    /// Short names by language, e.g. `ICCPR` and `МПГПП`.
    pub short: BTreeMap<String, String>,
}

/// A term reference that names no term of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTerm {
    /// The reference.
    pub term: TermRef,
    /// Whether the list itself is unknown (rather than the code in it).
    pub unknown_list: bool,
    /// The vocabulary version it was looked up in.
    pub version: String,
}

/// Something odd in the HURIDOCS data that loading keeps as published instead of rejecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// The line in `huridocs-micro-thesauri.csv`.
    pub line: usize,
    /// The list.
    pub list: String,
    /// The term's code.
    pub code: String,
    /// What is odd.
    pub kind: AnomalyKind,
}

/// What is odd about a HURIDOCS term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnomalyKind {
    /// Its parent is not in the data. The term is kept, with its parent code, and shown as a
    /// top-level term by [`Vocabulary::roots`].
    MissingParent {
        /// The parent code given.
        parent: String,
    },
    /// Its parent is a term of another list.
    ParentInOtherList {
        /// The parent code given.
        parent: String,
        /// The list that term is in.
        parent_list: String,
    },
    /// Its level is not its parent's plus one.
    LevelMismatch {
        /// The level given.
        level: i16,
        /// The parent's level.
        parent_level: i16,
    },
    /// It has no parent but a level other than 0.
    RootLevel {
        /// The level given.
        level: i16,
    },
}

/// The separator [`Vocabulary::path`] puts between levels.
pub const PATH_SEPARATOR: &str = " › ";

impl Vocabulary {
    /// The vocabulary embedded in this crate, parsed on first use.
    ///
    /// The embedded data is checked by the tests, so this fails only if the data was edited
    /// into an invalid state; the error says where.
    pub fn builtin() -> Result<&'static Vocabulary, VocabError> {
        static BUILTIN: OnceLock<Result<Vocabulary, VocabError>> = OnceLock::new();
        match BUILTIN.get_or_init(|| Vocabulary::parse(&Sources::BUILTIN)) {
            Ok(v) => Ok(v),
            Err(e) => Err(e.clone()),
        }
    }

    /// Builds a vocabulary from data files given as text.
    pub fn parse(sources: &Sources<'_>) -> Result<Vocabulary, VocabError> {
        load::build(sources)
    }

    /// The names of every list, sorted.
    pub fn list_names(&self) -> Vec<&str> {
        self.lists.keys().map(String::as_str).collect()
    }

    /// The list named `name`.
    pub fn list(&self, name: &str) -> Option<&List> {
        self.lists.get(name)
    }

    /// How many terms all lists hold.
    pub fn term_count(&self) -> usize {
        self.lists.values().map(|l| l.terms.len()).sum()
    }

    /// The term with `code` in `list`. A Khronika alias (`khr:torture`) gives the HURIDOCS term
    /// it stands for; records should store that term's [`Term::code`].
    pub fn lookup(&self, list: &str, code: &str) -> Option<&Term> {
        self.lists.get(list)?.get(code)
    }

    /// The term a record's reference names, or why there is none.
    pub fn resolve(&self, term: &TermRef) -> Result<&Term, UnknownTerm> {
        let unknown = |unknown_list| UnknownTerm {
            term: term.clone(),
            unknown_list,
            version: self.version.clone(),
        };
        let list = self.lists.get(&term.list).ok_or_else(|| unknown(true))?;
        list.get(&term.code).ok_or_else(|| unknown(false))
    }

    /// The children of a term, in order.
    pub fn children(&self, list: &str, code: &str) -> Vec<&Term> {
        match self.lists.get(list) {
            Some(l) => l.children(code),
            None => Vec::new(),
        }
    }

    /// The top-level terms of a list, in order (including terms whose parent is missing).
    pub fn roots(&self, list: &str) -> Vec<&Term> {
        match self.lists.get(list) {
            Some(l) => l.roots(),
            None => Vec::new(),
        }
    }

    /// The ancestors of a term, nearest first (parent, grandparent, …). Stops at a missing parent.
    pub fn ancestors(&self, list: &str, code: &str) -> Vec<&Term> {
        match self.lists.get(list) {
            Some(l) => l.ancestors(code),
            None => Vec::new(),
        }
    }

    /// The term's place in its hierarchy, top level first, joined by [`PATH_SEPARATOR`], in
    /// `lang` (falling back to English): `Violations of the right to life › Direct actions
    /// which violate the right to life › …`.
    pub fn path(&self, list: &str, code: &str, lang: &str) -> Option<String> {
        let l = self.lists.get(list)?;
        let term = l.get(code)?;
        let mut parts: Vec<&str> = l.ancestors(code).iter().map(|t| t.label(lang)).collect();
        parts.reverse();
        parts.push(term.label(lang));
        Some(parts.join(PATH_SEPARATOR))
    }

    /// Visible terms of `list` whose label in `lang` (or in English, or a synonym, or the code)
    /// contains `text`, ignoring case and treating `ё` as `е`. Terms whose label starts with the
    /// text come first, then those with a word that starts with it, then the rest, each in list
    /// order. An empty text gives every visible term in order. For form pickers.
    pub fn search(&self, list: &str, text: &str, lang: &str) -> Vec<&Term> {
        let Some(l) = self.lists.get(list) else {
            return Vec::new();
        };
        let query = fold(text.trim());
        let folded = l.folded.get_or_init(|| l.fold_terms());
        let lang = primary_language(lang);
        let mut hits: Vec<(u8, &Term)> = l
            .terms
            .values()
            .filter(|t| t.visible)
            .filter_map(|t| {
                let keys = folded.get(&t.code).map_or(&[][..], Vec::as_slice);
                match_rank(t, keys, &query, &lang).map(|rank| (rank, t))
            })
            .collect();
        hits.sort_by(|(ra, a), (rb, b)| {
            ra.cmp(rb)
                .then(a.order.cmp(&b.order))
                .then(a.code.cmp(&b.code))
        });
        hits.into_iter().map(|(_, t)| t).collect()
    }

    /// The instrument with short id `id` (`ICCPR`).
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.get(id)
    }

    /// A legal reference for people: `ICCPR art. 7`, `МПГПП, ст. 7`.
    pub fn legal_ref_label(&self, r: &LegalRef, lang: &str) -> String {
        let lang = primary_language(lang);
        let short = self
            .instruments
            .get(&r.instrument)
            .and_then(|i| {
                i.short
                    .get(&lang)
                    .or_else(|| i.short.get(FALLBACK_LANGUAGE))
            })
            .map_or(r.instrument.as_str(), String::as_str);
        if lang == "ru" {
            format!("{short}, ст. {}", r.article)
        } else {
            format!("{short} art. {}", r.article)
        }
    }
}

/// Lists are equal when their names, origins, terms and aliases are; the indexes follow from those.
impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.origin == other.origin
            && self.terms == other.terms
            && self.aliases == other.aliases
    }
}

impl Eq for List {}

impl List {
    /// The term with `code`, following Khronika aliases.
    pub fn get(&self, code: &str) -> Option<&Term> {
        match self.terms.get(code) {
            Some(t) => Some(t),
            None => self.terms.get(self.aliases.get(code)?),
        }
    }

    /// How many terms the list holds (aliases not counted).
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the list has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Each term's labels and synonyms, folded for search, with their language.
    fn fold_terms(&self) -> BTreeMap<String, Vec<(String, String)>> {
        self.terms
            .values()
            .map(|t| {
                let labels = t.labels.iter().map(|(lang, l)| (lang, &l.text));
                let synonyms = t
                    .synonyms
                    .iter()
                    .flat_map(|(lang, texts)| texts.iter().map(move |s| (lang, s)));
                let keys = labels
                    .chain(synonyms)
                    .map(|(lang, text)| (lang.clone(), fold(text)))
                    .collect();
                (t.code.clone(), keys)
            })
            .collect()
    }

    /// All terms, in list order (by order, then code).
    pub fn in_order(&self) -> Vec<&Term> {
        let mut all: Vec<&Term> = self.terms.values().collect();
        all.sort_by(|a, b| a.order.cmp(&b.order).then(a.code.cmp(&b.code)));
        all
    }

    /// The children of the term with `code` (an alias works too), in order.
    pub fn children(&self, code: &str) -> Vec<&Term> {
        let Some(term) = self.get(code) else {
            return Vec::new();
        };
        self.children
            .get(&term.code)
            .map(|codes| codes.iter().filter_map(|c| self.terms.get(c)).collect())
            .unwrap_or_default()
    }

    /// The top-level terms, in order, including terms whose parent is missing from the data.
    pub fn roots(&self) -> Vec<&Term> {
        self.roots
            .iter()
            .filter_map(|c| self.terms.get(c))
            .collect()
    }

    /// The ancestors of the term with `code`, nearest first.
    pub fn ancestors(&self, code: &str) -> Vec<&Term> {
        let mut out: Vec<&Term> = Vec::new();
        let mut cur = self.get(code);
        while let Some(parent) = cur.and_then(|t| t.parent.as_deref()) {
            match self.terms.get(parent) {
                // A cycle cannot come from the loader, but never loop on one.
                Some(p) if !out.iter().any(|seen| seen.code == p.code) => {
                    out.push(p);
                    cur = Some(p);
                }
                _ => break,
            }
        }
        out
    }
}

impl Term {
    /// The label in `lang` (`ru`, `ru-RU`, …), else in English, else the code.
    pub fn label(&self, lang: &str) -> &str {
        self.label_choice(lang)
            .map_or(self.code.as_str(), |(_, l)| l.text.as_str())
    }

    /// The label [`Term::label`] shows and its language, so that a form can mark a
    /// fallback or a machine translation.
    pub fn label_choice(&self, lang: &str) -> Option<(&str, &Label)> {
        let lang = primary_language(lang);
        self.labels
            .get_key_value(lang.as_str())
            .or_else(|| self.labels.get_key_value(FALLBACK_LANGUAGE))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Whether Khronika added the term.
    pub fn is_khronika(&self) -> bool {
        self.origin == TermOrigin::Khronika
    }

    /// How a record names this term.
    pub fn term_ref(&self) -> TermRef {
        TermRef {
            list: self.list.clone(),
            code: self.code.clone(),
        }
    }
}

impl fmt::Display for UnknownTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unknown_list {
            write!(
                f,
                "vocabulary {} has no list `{}`",
                self.version, self.term.list
            )
        } else {
            write!(
                f,
                "vocabulary {} has no term `{}` in list `{}`",
                self.version, self.term.code, self.term.list
            )
        }
    }
}

impl std::error::Error for UnknownTerm {}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingParent { parent } => write!(f, "parent {parent} is not in the data"),
            Self::ParentInOtherList {
                parent,
                parent_list,
            } => write!(f, "parent {parent} is in list {parent_list}"),
            Self::LevelMismatch {
                level,
                parent_level,
            } => write!(f, "level {level} under a parent of level {parent_level}"),
            Self::RootLevel { level } => write!(f, "top-level term with level {level}"),
        }
    }
}

/// Lower case with `ё` folded to `е`, for matching what people type.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// `ru` for `ru`, `RU`, `ru-RU`, `ru_RU`.
fn primary_language(lang: &str) -> String {
    lang.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// How well `term`, with its folded labels and synonyms `keys`, matches the folded `query`:
/// 0 a label starts with it, 1 a word in a label starts with it, 2 a label contains it; `None`
/// no match. Only labels in `lang` and in English count.
fn match_rank(term: &Term, keys: &[(String, String)], query: &str, lang: &str) -> Option<u8> {
    if query.is_empty() || fold(&term.code) == query {
        return Some(0);
    }
    keys.iter()
        .filter(|(l, _)| l == lang || l == FALLBACK_LANGUAGE)
        .filter_map(|(_, folded)| {
            let at = folded.find(query)?;
            Some(if at == 0 {
                0
            } else if folded[..at].ends_with(|c: char| !c.is_alphanumeric()) {
                1
            } else {
                2
            })
        })
        .min()
}
