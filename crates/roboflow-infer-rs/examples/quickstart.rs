//! Quickstart: detect objects in an image, list the server's models, run a workflow.
//!
//! Runs against the in-process fake server unless `ROBOFLOW_API_KEY` is set, in which case it
//! calls the hosted API (`ROBOFLOW_MODEL`, default `coco/3`, on `ROBOFLOW_IMAGE` or a sample).
//!
//! ```text
//! cargo run -p roboflow-infer-rs --example quickstart --features testing
//! ```

#![allow(clippy::print_stdout)]

use roboflow_infer::testing::{FakeRoboflow, sample_jpeg};
use roboflow_infer::{Image, InferenceClient, InferenceResponse};

#[tokio::main(flavor = "current_thread")]
async fn main() -> roboflow_infer::Result<()> {
    let (client, model, image, _fake) = match std::env::var("ROBOFLOW_API_KEY") {
        Ok(key) if !key.trim().is_empty() => {
            let model = std::env::var("ROBOFLOW_MODEL").unwrap_or_else(|_| "coco/3".into());
            let image = match std::env::var("ROBOFLOW_IMAGE") {
                Ok(path) => Image::from_path(path),
                Err(_) => {
                    Image::from_url("https://media.roboflow.com/inference/people-walking.jpg")
                }
            };
            println!("calling the hosted API with model {model}");
            (InferenceClient::new(key)?, model, image, None)
        }
        _ => {
            let fake = FakeRoboflow::start().await;
            println!(
                "ROBOFLOW_API_KEY is not set: using the fake server at {}",
                fake.base_url()
            );
            let client = fake.client();
            (
                client,
                "fake-od/1".to_owned(),
                Image::from_bytes(sample_jpeg()),
                Some(fake),
            )
        }
    };
    println!(
        "server: {:?} ({} routes)",
        client.base_url().as_str(),
        client.mode()
    );

    let result = client
        .infer(&model, image)
        .confidence_threshold(0.4)
        .await?;
    match &result {
        InferenceResponse::ObjectDetection(detections) => {
            for p in &detections.predictions {
                println!(
                    "{:>10} {:.2} at ({:.0}, {:.0}) size {:.0}x{:.0}",
                    p.class_name, p.confidence, p.x, p.y, p.width, p.height
                );
            }
        }
        other => println!("{other:?}"),
    }

    if client.mode() == roboflow_infer::ApiMode::V1 {
        let models = client.list_loaded_models().await?;
        for m in &models.models {
            println!("loaded: {} ({})", m.model_id, m.task_type);
        }
        let run = client
            .run_workflow("my-workspace", "count-dogs")
            .image("image", Image::from_bytes(sample_jpeg()))
            .excluded_fields(["visualization"])
            .await?;
        println!("workflow outputs: {}", run.outputs.len());
    }
    Ok(())
}
