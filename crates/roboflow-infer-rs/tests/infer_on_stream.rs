//! `infer_on_stream` on the fake: a directory scan, iterators and streams of images, order,
//! concurrency, per-frame errors and the per-call configuration.

use std::path::PathBuf;

use futures_util::StreamExt as _;
use roboflow_infer::testing::{FakeRoboflow, Fault, Matcher, sample_jpeg};
use roboflow_infer::{
    ApiMode, Error, FrameId, FrameSource, Image, InferenceConfiguration, RetryPolicy, StreamFrame,
};

/// A JPEG header of `width × height` (the fake sizes its answer from it).
fn jpeg_of(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = sample_jpeg();
    // SOF0 at offset 20: FF C0 00 0B 08 <h> <w>.
    bytes[25..27].copy_from_slice(&height.to_be_bytes());
    bytes[27..29].copy_from_slice(&width.to_be_bytes());
    assert_eq!(
        roboflow_infer::testing::image_size(&bytes),
        Some((u32::from(width), u32::from(height)))
    );
    bytes
}

fn width_of(frame: &StreamFrame) -> u32 {
    frame.result.image().unwrap().first().unwrap().width
}

async fn collect(
    frames: impl futures_core::Stream<Item = roboflow_infer::Result<StreamFrame>>,
) -> Vec<roboflow_infer::Result<StreamFrame>> {
    frames.collect().await
}

#[tokio::test]
async fn a_directory_is_scanned_sorted_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    for (name, width) in [("b.jpg", 200), ("a.JPEG", 100), ("c.png", 300)] {
        std::fs::write(dir.path().join(name), jpeg_of(width, 50)).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), b"not an image").unwrap();
    std::fs::create_dir(dir.path().join("nested.jpg")).unwrap();

    let fake = FakeRoboflow::start().await;
    let frames = collect(
        fake.client()
            .infer_on_stream("fake-od/1", FrameSource::directory(dir.path()))
            .stream(),
    )
    .await;
    let frames: Vec<StreamFrame> = frames.into_iter().map(Result::unwrap).collect();
    let ids: Vec<FrameId> = frames.iter().map(|f| f.id.clone()).collect();
    let expected: Vec<FrameId> = ["a.JPEG", "b.jpg", "c.png"]
        .map(|n| FrameId::Path(dir.path().join(n)))
        .into();
    assert_eq!(ids, expected);
    // Each frame holds the bytes of its file, and its answer is for that image.
    assert_eq!(
        frames[1].image.as_bytes().unwrap().as_ref(),
        jpeg_of(200, 50).as_slice()
    );
    assert_eq!(
        frames.iter().map(width_of).collect::<Vec<_>>(),
        [100, 200, 300]
    );
    // One registry lookup and add (then the description cache), one inference per frame.
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/model/registry",
            "/model/add",
            "/infer/object_detection",
            "/infer/object_detection",
            "/infer/object_detection"
        ]
    );
}

#[tokio::test]
async fn the_configuration_picks_the_extensions_and_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.jpg"), jpeg_of(100, 50)).unwrap();
    std::fs::write(dir.path().join("b.frame"), jpeg_of(200, 50)).unwrap();
    let fake = FakeRoboflow::start().await;
    let frames = collect(
        fake.client()
            .infer_on_stream("fake-od/1", FrameSource::directory(dir.path()))
            .configuration(
                InferenceConfiguration::new().image_extensions_for_directory_scan([".FRAME"]),
            )
            .confidence_threshold(0.25)
            .stream(),
    )
    .await;
    assert_eq!(frames.len(), 1);
    assert_eq!(
        frames[0].as_ref().unwrap().id,
        FrameId::Path(dir.path().join("b.frame"))
    );
    let infer = fake.requests().pop().unwrap();
    assert_eq!(infer.json().unwrap()["confidence"], 0.25);
}

#[tokio::test]
async fn iterators_and_streams_are_numbered_in_order_with_concurrency() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    let widths: Vec<u16> = (1..=7).map(|i| i * 10).collect();
    let frames = collect(
        client
            .infer_on_stream(
                "fake-od/1",
                FrameSource::images(
                    widths
                        .clone()
                        .into_iter()
                        .map(|w| Image::from_bytes(jpeg_of(w, 10))),
                ),
            )
            .max_concurrent_requests(3)
            .stream(),
    )
    .await;
    let frames: Vec<StreamFrame> = frames.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        frames.iter().map(|f| f.id.clone()).collect::<Vec<_>>(),
        (0..7).map(FrameId::Index).collect::<Vec<_>>()
    );
    assert_eq!(
        frames.iter().map(width_of).collect::<Vec<_>>(),
        widths.iter().map(|w| u32::from(*w)).collect::<Vec<_>>()
    );

    // A stream (here: frames produced one by one, as a decoder would), on v0 routes.
    let v0 = fake.client_builder().mode(ApiMode::V0).build().unwrap();
    let decoded = futures_util::stream::unfold(1u16, |n| async move {
        (n <= 3).then(|| (jpeg_of(n * 100, 10), n + 1))
    });
    let frames = collect(
        v0.infer_on_stream("fake-od/1", FrameSource::stream(decoded))
            .stream(),
    )
    .await;
    let frames: Vec<StreamFrame> = frames.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        frames.iter().map(width_of).collect::<Vec<_>>(),
        [100, 200, 300]
    );
    assert_eq!(frames[2].id.to_string(), "2");
}

#[tokio::test]
async fn a_failing_frame_is_an_error_item_and_the_stream_goes_on() {
    let fake = FakeRoboflow::start().await;
    let client = fake.client();
    let images = vec![
        Image::from_bytes(jpeg_of(10, 10)),
        Image::from_bytes(jpeg_of(20, 10)),
        Image::from_path("/no/such/frame.jpg"),
        Image::from_bytes(jpeg_of(40, 10)),
    ];
    // The second frame's inference fails (matched by its image).
    let second = Matcher::custom(|r| {
        r.json().ok().and_then(|b| {
            let value = b["image"]["value"].as_str()?.to_owned();
            roboflow_infer::models::decode_base64(&value).ok()
        }) == Some(jpeg_of(20, 10))
    });
    fake.inject(Fault::status(second, 500).times(1));
    let frames = collect(
        client
            .infer_on_stream("fake-od/1", FrameSource::images(images))
            .retry_policy(RetryPolicy::none())
            .stream(),
    )
    .await;
    assert_eq!(frames.len(), 4);
    assert_eq!(width_of(frames[0].as_ref().unwrap()), 10);
    let err = frames[1].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err}");
    assert!(matches!(frames[2], Err(Error::Media(_))), "{:?}", frames[2]);
    assert_eq!(width_of(frames[3].as_ref().unwrap()), 40);
}

#[tokio::test]
async fn a_missing_directory_is_one_error() {
    let fake = FakeRoboflow::start().await;
    let missing = PathBuf::from("/no/such/frames/dir");
    let frames = collect(
        fake.client()
            .infer_on_stream("fake-od/1", FrameSource::directory(&missing))
            .stream(),
    )
    .await;
    assert_eq!(frames.len(), 1);
    let err = frames[0].as_ref().unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert!(err.to_string().contains("/no/such/frames/dir"), "{err}");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn nothing_is_sent_before_the_stream_is_polled() {
    let fake = FakeRoboflow::start().await;
    let stream = fake
        .client()
        .infer_on_stream(
            "fake-od/1",
            FrameSource::images([Image::from_bytes(sample_jpeg())]),
        )
        .stream();
    tokio::task::yield_now().await;
    assert!(fake.requests().is_empty());
    drop(stream);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn at_most_max_concurrent_requests_frames_are_taken_ahead() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let fake = FakeRoboflow::start().await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let source = futures_util::stream::iter(0..20u16).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        Image::from_bytes(jpeg_of(i + 1, 10))
    });
    let mut frames = fake
        .client()
        .infer_on_stream("fake-od/1", FrameSource::stream(source))
        .max_concurrent_requests(4)
        .stream();
    let mut received = 0;
    while let Some(frame) = frames.next().await {
        received += 1;
        assert_eq!(width_of(&frame.unwrap()), received as u32);
        let ahead = pulled.load(Ordering::SeqCst) - received;
        assert!(ahead <= 4, "{ahead} frames taken ahead of the consumer");
    }
    assert_eq!((received, pulled.load(Ordering::SeqCst)), (20, 20));
}
