//! Each error kind, against the official SDK's failure scenarios where it has one.

mod support;

use std::time::Duration;

use dragoneye::results::encode::{MemberCompression, encode_archive, encode_video_results};
use dragoneye::testing::{Endpoint, FakeDragoneye, Fault};
use dragoneye::{Error, Image, ManualClock, PredictionTaskState, ResultsDecodeError, Video};
use support::{assert_same_requests, client, golden, jpeg_bytes, mp4_bytes};

const IMAGE_UUID: &str = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f";
const VIDEO_UUID: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";

fn image() -> Image {
    Image::from_bytes(jpeg_bytes(1024), "image/jpeg").with_name("houses.jpg")
}

fn video() -> Video {
    Video::from_bytes(mp4_bytes(2048), "video/mp4").with_name("intersection.mp4")
}

async fn fake_for(prefix: &str, uuid: &str) -> Option<(FakeDragoneye, serde_json::Value)> {
    let scenario = golden(prefix)?;
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid(uuid);
    let statuses = scenario["plan"]["statuses"].as_array().map_or(1, Vec::len);
    fake.set_pending_polls(u32::try_from(statuses).unwrap() - 1);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    let (objects, ts) = FakeDragoneye::sample_video_objects();
    fake.set_video_results(objects, Some(ts));
    Some((fake, scenario))
}

async fn predict_image(fake: &FakeDragoneye, clock: &ManualClock) -> Error {
    client(fake, clock)
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap_err()
}

#[tokio::test]
async fn failed_status_is_task_failed() {
    let Some((fake, scenario)) = fake_for("G status failed", IMAGE_UUID).await else {
        return;
    };
    fake.set_final_status("failed_internal_error");
    let clock = ManualClock::new();
    let err = predict_image(&fake, &clock).await;
    assert_eq!(
        err.to_string(),
        "Prediction task failed: failed_internal_error"
    );
    let Error::TaskFailed { task_uuid, status } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(task_uuid, IMAGE_UUID);
    assert_eq!(
        status,
        &PredictionTaskState::Failed("failed_internal_error".into())
    );
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn slow_task_times_out() {
    let Some((fake, scenario)) = fake_for("H timeout_seconds=2", IMAGE_UUID).await else {
        return;
    };
    fake.set_pending_polls(1000);
    let clock = ManualClock::new();
    let err = client(&fake, &clock)
        .classification()
        .predict_image(image(), "m")
        .timeout(Duration::from_secs(2))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Prediction task {IMAGE_UUID} did not complete within 2 seconds.")
    );
    let Error::PredictionTimeout {
        last_status,
        timeout,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*timeout, Duration::from_secs(2));
    assert_eq!(last_status.as_ref().unwrap().status.as_str(), "predicting");
    assert_eq!(err.task_uuid(), Some(IMAGE_UUID));
    // Polls at 0, 1 and (unlike the official SDK, which stops before it) at the 2 s deadline.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1); 2]);
    let ours = fake.requests();
    assert_eq!(ours.len(), 6);
    assert_same_requests(&scenario, &ours[..5]);
    assert_eq!(ours[5].path, "/prediction-task/status");
}

#[tokio::test]
async fn zero_timeout_polls_once() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(5);
    let clock = ManualClock::new();
    let err = client(&fake, &clock)
        .classification()
        .predict_image(image(), "m")
        .timeout(Duration::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PredictionTimeout { .. }), "{err:?}");
    assert_eq!(fake.requests_to(Endpoint::Status).len(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn begin_400_carries_the_detail() {
    let Some((fake, scenario)) = fake_for("I begin 400 with detail", IMAGE_UUID).await else {
        return;
    };
    fake.inject(
        Fault::status(Endpoint::Begin, 400)
            .json(&serde_json::json!({ "detail": "injected 400 on begin" })),
    );
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(matches!(err, Error::TaskBeginFailed { .. }), "{err:?}");
    assert_eq!(err.to_string(), "injected 400 on begin");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(!err.is_retryable());
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn begin_400_without_json_and_begin_500() {
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Begin, 400).body("bad request", "text/plain"));
    fake.inject(Fault::status(Endpoint::Begin, 500));
    for status in [400, 500] {
        let err = predict_image(&fake, &ManualClock::new()).await;
        assert!(matches!(err, Error::TaskBeginFailed { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with(&format!("Error beginning prediction task: HTTP {status}")),
            "{err}"
        );
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
    }
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn wrong_key_is_rejected_at_begin() {
    let fake = FakeDragoneye::start().await;
    let client = fake
        .client_builder()
        .api_key("wrong")
        .clock(std::sync::Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    let err = client
        .classification()
        .predict_image(image(), "m")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TaskBeginFailed { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let shown = err.to_string();
    assert!(
        shown.starts_with("Error beginning prediction task: HTTP 401"),
        "{shown}"
    );
    assert!(shown.contains("Invalid or missing API key"), "{shown}");
    assert!(!err.to_string().contains("wrong"));
}

#[tokio::test]
async fn predict_500_is_an_api_error() {
    let Some((fake, scenario)) = fake_for("L predict 500", IMAGE_UUID).await else {
        return;
    };
    fake.inject(Fault::status(Endpoint::Predict, 500));
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(matches!(err, Error::TaskStartFailed { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn status_500_is_an_api_error() {
    let Some((fake, scenario)) = fake_for("S status 500", IMAGE_UUID).await else {
        return;
    };
    fake.inject(Fault::status(Endpoint::Status, 500));
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(matches!(err, Error::StatusFailed { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn results_400_is_results_unavailable_with_detail() {
    let Some((fake, scenario)) = fake_for("M results 400", IMAGE_UUID).await else {
        return;
    };
    fake.inject(
        Fault::status(Endpoint::Results, 400)
            .json(&serde_json::json!({ "detail": "injected 400 on results" })),
    );
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(matches!(err, Error::ResultsUnavailable { .. }), "{err:?}");
    assert_eq!(err.to_string(), "injected 400 on results");
    assert_eq!(err.task_uuid(), Some(IMAGE_UUID));
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn results_404_is_results_unavailable() {
    let Some((fake, scenario)) = fake_for("N results 404", IMAGE_UUID).await else {
        return;
    };
    fake.inject(Fault::status(Endpoint::Results, 404));
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(matches!(err, Error::ResultsUnavailable { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("Error getting prediction task results: HTTP 404"),
        "{err}"
    );
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn results_before_the_task_finished_are_unavailable() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(3);
    let clock = ManualClock::new();
    let client = client(&fake, &clock);
    let c = client.classification();
    let task = c.submit(image(), "m", &Default::default()).await.unwrap();
    let err = c
        .get_image_results(&task.prediction_task_uuid)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResultsUnavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("not available"), "{err}");
}

#[tokio::test]
async fn missing_frames_per_second_header_is_results_unavailable() {
    let Some((fake, scenario)) = fake_for("O video results without", VIDEO_UUID).await else {
        return;
    };
    let (objects, ts) = FakeDragoneye::sample_video_objects();
    let zip = encode_video_results(&objects, Some(&ts)).unwrap();
    fake.set_raw_results(zip, &[("X-Original-File-Name", "intersection.mp4")]);
    let err = client(&fake, &ManualClock::new())
        .classification()
        .predict_video(video(), "m")
        .frames_per_second(2)
        .await
        .unwrap_err();
    // As the official SDK: `PredictionTaskResultsUnavailableError`.
    assert!(matches!(err, Error::ResultsUnavailable { .. }), "{err:?}");
    assert!(err.is_results_unavailable());
    assert!(
        err.to_string()
            .contains("Missing X-Frames-Per-Second header on video prediction response"),
        "{err}"
    );
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn archive_without_predictions_is_a_decode_error() {
    let Some((fake, scenario)) = fake_for("Q results zip lacks", IMAGE_UUID).await else {
        return;
    };
    let zip = encode_archive(&[("other.txt", b"hello")], MemberCompression::Stored).unwrap();
    fake.set_raw_results(zip, &[("X-Original-File-Name", "houses.jpg")]);
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(
        matches!(&err, Error::ResultsDecode { source: ResultsDecodeError::MissingMember { member }, .. } if member == "predictions.parquet"),
        "{err:?}"
    );
    assert_same_requests(&scenario, &fake.requests());
}

#[tokio::test]
async fn body_that_is_not_a_zip_is_a_decode_error() {
    let Some((fake, _)) = fake_for("R results body not a zip", IMAGE_UUID).await else {
        return;
    };
    let raw_parquet = dragoneye::results::encode::encode_image_predictions(
        &FakeDragoneye::sample_image_objects(),
    )
    .unwrap();
    fake.set_raw_results(raw_parquet, &[]);
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(
        matches!(
            &err,
            Error::ResultsDecode {
                source: ResultsDecodeError::InvalidZip { .. },
                ..
            }
        ),
        "{err:?}"
    );

    // A truncated archive too.
    let zip =
        dragoneye::results::encode::encode_image_results(&FakeDragoneye::sample_image_objects())
            .unwrap();
    fake.set_raw_results(zip[..zip.len() / 2].to_vec(), &[]);
    let err = predict_image(&fake, &ManualClock::new()).await;
    assert!(err.is_decode(), "{err:?}");
}

#[tokio::test]
async fn unknown_tasks_are_404_and_an_image_must_be_an_image() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    let clock = ManualClock::new();
    let c = client(&fake, &clock);
    let video_as_image = Image::from_source(dragoneye::MediaSource::from_bytes_with_mime(
        mp4_bytes(10),
        "video/mp4".parse().unwrap(),
    ));
    assert!(
        video_as_image.open().await.is_err(),
        "an Image must be image/*"
    );
    let err = c
        .classification()
        .get_video_results("no-such-task")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let err = c.classification().status("no-such-task").await.unwrap_err();
    assert!(matches!(err, Error::StatusFailed { .. }), "{err:?}");
}

#[tokio::test]
async fn transport_errors_are_retryable_transport_errors() {
    let clock = ManualClock::new();
    let client = dragoneye::Dragoneye::builder()
        .api_key("k")
        .base_url(vision_sdk_testkit::dead_url())
        .max_retries(2)
        .clock(std::sync::Arc::new(clock.clone()))
        .build()
        .unwrap();
    let err = client.classification().status("t").await.unwrap_err();
    assert!(matches!(err, Error::StatusFailed { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    assert_eq!(clock.sleeps().len(), 1);
}
