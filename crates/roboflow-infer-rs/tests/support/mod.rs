//! Test support: the golden files, a recording mock server with canned answers, a comparator of
//! recorded requests with the official client's, and [`spec`], the testkit's OpenAPI validator
//! over both pinned Roboflow specs.

#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};

use roboflow_infer::{InferenceClient, InferenceClientBuilder};
use serde_json::{Value, json};
use vision_sdk_common::testing::RecordedRequest;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const KEY: &str = "TESTKEY_abcdef123456";

/// A golden file, or `None` (the test then returns early) when the shared folder is missing
/// outside CI; with `CI` set a missing folder panics.
pub fn golden(file: &str) -> Option<Value> {
    let path = vision_sdk_testkit::require_shared(
        &format!("protocols/golden/roboflow/{file}"),
        &vision_sdk_testkit::current_test_name(),
    )?;
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

/// A JFIF JPEG header whose base64 starts like the official captures' images
/// (`/9j/4AAQSkZJRgAB`).
pub fn jpeg() -> Vec<u8> {
    roboflow_infer::testing::sample_jpeg()
}

/// What the mock answers: `(method, path) -> (status, content type, body)`, first match wins;
/// a path ending in `*` matches by prefix. Statuses queued per path go first.
/// One canned answer: status, content type, body.
type Answer = (u16, String, Vec<u8>);

#[derive(Default)]
pub struct Script {
    routes: Vec<(String, String, Vec<Answer>)>,
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }
    /// Answers `status` with JSON `body` to every request of `method path`.
    pub fn json(mut self, method: &str, path: &str, status: u16, body: Value) -> Self {
        self.routes.push((
            method.into(),
            path.into(),
            vec![(
                status,
                "application/json".into(),
                body.to_string().into_bytes(),
            )],
        ));
        self
    }
    /// Answers these in turn (the last one repeats).
    pub fn sequence(mut self, method: &str, path: &str, answers: Vec<(u16, Value)>) -> Self {
        self.routes.push((
            method.into(),
            path.into(),
            answers
                .into_iter()
                .map(|(s, b)| {
                    let body = match b {
                        Value::String(text) => text.into_bytes(),
                        other => other.to_string().into_bytes(),
                    };
                    (s, "application/json".to_owned(), body)
                })
                .collect(),
        ));
        self
    }
    pub fn raw(
        mut self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: Vec<u8>,
    ) -> Self {
        self.routes.push((
            method.into(),
            path.into(),
            vec![(status, content_type.into(), body)],
        ));
        self
    }
}

pub struct Mocked {
    pub server: MockServer,
    pub requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

struct Recorder {
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    script: Mutex<Script>,
}

impl Respond for Recorder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let recorded = vision_sdk_testkit::from_wiremock(request);
        self.requests.lock().unwrap().push(recorded.clone());
        let mut script = self.script.lock().unwrap();
        let found = script.routes.iter_mut().find(|(m, p, _)| {
            *m == recorded.method
                && match p.strip_suffix('*') {
                    Some(prefix) => recorded.path.starts_with(prefix),
                    None => *p == recorded.path,
                }
        });
        match found {
            Some((_, _, answers)) => {
                let (status, content_type, body) = if answers.len() > 1 {
                    answers.remove(0)
                } else {
                    answers[0].clone()
                };
                ResponseTemplate::new(status).set_body_raw(body, content_type.as_str())
            }
            None => ResponseTemplate::new(404).set_body_raw(
                json!({"detail": "Not Found"}).to_string().into_bytes(),
                "application/json",
            ),
        }
    }
}

impl Mocked {
    pub async fn start(script: Script) -> Self {
        let server = MockServer::start().await;
        let requests = Arc::new(Mutex::new(Vec::new()));
        Mock::given(any())
            .respond_with(Recorder {
                requests: Arc::clone(&requests),
                script: Mutex::new(script),
            })
            .mount(&server)
            .await;
        Self { server, requests }
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    pub fn builder(&self) -> InferenceClientBuilder {
        InferenceClient::builder()
            .api_url(self.url())
            .api_key(KEY)
            .env_lookup(|_| None)
            .clock(Arc::new(vision_sdk_common::ManualClock::new()))
    }

    pub fn client(&self) -> InferenceClient {
        self.builder().build().unwrap()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }
}

/// The canned answers of the official capture's recording mock.
pub fn detection() -> Value {
    json!({"inference_id": "6f0c2c2e-0000-4000-8000-000000000001", "time": 0.0123,
           "image": {"width": 640, "height": 480},
           "predictions": [{"x": 320.5, "y": 240.0, "width": 100.0, "height": 50.0, "confidence": 0.91,
                            "class": "dog", "class_id": 1, "detection_id": "d1"}]})
}

pub fn registry(models: &[(&str, &str, Option<u32>)]) -> Value {
    let models: Vec<Value> = models
        .iter()
        .map(|(id, task, size)| {
            let mut m = json!({"model_id": id, "task_type": task, "batch_size": 1});
            if let Some(size) = size {
                m["input_height"] = json!(size);
                m["input_width"] = json!(size);
            }
            m
        })
        .collect();
    json!({ "models": models })
}

/// Whether `ours` matches a golden value, where a golden string `<str len=N head='H'>` stands
/// for any string starting with `H`.
pub fn matches_golden(ours: &Value, golden: &Value) -> bool {
    match (ours, golden) {
        (Value::String(o), Value::String(g)) if g.starts_with("<str len=") => {
            let head = g
                .split("head='")
                .nth(1)
                .and_then(|h| h.strip_suffix("'>"))
                .unwrap_or("");
            o.starts_with(head)
        }
        (Value::Object(o), Value::Object(g)) => {
            o.len() == g.len()
                && g.iter()
                    .all(|(k, gv)| o.get(k).is_some_and(|ov| matches_golden(ov, gv)))
        }
        (Value::Array(o), Value::Array(g)) => {
            o.len() == g.len() && o.iter().zip(g).all(|(a, b)| matches_golden(a, b))
        }
        (Value::Number(o), Value::Number(g)) => o.as_f64() == g.as_f64(),
        (o, g) => o == g,
    }
}

/// Asserts that our requests are the official client's of `scenario` (method, path, query,
/// credential headers, content type, JSON body or raw base64 body), and that each is in the
/// pinned OpenAPI specs.
pub fn assert_golden(scenario: &str, ours: &[RecordedRequest], golden: &Value) {
    let expected = golden["requests"]
        .as_array()
        .unwrap_or_else(|| panic!("{scenario}: no requests"));
    let shown: Vec<String> = ours
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(ours.len(), expected.len(), "{scenario}: {shown:?}");
    for (i, (o, g)) in ours.iter().zip(expected).enumerate() {
        let at = format!("{scenario} request {i}");
        assert_eq!(o.method, g["method"].as_str().unwrap(), "{at}");
        assert_eq!(o.path, g["path"].as_str().unwrap(), "{at}");
        let golden_query: Vec<(String, String)> = g["query"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let mut our_query = o.query.clone();
        our_query.sort();
        let mut golden_sorted = golden_query.clone();
        golden_sorted.sort();
        assert_eq!(our_query, golden_sorted, "{at}: query");
        let golden_auth = g["headers"].get("Authorization").and_then(Value::as_str);
        assert_eq!(
            o.header("authorization"),
            golden_auth,
            "{at}: Authorization"
        );
        if let Some(ct) = g["content_type"].as_str() {
            assert_eq!(o.header("content-type"), Some(ct), "{at}: Content-Type");
        }
        if let Some(body) = g.get("body_json") {
            let ours = o
                .json()
                .unwrap_or_else(|e| panic!("{at}: our body is not JSON: {e}"));
            assert!(
                matches_golden(&ours, body),
                "{at}: body\n ours:   {ours}\n golden: {body}"
            );
        } else if g["body_is_base64"].as_bool() == Some(true) {
            let text = String::from_utf8(o.body.to_vec()).unwrap();
            let decoded = roboflow_infer::models::decode_base64(&text).expect("a base64 body");
            let magic: String = decoded.iter().take(4).map(|b| format!("{b:02x}")).collect();
            assert_eq!(
                magic,
                g["body_decoded_magic"].as_str().unwrap(),
                "{at}: image magic"
            );
        } else if g["body_len"].as_u64() == Some(0) {
            assert!(o.body.is_empty(), "{at}: body should be empty");
        }
        // The official capture's image URL is the mock's own, not a server route.
        if o.path != "/img.jpg" {
            spec::validate(o).unwrap_or_else(|e| panic!("{at}: {e}"));
        }
    }
}

pub mod spec;
