//! [`InferenceClient`] and its builder.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use vision_sdk_common::auth::AuthScheme;
use vision_sdk_common::internal::execute::{Executor, HttpResponse, Idempotency, RequestSpec};
use vision_sdk_common::internal::url::{join, parse_base_url};
use vision_sdk_common::options::{OptionsError, ProviderDefaults};
use vision_sdk_common::reqwest::{Method, Url};
use vision_sdk_common::{ClientOptions, CredentialError, RetryPolicy, Secret};

use crate::error::{Error, Result, from_http};
use crate::models::ModelDescription;
use crate::retry::{Classifiers, RetryClass, default_policy};
use crate::url_input::UrlInputPolicy;
use crate::{ApiKeyTransport, ApiMode, InferenceConfiguration, ModeSelection};

/// The default API URL: the hosted serverless API (v0 routes).
pub const DEFAULT_BASE_URL: &str = "https://serverless.roboflow.com";
/// The default timeout of each HTTP request. The official client has none (a hung server
/// hangs the caller forever); 60 s covers a cold model load on a CPU server. Change it with
/// `InferenceClientBuilder::timeout` (`None`: no limit) or per call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The variable holding the API key (the official client reads none; Roboflow's other tools
/// read this one).
pub const ENV_API_KEY: &str = "ROBOFLOW_API_KEY";
/// `WORKFLOW_RUN_RETRIES_ENABLED` (default `true`), as the official client reads it.
pub const ENV_WORKFLOW_RUN_RETRIES_ENABLED: &str = "WORKFLOW_RUN_RETRIES_ENABLED";

/// The User-Agent sent on every request.
const USER_AGENT: &str = concat!("roboflow-infer-rs/", env!("CARGO_PKG_VERSION"));

/// Where a request carries the key under the legacy transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyIn {
    /// Nowhere (info, health, `/model/remove`, …).
    None,
    /// `?api_key=`.
    Query,
    /// An `"api_key"` member of the JSON body.
    Body,
}

/// Per-call options shared by every call builder.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

/// A client of one Roboflow inference server: the hosted serverless API (v0 routes) or a
/// self-hosted `inference` server (v1 routes). Cheap to clone (one `Arc`), `Send + Sync`.
///
/// ```no_run
/// use roboflow_infer::{Image, InferenceClient};
///
/// # async fn run() -> roboflow_infer::Result<()> {
/// // Hosted (v0): the key is required.
/// let hosted = InferenceClient::new("MY_API_KEY")?;
/// // Self-hosted (v1): any URL but the ten hosted ones; a key is optional.
/// let local = InferenceClient::builder().api_url("http://localhost:9001").build()?;
/// let result = local.infer("my-project/3", Image::from_path("dog.jpg")).await?;
/// println!("{result:?}");
/// # let _ = hosted;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct InferenceClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) executor: Executor,
    pub(crate) base_url: Url,
    pub(crate) has_key: bool,
    pub(crate) mode: ApiMode,
    pub(crate) transport: ApiKeyTransport,
    pub(crate) config: InferenceConfiguration,
    pub(crate) url_policy: UrlInputPolicy,
    pub(crate) cache: Option<Mutex<HashMap<String, ModelDescription>>>,
    pub(crate) classifiers: Classifiers,
    pub(crate) service_secret: Option<Secret>,
    /// Images loaded by calls and not answered yet.
    pub(crate) images: crate::gauge::ImageGauge,
}

impl fmt::Debug for InferenceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("InferenceClient")
            .field("base_url", &inner.base_url.as_str())
            .field("mode", &inner.mode)
            .field("api_key", &inner.has_key.then_some("[redacted]"))
            .field("api_key_transport", &inner.transport)
            .field("timeout", &inner.executor.default_timeout())
            .field("model_description_cache", &inner.cache.is_some())
            .finish_non_exhaustive()
    }
}

impl InferenceClient {
    /// A client of the hosted API ([`DEFAULT_BASE_URL`]) with `key`. Sends no request.
    pub fn new(key: impl Into<Secret>) -> Result<Self> {
        Self::builder().api_key(key).build()
    }

    /// A client configured from the environment: the key from [`ENV_API_KEY`], the URL-input
    /// rules and `WORKFLOW_RUN_RETRIES_ENABLED` as the official client reads them.
    pub fn from_env() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder; `build()` falls back to the environment for what was not set.
    pub fn builder() -> InferenceClientBuilder {
        InferenceClientBuilder::default()
    }

    /// The API URL (ends in `/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The default request timeout (`None`: no limit).
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.executor.default_timeout()
    }

    /// The route family in use (the official `client_mode`).
    pub fn mode(&self) -> ApiMode {
        self.inner.mode
    }

    /// Where the key goes.
    pub fn api_key_transport(&self) -> ApiKeyTransport {
        self.inner.transport
    }

    /// The client-wide inference configuration (per-call configurations are merged over it).
    pub fn configuration(&self) -> &InferenceConfiguration {
        &self.inner.config
    }

    /// The rules for images given as URLs that the client fetches.
    pub fn url_input_policy(&self) -> &UrlInputPolicy {
        &self.inner.url_policy
    }

    /// **Unstable, not part of the API** (for tests and benchmarks; may change or go in any
    /// release): `(images held now, most images held at once)` by this client's calls. An
    /// image counts from when its call starts loading it until its answer is decoded, so an
    /// `infer_many` never holds more than `max_concurrent_requests × max_batch_size`.
    #[doc(hidden)]
    pub fn unstable_images_in_memory(&self) -> (usize, usize) {
        self.inner.images.read()
    }

    /// Forgets the cached model descriptions (the next v1 `infer` asks the registry again).
    pub fn clear_model_description_cache(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    // ----- crate-internal plumbing -----

    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        join(&self.inner.base_url, segments)
    }

    /// The credential schemes of a request that carries the key `place` under the legacy
    /// transport (`None`: send no credential).
    pub(crate) fn schemes(&self, place: KeyIn) -> Option<Vec<AuthScheme>> {
        if place == KeyIn::None {
            return None;
        }
        let legacy = match place {
            KeyIn::Query => AuthScheme::Query("api_key"),
            _ => AuthScheme::JsonField("api_key"),
        };
        let bearer = AuthScheme::Authorization { prefix: "Bearer" };
        Some(match self.inner.transport {
            ApiKeyTransport::Header => vec![bearer],
            ApiKeyTransport::Both => vec![legacy, bearer],
            _ => vec![legacy],
        })
    }

    /// A request authenticated as `place` says.
    pub(crate) fn request(&self, method: Method, url: Url, place: KeyIn) -> RequestSpec {
        let spec = RequestSpec::new(method, url);
        match self.schemes(place) {
            Some(schemes) => spec.auth_schemes(schemes),
            None => spec.without_auth(),
        }
    }

    /// Where a JSON-bodied core-model call puts the key: the query on v0 (as upstream, which
    /// then leaves it out of the body), the body on v1.
    pub(crate) fn core_key_place(&self) -> KeyIn {
        match self.inner.mode {
            ApiMode::V0 => KeyIn::Query,
            ApiMode::V1 => KeyIn::Body,
        }
    }

    /// The `service_secret` query parameter, when configured (billing).
    pub(crate) fn with_service_secret(
        &self,
        spec: RequestSpec,
        config: &InferenceConfiguration,
    ) -> RequestSpec {
        match config
            .service_secret
            .as_ref()
            .or(self.inner.service_secret.as_ref())
        {
            Some(secret) => spec.query([("service_secret", secret.expose_secret())]),
            None => spec,
        }
    }

    /// Runs one request.
    pub(crate) async fn execute(
        &self,
        operation: &'static str,
        class: RetryClass,
        spec: RequestSpec,
        options: &CallOptions,
    ) -> Result<HttpResponse> {
        let inner = &*self.inner;
        let class = match class {
            RetryClass::Workflow if !inner.config.effective_workflow_run_retries_enabled() => {
                RetryClass::Never
            }
            other => other,
        };
        let policy = options
            .retry
            .as_ref()
            .unwrap_or_else(|| inner.executor.retry_policy());
        let spec = spec.timeout(options.timeout);
        inner
            .executor
            .execute_with(
                operation,
                Idempotency::Idempotent,
                policy,
                inner.classifiers.get(class),
                spec,
            )
            .await
            .map_err(|e| from_http(operation, e))
    }

    /// Runs one request and decodes its JSON answer.
    pub(crate) async fn execute_json<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        class: RetryClass,
        spec: RequestSpec,
        options: &CallOptions,
    ) -> Result<T> {
        let response = self.execute(operation, class, spec, options).await?;
        Ok(response.json(operation)?)
    }

    /// A JSON body from members in order.
    pub(crate) fn json_body(spec: RequestSpec, body: &Body) -> Result<RequestSpec> {
        spec.json(body).map_err(Error::Http)
    }

    pub(crate) fn require_mode(&self, operation: &'static str, needed: ApiMode) -> Result<()> {
        if self.inner.mode == needed {
            Ok(())
        } else {
            Err(Error::WrongClientMode {
                operation,
                needed,
                mode: self.inner.mode,
            })
        }
    }

    pub(crate) fn cached_description(&self, model_id: &str) -> Option<ModelDescription> {
        let cache = self.inner.cache.as_ref()?;
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(model_id)
            .cloned()
    }

    pub(crate) fn cache_description(&self, description: &ModelDescription) {
        if let Some(cache) = &self.inner.cache {
            cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(description.model_id.clone(), description.clone());
        }
    }

    pub(crate) fn forget_description(&self, model_id: Option<&str>) {
        if let Some(cache) = &self.inner.cache {
            let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
            match model_id {
                Some(id) => {
                    cache.remove(id);
                }
                None => cache.clear(),
            }
        }
    }
}

/// A JSON object whose members keep their insertion order on the wire (as the official
/// client's dicts do).
#[derive(Debug, Clone, Default)]
pub(crate) struct Body(Vec<(String, Value)>);

impl Body {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    /// Sets `name` (replacing an earlier value in place).
    pub(crate) fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
    /// Sets `name` when `value` is `Some`.
    pub(crate) fn insert_opt(&mut self, name: &str, value: Option<impl Into<Value>>) {
        if let Some(value) = value {
            self.insert(name, value);
        }
    }
}

impl serde::Serialize for Body {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Builds an [`InferenceClient`]. Shared options come from `client_options_setters!()`
/// (`api_key`, `base_url`, `timeout`, `retry_policy`, …); `api_url` is the official name of
/// `base_url`.
///
/// ```
/// use std::time::Duration;
/// use roboflow_infer::{ApiKeyTransport, ApiMode, InferenceClient, InferenceConfiguration};
///
/// let client = InferenceClient::builder()
///     .api_url("http://localhost:9001")
///     .api_key("MY_KEY")
///     .api_key_transport(ApiKeyTransport::Header)
///     .configuration(InferenceConfiguration::new().confidence_threshold(0.5))
///     .timeout(Duration::from_secs(10))
///     .env_lookup(|_| None)
///     .build()?;
/// assert_eq!(client.mode(), ApiMode::V1);
/// assert_eq!(client.timeout(), Some(Duration::from_secs(10)));
/// # Ok::<(), roboflow_infer::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct InferenceClientBuilder {
    options: ClientOptions,
    mode: ModeSelection,
    config: InferenceConfiguration,
    api_key_transport: Option<ApiKeyTransport>,
    url_policy: Option<UrlInputPolicy>,
    model_description_cache: bool,
}

impl Default for InferenceClientBuilder {
    fn default() -> Self {
        Self {
            options: ClientOptions::new(),
            mode: ModeSelection::Auto,
            config: InferenceConfiguration::new(),
            api_key_transport: None,
            url_policy: None,
            model_description_cache: true,
        }
    }
}

impl InferenceClientBuilder {
    vision_sdk_common::client_options_setters!();

    /// The server's URL (the official `api_url`; the same as `base_url`).
    #[must_use]
    pub fn api_url(self, url: impl Into<String>) -> Self {
        self.base_url(url)
    }

    /// Forces v0 or v1 routes (the official `select_api_v0()` / `select_api_v1()`); by default
    /// the official prefix rule picks ([`ApiMode::for_url`]).
    #[must_use]
    pub fn mode(mut self, mode: impl Into<ModeSelection>) -> Self {
        self.mode = mode.into();
        self
    }

    /// The client-wide inference configuration (the official `configure(...)`).
    #[must_use]
    pub fn configuration(mut self, config: InferenceConfiguration) -> Self {
        self.config = config;
        self
    }

    /// Where the key goes (legacy by default; also settable in the configuration).
    #[must_use]
    pub fn api_key_transport(mut self, transport: ApiKeyTransport) -> Self {
        self.api_key_transport = Some(transport);
        self
    }

    /// The rules for image URLs the client fetches (default: [`UrlInputPolicy::default`],
    /// adjusted by the official environment variables).
    #[must_use]
    pub fn url_input_policy(mut self, policy: UrlInputPolicy) -> Self {
        self.url_policy = Some(policy);
        self
    }

    /// Whether image URLs are accepted at all (`ALLOW_URL_INPUT`; default `true`).
    #[must_use]
    pub fn allow_url_input(mut self, allow: bool) -> Self {
        self.url_policy = Some(self.policy().allow_url_input(allow));
        self
    }

    /// Whether plain `http://` image URLs are fetched (`ALLOW_NON_HTTPS_URL_INPUT`; default
    /// `false`).
    #[must_use]
    pub fn allow_non_https_url_input(mut self, allow: bool) -> Self {
        self.url_policy = Some(self.policy().allow_non_https(allow));
        self
    }

    /// Whether image URLs to hosts without a dot are fetched (`ALLOW_URL_INPUT_WITHOUT_FQDN`;
    /// default `false`).
    #[must_use]
    pub fn allow_url_input_without_fqdn(mut self, allow: bool) -> Self {
        self.url_policy = Some(self.policy().allow_without_fqdn(allow));
        self
    }

    /// Whether image URLs to loopback, private and other non-global addresses are fetched
    /// (`ALLOW_URL_TO_NON_GLOBAL_ADDRESSES`; default `false`).
    #[must_use]
    pub fn allow_url_to_non_global_addresses(mut self, allow: bool) -> Self {
        self.url_policy = Some(self.policy().allow_non_global_addresses(allow));
        self
    }

    /// The most redirects an image URL fetch follows, each checked again
    /// (`MAX_IMAGE_URL_REDIRECTS`; default 5).
    #[must_use]
    pub fn max_image_url_redirects(mut self, max: u32) -> Self {
        self.url_policy = Some(self.policy().max_redirects(max));
        self
    }

    /// The policy so far: set explicitly, else the defaults adjusted by the environment.
    fn policy(&self) -> UrlInputPolicy {
        self.url_policy
            .clone()
            .unwrap_or_else(|| UrlInputPolicy::from_env(|name| self.options.env_var(name)))
    }

    /// Whether v1 `infer` remembers model descriptions (default `true`: the registry is asked
    /// once per model; `false`: every call asks it, as the official client does).
    #[must_use]
    pub fn model_description_cache(mut self, enabled: bool) -> Self {
        self.model_description_cache = enabled;
        self
    }

    /// Builds the client. Sends no request.
    ///
    /// Fails with [`Error::Credential`] for a blank or unsendable key, and for a missing key
    /// when the client uses the hosted (v0) routes, which need one (the official client fails
    /// at the first `infer` instead).
    pub fn build(self) -> Result<InferenceClient> {
        let api_url = self.options.base_url_text(&defaults(&[]));
        let base_url = parse_base_url(&api_url).map_err(|e| Error::Config(e.to_string()))?;
        let mode = self.mode.resolve(api_url.trim());
        let transport = self
            .api_key_transport
            .or(self.config.api_key_transport)
            .unwrap_or_default();
        let auth = match transport {
            ApiKeyTransport::Header => vec![AuthScheme::Authorization { prefix: "Bearer" }],
            ApiKeyTransport::Both => vec![
                AuthScheme::Query("api_key"),
                AuthScheme::Authorization { prefix: "Bearer" },
            ],
            _ => vec![AuthScheme::Query("api_key")],
        };
        let defaults = defaults(&[ENV_API_KEY]).auth(auth);
        let core = self
            .options
            .build_with_base_url(&defaults, base_url)
            .map_err(|e| match e {
                OptionsError::Credential(c) => Error::Credential(c),
                other => Error::Config(other.to_string()),
            })?;
        if mode == ApiMode::V0 && core.api_key.is_none() {
            return Err(Error::Credential(CredentialError::Missing {
                vars: vec![ENV_API_KEY],
            }));
        }
        let mut config = self.config;
        if config.workflow_run_retries_enabled.is_none()
            && let Some(value) = self.options.env_var(ENV_WORKFLOW_RUN_RETRIES_ENABLED)
        {
            config.workflow_run_retries_enabled = Some(env_bool(&value));
        }
        let url_policy = self
            .url_policy
            .unwrap_or_else(|| UrlInputPolicy::from_env(|name| self.options.env_var(name)));
        let service_secret = config.service_secret.clone();
        Ok(InferenceClient {
            inner: Arc::new(Inner {
                executor: core.executor,
                base_url: core.base_url,
                has_key: core.api_key.is_some(),
                mode,
                transport,
                config,
                url_policy,
                cache: self
                    .model_description_cache
                    .then(|| Mutex::new(HashMap::new())),
                classifiers: Classifiers::new(),
                service_secret,
                images: Default::default(),
            }),
        })
    }
}

fn defaults(key_env: &'static [&'static str]) -> ProviderDefaults {
    ProviderDefaults::new("roboflow", USER_AGENT, DEFAULT_BASE_URL)
        .key_env(key_env)
        .key_required(false)
        .timeout(Some(DEFAULT_TIMEOUT))
        .retry(default_policy())
}

/// The official client's reading of boolean variables (`str2bool`).
pub(crate) fn env_bool(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "y" | "on" | "t"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> InferenceClientBuilder {
        InferenceClient::builder().env_lookup(|_| None)
    }

    #[test]
    fn mode_and_key_rules() {
        let hosted = builder().api_key("k-123").build().unwrap();
        assert_eq!(hosted.mode(), ApiMode::V0);
        assert_eq!(
            hosted.base_url().as_str(),
            "https://serverless.roboflow.com/"
        );
        assert_eq!(hosted.timeout(), Some(DEFAULT_TIMEOUT));
        // Hosted without a key fails at build.
        let err = builder().build().unwrap_err();
        assert!(
            matches!(err, Error::Credential(CredentialError::Missing { .. })),
            "{err}"
        );
        // Self-hosted without a key is fine.
        let local = builder().api_url("http://localhost:9001").build().unwrap();
        assert_eq!(local.mode(), ApiMode::V1);
        // Forced mode.
        let forced = builder()
            .api_url("http://localhost:9001")
            .mode(ApiMode::V0)
            .api_key("k-123")
            .build()
            .unwrap();
        assert_eq!(forced.mode(), ApiMode::V0);
        let err = builder()
            .api_key("  ")
            .api_url("http://x")
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::Credential(CredentialError::Blank)),
            "{err}"
        );
        let err = builder()
            .api_key("a\nb")
            .api_url("http://x")
            .api_key_transport(ApiKeyTransport::Header)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::Credential(CredentialError::NotHeaderSafe)),
            "{err}"
        );
    }

    #[test]
    fn env_fallbacks() {
        let client = InferenceClient::builder()
            .env_lookup(|name| match name {
                ENV_API_KEY => Some("env-key-1".into()),
                ENV_WORKFLOW_RUN_RETRIES_ENABLED => Some("False".into()),
                _ => None,
            })
            .build()
            .unwrap();
        assert_eq!(client.mode(), ApiMode::V0);
        assert_eq!(
            client.configuration().workflow_run_retries_enabled,
            Some(false)
        );
        let shown = format!("{client:?}");
        assert!(!shown.contains("env-key-1"), "{shown}");
    }

    #[test]
    fn schemes_per_transport() {
        let legacy = builder()
            .api_url("http://x")
            .api_key("kkkk")
            .build()
            .unwrap();
        assert_eq!(legacy.schemes(KeyIn::None), None);
        assert_eq!(
            legacy.schemes(KeyIn::Query),
            Some(vec![AuthScheme::Query("api_key")])
        );
        assert_eq!(
            legacy.schemes(KeyIn::Body),
            Some(vec![AuthScheme::JsonField("api_key")])
        );
        let both = builder()
            .api_url("http://x")
            .api_key("kkkk")
            .api_key_transport(ApiKeyTransport::Both)
            .build()
            .unwrap();
        assert_eq!(both.schemes(KeyIn::Body).unwrap().len(), 2);
        assert!(env_bool("True") && env_bool("1") && !env_bool("False") && !env_bool("no"));
    }
}
