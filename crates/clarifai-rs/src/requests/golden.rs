//! The official JSON client's requests (`shared/protocols/golden/clarifai/json_channel_requests.jsonl`)
//! rebuilt with this crate's builders: same method, path, query and body, once the JSON
//! channel's artifacts (`protocols/clarifai.md` §2) are taken out of the recording:
//!
//! * `user_app_id` in every body and query string (the path carries the ids);
//! * enum *names* (`"VISIBLE"`, `"EUCLIDEAN_DISTANCE"`, `status.code=INPUT_SUCCESS`): this crate
//!   sends the numbers;
//! * `"value": 0.0` on concepts whose value was never set (the server would read a negative
//!   label): this crate leaves unset values out;
//! * an empty `"annotation": {}` beside an input filter (means nothing).
//!
//! Numbers compare by value (`2.0` = `2`).

use serde_json::{Map, Value, json};

use super::apps::{self, PatchAction};
use super::inputs::{self, ListInputsFilter};
use super::models::{self, EvalDataset, ModelRef, PredictOptions};
use super::workflows::{self, WorkflowRef};
use super::{ApiRequest, PostRunnerItemOutputsRequest, datasets, runners, search};
use crate::models::{
    Annotation, App, BoundingBox, Concept, Data, Dataset, DatasetVersion, Filter, Geo, Image,
    Input, MediaKind, Metric, MultiOutputResponse, Output, OutputConfig, Pagination, Polygon,
    Query, Rank, Region, RegionInfo, Search, Struct, Text, UserAppIdSet,
};
use crate::status::StatusCode;

const PNG_1X1: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAEA4iG8MwAAAABJRU5ErkJggg==";

fn png() -> Vec<u8> {
    crate::proto_json::decode_base64(PNG_1X1).unwrap()
}

fn alice() -> UserAppIdSet {
    UserAppIdSet::new("alice", "my-app")
}

fn object(value: Value) -> Struct {
    match value {
        Value::Object(map) => map,
        _ => Struct::new(),
    }
}

fn labelled(id: &str) -> Concept {
    Concept::new(id).with_name(id).with_value(1.0)
}

/// One request per recorded line, in the recording's order.
fn rebuild(note: &str) -> ApiRequest {
    let general = ModelRef::new(
        UserAppIdSet::new("clarifai", "main"),
        "general-image-recognition",
    );
    let dog_url = "https://samples.clarifai.com/dog.jpg";
    let r = match note {
        "predict_by_url with version, output_config, inference params" => {
            let options = PredictOptions {
                inference_params: object(json!({"temperature": 0.7, "max_tokens": 30})),
                output_config: Some(OutputConfig {
                    max_concepts: 3,
                    min_value: 0.5,
                    select_concepts: vec![Concept::new("ai_HLmqFqBf").with_name("train")],
                    ..OutputConfig::default()
                }),
                ..PredictOptions::default()
            };
            let inputs = [Input::from_data(Data::image(Image::from_url(
                "https://samples.clarifai.com/metro-north.jpg",
            )))];
            models::predict(
                &general.with_version("aa7f35c01e0642fda5cf400f543e7c40"),
                &inputs,
                &options,
            )
        }
        "predict_by_bytes, no version" => models::predict(
            &general,
            &[Input::from_data(Data::image(Image::from_bytes(png())))],
            &PredictOptions::default(),
        ),
        "predict text raw" => models::predict(
            &ModelRef::new(UserAppIdSet::new("openai", "chat-completion"), "gpt-4o"),
            &[Input::from_data(Data::text(Text::from_raw("What is 2+2?")))],
            &PredictOptions::default(),
        ),
        "list_apps" => apps::list_apps("alice", Some(2), Some(5)),
        "list_apps without user -> me" => apps::list_apps("me", Some(1), None),
        "upload_from_url/bytes/text" => {
            let mut image = Image::from_url(dog_url);
            image.allow_duplicate_url = true;
            let mut data = Data::image(image);
            data.concepts = vec![labelled("dog")];
            data.metadata = object(json!({"source": "probe", "n": 1}));
            data.geo = Some(Geo::point(-30.0, 40.0));
            let inputs = vec![
                Input::new("url-input", data).in_datasets(["ds1"]),
                Input::new("bytes-input", Data::image(Image::from_bytes(png()))),
                Input::new("text-input", Data::text(Text::from_raw("some text"))),
            ];
            inputs::upload(&alice(), inputs, "job123")
        }
        "list_inputs with ids" => inputs::list(
            &alice(),
            &ListInputsFilter {
                ids: vec!["a".into(), "b".into()],
                page: Some(1),
                per_page: Some(2),
                ..ListInputsFilter::default()
            },
        ),
        "list_inputs filtered by status (SDK _delete_failed_inputs)" => inputs::list(
            &alice(),
            &ListInputsFilter {
                ids: vec!["a".into()],
                status: Some(StatusCode::INPUT_SUCCESS),
                per_page: Some(2),
                ..ListInputsFilter::default()
            },
        ),
        "dataset list_inputs" => datasets::list_inputs(&alice(), "ds1", Some(1), None),
        "_wait_for_inputs" => inputs::get_add_job(&alice(), "job123"),
        "get_input_count" => apps::get_input_count(&alice()),
        "delete_inputs" => inputs::delete(&alice(), &["url-input", "bytes-input"]),
        "upload_annotations bbox+polygon" => {
            let region = |info: RegionInfo| Region {
                region_info: Some(info),
                data: Some(Data {
                    concepts: vec![labelled("dog")],
                    ..Data::default()
                }),
                ..Region::default()
            };
            let boxed = region(RegionInfo {
                bounding_box: Some(BoundingBox::from_xyxy([0.2, 0.1, 0.9, 0.8])),
                ..RegionInfo::default()
            });
            let polygon = region(RegionInfo {
                polygon: Some(Polygon::from_xy(&[[0.1, 0.1], [0.2, 0.5], [0.7, 0.3]])),
                ..RegionInfo::default()
            });
            let with_regions = |regions| Data {
                regions,
                ..Data::default()
            };
            inputs::upload_annotations(
                &alice(),
                vec![
                    Annotation::new("url-input", with_regions(vec![boxed])),
                    Annotation::new("url-input", with_regions(vec![polygon])).with_id("annot-2"),
                ],
            )
        }
        "list_annotations" => inputs::list_annotations(&alice(), &["url-input"], Some(1), None),
        "delete_annotations" => inputs::delete_annotations(&alice(), &["url-input"], &["annot-2"]),
        "patch_concepts" => apps::patch_concepts(
            &alice(),
            apps::concepts_from_lists(&["dog"], &["Doggo"], &[1.0]).unwrap(),
            PatchAction::Overwrite,
        ),
        "list_concepts" => apps::list_concepts(&alice(), Some(1), None),
        "create_concepts" => {
            apps::create_concepts(&alice(), vec![Concept::new("cat").with_name("cat")])
        }
        "search.query" => {
            let search = Search {
                query: Some(Query {
                    filters: vec![
                        Filter::concepts([Concept::new("dog").with_value(1.0)]),
                        Filter::input_type(MediaKind::Image),
                    ],
                    ranks: vec![Rank::image_url(dog_url)],
                    ..Query::default()
                }),
                algorithm: search::NEAREST_NEIGHBOR.into(),
                metric: Metric::EuclideanDistance,
                ..Search::default()
            };
            search::routed(&alice(), search, Some(Pagination::new(1, 10)))
        }
        "workflow predict (no version)" => workflows::predict(
            &WorkflowRef::new(alice(), "General"),
            &[Input::from_data(Data::image(Image::from_url(dog_url)))],
            Some(&OutputConfig::default()),
            None,
        ),
        "workflow predict (version)" => workflows::predict(
            &WorkflowRef::new(alice(), "General").with_version("wfv1"),
            &[Input::from_data(Data::image(Image::from_url(dog_url)))],
            None,
            None,
        ),
        "create_app" => apps::create_app("alice", App::new("new-app"), Some("Universal")),
        "create_dataset" => datasets::create(&alice(), Dataset::new("ds1")),
        "list_datasets" => datasets::list(&alice(), Some(1), None),
        "dataset create_version" => {
            let mut version = DatasetVersion::new("dv1");
            version.description = "v".into();
            datasets::create_version(&alice(), "ds1", version)
        }
        "Model.load_info" => models::get(&ModelRef::new(alice(), "m1").with_version("v1")),
        "load_input_types" => models::get_model_type(&alice(), "visual-classifier"),
        "list_versions" => models::list_versions(&ModelRef::new(alice(), "m1"), Some(1), None),
        "train" => models::train(
            &ModelRef::new(alice(), "m1"),
            object(json!({
                "template": "MMClassification_ResNet_50_RSB_A1",
                "num_epochs": 2,
                "dataset_id": "ds1",
                "dataset_version_id": "dv1"
            })),
            vec![Concept::new("dog")],
            OutputConfig::default(),
            Struct::new(),
        ),
        "evaluate" => models::evaluate(
            &ModelRef::new(alice(), "m1").with_version("v1"),
            &EvalDataset {
                scope: alice(),
                dataset_id: "ds1".into(),
                version_id: Some("dv1".into()),
            },
            "eval1",
            Struct::new(),
        ),
        "list_evaluations" => models::list_evaluations(&ModelRef::new(alice(), "m1"), "v1"),
        "runner poll" => runners::list_items(&runners::NodepoolRef::new("alice", "cc", "np"), "r1"),
        "runner post output" => {
            let response = MultiOutputResponse {
                outputs: vec![Output {
                    data: Some(Data::text(Text::from_raw("hi"))),
                    ..Output::default()
                }],
                ..MultiOutputResponse::default()
            };
            runners::post_item_outputs(
                &runners::NodepoolRef::new("alice", "cc", "np"),
                "r1",
                "item1",
                &PostRunnerItemOutputsRequest::single(response),
            )
        }
        "HTTP 401 handling" => models::predict(
            &ModelRef::new(UserAppIdSet::new("clarifai", "main"), "unauthorized-model"),
            &[Input::from_data(Data::image(Image::from_url(
                "https://x/y.jpg",
            )))],
            &PredictOptions::default(),
        ),
        other => panic!("no builder for the recorded call `{other}`"),
    };
    r.unwrap_or_else(|e| panic!("{note}: {e}"))
}

/// Takes the JSON channel's artifacts out of a recorded body (see the module docs).
fn normalise(value: &mut Value, key: Option<&str>) {
    match value {
        Value::Object(map) => {
            map.remove("user_app_id");
            if matches!(key, Some("concepts" | "select_concepts"))
                && map.get("value").and_then(Value::as_f64) == Some(0.0)
            {
                map.remove("value");
            }
            if map.contains_key("input")
                && map
                    .get("annotation")
                    .is_some_and(|a| a.as_object().is_some_and(Map::is_empty))
            {
                map.remove("annotation");
            }
            for (k, v) in map.iter_mut() {
                if let Value::String(name) = v {
                    let number = match k.as_str() {
                        "visibility" => {
                            crate::models::PointVisibility::from_name(name).map(|v| v.number())
                        }
                        "metric" => Metric::from_name(name).map(Metric::number),
                        "code" => StatusCode::from_name(name).map(StatusCode::code),
                        _ => None,
                    };
                    if let Some(n) = number {
                        *v = json!(f64::from(n));
                        continue;
                    }
                }
                normalise(v, Some(k));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalise(v, key)),
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                *value = json!(f);
            }
        }
        _ => {}
    }
}

fn numbers_as_f64(value: &mut Value) {
    normalise(value, None);
}

#[test]
fn rebuilds_every_recorded_request() {
    let Some(text) =
        crate::test_support::shared_text("protocols/golden/clarifai/json_channel_requests.jsonl")
    else {
        return;
    };
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let recorded: Value = serde_json::from_str(line).unwrap();
        let note = recorded["note"].as_str().unwrap();
        let ours = rebuild(note);
        assert_eq!(recorded["rpc"], ours.rpc(), "{note}");
        assert_eq!(recorded["method"], ours.method().as_str(), "{note}");
        assert_eq!(recorded["path"], ours.path(), "{note}");

        let mut want: Vec<(String, String)> = Vec::new();
        for (key, values) in recorded["query"].as_object().unwrap() {
            if key.starts_with("user_app_id.") {
                continue;
            }
            for v in values.as_array().unwrap() {
                let v = v.as_str().unwrap();
                let v = match (key.as_str(), StatusCode::from_name(v)) {
                    ("status.code", Some(code)) => code.code().to_string(),
                    _ => v.to_owned(),
                };
                want.push((key.clone(), v));
            }
        }
        let mut got: Vec<(String, String)> = ours
            .query()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        want.sort();
        got.sort();
        assert_eq!(want, got, "{note}: query");

        match (&recorded["body"], ours.body()) {
            (Value::Null, None) => {}
            (Value::Null, Some(body)) => panic!("{note}: unexpected body {body:?}"),
            (recorded_body, Some(body)) => {
                let mut want = recorded_body.clone();
                numbers_as_f64(&mut want);
                let mut got: Value = serde_json::from_slice(body).unwrap();
                numbers_as_f64(&mut got);
                assert_eq!(want, got, "{note}: body");
                // And our body carries none of the artifacts.
                let raw = std::str::from_utf8(body).unwrap();
                assert!(!raw.contains("user_app_id"), "{note}: {raw}");
                assert!(!raw.contains("\"value\":0.0"), "{note}: {raw}");
            }
            (_, None) => panic!("{note}: body missing"),
        }
        count += 1;
    }
    assert_eq!(count, 34);
}
