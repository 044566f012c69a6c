//! Errors from loading vocabulary data: each names the file, the line and what is wrong.

use std::fmt;

/// Why a vocabulary file could not be loaded. [`fmt::Display`] gives a message for people:
/// `huridocs-micro-thesauri.csv line 12: expected 11 columns, found 10`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabError {
    /// The data file, e.g. `ru-labels.csv`.
    pub file: String,
    /// The line (1-based) the faulty record starts on, where there is one.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: VocabErrorKind,
}

/// What is wrong in a vocabulary file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VocabErrorKind {
    /// The file has no header line.
    Empty,
    /// A quoted field that starts on this line is never closed.
    UnterminatedQuote,
    /// A double quote inside an unquoted field.
    StrayQuote,
    /// Text between a closing quote and the next comma or line break.
    TextAfterQuote,
    /// The header is not the one this file must have.
    BadHeader {
        /// The header expected.
        expected: String,
        /// The header found.
        found: String,
    },
    /// A record has the wrong number of fields.
    ColumnCount {
        /// How many the header has.
        expected: usize,
        /// How many this record has.
        found: usize,
    },
    /// A required field is empty.
    EmptyField {
        /// The column.
        column: &'static str,
    },
    /// A field that must be a number is not one.
    BadNumber {
        /// The column.
        column: &'static str,
        /// What was there.
        value: String,
    },
    /// A field that must be a flag (`y`/`n`, `true`/`false`) is not one.
    BadFlag {
        /// The column.
        column: &'static str,
        /// What was there.
        value: String,
    },
    /// The same code appears twice.
    DuplicateCode {
        /// The code.
        code: String,
        /// The line it first appeared on.
        first_line: usize,
    },
    /// One list code appears under two different list names.
    ListNameMismatch {
        /// The HURIDOCS list code.
        list_code: u16,
        /// The name seen first.
        first: String,
        /// The name on this line.
        found: String,
    },
    /// A code that should name an existing term does not.
    UnknownCode {
        /// The column the code is in.
        column: &'static str,
        /// The code.
        code: String,
    },
    /// A code refers to a term in another list than the one this record is for.
    WrongList {
        /// The code.
        code: String,
        /// The list this record is for.
        expected: String,
        /// The list the code is in.
        found: String,
    },
    /// A list that does not exist (new lists added by Khronika must be named `khr_…`).
    UnknownList {
        /// The list name.
        list: String,
    },
    /// A code that breaks the rules for codes of its origin (Khronika codes start with `khr:`).
    BadCode {
        /// The code.
        code: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// Two columns that cannot both be filled in, or a combination that makes no sense.
    Conflict {
        /// What conflicts.
        reason: &'static str,
    },
    /// A legal-framework reference that is not `INSTRUMENT art. ARTICLE`.
    BadFramework {
        /// The reference as written.
        text: String,
    },
    /// A legal-framework reference names an instrument that is not in `legal-instruments.csv`.
    UnknownInstrument {
        /// The instrument id.
        id: String,
    },
    /// The version string is empty or has characters other than letters, digits, `.`, `-`.
    BadVersion {
        /// What was there.
        value: String,
    },
}

impl fmt::Display for VocabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {}: {}", self.file, line, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

impl fmt::Display for VocabErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the file is empty (a header line is required)"),
            Self::UnterminatedQuote => {
                write!(f, "a quoted field starts here and is never closed")
            }
            Self::StrayQuote => write!(
                f,
                "a double quote inside an unquoted field (quote the whole field and double the quote)"
            ),
            Self::TextAfterQuote => write!(
                f,
                "text after a closing quote (a quoted field must end at a comma or a line break)"
            ),
            Self::BadHeader { expected, found } => {
                write!(f, "the header must be `{expected}`, found `{found}`")
            }
            Self::ColumnCount { expected, found } => {
                write!(f, "expected {expected} columns, found {found}")
            }
            Self::EmptyField { column } => write!(f, "`{column}` is empty"),
            Self::BadNumber { column, value } => {
                write!(f, "`{column}` must be a whole number, found `{value}`")
            }
            Self::BadFlag { column, value } => {
                write!(f, "`{column}` must be a yes/no flag, found `{value}`")
            }
            Self::DuplicateCode { code, first_line } => {
                write!(f, "code `{code}` already appears on line {first_line}")
            }
            Self::ListNameMismatch {
                list_code,
                first,
                found,
            } => write!(
                f,
                "list code {list_code} is named `{found}` here but `{first}` earlier"
            ),
            Self::UnknownCode { column, code } => {
                write!(f, "`{column}`: no term has the code `{code}`")
            }
            Self::WrongList {
                code,
                expected,
                found,
            } => write!(f, "code `{code}` is in list `{found}`, not `{expected}`"),
            Self::UnknownList { list } => write!(
                f,
                "no list is named `{list}` (lists added by Khronika are named `khr_…`)"
            ),
            Self::BadCode { code, reason } => write!(f, "code `{code}`: {reason}"),
            Self::Conflict { reason } => write!(f, "{reason}"),
            Self::BadFramework { text } => write!(
                f,
                "legal reference `{text}` must read `INSTRUMENT art. ARTICLE`, e.g. `ICCPR art. 7`"
            ),
            Self::UnknownInstrument { id } => {
                write!(f, "instrument `{id}` is not in legal-instruments.csv")
            }
            Self::BadVersion { value } => write!(
                f,
                "version `{value}` must be non-empty letters, digits, `.` and `-`"
            ),
        }
    }
}

impl std::error::Error for VocabError {}
