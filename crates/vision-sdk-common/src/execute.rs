//! Running one API call: rebuild the request for every attempt, authenticate, send, classify,
//! back off, and record one tracing span per call.
//!
//! A call is described by a [`RequestSpec`]: method, URL, headers and a [`RequestBody`] that
//! can be rebuilt (bytes are shared `Bytes`; files are re-opened and streamed; multipart forms are
//! re-assembled). [`Executor::execute`] turns the spec into a fresh `reqwest::Request` on each
//! attempt, so a retried upload sends the whole body again.
//!
//! Retries follow the client's [`RetryPolicy`] and the provider's [`RetryOn`] classification.
//! A call marked [`Idempotency::NonIdempotent`] is only re-sent when the request provably was
//! not acted upon: a connect error (it never reached the server) or a 429 answer (the server
//! refused it unprocessed, RFC 6585). After the server may have acted on it (a 5xx, a timeout, a
//! reset connection), the error is returned.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};

use crate::auth::{Auth, redact_url};
use crate::clock::{Clock, default_clock};
use crate::error::{BodySnippet, DecodeError, HttpError, HttpErrorDetails};
use crate::media::MediaSource;
use crate::retry::{RetryDecision, RetryPolicy, parse_retry_after};

/// Whether sending a request twice is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, replaces, deletes, inference, and creates that carry an idempotency key.
    Idempotent,
    /// Creates without an idempotency key: retried only after connect errors and 429s.
    NonIdempotent,
}

/// A provider's rule for which non-success answers are worth retrying.
pub type RetryOn = fn(StatusCode, &HeaderMap, &[u8]) -> bool;

/// The common rule: 408, 429, 500, 502, 503, 504.
pub fn retry_on_standard(status: StatusCode, _headers: &HeaderMap, _body: &[u8]) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// One part of a multipart form.
#[derive(Debug, Clone)]
pub enum MultipartField {
    /// A text field.
    Text {
        /// Field name.
        name: String,
        /// Field value.
        value: String,
    },
    /// A file field streamed from its source.
    Media {
        /// Field name.
        name: String,
        /// The media to send.
        source: MediaSource,
    },
}

/// A request body that can be produced again for every attempt.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum RequestBody {
    /// No body.
    #[default]
    Empty,
    /// Raw bytes with their content type.
    Bytes {
        /// The bytes (shared, never copied).
        data: Bytes,
        /// The `Content-Type` to send.
        content_type: HeaderValue,
    },
    /// Media from a file, bytes or reader, sent raw with its MIME type as `Content-Type`.
    Media(MediaSource),
    /// A multipart form, re-assembled per attempt (files re-opened and streamed).
    Multipart(Vec<MultipartField>),
}

/// Everything needed to build one HTTP request, any number of times.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    method: Method,
    url: reqwest::Url,
    headers: HeaderMap,
    body: RequestBody,
    timeout: Option<Duration>,
    authenticated: bool,
}

impl RequestSpec {
    /// A request with no body, authenticated by the executor's [`Auth`].
    pub fn new(method: Method, url: reqwest::Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: RequestBody::Empty,
            timeout: None,
            authenticated: true,
        }
    }

    /// Adds query parameters (appended, in order).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        {
            let mut query = self.url.query_pairs_mut();
            for (k, v) in pairs {
                query.append_pair(k.as_ref(), v.as_ref());
            }
        }
        if self.url.query() == Some("") {
            self.url.set_query(None);
        }
        self
    }

    /// Sets a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets a JSON body (serialised once).
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, HttpError> {
        let data = serde_json::to_vec(value)
            .map_err(|e| HttpError::InvalidRequest(format!("JSON body: {e}")))?;
        Ok(self.bytes(
            Bytes::from(data),
            HeaderValue::from_static("application/json"),
        ))
    }

    /// Sets an `application/x-www-form-urlencoded` body (serialised once).
    pub fn form<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, HttpError> {
        let data = serde_urlencoded_body(value)?;
        Ok(self.bytes(
            Bytes::from(data),
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        ))
    }

    /// Sets a raw body.
    pub fn bytes(mut self, data: Bytes, content_type: HeaderValue) -> Self {
        self.body = RequestBody::Bytes { data, content_type };
        self
    }

    /// Sends media as the raw body with its MIME type.
    pub fn media(mut self, source: MediaSource) -> Self {
        self.body = RequestBody::Media(source);
        self
    }

    /// Sends a multipart form.
    pub fn multipart(mut self, fields: Vec<MultipartField>) -> Self {
        self.body = RequestBody::Multipart(fields);
        self
    }

    /// A per-request timeout (overrides the client's).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout.or(self.timeout);
        self
    }

    /// Sends no credential (e.g. a presigned upload URL must not receive the API key).
    pub fn without_auth(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL (without the credential of a query-parameter scheme, which is added per attempt).
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The body.
    pub fn body(&self) -> &RequestBody {
        &self.body
    }

    /// `true` when the body can be sent more than once.
    pub fn is_replayable(&self) -> bool {
        match &self.body {
            RequestBody::Media(source) => source.is_replayable(),
            RequestBody::Multipart(fields) => fields.iter().all(|f| match f {
                MultipartField::Media { source, .. } => source.is_replayable(),
                MultipartField::Text { .. } => true,
            }),
            _ => true,
        }
    }

    /// Builds a fresh `reqwest::Request` (called once per attempt).
    pub async fn build(
        &self,
        client: &reqwest::Client,
        auth: Option<&Auth>,
    ) -> Result<reqwest::Request, HttpError> {
        let mut request = match &self.body {
            RequestBody::Multipart(fields) => self.build_multipart(client, fields).await?,
            body => {
                // Equivalent to `client.request(..).headers(..).header(..).body(..).build()`, with
                // the header map allocated once at its final size (reqwest and hyper add the
                // default headers, `Host` and the credential to it later).
                let mut headers = HeaderMap::with_capacity(self.headers.len() + EXTRA_HEADERS);
                for (name, value) in &self.headers {
                    headers.append(name.clone(), value.clone());
                }
                let body = match body {
                    RequestBody::Empty | RequestBody::Multipart(_) => None,
                    RequestBody::Bytes { data, content_type } => {
                        headers.append(CONTENT_TYPE, content_type.clone());
                        Some(reqwest::Body::from(data.clone()))
                    }
                    RequestBody::Media(source) => {
                        let content_type = mime_header_value(source.mime());
                        // The length is measured when the file is opened for this attempt.
                        let (body, len) = source.body_with_len().await?;
                        let content_type = content_type.ok_or_else(|| {
                            HttpError::InvalidRequest(format!(
                                "the MIME type `{}` is not a valid Content-Type",
                                source.mime()
                            ))
                        })?;
                        headers.append(CONTENT_TYPE, content_type);
                        if let Some(len) = len {
                            headers.append(http::header::CONTENT_LENGTH, HeaderValue::from(len));
                        }
                        Some(body)
                    }
                };
                let mut request = client
                    .request(self.method.clone(), self.url.clone())
                    .build()
                    .map_err(|e| HttpError::InvalidRequest(e.without_url().to_string()))?;
                *request.headers_mut() = headers;
                *request.body_mut() = body;
                if let Some(timeout) = self.timeout {
                    *request.timeout_mut() = Some(timeout);
                }
                request
            }
        };
        if self.authenticated
            && let Some(auth) = auth
        {
            auth.apply(&mut request)?;
        }
        Ok(request)
    }

    async fn build_multipart(
        &self,
        client: &reqwest::Client,
        fields: &[MultipartField],
    ) -> Result<reqwest::Request, HttpError> {
        let mut builder = client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        let mut form = reqwest::multipart::Form::new();
        for field in fields {
            form = match field {
                MultipartField::Text { name, value } => form.text(name.clone(), value.clone()),
                MultipartField::Media { name, source } => {
                    form.part(name.clone(), source.multipart_part().await?)
                }
            };
        }
        builder
            .multipart(form)
            .build()
            .map_err(|e| HttpError::InvalidRequest(e.without_url().to_string()))
    }

    /// The URL as sent on the wire (with a query-parameter credential), for errors: only
    /// [`redact_url`]'s rendering of it ever leaves this module.
    fn shown_url(&self, auth: Option<&Auth>) -> String {
        match auth.filter(|_| self.authenticated) {
            Some(auth) if auth.query_param().is_some() => {
                let mut url = self.url.clone();
                auth.apply_to_url(&mut url);
                redact_url(&url)
            }
            _ => redact_url(&self.url),
        }
    }
}

/// Room in a request's header map for what is added after the spec's headers: `Content-Type`,
/// `Content-Length`, the credential, reqwest's defaults (`User-Agent`, `Accept`,
/// `Accept-Encoding`) and `Host`.
const EXTRA_HEADERS: usize = 8;

/// The `Content-Type` of a media body: common types without parsing or allocating.
fn mime_header_value(mime: &mime::Mime) -> Option<HeaderValue> {
    let text: &str = mime.as_ref();
    Some(match text {
        "image/jpeg" => HeaderValue::from_static("image/jpeg"),
        "image/png" => HeaderValue::from_static("image/png"),
        "image/webp" => HeaderValue::from_static("image/webp"),
        "image/gif" => HeaderValue::from_static("image/gif"),
        "image/bmp" => HeaderValue::from_static("image/bmp"),
        "video/mp4" => HeaderValue::from_static("video/mp4"),
        _ => return HeaderValue::from_str(text).ok(),
    })
}

fn serde_urlencoded_body<T: Serialize + ?Sized>(value: &T) -> Result<String, HttpError> {
    serde_urlencoded::to_string(value)
        .map_err(|e| HttpError::InvalidRequest(format!("form body: {e}")))
}

/// A successful response, body read in full.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The server's request id header (only kept when it is valid text).
    request_id: Option<HeaderValue>,
    attempts: u32,
}

impl HttpResponse {
    /// The status (2xx).
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// A header as text, if present and valid.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// Takes the body.
    pub fn into_body(self) -> Bytes {
        self.body
    }
    /// The server's request id, if sent.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_ref().and_then(|v| v.to_str().ok())
    }
    /// Attempts it took.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Decodes the body as JSON; on failure the error keeps a bounded snippet of the body.
    pub fn json<T: DeserializeOwned>(&self, operation: &'static str) -> Result<T, DecodeError> {
        serde_json::from_slice(&self.body).map_err(|source| DecodeError {
            operation,
            status: self.status,
            request_id: self.request_id().map(str::to_owned),
            body: BodySnippet::new(&self.body),
            source,
        })
    }

    /// Builds a response by hand (for tests of provider decoding).
    pub fn from_parts(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            status,
            headers,
            body,
            request_id: None,
            attempts: 1,
        }
    }
}

/// Runs calls for one SDK client: the shared connection pool, the credential, the retry policy
/// and the provider's retry classification. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct Executor {
    inner: Arc<ExecutorInner>,
}

struct ExecutorInner {
    provider: &'static str,
    http: reqwest::Client,
    auth: Option<Auth>,
    retry: RetryPolicy,
    retry_on: RetryOn,
    request_id_headers: Vec<HeaderName>,
    kept_headers: Vec<HeaderName>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("provider", &self.inner.provider)
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Executor`].
#[derive(Debug)]
pub struct ExecutorBuilder {
    provider: &'static str,
    http: reqwest::Client,
    auth: Option<Auth>,
    retry: RetryPolicy,
    retry_on: RetryOn,
    request_id_headers: Vec<HeaderName>,
    kept_headers: Vec<HeaderName>,
    clock: Arc<dyn Clock>,
}

impl ExecutorBuilder {
    /// The credential and how to send it.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }
    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// The provider's retry classification.
    pub fn retry_on(mut self, retry_on: RetryOn) -> Self {
        self.retry_on = retry_on;
        self
    }
    /// Response headers that carry the server's request id (first present wins).
    pub fn request_id_header(mut self, name: HeaderName) -> Self {
        self.kept_headers.push(name.clone());
        self.request_id_headers.push(name);
        self
    }
    /// An extra response header kept in error details.
    pub fn keep_header(mut self, name: HeaderName) -> Self {
        self.kept_headers.push(name);
        self
    }
    /// The clock for backoff sleeps (tests inject [`crate::clock::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// Finishes.
    pub fn build(self) -> Executor {
        Executor {
            inner: Arc::new(ExecutorInner {
                provider: self.provider,
                http: self.http,
                auth: self.auth,
                retry: self.retry,
                retry_on: self.retry_on,
                request_id_headers: self.request_id_headers,
                kept_headers: self.kept_headers,
                clock: self.clock,
            }),
        }
    }
}

impl Executor {
    /// Starts an executor for `provider` (a short name used in spans, e.g. `"groundlight"`)
    /// over `http` (its connection pool is shared by every call).
    pub fn builder(provider: &'static str, http: reqwest::Client) -> ExecutorBuilder {
        ExecutorBuilder {
            provider,
            http,
            auth: None,
            retry: RetryPolicy::default(),
            retry_on: retry_on_standard,
            request_id_headers: Vec::new(),
            kept_headers: vec![
                CONTENT_TYPE,
                http::header::RETRY_AFTER,
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderName::from_static("x-ratelimit-reset"),
            ],
            clock: default_clock(),
        }
    }

    /// The HTTP client (and its connection pool).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The clock used for sleeps; providers' pollers use it too.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Runs one call with the client's retry policy.
    pub async fn execute(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        spec: RequestSpec,
    ) -> Result<HttpResponse, HttpError> {
        self.execute_with(
            operation,
            idempotency,
            &self.inner.retry,
            self.inner.retry_on,
            spec,
        )
        .await
    }

    /// Runs one call with an explicit policy and classification (e.g. an upload that a provider
    /// retries differently from its API calls).
    pub async fn execute_with(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        policy: &RetryPolicy,
        retry_on: RetryOn,
        spec: RequestSpec,
    ) -> Result<HttpResponse, HttpError> {
        let span = tracing::info_span!(
            "vision_sdk.request",
            provider = self.inner.provider,
            operation,
            http.method = %spec.method,
            url.path = %spec.url.path(),
            http.status_code = field::Empty,
            attempts = field::Empty,
            request_id = field::Empty,
        );
        self.run(idempotency, policy, retry_on, &spec)
            .instrument(span)
            .await
    }

    async fn run(
        &self,
        idempotency: Idempotency,
        policy: &RetryPolicy,
        retry_on: RetryOn,
        spec: &RequestSpec,
    ) -> Result<HttpResponse, HttpError> {
        let inner = &*self.inner;
        let span = tracing::Span::current();
        let started = inner.clock.now();
        // A one-shot body (an async reader) cannot be sent twice.
        let policy = if spec.is_replayable() {
            policy.clone()
        } else {
            policy.clone().max_attempts(1)
        };
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            let request = spec.build(&inner.http, inner.auth.as_ref()).await?;
            // The redacted URL is only for errors: rendered on the error paths below.
            let url_shown = || spec.shown_url(inner.auth.as_ref());
            let sent = inner
                .http
                .execute(request)
                .instrument(tracing::debug_span!("attempt", n = attempt))
                .await;
            let (error, retry_after, may_retry) = match sent {
                Ok(mut response) => {
                    let status = response.status();
                    span.record("http.status_code", status.as_u16());
                    // Taken, not cloned: reading the body does not need them.
                    let headers = std::mem::take(response.headers_mut());
                    let request_id = inner
                        .request_id_headers
                        .iter()
                        .find_map(|h| headers.get(h).filter(|v| v.to_str().is_ok()))
                        .cloned();
                    if let Some(id) = request_id.as_ref().and_then(|v| v.to_str().ok()) {
                        span.record("request_id", id);
                    }
                    match response.bytes().await {
                        Ok(body) if status.is_success() => {
                            return Ok(HttpResponse {
                                status,
                                headers,
                                body,
                                request_id,
                                attempts: attempt,
                            });
                        }
                        Ok(body) => {
                            let retryable = (retry_on)(status, &headers, &body);
                            let retry_after = parse_retry_after(&headers, SystemTime::now());
                            let mut kept = HeaderMap::new();
                            for name in &inner.kept_headers {
                                if let Some(v) = headers.get(name) {
                                    kept.insert(name.clone(), v.clone());
                                }
                            }
                            let details = HttpErrorDetails {
                                status,
                                method: spec.method.clone(),
                                url: url_shown(),
                                request_id: request_id
                                    .as_ref()
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_owned),
                                headers: kept,
                                body: BodySnippet::new(&body),
                                retry_after,
                                retryable,
                                attempts: attempt,
                            };
                            // The server received it: only idempotent calls may go again,
                            // except after 429, which says the request was not acted upon.
                            let may_retry = retryable
                                && (idempotency == Idempotency::Idempotent
                                    || status == StatusCode::TOO_MANY_REQUESTS);
                            (HttpError::Status(Box::new(details)), retry_after, may_retry)
                        }
                        Err(source) => {
                            let error = HttpError::Transport {
                                url: url_shown(),
                                attempts: attempt,
                                source: source.without_url(),
                            };
                            (error, None, idempotency == Idempotency::Idempotent)
                        }
                    }
                }
                Err(source) => {
                    let source = source.without_url();
                    if source.is_connect() {
                        // Never reached the server: safe to retry even a create.
                        let error = HttpError::Connect {
                            url: url_shown(),
                            attempts: attempt,
                            source,
                        };
                        (error, None, true)
                    } else if source.is_timeout() {
                        let error = HttpError::Timeout {
                            url: url_shown(),
                            attempts: attempt,
                            source,
                        };
                        (error, None, idempotency == Idempotency::Idempotent)
                    } else {
                        let error = HttpError::Transport {
                            url: url_shown(),
                            attempts: attempt,
                            source,
                        };
                        (error, None, idempotency == Idempotency::Idempotent)
                    }
                }
            };
            if !may_retry {
                return Err(error);
            }
            let elapsed = inner.clock.now().saturating_duration_since(started);
            match policy.decide(attempt, elapsed, retry_after) {
                RetryDecision::RetryAfter(wait) => {
                    tracing::warn!(
                        attempt,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        status = error.status().map(|s| s.as_u16()),
                        "retrying after a retryable failure"
                    );
                    inner.clock.sleep(wait).await;
                }
                RetryDecision::GiveUp(reason) => {
                    tracing::debug!(?reason, attempt, "giving up");
                    return Err(error);
                }
            }
        }
    }
}
