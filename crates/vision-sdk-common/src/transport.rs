//! Building the `reqwest::Client` an SDK client uses: TLS backend, timeouts, User-Agent, extra
//! root certificates and the explicit opt-in to accept invalid certificates.
//!
//! One `reqwest::Client` (one connection pool) per SDK client; SDK clients clone an `Arc` to it.
//! A caller may supply their own `reqwest::Client` instead (proxies, custom TLS), in which case
//! none of these settings apply.

use std::time::Duration;

/// Settings for the HTTP client an SDK client builds when the caller does not supply one.
///
/// ```
/// use std::time::Duration;
/// use vision_sdk_common::transport::TransportConfig;
/// let http = TransportConfig::new(vision_sdk_common::user_agent!())
///     .timeout(Some(Duration::from_secs(10)))
///     .build()
///     .unwrap();
/// # drop(http);
/// ```
#[derive(Debug, Clone)]
pub struct TransportConfig {
    user_agent: String,
    connect_timeout: Duration,
    timeout: Option<Duration>,
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    root_certificates: Vec<reqwest::Certificate>,
    accept_invalid_certs: bool,
    pool_idle_timeout: Option<Duration>,
}

impl TransportConfig {
    /// Defaults: 10 s connect timeout, no total timeout, the platform's roots.
    pub fn new(user_agent: impl Into<String>) -> Self {
        Self {
            user_agent: user_agent.into(),
            connect_timeout: Duration::from_secs(10),
            timeout: None,
            #[cfg(any(feature = "rustls", feature = "native-tls"))]
            root_certificates: Vec::new(),
            accept_invalid_certs: false,
            pool_idle_timeout: Some(Duration::from_secs(90)),
        }
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How long to wait for a TCP + TLS connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// A total per-request timeout (request sent to body read); `None` for no limit.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    /// Trusts an extra root certificate (e.g. a private CA in front of an edge device).
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }

    /// Accepts any server certificate. Only for self-signed edge devices on a trusted network;
    /// logs a warning when the client is built.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Whether invalid certificates are accepted.
    pub fn accepts_invalid_certs(&self) -> bool {
        self.accept_invalid_certs
    }

    /// How long idle pooled connections are kept.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(&self) -> Result<reqwest::Client, TransportError> {
        let mut builder = reqwest::Client::builder()
            .redirect(redirect_policy())
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool_idle_timeout);
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        builder = self.apply_tls(builder);
        builder.build().map_err(|e| TransportError(e.without_url()))
    }
}

impl TransportConfig {
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    fn apply_tls(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        let mut builder = select_tls_backend(builder);
        for certificate in &self.root_certificates {
            builder = builder.add_root_certificate(certificate.clone());
        }
        if self.accept_invalid_certs {
            tracing::warn!(
                "TLS certificate verification is DISABLED for this client; use only with trusted self-signed devices"
            );
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder
    }

    /// Without a TLS feature only `http://` endpoints work; TLS settings have nothing to act on.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    fn apply_tls(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        if self.accept_invalid_certs {
            tracing::warn!(
                "TLS settings ignored: built without the `rustls` or `native-tls` feature"
            );
        }
        builder
    }
}

/// `native-tls` when that feature is on (an explicit opt-in beats the default), else rustls
/// with the `ring` provider.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn select_tls_backend(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    #[cfg(feature = "native-tls")]
    {
        builder.tls_backend_native()
    }
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    {
        // reqwest's `rustls-no-provider` needs a process-wide provider; install ring unless the
        // application already installed one (in which case theirs is kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        builder.tls_backend_rustls()
    }
}

/// The redirect policy of every client the SDKs build: follow up to 10 redirects **within the
/// request's origin** (scheme, host and port); stop at a redirect to another origin and return
/// that 3xx answer as it is (an `HttpError::Status` with its `Location` header kept).
///
/// This is what guarantees that no credential the SDK adds (a custom header, `Authorization`,
/// a query parameter, a JSON body member) ever reaches another origin: reqwest's default
/// policy strips only `Authorization`, `Cookie` and `Proxy-Authorization` on a cross-origin hop
/// and would forward custom headers and bodies. If you supply your own `reqwest::Client`,
/// build it with this policy:
///
/// ```
/// # // This workspace builds reqwest's rustls without a default crypto provider.
/// # #[cfg(feature = "rustls")]
/// # let _ = rustls::crypto::ring::default_provider().install_default();
/// let http = reqwest::Client::builder()
///     .redirect(vision_sdk_common::transport::redirect_policy())
///     .build()
///     .unwrap();
/// # drop(http);
/// ```
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        if attempt.previous().len() > 10 {
            attempt.error("too many redirects (more than 10)")
        } else if crate::internal::url::same_origin(first, attempt.url()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Installs rustls's `ring` crypto provider process-wide, unless one is installed already. The
/// SDKs' own clients do this when they are built; call it before building **your own**
/// `reqwest::Client` for an SDK (`http_client(..)`), which otherwise panics with "no crypto
/// provider" under this workspace's `rustls-no-provider` TLS build. A no-op with `native-tls`.
///
/// ```
/// vision_sdk_common::transport::install_crypto_provider();
/// let http = reqwest::Client::builder()
///     .redirect(vision_sdk_common::transport::redirect_policy())
///     .build()
///     .unwrap();
/// # drop(http);
/// ```
pub fn install_crypto_provider() {
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The HTTP client could not be built (bad certificate, TLS backend failure).
#[derive(Debug, thiserror::Error)]
#[error("could not build the HTTP client")]
pub struct TransportError(#[source] pub reqwest::Error);

/// A User-Agent naming the calling crate and version, e.g. `groundlight-rs/0.1.0 (vision-sdk-rs; rust)`.
pub fn user_agent(crate_name: &str, crate_version: &str) -> String {
    format!("{crate_name}/{crate_version} (vision-sdk-rs; rust)")
}

/// [`user_agent`] for the crate that invokes the macro.
#[macro_export]
macro_rules! user_agent {
    () => {
        $crate::transport::user_agent(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_crate() {
        assert_eq!(
            user_agent("groundlight-rs", "0.1.0"),
            "groundlight-rs/0.1.0 (vision-sdk-rs; rust)"
        );
        assert!(crate::user_agent!().starts_with("vision-sdk-common/"));
    }

    #[test]
    fn builds_with_and_without_verification() {
        TransportConfig::new("t").build().unwrap();
        let insecure = TransportConfig::new("t").danger_accept_invalid_certs(true);
        assert!(insecure.accepts_invalid_certs());
        insecure.build().unwrap();
    }
}
