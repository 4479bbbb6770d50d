//! Client behaviour on the wire: headers, endpoint, timeouts, retries, error mapping, secrecy.

mod support;

use std::sync::Arc;
use std::time::Duration;

use groundlight::{Error, Groundlight, Image, ManualClock, RetryPolicy};
use http::StatusCode;
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn every_request_carries_the_sdk_headers_and_fresh_request_ids() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(detector_json("det_1", "d", "q?")))
        .mount(&s.server)
        .await;
    s.gl.get_detector("det_1").await.unwrap();
    s.gl.get_detector("det_1").await.unwrap();
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_request(r, "GET", "/device-api/v1/detectors/det_1", &[]);
        assert_eq!(header(r, "accept"), Some("application/json"));
        assert!(r.body.is_empty());
        assert_eq!(header(r, "content-type"), None);
    }
    assert_ne!(
        header(&reqs[0], "x-request-id"),
        header(&reqs[1], "x-request-id")
    );
}

#[tokio::test]
async fn endpoint_paths_are_kept_or_completed() {
    let server = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"email": "a@b.c"})))
        .mount(&server)
        .await;
    for (suffix, expected) in [
        ("", "/device-api/v1/me"),
        ("/", "/device-api/v1/me"),
        ("/device-api/", "/device-api/v1/me"),
        ("/v1", "/v1/v1/me"),
        ("/custom/prefix/", "/custom/prefix/v1/me"),
    ] {
        let gl = Groundlight::builder()
            .endpoint(format!("{}{suffix}", server.uri()))
            .api_token(TOKEN)
            .build()
            .unwrap();
        gl.whoami().await.unwrap();
        let reqs = requests(&server).await;
        assert_eq!(reqs.last().unwrap().path, expected, "{suffix}");
    }
}

#[tokio::test]
async fn missing_or_blank_token_and_bad_endpoint_fail_before_any_request() {
    let no_token = Groundlight::builder()
        .env_lookup(|_| None)
        .build()
        .unwrap_err();
    assert!(matches!(no_token, Error::Credential(_)), "{no_token}");
    assert!(no_token.to_string().contains("GROUNDLIGHT_API_TOKEN"));
    let blank = Groundlight::builder().api_token("   ").build().unwrap_err();
    assert!(matches!(blank, Error::Credential(_)));
    let newline = Groundlight::builder()
        .api_token("abc\ndef")
        .build()
        .unwrap_err();
    assert!(matches!(newline, Error::Credential(_)));
    assert!(!newline.to_string().contains("abc"));
    for bad in [
        "ftp://host",
        "https://host/?x=1",
        "https://host/#f",
        "nohost",
    ] {
        let err = Groundlight::builder()
            .endpoint(bad)
            .api_token(TOKEN)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{bad}: {err}");
    }
}

/// A caller-built client (reqwest with rustls needs a crypto provider; the common transport
/// installs one).
fn custom_http_client() -> reqwest::Client {
    groundlight::vision_sdk_common::TransportConfig::new("my-app/1.0")
        .build()
        .unwrap()
}

#[tokio::test]
async fn tls_flag_from_env_must_be_exactly_zero_or_one() {
    let build = |value: &'static str| {
        Groundlight::builder()
            .env_lookup(move |name| match name {
                "GROUNDLIGHT_API_TOKEN" => Some(TOKEN.to_owned()),
                "DISABLE_TLS_VERIFY" => Some(value.to_owned()),
                _ => None,
            })
            .build()
    };
    assert!(build("0").is_ok());
    assert!(build(" 1 ").is_ok());
    for bad in ["true", "yes", "2"] {
        assert!(matches!(build(bad), Err(Error::Config(_))), "{bad:?}");
    }
    // The explicit flag cannot be applied to a caller's client.
    let err = Groundlight::builder()
        .api_token(TOKEN)
        .http_client(custom_http_client())
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}

#[tokio::test]
async fn debug_output_never_shows_the_token() {
    let secret = "api_SUPERSECRET_do_not_print_0123456789";
    let builder = Groundlight::builder()
        .api_token(secret)
        .endpoint("http://localhost:1");
    let shown = format!("{builder:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
    let env_builder = Groundlight::builder()
        .env_lookup(|name| (name == "GROUNDLIGHT_API_TOKEN").then(|| secret.to_owned()));
    assert!(!format!("{env_builder:?}").contains(secret));
    let gl = builder.build().unwrap();
    let shown = format!("{gl:?} {gl:#?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("localhost"), "{shown}");
}

#[tokio::test]
async fn caller_supplied_http_client_still_gets_sdk_headers_and_token() {
    let server = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"email": "me@x.y"})))
        .mount(&server)
        .await;
    let gl = Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .http_client(custom_http_client())
        .build()
        .unwrap();
    assert_eq!(gl.whoami().await.unwrap(), "me@x.y");
    let reqs = requests(&server).await;
    assert_request(&reqs[0], "GET", "/device-api/v1/me", &[]);
}

async fn status_error(status: u16) -> (Error, usize, ManualClock) {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_x"))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_json(json!({"detail": format!("status {status}")}))
                .insert_header("x-request-id", "srv-req-1"),
        )
        .mount(&s.server)
        .await;
    let err = s.gl.get_detector("det_x").await.unwrap_err();
    let n = requests(&s.server).await.len();
    (err, n, s.clock)
}

#[tokio::test]
async fn client_errors_are_not_retried_and_keep_status_and_body() {
    for status in [400u16, 401, 403, 409] {
        let (err, n, clock) = status_error(status).await;
        assert_eq!(n, 1, "{status} must not be retried");
        assert!(clock.sleeps().is_empty());
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert!(matches!(err, Error::Http(_)), "{status}: {err:?}");
        assert!(!err.is_retryable());
        assert_eq!(err.request_id(), Some("srv-req-1"));
        let shown = err.to_string();
        assert!(shown.contains(&format!("status {status}")), "{shown}");
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!format!("{err:?}").contains(TOKEN));
    }
}

#[tokio::test]
async fn not_found_detector_is_a_not_found_error() {
    let (err, n, _) = status_error(404).await;
    assert_eq!(n, 1);
    assert!(err.is_not_found(), "{err:?}");
    assert!(matches!(&err, Error::NotFound { kind: "detector", id, .. } if id == "det_x"));
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.request_id(), Some("srv-req-1"));
}

#[tokio::test]
async fn server_errors_are_retried_four_times_with_full_jitter() {
    for status in [500u16, 502, 503] {
        let (err, n, clock) = status_error(status).await;
        assert_eq!(n, 4, "{status}: 4 attempts in all");
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), 3);
        for (i, (sleep, ceiling)) in sleeps.iter().zip([200u64, 400, 800]).enumerate() {
            assert!(
                *sleep <= Duration::from_millis(ceiling),
                "retry {i}: {sleep:?} > {ceiling} ms"
            );
        }
        assert!(err.is_retryable());
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert_eq!(err.http_error().unwrap().attempts(), 4);
    }
}

#[tokio::test]
async fn flaky_server_recovers_on_retry() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_flaky"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"detail": "busy"})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detectors/det_flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(detector_json(
            "det_flaky",
            "f",
            "q?",
        )))
        .mount(&s.server)
        .await;
    let det = s.gl.get_detector("det_flaky").await.unwrap();
    assert_eq!(det.id, "det_flaky");
    assert_eq!(requests(&s.server).await.len(), 3);
    assert_eq!(s.clock.sleeps().len(), 2);
}

#[tokio::test]
async fn rate_limits_are_retried_after_retry_after() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/me"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_json(json!({"detail": "slow down"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"email": "x@y.z"})))
        .mount(&s.server)
        .await;
    assert_eq!(s.gl.whoami().await.unwrap(), "x@y.z");
    assert_eq!(s.clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn a_bare_429_without_retry_after_is_not_retried() {
    let s = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"detail": "slow down"})))
        .mount(&s.server)
        .await;
    let err = s.gl.me().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.retry_after(), None);
    assert_eq!(requests(&s.server).await.len(), 1);
    assert!(s.clock.sleeps().is_empty());
}

#[tokio::test]
async fn exhausted_rate_limit_reports_retry_after() {
    let s = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .mount(&s.server)
        .await;
    // 120 s is over the policy's 60 s cap: returned at once for the caller to decide.
    let err = s.gl.me().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.is_retryable());
    assert_eq!(requests(&s.server).await.len(), 1);
}

#[tokio::test]
async fn image_query_submit_is_not_resent_after_a_server_error() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/image-queries"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s.server)
        .await;
    let err =
        s.gl.submit_image_query("det_1", JPEG)
            .wait(Duration::ZERO)
            .send()
            .await
            .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(requests(&s.server).await.len(), 1, "a create is sent once");

    // With a client-chosen id the server cannot create it twice: retried like a read.
    let err =
        s.gl.submit_image_query("det_1", JPEG)
            .wait(Duration::ZERO)
            .image_query_id("iq_mine")
            .send()
            .await
            .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(requests(&s.server).await.len(), 1 + 4);
}

#[tokio::test]
async fn retry_policy_can_be_overridden() {
    let server = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let gl = Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    gl.me().await.unwrap_err();
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    // Nothing listens on that port.
    let port = vision_sdk_testkit::dead_port();
    let clock = ManualClock::new();
    let gl = Groundlight::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .api_token(TOKEN)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let err = gl.me().await.unwrap_err();
    assert!(err.status().is_none());
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(clock.sleeps().len(), 3, "connect errors are retried too");
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}

#[tokio::test]
async fn request_timeout_applies_and_can_be_overridden_per_call() {
    let s = setup().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"email": "slow@x.y"}))
                .set_delay(Duration::from_millis(400)),
        )
        .mount(&s.server)
        .await;
    assert_eq!(s.gl.timeout(), Some(Duration::from_secs(10)));
    let quick = s.gl.with_timeout(Duration::from_millis(50));
    assert_eq!(quick.timeout(), Some(Duration::from_millis(50)));
    let err = quick
        .with_timeout(Duration::from_millis(50))
        .me()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.http_error(),
            Some(groundlight::vision_sdk_common::HttpError::Timeout { .. })
        ),
        "{err:?}"
    );
    // The original client keeps its 10 s timeout.
    assert_eq!(s.gl.whoami().await.unwrap(), "slow@x.y");
}

#[tokio::test]
async fn traces_never_contain_the_token() {
    let capture = vision_sdk_testkit::capture_traces();

    let s = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"detail": "boom"})))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s.server)
        .await;
    let _ = s.gl.get_detector("det_1").await;
    let _ =
        s.gl.submit_image_query("det_1", Image::from(JPEG))
            .wait(Duration::ZERO)
            .send()
            .await;
    let text = capture.text();
    assert!(
        text.contains("retrying"),
        "the retries were traced:\n{text}"
    );
    capture.assert_absent(TOKEN);
}

#[tokio::test]
async fn non_json_success_body_is_a_decode_error_with_a_snippet() {
    let s = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>oops</html>"))
        .mount(&s.server)
        .await;
    let err = s.gl.get_detector("det_1").await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.operation, "get_detector");
    assert!(decode.body.text().contains("oops"));
    assert_eq!(err.status(), Some(StatusCode::OK));
}

#[test]
fn client_is_clone_send_sync() {
    fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_clone_send_sync::<Groundlight>();
    assert_send_sync::<Error>();
}
