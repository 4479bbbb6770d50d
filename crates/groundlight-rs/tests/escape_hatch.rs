//! Wire tests of `download_mlbinary`, `get_model_urls`, `get_raw_headers` and
//! `make_generic_api_request` (wiremock per test; retries with a `ManualClock`, no sleeping).

#[path = "support/spec.rs"]
mod openapi;

use groundlight::{Error, Groundlight, ManualClock};
use http::header::{HeaderName, HeaderValue};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "api_2escapeHatchTok3n";

struct Setup {
    server: MockServer,
    gl: Groundlight,
    clock: ManualClock,
}

async fn setup() -> Setup {
    let server = MockServer::start().await;
    let clock = ManualClock::new();
    let gl = Groundlight::builder()
        .api_token(TOKEN)
        .endpoint(server.uri())
        .env_lookup(|_| None)
        .clock(std::sync::Arc::new(clock.clone()))
        .build()
        .unwrap();
    Setup { server, gl, clock }
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

fn model_info(server: &MockServer) -> Value {
    json!({
        "model_binary_id": "model-42.bin",
        "model_binary_url": format!("{}/s3/model?X-Amz-Signature=s3cr3tsig", server.uri()),
        "oodd_model_binary_id": "oodd-42.bin",
        "oodd_model_binary_url": format!("{}/s3/oodd?X-Amz-Signature=s3cr3tsig", server.uri()),
        "pipeline_config": "x",
        "oodd_pipeline_config": "y",
        "predictor_metadata": {"k": 1},
        "minimal_compatible": false
    })
}

fn spec_check(request: &wiremock::Request) {
    let Some(spec) = openapi::load_pinned_spec() else {
        return;
    };
    let report = spec.validate(&vision_sdk_testkit::from_wiremock(request));
    assert!(report.operation.is_some(), "{}", report.request);
    assert!(report.errors.is_empty(), "{report:?}");
}

// ---------------------------------------------------------------------------------------------
// download_mlbinary

#[tokio::test]
async fn download_mlbinary_fetches_both_binaries_without_the_token() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/edge/fetch-model-urls/det_abc/"))
        .and(header("x-api-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(model_info(&s.server)))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/s3/model"))
        .and(query_param("X-Amz-Signature", "s3cr3tsig"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"MODEL".to_vec()))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/s3/oodd"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"OODD".to_vec()))
        .expect(1)
        .mount(&s.server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/sub");
    let written = s.gl.download_mlbinary("det_abc", &out).await.unwrap();
    assert_eq!(written.model_path, out.join("model-42.bin"));
    assert_eq!(written.oodd_model_path, Some(out.join("oodd-42.bin")));
    assert_eq!(std::fs::read(out.join("model-42.bin")).unwrap(), b"MODEL");
    assert_eq!(std::fs::read(out.join("oodd-42.bin")).unwrap(), b"OODD");
    assert_eq!(
        written.info.model_binary_id.as_deref(),
        Some("model-42.bin")
    );

    let reqs = received(&s.server).await;
    assert_eq!(reqs.len(), 3);
    spec_check(&reqs[0]);
    for presigned in &reqs[1..] {
        assert!(presigned.headers.get("x-api-token").is_none());
    }
}

#[tokio::test]
async fn download_mlbinary_without_an_oodd_model_writes_one_file() {
    let s = setup().await;
    let mut info = model_info(&s.server);
    info["oodd_model_binary_id"] = Value::Null;
    info["oodd_model_binary_url"] = Value::Null;
    Mock::given(path("/device-api/v1/edge/fetch-model-urls/det_abc/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(info))
        .mount(&s.server)
        .await;
    Mock::given(path("/s3/model"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"M".to_vec()))
        .mount(&s.server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let written = s.gl.download_mlbinary("det_abc", dir.path()).await.unwrap();
    assert!(written.oodd_model_path.is_none());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn a_model_id_that_names_a_path_is_a_decode_error_and_nothing_is_fetched() {
    for id in ["../escape.bin", "a/b.bin", "", ".."] {
        let s = setup().await;
        let mut info = model_info(&s.server);
        info["model_binary_id"] = json!(id);
        Mock::given(path("/device-api/v1/edge/fetch-model-urls/det_abc/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(info))
            .mount(&s.server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let err =
            s.gl.download_mlbinary("det_abc", dir.path().join("out"))
                .await
                .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{id:?}: {err:?}");
        assert_eq!(received(&s.server).await.len(), 1, "{id:?}");
        assert!(!dir.path().join("out").exists());
    }
}

#[tokio::test]
async fn a_model_answer_without_urls_is_a_decode_error() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/edge/fetch-model-urls/det_abc/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"pipeline_config": "x"})))
        .mount(&s.server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let err =
        s.gl.download_mlbinary("det_abc", dir.path())
            .await
            .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn a_failed_download_is_an_http_error_without_the_signature() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/edge/fetch-model-urls/det_abc/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(model_info(&s.server)))
        .mount(&s.server)
        .await;
    Mock::given(path("/s3/model"))
        .respond_with(ResponseTemplate::new(403).set_body_string("AccessDenied"))
        .mount(&s.server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let err =
        s.gl.download_mlbinary("det_abc", dir.path())
            .await
            .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("s3cr3tsig"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
    // The error page is not saved as the model (the official SDK does that).
    assert!(!dir.path().join("model-42.bin").exists());
}

#[tokio::test]
async fn model_downloads_are_retried_on_5xx() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/edge/fetch-model-urls/det_abc/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(model_info(&s.server)))
        .mount(&s.server)
        .await;
    Mock::given(path("/s3/model"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(path("/s3/model"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"M".to_vec()))
        .mount(&s.server)
        .await;
    Mock::given(path("/s3/oodd"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"O".to_vec()))
        .mount(&s.server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    s.gl.download_mlbinary("det_abc", dir.path()).await.unwrap();
    assert_eq!(s.clock.sleeps().len(), 1);
    assert_eq!(
        std::fs::read(dir.path().join("model-42.bin")).unwrap(),
        b"M"
    );
}

#[tokio::test]
async fn unknown_detector_is_not_found() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/edge/fetch-model-urls/det_nope/"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "no"})))
        .mount(&s.server)
        .await;
    let err = s.gl.get_model_urls("det_nope").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = s.gl.get_model_urls("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

// ---------------------------------------------------------------------------------------------
// get_raw_headers

#[tokio::test]
async fn raw_headers_are_the_official_four_with_the_token_redacted_in_debug() {
    let s = setup().await;
    let headers = s.gl.get_raw_headers();
    assert_eq!(headers.len(), 4);
    assert_eq!(headers["x-api-token"], TOKEN);
    assert!(headers["x-api-token"].is_sensitive());
    assert_eq!(headers["accept"], "application/json");
    let ua = headers["user-agent"].to_str().unwrap();
    assert!(ua.starts_with("groundlight-rs/"), "{ua}");
    let id = headers["x-request-id"].to_str().unwrap();
    assert!(id.starts_with("req_uu") && id.len() == 38, "{id}");
    assert_ne!(
        s.gl.get_raw_headers()["x-request-id"],
        headers["x-request-id"]
    );
    assert!(!format!("{headers:?}").contains(TOKEN));
}

#[tokio::test]
async fn raw_headers_carry_a_custom_user_agent() {
    let gl = Groundlight::builder()
        .api_token(TOKEN)
        .user_agent("my-app/1.0")
        .env_lookup(|_| None)
        .build()
        .unwrap();
    assert_eq!(gl.get_raw_headers()["user-agent"], "my-app/1.0");
}

// ---------------------------------------------------------------------------------------------
// make_generic_api_request

#[tokio::test]
async fn generic_get_sends_the_sdk_headers_and_returns_status_headers_body() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/me"))
        .and(header("x-api-token", TOKEN))
        .and(header("x-sdk-language", "rust"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"email": "me@x.y"}))
                .insert_header("x-custom", "yes"),
        )
        .mount(&s.server)
        .await;
    let response =
        s.gl.make_generic_api_request(Method::GET, "/v1/me")
            .header(
                HeaderName::from_static("x-extra"),
                HeaderValue::from_static("1"),
            )
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-custom"], "yes");
    assert_eq!(
        response.json::<Value>().unwrap(),
        json!({"email": "me@x.y"})
    );
    assert_eq!(response.content_type(), Some("application/json"));
    let reqs = received(&s.server).await;
    assert_eq!(reqs[0].headers["x-extra"], "1");
    assert!(
        reqs[0].headers["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_uu")
    );
    spec_check(&reqs[0]);
}

#[tokio::test]
async fn generic_requests_always_send_the_clients_token() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/me"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&s.server)
        .await;
    let response =
        s.gl.make_generic_api_request(Method::GET, "/v1/me")
            .header(
                HeaderName::from_static("x-api-token"),
                HeaderValue::from_static("someone-elses"),
            )
            .await
            .unwrap();
    assert!(response.body().is_empty());
    assert_eq!(response.json::<Value>().unwrap(), Value::Null);
    let reqs = received(&s.server).await;
    let tokens: Vec<_> = reqs[0].headers.get_all("x-api-token").iter().collect();
    assert_eq!(tokens, [TOKEN]);
}

#[tokio::test]
async fn generic_json_post_is_sent_once_on_5xx_but_retried_when_declared_idempotent() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/things"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s.server)
        .await;
    let err =
        s.gl.make_generic_api_request(Method::POST, "/v1/things")
            .json(json!({"b": 1, "a": 2}))
            .await
            .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    let reqs = received(&s.server).await;
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].headers["content-type"], "application/json");
    let sent: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(sent, json!({"a": 2, "b": 1}));

    let _ =
        s.gl.make_generic_api_request(Method::POST, "/v1/things")
            .idempotent(true)
            .await
            .unwrap_err();
    assert_eq!(received(&s.server).await.len(), 1 + 4);
    assert_eq!(s.clock.sleeps().len(), 3);
}

#[tokio::test]
async fn generic_get_is_retried_on_5xx() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/me"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(path("/device-api/v1/me"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&s.server)
        .await;
    let response =
        s.gl.make_generic_api_request(Method::GET, "/v1/me")
            .await
            .unwrap();
    assert_eq!(response.body().as_ref(), b"ok");
    assert_eq!(received(&s.server).await.len(), 3);
    assert_eq!(s.clock.sleeps().len(), 2);
}

#[tokio::test]
async fn generic_errors_keep_the_status_and_never_show_the_token() {
    let s = setup().await;
    Mock::given(path("/device-api/v1/secret"))
        .respond_with(
            ResponseTemplate::new(400).set_body_string(format!("bad token {TOKEN} echoed")),
        )
        .mount(&s.server)
        .await;
    let err =
        s.gl.make_generic_api_request(Method::DELETE, "/v1/secret")
            .await
            .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

#[tokio::test]
async fn generic_paths_off_the_endpoint_are_refused_before_sending() {
    let s = setup().await;
    for bad in ["v1/me", "//evil.example/steal", "/v1/me#x"] {
        let err =
            s.gl.make_generic_api_request(Method::GET, bad)
                .await
                .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{bad}: {err:?}");
    }
    assert!(received(&s.server).await.is_empty());
}

#[tokio::test]
async fn generic_bytes_body_and_query_reach_the_wire() {
    let s = setup().await;
    Mock::given(method("PUT"))
        .and(path("/device-api/v1/blob"))
        .and(query_param("x", "1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&s.server)
        .await;
    let response =
        s.gl.make_generic_api_request(Method::PUT, "/v1/blob?x=1")
            .bytes(
                &b"raw"[..],
                HeaderValue::from_static("application/octet-stream"),
            )
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let reqs = received(&s.server).await;
    assert_eq!(reqs[0].body, b"raw");
    assert_eq!(reqs[0].headers["content-type"], "application/octet-stream");
}

#[tokio::test]
async fn generic_files_are_sent_as_multipart_parts_in_order() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/notes"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&s.server)
        .await;
    s.gl.make_generic_api_request(Method::POST, "/v1/notes?detector_id=det_abc")
        .json(json!({"replaced": true}))
        .form_field("content", "a note")
        .file(
            "image",
            "image.jpg",
            &b"\xff\xd8\xffjpeg"[..],
            mime::IMAGE_JPEG,
        )
        .await
        .unwrap();
    let reqs = received(&s.server).await;
    assert_eq!(reqs.len(), 1);
    let content_type = reqs[0].headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let parts = vision_sdk_common::testing::multipart::parse(content_type, &reqs[0].body).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        (parts[0].name.as_str(), parts[0].content),
        ("content", &b"a note"[..])
    );
    assert_eq!(parts[1].name, "image");
    assert_eq!(parts[1].file_name.as_deref(), Some("image.jpg"));
    assert_eq!(parts[1].content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(parts[1].content, b"\xff\xd8\xffjpeg");
    assert_eq!(reqs[0].headers["x-api-token"], TOKEN);
    // `POST /v1/notes` with `content` and `image` is what the pinned spec describes.
    spec_check(&reqs[0]);
}

#[tokio::test]
async fn edge_base_url_is_scheme_host_and_port_without_a_slash() {
    let s = setup().await;
    let expected = s.server.uri();
    assert_eq!(s.gl.edge_base_url(), expected.trim_end_matches('/'));
    assert!(!s.gl.edge_base_url().ends_with('/'));
    assert_eq!(s.gl.edge().base_url().as_str(), format!("{expected}/"));
}
