//! [`Archive`]: the records of several compartments in one file, the shape of export and
//! import files and of the sample dataset.
//!
//! ```json
//! {"format": "khronika-records/v1",
//!  "compartments": [{"name": "crimea", "source_identities": false, "records": {…}}]}
//! ```
//!
//! Each compartment (a named group of records sealed under its own key) holds a
//! [`RecordSet`]. At most one compartment is of the source-identities kind: it holds the real
//! identities (person records with their pseudonymous code) behind pseudonymous sources.
//!
//! [`Archive::parse`] reads the text, refusing a format it does not know before anything else,
//! with errors that carry the line and column. [`Archive::validate`] checks every record, with
//! paths that start at the archive (`compartments[1].records.events[2].acts[0].victim`), and
//! the rules that span compartments; [`Archive::check_references`] checks that references
//! resolve, as [`RecordSet::check_references`] does for one set.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::{RecordId, quote};
use crate::record::{Defined, Record, RecordSet};
use crate::validate::{Checker, MAX_ITEMS, Path, Problem, ValidationError};

/// The format this version writes and reads.
pub const ARCHIVE_FORMAT: &str = "khronika-records/v1";

/// Longest compartment name, in characters.
pub const MAX_COMPARTMENT_NAME_CHARS: usize = 64;

/// The records of several compartments. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    /// The file format, [`ARCHIVE_FORMAT`].
    pub format: String,
    /// The compartments, each with its records.
    #[serde(default)]
    pub compartments: Vec<CompartmentRecords>,
}

/// One compartment's records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompartmentRecords {
    /// The compartment's name (`chechnya-2019-2021`): lower-case letters, digits and hyphens.
    /// Every case in it names it in its `compartment` field.
    #[serde(default)]
    pub name: String,
    /// Whether this is the compartment of source identities, which holds the real identities
    /// behind pseudonymous sources. Records outside it must not refer to records in it.
    #[serde(default)]
    pub source_identities: bool,
    /// The records.
    #[serde(default)]
    pub records: RecordSet,
}

/// Why a text could not be read as an archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not JSON, or not shaped as an archive (an unknown field, a malformed date or id…).
    /// Displayed as serde_json displays it: `month 13 does not exist at line 5 column 23`.
    #[error("{message} at line {line} column {column}")]
    Json {
        /// What is wrong.
        message: String,
        /// The line (1-based) where it was found.
        line: usize,
        /// The column (1-based) where it was found.
        column: usize,
    },
    /// The file says it is in a format this version does not read.
    #[error(
        "the file is in the format \"{found}\", which this version of Khronika does not read; it reads {ARCHIVE_FORMAT}"
    )]
    Format {
        /// The format the file names (cut if long).
        found: String,
    },
}

impl ArchiveError {
    /// The line (1-based) the problem is on, for a JSON error.
    pub fn line(&self) -> Option<usize> {
        match self {
            ArchiveError::Json { line, .. } => Some(*line),
            ArchiveError::Format { .. } => None,
        }
    }
}

impl From<serde_json::Error> for ArchiveError {
    fn from(e: serde_json::Error) -> ArchiveError {
        let (line, column) = (e.line(), e.column());
        let text = e.to_string();
        let position = format!(" at line {line} column {column}");
        let message = text.strip_suffix(&position).unwrap_or(&text).to_owned();
        ArchiveError::Json {
            message,
            line,
            column,
        }
    }
}

/// The first pass of [`Archive::parse`]: the format alone, every other field skipped.
struct Header {
    format: String,
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Header, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = Header;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an archive: an object with \"format\" and \"compartments\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
                let mut format = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "format" {
                        map.next_value::<IgnoredAny>()?;
                    } else if format.is_some() {
                        return Err(de::Error::duplicate_field("format"));
                    } else {
                        format = Some(map.next_value::<String>()?);
                    }
                }
                let format = format.ok_or_else(|| de::Error::missing_field("format"))?;
                Ok(Header { format })
            }
        }
        d.deserialize_map(HeaderVisitor)
    }
}

impl Archive {
    /// An archive of these compartments, in the current format.
    pub fn new(compartments: Vec<CompartmentRecords>) -> Archive {
        Archive {
            format: ARCHIVE_FORMAT.to_owned(),
            compartments,
        }
    }

    /// Read an archive from JSON. A format other than [`ARCHIVE_FORMAT`] is refused before
    /// the rest is read, so that a newer file gets that message rather than an unknown field.
    /// Reading checks syntax and shape; see [`Archive::validate`] for the rest.
    pub fn parse(json: &str) -> Result<Archive, ArchiveError> {
        let header: Header = serde_json::from_str(json)?;
        if header.format != ARCHIVE_FORMAT {
            return Err(ArchiveError::Format {
                found: quote(&header.format),
            });
        }
        Ok(serde_json::from_str(json)?)
    }

    /// How many records, in all compartments.
    pub fn len(&self) -> usize {
        self.compartments.iter().map(|c| c.records.len()).sum()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The compartment named `name`.
    pub fn compartment(&self, name: &str) -> Option<&CompartmentRecords> {
        self.compartments.iter().find(|c| c.name == name)
    }

    /// The compartment of source identities (the first, if the archive wrongly has several).
    pub fn source_identities(&self) -> Option<&CompartmentRecords> {
        self.compartments.iter().find(|c| c.source_identities)
    }

    /// Every record with its compartment's name, compartment by compartment, each in the order
    /// of [`RecordSet::into_records`]. The records are copies.
    pub fn records(&self) -> impl Iterator<Item = (&str, Record)> + '_ {
        self.compartments.iter().flat_map(|c| {
            let name = c.name.as_str();
            c.records
                .clone()
                .into_records()
                .into_iter()
                .map(move |r| (name, r))
        })
    }

    /// Every record with its compartment's name, as [`Archive::records`] without copying.
    pub fn into_records(self) -> Vec<(String, Record)> {
        let mut out = Vec::with_capacity(self.len());
        for c in self.compartments {
            let name = c.name;
            out.extend(
                c.records
                    .into_records()
                    .into_iter()
                    .map(|r| (name.clone(), r)),
            );
        }
        out
    }

    /// Check the archive; every problem found, each with its path from the archive:
    ///
    /// - the format is [`ARCHIVE_FORMAT`];
    /// - compartment names are given, lower-case letters, digits and hyphens (at most
    ///   [`MAX_COMPARTMENT_NAME_CHARS`]), and unique;
    /// - at most one compartment is of source identities;
    /// - every record is valid, and no id (of a record or an act) is used twice in the whole
    ///   archive;
    /// - every case names the compartment it is in;
    /// - no record outside the source-identities compartment refers to one inside it, and
    ///   pseudonymous codes are unique inside it.
    ///
    /// Whether references resolve is [`Archive::check_references`].
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let mut c = Checker::new();
        if self.format != ARCHIVE_FORMAT {
            c.add(
                &Path::root().field("format"),
                Problem::Invalid(format!(
                    "\"{}\" is not the format of this version; write {ARCHIVE_FORMAT}",
                    quote(&self.format)
                )),
            );
        }
        let comps = Path::root().field("compartments");
        if !c.count(&comps, self.compartments.len(), MAX_ITEMS) {
            return c.finish();
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut identities: Option<usize> = None;
        let mut defined = Defined::default();
        for (i, comp) in self.compartments.iter().enumerate() {
            let at = comps.index(i);
            let name = at.field("name");
            check_name(&mut c, &name, &comp.name);
            if !comp.name.is_empty() {
                match names.get(comp.name.as_str()) {
                    Some(&first) => c.add(
                        &name,
                        Problem::Duplicate(comps.index(first).field("name").to_string()),
                    ),
                    None => {
                        names.insert(&comp.name, i);
                    }
                }
            }
            if comp.source_identities {
                match identities {
                    Some(first) => c.add(
                        &at.field("source_identities"),
                        Problem::Inconsistent(format!(
                            "only one compartment may hold source identities, and {} already does",
                            comps.index(first)
                        )),
                    ),
                    None => identities = Some(i),
                }
            }
            let records = at.field("records");
            comp.records.check_at(&records, &mut c, &mut defined);
            let cases = records.field("cases");
            for (j, case) in comp.records.cases.iter().enumerate() {
                // An empty one is reported by the case itself.
                if !case.compartment.is_empty() && case.compartment != comp.name {
                    c.add(
                        &cases.index(j).field("compartment"),
                        Problem::Inconsistent(format!(
                            "names the compartment \"{}\" but is in \"{}\"",
                            quote(&case.compartment),
                            quote(&comp.name)
                        )),
                    );
                }
            }
        }
        if let Some(k) = identities {
            self.check_identities(&comps, k, &mut c);
        }
        c.finish()
    }

    /// The rules of the source-identities compartment, the `k`th.
    fn check_identities(&self, comps: &Path, k: usize, c: &mut Checker) {
        let Some(secret) = self.compartments.get(k) else {
            return;
        };
        let inside: HashSet<RecordId> = secret.records.defined_ids().collect();
        for (i, comp) in self.compartments.iter().enumerate() {
            if i == k {
                continue;
            }
            let records = comps.index(i).field("records");
            for (here, record) in comp.records.items() {
                for r in record.references() {
                    if inside.contains(&r.id) {
                        c.add(
                            &records.field(&here).field(&r.path),
                            Problem::Inconsistent(format!(
                                "refers to {}, which is in the source-identities compartment \"{}\"; only records inside it may refer to it",
                                r.id,
                                quote(&secret.name)
                            )),
                        );
                    }
                }
            }
        }
        let persons = comps.index(k).field("records").field("persons");
        let mut codes: HashMap<String, usize> = HashMap::new();
        for (j, p) in secret.records.persons.iter().enumerate() {
            let code = p.pseudonym.trim().to_lowercase();
            if code.is_empty() {
                continue;
            }
            match codes.get(&code) {
                Some(&first) => c.add(
                    &persons.index(j).field("pseudonym"),
                    Problem::Duplicate(persons.index(first).field("pseudonym").to_string()),
                ),
                None => {
                    codes.insert(code, j);
                }
            }
        }
    }

    /// Check that every reference names a record (or act) somewhere in the archive, or one for
    /// which `exists` is true (e.g. one already in the vault).
    pub fn check_references(
        &self,
        exists: impl Fn(&RecordId) -> bool,
    ) -> Result<(), Vec<ValidationError>> {
        let defined: HashSet<RecordId> = self
            .compartments
            .iter()
            .flat_map(|c| c.records.defined_ids())
            .collect();
        let known = |id: &RecordId| defined.contains(id) || exists(id);
        let mut c = Checker::new();
        let comps = Path::root().field("compartments");
        for (i, comp) in self.compartments.iter().enumerate() {
            let at = comps.index(i).field("records");
            comp.records.check_references_at(&at, &mut c, &known);
        }
        c.finish()
    }
}

/// Whether `name` is a compartment name: lower-case letters, digits and hyphens.
pub fn is_compartment_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_COMPARTMENT_NAME_CHARS
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_name(c: &mut Checker, at: &Path, name: &str) {
    let len = name.chars().count();
    if name.is_empty() {
        c.add(at, Problem::Required);
    } else if len > MAX_COMPARTMENT_NAME_CHARS {
        c.add(
            at,
            Problem::TooLong {
                len,
                max: MAX_COMPARTMENT_NAME_CHARS,
            },
        );
    } else if !is_compartment_name(name) {
        c.add(
            at,
            Problem::Invalid(format!(
                "\"{}\" is not a compartment name; use lower-case letters, digits and hyphens, e.g. crimea-2022",
                quote(name)
            )),
        );
    }
}
