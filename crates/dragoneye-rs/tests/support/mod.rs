//! Helpers shared by the integration tests (each test file uses a subset).
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::Arc;

use dragoneye::testing::{FakeDragoneye, RecordedRequest};
use dragoneye::{Dragoneye, DragoneyeBuilder, ManualClock};
use serde_json::Value;

/// A JPEG header followed by filler, `len` bytes in all.
pub fn jpeg_bytes(len: usize) -> Vec<u8> {
    let mut data = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    data.extend((0..len.saturating_sub(data.len())).map(|i| (i % 251) as u8));
    data.truncate(len);
    data
}

/// `len` bytes of pseudo-video (an `ftyp` box, then filler).
pub fn mp4_bytes(len: usize) -> Vec<u8> {
    let mut data = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    data.extend((0..len.saturating_sub(data.len())).map(|i| (i % 241) as u8));
    data.truncate(len);
    data
}

/// A builder pointed at `fake`, with a manual clock (no real sleeping).
pub fn builder(fake: &FakeDragoneye, clock: &ManualClock) -> DragoneyeBuilder {
    fake.client_builder().clock(Arc::new(clock.clone()))
}

pub fn client(fake: &FakeDragoneye, clock: &ManualClock) -> Dragoneye {
    builder(fake, clock).build().expect("client")
}

/// A file in the shared facts folder, or `None` (outside CI) when the folder is absent.
pub fn shared(relative: &str) -> Option<PathBuf> {
    dragoneye::common::__private::shared_path(relative)
}

pub fn read_json(relative: &str) -> Option<Value> {
    let path = shared(relative)?;
    Some(serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json"))
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

fn golden_header<'a>(request: &'a Value, name: &str) -> Option<&'a str> {
    request["headers"]
        .as_array()?
        .iter()
        .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|h| h[1].as_str())
}

/// Asserts that `ours` is the official SDK's request sequence of `scenario`: same methods,
/// paths, queries, credential placement, body kinds, urlencoded bodies byte for byte,
/// multipart part names/order/file names/types/sizes/values, response statuses.
pub fn assert_same_requests(scenario: &Value, ours: &[RecordedRequest]) {
    let golden = scenario["requests"].as_array().expect("requests");
    let name = scenario["scenario"].as_str().unwrap_or("?");
    let summary = |rs: &[RecordedRequest]| -> Vec<String> {
        rs.iter()
            .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
            .collect()
    };
    assert_eq!(
        ours.len(),
        golden.len(),
        "{name}: request count; ours: {:#?}",
        summary(ours)
    );
    for (i, (g, o)) in golden.iter().zip(ours).enumerate() {
        let at = format!("{name}: request {i} ({} {})", o.method, o.path);
        assert_eq!(g["method"], o.method.as_str(), "{at}: method");
        assert_eq!(g["path"], o.path.as_str(), "{at}: path");
        let query: Vec<Value> = o
            .query
            .iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect();
        assert_eq!(g["query"], Value::Array(query), "{at}: query");
        assert_eq!(
            golden_header(g, "x-api-key"),
            o.api_key.as_deref(),
            "{at}: X-API-Key"
        );
        assert_eq!(
            g["response"]["status"].as_u64(),
            Some(u64::from(o.status)),
            "{at}: response status"
        );
        match g["body"]["kind"].as_str() {
            Some("urlencoded") => {
                assert_eq!(
                    o.content_type.as_deref(),
                    Some("application/x-www-form-urlencoded"),
                    "{at}"
                );
                assert_eq!(
                    g["body"]["raw"].as_str(),
                    o.form_raw.as_deref(),
                    "{at}: form body"
                );
            }
            Some("multipart") => {
                assert!(
                    o.content_type
                        .as_deref()
                        .is_some_and(|ct| ct.starts_with("multipart/form-data; boundary=")),
                    "{at}: {:?}",
                    o.content_type
                );
                assert!(
                    o.content_length.is_some(),
                    "{at}: the upload must declare its length"
                );
                let parts = g["body"]["parts"].as_array().expect("parts");
                assert_eq!(parts.len(), o.parts.len(), "{at}: part count");
                for (gp, op) in parts.iter().zip(&o.parts) {
                    assert_eq!(gp["name"], op.name.as_str(), "{at}: part name");
                    assert_eq!(
                        gp["filename"].as_str(),
                        op.file_name.as_deref(),
                        "{at}: filename"
                    );
                    assert_eq!(
                        gp["size"].as_u64(),
                        Some(op.size),
                        "{at}: part {} size",
                        op.name
                    );
                    if op.file_name.is_some() {
                        let gtype = gp["headers"]
                            .as_array()
                            .and_then(|hs| {
                                hs.iter().find(|h| h[0].as_str() == Some("Content-Type"))
                            })
                            .and_then(|h| h[1].as_str());
                        assert_eq!(gtype, op.content_type.as_deref(), "{at}: file part type");
                    } else {
                        assert_eq!(
                            gp["value"].as_str(),
                            op.value.as_deref(),
                            "{at}: part value"
                        );
                    }
                }
            }
            _ => {
                assert!(
                    o.form_raw.is_none() && o.parts.is_empty(),
                    "{at}: unexpected body"
                );
                assert_eq!(golden_header(g, "content-type"), None, "{at}");
            }
        }
    }
}
