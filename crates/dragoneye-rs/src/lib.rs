//! Async Rust SDK for the [Dragoneye](https://dragoneye.ai) image and video recognition API,
//! wire-compatible with the official Python SDK `dragoneye-python` 2.0.
//!
//! ```no_run
//! use dragoneye::{Dragoneye, Image, Video};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), dragoneye::Error> {
//! let client = Dragoneye::from_env()?; // or Dragoneye::new("<api key>")?
//!
//! let image = Image::from_path("houses.jpg").await?;
//! let result = client
//!     .classification()
//!     .predict_image(image, "dragoneye/houses")
//!     .await?;
//! for object in &result.objects {
//!     for category in &object.categories {
//!         println!("{} {:.2} at {:?}", category.name, category.score, object.bbox_observation.normalized_bbox);
//!     }
//! }
//!
//! // A video is streamed from disk, whatever its size.
//! let video = Video::from_path("intersection.mp4").await?;
//! let result = client
//!     .classification()
//!     .predict_video(video, "dragoneye/traffic")
//!     .frames_per_second(2)
//!     .await?;
//! println!("{} tracked objects", result.objects.len());
//! # Ok(())
//! # }
//! ```
//!
//! # How a prediction runs
//! Begin a task, upload the media to a presigned URL (streamed; never with the API key), start
//! the prediction, poll the status every second, then fetch and decode the results (a ZIP of
//! Parquet files). Each step is also a method of [`Classification`], so many media can be
//! submitted first and collected later ([`Classification::submit`]).
//!
//! Every API call is retried on HTTP 429 (honouring `Retry-After`) with exponential backoff
//! (1, 2, 4 … s, full jitter) within [`max_retries`](DragoneyeBuilder::max_retries) attempts and
//! [`max_backoff_time`](DragoneyeBuilder::max_backoff_time); the upload also on 5xx and
//! connection errors.
//!
//! # Features
//! - `rustls` (default) / `native-tls`: the TLS backend.
//! - `testing`: [`testing::FakeDragoneye`], an in-process fake of the API and of the upload
//!   target for tests and demos.

pub mod classification;
pub mod client;
pub mod error;
pub mod media;
pub mod models;
pub mod results;
#[cfg(feature = "testing")]
pub mod testing;

pub use classification::{
    Classification, PredictImage, PredictVideo, PredictionResults, PredictionTask,
    PresignedPostRequest, SignedUrl, TaskOptions,
};
pub use client::{Dragoneye, DragoneyeBuilder};
pub use error::{Error, Result};
pub use media::{Image, Media, PathOptions, Video};
pub use models::{
    BboxObservation, ClassificationPredictImageResponse, ClassificationPredictVideoResponse,
    ImageAttributePrediction, ImageCategoryPrediction, ImageDetectedObject, NormalizedBbox,
    PredictionTaskState, PredictionTaskStatusResponse, PredictionType, ScoredTimestampRange,
    TimestampRange, VideoAttributePrediction, VideoBboxObservation, VideoCategoryPrediction,
    VideoDetectedObject,
};
pub use results::DecodeError;

// The shared building blocks that appear in this crate's API.
pub use vision_sdk_common::{self as common, ManualClock, MediaSource};
