//! API keys that cannot leak, and the ways providers expect them on the wire.
//!
//! A [`Secret`] prints as `Secret("[redacted]")` in `Debug` and has no `Display`. It is read in one
//! place, [`Auth::apply`], which marks header values as sensitive (so HTTP/2 HPACK and any header
//! logging skip them). A key sent as a query parameter ([`AuthScheme::Query`]) is removed from every
//! URL this crate puts into an error or a log line ([`redact_url`]).

use std::fmt;
use std::sync::Arc;

use http::header::{AUTHORIZATION, HeaderName, HeaderValue};

/// A credential (API key, token, PAT). `Debug` is redacted; there is no `Display`.
///
/// ```
/// use vision_sdk_common::auth::Secret;
/// let key = Secret::new("sk-123");
/// assert_eq!(format!("{key:?}"), "Secret(\"[redacted]\")");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// Reads a credential from an environment variable; `None` when unset, not Unicode, or blank.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(Self::new)
    }

    /// `true` when the credential is empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// The credential itself. Call it only to put the key on the wire in a way [`AuthScheme`]
    /// does not cover (e.g. inside a JSON body); never log the result.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"[redacted]\")")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Where a provider expects its credential.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// A named header holding the bare key: `x-api-token: <key>` (Groundlight), `X-API-Key: <key>` (Dragoneye).
    Header(HeaderName),
    /// `Authorization: <prefix> <key>`, e.g. `Key` (Clarifai) or `Bearer`.
    Authorization {
        /// The word before the key, without the trailing space.
        prefix: &'static str,
    },
    /// A query parameter, e.g. `api_key=<key>` (Roboflow hosted). Stripped from URLs in errors and logs.
    Query(&'static str),
}

/// A credential plus the scheme that puts it on a request.
#[derive(Clone)]
pub struct Auth {
    scheme: AuthScheme,
    secret: Secret,
    /// The sensitive header value of a header scheme, built once (`Err` when the credential
    /// cannot be sent in a header; reported by every [`Auth::apply`]).
    header_value: Option<Result<HeaderValue, InvalidCredential>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("scheme", &self.scheme)
            .field("secret", &self.secret)
            .finish()
    }
}

impl Auth {
    /// Pairs a scheme with a credential.
    pub fn new(scheme: AuthScheme, secret: Secret) -> Self {
        let header_value = match &scheme {
            AuthScheme::Header(_) => Some(sensitive_value(secret.expose_secret())),
            AuthScheme::Authorization { prefix } => Some(sensitive_value(&format!(
                "{prefix} {}",
                secret.expose_secret()
            ))),
            AuthScheme::Query(_) => None,
        };
        Self {
            scheme,
            secret,
            header_value,
        }
    }

    /// The scheme in use.
    pub fn scheme(&self) -> &AuthScheme {
        &self.scheme
    }

    /// The name of the query parameter that carries the key, if the scheme is [`AuthScheme::Query`].
    pub fn query_param(&self) -> Option<&'static str> {
        match self.scheme {
            AuthScheme::Query(name) => Some(name),
            _ => None,
        }
    }

    /// Puts the credential on a request. Header values are marked sensitive.
    pub fn apply(&self, request: &mut reqwest::Request) -> Result<(), InvalidCredential> {
        match &self.scheme {
            AuthScheme::Header(name) => {
                let value = self.header_value()?;
                request.headers_mut().insert(name.clone(), value);
            }
            AuthScheme::Authorization { .. } => {
                let value = self.header_value()?;
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            AuthScheme::Query(_) => self.apply_to_url(request.url_mut()),
        }
        Ok(())
    }

    /// The header value of a header scheme (a cheap clone of the one built by [`Auth::new`]).
    fn header_value(&self) -> Result<HeaderValue, InvalidCredential> {
        match &self.header_value {
            Some(value) => value.clone(),
            None => Err(InvalidCredential),
        }
    }

    /// Adds a query-parameter credential to `url`, exactly as [`Auth::apply`] does to a
    /// request's URL; other schemes leave it alone.
    pub(crate) fn apply_to_url(&self, url: &mut reqwest::Url) {
        if let AuthScheme::Query(name) = &self.scheme {
            url.query_pairs_mut()
                .append_pair(name, self.secret.expose_secret());
        }
    }
}

fn sensitive_value(value: &str) -> Result<HeaderValue, InvalidCredential> {
    let mut value = HeaderValue::from_str(value).map_err(|_| InvalidCredential)?;
    value.set_sensitive(true);
    Ok(value)
}

/// The credential holds characters that cannot be sent in an HTTP header (e.g. a newline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the API key contains characters that are not allowed in an HTTP header")]
pub struct InvalidCredential;

/// Parameter names whose values are always redacted from URLs, whatever the provider.
const ALWAYS_REDACTED: &[&str] = &[
    "api_key",
    "apikey",
    "api-key",
    "token",
    "access_token",
    "key",
];

/// Renders a URL for errors and logs with the values of credential-bearing query parameters
/// replaced by `[redacted]` (and any userinfo dropped).
///
/// ```
/// use vision_sdk_common::auth::redact_url;
/// let url = reqwest::Url::parse("https://detect.roboflow.com/m/1?api_key=sk-1&confidence=40").unwrap();
/// assert_eq!(redact_url(&url), "https://detect.roboflow.com/m/1?api_key=[redacted]&confidence=40");
/// ```
pub fn redact_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    let mut out = shown.to_string();
    if url.query().is_some() {
        let pairs: Vec<String> = url
            .query_pairs()
            .map(|(k, v)| {
                if ALWAYS_REDACTED.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                    format!("{k}=[redacted]")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> reqwest::Request {
        reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap())
    }

    #[test]
    fn debug_is_redacted() {
        let auth = Auth::new(AuthScheme::Query("api_key"), Secret::new("sk-very-secret"));
        let shown = format!("{auth:?} {:?}", Secret::new("sk-very-secret"));
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn header_scheme_sets_sensitive_header() {
        let auth = Auth::new(
            AuthScheme::Header(HeaderName::from_static("x-api-token")),
            Secret::new("s3cr3t-value"),
        );
        let mut req = request("https://example.com/x");
        auth.apply(&mut req).unwrap();
        let value = req.headers().get("x-api-token").unwrap();
        assert_eq!(value, "s3cr3t-value");
        assert!(value.is_sensitive());
        assert!(!format!("{:?}", req.headers()).contains("s3cr3t"));
    }

    #[test]
    fn authorization_scheme_prefixes() {
        let auth = Auth::new(
            AuthScheme::Authorization { prefix: "Key" },
            Secret::new("pat"),
        );
        let mut req = request("https://example.com/x");
        auth.apply(&mut req).unwrap();
        assert_eq!(req.headers()[AUTHORIZATION], "Key pat");
        assert!(req.headers()[AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn query_scheme_appends_and_redacts() {
        let auth = Auth::new(AuthScheme::Query("api_key"), Secret::new("sk 1&2"));
        let mut req = request("https://example.com/m/1?confidence=40");
        auth.apply(&mut req).unwrap();
        assert_eq!(
            req.url().as_str(),
            "https://example.com/m/1?confidence=40&api_key=sk+1%262"
        );
        let shown = redact_url(req.url());
        assert_eq!(
            shown,
            "https://example.com/m/1?confidence=40&api_key=[redacted]"
        );
        assert_eq!(auth.query_param(), Some("api_key"));
    }

    #[test]
    fn redact_drops_userinfo() {
        let url = reqwest::Url::parse("https://user:pw@example.com/a").unwrap();
        assert_eq!(redact_url(&url), "https://example.com/a");
    }

    #[test]
    fn invalid_header_value_is_an_error_without_the_key() {
        let auth = Auth::new(
            AuthScheme::Header(HeaderName::from_static("x-api-key")),
            Secret::new("bad\nkey"),
        );
        let err = auth.apply(&mut request("https://example.com")).unwrap_err();
        assert!(!err.to_string().contains("bad"));
    }

    #[test]
    fn blank_detection_and_env() {
        assert!(Secret::new("  ").is_blank());
        assert!(!Secret::new("k").is_blank());
        assert!(Secret::from_env("VISION_SDK_COMMON_TEST_SURELY_UNSET_VAR").is_none());
    }
}
