//! Records as CSV, one table per record type, for people who keep spreadsheets: [`export`]
//! writes records of one type as a table, [`import`] reads such a table back, reporting every
//! bad row with its line and column.
//!
//! # The tables
//!
//! A file holds records of one type: cases, events, persons, units, sources, testimonies,
//! interventions or links. Its first row names the columns; each further row is one record.
//! Column names are the record's field names in snake_case, as in JSON, with nested parts
//! flattened by these conventions:
//!
//! - **Empty cell**: the field is absent (or empty text, or the default where the field has
//!   one: `member`, `official`, `unknown`, `drafted`, `no`).
//! - **Lists** (of ids, evidence ids, terms, partner names) are written in one cell,
//!   separated by `;` (written `; `; spaces around items are ignored). In a partner name, a
//!   `;` or `\` is written `\;` or `\\`, and a space at either end as `\ `.
//! - **Dates** are written as the domain writes them: `2014-12-03`, `2014-12`, `2014`,
//!   `around 2017-04`, `2014-12..2015-02`, `2017-04..`, `..2015` (see [`crate::date`]).
//! - **Vocabulary terms** by their code alone (`01000000000039`, `khr:arbitrary_detention`),
//!   in the list the column names; `list/code` (`types_of_intervention/01000000000004`) for a
//!   term of another list the column accepts. In `kind` of interventions, `khr:` codes are of
//!   `khr_intervention_types` and numbers of `types_of_intervention`. A number of 12 or 13
//!   digits is read with its lost leading zeros put back (spreadsheets drop them).
//! - **Names of fixed values** (roles, kinds, statuses) are written as in JSON: `carried_out`,
//!   `call_sign`. Import also accepts them in capitals.
//! - **Yes/no**: `yes` or `no` (import also reads `true`/`false`, `1`/`0`, `да`/`нет`,
//!   `ИСТИНА`/`ЛОЖЬ`; empty is no).
//! - **Coordinates**: decimal degrees in two columns; import also reads a decimal comma
//!   (`43,1944`).
//! - **Repeated parts** (an event's acts and involvements, a person's names and memberships, a
//!   unit's names) are numbered groups of columns: `act1_id`, `act1_victim`, …, `act2_id`, …
//!   Group *N* is the *N*-th entry; a group whose cells are all empty is no entry. A file may
//!   have as many groups as it needs (up to 10,000), numbered from 1 without leading zeros;
//!   export writes as many as the record with the most entries needs, and at least one.
//!
//! Columns marked **required** must be in the header (a file without them is refused as a
//! whole); the others may be left out, which is the same as leaving their cells empty.
//! Columns may come in any order; names are read without regard to case or surrounding
//! spaces. Whether a record is complete is then checked cell by cell by validation.
//!
//! ## cases
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the case's id, `C-…` |
//! | `title` **required** | a short title |
//! | `summary` | what the case is about (may have line breaks) |
//! | `compartment` **required** | the compartment whose key seals the case |
//! | `responsible` | the member responsible |
//! | `records` | the records it gathers: ids, `;`-separated |
//!
//! ## events
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the event's id, `V-…` |
//! | `title` **required** | a short title |
//! | `description` | what happened (may have line breaks) |
//! | `date` **required** | when: a date as above |
//! | `place` | the place as told |
//! | `place_geo` | a term of `geographical_terms` |
//! | `place_lat`, `place_lon` | coordinates in decimal degrees, both or neither |
//! | `act`*N*`_id` | the act's id, `A-…` |
//! | `act`*N*`_victim` | the victim: a person (`P-…`) or unit (`U-…`) id |
//! | `act`*N*`_type` | a term of `types_of_acts` |
//! | `act`*N*`_date` | when, if it differs from the event's date |
//! | `act`*N*`_methods` | terms of `methods_of_violence`, `;`-separated |
//! | `act`*N*`_notes` | notes |
//! | `involvement`*N*`_perpetrator` | a person (`P-…`) or unit (`U-…`) id |
//! | `involvement`*N*`_role` | `ordered`, `carried_out`, `was_present` or `failed_to_act` |
//! | `involvement`*N*`_degree` | a term of `degrees_of_involvement` |
//! | `involvement`*N*`_act` | the act (`A-…`, one of this event's) it concerns; empty for the whole event |
//! | `involvement`*N*`_notes` | notes |
//!
//! ## persons
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the person's id, `P-…` |
//! | `name`*N*`_given`, `name`*N*`_patronymic`, `name`*N*`_surname` | a name (a call sign in `_given` alone); one of `name1_given`, `name1_surname`, `pseudonym` is **required** |
//! | `name`*N*`_script` | `cyrillic`, `latin` or `other`; empty: not stated |
//! | `name`*N*`_kind` | `official` (empty), `transliteration`, `alias` or `call_sign` |
//! | `pseudonym` | a pseudonymous code such as `W-17` |
//! | `sex` | a term of `sex`; empty: unknown |
//! | `birth_year` | a year, `around 1984` or `1983..1985` |
//! | `membership`*N*`_unit` | the unit's id, `U-…` |
//! | `membership`*N*`_role` | `member` (empty) or `commander` |
//! | `membership`*N*`_position` | position or rank as stated |
//! | `membership`*N*`_from`, `membership`*N*`_to` | dates |
//! | `notes` | notes |
//!
//! ## units
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the unit's id, `U-…` |
//! | `name`*N* | a name; `name1` is **required** |
//! | `name`*N*`_script` | `cyrillic`, `latin` or `other`; empty: not stated |
//! | `name`*N*`_kind` | `official` (empty), `transliteration`, `alias` or `call_sign` |
//! | `unit_type` | a term of `types_of_perpetrators` |
//! | `parent` | the unit it is part of, `U-…` |
//! | `notes` | notes |
//!
//! ## sources
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the source's id, `S-…` |
//! | `title` **required** | a short title |
//! | `source_type` | a term of `types_of_source_material` |
//! | `provider` | who gave it: a person (`P-…`) or unit (`U-…`) id … |
//! | `provider_pseudonym` | … or only a pseudonymous code (not both) |
//! | `relation` | a term of `source_connection_to_information` |
//! | `date` | the material's date |
//! | `reliability` | `high`, `medium`, `low` or `unknown` (empty) |
//! | `language` | an ISO 639 code: `ru`, `ce` |
//! | `description` | what it is and says |
//! | `evidence` | evidence ids (`E…`), `;`-separated |
//! | `consent_court`, `consent_publication` | yes or no |
//! | `consent_partners` | partner names, `;`-separated |
//! | `consent_withdrawn_date` | when consent was withdrawn (a day); empty: not withdrawn |
//! | `consent_withdrawn_note` | what was said about the withdrawal |
//!
//! ## testimonies
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the testimony's id, `T-…` |
//! | `title` | a short title |
//! | `given_by` | who gave it: a person (`P-…`) or unit (`U-…`) id … |
//! | `given_by_pseudonym` | … or only a pseudonymous code; one of the two columns is **required** |
//! | `relation` | a term of `source_connection_to_information` |
//! | `interview_mode` | `in_person`, `video_call`, `audio_call`, `written` or `other` |
//! | `interview_place`, `interview_date`, `interview_by`, `interview_notes` | how it was taken |
//! | `reliability` | `high`, `medium`, `low` or `unknown` (empty) |
//! | `language` | an ISO 639 code |
//! | `transcript` | the transcript (may have line breaks) |
//! | `evidence` | evidence ids (`E…`), `;`-separated; `transcript` or `evidence` is **required** |
//! | `consent_…` | as for sources |
//!
//! ## interventions
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the intervention's id, `I-…` |
//! | `kind` **required** | a term of `khr_intervention_types` or `types_of_intervention` |
//! | `addressee` **required** | to whom |
//! | `filed_by` | by whom |
//! | `filed` | when it was filed |
//! | `reference` | the addressee's reference number |
//! | `deadline` | a day |
//! | `status` | `drafted` (empty), `filed`, `acknowledged`, `under_consideration`, `decided`, `rejected`, `appealed` or `closed` |
//! | `reply_date`, `reply_text` | the reply, if any |
//! | `next_step`, `next_step_due` | what to do next, and by which day |
//! | `concerns` | event, act, person or unit ids, `;`-separated |
//! | `notes` | notes |
//!
//! ## links
//!
//! | column | holds |
//! |---|---|
//! | `id` **required** | the link's id, `L-…` |
//! | `from` **required**, `to` **required** | the two records' ids |
//! | `kind` **required** | `supports`, `contradicts`, `part_of`, `follows`, `same_person_as` or `related_to` |
//! | `note` | why, or how |
//!
//! Acts are not a table of their own: they are the `act`*N* columns of events.
//!
//! # Export
//!
//! [`export`] writes UTF-8 with `\n` line ends, the header first, the columns in the order
//! above (the fields' order; groups where their list is), and records in the order given;
//! records of other types are skipped, so one list of mixed records can be exported type by
//! type. No byte-order mark is written: for Excel, which reads CSV without one as the
//! system's legacy code page, write `\u{feff}` before the text (import skips it).
//!
//! **Formulas.** A record may hold text from a hostile source, and spreadsheets run a cell
//! that starts with `=`, `+`, `-` or `@` (tab and carriage return too) as a formula
//! ("CSV injection"). Export therefore writes such a cell with a `'` in front
//! (`'=HYPERLINK(…)`), which spreadsheets show as text; so that the round trip stays exact, a
//! cell that already starts with `'`s and then one of those characters gets one more `'`.
//! Import removes one `'` from a cell that starts with `'`s followed by one of those
//! characters, and leaves every other cell as it is. Plain negative numbers (`-45.28`) are
//! not formulas and are written as they are.
//!
//! Export then import gives back exactly the records exported, when they are valid (import
//! returns only valid records).
//!
//! # Import
//!
//! [`import`] accepts what spreadsheets write: a UTF-8 byte-order mark, CRLF or LF line ends,
//! `,`, `;` (Excel in Russian and other locales) or tab as the separator (whichever the header
//! line uses most), quoted cells with line breaks, and rows whose cells are all empty (skipped).
//! It never stops at the first problem: each problem is a [`RowError`] naming the line the
//! row starts on, the column where it can be, and what to do. A row with any problem is not
//! imported; the others are.
//!
//! - A file that is not UTF-8 (e.g. saved as Windows-1251, or UTF-16), or whose header has
//!   unknown, repeated or missing required columns, is refused as a whole: nothing is
//!   imported, and each problem is reported once.
//! - Per row: a quoted cell that is never closed, the wrong number of cells, a cell that does
//!   not read (a bad id, date, term, name, number), then every problem validation finds
//!   ([`Record::validate`]), each at its column, and an id used by an earlier row.
//!
//! An empty file, or one with only a header, imports nothing and reports nothing. Whether
//! referenced records exist is not checked here (see [`crate::record::RecordSet`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use crate::case::Case;
use crate::date::{Date, FuzzyDate};
use crate::event::{Act, Event, Involvement, InvolvementRole, LatLon, Place};
use crate::ids::{EvidenceId, RecordId, RecordKind, quote};
use crate::intervention::{Intervention, InterventionStatus, NextStep, Reply};
use crate::link::{Link, LinkKind};
use crate::person::{
    Membership, MembershipRole, NameKind, Person, PersonName, Script, Sex, Unit, UnitName,
};
use crate::record::Record;
use crate::source::{
    Consent, Interview, InterviewMode, Provider, Reliability, Source, Testimony, Withdrawal,
};
use crate::term::{KHRONIKA_CODE_PREFIX, LanguageCode, TermRef, lists};
use crate::validate::{MAX_ITEMS, Problem};

/// A problem found on import: with one row, or with the whole file (then on the header's
/// line, or the first line that is not UTF-8).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {message}", column_label(.column))]
pub struct RowError {
    /// The 1-based line of the file on which the row starts (a quoted cell may carry a row
    /// over several lines).
    pub line: u64,
    /// The column where the problem is, by its name in this documentation; `None` for the
    /// row as a whole.
    pub column: Option<String>,
    /// What is wrong and what to do about it.
    pub message: String,
}

fn column_label(column: &Option<String>) -> String {
    column
        .as_ref()
        .map_or_else(String::new, |c| format!(", column {c}"))
}

/// What an import found: the records of the rows without problems, and every problem.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportOutcome {
    /// Each good row's record, with the line its row starts on, in file order.
    pub records: Vec<(u64, Record)>,
    /// Every problem, in file order; a row with several problems has several entries.
    pub rejected: Vec<RowError>,
}

// ---------------------------------------------------------------------------------------------
// Layouts
// ---------------------------------------------------------------------------------------------

/// A numbered group of columns for one entry of a list (`act1_id`, `act1_victim`, …).
struct Group {
    /// What each column name begins with (`act`).
    prefix: &'static str,
    /// The list's field name in records and validation paths (`acts`).
    list: &'static str,
    /// What follows the number and `_` in each column name, in order; `""` for the numbered
    /// prefix alone (`name1`).
    fields: &'static [&'static str],
    /// Field names in validation paths that are written otherwise in column names.
    renames: &'static [(&'static str, &'static str)],
}

/// A column, or a numbered group of them.
#[derive(Clone, Copy)]
enum Part {
    Col(&'static str),
    Group(&'static Group),
}

/// The table of one record type.
struct Layout {
    /// What a file of these is called in messages (`events`).
    file: &'static str,
    /// The columns in their order.
    parts: &'static [Part],
    /// Columns the header must have: for each entry, one of the names (group columns by
    /// their name with number 1, which any number satisfies).
    required: &'static [&'static [&'static str]],
}

static ACTS: Group = Group {
    prefix: "act",
    list: "acts",
    fields: &["id", "victim", "type", "date", "methods", "notes"],
    renames: &[("act_type", "type")],
};

static INVOLVEMENTS: Group = Group {
    prefix: "involvement",
    list: "involvements",
    fields: &["perpetrator", "role", "degree", "act", "notes"],
    renames: &[],
};

static PERSON_NAMES: Group = Group {
    prefix: "name",
    list: "names",
    fields: &["given", "patronymic", "surname", "script", "kind"],
    renames: &[],
};

static MEMBERSHIPS: Group = Group {
    prefix: "membership",
    list: "memberships",
    fields: &["unit", "role", "position", "from", "to"],
    renames: &[],
};

static UNIT_NAMES: Group = Group {
    prefix: "name",
    list: "names",
    fields: &["", "script", "kind"],
    renames: &[("name", "")],
};

use Part::{Col, Group as G};

const CONSENT: [Part; 5] = [
    Col("consent_court"),
    Col("consent_publication"),
    Col("consent_partners"),
    Col("consent_withdrawn_date"),
    Col("consent_withdrawn_note"),
];

static CASES: Layout = Layout {
    file: "cases",
    parts: &[
        Col("id"),
        Col("title"),
        Col("summary"),
        Col("compartment"),
        Col("responsible"),
        Col("records"),
    ],
    required: &[&["id"], &["title"], &["compartment"]],
};

static EVENTS: Layout = Layout {
    file: "events",
    parts: &[
        Col("id"),
        Col("title"),
        Col("description"),
        Col("date"),
        Col("place"),
        Col("place_geo"),
        Col("place_lat"),
        Col("place_lon"),
        G(&ACTS),
        G(&INVOLVEMENTS),
    ],
    required: &[&["id"], &["title"], &["date"]],
};

static PERSONS: Layout = Layout {
    file: "persons",
    parts: &[
        Col("id"),
        G(&PERSON_NAMES),
        Col("pseudonym"),
        Col("sex"),
        Col("birth_year"),
        G(&MEMBERSHIPS),
        Col("notes"),
    ],
    required: &[&["id"], &["name1_given", "name1_surname", "pseudonym"]],
};

static UNITS: Layout = Layout {
    file: "units",
    parts: &[
        Col("id"),
        G(&UNIT_NAMES),
        Col("unit_type"),
        Col("parent"),
        Col("notes"),
    ],
    required: &[&["id"], &["name1"]],
};

static SOURCES: Layout = Layout {
    file: "sources",
    parts: &[
        Col("id"),
        Col("title"),
        Col("source_type"),
        Col("provider"),
        Col("provider_pseudonym"),
        Col("relation"),
        Col("date"),
        Col("reliability"),
        Col("language"),
        Col("description"),
        Col("evidence"),
        CONSENT[0],
        CONSENT[1],
        CONSENT[2],
        CONSENT[3],
        CONSENT[4],
    ],
    required: &[&["id"], &["title"]],
};

static TESTIMONIES: Layout = Layout {
    file: "testimonies",
    parts: &[
        Col("id"),
        Col("title"),
        Col("given_by"),
        Col("given_by_pseudonym"),
        Col("relation"),
        Col("interview_mode"),
        Col("interview_place"),
        Col("interview_date"),
        Col("interview_by"),
        Col("interview_notes"),
        Col("reliability"),
        Col("language"),
        Col("transcript"),
        Col("evidence"),
        CONSENT[0],
        CONSENT[1],
        CONSENT[2],
        CONSENT[3],
        CONSENT[4],
    ],
    required: &[
        &["id"],
        &["given_by", "given_by_pseudonym"],
        &["transcript", "evidence"],
    ],
};

static INTERVENTIONS: Layout = Layout {
    file: "interventions",
    parts: &[
        Col("id"),
        Col("kind"),
        Col("addressee"),
        Col("filed_by"),
        Col("filed"),
        Col("reference"),
        Col("deadline"),
        Col("status"),
        Col("reply_date"),
        Col("reply_text"),
        Col("next_step"),
        Col("next_step_due"),
        Col("concerns"),
        Col("notes"),
    ],
    required: &[&["id"], &["kind"], &["addressee"]],
};

static LINKS: Layout = Layout {
    file: "links",
    parts: &[Col("id"), Col("from"), Col("to"), Col("kind"), Col("note")],
    required: &[&["id"], &["from"], &["to"], &["kind"]],
};

/// The table of `kind`; acts have none.
fn layout(kind: RecordKind) -> Option<&'static Layout> {
    match kind {
        RecordKind::Case => Some(&CASES),
        RecordKind::Event => Some(&EVENTS),
        RecordKind::Person => Some(&PERSONS),
        RecordKind::Unit => Some(&UNITS),
        RecordKind::Source => Some(&SOURCES),
        RecordKind::Testimony => Some(&TESTIMONIES),
        RecordKind::Intervention => Some(&INTERVENTIONS),
        RecordKind::Link => Some(&LINKS),
        RecordKind::Act => None,
    }
}

/// The name of group column `field` of entry `n` (`act2_victim`, `name2`).
fn group_col(prefix: &str, n: usize, field: &str) -> String {
    if field.is_empty() {
        format!("{prefix}{n}")
    } else {
        format!("{prefix}{n}_{field}")
    }
}

impl Layout {
    fn groups(&self) -> impl Iterator<Item = &'static Group> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Group(g) => Some(*g),
            Part::Col(_) => None,
        })
    }

    fn is_fixed(&self, name: &str) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Col(c) if *c == name))
    }

    /// The header row, with `count(group)` entries of each group.
    fn header(&self, count: impl Fn(&Group) -> usize) -> Vec<String> {
        let mut out = Vec::new();
        for part in self.parts {
            match part {
                Part::Col(c) => out.push((*c).to_owned()),
                Part::Group(g) => {
                    for n in 1..=count(g) {
                        out.extend(g.fields.iter().map(|f| group_col(g.prefix, n, f)));
                    }
                }
            }
        }
        out
    }

    /// The columns for a message: fixed ones by name, groups as `act<N>_id`.
    fn describe(&self) -> String {
        let mut out = Vec::new();
        for part in self.parts {
            match part {
                Part::Col(c) => out.push((*c).to_owned()),
                Part::Group(g) => {
                    out.extend(g.fields.iter().map(|f| group_col(g.prefix, 0, f)));
                }
            }
        }
        // Column names have no digits but the numbers of groups.
        out.join(", ").replace('0', "<N>")
    }

    /// What a header cell names: a column of this table, or why not.
    fn column(&self, raw: &str) -> Result<Column, String> {
        let name = raw.trim().to_lowercase();
        if self.is_fixed(&name) {
            return Ok(Column::Fixed(name));
        }
        for g in self.groups() {
            let Some(rest) = name.strip_prefix(g.prefix) else {
                continue;
            };
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (number, after) = rest.split_at(digits);
            let field = match after.strip_prefix('_') {
                Some(f) => f,
                None if after.is_empty() => "",
                None => continue,
            };
            let Some(&field) = g.fields.iter().find(|f| **f == field) else {
                continue;
            };
            if number.is_empty() {
                continue;
            }
            return match number.parse::<usize>() {
                Ok(n) if (1..=MAX_ITEMS).contains(&n) && !number.starts_with('0') => {
                    Ok(Column::Group { group: g, n, field })
                }
                _ => Err(format!(
                    "column \"{}\": entries are numbered from 1 to {MAX_ITEMS}, without leading zeros, e.g. {}",
                    quote(raw.trim()),
                    group_col(g.prefix, 1, field)
                )),
            };
        }
        Err(format!(
            "unknown column \"{}\"; the columns of the {} file are: {}",
            quote(raw.trim()),
            self.file,
            self.describe()
        ))
    }

    /// The column where validation's `path` can be put right, if it has one.
    fn column_for(&self, path: &str) -> Option<String> {
        let mut segs = path.split('.').filter(|s| !s.is_empty());
        let (first, index) = split_index(segs.next()?);
        if let Some(g) = self.groups().find(|g| g.list == first) {
            let n = index.map_or(1, |i| i.saturating_add(1));
            let field = match segs.next() {
                None => g.fields.first().copied().unwrap_or_default(),
                Some(s) => {
                    let f = split_index(s).0;
                    g.renames
                        .iter()
                        .find(|(from, _)| *from == f)
                        .map_or(f, |(_, to)| *to)
                }
            };
            return g
                .fields
                .contains(&field)
                .then(|| group_col(g.prefix, n, field));
        }
        let mut flat = first.to_owned();
        for s in segs {
            flat.push('_');
            flat.push_str(split_index(s).0);
        }
        let col = match flat.as_str() {
            "place_text" => "place",
            "place_coordinates_lat" | "place_coordinates" => "place_lat",
            "place_coordinates_lon" => "place_lon",
            "provider_person" | "provider_unit" => "provider",
            "given_by_person" | "given_by_unit" => "given_by",
            "reply" => "reply_text",
            "next_step_text" => "next_step",
            "consent_withdrawn" => "consent_withdrawn_date",
            other => other,
        };
        self.is_fixed(col).then(|| col.to_owned())
    }
}

/// `acts[2]` → (`acts`, 2).
fn split_index(seg: &str) -> (&str, Option<usize>) {
    match seg.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (seg, None),
    }
}

/// A header cell, read.
enum Column {
    Fixed(String),
    Group {
        group: &'static Group,
        n: usize,
        field: &'static str,
    },
}

// ---------------------------------------------------------------------------------------------
// Cells: formulas, lists, terms
// ---------------------------------------------------------------------------------------------

/// Characters that make a spreadsheet read a cell as a formula.
fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// `-12`, `-45.28`, `-45,28`: a negative number, which spreadsheets read as a number.
fn is_negative_number(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('-') else {
        return false;
    };
    let (int, frac) = match rest.split_once(['.', ',']) {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

/// Whether `s` is `'`s (one or more) followed by a formula character.
fn is_quoted_formula(s: &str) -> bool {
    let rest = s.trim_start_matches('\'');
    rest.len() < s.len() && rest.starts_with(is_formula_start)
}

/// The cell as written on export: see the module documentation on formulas.
fn defuse(s: String) -> String {
    let formula = s.starts_with(is_formula_start) && !is_negative_number(&s);
    if formula || is_quoted_formula(&s) {
        format!("'{s}")
    } else {
        s
    }
}

/// The cell as read on import: the inverse of [`defuse`].
fn restore(s: &str) -> &str {
    if is_quoted_formula(s) {
        s.get(1..).unwrap_or(s)
    } else {
        s
    }
}

/// The items of a `;`-separated list, trimmed, empty ones left out.
fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(';').map(str::trim).filter(|i| !i.is_empty())
}

/// A free-text list item, with `\`, `;` and spaces at its ends escaped.
fn escape_item(s: &str) -> String {
    let n = s.chars().count();
    let mut out = String::with_capacity(s.len() + 2);
    for (i, c) in s.chars().enumerate() {
        let at_end = i == 0 || i + 1 == n;
        if c == '\\' || c == ';' || (at_end && c.is_whitespace()) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The free-text items of a cell: split at unescaped `;`, unescaped white space at each end
/// trimmed, escapes undone, empty items left out.
fn split_text_list(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    // (character, escaped)
    let mut item: Vec<(char, bool)> = Vec::new();
    let mut finish = |item: &mut Vec<(char, bool)>| {
        let start = item.iter().position(|&(c, esc)| esc || !c.is_whitespace());
        let end = item.iter().rposition(|&(c, esc)| esc || !c.is_whitespace());
        if let (Some(a), Some(b)) = (start, end) {
            items.push(item[a..=b].iter().map(|&(c, _)| c).collect());
        }
        item.clear();
    };
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => item.push((next, true)),
                None => item.push(('\\', true)),
            },
            ';' => finish(&mut item),
            c => item.push((c, false)),
        }
    }
    finish(&mut item);
    items
}

/// The list a bare code belongs to in a column accepting `accepted`: the column's list; for
/// a column with a HURIDOCS list and a Khronika one, `khr:` codes go to the Khronika list.
fn bare_list(accepted: &[&'static str], code: &str) -> &'static str {
    let khr = code.starts_with(KHRONIKA_CODE_PREFIX);
    accepted
        .iter()
        .find(|l| l.starts_with("khr_") == khr)
        .or(accepted.first())
        .copied()
        .unwrap_or_default()
}

fn term_cell(t: &TermRef, accepted: &[&'static str]) -> String {
    if t.list == bare_list(accepted, &t.code) && !t.code.contains('/') {
        t.code.clone()
    } else {
        t.to_string()
    }
}

/// A number a spreadsheet wrote in scientific notation (`1E+12`, `1,00E+12`).
fn looks_scientific(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    match upper.split_once('E') {
        Some((m, e)) => {
            !m.is_empty()
                && m.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
                && e.trim_start_matches(['+', '-'])
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && !e.is_empty()
        }
        None => false,
    }
}

fn parse_term(v: &str, accepted: &[&'static str]) -> Result<TermRef, String> {
    if v.contains('/') {
        return TermRef::parse(v).map_err(|e| e.to_string());
    }
    if looks_scientific(v) {
        return Err(format!(
            "\"{}\" looks like a term code the spreadsheet turned into a number; format the column as text and type the code again (14 digits, e.g. 01000000000004)",
            quote(v)
        ));
    }
    let code = if (12..14).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("{v:0>14}")
    } else {
        v.to_owned()
    };
    let term = TermRef::new(bare_list(accepted, &code), code);
    term.check().map_err(|e| e.to_string())?;
    Ok(term)
}

/// A coordinate: decimal degrees, with `.` or `,`.
fn parse_degrees(v: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "\"{}\" is not a coordinate; write decimal degrees, e.g. 43.1944",
            quote(v)
        )
    };
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    let (int, frac) = match body.split_once(['.', ',']) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !frac.is_none_or(digits) {
        return Err(bad());
    }
    v.replace(',', ".").parse().map_err(|_| bad())
}

fn parse_flag(v: &str) -> Result<bool, String> {
    match v.to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "да" | "истина" => Ok(true),
        "no" | "n" | "false" | "0" | "нет" | "ложь" => Ok(false),
        _ => Err(format!(
            "\"{}\" is not yes or no; write yes or no",
            quote(v)
        )),
    }
}

fn parse_choice<T: Copy>(
    v: &str,
    what: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, String> {
    let lower = v.to_lowercase();
    all.iter()
        .copied()
        .find(|&x| name(x) == lower)
        .ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|&x| name(x)).collect();
            format!(
                "unknown {what} \"{}\"; write one of: {}",
                quote(v),
                known.join(", ")
            )
        })
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// One record's cells by column name, and how many entries each group has.
#[derive(Default)]
struct Cells {
    cells: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
}

impl Cells {
    fn put(&mut self, col: &str, v: impl Into<String>) {
        let v = v.into();
        if !v.is_empty() {
            self.cells.insert(col.to_owned(), v);
        }
    }

    fn opt<T: fmt::Display>(&mut self, col: &str, v: &Option<T>) {
        if let Some(v) = v {
            self.put(col, v.to_string());
        }
    }

    fn list<T: fmt::Display>(&mut self, col: &str, v: &[T]) {
        let items: Vec<String> = v.iter().map(ToString::to_string).collect();
        self.put(col, items.join("; "));
    }

    fn term(&mut self, col: &str, t: &Option<TermRef>, accepted: &[&'static str]) {
        if let Some(t) = t {
            self.put(col, term_cell(t, accepted));
        }
    }

    fn terms(&mut self, col: &str, ts: &[TermRef], accepted: &[&'static str]) {
        let items: Vec<String> = ts.iter().map(|t| term_cell(t, accepted)).collect();
        self.put(col, items.join("; "));
    }

    fn flag(&mut self, col: &str, v: bool) {
        self.put(col, if v { "yes" } else { "no" });
    }

    fn provider(&mut self, col: &str, p: &Option<Provider>) {
        match p {
            Some(Provider::Person(id) | Provider::Unit(id)) => self.put(col, id.to_string()),
            Some(Provider::Pseudonym(code)) => self.put(&format!("{col}_pseudonym"), code.clone()),
            None => {}
        }
    }

    fn consent(&mut self, c: &Consent) {
        self.flag("consent_court", c.court);
        self.flag("consent_publication", c.publication);
        let partners: Vec<String> = c.partners.iter().map(|p| escape_item(p)).collect();
        self.put("consent_partners", partners.join("; "));
        if let Some(w) = &c.withdrawn {
            self.opt("consent_withdrawn_date", &w.date);
            self.put("consent_withdrawn_note", w.note.clone());
        }
    }

    /// Entry `i` (0-based) of `g`: a function giving its column names.
    fn entry(&mut self, g: &'static Group, i: usize) -> impl Fn(&str) -> String + use<> {
        let n = i + 1;
        let count = self.counts.entry(g.prefix).or_default();
        *count = (*count).max(n);
        let prefix = g.prefix;
        move |f| group_col(prefix, n, f)
    }
}

fn encode(record: &Record) -> Cells {
    let mut c = Cells::default();
    c.put("id", record.id().to_string());
    match record {
        Record::Case(r) => {
            c.put("title", r.title.clone());
            c.put("summary", r.summary.clone());
            c.put("compartment", r.compartment.clone());
            c.put("responsible", r.responsible.clone());
            c.list("records", &r.records);
        }
        Record::Event(r) => encode_event(&mut c, r),
        Record::Person(r) => encode_person(&mut c, r),
        Record::Unit(r) => {
            for (i, name) in r.names.iter().enumerate() {
                let col = c.entry(&UNIT_NAMES, i);
                c.put(&col(""), name.name.clone());
                c.opt(&col("script"), &name.script);
                c.put(&col("kind"), name.kind.as_str());
            }
            c.term("unit_type", &r.unit_type, &[lists::TYPES_OF_PERPETRATORS]);
            c.opt("parent", &r.parent);
            c.put("notes", r.notes.clone());
        }
        Record::Source(r) => {
            c.put("title", r.title.clone());
            c.term(
                "source_type",
                &r.source_type,
                &[lists::TYPES_OF_SOURCE_MATERIAL],
            );
            c.provider("provider", &r.provider);
            c.term(
                "relation",
                &r.relation,
                &[lists::SOURCE_CONNECTION_TO_INFORMATION],
            );
            c.opt("date", &r.date);
            c.put("reliability", r.reliability.as_str());
            c.opt("language", &r.language);
            c.put("description", r.description.clone());
            c.list("evidence", &r.evidence);
            c.consent(&r.consent);
        }
        Record::Testimony(r) => {
            c.put("title", r.title.clone());
            c.provider("given_by", &r.given_by);
            c.term(
                "relation",
                &r.relation,
                &[lists::SOURCE_CONNECTION_TO_INFORMATION],
            );
            let iv = &r.interview;
            c.opt("interview_mode", &iv.mode);
            c.put("interview_place", iv.place.clone());
            c.opt("interview_date", &iv.date);
            c.put("interview_by", iv.by.clone());
            c.put("interview_notes", iv.notes.clone());
            c.put("reliability", r.reliability.as_str());
            c.opt("language", &r.language);
            c.put("transcript", r.transcript.clone());
            c.list("evidence", &r.evidence);
            c.consent(&r.consent);
        }
        Record::Intervention(r) => {
            c.term("kind", &r.kind, INTERVENTION_KINDS);
            c.put("addressee", r.addressee.clone());
            c.put("filed_by", r.filed_by.clone());
            c.opt("filed", &r.filed);
            c.put("reference", r.reference.clone());
            c.opt("deadline", &r.deadline);
            c.put("status", r.status.as_str());
            if let Some(reply) = &r.reply {
                c.opt("reply_date", &reply.date);
                c.put("reply_text", reply.text.clone());
            }
            if let Some(next) = &r.next_step {
                c.put("next_step", next.text.clone());
                c.opt("next_step_due", &next.due);
            }
            c.list("concerns", &r.concerns);
            c.put("notes", r.notes.clone());
        }
        Record::Link(r) => {
            c.opt("from", &r.from);
            c.opt("to", &r.to);
            c.opt("kind", &r.kind);
            c.put("note", r.note.clone());
        }
    }
    c
}

const INTERVENTION_KINDS: &[&str] = &[lists::KHR_INTERVENTION_TYPES, lists::TYPES_OF_INTERVENTION];

fn encode_event(c: &mut Cells, r: &Event) {
    c.put("title", r.title.clone());
    c.put("description", r.description.clone());
    c.opt("date", &r.date);
    c.put("place", r.place.text.clone());
    c.term("place_geo", &r.place.geo, &[lists::GEOGRAPHICAL_TERMS]);
    if let Some(ll) = &r.place.coordinates {
        c.put("place_lat", ll.lat().to_string());
        c.put("place_lon", ll.lon().to_string());
    }
    for (i, a) in r.acts.iter().enumerate() {
        let col = c.entry(&ACTS, i);
        c.put(&col("id"), a.id.to_string());
        c.opt(&col("victim"), &a.victim);
        c.term(&col("type"), &a.act_type, &[lists::TYPES_OF_ACTS]);
        c.opt(&col("date"), &a.date);
        c.terms(&col("methods"), &a.methods, &[lists::METHODS_OF_VIOLENCE]);
        c.put(&col("notes"), a.notes.clone());
    }
    for (i, v) in r.involvements.iter().enumerate() {
        let col = c.entry(&INVOLVEMENTS, i);
        c.opt(&col("perpetrator"), &v.perpetrator);
        c.opt(&col("role"), &v.role);
        c.term(&col("degree"), &v.degree, &[lists::DEGREES_OF_INVOLVEMENT]);
        c.opt(&col("act"), &v.act);
        c.put(&col("notes"), v.notes.clone());
    }
}

fn encode_person(c: &mut Cells, r: &Person) {
    for (i, n) in r.names.iter().enumerate() {
        let col = c.entry(&PERSON_NAMES, i);
        c.put(&col("given"), n.given.clone());
        c.put(&col("patronymic"), n.patronymic.clone());
        c.put(&col("surname"), n.surname.clone());
        c.opt(&col("script"), &n.script);
        c.put(&col("kind"), n.kind.as_str());
    }
    c.put("pseudonym", r.pseudonym.clone());
    if let Sex::Term(t) = &r.sex {
        c.put("sex", term_cell(t, &[lists::SEX]));
    }
    c.opt("birth_year", &r.birth_year);
    for (i, m) in r.memberships.iter().enumerate() {
        let col = c.entry(&MEMBERSHIPS, i);
        c.opt(&col("unit"), &m.unit);
        c.put(&col("role"), m.role.as_str());
        c.put(&col("position"), m.position.clone());
        c.opt(&col("from"), &m.from);
        c.opt(&col("to"), &m.to);
    }
    c.put("notes", r.notes.clone());
}

/// The records of `kind` among `records`, as a CSV table: UTF-8, `,`-separated, the header
/// first, `\n` line ends, cells that a spreadsheet would run as formulas prefixed with `'`
/// (see the module documentation). Records of other kinds are skipped; with none, the
/// result is the header alone (a template to fill in). [`RecordKind::Act`] has no table: the
/// result is empty.
pub fn export(kind: RecordKind, records: &[Record]) -> String {
    let Some(layout) = layout(kind) else {
        return String::new();
    };
    let rows: Vec<Cells> = records
        .iter()
        .filter(|r| r.kind() == kind)
        .map(encode)
        .collect();
    let header = layout.header(|g| {
        rows.iter()
            .filter_map(|r| r.counts.get(g.prefix).copied())
            .max()
            .unwrap_or(0)
            .max(1)
    });
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail; should it ever, the text written so far is returned.
    let mut ok = w.write_record(&header).is_ok();
    for mut row in rows {
        if !ok {
            break;
        }
        let cells = header
            .iter()
            .map(|col| defuse(row.cells.remove(col).unwrap_or_default()));
        ok = w.write_record(cells.collect::<Vec<_>>()).is_ok();
    }
    let bytes = w
        .into_inner()
        .unwrap_or_else(|e| e.into_inner().get_ref().clone());
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/// One row's cells by column name, and the problems found reading them.
struct Row<'h> {
    cells: HashMap<String, String>,
    /// The entry numbers of each group in the header.
    numbers: &'h BTreeMap<&'static str, BTreeSet<usize>>,
    /// (column, message)
    errors: Vec<(String, String)>,
}

impl Row<'_> {
    fn get(&self, col: &str) -> &str {
        self.cells.get(col).map_or("", String::as_str)
    }

    fn text(&self, col: &str) -> String {
        self.get(col).to_owned()
    }

    fn is_blank(&self, col: &str) -> bool {
        self.get(col).trim().is_empty()
    }

    fn fail(&mut self, col: &str, message: impl Into<String>) {
        self.errors.push((col.to_owned(), message.into()));
    }

    /// The trimmed cell read by `parse`; `None` if empty or unreadable (reported).
    fn value<T, E: fmt::Display>(
        &mut self,
        col: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let v = self.get(col).trim().to_owned();
        if v.is_empty() {
            return None;
        }
        match parse(&v) {
            Ok(x) => Some(x),
            Err(e) => {
                self.fail(col, e.to_string());
                None
            }
        }
    }

    /// The `;`-separated items read by `parse`; each unreadable one is reported.
    fn list<T, E: fmt::Display>(
        &mut self,
        col: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Vec<T> {
        let v = self.get(col).to_owned();
        let mut out = Vec::new();
        for item in split_list(&v) {
            match parse(item) {
                Ok(x) => out.push(x),
                Err(e) => self.fail(col, e.to_string()),
            }
        }
        out
    }

    /// The record's own id, which every row needs; a placeholder if missing or bad (reported,
    /// so that the rest of the row is still checked).
    fn own_id(&mut self, col: &str, kind: RecordKind) -> RecordId {
        if self.is_blank(col) {
            let example = RecordId::new(kind, [0x42; 16]);
            self.fail(
                col,
                format!("required: give the {kind}'s id, e.g. {example}"),
            );
        }
        self.value(col, RecordId::parse)
            .unwrap_or_else(|| RecordId::new(kind, [0; 16]))
    }

    fn id(&mut self, col: &str) -> Option<RecordId> {
        self.value(col, RecordId::parse)
    }

    fn date(&mut self, col: &str) -> Option<FuzzyDate> {
        self.value(col, FuzzyDate::parse)
    }

    fn day(&mut self, col: &str) -> Option<Date> {
        self.value(col, Date::parse)
    }

    fn term(&mut self, col: &str, accepted: &[&'static str]) -> Option<TermRef> {
        self.value(col, |v| parse_term(v, accepted))
    }

    fn terms(&mut self, col: &str, accepted: &[&'static str]) -> Vec<TermRef> {
        self.list(col, |v| parse_term(v, accepted))
    }

    fn choice<T: Copy>(
        &mut self,
        col: &str,
        what: &str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Option<T> {
        self.value(col, |v| parse_choice(v, what, all, name))
    }

    fn flag(&mut self, col: &str) -> bool {
        self.value(col, parse_flag).unwrap_or(false)
    }

    fn provider(&mut self, col: &str) -> Option<Provider> {
        let pcol = format!("{col}_pseudonym");
        if !self.is_blank(col) && !self.is_blank(&pcol) {
            self.fail(
                col,
                format!("give either an id in {col} or a pseudonymous code in {pcol}, not both"),
            );
            return None;
        }
        if !self.is_blank(&pcol) {
            return Some(Provider::Pseudonym(self.text(&pcol)));
        }
        let id = self.id(col)?;
        match id.kind() {
            RecordKind::Person => Some(Provider::Person(id)),
            RecordKind::Unit => Some(Provider::Unit(id)),
            _ => {
                self.fail(
                    col,
                    format!(
                        "{id} is not a person or unit id; give a person (P-…) or unit (U-…) id, or a pseudonymous code in {pcol}"
                    ),
                );
                None
            }
        }
    }

    fn consent(&mut self) -> Consent {
        let withdrawn = !self.is_blank("consent_withdrawn_date")
            || !self.get("consent_withdrawn_note").is_empty();
        Consent {
            court: self.flag("consent_court"),
            publication: self.flag("consent_publication"),
            partners: split_text_list(self.get("consent_partners")),
            withdrawn: withdrawn.then(|| Withdrawal {
                date: self.day("consent_withdrawn_date"),
                note: self.text("consent_withdrawn_note"),
            }),
        }
    }

    /// The entries of `g` that have a cell filled in, in order, each as a function giving
    /// its column names.
    fn entries(&self, g: &Group) -> Vec<impl Fn(&str) -> String + use<>> {
        let numbers = self.numbers.get(g.prefix).cloned().unwrap_or_default();
        let prefix = g.prefix;
        numbers
            .into_iter()
            .filter(|&n| {
                g.fields
                    .iter()
                    .any(|f| !self.is_blank(&group_col(prefix, n, f)))
            })
            .map(|n| move |f: &str| group_col(prefix, n, f))
            .collect()
    }
}

fn decode(kind: RecordKind, c: &mut Row<'_>) -> Option<Record> {
    let record = match kind {
        RecordKind::Case => Record::Case(Case {
            id: c.own_id("id", kind),
            title: c.text("title"),
            summary: c.text("summary"),
            compartment: c.text("compartment"),
            responsible: c.text("responsible"),
            records: c.list("records", RecordId::parse),
        }),
        RecordKind::Event => Record::Event(decode_event(c)),
        RecordKind::Person => Record::Person(decode_person(c)),
        RecordKind::Unit => Record::Unit(Unit {
            id: c.own_id("id", kind),
            names: c
                .entries(&UNIT_NAMES)
                .into_iter()
                .map(|col| UnitName {
                    name: c.text(&col("")),
                    script: c.choice(&col("script"), "script", Script::ALL, Script::as_str),
                    kind: c
                        .choice(&col("kind"), "name kind", NameKind::ALL, NameKind::as_str)
                        .unwrap_or_default(),
                })
                .collect(),
            unit_type: c.term("unit_type", &[lists::TYPES_OF_PERPETRATORS]),
            parent: c.id("parent"),
            notes: c.text("notes"),
        }),
        RecordKind::Source => Record::Source(Source {
            id: c.own_id("id", kind),
            title: c.text("title"),
            source_type: c.term("source_type", &[lists::TYPES_OF_SOURCE_MATERIAL]),
            provider: c.provider("provider"),
            relation: c.term("relation", &[lists::SOURCE_CONNECTION_TO_INFORMATION]),
            date: c.date("date"),
            reliability: reliability(c),
            language: c.value("language", LanguageCode::parse),
            description: c.text("description"),
            evidence: c.list("evidence", EvidenceId::parse),
            consent: c.consent(),
        }),
        RecordKind::Testimony => Record::Testimony(Testimony {
            id: c.own_id("id", kind),
            title: c.text("title"),
            given_by: c.provider("given_by"),
            relation: c.term("relation", &[lists::SOURCE_CONNECTION_TO_INFORMATION]),
            interview: Interview {
                mode: c.choice(
                    "interview_mode",
                    "interview mode",
                    InterviewMode::ALL,
                    InterviewMode::as_str,
                ),
                place: c.text("interview_place"),
                date: c.date("interview_date"),
                by: c.text("interview_by"),
                notes: c.text("interview_notes"),
            },
            reliability: reliability(c),
            language: c.value("language", LanguageCode::parse),
            transcript: c.text("transcript"),
            evidence: c.list("evidence", EvidenceId::parse),
            consent: c.consent(),
        }),
        RecordKind::Intervention => Record::Intervention(decode_intervention(c)),
        RecordKind::Link => Record::Link(Link {
            id: c.own_id("id", kind),
            from: c.id("from"),
            to: c.id("to"),
            kind: c.choice("kind", "link kind", LinkKind::ALL, LinkKind::as_str),
            note: c.text("note"),
        }),
        RecordKind::Act => return None,
    };
    Some(record)
}

fn reliability(c: &mut Row<'_>) -> Reliability {
    c.choice(
        "reliability",
        "reliability",
        Reliability::ALL,
        Reliability::as_str,
    )
    .unwrap_or_default()
}

fn decode_event(c: &mut Row<'_>) -> Event {
    let id = c.own_id("id", RecordKind::Event);
    let lat = c.value("place_lat", parse_degrees);
    let lon = c.value("place_lon", parse_degrees);
    let coordinates = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(LatLon::new(lat, lon)),
        _ => {
            for (col, other) in [("place_lat", "place_lon"), ("place_lon", "place_lat")] {
                if c.is_blank(col) && !c.is_blank(other) {
                    c.fail(col, "give both place_lat and place_lon, or neither");
                }
            }
            None
        }
    };
    let acts = c
        .entries(&ACTS)
        .into_iter()
        .map(|col| Act {
            id: c.own_id(&col("id"), RecordKind::Act),
            victim: c.id(&col("victim")),
            act_type: c.term(&col("type"), &[lists::TYPES_OF_ACTS]),
            date: c.date(&col("date")),
            methods: c.terms(&col("methods"), &[lists::METHODS_OF_VIOLENCE]),
            notes: c.text(&col("notes")),
        })
        .collect();
    let involvements = c
        .entries(&INVOLVEMENTS)
        .into_iter()
        .map(|col| Involvement {
            perpetrator: c.id(&col("perpetrator")),
            role: c.choice(
                &col("role"),
                "involvement role",
                InvolvementRole::ALL,
                InvolvementRole::as_str,
            ),
            degree: c.term(&col("degree"), &[lists::DEGREES_OF_INVOLVEMENT]),
            act: c.id(&col("act")),
            notes: c.text(&col("notes")),
        })
        .collect();
    Event {
        id,
        title: c.text("title"),
        description: c.text("description"),
        date: c.date("date"),
        place: Place {
            text: c.text("place"),
            geo: c.term("place_geo", &[lists::GEOGRAPHICAL_TERMS]),
            coordinates,
        },
        acts,
        involvements,
    }
}

fn decode_person(c: &mut Row<'_>) -> Person {
    let id = c.own_id("id", RecordKind::Person);
    let names = c
        .entries(&PERSON_NAMES)
        .into_iter()
        .map(|col| PersonName {
            given: c.text(&col("given")),
            patronymic: c.text(&col("patronymic")),
            surname: c.text(&col("surname")),
            script: c.choice(&col("script"), "script", Script::ALL, Script::as_str),
            kind: c
                .choice(&col("kind"), "name kind", NameKind::ALL, NameKind::as_str)
                .unwrap_or_default(),
        })
        .collect();
    let sex = if c.get("sex").trim().eq_ignore_ascii_case("unknown") {
        Sex::Unknown
    } else {
        c.term("sex", &[lists::SEX]).map_or(Sex::Unknown, Sex::Term)
    };
    let birth_year = c.date("birth_year");
    let memberships = c
        .entries(&MEMBERSHIPS)
        .into_iter()
        .map(|col| Membership {
            unit: c.id(&col("unit")),
            role: c
                .choice(
                    &col("role"),
                    "membership role",
                    MembershipRole::ALL,
                    MembershipRole::as_str,
                )
                .unwrap_or_default(),
            position: c.text(&col("position")),
            from: c.date(&col("from")),
            to: c.date(&col("to")),
        })
        .collect();
    Person {
        id,
        names,
        pseudonym: c.text("pseudonym"),
        sex,
        birth_year,
        memberships,
        notes: c.text("notes"),
    }
}

fn decode_intervention(c: &mut Row<'_>) -> Intervention {
    let reply = (!c.is_blank("reply_date") || !c.get("reply_text").is_empty()).then(|| Reply {
        date: c.date("reply_date"),
        text: c.text("reply_text"),
    });
    let next_step =
        (!c.get("next_step").is_empty() || !c.is_blank("next_step_due")).then(|| NextStep {
            text: c.text("next_step"),
            due: c.day("next_step_due"),
        });
    Intervention {
        id: c.own_id("id", RecordKind::Intervention),
        kind: c.term("kind", INTERVENTION_KINDS),
        addressee: c.text("addressee"),
        filed_by: c.text("filed_by"),
        filed: c.date("filed"),
        reference: c.text("reference"),
        deadline: c.day("deadline"),
        status: c
            .choice(
                "status",
                "status",
                InterventionStatus::ALL,
                InterventionStatus::as_str,
            )
            .unwrap_or_default(),
        reply,
        next_step,
        concerns: c.list("concerns", RecordId::parse),
        notes: c.text("notes"),
    }
}

/// What validation said, in words for a cell.
fn explain(column: Option<&str>, layout: &Layout, path: &str, problem: &Problem) -> String {
    match problem {
        Problem::Required if path == "given_by" => {
            "required: give a person or unit id in given_by, or a pseudonymous code in given_by_pseudonym".into()
        }
        Problem::Required => "required: fill in this cell".into(),
        Problem::Duplicate(first) => match layout.column_for(first) {
            Some(c) if Some(c.as_str()) == column => "listed twice in this cell".into(),
            Some(c) => format!("the same as in column {c}"),
            None => problem.to_string(),
        },
        other => other.to_string(),
    }
}

/// Byte offsets of the line feeds in a text, to turn offsets into line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(bytes: &[u8]) -> Lines {
        let feeds = bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n');
        Lines(feeds.map(|(i, _)| i).collect())
    }

    /// The 1-based line of byte `offset`.
    fn of(&self, offset: usize) -> u64 {
        let n = self.0.partition_point(|&p| p < offset);
        u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1)
    }
}

/// The separator the header line uses most: `,` (also when it uses none), `;` or tab.
fn detect_delimiter(text: &[u8]) -> u8 {
    let blank = text
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count();
    let text = text.get(blank..).unwrap_or_default();
    let end = text
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(text.len());
    let line = text.get(..end).unwrap_or_default();
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    let mut best = b',';
    for d in [b';', b'\t'] {
        if count(d) > count(best) {
            best = d;
        }
    }
    best
}

/// Where a quoted cell that is never closed opens, if one does. Reads quotes as the `csv`
/// reader does: a quote opens a cell only at its start, `""` inside is a quote, and after the
/// closing quote the cell runs on unquoted.
fn unclosed_quote(text: &[u8], delim: u8) -> Option<usize> {
    enum S {
        Start,
        Unquoted,
        Quoted(usize),
        AfterQuote(usize),
    }
    let ends = |b: u8| b == delim || b == b'\n' || b == b'\r';
    let mut s = S::Start;
    for (i, &b) in text.iter().enumerate() {
        s = match s {
            S::Start if b == b'"' => S::Quoted(i),
            S::Start | S::Unquoted | S::AfterQuote(_) if ends(b) => S::Start,
            S::Quoted(q) if b == b'"' => S::AfterQuote(q),
            S::Quoted(q) => S::Quoted(q),
            S::AfterQuote(q) if b == b'"' => S::Quoted(q),
            S::Start | S::Unquoted | S::AfterQuote(_) => S::Unquoted,
        };
    }
    match s {
        S::Quoted(q) => Some(q),
        _ => None,
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn whole_file(line: u64, message: impl Into<String>) -> ImportOutcome {
    ImportOutcome {
        records: Vec::new(),
        rejected: vec![RowError {
            line,
            column: None,
            message: message.into(),
        }],
    }
}

/// Reports text that is not UTF-8: the first line with such bytes, and how many there are.
fn check_encoding(data: &[u8], lines: &Lines) -> Result<(), ImportOutcome> {
    if data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF") {
        return Err(whole_file(
            1,
            "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" and import that",
        ));
    }
    let mut bad = BTreeSet::new();
    let mut offset = 0usize;
    for chunk in data.utf8_chunks() {
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            bad.insert(lines.of(offset));
        }
        offset += chunk.invalid().len();
    }
    let Some(&first) = bad.first() else {
        return Ok(());
    };
    let others = match bad.len() - 1 {
        0 => String::new(),
        1 => " (and 1 more line)".to_owned(),
        n => format!(" (and {n} more lines)"),
    };
    Err(whole_file(
        first,
        format!(
            "line {first}{others} is not UTF-8 text: the file was probably saved in another encoding, such as Windows-1251 (Cyrillic); nothing was imported. Save it as \"CSV UTF-8\" (in LibreOffice: character set Unicode (UTF-8)) and import it again"
        ),
    ))
}

/// The header, read: each cell's column (`None`: a column without a name), and the entry
/// numbers of each group.
struct Header {
    columns: Vec<Option<String>>,
    numbers: BTreeMap<&'static str, BTreeSet<usize>>,
}

fn read_header(
    layout: &Layout,
    line: u64,
    cells: &::csv::StringRecord,
) -> Result<Header, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut columns = Vec::new();
    let mut numbers: BTreeMap<&'static str, BTreeSet<usize>> = BTreeMap::new();
    // Column names as the requirements name them: group columns with number 1.
    let mut present = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut fail = |column: Option<String>, message: String| {
        errors.push(RowError {
            line,
            column,
            message,
        });
    };
    for raw in cells {
        if raw.trim().is_empty() {
            columns.push(None);
            continue;
        }
        let name = match layout.column(raw) {
            Ok(Column::Fixed(name)) => {
                present.insert(name.clone());
                name
            }
            Ok(Column::Group { group, n, field }) => {
                numbers.entry(group.prefix).or_default().insert(n);
                present.insert(group_col(group.prefix, 1, field));
                group_col(group.prefix, n, field)
            }
            Err(message) => {
                fail(Some(raw.trim().to_owned()), message);
                columns.push(None);
                continue;
            }
        };
        if !seen.insert(name.clone()) {
            fail(
                Some(name.clone()),
                format!("the column {name} appears twice; keep one"),
            );
        }
        columns.push(Some(name));
    }
    for need in layout.required {
        if !need.iter().any(|c| present.contains(*c)) {
            let (column, message) = match need {
                [one] => (
                    Some((*one).to_owned()),
                    format!(
                        "the column {one} is missing; the {} file needs it (add it to the first row)",
                        layout.file
                    ),
                ),
                several => (
                    None,
                    format!(
                        "the {} file needs one of the columns {} (add one to the first row)",
                        layout.file,
                        several.join(", ")
                    ),
                ),
            };
            fail(column, message);
        }
    }
    if errors.is_empty() {
        Ok(Header { columns, numbers })
    } else {
        Err(errors)
    }
}

/// The records in a CSV table of `kind`, and every problem found; see the module
/// documentation. Never panics, whatever the bytes.
pub fn import(kind: RecordKind, data: &[u8]) -> ImportOutcome {
    let Some(layout) = layout(kind) else {
        return whole_file(
            1,
            "acts have no file of their own: they are the act1_id, act1_victim, … columns of the events file",
        );
    };
    let data = data.strip_prefix(UTF8_BOM).unwrap_or(data);
    let lines = Lines::new(data);
    if let Err(refused) = check_encoding(data, &lines) {
        return refused;
    }
    let delim = detect_delimiter(data);
    let unclosed = unclosed_quote(data, delim);
    let reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(data);

    // Each record with the line it starts on (past the blank lines the reader skips).
    let mut rows = Vec::new();
    let mut out = ImportOutcome::default();
    for result in reader.into_records() {
        match result {
            Ok(record) => {
                let from = record
                    .position()
                    .and_then(|p| usize::try_from(p.byte()).ok())
                    .unwrap_or(0);
                let skipped = data
                    .get(from..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b == b'\n' || b == b'\r')
                    .count();
                let start = from + skipped;
                rows.push((start, lines.of(start), record));
            }
            // Not expected: the text is UTF-8 and in memory.
            Err(e) => {
                let line = e
                    .position()
                    .and_then(|p| usize::try_from(p.byte()).ok())
                    .map_or(1, |b| lines.of(b));
                out.rejected.push(RowError {
                    line,
                    column: None,
                    message: format!("this row could not be read: {e}"),
                });
            }
        }
    }
    // The row holding a quote that is never closed: the last one starting before it.
    let swallowed = unclosed.and_then(|q| rows.iter().rposition(|(start, ..)| *start <= q));
    let unclosed_message = |q: usize| {
        format!(
            "a quoted cell opened on line {} is never closed, so everything after it was read as one cell; check that row for a missing or stray double quote (\")",
            lines.of(q)
        )
    };

    let blank = |r: &::csv::StringRecord| r.iter().all(|c| c.trim().is_empty());
    let Some(header_at) = rows.iter().position(|(_, _, r)| !blank(r)) else {
        return out;
    };
    let (_, header_line, header_cells) = &rows[header_at];
    if swallowed == Some(header_at) {
        let message = unclosed.map(unclosed_message).unwrap_or_default();
        out.rejected.push(RowError {
            line: *header_line,
            column: None,
            message,
        });
        return out;
    }
    let header = match read_header(layout, *header_line, header_cells) {
        Ok(h) => h,
        Err(errors) => {
            out.rejected.extend(errors);
            return out;
        }
    };

    // Where each id was first defined: (line, column).
    let mut defined: HashMap<RecordId, u64> = HashMap::new();
    for (i, (_, line, cells)) in rows.iter().enumerate().skip(header_at + 1) {
        let line = *line;
        if swallowed == Some(i) {
            let message = unclosed.map(unclosed_message).unwrap_or_default();
            out.rejected.push(RowError {
                line,
                column: None,
                message,
            });
            continue;
        }
        if blank(cells) {
            continue;
        }
        match import_row(kind, layout, &header, line, cells, &mut defined) {
            Ok(record) => out.records.push((line, record)),
            Err(errors) => out.rejected.extend(errors),
        }
    }
    out
}

/// One row: its record, or every problem with it.
fn import_row(
    kind: RecordKind,
    layout: &Layout,
    header: &Header,
    line: u64,
    cells: &::csv::StringRecord,
    defined: &mut HashMap<RecordId, u64>,
) -> Result<Record, Vec<RowError>> {
    let error = |column: Option<String>, message: String| RowError {
        line,
        column,
        message,
    };
    if cells.len() != header.columns.len() {
        return Err(vec![error(
            None,
            format!(
                "this row has {} cells but the first row has {} columns; a cell may hold an unquoted separator, or one is missing",
                cells.len(),
                header.columns.len()
            ),
        )]);
    }
    let mut row = Row {
        cells: HashMap::new(),
        numbers: &header.numbers,
        errors: Vec::new(),
    };
    let mut errors = Vec::new();
    for (i, (column, cell)) in header.columns.iter().zip(cells).enumerate() {
        match column {
            Some(name) => {
                row.cells.insert(name.clone(), restore(cell).to_owned());
            }
            None if !cell.trim().is_empty() => errors.push(error(
                None,
                format!(
                    "cell {} is under a column without a name; name the column or empty the cell",
                    i + 1
                ),
            )),
            None => {}
        }
    }
    let Some(record) = decode(kind, &mut row) else {
        return Err(errors);
    };
    let unreadable: BTreeSet<String> = row.errors.iter().map(|(c, _)| c.clone()).collect();
    let mut found: Vec<(Option<String>, String)> =
        row.errors.into_iter().map(|(c, m)| (Some(c), m)).collect();
    if let Err(problems) = record.validate() {
        for p in problems {
            let column = layout.column_for(&p.path);
            if column.as_ref().is_some_and(|c| unreadable.contains(c)) {
                continue;
            }
            let message = explain(column.as_deref(), layout, &p.path, &p.problem);
            found.push((column, message));
        }
    }
    for (path, id) in record.defines() {
        let Some(column) = layout.column_for(&path) else {
            continue;
        };
        if unreadable.contains(&column) {
            continue;
        }
        match defined.get(&id) {
            Some(&first) => found.push((
                Some(column),
                format!("the id {id} is already used on line {first}; every record and act needs its own id"),
            )),
            None => {
                defined.insert(id, line);
            }
        }
    }
    // In the order of the columns in the file.
    let position = |c: &Option<String>| {
        c.as_ref()
            .and_then(|c| header.columns.iter().position(|h| h.as_ref() == Some(c)))
            .unwrap_or(usize::MAX)
    };
    found.sort_by_key(|(c, _)| position(c));
    errors.extend(found.into_iter().map(|(c, m)| error(c, m)));
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(errors)
    }
}
