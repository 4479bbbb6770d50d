//! Client configuration: auth from the environment, the key's placement, Debug redaction,
//! base URL handling, a caller-supplied HTTP client.

mod support;

use std::process::Command;

use dragoneye::testing::{Endpoint, FakeDragoneye};
use dragoneye::{Dragoneye, Error, Image, ManualClock};
use support::{client, jpeg_bytes};

/// Set in the child processes the env tests spawn (env vars cannot be set safely in-process).
const CHILD: &str = "DRAGONEYE_RS_TEST_CHILD";

fn run_child(test: &str, key: Option<&str>) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1");
    match key {
        Some(key) => command.env("DRAGONEYE_API_KEY", key),
        None => command.env_remove("DRAGONEYE_API_KEY"),
    };
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child {test} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn api_key_from_the_environment() {
    run_child("child_reads_key_from_env", Some("env-key-456"));
    run_child("child_without_key_is_a_credential_error", None);
    run_child("child_without_key_is_a_credential_error", Some("   "));
}

#[tokio::test]
async fn child_reads_key_from_env() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let fake = FakeDragoneye::start_with_key("env-key-456").await;
    fake.set_pending_polls(0);
    let clock = ManualClock::new();
    let c = client(&fake, &clock);
    let task = c
        .classification()
        .submit(
            Image::from_bytes(jpeg_bytes(10), "image/jpeg"),
            "m",
            &Default::default(),
        )
        .await
        .unwrap();
    // The builder without a key reads DRAGONEYE_API_KEY.
    let from_env = Dragoneye::builder()
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let status = from_env
        .classification()
        .status(&task.prediction_task_uuid)
        .await
        .unwrap();
    assert!(status.status.is_success());
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.header("x-api-key"), Some("env-key-456"));
    Dragoneye::from_env().unwrap();
}

#[test]
fn child_without_key_is_a_credential_error() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let err = Dragoneye::from_env().unwrap_err();
    assert!(matches!(&err, Error::Credential(_)), "{err:?}");
    assert!(err.to_string().contains("DRAGONEYE_API_KEY"), "{err}");
}

#[tokio::test]
async fn key_goes_to_the_api_and_never_to_the_upload_url() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(1);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    let clock = ManualClock::new();
    client(&fake, &clock)
        .classification()
        .predict_image(Image::from_bytes(jpeg_bytes(100), "image/jpeg"), "m")
        .await
        .unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 6);
    for request in &requests {
        if request.path == dragoneye::testing::UPLOAD_PATH {
            assert_eq!(request.header("x-api-key"), None);
        } else {
            assert_eq!(request.header("x-api-key"), Some(fake.api_key().as_str()));
        }
    }
    assert_eq!(fake.requests_to(Endpoint::Upload).len(), 1);
}

#[test]
fn debug_output_never_contains_the_key() {
    let client = Dragoneye::new("dk-live-0123456789").unwrap();
    let shown = format!("{client:?} {:?}", client.classification());
    assert!(!shown.contains("dk-live-0123456789"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[tokio::test]
async fn trailing_slash_and_custom_http_client() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    // Building an SDK client first installs the TLS crypto provider reqwest needs.
    let _ = Dragoneye::new("k").unwrap();
    let http = reqwest::Client::builder().build().unwrap();
    let client = Dragoneye::builder()
        .api_key(fake.api_key())
        .base_url(format!("{}/", fake.base_url()))
        .http_client(http)
        .clock(std::sync::Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    assert_eq!(
        client.base_url().as_str(),
        format!("{}/", fake.base_url().trim_end_matches('/'))
    );
    let task = client
        .classification()
        .submit(
            Image::from_bytes(jpeg_bytes(10), "image/jpeg"),
            "m",
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(fake.requests()[0].path, "/prediction-task/begin");
    assert_eq!(
        fake.task(&task.prediction_task_uuid)
            .unwrap()
            .model_name
            .as_deref(),
        Some("m")
    );
}
