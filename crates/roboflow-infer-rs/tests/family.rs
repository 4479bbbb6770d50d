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
