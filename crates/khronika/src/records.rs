//! The record commands: the sample dataset, list, show, history, create, edit, link, import,
//! export; members and compartments. Each parses, calls the app layer, and prints.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use khronika_app::members::Role;
use khronika_app::records::new_record_id;
use khronika_app::vault::UnlockedVault;
use khronika_app::{AppError, ErrorCode};
use khronika_crypto::kdf::Argon2Params;
use khronika_domain::archive::Archive;
use khronika_domain::{Link, LinkKind, Record, RecordKind, RecordSet};
use serde_json::{Value, json};

use crate::cli::{CliError, stdout_err};
use crate::output;
use crate::secrets;

/// Record, member and compartment commands (flattened into the main command list).
#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Load the sample dataset (invented cases in English and Russian) into the vault
    Sample {
        /// Open the source-identities register first, saying why (needed if the vault already
        /// has one; the opening is logged)
        #[arg(long, value_name = "REASON")]
        open_sources: Option<String>,
    },
    /// List records: cases, events, persons, units, sources, testimonies, interventions, links
    List {
        /// The kind of record [default: all]
        #[arg(value_name = "TYPE")]
        kind: Option<String>,
        /// Also open the source-identities register, saying why (the opening is logged)
        #[arg(long, value_name = "REASON")]
        open_sources: Option<String>,
    },
    /// Show one record: its current fields, conflicts, and for a case what it gathers
    Show {
        /// The record id (or its first characters, e.g. C-3M2Q7ZK0)
        id: String,
        /// Also open the source-identities register, saying why (the opening is logged)
        #[arg(long, value_name = "REASON")]
        open_sources: Option<String>,
    },
    /// Show every change of a record's fields: who, when, what
    History {
        /// The record id
        id: String,
        /// Only this field
        #[arg(long)]
        field: Option<String>,
        /// Also open the source-identities register, saying why (the opening is logged)
        #[arg(long, value_name = "REASON")]
        open_sources: Option<String>,
    },
    /// Create a record from a JSON or TOML file, or in your $EDITOR from a template
    Create {
        /// The kind of record: case, event, person, unit, source, testimony, intervention, link
        #[arg(value_name = "TYPE")]
        kind: String,
        /// The file with the record (JSON, or TOML if it ends in .toml); `-` reads standard input
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The compartment to store it in [default: the default compartment]
        #[arg(long, value_name = "NAME")]
        compartment: Option<String>,
    },
    /// Edit a record: from a file with the whole new record, or in your $EDITOR
    Edit {
        /// The record id
        id: String,
        /// The file with the whole record as it should now be (JSON or TOML)
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Settle the conflict in this field with the value you saved (may be given several
        /// times); conflicts you do not name stay for a person to decide
        #[arg(long, value_name = "FIELD")]
        resolve: Vec<String>,
    },
    /// Link two records, e.g. `khronika link T-… supports V-…`
    Link {
        /// The record the link starts from
        from: String,
        /// supports, contradicts, part_of, follows, same_person_as, related_to
        kind: String,
        /// The record it points to
        to: String,
        /// Why, or how
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Import records from JSON (an export, or a set of records) or CSV (one record type)
    Import {
        /// The file to import
        file: PathBuf,
        /// `json` or `csv` [default: from the file name]
        #[arg(long)]
        format: Option<String>,
        /// For CSV: the kind of records in the file
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// For CSV and plain record sets: the compartment [default: the default compartment]
        #[arg(long, value_name = "NAME")]
        compartment: Option<String>,
        /// For CSV: import the valid rows and list the invalid ones, instead of importing nothing
        #[arg(long)]
        skip_invalid: bool,
        /// Open the source-identities register first, saying why (needed when the import
        /// writes to it; the opening is logged)
        #[arg(long, value_name = "REASON")]
        open_sources: Option<String>,
    },
    /// Export the records you can read, as JSON (everything) or CSV (one record type)
    Export {
        /// `json` or `csv`
        #[arg(long, default_value = "json")]
        format: String,
        /// For CSV: which kind of records
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Write to this new file instead of standard output (never overwrites)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also export the source-identities register, saying why (the opening is logged)
        #[arg(long, value_name = "REASON")]
        open_sources: Option<String>,
    },
    /// Rebuild the encrypted local indexes (records and search) from the signed logs
    Reindex,
    /// Members of the organisation: list, add, remove
    #[command(subcommand)]
    Member(MemberCommand),
    /// Compartments: list, create, grant and withdraw access
    #[command(subcommand)]
    Compartment(CompartmentCommand),
}

/// Member commands.
#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// List the members and their roles
    Ls,
    /// Add a member (administrators); they unlock on this device with `--member ID`
    Add {
        /// Their name or handle
        name: String,
        /// viewer, documenter, coordinator or administrator
        #[arg(long)]
        role: String,
        /// Read the new member's passphrase from this file (else KHRONIKA_NEW_PASSPHRASE, else asked)
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Remove a member: every compartment they held gets a new key
    Remove {
        /// The member (id or its first characters, or name)
        member: String,
    },
}

/// Compartment commands.
#[derive(Debug, Subcommand)]
pub enum CompartmentCommand {
    /// List the compartments and who holds them
    Ls,
    /// Create a compartment (coordinators and administrators)
    Create {
        /// Its name: lowercase letters, digits and dashes
        name: String,
        /// Make it the source-identities register (every opening is logged)
        #[arg(long)]
        source_identities: bool,
    },
    /// Let a member read and write a compartment
    Grant {
        /// The compartment
        compartment: String,
        /// The member (id or its first characters, or name)
        member: String,
    },
    /// Take a member's access away: the compartment gets a new key
    Withdraw {
        /// The compartment
        compartment: String,
        /// The member
        member: String,
    },
}

fn usage(msg: impl Into<String>) -> CliError {
    CliError::App(AppError::new(ErrorCode::Usage, msg))
}

/// Parse a record kind, singular or plural.
fn parse_kind(s: &str) -> Result<RecordKind, CliError> {
    let t = s.trim().to_ascii_lowercase();
    let singular = match t.as_str() {
        "cases" => "case",
        "events" => "event",
        "persons" | "people" => "person",
        "units" => "unit",
        "sources" => "source",
        "testimonies" => "testimony",
        "interventions" => "intervention",
        "links" => "link",
        other => other,
    };
    match RecordKind::parse(singular) {
        Some(RecordKind::Act) | None => Err(usage(format!(
            "`{s}` is not a kind of record: use cases, events, persons, units, sources, testimonies, interventions or links"
        ))),
        Some(k) => Ok(k),
    }
}

fn open_sources(v: &mut UnlockedVault, reason: Option<&str>) -> Result<(), CliError> {
    if let Some(r) = reason {
        let n = v.open_source_register(r)?;
        eprintln!("khronika: opened the source register ({n} revisions); this opening is logged");
    }
    Ok(())
}

/// Run a record command on an unlocked vault, then bring the local index up to date with
/// whatever it changed (the index is kept while a member who holds it is unlocked).
pub fn run(
    cmd: RecordCommand,
    v: &mut UnlockedVault,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if matches!(cmd, RecordCommand::Reindex) {
        return reindex(v, json, out);
    }
    run_one(cmd, v, json, out)?;
    v.update_indexes()?;
    Ok(())
}

fn reindex(v: &mut UnlockedVault, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    let reports = v.reindex()?;
    let search = v.rebuild_search()?;
    crate::search::notes_only(&search);
    if json {
        let mut items = json!(reports);
        if let Some(list) = items.as_array_mut() {
            for item in list {
                let name = item["compartment"].as_str().unwrap_or_default().to_owned();
                if let Some(s) = search.iter().find(|s| s.compartment == name) {
                    item["search"] = json!(s);
                }
            }
        }
        return output::json(out, &items).map_err(stdout_err);
    }
    for r in &search {
        output::line(
            out,
            &format!(
                "{:<24}  search: {} document(s), {} evidence file(s), {} with text",
                r.compartment, r.documents, r.evidence, r.evidence_text
            ),
        )
        .map_err(stdout_err)?;
    }
    for r in reports {
        output::line(
            out,
            &format!(
                "{:<24}  {} record(s) from {} revision(s){}",
                r.compartment,
                r.records,
                r.applied,
                if r.refused > 0 {
                    format!(", {} refused (see `khronika verify`)", r.refused)
                } else {
                    String::new()
                }
            ),
        )
        .map_err(stdout_err)?;
    }
    Ok(())
}

fn run_one(
    cmd: RecordCommand,
    v: &mut UnlockedVault,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match cmd {
        RecordCommand::Reindex => reindex(v, json, out),
        RecordCommand::Sample { open_sources: os } => {
            open_sources(v, os.as_deref())?;
            let archive = khronika_domain::sample::sample()
                .map_err(|e| AppError::internal(format!("the built-in sample is broken: {e}")))?;
            let r = v.import_archive(&archive)?;
            print_import(&r, json, out)
        }
        RecordCommand::List {
            kind,
            open_sources: os,
        } => {
            open_sources(v, os.as_deref())?;
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let items = v.list_records(kind)?;
            if json {
                return output::json(out, &json!(items)).map_err(stdout_err);
            }
            if items.is_empty() {
                eprintln!(
                    "khronika: no records yet; `khronika sample` loads an example, `khronika create case` starts one"
                );
                return Ok(());
            }
            for r in items {
                let flag = if r.conflicts > 0 {
                    format!("  [{} CONFLICT(S)]", r.conflicts)
                } else {
                    String::new()
                };
                output::line(
                    out,
                    &format!(
                        "{:<28}  {:<13}  {:<20}  {}{flag}",
                        r.id, r.kind, r.compartment, r.label
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        RecordCommand::Show {
            id,
            open_sources: os,
        } => {
            open_sources(v, os.as_deref())?;
            let id = v.find_record(&id)?;
            show(v, &id, json, out)
        }
        RecordCommand::History {
            id,
            field,
            open_sources: os,
        } => {
            open_sources(v, os.as_deref())?;
            let id = v.find_record(&id)?;
            let changes = v.record_history(&id, field.as_deref())?;
            if json {
                let items: Vec<Value> = changes
                    .iter()
                    .map(|c| {
                        json!({"field": c.field, "value": c.value, "revision": c.revision.to_string(),
                               "author": c.author, "time_ms": c.time_ms, "origin": c.origin})
                    })
                    .collect();
                return output::json(out, &json!(items)).map_err(stdout_err);
            }
            for c in changes {
                output::line(
                    out,
                    &format!(
                        "{}  {}  {:<16}  {} = {}",
                        khronika_app::time::rfc3339_ms(c.time_ms),
                        c.revision.short(),
                        c.author.get(..12).unwrap_or(&c.author),
                        c.field,
                        c.value
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        RecordCommand::Create {
            kind,
            file,
            compartment,
        } => {
            let kind = parse_kind(&kind)?;
            let c = match compartment {
                Some(n) => v.find_compartment(&n)?,
                None => v.default_compartment(),
            };
            let value = match file {
                Some(f) => read_value(&f)?,
                None => edit_in_editor(&template(kind))?,
            };
            let record = to_record(kind, value)?;
            let id = record.id();
            v.create_records(c, vec![record])?;
            if json {
                output::json(out, &json!({"created": id.to_string()})).map_err(stdout_err)
            } else {
                output::line(out, &id.to_string()).map_err(stdout_err)
            }
        }
        RecordCommand::Edit { id, file, resolve } => {
            let id = v.find_record(&id)?;
            let current = v.record(&id)?;
            let value = match file {
                Some(f) => read_value(&f)?,
                None => edit_in_editor(&Value::Object(current.folded.value.clone()))?,
            };
            let record = to_record(id.kind(), value)?;
            if record.id() != id {
                return Err(usage(format!(
                    "the file is for record {}, not {id}; the id cannot change",
                    record.id()
                )));
            }
            let resolved: Vec<&str> = resolve.iter().map(String::as_str).collect();
            let rev = v.edit_record(record, &resolved)?;
            let msg = match rev {
                Some(r) => json!({"record": id.to_string(), "revision": r.to_string()}),
                None => json!({"record": id.to_string(), "revision": null}),
            };
            if json {
                output::json(out, &msg).map_err(stdout_err)
            } else if rev.is_none() {
                output::line(out, &format!("{id}: nothing changed")).map_err(stdout_err)
            } else {
                output::line(out, &format!("{id}: revised")).map_err(stdout_err)
            }
        }
        RecordCommand::Link {
            from,
            kind,
            to,
            note,
        } => {
            let from = v.find_record(&from)?;
            let to = v.find_record(&to)?;
            let kind = LinkKind::parse(&kind).ok_or_else(|| {
                usage(format!(
                    "`{kind}` is not a kind of link: use supports, contradicts, part_of, follows, same_person_as or related_to"
                ))
            })?;
            let c = v.record_compartment(&from)?;
            let link = Link {
                id: new_record_id(RecordKind::Link)?,
                from: Some(from),
                to: Some(to),
                kind: Some(kind),
                note,
            };
            let id = link.id;
            v.create_records(c, vec![Record::Link(link)])?;
            if json {
                output::json(out, &json!({"created": id.to_string()})).map_err(stdout_err)
            } else {
                output::line(out, &id.to_string()).map_err(stdout_err)
            }
        }
        RecordCommand::Import {
            file,
            format,
            kind,
            compartment,
            skip_invalid,
            open_sources: os,
        } => {
            open_sources(v, os.as_deref())?;
            import(v, &file, format, kind, compartment, skip_invalid, json, out)
        }
        RecordCommand::Export {
            format,
            kind,
            output: path,
            open_sources: os,
        } => {
            open_sources(v, os.as_deref())?;
            let (archive, broken) = v.export_archive()?;
            if broken > 0 {
                eprintln!(
                    "khronika: {broken} record(s) in conflict that no longer parse were left out; resolve them with `khronika edit`"
                );
            }
            let text = match format.as_str() {
                "json" => serde_json::to_string_pretty(&archive)
                    .map_err(|e| AppError::internal(e.to_string()))?,
                "csv" => {
                    let kind = parse_kind(kind.as_deref().ok_or_else(|| {
                        usage(
                            "a CSV export holds one kind of record: give --type, e.g. --type cases",
                        )
                    })?)?;
                    let records: Vec<Record> = archive
                        .compartments
                        .into_iter()
                        .flat_map(|c| c.records.into_records())
                        .filter(|r| r.kind() == kind)
                        .collect();
                    khronika_domain::csv::export(kind, &records)
                }
                other => {
                    return Err(usage(format!(
                        "`{other}` is not an export format: use json or csv"
                    )));
                }
            };
            match path {
                Some(p) => write_new(&p, text.as_bytes()),
                None => out.write_all(text.as_bytes()).map_err(stdout_err),
            }
        }
        RecordCommand::Member(m) => member(v, m, json, out),
        RecordCommand::Compartment(c) => compartment(v, c, json, out),
    }
}

fn show(
    v: &mut UnlockedVault,
    id: &khronika_domain::RecordId,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let view = v.record(id)?;
    let f = &view.folded;
    let conflicts: Vec<Value> = f
        .conflicts
        .iter()
        .map(|c| {
            json!({"field": c.field, "candidates": c.candidates.iter().map(|(r, v)| json!({"revision": r.to_string(), "value": v})).collect::<Vec<_>>()})
        })
        .collect();
    // A case shows what it gathers.
    let mut gathered = Vec::new();
    if let Ok(Record::Case(case)) = &f.record {
        for r in &case.records {
            let label = v
                .record(r)
                .ok()
                .and_then(|g| g.folded.record.ok().map(|x| x.label()))
                .unwrap_or_else(|| "(not readable)".to_owned());
            gathered.push(json!({"id": r.to_string(), "type": r.kind().as_str(), "label": label}));
        }
    }
    if json {
        let j = json!({"record": f.value, "compartment": view.compartment, "conflicts": conflicts,
                       "heads": f.heads.iter().map(ToString::to_string).collect::<Vec<_>>(),
                       "revisions": f.revisions, "created_ms": f.created_ms, "updated_ms": f.updated_ms,
                       "gathers": gathered, "valid": f.record.is_ok()});
        return output::json(out, &j).map_err(stdout_err);
    }
    let pretty = serde_json::to_string_pretty(&f.value).unwrap_or_default();
    output::line(
        out,
        &format!(
            "{id}  ({}, compartment {}, {} revision(s), last change {})",
            id.kind().as_str(),
            view.compartment,
            f.revisions,
            khronika_app::time::rfc3339_ms(f.updated_ms)
        ),
    )
    .map_err(stdout_err)?;
    output::line(out, &pretty).map_err(stdout_err)?;
    for c in &f.conflicts {
        output::line(
            out,
            &format!(
                "CONFLICT in `{}`: {} versions written without seeing each other; `khronika edit {id} --resolve {}` keeps the one you save",
                c.field,
                c.candidates.len(),
                c.field
            ),
        )
        .map_err(stdout_err)?;
        for (r, val) in &c.candidates {
            output::line(out, &format!("    {}  {val}", r.short())).map_err(stdout_err)?;
        }
    }
    if let Err(e) = &f.record {
        output::line(out, &format!("NOTE: the merged record is not valid: {e}"))
            .map_err(stdout_err)?;
    }
    if !gathered.is_empty() {
        output::line(out, "Gathers:").map_err(stdout_err)?;
        for g in gathered {
            output::line(
                out,
                &format!(
                    "    {:<28}  {:<13}  {}",
                    g["id"].as_str().unwrap_or_default(),
                    g["type"].as_str().unwrap_or_default(),
                    g["label"].as_str().unwrap_or_default()
                ),
            )
            .map_err(stdout_err)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn import(
    v: &mut UnlockedVault,
    file: &Path,
    format: Option<String>,
    kind: Option<String>,
    compartment: Option<String>,
    skip_invalid: bool,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let bytes = read_input(file)?;
    let format = format.unwrap_or_else(|| {
        match file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
        {
            Some(e) if e == "csv" => "csv".to_owned(),
            _ => "json".to_owned(),
        }
    });
    let comp_name = match &compartment {
        Some(n) => n.clone(),
        None => {
            let d = v.default_compartment();
            v.compartments()
                .into_iter()
                .find(|c| c.id == d)
                .and_then(|c| c.name)
                .unwrap_or_else(|| "default".to_owned())
        }
    };
    let (archive, skipped) = match format.as_str() {
        "json" => {
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                CliError::App(AppError::new(
                    ErrorCode::Invalid,
                    format!("{} is not UTF-8 text ({e}); save it as UTF-8 and try again; nothing was imported", file.display()),
                ))
            })?;
            let archive = parse_json_import(text, &comp_name, v)?;
            (archive, Vec::new())
        }
        "csv" => {
            let kind = parse_kind(kind.as_deref().ok_or_else(|| {
                usage("a CSV file holds one kind of record: give --type, e.g. --type cases")
            })?)?;
            let outcome = khronika_domain::csv::import(kind, &bytes);
            if !outcome.rejected.is_empty() && !skip_invalid {
                let mut msg = format!(
                    "{}: {} bad row(s); nothing was imported (fix them, or use --skip-invalid to import the rest):",
                    file.display(),
                    outcome.rejected.len()
                );
                for r in outcome.rejected.iter().take(100) {
                    msg.push_str(&format!("\n  {r}"));
                }
                return Err(CliError::App(AppError::new(ErrorCode::Invalid, msg)));
            }
            let records = outcome.records.into_iter().map(|(_, r)| r);
            let archive = Archive {
                format: khronika_domain::archive::ARCHIVE_FORMAT.to_owned(),
                compartments: vec![khronika_domain::archive::CompartmentRecords {
                    name: comp_name.clone(),
                    source_identities: false,
                    records: RecordSet::from_records(records),
                }],
            };
            (archive, outcome.rejected)
        }
        other => {
            return Err(usage(format!(
                "`{other}` is not an import format: use json or csv"
            )));
        }
    };
    let report = v.import_archive(&archive)?;
    for r in &skipped {
        eprintln!("khronika: skipped {r}");
    }
    if json {
        let mut j = serde_json::to_value(&report).map_err(|e| AppError::internal(e.to_string()))?;
        j["skipped"] = json!(
            skipped
                .iter()
                .map(|r| json!({"line": r.line, "column": r.column, "message": r.message}))
                .collect::<Vec<_>>()
        );
        return output::json(out, &j).map_err(stdout_err);
    }
    print_import(&report, false, out)?;
    if !skipped.is_empty() {
        output::line(
            out,
            &format!("skipped {} invalid row(s), listed above", skipped.len()),
        )
        .map_err(stdout_err)?;
    }
    Ok(())
}

/// A JSON import: an archive (`{"format": "khronika-records/v1", …}`) or a plain record set
/// (`{"cases": […], …}`) that goes into `compartment`.
fn parse_json_import(
    text: &str,
    compartment: &str,
    v: &UnlockedVault,
) -> Result<Archive, CliError> {
    let _ = v;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        CliError::App(AppError::new(
            ErrorCode::Invalid,
            format!("not valid JSON: {e}; nothing was imported"),
        ))
    })?;
    if value.get("format").is_some() {
        return Archive::parse(text).map_err(|e| {
            CliError::App(AppError::new(
                ErrorCode::Invalid,
                format!("{e}; nothing was imported"),
            ))
        });
    }
    let set: RecordSet = serde_json::from_str(text).map_err(|e| {
        CliError::App(AppError::new(
            ErrorCode::Invalid,
            format!("not valid JSON: {e}; nothing was imported"),
        ))
    })?;
    Ok(Archive {
        format: khronika_domain::archive::ARCHIVE_FORMAT.to_owned(),
        compartments: vec![khronika_domain::archive::CompartmentRecords {
            name: compartment.to_owned(),
            source_identities: false,
            records: set,
        }],
    })
}

fn print_import(
    r: &khronika_app::records::ImportReport,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if json {
        let j = serde_json::to_value(r).map_err(|e| AppError::internal(e.to_string()))?;
        return output::json(out, &j).map_err(stdout_err);
    }
    let mut msg = format!(
        "imported: {} created, {} revised, {} unchanged",
        r.created, r.revised, r.unchanged
    );
    if !r.compartments_created.is_empty() {
        msg.push_str(&format!(
            "; new compartments: {}",
            r.compartments_created.join(", ")
        ));
    }
    output::line(out, &msg).map_err(stdout_err)
}

fn member(
    v: &mut UnlockedVault,
    cmd: MemberCommand,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match cmd {
        MemberCommand::Ls => {
            let members = v.members();
            if json {
                return output::json(out, &json!(members)).map_err(stdout_err);
            }
            for m in members {
                let mut flags = String::new();
                if m.you {
                    flags.push_str("  (you)");
                }
                if m.removed {
                    flags.push_str("  [REMOVED]");
                }
                output::line(
                    out,
                    &format!("{}  {:<13}  {}{flags}", m.id, m.role.as_str(), m.name),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        MemberCommand::Add {
            name,
            role,
            new_passphrase_file,
        } => {
            let role = Role::parse(&role)?;
            let pass = secrets::new_passphrase(new_passphrase_file.as_deref())?;
            let id = v.add_member(&name, role, &pass, Argon2Params::recommended())?;
            if json {
                output::json(out, &json!({"member": id.to_hex(), "role": role.as_str()}))
                    .map_err(stdout_err)
            } else {
                output::line(
                    out,
                    &format!(
                        "added {name} as {}: member {}\nThey unlock on this device with `--member {}` (or KHRONIKA_MEMBER) and their passphrase.",
                        role.as_str(),
                        id.to_hex(),
                        &id.to_hex()[..8]
                    ),
                )
                .map_err(stdout_err)
            }
        }
        MemberCommand::Remove { member } => {
            let m = v.find_member(&member)?;
            let renewed = v.remove_member(m)?;
            if json {
                return output::json(
                    out,
                    &json!({"removed": m.to_hex(), "renewed": renewed.iter().map(|c| c.to_hex()).collect::<Vec<_>>()}),
                )
                .map_err(stdout_err);
            }
            output::line(
                out,
                &format!(
                    "removed member {}; {} compartment key(s) renewed: nothing written from now on opens with their keys",
                    m.short(),
                    renewed.len()
                ),
            )
            .map_err(stdout_err)
        }
    }
}

fn compartment(
    v: &mut UnlockedVault,
    cmd: CompartmentCommand,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match cmd {
        CompartmentCommand::Ls => {
            let list = v.compartments();
            if json {
                return output::json(out, &json!(list)).map_err(stdout_err);
            }
            for c in list {
                output::line(
                    out,
                    &format!(
                        "{}  {:<24}  epoch {:<3}  {} holder(s){}{}",
                        c.id.short(),
                        c.name.as_deref().unwrap_or("(not readable by you)"),
                        c.epoch,
                        c.holders.len(),
                        if c.source_identities {
                            "  [SOURCE IDENTITIES]"
                        } else {
                            ""
                        },
                        if c.readable { "" } else { "  [NO ACCESS]" }
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        CompartmentCommand::Create {
            name,
            source_identities,
        } => {
            let c = v.create_compartment(&name, source_identities)?;
            if json {
                output::json(out, &json!({"compartment": c.to_hex(), "name": name}))
                    .map_err(stdout_err)
            } else {
                output::line(out, &format!("created compartment {name} ({})", c.short()))
                    .map_err(stdout_err)
            }
        }
        CompartmentCommand::Grant {
            compartment,
            member,
        } => {
            let c = v.find_compartment(&compartment)?;
            let m = v.find_member(&member)?;
            v.grant(c, m)?;
            if json {
                output::json(out, &json!({"granted": compartment, "member": m.to_hex()}))
                    .map_err(stdout_err)
            } else {
                output::line(
                    out,
                    &format!("{} may now read and write {compartment}", m.short()),
                )
                .map_err(stdout_err)
            }
        }
        CompartmentCommand::Withdraw {
            compartment,
            member,
        } => {
            let c = v.find_compartment(&compartment)?;
            let m = v.find_member(&member)?;
            v.withdraw(c, m)?;
            if json {
                output::json(
                    out,
                    &json!({"withdrawn": compartment, "member": m.to_hex()}),
                )
                .map_err(stdout_err)
            } else {
                output::line(
                    out,
                    &format!("{} no longer holds {compartment}; it has a new key for what is written from now on", m.short()),
                )
                .map_err(stdout_err)
            }
        }
    }
}

/// Read a file (or standard input for `-`), with errors that name it.
fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let r = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    r.map_err(|e| {
        CliError::App(AppError::new(
            ErrorCode::InputFile,
            format!("cannot read {}: {e}", path.display()),
        ))
    })?;
    Ok(bytes)
}

/// A record file as JSON (or TOML when the name ends in `.toml`).
fn read_value(path: &Path) -> Result<Value, CliError> {
    let bytes = read_input(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::App(AppError::new(
            ErrorCode::Invalid,
            format!("{} is not UTF-8 text; save it as UTF-8", path.display()),
        ))
    })?;
    let toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    parse_value(text, toml, &path.display().to_string())
}

fn parse_value(text: &str, toml: bool, name: &str) -> Result<Value, CliError> {
    if toml {
        let t: toml::Table = toml::from_str(text).map_err(|e| {
            CliError::App(AppError::new(
                ErrorCode::Invalid,
                format!("{name}: {}", e.to_string().trim()),
            ))
        })?;
        serde_json::to_value(t).map_err(|e| CliError::App(AppError::internal(e.to_string())))
    } else {
        serde_json::from_str(text).map_err(|e| {
            CliError::App(AppError::new(
                ErrorCode::Invalid,
                format!("{name} is not a valid record: {e}"),
            ))
        })
    }
}

/// Turn a JSON value into a record of `kind`, giving it a fresh id if it has none.
fn to_record(kind: RecordKind, mut value: Value) -> Result<Record, CliError> {
    let obj = value.as_object_mut().ok_or_else(|| {
        CliError::App(AppError::new(
            ErrorCode::Invalid,
            "a record is a JSON object (or a TOML table) of its fields",
        ))
    })?;
    match obj.get("type").and_then(Value::as_str) {
        None => {
            obj.insert("type".into(), json!(kind.as_str()));
        }
        Some(t) if t == kind.as_str() => {}
        Some(t) => {
            return Err(CliError::App(AppError::new(
                ErrorCode::Invalid,
                format!("the file holds a {t}, not a {}", kind.as_str()),
            )));
        }
    }
    if !obj.contains_key("id") {
        obj.insert("id".into(), json!(new_record_id(kind)?.to_string()));
    }
    serde_json::from_value(value).map_err(|e| {
        CliError::App(AppError::new(
            ErrorCode::Invalid,
            format!("the record is not valid: {e}"),
        ))
    })
}

/// An empty record of `kind` for people to fill in.
fn template(kind: RecordKind) -> Value {
    let mut v = json!({"type": kind.as_str()});
    if let Ok(id) = new_record_id(kind) {
        v["id"] = json!(id.to_string());
    }
    match kind {
        RecordKind::Case => {
            v["title"] = json!("");
            v["summary"] = json!("");
            v["records"] = json!([]);
        }
        RecordKind::Person => {
            v["names"] = json!([{"given": "", "surname": ""}]);
        }
        RecordKind::Link => {
            v["from"] = json!(null);
            v["to"] = json!(null);
            v["kind"] = json!("supports");
        }
        _ => {}
    }
    v
}

/// Let the person edit `value` in `$EDITOR`. The file lives in memory-backed storage
/// (`/dev/shm` or `$XDG_RUNTIME_DIR`), readable only by them, and is overwritten and removed
/// afterwards; if neither exists, ask for `--file` instead (no plaintext on disk).
fn edit_in_editor(value: &Value) -> Result<Value, CliError> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .map_err(|_| usage("set $EDITOR to edit records interactively, or give --file FILE"))?;
    let dir = [PathBuf::from("/dev/shm"), std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).unwrap_or_default()]
        .into_iter()
        .find(|d| !d.as_os_str().is_empty() && d.is_dir())
        .ok_or_else(|| usage("no memory-backed folder (/dev/shm or $XDG_RUNTIME_DIR) for the editor's file; give --file FILE instead"))?;
    let text =
        serde_json::to_string_pretty(value).map_err(|e| AppError::internal(e.to_string()))?;
    let mut file = tempfile::Builder::new()
        .prefix("khronika-")
        .suffix(".json")
        .tempfile_in(&dir)
        .map_err(|e| {
            usage(format!(
                "cannot create the editor's file in {}: {e}",
                dir.display()
            ))
        })?;
    file.as_file_mut()
        .write_all(text.as_bytes())
        .map_err(|e| AppError::internal(e.to_string()))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .map_err(|e| usage(format!("cannot start the editor `{editor}`: {e}")))?;
    let edited = std::fs::read_to_string(file.path()).unwrap_or_default();
    // Overwrite before removing: the file held plaintext.
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .open(file.path())
        .and_then(|mut f| {
            f.write_all(&vec![0u8; edited.len().max(text.len())])
                .and_then(|()| f.sync_all())
        });
    drop(file);
    if !status.success() {
        return Err(usage(
            "the editor did not finish cleanly; nothing was stored",
        ));
    }
    parse_value(&edited, false, "the edited record")
}

/// Write a new file (never overwrites), readable only by the owner.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            CliError::App(AppError::new(
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    ErrorCode::Usage
                } else {
                    ErrorCode::Storage
                },
                format!(
                    "cannot create {}: {e}; nothing was overwritten",
                    path.display()
                ),
            ))
        })?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| {
        CliError::App(AppError::new(
            ErrorCode::Storage,
            format!("cannot write {}: {e}", path.display()),
        ))
    })
}
