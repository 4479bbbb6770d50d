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
//! [`predict_video`](Classification::predict_video) run all five.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use vision_sdk_common::error::HttpError;
use vision_sdk_common::http::{HeaderMap, Method, StatusCode};
use vision_sdk_common::internal::{HttpResponse, Idempotency, MultipartField, RequestSpec};
use vision_sdk_common::poll::{PollOutcome, PollSchedule, Probe, poll_until};

use crate::client::{Dragoneye, upload_classifier};
use crate::error::Error;
use crate::media::{Image, Media, Video};
use crate::models::{
    ClassificationPredictImageResponse, ClassificationPredictVideoResponse,
    PredictionTaskStatusResponse, PredictionType,
};
use crate::results;

/// The `response_version` this crate speaks (ZIP of Parquet, object-forward schema).
pub const RESPONSE_VERSION: &str = "parquet_object";

const HEADER_ORIGINAL_FILE_NAME: &str = "x-original-file-name";
const HEADER_FRAMES_PER_SECOND: &str = "x-frames-per-second";

/// A created prediction task: the answer of `POST /prediction-task/begin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictionTask {
    /// The task's identifier.
    pub prediction_task_uuid: String,
    /// Image or video, as the server decided (it selects the results model).
    pub prediction_type: PredictionType,
    /// Where to upload the media; only the first is used, like the official SDK.
    pub signed_urls: Vec<SignedUrl>,
}

/// One upload destination of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedUrl {
    /// The object's path in the bucket.
    pub blob_path: String,
    /// The browser-style presigned POST form.
    pub presigned_post_request: PresignedPostRequest,
}

/// A presigned POST form (S3/GCS): the URL and the fields to send before the file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresignedPostRequest {
    /// Where to `POST` the form.
    pub url: String,
    /// The form fields, in the server's order, values as text (non-string JSON values are
    /// rendered like Python's `str()`).
    #[serde(with = "ordered_fields")]
    pub fields: Vec<(String, String)>,
}

impl fmt::Debug for PresignedPostRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The policy and signature authorise writes: show only the field names.
        let names: Vec<&str> = self.fields.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("PresignedPostRequest")
            .field("url", &self.url)
            .field("fields", &names)
            .finish()
    }
}

mod ordered_fields {
    use std::fmt;

    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        fields: &[(String, String)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (k, v) in fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, String)>, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of presigned form fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    out.push((k, python_str(&v)));
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(Fields)
    }

    /// `str(v)` of the official SDK for JSON values.
    fn python_str(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(true) => "True".to_owned(),
            serde_json::Value::Bool(false) => "False".to_owned(),
            serde_json::Value::Null => "None".to_owned(),
            other => other.to_string(),
        }
    }
}

/// Results of either kind, for [`Classification::get_results`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum PredictionResults {
    /// Results of an image task.
    Image(ClassificationPredictImageResponse),
    /// Results of a video task.
    Video(ClassificationPredictVideoResponse),
}

/// Options of a task: the video sampling rate and extra parameters (the official `**kwargs`,
/// sent to both begin and predict).
///
/// ```
/// use dragoneye::TaskOptions;
/// let options = TaskOptions::new().frames_per_second(2).param("threshold", "0.5");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskOptions {
    frames_per_second: Option<u32>,
    params: Vec<(String, String)>,
}

impl TaskOptions {
    /// No sampling rate (the server's default) and no extra parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Frames per second to sample a video at (omitted when not set: the server decides).
    pub fn frames_per_second(mut self, fps: u32) -> Self {
        self.frames_per_second = Some(fps);
        self
    }

    /// An extra form parameter, sent to begin and predict in the order added.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }
}

/// The classification API. Get it with [`Dragoneye::classification`].
#[derive(Debug, Clone, Copy)]
pub struct Classification<'a> {
    client: &'a Dragoneye,
}

impl<'a> Classification<'a> {
    pub(crate) fn new(client: &'a Dragoneye) -> Self {
        Self { client }
    }

    /// Predicts on an image: begin, upload, start, wait, fetch results. Options are builder
    /// methods on the returned [`PredictImage`]; `.await` it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use dragoneye::{Dragoneye, Image};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), dragoneye::Error> {
    /// let client = Dragoneye::from_env()?;
    /// let result = client
    ///     .classification()
    ///     .predict_image(Image::from_path("houses.jpg").await?, "dragoneye/houses")
    ///     .timeout(Duration::from_secs(60))
    ///     .await?;
    /// println!("{} objects", result.objects.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn predict_image(self, media: Image, model_name: impl Into<String>) -> PredictImage<'a> {
        PredictImage {
            run: Run::new(self, Media::Image(media), model_name.into()),
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
    /// # async fn main() -> Result<(), dragoneye::Error> {
    /// let client = Dragoneye::from_env()?;
    /// let result = client
    ///     .classification()
    ///     .predict_video(Video::from_path("intersection.mp4").await?, "dragoneye/traffic")
    ///     .frames_per_second(2)
    ///     .timeout(Duration::from_secs(1800))
    ///     .await?;
    /// println!("{} tracked objects at {} fps", result.objects.len(), result.frames_per_second);
    /// # Ok(())
    /// # }
    /// ```
    pub fn predict_video(self, media: Video, model_name: impl Into<String>) -> PredictVideo<'a> {
        PredictVideo {
            run: Run::new(self, Media::Video(media), model_name.into()),
        }
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, Error> {
        let text = format!("{}{}", self.client.inner.base_url, path);
        reqwest::Url::parse(&text).map_err(|e| Error::Config(format!("bad URL {text:?}: {e}")))
    }

    fn api_spec(&self, method: Method, path: &str) -> Result<RequestSpec, Error> {
        Ok(RequestSpec::new(method, self.url(path)?).timeout(self.client.inner.timeout))
    }

    /// Step 1: creates a prediction task for `media` (`POST /prediction-task/begin`).
    ///
    /// Only the media's MIME type and name are sent here; the content goes with
    /// [`upload`](Self::upload).
    ///
    /// # Errors
    ///
    /// [`Error::TaskBeginFailed`] (400 with the server's `detail`, other HTTP errors, 429s
    /// beyond the retry budget, connection errors); [`Error::InvalidResponse`] for a malformed
    /// answer.
    pub async fn begin(
        &self,
        media: impl Into<Media>,
        options: &TaskOptions,
    ) -> Result<PredictionTask, Error> {
        let media = media.into();
        let mut form: Vec<(&str, String)> = vec![
            ("mimetype", media.mime_type().as_ref().to_owned()),
            ("response_version", RESPONSE_VERSION.to_owned()),
        ];
        if let Some(name) = media.name() {
            form.push(("file_name", name.to_owned()));
        }
        if let Some(fps) = options.frames_per_second {
            form.push(("frames_per_second", fps.to_string()));
        }
        form.extend(options.params.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let spec = self
            .api_spec(Method::POST, "/prediction-task/begin")?
            .form(&form)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        // Not idempotent (it creates a task): re-sent only after a 429 or a connect error,
        // when the server provably did not act on it.
        let response = self
            .client
            .inner
            .executor
            .execute("begin", Idempotency::NonIdempotent, spec)
            .await
            .map_err(|e| Error::TaskBeginFailed {
                message: error_message("Error beginning prediction task", &e),
                source: Some(e),
            })?;
        let task: PredictionTask = response
            .json("begin")
            .map_err(|e| Error::json("begin", e))?;
        if task.signed_urls.is_empty() {
            return Err(Error::InvalidResponse {
                operation: "begin",
                reason: "no signed upload URL in the answer".to_owned(),
                source: None,
            });
        }
        Ok(task)
    }

    /// Step 2: uploads `media` to the task's presigned URL (without the API key).
    ///
    /// The multipart form holds the presigned fields in the server's order, then the `file`
    /// part (`filename="file"`, `application/octet-stream`), like the official SDK. Files are
    /// streamed from disk and re-opened for every attempt; a reader of unknown length is read
    /// into memory first (a presigned POST needs a length). The upload is retried on 429, 5xx
    /// and connection errors within the client's retry budget: it rewrites the same object.
    ///
    /// # Errors
    ///
    /// [`Error::UploadFailed`]; [`Error::InvalidInput`] when the task has no usable upload URL.
    pub async fn upload(
        &self,
        task: &PredictionTask,
        media: impl Into<Media>,
    ) -> Result<(), Error> {
        let media = media.into();
        let upload_failed = |source: HttpError| Error::UploadFailed {
            task_uuid: task.prediction_task_uuid.clone(),
            source,
        };
        let presigned = &task
            .signed_urls
            .first()
            .ok_or_else(|| Error::InvalidInput("the task has no signed upload URL".to_owned()))?
            .presigned_post_request;
        let url = reqwest::Url::parse(&presigned.url).map_err(|e| Error::InvalidResponse {
            operation: "begin",
            reason: format!("the presigned upload URL is invalid: {e}"),
            source: None,
        })?;
        let mut source = media.source().clone();
        if source.len().is_none() {
            source = source
                .into_memory()
                .await
                .map_err(|e| upload_failed(HttpError::Body(e)))?;
        }
        let file = source
            .with_mime(vision_sdk_common::mime::APPLICATION_OCTET_STREAM)
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
            .timeout(self.client.inner.upload_timeout);
        let executor = &self.client.inner.executor;
        executor
            .execute_with(
                "upload",
                Idempotency::Idempotent,
                executor.retry_policy(),
                upload_classifier(),
                spec,
            )
            .await
            .map_err(upload_failed)?;
        Ok(())
    }

    /// Step 3: starts the prediction of an uploaded task with `model_name` (`POST /predict`).
    ///
    /// # Errors
    ///
    /// [`Error::Api`] / [`Error::Transport`] (the official `PredictionTaskError("Error
    /// initiating prediction:", …)`).
    pub async fn start(
        &self,
        task_uuid: &str,
        model_name: &str,
        options: &TaskOptions,
    ) -> Result<(), Error> {
        let mut form: Vec<(&str, &str)> = vec![
            ("model_name", model_name),
            ("prediction_task_uuid", task_uuid),
        ];
        form.extend(options.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let spec = self
            .api_spec(Method::POST, "/predict")?
            .form(&form)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        // Keyed by the task: starting it again is harmless.
        self.client
            .inner
            .executor
            .execute("predict", Idempotency::NonIdempotent, spec)
            .await
            .map_err(|e| Error::http("predict", e))?;
        Ok(())
    }

    /// The task's current status (`GET /prediction-task/status`), 429s retried.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] / [`Error::Transport`]; [`Error::InvalidResponse`] for a malformed answer.
    pub async fn status(&self, task_uuid: &str) -> Result<PredictionTaskStatusResponse, Error> {
        let spec = self
            .api_spec(Method::GET, "/prediction-task/status")?
            .query([("predictionTaskUuid", task_uuid)]);
        let response = self
            .client
            .inner
            .executor
            .execute("status", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| Error::http("status", e))?;
        response
            .json("status")
            .map_err(|e| Error::json("status", e))
    }

    /// Step 4: polls the status at the client's poll interval (1 s by default) until the task
    /// is `predicted` (returned), `failed…` ([`Error::TaskFailed`]) or `timeout` passes
    /// ([`Error::PredictionTimeout`]); `None` waits forever.
    ///
    /// The first poll is immediate and, unlike the official SDK, one last poll happens at the
    /// deadline, so a task finishing just then is not reported as timed out.
    ///
    /// # Errors
    ///
    /// As above, and the errors of [`status`](Self::status).
    pub async fn wait(
        &self,
        task_uuid: &str,
        timeout: Option<Duration>,
    ) -> Result<PredictionTaskStatusResponse, Error> {
        self.wait_every(task_uuid, timeout, self.client.inner.poll_interval)
            .await
    }

    async fn wait_every(
        &self,
        task_uuid: &str,
        timeout: Option<Duration>,
        interval: Duration,
    ) -> Result<PredictionTaskStatusResponse, Error> {
        let this = *self;
        let clock = self.client.inner.executor.clock().clone();
        let outcome = poll_until(
            clock.as_ref(),
            &PollSchedule::fixed(interval),
            timeout.unwrap_or(Duration::MAX),
            || async move {
                let status = this.status(task_uuid).await?;
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

    async fn fetch_results(&self, task_uuid: &str) -> Result<HttpResponse, Error> {
        let spec = self
            .api_spec(Method::GET, "/prediction-task/results")?
            .query([
                ("predictionTaskUuid", task_uuid),
                ("response_version", RESPONSE_VERSION),
            ]);
        self.client
            .inner
            .executor
            .execute("results", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| Error::ResultsUnavailable {
                task_uuid: task_uuid.to_owned(),
                message: error_message("Error getting prediction task results", &e),
                source: Some(e),
            })
    }

    /// Step 5 for an image task: fetches and decodes the results
    /// (`GET /prediction-task/results`).
    ///
    /// # Errors
    ///
    /// [`Error::ResultsUnavailable`] (a 400 "not ready", other HTTP errors);
    /// [`Error::Decode`] for a corrupt payload.
    pub async fn get_image_results(
        &self,
        task_uuid: &str,
    ) -> Result<ClassificationPredictImageResponse, Error> {
        let response = self.fetch_results(task_uuid).await?;
        let name = original_file_name(response.headers());
        Ok(results::decode_image_results(
            response.body(),
            task_uuid,
            name,
        )?)
    }

    /// Step 5 for a video task: fetches and decodes the results, with the effective sampling
    /// rate from the `X-Frames-Per-Second` header.
    ///
    /// # Errors
    ///
    /// [`Error::ResultsUnavailable`]; [`Error::Decode`] for a corrupt payload;
    /// [`Error::InvalidResponse`] when `X-Frames-Per-Second` is missing or not a number.
    pub async fn get_video_results(
        &self,
        task_uuid: &str,
    ) -> Result<ClassificationPredictVideoResponse, Error> {
        let response = self.fetch_results(task_uuid).await?;
        let fps = frames_per_second(response.headers())?;
        let name = original_file_name(response.headers());
        Ok(results::decode_video_results(
            response.body(),
            task_uuid,
            name,
            fps,
        )?)
    }

    /// Step 5 for a task of either kind (e.g. one submitted earlier with [`begin`](Self::begin)).
    ///
    /// # Errors
    ///
    /// As [`get_image_results`](Self::get_image_results) / [`get_video_results`](Self::get_video_results).
    pub async fn get_results(
        &self,
        task_uuid: &str,
        prediction_type: PredictionType,
    ) -> Result<PredictionResults, Error> {
        match prediction_type {
            PredictionType::Image => self
                .get_image_results(task_uuid)
                .await
                .map(PredictionResults::Image),
            PredictionType::Video => self
                .get_video_results(task_uuid)
                .await
                .map(PredictionResults::Video),
        }
    }

    /// Begin, upload and start: the task runs on the server while the caller does something
    /// else; collect it later with [`wait`](Self::wait) and [`get_results`](Self::get_results).
    ///
    /// ```no_run
    /// use dragoneye::{Dragoneye, Image, TaskOptions};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), dragoneye::Error> {
    /// let client = Dragoneye::from_env()?;
    /// let classification = client.classification();
    /// let mut tasks = Vec::new();
    /// for path in ["a.jpg", "b.jpg", "c.jpg"] {
    ///     let image = Image::from_path(path).await?;
    ///     tasks.push(classification.submit(image, "dragoneye/houses", &TaskOptions::new()).await?);
    /// }
    /// for task in &tasks {
    ///     classification.wait(&task.prediction_task_uuid, None).await?;
    ///     let results = classification
    ///         .get_results(&task.prediction_task_uuid, task.prediction_type)
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
    ) -> Result<PredictionTask, Error> {
        let media = media.into();
        let task = self.begin(media.clone(), options).await?;
        self.upload(&task, media).await?;
        self.start(&task.prediction_task_uuid, model_name, options)
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

fn frames_per_second(headers: &HeaderMap) -> Result<u32, Error> {
    let Some(text) = header_text(headers, HEADER_FRAMES_PER_SECOND) else {
        return Err(Error::InvalidResponse {
            operation: "results",
            reason: "Missing X-Frames-Per-Second header on video prediction response".to_owned(),
            source: None,
        });
    };
    text.trim()
        .parse::<u32>()
        .map_err(|e| Error::InvalidResponse {
            operation: "results",
            reason: format!("invalid X-Frames-Per-Second header {text:?}"),
            source: Some(Box::new(e)),
        })
}

/// The shared part of [`PredictImage`] and [`PredictVideo`].
#[derive(Debug)]
struct Run<'a> {
    classification: Classification<'a>,
    media: Media,
    model_name: String,
    options: TaskOptions,
    timeout: Option<Duration>,
    poll_interval: Option<Duration>,
}

impl<'a> Run<'a> {
    fn new(classification: Classification<'a>, media: Media, model_name: String) -> Self {
        Self {
            classification,
            media,
            model_name,
            options: TaskOptions::new(),
            timeout: None,
            poll_interval: None,
        }
    }

    /// Runs the five steps up to a finished task.
    async fn until_predicted(&self) -> Result<PredictionTask, Error> {
        let c = &self.classification;
        let task = c.begin(self.media.clone(), &self.options).await?;
        c.upload(&task, self.media.clone()).await?;
        c.start(&task.prediction_task_uuid, &self.model_name, &self.options)
            .await?;
        let interval = self.poll_interval.unwrap_or(c.client.inner.poll_interval);
        c.wait_every(&task.prediction_task_uuid, self.timeout, interval)
            .await?;
        Ok(task)
    }
}

fn wrong_type(expected: PredictionType, got: PredictionType) -> Error {
    Error::InvalidResponse {
        operation: "begin",
        reason: format!("asked for an {expected} prediction, the server created a {got} task"),
        source: None,
    }
}

macro_rules! common_options {
    () => {
        /// Gives up waiting (with [`Error::PredictionTimeout`]) when the task is not finished
        /// this long after polling started (the official `timeout_seconds`; default: wait
        /// forever). Begin, upload and results are not counted.
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.run.timeout = Some(timeout);
            self
        }

        /// Interval between status polls (default: the client's, 1 s).
        pub fn poll_interval(mut self, interval: Duration) -> Self {
            self.run.poll_interval = Some(interval);
            self
        }

        /// An extra form parameter sent to begin and predict (the official `**kwargs`).
        pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.run.options = self.run.options.param(key, value);
            self
        }
    };
}

/// An image prediction being configured; `.await` it (or call [`send`](Self::send)).
#[derive(Debug)]
#[must_use = "a prediction does nothing until awaited"]
pub struct PredictImage<'a> {
    run: Run<'a>,
}

impl PredictImage<'_> {
    common_options!();

    /// Runs the prediction.
    ///
    /// # Errors
    ///
    /// Any of the steps' errors (see [`Classification`]).
    pub async fn send(self) -> Result<ClassificationPredictImageResponse, Error> {
        let task = self.run.until_predicted().await?;
        if task.prediction_type != PredictionType::Image {
            return Err(wrong_type(PredictionType::Image, task.prediction_type));
        }
        self.run
            .classification
            .get_image_results(&task.prediction_task_uuid)
            .await
    }
}

impl<'a> IntoFuture for PredictImage<'a> {
    type Output = Result<ClassificationPredictImageResponse, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A video prediction being configured; `.await` it (or call [`send`](Self::send)).
#[derive(Debug)]
#[must_use = "a prediction does nothing until awaited"]
pub struct PredictVideo<'a> {
    run: Run<'a>,
}

impl PredictVideo<'_> {
    common_options!();

    /// Frames per second to sample (omitted when not set: the server's default applies; the
    /// effective rate is in the result's `frames_per_second`).
    pub fn frames_per_second(mut self, fps: u32) -> Self {
        self.run.options.frames_per_second = Some(fps);
        self
    }

    /// Runs the prediction.
    ///
    /// # Errors
    ///
    /// Any of the steps' errors (see [`Classification`]).
    pub async fn send(self) -> Result<ClassificationPredictVideoResponse, Error> {
        let task = self.run.until_predicted().await?;
        if task.prediction_type != PredictionType::Video {
            return Err(wrong_type(PredictionType::Video, task.prediction_type));
        }
        self.run
            .classification
            .get_video_results(&task.prediction_task_uuid)
            .await
    }
}

impl<'a> IntoFuture for PredictVideo<'a> {
    type Output = Result<ClassificationPredictVideoResponse, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn frames_per_second_header() {
        let mut headers = HeaderMap::new();
        assert!(matches!(
            frames_per_second(&headers),
            Err(Error::InvalidResponse { .. })
        ));
        headers.insert(HEADER_FRAMES_PER_SECOND, " 2 ".parse().unwrap());
        assert_eq!(frames_per_second(&headers).unwrap(), 2);
        headers.insert(HEADER_FRAMES_PER_SECOND, "two".parse().unwrap());
        let err = frames_per_second(&headers).unwrap_err();
        assert!(err.is_decode(), "{err:?}");
    }
}
