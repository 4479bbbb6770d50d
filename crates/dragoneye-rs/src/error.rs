//! The crate's error type.
//!
//! The variants carry the official SDK's exception names (`PredictionTimeoutException` →
//! [`Error::PredictionTimeout`], `PredictionTaskError` for a failed task →
//! [`Error::TaskFailed`], `PredictionUploadError` → [`Error::UploadFailed`],
//! `PredictionTaskBeginError` → [`Error::TaskBeginFailed`],
//! `PredictionTaskResultsUnavailableError` → [`Error::ResultsUnavailable`]), plus the errors the
//! Python SDK lets escape raw (HTTP errors of the status and predict calls, ZIP/Parquet errors,
//! media and configuration errors).

use std::time::Duration;

use vision_sdk_common::error::HttpError;
use vision_sdk_common::http::StatusCode;
use vision_sdk_common::media::MediaError;

use crate::models::{PredictionTaskState, PredictionTaskStatusResponse};
use crate::results::DecodeError;

/// A boxed underlying error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when talking to Dragoneye.
///
/// Use the accessors ([`status`](Self::status), [`is_retryable`](Self::is_retryable),
/// [`retry_after`](Self::retry_after), [`request_id`](Self::request_id),
/// [`task_uuid`](Self::task_uuid)) rather than matching deeply; the enum may grow.
///
/// ```
/// use dragoneye::Error;
///
/// fn explain(err: &Error) -> String {
///     match err {
///         Error::TaskFailed { status, .. } => format!("the server gave up: {status}"),
///         Error::PredictionTimeout { task_uuid, .. } => format!("still running: {task_uuid}"),
///         other if other.is_retryable() => format!("try again later: {other}"),
///         other => other.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The task did not reach a final status within the caller's timeout
    /// (`PredictionTimeoutException`). The task keeps running on the server: wait for it again
    /// with [`Classification::wait`](crate::Classification::wait) using `task_uuid`.
    #[error("Prediction task {task_uuid} did not complete within {} seconds.", fmt_secs(*timeout))]
    PredictionTimeout {
        /// The task that is still running.
        task_uuid: String,
        /// The timeout that passed.
        timeout: Duration,
        /// The last status seen, if any poll was answered.
        last_status: Option<Box<PredictionTaskStatusResponse>>,
    },

    /// The task finished with a `failed…` status (`PredictionTaskError("Prediction task failed: …")`).
    #[error("Prediction task failed: {status}")]
    TaskFailed {
        /// The failed task.
        task_uuid: String,
        /// The status the server reported, e.g. `failed_internal_error`.
        status: PredictionTaskState,
    },

    /// The media could not be uploaded to the presigned URL (`PredictionUploadError`), after
    /// the retries the upload is allowed (429, 5xx, connection errors).
    #[error("Error uploading media to prediction task {task_uuid}: {source}")]
    UploadFailed {
        /// The task the media was meant for.
        task_uuid: String,
        /// What went wrong (an HTTP status, a connection error, or the media could not be read).
        #[source]
        source: HttpError,
    },

    /// `POST /prediction-task/begin` failed (`PredictionTaskBeginError`): a 400 with the
    /// server's `detail`, any other HTTP error, or 429s beyond the retry budget.
    #[error("{message}")]
    TaskBeginFailed {
        /// The server's `detail` for a 400, otherwise a description.
        message: String,
        /// The HTTP error, if the server answered with one or could not be reached.
        #[source]
        source: Option<HttpError>,
    },

    /// The results could not be fetched (`PredictionTaskResultsUnavailableError`): a 400 with
    /// the server's `detail` (typically "not ready"), or any other HTTP error.
    #[error("{message}")]
    ResultsUnavailable {
        /// The task whose results were asked for.
        task_uuid: String,
        /// The server's `detail` for a 400, otherwise a description.
        message: String,
        /// The HTTP error, if any.
        #[source]
        source: Option<HttpError>,
    },

    /// The API answered a call with a non-success status (for the status and predict calls,
    /// whose errors the official SDK lets escape as `aiohttp.ClientResponseError` /
    /// wraps in `PredictionTaskError("Error initiating prediction:", …)`).
    #[error("{operation} failed: {source}")]
    Api {
        /// The call, e.g. `"predict"` or `"status"`.
        operation: &'static str,
        /// Status, request id, body snippet, `Retry-After`.
        #[source]
        source: HttpError,
    },

    /// The API could not be reached, timed out, or the connection broke.
    #[error("{operation} failed: {source}")]
    Transport {
        /// The call, e.g. `"status"`.
        operation: &'static str,
        /// The connection error.
        #[source]
        source: HttpError,
    },

    /// The results payload (ZIP of Parquet) could not be decoded: a corrupt archive, a missing
    /// member, an unexpected column type.
    #[error(transparent)]
    Decode(#[from] DecodeError),

    /// An API response was not what the protocol promises: JSON that does not match the model,
    /// a missing or invalid `X-Frames-Per-Second` header on video results, an empty
    /// `signed_urls` list.
    #[error("unexpected response to {operation}: {reason}")]
    InvalidResponse {
        /// The call whose response is malformed.
        operation: &'static str,
        /// What is wrong.
        reason: String,
        /// The underlying parse error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// An argument is not acceptable (an unparsable MIME type, a MIME type required but not
    /// given, an empty model name).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// Media could not be opened or is of the wrong kind (missing file, unknown extension,
    /// a video given as an image).
    #[error(transparent)]
    Media(#[from] MediaError),

    /// The client is misconfigured (no API key, bad base URL, the HTTP client could not be built).
    #[error("invalid configuration: {0}")]
    Config(String),
}

fn fmt_secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{}", d.as_secs_f64())
    }
}

impl Error {
    /// The underlying HTTP error, if the failure came from an HTTP call.
    pub fn http_error(&self) -> Option<&HttpError> {
        match self {
            Self::UploadFailed { source, .. }
            | Self::Api { source, .. }
            | Self::Transport { source, .. } => Some(source),
            Self::TaskBeginFailed { source, .. } | Self::ResultsUnavailable { source, .. } => {
                source.as_ref()
            }
            _ => None,
        }
    }

    /// The HTTP status the server answered with, if the failure was a non-success answer.
    pub fn status(&self) -> Option<StatusCode> {
        self.http_error().and_then(HttpError::status)
    }

    /// Whether the same call could succeed later: rate limits (429 beyond the retry budget),
    /// server errors the call's policy retries, connection errors and timeouts.
    ///
    /// A [`PredictionTimeout`](Self::PredictionTimeout) is not retryable as such (the task is
    /// still running: wait for it again rather than submitting the media again).
    pub fn is_retryable(&self) -> bool {
        self.http_error().is_some_and(HttpError::is_retryable)
    }

    /// How long the server asked to wait (`Retry-After`), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.http_error().and_then(HttpError::retry_after)
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.http_error().and_then(HttpError::request_id)
    }

    /// The prediction task concerned, when the failure happened after the task was created.
    pub fn task_uuid(&self) -> Option<&str> {
        match self {
            Self::PredictionTimeout { task_uuid, .. }
            | Self::TaskFailed { task_uuid, .. }
            | Self::UploadFailed { task_uuid, .. }
            | Self::ResultsUnavailable { task_uuid, .. } => Some(task_uuid),
            _ => None,
        }
    }

    /// The task's failure status for [`TaskFailed`](Self::TaskFailed).
    pub fn task_status(&self) -> Option<&PredictionTaskState> {
        match self {
            Self::TaskFailed { status, .. } => Some(status),
            _ => None,
        }
    }

    /// `true` for errors decoding a response ([`Decode`](Self::Decode) and
    /// [`InvalidResponse`](Self::InvalidResponse)).
    pub fn is_decode(&self) -> bool {
        matches!(self, Self::Decode(_) | Self::InvalidResponse { .. })
    }

    /// Maps an API call's HTTP error to [`Error::Api`] or [`Error::Transport`].
    pub(crate) fn http(operation: &'static str, source: HttpError) -> Self {
        match source {
            HttpError::Status(_) => Self::Api { operation, source },
            HttpError::Connect { .. } | HttpError::Timeout { .. } | HttpError::Transport { .. } => {
                Self::Transport { operation, source }
            }
            other => Self::Api {
                operation,
                source: other,
            },
        }
    }

    pub(crate) fn json(operation: &'static str, source: vision_sdk_common::DecodeError) -> Self {
        Self::InvalidResponse {
            operation,
            reason: "the body does not match the expected JSON model".to_owned(),
            source: Some(Box::new(source)),
        }
    }
}

/// The crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_messages() {
        let err = Error::PredictionTimeout {
            task_uuid: "u".into(),
            timeout: Duration::from_secs(2),
            last_status: None,
        };
        assert_eq!(
            err.to_string(),
            "Prediction task u did not complete within 2 seconds."
        );
        let err = Error::TaskFailed {
            task_uuid: "u".into(),
            status: PredictionTaskState::from("failed_internal_error"),
        };
        assert_eq!(
            err.to_string(),
            "Prediction task failed: failed_internal_error"
        );
        assert_eq!(
            err.task_status().map(|s| s.as_str()),
            Some("failed_internal_error")
        );
        assert!(!err.is_retryable());
        let err = Error::TaskBeginFailed {
            message: "injected 400 on begin".into(),
            source: None,
        };
        assert_eq!(err.to_string(), "injected 400 on begin");
        assert_eq!(err.status(), None);
        assert_eq!(
            Error::PredictionTimeout {
                task_uuid: "u".into(),
                timeout: Duration::from_millis(1500),
                last_status: None,
            }
            .to_string(),
            "Prediction task u did not complete within 1.5 seconds."
        );
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(
            std::mem::size_of::<Error>() <= 96,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
