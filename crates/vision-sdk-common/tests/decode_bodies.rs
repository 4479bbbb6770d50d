//! What a server sends back never panics the decoder nor shows the key: a bounded random run of
//! response bodies through `Executor` + `HttpResponse::json`, plus the regressions the fault
//! matrix found (an echoed key in a request id, an obs-text header, serde's message, `Debug`).

use std::sync::{Arc, Mutex};

use http::{HeaderName, Method};
use vision_sdk_common::auth::Auth;
use vision_sdk_common::error::BODY_SNIPPET_LIMIT;
use vision_sdk_common::internal::execute::{Executor, Idempotency, RequestSpec};
use vision_sdk_common::{
    AuthScheme, DecodeError, ManualClock, RetryPolicy, Secret, TransportConfig,
};
use vision_sdk_testkit::fault_server::{Credential, FaultServer, Reply};

const KEY: &str = "sk-live_DECODEKEY-0123/45+67=89";
const MARKER: &str = "DECODEKEY";

fn executor(scheme: AuthScheme) -> Executor {
    let http = TransportConfig::new(vision_sdk_common::user_agent!())
        .build()
        .unwrap();
    Executor::builder("decode", http)
        .auth(Auth::new(scheme, Secret::new(KEY)))
        .retry(RetryPolicy::none())
        .clock(Arc::new(ManualClock::new()))
        .request_id_header(HeaderName::from_static("x-request-id"))
        .build()
}

fn get(server: &FaultServer) -> RequestSpec {
    RequestSpec::new(Method::GET, server.url("/v1/model").parse().unwrap())
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
enum Kind {
    Cat,
    Dog,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Model {
    id: String,
    count: u64,
    score: f64,
    kind: Kind,
    tags: Vec<String>,
    parent: Option<Box<Model>>,
}

/// Everything a caller can print of a decode error.
fn shown(err: &DecodeError) -> String {
    let mut out = format!("{err} | {err:?}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        out.push_str(&format!(" | {s} | {s:?}"));
        source = s.source();
    }
    out
}

#[tokio::test]
async fn serde_messages_naming_the_key_are_redacted_and_bounded() {
    let server = FaultServer::start().await;
    // `count` must be a number: serde's message quotes the string it found instead.
    server.push(
        Reply::json(200, r#"{"id":"a","count":"{{credential_json}}"}"#)
            .echo_credential(Credential::query("api_key")),
    );
    let long = "x".repeat(100_000);
    server.push(Reply::json(
        200,
        format!(r#"{{"id":"a","count":"{long}"}}"#),
    ));
    let exec = executor(AuthScheme::Query("api_key"));

    let response = exec
        .execute("get", Idempotency::Idempotent, get(&server))
        .await
        .unwrap();
    let err = response.json::<Model>("get").unwrap_err();
    let text = shown(&err);
    assert!(!text.contains(MARKER), "{text}");
    assert!(
        text.contains("invalid type: string \"[redacted]\", expected u64"),
        "{text}"
    );
    assert!(
        text.contains("line 1 column"),
        "the position is kept: {text}"
    );

    let response = exec
        .execute("get", Idempotency::Idempotent, get(&server))
        .await
        .unwrap();
    let err = response.json::<Model>("get").unwrap_err();
    assert!(
        err.to_string().len() < 1024,
        "{} bytes",
        err.to_string().len()
    );
    assert!(err.to_string().ends_with('…'));
}

#[tokio::test]
async fn echoed_request_ids_and_obs_text_headers_are_redacted() {
    let server = FaultServer::start().await;
    let cred = Credential::header("x-api-key");
    server.push(Reply::new(401).echo_credential(cred.clone()));
    server.push(Reply::json(200, r#"{"k":"{{credential}}"}"#).echo_credential(cred));
    let exec = executor(AuthScheme::Header(HeaderName::from_static("x-api-key")));

    let err = exec
        .execute("get", Idempotency::Idempotent, get(&server))
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("[redacted]"));
    let details = err.details().unwrap();
    // `x-ratelimit-remaining: <key>\xff` (obs-text) is kept, redacted.
    let remaining = details.headers()["x-ratelimit-remaining"].as_bytes();
    assert!(String::from_utf8_lossy(remaining).starts_with("[redacted]"));
    assert!(!format!("{err:?}").contains(MARKER));

    let response = exec
        .execute("get", Idempotency::Idempotent, get(&server))
        .await
        .unwrap();
    assert_eq!(response.request_id(), Some("[redacted]"));
    let debug = format!("{response:?}");
    assert!(!debug.contains(MARKER), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
    // The body itself is the server's, untouched.
    assert!(String::from_utf8_lossy(response.body()).contains(KEY));
}

/// A random body: bytes, JSON-ish token soup, a model with one field broken, deep nesting, or a
/// long value; most carry the key somewhere, raw or JSON-escaped.
fn random_body(rng: &mut fastrand::Rng) -> Vec<u8> {
    let key_json = serde_json::to_string(KEY).unwrap();
    let tokens: [&str; 24] = [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"id\"",
        "\"count\"",
        "\"score\"",
        "\"kind\"",
        "\"tags\"",
        "\"parent\"",
        "null",
        "true",
        "0",
        "-1",
        "1e999",
        "18446744073709551616",
        "3.5",
        "\"Cat\"",
        "\"Lion\"",
        "\"\\u00ff\\ud800\"",
        "\"\\x\"",
        &key_json,
    ];
    match rng.u8(0..6) {
        0 => (0..rng.usize(0..3000)).map(|_| rng.u8(..)).collect(),
        1 => {
            let mut out = String::new();
            for _ in 0..rng.usize(1..80) {
                out.push_str(tokens[rng.usize(..tokens.len())]);
            }
            out.into_bytes()
        }
        2 => {
            let field = ["id", "count", "score", "kind", "tags", "parent"][rng.usize(..6)];
            let mut model = serde_json::json!({
                "id": "m1", "count": 3, "score": 0.5, "kind": "Cat", "tags": ["a"], "parent": null
            });
            model[field] = serde_json::Value::String(KEY.to_owned());
            model.to_string().into_bytes()
        }
        3 => {
            let depth = rng.usize(100..400);
            let mut out = "[".repeat(depth);
            out.push_str(&key_json);
            out.push_str(&"]".repeat(rng.usize(0..depth)));
            out.into_bytes()
        }
        4 => {
            let mut long = "y".repeat(rng.usize(0..20_000));
            let at = rng.usize(0..=long.len());
            long.insert_str(at, KEY);
            format!(r#"{{"id":"m1","count":"{long}"}}"#).into_bytes()
        }
        _ => {
            let mut body = serde_json::json!({
                "id": KEY, "count": 1, "score": 1.0, "kind": "Dog", "tags": [], "parent": null
            })
            .to_string()
            .into_bytes();
            if !body.is_empty() {
                let cut = rng.usize(0..body.len());
                body.truncate(cut);
            }
            body
        }
    }
}

#[tokio::test]
async fn random_bodies_never_panic_and_never_show_the_key() {
    // Bounded and reproducible in CI; `DECODE_FUZZ_SEED` / `DECODE_FUZZ_BODIES` explore more.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("DECODE_FUZZ_SEED").unwrap_or(0x5eed_fa17);
    let bodies_count = env("DECODE_FUZZ_BODIES").map_or(600, |n| usize::try_from(n).unwrap());
    let server = FaultServer::start().await;
    let rng = Arc::new(Mutex::new(fastrand::Rng::with_seed(seed)));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    {
        let (rng, bodies) = (Arc::clone(&rng), Arc::clone(&bodies));
        server.respond_with(move |_| {
            let body = random_body(&mut rng.lock().unwrap());
            bodies.lock().unwrap().push(body.clone());
            Reply::json(200, body).into()
        });
    }
    let exec = executor(AuthScheme::Authorization { prefix: "Bearer" });
    let (mut decoded, mut errors) = (0, 0);
    for _ in 0..bodies_count {
        let response = exec
            .execute("get", Idempotency::Idempotent, get(&server))
            .await
            .unwrap();
        match response.json::<Model>("get") {
            Ok(_) => decoded += 1,
            Err(err) => {
                errors += 1;
                let text = shown(&err);
                assert!(!text.contains(MARKER), "seed {seed}: key shown: {text}");
                assert!(err.body.as_bytes().len() <= BODY_SNIPPET_LIMIT);
                assert!(err.to_string().len() <= 1024, "{}", err.to_string().len());
                assert!(!format!("{response:?}").contains(MARKER));
            }
        }
    }
    assert_eq!(server.request_count(), bodies_count);
    assert_eq!(decoded + errors, bodies_count);
    assert!(
        errors > bodies_count / 2,
        "the bodies are mostly broken: {errors} errors"
    );
}
