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
    /// A member of the JSON object body, e.g. `"api_key": "<key>"` (Roboflow's legacy v1
    /// transport). Added per attempt by the executor; a request without a body gets `{}` with
    /// the member; a non-JSON body is an error before anything is sent.
    JsonField(&'static str),
}

/// A credential plus the schemes that put it on a request (usually one; Roboflow can send the
/// key both as `Authorization: Bearer` and the legacy way).
#[derive(Clone)]
pub struct Auth {
    schemes: Vec<AuthScheme>,
    secret: Secret,
    /// The sensitive value of `<key>` and of `<prefix> <key>` for each header scheme, built
    /// once (`Err` when the credential cannot be sent in a header).
    header_values: Vec<(AuthScheme, Result<HeaderValue, InvalidCredential>)>,
    /// The forms in which the key could be echoed back (raw, percent- and form-encoded,
    /// JSON-escaped), longest first, for [`Auth::redact`].
    echoes: Arc<[String]>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("schemes", &self.schemes)
            .field("secret", &self.secret)
            .finish()
    }
}

impl Auth {
    /// Pairs a scheme with a credential.
    pub fn new(scheme: AuthScheme, secret: Secret) -> Self {
        Self::with_schemes(vec![scheme], secret)
    }

    /// A credential sent in every one of `schemes` (e.g. a header and a query parameter).
    pub fn with_schemes(schemes: Vec<AuthScheme>, secret: Secret) -> Self {
        let header_values = schemes
            .iter()
            .filter_map(|scheme| {
                let value = match scheme {
                    AuthScheme::Header(_) => sensitive_value(secret.expose_secret()),
                    AuthScheme::Authorization { prefix } => {
                        sensitive_value(&format!("{prefix} {}", secret.expose_secret()))
                    }
                    AuthScheme::Query(_) | AuthScheme::JsonField(_) => return None,
                };
                Some((scheme.clone(), value))
            })
            .collect();
        let echoes = echo_forms(secret.expose_secret());
        Self {
            schemes,
            secret,
            header_values,
            echoes,
        }
    }

    /// The first scheme in use.
    pub fn scheme(&self) -> &AuthScheme {
        &self.schemes[0]
    }

    /// Every scheme in use.
    pub fn schemes(&self) -> &[AuthScheme] {
        &self.schemes
    }

    /// The name of the query parameter that carries the key, if a scheme is [`AuthScheme::Query`].
    pub fn query_param(&self) -> Option<&'static str> {
        self.schemes.iter().find_map(|s| match s {
            AuthScheme::Query(name) => Some(*name),
            _ => None,
        })
    }

    /// Checks that the credential can be sent by every scheme (for builders: fail at `build()`).
    pub fn validate(&self) -> Result<(), InvalidCredential> {
        if self.secret.is_blank() {
            return Err(InvalidCredential);
        }
        self.header_values
            .iter()
            .try_for_each(|(_, v)| v.as_ref().map(|_| ()).map_err(|e| *e))
    }

    /// Puts the credential on a request by the client's schemes. Header values are marked
    /// sensitive. (JSON-body members are added by the executor while it builds the body.)
    pub fn apply(&self, request: &mut reqwest::Request) -> Result<(), InvalidCredential> {
        self.apply_schemes(&self.schemes, request)
    }

    /// Puts the credential on a request by `schemes` (a per-request override).
    pub fn apply_schemes(
        &self,
        schemes: &[AuthScheme],
        request: &mut reqwest::Request,
    ) -> Result<(), InvalidCredential> {
        for scheme in schemes {
            match scheme {
                AuthScheme::Header(name) => {
                    let value = self.header_value(scheme)?;
                    request.headers_mut().insert(name.clone(), value);
                }
                AuthScheme::Authorization { .. } => {
                    let value = self.header_value(scheme)?;
                    request.headers_mut().insert(AUTHORIZATION, value);
                }
                AuthScheme::Query(name) => {
                    request
                        .url_mut()
                        .query_pairs_mut()
                        .append_pair(name, self.secret.expose_secret());
                }
                AuthScheme::JsonField(_) => {}
            }
        }
        Ok(())
    }

    /// The header value of a header scheme (a cheap clone of the one built by [`Auth::new`];
    /// built now for a per-request scheme the client was not configured with).
    fn header_value(&self, scheme: &AuthScheme) -> Result<HeaderValue, InvalidCredential> {
        if let Some((_, value)) = self.header_values.iter().find(|(s, _)| s == scheme) {
            return value.clone();
        }
        match scheme {
            AuthScheme::Authorization { prefix } => {
                sensitive_value(&format!("{prefix} {}", self.secret.expose_secret()))
            }
            _ => sensitive_value(self.secret.expose_secret()),
        }
    }

    /// Adds a query-parameter credential to `url`, exactly as [`Auth::apply_schemes`] does to a
    /// request's URL; other schemes leave it alone.
    pub(crate) fn apply_to_url(&self, schemes: &[AuthScheme], url: &mut reqwest::Url) {
        for scheme in schemes {
            if let AuthScheme::Query(name) = scheme {
                url.query_pairs_mut()
                    .append_pair(name, self.secret.expose_secret());
            }
        }
    }

    /// Inserts `"<field>": "<key>"` as the first member of the JSON object `body` (or makes
    /// `{"<field>": "<key>"}` of an empty body), without re-parsing it.
    pub(crate) fn json_body_with_key(
        &self,
        field: &str,
        body: Option<&[u8]>,
    ) -> Result<Vec<u8>, &'static str> {
        let member =
            serde_json::to_string(&serde_json::json!({ field: self.secret.expose_secret() }))
                .map_err(|_| "the credential cannot be written as JSON")?;
        let member = &member[1..member.len() - 1]; // `"field":"key"`
        let Some(body) = body else {
            return Ok(format!("{{{member}}}").into_bytes());
        };
        let start = body
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .ok_or("the JSON body is empty")?;
        if body[start] != b'{' {
            return Err("the credential goes into a JSON object, but the body is not one");
        }
        let rest = &body[start + 1..];
        let is_empty_object = rest
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'}');
        let mut out = Vec::with_capacity(body.len() + member.len() + 2);
        out.push(b'{');
        out.extend_from_slice(member.as_bytes());
        if !is_empty_object {
            out.push(b',');
        }
        out.extend_from_slice(rest);
        Ok(out)
    }

    /// `text` with every echo of the key (raw, percent-encoded, form-encoded, JSON-escaped)
    /// replaced by `[redacted]`.
    ///
    /// ```
    /// use vision_sdk_common::auth::{Auth, AuthScheme, Secret};
    /// let auth = Auth::new(AuthScheme::Query("api_key"), Secret::new("sk 1/2"));
    /// assert_eq!(auth.redact("bad key sk 1/2 and sk+1%2F2"), "bad key [redacted] and [redacted]");
    /// ```
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        redact_with(&self.echoes, text)
    }

    /// Like [`Auth::redact`], on bytes (a body); returns the input itself when there is no echo.
    pub fn redact_bytes(&self, bytes: &bytes::Bytes) -> bytes::Bytes {
        let text = String::from_utf8_lossy(bytes);
        match redact_with(&self.echoes, &text) {
            std::borrow::Cow::Borrowed(_) => bytes.clone(),
            std::borrow::Cow::Owned(redacted) => bytes::Bytes::from(redacted),
        }
    }

    /// A cheap handle that redacts this credential from text (for responses and errors).
    pub fn redactor(&self) -> Redactor {
        Redactor(Some(Arc::clone(&self.echoes)))
    }
}

/// Removes one credential's echoes from text. `Redactor::default()` redacts nothing.
#[derive(Clone, Default)]
pub struct Redactor(Option<Arc<[String]>>);

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

impl Redactor {
    /// `text` with the credential's echoes replaced by `[redacted]`.
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.0 {
            Some(echoes) => redact_with(echoes, text),
            None => std::borrow::Cow::Borrowed(text),
        }
    }

    /// The length of the longest echo searched for (0 when nothing is redacted).
    pub(crate) fn longest_echo(&self) -> usize {
        self.0
            .as_ref()
            .and_then(|echoes| echoes.first())
            .map_or(0, String::len)
    }

    /// Like [`Redactor::redact`] on bytes; the input itself when there is no echo.
    pub fn redact_bytes(&self, bytes: &bytes::Bytes) -> bytes::Bytes {
        let Some(echoes) = &self.0 else {
            return bytes.clone();
        };
        let text = String::from_utf8_lossy(bytes);
        match redact_with(echoes, &text) {
            std::borrow::Cow::Borrowed(_) => bytes.clone(),
            std::borrow::Cow::Owned(redacted) => bytes::Bytes::from(redacted),
        }
    }
}

/// The forms a server might echo a key in; keys shorter than 4 characters are not searched for
/// (they would redact ordinary text).
fn echo_forms(key: &str) -> Arc<[String]> {
    if key.trim().chars().count() < 4 {
        return Arc::from(Vec::new());
    }
    let mut forms = vec![key.to_owned()];
    let percent: String =
        percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC).to_string();
    let form: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
    let json = serde_json::to_string(key).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    for f in [percent, form, json] {
        if !f.is_empty() && !forms.contains(&f) {
            forms.push(f);
        }
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    Arc::from(forms)
}

/// The shortest start of an echo that counts as the key when a text ends with it (a body cut
/// inside the key).
const MIN_PARTIAL_ECHO: usize = 4;

/// Where a trailing, cut-off start of an echo begins in `text` (at least [`MIN_PARTIAL_ECHO`]
/// bytes of it), if `text` ends with one.
fn partial_echo_at_end(echoes: &[String], text: &str) -> Option<usize> {
    echoes
        .iter()
        .filter_map(|echo| {
            (MIN_PARTIAL_ECHO..echo.len())
                .rev()
                .find(|&n| echo.is_char_boundary(n) && text.ends_with(&echo[..n]))
                .map(|n| text.len() - n)
        })
        .min()
}

fn redact_with<'a>(echoes: &[String], text: &'a str) -> std::borrow::Cow<'a, str> {
    let whole = echoes.iter().any(|e| text.contains(e.as_str()));
    if !whole && partial_echo_at_end(echoes, text).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for echo in echoes {
        if out.contains(echo.as_str()) {
            out = out.replace(echo.as_str(), "[redacted]");
        }
    }
    // A text cut inside the key (a truncated body) ends with its start.
    if let Some(at) = partial_echo_at_end(echoes, &out) {
        out.truncate(at);
        out.push_str("[redacted]");
    }
    std::borrow::Cow::Owned(out)
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

/// Parameter names whose values are always redacted from URLs, whatever the provider
/// (`service_secret`: Roboflow's billing secret, a query parameter of inference routes).
const ALWAYS_REDACTED: &[&str] = &[
    "api_key",
    "apikey",
    "api-key",
    "token",
    "access_token",
    "key",
    "service_secret",
    // Presigned download URLs (S3, GCS, Azure SAS, CloudFront), e.g. Groundlight model binaries.
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "signature",
    "sig",
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
        assert_eq!(
            auth.redact("echo sk 1&2 / sk+1%262"),
            "echo [redacted] / [redacted]"
        );
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
    fn a_text_cut_inside_the_key_is_redacted() {
        let auth = Auth::new(AuthScheme::Query("api_key"), Secret::new("sk-0123456789"));
        assert_eq!(
            auth.redact(r#"{"id":"sk-012345678"#),
            r#"{"id":"[redacted]"#
        );
        assert_eq!(
            auth.redact("key sk-0123456789 then sk-0"),
            "key [redacted] then [redacted]"
        );
        // Fewer than four characters of it are ordinary text.
        assert_eq!(auth.redact("ends in sk-"), "ends in sk-");
        assert_eq!(auth.redact("nothing here"), "nothing here");
    }

    #[test]
    fn service_secrets_are_redacted_from_urls() {
        let url = reqwest::Url::parse(
            "http://h/infer/object_detection?service_secret=s3cr3t&countinference=False",
        )
        .unwrap();
        assert_eq!(
            redact_url(&url),
            "http://h/infer/object_detection?service_secret=[redacted]&countinference=False"
        );
    }

    #[test]
    fn redact_drops_userinfo() {
        let url = reqwest::Url::parse("https://user:pw@example.com/a").unwrap();
        assert_eq!(redact_url(&url), "https://example.com/a");
        let presigned = reqwest::Url::parse(
            "https://b.s3.amazonaws.com/m.bin?X-Amz-Credential=AKIA%2F1&X-Amz-Date=1&X-Amz-Signature=abc&X-Amz-Security-Token=t",
        )
        .unwrap();
        assert_eq!(
            redact_url(&presigned),
            "https://b.s3.amazonaws.com/m.bin?X-Amz-Credential=[redacted]&X-Amz-Date=1&X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]"
        );
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
    fn json_field_is_spliced_into_objects() {
        let auth = Auth::new(AuthScheme::JsonField("api_key"), Secret::new("k\"1"));
        let out = auth
            .json_body_with_key("api_key", Some(br#"{"a":1}"#))
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"api_key":"k\"1","a":1}"#
        );
        let out = auth.json_body_with_key("api_key", Some(b" { } ")).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"api_key":"k\"1" } "#);
        let out = auth.json_body_with_key("api_key", None).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"api_key":"k\"1"}"#);
        assert!(auth.json_body_with_key("api_key", Some(b"[1]")).is_err());
    }

    #[test]
    fn validate_refuses_blank_and_unsendable_keys() {
        let header = AuthScheme::Header(HeaderName::from_static("x-api-key"));
        assert!(
            Auth::new(header.clone(), Secret::new("ok-key"))
                .validate()
                .is_ok()
        );
        assert!(
            Auth::new(header.clone(), Secret::new(" "))
                .validate()
                .is_err()
        );
        assert!(Auth::new(header, Secret::new("a\nb")).validate().is_err());
        assert!(
            Auth::new(AuthScheme::Query("k"), Secret::new(""))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn blank_detection_and_env() {
        assert!(Secret::new("  ").is_blank());
        assert!(!Secret::new("k").is_blank());
        assert!(Secret::from_env("VISION_SDK_COMMON_TEST_SURELY_UNSET_VAR").is_none());
    }
}
