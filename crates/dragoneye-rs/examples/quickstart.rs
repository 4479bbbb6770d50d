//! The official README's quick start, in Rust.
//!
//! With `DRAGONEYE_API_KEY` set it calls the real service:
//!
//! ```text
//! DRAGONEYE_API_KEY=… cargo run -p dragoneye-rs --example quickstart --features testing -- photo.jpg example.mp4
//! ```
//! (model from `DRAGONEYE_MODEL`, default `recognize_anything/your_model_name`). Without it, it
//! runs offline against the crate's fake server (`dragoneye::testing`) with generated media.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use dragoneye::testing::{DEMO_POLL_INTERVAL, FakeDragoneye};
use dragoneye::{Dragoneye, Image, PathOptions, Video};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let image_path = PathBuf::from(args.next().unwrap_or_else(|| "photo.jpg".to_owned()));
    let video_path = PathBuf::from(args.next().unwrap_or_else(|| "example.mp4".to_owned()));
    let model_name = std::env::var("DRAGONEYE_MODEL")
        .unwrap_or_else(|_| "recognize_anything/your_model_name".to_owned());

    // Real service when the key is set, else the in-process fake with generated media.
    if std::env::var_os("DRAGONEYE_API_KEY").is_some() {
        println!("using the Dragoneye API (DRAGONEYE_API_KEY is set)");
        let client = Dragoneye::from_env()?;
        return run(&client, image_path, video_path, &model_name, None).await;
    }
    println!("DRAGONEYE_API_KEY is not set: using the built-in fake server");
    let fake = FakeDragoneye::start().await;
    fake.set_image_results(FakeDragoneye::sample_image_objects());
    let (objects, timestamps) = FakeDragoneye::sample_video_objects();
    fake.set_video_results(objects, Some(timestamps));
    fake.set_default_frames_per_second(2);
    let client = fake
        .client_builder()
        .poll_interval(DEMO_POLL_INTERVAL)
        .build()?;
    let dir = tempfile::tempdir()?;
    let image = dir
        .path()
        .join(image_path.file_name().unwrap_or("photo.jpg".as_ref()));
    let video = dir
        .path()
        .join(video_path.file_name().unwrap_or("example.mp4".as_ref()));
    std::fs::write(&image, b"\xFF\xD8\xFF\xE0 demo jpeg")?;
    std::fs::write(&video, b"\0\0\0\x18ftypisom demo video")?;
    run(&client, image, video, &model_name, Some(fake)).await
}

async fn run(
    client: &Dragoneye,
    image_path: PathBuf,
    video_path: PathBuf,
    model_name: &str,
    fake: Option<FakeDragoneye>,
) -> Result<(), Box<dyn std::error::Error>> {
    // Example: predict from an image.
    let image = Image::from_path(&image_path);
    let image_result = client
        .classification()
        .predict_image(image, model_name)
        .await?;

    // Example: predict from a video. When loading a file you can pass a name or identifier
    // you use for your own files; the video is streamed from disk, whatever its size.
    let video = Video::from_path_with(&video_path, PathOptions::new().name("any-file-name"));
    let video_result = client
        .classification()
        .predict_video(video, model_name)
        .await?;

    // Accessing image results.
    for obj in &image_result.objects {
        let bbox = obj.bbox_observation.normalized_bbox;
        let Some(top_category) = obj
            .categories
            .iter()
            .max_by(|a, b| a.score.total_cmp(&b.score))
        else {
            continue;
        };
        println!(
            "Category: {} ({:.2}) at {bbox:?}",
            top_category.name, top_category.score
        );
        for attr in &top_category.attributes {
            println!(
                "  {}: {} ({:.2})",
                attr.attribute_name, attr.option_name, attr.score
            );
        }
    }

    // Accessing video results: tracked objects over time.
    println!(
        "video {}: {} tracked object(s) at {} fps over {} frame(s)",
        video_result
            .original_file_name
            .as_deref()
            .unwrap_or("(unnamed)"),
        video_result.objects.len(),
        video_result.frames_per_second,
        video_result.frame_timestamps_microseconds.len()
    );
    for obj in &video_result.objects {
        let seen = obj
            .bbox_observations
            .iter()
            .filter(|o| o.observation.is_some())
            .count();
        let name = obj.categories.first().map_or("?", |c| c.name.as_str());
        println!(
            "  object {} ({name}): seen on {seen} of {} sampled frames, ranges {:?}",
            obj.object_id,
            obj.bbox_observations.len(),
            obj.timestamp_ranges
                .iter()
                .map(|r| (r.timestamp_start_us_inclusive, r.timestamp_end_us_inclusive))
                .collect::<Vec<_>>()
        );
    }

    if let Some(fake) = fake {
        println!("fake server saw {} requests", fake.requests().len());
    }
    Ok(())
}
