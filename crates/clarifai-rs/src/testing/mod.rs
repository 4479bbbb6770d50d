//! An in-process, stateful fake of the Clarifai API (feature `testing`), for tests, examples
//! and demos.
//!
//! [`FakeClarifai`] serves the routes this crate calls (matched by the crate's own route
//! table) over shared state: apps, datasets and versions (with exports and metrics), inputs
//! with upload jobs, annotations, concepts, models with versions, predictions (canned
//! concepts for images, an echo for text), training (`QUEUED` → `TRAINING` → `TRAINED` over
//! polls), evaluations and exports, workflows, searches over the stored inputs, and runners
//! with a work queue. It checks the credential (`Authorization: Key …` or
//! `X-Clarifai-Session-Token`) and answers with proto3 JSON and Clarifai status codes.
//!
//! It runs on common's [`FakeServer`] skeleton: every
//! request is kept as a [`RecordedRequest`] ([`FakeClarifai::requests`]; [`rpc_of`] names the
//! RPC it matched), and [`Fault`]s (HTTP statuses, connection resets, truncated bodies,
//! delays) are injected with [`FakeClarifai::inject`], matched by RPC ([`rpc`], a [`Route`]) or
//! any [`Matcher`]. Clarifai reports throttling and "model loading" as a status code in an
//! HTTP 200 answer: [`code_fault`] builds that fault. A status fault without a body of its own
//! answers a non-JSON body (a proxy's page). The credential is checked before any fault is
//! applied.
//!
//! ```
//! use clarifai::models::MediaKind;
//! use clarifai::testing::FakeClarifai;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> clarifai::Result<()> {
//! let fake = FakeClarifai::start().await;
//! let client = fake.client();
//! let app = client.user("me").create_app("demo").send().await?;
//! let model = client.app(&app.id).model("general-image-recognition");
//! let out = model.predict_by_url("https://samples.clarifai.com/dog.jpg", MediaKind::Image).await?;
//! assert_eq!(out.outputs[0].data.as_ref().unwrap().concepts[0].name, "dog");
//! assert_eq!(fake.requests().len(), 2);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;

use serde_json::{Value, json};
use vision_sdk_common::testing::{FakeResponse, FakeServer, FakeService};
pub use vision_sdk_common::testing::{
    Fault, FaultKind, Matcher, RecordedPart, RecordedRequest, content_hash,
};

use crate::client::{Clarifai, ClarifaiBuilder};
use crate::routes::{self, Route};
use crate::status::StatusCode;

/// The PAT the fake accepts unless told otherwise.
pub const FAKE_PAT: &str = "fake-pat-123";

/// The user id `me` stands for in the fake.
pub const FAKE_USER: &str = "fake-user";

/// The RPC a request's method and path match in this crate's route table
/// (`"PostModelOutputs"`), if any.
///
/// ```
/// use clarifai::testing::{RecordedRequest, rpc_of};
/// let request = RecordedRequest::new("GET", "/v2/users/me/apps?page=1");
/// assert_eq!(rpc_of(&request), Some("ListApps"));
/// assert_eq!(rpc_of(&RecordedRequest::new("GET", "/nowhere")), None);
/// ```
pub fn rpc_of(request: &RecordedRequest) -> Option<&'static str> {
    route_of(&request.method, &request.path).map(|(route, _)| route.rpc())
}

/// Matches the requests to one RPC, by name, on any of its bindings:
/// `Fault::status(rpc("PostInputs"), 503)`.
///
/// ```
/// use clarifai::testing::{RecordedRequest, rpc};
/// assert!(rpc("ListApps").matches(&RecordedRequest::new("GET", "/v2/users/me/apps")));
/// assert!(!rpc("PostApps").matches(&RecordedRequest::new("GET", "/v2/users/me/apps")));
/// ```
pub fn rpc(name: &str) -> Matcher {
    let name = name.to_owned();
    Matcher::custom(move |request| rpc_of(request) == Some(name.as_str()))
}

impl From<Route> for Matcher {
    /// Matches the requests to that route's RPC: `Fault::status(Route::LIST_APPS, 502)`.
    fn from(route: Route) -> Self {
        rpc(route.rpc())
    }
}

/// The body the API answers a failure with: `{"status": {"code", "description", "req_id"}}`.
///
/// ```
/// use clarifai::StatusCode;
/// let body = clarifai::testing::status_body(StatusCode::CONN_THROTTLED);
/// assert_eq!(body["status"]["code"], StatusCode::CONN_THROTTLED.code());
/// ```
pub fn status_body(code: StatusCode) -> Value {
    json!({"status": {
        "code": code.code(),
        "description": code.name().unwrap_or("fault"),
        "req_id": "fake-fault",
    }})
}

/// A fault answering a Clarifai status code in an HTTP 200 answer, as the API reports
/// throttling and models still loading. For another HTTP status, use
/// `Fault::status(matcher, status).json(&status_body(code))`.
///
/// ```
/// use clarifai::StatusCode;
/// use clarifai::testing::{Fault, code_fault, rpc, status_body};
/// let throttled = code_fault(rpc("ListApps"), StatusCode::CONN_THROTTLED).times(2);
/// let loading = code_fault(rpc("PostModelOutputs"), StatusCode::MODEL_LOADING);
/// let teapot = Fault::status("*", 418).json(&status_body(StatusCode::new(12345)));
/// let gateway = Fault::status("*", 503).retry_after(3);
/// # let _ = (throttled, loading, teapot, gateway);
/// ```
pub fn code_fault(matcher: impl Into<Matcher>, code: StatusCode) -> Fault {
    Fault::status(matcher, 200).json(&status_body(code))
}

#[derive(Debug, Default)]
struct State {
    key: String,
    /// `user/app` → app.
    apps: BTreeMap<String, Value>,
    /// `user/app` → kind (`datasets`, `inputs`, `models`, …) → id → resource.
    store: BTreeMap<String, BTreeMap<&'static str, BTreeMap<String, Value>>>,
    /// job id → (polls before done, input ids).
    jobs: BTreeMap<String, (u32, Vec<String>)>,
    /// Polls an upload job takes before it is done.
    job_polls: u32,
    /// Inputs whose upload fails (`INPUT_FAILED`) once each.
    failing_inputs: Vec<String>,
    /// version id → polls until trained.
    training: BTreeMap<String, u32>,
    /// runner id → waiting items.
    runner_items: BTreeMap<String, Vec<Value>>,
    /// Answers posted by runners: (item id, body).
    runner_outputs: Vec<(String, Value)>,
    next_id: u64,
}

impl State {
    fn kind(&mut self, scope: &str, kind: &'static str) -> &mut BTreeMap<String, Value> {
        self.store
            .entry(scope.to_owned())
            .or_default()
            .entry(kind)
            .or_default()
    }

    fn fresh_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:08x}", self.next_id)
    }
}

/// The fake Clarifai API. `Clone` shares the server and its state; the server stops when the
/// last clone is dropped.
#[derive(Clone)]
pub struct FakeClarifai {
    server: FakeServer<State>,
}

impl std::fmt::Debug for FakeClarifai {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeClarifai")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl FakeClarifai {
    /// Starts a fake accepting [`FAKE_PAT`].
    pub async fn start() -> Self {
        Self::start_with_key(FAKE_PAT).await
    }

    /// Starts a fake accepting `key` (as a PAT or as a session token).
    pub async fn start_with_key(key: &str) -> Self {
        let server = FakeServer::start(|_base_url| State {
            key: key.to_owned(),
            job_polls: 1,
            ..State::default()
        })
        .await;
        Self { server }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        self.server.with_service(f)
    }

    /// The fake's base URL, `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The key it accepts.
    pub fn api_key(&self) -> String {
        self.with(|s| s.key.clone())
    }

    /// A builder pointed at the fake with its key, the environment ignored.
    pub fn client_builder(&self) -> ClarifaiBuilder {
        Clarifai::builder()
            .env_lookup(|_| None)
            .base_url(self.base_url())
            .pat(self.api_key())
    }

    /// A client of the fake (user `me`).
    ///
    /// # Panics
    ///
    /// Never in practice: the fake's URL and key are valid.
    pub fn client(&self) -> Clarifai {
        self.client_builder().build().expect("a client of the fake")
    }

    /// Every request so far, in order, with the status answered (`None` for resets).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }

    /// The requests to one RPC (`"PostInputs"`), in order.
    pub fn requests_to(&self, rpc: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| rpc_of(r) == Some(rpc))
            .collect()
    }

    /// Queues a fault (see [`Fault`], [`code_fault`]); match it by RPC, e.g.
    /// `fake.inject(Fault::status(rpc("PostInputs"), 503))`.
    pub fn inject(&self, fault: Fault) {
        self.server.inject(fault);
    }

    /// How many polls an upload job stays in progress (default 1).
    pub fn set_upload_job_polls(&self, polls: u32) {
        self.with(|s| s.job_polls = polls);
    }

    /// The first upload of this input ends `INPUT_FAILED` (for retry tests).
    pub fn fail_input_once(&self, input_id: &str) {
        self.with(|s| s.failing_inputs.push(input_id.to_owned()));
    }

    /// Queues a prediction for runner `runner_id` (one item per call).
    pub fn queue_runner_item(&self, runner_id: &str, inputs: Vec<crate::models::Input>) -> String {
        self.with(|state| {
            let id = state.fresh_id("item-");
            let item = json!({"id": id, "post_model_outputs_request": {"inputs": inputs}});
            state
                .runner_items
                .entry(runner_id.to_owned())
                .or_default()
                .push(item);
            id
        })
    }

    /// The outputs runners posted: (item id, `runner_item_outputs` body).
    pub fn runner_outputs(&self) -> Vec<(String, Value)> {
        self.with(|s| s.runner_outputs.clone())
    }

    /// How many inputs an app holds.
    pub fn input_count(&self, user_id: &str, app_id: &str) -> usize {
        let scope = format!(
            "{}/{app_id}",
            if user_id == "me" { FAKE_USER } else { user_id }
        );
        self.with(|s| {
            s.store
                .get(&scope)
                .and_then(|k| k.get("inputs"))
                .map_or(0, BTreeMap::len)
        })
    }
}

fn route_of(method: &str, path: &str) -> Option<(Route, BTreeMap<String, String>)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(Route, BTreeMap<String, String>, usize)> = None;
    for route in routes::ALL {
        if route.method().as_str() != method {
            continue;
        }
        let t: Vec<&str> = route.template().trim_matches('/').split('/').collect();
        if t.len() != segments.len() {
            continue;
        }
        let mut values = BTreeMap::new();
        let mut literal = 0;
        let ok = t.iter().zip(&segments).all(|(t, s)| {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => {
                    let name = name
                        .strip_prefix("user_app_id.")
                        .or_else(|| name.strip_prefix("runner_selector."))
                        .unwrap_or(name);
                    let value = percent_encoding::percent_decode_str(s)
                        .decode_utf8_lossy()
                        .into_owned();
                    values.insert(name.to_owned(), value);
                    !s.is_empty()
                }
                None => {
                    literal += 1;
                    t == s
                }
            }
        });
        if ok && best.as_ref().is_none_or(|(_, _, l)| literal > *l) {
            best = Some((*route, values, literal));
        }
    }
    best.map(|(r, v, _)| (r, v))
}

fn ok(mut body: Value) -> Value {
    body["status"] = json!({"code": 10000, "description": "Ok", "req_id": "fake-req"});
    body
}

fn fail(code: StatusCode, description: &str) -> (u16, Value) {
    (
        200,
        json!({"status": {"code": code.code(), "description": description, "req_id": "fake-req"}}),
    )
}

fn page(items: Vec<Value>, query: &[(String, String)]) -> Vec<Value> {
    let get = |k: &str| {
        query
            .iter()
            .find(|(q, _)| q == k)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let per_page = get("per_page").unwrap_or(128).max(1);
    let page = get("page").unwrap_or(1).max(1);
    items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect()
}

fn created(mut v: Value, scope_user: &str, scope_app: &str) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.insert("created_at".into(), json!("2026-01-01T00:00:00Z"));
        m.entry("user_id").or_insert(json!(scope_user));
        m.entry("app_id").or_insert(json!(scope_app));
    }
    v
}

fn concepts_for(input: &Value) -> Value {
    let data = &input["data"];
    if let Some(raw) = data["text"]["raw"].as_str() {
        return json!({"text": {"raw": format!("echo: {raw}")}});
    }
    json!({"concepts": [
        {"id": "ai_dog", "name": "dog", "value": 0.97, "app_id": "main"},
        {"id": "ai_animal", "name": "animal", "value": 0.93, "app_id": "main"},
        {"id": "ai_pet", "name": "pet", "value": 0.88, "app_id": "main"}
    ]})
}

impl FakeService for State {
    /// The credential is checked before any injected fault: a wrong or missing key is a 401
    /// with Clarifai's code 11009 ("API key not found").
    fn precheck(&mut self, request: &RecordedRequest) -> Option<FakeResponse> {
        let key = self.key.as_str();
        let authorized = request.header("authorization") == Some(format!("Key {key}").as_str())
            || request.header("x-clarifai-session-token") == Some(key);
        (!authorized).then(|| {
            FakeResponse::json(
                401,
                &json!({"status": {"code": 11009, "description": "API key not found", "req_id": "fake-req"}}),
            )
        })
    }

    fn handle(&mut self, request: &RecordedRequest) -> FakeResponse {
        let body = if request.body.is_empty() {
            Value::Null
        } else {
            request.json().unwrap_or(Value::Null)
        };
        let (status, answer) = match route_of(&request.method, &request.path) {
            Some((route, values)) => handle(self, route.rpc(), &values, &request.query, body),
            None => fail(StatusCode::CONN_DOES_NOT_EXIST, "no such route"),
        };
        FakeResponse::json(status, &answer)
    }

    /// A status fault without a body of its own answers what a proxy in front of the API
    /// would: an HTML page.
    fn fault_response(&self, status: u16) -> FakeResponse {
        FakeResponse::bytes(
            status,
            "<html>upstream error</html>",
            "text/html; charset=utf-8",
        )
    }
}

#[allow(clippy::too_many_lines)]
fn handle(
    state: &mut State,
    rpc: &str,
    p: &BTreeMap<String, String>,
    query: &[(String, String)],
    body: Value,
) -> (u16, Value) {
    let user = match p.get("user_id").map(String::as_str) {
        Some("me") | None => FAKE_USER.to_owned(),
        Some(u) => u.to_owned(),
    };
    let app = p.get("app_id").cloned().unwrap_or_default();
    let scope = format!("{user}/{app}");
    let id = |k: &str| p.get(k).cloned().unwrap_or_default();
    let list = |state: &mut State, kind: &'static str| -> Vec<Value> {
        state.kind(&scope, kind).values().cloned().collect()
    };
    let q = |k: &str| {
        query
            .iter()
            .filter(|(q, _)| q == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let items = |field: &str| body[field].as_array().cloned().unwrap_or_default();
    let missing = |what: &str| {
        fail(
            StatusCode::CONN_DOES_NOT_EXIST,
            &format!("{what} does not exist"),
        )
    };
    let answer = match rpc {
        "GetUser" => ok(json!({"user": {"id": user}})),
        "ListApps" => {
            let apps: Vec<Value> = state
                .apps
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("{user}/")))
                .map(|(_, v)| v.clone())
                .collect();
            ok(json!({"apps": page(apps, query)}))
        }
        "PostApps" => {
            let mut out = Vec::new();
            for a in items("apps") {
                let app_id = a["id"].as_str().unwrap_or_default().to_owned();
                let key = format!("{user}/{app_id}");
                if state.apps.contains_key(&key) {
                    return fail(StatusCode::CONN_INVALID_REQUEST, "app already exists");
                }
                let mut a = created(a, &user, &app_id);
                a["default_workflow_id"] = a["default_workflow"]["id"].clone();
                state.apps.insert(key, a.clone());
                out.push(a);
            }
            ok(json!({"apps": out}))
        }
        "GetApp" => match state.apps.get(&scope) {
            Some(a) => ok(json!({"app": a})),
            None => return missing("app"),
        },
        "PatchApp" => match state.apps.get_mut(&scope) {
            Some(a) => {
                if let (Some(dst), Some(src)) = (a.as_object_mut(), body["app"].as_object()) {
                    for (k, v) in src {
                        dst.insert(k.clone(), v.clone());
                    }
                }
                ok(json!({"app": a}))
            }
            None => return missing("app"),
        },
        "DeleteApp" => {
            state.apps.remove(&scope);
            state.store.remove(&scope);
            ok(json!({}))
        }
        // ---- datasets
        "PostDatasets" => {
            let mut out = Vec::new();
            for d in items("datasets") {
                let d = created(d, &user, &app);
                state
                    .kind(&scope, "datasets")
                    .insert(d["id"].as_str().unwrap_or_default().to_owned(), d.clone());
                out.push(d);
            }
            ok(json!({"datasets": out}))
        }
        "ListDatasets" => ok(json!({"datasets": page(list(state, "datasets"), query)})),
        "GetDataset" => match state.kind(&scope, "datasets").get(&id("dataset_id")) {
            Some(d) => ok(json!({"dataset": d})),
            None => return missing("dataset"),
        },
        "DeleteDatasets" => {
            for d in items("dataset_ids") {
                state
                    .kind(&scope, "datasets")
                    .remove(d.as_str().unwrap_or_default());
            }
            ok(json!({}))
        }
        "ListDatasetInputs" => {
            let ds = id("dataset_id");
            let inputs: Vec<Value> = list(state, "inputs")
                .into_iter()
                .filter(|i| {
                    i["dataset_ids"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|d| d == ds.as_str()))
                })
                .map(|i| json!({"input": i}))
                .collect();
            ok(json!({"dataset_inputs": page(inputs, query)}))
        }
        "PostDatasetVersions" => {
            let mut out = Vec::new();
            for v in items("dataset_versions") {
                let mut v = created(v, &user, &app);
                if v["id"].as_str().is_none_or(str::is_empty) {
                    v["id"] = json!(state.fresh_id("dv-"));
                }
                v["dataset_id"] = json!(id("dataset_id"));
                v["status"] = json!({"code": 64015});
                state
                    .kind(&scope, "dataset_versions")
                    .insert(v["id"].as_str().unwrap_or_default().to_owned(), v.clone());
                out.push(v);
            }
            ok(json!({"dataset_versions": out}))
        }
        "ListDatasetVersions" => {
            let ds = id("dataset_id");
            let v: Vec<Value> = list(state, "dataset_versions")
                .into_iter()
                .filter(|v| v["dataset_id"] == ds.as_str())
                .collect();
            ok(json!({"dataset_versions": page(v, query)}))
        }
        "GetDatasetVersion" => match state
            .kind(&scope, "dataset_versions")
            .get(&id("dataset_version_id"))
        {
            Some(v) => ok(json!({"dataset_version": v})),
            None => return missing("dataset version"),
        },
        "DeleteDatasetVersions" => {
            for v in items("dataset_version_ids") {
                state
                    .kind(&scope, "dataset_versions")
                    .remove(v.as_str().unwrap_or_default());
            }
            ok(json!({}))
        }
        "ListDatasetVersionMetricsGroups" => {
            let n = list(state, "inputs").len();
            ok(
                json!({"dataset_version_metrics_groups": [{"type": 2, "metrics": {"inputs_count": n.to_string()}}]}),
            )
        }
        "PutDatasetVersionExports" => {
            let key = format!("export-{}", id("dataset_version_id"));
            let polls = state.kind(&scope, "exports").entry(key).or_insert(json!(0));
            let n = polls.as_u64().unwrap_or(0);
            *polls = json!(n + 1);
            let export = if n == 0 {
                json!({"format": 3, "status": {"code": 64201}})
            } else {
                json!({"format": 3, "status": {"code": 64200}, "url": "https://fake.invalid/export.zip", "size": "22"})
            };
            ok(json!({"exports": [export]}))
        }
        // ---- concepts
        "ListConcepts" => ok(json!({"concepts": page(list(state, "concepts"), query)})),
        "PostConcepts" | "PatchConcepts" => {
            let mut out = Vec::new();
            for c in items("concepts") {
                let cid = c["id"].as_str().unwrap_or_default().to_owned();
                let mut c = c;
                if c.get("name").is_none() {
                    c["name"] = json!(cid);
                }
                state.kind(&scope, "concepts").insert(cid, c.clone());
                out.push(c);
            }
            ok(json!({"concepts": out}))
        }
        "PostConceptsSearches" => {
            let name = body["concept_query"]["name"]
                .as_str()
                .unwrap_or_default()
                .trim_end_matches('*')
                .to_owned();
            let found: Vec<Value> = list(state, "concepts")
                .into_iter()
                .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with(&name)))
                .collect();
            ok(json!({"concepts": found}))
        }
        // ---- inputs
        "PostInputs" => {
            let job = body["inputs_add_job_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let mut out = Vec::new();
            let mut ids = Vec::new();
            let mut mixed = false;
            for i in items("inputs") {
                let iid = i["id"].as_str().unwrap_or_default().to_owned();
                let fails = state.failing_inputs.iter().position(|f| *f == iid);
                let mut i = created(i, &user, &app);
                if state.kind(&scope, "inputs").contains_key(&iid) {
                    mixed = true;
                    i["status"] =
                        json!({"code": 30100, "description": "Input has a duplicate ID."});
                    out.push(i);
                    continue;
                }
                i["status"] = match fails {
                    Some(at) => {
                        state.failing_inputs.remove(at);
                        json!({"code": 30002, "description": "Download failed"})
                    }
                    None => json!({"code": 30000, "description": "Download complete"}),
                };
                state.kind(&scope, "inputs").insert(iid.clone(), i.clone());
                ids.push(iid);
                out.push(i);
            }
            let polls = state.job_polls;
            if !job.is_empty() {
                state.jobs.insert(job.clone(), (polls, ids));
            }
            let mut r = ok(json!({"inputs": out, "inputs_add_job": {"id": job}}));
            if mixed {
                r["status"] = json!({"code": 10010, "description": "Mixed Success"});
            }
            r
        }
        "GetInputsAddJob" | "CancelInputsAddJob" => {
            let job = id("id");
            let Some((left, ids)) = state.jobs.get_mut(&job) else {
                return missing("job");
            };
            if rpc == "CancelInputsAddJob" {
                *left = 0;
            }
            let pending = u64::from(*left > 0) * ids.len() as u64;
            *left = left.saturating_sub(1);
            ok(json!({"inputs_add_job": {"id": job, "progress": {
                "pending_count": "0", "in_progress_count": pending.to_string(),
                "success_count": (ids.len() as u64 - pending).to_string(), "failed_count": "0"
            }}}))
        }
        "ListInputs" => {
            let ids = q("ids");
            let code = q("status.code").first().and_then(|c| c.parse::<i64>().ok());
            let inputs: Vec<Value> = list(state, "inputs")
                .into_iter()
                .filter(|i| ids.is_empty() || ids.iter().any(|id| i["id"] == id.as_str()))
                .filter(|i| code.is_none_or(|c| i["status"]["code"].as_i64() == Some(c)))
                .collect();
            ok(json!({"inputs": page(inputs, query)}))
        }
        "GetInput" => match state.kind(&scope, "inputs").get(&id("input_id")) {
            Some(i) => ok(json!({"input": i})),
            None => return fail(StatusCode::INPUT_DOES_NOT_EXIST, "input does not exist"),
        },
        "PatchInputs" => {
            let mut out = Vec::new();
            for i in items("inputs") {
                let iid = i["id"].as_str().unwrap_or_default().to_owned();
                if let Some(stored) = state.kind(&scope, "inputs").get_mut(&iid) {
                    if let (Some(dst), Some(src)) =
                        (stored["data"].as_object_mut(), i["data"].as_object())
                    {
                        for (k, v) in src {
                            dst.insert(k.clone(), v.clone());
                        }
                    }
                    out.push(stored.clone());
                }
            }
            ok(json!({"inputs": out}))
        }
        "DeleteInputs" => {
            if items("ids").is_empty() {
                return fail(StatusCode::CONN_INVALID_REQUEST, "no ids");
            }
            for i in items("ids") {
                state
                    .kind(&scope, "inputs")
                    .remove(i.as_str().unwrap_or_default());
            }
            ok(json!({}))
        }
        "GetInputCount" => {
            let n = list(state, "inputs").len();
            ok(json!({"counts": {"processed": n, "to_process": 0, "errors": 0}}))
        }
        // ---- annotations
        "PostAnnotations" => {
            let mut out = Vec::new();
            let mut mixed = false;
            for a in items("annotations") {
                let mut a = created(a, &user, &app);
                let input = a["input_id"].as_str().unwrap_or_default().to_owned();
                if a["id"].as_str().is_none_or(str::is_empty) {
                    a["id"] = json!(state.fresh_id("an-"));
                }
                if !state.kind(&scope, "inputs").contains_key(&input) {
                    mixed = true;
                    a["status"] = json!({"code": 24152, "description": "input not found"});
                    out.push(a);
                    continue;
                }
                if a["id"].as_str().is_none_or(str::is_empty) {
                    a["id"] = json!(state.fresh_id("an-"));
                }
                a["status"] = json!({"code": 24150});
                state
                    .kind(&scope, "annotations")
                    .insert(a["id"].as_str().unwrap_or_default().to_owned(), a.clone());
                out.push(a);
            }
            let mut r = ok(json!({"annotations": out}));
            if mixed {
                r["status"] = json!({"code": 10010, "description": "Mixed Success"});
            }
            r
        }
        "PatchAnnotations" => {
            let mut out = Vec::new();
            for a in items("annotations") {
                let aid = a["id"].as_str().unwrap_or_default().to_owned();
                if let Some(stored) = state.kind(&scope, "annotations").get_mut(&aid) {
                    stored["data"] = a["data"].clone();
                    out.push(stored.clone());
                }
            }
            ok(json!({"annotations": out}))
        }
        "ListAnnotations" => {
            let ids = q("input_ids");
            let anns: Vec<Value> = list(state, "annotations")
                .into_iter()
                .filter(|a| ids.is_empty() || ids.iter().any(|i| a["input_id"] == i.as_str()))
                .collect();
            ok(json!({"annotations": page(anns, query)}))
        }
        "DeleteAnnotations" => {
            let inputs: Vec<String> = items("input_ids")
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let ids: Vec<String> = items("ids")
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            state.kind(&scope, "annotations").retain(|aid, a| {
                let of_input = inputs.iter().any(|i| a["input_id"] == i.as_str());
                !(of_input && (ids.is_empty() || ids.contains(aid)))
            });
            ok(json!({}))
        }
        // ---- searches
        "PostInputsSearches" | "PostAnnotationsSearches" => {
            let per_page = body["pagination"]["per_page"].as_u64().unwrap_or(10).max(1) as usize;
            let pg = body["pagination"]["page"].as_u64().unwrap_or(1).max(1) as usize;
            // Input-type filters (`{"input": {"data": {"image": {}}}}`) are applied.
            let kinds: Vec<String> = body["searches"][0]["query"]["filters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["input"]["data"].as_object())
                .flat_map(|d| d.keys().cloned())
                .filter(|k| matches!(k.as_str(), "image" | "video" | "audio" | "text"))
                .collect();
            let inputs: Vec<Value> = list(state, "inputs")
                .into_iter()
                .filter(|i| kinds.iter().all(|k| i["data"].get(k).is_some()))
                .collect();
            let n = inputs.len().max(1) as f64;
            let hits: Vec<Value> = inputs
                .into_iter()
                .enumerate()
                .map(|(k, i)| {
                    let score = 1.0 - k as f64 / n;
                    if rpc == "PostInputsSearches" {
                        json!({"score": score, "input": i})
                    } else {
                        json!({"score": score, "annotation": {"id": format!("an-{}", i["id"].as_str().unwrap_or_default()), "input_id": i["id"]}})
                    }
                })
                .skip((pg - 1) * per_page)
                .take(per_page)
                .collect();
            ok(json!({"hits": hits}))
        }
        // ---- models
        "PostModels" => {
            let Some(m) = items("models").into_iter().next() else {
                return fail(StatusCode::CONN_INVALID_REQUEST, "no model");
            };
            let m = created(m, &user, &app);
            state
                .kind(&scope, "models")
                .insert(m["id"].as_str().unwrap_or_default().to_owned(), m.clone());
            ok(json!({"model": m}))
        }
        "ListModels" => ok(json!({"models": page(list(state, "models"), query)})),
        "GetModel" => {
            let mid = id("model_id");
            // Models of the fake user's apps exist once created; others' (public) models always do.
            let model = match state.kind(&scope, "models").get(&mid).cloned() {
                Some(m) => m,
                None if user == FAKE_USER => {
                    return fail(StatusCode::MODEL_DOES_NOT_EXIST, "model does not exist");
                }
                None => {
                    json!({"id": mid, "app_id": app, "user_id": user, "model_type_id": "visual-classifier"})
                }
            };
            let mut model = model;
            if model.get("model_version").is_none()
                && let Some(v) = list(state, "model_versions")
                    .into_iter()
                    .rev()
                    .find(|v| v["model_id"] == mid.as_str())
            {
                model["model_version"] = v;
            }
            if let Some(v) = q("version_id").first() {
                model["model_version"] = state
                    .kind(&scope, "model_versions")
                    .get(v)
                    .cloned()
                    .unwrap_or(json!({"id": v}));
            }
            ok(json!({"model": model}))
        }
        "DeleteModels" => {
            for m in items("ids") {
                state
                    .kind(&scope, "models")
                    .remove(m.as_str().unwrap_or_default());
            }
            ok(json!({}))
        }
        "ListModelTypes" | "GetModelType" => {
            let t = json!({"id": "visual-classifier", "title": "Visual Classifier", "trainable": true, "model_type_fields": [
                {"path": "train_info.params.template", "field_type": 16, "model_type_enum_options": [
                    {"id": "MMClassification_ResNet_50_RSB_A1", "model_type_fields": [
                        {"path": "train_info.params.num_epochs", "field_type": 3, "default_value": 30.0, "description": "Epochs"},
                        {"path": "train_info.params.image_size", "field_type": 3, "default_value": 224.0, "description": "Image size"}
                    ]}
                ]},
                {"path": "train_info.params.dataset_id", "field_type": 1, "default_value": "", "description": "Dataset"}
            ]});
            if rpc == "GetModelType" {
                ok(json!({"model_type": t}))
            } else {
                ok(json!({"model_types": [t]}))
            }
        }
        "PostModelVersions" => {
            let mid = id("model_id");
            let vid = state.fresh_id("v-");
            let mut v = items("model_versions")
                .into_iter()
                .next()
                .unwrap_or(json!({}));
            v["id"] = json!(vid);
            v["model_id"] = json!(mid);
            v["status"] = json!({"code": 21103, "description": "Queued for training"});
            state.training.insert(vid.clone(), 2);
            state
                .kind(&scope, "model_versions")
                .insert(vid.clone(), created(v.clone(), &user, &app));
            ok(json!({"model": {"id": mid, "app_id": app, "user_id": user, "model_version": v}}))
        }
        "ListModelVersions" => {
            let mid = id("model_id");
            let v: Vec<Value> = list(state, "model_versions")
                .into_iter()
                .filter(|v| v["model_id"] == mid.as_str())
                .collect();
            ok(json!({"model_versions": page(v, query)}))
        }
        "GetModelVersion" => {
            let vid = id("version_id");
            let left = state.training.get(&vid).copied();
            let Some(v) = state.kind(&scope, "model_versions").get_mut(&vid) else {
                return missing("model version");
            };
            match left {
                Some(0) => v["status"] = json!({"code": 21100, "description": "Trained"}),
                Some(_) => v["status"] = json!({"code": 21101, "description": "Training"}),
                None => {}
            }
            let v = v.clone();
            if let Some(n) = state.training.get_mut(&vid) {
                *n = n.saturating_sub(1);
            }
            ok(json!({"model_version": v}))
        }
        "DeleteModelVersion" => {
            state
                .kind(&scope, "model_versions")
                .remove(&id("version_id"));
            ok(json!({}))
        }
        "PostModelOutputs" | "PostModelVersionOutputs" => {
            let inputs = items("inputs");
            if inputs.len() > 128 {
                return fail(StatusCode::PREDICT_INVALID_REQUEST, "too many inputs");
            }
            let mid = id("model_id");
            let outputs: Vec<Value> = inputs
                .iter()
                .enumerate()
                .map(|(k, i)| json!({"id": format!("out-{k}"), "status": {"code": 10000}, "model": {"id": mid}, "input": i, "data": concepts_for(i)}))
                .collect();
            ok(json!({"outputs": outputs}))
        }
        "PostEvaluations" => {
            let mut out = Vec::new();
            for e in items("eval_metrics") {
                let mut e = e;
                e["status"] = json!({"code": 21300, "description": "Evaluated"});
                e["summary"] = json!({"macro_avg_roc_auc": 0.9});
                state
                    .kind(&scope, "evaluations")
                    .insert(e["id"].as_str().unwrap_or_default().to_owned(), e.clone());
                out.push(e);
            }
            ok(json!({"eval_metrics": out}))
        }
        "GetEvaluation" => match state.kind(&scope, "evaluations").get(&id("evaluation_id")) {
            Some(e) => ok(json!({"eval_metrics": e})),
            None => return missing("evaluation"),
        },
        "ListModelVersionEvaluations" => ok(json!({"eval_metrics": list(state, "evaluations")})),
        "PutModelVersionExports" | "GetModelVersionExport" => {
            let key = format!("model-export-{}", id("version_id"));
            let seen = state.kind(&scope, "exports").contains_key(&key);
            state.kind(&scope, "exports").insert(key, json!(1));
            let export = if rpc == "GetModelVersionExport" && seen {
                json!({"status": {"code": 21500}, "url": "https://fake.invalid/model.tar", "size": "10"})
            } else {
                json!({"status": {"code": 21501}})
            };
            ok(json!({"export": export}))
        }
        // ---- workflows
        "PostWorkflows" => {
            let mut out = Vec::new();
            for w in items("workflows") {
                let w = created(w, &user, &app);
                state
                    .kind(&scope, "workflows")
                    .insert(w["id"].as_str().unwrap_or_default().to_owned(), w.clone());
                out.push(w);
            }
            ok(json!({"workflows": out}))
        }
        "ListWorkflows" => ok(json!({"workflows": page(list(state, "workflows"), query)})),
        "GetWorkflow" => match state.kind(&scope, "workflows").get(&id("workflow_id")) {
            Some(w) => ok(json!({"workflow": w})),
            None => return missing("workflow"),
        },
        "DeleteWorkflows" => {
            for w in items("ids") {
                state
                    .kind(&scope, "workflows")
                    .remove(w.as_str().unwrap_or_default());
            }
            ok(json!({}))
        }
        "ListWorkflowVersions" => {
            ok(json!({"workflow_versions": [{"id": "wfv1", "workflow_id": id("workflow_id")}]}))
        }
        "PostWorkflowResults" | "PostWorkflowVersionResults" => {
            let inputs = items("inputs");
            if inputs.len() > 32 {
                return fail(StatusCode::CONN_INVALID_REQUEST, "too many inputs");
            }
            let wid = id("workflow_id");
            let nodes: Vec<String> = state
                .kind(&scope, "workflows")
                .get(&wid)
                .and_then(|w| w["nodes"].as_array().cloned())
                .map(|n| {
                    n.iter()
                        .filter_map(|n| n["model"]["id"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_else(|| vec!["general-image-recognition".to_owned()]);
            let results: Vec<Value> = inputs
                .iter()
                .map(|i| json!({"status": {"code": 10000}, "input": i, "outputs": nodes.iter().map(|m| json!({"id": format!("out-{m}"), "model": {"id": m}, "data": concepts_for(i)})).collect::<Vec<_>>()}))
                .collect();
            ok(json!({"workflow": {"id": wid}, "results": results}))
        }
        // ---- runners
        "PostRunners" => {
            let mut out = Vec::new();
            for r in items("runners") {
                state
                    .kind(&user, "runners")
                    .insert(r["id"].as_str().unwrap_or_default().to_owned(), r.clone());
                out.push(r);
            }
            ok(json!({"runners": out}))
        }
        "ListRunners" | "ListNodepoolRunners" => ok(
            json!({"runners": page(state.kind(&user, "runners").values().cloned().collect(), query)}),
        ),
        "GetRunner" | "GetNodepoolRunner" => {
            match state.kind(&user, "runners").get(&id("runner_id")) {
                Some(r) => ok(json!({"runner": r})),
                None => return missing("runner"),
            }
        }
        "DeleteRunners" => {
            for r in items("ids") {
                state
                    .kind(&user, "runners")
                    .remove(r.as_str().unwrap_or_default());
            }
            ok(json!({}))
        }
        "ListRunnerItems" => {
            let items = state
                .runner_items
                .remove(&id("runner_id"))
                .unwrap_or_default();
            if items.is_empty() {
                return fail(StatusCode::RUNNER_NEEDS_RETRY, "no work, poll again");
            }
            ok(json!({"runner_items": items}))
        }
        "PostRunnerItemOutputs" => {
            state.runner_outputs.push((id("runner_item_id"), body));
            ok(json!({}))
        }
        other => {
            return fail(
                StatusCode::NOT_IMPLEMENTED,
                &format!("{other} is not served by the fake"),
            );
        }
    };
    (200, answer)
}
