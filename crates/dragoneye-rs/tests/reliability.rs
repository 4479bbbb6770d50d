//! Reliability rules (issue 8, Dragoneye): input checks before any request, `begin`/`start`
//! never sent twice after the server may have acted, the upload's own timeout and retry policy,
//! what `status`/results retry, the time budget, decode errors with serde's message, the key
//! never shown nor sent to another origin.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dragoneye::testing::{Endpoint, FakeDragoneye, Fault};
use dragoneye::{
    CredentialError, Dragoneye, DragoneyeBuilder, Error, HttpError, Image, ManualClock,
    PredictionTask, RetryPolicy, TaskOptions, Video,
};
use tokio::io::AsyncReadExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];
const KEY: &str = "dk-secret-5f1e";

fn builder(base_url: &str, clock: &ManualClock) -> DragoneyeBuilder {
    Dragoneye::builder()
        .env_lookup(|_| None)
        .api_key(KEY)
        .base_url(base_url)
        .clock(Arc::new(clock.clone()))
}

fn fake_client(fake: &FakeDragoneye, clock: &ManualClock) -> Dragoneye {
    fake.client_builder()
        .env_lookup(|_| None)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

fn task_json(uuid: &str, prediction_type: &str, upload_url: &str) -> serde_json::Value {
    serde_json::json!({
        "prediction_task_uuid": uuid,
        "prediction_type": prediction_type,
        "signed_urls": [{"blob_path": "b", "presigned_post_request": {"url": upload_url, "fields": {"key": "k"}}}],
    })
}

fn task(uuid: &str, upload_url: &str) -> PredictionTask {
    // Built by hand: a task without its uuid does not even decode.
    PredictionTask::new(
        uuid.to_owned(),
        dragoneye::PredictionType::Image,
        vec![dragoneye::SignedUrl::new(
            "b".to_owned(),
            dragoneye::PresignedPostRequest::new(
                upload_url.to_owned(),
                vec![("key".to_owned(), "k".to_owned())],
            ),
        )],
    )
}

#[tokio::test]
async fn every_documented_input_check_runs_before_any_request() {
    let fake = FakeDragoneye::start().await;
    let clock = ManualClock::new();
    let c = fake_client(&fake, &clock).classification();
    let image = || Image::from_bytes(JPEG, "image/jpeg");
    let video = || Video::from_bytes(b"\0\0\0\x18ftypisom".to_vec(), "video/mp4");
    let invalid = |r: Result<(), Error>, what: &str| {
        let err = r.unwrap_err();
        assert!(err.is_local(), "{what}: {err:?}");
        assert!(!err.is_retryable(), "{what}");
    };
    invalid(c.predict_image(image(), "").await.map(drop), "empty model");
    invalid(
        c.predict_image(image(), "  ").await.map(drop),
        "blank model",
    );
    invalid(
        c.predict_video(video(), "m")
            .frames_per_second(0)
            .await
            .map(drop),
        "fps 0",
    );
    invalid(
        c.predict_image(image(), "m").param("", 1).await.map(drop),
        "empty parameter name",
    );
    invalid(
        c.predict_image(Vec::new(), "m").await.map(drop),
        "empty bytes",
    );
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    invalid(c.predict_image(&empty, "m").await.map(drop), "empty file");
    invalid(
        c.predict_image(Image::from_bytes(JPEG, "not a mime"), "m")
            .await
            .map(drop),
        "bad MIME type",
    );
    invalid(c.status("").await.map(drop), "empty uuid: status");
    invalid(c.wait(" ").await.map(drop), "empty uuid: wait");
    invalid(
        c.get_image_results("").await.map(drop),
        "empty uuid: results",
    );
    invalid(
        c.get_video_results("").await.map(drop),
        "empty uuid: results",
    );
    invalid(
        c.get_results("", dragoneye::PredictionType::Image)
            .await
            .map(drop),
        "empty uuid: results",
    );
    invalid(
        c.get_results("t", "audio").await.map(drop),
        "unknown prediction type",
    );
    invalid(
        c.start("", "m", &TaskOptions::new()).await,
        "empty uuid: start",
    );
    invalid(
        c.start("t", "", &TaskOptions::new()).await,
        "empty model: start",
    );
    invalid(
        c.submit(image(), "", &TaskOptions::new()).await.map(drop),
        "empty model: submit",
    );
    invalid(
        c.begin(image(), &TaskOptions::new().frames_per_second(0))
            .await
            .map(drop),
        "fps 0: begin",
    );
    invalid(
        c.upload(&task("", "http://127.0.0.1:9/up"), image()).await,
        "empty uuid: upload",
    );
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // Keys are checked at build().
    for (key, expected) in [
        ("", CredentialError::Blank),
        ("  ", CredentialError::Blank),
        ("dk\nsecret", CredentialError::NotHeaderSafe),
    ] {
        let err = Dragoneye::builder()
            .env_lookup(|_| None)
            .api_key(key)
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Credential(e) if *e == expected),
            "{key:?}: {err:?}"
        );
    }
}

/// A server that reads each request's head, then closes the connection without answering
/// (the request reached the server; the outcome is unknown). Counts the requests.
async fn hang_up_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut head = Vec::new();
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            });
        }
    });
    (url, count)
}

#[tokio::test]
async fn start_and_begin_are_never_sent_twice_after_the_server_may_have_acted() {
    let (url, count) = hang_up_server().await;
    let clock = ManualClock::new();
    let client = builder(&url, &clock)
        .max_retries(4)
        .backoff_jitter(false)
        .build()
        .unwrap();
    let c = client.classification();
    let err = c.start("t-42", "m", &TaskOptions::new()).await.unwrap_err();
    let Error::TaskStartFailed { task_uuid, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(task_uuid, "t-42");
    assert!(
        matches!(source, HttpError::OutcomeUnknown { attempts: 1, .. }),
        "{source:?}"
    );
    assert!(!err.is_retryable(), "find out first, then start again");
    assert_eq!(err.task_uuid(), Some("t-42"), "poll its status to recover");
    assert_eq!(count.load(Ordering::SeqCst), 1, "start was sent once");

    let err = c
        .begin(Image::from_bytes(JPEG, "image/jpeg"), &TaskOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.http_error(),
            Some(HttpError::OutcomeUnknown { attempts: 1, .. })
        ),
        "{err:?}"
    );
    assert!(matches!(err, Error::TaskBeginFailed { .. }));
    assert_eq!(count.load(Ordering::SeqCst), 2, "begin was sent once");

    // The reads are retried after the same failure.
    let err = c.status("t-42").await.unwrap_err();
    assert!(matches!(err, Error::StatusFailed { .. }), "{err:?}");
    assert_eq!(
        err.http_error().map(HttpError::attempts),
        Some(4),
        "all 4 attempts"
    );
    // (The server may not see every retry: one sent on a connection it is closing fails first.)
    let seen = count.load(Ordering::SeqCst);
    assert!((2 + 2..=2 + 4).contains(&seen), "{seen}");
    assert!(err.is_retryable());
    assert_eq!(
        clock.sleeps(),
        [1, 2, 4].map(Duration::from_secs).to_vec(),
        "only the reads slept"
    );
}

#[tokio::test]
async fn a_start_that_timed_out_is_not_resent_and_status_timeouts_are_retried() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_secs(5));
    Mock::given(path("/predict"))
        .respond_with(slow.clone())
        .mount(&server)
        .await;
    Mock::given(path("/prediction-task/status"))
        .respond_with(slow)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.uri(), &clock)
        .timeout(Duration::from_millis(150))
        .max_retries(3)
        .build()
        .unwrap();
    let err = client
        .classification()
        .start("t", "m", &TaskOptions::new())
        .await
        .unwrap_err();
    assert!(
        err.http_error().is_some_and(HttpError::is_timeout),
        "{err:?}"
    );
    assert!(matches!(
        err.http_error(),
        Some(HttpError::OutcomeUnknown { .. })
    ));
    let err = client
        .classification()
        .wait("t")
        .request_timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StatusFailed { .. }), "{err:?}");
    assert!(matches!(err.http_error(), Some(HttpError::Timeout { .. })));
    assert!(err.is_retryable());
    let requests = server.received_requests().await.unwrap();
    let to = |p: &str| requests.iter().filter(|r| r.url.path() == p).count();
    assert_eq!(to("/predict"), 1);
    assert_eq!(to("/prediction-task/status"), 3);
}

#[tokio::test]
async fn the_upload_has_its_own_policy_and_a_timeout() {
    // Retried on 5xx by default, whatever the API's max_retries.
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    fake.inject(Fault::status(Endpoint::Upload, 503).times(3));
    let clock = ManualClock::new();
    let client = fake
        .client_builder()
        .clock(Arc::new(clock.clone()))
        .max_retries(1)
        .build()
        .unwrap();
    client
        .classification()
        .predict_image(Image::from_bytes(JPEG, "image/jpeg"), "m")
        .await
        .unwrap();
    assert_eq!(fake.requests_to(Endpoint::Upload).len(), 4);
    assert_eq!(client.upload_retry_policy().attempts(), 5);

    // As the official SDK: never retried.
    fake.inject(Fault::status(Endpoint::Upload, 503));
    let once = fake
        .client_builder()
        .clock(Arc::new(clock.clone()))
        .upload_retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = once
        .classification()
        .predict_image(Image::from_bytes(JPEG, "image/jpeg"), "m")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UploadFailed { .. }), "{err:?}");
    assert_eq!(fake.requests_to(Endpoint::Upload).len(), 5);

    // A stalled upload ends at its timeout, never with the key.
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_secs(5)))
        .mount(&sink)
        .await;
    let client = builder(&sink.uri(), &clock)
        .upload_timeout(Duration::from_millis(150))
        .upload_retry_policy(RetryPolicy::new().max_attempts(2))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .classification()
        .upload(
            &task("t-up", &format!("{}/bucket", sink.uri())),
            Image::from_bytes(JPEG, "image/jpeg"),
        )
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout ended it"
    );
    let Error::UploadFailed { task_uuid, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(task_uuid, "t-up");
    assert!(source.is_timeout(), "{source:?}");
    let uploads = sink.received_requests().await.unwrap();
    assert_eq!(
        uploads.len(),
        2,
        "the upload is idempotent: retried after a timeout"
    );
    assert!(uploads.iter().all(|r| r.headers.get("x-api-key").is_none()));

    // The default limit scales with the size.
    assert_eq!(
        Dragoneye::new("k")
            .unwrap()
            .upload_timeout_for(Some(10 << 20)),
        Some(Duration::from_secs(310))
    );
}

#[tokio::test]
async fn status_and_results_retry_429_but_not_5xx() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    fake.inject(Fault::status(Endpoint::Results, 429).times(2));
    fake.inject(Fault::status(Endpoint::Status, 429));
    let clock = ManualClock::new();
    let client = fake_client(&fake, &clock);
    client
        .classification()
        .predict_image(Image::from_bytes(JPEG, "image/jpeg"), "m")
        .await
        .unwrap();
    assert_eq!(fake.requests_to(Endpoint::Results).len(), 3);
    assert_eq!(fake.requests_to(Endpoint::Status).len(), 2);
    fake.inject(Fault::status(Endpoint::Results, 502));
    let err = client
        .classification()
        .get_image_results("t")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResultsUnavailable { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(fake.requests_to(Endpoint::Results).len(), 4);
}

#[tokio::test]
async fn a_retried_call_stays_within_its_budget() {
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Begin, 429).times(usize::MAX));
    let clock = ManualClock::new();
    let client = fake
        .client_builder()
        .clock(Arc::new(clock.clone()))
        .max_retries(100)
        .max_backoff_time(Duration::from_secs(3))
        .backoff_jitter(false)
        .build()
        .unwrap();
    let err = client
        .classification()
        .begin(Image::from_bytes(JPEG, "image/jpeg"), &TaskOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TaskBeginFailed { .. }), "{err:?}");
    // Attempts at t = 0, 1, 3 s (the second wait cut to the budget), like the official F2.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(2)]
    );
    assert_eq!(fake.requests_to(Endpoint::Begin).len(), 3);
    assert!(err.is_retryable());

    // A Retry-After beyond the budget is not waited for; the caller sees it.
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Status, 429).retry_after(600));
    let clock = ManualClock::new();
    let err = fake_client(&fake, &clock)
        .classification()
        .status("t")
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert!(clock.sleeps().is_empty());

    // Backoff parameters are configurable.
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Status, 429).times(3));
    fake.push_task_uuid("t");
    let clock = ManualClock::new();
    let client = fake
        .client_builder()
        .clock(Arc::new(clock.clone()))
        .initial_backoff(Duration::from_millis(100))
        .backoff_multiplier(3.0)
        .backoff_jitter(false)
        .build()
        .unwrap();
    let _ = client.classification().status("t").await;
    assert_eq!(
        clock.sleeps(),
        vec![
            Duration::from_millis(100),
            Duration::from_millis(300),
            Duration::from_millis(900)
        ]
    );
}

#[tokio::test]
async fn malformed_answers_are_decode_errors_with_serdes_message() {
    let server = MockServer::start().await;
    Mock::given(path("/prediction-task/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "prediction_task_uuid": 5, "prediction_type": "image", "status": "predicted"
        })))
        .mount(&server)
        .await;
    Mock::given(path("/prediction-task/begin"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.uri(), &clock).build().unwrap();
    let err = client.classification().status("t").await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.operation, "status");
    assert!(err.to_string().contains("invalid type"), "{err}");
    let err = client
        .classification()
        .begin(Image::from_bytes(JPEG, "image/jpeg"), &TaskOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("expected value"), "{err}");
}

#[tokio::test]
async fn a_wrong_prediction_type_is_detected_before_the_upload() {
    let server = MockServer::start().await;
    Mock::given(path("/prediction-task/begin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(task_json(
            "t-img",
            "image",
            &format!("{}/bucket", server.uri()),
        )))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.uri(), &clock).build().unwrap();
    let err = client
        .classification()
        .predict_video(Video::from_bytes(vec![0, 0, 0, 24], "video/mp4"), "m")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert_eq!(err.task_uuid(), Some("t-img"));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "only begin: nothing uploaded");
}

#[tokio::test]
async fn the_key_is_never_shown_nor_sent_to_another_origin() {
    let other = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(path("/prediction-task/begin"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/steal", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(path("/predict"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(format!("{{\"detail\":\"bad key {KEY}\"}}"))
                .insert_header("x-request-id", format!("req-{KEY}").as_str()),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.uri(), &clock).build().unwrap();
    let err = client
        .classification()
        .begin(Image::from_bytes(JPEG, "image/jpeg"), &TaskOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307));
    assert!(other.received_requests().await.unwrap().is_empty());
    let err = client
        .classification()
        .start("t", "m", &TaskOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!shown.contains(KEY), "{shown}");
    }
    assert!(!err.request_id().unwrap_or_default().contains(KEY));
}

#[tokio::test]
async fn media_that_vanished_is_a_local_failure_not_an_api_error() {
    let fake = FakeDragoneye::start().await;
    let clock = ManualClock::new();
    let client = fake_client(&fake, &clock);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gone.jpg");
    std::fs::write(&file, JPEG).unwrap();
    let image = Image::from_path(&file);
    let task = client
        .classification()
        .begin(&image, &TaskOptions::new())
        .await
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let err = client
        .classification()
        .upload(&task, &image)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(_)), "{err:?}");
    assert!(err.http_error().is_none());
    assert!(fake.requests_to(Endpoint::Upload).is_empty());
}

#[tokio::test]
async fn a_call_lasts_at_most_its_budget_plus_one_request_timeout_in_real_time() {
    let server = MockServer::start().await;
    Mock::given(path("/prediction-task/status"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    // The real clock: attempts time out after 200 ms; no retry starts after 600 ms.
    let client = Dragoneye::builder()
        .env_lookup(|_| None)
        .api_key(KEY)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .max_retries(100)
        .max_backoff_time(Duration::from_millis(600))
        .initial_backoff(Duration::from_millis(100))
        .backoff_jitter(false)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.classification().status("t").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        err.http_error().is_some_and(HttpError::is_timeout),
        "{err:?}"
    );
    assert!(
        elapsed < Duration::from_millis(600 + 200 + 1000),
        "budget + one timeout (+ scheduling slack): {elapsed:?}"
    );
    let attempts = err.http_error().map(HttpError::attempts).unwrap_or(0);
    assert!((2..=4).contains(&attempts), "{attempts}");
}
