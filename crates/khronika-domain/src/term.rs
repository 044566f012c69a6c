//! References to vocabulary terms ([`TermRef`]) and language codes ([`LanguageCode`]).
//!
//! Records never hold a term's label, only its list and its stable code, so that labels can be
//! translated and corrected without touching a record, and data exchanged with other
//! HURIDOCS-based systems lines up. This module checks only the *shape* of a reference;
//! whether the term exists is the vocabularies' business.
//!
//! A code is either a HURIDOCS `vocab_number` (14 digits, e.g. `01000000000004`) or a Khronika
//! code for a term the standard lacks: `khr:` and a lower-case name (`khr:forced_conscription`).
//! Khronika's additions live in the HURIDOCS list they extend (a new act type is in
//! `types_of_acts`) or in a list of Khronika's own, named `khr_…`; each field accepts the lists
//! named in [`lists`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::quote;
use crate::stable::from_text;

/// The vocabulary lists each field draws from. HURIDOCS list names, kept as the standard
/// spells them.
pub use crate::vocab::lists;

/// Longest list name accepted.
pub const MAX_LIST_LEN: usize = 64;
/// Longest Khronika code accepted, `khr:` included.
pub const MAX_CODE_LEN: usize = 68;
/// Prefix of Khronika's own codes.
pub const KHRONIKA_CODE_PREFIX: &str = "khr:";

/// A term of a controlled vocabulary: the list it belongs to and its stable code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermRef {
    /// The list's name, e.g. `types_of_acts`.
    pub list: String,
    /// The term's code: 14 digits (HURIDOCS) or `khr:` and a name (Khronika).
    pub code: String,
}

/// Why a [`TermRef`] is malformed. The messages say what a good one looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermError {
    /// The list name is not lower-case letters, digits and underscores.
    #[error(
        "list \"{0}\" is not a list name; list names are lower-case letters, digits and underscores, e.g. types_of_acts"
    )]
    List(String),
    /// The code is neither 14 digits nor `khr:` and a name.
    #[error(
        "code \"{0}\" is not a term code; write the HURIDOCS number (14 digits, e.g. 01000000000004) or a Khronika code (e.g. khr:forced_conscription)"
    )]
    Code(String),
    /// The `list/code` text form lacks its slash.
    #[error("\"{0}\" is not a term; write list/code, e.g. types_of_acts/01000000000004")]
    Text(String),
}

impl TermRef {
    /// A reference (not checked; see [`TermRef::check`]).
    pub fn new(list: impl Into<String>, code: impl Into<String>) -> TermRef {
        TermRef {
            list: list.into(),
            code: code.into(),
        }
    }

    /// Whether the code is one of Khronika's own (`khr:…`) rather than a HURIDOCS number.
    pub fn is_khronika(&self) -> bool {
        self.code.starts_with(KHRONIKA_CODE_PREFIX)
    }

    /// Check the shape of the list name and the code.
    pub fn check(&self) -> Result<(), TermError> {
        let l = &self.list;
        let list_ok = !l.is_empty()
            && l.len() <= MAX_LIST_LEN
            && l.starts_with(|c: char| c.is_ascii_lowercase())
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !list_ok {
            return Err(TermError::List(quote(l)));
        }
        let c = &self.code;
        let huridocs = c.len() == 14 && c.bytes().all(|b| b.is_ascii_digit());
        let khronika = c.strip_prefix(KHRONIKA_CODE_PREFIX).is_some_and(|name| {
            !name.is_empty()
                && c.len() <= MAX_CODE_LEN
                && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
                })
        });
        if !(huridocs || khronika) {
            return Err(TermError::Code(quote(c)));
        }
        Ok(())
    }

    /// Parse the text form `list/code` (as in CSV files), checking its shape.
    pub fn parse(s: &str) -> Result<TermRef, TermError> {
        let t = s.trim();
        let (list, code) = t.split_once('/').ok_or_else(|| TermError::Text(quote(t)))?;
        let term = TermRef::new(list.trim(), code.trim());
        term.check()?;
        Ok(term)
    }
}

impl fmt::Display for TermRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.list, self.code)
    }
}

impl FromStr for TermRef {
    type Err = TermError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TermRef::parse(s)
    }
}

/// The vocabulary term that labels an enum value: `khr:` and its stable name, in `list`.
pub(crate) fn khronika_term(list: &str, name: &str) -> TermRef {
    TermRef::new(list, format!("{KHRONIKA_CODE_PREFIX}{name}"))
}

/// An ISO 639 language code: two letters (ISO 639-1, `ru`) or three (ISO 639-2/3, `rus`,
/// `ce` / `che` for Chechen). Stored in lower case. Only the shape is checked.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageCode(String);

/// Why a text is not a language code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a language code; write the ISO 639 code, e.g. ru, uk, en or che")]
pub struct LanguageError(String);

impl LanguageCode {
    /// Parse a code; upper case is accepted and lowered.
    pub fn parse(s: &str) -> Result<LanguageCode, LanguageError> {
        let t = s.trim();
        if (2..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(LanguageCode(t.to_ascii_lowercase()))
        } else {
            Err(LanguageError(quote(t)))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LanguageCode({})", self.0)
    }
}

impl FromStr for LanguageCode {
    type Err = LanguageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LanguageCode::parse(s)
    }
}

impl Serialize for LanguageCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LanguageCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(
            d,
            "an ISO 639 language code such as ru",
            LanguageCode::parse,
        )
    }
}
