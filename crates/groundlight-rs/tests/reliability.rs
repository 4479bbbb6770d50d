//! Reliability (issue 8) and parity (issue 9) checks, through the public API against wiremock:
//! no create sent twice, strict decoding, input checks before any request, timeouts, retry
//! rules, ambiguous creates reconciled, wire details.

use std::sync::Arc;
use std::time::Duration;

use groundlight::edge::{DEFAULT, EdgeEndpointConfig};
use groundlight::models::ModeEnum;
use groundlight::{Error, Groundlight, Image, ManualClock, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "api_reliability_TOKEN_42";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];

fn client(server: &MockServer) -> (Groundlight, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let gl = Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .clock(clock.clone())
        .env_lookup(|_| None)
        .build()
        .unwrap();
    (gl, clock)
}

fn detector(id: &str, name: &str, query: &str) -> Value {
    json!({
        "id": id, "type": "detector", "created_at": "2026-01-01T00:00:00Z", "name": name,
        "query": query, "group_name": "g", "confidence_threshold": 0.9, "patience_time": 30.0,
        "metadata": null, "mode": "BINARY", "mode_configuration": null, "status": "ON",
        "escalation_type": "STANDARD"
    })
}

fn image_query(result: Value) -> Value {
    json!({
        "id": "iq_1", "type": "image_query", "created_at": "2026-01-01T00:00:00Z", "query": "q",
        "detector_id": "det_1", "result_type": "binary_classification", "result": result,
        "patience_time": 30.0, "confidence_threshold": 0.9, "rois": null, "text": null,
        "metadata": null
    })
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

fn body(req: &wiremock::Request) -> Value {
    serde_json::from_slice(&req.body).unwrap()
}

#[tokio::test]
async fn add_label_is_never_sent_twice_after_the_server_may_have_acted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/labels"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (gl, _) = client(&server);
    let err = gl.add_label("iq_1", "YES").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(requests(&server).await.len(), 1, "a 503 label was re-sent");

    // A timeout after sending: the outcome is unknown, and it is not re-sent.
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/labels"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_millis(400)))
        .mount(&slow)
        .await;
    let (gl, _) = client(&slow);
    let err = gl
        .add_label("iq_1", "YES")
        .request_timeout(Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(requests(&slow).await.len(), 1);

    // A 429 says "not processed": even a label may go again.
    let limited = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/labels"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&limited)
        .await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/labels"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "confidence": null, "class_name": "YES", "rois": null, "annotations_requested": [],
            "created_at": "2026-01-01T00:00:00Z", "detector_id": null, "source": "CUST", "text": null
        })))
        .mount(&limited)
        .await;
    let (gl, clock) = client(&limited);
    gl.add_label("iq_1", "YES").await.unwrap();
    assert_eq!(requests(&limited).await.len(), 2);
    assert_eq!(clock.sleeps(), [Duration::from_secs(1)]);
}

#[tokio::test]
async fn responses_without_identity_or_out_of_range_are_decode_errors() {
    let server = MockServer::start().await;
    let cases: Vec<(&str, Value)> = vec![
        ("det_noid", json!({"name": "door", "query": "q"})),
        (
            "det_wrapped",
            json!({"data": detector("det_x", "door", "q")}),
        ),
        ("det_null", json!({"id": null, "name": null, "query": null})),
        ("det_blank", json!({"id": "  ", "name": "door"})),
        ("det_threshold", {
            let mut d = detector("det_t", "door", "q");
            d["confidence_threshold"] = json!(42);
            d
        }),
    ];
    for (id, response) in &cases {
        Mock::given(method("GET"))
            .and(path(format!("/device-api/v1/detectors/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(response))
            .mount(&server)
            .await;
    }
    let (gl, _) = client(&server);
    for (id, _) in &cases {
        let err = gl.get_detector(*id).await.unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{id}: {err:?}");
        assert!(!err.is_retryable());
        assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    }

    // A label answer that is not a label record.
    Mock::given(method("POST"))
        .and(path("/device-api/v1/labels"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"data": {"created_at": "x"}})),
        )
        .mount(&server)
        .await;
    let err = gl.add_label("iq_1", "YES").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");

    // Image queries: no id, all null, a negative count.
    for (name, response) in [
        ("noid", json!({"query": "q", "detector_id": "det_1"})),
        (
            "allnull",
            json!({"id": null, "query": null, "result": null}),
        ),
        (
            "negcount",
            json!({"id": "iq_n", "result_type": "counting",
                   "result": {"result_type": "counting", "count": -3, "confidence": 0.9, "source": "ALGORITHM"}}),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/device-api/v1/image-queries/iq_{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(response))
            .mount(&server)
            .await;
        let err = gl.get_image_query(format!("iq_{name}")).await.unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{name}: {err:?}");
    }
}

#[tokio::test]
async fn an_out_of_range_confidence_never_ends_a_wait_as_confident() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/image-queries"))
        .respond_with(ResponseTemplate::new(201).set_body_json(image_query(json!({
            "result_type": "binary_classification", "label": "YES", "confidence": 7.5,
            "source": "STILL_PROCESSING"
        }))))
        .mount(&server)
        .await;
    let (gl, _) = client(&server);
    let err = gl
        .submit_image_query("det_1", Image::from(JPEG))
        .confidence_threshold(0.9)
        .wait(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("outside"), "{err}");
}

#[tokio::test]
async fn documented_input_checks_run_before_any_request_with_real_limits() {
    let server = MockServer::start().await;
    let (gl, _) = client(&server);
    let long = "x".repeat(201);
    let checks: Vec<(&str, Error)> = vec![
        ("name", gl.create_detector(&long, "q").await.unwrap_err()),
        (
            "class_name",
            gl.create_counting_detector("n", "q", " ")
                .await
                .unwrap_err(),
        ),
        (
            "class names",
            gl.create_detector("n", "q")
                .mode(ModeEnum::Count)
                .class_names(["a", "b"])
                .await
                .unwrap_err(),
        ),
        (
            "binary classes",
            gl.create_detector("n", "q")
                .class_names(["a"])
                .await
                .unwrap_err(),
        ),
        (
            "priming group id",
            gl.get_priming_group("").await.unwrap_err(),
        ),
        (
            "lens_type",
            gl.generate_synthetic_image(Image::from(JPEG), "")
                .await
                .unwrap_err(),
        ),
        (
            "threshold",
            gl.update_detector_confidence_threshold("det_1", 1.5)
                .await
                .unwrap_err(),
        ),
        ("label id", gl.add_label("bad_1", "YES").await.unwrap_err()),
    ];
    for (what, err) in &checks {
        assert!(matches!(err, Error::InvalidInput(_)), "{what}: {err:?}");
        assert!(!err.to_string().contains("18446744073709551615"), "{err}");
    }
    assert!(
        checks[0]
            .1
            .to_string()
            .contains("must be 1 to 200 characters"),
        "{}",
        checks[0].1
    );
    assert!(checks[1].1.to_string().contains("must not be empty"));
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn experimental_calls_honour_the_client_timeout() {
    let server = MockServer::start().await;
    for p in [
        "/device-api/v1/vlm-verifications",
        "/device-api/v1/synthetic-images",
    ] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_millis(500)))
            .mount(&server)
            .await;
    }
    let gl = Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .timeout(Duration::from_millis(50))
        .retry_policy(RetryPolicy::none())
        .env_lookup(|_| None)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let vlm = gl.ask_vlm_verify(Image::from(JPEG), "q").await.unwrap_err();
    let synthetic = gl
        .generate_synthetic_image(Image::from(JPEG), "blur")
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(900));
    for err in [vlm, synthetic] {
        assert!(err.http_error().is_some_and(|e| e.is_timeout()), "{err:?}");
    }
}

#[tokio::test]
async fn synthetic_images_are_bytes_and_a_503_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/synthetic-images"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/synthetic-images"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": "syn_1", "image": "aGVsbG8="})),
        )
        .mount(&server)
        .await;
    let (gl, _) = client(&server);
    let bytes = gl
        .generate_synthetic_image(Image::from(JPEG), "blur")
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), b"hello");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn an_unparsable_retry_after_is_absent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/me"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "soon, maybe"))
        .mount(&server)
        .await;
    let (gl, clock) = client(&server);
    let err = gl.me().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.retry_after(), None);
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a 429 without a usable Retry-After was retried"
    );
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn an_ambiguous_create_is_reconciled_by_name() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/detectors"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors"))
        .and(query_param("name", "door"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "next": null, "previous": null,
            "results": [detector("det_made", "door", "Is the door open?")]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors"))
        .and(query_param("name", "gate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 0, "next": null, "previous": null, "results": []
        })))
        .mount(&server)
        .await;
    let (gl, _) = client(&server);
    let det = gl
        .create_detector("door", "Is the door open?")
        .await
        .unwrap();
    assert_eq!(det.id, "det_made");
    let posts = |reqs: &[wiremock::Request]| reqs.iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts(&requests(&server).await), 1, "the create was re-sent");

    // Not there: the original error, and still one POST.
    let err = gl
        .create_detector("gate", "Is the gate open?")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(posts(&requests(&server).await), 2);

    // There, but with another query: the original error.
    let err = gl
        .create_detector("door", "Another question?")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
}

#[tokio::test]
async fn wire_details_match_the_official_sdk() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/detectors"))
        .respond_with(ResponseTemplate::new(201).set_body_json(detector("det_1", "n", "q")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/labels"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "created_at": "2026-01-01T00:00:00Z", "source": "CUST"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(image_query(Value::Null)))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/edge-config"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let (gl, _) = client(&server);
    gl.create_detector("n", "q")
        .mode(ModeEnum::Count)
        .class_names(["person"])
        .confidence_threshold(0.0)
        .patience_time(Duration::ZERO)
        .await
        .unwrap();
    gl.create_binary_detector("n", "q").await.unwrap();
    gl.add_label("iq_1", "YES").rois([]).await.unwrap();
    let iq = gl.get_image_query("iq_1").await.unwrap();
    gl.get_image_query(&iq).await.unwrap();
    let mut config = EdgeEndpointConfig::default();
    config
        .add_detector("det_000000000000000000000000001", &DEFAULT)
        .unwrap();
    gl.edge().apply_config(&config).await.unwrap();

    let reqs = requests(&server).await;
    let counting = body(&reqs[0]);
    assert_eq!(counting["mode"], "COUNT");
    assert_eq!(
        counting["mode_configuration"],
        json!({"class_name": "person"})
    );
    assert!(counting.get("confidence_threshold").is_none(), "{counting}");
    assert!(counting.get("patience_time").is_none(), "{counting}");
    let binary = body(&reqs[1]);
    assert!(binary.get("mode").is_none(), "{binary}");
    assert_eq!(binary["pipeline_config"], Value::Null);
    assert_eq!(body(&reqs[2])["rois"], Value::Null);
    assert_eq!(reqs[3].url.path(), "/device-api/v1/image-queries/iq_1");
    assert_eq!(reqs[4].url.path(), "/device-api/v1/image-queries/iq_1");
    let edge = body(&reqs[5]);
    assert_eq!(
        edge["edge_inference_configs"]["default"]["min_time_between_escalations"],
        30.0
    );
    assert_eq!(edge["global_config"]["refresh_rate"], 60.0);
}

#[tokio::test]
async fn a_null_count_stays_none() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": null, "next": null, "previous": null, "results": []
        })))
        .mount(&server)
        .await;
    let (gl, _) = client(&server);
    assert_eq!(gl.list_detectors().await.unwrap().count, None);
}
