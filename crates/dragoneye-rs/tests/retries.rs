//! Retries with paused time (a `ManualClock`): 429s with backoff and `Retry-After`, the
//! attempt and time budgets, and the upload's retries (5xx, connection errors) re-sending the
//! whole file.

mod support;

use std::time::Duration;

use dragoneye::testing::{Endpoint, FakeDragoneye, Fault, content_hash};
use dragoneye::{Error, Image, ManualClock, PathOptions, Video};
use support::{assert_same_requests, builder, client, golden, jpeg_bytes, mp4_bytes};

fn image() -> Image {
    Image::from_bytes(jpeg_bytes(1024), "image/jpeg").with_name("houses.jpg")
}

#[tokio::test]
async fn rate_limits_on_every_api_call_are_retried_with_jittered_backoff() {
    let Some(scenario) = golden("E 429 once") else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid("3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f");
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    fake.inject(Fault::status(Endpoint::Begin, 429));
    fake.inject(Fault::status(Endpoint::Predict, 429));
    fake.inject(Fault::status(Endpoint::Status, 429).times(2));
    fake.inject(Fault::status(Endpoint::Results, 429));
    let clock = ManualClock::new();
    let result = client(&fake, &clock)
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap();
    assert_eq!(result.objects, FakeDragoneye::sample_image_objects());

    // Same sequence as the official SDK (bodies included; the status codes too).
    let ours = fake.requests();
    let methods: Vec<(String, String, u16)> = ours
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status.unwrap_or(0)))
        .collect();
    let golden: Vec<(String, String, u16)> = scenario["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
                u16::try_from(r["response"]["status"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect();
    assert_eq!(methods, golden);

    // Backoff: begin, predict, status (twice: ≤1 s then ≤2 s), results; full jitter in [0, 2^n].
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 5, "{sleeps:?}");
    let ceilings = [1, 1, 1, 2, 1];
    for (sleep, ceiling) in sleeps.iter().zip(ceilings) {
        assert!(*sleep <= Duration::from_secs(ceiling), "{sleeps:?}");
    }
}

#[tokio::test]
async fn exhausted_rate_limit_on_status_is_an_api_error() {
    let Some(scenario) = golden("F 429 forever on status") else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid("3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f");
    fake.inject(Fault::status(Endpoint::Status, 429).always());
    let clock = ManualClock::new();
    let client = builder(&fake, &clock)
        .max_retries(3)
        .backoff_jitter(false)
        .build()
        .unwrap();
    let err = client
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::StatusFailed { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(err.is_retryable());
    assert_eq!(err.http_error().unwrap().attempts(), 3);
    // Attempts at t = 0, 1, 3 s, like the official SDK with identity jitter.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(2)]
    );
    let ours = fake.requests();
    assert_eq!(ours.len(), 6);
    assert_same_requests(&scenario, &ours);
}

#[tokio::test]
async fn max_backoff_time_bounds_the_retries() {
    let Some(scenario) = golden("F2 429 forever on begin") else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Begin, 429).always());
    let clock = ManualClock::new();
    let client = builder(&fake, &clock)
        .max_backoff_time(Duration::from_secs(3))
        .backoff_jitter(false)
        .build()
        .unwrap();
    let err = client
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::TaskBeginFailed { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(
        err.to_string()
            .starts_with("Error beginning prediction task: HTTP 429"),
        "{err}"
    );
    // Attempts at 0, 1, 3 s; at 3 s the budget is spent (the official SDK gives up there too).
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(2)]
    );
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn default_policy_gives_ten_attempts_within_two_minutes() {
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Begin, 429).always());
    // Without a binding time budget: exactly 10 attempts, waits within 1, 2, 4 … 256 s.
    let clock = ManualClock::new();
    let client = builder(&fake, &clock)
        .max_backoff_time(Duration::from_secs(100_000))
        .build()
        .unwrap();
    let err = client
        .classification()
        .begin(image(), &dragoneye::TaskOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.http_error().unwrap().attempts(), 10);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 9);
    for (n, sleep) in sleeps.iter().enumerate() {
        assert!(*sleep <= Duration::from_secs(1 << n), "{sleeps:?}");
    }

    // With the default 120 s budget the jittered waits (255 s on average for 9 of them) usually
    // run out of time first; either way no attempt starts after 120 s.
    let clock = ManualClock::new();
    let err = support::client(&fake, &clock)
        .classification()
        .begin(image(), &dragoneye::TaskOptions::new())
        .await
        .unwrap_err();
    let attempts = err.http_error().unwrap().attempts();
    assert!((2..=10).contains(&attempts), "{attempts}");
    let slept: Duration = clock.sleeps().iter().sum();
    assert!(slept <= Duration::from_secs(120), "{slept:?}");
    assert!(
        attempts == 10 || slept == Duration::from_secs(120),
        "{attempts} {slept:?}"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    fake.inject(Fault::status(Endpoint::Status, 429).retry_after(7));
    let clock = ManualClock::new();
    client(&fake, &clock)
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn retry_after_beyond_the_budget_is_returned() {
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Status, 429).retry_after(600));
    let clock = ManualClock::new();
    let err = client(&fake, &clock)
        .classification()
        .status("anything")
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert!(err.is_retryable());
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn other_api_errors_are_not_retried() {
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Begin, 503).always());
    let clock = ManualClock::new();
    let err = client(&fake, &clock)
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::TaskBeginFailed { .. }), "{err:?}");
    assert_eq!(fake.requests().len(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn upload_5xx_is_retried_and_the_file_resent_whole() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    let (objects, ts) = FakeDragoneye::sample_video_objects();
    fake.set_video_results(objects, Some(ts));
    fake.inject(Fault::status(Endpoint::Upload, 503).times(2));
    let content = mp4_bytes(300_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, &content).unwrap();
    let clock = ManualClock::new();
    let video = Video::from_path(&path);
    client(&fake, &clock)
        .classification()
        .predict_video(video, "m")
        .await
        .unwrap();

    let attempts = fake.requests_to(Endpoint::Upload);
    assert_eq!(
        attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![Some(503), Some(503), Some(204)]
    );
    for attempt in &attempts {
        let file = attempt.part("file").unwrap();
        assert_eq!(file.size(), content.len() as u64);
        assert_eq!(file.hash(), content_hash(&content));
        assert!(attempt.header("x-api-key").is_none());
    }
    assert_eq!(fake.uploads().len(), 1);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] <= Duration::from_secs(1) && sleeps[1] <= Duration::from_secs(2));
}

#[tokio::test]
async fn upload_4xx_is_not_retried() {
    let Some(scenario) = golden("K upload 403") else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid("3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f");
    fake.inject(Fault::status(Endpoint::Upload, 403));
    let clock = ManualClock::new();
    let err = client(&fake, &clock)
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::UploadFailed { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.task_uuid(),
        Some("3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f")
    );
    assert!(!err.is_retryable());
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn upload_connection_errors_are_retried() {
    let fake = FakeDragoneye::start().await;
    // A port nobody listens on.
    fake.set_upload_url(format!("{}/upload", vision_sdk_testkit::dead_url()));
    let clock = ManualClock::new();
    // The upload has its own policy (`max_retries` is the API calls').
    let client = builder(&fake, &clock)
        .max_retries(2)
        .upload_retry_policy(dragoneye::RetryPolicy::new().max_attempts(4))
        .build()
        .unwrap();
    let err = client
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap_err();
    let Error::UploadFailed { source, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        matches!(
            source,
            dragoneye::common::HttpError::Connect { attempts: 4, .. }
        ),
        "{source:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(clock.sleeps().len(), 3);
}

#[tokio::test]
async fn a_reader_of_unknown_length_is_buffered_so_its_upload_can_be_retried() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    fake.inject(Fault::status(Endpoint::Upload, 500));
    let clock = ManualClock::new();
    let content = jpeg_bytes(5000);
    let image = Image::from_stream(std::io::Cursor::new(content.clone()), "image/jpeg");
    client(&fake, &clock)
        .classification()
        .predict_image(image, "m")
        .await
        .unwrap();
    let uploads = fake.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].hash, content_hash(&content));
    assert_eq!(fake.requests_to(Endpoint::Upload).len(), 2);
}

#[tokio::test]
async fn a_streamed_reader_is_sent_once() {
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Upload, 500));
    let clock = ManualClock::new();
    let content = jpeg_bytes(5000);
    let image = Image::from_stream_with_len(
        std::io::Cursor::new(content.clone()),
        "image/jpeg",
        content.len() as u64,
    );
    let err = client(&fake, &clock)
        .classification()
        .predict_image(image, "m")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::UploadFailed { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(fake.requests_to(Endpoint::Upload).len(), 1);
    // Streamed with a declared length (a presigned POST needs one).
    assert!(
        fake.requests_to(Endpoint::Upload)[0]
            .content_length()
            .is_some()
    );
}

#[tokio::test]
async fn a_file_read_into_memory_is_retried_too() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(Vec::new());
    fake.inject(Fault::status(Endpoint::Upload, 502));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.png");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    // Read when the call is sent (media is lazy), then retried from memory.
    let image = Image::from_path_with(&path, PathOptions::new().read_into_memory(true));
    let clock = ManualClock::new();
    let result = client(&fake, &clock)
        .classification()
        .predict_image(image, "m")
        .await
        .unwrap();
    assert!(result.objects.is_empty());
    assert_eq!(fake.requests_to(Endpoint::Upload).len(), 2);
}
