//! The Dragoneye fault matrix (issue 8): every public step of [`Dragoneye`]'s classification
//! API (`begin`, `upload`, `start`, `status`, `get_image_results`, `get_video_results`) and the
//! whole `predict_image` flow against every fault class of the loopback [`FaultServer`],
//! through the public API only; then the task-level faults (a status that never completes,
//! `failed`, presigned-upload 403/500/reset, corrupt/empty/non-ZIP archives, corrupt Parquet).
//!
//! For each case it asserts the typed outcome (the [`Error`] variant through its accessors), how
//! many requests each endpoint received (`begin` and `start` are never re-sent once the server
//! may have acted on them: docs/architecture.md's idempotency table), the virtual time (a
//! [`ManualClock`] given to the builder) against `max_backoff_time`, the real time against the
//! request timeout, and that the key appears nowhere: not in the error's `Display`/`Debug` or
//! source chain, not in a result's or the client's `Debug`, not in TRACE tracing output, not in
//! the presigned upload and never at the other origin of a redirect. A bounded, seeded fuzz
//! feeds mutated fixtures (`shared/fixtures/dragoneye`) into the public results decoders.
//!
//! Its own test binary: it installs a process-wide tracing subscriber.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
use std::io::{Cursor, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use dragoneye::{
    Dragoneye, Error, HttpError, Image, ManualClock, PredictionTask, PredictionTaskState,
    PresignedPostRequest, RetryPolicy, SignedUrl, TaskOptions,
};
use serde_json::json;
use vision_sdk_testkit::fault_server::{
    Credential, Ending, FaultServer, RecordedRequest, RefusedPort, Reply, RetryAfter, Step,
};

// ---------------------------------------------------------------------------------------------
// Capture of tracing output (process-wide).

/// The testkit's process-wide capture (every event and span at `TRACE`).
fn traces() -> vision_sdk_testkit::TraceCapture {
    vision_sdk_testkit::capture_traces_globally()
}

// ---------------------------------------------------------------------------------------------
// Limits, fixtures, keys.

const ATTEMPTS: u32 = 3;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const BUDGET: Duration = Duration::from_secs(10);
const SHORT_TIMEOUT: Duration = Duration::from_millis(100);
const LONG_TIMEOUT: Duration = Duration::from_secs(20);
const LARGE: u64 = 50 * 1024 * 1024;
const MARKER: &str = "FAULTKEY";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];
const NON_UTF8: &[u8] = b"\xff\xfe{\"id\":\x80\x81}\xc3\x28 not utf-8";
const UUID: &str = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f";

fn key_for(case: usize) -> String {
    format!("dk_{MARKER}{case:05}-a/b+c=d")
}

/// `shared/fixtures/dragoneye/<name>`; `None` outside CI when the shared folder is missing
/// (with `CI` set, a missing folder panics: a failure, not a skip).
fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = vision_sdk_testkit::require_shared(
        &format!("fixtures/dragoneye/{name}"),
        &vision_sdk_testkit::current_test_name(),
    )?;
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display())))
}

fn fixtures() -> Option<&'static Fixtures> {
    static FIXTURES: OnceLock<Option<Fixtures>> = OnceLock::new();
    FIXTURES
        .get_or_init(|| {
            Some(Fixtures {
                image_zip: fixture("image_results.zip")?,
                video_zip: fixture("video_results.zip")?,
                image_parquet: fixture("image_predictions.parquet")?,
                video_parquet: fixture("video_predictions.parquet")?,
                timestamps_parquet: fixture("video_frame_timestamps.parquet")?,
            })
        })
        .as_ref()
}

struct Fixtures {
    image_zip: Vec<u8>,
    video_zip: Vec<u8>,
    image_parquet: Vec<u8>,
    video_parquet: Vec<u8>,
    timestamps_parquet: Vec<u8>,
}

/// The archive's members, each passed through `f`, re-zipped (valid CRCs).
fn rezip(zip_bytes: &[u8], f: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).unwrap();
        let name = member.name().unwrap().into_owned();
        let mut data = Vec::new();
        member.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(&f(&name, data)).unwrap();
    }
    out.finish().unwrap().into_inner()
}

// ---------------------------------------------------------------------------------------------
// A path router over one fault server: each endpoint has its own script.

const BEGIN: &str = "/prediction-task/begin";
const UPLOAD: &str = "/upload";
const START: &str = "/predict";
const STATUS: &str = "/prediction-task/status";
const RESULTS: &str = "/prediction-task/results";

#[derive(Default)]
struct Routes {
    queues: HashMap<&'static str, (Vec<Step>, Option<Step>)>,
}

#[derive(Clone, Default)]
struct Router(Arc<Mutex<Routes>>);

impl Router {
    fn install(&self, server: &FaultServer) {
        let routes = self.clone();
        server.respond_with(move |req: &RecordedRequest| routes.step(&req.path));
    }
    fn step(&self, path: &str) -> Step {
        let mut routes = self.0.lock().unwrap();
        let Some((queue, fallback)) = routes.queues.get_mut(path) else {
            return Step::Reply(Reply::json(404, r#"{"detail":"no route"}"#));
        };
        if queue.is_empty() {
            fallback
                .clone()
                .unwrap_or_else(|| Step::Reply(Reply::json(410, r#"{"detail":"script over"}"#)))
        } else {
            queue.remove(0)
        }
    }
    fn push(&self, path: &'static str, step: impl Into<Step>) {
        let mut routes = self.0.lock().unwrap();
        routes.queues.entry(path).or_default().0.push(step.into());
    }
    fn fallback(&self, path: &'static str, step: impl Into<Step>) {
        let mut routes = self.0.lock().unwrap();
        routes.queues.entry(path).or_default().1 = Some(step.into());
    }
}

fn count(server: &FaultServer, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path == path).count()
}

fn task_json(base: &str) -> serde_json::Value {
    json!({
        "prediction_task_uuid": UUID,
        "prediction_type": "image",
        "signed_urls": [{"blob_path": "b", "presigned_post_request": {
            "url": format!("{base}{UPLOAD}"), "fields": {"key": "uploads/b", "policy": "p"}}}],
    })
}

fn status_json(status: &str) -> serde_json::Value {
    json!({"prediction_task_uuid": UUID, "prediction_type": "image", "status": status})
}

fn task(base: &str) -> PredictionTask {
    PredictionTask::new(
        UUID.to_owned(),
        dragoneye::PredictionType::Image,
        vec![SignedUrl::new(
            "b".to_owned(),
            PresignedPostRequest::new(
                format!("{base}{UPLOAD}"),
                vec![("key".to_owned(), "uploads/b".to_owned())],
            ),
        )],
    )
}

// ---------------------------------------------------------------------------------------------
// The calls.

type CallFuture = Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retries {
    /// `begin`, `start`: 429 and connect errors only.
    NonIdempotent,
    /// `status`, results: 429 and broken exchanges (timeouts, resets, truncation), not 5xx.
    Api,
    /// The presigned upload: 429, 5xx and broken exchanges.
    Upload,
}

#[derive(Clone, Copy)]
struct Call {
    name: &'static str,
    /// The endpoint the fault is injected at.
    path: &'static str,
    retries: Retries,
    /// The body is a results archive, not JSON.
    archive: bool,
    run: fn(Dragoneye, String) -> CallFuture,
}

fn dbg<T: std::fmt::Debug>(r: Result<T, Error>) -> Result<String, Error> {
    r.map(|v| format!("{v:?}"))
}

fn image() -> Image {
    Image::from_bytes(JPEG, "image/jpeg")
}

fn calls() -> Vec<Call> {
    let mut calls = vec![
        Call {
            name: "begin",
            path: BEGIN,
            retries: Retries::NonIdempotent,
            archive: false,
            run: |d, _| {
                Box::pin(async move {
                    dbg(d.classification().begin(image(), &TaskOptions::new()).await)
                })
            },
        },
        Call {
            name: "upload",
            path: UPLOAD,
            retries: Retries::Upload,
            archive: false,
            run: |d, base| {
                Box::pin(async move { dbg(d.classification().upload(&task(&base), image()).await) })
            },
        },
        Call {
            name: "start",
            path: START,
            retries: Retries::NonIdempotent,
            archive: false,
            run: |d, _| {
                Box::pin(async move {
                    dbg(d
                        .classification()
                        .start(UUID, "m/houses", &TaskOptions::new())
                        .await)
                })
            },
        },
        Call {
            name: "status",
            path: STATUS,
            retries: Retries::Api,
            archive: false,
            run: |d, _| Box::pin(async move { dbg(d.classification().status(UUID).await) }),
        },
    ];
    // The flows end with the results: they need the archive fixtures too.
    if fixtures().is_some() {
        calls.extend([
            Call {
                name: "predict_image(start faulty)",
                path: START,
                retries: Retries::NonIdempotent,
                archive: false,
                run: |d, _| {
                    Box::pin(async move {
                        dbg(d.classification().predict_image(image(), "m/houses").await)
                    })
                },
            },
            Call {
                name: "get_image_results",
                path: RESULTS,
                retries: Retries::Api,
                archive: true,
                run: |d, _| {
                    Box::pin(async move { dbg(d.classification().get_image_results(UUID).await) })
                },
            },
            Call {
                name: "get_video_results",
                path: RESULTS,
                retries: Retries::Api,
                archive: true,
                run: |d, _| {
                    Box::pin(async move { dbg(d.classification().get_video_results(UUID).await) })
                },
            },
            Call {
                name: "predict_image(results faulty)",
                path: RESULTS,
                retries: Retries::Api,
                archive: true,
                run: |d, _| {
                    Box::pin(async move {
                        dbg(d.classification().predict_image(image(), "m/houses").await)
                    })
                },
            },
        ]);
    }
    calls
}

/// The good answer of each endpoint.
fn ok_reply(path: &str, base: &str, video: bool) -> Reply {
    match path {
        BEGIN => Reply::json(200, task_json(base).to_string()),
        UPLOAD => Reply::new(204),
        START => Reply::json(200, r#"{"prediction_task_uuid":"ok"}"#),
        STATUS => Reply::json(200, status_json("predicted").to_string()),
        RESULTS => {
            let f = fixtures().expect("fixtures");
            let zip = if video { &f.video_zip } else { &f.image_zip };
            Reply::new(200)
                .header("content-type", "application/zip")
                .header("x-frames-per-second", "1")
                .body(zip.clone())
        }
        other => panic!("no answer for {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The fault classes.

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
    /// Malformed JSON / a non-ZIP body.
    Malformed,
    /// `{"data": …}` around the good JSON (JSON calls only).
    Wrapped,
    /// All fields null (JSON calls only).
    AllNull,
    /// An archive whose bytes are corrupt (archive calls only).
    CorruptZip,
    /// An empty body.
    Empty,
    /// A valid ZIP whose Parquet member is corrupt (archive calls only).
    CorruptParquet,
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
        Fault::ClientErrorHtml(403),
        Fault::ResetBeforeResponse,
        Fault::CloseMidBody,
        Fault::ShortBody,
        Fault::SlowHeaders,
        Fault::SlowDrip,
        Fault::KeepAliveRace,
        Fault::RedirectCrossOrigin,
        Fault::EchoError,
        Fault::Malformed,
        Fault::Wrapped,
        Fault::AllNull,
        Fault::CorruptZip,
        Fault::Empty,
        Fault::CorruptParquet,
        Fault::Large,
        Fault::NonUtf8,
        Fault::WrongContentType,
        Fault::ConnectRefused,
    ]
}

/// Whether the call decodes the body of its faulty endpoint.
fn decodes(call: &Call) -> bool {
    matches!(call.path, BEGIN | STATUS | RESULTS)
}

/// Scripts the servers; `false` when the fault does not apply.
fn script(fault: Fault, call: &Call, router: &Router, base: &str, other: &FaultServer) -> bool {
    let video = call.name == "get_video_results";
    // Every endpoint but the faulty one answers well.
    for path in [BEGIN, UPLOAD, START, STATUS] {
        if path != call.path {
            router.fallback(path, ok_reply(path, base, video));
        }
    }
    if call.path != RESULTS && fixtures().is_some() {
        router.fallback(RESULTS, ok_reply(RESULTS, base, video));
    }
    let p = call.path;
    let ok = || ok_reply(p, base, video);
    let cred = Credential::header("x-api-key");
    match fault {
        Fault::Ok => router.push(p, ok()),
        Fault::TooManyThenOk(ra) => {
            router.push(
                p,
                Reply::json(429, r#"{"detail":"slow down"}"#).retry_after(ra),
            );
            router.push(p, ok());
        }
        Fault::TooManyAlways => router.fallback(
            p,
            Reply::json(429, r#"{"detail":"slow down"}"#).retry_after(RetryAfter::Seconds(1)),
        ),
        Fault::ServerErrorsThenOk => {
            router.push(p, Reply::new(503));
            router.push(p, Reply::html(502, "<h1>Bad Gateway</h1>"));
            router.push(p, ok());
        }
        Fault::ServerErrorAlways => router.fallback(p, Reply::json(500, r#"{"detail":"boom"}"#)),
        Fault::ClientErrorJson(s) => {
            router.fallback(p, Reply::json(s, r#"{"detail":"bad input"}"#))
        }
        Fault::ClientErrorHtml(s) => {
            router.fallback(
                p,
                Reply::html(s, "<html><body><h1>AccessDenied</h1></body></html>"),
            );
        }
        Fault::ResetBeforeResponse => router.fallback(p, Step::Reset),
        // The upload's 204 has no body to cut.
        Fault::CloseMidBody | Fault::ShortBody if p == UPLOAD => return false,
        // A flow runs every step with the short timeout: the per-step cases cover these.
        Fault::SlowHeaders | Fault::SlowDrip if call.name.starts_with("predict_image") => {
            return false;
        }
        Fault::CloseMidBody => router.fallback(
            p,
            ok().body(r#"{"prediction_task_uuid":"3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f","x":1}"#)
                .ending(Ending::CloseMidBody { after: 10 }),
        ),
        Fault::ShortBody => {
            router.fallback(p, ok().ending(Ending::ShortBody { declared: 1 << 16 }))
        }
        Fault::SlowHeaders => router.fallback(p, ok().delay_headers(Duration::from_millis(300))),
        Fault::SlowDrip => {
            if p == UPLOAD {
                return false;
            }
            router.fallback(p, ok().drip(8, Duration::from_millis(40)));
        }
        Fault::KeepAliveRace => {
            if call.name.starts_with("predict_image") {
                return false;
            }
            router.push(p, ok().ending(Ending::DropNext));
            router.push(p, ok());
        }
        Fault::RedirectCrossOrigin => {
            router.fallback(p, Reply::redirect(307, other.url("/landing?from=main")));
            other.fallback(ok().echo_credential(cred));
        }
        Fault::EchoError => router.fallback(
            p,
            Reply::json(401, r#"{"detail":"bad key {{credential}}"}"#).echo_credential(cred),
        ),
        Fault::Malformed => {
            if !decodes(call) {
                return false;
            }
            router.push(
                p,
                Reply::json(200, r#"{"prediction_task_uuid": "#).header("x-frames-per-second", "1"),
            );
        }
        Fault::Wrapped | Fault::AllNull => {
            if !decodes(call) || call.archive {
                return false;
            }
            let good: serde_json::Value = match p {
                BEGIN => task_json(base),
                _ => status_json("predicted"),
            };
            let body = if fault == Fault::Wrapped {
                json!({ "data": good })
            } else {
                let mut v = good;
                for (_, field) in v.as_object_mut().unwrap().iter_mut() {
                    *field = serde_json::Value::Null;
                }
                v
            };
            router.push(p, Reply::json(200, body.to_string()));
        }
        Fault::CorruptZip | Fault::CorruptParquet => {
            if !call.archive {
                return false;
            }
            let f = fixtures().unwrap();
            let zip = if video { &f.video_zip } else { &f.image_zip };
            let body = if fault == Fault::CorruptZip {
                let mut z = zip.clone();
                let mid = z.len() / 2;
                for b in &mut z[mid..mid + 64] {
                    *b ^= 0x5A;
                }
                z
            } else {
                rezip(zip, |_, mut data| {
                    let mid = data.len() / 2;
                    data.truncate(mid);
                    data
                })
            };
            router.push(
                p,
                Reply::new(200)
                    .header("content-type", "application/zip")
                    .header("x-frames-per-second", "1")
                    .body(body),
            );
        }
        Fault::Empty => {
            if !decodes(call) {
                return false;
            }
            router.push(p, ok().body(Vec::<u8>::new()));
        }
        Fault::Large => {
            // 50 MB each: one call per kind of answer is enough.
            if !matches!(call.name, "begin" | "status" | "get_image_results") {
                return false;
            }
            router.push(
                p,
                Reply::large(200, LARGE).header("x-frames-per-second", "1"),
            );
        }
        Fault::NonUtf8 => {
            if !decodes(call) {
                return false;
            }
            router.push(p, ok().body(NON_UTF8));
        }
        Fault::WrongContentType => {
            if !decodes(call) {
                return false;
            }
            router.push(p, ok().header("content-type", "text/html"));
        }
        Fault::ConnectRefused => {
            if call.name.starts_with("predict_image") {
                return false;
            }
        }
    }
    true
}

/// The typed outcome of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Ok,
    Status(u16),
    Decode,
    Broken,
    Timeout,
    OutcomeUnknown,
    Connect,
    Other(String),
}

fn got(result: &Result<String, Error>) -> Got {
    let err = match result {
        Ok(_) => return Got::Ok,
        Err(err) => err,
    };
    if matches!(
        err,
        Error::Decode(_) | Error::InvalidResponse { .. } | Error::ResultsDecode { .. }
    ) {
        assert!(err.is_decode(), "{err:?}");
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
    /// Requests the faulty endpoint receives.
    requests: usize,
    reached: bool,
    sleeps: Option<Vec<Duration>>,
    timeout: Duration,
    real_limit: Duration,
    exact_requests: bool,
}

fn expect(fault: Fault, call: &Call) -> Expect {
    let all = ATTEMPTS as usize;
    let repeatable = call.retries != Retries::NonIdempotent;
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
        if repeatable {
            e.outcome = if timeout { Got::Timeout } else { Got::Broken };
            e.requests = all;
        } else {
            e.outcome = Got::OutcomeUnknown;
        }
    };
    match fault {
        Fault::Ok | Fault::WrongContentType => {}
        Fault::TooManyThenOk(ra) => {
            // Every Dragoneye endpoint retries 429, with or without a usable Retry-After.
            e.reached = false;
            e.requests = 2;
            e.sleeps = match ra {
                RetryAfter::Seconds(s) => Some(vec![Duration::from_secs(s)]),
                RetryAfter::HttpDate(_) => None,
                // The first backoff, without jitter.
                _ => Some(vec![INITIAL_BACKOFF]),
            };
        }
        Fault::TooManyAlways => {
            e.reached = false;
            e.outcome = Got::Status(429);
            e.requests = all;
            e.sleeps = Some(vec![Duration::from_secs(1); all - 1]);
        }
        Fault::ServerErrorsThenOk => {
            if call.retries == Retries::Upload {
                e.requests = 3;
                e.sleeps = Some(vec![INITIAL_BACKOFF, INITIAL_BACKOFF * 2]);
            } else {
                e.outcome = Got::Status(503);
            }
        }
        Fault::ServerErrorAlways => {
            e.outcome = Got::Status(500);
            if call.retries == Retries::Upload {
                e.requests = all;
                e.sleeps = Some(vec![INITIAL_BACKOFF, INITIAL_BACKOFF * 2]);
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
            e.real_limit = SHORT_TIMEOUT * ATTEMPTS * 3 + Duration::from_secs(12);
            e.exact_requests = false;
        }
        Fault::KeepAliveRace => {
            e.requests = 2;
            if repeatable {
                // 2 or 3: whether the server's close is seen before the pooled connection is
                // reused is a race (a close seen first sends the call on a new connection).
                e.requests = 3;
                e.exact_requests = false;
                e.sleeps = None;
            } else {
                e.outcome = Got::OutcomeUnknown;
            }
        }
        Fault::RedirectCrossOrigin => e.outcome = Got::Status(307),
        Fault::EchoError => e.outcome = Got::Status(401),
        Fault::Malformed
        | Fault::Wrapped
        | Fault::AllNull
        | Fault::CorruptZip
        | Fault::Empty
        | Fault::CorruptParquet
        | Fault::Large
        | Fault::NonUtf8 => e.outcome = Got::Decode,
        Fault::ConnectRefused => {
            e.outcome = Got::Connect;
            e.requests = 0;
            e.reached = false;
            e.sleeps = None;
        }
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

fn client(base: &str, key: &str, clock: &ManualClock, timeout: Duration) -> Dragoneye {
    builder(base, key, clock, timeout).build().unwrap()
}

fn builder(
    base: &str,
    key: &str,
    clock: &ManualClock,
    timeout: Duration,
) -> dragoneye::DragoneyeBuilder {
    Dragoneye::builder()
        .env_lookup(|_| None)
        .api_key(key.to_owned())
        .base_url(base)
        .clock(Arc::new(clock.clone()))
        .timeout(timeout)
        .max_retries(ATTEMPTS)
        .max_backoff_time(BUDGET)
        .initial_backoff(INITIAL_BACKOFF)
        .backoff_multiplier(2.0)
        .backoff_jitter(false)
        .upload_timeout(timeout)
        .upload_retry_policy(
            RetryPolicy::new()
                .max_attempts(ATTEMPTS)
                .initial_backoff(INITIAL_BACKOFF)
                .multiplier(2.0)
                .max_backoff(Duration::from_secs(1))
                .total_budget(Some(BUDGET))
                .max_retry_after(Duration::from_secs(8))
                .jitter(false),
        )
        .poll_interval(Duration::from_secs(1))
}

async fn settle(server: &FaultServer, path: &str, expected: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(2);
    while count(server, path) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    count(server, path)
}

async fn run_case(fault: Fault, call: Call, case: usize) -> Option<Tally> {
    let name = format!("{} × {fault:?}", call.name);
    let key = key_for(case);
    let main = FaultServer::start().await;
    let other = FaultServer::start().await;
    let router = Router::default();
    router.install(&main);
    if !script(fault, &call, &router, &main.base_url(), &other) {
        return None;
    }
    let e = expect(fault, &call);
    let clock = ManualClock::new();
    let refused = RefusedPort::new();
    let (api_base, upload_base) = match (fault, call.path) {
        (Fault::ConnectRefused, UPLOAD) => (main.base_url(), refused.url("")),
        (Fault::ConnectRefused, _) => (refused.url(""), main.base_url()),
        _ => (main.base_url(), main.base_url()),
    };
    let api_base = api_base.trim_end_matches('/').to_owned();
    let upload_base = upload_base.trim_end_matches('/').to_owned();
    let client = builder(&api_base, &key, &clock, e.timeout);
    let client = if matches!(fault, Fault::RedirectCrossOrigin | Fault::EchoError) {
        client
    } else {
        client.http_client(shared_http())
    };
    let client = client.build().unwrap();

    let started = Instant::now();
    let mut result = (call.run)(client.clone(), upload_base.clone()).await;
    if fault == Fault::KeepAliveRace {
        tokio::time::sleep(Duration::from_millis(50)).await;
        result = match result {
            Ok(_) => (call.run)(client.clone(), upload_base.clone()).await,
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
    let received = settle(&main, call.path, e.requests).await;
    if received > e.requests || (e.exact_requests && received != e.requests) {
        fail(format!(
            "{received} requests to {}, expected {}",
            call.path, e.requests
        ));
    }
    let duplicate = call.retries == Retries::NonIdempotent && e.reached && received > e.requests;
    // The steps before the faulty one ran once each (a flow never repeats a create).
    if call.name.starts_with("predict_image") {
        for path in [BEGIN, UPLOAD] {
            let n = count(&main, path);
            if n != 1 {
                fail(format!("{n} requests to {path} in the flow"));
            }
        }
        if call.path == RESULTS && count(&main, START) != 1 {
            fail("start not sent exactly once".into());
        }
    }

    let sleeps = clock.sleeps();
    let slept: Duration = sleeps.iter().sum();
    let overrun = slept > BUDGET || clock.elapsed() > BUDGET;
    if overrun {
        fail(format!("slept {slept:?}, budget {BUDGET:?}"));
    }
    match &e.sleeps {
        // A flow's status polls are immediate (the first is), so the sleeps are the faulty
        // step's.
        Some(want) if &sleeps != want => fail(format!("sleeps {sleeps:?}, expected {want:?}")),
        None => {
            for (i, s) in sleeps.iter().enumerate() {
                let ceiling = match fault {
                    Fault::TooManyThenOk(RetryAfter::HttpDate(d)) => d,
                    _ => INITIAL_BACKOFF * 2u32.pow(u32::try_from(i).unwrap()),
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

    let mut shown = vec![format!("{client:?}")];
    match &result {
        Ok(value) => shown.push(value.clone()),
        Err(err) => {
            shown.push(error_text(err));
            if err.is_local() {
                fail(format!("a server fault reported as local: {err:?}"));
            }
            if matches!(got(&result), Got::Decode) && err.is_retryable() {
                fail("a decode error is retryable".into());
            }
            if err.task_uuid().is_some_and(|u| u != UUID) {
                fail(format!("task_uuid() = {:?}", err.task_uuid()));
            }
            if fault == Fault::TooManyAlways && err.retry_after() != Some(Duration::from_secs(1)) {
                fail(format!("retry_after() = {:?}", err.retry_after()));
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
    // The presigned upload never carries the key; the API calls always do.
    let mut leaked_upload = false;
    for r in main.requests() {
        if r.path == UPLOAD && r.mentions(&key) {
            leaked_upload = true;
            fail("the key went with the presigned upload".into());
        } else if r.path != UPLOAD && r.complete && !r.mentions(&key) {
            fail(format!("a request to {} lacked the key", r.path));
        }
    }
    tally.duplicate_sends = usize::from(duplicate);
    tally.key_leaks = usize::from(leaked_text.is_some() || leaked_other || leaked_upload);
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
    tally.report("dragoneye fault matrix", class);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_step_against_every_fault() {
    let (large, rest): (Vec<Fault>, Vec<Fault>) =
        faults().into_iter().partition(|f| *f == Fault::Large);
    let started = Instant::now();
    let mut tally = run_matrix(&rest, 32).await;
    let rest_took = started.elapsed();
    tally.merge(run_matrix(&large, 3).await);
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "matrix: {rest_took:?} + large {:?}",
            started.elapsed() - rest_took
        );
    }
    check_traces(&mut tally);
    report("steps", &tally);
}

// ---------------------------------------------------------------------------------------------
// Task-level faults.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_that_never_completes_times_out_in_virtual_time() {
    let main = FaultServer::start().await;
    let router = Router::default();
    router.install(&main);
    router.fallback(
        STATUS,
        Reply::json(200, status_json("predicting").to_string()),
    );
    let clock = ManualClock::new();
    let key = key_for(90_000);
    let client = client(&main.base_url(), &key, &clock, LONG_TIMEOUT);
    let started = Instant::now();
    let err = client
        .classification()
        .wait(UUID)
        .timeout(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PredictionTimeout { .. }), "{err:?}");
    // The official SDK raises a timeout as its own error, not `PredictionTaskError`.
    assert!(!err.is_task_error());
    assert!(!err.is_local());
    assert_eq!(err.task_uuid(), Some(UUID));
    let polls = count(&main, STATUS);
    // First poll immediate, one per second, one last at the deadline.
    assert!((5..=7).contains(&polls), "{polls} polls");
    assert!(
        clock.elapsed() <= Duration::from_secs(6),
        "{:?}",
        clock.elapsed()
    );
    assert!(
        clock.elapsed() >= Duration::from_secs(5),
        "{:?}",
        clock.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "real time {:?}",
        started.elapsed()
    );
    assert!(!error_text(&err).contains(MARKER));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_is_a_task_error_and_results_are_never_fetched() {
    let main = FaultServer::start().await;
    let router = Router::default();
    router.install(&main);
    let base = main.base_url();
    router.fallback(BEGIN, ok_reply(BEGIN, &base, false));
    router.fallback(UPLOAD, ok_reply(UPLOAD, &base, false));
    router.fallback(START, ok_reply(START, &base, false));
    router.push(
        STATUS,
        Reply::json(200, status_json("predicting").to_string()),
    );
    router.fallback(
        STATUS,
        Reply::json(200, status_json("failed_internal_error").to_string()),
    );
    let clock = ManualClock::new();
    let client = client(&base, &key_for(90_001), &clock, LONG_TIMEOUT);
    let err = client
        .classification()
        .predict_image(image(), "m/houses")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TaskFailed { .. }), "{err:?}");
    assert!(
        matches!(err.task_status(), Some(s) if s.is_failed()),
        "{err:?}"
    );
    assert!(matches!(
        err.task_status(),
        Some(PredictionTaskState::Failed(s)) if s == "failed_internal_error"
    ));
    assert_eq!(count(&main, STATUS), 2);
    assert_eq!(count(&main, RESULTS), 0);
    for path in [BEGIN, UPLOAD, START] {
        assert_eq!(count(&main, path), 1, "{path}");
    }
    assert_eq!(clock.sleeps(), [Duration::from_secs(1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_upload_403_500_and_reset_inside_a_flow() {
    // 403: not retried; 500 and reset: retried by the upload policy, then reported.
    for (step, want_uploads, want_status) in [
        (
            Step::Reply(Reply::html(403, "<Error><Code>AccessDenied</Code></Error>")),
            1,
            Some(403),
        ),
        (Step::Reply(Reply::json(500, "{}")), 3, Some(500)),
        (Step::Reset, 3, None),
    ] {
        let main = FaultServer::start().await;
        let router = Router::default();
        router.install(&main);
        let base = main.base_url();
        router.fallback(BEGIN, ok_reply(BEGIN, &base, false));
        router.fallback(UPLOAD, step.clone());
        let clock = ManualClock::new();
        let key = key_for(90_002);
        let client = client(&base, &key, &clock, LONG_TIMEOUT);
        let err = client
            .classification()
            .predict_image(image(), "m/houses")
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::UploadFailed { .. }),
            "{step:?}: {err:?}"
        );
        assert_eq!(err.task_uuid(), Some(UUID));
        assert_eq!(err.status().map(|s| s.as_u16()), want_status, "{err:?}");
        assert_eq!(count(&main, UPLOAD), want_uploads, "{step:?}");
        assert_eq!(count(&main, BEGIN), 1);
        assert_eq!(count(&main, START), 0, "no start after a failed upload");
        assert!(
            main.requests()
                .iter()
                .filter(|r| r.path == UPLOAD)
                .all(|r| !r.mentions(&key))
        );
        assert!(!error_text(&err).contains(MARKER));
    }
}

// ---------------------------------------------------------------------------------------------
// Bounded fuzz of the public results decoders with mutated fixtures.

fn mutate(rng: &mut fastrand::Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.usize(1..8) {
        match rng.u8(0..5) {
            0 if !bytes.is_empty() => {
                let i = rng.usize(..bytes.len());
                bytes[i] ^= 1 << rng.u8(0..8);
            }
            1 if !bytes.is_empty() => {
                let i = rng.usize(..bytes.len());
                let n = rng.usize(1..64).min(bytes.len() - i);
                bytes.drain(i..i + n);
            }
            2 if !bytes.is_empty() => {
                let i = rng.usize(..bytes.len());
                bytes.truncate(i);
            }
            3 => {
                let i = rng.usize(..=bytes.len());
                let junk: Vec<u8> = (0..rng.usize(1..32)).map(|_| rng.u8(..)).collect();
                bytes.splice(i..i, junk);
            }
            _ if bytes.len() > 8 => {
                // Overwrite a little-endian length-like field with an extreme value.
                let i = rng.usize(..bytes.len() - 4);
                let v = [u32::MAX, 0, 1 << 31, rng.u32(..)][rng.usize(..4)];
                bytes[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            _ => {}
        }
    }
    bytes
}

#[test]
fn fuzzed_archives_and_parquet_are_typed_errors_never_panics() {
    let Some(f) = fixtures() else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("shared fixtures not found (CI unset); skipping the results fuzz");
        }
        return;
    };
    const INPUTS: usize = 3000;
    let mut rng = fastrand::Rng::with_seed(0xd7a6_0e7e);
    let started = Instant::now();
    let (mut ok, mut errors, mut panics) = (0usize, 0usize, Vec::new());
    for i in 0..INPUTS {
        let target = i % 6;
        let input = match target {
            0 => mutate(&mut rng, &f.image_zip),
            1 => mutate(&mut rng, &f.video_zip),
            // Valid archives around mutated members (the CRC is right, the Parquet is not).
            2 => {
                let seed = rng.u64(..);
                rezip(&f.image_zip, move |_, data| {
                    mutate(&mut fastrand::Rng::with_seed(seed), &data)
                })
            }
            3 => mutate(&mut rng, &f.image_parquet),
            4 => mutate(&mut rng, &f.video_parquet),
            _ => mutate(&mut rng, &f.timestamps_parquet),
        };
        let outcome = std::panic::catch_unwind(|| -> Result<(), dragoneye::ResultsDecodeError> {
            match target {
                0 | 2 => dragoneye::results::decode_image_results(&input, UUID, None).map(drop),
                1 => dragoneye::results::decode_video_results(&input, UUID, None, 1).map(drop),
                3 => dragoneye::results::decode_image_predictions(&input).map(drop),
                4 => dragoneye::results::decode_video_predictions(&input).map(drop),
                _ => dragoneye::results::decode_frame_timestamps(&input).map(drop),
            }
        });
        match outcome {
            Ok(Ok(())) => ok += 1,
            Ok(Err(err)) => {
                errors += 1;
                assert!(!err.to_string().is_empty());
            }
            Err(_) => panics.push(i),
        }
    }
    let took = started.elapsed();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "dragoneye results fuzz: {INPUTS} inputs, {ok} decoded, {errors} typed errors, {} panics, {took:?}",
            panics.len()
        );
    }
    assert!(panics.is_empty(), "panicked on inputs {panics:?}");
    assert!(
        errors > INPUTS / 4,
        "{errors} errors: the mutations should mostly fail"
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
}
