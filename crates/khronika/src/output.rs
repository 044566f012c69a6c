//! Output for people and scripts: sizes, tables, JSON, progress bars.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

/// A size in bytes for people: `512 B`, `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// A progress bar on standard error for work of `total` bytes, hidden when standard error is
/// not a terminal or the work is small.
pub fn bytes_bar(total: u64, message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() || total < 32 << 20 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(message);
    bar
}

/// Write a line to standard output; a closed pipe is not an error worth a panic.
pub fn line(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    writeln!(out, "{text}")
}

/// Write a JSON value to standard output, pretty-printed.
pub fn json(out: &mut impl Write, v: &serde_json::Value) -> std::io::Result<()> {
    let s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    writeln!(out, "{s}")
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 << 30), "5.0 GiB");
    }
}
