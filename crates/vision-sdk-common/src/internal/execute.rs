//! Running one API call: rebuild the request for every attempt, authenticate, send, classify,
//! back off, and record one tracing span per call.
//!
//! A call is described by a [`RequestSpec`]: method, URL, headers and a [`RequestBody`] that
//! can be rebuilt (bytes are shared `Bytes`; files are re-opened and streamed; multipart forms are
//! re-assembled). [`Executor::execute`] turns the spec into a fresh `reqwest::Request` on each
//! attempt, so a retried upload sends the whole body again.
//!
//! Every attempt's outcome (a response of any status, or a transport failure) goes to the
//! provider's [`Classify`] implementation, which returns a [`RetryAction`]; timing comes from the
//! [`RetryPolicy`]. A call marked [`Idempotency::NonIdempotent`] is only re-sent when the request
//! provably was not acted upon: a connect error (it never reached the server) or an answer the
//! classifier marks [`RetryReason::not_processed`] (HTTP 429, RFC 6585; Clarifai's throttling
//! codes). After the server may have acted on it (a 5xx, a timeout, a connection broken after the
//! request was written), a non-idempotent call fails with [`HttpError::OutcomeUnknown`].

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};

use crate::auth::{Auth, AuthScheme, InvalidCredential, Redactor, Secret, redact_url};
use crate::clock::{Clock, default_clock};
use crate::error::{BodySnippet, DecodeError, HttpError, HttpErrorDetails};
use crate::internal::classify::{
    Attempt, Classify, RetryAction, RetryReason, StandardClassifier, TransportFailure,
};
use crate::internal::url::{QueryEncoding, push_query};
use crate::media::MediaSource;
use crate::retry::{RetryDecision, RetryPolicy, parse_retry_after};

/// Whether sending a request twice is harmless. Decided per call from the API's semantics and
/// written down in the idempotency table of `docs/architecture.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, replaces, deletes, inference, and creates that carry an idempotency key.
    Idempotent,
    /// Creates without an idempotency key: re-sent only when the request provably was not
    /// acted upon (a connect error, or an answer classified as not processed).
    NonIdempotent,
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
    /// A JSON document (serialised once); a [`AuthScheme::JsonField`] credential is added to it
    /// per attempt.
    Json(Bytes),
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
    auth_schemes: Option<Vec<AuthScheme>>,
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
            auth_schemes: None,
        }
    }

    /// Adds query parameters (appended, in order), form-encoded (a space is `+`).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(
        self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.query_with(QueryEncoding::Form, pairs)
    }

    /// Adds query parameters (appended, in order) with an explicit encoding.
    pub fn query_with<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        encoding: QueryEncoding,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        push_query(&mut self.url, encoding, pairs);
        self
    }

    /// Sends the credential by these schemes on this request instead of the client's (e.g.
    /// Roboflow's legacy transport: a query parameter on registry calls, a JSON member on
    /// inference). Only the executor reads the key.
    pub fn auth_schemes(mut self, schemes: Vec<AuthScheme>) -> Self {
        self.auth_schemes = Some(schemes);
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
        Ok(self.json_bytes(Bytes::from(data)))
    }

    /// Sets a JSON body already serialised.
    pub fn json_bytes(mut self, data: Bytes) -> Self {
        self.body = RequestBody::Json(data);
        self
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

    /// The schemes the credential goes by on this request (none when unauthenticated).
    fn schemes<'a>(&'a self, auth: Option<&'a Auth>) -> Option<(&'a Auth, &'a [AuthScheme])> {
        let auth = auth.filter(|_| self.authenticated)?;
        Some((auth, self.auth_schemes.as_deref().unwrap_or(auth.schemes())))
    }

    /// Builds a fresh `reqwest::Request` (called once per attempt).
    pub async fn build(
        &self,
        client: &reqwest::Client,
        auth: Option<&Auth>,
    ) -> Result<reqwest::Request, HttpError> {
        let schemes = self.schemes(auth);
        let json_field = schemes.and_then(|(_, schemes)| {
            schemes.iter().find_map(|s| match s {
                AuthScheme::JsonField(name) => Some(*name),
                _ => None,
            })
        });
        let mut request = match &self.body {
            RequestBody::Multipart(_) if json_field.is_some() => {
                return Err(HttpError::InvalidRequest(
                    "the credential goes into a JSON body, but this request is multipart".into(),
                ));
            }
            RequestBody::Multipart(fields) => self.build_multipart(client, fields).await?,
            body => {
                // Equivalent to `client.request(..).headers(..).header(..).body(..).build()`, with
                // the header map allocated once at its final size (reqwest and hyper add the
                // default headers, `Host` and the credential to it later).
                let mut headers = HeaderMap::with_capacity(self.headers.len() + EXTRA_HEADERS);
                for (name, value) in &self.headers {
                    headers.append(name.clone(), value.clone());
                }
                let body = match (body, json_field, schemes) {
                    (RequestBody::Empty | RequestBody::Json(_), Some(field), Some((auth, _))) => {
                        let data = match body {
                            RequestBody::Json(data) => Some(data.as_ref()),
                            _ => None,
                        };
                        let with_key = auth
                            .json_body_with_key(field, data)
                            .map_err(|why| HttpError::InvalidRequest(why.to_owned()))?;
                        headers.append(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                        Some(reqwest::Body::from(with_key))
                    }
                    (_, Some(_), _) => {
                        return Err(HttpError::InvalidRequest(
                            "the credential goes into a JSON body, but this request has another body"
                                .into(),
                        ));
                    }
                    (RequestBody::Empty | RequestBody::Multipart(_), ..) => None,
                    (RequestBody::Json(data), ..) => {
                        headers.append(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                        Some(reqwest::Body::from(data.clone()))
                    }
                    (RequestBody::Bytes { data, content_type }, ..) => {
                        headers.append(CONTENT_TYPE, content_type.clone());
                        Some(reqwest::Body::from(data.clone()))
                    }
                    (RequestBody::Media(source), ..) => {
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
        if let Some((auth, schemes)) = schemes {
            auth.apply_schemes(schemes, &mut request)?;
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
        let shown = match self.schemes(auth) {
            Some((auth, schemes)) if schemes.iter().any(|s| matches!(s, AuthScheme::Query(_))) => {
                let mut url = self.url.clone();
                auth.apply_to_url(schemes, &mut url);
                redact_url(&url)
            }
            _ => redact_url(&self.url),
        };
        match auth {
            Some(auth) => auth.redact(&shown).into_owned(),
            None => shown,
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

/// The longest serde message a [`DecodeError`] repeats (serde quotes the value it rejected).
const DECODE_MESSAGE_LIMIT: usize = 512;

/// `value` with every echo of the key replaced, whether or not it is valid UTF-8 (a value with
/// obs-text bytes is redacted on its lossy text).
fn redact_header_value(redactor: &Redactor, value: &HeaderValue) -> HeaderValue {
    let text = String::from_utf8_lossy(value.as_bytes());
    match redactor.redact(&text) {
        Cow::Borrowed(_) => value.clone(),
        Cow::Owned(clean) => {
            HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static("[redacted]"))
        }
    }
}

/// A successful response, body read in full. Its `Debug` shows header values and the start of
/// the body with the key redacted (the body itself, through [`HttpResponse::body`], is as sent).
#[derive(Clone)]
pub struct HttpResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The server's request id header (only kept when it is valid text).
    request_id: Option<HeaderValue>,
    attempts: u32,
    redactor: Redactor,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: HeaderMap = self
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), redact_header_value(&self.redactor, value)))
            .collect();
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &headers)
            .field("body", &BodySnippet::redacted(&self.body, &self.redactor))
            .field("request_id", &self.request_id)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl HttpResponse {
    /// The status (whatever the classifier accepted; 2xx for the standard rule).
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

    /// Decodes the body as JSON; on failure the error keeps a bounded, redacted snippet of the
    /// body and serde's message.
    pub fn json<T: DeserializeOwned>(&self, operation: &'static str) -> Result<T, DecodeError> {
        serde_json::from_slice(&self.body).map_err(|source| self.decode_error(operation, source))
    }

    /// A [`DecodeError`] for this response (for providers' own checks after decoding, e.g. a
    /// value out of its documented range).
    pub fn decode_error(&self, operation: &'static str, source: serde_json::Error) -> DecodeError {
        // serde quotes what it found ("invalid type: string \"<key>\", expected u64"), however
        // long: a message holding the key, or longer than `DECODE_MESSAGE_LIMIT`, is replaced by
        // its redacted, shortened text (position included).
        let text = source.to_string();
        let source = match self.redactor.redact(&text) {
            Cow::Borrowed(_) if text.len() <= DECODE_MESSAGE_LIMIT => source,
            clean => {
                let mut end = clean.len().min(DECODE_MESSAGE_LIMIT);
                while !clean.is_char_boundary(end) {
                    end -= 1;
                }
                let shown = if end < clean.len() {
                    format!("{}…", &clean[..end])
                } else {
                    clean.into_owned()
                };
                <serde_json::Error as serde::de::Error>::custom(shown)
            }
        };
        DecodeError {
            operation,
            status: self.status,
            request_id: self.request_id().map(str::to_owned),
            body: BodySnippet::redacted(&self.body, &self.redactor),
            source,
        }
    }

    /// A [`DecodeError`] with a message of the provider's (e.g. "the detector has no id").
    pub fn invalid(&self, operation: &'static str, message: impl fmt::Display) -> DecodeError {
        self.decode_error(
            operation,
            <serde_json::Error as serde::de::Error>::custom(message),
        )
    }

    /// Builds a response by hand (for tests of provider decoding).
    pub fn from_parts(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            status,
            headers,
            body,
            request_id: None,
            attempts: 1,
            redactor: Redactor::default(),
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
    /// The credential, replaceable while the client runs ([`Executor::replace_secret`], for
    /// token rotation). Every attempt reads it once and uses that snapshot throughout.
    auth: RwLock<Option<Arc<Auth>>>,
    retry: RetryPolicy,
    classifier: Arc<dyn Classify>,
    request_id_headers: Vec<HeaderName>,
    kept_headers: Vec<HeaderName>,
    clock: Arc<dyn Clock>,
    /// Headers added to every request (the SDK's User-Agent on a caller-supplied client).
    extra_headers: HeaderMap,
    /// The timeout of a request whose spec sets none.
    default_timeout: Option<Duration>,
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("provider", &self.inner.provider)
            .field("auth", &self.auth())
            .field("retry", &self.inner.retry)
            .field("classifier", &self.inner.classifier)
            .field("default_timeout", &self.inner.default_timeout)
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
    classifier: Arc<dyn Classify>,
    request_id_headers: Vec<HeaderName>,
    kept_headers: Vec<HeaderName>,
    clock: Arc<dyn Clock>,
    extra_headers: HeaderMap,
    default_timeout: Option<Duration>,
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
    /// The provider's retry classification (default: [`StandardClassifier::new`]).
    pub fn classifier(mut self, classifier: Arc<dyn Classify>) -> Self {
        self.classifier = classifier;
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
    /// A header sent on every request (unless the spec sets it).
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.extra_headers.insert(name, value);
        self
    }
    /// The timeout of every request whose spec sets none.
    pub fn default_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.default_timeout = timeout;
        self
    }
    /// Finishes.
    pub fn build(self) -> Executor {
        Executor {
            inner: Arc::new(ExecutorInner {
                provider: self.provider,
                http: self.http,
                auth: RwLock::new(self.auth.map(Arc::new)),
                retry: self.retry,
                classifier: self.classifier,
                request_id_headers: self.request_id_headers,
                kept_headers: self.kept_headers,
                clock: self.clock,
                extra_headers: self.extra_headers,
                default_timeout: self.default_timeout,
            }),
        }
    }
}

/// The redactor of a credential (none: nothing to redact).
fn redactor_of(auth: Option<&Auth>) -> Redactor {
    auth.map(Auth::redactor).unwrap_or_default()
}

/// Per-schedule retry bookkeeping: attempts made and when the first one started.
struct ScheduleState {
    retries: u32,
    started: std::time::Instant,
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
            classifier: Arc::new(StandardClassifier::new()),
            request_id_headers: Vec::new(),
            kept_headers: vec![
                CONTENT_TYPE,
                http::header::RETRY_AFTER,
                http::header::LOCATION,
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderName::from_static("x-ratelimit-reset"),
            ],
            clock: default_clock(),
            extra_headers: HeaderMap::new(),
            default_timeout: None,
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

    /// The timeout of requests whose spec sets none.
    pub fn default_timeout(&self) -> Option<Duration> {
        self.inner.default_timeout
    }

    /// Redacts this client's credential from text (for provider-built error messages).
    pub fn redactor(&self) -> Redactor {
        redactor_of(self.auth().as_deref())
    }

    /// The credential in use now (a snapshot: a later [`Executor::replace_secret`] does not
    /// change it).
    pub fn auth(&self) -> Option<Arc<Auth>> {
        self.inner
            .auth
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the credential of this executor and of every clone of it, keeping its schemes
    /// (token rotation). Requests already sent keep the old one; every later attempt, retries
    /// of calls under way included, sends the new one.
    ///
    /// # Errors
    ///
    /// [`InvalidCredential`] (nothing replaced) when the executor has no credential, or the
    /// new one is blank or cannot be sent by its schemes.
    pub fn replace_secret(&self, secret: Secret) -> Result<(), InvalidCredential> {
        let mut slot = self
            .inner
            .auth
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let schemes = slot.as_ref().ok_or(InvalidCredential)?.schemes().to_vec();
        let auth = Auth::with_schemes(schemes, secret);
        auth.validate()?;
        *slot = Some(Arc::new(auth));
        Ok(())
    }

    /// Runs one call with the client's retry policy and classifier.
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
            &*self.inner.classifier,
            spec,
        )
        .await
    }

    /// Runs one call with an explicit policy and classifier (e.g. an upload that a provider
    /// retries differently from its API calls, or a per-call policy override).
    pub async fn execute_with(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        policy: &RetryPolicy,
        classifier: &dyn Classify,
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
        self.run(idempotency, policy, classifier, &spec)
            .instrument(span)
            .await
    }

    async fn attempt_request(
        &self,
        spec: &RequestSpec,
        auth: Option<&Auth>,
    ) -> Result<reqwest::Request, HttpError> {
        let inner = &*self.inner;
        let mut request = spec.build(&inner.http, auth).await?;
        for (name, value) in &inner.extra_headers {
            if !request.headers().contains_key(name) {
                request.headers_mut().insert(name.clone(), value.clone());
            }
        }
        if spec.timeout.is_none() && request.timeout().is_none() {
            *request.timeout_mut() = inner.default_timeout;
        }
        Ok(request)
    }

    async fn run(
        &self,
        idempotency: Idempotency,
        policy: &RetryPolicy,
        classifier: &dyn Classify,
        spec: &RequestSpec,
    ) -> Result<HttpResponse, HttpError> {
        let inner = &*self.inner;
        let span = tracing::Span::current();
        // A one-shot body (an async reader) cannot be sent twice.
        let policy = if spec.is_replayable() {
            policy.clone()
        } else {
            policy.clone().max_attempts(1)
        };
        let mut main = ScheduleState {
            retries: 0,
            started: inner.clock.now(),
        };
        let mut own: Option<ScheduleState> = None;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            // One credential per attempt: a rotation between attempts takes effect at once.
            let auth = self.auth();
            let redactor = redactor_of(auth.as_deref());
            let request = self.attempt_request(spec, auth.as_deref()).await?;
            // The redacted URL is only for errors: rendered on the error paths below.
            let url_shown = || spec.shown_url(auth.as_deref());
            let sent = inner
                .http
                .execute(request)
                .instrument(tracing::debug_span!("attempt", n = attempt))
                .await;
            let (error, reason) = match sent {
                Ok(mut response) => {
                    let status = response.status();
                    span.record("http.status_code", status.as_u16());
                    // Taken, not cloned: reading the body does not need them.
                    let headers = std::mem::take(response.headers_mut());
                    // Redacted once, here: a server that echoes the key as its request id
                    // must not put it in the span, the response or any error.
                    let request_id = inner
                        .request_id_headers
                        .iter()
                        .find_map(|h| headers.get(h).filter(|v| v.to_str().is_ok()))
                        .map(|v| redact_header_value(&redactor, v));
                    if let Some(id) = request_id.as_ref().and_then(|v| v.to_str().ok()) {
                        span.record("request_id", id);
                    }
                    match response.bytes().await {
                        Ok(body) => {
                            let action = classifier.classify(&Attempt::Response {
                                status,
                                headers: &headers,
                                body: &body,
                            });
                            if action == RetryAction::Accept {
                                return Ok(HttpResponse {
                                    status,
                                    headers,
                                    body,
                                    request_id,
                                    attempts: attempt,
                                    redactor: redactor.clone(),
                                });
                            }
                            let reason = match action {
                                RetryAction::Retry(reason) => Some(reason),
                                _ => None,
                            };
                            let details = self.details(
                                &redactor,
                                spec,
                                url_shown(),
                                status,
                                &headers,
                                &body,
                                request_id.as_ref(),
                                reason.is_some(),
                                attempt,
                            );
                            // The server received it: only idempotent calls may go again,
                            // unless the server said it did not act on it.
                            let reason = reason.filter(|r| {
                                idempotency == Idempotency::Idempotent || r.not_processed
                            });
                            (HttpError::Status(Box::new(details)), reason)
                        }
                        Err(source) => {
                            let failure = if source.is_timeout() {
                                TransportFailure::Timeout
                            } else {
                                TransportFailure::Truncated
                            };
                            self.failure(
                                classifier,
                                idempotency,
                                failure,
                                url_shown(),
                                attempt,
                                source,
                            )
                        }
                    }
                }
                Err(source) => {
                    let failure = if source.is_connect() {
                        TransportFailure::Connect
                    } else if source.is_timeout() {
                        TransportFailure::Timeout
                    } else {
                        TransportFailure::Interrupted
                    };
                    self.failure(
                        classifier,
                        idempotency,
                        failure,
                        url_shown(),
                        attempt,
                        source,
                    )
                }
            };
            let Some(reason) = reason else {
                return Err(error);
            };
            // Count the retry against its schedule: the call's policy, or the reason's own.
            let (schedule_policy, state) = match &reason.schedule {
                Some(own_policy) => {
                    let state = own.get_or_insert_with(|| ScheduleState {
                        retries: 0,
                        started: inner.clock.now(),
                    });
                    (&**own_policy, state)
                }
                None => (&policy, &mut main),
            };
            state.retries += 1;
            let elapsed = inner.clock.now().saturating_duration_since(state.started);
            match schedule_policy.decide(state.retries, elapsed, reason.delay) {
                RetryDecision::RetryAfter(wait) => {
                    tracing::warn!(
                        attempt,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        status = error.status().map(|s| s.as_u16()),
                        "retrying after a retryable failure"
                    );
                    inner.clock.sleep(wait).await;
                }
                RetryDecision::GiveUp(why) => {
                    tracing::debug!(?why, attempt, "giving up");
                    return Err(error);
                }
            }
        }
    }

    /// The error of a transport failure, and whether the classifier and the idempotency gate
    /// allow another attempt.
    fn failure(
        &self,
        classifier: &dyn Classify,
        idempotency: Idempotency,
        failure: TransportFailure,
        url: String,
        attempts: u32,
        source: reqwest::Error,
    ) -> (HttpError, Option<RetryReason>) {
        let source = source.without_url();
        let reason = match classifier.classify(&Attempt::Failed(failure)) {
            RetryAction::Retry(reason) => Some(reason),
            _ => None,
        };
        let error = match failure {
            TransportFailure::Connect => HttpError::Connect {
                url,
                attempts,
                source,
            },
            // The request may have reached the server: a create must not be re-sent, and its
            // caller must find out whether it happened.
            _ if idempotency == Idempotency::NonIdempotent => HttpError::OutcomeUnknown {
                url,
                attempts,
                failure,
                source,
            },
            TransportFailure::Timeout => HttpError::Timeout {
                url,
                attempts,
                source,
            },
            TransportFailure::Truncated => HttpError::Truncated {
                url,
                attempts,
                source,
            },
            _ => HttpError::Transport {
                url,
                attempts,
                source,
            },
        };
        let reason = reason.filter(|r| {
            failure.never_sent() || idempotency == Idempotency::Idempotent || r.not_processed
        });
        (error, reason)
    }

    #[allow(clippy::too_many_arguments)]
    fn details(
        &self,
        redactor: &Redactor,
        spec: &RequestSpec,
        url: String,
        status: StatusCode,
        headers: &HeaderMap,
        body: &Bytes,
        request_id: Option<&HeaderValue>,
        retryable: bool,
        attempts: u32,
    ) -> HttpErrorDetails {
        let mut kept = HeaderMap::new();
        for name in &self.inner.kept_headers {
            if let Some(v) = headers.get(name) {
                kept.insert(name.clone(), redact_header_value(redactor, v));
            }
        }
        HttpErrorDetails {
            status,
            method: spec.method.clone(),
            url,
            request_id: request_id
                .and_then(|v| v.to_str().ok())
                .map(|id| redactor.redact(id).into_owned()),
            headers: kept,
            body: BodySnippet::redacted(body, redactor),
            retry_after: parse_retry_after(headers, SystemTime::now()),
            retryable,
            attempts,
        }
    }
}
