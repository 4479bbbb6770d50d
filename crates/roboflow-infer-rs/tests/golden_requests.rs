//! Every call against a recording mock, compared request by request with what the official
//! client sent in the same scenario (`shared/protocols/golden/roboflow/results.json`), and
//! every request checked against the pinned OpenAPI specs.

mod support;

use roboflow_infer::models::InferenceResponse;
use roboflow_infer::{
    ApiKeyTransport, ApiMode, Error, Image, InferenceConfiguration, ModelIdIn, ResponseFormat,
    UrlInputPolicy,
};
use serde_json::{Value, json};
use support::{Mocked, Script, assert_golden, detection, golden, jpeg, registry};

fn scenario(key: &str) -> Option<Value> {
    let scenario = golden("results.json")?[key].clone();
    assert!(!scenario.is_null(), "results.json has no scenario `{key}`");
    Some(scenario)
}

fn od_registry() -> Value {
    registry(&[("some-project/3", "object-detection", Some(640))])
}

fn v1_infer_script(registry_body: Value, add: Option<Value>, route: &str) -> Script {
    let script = Script::new().json("GET", "/model/registry", 200, registry_body);
    let script = match add {
        Some(added) => script.json("POST", "/model/add", 200, added),
        None => script,
    };
    script.json("POST", route, 200, detection())
}

#[tokio::test]
async fn v1_infer_numpy_default() {
    let Some(g) = scenario("v1_infer_numpy_default") else {
        return;
    };
    let mock = Mocked::start(v1_infer_script(
        registry(&[]),
        Some(od_registry()),
        "/infer/object_detection",
    ))
    .await;
    let result = mock
        .client()
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert_golden("v1_infer_numpy_default", &mock.requests(), &g);
    assert_eq!(serde_json::to_value(&result).unwrap(), g["returned"]);
}

#[cfg(feature = "image")]
#[tokio::test]
async fn v1_infer_cfg_and_client_resize() {
    let Some(g) = scenario("v1_infer_cfg_and_client_resize") else {
        return;
    };
    let mock = Mocked::start(v1_infer_script(
        od_registry(),
        None,
        "/infer/object_detection",
    ))
    .await;
    let big = image::DynamicImage::new_rgb8(2000, 1500);
    let config = InferenceConfiguration::new()
        .disable_preproc_auto_orientation(true)
        .class_filter(["dog"])
        .confidence_threshold(0.5)
        .iou_threshold(0.4)
        .max_detections(10)
        .source("rust-probe")
        .client_downsizing_disabled(false);
    let result = mock
        .client()
        .infer("some-project/3", Image::from_dynamic_image(big))
        .configuration(config)
        .await
        .unwrap();
    assert_golden("v1_infer_cfg_and_client_resize", &mock.requests(), &g);
    // Sent as 640×480, the answer rescaled back by 1 / 0.32.
    assert_eq!(serde_json::to_value(&result).unwrap(), g["returned"]);
}

#[tokio::test]
async fn v1_infer_batch_3imgs_max_batch_2() {
    let Some(g) = scenario("v1_infer_batch_3imgs_max_batch_2") else {
        return;
    };
    let script = Script::new()
        .json("GET", "/model/registry", 200, od_registry())
        .sequence(
            "POST",
            "/infer/object_detection",
            vec![(200, json!([detection(), detection()])), (200, detection())],
        );
    let mock = Mocked::start(script).await;
    let images = [jpeg(), jpeg(), jpeg()];
    let results = mock
        .client()
        .infer_many("some-project/3", images.map(Image::from_bytes))
        .max_batch_size(2)
        .await
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_golden("v1_infer_batch_3imgs_max_batch_2", &mock.requests(), &g);
}

#[tokio::test]
async fn v1_infer_seg_model() {
    let Some(g) = scenario("v1_infer_seg_model") else {
        return;
    };
    let seg = json!({"image": {"width": 640, "height": 480}, "predictions": [
        {"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0, "confidence": 0.5, "class": "a", "class_id": 0,
         "detection_id": "s1", "points": [{"x": 1.0, "y": 1.0}]}]});
    let script = Script::new()
        .json("GET", "/model/registry", 200, registry(&[]))
        .json(
            "POST",
            "/model/add",
            200,
            registry(&[("other-seg/1", "instance-segmentation", Some(640))]),
        )
        .json("POST", "/infer/instance_segmentation", 200, seg);
    let mock = Mocked::start(script).await;
    let result = mock
        .client()
        .infer("other-seg/1", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert!(result.as_instance_segmentation().is_some());
    assert_golden("v1_infer_seg_model", &mock.requests(), &g);
}

#[tokio::test]
async fn v1_infer_alias() {
    let Some(g) = scenario("v1_infer_alias") else {
        return;
    };
    let added = registry(&[("coco/3", "object-detection", Some(640))]);
    let mock = Mocked::start(v1_infer_script(
        registry(&[]),
        Some(added),
        "/infer/object_detection",
    ))
    .await;
    mock.client()
        .infer("yolov8n-640", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert_golden("v1_infer_alias", &mock.requests(), &g);
}

#[tokio::test]
async fn v1_infer_url_image_is_fetched_client_side() {
    let Some(g) = scenario("v1_infer_url_image") else {
        return;
    };
    let script = v1_infer_script(od_registry(), None, "/infer/object_detection").raw(
        "GET",
        "/img.jpg",
        200,
        "image/jpeg",
        jpeg(),
    );
    let mock = Mocked::start(script).await;
    let url = format!("{}/img.jpg", mock.url());
    // The default policy refuses a plain-http loopback URL before fetching it…
    let err = mock
        .client()
        .infer("some-project/3", Image::from_url(&url))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UrlInputNotAllowed(_)), "{err}");
    let before = mock.requests().len();
    // …a test policy allows it.
    let client = mock
        .builder()
        .url_input_policy(
            UrlInputPolicy::default()
                .allow_non_https(true)
                .allow_non_global_addresses(true),
        )
        .build()
        .unwrap();
    client
        .infer("some-project/3", Image::from_url(&url))
        .await
        .unwrap();
    let requests = mock.requests();
    // The refused attempt asked the registry only.
    assert_eq!(before, 1);
    assert_golden("v1_infer_url_image", &requests[before..], &g);
}

#[tokio::test]
async fn v1_infer_transports() {
    for (key, transport) in [
        ("v1_infer_header_transport", ApiKeyTransport::Header),
        ("v1_infer_both_transport", ApiKeyTransport::Both),
    ] {
        let Some(g) = scenario(key) else { return };
        let mock = Mocked::start(v1_infer_script(
            od_registry(),
            None,
            "/infer/object_detection",
        ))
        .await;
        let client = mock.builder().api_key_transport(transport).build().unwrap();
        client
            .infer("some-project/3", Image::from_bytes(jpeg()))
            .await
            .unwrap();
        assert_golden(key, &mock.requests(), &g);
    }
}

#[tokio::test]
async fn v1_infer_count_inference_false() {
    let Some(g) = scenario("v1_infer_count_inference_false") else {
        return;
    };
    let mock = Mocked::start(v1_infer_script(
        od_registry(),
        None,
        "/infer/object_detection",
    ))
    .await;
    let config = InferenceConfiguration::new()
        .count_inference(false)
        .service_secret("s3cr3t");
    mock.client()
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .configuration(config)
        .await
        .unwrap();
    assert_golden("v1_infer_count_inference_false", &mock.requests(), &g);
}

fn v0_mock() -> Script {
    Script::new().json("POST", "/some-project/3", 200, detection())
}

#[tokio::test]
async fn v0_infer_path_cfg_and_list() {
    let Some(g) = scenario("v0_infer_path") else {
        return;
    };
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let result = client
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert_golden("v0_infer_path", &mock.requests(), &g);
    assert_eq!(serde_json::to_value(&result).unwrap(), g["returned"]);

    let Some(g) = scenario("v0_infer_cfg") else {
        return;
    };
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let config = InferenceConfiguration::new()
        .confidence_threshold(0.5)
        .format(ResponseFormat::Json)
        .visualize_labels(true)
        .max_detections(10)
        .iou_threshold(0.4)
        .stroke_width(2);
    client
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .configuration(config)
        .await
        .unwrap();
    assert_golden("v0_infer_cfg", &mock.requests(), &g);

    let Some(g) = scenario("v0_infer_list_2") else {
        return;
    };
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let results = client
        .infer_many("some-project/3", [jpeg(), jpeg()].map(Image::from_bytes))
        .max_concurrent_requests(2)
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    assert_golden("v0_infer_list_2", &mock.requests(), &g);

    let Some(g) = scenario("v0_infer_header_transport") else {
        return;
    };
    let mock = Mocked::start(v0_mock()).await;
    let client = mock
        .builder()
        .mode(ApiMode::V0)
        .api_key_transport(ApiKeyTransport::Header)
        .build()
        .unwrap();
    client
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert_golden("v0_infer_header_transport", &mock.requests(), &g);
}

/// `results.json: v0_infer_numpy_client_resize`: a 2000×1500 array on v0 with client
/// downsizing on: sent at the `default_max_input_size` bound (1024×768, ratio 0.512), the
/// answer (the mock's fixed 640×480 detection) rescaled by 1 / 0.512.
#[cfg(feature = "image")]
#[tokio::test]
async fn v0_infer_numpy_client_resize() {
    let Some(g) = scenario("v0_infer_numpy_client_resize") else {
        return;
    };
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let big = image::DynamicImage::new_rgb8(2000, 1500);
    let result = client
        .infer("some-project/3", Image::from_dynamic_image(big))
        .client_downsizing(true)
        .await
        .unwrap();
    let requests = mock.requests();
    assert_golden("v0_infer_numpy_client_resize", &requests, &g);
    let sent =
        roboflow_infer::models::decode_base64(std::str::from_utf8(&requests[0].body).unwrap())
            .unwrap();
    assert_eq!(
        roboflow_infer::testing::image_size(&sent),
        Some((1024, 768))
    );
    assert_eq!(serde_json::to_value(&result).unwrap(), g["returned"]);
}

/// `results.json: v1_infer_async`: the official `infer_async` (aiohttp) with the model in the
/// registry: the registry, then the inference. Every call here is async; several at once
/// send the same requests each.
#[tokio::test]
async fn v1_infer_async() {
    let Some(g) = scenario("v1_infer_async") else {
        return;
    };
    let mock = Mocked::start(v1_infer_script(
        od_registry(),
        None,
        "/infer/object_detection",
    ))
    .await;
    let result = mock
        .client()
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert_golden("v1_infer_async", &mock.requests(), &g);
    assert_eq!(serde_json::to_value(&result).unwrap(), g["returned"]);

    // Three calls spawned at once, on clients without the description cache (the official
    // client asks the registry on every call): each pair of requests is the golden one.
    let mock = Mocked::start(v1_infer_script(
        od_registry(),
        None,
        "/infer/object_detection",
    ))
    .await;
    let client = mock
        .builder()
        .model_description_cache(false)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn(
                client
                    .infer("some-project/3", Image::from_bytes(jpeg()))
                    .into_future(),
            )
        })
        .collect();
    for call in calls {
        let result = call.await.unwrap().unwrap();
        assert_eq!(serde_json::to_value(&result).unwrap(), g["returned"]);
    }
    let requests = mock.requests();
    let (registry, infers): (Vec<_>, Vec<_>) = requests
        .into_iter()
        .partition(|r| r.path == "/model/registry");
    assert_eq!((registry.len(), infers.len()), (3, 3));
    for (r, i) in registry.into_iter().zip(infers) {
        assert_golden("v1_infer_async", &[r, i], &g);
    }
}

#[tokio::test]
async fn v0_local_errors_send_nothing() {
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    // `results.json: v0_infer_bad_model_id`
    let err = client
        .infer("no-version", Image::from_bytes(jpeg()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidModelIdentifier(_)), "{err}");
    // `results.json: v0_infer_no_api_key`: refused at build.
    let err = roboflow_infer::InferenceClient::builder()
        .api_url(mock.url())
        .mode(ApiMode::V0)
        .env_lookup(|_| None)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Credential(_)), "{err}");
    // `results.json: v0_get_model_description_wrong_mode`
    let err = client.get_model_description("a/1", true).await.unwrap_err();
    assert!(matches!(err, Error::WrongClientMode { .. }), "{err}");
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn v0_format_image_returns_the_visualisation() {
    let mock =
        Mocked::start(Script::new().raw("POST", "/some-project/3", 200, "image/jpeg", jpeg()))
            .await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let result = client
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .format(ResponseFormat::Image)
        .await
        .unwrap();
    match result {
        InferenceResponse::Visualization(v) => {
            assert_eq!(v.bytes, jpeg());
            assert_eq!(v.content_type, "image/jpeg");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        mock.requests()[0]
            .query
            .iter()
            .find(|(k, _)| k == "format")
            .unwrap()
            .1,
        "image"
    );
}

#[tokio::test]
async fn v0_server_fetched_urls_and_the_get_form() {
    let mock = Mocked::start(
        Script::new()
            .json("POST", "/some-project/3", 200, detection())
            .json("GET", "/some-project/3", 200, detection()),
    )
    .await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let url = "https://example.com/dog.jpg";
    client
        .infer("some-project/3", Image::server_url(url))
        .await
        .unwrap();
    client
        .infer("some-project/3", Image::server_url(url))
        .http_get(true)
        .await
        .unwrap();
    let requests = mock.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[1].method, "GET");
    for r in &requests {
        assert!(
            r.query.contains(&("image".into(), url.into())),
            "{:?}",
            r.query
        );
        assert!(r.body.is_empty());
        support::spec::validate(r).unwrap_or_else(|e| panic!("{e}"));
    }
    // The GET form takes only server-fetched URLs.
    let err = client
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .http_get(true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
}

#[tokio::test]
async fn workflows() {
    let outputs = json!({"outputs": [{"count": 1}]});
    let Some(g) = scenario("workflow_named") else {
        return;
    };
    let mock =
        Mocked::start(Script::new().json("POST", "/my-ws/workflows/my-flow", 200, outputs.clone()))
            .await;
    mock.client()
        .run_workflow("my-ws", "my-flow")
        .image("image", Image::from_bytes(jpeg()))
        .parameter("confidence", 0.3)
        .excluded_fields(["viz"])
        .workflow_version_id("5")
        .await
        .unwrap();
    assert_golden("workflow_named", &mock.requests(), &g);

    let Some(g) = scenario("workflow_spec_batch") else {
        return;
    };
    let mock =
        Mocked::start(Script::new().json("POST", "/workflows/run", 200, outputs.clone())).await;
    let spec = json!({"version": "1.0", "inputs": [], "steps": [], "outputs": []});
    mock.client()
        .run_workflow_specification(spec)
        .images("image", [jpeg(), jpeg()].map(Image::from_bytes))
        .use_cache(false)
        .disable_sinks(true)
        .await
        .unwrap();
    assert_golden("workflow_spec_batch", &mock.requests(), &g);

    let Some(g) = scenario("workflow_legacy_infer_from_workflow") else {
        return;
    };
    let mock = Mocked::start(Script::new().json(
        "POST",
        "/infer/workflows/my-ws/my-flow",
        200,
        outputs.clone(),
    ))
    .await;
    #[allow(deprecated)]
    let call = mock.client().infer_from_workflow("my-ws", "my-flow");
    call.image("image", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert_golden("workflow_legacy_infer_from_workflow", &mock.requests(), &g);

    let Some(g) = scenario("workflow_header_transport") else {
        return;
    };
    let mock =
        Mocked::start(Script::new().json("POST", "/my-ws/workflows/my-flow", 200, outputs)).await;
    let client = mock
        .builder()
        .api_key_transport(ApiKeyTransport::Header)
        .build()
        .unwrap();
    client
        .run_workflow("my-ws", "my-flow")
        .image("image", Image::from_bytes(jpeg()))
        .await
        .unwrap();
    assert_golden("workflow_header_transport", &mock.requests(), &g);
}

#[tokio::test]
async fn error_bodies_and_retries() {
    let Some(g) = scenario("err_v1_500_json_message") else {
        return;
    };
    let mock = Mocked::start(Script::new().json(
        "GET",
        "/info",
        500,
        json!({"message": "boom", "inner_error_message": "deep"}),
    ))
    .await;
    let err = mock.client().get_server_info().await.unwrap_err();
    assert_eq!(err.api_message().as_deref(), g["api_message"].as_str());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_golden("err_v1_500_json_message", &mock.requests(), &g);

    for (key, answers, attempts, ok) in [
        (
            "err_v0_404_json_detail",
            vec![(404, json!({"detail": "Not Found"}))],
            1,
            false,
        ),
        (
            "err_v0_400_plain",
            vec![(400, json!("plain text error"))],
            1,
            false,
        ),
        (
            "err_v0_503_x3",
            vec![(503, json!({"message": "busy"}))],
            3,
            false,
        ),
        (
            "err_v0_503_x2_then_ok",
            vec![
                (503, json!({"message": "busy"})),
                (503, json!({"message": "busy"})),
                (200, detection()),
            ],
            3,
            true,
        ),
        (
            "err_v0_429_x1_then_ok",
            vec![(429, json!({"message": "slow down"})), (200, detection())],
            2,
            true,
        ),
        (
            "err_v0_502_no_retry",
            vec![(502, json!({"message": "bad gw"}))],
            1,
            false,
        ),
    ] {
        let Some(g) = scenario(key) else { return };
        let mock = Mocked::start(Script::new().sequence("POST", "/a/1", answers)).await;
        let client = mock.builder().mode(ApiMode::V0).build().unwrap();
        let result = client.infer("a/1", Image::from_bytes(jpeg())).await;
        assert_eq!(mock.requests().len(), attempts, "{key}");
        assert_eq!(result.is_ok(), ok, "{key}: {result:?}");
        if let Err(err) = result {
            assert_eq!(
                err.api_message().as_deref(),
                g["api_message"].as_str(),
                "{key}"
            );
            assert_eq!(
                err.status().map(|s| i64::from(s.as_u16())),
                g["status_code"].as_i64(),
                "{key}"
            );
            assert!(!err.to_string().contains(support::KEY), "{key}: {err}");
        }
        assert_golden(key, &mock.requests(), &g);
    }

    for (key, answers, attempts) in [
        (
            "err_workflow_503_x3",
            vec![(503, json!({"message": "busy"}))],
            3,
        ),
        (
            "err_workflow_504_x1_then_ok",
            vec![
                (504, json!({"message": "late"})),
                (200, json!({"outputs": []})),
            ],
            2,
        ),
    ] {
        let Some(g) = scenario(key) else { return };
        let mock = Mocked::start(Script::new().sequence("POST", "/w/workflows/f", answers)).await;
        let _ = mock
            .client()
            .run_workflow("w", "f")
            .image("image", Image::from_bytes(jpeg()))
            .await;
        assert_eq!(mock.requests().len(), attempts, "{key}");
        assert_golden(key, &mock.requests(), &g);
    }
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let client = roboflow_infer::InferenceClient::builder()
        .api_url("http://127.0.0.1:9")
        .env_lookup(|_| None)
        .clock(std::sync::Arc::new(vision_sdk_common::ManualClock::new()))
        .build()
        .unwrap();
    let err = client.get_server_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Http(vision_sdk_common::HttpError::Connect { .. })
        ),
        "{err}"
    );
}

#[tokio::test]
async fn registry_and_server_info() {
    for (key, op) in [
        ("get_server_info", 0),
        ("list_loaded_models", 1),
        ("load_model", 2),
        ("unload_model", 3),
        ("unload_all_models", 4),
    ] {
        let Some(g) = scenario(key) else { return };
        let mock = Mocked::start(registry_script()).await;
        let client = mock.client();
        match op {
            0 => assert_eq!(client.get_server_info().await.unwrap().version, "1.8.3"),
            1 => assert_eq!(client.list_loaded_models().await.unwrap().models.len(), 1),
            2 => assert!(
                client
                    .load_model("some-project/3")
                    .await
                    .unwrap()
                    .find("some-project/3")
                    .is_some()
            ),
            3 => assert!(
                client
                    .unload_model("some-project/3")
                    .await
                    .unwrap()
                    .models
                    .is_empty()
            ),
            _ => assert!(client.unload_all_models().await.unwrap().models.is_empty()),
        }
        assert_golden(key, &mock.requests(), &g);
    }
}

fn registry_script() -> Script {
    let reg = od_registry();
    Script::new()
        .json(
            "GET",
            "/info",
            200,
            json!({"name": "Roboflow Inference Server", "version": "1.8.3", "uuid": "u1"}),
        )
        .json("GET", "/model/registry", 200, reg.clone())
        .json("POST", "/model/add", 200, reg)
        .json("POST", "/model/remove", 200, registry(&[]))
        .json("POST", "/model/clear", 200, registry(&[]))
}

#[tokio::test]
async fn core_models() {
    let embeddings = json!({"frame_id": null, "time": 0.01, "embeddings": [[0.1, 0.2, 0.3]]});
    let script = Script::new()
        .json("POST", "/clip/embed_image", 200, embeddings.clone())
        .json("POST", "/clip/embed_text", 200, embeddings)
        .json("POST", "/clip/compare", 200, json!({"similarity": [0.9, 0.1], "time": 0.01}))
        .json("POST", "/doctr/ocr", 200, json!({"result": "hello", "time": 0.1}))
        .json("POST", "/ocr/trocr", 200, json!({"result": "hello", "time": 0.1}))
        .json("POST", "/yolo_world/infer", 200, detection())
        .json("POST", "/sam2/segment_image", 200, json!({"predictions": [{"masks": [[[1.0, 2.0], [3.0, 4.0]]], "confidence": 0.9}], "time": 0.1}))
        .json("POST", "/sam3/concept_segment", 200, json!({"prompt_results": [{"prompt_index": 0, "echo": {"prompt_index": 0, "type": "text", "text": "dog"}, "predictions": []}], "time": 0.1}))
        .json("POST", "/infer/lmm", 200, json!({"response": "a dog", "time": 0.1}))
        .json("POST", "/infer/depth-estimation", 200, json!({"normalized_depth": "iVBORw0KGgo=", "depth_map_format": "png16", "time": 0.1}))
        .json("POST", "/infer/embeddings", 200, json!({"embeddings": [[0.5]], "embedding_info": {"model_id": "resnet18", "dimension": 1, "space_id": "s"}, "time": 0.1}))
        .json("GET", "/inference_pipelines/list", 200, json!({"pipelines": []}));
    let mock = Mocked::start(script).await;
    let c = mock.client();
    let img = || Image::from_bytes(jpeg());
    let mut done = Vec::new();
    macro_rules! check {
        ($key:literal, $call:expr) => {{
            let before = mock.requests().len();
            $call.await.unwrap();
            if let Some(g) = scenario($key) {
                assert_golden($key, &mock.requests()[before..], &g);
            }
            done.push($key);
        }};
    }
    check!(
        "v1_clip_image",
        c.clip_image_embeddings(img()).clip_version_id("ViT-B-16")
    );
    check!(
        "v1_clip_text",
        c.clip_text_embeddings(vec!["a dog", "a cat"])
    );
    check!("v1_clip_compare", c.clip_compare(img(), vec!["dog", "cat"]));
    check!("v1_ocr_doctr", c.ocr_doctr(img()));
    check!(
        "v1_ocr_trocr",
        c.ocr_trocr(img()).trocr_version_id("trocr-small-printed")
    );
    check!(
        "v1_yolo_world",
        c.yolo_world(img(), ["dog"]).confidence(0.2)
    );
    check!(
        "v1_sam2",
        c.sam2_segment_image(
            img(),
            json!([{"points": [{"x": 1, "y": 2, "positive": true}]}])
        )
    );
    check!("v1_sam3_concept", c.sam3_concept_segment(img(), ["dog"]));
    check!(
        "v1_lmm",
        c.infer_lmm(img(), "florence-2-base").prompt("<CAPTION>")
    );
    check!(
        "v1_depth",
        c.depth_estimation(img())
            .depth_map_format(roboflow_infer::models::DepthMapFormat::Png16)
    );
    check!(
        "v1_image_embeddings",
        c.get_image_embeddings("resnet18", img())
    );
    check!("v1_pipeline_list", c.list_inference_pipelines());
    assert_eq!(done.len(), 12);

    // v0: the key in the query, not in the body (`results.json: v0_clip_text`).
    let Some(g) = scenario("v0_clip_text") else {
        return;
    };
    let mock = Mocked::start(Script::new().json(
        "POST",
        "/clip/embed_text",
        200,
        json!({"embeddings": [[0.1]]}),
    ))
    .await;
    let v0 = mock.builder().mode(ApiMode::V0).build().unwrap();
    v0.clip_text_embeddings("a dog").await.unwrap();
    assert_golden("v0_clip_text", &mock.requests(), &g);
}

#[tokio::test]
async fn lmm_and_depth_with_the_model_in_the_path() {
    let mock = Mocked::start(
        Script::new()
            .json(
                "POST",
                "/infer/lmm/*",
                200,
                json!({"response": {"<OD>": {"bboxes": []}}}),
            )
            .json(
                "POST",
                "/infer/depth-estimation/*",
                200,
                json!({"normalized_depth": [[0.5]]}),
            ),
    )
    .await;
    let c = mock.client();
    let r = c
        .infer_lmm_with(
            Image::from_bytes(jpeg()),
            "florence-2-base/1",
            ModelIdIn::Path,
        )
        .await
        .unwrap();
    assert!(r.response.as_text().is_none());
    c.depth_estimation_with(
        Image::from_bytes(jpeg()),
        "depth-anything-v3/small",
        ModelIdIn::Path,
    )
    .await
    .unwrap();
    let requests = mock.requests();
    assert_eq!(requests[0].path, "/infer/lmm/florence-2-base/1");
    assert_eq!(
        requests[1].path,
        "/infer/depth-estimation/depth-anything-v3/small"
    );
    for r in &requests {
        support::spec::validate(r).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test]
async fn gaze_is_deprecated_without_a_request() {
    let mock = Mocked::start(Script::new()).await;
    let err = mock
        .client()
        .detect_gazes(Image::from_bytes(jpeg()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::FeatureDeprecated(_)), "{err}");
    assert!(mock.requests().is_empty());
}

/// The calls without an official capture: each request's route, key placement and body
/// checked against the pinned specs.
#[tokio::test]
async fn every_other_call_matches_the_specs() {
    let od = detection();
    let sam_pred = json!({"predictions": [{"masks": [[[1.0, 2.0]]], "confidence": 0.9}]});
    let script = Script::new()
        .json("GET", "/healthz", 200, json!({"status": "healthy"}))
        .json("GET", "/readiness", 200, json!({"status": "ready"}))
        .raw("GET", "/metrics", 200, "text/plain", b"# HELP x\nx 1\n".to_vec())
        .json("GET", "/logs", 200, json!({"logs": []}))
        .json("GET", "/device/stats", 200, json!({"cpu": 1}))
        .json("GET", "/model/registry", 200, od_registry())
        .json("GET", "/start/some-project/3", 200, json!({"status": "ok"}))
        .json("GET", "/clear_cache", 200, json!("Cache cleared"))
        .json("POST", "/my-ws/workflows/my-flow/describe_interface", 200, json!({"inputs": {}, "outputs": {}, "typing_hints": {}, "kinds_schemas": {}}))
        .json("POST", "/workflows/describe_interface", 200, json!({"inputs": {"image": ["image"]}, "outputs": {}, "typing_hints": {}, "kinds_schemas": {}}))
        .json("POST", "/my-ws/workflows/my-flow/describe_workload", 200, json!({}))
        .json("POST", "/workflows/describe_workload", 200, json!({}))
        .json("POST", "/workflows/validate", 200, json!({"status": "ok"}))
        .json("POST", "/workflows/run", 200, json!({"outputs": [], "python_blocks_output_streams": {"step": "printed"}}))
        .json("GET", "/workflows/blocks/describe", 200, json!({"blocks": []}))
        .json("POST", "/workflows/blocks/describe", 200, json!({"blocks": []}))
        .json("GET", "/workflows/execution_engine/versions", 200, json!({"versions": ["1.0.0"]}))
        .json("GET", "/workflows/definition/schema", 200, json!({"schema": {}}))
        .json("POST", "/workflows/blocks/dynamic_outputs", 200, json!([]))
        .json("POST", "/easy_ocr/ocr", 200, json!({"result": "x"}))
        .json("POST", "/ocr/pp-ocr", 200, json!({"result": "x"}))
        .json("POST", "/perception_encoder/embed_image", 200, json!({"embeddings": [[0.1]]}))
        .json("POST", "/perception_encoder/embed_text", 200, json!({"embeddings": [[0.1]]}))
        .json("POST", "/perception_encoder/compare", 200, json!({"similarity": [0.5]}))
        .json("POST", "/grounding_dino/infer", 200, od.clone())
        .json("POST", "/owlv2/infer", 200, od)
        .json("POST", "/sam/embed_image", 200, json!({"embeddings": [[0.1]]}))
        .json("POST", "/sam/segment_image", 200, json!({"masks": [], "low_res_masks": []}))
        .json("POST", "/sam2/embed_image", 200, json!({"image_id": "i1"}))
        .json("POST", "/sam3/embed_image", 200, json!({"image_id": "i1"}))
        .json("POST", "/sam3/visual_segment", 200, sam_pred)
        .json("POST", "/sam3_3d/infer", 200, json!({"meshes": []}))
        .json("POST", "/inference_pipelines/initialise", 200, json!({"context": {"pipeline_id": "p1"}}))
        .json("GET", "/inference_pipelines/p1/status", 200, json!({"status": "ok"}))
        .json("POST", "/inference_pipelines/p1/pause", 200, json!({"status": "ok"}))
        .json("POST", "/inference_pipelines/p1/resume", 200, json!({"status": "ok"}))
        .json("POST", "/inference_pipelines/p1/terminate", 200, json!({"status": "ok"}))
        .json("GET", "/inference_pipelines/p1/consume", 200, json!({"outputs": []}));
    let mock = Mocked::start(script).await;
    let c = mock.client();
    let img = || Image::from_bytes(jpeg());
    let spec = json!({"version": "1.0", "inputs": [], "steps": [], "outputs": []});
    c.healthz().await.unwrap();
    c.readiness().await.unwrap();
    assert!(c.metrics().await.unwrap().contains("x 1"));
    c.logs().limit(10).level("INFO").await.unwrap();
    c.device_stats().await.unwrap();
    assert_eq!(
        c.get_model_description("some-project/3", false)
            .await
            .unwrap()
            .model_id,
        "some-project/3"
    );
    c.start_model_legacy("some-project/3").await.unwrap();
    assert_eq!(c.clear_cache_legacy().await.unwrap(), "Cache cleared");
    c.describe_workflow_interface("my-ws", "my-flow")
        .workflow_version_id("2")
        .interface()
        .await
        .unwrap();
    c.describe_workflow_specification_interface(spec.clone())
        .interface()
        .await
        .unwrap();
    c.describe_workload("my-ws", "my-flow").await.unwrap();
    let debugged = c
        .run_workflow_specification(spec.clone())
        .debug(true)
        .await
        .unwrap();
    assert_eq!(
        debugged.python_blocks_output_streams,
        Some(json!({"step": "printed"}))
    );
    assert_eq!(
        mock.requests().last().unwrap().json().unwrap()["debug"],
        true
    );
    c.describe_specification_workload(spec.clone())
        .await
        .unwrap();
    assert_eq!(c.validate_workflow(&spec).await.unwrap().status, "ok");
    c.describe_blocks().await.unwrap();
    c.describe_blocks_with(None, Some("1.0.0")).await.unwrap();
    let before = mock.requests().len();
    c.describe_blocks().air_gapped(true).await.unwrap();
    c.describe_blocks_with(None, None)
        .air_gapped(false)
        .await
        .unwrap();
    let air: Vec<_> = mock.requests()[before..]
        .iter()
        .map(|r| (r.method.clone(), r.query.clone()))
        .collect();
    assert_eq!(
        air,
        [
            (
                "GET".to_owned(),
                vec![("air_gapped".to_owned(), "true".to_owned())]
            ),
            (
                "POST".to_owned(),
                vec![("air_gapped".to_owned(), "false".to_owned())]
            ),
        ]
    );
    c.execution_engine_versions().await.unwrap();
    c.workflow_definition_schema().await.unwrap();
    c.workflow_block_dynamic_outputs(&json!({"type": "x", "name": "s"}))
        .await
        .unwrap();
    c.ocr_easy_ocr(img())
        .language_codes(vec!["en".into()])
        .quantize(true)
        .await
        .unwrap();
    c.ocr_pp_ocr(img()).await.unwrap();
    c.ocr_image(img(), "doctr").unwrap().await.ok();
    assert!(c.ocr_image(img(), "tesseract").is_err());
    c.perception_encoder_image_embeddings(img()).await.unwrap();
    c.perception_encoder_text_embeddings("a dog").await.unwrap();
    c.perception_encoder_compare(img(), vec!["dog"])
        .await
        .unwrap();
    c.grounding_dino(img(), ["dog"])
        .box_threshold(0.3)
        .await
        .unwrap();
    c.owlv2(img(), json!([])).confidence(0.5).await.unwrap();
    c.sam_embed_image(img())
        .sam_version_id("vit_b")
        .await
        .unwrap();
    c.sam_segment_image(img())
        .point_coords(json!([[1, 2]]))
        .point_labels(json!([1]))
        .await
        .unwrap();
    c.sam_segment_image(img())
        .embeddings(json!([[0.1]]))
        .embeddings_format("json")
        .orig_im_size(json!([480, 640]))
        .has_mask_input(true)
        .mask_input(json!([[0.0]]))
        .mask_input_format("json")
        .use_mask_input_cache(false)
        .await
        .unwrap();
    c.sam2_embed_image(img()).await.unwrap();
    c.sam3_embed_image(img()).await.unwrap();
    c.sam3_visual_segment(
        img(),
        json!([{"box": {"x": 1, "y": 1, "width": 2, "height": 2}}]),
    )
    .await
    .unwrap();
    c.sam3_3d_infer(img(), json!([[0, 0]])).await.unwrap();
    c.start_inference_pipeline_with_workflow("rtsp://cam/1", "my-ws", "my-flow")
        .max_fps(5.0)
        .await
        .unwrap();
    c.get_inference_pipeline_status("p1").await.unwrap();
    c.pause_inference_pipeline("p1").await.unwrap();
    c.resume_inference_pipeline("p1").await.unwrap();
    c.terminate_inference_pipeline("p1").await.unwrap();
    c.consume_inference_pipeline_result("p1")
        .excluded_fields(["viz"])
        .await
        .unwrap();
    let requests = mock.requests();
    assert!(requests.len() >= 38, "{}", requests.len());
    for r in &requests {
        support::spec::validate(r).unwrap_or_else(|e| panic!("{e}"));
        // Where the key goes: in the query for registry, validate and the legacy start; nowhere
        // for server info and model removal; the body otherwise.
        let in_query = r.query.iter().any(|(k, _)| k == "api_key");
        let in_body = r.json().is_ok_and(|b| b.get("api_key").is_some());
        let expected_query = matches!(
            r.path.as_str(),
            "/model/registry" | "/workflows/validate" | "/start/some-project/3"
        );
        let keyless = matches!(
            r.path.as_str(),
            "/healthz"
                | "/readiness"
                | "/metrics"
                | "/logs"
                | "/device/stats"
                | "/clear_cache"
                | "/workflows/execution_engine/versions"
                | "/workflows/definition/schema"
                | "/workflows/blocks/dynamic_outputs"
        ) || (r.method == "GET" && r.path == "/workflows/blocks/describe");
        assert_eq!(in_query, expected_query, "{} {}", r.method, r.path);
        assert_eq!(
            in_body,
            !expected_query && !keyless,
            "{} {}",
            r.method,
            r.path
        );
    }
}

#[tokio::test]
async fn infer_on_video_both_styles() {
    let timeline = json!({"timeline": [{"start_frame_idx": 0, "end_frame_idx": 8, "class": "run", "class_id": 1, "confidence": 0.8}],
                          "source_fps": 30.0, "frame_count": 9, "windows_classified": 1});
    let script = Script::new()
        .json(
            "GET",
            "/model/registry",
            200,
            registry(&[("act/1", "action-recognition", None)]),
        )
        .json("POST", "/infer/action_recognition", 200, timeline.clone())
        .json("POST", "/act/1", 200, timeline);
    let mock = Mocked::start(script).await;
    let video = || {
        roboflow_infer::Video::from_bytes(
            b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec(),
        )
    };
    let r = mock
        .client()
        .infer_on_video("act/1", video())
        .class_filter(["run"])
        .await
        .unwrap();
    assert!(
        matches!(r, InferenceResponse::ActionRecognition(_)),
        "{r:?}"
    );
    let v0 = mock.builder().mode(ApiMode::V0).build().unwrap();
    let r = v0
        .infer_on_video(
            "act/1",
            roboflow_infer::Video::server_url("https://example.com/a.mp4"),
        )
        .await
        .unwrap();
    assert!(
        matches!(r, InferenceResponse::ActionRecognition(_)),
        "{r:?}"
    );
    let requests = mock.requests();
    let v1 = &requests[1];
    let body = v1.json().unwrap();
    assert_eq!(body["video"]["type"], "base64");
    assert_eq!(body["class_filter"], json!(["run"]));
    assert_eq!(body["api_key"], support::KEY);
    let v0 = &requests[2];
    assert!(
        v0.query
            .contains(&("image".into(), "https://example.com/a.mp4".into()))
    );
    assert_eq!(
        v0.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    for r in &requests {
        support::spec::validate(r).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_spec_check_rejects_what_neither_spec_allows() {
    use vision_sdk_common::testing::RecordedRequest;
    if support::spec::specs().is_empty() {
        return;
    }
    let add = |body: serde_json::Value| RecordedRequest::new("POST", "/model/add").with_json(&body);
    support::spec::validate(&add(json!({"model_id": "a/1", "api_key": "k"}))).unwrap();
    // An undeclared body member is an error, not a note.
    let err = support::spec::validate(&add(json!({"model_id": "a/1", "modle": 1}))).unwrap_err();
    assert!(err.has_error("modle"), "{err}");
    // A route in neither spec.
    let err = support::spec::validate(&RecordedRequest::new("GET", "/nope")).unwrap_err();
    assert!(err.operation.is_none(), "{err}");
    // The exceptions: the stream API, and a model id with a slash in the path.
    support::spec::validate(&RecordedRequest::new("GET", "/inference_pipelines/list")).unwrap();
    let lmm = RecordedRequest::new("POST", "/infer/lmm/florence-2-base/1")
        .with_json(&json!({"api_key": "k", "image": {"type": "url", "value": "https://x/a.jpg"}}));
    assert!(
        support::spec::model_id_path(&support::spec::specs()[0], &lmm).is_some(),
        "no /infer/lmm/{{model_id}} template"
    );
}
