//! Evidence over the web: upload and download byte-exact, custody, and a hostile-upload corpus.

use std::time::Duration;

use axum::http::StatusCode;

use super::*;

fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn sha256_hex(b: &[u8]) -> String {
    khronika_crypto::hash::to_hex(&khronika_crypto::hash::sha256(b))
}

/// Every file under `dir`, relative, excluding the vault folder.
fn outside_vault(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "vault" {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

#[tokio::test]
async fn an_upload_comes_back_byte_exact_with_its_custody() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let video = random_bytes(3 * 1024 * 1024 + 17, 1);
    let action = b.upload_action(&s).await;
    let r = b
        .send_files(&s, &action, &[("interview.mp4", "video/mp4", &video)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let item = r.location().to_owned();
    assert!(item.starts_with("/evidence/"));
    let page = b.get(&s, &item).await;
    assert!(page.body.contains(&sha256_hex(&video)), "{}", page.body);
    assert!(page.body.contains("id=\"custody\""));
    let d = b.get(&s, &format!("{item}/download")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.bytes, video, "the download is byte-exact");
    assert_eq!(d.headers["content-type"], "application/octet-stream");
    assert!(
        d.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"interview.mp4\"")
    );
    assert_eq!(d.headers["x-content-type-options"], "nosniff");
    assert!(b.get(&s, "/evidence").await.body.contains("interview.mp4"));
    // Several files in one form.
    let action = b.upload_action(&s).await;
    let r = b
        .send_files(
            &s,
            &action,
            &[
                ("a.txt", "text/plain", b"first"),
                ("b.txt", "text/plain", b"second"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/evidence")
    );
    let list = b.get(&s, "/evidence").await;
    assert!(list.body.contains("a.txt") && list.body.contains("b.txt"));
    assert_eq!(
        b.get(&s, "/evidence/E-NOSUCHITEM/download").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hostile_uploads_are_refused_or_neutralised_and_nothing_lands_outside_the_vault() {
    let s = server_config(Duration::from_secs(1800), 1 << 20);
    let (mut b, _) = set_up(&s).await;
    let dir = s._dir.path().to_path_buf();
    // A zip bomb: 42 KiB of zip that would unpack to gigabytes. Stored as it is.
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend(std::iter::repeat_n(0u8, 42 * 1024));
    // A GIF that is also a script.
    let polyglot = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.domain)//".to_vec();
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let neutralised: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "../../../etc/passwd",
            "text/plain",
            b"root:x:0:0".to_vec(),
            "passwd",
        ),
        (
            "..\\..\\boot.ini",
            "application/octet-stream",
            b"[boot]".to_vec(),
            "boot.ini",
        ),
        (
            "evil\u{202e}gpj.exe",
            "application/octet-stream",
            b"MZ\x90\x00".to_vec(),
            "evilgpj.exe",
        ),
        ("bomb.zip", "application/zip", zip.clone(), "bomb.zip"),
        ("cat.gif", "image/gif", polyglot.clone(), "cat.gif"),
        ("page.html", "text/html", html.clone(), "page.html"),
        (
            "/",
            "application/octet-stream",
            b"no name".to_vec(),
            "upload",
        ),
    ];
    for (name, declared, bytes, shown) in &neutralised {
        let action = b.upload_action(&s).await;
        let r = b.send_files(&s, &action, &[(name, declared, bytes)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name:?}: {}", r.body);
        let item = r.location().to_owned();
        let d = b.get(&s, &format!("{item}/download")).await;
        assert_eq!(
            &d.bytes, bytes,
            "{name:?} stored as it was (never unpacked)"
        );
        assert_eq!(
            d.headers["content-type"], "application/octet-stream",
            "never served as itself"
        );
        let disposition = d.headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            !disposition.contains('/')
                && !disposition.contains('\\')
                && !disposition.contains(".."),
            "{disposition}"
        );
        let page = b.get(&s, &item).await;
        assert!(
            page.body.contains(&format!("<h1>{shown}</h1>")),
            "{name:?} shows as {shown}: {}",
            page.body
        );
    }
    let stored = b
        .get(&s, "/evidence")
        .await
        .body
        .matches("href=\"/evidence/E")
        .count();
    // Refused: a declared type the content contradicts, over the size limit (streamed, and
    // announced by Content-Length), a broken multipart body, no file at all.
    let pdf_as_jpeg = b"%PDF-1.7\n1 0 obj\n".to_vec();
    let big = random_bytes((1 << 20) + 1, 2);
    for (files, status) in [
        (
            vec![("photo.jpg", "image/jpeg", pdf_as_jpeg.as_slice())],
            StatusCode::BAD_REQUEST,
        ),
        (
            vec![("big.bin", "application/octet-stream", big.as_slice())],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        let action = b.upload_action(&s).await;
        let r = b.send_files(&s, &action, &files).await;
        assert_eq!(r.status, status, "{}", r.body);
    }
    let action = b.upload_action(&s).await;
    let r = b
        .send_raw(
            &s,
            &action,
            "multipart/form-data; boundary=x",
            b"--x\r\nnonsense".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = b.send_files(&s, &action, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // Without the session's token in the action: refused.
    let r = b
        .send_files(&s, "/evidence/new", &[("x.txt", "text/plain", b"x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        b.get(&s, "/evidence")
            .await
            .body
            .matches("href=\"/evidence/E")
            .count(),
        stored,
        "nothing refused was stored"
    );
    assert!(
        outside_vault(&dir).is_empty(),
        "files outside the vault: {:?}",
        outside_vault(&dir)
    );
    // The whole vault still verifies.
    let report = s.web.locked().unwrap().verify(&mut |_| {});
    assert!(report.is_ok(), "{:?}", report.problems);
}
