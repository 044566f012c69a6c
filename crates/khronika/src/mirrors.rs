//! The mirror commands: `mirror add | ls | verify | remove | set-credentials`, `sync` and
//! `restore`. Parse, call the app
//! layer's `mirror` module, print.

use std::cell::OnceCell;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Subcommand;
use indicatif::ProgressBar;
use khronika_app::mirror::{self, MirrorEntry};
use khronika_app::vault::{LockedVault, UnlockedVault};
use khronika_app::{AppError, ErrorCode};
use khronika_backends::OsFs;
use serde_json::json;

use crate::cli::{CliError, stdout_err};
use crate::output::{self, human_bytes};

pub(crate) const MIRROR_HELP: &str = "\
A mirror keeps a copy of the vault somewhere else: an S3 bucket in another country, a USB drive,
a share at a partner's office. It receives only ciphertext and public, signed metadata; it
cannot read anything. If this device is lost, seized or burned, `khronika restore` rebuilds the
vault from any one mirror and your passphrase.

Locations:
  s3://BUCKET/PREFIX    an S3-compatible bucket (AWS, MinIO, Ceph, Garage, SeaweedFS...)
  https://HOST[/PREFIX] a witness node (`khronika witness serve --store … --token-file …` at a
                        partner's; plain http:// only on this machine)
  /media/usb/khronika   a folder (or file:///media/usb/khronika)

A witness node takes writes only with the token it was started with: it is asked for when the
mirror is added (or read from standard input with --token-stdin, or from KHRONIKA_MIRROR_TOKEN)
and sealed into the vault. A witness node never holds passphrase key slots, so a restore from it
needs the recovery key. KHRONIKA_HTTP_TIMEOUT: seconds one request may take [default: 60].

An S3 mirror's address and credentials can be sealed into the vault when it is added
(--endpoint, --region, --access-key-id; the secret is asked for, or read from standard input
with --secret-stdin, or from KHRONIKA_S3_SECRET_ACCESS_KEY, never from the command line).
What is not sealed comes from the environment at each sync:
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   the credentials (ask the mirror's administrator)
  AWS_ENDPOINT_URL      the store's address, for a store other than AWS (https://s3.example.org)
  AWS_REGION            the region [default: us-east-1]
  AWS_ALLOW_HTTP=true   allow plain http (only for a test server on this machine)
  KHRONIKA_S3_TIMEOUT   seconds one request may take before it is retried [default: 60]
Sealed settings win over these variables for their mirror (the variables apply to every S3
mirror; a mirror's own keys must never be swapped for keys meant for another store).

Give field devices credentials that can create objects but not delete or overwrite them, and
turn on versioning and object lock on the bucket: then even someone holding a seized laptop
cannot damage the mirror. `mirror add` checks this and warns when the credentials can do more.
docs/MIRRORS.md has an example bucket policy and the object lock settings.";

/// `khronika mirror ...`
#[derive(Debug, Subcommand)]
pub(crate) enum MirrorCommand {
    /// Add a mirror (an S3 bucket or a folder); checks it can be written and warns if it can
    /// also be overwritten or deleted with these credentials
    #[command(after_help = MIRROR_HELP)]
    Add {
        /// A short name for it, e.g. office-s3 or usb-drive
        name: String,
        /// Where it is: s3://BUCKET/PREFIX or a folder
        url: String,
        #[command(flatten)]
        credentials: Credentials,
    },
    /// Remove a mirror from this device's list (nothing on the mirror is deleted)
    Remove {
        /// The mirror's name
        name: String,
    },
    /// Replace the credentials sealed for a mirror: an S3 mirror's key (and endpoint, region),
    /// or a witness node's write token. They are tried before they replace the old ones
    #[command(after_help = MIRROR_HELP)]
    SetCredentials {
        /// The mirror's name
        name: String,
        #[command(flatten)]
        credentials: Credentials,
    },
    /// List the mirrors and how many objects each still lacks
    Ls,
    /// Check a mirror without keys: every object against its name, every log's signatures and
    /// checkpoints, and that nothing it held before was removed (a rollback)
    #[command(after_help = MIRROR_HELP)]
    Verify {
        /// The mirror's name (needs the passphrase, to read the sealed mirror list), or its
        /// location (s3://… or a folder; needs no passphrase)
        mirror: String,
    },
}

/// What is sealed for a mirror, never the secret: `{"access_key_id": …, "secret": "sealed",
/// "endpoint": …, "region": …}` for S3, `{"token": "sealed"}` for a witness node, or null.
fn settings_json(e: &MirrorEntry) -> serde_json::Value {
    match (&e.s3, &e.http) {
        (Some(s), _) => {
            json!({"access_key_id": s.access_key_id, "secret": s.secret_access_key.as_ref().map(|_| "sealed"),
                          "endpoint": s.endpoint, "region": s.region})
        }
        (None, Some(h)) => json!({"token": h.token.as_ref().map(|_| "sealed")}),
        (None, None) => serde_json::Value::Null,
    }
}

/// What a mirror logs in with: S3 settings or a witness node's write token. Sealed into the
/// vault by `mirror add` and `mirror set-credentials`.
#[derive(Debug, clap::Args)]
pub(crate) struct Credentials {
    /// S3: the access key id to seal into the vault for this mirror (its secret is asked for,
    /// or read with --secret-stdin, or from KHRONIKA_S3_SECRET_ACCESS_KEY)
    #[arg(long, value_name = "ID")]
    access_key_id: Option<String>,
    /// S3: read the secret access key from the first line of standard input
    #[arg(long, requires = "access_key_id")]
    secret_stdin: bool,
    /// S3: the store's address, sealed into the vault (for example `https://s3.example.org`)
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// S3: the region, sealed into the vault (e.g. eu-central-1)
    #[arg(long)]
    region: Option<String>,
    /// Witness node: read the write token from the first line of standard input (else
    /// KHRONIKA_MIRROR_TOKEN, else it is asked for)
    #[arg(long)]
    token_stdin: bool,
}

impl Credentials {
    /// Whether any S3 setting was given.
    fn names_s3(&self) -> bool {
        self.access_key_id.is_some() || self.endpoint.is_some() || self.region.is_some()
    }

    /// The S3 settings from the flags (the secret read as `--secret-stdin` says).
    fn s3(self) -> Result<mirror::MirrorS3, AppError> {
        let secret = match &self.access_key_id {
            Some(_) => Some(mirror::SealedSecret(crate::secrets::s3_secret(
                self.secret_stdin,
            )?)),
            None => None,
        };
        Ok(mirror::MirrorS3 {
            access_key_id: self.access_key_id,
            secret_access_key: secret,
            endpoint: self.endpoint,
            region: self.region,
        })
    }
}

fn is_http(url: &str) -> bool {
    let u = url.trim();
    u.starts_with("https://") || u.starts_with("http://")
}

fn human_duration(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        ..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} days", s / 86400),
    }
}

fn when(ms: Option<i64>) -> String {
    ms.map_or_else(
        || "never".to_owned(),
        |m| {
            let t = khronika_app::time::rfc3339_ms(m);
            format!("{} UTC", t.get(..16).unwrap_or(&t).replace('T', " "))
        },
    )
}

pub(crate) fn mirror_command(
    cmd: MirrorCommand,
    root: &Path,
    unlock: &mut dyn FnMut() -> Result<UnlockedVault, AppError>,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match cmd {
        MirrorCommand::Add {
            name,
            url,
            credentials,
        } => {
            mirror::check_name(&name)?;
            let token_stdin = credentials.token_stdin;
            let s3 = credentials.s3()?;
            let http = if is_http(&url) {
                mirror::MirrorUrl::parse(&url)?;
                Some(mirror::MirrorHttp {
                    token: Some(mirror::SealedSecret(crate::secrets::mirror_token(
                        token_stdin,
                    )?)),
                })
            } else if token_stdin {
                return Err(CliError::App(AppError::new(
                    ErrorCode::Usage,
                    "--token-stdin is only for a witness node (https://…)",
                )));
            } else {
                None
            };
            let mut v = unlock()?;
            let added = v.mirror_add_with(&name, &url, Some(s3), http)?;
            if json {
                let j = json!({"name": added.entry.name, "url": added.entry.url,
                               "create_only_enforced": added.probe.conditional_create_honoured,
                               "overwrite_allowed": added.probe.overwrite_allowed,
                               "delete_allowed": added.probe.delete_allowed,
                               "warnings": added.warnings});
                output::json(out, &j).map_err(stdout_err)?;
            } else {
                output::line(
                    out,
                    &format!(
                        "added mirror {} ({}); run `khronika sync` to copy the vault to it",
                        added.entry.name, added.entry.url
                    ),
                )
                .map_err(stdout_err)?;
            }
            for w in &added.warnings {
                eprintln!("khronika: warning: {w}");
            }
            Ok(())
        }
        MirrorCommand::Remove { name } => {
            let mut v = unlock()?;
            let removed = v.mirror_remove(&name)?;
            if json {
                let j = json!({"name": removed.name, "url": removed.url, "removed": true});
                output::json(out, &j).map_err(stdout_err)?;
            } else {
                output::line(
                    out,
                    &format!(
                        "removed mirror {} ({}) from this device's list; nothing on it was deleted",
                        removed.name, removed.url
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        MirrorCommand::SetCredentials { name, credentials } => {
            let token_stdin = credentials.token_stdin;
            let mut v = unlock()?;
            let m = v.mirror(&name)?;
            let (s3, http) = if is_http(&m.url) {
                if credentials.names_s3() {
                    return Err(CliError::App(AppError::new(
                        ErrorCode::Usage,
                        format!(
                            "{name} is a witness node: it takes a write token (--token-stdin), not S3 settings; nothing was changed"
                        ),
                    )));
                }
                let token = crate::secrets::mirror_token(token_stdin)?;
                (
                    None,
                    Some(mirror::MirrorHttp {
                        token: Some(mirror::SealedSecret(token)),
                    }),
                )
            } else {
                if token_stdin {
                    return Err(CliError::App(AppError::new(
                        ErrorCode::Usage,
                        format!(
                            "{name} is not a witness node: --token-stdin is only for https:// mirrors; nothing was changed"
                        ),
                    )));
                }
                (Some(credentials.s3()?), None)
            };
            let changed = v.mirror_set_credentials(&name, s3, http)?;
            if json {
                let j = json!({"name": changed.name, "url": changed.url,
                               "settings": settings_json(&changed)});
                output::json(out, &j).map_err(stdout_err)?;
            } else {
                output::line(
                    out,
                    &format!(
                        "sealed new credentials for mirror {} ({}); they were tried and work",
                        changed.name, changed.url
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        MirrorCommand::Ls => {
            let v = unlock()?;
            let statuses = v.mirror_statuses()?;
            let now = khronika_app::time::now_ms();
            let safe = statuses.iter().filter(|s| s.is_safe()).count();
            if json {
                let items: Vec<_> = statuses
                    .iter()
                    .map(|s| {
                        json!({"name": s.entry.name, "url": s.entry.url, "safe": s.is_safe(),
                           "pending": s.pending.as_ref().ok(), "error": s.pending.as_ref().err(),
                           "lag_entries": s.lag_entries,
                           "lag_seconds": s.lag_ms(now).map(|l| l / 1000),
                           "last_success": s.entry.last_sync_ms.map(khronika_app::time::rfc3339_ms),
                           "last_error": s.entry.last_error,
                           "settings": settings_json(&s.entry)})
                    })
                    .collect();
                return output::json(
                    out,
                    &json!({"safe_on": safe, "mirrors": statuses.len(), "items": items}),
                )
                .map_err(stdout_err);
            }
            if statuses.is_empty() {
                eprintln!(
                    "khronika: no mirror yet; add one with `khronika mirror add NAME URL` (see `khronika mirror add --help`)"
                );
                return Ok(());
            }
            for s in &statuses {
                let status = match &s.pending {
                    Ok(0) => format!(
                        "safe: holds everything (last success {})",
                        when(s.entry.last_sync_ms)
                    ),
                    Ok(n) => format!(
                        "{n} object(s) pending, {} log entr{} behind, for {} (last success {})",
                        s.lag_entries.unwrap_or(0),
                        if s.lag_entries == Some(1) { "y" } else { "ies" },
                        human_duration(s.lag_ms(now).unwrap_or(0)),
                        when(s.entry.last_sync_ms)
                    ),
                    Err(e) => format!(
                        "UNREACHABLE: {e} (last success {})",
                        when(s.entry.last_sync_ms)
                    ),
                };
                output::line(
                    out,
                    &format!("{:<16} {:<40} {status}", s.entry.name, s.entry.url),
                )
                .map_err(stdout_err)?;
            }
            output::line(
                out,
                &format!("safe on {safe} of {} mirror(s)", statuses.len()),
            )
            .map_err(stdout_err)
        }
        MirrorCommand::Verify { mirror: target } => {
            let bar = ProgressBar::hidden();
            let report = if target.contains('/') || target.contains(':') {
                // A location: no passphrase; compared with this vault's logs.
                let url = mirror::MirrorUrl::parse(&target)?;
                let locked = LockedVault::open(Arc::new(OsFs), root)?;
                let t = mirror::open_target(Arc::new(OsFs), &url, None, false)?;
                let entry = MirrorEntry {
                    name: url.as_string(),
                    url: url.as_string(),
                    added_ms: 0,
                    acked: Default::default(),
                    last_sync_ms: None,
                    last_error: None,
                    s3: None,
                    http: None,
                };
                mirror::check_mirror(&locked, t.backend(), &entry, &mut |n| bar.inc(n))
                    .map_err(|e| mirror::mirror_error(&target, e))?
            } else {
                unlock()?.mirror_verify(&target, &mut |n| bar.inc(n))?
            };
            crate::cli::print_report(&report, false, json, out)
        }
    }
}

/// `khronika sync [--mirror NAME] [--wait]`
pub(crate) fn sync(
    v: &UnlockedVault,
    only: Option<&str>,
    wait: bool,
    timeout: Duration,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let (config, _) = v.mirror_config()?;
    let names: Vec<String> = match only {
        Some(n) => vec![v.mirror(n)?.name],
        None => config.mirrors.iter().map(|m| m.name.clone()).collect(),
    };
    if names.is_empty() {
        return Err(CliError::App(AppError::new(
            ErrorCode::Usage,
            "no mirror yet: add one with `khronika mirror add NAME URL` (see `khronika mirror add --help`)",
        )));
    }
    let deadline = Instant::now() + timeout;
    let mut results: Vec<(String, Result<mirror::SyncOutcome, AppError>)> = Vec::new();
    for name in &names {
        let mut delay = Duration::from_secs(1);
        let r = loop {
            let bar: OnceCell<ProgressBar> = OnceCell::new();
            let r = v.sync_mirror(
                name,
                &mut |total| {
                    let b = output::bytes_bar(total, "syncing");
                    b.set_message(format!("syncing to {name}"));
                    let _ = bar.set(b);
                },
                &mut |n| {
                    if let Some(b) = bar.get() {
                        b.inc(n)
                    }
                },
            );
            if let Some(b) = bar.get() {
                b.finish_and_clear();
            }
            let retry = match &r {
                Ok(o) => o.pending > 0,
                Err(e) => e.code == ErrorCode::Mirror,
            };
            if !wait || !retry || Instant::now() + delay > deadline {
                break r;
            }
            if let Err(e) = &r {
                eprintln!(
                    "khronika: {name}: {}; trying again in {} s",
                    e.message,
                    delay.as_secs()
                );
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(30));
        };
        results.push((name.clone(), r));
    }
    let safe = results
        .iter()
        .filter(|(_, r)| matches!(r, Ok(o) if o.pending == 0))
        .count();
    let total = results.len();
    let (config, _) = v.mirror_config()?;
    let last_success = |name: &str| {
        config
            .mirrors
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.last_sync_ms)
            .map(khronika_app::time::rfc3339_ms)
    };
    if json {
        let items: Vec<_> = results
            .iter()
            .map(|(name, r)| match r {
                Ok(o) => json!({"name": name, "ok": o.pending == 0, "sent": o.pushed.sent, "bytes": o.pushed.bytes,
                                "already_there": o.pushed.already, "pending": o.pending,
                                "lag_entries": o.lag_entries, "pulled": o.pulled, "last_success": last_success(name)}),
                Err(e) => json!({"name": name, "ok": false, "error": {"code": e.code.as_str(), "message": e.message},
                                 "last_success": last_success(name)}),
            })
            .collect();
        output::json(
            out,
            &json!({"safe_on": safe, "mirrors": total, "results": items}),
        )
        .map_err(stdout_err)?;
    } else {
        for (name, r) in &results {
            let line = match r {
                Ok(o) if o.pending == 0 => format!(
                    "{name}: sent {} object(s), {}; holds everything{}",
                    o.pushed.sent,
                    human_bytes(o.pushed.bytes),
                    pulled(o.pulled)
                ),
                Ok(o) => format!(
                    "{name}: sent {} object(s), {}; {} still pending{}",
                    o.pushed.sent,
                    human_bytes(o.pushed.bytes),
                    o.pending,
                    pulled(o.pulled)
                ),
                Err(e) => format!(
                    "{name}: FAILED: {} (last success {})",
                    e.message,
                    when(
                        config
                            .mirrors
                            .iter()
                            .find(|m| &m.name == name)
                            .and_then(|m| m.last_sync_ms)
                    )
                ),
            };
            output::line(out, &line).map_err(stdout_err)?;
        }
        output::line(out, &format!("safe on {safe} of {total} mirror(s)")).map_err(stdout_err)?;
    }
    match results.into_iter().find_map(|(_, r)| r.err()) {
        Some(e) => Err(CliError::Reported(AppError::new(
            e.code,
            format!(
                "{} of {total} mirror(s) failed; the vault is safe on {safe}. {}",
                total - safe,
                e.message
            ),
        ))),
        None if safe < total => Err(CliError::Reported(AppError::new(
            ErrorCode::Mirror,
            format!(
                "objects are still pending on {} mirror(s); run `khronika sync` again",
                total - safe
            ),
        ))),
        None => Ok(()),
    }
}

/// `khronika restore --from URL...`
pub(crate) fn restore(
    root: &Path,
    from: &[String],
    device: Option<&str>,
    key: &mirror::RestoreKey<'_>,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} restoring: {bytes} copied {bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let res = mirror::restore(Arc::new(OsFs), root, from, device, key, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    let (v, o) = res?;
    let evidence = v.evidence().len();
    if json {
        let mirrors: Vec<_> = o
            .candidates
            .iter()
            .map(|c| json!({"url": c.url, "used": c.rejected.is_none(), "reason": c.rejected,
                            "checkpoints": c.newest.iter().map(|(d, s)| (d.to_hex(), *s)).collect::<std::collections::BTreeMap<_, _>>()}))
            .collect();
        let j = json!({"vault": root, "from": o.from, "objects": o.objects, "bytes": o.bytes,
                       "evidence": evidence, "verified": o.report.is_ok(), "mirrors": mirrors});
        output::json(out, &j).map_err(stdout_err)?;
    } else {
        output::line(
            out,
            &format!(
                "restored {} from {}: {} object(s), {}; {evidence} evidence item(s); verified",
                root.display(),
                o.from,
                o.objects,
                human_bytes(o.bytes)
            ),
        )
        .map_err(stdout_err)?;
        for c in o.candidates.iter().filter(|c| c.rejected.is_some()) {
            output::line(
                out,
                &format!(
                    "NOT USED {}: {}",
                    c.url,
                    c.rejected.as_deref().unwrap_or("")
                ),
            )
            .map_err(stdout_err)?;
        }
    }
    for c in &o.candidates {
        if let Some(why) = &c.rejected
            && !why.starts_with("not needed")
        {
            eprintln!("khronika: warning: mirror {} was not used: {why}", c.url);
        }
    }
    Ok(())
}

/// "; took N object(s) other devices wrote", when any.
fn pulled(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("; took {n} object(s) that other devices wrote")
    }
}
