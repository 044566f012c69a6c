//! `khronika serve`: the web application.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use khronika_app::{AppError, ErrorCode};
use khronika_backends::OsFs;
use khronika_server::web::{Web, WebConfig, WebError};
use serde_json::json;

use crate::cli::{CliError, stdout_err};
use crate::output;

/// The options of `khronika serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. Only loopback addresses are served without TLS: to reach
    /// Khronika from elsewhere, give --tls-cert and --tls-key, or put an onion service or an
    /// HTTPS proxy in front of it
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8470")]
    listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM; only you may read it: chmod 600)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Log out a session after this many minutes without a request
    #[arg(long, value_name = "MINUTES", default_value_t = 30)]
    idle_minutes: u64,
    /// The largest evidence upload accepted, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 2048)]
    max_upload_mib: u64,
    /// While a member is logged in, send the mirrors what they lack this often (0: never;
    /// then run `khronika sync` yourself)
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    sync_seconds: u64,
}

fn web_error(e: WebError) -> CliError {
    let code = match e.code {
        "address" | "tls" => ErrorCode::Usage,
        _ => match e.status.as_u16() {
            400..=499 => ErrorCode::Usage,
            _ => ErrorCode::Storage,
        },
    };
    CliError::App(AppError::new(code, e.message))
}

/// Serve until the process is stopped.
pub fn serve(
    args: &ServeArgs,
    root: &Path,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if args.idle_minutes == 0 {
        return Err(CliError::App(AppError::new(
            ErrorCode::Usage,
            "--idle-minutes must be at least 1",
        )));
    }
    let mut config = WebConfig::new(root.to_path_buf());
    config.listen = args.listen;
    config.idle = Duration::from_secs(args.idle_minutes * 60);
    config.max_upload = args.max_upload_mib.saturating_mul(1 << 20);
    config.sync_every = (args.sync_seconds > 0).then(|| Duration::from_secs(args.sync_seconds));
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config.tls = Some(khronika_server::web::tls::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        });
    }
    if config.tls.is_none() && !khronika_server::web::plain_http_allowed(&config.listen) {
        return Err(web_error(WebError::refuse_address(config.listen)));
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let (web, token) = Web::new(config, Arc::new(OsFs)).map_err(web_error)?;
    let mut printed = Ok(());
    let served = khronika_server::web::serve(web, |addr| {
        let url = format!("{scheme}://{addr}/");
        printed = if json {
            output::line(
                out,
                &json!({"url": url, "vault": root, "setup_token": token}).to_string(),
            )
        } else {
            let mut text = format!("Khronika is serving {} on {url}", root.display());
            if let Some(t) = &token {
                text.push_str(&format!(
                    "\nThere is no vault yet. Open {url}setup and create it with this one-time setup token:\n\n    {t}\n\nAnyone who has the token can create the vault: do not share it."
                ));
            }
            text.push_str("\nStop with Ctrl-C.");
            output::line(out, &text)
        }
        .and_then(|()| out.flush());
    });
    printed.map_err(stdout_err)?;
    served.map_err(web_error)
}
