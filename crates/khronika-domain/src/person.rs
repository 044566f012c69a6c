//! Persons (names in several scripts, aliases, call signs, a pseudonymous code), units and
//! organisations, and memberships over time (who served in or commanded which unit, when).
//!
//! A name is written in one script; the same person's name in Cyrillic and in Latin letters
//! are two [`PersonName`]s, the second of kind [`NameKind::Transliteration`]. An alias or a
//! call sign (позывной) is a name too. A call sign is written in `given` alone.
//!
//! A person known only by a pseudonymous code (`W-17`) has no names here: the real identity
//! behind a pseudonymous source lives in the source-identities compartment, never in the
//! record other members read.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::date::{FuzzyDate, Precision};
use crate::ids::{RecordId, RecordKind};
use crate::stable::stable_enum;
use crate::term::{TermRef, lists};
use crate::validate::{
    Check, Checker, MAX_CODE_CHARS, MAX_ITEMS, MAX_LINE_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS,
    Path, Problem, validate_via_check,
};

stable_enum! {
    /// The script a name is written in.
    pub enum Script ("script") {
        /// Cyrillic letters (Russian, Ukrainian, Chechen…).
        Cyrillic = "cyrillic",
        /// Latin letters.
        Latin = "latin",
        /// Any other script, or several.
        Other = "other",
    }
}

impl Script {
    /// The script of one letter; `None` for anything that is not a letter (digits, hyphens,
    /// apostrophes, modifier letters such as ʼ).
    pub fn of_char(c: char) -> Option<Script> {
        if !c.is_alphabetic() || ('\u{02B0}'..='\u{02FF}').contains(&c) {
            return None;
        }
        let cyrillic = matches!(c,
            '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}'
            | '\u{A640}'..='\u{A69F}');
        let latin = c.is_ascii_alphabetic()
            || matches!(c,
                '\u{00AA}' | '\u{00BA}' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}'
                | '\u{2C60}'..='\u{2C7F}' | '\u{A720}'..='\u{A7FF}');
        Some(if cyrillic {
            Script::Cyrillic
        } else if latin {
            Script::Latin
        } else {
            Script::Other
        })
    }

    /// The script all letters of `text` share: `None` without letters, [`Script::Other`] if
    /// they are mixed or in another script.
    pub fn detect(text: &str) -> Option<Script> {
        let mut found = None;
        for s in text.chars().filter_map(Script::of_char) {
            match found {
                None => found = Some(s),
                Some(f) if f != s => return Some(Script::Other),
                Some(_) => {}
            }
        }
        found
    }

    /// The first letter of `text` not in this script, if this is Cyrillic or Latin. In
    /// Cyrillic text the Latin `I` and `l` are tolerated: they are how the Chechen palochka
    /// (Ӏ) is commonly typed.
    fn stray_letter(self, text: &str) -> Option<char> {
        if self == Script::Other {
            return None;
        }
        text.chars().find(|&c| match Script::of_char(c) {
            None => false,
            Some(s) if s == self => false,
            Some(Script::Latin) if self == Script::Cyrillic && matches!(c, 'I' | 'l') => false,
            Some(_) => true,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Script::Cyrillic => "Cyrillic",
            Script::Latin => "Latin",
            Script::Other => "other",
        }
    }
}

/// Reports a letter from another script than the one a name is marked with: usually a Latin
/// letter typed in a Cyrillic name (`o` for `о`), which breaks every later search.
fn check_script(c: &mut Checker, at: &Path, script: Option<Script>, text: &str) {
    let Some(script) = script else { return };
    if let Some(stray) = script.stray_letter(text) {
        let theirs = Script::of_char(stray).map_or("other", Script::label);
        c.add(
            at,
            Problem::Invalid(format!(
                "contains the {theirs} letter \"{stray}\" but is marked {}; retype it",
                script.label()
            )),
        );
    }
}

stable_enum! {
    /// What kind of name it is.
    #[derive(Default)]
    pub enum NameKind ("name kind") {
        /// The name as in official documents.
        #[default]
        Official = "official",
        /// The official name in another script.
        Transliteration = "transliteration",
        /// Another name the person is known by.
        Alias = "alias",
        /// A call sign (позывной), written in `given` alone.
        CallSign = "call_sign",
    }
}

/// A person's name in one script.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    /// Given name (for a call sign: the call sign).
    #[serde(default)]
    pub given: String,
    /// Patronymic (отчество), if any.
    #[serde(default)]
    pub patronymic: String,
    /// Surname.
    #[serde(default)]
    pub surname: String,
    /// The script it is written in; when stated, every letter must be in it. `None`: not
    /// stated (see [`PersonName::script`]).
    #[serde(default)]
    pub script: Option<Script>,
    /// What kind of name it is.
    #[serde(default)]
    pub kind: NameKind,
}

impl PersonName {
    /// The stated script, or the one detected from the letters.
    pub fn script(&self) -> Option<Script> {
        self.script.or_else(|| Script::detect(&self.full()))
    }

    /// Given name, patronymic and surname, as given, separated by spaces.
    pub fn full(&self) -> String {
        [&self.given, &self.patronymic, &self.surname]
            .into_iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Check for PersonName {
    fn check(&self, at: &Path, c: &mut Checker) {
        let parts = [
            ("given", &self.given),
            ("patronymic", &self.patronymic),
            ("surname", &self.surname),
        ];
        if self.kind == NameKind::CallSign {
            c.required_line(&at.field("given"), &self.given, MAX_CODE_CHARS);
            for (field, value) in &parts[1..] {
                if !value.trim().is_empty() {
                    c.add(
                        &at.field(field),
                        Problem::Inconsistent("a call sign is written in given alone".into()),
                    );
                }
            }
        } else {
            if self.given.trim().is_empty() && self.surname.trim().is_empty() {
                c.add(
                    at,
                    Problem::Missing("give a given name or a surname".into()),
                );
            }
            for (field, value) in parts {
                c.line(&at.field(field), value, MAX_NAME_CHARS);
            }
        }
        for (field, value) in parts {
            check_script(c, &at.field(field), self.script, value);
        }
    }
}

/// A person's sex: a term of the `sex` list, or unknown. In JSON: `"unknown"` or a term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Sex {
    /// Not known or not recorded.
    #[default]
    Unknown,
    /// A term of the `sex` list.
    Term(TermRef),
}

impl Serialize for Sex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Sex::Unknown => s.serialize_str("unknown"),
            Sex::Term(t) => t.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Sex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SexVisitor;
        impl<'de> Visitor<'de> for SexVisitor {
            type Value = Sex;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"unknown\" or a term such as {\"list\": \"sex\", \"code\": \"…\"}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Sex, E> {
                if v == "unknown" {
                    Ok(Sex::Unknown)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Sex, A::Error> {
                TermRef::deserialize(de::value::MapAccessDeserializer::new(map)).map(Sex::Term)
            }
        }
        d.deserialize_any(SexVisitor)
    }
}

stable_enum! {
    /// A person's role in a unit.
    #[derive(Default)]
    pub enum MembershipRole ("membership role") {
        /// Commanded it (or led the organisation).
        Commander = "commander",
        /// Served in it or belonged to it.
        #[default]
        Member = "member",
    }
}

/// A person's membership of a unit over time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The unit (`U-`).
    #[serde(default)]
    pub unit: Option<RecordId>,
    /// Commander or member.
    #[serde(default)]
    pub role: MembershipRole,
    /// Position or rank as stated (`командир взвода`, `major`).
    #[serde(default)]
    pub position: String,
    /// Since when, if known.
    #[serde(default)]
    pub from: Option<FuzzyDate>,
    /// Until when, if known; absent while ongoing or unknown.
    #[serde(default)]
    pub to: Option<FuzzyDate>,
}

/// Reports `to` at `at_to` if it certainly ends before `from`.
pub(crate) fn check_order(
    c: &mut Checker,
    at_to: &Path,
    from: &Option<FuzzyDate>,
    to: &Option<FuzzyDate>,
) {
    if let (Some(from), Some(to)) = (from, to)
        && to.certainly_before(from)
    {
        c.add(
            at_to,
            Problem::Inconsistent(format!("ends before it starts ({to} is before {from})")),
        );
    }
}

impl Check for Membership {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.required_id(&at.field("unit"), &self.unit, &[RecordKind::Unit]);
        c.line(&at.field("position"), &self.position, MAX_LINE_CHARS);
        check_order(c, &at.field("to"), &self.from, &self.to);
    }
}

/// A person: a victim, a perpetrator, a witness, a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The id (`P-`).
    pub id: RecordId,
    /// Names in every script, aliases and call signs; the first official one is shown.
    #[serde(default)]
    pub names: Vec<PersonName>,
    /// A pseudonymous code (`W-17`) for a person whose identity is protected.
    #[serde(default)]
    pub pseudonym: String,
    /// Sex.
    #[serde(default)]
    pub sex: Sex,
    /// Year of birth, possibly approximate or a range of years.
    #[serde(default)]
    pub birth_year: Option<FuzzyDate>,
    /// Units served in or commanded, over time.
    #[serde(default)]
    pub memberships: Vec<Membership>,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

impl Person {
    /// What to call the person in a list: the first official name, else the first name, else
    /// the pseudonymous code, else the short id.
    pub fn label(&self) -> String {
        let named = self
            .names
            .iter()
            .find(|n| n.kind == NameKind::Official)
            .or_else(|| self.names.first())
            .map(PersonName::full)
            .filter(|s| !s.is_empty());
        named
            .or_else(|| Some(self.pseudonym.trim().to_owned()).filter(|s| !s.is_empty()))
            .unwrap_or_else(|| self.id.short())
    }
}

impl Check for Person {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Person]);
        let names = at.field("names");
        if self.names.is_empty() && self.pseudonym.trim().is_empty() {
            c.add(
                &names,
                Problem::Missing("give at least one name or a pseudonymous code".into()),
            );
        }
        if c.count(&names, self.names.len(), MAX_ITEMS) {
            for (i, n) in self.names.iter().enumerate() {
                n.check(&names.index(i), c);
            }
        }
        c.line(&at.field("pseudonym"), &self.pseudonym, MAX_CODE_CHARS);
        if let Sex::Term(t) = &self.sex {
            c.term(&at.field("sex"), t, &[lists::SEX]);
        }
        if let Some(b) = &self.birth_year
            && b.points().any(|p| p.date.precision() != Precision::Year)
        {
            c.add(
                &at.field("birth_year"),
                Problem::Invalid("give only the year, e.g. 1984, around 1984 or 1983..1985".into()),
            );
        }
        let ms = at.field("memberships");
        if c.count(&ms, self.memberships.len(), MAX_ITEMS) {
            for (i, m) in self.memberships.iter().enumerate() {
                m.check(&ms.index(i), c);
            }
        }
        c.text(&at.field("notes"), &self.notes, MAX_TEXT_CHARS);
    }
}

/// A unit's or organisation's name in one script.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitName {
    /// The name (`ОМОН «Ахмат»`, `141st Special Motorised Regiment`).
    #[serde(default)]
    pub name: String,
    /// The script, when stated (then every letter must be in it).
    #[serde(default)]
    pub script: Option<Script>,
    /// What kind of name it is (an alias or a call sign for informal names).
    #[serde(default)]
    pub kind: NameKind,
}

impl Check for UnitName {
    fn check(&self, at: &Path, c: &mut Checker) {
        let name = at.field("name");
        c.required_line(&name, &self.name, MAX_LINE_CHARS);
        check_script(c, &name, self.script, &self.name);
    }
}

/// A unit or organisation: a police, military or paramilitary formation, an authority, an
/// NGO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// The id (`U-`).
    pub id: RecordId,
    /// Names in every script and aliases; the first is shown.
    #[serde(default)]
    pub names: Vec<UnitName>,
    /// What kind of unit (a term of `types_of_perpetrators`).
    #[serde(default)]
    pub unit_type: Option<TermRef>,
    /// The unit it is part of (`U-`), e.g. a battalion's regiment.
    #[serde(default)]
    pub parent: Option<RecordId>,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

impl Unit {
    /// What to call the unit in a list: its first name, else the short id.
    pub fn label(&self) -> String {
        self.names
            .first()
            .map(|n| n.name.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.id.short())
    }
}

impl Check for Unit {
    fn check(&self, at: &Path, c: &mut Checker) {
        c.id(&at.field("id"), &self.id, &[RecordKind::Unit]);
        let names = at.field("names");
        if self.names.is_empty() {
            c.add(&names, Problem::Missing("give at least one name".into()));
        }
        if c.count(&names, self.names.len(), MAX_ITEMS) {
            for (i, n) in self.names.iter().enumerate() {
                n.check(&names.index(i), c);
            }
        }
        c.opt_term(
            &at.field("unit_type"),
            &self.unit_type,
            &[lists::TYPES_OF_PERPETRATORS],
        );
        let parent = at.field("parent");
        c.opt_id(&parent, &self.parent, &[RecordKind::Unit]);
        if self.parent == Some(self.id) {
            c.add(
                &parent,
                Problem::Inconsistent("a unit cannot be part of itself".into()),
            );
        }
        c.text(&at.field("notes"), &self.notes, MAX_TEXT_CHARS);
    }
}

validate_via_check!(Person, Unit);
