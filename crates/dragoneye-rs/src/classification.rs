//! `client.classification()`: predictions on images and videos.
//!
//! A prediction is five HTTP steps, each available on its own:
//!
//! 1. [`begin`](Classification::begin): `POST /prediction-task/begin` (form: `mimetype`,
//!    `response_version=parquet_object`, `file_name`, `frames_per_second`, extra parameters)
//!    creates a task and returns a presigned upload form;
//! 2. [`upload`](Classification::upload): `POST` the media to the presigned URL (multipart: the
//!    presigned fields, then `file`, streamed from disk; no API key);
//! 3. [`start`](Classification::start): `POST /predict` (form: `model_name`,
//!    `prediction_task_uuid`, extra parameters);
//! 4. [`wait`](Classification::wait): `GET /prediction-task/status` every second until
//!    `predicted`, a `failed…` status, or the timeout;
//! 5. [`get_image_results`](Classification::get_image_results) /
//!    [`get_video_results`](Classification::get_video_results): `GET /prediction-task/results`,
//!    a ZIP of Parquet decoded into the response models.
//!
//! [`predict_image`](Classification::predict_image) and
//! [`predict_video`](Classification::predict_video) run all five. Every input is checked
//! before the first request (an empty model name, task uuid or parameter name,
//! `frames_per_second(0)`, media that is missing, empty or of the wrong kind); a task of the
//! other prediction type is detected right after `begin`, before the upload.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use vision_sdk_common::error::HttpError;
use vision_sdk_common::http::{HeaderMap, Method, StatusCode};
use vision_sdk_common::internal::classify::Classify;
use vision_sdk_common::internal::url::join;
use vision_sdk_common::internal::{HttpResponse, Idempotency, MultipartField, RequestSpec};
use vision_sdk_common::media::{MediaKind, MediaSource};
use vision_sdk_common::poll::{PollOutcome, PollSchedule, Probe, poll_until};
use vision_sdk_common::reqwest::Url;
use vision_sdk_common::{RetryPolicy, mime};

use crate::client::Dragoneye;
use crate::error::{Error, Result};
use crate::media::{Image, Media, Video};
use crate::models::{
    ClassificationPredictImageResponse, ClassificationPredictVideoResponse, PredictionTask,
    PredictionTaskStatusResponse, PredictionType,
};
use crate::params::ParamValue;
use crate::results;
use crate::retry::{api_classifier, upload_classifier};

/// The `response_version` this crate speaks (ZIP of Parquet, object-forward schema).
pub const RESPONSE_VERSION: &str = "parquet_object";

/// The sampling rate `predict_video` sent by default up to 2.0.0 and that the "Using the
/// Python SDK" docs page still shows (`frames_per_second: int = 1`). 2.0.1 sends none, leaving
/// the rate to the server; so does this crate unless told:
/// `.frames_per_second(dragoneye::DOCS_FRAMES_PER_SECOND)`.
pub const DOCS_FRAMES_PER_SECOND: u32 = 1;

const HEADER_ORIGINAL_FILE_NAME: &str = "x-original-file-name";
const HEADER_FRAMES_PER_SECOND: &str = "x-frames-per-second";

/// A per-attempt limit long enough to mean "none" (the executor reads `None` as "the client's
/// timeout").
const NO_LIMIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Results of either kind, for [`Classification::get_results`].
///
/// Serializes as the inner response. Deserializing decides by the shape a video response
/// always has (`frames_per_second`), so an empty video result is never read back as an image.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum PredictionResults {
    /// Results of an image task.
    Image(ClassificationPredictImageResponse),
    /// Results of a video task.
    Video(ClassificationPredictVideoResponse),
}

impl PredictionResults {
    /// `Image` or `Video`.
    pub fn prediction_type(&self) -> PredictionType {
        match self {
            Self::Image(_) => PredictionType::Image,
            Self::Video(_) => PredictionType::Video,
        }
    }

    /// The task's identifier.
    pub fn prediction_task_uuid(&self) -> &str {
        match self {
            Self::Image(r) => &r.prediction_task_uuid,
            Self::Video(r) => &r.prediction_task_uuid,
        }
    }

    /// Reads the JSON of a response of the given type (when the type is known, as after
    /// [`Classification::get_results`]).
    ///
    /// # Errors
    ///
    /// serde's error, or one for an unknown prediction type.
    pub fn from_json_as(
        prediction_type: &PredictionType,
        json: &str,
    ) -> std::result::Result<Self, serde_json::Error> {
        match prediction_type {
            PredictionType::Image => serde_json::from_str(json).map(Self::Image),
            PredictionType::Video => serde_json::from_str(json).map(Self::Video),
            other => Err(serde::de::Error::custom(format_args!(
                "unknown prediction type `{other}`"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for PredictionResults {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let is_video = value.get("frames_per_second").is_some();
        let parsed = if is_video {
            serde_json::from_value(value).map(Self::Video)
        } else {
            serde_json::from_value(value).map(Self::Image)
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

/// Options of a task: the video sampling rate and extra parameters (the official `**kwargs`,
/// sent to both begin and predict).
///
/// ```
/// use dragoneye::TaskOptions;
/// let options = TaskOptions::new().frames_per_second(2).param("threshold", 0.5).param("dense", true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskOptions {
    frames_per_second: Option<u32>,
    params: Vec<(String, ParamValue)>,
}

impl TaskOptions {
    /// No sampling rate (the server's default) and no extra parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Frames per second to sample a video at: the sampling rate, **not** the video's own frame
    /// rate (2 = two frames analysed per second of video). Not sent when unset, so the
    /// server's default applies (2.0.1); the docs page and 2.0.0 send
    /// [`DOCS_FRAMES_PER_SECOND`]. At least 1 (checked before any request).
    #[must_use]
    pub fn frames_per_second(mut self, fps: u32) -> Self {
        self.frames_per_second = Some(fps);
        self
    }

    /// An extra form parameter (the official `**kwargs`), sent to begin and predict in the order
    /// added as `key=str(value)`: `true` is sent as `True`, `0.5` as `0.5`, `None::<T>` as
    /// `None` (see [`ParamValue`]).
    #[must_use]
    pub fn param(mut self, key: impl Into<String>, value: impl Into<ParamValue>) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }

    fn check(&self) -> Result<()> {
        if self.frames_per_second == Some(0) {
            return Err(Error::InvalidInput(
                "frames_per_second must be at least 1".to_owned(),
            ));
        }
        if self.params.iter().any(|(k, _)| k.trim().is_empty()) {
            return Err(Error::InvalidInput(
                "a parameter name must not be empty".to_owned(),
            ));
        }
        Ok(())
    }
}

fn check_model_name(model_name: &str) -> Result<()> {
    if model_name.trim().is_empty() {
        return Err(Error::InvalidInput(
            "model_name must not be empty (e.g. \"recognize_anything/<model>\")".to_owned(),
        ));
    }
    Ok(())
}

fn check_task_uuid(task_uuid: &str) -> Result<()> {
    if task_uuid.trim().is_empty() {
        return Err(Error::InvalidInput(
            "prediction_task_uuid must not be empty".to_owned(),
        ));
    }
    Ok(())
}

/// Per-call HTTP settings of a call builder.
#[derive(Debug, Clone, Default)]
struct CallSettings {
    request_timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
}

/// The classification API. Get it with [`Dragoneye::classification`]; it holds a clone of the
/// client (cheap), so it can be stored and moved into tasks.
#[derive(Debug, Clone)]
pub struct Classification {
    client: Dragoneye,
}

impl Classification {
    pub(crate) fn new(client: Dragoneye) -> Self {
        Self { client }
    }

    /// Predicts on an image: begin, upload, start, wait, fetch results. Options are builder
    /// methods on the returned [`PredictImage`]; `.await` it (or call `.send()`).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use dragoneye::{Dragoneye, Image};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dragoneye::Result<()> {
    /// let client = Dragoneye::from_env()?;
    /// let result = client
    ///     .classification()
    ///     .predict_image(Image::from_path("houses.jpg"), "recognize_anything/houses")
    ///     .timeout(Duration::from_secs(60))
    ///     .await?;
    /// println!("{} objects", result.objects.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn predict_image(
        &self,
        media: impl Into<Image>,
        model_name: impl Into<String>,
    ) -> PredictImage {
        PredictImage {
            run: Run::new(self.clone(), Media::Image(media.into()), model_name.into()),
        }
    }

    /// Predicts on a video: begin, upload (streamed from disk), start, wait, fetch results.
    /// Options are builder methods on the returned [`PredictVideo`]; `.await` it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use dragoneye::{Dragoneye, Video};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dragoneye::Result<()> {
    /// let client = Dragoneye::from_env()?;
    /// let result = client
    ///     .classification()
    ///     .predict_video(Video::from_path("intersection.mp4"), "recognize_anything/traffic")
    ///     .frames_per_second(2)
    ///     .timeout(Duration::from_secs(1800))
    ///     .await?;
    /// println!("{} tracked objects at {} fps", result.objects.len(), result.frames_per_second);
    /// # Ok(())
    /// # }
    /// ```
    pub fn predict_video(
        &self,
        media: impl Into<Video>,
        model_name: impl Into<String>,
    ) -> PredictVideo {
        PredictVideo {
            run: Run::new(self.clone(), Media::Video(media.into()), model_name.into()),
        }
    }

    fn spec(&self, method: Method, path: &[&str], settings: &CallSettings) -> RequestSpec {
        RequestSpec::new(method, join(&self.client.inner.base_url, path))
            .timeout(settings.request_timeout)
    }

    async fn execute(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        settings: &CallSettings,
        classifier: Arc<dyn Classify>,
        default_policy: &RetryPolicy,
        spec: RequestSpec,
    ) -> std::result::Result<HttpResponse, HttpError> {
        let policy = settings.retry_policy.as_ref().unwrap_or(default_policy);
        self.client
            .inner
            .executor
            .execute_with(operation, idempotency, policy, &*classifier, spec)
            .await
    }

    async fn api(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        settings: &CallSettings,
        spec: RequestSpec,
    ) -> std::result::Result<HttpResponse, HttpError> {
        let policy = &self.client.inner.api_policy;
        self.execute(
            operation,
            idempotency,
            settings,
            api_classifier(),
            policy,
            spec,
        )
        .await
    }

    /// Step 1: creates a prediction task for `media` (`POST /prediction-task/begin`).
    ///
    /// The media is opened and checked first; only its MIME type and name are sent here, the
    /// content goes with [`upload`](Self::upload).
    ///
    /// # Errors
    ///
    /// [`Error::Media`] / [`Error::InvalidInput`] before any request;
    /// [`Error::TaskBeginFailed`] (400 with the server's `detail`, other HTTP errors, 429s
    /// beyond the retry budget, connection errors, `OutcomeUnknown`); [`Error::Decode`] /
    /// [`Error::InvalidResponse`] for a malformed answer.
    pub async fn begin(
        &self,
        media: impl Into<Media>,
        options: &TaskOptions,
    ) -> Result<PredictionTask> {
        options.check()?;
        let media = media.into();
        let source = media.open().await?;
        self.begin_with("begin", &CallSettings::default(), &source, options)
            .await
    }

    async fn begin_with(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        source: &MediaSource,
        options: &TaskOptions,
    ) -> Result<PredictionTask> {
        let mut form: Vec<(&str, &str)> = vec![
            ("mimetype", source.mime().as_ref()),
            ("response_version", RESPONSE_VERSION),
        ];
        if let Some(name) = source.file_name() {
            form.push(("file_name", name));
        }
        let fps = options.frames_per_second.map(|fps| fps.to_string());
        if let Some(fps) = &fps {
            form.push(("frames_per_second", fps));
        }
        form.extend(options.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let spec = self
            .spec(Method::POST, &["prediction-task", "begin"], settings)
            .form(&form)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        // Not idempotent (it creates a task): re-sent only after a 429 or a connect error.
        let response = self
            .api(operation, Idempotency::NonIdempotent, settings, spec)
            .await
            .map_err(|e| {
                Error::from_http(e, |e| Error::TaskBeginFailed {
                    message: error_message("Error beginning prediction task", &e),
                    source: Some(e),
                })
            })?;
        let task: PredictionTask = response.json(operation)?;
        if task.signed_urls.is_empty() {
            return Err(Error::invalid_response(
                operation,
                Some(&task.prediction_task_uuid),
                "no signed upload URL in the answer",
            ));
        }
        Ok(task)
    }

    /// Step 2: uploads `media` to the task's presigned URL (without the API key).
    ///
    /// The multipart form holds the presigned fields in the server's order, then the `file`
    /// part (`filename="file"`, `application/octet-stream`), like the official SDK. Files are
    /// streamed from disk and re-opened for every attempt; a reader of unknown length is read
    /// into memory first (a presigned POST needs a length). The upload has its own retry
    /// policy ([`DragoneyeBuilder::upload_retry_policy`](crate::DragoneyeBuilder::upload_retry_policy):
    /// 429, 5xx, connection errors, timeouts; it rewrites the same object) and timeout
    /// ([`DragoneyeBuilder::upload_timeout`](crate::DragoneyeBuilder::upload_timeout), scaled
    /// with the size by default).
    ///
    /// # Errors
    ///
    /// [`Error::Media`] before any request; [`Error::UploadFailed`];
    /// [`Error::InvalidResponse`] when the task has no usable upload URL.
    pub async fn upload(&self, task: &PredictionTask, media: impl Into<Media>) -> Result<()> {
        check_task_uuid(&task.prediction_task_uuid)?;
        let source = media.into().open().await?;
        self.upload_with("upload", &CallSettings::default(), task, source)
            .await
    }

    async fn upload_with(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        task: &PredictionTask,
        mut source: MediaSource,
    ) -> Result<()> {
        let task_uuid = task.prediction_task_uuid.as_str();
        let presigned = &task
            .signed_urls
            .first()
            .ok_or_else(|| {
                Error::invalid_response(
                    operation,
                    Some(task_uuid),
                    "the task has no signed upload URL",
                )
            })?
            .presigned_post_request;
        let url = Url::parse(presigned.url.trim()).map_err(|e| {
            Error::invalid_response(
                operation,
                Some(task_uuid),
                format!("the presigned upload URL is invalid: {e}"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid_response(
                operation,
                Some(task_uuid),
                "the presigned upload URL is not http(s)",
            ));
        }
        if source.len().is_none() {
            source = source.into_memory().await?;
        }
        let timeout = settings
            .request_timeout
            .or_else(|| self.client.upload_timeout_for(source.len()))
            .unwrap_or(NO_LIMIT);
        let file = source
            .with_mime(mime::APPLICATION_OCTET_STREAM)
            .with_file_name("file");
        let mut fields: Vec<MultipartField> = presigned
            .fields
            .iter()
            .map(|(name, value)| MultipartField::Text {
                name: name.clone(),
                value: value.clone(),
            })
            .collect();
        fields.push(MultipartField::Media {
            name: "file".to_owned(),
            source: file,
        });
        let spec = RequestSpec::new(Method::POST, url)
            .multipart(fields)
            .without_auth()
            .timeout(Some(timeout));
        let policy = &self.client.inner.upload_policy;
        self.execute(
            operation,
            Idempotency::Idempotent,
            settings,
            upload_classifier(),
            policy,
            spec,
        )
        .await
        .map_err(|e| {
            Error::from_http(e, |source| Error::UploadFailed {
                task_uuid: task_uuid.to_owned(),
                source,
            })
        })?;
        Ok(())
    }

    /// Step 3: starts the prediction of an uploaded task with `model_name` (`POST /predict`).
    ///
    /// Not idempotent: re-sent only after a 429 or a connect error. After an ambiguous failure
    /// ([`HttpError::OutcomeUnknown`]), poll [`status`](Self::status) and start again only if
    /// the task has not started (see [`Error`]'s docs).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty uuid or model name (nothing sent);
    /// [`Error::TaskStartFailed`] (the official `PredictionTaskError("Error initiating
    /// prediction:", …)`).
    pub async fn start(
        &self,
        task_uuid: &str,
        model_name: &str,
        options: &TaskOptions,
    ) -> Result<()> {
        check_task_uuid(task_uuid)?;
        check_model_name(model_name)?;
        options.check()?;
        self.start_with(
            "start",
            &CallSettings::default(),
            task_uuid,
            model_name,
            options,
        )
        .await
    }

    async fn start_with(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        task_uuid: &str,
        model_name: &str,
        options: &TaskOptions,
    ) -> Result<()> {
        let mut form: Vec<(&str, &str)> = vec![
            ("model_name", model_name),
            ("prediction_task_uuid", task_uuid),
        ];
        form.extend(options.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let spec = self
            .spec(Method::POST, &["predict"], settings)
            .form(&form)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        self.api(operation, Idempotency::NonIdempotent, settings, spec)
            .await
            .map_err(|e| {
                Error::from_http(e, |source| Error::TaskStartFailed {
                    task_uuid: task_uuid.to_owned(),
                    source,
                })
            })?;
        Ok(())
    }

    /// The task's current status (`GET /prediction-task/status`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty uuid; [`Error::StatusFailed`];
    /// [`Error::Decode`] for a malformed answer (one without its uuid included).
    pub async fn status(&self, task_uuid: &str) -> Result<PredictionTaskStatusResponse> {
        check_task_uuid(task_uuid)?;
        self.status_with("status", &CallSettings::default(), task_uuid)
            .await
    }

    async fn status_with(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        task_uuid: &str,
    ) -> Result<PredictionTaskStatusResponse> {
        let spec = self
            .spec(Method::GET, &["prediction-task", "status"], settings)
            .query([("predictionTaskUuid", task_uuid)]);
        let response = self
            .api(operation, Idempotency::Idempotent, settings, spec)
            .await
            .map_err(|e| {
                Error::from_http(e, |source| Error::StatusFailed {
                    task_uuid: task_uuid.to_owned(),
                    source,
                })
            })?;
        Ok(response.json(operation)?)
    }

    /// Step 4: polls the status at the client's poll interval (1 s by default) until the task
    /// is `predicted` (returned), `failed…` ([`Error::TaskFailed`]) or the
    /// [`timeout`](Wait::timeout) passes ([`Error::PredictionTimeout`]); without a timeout it
    /// waits forever. `.await` the returned [`Wait`].
    ///
    /// The first poll is immediate and, unlike the official SDK, one last poll happens at the
    /// deadline, so a task finishing just then is not reported as timed out.
    ///
    /// ```no_run
    /// # async fn demo(client: dragoneye::Dragoneye, uuid: String) -> dragoneye::Result<()> {
    /// let status = client.classification().wait(&uuid).timeout(std::time::Duration::from_secs(600)).await?;
    /// assert!(status.status.is_success());
    /// # Ok(()) }
    /// ```
    pub fn wait(&self, task_uuid: impl Into<String>) -> Wait {
        Wait {
            classification: self.clone(),
            task_uuid: task_uuid.into(),
            timeout: None,
            poll_interval: None,
            settings: CallSettings::default(),
        }
    }

    async fn wait_with(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        task_uuid: &str,
        timeout: Option<Duration>,
        interval: Duration,
    ) -> Result<PredictionTaskStatusResponse> {
        let clock = Arc::clone(self.client.inner.executor.clock());
        let outcome = poll_until(
            clock.as_ref(),
            &PollSchedule::fixed(interval),
            timeout.unwrap_or(Duration::MAX),
            || async move {
                let status = self.status_with(operation, settings, task_uuid).await?;
                Ok::<_, Error>(if status.status.is_complete() {
                    Probe::Ready(status)
                } else {
                    Probe::Pending(status)
                })
            },
        )
        .await?;
        match outcome {
            PollOutcome::Ready(status) if status.status.is_failed() => Err(Error::TaskFailed {
                task_uuid: task_uuid.to_owned(),
                status: status.status,
            }),
            PollOutcome::Ready(status) => Ok(status),
            PollOutcome::TimedOut(last) => Err(Error::PredictionTimeout {
                task_uuid: task_uuid.to_owned(),
                timeout: timeout.unwrap_or(Duration::MAX),
                last_status: Some(Box::new(last)),
            }),
        }
    }

    async fn fetch_results(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        task_uuid: &str,
    ) -> Result<HttpResponse> {
        let spec = self
            .spec(Method::GET, &["prediction-task", "results"], settings)
            .query([
                ("predictionTaskUuid", task_uuid),
                ("response_version", RESPONSE_VERSION),
            ]);
        self.api(operation, Idempotency::Idempotent, settings, spec)
            .await
            .map_err(|e| {
                Error::from_http(e, |e| Error::ResultsUnavailable {
                    task_uuid: task_uuid.to_owned(),
                    message: error_message("Error getting prediction task results", &e),
                    source: Some(e),
                })
            })
    }

    async fn image_results_with(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        task_uuid: &str,
    ) -> Result<ClassificationPredictImageResponse> {
        let response = self.fetch_results(operation, settings, task_uuid).await?;
        let name = original_file_name(response.headers());
        results::decode_image_results(response.body(), task_uuid, name).map_err(|source| {
            Error::ResultsDecode {
                task_uuid: task_uuid.to_owned(),
                source,
            }
        })
    }

    async fn video_results_with(
        &self,
        operation: &'static str,
        settings: &CallSettings,
        task_uuid: &str,
    ) -> Result<ClassificationPredictVideoResponse> {
        let response = self.fetch_results(operation, settings, task_uuid).await?;
        let fps = frames_per_second(operation, task_uuid, response.headers())?;
        let name = original_file_name(response.headers());
        results::decode_video_results(response.body(), task_uuid, name, fps).map_err(|source| {
            Error::ResultsDecode {
                task_uuid: task_uuid.to_owned(),
                source,
            }
        })
    }

    /// Step 5 for an image task: fetches and decodes the results
    /// (`GET /prediction-task/results`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty uuid; [`Error::ResultsUnavailable`] (a 400 "not
    /// ready", other HTTP errors); [`Error::ResultsDecode`] for a corrupt payload.
    pub async fn get_image_results(
        &self,
        task_uuid: &str,
    ) -> Result<ClassificationPredictImageResponse> {
        check_task_uuid(task_uuid)?;
        self.image_results_with("get_image_results", &CallSettings::default(), task_uuid)
            .await
    }

    /// Step 5 for a video task: fetches and decodes the results, with the effective sampling
    /// rate from the `X-Frames-Per-Second` header.
    ///
    /// # Errors
    ///
    /// As [`get_image_results`](Self::get_image_results); a missing `X-Frames-Per-Second` is
    /// [`Error::ResultsUnavailable`] (as in the official SDK), one that is not a number
    /// [`Error::InvalidResponse`].
    pub async fn get_video_results(
        &self,
        task_uuid: &str,
    ) -> Result<ClassificationPredictVideoResponse> {
        check_task_uuid(task_uuid)?;
        self.video_results_with("get_video_results", &CallSettings::default(), task_uuid)
            .await
    }

    /// Step 5 for a task of either kind (e.g. one submitted earlier with [`submit`](Self::submit)).
    ///
    /// # Errors
    ///
    /// As [`get_image_results`](Self::get_image_results) / [`get_video_results`](Self::get_video_results);
    /// [`Error::InvalidInput`] for a prediction type this version does not know.
    pub async fn get_results(
        &self,
        task_uuid: &str,
        prediction_type: impl Into<PredictionType>,
    ) -> Result<PredictionResults> {
        check_task_uuid(task_uuid)?;
        let settings = CallSettings::default();
        match prediction_type.into() {
            PredictionType::Image => self
                .image_results_with("get_results", &settings, task_uuid)
                .await
                .map(PredictionResults::Image),
            PredictionType::Video => self
                .video_results_with("get_results", &settings, task_uuid)
                .await
                .map(PredictionResults::Video),
            other => Err(Error::InvalidInput(format!(
                "unknown prediction type `{other}`: only image and video results can be decoded"
            ))),
        }
    }

    /// Begin, upload and start: the task runs on the server while the caller does something
    /// else; collect it later with [`wait`](Self::wait) and [`get_results`](Self::get_results).
    ///
    /// ```no_run
    /// use dragoneye::{Dragoneye, Image, TaskOptions};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dragoneye::Result<()> {
    /// let client = Dragoneye::from_env()?;
    /// let classification = client.classification();
    /// let mut tasks = Vec::new();
    /// for path in ["a.jpg", "b.jpg", "c.jpg"] {
    ///     let image = Image::from_path(path);
    ///     tasks.push(classification.submit(image, "recognize_anything/houses", &TaskOptions::new()).await?);
    /// }
    /// for task in &tasks {
    ///     classification.wait(&task.prediction_task_uuid).await?;
    ///     let results = classification
    ///         .get_results(&task.prediction_task_uuid, &task.prediction_type)
    ///         .await?;
    ///     println!("{results:?}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`begin`](Self::begin), [`upload`](Self::upload) and [`start`](Self::start).
    pub async fn submit(
        &self,
        media: impl Into<Media>,
        model_name: &str,
        options: &TaskOptions,
    ) -> Result<PredictionTask> {
        check_model_name(model_name)?;
        options.check()?;
        let media = media.into();
        let source = media.open().await?;
        let settings = CallSettings::default();
        let task = self
            .begin_with("submit", &settings, &source, options)
            .await?;
        self.upload_with("submit", &settings, &task, source).await?;
        self.start_with(
            "submit",
            &settings,
            &task.prediction_task_uuid,
            model_name,
            options,
        )
        .await?;
        Ok(task)
    }
}

/// The server's `detail` of a 400 (FastAPI style), else a description of the error.
fn error_message(prefix: &str, error: &HttpError) -> String {
    if error.status() == Some(StatusCode::BAD_REQUEST)
        && let Some(detail) = error
            .details()
            .and_then(|d| d.body().json())
            .and_then(|json| json.get("detail").cloned())
    {
        return match detail {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
    }
    format!("{prefix}: {error}")
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn original_file_name(headers: &HeaderMap) -> Option<String> {
    header_text(headers, HEADER_ORIGINAL_FILE_NAME)
}

fn frames_per_second(operation: &'static str, task_uuid: &str, headers: &HeaderMap) -> Result<u32> {
    let Some(text) = header_text(headers, HEADER_FRAMES_PER_SECOND) else {
        return Err(Error::ResultsUnavailable {
            task_uuid: task_uuid.to_owned(),
            message: "Missing X-Frames-Per-Second header on video prediction response".to_owned(),
            source: None,
        });
    };
    text.trim()
        .parse::<u32>()
        .map_err(|e| Error::InvalidResponse {
            operation,
            task_uuid: Some(task_uuid.to_owned()),
            reason: format!("invalid X-Frames-Per-Second header {text:?}: {e}"),
            source: Some(Box::new(e)),
        })
}

/// The shared part of [`PredictImage`] and [`PredictVideo`].
#[derive(Debug, Clone)]
struct Run {
    classification: Classification,
    media: Media,
    model_name: String,
    options: TaskOptions,
    timeout: Option<Duration>,
    poll_interval: Option<Duration>,
    settings: CallSettings,
}

impl Run {
    fn new(classification: Classification, media: Media, model_name: String) -> Self {
        Self {
            classification,
            media,
            model_name,
            options: TaskOptions::new(),
            timeout: None,
            poll_interval: None,
            settings: CallSettings::default(),
        }
    }

    /// Checks everything, then runs the steps up to a finished task.
    async fn until_predicted(
        &self,
        operation: &'static str,
        expected: PredictionType,
    ) -> Result<PredictionTask> {
        check_model_name(&self.model_name)?;
        self.options.check()?;
        let source = self.media.open().await?;
        let c = &self.classification;
        let settings = &self.settings;
        let task = c
            .begin_with(operation, settings, &source, &self.options)
            .await?;
        if task.prediction_type != expected {
            // Before the upload: nothing is paid for a task whose results this call cannot return.
            return Err(Error::InvalidResponse {
                operation,
                task_uuid: Some(task.prediction_task_uuid.clone()),
                reason: format!(
                    "asked for an {expected} prediction, the server created a task of type `{}` (use submit and get_results to accept either)",
                    task.prediction_type
                ),
                source: None,
            });
        }
        c.upload_with(operation, settings, &task, source).await?;
        c.start_with(
            operation,
            settings,
            &task.prediction_task_uuid,
            &self.model_name,
            &self.options,
        )
        .await?;
        let interval = self.poll_interval.unwrap_or(c.client.inner.poll_interval);
        c.wait_with(
            operation,
            settings,
            &task.prediction_task_uuid,
            self.timeout,
            interval,
        )
        .await?;
        Ok(task)
    }
}

macro_rules! http_options {
    ($($field:ident).+) => {
        /// The timeout of each HTTP request of this call (default: the client's; the upload's
        /// own default scales with the media).
        pub fn request_timeout(mut self, timeout: Duration) -> Self {
            self.$($field).+.request_timeout = Some(timeout);
            self
        }

        /// The retry policy of each HTTP request of this call (default: the client's; for the
        /// upload, the client's upload policy).
        pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
            self.$($field).+.retry_policy = Some(policy);
            self
        }
    };
}

macro_rules! predict_options {
    () => {
        /// Gives up waiting (with [`Error::PredictionTimeout`]) when the task is not finished
        /// this long after polling started (the official `timeout_seconds`; default: wait
        /// forever). Begin, upload and results are not counted. This is not the HTTP timeout
        /// ([`request_timeout`](Self::request_timeout)).
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.run.timeout = Some(timeout);
            self
        }

        /// Interval between status polls (default: the client's, 1 s).
        pub fn poll_interval(mut self, interval: Duration) -> Self {
            self.run.poll_interval = Some(interval);
            self
        }

        /// An extra form parameter sent to begin and predict (the official `**kwargs`), as
        /// Python's `str(value)`: `.param("x", true)` sends `x=True` (see [`ParamValue`]).
        pub fn param(mut self, key: impl Into<String>, value: impl Into<ParamValue>) -> Self {
            self.run.options = self.run.options.param(key, value);
            self
        }

        http_options!(run.settings);
    };
}

/// An image prediction being configured; `.await` it (or call [`send`](Self::send)).
///
/// Owns a clone of the client: `'static + Send + Clone`, so it can be spawned.
#[derive(Debug, Clone)]
#[must_use = "a prediction does nothing until awaited"]
pub struct PredictImage {
    run: Run,
}

impl PredictImage {
    predict_options!();

    /// Runs the prediction.
    ///
    /// # Errors
    ///
    /// Any of the steps' errors (see [`Classification`]); [`Error::InvalidResponse`] right
    /// after begin when the server created a video task.
    pub async fn send(self) -> Result<ClassificationPredictImageResponse> {
        let task = self
            .run
            .until_predicted("predict_image", PredictionType::Image)
            .await?;
        self.run
            .classification
            .image_results_with(
                "predict_image",
                &self.run.settings,
                &task.prediction_task_uuid,
            )
            .await
    }
}

impl IntoFuture for PredictImage {
    type Output = Result<ClassificationPredictImageResponse>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A video prediction being configured; `.await` it (or call [`send`](Self::send)).
///
/// Owns a clone of the client: `'static + Send + Clone`, so it can be spawned.
#[derive(Debug, Clone)]
#[must_use = "a prediction does nothing until awaited"]
pub struct PredictVideo {
    run: Run,
}

impl PredictVideo {
    predict_options!();

    /// Frames per second to sample: the sampling rate, **not** the video's own frame rate
    /// (2 = two frames analysed per second of video). Unset, none is sent and the server's
    /// default applies (2.0.1); 2.0.0 and the docs page send 1
    /// ([`DOCS_FRAMES_PER_SECOND`]). The effective rate is in the result's
    /// `frames_per_second`. At least 1 (checked before any request).
    pub fn frames_per_second(mut self, fps: u32) -> Self {
        self.run.options = self.run.options.frames_per_second(fps);
        self
    }

    /// Runs the prediction.
    ///
    /// # Errors
    ///
    /// Any of the steps' errors (see [`Classification`]); [`Error::InvalidResponse`] right
    /// after begin when the server created an image task.
    pub async fn send(self) -> Result<ClassificationPredictVideoResponse> {
        let task = self
            .run
            .until_predicted("predict_video", PredictionType::Video)
            .await?;
        self.run
            .classification
            .video_results_with(
                "predict_video",
                &self.run.settings,
                &task.prediction_task_uuid,
            )
            .await
    }
}

impl IntoFuture for PredictVideo {
    type Output = Result<ClassificationPredictVideoResponse>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A wait for a task being configured ([`Classification::wait`]); `.await` it (or call
/// [`send`](Self::send)).
#[derive(Clone)]
#[must_use = "a wait does nothing until awaited"]
pub struct Wait {
    classification: Classification,
    task_uuid: String,
    timeout: Option<Duration>,
    poll_interval: Option<Duration>,
    settings: CallSettings,
}

impl fmt::Debug for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("task_uuid", &self.task_uuid)
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
}

impl Wait {
    /// Gives up (with [`Error::PredictionTimeout`]) when the task is not finished this long
    /// after the first poll (default: wait forever).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Interval between status polls (default: the client's, 1 s).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = Some(interval);
        self
    }

    http_options!(settings);

    /// Waits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty uuid; [`Error::TaskFailed`],
    /// [`Error::PredictionTimeout`], and the errors of [`Classification::status`].
    pub async fn send(self) -> Result<PredictionTaskStatusResponse> {
        check_task_uuid(&self.task_uuid)?;
        let c = &self.classification;
        let interval = self.poll_interval.unwrap_or(c.client.inner.poll_interval);
        c.wait_with(
            "wait",
            &self.settings,
            &self.task_uuid,
            self.timeout,
            interval,
        )
        .await
    }
}

impl IntoFuture for Wait {
    type Output = Result<PredictionTaskStatusResponse>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Media kinds as the task's prediction type.
impl From<MediaKind> for PredictionType {
    fn from(kind: MediaKind) -> Self {
        match kind {
            MediaKind::Image => Self::Image,
            MediaKind::Video => Self::Video,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{ClassificationPredictVideoResponse, PredictionTask};

    #[test]
    fn presigned_fields_keep_order_and_python_str() {
        let json = r#"{"prediction_task_uuid":"u","prediction_type":"video","extra":1,
            "signed_urls":[{"blob_path":"b","presigned_post_request":{"url":"https://x/up",
            "fields":{"z":"1","a":2,"m":true,"n":null,"f":1.5}}}]}"#;
        let task: PredictionTask = serde_json::from_str(json).unwrap();
        let fields = &task.signed_urls[0].presigned_post_request.fields;
        let got: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("z", "1"),
                ("a", "2"),
                ("m", "True"),
                ("n", "None"),
                ("f", "1.5")
            ]
        );
        let debug = format!("{:?}", task.signed_urls[0].presigned_post_request);
        assert!(!debug.contains("True"), "{debug}");
        let back = serde_json::to_value(&task.signed_urls[0].presigned_post_request).unwrap();
        assert_eq!(back["fields"]["z"], "1");
        let no_uuid = r#"{"prediction_type":"video","signed_urls":[]}"#;
        assert!(serde_json::from_str::<PredictionTask>(no_uuid).is_err());
    }

    #[test]
    fn frames_per_second_header() {
        let mut headers = HeaderMap::new();
        assert!(matches!(
            frames_per_second("get_video_results", "u", &headers),
            Err(Error::ResultsUnavailable { .. })
        ));
        headers.insert(HEADER_FRAMES_PER_SECOND, " 2 ".parse().unwrap());
        assert_eq!(
            frames_per_second("get_video_results", "u", &headers).unwrap(),
            2
        );
        headers.insert(HEADER_FRAMES_PER_SECOND, "two".parse().unwrap());
        let err = frames_per_second("get_video_results", "u", &headers).unwrap_err();
        assert!(err.is_decode(), "{err:?}");
        assert!(err.to_string().contains("invalid digit"), "{err}");
    }

    #[test]
    fn empty_video_results_are_not_read_as_images() {
        let video = PredictionResults::Video(ClassificationPredictVideoResponse::new(
            Vec::new(),
            2,
            Vec::new(),
            "u".into(),
            None,
        ));
        let json = serde_json::to_string(&video).unwrap();
        let back: PredictionResults = serde_json::from_str(&json).unwrap();
        assert_eq!(back, video);
        assert_eq!(back.prediction_type(), PredictionType::Video);
        let image: PredictionResults = serde_json::from_str(
            r#"{"objects":[],"prediction_task_uuid":"u","original_file_name":null}"#,
        )
        .unwrap();
        assert_eq!(image.prediction_type(), PredictionType::Image);
        let typed = PredictionResults::from_json_as(&PredictionType::Video, &json).unwrap();
        assert_eq!(typed, video);
        assert!(PredictionResults::from_json_as(&"audio".into(), &json).is_err());
    }

    #[test]
    fn task_options_are_checked() {
        assert!(TaskOptions::new().frames_per_second(0).check().is_err());
        assert!(TaskOptions::new().param(" ", 1).check().is_err());
        assert!(
            TaskOptions::new()
                .frames_per_second(1)
                .param("x", true)
                .check()
                .is_ok()
        );
        assert!(check_model_name(" ").is_err());
        assert!(check_task_uuid("").is_err());
    }
}
