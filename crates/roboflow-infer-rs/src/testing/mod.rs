//! An in-process, stateful fake Roboflow inference server (feature `testing`), for tests,
//! examples and demos.
//!
//! [`FakeRoboflow`] answers like a self-hosted 1.8.3 server (v1 routes) and like the hosted
//! legacy route (v0): a model registry that `/model/add` fills (known models: `fake-od/1`,
//! `fake-seg/1`, `fake-cls/1`, `coco/3`, any `<project>/0` stub), `/infer/{task}` and
//! `POST /{project}/{version}` with one `dog` detection centred on the image (its size read
//! from the JPEG/PNG header, so rescaling is visible), `format=image` echoing the image,
//! named and inline workflow runs (one output per image), `/info`, `/healthz`, `/readiness`,
//! and FastAPI's `404 {"detail": "Not Found"}` for any other route. It checks the key (query,
//! body member or `Authorization: Bearer`) when started with one, records every request, and
//! answers injected [`Fault`]s first.
//!
//! ```
//! use roboflow_infer::Image;
//! use roboflow_infer::testing::{FakeRoboflow, Fault, sample_jpeg};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> roboflow_infer::Result<()> {
//! let fake = FakeRoboflow::start().await;
//! let client = fake.client();
//! let result = client.infer("fake-od/1", Image::from_bytes(sample_jpeg())).await?;
//! assert_eq!(result.as_object_detection().unwrap().predictions[0].class_name, "dog");
//! // The registry was asked, the model added, then the inference made.
//! let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
//! assert_eq!(paths, ["/model/registry", "/model/add", "/infer/object_detection"]);
//!
//! fake.inject(Fault::status("/info", 503).times(1));
//! assert!(client.get_server_info().await.is_err()); // info is not retried
//! # Ok(())
//! # }
//! ```
//!
//! `RecordedRequest` and `Fault` are defined here until `vision_sdk_common::testing` provides
//! the family's shared types (same names and fields).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};
use vision_sdk_common::bytes::Bytes;
use vision_sdk_common::{ManualClock, Secret};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::client::{InferenceClient, InferenceClientBuilder};
use crate::models::{decode_base64, encode_base64};

/// The key [`FakeRoboflow::start`] uses.
pub const FAKE_API_KEY: &str = "fake-roboflow-key-123";

/// One request the fake received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string as sent (without `?`).
    pub raw_query: String,
    /// The query, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers (lower-case names), in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first value of a query parameter.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// An answer the fake gives instead of the normal one, to requests whose path starts with a
/// prefix, a number of times.
///
/// ```
/// use roboflow_infer::testing::Fault;
/// let busy = Fault::status("/infer/", 503).times(2).retry_after(1);
/// let bad = Fault::status("/model/add", 422).json(serde_json::json!({"detail": [{"loc": ["body", "model_id"], "msg": "field required"}]}));
/// # let _ = (busy, bad);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    path_prefix: String,
    status: u16,
    times: usize,
    body: Option<(Vec<u8>, String)>,
    retry_after: Option<u64>,
}

impl Fault {
    /// Answer `status` to the next request whose path starts with `path_prefix`.
    pub fn status(path_prefix: impl Into<String>, status: u16) -> Self {
        Self {
            path_prefix: path_prefix.into(),
            status,
            times: 1,
            body: None,
            retry_after: None,
        }
    }
    /// How many requests get it (`usize::MAX`: all).
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }
    /// Every request gets it.
    pub fn always(self) -> Self {
        self.times(usize::MAX)
    }
    /// A `Retry-After: <seconds>` header.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
    /// A JSON body (default: `{"message": "<reason>"}`).
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some((body.to_string().into_bytes(), "application/json".into()));
        self
    }
    /// A raw body.
    pub fn body(mut self, body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        self.body = Some((body.into(), content_type.to_owned()));
        self
    }
}

#[derive(Debug, Default)]
struct State {
    key: Option<String>,
    loaded: Vec<Value>,
    faults: Vec<Fault>,
    requests: Vec<RecordedRequest>,
}

/// The fake server. Cheap to clone; every clone is the same server.
#[derive(Clone)]
pub struct FakeRoboflow {
    server: Arc<MockServer>,
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for FakeRoboflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeRoboflow")
            .field("base_url", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl FakeRoboflow {
    /// Starts a fake that requires [`FAKE_API_KEY`].
    pub async fn start() -> Self {
        Self::start_with_key(FAKE_API_KEY).await
    }

    /// Starts a fake that requires `key` (an empty key: no key required).
    pub async fn start_with_key(key: &str) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            key: (!key.is_empty()).then(|| key.to_owned()),
            ..State::default()
        }));
        Mock::given(any())
            .respond_with(Responder {
                state: Arc::clone(&state),
            })
            .mount(&server)
            .await;
        Self {
            server: Arc::new(server),
            state,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The key the fake requires, if any.
    pub fn api_key(&self) -> Option<Secret> {
        self.lock().key.clone().map(Secret::new)
    }

    /// A builder for a v1 client of the fake: its URL and key, no environment, a
    /// [`ManualClock`] (retries do not sleep).
    pub fn client_builder(&self) -> InferenceClientBuilder {
        let mut builder = InferenceClient::builder()
            .api_url(self.base_url())
            .env_lookup(|_| None)
            .clock(Arc::new(ManualClock::new()));
        if let Some(key) = self.api_key() {
            builder = builder.api_key(key);
        }
        builder
    }

    /// A v1 client of the fake.
    pub fn client(&self) -> InferenceClient {
        self.client_builder()
            .build()
            .expect("the fake's client options are valid")
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Answers the next matching request(s) with `fault`.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// The models currently loaded (registry entries as JSON).
    pub fn loaded_models(&self) -> Vec<Value> {
        self.lock().loaded.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A 320×240 grey JPEG (for examples and tests).
pub fn sample_jpeg() -> Vec<u8> {
    // Baseline JPEG header with an SOF0 of 240×320; the scan data is not a valid image, which
    // the fake (like stub models) never decodes.
    let mut out = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    out.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0xF0, 0x01, 0x40, 0x01, 0x01, 0x11, 0x00,
    ]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// Width and height from a JPEG or PNG header.
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return Some((w, h));
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let h = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
            let w = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
            return Some((w, h));
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        i += 2 + len;
    }
    None
}

fn known_model(model_id: &str) -> Option<Value> {
    let (task, size) = match model_id {
        "fake-od/1" | "coco/3" => ("object-detection", Some(640)),
        "fake-seg/1" => ("instance-segmentation", Some(640)),
        "fake-cls/1" => ("classification", Some(224)),
        "fake-kp/1" => ("keypoint-detection", Some(640)),
        "fake-sem/1" => ("semantic-segmentation", Some(512)),
        id if id.ends_with("/0") => ("object-detection", None),
        _ => return None,
    };
    let mut description = json!({"model_id": model_id, "task_type": task, "batch_size": 8});
    if let Some(size) = size {
        description["input_height"] = json!(size);
        description["input_width"] = json!(size);
    }
    Some(description)
}

struct Responder {
    state: Arc<Mutex<State>>,
}

fn json_response(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

fn detection_response(bytes: Option<&[u8]>) -> Value {
    let (w, h) = bytes.and_then(image_size).unwrap_or((640, 480));
    let (w, h) = (f64::from(w), f64::from(h));
    json!({
        "inference_id": "fake-inference-1",
        "time": 0.01,
        "image": {"width": w as u32, "height": h as u32},
        "predictions": [{
            "x": w / 2.0, "y": h / 2.0, "width": w / 4.0, "height": h / 4.0,
            "confidence": 0.9, "class": "dog", "class_id": 0, "detection_id": "fake-det-1"
        }]
    })
}

fn task_response(task: &str, model_id: &str, bytes: Option<&[u8]>) -> Value {
    if model_id.ends_with("/0") {
        return json!({"time": 0.0001, "is_stub": true, "model_id": model_id, "task_type": task});
    }
    let mut response = detection_response(bytes);
    match task {
        "instance-segmentation" => {
            let p = &mut response["predictions"][0];
            let (x, y) = (
                p["x"].as_f64().unwrap_or(0.0),
                p["y"].as_f64().unwrap_or(0.0),
            );
            p["points"] = json!([{"x": x - 10.0, "y": y - 10.0}, {"x": x + 10.0, "y": y - 10.0}, {"x": x, "y": y + 10.0}]);
        }
        "classification" => {
            response = json!({
                "time": 0.01, "image": response["image"].clone(),
                "predictions": [{"class": "dog", "class_id": 0, "confidence": 0.9}],
                "top": "dog", "confidence": 0.9
            });
        }
        _ => {}
    }
    response
}

/// The image bytes of a v1 image object (base64 only; URLs are not fetched).
fn image_bytes(image: &Value) -> Option<Vec<u8>> {
    (image.get("type")?.as_str()? == "base64")
        .then(|| decode_base64(image.get("value")?.as_str()?).ok())
        .flatten()
}

impl Responder {
    fn authorised(state: &State, request: &RecordedRequest) -> bool {
        let Some(key) = &state.key else {
            return true;
        };
        let bearer = request
            .header("authorization")
            .is_some_and(|v| v.strip_prefix("Bearer ") == Some(key.as_str()));
        let query = request.query_value("api_key") == Some(key.as_str());
        let body = request
            .json()
            .and_then(|b| b.get("api_key").and_then(Value::as_str).map(|k| k == key))
            .unwrap_or(false);
        bearer || query || body
    }

    fn answer(&self, state: &mut State, request: &RecordedRequest) -> ResponseTemplate {
        let method = request.method.as_str();
        let path = request.path.as_str();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let public = matches!(
            (method, path),
            (
                "GET",
                "/info" | "/healthz" | "/readiness" | "/model/registry"
            ) | ("POST", "/model/remove" | "/model/clear")
        );
        if !public && !Self::authorised(state, request) {
            return json_response(401, json!({"message": "Unauthorized api_key"}));
        }
        match (method, segments.as_slice()) {
            ("GET", ["info"]) => json_response(
                200,
                json!({"name": "Roboflow Inference Server (fake)", "version": "1.8.3", "uuid": "fake-server"}),
            ),
            ("GET", ["healthz"]) => json_response(200, json!({"status": "healthy"})),
            ("GET", ["readiness"]) => json_response(200, json!({"status": "ready"})),
            ("GET", ["model", "registry"]) => json_response(200, json!({"models": state.loaded})),
            ("POST", ["model", "add"]) => {
                let body = request.json().unwrap_or_default();
                let Some(model_id) = body.get("model_id").and_then(Value::as_str) else {
                    return json_response(
                        422,
                        json!({"detail": [{"loc": ["body", "model_id"], "msg": "Field required", "type": "missing"}]}),
                    );
                };
                let Some(description) = known_model(model_id) else {
                    return json_response(
                        404,
                        json!({"message": format!("Model {model_id} not found")}),
                    );
                };
                if !state.loaded.iter().any(|m| m["model_id"] == model_id) {
                    state.loaded.push(description);
                }
                json_response(200, json!({"models": state.loaded}))
            }
            ("POST", ["model", "remove"]) => {
                let body = request.json().unwrap_or_default();
                let model_id = body.get("model_id").cloned().unwrap_or_default();
                state.loaded.retain(|m| m["model_id"] != model_id);
                json_response(200, json!({"models": state.loaded}))
            }
            ("POST", ["model", "clear"]) => {
                state.loaded.clear();
                json_response(200, json!({"models": []}))
            }
            ("POST", ["infer", task]) if task.contains('_') || *task == "classification" => {
                let body = request.json().unwrap_or_default();
                let model_id = body
                    .get("model_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let Some(description) = known_model(&model_id) else {
                    return json_response(
                        404,
                        json!({"message": format!("Model {model_id} not found")}),
                    );
                };
                let task_type = description["task_type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                match body.get("image") {
                    Some(Value::Array(images)) => json_response(
                        200,
                        Value::Array(
                            images
                                .iter()
                                .map(|i| {
                                    task_response(&task_type, &model_id, image_bytes(i).as_deref())
                                })
                                .collect(),
                        ),
                    ),
                    Some(image) => json_response(
                        200,
                        task_response(&task_type, &model_id, image_bytes(image).as_deref()),
                    ),
                    None => json_response(
                        422,
                        json!({"detail": [{"loc": ["body", "image"], "msg": "Field required", "type": "missing"}]}),
                    ),
                }
            }
            ("POST", [workspace, "workflows", _])
            | ("POST", ["infer", "workflows", workspace, _])
                if *workspace != "infer" =>
            {
                workflow_response(&request.json().unwrap_or_default())
            }
            ("POST", ["workflows", "run"]) | ("POST", ["infer", "workflows"]) => {
                workflow_response(&request.json().unwrap_or_default())
            }
            ("POST" | "GET", [project, version])
                if !project.is_empty()
                    && version.chars().all(|c| c.is_ascii_digit())
                    && !version.is_empty() =>
            {
                let model_id = format!("{project}/{version}");
                let description = known_model(&model_id);
                let bytes = if let Some(url) = request.query_value("image") {
                    let _ = url;
                    None
                } else {
                    match decode_base64(String::from_utf8_lossy(&request.body).trim()) {
                        Ok(bytes) => Some(bytes),
                        Err(_) => {
                            return json_response(400, json!({"message": "Invalid base64 input."}));
                        }
                    }
                };
                let Some(description) = description else {
                    return json_response(
                        404,
                        json!({"message": format!("Model {model_id} not found")}),
                    );
                };
                if request.query_value("format") == Some("image") {
                    return ResponseTemplate::new(200)
                        .set_body_raw(bytes.unwrap_or_default(), "image/jpeg");
                }
                let task = description["task_type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                json_response(200, task_response(&task, &model_id, bytes.as_deref()))
            }
            _ => json_response(404, json!({"detail": "Not Found"})),
        }
    }
}

fn workflow_response(body: &Value) -> ResponseTemplate {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let images: Vec<Value> = inputs
        .values()
        .find_map(|v| match v {
            Value::Array(items) if items.iter().all(|i| i.get("type").is_some()) => {
                Some(items.clone())
            }
            v if v.get("type").is_some() => Some(vec![v.clone()]),
            _ => None,
        })
        .unwrap_or_default();
    let excluded: Vec<String> = body
        .get("excluded_fields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let outputs: Vec<Value> = images
        .iter()
        .map(|image| {
            let bytes = image_bytes(image);
            let mut output = BTreeMap::new();
            output.insert("predictions".to_owned(), detection_response(bytes.as_deref()));
            output.insert("count".to_owned(), json!(1));
            output.insert(
                "visualization".to_owned(),
                json!({"type": "base64", "value": encode_base64(bytes.as_deref().unwrap_or_default())}),
            );
            output.retain(|k, _| !excluded.contains(k));
            json!(output)
        })
        .collect();
    json_response(200, json!({"outputs": outputs}))
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let recorded = RecordedRequest {
            method: request.method.as_str().to_owned(),
            path: request.url.path().to_owned(),
            raw_query: request.url.query().unwrap_or_default().to_owned(),
            query: request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers: request
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: Bytes::from(request.body.clone()),
        };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.requests.push(recorded.clone());
        if let Some(index) = state
            .faults
            .iter()
            .position(|f| f.times > 0 && recorded.path.starts_with(&f.path_prefix))
        {
            let fault = &mut state.faults[index];
            fault.times = fault.times.saturating_sub(1);
            let fault = fault.clone();
            state.faults.retain(|f| f.times > 0);
            let (body, content_type) = fault.body.unwrap_or_else(|| {
                (
                    json!({"message": format!("injected {}", fault.status)})
                        .to_string()
                        .into_bytes(),
                    "application/json".into(),
                )
            });
            let mut response =
                ResponseTemplate::new(fault.status).set_body_raw(body, content_type.as_str());
            if let Some(after) = fault.retry_after {
                response = response.insert_header("retry-after", after.to_string().as_str());
            }
            return response;
        }
        self.answer(&mut state, &recorded)
    }
}
