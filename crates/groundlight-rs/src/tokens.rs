//! Opt-in API token rotation, with the official SDK's wire behaviour (its `TokenManager`).
//!
//! Off by default (the official SDK turns it on by default): with it on, the client mints API
//! tokens, revokes old ones and keeps secrets on disk, which is more than a library should do
//! to an account without being asked, and the Edge Endpoint's own use of the official SDK
//! turns it off because it revokes tokens that other programs may still hold. Turn it on with
//! [`GroundlightBuilder::token_rotation`](crate::GroundlightBuilder::token_rotation) for a
//! long-running client whose token has a TTL (it stops working when the token expires
//! otherwise).
//!
//! What happens, as in the official SDK 1.3.1:
//!
//! 1. At `build()`: the token's first 20 characters must be `[A-Za-z0-9_]`
//!    ([`CredentialError::BadFormat`] otherwise; nothing is
//!    sent).
//! 2. At the first call (or [`Groundlight::start_token_rotation`](crate::Groundlight::start_token_rotation)), under an exclusive lock of
//!    `<token dir>/<snippet>.lock`: a token cached in `<token dir>/<snippet>.json` that has not
//!    expired is used as it is. Otherwise `GET /v1/api-tokens/by-snippet/{snippet}` with the
//!    configured token: a 404 (a server without the token API) keeps the configured token and
//!    turns rotation off, with a warning; a `token_ttl` of `null` keeps it and never rotates;
//!    a `token_ttl` mints a replacement with `POST /v1/api-tokens {"name": "<base name> <6
//!    hex>"}` (the base name is the configured token's name without a trailing ` <6 hex>`),
//!    caches it (file mode `0600`, directory `0700`) and sends its `raw_key` from then on.
//! 3. A background task owned by the client refreshes every `token_ttl / 30` (5 minutes
//!    after a failure): it revokes the token before the one in use
//!    (`DELETE /v1/api-tokens/{name}`; the configured token at the first refresh), then mints
//!    the next one. Another process sharing the cache that rotated first is followed instead.
//!    The task stops when the last clone of the client is dropped.
//!
//! The token directory is [`GroundlightBuilder::token_dir`](crate::GroundlightBuilder::token_dir),
//! else `GROUNDLIGHT_TOKEN_DIR`, else `~/.groundlight/tokens` (on Windows
//! `%LOCALAPPDATA%\Groundlight\Groundlight\tokens`). The cache files have the official SDK's
//! layout, so Rust and Python programs using one token can share them.
//!
//! Every request reads the token in use when it is (re)built, so a retry after a rotation
//! sends the new token. Tokens never appear in `Debug`, errors or traces.
//!
//! ```
//! use groundlight::testing::FakeGroundlight;
//! use groundlight::TokenRotationStatus;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> groundlight::Result<()> {
//! let fake = FakeGroundlight::start().await;
//! fake.set_token_ttl(Some(30 * 24 * 3600)); // tokens of this account live 30 days
//! let dir = std::env::temp_dir().join(format!("gl-doc-tokens-{}", std::process::id()));
//! let gl = fake.client_builder().token_rotation(true).token_dir(&dir).build()?;
//! gl.start_token_rotation().await?; // otherwise the first call does it
//! assert!(matches!(gl.token_rotation_status(), TokenRotationStatus::Active { .. }));
//! gl.whoami().await?; // sent with the minted token
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use http::{Method, StatusCode};
use reqwest::Url;
use serde_json::{Value, json};
use vision_sdk_common::clock::Clock;
use vision_sdk_common::internal::url::join;
use vision_sdk_common::internal::{Executor, Idempotency};
use vision_sdk_common::{CredentialError, Secret};

use crate::client::base_request;
use crate::error::{Error, Result};

/// Environment variable naming the token cache directory (the official SDK's).
pub const ENV_TOKEN_DIR: &str = "GROUNDLIGHT_TOKEN_DIR";

/// How many leading characters of a token identify it (its "snippet").
pub const TOKEN_SNIPPET_LENGTH: usize = 20;

/// The wait before another refresh after one failed (the official SDK's
/// `REFRESH_RETRY_BACKOFF_SECONDS`), and the refresh interval when `token_ttl` is not positive.
pub const REFRESH_RETRY_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// A token is refreshed after this fraction (1/30) of its identity's `token_ttl`.
const REFRESH_FRACTION: u32 = 30;
/// The server's limit on token names, and the room the ` <6 hex>` suffix takes.
const TOKEN_NAME_MAX_LENGTH: usize = 64;
const TOKEN_NAME_SUFFIX_LENGTH: usize = 7;
/// How long to wait for another process holding the cache lock.
const LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// Where token rotation stands for a client ([`Groundlight::token_rotation_status`]).
///
/// [`Groundlight::token_rotation_status`]: crate::Groundlight::token_rotation_status
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenRotationStatus {
    /// Rotation was not asked for: the configured token is sent as it is.
    Off,
    /// Asked for, not set up yet (the first call, or
    /// [`start_token_rotation`](crate::Groundlight::start_token_rotation), does it).
    NotStarted,
    /// The server has no token API (404): the configured token is kept, nothing rotates.
    Unavailable,
    /// The token's identity has no TTL (`token_ttl: null`): the token is kept, nothing rotates.
    NotNeeded,
    /// A rotated token is in use and refreshed in the background.
    Active {
        /// The name of the token in use (never its value).
        token_name: String,
        /// How often it is replaced (`token_ttl / 30`).
        refresh_interval: Duration,
    },
}

/// What the builder collected.
#[derive(Clone)]
pub(crate) struct RotationConfig {
    pub(crate) dir: PathBuf,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Checks the token as the official `TokenManager` does before it sends anything.
pub(crate) fn check_format(token: &Secret) -> Result<String> {
    let snippet: String = token
        .expose_secret()
        .chars()
        .take(TOKEN_SNIPPET_LENGTH)
        .collect();
    let valid = snippet.chars().count() == TOKEN_SNIPPET_LENGTH
        && snippet
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(snippet)
    } else {
        Err(Error::Credential(CredentialError::BadFormat {
            why: "token rotation needs its first 20 characters to be letters, digits or '_'; \
                  check that GROUNDLIGHT_API_TOKEN is set correctly",
        }))
    }
}

/// The default cache directory: `~/.groundlight/tokens` (Windows:
/// `%LOCALAPPDATA%\Groundlight\Groundlight\tokens`, platformdirs' `user_data_path`).
pub(crate) fn default_token_dir(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf> {
    if let Some(dir) = env(ENV_TOKEN_DIR).filter(|d| !d.is_empty()) {
        return Ok(expand_home(&dir, env));
    }
    if cfg!(windows)
        && let Some(local) = env("LOCALAPPDATA").filter(|d| !d.is_empty())
    {
        return Ok(PathBuf::from(local)
            .join("Groundlight")
            .join("Groundlight")
            .join("tokens"));
    }
    let home = home(env).ok_or_else(|| {
        Error::Config(format!(
            "token rotation: no home directory to keep tokens in; set {ENV_TOKEN_DIR} or \
             call token_dir()"
        ))
    })?;
    Ok(home.join(".groundlight").join("tokens"))
}

fn home(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("HOME")
        .or_else(|| env("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `~` or `~/…` with the home directory (Python's `Path.expanduser`).
fn expand_home(dir: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let rest = match dir.strip_prefix('~') {
        Some("") => Some(""),
        Some(rest) if rest.starts_with('/') || rest.starts_with('\\') => Some(&rest[1..]),
        _ => None,
    };
    match (rest, home(env)) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(dir),
    }
}

/// The token in use, as cached (`current` of the official SDK's slot).
#[derive(Clone)]
struct CurrentToken {
    raw_key: Secret,
    snippet: String,
    name: String,
    expires_at: Option<DateTime<Utc>>,
    minted_at: DateTime<Utc>,
    token_ttl: Option<Duration>,
}

/// The token before it, revoked at the next rotation.
#[derive(Clone)]
struct PreviousToken {
    name: String,
    minted_at: DateTime<Utc>,
}

/// One cache file.
struct TokenSlot {
    base_name: String,
    current: CurrentToken,
    previous: Option<PreviousToken>,
}

fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// RFC 3339, or an ISO date-time without offset read as UTC (Python's `fromisoformat`).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn seconds(value: &Value) -> Option<Duration> {
    value
        .as_f64()
        .map(|s| Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX))
}

impl TokenSlot {
    fn to_json(&self) -> Value {
        let current = &self.current;
        json!({
            "base_name": self.base_name,
            "current": {
                "raw_key": current.raw_key.expose_secret(),
                "snippet": current.snippet,
                "name": current.name,
                "expires_at": current.expires_at.map(format_time),
                "minted_at": format_time(current.minted_at),
                "token_ttl_seconds": current.token_ttl.map(|t| t.as_secs_f64()),
            },
            "previous": self.previous.as_ref().map(|p| json!({
                "name": p.name,
                "minted_at": format_time(p.minted_at),
            })),
        })
    }

    /// Reads a slot; the error says what is missing, never what the file holds.
    fn from_json(value: &Value) -> std::result::Result<Self, &'static str> {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let time = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).and_then(parse_time);
        let current = value.get("current").ok_or("no current token")?;
        let expires_at = match current.get("expires_at") {
            None | Some(Value::Null) => None,
            Some(_) => Some(time(current, "expires_at").ok_or("a bad expires_at")?),
        };
        let ttl = current
            .get("token_ttl_seconds")
            .or_else(|| current.get("ttl_seconds"))
            .unwrap_or(&Value::Null);
        let token_ttl = match ttl {
            Value::Null => None,
            other => Some(seconds(other).ok_or("a bad token_ttl_seconds")?),
        };
        let previous = match value.get("previous") {
            None | Some(Value::Null) => None,
            Some(p) => Some(PreviousToken {
                name: text(p, "name").ok_or("no previous name")?,
                minted_at: time(p, "minted_at").ok_or("no previous minted_at")?,
            }),
        };
        Ok(Self {
            base_name: text(value, "base_name").ok_or("no base_name")?,
            current: CurrentToken {
                raw_key: Secret::new(text(current, "raw_key").ok_or("no raw_key")?),
                snippet: text(current, "snippet").ok_or("no snippet")?,
                name: text(current, "name").ok_or("no name")?,
                expires_at,
                minted_at: time(current, "minted_at").ok_or("no minted_at")?,
                token_ttl,
            },
            previous,
        })
    }
}

/// Removes a trailing ` <6 lowercase hex>` (the suffix of a minted token's name).
fn base_name(name: &str) -> &str {
    let bytes = name.as_bytes();
    if bytes.len() >= TOKEN_NAME_SUFFIX_LENGTH {
        let (head, tail) = bytes.split_at(bytes.len() - TOKEN_NAME_SUFFIX_LENGTH);
        if tail[0] == b' '
            && tail[1..]
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        {
            // The tail is ASCII, so `head` ends on a character boundary.
            return &name[..head.len()];
        }
    }
    name
}

/// `<base name, cut to 57 characters> <6 random hex digits>`.
fn new_token_name(base: &str) -> String {
    let base: String = base
        .chars()
        .take(TOKEN_NAME_MAX_LENGTH - TOKEN_NAME_SUFFIX_LENGTH)
        .collect();
    format!("{base} {:06x}", fastrand::u32(..0x0100_0000))
}

fn refresh_interval(ttl: Duration) -> Duration {
    let interval = ttl / REFRESH_FRACTION;
    if interval.is_zero() {
        REFRESH_RETRY_BACKOFF
    } else {
        interval
    }
}

/// The wall time the refresh schedule sees: the clock's instants on a UTC origin, so that a
/// test clock moves it too.
struct WallClock {
    clock: Arc<dyn Clock>,
    origin: Instant,
    origin_utc: DateTime<Utc>,
}

impl WallClock {
    fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            origin: clock.now(),
            origin_utc: DateTime::<Utc>::from(std::time::SystemTime::now()),
            clock,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.clock.now().saturating_duration_since(self.origin);
        chrono::Duration::from_std(elapsed)
            .ok()
            .and_then(|d| self.origin_utc.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// How long until `at` (zero when it has passed).
    fn until(&self, at: DateTime<Utc>) -> Duration {
        (at - self.now()).to_std().unwrap_or(Duration::ZERO)
    }
}

#[derive(Default)]
struct State {
    status: Option<TokenRotationStatus>,
    current: Option<CurrentToken>,
}

/// What the client and its refresh task share.
struct Shared {
    executor: Executor,
    endpoint: Url,
    configured: Secret,
    snippet: String,
    dir: PathBuf,
    wall: WallClock,
    state: Mutex<State>,
}

/// A client's token rotation: set up once, then refreshed by a task that is aborted when the
/// client (its last clone) is dropped.
pub(crate) struct Rotation {
    shared: Arc<Shared>,
    setup: tokio::sync::OnceCell<()>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Rotation {
    fn drop(&mut self) {
        if let Some(task) = self
            .task
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
    }
}

impl Rotation {
    pub(crate) fn new(
        config: RotationConfig,
        executor: Executor,
        endpoint: Url,
        configured: Secret,
        snippet: String,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                executor,
                endpoint,
                configured,
                snippet,
                dir: config.dir,
                wall: WallClock::new(config.clock),
                state: Mutex::new(State::default()),
            }),
            setup: tokio::sync::OnceCell::new(),
            task: Mutex::new(None),
        }
    }

    /// Sets up rotation once (a failed setup is tried again by the next call).
    pub(crate) async fn ensure_started(&self) -> Result<()> {
        if self.setup.initialized() {
            return Ok(());
        }
        self.setup
            .get_or_try_init(|| async {
                self.shared.initialize().await?;
                if self.shared.is_active() {
                    let shared = Arc::clone(&self.shared);
                    let task = tokio::spawn(async move { shared.run().await });
                    *self.task.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
                }
                Ok::<(), Error>(())
            })
            .await
            .map(|_| ())
    }

    pub(crate) fn status(&self) -> TokenRotationStatus {
        self.shared
            .lock()
            .status
            .clone()
            .unwrap_or(TokenRotationStatus::NotStarted)
    }

    /// The token requests carry now.
    pub(crate) fn current_token(&self) -> Secret {
        self.shared
            .lock()
            .current
            .as_ref()
            .map_or_else(|| self.shared.configured.clone(), |c| c.raw_key.clone())
    }
}

/// A held `<snippet>.lock` (released when dropped).
struct CacheLock(#[allow(dead_code)] File);

/// Why a token call failed: the server has no token API (404), or another error.
enum CallError {
    NotFound,
    Other(Error),
}

impl From<Error> for CallError {
    fn from(error: Error) -> Self {
        if error.status() == Some(StatusCode::NOT_FOUND) {
            Self::NotFound
        } else {
            Self::Other(error)
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_active(&self) -> bool {
        matches!(self.lock().status, Some(TokenRotationStatus::Active { .. }))
    }

    fn set_status(&self, status: TokenRotationStatus) {
        self.lock().status = Some(status);
    }

    fn slot_path(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.snippet))
    }

    /// Sends `token` from now on.
    fn activate(&self, token: CurrentToken) -> Result<()> {
        self.executor
            .replace_secret(token.raw_key.clone())
            .map_err(|_| Error::Credential(CredentialError::NotHeaderSafe))?;
        let status = match token.token_ttl {
            Some(ttl) => TokenRotationStatus::Active {
                token_name: token.name.clone(),
                refresh_interval: refresh_interval(ttl),
            },
            None => TokenRotationStatus::NotNeeded,
        };
        let mut state = self.lock();
        state.status = Some(status);
        state.current = Some(token);
        Ok(())
    }

    fn use_configured(&self) -> Result<()> {
        self.executor
            .replace_secret(self.configured.clone())
            .map_err(|_| Error::Credential(CredentialError::NotHeaderSafe))?;
        self.lock().current = None;
        Ok(())
    }

    fn unavailable(&self) {
        tracing::warn!(
            "Automatic API token refresh is unavailable because this server does not support \
             token management"
        );
        self.set_status(TokenRotationStatus::Unavailable);
    }

    /// Step 2 of the module docs.
    async fn initialize(&self) -> Result<()> {
        let _lock = self.lock_cache().await?;
        if let Some(slot) = self.load_slot()? {
            let usable = slot
                .current
                .expires_at
                .is_none_or(|at| at > self.wall.now());
            if usable {
                tracing::debug!(token = %slot.current.name, "using the cached API token");
                return self.activate(slot.current);
            }
        }
        self.use_configured()?;
        let meta = match self.get_by_snippet().await {
            Ok(meta) => meta,
            Err(CallError::NotFound) => {
                self.unavailable();
                return Ok(());
            }
            Err(CallError::Other(e)) => return Err(e),
        };
        let Some(name) = meta
            .get("token_ttl")
            .filter(|t| !t.is_null())
            .and_then(|_| meta.get("name"))
            .and_then(Value::as_str)
        else {
            if meta.get("token_ttl").is_some_and(|t| !t.is_null()) {
                return Err(Error::UnexpectedResponse(
                    "the API token lookup has a token_ttl but no name".to_owned(),
                ));
            }
            // No identity TTL: behave like Groundlight before rotation.
            self.set_status(TokenRotationStatus::NotNeeded);
            return Ok(());
        };
        let previous = PreviousToken {
            name: name.to_owned(),
            minted_at: self.wall.now(),
        };
        match self.mint(base_name(name), Some(previous)).await {
            Ok(()) => Ok(()),
            Err(CallError::NotFound) => {
                self.unavailable();
                self.use_configured()
            }
            Err(CallError::Other(e)) => Err(e),
        }
    }

    /// One refresh: follow the cache, or revoke the previous token and mint the next one.
    /// `Ok(false)`: the server has no token API any more; stop.
    async fn refresh(&self) -> Result<bool> {
        let _lock = self.lock_cache().await?;
        let Some(slot) = self.load_slot()? else {
            return Err(Error::Io {
                path: self.slot_path(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the token cache file is missing and cannot be refreshed",
                ),
            });
        };
        let current = slot.current.clone();
        self.activate(slot.current)?;
        let Some(ttl) = current.token_ttl else {
            return Ok(true);
        };
        if self.wall.now() - current.minted_at
            < chrono::Duration::from_std(refresh_interval(ttl)).unwrap_or(chrono::Duration::MAX)
        {
            // Another client sharing the cache rotated already.
            return Ok(true);
        }
        if let Some(previous) = &slot.previous {
            self.revoke(&previous.name).await;
        }
        let previous = PreviousToken {
            name: current.name,
            minted_at: current.minted_at,
        };
        match self.mint(&slot.base_name, Some(previous)).await {
            Ok(()) => Ok(true),
            Err(CallError::NotFound) => {
                self.unavailable();
                Ok(false)
            }
            Err(CallError::Other(e)) => Err(e),
        }
    }

    /// Step 3 of the module docs.
    async fn run(self: Arc<Self>) {
        loop {
            let Some((minted_at, ttl)) = self
                .lock()
                .current
                .as_ref()
                .and_then(|c| c.token_ttl.map(|ttl| (c.minted_at, ttl)))
            else {
                return;
            };
            let interval =
                chrono::Duration::from_std(refresh_interval(ttl)).unwrap_or(chrono::Duration::MAX);
            let refresh_at = minted_at
                .checked_add_signed(interval)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            let wait = self.wall.until(refresh_at);
            if !wait.is_zero() {
                self.wall.clock.sleep(wait).await;
            }
            match self.refresh().await {
                Ok(true) => {}
                Ok(false) => return,
                Err(error) => {
                    tracing::warn!(
                        error = %error,
                        "Automatic API token refresh failed; the current token remains active"
                    );
                    self.wall.clock.sleep(REFRESH_RETRY_BACKOFF).await;
                }
            }
        }
    }

    /// `POST /v1/api-tokens`, then cache and use the new token.
    async fn mint(
        &self,
        base: &str,
        previous: Option<PreviousToken>,
    ) -> std::result::Result<(), CallError> {
        let name = new_token_name(base);
        let minted_at = self.wall.now();
        // No `expires_at`: the server applies the identity's token lifetime policy.
        let spec = base_request(Method::POST, self.url(&["v1", "api-tokens"]))
            .json(&json!({ "name": name }))
            .map_err(Error::from_http)?;
        let response = self
            .executor
            .execute("create_api_token", Idempotency::NonIdempotent, spec)
            .await
            .map_err(Error::from_http)?;
        // Decoded by hand: a decode error must not quote a body that holds the new key.
        let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let (Some(raw_key), Some(snippet), Some(name)) =
            (text("raw_key"), text("raw_key_snippet"), text("name"))
        else {
            return Err(CallError::Other(Error::UnexpectedResponse(
                "the created API token lacks raw_key, raw_key_snippet or name".to_owned(),
            )));
        };
        let current = CurrentToken {
            raw_key: Secret::new(raw_key),
            snippet,
            name,
            expires_at: body
                .get("expires_at")
                .and_then(Value::as_str)
                .and_then(parse_time),
            minted_at,
            token_ttl: body.get("token_ttl").and_then(seconds),
        };
        tracing::info!(token = %current.name, "minted a new API token");
        self.write_slot(&TokenSlot {
            base_name: base.to_owned(),
            current: current.clone(),
            previous,
        })?;
        self.activate(current)?;
        Ok(())
    }

    /// `GET /v1/api-tokens/by-snippet/{snippet}`.
    async fn get_by_snippet(&self) -> std::result::Result<Value, CallError> {
        let spec = base_request(
            Method::GET,
            self.url(&["v1", "api-tokens", "by-snippet", &self.snippet]),
        );
        let response = self
            .executor
            .execute("get_api_token_by_snippet", Idempotency::Idempotent, spec)
            .await
            .map_err(Error::from_http)?;
        let value: Value = response
            .json("get_api_token_by_snippet")
            .map_err(Error::from)?;
        if value.is_object() {
            Ok(value)
        } else {
            Err(CallError::Other(Error::UnexpectedResponse(
                "the API token lookup is not an object".to_owned(),
            )))
        }
    }

    /// `DELETE /v1/api-tokens/{name}`, best effort.
    async fn revoke(&self, name: &str) {
        let spec = base_request(Method::DELETE, self.url(&["v1", "api-tokens", name]));
        match self
            .executor
            .execute("delete_api_token", Idempotency::Idempotent, spec)
            .await
        {
            Ok(_) => tracing::info!(token = %name, "revoked the previous API token"),
            Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => {
                tracing::debug!(token = %name, "the previous API token was already deleted");
            }
            Err(e) => tracing::warn!(
                token = %name,
                error = %e,
                "Unable to delete the previous API token; continuing rotation"
            ),
        }
    }

    fn url(&self, segments: &[&str]) -> Url {
        join(&self.endpoint, segments)
    }

    /// Creates the directory (mode 0700) and takes `<snippet>.lock`, waiting up to 60 s.
    async fn lock_cache(&self) -> Result<CacheLock> {
        let dir = self.dir.clone();
        let path = self.dir.join(format!("{}.lock", self.snippet));
        let wait = tokio::task::spawn_blocking(move || -> Result<CacheLock> {
            ensure_dir(&dir)?;
            let file = private_options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            file.lock().map_err(|e| Error::io(&path, e))?;
            Ok(CacheLock(file))
        });
        match tokio::time::timeout(LOCK_TIMEOUT, wait).await {
            Ok(Ok(lock)) => lock,
            Ok(Err(join)) => Err(Error::Config(format!(
                "token rotation: the cache lock task failed: {join}"
            ))),
            Err(_) => Err(Error::io(
                &self.dir.join(format!("{}.lock", self.snippet)),
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "timed out waiting for the token cache lock",
                ),
            )),
        }
    }

    fn load_slot(&self) -> Result<Option<TokenSlot>> {
        let path = self.slot_path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let invalid = |why: &str| {
            Error::io(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("not a Groundlight token cache: {why}"),
                ),
            )
        };
        // The parser's message could quote the file (and its key): only its position is kept.
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            invalid(&format!(
                "bad JSON at line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        TokenSlot::from_json(&value).map(Some).map_err(invalid)
    }

    /// Writes the slot atomically (a private temporary file renamed over it).
    fn write_slot(&self, slot: &TokenSlot) -> Result<()> {
        let path = self.slot_path();
        let temporary = self
            .dir
            .join(format!(".{}.json.{:08x}", self.snippet, fastrand::u32(..)));
        let write = || -> std::io::Result<()> {
            let mut file = private_options()
                .write(true)
                .create_new(true)
                .open(&temporary)?;
            let mut text = serde_json::to_string_pretty(&slot.to_json())?;
            text.push('\n');
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            set_mode(&temporary, 0o600)?;
            std::fs::rename(&temporary, &path)
        };
        write().map_err(|e| {
            std::fs::remove_file(&temporary).ok();
            Error::io(&path, e)
        })
    }
}

/// `OpenOptions` creating files readable by their owner only.
fn private_options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Creates the directory and makes it private (cached tokens are secrets).
fn ensure_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    set_mode(dir, 0o700).map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_check_wants_twenty_word_characters() {
        assert_eq!(
            check_format(&Secret::new("api_0123456789abcdefXYZ-!")).unwrap(),
            "api_0123456789abcdef"
        );
        for bad in [
            "api_short",
            "api-0123456789abcdefghij",
            "api_0123456789abcdé_xyz",
            "",
        ] {
            let err = check_format(&Secret::new(bad)).unwrap_err();
            assert!(
                matches!(err, Error::Credential(CredentialError::BadFormat { .. })),
                "{bad}"
            );
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad), "{err}");
            }
        }
    }

    #[test]
    fn names_keep_their_base_and_get_a_new_suffix() {
        assert_eq!(base_name("ci token 0a1b2c"), "ci token");
        assert_eq!(base_name("ci token"), "ci token");
        assert_eq!(base_name("ci token 0A1B2C"), "ci token 0A1B2C");
        assert_eq!(base_name("x 12345"), "x 12345");
        assert_eq!(base_name(" abcdef"), "");
        assert_eq!(base_name("é abcdef"), "é");
        let name = new_token_name("ci token");
        assert_eq!(base_name(&name), "ci token");
        assert_eq!(name.len(), "ci token".len() + 7);
        let long = new_token_name(&"é".repeat(80));
        assert_eq!(long.chars().count(), 64);
    }

    #[test]
    fn refresh_is_a_thirtieth_of_the_ttl() {
        assert_eq!(
            refresh_interval(Duration::from_secs(30 * 86_400)),
            Duration::from_secs(86_400)
        );
        assert_eq!(refresh_interval(Duration::ZERO), REFRESH_RETRY_BACKOFF);
    }

    #[test]
    fn slots_round_trip_in_the_official_layout() {
        let at = parse_time("2026-12-01T12:00:00.123456Z").unwrap();
        let slot = TokenSlot {
            base_name: "ci".to_owned(),
            current: CurrentToken {
                raw_key: Secret::new("api_secret"),
                snippet: "api_secret".to_owned(),
                name: "ci 000001".to_owned(),
                expires_at: None,
                minted_at: at,
                token_ttl: Some(Duration::from_secs(3600)),
            },
            previous: Some(PreviousToken {
                name: "ci".to_owned(),
                minted_at: at,
            }),
        };
        let value = slot.to_json();
        assert_eq!(value["current"]["minted_at"], "2026-12-01T12:00:00.123456Z");
        assert_eq!(value["current"]["token_ttl_seconds"], 3600.0);
        let back = TokenSlot::from_json(&value).unwrap();
        assert_eq!(back.current.raw_key.expose_secret(), "api_secret");
        assert_eq!(back.current.token_ttl, Some(Duration::from_secs(3600)));
        assert_eq!(back.previous.unwrap().name, "ci");
        // Python's naive timestamps and the old `ttl_seconds` key.
        let old = json!({"base_name": "b", "current": {"raw_key": "k", "snippet": "s",
            "name": "n", "expires_at": "2026-12-02T00:00:00", "minted_at": "2026-12-01T00:00:00+00:00",
            "ttl_seconds": 60}, "previous": null});
        let old = TokenSlot::from_json(&old).unwrap();
        assert_eq!(old.current.token_ttl, Some(Duration::from_secs(60)));
        assert!(old.current.expires_at.is_some());
        assert!(TokenSlot::from_json(&json!({"current": {}})).is_err());
        assert!(TokenSlot::from_json(&json!({"base_name": "b"})).is_err());
    }

    #[test]
    fn the_default_directory_follows_the_official_sdk() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            default_token_dir(&env(&[("GROUNDLIGHT_TOKEN_DIR", "/x/t"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/x/t")
        );
        assert_eq!(
            default_token_dir(&env(&[("GROUNDLIGHT_TOKEN_DIR", "~/t"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/t")
        );
        if !cfg!(windows) {
            assert_eq!(
                default_token_dir(&env(&[("HOME", "/h")])).unwrap(),
                PathBuf::from("/h/.groundlight/tokens")
            );
            assert!(matches!(
                default_token_dir(&env(&[])),
                Err(Error::Config(_))
            ));
        }
    }
}
