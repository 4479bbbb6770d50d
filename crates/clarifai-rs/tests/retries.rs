//! What is retried (`clarifai::retry`), on an injected `ManualClock`: throttling codes, the
//! model warm-up schedule, bare HTTP statuses, and the idempotency gate of creates.

use std::sync::Arc;
use std::time::Duration;

use clarifai::common::ManualClock;
use clarifai::models::MediaKind;
use clarifai::testing::{FakeClarifai, Fault, code_fault, rpc, status_body};
use clarifai::{Clarifai, Error, RetryPolicy, StatusCode};

fn client(
    fake: &FakeClarifai,
    f: impl FnOnce(clarifai::ClarifaiBuilder) -> clarifai::ClarifaiBuilder,
) -> (Clarifai, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let c = f(fake.client_builder().clock(clock.clone()))
        .build()
        .unwrap();
    (c, clock)
}

fn count(fake: &FakeClarifai, name: &str) -> usize {
    fake.requests_to(name).len()
}

#[tokio::test]
async fn throttling_codes_are_retried_with_backoff_even_for_creates() {
    let fake = FakeClarifai::start().await;
    let (c, clock) = client(&fake, |b| b);
    fake.inject(code_fault(rpc("ListApps"), StatusCode::CONN_THROTTLED).times(2));
    c.user("me").list_apps().send().await.unwrap();
    assert_eq!(count(&fake, "ListApps"), 3);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(
        sleeps[0] <= Duration::from_secs(1) && sleeps[1] <= Duration::from_secs(2),
        "{sleeps:?}"
    );

    fake.inject(code_fault(
        rpc("PostInputs"),
        StatusCode::CONN_EXCEED_HOURLY_LIMIT,
    ));
    c.app("a").inputs().upload_text("t", "x").await.unwrap();
    assert_eq!(
        count(&fake, "PostInputs"),
        2,
        "a throttled create was not processed: re-sent"
    );
}

#[tokio::test]
async fn a_create_is_not_resent_after_a_5xx_but_a_read_is() {
    let fake = FakeClarifai::start().await;
    let (c, _clock) = client(&fake, |b| b);
    fake.inject(Fault::status(rpc("PostInputs"), 503));
    let err = c.app("a").inputs().upload_text("t", "x").await.unwrap_err();
    assert!(matches!(err, Error::Http(_)), "{err:?}");
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(count(&fake, "PostInputs"), 1);
    fake.inject(Fault::status(rpc("ListApps"), 502).times(2));
    c.user("me").list_apps().send().await.unwrap();
    assert_eq!(count(&fake, "ListApps"), 3);
    fake.inject(Fault::status(rpc("PostApps"), 429).retry_after(3));
    c.user("me").create_app("x").await.unwrap();
    assert_eq!(
        count(&fake, "PostApps"),
        2,
        "429 is not processed: a create may go again"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_exactly() {
    let fake = FakeClarifai::start().await;
    let (c, clock) = client(&fake, |b| b);
    fake.inject(Fault::status(rpc("ListApps"), 429).retry_after(3));
    c.user("me").list_apps().send().await.unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_secs(3)]);
}

#[tokio::test]
async fn model_warmup_is_retried_on_its_own_schedule() {
    let fake = FakeClarifai::start().await;
    // No retries of the call's own: the warm-up schedule is counted apart.
    let (c, clock) = client(&fake, |b| b.retry_policy(RetryPolicy::none()));
    fake.inject(code_fault(
        rpc("PostModelOutputs"),
        StatusCode::MODEL_DEPLOYING,
    ));
    fake.inject(code_fault(
        rpc("PostModelOutputs"),
        StatusCode::MODEL_LOADING,
    ));
    fake.inject(code_fault(
        rpc("PostModelOutputs"),
        StatusCode::MODEL_BUSY_PLEASE_RETRY,
    ));
    let out = c
        .app("a")
        .model("m")
        .predict_by_url("https://x/y.jpg", MediaKind::Image)
        .await
        .unwrap();
    assert_eq!(out.outputs.len(), 1);
    assert_eq!(count(&fake, "PostModelOutputs"), 4);
    let ms: Vec<u128> = clock.sleeps().iter().map(Duration::as_millis).collect();
    assert_eq!(ms, [1792, 2329, 3028], "the SDK's BackoffIterator(10)");
}

#[tokio::test]
async fn warmup_gives_up_after_its_budget_and_is_configurable() {
    let fake = FakeClarifai::start().await;
    let schedule = RetryPolicy::new()
        .max_attempts(3)
        .initial_backoff(Duration::from_secs(1))
        .jitter(false);
    let (c, clock) = client(&fake, |b| b.model_warmup(schedule));
    fake.inject(code_fault(rpc("PostModelOutputs"), StatusCode::MODEL_LOADING).always());
    let err = c
        .app("a")
        .model("m")
        .predict_by_url("https://x/y.jpg", MediaKind::Image)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(StatusCode::MODEL_LOADING));
    assert!(err.is_retryable());
    assert_eq!(count(&fake, "PostModelOutputs"), 3);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );

    let fake = FakeClarifai::start().await;
    let (c, _) = client(&fake, |b| b.model_warmup(None).retry_throttled(false));
    fake.inject(code_fault(
        rpc("PostModelOutputs"),
        StatusCode::MODEL_LOADING,
    ));
    let err = c
        .app("a")
        .model("m")
        .predict_by_url("https://x/y.jpg", MediaKind::Image)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(StatusCode::MODEL_LOADING));
    fake.inject(code_fault("*", StatusCode::CONN_THROTTLED));
    let err = c.user("me").list_apps().send().await.unwrap_err();
    assert_eq!(err.code(), Some(StatusCode::CONN_THROTTLED));
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn unknown_codes_and_http_statuses_are_decoded() {
    let fake = FakeClarifai::start().await;
    let (c, _) = client(&fake, |b| b);
    fake.inject(Fault::status("*", 418).json(&status_body(StatusCode::new(12345))));
    let err = c.user("me").list_apps().send().await.unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!((api.code.code(), api.code.name()), (12345, None));
    assert_eq!(api.http_status, Some(http::StatusCode::IM_A_TEAPOT));
    assert_eq!(err.request_id(), Some("fake-fault"));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("12345"), "{err}");
    // Per-call retry policy beats the client's.
    fake.inject(code_fault("*", StatusCode::CONN_THROTTLED).times(5));
    let err = c
        .user("me")
        .list_apps()
        .retry_policy(RetryPolicy::new().max_attempts(2).jitter(false))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(StatusCode::CONN_THROTTLED));
    assert!(err.is_retryable());
}
