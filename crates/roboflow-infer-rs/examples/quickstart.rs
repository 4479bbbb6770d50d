//! Quickstart: detect objects in an image, list the server's models, run a workflow, and (with
//! the `image` feature) write the image with its predictions drawn on it.
//!
//! Runs against the in-process fake server unless `ROBOFLOW_API_KEY` is set, in which case it
//! calls the hosted API (`ROBOFLOW_MODEL`, default `coco/3`, on the file `ROBOFLOW_IMAGE` or a
//! sample image URL).
//!
//! ```text
//! cargo run -p roboflow-infer-rs --example quickstart --features testing,image
//! ```

#![allow(clippy::print_stdout)]

use roboflow_infer::testing::FakeRoboflow;
use roboflow_infer::{Image, InferenceClient, InferenceResponse};

/// A 320×240 demo picture (a real JPEG with the `image` feature).
fn demo_image() -> Vec<u8> {
    #[cfg(feature = "image")]
    {
        let img = image::RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([(x / 2) as u8, (y / 2) as u8, 160])
        });
        vision_sdk_common::image::encode_jpeg(&image::DynamicImage::ImageRgb8(img), 90)
            .map(|b| b.to_vec())
            .unwrap_or_else(|_| roboflow_infer::testing::sample_jpeg())
    }
    #[cfg(not(feature = "image"))]
    roboflow_infer::testing::sample_jpeg()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> roboflow_infer::Result<()> {
    let mut _fake = None;
    let (client, model, image, bytes) = match std::env::var("ROBOFLOW_API_KEY") {
        Ok(key) if !key.trim().is_empty() => {
            let model = std::env::var("ROBOFLOW_MODEL").unwrap_or_else(|_| "coco/3".into());
            println!("calling the hosted API with model {model}");
            let client = InferenceClient::new(key)?;
            match std::env::var("ROBOFLOW_IMAGE") {
                Ok(path) => {
                    let bytes = std::fs::read(&path).ok();
                    (client, model, Image::from_path(path), bytes)
                }
                Err(_) => (
                    client,
                    model,
                    Image::from_url("https://media.roboflow.com/inference/people-walking.jpg"),
                    None,
                ),
            }
        }
        _ => {
            let fake = FakeRoboflow::start().await;
            println!(
                "ROBOFLOW_API_KEY is not set: using the fake server at {}",
                fake.base_url()
            );
            let client = fake.client();
            _fake = Some(fake);
            let bytes = demo_image();
            (
                client,
                "fake-od/1".to_owned(),
                Image::from_bytes(bytes.clone()),
                Some(bytes),
            )
        }
    };
    println!("server: {} ({} routes)", client.base_url(), client.mode());

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

    #[cfg(feature = "image")]
    if let Some(bytes) = &bytes {
        let annotated = roboflow_infer::draw::annotate(bytes, &result)?;
        let path = std::env::temp_dir().join("roboflow-quickstart-annotated.jpg");
        if std::fs::write(&path, annotated).is_ok() {
            println!("annotated image: {}", path.display());
        }
    }
    #[cfg(not(feature = "image"))]
    let _ = bytes;

    if client.mode() == roboflow_infer::ApiMode::V1 {
        let models = client.list_loaded_models().await?;
        for m in &models.models {
            println!("loaded: {} ({})", m.model_id, m.task_type);
        }
        let run = client
            .run_workflow("my-workspace", "count-dogs")
            .image("image", Image::from_bytes(demo_image()))
            .excluded_fields(["visualization"])
            .await?;
        println!("workflow outputs: {}", run.outputs.len());
    }
    Ok(())
}
