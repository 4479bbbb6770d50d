//! Helpers shared by the integration tests (each test file uses a subset).
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use dragoneye::testing::{FakeDragoneye, RecordedPart, RecordedRequest};
use dragoneye::{Dragoneye, DragoneyeBuilder, ManualClock};
use serde_json::Value;
use vision_sdk_testkit::{Compare, current_test_name, require_shared_json};
#[allow(unused_imports)] // each test binary uses a different part
pub use vision_sdk_testkit::{jpeg_bytes, mp4_bytes};

/// A builder pointed at `fake`, with a manual clock (no real sleeping).
pub fn builder(fake: &FakeDragoneye, clock: &ManualClock) -> DragoneyeBuilder {
    fake.client_builder().clock(Arc::new(clock.clone()))
}

pub fn client(fake: &FakeDragoneye, clock: &ManualClock) -> Dragoneye {
    builder(fake, clock).build().expect("client")
}

/// A JSON file of the shared facts folder; `None` (a logged skip) outside CI when missing.
pub fn read_json(relative: &str) -> Option<Value> {
    require_shared_json(relative, &current_test_name())
}

/// The official SDK's recorded scenario whose name starts with `prefix` (e.g. `"A "`).
pub fn golden(prefix: &str) -> Option<Value> {
    let log = read_json("protocols/golden/dragoneye/probe_log.json")?;
    let scenario = log["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .find(|s| {
            s["scenario"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no golden scenario {prefix:?}"))
        .clone();
    Some(scenario)
}

/// One request of the golden log as a [`RecordedRequest`] (file parts are placeholders of the
/// recorded size; the log keeps sizes, not files).
fn golden_request(g: &Value) -> RecordedRequest {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut request = RecordedRequest::new(&text(&g["method"]), &text(&g["path"]));
    request.query = g["query"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|pair| (text(&pair[0]), text(&pair[1])))
        .collect();
    for header in g["headers"].as_array().into_iter().flatten() {
        let name = text(&header[0]);
        if !name.eq_ignore_ascii_case("content-type") {
            request = request.with_header(&name, &text(&header[1]));
        }
    }
    request.status = g["response"]["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok());
    match g["body"]["kind"].as_str() {
        Some("urlencoded") => {
            request.with_body("application/x-www-form-urlencoded", text(&g["body"]["raw"]))
        }
        Some("multipart") => {
            let parts = g["body"]["parts"]
                .as_array()
                .expect("parts")
                .iter()
                .map(|p| {
                    let file_name = p["filename"].as_str();
                    // Text parts: the official SDK's part types are not compared (ours send none).
                    let content_type = file_name
                        .and(p["headers"].as_array())
                        .and_then(|hs| hs.iter().find(|h| h[0].as_str() == Some("Content-Type")))
                        .and_then(|h| h[1].as_str());
                    let size = usize::try_from(p["size"].as_u64().expect("part size")).unwrap();
                    let content = match file_name {
                        Some(_) => vec![0; size],
                        None => text(&p["value"]).into_bytes(),
                    };
                    RecordedPart::new(&text(&p["name"]), file_name, content_type, content)
                })
                .collect();
            request.with_multipart(parts)
        }
        _ => request,
    }
}

/// Asserts that `ours` is the official SDK's request sequence of `scenario`: same methods,
/// paths, queries, credential placement, body kinds, urlencoded bodies byte for byte,
/// multipart part names/order/file names/types/sizes/values, response statuses; and every
/// upload declares its length.
pub fn assert_same_requests(scenario: &Value, ours: &[RecordedRequest]) {
    let golden: Vec<RecordedRequest> = scenario["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(golden_request)
        .collect();
    Compare::new()
        .header("x-api-key")
        .file_parts_by_size()
        .assert_same_sequence(&golden, ours);
    for (g, o) in golden.iter().zip(ours) {
        if !g.parts.is_empty() {
            assert!(
                o.content_length().is_some(),
                "{}: the upload must declare its length",
                o.line()
            );
        }
        if g.body.is_empty() {
            assert_eq!(o.content_type(), None, "{}: unexpected body", o.line());
        }
    }
}
