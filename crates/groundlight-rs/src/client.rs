//! The [`Groundlight`] client and its [`GroundlightBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use serde::de::DeserializeOwned;
use vision_sdk_common::auth::Auth;
use vision_sdk_common::clock::Clock;
use vision_sdk_common::internal::classify::{StandardClassifier, TooManyRequests};
use vision_sdk_common::internal::{Executor, HttpResponse, Idempotency, RequestSpec};
use vision_sdk_common::transport::TransportConfig;
use vision_sdk_common::{AuthScheme, RetryPolicy, Secret};

use crate::error::{Error, Result};
use crate::models::{Detector, ImageQuery};

/// The endpoint used when none is configured (sanitised to `https://api.groundlight.ai/device-api`).
pub const DEFAULT_ENDPOINT: &str = "https://api.groundlight.ai/";

/// The default total timeout of one HTTP request (the official SDK's `DEFAULT_REQUEST_TIMEOUT`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Environment variable holding the API token.
pub const ENV_API_TOKEN: &str = "GROUNDLIGHT_API_TOKEN";
/// Environment variable holding the endpoint.
pub const ENV_ENDPOINT: &str = "GROUNDLIGHT_ENDPOINT";
/// Environment variable that disables TLS certificate verification when exactly `1`.
pub const ENV_DISABLE_TLS_VERIFY: &str = "DISABLE_TLS_VERIFY";
/// Environment variable that turns shrinking of oversized images off when `0` (`1` by default).
pub const ENV_SHRINK_OVERSIZED_IMAGES: &str = "GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES";

/// The header carrying the API token.
pub(crate) const API_TOKEN_HEADER: &str = "x-api-token";

/// Characters left unescaped in query values: RFC 3986 "unreserved" only.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The official SDK's retry policy: 4 attempts in all, full jitter from 0.2 s doubling
/// (0.2, 0.4, 0.8 s ceilings); `Retry-After` honoured up to 60 s.
///
/// ```
/// let policy = groundlight::default_retry_policy();
/// assert_eq!(policy.attempts(), 4);
/// assert_eq!(policy.backoff_ceiling(0), std::time::Duration::from_millis(200));
/// assert_eq!(policy.backoff_ceiling(2), std::time::Duration::from_millis(800));
/// ```
pub fn default_retry_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(200))
        .multiplier(2.0)
        .max_backoff(Duration::from_secs(30))
        .max_retry_after(Duration::from_secs(60))
}

/// Which failed answers are worth retrying in themselves: every 5xx and 429 Too Many Requests.
/// The client retries a 429 only when it carries `Retry-After` (and waits as long as it says).
pub fn is_retryable_status(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// The retry rule: every 5xx (as the official SDK), and a 429 only when the server says when to
/// come back with a parsable `Retry-After`; a bare 429 is returned to the caller.
pub(crate) fn classifier() -> &'static StandardClassifier {
    static CLASSIFIER: std::sync::LazyLock<StandardClassifier> = std::sync::LazyLock::new(|| {
        StandardClassifier::new()
            .retry_server_errors()
            .too_many_requests(TooManyRequests::RetryWhenRetryAfter)
    });
    &CLASSIFIER
}

/// Sanitises an endpoint exactly as the official SDK's `sanitize_endpoint_url`.
///
/// * The scheme must be `http` or `https` and there must be a host; a query or fragment is
///   rejected.
/// * A missing path or `/` becomes `/device-api`; a trailing `/` is removed.
/// * `/device-api`, `/v1`, `/v2`, `/v3` are the expected paths; any other path is kept, with a
///   warning.
///
/// ```
/// use groundlight::sanitize_endpoint;
/// assert_eq!(sanitize_endpoint("http://127.0.0.1:8765").unwrap().as_str(), "http://127.0.0.1:8765/device-api");
/// assert_eq!(sanitize_endpoint("https://x/device-api/").unwrap().as_str(), "https://x/device-api");
/// assert_eq!(sanitize_endpoint("https://x/v1").unwrap().as_str(), "https://x/v1");
/// assert!(sanitize_endpoint("ftp://x").is_err());
/// assert!(sanitize_endpoint("https://x/?a=1").is_err());
/// ```
///
/// # Errors
///
/// [`Error::Config`] for an unparsable URL, another scheme, no host, a query or a fragment.
pub fn sanitize_endpoint(endpoint: &str) -> Result<Url> {
    let trimmed = endpoint.trim();
    let bad = |why: &str| Error::Config(format!("invalid endpoint '{trimmed}': {why}"));
    let mut url = Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("there is no host"));
    }
    if url.query().is_some() {
        return Err(bad("it must not have a query string"));
    }
    if url.fragment().is_some() {
        return Err(bad("it must not have a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in the URL are not supported"));
    }
    let mut path = url.path().to_owned();
    if path.is_empty() {
        path.push('/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    if path == "/" {
        path = "/device-api/".to_owned();
    }
    if !matches!(path.as_str(), "/device-api/" | "/v1/" | "/v2/" | "/v3/") {
        tracing::warn!(
            endpoint = trimmed,
            path = %path,
            "Endpoint path is not one of the expected ones (/device-api/, /v1/, /v2/, /v3/); keeping it"
        );
    }
    let path = path.trim_end_matches('/');
    url.set_path(path);
    Ok(url)
}

/// Reads a `0`/`1` flag as the official SDK's `read_env_flag` (surrounding whitespace ignored).
fn parse_flag(name: &str, value: &str) -> Result<bool> {
    match value.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        other => Err(Error::Config(format!(
            "{name} must be '0' or '1', not '{other}'"
        ))),
    }
}

/// The Groundlight client. Cheap to clone (an `Arc` inside), `Send + Sync`; share one per
/// process.
///
/// ```no_run
/// use std::time::Duration;
/// use groundlight::Groundlight;
///
/// # async fn run() -> groundlight::Result<()> {
/// let gl = Groundlight::new()?; // GROUNDLIGHT_API_TOKEN, GROUNDLIGHT_ENDPOINT
/// let detector = gl.get_or_create_detector("door", "Is the door open?").send().await?;
/// let iq = gl
///     .submit_image_query(&detector, groundlight::Image::from_path("door.jpg"))
///     .wait(Duration::from_secs(10))
///     .send()
///     .await?;
/// println!("{:?} ({:?})", iq.label(), iq.confidence());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Groundlight {
    pub(crate) inner: Arc<Inner>,
    pub(crate) timeout: Duration,
}

pub(crate) struct Inner {
    pub(crate) executor: Executor,
    pub(crate) endpoint: Url,
    pub(crate) shrink_oversized_images: bool,
    /// The SDK's User-Agent, when the HTTP client does not already send it by default (a
    /// caller-supplied client).
    pub(crate) user_agent_per_request: Option<HeaderValue>,
}

impl fmt::Debug for Groundlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Groundlight")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("timeout", &self.timeout)
            .field(
                "shrink_oversized_images",
                &self.inner.shrink_oversized_images,
            )
            .field("executor", &self.inner.executor)
            .finish()
    }
}

impl Groundlight {
    /// A client configured from the environment: `GROUNDLIGHT_API_TOKEN` (required),
    /// `GROUNDLIGHT_ENDPOINT`, `DISABLE_TLS_VERIFY`, `GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES`.
    ///
    /// Unlike the official SDK, construction sends no request (no `/v1/me` check, no token
    /// rotation); call [`Groundlight::whoami`] to check the token.
    ///
    /// # Errors
    ///
    /// [`Error::ApiToken`] when no token is set or it is blank, [`Error::Config`] for a bad
    /// endpoint or flag.
    pub fn new() -> Result<Self> {
        Self::builder().from_env().build()
    }

    /// A builder with no configuration read yet (call [`GroundlightBuilder::from_env`] to read
    /// the environment).
    pub fn builder() -> GroundlightBuilder {
        GroundlightBuilder::default()
    }

    /// The sanitised endpoint, e.g. `https://api.groundlight.ai/device-api`.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The total timeout each HTTP request of this client gets.
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// A client sharing this one's connections and settings whose requests time out after
    /// `timeout` (the per-call override of the official SDK's `request_timeout`).
    ///
    /// ```no_run
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let det = gl.with_timeout(std::time::Duration::from_secs(2)).get_detector("det_abc").await?;
    /// # Ok(()) }
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            timeout,
        }
    }

    /// Whether oversized images are shrunk before upload.
    pub fn shrinks_oversized_images(&self) -> bool {
        self.inner.shrink_oversized_images
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        self.inner.executor.clock()
    }

    /// `{endpoint}/{segments…}`, each segment percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.endpoint.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// The Edge Endpoint's origin (`scheme://host:port`, without `/device-api`) + segments.
    pub(crate) fn edge_url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.endpoint.clone();
        url.set_path("/");
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().extend(segments);
        }
        url
    }

    /// A request with the SDK's headers and this client's timeout.
    pub(crate) fn request(&self, method: Method, url: Url) -> RequestSpec {
        let mut spec = RequestSpec::new(method, url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(HeaderName::from_static("x-request-id"), request_id());
        // The built-in HTTP client sends the SDK's User-Agent by default; a caller-supplied one
        // gets it on every request.
        if let Some(user_agent) = &self.inner.user_agent_per_request {
            spec = spec.header(USER_AGENT, user_agent.clone());
        }
        spec.header(
            HeaderName::from_static("x-sdk-language"),
            HeaderValue::from_static("rust"),
        )
        .header(
            HeaderName::from_static("x-sdk-version"),
            HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
        )
        .timeout(Some(self.timeout))
    }

    pub(crate) async fn execute(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        spec: RequestSpec,
    ) -> Result<HttpResponse> {
        self.inner
            .executor
            .execute(operation, idempotency, spec)
            .await
            .map_err(Error::from_http)
    }

    pub(crate) async fn execute_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        spec: RequestSpec,
    ) -> Result<T> {
        let response = self.execute(operation, idempotency, spec).await?;
        Ok(response.json(operation)?)
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        url: Url,
    ) -> Result<T> {
        let spec = self.request(Method::GET, url);
        self.execute_json(operation, Idempotency::Idempotent, spec)
            .await
    }

    pub(crate) async fn send_json<B: serde::Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        url: Url,
        body: &B,
        idempotency: Idempotency,
    ) -> Result<T> {
        let spec = self
            .request(method, url)
            .json(body)
            .map_err(Error::from_http)?;
        self.execute_json(operation, idempotency, spec).await
    }
}

/// `req_uu` + 32 hex digits of a random (version 4) UUID, as the official SDK's `X-Request-Id`.
pub(crate) fn request_id() -> HeaderValue {
    let mut bits = fastrand::u128(..);
    bits &= !(0xF_u128 << 76);
    bits |= 0x4_u128 << 76; // version 4
    bits &= !(0x3_u128 << 62);
    bits |= 0x2_u128 << 62; // RFC 4122 variant
    request_id_from_bits(bits)
}

/// `format!("req_uu{bits:032x}")`, written in place (one allocation, in `HeaderValue`).
fn request_id_from_bits(bits: u128) -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut value = *b"req_uu00000000000000000000000000000000";
    for (i, byte) in value[6..].iter_mut().enumerate() {
        let nibble = (bits >> (124 - 4 * i)) & 0xF;
        *byte = HEX[nibble as usize];
    }
    HeaderValue::from_bytes(&value).unwrap_or_else(|_| HeaderValue::from_static("req_uu"))
}

/// Appends `pairs` to `url`'s query, each value percent-encoded (spaces as `%20`, `=` as `%3D`).
pub(crate) fn with_query<K: AsRef<str>, V: AsRef<str>>(
    mut url: Url,
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Url {
    let mut query = url.query().unwrap_or_default().to_owned();
    for (k, v) in pairs {
        if !query.is_empty() {
            query.push('&');
        }
        query.extend(utf8_percent_encode(k.as_ref(), QUERY_VALUE));
        query.push('=');
        query.extend(utf8_percent_encode(v.as_ref(), QUERY_VALUE));
    }
    url.set_query((!query.is_empty()).then_some(query.as_str()));
    url
}

/// Builds a [`Groundlight`] client.
///
/// Settings given here win over the environment (read by [`GroundlightBuilder::from_env`]),
/// which wins over the defaults.
///
/// ```
/// use std::time::Duration;
/// let gl = groundlight::Groundlight::builder()
///     .endpoint("http://localhost:30101")
///     .api_token("api_xyz")
///     .timeout(Duration::from_secs(5))
///     .build()
///     .unwrap();
/// assert_eq!(gl.endpoint().as_str(), "http://localhost:30101/device-api");
/// assert!(!format!("{gl:?}").contains("api_xyz"));
/// ```
#[derive(Default)]
pub struct GroundlightBuilder {
    endpoint: Option<String>,
    api_token: Option<Secret>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    retry: Option<RetryPolicy>,
    clock: Option<Arc<dyn Clock>>,
    accept_invalid_certs: Option<bool>,
    shrink_oversized_images: Option<bool>,
    env: EnvSettings,
}

#[derive(Default)]
struct EnvSettings {
    endpoint: Option<String>,
    api_token: Option<Secret>,
    disable_tls_verify: Option<String>,
    shrink: Option<String>,
}

impl fmt::Debug for GroundlightBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroundlightBuilder")
            .field("endpoint", &self.endpoint)
            .field("api_token", &self.api_token)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("http_client", &self.http_client.as_ref().map(|_| "custom"))
            .field("retry", &self.retry)
            .field("clock", &self.clock)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("shrink_oversized_images", &self.shrink_oversized_images)
            .field("env_endpoint", &self.env.endpoint)
            .field("env_api_token", &self.env.api_token)
            .field("env_disable_tls_verify", &self.env.disable_tls_verify)
            .field("env_shrink", &self.env.shrink)
            .finish()
    }
}

impl GroundlightBuilder {
    /// Reads `GROUNDLIGHT_API_TOKEN`, `GROUNDLIGHT_ENDPOINT`, `DISABLE_TLS_VERIFY` and
    /// `GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES` from the process environment.
    #[must_use]
    pub fn from_env(self) -> Self {
        self.from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the variables through `lookup` instead of
    /// the process environment (for tests and embedded configuration).
    ///
    /// ```
    /// let gl = groundlight::Groundlight::builder()
    ///     .from_env_with(|name| match name {
    ///         "GROUNDLIGHT_API_TOKEN" => Some("api_from_lookup".into()),
    ///         "GROUNDLIGHT_ENDPOINT" => Some("http://edge:30101".into()),
    ///         _ => None,
    ///     })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(gl.endpoint().as_str(), "http://edge:30101/device-api");
    /// ```
    #[must_use]
    pub fn from_env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        self.env = EnvSettings {
            endpoint: lookup(ENV_ENDPOINT).filter(|v| !v.trim().is_empty()),
            api_token: lookup(ENV_API_TOKEN).map(Secret::new),
            disable_tls_verify: lookup(ENV_DISABLE_TLS_VERIFY),
            shrink: lookup(ENV_SHRINK_OVERSIZED_IMAGES),
        };
        self
    }

    /// The API endpoint (default `https://api.groundlight.ai/`, or an Edge Endpoint such as
    /// `http://localhost:30101`); sanitised as the official SDK does (see
    /// [`sanitize_endpoint`]).
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The API token (sent as `x-api-token`).
    #[must_use]
    pub fn api_token(mut self, token: impl Into<Secret>) -> Self {
        self.api_token = Some(token.into());
        self
    }

    /// The total timeout of each HTTP request (default 10 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The TCP + TLS connect timeout of the built-in HTTP client (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Uses this `reqwest::Client` (proxies, custom TLS, shared pool). TLS and connect-timeout
    /// settings of this builder do not apply to it; the request timeout and headers still do.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Overrides the retry policy (default: [`default_retry_policy`]). Use
    /// [`RetryPolicy::none`] to turn retries off.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The clock used for retry backoff and result polling (tests inject a
    /// [`ManualClock`](vision_sdk_common::ManualClock)).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Accepts any TLS certificate: only for Edge Endpoints with self-signed certificates on a
    /// trusted network (the official SDK's `DISABLE_TLS_VERIFY=1`).
    #[must_use]
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = Some(accept);
        self
    }

    /// Whether images over 256,000 bytes are shrunk to a 1024 px long side before upload
    /// (default `true`; needs the `image` feature to take effect).
    #[must_use]
    pub fn shrink_oversized_images(mut self, shrink: bool) -> Self {
        self.shrink_oversized_images = Some(shrink);
        self
    }

    /// Builds the client. Sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::ApiToken`] when no token was given (here or in `GROUNDLIGHT_API_TOKEN`) or it is
    /// blank or not a valid header value; [`Error::Config`] for a bad endpoint, a flag variable
    /// that is not `0`/`1`, or an HTTP client that cannot be built.
    pub fn build(self) -> Result<Groundlight> {
        let token = self
            .api_token
            .or(self.env.api_token)
            .ok_or_else(|| {
                Error::ApiToken(format!(
                    "no API token found; set {ENV_API_TOKEN} or call GroundlightBuilder::api_token (tokens are at https://dashboard.groundlight.ai/reef/my-account/api-tokens)"
                ))
            })?;
        if token.is_blank() {
            return Err(Error::ApiToken("the API token is blank".into()));
        }
        if HeaderValue::from_str(token.expose_secret()).is_err() {
            return Err(Error::ApiToken(
                "the API token contains characters that cannot be sent in an HTTP header".into(),
            ));
        }
        let endpoint_text = self
            .endpoint
            .filter(|e| !e.trim().is_empty())
            .or(self.env.endpoint)
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let endpoint = sanitize_endpoint(&endpoint_text)?;

        let env_insecure = match &self.env.disable_tls_verify {
            Some(v) => Some(parse_flag(ENV_DISABLE_TLS_VERIFY, v)?),
            None => None,
        };
        let env_shrink = match &self.env.shrink {
            Some(v) => Some(parse_flag(ENV_SHRINK_OVERSIZED_IMAGES, v)?),
            None => None,
        };
        let shrink = self.shrink_oversized_images.or(env_shrink).unwrap_or(true);

        let user_agent = vision_sdk_common::user_agent!();
        let caller_supplied_client = self.http_client.is_some();
        let http = match self.http_client {
            Some(client) => {
                if self.accept_invalid_certs == Some(true) {
                    return Err(Error::Config(
                        "danger_accept_invalid_certs cannot be applied to a caller-supplied http_client; configure that client instead".into(),
                    ));
                }
                if env_insecure == Some(true) {
                    tracing::warn!(
                        "{ENV_DISABLE_TLS_VERIFY}=1 is ignored: a caller-supplied http_client is used"
                    );
                }
                client
            }
            None => {
                let insecure = self.accept_invalid_certs.or(env_insecure).unwrap_or(false);
                let mut config =
                    TransportConfig::new(user_agent.clone()).danger_accept_invalid_certs(insecure);
                if let Some(connect) = self.connect_timeout {
                    config = config.connect_timeout(connect);
                }
                config
                    .build()
                    .map_err(|e| Error::Config(format!("{e}: {}", e.0)))?
            }
        };
        let mut executor = Executor::builder("groundlight", http)
            .auth(Auth::new(
                AuthScheme::Header(HeaderName::from_static(API_TOKEN_HEADER)),
                token,
            ))
            .retry(self.retry.unwrap_or_else(default_retry_policy))
            .classifier(std::sync::Arc::new(classifier().clone()))
            .request_id_header(HeaderName::from_static("x-request-id"));
        if let Some(clock) = self.clock {
            executor = executor.clock(clock);
        }
        let user_agent = HeaderValue::from_str(&user_agent)
            .unwrap_or_else(|_| HeaderValue::from_static("groundlight-rs"));
        Ok(Groundlight {
            inner: Arc::new(Inner {
                executor: executor.build(),
                endpoint,
                shrink_oversized_images: shrink,
                user_agent_per_request: caller_supplied_client.then_some(user_agent),
            }),
            timeout: self.timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        })
    }
}

/// A detector given by id or as a [`Detector`] (whose confidence threshold then saves a
/// request when waiting for a confident answer).
///
/// ```
/// use groundlight::DetectorRef;
/// let by_id: DetectorRef = "det_abc".into();
/// assert_eq!(by_id.id(), "det_abc");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorRef {
    id: String,
    detector: Option<Box<Detector>>,
}

impl DetectorRef {
    /// The detector id (`det_…`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The detector, when one was given rather than an id.
    pub fn detector(&self) -> Option<&Detector> {
        self.detector.as_deref()
    }

    pub(crate) fn checked_id(&self) -> Result<&str> {
        if self.id.trim().is_empty() {
            Err(Error::invalid("the detector id is empty"))
        } else {
            Ok(&self.id)
        }
    }
}

impl From<&Detector> for DetectorRef {
    fn from(d: &Detector) -> Self {
        Self {
            id: d.id.clone(),
            detector: Some(Box::new(d.clone())),
        }
    }
}

impl From<Detector> for DetectorRef {
    fn from(d: Detector) -> Self {
        Self {
            id: d.id.clone(),
            detector: Some(Box::new(d)),
        }
    }
}

impl From<&str> for DetectorRef {
    fn from(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            detector: None,
        }
    }
}

impl From<String> for DetectorRef {
    fn from(id: String) -> Self {
        Self { id, detector: None }
    }
}

impl From<&String> for DetectorRef {
    fn from(id: &String) -> Self {
        Self::from(id.as_str())
    }
}

impl From<&DetectorRef> for DetectorRef {
    fn from(r: &DetectorRef) -> Self {
        r.clone()
    }
}

/// An image query given by id or as an [`ImageQuery`].
///
/// ```
/// use groundlight::ImageQueryRef;
/// let by_id: ImageQueryRef = "iq_abc".into();
/// assert_eq!(by_id.id(), "iq_abc");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImageQueryRef {
    id: String,
    image_query: Option<Box<ImageQuery>>,
}

impl ImageQueryRef {
    /// The image query id (`iq_…`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The image query, when one was given rather than an id.
    pub fn image_query(&self) -> Option<&ImageQuery> {
        self.image_query.as_deref()
    }

    pub(crate) fn into_parts(self) -> (String, Option<ImageQuery>) {
        (self.id, self.image_query.map(|b| *b))
    }
}

impl From<&ImageQuery> for ImageQueryRef {
    fn from(iq: &ImageQuery) -> Self {
        Self {
            id: iq.id.clone(),
            image_query: Some(Box::new(iq.clone())),
        }
    }
}

impl From<ImageQuery> for ImageQueryRef {
    fn from(iq: ImageQuery) -> Self {
        Self {
            id: iq.id.clone(),
            image_query: Some(Box::new(iq)),
        }
    }
}

impl From<&str> for ImageQueryRef {
    fn from(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            image_query: None,
        }
    }
}

impl From<String> for ImageQueryRef {
    fn from(id: String) -> Self {
        Self {
            id,
            image_query: None,
        }
    }
}

impl From<&String> for ImageQueryRef {
    fn from(id: &String) -> Self {
        Self::from(id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_the_official_sdk() {
        let ok = |input: &str, expected: &str| {
            assert_eq!(
                sanitize_endpoint(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        };
        ok("http://127.0.0.1:8765", "http://127.0.0.1:8765/device-api");
        ok("http://127.0.0.1:8765/", "http://127.0.0.1:8765/device-api");
        ok(
            "https://api.groundlight.ai/",
            "https://api.groundlight.ai/device-api",
        );
        ok("https://x/device-api/", "https://x/device-api");
        ok("https://x/device-api", "https://x/device-api");
        ok("https://x/v1", "https://x/v1");
        ok("https://x/v2/", "https://x/v2");
        ok("https://x/v3", "https://x/v3");
        ok("https://x/foo", "https://x/foo");
        ok("  https://x/foo/bar/  ", "https://x/foo/bar");
        for bad in [
            "ftp://x",
            "x.com",
            "https://",
            "https://x/?a=1",
            "https://x/#frag",
            "https://u:p@x/",
            "",
        ] {
            assert!(
                matches!(sanitize_endpoint(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn flags_are_exactly_zero_or_one() {
        assert!(parse_flag("F", "1").unwrap());
        assert!(!parse_flag("F", " 0 ").unwrap());
        for bad in ["true", "yes", "2", "", "01"] {
            assert!(parse_flag("F", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn request_ids_look_like_the_official_ones() {
        let a = request_id();
        let b = request_id();
        assert_ne!(a, b);
        let text = a.to_str().unwrap();
        let hex = text.strip_prefix("req_uu").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(&hex[12..13], "4");
        for bits in [
            0,
            1,
            0xabc,
            u128::MAX,
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        ] {
            assert_eq!(
                request_id_from_bits(bits).to_str().unwrap(),
                format!("req_uu{bits:032x}")
            );
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        let url = Url::parse("http://x/device-api/v1/detectors").unwrap();
        let url = with_query(url, [("name", "door detector & co?x=1")]);
        assert_eq!(url.query(), Some("name=door%20detector%20%26%20co%3Fx%3D1"));
        let url = with_query(url, [("page", "2")]);
        assert!(url.query().unwrap().ends_with("&page=2"));
        let empty: [(&str, &str); 0] = [];
        let plain = with_query(Url::parse("http://x/a").unwrap(), empty);
        assert_eq!(plain.query(), None);
    }

    #[test]
    fn builder_resolves_token_and_env() {
        let missing = Groundlight::builder().build().unwrap_err();
        assert!(matches!(missing, Error::ApiToken(_)), "{missing}");
        let blank = Groundlight::builder().api_token("  ").build().unwrap_err();
        assert!(matches!(blank, Error::ApiToken(_)));
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let gl = Groundlight::builder()
            .from_env_with(env(&[
                ("GROUNDLIGHT_API_TOKEN", "api_env"),
                ("GROUNDLIGHT_ENDPOINT", "  "),
                ("GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES", "0"),
            ]))
            .build()
            .unwrap();
        assert_eq!(
            gl.endpoint().as_str(),
            "https://api.groundlight.ai/device-api"
        );
        assert!(!gl.shrinks_oversized_images());
        assert_eq!(gl.request_timeout(), DEFAULT_REQUEST_TIMEOUT);
        let err = Groundlight::builder()
            .from_env_with(env(&[
                ("GROUNDLIGHT_API_TOKEN", "api_env"),
                ("DISABLE_TLS_VERIFY", "true"),
            ]))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        // Blank token in the environment.
        let err = Groundlight::builder()
            .from_env_with(env(&[("GROUNDLIGHT_API_TOKEN", " ")]))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::ApiToken(_)));
        // Explicit settings beat the environment.
        let gl = Groundlight::builder()
            .from_env_with(env(&[
                ("GROUNDLIGHT_API_TOKEN", "api_env"),
                ("GROUNDLIGHT_ENDPOINT", "http://env:1"),
                ("DISABLE_TLS_VERIFY", "1"),
            ]))
            .endpoint("http://explicit:2/v1")
            .build()
            .unwrap();
        assert_eq!(gl.endpoint().as_str(), "http://explicit:2/v1");
    }

    #[test]
    fn urls_are_built_from_encoded_segments() {
        let gl = Groundlight::builder()
            .endpoint("http://h:1")
            .api_token("t")
            .build()
            .unwrap();
        assert_eq!(
            gl.api_url(&["v1", "detectors", "det/../x?y"]).as_str(),
            "http://h:1/device-api/v1/detectors/det%2F..%2Fx%3Fy"
        );
        assert_eq!(
            gl.api_url(&["v1", "edge", "fetch-model-urls", "det_1", ""])
                .as_str(),
            "http://h:1/device-api/v1/edge/fetch-model-urls/det_1/"
        );
        assert_eq!(
            gl.edge_url(&["edge-config"]).as_str(),
            "http://h:1/edge-config"
        );
    }
}
