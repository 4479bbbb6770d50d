//! The client: credentials, base URL, retry policies, timeouts, HTTP connection pool.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use vision_sdk_common::auth::AuthScheme;
use vision_sdk_common::internal::Executor;
use vision_sdk_common::options::{ClientOptions, OptionsError, ProviderDefaults};
use vision_sdk_common::reqwest::Url;
use vision_sdk_common::{RetryPolicy, client_options_setters};

use crate::classification::Classification;
use crate::error::{Error, Result};
use crate::retry::{self, api_classifier};

/// The production API (`BASE_API_URL` of the official SDK).
pub const DEFAULT_BASE_URL: &str = "https://api.dragoneye.ai";

/// The environment variable holding the API key (the only variable the official SDK reads).
pub const ENV_API_KEY: &str = "DRAGONEYE_API_KEY";

/// Default timeout of each API request, sending to reading the body (aiohttp's default total
/// timeout, which the official SDK inherits). The upload has its own, see
/// [`DragoneyeBuilder::upload_timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The fixed part of the default upload timeout (per attempt): 300 s, like every request of
/// the official SDK ...
pub const DEFAULT_UPLOAD_TIMEOUT_BASE: Duration = Duration::from_secs(300);

/// ... plus one second per this many bytes of media (1 MiB/s, the slowest uplink the default
/// allows for): a 1 GiB video gets 300 s + 1024 s.
pub const DEFAULT_UPLOAD_MIN_BYTES_PER_SEC: u64 = 1024 * 1024;

/// Default interval between two status polls (the official SDK sleeps 1 s).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

pub use crate::retry::{DEFAULT_MAX_BACKOFF_TIME, DEFAULT_MAX_RETRIES};

/// A Dragoneye API client. Cheap to clone (one `Arc` inside); share one per process.
///
/// ```no_run
/// use dragoneye::{Dragoneye, Image};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> dragoneye::Result<()> {
/// let client = Dragoneye::from_env()?; // DRAGONEYE_API_KEY
/// let result = client
///     .classification()
///     .predict_image(Image::from_path("houses.jpg"), "recognize_anything/houses")
///     .await?;
/// for object in &result.objects {
///     println!("{:?} {:?}", object.bbox_observation.normalized_bbox, object.categories.first().map(|c| &c.name));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Dragoneye {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) executor: Executor,
    pub(crate) base_url: Url,
    pub(crate) api_policy: RetryPolicy,
    pub(crate) upload_policy: RetryPolicy,
    pub(crate) upload_timeout: UploadTimeout,
    pub(crate) poll_interval: Duration,
}

/// How long one upload attempt may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadTimeout {
    /// [`DEFAULT_UPLOAD_TIMEOUT_BASE`] + one second per [`DEFAULT_UPLOAD_MIN_BYTES_PER_SEC`].
    Scaled,
    /// A fixed limit, or none.
    Fixed(Option<Duration>),
}

impl UploadTimeout {
    /// The limit for `len` bytes (unknown lengths get the base).
    pub(crate) fn for_len(self, len: Option<u64>) -> Option<Duration> {
        match self {
            Self::Fixed(limit) => limit,
            Self::Scaled => {
                let extra = len.unwrap_or(0).div_ceil(DEFAULT_UPLOAD_MIN_BYTES_PER_SEC);
                Some(DEFAULT_UPLOAD_TIMEOUT_BASE.saturating_add(Duration::from_secs(extra)))
            }
        }
    }
}

impl fmt::Debug for Dragoneye {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The executor's Debug shows the credential as `Secret("[redacted]")`.
        f.debug_struct("Dragoneye")
            .field("base_url", &self.inner.base_url.as_str())
            .field("timeout", &self.timeout())
            .field("upload_timeout", &self.inner.upload_timeout)
            .field("poll_interval", &self.inner.poll_interval)
            .field("retry_policy", &self.inner.api_policy)
            .field("upload_retry_policy", &self.inner.upload_policy)
            .field("executor", &self.inner.executor)
            .finish()
    }
}

impl Dragoneye {
    /// A client for `api_key` with the official defaults.
    ///
    /// ```
    /// let client = dragoneye::Dragoneye::new("dk-example").unwrap();
    /// assert_eq!(client.base_url().as_str(), "https://api.dragoneye.ai/");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Credential`] for a blank key or one that cannot be sent in a header;
    /// [`Error::Config`] when the HTTP client cannot be built.
    pub fn new(api_key: impl Into<vision_sdk_common::Secret>) -> Result<Self> {
        Self::builder().api_key(api_key).build()
    }

    /// A client whose key comes from `DRAGONEYE_API_KEY` (the only variable the official SDK
    /// reads).
    ///
    /// # Errors
    ///
    /// [`Error::Credential`] when the variable is unset, blank or not header-safe.
    pub fn from_env() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder for everything else (base URL, retries, timeouts, HTTP client). Whatever is
    /// not set falls back to the environment at [`build`](DragoneyeBuilder::build) (the key
    /// to `DRAGONEYE_API_KEY`), then to the official defaults.
    ///
    /// ```
    /// use std::time::Duration;
    /// use dragoneye::Dragoneye;
    ///
    /// let client = Dragoneye::builder()
    ///     .api_key("dk-example")
    ///     .base_url("https://api.dragoneye.ai")
    ///     .max_retries(5)
    ///     .max_backoff_time(Duration::from_secs(60))
    ///     .timeout(Duration::from_secs(30))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.retry_policy().attempts(), 5);
    /// assert_eq!(client.timeout(), Some(Duration::from_secs(30)));
    /// ```
    pub fn builder() -> DragoneyeBuilder {
        DragoneyeBuilder::new()
    }

    /// The classification API (`client.classification` in the official SDK). It holds a clone
    /// of the client, so it and the call builders it returns are `'static`.
    pub fn classification(&self) -> Classification {
        Classification::new(self.clone())
    }

    /// The base URL calls go to (always ends in `/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The timeout of each API request (`None`: no limit).
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.executor.default_timeout()
    }

    /// The retry policy of API calls.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.api_policy
    }

    /// The retry policy of media uploads.
    pub fn upload_retry_policy(&self) -> &RetryPolicy {
        &self.inner.upload_policy
    }

    /// The upload timeout of one attempt for media of `len` bytes (`None`: no limit).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = dragoneye::Dragoneye::new("k").unwrap();
    /// // 300 s, plus one second per MiB.
    /// assert_eq!(client.upload_timeout_for(Some(1 << 30)), Some(Duration::from_secs(300 + 1024)));
    /// ```
    pub fn upload_timeout_for(&self, len: Option<u64>) -> Option<Duration> {
        self.inner.upload_timeout.for_len(len)
    }
}

/// Builds a [`Dragoneye`] client.
///
/// The shared options (`api_key`, `base_url`, `timeout`, `connect_timeout`, `http_client`,
/// `retry_policy`, `clock`, `user_agent`, `add_root_certificate`,
/// `danger_accept_invalid_certs`, `env_lookup`) mean the same as in every crate of the
/// family. The official parameters have aliases: `max_retries`, `max_backoff_time`,
/// `backoff_jitter` (and `base_api_url`).
#[derive(Debug, Clone)]
pub struct DragoneyeBuilder {
    options: ClientOptions,
    max_retries: Option<u32>,
    max_backoff_time: Option<Duration>,
    jitter: Option<bool>,
    initial_backoff: Option<Duration>,
    multiplier: Option<f64>,
    upload_timeout: UploadTimeout,
    upload_policy: Option<RetryPolicy>,
    poll_interval: Duration,
}

impl Default for DragoneyeBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DragoneyeBuilder {
    /// The official defaults; nothing set.
    pub fn new() -> Self {
        Self {
            options: ClientOptions::new(),
            max_retries: None,
            max_backoff_time: None,
            jitter: None,
            initial_backoff: None,
            multiplier: None,
            upload_timeout: UploadTimeout::Scaled,
            upload_policy: None,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }

    client_options_setters!();

    /// Alias of [`base_url`](Self::base_url) named after the official `base_api_url`.
    #[must_use]
    pub fn base_api_url(self, url: impl Into<String>) -> Self {
        self.base_url(url)
    }

    /// Attempts per API call, the first included (default 10, the official `max_retries`,
    /// which counts attempts; `0` is treated as 1). Applied on top of
    /// [`retry_policy`](Self::retry_policy) when both are set.
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// How long one API call may keep retrying, from its first attempt (default 120 s, the
    /// official `max_backoff_time`). No retry starts after it, no backoff sleeps past it, and
    /// it also caps each wait and an honoured `Retry-After`. A call lasts at most this plus
    /// one request [`timeout`](Self::timeout).
    #[must_use]
    pub fn max_backoff_time(mut self, max_backoff_time: Duration) -> Self {
        self.max_backoff_time = Some(max_backoff_time);
        self
    }

    /// Full jitter on the backoff (default `true`, the official `backoff.full_jitter`);
    /// `false` waits the full 1, 2, 4 … s (the official `backoff_jitter=lambda x: x`). Other
    /// jitter functions have no counterpart.
    #[must_use]
    pub fn backoff_jitter(mut self, jitter: bool) -> Self {
        self.jitter = Some(jitter);
        self
    }

    /// The ceiling of the first backoff (default 1 s, `backoff.expo`'s base).
    #[must_use]
    pub fn initial_backoff(mut self, initial: Duration) -> Self {
        self.initial_backoff = Some(initial);
        self
    }

    /// Growth of the backoff ceiling per retry (default 2, `backoff.expo`'s factor; values
    /// below 1 count as 1).
    #[must_use]
    pub fn backoff_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = Some(multiplier);
        self
    }

    /// Timeout of each upload attempt: a `Duration`, or `None` for no limit. Without it the
    /// limit scales with the media: [`DEFAULT_UPLOAD_TIMEOUT_BASE`] (300 s) plus one second
    /// per MiB ([`DEFAULT_UPLOAD_MIN_BYTES_PER_SEC`]).
    #[must_use]
    pub fn upload_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.upload_timeout = UploadTimeout::Fixed(timeout.into());
        self
    }

    /// The upload's retry policy (default [`retry::default_upload_policy`]; the official SDK
    /// never retries the upload: `RetryPolicy::none()`).
    #[must_use]
    pub fn upload_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.upload_policy = Some(policy);
        self
    }

    /// Interval between status polls when waiting for a task (default 1 s).
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Builds the client. Sends no request.
    ///
    /// ```
    /// use dragoneye::{CredentialError, Dragoneye, Error};
    /// let err = Dragoneye::builder().env_lookup(|_| None).build().unwrap_err();
    /// assert!(matches!(err, Error::Credential(CredentialError::Missing { .. })));
    /// let err = Dragoneye::new("line\nbreak").unwrap_err();
    /// assert!(matches!(err, Error::Credential(CredentialError::NotHeaderSafe)));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Credential`] without a usable key (neither given nor in `DRAGONEYE_API_KEY`,
    /// blank, or not header-safe); [`Error::Config`] for a base URL that is not an `http(s)`
    /// URL without query, fragment or credentials (the message never shows a key), or when
    /// the HTTP client cannot be built.
    pub fn build(self) -> Result<Dragoneye> {
        let defaults = ProviderDefaults::new(
            "dragoneye",
            vision_sdk_common::user_agent!(),
            DEFAULT_BASE_URL,
        )
        .key_env(&[ENV_API_KEY])
        .auth(vec![AuthScheme::Header(
            vision_sdk_common::http::HeaderName::from_static("x-api-key"),
        )])
        .timeout(Some(DEFAULT_TIMEOUT))
        .retry(retry::default_api_policy())
        .classifier(api_classifier())
        .request_id_header("x-request-id");
        let core = self.options.build(&defaults).map_err(|e| match e {
            OptionsError::Credential(e) => Error::Credential(e),
            other => Error::Config(other.to_string()),
        })?;
        let mut api_policy = core.executor.retry_policy().clone();
        if self.max_backoff_time.is_some() {
            let budget = self.max_backoff_time.unwrap_or(DEFAULT_MAX_BACKOFF_TIME);
            api_policy = api_policy
                .max_backoff(budget)
                .total_budget(Some(budget))
                .max_retry_after(budget);
        }
        if let Some(attempts) = self.max_retries {
            api_policy = api_policy.max_attempts(attempts);
        }
        if let Some(jitter) = self.jitter {
            api_policy = api_policy.jitter(jitter);
        }
        if let Some(initial) = self.initial_backoff {
            api_policy = api_policy.initial_backoff(initial);
        }
        if let Some(multiplier) = self.multiplier {
            api_policy = api_policy.multiplier(multiplier);
        }
        let upload_policy = self.upload_policy.unwrap_or_else(|| {
            let policy = retry::default_upload_policy();
            match self.jitter {
                Some(jitter) => policy.jitter(jitter),
                None => policy,
            }
        });
        Ok(Dragoneye {
            inner: Arc::new(Inner {
                executor: core.executor,
                base_url: core.base_url,
                api_policy,
                upload_policy,
                upload_timeout: self.upload_timeout,
                poll_interval: self.poll_interval,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision_sdk_common::CredentialError;

    fn no_env() -> DragoneyeBuilder {
        Dragoneye::builder().env_lookup(|_| None)
    }

    #[test]
    fn debug_never_shows_the_key() {
        let client = Dragoneye::new("super-secret-key-123").unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("super-secret-key-123"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
        let builder = Dragoneye::builder().api_key("super-secret-key-123");
        assert!(!format!("{builder:?}").contains("super-secret-key-123"));
    }

    #[test]
    fn defaults_match_the_official_sdk() {
        let client = Dragoneye::new("k").unwrap();
        assert_eq!(client.base_url().as_str(), "https://api.dragoneye.ai/");
        assert_eq!(client.timeout(), Some(DEFAULT_TIMEOUT));
        let policy = client.retry_policy();
        assert_eq!(policy, &retry::default_api_policy());
        assert_eq!(policy.attempts(), 10);
        assert_eq!(policy.budget(), Some(Duration::from_secs(120)));
    }

    #[test]
    fn aliases_apply_on_top_of_an_explicit_policy() {
        let client = no_env()
            .api_key("k")
            .retry_policy(RetryPolicy::new().max_attempts(7).jitter(false))
            .max_backoff_time(Duration::from_secs(9))
            .initial_backoff(Duration::from_millis(10))
            .backoff_multiplier(3.0)
            .build()
            .unwrap();
        let policy = client.retry_policy();
        assert_eq!(policy.attempts(), 7);
        assert_eq!(policy.budget(), Some(Duration::from_secs(9)));
        assert_eq!(policy.backoff(2), Duration::from_millis(90));
    }

    #[test]
    fn keys_and_base_urls_are_checked_at_build() {
        assert!(matches!(
            no_env().build(),
            Err(Error::Credential(CredentialError::Missing { .. }))
        ));
        assert!(matches!(
            no_env().api_key("  ").build(),
            Err(Error::Credential(CredentialError::Blank))
        ));
        assert!(matches!(
            no_env().api_key("a\nb").build(),
            Err(Error::Credential(CredentialError::NotHeaderSafe))
        ));
        let from_env = Dragoneye::builder()
            .env_lookup(|name| (name == ENV_API_KEY).then(|| "env-key".to_owned()))
            .base_url("http://localhost:8080/api")
            .build()
            .unwrap();
        assert_eq!(from_env.base_url().as_str(), "http://localhost:8080/api/");
        for bad in [
            "not a url",
            "ftp://x",
            "http://x/?api_key=sk-secret",
            "http://u:sk-secret@x/",
        ] {
            let err = no_env().api_key("k").base_url(bad).build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
            assert!(!err.to_string().contains("sk-secret"), "{err}");
        }
    }

    #[test]
    fn upload_timeout_scales_or_is_fixed() {
        let client = Dragoneye::new("k").unwrap();
        assert_eq!(
            client.upload_timeout_for(None),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            client.upload_timeout_for(Some(1)),
            Some(Duration::from_secs(301))
        );
        let fixed = no_env().api_key("k").upload_timeout(None).build().unwrap();
        assert_eq!(fixed.upload_timeout_for(Some(1 << 40)), None);
    }
}
