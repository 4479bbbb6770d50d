//! The family contract (docs/architecture.md, C1–C18) for this crate.

use std::time::Duration;

use roboflow_infer::{
    ClientOptions, CredentialError, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ENV_API_KEY, Error,
    InferenceClient, MediaInput, MediaSource, Page, Result, RetryPolicy, Secret,
};

#[test]
fn c1_c2_constructors_and_key_errors() {
    // C1: new(key) sends nothing and targets the hosted API.
    let client = InferenceClient::new("key-123").unwrap();
    assert_eq!(client.base_url().as_str(), format!("{DEFAULT_BASE_URL}/"));
    // C2: blank and unsendable keys fail at build with the family variants.
    assert!(matches!(
        InferenceClient::new(" "),
        Err(Error::Credential(CredentialError::Blank))
    ));
    let err = InferenceClient::builder()
        .api_key("a\nb")
        .api_key_transport(roboflow_infer::ApiKeyTransport::Header)
        .env_lookup(|_| None)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Credential(CredentialError::NotHeaderSafe)),
        "{err}"
    );
    let err = InferenceClient::builder()
        .env_lookup(|_| None)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Credential(CredentialError::Missing { ref vars }) if vars == &[ENV_API_KEY]),
        "{err}"
    );
}

#[test]
fn c3_shared_setters_and_the_python_alias() {
    let client = InferenceClient::builder()
        .api_url("http://localhost:9001")
        .api_key(Secret::new("k-1234"))
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(RetryPolicy::none())
        .user_agent("my-app/1")
        .danger_accept_invalid_certs(false)
        .env_lookup(|_| None)
        .build()
        .unwrap();
    assert_eq!(client.base_url().as_str(), "http://localhost:9001/");
    assert_eq!(client.timeout(), Some(Duration::from_secs(5)));
    // C4: Debug without the key.
    assert!(!format!("{client:?}").contains("k-1234"));
    let default = InferenceClient::new("k-1").unwrap();
    assert_eq!(default.timeout(), Some(DEFAULT_TIMEOUT));
}

#[test]
fn c12_re_exports() {
    fn _uses(
        _: ClientOptions,
        _: MediaInput,
        _: Option<MediaSource>,
        _: Option<Page<u8>>,
    ) -> Result<()> {
        Ok(())
    }
    let _ = roboflow_infer::common::RetryPolicy::none();
}

#[test]
fn c10_local_failures_are_not_retryable() {
    assert!(!Error::InvalidInput("x".into()).is_retryable());
    assert!(Error::InvalidInput("x".into()).status().is_none());
    assert!(Error::FeatureDeprecated("x".into()).http_error().is_none());
}

#[tokio::test]
async fn c13_the_fake_has_the_family_shape() {
    use roboflow_infer::testing::{
        FAKE_API_KEY, FakeRoboflow, Fault, Matcher, RecordedRequest, sample_jpeg,
    };
    let fake = FakeRoboflow::start().await;
    assert_eq!(
        fake.api_key()
            .map(|k| k.expose_secret().to_owned())
            .as_deref(),
        Some(FAKE_API_KEY)
    );
    assert!(fake.base_url().starts_with("http://127.0.0.1:"));
    let clone = fake.clone();
    let client = clone.client_builder().build().unwrap();
    // A prefix matcher, spent once, then the normal answer.
    fake.inject(Fault::status(Matcher::path_prefix("/inf"), 503).times(1));
    assert_eq!(
        client
            .get_server_info()
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(503)
    );
    client.get_server_info().await.unwrap();
    let image = roboflow_infer::Image::from_bytes(sample_jpeg());
    fake.client().infer("fake-od/1", image).await.unwrap();
    // Every request, on either clone, as common's RecordedRequest with its status.
    let seen: Vec<RecordedRequest> = fake.requests();
    let lines: Vec<(String, Option<u16>)> = seen.iter().map(|r| (r.line(), r.status)).collect();
    assert_eq!(
        lines[..2],
        [
            ("GET /info".to_owned(), Some(503)),
            ("GET /info".to_owned(), Some(200))
        ]
    );
    let infer = seen.last().unwrap();
    assert_eq!(infer.path, "/infer/object_detection");
    assert_eq!(infer.json().unwrap()["model_id"], "fake-od/1");
    // Without the key, a 401 even with a fault queued (the key check comes first).
    let keyless = roboflow_infer::InferenceClient::builder()
        .api_url(fake.base_url())
        .api_key("wrong-key")
        .env_lookup(|_| None)
        .build()
        .unwrap();
    // (The registry read, which needs no key, comes first; the POSTs need it.)
    fake.inject(Fault::status("POST /*", 500));
    let err = keyless
        .infer(
            "fake-od/1",
            roboflow_infer::Image::from_bytes(sample_jpeg()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
}
