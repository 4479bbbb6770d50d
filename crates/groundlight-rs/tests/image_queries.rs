//! Image queries: submit options on the wire, polling schedule and deadline, ask_*, lists.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use groundlight::models::{ImageQueryResult, Label, ResultTypeEnum, Source};
use groundlight::{Error, HumanReview, Image};
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

/// Answers `pending` times with an unconfident placeholder, then with a confident answer.
struct Slow {
    pending: usize,
    polls: AtomicUsize,
    final_confidence: f64,
}

impl Slow {
    fn new(pending: usize, final_confidence: f64) -> Self {
        Self {
            pending,
            polls: AtomicUsize::new(0),
            final_confidence,
        }
    }
}

impl Respond for Slow {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request
            .url
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let n = self.polls.fetch_add(1, Ordering::SeqCst);
        let body = if n < self.pending {
            iq_json(&id, "det_slow", "STILL_PROCESSING", 0.5, "YES")
        } else {
            iq_json(&id, "det_slow", "ALGORITHM", self.final_confidence, "YES")
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn mount_submit(server: &wiremock::MockServer, body: Value) {
    Mock::given(method("POST"))
        .and(path("/device-api/v1/image-queries"))
        .respond_with(ResponseTemplate::new(201).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn submit_with_every_option_matches_the_official_query() {
    let s = setup().await;
    mount_submit(
        &s.server,
        iq_json("iq_clientchosen", "det_abc123", "ALGORITHM", 0.95, "YES"),
    )
    .await;
    let iq =
        s.gl.submit_image_query("det_abc123", JPEG)
            .wait(Duration::ZERO)
            .patience_time(Duration::from_secs(20))
            .confidence_threshold(0.75)
            .human_review(HumanReview::Always)
            .inspection_id("inspect_1")
            .metadata(json!({"camera": "cam1", "n": 1}))
            .image_query_id("iq_clientchosen")
            .request_timeout(Duration::from_secs(3))
            .send()
            .await
            .unwrap();
    assert_eq!(iq.id, "iq_clientchosen");
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 1, "wait 0: no polling");
    assert_request(
        &reqs[0],
        "POST",
        "/device-api/v1/image-queries",
        &[
            ("patience_time", "20.0"),
            ("confidence_threshold", "0.75"),
            ("human_review", "ALWAYS"),
            ("inspection_id", "inspect_1"),
            ("metadata", "eyJjYW1lcmEiOiAiY2FtMSIsICJuIjogMX0="),
            ("image_query_id", "iq_clientchosen"),
            ("detector_id", "det_abc123"),
        ],
    );
    assert!(
        reqs[0]
            .raw_query
            .contains("metadata=eyJjYW1lcmEiOiAiY2FtMSIsICJuIjogMX0%3D&")
    );
    assert_eq!(reqs[0].body, JPEG, "the raw image is the body");
    assert_eq!(header(&reqs[0], "content-type"), Some("image/jpeg"));
    assert_eq!(header(&reqs[0], "accept"), Some("application/json"));
    assert_eq!(
        header(&reqs[0], "content-length"),
        Some(JPEG.len().to_string().as_str())
    );
}

#[tokio::test]
async fn human_review_values() {
    let s = setup().await;
    mount_submit(
        &s.server,
        iq_json("iq_1", "det_1", "ALGORITHM", 0.95, "YES"),
    )
    .await;
    for review in [
        HumanReview::Default,
        HumanReview::Always,
        HumanReview::Never,
    ] {
        s.gl.submit_image_query("det_1", JPEG)
            .wait(Duration::ZERO)
            .human_review(review)
            .send()
            .await
            .unwrap();
    }
    let values: Vec<_> = requests(&s.server)
        .await
        .iter()
        .map(|r| query(r)[0].1.clone())
        .collect();
    assert_eq!(values, ["DEFAULT", "ALWAYS", "NEVER"]);
}

#[tokio::test]
async fn submit_with_wait_polls_with_the_official_schedule() {
    let s = setup().await;
    mount_submit(
        &s.server,
        iq_json("iq_slow", "det_slow", "STILL_PROCESSING", 0.5, "YES"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(detector_json("det_slow", "s", "q")))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_slow"))
        .respond_with(Slow::new(4, 0.95))
        .mount(&s.server)
        .await;
    let iq =
        s.gl.submit_image_query("det_slow", JPEG)
            .wait(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
    assert_eq!(iq.confidence(), Some(0.95));
    assert_eq!(iq.source(), Some(Source::Algorithm));
    let reqs = requests(&s.server).await;
    let lines: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        lines,
        [
            "POST /device-api/v1/image-queries",
            "GET /device-api/v1/detectors/det_slow", // the threshold, as the official SDK
            "GET /device-api/v1/image-queries/iq_slow",
            "GET /device-api/v1/image-queries/iq_slow",
            "GET /device-api/v1/image-queries/iq_slow",
            "GET /device-api/v1/image-queries/iq_slow",
            "GET /device-api/v1/image-queries/iq_slow",
        ]
    );
    let ms: Vec<u128> = s.clock.sleeps().iter().map(Duration::as_micros).collect();
    assert_eq!(ms, [250_000, 325_000, 422_500, 549_250, 714_025]);
}

#[tokio::test]
async fn threshold_of_a_given_detector_saves_the_lookup() {
    let s = setup().await;
    mount_submit(
        &s.server,
        iq_json("iq_slow", "det_slow", "STILL_PROCESSING", 0.5, "YES"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_slow"))
        .respond_with(Slow::new(1, 0.85))
        .mount(&s.server)
        .await;
    let mut det = detector_json("det_slow", "s", "q");
    det["confidence_threshold"] = json!(0.8);
    let det: groundlight::models::Detector = serde_json::from_value(det).unwrap();
    let iq =
        s.gl.submit_image_query(&det, JPEG)
            .wait(Duration::from_secs(5))
            .send()
            .await
            .unwrap();
    assert_eq!(iq.confidence(), Some(0.85));
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 3, "POST + 2 polls, no detector lookup");
}

#[tokio::test]
async fn wait_deadline_returns_the_last_query_or_a_timeout_error() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_never"))
        .respond_with(ResponseTemplate::new(200).set_body_json(iq_json(
            "iq_never",
            "det_1",
            "ALGORITHM",
            0.55,
            "NO",
        )))
        .mount(&s.server)
        .await;
    let iq =
        s.gl.wait_for_confident_result("iq_never")
            .confidence_threshold(0.9)
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .unwrap();
    assert_eq!(iq.confidence(), Some(0.55));
    assert_eq!(iq.binary_label(), Some(&Label::No));
    // One GET for the id, then 6 polls; the last sleep is clamped so the last poll is at 3 s.
    assert_eq!(requests(&s.server).await.len(), 7);
    let sleeps = s.clock.sleeps();
    assert_eq!(sleeps.len(), 6, "{sleeps:?}");
    assert_eq!(total(&sleeps), Duration::from_secs(3));

    let err =
        s.gl.wait_for_confident_result("iq_never")
            .confidence_threshold(0.9)
            .timeout(Duration::from_secs(3))
            .error_on_timeout(true)
            .send()
            .await
            .unwrap_err();
    let Error::Timeout {
        image_query,
        waited,
        wanted,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(image_query.id, "iq_never");
    assert_eq!(*waited, Duration::from_secs(3));
    assert_eq!(*wanted, "confident");
}

#[tokio::test]
async fn wait_for_confident_result_takes_the_detector_threshold() {
    let s = setup().await;
    let mut det = detector_json("det_slow", "s", "q");
    det["confidence_threshold"] = json!(0.5);
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(det))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(iq_json(
            "iq_1",
            "det_slow",
            "ALGORITHM",
            0.55,
            "YES",
        )))
        .mount(&s.server)
        .await;
    let iq = s.gl.wait_for_confident_result("iq_1").send().await.unwrap();
    assert!(iq.is_confident(0.5));
    let reqs = requests(&s.server).await;
    assert_request(&reqs[0], "GET", "/device-api/v1/image-queries/iq_1", &[]);
    assert_request(&reqs[1], "GET", "/device-api/v1/detectors/det_slow", &[]);
    assert_eq!(reqs.len(), 2);
    assert!(s.clock.sleeps().is_empty());
}

#[tokio::test]
async fn zero_or_null_confidence_is_never_confident() {
    let s = setup().await;
    let mut null_conf = iq_json("iq_h", "det_1", "USER", 0.0, "YES");
    null_conf["result"]["confidence"] = Value::Null;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(null_conf))
        .mount(&s.server)
        .await;
    let iq =
        s.gl.wait_for_confident_result("iq_h")
            .confidence_threshold(0.0)
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .unwrap();
    assert!(!iq.is_confident(0.0));
    assert!(requests(&s.server).await.len() > 1, "kept polling");
}

#[tokio::test]
async fn ask_confident_sends_wait_as_patience_time() {
    let s = setup().await;
    mount_submit(
        &s.server,
        iq_json("iq_slow", "det_slow", "STILL_PROCESSING", 0.5, "YES"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_slow"))
        .respond_with(Slow::new(4, 0.95))
        .mount(&s.server)
        .await;
    let iq =
        s.gl.ask_confident("det_slow", JPEG)
            .confidence_threshold(0.9)
            .wait(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
    assert!(iq.is_confident(0.9));
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "POST",
        "/device-api/v1/image-queries",
        &[
            ("patience_time", "10.0"),
            ("confidence_threshold", "0.9"),
            ("detector_id", "det_slow"),
        ],
    );
    assert_eq!(reqs.len(), 6);
}

#[tokio::test]
async fn ask_ml_waits_for_any_answer() {
    let s = setup().await;
    mount_submit(
        &s.server,
        iq_json("iq_slow", "det_slow", "STILL_PROCESSING", 0.5, "YES"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/image-queries/iq_slow"))
        .respond_with(Slow::new(2, 0.6))
        .mount(&s.server)
        .await;
    let iq = s.gl.ask_ml("det_slow", JPEG).send().await.unwrap();
    assert!(iq.is_answered());
    assert_eq!(
        iq.confidence(),
        Some(0.6),
        "an unconfident ML answer is fine"
    );
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "POST",
        "/device-api/v1/image-queries",
        &[("detector_id", "det_slow")],
    );
    assert_eq!(reqs.len(), 4);

    // Already answered at submit: no polling at all.
    let s = setup().await;
    mount_submit(&s.server, iq_json("iq_1", "det_1", "ALGORITHM", 0.7, "NO")).await;
    let iq =
        s.gl.ask_ml("det_1", JPEG)
            .wait(Duration::from_secs(5))
            .send()
            .await
            .unwrap();
    assert_eq!(iq.binary_label(), Some(&Label::No));
    assert_eq!(requests(&s.server).await.len(), 1);
}

#[tokio::test]
async fn ask_ml_error_on_timeout() {
    let s = setup().await;
    mount_submit(
        &s.server,
        iq_json("iq_p", "det_1", "STILL_PROCESSING", 0.5, "YES"),
    )
    .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(iq_json(
            "iq_p",
            "det_1",
            "STILL_PROCESSING",
            0.5,
            "YES",
        )))
        .mount(&s.server)
        .await;
    let err =
        s.gl.ask_ml("det_1", JPEG)
            .wait(Duration::from_secs(2))
            .error_on_timeout(true)
            .send()
            .await
            .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { wanted: "ML", .. }),
        "{err:?}"
    );
    assert_eq!(total(&s.clock.sleeps()), Duration::from_secs(2));
}

#[tokio::test]
async fn ask_async_returns_without_a_result() {
    let s = setup().await;
    let mut body = iq_json("iq_async01", "det_abc123", "ALGORITHM", 0.9, "YES");
    body["result"] = Value::Null;
    mount_submit(&s.server, body).await;
    let iq =
        s.gl.ask_async("det_abc123", JPEG)
            .human_review(HumanReview::Never)
            .send()
            .await
            .unwrap();
    assert!(iq.result.is_none());
    assert!(!iq.is_answered());
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 1);
    assert_request(
        &reqs[0],
        "POST",
        "/device-api/v1/image-queries",
        &[
            ("human_review", "NEVER"),
            ("want_async", "True"),
            ("detector_id", "det_abc123"),
        ],
    );
}

#[tokio::test]
async fn invalid_submits_send_nothing() {
    let s = setup().await;
    mount_submit(&s.server, iq_json("iq_1", "det_1", "ALGORITHM", 0.9, "YES")).await;
    let gl = &s.gl;
    let cases = vec![
        gl.submit_image_query("det_1", JPEG)
            .confidence_threshold(1.5),
        gl.submit_image_query("det_1", JPEG)
            .confidence_threshold(f64::NAN),
        gl.submit_image_query("det_1", JPEG)
            .want_async(true)
            .wait(Duration::from_secs(1)),
        gl.submit_image_query("det_1", JPEG)
            .metadata(json!({"k": "x".repeat(1100)})),
        gl.submit_image_query("det_1", JPEG)
            .metadata(json!("not an object")),
        gl.submit_image_query("", JPEG),
        gl.submit_image_query("det_1", JPEG).image_query_id(""),
        gl.submit_image_query("det_1", &b"plain text is not an image"[..]),
        gl.submit_image_query("det_1", Image::from_path("/definitely/missing.jpg")),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        let err = case.send().await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput(_) | Error::Media(_)),
            "case {i}: {err:?}"
        );
    }
    assert!(requests(&s.server).await.is_empty());
    // want_async with the wait unset means "don't wait".
    gl.submit_image_query("det_1", JPEG)
        .want_async(true)
        .send()
        .await
        .unwrap();
    assert_eq!(requests(&s.server).await.len(), 1);
}

#[tokio::test]
async fn jpeg_files_are_streamed_as_they_are() {
    let s = setup().await;
    mount_submit(&s.server, iq_json("iq_1", "det_1", "ALGORITHM", 0.9, "YES")).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("frame.jpeg");
    let mut content = JPEG.to_vec();
    content.extend(std::iter::repeat_n(0u8, 100_000));
    std::fs::write(&file, &content).unwrap();
    s.gl.submit_image_query("det_1", Image::from_path(&file))
        .wait(Duration::ZERO)
        .send()
        .await
        .unwrap();
    let reqs = requests(&s.server).await;
    assert_eq!(reqs[0].body, content);
    assert_eq!(header(&reqs[0], "content-type"), Some("image/jpeg"));
}

#[tokio::test]
async fn get_image_query_decodes_every_result_kind() {
    let s = setup().await;
    let mut counting = iq_json("iq_count", "det_1", "HUMAN", 0.8, "");
    counting["result_type"] = json!("counting");
    counting["result"] = json!({"confidence": 0.8, "source": "HUMAN", "result_type": "counting", "count": 3, "greater_than_max": false});
    let mut text = iq_json("iq_text", "det_1", "ALGORITHM", 0.7, "");
    text["result_type"] = json!("text_recognition");
    text["result"] = json!({"confidence": 0.7, "source": "ALGORITHM", "result_type": "text_recognition", "text": "2026-01-01", "truncated": false});
    let mut legacy = iq_json("iq_pass", "det_1", "CLOUD", 0.99, "PASS");
    legacy["result"]["source"] = json!("SOMETHING_NEW");
    for (id, body) in [
        ("iq_count", counting),
        ("iq_text", text),
        ("iq_pass", legacy),
    ] {
        Mock::given(path(format!("/device-api/v1/image-queries/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&s.server)
            .await;
    }
    let iq = s.gl.get_image_query("iq_count").await.unwrap();
    assert_eq!(iq.result_type, ResultTypeEnum::Counting);
    assert_eq!(iq.count(), Some(3));
    let iq = s.gl.get_image_query("iq_text").await.unwrap();
    assert!(matches!(iq.result, Some(ImageQueryResult::Text(_))));
    assert_eq!(iq.text_result(), Some("2026-01-01"));
    let iq = s.gl.get_image_query("iq_pass").await.unwrap();
    assert_eq!(
        iq.binary_label(),
        Some(&Label::Yes),
        "PASS is normalised to YES"
    );
    assert_eq!(
        iq.source().unwrap().as_str(),
        "SOMETHING_NEW",
        "unknown sources are data"
    );
    let err = s.gl.get_image_query("iq_missing").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn list_image_queries_and_stream() {
    let s = setup().await;
    let next = format!(
        "{}/device-api/v1/image-queries?page=2&page_size=1&detector_id=det_abc123",
        s.server.uri()
    );
    Mock::given(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(
            vec![iq_json("iq_1", "det_abc123", "ALGORITHM", 0.9, "YES")],
            2,
            Some(&next),
        )))
        .mount(&s.server)
        .await;
    Mock::given(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(
            vec![iq_json("iq_2", "det_abc123", "ALGORITHM", 0.9, "NO")],
            2,
            None,
        )))
        .mount(&s.server)
        .await;
    let page =
        s.gl.list_image_queries()
            .page_size(1)
            .detector_id("det_abc123")
            .send()
            .await
            .unwrap();
    assert_eq!(page.results[0].id, "iq_1");
    let all: Vec<_> =
        s.gl.list_image_queries()
            .page_size(1)
            .detector_id("det_abc123")
            .stream()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(all.len(), 2);
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/image-queries",
        &[
            ("page", "1"),
            ("page_size", "1"),
            ("detector_id", "det_abc123"),
        ],
    );
    assert_request(
        &reqs[2],
        "GET",
        "/device-api/v1/image-queries",
        &[
            ("page", "2"),
            ("page_size", "1"),
            ("detector_id", "det_abc123"),
        ],
    );
    s.gl.list_image_queries().send().await.unwrap();
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[3],
        "GET",
        "/device-api/v1/image-queries",
        &[("page", "1"), ("page_size", "10")],
    );
}

#[tokio::test]
async fn get_image_asks_for_jpeg() {
    let s = setup().await;
    let jpeg = b"\xff\xd8\xff\xe0fakejpeg\xff\xd9".to_vec();
    Mock::given(path("/device-api/v1/image-queries/iq_abc123/image"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jpeg.clone(), "image/jpeg"))
        .mount(&s.server)
        .await;
    let bytes = s.gl.get_image("iq_abc123").await.unwrap();
    assert_eq!(bytes.as_ref(), jpeg.as_slice());
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/image-queries/iq_abc123/image",
        &[],
    );
    assert_eq!(header(&reqs[0], "accept"), Some("image/jpeg"));
}
