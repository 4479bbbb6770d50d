//! `Dataset::upload_from_folder` of many small files against the fake, with the client's peak
//! memory (issue 11, "Speed": upload memory bounded by the batch size and the concurrency, not
//! the folder size).
//!
//! `cargo bench -p clarifai-rs --bench upload` (or `cargo xtask bench clarifai-upload`)
//!
//! The fake ([`clarifai::testing::FakeClarifai`]) keeps every input and every request it saw,
//! so it runs in a child process (this binary again, with `UPLOAD_BENCH_FAKE=1`), and each
//! upload runs in a fresh client process (`UPLOAD_BENCH_CLIENT`) that prints its own peak
//! RSS (`VmHWM` of /proc/self/status). Folders of 1,000, half of `UPLOAD_BENCH_FILES` and
//! `UPLOAD_BENCH_FILES` (default 10,000) files of `UPLOAD_BENCH_FILE_BYTES` (default 2048)
//! are uploaded with `UPLOAD_BENCH_BATCH` (default 128) inputs per request and
//! `UPLOAD_BENCH_CONCURRENCY` (default 8) batches in flight. Bounded memory shows as a peak
//! that does not grow with the folder.
//!
//! The Python side (`benches/upload_python.py`, run when `VISION_SDK_BENCH_PYTHON` names an
//! interpreter with `benches/requirements-upload.txt`): the official SDK's
//! `Dataset.upload_from_folder` on the same folders, same batch size, as many upload threads
//! (`num_workers`) as the Rust side has batches in flight, in
//! its own process (peak RSS from `getrusage`). The SDK sends its calls over gRPC only; the
//! fake serves the JSON REST API, so the script swaps the SDK's stub for clarifai-grpc's own
//! JSON channel (`ClarifaiChannel.get_json_channel`), the transport the same package ships.
//! The inputs each side stored are counted afterwards.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a harness-less bench reports on the terminal"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use clarifai::models::MediaKind;

const FAKE_ENV: &str = "UPLOAD_BENCH_FAKE";
const CLIENT_ENV: &str = "UPLOAD_BENCH_CLIENT";

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmHWM` and `VmRSS` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The child: serves the fake until its standard input closes.
fn serve_fake() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let fake = clarifai::testing::FakeClarifai::start().await;
        // Upload jobs finish at the first poll (the client's polling interval is not timed).
        fake.set_upload_job_polls(0);
        println!("{} {}", fake.base_url(), fake.api_key());
        std::io::stdout().flush().unwrap();
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .unwrap();
        drop(fake);
    });
}

fn write_folder(dir: &Path, files: usize, size: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for n in 0..files {
        let bytes: Vec<u8> = (0..size).map(|i| ((i * 31 + n * 7) % 251) as u8).collect();
        std::fs::write(dir.join(format!("img{n:06}.jpg")), bytes).unwrap();
    }
}

/// A client process: uploads the folder and prints its figures, then its peak RSS.
fn upload(base_url: &str, key: &str, dir: &Path, dataset_id: &str) {
    let count = std::fs::read_dir(dir).unwrap().count();
    let batch = knob("UPLOAD_BENCH_BATCH", 128);
    let concurrency = knob("UPLOAD_BENCH_CONCURRENCY", 8);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = clarifai::Clarifai::builder()
        .env_lookup(|_| None)
        .base_url(base_url)
        .pat(key)
        .build()
        .unwrap();
    let (before, _) = memory_kib();
    // Each run its own app: the folders share file names, hence input ids.
    let dataset = client
        .app(format!("bench-{dataset_id}"))
        .dataset(dataset_id);
    let start = Instant::now();
    let report = runtime
        .block_on(
            dataset
                .upload_from_folder(dir, MediaKind::Image)
                .batch_size(batch)
                .concurrency(concurrency)
                .send(),
        )
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(report.uploaded.len(), count, "{:?}", report.failed.first());
    let (hwm, _) = memory_kib();
    println!(
        "rust   upload_from_folder {count:>6} files (batch {batch}, {concurrency} in flight): \
         {elapsed:>8.2?} ({:>5.0} files/s), peak RSS {:.1} MiB (before the upload {:.1} MiB)",
        count as f64 / elapsed.as_secs_f64(),
        hwm as f64 / 1024.0,
        before as f64 / 1024.0,
    );
}

/// The official SDK's `upload_from_folder` on the same folder, in its own process; then the
/// inputs the fake holds in that dataset are counted.
fn python_upload(
    python: &std::ffi::OsStr,
    base_url: &str,
    key: &str,
    dir: &Path,
    dataset: &str,
    count: usize,
) {
    let batch = knob("UPLOAD_BENCH_BATCH", 128);
    let concurrency = knob("UPLOAD_BENCH_CONCURRENCY", 8);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/upload_python.py");
    let out = Command::new(python)
        .arg(script)
        .args([base_url, key])
        .arg(dir)
        .args([dataset, &batch.to_string(), &concurrency.to_string()])
        .stderr(Stdio::null())
        .output()
        .expect("the bench's Python interpreter");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut figures = text
        .split_whitespace()
        .filter_map(|v| v.parse::<f64>().ok());
    let (Some(secs), Some(kib)) = (figures.next(), figures.next()) else {
        eprintln!("python side failed ({}): {text}", out.status);
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = clarifai::Clarifai::builder()
        .env_lookup(|_| None)
        .base_url(base_url)
        .pat(key)
        .build()
        .unwrap();
    let stored = runtime.block_on(async {
        use futures_util::StreamExt as _;
        client
            .app(format!("bench-{dataset}"))
            .dataset(dataset)
            .list_inputs()
            .per_page(1000)
            .stream()
            .filter(|item| std::future::ready(item.is_ok()))
            .count()
            .await
    });
    println!(
        "python upload_from_folder {count:>6} files (batch {batch}, {concurrency} threads):   \
         {secs:>7.2}s ({:>5.0} files/s), peak RSS {:.1} MiB; {stored} inputs stored",
        count as f64 / secs,
        kib / 1024.0,
    );
}

fn main() {
    if std::env::var_os(FAKE_ENV).is_some() {
        serve_fake();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    if let Ok(job) = std::env::var(CLIENT_ENV) {
        let mut parts = job.split('\t');
        let (base_url, key, dir, dataset) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        upload(base_url, key, Path::new(dir), dataset);
        return;
    }
    let files = knob("UPLOAD_BENCH_FILES", 10_000);
    let size = knob("UPLOAD_BENCH_FILE_BYTES", 2048);
    let batch = knob("UPLOAD_BENCH_BATCH", 128);
    let concurrency = knob("UPLOAD_BENCH_CONCURRENCY", 8);

    let mut fake = Command::new(&exe)
        .env(FAKE_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the fake's process");
    let mut line = String::new();
    BufReader::new(fake.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut words = line.split_whitespace();
    let (base_url, key) = (words.next().unwrap(), words.next().unwrap());

    let python = std::env::var_os("VISION_SDK_BENCH_PYTHON");
    if python.is_none() {
        println!("VISION_SDK_BENCH_PYTHON is not set: Python figures skipped");
    }
    let root = tempfile::tempdir().unwrap();
    println!("{size} B files; each size uploaded by a fresh client process");
    let mut sizes = vec![1_000.min(files), files / 2, files];
    sizes.sort_unstable();
    sizes.dedup();
    for (round, count) in sizes.into_iter().enumerate() {
        let dir = root.path().join(format!("folder{round}"));
        write_folder(&dir, count, size);
        let status = Command::new(&exe)
            .env(
                CLIENT_ENV,
                format!("{base_url}\t{key}\t{}\tds{round}", dir.display()),
            )
            .status()
            .expect("a client process");
        assert!(status.success(), "the client process failed");
        if let Some(python) = &python {
            python_upload(python, base_url, key, &dir, &format!("py{round}"), count);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    println!(
        "bound: the batches in flight hold <= {concurrency} x {batch} files' bytes plus their \
         base64 bodies (~{:.1} MiB of {size} B files), the bookkeeping (paths, report ids) ~350 B per file",
        (batch * concurrency * size) as f64 * (1.0 + 4.0 / 3.0) / (1024.0 * 1024.0)
    );
    drop(fake.stdin.take());
    let _ = fake.wait();
}
