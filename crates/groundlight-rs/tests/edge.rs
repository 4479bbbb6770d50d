//! The Edge Endpoint's own API.

mod support;

use std::time::Duration;

use groundlight::Error;
use groundlight::edge::{EdgeEndpointConfig, InferenceConfig};
use serde_json::json;
use support::*;

const DET_1: &str = "det_000000000000000000000000001";
const DET_2: &str = "det_000000000000000000000000002";
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn config_readiness_and_upstream() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/edge-config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "global_config": {"refresh_rate": 60.0},
            "edge_inference_configs": {"default": {"enabled": true}},
            "detectors": [{"detector_id": DET_1, "edge_inference_config": "default"}]
        })))
        .mount(&s.server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/edge-config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&s.server)
        .await;
    Mock::given(path("/edge-detector-readiness"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({DET_1: {"ready": true}, DET_2: {"ready": false}})),
        )
        .mount(&s.server)
        .await;
    Mock::given(path("/edge-info"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"upstream_endpoint": "https://api.groundlight.ai"})),
        )
        .mount(&s.server)
        .await;
    let edge = s.gl.edge();
    assert_eq!(edge.base_url().as_str(), format!("{}/", s.server.uri()));
    let mut config = edge.get_config().await.unwrap();
    assert_eq!(config.detectors[0].detector_id, DET_1);
    assert_eq!(config.edge_inference_configs["default"].name, "default");
    config
        .add_detector(DET_2, &InferenceConfig::new("default"))
        .unwrap();
    edge.apply_config(&config).await.unwrap();
    let readiness = edge.get_detector_readiness().await.unwrap();
    assert!(readiness[DET_1].ready);
    assert!(!readiness[DET_2].ready);
    assert_eq!(
        edge.get_upstream_endpoint().await.unwrap(),
        "https://api.groundlight.ai"
    );
    let reqs = requests(&s.server).await;
    assert_request(&reqs[0], "GET", "/edge-config", &[]);
    assert_request(&reqs[1], "PUT", "/edge-config", &[]);
    assert_eq!(body_json(&reqs[1]), config.to_payload());
    assert_eq!(
        EdgeEndpointConfig::from_payload(body_json(&reqs[1])).unwrap(),
        config
    );
    assert_request(&reqs[2], "GET", "/edge-detector-readiness", &[]);
    assert_request(&reqs[3], "GET", "/edge-info", &[]);
}

#[tokio::test]
async fn wait_detectors_polls_every_second_until_ready_or_timeout() {
    let s = setup().await;
    Mock::given(path("/edge-detector-readiness"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"det_1": {"ready": false}})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(path("/edge-detector-readiness"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"det_1": {"ready": true}, "det_2": {"ready": false}})),
        )
        .mount(&s.server)
        .await;
    s.gl.edge()
        .wait_detectors(["det_1"], Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(s.clock.sleeps(), vec![Duration::from_secs(1); 2]);
    let err =
        s.gl.edge()
            .wait_detectors(["det_1", "det_2", "det_3"], Duration::from_secs(5))
            .await
            .unwrap_err();
    let Error::EdgeDetectorsNotReady { not_ready, waited } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(not_ready, &["det_2", "det_3"]);
    assert_eq!(*waited, Duration::from_secs(5));
}

#[tokio::test]
async fn no_edge_endpoint_is_edge_not_available() {
    let s = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&s.server)
        .await;
    let err = s.gl.edge().get_config().await.unwrap_err();
    assert!(matches!(err, Error::EdgeNotAvailable { .. }), "{err:?}");
    assert_eq!(requests(&s.server).await.len(), 1, "not retried");
    let port = vision_sdk_testkit::dead_port();
    let gl = groundlight::Groundlight::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .api_token(TOKEN)
        .build()
        .unwrap();
    let err = gl.edge().get_detector_readiness().await.unwrap_err();
    assert!(matches!(err, Error::EdgeNotAvailable { .. }), "{err:?}");
}

#[tokio::test]
async fn set_config_applies_waits_and_returns_the_edge_configuration() {
    let s = setup().await;
    let mut config = EdgeEndpointConfig::default();
    config
        .add_detector(DET_1, &groundlight::edge::NO_CLOUD)
        .unwrap();
    Mock::given(method("PUT"))
        .and(path("/edge-config"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s.server)
        .await;
    Mock::given(path("/edge-detector-readiness"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({DET_1: {"ready": false}})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(path("/edge-detector-readiness"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({DET_1: {"ready": true}})))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/edge-config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(config.to_payload()))
        .mount(&s.server)
        .await;
    let applied = s.gl.edge().set_config(config.clone()).await.unwrap();
    assert_eq!(applied, config);
    let reqs = requests(&s.server).await;
    let calls: Vec<(String, String)> = reqs
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("PUT".into(), "/edge-config".into()),
            ("GET".into(), "/edge-detector-readiness".into()),
            ("GET".into(), "/edge-detector-readiness".into()),
            ("GET".into(), "/edge-config".into()),
        ]
    );
    assert_eq!(body_json(&reqs[0]), config.to_payload());
    assert_eq!(s.clock.sleeps(), vec![Duration::from_secs(1)]);
}

#[tokio::test]
async fn wait_detectors_zero_means_600_seconds_and_an_empty_list_sends_nothing() {
    let s = setup().await;
    s.gl.edge()
        .wait_detectors(Vec::<String>::new(), Duration::ZERO)
        .await
        .unwrap();
    assert!(
        requests(&s.server).await.is_empty(),
        "no request for no detectors"
    );
    Mock::given(path("/edge-detector-readiness"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({DET_1: {"ready": false}})))
        .mount(&s.server)
        .await;
    let err =
        s.gl.edge()
            .wait_detectors([DET_1], Duration::ZERO)
            .await
            .unwrap_err();
    let Error::EdgeDetectorsNotReady { waited, not_ready } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*waited, groundlight::edge::DEFAULT_EDGE_WAIT);
    assert_eq!(*waited, Duration::from_secs(600));
    assert_eq!(not_ready, &[DET_1]);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_edge_info_without_an_upstream_is_edge_not_available() {
    for body in [
        json!({}),
        json!({"upstream_endpoint": null}),
        json!({"upstream_endpoint": ""}),
    ] {
        let s = setup().await;
        Mock::given(path("/edge-info"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .mount(&s.server)
            .await;
        let err = s.gl.edge().get_upstream_endpoint().await.unwrap_err();
        assert!(
            matches!(err, Error::EdgeNotAvailable { source: None, .. }),
            "{body}: {err:?}"
        );
    }
}
