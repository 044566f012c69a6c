//! Media types recognised from a file's first bytes, with the file name as a tie-breaker.
//!
//! Content decides; the extension only refines what the content cannot tell apart (a ZIP
//! container that is a Word document, a text file that is CSV). Unknown binary content is
//! `application/octet-stream`; it is stored all the same.

/// How many leading bytes [`sniff`] looks at.
pub const SNIFF_LEN: usize = 4096;

/// The media type of a file whose first bytes are `head` and whose name is `name`.
pub fn sniff(head: &[u8], name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let starts = |m: &[u8]| head.starts_with(m);
    let at = |off: usize, m: &[u8]| head.get(off..off + m.len()) == Some(m);
    if starts(b"\xFF\xD8\xFF") {
        return "image/jpeg";
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return "image/png";
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return "image/gif";
    }
    if starts(b"RIFF") && at(8, b"WEBP") {
        return "image/webp";
    }
    if starts(b"RIFF") && at(8, b"WAVE") {
        return "audio/wav";
    }
    if starts(b"RIFF") && at(8, b"AVI ") {
        return "video/x-msvideo";
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return "image/tiff";
    }
    if at(4, b"ftyp") {
        let brand = head.get(8..12).unwrap_or_default();
        return match brand {
            b"heic" | b"heix" | b"mif1" | b"msf1" => "image/heic",
            b"qt  " => "video/quicktime",
            b"M4A " => "audio/mp4",
            _ => "video/mp4",
        };
    }
    if starts(b"\x1A\x45\xDF\xA3") {
        return if ext == "webm" {
            "video/webm"
        } else {
            "video/x-matroska"
        };
    }
    if starts(b"ID3") || starts(b"\xFF\xFB") || starts(b"\xFF\xF3") || starts(b"\xFF\xF2") {
        return "audio/mpeg";
    }
    if starts(b"OggS") {
        return "audio/ogg";
    }
    if starts(b"fLaC") {
        return "audio/flac";
    }
    if starts(b"%PDF-") {
        return "application/pdf";
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "odt" => "application/vnd.oasis.opendocument.text",
            "ods" => "application/vnd.oasis.opendocument.spreadsheet",
            _ => "application/zip",
        };
    }
    if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return match ext.as_str() {
            "xls" => "application/vnd.ms-excel",
            "ppt" => "application/vnd.ms-powerpoint",
            _ => "application/msword",
        };
    }
    if starts(b"{\\rtf") {
        return "application/rtf";
    }
    if starts(b"\x1F\x8B") {
        return "application/gzip";
    }
    if starts(b"7z\xBC\xAF\x27\x1C") {
        return "application/x-7z-compressed";
    }
    if looks_like_text(head) {
        let lower: Vec<u8> = head.iter().take(512).map(u8::to_ascii_lowercase).collect();
        let trimmed = lower.trim_ascii_start();
        if trimmed.starts_with(b"<!doctype html") || trimmed.starts_with(b"<html") {
            return "text/html";
        }
        return match ext.as_str() {
            "csv" => "text/csv",
            "md" | "markdown" => "text/markdown",
            "json" => "application/json",
            "xml" => "application/xml",
            "eml" => "message/rfc822",
            "html" | "htm" => "text/html",
            _ => "text/plain",
        };
    }
    "application/octet-stream"
}

/// True if `head` is UTF-8 (allowing a sequence cut at the end) without control bytes other
/// than tab, newline, carriage return and form feed.
fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(_) => head.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => return false,
    };
    !head.is_empty()
        && head[..valid]
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn check() {
        let cases: &[(&[u8], &str, &str)] = &[
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", "x.bin", "image/jpeg"),
            (b"\x89PNG\r\n\x1a\n....", "photo.jpg", "image/png"),
            (b"\0\0\0\x18ftypmp42\0\0", "clip", "video/mp4"),
            (b"\0\0\0\x18ftypqt  \0\0", "clip.mov", "video/quicktime"),
            (b"\0\0\0\x18ftypheic\0\0", "IMG_1.HEIC", "image/heic"),
            (b"%PDF-1.7\n", "scan.pdf", "application/pdf"),
            (
                b"PK\x03\x04rest",
                "complaint.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (b"PK\x03\x04rest", "archive.zip", "application/zip"),
            (
                "Свидетельство: задержан 12 марта".as_bytes(),
                "показания.txt",
                "text/plain",
            ),
            (b"a,b\n1,2\n", "t.CSV", "text/csv"),
            (b"  <!DOCTYPE html><html>", "page", "text/html"),
            (b"\0\x01\x02binary", "x.txt", "application/octet-stream"),
            (b"", "empty.txt", "application/octet-stream"),
            (&[0xD0, 0x9F, 0xD1], "cut.txt", "text/plain"),
        ];
        for (head, name, want) in cases {
            assert_eq!(sniff(head, name), *want, "{name}");
        }
    }
}
