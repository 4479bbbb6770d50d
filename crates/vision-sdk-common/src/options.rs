//! The options every SDK client has, in one struct: base URL, API key, request and connect
//! timeouts, a caller's `reqwest::Client`, [`RetryPolicy`], clock, User-Agent, TLS roots, and
//! where environment variables are read from.
//!
//! Provider builders embed a [`ClientOptions`] and get the shared setters from
//! [`client_options_setters!`](crate::client_options_setters), so the same name means the same
//! thing in every crate; they add only provider knobs and aliases named after the Python
//! parameters. At `build()`, whatever was not set explicitly falls back to the provider's
//! environment variables (as the Python SDKs do), then to the provider's defaults.
//!
//! ```
//! use std::time::Duration;
//! use vision_sdk_common::options::{ClientOptions, ProviderDefaults};
//! use vision_sdk_common::auth::AuthScheme;
//! let options = ClientOptions::new()
//!     .api_key("sk-123")
//!     .timeout(Duration::from_secs(3))
//!     .env_lookup(|_| None);
//! let defaults = ProviderDefaults::new("example", "example-rs/0.1", "https://api.example.com/v1")
//!     .key_env(&["EXAMPLE_API_KEY"])
//!     .auth(vec![AuthScheme::Header(http::HeaderName::from_static("x-api-key"))]);
//! let core = options.build(&defaults).unwrap();
//! assert_eq!(core.base_url.as_str(), "https://api.example.com/v1/");
//! assert_eq!(core.executor.default_timeout(), Some(Duration::from_secs(3)));
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use http::header::{HeaderName, USER_AGENT};

use crate::auth::{Auth, AuthScheme, Secret};
use crate::clock::Clock;
use crate::internal::classify::{Classify, StandardClassifier};
use crate::internal::execute::{Executor, ExecutorBuilder};
use crate::internal::url::{BaseUrlError, parse_base_url};
use crate::retry::RetryPolicy;
use crate::transport::TransportConfig;

/// A caller's environment lookup.
type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where a client reads environment variables from.
#[derive(Clone, Default)]
enum EnvSource {
    /// The process environment.
    #[default]
    Process,
    /// A caller's lookup (tests, embedded configuration).
    Lookup(EnvLookup),
}

/// The options every SDK client shares. See the [module docs](self).
#[derive(Clone, Default)]
pub struct ClientOptions {
    base_url: Option<String>,
    api_key: Option<Secret>,
    timeout: Option<Option<Duration>>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    retry: Option<RetryPolicy>,
    clock: Option<Arc<dyn Clock>>,
    user_agent: Option<String>,
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    root_certificates: Vec<reqwest::Certificate>,
    accept_invalid_certs: Option<bool>,
    env: EnvSource,
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field(
                "base_url",
                &self
                    .base_url
                    .as_deref()
                    .map(crate::internal::url::redact_unparsable),
            )
            .field("api_key", &self.api_key)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field(
                "http_client",
                &self.http_client.as_ref().map(|_| "caller-supplied"),
            )
            .field("retry", &self.retry)
            .field("clock", &self.clock)
            .field("user_agent", &self.user_agent)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field(
                "env",
                &match self.env {
                    EnvSource::Process => "process",
                    EnvSource::Lookup(_) => "lookup",
                },
            )
            .finish()
    }
}

/// What a provider supplies to turn [`ClientOptions`] into a working client core.
#[derive(Debug, Clone)]
pub struct ProviderDefaults {
    provider: &'static str,
    user_agent: String,
    base_url: &'static str,
    key_env: &'static [&'static str],
    base_url_env: &'static [&'static str],
    key_required: bool,
    auth: Vec<AuthScheme>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    classifier: Arc<dyn Classify>,
    request_id_headers: Vec<HeaderName>,
}

impl ProviderDefaults {
    /// `provider` names spans; `user_agent` is sent on every request; `base_url` is the default.
    pub fn new(
        provider: &'static str,
        user_agent: impl Into<String>,
        base_url: &'static str,
    ) -> Self {
        Self {
            provider,
            user_agent: user_agent.into(),
            base_url,
            key_env: &[],
            base_url_env: &[],
            key_required: true,
            auth: Vec::new(),
            timeout: None,
            retry: RetryPolicy::default(),
            classifier: Arc::new(StandardClassifier::new()),
            request_id_headers: Vec::new(),
        }
    }
    /// The variables holding the key, first set wins (the official SDK's names).
    pub fn key_env(mut self, vars: &'static [&'static str]) -> Self {
        self.key_env = vars;
        self
    }
    /// The variables holding the base URL, first set wins.
    pub fn base_url_env(mut self, vars: &'static [&'static str]) -> Self {
        self.base_url_env = vars;
        self
    }
    /// Whether a client without a key is an error (`true` by default; Roboflow self-hosted
    /// servers need none).
    pub fn key_required(mut self, required: bool) -> Self {
        self.key_required = required;
        self
    }
    /// How the key goes on the wire.
    pub fn auth(mut self, schemes: Vec<AuthScheme>) -> Self {
        self.auth = schemes;
        self
    }
    /// The default request timeout.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }
    /// The default retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// The provider's retry classification.
    pub fn classifier(mut self, classifier: Arc<dyn Classify>) -> Self {
        self.classifier = classifier;
        self
    }
    /// A response header carrying the server's request id.
    pub fn request_id_header(mut self, name: &'static str) -> Self {
        self.request_id_headers.push(HeaderName::from_static(name));
        self
    }
}

/// A missing or unusable API key, reported by `build()` of every client with the same variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// No key was given and none of the variables is set.
    #[error("no API key: pass one to the builder or set {}", vars.join(" or "))]
    Missing {
        /// The environment variables that were looked at.
        vars: Vec<&'static str>,
    },
    /// The key is empty or only whitespace.
    #[error("the API key is blank")]
    Blank,
    /// The key holds characters that cannot be sent in an HTTP header (e.g. a newline).
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    NotHeaderSafe,
    /// The key does not have the provider's format (e.g. Groundlight's token rotation wants
    /// 20 leading `[A-Za-z0-9_]` characters). `why` never holds the key.
    #[error("the API key has an invalid format: {why}")]
    BadFormat {
        /// What is wrong, without the key.
        why: &'static str,
    },
}

/// Why [`ClientOptions::build`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// The key is missing or unusable.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The base URL is not usable.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// Another option is not usable (the message never holds a credential).
    #[error("{0}")]
    Invalid(String),
}

/// What [`ClientOptions::build`] produces: the executor (one connection pool) and the base URL.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientCore {
    /// Runs every call of the client.
    pub executor: Executor,
    /// The base URL (ends in `/`).
    pub base_url: reqwest::Url,
    /// The key, when one was given or found.
    pub api_key: Option<Secret>,
}

impl ClientOptions {
    /// Nothing set: everything falls back to the environment, then to the provider defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// The API base URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// The API key.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// The total timeout of each HTTP request (`None`: no limit).
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = Some(timeout.into());
        self
    }
    /// The TCP + TLS connect timeout of the built-in HTTP client (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// A caller's `reqwest::Client` (proxies, shared pool). TLS and connect settings do not
    /// apply to it; the SDK's User-Agent, request timeout and retries still do. Build it with
    /// [`crate::transport::redirect_policy`] so credentials never follow a redirect to another
    /// origin.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }
    /// The retry policy ([`RetryPolicy::none`] turns retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
    /// The clock for backoff and polling (tests inject a [`crate::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
    /// Replaces the SDK's User-Agent.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }
    /// Trusts an extra root certificate (e.g. a private CA).
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }
    /// Accepts any TLS certificate: only for devices with self-signed certificates on a
    /// trusted network.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = Some(accept);
        self
    }
    /// Reads environment variables through `lookup` instead of the process environment
    /// (`|_| None` ignores the environment).
    pub fn env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = EnvSource::Lookup(Arc::new(lookup));
        self
    }

    /// A variable from the configured environment; blank values count as unset.
    pub fn env_var(&self, name: &str) -> Option<String> {
        let value = match &self.env {
            EnvSource::Process => std::env::var(name).ok(),
            EnvSource::Lookup(lookup) => lookup(name),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// The first of `vars` that is set.
    pub fn env_first(&self, vars: &[&str]) -> Option<String> {
        vars.iter().find_map(|v| self.env_var(v))
    }

    /// Whether invalid certificates were explicitly accepted or refused.
    pub fn accepts_invalid_certs(&self) -> Option<bool> {
        self.accept_invalid_certs
    }

    /// The User-Agent the client sends: the one set with `user_agent(..)`, else the provider's.
    pub fn user_agent_text(&self, defaults: &ProviderDefaults) -> String {
        self.user_agent
            .clone()
            .unwrap_or_else(|| defaults.user_agent.clone())
    }

    /// The base URL as set explicitly, or from the provider's variables.
    pub fn base_url_text(&self, defaults: &ProviderDefaults) -> String {
        self.base_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| self.env_first(defaults.base_url_env))
            .unwrap_or_else(|| defaults.base_url.to_owned())
    }

    /// The key as set explicitly, or from the provider's variables; checked.
    pub fn resolve_key(
        &self,
        defaults: &ProviderDefaults,
    ) -> Result<Option<Secret>, CredentialError> {
        let key = self
            .api_key
            .clone()
            .or_else(|| self.env_first(defaults.key_env).map(Secret::new));
        match key {
            None if defaults.key_required => Err(CredentialError::Missing {
                vars: defaults.key_env.to_vec(),
            }),
            None => Ok(None),
            Some(key) if key.is_blank() => Err(CredentialError::Blank),
            Some(key) => {
                if !defaults.auth.is_empty()
                    && Auth::with_schemes(defaults.auth.clone(), key.clone())
                        .validate()
                        .is_err()
                {
                    return Err(CredentialError::NotHeaderSafe);
                }
                Ok(Some(key))
            }
        }
    }

    /// Builds the executor and checks the base URL with [`parse_base_url`].
    pub fn build(&self, defaults: &ProviderDefaults) -> Result<ClientCore, OptionsError> {
        let base_url = parse_base_url(&self.base_url_text(defaults))?;
        self.build_with_base_url(defaults, base_url)
    }

    /// Like [`ClientOptions::build`] with a base URL the provider parsed itself (e.g.
    /// Groundlight's endpoint sanitising).
    pub fn build_with_base_url(
        &self,
        defaults: &ProviderDefaults,
        base_url: reqwest::Url,
    ) -> Result<ClientCore, OptionsError> {
        let api_key = self.resolve_key(defaults)?;
        let executor = self.executor_builder(defaults, api_key.clone())?.build();
        Ok(ClientCore {
            executor,
            base_url,
            api_key,
        })
    }

    /// The executor builder, for providers that add more to it (kept headers, …).
    pub fn executor_builder(
        &self,
        defaults: &ProviderDefaults,
        api_key: Option<Secret>,
    ) -> Result<ExecutorBuilder, OptionsError> {
        let user_agent = self
            .user_agent
            .clone()
            .unwrap_or_else(|| defaults.user_agent.clone());
        let user_agent_value = HeaderValue::from_str(&user_agent).map_err(|_| {
            OptionsError::Invalid("the User-Agent is not a valid header value".into())
        })?;
        let (http, caller_supplied) = match &self.http_client {
            Some(client) => {
                if self.accept_invalid_certs == Some(true) {
                    return Err(OptionsError::Invalid(
                        "danger_accept_invalid_certs cannot be applied to a caller-supplied http_client; configure that client instead".into(),
                    ));
                }
                (client.clone(), true)
            }
            None => {
                let mut config = TransportConfig::new(user_agent.clone())
                    .danger_accept_invalid_certs(self.accept_invalid_certs.unwrap_or(false));
                if let Some(connect) = self.connect_timeout {
                    config = config.connect_timeout(connect);
                }
                #[cfg(any(feature = "rustls", feature = "native-tls"))]
                for certificate in &self.root_certificates {
                    config = config.add_root_certificate(certificate.clone());
                }
                let http = config
                    .build()
                    .map_err(|e| OptionsError::Invalid(format!("{e}: {}", e.0)))?;
                (http, false)
            }
        };
        let mut builder = Executor::builder(defaults.provider, http)
            .retry(self.retry.clone().unwrap_or_else(|| defaults.retry.clone()))
            .classifier(Arc::clone(&defaults.classifier))
            .default_timeout(self.timeout.unwrap_or(defaults.timeout));
        if caller_supplied {
            // The built-in client sends it by default; a caller's client gets it per request.
            builder = builder.default_header(USER_AGENT, user_agent_value);
        }
        if let Some(key) = api_key
            && !defaults.auth.is_empty()
        {
            builder = builder.auth(Auth::with_schemes(defaults.auth.clone(), key));
        }
        for name in &defaults.request_id_headers {
            builder = builder.request_id_header(name.clone());
        }
        if let Some(clock) = &self.clock {
            builder = builder.clock(Arc::clone(clock));
        }
        Ok(builder)
    }
}

/// Expands, inside a provider builder's `impl` block, the shared setters of [`ClientOptions`]
/// (the builder must have a field `options: ClientOptions`): `api_key`, `base_url`,
/// `timeout`, `connect_timeout`, `http_client`, `retry_policy`, `clock`, `user_agent`,
/// `add_root_certificate`, `danger_accept_invalid_certs`, `env_lookup`. Each has the same name,
/// type and meaning in every crate.
#[macro_export]
macro_rules! client_options_setters {
    () => {
        /// The API key (falls back to the provider's environment variable at `build()`).
        #[must_use]
        pub fn api_key(mut self, key: impl Into<$crate::Secret>) -> Self {
            self.options = self.options.api_key(key);
            self
        }
        /// The API base URL (falls back to the provider's environment variable, then its
        /// default).
        #[must_use]
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.options = self.options.base_url(url);
            self
        }
        /// The total timeout of each HTTP request: a `Duration`, or `None` for no limit.
        #[must_use]
        pub fn timeout(mut self, timeout: impl Into<Option<std::time::Duration>>) -> Self {
            self.options = self.options.timeout(timeout);
            self
        }
        /// The TCP + TLS connect timeout of the built-in HTTP client (default 10 s).
        #[must_use]
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options = self.options.connect_timeout(timeout);
            self
        }
        /// Uses this `reqwest::Client` (proxies, a shared pool). TLS and connect settings do
        /// not apply to it; the SDK's User-Agent, timeout and retries still do. Build it with
        /// `vision_sdk_common::transport::redirect_policy()` so the key never follows a
        /// redirect to another origin.
        #[must_use]
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.options = self.options.http_client(client);
            self
        }
        /// The retry policy (`RetryPolicy::none()` turns retries off).
        #[must_use]
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options = self.options.retry_policy(policy);
            self
        }
        /// The clock for backoff and polling (tests inject a `ManualClock`).
        #[must_use]
        pub fn clock(mut self, clock: std::sync::Arc<dyn $crate::Clock>) -> Self {
            self.options = self.options.clock(clock);
            self
        }
        /// Replaces the SDK's User-Agent.
        #[must_use]
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.options = self.options.user_agent(user_agent);
            self
        }
        /// Trusts an extra root certificate (e.g. a private CA).
        #[must_use]
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        pub fn add_root_certificate(mut self, certificate: $crate::reqwest::Certificate) -> Self {
            self.options = self.options.add_root_certificate(certificate);
            self
        }
        /// Accepts any TLS certificate: only for devices with self-signed certificates on a
        /// trusted network.
        #[must_use]
        pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
            self.options = self.options.danger_accept_invalid_certs(accept);
            self
        }
        /// Reads the provider's environment variables through `lookup` instead of the process
        /// environment (`|_| None` ignores the environment).
        #[must_use]
        pub fn env_lookup(
            mut self,
            lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        ) -> Self {
            self.options = self.options.env_lookup(lookup);
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> ProviderDefaults {
        ProviderDefaults::new("t", "t-rs/1", "https://api.t.com/v1")
            .key_env(&["T_KEY", "T_KEY_OLD"])
            .base_url_env(&["T_BASE"])
            .auth(vec![AuthScheme::Header(HeaderName::from_static("x-key"))])
    }

    #[test]
    fn explicit_beats_env_beats_default() {
        let env = |name: &str| match name {
            "T_KEY_OLD" => Some("from-env".to_owned()),
            "T_BASE" => Some("http://edge:1/".to_owned()),
            _ => None,
        };
        let o = ClientOptions::new().env_lookup(env);
        assert_eq!(
            o.resolve_key(&defaults()).unwrap().unwrap().expose_secret(),
            "from-env"
        );
        assert_eq!(
            o.build(&defaults()).unwrap().base_url.as_str(),
            "http://edge:1/"
        );
        let o = o.api_key("explicit").base_url("https://x.com/api");
        assert_eq!(
            o.resolve_key(&defaults()).unwrap().unwrap().expose_secret(),
            "explicit"
        );
        assert_eq!(
            o.build(&defaults()).unwrap().base_url.as_str(),
            "https://x.com/api/"
        );
    }

    #[test]
    fn keys_are_checked_at_build() {
        let none = ClientOptions::new().env_lookup(|_| None);
        assert_eq!(
            none.build(&defaults()).unwrap_err().to_string(),
            "no API key: pass one to the builder or set T_KEY or T_KEY_OLD"
        );
        assert!(matches!(
            none.clone().api_key("  ").build(&defaults()),
            Err(OptionsError::Credential(CredentialError::Blank))
        ));
        assert!(matches!(
            none.clone().api_key("a\nb").build(&defaults()),
            Err(OptionsError::Credential(CredentialError::NotHeaderSafe))
        ));
        assert!(none.build(&defaults().key_required(false)).is_ok());
    }

    #[test]
    fn debug_and_errors_never_show_the_key() {
        let o = ClientOptions::new()
            .api_key("sk-topsecret")
            .base_url("https://u:sk-topsecret@h/?api_key=sk-topsecret");
        assert!(!format!("{o:?}").contains("sk-topsecret"), "{o:?}");
        let err = o.build(&defaults()).unwrap_err().to_string();
        assert!(!err.contains("sk-topsecret"), "{err}");
    }
}
