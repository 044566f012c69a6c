//! Record ids (`P-…`, `V-…`, 128 random bits with a type letter) and evidence ids (`E…`).
//!
//! A [`RecordId`] is a [`RecordKind`] and 16 random bytes. Its text form is the kind's letter, a
//! hyphen and the 128 bits in Crockford base32 (26 characters, the first one `0`–`7`):
//! `P-3M2Q7ZK0V1X9T4B8C6D5E2F1GH`.
//!
//! **Decision: the type letter is part of the id, not of its random bytes.** The 16 bytes are
//! unique on their own (they are random), so storage may key on them alone; but a `RecordId`
//! always travels with its kind, equality and ordering include it, and the text form is the only
//! form in records and files. A reference therefore says what it points to (a victim must be a
//! `P-` or `U-` id) and validation can check that without looking anything up.
//!
//! Ids are generated from randomness the caller supplies ([`RecordId::new`]): this crate does no
//! IO, and tests stay reproducible.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::stable::from_text;

/// Crockford's base32 alphabet (no I, L, O, U), used for every id people may read aloud.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The value of one Crockford character, accepting lower case and the usual misreadings
/// (`I`/`L` for 1, `O` for 0).
fn crockford_value(c: char) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    let c = match c {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    CROCKFORD
        .iter()
        .position(|&b| char::from(b) == c)
        .and_then(|p| u8::try_from(p).ok())
}

/// Number of base32 characters after the `X-` prefix of a record id.
pub const RECORD_ID_CHARS: usize = 26;

/// What a record is. Its letter begins the record's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// A case: a documenter's unit of work (`C-`).
    Case,
    /// An event: what happened, when and where (`V-`).
    Event,
    /// An act within an event: one victim, one act type (`A-`).
    Act,
    /// A person: victim, perpetrator, witness, source (`P-`).
    Person,
    /// A unit or organisation: a police or military formation, an NGO (`U-`).
    Unit,
    /// A source: a document, a report, material someone gave (`S-`).
    Source,
    /// A testimony: a statement taken from a person (`T-`).
    Testimony,
    /// An intervention: a complaint, appeal, court application, letter (`I-`).
    Intervention,
    /// A link between two records (`L-`).
    Link,
}

impl RecordKind {
    /// Every kind, in a fixed order.
    pub const ALL: [RecordKind; 9] = [
        RecordKind::Case,
        RecordKind::Event,
        RecordKind::Act,
        RecordKind::Person,
        RecordKind::Unit,
        RecordKind::Source,
        RecordKind::Testimony,
        RecordKind::Intervention,
        RecordKind::Link,
    ];

    /// The letter that begins this kind's ids.
    pub fn letter(self) -> char {
        match self {
            RecordKind::Case => 'C',
            RecordKind::Event => 'V',
            RecordKind::Act => 'A',
            RecordKind::Person => 'P',
            RecordKind::Unit => 'U',
            RecordKind::Source => 'S',
            RecordKind::Testimony => 'T',
            RecordKind::Intervention => 'I',
            RecordKind::Link => 'L',
        }
    }

    /// The kind whose ids begin with `letter` (either case).
    pub fn from_letter(letter: char) -> Option<RecordKind> {
        let up = letter.to_ascii_uppercase();
        RecordKind::ALL.into_iter().find(|k| k.letter() == up)
    }

    /// The stable name (`case`, `event`, …), also the `type` tag of [`crate::record::Record`].
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Case => "case",
            RecordKind::Event => "event",
            RecordKind::Act => "act",
            RecordKind::Person => "person",
            RecordKind::Unit => "unit",
            RecordKind::Source => "source",
            RecordKind::Testimony => "testimony",
            RecordKind::Intervention => "intervention",
            RecordKind::Link => "link",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not a record id or an evidence id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Nothing was given.
    #[error("no id given")]
    Empty,
    /// The text does not begin with a type letter and a hyphen.
    #[error(
        "\"{0}\" is not a record id; a record id is a type letter, a hyphen and 26 characters, e.g. P-3M2Q7ZK0V1X9T4B8C6D5E2F1GH"
    )]
    Shape(String),
    /// The type letter is not one of ours.
    #[error("\"{0}\" is not a record type letter; use one of C, V, A, P, U, S, T, I, L")]
    UnknownKind(char),
    /// Wrong number of characters after the prefix.
    #[error("a record id has 26 characters after the hyphen, this one has {0}")]
    Length(usize),
    /// A character outside Crockford's base32 alphabet.
    #[error("\"{0}\" cannot appear in an id (ids use 0-9 and A-Z without I, L, O and U)")]
    BadChar(char),
    /// 26 base32 characters hold 130 bits; the first must be 0–7 to fit 128.
    #[error("record id out of range: the first character after the hyphen must be 0-7")]
    TooLarge,
    /// Not an evidence id.
    #[error(
        "\"{0}\" is not an evidence id; an evidence id is E and 16 characters, e.g. E7ZK3M1XQ9TB2C4D5"
    )]
    Evidence(String),
}

/// Cut a text for quoting in an error message, so a hostile input cannot make messages huge.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// The id of a record: its kind and 128 random bits. See the module documentation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId {
    kind: RecordKind,
    bytes: [u8; 16],
}

impl RecordId {
    /// An id of `kind` from 16 random bytes (the caller draws them from its entropy source).
    pub fn new(kind: RecordKind, random: [u8; 16]) -> RecordId {
        RecordId {
            kind,
            bytes: random,
        }
    }

    /// What the id names.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The 16 random bytes, unique on their own.
    pub fn bytes(&self) -> [u8; 16] {
        self.bytes
    }

    /// The base32 characters after the hyphen (26 of them).
    fn body(&self) -> String {
        let v = u128::from_be_bytes(self.bytes);
        (0..RECORD_ID_CHARS)
            .rev()
            .map(|i| {
                // 26 * 5 = 130 bits; the two bits above 128 are zero. Shifts stay below 128.
                let digit = (v >> (5 * i)) & 31;
                char::from(CROCKFORD[digit as usize])
            })
            .collect()
    }

    /// A short form for people: the prefix and the first 8 characters (`P-3M2Q7ZK0`). Not
    /// unique; never store it.
    pub fn short(&self) -> String {
        let body = self.body();
        format!("{}-{}", self.kind.letter(), body.get(..8).unwrap_or(&body))
    }

    /// The first and last ids whose text form starts with `prefix` (the letter, the hyphen and
    /// 1 to 26 characters, read as [`RecordId::parse`] reads them); `None` if no id can.
    pub fn prefix_range(prefix: &str) -> Result<Option<(RecordId, RecordId)>, IdError> {
        let s = prefix.trim();
        let mut chars = s.chars();
        let (Some(letter), Some('-')) = (chars.next(), chars.next()) else {
            return Err(IdError::Shape(quote(s)));
        };
        let kind = RecordKind::from_letter(letter.to_ascii_uppercase())
            .ok_or(IdError::UnknownKind(letter))?;
        let body = chars.as_str();
        let n = body.chars().count();
        if n == 0 || n > RECORD_ID_CHARS {
            return Err(IdError::Length(n));
        }
        let mut v: u128 = 0;
        for (i, c) in body.chars().enumerate() {
            let d = crockford_value(c).ok_or(IdError::BadChar(c))?;
            if i == 0 && d > 7 {
                return Ok(None);
            }
            v = (v << 5) | u128::from(d);
        }
        let rest = 5 * (RECORD_ID_CHARS - n) as u32;
        // The first digit is at most 7, so the 130-bit value fits in 128 bits.
        let low = v.checked_shl(rest).unwrap_or(0);
        let high = low | 1u128.checked_shl(rest).map_or(u128::MAX, |b| b - 1);
        let id = |v: u128| RecordId {
            kind,
            bytes: v.to_be_bytes(),
        };
        Ok(Some((id(low), id(high))))
    }

    /// Parse the text form. Lower case and Crockford's misreadings (`I`, `L` for 1, `O` for 0)
    /// are accepted; [`fmt::Display`] always writes the canonical form.
    pub fn parse(s: &str) -> Result<RecordId, IdError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        let mut chars = s.chars();
        let (Some(letter), Some('-')) = (chars.next(), chars.next()) else {
            return Err(IdError::Shape(quote(s)));
        };
        let kind = RecordKind::from_letter(letter).ok_or(IdError::UnknownKind(letter))?;
        let body = chars.as_str();
        let n = body.chars().count();
        if n != RECORD_ID_CHARS {
            return Err(IdError::Length(n));
        }
        let mut v: u128 = 0;
        for (i, c) in body.chars().enumerate() {
            let d = crockford_value(c).ok_or(IdError::BadChar(c))?;
            if i == 0 && d > 7 {
                return Err(IdError::TooLarge);
            }
            v = (v << 5) | u128::from(d);
        }
        Ok(RecordId {
            kind,
            bytes: v.to_be_bytes(),
        })
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.letter(), self.body())
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({self})")
    }
}

impl FromStr for RecordId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordId::parse(s)
    }
}

impl Serialize for RecordId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(
            d,
            "a record id such as P-3M2Q7ZK0V1X9T4B8C6D5E2F1GH",
            RecordId::parse,
        )
    }
}

/// Number of base32 characters after the `E` of an evidence id.
pub const EVIDENCE_ID_CHARS: usize = 16;

/// The id of an evidence file: `E` and 16 Crockford base32 characters (80 random bits), as the
/// app layer assigns when a file is added. Records refer to evidence only through these ids.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceId(String);

impl EvidenceId {
    /// Parse an evidence id; lower case and Crockford's misreadings are accepted and
    /// normalised.
    pub fn parse(s: &str) -> Result<EvidenceId, IdError> {
        let t = s.trim();
        let bad = || IdError::Evidence(quote(t));
        let mut chars = t.chars();
        match chars.next() {
            Some('E' | 'e') => {}
            _ => return Err(bad()),
        }
        let body = chars.as_str();
        if body.chars().count() != EVIDENCE_ID_CHARS {
            return Err(bad());
        }
        let mut out = String::with_capacity(1 + EVIDENCE_ID_CHARS);
        out.push('E');
        for c in body.chars() {
            let d = crockford_value(c).ok_or_else(bad)?;
            out.push(char::from(CROCKFORD[usize::from(d)]));
        }
        Ok(EvidenceId(out))
    }

    /// The canonical text (17 characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EvidenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EvidenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EvidenceId({})", self.0)
    }
}

impl FromStr for EvidenceId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EvidenceId::parse(s)
    }
}

impl Serialize for EvidenceId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EvidenceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(
            d,
            "an evidence id such as E7ZK3M1XQ9TB2C4D5",
            EvidenceId::parse,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_format_and_parse() {
        let zero = RecordId::new(RecordKind::Person, [0; 16]);
        assert_eq!(zero.to_string(), "P-00000000000000000000000000");
        let max = RecordId::new(RecordKind::Event, [0xff; 16]);
        assert_eq!(max.to_string(), "V-7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
        assert_eq!(RecordId::parse(&max.to_string()), Ok(max));
        assert_eq!(
            RecordId::parse("V-80000000000000000000000000"),
            Err(IdError::TooLarge)
        );
        assert_eq!(max.short(), "V-7ZZZZZZZ");
    }

    #[test]
    fn a_prefix_covers_exactly_the_ids_that_start_with_it() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut b = [0u8; 16];
            for (i, x) in b.iter_mut().enumerate() {
                *x = (seed.rotate_left(i as u32 * 7) >> 13) as u8;
            }
            let id = RecordId::new(RecordKind::Case, b);
            let text = id.to_string();
            for n in [3, 4, 10, 28] {
                let (lo, hi) = RecordId::prefix_range(&text[..n]).unwrap().unwrap();
                assert!(
                    lo <= id && id <= hi,
                    "{text} outside the range of {}",
                    &text[..n]
                );
                assert!(lo.to_string().starts_with(&text[..n]));
                assert!(hi.to_string().starts_with(&text[..n]));
            }
        }
        let (lo, hi) = RecordId::prefix_range("c-3m").unwrap().unwrap();
        assert_eq!(lo.to_string(), "C-3M000000000000000000000000");
        assert_eq!(hi.to_string(), "C-3MZZZZZZZZZZZZZZZZZZZZZZZZ");
        assert_eq!(RecordId::prefix_range("C-9"), Ok(None));
        assert_eq!(RecordId::prefix_range("C-"), Err(IdError::Length(0)));
        assert_eq!(RecordId::prefix_range("C-3U"), Err(IdError::BadChar('U')));
        assert!(RecordId::prefix_range("Q-3").is_err());
        assert!(RecordId::prefix_range("C3").is_err());
    }
}
