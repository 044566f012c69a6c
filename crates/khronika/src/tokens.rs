//! The token commands: `token create | ls | revoke | log`. Parse, call the app layer's
//! `tokens` module, print.

use std::io::Write;

use clap::Subcommand;
use khronika_app::time::rfc3339_ms;
use khronika_app::tokens::{TokenInfo, TokenScope};
use khronika_app::vault::UnlockedVault;
use serde_json::json;

use crate::cli::{CliError, stdout_err};
use crate::output;

pub(crate) const TOKEN_HELP: &str = "\
A token lets a program (a partner's import, a field form, a dashboard) use this node's JSON API
(`khronika serve`) in your name, without your passphrase. The program sends it in each request
as `Authorization: Bearer khr_…`.

A token is shown once, when it is created. Keep it like a passphrase: whoever holds it can do
what it allows until it is revoked. Give each program its own token, and the least it needs:
  - by default a token only reads; add --write for a program that adds or changes records;
  - by default it reaches every compartment you hold; name compartments with --compartment
    to limit it (give --compartment several times for several).
Your role still applies: a viewer's token never writes. Administration (members, compartments,
mirrors) needs a token made with --write and without --compartment.

Tokens belong to this node (this vault folder): they are not copied to mirrors or other
devices. `khronika token revoke ID` ends one at once; the panic button erases all of them; when
a member is removed, their tokens stop working. Every use of a token is written, encrypted, in
your activity log: `khronika token log`.";

/// `khronika token ...`
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token and print it once (on standard output; keep it like a passphrase)
    #[command(after_help = TOKEN_HELP)]
    Create {
        /// What the token is for, e.g. "partner import" (1 to 100 characters)
        #[arg(long)]
        name: String,
        /// Limit the token to this compartment (as `khronika compartment ls` names it); give
        /// it several times for several [default: every compartment you hold]
        #[arg(long = "compartment", value_name = "NAME")]
        compartments: Vec<String>,
        /// Let the token write: create and edit records, add evidence [default: read only]
        #[arg(long)]
        write: bool,
    },
    /// List your tokens on this node (their ids, names and scopes; never the tokens themselves)
    Ls,
    /// Revoke a token: it stops working at once
    Revoke {
        /// The token's id (or its first 6 or more characters), as `khronika token ls` prints it
        id: String,
    },
    /// Show your activity log: what your tokens were used for, newest first
    Log {
        /// How many uses to show
        #[arg(long, value_name = "N", default_value_t = 50,
              value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        limit: u32,
    },
}

fn scope_text(s: &TokenScope) -> String {
    let access = if s.write {
        "read and write"
    } else {
        "read only"
    };
    if s.compartments.is_empty() {
        format!("{access}, every compartment")
    } else {
        format!("{access}, {}", s.compartments.join(", "))
    }
}

fn info_json(t: &TokenInfo) -> serde_json::Value {
    json!({"id": t.id, "name": t.name, "member": t.member, "scope": t.scope,
           "created_ms": t.created_ms, "created": rfc3339_ms(t.created_ms)})
}

/// Run a token command on an unlocked vault.
pub(crate) fn run(
    cmd: TokenCommand,
    v: &mut UnlockedVault,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match cmd {
        TokenCommand::Create {
            name,
            compartments,
            write,
        } => {
            let (info, token) = v.create_token(
                &name,
                TokenScope {
                    compartments,
                    write,
                },
            )?;
            if json {
                output::json(
                    out,
                    &json!({"id": info.id, "name": info.name, "token": token.expose(),
                            "scope": info.scope, "created_ms": info.created_ms}),
                )
                .map_err(stdout_err)?;
            } else {
                output::line(out, token.expose()).map_err(stdout_err)?;
            }
            eprintln!(
                "khronika: token {} ({}) created for \"{}\". It is shown this once: keep it like a passphrase. Whoever holds it can {} as you until you run `khronika token revoke {}`.",
                info.id,
                scope_text(&info.scope),
                info.name,
                if info.scope.write {
                    "read and write"
                } else {
                    "read"
                },
                info.id
            );
            Ok(())
        }
        TokenCommand::Ls => {
            let list = v.tokens()?;
            if json {
                let items: Vec<serde_json::Value> = list.iter().map(info_json).collect();
                return output::json(out, &json!(items)).map_err(stdout_err);
            }
            if list.is_empty() {
                eprintln!(
                    "khronika: you have no tokens on this node; `khronika token create --name NAME` makes one"
                );
            }
            for t in &list {
                output::line(
                    out,
                    &format!(
                        "{}  {}  {:<40}  {}",
                        t.id,
                        rfc3339_ms(t.created_ms),
                        scope_text(&t.scope),
                        t.name
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            v.revoke_token(&id)?;
            if json {
                output::json(out, &json!({"revoked": id.trim()})).map_err(stdout_err)
            } else {
                output::line(
                    out,
                    &format!("revoked token {}: it opens nothing from now on", id.trim()),
                )
                .map_err(stdout_err)
            }
        }
        TokenCommand::Log { limit } => {
            let uses = v.token_uses(limit as usize)?;
            if json {
                return output::json(out, &json!(uses)).map_err(stdout_err);
            }
            if uses.is_empty() {
                eprintln!("khronika: your tokens have not been used on this node");
            }
            for u in &uses {
                output::line(
                    out,
                    &format!(
                        "{}  {}  {} {}  {}",
                        rfc3339_ms(u.time_ms),
                        u.token,
                        u.method,
                        u.path,
                        u.status
                    ),
                )
                .map_err(stdout_err)?;
            }
            Ok(())
        }
    }
}
