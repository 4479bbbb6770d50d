//! The Groundlight fault matrix (issue 8): every public call of [`Groundlight`] against every
//! fault class of the loopback [`FaultServer`], through the public API only.
//!
//! For each case it asserts the typed outcome (the [`Error`] variant and its accessors), how many
//! requests the server received (a non-idempotent call is never re-sent once the server may have
//! acted on it: docs/architecture.md's idempotency table), the virtual time spent (a
//! [`ManualClock`] given to the builder) against the retry budget, the real time against the
//! request timeout, and that the token appears nowhere: not in `Display`/`Debug` or the source
//! chain of the error, not in the `Debug` of a result or the client, not in TRACE-level tracing
//! output, and never at the other origin of a redirect. A bounded, seeded fuzz feeds mutated
//! JSON into the public decoding path (a fake server's answers).
//!
//! Its own test binary: it installs a process-wide tracing subscriber.

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use groundlight::common::HttpError;
use groundlight::{Error, Groundlight, Image, ManualClock, RetryPolicy};
use serde_json::{Value, json};
use vision_sdk_testkit::fault_server::{
    Credential, Ending, FaultServer, RefusedPort, Reply, RetryAfter, Step,
};

// ---------------------------------------------------------------------------------------------
// Capture of tracing output (process-wide).

/// The testkit's process-wide capture (every event and span at `TRACE`).
fn traces() -> vision_sdk_testkit::TraceCapture {
    vision_sdk_testkit::capture_traces_globally()
}

// ---------------------------------------------------------------------------------------------
// The policy and limits every case runs with.

const ATTEMPTS: u32 = 3;
const BUDGET: Duration = Duration::from_secs(10);
const SHORT_TIMEOUT: Duration = Duration::from_millis(100);
const LONG_TIMEOUT: Duration = Duration::from_secs(20);
const LARGE: u64 = 50 * 1024 * 1024;
const MARKER: &str = "FAULTKEY";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
const NON_UTF8: &[u8] = b"\xff\xfe{\"id\":\x80\x81}\xc3\x28 not utf-8";

fn policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(ATTEMPTS)
        .initial_backoff(Duration::from_millis(100))
        .multiplier(2.0)
        .max_backoff(Duration::from_secs(1))
        .total_budget(Some(BUDGET))
        .max_retry_after(Duration::from_secs(8))
}

fn key_for(case: usize) -> String {
    format!("api_{MARKER}{case:05}-a/b+c=d")
}

// ---------------------------------------------------------------------------------------------
// The calls.

type CallFuture = Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Cloud call, safe to repeat: retried after 5xx and broken connections.
    Idempotent,
    /// Cloud create: re-sent only after 429 (with `Retry-After`) and connect errors.
    NonIdempotent,
    /// Edge Endpoint call: never retried.
    Edge,
}

/// What the successful answer decodes into: the shape faults only apply to identified models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Detector,
    ImageQuery,
    Label,
    /// Decoded, but without identifying fields (lists, account, edge config).
    Other,
    /// No body decoded (204).
    Empty,
}

#[derive(Clone, Copy)]
struct Call {
    name: &'static str,
    /// The method of the call's own request (a create's reconciliation `GET` is not counted).
    method: &'static str,
    kind: Kind,
    model: Model,
    run: fn(Groundlight) -> CallFuture,
}

fn dbg<T: std::fmt::Debug>(r: Result<T, Error>) -> Result<String, Error> {
    r.map(|v| format!("{v:?}"))
}

fn calls() -> Vec<Call> {
    use Kind::*;
    vec![
        Call {
            name: "get_detector",
            method: "GET",
            kind: Idempotent,
            model: Model::Detector,
            run: |gl| Box::pin(async move { dbg(gl.get_detector("det_1").await) }),
        },
        Call {
            name: "list_detectors",
            method: "GET",
            kind: Idempotent,
            model: Model::Other,
            run: |gl| Box::pin(async move { dbg(gl.list_detectors().send().await) }),
        },
        Call {
            name: "create_detector",
            method: "POST",
            kind: NonIdempotent,
            model: Model::Detector,
            run: |gl| {
                Box::pin(async move { dbg(gl.create_detector("door", "Is it open?").send().await) })
            },
        },
        Call {
            name: "update_detector_confidence_threshold",
            method: "PATCH",
            kind: Idempotent,
            model: Model::Detector,
            run: |gl| {
                Box::pin(
                    async move { dbg(gl.update_detector_confidence_threshold("det_1", 0.8).await) },
                )
            },
        },
        Call {
            name: "delete_detector",
            method: "DELETE",
            kind: Idempotent,
            model: Model::Empty,
            run: |gl| Box::pin(async move { dbg(gl.delete_detector("det_1").await) }),
        },
        Call {
            name: "submit_image_query",
            method: "POST",
            kind: NonIdempotent,
            model: Model::ImageQuery,
            run: |gl| {
                Box::pin(async move {
                    dbg(gl
                        .submit_image_query("det_1", Image::from(JPEG))
                        .wait(Duration::ZERO)
                        .send()
                        .await)
                })
            },
        },
        Call {
            name: "submit_image_query(id)",
            method: "POST",
            kind: Idempotent,
            model: Model::ImageQuery,
            run: |gl| {
                Box::pin(async move {
                    dbg(gl
                        .submit_image_query("det_1", Image::from(JPEG))
                        .wait(Duration::ZERO)
                        .image_query_id("iq_client_1")
                        .send()
                        .await)
                })
            },
        },
        Call {
            name: "ask_async",
            method: "POST",
            kind: NonIdempotent,
            model: Model::ImageQuery,
            run: |gl| {
                Box::pin(async move { dbg(gl.ask_async("det_1", Image::from(JPEG)).send().await) })
            },
        },
        Call {
            name: "ask_confident",
            method: "POST",
            kind: NonIdempotent,
            model: Model::ImageQuery,
            run: |gl| {
                Box::pin(async move {
                    dbg(gl
                        .ask_confident("det_1", Image::from(JPEG))
                        .confidence_threshold(0.9)
                        .send()
                        .await)
                })
            },
        },
        Call {
            name: "ask_ml",
            method: "POST",
            kind: NonIdempotent,
            model: Model::ImageQuery,
            run: |gl| {
                Box::pin(async move { dbg(gl.ask_ml("det_1", Image::from(JPEG)).send().await) })
            },
        },
        Call {
            name: "get_image_query",
            method: "GET",
            kind: Idempotent,
            model: Model::ImageQuery,
            run: |gl| Box::pin(async move { dbg(gl.get_image_query("iq_1").await) }),
        },
        Call {
            name: "list_image_queries",
            method: "GET",
            kind: Idempotent,
            model: Model::Other,
            run: |gl| Box::pin(async move { dbg(gl.list_image_queries().send().await) }),
        },
        Call {
            name: "add_label",
            method: "POST",
            kind: NonIdempotent,
            model: Model::Label,
            run: |gl| Box::pin(async move { dbg(gl.add_label("iq_1", "YES").send().await) }),
        },
        Call {
            name: "whoami",
            method: "GET",
            kind: Idempotent,
            model: Model::Other,
            run: |gl| Box::pin(async move { dbg(gl.whoami().await) }),
        },
        Call {
            name: "get_month_to_date_usage",
            method: "GET",
            kind: Idempotent,
            model: Model::Other,
            run: |gl| Box::pin(async move { dbg(gl.get_month_to_date_usage().await) }),
        },
        Call {
            name: "edge.get_config",
            method: "GET",
            kind: Edge,
            model: Model::Other,
            run: |gl| Box::pin(async move { dbg(gl.edge().get_config().await) }),
        },
        Call {
            name: "edge.get_detector_readiness",
            method: "GET",
            kind: Edge,
            model: Model::Other,
            run: |gl| Box::pin(async move { dbg(gl.edge().get_detector_readiness().await) }),
        },
    ]
}

fn detector_json() -> Value {
    json!({
        "id": "det_1", "type": "detector", "created_at": "2026-01-01T00:00:00Z", "name": "door",
        "query": "Is it open?", "group_name": "g", "confidence_threshold": 0.9,
        "patience_time": 30.0, "metadata": null, "mode": "BINARY", "mode_configuration": null,
        "status": "ON", "escalation_type": "STANDARD"
    })
}

fn image_query_json() -> Value {
    json!({
        "id": "iq_1", "type": "image_query", "created_at": "2026-01-01T00:00:00Z", "query": "q",
        "detector_id": "det_1", "result_type": "binary_classification",
        "result": {"result_type": "binary_classification", "label": "YES", "confidence": 0.99,
                   "source": "ALGORITHM"},
        "patience_time": 30.0, "confidence_threshold": 0.9, "rois": null, "text": null,
        "metadata": null
    })
}

fn ok_body(call: &Call) -> (u16, Value) {
    match call.name {
        "get_detector" | "update_detector_confidence_threshold" => (200, detector_json()),
        "create_detector" => (201, detector_json()),
        "list_detectors" => (
            200,
            json!({"count": 1, "next": null, "previous": null, "results": [detector_json()]}),
        ),
        "submit_image_query"
        | "submit_image_query(id)"
        | "ask_async"
        | "ask_confident"
        | "ask_ml" => (200, image_query_json()),
        "get_image_query" => (200, image_query_json()),
        "list_image_queries" => (
            200,
            json!({"count": 1, "next": null, "previous": null, "results": [image_query_json()]}),
        ),
        "add_label" => (
            201,
            json!({"created_at": "2026-01-01T00:00:00Z", "class_name": "YES", "confidence": 1.0,
                   "annotations_requested": [], "detector_id": null, "rois": null, "text": null}),
        ),
        "whoami" => (200, json!({"email": "a@example.com", "username": "a"})),
        "get_month_to_date_usage" => (200, json!({"iqs": 3, "iqs_limit": 100})),
        "edge.get_config" => (
            200,
            json!({"global_config": {}, "edge_inference_configs": {}, "detectors": []}),
        ),
        "edge.get_detector_readiness" => (200, json!({"det_1": {"ready": true}})),
        "delete_detector" => (204, Value::Null),
        other => panic!("no body for {other}"),
    }
}

fn ok_reply(call: &Call) -> Reply {
    match ok_body(call) {
        (204, _) => Reply::new(204),
        (status, body) => Reply::json(status, body.to_string()),
    }
}

/// A body of the right status but the wrong shape for the call's model.
fn shaped(call: &Call, shape: Shape) -> Option<Reply> {
    let (status, good) = ok_body(call);
    let body = match (shape, call.model) {
        (_, Model::Other | Model::Empty) => return None,
        (Shape::Wrapped, _) => json!({ "data": good }),
        (Shape::AllNull, _) => {
            let mut v = good;
            for (_, field) in v.as_object_mut().unwrap().iter_mut() {
                *field = Value::Null;
            }
            v
        }
        (Shape::Confidence, Model::ImageQuery) => {
            let mut v = good;
            v["result"]["confidence"] = json!(7.5);
            v
        }
        (Shape::NegativeCount, Model::ImageQuery) => {
            let mut v = good;
            v["result_type"] = json!("counting");
            v["result"] = json!({"result_type": "counting", "count": -3, "confidence": 0.9,
                                 "source": "ALGORITHM"});
            v
        }
        (Shape::Confidence, Model::Detector) => {
            let mut v = good;
            v["confidence_threshold"] = json!(7.5);
            v
        }
        // A label's `confidence` has no documented range (and drives nothing).
        (Shape::Confidence | Shape::NegativeCount, _) => return None,
    };
    Some(Reply::json(status, body.to_string()))
}

// ---------------------------------------------------------------------------------------------
// The fault classes.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Wrapped,
    AllNull,
    Confidence,
    NegativeCount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Ok,
    TooManyThenOk(RetryAfter),
    TooManyAlways,
    ServerErrorsThenOk,
    ServerErrorAlways,
    ClientErrorJson(u16),
    ClientErrorHtml(u16),
    ResetBeforeResponse,
    CloseMidBody,
    ShortBody,
    SlowHeaders,
    SlowDrip,
    KeepAliveRace,
    RedirectCrossOrigin,
    EchoError,
    Malformed,
    Shape(Shape),
    Large,
    NonUtf8,
    WrongContentType,
    ConnectRefused,
}

fn faults() -> Vec<Fault> {
    vec![
        Fault::Ok,
        Fault::TooManyThenOk(RetryAfter::Seconds(1)),
        Fault::TooManyThenOk(RetryAfter::HttpDate(Duration::from_secs(3))),
        Fault::TooManyThenOk(RetryAfter::Garbage),
        Fault::TooManyThenOk(RetryAfter::Absent),
        Fault::TooManyAlways,
        Fault::ServerErrorsThenOk,
        Fault::ServerErrorAlways,
        Fault::ClientErrorJson(400),
        Fault::ClientErrorJson(401),
        Fault::ClientErrorJson(403),
        Fault::ClientErrorJson(422),
        Fault::ClientErrorHtml(404),
        Fault::ClientErrorHtml(400),
        Fault::ResetBeforeResponse,
        Fault::CloseMidBody,
        Fault::ShortBody,
        Fault::SlowHeaders,
        Fault::SlowDrip,
        Fault::KeepAliveRace,
        Fault::RedirectCrossOrigin,
        Fault::EchoError,
        Fault::Malformed,
        Fault::Shape(Shape::Wrapped),
        Fault::Shape(Shape::AllNull),
        Fault::Shape(Shape::Confidence),
        Fault::Shape(Shape::NegativeCount),
        Fault::Large,
        Fault::NonUtf8,
        Fault::WrongContentType,
        Fault::ConnectRefused,
    ]
}

/// Scripts the servers; `false` when the fault does not apply to the call.
fn script(fault: Fault, call: &Call, main: &FaultServer, other: &FaultServer) -> bool {
    let cred = Credential::header("x-api-token");
    let decodes = call.model != Model::Empty;
    match fault {
        Fault::Ok => {
            main.push(ok_reply(call));
        }
        Fault::TooManyThenOk(ra) => {
            main.push(Reply::json(429, r#"{"detail":"slow down"}"#).retry_after(ra));
            main.push(ok_reply(call));
        }
        Fault::TooManyAlways => {
            main.fallback(
                Reply::json(429, r#"{"detail":"slow down"}"#).retry_after(RetryAfter::Seconds(1)),
            );
        }
        Fault::ServerErrorsThenOk => {
            main.script([Reply::new(503), Reply::html(502, "<h1>Bad Gateway</h1>")]);
            main.push(ok_reply(call));
        }
        Fault::ServerErrorAlways => {
            main.fallback(Reply::json(500, r#"{"detail":"boom"}"#));
        }
        Fault::ClientErrorJson(s) => {
            main.fallback(Reply::json(s, r#"{"detail":"bad input","code":"invalid"}"#));
        }
        Fault::ClientErrorHtml(s) => {
            main.fallback(Reply::html(s, "<html><body><h1>Nope</h1></body></html>"));
        }
        Fault::ResetBeforeResponse => {
            main.fallback(Step::Reset);
        }
        Fault::CloseMidBody | Fault::ShortBody if !decodes => return false,
        Fault::CloseMidBody => {
            main.fallback(ok_reply(call).body(
                r#"{"id":"det_1","name":"door","padding":"0123456789012345678901234567890"}"#,
            ).ending(Ending::CloseMidBody { after: 10 }));
        }
        Fault::ShortBody => {
            main.fallback(ok_reply(call).ending(Ending::ShortBody { declared: 1 << 16 }));
        }
        Fault::SlowHeaders => {
            main.fallback(ok_reply(call).delay_headers(Duration::from_millis(300)));
        }
        Fault::SlowDrip => {
            if !decodes {
                return false;
            }
            main.fallback(ok_reply(call).drip(8, Duration::from_millis(40)));
        }
        Fault::KeepAliveRace => {
            main.script([ok_reply(call).ending(Ending::DropNext), ok_reply(call)]);
        }
        Fault::RedirectCrossOrigin => {
            main.fallback(Reply::redirect(307, other.url("/landing?from=main")));
            other.fallback(ok_reply(call).echo_credential(cred));
        }
        Fault::EchoError => {
            main.fallback(
                Reply::json(401, r#"{"detail":"bad token {{credential}}"}"#).echo_credential(cred),
            );
        }
        Fault::Malformed => {
            if !decodes {
                return false;
            }
            main.push(Reply::json(200, r#"{"id": "det_1", "name": "#));
        }
        Fault::Shape(shape) => match shaped(call, shape) {
            Some(reply) => {
                main.push(reply);
            }
            None => return false,
        },
        Fault::Large => {
            // 50 MB each: one call per kind of answer is enough.
            if !matches!(
                call.name,
                "get_detector" | "submit_image_query" | "add_label" | "whoami" | "edge.get_config"
            ) {
                return false;
            }
            main.push(Reply::large(200, LARGE));
        }
        Fault::NonUtf8 => {
            if !decodes {
                return false;
            }
            main.push(Reply::json(200, NON_UTF8));
        }
        Fault::WrongContentType => {
            if !decodes {
                return false;
            }
            main.push(Reply::html(200, ok_body(call).1.to_string()));
        }
        Fault::ConnectRefused => {}
    }
    true
}

/// The typed outcome of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Ok,
    Status(u16),
    Decode,
    /// A broken exchange of a call that may be repeated (timeout, reset, truncation).
    Broken,
    Timeout,
    /// The request may have reached the server; not repeated.
    OutcomeUnknown,
    Connect,
    Other(String),
}

fn got(result: &Result<String, Error>) -> Got {
    let err = match result {
        Ok(_) => return Got::Ok,
        Err(err) => err,
    };
    if matches!(err, Error::Decode(_)) {
        return Got::Decode;
    }
    match err.http_error() {
        Some(HttpError::Status(d)) => Got::Status(d.status().as_u16()),
        Some(HttpError::Timeout { .. }) => Got::Timeout,
        Some(HttpError::OutcomeUnknown { .. }) => Got::OutcomeUnknown,
        Some(HttpError::Connect { .. }) => Got::Connect,
        Some(HttpError::Transport { .. } | HttpError::Truncated { .. }) => Got::Broken,
        _ => match err.status() {
            Some(s) => Got::Status(s.as_u16()),
            None => Got::Other(format!("{err:?}")),
        },
    }
}

struct Expect {
    outcome: Got,
    requests: usize,
    /// The first request may have reached the server's application.
    reached: bool,
    sleeps: Option<Vec<Duration>>,
    timeout: Duration,
    real_limit: Duration,
    exact_requests: bool,
}

fn expect(fault: Fault, call: &Call) -> Expect {
    let idem = call.kind == Kind::Idempotent;
    let cloud = call.kind != Kind::Edge;
    let all = ATTEMPTS as usize;
    let mut e = Expect {
        outcome: Got::Ok,
        requests: 1,
        reached: true,
        sleeps: Some(vec![]),
        timeout: LONG_TIMEOUT,
        real_limit: Duration::from_secs(15),
        exact_requests: true,
    };
    let broken = |e: &mut Expect, timeout: bool| {
        e.sleeps = None;
        if idem {
            e.outcome = if timeout { Got::Timeout } else { Got::Broken };
            e.requests = all;
        } else if call.kind == Kind::Edge {
            e.outcome = if timeout { Got::Timeout } else { Got::Broken };
        } else {
            e.outcome = Got::OutcomeUnknown;
        }
    };
    match fault {
        Fault::Ok | Fault::WrongContentType => {}
        Fault::TooManyThenOk(ra) => {
            e.reached = false;
            // 429 is retried only with a usable `Retry-After`, and never on the Edge.
            let honoured = matches!(ra, RetryAfter::Seconds(_) | RetryAfter::HttpDate(_));
            if cloud && honoured {
                e.requests = 2;
                e.sleeps = match ra {
                    RetryAfter::Seconds(s) => Some(vec![Duration::from_secs(s)]),
                    _ => None,
                };
            } else {
                e.outcome = Got::Status(429);
            }
        }
        Fault::TooManyAlways => {
            e.reached = false;
            e.outcome = Got::Status(429);
            if cloud {
                e.requests = all;
                e.sleeps = Some(vec![Duration::from_secs(1); all - 1]);
            }
        }
        Fault::ServerErrorsThenOk => {
            if idem {
                e.requests = 3;
                e.sleeps = None;
            } else {
                e.outcome = Got::Status(503);
            }
        }
        Fault::ServerErrorAlways => {
            e.outcome = Got::Status(500);
            if idem {
                e.requests = all;
                e.sleeps = None;
            }
        }

        Fault::ClientErrorJson(s) | Fault::ClientErrorHtml(s) => e.outcome = Got::Status(s),
        Fault::ResetBeforeResponse | Fault::CloseMidBody | Fault::ShortBody => {
            broken(&mut e, false);
        }
        Fault::SlowHeaders | Fault::SlowDrip => {
            broken(&mut e, true);
            e.timeout = SHORT_TIMEOUT;
            // Generous: the 2-core CI machine is loaded while these run; a timeout that did not fire is
            // caught by the outcome (the dripped answer would succeed), not by this bound.
            e.real_limit = SHORT_TIMEOUT * ATTEMPTS + Duration::from_secs(12);
            e.exact_requests = false;
        }
        Fault::KeepAliveRace => {
            // The first call succeeds; the second is read and dropped on the pooled connection.
            e.requests = 2;
            if idem {
                e.requests = 3;
                e.sleeps = None;
            } else if call.kind == Kind::Edge {
                e.outcome = Got::Broken;
            } else {
                e.outcome = Got::OutcomeUnknown;
            }
        }
        Fault::RedirectCrossOrigin => e.outcome = Got::Status(307),
        Fault::EchoError => e.outcome = Got::Status(401),
        Fault::Malformed | Fault::Shape(_) | Fault::Large | Fault::NonUtf8 => {
            e.outcome = Got::Decode;
        }
        Fault::ConnectRefused => {
            e.outcome = Got::Connect;
            e.requests = 0;
            e.reached = false;
            e.sleeps = None;
        }
    }
    if call.name == "create_detector" && !matches!(e.outcome, Got::Ok | Got::Status(400..=499)) {
        // An ambiguous create is reconciled by name with a (retried) GET: its backoff is the
        // GET's, the POST is still sent once.
        e.sleeps = None;
    }
    e
}

// ---------------------------------------------------------------------------------------------
// Running one case.

use vision_sdk_testkit::Tally;

fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{err} | {err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        let _ = write!(out, " | caused by: {s} | {s:?}");
        source = s.source();
    }
    out
}

fn count(server: &FaultServer, method: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == method)
        .count()
}

async fn settle(server: &FaultServer, method: &str, expected: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(2);
    while count(server, method) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    count(server, method)
}

/// One HTTP client for the cases that do not test the crate's own client construction (building
/// one per case dominates the suite's time on 2 cores); the redirect and echo classes build the
/// crate's default client. Same transport (and redirect policy) as the builders use.
fn shared_http() -> reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        vision_sdk_common::TransportConfig::new("fault-matrix/0")
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    })
    .clone()
}

fn client(base: &str, key: &str, clock: &ManualClock, timeout: Duration) -> Groundlight {
    builder(base, key, clock, timeout).build().unwrap()
}

fn builder(
    base: &str,
    key: &str,
    clock: &ManualClock,
    timeout: Duration,
) -> groundlight::GroundlightBuilder {
    Groundlight::builder()
        .env_lookup(|_| None)
        .endpoint(base)
        .api_token(key.to_owned())
        .clock(Arc::new(clock.clone()))
        .retry_policy(policy())
        .timeout(timeout)
}

async fn run_case(fault: Fault, call: Call, case: usize) -> Option<Tally> {
    let name = format!("{} × {fault:?}", call.name);
    let key = key_for(case);
    let main = FaultServer::start().await;
    let other = FaultServer::start().await;
    if !script(fault, &call, &main, &other) {
        return None;
    }
    let e = expect(fault, &call);
    let clock = ManualClock::new();
    let refused = RefusedPort::new();
    let base = if fault == Fault::ConnectRefused {
        refused.url("/")
    } else {
        main.base_url()
    };
    let gl = builder(&base, &key, &clock, e.timeout);
    let gl = if matches!(fault, Fault::RedirectCrossOrigin | Fault::EchoError) {
        gl
    } else {
        gl.http_client(shared_http())
    };
    let gl = gl.build().unwrap();

    let started = Instant::now();
    let mut result = (call.run)(gl.clone()).await;
    if fault == Fault::KeepAliveRace {
        tokio::time::sleep(Duration::from_millis(50)).await;
        result = match result {
            Ok(_) => (call.run)(gl.clone()).await,
            Err(err) => Err(Error::InvalidInput(format!("first call: {err}"))),
        };
    }
    let real = started.elapsed();

    let mut tally = Tally {
        cases: 1,
        ..Tally::default()
    };
    let mut fail = |what: String| tally.failures.push(format!("{name}: {what}"));

    let outcome = got(&result);
    if outcome != e.outcome {
        fail(format!("outcome {outcome:?}, expected {:?}", e.outcome));
    }
    let received = settle(&main, call.method, e.requests).await;
    if received > e.requests || (e.exact_requests && received != e.requests) {
        fail(format!("{received} requests, expected {}", e.requests));
    }
    let duplicate = call.kind != Kind::Idempotent && e.reached && received > e.requests;

    let sleeps = clock.sleeps();
    let slept: Duration = sleeps.iter().sum();
    let overrun = slept > BUDGET || clock.elapsed() > BUDGET;
    if overrun {
        fail(format!("slept {slept:?}, budget {BUDGET:?}"));
    }
    match &e.sleeps {
        Some(want) if &sleeps != want => fail(format!("sleeps {sleeps:?}, expected {want:?}")),
        None => {
            for (i, s) in sleeps.iter().enumerate() {
                let ceiling = match fault {
                    Fault::TooManyThenOk(RetryAfter::HttpDate(d)) => d,
                    _ => policy().backoff_ceiling(u32::try_from(i).unwrap()),
                };
                if *s > ceiling {
                    fail(format!("sleep {i} was {s:?}, more than {ceiling:?}"));
                }
            }
        }
        _ => {}
    }
    let slow = real > e.real_limit;
    if slow {
        fail(format!("took {real:?}, limit {:?}", e.real_limit));
    }

    let mut shown = vec![format!("{gl:?}")];
    match &result {
        Ok(value) => shown.push(value.clone()),
        Err(err) => {
            shown.push(error_text(err));
            // A 429 is retryable only with a usable `Retry-After` (Groundlight's rule).
            let status_retryable = err.status().is_some_and(|s| {
                s.is_server_error() || (s.as_u16() == 429 && err.retry_after().is_some())
            });
            if err.status().is_some_and(|s| s.as_u16() != 200)
                && err.is_retryable() != status_retryable
            {
                fail(format!("is_retryable() = {}", err.is_retryable()));
            }
            match fault {
                Fault::ClientErrorJson(401) | Fault::EchoError if !err.is_unauthorized() => {
                    fail("is_unauthorized() is false".into());
                }
                Fault::ClientErrorHtml(404)
                    if matches!(
                        call.name,
                        "get_detector" | "update_detector_confidence_threshold" | "delete_detector"
                    ) && !err.is_not_found() =>
                {
                    fail("is_not_found() is false".into());
                }
                Fault::TooManyAlways if err.retry_after() != Some(Duration::from_secs(1)) => {
                    fail(format!("retry_after() = {:?}", err.retry_after()));
                }
                Fault::Malformed | Fault::Shape(_) | Fault::Large | Fault::NonUtf8
                    if err.is_retryable() =>
                {
                    fail("a decode error is retryable".into());
                }
                Fault::ResetBeforeResponse | Fault::CloseMidBody | Fault::ShortBody
                    if call.kind == Kind::NonIdempotent && !err.is_outcome_unknown() =>
                {
                    fail("is_outcome_unknown() is false".into());
                }
                _ => {}
            }
        }
    }
    let leaked_text = shown.iter().find(|s| s.contains(MARKER));
    if let Some(text) = leaked_text {
        let at = text.find(MARKER).unwrap_or(0);
        let from = text[..at]
            .char_indices()
            .rev()
            .nth(80)
            .map_or(0, |(i, _)| i);
        fail(format!("key in caller-visible text: …{}…", &text[from..at]));
    }
    let leaked_other = other.saw(&key);
    if leaked_other {
        fail("key sent to the other origin".into());
    }
    if fault == Fault::RedirectCrossOrigin && other.request_count() != 0 {
        fail("the redirect was followed".into());
    }
    if received > 0
        && !main
            .requests()
            .iter()
            .all(|r| !r.complete || r.mentions(&key))
    {
        fail("a request lacked the key".into());
    }
    tally.duplicate_sends = usize::from(duplicate);
    tally.key_leaks = usize::from(leaked_text.is_some() || leaked_other);
    tally.timeouts_not_honoured = usize::from(slow);
    tally.budget_overruns = usize::from(overrun);
    Some(tally)
}

async fn run_matrix(faults: &[Fault], parallel: usize) -> Tally {
    let _ = traces();
    Tally::run_product(faults, calls, parallel, |fault, call, n| {
        (format!("{} × {fault:?}", call.name), async move {
            run_case(fault, call, n).await.unwrap_or_default()
        })
    })
    .await
}

fn check_traces(tally: &mut Tally) {
    tally.check_traces(&traces().text(), MARKER);
}

fn report(class: &str, tally: &Tally) {
    tally.report("groundlight fault matrix", class);
}

// ---------------------------------------------------------------------------------------------
// The matrix.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_against_every_fault() {
    let all = faults();
    let (large, rest): (Vec<Fault>, Vec<Fault>) = all.into_iter().partition(|f| *f == Fault::Large);
    let started = Instant::now();
    let mut tally = run_matrix(&rest, 32).await;
    let rest_took = started.elapsed();
    // 50 MB each; few at a time to bound memory.
    tally.merge(run_matrix(&large, 3).await);
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "matrix: {rest_took:?} + large {:?}",
            started.elapsed() - rest_took
        );
    }
    check_traces(&mut tally);
    report("all", &tally);
}

// ---------------------------------------------------------------------------------------------
// Bounded fuzz of the decoding path: mutated JSON answers to get_detector / get_image_query.

fn mutate(rng: &mut fastrand::Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.usize(1..6) {
        match rng.u8(0..6) {
            0 if !bytes.is_empty() => {
                let i = rng.usize(..bytes.len());
                bytes[i] = rng.u8(..);
            }
            1 if !bytes.is_empty() => {
                let i = rng.usize(..bytes.len());
                bytes.remove(i);
            }
            2 => {
                let i = rng.usize(..=bytes.len());
                let tokens: [&[u8]; 10] = [
                    b"null",
                    b"-3",
                    b"7.5",
                    b"1e309",
                    b"\"\"",
                    b"{}",
                    b"[]",
                    b"\"\\ud800\"",
                    b"true",
                    b"18446744073709551616",
                ];
                let t = tokens[rng.usize(..tokens.len())];
                bytes.splice(i..i, t.iter().copied());
            }
            3 if !bytes.is_empty() => {
                let i = rng.usize(..bytes.len());
                bytes.truncate(i);
            }
            4 if bytes.len() > 2 => {
                let a = rng.usize(..bytes.len());
                let b = rng.usize(a..bytes.len());
                let chunk: Vec<u8> = bytes[a..b].to_vec();
                let at = rng.usize(..=bytes.len());
                bytes.splice(at..at, chunk);
            }
            _ => {}
        }
    }
    bytes
}

/// A structurally valid value with random field values (types and ranges included).
fn random_value(rng: &mut fastrand::Rng, template: &Value) -> Value {
    match template {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                if rng.u8(..10) != 0 {
                    out.insert(k.clone(), random_value(rng, v));
                }
            }
            Value::Object(out)
        }
        _ => match rng.u8(..8) {
            0 => Value::Null,
            1 => json!(rng.i64(..)),
            2 => json!(rng.f64() * 20.0 - 10.0),
            3 => json!("x".repeat(rng.usize(..4))),
            4 => json!([]),
            5 => json!({}),
            6 => json!(rng.bool()),
            _ => template.clone(),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_answers_are_typed_errors_or_models() {
    const INPUTS: usize = 3000;
    let mut rng = fastrand::Rng::with_seed(0x6c_6967_6874);
    let seeds = [detector_json(), image_query_json()];
    let mut bodies = Vec::with_capacity(INPUTS);
    for i in 0..INPUTS {
        let seed = &seeds[i % 2];
        let body = if rng.bool() {
            mutate(&mut rng, seed.to_string().as_bytes())
        } else {
            random_value(&mut rng, seed).to_string().into_bytes()
        };
        bodies.push(body);
    }
    let server = FaultServer::start().await;
    let bodies = Arc::new(bodies);
    let served = Arc::clone(&bodies);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&next);
    server.respond_with(move |_req| {
        let i = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Step::Reply(Reply::json(200, served[i % served.len()].clone()))
    });
    let clock = ManualClock::new();
    let gl = client(&server.base_url(), "api_FUZZKEY", &clock, LONG_TIMEOUT)
        .with_retry_policy(RetryPolicy::none());
    let started = Instant::now();
    let (mut ok, mut decode, mut other) = (0, 0, Vec::new());
    for i in 0..INPUTS {
        let r = if i % 2 == 0 {
            dbg(gl.get_detector("det_1").await)
        } else {
            dbg(gl.get_image_query("iq_1").await)
        };
        match r {
            Ok(_) => ok += 1,
            Err(Error::Decode(d)) => {
                decode += 1;
                assert!(!d.to_string().is_empty());
            }
            Err(err) => other.push(format!("{i}: {err:?}")),
        }
    }
    let took = started.elapsed();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "groundlight decode fuzz: {INPUTS} inputs, {ok} decoded, {decode} decode errors, {} other, 0 panics, {took:?}",
            other.len()
        );
    }
    assert!(other.is_empty(), "{other:?}");
    assert_eq!(ok + decode, INPUTS);
    assert!(
        decode > INPUTS / 4,
        "the mutations should mostly fail to decode"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
}
