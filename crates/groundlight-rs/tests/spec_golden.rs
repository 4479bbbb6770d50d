//! The request validator of `vision_sdk_testkit::openapi` against real traffic and known-bad requests.
//!
//! * Every request the official SDK (groundlight 1.3.1) sent in
//!   `shared/protocols/golden/groundlight/wire_log.jsonl` is valid against the pinned
//!   `public-api.yaml`, except for the explicit, explained allow-list below: this shows the
//!   validator accepts real traffic (and pins down where 1.3.1 strays from the spec).
//! * Requests that break the spec in one way each are rejected with the matching error: this shows
//!   the validator does validate (a validator that accepts everything fails these tests).

#[path = "support/spec.rs"]
mod openapi;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use openapi::{GroundlightRequest as _, RecordedRequest, Report, Spec};
use serde_json::{Value, json};

const WIRE_LOG: &str = "protocols/golden/groundlight/wire_log.jsonl";
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";

/// The pinned spec, loaded once per test binary; `None` outside CI without the shared folder.
fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(openapi::load_pinned_spec).as_ref()
}

/// Validates and returns the report.
fn check(request: &RecordedRequest) -> Option<Report> {
    spec().map(|spec| spec.validate(request))
}

/// Asserts that the request is rejected with an error containing `needle`.
fn assert_rejected(request: &RecordedRequest, needle: &str) {
    let Some(report) = check(request) else { return };
    assert!(
        report.has_error(needle),
        "expected an error containing {needle:?}, got:\n{report}"
    );
}

/// Asserts that the request is valid.
fn assert_valid(request: &RecordedRequest) {
    let Some(report) = check(request) else { return };
    assert!(
        report.is_valid(),
        "expected a valid request, got:\n{report}"
    );
}

// ---------------------------------------------------------------------------------------------
// The official SDK's traffic

/// Where SDK 1.3.1 breaks `public-api.yaml`: (operation, error substring, reason). Each entry must
/// match at least one golden request, and every golden error must match an entry.
const ALLOWED_GOLDEN_ERRORS: &[(&str, &str, &str)] = &[
    (
        "GET /v1/detectors",
        "query parameter \"name\": unknown",
        "get_detector_by_name filters with `?name=`, which the spec does not declare \
         (groundlight.md §2); the server accepts it",
    ),
    (
        "GET /v1/detectors",
        "query parameter \" co?x\": unknown",
        "1.3.1 does not percent-encode the name (`requests` only escapes spaces), so the name \
         `door detector & co?x=1` splits into a second, bogus parameter (groundlight.md §2); \
         the Rust crate must percent-encode",
    ),
    (
        "POST /v1/notes",
        "body.is_pinned: expected a boolean (true or false), got \"True\"",
        "create_note sends Python's str(True) as the multipart `is_pinned` field; the spec's \
         boolean form value is `true`/`false` (Django accepts both spellings)",
    ),
    (
        "POST /v1/image-queries",
        "the bytes are image/png but Content-Type says image/jpeg",
        "1.3.1 passes raw PNG bytes through labelled `image/jpeg` (groundlight.md §6); the spec \
         accepts image/png, so the Rust crate sends the true content type",
    ),
];

/// Notes (allowed by the spec but undeclared) expected on the golden traffic.
const EXPECTED_GOLDEN_NOTES: &[(&str, &str)] = &[
    (
        "POST /v1/labels",
        "body.rois[0].score: property not declared",
    ),
    (
        "POST /v1/labels",
        "body.rois[0].geometry.x: property not declared",
    ),
    (
        "POST /v1/labels",
        "body.rois[0].geometry.y: property not declared",
    ),
];

/// Every operation the golden log exercises (a vacuous run is noticed).
const GOLDEN_OPERATIONS: &[&str] = &[
    "DELETE /v1/detector-reset/{id}",
    "DELETE /v1/detectors/{id}",
    "GET /v1/api-tokens/by-snippet/{snippet}",
    "GET /v1/detector-groups",
    "GET /v1/detectors",
    "GET /v1/detectors/{id}",
    "GET /v1/image-queries",
    "GET /v1/image-queries/{id}",
    "GET /v1/image-queries/{id}/image",
    "GET /v1/me",
    "GET /v1/month-to-date-account-info",
    "GET /v1/notes",
    "PATCH /v1/detectors/{id}",
    "POST /v1/detector-groups",
    "POST /v1/detectors",
    "POST /v1/image-queries",
    "POST /v1/labels",
    "POST /v1/notes",
    "POST /v1/vlm-verifications",
];

/// One golden record, rebuilt as a captured request. Bodies are stored summarised: JSON bodies
/// are re-serialised, image bodies are their first bytes (enough for the Content-Type check) and
/// multipart bodies are the stored preview closed with the final boundary (the preview is cut
/// inside the last, binary part, whose bytes the validator does not inspect).
fn golden_request(record: &Value) -> RecordedRequest {
    let text = |key: &str| record[key].as_str().unwrap_or_default().to_owned();
    let target = match text("raw_query") {
        raw if raw.is_empty() => text("path"),
        raw => format!("{}?{raw}", text("path")),
    };
    let mut request = RecordedRequest::new(&text("method"), &target);
    for (name, value) in record["headers"].as_object().expect("headers object") {
        request
            .headers
            .push((name.clone(), value.as_str().unwrap_or_default().to_owned()));
    }
    let body_len = record["body_len"].as_u64().expect("body_len");
    let body: Vec<u8> = if let Some(body) = record.get("body_json") {
        serde_json::to_vec(body).expect("re-serialises")
    } else if let Some(preview) = record.get("body_text_preview").and_then(Value::as_str) {
        let content_type = request
            .header("content-type")
            .expect("multipart content type");
        let boundary = content_type.split("boundary=").nth(1).expect("a boundary");
        let mut body = preview.as_bytes().to_vec();
        if !preview.trim_end().ends_with(&format!("--{boundary}--")) {
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        }
        body
    } else if let Some(hex) = record.get("body_head_hex").and_then(Value::as_str) {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect()
    } else {
        assert_eq!(body_len, 0, "a record with a body but no summary: {record}");
        Vec::new()
    };
    request.body = body.into();
    request
}

/// `(step, request)` for every SDK request of the golden log (step markers dropped).
fn golden_requests() -> Option<Vec<(String, RecordedRequest)>> {
    let path =
        vision_sdk_testkit::require_shared(WIRE_LOG, &vision_sdk_testkit::current_test_name())?;
    let text = std::fs::read_to_string(&path).expect("wire log readable");
    let mut step = String::from("(before the first step)");
    let mut requests = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).expect("a JSON line");
        let path = record["path"].as_str().expect("path");
        if let Some(name) = path.strip_prefix("/__step__/") {
            name.clone_into(&mut step);
            continue;
        }
        requests.push((step.clone(), golden_request(&record)));
    }
    Some(requests)
}

#[test]
fn every_official_sdk_request_is_valid_except_the_allow_list() {
    let (Some(spec), Some(requests)) = (spec(), golden_requests()) else {
        return;
    };
    assert!(
        requests.len() >= 80,
        "the golden log has {} SDK requests",
        requests.len()
    );
    let mut unexplained = Vec::new();
    let mut used_allowances = BTreeSet::new();
    let mut unexpected_notes = Vec::new();
    let mut used_notes = BTreeSet::new();
    let mut operations = BTreeSet::new();
    for (step, request) in &requests {
        let report = spec.validate(request);
        let key = report.key();
        if let Some(op) = &report.operation {
            operations.insert(op.key());
        }
        for error in &report.errors {
            match ALLOWED_GOLDEN_ERRORS
                .iter()
                .position(|(operation, needle, _)| *operation == key && error.contains(needle))
            {
                Some(i) => {
                    used_allowances.insert(i);
                }
                None => unexplained.push(format!("[{step}] {key}: {error}")),
            }
        }
        for note in &report.notes {
            match EXPECTED_GOLDEN_NOTES
                .iter()
                .position(|(operation, needle)| *operation == key && note.contains(needle))
            {
                Some(i) => {
                    used_notes.insert(i);
                }
                None => unexpected_notes.push(format!("[{step}] {key}: {note}")),
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "golden requests that break the spec:\n{}",
        unexplained.join("\n")
    );
    assert!(
        unexpected_notes.is_empty(),
        "unexpected notes:\n{}",
        unexpected_notes.join("\n")
    );
    let stale: Vec<_> = ALLOWED_GOLDEN_ERRORS
        .iter()
        .enumerate()
        .filter(|(i, _)| !used_allowances.contains(i))
        .map(|(_, (op, needle, _))| format!("{op}: {needle}"))
        .collect();
    assert!(
        stale.is_empty(),
        "allow-list entries no golden request needs:\n{}",
        stale.join("\n")
    );
    let unused_notes: Vec<_> = EXPECTED_GOLDEN_NOTES
        .iter()
        .enumerate()
        .filter(|(i, _)| !used_notes.contains(i))
        .collect();
    assert!(
        unused_notes.is_empty(),
        "expected notes not seen: {unused_notes:?}"
    );
    let expected: BTreeSet<String> = GOLDEN_OPERATIONS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        operations, expected,
        "operations exercised by the golden log"
    );
}

#[test]
fn every_golden_operation_is_an_operation_of_the_spec() {
    let Some(spec) = spec() else { return };
    let all = spec.operation_keys();
    assert!(all.len() >= 30, "the spec has {} operations", all.len());
    for key in GOLDEN_OPERATIONS {
        assert!(
            all.iter().any(|k| k == key),
            "{key} is not in the spec: {all:?}"
        );
    }
    assert_eq!(spec.base_paths(), ["/device-api"]);
}

// ---------------------------------------------------------------------------------------------
// Positive controls (each negative test below is one change away from one of these)

fn detector_body() -> Value {
    json!({"name": "door", "query": "Is the door open?", "pipeline_config": null,
           "edge_pipeline_config": null, "confidence_threshold": 0.9, "patience_time": 30.0})
}

#[test]
fn valid_requests_pass() {
    let create = RecordedRequest::new("POST", "/device-api/v1/detectors")
        .token()
        .with_json(&detector_body());
    assert_valid(&create);
    assert_valid(
        &RecordedRequest::new("GET", "/device-api/v1/detectors?page=2&page_size=5").token(),
    );
    assert_valid(&RecordedRequest::new("GET", "/device-api/v1/detectors/det_1").token());
    assert_valid(&RecordedRequest::new("DELETE", "/device-api/v1/detectors/det_1").token());
    assert_valid(
        &RecordedRequest::new(
            "POST",
            "/device-api/v1/image-queries?detector_id=det_1&confidence_threshold=0.75\
             &patience_time=20&human_review=NEVER&want_async=true&metadata=e30%3D",
        )
        .token()
        .with_body("image/jpeg", JPEG),
    );
    assert_valid(
        &RecordedRequest::new("POST", "/device-api/v1/image-queries?detector_id=det_1")
            .token()
            .with_body("image/png", PNG),
    );
    assert_valid(
        &RecordedRequest::new("PATCH", "/device-api/v1/detectors/det_1")
            .token()
            .with_json(&json!({"status": "ON"})),
    );
    assert_valid(
        &RecordedRequest::new("PATCH", "/device-api/v1/detectors/det_1")
            .token()
            .with_json(&json!({"status": ""})),
    );
    assert_valid(
        &RecordedRequest::new("GET", "/device-api/v1/edge/fetch-model-urls/det_1/").token(),
    );
}

#[test]
fn every_mode_configuration_passes_and_each_fits_one_alternative() {
    for config in [
        json!({"class_name": "car", "max_count": 7}),
        json!({"class_name": "car"}),
        json!({"class_names": ["Red", "Green"]}),
        json!({"class_names": ["Red"], "num_classes": 1}),
        json!({}),
        json!({"value_max_length": 250}),
        json!({"class_name": "person", "max_num_bboxes": 5}),
        Value::Null,
    ] {
        let mut body = detector_body();
        body["mode_configuration"] = config;
        assert_valid(
            &RecordedRequest::new("POST", "/device-api/v1/detectors")
                .token()
                .with_json(&body),
        );
    }
}

#[test]
fn labels_of_every_kind_pass() {
    for label in [
        json!("YES"),
        json!("3"),
        json!("Red"),
        json!("some text"),
        Value::Null,
    ] {
        let body = json!({"label": label, "image_query_id": "iq_1", "rois": [
            {"label": "car", "geometry": {"left": 0.1, "top": 0.2, "right": 0.3, "bottom": 0.4}}
        ]});
        assert_valid(
            &RecordedRequest::new("POST", "/device-api/v1/labels")
                .token()
                .with_json(&body),
        );
    }
}

#[test]
fn multipart_bodies_are_parsed_and_validated() {
    let boundary = "XyZ";
    let mut body = Vec::new();
    for (name, value) in [("query", "Is there a fire?"), ("model_id", "m")] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for i in 1..=2 {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; \
                 filename=\"image_{i}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(JPEG);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    assert_valid(
        &RecordedRequest::new("POST", "/device-api/v1/vlm-verifications")
            .token()
            .with_body(&content_type, body.clone()),
    );
    // Without the `query` part.
    let text = String::from_utf8_lossy(&body).into_owned();
    let start = text
        .find("--XyZ\r\nContent-Disposition: form-data; name=\"query\"")
        .expect("query part");
    let end = text
        .find("--XyZ\r\nContent-Disposition: form-data; name=\"model_id\"")
        .expect("model part");
    let mut without_query = body[..start].to_vec();
    without_query.extend_from_slice(&body[end..]);
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/vlm-verifications")
            .token()
            .with_body(&content_type, without_query),
        "body.query: required property missing",
    );
    // Nine images: above maxItems 8.
    let mut nine = Vec::new();
    for _ in 0..9 {
        nine.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"\r\n\r\n")
                .as_bytes(),
        );
        nine.extend_from_slice(JPEG);
        nine.extend_from_slice(b"\r\n");
    }
    nine.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\nq\r\n--{boundary}--\r\n")
            .as_bytes(),
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/vlm-verifications")
            .token()
            .with_body(&content_type, nine),
        "body.media: 9 items, above maxItems 8",
    );
    // A body cut off before its closing boundary.
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/vlm-verifications")
            .token()
            .with_body(&content_type, body[..body.len() - 12].to_vec()),
        "malformed multipart/form-data",
    );
}

// ---------------------------------------------------------------------------------------------
// Negative controls: each request breaks the spec in one way

#[test]
fn rejects_an_unknown_path() {
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/detector").token(),
        "no path template in the spec matches /v1/detector",
    );
    // The inspection endpoints are not in the spec.
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/inspections")
            .token()
            .with_json(&json!({})),
        "no path template in the spec matches /inspections",
    );
}

#[test]
fn rejects_a_path_outside_the_server_base() {
    assert_rejected(
        &RecordedRequest::new("GET", "/v1/detectors").token(),
        "is not under the server base path",
    );
    assert_rejected(
        &RecordedRequest::new("GET", "/device-apiv1/detectors").token(),
        "is not under the server base path",
    );
}

#[test]
fn rejects_a_wrong_method() {
    assert_rejected(
        &RecordedRequest::new("PUT", "/device-api/v1/detectors/det_1")
            .token()
            .with_json(&json!({"name": "x"})),
        "PUT is not an operation of /v1/detectors/{id} (the spec allows GET, DELETE, PATCH)",
    );
    assert_rejected(
        &RecordedRequest::new("DELETE", "/device-api/v1/labels").token(),
        "DELETE is not an operation",
    );
}

#[test]
fn rejects_a_body_field_of_the_wrong_type() {
    assert_rejected(
        &RecordedRequest::new("PATCH", "/device-api/v1/detectors/det_1")
            .token()
            .with_json(&json!({"confidence_threshold": "high"})),
        "body.confidence_threshold: expected a number, got the string \"high\"",
    );
    let mut body = detector_body();
    body["name"] = json!(42);
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&body),
        "body.name: expected a string",
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/labels")
            .token()
            .with_json(&json!([1, 2])),
        "body: expected an object, got an array",
    );
}

#[test]
fn rejects_an_out_of_range_confidence() {
    assert_rejected(
        &RecordedRequest::new("PATCH", "/device-api/v1/detectors/det_1")
            .token()
            .with_json(&json!({"confidence_threshold": 1.5})),
        "body.confidence_threshold: 1.5 is above the maximum 1",
    );
    let mut body = detector_body();
    body["confidence_threshold"] = json!(-0.1);
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&body),
        "body.confidence_threshold: -0.1 is below the minimum 0",
    );
    assert_rejected(
        &RecordedRequest::new(
            "POST",
            "/device-api/v1/image-queries?detector_id=det_1&confidence_threshold=1.01",
        )
        .token()
        .with_body("image/jpeg", JPEG),
        "query parameter confidence_threshold: 1.01 is above the maximum 1",
    );
    let mut body = detector_body();
    body["patience_time"] = json!(3600.5);
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&body),
        "body.patience_time: 3600.5 is above the maximum 3600",
    );
}

#[test]
fn rejects_a_missing_required_field() {
    // Prism 5 misses this one (groundlight.md, "Validating requests … with Prism", pitfall 3).
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&json!({"name": "x"})),
        "body.query: required property missing",
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/labels")
            .token()
            .with_json(&json!({"label": "YES"})),
        "body.image_query_id: required property missing",
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/labels")
            .token()
            .with_json(&json!({
                "label": "car", "image_query_id": "iq_1",
                "rois": [{"label": "car", "geometry": {"top": 0.2, "right": 0.3, "bottom": 0.4}}]
            })),
        "body.rois[0].geometry.left: required property missing",
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detector-groups").token(),
        "body: required but empty",
    );
}

#[test]
fn rejects_string_lengths_outside_the_limits() {
    let mut body = detector_body();
    body["name"] = json!("");
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&body),
        "body.name: 0 characters, below minLength 1",
    );
    body["name"] = json!("n".repeat(201));
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&body),
        "body.name: 201 characters, above maxLength 200",
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/labels").token().with_json(&json!({
            "label": "car", "image_query_id": "iq_1",
            "rois": [{"label": "", "geometry": {"left": 0.1, "top": 0.2, "right": 0.3, "bottom": 0.4}}]
        })),
        "body.rois[0].label: 0 characters, below minLength 1",
    );
}

#[test]
fn rejects_an_unknown_enum_value() {
    assert_rejected(
        &RecordedRequest::new("PATCH", "/device-api/v1/detectors/det_1")
            .token()
            .with_json(&json!({"status": "MAYBE"})),
        "body.status: matches none of the oneOf alternatives",
    );
    let mut body = detector_body();
    body["mode"] = json!("SQUARE");
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&body),
        "body.mode: \"SQUARE\" is not one of",
    );
}

#[test]
fn rejects_null_where_the_schema_is_not_nullable() {
    let mut body = detector_body();
    body["group_name"] = Value::Null;
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_json(&body),
        "body.group_name: null is not allowed",
    );
    assert_rejected(
        &RecordedRequest::new("PATCH", "/device-api/v1/detectors/det_1")
            .token()
            .with_json(&json!({"status": null})),
        "body.status: matches none of the oneOf alternatives",
    );
}

#[test]
fn rejects_mode_configurations_that_fit_no_mode() {
    for (config, needle) in [
        (
            json!({"class_name": "car", "max_count": 0}),
            "body.mode_configuration: matches none",
        ),
        (
            json!({"class_name": "car", "max_count": 51}),
            "body.mode_configuration: matches none",
        ),
        (
            json!({"value_max_length": 0}),
            "body.mode_configuration: matches none",
        ),
        (
            json!({"class_names": "Red"}),
            "body.mode_configuration: matches none",
        ),
        (json!("COUNT"), "body.mode_configuration: matches none"),
        (
            json!({"class_name": "car", "color": "red"}),
            "body.mode_configuration: matches none of the oneOf alternatives exactly",
        ),
    ] {
        let mut body = detector_body();
        body["mode_configuration"] = config;
        assert_rejected(
            &RecordedRequest::new("POST", "/device-api/v1/detectors")
                .token()
                .with_json(&body),
            needle,
        );
    }
}

#[test]
fn rejects_a_missing_required_query_parameter() {
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/image-queries")
            .token()
            .with_body("image/jpeg", JPEG),
        "query parameter detector_id: required but missing",
    );
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/notes").token(),
        "query parameter detector_id: required but missing",
    );
}

#[test]
fn rejects_unknown_repeated_or_mistyped_query_parameters() {
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/detectors?page=1&bogus=1").token(),
        "query parameter \"bogus\": unknown (the operation declares page, page_size)",
    );
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/detectors?page=abc").token(),
        "query parameter page: expected an integer, got \"abc\"",
    );
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/detectors?page=1.5").token(),
        "query parameter page: expected an integer",
    );
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/detectors?page=1&page=2").token(),
        "query parameter page: given 2 times",
    );
    assert_rejected(
        &RecordedRequest::new(
            "POST",
            "/device-api/v1/image-queries?detector_id=det_1&patience_time=soon",
        )
        .token()
        .with_body("image/jpeg", JPEG),
        "query parameter patience_time: expected a number",
    );
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/me?x=1").token(),
        "query parameter \"x\": unknown (the operation declares none)",
    );
}

#[test]
fn rejects_a_missing_api_token() {
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/me"),
        "security: credentials missing: ApiToken (header x-api-token)",
    );
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/me").with_header("x-api-token", " "),
        "security: credentials missing",
    );
    assert_valid(&RecordedRequest::new("GET", "/device-api/v1/me").with_header("X-API-TOKEN", "t"));
}

#[test]
fn rejects_content_types_the_operation_does_not_accept() {
    let body = serde_json::to_vec(&detector_body()).expect("serialises");
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_body("text/plain", body.clone()),
        "\"text/plain\" is not accepted (the operation accepts application/json)",
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/detectors")
            .token()
            .with_body("application/json", b"{\"name\":".to_vec()),
        "body: not valid JSON",
    );
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/image-queries?detector_id=det_1")
            .token()
            .with_body("application/octet-stream", JPEG),
        "is not accepted (the operation accepts image/bmp, image/gif, image/jpeg, image/jpg",
    );
    let mut no_content_type = RecordedRequest::new("POST", "/device-api/v1/detectors").token();
    no_content_type.body = body.into();
    assert_rejected(
        &no_content_type,
        "header Content-Type: missing although a body is sent",
    );
}

#[test]
fn rejects_image_bytes_that_contradict_the_content_type() {
    assert_rejected(
        &RecordedRequest::new("POST", "/device-api/v1/image-queries?detector_id=det_1")
            .token()
            .with_body("image/jpeg", PNG),
        "the bytes are image/png but Content-Type says image/jpeg",
    );
    assert_valid(
        &RecordedRequest::new("POST", "/device-api/v1/image-queries?detector_id=det_1")
            .token()
            .with_body("image/jpg", JPEG),
    );
    let report = check(
        &RecordedRequest::new("POST", "/device-api/v1/image-queries?detector_id=det_1")
            .token()
            .with_body("image/jpeg", b"not an image".to_vec()),
    );
    if let Some(report) = report {
        assert!(report.is_valid(), "{report}");
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("not a recognisable image")),
            "{report}"
        );
    }
}

#[test]
fn rejects_a_body_on_an_operation_without_one() {
    assert_rejected(
        &RecordedRequest::new("GET", "/device-api/v1/detectors")
            .token()
            .with_json(&json!({})),
        "body: 2 bytes sent, but the operation takes no request body",
    );
}

#[test]
fn notes_undeclared_properties_without_failing() {
    let Some(report) = check(
        &RecordedRequest::new("POST", "/device-api/v1/detector-groups")
            .token()
            .with_json(&json!({"name": "g", "colour": 1})),
    ) else {
        return;
    };
    assert!(report.is_valid(), "{report}");
    assert_eq!(
        report.notes,
        ["body.colour: property not declared by the schema (allowed)"]
    );
    assert_eq!(
        report.operation.map(|op| op.operation_id),
        Some("Create Detector Group".to_owned())
    );
}

// ---------------------------------------------------------------------------------------------
// Validator features the Groundlight spec does not use, on a small inline spec

const MINI_SPEC: &str = r#"
openapi: 3.0.3
info: {title: mini, version: '1'}
servers:
- url: http://localhost/base/
paths:
  /things/{id}:
    parameters:
    - {in: path, name: id, required: true, schema: {type: integer, minimum: 1}}
    put:
      parameters:
      - {in: query, name: tags, schema: {type: array, items: {type: string, enum: [a, b]}, maxItems: 2}}
      - {in: query, name: flag, schema: {type: boolean}}
      - {in: header, name: X-Trace, required: true, schema: {type: string, format: uuid}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
          image/*:
            schema: {type: string, format: binary}
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/Thing'}
      responses: {'204': {description: ok}}
  /things/special:
    get:
      responses: {'200': {description: ok}}
components:
  schemas:
    Thing:
      type: object
      additionalProperties: false
      required: [name, id]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        secret: {type: string, writeOnly: true}
        when: {type: string, format: date-time}
        count: {type: integer, format: int32, minimum: 0, exclusiveMinimum: true}
        tags: {type: array, items: {type: string}, uniqueItems: true}
        extra:
          type: object
          additionalProperties: {type: integer}
        either:
          anyOf: [{type: string}, {type: integer}]
        both:
          allOf:
          - {type: object, properties: {a: {type: string}}, required: [a]}
          - {type: object, properties: {b: {type: string}}, required: [b]}
"#;

fn mini() -> Spec {
    Spec::from_str(MINI_SPEC).expect("the mini spec loads")
}

fn mini_put(body: &Value) -> RecordedRequest {
    RecordedRequest::new("PUT", "/base/things/7")
        .with_header("x-trace", "0f8fad5b-d9cb-469f-a165-70867728950e")
        .with_json(body)
}

#[test]
fn mini_spec_valid_request_passes() {
    let spec = mini();
    let report = spec.validate(
        &mini_put(&json!({"name": "n", "secret": "s", "when": "2024-01-02T03:04:05.6+01:00", "count": 1,
                          "tags": ["x", "y"], "extra": {"k": 1}, "either": 3, "both": {"a": "1", "b": "2"}})),
    );
    assert!(report.is_valid() && report.notes.is_empty(), "{report}");
    let mut tagged = mini_put(&json!({"name": "n"}));
    tagged.query = openapi::parse_query("tags=a&tags=b&flag=false");
    assert!(
        spec.validate(&tagged).is_valid(),
        "{}",
        spec.validate(&tagged)
    );
    // The literal template wins over `{id}`, which would have rejected "special".
    let special = spec.validate(&RecordedRequest::new("GET", "/base/things/special"));
    assert!(special.is_valid(), "{special}");
    let image = RecordedRequest::new("PUT", "/base/things/7")
        .with_header("x-trace", "0f8fad5b-d9cb-469f-a165-70867728950e")
        .with_body("image/webp", b"RIFF\0\0\0\0WEBPVP8 ".to_vec());
    assert!(
        spec.validate(&image).is_valid(),
        "{}",
        spec.validate(&image)
    );
    let form = RecordedRequest::new("PUT", "/base/things/7")
        .with_header("x-trace", "0f8fad5b-d9cb-469f-a165-70867728950e")
        .with_body(
            "application/x-www-form-urlencoded",
            b"name=a+b&count=3".to_vec(),
        );
    assert!(spec.validate(&form).is_valid(), "{}", spec.validate(&form));
}

#[test]
fn mini_spec_violations_are_reported() {
    let spec = mini();
    let cases: Vec<(RecordedRequest, &str)> = vec![
        (
            mini_put(&json!({"name": "n", "id": 3})),
            "body.id: read-only property sent in a request",
        ),
        (
            mini_put(&json!({"name": "n", "bogus": 1})),
            "body.bogus: property not allowed (additionalProperties: false)",
        ),
        (
            mini_put(&json!({"name": "n", "extra": {"k": "one"}})),
            "body.extra.k: expected an integer",
        ),
        (
            mini_put(&json!({"name": "n", "when": "yesterday"})),
            "body.when: \"yesterday\" is not a valid date-time",
        ),
        (
            mini_put(&json!({"name": "n", "count": 0})),
            "body.count: 0 is not above the exclusive minimum 0",
        ),
        (
            mini_put(&json!({"name": "n", "count": 3_000_000_000_u64})),
            "does not fit format int32",
        ),
        (
            mini_put(&json!({"name": "n", "tags": ["x", "x"]})),
            "body.tags[1]: duplicate item",
        ),
        (
            mini_put(&json!({"name": "n", "either": true})),
            "body.either: matches none of the anyOf alternatives",
        ),
        (
            mini_put(&json!({"name": "n", "both": {"a": "1"}})),
            "body.both.b: required property missing",
        ),
        (
            mini_put(&json!({"name": 1.5})),
            "body.name: expected a string, got the number 1.5",
        ),
        (
            RecordedRequest::new("PUT", "/base/things/0")
                .with_header("x-trace", "0f8fad5b-d9cb-469f-a165-70867728950e")
                .with_json(&json!({"name": "n"})),
            "path parameter id: 0 is below the minimum 1",
        ),
        (
            RecordedRequest::new("PUT", "/base/things/seven")
                .with_header("x-trace", "0f8fad5b-d9cb-469f-a165-70867728950e")
                .with_json(&json!({"name": "n"})),
            "path parameter id: expected an integer",
        ),
        (
            RecordedRequest::new("PUT", "/base/things/7").with_json(&json!({"name": "n"})),
            "header X-Trace: required but missing",
        ),
        (
            RecordedRequest::new("PUT", "/base/things/7")
                .with_header("X-Trace", "nope")
                .with_json(&json!({"name": "n"})),
            "header X-Trace: \"nope\" is not a valid uuid",
        ),
        (
            RecordedRequest::new("PUT", "/base/things/7")
                .with_header("x-trace", "0f8fad5b-d9cb-469f-a165-70867728950e")
                .with_body(
                    "application/x-www-form-urlencoded",
                    b"name=a&count=x".to_vec(),
                ),
            "body.count: expected an integer, got \"x\"",
        ),
    ];
    for (request, needle) in cases {
        let report = spec.validate(&request);
        assert!(
            report.has_error(needle),
            "expected {needle:?}, got:\n{report}"
        );
    }
    let mut tagged = mini_put(&json!({"name": "n"}));
    tagged.query = openapi::parse_query("tags=a&tags=c&tags=b&flag=yes");
    let report = spec.validate(&tagged);
    for needle in [
        "query parameter tags[1]: \"c\" is not one of",
        "query parameter tags: 3 items, above maxItems 2",
        "query parameter flag: expected a boolean (true or false), got \"yes\"",
    ] {
        assert!(
            report.has_error(needle),
            "expected {needle:?}, got:\n{report}"
        );
    }
}

#[test]
fn broken_specs_are_refused() {
    let dangling = MINI_SPEC.replace(
        "#/components/schemas/Thing'}\n          image",
        "#/components/schemas/Nope'}\n          image",
    );
    let error = Spec::from_str(&dangling).expect_err("a dangling $ref");
    assert!(error.contains("#/components/schemas/Nope"), "{error}");
    let error = Spec::from_str("swagger: '1.2'\npaths: {}\n").expect_err("not a supported version");
    assert!(error.contains("Swagger 2.0 or OpenAPI 3.0/3.1"), "{error}");
    assert!(Spec::from_str("openapi: 3.0.3\npaths: [").is_err());
}

#[test]
fn query_strings_are_decoded_like_a_server_does() {
    assert_eq!(
        openapi::parse_query("name=door%20detector+%26%20co&x=&y&bad=%zz"),
        [
            ("name".to_owned(), "door detector & co".to_owned()),
            ("x".to_owned(), String::new()),
            ("y".to_owned(), String::new()),
            ("bad".to_owned(), "%zz".to_owned()),
        ]
    );
    assert_eq!(openapi::percent_decode("a+b%2Fc", false), "a+b/c");
}
