//! The official Groundlight quickstart, in Rust: get or create a "door" detector, submit an image
//! with a wait, wait for a confident answer, print it.
//!
//! With `GROUNDLIGHT_API_TOKEN` set, it talks to the real service (or `GROUNDLIGHT_ENDPOINT`);
//! otherwise to the crate's in-process fake API, so it runs offline:
//!
//! ```text
//! cargo run -p groundlight-rs --example quickstart --features testing
//! ```
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::Duration;

use groundlight::testing::FakeGroundlight;
use groundlight::{Groundlight, Image};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the fake alive for the whole run when there is no token.
    let (gl, _fake) = match std::env::var("GROUNDLIGHT_API_TOKEN") {
        Ok(token) if !token.trim().is_empty() => {
            let gl = Groundlight::from_env()?;
            println!("Using the Groundlight service at {}", gl.endpoint());
            (gl, None)
        }
        _ => {
            let fake = FakeGroundlight::start().await;
            println!(
                "GROUNDLIGHT_API_TOKEN is not set: using the in-process fake API at {}",
                fake.base_url()
            );
            (fake.client(), Some(fake))
        }
    };

    println!("Signed in as {}", gl.whoami().await?);

    let detector = gl
        .get_or_create_detector("door", "Is the door open?")
        .confidence_threshold(0.9)
        .send()
        .await?;
    println!(
        "Detector {} ({}): \"{}\"",
        detector.name, detector.id, detector.query
    );

    let image_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/assets/door.jpg");
    let iq = gl
        .submit_image_query(&detector, Image::from_path(&image_path))
        .wait(Duration::from_secs(10))
        .send()
        .await?;
    println!(
        "Submitted {} as {}: {} (confidence {})",
        image_path.display(),
        iq.id,
        iq.label().unwrap_or("no answer yet"),
        iq.confidence()
            .map_or_else(|| "n/a".to_owned(), |c| format!("{c:.2}"))
    );

    let threshold = detector.confidence_threshold.unwrap_or(0.9);
    let iq = if iq.is_confident(threshold) {
        iq
    } else {
        println!("Not confident yet; waiting up to 30 s for a confident answer…");
        gl.wait_for_confident_result(&iq)
            .confidence_threshold(threshold)
            .timeout(Duration::from_secs(30))
            .send()
            .await?
    };

    let source = iq
        .source()
        .map_or_else(|| "unknown".to_owned(), |s| s.to_string());
    match iq.confidence() {
        Some(confidence) if iq.is_confident(threshold) => println!(
            "Answer: {} (confidence {confidence:.2}, from {source})",
            iq.label().unwrap_or("?")
        ),
        confidence => println!(
            "No confident answer within the wait; last answer: {} (confidence {}, from {source})",
            iq.label().unwrap_or("none"),
            confidence.map_or_else(|| "n/a".to_owned(), |c| format!("{c:.2}"))
        ),
    }
    Ok(())
}
