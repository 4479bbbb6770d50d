//! The crate's error type.
//!
//! The official `inference_sdk` exceptions map to variants as follows:
//!
//! | `inference_sdk.http.errors` | [`Error`] |
//! |---|---|
//! | `HTTPCallErrorError(description, status_code, api_message)` | [`Error::Http`] with [`HttpError::Status`]; [`Error::status`], [`Error::api_message`] |
//! | `HTTPServerConnectionError` | [`Error::Http`] with `HttpError::Connect` / `Timeout` / `Transport` |
//! | `InvalidInputFormatError`, `InvalidParameterError` | [`Error::InvalidInput`] |
//! | `EncodingError` | [`Error::Media`] (an image that cannot be read or re-encoded) |
//! | `InvalidModelIdentifier` | [`Error::InvalidModelIdentifier`] |
//! | `ModelTaskTypeNotSupportedError` | [`Error::ModelTaskTypeNotSupported`] |
//! | `ModelNotInitializedError` | [`Error::ModelNotInitialized`] |
//! | `ModelNotSelectedError` | not needed: every call takes its model id |
//! | `APIKeyNotProvided` | [`Error::Credential`] (`CredentialError::Missing`), at `build()` for v0 |
//! | `WrongClientModeError` | [`Error::WrongClientMode`] |
//! | `FeatureDeprecatedError` | [`Error::FeatureDeprecated`] |
//! | `InvalidURLImageInput`, `URLAddressNotAllowedError` | [`Error::UrlInputNotAllowed`] |
//! | (none: a bare 404/405 of a route the deployment lacks) | [`Error::NotAvailable`] |

use std::time::Duration;

use serde_json::Value;
use vision_sdk_common::error::{DecodeError, HttpError};
use vision_sdk_common::http::StatusCode;
use vision_sdk_common::media::MediaError;
use vision_sdk_common::options::CredentialError;

use crate::ApiMode;

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong talking to a Roboflow inference server.
///
/// Prefer the accessors ([`status`](Self::status), [`api_message`](Self::api_message),
/// [`is_retryable`](Self::is_retryable), [`retry_after`](Self::retry_after),
/// [`request_id`](Self::request_id)) to deep matching; the enum may grow.
///
/// ```
/// use roboflow_infer::Error;
///
/// fn explain(err: &Error) -> String {
///     match err {
///         Error::NotAvailable { route, .. } => format!("this server has no {route}"),
///         other if other.status().is_some() => {
///             format!("{}: {}", other.status().unwrap(), other.api_message().unwrap_or_default())
///         }
///         other => other.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API key is missing, blank or cannot be sent (at `build()`).
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// A client option is unusable (the base URL, a feature that is not compiled in, …).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A call's input is unusable; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An image could not be read, fetched or encoded; nothing was sent for it.
    #[error(transparent)]
    Media(#[from] MediaError),
    /// The server answered with an error status, or the network failed. The server's
    /// `message` / `detail` is [`Error::api_message`].
    #[error("{}", display_http(.0))]
    Http(#[from] HttpError),
    /// The server's answer could not be decoded (or lacks what identifies it).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The server has no such route (a hosted deployment lacks the self-hosted routes, or the
    /// route is disabled by a server flag such as `ENABLE_STREAM_API`): FastAPI's bare
    /// `404 {"detail": "Not Found"}` or `405`.
    #[error(
        "`{operation}` is not available on this server ({route} answered {status}): hosted deployments lack the self-hosted routes, and server flags disable others"
    )]
    NotAvailable {
        /// The SDK method.
        operation: &'static str,
        /// The route, as `METHOD /path` (no query).
        route: String,
        /// 404 or 405.
        status: StatusCode,
        /// The underlying answer.
        #[source]
        source: HttpError,
    },
    /// A v0 model id must be `project/version` after alias resolution
    /// (`InvalidModelIdentifier`).
    #[error("invalid model id `{0}`: v0 routes need `<project>/<version>`")]
    InvalidModelIdentifier(String),
    /// The model's task has no inference route (`ModelTaskTypeNotSupportedError`).
    #[error("model `{model_id}` is a `{task_type}` model, which has no v1 inference route")]
    ModelTaskTypeNotSupported {
        /// The model.
        model_id: String,
        /// Its task type.
        task_type: String,
    },
    /// The model is not in the server's registry, even after asking the server to load it
    /// (`ModelNotInitializedError`).
    #[error("model `{model_id}` is not loaded on the server")]
    ModelNotInitialized {
        /// The model.
        model_id: String,
    },
    /// The call exists only on the other API style (`WrongClientModeError`), e.g. the model
    /// registry on the hosted (v0) API.
    #[error("`{operation}` needs the {needed} API, but this client uses {mode}")]
    WrongClientMode {
        /// The SDK method.
        operation: &'static str,
        /// The mode it needs.
        needed: ApiMode,
        /// The client's mode.
        mode: ApiMode,
    },
    /// A removed feature (`FeatureDeprecatedError`); no request is made.
    #[error("{0}")]
    FeatureDeprecated(String),
    /// An image URL that the URL-input rules refuse (`InvalidURLImageInput`,
    /// `URLAddressNotAllowedError`); nothing was fetched from it.
    #[error("image URL not allowed: {0}")]
    UrlInputNotAllowed(String),
}

fn display_http(error: &HttpError) -> String {
    match api_message_of(error) {
        Some(message) if !message.is_empty() => {
            format!("{error} (server message: {message})")
        }
        _ => error.to_string(),
    }
}

/// The server's `message` or `detail` of an error answer, as the official client's
/// `api_message`: JSON `message` (+ `". More details: "` + `inner_error_message`), else
/// `detail` (a FastAPI 422 list is rendered `loc: msg; …`), else the body text.
fn api_message_of(error: &HttpError) -> Option<String> {
    let details = error.details()?;
    let body = details.body();
    if body.is_empty() {
        return None;
    }
    let Some(json) = body.json() else {
        return Some(body.text().trim().to_owned());
    };
    if let Some(message) = json.get("message").and_then(Value::as_str) {
        let mut out = message.to_owned();
        if let Some(inner) = json.get("inner_error_message").and_then(Value::as_str) {
            out.push_str(". More details: ");
            out.push_str(inner);
        }
        return Some(out);
    }
    match json.get("detail") {
        Some(Value::String(detail)) => Some(detail.clone()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| {
                    let loc = item
                        .get("loc")
                        .and_then(Value::as_array)
                        .map(|parts| {
                            parts
                                .iter()
                                .map(|p| match p {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .unwrap_or_default();
                    let msg = item.get("msg").and_then(Value::as_str).unwrap_or("invalid");
                    if loc.is_empty() {
                        msg.to_owned()
                    } else {
                        format!("{loc}: {msg}")
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Some(other) => Some(other.to_string()),
        None => Some(body.text().trim().to_owned()),
    }
}

impl Error {
    /// The underlying HTTP error, when the failure was on the wire.
    pub fn http_error(&self) -> Option<&HttpError> {
        match self {
            Self::Http(source) | Self::NotAvailable { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The HTTP status the server answered with.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Decode(decode) => Some(decode.status),
            other => other.http_error().and_then(HttpError::status),
        }
    }

    /// The server's error message (`message`, `detail` or the body text), as the official
    /// client's `api_message`. The key is never in it (the executor redacts echoes).
    ///
    /// ```
    /// # use roboflow_infer::Error;
    /// # fn show(err: Error) {
    /// if let Some(message) = err.api_message() {
    ///     eprintln!("the server said: {message}");
    /// }
    /// # }
    /// ```
    pub fn api_message(&self) -> Option<String> {
        self.http_error().and_then(api_message_of)
    }

    /// Whether the same call, made again unchanged, may succeed (a status the crate retries,
    /// a connect error, a timeout, a broken connection). `false` for local failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Http(source) => source.is_retryable(),
            _ => false,
        }
    }

    /// How long the server asked to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.http_error().and_then(HttpError::retry_after)
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Decode(decode) => decode.request_id.as_deref(),
            other => other.http_error().and_then(HttpError::request_id),
        }
    }
}

/// Operations whose route has no resource in it, so that any 404 means the route is missing.
/// (Some of them have two path segments, which a server without the route sends to the legacy
/// `/{dataset_id}/{version_id}` handler: it answers "resource not found", not FastAPI's bare 404.)
const ROUTE_ONLY: &[&str] = &[
    "list_inference_pipelines",
    "start_inference_pipeline_with_workflow",
    "device_stats",
    "metrics",
    "logs",
    "healthz",
    "readiness",
    "describe_blocks",
    "execution_engine_versions",
    "workflow_definition_schema",
    "workflow_block_dynamic_outputs",
    "validate_workflow",
    "clear_cache_legacy",
];

/// Maps an executor error of `operation` to the crate's error: FastAPI's bare "no such route"
/// answers (and any 404 of a call whose route names no resource) become
/// [`Error::NotAvailable`].
pub(crate) fn from_http(operation: &'static str, error: HttpError) -> Error {
    if let Some(details) = error.details() {
        let status = details.status();
        let bare_route_miss = match status {
            StatusCode::METHOD_NOT_ALLOWED => true,
            StatusCode::NOT_FOUND if ROUTE_ONLY.contains(&operation) => true,
            StatusCode::NOT_FOUND => details
                .body()
                .json()
                .is_some_and(|json| json == serde_json::json!({"detail": "Not Found"})),
            _ => false,
        };
        if bare_route_miss {
            let path = reqwest_path(details.url());
            return Error::NotAvailable {
                operation,
                route: format!("{} {path}", details.method()),
                status,
                source: error,
            };
        }
    }
    Error::Http(error)
}

/// The path of a (redacted) URL, without its query.
fn reqwest_path(url: &str) -> String {
    match vision_sdk_common::reqwest::Url::parse(url) {
        Ok(parsed) => parsed.path().to_owned(),
        Err(_) => url.split('?').next().unwrap_or(url).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision_sdk_common::HttpErrorDetails;
    use vision_sdk_common::bytes::Bytes;
    use vision_sdk_common::http::Method;

    fn status(code: u16, body: &str) -> HttpError {
        HttpError::Status(Box::new(
            HttpErrorDetails::new(
                StatusCode::from_u16(code).unwrap(),
                Method::POST,
                "http://h/infer/object_detection?api_key=[redacted]",
            )
            .with_body(&Bytes::from(body.to_owned())),
        ))
    }

    #[test]
    fn api_messages_as_upstream() {
        let err = Error::Http(status(
            500,
            r#"{"message": "boom", "inner_error_message": "deep"}"#,
        ));
        assert_eq!(
            err.api_message().as_deref(),
            Some("boom. More details: deep")
        );
        assert!(
            err.to_string().contains("boom. More details: deep"),
            "{err}"
        );
        let err = Error::Http(status(
            422,
            r#"{"detail": [{"loc": ["body", "model_id"], "msg": "field required", "type": "missing"}]}"#,
        ));
        assert_eq!(
            err.api_message().as_deref(),
            Some("body.model_id: field required")
        );
        let err = Error::Http(status(400, "plain text error"));
        assert_eq!(err.api_message().as_deref(), Some("plain text error"));
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn bare_route_misses_are_not_available() {
        let err = from_http("load_model", status(404, r#"{"detail": "Not Found"}"#));
        match &err {
            Error::NotAvailable { route, status, .. } => {
                assert_eq!(route, "POST /infer/object_detection");
                assert_eq!(*status, StatusCode::NOT_FOUND);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("not available on this server"));
        // A model that does not exist is a 404 with a message: an ordinary error.
        let err = from_http("infer", status(404, r#"{"message": "Model not found"}"#));
        assert!(matches!(err, Error::Http(_)));
        let err = from_http("infer", status(405, r#"{"detail": "Method Not Allowed"}"#));
        assert!(matches!(err, Error::NotAvailable { .. }));
    }
}
