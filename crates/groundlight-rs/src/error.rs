//! The crate's error type.
//!
//! Every fallible call returns [`Result<T>`](crate::Result), whose error is one
//! `#[non_exhaustive]` [`Error`] enum. Input problems ([`Error::InvalidInput`],
//! [`Error::ApiToken`], [`Error::Config`]) are found locally, before any request is sent. API and
//! transport failures keep the server's status, request id and a bounded body snippet in
//! [`Error::Http`]. No variant ever contains the API token.

use std::time::Duration;

use http::StatusCode;
use vision_sdk_common::{DecodeError, HttpError, MediaError};

use crate::models::ImageQuery;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a Groundlight call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success status (after retries, if the status was
    /// retryable), or the request could not be sent or its answer not read.
    #[error("Groundlight API error: {0}")]
    Http(#[from] HttpError),

    /// The thing asked for does not exist: a detector, an image query, a priming group, or a
    /// detector name that matches nothing. `source` is the 404/410 answer, when there was one.
    #[error("{kind} '{id}' not found")]
    NotFound {
        /// What was looked up (`"detector"`, `"detector named"`, `"priming group"` …).
        kind: &'static str,
        /// The id or name looked up.
        id: String,
        /// The server's answer, when the absence was reported by a status code.
        #[source]
        source: Option<Box<HttpError>>,
    },

    /// No API token was configured, or it is blank (or cannot be sent in a header).
    #[error("API token problem: {0}")]
    ApiToken(String),

    /// An argument was rejected locally; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The client configuration is invalid (endpoint, environment variables, TLS setup).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A success response could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),

    /// The image could not be read, recognised or encoded.
    #[error("image error: {0}")]
    Media(#[from] MediaError),

    /// An explicit wait (`error_on_timeout()`) ended without a confident (or answered) result.
    /// The last image query seen is kept.
    #[error("image query {} had no {wanted} result after {waited:?}", image_query.id)]
    Timeout {
        /// The image query as it was at the deadline.
        image_query: Box<ImageQuery>,
        /// What the wait was for (`"confident"`, `"ML"`).
        wanted: &'static str,
        /// How long was waited.
        waited: Duration,
    },

    /// `get_or_create_detector` found a detector with that name whose configuration differs from
    /// the one asked for. The existing detector was not modified.
    #[error("detector '{name}' already exists with a different configuration: {reason}")]
    DetectorMismatch {
        /// The detector name.
        name: String,
        /// What differs.
        reason: String,
    },

    /// The inspection is closed (`COMPLETE`): metadata can no longer be added.
    #[error("inspection {0} is closed; metadata cannot be added")]
    InspectionClosed(String),

    /// No Edge Endpoint answers at the configured endpoint (404 or no connection).
    #[error("no Edge Endpoint is available at {endpoint}")]
    EdgeNotAvailable {
        /// The Edge Endpoint's base URL.
        endpoint: String,
        /// The underlying failure.
        #[source]
        source: Option<Box<HttpError>>,
    },

    /// `wait_detectors` timed out before every detector was ready on the Edge Endpoint.
    #[error("edge detectors not ready after {waited:?}: {}", not_ready.join(", "))]
    EdgeDetectorsNotReady {
        /// The detectors that were still not ready.
        not_ready: Vec<String>,
        /// How long was waited.
        waited: Duration,
    },

    /// A success response made no sense (e.g. two detectors with the same name).
    #[error("unexpected response: {0}")]
    UnexpectedResponse(String),
}

impl Error {
    /// The HTTP status of the server's answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Http(e) => e.status(),
            Self::NotFound { source, .. } | Self::EdgeNotAvailable { source, .. } => {
                source.as_ref().and_then(|e| e.status())
            }
            Self::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether the same call could succeed later (5xx, 429, connection problems).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Http(e) => e.is_retryable(),
            Self::EdgeNotAvailable { source, .. } => {
                source.as_ref().is_some_and(|e| e.is_retryable())
            }
            Self::Timeout { .. } | Self::EdgeDetectorsNotReady { .. } => true,
            _ => false,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After`), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The server's request id for the failed call, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Http(e) => e.request_id(),
            Self::NotFound { source, .. } | Self::EdgeNotAvailable { source, .. } => {
                source.as_deref().and_then(HttpError::request_id)
            }
            Self::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The underlying HTTP error, if this error came from the server or the transport.
    pub fn http(&self) -> Option<&HttpError> {
        match self {
            Self::Http(e) => Some(e),
            Self::NotFound { source, .. } | Self::EdgeNotAvailable { source, .. } => {
                source.as_deref()
            }
            _ => None,
        }
    }

    /// `true` for [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput(message.into())
    }

    /// Maps a 404 (and, with `gone_too`, a 410) to [`Error::NotFound`].
    pub(crate) fn not_found_on(
        error: HttpError,
        kind: &'static str,
        id: &str,
        gone_too: bool,
    ) -> Self {
        match error.status() {
            Some(StatusCode::NOT_FOUND) => Self::NotFound {
                kind,
                id: id.to_owned(),
                source: Some(Box::new(error)),
            },
            Some(StatusCode::GONE) if gone_too => Self::NotFound {
                kind,
                id: id.to_owned(),
                source: Some(Box::new(error)),
            },
            _ => Self::from_http(error),
        }
    }

    /// Wraps an executor error; a credential that cannot go in a header is an
    /// [`Error::ApiToken`].
    pub(crate) fn from_http(error: HttpError) -> Self {
        match error {
            HttpError::Credential(e) => Self::ApiToken(e.to_string()),
            other => Self::Http(other),
        }
    }
}
