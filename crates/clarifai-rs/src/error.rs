//! The crate's error type.
//!
//! Every fallible call returns [`Result<T>`](crate::Result), whose error is one
//! `#[non_exhaustive]` [`Error`] enum with the family variants (`Credential`, `Config`,
//! `InvalidInput`, `Media`, `Http`, `Decode`) and Clarifai's own. The Python SDK's exceptions map
//! onto it:
//!
//! | Python (`clarifai.errors`) | here |
//! |---|---|
//! | `ApiError(resource, params, method, response)` | [`Error::Api`]: the server answered with a non-success `status.code` ([`ApiError`] keeps method, resource, code, description, details, req_id, HTTP status) |
//! | `ApiClientError` | [`Error::Config`] (the client cannot be set up) or [`Error::Http`] (the request could not be made) |
//! | `UserError` | [`Error::InvalidInput`] (rejected locally, nothing was sent) |
//! | (`ValueError` on a URL) | [`Error::InvalidUrl`] |
//!
//! No variant ever holds a credential.

use std::fmt;
use std::time::Duration;

use vision_sdk_common::{CredentialError, DecodeError, HttpError, MediaError};

use crate::models::Status;
use crate::status::StatusCode;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a Clarifai call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No usable PAT or session token (missing, blank, not header-safe, or both given).
    #[error(transparent)]
    Credential(#[from] CredentialError),

    /// The client could not be configured (base URL, TLS roots, HTTP client).
    #[error("configuration: {0}")]
    Config(String),

    /// An argument was rejected locally (the Python SDK's `UserError`); nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A file or media input could not be read; nothing was sent.
    #[error(transparent)]
    Media(#[from] MediaError),

    /// The server answered without a Clarifai `status` (a proxy's 502, a non-JSON body), or the
    /// network failed.
    #[error(transparent)]
    Http(#[from] HttpError),

    /// A response could not be decoded (or lacked its identifying fields).
    #[error(transparent)]
    Decode(#[from] DecodeError),

    /// The server answered with a non-success `status.code` (after retries, when the code was
    /// retryable): the Python SDK's `ApiError`.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// A clarifai.com URL could not be read as the resource asked for.
    #[error("invalid Clarifai URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A dataset export archive could not be read (not a ZIP, truncated, a bad member).
    #[error("corrupt export archive: {reason}")]
    CorruptArchive {
        /// What the ZIP reader reported.
        reason: String,
    },

    /// A member of an export archive would be written outside the target folder (an absolute
    /// path or `..`: zip-slip). Nothing was written.
    #[error("export archive member `{member}` would be written outside the target folder")]
    UnsafeArchivePath {
        /// The member's name as stored in the archive.
        member: String,
    },

    /// A local file could not be read or written.
    #[error("I/O on `{}`: {source}", path.display())]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A wait (training, upload job, export, evaluation) ended without the state waited for.
    #[error("{what} did not finish within {waited:?} (last status {last})")]
    WaitTimeout {
        /// What was waited for.
        what: String,
        /// How long was waited.
        waited: Duration,
        /// The last status seen.
        last: StatusCode,
    },
}

impl Error {
    /// The body's status code, for [`Error::Api`].
    pub fn code(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.code),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Self::Api(e) => e.http_status,
            Self::Http(e) => e.status(),
            Self::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The server's request id (`status.req_id`, or the response header).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.req_id.as_deref(),
            Self::Http(e) => e.request_id(),
            Self::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// `true` when making the same call again unchanged may succeed: a throttling or
    /// model-not-ready code (after the retries ran out), a retryable HTTP status, a connect
    /// error, a timeout or a broken connection. `false` for local failures, decode errors and
    /// [`HttpError::OutcomeUnknown`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(e) => {
                e.code.is_throttled()
                    || e.code.is_model_not_ready()
                    || e.code == StatusCode::TRY_AGAIN
                    || e.code == StatusCode::RUNNER_NEEDS_RETRY
            }
            Self::Http(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The HTTP error, for [`Error::Http`].
    pub fn http_error(&self) -> Option<&HttpError> {
        match self {
            Self::Http(e) => Some(e),
            _ => None,
        }
    }

    /// The API error, for [`Error::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn user(message: impl Into<String>) -> Self {
        Self::InvalidInput(message.into())
    }
}

/// A success response without the resource it must hold: a decode error.
pub(crate) fn missing(rpc: &'static str, what: &str) -> Error {
    Error::Decode(DecodeError {
        operation: rpc,
        status: http::StatusCode::OK,
        request_id: None,
        body: vision_sdk_common::BodySnippet::default(),
        source: <serde_json::Error as serde::de::Error>::custom(format!(
            "the response holds no {what}"
        )),
    })
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

/// A non-success `status` from the server (the Python SDK's `ApiError`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The RPC that was called (`"PostModelOutputs"`).
    pub method: &'static str,
    /// The request path (`/v2/users/alice/apps/a/models/m/outputs`); never holds a credential.
    pub resource: String,
    /// `status.code`.
    pub code: StatusCode,
    /// `status.description`.
    pub description: String,
    /// `status.details`, when not empty.
    pub details: Option<String>,
    /// `status.req_id`, when not empty.
    pub req_id: Option<String>,
    /// The HTTP status of the answer.
    pub http_status: Option<http::StatusCode>,
}

impl ApiError {
    /// The error for a response whose `status` is not `SUCCESS`.
    pub fn from_status(
        method: &'static str,
        resource: impl Into<String>,
        status: &Status,
        http_status: Option<http::StatusCode>,
    ) -> Self {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Self {
            method,
            resource: resource.into(),
            code: status.code,
            description: status.description.clone(),
            details: non_empty(&status.details),
            req_id: non_empty(&status.req_id),
            http_status,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed: {}", self.method, self.resource, self.code)?;
        if !self.description.is_empty() {
            write!(f, ": {}", self.description)?;
        }
        if let Some(details) = &self.details {
            write!(f, " ({details})")?;
        }
        if let Some(http) = self.http_status {
            write!(f, " [HTTP {}]", http.as_u16())?;
        }
        if let Some(req_id) = &self.req_id {
            write!(f, " [req_id {req_id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_keeps_the_status_and_reads_well() {
        let status: Status = serde_json::from_str(
            r#"{"code":11008,"description":"Invalid API key or Invalid API key/application pair","details":"Invalid format of key.","req_id":"r-1"}"#,
        )
        .unwrap();
        let err = Error::from(ApiError::from_status(
            "PostModelOutputs",
            "/v2/users/clarifai/apps/main/models/m/outputs",
            &status,
            Some(http::StatusCode::UNAUTHORIZED),
        ));
        assert_eq!(err.code(), Some(StatusCode::CONN_KEY_INVALID));
        assert_eq!(err.request_id(), Some("r-1"));
        assert_eq!(
            err.to_string(),
            "PostModelOutputs /v2/users/clarifai/apps/main/models/m/outputs failed: \
             CONN_KEY_INVALID (11008): Invalid API key or Invalid API key/application pair \
             (Invalid format of key.) [HTTP 401] [req_id r-1]"
        );
        let bare = ApiError::from_status("GetApp", "/v2/x", &Status::default(), None);
        assert_eq!((bare.details, bare.req_id), (None, None));
        assert_eq!(
            Error::user("too many").to_string(),
            "invalid input: too many"
        );
        assert_eq!(Error::user("x").code(), None);
        assert!(!Error::user("x").is_retryable());
        let throttled = Error::from(ApiError::from_status(
            "ListApps",
            "/v2/users/me/apps",
            &Status::new(StatusCode::CONN_THROTTLED, "slow down"),
            Some(http::StatusCode::OK),
        ));
        assert!(throttled.is_retryable());
        assert_eq!(throttled.status(), Some(http::StatusCode::OK));
    }
}
