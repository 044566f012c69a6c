//! Dates that carry their precision: a day, a month, a year, "around" one of those, or a range.
//!
//! What a witness remembers is rarely a day. A [`FuzzyDate`] says exactly as much as is known:
//!
//! | text                 | meaning                                        |
//! |----------------------|------------------------------------------------|
//! | `2014-12-03`         | that day                                       |
//! | `2014-12`            | some day in December 2014                      |
//! | `2014`               | some day in 2014                               |
//! | `around 2017-04`     | about April 2017 (`~2017-04`, `около 2017-04`) |
//! | `2014-12..2015-02`   | from December 2014 to February 2015            |
//! | `around 2014..2015-02` | from about 2014 to February 2015             |
//! | `2017-04..`          | since April 2017, end unknown or ongoing       |
//! | `..2015`             | until 2015, start unknown                      |
//!
//! `around` binds to one end of a range: `around 2014..2015` is approximate at the start only.
//! Years have four digits (0001–9999); dates are written year-month-day.
//!
//! Every fuzzy date denotes a span of days it may fall on ([`FuzzyDate::earliest`],
//! [`FuzzyDate::latest`]), which is what filters and consistency checks compare. "Around"
//! widens a point by one unit of its precision on each side: a year by a year, a month by a
//! month, a day by [`AROUND_DAYS`] days.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::quote;
use crate::stable::from_text;

/// How many days "around" a day widens it by, on each side.
pub const AROUND_DAYS: i64 = 7;

/// The earliest year a date may have.
pub const MIN_YEAR: u16 = 1;
/// The latest year a date may have (years have four digits).
pub const MAX_YEAR: u16 = 9999;

/// Why a text is not a date, or a date does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing was given.
    #[error("no date given; write e.g. 2014-12-03, 2014-12 or 2014")]
    Empty,
    /// The text is not in any of the accepted forms.
    #[error(
        "\"{0}\" is not a date; write 2014-12-03, 2014-12, 2014, around 2017-04 or 2014-12..2015-02"
    )]
    Syntax(String),
    /// The text looks like day.month.year, the usual Russian order.
    #[error("\"{0}\" looks like day.month.year; write dates as year-month-day, e.g. 2014-12-03")]
    DayFirst(String),
    /// "around" (or `~`, `около`) without a date after it, or given twice.
    #[error("\"{0}\": write \"around\" once, before a date, e.g. around 2017-04")]
    Around(String),
    /// Year zero.
    #[error("year 0 does not exist; years run from 0001 to 9999")]
    YearZero,
    /// A month outside 1–12.
    #[error("month {0} does not exist")]
    Month(u8),
    /// A day the month does not have.
    #[error("day {day} does not exist in {year:04}-{month:02}")]
    Day {
        /// The year.
        year: u16,
        /// The month.
        month: u8,
        /// The day that does not exist.
        day: u8,
    },
    /// A full date (with a day) was needed.
    #[error("\"{0}\" is not a full date; give the day too, e.g. 2014-12-03")]
    NotADay(String),
    /// The end of a range is before its start.
    #[error("range ends before it starts ({to} is before {from})")]
    Backwards {
        /// The start, as written.
        from: String,
        /// The end, as written.
        to: String,
    },
    /// `..` with neither start nor end.
    #[error("a range needs a start or an end, e.g. 2014.. or ..2015")]
    EmptyRange,
}

/// Whether `year` has a 29 February.
pub fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// How many days `month` of `year` has; 0 for a month that does not exist.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn check_year(year: u16) -> Result<(), DateError> {
    match year {
        0 => Err(DateError::YearZero),
        // Unreachable from text (four digits), but reachable from code.
        y if y > MAX_YEAR => Err(DateError::Syntax(y.to_string())),
        _ => Ok(()),
    }
}

fn check_month(month: u8) -> Result<(), DateError> {
    if (1..=12).contains(&month) {
        Ok(())
    } else {
        Err(DateError::Month(month))
    }
}

/// A calendar day (proleptic Gregorian), 0001-01-01 to 9999-12-31. Written `2014-12-03`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    // Field order gives the derived chronological order.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The first day a date may be.
    pub const MIN: Date = Date {
        year: MIN_YEAR,
        month: 1,
        day: 1,
    };
    /// The last day a date may be.
    pub const MAX: Date = Date {
        year: MAX_YEAR,
        month: 12,
        day: 31,
    };

    /// The day `year-month-day`, if it exists.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        check_year(year)?;
        check_month(month)?;
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::Day { year, month, day });
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Parse `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        PartialDate::parse(s)?
            .as_date()
            .ok_or_else(|| DateError::NotADay(quote(s.trim())))
    }

    /// Days since 1970-01-01 (negative before it). Howard Hinnant's `days_from_civil`.
    fn to_days(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01, clamped to [`Date::MIN`]..=[`Date::MAX`].
    fn from_days(days: i64) -> Date {
        if days <= Date::MIN.to_days() {
            return Date::MIN;
        }
        if days >= Date::MAX.to_days() {
            return Date::MAX;
        }
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        match (u16::try_from(y), u8::try_from(m), u8::try_from(d)) {
            (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).unwrap_or(Date::MIN),
            _ => Date::MIN,
        }
    }

    /// The day `n` days later (earlier if negative), stopping at [`Date::MIN`] and
    /// [`Date::MAX`].
    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.to_days().saturating_add(n))
    }

    /// Days from `self` to `other` (negative if `other` is earlier): how long until a deadline.
    pub fn days_until(self, other: Date) -> i64 {
        other.to_days() - self.to_days()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

/// How precisely a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// To the day.
    Day,
    /// To the month.
    Month,
    /// To the year.
    Year,
}

impl Precision {
    /// The stable name: `day`, `month`, `year`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Year => "year",
        }
    }
}

/// A year, a month of a year, or a day: a date known to some precision. Written `2014`,
/// `2014-12` or `2014-12-03`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    // Invariant: the values exist, and a day implies a month. The derived order puts a year
    // before its months and a month before its days.
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

impl PartialDate {
    /// A whole year.
    pub fn of_year(year: u16) -> Result<PartialDate, DateError> {
        check_year(year)?;
        Ok(PartialDate {
            year,
            month: None,
            day: None,
        })
    }

    /// A whole month.
    pub fn of_month(year: u16, month: u8) -> Result<PartialDate, DateError> {
        check_year(year)?;
        check_month(month)?;
        Ok(PartialDate {
            year,
            month: Some(month),
            day: None,
        })
    }

    /// One day.
    pub fn of_day(date: Date) -> PartialDate {
        PartialDate {
            year: date.year,
            month: Some(date.month),
            day: Some(date.day),
        }
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, if known.
    pub fn month(&self) -> Option<u8> {
        self.month
    }

    /// The day of the month, if known.
    pub fn day(&self) -> Option<u8> {
        self.day
    }

    /// How precisely it is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (_, Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            (None, None) => Precision::Year,
        }
    }

    /// The day, if it is known to the day.
    pub fn as_date(&self) -> Option<Date> {
        match (self.month, self.day) {
            (Some(m), Some(d)) => Date::new(self.year, m, d).ok(),
            _ => None,
        }
    }

    /// The first day it may be.
    pub fn first_day(&self) -> Date {
        let (m, d) = (self.month.unwrap_or(1), self.day.unwrap_or(1));
        Date::new(self.year, m, d).unwrap_or(Date::MIN)
    }

    /// The last day it may be.
    pub fn last_day(&self) -> Date {
        let m = self.month.unwrap_or(12);
        let d = self.day.unwrap_or_else(|| days_in_month(self.year, m));
        Date::new(self.year, m, d).unwrap_or(Date::MAX)
    }

    /// Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<PartialDate, DateError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(DateError::Empty);
        }
        if looks_day_first(t) {
            return Err(DateError::DayFirst(quote(t)));
        }
        let syntax = || DateError::Syntax(quote(t));
        let mut parts = t.split('-');
        let year = parts.next().and_then(|p| digits(p, 4)).ok_or_else(syntax)?;
        let month = match parts.next() {
            None => None,
            Some(p) => Some(digits(p, 2).ok_or_else(syntax)?),
        };
        let day = match parts.next() {
            None => None,
            Some(p) => Some(digits(p, 2).ok_or_else(syntax)?),
        };
        if parts.next().is_some() {
            return Err(syntax());
        }
        // Two digits always fit a u8.
        let small = |v: u16| u8::try_from(v).map_err(|_| syntax());
        match (month, day) {
            (None, _) => PartialDate::of_year(year),
            (Some(m), None) => PartialDate::of_month(year, small(m)?),
            (Some(m), Some(d)) => Ok(PartialDate::of_day(Date::new(year, small(m)?, small(d)?)?)),
        }
    }
}

/// `n` ASCII digits, as a number.
fn digits(s: &str, n: usize) -> Option<u16> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// `03.12.2014`, `3.12.2014`, `12.2014`, `03/12/2014`: day (or month) first.
fn looks_day_first(t: &str) -> bool {
    let parts: Vec<&str> = t.split(['.', '/']).collect();
    match parts.as_slice() {
        [first @ .., last] if (1..=2).contains(&first.len()) => {
            digits(last, 4).is_some()
                && first
                    .iter()
                    .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        }
        _ => false,
    }
}

impl From<Date> for PartialDate {
    fn from(d: Date) -> Self {
        PartialDate::of_day(d)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartialDate({self})")
    }
}

impl FromStr for PartialDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartialDate::parse(s)
    }
}

/// A partial date, possibly approximate ("around"): one end of a range, or a whole fuzzy date.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuzzyPoint {
    /// The date as known.
    pub date: PartialDate,
    /// Whether it is approximate.
    pub around: bool,
}

/// Words that make a point approximate, lower case, each followed by white space.
const AROUND_WORDS: [&str; 2] = ["around", "около"];

impl FuzzyPoint {
    /// Exactly this (to its precision).
    pub fn exact(date: PartialDate) -> FuzzyPoint {
        FuzzyPoint {
            date,
            around: false,
        }
    }

    /// Around this.
    pub fn around(date: PartialDate) -> FuzzyPoint {
        FuzzyPoint { date, around: true }
    }

    /// The first day it may be, widened if approximate.
    pub fn earliest(&self) -> Date {
        let first = self.date.first_day();
        if !self.around {
            return first;
        }
        match self.date.precision() {
            Precision::Day => first.add_days(-AROUND_DAYS),
            Precision::Month => {
                let prev = first.add_days(-1);
                Date::new(prev.year, prev.month, 1).unwrap_or(Date::MIN)
            }
            Precision::Year => {
                Date::new(first.year.saturating_sub(1).max(MIN_YEAR), 1, 1).unwrap_or(Date::MIN)
            }
        }
    }

    /// The last day it may be, widened if approximate.
    pub fn latest(&self) -> Date {
        let last = self.date.last_day();
        if !self.around {
            return last;
        }
        match self.date.precision() {
            Precision::Day => last.add_days(AROUND_DAYS),
            Precision::Month => {
                let next = last.add_days(1);
                let end = days_in_month(next.year, next.month);
                Date::new(next.year, next.month, end).unwrap_or(Date::MAX)
            }
            Precision::Year => {
                Date::new((last.year + 1).min(MAX_YEAR), 12, 31).unwrap_or(Date::MAX)
            }
        }
    }

    /// Parse `2017-04`, `around 2017-04`, `~2017-04` or `около 2017-04`.
    pub fn parse(s: &str) -> Result<FuzzyPoint, DateError> {
        let t = s.trim();
        let (around, rest) = strip_around(t);
        if around {
            let rest = rest.trim_start();
            if rest.is_empty() || strip_around(rest).0 {
                return Err(DateError::Around(quote(t)));
            }
            return Ok(FuzzyPoint::around(PartialDate::parse(rest)?));
        }
        Ok(FuzzyPoint::exact(PartialDate::parse(rest)?))
    }
}

/// Split off a leading "around", "~" or "около" (any case). The word must be followed by
/// white space or the end; `~` may touch the date.
fn strip_around(t: &str) -> (bool, &str) {
    if let Some(rest) = t.strip_prefix('~') {
        return (true, rest);
    }
    for word in AROUND_WORDS {
        let n = word.len();
        if let (Some(head), Some(rest)) = (t.get(..n), t.get(n..))
            && head.to_lowercase() == word
            && rest.chars().next().is_none_or(char::is_whitespace)
        {
            return (true, rest);
        }
    }
    (false, t)
}

impl From<PartialDate> for FuzzyPoint {
    fn from(d: PartialDate) -> Self {
        FuzzyPoint::exact(d)
    }
}

impl fmt::Display for FuzzyPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.around {
            f.write_str("around ")?;
        }
        write!(f, "{}", self.date)
    }
}

impl fmt::Debug for FuzzyPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FuzzyPoint({self})")
    }
}

/// A date as precisely as it is known: a point (a day, month or year, possibly "around") or
/// a range whose ends are such points, either of which may be open. See the module
/// documentation for the text forms. Always valid: a range has at least one end and does not
/// end before it starts.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FuzzyDate(Repr);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Repr {
    Point(FuzzyPoint),
    Range(Option<FuzzyPoint>, Option<FuzzyPoint>),
}

impl FuzzyDate {
    /// A single point.
    pub fn point(p: FuzzyPoint) -> FuzzyDate {
        FuzzyDate(Repr::Point(p))
    }

    /// A range; `None` leaves that end open. Fails if both ends are open or if the range
    /// certainly ends before it starts.
    pub fn range(from: Option<FuzzyPoint>, to: Option<FuzzyPoint>) -> Result<FuzzyDate, DateError> {
        match (from, to) {
            (None, None) => Err(DateError::EmptyRange),
            (Some(f), Some(t)) if t.latest() < f.earliest() => Err(DateError::Backwards {
                from: f.to_string(),
                to: t.to_string(),
            }),
            _ => Ok(FuzzyDate(Repr::Range(from, to))),
        }
    }

    /// The point, if this is not a range.
    pub fn as_point(&self) -> Option<FuzzyPoint> {
        match self.0 {
            Repr::Point(p) => Some(p),
            Repr::Range(..) => None,
        }
    }

    /// Whether this is a range.
    pub fn is_range(&self) -> bool {
        matches!(self.0, Repr::Range(..))
    }

    /// The start: the point itself, or the range's start (`None` if open).
    pub fn start(&self) -> Option<FuzzyPoint> {
        match self.0 {
            Repr::Point(p) => Some(p),
            Repr::Range(f, _) => f,
        }
    }

    /// The end: the point itself, or the range's end (`None` if open).
    pub fn end(&self) -> Option<FuzzyPoint> {
        match self.0 {
            Repr::Point(p) => Some(p),
            Repr::Range(_, t) => t,
        }
    }

    /// The points written: one for a point, one or two for a range.
    pub fn points(&self) -> impl Iterator<Item = FuzzyPoint> {
        let (a, b) = match self.0 {
            Repr::Point(p) => (Some(p), None),
            Repr::Range(f, t) => (f, t),
        };
        a.into_iter().chain(b)
    }

    /// Whether any written point is approximate.
    pub fn is_approximate(&self) -> bool {
        self.points().any(|p| p.around)
    }

    /// The first day it may fall on; `None` if the start is open.
    pub fn earliest(&self) -> Option<Date> {
        self.start().map(|p| p.earliest())
    }

    /// The last day it may fall on; `None` if the end is open.
    pub fn latest(&self) -> Option<Date> {
        self.end().map(|p| p.latest())
    }

    /// Whether it may fall within `from..=to` (`None` leaves that side unbounded): the filter
    /// "happened between". `2014` overlaps June 2014; `2014-05` does not.
    pub fn overlaps(&self, from: Option<Date>, to: Option<Date>) -> bool {
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return false;
        }
        let after_start = match (self.latest(), from) {
            (Some(l), Some(f)) => l >= f,
            _ => true,
        };
        let before_end = match (self.earliest(), to) {
            (Some(e), Some(t)) => e <= t,
            _ => true,
        };
        after_start && before_end
    }

    /// Whether it certainly falls within `from..=to` (`None` leaves that side unbounded): every
    /// day it may be is inside. `2014-06` is within 2014; `2014` is not within June 2014.
    pub fn within(&self, from: Option<Date>, to: Option<Date>) -> bool {
        let start_ok = match from {
            None => true,
            Some(f) => self.earliest().is_some_and(|e| e >= f),
        };
        let end_ok = match to {
            None => true,
            Some(t) => self.latest().is_some_and(|l| l <= t),
        };
        start_ok && end_ok
    }

    /// Whether the two may denote a common day.
    pub fn may_overlap(&self, other: &FuzzyDate) -> bool {
        self.overlaps(other.earliest(), other.latest())
    }

    /// Whether every day this may be is before every day `other` may be.
    pub fn certainly_before(&self, other: &FuzzyDate) -> bool {
        match (self.latest(), other.earliest()) {
            (Some(l), Some(e)) => l < e,
            _ => false,
        }
    }

    /// Parse any of the forms in the module documentation.
    pub fn parse(s: &str) -> Result<FuzzyDate, DateError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(DateError::Empty);
        }
        match t.split_once("..") {
            None => Ok(FuzzyDate::point(FuzzyPoint::parse(t)?)),
            Some((a, b)) => {
                if b.contains("..") {
                    return Err(DateError::Syntax(quote(t)));
                }
                let end = |x: &str| {
                    let x = x.trim();
                    if x.is_empty() {
                        Ok(None)
                    } else {
                        FuzzyPoint::parse(x).map(Some)
                    }
                };
                FuzzyDate::range(end(a)?, end(b)?)
            }
        }
    }

    /// The order key: by earliest day (open start first), then latest day (open end last),
    /// then the written form, so the order is total and agrees with equality.
    fn key(&self) -> SortKey {
        let latest = self.latest();
        (
            self.earliest(),
            (latest.is_none(), latest),
            self.is_range(),
            self.start(),
            self.end(),
        )
    }
}

/// See [`FuzzyDate::key`].
type SortKey = (
    Option<Date>,
    (bool, Option<Date>),
    bool,
    Option<FuzzyPoint>,
    Option<FuzzyPoint>,
);

impl PartialOrd for FuzzyDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FuzzyDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl From<FuzzyPoint> for FuzzyDate {
    fn from(p: FuzzyPoint) -> Self {
        FuzzyDate::point(p)
    }
}

impl From<PartialDate> for FuzzyDate {
    fn from(d: PartialDate) -> Self {
        FuzzyDate::point(FuzzyPoint::exact(d))
    }
}

impl From<Date> for FuzzyDate {
    fn from(d: Date) -> Self {
        FuzzyDate::from(PartialDate::of_day(d))
    }
}

impl fmt::Display for FuzzyDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Point(p) => write!(f, "{p}"),
            Repr::Range(a, b) => {
                if let Some(a) = a {
                    write!(f, "{a}")?;
                }
                f.write_str("..")?;
                if let Some(b) = b {
                    write!(f, "{b}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for FuzzyDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FuzzyDate({self})")
    }
}

impl FromStr for FuzzyDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FuzzyDate::parse(s)
    }
}

macro_rules! string_serde {
    ($t:ty, $expecting:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                from_text(d, $expecting, <$t>::parse)
            }
        }
    };
}

string_serde!(Date, "a date such as 2014-12-03");
string_serde!(PartialDate, "a date such as 2014-12-03, 2014-12 or 2014");
string_serde!(FuzzyPoint, "a date such as 2014-12 or around 2017-04");
string_serde!(
    FuzzyDate,
    "a date such as 2014-12-03, 2014-12, 2014, around 2017-04 or 2014-12..2015-02"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_over_the_whole_range() {
        let mut d = Date::MIN;
        let mut n = d.to_days();
        while d < Date::MAX {
            let next = d.add_days(1);
            assert_eq!(next.to_days(), n + 1, "{d}");
            assert!(next > d);
            d = next;
            n += 1;
        }
        assert_eq!(Date::MAX.add_days(1), Date::MAX);
        assert_eq!(Date::MIN.add_days(-1), Date::MIN);
        assert_eq!(Date::MIN.add_days(i64::MIN), Date::MIN);
        assert_eq!(Date::MAX.add_days(i64::MAX), Date::MAX);
        assert_eq!(Date::new(1970, 1, 1).unwrap().to_days(), 0);
    }
}
