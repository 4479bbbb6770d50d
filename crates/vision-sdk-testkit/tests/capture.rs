//! Trace capture, golden comparison and fixtures.

use serde_json::json;
use vision_sdk_testkit::{Compare, RecordedPart, RecordedRequest};

#[test]
fn traces_spans_and_log_records_are_captured_and_leaks_detected() {
    let capture = vision_sdk_testkit::capture_traces();
    let span = tracing::info_span!("call", url = "https://x/y?key=[redacted]");
    span.in_scope(|| tracing::debug!(attempt = 2, "retrying"));
    log::info!("a log record");
    let text = capture.text();
    assert!(
        text.contains("retrying") && text.contains("attempt=2"),
        "{text}"
    );
    assert!(
        text.contains("key=[redacted]"),
        "span fields are captured: {text}"
    );
    assert!(text.contains("a log record"), "{text}");
    capture.assert_absent("hunter2");
    tracing::warn!(token = "hunter2", "oops");
    let buffer = capture.buffer().clone();
    let leaked = std::panic::catch_unwind(move || buffer.assert_absent("hunter2")).unwrap_err();
    let message = leaked.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("<THE SECRET>") && !message.contains("hunter2"),
        "{message}"
    );
}

#[test]
fn golden_comparison_reports_each_difference() {
    let golden = RecordedRequest::new("POST", "/upload?x=1")
        .with_header("x-api-key", "k")
        .with_status(204)
        .with_multipart(vec![
            RecordedPart::new("key", None, None, "a"),
            RecordedPart::new("file", Some("f.jpg"), Some("image/jpeg"), vec![0; 10]),
        ]);
    let same_size = RecordedRequest::new("POST", "/upload?x=1")
        .with_header("x-api-key", "k")
        .with_status(204)
        .with_multipart(vec![
            RecordedPart::new("key", None, None, "a"),
            RecordedPart::new("file", Some("f.jpg"), Some("image/jpeg"), vec![7; 10]),
        ]);
    Compare::new()
        .header("x-api-key")
        .file_parts_by_size()
        .assert_same(&golden, &same_size);
    assert_eq!(
        Compare::new().diff(&golden, &same_size).len(),
        1,
        "contents differ"
    );
    let other = RecordedRequest::new("PUT", "/upload?x=2")
        .with_header("x-api-key", "other")
        .with_status(500)
        .with_body("application/x-www-form-urlencoded", "a=1");
    let differences = Compare::new().header("X-API-Key").diff(&golden, &other);
    let text = differences.join("\n");
    for needle in [
        "method",
        "query",
        "header x-api-key",
        "response status",
        "body kind",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let json_a =
        RecordedRequest::new("POST", "/j").with_json(&json!({"a": [1, {"b": 2}], "c": 1.0}));
    let json_b = RecordedRequest::new("POST", "/j").with_json(&json!({"a": [1, {"b": 3}], "c": 1}));
    let diff = Compare::new().diff(&json_a, &json_b);
    assert_eq!(diff, ["body/a/1/b: golden 2, ours 3"]);
    assert!(
        Compare::new()
            .ignore_json("/a/*/b")
            .diff(&json_a, &json_b)
            .is_empty()
    );
    Compare::new().ignore_status().assert_same_sequence(
        std::slice::from_ref(&json_a),
        &[json_a.clone().with_status(1)],
    );
}

#[test]
fn wiremock_requests_convert() {
    let runtime = tokio_runtime();
    runtime.block_on(async {
        let server = wiremock::MockServer::start().await;
        let url = format!("{}/a%20b?q=1+2", server.uri());
        let _ = reqwest_free_get(&url).await;
        let received = server.received_requests().await.unwrap();
        let recorded = vision_sdk_testkit::from_wiremock(&received[0]);
        assert_eq!(recorded.line(), "GET /a%20b?q=1+2");
        assert_eq!(recorded.query_value("q"), Some("1 2"));
    });
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A GET over a raw TCP stream (no TLS-capable client needed).
async fn reqwest_free_get(url: &str) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    stream
        .write_all(
            format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    Ok(())
}

#[test]
fn fixtures_sniff_and_temp_files_clean_up() {
    assert!(vision_sdk_testkit::JPEG.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert!(vision_sdk_testkit::JPEG.ends_with(&[0xFF, 0xD9]));
    assert!(vision_sdk_testkit::PNG.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(vision_sdk_testkit::mp4_bytes(100).len(), 100);
    assert_eq!(&vision_sdk_testkit::mp4_bytes(100)[4..8], b"ftyp");
    let file = vision_sdk_testkit::temp_file("x.bin", b"abc");
    let dir = file.dir().to_path_buf();
    assert!(dir.is_dir());
    drop(file);
    assert!(!dir.exists());
    let port = vision_sdk_testkit::dead_port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn fixture_images_decode() {
    for (bytes, format) in [
        (vision_sdk_testkit::JPEG, image::ImageFormat::Jpeg),
        (vision_sdk_testkit::PNG, image::ImageFormat::Png),
    ] {
        let decoded = image::load_from_memory_with_format(bytes, format).expect("decodes");
        assert!(decoded.width() >= 1 && decoded.height() >= 1);
    }
}
