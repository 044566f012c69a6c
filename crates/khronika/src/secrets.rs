//! Where the passphrase comes from: `--passphrase-file`, `KHRONIKA_PASSPHRASE`, or a prompt;
//! and where a mirror's S3 secret comes from (standard input, an environment variable or a
//! prompt, never the command line).

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

/// An S3 mirror's secret access key: one line of standard input (`from_stdin`), else
/// `KHRONIKA_S3_SECRET_ACCESS_KEY`, else asked at the terminal. Never from the command line,
/// where other users of the machine can read it (`ps`) and shells keep it in their history.
pub fn s3_secret(from_stdin: bool) -> Result<khronika_backends::s3::SecretString, AppError> {
    let usage = |m: String| AppError::new(ErrorCode::Usage, m);
    let mut s = if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| {
            usage(format!(
                "cannot read the secret access key from standard input: {e}"
            ))
        })?;
        line
    } else if let Ok(v) = std::env::var("KHRONIKA_S3_SECRET_ACCESS_KEY") {
        v
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Secret access key: ")
            .map_err(|e| usage(format!("cannot read the secret access key: {e}")))?
    } else {
        return Err(usage(
            "--access-key-id needs its secret: give it on standard input with --secret-stdin, set KHRONIKA_S3_SECRET_ACCESS_KEY, or run in a terminal to be asked".into(),
        ));
    };
    let trimmed = s.trim_end_matches(['\n', '\r']).to_owned();
    let secret = khronika_backends::s3::SecretString::new(trimmed);
    zeroize::Zeroize::zeroize(&mut s);
    Ok(secret)
}

/// The vault's recovery key (`KR1-…`): from `KHRONIKA_RECOVERY_KEY`, else asked at the terminal.
/// Never from the command line.
pub fn recovery_key() -> Result<khronika_crypto::wrap::RecoveryKey, AppError> {
    let text = if let Ok(v) = std::env::var("KHRONIKA_RECOVERY_KEY") {
        zeroize::Zeroizing::new(v)
    } else if std::io::stdin().is_terminal() {
        zeroize::Zeroizing::new(
            rpassword::prompt_password("Recovery key (KR1-…): ").map_err(|e| {
                AppError::new(
                    ErrorCode::Usage,
                    format!("cannot read the recovery key: {e}"),
                )
            })?,
        )
    } else {
        return Err(AppError::new(
            ErrorCode::Usage,
            "no recovery key given: set KHRONIKA_RECOVERY_KEY or run in a terminal to be asked",
        ));
    };
    khronika_crypto::wrap::RecoveryKey::from_text(&text).map_err(|e| {
        AppError::new(
            ErrorCode::Usage,
            format!(
                "that is not a recovery key ({e}): it is the KR1-… line `khronika init` showed, 55 letters and digits in groups of five; check each group"
            ),
        )
    })
}

/// A witness node's write token for `mirror add` / `mirror set-credentials`: one line of
/// standard input (`from_stdin`), else `KHRONIKA_MIRROR_TOKEN`, else asked at the terminal.
/// Never from the command line.
pub fn mirror_token(from_stdin: bool) -> Result<khronika_backends::s3::SecretString, AppError> {
    let usage = |m: String| AppError::new(ErrorCode::Usage, m);
    let mut s = if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| {
            usage(format!(
                "cannot read the write token from standard input: {e}"
            ))
        })?;
        line
    } else if let Ok(v) = std::env::var("KHRONIKA_MIRROR_TOKEN") {
        v
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Witness node's write token: ")
            .map_err(|e| usage(format!("cannot read the write token: {e}")))?
    } else {
        return Err(usage(
            "a witness node needs its write token: give it on standard input with --token-stdin, set KHRONIKA_MIRROR_TOKEN, or run in a terminal to be asked".into(),
        ));
    };
    let token = khronika_backends::s3::SecretString::new(s.trim().to_owned());
    zeroize::Zeroize::zeroize(&mut s);
    khronika_backends::http::check_token(token.expose()).map_err(|e| usage(e.to_string()))?;
    Ok(token)
}

/// The write token `witness serve` accepts: from `file` (refused if other users can read it),
/// else `KHRONIKA_WITNESS_TOKEN`, else none (the node takes no writes).
pub fn witness_token(
    file: Option<&Path>,
) -> Result<Option<khronika_backends::s3::SecretString>, AppError> {
    let usage = |m: String| AppError::new(ErrorCode::Usage, m);
    let mut s = if let Some(path) = file {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| {
                usage(format!(
                    "cannot read the token file {}: {e}",
                    path.display()
                ))
            })?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(usage(format!(
                    "the token file {} can be read by other users; run `chmod 600 {}` and try again",
                    path.display(),
                    path.display()
                )));
            }
        }
        std::fs::read_to_string(path).map_err(|e| {
            usage(format!(
                "cannot read the token file {}: {e}",
                path.display()
            ))
        })?
    } else if let Ok(v) = std::env::var("KHRONIKA_WITNESS_TOKEN") {
        v
    } else {
        return Ok(None);
    };
    let token = khronika_backends::s3::SecretString::new(s.trim().to_owned());
    zeroize::Zeroize::zeroize(&mut s);
    khronika_backends::http::check_token(token.expose()).map_err(|e| usage(e.to_string()))?;
    Ok(Some(token))
}
