//! Submit-then-get round trips against a local server: the Rust SDK, bare `reqwest` doing the
//! same two requests, and the official Python SDK (`groundlight` 1.3.1 from PyPI), in one run.
//!
//! ```text
//! cargo bench -p groundlight-rs --bench roundtrip
//! ```
//!
//! One round trip is `POST /device-api/v1/image-queries?detector_id=…` with a JPEG body (201,
//! an `ImageQuery` with a confident binary answer) then `GET /device-api/v1/image-queries/{id}`
//! (200, the same), i.e. `submit_image_query(det, jpeg).wait(0)` + `get_image_query(id)`.
//!
//! * The server is hyper (HTTP/1.1, keep-alive) on its own Tokio runtime, answering with bodies
//!   shaped like the official SDK's recording fake (`shared/protocols/golden/groundlight/
//!   fake_server.py`) and checking the token, the detector id and the body of every request.
//! * Rust: sequential latency (median, p95 over many round trips after a warm-up) and throughput
//!   with 32 concurrent callers (a fixed number of round trips shared by 32 tasks on a shared
//!   client). SDK and bare reqwest alternate over several rounds so drift hits both alike.
//! * Python: `target/bench-venv` is created if missing, `benches/requirements.txt` installed into
//!   it, and `benches/roundtrip_python.py` run against the same server (sequential, then 32
//!   threads with one client per thread, then 32 threads sharing one client).
//!
//! Prints one table, the ratios against the goals (the SDK adds at most 10% over bare reqwest; at
//! 32 callers it does at least 20× the Python SDK's throughput) and writes
//! `target/bench-results/groundlight-roundtrip.json`. Timings never fail the run; failed round
//! trips do.
//!
//! Environment: `GL_BENCH_SKIP_PYTHON=1` skips the Python SDK; `VISION_SDK_BENCH_PYTHON` is the
//! interpreter with the official SDK (`cargo xtask bench roundtrip` prepares `target/bench-venv`
//! from `benches/requirements.txt` and sets it); `GL_BENCH_ONLY=sdk|bare` runs one Rust
//! variant (for profiling); `GL_BENCH_SERVER_THREADS` / `GL_BENCH_CLIENT_THREADS` (default 2
//! each) size the two runtimes. Run without `--bench` (as `cargo test
//! --benches` does), it only checks that every Rust variant works, with a few round trips each.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use groundlight::Groundlight;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

/// The token the server accepts. Its first 20 characters are `[A-Za-z0-9_]`, as the Python
/// SDK's token-rotation check wants.
const TOKEN: &str = "api_2bench0roundtrip0token0local";
const DETECTOR_ID: &str = "det_2benchRoundTrip0001";
/// A real 5,948-byte JPEG.
const IMAGE: &[u8] = include_bytes!("../examples/assets/door.jpg");
const IMAGE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/assets/door.jpg");
const CONCURRENCY: usize = 32;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
struct Plan {
    rounds: usize,
    seq_warmup: usize,
    seq_iters: usize,
    conc_total: usize,
    py_seq_warmup: usize,
    py_seq_iters: usize,
    py_conc_total: usize,
}

const FULL: Plan = Plan {
    rounds: 8,
    seq_warmup: 100,
    seq_iters: 1_000,
    conc_total: 10_000,
    py_seq_warmup: 30,
    py_seq_iters: 300,
    py_conc_total: 2_000,
};

/// `cargo test --benches`: prove every variant works, measure nothing.
const SMOKE: Plan = Plan {
    rounds: 1,
    seq_warmup: 2,
    seq_iters: 10,
    conc_total: 64,
    py_seq_warmup: 0,
    py_seq_iters: 0,
    py_conc_total: 0,
};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    if let Err(e) = run(bench_mode) {
        eprintln!("roundtrip bench failed: {e}");
        std::process::exit(1);
    }
}

fn run(bench_mode: bool) -> Result<(), String> {
    let plan = if bench_mode { FULL } else { SMOKE };
    let server = Server::start()?;
    let endpoint = format!("http://{}", server.addr);

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(env_usize("GL_BENCH_CLIENT_THREADS", 2))
        .thread_name("bench-client")
        .enable_all()
        .build()
        .map_err(|e| format!("client runtime: {e}"))?;
    // Built first: with rustls, the SDK installs the process-wide crypto provider that the bare
    // reqwest client also needs.
    let sdk = Groundlight::builder()
        .endpoint(endpoint.as_str())
        .api_token(TOKEN)
        .build()
        .map_err(|e| format!("SDK client: {e}"))?;
    let bare = Arc::new(Bare::new(&endpoint)?);

    if bench_mode {
        println!(
            "groundlight roundtrip bench: submit_image_query(wait=0) + get_image_query, {}-byte JPEG, local HTTP/1.1 server at {endpoint}",
            IMAGE.len()
        );
        println!(
            "  Rust: {} rounds x ({} sequential after {} warm-up, {} at {CONCURRENCY} concurrent) per variant",
            plan.rounds, plan.seq_iters, plan.seq_warmup, plan.conc_total
        );
    }

    let mut sdk_rounds = Vec::new();
    let mut bare_rounds = Vec::new();
    for round in 0..plan.rounds {
        // Alternate which variant goes first.
        let order: [Variant; 2] = if round % 2 == 0 {
            [Variant::Sdk, Variant::Bare]
        } else {
            [Variant::Bare, Variant::Sdk]
        };
        let only = std::env::var("GL_BENCH_ONLY").unwrap_or_default();
        for variant in order {
            match (only.as_str(), variant) {
                ("sdk", Variant::Bare) | ("bare", Variant::Sdk) => continue,
                _ => {}
            }
            let rt = RoundTripper {
                variant,
                sdk: sdk.clone(),
                bare: Arc::clone(&bare),
            };
            let conns = server.stats.connections.load(Ordering::Relaxed);
            let mut measured = client_rt.block_on(measure(rt, plan))?;
            measured.connections = server.stats.connections.load(Ordering::Relaxed) - conns;
            match variant {
                Variant::Sdk => sdk_rounds.push(measured),
                Variant::Bare => bare_rounds.push(measured),
            }
            server.check_clean()?;
        }
        if bench_mode {
            println!(
                "  round {}/{}: SDK {:.0} rt/s, bare reqwest {:.0} rt/s at {CONCURRENCY}",
                round + 1,
                plan.rounds,
                sdk_rounds.last().map_or(0.0, |m| m.throughput),
                bare_rounds.last().map_or(0.0, |m| m.throughput)
            );
        }
    }
    drop(client_rt);

    let rust_sdk = Summary::new("Rust SDK (groundlight-rs)", &sdk_rounds);
    let rust_bare = Summary::new("bare reqwest + serde_json::Value", &bare_rounds);

    if !bench_mode {
        println!(
            "roundtrip bench smoke test: SDK and bare reqwest round trips OK ({} requests served); run `cargo bench -p groundlight-rs --bench roundtrip` to measure",
            server.stats.requests.load(Ordering::Relaxed)
        );
        return Ok(());
    }

    let python = match python_results(&endpoint, plan) {
        Ok(p) => Some(p),
        Err(e) => {
            println!("\n!! Python SDK not measured: {e}");
            println!(
                "!! (the Rust numbers below are complete; set GL_BENCH_SKIP_PYTHON=1 to skip Python quietly)"
            );
            None
        }
    };
    server.check_clean()?;

    let report = Report {
        rust_sdk,
        rust_bare,
        python,
    };
    report.print();
    report.write_json()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The local server
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Stats {
    requests: AtomicU64,
    connections: AtomicU64,
    rejected: AtomicU64,
    next_id: AtomicU64,
}

#[derive(Debug)]
struct Server {
    addr: SocketAddr,
    stats: Arc<Stats>,
    /// Kept alive for the whole run; its two worker threads are the server's only threads.
    _rt: Runtime,
}

impl Server {
    fn start() -> Result<Self, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(env_usize("GL_BENCH_SERVER_THREADS", 2))
            .thread_name("bench-server")
            .enable_all()
            .build()
            .map_err(|e| format!("server runtime: {e}"))?;
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .map_err(|e| format!("bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| format!("bind: {e}"))?;
        let stats = Arc::new(Stats::default());
        let accept_stats = Arc::clone(&stats);
        rt.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                accept_stats.connections.fetch_add(1, Ordering::Relaxed);
                let stats = Arc::clone(&accept_stats);
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(req, Arc::clone(&stats)));
                    // Errors are clients closing kept-alive connections; nothing to report.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            stats,
            _rt: rt,
        })
    }

    /// Fails if any request so far was rejected (a wrong token, path, detector or body).
    fn check_clean(&self) -> Result<(), String> {
        match self.stats.rejected.load(Ordering::Relaxed) {
            0 => Ok(()),
            n => Err(format!("the server rejected {n} requests")),
        }
    }
}

const NOW: &str = "2026-01-01T00:00:00.000000Z";

/// `image_query()` of the official SDK's recording fake: a confident binary answer.
fn image_query_json(id: &str) -> String {
    format!(
        concat!(
            r#"{{"metadata": null, "id": "{id}", "type": "image_query", "created_at": "{now}", "#,
            r#""query": "Is the door open?", "detector_id": "{det}", "result_type": "binary_classification", "#,
            r#""result": {{"confidence": 0.95, "source": "ALGORITHM", "result_type": "binary_classification", "#,
            r#""from_edge": false, "label": "YES"}}, "patience_time": 30.0, "confidence_threshold": 0.9, "#,
            r#""rois": null, "text": null, "done_processing": false}}"#
        ),
        id = id,
        now = NOW,
        det = DETECTOR_ID
    )
}

/// `detector()` of the official SDK's recording fake.
fn detector_json(id: &str) -> String {
    json!({
        "id": id, "type": "detector", "created_at": NOW, "name": "door-detector",
        "query": "Is the door open?", "group_name": "default", "confidence_threshold": 0.9,
        "patience_time": 30.0, "metadata": null, "mode": "BINARY", "mode_configuration": null,
        "status": "ON", "escalation_type": "STANDARD",
    })
    .to_string()
}

fn me_json() -> String {
    json!({
        "email": "bench@example.com", "username": "bench@example.com",
        "group": {"id": 1, "name": "bench-group"}, "is_superuser": false,
    })
    .to_string()
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn handle(
    req: Request<Incoming>,
    stats: Arc<Stats>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    stats.requests.fetch_add(1, Ordering::Relaxed);
    let (response, expected) = route(req, &stats).await;
    if !expected {
        stats.rejected.fetch_add(1, Ordering::Relaxed);
    }
    Ok(response)
}

/// The answer, and whether the request was one the bench expects.
async fn route(req: Request<Incoming>, stats: &Stats) -> (Response<Full<Bytes>>, bool) {
    let rejected =
        |status, text: &str| (reply(status, json!({ "detail": text }).to_string()), false);
    if req.headers().get("x-api-token").map(HeaderValue::as_bytes) != Some(TOKEN.as_bytes()) {
        return rejected(StatusCode::UNAUTHORIZED, "Invalid token.");
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let Some(path) = path.strip_prefix("/device-api/v1/") else {
        return rejected(StatusCode::NOT_FOUND, "Not found.");
    };
    let segments: Vec<&str> = path.split('/').collect();
    match (&method, segments.as_slice()) {
        (&Method::POST, ["image-queries"]) => {
            let detector = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("detector_id="));
            if detector != Some(DETECTOR_ID) {
                return rejected(StatusCode::BAD_REQUEST, "unexpected detector_id");
            }
            let jpeg = req
                .headers()
                .get(CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes() == b"image/jpeg");
            let body = match req.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(_) => return rejected(StatusCode::BAD_REQUEST, "unreadable body"),
            };
            if !jpeg || body.as_ref() != IMAGE {
                return rejected(StatusCode::BAD_REQUEST, "the body is not the bench JPEG");
            }
            let n = stats.next_id.fetch_add(1, Ordering::Relaxed);
            let id = format!("iq_bench{n:020}");
            (reply(StatusCode::CREATED, image_query_json(&id)), true)
        }
        (&Method::GET, ["image-queries", id]) if id.starts_with("iq_bench") => {
            (reply(StatusCode::OK, image_query_json(id)), true)
        }
        (&Method::GET, ["detectors", id]) if *id == DETECTOR_ID => {
            (reply(StatusCode::OK, detector_json(id)), true)
        }
        // The Python SDK's constructor: `GET /v1/me` (twice) ...
        (&Method::GET, ["me"]) => (reply(StatusCode::OK, me_json()), true),
        // ... after its token-rotation lookup, answered as the official fake does (rotation
        // unavailable: the SDK keeps the configured token).
        (&Method::GET, ["api-tokens", "by-snippet", _]) => {
            let (response, _) = rejected(StatusCode::NOT_FOUND, "Not found.");
            (response, true)
        }
        _ => rejected(StatusCode::NOT_FOUND, "Not found."),
    }
}

// ---------------------------------------------------------------------------------------------
// The Rust clients
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Sdk,
    Bare,
}

/// What a hand-written client sends: the same requests, headers and body as the SDK.
#[derive(Debug)]
struct Bare {
    client: reqwest::Client,
    submit_url: reqwest::Url,
    image_queries: String,
    headers: HeaderMap,
}

impl Bare {
    fn new(endpoint: &str) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            // The SDK's User-Agent, byte for byte.
            .user_agent(format!(
                "groundlight-rs/{} (vision-sdk-rs; rust)",
                groundlight::VERSION
            ))
            .build()
            .map_err(|e| format!("reqwest client: {e}"))?;
        let base = format!("{endpoint}/device-api/v1/image-queries");
        let submit_url = reqwest::Url::parse(&format!("{base}?detector_id={DETECTOR_ID}"))
            .map_err(|e| e.to_string())?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert("x-api-token", HeaderValue::from_static(TOKEN));
        headers.insert("x-sdk-language", HeaderValue::from_static("rust"));
        headers.insert(
            "x-sdk-version",
            HeaderValue::from_static(groundlight::VERSION),
        );
        Ok(Self {
            client,
            submit_url,
            image_queries: base,
            headers,
        })
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        want: StatusCode,
    ) -> Result<Value, String> {
        let response = request
            .headers(self.headers.clone())
            .header(HeaderName::from_static("x-request-id"), request_id())
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if status != want {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }

    async fn round_trip(&self) -> Result<(), String> {
        let request = self
            .client
            .post(self.submit_url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("image/jpeg"))
            .body(Bytes::from_static(IMAGE));
        let iq = self.send(request, StatusCode::CREATED).await?;
        let id = iq["id"].as_str().ok_or("no id in the submit answer")?;
        let url = format!("{}/{id}", self.image_queries);
        let got = self.send(self.client.get(url), StatusCode::OK).await?;
        if got["id"] != iq["id"] || got["result"]["label"] != "YES" {
            return Err(format!("unexpected image query {got}"));
        }
        Ok(())
    }
}

/// `req_uu` + 32 hex digits, like the SDK's `X-Request-Id`.
fn request_id() -> HeaderValue {
    let bits = fastrand::u128(..);
    HeaderValue::from_str(&format!("req_uu{bits:032x}"))
        .unwrap_or(HeaderValue::from_static("req_uu"))
}

#[derive(Debug, Clone)]
struct RoundTripper {
    variant: Variant,
    sdk: Groundlight,
    bare: Arc<Bare>,
}

impl RoundTripper {
    async fn round_trip(&self) -> Result<(), String> {
        match self.variant {
            Variant::Sdk => {
                let iq = self
                    .sdk
                    .submit_image_query(DETECTOR_ID, IMAGE)
                    .wait(Duration::ZERO)
                    .send()
                    .await
                    .map_err(|e| format!("submit_image_query: {e}"))?;
                let got = self
                    .sdk
                    .get_image_query(&iq.id)
                    .await
                    .map_err(|e| format!("get_image_query: {e}"))?;
                if got.id != iq.id || got.label() != Some("YES") {
                    return Err(format!("unexpected image query {got:?}"));
                }
                Ok(())
            }
            Variant::Bare => self.bare.round_trip().await,
        }
    }
}

/// One round of one variant.
#[derive(Debug)]
struct Measured {
    /// Sequential round-trip latencies, µs.
    latencies: Vec<f64>,
    /// Round trips/s with `CONCURRENCY` callers.
    throughput: f64,
    /// CPU time of the client runtime's threads per round trip, µs (Linux only).
    seq_cpu_us: Option<f64>,
    conc_cpu_us: Option<f64>,
    /// TCP connections the server accepted during the round.
    connections: u64,
}

async fn measure(rt: RoundTripper, plan: Plan) -> Result<Measured, String> {
    let rt = Arc::new(rt);
    // Sequential, in a spawned task like application code.
    let sequential = |n: usize, timed: bool| {
        let rt = Arc::clone(&rt);
        tokio::spawn(async move {
            let mut samples = Vec::with_capacity(if timed { n } else { 0 });
            for _ in 0..n {
                let t0 = Instant::now();
                rt.round_trip().await?;
                if timed {
                    samples.push(t0.elapsed().as_secs_f64() * 1e6);
                }
            }
            Ok::<_, String>(samples)
        })
    };
    sequential(plan.seq_warmup, false)
        .await
        .map_err(|e| e.to_string())??;
    let cpu0 = client_cpu_ns();
    let latencies = sequential(plan.seq_iters, true)
        .await
        .map_err(|e| e.to_string())??;
    let seq_cpu_us = cpu_per_round_trip(cpu0, client_cpu_ns(), plan.seq_iters);

    // Concurrent: CONCURRENCY tasks share `conc_total` round trips; a short untimed warm-up
    // first opens the connections.
    concurrent(&rt, CONCURRENCY * 2).await?;
    let cpu0 = client_cpu_ns();
    let throughput = concurrent(&rt, plan.conc_total).await?;
    let conc_cpu_us = cpu_per_round_trip(cpu0, client_cpu_ns(), plan.conc_total);
    Ok(Measured {
        latencies,
        throughput,
        seq_cpu_us,
        conc_cpu_us,
        connections: 0,
    })
}

/// CPU time (ns) used so far by the client runtime's threads (named `bench-client`), from
/// Linux's per-thread `schedstat`; `None` elsewhere.
fn client_cpu_ns() -> Option<u64> {
    let mut total = 0;
    let mut found = false;
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let dir = entry.path();
        let is_client = std::fs::read_to_string(dir.join("comm"))
            .is_ok_and(|name| name.trim() == "bench-client");
        let ns = std::fs::read_to_string(dir.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok());
        if let (true, Some(ns)) = (is_client, ns) {
            total += ns;
            found = true;
        }
    }
    found.then_some(total)
}

fn cpu_per_round_trip(before: Option<u64>, after: Option<u64>, n: usize) -> Option<f64> {
    let spent = after?.checked_sub(before?)?;
    (n > 0).then(|| spent as f64 / 1e3 / n as f64)
}

async fn concurrent(rt: &Arc<RoundTripper>, total: usize) -> Result<f64, String> {
    let remaining = Arc::new(AtomicUsize::new(total));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let rt = Arc::clone(rt);
        let remaining = Arc::clone(&remaining);
        tasks.spawn(async move {
            while remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                rt.round_trip().await?;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

// ---------------------------------------------------------------------------------------------
// Python
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct PythonResults {
    version: String,
    seq: Summary,
    per_thread: f64,
    shared: Option<f64>,
    shared_cpu_us: Option<f64>,
    raw: Value,
}

/// Runs `roundtrip_python.py` with the interpreter `cargo xtask bench roundtrip` prepared.
fn python_results(endpoint: &str, plan: Plan) -> Result<PythonResults, String> {
    if std::env::var_os("GL_BENCH_SKIP_PYTHON").is_some_and(|v| v == "1") {
        return Err("GL_BENCH_SKIP_PYTHON=1".into());
    }
    let python = vision_sdk_testkit::bench::bench_python("roundtrip")?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/roundtrip_python.py");
    println!(
        "  Python: {} sequential after {} warm-up, {} at {CONCURRENCY} threads (client per thread, then one shared client) ...",
        plan.py_seq_iters, plan.py_seq_warmup, plan.py_conc_total
    );
    let args = [
        "--endpoint".to_owned(),
        endpoint.to_owned(),
        "--token".to_owned(),
        TOKEN.to_owned(),
        "--detector".to_owned(),
        DETECTOR_ID.to_owned(),
        "--image".to_owned(),
        IMAGE_PATH.to_owned(),
        "--seq-warmup".to_owned(),
        plan.py_seq_warmup.to_string(),
        "--seq-iters".to_owned(),
        plan.py_seq_iters.to_string(),
        "--threads".to_owned(),
        CONCURRENCY.to_string(),
        "--conc-total".to_owned(),
        plan.py_conc_total.to_string(),
        "--shared-client".to_owned(),
    ];
    let stdout = vision_sdk_testkit::bench::run_python(&python, &script, args)?;
    let raw: Value = vision_sdk_testkit::bench::last_json_line(&stdout)
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let num = |v: &Value| {
        v.as_f64()
            .ok_or_else(|| format!("bad Python result: {raw}"))
    };
    let seq = &raw["sequential"];
    Ok(PythonResults {
        version: raw["sdk_version"].as_str().unwrap_or("?").to_owned(),
        seq: Summary {
            name: String::new(),
            median_us: num(&seq["median_us"])?,
            p95_us: num(&seq["p95_us"])?,
            samples: seq["iterations"].as_u64().unwrap_or(0) as usize,
            throughput: num(&raw["concurrent_client_per_thread"]["round_trips_per_s"])?,
            throughput_rounds: Vec::new(),
            seq_cpu_us: seq["cpu_us_per_round_trip"].as_f64(),
            conc_cpu_us: raw["concurrent_client_per_thread"]["cpu_us_per_round_trip"].as_f64(),
            connections: Vec::new(),
        },
        per_thread: num(&raw["concurrent_client_per_thread"]["round_trips_per_s"])?,
        shared: raw["concurrent_shared_client"]["round_trips_per_s"].as_f64(),
        shared_cpu_us: raw["concurrent_shared_client"]["cpu_us_per_round_trip"].as_f64(),
        raw,
    })
}

fn target_dir() -> Result<PathBuf, String> {
    vision_sdk_testkit::bench::target_dir()
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Summary {
    name: String,
    /// Over all rounds' sequential samples.
    median_us: f64,
    p95_us: f64,
    samples: usize,
    /// Medians over rounds.
    throughput: f64,
    throughput_rounds: Vec<f64>,
    seq_cpu_us: Option<f64>,
    conc_cpu_us: Option<f64>,
    /// Per round.
    connections: Vec<u64>,
}

impl Summary {
    fn new(name: &str, rounds: &[Measured]) -> Self {
        let mut latencies: Vec<f64> = rounds.iter().flat_map(|m| m.latencies.clone()).collect();
        latencies.sort_by(f64::total_cmp);
        let median_of = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            (!values.is_empty()).then(|| median(&values))
        };
        let throughput_rounds: Vec<f64> = rounds.iter().map(|m| m.throughput).collect();
        Self {
            name: name.to_owned(),
            median_us: median(&latencies),
            p95_us: percentile(&latencies, 95.0),
            samples: latencies.len(),
            throughput: median_of(throughput_rounds.clone()).unwrap_or(f64::NAN),
            throughput_rounds,
            seq_cpu_us: median_of(rounds.iter().filter_map(|m| m.seq_cpu_us).collect()),
            conc_cpu_us: median_of(rounds.iter().filter_map(|m| m.conc_cpu_us).collect()),
            connections: rounds.iter().map(|m| m.connections).collect(),
        }
    }
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Nearest-rank percentile of sorted values (the Python side uses the same definition).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64) * q / 100.0).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn fmt_latency(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "MET" } else { "NOT MET" }
}

#[derive(Debug)]
struct Report {
    rust_sdk: Summary,
    rust_bare: Summary,
    python: Option<PythonResults>,
}

impl Report {
    /// SDK time per round trip over bare reqwest's, sequential (median) and at 32 (1/throughput).
    fn overheads(&self) -> (f64, f64) {
        (
            self.rust_sdk.median_us / self.rust_bare.median_us - 1.0,
            self.rust_bare.throughput / self.rust_sdk.throughput - 1.0,
        )
    }

    /// SDK throughput at 32 over the Python SDK's best setting at 32.
    fn python_ratio(&self) -> Option<(f64, &'static str)> {
        let py = self.python.as_ref()?;
        let (best, how) = match py.shared {
            Some(shared) if shared > py.per_thread => (shared, "shared client"),
            _ => (py.per_thread, "client per thread"),
        };
        Some((self.rust_sdk.throughput / best, how))
    }

    fn print(&self) {
        let mut out = String::new();
        let row = |out: &mut String, cells: [&str; 6]| {
            let [name, median, p95, seq_cpu, tput, conc_cpu] = cells;
            let _ = writeln!(
                out,
                "{name:<44} {median:>10} {p95:>10} {seq_cpu:>10} {tput:>10} {conc_cpu:>10}"
            );
        };
        let cpu = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), fmt_latency);
        let _ = writeln!(out);
        row(&mut out, ["", "sequential", "", "", "32 callers", ""]);
        row(
            &mut out,
            ["variant", "median", "p95", "CPU/rt", "rt/s", "CPU/rt"],
        );
        let _ = writeln!(out, "{}", "-".repeat(99));
        for s in [&self.rust_sdk, &self.rust_bare] {
            row(
                &mut out,
                [
                    &s.name,
                    &fmt_latency(s.median_us),
                    &fmt_latency(s.p95_us),
                    &cpu(s.seq_cpu_us),
                    &format!("{:.0}", s.throughput),
                    &cpu(s.conc_cpu_us),
                ],
            );
        }
        if let Some(py) = &self.python {
            row(
                &mut out,
                [
                    &format!("Python SDK groundlight {} (client/thread)", py.version),
                    &fmt_latency(py.seq.median_us),
                    &fmt_latency(py.seq.p95_us),
                    &cpu(py.seq.seq_cpu_us),
                    &format!("{:.0}", py.per_thread),
                    &cpu(py.seq.conc_cpu_us),
                ],
            );
            if let Some(shared) = py.shared {
                row(
                    &mut out,
                    [
                        "Python SDK, one client shared by 32 threads",
                        "",
                        "",
                        "",
                        &format!("{shared:.0}"),
                        &cpu(py.shared_cpu_us),
                    ],
                );
            }
        } else {
            row(&mut out, ["Python SDK", "n/a", "n/a", "n/a", "n/a", "n/a"]);
        }
        let _ = writeln!(
            out,
            "CPU/rt: CPU time of the client (Rust: the client runtime's threads; Python: the process) per round trip; the server is not counted."
        );
        let (seq_over, conc_over) = self.overheads();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "SDK overhead vs bare reqwest, sequential median latency: {:+.1}%  (goal <= +10%: {})",
            seq_over * 100.0,
            met(seq_over <= 0.10)
        );
        let _ = writeln!(
            out,
            "SDK overhead vs bare reqwest, time per round trip at {CONCURRENCY}: {:+.1}%  (throughput SDK/bare {:.3}; goal <= +10%: {})",
            conc_over * 100.0,
            self.rust_sdk.throughput / self.rust_bare.throughput,
            met(conc_over <= 0.10)
        );
        if let (Some(sdk_seq), Some(bare_seq), Some(sdk_conc), Some(bare_conc)) = (
            self.rust_sdk.seq_cpu_us,
            self.rust_bare.seq_cpu_us,
            self.rust_sdk.conc_cpu_us,
            self.rust_bare.conc_cpu_us,
        ) {
            let _ = writeln!(
                out,
                "SDK client CPU per round trip vs bare reqwest (less sensitive to a busy machine): sequential {:+.1}%, at {CONCURRENCY} {:+.1}%",
                (sdk_seq / bare_seq - 1.0) * 100.0,
                (sdk_conc / bare_conc - 1.0) * 100.0
            );
        }
        match self.python_ratio() {
            Some((ratio, how)) => {
                let _ = writeln!(
                    out,
                    "SDK throughput at {CONCURRENCY} vs Python SDK at {CONCURRENCY} (its best: {how}): {ratio:.1}x  (goal >= 20x: {})",
                    met(ratio >= 20.0)
                );
                if let (Some(rust), Some(py)) = (
                    self.rust_sdk.conc_cpu_us,
                    self.python.as_ref().and_then(|p| p.seq.conc_cpu_us),
                ) {
                    let _ = writeln!(
                        out,
                        "Python SDK client CPU per round trip at {CONCURRENCY} / SDK's: {:.1}x",
                        py / rust
                    );
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "SDK throughput vs Python SDK: not measured (see above)"
                );
            }
        }
        let _ = writeln!(
            out,
            "(per round at {CONCURRENCY}: SDK {:?} rt/s, bare {:?} rt/s; TCP connections opened per round: SDK {:?}, bare {:?})",
            rounded(&self.rust_sdk.throughput_rounds),
            rounded(&self.rust_bare.throughput_rounds),
            self.rust_sdk.connections,
            self.rust_bare.connections
        );
        print!("{out}");
    }

    fn write_json(&self) -> Result<(), String> {
        let summary = |s: &Summary| {
            json!({
                "sequential": {"median_us": s.median_us, "p95_us": s.p95_us, "samples": s.samples,
                               "client_cpu_us_per_round_trip": s.seq_cpu_us},
                "concurrent": {"callers": CONCURRENCY, "round_trips_per_s": s.throughput,
                               "per_round": s.throughput_rounds,
                               "tcp_connections_per_round": s.connections,
                               "client_cpu_us_per_round_trip": s.conc_cpu_us},
            })
        };
        let (seq_over, conc_over) = self.overheads();
        let doc = json!({
            "bench": "groundlight-rs roundtrip",
            "round_trip": "submit_image_query(wait=0) + get_image_query",
            "image_bytes": IMAGE.len(),
            "rust_sdk": summary(&self.rust_sdk),
            "bare_reqwest": summary(&self.rust_bare),
            "python_sdk": self.python.as_ref().map(|p| p.raw.clone()),
            "ratios": {
                "sdk_over_bare_seq_median": seq_over,
                "sdk_over_bare_time_per_round_trip_at_32": conc_over,
                "sdk_vs_python_throughput_at_32": self.python_ratio().map(|(r, _)| r),
            },
        });
        let dir = target_dir()?.join("bench-results");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join("groundlight-roundtrip.json");
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("results: {}", path.display());
        Ok(())
    }
}

fn rounded(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.round() as u64).collect()
}
