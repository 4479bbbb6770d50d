//! The crate's error type.
//!
//! Every fallible call returns [`Result<T>`](crate::Result), whose error is one
//! `#[non_exhaustive]` [`Error`] enum. The Python SDK's three exceptions map onto it:
//! `ApiError` → [`Error::Api`] (the server answered with a non-success `status.code`),
//! `UserError` → [`Error::User`] (rejected locally, nothing was sent). No variant ever holds a
//! credential.

use std::fmt;

use crate::models::Status;
use crate::status::StatusCode;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a Clarifai call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered, and its `status.code` was not `SUCCESS` (after retries, when the
    /// code was retryable).
    #[error(transparent)]
    Api(Box<ApiError>),

    /// An argument was rejected locally (the Python SDK's `UserError`); nothing was sent.
    #[error("invalid input: {0}")]
    User(String),

    /// A clarifai.com URL could not be read as the resource asked for.
    #[error("invalid Clarifai URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
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

    /// The server's request id, for [`Error::Api`] when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.req_id.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn user(message: impl Into<String>) -> Self {
        Self::User(message.into())
    }
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
    }
}
