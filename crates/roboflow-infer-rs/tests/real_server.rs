//! Against the **real** `inference` 1.8.3 server on loopback, started by
//! `cargo xtask roboflow-server run -- …` (or the `roboflow-real-server` step of `cargo xtask ci`),
//! which exports `ROBOFLOW_LOCAL_SERVER_URL`, `ROBOFLOW_LOCAL_TINY_MODEL` (a synthetic ONNX
//! detector: real decode, NMS, filtering and rescaling) and `ROBOFLOW_LOCAL_STUB_*_MODEL`.
//!
//! Without `ROBOFLOW_LOCAL_SERVER_URL` each test is skipped (one line `<test>\t<reason>` in
//! `$VISION_SDK_SKIP_LOG`, the testkit's skip protocol); with `CI` set it fails instead.
//!
//! ```text
//! cargo xtask roboflow-server run -- cargo nextest run -p roboflow-infer-rs --all-features --test real_server
//! ```
#![cfg(feature = "image")]

use std::io::Write;

use roboflow_infer::models::InferenceResponse;
use roboflow_infer::{
    ApiMode, Error, Image, InferenceClient, InferenceConfiguration, ResponseFormat, TaskType,
};
use serde_json::json;

/// The key the local recipe uses (a placeholder; the loopback platform stand-in accepts any).
const KEY: &str = "FAKEKEY1234";

/// How a test uses the server's model registry, which every test shares:
/// `registry_load_unload` empties it, which would pull a loaded model from under a test running
/// beside it, so that test runs alone.
#[derive(Clone, Copy)]
enum Registry {
    Shared,
    Alone,
}

struct Server {
    url: String,
    tiny: String,
    /// Held for the test's length: a lock on one file, shared or exclusive (see
    /// [`registry_lock`]); closing the file releases it.
    _registry: std::fs::File,
}

/// Locks the registry for one test. A file lock holds across the processes nextest runs the
/// tests in and across `cargo test`'s threads alike (each test opens the file itself, and locks
/// of two open files exclude each other).
fn registry_lock(registry: Registry) -> std::fs::File {
    lock_file(
        &std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("real-server-registry.lock"),
        registry,
    )
}

fn lock_file(path: &std::path::Path, registry: Registry) -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match registry {
        Registry::Shared => file.lock_shared(),
        Registry::Alone => file.lock(),
    }
    .unwrap_or_else(|e| panic!("locking {}: {e}", path.display()));
    file
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "False"))
}

fn server(test: &str) -> Option<Server> {
    server_with(test, Registry::Shared)
}

fn server_with(test: &str, registry: Registry) -> Option<Server> {
    match std::env::var("ROBOFLOW_LOCAL_SERVER_URL") {
        Ok(url) if !url.trim().is_empty() => Some(Server {
            url,
            tiny: std::env::var("ROBOFLOW_LOCAL_TINY_MODEL").unwrap_or_else(|_| "tiny-od/1".into()),
            _registry: registry_lock(registry),
        }),
        _ => {
            let reason = "ROBOFLOW_LOCAL_SERVER_URL is not set (run under `cargo xtask roboflow-server run -- …`)";
            assert!(
                !in_ci(),
                "{test}: {reason}; CI is set, so this is a failure"
            );
            if let Some(log) = std::env::var_os("VISION_SDK_SKIP_LOG")
                && let Ok(mut file) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)
            {
                let _ = writeln!(file, "real_server::{test}\t{reason}");
            }
            None
        }
    }
}

fn stub(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.into())
}

impl Server {
    fn v1(&self) -> InferenceClient {
        InferenceClient::builder()
            .api_url(&self.url)
            .api_key(KEY)
            .env_lookup(|_| None)
            .build()
            .unwrap()
    }
    fn v0(&self) -> InferenceClient {
        InferenceClient::builder()
            .api_url(&self.url)
            .api_key(KEY)
            .mode(ApiMode::V0)
            .env_lookup(|_| None)
            .build()
            .unwrap()
    }
}

/// A real JPEG of `width × height` (the tiny model decodes it).
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }));
    vision_sdk_common::image::encode_jpeg(&img, 90)
        .unwrap()
        .to_vec()
}

/// `(class, x, y, width, height)` of each detection, rounded.
fn boxes(result: &InferenceResponse) -> Vec<(String, i64, i64, i64, i64)> {
    result
        .as_object_detection()
        .unwrap_or_else(|| panic!("not a detection: {result:?}"))
        .predictions
        .iter()
        .map(|p| {
            (
                p.class_name.clone(),
                p.x.round() as i64,
                p.y.round() as i64,
                p.width.round() as i64,
                p.height.round() as i64,
            )
        })
        .collect()
}

/// The lock itself, without the server: shared locks coexist, an exclusive one waits for them.
#[test]
fn the_registry_lock_lets_one_test_run_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.lock");
    let first = lock_file(&path, Registry::Shared);
    let second = lock_file(&path, Registry::Shared);
    let probe = std::fs::File::open(&path).unwrap();
    assert!(matches!(
        probe.try_lock(),
        Err(std::fs::TryLockError::WouldBlock)
    ));
    drop(first);
    assert!(probe.try_lock().is_err(), "one shared lock is still held");
    drop(second);
    probe.try_lock().unwrap();
    let other = std::fs::File::open(&path).unwrap();
    assert!(
        other.try_lock_shared().is_err(),
        "the exclusive lock is held"
    );
}

/// The tests, in a module so that `cargo test -- --skip real_server::` leaves them out.
mod real_server {
    use super::*;

    #[tokio::test]
    async fn server_info_and_health() {
        let Some(s) = server("server_info_and_health") else {
            return;
        };
        let c = s.v1();
        let info = c.get_server_info().await.unwrap();
        assert_eq!(info.version, "1.8.3");
        assert_eq!(c.healthz().await.unwrap().status, "healthy");
        assert_eq!(c.readiness().await.unwrap().status, "ready");
        let versions = c.execution_engine_versions().await.unwrap();
        assert!(!versions.versions.is_empty());
    }

    #[tokio::test]
    async fn v1_predictions_filters_and_registry() {
        let Some(s) = server("v1_predictions_filters_and_registry") else {
            return;
        };
        let c = s.v1();
        let image = jpeg(320, 240);
        let result = c
            .infer(&s.tiny, Image::from_bytes(image.clone()))
            .await
            .unwrap();
        assert_eq!(
            boxes(&result),
            [
                ("dog".into(), 160, 120, 100, 38),
                ("cat".into(), 80, 60, 40, 30)
            ]
        );
        let low = c
            .infer(&s.tiny, Image::from_bytes(image.clone()))
            .confidence_threshold(0.2)
            .max_detections(2)
            .await
            .unwrap();
        assert_eq!(boxes(&low).len(), 2);
        let cats = c
            .infer(&s.tiny, Image::from_bytes(image.clone()))
            .class_filter(["cat"])
            .await
            .unwrap();
        assert_eq!(boxes(&cats), [("cat".into(), 80, 60, 40, 30)]);
        // The registry now holds the model, with its input size.
        let models = c.list_loaded_models().await.unwrap();
        let tiny = models.find(&s.tiny).expect("the tiny model is loaded");
        assert_eq!(tiny.task_type, TaskType::ObjectDetection);
        assert_eq!((tiny.input_height, tiny.input_width), (Some(64), Some(64)));
        // Without the description cache the registry is asked again; the answer is the same.
        let uncached = InferenceClient::builder()
            .api_url(&s.url)
            .api_key(KEY)
            .model_description_cache(false)
            .env_lookup(|_| None)
            .build()
            .unwrap();
        let again = uncached
            .infer(&s.tiny, Image::from_bytes(image))
            .await
            .unwrap();
        assert_eq!(boxes(&again), boxes(&result));
    }

    #[tokio::test]
    async fn v1_batching_keeps_the_input_order() {
        let Some(s) = server("v1_batching_keeps_the_input_order") else {
            return;
        };
        let images = [jpeg(320, 240), jpeg(640, 480), jpeg(160, 120)];
        let results = s
            .v1()
            .infer_many(&s.tiny, images.iter().cloned().map(Image::from_bytes))
            .max_batch_size(2)
            .max_concurrent_requests(2)
            .await
            .unwrap();
        let sizes: Vec<(u32, u32)> = results
            .iter()
            .map(|r| {
                let size = r.image().unwrap().first().unwrap();
                (size.width, size.height)
            })
            .collect();
        assert_eq!(sizes, [(320, 240), (640, 480), (160, 120)]);
        // The detections scale with each image.
        assert_eq!(boxes(&results[1])[0], ("dog".into(), 320, 240, 200, 76));
    }

    #[tokio::test]
    async fn v1_client_downsizing_rescales_back() {
        let Some(s) = server("v1_client_downsizing_rescales_back") else {
            return;
        };
        let result = s
            .v1()
            .infer(&s.tiny, Image::from_bytes(jpeg(2000, 1500)))
            .client_downsizing(true)
            .await
            .unwrap();
        let size = result.image().unwrap().first().unwrap();
        assert_eq!((size.width, size.height), (2000, 1500));
        // `results_tiny_model.json: v1_client_downsizing_2000x1500`: dog (1000, 750, 625×250).
        assert_eq!(boxes(&result)[0], ("dog".into(), 1000, 750, 625, 250));
    }

    #[tokio::test]
    async fn v0_route_predictions_and_visualisation() {
        let Some(s) = server("v0_route_predictions_and_visualisation") else {
            return;
        };
        let c = s.v0();
        let result = c
            .infer(&s.tiny, Image::from_bytes(jpeg(320, 240)))
            .await
            .unwrap();
        assert_eq!(boxes(&result)[0], ("dog".into(), 160, 120, 100, 38));
        let low = c
            .infer(&s.tiny, Image::from_bytes(jpeg(320, 240)))
            .confidence_threshold(0.2)
            .await
            .unwrap();
        assert_eq!(boxes(&low).len(), 3);
        let picture = c
            .infer(&s.tiny, Image::from_bytes(jpeg(320, 240)))
            .format(ResponseFormat::Image)
            .await
            .unwrap();
        match picture {
            InferenceResponse::Visualization(v) => assert!(v.bytes.starts_with(&[0xFF, 0xD8])),
            other => panic!("{other:?}"),
        }
        // Two images: two requests, in order.
        let both = c
            .infer_many(
                &s.tiny,
                [jpeg(320, 240), jpeg(160, 120)].map(Image::from_bytes),
            )
            .max_concurrent_requests(2)
            .await
            .unwrap();
        assert_eq!(both[1].image().unwrap().first().unwrap().width, 160);
    }

    #[tokio::test]
    async fn v0_multipart_upload_from_a_file() {
        let Some(s) = server("v0_multipart_upload_from_a_file") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frame.jpg");
        std::fs::write(&path, jpeg(320, 240)).unwrap();
        let c = s.v0();
        // The `file` part of a multipart body: the same answer as the base64 body.
        let result = c
            .infer(&s.tiny, Image::from_path(&path))
            .multipart_upload(true)
            .await
            .unwrap();
        assert_eq!(boxes(&result)[0], ("dog".into(), 160, 120, 100, 38));
        let low = c
            .infer(&s.tiny, Image::from_path(&path))
            .multipart_upload(true)
            .confidence_threshold(0.2)
            .await
            .unwrap();
        assert_eq!(boxes(&low).len(), 3);
        // Downsized before the upload (2000×1500 → the v0 bound), rescaled back.
        let big = dir.path().join("big.jpg");
        std::fs::write(&big, jpeg(2000, 1500)).unwrap();
        let result = c
            .infer(&s.tiny, Image::from_path(&big))
            .multipart_upload(true)
            .client_downsizing(true)
            .await
            .unwrap();
        let size = result.image().unwrap().first().unwrap();
        assert_eq!((size.width, size.height), (2000, 1500));
        assert_eq!(boxes(&result)[0].0, "dog");
    }

    #[tokio::test]
    async fn infer_on_stream_over_a_directory_and_a_stream() {
        use futures_util::StreamExt as _;
        use roboflow_infer::{FrameId, FrameSource, StreamFrame};

        let Some(s) = server("infer_on_stream_over_a_directory_and_a_stream") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.jpg"), jpeg(320, 240)).unwrap();
        std::fs::write(dir.path().join("b.JPG"), jpeg(640, 480)).unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"skipped").unwrap();
        for client in [s.v1(), s.v0()] {
            let frames: Vec<StreamFrame> = client
                .infer_on_stream(&s.tiny, FrameSource::directory(dir.path()))
                .max_concurrent_requests(2)
                .stream()
                .map(Result::unwrap)
                .collect()
                .await;
            let ids: Vec<FrameId> = frames.iter().map(|f| f.id.clone()).collect();
            assert_eq!(
                ids,
                [
                    FrameId::Path(dir.path().join("a.jpg")),
                    FrameId::Path(dir.path().join("b.JPG"))
                ]
            );
            assert_eq!(
                boxes(&frames[0].result)[0],
                ("dog".into(), 160, 120, 100, 38)
            );
            assert_eq!(
                boxes(&frames[1].result)[0],
                ("dog".into(), 320, 240, 200, 76)
            );
        }
        // Decoded frames from a stream, numbered from 0.
        let decoded = futures_util::stream::iter([(320, 240), (160, 120)])
            .map(|(w, h)| Image::from_bytes(jpeg(w, h)));
        let frames: Vec<StreamFrame> = s
            .v1()
            .infer_on_stream(&s.tiny, FrameSource::stream(decoded))
            .stream()
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(frames[1].id, FrameId::Index(1));
        assert_eq!(
            frames[1].result.image().unwrap().first().unwrap().width,
            160
        );
    }

    #[tokio::test]
    async fn stub_models_of_every_task() {
        let Some(s) = server("stub_models_of_every_task") else {
            return;
        };
        let image = || Image::from_bytes(jpeg(32, 32));
        for (var, default, task) in [
            (
                "ROBOFLOW_LOCAL_STUB_OD_MODEL",
                "sdk-proj/0",
                TaskType::ObjectDetection,
            ),
            (
                "ROBOFLOW_LOCAL_STUB_SEG_MODEL",
                "sdk-proj-seg/0",
                TaskType::InstanceSegmentation,
            ),
            (
                "ROBOFLOW_LOCAL_STUB_CLS_MODEL",
                "sdk-proj-cls/0",
                TaskType::Classification,
            ),
            (
                "ROBOFLOW_LOCAL_STUB_KP_MODEL",
                "sdk-proj-kp/0",
                TaskType::KeypointDetection,
            ),
        ] {
            let model = stub(var, default);
            for client in [s.v1(), s.v0()] {
                let result = client.infer(&model, image()).await.unwrap();
                let stub = result
                    .as_stub()
                    .unwrap_or_else(|| panic!("{model}: {result:?}"));
                assert_eq!(stub.task_type, task, "{model} ({})", client.mode());
            }
        }
    }

    #[tokio::test]
    async fn registry_load_unload() {
        let Some(s) = server_with("registry_load_unload", Registry::Alone) else {
            return;
        };
        let c = s.v1();
        let model = stub("ROBOFLOW_LOCAL_STUB_CLS_MODEL", "sdk-proj-cls/0");
        let loaded = c.load_model(&model).await.unwrap();
        assert!(loaded.find(&model).is_some());
        let description = c.get_model_description(&model, false).await.unwrap();
        assert_eq!(description.task_type, TaskType::Classification);
        let after = c.unload_model(&model).await.unwrap();
        assert!(after.find(&model).is_none());
        c.load_model(&model).await.unwrap();
        assert!(c.unload_all_models().await.unwrap().models.is_empty());
    }

    #[tokio::test]
    async fn workflow_with_a_model_step() {
        let Some(s) = server("workflow_with_a_model_step") else {
            return;
        };
        let spec = json!({
            "version": "1.0",
            "inputs": [{"type": "WorkflowImage", "name": "image"}],
            "steps": [{"type": "roboflow_core/roboflow_object_detection_model@v2", "name": "det",
                       "images": "$inputs.image", "model_id": s.tiny}],
            "outputs": [{"type": "JsonField", "name": "preds", "selector": "$steps.det.predictions"}]
        });
        let c = s.v1();
        let interface = c
            .describe_workflow_specification_interface(spec.clone())
            .interface()
            .await
            .unwrap();
        assert!(interface.inputs.contains_key("image"), "{interface:?}");
        let status = c.validate_workflow(&spec).await.unwrap();
        assert_eq!(status.status, "ok");
        // The block catalogue, also restricted to blocks that run without internet access.
        let all = c.describe_blocks().await.unwrap();
        let offline = c.describe_blocks().air_gapped(true).await.unwrap();
        assert!(
            all["blocks"].is_array() && offline["blocks"].is_array(),
            "{offline}"
        );
        // `debug` is accepted; without custom Python blocks there is no output to return.
        let debugged = c
            .run_workflow_specification(spec.clone())
            .image("image", Image::from_bytes(jpeg(320, 240)))
            .debug(true)
            .await
            .unwrap();
        assert_eq!(debugged.outputs.len(), 1);
        assert_eq!(debugged.python_blocks_output_streams, None);
        let run = c
            .run_workflow_specification(spec)
            .images(
                "image",
                [jpeg(320, 240), jpeg(640, 480)].map(Image::from_bytes),
            )
            .await
            .unwrap();
        assert_eq!(run.outputs.len(), 2);
        let preds: roboflow_infer::models::ObjectDetectionResponse =
            run.outputs[1]["preds"].decode().unwrap();
        assert_eq!(preds.image.first().unwrap().width, 640);
        assert_eq!(preds.predictions[0].class_name, "dog");
    }

    #[tokio::test]
    async fn error_bodies() {
        let Some(s) = server("error_bodies") else {
            return;
        };
        let c = s.v1();
        // A model the platform does not know: the server's message, the status, never the key.
        let err = c.load_model("no-such-project/7").await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
        assert!(err.api_message().unwrap().contains("not found"), "{err}");
        assert!(!err.to_string().contains(KEY), "{err}");
        // A named workflow needs the hosted platform.
        let err = c
            .run_workflow("my-ws", "my-flow")
            .image("image", Image::from_bytes(jpeg(32, 32)))
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
        // The stream API is off on this server: not available, not a bare 404.
        let err = c.list_inference_pipelines().await.unwrap_err();
        assert!(matches!(err, Error::NotAvailable { .. }), "{err}");
        // An invalid specification: a 4xx with the server's message.
        let err = c
            .run_workflow_specification(json!({"version": "1.0", "inputs": [], "steps": [{"type": "nope", "name": "x"}], "outputs": []}))
            .await
            .unwrap_err();
        assert!(err.status().is_some_and(|s| s.is_client_error()), "{err}");
        assert!(err.api_message().is_some(), "{err}");
        // A bad image on a real model.
        let err = c
            .infer(&s.tiny, Image::from_base64("not-an-image"))
            .configuration(InferenceConfiguration::new())
            .await
            .unwrap_err();
        assert!(err.status().is_some_and(|s| s.is_client_error()), "{err}");
    }
}
