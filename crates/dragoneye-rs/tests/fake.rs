//! The fake server itself: task lifecycle, upload checks, injected faults.

mod support;

use std::time::Duration;

use dragoneye::testing::{Endpoint, FakeDragoneye, Fault, content_hash};
use dragoneye::{Error, Image, ManualClock, PredictionType, TaskOptions, Video};
use support::{client, jpeg_bytes, mp4_bytes};

#[tokio::test]
async fn task_lifecycle_over_polls() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(2);
    let clock = ManualClock::new();
    let client = client(&fake, &clock);
    let c = client.classification();
    let media = Video::from_bytes(mp4_bytes(4096), "video/mp4").with_name("v.mp4");
    let options = TaskOptions::new()
        .frames_per_second(3)
        .param("threshold", "0.5");
    let task = c.begin(media.clone(), &options).await.unwrap();
    let uuid = task.prediction_task_uuid.clone();
    assert_eq!(task.prediction_type, PredictionType::Video);
    assert_eq!(
        c.status(&uuid).await.unwrap().status.as_str(),
        "awaiting_media"
    );
    c.upload(&task, media).await.unwrap();
    assert_eq!(c.status(&uuid).await.unwrap().status.as_str(), "uploaded");
    c.start(&uuid, "m", &options).await.unwrap();
    for _ in 0..2 {
        assert_eq!(c.status(&uuid).await.unwrap().status.as_str(), "predicting");
    }
    assert!(c.status(&uuid).await.unwrap().status.is_success());

    let snapshot = fake.task(&uuid).unwrap();
    assert_eq!(snapshot.file_name.as_deref(), Some("v.mp4"));
    assert_eq!(snapshot.frames_per_second, Some(3));
    assert_eq!(snapshot.mimetype, "video/mp4");
    assert_eq!(snapshot.uploads, 1);
    assert_eq!(
        snapshot.extra_params,
        vec![("threshold".to_owned(), "0.5".to_owned())]
    );
    let upload = &fake.uploads()[0];
    assert_eq!(
        (upload.size, upload.hash),
        (4096, content_hash(&mp4_bytes(4096)))
    );
    let results = c.get_video_results(&uuid).await.unwrap();
    assert_eq!(results.frames_per_second, 3);
    assert_eq!(results.original_file_name.as_deref(), Some("v.mp4"));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn starting_without_an_upload_fails_the_task() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    let clock = ManualClock::new();
    let client = client(&fake, &clock);
    let c = client.classification();
    let image = Image::from_bytes(jpeg_bytes(10), "image/jpeg");
    let task = c.begin(image, &TaskOptions::new()).await.unwrap();
    c.start(&task.prediction_task_uuid, "m", &TaskOptions::new())
        .await
        .unwrap();
    let err = c
        .wait(&task.prediction_task_uuid)
        .timeout(Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TaskFailed { status, .. } if status.as_str() == "failed_media_missing"),
        "{err:?}"
    );
}

#[tokio::test]
async fn faults_are_consumed_in_order_and_counted() {
    let fake = FakeDragoneye::start().await;
    fake.inject(Fault::status(Endpoint::Status, 503).times(2));
    fake.inject(Fault::status(Endpoint::Status, 418).body("teapot", "text/plain"));
    let clock = ManualClock::new();
    let client = client(&fake, &clock);
    let c = client.classification();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let err = c.status("unknown").await.unwrap_err();
        statuses.push(err.status().unwrap().as_u16());
    }
    assert_eq!(statuses, vec![503, 503, 418, 404]);
    let recorded: Vec<u16> = fake
        .requests_to(Endpoint::Status)
        .iter()
        .filter_map(|r| r.status)
        .collect();
    assert_eq!(recorded, statuses);
}

/// The family shape of a fake (the same test exists for every provider's fake).
#[tokio::test]
async fn the_fake_has_the_family_shape() {
    use dragoneye::testing::RecordedRequest;
    fn clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    clone_send_sync::<FakeDragoneye>();
    let fake = FakeDragoneye::start_with_key("k-1").await;
    let _default: FakeDragoneye = FakeDragoneye::start().await;
    let base_url: String = fake.base_url();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert_eq!(fake.api_key(), "k-1");
    let _builder: dragoneye::DragoneyeBuilder = fake.client_builder();
    let _client: dragoneye::Dragoneye = fake.client();
    fake.inject(Fault::status("*", 503));
    let clone = fake.clone();
    let err = client(&clone, &dragoneye::ManualClock::new())
        .classification()
        .status("t")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let requests: Vec<RecordedRequest> = fake.requests();
    assert_eq!(requests.len(), 1, "clones share one server");
    assert_eq!(requests[0].status, Some(503));
}
