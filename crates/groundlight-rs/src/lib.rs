//! Async Rust SDK for the [Groundlight](https://www.groundlight.ai) computer-vision API: ask
//! natural-language questions about images and get confident answers, from ML models backed by
//! human review.
//!
//! A port of the official `groundlight` Python SDK (1.3.1) with the same meaning on the wire:
//! the same endpoints, headers, query parameters and bodies and the same polling for confident
//! answers, plus typed results, streams over pages and no silent failures. Retries follow the
//! official SDK for calls that are safe to repeat and never re-send a create after the server
//! may have acted on it (see [`retry`]).
//!
//! # Quickstart
//!
//! ```no_run
//! use std::time::Duration;
//! use groundlight::{Groundlight, Image};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> groundlight::Result<()> {
//! // Reads GROUNDLIGHT_API_TOKEN (and GROUNDLIGHT_ENDPOINT, if set).
//! let gl = Groundlight::from_env()?;
//! let detector = gl
//!     .get_or_create_detector("door", "Is the door open?")
//!     .confidence_threshold(0.9)
//!     .await?;
//! let iq = gl
//!     .submit_image_query(&detector, Image::from_path("door.jpg"))
//!     .wait(Duration::from_secs(10))
//!     .send()
//!     .await?;
//! let iq = gl.wait_for_confident_result(&iq).timeout(Duration::from_secs(30)).await?;
//! println!("answer: {:?} (confidence {:?})", iq.label(), iq.confidence());
//! # Ok(())
//! # }
//! ```
//!
//! # Porting from Python
//!
//! The crate README has the full porting table (methods, parameters, exceptions and every
//! deliberate difference). In short:
//!
//! | Python | Rust |
//! |---|---|
//! | `Groundlight()` / `Groundlight(api_token=t)` / `Groundlight(endpoint=e)` | [`Groundlight::from_env`] / [`Groundlight::new`] / `Groundlight::builder().endpoint(e).build()` (the token from the environment) |
//! | `gl.submit_image_query(det, img, wait=10, confidence_threshold=0.9)` | `gl.submit_image_query(&det, img).wait(secs(10)).confidence_threshold(0.9).await` |
//! | `gl.ask_confident` / `ask_ml` / `ask_async` | [`Groundlight::ask_confident`] / [`Groundlight::ask_ml`] / [`Groundlight::ask_async`] |
//! | `gl.wait_for_confident_result(iq, timeout_sec=30)` | [`Groundlight::wait_for_confident_result`] (`.error_on_timeout(true)` for an [`Error::Timeout`]) |
//! | `gl.list_detectors(page, page_size)` | [`Groundlight::list_detectors`] (`.send()` one page, `.stream()` all) |
//! | `gl.add_label(iq, "YES", rois)` | [`Groundlight::add_label`] |
//! | `ExperimentalApi().create_note(...)` | [`Groundlight::create_note`] (experimental calls are on the one client) |
//! | `gl.edge.get_config()`, `EdgeEndpointConfig.from_yaml(…)`, `NO_CLOUD` | [`Groundlight::edge`], [`edge::EdgeEndpointConfig::from_yaml`], [`edge::NO_CLOUD`] |
//! | `Groundlight(enable_token_rotation=True)` (Python's default) | `Groundlight::builder().token_rotation(true)` ([`tokens`]) |
//! | exceptions (`NotFoundError`, `ApiTokenError`, `ApiException`…) | one [`Error`] enum (mapping in [`error`]) |
//!
//! Differences, on purpose: construction sends no request (no `/v1/me` check); token
//! rotation is opt-in ([`GroundlightBuilder::token_rotation`], see [`tokens`]: it mints and
//! revokes the account's tokens and keeps them on disk, so it is not done unasked); names in
//! `?name=` lookups are percent-encoded; the true image `Content-Type` is sent; 429 answers are
//! retried as `Retry-After` says; a create is never re-sent after the server may have acted on
//! it (a detector create is reconciled by name instead).
//!
//! # Features
//!
//! - `rustls` (default) / `native-tls`: the TLS backend.
//! - `http2`: HTTP/2 beside HTTP/1.1, negotiated by ALPN (off by default: the official SDK speaks
//!   HTTP/1.1, and HTTP/2 adds ~17 CPU-seconds to a clean build).
//! - `jpeg` (default): the official SDK's image handling with light codecs — PNG converted to
//!   JPEG, images over 256,000 bytes shrunk to a 1024 px long side (PIL's bicubic, bit for bit)
//!   at quality 85 (see [`images`]). Without it, images are sent as they are.
//! - `image`: decoded pixels ([`image::DynamicImage`], RGB/BGR buffers) as input, and conversion
//!   of GIF/WebP/BMP/TIFF to JPEG too, through the `image` crate.
//! - `testing`: [`testing::FakeGroundlight`], an in-process fake of the API for your tests.

pub mod account;
mod call;
pub mod client;
pub mod detectors;
pub mod edge;
pub mod error;
pub mod experimental;
pub mod image_queries;
pub mod images;
pub mod inspections;
pub mod labels;
pub mod metadata;
pub mod mlbinary;
pub mod models;
pub mod raw;
pub mod retry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;

pub use client::{
    DEFAULT_BASE_URL, DEFAULT_TIMEOUT, DetectorRef, ENV_API_KEY, ENV_BASE_URL,
    ENV_DISABLE_TLS_VERIFY, ENV_SHRINK_OVERSIZED_IMAGES, Groundlight, GroundlightBuilder,
    ImageQueryRef, sanitize_endpoint,
};
pub use detectors::{CreateDetector, GetOrCreateDetector, ListDetectors};
pub use edge::EdgeApi;
pub use error::{Error, Result};
pub use experimental::{
    AskVlmVerify, CreateNote, CreatePrimingGroup, GenerateSyntheticImage, ListDetectorPipelines,
    ListPrimingGroups, VlmImages, synthetic_image_bytes,
};
pub use image_queries::{
    AskAsync, AskConfident, AskMl, DEFAULT_WAIT, HumanReview, ListImageQueries, SubmitImageQuery,
    WaitForConfidentResult, WaitForMlResult,
};
pub use images::Image;
pub use labels::{AddLabel, LabelAnswer, create_roi};
pub use mlbinary::MlBinaries;
pub use raw::{GenericApiRequest, RawResponse};
pub use retry::{default_retry_policy, is_retryable_status};
pub use tokens::{ENV_TOKEN_DIR, TokenRotationStatus};

/// The shared crate, re-exported so users name the same versions.
pub use vision_sdk_common as common;
/// The old name of [`common`], kept (hidden) while the tests move to it.
#[doc(hidden)]
pub use vision_sdk_common;
pub use vision_sdk_common::page::Page;
pub use vision_sdk_common::{
    ClientOptions, CredentialError, ManualClock, MediaInput, MediaSource, RetryPolicy, Secret,
};

/// The `image` crate, re-exported for decoded-pixel input (feature `image`).
#[cfg(feature = "image")]
pub use image;

/// The crate version (sent as `x-sdk-version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
