//! The Edge configuration: presets, payloads, the YAML loader and validation, checked against
//! what the official SDK 1.3.1 (`groundlight/edge/config.py`) produces and refuses. The expected
//! payloads were written down by reading that module: `to_payload()` is pydantic's
//! `model_dump()`, which emits the inherited fields first (`edge_inference_configs`,
//! `detectors`), then `global_config`, drops `InferenceConfig.name` (`exclude=True`) and fills
//! every default in.

mod support;

use groundlight::Error;
use groundlight::edge::{
    DEFAULT, DISABLED, DetectorsConfig, EDGE_ANSWERS_WITH_ESCALATION, EdgeEndpointConfig,
    GlobalConfig, InferenceConfig, NO_CLOUD,
};
use groundlight::models::Detector;
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

// The official unit tests' detector ids (`test/unit/test_edge_config.py`).
const DET_1: &str = "det_000000000000000000000000001";
const DET_2: &str = "det_000000000000000000000000002";
const DET_3: &str = "det_000000000000000000000000003";
const DET_4: &str = "det_000000000000000000000000004";

/// Python: `c = EdgeEndpointConfig(); c.add_detector(DET_1, DEFAULT);
/// c.add_detector(DET_2, EDGE_ANSWERS_WITH_ESCALATION); c.add_detector(DET_3, NO_CLOUD);
/// c.add_detector(DET_4, DISABLED); c.to_payload()`.
fn python_presets_payload() -> Value {
    json!({
        "edge_inference_configs": {
            "default": {
                "enabled": true,
                "always_return_edge_prediction": false,
                "disable_cloud_escalation": false,
                "min_time_between_escalations": 30.0
            },
            "edge_answers_with_escalation": {
                "enabled": true,
                "always_return_edge_prediction": true,
                "disable_cloud_escalation": false,
                "min_time_between_escalations": 30.0
            },
            "no_cloud": {
                "enabled": true,
                "always_return_edge_prediction": true,
                "disable_cloud_escalation": true,
                "min_time_between_escalations": 30.0
            },
            "disabled": {
                "enabled": false,
                "always_return_edge_prediction": false,
                "disable_cloud_escalation": false,
                "min_time_between_escalations": 30.0
            }
        },
        "detectors": [
            {"detector_id": DET_1, "edge_inference_config": "default"},
            {"detector_id": DET_2, "edge_inference_config": "edge_answers_with_escalation"},
            {"detector_id": DET_3, "edge_inference_config": "no_cloud"},
            {"detector_id": DET_4, "edge_inference_config": "disabled"}
        ],
        "global_config": {"refresh_rate": 60.0, "confident_audit_rate": 1e-5}
    })
}

fn presets_config() -> EdgeEndpointConfig {
    let mut config = EdgeEndpointConfig::default();
    config.add_detector(DET_1, &DEFAULT).unwrap();
    config
        .add_detector(DET_2, &EDGE_ANSWERS_WITH_ESCALATION)
        .unwrap();
    config.add_detector(DET_3, &NO_CLOUD).unwrap();
    config.add_detector(DET_4, &DISABLED).unwrap();
    config
}

fn invalid(result: Result<impl std::fmt::Debug, Error>, needle: &str) {
    match result {
        Err(Error::InvalidInput(why)) => assert!(why.contains(needle), "{why:?} lacks {needle:?}"),
        other => panic!("expected InvalidInput containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn presets_have_the_official_values_and_payload() {
    assert_eq!(DEFAULT.name, "default");
    assert_eq!(*DEFAULT, InferenceConfig::new("default"));
    assert_eq!(
        EDGE_ANSWERS_WITH_ESCALATION.name,
        "edge_answers_with_escalation"
    );
    assert_eq!(NO_CLOUD.name, "no_cloud");
    assert_eq!(DISABLED.name, "disabled");
    let config = presets_config();
    let payload = config.to_payload();
    assert_eq!(payload, python_presets_payload());
    // The official field order, at the top and inside an inference config.
    let top: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        top,
        ["edge_inference_configs", "detectors", "global_config"]
    );
    let fields: Vec<&String> = payload["edge_inference_configs"]["no_cloud"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        fields,
        [
            "enabled",
            "always_return_edge_prediction",
            "disable_cloud_escalation",
            "min_time_between_escalations"
        ]
    );
    // `from_payload(to_payload())` is the same configuration, names included.
    assert_eq!(EdgeEndpointConfig::from_payload(payload).unwrap(), config);
}

#[test]
fn the_default_configuration_payload() {
    // Python: `EdgeEndpointConfig().to_payload()`.
    assert_eq!(
        EdgeEndpointConfig::default().to_payload(),
        json!({
            "edge_inference_configs": {},
            "detectors": [],
            "global_config": {"refresh_rate": 60.0, "confident_audit_rate": 1e-5}
        })
    );
    // `DetectorsConfig` has no `global_config`.
    let mut detectors = DetectorsConfig::default();
    detectors.add_detector(DET_1, &DEFAULT).unwrap();
    detectors.add_detector(DET_2, &NO_CLOUD).unwrap();
    let payload = detectors.to_payload();
    assert_eq!(payload["detectors"].as_array().unwrap().len(), 2);
    assert!(payload.get("global_config").is_none());
    assert_eq!(DetectorsConfig::from_payload(payload).unwrap(), detectors);
}

/// The official `test_edge_endpoint_config_from_yaml_accepts_yaml_text` and
/// `…_from_payload_accepts_literal_payload`: the same document as YAML and as a payload.
#[test]
fn yaml_text_reads_like_the_official_example() {
    let yaml = format!(
        "
        global_config:
          refresh_rate: 15.0
        edge_inference_configs:
          default:
            enabled: true
        detectors:
          - detector_id: {DET_1}
            edge_inference_config: default
        "
    );
    let from_yaml = EdgeEndpointConfig::from_yaml(&yaml).unwrap();
    let from_payload = EdgeEndpointConfig::from_payload(json!({
        "global_config": {"refresh_rate": 15.0},
        "edge_inference_configs": {"default": {"enabled": true}},
        "detectors": [{"detector_id": DET_1, "edge_inference_config": "default"}],
    }))
    .unwrap();
    assert_eq!(from_yaml, from_payload);
    assert_eq!(from_yaml.global_config.refresh_rate, 15.0);
    assert_eq!(from_yaml.edge_inference_configs["default"].name, "default");
    // What Python's `to_payload()` gives for it: the defaults filled in.
    assert_eq!(
        from_yaml.to_payload(),
        json!({
            "edge_inference_configs": {"default": {
                "enabled": true, "always_return_edge_prediction": false,
                "disable_cloud_escalation": false, "min_time_between_escalations": 30.0
            }},
            "detectors": [{"detector_id": DET_1, "edge_inference_config": "default"}],
            "global_config": {"refresh_rate": 15.0, "confident_audit_rate": 1e-5}
        })
    );
    // Round trip through the payload.
    assert_eq!(
        EdgeEndpointConfig::from_payload(from_yaml.to_payload()).unwrap(),
        from_yaml
    );
}

/// The official `test_edge_endpoint_config_from_yaml_accepts_filename`.
#[test]
fn yaml_file_reads_like_the_official_example() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edge-config.yaml");
    std::fs::write(
        &file,
        format!(
            "global_config: {{}}\nedge_inference_configs:\n  default:\n    enabled: true\n\
             detectors:\n  - detector_id: {DET_1}\n    edge_inference_config: default\n"
        ),
    )
    .unwrap();
    let config = EdgeEndpointConfig::from_yaml_file(&file).unwrap();
    assert_eq!(config.detectors[0].detector_id, DET_1);
    assert_eq!(config.global_config, GlobalConfig::default());
    invalid(EdgeEndpointConfig::from_yaml_file(" "), "non-empty path");
    let missing = EdgeEndpointConfig::from_yaml_file(dir.path().join("nope.yaml")).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
}

#[test]
fn yaml_reads_values_as_pyyaml_and_pydantic_do() {
    // An empty document is the default configuration (`safe_load("") or {}`).
    assert_eq!(
        EdgeEndpointConfig::from_yaml("").unwrap(),
        EdgeEndpointConfig::default()
    );
    assert_eq!(
        EdgeEndpointConfig::from_yaml("# nothing\n").unwrap(),
        EdgeEndpointConfig::default()
    );
    // YAML 1.1 booleans, an integer rate, an unquoted `1e-5` (a string to PyYAML, a float to
    // pydantic), a quoted number, anchors and aliases.
    let config = EdgeEndpointConfig::from_yaml(&format!(
        "global_config:\n  refresh_rate: 15\n  confident_audit_rate: 1e-5\n\
         edge_inference_configs:\n  fast: &fast\n    enabled: yes\n    always_return_edge_prediction: on\n    \
         min_time_between_escalations: '0.5'\n\
         detectors:\n  - detector_id: {DET_1}\n    edge_inference_config: fast\n"
    ))
    .unwrap();
    assert_eq!(config.global_config.refresh_rate, 15.0);
    assert_eq!(config.global_config.confident_audit_rate, 1e-5);
    let fast = &config.edge_inference_configs["fast"];
    assert!(fast.enabled && fast.always_return_edge_prediction && !fast.disable_cloud_escalation);
    assert_eq!(fast.min_time_between_escalations, 0.5);
    let aliased = EdgeEndpointConfig::from_yaml(
        "edge_inference_configs:\n  a: &cfg\n    enabled: false\n  b: *cfg\n",
    )
    .unwrap();
    assert!(!aliased.edge_inference_configs["b"].enabled);
    assert_eq!(aliased.edge_inference_configs["b"].name, "b");
    // Unknown fields are ignored by the checks at every level (and kept).
    let extra = EdgeEndpointConfig::from_payload(json!({
        "global_config": {"refresh_rate": 15.0, "unknown_global_field": "ignored"},
        "edge_inference_configs": {"default": {"enabled": true, "unknown_inference_field": 42}},
        "detectors": [{"detector_id": DET_1, "edge_inference_config": "default", "unknown_detector_field": [1, 2]}],
        "unknown_top_level_field": true,
    }))
    .unwrap();
    assert_eq!(extra.global_config.refresh_rate, 15.0);
    assert_eq!(extra.to_payload()["unknown_top_level_field"], true);
}

#[test]
fn bad_yaml_is_invalid_input() {
    invalid(EdgeEndpointConfig::from_yaml("a: [1, 2"), "YAML");
    invalid(
        EdgeEndpointConfig::from_yaml("a: 1\n---\nb: 2\n"),
        "single document",
    );
    // PyYAML keeps the last of two equal keys; here it is an error (README, deliberate).
    invalid(
        EdgeEndpointConfig::from_yaml("global_config:\n  refresh_rate: 1\n  refresh_rate: 2\n"),
        "duplicated key",
    );
    invalid(
        EdgeEndpointConfig::from_yaml("- 1\n- 2\n"),
        "invalid edge configuration",
    );
    invalid(
        EdgeEndpointConfig::from_yaml("global_config:\n  refresh_rate: fast\n"),
        "expected a number",
    );
    invalid(
        EdgeEndpointConfig::from_yaml("edge_inference_configs:\n  d:\n    enabled: maybe\n"),
        "expected a boolean",
    );
    // A detector map instead of a list (`test_constructor_rejects_detector_map_input`).
    invalid(
        EdgeEndpointConfig::from_payload(json!({
            "edge_inference_configs": {"default": {"enabled": true}},
            "detectors": {DET_1: {"detector_id": DET_1, "edge_inference_config": "default"}},
        })),
        "invalid edge configuration",
    );
    // Each inference config must be an object.
    invalid(
        EdgeEndpointConfig::from_payload(json!({"edge_inference_configs": {"default": 1}})),
        "invalid edge configuration",
    );
}

/// The official validators: each rule, with the message it gives.
#[test]
fn validation_follows_the_official_rules() {
    let with = |payload: Value| EdgeEndpointConfig::from_payload(payload);
    // GlobalConfig: 0 < refresh_rate <= 86400, confident_audit_rate >= 0 (0 allowed).
    invalid(
        with(json!({"global_config": {"refresh_rate": 0}})),
        "refresh_rate",
    );
    invalid(
        with(json!({"global_config": {"refresh_rate": 86400.5}})),
        "refresh_rate",
    );
    assert!(with(json!({"global_config": {"refresh_rate": 86400}})).is_ok());
    invalid(
        with(json!({"global_config": {"confident_audit_rate": -0.1}})),
        "confident_audit_rate",
    );
    assert!(with(json!({"global_config": {"confident_audit_rate": 0.0}})).is_ok());
    // InferenceConfig: disable_cloud_escalation needs always_return_edge_prediction;
    // min_time_between_escalations > 0.
    invalid(
        with(json!({"edge_inference_configs": {"bad": {"disable_cloud_escalation": true}}})),
        "disable_cloud_escalation",
    );
    invalid(
        with(json!({"edge_inference_configs": {"bad": {
            "always_return_edge_prediction": true, "min_time_between_escalations": -1.0}}})),
        "min_time_between_escalations",
    );
    // A `name` inside the object must match the key; an empty name is refused.
    invalid(
        with(json!({"edge_inference_configs": {"default": {"name": "not_default"}}})),
        "must match its name",
    );
    invalid(
        with(json!({"edge_inference_configs": {"": {}}})),
        "non-empty name",
    );
    // DetectorConfig: the id pattern.
    for bad in [
        "det_1",
        "det_00000000000000000000000000_",
        "DET_000000000000000000000000001",
        "",
    ] {
        invalid(
            with(json!({"edge_inference_configs": {"default": {}},
                "detectors": [{"detector_id": bad, "edge_inference_config": "default"}]})),
            "is not a detector id",
        );
    }
    // Duplicates (listed, sorted) and undefined references.
    invalid(
        with(
            json!({"edge_inference_configs": {"default": {}}, "detectors": [
            {"detector_id": DET_2, "edge_inference_config": "default"},
            {"detector_id": DET_1, "edge_inference_config": "default"},
            {"detector_id": DET_2, "edge_inference_config": "default"},
            {"detector_id": DET_1, "edge_inference_config": "default"}]}),
        ),
        &format!("duplicate detector ids are not allowed: {DET_1}, {DET_2}"),
    );
    invalid(
        with(json!({"edge_inference_configs": {}, "detectors": [
            {"detector_id": DET_1, "edge_inference_config": "does_not_exist"}]})),
        "'does_not_exist' (of detector det_000000000000000000000000001) is not defined",
    );
    // The name comes from the key.
    let hydrated = with(
        json!({"edge_inference_configs": {"default": {"enabled": true}},
        "detectors": [{"detector_id": DET_1, "edge_inference_config": "default"}]}),
    )
    .unwrap();
    assert_eq!(hydrated.edge_inference_configs["default"].name, "default");
    // Struct-built values are checked the same way.
    let bad = InferenceConfig {
        disable_cloud_escalation: true,
        ..InferenceConfig::new("bad")
    };
    invalid(bad.validate(), "always_return_edge_prediction");
    let mut config = EdgeEndpointConfig::default();
    config.global_config.refresh_rate = f64::NAN;
    invalid(config.validate(), "refresh_rate");
}

#[test]
fn add_detector_errors_as_the_official_one_raises() {
    let mut config = DetectorsConfig::default();
    let custom = InferenceConfig {
        always_return_edge_prediction: true,
        min_time_between_escalations: 0.5,
        ..InferenceConfig::new("custom_config")
    };
    config.add_detector(DET_1, &custom).unwrap();
    // The same values under the same name: accepted, registered once.
    config.add_detector(DET_2, &custom.clone()).unwrap();
    assert_eq!(config.edge_inference_configs.len(), 1);
    invalid(
        config.add_detector(
            DET_3,
            &InferenceConfig {
                always_return_edge_prediction: false,
                ..custom.clone()
            },
        ),
        "different inference config named 'custom_config'",
    );
    invalid(config.add_detector(DET_1, &custom), "already exists");
    invalid(
        config.add_detector("det_short", &DEFAULT),
        "is not a detector id",
    );
    let bad = InferenceConfig {
        disable_cloud_escalation: true,
        ..InferenceConfig::new("bad")
    };
    invalid(config.add_detector(DET_3, &bad), "disable_cloud_escalation");
    assert_eq!(config.detectors.len(), 2, "failed adds change nothing");

    // A `Detector` value works as well as an id.
    let mut detector = Detector::default();
    detector.id = DET_3.to_owned();
    let mut endpoint = EdgeEndpointConfig::default();
    endpoint.add_detector(&detector, &DISABLED).unwrap();
    assert_eq!(endpoint.detectors[0].detector_id, DET_3);
    assert_eq!(endpoint.edge_inference_configs["disabled"], *DISABLED);
}

#[tokio::test]
async fn apply_config_sends_the_presets_payload() {
    let s = setup().await;
    Mock::given(method("PUT"))
        .and(path("/edge-config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&s.server)
        .await;
    s.gl.edge().apply_config(&presets_config()).await.unwrap();
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 1);
    assert_request(&reqs[0], "PUT", "/edge-config", &[]);
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(body_json(&reqs[0]), python_presets_payload());
}

#[tokio::test]
async fn an_invalid_configuration_is_refused_before_any_request() {
    let s = setup().await;
    let mut config = presets_config();
    config
        .detectors
        .push(groundlight::edge::DetectorConfig::new(DET_1, "default"));
    let err = s.gl.edge().apply_config(&config).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let err = s.gl.edge().set_config(config).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(requests(&s.server).await.is_empty());
}

#[tokio::test]
async fn get_config_checks_the_answer_as_from_payload_does() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/edge-config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "edge_inference_configs": {},
            "detectors": [{"detector_id": DET_1, "edge_inference_config": "missing"}],
        })))
        .mount(&s.server)
        .await;
    let err = s.gl.edge().get_config().await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert!(decode.source.to_string().contains("'missing'"), "{decode}");
}
