//! Text analysis, pure and shared by indexing and querying: words, their normal form (lower
//! case, ё folded to е, the Chechen palochka and its stand-ins folded to one letter, Latin
//! look-alikes inside Cyrillic words made Cyrillic), the language of a field, and stems
//! (Snowball Russian for Cyrillic words, Snowball English for Latin ones).
//!
//! **Language detection** is by script, word by word, with the field's declared language
//! (a testimony's or a source's `language`) or its palochka count deciding Chechen: Russian
//! and English never share a script, so the script of a word says which stemmer applies
//! even in a Russian testimony quoting an English document; the one real ambiguity, Chechen
//! against Russian in Cyrillic, is one that general detectors (`whatlang`, `lingua`) do not
//! resolve either (they know no Chechen), and Chechen has no Snowball stemmer, so its words are
//! indexed unstemmed. See [`Lang::detect`].

use std::borrow::Cow;

/// The Chechen palochka as this crate writes it (U+04CF CYRILLIC SMALL LETTER PALOCHKA).
pub const PALOCHKA: char = '\u{04CF}';

/// One word of a text: its normal form, its byte range in the text, and its position (the
/// how-many-th word it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The normal form ([`normalize_word`]).
    pub norm: String,
    /// Byte offset of the word's first character in the text.
    pub from: usize,
    /// Byte offset just past the word.
    pub to: usize,
    /// The word's number in the text, from 0.
    pub position: usize,
}

/// Is `c` a Cyrillic letter (other than the palochka, which stands in for a Latin `I` as
/// often as the reverse)?
pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
        && !matches!(c, '\u{04C0}' | '\u{04CF}')
}

fn is_palochka_like(c: char) -> bool {
    matches!(c, '\u{04C0}' | '\u{04CF}' | 'I' | 'l' | '1')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '\u{02B9}' | '\u{02BA}')
}

/// Characters that make up words: letters, digits, combining marks, and apostrophes between
/// letters (`Il'ya`, `don't`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '\u{0300}'..='\u{036F}')
}

/// Split a text into words. Apostrophes inside a word are part of it (and dropped by
/// normalisation); everything that is not a letter or a digit separates words.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_word_char(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            if is_word_char(d) {
                end = i + d.len_utf8();
                chars.next();
            } else if is_apostrophe(d) {
                // Part of the word only if a letter follows.
                let mut ahead = chars.clone();
                ahead.next();
                match ahead.peek() {
                    Some(&(_, e)) if is_word_char(e) => {
                        chars.next();
                    }
                    _ => break,
                }
            } else {
                break;
            }
        }
        let raw = &text[start..end];
        let norm = normalize_word(raw);
        if !norm.is_empty() {
            let position = out.len();
            out.push(Word {
                norm,
                from: start,
                to: end,
                position,
            });
        }
    }
    out
}

/// Latin letters that look like Cyrillic ones, as typed by mistake (or on purpose) inside a
/// Cyrillic word.
fn cyrillic_lookalike(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'A' => 'А',
        'e' => 'е',
        'E' => 'Е',
        'o' => 'о',
        'O' => 'О',
        'p' => 'р',
        'P' => 'Р',
        'c' => 'с',
        'C' => 'С',
        'x' => 'х',
        'X' => 'Х',
        'y' => 'у',
        'K' => 'К',
        'k' => 'к',
        'M' => 'М',
        'T' => 'Т',
        'H' => 'Н',
        'B' => 'В',
        _ => return None,
    })
}

/// The normal form of one word: in a word with Cyrillic letters, the palochka's stand-ins
/// (`Ӏ`, `ӏ`, and Latin `I`, `l`, `1`) become `ӏ` and other Latin look-alikes become their
/// Cyrillic letter; then lower case, `ё` as `е`, apostrophes dropped.
pub fn normalize_word(raw: &str) -> String {
    let cyrillic = raw.chars().filter(|&c| is_cyrillic(c)).count();
    let latin = raw
        .chars()
        .filter(|&c| c.is_ascii_alphabetic() && !is_palochka_like(c))
        .count();
    // A Cyrillic word: more Cyrillic letters than other Latin ones.
    let in_cyrillic = cyrillic > 0 && cyrillic > latin;
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_apostrophe(c) {
            continue;
        }
        let c = if in_cyrillic && is_palochka_like(c) {
            PALOCHKA
        } else if in_cyrillic {
            cyrillic_lookalike(c).unwrap_or(c)
        } else {
            c
        };
        for l in c.to_lowercase() {
            out.push(match l {
                'ё' => 'е',
                _ => l,
            });
        }
    }
    out
}

/// Is this (normalised) word written in Cyrillic?
pub fn word_is_cyrillic(norm: &str) -> bool {
    norm.chars().any(is_cyrillic)
}

/// The language of a field, as far as analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Cyrillic words are Russian (stemmed as Russian), Latin ones English.
    RussianEnglish,
    /// Cyrillic words are Chechen (not stemmed: there is no Chechen stemmer), Latin ones
    /// English.
    Chechen,
}

impl Lang {
    /// The language of a field: Chechen if declared so (`ce`, `che`), or if at least one
    /// Cyrillic word in twenty has a palochka (which Russian never has); otherwise Russian
    /// and English, told apart word by word by script. A declared language other than
    /// Chechen changes nothing: scripts decide.
    pub fn detect(text: &str, declared: Option<&str>) -> Lang {
        Lang::detect_words(&words(text), declared)
    }

    /// [`Lang::detect`] on a text already split into words.
    pub fn detect_words(words: &[Word], declared: Option<&str>) -> Lang {
        if matches!(declared, Some("ce" | "che")) {
            return Lang::Chechen;
        }
        let mut cyrillic = 0usize;
        let mut palochka = 0usize;
        for w in words {
            if word_is_cyrillic(&w.norm) {
                cyrillic += 1;
                if w.norm.contains(PALOCHKA) {
                    palochka += 1;
                }
            }
        }
        if palochka > 0 && palochka * 20 >= cyrillic {
            Lang::Chechen
        } else {
            Lang::RussianEnglish
        }
    }
}

/// The Snowball stemmers.
#[derive(Clone, Copy)]
pub struct Stemmers {
    ru: frostem::Stemmer,
    en: frostem::Stemmer,
}

impl std::fmt::Debug for Stemmers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stemmers(ru, en)")
    }
}

impl Default for Stemmers {
    fn default() -> Self {
        Stemmers {
            ru: frostem::Stemmer::new(frostem::Algorithm::Russian),
            en: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

impl Stemmers {
    /// The stem of a normalised word in a field of language `lang`: Russian for Cyrillic
    /// words (none for Chechen, or for a word with a palochka), English for Latin ones,
    /// none for numbers.
    pub fn stem<'a>(&self, norm: &'a str, lang: Lang) -> Cow<'a, str> {
        if word_is_cyrillic(norm) {
            if lang == Lang::Chechen || norm.contains(PALOCHKA) {
                Cow::Borrowed(norm)
            } else {
                self.ru.stem(norm)
            }
        } else if norm.chars().any(|c| c.is_alphabetic()) {
            self.en.stem(norm)
        } else {
            Cow::Borrowed(norm)
        }
    }

    /// The Russian stem, whatever the field: what a Cyrillic query word is looked up by.
    pub fn russian(&self, norm: &str) -> String {
        self.ru.stem(norm).into_owned()
    }
}

/// For a Cyrillic query word's stem, a shorter prefix that also finds its other forms where
/// Snowball gives different stems (`пытки` → `пытк`, `пыток` → `пыток`, `пытали` → `пыта`:
/// all start with `пыт`): the stem without trailing vowels, without a fleeting `о`/`е`
/// before its last consonant (`пыток` → `пытк`), and without the last of two final
/// consonants (`пытк` → `пыт`); never shorter than three letters. `None` for stems of three
/// letters or fewer, where a prefix would find too much.
pub fn russian_prefix(stem: &str) -> Option<String> {
    const VOWELS: &[char] = &['а', 'е', 'и', 'о', 'у', 'ы', 'э', 'ю', 'я', 'ь', 'й', 'ъ'];
    let mut s: Vec<char> = stem.chars().collect();
    if s.len() <= 3 {
        return None;
    }
    while s.len() > 3 && s.last().is_some_and(|c| VOWELS.contains(c)) {
        s.pop();
    }
    let consonant = |c: char| !VOWELS.contains(&c);
    let n = s.len();
    if n > 4 && matches!(s[n - 2], 'о' | 'е') && consonant(s[n - 1]) && consonant(s[n - 3]) {
        s.remove(n - 2);
    }
    let n = s.len();
    if n > 3 && consonant(s[n - 1]) && consonant(s[n - 2]) {
        s.pop();
    }
    Some(s.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.norm).collect()
    }

    #[test]
    fn words_split_and_keep_offsets() {
        let text = "Задержан 12.03.2019 — «Il'ya» Ёлкин, don't!";
        let ws = words(text);
        let got: Vec<(&str, &str, usize)> = ws
            .iter()
            .map(|w| (w.norm.as_str(), &text[w.from..w.to], w.position))
            .collect();
        assert_eq!(
            got,
            vec![
                ("задержан", "Задержан", 0),
                ("12", "12", 1),
                ("03", "03", 2),
                ("2019", "2019", 3),
                ("ilya", "Il'ya", 4),
                ("елкин", "Ёлкин", 5),
                ("dont", "don't", 6),
            ]
        );
    }

    #[test]
    fn trailing_apostrophes_are_not_part_of_words() {
        assert_eq!(
            norms("Shamil' and 'quoted'"),
            vec!["shamil", "and", "quoted"]
        );
    }

    #[test]
    fn yo_folds_to_ye() {
        assert_eq!(norms("ЁЖИК ёжик Пётр"), vec!["ежик", "ежик", "петр"]);
    }

    #[test]
    fn palochka_variants_fold_to_one_letter() {
        // "кӀант" (boy) as typed with each stand-in for the palochka.
        for typed in [
            "кӀант",
            "кӏант",
            "кIант",
            "клант",
            "к1ант",
            "КӀАНТ",
            "КIАНТ",
        ] {
            // "клант" is a real ambiguity: an "л" is Cyrillic, only a Latin l folds.
            if typed == "клант" {
                assert_eq!(normalize_word(typed), "клант");
                continue;
            }
            assert_eq!(normalize_word(typed), "кӏант", "{typed}");
        }
        assert_eq!(normalize_word("кlант"), "кӏант");
        // Ӏаьржа (black), начхьа, дӀа.
        assert_eq!(normalize_word("Iаьржа"), "ӏаьржа");
        assert_eq!(normalize_word("дIа"), "дӏа");
        assert_eq!(normalize_word("д1а"), "дӏа");
        // Outside Cyrillic words, I, l and 1 are themselves.
        assert_eq!(norms("I will 1"), vec!["i", "will", "1"]);
        assert_eq!(normalize_word("Ӏ"), "ӏ");
    }

    #[test]
    fn latin_lookalikes_inside_cyrillic_words_become_cyrillic() {
        // K, a, o typed in Latin.
        assert_eq!(normalize_word("Kaдырoв"), "кадыров");
        assert_eq!(normalize_word("Грозный"), "грозный");
        // A Latin word keeps its letters.
        assert_eq!(normalize_word("Kadyrov"), "kadyrov");
    }

    #[test]
    fn stems_by_script() {
        let s = Stemmers::default();
        let ru = Lang::RussianEnglish;
        assert_eq!(s.stem("tortured", ru), "tortur");
        assert_eq!(s.stem("torture", ru), "tortur");
        assert_eq!(s.stem("detentions", ru), "detent");
        assert_eq!(s.stem("задержания", ru), "задержан");
        assert_eq!(s.stem("задержание", ru), "задержан");
        assert_eq!(s.stem("2019", ru), "2019");
        // Chechen words are not stemmed as Russian.
        assert_eq!(s.stem("берашна", Lang::Chechen), "берашна");
        assert_eq!(s.stem("кӏантана", ru), "кӏантана");
    }

    #[test]
    fn russian_forms_share_a_prefix_where_snowball_differs() {
        let s = Stemmers::default();
        let stems: Vec<String> = ["пытки", "пыток", "пытали", "пытками"]
            .iter()
            .map(|w| s.russian(w))
            .collect();
        assert_eq!(stems, vec!["пытк", "пыток", "пыта", "пытк"]);
        for stem in &stems {
            assert_eq!(russian_prefix(stem).as_deref(), Some("пыт"), "{stem}");
        }
        assert_eq!(russian_prefix("нос"), None);
        // Kadyrov's stem is kept whole: "кад" would find Kadiev.
        assert_eq!(russian_prefix("кадыр").as_deref(), Some("кадыр"));
        assert_eq!(russian_prefix("задержа").as_deref(), Some("задер"));
        assert_eq!(russian_prefix("задержан").as_deref(), Some("задержан"));
    }

    #[test]
    fn field_language() {
        assert_eq!(
            Lang::detect("Его задержали у блокпоста", None),
            Lang::RussianEnglish
        );
        assert_eq!(
            Lang::detect("He was detained", Some("en")),
            Lang::RussianEnglish
        );
        assert_eq!(Lang::detect("Со цӀа вахна", None), Lang::Chechen);
        assert_eq!(Lang::detect("Со ц1а вахна", None), Lang::Chechen);
        assert_eq!(Lang::detect("Берашна", Some("ce")), Lang::Chechen);
        // One palochka in a long Russian text (a quoted Chechen name) is not enough.
        let long = format!("{} ДӀошна", "слово ".repeat(40));
        assert_eq!(Lang::detect(&long, None), Lang::RussianEnglish);
    }
}
