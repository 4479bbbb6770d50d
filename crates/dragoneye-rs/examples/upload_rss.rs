//! Memory check: `predict_video` of a large file (default 1 GiB, sparse) against the fake API,
//! with the presigned upload sent to a sink that discards the body as it streams (wiremock, the
//! fake's own upload target, buffers bodies in memory, which would measure the server instead
//! of the SDK).
//!
//! ```text
//! cargo build --release -p dragoneye-rs --example upload_rss --features testing
//! /usr/bin/time -v target/release/examples/upload_rss [size-in-MiB]   # "Maximum resident set size"
//! ```
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use dragoneye::Video;
use dragoneye::testing::{DEMO_POLL_INTERVAL, FakeDragoneye};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Reads one HTTP/1.1 request, discarding the body in 64 KiB reads, and answers 204.
async fn sink(mut stream: TcpStream, received: Arc<AtomicU64>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    let Some(mut left) = length else {
        stream
            .write_all(
                b"HTTP/1.1 411 Length Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
            .await?;
        return Ok(());
    };
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = stream.read(&mut buf[..want]).await?;
        if n == 0 {
            break;
        }
        left -= n as u64;
        received.fetch_add(n as u64, Ordering::Relaxed);
    }
    stream
        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .await
}

/// Peak resident set size of this process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1024);
    let size = mib * 1024 * 1024;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let sink_addr = listener.local_addr()?;
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(sink(stream, counter.clone()));
        }
    });

    let fake = FakeDragoneye::start().await;
    fake.set_upload_url(format!("http://{sink_addr}/upload"));
    let (objects, timestamps) = FakeDragoneye::sample_video_objects();
    fake.set_video_results(objects, Some(timestamps));
    let client = fake
        .client_builder()
        .poll_interval(DEMO_POLL_INTERVAL)
        .build()?;

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.mp4");
    std::fs::File::create(&path)?.set_len(size)?; // sparse: no disk space, reads as zeros
    let video = Video::from_path(&path);
    println!("rss before predict_video: {:?} KiB", peak_rss_kib());

    let started = Instant::now();
    let result = client
        .classification()
        .predict_video(video, "recognize_anything/demo_model")
        .await?;
    let elapsed = started.elapsed();
    let sent = received.load(Ordering::Relaxed);
    println!(
        "predict_video of {mib} MiB: {} tracked object(s), {} fps; upload sink received {sent} bytes in {:.1?}",
        result.objects.len(),
        result.frames_per_second,
        elapsed
    );
    if sent < size {
        return Err(format!("the sink received {sent} bytes, less than the file's {size}").into());
    }
    println!("peak rss (VmHWM): {:?} KiB", peak_rss_kib());
    Ok(())
}
