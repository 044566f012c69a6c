//! Builds a [`Vocabulary`] from its data files, checking every record.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use super::csv::{self, CsvFault, Record};
use super::{
    Anomaly, AnomalyKind, Instrument, KHRONIKA_PREFIX, Label, LegalRef, List, ListOrigin, Sources,
    Term, TermOrigin, TermRef, VocabError, VocabErrorKind, Vocabulary, lists,
};

const VERSION_FILE: &str = "VERSION";
const HURIDOCS_FILE: &str = "huridocs-micro-thesauri.csv";
const RU_FILE: &str = "ru-labels.csv";
const ADDITIONS_FILE: &str = "khronika-additions.csv";
const INSTRUMENTS_FILE: &str = "legal-instruments.csv";

const HURIDOCS_HEADER: &[&str] = &[
    "vocab_number",
    "huri_code",
    "list_code",
    "list_name",
    "english",
    "french",
    "spanish",
    "visible",
    "term_order",
    "parent_vocab_number",
    "term_level",
];
const RU_HEADER: &[&str] = &["code", "label", "machine_translated"];
const ADDITIONS_HEADER: &[&str] = &[
    "list",
    "code",
    "parent",
    "same_as",
    "exchange_as",
    "en",
    "ru",
    "ru_machine_translated",
    "frameworks",
];
const INSTRUMENTS_HEADER: &[&str] = &["id", "code", "short_en", "short_ru"];

/// The highest list code of the 48 standard HURIDOCS micro-thesauri.
const STANDARD_LISTS: u16 = 48;

/// Where Khronika's terms start in list order, so that they follow HURIDOCS siblings.
const KHRONIKA_ORDER_BASE: u32 = 100_000;

fn err(file: &str, line: usize, kind: VocabErrorKind) -> VocabError {
    VocabError {
        file: file.to_string(),
        line: Some(line),
        kind,
    }
}

/// Parses a CSV file, checks its header and that every record has as many fields.
fn table(file: &str, text: &str, header: &[&str]) -> Result<Vec<Record>, VocabError> {
    let records = csv::parse(text).map_err(|(line, fault)| {
        let kind = match fault {
            CsvFault::Unclosed => VocabErrorKind::UnterminatedQuote,
            CsvFault::QuoteInside => VocabErrorKind::StrayQuote,
            CsvFault::TextAfterClosing => VocabErrorKind::TextAfterQuote,
        };
        err(file, line, kind)
    })?;
    let mut records = records.into_iter();
    let Some(first) = records.next() else {
        return Err(VocabError {
            file: file.to_string(),
            line: None,
            kind: VocabErrorKind::Empty,
        });
    };
    if first.fields != header {
        return Err(err(
            file,
            first.line,
            VocabErrorKind::BadHeader {
                expected: header.join(","),
                found: first.fields.join(","),
            },
        ));
    }
    let rest: Vec<Record> = records.collect();
    for r in &rest {
        if r.fields.len() != header.len() {
            return Err(err(
                file,
                r.line,
                VocabErrorKind::ColumnCount {
                    expected: header.len(),
                    found: r.fields.len(),
                },
            ));
        }
    }
    Ok(rest)
}

/// One record's fields by column name, with checks that report its line.
struct Row<'a> {
    file: &'a str,
    line: usize,
    header: &'a [&'a str],
    fields: &'a [String],
}

impl<'a> Row<'a> {
    fn get(&self, column: &'static str) -> &'a str {
        self.header
            .iter()
            .position(|h| *h == column)
            .and_then(|i| self.fields.get(i))
            .map_or("", String::as_str)
    }

    fn required(&self, column: &'static str) -> Result<&'a str, VocabError> {
        let v = self.get(column);
        if v.trim().is_empty() {
            Err(self.fail(VocabErrorKind::EmptyField { column }))
        } else {
            Ok(v)
        }
    }

    fn number<T: std::str::FromStr>(&self, column: &'static str) -> Result<T, VocabError> {
        let v = self.get(column);
        v.trim().parse().map_err(|_| {
            self.fail(VocabErrorKind::BadNumber {
                column,
                value: v.to_string(),
            })
        })
    }

    fn flag(&self, column: &'static str, yes: &str, no: &str) -> Result<bool, VocabError> {
        let v = self.get(column);
        let t = v.trim();
        if t.eq_ignore_ascii_case(yes) {
            Ok(true)
        } else if t.eq_ignore_ascii_case(no) {
            Ok(false)
        } else {
            Err(self.fail(VocabErrorKind::BadFlag {
                column,
                value: v.to_string(),
            }))
        }
    }

    fn fail(&self, kind: VocabErrorKind) -> VocabError {
        err(self.file, self.line, kind)
    }
}

fn rows<'a>(file: &'a str, header: &'a [&'a str], records: &'a [Record]) -> Vec<Row<'a>> {
    records
        .iter()
        .map(|r| Row {
            file,
            line: r.line,
            header,
            fields: &r.fields,
        })
        .collect()
}

pub(super) fn build(src: &Sources<'_>) -> Result<Vocabulary, VocabError> {
    let version = parse_version(src.version)?;
    let mut vocab = Vocabulary {
        version,
        lists: BTreeMap::new(),
        instruments: BTreeMap::new(),
        anomalies: Vec::new(),
    };
    // Code → (list, line) for every HURIDOCS term; codes are unique across lists.
    let mut huridocs: HashMap<String, (String, usize)> = HashMap::new();
    load_huridocs(src.huridocs, &mut vocab, &mut huridocs)?;
    vocab.anomalies = find_anomalies(&vocab, &huridocs);
    load_ru(src.ru_labels, &mut vocab, &huridocs)?;
    let pending = load_additions(src.additions, &mut vocab, &huridocs)?;
    load_instruments(src.instruments, &mut vocab)?;
    for (line, id) in pending {
        if !vocab.instruments.contains_key(&id) {
            return Err(err(
                ADDITIONS_FILE,
                line,
                VocabErrorKind::UnknownInstrument { id },
            ));
        }
    }
    for list in vocab.lists.values_mut() {
        index(list);
    }
    Ok(vocab)
}

fn parse_version(text: &str) -> Result<String, VocabError> {
    let v = text.trim();
    let ok = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(VocabError {
            file: VERSION_FILE.to_string(),
            line: Some(1),
            kind: VocabErrorKind::BadVersion {
                value: v.to_string(),
            },
        })
    }
}

fn load_huridocs(
    text: &str,
    vocab: &mut Vocabulary,
    seen: &mut HashMap<String, (String, usize)>,
) -> Result<(), VocabError> {
    let records = table(HURIDOCS_FILE, text, HURIDOCS_HEADER)?;
    // List code → (name, first line).
    let mut names: HashMap<u16, (String, usize)> = HashMap::new();
    for row in rows(HURIDOCS_FILE, HURIDOCS_HEADER, &records) {
        let code = row.required("vocab_number")?.to_string();
        if code.starts_with(KHRONIKA_PREFIX) || code.trim() != code {
            return Err(row.fail(VocabErrorKind::BadCode {
                code,
                reason: "a HURIDOCS code has no spaces and does not start with `khr:`",
            }));
        }
        if let Some((_, first_line)) = seen.get(&code) {
            return Err(row.fail(VocabErrorKind::DuplicateCode {
                code,
                first_line: *first_line,
            }));
        }
        let list_code: u16 = row.number("list_code")?;
        let given = row.get("list_name").trim();
        let name = if given.is_empty() {
            format!("list_{list_code}")
        } else {
            given.to_string()
        };
        match names.get(&list_code) {
            Some((first, _)) if *first != name => {
                return Err(row.fail(VocabErrorKind::ListNameMismatch {
                    list_code,
                    first: first.clone(),
                    found: name,
                }));
            }
            Some(_) => {}
            None => {
                names.insert(list_code, (name.clone(), row.line));
            }
        }
        let visible = row.flag("visible", "y", "n")?;
        let order: u32 = row.number("term_order")?;
        let level: i16 = row.number("term_level")?;
        let parent = match row.get("parent_vocab_number").trim() {
            "" | "0" => None,
            p => Some(p.to_string()),
        };
        let huri_code = row.get("huri_code").trim();
        let mut labels = BTreeMap::new();
        for (lang, column) in [("en", "english"), ("fr", "french"), ("es", "spanish")] {
            let text = row.get(column);
            if !text.trim().is_empty() {
                labels.insert(
                    lang.to_string(),
                    Label {
                        text: text.to_string(),
                        machine_translated: false,
                    },
                );
            }
        }
        if !labels.contains_key("en") {
            return Err(row.fail(VocabErrorKind::EmptyField { column: "english" }));
        }
        let origin = if (1..=STANDARD_LISTS).contains(&list_code) && !given.is_empty() {
            ListOrigin::Huridocs { list_code }
        } else {
            ListOrigin::OpenEvSys { list_code }
        };
        let list = vocab.lists.entry(name.clone()).or_insert_with(|| List {
            name: name.clone(),
            origin,
            terms: BTreeMap::new(),
            aliases: BTreeMap::new(),
            children: BTreeMap::new(),
            roots: Vec::new(),
            folded: OnceLock::new(),
        });
        seen.insert(code.clone(), (name.clone(), row.line));
        list.terms.insert(
            code.clone(),
            Term {
                code,
                list: name,
                huri_code: (!huri_code.is_empty()).then(|| huri_code.to_string()),
                parent,
                level,
                order,
                visible,
                origin: TermOrigin::Huridocs,
                labels,
                synonyms: BTreeMap::new(),
                aliases: Vec::new(),
                frameworks: Vec::new(),
                exchange_as: None,
            },
        );
    }
    Ok(())
}

fn find_anomalies(vocab: &Vocabulary, seen: &HashMap<String, (String, usize)>) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for list in vocab.lists.values() {
        for term in list.terms.values() {
            let line = seen.get(&term.code).map_or(0, |(_, l)| *l);
            let kind = match &term.parent {
                None if term.level != 0 => Some(AnomalyKind::RootLevel { level: term.level }),
                None => None,
                Some(p) => match list.terms.get(p) {
                    Some(parent) if parent.level + 1 != term.level => {
                        Some(AnomalyKind::LevelMismatch {
                            level: term.level,
                            parent_level: parent.level,
                        })
                    }
                    Some(_) => None,
                    None => Some(match seen.get(p) {
                        Some((other, _)) => AnomalyKind::ParentInOtherList {
                            parent: p.clone(),
                            parent_list: other.clone(),
                        },
                        None => AnomalyKind::MissingParent { parent: p.clone() },
                    }),
                },
            };
            if let Some(kind) = kind {
                out.push(Anomaly {
                    line,
                    list: list.name.clone(),
                    code: term.code.clone(),
                    kind,
                });
            }
        }
    }
    out.sort_by_key(|a| a.line);
    out
}

fn load_ru(
    text: &str,
    vocab: &mut Vocabulary,
    huridocs: &HashMap<String, (String, usize)>,
) -> Result<(), VocabError> {
    let records = table(RU_FILE, text, RU_HEADER)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in rows(RU_FILE, RU_HEADER, &records) {
        let code = row.required("code")?.trim().to_string();
        let label = row.required("label")?.trim().to_string();
        let machine_translated = row.flag("machine_translated", "true", "false")?;
        if let Some(first_line) = seen.get(&code) {
            return Err(row.fail(VocabErrorKind::DuplicateCode {
                code,
                first_line: *first_line,
            }));
        }
        seen.insert(code.clone(), row.line);
        let term = huridocs
            .get(&code)
            .and_then(|(list, _)| vocab.lists.get_mut(list))
            .and_then(|l| l.terms.get_mut(&code));
        let Some(term) = term else {
            return Err(row.fail(VocabErrorKind::UnknownCode {
                column: "code",
                code,
            }));
        };
        term.labels.insert(
            "ru".to_string(),
            Label {
                text: label,
                machine_translated,
            },
        );
    }
    Ok(())
}

/// Checks that a Khronika code is `khr:` followed by lower-case letters, digits and `_`.
fn check_khronika_code(row: &Row<'_>, code: &str) -> Result<(), VocabError> {
    let rest = code.strip_prefix(KHRONIKA_PREFIX).unwrap_or_default();
    let ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(row.fail(VocabErrorKind::BadCode {
            code: code.to_string(),
            reason: "a Khronika code is `khr:` followed by lower-case letters, digits and `_`",
        }))
    }
}

/// Parses `ICCPR art. 7; ECHR art. 3` into references.
fn parse_frameworks(row: &Row<'_>, text: &str) -> Result<Vec<LegalRef>, VocabError> {
    let mut out = Vec::new();
    for part in text.split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let bad = || {
            row.fail(VocabErrorKind::BadFramework {
                text: part.to_string(),
            })
        };
        let (id, article) = part.split_once(" art. ").ok_or_else(bad)?;
        let (id, article) = (id.trim(), article.trim());
        if id.is_empty() || article.is_empty() || id.contains(char::is_whitespace) {
            return Err(bad());
        }
        out.push(LegalRef {
            instrument: id.to_string(),
            article: article.to_string(),
        });
    }
    Ok(out)
}

/// Where a code that is not in the expected list is, for a precise error.
fn misplaced(
    vocab: &Vocabulary,
    row: &Row<'_>,
    column: &'static str,
    code: &str,
    expected: &str,
) -> VocabError {
    let found = vocab
        .lists
        .values()
        .find(|l| l.get(code).is_some())
        .map(|l| l.name.clone());
    match found {
        Some(found) => row.fail(VocabErrorKind::WrongList {
            code: code.to_string(),
            expected: expected.to_string(),
            found,
        }),
        None => row.fail(VocabErrorKind::UnknownCode {
            column,
            code: code.to_string(),
        }),
    }
}

/// Adds Khronika's terms and aliases; returns the instrument ids its legal references name,
/// with their lines, to check once the instruments are loaded.
fn load_additions(
    text: &str,
    vocab: &mut Vocabulary,
    huridocs: &HashMap<String, (String, usize)>,
) -> Result<Vec<(usize, String)>, VocabError> {
    let records = table(ADDITIONS_FILE, text, ADDITIONS_HEADER)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut pending = Vec::new();
    for (index, row) in rows(ADDITIONS_FILE, ADDITIONS_HEADER, &records)
        .iter()
        .enumerate()
    {
        let list_name = row.required("list")?.trim().to_string();
        let code = row.required("code")?.trim().to_string();
        check_khronika_code(row, &code)?;
        if let Some(first_line) = seen.get(&code) {
            return Err(row.fail(VocabErrorKind::DuplicateCode {
                code,
                first_line: *first_line,
            }));
        }
        seen.insert(code.clone(), row.line);
        let parent = row.get("parent").trim();
        let same_as = row.get("same_as").trim();
        let exchange_as = row.get("exchange_as").trim();
        let en = row.get("en").trim();
        let ru = row.get("ru").trim();
        let ru_machine_translated = if ru.is_empty() && row.get("ru_machine_translated").is_empty()
        {
            false
        } else {
            row.flag("ru_machine_translated", "true", "false")?
        };
        let frameworks = parse_frameworks(row, row.get("frameworks"))?;
        pending.extend(frameworks.iter().map(|f| (row.line, f.instrument.clone())));

        if !vocab.lists.contains_key(&list_name) {
            if !list_name.starts_with("khr_") {
                return Err(row.fail(VocabErrorKind::UnknownList { list: list_name }));
            }
            vocab.lists.insert(
                list_name.clone(),
                List {
                    name: list_name.clone(),
                    origin: ListOrigin::Khronika,
                    terms: BTreeMap::new(),
                    aliases: BTreeMap::new(),
                    children: BTreeMap::new(),
                    roots: Vec::new(),
                    folded: OnceLock::new(),
                },
            );
        }

        if !same_as.is_empty() {
            if !parent.is_empty() || !exchange_as.is_empty() {
                return Err(row.fail(VocabErrorKind::Conflict {
                    reason: "a row with `same_as` adds no term, so it takes no `parent` or `exchange_as`",
                }));
            }
            let target = vocab
                .lists
                .get(&list_name)
                .and_then(|l| l.get(same_as))
                .map(|t| t.code.clone());
            let Some(target) = target else {
                return Err(misplaced(vocab, row, "same_as", same_as, &list_name));
            };
            let Some(list) = vocab.lists.get_mut(&list_name) else {
                return Err(row.fail(VocabErrorKind::UnknownList { list: list_name }));
            };
            list.aliases.insert(code.clone(), target.clone());
            if let Some(term) = list.terms.get_mut(&target) {
                term.aliases.push(code);
                for (lang, text) in [("en", en), ("ru", ru)] {
                    if !text.is_empty() {
                        term.synonyms
                            .entry(lang.to_string())
                            .or_default()
                            .push(text.to_string());
                    }
                }
                term.frameworks.extend(frameworks);
            }
            continue;
        }

        let en = row.required("en")?.trim();
        let ru = row.required("ru")?.trim();
        let (parent, level) = if parent.is_empty() {
            (None, 0)
        } else {
            let found = vocab
                .lists
                .get(&list_name)
                .and_then(|l| l.get(parent))
                .map(|p| (p.code.clone(), p.level.max(0) + 1));
            match found {
                Some((code, level)) => (Some(code), level),
                None => return Err(misplaced(vocab, row, "parent", parent, &list_name)),
            }
        };
        let exchange_as = if exchange_as.is_empty() {
            None
        } else {
            match huridocs.get(exchange_as) {
                Some((list, _)) => Some(TermRef::new(list.clone(), exchange_as)),
                None => {
                    return Err(row.fail(VocabErrorKind::UnknownCode {
                        column: "exchange_as",
                        code: exchange_as.to_string(),
                    }));
                }
            }
        };
        let mut labels = BTreeMap::new();
        labels.insert(
            "en".to_string(),
            Label {
                text: en.to_string(),
                machine_translated: false,
            },
        );
        labels.insert(
            "ru".to_string(),
            Label {
                text: ru.to_string(),
                machine_translated: ru_machine_translated,
            },
        );
        let order = KHRONIKA_ORDER_BASE.saturating_add(u32::try_from(index).unwrap_or(u32::MAX));
        let Some(list) = vocab.lists.get_mut(&list_name) else {
            return Err(row.fail(VocabErrorKind::UnknownList { list: list_name }));
        };
        list.terms.insert(
            code.clone(),
            Term {
                code,
                list: list_name,
                huri_code: None,
                parent,
                level,
                order,
                visible: true,
                origin: TermOrigin::Khronika,
                labels,
                synonyms: BTreeMap::new(),
                aliases: Vec::new(),
                frameworks,
                exchange_as,
            },
        );
    }
    Ok(pending)
}

fn load_instruments(text: &str, vocab: &mut Vocabulary) -> Result<(), VocabError> {
    let records = table(INSTRUMENTS_FILE, text, INSTRUMENTS_HEADER)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in rows(INSTRUMENTS_FILE, INSTRUMENTS_HEADER, &records) {
        let id = row.required("id")?.trim().to_string();
        if id.contains(char::is_whitespace) {
            return Err(row.fail(VocabErrorKind::BadCode {
                code: id,
                reason: "an instrument id has no spaces",
            }));
        }
        if let Some(first_line) = seen.get(&id) {
            return Err(row.fail(VocabErrorKind::DuplicateCode {
                code: id,
                first_line: *first_line,
            }));
        }
        seen.insert(id.clone(), row.line);
        let code = row.required("code")?.trim();
        let term = vocab
            .lists
            .get(lists::INTERNATIONAL_INSTRUMENTS)
            .and_then(|l| l.get(code))
            .map(|t| t.code.clone());
        let Some(code) = term else {
            return Err(misplaced(
                vocab,
                &row,
                "code",
                code,
                lists::INTERNATIONAL_INSTRUMENTS,
            ));
        };
        let mut short = BTreeMap::new();
        short.insert(
            "en".to_string(),
            row.required("short_en")?.trim().to_string(),
        );
        let ru = row.get("short_ru").trim();
        if !ru.is_empty() {
            short.insert("ru".to_string(), ru.to_string());
        }
        vocab
            .instruments
            .insert(id.clone(), Instrument { id, code, short });
    }
    Ok(())
}

/// Fills a list's child and root indexes, each sorted by order then code.
fn index(list: &mut List) {
    let mut children: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
    let mut roots: Vec<(u32, String)> = Vec::new();
    for term in list.terms.values() {
        match &term.parent {
            Some(p) if list.terms.contains_key(p) => children
                .entry(p.clone())
                .or_default()
                .push((term.order, term.code.clone())),
            _ => roots.push((term.order, term.code.clone())),
        }
    }
    roots.sort();
    list.roots = roots.into_iter().map(|(_, c)| c).collect();
    list.children = children
        .into_iter()
        .map(|(p, mut v)| {
            v.sort();
            (p, v.into_iter().map(|(_, c)| c).collect())
        })
        .collect();
}
