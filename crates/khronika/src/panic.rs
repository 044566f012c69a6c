//! `khronika panic`: erase every key slot on this device.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use khronika_app::{AppError, ErrorCode, LockedVault};
use khronika_backends::OsFs;
use serde_json::json;

use crate::cli::{CliError, stdout_err};
use crate::output;

/// Erase the key slots after one confirmation (`--yes`, or `erase` typed at the terminal).
pub fn panic(root: &Path, yes: bool, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    let locked = LockedVault::open(Arc::new(OsFs), root)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::App(AppError::new(
                ErrorCode::Usage,
                "nothing was erased: there is no terminal to ask for confirmation on; give --yes to erase the keys without a question",
            )));
        }
        eprint!(
            "This erases every key on this device: nothing here can be opened afterwards, by anyone.\nThe data comes back only by `khronika restore` from a mirror.\nType erase to go on: "
        );
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| {
                CliError::App(AppError::new(
                    ErrorCode::Usage,
                    format!("cannot read the answer: {e}"),
                ))
            })?;
        if answer.trim() != "erase" {
            return Err(CliError::App(AppError::new(
                ErrorCode::Usage,
                "not confirmed; nothing was erased",
            )));
        }
    }
    let erased = locked.erase_keys()?;
    if json {
        return output::json(out, &json!(erased)).map_err(stdout_err);
    }
    output::line(
        out,
        &format!(
            "{} key slot(s) erased. Nothing on this device can be opened now; restore from a mirror on a safe device.",
            erased.files.len()
        ),
    )
    .map_err(stdout_err)
}
