//! Shared helpers of the wiremock integration tests.
//!
//! Every test reads the requests a server received through [`requests`], as the workspace's one
//! request shape ([`RecordedRequest`]), which also appends them (as JSON lines) to
//! `$GROUNDLIGHT_CAPTURE_DIR/<test binary>.jsonl` when that variable is set, so all traffic of
//! the suite can be collected and validated against the OpenAPI spec.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different part of this module

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use groundlight::{Groundlight, ManualClock};
use serde_json::{Value, json};
use vision_sdk_common::testing::RecordedRequest;
use wiremock::MockServer;

/// The fake token the official SDK's golden capture used.
pub const TOKEN: &str = "api_2probeTOKEN0123456789abcdefghijklmnop";

/// A tiny JPEG header: enough for MIME sniffing (the mocks do not decode images).
#[allow(unused_imports)] // not every test binary sends an image
pub use vision_sdk_testkit::JPEG_HEADER as JPEG;

/// A PNG signature and IHDR start.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

/// A server, a client for it and the client's virtual clock.
pub struct Setup {
    pub server: MockServer,
    pub gl: Groundlight,
    pub clock: ManualClock,
}

/// Starts a wiremock server and a client pointed at it, with a [`ManualClock`] (so retries and
/// polling never sleep for real).
pub async fn setup() -> Setup {
    let server = MockServer::start().await;
    let clock = ManualClock::new();
    let gl = Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("client builds");
    Setup { server, gl, clock }
}

/// The requests `server` received, in order (also captured, see the module docs).
pub async fn requests(server: &MockServer) -> Vec<RecordedRequest> {
    let received: Vec<RecordedRequest> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(vision_sdk_testkit::from_wiremock)
        .collect();
    capture(&received);
    received
}

fn capture(received: &[RecordedRequest]) {
    let Some(dir) = std::env::var_os("GROUNDLIGHT_CAPTURE_DIR") else {
        return;
    };
    let exe = std::env::current_exe().ok();
    let name = exe
        .as_ref()
        .and_then(|p| p.file_stem())
        .map_or_else(|| "tests".to_owned(), |s| s.to_string_lossy().into_owned());
    let path = std::path::Path::new(&dir).join(format!("{name}.jsonl"));
    let _ = std::fs::create_dir_all(&dir);
    let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return;
    };
    for r in received {
        let headers: serde_json::Map<String, Value> = r
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let line = json!({
            "method": r.method,
            "path": r.path,
            "raw_query": r.raw_query,
            "headers": headers,
            "body_base64": base64_encode(&r.body),
        });
        let _ = writeln!(file, "{line}");
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    groundlight::vision_sdk_common::media::base64_standard(bytes)
}

/// The decoded query pairs of a request, in order.
pub fn query(req: &RecordedRequest) -> Vec<(String, String)> {
    req.query.clone()
}

/// Owned pairs from string slices.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A header as text.
pub fn header<'a>(req: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    req.header(name)
}

/// The JSON body of a request.
pub fn body_json(req: &RecordedRequest) -> Value {
    serde_json::from_slice(&req.body).unwrap_or_else(|e| {
        panic!(
            "body is not JSON ({e}): {}",
            String::from_utf8_lossy(&req.body)
        )
    })
}

/// Asserts the headers the SDK sends on every request.
pub fn assert_sdk_headers(req: &RecordedRequest) {
    assert_eq!(header(req, "x-api-token"), Some(TOKEN), "x-api-token");
    let id = header(req, "x-request-id").expect("X-Request-Id");
    let hex = id
        .strip_prefix("req_uu")
        .expect("X-Request-Id starts with req_uu");
    assert_eq!(hex.len(), 32, "{id}");
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let ua = header(req, "user-agent").expect("User-Agent");
    assert!(ua.starts_with("groundlight-rs/"), "{ua}");
    assert_eq!(header(req, "x-sdk-language"), Some("rust"));
    assert_eq!(header(req, "x-sdk-version"), Some(groundlight::VERSION));
}

/// Asserts method, path and query (decoded, in order) of a request, plus the SDK headers.
pub fn assert_request(
    req: &RecordedRequest,
    method: &str,
    path: &str,
    query_pairs: &[(&str, &str)],
) {
    assert_eq!(req.method, method, "method of {req}");
    assert_eq!(req.path, path, "path of {req}");
    assert_eq!(query(req), pairs(query_pairs), "query of {req}");
    assert_sdk_headers(req);
}

/// A detector as the API returns it.
pub fn detector_json(id: &str, name: &str, query: &str) -> Value {
    json!({
        "id": id,
        "type": "detector",
        "created_at": "2026-01-01T00:00:00.000000Z",
        "name": name,
        "query": query,
        "group_name": "default",
        "confidence_threshold": 0.9,
        "patience_time": 30.0,
        "metadata": null,
        "mode": "BINARY",
        "mode_configuration": null,
        "status": "ON",
        "escalation_type": "STANDARD",
    })
}

/// A binary image query as the API returns it.
pub fn iq_json(id: &str, detector_id: &str, source: &str, confidence: f64, label: &str) -> Value {
    json!({
        "metadata": null,
        "id": id,
        "type": "image_query",
        "created_at": "2026-01-01T00:00:00.000000Z",
        "query": "Is the door open?",
        "detector_id": detector_id,
        "result_type": "binary_classification",
        "result": {
            "confidence": confidence,
            "source": source,
            "result_type": "binary_classification",
            "from_edge": false,
            "label": label,
        },
        "patience_time": 30.0,
        "confidence_threshold": 0.9,
        "rois": null,
        "text": null,
        "done_processing": false,
    })
}

/// A page of results.
pub fn page_json(results: Vec<Value>, count: usize, next: Option<&str>) -> Value {
    json!({"count": count, "next": next, "previous": null, "results": results})
}

/// Sum of the recorded sleeps.
pub fn total(sleeps: &[Duration]) -> Duration {
    sleeps.iter().sum()
}
