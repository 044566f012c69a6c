//! What is recorded about an evidence file when it is added: the facts a court will ask for.

/// How the time of an event was obtained; recorded so that nobody over-trusts a laptop clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockSource {
    /// The device's own clock, not independently synchronised or attested.
    System,
}

impl ClockSource {
    /// The stable name used in payloads.
    pub fn as_str(&self) -> &'static str {
        match self {
            ClockSource::System => "system",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        (s == "system").then_some(ClockSource::System)
    }
}

/// Longest original file name kept (bytes of UTF-8); longer names are cut at a character
/// boundary and the cut is marked, so a hostile name cannot blow up a log entry.
pub const MAX_NAME_BYTES: usize = 1024;

/// Clean an original file name for the record: keep it as given, but cut it to
/// [`MAX_NAME_BYTES`] and replace control characters, which have no place in a name and can
/// hide text in terminals.
pub fn clean_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if out.len() > MAX_NAME_BYTES {
        let mut cut = MAX_NAME_BYTES - '…'.len_utf8();
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_but_bounded() {
        assert_eq!(clean_name("протокол допроса.pdf"), "протокол допроса.pdf");
        assert_eq!(clean_name("a\u{1b}[31mb"), "a\u{FFFD}[31mb");
        let long = "я".repeat(2000);
        let c = clean_name(&long);
        assert!(c.len() <= MAX_NAME_BYTES && c.ends_with('…'));
        assert_eq!(
            ClockSource::parse(ClockSource::System.as_str()),
            Some(ClockSource::System)
        );
    }
}
