//! Experimental calls: notes, evaluation, metrics, pipelines, priming groups, VLM, synthetic images.

mod support;

use groundlight::Error;
use groundlight::models::{DetectorModeEnum, VerdictEnum};
use serde_json::json;
use support::*;
use vision_sdk_common::testing::multipart::{self, Part};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// The parts of a multipart body, in order.
fn multipart_parts(req: &vision_sdk_common::testing::RecordedRequest) -> Vec<Part<'_>> {
    let ct = header(req, "content-type").unwrap();
    multipart::parse(ct, &req.body).expect("a well-formed multipart body")
}

#[tokio::test]
async fn notes_get_and_create_with_image() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "CUSTOMER": [{"detector_id": "det_abc123", "content": "hi", "is_pinned": false}], "GL": []
        })))
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/notes"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&s.server)
        .await;
    let notes = s.gl.get_notes("det_abc123").await.unwrap();
    assert_eq!(notes.customer[0].content.as_deref(), Some("hi"));
    assert!(notes.gl.is_empty());
    s.gl.create_note("det_abc123", "label ajar doors YES")
        .image(JPEG)
        .is_pinned(true)
        .send()
        .await
        .unwrap();
    s.gl.create_note("det_abc123", "plain")
        .send()
        .await
        .unwrap();
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/notes",
        &[("detector_id", "det_abc123")],
    );
    assert_request(
        &reqs[1],
        "POST",
        "/device-api/v1/notes",
        &[("detector_id", "det_abc123")],
    );
    assert!(
        header(&reqs[1], "content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    let parts = multipart_parts(&reqs[1]);
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0].name, "content");
    assert_eq!(parts[0].content, b"label ajar doors YES");
    assert_eq!(parts[1].name, "is_pinned");
    assert_eq!(parts[1].content, b"true");
    assert_eq!(parts[2].name, "image");
    assert_eq!(parts[2].file_name.as_deref(), Some("image.jpg"));
    assert_eq!(parts[2].content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(parts[2].content, JPEG);
    let parts = multipart_parts(&reqs[2]);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1].content, b"false");
    assert!(matches!(
        s.gl.create_note("det_abc123", " ").send().await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn evaluation_metrics_and_pipelines() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/detectors/det_1/evaluation"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"evaluation_results": {"total_ground_truth_examples": 4}})),
        )
        .mount(&s.server)
        .await;
    Mock::given(path("/device-api/v1/detectors/det_1/metrics"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"summary": {"total_iqs": 12}})),
        )
        .mount(&s.server)
        .await;
    Mock::given(path("/device-api/v1/detectors/det_1/pipelines"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(vec![json!({
            "id": "pipe_1", "pipeline_config": "cfg", "is_active_pipeline": true, "is_edge_pipeline": false,
            "is_unclear_pipeline": false, "is_oodd_pipeline": false, "is_enabled": true,
            "created_at": "2026-01-01T00:00:00Z", "trained_at": null, "type": "ml_pipeline", "metrics": {}
        })], 1, None)))
        .mount(&s.server)
        .await;
    Mock::given(path("/device-api/v1/detectors/det_gone/pipelines"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&s.server)
        .await;
    let eval = s.gl.get_detector_evaluation("det_1").await.unwrap();
    assert_eq!(
        eval.evaluation_results.unwrap()["total_ground_truth_examples"],
        4
    );
    let metrics = s.gl.get_detector_metrics("det_1").await.unwrap();
    assert_eq!(metrics.summary.unwrap()["total_iqs"], 12);
    let pipes =
        s.gl.list_detector_pipelines("det_1")
            .page(1)
            .page_size(10)
            .await
            .unwrap();
    assert_eq!(pipes.results[0].id, "pipe_1");
    assert!(
        s.gl.list_detector_pipelines("det_gone")
            .page(1)
            .page_size(10)
            .await
            .unwrap_err()
            .is_not_found()
    );
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/detectors/det_1/evaluation",
        &[],
    );
    assert_request(
        &reqs[1],
        "GET",
        "/device-api/v1/detectors/det_1/metrics",
        &[],
    );
    assert_request(
        &reqs[2],
        "GET",
        "/device-api/v1/detectors/det_1/pipelines",
        &[("page", "1"), ("page_size", "10")],
    );
}

#[tokio::test]
async fn priming_groups() {
    let s = setup().await;
    let group = json!({"id": "pgp_1", "name": "g", "is_global": false, "created_at": "2026-01-01T00:00:00Z",
                       "detector_mode": "BINARY", "priming_group_specific_shadow_pipeline_configs": null});
    Mock::given(method("GET"))
        .and(path("/device-api/v1/priming-groups"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(
            vec![group.clone()],
            1,
            None,
        )))
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/priming-groups"))
        .respond_with(ResponseTemplate::new(201).set_body_json(group.clone()))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/priming-groups/pgp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(group.clone()))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/priming-groups/pgp_gone"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({"detail": "gone"})))
        .mount(&s.server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/device-api/v1/priming-groups/pgp_1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&s.server)
        .await;
    assert_eq!(
        s.gl.list_priming_groups()
            .page(2)
            .page_size(5)
            .await
            .unwrap()
            .count,
        Some(1)
    );
    let created =
        s.gl.create_priming_group("g", "pipe_1", DetectorModeEnum::Binary)
            .canonical_query("Is it?")
            .send()
            .await
            .unwrap();
    assert_eq!(created.id, "pgp_1");
    assert_eq!(s.gl.get_priming_group("pgp_1").await.unwrap().name, "g");
    let gone = s.gl.get_priming_group("pgp_gone").await.unwrap_err();
    assert!(gone.is_not_found(), "410 is not found: {gone:?}");
    assert_eq!(gone.status(), Some(http::StatusCode::GONE));
    s.gl.delete_priming_group("pgp_1").await.unwrap();
    assert!(matches!(
        s.gl.create_priming_group("g", "pipe_1", "SIDEWAYS")
            .send()
            .await,
        Err(Error::InvalidInput(_))
    ));
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/priming-groups",
        &[("page", "2"), ("page_size", "5")],
    );
    assert_request(&reqs[1], "POST", "/device-api/v1/priming-groups", &[]);
    assert_eq!(
        body_json(&reqs[1]),
        json!({"name": "g", "source_ml_pipeline_id": "pipe_1", "detector_mode": "BINARY",
               "canonical_query": "Is it?", "disable_shadow_pipelines": false})
    );
    assert_request(
        &reqs[4],
        "DELETE",
        "/device-api/v1/priming-groups/pgp_1",
        &[],
    );
    assert_eq!(reqs.len(), 5);
}

#[tokio::test]
async fn vlm_verify_sends_query_and_numbered_media() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/vlm-verifications"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "vlm_1", "type": "vlm_verification", "created_at": "2026-01-01T00:00:00Z", "query": "q",
            "model_id": "m", "result": {"verdict": "YES", "confidence": 0.9, "reasoning": "r"},
            "cost": {"input_tokens": 1, "output_tokens": 1, "total_cost_usd": 0.01}
        })))
        .mount(&s.server)
        .await;
    let v =
        s.gl.ask_vlm_verify([JPEG, JPEG], "Is there a fire?")
            .model_id("m")
            .send()
            .await
            .unwrap();
    assert_eq!(v.result.verdict, VerdictEnum::Yes);
    let reqs = requests(&s.server).await;
    assert_request(&reqs[0], "POST", "/device-api/v1/vlm-verifications", &[]);
    let parts = multipart_parts(&reqs[0]);
    assert_eq!(parts.len(), 4);
    assert_eq!(parts[0].name, "query");
    assert_eq!(parts[0].content, b"Is there a fire?");
    assert_eq!(parts[1].name, "model_id");
    assert_eq!(parts[2].name, "media");
    assert_eq!(parts[2].file_name.as_deref(), Some("image_1.jpg"));
    assert_eq!(parts[3].name, "media");
    assert_eq!(parts[3].file_name.as_deref(), Some("image_2.jpg"));
    assert_eq!(parts[3].content, JPEG);
    let none: [&'static [u8]; 0] = [];
    assert!(matches!(
        s.gl.ask_vlm_verify(none, "q").send().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        s.gl.ask_vlm_verify([JPEG; 9], "q").send().await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(requests(&s.server).await.len(), 1);
}

/// One image without a list, the JPEG bytes untouched, and a 5xx retried as Python's generated
/// call retries it (the verification creates nothing).
#[tokio::test]
async fn vlm_verify_takes_one_image_and_is_retried_after_a_503() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/vlm-verifications"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/vlm-verifications"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "vlm_1", "type": "vlm_verification", "created_at": "2026-01-01T00:00:00Z", "query": "q",
            "model_id": "m", "result": {"verdict": "NO", "confidence": 0.8, "reasoning": "r"},
            "cost": {"input_tokens": 1, "output_tokens": 1, "total_cost_usd": 0.01}
        })))
        .mount(&s.server)
        .await;
    let v = s.gl.ask_vlm_verify(JPEG, "Is there a fire?").await.unwrap();
    assert_eq!(v.result.verdict, VerdictEnum::No);
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 2, "the 503 was retried once");
    for req in &reqs {
        let parts = multipart_parts(req);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].name, "media");
        assert_eq!(parts[1].file_name.as_deref(), Some("image_1.jpg"));
        assert_eq!(parts[1].content, JPEG, "a JPEG is sent as it is");
    }
    assert_eq!(s.clock.sleeps().len(), 1);
}

#[tokio::test]
async fn synthetic_images() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/synthetic-images"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "syn_1", "image": "iVBORw0KGgo=", "width": 1, "height": 1, "label": "YES",
            "rois": [], "added_roi_index": null, "metadata": {}
        })))
        .mount(&s.server)
        .await;
    let out =
        s.gl.generate_synthetic_image(PNG, "blur")
            .lens_config(json!({"strength": 2}))
            .send()
            .await
            .unwrap();
    assert_eq!(out.as_ref(), b"\x89PNG\r\n\x1a\n");
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "POST",
        "/device-api/v1/synthetic-images",
        &[
            ("lens_type", "blur"),
            ("lens_config", "eyJzdHJlbmd0aCI6IDJ9"),
        ],
    );
    assert_eq!(header(&reqs[0], "content-type"), Some("image/png"));
    assert_eq!(reqs[0].body, PNG);
    let gif: &'static [u8] = b"GIF89a\x01\x00\x01\x00";
    assert!(matches!(
        s.gl.generate_synthetic_image(gif, "blur").send().await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(requests(&s.server).await.len(), 1);
}
