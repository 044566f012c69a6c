//! Fuzzy dates: every accepted form and its canonical text, every refusal and its message,
//! the span of days each denotes, the overlap filters, the order, and property round trips.

use khronika_domain::date::{
    AROUND_DAYS, Date, FuzzyDate, FuzzyPoint, PartialDate, Precision, days_in_month,
};
use proptest::prelude::*;

/// `input` parses to the date written `expect`, or fails with `error: <message>`.
fn check(input: &str, expect: &str) {
    let got = match FuzzyDate::parse(input) {
        Ok(d) => d.to_string(),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(got, expect, "input {input:?}");
}

const SYNTAX: &str =
    "is not a date; write 2014-12-03, 2014-12, 2014, around 2017-04 or 2014-12..2015-02";

#[test]
fn accepted_forms() {
    let table: &[(&str, &str)] = &[
        ("2014-12-03", "2014-12-03"),
        ("2014-12", "2014-12"),
        ("2014", "2014"),
        ("around 2017-04", "around 2017-04"),
        ("~2017-04", "around 2017-04"),
        ("~ 2017-04", "around 2017-04"),
        ("около 2017-04", "around 2017-04"),
        ("Около  2017", "around 2017"),
        ("ОКОЛО 2017-04-01", "around 2017-04-01"),
        ("Around 2017", "around 2017"),
        ("around\t2017", "around 2017"),
        ("2014-12..2015-02", "2014-12..2015-02"),
        ("  2014-12 .. 2015-02  ", "2014-12..2015-02"),
        ("around 2014..2015-02", "around 2014..2015-02"),
        ("2014..~2016", "2014..around 2016"),
        ("около 2014..около 2016", "around 2014..around 2016"),
        ("2017-04..", "2017-04.."),
        ("..2015", "..2015"),
        ("..около 2015", "..around 2015"),
        ("2014..2014", "2014..2014"),
        ("2014-12..2014", "2014-12..2014"),
        ("2016-02-29", "2016-02-29"),
        ("2000-02-29", "2000-02-29"),
        ("0001-01-01", "0001-01-01"),
        ("9999-12-31", "9999-12-31"),
        // "around" widens the start, so this range is possible.
        ("around 2015..2014-12", "around 2015..2014-12"),
    ];
    for (input, expect) in table {
        check(input, expect);
    }
}

#[test]
fn refused_forms() {
    let table: &[(&str, &str)] = &[
        ("2014-13", "error: month 13 does not exist"),
        ("2014-00", "error: month 0 does not exist"),
        ("2014-99-01", "error: month 99 does not exist"),
        ("2015-02-29", "error: day 29 does not exist in 2015-02"),
        ("1900-02-29", "error: day 29 does not exist in 1900-02"),
        ("2014-04-31", "error: day 31 does not exist in 2014-04"),
        ("2014-04-00", "error: day 0 does not exist in 2014-04"),
        (
            "0000",
            "error: year 0 does not exist; years run from 0001 to 9999",
        ),
        (
            "2015..2014",
            "error: range ends before it starts (2014 is before 2015)",
        ),
        (
            "2014-12-05..2014-12-03",
            "error: range ends before it starts (2014-12-03 is before 2014-12-05)",
        ),
        (
            "2015-01..around 2014-11",
            "error: range ends before it starts (around 2014-11 is before 2015-01)",
        ),
        (
            "..",
            "error: a range needs a start or an end, e.g. 2014.. or ..2015",
        ),
        (
            " .. ",
            "error: a range needs a start or an end, e.g. 2014.. or ..2015",
        ),
        (
            "",
            "error: no date given; write e.g. 2014-12-03, 2014-12 or 2014",
        ),
        (
            "   ",
            "error: no date given; write e.g. 2014-12-03, 2014-12 or 2014",
        ),
        (
            "03.12.2014",
            "error: \"03.12.2014\" looks like day.month.year; write dates as year-month-day, e.g. 2014-12-03",
        ),
        (
            "3.12.2014",
            "error: \"3.12.2014\" looks like day.month.year; write dates as year-month-day, e.g. 2014-12-03",
        ),
        (
            "12.2014",
            "error: \"12.2014\" looks like day.month.year; write dates as year-month-day, e.g. 2014-12-03",
        ),
        (
            "03/12/2014",
            "error: \"03/12/2014\" looks like day.month.year; write dates as year-month-day, e.g. 2014-12-03",
        ),
        (
            "around",
            "error: \"around\": write \"around\" once, before a date, e.g. around 2017-04",
        ),
        (
            "~",
            "error: \"~\": write \"around\" once, before a date, e.g. around 2017-04",
        ),
        (
            "around ~2014",
            "error: \"around ~2014\": write \"around\" once, before a date, e.g. around 2017-04",
        ),
        (
            "около около 2014",
            "error: \"около около 2014\": write \"around\" once, before a date, e.g. around 2017-04",
        ),
    ];
    for (input, expect) in table {
        check(input, expect);
    }
    for bad in [
        "2014-1",
        "14",
        "20145",
        "2014-12-03-01",
        "2014/12/03",
        "2014-12-3",
        "around2014",
        "2014..2015..2016",
        "-2014",
        "+2014",
        "２０１４",
        "2014-12-03T10:00",
        "2014 12",
        "2014–2015",
        "about 2014",
        "2014-",
        "-",
    ] {
        check(bad, &format!("error: \"{bad}\" {SYNTAX}"));
    }
    // Long input is cut in messages.
    let long = "x".repeat(10_000);
    let msg = FuzzyDate::parse(&long).unwrap_err().to_string();
    assert!(msg.len() < 200, "{msg}");
}

#[test]
fn full_dates() {
    assert_eq!(Date::parse("2014-12-03").unwrap().to_string(), "2014-12-03");
    assert_eq!(
        Date::parse("2014-12").unwrap_err().to_string(),
        "\"2014-12\" is not a full date; give the day too, e.g. 2014-12-03"
    );
    assert_eq!(
        Date::parse("around 2014-12-03").unwrap_err().to_string(),
        format!("\"around 2014-12-03\" {SYNTAX}")
    );
    assert_eq!(
        Date::new(2014, 2, 29).unwrap_err().to_string(),
        "day 29 does not exist in 2014-02"
    );
    assert!(Date::new(10_000, 1, 1).is_err());
    let d = Date::parse("2014-12-30").unwrap();
    assert_eq!(d.add_days(3).to_string(), "2015-01-02");
    assert_eq!(d.add_days(-365).to_string(), "2013-12-30");
    assert_eq!(d.days_until(Date::parse("2015-01-29").unwrap()), 30);
    assert_eq!(days_in_month(2024, 2), 29);
    assert_eq!(days_in_month(2024, 13), 0);
}

/// The span of days `input` denotes: earliest and latest, `open` for an open end.
fn check_span(input: &str, earliest: &str, latest: &str) {
    let d = FuzzyDate::parse(input).unwrap();
    let show = |x: Option<Date>| x.map_or("open".to_owned(), |d| d.to_string());
    assert_eq!(
        (show(d.earliest()), show(d.latest())),
        (earliest.to_owned(), latest.to_owned()),
        "input {input:?}"
    );
}

#[test]
fn spans() {
    assert_eq!(AROUND_DAYS, 7);
    let table: &[(&str, &str, &str)] = &[
        ("2014-12-03", "2014-12-03", "2014-12-03"),
        ("2014-12", "2014-12-01", "2014-12-31"),
        ("2016-02", "2016-02-01", "2016-02-29"),
        ("2014", "2014-01-01", "2014-12-31"),
        ("around 2017-04", "2017-03-01", "2017-05-31"),
        ("around 2017-01", "2016-12-01", "2017-02-28"),
        ("around 2016-12", "2016-11-01", "2017-01-31"),
        ("around 2016", "2015-01-01", "2017-12-31"),
        ("around 2016-02-29", "2016-02-22", "2016-03-07"),
        ("2014-12..2015-02", "2014-12-01", "2015-02-28"),
        ("around 2014..2015-02", "2013-01-01", "2015-02-28"),
        ("2017-04..", "2017-04-01", "open"),
        ("..2015", "open", "2015-12-31"),
        ("around 0001", "0001-01-01", "0002-12-31"),
        ("around 0001-01-03", "0001-01-01", "0001-01-10"),
        ("around 9999-12", "9999-11-01", "9999-12-31"),
        ("around 9999", "9998-01-01", "9999-12-31"),
    ];
    for (input, earliest, latest) in table {
        check_span(input, earliest, latest);
    }
}

/// Whether `input` overlaps, and lies within, the filter `from..=to` (`""` for unbounded).
fn check_filter(input: &str, from: &str, to: &str, overlaps: bool, within: bool) {
    let d = FuzzyDate::parse(input).unwrap();
    let bound = |s: &str| (!s.is_empty()).then(|| Date::parse(s).unwrap());
    let (f, t) = (bound(from), bound(to));
    assert_eq!(
        (d.overlaps(f, t), d.within(f, t)),
        (overlaps, within),
        "{input} against {from:?}..{to:?}"
    );
}

#[test]
fn overlap_filters_respect_precision() {
    let table: &[(&str, &str, &str, bool, bool)] = &[
        ("2014", "2014-06-01", "2014-06-30", true, false),
        ("2014-05", "2014-06-01", "2014-06-30", false, false),
        ("2014-06-15", "2014-06-01", "2014-06-30", true, true),
        ("2014-06", "2014-01-01", "2014-12-31", true, true),
        ("2014-06", "2014-06-30", "2014-06-30", true, false),
        ("around 2014-05", "2014-06-01", "2014-06-30", true, false),
        ("around 2014-05-25", "2014-06-01", "2014-06-30", true, false),
        (
            "around 2014-05-24",
            "2014-06-01",
            "2014-06-30",
            false,
            false,
        ),
        ("around 2014", "2013-01-01", "2013-01-01", true, false),
        ("2017-04..", "2020-01-01", "2020-12-31", true, false),
        ("2017-04..", "2017-01-01", "2017-03-31", false, false),
        ("2017-04..", "2017-01-01", "", true, true),
        ("..2015", "2016-01-01", "", false, false),
        ("..2015", "", "2015-12-31", true, true),
        ("..2015", "", "2015-12-30", true, false),
        ("2014..2015", "2015-12-31", "2015-12-31", true, false),
        ("2014..2015", "", "", true, true),
        ("2014-12-03", "2014-12-03", "2014-12-03", true, true),
        // An empty filter matches nothing.
        ("2014", "2014-06-30", "2014-06-01", false, false),
    ];
    for (input, from, to, overlaps, within) in table {
        check_filter(input, from, to, *overlaps, *within);
    }
    let a = FuzzyDate::parse("2014-12").unwrap();
    let b = FuzzyDate::parse("around 2015-01-05").unwrap();
    let c = FuzzyDate::parse("2015-02").unwrap();
    assert!(a.may_overlap(&b) && b.may_overlap(&a));
    assert!(!a.may_overlap(&c));
    assert!(a.certainly_before(&c) && !c.certainly_before(&a));
    assert!(!a.certainly_before(&b));
    let open = FuzzyDate::parse("2014..").unwrap();
    assert!(!a.certainly_before(&open) && !open.certainly_before(&c));
}

#[test]
fn order_is_by_span_then_form() {
    let mut dates: Vec<FuzzyDate> = [
        "2015",
        "2014-12-03",
        "..2014",
        "2014",
        "around 2014",
        "2014-12",
        "2014..",
        "2014-01",
        "2014..2014",
        "2014-01-01",
    ]
    .iter()
    .map(|s| FuzzyDate::parse(s).unwrap())
    .collect();
    dates.sort();
    let got: Vec<String> = dates.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "..2014",
            "around 2014",
            "2014-01-01",
            "2014-01",
            "2014",
            "2014..2014",
            "2014..",
            "2014-12",
            "2014-12-03",
            "2015"
        ]
    );
}

#[test]
fn parts_and_precision() {
    let d = FuzzyDate::parse("around 2014-12..2015").unwrap();
    assert!(d.is_range() && d.is_approximate() && d.as_point().is_none());
    let p: Vec<(Precision, bool)> = d.points().map(|p| (p.date.precision(), p.around)).collect();
    assert_eq!(p, [(Precision::Month, true), (Precision::Year, false)]);
    let pt = FuzzyDate::parse("2014-12-03").unwrap();
    assert_eq!(pt.start(), pt.end());
    assert_eq!(pt.points().count(), 1);
    let pd = PartialDate::parse("2014-12").unwrap();
    assert_eq!((pd.year(), pd.month(), pd.day()), (2014, Some(12), None));
    assert_eq!(pd.as_date(), None);
    assert_eq!(FuzzyDate::from(pd), FuzzyDate::parse("2014-12").unwrap());
    assert_eq!(
        FuzzyDate::range(None, None).unwrap_err().to_string(),
        "a range needs a start or an end, e.g. 2014.. or ..2015"
    );
    assert_eq!(
        FuzzyPoint::parse("~2014").unwrap(),
        FuzzyPoint::around(PartialDate::of_year(2014).unwrap())
    );
    assert!(PartialDate::of_month(2014, 13).is_err());
    assert!(PartialDate::of_year(0).is_err());
}

#[test]
fn serde_uses_the_text_form() {
    let d = FuzzyDate::parse("около 2017-04").unwrap();
    assert_eq!(serde_json::to_string(&d).unwrap(), "\"around 2017-04\"");
    let back: FuzzyDate = serde_json::from_str("\"~2017-04\"").unwrap();
    assert_eq!(back, d);
    let err = serde_json::from_str::<FuzzyDate>("\"2014-13\"").unwrap_err();
    assert_eq!(
        err.to_string(),
        "month 13 does not exist at line 1 column 9"
    );
    assert!(serde_json::from_str::<FuzzyDate>("2014").is_err());
    assert!(serde_json::from_str::<Date>("\"2014\"").is_err());
}

fn any_partial() -> impl Strategy<Value = PartialDate> {
    (1u16..=9999, 0u8..=2, 1u8..=12, 1u8..=31).prop_map(|(y, precision, m, d)| match precision {
        0 => PartialDate::of_year(y).unwrap(),
        1 => PartialDate::of_month(y, m).unwrap(),
        _ => PartialDate::of_day(Date::new(y, m, d.min(days_in_month(y, m))).unwrap()),
    })
}

fn any_point() -> impl Strategy<Value = FuzzyPoint> {
    (any_partial(), any::<bool>()).prop_map(|(date, around)| FuzzyPoint { date, around })
}

fn any_fuzzy() -> impl Strategy<Value = FuzzyDate> {
    prop_oneof![
        any_point().prop_map(FuzzyDate::point),
        (
            proptest::option::of(any_point()),
            proptest::option::of(any_point())
        )
            .prop_filter_map("not a range", |(a, b)| FuzzyDate::range(a, b).ok()),
    ]
}

proptest! {
    #[test]
    fn fuzzy_dates_round_trip(d in any_fuzzy()) {
        let text = d.to_string();
        prop_assert_eq!(FuzzyDate::parse(&text), Ok(d));
        let json = serde_json::to_string(&d).unwrap();
        let back: FuzzyDate = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, d);
        // The aliases mean the same.
        let aliased = text.replace("around ", "около ");
        prop_assert_eq!(FuzzyDate::parse(&aliased), Ok(d));
        let tilde = text.replace("around ", "~");
        prop_assert_eq!(FuzzyDate::parse(&tilde), Ok(d));
    }

    #[test]
    fn order_agrees_with_equality_and_spans(a in any_fuzzy(), b in any_fuzzy()) {
        prop_assert_eq!(a.cmp(&b) == std::cmp::Ordering::Equal, a == b);
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        if a.earliest() < b.earliest() {
            prop_assert!(a < b);
        }
    }

    #[test]
    fn spans_are_ordered_and_filters_agree(d in any_fuzzy(), x in any_partial(), y in any_partial()) {
        if let (Some(e), Some(l)) = (d.earliest(), d.latest()) {
            prop_assert!(e <= l);
        }
        let (from, to) = (x.first_day(), y.last_day());
        if d.within(Some(from), Some(to)) && from <= to {
            prop_assert!(d.overlaps(Some(from), Some(to)));
        }
        // Overlapping a single day means that day is in the span.
        let day = x.first_day();
        let inside = d.earliest().is_none_or(|e| e <= day) && d.latest().is_none_or(|l| day <= l);
        prop_assert_eq!(d.overlaps(Some(day), Some(day)), inside);
        prop_assert!(d.overlaps(None, None));
    }

    #[test]
    fn parsing_never_panics(s in "[0-9.~ \\-arounдколо]{0,24}") {
        if let Ok(d) = FuzzyDate::parse(&s) {
            prop_assert_eq!(FuzzyDate::parse(&d.to_string()), Ok(d));
        }
    }

    #[test]
    fn parsing_anything_never_panics(s in "\\PC{0,40}") {
        let _ = FuzzyDate::parse(&s);
        let _ = Date::parse(&s);
    }

    #[test]
    fn adding_days_walks_the_calendar(d in any_partial(), n in -800_000i64..800_000) {
        let day = d.first_day();
        let later = day.add_days(n);
        if later != Date::MIN && later != Date::MAX {
            prop_assert_eq!(day.days_until(later), n);
        }
    }
}
