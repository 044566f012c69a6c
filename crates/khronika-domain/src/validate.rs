//! Validation: what is wrong with a record, where, in words a documenter understands.
//!
//! Every record type has `validate(&self) -> Result<(), Vec<ValidationError>>`. It never
//! panics and never stops at the first problem: it returns every problem, each with the path
//! of the field (`acts[0].victim`, or `events[2].acts[0].victim` inside a
//! [`crate::record::RecordSet`]) and a [`Problem`] that has a stable code and an English
//! sentence. Forms show the sentence next to the field; scripts match on the code.
//!
//! Rules of thumb used throughout:
//! - A field a person must fill in is an `Option` (or a `String`) in the type, so that a
//!   missing one is reported here with its path, not by the JSON parser.
//! - Text has limits ([`MAX_LINE_CHARS`], [`MAX_TEXT_CHARS`], …) and no control characters;
//!   one-line fields (titles, names, reference numbers) have no line breaks.
//! - A reference must be an id of the right kind (a victim is a `P-` or `U-` id).
//! - A vocabulary term must be well formed and come from the field's list.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use crate::ids::{RecordId, RecordKind, quote};
use crate::term::{TermError, TermRef};

/// Longest one-line text (a title, a place, an addressee), in characters.
pub const MAX_LINE_CHARS: usize = 500;
/// Longest part of a name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest pseudonymous code or call sign, in characters.
pub const MAX_CODE_CHARS: usize = 64;
/// Longest opaque token (a compartment id, a member id), in characters.
pub const MAX_TOKEN_CHARS: usize = 128;
/// Longest free text (a description, a summary, notes, a reply), in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Longest transcript, in characters.
pub const MAX_TRANSCRIPT_CHARS: usize = 2_000_000;
/// Most entries in any one list of a record.
pub const MAX_ITEMS: usize = 10_000;

/// What is wrong with a field. Each has a stable [`Problem::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The field must be filled in.
    #[error("required")]
    Required,
    /// Something must be given, said how.
    #[error("{0}")]
    Missing(String),
    /// Text too long.
    #[error("too long: {len} characters, at most {max}")]
    TooLong {
        /// Characters given.
        len: usize,
        /// Characters allowed.
        max: usize,
    },
    /// List too long.
    #[error("too many: {len} entries, at most {max}")]
    TooMany {
        /// Entries given.
        len: usize,
        /// Entries allowed.
        max: usize,
    },
    /// A line break in a one-line field.
    #[error("must be a single line")]
    LineBreak,
    /// An invisible control character.
    #[error("contains the invisible control character U+{:04X}; remove it", u32::from(*.0))]
    ControlCharacter(char),
    /// An id of the wrong kind.
    #[error("{found} is {} id; expected {expected}", article(found.kind()))]
    WrongKind {
        /// The id given.
        found: RecordId,
        /// What was expected, e.g. "a person or unit id".
        expected: String,
    },
    /// A malformed vocabulary term.
    #[error("{0}")]
    BadTerm(TermError),
    /// A term from the wrong list.
    #[error("the term {term} is from the list {list}; use one from {expected}")]
    WrongList {
        /// The term, `list/code`.
        term: String,
        /// Its list.
        list: String,
        /// The lists allowed here.
        expected: String,
    },
    /// The same value twice.
    #[error("duplicate of {0}")]
    Duplicate(String),
    /// A number outside its range.
    #[error("{0}")]
    OutOfRange(String),
    /// Fields that contradict each other.
    #[error("{0}")]
    Inconsistent(String),
    /// A reference to a record that does not exist.
    #[error("refers to {0}, which does not exist")]
    UnknownReference(RecordId),
    /// Any other malformed value.
    #[error("{0}")]
    Invalid(String),
}

impl Problem {
    /// A stable code for scripts and translations: `required`, `too_long`, `too_many`,
    /// `line_break`, `control_character`, `wrong_kind`, `bad_term`, `wrong_list`,
    /// `duplicate`, `out_of_range`, `inconsistent`, `unknown_reference`, `invalid`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required | Problem::Missing(_) => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::TooMany { .. } => "too_many",
            Problem::LineBreak => "line_break",
            Problem::ControlCharacter(_) => "control_character",
            Problem::WrongKind { .. } => "wrong_kind",
            Problem::BadTerm(_) => "bad_term",
            Problem::WrongList { .. } => "wrong_list",
            Problem::Duplicate(_) => "duplicate",
            Problem::OutOfRange(_) => "out_of_range",
            Problem::Inconsistent(_) => "inconsistent",
            Problem::UnknownReference(_) => "unknown_reference",
            Problem::Invalid(_) => "invalid",
        }
    }
}

/// "a person" / "an event": the kind with its article.
pub(crate) fn article(kind: RecordKind) -> String {
    let an = matches!(
        kind,
        RecordKind::Event | RecordKind::Act | RecordKind::Intervention
    );
    format!("{} {kind}", if an { "an" } else { "a" })
}

/// "a person or unit id".
pub(crate) fn expected_kinds(kinds: &[RecordKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    match kinds.first() {
        None => "no id".to_owned(),
        Some(&first) => {
            let head = article(first);
            let rest = names.get(1..).unwrap_or_default();
            if rest.is_empty() {
                format!("{head} id")
            } else {
                format!("{head} or {} id", rest.join(" or "))
            }
        }
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Where: `title`, `acts[0].victim`, `events[2].acts[0].victim`; empty for the whole
    /// record.
    pub path: String,
    /// What.
    pub problem: Problem,
}

impl ValidationError {
    /// The problem's stable code.
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

impl std::error::Error for ValidationError {}

/// A field path under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    /// The record itself.
    pub(crate) fn root() -> Path {
        Path(String::new())
    }

    /// A field of this.
    pub(crate) fn field(&self, name: &str) -> Path {
        if self.0.is_empty() {
            Path(name.to_owned())
        } else {
            Path(format!("{}.{name}", self.0))
        }
    }

    /// An entry of this list.
    pub(crate) fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something that checks itself into a [`Checker`] at a path.
pub(crate) trait Check {
    fn check(&self, at: &Path, c: &mut Checker);
}

/// Collects problems.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    errors: Vec<ValidationError>,
}

impl Checker {
    pub(crate) fn new() -> Checker {
        Checker::default()
    }

    pub(crate) fn add(&mut self, at: &Path, problem: Problem) {
        self.errors.push(ValidationError {
            path: at.0.clone(),
            problem,
        });
    }

    pub(crate) fn finish(self) -> Result<(), Vec<ValidationError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    /// Length and control characters; `one_line` forbids line breaks and tabs.
    fn chars(&mut self, at: &Path, s: &str, max: usize, one_line: bool) {
        let len = s.chars().count();
        if len > max {
            self.add(at, Problem::TooLong { len, max });
        }
        if one_line && s.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
            self.add(at, Problem::LineBreak);
        }
        // Line breaks in one-line fields are reported above; tabs are allowed only in free
        // text. Bidirectional overrides are not control characters to Rust but hide text the
        // same way, so they are refused too.
        let bad = |c: char| {
            let allowed = match c {
                '\n' | '\r' => true,
                '\t' => !one_line,
                _ => false,
            };
            (c.is_control() && !allowed)
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        };
        if let Some(c) = s.chars().find(|&c| bad(c)) {
            self.add(at, Problem::ControlCharacter(c));
        }
    }

    /// A one-line text that must be given.
    pub(crate) fn required_line(&mut self, at: &Path, s: &str, max: usize) {
        if s.trim().is_empty() {
            self.add(at, Problem::Required);
        } else {
            self.chars(at, s, max, true);
        }
    }

    /// A one-line text that may be empty.
    pub(crate) fn line(&mut self, at: &Path, s: &str, max: usize) {
        self.chars(at, s, max, true);
    }

    /// A free text that may be empty.
    pub(crate) fn text(&mut self, at: &Path, s: &str, max: usize) {
        self.chars(at, s, max, false);
    }

    /// An opaque token (a compartment or member id): printable ASCII, no spaces.
    pub(crate) fn token(&mut self, at: &Path, s: &str) {
        if s.len() > MAX_TOKEN_CHARS {
            self.add(
                at,
                Problem::TooLong {
                    len: s.chars().count(),
                    max: MAX_TOKEN_CHARS,
                },
            );
        } else if !s.bytes().all(|b| b.is_ascii_graphic()) {
            self.add(
                at,
                Problem::Invalid(format!(
                    "\"{}\" is not an id: use letters, digits and punctuation without spaces",
                    quote(s)
                )),
            );
        }
    }

    /// An id of one of `kinds`.
    pub(crate) fn id(&mut self, at: &Path, id: &RecordId, kinds: &[RecordKind]) {
        if !kinds.contains(&id.kind()) {
            self.add(
                at,
                Problem::WrongKind {
                    found: *id,
                    expected: expected_kinds(kinds),
                },
            );
        }
    }

    /// An id that must be given, of one of `kinds`.
    pub(crate) fn required_id(&mut self, at: &Path, id: &Option<RecordId>, kinds: &[RecordKind]) {
        match id {
            None => self.add(at, Problem::Required),
            Some(id) => self.id(at, id, kinds),
        }
    }

    /// An id that may be absent, of one of `kinds`.
    pub(crate) fn opt_id(&mut self, at: &Path, id: &Option<RecordId>, kinds: &[RecordKind]) {
        if let Some(id) = id {
            self.id(at, id, kinds);
        }
    }

    /// A term from one of `lists`.
    pub(crate) fn term(&mut self, at: &Path, t: &TermRef, lists: &[&str]) {
        if let Err(e) = t.check() {
            self.add(at, Problem::BadTerm(e));
        } else if !lists.contains(&t.list.as_str()) {
            self.add(
                at,
                Problem::WrongList {
                    term: quote(&t.to_string()),
                    list: t.list.clone(),
                    expected: lists.join(" or "),
                },
            );
        }
    }

    /// A term that may be absent.
    pub(crate) fn opt_term(&mut self, at: &Path, t: &Option<TermRef>, lists: &[&str]) {
        if let Some(t) = t {
            self.term(at, t, lists);
        }
    }

    /// A term that must be given.
    pub(crate) fn required_term(&mut self, at: &Path, t: &Option<TermRef>, lists: &[&str]) {
        match t {
            None => self.add(at, Problem::Required),
            Some(t) => self.term(at, t, lists),
        }
    }

    /// A list's length.
    pub(crate) fn count(&mut self, at: &Path, len: usize, max: usize) -> bool {
        if len > max {
            self.add(at, Problem::TooMany { len, max });
            false
        } else {
            true
        }
    }

    /// Reports each repeated item at its own path, naming the first occurrence.
    pub(crate) fn unique<'a, T: Eq + Hash + 'a>(
        &mut self,
        at: &Path,
        items: impl IntoIterator<Item = &'a T>,
    ) {
        let mut seen: HashMap<&T, usize> = HashMap::new();
        for (i, item) in items.into_iter().enumerate() {
            if let Some(&first) = seen.get(item) {
                self.add(&at.index(i), Problem::Duplicate(at.index(first).0));
            } else {
                seen.insert(item, i);
            }
        }
    }
}

/// Gives a type `validate` through its [`Check`] implementation.
macro_rules! validate_via_check {
    ($($t:ty),+ $(,)?) => {
        $(
            impl $t {
                /// Check this record; every problem found, each with its field path.
                pub fn validate(&self) -> Result<(), Vec<$crate::validate::ValidationError>> {
                    let mut c = $crate::validate::Checker::new();
                    $crate::validate::Check::check(self, &$crate::validate::Path::root(), &mut c);
                    c.finish()
                }
            }
        )+
    };
}

pub(crate) use validate_via_check;
