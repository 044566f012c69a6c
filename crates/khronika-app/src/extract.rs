//! The text of evidence files, for the search index: plain text as it is, HTML without its
//! page furniture, the text layer of PDF. Pure: bytes in memory in, text or the reason there
//! is none out; nothing is written anywhere (no temporary files).

use std::collections::BTreeSet;

use html5gum::{Token, Tokenizer};

/// Largest file whose text is extracted (bigger files are indexed by name only).
pub const MAX_FILE_BYTES: u64 = 20 << 20;
/// Most text kept of one file, in bytes of UTF-8 (cut at a character boundary).
pub const MAX_TEXT_BYTES: usize = 4 << 20;

/// What came out of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extracted {
    /// Its text (possibly empty), and a note if something was left out.
    Text(String, Option<String>),
    /// No text could be read; why, for a person.
    Skipped(String),
    /// Not a type whose text Khronika reads (video, images, archives…).
    NotText,
}

/// Reads the text of a file, or says why it cannot.
type Reader = fn(&[u8]) -> Result<String, String>;

/// How the text of a media type is read, if it is.
fn reader(media_type: &str) -> Option<Reader> {
    match media_type {
        "text/html" => Some(html_text),
        "application/pdf" => Some(pdf_text),
        t if t.starts_with("text/")
            || matches!(t, "application/json" | "application/xml" | "message/rfc822") =>
        {
            Some(plain_text)
        }
        _ => None,
    }
}

/// Whether Khronika reads the text of files of this media type.
pub fn is_text_like(media_type: &str) -> bool {
    reader(media_type).is_some()
}

/// The text of a file of `media_type` whose bytes are `bytes`.
pub fn extract(media_type: &str, bytes: &[u8]) -> Extracted {
    let Some(read) = reader(media_type) else {
        return Extracted::NotText;
    };
    match read(bytes) {
        Err(why) => Extracted::Skipped(why),
        Ok(mut text) => {
            let mut note = None;
            if text.len() > MAX_TEXT_BYTES {
                let mut cut = MAX_TEXT_BYTES;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                note = Some(format!(
                    "only the first {} MiB of its text is searchable",
                    MAX_TEXT_BYTES >> 20
                ));
            }
            Extracted::Text(text, note)
        }
    }
}

fn plain_text(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (text, encoding, bad) = match encoding_rs::Encoding::for_bom(bytes) {
        // UTF-16 with its byte-order mark.
        Some((encoding, _)) => encoding.decode(bytes),
        None => legacy_cyrillic(bytes).decode(bytes),
    };
    // A C1 control character is what an undefined byte decodes to: not this encoding.
    if bad || text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return Err(format!(
            "it is neither UTF-8 nor {} text: its name is searchable, not its text",
            encoding.name()
        ));
    }
    Ok(text.into_owned())
}

/// The single-byte encoding of text that is not UTF-8: Windows-1251 or KOI8-R, the two in
/// which Russian text from before UTF-8 still arrives. Russian text is mostly lower case, which
/// Windows-1251 puts at 0xE0–0xFF and KOI8-R at 0xC0–0xDF, so the busier range decides.
fn legacy_cyrillic(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    let (mut c0, mut e0) = (0usize, 0usize);
    for &b in bytes {
        match b {
            0xC0..=0xDF => c0 += 1,
            0xE0..=0xFF => e0 += 1,
            _ => {}
        }
    }
    if c0 > e0 {
        encoding_rs::KOI8_R
    } else {
        encoding_rs::WINDOWS_1251
    }
}

/// Elements whose content is page furniture or not text: left out with everything inside.
const FURNITURE: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "svg", "iframe",
    "object", "canvas", "button", "select", "form", "menu",
];
/// Elements that separate words (a line break is put in their place).
const BREAKS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "dt",
    "dd",
    "hr",
    "title",
    "body",
    "figcaption",
    "caption",
];

/// The text of an HTML page: tags dropped, entities decoded (by the WHATWG tokenizer), page
/// furniture (scripts, styles, navigation, headers, footers, asides, forms) left out,
/// whitespace collapsed, a line per block.
fn html_text(bytes: &[u8]) -> Result<String, String> {
    let mut emitter = html5gum::emitters::default::DefaultEmitter::default();
    // Script and style content is raw text, not markup.
    emitter.naively_switch_states(true);
    let furniture: BTreeSet<&[u8]> = FURNITURE.iter().map(|s| s.as_bytes()).collect();
    let breaks: BTreeSet<&[u8]> = BREAKS.iter().map(|s| s.as_bytes()).collect();
    let mut skip: Vec<Vec<u8>> = Vec::new();
    let mut out = String::new();
    let mut line = String::new();
    let flush = |line: &mut String, out: &mut String| {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words.is_empty() {
            out.push_str(&words.join(" "));
            out.push('\n');
        }
        line.clear();
    };
    for token in Tokenizer::new_with_emitter(bytes, emitter) {
        let Ok(token) = token;
        match token {
            Token::StartTag(t) => {
                let name = t.name.to_ascii_lowercase();
                if furniture.contains(&name[..]) && !t.self_closing {
                    skip.push(name);
                } else if skip.is_empty() && breaks.contains(&name[..]) {
                    flush(&mut line, &mut out);
                }
            }
            Token::EndTag(t) => {
                let name = t.name.to_ascii_lowercase();
                if let Some(at) = skip.iter().rposition(|s| *s == name) {
                    skip.truncate(at);
                } else if skip.is_empty() && breaks.contains(&name[..]) {
                    flush(&mut line, &mut out);
                }
            }
            Token::String(s) if skip.is_empty() => {
                line.push_str(&String::from_utf8_lossy(&s));
            }
            _ => {}
        }
    }
    flush(&mut line, &mut out);
    Ok(out)
}

/// The text layer of a PDF, page by page. A PDF that does not parse gives the reason; a page
/// whose text does not read is left out and counted. Scanned pages have no text layer (no
/// OCR is done).
fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    // The parser is defensive, but a malformed file must never stop indexing: a panic inside
    // it is caught and reported like an error.
    let result = std::panic::catch_unwind(|| -> Result<(String, usize), String> {
        let doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let mut out = String::new();
        let mut bad = 0;
        for p in pages {
            match doc.extract_text(&[p]) {
                Ok(t) => {
                    out.push_str(&t);
                    out.push('\n');
                }
                Err(_) => bad += 1,
            }
        }
        Ok((out, bad))
    });
    match result {
        Ok(Ok((text, 0))) => Ok(text),
        // Some pages read: what they hold is searchable.
        Ok(Ok((text, _))) if !text.trim().is_empty() => Ok(text),
        Ok(Ok((_, bad))) => Err(format!(
            "no text could be read from its {bad} page(s) (fonts without a text mapping?)"
        )),
        Ok(Err(e)) => Err(format!("it is not a PDF that can be read ({e})")),
        Err(_) => Err("it is not a PDF that can be read (the PDF reader gave up on it)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(s: &str) -> String {
        match extract("text/html", s.as_bytes()) {
            Extracted::Text(t, None) => t,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn html_loses_furniture_tags_and_entities() {
        let page = r#"<!doctype html><html><head><title>Report</title>
            <style>body { color: red }</style><script>var secret = "<p>nope</p>";</script></head>
            <body><header><a href="/">Home</a> | <a>Login</a></header>
            <nav><ul><li>Menu item</li></ul></nav>
            <main><h1>Detention&nbsp;in Grozny</h1><p>Men in &laquo;uniform&raquo; took
            <b>him</b>&#44; said&#x20;W&amp;3.<br>Next line</p></main>
            <aside>Related stories</aside><footer>&copy; 2024 Site</footer></body></html>"#;
        assert_eq!(
            html(page),
            "Report\nDetention in Grozny\nMen in «uniform» took him, said W&3.\nNext line\n"
        );
        // Unclosed furniture hides only what follows it; stray end tags change nothing.
        assert_eq!(html("a</nav>b<div>c</div>"), "ab\nc\n");
        assert_eq!(html("<p>x<script>never closed"), "x\n");
    }

    #[test]
    fn plain_text_and_the_reasons_for_no_text() {
        assert_eq!(
            extract("text/plain", "\u{feff}Свидетель".as_bytes()),
            Extracted::Text("Свидетель".into(), None)
        );
        // Russian from before UTF-8: Windows-1251 and KOI8-R, told apart by where the lower
        // case letters are; UTF-16 by its byte-order mark.
        let russian = "Их вывели из машины и пытали. Свидетель видел это.";
        for encoding in [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_R] {
            let (bytes, _, _) = encoding.encode(russian);
            assert_eq!(
                extract("text/plain", &bytes),
                Extracted::Text(russian.into(), None),
                "{}",
                encoding.name()
            );
        }
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(russian.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            extract("text/plain", &utf16),
            Extracted::Text(russian.into(), None)
        );
        // A byte Windows-1251 leaves undefined (0x98): no text, and why.
        match extract("text/plain", b"\xcf\xf0\xe8\x98") {
            Extracted::Skipped(w) => assert!(w.contains("neither UTF-8 nor windows-1251"), "{w}"),
            other => panic!("{other:?}"),
        }
        match extract("application/pdf", b"%PDF-1.4\n garbage") {
            Extracted::Skipped(w) => assert!(w.contains("not a PDF that can be read"), "{w}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(extract("video/mp4", b"\0\0"), Extracted::NotText);
        let big = "я".repeat(MAX_TEXT_BYTES);
        match extract("text/plain", big.as_bytes()) {
            Extracted::Text(t, Some(_)) => assert!(t.len() <= MAX_TEXT_BYTES && t.len() > 100),
            other => panic!("{:?}", std::mem::discriminant(&other)),
        }
    }
}
