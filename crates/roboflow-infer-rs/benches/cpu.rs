//! CPU-work benchmark of issue 10's "Speed" section: this crate against the official
//! `inference_sdk` 1.8.3 in one run, on the same bytes and the same loopback server.
//!
//! `cargo xtask bench roboflow-cpu` (or `cargo bench -p roboflow-infer-rs --features image
//! --bench cpu` with `VISION_SDK_BENCH_PYTHON` naming a python that has `inference-sdk`).
//!
//! 1. **Building a request from a 4 MB JPEG** (read the file, base64 it, make the body and the
//!    request, send nothing): `InferCall::unstable_build_requests` (v0 route, client downsizing
//!    off) vs exactly what `inference_sdk` does before its HTTP call:
//!    `InferenceHTTPClient._prepare_infer_from_api_v0_request_data` (loads the file, base64,
//!    `RequestData`) and `requests.Session.prepare_request` (URL with the query, headers,
//!    body), see `cpu_python.py`. Also, as before, **one whole `infer`** of the file against a
//!    trivial loopback HTTP server started here that answers every request with the same small
//!    JSON: `InferenceClient::infer(..).send()` vs `InferenceHTTPClient.infer` (after
//!    `select_api_v0()`).
//! 2. **Parsing an instance-segmentation answer** of 300 predictions × 500 polygon points:
//!    `models::decode_inference(&TaskType::InstanceSegmentation, body)` vs what
//!    `inference_sdk` does with the answer's body (`response.json()` and its post-processing of
//!    the parsed answer), see `cpu_python.py`.
//!    The v0 route does not say the model's task: `models::decode_v0_inference(body)` judges
//!    it from the answer first (a second row, against the same Python figure).
//! 3. **Client-side downsizing of a 4000×3000 JPEG** (to the 1024×1024 default bound): again a
//!    whole v0 `infer` call against the loopback server, downsizing on
//!    (`client_downsizing(true)` / `client_downsizing_disabled=False`), so both sides decode,
//!    resize, re-encode, base64 and send.
//!
//! 4. **Batched throughput**: `infer_many` of 1,000 image paths (hard links to one JPEG) at
//!    `max_concurrent_requests = 8` against the loopback server vs bare `reqwest` doing the same
//!    requests (read, the same base64, the same URL and query, `POST`, parse the JSON answer)
//!    with 8 tasks on the same runtime; with the growth of the peak RSS during each (reset
//!    through `/proc/self/clear_refs`), and the crate's own count of images held at once.
//! 5. **Where the downsizing time goes** (Rust only, [`downsize_stages`]): the JPEG header, the
//!    DCT-domain decode at 1/2 (vs a full decode), the resize and the encode, with the public
//!    `vision_sdk_common::codec` functions `infer` uses.
//!
//! Medians of N runs after warm-up; the ratio is Python median / Rust median. The ≥ 10× goal is
//! reported, not asserted. Knobs: `RF_BENCH_RUST_RUNS` (default 15), `RF_BENCH_PY_RUNS`
//! (default 7), `RF_BENCH_SKIP_PYTHON=1`, `RF_BENCH_BATCH_IMAGES` (default 1000),
//! `RF_BENCH_BATCH_RUNS` (default 3).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a harness-less bench reports on the terminal"
)]

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use roboflow_infer::models::{decode_inference, decode_v0_inference};
use roboflow_infer::{ApiMode, Image, InferenceClient, InferenceResponse, TaskType};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The goal of issue 10: CPU work at least this many times faster than `inference_sdk`.
const GOAL_SPEEDUP: f64 = 10.0;
/// `max_concurrent_requests` of the batched-throughput case.
const BATCH_CONCURRENCY: usize = 8;
/// The small answer of the loopback server (an object-detection answer without predictions).
const SMALL_ANSWER: &str =
    r#"{"time":0.01,"image":{"width":4000,"height":3000},"predictions":[],"inference_id":"b"}"#;

/// xorshift64: reproducible pseudo-random data without a dependency.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A 4000×3000 photo-like JPEG (gradients plus noise) of about 4 MB.
fn photo_jpeg() -> BoxResult<Vec<u8>> {
    photo_jpeg_sized(4000, 3000)
}

/// A photo-like JPEG (gradients plus noise) of `width`×`height`.
fn photo_jpeg_sized(width: u32, height: u32) -> BoxResult<Vec<u8>> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let n = (rng.next() % 28) as u32;
        image::Rgb([
            ((x / 16 + n) % 256) as u8,
            ((y / 12 + n) % 256) as u8,
            (((x + y) / 28 + n) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 76).encode_image(&img)?;
    Ok(out)
}

/// An instance-segmentation answer of `predictions` predictions with `points` points each.
fn segmentation_answer(predictions: usize, points: usize) -> BoxResult<Vec<u8>> {
    let mut rng = Rng(42);
    let classes = ["car", "person", "truck", "bicycle", "dog"];
    let preds: Vec<Value> = (0..predictions)
        .map(|i| {
            let (cx, cy) = (200.0 + rng.unit() * 3600.0, 200.0 + rng.unit() * 2600.0);
            let r = 20.0 + rng.unit() * 150.0;
            let pts: Vec<Value> = (0..points)
                .map(|k| {
                    let a = k as f64 / points as f64 * std::f64::consts::TAU;
                    let rr = r * (0.8 + 0.4 * rng.unit());
                    json!({"x": cx + rr * a.cos(), "y": cy + rr * a.sin()})
                })
                .collect();
            json!({
                "x": cx, "y": cy, "width": 2.0 * r, "height": 2.0 * r,
                "confidence": 0.3 + 0.7 * rng.unit(),
                "class": classes[i % classes.len()], "class_id": i % classes.len(),
                "detection_id": format!("6d1f0b7c-3a2e-4c5d-9e8f-{i:012}"),
                "points": pts,
            })
        })
        .collect();
    let answer = json!({
        "inference_id": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        "time": 0.42,
        "image": {"width": 4000, "height": 3000},
        "predictions": preds,
    });
    Ok(serde_json::to_vec(&answer)?)
}

// ---------------------------------------------------------------------------------------------
// Loopback server

/// Serves every request on `listener` with [`SMALL_ANSWER`] (keep-alive, a thread per
/// connection), reading each request body fully.
fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let _ = connection(stream);
        });
    }
}

fn connection(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let mut body = Vec::new();
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() && !first {
                break;
            }
            first = false;
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{SMALL_ANSWER}",
            SMALL_ANSWER.len()
        );
        writer.write_all(response.as_bytes())?;
    }
}

// ---------------------------------------------------------------------------------------------
// Timing

#[derive(Debug, Clone, Copy)]
struct Timing {
    median: Duration,
    min: Duration,
}

fn time<T>(warmup: usize, runs: usize, mut f: impl FnMut() -> T) -> Timing {
    for _ in 0..warmup {
        black_box(f());
    }
    let mut samples: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let out = f();
            let elapsed = start.elapsed();
            drop(black_box(out));
            elapsed
        })
        .collect();
    samples.sort_unstable();
    Timing {
        median: samples[samples.len() / 2],
        min: samples[0],
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One `infer` call of `path` on the v0 route of the loopback server.
fn infer_once(
    rt: &tokio::runtime::Runtime,
    client: &InferenceClient,
    path: &Path,
    downsizing: bool,
) -> roboflow_infer::Result<usize> {
    rt.block_on(async {
        let out = client
            .infer("bench-project/1", Image::from_path(path))
            .client_downsizing(downsizing)
            .send()
            .await?;
        Ok(std::mem::size_of_val(&out))
    })
}

/// Builds (does not send) the v0 request of one `infer` of `path`.
fn build_once(
    rt: &tokio::runtime::Runtime,
    client: &InferenceClient,
    path: &Path,
) -> roboflow_infer::Result<usize> {
    rt.block_on(async {
        let requests = client
            .infer("bench-project/1", Image::from_path(path))
            .client_downsizing(false)
            .unstable_build_requests()
            .await?;
        Ok(requests
            .iter()
            .map(|r| r.body().and_then(|b| b.as_bytes()).map_or(0, <[u8]>::len))
            .sum())
    })
}

/// `/proc/self/status` field `name` (`VmRSS`, `VmHWM`), in bytes.
fn proc_status_bytes(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs `f` and returns its result with how far the peak RSS rose above the RSS before it
/// (`None` where `/proc/self/clear_refs` cannot reset the peak).
fn with_peak_rss<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = proc_status_bytes("VmRSS");
    let out = f();
    let peak = proc_status_bytes("VmHWM");
    let growth = match (reset, before, peak) {
        (true, Some(before), Some(peak)) => Some(peak.saturating_sub(before)),
        _ => None,
    };
    (out, growth)
}

/// `infer_many` of `paths` at 8 requests at once; the number of answers.
fn batch_crate(
    rt: &tokio::runtime::Runtime,
    client: &InferenceClient,
    paths: &[PathBuf],
) -> Result<usize, String> {
    rt.block_on(async {
        client
            .infer_many("bench-project/1", paths.iter().map(Image::from_path))
            .max_concurrent_requests(BATCH_CONCURRENCY)
            .send()
            .await
            .map(|r| r.len())
            .map_err(|e| e.to_string())
    })
}

/// The same requests with bare `reqwest`: 8 tasks taking the next path, reading it, base64,
/// `POST` to `url` (the crate's URL and query, plus the key), parsing the JSON answer.
fn batch_bare(
    rt: &tokio::runtime::Runtime,
    http: &vision_sdk_common::reqwest::Client,
    url: &vision_sdk_common::reqwest::Url,
    paths: &[PathBuf],
) -> Result<usize, String> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let paths: Arc<Vec<PathBuf>> = Arc::new(paths.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let tasks: Vec<_> = (0..BATCH_CONCURRENCY)
            .map(|_| {
                let (paths, next, http, url) = (
                    Arc::clone(&paths),
                    Arc::clone(&next),
                    http.clone(),
                    url.clone(),
                );
                tokio::spawn(async move {
                    let mut answers = 0usize;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = paths.get(i) else {
                            return Ok::<_, String>(answers);
                        };
                        let bytes = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
                        let body = roboflow_infer::models::encode_base64(&bytes);
                        let response = http
                            .post(url.clone())
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .map_err(|e| e.to_string())?
                            .error_for_status()
                            .map_err(|e| e.to_string())?;
                        let answer = response.bytes().await.map_err(|e| e.to_string())?;
                        let _: Value =
                            serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
                        answers += 1;
                    }
                })
            })
            .collect();
        let mut answers = 0;
        for task in tasks {
            answers += task.await.map_err(|e| e.to_string())??;
        }
        Ok(answers)
    })
}

fn main() -> BoxResult<()> {
    let rust_runs = env_usize("RF_BENCH_RUST_RUNS", 15);
    let py_runs = env_usize("RF_BENCH_PY_RUNS", 7);
    let skip_python = std::env::var_os("RF_BENCH_SKIP_PYTHON").is_some();

    let data_dir = vision_sdk_testkit::bench::target_dir()?.join("bench-data/roboflow");
    std::fs::create_dir_all(&data_dir)?;
    let photo_path = data_dir.join("photo-4000x3000.jpg");
    let answer_path = data_dir.join("segmentation-300x500.json");
    let photo = photo_jpeg()?;
    std::fs::write(&photo_path, &photo)?;
    let answer = segmentation_answer(300, 500)?;
    std::fs::write(&answer_path, &answer)?;
    println!(
        "data: {} ({:.2} MB JPEG, 4000x3000), {} ({:.2} MB, 300 predictions x 500 points)",
        photo_path.display(),
        photo.len() as f64 / 1e6,
        answer_path.display(),
        answer.len() as f64 / 1e6
    );

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let api_url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || serve(listener));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // A key, as a real call has one (sent in the query on v0).
    let client = rt
        .block_on(async {
            InferenceClient::builder()
                .api_key("bench-key")
                .api_url(api_url.clone())
                .mode(ApiMode::V0)
                .build()
        })
        .map_err(|e| format!("client: {e}"))?;

    // Sanity: each operation works and the decoder sees what was generated.
    infer_once(&rt, &client, &photo_path, false).map_err(|e| format!("infer: {e}"))?;
    infer_once(&rt, &client, &photo_path, true).map_err(|e| format!("infer (downsizing): {e}"))?;
    match decode_inference(&TaskType::InstanceSegmentation, &answer)? {
        InferenceResponse::InstanceSegmentation(r)
            if r.predictions.len() == 300
                && r.predictions
                    .iter()
                    .all(|p| p.points().map(<[_]>::len) == Some(500)) => {}
        other => {
            return Err(format!(
                "the answer decoded as something else: {:?}",
                std::mem::discriminant(&other)
            )
            .into());
        }
    }

    let built = build_once(&rt, &client, &photo_path).map_err(|e| format!("build: {e}"))?;
    if built != photo.len().div_ceil(3) * 4 {
        return Err(format!("the built body has {built} bytes").into());
    }

    // Rust timings.
    let rust_build = time(3, rust_runs, || {
        build_once(&rt, &client, &photo_path).map_err(|e| e.to_string())
    });
    let rust_request = time(3, rust_runs, || {
        infer_once(&rt, &client, &photo_path, false).map_err(|e| e.to_string())
    });
    let rust_parse = time(3, rust_runs, || {
        decode_inference(&TaskType::InstanceSegmentation, &answer).map_err(|e| e.to_string())
    });
    let rust_parse_v0 = time(3, rust_runs, || {
        decode_v0_inference(&answer).map_err(|e| e.to_string())
    });
    let rust_downsize = time(2, rust_runs, || {
        infer_once(&rt, &client, &photo_path, true).map_err(|e| e.to_string())
    });

    // Batched throughput: 1,000 paths (hard links to one JPEG of ~0.5 MB).
    let batch_images = env_usize("RF_BENCH_BATCH_IMAGES", 1000);
    let batch_runs = env_usize("RF_BENCH_BATCH_RUNS", 3);
    let batch_dir = data_dir.join("batch");
    let _ = std::fs::remove_dir_all(&batch_dir);
    std::fs::create_dir_all(&batch_dir)?;
    let batch_jpeg = batch_dir.join("photo-1600x1200.jpg");
    std::fs::write(&batch_jpeg, photo_jpeg_sized(1600, 1200)?)?;
    let batch_bytes = std::fs::metadata(&batch_jpeg)?.len();
    let paths: Vec<PathBuf> = (0..batch_images)
        .map(|i| {
            let path = batch_dir.join(format!("{i:04}.jpg"));
            std::fs::hard_link(&batch_jpeg, &path)
                .or_else(|_| std::fs::copy(&batch_jpeg, &path).map(drop))?;
            Ok(path)
        })
        .collect::<std::io::Result<_>>()?;
    // The bare client needs a crypto provider of its own under `rustls-no-provider`.
    vision_sdk_common::transport::install_crypto_provider();
    let http = vision_sdk_common::reqwest::Client::builder()
        .build()
        .map_err(|e| format!("reqwest: {e}"))?;
    let mut bare_url = rt
        .block_on(async {
            client
                .infer("bench-project/1", Image::from_path(&batch_jpeg))
                .unstable_build_requests()
                .await
        })
        .map_err(|e| format!("build: {e}"))?
        .remove(0)
        .url()
        .clone();
    bare_url
        .query_pairs_mut()
        .append_pair("api_key", "bench-key");
    // Warm-up (connections), then the runs; the peak RSS of the first run of each.
    let batch_client = rt
        .block_on(async {
            InferenceClient::builder()
                .api_key("bench-key")
                .api_url(api_url.clone())
                .mode(ApiMode::V0)
                .build()
        })
        .map_err(|e| format!("client: {e}"))?;
    let warm = &paths[..paths.len().min(16)];
    batch_crate(&rt, &batch_client, warm)?;
    batch_bare(&rt, &http, &bare_url, warm)?;
    let (answers, crate_rss) = with_peak_rss(|| batch_crate(&rt, &batch_client, &paths));
    if answers? != batch_images {
        return Err("the crate's batch lost answers".into());
    }
    let (answers, bare_rss) = with_peak_rss(|| batch_bare(&rt, &http, &bare_url, &paths));
    if answers? != batch_images {
        return Err("the bare batch lost answers".into());
    }
    let held = batch_client.unstable_images_in_memory().1;
    let crate_batch = time(0, batch_runs, || batch_crate(&rt, &batch_client, &paths));
    let bare_batch = time(0, batch_runs, || batch_bare(&rt, &http, &bare_url, &paths));

    // Python timings.
    let python = if skip_python {
        Err("skipped (RF_BENCH_SKIP_PYTHON)".to_owned())
    } else {
        vision_sdk_testkit::bench::bench_python("roboflow-cpu")
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/cpu_python.py");
    let py: Option<Value> = match &python {
        Ok(python) => {
            let args = [
                "--api-url".to_owned(),
                api_url.clone(),
                "--image".to_owned(),
                photo_path.display().to_string(),
                "--answer".to_owned(),
                answer_path.display().to_string(),
                "--runs".to_owned(),
                py_runs.to_string(),
            ];
            match vision_sdk_testkit::bench::run_python(python, &script, &args)
                .and_then(|out| vision_sdk_testkit::bench::last_json_line(&out))
            {
                Ok(v) => Some(v),
                Err(e) => {
                    println!("python bench failed: {e}");
                    None
                }
            }
        }
        Err(e) => {
            println!("PYTHON UNAVAILABLE — Rust figures only: {e}");
            None
        }
    };

    println!("\n-- CPU work, medians (and minimums) of N runs after warm-up");
    if let Some(p) = &py {
        println!(
            "python {} · inference-sdk {} · opencv {} · numpy {}",
            p["python_version"].as_str().unwrap_or("?"),
            p["sdk_version"].as_str().unwrap_or("?"),
            p["opencv_version"].as_str().unwrap_or("?"),
            p["numpy_version"].as_str().unwrap_or("?"),
        );
    }
    println!(
        "{:<52} {:>12} {:>10} {:>14} {:>10} {:>9}",
        "operation", "rust median", "rust min", "python median", "python min", "speed-up"
    );
    let rows = [
        (
            "build a request from a 4 MB JPEG (no send)",
            rust_build,
            "build",
        ),
        (
            "request from a 4 MB JPEG (infer, loopback)",
            rust_request,
            "request",
        ),
        ("parse instance seg. 300 x 500 points", rust_parse, "parse"),
        (
            "  the same, v0 (task judged from the answer)",
            rust_parse_v0,
            "parse",
        ),
        (
            "downsize 4000x3000 JPEG + infer (loopback)",
            rust_downsize,
            "downsize",
        ),
    ];
    let mut all_met = py.is_some();
    for (name, rust, key) in rows {
        let (pm, pmin) = py
            .as_ref()
            .and_then(|p| Some((p[key]["median_s"].as_f64()?, p[key]["min_s"].as_f64()?)))
            .map_or((None, None), |(a, b)| (Some(a), Some(b)));
        let speedup = pm.map(|pm| pm / rust.median.as_secs_f64());
        if speedup.is_none_or(|s| s < GOAL_SPEEDUP) {
            all_met = false;
        }
        println!(
            "{:<52} {:>9.2} ms {:>7.2} ms {:>14} {:>10} {:>9}",
            name,
            ms(rust.median),
            ms(rust.min),
            pm.map_or("n/a".to_owned(), |v| format!("{:.2} ms", v * 1e3)),
            pmin.map_or("n/a".to_owned(), |v| format!("{:.2} ms", v * 1e3)),
            speedup.map_or("n/a".to_owned(), |s| format!("{s:.1}x")),
        );
    }
    println!(
        "(rust: {rust_runs} runs; python: {})",
        py.as_ref()
            .and_then(|p| p["runs"].as_u64())
            .map_or("not run".to_owned(), |r| format!("{r} runs"))
    );
    println!(
        "\ngoal (every operation >= {GOAL_SPEEDUP}x faster than inference_sdk): {}",
        if py.is_none() {
            "not measured"
        } else if all_met {
            "MET"
        } else {
            "NOT MET (see the speed-up column)"
        }
    );
    let per_s = |t: Timing| batch_images as f64 / t.median.as_secs_f64();
    let mb = |b: Option<u64>| b.map_or("n/a".to_owned(), |b| format!("{:.1} MB", b as f64 / 1e6));
    println!(
        "\n-- batched throughput: {batch_images} paths of a {:.2} MB JPEG, v0, {BATCH_CONCURRENCY} requests at once, loopback; medians of {batch_runs} runs",
        batch_bytes as f64 / 1e6
    );
    println!(
        "{:<40} {:>12} {:>14} {:>20}",
        "client", "median", "images/s", "peak RSS growth"
    );
    println!(
        "{:<40} {:>9.0} ms {:>14.0} {:>20}",
        "roboflow-infer-rs infer_many",
        ms(crate_batch.median),
        per_s(crate_batch),
        mb(crate_rss)
    );
    println!(
        "{:<40} {:>9.0} ms {:>14.0} {:>20}",
        "bare reqwest, 8 tasks",
        ms(bare_batch.median),
        per_s(bare_batch),
        mb(bare_rss)
    );
    let ratio = per_s(crate_batch) / per_s(bare_batch);
    println!(
        "crate / bare throughput: {:.1} % (goal: within 10 %, {}); most images the crate held at once: {held} (bound: {BATCH_CONCURRENCY} x max_batch_size 1 = {BATCH_CONCURRENCY})",
        ratio * 100.0,
        if ratio >= 0.9 { "MET" } else { "NOT MET" }
    );
    downsize_stages(&photo, rust_runs)?;
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "machine: {} CPUs, load average {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}

/// Where the downsizing time goes (the light codecs of `vision_sdk_common::codec`, as
/// `infer` uses them): the JPEG header, the decode at 1/2 straight from the DCT coefficients
/// (vs a full-size decode), the resize to 1024×768 and the JPEG encode at quality 95.
fn downsize_stages(photo: &[u8], runs: usize) -> BoxResult<()> {
    use vision_sdk_common::codec::{self, Filter};

    let (width, height) = codec::jpeg_dimensions(photo)?;
    let plan = roboflow_infer::rescale::plan_downsizing(width, height, Some((1024, 1024)))
        .ok_or("the photo should need downsizing")?;
    let reduced = codec::decode_jpeg_at_least(photo, plan.width, plan.height)?;
    let small = codec::resize(&reduced, plan.width, plan.height, Filter::Bilinear);
    let stages = [
        (
            "header (size only)".to_owned(),
            time(2, runs, || {
                codec::jpeg_dimensions(photo).map_err(|e| e.to_string())
            }),
        ),
        (
            format!(
                "decode at {}x{} (DCT-domain 1/2)",
                reduced.width(),
                reduced.height()
            ),
            time(2, runs, || {
                codec::decode_jpeg_at_least(photo, plan.width, plan.height)
                    .map_err(|e| e.to_string())
            }),
        ),
        (
            format!("decode at full {width}x{height} (for comparison)"),
            time(1, runs.min(7), || {
                codec::decode(photo).map_err(|e| e.to_string())
            }),
        ),
        (
            format!("resize to {}x{} (bilinear)", plan.width, plan.height),
            time(2, runs, || {
                codec::resize(&reduced, plan.width, plan.height, Filter::Bilinear)
            }),
        ),
        (
            "encode JPEG q95".to_owned(),
            time(2, runs, || {
                codec::encode_jpeg(&small, 95).map_err(|e| e.to_string())
            }),
        ),
    ];
    println!("\n-- downsizing stages (rust, medians and minimums)");
    for (name, t) in stages {
        println!(
            "{:<52} {:>9.2} ms {:>7.2} ms",
            name,
            ms(t.median),
            ms(t.min)
        );
    }
    Ok(())
}
