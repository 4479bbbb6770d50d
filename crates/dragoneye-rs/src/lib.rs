//! Async Rust SDK for the [Dragoneye](https://dragoneye.ai) image and video recognition API,
//! wire-compatible with the official Python SDK `dragoneye-python` 2.0.1 (the same requests;
//! retries differ where said below).
//!
//! ```no_run
//! use dragoneye::{Dragoneye, Image, Video};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> dragoneye::Result<()> {
//! let client = Dragoneye::from_env()?; // or Dragoneye::new("<api key>")?
//!
//! // Model names have the form `recognize_anything/<model>`.
//! let result = client
//!     .classification()
//!     .predict_image(Image::from_path("houses.jpg"), "recognize_anything/houses")
//!     .await?;
//! for object in &result.objects {
//!     for category in &object.categories {
//!         println!("{} {:.2} at {:?}", category.name, category.score, object.bbox_observation.normalized_bbox);
//!     }
//! }
//!
//! // A video is streamed from disk, whatever its size.
//! let result = client
//!     .classification()
//!     .predict_video(Video::from_path("intersection.mp4"), "recognize_anything/traffic")
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
//! submitted first and collected later ([`Classification::submit`]). Every input is checked
//! before the first request.
//!
//! # Retries
//! What is retried is stated in one place, [`retry`]: API calls on HTTP 429 (honouring a
//! parsable `Retry-After`) and connect errors, the two reads (`status`, results) also on
//! timeouts and broken connections, with exponential backoff (1, 2, 4 … s, full jitter)
//! within [`max_retries`](DragoneyeBuilder::max_retries) attempts and
//! [`max_backoff_time`](DragoneyeBuilder::max_backoff_time); the upload, on its own policy,
//! also on 5xx. The official SDK retries 429 only and never the upload.
//!
//! # Errors
//! One [`Error`] enum; its docs map the official exception names to its variants and say how
//! to recover from an ambiguous `start`.
//!
//! # Features
//! - `rustls` (default) / `native-tls`: the TLS backend.
//! - `http2`: HTTP/2 beside HTTP/1.1, negotiated by ALPN (off by default: the official SDK speaks
//!   HTTP/1.1, and HTTP/2 adds ~17 CPU-seconds to a clean build).
//! - `testing`: [`testing::FakeDragoneye`], an in-process fake of the API and of the upload
//!   target for tests and demos.

pub mod classification;
pub mod client;
pub mod error;
pub mod media;
pub mod models;
pub mod params;
pub mod results;
pub mod retry;
#[cfg(feature = "testing")]
pub mod testing;

pub use classification::{
    Classification, DOCS_FRAMES_PER_SECOND, PredictImage, PredictVideo, PredictionResults,
    RESPONSE_VERSION, TaskOptions, Wait,
};
pub use client::{DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Dragoneye, DragoneyeBuilder, ENV_API_KEY};
pub use error::{BoxError, Error, Result};
pub use media::{Image, Media, PathOptions, Video};
pub use models::{
    BboxObservation, ClassificationPredictImageResponse, ClassificationPredictVideoResponse,
    ImageAttributePrediction, ImageCategoryPrediction, ImageDetectedObject, NormalizedBbox,
    PredictionTask, PredictionTaskState, PredictionTaskStatusResponse, PredictionType,
    PresignedPostRequest, ScoredTimestampRange, SignedUrl, TimestampRange,
    VideoAttributePrediction, VideoBboxObservation, VideoCategoryPrediction, VideoDetectedObject,
};
pub use params::ParamValue;
pub use results::{ResultsDecodeError, split_prediction_archive};

// The shared building blocks that appear in this crate's API (family convention C12).
pub use vision_sdk_common as common;
pub use vision_sdk_common::mime::Mime;
pub use vision_sdk_common::page::Page;
pub use vision_sdk_common::{
    ClientOptions, Clock, CredentialError, HttpError, ManualClock, MediaInput, MediaSource,
    RetryPolicy, Secret,
};
