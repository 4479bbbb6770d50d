//! v0 multipart uploads (`InferCall::multipart_upload`): the image as the `file` part of a
//! `multipart/form-data` body, the form the server's legacy route reads besides the base64
//! body (`parse_body_content_for_legacy_request_handler`). On the wire (wiremock, checked
//! against the pinned specs) and on the fake.

mod support;

use roboflow_infer::testing::{FakeRoboflow, Fault, sample_jpeg};
use roboflow_infer::{ApiMode, Error, Image, RetryPolicy};
use support::{Mocked, Script, detection, golden, jpeg};

fn v0_mock() -> Script {
    Script::new().json("POST", "/some-project/3", 200, detection())
}

/// The query the official client sends on a v0 `infer` (`results.json: v0_infer_path`).
fn v0_path_query() -> Vec<(String, String)> {
    let g = golden("results.json").map(|g| g["v0_infer_path"]["requests"][0]["query"].clone());
    let mut query: Vec<(String, String)> = match g {
        Some(serde_json::Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        _ => [
            ("api_key", support::KEY),
            ("allow_reduced_mask_resolution", "False"),
            ("disable_active_learning", "False"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into(),
    };
    query.sort();
    query
}

#[tokio::test]
async fn a_file_goes_as_the_file_part_with_the_v0_query() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dog.jpg");
    std::fs::write(&path, jpeg()).unwrap();
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let result = client
        .infer("some-project/3", Image::from_path(&path))
        .multipart_upload(true)
        .await
        .unwrap();
    assert_eq!(result.as_object_detection().unwrap().predictions.len(), 1);

    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/some-project/3")
    );
    let mut query = r.query.clone();
    query.sort();
    assert_eq!(query, v0_path_query());
    assert!(
        r.content_type()
            .unwrap()
            .starts_with("multipart/form-data; boundary="),
        "{:?}",
        r.content_type()
    );
    assert_eq!(r.parts.len(), 1, "{:?}", r.parts);
    let part = r.part("file").expect("a `file` part");
    assert_eq!(
        part.content.as_ref(),
        jpeg().as_slice(),
        "raw bytes, not base64"
    );
    assert_eq!(part.file_name.as_deref(), Some("dog.jpg"));
    assert_eq!(part.content_type.as_deref(), Some("image/jpeg"));
    support::spec::validate(r).unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn bytes_and_base64_images_are_uploaded_raw() {
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let base64 = roboflow_infer::models::encode_base64(&jpeg());
    client
        .infer_many(
            "some-project/3",
            [Image::from_bytes(jpeg()), Image::from_base64(base64)],
        )
        .multipart_upload(true)
        .await
        .unwrap();
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let part = r.part("file").expect("a `file` part");
        assert_eq!(part.content.as_ref(), jpeg().as_slice());
        assert_eq!(part.content_type.as_deref(), Some("image/jpeg"));
        support::spec::validate(r).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test]
async fn a_retried_upload_reopens_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dog.jpg");
    std::fs::write(&path, jpeg()).unwrap();
    let script = Script::new().sequence(
        "POST",
        "/some-project/3",
        vec![
            (503, serde_json::json!({"message": "busy"})),
            (200, detection()),
        ],
    );
    let mock = Mocked::start(script).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    client
        .infer("some-project/3", Image::from_path(&path))
        .multipart_upload(true)
        .await
        .unwrap();
    let requests = mock.requests();
    assert_eq!(requests.len(), 2, "503 is retried");
    for r in &requests {
        assert_eq!(r.part("file").unwrap().content.as_ref(), jpeg().as_slice());
    }
}

/// The part is read from the file on each attempt, not from a copy in memory: the responder
/// rewrites the file after the first (failed) attempt, and the retry sends the new content.
#[tokio::test]
async fn each_attempt_streams_the_file_from_disk() {
    use std::sync::{Arc, Mutex};
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

    struct RewriteOnFirst {
        path: std::path::PathBuf,
        seen: Arc<Mutex<Vec<Vec<u8>>>>,
    }
    impl Respond for RewriteOnFirst {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let recorded = vision_sdk_testkit::from_wiremock(request);
            let mut seen = self.seen.lock().unwrap();
            seen.push(recorded.part("file").unwrap().content.to_vec());
            if seen.len() == 1 {
                // Same length, other bytes.
                let mut changed = jpeg();
                let last = changed.len() - 3;
                changed[last] ^= 0xFF;
                std::fs::write(&self.path, changed).unwrap();
                return ResponseTemplate::new(503)
                    .set_body_raw(br#"{"message": "busy"}"#.to_vec(), "application/json");
            }
            ResponseTemplate::new(200)
                .set_body_raw(detection().to_string().into_bytes(), "application/json")
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dog.jpg");
    std::fs::write(&path, jpeg()).unwrap();
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(any())
        .respond_with(RewriteOnFirst {
            path: path.clone(),
            seen: Arc::clone(&seen),
        })
        .mount(&server)
        .await;
    let client = roboflow_infer::InferenceClient::builder()
        .api_url(server.uri())
        .api_key(support::KEY)
        .mode(ApiMode::V0)
        .env_lookup(|_| None)
        .clock(std::sync::Arc::new(vision_sdk_common::ManualClock::new()))
        .build()
        .unwrap();
    client
        .infer("some-project/3", Image::from_path(&path))
        .multipart_upload(true)
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], jpeg());
    assert_eq!(seen[1], std::fs::read(&path).unwrap());
    assert_ne!(seen[0], seen[1]);
}

#[tokio::test]
async fn server_urls_stay_in_the_query_and_bad_combinations_send_nothing() {
    let mock = Mocked::start(v0_mock()).await;
    let client = mock.builder().mode(ApiMode::V0).build().unwrap();
    let url = "https://example.com/dog.jpg";
    client
        .infer("some-project/3", Image::server_url(url))
        .multipart_upload(true)
        .await
        .unwrap();
    let r = &mock.requests()[0];
    assert!(r.query.contains(&("image".into(), url.into())));
    assert!(r.parts.is_empty());

    let before = mock.requests().len();
    let err = client
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .multipart_upload(true)
        .http_get(true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = client
        .infer("some-project/3", Image::from_path("/no/such/dog.jpg"))
        .multipart_upload(true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(_)), "{err}");
    // v1 has no multipart route.
    let v1 = mock.builder().mode(ApiMode::V1).build().unwrap();
    let err = v1
        .infer("some-project/3", Image::from_bytes(jpeg()))
        .multipart_upload(true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongClientMode { .. }), "{err}");
    assert_eq!(mock.requests().len(), before);
}

#[tokio::test]
async fn the_fake_reads_the_file_part() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client_builder().mode(ApiMode::V0).build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frame.jpg");
    std::fs::write(&path, sample_jpeg()).unwrap();
    let result = client
        .infer("fake-od/1", Image::from_path(&path))
        .multipart_upload(true)
        .await
        .unwrap();
    // The fake sizes its answer from the uploaded JPEG's header: 320×240.
    let p = &result.as_object_detection().unwrap().predictions[0];
    assert_eq!((p.x, p.y), (160.0, 120.0));
    let recorded = fake.requests();
    assert_eq!(
        recorded[0].part("file").unwrap().content.as_ref(),
        sample_jpeg()
    );

    // Injected faults apply as to any request; no retries asked for, one attempt.
    fake.inject(Fault::status("/fake-od/1", 503).times(1));
    let err = client
        .infer("fake-od/1", Image::from_path(&path))
        .multipart_upload(true)
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
}

#[tokio::test]
async fn the_fake_refuses_a_form_without_a_file_part_as_the_server_does() {
    let fake = FakeRoboflow::start().await;
    let form = vision_sdk_common::reqwest::multipart::Form::new().text("image", "not here");
    // A bare reqwest client of the test's own: with `rustls-no-provider` it needs a provider.
    vision_sdk_common::transport::install_crypto_provider();
    let response = vision_sdk_common::reqwest::Client::new()
        .post(format!(
            "{}/fake-od/1?api_key={}",
            fake.base_url(),
            roboflow_infer::testing::FAKE_API_KEY
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(
        body["message"],
        "Expected image to be send in part named 'file' of multipart/form-data request"
    );
}

/// `infer_on_stream` passes the upload form on to each frame.
#[tokio::test]
async fn infer_on_stream_frames_can_be_uploaded() {
    use futures_util::StreamExt as _;
    let fake = FakeRoboflow::start().await;
    let client = fake.client_builder().mode(ApiMode::V0).build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.jpg"), sample_jpeg()).unwrap();
    let frames: Vec<_> = client
        .infer_on_stream(
            "fake-od/1",
            roboflow_infer::FrameSource::directory(dir.path()),
        )
        .multipart_upload(true)
        .stream()
        .collect()
        .await;
    assert_eq!(frames.len(), 1);
    assert!(frames[0].is_ok(), "{:?}", frames[0]);
    let sent = &fake.requests()[0];
    assert_eq!(sent.part("file").unwrap().content.as_ref(), sample_jpeg());
}

#[cfg(feature = "image")]
#[tokio::test]
async fn downsized_uploads_are_rescaled_back() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client_builder().mode(ApiMode::V0).build().unwrap();
    let big = image::DynamicImage::new_rgb8(2000, 1500);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.png");
    big.save(&path).unwrap();
    let result = client
        .infer("fake-od/1", Image::from_path(&path))
        .multipart_upload(true)
        .configuration(
            roboflow_infer::InferenceConfiguration::new().client_downsizing_disabled(false),
        )
        .await
        .unwrap();
    // Sent at most 1024 wide (the v0 default bound), answered for that size, rescaled back.
    let sent = &fake.requests()[0];
    let part = sent.part("file").unwrap();
    let (w, h) = roboflow_infer::testing::image_size(&part.content).unwrap();
    assert!(w <= 1024 && h <= 1024 && w > 0, "{w}×{h}");
    let size = result.image().unwrap().first().unwrap();
    assert_eq!((size.width, size.height), (2000, 1500));
    let p = &result.as_object_detection().unwrap().predictions[0];
    assert!(
        (p.x - 1000.0).abs() < 2.0 && (p.y - 750.0).abs() < 2.0,
        "{p:?}"
    );
}

#[tokio::test]
async fn a_video_clip_can_be_uploaded_and_candidates_asked_for() {
    let timeline = serde_json::json!({"timeline": [{"start_frame_idx": 0, "end_frame_idx": 8, "class": "run",
        "class_id": 1, "confidence": 0.8}], "source_fps": 30.0, "frame_count": 9, "windows_classified": 1});
    let script = Script::new()
        .json(
            "GET",
            "/model/registry",
            200,
            support::registry(&[("act/1", "action-recognition", None)]),
        )
        .json("POST", "/infer/action_recognition", 200, timeline.clone())
        .json("POST", "/act/1", 200, timeline);
    let mock = Mocked::start(script).await;
    let clip = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, &clip).unwrap();

    let v0 = mock.builder().mode(ApiMode::V0).build().unwrap();
    v0.infer_on_video("act/1", roboflow_infer::Video::from_path(&path))
        .multipart_upload(true)
        .include_candidates(true)
        .await
        .unwrap();
    mock.client()
        .infer_on_video("act/1", roboflow_infer::Video::from_bytes(clip.clone()))
        .include_candidates(false)
        .await
        .unwrap();
    let err = mock
        .client()
        .infer_on_video("act/1", roboflow_infer::Video::from_path(&path))
        .multipart_upload(true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongClientMode { .. }), "{err}");

    let requests = mock.requests();
    assert_eq!(requests.len(), 3, "the refused v1 upload sent nothing");
    let upload = &requests[0];
    assert_eq!(upload.path, "/act/1");
    assert!(
        upload
            .query
            .contains(&("include_candidates".into(), "true".into()))
    );
    let part = upload.part("file").expect("a `file` part");
    assert_eq!(part.content.as_ref(), clip.as_slice());
    assert_eq!(part.file_name.as_deref(), Some("clip.mp4"));
    assert_eq!(part.content_type.as_deref(), Some("video/mp4"));
    let v1 = requests[2].json().unwrap();
    assert_eq!(v1["include_candidates"], false);
    for r in &requests {
        support::spec::validate(r).unwrap_or_else(|e| panic!("{e}"));
    }
}
