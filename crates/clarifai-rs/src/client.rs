//! The client: credentials (PAT or session token), base URL, default user and app, retries,
//! timeouts, one HTTP connection pool.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use vision_sdk_common::auth::AuthScheme;
use vision_sdk_common::http::header::HeaderName;
use vision_sdk_common::internal::execute::{Executor, RequestSpec};
use vision_sdk_common::internal::url::{QueryEncoding, parse_base_url};
use vision_sdk_common::options::{OptionsError, ProviderDefaults};
use vision_sdk_common::{ClientOptions, CredentialError, HttpError, RetryPolicy, Secret};

use crate::error::{ApiError, Error, Result};
use crate::models::{StatusOnly, UserAppIdSet};
use crate::requests::ApiRequest;
use crate::response::ApiResponse;
use crate::retry::{ClarifaiClassifier, default_policy, idempotency};
use crate::status::StatusCode;

/// The production API (`CLARIFAI_API_BASE`'s default).
pub const DEFAULT_BASE_URL: &str = "https://api.clarifai.com";
/// The default total timeout of one HTTP request (predictions of large models can be slow).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The PAT variable (the key variable of the family, `ENV_API_KEY`).
pub const ENV_API_KEY: &str = "CLARIFAI_PAT";
/// The session-token variable (exclusive with the PAT).
pub const ENV_SESSION_TOKEN: &str = "CLARIFAI_SESSION_TOKEN";
/// The default user id variable.
pub const ENV_USER_ID: &str = "CLARIFAI_USER_ID";
/// The default app id variable.
pub const ENV_APP_ID: &str = "CLARIFAI_APP_ID";
/// The base URL variable.
pub const ENV_API_BASE: &str = "CLARIFAI_API_BASE";
/// A PEM bundle of extra root certificates.
pub const ENV_ROOT_CERTIFICATES_PATH: &str = "CLARIFAI_ROOT_CERTIFICATES_PATH";
/// The user id that means "the authenticated user".
pub const ME: &str = "me";
/// The User-Agent sent on every request.
pub const USER_AGENT: &str = concat!("clarifai-rs/", env!("CARGO_PKG_VERSION"));

const SESSION_TOKEN_HEADER: &str = "x-clarifai-session-token";

/// How a client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// A personal access token (or app API key): `Authorization: Key <pat>`.
    Pat,
    /// A session token: `X-Clarifai-Session-Token: <token>`.
    SessionToken,
}

/// A Clarifai API client. Cheap to clone (one `Arc`); share one per process.
///
/// ```no_run
/// # async fn run() -> clarifai::Result<()> {
/// let client = clarifai::Clarifai::from_env()?; // CLARIFAI_PAT
/// let model = client.model_from_url("https://clarifai.com/clarifai/main/models/general-image-recognition")?;
/// let response = model.predict_by_url("https://samples.clarifai.com/dog.jpg", clarifai::InputType::Image).await?;
/// for concept in &response.outputs[0].data.as_ref().unwrap().concepts {
///     println!("{} {:?}", concept.name, concept.value);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Clarifai {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) executor: Executor,
    pub(crate) classifier: Arc<ClarifaiClassifier>,
    pub(crate) base_url: reqwest::Url,
    pub(crate) user_id: String,
    pub(crate) app_id: String,
    pub(crate) credential: Credential,
    pub(crate) timeout: Option<Duration>,
}

impl fmt::Debug for Clarifai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clarifai")
            .field("base_url", &self.inner.base_url.as_str())
            .field("user_id", &self.inner.user_id)
            .field("app_id", &self.inner.app_id)
            .field("credential", &self.inner.credential)
            .field("executor", &self.inner.executor)
            .finish()
    }
}

impl Clarifai {
    /// A client for this PAT (user and app from `CLARIFAI_USER_ID` / `CLARIFAI_APP_ID`, the
    /// user defaulting to `me`).
    ///
    /// # Errors
    /// [`Error::Credential`] for a blank or not header-safe PAT, [`Error::Config`] when the
    /// HTTP client cannot be built.
    pub fn new(pat: impl Into<Secret>) -> Result<Self> {
        Self::builder().pat(pat).build()
    }

    /// A client configured from the environment: `CLARIFAI_PAT` or `CLARIFAI_SESSION_TOKEN`,
    /// `CLARIFAI_USER_ID`, `CLARIFAI_APP_ID`, `CLARIFAI_API_BASE`,
    /// `CLARIFAI_ROOT_CERTIFICATES_PATH`.
    ///
    /// # Errors
    /// [`Error::Credential`] when neither credential is set.
    pub fn from_env() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder for everything else.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = clarifai::Clarifai::builder()
    ///     .pat("my-pat")
    ///     .user_id("alice")
    ///     .app_id("my-app")
    ///     .timeout(Duration::from_secs(30))
    ///     .env_lookup(|_| None)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.user_id(), "alice");
    /// assert_eq!(client.base_url().as_str(), "https://api.clarifai.com/");
    /// ```
    pub fn builder() -> ClarifaiBuilder {
        ClarifaiBuilder::default()
    }

    /// The base URL (ends in `/`).
    pub fn base_url(&self) -> &reqwest::Url {
        &self.inner.base_url
    }

    /// The default request timeout.
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// The default user id (`CLARIFAI_USER_ID`, else `me`).
    pub fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// The default app id (`CLARIFAI_APP_ID`; empty when unset).
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// How this client authenticates.
    pub fn credential(&self) -> Credential {
        self.inner.credential
    }

    /// The retry policy of calls.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.inner.executor.retry_policy()
    }

    /// The default user and app.
    pub(crate) fn default_scope(&self) -> UserAppIdSet {
        UserAppIdSet::new(self.inner.user_id.clone(), self.inner.app_id.clone())
    }

    /// The absolute URL of a request.
    pub(crate) fn url_of(&self, request: &ApiRequest) -> Result<reqwest::Url> {
        let relative = request.path().trim_start_matches('/');
        self.inner
            .base_url
            .join(relative)
            .map_err(|e| Error::Config(format!("cannot join the base URL and `{relative}`: {e}")))
    }

    /// Sends a request and decodes its response; a non-success `status.code` is
    /// [`Error::Api`].
    pub(crate) async fn call<T: ApiResponse>(
        &self,
        operation: &'static str,
        request: ApiRequest,
        options: &CallOptions,
    ) -> Result<T> {
        let url = self.url_of(&request)?;
        let mut spec = RequestSpec::new(request.method(), url).query_with(
            QueryEncoding::Rfc3986,
            request.query().iter().map(|(k, v)| (*k, v.as_str())),
        );
        if let Some(body) = request.body() {
            spec = spec.json_bytes(body.clone());
        }
        if let Some(timeout) = options.timeout {
            spec = spec.timeout(Some(timeout));
        }
        let idempotency = idempotency(request.route());
        let executor = &self.inner.executor;
        let sent = match &options.retry {
            Some(policy) => {
                executor
                    .execute_with(
                        operation,
                        idempotency,
                        policy,
                        &*self.inner.classifier,
                        spec,
                    )
                    .await
            }
            None => executor.execute(operation, idempotency, spec).await,
        };
        let resource = request.path().to_owned();
        match sent {
            Ok(response) => {
                let http_status = response.status();
                match response.json::<T>(operation) {
                    Ok(value) => {
                        check(request.rpc(), resource, value.status(), http_status).map(|()| value)
                    }
                    Err(decode) => {
                        // A failed call's body may not have the success shape: report its status.
                        match response.json::<StatusOnly>(operation) {
                            Ok(env)
                                if !env.status.code.is_success()
                                    && !env.status.code.is_mixed()
                                    && env.status.code != StatusCode::ZERO =>
                            {
                                Err(ApiError::from_status(
                                    request.rpc(),
                                    resource,
                                    &env.status,
                                    Some(http_status),
                                )
                                .into())
                            }
                            _ => Err(Error::Decode(decode)),
                        }
                    }
                }
            }
            Err(HttpError::Status(details)) => {
                let status = details
                    .body()
                    .json()
                    .and_then(|v| serde_json::from_value::<StatusOnly>(v).ok())
                    .filter(|s| s.status.code != StatusCode::ZERO);
                match status {
                    Some(env) => Err(ApiError::from_status(
                        request.rpc(),
                        resource,
                        &env.status,
                        Some(details.status()),
                    )
                    .into()),
                    None => Err(Error::Http(HttpError::Status(details))),
                }
            }
            Err(other) => Err(Error::Http(other)),
        }
    }

    /// [`call`](Self::call) with the client's defaults.
    pub(crate) async fn run<T: ApiResponse>(
        &self,
        operation: &'static str,
        request: Result<ApiRequest>,
    ) -> Result<T> {
        self.call(operation, request?, &CallOptions::default())
            .await
    }

    /// A plain authenticated `GET` of a URL the API returned (input data, export archives,
    /// training logs). The credential is sent only when the URL has the API's origin.
    pub(crate) async fn download(
        &self,
        operation: &'static str,
        url: &str,
    ) -> Result<bytes::Bytes> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Error::user(format!("`{url}` is not a URL: {e}")))?;
        let same_origin =
            vision_sdk_common::internal::url::same_origin(&parsed, &self.inner.base_url);
        let mut spec = RequestSpec::new(http::Method::GET, parsed);
        if !same_origin {
            spec = spec.without_auth();
        }
        let response = self
            .inner
            .executor
            .execute_with(
                operation,
                vision_sdk_common::internal::Idempotency::Idempotent,
                self.inner.executor.retry_policy(),
                &vision_sdk_common::internal::StandardClassifier::new(),
                spec,
            )
            .await?;
        Ok(response.into_body())
    }

    /// The executor's clock (polling sleeps).
    pub(crate) fn clock(&self) -> &Arc<dyn vision_sdk_common::Clock> {
        self.inner.executor.clock()
    }
}

/// `Ok` for `SUCCESS` and `MIXED_STATUS` (whose items carry their own statuses).
fn check(
    rpc: &'static str,
    resource: String,
    status: &crate::models::Status,
    http_status: http::StatusCode,
) -> Result<()> {
    if status.code.is_success() || status.code.is_mixed() {
        Ok(())
    } else {
        Err(ApiError::from_status(rpc, resource, status, Some(http_status)).into())
    }
}

/// Per-call settings of builders (`timeout`, `retry_policy`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

/// Builds a [`Clarifai`] client. Unset options fall back to the environment, then to the
/// defaults.
#[derive(Debug, Default)]
pub struct ClarifaiBuilder {
    options: ClientOptions,
    session_token: Option<Secret>,
    user_id: Option<String>,
    app_id: Option<String>,
    root_certificates_path: Option<PathBuf>,
    throttled: Option<bool>,
    warmup: Option<Option<RetryPolicy>>,
}

impl ClarifaiBuilder {
    vision_sdk_common::client_options_setters!();

    /// The personal access token (the Python `pat`); same as `api_key`. Falls back to
    /// `CLARIFAI_PAT`.
    #[must_use]
    pub fn pat(self, pat: impl Into<Secret>) -> Self {
        self.api_key(pat)
    }

    /// A session token (the Python `token`), sent as `X-Clarifai-Session-Token`; exclusive
    /// with a PAT. Falls back to `CLARIFAI_SESSION_TOKEN`.
    #[must_use]
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The default user (falls back to `CLARIFAI_USER_ID`, then `me`).
    #[must_use]
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The default app (falls back to `CLARIFAI_APP_ID`).
    #[must_use]
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// A PEM bundle of extra root certificates (the Python `root_certificates_path`; falls
    /// back to `CLARIFAI_ROOT_CERTIFICATES_PATH`).
    #[must_use]
    pub fn root_certificates_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_certificates_path = Some(path.into());
        self
    }

    /// Whether throttling codes (11005, 11003) are retried (default `true`).
    #[must_use]
    pub fn retry_throttled(mut self, retry: bool) -> Self {
        self.throttled = Some(retry);
        self
    }

    /// The schedule on which "model deploying / loading / busy" (21351, 21355, 21354) is
    /// retried (default [`retry::warmup_policy`](crate::retry::warmup_policy), ten minutes);
    /// `None` returns those codes as errors at once.
    #[must_use]
    pub fn model_warmup(mut self, schedule: impl Into<Option<RetryPolicy>>) -> Self {
        self.warmup = Some(schedule.into());
        self
    }

    /// Builds the client. Sends no request.
    ///
    /// # Errors
    /// [`Error::Credential`] (no credential, a blank or unsendable one, or both a PAT and a
    /// session token), [`Error::Config`] (base URL, certificates, HTTP client).
    pub fn build(self) -> Result<Clarifai> {
        let options = self.options;
        let mut classifier = ClarifaiClassifier::new();
        if let Some(t) = self.throttled {
            classifier = classifier.throttled(t);
        }
        if let Some(w) = self.warmup {
            classifier = classifier.warmup(w);
        }
        let classifier = Arc::new(classifier);
        let defaults = |scheme: AuthScheme, env: &'static [&'static str]| {
            ProviderDefaults::new("clarifai", USER_AGENT, DEFAULT_BASE_URL)
                .key_env(env)
                .base_url_env(&[ENV_API_BASE])
                .auth(vec![scheme])
                .timeout(Some(DEFAULT_TIMEOUT))
                .retry(default_policy())
                .classifier(classifier.clone())
                .request_id_header("x-clarifai-request-id")
        };
        let pat_defaults = defaults(AuthScheme::Authorization { prefix: "Key" }, &[ENV_API_KEY])
            .key_required(false);
        let token_defaults = defaults(
            AuthScheme::Header(HeaderName::from_static(SESSION_TOKEN_HEADER)),
            &[ENV_SESSION_TOKEN],
        )
        .key_required(false);
        let explicit_pat = options
            .clone()
            .env_lookup(|_| None)
            .resolve_key(&pat_defaults)?;
        let explicit_token = match &self.session_token {
            Some(t) => ClientOptions::new()
                .env_lookup(|_| None)
                .api_key(t.clone())
                .resolve_key(&token_defaults)?,
            None => None,
        };
        let exclusive = || {
            Error::Config("a PAT and a session token cannot both be given; use one of them".into())
        };
        let (credential, secret, chosen) = match (explicit_pat, explicit_token) {
            (Some(_), Some(_)) => return Err(exclusive()),
            (Some(pat), None) => (Credential::Pat, pat, &pat_defaults),
            (None, Some(token)) => (Credential::SessionToken, token, &token_defaults),
            (None, None) => {
                let pat = options.resolve_key(&pat_defaults)?;
                let token = options
                    .env_var(ENV_SESSION_TOKEN)
                    .map(|t| options.clone().api_key(t).resolve_key(&token_defaults))
                    .transpose()?
                    .flatten();
                match (pat, token) {
                    (Some(_), Some(_)) => return Err(exclusive()),
                    (Some(pat), None) => (Credential::Pat, pat, &pat_defaults),
                    (None, Some(token)) => (Credential::SessionToken, token, &token_defaults),
                    (None, None) => {
                        return Err(Error::Credential(CredentialError::Missing {
                            vars: vec![ENV_API_KEY, ENV_SESSION_TOKEN],
                        }));
                    }
                }
            }
        };
        #[cfg_attr(
            not(any(feature = "rustls", feature = "native-tls")),
            allow(unused_mut)
        )]
        let mut options = options.api_key(secret);
        let certificates = self.root_certificates_path.or_else(|| {
            options
                .env_var(ENV_ROOT_CERTIFICATES_PATH)
                .map(PathBuf::from)
        });
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        if let Some(path) = certificates {
            let pem = std::fs::read(&path).map_err(|e| {
                Error::Config(format!(
                    "cannot read the root certificates {}: {e}",
                    path.display()
                ))
            })?;
            let bundle = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::Config(format!(
                    "the root certificates {} are not PEM: {e}",
                    path.display()
                ))
            })?;
            for certificate in bundle {
                options = options.add_root_certificate(certificate);
            }
        }
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if let Some(path) = certificates {
            return Err(Error::Config(format!(
                "root certificates {} need a TLS feature (`rustls` or `native-tls`)",
                path.display()
            )));
        }
        let mut base = options.base_url_text(chosen);
        if !base.contains("://") {
            base = format!("https://{base}");
        }
        let base_url = parse_base_url(&base).map_err(|e| Error::Config(e.to_string()))?;
        let core = options
            .build_with_base_url(chosen, base_url)
            .map_err(|e| match e {
                OptionsError::Credential(c) => Error::Credential(c),
                other => Error::Config(other.to_string()),
            })?;
        let user_id = self
            .user_id
            .filter(|u| !u.trim().is_empty())
            .or_else(|| options.env_var(ENV_USER_ID))
            .unwrap_or_else(|| ME.to_owned());
        let app_id = self
            .app_id
            .filter(|a| !a.trim().is_empty())
            .or_else(|| options.env_var(ENV_APP_ID))
            .unwrap_or_default();
        let timeout = core.executor.default_timeout();
        Ok(Clarifai {
            inner: Arc::new(Inner {
                executor: core.executor,
                classifier,
                base_url: core.base_url,
                user_id,
                app_id,
                credential,
                timeout,
            }),
        })
    }
}

impl From<OptionsError> for Error {
    fn from(e: OptionsError) -> Self {
        match e {
            OptionsError::Credential(c) => Error::Credential(c),
            other => Error::Config(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(
        vars: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn credentials_are_exclusive_and_checked() {
        let none = Clarifai::builder()
            .env_lookup(|_| None)
            .build()
            .unwrap_err();
        assert!(
            matches!(none, Error::Credential(CredentialError::Missing { .. })),
            "{none}"
        );
        assert!(matches!(
            Clarifai::builder().env_lookup(|_| None).pat("  ").build(),
            Err(Error::Credential(CredentialError::Blank))
        ));
        assert!(matches!(
            Clarifai::builder()
                .env_lookup(|_| None)
                .token("a\nb")
                .build(),
            Err(Error::Credential(CredentialError::NotHeaderSafe))
        ));
        assert!(matches!(
            Clarifai::builder()
                .env_lookup(|_| None)
                .pat("p")
                .token("t")
                .build(),
            Err(Error::Config(_))
        ));
        let both = env(&[(ENV_API_KEY, "p"), (ENV_SESSION_TOKEN, "t")]);
        assert!(matches!(
            Clarifai::builder().env_lookup(both).build(),
            Err(Error::Config(_))
        ));
        // Explicit beats the environment.
        let both = env(&[(ENV_API_KEY, "p"), (ENV_SESSION_TOKEN, "t")]);
        let c = Clarifai::builder()
            .env_lookup(both)
            .token("mine")
            .build()
            .unwrap();
        assert_eq!(c.credential(), Credential::SessionToken);
        let c = Clarifai::builder()
            .env_lookup(env(&[
                (ENV_SESSION_TOKEN, "t"),
                (ENV_USER_ID, "bob"),
                (ENV_APP_ID, "a1"),
            ]))
            .build()
            .unwrap();
        assert_eq!(
            (c.credential(), c.user_id(), c.app_id()),
            (Credential::SessionToken, "bob", "a1")
        );
    }

    #[test]
    fn env_base_and_defaults() {
        let c = Clarifai::builder()
            .env_lookup(env(&[
                (ENV_API_KEY, "sk-secret"),
                (ENV_API_BASE, "api-dev.clarifai.com"),
            ]))
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "https://api-dev.clarifai.com/");
        assert_eq!((c.user_id(), c.app_id()), (ME, ""));
        assert_eq!(c.timeout(), Some(DEFAULT_TIMEOUT));
        assert_eq!(c.retry_policy().attempts(), 10);
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk-secret"), "{shown}");
        let bad = Clarifai::builder()
            .env_lookup(env(&[
                (ENV_API_KEY, "p"),
                (ENV_ROOT_CERTIFICATES_PATH, "/nonexistent/ca.pem"),
            ]))
            .build()
            .unwrap_err();
        assert!(matches!(bad, Error::Config(_)), "{bad}");
    }
}
