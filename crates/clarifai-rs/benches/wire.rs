//! CPU bench of the wire layer against the official Python client on the same work (issue 11,
//! "Speed"): building a 128-input predict request with base64 images, and parsing a
//! 128-output response with regions and concepts.
//!
//! `cargo bench -p clarifai-rs --bench wire`
//!
//! Both sides start from the same raw image bytes and end with the request body: Rust builds
//! the `Input`s (copying each image, as the Python message constructors do) and
//! `models::predict`'s body; Python builds the `PostModelOutputsRequest` message and does what
//! the clarifai-grpc 12.6.0 JSON channel does before sending (`protobuf_to_dict` with the
//! channel's arguments + `json.dumps`). Parsing: `serde_json` into `MultiOutputResponse` vs
//! the channel's `json.loads` + `dict_to_protobuf`. The Python side (`benches/wire_python.py`)
//! runs when `VISION_SDK_BENCH_PYTHON` names an interpreter with `benches/requirements.txt`
//! installed; otherwise only the Rust figures are printed. Knobs: `WIRE_BENCH_RUNS` (default 50).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a harness-less bench reports on the terminal"
)]

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use clarifai::models::{Data, Image, Input, MultiOutputResponse, UserAppIdSet};
use clarifai::requests::models::{self, ModelRef, PredictOptions};
use serde_json::json;

const INPUTS: usize = 128;
const IMAGE_BYTES: usize = 32 * 1024;
const REGIONS: usize = 20;
const CONCEPTS: usize = 10;

fn image(n: usize) -> Vec<u8> {
    (0..IMAGE_BYTES)
        .map(|i| ((i * 31 + n * 7) % 251) as u8)
        .collect()
}

fn response_json() -> String {
    let concepts: Vec<_> = (0..CONCEPTS)
        .map(|c| json!({"id": format!("ai_{c:04}"), "name": format!("concept-{c}"), "value": 0.5 + c as f64 / 100.0, "app_id": "main"}))
        .collect();
    let regions: Vec<_> = (0..REGIONS)
        .map(|r| {
            json!({"id": format!("r{r}"), "value": 0.9, "region_info": {"bounding_box": {"top_row": 0.1, "left_col": 0.2, "bottom_row": 0.6, "right_col": 0.7}},
                   "data": {"concepts": concepts}})
        })
        .collect();
    let outputs: Vec<_> = (0..INPUTS)
        .map(|o| {
            json!({"id": format!("out-{o}"), "status": {"code": 10000, "description": "Ok"}, "created_at": "2026-01-01T00:00:00.000000Z",
                   "model": {"id": "general-image-detection", "app_id": "main", "user_id": "clarifai"},
                   "input": {"id": format!("in-{o}"), "data": {"image": {"url": "https://samples.clarifai.com/metro-north.jpg"}}},
                   "data": {"regions": regions, "concepts": concepts}})
        })
        .collect();
    json!({"status": {"code": 10000, "description": "Ok", "req_id": "r"}, "outputs": outputs})
        .to_string()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..3 {
        f();
    }
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let runs: usize = std::env::var("WIRE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let images: Vec<Vec<u8>> = (0..INPUTS).map(image).collect();
    let model = ModelRef::new(
        UserAppIdSet::new("clarifai", "main"),
        "general-image-detection",
    );
    let build = time(runs, || {
        let inputs: Vec<Input> = images
            .iter()
            .map(|b| Input::from_data(Data::image(Image::from_bytes(b.clone()))))
            .collect();
        let request = models::predict(&model, &inputs, &PredictOptions::default()).unwrap();
        black_box(request.body().map(bytes::Bytes::len));
    });
    if std::env::var_os("WIRE_BENCH_DETAIL").is_some() {
        let clone = time(runs, || {
            let inputs: Vec<Input> = images
                .iter()
                .map(|b| Input::from_data(Data::image(Image::from_bytes(b.clone()))))
                .collect();
            black_box(inputs.len());
        });
        let inputs: Vec<Input> = images
            .iter()
            .map(|b| Input::from_data(Data::image(Image::from_bytes(b.clone()))))
            .collect();
        let ser = time(runs, || {
            black_box(serde_json::to_vec(&inputs).unwrap().len());
        });
        let b64 = time(runs, || {
            use base64::Engine as _;
            for i in &images {
                black_box(base64::engine::general_purpose::STANDARD.encode(i).len());
            }
        });
        println!(
            "detail: inputs {clone:?}, derived Serialize of the inputs {ser:?}, base64 crate alone {b64:?}"
        );
    }
    let body = response_json();
    let parse = time(runs, || {
        let r: MultiOutputResponse = serde_json::from_str(&body).unwrap();
        black_box(r.outputs.len());
    });
    println!("rust   build 128-input predict (32 KiB images): {build:?}");
    println!(
        "rust   parse 128-output response ({} KiB):      {parse:?}",
        body.len() / 1024
    );
    let Some(python) = std::env::var_os("VISION_SDK_BENCH_PYTHON") else {
        println!("VISION_SDK_BENCH_PYTHON is not set: Python figures skipped");
        return;
    };
    let dir = std::env::temp_dir().join(format!("clarifai-wire-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let response_path = dir.join("response.json");
    std::fs::write(&response_path, &body).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/wire_python.py");
    let out = Command::new(python)
        .arg(script)
        .arg(&response_path)
        .arg(INPUTS.to_string())
        .arg(IMAGE_BYTES.to_string())
        .arg(runs.min(20).to_string())
        .output()
        .expect("the bench's Python interpreter");
    if !out.status.success() {
        eprintln!(
            "python side failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut figures = text
        .split_whitespace()
        .filter_map(|v| v.parse::<f64>().ok());
    let (py_build, py_parse) = (
        figures.next().unwrap_or(f64::NAN),
        figures.next().unwrap_or(f64::NAN),
    );
    println!(
        "python build: {:.1} ms, parse: {:.1} ms",
        py_build * 1e3,
        py_parse * 1e3
    );
    let (xb, xp) = (
        py_build / build.as_secs_f64(),
        py_parse / parse.as_secs_f64(),
    );
    println!(
        "speed-up: build {xb:.1}x, parse {xp:.1}x (goal >= 10x: {})",
        if xb >= 10.0 && xp >= 10.0 {
            "met"
        } else {
            "not met"
        }
    );
    let _ = std::fs::remove_dir_all(dir);
}
