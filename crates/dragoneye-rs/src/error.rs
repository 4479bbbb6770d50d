//! The crate's error type.
//!
//! The family variants (`Credential`, `Config`, `InvalidInput`, `Media`, `Http`, `Decode`)
//! mean the same as in every crate of `vision-sdk-rs`; the others carry the official SDK's
//! exception names:
//!
//! | official (`dragoneye-python` 2.0.1) | variant |
//! | --- | --- |
//! | `PredictionTimeoutException` | [`Error::PredictionTimeout`] |
//! | `PredictionTaskError("Prediction task failed: …")` | [`Error::TaskFailed`] |
//! | `PredictionTaskError("Error initiating prediction:", …)` | [`Error::TaskStartFailed`] |
//! | `PredictionUploadError` | [`Error::UploadFailed`] |
//! | `PredictionTaskBeginError` | [`Error::TaskBeginFailed`] |
//! | `PredictionTaskResultsUnavailableError` | [`Error::ResultsUnavailable`] (also for a video answer without `X-Frames-Per-Second`); an archive without `predictions.parquet` is [`Error::ResultsDecode`] ([`Error::is_results_unavailable`] covers both) |
//! | raw `aiohttp.ClientResponseError` from status polling | [`Error::StatusFailed`] (with the task's uuid) |
//! | raw `zipfile.BadZipFile`, polars errors | [`Error::ResultsDecode`] |
//! | raw pydantic `ValidationError` | [`Error::Decode`] (serde's message, the status, a redacted body snippet) |
//! | `AssertionError("API key is required …")` | [`Error::Credential`] |
//! | `ValueError` / `FileNotFoundError` from the media constructors | [`Error::InvalidInput`] / [`Error::Media`], reported when the call is sent |
//!
//! `except PredictionTaskError` is [`Error::is_task_error`].
//!
//! # After `OutcomeUnknown`
//! `begin` and `start` are not idempotent: when the connection fails or times out after the
//! request was sent, they are not sent again and fail with
//! [`HttpError::OutcomeUnknown`] inside [`Error::TaskBeginFailed`] /
//! [`Error::TaskStartFailed`]. For `start`, the task exists: take
//! [`Error::task_uuid`], poll [`Classification::status`](crate::Classification::status), and
//! call [`Classification::start`](crate::Classification::start) again only if the task has
//! not started (its status is still the one before predicting); otherwise
//! [`wait`](crate::Classification::wait) for it. For `begin`, at worst an unused task was
//! created; begin again.

use std::time::Duration;

use vision_sdk_common::CredentialError;
use vision_sdk_common::error::{DecodeError, HttpError};
use vision_sdk_common::media::MediaError;

use crate::models::{PredictionTaskState, PredictionTaskStatusResponse};
use crate::results::ResultsDecodeError;

/// A boxed underlying error (the ZIP and Parquet libraries' errors, a header parse error),
/// kept opaque so that their versions are not part of this crate's API.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when talking to Dragoneye.
///
/// Use the accessors ([`status`](Self::status), [`request_id`](Self::request_id),
/// [`is_retryable`](Self::is_retryable), [`retry_after`](Self::retry_after),
/// [`http_error`](Self::http_error), [`task_uuid`](Self::task_uuid)) rather than matching
/// deeply; the enum may grow.
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
    /// No API key, or an unusable one (blank, not header-safe); reported by `build()`.
    #[error(transparent)]
    Credential(#[from] CredentialError),

    /// The client is misconfigured (a bad base URL or User-Agent, the HTTP client could not be
    /// built). The message never shows a key.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// An argument is not acceptable; nothing was sent. Checked before any request: an empty
    /// model name, task uuid or parameter name, `frames_per_second(0)`, an unparsable MIME
    /// type, a file without a MIME type (no extension-based guess, the official `ValueError`),
    /// a prediction type this version does not know.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The media could not be opened or is of the wrong kind (a missing file, empty media, a
    /// video given as an [`Image`](crate::Image)); nothing was sent.
    #[error(transparent)]
    Media(#[from] MediaError),

    /// An HTTP failure outside the task steps. Every Dragoneye call is one of the steps below,
    /// each reported in its own variant (which [`http_error`](Self::http_error) opens), so this
    /// crate does not return it today; it exists so that code matching the family's variants
    /// compiles against every crate.
    #[error(transparent)]
    Http(HttpError),

    /// A JSON answer that does not match the model (serde's message, the status, a redacted
    /// body snippet), including an answer without its identifying `prediction_task_uuid`.
    #[error(transparent)]
    Decode(#[from] DecodeError),

    /// The task did not reach a final status within the caller's timeout
    /// (`PredictionTimeoutException`). The task keeps running on the server: wait for it again
    /// with [`Classification::wait`](crate::Classification::wait) using `task_uuid`.
    #[error("Prediction task {task_uuid} did not complete within {} seconds.", fmt_secs(*timeout))]
    PredictionTimeout {
        /// The task that is still running.
        task_uuid: String,
        /// The timeout that passed.
        timeout: Duration,
        /// The last status seen.
        last_status: Option<Box<PredictionTaskStatusResponse>>,
    },

    /// The task finished with a `failed…` status (`PredictionTaskError("Prediction task
    /// failed: …")`).
    #[error("Prediction task failed: {status}")]
    TaskFailed {
        /// The failed task.
        task_uuid: String,
        /// The status the server reported, e.g. `failed_internal_error`.
        status: PredictionTaskState,
    },

    /// `POST /prediction-task/begin` failed (`PredictionTaskBeginError`): a 400 with the
    /// server's `detail`, any other HTTP error, 429s beyond the retry budget, connection
    /// errors, or [`HttpError::OutcomeUnknown`] (see the [module docs](self)).
    #[error("{message}")]
    TaskBeginFailed {
        /// The server's `detail` for a 400, otherwise a description.
        message: String,
        /// The HTTP error.
        #[source]
        source: Option<HttpError>,
    },

    /// The media could not be uploaded to the presigned URL (`PredictionUploadError`), after
    /// the upload's retries (429, 5xx, connection errors, timeouts).
    #[error("Error uploading media to prediction task {task_uuid}: {source}")]
    UploadFailed {
        /// The task the media was meant for.
        task_uuid: String,
        /// The HTTP status or the connection error.
        #[source]
        source: HttpError,
    },

    /// `POST /predict` failed (`PredictionTaskError("Error initiating prediction:", …)`): an
    /// HTTP error, 429s beyond the retry budget, a connection error, or
    /// [`HttpError::OutcomeUnknown`] — then poll the status before starting again (see the
    /// [module docs](self)).
    #[error("Error initiating prediction of task {task_uuid}: {source}")]
    TaskStartFailed {
        /// The task (it exists and holds the uploaded media).
        task_uuid: String,
        /// The HTTP error.
        #[source]
        source: HttpError,
    },

    /// `GET /prediction-task/status` failed (the official SDK lets aiohttp's error escape).
    /// The task is unaffected: wait for it again with `task_uuid`.
    #[error("Error getting the status of prediction task {task_uuid}: {source}")]
    StatusFailed {
        /// The task whose status was asked for.
        task_uuid: String,
        /// The HTTP error.
        #[source]
        source: HttpError,
    },

    /// The results could not be fetched (`PredictionTaskResultsUnavailableError`): a 400 with
    /// the server's `detail` (typically "not ready"), or any other HTTP error.
    #[error("{message}")]
    ResultsUnavailable {
        /// The task whose results were asked for.
        task_uuid: String,
        /// The server's `detail` for a 400, otherwise a description.
        message: String,
        /// The HTTP error.
        #[source]
        source: Option<HttpError>,
    },

    /// The results payload (ZIP of Parquet) could not be decoded: a corrupt archive, a missing
    /// member, an unexpected column type.
    #[error("cannot decode the results of prediction task {task_uuid}: {source}")]
    ResultsDecode {
        /// The task whose results these are.
        task_uuid: String,
        /// What is wrong, naming the member and column.
        #[source]
        source: ResultsDecodeError,
    },

    /// An answer that breaks the protocol outside its JSON model: an `X-Frames-Per-Second`
    /// header on video results that is not a number, an empty `signed_urls` list, an unusable
    /// presigned URL, a task of another prediction type than the call asked for.
    #[error("unexpected response to {operation}: {reason}")]
    InvalidResponse {
        /// The SDK method whose response is malformed.
        operation: &'static str,
        /// The task concerned, when known.
        task_uuid: Option<String>,
        /// What is wrong.
        reason: String,
        /// The underlying parse error, if any.
        #[source]
        source: Option<BoxError>,
    },
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
            Self::Http(source)
            | Self::UploadFailed { source, .. }
            | Self::TaskStartFailed { source, .. }
            | Self::StatusFailed { source, .. } => Some(source),
            Self::TaskBeginFailed { source, .. } | Self::ResultsUnavailable { source, .. } => {
                source.as_ref()
            }
            _ => None,
        }
    }

    vision_sdk_common::error_accessors!();

    /// The JSON decode error, if the server's success answer did not decode.
    pub fn decode_error(&self) -> Option<&vision_sdk_common::DecodeError> {
        match self {
            Self::Decode(e) => Some(e),
            _ => None,
        }
    }

    /// The prediction task concerned, whenever the failure happened after the task was
    /// created: upload, start, status and wait failures, timeouts, failed tasks, results. With
    /// it, a long video can be resumed ([`Classification::wait`](crate::Classification::wait),
    /// then `get_video_results`) instead of uploaded again.
    pub fn task_uuid(&self) -> Option<&str> {
        match self {
            Self::PredictionTimeout { task_uuid, .. }
            | Self::TaskFailed { task_uuid, .. }
            | Self::UploadFailed { task_uuid, .. }
            | Self::TaskStartFailed { task_uuid, .. }
            | Self::StatusFailed { task_uuid, .. }
            | Self::ResultsUnavailable { task_uuid, .. }
            | Self::ResultsDecode { task_uuid, .. } => Some(task_uuid),
            Self::InvalidResponse { task_uuid, .. } => task_uuid.as_deref(),
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

    /// `true` for what the official SDK raises as `PredictionTaskError`: a failed task or a
    /// failed start.
    pub fn is_task_error(&self) -> bool {
        matches!(self, Self::TaskFailed { .. } | Self::TaskStartFailed { .. })
    }

    /// `true` for what the official SDK raises as `PredictionTaskResultsUnavailableError`
    /// (and the raw archive errors it lets escape): results not available (a video answer
    /// without `X-Frames-Per-Second` included) or not decodable.
    pub fn is_results_unavailable(&self) -> bool {
        matches!(
            self,
            Self::ResultsUnavailable { .. } | Self::ResultsDecode { .. }
        )
    }

    /// `true` for answers that could not be decoded ([`Decode`](Self::Decode),
    /// [`ResultsDecode`](Self::ResultsDecode), [`InvalidResponse`](Self::InvalidResponse)).
    pub fn is_decode(&self) -> bool {
        matches!(
            self,
            Self::Decode(_) | Self::ResultsDecode { .. } | Self::InvalidResponse { .. }
        )
    }

    /// `true` for failures on this machine before anything was sent.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Self::Credential(_) | Self::Config(_) | Self::InvalidInput(_) | Self::Media(_)
        )
    }

    /// Routes an executor error: a local failure (media that vanished, a request that could
    /// not be built) becomes its family variant, anything else goes to `wrap`.
    pub(crate) fn from_http(source: HttpError, wrap: impl FnOnce(HttpError) -> Self) -> Self {
        if !source.is_local() {
            return wrap(source);
        }
        match source {
            HttpError::Body(media) => Self::Media(media),
            HttpError::Credential(_) => Self::Credential(CredentialError::NotHeaderSafe),
            other => Self::InvalidInput(other.to_string()),
        }
    }

    pub(crate) fn invalid_response(
        operation: &'static str,
        task_uuid: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidResponse {
            operation,
            task_uuid: task_uuid.map(str::to_owned),
            reason: reason.into(),
            source: None,
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
        assert_eq!(err.task_uuid(), Some("u"));
        assert!(!err.is_retryable());
        let err = Error::TaskFailed {
            task_uuid: "u".into(),
            status: PredictionTaskState::from("failed_internal_error"),
        };
        assert_eq!(
            err.to_string(),
            "Prediction task failed: failed_internal_error"
        );
        assert!(err.is_task_error());
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
        assert_eq!(err.task_uuid(), None);
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
    fn local_http_failures_are_not_api_errors() {
        let err = Error::from_http(HttpError::Body(MediaError::Empty), |_| {
            unreachable!("a local failure is never wrapped")
        });
        assert!(matches!(err, Error::Media(MediaError::Empty)));
        assert!(err.is_local());
        let err = Error::from_http(HttpError::InvalidRequest("x".into()), |_| {
            unreachable!("a local failure is never wrapped")
        });
        assert!(matches!(err, Error::InvalidInput(_)));
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(
            std::mem::size_of::<Error>() <= 112,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
