//! Where the passphrase comes from: `--passphrase-file`, `KHRONIKA_PASSPHRASE`, or a prompt.

use std::io::IsTerminal;
use std::path::Path;

use khronika_app::{AppError, ErrorCode};
use khronika_crypto::Passphrase;

/// Shortest passphrase `init` accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Read a passphrase file, refusing one that other users can read.
fn from_file(path: &Path) -> Result<Passphrase, AppError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| {
            AppError::new(
                ErrorCode::Usage,
                format!("cannot read the passphrase file {}: {e}", path.display()),
            )
        })?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "the passphrase file {} can be read by other users; run `chmod 600 {}` and try again",
                    path.display(),
                    path.display()
                ),
            ));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::new(
            ErrorCode::Usage,
            format!("cannot read the passphrase file {}: {e}", path.display()),
        )
    })?;
    Ok(Passphrase::new(text))
}

/// The passphrase for unlocking, from the first source that is given.
pub fn passphrase(file: Option<&Path>, confirm: bool) -> Result<Passphrase, AppError> {
    let p = if let Some(f) = file {
        from_file(f)?
    } else if let Ok(v) = std::env::var("KHRONIKA_PASSPHRASE") {
        Passphrase::new(v)
    } else if std::io::stdin().is_terminal() {
        let p = Passphrase::new(prompt("Passphrase: ")?);
        if confirm {
            let again = Passphrase::new(prompt("Passphrase again: ")?);
            if again.expose() != p.expose() {
                return Err(AppError::new(
                    ErrorCode::Usage,
                    "the two passphrases differ; nothing was created. Try again.",
                ));
            }
        }
        p
    } else {
        return Err(AppError::new(
            ErrorCode::Usage,
            "no passphrase given: use --passphrase-file FILE, set KHRONIKA_PASSPHRASE, or run in a terminal to be asked",
        ));
    };
    if p.is_empty() {
        return Err(AppError::new(
            ErrorCode::Usage,
            "the passphrase is empty; nothing was changed",
        ));
    }
    Ok(p)
}

fn prompt(text: &str) -> Result<String, AppError> {
    rpassword::prompt_password(text)
        .map_err(|e| AppError::new(ErrorCode::Usage, format!("cannot read the passphrase: {e}")))
}

/// A new member's passphrase: from `file`, `KHRONIKA_NEW_PASSPHRASE`, or asked twice.
pub fn new_passphrase(file: Option<&Path>) -> Result<Passphrase, AppError> {
    let p = if let Some(f) = file {
        from_file(f)?
    } else if let Ok(v) = std::env::var("KHRONIKA_NEW_PASSPHRASE") {
        Passphrase::new(v)
    } else if std::io::stdin().is_terminal() {
        let p = Passphrase::new(prompt("New member's passphrase: ")?);
        let again = Passphrase::new(prompt("Again: ")?);
        if again.expose() != p.expose() {
            return Err(AppError::new(
                ErrorCode::Usage,
                "the two passphrases differ; nothing was changed. Try again.",
            ));
        }
        p
    } else {
        return Err(AppError::new(
            ErrorCode::Usage,
            "no passphrase for the new member: use --new-passphrase-file FILE, set KHRONIKA_NEW_PASSPHRASE, or run in a terminal to be asked",
        ));
    };
    if p.char_count() < MIN_PASSPHRASE_CHARS {
        return Err(AppError::new(
            ErrorCode::Usage,
            format!(
                "the new member's passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters; choose a longer one"
            ),
        ));
    }
    Ok(p)
}
