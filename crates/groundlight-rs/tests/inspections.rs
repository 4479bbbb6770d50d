//! Inspections: start, metadata merge, stop.

mod support;

use groundlight::Error;
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

async fn mount_inspection(server: &wiremock::MockServer, id: &str, state: Value) {
    Mock::given(method("GET"))
        .and(path(format!("/device-api/inspections/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(state))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/device-api/inspections/{id}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": id, "status": "COMPLETE", "result": "FAIL"})),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn start_inspection_posts_an_empty_object() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/inspections"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "inspect_1", "status": "STARTED"})),
        )
        .mount(&s.server)
        .await;
    assert_eq!(s.gl.start_inspection().await.unwrap(), "inspect_1");
    let reqs = requests(&s.server).await;
    assert_request(&reqs[0], "POST", "/device-api/inspections", &[]);
    assert_eq!(header(&reqs[0], "content-type"), Some("application/json"));
    assert_eq!(body_json(&reqs[0]), json!({}));
}

#[tokio::test]
async fn first_metadata_key_becomes_the_user_provided_id() {
    let s = setup().await;
    mount_inspection(
        &s.server,
        "inspect_1",
        json!({"id": "inspect_1", "status": "STARTED",
        "user_provided_id_key": null, "user_metadata": null}),
    )
    .await;
    s.gl.update_inspection_metadata("inspect_1", "serial", "SN-42")
        .await
        .unwrap();
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 2);
    assert_request(&reqs[0], "GET", "/device-api/inspections/inspect_1", &[]);
    assert_request(&reqs[1], "PATCH", "/device-api/inspections/inspect_1", &[]);
    assert_eq!(
        body_json(&reqs[1]),
        json!({"user_provided_id_key": "serial", "user_provided_id_value": "SN-42",
               "user_metadata_json": "{\"serial\": \"SN-42\"}"})
    );
}

#[tokio::test]
async fn later_keys_merge_into_user_metadata() {
    let s = setup().await;
    mount_inspection(
        &s.server,
        "inspect_2",
        json!({"id": "inspect_2", "status": "STARTED",
        "user_provided_id_key": "serial", "user_provided_id_value": "SN-42",
        "user_metadata": {"serial": "SN-42"}}),
    )
    .await;
    s.gl.update_inspection_metadata("inspect_2", "line", "B")
        .await
        .unwrap();
    let reqs = requests(&s.server).await;
    let body = body_json(&reqs[1]);
    assert_eq!(
        body,
        // Python's order: the existing keys, then the new one (serde_json `preserve_order`).
        json!({"user_metadata_json": "{\"serial\": \"SN-42\", \"line\": \"B\"}"})
    );
    let merged: Value = serde_json::from_str(body["user_metadata_json"].as_str().unwrap()).unwrap();
    assert_eq!(merged, json!({"serial": "SN-42", "line": "B"}));
}

#[tokio::test]
async fn closed_inspections_refuse_metadata_and_are_not_closed_twice() {
    let s = setup().await;
    mount_inspection(
        &s.server,
        "inspect_3",
        json!({"id": "inspect_3", "status": "COMPLETE", "result": "PASS"}),
    )
    .await;
    let err =
        s.gl.update_inspection_metadata("inspect_3", "k", "v")
            .await
            .unwrap_err();
    assert!(
        matches!(err, Error::InspectionClosed(ref id) if id == "inspect_3"),
        "{err:?}"
    );
    assert_eq!(s.gl.stop_inspection("inspect_3").await.unwrap(), "COMPLETE");
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.method.as_str() == "GET"), "no PATCH");
}

#[tokio::test]
async fn stop_inspection_patches_complete_and_returns_the_result() {
    let s = setup().await;
    mount_inspection(
        &s.server,
        "inspect_4",
        json!({"id": "inspect_4", "status": "STARTED"}),
    )
    .await;
    assert_eq!(s.gl.stop_inspection("inspect_4").await.unwrap(), "FAIL");
    let reqs = requests(&s.server).await;
    assert_request(&reqs[1], "PATCH", "/device-api/inspections/inspect_4", &[]);
    assert_eq!(body_json(&reqs[1]), json!({"status": "COMPLETE"}));
    assert!(matches!(
        s.gl.stop_inspection("").await,
        Err(Error::InvalidInput(_))
    ));
}
