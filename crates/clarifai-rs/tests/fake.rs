//! Whole flows against the stateful fake (`clarifai::testing::FakeClarifai`); every request
//! each flow sends is also checked against the pinned Swagger 2.0 file with the testkit's
//! validator.

mod support;

use clarifai::models::{
    Concept, Data, Filter, Input, MediaKind, Output, OutputInfo, Rank, Text, Workflow, WorkflowNode,
};
use clarifai::requests::apps::PatchAction;
use clarifai::testing::{FAKE_USER, FakeClarifai, Fault, rpc, rpc_of};
use clarifai::{Content, CsvType, DataItem, Error, Result, RunnerHandler, StatusCode, inputs};
use futures_util::TryStreamExt;
use std::sync::Arc;

/// Every request the fake saw conforms to the spec.
fn validate_all(fake: &FakeClarifai) {
    let requests = fake.requests();
    assert!(!requests.is_empty());
    for r in requests {
        support::spec::validate(&r).unwrap_or_else(|e| panic!("{:?}: {e}", rpc_of(&r)));
    }
}

fn manual(fake: &FakeClarifai) -> (clarifai::Clarifai, Arc<clarifai::common::ManualClock>) {
    let clock = Arc::new(clarifai::common::ManualClock::new());
    let client = fake.client_builder().clock(clock.clone()).build().unwrap();
    (client, clock)
}

#[tokio::test]
async fn apps_datasets_concepts_crud() {
    let fake = FakeClarifai::start().await;
    let client = fake.client();
    let me = client.user("me");
    let app = me
        .create_app("a1")
        .description("demo")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            app.id.as_str(),
            app.user_id.as_str(),
            app.default_workflow_id.as_str()
        ),
        ("a1", FAKE_USER, "Empty")
    );
    // A second create of the same id is an API error with the server's code.
    let err = me.create_app("a1").await.unwrap_err();
    assert_eq!(err.code(), Some(StatusCode::CONN_INVALID_REQUEST));
    assert_eq!(me.list_apps().send().await.unwrap().items.len(), 1);
    let a = me.app("a1");
    assert_eq!(a.info().await.unwrap().description, "demo");
    let mut patch = clarifai::models::App::new("a1");
    patch.description = "changed".into();
    assert_eq!(
        me.patch_app(patch, PatchAction::Overwrite)
            .await
            .unwrap()
            .description,
        "changed"
    );

    a.create_dataset("ds1").await.unwrap();
    a.create_dataset("ds2").await.unwrap();
    let all: Vec<_> = a
        .list_datasets()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["ds1", "ds2"]
    );
    // Three pages of one: ds1, ds2, then the empty page that stops the stream.
    let pages = fake
        .requests()
        .iter()
        .filter(|r| rpc_of(r) == Some("ListDatasets"))
        .count();
    assert_eq!(pages, 3);
    a.delete_dataset("ds2").await.unwrap();
    let err = a.get_dataset("ds2").await.unwrap_err();
    assert_eq!(err.code(), Some(StatusCode::CONN_DOES_NOT_EXIST));

    a.create_concepts(vec![
        Concept::new("dog"),
        Concept::new("cat").with_name("Cat"),
    ])
    .await
    .unwrap();
    let mut query = clarifai::models::ConceptQuery::default();
    query.name = "Ca*".into();
    let found = a.search_concepts(query, None).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(a.list_concepts().send().await.unwrap().items.len(), 2);
    me.delete_app("a1").await.unwrap();
    assert_eq!(
        me.get_app("a1").await.unwrap_err().code(),
        Some(StatusCode::CONN_DOES_NOT_EXIST)
    );
    let pat = format!("Key {}", fake.api_key());
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(pat.as_str()))
    );
    validate_all(&fake);
}

#[tokio::test]
async fn inputs_upload_job_list_annotations_delete() {
    let fake = FakeClarifai::start().await;
    fake.set_upload_job_polls(2);
    let (client, clock) = manual(&fake);
    let app = client.app("a1");
    let ins = app.inputs();
    let job = ins
        .upload_from_url(
            "dog-1",
            "https://samples.clarifai.com/dog.jpg",
            MediaKind::Image,
        )
        .labels(["dog"])
        .dataset_id("ds1")
        .await
        .unwrap();
    assert_eq!(
        job.inputs[0].status.as_ref().unwrap().code,
        StatusCode::INPUT_SUCCESS
    );
    let done = ins.wait_for_upload_job(&job.job_id).await.unwrap();
    assert!(done.is_done());
    assert_eq!(clock.sleeps().len(), 2, "two polls in progress, then done");
    assert_eq!(clock.sleeps()[0].as_millis(), 1792);
    ins.upload_text("t-1", "hello").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cat.png");
    std::fs::write(&file, [0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0]).unwrap();
    ins.upload_from_file("cat-1", &file, MediaKind::Image)
        .await
        .unwrap();
    let missing = ins
        .upload_from_file("nope", dir.path().join("missing.jpg"), MediaKind::Image)
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::Media(_)), "{missing:?}");

    let texts = ins
        .list_inputs()
        .input_type(MediaKind::Text)
        .send()
        .await
        .unwrap();
    assert_eq!(
        texts
            .items
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>(),
        ["t-1"]
    );
    let in_ds = app.dataset("ds1").list_inputs().send().await.unwrap();
    assert_eq!(in_ds.items.len(), 1);
    // A duplicate id: MIXED_STATUS is not an error; the item says what happened.
    let dup = ins.upload_text("t-1", "again").await.unwrap();
    assert_eq!(
        dup.inputs[0].status.as_ref().unwrap().code,
        StatusCode::INPUT_DUPLICATE
    );

    let anns = ins
        .upload_annotations(vec![
            inputs::bbox_annotation("dog-1", "dog", [0.1, 0.1, 0.5, 0.5]),
            inputs::bbox_annotation("ghost", "dog", [0.1, 0.1, 0.5, 0.5]),
        ])
        .await
        .unwrap();
    assert_eq!(anns[1].status.as_ref().unwrap().code.code(), 24152);
    assert_eq!(
        ins.list_annotations(&["dog-1"])
            .send()
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    ins.delete_annotations(&["dog-1"], &[]).await.unwrap();
    assert!(
        ins.list_annotations(&["dog-1"])
            .send()
            .await
            .unwrap()
            .items
            .is_empty()
    );
    ins.delete_inputs(&["dog-1", "t-1", "cat-1"]).await.unwrap();
    assert_eq!(fake.input_count("me", "a1"), 0);
    assert!(matches!(
        ins.delete_inputs(&[]).await,
        Err(Error::InvalidInput(_))
    ));
    validate_all(&fake);
}

#[tokio::test]
async fn folder_and_csv_uploads_batch_retry_and_report() {
    let fake = FakeClarifai::start().await;
    let (client, _clock) = manual(&fake);
    let dataset = client.app("a1").dataset("pets");
    let dir = tempfile::tempdir().unwrap();
    let dogs = dir.path().join("dog");
    std::fs::create_dir(&dogs).unwrap();
    for n in 0..7 {
        std::fs::write(dogs.join(format!("d{n}.jpg")), [0xFF, 0xD8, 0xFF, 0xE0, n]).unwrap();
    }
    fake.fail_input_once("d3");
    let report = dataset
        .upload_from_folder(&dogs, MediaKind::Image)
        .labels(true)
        .batch_size(3)
        .concurrency(2)
        .await
        .unwrap();
    let mut uploaded = report.uploaded.clone();
    uploaded.sort();
    assert_eq!(uploaded, ["d0", "d1", "d2", "d3", "d4", "d5", "d6"]);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| rpc_of(r) == Some("PostInputs"))
        .collect();
    assert_eq!(posts.len(), 4, "3 batches + 1 retry of d3");
    assert!(
        posts
            .iter()
            .all(|p| p.json().unwrap()["inputs"].as_array().unwrap().len() <= 3)
    );
    let deletes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| rpc_of(r) == Some("DeleteInputs"))
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].json().unwrap()["ids"], serde_json::json!(["d3"]));
    let first = &posts[0].json().unwrap()["inputs"][0];
    assert_eq!(first["dataset_ids"], serde_json::json!(["pets"]));
    assert_eq!(first["data"]["concepts"][0]["id"], "dog");

    let csv = dir.path().join("t.csv");
    std::fs::write(
        &csv,
        "inputid,input,concepts\nc1,good day,pos\nc2,bad day,neg\n",
    )
    .unwrap();
    let report = dataset
        .upload_from_csv(&csv, MediaKind::Text, CsvType::Raw)
        .await
        .unwrap();
    assert_eq!(report.uploaded.len(), 2);
    assert_eq!(fake.input_count("me", "a1"), 9);

    // A loader with annotations; an item the loader cannot produce is reported, not fatal.
    struct Loader;
    impl clarifai::DataLoader for Loader {
        fn len(&self) -> usize {
            2
        }
        fn item(&self, index: usize) -> Result<DataItem> {
            if index == 1 {
                return Err(Error::InvalidInput("broken row".into()));
            }
            Ok(DataItem::new(
                "boxed",
                MediaKind::Image,
                Content::Url("https://x/y.jpg".into()),
            )
            .with_annotations(vec![inputs::bbox_annotation(
                "boxed",
                "cat",
                [0.0, 0.0, 1.0, 1.0],
            )]))
        }
    }
    let report = dataset.upload_dataset(Loader).await.unwrap();
    assert_eq!(report.uploaded, ["boxed"]);
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed_annotations.is_empty());
    assert!(
        fake.requests()
            .iter()
            .any(|r| rpc_of(r) == Some("PostAnnotations"))
    );
    validate_all(&fake);
}

#[tokio::test]
async fn models_predict_train_evaluate_and_search() {
    let fake = FakeClarifai::start().await;
    let (client, clock) = manual(&fake);
    let app = client.app("a1");
    app.create_model("m1", "visual-classifier").await.unwrap();
    let mut listed = app.list_models().send().await.unwrap();
    assert_eq!(listed.items.remove(0).id, "m1");
    let model = app.model("m1");
    let out = model
        .predict(vec![
            Input::from_data(Data::text(Text::from_raw("hi"))),
            inputs::from_url("", "https://x/y.jpg", MediaKind::Image),
        ])
        .await
        .unwrap();
    assert_eq!(
        out.outputs[0]
            .data
            .as_ref()
            .unwrap()
            .text
            .as_ref()
            .unwrap()
            .raw,
        "echo: hi"
    );
    assert_eq!(
        out.outputs[1].data.as_ref().unwrap().concepts[0].name,
        "dog"
    );
    let too_many = model
        .predict(vec![Input::default(); 129])
        .await
        .unwrap_err();
    assert!(matches!(too_many, Error::InvalidInput(_)));
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| rpc_of(r) == Some("PostModelOutputs"))
            .count(),
        1
    );

    let templates = model.list_training_templates().await.unwrap();
    assert_eq!(templates, ["MMClassification_ResNet_50_RSB_A1"]);
    let mut params = model.get_params(Some(&templates[0])).await.unwrap();
    assert_eq!(params["num_epochs"], 30.0);
    params.insert("num_epochs".into(), 2.into());
    assert_eq!(
        model
            .get_param_info("image_size")
            .await
            .unwrap()
            .description,
        "Image size"
    );
    let version = model
        .train(params, vec![Concept::new("dog")], Default::default())
        .await
        .unwrap();
    assert_eq!(
        model.training_status(&version).await.unwrap().code,
        StatusCode::MODEL_TRAINING
    );
    let trained = model
        .wait_for_training(&version, std::time::Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(trained.status.unwrap().code, StatusCode::MODEL_TRAINED);
    assert!(!clock.sleeps().is_empty());
    let pinned = model.version(&version);
    let ds = clarifai::requests::models::EvalDataset {
        scope: app.scope().clone(),
        dataset_id: "ds1".into(),
        version_id: None,
    };
    pinned.evaluate(ds, "e1", Default::default()).await.unwrap();
    let latest = pinned
        .get_latest_eval(Default::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, "e1");
    assert_eq!(model.list_versions().send().await.unwrap().items.len(), 1);

    app.inputs().upload_text("s1", "a").await.unwrap();
    app.inputs().upload_text("s2", "b").await.unwrap();
    let hits = app
        .search()
        .top_k(1)
        .query()
        .rank(Rank::text("a"))
        .filter(Filter::input_type(MediaKind::Text))
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        rpc_of(fake.requests().last().unwrap()),
        Some("PostInputsSearches")
    );
    let hits = app.search().query().rank(Rank::text("a")).await.unwrap();
    assert!(hits[0].annotation.is_some());
    assert_eq!(
        rpc_of(fake.requests().last().unwrap()),
        Some("PostAnnotationsSearches")
    );
    let cosine = app
        .search()
        .metric(clarifai::models::Metric::CosineDistance)
        .query()
        .rank(Rank::text("a"))
        .await;
    assert!(matches!(cosine, Err(Error::InvalidInput(_))));
    validate_all(&fake);
}

#[tokio::test]
async fn workflows_create_predict_export() {
    let fake = FakeClarifai::start().await;
    let client = fake.client();
    let app = client.app("a1");
    let mut wf = Workflow::default();
    wf.id = "wf1".into();
    let mut node = WorkflowNode::default();
    node.id = "n1".into();
    node.model = Some(clarifai::models::Model::new("general-image-recognition"));
    wf.nodes = vec![node];
    app.create_workflow(wf).await.unwrap();
    let w = app.workflow("wf1");
    let out = w
        .predict_by_url("https://x/y.jpg", MediaKind::Image)
        .await
        .unwrap();
    assert_eq!(
        out.results[0].outputs[0].model.as_ref().unwrap().id,
        "general-image-recognition"
    );
    let yaml = w.export().await.unwrap();
    assert!(
        yaml.contains("model_id: general-image-recognition"),
        "{yaml}"
    );
    assert!(matches!(
        w.predict(vec![Input::default(); 33]).await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(app.list_workflows().send().await.unwrap().items.len(), 1);
    app.delete_workflow("wf1").await.unwrap();
    validate_all(&fake);
}

struct Upper;

impl RunnerHandler for Upper {
    async fn run_input(&self, input: Input, _info: Option<OutputInfo>) -> Result<Output> {
        let raw = input
            .data
            .and_then(|d| d.text)
            .map(|t| t.raw)
            .unwrap_or_default();
        let mut out = Output::default();
        out.data = Some(Data::text(Text::from_raw(raw.to_uppercase())));
        Ok(out)
    }
}

#[tokio::test]
async fn runners_crud_and_worker_poll() {
    let fake = FakeClarifai::start().await;
    let client = fake.client();
    let me = client.user("me");
    me.create_runner("cc", "np", "r1", &["gpu"], "mine")
        .await
        .unwrap();
    assert_eq!(me.list_runners().send().await.unwrap().items.len(), 1);
    assert_eq!(me.get_runner("r1").await.unwrap().labels, ["gpu"]);
    let runner = me.runner("cc", "np", "r1");
    assert_eq!(runner.info().await.unwrap().id, "r1");
    // Nothing queued: RUNNER_NEEDS_RETRY means poll again, not an error.
    assert_eq!(runner.poll_once(&Upper).await.unwrap(), 0);
    let item = fake.queue_runner_item("r1", vec![inputs::text("", "hello")]);
    assert_eq!(runner.poll_once(&Upper).await.unwrap(), 1);
    let posted = fake.runner_outputs();
    assert_eq!(posted[0].0, item);
    assert_eq!(
        posted[0].1["runner_item_outputs"][0]["multi_output_response"]["outputs"][0]["data"]["text"]
            ["raw"],
        "HELLO"
    );
    me.delete_runner("cc", "np", "r1").await.unwrap();
    assert!(me.list_runners().send().await.unwrap().items.is_empty());
    validate_all(&fake);
}

#[tokio::test]
async fn wrong_key_and_injected_faults() {
    let fake = FakeClarifai::start_with_key("right").await;
    let wrong = fake.client_builder().pat("wrong").build().unwrap();
    let err = wrong.user("me").list_apps().send().await.unwrap_err();
    assert_eq!(err.code(), Some(StatusCode::CONN_KEY_NOT_FOUND));
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
    let token = fake.client_builder().env_lookup(|_| None).token("right");
    // The builder's PAT and a token conflict; a token alone works.
    assert!(matches!(token.build(), Err(Error::Config(_))));
    let token_client = clarifai::Clarifai::builder()
        .env_lookup(|_| None)
        .base_url(fake.base_url())
        .token("right")
        .build()
        .unwrap();
    token_client.user("me").list_apps().send().await.unwrap();
    fake.inject(Fault::status(rpc("ListApps"), 404));
    let err = token_client
        .user("me")
        .list_apps()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http(_)));
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
    let _ = Concept::new("x");
    validate_all(&fake);
}

#[tokio::test]
async fn workflow_from_yaml_creates_and_reversions_node_models() {
    let fake = FakeClarifai::start().await;
    let client = fake.client();
    let app = client.app("a1");
    let yaml = |id: &str, min: f64| {
        format!(
            "workflow:\n  id: {id}\n  nodes:\n    - id: det\n      model:\n        model_id: my-det\n        model_type_id: visual-detector\n        output_info:\n          params: {{min_value: {min}}}\n    - id: general\n      model: {{model_id: general-image-recognition, user_id: clarifai, app_id: main, model_version_id: aa7f}}\n      node_inputs:\n        - node_id: det\n"
        )
    };
    let wf = app
        .create_workflow_from_yaml(&yaml("wf1", 0.5), false)
        .await
        .unwrap();
    assert_eq!(wf.id, "wf1");
    let count = |rpc: &str| {
        fake.requests()
            .iter()
            .filter(|r| rpc_of(r) == Some(rpc))
            .count()
    };
    assert_eq!((count("PostModels"), count("PostModelVersions")), (1, 1));
    // Same params: the existing version is used.
    app.create_workflow_from_yaml(&yaml("wf2", 0.5), false)
        .await
        .unwrap();
    assert_eq!((count("PostModels"), count("PostModelVersions")), (1, 1));
    // Other params: a new version.
    let wf3 = app
        .create_workflow_from_yaml(&yaml("wf3", 0.9), true)
        .await
        .unwrap();
    assert_eq!((count("PostModels"), count("PostModelVersions")), (1, 2));
    assert_ne!(wf3.id, "wf3", "generate_new_id");
    let posted = fake
        .requests()
        .into_iter()
        .rfind(|r| rpc_of(r) == Some("PostWorkflows"))
        .unwrap();
    let nodes = &posted.json().unwrap()["workflows"][0]["nodes"];
    assert_eq!(nodes[1]["model"]["user_id"], "clarifai");
    assert_eq!(nodes[1]["model"]["model_version"]["id"], "aa7f");
    assert_eq!(nodes[1]["node_inputs"][0]["node_id"], "det");
    assert!(
        nodes[0]["model"]["model_version"]["id"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    let bad = app
        .create_workflow_from_yaml(
            "workflow:\n  id: w\n  nodes:\n    - id: a\n      model: {model_id: nope}\n",
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::InvalidInput(_)), "{bad}");
    validate_all(&fake);
}

/// Upload memory is bounded by batch size × concurrency, not by the number of items: a loader
/// that counts the items handed out checks, at every read, how many were read but not yet
/// stored (acknowledged) by the fake. The fake and the client share the test's one thread, so
/// the first `concurrency` batches are all read before any request is served: the bound is
/// reached exactly, and never passed.
#[tokio::test]
async fn bulk_upload_reads_at_most_batch_size_times_concurrency_ahead() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    const ITEMS: usize = 200;
    const BATCH: usize = 8;
    const CONCURRENCY: usize = 3;

    struct Counting {
        fake: FakeClarifai,
        read: AtomicUsize,
        max_ahead: Arc<AtomicUsize>,
    }
    impl clarifai::DataLoader for Counting {
        fn len(&self) -> usize {
            ITEMS
        }
        fn item(&self, index: usize) -> Result<DataItem> {
            let read = self.read.fetch_add(1, Ordering::SeqCst) + 1;
            let acknowledged = self.fake.input_count("me", "a1");
            self.max_ahead
                .fetch_max(read - acknowledged, Ordering::SeqCst);
            Ok(DataItem::new(
                format!("i{index:04}"),
                MediaKind::Image,
                Content::Bytes(vec![u8::try_from(index % 251).unwrap(); 1024].into()),
            ))
        }
    }

    let fake = FakeClarifai::start().await;
    let (client, _clock) = manual(&fake);
    let max_ahead = Arc::new(AtomicUsize::new(0));
    let loader = Counting {
        fake: fake.clone(),
        read: AtomicUsize::new(0),
        max_ahead: Arc::clone(&max_ahead),
    };
    let report = client
        .app("a1")
        .dataset("big")
        .upload_dataset(loader)
        .batch_size(BATCH)
        .concurrency(CONCURRENCY)
        .await
        .unwrap();
    assert_eq!(report.uploaded.len(), ITEMS);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(fake.input_count("me", "a1"), ITEMS);
    assert_eq!(max_ahead.load(Ordering::SeqCst), BATCH * CONCURRENCY);
    assert_eq!(fake.requests_to("PostInputs").len(), ITEMS.div_ceil(BATCH));
}
