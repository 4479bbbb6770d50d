//! The official JSON client's 34 recorded requests
//! (`shared/protocols/golden/clarifai/json_channel_requests.jsonl`) reproduced through the
//! public client against wiremock: same method, path, query and body once the JSON channel's
//! artifacts are taken out; every request also checked against the Swagger 2.0 file.

mod support;

use clarifai::models::{
    Concept, Data, DatasetVersion, Filter, Input, MediaKind, Output, Rank, Struct, Text,
};
use clarifai::requests::apps::{PatchAction, concepts_from_lists};
use clarifai::requests::models::EvalDataset;
use clarifai::{Clarifai, Error, Result, RunnerHandler, StatusCode, inputs};
use serde_json::{Value, json};
use support::{normalise, query_of, recorded_query};

const PNG_1X1: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAEA4iG8MwAAAABJRU5ErkJggg==";
const DOG: &str = "https://samples.clarifai.com/dog.jpg";

fn png() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(PNG_1X1)
        .unwrap()
}

fn object(v: Value) -> Struct {
    match v {
        Value::Object(m) => m,
        _ => Struct::new(),
    }
}

struct Hi;

impl RunnerHandler for Hi {
    async fn run_input(
        &self,
        _input: Input,
        _info: Option<clarifai::models::OutputInfo>,
    ) -> Result<Output> {
        let mut out = Output::default();
        out.data = Some(Data::text(Text::from_raw("hi")));
        Ok(out)
    }
}

/// Makes the SDK call of `note` through the public API. Returns how many requests it sends.
async fn call(c: &Clarifai, note: &str) -> usize {
    let general = || {
        c.model_from_url("https://clarifai.com/clarifai/main/models/general-image-recognition")
            .unwrap()
    };
    let app = c.app("my-app");
    let inputs = app.inputs();
    let model = app.model("m1");
    let ok = |r: Result<()>| r.unwrap_or_else(|e| panic!("{note}: {e}"));
    match note {
        "predict_by_url with version, output_config, inference params" => ok(general()
            .version("aa7f35c01e0642fda5cf400f543e7c40")
            .predict_by_url(
                "https://samples.clarifai.com/metro-north.jpg",
                MediaKind::Image,
            )
            .inference_param("temperature", 0.7)
            .inference_param("max_tokens", 30)
            .max_concepts(3)
            .min_value(0.5)
            .select_concepts(vec![Concept::new("ai_HLmqFqBf").with_name("train")])
            .await
            .map(drop)),
        "predict_by_bytes, no version" => ok(general()
            .predict_by_bytes(png(), MediaKind::Image)
            .await
            .map(drop)),
        "predict text raw" => ok(c
            .model_from_url("https://clarifai.com/openai/chat-completion/models/gpt-4o")
            .unwrap()
            .predict_by_bytes(&b"What is 2+2?"[..], MediaKind::Text)
            .await
            .map(drop)),
        "list_apps" => ok(c
            .user("alice")
            .list_apps()
            .page(2)
            .per_page(5)
            .send()
            .await
            .map(drop)),
        "list_apps without user -> me" => ok(c.user("me").list_apps().page(1).await.map(drop)),
        "upload_from_url/bytes/text" => {
            let mut url_input = inputs::from_url("url-input", DOG, MediaKind::Image)
                .with_labels(["dog"])
                .with_metadata(object(json!({"source": "probe", "n": 1})))
                .with_geo(-30.0, 40.0)
                .in_datasets(["ds1"]);
            url_input
                .data
                .as_mut()
                .unwrap()
                .image
                .as_mut()
                .unwrap()
                .allow_duplicate_url = true;
            let batch = vec![
                url_input,
                inputs::from_bytes("bytes-input", png(), MediaKind::Image),
                inputs::text("text-input", "some text"),
            ];
            let job = inputs.upload_inputs(batch).job_id("job123").await.unwrap();
            assert_eq!(job.job_id, "job123");
        }
        "list_inputs with ids" => ok(inputs
            .list_inputs_by_ids(&["a", "b"], None)
            .page(1)
            .per_page(2)
            .await
            .map(drop)),
        "list_inputs filtered by status (SDK _delete_failed_inputs)" => ok(inputs
            .list_inputs_by_ids(&["a"], Some(StatusCode::INPUT_SUCCESS))
            .per_page(2)
            .await
            .map(drop)),
        "dataset list_inputs" => ok(app.dataset("ds1").list_inputs().page(1).await.map(drop)),
        "_wait_for_inputs" => ok(inputs.wait_for_upload_job("job123").await.map(drop)),
        "get_input_count" => ok(app.input_count().await.map(drop)),
        "delete_inputs" => ok(inputs.delete_inputs(&["url-input", "bytes-input"]).await),
        "upload_annotations bbox+polygon" => ok(inputs
            .upload_annotations(vec![
                inputs::bbox_annotation("url-input", "dog", [0.2, 0.1, 0.9, 0.8]),
                inputs::mask_annotation("url-input", "dog", &[[0.1, 0.1], [0.2, 0.5], [0.7, 0.3]])
                    .with_id("annot-2"),
            ])
            .await
            .map(drop)),
        "list_annotations" => ok(inputs
            .list_annotations(&["url-input"])
            .page(1)
            .await
            .map(drop)),
        "delete_annotations" => ok(inputs
            .delete_annotations(&["url-input"], &["annot-2"])
            .await),
        "patch_concepts" => ok(app
            .patch_concepts(
                concepts_from_lists(&["dog"], &["Doggo"], &[1.0]).unwrap(),
                PatchAction::Overwrite,
            )
            .await
            .map(drop)),
        "list_concepts" => ok(app.list_concepts().page(1).await.map(drop)),
        "create_concepts" => ok(app
            .create_concepts(vec![Concept::new("cat").with_name("cat")])
            .await
            .map(drop)),
        "search.query" => ok(app
            .search()
            .query()
            .rank(Rank::image_url(DOG))
            .filter(Filter::concepts([Concept::new("dog").with_value(1.0)]))
            .filter(Filter::input_type(MediaKind::Image))
            .await
            .map(drop)),
        "workflow predict (no version)" => ok(app
            .workflow("General")
            .predict_by_url(DOG, MediaKind::Image)
            .await
            .map(drop)),
        "workflow predict (version)" => ok(app
            .workflow("General")
            .version("wfv1")
            .predict_by_url(DOG, MediaKind::Image)
            .await
            .map(drop)),
        "create_app" => ok(c
            .user("alice")
            .create_app("new-app")
            .base_workflow("Universal")
            .await
            .map(drop)),
        "create_dataset" => ok(app.create_dataset("ds1").await.map(drop)),
        "list_datasets" => ok(app.list_datasets().page(1).await.map(drop)),
        "dataset create_version" => {
            let mut v = DatasetVersion::new("dv1");
            v.description = "v".into();
            ok(app.dataset("ds1").create_version(v).await.map(drop))
        }
        "Model.load_info" => ok(model.version("v1").info().await.map(drop)),
        "load_input_types" => ok(app.get_model_type("visual-classifier").await.map(drop)),
        "list_versions" => ok(model.list_versions().page(1).await.map(drop)),
        "train" => {
            let params = object(json!({
                "template": "MMClassification_ResNet_50_RSB_A1",
                "num_epochs": 2,
                "dataset_id": "ds1",
                "dataset_version_id": "dv1"
            }));
            ok(model
                .train(params, vec![Concept::new("dog")], Default::default())
                .await
                .map(drop))
        }
        "evaluate" => {
            let ds = EvalDataset {
                scope: app.scope().clone(),
                dataset_id: "ds1".into(),
                version_id: Some("dv1".into()),
            };
            ok(model
                .version("v1")
                .evaluate(ds, "eval1", Struct::new())
                .await
                .map(drop))
        }
        "list_evaluations" => ok(model.version("v1").list_evaluations().await.map(drop)),
        // The runner's poll and its answer: one poll_once sends both.
        "runner poll" => {
            let served = c
                .user("alice")
                .runner("cc", "np", "r1")
                .poll_once(&Hi)
                .await
                .unwrap();
            assert_eq!(served, 1);
            return 2;
        }
        "runner post output" => return 0,
        "HTTP 401 handling" => {
            let err = c
                .model_from_url("https://clarifai.com/clarifai/main/models/unauthorized-model")
                .unwrap()
                .predict_by_url("https://x/y.jpg", MediaKind::Image)
                .await
                .unwrap_err();
            let Error::Api(api) = &err else {
                panic!("{err:?}")
            };
            assert_eq!(api.code, StatusCode::CONN_KEY_INVALID);
            assert_eq!(api.http_status, Some(http::StatusCode::UNAUTHORIZED));
            assert_eq!(err.request_id(), Some("req-401"));
            assert!(!err.is_retryable());
        }
        other => panic!("no public call for the recorded `{other}`"),
    }
    1
}

#[tokio::test]
async fn every_recorded_request_through_the_public_client() {
    let Some(path) = support::shared("protocols/golden/clarifai/json_channel_requests.jsonl")
    else {
        return;
    };
    let recorded: Vec<Value> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let server = support::universal_server(vec![
        (
            "/unauthorized-model/".into(),
            401,
            json!({"status": {"code": 11008, "description": "Invalid API key or Invalid API key/application pair", "details": "Invalid format of key.", "req_id": "req-401"}, "outputs": []}),
        ),
        (
            "/runners/r1/items".into(),
            200,
            // Also answers the post of the outputs (a status is all it needs).
            json!({"status": {"code": 10000}, "runner_items": [{"id": "item1", "post_model_outputs_request": {"inputs": [{"data": {"text": {"raw": "hello"}}}]}}]}),
        ),
    ])
    .await;
    let client = support::client(&server);
    let mut seen = 0;
    let mut checked = 0;
    for want in &recorded {
        let note = want["note"].as_str().unwrap();
        let sent = call(&client, note).await;
        let all = server.received_requests().await.unwrap();
        let new = &all[seen..];
        assert_eq!(new.len(), sent, "{note}: {} requests", new.len());
        seen = all.len();
        for (i, got) in new.iter().enumerate() {
            let want = if i == 0 {
                want
            } else {
                &recorded[recorded.iter().position(|r| r == want).unwrap() + i]
            };
            let note = want["note"].as_str().unwrap();
            assert_eq!(want["method"], got.method.as_str(), "{note}");
            assert_eq!(want["path"], got.url.path(), "{note}");
            assert_eq!(
                recorded_query(&want["query"]),
                query_of(got),
                "{note}: query"
            );
            assert_eq!(
                got.headers.get("authorization").unwrap(),
                "Key FAKE_PAT_123",
                "{note}"
            );
            let body: Option<Value> =
                (!got.body.is_empty()).then(|| serde_json::from_slice(&got.body).unwrap());
            match (&want["body"], &body) {
                (Value::Null, None) => {}
                (w, Some(g)) if !w.is_null() => {
                    let (mut w, mut g) = (w.clone(), g.clone());
                    normalise(&mut w, None);
                    normalise(&mut g, None);
                    assert_eq!(w, g, "{note}: body");
                    let raw = String::from_utf8_lossy(&got.body);
                    assert!(
                        !raw.contains("user_app_id") && !raw.contains("\"value\":0.0"),
                        "{note}: {raw}"
                    );
                }
                (w, g) => panic!("{note}: body {w} vs {g:?}"),
            }
            support::spec::validate(&vision_sdk_testkit::from_wiremock(got))
                .unwrap_or_else(|e| panic!("{note}: {e}"));
            checked += 1;
        }
    }
    assert_eq!(checked, 34);
}

#[test]
fn the_swagger_check_rejects_what_the_spec_lacks() {
    use support::spec::RecordedRequest;
    if support::spec::spec().is_none() {
        return;
    }
    let check = |r: RecordedRequest| support::spec::validate(&r);
    let inputs = "/v2/users/alice/apps/a/inputs";
    let post = |body: serde_json::Value| RecordedRequest::new("POST", inputs).with_json(&body);
    let post_search = |body: serde_json::Value| {
        RecordedRequest::new("POST", &format!("{inputs}/searches")).with_json(&body)
    };
    check(post(
        json!({"inputs": [{"id": "x", "data": {"image": {"url": "u"}}}]}),
    ))
    .unwrap();
    let unknown = check(post(json!({"inputz": []}))).unwrap_err();
    assert!(unknown.has_error("inputz"), "{unknown}");
    // Enums go as names or numbers (proto3 JSON); anything else is rejected.
    let metric = |m: serde_json::Value| post_search(json!({"searches": [{"metric": m}]}));
    check(metric(json!("EUCLIDEAN_DISTANCE"))).unwrap();
    check(metric(json!(1))).unwrap();
    let bad_enum = check(metric(json!("MANHATTAN"))).unwrap_err();
    assert!(bad_enum.has_error("metric"), "{bad_enum}");
    let status = |code: &str| RecordedRequest::new("GET", &format!("{inputs}?status.code={code}"));
    check(status("INPUT_DOWNLOAD_SUCCESS")).unwrap();
    check(status("30000")).unwrap();
    let bad_code = check(status("1")).unwrap_err();
    assert!(bad_code.has_error("status.code"), "{bad_code}");
    // The duplicate runners template (`user_id_1`, POST only) does not hide DELETE.
    let runners = "/v2/users/me/compute_clusters/cc/nodepools/np/runners";
    check(RecordedRequest::new("DELETE", runners).with_json(&json!({"ids": ["r1"]}))).unwrap();
    let bogus = check(RecordedRequest::new("GET", &format!("{inputs}?bogus=1"))).unwrap_err();
    assert!(bogus.has_error("bogus"), "{bogus}");
    check(RecordedRequest::new("GET", &format!("{inputs}?per_page=1"))).unwrap();
    let nowhere = check(RecordedRequest::new("PUT", "/v2/nothing/here")).unwrap_err();
    assert!(nowhere.operation.is_none(), "{nowhere}");
    let wrong_method = check(RecordedRequest::new("PUT", inputs)).unwrap_err();
    assert!(wrong_method.has_error("PUT"), "{wrong_method}");
}
