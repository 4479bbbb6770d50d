//! The [`Groundlight`] client and its [`GroundlightBuilder`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use http::header::{ACCEPT, HeaderName, HeaderValue};
use reqwest::Url;
use serde::de::DeserializeOwned;
use vision_sdk_common::clock::{Clock, default_clock};
use vision_sdk_common::internal::url::{
    BaseUrlError, QueryEncoding, join, parse_base_url, push_query, redact_unparsable,
};
use vision_sdk_common::internal::{HttpResponse, Idempotency, RequestSpec};
use vision_sdk_common::options::{OptionsError, ProviderDefaults};
use vision_sdk_common::{AuthScheme, ClientOptions, RetryPolicy, Secret};

use crate::error::{Error, Result};
use crate::models::{Detector, ImageQuery};
use crate::retry::{default_retry_policy, shared_classifier};
use crate::tokens::{
    Rotation, RotationConfig, TokenRotationStatus, check_format, default_token_dir,
};

/// The endpoint used when none is configured (sanitised to `https://api.groundlight.ai/device-api`).
pub const DEFAULT_BASE_URL: &str = "https://api.groundlight.ai/";

/// The default total timeout of one HTTP request (the official SDK's `DEFAULT_REQUEST_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Environment variable holding the API token (the official SDK's `API_TOKEN_VARIABLE_NAME`).
pub const ENV_API_KEY: &str = "GROUNDLIGHT_API_TOKEN";
/// Environment variable holding the endpoint.
pub const ENV_BASE_URL: &str = "GROUNDLIGHT_ENDPOINT";
/// Environment variable that disables TLS certificate verification when exactly `1`.
pub const ENV_DISABLE_TLS_VERIFY: &str = "DISABLE_TLS_VERIFY";
/// Environment variable that turns shrinking of oversized images off when `0` (`1` by default).
pub const ENV_SHRINK_OVERSIZED_IMAGES: &str = "GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES";

/// The header carrying the API token.
pub(crate) const API_TOKEN_HEADER: &str = "x-api-token";

/// Sanitises an endpoint exactly as the official SDK's `sanitize_endpoint_url`.
///
/// * The scheme must be `http` or `https` and there must be a host; a query, a fragment or
///   credentials (`user:pass@`) are rejected. The error text never shows a query or userinfo,
///   so a token pasted into the URL is not echoed.
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
/// [`Error::Config`] for an unparsable URL, another scheme, no host, a query, a fragment or
/// credentials.
pub fn sanitize_endpoint(endpoint: &str) -> Result<Url> {
    let mut url = parse_base_url(endpoint).map_err(|e| endpoint_error(endpoint, &e))?;
    // `parse_base_url` leaves a path ending in `/`.
    let mut path = url.path().to_owned();
    if path == "/" {
        path = "/device-api/".to_owned();
    }
    if !matches!(path.as_str(), "/device-api/" | "/v1/" | "/v2/" | "/v3/") {
        tracing::warn!(
            endpoint = %url,
            path = %path,
            "Endpoint path is not one of the expected ones (/device-api/, /v1/, /v2/, /v3/); keeping it"
        );
    }
    url.set_path(path.trim_end_matches('/'));
    Ok(url)
}

/// The error for a refused endpoint: the URL shown without its query, fragment or userinfo.
fn endpoint_error(text: &str, error: &BaseUrlError) -> Error {
    Error::Config(format!(
        "invalid endpoint '{}': {}",
        redact_unparsable(text.trim()),
        error.why
    ))
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
/// let gl = Groundlight::from_env()?; // GROUNDLIGHT_API_TOKEN, GROUNDLIGHT_ENDPOINT
/// let detector = gl.get_or_create_detector("door", "Is the door open?").await?;
/// let iq = gl
///     .submit_image_query(&detector, groundlight::Image::from_path("door.jpg"))
///     .wait(Duration::from_secs(10))
///     .await?;
/// println!("{:?} ({:?})", iq.label(), iq.confidence());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Groundlight {
    pub(crate) inner: Arc<Inner>,
    pub(crate) call: CallOptions,
}

pub(crate) struct Inner {
    pub(crate) executor: vision_sdk_common::internal::Executor,
    pub(crate) endpoint: Url,
    pub(crate) shrink_oversized_images: bool,
    /// The token, for [`Groundlight::get_raw_headers`] (the executor sends it on every call).
    pub(crate) api_token: Option<Secret>,
    /// The User-Agent the client sends, for [`Groundlight::get_raw_headers`].
    pub(crate) user_agent: String,
    /// Token rotation, when asked for ([`GroundlightBuilder::token_rotation`]).
    pub(crate) rotation: Option<Rotation>,
}

/// Per-call overrides carried by a client clone (a call builder's `request_timeout` and
/// `retry_policy`, [`Groundlight::with_timeout`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl fmt::Debug for Groundlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Groundlight")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("timeout", &self.timeout())
            .field(
                "shrink_oversized_images",
                &self.inner.shrink_oversized_images,
            )
            .field("executor", &self.inner.executor)
            .field("token_rotation", &self.token_rotation_status())
            .finish()
    }
}

impl Groundlight {
    /// A client with this API token; everything else from the environment (as
    /// `Groundlight(api_token=…)` does): `GROUNDLIGHT_ENDPOINT`, `DISABLE_TLS_VERIFY`,
    /// `GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES`.
    ///
    /// Unlike the official SDK, construction sends no request (no `/v1/me` check) and token
    /// rotation is off (opt in with [`GroundlightBuilder::token_rotation`]); call
    /// [`Groundlight::whoami`] to check the token.
    ///
    /// ```
    /// let gl = groundlight::Groundlight::new("api_xyz").unwrap();
    /// assert!(!format!("{gl:?}").contains("api_xyz"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Credential`] when the token is blank or not header-safe, [`Error::Config`] for
    /// a bad endpoint or flag.
    pub fn new(api_token: impl Into<Secret>) -> Result<Self> {
        Self::builder().api_token(api_token).build()
    }

    /// A client configured from the environment: `GROUNDLIGHT_API_TOKEN` (required),
    /// `GROUNDLIGHT_ENDPOINT`, `DISABLE_TLS_VERIFY`, `GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES`
    /// (the official `Groundlight()`).
    ///
    /// # Errors
    ///
    /// [`Error::Credential`] when no token is set or it is blank, [`Error::Config`] for a bad
    /// endpoint or flag.
    pub fn from_env() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder; whatever is not set on it falls back to the environment at
    /// [`build`](GroundlightBuilder::build), then to the defaults.
    pub fn builder() -> GroundlightBuilder {
        GroundlightBuilder::default()
    }

    /// The sanitised endpoint, e.g. `https://api.groundlight.ai/device-api`.
    pub fn base_url(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The sanitised endpoint (the official SDK's `gl.endpoint`; same as [`Self::base_url`]).
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The total timeout each HTTP request of this client gets (`None`: no limit).
    pub fn timeout(&self) -> Option<Duration> {
        self.call
            .timeout
            .or_else(|| self.inner.executor.default_timeout())
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
        let mut client = self.clone();
        client.call.timeout = Some(timeout);
        client
    }

    /// A client sharing this one's connections and settings with another retry policy
    /// ([`RetryPolicy::none`] turns retries off).
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Self {
        let mut client = self.clone();
        client.call.retry = Some(policy);
        client
    }

    /// Whether oversized images are shrunk before upload.
    pub fn shrinks_oversized_images(&self) -> bool {
        self.inner.shrink_oversized_images
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        self.inner.executor.clock()
    }

    /// Sets up token rotation now, as the official SDK's constructor does (otherwise the first
    /// call does it); a no-op when rotation is off or already set up. See [`crate::tokens`].
    ///
    /// # Errors
    ///
    /// What the setup's requests or the token cache gave: [`Error::Http`] (a 401 when the
    /// token is refused), [`Error::Io`] for the cache directory, its lock or a corrupt cache
    /// file. A failed setup is tried again by the next call.
    pub async fn start_token_rotation(&self) -> Result<()> {
        match &self.inner.rotation {
            Some(rotation) => rotation.ensure_started().await,
            None => Ok(()),
        }
    }

    /// Where token rotation stands ([`TokenRotationStatus::Off`] unless it was asked for).
    pub fn token_rotation_status(&self) -> TokenRotationStatus {
        self.inner
            .rotation
            .as_ref()
            .map_or(TokenRotationStatus::Off, Rotation::status)
    }

    /// The token requests carry now (the configured one, or the rotated one in use).
    pub(crate) fn current_token(&self) -> Option<Secret> {
        match &self.inner.rotation {
            Some(rotation) => Some(rotation.current_token()),
            None => self.inner.api_token.clone(),
        }
    }

    /// `{endpoint}/{segments…}`, each segment percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        join(&self.inner.endpoint, segments)
    }

    /// [`Self::api_url`] with query pairs (RFC 3986: a space is `%20`, `=` is `%3D`).
    pub(crate) fn api_url_with_query<K: AsRef<str>, V: AsRef<str>>(
        &self,
        segments: &[&str],
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Url {
        let mut url = self.api_url(segments);
        push_query(&mut url, QueryEncoding::Rfc3986, pairs);
        url
    }

    /// The Edge Endpoint's origin (`scheme://host:port`, without `/device-api`) + segments.
    pub(crate) fn edge_url(&self, segments: &[&str]) -> Url {
        let mut origin = self.inner.endpoint.clone();
        origin.set_path("/");
        join(&origin, segments)
    }

    /// A request with the SDK's headers and this client's per-call timeout, if any (otherwise
    /// the executor applies the client's).
    pub(crate) fn request(&self, method: Method, url: Url) -> RequestSpec {
        base_request(method, url).timeout(self.call.timeout)
    }

    pub(crate) async fn execute(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        spec: RequestSpec,
    ) -> Result<HttpResponse> {
        if let Some(rotation) = &self.inner.rotation {
            rotation.ensure_started().await?;
        }
        let executor = &self.inner.executor;
        let result = match &self.call.retry {
            Some(policy) => {
                executor
                    .execute_with(
                        operation,
                        idempotency,
                        policy,
                        crate::retry::classifier(),
                        spec,
                    )
                    .await
            }
            None => executor.execute(operation, idempotency, spec).await,
        };
        result.map_err(Error::from_http)
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

/// A request with the SDK's headers (`Accept`, `X-Request-Id`, `x-sdk-*`).
pub(crate) fn base_request(method: Method, url: Url) -> RequestSpec {
    RequestSpec::new(method, url)
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(HeaderName::from_static("x-request-id"), request_id())
        .header(
            HeaderName::from_static("x-sdk-language"),
            HeaderValue::from_static("rust"),
        )
        .header(
            HeaderName::from_static("x-sdk-version"),
            HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
        )
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

/// Builds a [`Groundlight`] client.
///
/// Settings given here win over the environment (`GROUNDLIGHT_API_TOKEN`,
/// `GROUNDLIGHT_ENDPOINT`, `DISABLE_TLS_VERIFY`, `GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES`, read at
/// [`build`](Self::build) for whatever was not set, as the official SDK does), which win over
/// the defaults. The shared setters (`api_key`, `base_url`, `timeout`, `connect_timeout`,
/// `http_client`, `retry_policy`, `clock`, `user_agent`, `add_root_certificate`,
/// `danger_accept_invalid_certs`, `env_lookup`) mean the same in every crate of the family;
/// `api_token` and `endpoint` are their Python names.
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
/// assert_eq!(gl.timeout(), Some(Duration::from_secs(5)));
/// assert!(!format!("{gl:?}").contains("api_xyz"));
///
/// // Only the endpoint is given: the token comes from the environment.
/// let edge = groundlight::Groundlight::builder()
///     .endpoint("http://edge:30101")
///     .env_lookup(|name| (name == "GROUNDLIGHT_API_TOKEN").then(|| "api_from_env".to_owned()))
///     .build()
///     .unwrap();
/// assert_eq!(edge.endpoint().as_str(), "http://edge:30101/device-api");
/// ```
#[derive(Default)]
pub struct GroundlightBuilder {
    options: ClientOptions,
    shrink_oversized_images: Option<bool>,
    token_rotation: bool,
    token_dir: Option<PathBuf>,
    token_refresh_clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for GroundlightBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroundlightBuilder")
            .field("options", &self.options)
            .field("shrink_oversized_images", &self.shrink_oversized_images)
            .field("token_rotation", &self.token_rotation)
            .field("token_dir", &self.token_dir)
            .finish_non_exhaustive()
    }
}

impl GroundlightBuilder {
    vision_sdk_common::client_options_setters!();

    /// The API token, sent as `x-api-token` (the official SDK's `api_token`; same as
    /// [`api_key`](Self::api_key)).
    #[must_use]
    pub fn api_token(self, token: impl Into<Secret>) -> Self {
        self.api_key(token)
    }

    /// The API endpoint (default `https://api.groundlight.ai/`, or an Edge Endpoint such as
    /// `http://localhost:30101`), sanitised as the official SDK does (see
    /// [`sanitize_endpoint`]). The official SDK's `endpoint`; same as
    /// [`base_url`](Self::base_url).
    #[must_use]
    pub fn endpoint(self, endpoint: impl Into<String>) -> Self {
        self.base_url(endpoint)
    }

    /// Whether images over 256,000 bytes are shrunk to a 1024 px long side before upload
    /// (default `true`, as the official SDK; needs the default `jpeg` feature to take effect, and
    /// `image` for GIF/WebP/BMP).
    #[must_use]
    pub fn shrink_oversized_images(mut self, shrink: bool) -> Self {
        self.shrink_oversized_images = Some(shrink);
        self
    }

    /// Rotates the API token as the official SDK does (its `enable_token_rotation`, which is
    /// on there by default); **off by default** here, because rotation mints and revokes
    /// tokens of the account and keeps them on disk. See [`crate::tokens`]. With it on,
    /// `build()` checks the token's format, and the first call (or
    /// [`Groundlight::start_token_rotation`]) sets rotation up.
    ///
    /// ```
    /// use groundlight::{CredentialError, Error, Groundlight};
    /// let err = Groundlight::builder()
    ///     .api_token("not-a-rotatable-token")
    ///     .token_rotation(true)
    ///     .token_dir(std::env::temp_dir())
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, Error::Credential(CredentialError::BadFormat { .. })));
    /// ```
    #[must_use]
    pub fn token_rotation(mut self, enabled: bool) -> Self {
        self.token_rotation = enabled;
        self
    }

    /// Where rotated tokens are cached (default: `GROUNDLIGHT_TOKEN_DIR`, else
    /// `~/.groundlight/tokens`). Only used with [`token_rotation`](Self::token_rotation).
    #[must_use]
    pub fn token_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.token_dir = Some(dir.into());
        self
    }

    /// The clock of the token refresh schedule (default: the real one). Separate from
    /// [`clock`](Self::clock), whose sleeps (e.g. a `ManualClock`'s) may return at once and
    /// would make the refresh task rotate back to back; tests give a clock whose sleeps wait
    /// for the test, such as `groundlight::testing::SteppedClock` (feature `testing`).
    #[must_use]
    pub fn token_refresh_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.token_refresh_clock = Some(clock);
        self
    }

    /// Builds the client. Sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Credential`] when no token was given (here or in `GROUNDLIGHT_API_TOKEN`) or it
    /// is blank or not a valid header value; [`Error::Config`] for a bad endpoint, a flag
    /// variable that is not `0`/`1`, or an HTTP client that cannot be built. With
    /// [`token_rotation`](Self::token_rotation): [`CredentialError::BadFormat`] for a token
    /// that cannot be rotated, [`Error::Config`] when no token directory can be found.
    ///
    /// [`CredentialError::BadFormat`]: vision_sdk_common::CredentialError::BadFormat
    pub fn build(self) -> Result<Groundlight> {
        let defaults = provider_defaults();
        let options = self.options;
        let endpoint = sanitize_endpoint(&options.base_url_text(&defaults))?;
        let user_agent = options.user_agent_text(&defaults);
        let env_flag = |name: &str| -> Result<Option<bool>> {
            options
                .env_var(name)
                .map(|v| parse_flag(name, &v))
                .transpose()
        };
        let env_insecure = env_flag(ENV_DISABLE_TLS_VERIFY)?;
        let shrink = match self.shrink_oversized_images {
            Some(shrink) => shrink,
            None => env_flag(ENV_SHRINK_OVERSIZED_IMAGES)?.unwrap_or(true),
        };
        let core = if options.accepts_invalid_certs().is_none() && env_insecure == Some(true) {
            match options
                .clone()
                .danger_accept_invalid_certs(true)
                .build_with_base_url(&defaults, endpoint.clone())
            {
                // A caller-supplied client cannot be changed: the variable is ignored.
                Err(OptionsError::Invalid(_)) => {
                    tracing::warn!(
                        "{ENV_DISABLE_TLS_VERIFY}=1 is ignored: a caller-supplied http_client is used"
                    );
                    options.build_with_base_url(&defaults, endpoint.clone())
                }
                other => other,
            }
        } else {
            options.build_with_base_url(&defaults, endpoint.clone())
        }
        .map_err(options_error)?;
        let rotation = match (self.token_rotation, &core.api_key) {
            (true, Some(token)) => {
                let snippet = check_format(token)?;
                let dir = match self.token_dir {
                    Some(dir) => dir,
                    None => default_token_dir(&|name| options.env_var(name))?,
                };
                let config = RotationConfig {
                    dir,
                    clock: self.token_refresh_clock.unwrap_or_else(default_clock),
                };
                Some(Rotation::new(
                    config,
                    core.executor.clone(),
                    endpoint.clone(),
                    token.clone(),
                    snippet,
                ))
            }
            _ => None,
        };
        Ok(Groundlight {
            inner: Arc::new(Inner {
                executor: core.executor,
                endpoint,
                shrink_oversized_images: shrink,
                api_token: core.api_key,
                user_agent,
                rotation,
            }),
            call: CallOptions::default(),
        })
    }
}

/// What the shared options need to know about Groundlight.
fn provider_defaults() -> ProviderDefaults {
    ProviderDefaults::new(
        "groundlight",
        vision_sdk_common::user_agent!(),
        DEFAULT_BASE_URL,
    )
    .key_env(&[ENV_API_KEY])
    .base_url_env(&[ENV_BASE_URL])
    .auth(vec![AuthScheme::Header(HeaderName::from_static(
        API_TOKEN_HEADER,
    ))])
    .timeout(Some(DEFAULT_TIMEOUT))
    .retry(default_retry_policy())
    .classifier(shared_classifier())
    .request_id_header("x-request-id")
}

fn options_error(error: OptionsError) -> Error {
    match error {
        OptionsError::Credential(e) => Error::Credential(e),
        OptionsError::BaseUrl(e) => Error::Config(format!("invalid endpoint: {}", e.why)),
        other => Error::Config(other.to_string()),
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
    use vision_sdk_common::CredentialError;

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
            "https://x/?",
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
    fn endpoint_errors_never_show_a_token() {
        for bad in [
            "https://user:api_SECRET@x/",
            "https://x/?token=api_SECRET",
            "not a url?api_SECRET",
            "https://x/#api_SECRET",
        ] {
            let err = sanitize_endpoint(bad).unwrap_err().to_string();
            assert!(!err.contains("api_SECRET"), "{err}");
            let err = Groundlight::builder()
                .api_token("t")
                .endpoint(bad)
                .env_lookup(|_| None)
                .build()
                .unwrap_err()
                .to_string();
            assert!(!err.contains("api_SECRET"), "{err}");
        }
    }

    #[test]
    fn flags_are_exactly_zero_or_one() {
        assert!(parse_flag("F", "1").unwrap());
        assert!(!parse_flag("F", " 0 ").unwrap());
        for bad in ["true", "yes", "2", "01"] {
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

    fn env(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn builder_resolves_token_and_env() {
        let missing = Groundlight::builder()
            .env_lookup(|_| None)
            .build()
            .unwrap_err();
        assert!(
            matches!(missing, Error::Credential(CredentialError::Missing { .. })),
            "{missing}"
        );
        assert!(missing.to_string().contains(ENV_API_KEY), "{missing}");
        let blank = Groundlight::builder()
            .api_token("  ")
            .env_lookup(|_| None)
            .build()
            .unwrap_err();
        assert!(matches!(blank, Error::Credential(CredentialError::Blank)));
        let gl = Groundlight::builder()
            .env_lookup(env(&[
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
        assert_eq!(gl.timeout(), Some(DEFAULT_TIMEOUT));
        let err = Groundlight::builder()
            .env_lookup(env(&[
                ("GROUNDLIGHT_API_TOKEN", "api_env"),
                ("DISABLE_TLS_VERIFY", "true"),
            ]))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        // Blank token in the environment counts as unset.
        let err = Groundlight::builder()
            .env_lookup(env(&[("GROUNDLIGHT_API_TOKEN", " ")]))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Credential(_)));
        // Explicit settings beat the environment; the token still comes from it.
        let gl = Groundlight::builder()
            .env_lookup(env(&[
                ("GROUNDLIGHT_API_TOKEN", "api_env"),
                ("GROUNDLIGHT_ENDPOINT", "http://env:1"),
                ("DISABLE_TLS_VERIFY", "1"),
            ]))
            .endpoint("http://explicit:2/v1")
            .build()
            .unwrap();
        assert_eq!(gl.endpoint().as_str(), "http://explicit:2/v1");
        // DISABLE_TLS_VERIFY=1 with a caller's client is ignored (with a warning).
        Groundlight::builder()
            .env_lookup(env(&[
                ("GROUNDLIGHT_API_TOKEN", "api_env"),
                ("DISABLE_TLS_VERIFY", "1"),
            ]))
            .http_client(reqwest::Client::new())
            .build()
            .unwrap();
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
        assert_eq!(gl.edge_url(&[]).as_str(), "http://h:1/");
        let url = gl.api_url_with_query(&["v1", "detectors"], [("name", "door detector & co?x=1")]);
        assert_eq!(url.query(), Some("name=door%20detector%20%26%20co%3Fx%3D1"));
    }
}
