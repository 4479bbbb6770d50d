//! The client's behaviour on the fake server: family shape, retries and their timing, the
//! description cache, unavailable routes, secrets, per-call options.

mod support;

use std::sync::Arc;
use std::time::Duration;

use roboflow_infer::testing::{FAKE_API_KEY, FakeRoboflow, Fault, sample_jpeg};
use roboflow_infer::{
    ApiKeyTransport, ApiMode, Error, Image, InferenceClient, InferenceConfiguration, RetryPolicy,
};
use serde_json::json;
use vision_sdk_common::ManualClock;

fn image() -> Image {
    Image::from_bytes(sample_jpeg())
}

#[test]
fn client_and_calls_are_send_sync_clone_static() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    fn assert_call<T: Send + Clone + 'static>() {}
    assert_traits::<InferenceClient>();
    assert_call::<roboflow_infer::InferCall>();
    assert_call::<roboflow_infer::WorkflowCall>();
    assert_call::<roboflow_infer::CoreModelCall<roboflow_infer::Lmm>>();
    assert_call::<roboflow_infer::LogsCall>();
    assert_call::<roboflow_infer::DescribeBlocksCall>();
    assert_call::<roboflow_infer::VideoCall>();
    // `infer_on_stream`: the builder and its stream can move to another task.
    fn assert_send<T: Send + 'static>(_: &T) {}
    let client = InferenceClient::builder()
        .api_url("http://127.0.0.1:9")
        .env_lookup(|_| None)
        .build()
        .unwrap();
    let call = client.infer_on_stream("a/1", roboflow_infer::FrameSource::images([image()]));
    assert_send(&call);
    assert_send(&call.stream());
}

#[tokio::test]
async fn calls_can_be_spawned_and_awaited() {
    let fake = FakeRoboflow::start().await;
    let call = fake.client().infer("fake-od/1", image());
    let result = tokio::spawn(async move { call.await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        result
            .as_object_detection()
            .unwrap()
            .image
            .first()
            .unwrap()
            .width,
        320
    );
}

#[tokio::test]
async fn debug_and_errors_never_show_the_key() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    assert!(!format!("{client:?}").contains(FAKE_API_KEY));
    // An error body that echoes the key is redacted.
    fake.inject(
        Fault::status("/infer/object_detection", 400)
            .json(&json!({"message": format!("bad key {FAKE_API_KEY}")})),
    );
    let err = client.infer("fake-od/1", image()).await.unwrap_err();
    let shown = format!("{err} {err:?} {:?}", err.api_message());
    assert!(!shown.contains(FAKE_API_KEY), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    // A v0 URL with the key in the query is redacted in errors.
    let v0 = fake.client_builder().mode(ApiMode::V0).build().unwrap();
    fake.inject(Fault::status("/fake-od/1", 400));
    let err = v0.infer("fake-od/1", image()).await.unwrap_err();
    assert!(!format!("{err:?}").contains(FAKE_API_KEY), "{err:?}");
    // The service secret too.
    fake.inject(Fault::status("/infer/object_detection", 400));
    let err = client
        .infer("fake-od/1", image())
        .configuration(InferenceConfiguration::new().service_secret("very-secret-value"))
        .await
        .unwrap_err();
    assert!(!format!("{err:?}").contains("very-secret-value"), "{err:?}");
}

#[tokio::test]
async fn the_fake_checks_the_key_in_every_transport() {
    let fake = FakeRoboflow::start().await;
    for transport in [
        ApiKeyTransport::Legacy,
        ApiKeyTransport::Header,
        ApiKeyTransport::Both,
    ] {
        let client = fake
            .client_builder()
            .api_key_transport(transport)
            .build()
            .unwrap();
        client.infer("fake-od/1", image()).await.unwrap();
        let v0 = fake
            .client_builder()
            .api_key_transport(transport)
            .mode(ApiMode::V0)
            .build()
            .unwrap();
        v0.infer("fake-od/1", image()).await.unwrap();
    }
    let wrong = fake
        .client_builder()
        .api_key("wrong-key-000")
        .build()
        .unwrap();
    let err = wrong.infer("fake-od/1", image()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn retries_follow_upstream_with_retry_after() {
    let fake = FakeRoboflow::start().await;
    let clock = Arc::new(ManualClock::new());
    let client = fake.client_builder().clock(clock.clone()).build().unwrap();
    client.load_model("fake-od/1").await.unwrap();
    fake.inject(
        Fault::status("/infer/object_detection", 503)
            .times(2)
            .retry_after(2),
    );
    client.infer("fake-od/1", image()).await.unwrap();
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(2), Duration::from_secs(2)]
    );
    // Three attempts at most.
    fake.inject(Fault::status("/infer/object_detection", 429).times(3));
    let err = client.infer("fake-od/1", image()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(err.is_retryable());
    // Jittered waits of at most 1 s.
    assert!(
        clock.sleeps()[2..]
            .iter()
            .all(|d| *d <= Duration::from_secs(1)),
        "{:?}",
        clock.sleeps()
    );
    // A per-call policy turns them off.
    let before = fake.requests().len();
    fake.inject(Fault::status("/infer/object_detection", 503).times(1));
    let err = client
        .infer("fake-od/1", image())
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(fake.requests().len() - before, 1);
    // Model management is never retried.
    let before = fake.requests().len();
    fake.inject(Fault::status("/model/add", 503).times(1));
    assert!(client.load_model("fake-od/1").await.is_err());
    assert_eq!(fake.requests().len() - before, 1);
}

#[tokio::test]
async fn workflow_retries_can_be_disabled() {
    let fake = FakeRoboflow::start().await;
    let client = fake
        .client_builder()
        .configuration(InferenceConfiguration::new().workflow_run_retries_enabled(false))
        .build()
        .unwrap();
    fake.inject(Fault::status("/w/workflows/f", 503).times(1));
    assert!(
        client
            .run_workflow("w", "f")
            .image("image", image())
            .await
            .is_err()
    );
    assert_eq!(fake.requests().len(), 1);
    // Enabled (the default): retried.
    let client = fake.client();
    fake.inject(Fault::status("/w/workflows/f", 503).times(1));
    let run = client
        .run_workflow("w", "f")
        .image("image", image())
        .await
        .unwrap();
    assert_eq!(run.outputs.len(), 1);
}

#[tokio::test]
async fn the_description_cache_saves_registry_calls_and_can_be_off() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    for _ in 0..3 {
        client.infer("fake-od/1", image()).await.unwrap();
    }
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths.iter().filter(|p| *p == "/model/registry").count(),
        1,
        "{paths:?}"
    );

    let fake = FakeRoboflow::start().await;
    let client = fake
        .client_builder()
        .model_description_cache(false)
        .build()
        .unwrap();
    for _ in 0..3 {
        client.infer("fake-od/1", image()).await.unwrap();
    }
    let registry = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/model/registry")
        .count();
    assert_eq!(registry, 3);
    // Unloading forgets the description.
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    client.infer("fake-od/1", image()).await.unwrap();
    client.unload_model("fake-od/1").await.unwrap();
    client.infer("fake-od/1", image()).await.unwrap();
    assert_eq!(fake.loaded_models().len(), 1);
}

#[tokio::test]
async fn missing_routes_are_not_available() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    let err = client.list_inference_pipelines().await.unwrap_err();
    match &err {
        Error::NotAvailable {
            operation, route, ..
        } => {
            assert_eq!(*operation, "list_inference_pipelines");
            assert_eq!(route, "GET /inference_pipelines/list");
        }
        other => panic!("{other:?}"),
    }
    assert!(client.device_stats().await.is_err());
    // A model the server does not know is an ordinary 404 with its message.
    let err = client.load_model("nope/1").await.unwrap_err();
    assert!(matches!(err, Error::Http(_)), "{err}");
    assert!(err.api_message().unwrap().contains("not found"), "{err}");
}

#[tokio::test]
async fn tasks_without_a_route_and_semantic_segmentation() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    // Semantic segmentation runs on v1 (the official client refuses it).
    let err = client.infer("fake-sem/1", image()).await;
    // The fake answers semantic segmentation with a detection body, which does not decode as one.
    assert!(matches!(err, Err(Error::Decode(_))), "{err:?}");
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.path, "/infer/semantic_segmentation");
    // Stubs decode whatever the task.
    let stub = client.infer("anything/0", image()).await.unwrap();
    assert!(stub.is_stub());
}

#[tokio::test]
async fn per_call_timeout_applies() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    client.load_model("fake-od/1").await.unwrap();
    // A 1 ms budget on loopback with a multi-request call: either it fits or it is a timeout,
    // never a hang; a generous one always fits.
    let ok = client
        .infer("fake-od/1", image())
        .timeout(Duration::from_secs(30))
        .await;
    assert!(ok.is_ok());
    assert_eq!(client.timeout(), Some(roboflow_infer::DEFAULT_TIMEOUT));
    let none = fake.client_builder().timeout(None).build().unwrap();
    assert_eq!(none.timeout(), None);
}

#[tokio::test]
async fn workflow_outputs_decode_images() {
    let fake = FakeRoboflow::start().await;
    let run = fake
        .client()
        .run_workflow("ws", "flow")
        .images("image", [image(), image()])
        .await
        .unwrap();
    assert_eq!(run.outputs.len(), 2);
    let viz = run.outputs[0]["visualization"].as_image().unwrap();
    assert_eq!(viz.bytes, sample_jpeg());
    let run = fake
        .client()
        .run_workflow("ws", "flow")
        .image("image", image())
        .excluded_fields(["visualization"])
        .await
        .unwrap();
    assert!(!run.outputs[0].contains_key("visualization"));
}

#[tokio::test]
async fn batches_keep_order_and_concurrency() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    let images: Vec<Image> = (0..7).map(|_| image()).collect();
    let results = client
        .infer_many("fake-od/1", images)
        .max_batch_size(3)
        .max_concurrent_requests(2)
        .await
        .unwrap();
    assert_eq!(results.len(), 7);
    let infer: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/infer/object_detection")
        .collect();
    let sizes: Vec<usize> = infer
        .iter()
        .map(|r| r.json().unwrap()["image"].as_array().map_or(1, Vec::len))
        .collect();
    assert_eq!(sizes, [3, 3, 1]);
    // Empty input is refused before any request.
    let before = fake.requests().len();
    let err = client
        .infer_many("fake-od/1", Vec::<Image>::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn media_errors_before_any_request() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    client.load_model("fake-od/1").await.unwrap();
    let before = fake.requests().len();
    let err = client
        .infer("fake-od/1", Image::from_path("/definitely/not/here.jpg"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(_)), "{err}");
    let err = client
        .infer("fake-od/1", Image::from_bytes(Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(_)), "{err}");
    assert_eq!(fake.requests().len(), before);
}

#[cfg(feature = "image")]
#[tokio::test]
async fn downsizing_on_v0_and_v1_rescales_answers() {
    let fake = FakeRoboflow::start().await;
    let big = image::DynamicImage::new_rgb8(2000, 1500);
    let v1 = fake.client();
    let result = v1
        .infer("fake-od/1", Image::from_dynamic_image(big.clone()))
        .client_downsizing(true)
        .await
        .unwrap();
    // Sent at 640×480 (the model's 640 bound); the fake's box at the centre maps back.
    let od = result.as_object_detection().unwrap();
    assert_eq!(od.image.first().unwrap().width, 2000);
    assert_eq!(
        (od.predictions[0].x, od.predictions[0].width),
        (1000.0, 500.0)
    );
    let v0 = fake.client_builder().mode(ApiMode::V0).build().unwrap();
    let result = v0
        .infer("fake-od/1", Image::from_dynamic_image(big))
        .client_downsizing(true)
        .await
        .unwrap();
    // v0 bounds by `default_max_input_size` (1024): 1024×768 sent.
    let sent = fake.requests().pop().unwrap();
    let bytes =
        roboflow_infer::models::decode_base64(std::str::from_utf8(&sent.body).unwrap()).unwrap();
    assert_eq!(
        roboflow_infer::testing::image_size(&bytes),
        Some((1024, 768))
    );
    assert_eq!(result.image().unwrap().first().unwrap().width, 2000);
}

#[tokio::test]
async fn from_env_reads_the_key() {
    // `from_env` reads the process environment; the builder's lookup stands in for it here.
    let client = InferenceClient::builder()
        .env_lookup(|name| (name == "ROBOFLOW_API_KEY").then(|| "env-key-123".to_owned()))
        .build()
        .unwrap();
    assert_eq!(client.mode(), ApiMode::V0);
    assert_eq!(
        client.base_url().as_str(),
        "https://serverless.roboflow.com/"
    );
}

#[tokio::test]
async fn url_input_rules_are_builder_options() {
    let fake = FakeRoboflow::start().await;
    let url = format!("{}/model/registry", fake.base_url());
    let strict = fake.client();
    let err = strict
        .infer("fake-od/1", Image::from_url(&url))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UrlInputNotAllowed(_)), "{err}");
    // Loosened one rule at a time: https is still missing, then the address is refused.
    let https_ok = fake
        .client_builder()
        .allow_non_https_url_input(true)
        .build()
        .unwrap();
    let err = https_ok
        .infer("fake-od/1", Image::from_url(&url))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a global address"), "{err}");
    let off = fake
        .client_builder()
        .allow_url_input(false)
        .build()
        .unwrap();
    assert!(off.infer("fake-od/1", Image::from_url(&url)).await.is_err());
    // Both loosened: fetched (a JSON body is no image, so the fake's size read fails softly).
    let loose = fake
        .client_builder()
        .allow_non_https_url_input(true)
        .allow_url_to_non_global_addresses(true)
        .max_image_url_redirects(1)
        .build()
        .unwrap();
    assert_eq!(loose.url_input_policy().max_redirects, 1);
    loose
        .infer("fake-od/1", Image::from_url(&url))
        .await
        .unwrap();
    let fetched = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/model/registry" && r.query_value("api_key").is_none())
        .count();
    assert!(fetched >= 1, "the URL was fetched without the key");
}
