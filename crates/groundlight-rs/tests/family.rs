//! The family contract (`docs/architecture.md`, C1–C18), one test per row that a test can show.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use groundlight::models::{EdgeEndpointConfig, ModeEnum};
use groundlight::{
    AddLabel, AskAsync, AskConfident, AskMl, AskVlmVerify, ClientOptions, CreateDetector,
    CreateNote, CreatePrimingGroup, CredentialError, DEFAULT_BASE_URL, DEFAULT_TIMEOUT,
    ENV_API_KEY, ENV_BASE_URL, ENV_DISABLE_TLS_VERIFY, ENV_SHRINK_OVERSIZED_IMAGES, Error,
    GenerateSyntheticImage, GetOrCreateDetector, Groundlight, Image, ListDetectorPipelines,
    ListDetectors, ListImageQueries, ListPrimingGroups, ManualClock, MediaInput, MediaSource, Page,
    RetryPolicy, Secret, SubmitImageQuery, WaitForConfidentResult, WaitForMlResult,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "api_family_TOKEN_0123456789";

fn env(
    pairs: Vec<(&'static str, String)>,
) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    move |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

fn client(server: &MockServer) -> Groundlight {
    Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .clock(Arc::new(ManualClock::new()))
        .env_lookup(|_| None)
        .build()
        .unwrap()
}

fn detector(id: &str) -> serde_json::Value {
    json!({
        "id": id, "type": "detector", "created_at": "2026-01-01T00:00:00Z", "name": "door",
        "query": "Is the door open?", "group_name": "g", "confidence_threshold": 0.9,
        "patience_time": 30.0, "metadata": null, "mode": "BINARY", "mode_configuration": null,
        "status": "ON", "escalation_type": "STANDARD"
    })
}

/// C1: `new(key)`, `from_env()`, and a builder that falls back to the environment for what was
/// not set (`Groundlight::builder().endpoint(edge).build()` picks up the token).
#[tokio::test]
async fn c1_builder_falls_back_to_the_environment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(detector("det_1")))
        .mount(&server)
        .await;
    let gl = Groundlight::builder()
        .endpoint(server.uri())
        .env_lookup(env(vec![(ENV_API_KEY, TOKEN.to_owned())]))
        .build()
        .unwrap();
    gl.get_detector("det_1").await.unwrap();
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(sent.headers.get("x-api-token").unwrap(), TOKEN);

    // Everything from the environment, the endpoint included.
    let gl = Groundlight::builder()
        .env_lookup(env(vec![
            (ENV_API_KEY, TOKEN.to_owned()),
            (ENV_BASE_URL, "http://edge:30101".to_owned()),
            (ENV_SHRINK_OVERSIZED_IMAGES, "0".to_owned()),
        ]))
        .build()
        .unwrap();
    assert_eq!(gl.base_url().as_str(), "http://edge:30101/device-api");
    assert!(!gl.shrinks_oversized_images());
    // `new(key)` takes the key; construction sends nothing (the server saw one request).
    let gl = Groundlight::new(TOKEN).unwrap();
    assert_eq!(gl.timeout(), Some(DEFAULT_TIMEOUT));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// C2: missing, blank and not-header-safe keys fail at `build()` with `Error::Credential`.
#[test]
fn c2_key_errors_are_credential_errors() {
    let build = |key: Option<&str>| {
        let mut b = Groundlight::builder().env_lookup(|_| None);
        if let Some(key) = key {
            b = b.api_token(key);
        }
        b.build().unwrap_err()
    };
    assert!(matches!(
        build(None),
        Error::Credential(CredentialError::Missing { .. })
    ));
    assert!(build(None).to_string().contains("GROUNDLIGHT_API_TOKEN"));
    assert!(matches!(
        build(Some("  ")),
        Error::Credential(CredentialError::Blank)
    ));
    assert!(matches!(
        build(Some("api_a\nb")),
        Error::Credential(CredentialError::NotHeaderSafe)
    ));
    for err in [build(None), build(Some(" ")), build(Some("api_a\nb"))] {
        assert!(!err.is_retryable() && err.status().is_none() && err.http_error().is_none());
    }
}

/// C3: the shared setters and the Python aliases; the SDK User-Agent is sent with the built-in
/// client and with a caller-supplied one.
#[tokio::test]
async fn c3_shared_setters_and_user_agent_with_a_callers_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(detector("det_1")))
        .mount(&server)
        .await;
    groundlight::common::transport::install_crypto_provider();
    let callers = reqwest::Client::builder()
        .redirect(groundlight::common::transport::redirect_policy())
        .build()
        .unwrap();
    let with_callers = Groundlight::builder()
        .base_url(server.uri())
        .api_key(TOKEN)
        .http_client(callers)
        .timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(1))
        .retry_policy(RetryPolicy::none())
        .clock(Arc::new(ManualClock::new()))
        .danger_accept_invalid_certs(false)
        .env_lookup(|_| None)
        .build()
        .unwrap();
    assert_eq!(with_callers.timeout(), Some(Duration::from_secs(3)));
    with_callers.get_detector("det_1").await.unwrap();
    client(&server).get_detector("det_1").await.unwrap();
    let custom = Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .user_agent("my-app/2")
        .env_lookup(|_| None)
        .build()
        .unwrap();
    custom.get_detector("det_1").await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    for req in &reqs[..2] {
        let ua = req.headers.get("user-agent").unwrap().to_str().unwrap();
        assert!(ua.starts_with("groundlight-rs/"), "{ua}");
    }
    assert_eq!(reqs[2].headers.get("user-agent").unwrap(), "my-app/2");
    // The options struct itself is re-exported.
    let _ = ClientOptions::new().api_key(Secret::new("k"));
}

/// C4: the client is `Clone + Send + Sync`, its `Debug` never shows the key; `base_url()` and
/// `timeout()`.
#[test]
fn c4_client_shape_and_debug_without_the_key() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Groundlight>();
    let builder = Groundlight::builder()
        .api_token(TOKEN)
        .endpoint("http://h:1")
        .env_lookup(|_| None);
    assert!(!format!("{builder:?}").contains(TOKEN));
    let gl = builder.build().unwrap();
    let shown = format!("{gl:?} {gl:#?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert_eq!(gl.base_url().as_str(), "http://h:1/device-api");
    assert_eq!(gl.timeout(), Some(DEFAULT_TIMEOUT));
}

/// C5/C7: every call builder owns a clone of the client (`'static + Send + Clone`), ends in
/// `.send()` and is awaitable; lists have `.page/.page_size/.send/.stream`.
#[test]
fn c5_every_call_builder_is_static_send_clone_and_awaitable() {
    fn builder<B>()
    where
        B: Clone + Send + 'static + IntoFuture,
        B::IntoFuture: Send + 'static,
    {
    }
    builder::<SubmitImageQuery>();
    builder::<AskConfident>();
    builder::<AskMl>();
    builder::<AskAsync>();
    builder::<WaitForConfidentResult>();
    builder::<WaitForMlResult>();
    builder::<ListImageQueries>();
    builder::<ListDetectors>();
    builder::<CreateDetector>();
    builder::<GetOrCreateDetector>();
    builder::<AddLabel>();
    builder::<CreateNote>();
    builder::<CreatePrimingGroup>();
    builder::<AskVlmVerify>();
    builder::<GenerateSyntheticImage>();
    builder::<ListDetectorPipelines>();
    builder::<ListPrimingGroups>();
    builder::<groundlight::edge::SetEdgeConfig>();
}

#[tokio::test]
async fn c5_c7_builders_await_spawn_and_stream() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/priming-groups"))
        .respond_with(move |req: &wiremock::Request| {
            let page = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let next = (page == "1").then_some("http://next");
            ResponseTemplate::new(200).set_body_json(json!({
                "count": 2, "next": next, "previous": null,
                "results": [{"id": format!("pg_{page}"), "name": "n", "is_global": false,
                              "canonical_query": null, "active_pipeline_config": null,
                              "priming_group_specific_shadow_pipeline_configs": null,
                              "disable_shadow_pipelines": false, "created_at": "2026-01-01T00:00:00Z"}]
            }))
        })
        .mount(&server)
        .await;
    let gl = client(&server);
    // `.await` on the builder, and `.send()`.
    let page = gl.list_priming_groups().page_size(1).await.unwrap();
    assert_eq!(page.results[0].id, "pg_1");
    let page2 = gl.list_priming_groups().page(2).send().await.unwrap();
    assert_eq!(page2.results[0].id, "pg_2");
    // Spawnable.
    let handle = tokio::spawn(gl.list_priming_groups().into_future());
    handle.await.unwrap().unwrap();
    // A stream over every page.
    use futures_util::TryStreamExt;
    let all: Vec<_> = gl
        .list_priming_groups()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
        ["pg_1", "pg_2"]
    );
    // The family page type.
    let as_page: Page<_> = page.into();
    assert!(as_page.has_next);
}

/// C6: switches take a `bool`.
#[tokio::test]
async fn c6_switches_take_a_bool() {
    let gl = Groundlight::new(TOKEN).unwrap();
    let _ = gl
        .submit_image_query("det_1", Image::from_path("x.jpg"))
        .want_async(false)
        .error_on_timeout(true);
    let _ = gl
        .wait_for_ml_result("iq_1")
        .error_on_timeout(false)
        .retry_policy(RetryPolicy::none())
        .request_timeout(Duration::from_secs(1));
    let _ = gl
        .create_note("det_1", "n")
        .is_pinned(true)
        .retry_policy(RetryPolicy::none());
}

/// C8: `Image` is a thin wrapper over `MediaInput`; constructors are synchronous; a problem is
/// reported by `send()` as `Error::Media` before any request.
#[tokio::test]
async fn c8_images_are_lazy_media_inputs_checked_at_send() {
    let server = MockServer::start().await;
    let gl = client(&server);
    for image in [
        Image::from_path("/surely/not/here.jpg"),
        Image::from(Vec::<u8>::new()),
        Image::from(MediaInput::from_url("https://example.com/x.jpg")),
        Image::from_source(MediaSource::from_bytes_with_mime(
            Vec::<u8>::new(),
            groundlight::common::mime::IMAGE_JPEG,
        )),
    ] {
        let err = gl
            .submit_image_query("det_1", image)
            .wait(Duration::ZERO)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Media(_)), "{err:?}");
        assert!(err.http_error().is_none() && !err.is_retryable());
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// C9/C10: accessors on every error; local failures never `Http`; a poll deadline is not
/// retryable; 401 is `is_unauthorized()`.
#[tokio::test]
async fn c9_c10_error_accessors_and_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/me"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("x-request-id", "req_uu1")
                .set_body_json(json!({"detail": "Invalid token."})),
        )
        .mount(&server)
        .await;
    let gl = client(&server);
    let err = gl.whoami().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.request_id(), Some("req_uu1"));
    assert!(!err.is_retryable());
    assert!(err.retry_after().is_none());
    assert!(err.http_error().is_some());

    let local = gl.get_detector("  ").await.unwrap_err();
    assert!(matches!(local, Error::InvalidInput(_)));
    assert!(local.http_error().is_none() && !local.is_retryable());

    // A wait that reached its deadline is not retryable.
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "iq_1", "type": "image_query", "created_at": "2026-01-01T00:00:00Z",
            "query": "q", "detector_id": "det_1", "result_type": "binary_classification",
            "result": null, "patience_time": 30.0, "confidence_threshold": 0.9, "rois": null,
            "text": null, "metadata": null
        })))
        .mount(&server)
        .await;
    let timeout = gl
        .wait_for_ml_result("iq_1")
        .timeout(Duration::from_secs(1))
        .error_on_timeout(true)
        .await
        .unwrap_err();
    assert!(matches!(timeout, Error::Timeout { .. }), "{timeout:?}");
    assert!(!timeout.is_retryable());
}

/// C12: re-exports and constants.
#[test]
fn c12_reexports_and_constants() {
    let _: groundlight::Result<()> = Ok(());
    let _ = groundlight::common::RetryPolicy::none();
    assert_eq!(DEFAULT_BASE_URL, "https://api.groundlight.ai/");
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_secs(10));
    assert_eq!(ENV_API_KEY, "GROUNDLIGHT_API_TOKEN");
    assert_eq!(ENV_BASE_URL, "GROUNDLIGHT_ENDPOINT");
    assert_eq!(ENV_DISABLE_TLS_VERIFY, "DISABLE_TLS_VERIFY");
    assert_eq!(
        ENV_SHRINK_OVERSIZED_IMAGES,
        "GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES"
    );
    let _ = ModeEnum::Count;
    let _ = EdgeEndpointConfig::default();
}

/// C16: what is retried is stated in `retry.rs` (its unit tests cover every rule).
#[test]
fn c16_retry_rules_live_in_one_module() {
    let policy = groundlight::retry::default_retry_policy();
    assert_eq!(policy.attempts(), 4);
    assert!(groundlight::retry::is_retryable_status(
        groundlight::common::http::StatusCode::SERVICE_UNAVAILABLE
    ));
}
