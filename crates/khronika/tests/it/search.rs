//! `khronika search` end to end: names across scripts in the sample, highlighted passages and
//! counts, evidence text (plain text, HTML, PDF) with notes for files that cannot be read,
//! filters, refusals of malformed requests, and `reindex` rebuilding the search indexes.

use crate::util::Env;

fn ids(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

/// A one-page PDF whose text layer says `text`.
fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 712 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

#[test]
fn the_sample_is_searched_across_scripts_with_passages_and_counts() {
    let env = Env::new();
    env.init();
    env.k(&["sample"]).run().ok();
    let cyr = env.k(&["--json", "search", "Эльмурзаев"]).run().ok().json();
    let found = ids(&cyr);
    assert!(found.len() >= 3, "{cyr}");
    for q in ["Elmurzayev", "Elmurzaev", "Elmurzajew", "эльмурзаева"] {
        let j = env.k(&["--json", "search", q]).run().ok().json();
        assert_eq!(ids(&j), found, "{q}");
    }
    let h = &cyr["hits"][0];
    assert!(h["label"].is_string() && h["compartment"].is_string() && h["type"].is_string());
    assert!(cyr["facets"]["types"].is_object(), "{cyr}");
    assert_eq!(cyr["total"].as_u64().unwrap() as usize, found.len());
    // Text: id, type, title and compartment; the passage with the match marked; a summary.
    let out = env
        .k(&["search", "пытки", "--limit", "3"])
        .run()
        .ok()
        .stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains("[chechnya") || lines[0].contains('['),
        "{out}"
    );
    assert!(out.contains("[пыт") || out.contains("[Пыт"), "{out}");
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("3 of ") && last.contains("by type: "),
        "{out}"
    );
    // Filters.
    let ev = env
        .k(&["--json", "search", "пытки", "--type", "event"])
        .run()
        .ok()
        .json();
    assert!(
        ev["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["type"] == "event"),
        "{ev}"
    );
    assert!(!ids(&ev).is_empty());
    let none = env
        .k(&[
            "--json",
            "search",
            "пытки",
            "--type",
            "event",
            "--from",
            "1990",
            "--to",
            "1990-06",
        ])
        .run()
        .ok()
        .json();
    assert_eq!(none["total"], 0, "{none}");
    // Reindex rebuilds the search indexes too, and the answers are the same.
    let r = env.k(&["--json", "reindex"]).run().ok().json();
    let sum = |f: &dyn Fn(&serde_json::Value) -> u64| -> u64 {
        r.as_array().unwrap().iter().map(f).sum()
    };
    let documents = sum(&|c| c["search"]["documents"].as_u64().unwrap());
    assert_eq!(documents, sum(&|c| c["records"].as_u64().unwrap()), "{r}");
    assert!(documents > 300, "{r}");
    let again = env.k(&["--json", "search", "Elmurzayev"]).run().ok().json();
    assert_eq!(ids(&again), found);
}

#[test]
fn evidence_text_is_searched_and_unreadable_files_get_a_note() {
    let env = Env::new();
    env.init();
    let files = [
        env.input(
            "statement.txt",
            "Заявитель сообщил, что его избивали в отделе полиции.".as_bytes(),
        ),
        env.input(
            "post.html",
            b"<html><body><nav>Mainmenu</nav><p>Police raided the office of the newspaper.</p>\
              <footer>Allrights</footer><script>trackVisitor()</script></body></html>",
        ),
        env.input("scan.pdf", &pdf("Protocol of the search of the apartment")),
        env.input("damaged.pdf", b"%PDF-1.5\nthis is no PDF at all"),
    ];
    let ids_added = env.add(&files);
    let out = env.k(&["--json", "search", "избивать"]).run().ok();
    assert_eq!(ids(&out.json()), vec![ids_added[0].clone()]);
    // The note names the damaged file and says why; indexing went on.
    assert!(
        out.stderr.contains("damaged.pdf") && out.stderr.contains("not a PDF that can be read"),
        "{out:?}"
    );
    for (q, want) in [
        ("\"raided the office\"", &ids_added[1]),
        ("\"search of the apartment\"", &ids_added[2]),
        ("damaged", &ids_added[3]),
    ] {
        let j = env.k(&["--json", "search", q]).run().ok().json();
        assert_eq!(ids(&j), vec![want.clone()], "{q}");
        assert_eq!(j["hits"][0]["type"], "evidence");
    }
    for furniture in ["Mainmenu", "Allrights", "trackVisitor"] {
        let j = env.k(&["--json", "search", furniture]).run().ok().json();
        assert_eq!(j["total"], 0, "{furniture}: {j}");
    }
    let j = env
        .k(&["--json", "search", "--type", "evidence"])
        .run()
        .ok()
        .json();
    assert_eq!(j["total"], 4, "{j}");
    // Up to date: a second search indexes nothing and says nothing.
    let second = env.k(&["search", "police"]).run().ok();
    assert!(second.stderr.is_empty(), "{second:?}");
    assert!(second.stdout().contains(&ids_added[1]), "{second:?}");
}

#[test]
fn malformed_searches_are_refused_in_one_line() {
    let env = Env::new();
    env.init();
    env.k(&["search", ""]).run().refused(2, &["give words"]);
    env.k(&["search", "x", "--from", "2019-13"])
        .run()
        .refused(2, &["--from", "not a date"]);
    env.k(&["search", "x", "--from", "2020", "--to", "2019"])
        .run()
        .refused(2, &["--from", "after"]);
    env.k(&["search", "x", "--type", "elephant"])
        .run()
        .refused(2, &["--type", "elephant"]);
    env.k(&["search", "x", "--limit", "0"])
        .run()
        .refused(2, &["--limit"]);
    env.k(&["search", "x", "--case", "C-ZZZZ"])
        .run()
        .refused(2, &["not a record id"]);
    let j = env.k(&["--json", "search", "x", "--from", "nope"]).run();
    assert_eq!(j.code, 2);
    assert!(
        j.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--from")
    );
}
