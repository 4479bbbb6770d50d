//! The request executor against a mock server: retries, idempotency, bodies, secrets, tracing.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderName, Method, StatusCode};
use vision_sdk_common::auth::Auth;
use vision_sdk_common::internal::execute::{Executor, Idempotency, MultipartField, RequestSpec};
use vision_sdk_common::{
    AuthScheme, HttpError, ManualClock, MediaSource, RetryPolicy, Secret, TransportConfig,
};
use wiremock::matchers::{body_bytes, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

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

fn header_auth() -> Auth {
    Auth::new(
        AuthScheme::Header(HeaderName::from_static("x-api-token")),
        Secret::new(KEY),
    )
}

fn url(server: &MockServer, p: &str) -> reqwest::Url {
    format!("{}{p}", server.uri()).parse().unwrap()
}

/// Answers with the given statuses in turn (the last one repeats).
struct Sequence(Mutex<Vec<ResponseTemplate>>);

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut seq = self.0.lock().unwrap();
        if seq.len() > 1 {
            seq.remove(0)
        } else {
            seq[0].clone()
        }
    }
}

fn sequence(responses: Vec<ResponseTemplate>) -> Sequence {
    Sequence(Mutex::new(responses))
}

#[tokio::test]
async fn idempotent_call_retries_503_and_resends_whole_body() {
    let server = MockServer::start().await;
    let body = vec![7u8; 300_000];
    Mock::given(method("PUT"))
        .and(path("/thing"))
        .and(header("x-api-token", KEY))
        .and(body_bytes(body.clone()))
        .respond_with(sequence(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(200)
                .set_body_string("{\"ok\":true}")
                .insert_header("x-request-id", "rid-42"),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let exec = executor(&clock, header_auth());
    let spec = RequestSpec::new(Method::PUT, url(&server, "/thing")).bytes(
        body.into(),
        http::HeaderValue::from_static("application/octet-stream"),
    );
    let response = exec
        .execute("put_thing", Idempotency::Idempotent, spec)
        .await
        .unwrap();
    assert_eq!(response.attempts(), 2);
    assert_eq!(response.request_id(), Some("rid-42"));
    let value: serde_json::Value = response.json("put_thing").unwrap();
    assert_eq!(value["ok"], true);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1);
    assert!(sleeps[0] <= Duration::from_millis(200));
}

#[tokio::test]
async fn non_idempotent_post_answered_503_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("overloaded"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let exec = executor(&clock, header_auth());
    let err = exec
        .execute(
            "create",
            Idempotency::NonIdempotent,
            RequestSpec::new(Method::POST, url(&server, "/create")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(err.is_retryable(), "503 is retryable in itself");
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.details().unwrap().body().text(), "overloaded");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn non_idempotent_post_is_retried_after_429_which_was_not_processed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(429).insert_header("retry-after", "2"),
            ResponseTemplate::new(201),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let response = executor(&clock, header_auth())
        .execute(
            "create",
            Idempotency::NonIdempotent,
            RequestSpec::new(Method::POST, url(&server, "/create")),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
}

#[tokio::test]
async fn non_idempotent_post_is_retried_after_connect_error() {
    // A port with nothing listening: the request never reaches a server.
    let port = vision_sdk_testkit::dead_port();
    let clock = ManualClock::new();
    let exec = executor(&clock, header_auth());
    let err = exec
        .execute(
            "create",
            Idempotency::NonIdempotent,
            RequestSpec::new(
                Method::POST,
                format!("http://127.0.0.1:{port}/x").parse().unwrap(),
            ),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Connect { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(clock.sleeps().len(), 3);
}

#[tokio::test]
async fn retries_exhausted_returns_last_error_with_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .expect(4)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let exec = executor(&clock, header_auth());
    let err = exec
        .execute(
            "get",
            Idempotency::Idempotent,
            RequestSpec::new(Method::GET, url(&server, "/a")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 4);
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    for (i, d) in sleeps.iter().enumerate() {
        assert!(*d <= Duration::from_millis(200 << i), "sleep {i}: {d:?}");
    }
}

#[tokio::test]
async fn non_retryable_status_is_returned_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string("{\"detail\":\"bad\"}"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = executor(&clock, header_auth())
        .execute(
            "get",
            Idempotency::Idempotent,
            RequestSpec::new(Method::GET, url(&server, "/a")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert!(!err.is_retryable());
    assert_eq!(
        err.details().unwrap().body().json().unwrap()["detail"],
        "bad"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_in_both_forms() {
    let server = MockServer::start().await;
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
    Mock::given(method("GET"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(429).insert_header("retry-after", "3"),
            ResponseTemplate::new(429).insert_header("retry-after", date.as_str()),
            ResponseTemplate::new(200),
        ]))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    executor(&clock, header_auth())
        .execute(
            "get",
            Idempotency::Idempotent,
            RequestSpec::new(Method::GET, url(&server, "/a")),
        )
        .await
        .unwrap();
    let sleeps = clock.sleeps();
    assert_eq!(sleeps[0], Duration::from_secs(3));
    // The HTTP-date has one-second resolution.
    assert!(
        sleeps[1] > Duration::from_secs(27) && sleeps[1] <= Duration::from_secs(30),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_returns_the_error_with_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = executor(&clock, header_auth())
        .execute(
            "get",
            Idempotency::Idempotent,
            RequestSpec::new(Method::GET, url(&server, "/a")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn file_bodies_are_reopened_for_every_attempt() {
    let mut file = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    let mut content = vec![0xFF, 0xD8, 0xFF, 0xE0];
    content.extend((0..200_000u32).map(|i| (i % 251) as u8));
    file.write_all(&content).unwrap();
    file.flush().unwrap();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("content-type", "image/jpeg"))
        .and(body_bytes(content.clone()))
        .respond_with(sequence(vec![
            ResponseTemplate::new(502),
            ResponseTemplate::new(502),
            ResponseTemplate::new(201),
        ]))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let media = MediaSource::from_path(file.path()).await.unwrap();
    let response = executor(&clock, header_auth())
        .execute(
            "upload",
            Idempotency::Idempotent,
            RequestSpec::new(Method::POST, url(&server, "/upload")).media(media),
        )
        .await
        .unwrap();
    assert_eq!(response.attempts(), 3);
}

#[tokio::test]
async fn multipart_is_reassembled_per_attempt_and_presigned_calls_carry_no_key() {
    let mut file = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    file.write_all(b"\x89PNG\r\n\x1a\n-rest-of-png").unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(204),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let spec = RequestSpec::new(Method::POST, url(&server, "/bucket"))
        .multipart(vec![
            MultipartField::Text {
                name: "key".into(),
                value: "uploads/a.png".into(),
            },
            MultipartField::Media {
                name: "file".into(),
                source: MediaSource::from_path(file.path()).await.unwrap(),
            },
        ])
        .without_auth();
    executor(&clock, header_auth())
        .execute("upload", Idempotency::Idempotent, spec)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert!(request.headers.get("x-api-token").is_none());
        let body = String::from_utf8_lossy(&request.body);
        assert!(body.contains("name=\"key\""), "{body}");
        assert!(body.contains("uploads/a.png"));
        assert!(body.contains("filename="));
        assert!(body.contains("-rest-of-png"));
        // The text field comes before the file.
        assert!(body.find("name=\"key\"").unwrap() < body.find("name=\"file\"").unwrap());
    }
}

/// Replaces the executor's credential while answering the first attempt with a 503.
struct RotateThenFail {
    executor: Mutex<Option<Executor>>,
}

impl Respond for RotateThenFail {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        match self.executor.lock().unwrap().take() {
            Some(executor) => {
                executor
                    .replace_secret(Secret::new("sk-rotated-0123456789"))
                    .unwrap();
                ResponseTemplate::new(503)
            }
            None => ResponseTemplate::new(200).set_body_string("{}"),
        }
    }
}

#[tokio::test]
async fn a_replaced_secret_is_sent_by_the_next_attempt_and_redacted() {
    let server = MockServer::start().await;
    let clock = ManualClock::new();
    let exec = executor(&clock, header_auth());
    Mock::given(method("GET"))
        .and(path("/rotate"))
        .respond_with(RotateThenFail {
            executor: Mutex::new(Some(exec.clone())),
        })
        .mount(&server)
        .await;
    let response = exec
        .execute(
            "rotate",
            Idempotency::Idempotent,
            RequestSpec::new(Method::GET, url(&server, "/rotate")),
        )
        .await
        .unwrap();
    assert_eq!(response.attempts(), 2);
    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["x-api-token"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent, [KEY, "sk-rotated-0123456789"]);
    // Clones share the credential; the new one is redacted and never in Debug.
    assert_eq!(
        exec.redactor().redact("echo sk-rotated-0123456789"),
        "echo [redacted]"
    );
    assert!(!format!("{exec:?}").contains("sk-rotated"));
    // A blank credential, or an executor without one, is refused and changes nothing.
    assert!(exec.replace_secret(Secret::new(" ")).is_err());
    assert!(exec.replace_secret(Secret::new("a\nb")).is_err());
    let http = TransportConfig::new(vision_sdk_common::user_agent!())
        .build()
        .unwrap();
    let bare = Executor::builder("bare", http).build();
    assert!(bare.replace_secret(Secret::new("k")).is_err());
    assert!(bare.auth().is_none());
}
