//! An in-process, stateful fake of the Groundlight API for your tests and demos (feature
//! `testing`).
//!
//! [`FakeGroundlight`] serves the cloud API on a loopback port (common's
//! [`FakeServer`] skeleton over the fake's state). It
//! checks the API token (401 otherwise), keeps detectors, image queries, labels, detector
//! groups, notes and inspections, answers image queries with a confidence that rises with every
//! poll (see [`ConfidencePlan`]), pages lists, and injects [`Fault`]s
//! ([`FakeGroundlight::inject`]: statuses with `Retry-After`, connection resets, truncated
//! bodies, delays). Every request it received is a [`RecordedRequest`] of
//! [`FakeGroundlight::requests`].
//!
//! It also serves the token API that [token rotation](crate::tokens) uses (by snippet, create,
//! delete, list): the configured token is named `fake token` and never expires until
//! [`FakeGroundlight::set_token_ttl`] gives the account a TTL; a deleted token then answers
//! 401. [`SteppedClock`] drives the refresh schedule in tests.
//!
//! It also plays an Edge Endpoint on the same port (`/edge-config`, `/edge-detector-readiness`,
//! `/edge-info`): it keeps the configuration `apply_config` sends, reports its detectors ready
//! after [`FakeGroundlight::set_edge_polls_until_ready`] readiness polls (default 0: at once), and
//! names `https://api.groundlight.ai` as its upstream.
//!
//! ```
//! use std::time::Duration;
//! use groundlight::testing::FakeGroundlight;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> groundlight::Result<()> {
//! let fake = FakeGroundlight::start().await;
//! let gl = fake.client();
//! let det = gl.get_or_create_detector("door", "Is the door open?").send().await?;
//! let jpeg: &'static [u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
//! let iq = gl
//!     .submit_image_query(&det, jpeg)
//!     .wait(Duration::from_secs(5))
//!     .confidence_threshold(0.9)
//!     .send()
//!     .await?;
//! assert!(iq.is_confident(0.9));
//! assert_eq!(iq.label(), Some("YES"));
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};

use serde_json::{Map, Value, json};
use vision_sdk_common::testing::{FakeResponse, FakeServer, FakeService};
pub use vision_sdk_common::testing::{Fault, FaultKind, Matcher, RecordedPart, RecordedRequest};

use crate::client::{Groundlight, GroundlightBuilder};
use crate::retry::default_retry_policy;

mod clock;
pub use clock::SteppedClock;

/// The name of the configured token in a [`FakeGroundlight`]'s token API.
pub const FAKE_TOKEN_NAME: &str = "fake token";

/// The token a [`FakeGroundlight`] accepts unless told otherwise.
pub const FAKE_TOKEN: &str = "api_fake_0123456789abcdefghijklmnop";

const NOW: &str = "2026-01-01T00:00:00.000000Z";

/// How the confidence of a fake image query evolves: `initial` when submitted, then `+ step`
/// at every `GET` of the image query, capped at `max`. While the confidence is below
/// `processing_until` the result's source is `STILL_PROCESSING`, then `ALGORITHM`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidencePlan {
    /// Confidence of the answer returned by the submit.
    pub initial: f64,
    /// Added at each poll.
    pub step: f64,
    /// The highest confidence reached.
    pub max: f64,
    /// Below this confidence the source is `STILL_PROCESSING`.
    pub processing_until: f64,
}

impl Default for ConfidencePlan {
    /// 0.5 at submit, +0.15 per poll, up to 0.95; `STILL_PROCESSING` until 0.6.
    fn default() -> Self {
        Self {
            initial: 0.5,
            step: 0.15,
            max: 0.95,
            processing_until: 0.6,
        }
    }
}

impl ConfidencePlan {
    /// The confidence after `polls` polls.
    pub fn confidence_after(&self, polls: u32) -> f64 {
        let c = self.initial + self.step * f64::from(polls);
        // Rounded to avoid 0.6499999… style noise in answers.
        (c.min(self.max) * 1e6).round() / 1e6
    }
}

#[derive(Debug, Clone)]
struct FakeDetector {
    id: String,
    name: String,
    query: String,
    group_name: String,
    confidence_threshold: f64,
    patience_time: f64,
    metadata: Value,
    mode: String,
    mode_configuration: Value,
    status: String,
    escalation_type: String,
}

impl FakeDetector {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": "detector",
            "created_at": NOW,
            "name": self.name,
            "query": self.query,
            "group_name": self.group_name,
            "confidence_threshold": self.confidence_threshold,
            "patience_time": self.patience_time,
            "metadata": self.metadata,
            "mode": self.mode,
            "mode_configuration": self.mode_configuration,
            "status": self.status,
            "escalation_type": self.escalation_type,
        })
    }
}

#[derive(Debug, Clone)]
struct FakeImageQuery {
    id: String,
    detector_id: String,
    metadata: Value,
    patience_time: f64,
    confidence_threshold: f64,
    polls: u32,
    image: Vec<u8>,
    want_async: bool,
    label: Option<(String, Value)>,
}

/// A token of a [`FakeGroundlight`]'s token API ([`FakeGroundlight::api_tokens`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeApiToken {
    /// Its name.
    pub name: String,
    /// Its first 20 characters (`raw_key_snippet`).
    pub snippet: String,
    /// When it expires (RFC 3339), if the account had a TTL when it was made.
    pub expires_at: Option<String>,
    /// Whether it was deleted (it then answers 401).
    pub revoked: bool,
    /// How many requests it authenticated.
    pub uses: u64,
    raw_key: String,
    created_at: String,
}

impl FakeApiToken {
    fn to_json(&self, ttl: Option<u64>) -> Value {
        json!({
            "name": self.name,
            "raw_key_snippet": self.snippet,
            "created_at": self.created_at,
            "last_used_at": null,
            "expires_at": self.expires_at,
            "token_ttl": ttl,
        })
    }
}

fn fake_now() -> String {
    DateTime::<Utc>::from(SystemTime::now()).to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn snippet_of(key: &str) -> String {
    key.chars()
        .take(crate::tokens::TOKEN_SNIPPET_LENGTH)
        .collect()
}

#[derive(Debug, Default)]
struct State {
    token: String,
    api_tokens: Vec<FakeApiToken>,
    token_ttl: Option<u64>,
    token_api_disabled: bool,
    base: String,
    counter: u64,
    plan: ConfidencePlan,
    answer: String,
    detectors: Vec<FakeDetector>,
    image_queries: Vec<FakeImageQuery>,
    groups: Vec<Value>,
    edge: FakeEdge,
    notes: BTreeMap<String, Vec<Value>>,
    inspections: BTreeMap<String, Map<String, Value>>,
}

/// The fake's Edge Endpoint: the configuration last applied and the readiness polls left.
#[derive(Debug, Default)]
struct FakeEdge {
    config: Option<Value>,
    polls_until_ready: u32,
    polls_left: u32,
}

impl State {
    fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}_fake{:08}", self.counter)
    }
}

/// The in-process fake Groundlight API (see the [module docs](self)). Cheap to clone; the
/// server stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeGroundlight {
    server: FakeServer<State>,
}

impl fmt::Debug for FakeGroundlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeGroundlight")
            .field("base_url", &self.server.base_url())
            .finish_non_exhaustive()
    }
}

impl FakeGroundlight {
    /// Starts a fake accepting [`FAKE_TOKEN`], with the default [`ConfidencePlan`].
    pub async fn start() -> Self {
        Self::start_with_key(FAKE_TOKEN).await
    }

    /// Starts a fake accepting the API token `token`.
    pub async fn start_with_key(token: &str) -> Self {
        let server = FakeServer::start(|base_url| State {
            token: token.to_owned(),
            api_tokens: vec![FakeApiToken {
                name: FAKE_TOKEN_NAME.to_owned(),
                snippet: snippet_of(token),
                expires_at: None,
                revoked: false,
                uses: 0,
                raw_key: token.to_owned(),
                created_at: fake_now(),
            }],
            base: base_url.to_owned(),
            answer: "YES".to_owned(),
            ..State::default()
        })
        .await;
        Self { server }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        self.server.with_service(f)
    }

    /// The endpoint to configure a client with (`http://127.0.0.1:<port>`; the client adds
    /// `/device-api`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The API token the fake accepts.
    pub fn api_key(&self) -> String {
        self.with(|s| s.token.clone())
    }

    /// A client builder pointed at the fake with its token, and retry backoffs of a few
    /// milliseconds (the attempt count stays the official 4).
    pub fn client_builder(&self) -> GroundlightBuilder {
        Groundlight::builder()
            .endpoint(self.base_url())
            .api_token(self.api_key())
            .retry_policy(default_retry_policy().initial_backoff(Duration::from_millis(2)))
    }

    /// A client for the fake (see [`client_builder`](Self::client_builder)).
    ///
    /// # Panics
    ///
    /// Never in practice: the endpoint and token are valid by construction.
    pub fn client(&self) -> Groundlight {
        self.client_builder()
            .build()
            .expect("the fake's endpoint and token are valid")
    }

    /// Every request received so far, in order, with the status answered (e.g. to validate
    /// them against the OpenAPI spec).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }

    /// Queues a fault. `Fault::status("*", 503).times(2)` fails the next two requests;
    /// `Fault::status("*", 429).retry_after(3)` rate-limits the next one;
    /// `Fault::status("GET /device-api/v1/me", 500)` fails one call only.
    pub fn inject(&self, fault: Fault) {
        self.server.inject(fault);
    }

    /// Gives the account a token TTL in seconds (`None`, the default: tokens never expire and
    /// are not rotated). Reported as `token_ttl` by the token API; tokens created from then on
    /// expire after it.
    pub fn set_token_ttl(&self, ttl_seconds: Option<u64>) {
        self.with(|s| s.token_ttl = ttl_seconds);
    }

    /// Makes the token API answer 404, as a server without token management does.
    pub fn disable_token_api(&self) {
        self.with(|s| s.token_api_disabled = true);
    }

    /// Every token of the token API, deleted ones included, in creation order.
    pub fn api_tokens(&self) -> Vec<FakeApiToken> {
        self.with(|s| s.api_tokens.clone())
    }

    /// The name of the token `key`, if the fake made or knows it.
    pub fn token_name_of(&self, key: &str) -> Option<String> {
        self.with(|s| {
            s.api_tokens
                .iter()
                .find(|t| t.raw_key == key)
                .map(|t| t.name.clone())
        })
    }

    /// Sets how image-query confidence evolves.
    pub fn set_confidence_plan(&self, plan: ConfidencePlan) {
        self.with(|s| s.plan = plan);
    }

    /// How many readiness polls after an `apply_config` report its detectors not ready yet
    /// (default 0).
    pub fn set_edge_polls_until_ready(&self, polls: u32) {
        self.with(|s| {
            s.edge.polls_until_ready = polls;
            s.edge.polls_left = polls;
        });
    }

    /// The Edge configuration last applied (`PUT /edge-config`), as sent.
    pub fn edge_config(&self) -> Option<Value> {
        self.with(|s| s.edge.config.clone())
    }

    /// Sets the answer of binary detectors (default `YES`).
    pub fn set_binary_answer(&self, label: &str) {
        self.with(|s| s.answer = label.to_owned());
    }

    /// Adds a detector directly (no request), returning its id.
    pub fn add_detector(&self, name: &str, query: &str) -> String {
        self.with(|state| {
            let id = state.next_id("det");
            state
                .detectors
                .push(new_detector(id.clone(), name, query, &Map::new()));
            id
        })
    }

    /// How many image queries the fake holds.
    pub fn image_query_count(&self) -> usize {
        self.with(|s| s.image_queries.len())
    }

    /// The bytes of the image submitted with image query `id`.
    pub fn image_of(&self, id: &str) -> Option<Vec<u8>> {
        self.with(|s| {
            s.image_queries
                .iter()
                .find(|iq| iq.id == id)
                .map(|iq| iq.image.clone())
        })
    }
}

fn new_detector(id: String, name: &str, query: &str, body: &Map<String, Value>) -> FakeDetector {
    FakeDetector {
        id,
        name: name.to_owned(),
        query: query.to_owned(),
        group_name: body
            .get("group_name")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned(),
        confidence_threshold: body
            .get("confidence_threshold")
            .and_then(Value::as_f64)
            .unwrap_or(0.9),
        patience_time: body
            .get("patience_time")
            .and_then(Value::as_f64)
            .unwrap_or(30.0),
        metadata: body
            .get("metadata")
            .and_then(Value::as_str)
            .and_then(decode_b64_json)
            .unwrap_or(Value::Null),
        mode: body
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("BINARY")
            .to_owned(),
        mode_configuration: body
            .get("mode_configuration")
            .cloned()
            .unwrap_or(Value::Null),
        status: "ON".to_owned(),
        escalation_type: "STANDARD".to_owned(),
    }
}

fn decode_b64_json(text: &str) -> Option<Value> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(text)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn json_response(status: u16, body: &Value) -> FakeResponse {
    FakeResponse::json(status, body)
}

fn detail(status: u16, message: &str) -> FakeResponse {
    json_response(status, &json!({ "detail": message }))
}

type Query = Vec<(String, String)>;

fn query_value<'a>(query: &'a Query, name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl FakeService for State {
    fn precheck(&mut self, request: &RecordedRequest) -> Option<FakeResponse> {
        let sent = request.header("x-api-token");
        let valid = self
            .api_tokens
            .iter_mut()
            .find(|t| !t.revoked && Some(t.raw_key.as_str()) == sent);
        match valid {
            Some(token) => {
                token.uses += 1;
                None
            }
            None => Some(detail(401, "Invalid token header. (fake)")),
        }
    }

    fn fault_response(&self, status: u16) -> FakeResponse {
        detail(status, "Injected failure (fake).")
    }

    fn handle(&mut self, request: &RecordedRequest) -> FakeResponse {
        let state = self;
        let query: &Query = &request.query;
        let segments: Vec<String> = request
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|p| {
                percent_encoding::percent_decode_str(p)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = request.method.as_str();
        let body: Map<String, Value> = serde_json::from_slice(&request.body).unwrap_or_default();
        match segments.as_slice() {
            [edge @ ("edge-config" | "edge-detector-readiness" | "edge-info")] => {
                edge_route(&mut state.edge, method, edge, &request.body)
            }
            ["device-api", "inspections"] if method == "POST" => {
                let id = state.next_id("inspect");
                let inspection = json!({
                    "id": id, "status": "STARTED", "result": null,
                    "user_provided_id_key": null, "user_provided_id_value": null,
                    "user_metadata": null,
                });
                if let Value::Object(map) = &inspection {
                    state.inspections.insert(id, map.clone());
                }
                json_response(201, &inspection)
            }
            ["device-api", "inspections", id] => inspection_route(state, method, id, &body),
            ["device-api", "v1", rest @ ..] => {
                let base = state.base.clone();
                v1_route(state, &base, method, rest, query, &body, request)
            }
            _ => detail(404, "Not found (fake)."),
        }
    }
}

fn edge_route(edge: &mut FakeEdge, method: &str, route: &str, body: &[u8]) -> FakeResponse {
    let empty = || json!({"edge_inference_configs": {}, "detectors": [], "global_config": {}});
    match (method, route) {
        ("GET", "edge-config") => json_response(200, &edge.config.clone().unwrap_or_else(empty)),
        ("PUT", "edge-config") => match serde_json::from_slice::<Value>(body) {
            Ok(config @ Value::Object(_)) => {
                edge.config = Some(config);
                edge.polls_left = edge.polls_until_ready;
                json_response(200, &json!({"status": "ok"}))
            }
            _ => detail(422, "The edge configuration must be a JSON object (fake)."),
        },
        ("GET", "edge-detector-readiness") => {
            let ready = edge.polls_left == 0;
            edge.polls_left = edge.polls_left.saturating_sub(1);
            let config = edge.config.clone().unwrap_or_else(empty);
            let readiness: Map<String, Value> = config["detectors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["detector_id"].as_str())
                .map(|id| (id.to_owned(), json!({ "ready": ready })))
                .collect();
            json_response(200, &Value::Object(readiness))
        }
        ("GET", "edge-info") => json_response(
            200,
            &json!({"upstream_endpoint": "https://api.groundlight.ai"}),
        ),
        _ => detail(405, "Method not allowed (fake)."),
    }
}

fn inspection_route(
    state: &mut State,
    method: &str,
    id: &str,
    body: &Map<String, Value>,
) -> FakeResponse {
    let Some(inspection) = state.inspections.get_mut(id) else {
        return detail(404, "No inspection with that id (fake).");
    };
    match method {
        "GET" => json_response(200, &Value::Object(inspection.clone())),
        "PATCH" => {
            for key in ["user_provided_id_key", "user_provided_id_value"] {
                if let Some(v) = body.get(key) {
                    inspection.insert(key.to_owned(), v.clone());
                }
            }
            if let Some(text) = body.get("user_metadata_json").and_then(Value::as_str) {
                match serde_json::from_str::<Value>(text) {
                    Ok(v @ Value::Object(_)) => {
                        inspection.insert("user_metadata".to_owned(), v);
                    }
                    _ => return detail(400, "user_metadata_json must be a JSON object string."),
                }
            }
            if body.get("status").and_then(Value::as_str) == Some("COMPLETE") {
                inspection.insert("status".to_owned(), json!("COMPLETE"));
                inspection.insert("result".to_owned(), json!("PASS"));
            }
            json_response(200, &Value::Object(inspection.clone()))
        }
        _ => detail(405, "Method not allowed (fake)."),
    }
}

fn page_of(
    base: &str,
    path: &str,
    query: &Query,
    items: Vec<Value>,
    extra: &[(&str, &str)],
) -> Result<Value, (u16, String)> {
    let parse = |name: &str, default: usize| -> Result<usize, (u16, String)> {
        match query_value(query, name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| (400, format!("Invalid {name} (fake)."))),
        }
    };
    let page = parse("page", 1)?;
    let page_size = parse("page_size", 10)?;
    let count = items.len();
    let start = (page - 1).saturating_mul(page_size);
    if start > 0 && start >= count {
        return Err((404, "Invalid page. (fake)".to_owned()));
    }
    let results: Vec<Value> = items.into_iter().skip(start).take(page_size).collect();
    let link = |n: usize| {
        let mut url = format!("{base}/device-api/v1/{path}?page={n}&page_size={page_size}");
        for (k, v) in extra {
            url.push_str(&format!("&{k}={v}"));
        }
        Value::String(url)
    };
    Ok(json!({
        "count": count,
        "next": if start + page_size < count { link(page + 1) } else { Value::Null },
        "previous": if page > 1 { link(page - 1) } else { Value::Null },
        "results": results,
    }))
}

fn iq_json(state: &State, iq: &FakeImageQuery) -> Value {
    let detector = state.detectors.iter().find(|d| d.id == iq.detector_id);
    let mode = detector.map_or("BINARY", |d| d.mode.as_str());
    let query = detector.map_or("", |d| d.query.as_str());
    let result_type = match mode {
        "COUNT" => "counting",
        "MULTI_CLASS" => "multi_classification",
        "TEXT" => "text_recognition",
        "BOUNDING_BOX" => "bounding_box",
        _ => "binary_classification",
    };
    let mut rois = Value::Null;
    let result = if iq.want_async && iq.polls == 0 {
        Value::Null
    } else {
        let (confidence, source) = match &iq.label {
            Some(_) => (1.0, "USER"),
            None => {
                let c = state.plan.confidence_after(iq.polls);
                let source = if c < state.plan.processing_until {
                    "STILL_PROCESSING"
                } else {
                    "ALGORITHM"
                };
                (c, source)
            }
        };
        let mut result = json!({
            "confidence": confidence,
            "source": source,
            "result_type": result_type,
            "from_edge": false,
        });
        let labelled = iq.label.as_ref().map(|(l, _)| l.clone());
        match mode {
            "COUNT" => {
                let count = labelled.and_then(|l| l.parse::<i64>().ok()).unwrap_or(1);
                result["count"] = json!(count);
                result["greater_than_max"] = json!(false);
            }
            "MULTI_CLASS" => {
                let first = detector
                    .and_then(|d| d.mode_configuration.get("class_names"))
                    .and_then(|c| c.get(0))
                    .and_then(Value::as_str)
                    .unwrap_or("class")
                    .to_owned();
                result["label"] = json!(labelled.unwrap_or(first));
            }
            "TEXT" => {
                result["text"] = json!(labelled.unwrap_or_else(|| "fake text".to_owned()));
                result["truncated"] = json!(false);
            }
            "BOUNDING_BOX" => {
                result["label"] = json!(labelled.unwrap_or_else(|| "BOUNDING_BOX".to_owned()));
                rois = match &iq.label {
                    Some((_, r)) if !r.is_null() => r.clone(),
                    _ => json!([{
                        "label": "object", "score": confidence,
                        "geometry": {"left": 0.1, "top": 0.2, "right": 0.3, "bottom": 0.4, "x": 0.2, "y": 0.3}
                    }]),
                };
            }
            _ => {
                result["label"] = json!(labelled.unwrap_or_else(|| state.answer.clone()));
            }
        }
        result
    };
    json!({
        "metadata": iq.metadata,
        "id": iq.id,
        "type": "image_query",
        "created_at": NOW,
        "query": query,
        "detector_id": iq.detector_id,
        "result_type": result_type,
        "result": result,
        "patience_time": iq.patience_time,
        "confidence_threshold": iq.confidence_threshold,
        "rois": rois,
        "text": null,
        "done_processing": false,
    })
}

fn v1_route(
    state: &mut State,
    base: &str,
    method: &str,
    path: &[&str],
    query: &Query,
    body: &Map<String, Value>,
    request: &RecordedRequest,
) -> FakeResponse {
    match (method, path) {
        (_, ["api-tokens", ..]) => token_route(state, base, method, path, query, body),
        ("GET", ["me"]) => json_response(
            200,
            &json!({"email": "fake@example.com", "username": "fake@example.com",
                    "group": {"id": 1, "name": "fake-group"}, "is_superuser": false}),
        ),
        ("GET", ["month-to-date-account-info"]) => json_response(
            200,
            &json!({"iqs": state.image_queries.len(), "escalations": 0,
                    "active_detectors": state.detectors.len(), "iqs_limit": null,
                    "escalations_limit": null, "active_detectors_limit": null}),
        ),
        ("GET", ["detectors"]) => {
            if let Some(name) = query_value(query, "name") {
                let found: Vec<Value> = state
                    .detectors
                    .iter()
                    .filter(|d| d.name == name)
                    .map(FakeDetector::to_json)
                    .collect();
                return json_response(
                    200,
                    &json!({"count": found.len(), "next": null, "previous": null, "results": found}),
                );
            }
            let all = state.detectors.iter().map(FakeDetector::to_json).collect();
            match page_of(base, "detectors", query, all, &[]) {
                Ok(page) => json_response(200, &page),
                Err((status, message)) => detail(status, &message),
            }
        }
        ("POST", ["detectors"]) => {
            let (Some(name), Some(q)) = (
                body.get("name").and_then(Value::as_str),
                body.get("query").and_then(Value::as_str),
            ) else {
                return detail(400, "name and query are required.");
            };
            if state.detectors.iter().any(|d| d.name == name) {
                return detail(400, "A detector with this name already exists.");
            }
            let id = state.next_id("det");
            let detector = new_detector(id, name, q, body);
            let response = detector.to_json();
            state.detectors.push(detector);
            json_response(201, &response)
        }
        (_, ["detectors", id]) => {
            let Some(index) = state.detectors.iter().position(|d| d.id == *id) else {
                return detail(404, "No Detector matches the given query.");
            };
            match method {
                "GET" => json_response(200, &state.detectors[index].to_json()),
                "PATCH" => {
                    let d = &mut state.detectors[index];
                    if let Some(v) = body.get("name").and_then(Value::as_str) {
                        d.name = v.to_owned();
                    }
                    if let Some(v) = body.get("confidence_threshold").and_then(Value::as_f64) {
                        d.confidence_threshold = v;
                    }
                    if let Some(v) = body.get("status").and_then(Value::as_str) {
                        d.status = v.to_owned();
                    }
                    if let Some(v) = body.get("escalation_type").and_then(Value::as_str) {
                        d.escalation_type = v.to_owned();
                    }
                    json_response(200, &d.to_json())
                }
                "DELETE" => {
                    let removed = state.detectors.remove(index);
                    state
                        .image_queries
                        .retain(|iq| iq.detector_id != removed.id);
                    FakeResponse::new(204)
                }
                _ => detail(405, "Method not allowed (fake)."),
            }
        }
        ("GET", ["detectors", id, "evaluation"]) if state.detectors.iter().any(|d| d.id == *id) => {
            json_response(200, &json!({"evaluation_results": null}))
        }
        ("GET", ["detectors", id, "metrics"]) if state.detectors.iter().any(|d| d.id == *id) => {
            let total = state
                .image_queries
                .iter()
                .filter(|iq| iq.detector_id == *id)
                .count();
            json_response(200, &json!({"summary": {"total_iqs": total}}))
        }
        ("DELETE", ["detector-reset", id]) => {
            if !state.detectors.iter().any(|d| d.id == *id) {
                return detail(404, "No Detector matches the given query.");
            }
            state.image_queries.retain(|iq| iq.detector_id != *id);
            FakeResponse::new(204)
        }
        ("POST", ["image-queries"]) => submit(state, query, request),
        ("GET", ["image-queries"]) => {
            let detector_id = query_value(query, "detector_id");
            let all: Vec<Value> = state
                .image_queries
                .iter()
                .filter(|iq| detector_id.is_none_or(|d| iq.detector_id == d))
                .map(|iq| iq_json(state, iq))
                .collect();
            let extra: Vec<(&str, &str)> = detector_id
                .map(|d| ("detector_id", d))
                .into_iter()
                .collect();
            match page_of(base, "image-queries", query, all, &extra) {
                Ok(page) => json_response(200, &page),
                Err((status, message)) => detail(status, &message),
            }
        }
        ("GET", ["image-queries", id]) => {
            let Some(index) = state.image_queries.iter().position(|iq| iq.id == *id) else {
                return detail(404, "No ImageQuery matches the given query.");
            };
            state.image_queries[index].polls += 1;
            let iq = state.image_queries[index].clone();
            json_response(200, &iq_json(state, &iq))
        }
        ("GET", ["image-queries", id, "image"]) => {
            match state.image_queries.iter().find(|iq| iq.id == *id) {
                Some(iq) => FakeResponse::bytes(200, iq.image.clone(), "image/jpeg"),
                None => detail(404, "No ImageQuery matches the given query."),
            }
        }
        ("POST", ["labels"]) => {
            let (Some(iq_id), Some(label)) = (
                body.get("image_query_id").and_then(Value::as_str),
                body.get("label").and_then(Value::as_str),
            ) else {
                return detail(400, "image_query_id and label are required.");
            };
            let rois = body.get("rois").cloned().unwrap_or(Value::Null);
            let Some(iq) = state.image_queries.iter_mut().find(|iq| iq.id == iq_id) else {
                return detail(404, "No ImageQuery matches the given query.");
            };
            iq.label = Some((label.to_owned(), rois.clone()));
            json_response(
                201,
                &json!({"confidence": 1.0, "class_name": label, "rois": rois,
                        "annotations_requested": [], "created_at": NOW, "detector_id": null,
                        "source": "CUST", "text": null}),
            )
        }
        ("GET", ["detector-groups"]) => json_response(200, &Value::Array(state.groups.clone())),
        ("POST", ["detector-groups"]) => {
            let Some(name) = body.get("name").and_then(Value::as_str) else {
                return detail(400, "name is required.");
            };
            let id = state.next_id("dgp");
            let group = json!({"id": id, "name": name});
            state.groups.push(group.clone());
            json_response(201, &group)
        }
        ("GET", ["notes"]) => {
            let Some(det) = query_value(query, "detector_id") else {
                return detail(400, "detector_id is required.");
            };
            let notes = state.notes.get(det).cloned().unwrap_or_default();
            json_response(200, &json!({"CUSTOMER": notes, "GL": []}))
        }
        ("POST", ["notes"]) => {
            let Some(det) = query_value(query, "detector_id") else {
                return detail(400, "detector_id is required.");
            };
            let text = |name: &str| {
                request
                    .part(name)
                    .map(|p| String::from_utf8_lossy(&p.content).into_owned())
            };
            let content = text("content").unwrap_or_default();
            let pinned = text("is_pinned").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            state
                .notes
                .entry(det.to_owned())
                .or_default()
                .push(json!({"detector_id": det, "content": content, "is_pinned": pinned}));
            FakeResponse::new(204)
        }
        _ => detail(404, "Not found (fake route)."),
    }
}

/// The token API (`/v1/api-tokens…`).
fn token_route(
    state: &mut State,
    base: &str,
    method: &str,
    path: &[&str],
    query: &Query,
    body: &Map<String, Value>,
) -> FakeResponse {
    if state.token_api_disabled {
        return detail(404, "Not found (fake route).");
    }
    let ttl = state.token_ttl;
    let live = |t: &&FakeApiToken| !t.revoked;
    match (method, path) {
        ("GET", ["api-tokens"]) => {
            let all = state
                .api_tokens
                .iter()
                .filter(live)
                .map(|t| t.to_json(ttl))
                .collect();
            match page_of(base, "api-tokens", query, all, &[]) {
                Ok(page) => json_response(200, &page),
                Err((status, message)) => detail(status, &message),
            }
        }
        ("POST", ["api-tokens"]) => {
            let Some(name) = body.get("name").and_then(Value::as_str) else {
                return detail(400, "name is required.");
            };
            if name.is_empty() || name.chars().count() > 64 {
                return detail(400, "name must have 1 to 64 characters.");
            }
            if state.api_tokens.iter().filter(live).any(|t| t.name == name) {
                return detail(400, "A token with this name already exists.");
            }
            state.counter += 1;
            let raw_key = format!("api_{:016x}{:032x}", state.counter, fastrand::u128(..));
            let created = DateTime::<Utc>::from(SystemTime::now());
            let expires_at = ttl.map(|t| {
                (created + chrono::Duration::seconds(i64::try_from(t).unwrap_or(i64::MAX / 2)))
                    .to_rfc3339_opts(SecondsFormat::Micros, true)
            });
            let token = FakeApiToken {
                name: name.to_owned(),
                snippet: snippet_of(&raw_key),
                expires_at,
                revoked: false,
                uses: 0,
                raw_key: raw_key.clone(),
                created_at: created.to_rfc3339_opts(SecondsFormat::Micros, true),
            };
            let mut response = token.to_json(ttl);
            response["raw_key"] = json!(raw_key);
            state.api_tokens.push(token);
            json_response(201, &response)
        }
        ("GET", ["api-tokens", "by-snippet", snippet]) => {
            match state
                .api_tokens
                .iter()
                .filter(live)
                .find(|t| t.snippet == *snippet)
            {
                Some(token) => json_response(200, &token.to_json(ttl)),
                None => detail(404, "No ApiToken matches the given query."),
            }
        }
        ("DELETE", ["api-tokens", name]) => {
            match state
                .api_tokens
                .iter_mut()
                .find(|t| !t.revoked && t.name == *name)
            {
                Some(token) => {
                    token.revoked = true;
                    FakeResponse::new(204)
                }
                None => detail(404, "No ApiToken matches the given query."),
            }
        }
        _ => detail(405, "Method not allowed (fake)."),
    }
}

fn submit(state: &mut State, query: &Query, request: &RecordedRequest) -> FakeResponse {
    let Some(detector_id) = query_value(query, "detector_id") else {
        return detail(400, "detector_id is required.");
    };
    let Some(detector) = state.detectors.iter().find(|d| d.id == detector_id) else {
        return detail(404, "No Detector matches the given query.");
    };
    let content_type = request.content_type().unwrap_or_default();
    if !content_type.starts_with("image/") || request.body.is_empty() {
        return detail(
            400,
            "The body must be an image with an image/* Content-Type.",
        );
    }
    let patience_time = query_value(query, "patience_time")
        .and_then(|v| v.parse().ok())
        .unwrap_or(detector.patience_time);
    let confidence_threshold = query_value(query, "confidence_threshold")
        .and_then(|v| v.parse().ok())
        .unwrap_or(detector.confidence_threshold);
    let metadata = query_value(query, "metadata")
        .and_then(decode_b64_json)
        .unwrap_or(Value::Null);
    let want_async =
        query_value(query, "want_async").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let id = match query_value(query, "image_query_id") {
        Some(id) => {
            if state.image_queries.iter().any(|iq| iq.id == id) {
                return detail(400, "An image query with this id already exists.");
            }
            id.to_owned()
        }
        None => state.next_id("iq"),
    };
    let iq = FakeImageQuery {
        id,
        detector_id: detector_id.to_owned(),
        metadata,
        patience_time,
        confidence_threshold,
        polls: 0,
        image: request.body.to_vec(),
        want_async,
        label: None,
    };
    let response = iq_json(state, &iq);
    state.image_queries.push(iq);
    json_response(201, &response)
}
