//! `khronika search`: parse the query and filters, call the app layer's search (which
//! searches only the compartments the member holds keys for), print hits with their marked
//! passages, or JSON.

use std::io::Write;

use clap::Args;
use khronika_app::search::{SearchOutcome, SearchQuery, SearchReport, SearchRequest};
use khronika_app::vault::UnlockedVault;
use serde_json::json;

use crate::cli::{CliError, stdout_err};
use crate::output;

pub(crate) const SEARCH_HELP: &str = "\
How words match:
  Every word must match, in any of its forms and in either script: пытки finds пыток and
  пытали; Кадыров, Kadyrov, Kadyrow and Qadirov find each other; ё and е are the same.
  \"Quoted words\" (or «in guillemets») must appear together, in that order.
  With --fuzzy, names one or two letters off match too (Kadirof).

What is searched:
  Every record you can read (cases, events with their acts, persons, units, sources,
  testimonies, interventions, links), and evidence files: their names, and the text of
  plain-text, HTML (without menus, headers, footers and scripts) and PDF files of up to 20 MiB
  (scanned PDFs have no text to search). Records of compartments you hold no key for are never
  searched. The encrypted search indexes are brought up to date first, which takes a while the
  first time.

Examples:
  khronika search Kadyrov
  khronika search \"ban on torture\" --type testimony --from 2019-01 --to 2019-12
  khronika search пытки --act 03010400000004 --place Грозный --json";

/// `khronika search QUERY [filters]`
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Words to find (all must match); \"quoted words\" must appear together. May be empty
    /// when a filter is given
    #[arg(value_name = "QUERY", default_value = "")]
    query: String,
    /// Only this type of record: case, event, person, unit, source, testimony,
    /// intervention, link, or evidence (files); may be given several times
    #[arg(long = "type", value_name = "TYPE")]
    kinds: Vec<String>,
    /// Only events with this act type: its HURIDOCS code (03010400000004) or list/code
    #[arg(long, value_name = "ACT")]
    act: Vec<String>,
    /// Only records whose dates may fall on or after this day (2019, 2019-02 or 2019-02-15)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Only records whose dates may fall on or before this day (2019, 2019-02 or 2019-02-15)
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Only records with this place (any script: Grozny finds Грозный)
    #[arg(long, value_name = "PLACE")]
    place: Option<String>,
    /// Only records gathered in this case (its id, or its first characters)
    #[arg(long, value_name = "ID")]
    case: Option<String>,
    /// Also match names and words one or two letters off
    #[arg(long)]
    fuzzy: bool,
    /// Most results to show
    #[arg(long, value_name = "N", default_value_t = 20)]
    limit: usize,
    /// Delete and rebuild the search indexes from the vault first
    #[arg(long)]
    rebuild: bool,
    /// Also search the source-identities register, saying why (the opening is logged)
    #[arg(long, value_name = "REASON")]
    open_sources: Option<String>,
}

/// The query, checked by the app (a year or month given as a bound stands for its first day
/// with `--from`, its last with `--to`).
fn query(a: &SearchArgs, v: &mut UnlockedVault) -> Result<SearchQuery, CliError> {
    let request = SearchRequest {
        text: a.query.clone(),
        types: a.kinds.clone(),
        acts: a.act.clone(),
        from: a.from.clone(),
        to: a.to.clone(),
        place: a.place.clone(),
        case: a.case.clone(),
        fuzzy: a.fuzzy,
        limit: a.limit,
    };
    Ok(v.search_query(&request)?)
}

/// Run `khronika search`.
pub(crate) fn search(
    a: &SearchArgs,
    v: &mut UnlockedVault,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if let Some(r) = &a.open_sources {
        let n = v.open_source_register(r)?;
        eprintln!("khronika: opened the source register ({n} revisions); this opening is logged");
    }
    let q = query(a, v)?;
    if a.rebuild {
        let reports = v.rebuild_search()?;
        notes(&reports);
    }
    let r = v.search(&q)?;
    notes(&r.updated);
    if json {
        return output::json(out, &json!(r)).map_err(stdout_err);
    }
    print(&r, out).map_err(stdout_err)
}

/// Tell on standard error what catching up did, and each file whose text was left out.
pub(crate) fn notes(reports: &[SearchReport]) {
    for r in reports {
        if r.records + r.evidence > 0 {
            eprintln!(
                "khronika: search index of `{}`: {} record(s) and {} evidence file(s) indexed",
                r.compartment, r.records, r.evidence
            );
        }
    }
    notes_only(reports);
}

/// Tell on standard error each evidence file whose text was left out, and why.
pub(crate) fn notes_only(reports: &[SearchReport]) {
    for r in reports {
        for n in &r.notes {
            eprintln!("khronika: note: evidence {n}");
        }
    }
}

fn print(r: &SearchOutcome, out: &mut impl Write) -> std::io::Result<()> {
    if r.hits.is_empty() {
        return output::line(
            out,
            &format!(
                "nothing found in {} compartment(s) you can read",
                r.compartments.len()
            ),
        );
    }
    for h in &r.hits {
        output::line(
            out,
            &format!("{}  {:<12}  {}  [{}]", h.id, h.kind, h.label, h.compartment),
        )?;
        for s in &h.snippets {
            let text = s.marked("[", "]").replace('\n', " ");
            output::line(out, &format!("    {text}"))?;
        }
    }
    let mut summary = format!("{} of {} match(es) shown", r.hits.len(), r.total);
    if let Some(f) = &r.facets {
        let types: Vec<String> = f.types.iter().map(|(k, n)| format!("{k} {n}")).collect();
        if !types.is_empty() {
            summary.push_str(&format!("; by type: {}", types.join(", ")));
        }
        let mut acts: Vec<(&String, &u64)> = f.acts.iter().collect();
        acts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        if !acts.is_empty() {
            let top: Vec<String> = acts
                .iter()
                .take(5)
                .map(|(k, n)| format!("{} {n}", k.rsplit('/').next().unwrap_or(k)))
                .collect();
            summary.push_str(&format!("; by act type: {}", top.join(", ")));
        }
    }
    output::line(out, &summary)
}
