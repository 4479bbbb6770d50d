//! Response timestamps are `Timestamp`s: the server's text as sent, parsed on demand.

use groundlight::common::Timestamp;
use groundlight::models::{ApiToken, ImageQuery};
use serde_json::json;

#[test]
fn image_query_created_at_keeps_the_text_and_parses() {
    let iq: ImageQuery = serde_json::from_value(json!({
        "id": "iq_1", "type": "image_query", "created_at": "2024-05-01T10:00:00.123456Z",
        "query": "q", "detector_id": "det_1", "result_type": "binary_classification",
        "result": null, "patience_time": 30.0, "confidence_threshold": 0.9,
        "metadata": null, "rois": null, "text": null, "done_processing": false
    }))
    .unwrap();
    assert_eq!(iq.created_at, "2024-05-01T10:00:00.123456Z");
    let at = iq.created_at.to_utc().unwrap();
    assert_eq!(at.timestamp(), 1_714_557_600);
    assert_eq!(at.timestamp_subsec_micros(), 123_456);
    // Serialised back unchanged.
    let back = serde_json::to_value(&iq).unwrap();
    assert_eq!(back["created_at"], "2024-05-01T10:00:00.123456Z");
}

#[test]
fn an_unparsable_or_null_timestamp_still_decodes() {
    let token: ApiToken = serde_json::from_value(json!({
        "id": "tok_1", "name": "t", "raw_key_snippet": "api_2x",
        "created_at": "not a date", "last_used_at": null, "expires_at": "2030-01-01T00:00:00+01:00"
    }))
    .unwrap();
    assert_eq!(token.created_at, "not a date");
    assert!(token.created_at.to_datetime().is_none());
    assert!(token.last_used_at.is_none());
    let expires = token
        .expires_at
        .as_ref()
        .and_then(Timestamp::to_utc)
        .unwrap();
    assert_eq!(expires.to_rfc3339(), "2029-12-31T23:00:00+00:00");
}
