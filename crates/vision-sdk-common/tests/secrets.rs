//! Secrets never reach Debug output, errors, URLs in errors, or tracing output.
//!
//! Its own test binary: tracing caches per-callsite interest process-wide, so a test that
//! installs a subscriber must not share a process with tests that run without one.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderName, Method};
use vision_sdk_common::auth::Auth;
use vision_sdk_common::internal::execute::{Executor, Idempotency, RequestSpec};
use vision_sdk_common::{AuthScheme, ManualClock, RetryPolicy, Secret, TransportConfig};
use wiremock::matchers::{method, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-live-0123456789-very-secret";

fn executor(clock: &ManualClock, auth: Auth) -> Executor {
    let http = TransportConfig::new(vision_sdk_common::user_agent!())
        .build()
        .unwrap();
    Executor::builder("test", http)
        .auth(auth)
        .retry(
            RetryPolicy::new()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(200)),
        )
        .request_id_header(HeaderName::from_static("x-request-id"))
        .clock(Arc::new(clock.clone()))
        .build()
}

fn url(server: &MockServer, p: &str) -> reqwest::Url {
    format!("{}{p}", server.uri()).parse().unwrap()
}

/// A writer that appends tracing output to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_never_shows_in_debug_errors_urls_or_traces() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("api_key", KEY))
        .respond_with(ResponseTemplate::new(503).set_body_string("nope"))
        .mount(&server)
        .await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let clock = ManualClock::new();
    let exec = executor(
        &clock,
        Auth::new(AuthScheme::Query("api_key"), Secret::new(KEY)),
    );
    let err = exec
        .execute(
            "get",
            Idempotency::Idempotent,
            RequestSpec::new(Method::GET, url(&server, "/model/1")).query([("confidence", "40")]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 4);
    let details = err.details().unwrap();
    assert!(
        details.url().contains("api_key=[redacted]"),
        "{}",
        details.url()
    );
    // The URL as sent (the key appended after the call's own query), redacted.
    assert_eq!(
        details.url(),
        format!("{}/model/1?confidence=40&api_key=[redacted]", server.uri())
    );
    for shown in [
        format!("{exec:?}"),
        format!("{err:?}"),
        err.to_string(),
        String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned(),
    ] {
        assert!(!shown.contains(KEY), "key leaked into: {shown}");
    }
    let traces = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(traces.contains("vision_sdk.request"), "{traces}");
    assert!(traces.contains("retrying"), "{traces}");
    assert!(
        !traces.contains("nope"),
        "bodies are never traced: {traces}"
    );
}
