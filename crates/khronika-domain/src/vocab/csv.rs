//! A small RFC 4180 CSV reader that remembers the line each record starts on.
//!
//! Fields are separated by commas and records by CRLF or LF. A field that starts with a double
//! quote runs to the matching closing quote and may contain commas, line breaks and doubled
//! quotes (`""` for one `"`). A byte-order mark at the start is skipped, and so are empty lines.
//! Anything else that is not well formed is an error naming the line, never a panic.

/// One record (row) and the line of the file it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// The line the record starts on; a quoted field may carry it over several lines.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// What is wrong with malformed CSV, and on which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CsvFault {
    /// A quoted field opened on this line is never closed.
    Unclosed,
    /// A double quote in the middle of an unquoted field.
    QuoteInside,
    /// Something other than a comma or a line break right after a closing quote.
    TextAfterClosing,
}

/// Splits `text` into records. On error, returns the line and what is wrong.
pub(crate) fn parse(text: &str) -> Result<Vec<Record>, (usize, CsvFault)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Separators and quotes are ASCII, so every index where one is found is a character
    // boundary and the slices below are whole characters.
    let bytes = text.as_bytes();
    let slice = |from: usize, to: usize| text.get(from..to).unwrap_or_default();
    let mut records = Vec::new();
    let mut line = 1usize;
    let mut i = 0usize;

    // One record per iteration of the outer loop.
    while i < bytes.len() {
        let record_line = line;
        let mut fields = Vec::new();
        let mut blank = true;
        loop {
            // One field per iteration; `end` tells what ended it.
            let field;
            let end;
            if bytes.get(i) == Some(&b'"') {
                blank = false;
                i += 1;
                let opened = line;
                let mut text_so_far = String::new();
                let mut from = i;
                loop {
                    match bytes.get(i) {
                        None => return Err((opened, CsvFault::Unclosed)),
                        Some(b'"') => {
                            text_so_far.push_str(slice(from, i));
                            if bytes.get(i + 1) == Some(&b'"') {
                                text_so_far.push('"');
                                i += 2;
                                from = i;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(b'\n') => {
                            line += 1;
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
                field = text_so_far;
                end = match bytes.get(i) {
                    None => End::Eof,
                    Some(b',') => {
                        i += 1;
                        End::Comma
                    }
                    Some(b'\n') => {
                        i += 1;
                        End::Newline
                    }
                    Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => {
                        i += 2;
                        End::Newline
                    }
                    Some(_) => return Err((line, CsvFault::TextAfterClosing)),
                };
            } else {
                let from = i;
                loop {
                    match bytes.get(i) {
                        None => {
                            field = slice(from, i).to_string();
                            end = End::Eof;
                            break;
                        }
                        Some(b',') => {
                            field = slice(from, i).to_string();
                            i += 1;
                            end = End::Comma;
                            break;
                        }
                        Some(b'\n') => {
                            field = slice(from, i).to_string();
                            i += 1;
                            end = End::Newline;
                            break;
                        }
                        Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => {
                            field = slice(from, i).to_string();
                            i += 2;
                            end = End::Newline;
                            break;
                        }
                        Some(b'"') => return Err((line, CsvFault::QuoteInside)),
                        Some(_) => i += 1,
                    }
                }
                if !field.is_empty() {
                    blank = false;
                }
            }
            fields.push(field);
            match end {
                End::Comma => blank = false,
                End::Newline => {
                    line += 1;
                    break;
                }
                End::Eof => break,
            }
        }
        // An empty line is one unquoted empty field: skip it.
        if !blank {
            records.push(Record {
                line: record_line,
                fields,
            });
        }
    }
    Ok(records)
}

enum End {
    Comma,
    Newline,
    Eof,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn plain_and_quoted_fields() {
        assert_eq!(
            fields("a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n"),
            vec![vec!["a", "b", "c"], vec!["1", "x, y", "say \"hi\""]]
        );
    }

    #[test]
    fn empty_fields_and_no_final_newline() {
        assert_eq!(fields(",,\n\"\",x"), vec![vec!["", "", ""], vec!["", "x"]]);
    }

    #[test]
    fn quoted_line_break_keeps_line_numbers() {
        let recs = parse("h\n\"a\nb\"\nc\n").unwrap();
        assert_eq!(recs[1].fields, vec!["a\nb"]);
        assert_eq!(recs[1].line, 2);
        assert_eq!(recs[2].line, 4);
    }

    #[test]
    fn bom_and_blank_lines_are_skipped() {
        let recs = parse("\u{feff}a\n\n\r\nb\n").unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].line, 4);
    }

    #[test]
    fn faults_name_the_line() {
        assert_eq!(parse("a\nb,\"open\nmore\n"), Err((2, CsvFault::Unclosed)));
        assert_eq!(parse("a\nb\"c\n"), Err((2, CsvFault::QuoteInside)));
        assert_eq!(parse("a\n\"b\"c\n"), Err((2, CsvFault::TextAfterClosing)));
    }
}
