//! Error primitives every provider error enum embeds.
//!
//! [`HttpError`] is what [`crate::internal::execute::Executor`] returns; a provider wraps it in its own
//! `#[non_exhaustive]` error enum and re-exposes the same accessors (`status()`, `is_retryable()`,
//! `retry_after()`, `request_id()`). A non-success answer keeps its status, selected headers,
//! request id and a bounded [`BodySnippet`] even when the body is not JSON.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

use crate::auth::{InvalidCredential, Redactor};
use crate::internal::classify::TransportFailure;
use crate::media::MediaError;

/// How many bytes of a response body an error keeps.
pub const BODY_SNIPPET_LIMIT: usize = 4 * 1024;

/// The first [`BODY_SNIPPET_LIMIT`] bytes of a response body (shared, not copied), plus its full length.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BodySnippet {
    bytes: Bytes,
    total_len: usize,
}

impl BodySnippet {
    /// Keeps at most [`BODY_SNIPPET_LIMIT`] bytes of `body` (a cheap slice of the same buffer).
    pub fn new(body: &Bytes) -> Self {
        let kept = body.len().min(BODY_SNIPPET_LIMIT);
        Self {
            bytes: body.slice(..kept),
            total_len: body.len(),
        }
    }

    /// The snippet of `body` with every echo of the key redacted. Only the start of the body
    /// that the snippet can show is searched (plus the longest echo, so no key cut by the limit
    /// shows in part), so a 50 MB answer costs no more than a small one.
    pub(crate) fn redacted(body: &Bytes, redactor: &Redactor) -> Self {
        let margin = redactor.longest_echo();
        let mut window = (BODY_SNIPPET_LIMIT + margin).min(body.len());
        loop {
            let clean = redactor.redact_bytes(&body.slice(..window));
            // Redaction can shorten the text: widen the window until what is shown, plus a
            // whole echo's length after it, was searched.
            if window == body.len() || clean.len() >= BODY_SNIPPET_LIMIT + margin {
                let kept = clean.len().min(BODY_SNIPPET_LIMIT);
                return Self {
                    bytes: clean.slice(..kept),
                    total_len: if window == body.len() {
                        clean.len()
                    } else {
                        body.len()
                    },
                };
            }
            window = (window * 2).min(body.len());
        }
    }

    /// The kept bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The kept bytes as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }

    /// The kept bytes parsed as JSON, when they are JSON (and were not truncated).
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.is_truncated() {
            return None;
        }
        serde_json::from_slice(&self.bytes).ok()
    }

    /// Length of the whole body.
    pub fn total_len(&self) -> usize {
        self.total_len
    }

    /// `true` when the body was longer than the snippet.
    pub fn is_truncated(&self) -> bool {
        self.total_len > self.bytes.len()
    }

    /// `true` when the body was empty.
    pub fn is_empty(&self) -> bool {
        self.total_len == 0
    }
}

impl fmt::Debug for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodySnippet")
            .field("text", &self.text())
            .field("total_len", &self.total_len)
            .finish()
    }
}

impl fmt::Display for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())?;
        if self.is_truncated() {
            write!(f, "… ({} bytes in all)", self.total_len)?;
        }
        Ok(())
    }
}

/// A non-success HTTP answer: everything a caller may need to act on it.
#[derive(Debug, Clone)]
pub struct HttpErrorDetails {
    pub(crate) status: StatusCode,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) request_id: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: BodySnippet,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) retryable: bool,
    pub(crate) attempts: u32,
}

impl HttpErrorDetails {
    /// Builds details by hand (for providers' own checks and for tests).
    pub fn new(status: StatusCode, method: Method, redacted_url: impl Into<String>) -> Self {
        Self {
            status,
            method,
            url: redacted_url.into(),
            request_id: None,
            headers: HeaderMap::new(),
            body: BodySnippet::default(),
            retry_after: None,
            retryable: false,
            attempts: 1,
        }
    }

    /// Sets the body snippet.
    pub fn with_body(mut self, body: &Bytes) -> Self {
        self.body = BodySnippet::new(body);
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The request URL with credentials redacted.
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// Selected response headers (content type, `Retry-After`, request ids, rate limits).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The start of the response body.
    pub fn body(&self) -> &BodySnippet {
        &self.body
    }
    /// The server's `Retry-After`, parsed.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// Whether the provider considers this status worth retrying.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
    /// How many attempts were made before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Display for HttpErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} from {} {}", self.status, self.method, self.url)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        if !self.body.is_empty() {
            let text = self.body.text();
            let short: String = text.chars().take(300).collect();
            write!(f, ": {short}")?;
            if short.len() < text.len() || self.body.is_truncated() {
                f.write_str("…")?;
            }
        }
        Ok(())
    }
}

/// Why a request did not produce a successful response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The server answered with a non-success status.
    #[error("{0}")]
    Status(Box<HttpErrorDetails>),
    /// No connection could be made (the request never reached the server).
    #[error("could not connect to {url} (after {attempts} attempt(s))")]
    Connect {
        /// The URL, credentials redacted.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// The request or the response timed out.
    #[error("request to {url} timed out (after {attempts} attempt(s))")]
    Timeout {
        /// The URL, credentials redacted.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// The answer's body ended early or could not be read (a connection closed mid-body, a
    /// `Content-Length` longer than the body).
    #[error("the response from {url} was cut short (after {attempts} attempt(s))")]
    Truncated {
        /// The URL, credentials redacted.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// A call that is not safe to repeat (a create) was sent, and the connection failed or
    /// timed out before a complete answer: **the server may or may not have acted on it**, so
    /// it was not sent again.
    ///
    /// To recover, find out whether it happened before trying again: look the resource up
    /// (by its name, or list the newest ones) and retry only when it is not there. Provider
    /// crates that can reconcile on their own (a create by unique name) document it.
    #[error(
        "the outcome of the request to {url} is unknown: the connection failed ({failure:?}) after it was sent; it may have been acted on, so it was not retried (after {attempts} attempt(s))"
    )]
    OutcomeUnknown {
        /// The URL, credentials redacted.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// What went wrong on the wire.
        failure: TransportFailure,
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// The connection failed while sending the request or reading the response.
    #[error("transport error talking to {url} (after {attempts} attempt(s))")]
    Transport {
        /// The URL, credentials redacted.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// The request body could not be produced (e.g. the file to upload vanished).
    #[error("could not build the request body")]
    Body(#[from] MediaError),
    /// The credential cannot be put in a header.
    #[error(transparent)]
    Credential(#[from] InvalidCredential),
    /// The request could not be built (a bug or bad input that slipped past validation).
    #[error("could not build the request: {0}")]
    InvalidRequest(String),
}

impl HttpError {
    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status(details) => Some(details.status),
            _ => None,
        }
    }

    /// Whether the same call, made again unchanged, may succeed: a status the provider
    /// classifies as retryable, a connect error, a timeout, a broken or cut-short connection.
    /// `false` for [`HttpError::OutcomeUnknown`] (find out first whether it happened) and for
    /// local failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status(details) => details.retryable,
            Self::Connect { .. }
            | Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::Truncated { .. } => true,
            Self::OutcomeUnknown { .. }
            | Self::Body(_)
            | Self::Credential(_)
            | Self::InvalidRequest(_) => false,
        }
    }

    /// `true` for a timeout, including one that left a create's outcome unknown.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. }
                | Self::OutcomeUnknown {
                    failure: TransportFailure::Timeout,
                    ..
                }
        )
    }

    /// `true` for failures that happened on this machine before anything was sent (a body
    /// that could not be produced, an unusable credential, a request that could not be built).
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Self::Body(_) | Self::Credential(_) | Self::InvalidRequest(_)
        )
    }

    /// How long the server asked to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status(details) => details.retry_after,
            _ => None,
        }
    }

    /// The server's request id, if it answered with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Status(details) => details.request_id(),
            _ => None,
        }
    }

    /// The details of a non-success answer.
    pub fn details(&self) -> Option<&HttpErrorDetails> {
        match self {
            Self::Status(details) => Some(details),
            _ => None,
        }
    }

    /// Attempts made before this error was returned (0 when none was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Status(details) => details.attempts,
            Self::Connect { attempts, .. }
            | Self::Timeout { attempts, .. }
            | Self::Truncated { attempts, .. }
            | Self::OutcomeUnknown { attempts, .. }
            | Self::Transport { attempts, .. } => *attempts,
            Self::Body(_) | Self::Credential(_) | Self::InvalidRequest(_) => 0,
        }
    }
}

/// Expands, inside a provider error enum's `impl` block, the family accessors `status()`,
/// `is_retryable()`, `retry_after()` and `request_id()` (Conventions C9/C10 of
/// `docs/architecture.md`), in terms of two methods the enum defines itself:
/// `fn http_error(&self) -> Option<&HttpError>` and `fn decode_error(&self) -> Option<&DecodeError>`.
#[macro_export]
macro_rules! error_accessors {
    () => {
        /// The HTTP status: of a non-success answer, or of a success answer whose body did not
        /// decode.
        pub fn status(&self) -> Option<$crate::http::StatusCode> {
            match self.decode_error() {
                Some(e) => Some(e.status),
                None => self.http_error().and_then($crate::HttpError::status),
            }
        }

        /// Whether the same call, made again unchanged, may succeed: a status this crate's
        /// classifier retries (after the retry budget ran out), a connect error, a timeout, a
        /// broken or cut-short connection. `false` for local failures, decode errors,
        /// `OutcomeUnknown` (find out first whether it happened) and poll deadlines (resume
        /// with the id instead of sending again).
        pub fn is_retryable(&self) -> bool {
            self.http_error()
                .is_some_and($crate::HttpError::is_retryable)
        }

        /// How long the server asked to wait before trying again (`Retry-After`), if it said.
        pub fn retry_after(&self) -> Option<std::time::Duration> {
            self.http_error().and_then($crate::HttpError::retry_after)
        }

        /// The server's request id for the failed call, if it sent one.
        pub fn request_id(&self) -> Option<&str> {
            match self.decode_error() {
                Some(e) => e.request_id.as_deref(),
                None => self.http_error().and_then($crate::HttpError::request_id),
            }
        }
    };
}

/// A success response whose body is not what was expected.
#[derive(Debug, thiserror::Error)]
#[error("could not decode the response to {operation} (HTTP {status}{}): {source}", request_id.as_deref().map(|id| format!(", request id {id}")).unwrap_or_default())]
pub struct DecodeError {
    /// The operation whose response failed to decode.
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The server's request id.
    pub request_id: Option<String>,
    /// The start of the body.
    pub body: BodySnippet,
    /// What serde said.
    #[source]
    pub source: serde_json::Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_and_lossless_for_short_bodies() {
        let short = Bytes::from_static(b"{\"detail\":\"nope\"}");
        let s = BodySnippet::new(&short);
        assert!(!s.is_truncated());
        assert_eq!(s.json().unwrap()["detail"], "nope");
        let long = Bytes::from(vec![b'x'; 10_000]);
        let s = BodySnippet::new(&long);
        assert_eq!(s.as_bytes().len(), BODY_SNIPPET_LIMIT);
        assert_eq!(s.total_len(), 10_000);
        assert!(s.is_truncated());
        assert!(s.json().is_none());
        assert!(s.to_string().ends_with("(10000 bytes in all)"));
        let binary = Bytes::from_static(&[0xff, 0xfe, b'a']);
        assert_eq!(BodySnippet::new(&binary).text(), "\u{fffd}\u{fffd}a");
    }

    #[test]
    fn redacted_snippets_hide_keys_at_the_cut_and_search_only_the_start() {
        use crate::auth::{Auth, AuthScheme, Secret};
        let key = "sk-live-0123456789";
        let redactor = Auth::new(AuthScheme::Query("api_key"), Secret::new(key)).redactor();
        // A short body: exact, not truncated.
        let short = Bytes::from(format!("{{\"key\":\"{key}\"}}"));
        let s = BodySnippet::redacted(&short, &redactor);
        assert_eq!(s.text(), "{\"key\":\"[redacted]\"}");
        assert!(!s.is_truncated());
        assert!(s.json().is_some());
        // A key straddling the limit shows no part of itself.
        for offset in [
            BODY_SNIPPET_LIMIT - 5,
            BODY_SNIPPET_LIMIT - 1,
            BODY_SNIPPET_LIMIT,
        ] {
            let mut body = vec![b'x'; offset];
            body.extend_from_slice(key.as_bytes());
            body.extend_from_slice(&[b'y'; 100]);
            let s = BodySnippet::redacted(&Bytes::from(body), &redactor);
            assert!(
                !s.text().contains("sk-live"),
                "offset {offset}: {}",
                s.text()
            );
            assert!(s.as_bytes().len() <= BODY_SNIPPET_LIMIT);
        }
        // Many echoes shrink the text: the window widens so the whole snippet is searched.
        let many = Bytes::from(key.repeat(2 * BODY_SNIPPET_LIMIT / key.len()));
        let s = BodySnippet::redacted(&many, &redactor);
        assert!(!s.text().contains("sk-"), "{}", s.text());
        assert_eq!(s.as_bytes().len(), BODY_SNIPPET_LIMIT);
        // A large body keeps its full length.
        let large = Bytes::from(vec![b'z'; 10 * 1024 * 1024]);
        let s = BodySnippet::redacted(&large, &redactor);
        assert_eq!(s.total_len(), large.len());
        assert!(s.is_truncated());
    }

    #[test]
    fn details_display_and_accessors() {
        let details = HttpErrorDetails::new(StatusCode::NOT_FOUND, Method::GET, "https://x/y")
            .with_body(&Bytes::from_static(b"<html>not json</html>"))
            .with_request_id(Some("req_1".into()));
        let err = HttpError::Status(Box::new(details));
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err.request_id(), Some("req_1"));
        assert!(!err.is_retryable());
        let shown = err.to_string();
        assert!(shown.contains("404"), "{shown}");
        assert!(shown.contains("not json"), "{shown}");
        assert!(shown.contains("req_1"), "{shown}");
    }
}
