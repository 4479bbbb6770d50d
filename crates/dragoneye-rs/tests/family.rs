//! The family contract of `docs/architecture.md` ("Conventions", C1–C18), one test per row
//! that a test can show. C7 (lists) has no Dragoneye call; C13's fake shape is checked with
//! the names the fake has today.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dragoneye::testing::{Endpoint, FakeDragoneye, Fault};
// C12: the root re-exports and constants.
use dragoneye::{
    ClientOptions, CredentialError, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Dragoneye, DragoneyeBuilder,
    ENV_API_KEY, Error, HttpError, Image, ManualClock, MediaInput, MediaSource, Page, PredictImage,
    PredictVideo, PredictionType, Result, RetryPolicy, Secret, Video, Wait, common,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];

fn no_env() -> DragoneyeBuilder {
    Dragoneye::builder().env_lookup(|_| None)
}

fn fake_client(fake: &FakeDragoneye, clock: &ManualClock) -> Dragoneye {
    fake.client_builder()
        .env_lookup(|_| None)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn c1_constructors_fall_back_to_the_environment_and_send_nothing() {
    let fake = FakeDragoneye::start_with_key("env-key").await;
    let env = |name: &str| (name == ENV_API_KEY).then(|| "env-key".to_owned());
    // Other options set explicitly, the key from the environment (as the Python SDK does).
    let from_env = Dragoneye::builder()
        .env_lookup(env)
        .base_url(fake.client().base_url().as_str())
        .max_retries(2)
        .build()
        .unwrap();
    let explicit = Dragoneye::new("explicit").unwrap();
    assert_eq!(explicit.base_url().as_str(), format!("{DEFAULT_BASE_URL}/"));
    assert!(fake.requests().is_empty(), "construction sends no request");
    let status = from_env.classification().status("no-such-task").await;
    assert!(status.is_err());
    assert_eq!(
        fake.requests()[0].header("x-api-key"),
        Some("env-key"),
        "the key came from DRAGONEYE_API_KEY"
    );
}

#[test]
fn c2_key_errors_at_build() {
    assert!(matches!(
        no_env().build(),
        Err(Error::Credential(CredentialError::Missing { .. }))
    ));
    assert!(matches!(
        Dragoneye::new(""),
        Err(Error::Credential(CredentialError::Blank))
    ));
    assert!(matches!(
        Dragoneye::new("dk-1\r\nX-Evil: 1"),
        Err(Error::Credential(CredentialError::NotHeaderSafe))
    ));
}

#[tokio::test]
async fn c3_shared_setters_aliases_and_the_user_agent_with_a_callers_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/prediction-task/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "prediction_task_uuid": "t", "prediction_type": "image", "status": "predicted"
        })))
        .mount(&server)
        .await;
    let clock: Arc<dyn common::Clock> = Arc::new(ManualClock::new());
    // A caller's client with a User-Agent of its own (built with the same redirect policy).
    let caller = common::TransportConfig::new("caller-agent/1")
        .build()
        .unwrap();
    for http_client in [None, Some(caller)] {
        let mut builder = Dragoneye::builder()
            .api_key(Secret::new("k"))
            .base_url(server.uri())
            .timeout(Duration::from_secs(5))
            .timeout(None)
            .connect_timeout(Duration::from_secs(3))
            .retry_policy(RetryPolicy::new())
            .clock(Arc::clone(&clock))
            .danger_accept_invalid_certs(false)
            .env_lookup(|_| None)
            // Aliases named after the Python parameters.
            .max_retries(3)
            .max_backoff_time(Duration::from_secs(5))
            .backoff_jitter(false)
            .base_api_url(server.uri());
        if let Some(client) = http_client {
            builder = builder.http_client(client);
        }
        let client = builder.build().unwrap();
        assert_eq!(client.timeout(), None);
        assert_eq!(client.retry_policy().attempts(), 3);
        client.classification().status("t").await.unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        let agent = request.headers.get("user-agent").unwrap().to_str().unwrap();
        assert!(agent.starts_with("dragoneye-rs/"), "{agent}");
    }
    // A replaced User-Agent, for both kinds of client.
    let custom = no_env()
        .api_key("k")
        .base_url(server.uri())
        .user_agent("my-app/1")
        .build()
        .unwrap();
    custom.classification().status("t").await.unwrap();
    let last = server.received_requests().await.unwrap().pop().unwrap();
    assert_eq!(last.headers.get("user-agent").unwrap(), "my-app/1");
}

#[test]
fn c4_the_client_is_one_arc_send_sync_and_hides_the_key() {
    fn shareable<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}
    shareable::<Dragoneye>();
    let client = Dragoneye::new("dk-topsecret").unwrap();
    let copy = client.clone();
    assert!(!format!("{copy:?}").contains("dk-topsecret"));
    let _: &common::reqwest::Url = client.base_url();
    assert_eq!(client.timeout(), Some(DEFAULT_TIMEOUT));
}

#[tokio::test]
async fn c5_call_builders_own_the_client_and_are_spawnable_and_awaitable() {
    fn spawnable<T: Clone + Send + 'static + std::future::IntoFuture>() {}
    spawnable::<PredictImage>();
    spawnable::<PredictVideo>();
    spawnable::<Wait>();
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    let clock = ManualClock::new();
    let call = {
        let client = fake_client(&fake, &clock);
        client
            .classification()
            .predict_image(
                Image::from_bytes(JPEG, "image/jpeg"),
                "recognize_anything/m",
            )
            .request_timeout(Duration::from_secs(5))
            .retry_policy(RetryPolicy::none())
        // The client goes out of scope here: the builder owns a clone.
    };
    let again = call.clone();
    let spawned = tokio::spawn(call.into_future()).await.unwrap().unwrap();
    let awaited = again.send().await.unwrap();
    assert_eq!(spawned.objects, awaited.objects);
}

#[test]
fn c6_switches_take_bools() {
    let _ = no_env()
        .backoff_jitter(true)
        .danger_accept_invalid_certs(false);
    let _ = dragoneye::PathOptions::new()
        .guess_from_extension(false)
        .read_into_memory(true);
    let _ = dragoneye::TaskOptions::new().param("dense", true);
}

#[tokio::test]
async fn c8_media_is_lazy_and_checked_at_send_before_any_request() {
    let fake = FakeDragoneye::start().await;
    let clock = ManualClock::new();
    let client = fake_client(&fake, &clock);
    let c = client.classification();
    // Synchronous, infallible constructors; `impl Into<Image>` takes paths and bytes.
    let missing = Image::from_path("/no/such/dir/photo.jpg");
    let err = c.predict_image(missing, "m").await.unwrap_err();
    assert!(matches!(err, Error::Media(_)), "{err:?}");
    let err = c
        .predict_image("/no/such/dir/other.jpg", "m")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(_)), "{err:?}");
    let err = c.predict_image(Vec::<u8>::new(), "m").await.unwrap_err();
    assert!(matches!(err, Error::Media(_)), "empty media: {err:?}");
    let err = c
        .predict_video(Video::from_bytes(JPEG, "image/jpeg"), "m")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(_)), "wrong kind: {err:?}");
    let _ = Image::from(MediaInput::from_bytes(JPEG));
    let _ = Image::from(MediaSource::from_bytes_with_mime(
        JPEG,
        common::mime::IMAGE_JPEG,
    ));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn c9_one_error_enum_with_the_family_variants_and_accessors() {
    let fake = FakeDragoneye::start().await;
    fake.inject(
        Fault::status(Endpoint::Status, 404).json(&serde_json::json!({ "detail": "no such task" })),
    );
    let clock = ManualClock::new();
    let err = fake_client(&fake, &clock)
        .classification()
        .status("t-1")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(err.http_error().is_some());
    assert_eq!(err.request_id(), None);
    assert_eq!(err.retry_after(), None);
    assert!(!err.is_retryable());
    assert_eq!(err.task_uuid(), Some("t-1"));
    // Every family variant exists.
    let family = |e: &Error| {
        matches!(
            e,
            Error::Credential(_)
                | Error::Config(_)
                | Error::InvalidInput(_)
                | Error::Media(_)
                | Error::Http(_)
                | Error::Decode(_)
        )
    };
    assert!(family(&Error::Config("x".into())));
    assert!(!family(&err));
    // `Result` is the crate's.
    fn typed(e: Error) -> Result<()> {
        Err(e)
    }
    assert!(typed(err).is_err());
}

#[tokio::test]
async fn c10_retryable_means_the_same_call_may_succeed() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let clock = ManualClock::new();
    let client = no_env()
        .api_key("k")
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(2)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let err = client.classification().status("t").await.unwrap_err();
    assert!(err.is_retryable(), "a connect error: {err:?}");
    assert!(matches!(err.http_error(), Some(HttpError::Connect { .. })));
    let err = client.classification().status("").await.unwrap_err();
    assert!(!err.is_retryable(), "a local failure");
    let timeout = Error::PredictionTimeout {
        task_uuid: "t".into(),
        timeout: Duration::from_secs(1),
        last_status: None,
    };
    assert!(!timeout.is_retryable(), "resume with the uuid instead");
}

#[tokio::test]
async fn c11_models_are_open_and_identity_is_strict() {
    let server = MockServer::start().await;
    Mock::given(path("/prediction-task/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "prediction_task_uuid": "t", "prediction_type": "audio", "status": "thinking", "new": 1
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/prediction-task/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": {"prediction_task_uuid": "t", "prediction_type": "image", "status": "predicted"}
        })))
        .mount(&server)
        .await;
    let client = no_env()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let status = client.classification().status("t").await.unwrap();
    assert!(status.prediction_type.is_unknown());
    assert_eq!(status.prediction_type, PredictionType::from("audio"));
    assert_eq!(status.status.as_str(), "thinking");
    let err = client.classification().status("t").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(
        err.to_string().contains("prediction_task_uuid"),
        "serde's message is shown: {err}"
    );
}

#[test]
fn c12_reexports_and_constants() {
    let _ = ClientOptions::new();
    let _: Option<Page<u8>> = None;
    assert_eq!(DEFAULT_BASE_URL, "https://api.dragoneye.ai");
    assert_eq!(ENV_API_KEY, "DRAGONEYE_API_KEY");
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_secs(300));
    let _: common::RetryPolicy = RetryPolicy::none();
}

#[tokio::test]
async fn c13_c14_the_fake_has_the_family_shape_and_runs_without_features() {
    let fake = FakeDragoneye::start().await;
    let other = FakeDragoneye::start_with_key("other-key").await;
    assert_eq!(other.api_key(), "other-key");
    let copy = fake.clone();
    copy.inject(Fault::status(Endpoint::Status, 503));
    let _ = fake.client_builder().build().unwrap();
    let err = fake
        .client()
        .classification()
        .status("t")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(fake.requests().len(), 1, "the clone shares the fake");
}

/// Captures fmt output of `tracing` for one test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

#[tokio::test]
async fn c15_spans_carry_the_sdk_method_name_and_never_the_key() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    fake.inject(Fault::status(Endpoint::Begin, 429));
    fake.inject(Fault::status(Endpoint::Status, 429));
    let clock = ManualClock::new();
    let client = fake_client(&fake, &clock);
    client
        .classification()
        .predict_image(Image::from_bytes(JPEG, "image/jpeg"), "m")
        .await
        .unwrap();
    fake.inject(Fault::status(Endpoint::Status, 429));
    client.classification().status("t").await.unwrap_err();
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(text.contains("operation=\"predict_image\""), "{text}");
    assert!(text.contains("operation=\"status\""), "{text}");
    assert!(
        !text.contains(&fake.api_key()),
        "the key in traces:\n{text}"
    );
}

#[tokio::test]
async fn c16_c17_what_is_retried_and_what_is_never_sent_twice() {
    let fake = FakeDragoneye::start().await;
    let clock = ManualClock::new();
    let client = fake_client(&fake, &clock);
    // A 5xx of an API call is returned at once, for reads and creates alike.
    fake.inject(Fault::status(Endpoint::Status, 503));
    client.classification().status("t").await.unwrap_err();
    assert_eq!(fake.requests_to(Endpoint::Status).len(), 1);
    fake.inject(Fault::status(Endpoint::Begin, 500));
    let err = client
        .classification()
        .submit(
            Image::from_bytes(JPEG, "image/jpeg"),
            "m",
            &Default::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TaskBeginFailed { .. }), "{err:?}");
    assert_eq!(fake.requests_to(Endpoint::Begin).len(), 1);
    // A 429 is retried, even for the non-idempotent begin (not acted upon).
    fake.set_pending_polls(0);
    fake.inject(Fault::status(Endpoint::Begin, 429).retry_after(1));
    client
        .classification()
        .submit(
            Image::from_bytes(JPEG, "image/jpeg"),
            "m",
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(fake.requests_to(Endpoint::Begin).len(), 3);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1)]);
}

#[test]
fn c18_the_readme_has_the_porting_table() {
    let readme = include_str!("../README.md");
    for needed in [
        "## Porting from Python",
        "PredictionTimeoutException",
        "PredictionTaskError",
        "PredictionUploadError",
        "PredictionTaskBeginError",
        "PredictionTaskResultsUnavailableError",
        "max_retries",
        "max_backoff_time",
        "backoff_jitter",
        "frames_per_second",
        "Deliberate differences",
    ] {
        assert!(readme.contains(needed), "README lacks {needed:?}");
    }
}
