//! Test support: the shared facts folder, the Swagger request check (the testkit's validator), golden normalisation, a
//! wiremock server answering every Clarifai route with a plausible success.
#![allow(dead_code, unreachable_pub)]

pub mod spec;

use std::path::PathBuf;

use clarifai::Clarifai;
use serde_json::{Map, Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

/// `shared/<relative>` (the workspace's facts folder, `VISION_SDK_SHARED_DIR`); `None` outside
/// CI when it is absent (a failure under CI).
pub fn shared(relative: &str) -> Option<PathBuf> {
    vision_sdk_testkit::require_shared(relative, &vision_sdk_testkit::current_test_name())
}

/// A client for a mock server.
pub fn client(server: &MockServer) -> Clarifai {
    Clarifai::builder()
        .env_lookup(|_| None)
        .pat("FAKE_PAT_123")
        .user_id("alice")
        .app_id("my-app")
        .base_url(server.uri())
        .retry_policy(clarifai::RetryPolicy::none())
        .build()
        .unwrap()
}

/// A success body with one item of everything (unknown fields are ignored by the decoders).
pub fn universal(rpc_hint: &str) -> Value {
    let id = json!({"id": "x1"});
    let eval = if rpc_hint.contains("/evaluations/") {
        json!({"id": "e1"})
    } else {
        json!([{"id": "e1"}])
    };
    json!({
        "status": {"code": 10000, "description": "Ok"},
        "app": id, "apps": [{"id": "new-app"}], "user": {"id": "alice"},
        "dataset": {"id": "ds1"}, "datasets": [{"id": "ds1"}],
        "dataset_version": {"id": "dv1"}, "dataset_versions": [{"id": "dv1"}],
        "dataset_inputs": [{"input": {"id": "i1"}}],
        "input": {"id": "i1"}, "inputs": [{"id": "i1"}],
        "inputs_add_job": {"id": "job123", "progress": {"pending_count": "0", "in_progress_count": "0"}},
        "counts": {"processed": 3},
        "annotations": [{"id": "an1", "input_id": "url-input"}],
        "concepts": [{"id": "dog"}],
        "model": {"id": "m1", "model_version": {"id": "v2"}},
        "models": [{"id": "m1", "app_id": "my-app"}],
        "model_version": {"id": "v1"}, "model_versions": [{"id": "v1"}],
        "model_type": {"id": "visual-classifier"}, "model_types": [{"id": "visual-classifier"}],
        "eval_metrics": eval,
        "outputs": [{"id": "o1", "data": {"concepts": [{"id": "dog", "name": "dog", "value": 0.9}]}}],
        "results": [{"outputs": [{"id": "o1"}]}],
        "workflow": {"id": "General"}, "workflows": [{"id": "General", "app_id": "my-app"}],
        "hits": [{"score": 0.9, "input": {"id": "i1"}}],
        "runner": {"id": "r1"}, "runners": [{"id": "r1"}],
    })
}

/// Answers every request with [`universal`] (or a fixed answer per path substring).
pub struct Universal {
    pub overrides: Vec<(String, u16, Value)>,
}

impl Respond for Universal {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        for (needle, status, body) in &self.overrides {
            if path.contains(needle.as_str()) {
                return ResponseTemplate::new(*status).set_body_json(body.clone());
            }
        }
        ResponseTemplate::new(200).set_body_json(universal(path))
    }
}

pub async fn universal_server(overrides: Vec<(String, u16, Value)>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Universal { overrides })
        .mount(&server)
        .await;
    server
}

/// Takes the JSON channel's artifacts out of a recorded body (as `requests/golden.rs`):
/// `user_app_id`, enum names, `value: 0.0` on unset concepts, empty `annotation` beside an
/// input filter, empty `output_config`; numbers compared as f64.
pub fn normalise(value: &mut Value, key: Option<&str>) {
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
            if map
                .get("output_config")
                .is_some_and(|a| a.as_object().is_some_and(Map::is_empty))
            {
                map.remove("output_config");
            }
            for (k, v) in map.iter_mut() {
                if let Value::String(name) = v {
                    let number = match (k.as_str(), name.as_str()) {
                        ("visibility", "VISIBLE") => Some(1),
                        ("metric", "EUCLIDEAN_DISTANCE") => Some(1),
                        ("metric", "COSINE_DISTANCE") => Some(2),
                        ("code", n) => clarifai::StatusCode::from_name(n).map(|c| c.code()),
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

/// A recorded request's query, without `user_app_id.*`, status names as numbers, sorted.
pub fn recorded_query(query: &Value) -> Vec<(String, String)> {
    let mut want = Vec::new();
    for (key, values) in query.as_object().unwrap() {
        if key.starts_with("user_app_id.") {
            continue;
        }
        for v in values.as_array().unwrap() {
            let v = v.as_str().unwrap();
            let v = match (key.as_str(), clarifai::StatusCode::from_name(v)) {
                ("status.code", Some(code)) => code.code().to_string(),
                _ => v.to_owned(),
            };
            want.push((key.clone(), v));
        }
    }
    want.sort();
    want
}

/// A received request's query, sorted.
pub fn query_of(request: &Request) -> Vec<(String, String)> {
    let mut got: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    got.sort();
    got
}
