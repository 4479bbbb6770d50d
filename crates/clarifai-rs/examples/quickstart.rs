//! The Python SDK's quick start, in Rust: predict with a community model, then create an app,
//! upload inputs, search them, and clean up.
//!
//! With `CLARIFAI_PAT` set it calls the real API:
//!
//! ```text
//! CLARIFAI_PAT=… cargo run -p clarifai-rs --example quickstart --features testing
//! ```
//! Without it, it runs offline against the crate's fake server (`clarifai::testing`).
#![allow(clippy::print_stdout)]

use clarifai::models::{Filter, MediaKind, Rank};
use clarifai::testing::FakeClarifai;
use clarifai::{Clarifai, inputs};

const DOG: &str = "https://samples.clarifai.com/dog.jpg";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _fake;
    let client = if std::env::var_os("CLARIFAI_PAT").is_some() {
        println!("using the Clarifai API (CLARIFAI_PAT is set)");
        Clarifai::from_env()?
    } else {
        println!("CLARIFAI_PAT is not set: using the built-in fake server");
        let fake = FakeClarifai::start().await;
        let client = fake.client();
        _fake = fake;
        client
    };

    // 1. Predict with a public model, by URL (like `Model(url).predict_by_url(...)`).
    let model = client
        .model_from_url("https://clarifai.com/clarifai/main/models/general-image-recognition")?;
    let response = model
        .predict_by_url(DOG, MediaKind::Image)
        .max_concepts(3)
        .await?;
    for concept in &response.outputs[0]
        .data
        .as_ref()
        .map(|d| d.concepts.clone())
        .unwrap_or_default()
    {
        println!("  {:<12} {:.3}", concept.name, concept.value.unwrap_or(1.0));
    }

    // 2. An app of your own with two inputs.
    let app_id = format!("rust-quickstart-{:x}", std::process::id());
    let me = client.user("me");
    let app = me.create_app(&app_id).send().await?;
    println!("created app {}", app.id);
    let app = me.app(&app_id);
    let uploads = app.inputs();
    let job = uploads
        .upload_inputs(vec![
            inputs::from_url("dog-1", DOG, MediaKind::Image).with_labels(["dog"]),
            inputs::text("note-1", "a dog in the park"),
        ])
        .await?;
    uploads.wait_for_upload_job(&job.job_id).await?;
    println!("uploaded {} inputs (job {})", job.inputs.len(), job.job_id);

    // 3. Search for similar images.
    let hits = app
        .search()
        .top_k(5)
        .query()
        .rank(Rank::image_url(DOG))
        .filter(Filter::input_type(MediaKind::Image))
        .await?;
    for hit in &hits {
        println!(
            "  hit {:?} score {:.3}",
            hit.input.as_ref().map(|i| i.id.as_str()),
            hit.score
        );
    }

    // 4. Clean up.
    me.delete_app(&app_id).await?;
    println!("deleted app {app_id}");
    Ok(())
}
