//! The `khronika` command: every operation of the vault, for people and for scripts.

mod cli;
mod hardening;
mod mirrors;
mod output;
mod panic;
mod records;
mod search;
mod secrets;
mod serve;
mod tokens;

use std::process::ExitCode;

fn main() -> ExitCode {
    hardening::no_core_dumps();
    cli::run()
}
