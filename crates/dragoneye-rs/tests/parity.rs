//! Parity with `dragoneye-python` 2.0.1 (issue 9, Dragoneye list): typed `**kwargs`, the
//! `frames_per_second` default, blocking and async streams, `bytes_io()`,
//! `split_prediction_archive()`, MIME guesses as Python's on Linux.

use std::io::Write as _;
use std::sync::Arc;

use dragoneye::common::MediaError;
use dragoneye::results::encode::{MemberCompression, encode_archive};
use dragoneye::results::{FRAME_TIMESTAMPS_MEMBER, PREDICTIONS_MEMBER};
use dragoneye::testing::{Endpoint, FakeDragoneye};
use dragoneye::{
    DOCS_FRAMES_PER_SECOND, Dragoneye, Error, Image, ManualClock, Media, TaskOptions, Video,
    split_prediction_archive,
};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];
const MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";

fn client(fake: &FakeDragoneye) -> Dragoneye {
    fake.client_builder()
        .env_lookup(|_| None)
        .clock(Arc::new(ManualClock::new()))
        .build()
        .unwrap()
}

fn form(fake: &FakeDragoneye, endpoint: Endpoint) -> Vec<(String, String)> {
    fake.requests_to(endpoint).pop().unwrap().form()
}

#[tokio::test]
async fn kwargs_are_sent_as_python_str_to_begin_and_predict() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    client(&fake)
        .classification()
        .predict_image(
            Image::from_bytes(JPEG, "image/jpeg"),
            "recognize_anything/m",
        )
        .param("dense", true)
        .param("threshold", 0.5)
        .param("scale", 1.0)
        .param("tiny", 1e-5)
        .param("limit", 3)
        .param("region", None::<&str>)
        .param("label", "door open")
        .await
        .unwrap();
    let expected = [
        ("dense", "True"),
        ("threshold", "0.5"),
        ("scale", "1.0"),
        ("tiny", "1e-05"),
        ("limit", "3"),
        ("region", "None"),
        ("label", "door open"),
    ];
    for endpoint in [Endpoint::Begin, Endpoint::Predict] {
        let sent = form(&fake, endpoint);
        let extra: Vec<(&str, &str)> = sent
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .filter(|(k, _)| expected.iter().any(|(e, _)| e == k))
            .collect();
        assert_eq!(extra, expected, "{endpoint:?}: {sent:?}");
    }
}

#[tokio::test]
async fn frames_per_second_follows_2_0_1_unless_asked_for_the_docs_default() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    let (objects, timestamps) = FakeDragoneye::sample_video_objects();
    fake.set_video_results(objects, Some(timestamps));
    fake.set_default_frames_per_second(5);
    let c = client(&fake).classification();
    let result = c
        .predict_video(Video::from_bytes(MP4, "video/mp4"), "m")
        .await
        .unwrap();
    assert!(
        !form(&fake, Endpoint::Begin)
            .iter()
            .any(|(k, _)| k == "frames_per_second"),
        "2.0.1 sends none"
    );
    assert_eq!(result.frames_per_second, 5, "the server's default");
    let result = c
        .predict_video(Video::from_bytes(MP4, "video/mp4"), "m")
        .frames_per_second(DOCS_FRAMES_PER_SECOND)
        .await
        .unwrap();
    assert!(
        form(&fake, Endpoint::Begin).contains(&("frames_per_second".into(), "1".into())),
        "the docs page's 1"
    );
    assert_eq!(result.frames_per_second, 1);
    let submitted = c
        .submit(
            Video::from_bytes(MP4, "video/mp4"),
            "m",
            &TaskOptions::new().frames_per_second(2),
        )
        .await
        .unwrap();
    assert_eq!(
        fake.task(&submitted.prediction_task_uuid)
            .unwrap()
            .frames_per_second,
        Some(2)
    );
}

#[tokio::test]
async fn streams_blocking_and_async_and_bytes_io() {
    let fake = FakeDragoneye::start().await;
    fake.set_pending_polls(0);
    let c = client(&fake).classification();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.jpg");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(JPEG)
        .unwrap();

    // A blocking `std::io::Read`, like Python's `from_stream(open(path, "rb"))`.
    let blocking = Image::from_reader(std::fs::File::open(&path).unwrap(), "image/jpeg");
    assert_eq!(blocking.read_bytes().await.unwrap().as_ref(), JPEG);
    c.predict_image(blocking.clone(), "m").await.unwrap();
    // Retried from the buffer: a blocking reader is read once, when constructed.
    c.predict_image(blocking, "m").await.unwrap();
    // An async reader.
    let file = tokio::fs::File::open(&path).await.unwrap();
    c.predict_image(Image::from_stream(file, "image/jpeg"), "m")
        .await
        .unwrap();
    let uploads = fake.uploads();
    assert_eq!(uploads.len(), 3);
    assert!(uploads.iter().all(|u| u.size == JPEG.len() as u64));

    // `Media.bytes_io()`: the whole content of a file, bytes or a stream.
    let media = Media::from(Image::from_path(&path));
    assert_eq!(media.read_bytes().await.unwrap().as_ref(), JPEG);
    let video = Video::from_stream(std::io::Cursor::new(MP4.to_vec()), "video/mp4");
    assert_eq!(video.read_bytes().await.unwrap().as_ref(), MP4);

    // A read error is reported when sent, as a media error.
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let before = fake.requests().len();
    let err = c
        .predict_image(Image::from_reader(Broken, "image/jpeg"), "m")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Media(MediaError::Io { .. })),
        "{err:?}"
    );
    assert_eq!(fake.requests().len(), before);
}

#[test]
fn split_prediction_archive_gives_every_member() {
    let zip = encode_archive(
        &[
            (PREDICTIONS_MEMBER, b"p"),
            (FRAME_TIMESTAMPS_MEMBER, b"f"),
            ("notes.txt", b"n"),
        ],
        MemberCompression::Stored,
    )
    .unwrap();
    let members = split_prediction_archive(&zip).unwrap();
    let names: Vec<&str> = members.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        vec![FRAME_TIMESTAMPS_MEMBER, "notes.txt", PREDICTIONS_MEMBER]
    );
    assert_eq!(members[PREDICTIONS_MEMBER].as_ref(), b"p");
    assert!(split_prediction_archive(b"not a zip").is_err());
}

#[tokio::test]
async fn mime_guesses_are_pythons_on_linux() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    };
    for (name, expected) in [
        ("clip.m4v", "video/mp4"),
        ("clip.MP4", "video/mp4"),
        ("clip.mkv", "video/x-matroska"),
        ("clip.wmv", "video/x-ms-wmv"),
        ("clip.flv", "video/x-flv"),
        ("clip.ogv", "video/ogg"),
        ("clip.qt", "video/quicktime"),
        ("clip.mpg", "video/mpeg"),
    ] {
        let opened = Video::from_path(write(name, MP4)).open().await.unwrap();
        assert_eq!(opened.mime().essence_str(), expected, "{name}");
    }
    for (name, expected) in [
        ("a.jfif", "image/jpeg"),
        ("a.jpe", "image/jpeg"),
        ("a.webp", "image/webp"),
        ("a.heic", "image/heic"),
        ("a.avif", "image/avif"),
        ("a.tif", "image/tiff"),
    ] {
        let opened = Image::from_path(write(name, JPEG)).open().await.unwrap();
        assert_eq!(opened.mime().essence_str(), expected, "{name}");
    }
    // Python's table says audio/3gpp: not a video, as in Python.
    let err = Video::from_path(write("phone.3gp", MP4))
        .open()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Media(MediaError::WrongKind { .. })),
        "{err:?}"
    );
    // The missing file is reported first, as Python's FileNotFoundError.
    let err = Image::from_path(dir.path().join("missing.mp4"))
        .open()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Media(MediaError::NotFound { .. })),
        "{err:?}"
    );
}
