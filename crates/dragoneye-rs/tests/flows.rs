//! The two prediction flows against the fake, compared request by request with what the
//! official SDK sent (`shared/protocols/golden/dragoneye/probe_log.json`), and the steps on
//! their own.

mod support;

use std::time::Duration;

use dragoneye::testing::{Endpoint, FakeDragoneye};
use dragoneye::{
    ClassificationPredictImageResponse, ClassificationPredictVideoResponse, Image,
    ImageDetectedObject, ManualClock, PredictionResults, PredictionTaskState, PredictionType,
    TaskOptions, Video, VideoDetectedObject,
};
use serde_json::Value;
use support::{assert_same_requests, client, golden, jpeg_bytes, mp4_bytes, read_json};

const IMAGE_UUID: &str = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f";
const VIDEO_UUID: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
const MODEL: &str = "recognize_anything/demo_model";

fn image_objects() -> Option<Vec<ImageDetectedObject>> {
    let expected = read_json("fixtures/dragoneye/image_results.expected.json")?;
    Some(serde_json::from_value(expected["objects"].clone()).expect("image objects"))
}

fn video_objects() -> Option<(Vec<VideoDetectedObject>, Vec<i64>)> {
    let expected = read_json("fixtures/dragoneye/video_results.expected.json")?;
    Some((
        serde_json::from_value(expected["objects"].clone()).expect("video objects"),
        serde_json::from_value(expected["frame_timestamps_microseconds"].clone()).expect("ts"),
    ))
}

/// Plan of a golden scenario: `statuses` = polls answering `predicting`, then the final one.
fn pending_polls(scenario: &Value) -> u32 {
    let n = scenario["plan"]["statuses"].as_array().map_or(1, Vec::len);
    u32::try_from(n).expect("small") - 1
}

#[tokio::test]
async fn image_flow_is_the_official_request_sequence() {
    let (Some(scenario), Some(objects)) = (golden("A image happy path"), image_objects()) else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid(IMAGE_UUID);
    fake.set_pending_polls(pending_polls(&scenario));
    fake.set_image_results(objects);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("houses.jpg");
    std::fs::write(&path, jpeg_bytes(1024)).unwrap();
    let clock = ManualClock::new();

    let image = Image::from_path(&path);
    assert!(image.path().is_some(), "from_path streams from disk");
    let result: ClassificationPredictImageResponse = client(&fake, &clock)
        .classification()
        .predict_image(image, MODEL)
        .await
        .unwrap();

    assert_same_requests(&scenario, &fake.requests());
    assert_eq!(serde_json::to_value(&result).unwrap(), scenario["result"]);
    // One poll interval between the two status polls; no other sleep.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1)]);
    let upload = &fake.uploads()[0];
    assert_eq!(upload.size, 1024);
    assert_eq!(
        upload.hash,
        dragoneye::testing::content_hash(&jpeg_bytes(1024))
    );
}

#[tokio::test]
async fn image_from_bytes_flow_matches_raw_capture() {
    let (Some(scenario), Some(objects)) = (golden("A2 raw wire"), image_objects()) else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid(IMAGE_UUID);
    fake.set_pending_polls(pending_polls(&scenario));
    fake.set_image_results(objects);
    let clock = ManualClock::new();
    let image =
        Image::from_bytes(b"\xFF\xD8\xFFtiny-jpeg".to_vec(), "image/jpeg").with_name("tiny.jpg");
    let result = client(&fake, &clock)
        .classification()
        .predict_image(image, "m")
        .await
        .unwrap();
    assert_same_requests(&scenario, &fake.requests());
    assert_eq!(serde_json::to_value(&result).unwrap(), scenario["result"]);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn video_flow_is_the_official_request_sequence() {
    let (Some(scenario), Some((objects, timestamps))) =
        (golden("B video happy path"), video_objects())
    else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid(VIDEO_UUID);
    fake.set_pending_polls(pending_polls(&scenario));
    // Deliberately unsorted on the wire, like the fixture.
    let mut shuffled = timestamps.clone();
    shuffled.reverse();
    fake.set_video_results(objects, Some(shuffled));
    let clock = ManualClock::new();

    let video = Video::from_bytes(mp4_bytes(2048), "video/mp4").with_name("intersection.mp4");
    let result: ClassificationPredictVideoResponse = client(&fake, &clock)
        .classification()
        .predict_video(video, MODEL)
        .frames_per_second(2)
        .await
        .unwrap();

    assert_same_requests(&scenario, &fake.requests());
    assert_eq!(serde_json::to_value(&result).unwrap(), scenario["result"]);
    assert_eq!(result.frame_timestamps_microseconds, timestamps);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1)]);
}

#[tokio::test]
async fn video_from_stream_without_fps_or_name() {
    let (Some(scenario), Some((objects, _))) = (golden("C video no fps"), video_objects()) else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid(VIDEO_UUID);
    fake.set_pending_polls(pending_polls(&scenario));
    fake.set_video_results(objects, None);
    fake.set_default_frames_per_second(1);
    let clock = ManualClock::new();
    let reader = std::io::Cursor::new(mp4_bytes(2048));
    let video = Video::from_stream(reader, "video/mp4");
    let result = client(&fake, &clock)
        .classification()
        .predict_video(video, MODEL)
        .await
        .unwrap();
    assert_same_requests(&scenario, &fake.requests());
    assert_eq!(serde_json::to_value(&result).unwrap(), scenario["result"]);
    assert!(result.frame_timestamps_microseconds.is_empty());
    assert_eq!(result.frames_per_second, 1);
}

#[tokio::test]
async fn extra_parameters_go_to_begin_and_predict() {
    let (Some(scenario), Some(objects)) = (golden("D kwargs"), image_objects()) else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    fake.push_task_uuid(IMAGE_UUID);
    fake.set_pending_polls(pending_polls(&scenario));
    fake.set_image_results(objects);
    let clock = ManualClock::new();
    let image = Image::from_bytes(jpeg_bytes(1024), "image/jpeg").with_name("houses.jpg");
    let result = client(&fake, &clock)
        .classification()
        .predict_image(image, "m")
        .param("custom_flag", "yes")
        .param("threshold", "0.5")
        .await
        .unwrap();
    assert_same_requests(&scenario, &fake.requests());
    assert_eq!(serde_json::to_value(&result).unwrap(), scenario["result"]);
    let task = fake.task(IMAGE_UUID).unwrap();
    assert_eq!(
        task.extra_params,
        vec![
            ("custom_flag".to_owned(), "yes".to_owned()),
            ("threshold".to_owned(), "0.5".to_owned())
        ]
    );
}

#[tokio::test]
async fn direct_status_and_results_calls() {
    let (Some(t1), Some(t2), Some(t3)) = (
        golden("T1 direct status"),
        golden("T2 direct get_image"),
        golden("T3 direct get_video"),
    ) else {
        return;
    };
    let fake = FakeDragoneye::start().await;
    let (objects, ts) = video_objects().unwrap();
    fake.set_video_results(objects, Some(ts));
    fake.set_image_results(image_objects().unwrap());
    fake.set_pending_polls(0);
    let clock = ManualClock::new();
    let client = client(&fake, &clock);
    let c = client.classification();
    // Create both tasks through the steps, then replay the direct calls.
    fake.push_task_uuid(IMAGE_UUID);
    fake.push_task_uuid(VIDEO_UUID);
    let image = Image::from_bytes(jpeg_bytes(10), "image/jpeg");
    let video = Video::from_bytes(mp4_bytes(10), "video/mp4");
    let image_task = c.submit(image, "m", &TaskOptions::new()).await.unwrap();
    let video_task = c.submit(video, "m", &TaskOptions::new()).await.unwrap();
    assert_eq!(image_task.prediction_task_uuid, IMAGE_UUID);
    assert_eq!(video_task.prediction_type, PredictionType::Video);
    let before = fake.requests().len();

    let status = c.status(IMAGE_UUID).await.unwrap();
    assert_eq!(status.status, PredictionTaskState::Predicted);
    let image_results = c.get_image_results(IMAGE_UUID).await.unwrap();
    let video_results = c.get_video_results(VIDEO_UUID).await.unwrap();
    assert_eq!(image_results.prediction_task_uuid, IMAGE_UUID);
    assert_eq!(image_results.original_file_name, None);
    assert_eq!(image_results.objects, image_objects().unwrap());
    assert_eq!(video_results.frames_per_second, 1);

    let direct = &fake.requests()[before..];
    for (scenario, ours) in [(&t1, &direct[0]), (&t2, &direct[1]), (&t3, &direct[2])] {
        assert_same_requests(scenario, std::slice::from_ref(ours));
    }
}

#[tokio::test]
async fn submit_many_then_collect_later() {
    let fake = FakeDragoneye::start().await;
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    let (objects, ts) = FakeDragoneye::sample_video_objects();
    fake.set_video_results(objects.clone(), Some(ts.clone()));
    fake.set_pending_polls(2);
    let clock = ManualClock::new();
    let client = client(&fake, &clock);
    let c = client.classification();

    let mut tasks = Vec::new();
    for i in 0..3 {
        let image =
            Image::from_bytes(jpeg_bytes(100 + i), "image/jpeg").with_name(format!("img-{i}.jpg"));
        tasks.push(c.submit(image, "m", &TaskOptions::new()).await.unwrap());
    }
    let video = Video::from_bytes(mp4_bytes(500), "video/mp4");
    tasks.push(
        c.submit(video, "m", &TaskOptions::new().frames_per_second(2))
            .await
            .unwrap(),
    );
    assert_eq!(fake.uploads().len(), 4);
    assert!(
        fake.requests_to(Endpoint::Status).is_empty(),
        "nothing waited yet"
    );

    for (i, task) in tasks.iter().enumerate() {
        let status = c.wait(&task.prediction_task_uuid).await.unwrap();
        assert!(status.status.is_success());
        match c
            .get_results(&task.prediction_task_uuid, &task.prediction_type)
            .await
            .unwrap()
        {
            PredictionResults::Image(r) => {
                assert_eq!(r.original_file_name, Some(format!("img-{i}.jpg")));
                assert_eq!(r.objects, FakeDragoneye::sample_image_objects());
            }
            PredictionResults::Video(r) => {
                assert_eq!(i, 3);
                assert_eq!(r.frames_per_second, 2);
                assert_eq!(r.objects, objects);
                assert_eq!(r.frame_timestamps_microseconds, ts);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Three polls per task (two `predicting`, then `predicted`), one second apart.
    assert_eq!(fake.requests_to(Endpoint::Status).len(), 12);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1); 8]);
}

#[tokio::test]
async fn poll_interval_is_configurable() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(3);
    let (objects, ts) = FakeDragoneye::sample_video_objects();
    fake.set_video_results(objects, Some(ts));
    let clock = ManualClock::new();
    let video = Video::from_bytes(mp4_bytes(64), "video/mp4");
    client(&fake, &clock)
        .classification()
        .predict_video(video, "m")
        .poll_interval(Duration::from_millis(250))
        .send()
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250); 3]);

    let clock = ManualClock::new();
    let client = support::builder(&fake, &clock)
        .poll_interval(Duration::from_secs(5))
        .build()
        .unwrap();
    let image = Image::from_bytes(jpeg_bytes(64), "image/jpeg");
    client
        .classification()
        .predict_image(image, "m")
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(5); 3]);
}
