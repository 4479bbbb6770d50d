//! The escape hatch: requests to endpoints this crate does not cover, with the client's token,
//! headers, timeout, retries and redaction (the official SDK's `make_generic_api_request` and
//! `get_raw_headers`).

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use vision_sdk_common::MediaSource;
use vision_sdk_common::internal::{Idempotency, MultipartField};

use crate::call::call_builder;
use crate::client::{API_TOKEN_HEADER, Groundlight, request_id};
use crate::error::{Error, Result};

impl Groundlight {
    /// The headers an API call carries, as the official SDK's `get_raw_headers()`:
    /// `x-api-token`, a fresh `X-Request-Id`, `User-Agent` and `Accept: application/json`.
    ///
    /// The token's value is marked sensitive: `Debug` of the map prints `Sensitive` for it.
    ///
    /// ```
    /// let gl = groundlight::Groundlight::new("api_2abc")?;
    /// let headers = gl.get_raw_headers();
    /// assert_eq!(headers["x-api-token"], "api_2abc");
    /// assert!(!format!("{headers:?}").contains("api_2abc"));
    /// # Ok::<(), groundlight::Error>(())
    /// ```
    pub fn get_raw_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(token) = &self.current_token()
            && let Ok(mut value) = HeaderValue::from_str(token.expose_secret())
        {
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static(API_TOKEN_HEADER), value);
        }
        headers.insert(HeaderName::from_static("x-request-id"), request_id());
        if let Ok(value) = HeaderValue::from_str(&self.inner.user_agent) {
            headers.insert(USER_AGENT, value);
        }
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers
    }

    /// A request to any API path, as the official SDK's `make_generic_api_request`:
    /// `endpoint` is the path after the client's endpoint, starting with `/` (a query may
    /// follow). The client's token and headers are sent (headers given with
    /// [`GenericApiRequest::header`] are added to them or replace them; the token is always
    /// the client's), with the client's timeout.
    ///
    /// Retries follow the method: `GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS` and `TRACE` are
    /// retried like every idempotent call; `POST`, `PATCH` and other methods only when the
    /// request provably was not acted on (override with [`GenericApiRequest::idempotent`]).
    ///
    /// ```no_run
    /// use http::Method;
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let me = gl.make_generic_api_request(Method::GET, "/v1/me").await?;
    /// println!("{} {}", me.status(), me.json::<serde_json::Value>()?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a path that does not start with `/`, has a fragment or would
    /// leave the endpoint's host; [`Error::Http`] for a non-success answer (as the official
    /// SDK's `ApiException`).
    pub fn make_generic_api_request(
        &self,
        method: Method,
        endpoint: impl Into<String>,
    ) -> GenericApiRequest {
        GenericApiRequest {
            client: self.clone(),
            method,
            endpoint: endpoint.into(),
            headers: HeaderMap::new(),
            body: None,
            idempotent: None,
        }
    }
}

/// Whether a request with this method may be sent twice (RFC 9110 §9.2.2).
fn method_is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

#[derive(Debug, Clone)]
enum GenericBody {
    Json(serde_json::Value),
    Bytes(Bytes, HeaderValue),
    Multipart(Vec<MultipartField>),
}

/// The builder of [`Groundlight::make_generic_api_request`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct GenericApiRequest {
    client: Groundlight,
    method: Method,
    endpoint: String,
    headers: HeaderMap,
    body: Option<GenericBody>,
    idempotent: Option<bool>,
}

impl GenericApiRequest {
    /// Adds a header, replacing the SDK's header of that name (`x-api-token` excepted: the
    /// client's token is always sent).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sends `body` as JSON (the official SDK's `body=`).
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(GenericBody::Json(body));
        self
    }

    /// Sends `body` as it is, with this `Content-Type`.
    pub fn bytes(mut self, body: impl Into<Bytes>, content_type: HeaderValue) -> Self {
        self.body = Some(GenericBody::Bytes(body.into(), content_type));
        self
    }

    /// Adds a file part to a `multipart/form-data` body: the official SDK's
    /// `files={name: (file_name, data, content_type)}`. Parts keep the order they were added
    /// in; a [`json`](Self::json) or [`bytes`](Self::bytes) body is replaced.
    ///
    /// ```no_run
    /// use http::Method;
    /// # async fn run(gl: groundlight::Groundlight, jpeg: Vec<u8>) -> groundlight::Result<()> {
    /// gl.make_generic_api_request(Method::POST, "/v1/notes?detector_id=det_abc")
    ///     .form_field("content", "a note")
    ///     .file("image", "image.jpg", jpeg, mime::IMAGE_JPEG)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn file(
        self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        data: impl Into<Bytes>,
        content_type: mime::Mime,
    ) -> Self {
        let source =
            MediaSource::from_bytes_with_mime(data, content_type).with_file_name(file_name);
        self.part(MultipartField::Media {
            name: name.into(),
            source,
        })
    }

    /// Adds a text field to a `multipart/form-data` body (see [`file`](Self::file)).
    pub fn form_field(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.part(MultipartField::Text {
            name: name.into(),
            value: value.into(),
        })
    }

    fn part(mut self, field: MultipartField) -> Self {
        match &mut self.body {
            Some(GenericBody::Multipart(fields)) => fields.push(field),
            _ => self.body = Some(GenericBody::Multipart(vec![field])),
        }
        self
    }

    /// Whether the request may be re-sent after the server may have acted on it (default:
    /// by the method, see [`Groundlight::make_generic_api_request`]).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<RawResponse> {
        let url = self.url()?;
        let idempotent = self
            .idempotent
            .unwrap_or_else(|| method_is_idempotent(&self.method));
        let mut spec = self.client.request(self.method, url);
        let token_header = HeaderName::from_static(API_TOKEN_HEADER);
        for (name, value) in &self.headers {
            if *name != token_header {
                spec = spec.header(name.clone(), value.clone());
            }
        }
        spec = match self.body {
            None => spec,
            Some(GenericBody::Json(value)) => spec.json(&value).map_err(Error::from_http)?,
            Some(GenericBody::Bytes(data, content_type)) => spec.bytes(data, content_type),
            Some(GenericBody::Multipart(fields)) => spec.multipart(fields),
        };
        let idempotency = if idempotent {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        let response = self
            .client
            .execute("make_generic_api_request", idempotency, spec)
            .await?;
        Ok(RawResponse {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.into_body(),
        })
    }

    /// `{endpoint}{path}`, refused when it is not a path of the endpoint's origin.
    fn url(&self) -> Result<reqwest::Url> {
        let path = self.endpoint.as_str();
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(Error::invalid(format!(
                "the endpoint path must start with a single '/': '{path}'"
            )));
        }
        if path.contains('#') {
            return Err(Error::invalid("the endpoint path must not have a fragment"));
        }
        let base = self.client.base_url();
        let text = format!("{}{path}", base.as_str().trim_end_matches('/'));
        let url = reqwest::Url::parse(&text)
            .map_err(|e| Error::invalid(format!("the endpoint path is not a URL path: {e}")))?;
        if url.origin() != base.origin() {
            return Err(Error::invalid(
                "the endpoint path would leave the client's endpoint",
            ));
        }
        Ok(url)
    }
}

call_builder!(GenericApiRequest, client => RawResponse);

/// A response of [`Groundlight::make_generic_api_request`]: status, headers and body as sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The HTTP status (always a success: failures are [`Error::Http`]).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, read in full.
    pub body: Bytes,
}

impl RawResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// The body decoded as JSON (an empty body is `null` for `serde_json::Value`).
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedResponse`] when the body is not JSON of that shape.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let body: &[u8] = if self.body.is_empty() {
            b"null"
        } else {
            &self.body
        };
        serde_json::from_slice(body).map_err(|e| {
            Error::UnexpectedResponse(format!(
                "make_generic_api_request: the body is not the expected JSON: {e}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_follows_the_method() {
        for m in [Method::GET, Method::HEAD, Method::PUT, Method::DELETE] {
            assert!(method_is_idempotent(&m), "{m}");
        }
        for m in [Method::POST, Method::PATCH, Method::CONNECT] {
            assert!(!method_is_idempotent(&m), "{m}");
        }
    }

    #[test]
    fn paths_must_stay_on_the_endpoint() {
        let gl = Groundlight::builder()
            .api_token("api_x")
            .endpoint("https://api.example.com/device-api")
            .env_lookup(|_| None)
            .build()
            .unwrap();
        let url = |p: &str| gl.make_generic_api_request(Method::GET, p).url();
        assert_eq!(
            url("/v1/me").unwrap().as_str(),
            "https://api.example.com/device-api/v1/me"
        );
        assert_eq!(
            url("/v1/detectors?page=2").unwrap().as_str(),
            "https://api.example.com/device-api/v1/detectors?page=2"
        );
        for bad in [
            "v1/me",
            "//evil.example/x",
            "/v1/me#frag",
            "",
            "@evil.example/",
        ] {
            assert!(
                matches!(url(bad), Err(Error::InvalidInput(_))),
                "{bad} was accepted"
            );
        }
    }
}
