//! Every request the crate sends is valid against the pinned `public-api.yaml`.
//!
//! Each test drives a group of client calls, with every option, against a wiremock server that
//! answers plausible JSON (the shapes of the golden fake server, completed to the spec), then
//! checks every request the server received with the validator of `vision_sdk_testkit::openapi`.
//! The only tolerated violations are the explained entries of [`ALLOWED`]; the calls outside
//! the spec (inspections, synthetic images, the Edge Endpoint's own API) are listed there too,
//! so a call that moves into the spec, or a crate fix that makes an entry unnecessary, is
//! noticed. [`every_spec_operation_is_accounted_for`] ties the covered operations to the spec.

#[path = "support/spec.rs"]
mod openapi;

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

use futures_util::StreamExt as _;
use groundlight::models::{DetectorModeEnum, EdgeEndpointConfig, EscalationTypeEnum, Label};
use groundlight::testing::SteppedClock;
use groundlight::{Groundlight, HumanReview, Image, RetryPolicy, create_roi};
use openapi::{RecordedRequest, Report, Spec};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const NOW: &str = "2025-06-01T12:00:00Z";
const TOKEN: &str = "api_2probeTOKEN0123456789abcdefghijklmnop";
use vision_sdk_testkit::JPEG_HEADER as JPEG;
/// A valid 1×1 RGB PNG (decodable: builds with the `image` feature re-encode it to JPEG).
use vision_sdk_testkit::PNG;

// ---------------------------------------------------------------------------------------------
// What is tolerated, and why

/// Tolerated violations: (scope, error substring, reason). The scope is an operation key
/// (`"GET /v1/detectors"`) or, for requests outside the spec, the start of the request line.
/// Every entry must be needed by some request of these tests.
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "GET /v1/detectors",
        "query parameter \"name\": unknown",
        "get_detector_by_name (and get_or_create_detector) filter with `?name=` like the official \
         SDK (groundlight.md §2); the server accepts it, the spec does not declare it",
    ),
    (
        "POST /device-api/inspections",
        "no path template in the spec matches /inspections",
        "inspections are not in public-api.yaml (removed from the SDK in 0.28, still served); \
         the issue excepts them",
    ),
    (
        "GET /device-api/inspections/",
        "no path template in the spec matches /inspections/",
        "inspections: see above",
    ),
    (
        "PATCH /device-api/inspections/",
        "no path template in the spec matches /inspections/",
        "inspections: see above",
    ),
    (
        "POST /device-api/v1/synthetic-images?",
        "no path template in the spec matches /v1/synthetic-images",
        "generate_synthetic_image is new in SDK 1.3.1; the pinned spec (0.18.2) predates it \
         (groundlight.md §0, generated_endpoints_1.3.1.md)",
    ),
    (
        "GET /edge-",
        "is not under the server base path",
        "the Edge Endpoint's own API (/edge-config, /edge-detector-readiness, /edge-info) lives at \
         the host root, outside the cloud API and its spec",
    ),
    (
        "PUT /edge-config",
        "is not under the server base path",
        "Edge Endpoint API: see above",
    ),
];

/// Notes (allowed by the spec, undeclared) expected on the crate's requests.
const EXPECTED_NOTES: &[(&str, &str)] = &[
    // Like SDK 1.3.1, ROIs carry `score` and the centre `x`/`y`; `ROIRequest` and
    // `BBoxGeometryRequest` do not declare them (they are read-only in `ROI`/`BBoxGeometry`).
    ("POST /v1/labels", ".score: property not declared"),
    ("POST /v1/labels", ".geometry.x: property not declared"),
    ("POST /v1/labels", ".geometry.y: property not declared"),
];

/// Spec operations no client call uses, and why.
const NOT_CALLED: &[(&str, &str)] = &[
    (
        "GET /v1/actions/detector/{detector_id}/rules",
        "rules/alerts were removed from the SDK in 0.28",
    ),
    (
        "POST /v1/actions/detector/{detector_id}/rules",
        "rules/alerts were removed from the SDK in 0.28",
    ),
    (
        "GET /v1/actions/rules",
        "rules/alerts were removed from the SDK in 0.28",
    ),
    (
        "GET /v1/actions/rules/{id}",
        "rules/alerts were removed from the SDK in 0.28",
    ),
    (
        "DELETE /v1/actions/rules/{id}",
        "rules/alerts were removed from the SDK in 0.28",
    ),
    (
        "GET /v1/api-tokens",
        "token rotation never lists tokens (as the official TokenManager); the fake serves it",
    ),
    (
        "GET /v1/edge/fetch-model-urls/{detector_id}/",
        "download_mlbinary is not implemented",
    ),
    (
        "POST /v1/edge/report-metrics",
        "no SDK method (edge servers call it)",
    ),
];

// ---------------------------------------------------------------------------------------------
// The fake API

struct FakeApi;

fn detector(id: &str, name: &str, query: &str, mode: &str, mode_configuration: &Value) -> Value {
    json!({
        "id": id, "type": "detector", "created_at": NOW, "name": name, "query": query,
        "group_name": "default", "confidence_threshold": 0.9, "patience_time": 30.0,
        "metadata": null, "mode": mode, "mode_configuration": mode_configuration,
        "status": "ON", "escalation_type": "STANDARD",
    })
}

fn door() -> Value {
    detector(
        "det_abc123",
        "door",
        "Is the door open?",
        "BINARY",
        &Value::Null,
    )
}

fn image_query(id: &str, detector_id: &str, answered: bool) -> Value {
    let result = if answered {
        json!({"confidence": 0.95, "source": "ALGORITHM", "result_type": "binary_classification",
               "from_edge": false, "label": "YES"})
    } else {
        Value::Null
    };
    json!({
        "metadata": null, "id": id, "type": "image_query", "created_at": NOW,
        "query": "Is the door open?", "detector_id": detector_id,
        "result_type": "binary_classification", "result": result, "patience_time": 30.0,
        "confidence_threshold": 0.9, "rois": null, "text": null, "done_processing": false,
    })
}

fn page(results: Vec<Value>) -> Value {
    json!({"count": results.len(), "next": null, "previous": null, "results": results})
}

fn priming_group() -> Value {
    json!({
        "id": "pgp_1", "name": "pg", "detector_mode": "BINARY", "num_classes": null,
        "is_global": false, "canonical_query": null, "active_pipeline_config": null,
        "priming_group_specific_shadow_pipeline_configs": null,
        "disable_shadow_pipelines": false, "created_at": NOW,
    })
}

fn pipeline() -> Value {
    json!({
        "id": "pipe_1", "pipeline_config": "default", "is_active_pipeline": true,
        "is_edge_pipeline": false, "is_unclear_pipeline": false, "is_oodd_pipeline": false,
        "is_enabled": true, "created_at": NOW, "trained_at": null, "type": "active",
        "friendly_name": null, "model_binary_id": null, "training_in_progress": null,
        "metrics": {}, "eval_mlbinary_key": null, "eval_mlbinary_revision_number": null,
        "eval_mlbinary_friendly_name": null,
    })
}

fn inspection(status: &str, result: Option<&str>) -> Value {
    json!({"id": "inspect_1", "status": status, "result": result,
           "user_provided_id_key": null, "user_provided_id_value": null, "user_metadata": null})
}

fn query_value(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl Respond for FakeApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let json_body = || serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
        let method = request.method.as_str();
        let path = request.url.path();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let ok = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
        match (method, segments.as_slice()) {
            ("PUT", ["edge-config"]) => ResponseTemplate::new(200),
            ("GET", ["edge-config"]) => ok(
                200,
                json!({
                    "global_config": {"refresh_rate": 60.0, "confident_audit_rate": 0.0},
                    "edge_inference_configs": {"default": {"enabled": true}},
                    "detectors": [{"detector_id": "det_abc123abc123abc123abc123abc", "edge_inference_config": "default"}],
                }),
            ),
            ("GET", ["edge-detector-readiness"]) => ok(
                200,
                json!({"det_abc123abc123abc123abc123abc": {"ready": true}}),
            ),
            ("GET", ["edge-info"]) => ok(
                200,
                json!({"upstream_endpoint": "https://api.groundlight.ai/device-api"}),
            ),
            ("POST", ["device-api", "inspections"]) => ok(201, inspection("OPEN", None)),
            ("GET", ["device-api", "inspections", _]) => ok(200, inspection("OPEN", None)),
            ("PATCH", ["device-api", "inspections", _]) => {
                ok(200, inspection("COMPLETE", Some("PASS")))
            }
            (_, ["device-api", "v1", rest @ ..]) => respond_v1(method, rest, request, &json_body),
            _ => ok(404, json!({"detail": "Not found (fake route)."})),
        }
    }
}

fn respond_v1(
    method: &str,
    rest: &[&str],
    request: &Request,
    json_body: &dyn Fn() -> Value,
) -> ResponseTemplate {
    let ok = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
    match (method, rest) {
        ("GET", ["api-tokens", "by-snippet", snippet]) => ok(
            200,
            json!({"name": "probe token 0a1b2c", "raw_key_snippet": snippet, "created_at": NOW,
                   "last_used_at": null, "expires_at": null, "token_ttl": 2_592_000}),
        ),
        ("POST", ["api-tokens"]) => {
            let name = json_body()["name"].clone();
            ok(
                201,
                json!({"name": name, "raw_key": "api_2probeMINTED0123456789abcdef",
                       "raw_key_snippet": "api_2probeMINTED0123", "created_at": NOW,
                       "last_used_at": null, "expires_at": null, "token_ttl": 2_592_000}),
            )
        }
        ("DELETE", ["api-tokens", _]) => ResponseTemplate::new(204),
        ("GET", ["me"]) => ok(
            200,
            json!({"email": "probe@example.com", "username": "probe@example.com",
                   "group": {"id": 1, "name": "probe-group"}, "is_superuser": false}),
        ),
        ("GET", ["month-to-date-account-info"]) => ok(
            200,
            json!({"iqs": 10, "escalations": 1, "active_detectors": 2, "iqs_limit": 1000,
                   "escalations_limit": null, "active_detectors_limit": 5}),
        ),
        ("GET", ["detectors"]) => match query_value(request, "name") {
            Some(name) if name == "brand new" => ok(200, page(vec![])),
            Some(name) => ok(
                200,
                page(vec![detector(
                    "det_abc123",
                    &name,
                    "Is the door open?",
                    "BINARY",
                    &Value::Null,
                )]),
            ),
            None => ok(
                200,
                page(vec![
                    door(),
                    detector("det_def456", "other", "Other?", "BINARY", &Value::Null),
                ]),
            ),
        },
        ("POST", ["detectors"]) => {
            let body = json_body();
            let text = |key: &str, default: &str| body[key].as_str().unwrap_or(default).to_owned();
            ok(
                201,
                detector(
                    "det_new001",
                    &text("name", "x"),
                    &text("query", "?"),
                    &text("mode", "BINARY"),
                    &body
                        .get("mode_configuration")
                        .cloned()
                        .unwrap_or(Value::Null),
                ),
            )
        }
        ("GET" | "PATCH", ["detectors", id]) => ok(
            200,
            detector(id, "door", "Is the door open?", "BINARY", &Value::Null),
        ),
        ("DELETE", ["detectors", _] | ["detector-reset", _] | ["priming-groups", _]) => {
            ResponseTemplate::new(204)
        }
        ("GET", ["detectors", _, "evaluation"]) => ok(
            200,
            json!({"evaluation_results": {"eval_timestamp": NOW, "total_ground_truth_examples": 12,
                   "total_labeled_examples": 20, "kfold_pooled__balanced_accuracy": 0.9,
                   "balanced_system_accuracies": {"0.9": 0.95}}}),
        ),
        ("GET", ["detectors", _, "metrics"]) => ok(
            200,
            json!({"summary": {"num_ground_truth": 12, "num_current_source_human": 3,
                   "class_counts": {"total": {"YES": 7, "NO": 5}}, "unconfident_counts": {},
                   "total_iqs": 40}}),
        ),
        ("GET", ["detectors", _, "pipelines"]) => ok(200, page(vec![pipeline()])),
        ("POST", ["detector-groups"]) => {
            ok(201, json!({"id": "dgp_1", "name": json_body()["name"]}))
        }
        ("GET", ["detector-groups"]) => ok(200, json!([{"id": "dgp_1", "name": "g1"}])),
        ("POST", ["image-queries"]) => {
            let detector_id = query_value(request, "detector_id").unwrap_or_default();
            let asynchronous =
                query_value(request, "want_async").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let id =
                query_value(request, "image_query_id").unwrap_or_else(|| "iq_sub001".to_owned());
            ok(201, image_query(&id, &detector_id, !asynchronous))
        }
        ("GET", ["image-queries"]) => ok(
            200,
            page(vec![image_query("iq_abc123", "det_abc123", true)]),
        ),
        ("GET", ["image-queries", id]) => ok(200, image_query(id, "det_abc123", true)),
        ("GET", ["image-queries", _, "image"]) => {
            ResponseTemplate::new(200).set_body_raw(JPEG.to_vec(), "image/jpeg")
        }
        ("POST", ["labels"]) => ok(
            201,
            json!({"confidence": null, "class_name": "YES", "rois": null,
                   "annotations_requested": ["BINARY_CLASSIFICATION"], "created_at": NOW,
                   "detector_id": null, "source": "CUST", "text": null}),
        ),
        ("GET", ["notes"]) => ok(
            200,
            json!({"CUSTOMER": [{"detector_id": query_value(request, "detector_id"), "content": "hi",
                                  "is_pinned": false}], "GL": []}),
        ),
        ("POST", ["notes"]) => ResponseTemplate::new(204),
        ("GET", ["priming-groups"]) => ok(200, page(vec![priming_group()])),
        ("POST", ["priming-groups"]) => ok(201, priming_group()),
        ("GET", ["priming-groups", _]) => ok(200, priming_group()),
        ("POST", ["vlm-verifications"]) => ok(
            201,
            json!({"id": "vlm_1", "type": "vlm_verification", "created_at": NOW, "query": "q",
                   "model_id": "gpt-5.4", "result": {"verdict": "YES", "confidence": 0.9, "reasoning": "r"},
                   "cost": {"input_tokens": 1, "output_tokens": 1, "total_cost_usd": 0.01}}),
        ),
        ("POST", ["synthetic-images"]) => ok(
            201,
            json!({"id": "syn_1", "image": "iVBORw0KGgo=", "width": 1, "height": 1, "label": "x",
                   "rois": [], "added_roi_index": 0, "metadata": {}}),
        ),
        _ => ok(404, json!({"detail": "Not found (fake route)."})),
    }
}

// ---------------------------------------------------------------------------------------------
// Driving calls and checking what was sent

fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(openapi::load_pinned_spec).as_ref()
}

/// A fake server, a client pointed at it, and the requests seen so far, by call.
struct Session {
    server: MockServer,
    gl: Groundlight,
    seen: usize,
    log: Vec<(String, RecordedRequest)>,
}

impl Session {
    async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(FakeApi)
            .mount(&server)
            .await;
        let gl = Groundlight::builder()
            .endpoint(server.uri())
            .api_token(TOKEN)
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client builds");
        Self {
            server,
            gl,
            seen: 0,
            log: Vec::new(),
        }
    }

    /// Tags the requests received since the last call with `call`; at least one is expected.
    async fn record(&mut self, call: &str) {
        let received = self
            .server
            .received_requests()
            .await
            .expect("recording is on");
        assert!(received.len() > self.seen, "{call} sent no request");
        for request in &received[self.seen..] {
            self.log
                .push((call.to_owned(), vision_sdk_testkit::from_wiremock(request)));
        }
        self.seen = received.len();
    }
}

/// Runs a client call that must succeed, then tags what it sent. The call is written with the
/// group's `gl` (a clone of the session's client).
macro_rules! call {
    ($session:ident, $name:expr, $call:expr) => {{
        let result = $call.await;
        if let Err(error) = &result {
            panic!("{} failed: {error}", $name);
        }
        $session.record($name).await;
        result.expect("checked above")
    }};
}

/// Validates the session's requests: every error is explained by [`ALLOWED`], every note by
/// [`EXPECTED_NOTES`]; returns the reports and asserts the operations covered.
fn check(spec: &Spec, session: &Session, expected_operations: &[&str]) -> Vec<Report> {
    let mut unexplained = Vec::new();
    let mut reports = Vec::new();
    let mut covered = BTreeSet::new();
    for (call, request) in &session.log {
        let report = spec.validate(request);
        if let Some(op) = &report.operation {
            covered.insert(op.key());
        }
        for error in &report.errors {
            if allowance(&report, error).is_none() {
                unexplained.push(format!("[{call}] {}: {error}", report.request));
            }
        }
        for note in &report.notes {
            if expected_note(&report, note).is_none() {
                unexplained.push(format!(
                    "[{call}] {}: unexpected note: {note}",
                    report.request
                ));
            }
        }
        reports.push(report);
    }
    assert!(
        unexplained.is_empty(),
        "requests that break the spec:\n{}",
        unexplained.join("\n")
    );
    let expected: BTreeSet<String> = expected_operations
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(covered, expected, "spec operations exercised");
    reports
}

fn in_scope(scope: &str, report: &Report) -> bool {
    report
        .operation
        .as_ref()
        .map(openapi::OperationRef::key)
        .as_deref()
        == Some(scope)
        || (report.operation.is_none() && report.request.starts_with(scope))
}

fn allowance(report: &Report, error: &str) -> Option<usize> {
    ALLOWED
        .iter()
        .position(|(scope, needle, _)| in_scope(scope, report) && error.contains(needle))
}

fn expected_note(report: &Report, note: &str) -> Option<usize> {
    EXPECTED_NOTES
        .iter()
        .position(|(scope, needle)| in_scope(scope, report) && note.contains(needle))
}

// ---------------------------------------------------------------------------------------------
// The calls, in groups

const ACCOUNT_OPERATIONS: &[&str] = &["GET /v1/me", "GET /v1/month-to-date-account-info"];

async fn account_calls(s: &mut Session) {
    let gl = s.gl.clone();
    call!(s, "me", gl.me());
    call!(s, "whoami", gl.whoami());
    call!(s, "get_month_to_date_usage", gl.get_month_to_date_usage());
}

const TOKEN_OPERATIONS: &[&str] = &[
    "DELETE /v1/api-tokens/{name}",
    "GET /v1/api-tokens/by-snippet/{snippet}",
    "POST /v1/api-tokens",
];

/// Opt-in token rotation: the setup (lookup, mint) and one refresh (revoke, mint).
async fn token_calls(s: &mut Session) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = SteppedClock::new();
    let gl = Groundlight::builder()
        .endpoint(s.server.uri())
        .api_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .token_rotation(true)
        .token_dir(dir.path())
        .token_refresh_clock(std::sync::Arc::new(clock.clone()))
        .build()
        .expect("client builds");
    call!(s, "start_token_rotation", gl.start_token_rotation());
    clock.wait_for_sleeps(1).await;
    clock.advance(Duration::from_secs(86_400));
    clock.wait_for_sleeps(2).await;
    s.record("token refresh").await;
}

const DETECTOR_OPERATIONS: &[&str] = &[
    "DELETE /v1/detector-reset/{id}",
    "DELETE /v1/detectors/{id}",
    "GET /v1/detector-groups",
    "GET /v1/detectors",
    "GET /v1/detectors/{id}",
    "PATCH /v1/detectors/{id}",
    "POST /v1/detector-groups",
    "POST /v1/detectors",
];

async fn detector_calls(s: &mut Session) {
    let gl = s.gl.clone();
    call!(s, "get_detector", gl.get_detector("det_abc123"));
    call!(
        s,
        "get_detector_by_name",
        gl.get_detector_by_name("door detector & co?x=1")
    );
    call!(
        s,
        "list_detectors page",
        gl.list_detectors().page(2).page_size(5).send()
    );
    let all: Vec<_> = gl.list_detectors().page_size(50).stream().collect().await;
    assert!(
        all.iter().all(Result::is_ok),
        "list_detectors stream: {all:?}"
    );
    s.record("list_detectors stream").await;
    call!(
        s,
        "create_detector (every option)",
        gl.create_detector("door", "Is the door open?")
            .group_name("entrances")
            .confidence_threshold(0.8)
            .patience_time(Duration::from_secs(45))
            .pipeline_config("pc")
            .edge_pipeline_config("epc")
            .metadata(json!({"location": "front", "n": 1}))
            .priming_group_id("pgp_1")
            .send()
    );
    call!(
        s,
        "create_detector (defaults)",
        gl.create_detector("d", "q?").send()
    );
    call!(
        s,
        "create_counting_detector",
        gl.create_counting_detector("cnt", "How many cars?", "car")
            .max_count(7)
            .send()
    );
    call!(
        s,
        "create_counting_detector (no max)",
        gl.create_counting_detector("cnt", "How many?", "car")
            .send()
    );
    call!(
        s,
        "create_multiclass_detector",
        gl.create_multiclass_detector("mc", "What color?", ["Red", "Green"])
            .send()
    );
    call!(
        s,
        "create_bounding_box_detector",
        gl.create_bounding_box_detector("bb", "Box the people", "person")
            .max_num_bboxes(5)
            .send()
    );
    call!(
        s,
        "create_bounding_box_detector (no max)",
        gl.create_bounding_box_detector("bb", "Box the people", "person")
            .send()
    );
    call!(
        s,
        "create_text_recognition_detector",
        gl.create_text_recognition_detector("txt", "Read the date")
            .send()
    );
    call!(
        s,
        "get_or_create_detector (existing)",
        gl.get_or_create_detector("door", "Is the door open?")
            .confidence_threshold(0.9)
            .send()
    );
    call!(
        s,
        "get_or_create_detector (new)",
        gl.get_or_create_detector("brand new", "Is it new?")
            .group_name("g")
            .confidence_threshold(0.7)
            .pipeline_config("pc")
            .edge_pipeline_config("epc")
            .metadata(json!({"a": "b"}))
            .send()
    );
    call!(
        s,
        "update_detector_confidence_threshold",
        gl.update_detector_confidence_threshold("det_abc123", 0.85)
    );
    call!(
        s,
        "update_detector_status (off)",
        gl.update_detector_status("det_abc123", false)
    );
    call!(
        s,
        "update_detector_status (on)",
        gl.update_detector_status("det_abc123", true)
    );
    call!(
        s,
        "update_detector_escalation_type",
        gl.update_detector_escalation_type("det_abc123", EscalationTypeEnum::NoHumanLabeling)
    );
    call!(
        s,
        "update_detector_escalation_type (lowercase)",
        gl.update_detector_escalation_type("det_abc123", "standard")
    );
    call!(
        s,
        "update_detector_name",
        gl.update_detector_name("det_abc123", "renamed")
    );
    call!(s, "delete_detector", gl.delete_detector("det_abc123"));
    call!(s, "reset_detector", gl.reset_detector("det_abc123"));
    call!(
        s,
        "create_detector_group",
        gl.create_detector_group("my group")
    );
    call!(s, "list_detector_groups", gl.list_detector_groups());
}

const IMAGE_QUERY_OPERATIONS: &[&str] = &[
    "GET /v1/detectors/{id}",
    "GET /v1/image-queries",
    "GET /v1/image-queries/{id}",
    "GET /v1/image-queries/{id}/image",
    "POST /v1/image-queries",
];

async fn image_query_calls(s: &mut Session) {
    let gl = s.gl.clone();
    call!(
        s,
        "submit_image_query (every option)",
        gl.submit_image_query("det_abc123", Image::from(JPEG))
            .wait(Duration::ZERO)
            .patience_time(Duration::from_secs(20))
            .confidence_threshold(0.75)
            .human_review(HumanReview::Always)
            .inspection_id("inspect_1")
            .metadata(json!({"camera": "cam1", "n": 1}))
            .image_query_id("iq_clientchosen")
            .request_timeout(Duration::from_secs(5))
            .send()
    );
    for review in [HumanReview::Default, HumanReview::Never] {
        call!(
            s,
            "submit_image_query (human_review)",
            gl.submit_image_query("det_abc123", Image::from(JPEG))
                .wait(Duration::ZERO)
                .human_review(review)
                .send()
        );
    }
    call!(
        s,
        "submit_image_query (want_async)",
        gl.submit_image_query("det_abc123", Image::from(JPEG))
            .want_async(true)
            .send()
    );
    call!(
        s,
        "submit_image_query (wait, threshold from the detector)",
        gl.submit_image_query("det_abc123", Image::from(JPEG))
            .wait(Duration::from_secs(5))
            .send()
    );
    call!(
        s,
        "submit_image_query (PNG bytes)",
        gl.submit_image_query("det_abc123", Image::from(PNG))
            .wait(Duration::ZERO)
            .send()
    );
    call!(
        s,
        "ask_confident",
        gl.ask_confident("det_abc123", Image::from(JPEG))
            .confidence_threshold(0.9)
            .wait(Duration::from_secs(10))
            .metadata(json!({"k": "v"}))
            .inspection_id("inspect_1")
            .send()
    );
    call!(
        s,
        "ask_confident (defaults)",
        gl.ask_confident("det_abc123", Image::from(JPEG)).send()
    );
    call!(
        s,
        "ask_ml",
        gl.ask_ml("det_abc123", Image::from(JPEG))
            .wait(Duration::from_secs(3))
            .metadata(json!({"k": 1}))
            .send()
    );
    call!(
        s,
        "ask_async",
        gl.ask_async("det_abc123", Image::from(JPEG))
            .patience_time(Duration::from_secs(60))
            .confidence_threshold(0.6)
            .human_review(HumanReview::Never)
            .metadata(json!({"k": "v"}))
            .inspection_id("inspect_1")
            .send()
    );
    call!(
        s,
        "wait_for_confident_result",
        gl.wait_for_confident_result("iq_abc123")
            .confidence_threshold(0.9)
            .timeout(Duration::from_secs(3))
            .send()
    );
    call!(
        s,
        "wait_for_confident_result (detector threshold)",
        gl.wait_for_confident_result("iq_abc123").send()
    );
    call!(
        s,
        "wait_for_ml_result",
        gl.wait_for_ml_result("iq_abc123")
            .timeout(Duration::from_secs(3))
            .send()
    );
    call!(s, "get_image_query", gl.get_image_query("iq_abc123"));
    call!(
        s,
        "list_image_queries",
        gl.list_image_queries()
            .page(1)
            .page_size(3)
            .detector_id("det_abc123")
            .send()
    );
    call!(
        s,
        "list_image_queries (all detectors)",
        gl.list_image_queries().send()
    );
    let all: Vec<_> = gl
        .list_image_queries()
        .detector_id("det_abc123")
        .stream()
        .collect()
        .await;
    assert!(
        all.iter().all(Result::is_ok),
        "list_image_queries stream: {all:?}"
    );
    s.record("list_image_queries stream").await;
    call!(s, "get_image", gl.get_image("iq_abc123"));
}

const LABEL_OPERATIONS: &[&str] = &["POST /v1/labels"];

async fn label_calls(s: &mut Session) {
    let gl = s.gl.clone();
    for label in [Label::Yes, Label::No, Label::Unclear] {
        call!(
            s,
            "add_label (binary)",
            gl.add_label("iq_abc123", label).send()
        );
    }
    call!(
        s,
        "add_label (count)",
        gl.add_label("iq_abc123", 3u32).send()
    );
    call!(
        s,
        "add_label (multi-class)",
        gl.add_label("iq_abc123", "Red").send()
    );
    call!(
        s,
        "add_label (text)",
        gl.add_label("iq_abc123", "2025-06-01 LOT 42").send()
    );
    call!(
        s,
        "add_label (bounding boxes)",
        gl.add_label("iq_abc123", "BOUNDING_BOX")
            .rois([
                create_roi("person", (0.1, 0.2), (0.3, 0.4)),
                gl.create_roi("car", (0.5, 0.5), (0.9, 1.0))
            ])
            .send()
    );
    call!(
        s,
        "add_label (count with rois)",
        gl.add_label("chk_abc123", 1u32)
            .rois([create_roi("car", (0.0, 0.0), (1.0, 1.0))])
            .send()
    );
    call!(
        s,
        "add_label (no objects)",
        gl.add_label("iq_abc123", "NO_OBJECTS").rois([]).send()
    );
}

const EXPERIMENTAL_OPERATIONS: &[&str] = &[
    "DELETE /v1/priming-groups/{id}",
    "GET /v1/detectors/{detector_id}/metrics",
    "GET /v1/detectors/{detector_id}/pipelines",
    "GET /v1/detectors/{id}/evaluation",
    "GET /v1/notes",
    "GET /v1/priming-groups",
    "GET /v1/priming-groups/{id}",
    "POST /v1/notes",
    "POST /v1/priming-groups",
    "POST /v1/vlm-verifications",
];

async fn experimental_calls(s: &mut Session) {
    let gl = s.gl.clone();
    call!(s, "get_notes", gl.get_notes("det_abc123"));
    call!(
        s,
        "create_note",
        gl.create_note("det_abc123", "label ajar doors YES").send()
    );
    call!(
        s,
        "create_note (pinned, with an image)",
        gl.create_note("det_abc123", "pinned")
            .is_pinned(true)
            .image(Image::from(JPEG))
            .send()
    );
    call!(
        s,
        "get_detector_evaluation",
        gl.get_detector_evaluation("det_abc123")
    );
    call!(
        s,
        "get_detector_metrics",
        gl.get_detector_metrics("det_abc123")
    );
    call!(
        s,
        "list_detector_pipelines",
        gl.list_detector_pipelines("det_abc123")
            .page(1)
            .page_size(10)
    );
    call!(
        s,
        "list_priming_groups",
        gl.list_priming_groups().page(1).page_size(10)
    );
    call!(
        s,
        "create_priming_group",
        gl.create_priming_group("pg", "pipe_1", DetectorModeEnum::MultiClass)
            .canonical_query("What color?")
            .disable_shadow_pipelines(true)
            .send()
    );
    call!(
        s,
        "create_priming_group (defaults)",
        gl.create_priming_group("pg", "pipe_1", DetectorModeEnum::Binary)
            .send()
    );
    call!(s, "get_priming_group", gl.get_priming_group("pgp_1"));
    call!(s, "delete_priming_group", gl.delete_priming_group("pgp_1"));
    call!(
        s,
        "ask_vlm_verify",
        gl.ask_vlm_verify([Image::from(JPEG), Image::from(JPEG)], "Is there a fire?")
            .model_id("gpt-5.4")
            .send()
    );
    call!(
        s,
        "ask_vlm_verify (one image)",
        gl.ask_vlm_verify([Image::from(JPEG)], "Is there a fire?")
            .send()
    );
}

/// Calls whose endpoints the spec lacks: every request is outside the spec, and allowed.
async fn outside_spec_calls(s: &mut Session) {
    let gl = s.gl.clone();
    call!(
        s,
        "generate_synthetic_image",
        gl.generate_synthetic_image(Image::from(JPEG), "weather")
            .lens_config(json!({"rain": 0.5}))
            .send()
    );
    let id = call!(s, "start_inspection", gl.start_inspection());
    call!(
        s,
        "update_inspection_metadata",
        gl.update_inspection_metadata(&id, "serial", "A-1")
    );
    call!(s, "stop_inspection", gl.stop_inspection(&id));
    let config: EdgeEndpointConfig = call!(s, "edge get_config", gl.edge().get_config());
    call!(s, "edge apply_config", gl.edge().apply_config(&config));
    call!(
        s,
        "edge get_detector_readiness",
        gl.edge().get_detector_readiness()
    );
    call!(
        s,
        "edge get_upstream_endpoint",
        gl.edge().get_upstream_endpoint()
    );
    call!(
        s,
        "edge wait_detectors",
        gl.edge()
            .wait_detectors(["det_abc123abc123abc123abc123abc"], Duration::from_secs(5))
    );
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn account_requests_are_valid() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    account_calls(&mut s).await;
    check(spec, &s, ACCOUNT_OPERATIONS);
}

#[tokio::test]
async fn token_rotation_requests_are_valid() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    token_calls(&mut s).await;
    check(spec, &s, TOKEN_OPERATIONS);
}

#[tokio::test]
async fn detector_requests_are_valid() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    detector_calls(&mut s).await;
    let reports = check(spec, &s, DETECTOR_OPERATIONS);
    // The name is percent-encoded into one parameter (1.3.1 split it into two).
    let by_name = reports
        .iter()
        .find(|r| r.request.contains("name=door detector & co?x=1"))
        .expect("lookup by name");
    assert_eq!(by_name.errors.len(), 1, "{by_name}");
}

#[tokio::test]
async fn image_query_requests_are_valid() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    image_query_calls(&mut s).await;
    let reports = check(spec, &s, IMAGE_QUERY_OPERATIONS);
    // Every option of submit_image_query reached the wire (and was validated).
    let all = reports
        .iter()
        .find(|r| r.request.contains("image_query_id=iq_clientchosen"))
        .expect("full submit");
    for name in [
        "patience_time=",
        "confidence_threshold=",
        "human_review=ALWAYS",
        "inspection_id=",
        "metadata=",
        "detector_id=",
    ] {
        assert!(
            all.request.contains(name),
            "{name} missing from {}",
            all.request
        );
    }
    assert!(
        reports.iter().any(|r| r.request.contains("want_async=")),
        "no want_async submit"
    );
}

#[tokio::test]
async fn label_requests_are_valid() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    label_calls(&mut s).await;
    check(spec, &s, LABEL_OPERATIONS);
}

#[tokio::test]
async fn experimental_requests_are_valid() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    experimental_calls(&mut s).await;
    check(spec, &s, EXPERIMENTAL_OPERATIONS);
}

#[tokio::test]
async fn calls_outside_the_spec_are_only_the_known_ones() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    outside_spec_calls(&mut s).await;
    let reports = check(spec, &s, &[]);
    assert!(
        reports
            .iter()
            .all(|r| r.operation.is_none() && !r.errors.is_empty()),
        "some call is in the spec now"
    );
}

/// Every allow-list entry is needed, every spec operation is either called or explained, and
/// nothing is both.
#[tokio::test]
async fn every_spec_operation_is_accounted_for() {
    let Some(spec) = spec() else { return };
    let mut s = Session::start().await;
    account_calls(&mut s).await;
    detector_calls(&mut s).await;
    image_query_calls(&mut s).await;
    label_calls(&mut s).await;
    experimental_calls(&mut s).await;
    token_calls(&mut s).await;
    outside_spec_calls(&mut s).await;
    let mut used_allowances = BTreeSet::new();
    let mut used_notes = BTreeSet::new();
    let mut covered = BTreeSet::new();
    for (_, request) in &s.log {
        let report = spec.validate(request);
        if let Some(op) = &report.operation {
            covered.insert(op.key());
        }
        used_allowances.extend(report.errors.iter().filter_map(|e| allowance(&report, e)));
        used_notes.extend(
            report
                .notes
                .iter()
                .filter_map(|n| expected_note(&report, n)),
        );
    }
    let stale: Vec<String> = ALLOWED
        .iter()
        .enumerate()
        .filter(|(i, _)| !used_allowances.contains(i))
        .map(|(_, (scope, needle, _))| format!("{scope}: {needle}"))
        .collect();
    assert!(
        stale.is_empty(),
        "allow-list entries no request needs any more (remove them):\n{}",
        stale.join("\n")
    );
    let unseen: Vec<_> = EXPECTED_NOTES
        .iter()
        .enumerate()
        .filter(|(i, _)| !used_notes.contains(i))
        .collect();
    assert!(unseen.is_empty(), "expected notes not seen: {unseen:?}");
    let grouped: BTreeSet<String> = [
        ACCOUNT_OPERATIONS,
        DETECTOR_OPERATIONS,
        IMAGE_QUERY_OPERATIONS,
        LABEL_OPERATIONS,
        EXPERIMENTAL_OPERATIONS,
        TOKEN_OPERATIONS,
    ]
    .concat()
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(covered, grouped);
    let not_called: BTreeSet<String> = NOT_CALLED.iter().map(|(op, _)| (*op).to_owned()).collect();
    let both: Vec<_> = covered.intersection(&not_called).collect();
    assert!(
        both.is_empty(),
        "called although listed as not called: {both:?}"
    );
    let all: BTreeSet<String> = spec.operation_keys().into_iter().collect();
    let accounted: BTreeSet<String> = covered.union(&not_called).cloned().collect();
    assert_eq!(
        accounted, all,
        "spec operations neither called nor listed in NOT_CALLED (left), or listed but not in the spec (right)"
    );
}
