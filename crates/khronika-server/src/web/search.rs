//! The search page: words in any script and word form, filters, facets, highlighted passages.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use khronika_app::search::{SearchRequest, Snippet};

use super::Web;
use super::guard::Authed;
use super::pages::{Chrome, Shown, render, shown};

/// One hit, for display.
pub struct Hit {
    /// Where it is shown.
    pub href: String,
    /// Its type.
    pub kind: String,
    /// What to call it.
    pub label: String,
    /// Its compartment.
    pub compartment: String,
    /// Passages: parts of text, each marked when it matched.
    pub snippets: Vec<Vec<(String, bool)>>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    kind: String,
    act: String,
    from: String,
    to: String,
    place: String,
    fuzzy: bool,
    kinds: Vec<&'static str>,
    searched: bool,
    total: String,
    hits: Vec<Hit>,
    types: Vec<(String, String, String)>,
    acts: Vec<(String, String, String)>,
    compartments: usize,
}

/// The parts of a passage, each marked when it matched (escaped by the template).
pub fn parts(s: &Snippet) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    for h in &s.highlights {
        if h.start < at
            || h.end > s.text.len()
            || !s.text.is_char_boundary(h.start)
            || !s.text.is_char_boundary(h.end)
        {
            continue;
        }
        if h.start > at {
            out.push((s.text[at..h.start].to_owned(), false));
        }
        out.push((s.text[h.clone()].to_owned(), true));
        at = h.end;
    }
    if at < s.text.len() {
        out.push((s.text[at..].to_owned(), false));
    }
    out
}

/// The label of an act type (`list/code`) in `lang`.
pub fn act_label(key: &str, lang: &str) -> Option<String> {
    let (list, code) = key.rsplit_once('/')?;
    let vocab = khronika_domain::vocab::Vocabulary::builtin().ok()?;
    Some(vocab.lookup(list, code)?.label(lang).to_owned())
}

fn href(kind: &str, id: &str) -> String {
    match kind {
        "evidence" => format!("/evidence/{id}"),
        "case" => format!("/cases/{id}"),
        _ => format!("/records/{id}"),
    }
}

/// `/search?q=…&type=…&act=…&from=…&to=…&place=…&fuzzy=1`
pub async fn search(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, Shown> {
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (q, kind, act, from, to, place) = (
        get("q"),
        get("type"),
        get("act"),
        get("from"),
        get("to"),
        get("place"),
    );
    let fuzzy = get("fuzzy") == "1";
    let back = "/search".to_owned();
    let c = Chrome::for_session(&headers, &s, &back);
    let t = c.t;
    let searched = params.iter().any(|(_, v)| !v.trim().is_empty());
    let mut page = SearchPage {
        c,
        q: q.clone(),
        kind: kind.clone(),
        act: act.clone(),
        from: from.clone(),
        to: to.clone(),
        place: place.clone(),
        fuzzy,
        kinds: vec![
            "case",
            "event",
            "person",
            "unit",
            "source",
            "testimony",
            "intervention",
            "link",
            "evidence",
        ],
        searched,
        total: String::new(),
        hits: Vec::new(),
        types: Vec::new(),
        acts: Vec::new(),
        compartments: 0,
    };
    if !searched {
        return Ok(render(&page));
    }
    let request = SearchRequest {
        text: q.clone(),
        types: vec![kind.clone()],
        acts: vec![act.clone()],
        from: Some(from.clone()),
        to: Some(to.clone()),
        place: Some(place.clone()),
        case: None,
        fuzzy,
        limit: 50,
    };
    let outcome = web
        .read(&s, move |v| {
            let query = v.search_query(&request)?;
            v.search(&query)
        })
        .await
        .map_err(shown(&headers))?;
    page.total = t.number(outcome.total as u64);
    page.compartments = outcome.compartments.len();
    page.hits = outcome
        .hits
        .iter()
        .map(|h| Hit {
            href: href(&h.kind, &h.id),
            kind: h.kind.clone(),
            label: h.label.clone(),
            compartment: h.compartment.clone(),
            snippets: h.snippets.iter().map(parts).collect(),
        })
        .collect();
    // Facet links keep the other filters and set one.
    let link = |key: &str, value: &str| {
        let mut p: Vec<(String, String)> =
            params.iter().filter(|(k, _)| k != key).cloned().collect();
        p.push((key.to_owned(), value.to_owned()));
        format!(
            "/search?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    if let Some(f) = &outcome.facets {
        page.types = f
            .types
            .iter()
            .map(|(k, n)| (k.clone(), t.number(*n), link("type", k)))
            .collect();
        let mut acts: Vec<(&String, &u64)> = f.acts.iter().collect();
        acts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        page.acts = acts
            .into_iter()
            .take(12)
            .map(|(k, n)| {
                let code = k.rsplit('/').next().unwrap_or(k).to_owned();
                (
                    act_label(k, t.lang.code()).unwrap_or_else(|| code.clone()),
                    t.number(*n),
                    link("act", &code),
                )
            })
            .collect();
    }
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_are_split_at_the_matches() {
        let s = Snippet {
            text: "пытали в Грозном <b>".into(),
            highlights: vec![0..12, 16..30],
        };
        assert_eq!(
            parts(&s),
            vec![
                ("пытали".to_owned(), true),
                (" в ".to_owned(), false),
                ("Грозном".to_owned(), true),
                (" <b>".to_owned(), false)
            ]
        );
    }
}
