//! CSV tables: round trips of every record type, the fixed vectors in `vectors/csv/` (the
//! column layout is a format: a failing vector test is a format change), and import of what
//! spreadsheets write and what people get wrong: bad rows with their lines, header problems,
//! byte-order marks, `;` separators, CRLF, Windows-1251, formulas, and random bytes.

use khronika_domain::csv::{ImportOutcome, RowError, export, import};
use khronika_domain::date::FuzzyDate;
use khronika_domain::{
    LatLon, NameKind, Person, PersonName, Provider, Record, RecordKind, Sex, TermRef, UnitName,
};
use proptest::prelude::*;

use crate::fixtures::{self, ids};

/// Every table, with its vector's file name.
const TABLES: [(RecordKind, &str); 8] = [
    (RecordKind::Case, "cases"),
    (RecordKind::Event, "events"),
    (RecordKind::Person, "persons"),
    (RecordKind::Unit, "units"),
    (RecordKind::Source, "sources"),
    (RecordKind::Testimony, "testimonies"),
    (RecordKind::Intervention, "interventions"),
    (RecordKind::Link, "links"),
];

fn vector(file: &str) -> &'static str {
    match file {
        "cases" => include_str!("vectors/csv/cases.csv"),
        "events" => include_str!("vectors/csv/events.csv"),
        "persons" => include_str!("vectors/csv/persons.csv"),
        "units" => include_str!("vectors/csv/units.csv"),
        "sources" => include_str!("vectors/csv/sources.csv"),
        "testimonies" => include_str!("vectors/csv/testimonies.csv"),
        "interventions" => include_str!("vectors/csv/interventions.csv"),
        "links" => include_str!("vectors/csv/links.csv"),
        other => panic!("no vector {other}"),
    }
}

fn of_kind(records: &[Record], kind: RecordKind) -> Vec<Record> {
    records
        .iter()
        .filter(|r| r.kind() == kind)
        .cloned()
        .collect()
}

fn records(outcome: &ImportOutcome) -> Vec<Record> {
    outcome.records.iter().map(|(_, r)| r.clone()).collect()
}

/// Imports `text`, expecting no problem.
fn clean(kind: RecordKind, text: &[u8]) -> Vec<Record> {
    let out = import(kind, text);
    assert_eq!(
        out.rejected,
        Vec::<RowError>::new(),
        "{}",
        String::from_utf8_lossy(text)
    );
    records(&out)
}

/// `records` of `kind` survive export and import exactly.
fn round_trip(kind: RecordKind, records: &[Record]) {
    let text = export(kind, records);
    assert_eq!(
        clean(kind, text.as_bytes()),
        of_kind(records, kind),
        "{text}"
    );
}

/// (line, column) of each problem.
fn places(out: &ImportOutcome) -> Vec<(u64, Option<&str>)> {
    out.rejected
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect()
}

/// The table re-written with another separator and line end (cells unchanged).
fn rewrite(text: &str, delimiter: u8, terminator: ::csv::Terminator) -> Vec<u8> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut w = ::csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(terminator)
        .from_writer(Vec::new());
    for r in rdr.records() {
        w.write_record(&r.unwrap()).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn every_type_round_trips() {
    let all = fixtures::record_set().into_records();
    for (kind, _) in TABLES {
        round_trip(kind, &all);
    }
    // Fewest fields: every optional cell empty.
    let p = Person {
        id: fixtures::id(RecordKind::Person, 1),
        names: vec![],
        pseudonym: "W-17".into(),
        sex: Sex::Unknown,
        birth_year: None,
        memberships: vec![],
        notes: String::new(),
    };
    round_trip(RecordKind::Person, &[p.into()]);
}

#[test]
fn the_vectors() {
    let all = fixtures::record_set().into_records();
    for (kind, file) in TABLES {
        let written = export(kind, &all);
        assert!(
            written == vector(file),
            "the {file} table changed; if deliberate, update tests/it/vectors/csv/{file}.csv to:\n{written}"
        );
        assert_eq!(clean(kind, vector(file).as_bytes()), of_kind(&all, kind));
    }
}

#[test]
fn export_lays_out_columns_and_rows() {
    let all = fixtures::record_set().into_records();
    // An empty list gives a template with one group of each kind.
    assert_eq!(
        export(RecordKind::Unit, &[]),
        "id,name1,name1_script,name1_kind,unit_type,parent,notes\n"
    );
    assert_eq!(export(RecordKind::Link, &[]), "id,from,to,kind,note\n");
    // As many groups as the record with the most entries needs.
    let events = export(RecordKind::Event, &all);
    let header = events.lines().next().unwrap();
    assert!(
        header.contains("act2_notes,involvement1_perpetrator"),
        "{header}"
    );
    assert!(!header.contains("act3_id"), "{header}");
    // Records of other kinds are skipped; acts have no table.
    assert_eq!(events.matches("V-").count(), 1);
    assert_eq!(export(RecordKind::Act, &all), "");
    let out = import(RecordKind::Act, b"id\n");
    assert!(out.records.is_empty());
    assert!(out.rejected[0].message.contains("events file"), "{out:?}");
    // `\n` line ends, no byte-order mark, the header first.
    assert!(!events.contains('\r') && events.starts_with("id,title,"));
}

/// A persons file of ten rows, three of them bad, one of those after a cell that runs over
/// two lines.
#[test]
fn bad_rows_are_reported_with_their_lines() {
    let p = |n: u8| ids(RecordKind::Person, n);
    let text = format!(
        "id,name1_given,name1_surname,birth_year,notes\n\
         {},Ислам,Дадашев,1989,\n\
         {},Ахмед,Ахмедов,around 1975,\"Seen twice:\nonce in Grozny, once in Argun\"\n\
         {},Лиза,Умарова,1989-13,\n\
         {},Зара,Исаева,1990,\n\
         P-123,Руслан,Алиев,1980,\n\
         {},Мовсар,Д,1979,\n\
         {},,,1985,no name at all\n\
         {},Хава,Ц,1966,\n\
         {},Адам,Б,1991,\n\
         {},Тимур,Г,1992,\n",
        p(1),
        p(2),
        p(3),
        p(4),
        p(6),
        p(7),
        p(8),
        p(9),
        p(10),
    );
    let out = import(RecordKind::Person, text.as_bytes());
    assert_eq!(
        places(&out),
        [
            (5, Some("birth_year")),
            (7, Some("id")),
            (9, Some("name1_given")),
        ],
        "{:#?}",
        out.rejected
    );
    assert!(out.rejected[0].message.contains("month 13 does not exist"));
    assert!(
        out.rejected[1].message.contains("is not a record id")
            || out.rejected[1].message.contains("26 characters")
    );
    assert!(
        out.rejected[2]
            .message
            .contains("give at least one name or a pseudonymous code")
    );
    let lines: Vec<u64> = out.records.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 3, 6, 8, 10, 11, 12]);
    let Record::Person(second) = &out.records[1].1 else {
        panic!()
    };
    assert_eq!(second.notes, "Seen twice:\nonce in Grozny, once in Argun");
    // Every message names the line.
    assert!(
        out.rejected[0]
            .to_string()
            .starts_with("line 5, column birth_year: ")
    );
}

#[test]
fn every_problem_of_a_row_is_reported_at_its_column() {
    let v = ids(RecordKind::Event, 1);
    let a = ids(RecordKind::Act, 2);
    let u = ids(RecordKind::Unit, 3);
    let text = format!(
        "id,title,date,place_lat,place_lon,act1_id,act1_victim,act1_type,act1_methods,involvement1_perpetrator,involvement1_role\n\
         {v},,03.12.2014,43.19,,{a},{u},types_of_acts,03010000000005;03010000000005,{u},boss\n"
    );
    let out = import(RecordKind::Event, text.as_bytes());
    let found: Vec<(Option<&str>, &str)> = out
        .rejected
        .iter()
        .map(|e| (e.column.as_deref(), e.message.as_str()))
        .collect();
    assert_eq!(out.records, []);
    let expect = [
        (Some("title"), "required: fill in this cell"),
        (Some("date"), "looks like day.month.year"),
        (Some("place_lon"), "give both place_lat and place_lon"),
        (Some("act1_type"), "is not a term code"),
        (Some("act1_methods"), "listed twice in this cell"),
        (
            Some("involvement1_role"),
            "unknown involvement role \"boss\"; write one of: ordered",
        ),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for ((col, msg), (want_col, want)) in found.iter().zip(expect) {
        assert_eq!(*col, want_col);
        assert!(msg.contains(want), "{col:?}: {msg}\n  want: {want}");
    }
    assert!(out.rejected.iter().all(|e| e.line == 2));
}

#[test]
fn header_problems_refuse_the_file_once() {
    let v = ids(RecordKind::Event, 1);
    // A missing required column.
    let text = format!("id,title\n{v},A\n{v},B\n");
    let out = import(RecordKind::Event, text.as_bytes());
    assert!(out.records.is_empty());
    assert_eq!(places(&out), [(1, Some("date"))]);
    assert!(
        out.rejected[0]
            .message
            .contains("the column date is missing")
    );
    // An unknown column, a repeated one, a bad group number; all at once.
    let text = format!("id,tilte,date,title,Title,act0_id,act01_id,act1_colour\n{v},x,2014,,,,,\n");
    let out = import(RecordKind::Event, text.as_bytes());
    assert!(out.records.is_empty());
    assert_eq!(
        places(&out),
        [
            (1, Some("tilte")),
            (1, Some("title")),
            (1, Some("act0_id")),
            (1, Some("act01_id")),
            (1, Some("act1_colour")),
        ],
        "{:#?}",
        out.rejected
    );
    assert!(out.rejected[0].message.contains("unknown column \"tilte\""));
    assert!(out.rejected[0].message.contains("act<N>_victim"));
    assert!(out.rejected[1].message.contains("appears twice"));
    assert!(out.rejected[2].message.contains("numbered from 1"));
    // One of several columns.
    let out = import(RecordKind::Testimony, b"id,title,transcript\n");
    assert_eq!(places(&out), [(1, None)]);
    assert!(
        out.rejected[0]
            .message
            .contains("given_by, given_by_pseudonym")
    );
    // Blank lines before the header: the header's own line.
    let out = import(RecordKind::Link, b"\n\nid,from\n");
    assert_eq!(places(&out), [(3, Some("to")), (3, Some("kind"))]);
}

#[test]
fn empty_files_import_nothing() {
    for text in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\n\r\n\n",
        b"id,from,to,kind,note\n",
        b"id,from,to,kind,note",
        b"\xEF\xBB\xBFid,from,to,kind,note\r\n,,,,\r\n\r\n",
    ] {
        assert_eq!(import(RecordKind::Link, text), ImportOutcome::default());
    }
}

#[test]
fn byte_order_mark_crlf_and_semicolons() {
    let all = fixtures::record_set().into_records();
    for (kind, _) in TABLES {
        let text = export(kind, &all);
        let want = of_kind(&all, kind);
        let lf = import(kind, text.as_bytes());
        let lf_lines: Vec<u64> = lf.records.iter().map(|(l, _)| *l).collect();

        let bom = format!("\u{feff}{text}");
        assert_eq!(clean(kind, bom.as_bytes()), want, "{kind} with a BOM");

        for delimiter in [b',', b';', b'\t'] {
            let crlf = rewrite(&text, delimiter, ::csv::Terminator::CRLF);
            let out = import(kind, &crlf);
            assert_eq!(out.rejected, []);
            assert_eq!(records(&out), want, "{kind}, {}", delimiter as char);
            let lines: Vec<u64> = out.records.iter().map(|(l, _)| *l).collect();
            assert_eq!(lines, lf_lines, "{kind}: lines with CRLF");
        }
    }
    // Excel in Russian: `;`, a decimal comma, a BOM, CRLF, capitals in the header.
    let v = ids(RecordKind::Event, 1);
    let text = format!(
        "\u{feff}ID; Title ;DATE;place_lat;place_lon\r\n{v};Обыск;2014-12;43,1944;-45,2831\r\n"
    );
    let got = clean(RecordKind::Event, text.as_bytes());
    let Record::Event(e) = &got[0] else { panic!() };
    assert_eq!(e.title, "Обыск");
    assert_eq!(e.place.coordinates, Some(LatLon::new(43.1944, -45.2831)));
}

/// Cyrillic in Windows-1251: А–я are 0xC0–0xFF.
fn cp1251(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            'А'..='я' => u8::try_from(u32::from(c) - 0x0410 + 0xC0).unwrap(),
            c if c.is_ascii() => c as u8,
            c => panic!("{c}"),
        })
        .collect()
}

#[test]
fn other_encodings_are_refused_naming_the_line() {
    let p = |n: u8| ids(RecordKind::Person, n);
    let mut data = format!("id,name1_given\n{},Islam\n", p(1)).into_bytes();
    data.extend(cp1251(&format!("{},Ислам\n{},Ахмед\n", p(2), p(3))));
    let out = import(RecordKind::Person, &data);
    assert!(out.records.is_empty(), "nothing is imported");
    assert_eq!(places(&out), [(3, None)]);
    let msg = &out.rejected[0].message;
    assert!(
        msg.contains("line 3 (and 1 more line) is not UTF-8"),
        "{msg}"
    );
    assert!(
        msg.contains("Windows-1251") && msg.contains("CSV UTF-8"),
        "{msg}"
    );

    // UTF-16, as Excel's "Unicode text" writes it.
    let utf16: Vec<u8> = "\u{feff}id\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let out = import(RecordKind::Person, &utf16);
    assert_eq!(places(&out), [(1, None)]);
    assert!(out.rejected[0].message.contains("UTF-16"));
}

#[test]
fn formulas_are_defused_and_come_back_exactly() {
    let hostile = [
        "=HYPERLINK(\"http://example.invalid\",\"click\")",
        "+7 928 000-00-00",
        "-2+3",
        "@SUM(A1:A9)",
        "'=already quoted",
        "''+twice",
        "'plain apostrophe",
        "\tTabbed",
        "-45.5",
        "- a list item",
    ];
    let base = fixtures::commander();
    let records: Vec<Record> = hostile
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut p = base.clone();
            p.id = fixtures::id(RecordKind::Person, 100 + i as u8);
            p.names[0] = PersonName {
                given: "Гюрза".into(),
                kind: NameKind::CallSign,
                ..PersonName::default()
            };
            p.names[1].surname = h.replace('\t', " ");
            p.notes = (*h).to_owned();
            p.memberships[0].position = h.replace('\t', " ");
            Record::Person(p)
        })
        .collect();
    for r in &records {
        assert_eq!(r.validate(), Ok(()), "{r:?}");
    }
    let text = export(RecordKind::Person, &records);
    // No cell a spreadsheet would run: each starts with ' or is a plain negative number.
    let mut rdr = ::csv::ReaderBuilder::new().from_reader(text.as_bytes());
    for row in rdr.records() {
        for cell in row.unwrap().iter() {
            let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(!risky || cell == "-45.5", "{cell:?} in\n{text}");
        }
    }
    assert!(text.contains("'=HYPERLINK"));
    assert!(text.contains("''=already quoted"));
    assert!(text.contains("'''+twice"));
    assert!(text.contains(",'plain apostrophe,"));
    assert_eq!(clean(RecordKind::Person, text.as_bytes()), records);
}

#[test]
fn row_level_faults() {
    let l = |n: u8| ids(RecordKind::Link, n);
    let (t, v) = (ids(RecordKind::Testimony, 1), ids(RecordKind::Event, 2));
    let text = format!(
        "id,from,to,kind,note,\n\
         {},{t},{v},supports,fine,\n\
         {},{t},{v},supports\n\
         {},{t},{v},supports,,stray\n\
         {},{t},{v},supports,twice,\n\
         {},{t},{v},supports,\"never closed,\n\
         {},{t},{v},supports,swallowed,\n",
        l(1),
        l(2),
        l(3),
        l(1),
        l(5),
        l(6),
    );
    let out = import(RecordKind::Link, text.as_bytes());
    assert_eq!(
        places(&out),
        [(3, None), (4, None), (5, Some("id")), (6, None)],
        "{:#?}",
        out.rejected
    );
    let msgs: Vec<&str> = out.rejected.iter().map(|e| e.message.as_str()).collect();
    assert!(msgs[0].contains("this row has 4 cells but the first row has 6 columns"));
    assert!(msgs[1].contains("column without a name"));
    assert!(msgs[2].contains("already used on line 2"));
    assert!(msgs[3].contains("opened on line 6 is never closed"));
    assert_eq!(out.records.len(), 1);
}

#[test]
fn spreadsheet_habits_are_forgiven() {
    let p = ids(RecordKind::Person, 1);
    let u = ids(RecordKind::Unit, 2);
    // Columns in another order, optional ones left out, names in capitals, a code that lost
    // its leading zero, `unknown` sex, yes/no in Russian, lists with stray spaces.
    let text = format!(
        "Name1_Surname,ID,sex,membership1_unit,membership1_role\n\
         Дадашев,{},1000000000039,{} ,COMMANDER\n\
         Исаев,{},unknown,,\n",
        p.to_lowercase(),
        u,
        ids(RecordKind::Person, 3),
    );
    let got = clean(RecordKind::Person, text.as_bytes());
    let Record::Person(first) = &got[0] else {
        panic!()
    };
    assert_eq!(first.id.to_string(), p);
    assert_eq!(first.sex, Sex::Term(TermRef::new("sex", "01000000000039")));
    assert_eq!(first.memberships[0].unit.unwrap().to_string(), u);
    let Record::Person(second) = &got[1] else {
        panic!()
    };
    assert_eq!(second.sex, Sex::Unknown);

    let s = ids(RecordKind::Source, 4);
    let text = format!(
        "id,title,consent_court,consent_publication,consent_partners,evidence,provider_pseudonym\n\
         {s},Справка,ДА,ложь,Memorial ;  Partner\\; B ;,e7zk3m1xq9tb2c4d5 ; E0123456789ABCDEF,W-17\n"
    );
    let got = clean(RecordKind::Source, text.as_bytes());
    let Record::Source(src) = &got[0] else {
        panic!()
    };
    assert!(src.consent.court && !src.consent.publication);
    assert_eq!(src.consent.partners, ["Memorial", "Partner; B"]);
    assert_eq!(src.evidence.len(), 2);
    assert_eq!(src.provider, Some(Provider::Pseudonym("W-17".into())));

    // A code a spreadsheet turned into scientific notation gets a hint.
    let out = import(
        RecordKind::Person,
        format!("id,pseudonym,sex\n{p},W-1,1E+12\n").as_bytes(),
    );
    assert!(
        out.rejected[0]
            .message
            .contains("format the column as text"),
        "{out:?}"
    );
}

#[test]
fn terms_of_another_list_are_written_with_it() {
    let mut i = fixtures::intervention();
    i.kind = Some(TermRef::new("types_of_intervention", "01000000000004"));
    let mut j = fixtures::intervention();
    j.id = fixtures::id(RecordKind::Intervention, 99);
    j.kind = Some(TermRef::new("types_of_intervention", "khr:letter"));
    let records = [Record::Intervention(i), Record::Intervention(j)];
    let text = export(RecordKind::Intervention, &records);
    assert!(text.contains(",01000000000004,"), "{text}");
    assert!(
        text.contains(",types_of_intervention/khr:letter,"),
        "{text}"
    );
    assert_eq!(clean(RecordKind::Intervention, text.as_bytes()), records);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// One-line text with what is hard for CSV: separators, quotes, formula starts, escapes,
/// Cyrillic, spaces at the ends.
fn line() -> impl Strategy<Value = String> {
    "[ a-zA-Zа-яЁё0-9=+@'\";,.\\\\/-]{0,12}"
}

fn required_line() -> impl Strategy<Value = String> {
    line().prop_filter("not blank", |s| !s.trim().is_empty())
}

/// Free text: line breaks (LF, CRLF, CR) and tabs too.
fn text() -> impl Strategy<Value = String> {
    "[ a-zа-я=+@'\";,\\\\\\n\\r\\t-]{0,24}"
}

fn fuzzy_date() -> impl Strategy<Value = FuzzyDate> {
    (1900u16..2030, 0u8..=12, 0u8..=28, any::<bool>(), 0u16..3).prop_map(
        |(y, m, d, around, span)| {
            let mut s = format!("{y:04}");
            if m > 0 {
                s.push_str(&format!("-{m:02}"));
                if d > 0 {
                    s.push_str(&format!("-{d:02}"));
                }
            }
            if around {
                s = format!("around {s}");
            }
            if span > 0 {
                s = format!("{s}..{:04}", y + span);
            }
            FuzzyDate::parse(&s).unwrap()
        },
    )
}

fn name_kind() -> impl Strategy<Value = NameKind> {
    prop_oneof![
        Just(NameKind::Official),
        Just(NameKind::Transliteration),
        Just(NameKind::Alias)
    ]
}

/// Distinct after trimming and folding case, as partners must be.
fn partners() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(required_line(), 0..4).prop_map(|v| {
        let mut seen = std::collections::HashSet::new();
        v.into_iter()
            .filter(|p| seen.insert(p.trim().to_lowercase()))
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Texts {
    lines: Vec<String>,
    required: Vec<String>,
    texts: Vec<String>,
    date: FuzzyDate,
    names: Vec<(String, String, String, NameKind)>,
    partners: Vec<String>,
    acts: usize,
}

fn texts() -> impl Strategy<Value = Texts> {
    (
        prop::collection::vec(line(), 8),
        prop::collection::vec(required_line(), 8),
        prop::collection::vec(text(), 10),
        fuzzy_date(),
        prop::collection::vec((required_line(), line(), line(), name_kind()), 1..4),
        partners(),
        0usize..4,
    )
        .prop_map(
            |(lines, required, texts, date, names, partners, acts)| Texts {
                lines,
                required,
                texts,
                date,
                names,
                partners,
                acts,
            },
        )
}

/// The fixtures with their texts, dates, names and lists replaced by `t`'s.
fn randomised(t: &Texts) -> Vec<Record> {
    let (l, r, x) = (&t.lines, &t.required, &t.texts);
    let mut case = fixtures::case();
    case.title = r[0].clone();
    case.summary = x[0].clone();

    let mut event = fixtures::event();
    event.title = r[1].clone();
    event.description = x[1].clone();
    event.date = Some(t.date);
    event.place.text = l[0].clone();
    let template = event.acts[1].clone();
    event.acts = (0..t.acts)
        .map(|i| {
            let mut a = template.clone();
            a.id = fixtures::id(RecordKind::Act, 50 + i as u8);
            a.date = None;
            a.notes = x[2 + i % 2].clone();
            a
        })
        .collect();
    event.involvements.truncate(1);
    event.involvements[0].notes = x[4].clone();

    let mut person = fixtures::commander();
    person.names = t
        .names
        .iter()
        .map(|(given, patronymic, surname, kind)| PersonName {
            given: given.clone(),
            patronymic: patronymic.clone(),
            surname: surname.clone(),
            script: None,
            kind: *kind,
        })
        .collect();
    person.pseudonym = l[1].clone();
    person.memberships[0].position = l[2].clone();
    person.memberships[0].to = None;
    person.notes = x[5].clone();

    let mut unit = fixtures::unit();
    unit.names = t
        .names
        .iter()
        .map(|(name, _, _, kind)| UnitName {
            name: name.clone(),
            script: None,
            kind: *kind,
        })
        .collect();
    unit.notes = x[6].clone();

    let mut source = fixtures::source();
    source.title = r[2].clone();
    source.description = x[7].clone();
    source.date = Some(t.date);
    source.consent.partners = t.partners.clone();

    let mut testimony = fixtures::testimony();
    testimony.title = l[3].clone();
    testimony.given_by = Some(Provider::Pseudonym(r[3].clone()));
    testimony.interview.place = l[4].clone();
    testimony.interview.by = l[5].clone();
    testimony.interview.notes = x[8].clone();
    testimony.transcript = x[9].clone();
    testimony.consent.partners = t.partners.clone();
    if let Some(w) = &mut testimony.consent.withdrawn {
        w.note = x[0].clone();
    }

    let mut intervention = fixtures::intervention();
    intervention.addressee = r[4].clone();
    intervention.filed_by = l[6].clone();
    intervention.reference = l[7].clone();
    if let Some(reply) = &mut intervention.reply {
        reply.text = format!("{}{}", r[5], x[1]);
    }
    if let Some(next) = &mut intervention.next_step {
        next.text = r[6].clone();
    }
    intervention.notes = x[2].clone();

    let mut link = fixtures::link();
    link.note = x[3].clone();

    vec![
        case.into(),
        event.into(),
        person.into(),
        unit.into(),
        source.into(),
        testimony.into(),
        intervention.into(),
        link.into(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Valid records with awkward text round-trip exactly, through every separator.
    #[test]
    fn random_records_round_trip(t in texts()) {
        let all = randomised(&t);
        for r in &all {
            prop_assert_eq!(r.validate(), Ok(()), "{:?}", r);
        }
        for (kind, _) in TABLES {
            let text = export(kind, &all);
            let out = import(kind, text.as_bytes());
            prop_assert_eq!(&out.rejected, &Vec::<RowError>::new(), "{}", text);
            prop_assert_eq!(records(&out), of_kind(&all, kind), "{}", text);
            let semi = rewrite(&text, b';', ::csv::Terminator::CRLF);
            prop_assert_eq!(records(&import(kind, &semi)), of_kind(&all, kind));
        }
    }

    /// Random bytes never make import panic, and whatever it accepts is valid.
    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..400)) {
        for (kind, _) in TABLES {
            let out = import(kind, &data);
            for (line, r) in &out.records {
                prop_assert!(*line >= 1);
                prop_assert_eq!(r.validate(), Ok(()));
            }
        }
    }

    /// Mangled tables (bytes replaced, inserted, removed) never make import panic; every
    /// problem names a line of the file.
    #[test]
    fn mangled_tables_never_panic(
        which in 0usize..8,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let (kind, file) = TABLES[which];
        let mut data = vector(file).as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at.index(data.len() + 1);
            match op {
                0 if i < data.len() => data[i] = byte,
                1 if i < data.len() => { data.remove(i); }
                _ => data.insert(i, byte),
            }
        }
        let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let out = import(kind, &data);
        for e in &out.rejected {
            prop_assert!(e.line >= 1 && e.line <= lines, "{:?}", e);
        }
        for (_, r) in &out.records {
            prop_assert_eq!(r.validate(), Ok(()));
        }
    }
}

#[test]
fn a_provider_is_an_id_or_a_pseudonym() {
    let t = |n: u8| ids(RecordKind::Testimony, n);
    let (p, u, v) = (
        ids(RecordKind::Person, 1),
        ids(RecordKind::Unit, 2),
        ids(RecordKind::Event, 3),
    );
    let text = format!(
        "id,given_by,given_by_pseudonym,transcript\n\
         {},{p},,x\n{},{u},,x\n{},,W-17,x\n{},{p},W-17,x\n{},{v},,x\n{},,,x\n",
        t(1),
        t(2),
        t(3),
        t(4),
        t(5),
        t(6),
    );
    let out = import(RecordKind::Testimony, text.as_bytes());
    let given: Vec<Option<Provider>> = out
        .records
        .iter()
        .map(|(_, r)| match r {
            Record::Testimony(t) => t.given_by.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(
        given,
        [
            Some(Provider::Person(p.parse().unwrap())),
            Some(Provider::Unit(u.parse().unwrap())),
            Some(Provider::Pseudonym("W-17".into())),
        ]
    );
    assert_eq!(
        places(&out),
        [
            (5, Some("given_by")),
            (6, Some("given_by")),
            (7, Some("given_by"))
        ],
        "{:#?}",
        out.rejected
    );
    let msgs: Vec<&str> = out.rejected.iter().map(|e| e.message.as_str()).collect();
    assert!(msgs[0].contains("not both"));
    assert!(msgs[1].contains("is not a person or unit id"));
    assert!(msgs[2].contains("or a pseudonymous code in given_by_pseudonym"));
}
