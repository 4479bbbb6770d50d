//! The typed models against the official client's results in
//! `shared/protocols/golden/roboflow/` (the real 1.8.3 server, its tiny model, and the
//! recording mock), and the mode rule and configuration against the recorded requests.

use std::path::PathBuf;

use roboflow_infer::models::{
    self, EmbeddingResponse, ExecutionEngineVersions, InferenceResponse, ObjectDetectionResponse,
    RegisteredModels, ServerInfo, ServerStatus, WorkflowInterface, WorkflowOutput,
};
use roboflow_infer::rescale::{plan_downsizing, rescale_response};
use roboflow_infer::{ApiMode, InferenceConfiguration, TaskType};
use serde_json::Value;

fn golden(file: &str) -> Option<Value> {
    let path: PathBuf = vision_sdk_testkit::require_shared(
        &format!("protocols/golden/roboflow/{file}"),
        &vision_sdk_testkit::current_test_name(),
    )?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap())
}

/// The SDK's return value of a scenario (`ok` or `returned`).
fn returned<'a>(file: &'a Value, key: &str) -> &'a Value {
    let scenario = &file[key];
    let value = scenario.get("ok").or_else(|| scenario.get("returned"));
    value.unwrap_or_else(|| panic!("{key}: no return value in {scenario}"))
}

fn decode(task: &TaskType, value: &Value) -> InferenceResponse {
    models::decode_inference(task, &serde_json::to_vec(value).unwrap())
        .unwrap_or_else(|e| panic!("{task}: {e}\n{value}"))
}

#[test]
fn tiny_model_detections_decode_and_round_trip() {
    let Some(tiny) = golden("results_tiny_model.json") else {
        return;
    };
    for key in [
        "v1_default",
        "v1_conf_0.2_maxdet_2",
        "v1_class_filter_cat",
        "v1_client_downsizing_2000x1500",
        "v0_default",
        "v0_conf_0.2",
    ] {
        let value = returned(&tiny, key);
        let response = decode(&TaskType::ObjectDetection, value);
        let od = response.as_object_detection().unwrap();
        assert_eq!(
            od.predictions.len(),
            value["predictions"].as_array().unwrap().len(),
            "{key}"
        );
        assert!(od.inference_id.is_some(), "{key}");
        // Serialized back: exactly what the server sent.
        assert_eq!(&serde_json::to_value(&response).unwrap(), value, "{key}");
    }
    let default = decode(&TaskType::ObjectDetection, returned(&tiny, "v1_default"));
    let dog = &default.as_object_detection().unwrap().predictions[0];
    assert_eq!(
        (
            dog.class_name.as_str(),
            dog.x,
            dog.y,
            dog.width,
            dog.height,
            dog.class_id
        ),
        ("dog", 160.0, 120.0, 100.0, 38.0, Some(0))
    );
    assert_eq!(dog.confidence, 0.8999999761581421);

    let batch = serde_json::to_vec(returned(&tiny, "v1_batch_2")).unwrap();
    let batch = models::decode_inference_batch(&TaskType::ObjectDetection, &batch).unwrap();
    assert_eq!(batch.len(), 2);

    let registry: RegisteredModels =
        serde_json::from_value(returned(&tiny, "model_registry").clone()).unwrap();
    let tiny_model = registry.find("tiny-od/1").unwrap();
    assert_eq!(
        (tiny_model.input_height, tiny_model.input_width),
        (Some(64), Some(64))
    );
    assert_eq!(tiny_model.task_type, TaskType::ObjectDetection);
}

/// `v1_client_downsizing_2000x1500`: the official client sent 64×48 (ratio 0.032) and mapped the
/// server's answer back to 2000×1500. Reproduce its numbers from the server's answer for the
/// sent image.
#[test]
fn tiny_model_downsizing_matches_the_official_client() {
    let Some(tiny) = golden("results_tiny_model.json") else {
        return;
    };
    let registry: RegisteredModels =
        serde_json::from_value(returned(&tiny, "model_registry").clone()).unwrap();
    let config = InferenceConfiguration::new().client_downsizing_disabled(false);
    let bounds = roboflow_infer::rescale::downsizing_bounds(&config, registry.find("tiny-od/1"));
    assert_eq!(bounds, Some((64, 64)));
    let plan = plan_downsizing(2000, 1500, bounds).unwrap();
    assert_eq!((plan.width, plan.height, plan.ratio), (64, 48, 0.032));

    // What the real server (1.8.3, `cargo xtask roboflow-server`) answers for a 64×48 image on
    // the tiny model: the constant head at 64×64, stretched to 64×48.
    let sent: Value = serde_json::json!({
        "image": {"width": 64, "height": 48},
        "predictions": [
            {"x": 32.0, "y": 24.0, "width": 20.0, "height": 8.0, "confidence": 0.8999999761581421,
             "class": "dog", "class_id": 0, "detection_id": "a"},
            {"x": 16.0, "y": 12.0, "width": 8.0, "height": 6.0, "confidence": 0.6000000238418579,
             "class": "cat", "class_id": 1, "detection_id": "b"}]
    });
    let mut response = decode(&TaskType::ObjectDetection, &sent);
    rescale_response(&mut response, plan.ratio);
    let expected = returned(&tiny, "v1_client_downsizing_2000x1500");
    let got = response.as_object_detection().unwrap();
    assert_eq!(serde_json::to_value(&got.image).unwrap(), expected["image"]);
    for (p, e) in got
        .predictions
        .iter()
        .zip(expected["predictions"].as_array().unwrap())
    {
        assert_eq!(
            [p.x, p.y, p.width, p.height],
            ["x", "y", "width", "height"].map(|k| e[k].as_f64().unwrap()),
        );
    }
}

#[test]
fn tiny_model_workflow_outputs() {
    let Some(tiny) = golden("results_tiny_model.json") else {
        return;
    };
    let outputs: Vec<WorkflowOutput> =
        serde_json::from_value(returned(&tiny, "workflow_with_tiny_model").clone()).unwrap();
    let preds: ObjectDetectionResponse = outputs[0]["preds"].decode().unwrap();
    assert_eq!(preds.predictions.len(), 3);
    assert_eq!(preds.predictions[2].parent_id.as_deref(), Some("image"));
}

#[test]
fn real_server_results_decode() {
    let Some(real) = golden("results_real_server.json") else {
        return;
    };
    let info: ServerInfo =
        serde_json::from_value(returned(&real, "sdk_server_info").clone()).unwrap();
    assert_eq!(
        (info.name.as_str(), info.version.as_str()),
        ("Roboflow Inference Server", "1.8.3")
    );

    for (key, task) in [
        ("sdk_v1_infer_stub_od", TaskType::ObjectDetection),
        ("sdk_v1_infer_stub_cls", TaskType::Classification),
        ("sdk_v1_infer_stub_kp", TaskType::KeypointDetection),
        ("sdk_v0_infer_stub_seg", TaskType::InstanceSegmentation),
    ] {
        let response = decode(&task, returned(&real, key));
        let stub = response
            .as_stub()
            .unwrap_or_else(|| panic!("{key}: {response:?}"));
        assert_eq!(stub.task_type, task, "{key}");
        assert!(stub.model_id.ends_with("/0"));
    }
    for key in [
        "raw_v0_no_content_type",
        "raw_v0_multipart_file",
        "raw_v1_bearer_header_only",
    ] {
        assert!(
            decode(&TaskType::ObjectDetection, &real[key]["body"]).is_stub(),
            "{key}"
        );
    }

    let models: RegisteredModels =
        serde_json::from_value(returned(&real, "sdk_list_models").clone()).unwrap();
    assert_eq!(models.models.len(), 5);
    assert_eq!(
        models.find("sdk-proj-kp/0").unwrap().task_type,
        TaskType::KeypointDetection
    );
    assert_eq!(models.find("sdk-proj/0").unwrap().input_height, None);

    let interface: WorkflowInterface =
        serde_json::from_value(real["raw_workflow_describe_interface"]["body"].clone()).unwrap();
    assert_eq!(interface.outputs["img"], ["image"]);
    let versions: ExecutionEngineVersions =
        serde_json::from_value(real["raw_blocks_describe_head"]["body"].clone()).unwrap();
    assert_eq!(versions.versions, ["1.17.0"]);
    let health: ServerStatus = serde_json::from_value(real["raw_healthz"]["body"].clone()).unwrap();
    assert_eq!(health.status, "healthy");
    let ready: ServerStatus =
        serde_json::from_value(real["raw_readiness"]["body"].clone()).unwrap();
    assert_eq!(ready.status, "ready");

    // Workflow outputs as the official client returned them (images already base64 text there).
    let outputs: Vec<WorkflowOutput> =
        serde_json::from_value(returned(&real, "sdk_run_workflow_inline_spec_batch2").clone())
            .unwrap();
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[1]["echo"].as_str(), Some("hello"));
}

#[test]
fn recording_mock_results_decode() {
    let Some(mock) = golden("results.json") else {
        return;
    };
    for key in [
        "v1_infer_numpy_default",
        "v1_infer_cfg_and_client_resize",
        "v1_infer_alias",
        "v1_infer_header_transport",
        "v0_infer_path",
        "v0_infer_numpy_client_resize",
    ] {
        let value = returned(&mock, key);
        let response = decode(&TaskType::ObjectDetection, value);
        assert_eq!(&serde_json::to_value(&response).unwrap(), value, "{key}");
    }
    let seg = decode(
        &TaskType::InstanceSegmentation,
        returned(&mock, "v1_infer_seg_model"),
    );
    let seg = seg.as_instance_segmentation().unwrap();
    assert_eq!(seg.predictions[0].points().unwrap().len(), 3);

    let three = serde_json::to_vec(returned(&mock, "v1_infer_batch_3imgs_max_batch_2")).unwrap();
    assert_eq!(
        models::decode_inference_batch(&TaskType::ObjectDetection, &three)
            .unwrap()
            .len(),
        3
    );

    // The mock's `batch_size: "batch"` is kept, not a decode error.
    for key in [
        "list_loaded_models",
        "load_model",
        "unload_model",
        "unload_all_models",
    ] {
        let registry: RegisteredModels = serde_json::from_value(returned(&mock, key).clone())
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        if let Some(first) = registry.models.first() {
            assert_eq!(
                first.batch_size,
                Some(models::BatchSize::Named("batch".into()))
            );
        }
    }
    for key in [
        "v1_clip_image",
        "v1_clip_text",
        "v1_clip_compare",
        "v0_clip_text",
    ] {
        let embedding: EmbeddingResponse =
            serde_json::from_value(returned(&mock, key).clone()).unwrap();
        assert_eq!(embedding.embeddings, [[0.1, 0.2, 0.3]], "{key}");
    }
    // The mock answered OCR / LMM / depth / SAM calls with a detection body: none of those
    // decode it as their own (the identifying members are missing).
    for key in [
        "v1_ocr_doctr",
        "v1_lmm",
        "v1_depth",
        "v1_sam2",
        "v1_sam3_concept",
    ] {
        let value = returned(&mock, key).clone();
        assert!(
            serde_json::from_value::<models::OcrResponse>(value.clone()).is_err(),
            "{key}"
        );
        assert!(
            serde_json::from_value::<models::LmmResponse>(value.clone()).is_err(),
            "{key}"
        );
        assert!(serde_json::from_value::<models::DepthEstimationResponse>(value.clone()).is_err());
        assert!(serde_json::from_value::<models::Sam2SegmentationResponse>(value.clone()).is_err());
        assert!(serde_json::from_value::<models::Sam3SegmentationResponse>(value).is_err());
    }
    assert!(
        models::decode_inference(
            &TaskType::Classification,
            &serde_json::to_vec(returned(&mock, "v1_infer_numpy_default")).unwrap()
        )
        .is_err()
    );
    let workflow: Vec<WorkflowOutput> =
        serde_json::from_value(returned(&mock, "workflow_named").clone()).unwrap();
    assert_eq!(workflow[0]["count"].decode::<u32>().unwrap(), 1);
}

#[test]
fn mode_rule_matches_the_recorded_choices() {
    let Some(mock) = golden("results.json") else {
        return;
    };
    for (url, mode) in mock["client_mode_by_url"].as_object().unwrap() {
        let expected = match mode.as_str().unwrap() {
            "v0" => ApiMode::V0,
            _ => ApiMode::V1,
        };
        assert_eq!(ApiMode::for_url(url), expected, "{url}");
    }
}

/// The configuration part of every recorded inference request.
#[test]
fn configuration_reproduces_the_recorded_requests() {
    let Some(mock) = golden("results.json") else {
        return;
    };
    let request = |key: &str, path: &str| -> Value {
        mock[key]["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == path)
            .unwrap_or_else(|| panic!("{key}: no request to {path}"))
            .clone()
    };
    // v0: the query after `api_key`.
    let v0 = request("v0_infer_cfg", "/some-project/3");
    let config = InferenceConfiguration::new()
        .confidence_threshold(0.5)
        .format(roboflow_infer::ResponseFormat::Json)
        .visualize_labels(true)
        .max_detections(10)
        .iou_threshold(0.4)
        .stroke_width(2);
    let mut expected: serde_json::Map<String, Value> = v0["query"].as_object().unwrap().clone();
    expected.remove("api_key");
    let got: serde_json::Map<String, Value> = config
        .v0_query()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect();
    assert_eq!(got, expected);
    let v0_default = request("v0_infer_numpy_client_resize", "/some-project/3");
    let mut expected = v0_default["query"].as_object().unwrap().clone();
    expected.remove("api_key");
    let got: serde_json::Map<String, Value> = InferenceConfiguration::new()
        .v0_query()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect();
    assert_eq!(got, expected);

    // v1: the body members besides api_key, model_id and image.
    let strip = |body: &Value| -> Value {
        let mut body = body.as_object().unwrap().clone();
        for member in ["api_key", "model_id", "image"] {
            body.remove(member);
        }
        Value::Object(body)
    };
    let v1 = request("v1_infer_cfg_and_client_resize", "/infer/object_detection");
    let config = InferenceConfiguration::new()
        .disable_preproc_auto_orientation(true)
        .class_filter(["dog"])
        .confidence_threshold(0.5)
        .iou_threshold(0.4)
        .max_detections(10)
        .source("rust-probe");
    let body = config.v1_body(&TaskType::ObjectDetection).unwrap();
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        strip(&v1["body_json"])
    );

    let seg = request("v1_infer_seg_model", "/infer/instance_segmentation");
    let body = InferenceConfiguration::new()
        .v1_body(&TaskType::InstanceSegmentation)
        .unwrap();
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        strip(&seg["body_json"])
    );

    let billing = request("v1_infer_count_inference_false", "/infer/object_detection");
    let config = InferenceConfiguration::new()
        .count_inference(false)
        .service_secret("s3cr3t");
    assert_eq!(billing["query"]["countinference"], "False");
    assert_eq!(config.v1_query(), [("countinference", "False".to_owned())]);
    assert_eq!(
        billing["query"]["service_secret"],
        config.service_secret.as_ref().unwrap().expose_secret()
    );
    assert_eq!(
        serde_json::to_value(config.v1_body(&TaskType::ObjectDetection).unwrap()).unwrap(),
        strip(&billing["body_json"])
    );
}
