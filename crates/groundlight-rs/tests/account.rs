//! Account calls: me, whoami, month-to-date usage.

mod support;

use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn me_and_whoami() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "email": "probe@example.com", "username": "probe",
            "group": {"id": 1, "name": "probe-group"}, "is_superuser": false
        })))
        .mount(&s.server)
        .await;
    let me = s.gl.me().await.unwrap();
    assert_eq!(me.username.as_deref(), Some("probe"));
    assert_eq!(
        me.group.as_ref().and_then(|g| g.name.as_deref()),
        Some("probe-group")
    );
    assert_eq!(s.gl.whoami().await.unwrap(), "probe@example.com");
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_request(r, "GET", "/device-api/v1/me", &[]);
    }
}

#[tokio::test]
async fn whoami_with_a_bad_token_is_a_401() {
    let s = setup().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid token header."})),
        )
        .mount(&s.server)
        .await;
    let err = s.gl.whoami().await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert!(err.to_string().contains("Invalid token header"));
    assert!(!err.to_string().contains(TOKEN));
    assert_eq!(requests(&s.server).await.len(), 1);
}

#[tokio::test]
async fn month_to_date_usage() {
    let s = setup().await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/month-to-date-account-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "iqs": 10, "escalations": 1, "active_detectors": 2, "iqs_limit": 1000,
            "escalations_limit": null, "active_detectors_limit": 5
        })))
        .mount(&s.server)
        .await;
    let usage = s.gl.get_month_to_date_usage().await.unwrap();
    assert_eq!(usage.iqs, 10);
    assert_eq!(usage.iqs_limit, Some(1000));
    assert_eq!(usage.escalations_limit, None);
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/month-to-date-account-info",
        &[],
    );
}

/// A deliberate difference: `whoami` falls back to the username when the e-mail is empty or
/// missing (Python returns the empty e-mail).
#[tokio::test]
async fn whoami_falls_back_to_the_username() {
    for me in [
        json!({"username": "probe", "email": ""}),
        json!({"username": "probe"}),
    ] {
        let s = setup().await;
        Mock::given(method("GET"))
            .and(path("/device-api/v1/me"))
            .respond_with(ResponseTemplate::new(200).set_body_json(me))
            .mount(&s.server)
            .await;
        assert_eq!(s.gl.whoami().await.unwrap(), "probe");
    }
}
