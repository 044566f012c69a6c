//! The S3 backend: a mirror on S3-compatible object storage (AWS, MinIO, Ceph, Garage,
//! SeaweedFS…) through the `object_store` crate.
//!
//! Mirrors are named `s3://BUCKET/PREFIX`; every object of the vault lives at
//! `PREFIX/<object path>`. Endpoint, region and credentials come from the mirror's own
//! settings (sealed in the vault by the app) or else the standard AWS environment variables
//! ([`S3Config::resolve`]); nothing else is asked of the machine (no instance metadata service
//! is ever contacted).
//!
//! Every object goes up as **one conditional create** (`PutMode::Create`, HTTP
//! `If-None-Match: *`): a store that honours it never overwrites. When the object is already
//! there, its bytes are compared as [`Backend::create`] requires: equal bytes are
//! [`Created::AlreadyPresent`] (a retried upload whose answer was lost), different bytes are a
//! [`BackendError::Conflict`]. A PUT is durable once acknowledged, so [`Backend::barrier`] does
//! nothing. Requests are retried with backoff and bounded by timeouts.
//!
//! The [`Backend`] trait is blocking: the backend owns a small tokio runtime (current thread)
//! and blocks on each request. It must not be called from inside another tokio runtime.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use khronika_store::{Backend, BackendError, Created, ObjectPath, Stored};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as StorePath;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    RetryConfig,
};

/// A secret string (the S3 secret key) that never shows in `Debug` output and is zeroized
/// when dropped.
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    /// Wrap a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

/// Where an S3 mirror is and how to reach it.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// The bucket.
    pub bucket: String,
    /// The prefix inside the bucket, without leading or trailing `/` (may be empty).
    pub prefix: String,
    /// The endpoint URL (`AWS_ENDPOINT_URL`), or `None` for AWS itself.
    pub endpoint: Option<String>,
    /// The region (`AWS_REGION`, default `us-east-1`).
    pub region: String,
    /// The access key id (`AWS_ACCESS_KEY_ID`).
    pub access_key_id: String,
    /// The secret access key (`AWS_SECRET_ACCESS_KEY`).
    pub secret_access_key: SecretString,
    /// A session token (`AWS_SESSION_TOKEN`), for temporary credentials.
    pub session_token: Option<SecretString>,
    /// Allow plain HTTP (`AWS_ALLOW_HTTP=true`), e.g. for a test server on loopback.
    pub allow_http: bool,
    /// How long one request may take before it is retried.
    pub request_timeout: Duration,
    /// How many times a failed request is retried.
    pub max_retries: usize,
}

/// A mirror's own settings, which win over the environment (see [`S3Config::resolve`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// The access key id and secret, used together or not at all.
    pub credentials: Option<(String, SecretString)>,
    /// The endpoint URL.
    pub endpoint: Option<String>,
    /// The region.
    pub region: Option<String>,
}

/// Why an S3 mirror cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    /// The mirror's URL is not `s3://BUCKET[/PREFIX]`.
    #[error(
        "`{0}` is not an S3 mirror URL: write it as s3://BUCKET or s3://BUCKET/PREFIX (bucket names: 3 to 63 lower-case letters, digits, dots and dashes)"
    )]
    BadUrl(String),
    /// A required environment variable is unset.
    #[error(
        "{0} is not set: give the mirror its own credentials (`khronika mirror add NAME URL --access-key-id ID`, sealed in the vault) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL, AWS_REGION for a store other than AWS)"
    )]
    MissingEnv(&'static str),
    /// A setting has a value that cannot be used.
    #[error("{0}")]
    BadSetting(String),
    /// The client could not be built (a bad endpoint URL, for instance).
    #[error("cannot set up the S3 client: {0}")]
    Client(String),
}

/// How long one request may take: `KHRONIKA_S3_TIMEOUT` seconds (1 to 3600), default 60.
fn request_timeout(var: &impl Fn(&str) -> Option<String>) -> Result<Duration, S3Error> {
    match var("KHRONIKA_S3_TIMEOUT") {
        None => Ok(Duration::from_secs(60)),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(s) if (1..=3600).contains(&s) => Ok(Duration::from_secs(s)),
            _ => Err(S3Error::BadSetting(format!(
                "KHRONIKA_S3_TIMEOUT is `{v}`: give the seconds one request to the store may take, from 1 to 3600"
            ))),
        },
    }
}

/// Split `s3://BUCKET/PREFIX` into bucket and prefix.
pub fn parse_s3_url(url: &str) -> Result<(String, String), S3Error> {
    let bad = || S3Error::BadUrl(url.to_owned());
    let rest = url.strip_prefix("s3://").ok_or_else(bad)?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !bucket.starts_with(['.', '-'])
        && !bucket.ends_with(['.', '-']);
    let prefix = prefix.trim_matches('/');
    let prefix_ok = prefix.split('/').all(|p| {
        p.is_empty() && prefix.is_empty()
            || (!p.is_empty()
                && p != "."
                && p != ".."
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'))
    });
    if !bucket_ok || !prefix_ok {
        return Err(bad());
    }
    Ok((bucket.to_owned(), prefix.to_owned()))
}

impl S3Config {
    /// The configuration of mirror `url` (`s3://BUCKET/PREFIX`) from the process environment.
    pub fn from_env(url: &str) -> Result<Self, S3Error> {
        Self::from_vars(url, |k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// The configuration of mirror `url` from variables looked up by `var`.
    pub fn from_vars(url: &str, var: impl Fn(&str) -> Option<String>) -> Result<Self, S3Error> {
        Self::resolve(url, &S3Settings::default(), var)
    }

    /// The configuration of mirror `url`: its own `settings` first, then the variables looked
    /// up by `var`. Sealed credentials are taken whole (key id and secret together, and no
    /// `AWS_SESSION_TOKEN`), so keys meant for one store never mix with another's; a sealed
    /// endpoint or region wins over `AWS_ENDPOINT_URL` / `AWS_REGION`. `AWS_ALLOW_HTTP` and
    /// `KHRONIKA_S3_TIMEOUT` always come from the variables.
    pub fn resolve(
        url: &str,
        settings: &S3Settings,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, S3Error> {
        let (bucket, prefix) = parse_s3_url(url)?;
        let (access_key_id, secret_access_key, session_token) = match &settings.credentials {
            Some((id, secret)) => (id.clone(), secret.clone(), None),
            None => (
                var("AWS_ACCESS_KEY_ID").ok_or(S3Error::MissingEnv("AWS_ACCESS_KEY_ID"))?,
                SecretString::new(
                    var("AWS_SECRET_ACCESS_KEY")
                        .ok_or(S3Error::MissingEnv("AWS_SECRET_ACCESS_KEY"))?,
                ),
                var("AWS_SESSION_TOKEN").map(SecretString::new),
            ),
        };
        let allow_http = var("AWS_ALLOW_HTTP")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"));
        Ok(S3Config {
            bucket,
            prefix,
            endpoint: settings
                .endpoint
                .clone()
                .or_else(|| var("AWS_ENDPOINT_URL"))
                .or_else(|| var("AWS_ENDPOINT")),
            region: settings
                .region
                .clone()
                .or_else(|| var("AWS_REGION"))
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_owned()),
            access_key_id,
            secret_access_key,
            session_token,
            allow_http,
            request_timeout: request_timeout(&var)?,
            max_retries: 4,
        })
    }

    /// The mirror's URL, `s3://BUCKET/PREFIX`.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// A mirror in an S3 bucket.
pub struct S3Backend {
    store: Arc<AmazonS3>,
    runtime: tokio::runtime::Runtime,
    bucket: String,
    prefix: String,
    endpoint: Option<String>,
}

impl fmt::Debug for S3Backend {
    // Never the client: its configuration holds the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Backend")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// What [`S3Backend::probe_overwrite`] found out about the credentials and the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverwriteProbe {
    /// A second conditional create of the probe object was refused, as it must be.
    pub conditional_create_honoured: bool,
    /// An unconditional PUT replaced the probe object: these credentials can overwrite.
    pub overwrite_allowed: bool,
    /// The probe object could be deleted: these credentials can delete.
    pub delete_allowed: bool,
}

/// How many times `create` repeats a PUT that failed without an answer from the store.
const CREATE_ATTEMPTS: u32 = 3;

fn other(e: impl fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl S3Backend {
    /// Connect to the mirror described by `cfg` (no request is made yet).
    pub fn new(cfg: &S3Config) -> Result<Self, S3Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| S3Error::Client(e.to_string()))?;
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(5),
                base: 2.0,
            },
            max_retries: cfg.max_retries,
            retry_timeout: Duration::from_secs(120),
        };
        let options = ClientOptions::new()
            .with_allow_http(cfg.allow_http)
            .with_connect_timeout(Duration::from_secs(10))
            .with_timeout(cfg.request_timeout);
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_access_key_id(&cfg.access_key_id)
            .with_secret_access_key(cfg.secret_access_key.expose())
            .with_allow_http(cfg.allow_http)
            .with_virtual_hosted_style_request(false)
            .with_retry(retry)
            .with_client_options(options);
        if let Some(t) = &cfg.session_token {
            b = b.with_token(t.expose());
        }
        if let Some(e) = &cfg.endpoint {
            b = b.with_endpoint(e);
        }
        let store = b.build().map_err(|e| S3Error::Client(e.to_string()))?;
        Ok(S3Backend {
            store: Arc::new(store),
            runtime,
            bucket: cfg.bucket.clone(),
            prefix: cfg.prefix.clone(),
            endpoint: cfg.endpoint.clone(),
        })
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn key(&self, rel: &str) -> StorePath {
        if self.prefix.is_empty() {
            StorePath::from(rel)
        } else {
            StorePath::from(format!("{}/{rel}", self.prefix))
        }
    }

    fn map_err(path: &ObjectPath, e: object_store::Error) -> BackendError {
        match e {
            object_store::Error::NotFound { .. } => BackendError::NotFound(path.clone()),
            e => BackendError::Io {
                path: path.clone(),
                source: other(e),
            },
        }
    }

    async fn get_bytes(&self, key: &StorePath) -> object_store::Result<Vec<u8>> {
        Ok(self.store.get(key).await?.bytes().await?.to_vec())
    }

    /// Find out whether the store refuses overwrites with these credentials: create a probe
    /// object under `khronika-probe/`, create it again (must be refused), overwrite it
    /// unconditionally (should be refused for a field node), and delete it (likewise).
    pub fn probe_overwrite(&self, name: &str) -> Result<OverwriteProbe, io::Error> {
        let key = self.key(&format!("khronika-probe/{name}"));
        let create = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        self.runtime.block_on(async {
            self.store
                .put_opts(
                    &key,
                    PutPayload::from_static(b"khronika probe 1\n"),
                    create.clone(),
                )
                .await
                .map_err(other)?;
            let again = self
                .store
                .put_opts(&key, PutPayload::from_static(b"khronika probe 2\n"), create)
                .await;
            let conditional_create_honoured = match again {
                Err(
                    object_store::Error::AlreadyExists { .. }
                    | object_store::Error::Precondition { .. },
                ) => true,
                Ok(_) => false,
                Err(e) => return Err(other(e)),
            };
            let overwrite_allowed = self
                .store
                .put(&key, PutPayload::from_static(b"khronika probe 3\n"))
                .await
                .is_ok();
            let delete_allowed = self.store.delete(&key).await.is_ok();
            Ok(OverwriteProbe {
                conditional_create_honoured,
                overwrite_allowed,
                delete_allowed,
            })
        })
    }
}

impl Backend for S3Backend {
    fn create(&self, path: &ObjectPath, bytes: &Stored) -> Result<Created, BackendError> {
        let key = self.key(path.as_str());
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        let payload = PutPayload::from(bytes.as_bytes().to_vec());
        self.runtime.block_on(async {
            // object_store retries server errors, but not a PUT whose answer was lost (it may
            // have been stored). A create-only PUT is safe to repeat: a second attempt finds
            // the object and compares its bytes.
            let mut attempt = 0u32;
            let put = loop {
                match self
                    .store
                    .put_opts(&key, payload.clone(), opts.clone())
                    .await
                {
                    Err(object_store::Error::Generic { .. }) if attempt < CREATE_ATTEMPTS => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(250) * attempt).await;
                    }
                    r => break r,
                }
            };
            match put {
                Ok(_) => Ok(Created::New),
                Err(
                    object_store::Error::AlreadyExists { .. }
                    | object_store::Error::Precondition { .. },
                ) => {
                    // Already there (perhaps our own earlier attempt): the same bytes count as
                    // written, other bytes are a conflict; nothing is overwritten either way.
                    let existing = self
                        .get_bytes(&key)
                        .await
                        .map_err(|e| Self::map_err(path, e))?;
                    if existing == bytes.as_bytes() {
                        Ok(Created::AlreadyPresent)
                    } else {
                        Err(BackendError::Conflict(path.clone()))
                    }
                }
                Err(e) => Err(Self::map_err(path, e)),
            }
        })
    }

    fn read(&self, path: &ObjectPath) -> Result<Vec<u8>, BackendError> {
        let key = self.key(path.as_str());
        self.runtime
            .block_on(self.get_bytes(&key))
            .map_err(|e| Self::map_err(path, e))
    }

    fn read_range(
        &self,
        path: &ObjectPath,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, BackendError> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let key = self.key(path.as_str());
        let end = offset.saturating_add(len as u64);
        let b = self
            .runtime
            .block_on(self.store.get_range(&key, offset..end))
            .map_err(|e| Self::map_err(path, e))?;
        if b.len() != len {
            return Err(BackendError::Io {
                path: path.clone(),
                source: io::Error::new(io::ErrorKind::UnexpectedEof, "object is shorter"),
            });
        }
        Ok(b.to_vec())
    }

    fn len(&self, path: &ObjectPath) -> Result<u64, BackendError> {
        let key = self.key(path.as_str());
        self.runtime
            .block_on(self.store.head(&key))
            .map(|m| m.size)
            .map_err(|e| Self::map_err(path, e))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        let rel = prefix.trim_end_matches('/');
        let under = match (self.prefix.is_empty(), rel.is_empty()) {
            (true, true) => None,
            (true, false) => Some(StorePath::from(rel)),
            (false, true) => Some(StorePath::from(self.prefix.as_str())),
            (false, false) => Some(StorePath::from(format!("{}/{rel}", self.prefix))),
        };
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let err = |e: object_store::Error| BackendError::Storage {
            doing: "listing objects on the S3 mirror",
            source: other(e),
        };
        let mut out = self.runtime.block_on(async {
            let mut stream = self.store.list(under.as_ref());
            let mut out = Vec::new();
            while let Some(meta) = stream.next().await {
                let loc = meta.map_err(err)?.location.to_string();
                if let Some(r) = loc.strip_prefix(&strip)
                    && r.starts_with(prefix)
                {
                    out.push(r.to_owned());
                }
            }
            Ok::<_, BackendError>(out)
        })?;
        out.sort_unstable();
        Ok(out)
    }

    fn remove_superseded(&self, path: &ObjectPath) -> Result<(), BackendError> {
        let key = self.key(path.as_str());
        self.runtime
            .block_on(self.store.delete(&key))
            .map_err(|e| Self::map_err(path, e))
    }

    fn barrier(&self) -> Result<(), BackendError> {
        // An acknowledged PUT is durable on the store.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_s3_url("s3://my-bucket/office/kyiv").unwrap(),
            ("my-bucket".into(), "office/kyiv".into())
        );
        assert_eq!(
            parse_s3_url("s3://my-bucket").unwrap(),
            ("my-bucket".into(), "".into())
        );
        assert_eq!(
            parse_s3_url("s3://my-bucket/p/").unwrap(),
            ("my-bucket".into(), "p".into())
        );
        for bad in [
            "s3://",
            "s3://A",
            "s3://Upper",
            "http://b/p",
            "s3://b",
            "s3://bucket/../x",
            "s3://bucket/a//b",
            "s3://-bucket",
        ] {
            assert!(parse_s3_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_needs_credentials_and_hides_the_secret() {
        let vars = |k: &str| match k {
            "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("wJalrXUtnFEMI-very-secret".to_owned()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:1".to_owned()),
            "AWS_ALLOW_HTTP" => Some("true".to_owned()),
            _ => None,
        };
        let cfg = S3Config::from_vars("s3://bucket/p", vars).unwrap();
        assert_eq!(cfg.region, "us-east-1");
        assert!(cfg.allow_http);
        assert!(!format!("{cfg:?}").contains("very-secret"));
        let b = S3Backend::new(&cfg).unwrap();
        let dbg = format!("{b:?}");
        assert!(
            !dbg.contains("very-secret") && dbg.contains("bucket"),
            "{dbg}"
        );
        assert!(matches!(
            S3Config::from_vars("s3://bucket/p", |_| None),
            Err(S3Error::MissingEnv("AWS_ACCESS_KEY_ID"))
        ));
    }

    #[test]
    fn a_mirrors_own_settings_win_over_the_environment_and_are_taken_whole() {
        let env = |k: &str| match k {
            "AWS_ACCESS_KEY_ID" => Some("ENVKEY".to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("env-secret".to_owned()),
            "AWS_SESSION_TOKEN" => Some("env-token".to_owned()),
            "AWS_ENDPOINT_URL" => Some("http://env.example".to_owned()),
            "AWS_REGION" => Some("env-region".to_owned()),
            _ => None,
        };
        let own = S3Settings {
            credentials: Some(("OWNKEY".into(), SecretString::new("own-secret"))),
            endpoint: Some("https://own.example".into()),
            region: None,
        };
        let cfg = S3Config::resolve("s3://bucket/p", &own, env).unwrap();
        assert_eq!(cfg.access_key_id, "OWNKEY");
        assert_eq!(cfg.secret_access_key.expose(), "own-secret");
        assert_eq!(cfg.session_token, None, "no env token with sealed keys");
        assert_eq!(cfg.endpoint.as_deref(), Some("https://own.example"));
        assert_eq!(cfg.region, "env-region");
        // Sealed credentials need no variables at all.
        let cfg = S3Config::resolve("s3://bucket/p", &own, |_| None).unwrap();
        assert_eq!(cfg.region, "us-east-1");
        // Without sealed credentials, the variables (and their token) are used.
        let cfg = S3Config::resolve("s3://bucket/p", &S3Settings::default(), env).unwrap();
        assert_eq!(cfg.access_key_id, "ENVKEY");
        assert!(cfg.session_token.is_some());
        assert!(!format!("{own:?}").contains("own-secret"));
    }
}
