//! The client: credentials, base URL, retry policy, timeouts, HTTP connection pool.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use vision_sdk_common::auth::{Auth, AuthScheme, Secret};
use vision_sdk_common::clock::Clock;
use vision_sdk_common::http::header::HeaderName;
use vision_sdk_common::internal::Executor;
use vision_sdk_common::internal::classify::StandardClassifier;

use vision_sdk_common::retry::RetryPolicy;
use vision_sdk_common::transport::TransportConfig;

use crate::classification::Classification;
use crate::error::Error;

/// The production API (`BASE_API_URL` of the official SDK).
pub const DEFAULT_BASE_URL: &str = "https://api.dragoneye.ai";

/// The environment variable [`Dragoneye::from_env`] reads the API key from.
pub const API_KEY_ENV: &str = "DRAGONEYE_API_KEY";

/// Default number of attempts per API call (the official `max_retries=10`, which counts attempts).
pub const DEFAULT_MAX_RETRIES: u32 = 10;

/// Default time budget of one API call's retries (the official `max_backoff_time=120`).
pub const DEFAULT_MAX_BACKOFF_TIME: Duration = Duration::from_secs(120);

/// Default per-request timeout of API calls (aiohttp's default total timeout, which the official
/// SDK inherits). The upload has its own, unlimited by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Default interval between two status polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A Dragoneye API client. Cheap to clone (an `Arc` inside); share one per process.
///
/// ```no_run
/// use dragoneye::{Dragoneye, Image};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), dragoneye::Error> {
/// let client = Dragoneye::from_env()?; // DRAGONEYE_API_KEY
/// let image = Image::from_path("houses.jpg").await?;
/// let result = client
///     .classification()
///     .predict_image(image, "dragoneye/houses")
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
    pub(crate) base_url: String,
    pub(crate) timeout: Option<Duration>,
    pub(crate) upload_timeout: Option<Duration>,
    pub(crate) poll_interval: Duration,
}

impl fmt::Debug for Dragoneye {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The executor's Debug shows the credential as `Secret("[redacted]")`.
        f.debug_struct("Dragoneye")
            .field("base_url", &self.inner.base_url)
            .field("timeout", &self.inner.timeout)
            .field("upload_timeout", &self.inner.upload_timeout)
            .field("poll_interval", &self.inner.poll_interval)
            .field("executor", &self.inner.executor)
            .finish()
    }
}

impl Dragoneye {
    /// A client for `api_key` with the official defaults.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the HTTP client cannot be built.
    pub fn new(api_key: impl Into<String>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// A client whose key comes from the `DRAGONEYE_API_KEY` environment variable.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the variable is unset or blank.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A builder for everything else (base URL, retries, timeouts, HTTP client).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use dragoneye::Dragoneye;
    ///
    /// # fn main() -> Result<(), dragoneye::Error> {
    /// let client = Dragoneye::builder()
    ///     .api_key("dk-…")
    ///     .base_url("https://api.dragoneye.ai")
    ///     .max_retries(5)
    ///     .max_backoff_time(Duration::from_secs(60))
    ///     .timeout(Some(Duration::from_secs(30)))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder() -> DragoneyeBuilder {
        DragoneyeBuilder::new()
    }

    /// The classification API (`client.classification` in the official SDK).
    pub fn classification(&self) -> Classification<'_> {
        Classification::new(self)
    }

    /// The base URL calls go to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy of API calls.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.inner.executor.retry_policy()
    }
}

/// Builds a [`Dragoneye`] client.
#[derive(Debug)]
pub struct DragoneyeBuilder {
    api_key: Option<Secret>,
    base_url: String,
    max_retries: u32,
    max_backoff_time: Duration,
    jitter: bool,
    timeout: Option<Duration>,
    upload_timeout: Option<Duration>,
    connect_timeout: Duration,
    poll_interval: Duration,
    http: Option<reqwest::Client>,
    clock: Option<Arc<dyn Clock>>,
}

impl Default for DragoneyeBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DragoneyeBuilder {
    /// The official defaults.
    pub fn new() -> Self {
        Self {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            max_retries: DEFAULT_MAX_RETRIES,
            max_backoff_time: DEFAULT_MAX_BACKOFF_TIME,
            jitter: true,
            timeout: Some(DEFAULT_TIMEOUT),
            upload_timeout: None,
            connect_timeout: Duration::from_secs(10),
            poll_interval: DEFAULT_POLL_INTERVAL,
            http: None,
            clock: None,
        }
    }

    /// The API key, sent as `X-API-Key`. Without it, `DRAGONEYE_API_KEY` is read at
    /// [`build`](Self::build).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(Secret::new(api_key));
        self
    }

    /// The API's base URL (default `https://api.dragoneye.ai`); a trailing slash is ignored.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Attempts per API call, the first included (default 10, like the official `max_retries`).
    /// Only 429 answers (and connection failures) are retried; `0` is treated as 1.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// How long one call may keep retrying, from its first attempt (default 120 s). No attempt
    /// starts after it and no backoff sleeps past it.
    pub fn max_backoff_time(mut self, max_backoff_time: Duration) -> Self {
        self.max_backoff_time = max_backoff_time;
        self
    }

    /// Full jitter on the exponential backoff (default `true`, the official `full_jitter`);
    /// `false` waits the full 1, 2, 4 … s (the official `backoff_jitter=lambda x: x`).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Timeout of each API request, sending to reading the body (default 300 s; `None` for
    /// none). Does not apply to the media upload.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout of each media upload attempt (default `None`: a multi-gigabyte video may take
    /// long).
    pub fn upload_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.upload_timeout = timeout;
        self
    }

    /// How long to wait for a connection (default 10 s). Ignored with
    /// [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Interval between status polls when waiting for a task (default 1 s).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Uses this HTTP client (proxies, custom TLS, shared pool) instead of building one.
    /// The per-request timeouts set here still apply.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The clock for backoff and polling sleeps (tests inject
    /// [`ManualClock`](vision_sdk_common::ManualClock)).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without an API key (neither given nor in `DRAGONEYE_API_KEY`), with a
    /// base URL that is not an `http(s)` URL, or when the HTTP client cannot be built.
    pub fn build(self) -> Result<Dragoneye, Error> {
        let secret = match self.api_key {
            Some(key) => key,
            None => Secret::from_env(API_KEY_ENV).ok_or_else(|| {
                Error::Config(format!(
                    "API key is required - set the {API_KEY_ENV} environment variable or pass it to Dragoneye::new"
                ))
            })?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.query().is_none() => {}
            _ => {
                return Err(Error::Config(format!(
                    "base URL {base_url:?} is not an http(s) URL without a query"
                )));
            }
        }
        let http = match self.http {
            Some(http) => http,
            None => TransportConfig::new(vision_sdk_common::user_agent!())
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let budget = self.max_backoff_time;
        let policy = RetryPolicy::new()
            .max_attempts(self.max_retries)
            .initial_backoff(Duration::from_secs(1))
            .multiplier(2.0)
            // The official backoff has no per-wait cap; the time budget bounds every wait.
            .max_backoff(budget)
            .total_budget(Some(budget))
            .max_retry_after(budget)
            .jitter(self.jitter);
        let mut executor = Executor::builder("dragoneye", http)
            .auth(Auth::new(
                AuthScheme::Header(HeaderName::from_static("x-api-key")),
                secret,
            ))
            .retry(policy)
            .classifier(Arc::new(api_classifier().clone()))
            .request_id_header(HeaderName::from_static("x-request-id"));
        if let Some(clock) = self.clock {
            executor = executor.clock(clock);
        }
        Ok(Dragoneye {
            inner: Arc::new(Inner {
                executor: executor.build(),
                base_url,
                timeout: self.timeout,
                upload_timeout: self.upload_timeout,
                poll_interval: self.poll_interval,
            }),
        })
    }
}

/// API calls: the official SDK retries 429 only (and transport failures of idempotent calls).
pub(crate) fn api_classifier() -> &'static StandardClassifier {
    static CLASSIFIER: std::sync::LazyLock<StandardClassifier> =
        std::sync::LazyLock::new(|| StandardClassifier::new().retry_statuses(&[429]));
    &CLASSIFIER
}

/// The presigned upload rewrites the same object, so 429 and 5xx are safe to retry.
pub(crate) fn upload_classifier() -> &'static StandardClassifier {
    static CLASSIFIER: std::sync::LazyLock<StandardClassifier> = std::sync::LazyLock::new(|| {
        StandardClassifier::new()
            .retry_statuses(&[429])
            .retry_server_errors()
    });
    &CLASSIFIER
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(client.base_url(), "https://api.dragoneye.ai");
        let policy = client.retry_policy();
        assert_eq!(policy.attempts(), 10);
        assert_eq!(policy.budget(), Some(Duration::from_secs(120)));
        assert_eq!(policy.backoff_ceiling(0), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(3), Duration::from_secs(8));
        assert_eq!(policy.backoff_ceiling(7), Duration::from_secs(120));
    }

    #[test]
    fn base_url_is_validated_and_trimmed() {
        let client = Dragoneye::builder()
            .api_key("k")
            .base_url("http://localhost:8080/")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://localhost:8080");
        for bad in ["not a url", "ftp://x", "http://x/?a=b"] {
            let err = Dragoneye::builder()
                .api_key("k")
                .base_url(bad)
                .build()
                .unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
        }
    }

    #[test]
    fn retry_classification() {
        use vision_sdk_common::http::{HeaderMap, StatusCode};
        use vision_sdk_common::internal::RetryAction;
        let h = HeaderMap::new();
        let retries = |c: &StandardClassifier, status: StatusCode| {
            matches!(c.classify_response(status, &h), RetryAction::Retry(_))
        };
        assert!(retries(api_classifier(), StatusCode::TOO_MANY_REQUESTS));
        assert!(!retries(api_classifier(), StatusCode::SERVICE_UNAVAILABLE));
        assert!(retries(
            upload_classifier(),
            StatusCode::SERVICE_UNAVAILABLE
        ));
        assert!(retries(upload_classifier(), StatusCode::TOO_MANY_REQUESTS));
        assert!(!retries(upload_classifier(), StatusCode::FORBIDDEN));
    }
}
