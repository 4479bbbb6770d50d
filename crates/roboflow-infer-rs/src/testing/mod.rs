//! An in-process, stateful fake Roboflow inference server (feature `testing`), for tests,
//! examples and demos.
//!
//! [`FakeRoboflow`] answers like a self-hosted 1.8.3 server (v1 routes) and like the hosted
//! legacy route (v0): a model registry that `/model/add` fills (known models: `fake-od/1`,
//! `fake-seg/1`, `fake-cls/1`, `coco/3`, any `<project>/0` stub), `/infer/{task}` and
//! `POST /{project}/{version}` (a base64 body, a `multipart/form-data` `file` part, or
//! `?image=`) with one `dog` detection centred on the image (its size read from the JPEG/PNG
//! header, so rescaling is visible), `format=image` echoing the image,
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
//! It runs on common's [`FakeServer`] skeleton, so its [`RecordedRequest`], [`Fault`] and
//! [`Matcher`] are the family's (`vision_sdk_common::testing`): a fault's matcher is `"*"`, an
//! exact path (`"/info"`), `"METHOD /path"` or a prefix ending in `*` (`"/infer/*"`). The key
//! check comes before injected faults, so a request without the key is a 401 even while faults
//! are queued.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Value, json};
use vision_sdk_common::testing::{FakeResponse, FakeServer, FakeService};
pub use vision_sdk_common::testing::{Fault, Matcher, RecordedPart, RecordedRequest};
use vision_sdk_common::{ManualClock, Secret};

use crate::client::{InferenceClient, InferenceClientBuilder};
use crate::models::{decode_base64, encode_base64};

/// The key [`FakeRoboflow::start`] uses.
pub const FAKE_API_KEY: &str = "fake-roboflow-key-123";

/// The fake's state: the key it requires and the loaded models.
#[derive(Debug, Default)]
struct State {
    key: Option<String>,
    loaded: Vec<Value>,
}

/// The fake server. Cheap to clone; every clone is the same server.
#[derive(Clone)]
pub struct FakeRoboflow {
    server: FakeServer<State>,
}

impl fmt::Debug for FakeRoboflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeRoboflow")
            .field("base_url", &self.server.base_url())
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
        let key = (!key.is_empty()).then(|| key.to_owned());
        let server = FakeServer::start(|_base_url| State {
            key,
            loaded: Vec::new(),
        })
        .await;
        Self { server }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The key the fake requires, if any.
    pub fn api_key(&self) -> Option<Secret> {
        self.server
            .with_service(|state| state.key.clone())
            .map(Secret::new)
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

    /// Every request received so far, in order, with the status answered.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }

    /// Answers the next matching request(s) with `fault` (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.server.inject(fault);
    }

    /// The models currently loaded (registry entries as JSON).
    pub fn loaded_models(&self) -> Vec<Value> {
        self.server.with_service(|state| state.loaded.clone())
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

fn json_response(status: u16, body: Value) -> FakeResponse {
    FakeResponse::json(status, &body)
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

/// Routes the fake answers without a key.
fn is_public(method: &str, path: &str) -> bool {
    matches!(
        (method, path),
        (
            "GET",
            "/info" | "/healthz" | "/readiness" | "/model/registry"
        ) | ("POST", "/model/remove" | "/model/clear")
    )
}

impl State {
    fn authorised(&self, request: &RecordedRequest) -> bool {
        let Some(key) = &self.key else {
            return true;
        };
        let bearer = request
            .header("authorization")
            .is_some_and(|v| v.strip_prefix("Bearer ") == Some(key.as_str()));
        let query = request.query_value("api_key") == Some(key.as_str());
        let body = request
            .json()
            .ok()
            .and_then(|b| b.get("api_key").and_then(Value::as_str).map(|k| k == key))
            .unwrap_or(false);
        bearer || query || body
    }

    fn answer(&mut self, request: &RecordedRequest) -> FakeResponse {
        let state = self;
        let method = request.method.as_str();
        let path = request.path.as_str();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
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
                let multipart = request
                    .content_type()
                    .is_some_and(|ct| ct.to_ascii_lowercase().contains("multipart/form-data"));
                let bytes = if request.query_value("image").is_some() {
                    None
                } else if multipart {
                    // The server's `parse_body_content_for_legacy_request_handler`.
                    match request.part("file") {
                        Some(part) => Some(part.content.to_vec()),
                        None => {
                            return json_response(
                                400,
                                json!({"message": "Expected image to be send in part named 'file' of multipart/form-data request"}),
                            );
                        }
                    }
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
                    return FakeResponse::bytes(200, bytes.unwrap_or_default(), "image/jpeg");
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

fn workflow_response(body: &Value) -> FakeResponse {
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

impl FakeService for State {
    /// The key check, before any injected fault.
    fn precheck(&mut self, request: &RecordedRequest) -> Option<FakeResponse> {
        (!is_public(&request.method, &request.path) && !self.authorised(request))
            .then(|| json_response(401, json!({"message": "Unauthorized api_key"})))
    }

    fn handle(&mut self, request: &RecordedRequest) -> FakeResponse {
        self.answer(request)
    }

    /// The inference server's error shape: `{"message": "injected <status>"}`.
    fn fault_response(&self, status: u16) -> FakeResponse {
        json_response(status, json!({"message": format!("injected {status}")}))
    }
}
