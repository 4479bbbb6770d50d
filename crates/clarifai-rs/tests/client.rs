//! The client's family contract: constructors, credentials on the wire, handles and builders
//! as `'static + Send + Clone` values, no key in Debug or errors.

mod support;

use clarifai::models::MediaKind;
use clarifai::{
    App, Clarifai, Dataset, Error, Inputs, List, Model, Predict, Runner, Search, User, Workflow,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn assert_handle<T: Clone + Send + Sync + 'static>() {}
fn assert_call<T: Clone + Send + 'static + std::future::IntoFuture>() {}

#[test]
fn handles_and_calls_are_static_send_clone() {
    assert_handle::<Clarifai>();
    assert_handle::<User>();
    assert_handle::<App>();
    assert_handle::<Dataset>();
    assert_handle::<Inputs>();
    assert_handle::<Model>();
    assert_handle::<Workflow>();
    assert_handle::<Search>();
    assert_handle::<Runner>();
    assert_call::<Predict>();
    assert_call::<clarifai::WorkflowPredict>();
    assert_call::<clarifai::SearchQuery>();
    assert_call::<clarifai::Upload>();
    assert_call::<clarifai::CreateApp>();
    assert_call::<clarifai::BulkUpload>();
    assert_call::<List<clarifai::models::MultiAppResponse>>();
}

/// Echoes the key back in an error body, to check redaction.
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned());
        let token = request
            .headers
            .get("x-clarifai-session-token")
            .map(|v| v.to_str().unwrap().to_owned());
        ResponseTemplate::new(400).set_body_string(format!("<html>bad {auth:?} {token:?}</html>"))
    }
}

#[tokio::test]
async fn credentials_on_the_wire_and_never_in_errors() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(Echo).mount(&server).await;
    let pat = Clarifai::builder()
        .env_lookup(|_| None)
        .pat("sk-secret-1")
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = pat.user("me").list_apps().send().await.unwrap_err();
    assert!(matches!(err, Error::Http(_)));
    let shown = format!("{err} {err:?} {pat:?}");
    assert!(!shown.contains("sk-secret-1"), "{shown}");
    let token = Clarifai::builder()
        .env_lookup(|_| None)
        .token("tok-secret-2")
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = token.user("me").list_apps().send().await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("tok-secret-2"));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].headers.get("authorization").unwrap(),
        "Key sk-secret-1"
    );
    assert!(
        requests[0]
            .headers
            .get("x-clarifai-session-token")
            .is_none()
    );
    assert_eq!(
        requests[1].headers.get("x-clarifai-session-token").unwrap(),
        "tok-secret-2"
    );
    assert!(requests[1].headers.get("authorization").is_none());
    let ua = requests[0]
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(ua.starts_with("clarifai-rs/"), "{ua}");
}

#[test]
fn constructors_and_env() {
    let env = |name: &str| match name {
        "CLARIFAI_PAT" => Some("p".to_owned()),
        "CLARIFAI_USER_ID" => Some("alice".to_owned()),
        "CLARIFAI_APP_ID" => Some("app1".to_owned()),
        "CLARIFAI_API_BASE" => Some("http://localhost:1".to_owned()),
        _ => None,
    };
    let c = Clarifai::builder().env_lookup(env).build().unwrap();
    assert_eq!(
        (c.user_id(), c.app_id(), c.base_url().as_str()),
        ("alice", "app1", "http://localhost:1/")
    );
    assert!(Clarifai::new("pat").is_ok());
    assert!(matches!(Clarifai::new(" "), Err(Error::Credential(_))));
    // Handles from URLs.
    let m = c.model_from_url("https://clarifai.com/clarifai/main/models/general-image-recognition/model_version_id/v9").unwrap();
    assert_eq!(
        (
            m.reference().scope.user_id.as_str(),
            m.reference().version_id.as_deref()
        ),
        ("clarifai", Some("v9"))
    );
    assert!(matches!(
        c.model_from_url("https://clarifai.com/a/b/workflows/w"),
        Err(Error::InvalidUrl { .. })
    ));
    assert_eq!(
        c.app_from_url("https://clarifai.com/u/a").unwrap().id(),
        "a"
    );
    assert_eq!(
        c.dataset_from_url("https://clarifai.com/u/a/datasets/d")
            .unwrap()
            .id(),
        "d"
    );
    assert!(
        c.workflow_from_url("https://clarifai.com/u/a/workflows/w")
            .is_ok()
    );
    assert_eq!(c.default_app().id(), "app1");
    let _ = MediaKind::Image;
}

#[tokio::test]
async fn bad_input_fails_before_any_request() {
    let server = MockServer::start().await;
    let c = support::client(&server);
    assert!(matches!(
        c.app("").info().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        c.app("a").model("m").list_evaluations().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        c.app("a").search().query().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        c.app("a")
            .search()
            .algorithm("annoy")
            .query()
            .rank(clarifai::models::Rank::text("x"))
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}
