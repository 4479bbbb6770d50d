//! An in-process, stateful fake of the Dragoneye API and of its presigned upload target
//! (feature `testing`), for tests, examples and demos.
//!
//! [`FakeDragoneye`] answers the five calls of a prediction like the real service: it checks the
//! `X-API-Key`, hands out a presigned POST form pointing at itself, records uploads (size and a
//! hash, see [`FakeDragoneye::uploads`]), advances a task's status over status polls
//! (`predicting` → `predicted`, or a failure status you choose), and serves the results you
//! chose, encoded to the real ZIP-of-Parquet format with this crate's own writer. Errors (429s
//! with `Retry-After`, 5xx, 400 with `detail`) can be injected on any call.
//!
//! It runs on common's [`FakeServer`] skeleton: every
//! request is kept as a [`RecordedRequest`] ([`FakeDragoneye::requests`]), and [`Fault`]s
//! (statuses, connection resets, truncated bodies, delays) are injected with
//! [`FakeDragoneye::inject`], matched by [`Endpoint`] or any [`Matcher`]. The server reads each
//! request body into memory, so the fake is meant for media of test sizes; to measure the
//! memory of a multi-gigabyte upload, point the presigned URL at a sink that discards the body
//! ([`FakeDragoneye::set_upload_url`], see `examples/upload_rss.rs`).
//!
//! ```
//! use dragoneye::Image;
//! use dragoneye::testing::FakeDragoneye;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), dragoneye::Error> {
//! let fake = FakeDragoneye::start().await;
//! fake.set_image_results(FakeDragoneye::sample_image_objects());
//! let client = fake.client_builder().poll_interval(std::time::Duration::from_millis(1)).build()?;
//! let image = Image::from_bytes(vec![0xFF, 0xD8, 0xFF, 0xE0], "image/jpeg").with_name("a.jpg");
//! let result = client.classification().predict_image(image, "demo/model").await?;
//! assert_eq!(result.objects.len(), 1);
//! assert_eq!(result.original_file_name.as_deref(), Some("a.jpg"));
//! assert_eq!(fake.uploads().len(), 1);
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use serde_json::json;
use vision_sdk_common::testing::{FakeResponse, FakeServer, FakeService};
pub use vision_sdk_common::testing::{
    Fault, FaultKind, Matcher, RecordedPart, RecordedRequest, content_hash,
};

use crate::client::{Dragoneye, DragoneyeBuilder};
use crate::models::{
    BboxObservation, ImageAttributePrediction, ImageCategoryPrediction, ImageDetectedObject,
    PredictionType, ScoredTimestampRange, TimestampRange, VideoAttributePrediction,
    VideoBboxObservation, VideoCategoryPrediction, VideoDetectedObject,
};
use crate::models::{PredictionTask, PresignedPostRequest, SignedUrl};
use crate::results::encode;

/// The key the fake accepts unless told otherwise ([`FakeDragoneye::start_with_key`]).
pub const FAKE_API_KEY: &str = "test-key-123";

/// Path of the fake's presigned upload target.
pub const UPLOAD_PATH: &str = "/upload-bucket";

/// One of the calls the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /prediction-task/begin`.
    Begin,
    /// `POST /upload-bucket` (the presigned target).
    Upload,
    /// `POST /predict`.
    Predict,
    /// `GET /prediction-task/status`.
    Status,
    /// `GET /prediction-task/results`.
    Results,
}

impl Endpoint {
    /// The method and path of the endpoint.
    pub fn method_path(self) -> (&'static str, &'static str) {
        match self {
            Self::Begin => ("POST", "/prediction-task/begin"),
            Self::Upload => ("POST", UPLOAD_PATH),
            Self::Predict => ("POST", "/predict"),
            Self::Status => ("GET", "/prediction-task/status"),
            Self::Results => ("GET", "/prediction-task/results"),
        }
    }

    /// The endpoint a request is for, if any.
    pub fn of_request(request: &RecordedRequest) -> Option<Self> {
        Self::of(&request.method, &request.path)
    }

    fn of(method: &str, path: &str) -> Option<Self> {
        match (method, path) {
            ("POST", "/prediction-task/begin") => Some(Self::Begin),
            ("POST", UPLOAD_PATH) => Some(Self::Upload),
            ("POST", "/predict") => Some(Self::Predict),
            ("GET", "/prediction-task/status") => Some(Self::Status),
            ("GET", "/prediction-task/results") => Some(Self::Results),
            _ => None,
        }
    }
}

impl From<Endpoint> for Matcher {
    /// Matches the requests to that endpoint:
    /// `Fault::status(Endpoint::Status, 429).times(2).retry_after(3)`.
    fn from(endpoint: Endpoint) -> Self {
        let (method, path) = endpoint.method_path();
        Matcher::method_path(method, path)
    }
}

/// A media upload the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedUpload {
    /// The task it was for.
    pub task_uuid: String,
    /// Size of the `file` part.
    pub size: u64,
    /// [`content_hash`] of the `file` part.
    pub hash: u64,
}

/// What the fake knows about one task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskSnapshot {
    /// The task's id.
    pub prediction_task_uuid: String,
    /// Image or video (from the begin `mimetype`).
    pub prediction_type: PredictionType,
    /// The begin form's `mimetype`.
    pub mimetype: String,
    /// The begin form's `file_name`.
    pub file_name: Option<String>,
    /// The begin form's `frames_per_second`.
    pub frames_per_second: Option<u32>,
    /// Begin form fields beyond the known ones (the official `**kwargs`).
    pub extra_params: Vec<(String, String)>,
    /// Uploads received for the task.
    pub uploads: usize,
    /// The model it was started with, once started.
    pub model_name: Option<String>,
    /// Status polls answered since it was started.
    pub status_polls: u32,
}

#[derive(Debug, Clone)]
struct Task {
    snapshot: TaskSnapshot,
    blob_path: String,
    pending_polls: u32,
    final_status: String,
}

impl Task {
    /// The status a poll now reports (without counting the poll).
    fn status(&self, external_upload: bool) -> String {
        if self.snapshot.model_name.is_none() {
            return if self.snapshot.uploads > 0 || external_upload {
                "uploaded".to_owned()
            } else {
                "awaiting_media".to_owned()
            };
        }
        if self.snapshot.status_polls < self.pending_polls {
            "predicting".to_owned()
        } else if self.snapshot.uploads == 0 && !external_upload {
            "failed_media_missing".to_owned()
        } else {
            self.final_status.clone()
        }
    }
}

#[derive(Debug, Clone)]
struct RawResults {
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

#[derive(Debug)]
struct State {
    api_key: String,
    base_url: String,
    upload_url: Option<String>,
    next_uuids: Vec<String>,
    created: u64,
    tasks: HashMap<String, Task>,
    pending_polls: u32,
    final_status: String,
    default_fps: u32,
    image_results: Vec<ImageDetectedObject>,
    video_results: Vec<VideoDetectedObject>,
    frame_timestamps: Option<Vec<i64>>,
    raw_results: Option<RawResults>,
    uploads: Vec<RecordedUpload>,
}

/// The fake Dragoneye service. Cheap to clone; the server stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeDragoneye {
    server: FakeServer<State>,
}

impl fmt::Debug for FakeDragoneye {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeDragoneye")
            .field("base_url", &self.server.base_url())
            .finish_non_exhaustive()
    }
}

impl FakeDragoneye {
    /// Starts a fake accepting [`FAKE_API_KEY`].
    pub async fn start() -> Self {
        Self::start_with_key(FAKE_API_KEY).await
    }

    /// Starts a fake accepting `api_key`.
    pub async fn start_with_key(api_key: &str) -> Self {
        let server = FakeServer::start(|base_url| State {
            api_key: api_key.to_owned(),
            base_url: base_url.to_owned(),
            upload_url: None,
            next_uuids: Vec::new(),
            created: 0,
            tasks: HashMap::new(),
            pending_polls: 1,
            final_status: "predicted".to_owned(),
            default_fps: 1,
            image_results: Vec::new(),
            video_results: Vec::new(),
            frame_timestamps: Some(Vec::new()),
            raw_results: None,
            uploads: Vec::new(),
        })
        .await;
        Self { server }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        self.server.with_service(f)
    }

    /// The fake's base URL, `http://127.0.0.1:<port>` (pass it to
    /// [`DragoneyeBuilder::base_url`]).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The key the fake accepts.
    pub fn api_key(&self) -> String {
        self.with(|s| s.api_key.clone())
    }

    /// A client builder pointed at the fake, with its key.
    pub fn client_builder(&self) -> DragoneyeBuilder {
        Dragoneye::builder()
            .api_key(self.api_key())
            .base_url(self.base_url())
    }

    /// A client pointed at the fake, with the default settings (1 s poll interval).
    ///
    /// # Panics
    ///
    /// Never in practice: the fake's URL and key are valid.
    pub fn client(&self) -> Dragoneye {
        self.client_builder()
            .build()
            .expect("the fake's URL and key are valid")
    }

    /// Sends presigned uploads to `url` instead of the fake itself (e.g. a sink that discards
    /// the body). The fake then cannot check that media arrived.
    pub fn set_upload_url(&self, url: impl Into<String>) {
        let url = url.into();
        self.with(|s| s.upload_url = Some(url));
    }

    /// The id of the next task created (otherwise ids are generated).
    pub fn push_task_uuid(&self, uuid: impl Into<String>) {
        let uuid = uuid.into();
        self.with(|s| s.next_uuids.push(uuid));
    }

    /// How many status polls answer `predicting` after a task is started, before its final
    /// status (default 1). A large number makes a slow task.
    pub fn set_pending_polls(&self, polls: u32) {
        self.with(|s| s.pending_polls = polls);
    }

    /// The final status of tasks created from now on (default `predicted`); e.g.
    /// `failed_internal_error`.
    pub fn set_final_status(&self, status: impl Into<String>) {
        let status = status.into();
        self.with(|s| s.final_status = status);
    }

    /// The `X-Frames-Per-Second` of video results when begin sent none (default 1).
    pub fn set_default_frames_per_second(&self, fps: u32) {
        self.with(|s| s.default_fps = fps);
    }

    /// The objects image tasks yield.
    pub fn set_image_results(&self, objects: Vec<ImageDetectedObject>) {
        self.with(|s| s.image_results = objects);
    }

    /// The objects and frame timestamps video tasks yield (`None`: no `frame_timestamps.parquet`).
    pub fn set_video_results(
        &self,
        objects: Vec<VideoDetectedObject>,
        frame_timestamps: Option<Vec<i64>>,
    ) {
        self.with(|s| {
            s.video_results = objects;
            s.frame_timestamps = frame_timestamps;
        });
    }

    /// Serves exactly this results body with exactly these headers (no `X-Frames-Per-Second`
    /// or `X-Original-File-Name` unless listed), e.g. a corrupt archive.
    pub fn set_raw_results(&self, body: impl Into<Vec<u8>>, headers: &[(&str, &str)]) {
        let raw = RawResults {
            body: body.into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        self.with(|s| s.raw_results = Some(raw));
    }

    /// Queues a fault (see [`Fault`]); match it by [`Endpoint`], e.g.
    /// `fake.inject(Fault::status(Endpoint::Status, 429).retry_after(3))`.
    pub fn inject(&self, fault: Fault) {
        self.server.inject(fault);
    }

    /// Every request received, in order, with the status answered.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }

    /// Requests to one endpoint.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| Endpoint::of_request(r) == Some(endpoint))
            .collect()
    }

    /// Every media upload accepted (after faults), in order.
    pub fn uploads(&self) -> Vec<RecordedUpload> {
        self.with(|s| s.uploads.clone())
    }

    /// A task's state.
    pub fn task(&self, uuid: &str) -> Option<TaskSnapshot> {
        self.with(|s| s.tasks.get(uuid).map(|t| t.snapshot.clone()))
    }

    /// Two detected objects of a house photo (the official fixture's shape).
    pub fn sample_image_objects() -> Vec<ImageDetectedObject> {
        vec![ImageDetectedObject {
            object_id: 1,
            bbox_observation: BboxObservation {
                normalized_bbox: [0.125, 0.25, 0.5, 0.75],
                bbox_score: 0.96875,
            },
            categories: vec![ImageCategoryPrediction {
                category_id: 2_084_323_334,
                name: "House (detached)".to_owned(),
                score: 0.9375,
                attributes: vec![ImageAttributePrediction {
                    attribute_id: 1_371_766_615,
                    attribute_name: "Building Exterior Color".to_owned(),
                    option_id: 3_498_033_303,
                    option_name: "White / Off-white".to_owned(),
                    score: 0.875,
                }],
            }],
        }]
    }

    /// One car tracked over three frames at 2 fps, with a gap frame.
    pub fn sample_video_objects() -> (Vec<VideoDetectedObject>, Vec<i64>) {
        let observation = |x: f64| BboxObservation {
            normalized_bbox: [x, 0.5, x + 0.25, 0.875],
            bbox_score: 0.9375,
        };
        let objects = vec![VideoDetectedObject {
            object_id: 7,
            timestamp_ranges: vec![TimestampRange {
                timestamp_start_us_inclusive: 0,
                timestamp_end_us_inclusive: 1_000_000,
            }],
            bbox_observations: vec![
                VideoBboxObservation {
                    timestamp_microseconds: 0,
                    observation: Some(observation(0.0625)),
                },
                VideoBboxObservation {
                    timestamp_microseconds: 500_000,
                    observation: None,
                },
                VideoBboxObservation {
                    timestamp_microseconds: 1_000_000,
                    observation: Some(observation(0.125)),
                },
            ],
            categories: vec![VideoCategoryPrediction {
                category_id: 7001,
                name: "Car".to_owned(),
                score: 0.875,
                attributes: vec![VideoAttributePrediction {
                    attribute_id: 8001,
                    attribute_name: "Car color".to_owned(),
                    option_id: 81,
                    option_name: "Red".to_owned(),
                    timestamp_ranges: vec![ScoredTimestampRange {
                        timestamp_start_us_inclusive: 0,
                        timestamp_end_us_inclusive: 1_000_000,
                        score: 0.75,
                    }],
                }],
            }],
        }];
        (objects, vec![0, 500_000, 1_000_000, 1_500_000])
    }
}

fn json_response(status: u16, body: &serde_json::Value) -> FakeResponse {
    FakeResponse::json(status, body)
}

fn detail(status: u16, text: &str) -> FakeResponse {
    json_response(status, &json!({ "detail": text }))
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl FakeService for State {
    /// Unknown routes and credentials are answered before any injected fault.
    fn precheck(&mut self, request: &RecordedRequest) -> Option<FakeResponse> {
        let Some(endpoint) = Endpoint::of_request(request) else {
            return Some(detail(404, "Not Found"));
        };
        let api_key = request.header("x-api-key");
        if endpoint == Endpoint::Upload {
            // A presigned upload is authorised by its policy, never by the API key.
            if api_key.is_some() {
                return Some(detail(
                    400,
                    "the API key must not be sent to the upload URL",
                ));
            }
        } else if api_key != Some(self.api_key.as_str()) {
            return Some(detail(401, "Invalid or missing API key"));
        }
        None
    }

    fn handle(&mut self, request: &RecordedRequest) -> FakeResponse {
        self.route(request).1
    }
}

impl State {
    fn route(&mut self, recorded: &RecordedRequest) -> (u16, FakeResponse) {
        let Some(endpoint) = Endpoint::of_request(recorded) else {
            return (404, detail(404, "Not Found"));
        };
        let form = recorded.form();
        let query = |name: &str| field(&recorded.query, name).map(str::to_owned);
        match endpoint {
            Endpoint::Begin => self.begin(&form),
            Endpoint::Upload => self.upload(recorded),
            Endpoint::Predict => self.predict(&form),
            Endpoint::Status => self.status(query("predictionTaskUuid")),
            Endpoint::Results => {
                self.results(query("predictionTaskUuid"), query("response_version"))
            }
        }
    }

    fn external_upload(&self) -> bool {
        self.upload_url.is_some()
    }

    fn begin(&mut self, form: &[(String, String)]) -> (u16, FakeResponse) {
        let Some(mimetype) = field(form, "mimetype") else {
            return (400, detail(400, "mimetype is required"));
        };
        if field(form, "response_version") != Some("parquet_object") {
            return (400, detail(400, "unsupported response_version"));
        }
        let prediction_type = if mimetype.starts_with("image/") {
            PredictionType::Image
        } else if mimetype.starts_with("video/") {
            PredictionType::Video
        } else {
            return (
                400,
                detail(400, &format!("Unsupported mimetype: {mimetype}")),
            );
        };
        let frames_per_second = match field(form, "frames_per_second") {
            None => None,
            Some(text) => match text.parse() {
                Ok(fps) => Some(fps),
                Err(_) => return (400, detail(400, "frames_per_second must be an integer")),
            },
        };
        self.created += 1;
        let uuid = if self.next_uuids.is_empty() {
            format!("00000000-0000-4000-8000-{:012x}", self.created)
        } else {
            self.next_uuids.remove(0)
        };
        let blob_path = format!("uploads/{uuid}/media");
        let known = [
            "mimetype",
            "response_version",
            "file_name",
            "frames_per_second",
        ];
        let task = Task {
            snapshot: TaskSnapshot {
                prediction_task_uuid: uuid.clone(),
                prediction_type: prediction_type.clone(),
                mimetype: mimetype.to_owned(),
                file_name: field(form, "file_name").map(str::to_owned),
                frames_per_second,
                extra_params: form
                    .iter()
                    .filter(|(k, _)| !known.contains(&k.as_str()))
                    .cloned()
                    .collect(),
                uploads: 0,
                model_name: None,
                status_polls: 0,
            },
            blob_path: blob_path.clone(),
            pending_polls: self.pending_polls,
            final_status: self.final_status.clone(),
        };
        self.tasks.insert(uuid.clone(), task);
        let upload_url = self
            .upload_url
            .clone()
            .unwrap_or_else(|| format!("{}{UPLOAD_PATH}", self.base_url));
        let signed = |name: &str, value: &str| (name.to_owned(), value.to_owned());
        let task = PredictionTask {
            prediction_task_uuid: uuid,
            prediction_type,
            signed_urls: vec![SignedUrl {
                blob_path: blob_path.clone(),
                presigned_post_request: PresignedPostRequest {
                    url: upload_url,
                    // In the order a storage service signs them (the client keeps it).
                    fields: vec![
                        signed("key", &blob_path),
                        signed("x-goog-algorithm", "GOOG4-RSA-SHA256"),
                        signed(
                            "x-goog-credential",
                            "fake@example.iam.gserviceaccount.com/20260101/auto/storage/goog4_request",
                        ),
                        signed("x-goog-date", "20260101T000000Z"),
                        signed("policy", "eyJmYWtlIjp0cnVlfQ=="),
                        signed("x-goog-signature", "00ff"),
                        signed("success_action_status", "204"),
                    ],
                },
            }],
        };
        // Serialized straight to text: a `serde_json::Value` would sort the fields.
        let body = serde_json::to_vec(&task).unwrap_or_default();
        (200, FakeResponse::bytes(200, body, "application/json"))
    }

    fn upload(&mut self, recorded: &RecordedRequest) -> (u16, FakeResponse) {
        let key = recorded
            .part("key")
            .filter(|p| p.file_name.is_none())
            .and_then(RecordedPart::text)
            .map(str::to_owned);
        let Some(task) = key.and_then(|key| self.tasks.values_mut().find(|t| t.blob_path == key))
        else {
            return (
                403,
                FakeResponse::text(403, "policy: unknown or missing key"),
            );
        };
        // Like a storage policy: every signed field must come back unchanged, before the file.
        let Some(file_index) = recorded.parts.iter().position(|p| p.name == "file") else {
            return (400, FakeResponse::text(400, "missing file part"));
        };
        let file = &recorded.parts[file_index];
        let (size, hash) = (file.size(), file.hash());
        if recorded.parts[..file_index]
            .iter()
            .all(|p| p.name != "x-goog-signature")
        {
            return (
                403,
                FakeResponse::text(403, "policy: signature must precede file"),
            );
        }
        task.snapshot.uploads += 1;
        let task_uuid = task.snapshot.prediction_task_uuid.clone();
        self.uploads.push(RecordedUpload {
            task_uuid,
            size,
            hash,
        });
        (204, FakeResponse::new(204))
    }

    fn predict(&mut self, form: &[(String, String)]) -> (u16, FakeResponse) {
        let (Some(model), Some(uuid)) = (
            field(form, "model_name"),
            field(form, "prediction_task_uuid"),
        ) else {
            return (
                400,
                detail(400, "model_name and prediction_task_uuid are required"),
            );
        };
        let Some(task) = self.tasks.get_mut(uuid) else {
            return (404, detail(404, "Prediction task not found"));
        };
        if task.snapshot.model_name.is_none() {
            task.snapshot.model_name = Some(model.to_owned());
        }
        (200, json_response(200, &json!({})))
    }

    fn status(&mut self, uuid: Option<String>) -> (u16, FakeResponse) {
        let external = self.external_upload();
        let Some(task) = uuid.and_then(|u| self.tasks.get_mut(&u)) else {
            return (404, detail(404, "Prediction task not found"));
        };
        let body = json!({
            "prediction_task_uuid": task.snapshot.prediction_task_uuid,
            "prediction_type": task.snapshot.prediction_type.as_str(),
            "status": task.status(external),
        });
        if task.snapshot.model_name.is_some() {
            task.snapshot.status_polls += 1;
        }
        (200, json_response(200, &body))
    }

    fn results(
        &mut self,
        uuid: Option<String>,
        response_version: Option<String>,
    ) -> (u16, FakeResponse) {
        if response_version.as_deref() != Some("parquet_object") {
            return (400, detail(400, "unsupported response_version"));
        }
        let external = self.external_upload();
        let Some(task) = uuid.and_then(|u| self.tasks.get(&u)) else {
            return (404, detail(404, "Prediction task not found"));
        };
        // Results exist once the task's `predicting` polls are spent.
        let status = task.status(external);
        if status != "predicted" {
            return (
                400,
                detail(
                    400,
                    &format!("Prediction task results are not available (status: {status})"),
                ),
            );
        }
        if let Some(raw) = &self.raw_results {
            let mut response = FakeResponse::bytes(200, raw.body.clone(), "application/zip");
            for (k, v) in &raw.headers {
                response = response.header(k.as_str(), v.as_str());
            }
            return (200, response);
        }
        let encoded = match task.snapshot.prediction_type {
            PredictionType::Video => {
                encode::encode_video_results(&self.video_results, self.frame_timestamps.as_deref())
            }
            _ => encode::encode_image_results(&self.image_results),
        };
        let body = match encoded {
            Ok(body) => body,
            Err(e) => {
                return (
                    500,
                    detail(500, &format!("fake could not encode results: {e}")),
                );
            }
        };
        let mut response = FakeResponse::bytes(200, body, "application/zip");
        if let Some(name) = &task.snapshot.file_name {
            response = response.header("X-Original-File-Name", name.as_str());
        }
        if task.snapshot.prediction_type == PredictionType::Video {
            let fps = task.snapshot.frames_per_second.unwrap_or(self.default_fps);
            response = response.header("X-Frames-Per-Second", fps.to_string().as_str());
        }
        (200, response)
    }
}

/// Polls the fake at most this often in examples that use real time.
pub const DEMO_POLL_INTERVAL: Duration = Duration::from_millis(50);
