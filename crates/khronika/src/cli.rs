//! Command-line parsing and the commands themselves. Each command parses, calls the app
//! layer, and prints; no vault logic lives here.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use base64::Engine;
use clap::{Parser, Subcommand};
use khronika_app::vault::{self, LockedVault, UnlockedVault};
use khronika_app::{AppError, ErrorCode};
use khronika_backends::OsFs;
use khronika_crypto::OsEntropy;
use khronika_crypto::kdf::Argon2Params;
use khronika_store::entry::entry_kind;
use serde_json::json;

use crate::output::{self, human_bytes};
use crate::secrets;

const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  internal error (a bug: please report it)
  2  the command line or passphrase input was not usable
  3  the folder is not a vault, or init found one already there
  4  wrong passphrase
  5  an input file is missing, a folder, or unreadable
  6  no evidence item or record with that id
  7  damaged or missing data (verify found problems)
  8  the disk is full
  9  reading or writing the vault failed
 10  input data (a record, an import file) is not valid; nothing was stored
 11  your role or your grants do not allow this
 12  a mirror could not be reached or refused a request (network, address, credentials)

Environment:
  KHRONIKA_VAULT        the vault folder (like --vault)
  KHRONIKA_PASSPHRASE   the passphrase, for scripts (prefer --passphrase-file)
  KHRONIKA_MEMBER       unlock as this member (like --member)
  EDITOR                the editor `create` and `edit` open when no --file is given
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_REGION, AWS_ALLOW_HTTP
                        where S3 mirrors are and how to log in (see `khronika mirror add --help`)";

/// Khronika keeps a human-rights organisation's evidence encrypted, tamper-evident and safe
/// from loss. Everything it stores is ciphertext; every change is a signed log entry.
#[derive(Debug, Parser)]
#[command(name = "khronika", version, about, after_help = EXIT_CODES)]
struct Cli {
    /// The vault folder [default: your data folder, e.g. ~/.local/share/khronika/vault]
    #[arg(long, global = true, env = "KHRONIKA_VAULT", value_name = "DIR")]
    vault: Option<PathBuf>,

    /// Read the passphrase from this file (it must not be readable by other users)
    #[arg(long, global = true, value_name = "PATH")]
    passphrase_file: Option<PathBuf>,

    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    json: bool,

    /// Unlock as this member (id or its first characters) [default: the device's own member]
    #[arg(
        long = "member",
        id = "as_member",
        global = true,
        env = "KHRONIKA_MEMBER",
        value_name = "ID"
    )]
    as_member: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new vault, protected by your passphrase, and show its recovery key once
    Init,
    /// Add evidence files to the vault; prints one evidence id per file
    Add {
        /// The files to add (folders are refused: give the files inside)
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Write an evidence item's original bytes, exactly as added
    Cat {
        /// The evidence id (or its first characters)
        id: String,
        /// Write to this new file instead of standard output (never overwrites)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the evidence items you can read
    Ls,
    /// Show the history: every signed log entry of every device
    Log,
    /// Print this device's newest signed checkpoint (C2SP signed note); needs no passphrase
    Checkpoint {
        /// Print the device's verifier key instead (`<name>+<key id>+<key>`), for pinning
        #[arg(long)]
        vkey: bool,
    },
    /// List the organisation's device keys: what a court or partner pins; needs no passphrase
    Keys,
    /// Prove that a device's log only grew between two sizes (RFC 9162 consistency proof)
    Consistency {
        /// The older size (a checkpoint the other party holds)
        #[arg(long, value_name = "SIZE")]
        from: u64,
        /// The newer size [default: the newest checkpoint]
        #[arg(long, value_name = "SIZE")]
        to: Option<u64>,
        /// The device (id or its first characters) [default: this device]
        #[arg(long)]
        device: Option<String>,
    },
    /// Write a proof that an evidence item is in the signed history, disclosing only chosen facts
    Prove {
        /// The evidence id (or its first characters)
        id: String,
        /// Folder for the proof files (ID.tlog-proof, ID.leaf, ID.disclosure.json, ID.vkey)
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Facts to disclose, comma-separated: sha256, size, media_type, time, name, added_by
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "sha256,size,media_type,time"
        )]
        disclose: Vec<String>,
    },
    /// Check a proof written by `prove`, offline: no vault, no passphrase
    VerifyProof {
        /// The ID.tlog-proof file (ID.leaf and ID.disclosure.json must be beside it)
        proof: PathBuf,
        /// The log's verifier key as published by the organisation [default: ID.vkey beside the proof]
        #[arg(long, value_name = "KEY")]
        vkey: Option<String>,
        /// Also check that this file is the evidence (its SHA-256 must match the disclosed one)
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        /// Require a cosignature by this witness (its verifier key); may be given several times
        #[arg(long, value_name = "KEY")]
        witness: Vec<String>,
    },
    /// Erase every key on this device at once (the panic button): nothing stored here can be
    /// opened afterwards; the data comes back only by `restore` from a mirror
    Panic {
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Run the web application for people: it prints its address (and, before the vault
    /// exists, a one-time setup token for the first-start page)
    Serve(crate::serve::ServeArgs),
    /// Run a witness: a keyless node that cosigns checkpoints that extend what it saw
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Set up another device of this vault in a new folder (same member, new device key)
    Enrol {
        /// The new device's vault folder (absent or empty)
        folder: PathBuf,
    },
    /// Revoke a device reported seized: its entries after the cut-off go to quarantine
    Revoke {
        /// The device id (or its first characters), as `khronika keys` prints it
        device: String,
        /// The cut-off checkpoint size [default: its newest checkpoint a witness cosigned]
        #[arg(long, value_name = "SIZE")]
        cutoff: Option<u64>,
    },
    /// List quarantined entries of revoked devices, or accept or reject one
    Quarantine {
        /// `accept` or `reject`, followed by DEVICE:INDEX
        #[arg(value_parser = ["accept", "reject"])]
        action: Option<String>,
        /// The entry, as DEVICE:INDEX (device id or its first characters)
        entry: Option<String>,
    },
    /// Search the records and evidence you can read, in any script and word form
    #[command(after_help = crate::search::SEARCH_HELP)]
    Search(crate::search::SearchArgs),
    #[command(flatten)]
    Records(crate::records::RecordCommand),
    /// Mirrors: copies of the vault elsewhere (an S3 bucket abroad, a USB drive); add, list, verify
    #[command(subcommand)]
    Mirror(crate::mirrors::MirrorCommand),
    /// API tokens: let a program (a partner's import, a field form) use this node's JSON API
    /// in your name without your passphrase; create, list, revoke, and see what they did
    #[command(subcommand, after_help = crate::tokens::TOKEN_HELP)]
    Token(crate::tokens::TokenCommand),
    /// Copy to every mirror what it lacks (it receives only ciphertext and signed public data)
    #[command(after_help = crate::mirrors::MIRROR_HELP)]
    Sync {
        /// Keep trying until every mirror holds everything (run this before crossing a
        /// checkpoint); fails if a mirror still lacks something when --timeout runs out
        #[arg(long)]
        wait: bool,
        /// Only this mirror [default: all]
        #[arg(long, value_name = "NAME")]
        mirror: Option<String>,
        /// With --wait: give up after this many seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 600)]
        timeout: u64,
    },
    /// Rebuild a lost vault from mirrors into --vault (a new or empty folder), with the
    /// passphrase of the member who worked on the lost device
    #[command(after_help = crate::mirrors::MIRROR_HELP)]
    Restore {
        /// A mirror to rebuild from: s3://BUCKET/PREFIX or a folder. Give several: each is
        /// verified, the one with the newest consistent history is used, and any mirror that
        /// was rolled back or altered is reported
        #[arg(long = "from", required = true, value_name = "URL")]
        from: Vec<String>,
        /// The lost device's id (first characters), when a mirror holds several devices
        #[arg(long, value_name = "ID")]
        device: Option<String>,
        /// Rebuild with the vault's recovery key (KR1-…, asked for, or from
        /// KHRONIKA_RECOVERY_KEY) instead of the member's passphrase; then choose a new
        /// passphrase (asked twice, or --new-passphrase-file / KHRONIKA_NEW_PASSPHRASE)
        #[arg(long)]
        recovery_key: bool,
        /// With --recovery-key: a file holding the new passphrase (chmod 600)
        #[arg(long, value_name = "FILE", requires = "recovery_key")]
        new_passphrase_file: Option<std::path::PathBuf>,
    },
    /// Check that nothing stored is damaged or missing; needs no passphrase
    Verify {
        /// Also decrypt every stored chunk and check it against its keyed hash, and every file's chunks and size (needs the passphrase)
        #[arg(long)]
        read_data: bool,
    },
}

#[derive(Debug, Subcommand)]
enum WitnessCommand {
    /// Create a witness in a folder of its own, and print its verifier key
    Init {
        /// The witness folder
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The witness's name, e.g. witness.example.org/1
        #[arg(long)]
        name: String,
    },
    /// Print the witness's verifier key
    Vkey {
        /// The witness folder
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// Cosign the newest checkpoint of every log in the vault (--vault) that extends what the
    /// witness saw; refuse, and name, any log that was rewritten, rolled back or forked
    Cosign {
        /// The witness folder
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// Serve the witness over HTTP: C2SP tlog-witness `POST /add-checkpoint` for the logs it
    /// has pinned (with `witness cosign`), and a mirror folder: anyone may read and list it
    /// (never passphrase key slots), and nodes holding the write token use it as a mirror
    /// (`khronika mirror add NAME https://…`; create-only). Cosignatures are kept in that
    /// folder. Binds to localhost unless told otherwise; put it behind an HTTPS proxy to reach
    /// it from elsewhere
    Serve {
        /// The witness folder
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// A mirror folder to serve and to keep cosignatures in
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// A file holding the write token (32 to 256 printable characters, e.g. from
        /// `openssl rand -hex 32`; refused if others can read it). Else KHRONIKA_WITNESS_TOKEN;
        /// with neither, the node takes no writes
        #[arg(long, value_name = "FILE", requires = "store")]
        token_file: Option<PathBuf>,
        /// Address to listen on (port 0: any free port; the address is printed)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8480")]
        listen: std::net::SocketAddr,
    },
}

/// Run the command line; returns the process exit status.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    let json = cli.json;
    match dispatch(cli) {
        Ok(()) | Err(CliError::OutputClosed) => ExitCode::SUCCESS,
        Err(CliError::Reported(e)) => {
            eprintln!("khronika: {}", e.message);
            ExitCode::from(e.code.exit_status() as u8)
        }
        Err(CliError::App(e)) => {
            if json {
                let v = json!({"error": {"code": e.code.as_str(), "message": e.message}});
                let _ = output::json(&mut std::io::stdout().lock(), &v);
            }
            eprintln!("khronika: {}", e.message);
            ExitCode::from(e.code.exit_status() as u8)
        }
    }
}

/// Help and version are printed as clap writes them; a usage mistake becomes one line
/// (`khronika: …`), or a JSON error with `--json`, and exit status 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(ErrorCode::Usage.exit_status() as u8);
        }
        _ => {}
    }
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or("the command line was not understood");
    let mut msg = first
        .trim_start_matches("error: ")
        .trim_end_matches('.')
        .to_owned();
    // clap lists missing arguments on the following lines; keep them on this one.
    let more: Vec<&str> = rendered
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    if !more.is_empty() {
        msg = format!("{msg} {}", more.join(", "));
    }
    let msg = format!("{msg}; see `khronika --help`");
    if std::env::args().any(|a| a == "--json") {
        let v = json!({"error": {"code": ErrorCode::Usage.as_str(), "message": msg}});
        let _ = output::json(&mut std::io::stdout().lock(), &v);
    }
    eprintln!("khronika: {msg}");
    ExitCode::from(ErrorCode::Usage.exit_status() as u8)
}

/// The default vault folder: the platform's data folder, then `khronika/vault`.
fn default_vault() -> Result<PathBuf, AppError> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            let home = PathBuf::from(std::env::var_os("HOME")?);
            Some(if cfg!(target_os = "macos") {
                home.join("Library/Application Support")
            } else {
                home.join(".local/share")
            })
        })
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Usage,
                "cannot find your data folder; give the vault folder with --vault DIR",
            )
        })?;
    Ok(data.join("khronika").join("vault"))
}

/// Why a command did not succeed.
#[derive(Debug)]
pub(crate) enum CliError {
    /// An error for the person (or script) running the command.
    App(AppError),
    /// Standard output was closed by its reader (`khronika log | head`): stop quietly.
    OutputClosed,
    /// A failure whose details were already printed (also as JSON): exit with its status and
    /// one line on standard error, without a second JSON document.
    Reported(AppError),
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        CliError::App(e)
    }
}

pub(crate) fn stdout_err(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return CliError::OutputClosed;
    }
    CliError::App(AppError::new(
        ErrorCode::Storage,
        format!("cannot write the output: {e}"),
    ))
}

fn dispatch(cli: Cli) -> Result<(), CliError> {
    let root = match cli.vault.clone() {
        Some(v) => v,
        None => default_vault()?,
    };
    let fs = Arc::new(OsFs);
    let pf = cli.passphrase_file.as_deref();
    let member = cli.as_member.as_deref();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Search(a) => {
            let mut v = unlock(fs, &root, pf, member)?;
            crate::search::search(&a, &mut v, cli.json, &mut out)
        }
        Command::Records(cmd) => {
            let mut v = unlock(fs, &root, pf, member)?;
            crate::records::run(cmd, &mut v, cli.json, &mut out)
        }
        Command::Token(cmd) => {
            let mut v = unlock(fs, &root, pf, member)?;
            crate::tokens::run(cmd, &mut v, cli.json, &mut out)
        }
        Command::Init => init(&root, pf, cli.json, &mut out),
        Command::Serve(a) => crate::serve::serve(&a, &root, cli.json, &mut out),
        Command::Panic { yes } => crate::panic::panic(&root, yes, cli.json, &mut out),
        Command::Add { files } => {
            let sources = khronika_app::ingest::open_sources(&files)?;
            let mut v = unlock(fs, &root, pf, member)?;
            add(&mut v, sources, cli.json, &mut out)
        }
        Command::Cat { id, output } => {
            let mut v = unlock(fs, &root, pf, member)?;
            cat(&mut v, &id, output.as_deref(), &mut out)
        }
        Command::Ls => ls(&unlock(fs, &root, pf, member)?, cli.json, &mut out),
        Command::Log => log(&mut unlock(fs, &root, pf, member)?, cli.json, &mut out),
        Command::Checkpoint { vkey } => {
            let locked = LockedVault::open(fs, &root)?;
            if vkey {
                let mine = locked.device_keys()?.into_iter().find(|d| d.this_device);
                let k = mine.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Damaged,
                        "this device's log is missing; run `khronika verify`",
                    )
                })?;
                if cli.json {
                    output::json(
                        &mut out,
                        &json!({"device": k.device.to_hex(), "vkey": k.vkey}),
                    )
                    .map_err(stdout_err)?;
                } else {
                    output::line(&mut out, &k.vkey).map_err(stdout_err)?;
                }
            } else {
                let (cp, text) = locked.latest_checkpoint()?;
                if cli.json {
                    let j = json!({"origin": cp.origin, "size": cp.size,
                                   "root": khronika_crypto::hash::to_hex(&cp.root), "note": text});
                    output::json(&mut out, &j).map_err(stdout_err)?;
                } else {
                    out.write_all(text.as_bytes()).map_err(stdout_err)?;
                }
            }
            Ok(())
        }
        Command::Prove {
            id,
            out: dir,
            disclose,
        } => {
            let v = unlock(fs, &root, pf, member)?;
            let fields: Vec<&str> = disclose.iter().map(String::as_str).collect();
            let package = v.prove(&id, &fields)?;
            let mut written = Vec::new();
            for (name, bytes) in package.files() {
                let path = dir.join(&name);
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| {
                        AppError::new(
                            ErrorCode::Usage,
                            format!(
                                "cannot create {}: {e} (existing files are never overwritten)",
                                path.display()
                            ),
                        )
                    })?;
                f.write_all(&bytes)
                    .and_then(|()| f.sync_all())
                    .map_err(stdout_err)?;
                written.push(path);
            }
            if cli.json {
                output::json(
                    &mut out,
                    &json!({"id": package.id, "files": written, "disclosed": disclose}),
                )
                .map_err(stdout_err)?;
            } else {
                for p in &written {
                    output::line(&mut out, &p.display().to_string()).map_err(stdout_err)?;
                }
            }
            Ok(())
        }
        Command::VerifyProof {
            proof,
            vkey,
            file,
            witness,
        } => verify_proof(&proof, vkey, file.as_deref(), &witness, cli.json, &mut out),
        Command::Witness(w) => witness_command(w, fs, &root, cli.json, &mut out),
        Command::Enrol { folder } => {
            let v = unlock(fs.clone(), &root, pf, member)?;
            let device = v.enrol(fs, &folder)?;
            if cli.json {
                output::json(
                    &mut out,
                    &json!({"device": device.to_hex(), "folder": folder}),
                )
                .map_err(stdout_err)?;
            } else {
                output::line(
                    &mut out,
                    &format!(
                        "enrolled device {} in {}",
                        device.to_hex(),
                        folder.display()
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        Command::Revoke { device, cutoff } => {
            let mut v = unlock(fs, &root, pf, member)?;
            let d = v.find_device(&device)?;
            let r = v.revoke(d, cutoff)?;
            if cli.json {
                let j = json!({"device": r.device.to_hex(), "cutoff": r.cutoff, "witnessed": r.witnessed, "quarantined": r.quarantined});
                output::json(&mut out, &j).map_err(stdout_err)?;
            } else {
                output::line(&mut out, &format!("revoked device {} at checkpoint size {}; {} later entr(y/ies) in quarantine", r.device.short(), r.cutoff, r.quarantined)).map_err(stdout_err)?;
                if !r.witnessed {
                    eprintln!(
                        "khronika: warning: no witness cosigned that checkpoint; entries before it rest on the seized key alone"
                    );
                }
            }
            Ok(())
        }
        Command::Quarantine { action, entry } => {
            let mut v = unlock(fs, &root, pf, member)?;
            if let Some(action) = action {
                let entry = entry.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Usage,
                        "give the entry as DEVICE:INDEX, as `khronika quarantine` lists it",
                    )
                })?;
                let (d, i) = entry
                    .split_once(':')
                    .and_then(|(d, i)| Some((d, i.parse::<u64>().ok()?)))
                    .ok_or_else(|| {
                        AppError::new(ErrorCode::Usage, format!("`{entry}` is not DEVICE:INDEX"))
                    })?;
                let device = v.find_device(d)?;
                v.decide(device, i, action == "accept")?;
                output::line(
                    &mut out,
                    &format!("{action}ed entry {i} of device {}", device.short()),
                )
                .map_err(stdout_err)?;
                return Ok(());
            }
            let items = v.quarantine();
            if cli.json {
                let j: Vec<_> = items
                    .iter()
                    .map(|(l, t)| json!({"device": l.entry.body.device.to_hex(), "index": l.entry.body.index, "kind": entry_kind::name(l.entry.body.kind),
                                         "status": t.as_str(), "evidence": l.evidence.as_ref().map(|p| json!({"id": p.id, "name": p.name, "sha256": p.sha256}))}))
                    .collect();
                output::json(&mut out, &json!(j)).map_err(stdout_err)?;
            } else if items.is_empty() {
                eprintln!("khronika: nothing is in quarantine");
            } else {
                for (l, t) in &items {
                    let what = l.evidence.as_ref().map_or_else(
                        || entry_kind::name(l.entry.body.kind).to_owned(),
                        |p| format!("{} {}", p.id, p.name),
                    );
                    output::line(
                        &mut out,
                        &format!(
                            "{}:{:<6} {:<11} {what}",
                            l.entry.body.device.short(),
                            l.entry.body.index,
                            t.as_str()
                        ),
                    )
                    .map_err(stdout_err)?;
                }
            }
            Ok(())
        }
        Command::Consistency { from, to, device } => {
            let locked = LockedVault::open(fs, &root)?;
            let d = match device {
                None => locked.marker().device,
                Some(prefix) => {
                    let p = prefix.to_ascii_lowercase();
                    let keys = locked.device_keys()?;
                    let hits: Vec<_> = keys
                        .iter()
                        .filter(|k| k.device.to_hex().starts_with(&p))
                        .collect();
                    match hits.as_slice() {
                        [k] if p.len() >= 6 => k.device,
                        _ => {
                            return Err(CliError::App(AppError::new(
                                ErrorCode::NotFound,
                                format!(
                                    "no single device matches `{prefix}`; `khronika keys` lists them"
                                ),
                            )));
                        }
                    }
                }
            };
            let c = locked.consistency(d, from, to)?;
            let b64 = |h: &[u8; 32]| base64::engine::general_purpose::STANDARD.encode(h);
            let j = json!({"origin": c.origin, "old_size": c.old_size, "new_size": c.new_size,
                           "old_root": b64(&c.old_root), "new_root": b64(&c.new_root),
                           "proof": c.proof.iter().map(b64).collect::<Vec<_>>()});
            if cli.json {
                output::json(&mut out, &j).map_err(stdout_err)?;
            } else {
                let mut text = format!(
                    "{}\nfrom size {} (root {})\nto size {} (root {})\n",
                    c.origin,
                    c.old_size,
                    b64(&c.old_root),
                    c.new_size,
                    b64(&c.new_root)
                );
                for h in &c.proof {
                    text.push_str(&b64(h));
                    text.push('\n');
                }
                output::line(&mut out, text.trim_end()).map_err(stdout_err)?;
            }
            Ok(())
        }
        Command::Keys => {
            let keys = LockedVault::open(fs, &root)?.device_keys()?;
            if cli.json {
                let items: Vec<_> = keys
                    .iter()
                    .map(|k| json!({"device": k.device.to_hex(), "vkey": k.vkey, "granted_by": k.member.to_hex(),
                                    "since": k.since, "this_device": k.this_device}))
                    .collect();
                output::json(&mut out, &json!(items)).map_err(stdout_err)?;
            } else {
                for k in &keys {
                    let me = if k.this_device { "  (this device)" } else { "" };
                    let line = format!(
                        "device {}  granted by member {}  since {}{me}\n  {}",
                        k.device.short(),
                        k.member.short(),
                        k.since,
                        k.vkey
                    );
                    output::line(&mut out, &line).map_err(stdout_err)?;
                }
            }
            Ok(())
        }
        Command::Mirror(m) => {
            let mut unlock_fn = || unlock(fs.clone(), &root, pf, member);
            crate::mirrors::mirror_command(m, &root, &mut unlock_fn, cli.json, &mut out)
        }
        Command::Sync {
            wait,
            mirror,
            timeout,
        } => {
            let v = unlock(fs, &root, pf, member)?;
            crate::mirrors::sync(
                &v,
                mirror.as_deref(),
                wait,
                std::time::Duration::from_secs(timeout),
                cli.json,
                &mut out,
            )
        }
        Command::Restore {
            from,
            device,
            recovery_key,
            new_passphrase_file,
        } => {
            if recovery_key {
                let key = secrets::recovery_key()?;
                let pass = secrets::new_passphrase(new_passphrase_file.as_deref())?;
                let k = khronika_app::mirror::RestoreKey::Recovery {
                    key: &key,
                    new_passphrase: &pass,
                    params: khronika_crypto::kdf::Argon2Params::recommended(),
                };
                crate::mirrors::restore(&root, &from, device.as_deref(), &k, cli.json, &mut out)
            } else {
                let pass = secrets::passphrase(pf, false)?;
                let k = khronika_app::mirror::RestoreKey::Passphrase(&pass);
                crate::mirrors::restore(&root, &from, device.as_deref(), &k, cli.json, &mut out)
            }
        }
        Command::Verify { read_data } => {
            let locked = LockedVault::open(fs, &root)?;
            let total = dir_size(&root);
            let bar = output::bytes_bar(total, "verifying");
            let report = if read_data {
                let mut v = locked.unlock_as(member, &secrets::passphrase(pf, false)?)?;
                v.verify_data(&mut |n| bar.inc(n))
            } else {
                locked.verify(&mut |n| bar.inc(n))
            };
            bar.finish_and_clear();
            print_report(&report, read_data, cli.json, &mut out)
        }
    }
}

fn unlock(
    fs: Arc<OsFs>,
    root: &Path,
    pf: Option<&Path>,
    member: Option<&str>,
) -> Result<UnlockedVault, AppError> {
    let locked = LockedVault::open(fs, root)?;
    locked.unlock_as(member, &secrets::passphrase(pf, false)?)
}

fn init(root: &Path, pf: Option<&Path>, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    // Refuse an existing vault before asking for a passphrase.
    if root.join(khronika_app::layout::MARKER).exists() {
        return Err(CliError::App(AppError::new(
            ErrorCode::VaultExists,
            format!(
                "{} already holds a vault; nothing was changed",
                root.display()
            ),
        )));
    }
    let pass = secrets::passphrase(pf, true)?;
    if pass.char_count() < secrets::MIN_PASSPHRASE_CHARS {
        return Err(CliError::App(AppError::new(
            ErrorCode::Usage,
            format!(
                "the passphrase is shorter than {} characters; choose a longer one (a few unrelated words work well)",
                secrets::MIN_PASSPHRASE_CHARS
            ),
        )));
    }
    let (v, recovery) = vault::init(
        Arc::new(OsFs),
        root,
        &pass,
        Argon2Params::recommended(),
        &mut OsEntropy,
    )?;
    let m = v.locked().marker();
    let text = recovery.to_text();
    if json {
        let j = json!({"vault": root, "vault_id": m.vault.to_hex(), "device": m.device.to_hex(), "member": m.member.to_hex(), "recovery_key": text.as_str()});
        output::json(out, &j).map_err(stdout_err)?;
    } else {
        let msg = format!(
            "Created the vault at {}.\n\n\
             RECOVERY KEY (shown once, never stored on this device):\n\n    {}\n\n\
             Write it down on paper and keep it outside the region, with someone you trust.\n\
             With it and any mirror, the whole vault can be rebuilt if this device is lost,\n\
             seized or burned. Anyone who has it and a mirror can read everything.",
            root.display(),
            text.as_str()
        );
        output::line(out, &msg).map_err(stdout_err)?;
    }
    Ok(())
}

fn add(
    v: &mut UnlockedVault,
    sources: Vec<khronika_app::ingest::Source>,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let total: u64 = sources.iter().map(|s| s.size).sum();
    let bar = output::bytes_bar(total, "adding");
    let added = v.add(sources, &mut |n| bar.inc(n))?;
    bar.finish_and_clear();
    if json {
        let items: Vec<_> = added
            .iter()
            .map(|a| json!({"id": a.id, "file": a.origin, "size": a.size, "sha256": a.sha256, "media_type": a.media_type, "new_bytes": a.new_bytes}))
            .collect();
        output::json(out, &json!(items)).map_err(stdout_err)?;
    } else {
        for a in &added {
            output::line(out, &format!("{}  {}", a.id, a.origin.display())).map_err(stdout_err)?;
        }
        let new: u64 = added.iter().map(|a| a.new_bytes).sum();
        eprintln!(
            "khronika: added {} file(s), {} ({} new); durable on this device",
            added.len(),
            human_bytes(added.iter().map(|a| a.size).sum()),
            human_bytes(new)
        );
    }
    Ok(())
}

fn cat(
    v: &mut UnlockedVault,
    id: &str,
    output: Option<&Path>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match output {
        Some(path) => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            // Decrypted evidence is for its owner only.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(path).map_err(|e| {
                AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "cannot create {}: {e} (an existing file is never overwritten)",
                        path.display()
                    ),
                )
            })?;
            let res = v.cat(id, &mut f);
            if res.is_err() {
                drop(f);
                let _ = std::fs::remove_file(path);
            }
            Ok(res.map(|_| ())?)
        }
        None => {
            let rec = v.find(id)?;
            if std::io::stdout().is_terminal() && !rec.payload.media_type.starts_with("text/") {
                return Err(CliError::App(AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "{} is {} and would garble the terminal; use `khronika cat {} -o FILE` or redirect to a file",
                        rec.payload.id, rec.payload.media_type, rec.payload.id
                    ),
                )));
            }
            v.cat(id, out)?;
            Ok(())
        }
    }
}

fn ls(v: &UnlockedVault, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    let trust = v.trust();
    let status = |r: &khronika_app::catalog::EvidenceRecord| trust.trust(&r.device, r.index);
    if json {
        let items: Vec<_> = v
            .evidence()
            .iter()
            .map(|r| {
                let p = &r.payload;
                json!({"id": p.id, "name": p.name, "size": p.size, "sha256": p.sha256, "media_type": p.media_type,
                       "added": p.time, "added_by": p.added_by, "device": p.device, "clock": p.clock,
                       "status": status(r).as_str()})
            })
            .collect();
        return output::json(out, &json!(items)).map_err(stdout_err);
    }
    if v.evidence().is_empty() {
        eprintln!(
            "khronika: the vault holds no evidence yet; add files with `khronika add FILE...`"
        );
        return Ok(());
    }
    output::line(
        out,
        &format!(
            "{:<17}  {:<20}  {:>10}  {:<24}  NAME",
            "ID", "ADDED (UTC)", "SIZE", "TYPE"
        ),
    )
    .map_err(stdout_err)?;
    for r in v.evidence() {
        let p = &r.payload;
        let when = p.time.get(..19).unwrap_or(&p.time).replace('T', " ");
        output::line(
            out,
            &format!(
                "{:<17}  {:<20}  {:>10}  {:<24}  {}{}",
                p.id,
                when,
                human_bytes(p.size),
                p.media_type,
                p.name,
                match status(r) {
                    khronika_app::devices::Trust::Trusted => String::new(),
                    t => format!("  [{}]", t.as_str().to_uppercase()),
                }
            ),
        )
        .map_err(stdout_err)?;
    }
    Ok(())
}

fn log(v: &mut UnlockedVault, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    let mut items = Vec::new();
    for l in v.log_lines()? {
        let b = &l.entry.body;
        let hash = khronika_crypto::hash::to_hex(&l.entry.hash());
        if json {
            let mut j = json!({"device": b.device.to_hex(), "index": b.index, "kind": entry_kind::name(b.kind), "entry_sha256": hash,
                               "compartment": b.compartment.to_hex(), "epoch": b.epoch, "objects": b.objects.len()});
            if let Some(p) = &l.evidence {
                j["evidence"] = json!({"id": p.id, "name": p.name, "size": p.size, "sha256": p.sha256, "media_type": p.media_type, "time": p.time, "added_by": p.added_by, "clock": p.clock});
            }
            items.push(j);
        } else {
            let what = match &l.evidence {
                Some(p) => format!(
                    "{} {} ({}, {}) sha256 {} by {} at {}",
                    p.id,
                    p.name,
                    p.media_type,
                    human_bytes(p.size),
                    p.sha256,
                    &p.added_by[..8],
                    p.time
                ),
                None if b.kind == entry_kind::EVIDENCE_ADD => {
                    "(sealed: you hold no key for its compartment)".to_owned()
                }
                None => format!("compartment {} epoch {}", b.compartment.short(), b.epoch),
            };
            output::line(
                out,
                &format!(
                    "{}:{:<6} {:<15} {}  [{}]",
                    b.device.short(),
                    b.index,
                    entry_kind::name(b.kind),
                    what,
                    &hash[..16]
                ),
            )
            .map_err(stdout_err)?;
        }
    }
    if json {
        output::json(out, &json!(items)).map_err(stdout_err)?;
    }
    Ok(())
}

/// The sibling of a proof file with another suffix: `X.tlog-proof` → `X.leaf`.
fn sibling(proof: &Path, suffix: &str) -> PathBuf {
    let name = proof
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".tlog-proof").unwrap_or(&name);
    proof.with_file_name(format!("{stem}{suffix}"))
}

fn witness_command(
    w: WitnessCommand,
    fs: Arc<OsFs>,
    root: &Path,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    use khronika_app::witness::Witness;
    match w {
        WitnessCommand::Init { dir, name } => {
            let wit = Witness::init(&dir, &name)?;
            output::line(out, &wit.vkey()).map_err(stdout_err)?;
        }
        WitnessCommand::Vkey { dir } => {
            output::line(out, &Witness::open(&dir)?.vkey()).map_err(stdout_err)?
        }
        WitnessCommand::Serve {
            dir,
            store,
            token_file,
            listen,
        } => {
            let token = crate::secrets::witness_token(token_file.as_deref())?;
            let wit = Witness::open(&dir)?;
            let vkey = wit.vkey();
            let store = match store {
                Some(p) if p.is_dir() => Some(khronika_backends::LocalBackend::new(fs, p)),
                Some(p) => {
                    return Err(CliError::App(AppError::new(
                        ErrorCode::Usage,
                        format!("the store {} is not a folder", p.display()),
                    )));
                }
                None => None,
            };
            if let (Some(s), Some(_)) = (&store, &token)
                && s.root().join("khronika-vault").exists()
            {
                return Err(CliError::App(AppError::new(
                    ErrorCode::Usage,
                    format!(
                        "{} is a vault: a witness node that takes writes needs a mirror folder of its own (an empty folder), so that nothing written to it lands in a vault",
                        s.root().display()
                    ),
                )));
            }
            let writable = store.is_some() && token.is_some();
            let mut node = khronika_server::WitnessNode::new(wit, store);
            if let (true, Some(t)) = (writable, token) {
                node = node.with_write_token(t);
            }
            let mut printed = Ok(());
            let served = khronika_server::serve(listen, node, |addr| {
                let mode = if writable {
                    " (mirror: takes writes with the token)"
                } else {
                    ""
                };
                printed = output::line(
                    out,
                    &format!("witness {vkey} serving on http://{addr}{mode}"),
                )
                .and_then(|()| out.flush());
            });
            printed.map_err(stdout_err)?;
            served.map_err(|e| {
                CliError::App(AppError::new(
                    ErrorCode::Usage,
                    format!("cannot serve on {listen}: {e}"),
                ))
            })?;
        }
        WitnessCommand::Cosign { dir } => {
            let wit = Witness::open(&dir)?;
            let vault = LockedVault::open(fs, root)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let outcomes = wit.cosign(&vault, now)?;
            let refused = outcomes.iter().filter(|o| o.result.is_err()).count();
            if json {
                let items: Vec<_> = outcomes
                    .iter()
                    .map(|o| json!({"device": o.device.to_hex(), "size": o.size, "cosigned": o.result.is_ok(), "refused": o.result.as_ref().err()}))
                    .collect();
                output::json(out, &json!(items)).map_err(stdout_err)?;
            } else {
                for o in &outcomes {
                    let line = match &o.result {
                        Ok(()) => {
                            format!("cosigned device {} at size {}", o.device.short(), o.size)
                        }
                        Err(why) => format!(
                            "REFUSED device {} at size {}: {why}",
                            o.device.short(),
                            o.size
                        ),
                    };
                    output::line(out, &line).map_err(stdout_err)?;
                }
            }
            if refused > 0 {
                return Err(CliError::App(AppError::new(
                    ErrorCode::Damaged,
                    format!(
                        "the witness refused {refused} log(s): their history does not extend what it saw"
                    ),
                )));
            }
        }
    }
    Ok(())
}

fn verify_proof(
    proof: &Path,
    vkey: Option<String>,
    file: Option<&Path>,
    witnesses: &[String],
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| {
            AppError::new(
                ErrorCode::InputFile,
                format!("cannot read {}: {e}", p.display()),
            )
        })
    };
    let proof_bytes = read(proof)?;
    let leaf = read(&sibling(proof, ".leaf"))?;
    let disclosure = read(&sibling(proof, ".disclosure.json"))?;
    let (vkey, pinned) = match vkey {
        Some(k) => (k, true),
        None => {
            let k = read(&sibling(proof, ".vkey"))?;
            (String::from_utf8_lossy(&k).trim().to_owned(), false)
        }
    };
    let fail = |w: String| {
        CliError::App(AppError::new(
            ErrorCode::Damaged,
            format!("the proof does not verify: {w}"),
        ))
    };
    let v = khronika_app::proof::verify_package(&proof_bytes, &leaf, &disclosure, &vkey, witnesses)
        .map_err(fail)?;
    if let Some(f) = file {
        let want = v
            .fields
            .iter()
            .find(|(k, _)| k == "sha256")
            .map(|(_, v)| v.clone());
        let want =
            want.ok_or_else(|| fail("the disclosure does not include the file's SHA-256".into()))?;
        let mut h = khronika_crypto::hash::Sha256Hasher::new();
        let mut r = std::fs::File::open(f).map_err(|e| {
            AppError::new(
                ErrorCode::InputFile,
                format!("cannot read {}: {e}", f.display()),
            )
        })?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = std::io::Read::read(&mut r, &mut buf).map_err(|e| {
                AppError::new(
                    ErrorCode::InputFile,
                    format!("cannot read {}: {e}", f.display()),
                )
            })?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        let got = khronika_crypto::hash::to_hex(&h.finalize());
        if got != want {
            return Err(fail(format!(
                "{} has SHA-256 {got}, the proof is for {want}",
                f.display()
            )));
        }
    }
    if json {
        let fields: serde_json::Map<String, serde_json::Value> = v
            .fields
            .iter()
            .map(|(k, x)| (k.clone(), json!(x)))
            .collect();
        let j = json!({"verified": true, "origin": v.origin, "index": v.index, "checkpoint_size": v.size, "root": v.root,
                       "cosigned_by": v.cosigned_by, "vkey": vkey, "vkey_pinned": pinned, "fields": fields, "file_checked": file.is_some()});
        output::json(out, &j).map_err(stdout_err)?;
    } else {
        let mut text = format!(
            "VERIFIED: entry {} of {}\n  in the checkpoint of size {} (root {})\n  signed by {vkey}\n",
            v.index, v.origin, v.size, v.root
        );
        for (k, x) in &v.fields {
            text.push_str(&format!("  {k}: {x}\n"));
        }
        if let Some(f) = file {
            text.push_str(&format!(
                "  the file {} is this evidence (SHA-256 matches)\n",
                f.display()
            ));
        }
        if v.cosigned_by.is_empty() {
            text.push_str("  no witness cosignature on this checkpoint\n");
        } else {
            text.push_str(&format!(
                "  cosigned by witnesses: {}\n",
                v.cosigned_by.join(", ")
            ));
        }
        output::line(out, text.trim_end()).map_err(stdout_err)?;
        if !pinned {
            eprintln!(
                "khronika: note: the key was read from the proof package; compare it with the organisation's published keys, or pass --vkey"
            );
        }
    }
    Ok(())
}

pub(crate) fn print_report(
    r: &khronika_store::verify::Report,
    read_data: bool,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if json {
        let problems: Vec<_> = r
            .problems
            .iter()
            .map(|p| json!({"object": p.object, "problem": p.what}))
            .collect();
        let j = json!({"ok": r.is_ok(), "read_data": read_data, "objects": r.objects_checked, "bytes": r.bytes_checked,
                       "entries": r.entries_checked, "devices": r.devices.len(), "problems": problems, "notes": r.notes});
        output::json(out, &j).map_err(stdout_err)?;
    } else {
        for p in &r.problems {
            output::line(out, &format!("PROBLEM {}: {}", p.object, p.what)).map_err(stdout_err)?;
        }
        for n in &r.notes {
            output::line(out, &format!("note: {n}")).map_err(stdout_err)?;
        }
        let scope = if read_data {
            "objects, logs and evidence data"
        } else {
            "objects and logs (without keys)"
        };
        output::line(
            out,
            &format!(
                "checked {} objects ({}), {} log entries on {} device(s): {}",
                r.objects_checked,
                human_bytes(r.bytes_checked),
                r.entries_checked,
                r.devices.len(),
                if r.is_ok() {
                    format!("all {scope} intact")
                } else {
                    format!("{} problem(s)", r.problems.len())
                }
            ),
        )
        .map_err(stdout_err)?;
    }
    if r.is_ok() {
        Ok(())
    } else {
        Err(CliError::App(AppError::new(
            ErrorCode::Damaged,
            format!(
                "verification found {} problem(s); restore the named objects from a mirror or backup",
                r.problems.len()
            ),
        )))
    }
}

/// Bytes under a folder, for the progress bar (best effort).
fn dir_size(root: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![root.join("objects")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(_) => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                Err(_) => {}
            }
        }
    }
    total
}
