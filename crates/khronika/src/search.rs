//! `khronika search`: parse the query and filters, call the app layer's search (which
//! searches only the compartments the member holds keys for), print hits with their marked
//! passages, or JSON.

use std::io::Write;

use clap::Args;
use khronika_app::search::{Filters, SearchOutcome, SearchQuery, SearchReport};
use khronika_app::vault::UnlockedVault;
use khronika_app::{AppError, ErrorCode};
use khronika_domain::{Date, RecordKind};
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

fn usage(msg: String) -> CliError {
    CliError::App(AppError::new(ErrorCode::Usage, msg))
}

/// A date given as a bound: a year or month stands for its first day (`from`) or its last
/// (`to`).
fn bound(text: &str, flag: &str, last: bool) -> Result<Date, CliError> {
    let bad = || {
        usage(format!(
            "--{flag} `{text}` is not a date: give it as 2019, 2019-02 or 2019-02-15"
        ))
    };
    let t = text.trim();
    let d = khronika_domain::FuzzyPoint::from(
        khronika_domain::PartialDate::parse(t).map_err(|_| bad())?,
    );
    Ok(if last { d.latest() } else { d.earliest() })
}

fn query(a: &SearchArgs, v: &mut UnlockedVault) -> Result<SearchQuery, CliError> {
    let mut filters = Filters::default();
    for k in &a.kinds {
        let k = k.trim().to_ascii_lowercase();
        let singular = k.strip_suffix('s').unwrap_or(&k);
        if k == "evidence" || singular == "file" {
            filters.evidence = true;
        } else if let Some(kind) = RecordKind::parse(&k).or_else(|| RecordKind::parse(singular)) {
            filters.kinds.push(kind);
        } else {
            return Err(usage(format!(
                "--type `{k}` is not a type: give case, event, person, unit, source, testimony, intervention, link or evidence"
            )));
        }
    }
    for act in &a.act {
        let act = act.trim();
        if act.is_empty() || act.contains(char::is_whitespace) {
            return Err(usage(format!(
                "--act `{act}` is not an act type: give its code, e.g. 03010400000004, or list/code"
            )));
        }
        filters.acts.push(act.to_owned());
    }
    filters.from = a
        .from
        .as_deref()
        .map(|t| bound(t, "from", false))
        .transpose()?;
    filters.to = a.to.as_deref().map(|t| bound(t, "to", true)).transpose()?;
    if let (Some(f), Some(t)) = (filters.from, filters.to)
        && f > t
    {
        return Err(usage(format!(
            "--from {f} is after --to {t}; give the earlier date with --from"
        )));
    }
    filters.place = a.place.clone().filter(|p| !p.trim().is_empty());
    if let Some(c) = &a.case {
        let id = v.find_record(c)?;
        if id.kind() != RecordKind::Case {
            return Err(usage(format!("--case {id} is not a case")));
        }
        filters.case = Some(id);
    }
    if a.limit == 0 || a.limit > 10_000 {
        return Err(usage("--limit must be between 1 and 10000".into()));
    }
    Ok(SearchQuery {
        text: a.query.clone(),
        fuzzy: a.fuzzy,
        filters,
        limit: a.limit,
        facets: true,
    })
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
