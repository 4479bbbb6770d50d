//! Media validation (the official `Image` / `Video` constructors), checked when the media is
//! opened (as every call does before its first request).

use dragoneye::common::MediaError;
use dragoneye::{Error, Image, Media, PathOptions, Video};

fn temp(name: &str, content: &[u8]) -> (vision_sdk_testkit::TempFile, std::path::PathBuf) {
    let file = vision_sdk_testkit::temp_file(name, content);
    let path = file.path().to_path_buf();
    (file, path)
}

#[tokio::test]
async fn from_path_guesses_the_type_from_the_extension_and_streams() {
    let (_d, path) = temp("houses.JPG", b"\xFF\xD8\xFF\xE0 jpeg");
    let image = Image::from_path(&path).open().await.unwrap();
    assert_eq!(image.mime().essence_str(), "image/jpeg");
    assert_eq!(image.file_name(), Some("houses.JPG"));
    assert_eq!(image.len(), Some(9));
    assert!(image.path().is_some(), "streamed from disk by default");
    assert!(image.as_bytes().is_none());

    let (_d, path) = temp("clip.mov", b"\0\0\0\x14ftypqt  \0\0\0\0qt  ");
    let video = Video::from_path(&path).open().await.unwrap();
    assert_eq!(video.mime().essence_str(), "video/quicktime");
    assert_eq!(
        Media::from(Video::from_path(&path)).name(),
        Some("clip.mov")
    );
}

#[tokio::test]
async fn wrong_kind_is_an_error_when_opened() {
    let (_d, path) = temp("intersection.mp4", b"video");
    let err = Image::from_path(&path).open().await.unwrap_err();
    assert!(
        matches!(&err, Error::Media(MediaError::WrongKind { .. })),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "expected image media, got video/mp4");

    let err = Video::from_bytes(vec![1, 2, 3], "image/png")
        .open()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "expected video media, got image/png");
    let err = Video::from_stream(std::io::Cursor::new(vec![1]), "image/png")
        .open()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(MediaError::WrongKind { .. })));
    // A type that cannot be parsed (the official prefix check refuses "image" as well).
    let err = Image::from_bytes(vec![1], "image")
        .open()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let err = Image::from_bytes(vec![1], "application/pdf")
        .open()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(MediaError::WrongKind { .. })));
}

#[tokio::test]
async fn missing_file_and_unknown_extension() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jpg");
    let err = Image::from_path(&missing).open().await.unwrap_err();
    assert!(
        matches!(&err, Error::Media(MediaError::NotFound { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("missing.jpg"));
    // Missing beats untyped.
    let err = Image::from_path(dir.path().join("missing"))
        .open()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Media(MediaError::NotFound { .. })),
        "{err:?}"
    );

    let (_d, path) = temp("noext", b"\xFF\xD8\xFF");
    let err = Image::from_path(&path).open().await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("(no extension-based guess available)"),
        "{err}"
    );
    let err = Image::from_path(dir.path()).open().await.unwrap_err();
    assert!(matches!(&err, Error::Media(_)), "{err:?}");
}

#[tokio::test]
async fn path_options() {
    let (_d, path) = temp("capture.raw", b"\x89PNG\r\n\x1a\n");
    let image = Image::from_path_with(
        &path,
        PathOptions::new()
            .mime_type("image/png")
            .name("renamed.png")
            .read_into_memory(true),
    )
    .open()
    .await
    .unwrap();
    assert_eq!(image.mime().essence_str(), "image/png");
    assert_eq!(image.file_name(), Some("renamed.png"));
    assert_eq!(
        image.as_bytes().map(|b| b.as_ref()),
        Some(&b"\x89PNG\r\n\x1a\n"[..])
    );

    // Require an explicit type: a known extension is not enough.
    let (_d, path) = temp("houses.jpg", b"\xFF\xD8\xFF");
    let err = Image::from_path_with(&path, PathOptions::new().guess_from_extension(false))
        .open()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("mime_type is required")),
        "{err:?}"
    );
    let image = Image::from_path_with(
        &path,
        PathOptions::new()
            .guess_from_extension(false)
            .mime_type("image/webp"),
    )
    .open()
    .await
    .unwrap();
    assert_eq!(image.mime().essence_str(), "image/webp");

    // An explicit type is still checked against the kind.
    let err = Video::from_path_with(&path, PathOptions::new().mime_type("image/jpeg"))
        .open()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Media(MediaError::WrongKind { .. })));
    let err = Video::from_path_with(&path, PathOptions::new().mime_type("not a type"))
        .open()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
}

#[tokio::test]
async fn bytes_and_streams() {
    let image = Image::from_bytes(vec![1, 2, 3], "image/jpeg");
    assert_eq!(image.name(), None);
    assert_eq!(image.open().await.unwrap().len(), Some(3));
    let image = image.with_name("a.jpg");
    assert_eq!(image.name(), Some("a.jpg"));

    let video = Video::from_stream(std::io::Cursor::new(vec![0u8; 10]), "video/mp4");
    let opened = video.open().await.unwrap();
    assert_eq!(opened.len(), None);
    assert!(!opened.is_replayable());
    let video = Video::from_stream_with_len(std::io::Cursor::new(vec![0u8; 10]), "video/mp4", 10);
    assert_eq!(video.open().await.unwrap().len(), Some(10));
    // Debug never prints content.
    let shown = format!(
        "{:?}",
        Image::from_bytes(b"SECRETPIXELS".to_vec(), "image/png")
    );
    assert!(!shown.contains("SECRETPIXELS"), "{shown}");
}
