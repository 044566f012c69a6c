//! Cross-script keys ("skeletons"): Кадыров, Kadyrov, Kadyrow, Qadirov and Kadyroff all reduce
//! to `kadirov`, so that a name (or any word) written in either script, in any of the usual
//! romanisations, finds the others.
//!
//! A key is written in a small alphabet, one symbol per sound the romanisations tell apart:
//! `a b v g d e ž z i k l m n o p r s t u f h c č š ŝ ǰ` (`ž` ж, `h` х, `c` ц, `č` ч, `š` ш,
//! `ŝ` щ, `ǰ` дж), plus digits and any other letter as itself.
//!
//! - **Cyrillic** is transliterated letter by letter, one way only: ы, й and и are all `i`;
//!   ъ, ь and the palochka are dropped; ю and я are `iu`, `ia`; е and э are `e` (ё was folded
//!   to е before).
//! - **Latin** is read with every romanisation in use: scholarly (`č š ž x c j`), GOST 7.79
//!   (system A `č š ž ŝ h c j`, and B `ch sh zh shh x cz j`), ICAO/passport (`kh ts ch sh shch
//!   zh i iu ia`), and the looser spellings of journalists and other languages (German `w`,
//!   `sch`, `tsch`, `dsch`, `ch` for х, `j` for й; French `ch` for ш, `tch`, `dj`, `ou`; `q`,
//!   `ff`, `y`). Letters that mean different things in different schemes (`ch`: ч, х or ш;
//!   `j`: дж or й; `x`: кс or х; `c`: к or ц; `sch`: ш or щ) give several keys, at most
//!   [`MAX_KEYS`]; the first is the English reading.
//! - Then both are **folded**: doubled symbols once; `i` between two vowels, or before a vowel
//!   at the start, dropped before `e` (Yevgeny, Murtazayev); a final `of`/`ef` read as
//!   `ov`/`ev`.
//!
//! Fuzzy matching (one or two symbols off) then works on keys, not on spellings.

use unicode_normalization::UnicodeNormalization;

use crate::text::{PALOCHKA, Stemmers, is_cyrillic};

/// Most keys one word gives.
pub const MAX_KEYS: usize = 8;

fn cyrillic_symbol(c: char) -> &'static str {
    match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'є' => "ie",
        'ж' => "ž",
        'з' => "z",
        'и' | 'й' | 'ы' | 'і' => "i",
        'ї' => "ii",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' | 'һ' => "h",
        'ц' => "c",
        'ч' => "č",
        'ш' => "š",
        'щ' => "ŝ",
        'ъ' | 'ь' | PALOCHKA | '\u{04C0}' => "",
        'ю' => "iu",
        'я' => "ia",
        _ => "",
    }
}

/// The symbols of a Cyrillic word (already normalised: lower case).
fn from_cyrillic(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if c == 'д' && chars.peek() == Some(&'ж') {
            chars.next();
            out.push('ǰ');
        } else if is_cyrillic(c) || c == PALOCHKA || c == '\u{04C0}' {
            out.push_str(cyrillic_symbol(c));
        } else if c.is_alphanumeric() {
            out.push(c);
        }
    }
    out
}

/// Readings of a Latin word: the symbols of each, at most [`MAX_KEYS`].
fn from_latin(word: &str) -> Vec<String> {
    // Letters with a háček or circumflex carry the scholarly and GOST readings; keep them,
    // then strip every other mark (é, ï, ü, â, û).
    let mut plain = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'č' | 'š' | 'ž' | 'ŝ' | 'ǰ' => plain.push(c),
            _ if c.is_ascii() => plain.push(c),
            _ => plain.extend(
                c.to_string()
                    .nfd()
                    .filter(|d| !matches!(d, '\u{0300}'..='\u{036F}')),
            ),
        }
    }
    let s: Vec<char> = plain.chars().collect();
    let mut readings: Vec<String> = vec![String::new()];
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let starts = |p: &str| {
            let mut at = rest.iter();
            p.chars().all(|c| at.next() == Some(&c))
        };
        // Longest spellings first; each gives one or more symbol strings.
        let (len, options): (usize, &[&str]) = if starts("schtsch") {
            (7, &["ŝ"])
        } else if starts("shch") || starts("szcz") {
            (4, &["ŝ"])
        } else if starts("tsch") {
            (4, &["č"])
        } else if starts("dsch") {
            (4, &["ǰ"])
        } else if starts("sch") {
            (3, &["š", "ŝ"])
        } else if starts("shh") || starts("šč") {
            (if starts("šč") { 2 } else { 3 }, &["ŝ"])
        } else if starts("dzh") || starts("dž") {
            (if starts("dž") { 2 } else { 3 }, &["ǰ"])
        } else if starts("tch") {
            (3, &["č"])
        } else if starts("dj") {
            (2, &["ǰ"])
        } else if starts("zh") {
            (2, &["ž"])
        } else if starts("kh") {
            (2, &["h"])
        } else if starts("gh") {
            (2, &["g"])
        } else if starts("ch") {
            (2, &["č", "h", "š"])
        } else if starts("sh") || starts("sz") {
            (2, &["š"])
        } else if starts("ts") || starts("tz") {
            (2, &["c"])
        } else if starts("cz") {
            (2, &["c", "č"])
        } else if starts("ck") {
            (2, &["k"])
        } else if starts("ph") {
            (2, &["f"])
        } else if starts("ou") {
            (2, &["u"])
        } else {
            let c = rest[0];
            let one: &[&str] = match c {
                'w' => &["v"],
                'q' => &["k"],
                'y' => &["i"],
                'j' => &["ǰ", "i"],
                'x' => &["ks", "h"],
                'c' => &["k", "c"],
                'č' => &["č"],
                'š' => &["š"],
                'ž' => &["ž"],
                'ŝ' => &["ŝ"],
                'ǰ' => &["ǰ"],
                _ => &[],
            };
            if one.is_empty() {
                if c.is_alphanumeric() {
                    for r in &mut readings {
                        r.push(c);
                    }
                }
                i += 1;
                continue;
            }
            (1, one)
        };
        if options.len() == 1 || readings.len() * options.len() > MAX_KEYS {
            // Past the limit, only the first (English) reading goes on.
            for r in &mut readings {
                r.push_str(options[0]);
            }
        } else {
            let mut next = Vec::with_capacity(readings.len() * options.len());
            for r in &readings {
                for o in options {
                    let mut n = r.clone();
                    n.push_str(o);
                    next.push(n);
                }
            }
            readings = next;
        }
        i += len;
    }
    readings
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// The folds both scripts' symbols go through.
fn fold(symbols: &str) -> String {
    // Doubled symbols once.
    let mut s: Vec<char> = Vec::with_capacity(symbols.len());
    for c in symbols.chars() {
        if s.last() != Some(&c) {
            s.push(c);
        }
    }
    // `i` before `e` at the start or after a vowel: the iotation romanisations write and
    // Cyrillic does not (Yevgeny/Евгений, Murtazayev/Муртазаев).
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    for (k, &c) in s.iter().enumerate() {
        let prev = out.last().copied();
        let next = s.get(k + 1).copied();
        if c == 'i' && next == Some('e') && prev.is_none_or(is_vowel) {
            continue;
        }
        out.push(c);
    }
    // A final -of/-ef is -ov/-ev (Kadyroff, Lebedeff).
    let n = out.len();
    if n >= 3 && out[n - 1] == 'f' && matches!(out[n - 2], 'o' | 'e') {
        out[n - 1] = 'v';
    }
    out.into_iter().collect()
}

/// The keys of one normalised word ([`crate::text::normalize_word`]): one for a Cyrillic
/// word, one or more for a Latin one (the English reading first), none for a word with no
/// letter or digit.
pub fn keys(norm: &str) -> Vec<String> {
    let cyrillic = norm.chars().any(is_cyrillic);
    let raw = if cyrillic {
        vec![from_cyrillic(norm)]
    } else {
        from_latin(norm)
    };
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for r in raw {
        let k = fold(&r);
        if !k.is_empty() && !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The keys a word is indexed and looked up by: [`keys`], and for a Cyrillic word (not
/// Chechen) also the keys of its Russian stem, so that inflected names meet their Latin
/// spelling (`Кадырова`, `Кадыровым` → `kadirov`, as `Kadyrov`).
pub fn word_keys(norm: &str, stemmers: &Stemmers) -> Vec<String> {
    let cyrillic = norm.chars().any(is_cyrillic) && !norm.contains(PALOCHKA);
    let stem = cyrillic.then(|| stemmers.russian(norm));
    word_keys_with_stem(norm, stem.as_deref())
}

/// [`word_keys`] with the word's Russian stem already known (`None`: not a Russian word).
pub fn word_keys_with_stem(norm: &str, russian_stem: Option<&str>) -> Vec<String> {
    let mut out = keys(norm);
    if let Some(stem) = russian_stem
        && stem != norm
    {
        for k in keys(stem) {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

/// The first key of a word (for a Latin word, its English reading).
pub fn primary_key(norm: &str) -> Option<String> {
    keys(norm).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize_word;

    fn k(word: &str) -> Vec<String> {
        keys(&normalize_word(word))
    }

    /// Every spelling in `group` shares a key with the first, and the first (Cyrillic) has
    /// exactly `key`.
    fn check(key: &str, group: &[&str]) {
        assert_eq!(k(group[0]), vec![key.to_owned()], "{}", group[0]);
        for w in &group[1..] {
            assert!(
                k(w).iter().any(|x| x == key),
                "{w} gives {:?}, not {key}",
                k(w)
            );
        }
    }

    #[test]
    fn kadyrov() {
        check(
            "kadirov",
            &[
                "Кадыров",
                "Kadyrov",
                "Kadyrow",
                "Qadirov",
                "Kadirov",
                "Kadyroff",
                "KADYROV",
                "Kadyrof",
            ],
        );
    }

    #[test]
    fn shamil() {
        check(
            "šamil",
            &[
                "Шамиль",
                "Shamil",
                "Chamil",
                "Šamil",
                "Schamil",
                "Shamil'",
                "Šamilʹ",
            ],
        );
    }

    #[test]
    fn murtazaliev() {
        check(
            "murtazaliev",
            &["Муртазалиев", "Murtazaliyev", "Murtazaliev", "Murtazalijew"],
        );
    }

    #[test]
    fn akhmed() {
        check(
            "ahmed",
            &["Ахмед", "Akhmed", "Ahmed", "Achmed", "Axmed", "Ahmmed"],
        );
    }

    #[test]
    fn dzhokhar() {
        check(
            "ǰohar",
            &[
                "Джохар",
                "Dzhokhar",
                "Djokhar",
                "Jokhar",
                "Dschochar",
                "Džochar",
                "Dzhohar",
            ],
        );
    }

    #[test]
    fn grozny_and_iotation() {
        check(
            "grozni",
            &[
                "Грозный",
                "Grozny",
                "Groznyy",
                "Groznyj",
                "Groznij",
                "Groznyi",
            ],
        );
        check(
            "evgeni",
            &[
                "Евгений",
                "Yevgeny",
                "Evgeny",
                "Jewgeni",
                "Evgenij",
                "Yevgeniy",
            ],
        );
        check("murtazaev", &["Муртазаев", "Murtazayev", "Murtazaev"]);
        check("iusup", &["Юсуп", "Yusup", "Jusup", "Iusup", "Yousoup"]);
        check("ilias", &["Ильяс", "Ilyas", "Il'yas", "Iljas", "Ilias"]);
        check("mariam", &["Мариям", "Mariyam", "Mariam", "Marijam"]);
        check("aidar", &["Айдар", "Aydar", "Ajdar", "Aidar"]);
    }

    #[test]
    fn hissing_and_affricates() {
        check(
            "ŝukin",
            &["Щукин", "Shchukin", "Ščukin", "Shhukin", "Schtschukin"],
        );
        check("hasan", &["Хасан", "Khasan", "Hasan", "Xasan", "Chassan"]);
        check("coi", &["Цой", "Tsoy", "Tsoi", "Coj", "Tsoj"]);
        check(
            "čečnia",
            &["Чечня", "Chechnya", "Čečnja", "Tschetschnja", "Chechnia"],
        );
        check("žukov", &["Жуков", "Zhukov", "Žukov", "Zhukoff"]);
        check("magomed", &["Магомед", "Magomed", "Magommed"]);
    }

    #[test]
    fn chechen_letters() {
        // The palochka, in any of its typed forms, does not count in keys.
        check("doku", &["ДӀоку", "Doku"]);
        assert_eq!(k("дIоку"), k("ДӀоку"));
        assert_eq!(k("д1оку"), k("ДӀоку"));
        // гӀ, as romanised "gh".
        assert_eq!(k("гӀалгӀай"), vec!["galgai"]);
        assert!(k("Ghalghay").contains(&"galgai".to_owned()));
    }

    #[test]
    fn inflected_cyrillic_names_meet_their_latin_spelling() {
        let s = Stemmers::default();
        for w in ["кадырова", "кадыровым", "кадырову", "кадыров"] {
            assert!(
                word_keys(w, &s).contains(&"kadirov".to_owned()),
                "{w}: {:?}",
                word_keys(w, &s)
            );
        }
        assert_eq!(word_keys("kadyrova", &s), vec!["kadirova"]);
    }

    #[test]
    fn different_names_stay_different() {
        let pairs = [
            ("Кадыров", "Кадиев"),
            ("Шамиль", "Самиль"),
            ("Ахмед", "Ахмад"),
            ("Хасан", "Гасан"),
            ("Чечня", "Ингушетия"),
        ];
        for (a, b) in pairs {
            let ka = k(a);
            assert!(k(b).iter().all(|x| !ka.contains(x)), "{a} and {b}");
        }
    }

    #[test]
    fn ambiguous_latin_is_bounded_and_english_first() {
        assert_eq!(k("chechnya")[0], "čečnia");
        assert!(k("chachchochchu").len() <= MAX_KEYS);
        assert_eq!(k("Xerox")[0], "kseroks");
        assert_eq!(k("2019"), vec!["2019"]);
        assert!(k("'").is_empty());
    }

    #[test]
    fn a_key_never_panics_and_is_stable() {
        for w in ["", "ъ", "ь", "Ӏ", "ӏӏӏ", "ǰ", "x", "é", "日本", "ß", "ﬀ"] {
            let a = keys(w);
            assert_eq!(a, keys(w));
        }
    }
}
