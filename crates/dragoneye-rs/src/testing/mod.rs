//! An in-process, stateful fake of the Dragoneye API and of its presigned upload target
//! (feature `testing`), for tests, examples and demos.
//!
//! [`FakeDragoneye`] answers the five calls of a prediction like the real service: it checks the
//! `X-API-Key`, hands out a presigned POST form pointing at itself, records uploads (size and a
//! hash, never the whole file), advances a task's status over status polls
//! (`predicting` → `predicted`, or a failure status you choose), and serves the results you
//! chose, encoded to the real ZIP-of-Parquet format with this crate's own writer. Errors (429s
//! with `Retry-After`, 5xx, 400 with `detail`) can be injected on any call.
//!
//! It runs on [`wiremock`] with one catch-all responder. Note that wiremock reads each request
//! body into memory before answering, so the fake is meant for media of test sizes; to measure
//! the memory of a multi-gigabyte upload, point the presigned URL at a sink that discards the
//! body ([`FakeDragoneye::set_upload_url`], see `examples/upload_rss.rs`).
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

use vision_sdk_common::__private::multipart;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

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

/// 64-bit FNV-1a of `data`: how the fake fingerprints uploads without keeping them.
///
/// ```
/// assert_eq!(dragoneye::testing::content_hash(b""), 0xcbf2_9ce4_8422_2325);
/// ```
pub fn content_hash(data: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

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

/// An error the fake answers with instead of the normal response, a number of times.
///
/// ```
/// use dragoneye::testing::{Endpoint, Fault};
/// let rate_limited = Fault::new(Endpoint::Status, 429).times(2).retry_after(3);
/// let not_ready = Fault::new(Endpoint::Results, 400).detail("not ready");
/// # let _ = (rate_limited, not_ready);
/// ```
#[derive(Debug, Clone)]
pub struct Fault {
    endpoint: Endpoint,
    status: u16,
    times: usize,
    body: Option<(Vec<u8>, String)>,
    retry_after: Option<u64>,
}

impl Fault {
    /// Answer `status` on the next call to `endpoint` (once; see [`times`](Self::times)).
    pub fn new(endpoint: Endpoint, status: u16) -> Self {
        Self {
            endpoint,
            status,
            times: 1,
            body: None,
            retry_after: None,
        }
    }

    /// How many calls get the fault (`usize::MAX`: every call).
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    /// A FastAPI-style `{"detail": …}` JSON body.
    pub fn detail(self, detail: &str) -> Self {
        let body = json!({ "detail": detail }).to_string().into_bytes();
        self.body(body, "application/json")
    }

    /// A raw body with its content type.
    pub fn body(mut self, body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        self.body = Some((body.into(), content_type.to_owned()));
        self
    }

    /// A `Retry-After` header, in seconds.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

/// A request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The URL path.
    pub path: String,
    /// Query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The `X-API-Key` header, if sent.
    pub api_key: Option<String>,
    /// The `Content-Type` header, if sent.
    pub content_type: Option<String>,
    /// The `Content-Length` header, if sent (absent means chunked).
    pub content_length: Option<u64>,
    /// The raw `application/x-www-form-urlencoded` body, if that was the body.
    pub form_raw: Option<String>,
    /// The form fields of an urlencoded body, in order.
    pub form: Vec<(String, String)>,
    /// The parts of a multipart body, in order.
    pub parts: Vec<RecordedPart>,
    /// The status the fake answered.
    pub status: u16,
}

/// One part of a multipart request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedPart {
    /// The form field name.
    pub name: String,
    /// The `filename` of the part, if any.
    pub file_name: Option<String>,
    /// The part's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The text of a part without a file name (`None` for file parts).
    pub value: Option<String>,
    /// Size of the content in bytes.
    pub size: u64,
    /// [`content_hash`] of the content.
    pub hash: u64,
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
    faults: Vec<Fault>,
    requests: Vec<RecordedRequest>,
    uploads: Vec<RecordedUpload>,
}

/// The fake Dragoneye service. Cheap to clone; the server stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeDragoneye {
    server: Arc<MockServer>,
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for FakeDragoneye {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeDragoneye")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

struct Responder {
    state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.handle(request)
    }
}

impl FakeDragoneye {
    /// Starts a fake accepting [`FAKE_API_KEY`].
    pub async fn start() -> Self {
        Self::start_with_key(FAKE_API_KEY).await
    }

    /// Starts a fake accepting `api_key`.
    pub async fn start_with_key(api_key: &str) -> Self {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let state = Arc::new(Mutex::new(State {
            api_key: api_key.to_owned(),
            base_url: server.uri(),
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
            faults: Vec::new(),
            requests: Vec::new(),
            uploads: Vec::new(),
        }));
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        Self {
            server: Arc::new(server),
            state,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fake's base URL (pass it to [`DragoneyeBuilder::base_url`]).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The key the fake accepts.
    pub fn api_key(&self) -> String {
        self.lock().api_key.clone()
    }

    /// A client builder pointed at the fake, with its key.
    pub fn client_builder(&self) -> DragoneyeBuilder {
        Dragoneye::builder()
            .api_key(self.api_key())
            .base_url(self.uri())
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
        self.lock().upload_url = Some(url.into());
    }

    /// The id of the next task created (otherwise ids are generated).
    pub fn push_task_uuid(&self, uuid: impl Into<String>) {
        self.lock().next_uuids.push(uuid.into());
    }

    /// How many status polls answer `predicting` after a task is started, before its final
    /// status (default 1). A large number makes a slow task.
    pub fn set_pending_polls(&self, polls: u32) {
        self.lock().pending_polls = polls;
    }

    /// The final status of tasks created from now on (default `predicted`); e.g.
    /// `failed_internal_error`.
    pub fn set_final_status(&self, status: impl Into<String>) {
        self.lock().final_status = status.into();
    }

    /// The `X-Frames-Per-Second` of video results when begin sent none (default 1).
    pub fn set_default_frames_per_second(&self, fps: u32) {
        self.lock().default_fps = fps;
    }

    /// The objects image tasks yield.
    pub fn set_image_results(&self, objects: Vec<ImageDetectedObject>) {
        self.lock().image_results = objects;
    }

    /// The objects and frame timestamps video tasks yield (`None`: no `frame_timestamps.parquet`).
    pub fn set_video_results(
        &self,
        objects: Vec<VideoDetectedObject>,
        frame_timestamps: Option<Vec<i64>>,
    ) {
        let mut state = self.lock();
        state.video_results = objects;
        state.frame_timestamps = frame_timestamps;
    }

    /// Serves exactly this results body with exactly these headers (no `X-Frames-Per-Second`
    /// or `X-Original-File-Name` unless listed), e.g. a corrupt archive.
    pub fn set_raw_results(&self, body: impl Into<Vec<u8>>, headers: &[(&str, &str)]) {
        self.lock().raw_results = Some(RawResults {
            body: body.into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        });
    }

    /// Queues an error answer (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Requests to one endpoint.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| Endpoint::of(&r.method, &r.path) == Some(endpoint))
            .collect()
    }

    /// Every media upload accepted (after faults), in order.
    pub fn uploads(&self) -> Vec<RecordedUpload> {
        self.lock().uploads.clone()
    }

    /// A task's state.
    pub fn task(&self, uuid: &str) -> Option<TaskSnapshot> {
        self.lock().tasks.get(uuid).map(|t| t.snapshot.clone())
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

fn json_response(status: u16, body: &serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

fn detail(status: u16, text: &str) -> ResponseTemplate {
    json_response(status, &json!({ "detail": text }))
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl State {
    fn handle(&mut self, request: &Request) -> ResponseTemplate {
        let content_type = header(request, "content-type");
        let mut recorded = RecordedRequest {
            method: request.method.as_str().to_owned(),
            path: request.url.path().to_owned(),
            query: request.url.query_pairs().into_owned().collect(),
            api_key: header(request, "x-api-key"),
            content_type: content_type.clone(),
            content_length: header(request, "content-length").and_then(|v| v.parse().ok()),
            form_raw: None,
            form: Vec::new(),
            parts: Vec::new(),
            status: 0,
        };
        let ct = content_type.as_deref().unwrap_or("");
        if ct.starts_with("application/x-www-form-urlencoded") {
            recorded.form_raw = Some(String::from_utf8_lossy(&request.body).into_owned());
            recorded.form = serde_urlencoded::from_bytes(&request.body).unwrap_or_default();
        }
        let mut file: Option<(u64, u64)> = None;
        if ct.starts_with("multipart/form-data")
            && let Some(parts) = multipart::parse(ct, &request.body)
        {
            for part in parts {
                let size = part.content.len() as u64;
                let hash = content_hash(part.content);
                if part.name == "file" {
                    file = Some((size, hash));
                }
                recorded.parts.push(RecordedPart {
                    value: part
                        .file_name
                        .is_none()
                        .then(|| String::from_utf8_lossy(part.content).into_owned()),
                    name: part.name,
                    file_name: part.file_name,
                    content_type: part.content_type,
                    size,
                    hash,
                });
            }
        }
        let response = self.route(&recorded, file);
        recorded.status = response.0;
        self.requests.push(recorded);
        response.1
    }

    fn take_fault(&mut self, endpoint: Endpoint) -> Option<(u16, ResponseTemplate)> {
        let index = self
            .faults
            .iter()
            .position(|f| f.endpoint == endpoint && f.times > 0)?;
        let fault = &mut self.faults[index];
        fault.times -= 1;
        let mut response = ResponseTemplate::new(fault.status);
        response = match &fault.body {
            Some((body, content_type)) => response.set_body_raw(body.clone(), content_type),
            None => response.set_body_raw(
                json!({ "detail": format!("injected {}", fault.status) })
                    .to_string()
                    .into_bytes(),
                "application/json",
            ),
        };
        if let Some(seconds) = fault.retry_after {
            response = response.insert_header("Retry-After", seconds.to_string().as_str());
        }
        Some((fault.status, response))
    }

    fn route(
        &mut self,
        recorded: &RecordedRequest,
        file: Option<(u64, u64)>,
    ) -> (u16, ResponseTemplate) {
        let Some(endpoint) = Endpoint::of(&recorded.method, &recorded.path) else {
            return (404, detail(404, "Not Found"));
        };
        if endpoint == Endpoint::Upload {
            // A presigned upload is authorised by its policy, never by the API key.
            if recorded.api_key.is_some() {
                return (
                    400,
                    detail(400, "the API key must not be sent to the upload URL"),
                );
            }
        } else if recorded.api_key.as_deref() != Some(self.api_key.as_str()) {
            return (401, detail(401, "Invalid or missing API key"));
        }
        if let Some(fault) = self.take_fault(endpoint) {
            return fault;
        }
        let query = |name: &str| field(&recorded.query, name).map(str::to_owned);
        match endpoint {
            Endpoint::Begin => self.begin(&recorded.form),
            Endpoint::Upload => self.upload(recorded, file),
            Endpoint::Predict => self.predict(&recorded.form),
            Endpoint::Status => self.status(query("predictionTaskUuid")),
            Endpoint::Results => {
                self.results(query("predictionTaskUuid"), query("response_version"))
            }
        }
    }

    fn external_upload(&self) -> bool {
        self.upload_url.is_some()
    }

    fn begin(&mut self, form: &[(String, String)]) -> (u16, ResponseTemplate) {
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
        (
            200,
            ResponseTemplate::new(200).set_body_raw(body, "application/json"),
        )
    }

    fn upload(
        &mut self,
        recorded: &RecordedRequest,
        file: Option<(u64, u64)>,
    ) -> (u16, ResponseTemplate) {
        let key = recorded
            .parts
            .iter()
            .find(|p| p.name == "key")
            .and_then(|p| p.value.clone());
        let Some(task) = key.and_then(|key| self.tasks.values_mut().find(|t| t.blob_path == key))
        else {
            return (
                403,
                ResponseTemplate::new(403).set_body_string("policy: unknown or missing key"),
            );
        };
        // Like a storage policy: every signed field must come back unchanged, before the file.
        let file_index = recorded.parts.iter().position(|p| p.name == "file");
        let Some(((size, hash), file_index)) = file.zip(file_index) else {
            return (
                400,
                ResponseTemplate::new(400).set_body_string("missing file part"),
            );
        };
        if recorded.parts[..file_index]
            .iter()
            .all(|p| p.name != "x-goog-signature")
        {
            return (
                403,
                ResponseTemplate::new(403).set_body_string("policy: signature must precede file"),
            );
        }
        task.snapshot.uploads += 1;
        let task_uuid = task.snapshot.prediction_task_uuid.clone();
        self.uploads.push(RecordedUpload {
            task_uuid,
            size,
            hash,
        });
        (204, ResponseTemplate::new(204))
    }

    fn predict(&mut self, form: &[(String, String)]) -> (u16, ResponseTemplate) {
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

    fn status(&mut self, uuid: Option<String>) -> (u16, ResponseTemplate) {
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
    ) -> (u16, ResponseTemplate) {
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
            let mut response =
                ResponseTemplate::new(200).set_body_raw(raw.body.clone(), "application/zip");
            for (k, v) in &raw.headers {
                response = response.insert_header(k.as_str(), v.as_str());
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
        let mut response = ResponseTemplate::new(200).set_body_raw(body, "application/zip");
        if let Some(name) = &task.snapshot.file_name {
            response = response.insert_header("X-Original-File-Name", name.as_str());
        }
        if task.snapshot.prediction_type == PredictionType::Video {
            let fps = task.snapshot.frames_per_second.unwrap_or(self.default_fps);
            response = response.insert_header("X-Frames-Per-Second", fps.to_string().as_str());
        }
        (200, response)
    }
}

/// Polls the fake at most this often in examples that use real time.
pub const DEMO_POLL_INTERVAL: Duration = Duration::from_millis(50);
