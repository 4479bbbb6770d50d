//! The crate's error type.
//!
//! Every fallible call returns [`Result<T>`](crate::Result), whose error is one
//! `#[non_exhaustive]` [`Error`] enum with the family variants (`Credential`, `Config`,
//! `InvalidInput`, `Media`, `Http`, `Decode`) plus Groundlight's own, named after the official
//! SDK's exceptions. Local problems ([`Error::Credential`], [`Error::Config`],
//! [`Error::InvalidInput`], [`Error::Media`]) are found before any request is sent and are never
//! [`Error::Http`]. API and transport failures keep the server's status, request id and a
//! bounded, redacted body snippet in [`Error::Http`]. No variant ever contains the API token.
//!
//! # The official SDK's exceptions
//!
//! | Python | Rust |
//! |---|---|
//! | `ApiTokenError` (no token, bad token) | [`Error::Credential`] at `build()` (with token rotation, a badly formed token is `CredentialError::BadFormat`); a 401 answer is [`Error::Http`] with [`Error::is_unauthorized`] |
//! | `TokenManagerError` (token cache, its lock) | [`Error::Io`] |
//! | `UnauthorizedException` (401) | [`Error::Http`], [`Error::is_unauthorized`] |
//! | `NotFoundError`, `NotFoundException` (404) | [`Error::NotFound`] ([`Error::is_not_found`]) |
//! | `ApiException`, `ServiceException`, `ForbiddenException`, `InternalApiError` | [`Error::Http`] ([`Error::status`]) |
//! | `GroundlightClientError` (no connection) | [`Error::Http`] with [`HttpError::Connect`] |
//! | `ValueError`, `TypeError` (local checks) | [`Error::InvalidInput`], [`Error::Config`], [`Error::Media`], [`Error::DetectorMismatch`], [`Error::InspectionClosed`] |
//! | `TimeoutError` | [`Error::Timeout`] (only with `error_on_timeout(true)`) |
//! | `RuntimeError` (two detectors with one name) | [`Error::UnexpectedResponse`] |
//! | pydantic `ValidationError` (bad response) | [`Error::Decode`] |
//! | `EdgeNotAvailableError` | [`Error::EdgeNotAvailable`] |
//! | `EdgeDetectorsNotReadyError` | [`Error::EdgeDetectorsNotReady`] |
//!
//! # "Retryable"
//!
//! [`Error::is_retryable`] is `true` when the same call, made again unchanged, may succeed: a
//! status the client retries (5xx, 429), a connect error, a timeout, a broken or cut-short
//! connection. It is `false` for local failures, decode errors,
//! [`HttpError::OutcomeUnknown`] (find out first whether the create happened), and for a wait
//! that reached its deadline ([`Error::Timeout`], [`Error::EdgeDetectorsNotReady`]: the time
//! was already spent; resume with the id instead).

use std::time::Duration;

use http::StatusCode;
use vision_sdk_common::{CredentialError, DecodeError, HttpError, MediaError};

use crate::models::ImageQuery;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a Groundlight call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API token is missing, blank or cannot be sent in a header (found at `build()`).
    #[error("API token problem: {0}")]
    Credential(#[from] CredentialError),

    /// The client configuration is invalid (endpoint, environment variables, TLS setup).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// An argument was rejected locally; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The image could not be read, recognised or encoded; nothing was sent.
    #[error("image error: {0}")]
    Media(#[from] MediaError),

    /// The server answered with a non-success status (after retries, if the status was
    /// retryable), or the network failed.
    #[error("Groundlight API error: {0}")]
    Http(HttpError),

    /// A success response could not be decoded, or broke the API's documented rules (no `id`,
    /// a confidence outside 0..=1, a negative count).
    #[error(transparent)]
    Decode(#[from] DecodeError),

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

    /// An explicit wait (`error_on_timeout(true)`) ended without a confident (or answered)
    /// result. The last image query seen is kept; resume with its id.
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

    /// No Edge Endpoint answers at the configured endpoint (404, no connection, or an answer
    /// without what an Edge Endpoint sends).
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

    /// A file could not be read or written (`download_mlbinary`; the token rotation cache, its
    /// lock or directory, with `InvalidData` for a cache file that cannot be read and
    /// `TimedOut` when its lock stayed taken for 60 s).
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },

    /// A success response made no sense (e.g. two detectors with the same name).
    #[error("unexpected response: {0}")]
    UnexpectedResponse(String),
}

impl From<HttpError> for Error {
    /// Local kinds become local variants (a body that could not be produced → [`Error::Media`],
    /// a credential → [`Error::Credential`], a request that could not be built →
    /// [`Error::InvalidInput`]); the rest is [`Error::Http`].
    fn from(error: HttpError) -> Self {
        match error {
            HttpError::Body(media) => Self::Media(media),
            HttpError::Credential(_) => Self::Credential(CredentialError::NotHeaderSafe),
            HttpError::InvalidRequest(why) => Self::InvalidInput(why),
            other => Self::Http(other),
        }
    }
}

impl Error {
    vision_sdk_common::error_accessors!();

    /// The JSON decode error, if the server's success answer did not decode.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match self {
            Self::Decode(e) => Some(e),
            _ => None,
        }
    }

    /// The underlying HTTP error, if this error came from the server or the network.
    pub fn http_error(&self) -> Option<&HttpError> {
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

    /// `true` when the server refused the API token (HTTP 401): the official SDK's
    /// `ApiTokenError` / `UnauthorizedException` after construction.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// `true` for a create whose outcome is unknown ([`HttpError::OutcomeUnknown`]): it may
    /// have happened; look it up before trying again.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self.http_error(), Some(HttpError::OutcomeUnknown { .. }))
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
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
            _ => Self::from(error),
        }
    }

    /// Wraps an executor error (see `From<HttpError>`).
    pub(crate) fn from_http(error: HttpError) -> Self {
        Self::from(error)
    }
}
