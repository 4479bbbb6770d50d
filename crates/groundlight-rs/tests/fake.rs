//! Flows against the in-process fake (`groundlight::testing`, feature `testing`).

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use groundlight::models::{Label, Source};
use groundlight::testing::{ConfidencePlan, FakeGroundlight, Fault};
use groundlight::{Error, Groundlight, ManualClock};
use support::JPEG;

fn with_clock(fake: &FakeGroundlight) -> (Groundlight, ManualClock) {
    let clock = ManualClock::new();
    let gl = fake
        .client_builder()
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    (gl, clock)
}

#[tokio::test]
async fn quickstart_flow() {
    let fake = FakeGroundlight::start().await;
    let (gl, clock) = with_clock(&fake);
    assert_eq!(gl.whoami().await.unwrap(), "fake@example.com");
    let det = gl
        .get_or_create_detector("door", "Is the door open?")
        .send()
        .await
        .unwrap();
    let again = gl
        .get_or_create_detector("door", "Is the door open?")
        .send()
        .await
        .unwrap();
    assert_eq!(det.id, again.id, "the second call finds the first detector");
    let iq = gl
        .submit_image_query(&det, JPEG)
        .wait(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert!(iq.is_confident(0.9), "{iq:?}");
    assert_eq!(iq.binary_label(), Some(&Label::Yes));
    assert_eq!(iq.source(), Some(Source::Algorithm));
    // 0.5 → 0.65 → 0.8 → 0.95: three polls.
    assert_eq!(clock.sleeps().len(), 3);
    assert_eq!(fake.image_of(&iq.id).unwrap(), JPEG);
    assert_eq!(gl.get_image(&iq).await.unwrap().as_ref(), JPEG);
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.header("x-api-token").is_some()));
    assert!(requests.iter().all(|r| r.status.is_some_and(|s| s < 300)));
}

#[tokio::test]
async fn wrong_token_is_rejected() {
    let fake = FakeGroundlight::start().await;
    let gl = Groundlight::builder()
        .endpoint(fake.base_url())
        .api_token("api_wrong")
        .build()
        .unwrap();
    let err = gl.whoami().await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn injected_failures() {
    let fake = FakeGroundlight::start().await;
    let (gl, clock) = with_clock(&fake);
    let id = fake.add_detector("d", "q?");
    fake.inject(Fault::status("*", 503).times(2));
    assert_eq!(gl.get_detector(&id).await.unwrap().id, id);
    assert_eq!(clock.sleeps().len(), 2);
    fake.inject(Fault::status("*", 500).times(4));
    let err = gl.get_detector(&id).await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::INTERNAL_SERVER_ERROR));
    fake.inject(Fault::status("*", 429).retry_after(3));
    gl.get_detector(&id).await.unwrap();
    assert_eq!(clock.sleeps().last(), Some(&Duration::from_secs(3)));
    fake.inject(Fault::status("GET /device-api/v1/detectors/*", 404));
    assert!(gl.get_detector(&id).await.unwrap_err().is_not_found());
    assert!(
        gl.get_detector("det_unknown")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn lists_page_and_stream() {
    let fake = FakeGroundlight::start().await;
    let gl = fake.client();
    for i in 0..25 {
        fake.add_detector(&format!("det {i}"), "q?");
    }
    let page = gl.list_detectors().page(3).send().await.unwrap();
    assert_eq!(page.count, Some(25));
    assert_eq!(page.results.len(), 5);
    assert!(!page.has_next());
    let before = fake.requests().len();
    let all: Vec<_> = gl.list_detectors().stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 25);
    assert_eq!(fake.requests().len() - before, 3);
    let det = &all[0];
    for _ in 0..3 {
        gl.ask_async(det, JPEG).send().await.unwrap();
    }
    let iqs: Vec<_> = gl
        .list_image_queries()
        .detector_id(det)
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(iqs.len(), 3);
    assert_eq!(fake.image_query_count(), 3);
}

#[tokio::test]
async fn async_submit_label_and_timeouts() {
    let fake = FakeGroundlight::start().await;
    let (gl, clock) = with_clock(&fake);
    let det = gl
        .create_detector("d", "Is it?")
        .confidence_threshold(0.75)
        .send()
        .await
        .unwrap();
    let iq = gl.ask_async(&det, JPEG).send().await.unwrap();
    assert!(iq.result.is_none());
    let iq = gl.wait_for_confident_result(&iq).send().await.unwrap();
    assert!(iq.is_confident(0.75), "threshold taken from the detector");

    fake.set_confidence_plan(ConfidencePlan {
        initial: 0.5,
        step: 0.0,
        max: 0.5,
        processing_until: 0.0,
    });
    fake.set_binary_answer("NO");
    let err = gl
        .submit_image_query(&det, JPEG)
        .wait(Duration::from_secs(5))
        .error_on_timeout(true)
        .send()
        .await
        .unwrap_err();
    let Error::Timeout { image_query, .. } = err else {
        panic!()
    };
    assert_eq!(image_query.binary_label(), Some(&Label::No));
    assert!(clock.elapsed() >= Duration::from_secs(5));

    gl.add_label(&*image_query, Label::Yes)
        .send()
        .await
        .unwrap();
    let labelled = gl.get_image_query(&image_query.id).await.unwrap();
    assert_eq!(labelled.binary_label(), Some(&Label::Yes));
    assert_eq!(labelled.confidence(), Some(1.0));
}

#[tokio::test]
async fn mode_detectors_answer_in_kind() {
    let fake = FakeGroundlight::start().await;
    let gl = fake.client();
    let count = gl
        .create_counting_detector("cars", "How many cars?", "car")
        .max_count(10)
        .send()
        .await
        .unwrap();
    let iq = gl.ask_ml(&count, JPEG).send().await.unwrap();
    assert_eq!(iq.count(), Some(1));
    let colors = gl
        .create_multiclass_detector("colors", "What color?", ["Red", "Green"])
        .send()
        .await
        .unwrap();
    let iq = gl.ask_ml(&colors, JPEG).send().await.unwrap();
    assert_eq!(iq.label(), Some("Red"));
    let err = gl.create_detector("cars", "dup?").send().await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn detector_management_inspections_notes_groups() {
    let fake = FakeGroundlight::start().await;
    let gl = fake.client();
    let det = gl.create_detector("d", "Is it?").send().await.unwrap();
    let det = gl
        .update_detector_confidence_threshold(&det, 0.7)
        .await
        .unwrap();
    assert_eq!(det.confidence_threshold, Some(0.7));
    let det = gl.update_detector_name(&det, "renamed").await.unwrap();
    assert_eq!(gl.get_detector_by_name("renamed").await.unwrap().id, det.id);
    gl.update_detector_status(&det, false).await.unwrap();

    gl.create_note(&det, "first note")
        .is_pinned(true)
        .send()
        .await
        .unwrap();
    let notes = gl.get_notes(&det).await.unwrap();
    assert_eq!(notes.customer[0].content.as_deref(), Some("first note"));
    assert_eq!(notes.customer[0].is_pinned, Some(true));

    gl.create_detector_group("g1").await.unwrap();
    assert_eq!(gl.list_detector_groups().await.unwrap()[0].name, "g1");

    let inspection = gl.start_inspection().await.unwrap();
    gl.submit_image_query(&det, JPEG)
        .wait(Duration::ZERO)
        .inspection_id(&inspection)
        .send()
        .await
        .unwrap();
    gl.update_inspection_metadata(&inspection, "serial", "SN-1")
        .await
        .unwrap();
    gl.update_inspection_metadata(&inspection, "line", "B")
        .await
        .unwrap();
    let state = gl.get_inspection(&inspection).await.unwrap();
    assert_eq!(state.user_provided_id_key.as_deref(), Some("serial"));
    assert_eq!(state.user_metadata.unwrap().len(), 2);
    assert_eq!(gl.stop_inspection(&inspection).await.unwrap(), "PASS");
    assert_eq!(gl.stop_inspection(&inspection).await.unwrap(), "COMPLETE");
    assert!(matches!(
        gl.update_inspection_metadata(&inspection, "k", "v").await,
        Err(Error::InspectionClosed(_))
    ));

    gl.reset_detector(&det).await.unwrap();
    assert_eq!(fake.image_query_count(), 0);
    gl.delete_detector(&det).await.unwrap();
    assert!(gl.delete_detector(&det).await.unwrap_err().is_not_found());
    let usage = gl.get_month_to_date_usage().await.unwrap();
    assert_eq!(usage.active_detectors, 0);
}

/// The family shape of a fake (the same test exists for every provider's fake).
#[tokio::test]
async fn the_fake_has_the_family_shape() {
    use groundlight::testing::RecordedRequest;
    fn clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    clone_send_sync::<FakeGroundlight>();
    let fake = FakeGroundlight::start_with_key("api_k1").await;
    let _default: FakeGroundlight = FakeGroundlight::start().await;
    let base_url: String = fake.base_url();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert_eq!(fake.api_key(), "api_k1");
    let _builder: groundlight::GroundlightBuilder = fake.client_builder();
    let _client: Groundlight = fake.client();
    fake.inject(Fault::status("*", 404));
    let clone = fake.clone();
    let err = with_clock(&clone).0.whoami().await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND), "{err:?}");
    let requests: Vec<RecordedRequest> = fake.requests();
    assert_eq!(requests.len(), 1, "clones share one server");
    assert_eq!(requests[0].status, Some(404));
}

#[tokio::test]
async fn transport_faults_are_retried() {
    let fake = FakeGroundlight::start().await;
    let (gl, clock) = with_clock(&fake);
    fake.inject(Fault::reset("GET /device-api/v1/me"));
    fake.inject(Fault::close_mid_body("GET /device-api/v1/me"));
    assert_eq!(gl.whoami().await.unwrap(), "fake@example.com");
    let statuses: Vec<Option<u16>> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [None, Some(200), Some(200)]);
    assert_eq!(clock.sleeps().len(), 2, "two retries");
}

/// The escape hatch's multipart body (`files=`) against the fake: a note posted by hand is the
/// note `get_notes` returns.
#[tokio::test]
async fn a_generic_multipart_request_reaches_the_fake() {
    let fake = FakeGroundlight::start().await;
    let gl = fake.client();
    let det = fake.add_detector("d", "q?");
    let response = gl
        .make_generic_api_request(http::Method::POST, format!("/v1/notes?detector_id={det}"))
        .form_field("content", "by hand")
        .form_field("is_pinned", "true")
        .file("image", "image.jpg", JPEG, mime::IMAGE_JPEG)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let notes = gl.get_notes(det.as_str()).await.unwrap();
    assert_eq!(notes.customer[0].content.as_deref(), Some("by hand"));
    assert_eq!(notes.customer[0].is_pinned, Some(true));
}

/// The fake's Edge Endpoint: `set_config` applies, waits through the polls the fake asks for,
/// and reads back what was applied.
#[tokio::test]
async fn the_fake_plays_an_edge_endpoint() {
    use groundlight::edge::{EDGE_ANSWERS_WITH_ESCALATION, EdgeEndpointConfig, NO_CLOUD};
    let fake = FakeGroundlight::start().await;
    fake.set_edge_polls_until_ready(2);
    let (gl, clock) = with_clock(&fake);
    let mut config = EdgeEndpointConfig::default();
    config
        .add_detector("det_000000000000000000000000001", &NO_CLOUD)
        .unwrap();
    config
        .add_detector(
            "det_000000000000000000000000002",
            &EDGE_ANSWERS_WITH_ESCALATION,
        )
        .unwrap();
    let applied = gl.edge().set_config(config.clone()).await.unwrap();
    assert_eq!(applied, config);
    assert_eq!(fake.edge_config(), Some(config.to_payload()));
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1); 2]);
    let readiness = gl.edge().get_detector_readiness().await.unwrap();
    assert!(readiness.values().all(|r| r.ready) && readiness.len() == 2);
    assert_eq!(
        gl.edge().get_upstream_endpoint().await.unwrap(),
        "https://api.groundlight.ai"
    );
    assert_eq!(gl.edge_base_url(), fake.base_url());
}
