//! Async Rust client for [Roboflow inference](https://inference.roboflow.com): the hosted
//! serverless API (`https://serverless.roboflow.com`, the "v0" routes) and self-hosted
//! `inference` servers (the "v1" routes), wire-compatible with the official Python
//! `inference-sdk` 1.8.3 (`InferenceHTTPClient`).
//!
//! ```no_run
//! use roboflow_infer::{Image, InferenceClient};
//!
//! # async fn run() -> roboflow_infer::Result<()> {
//! // Hosted (v0 routes): `ROBOFLOW_API_KEY` from the environment.
//! let client = InferenceClient::from_env()?;
//! let result = client.infer("coco/3", Image::from_path("dog.jpg")).confidence_threshold(0.5).await?;
//! if let Some(detections) = result.as_object_detection() {
//!     for p in &detections.predictions {
//!         println!("{} {:.2}", p.class_name, p.confidence);
//!     }
//! }
//! // Self-hosted (v1 routes): any other URL.
//! let local = InferenceClient::builder().api_url("http://localhost:9001").build()?;
//! let run = local.run_workflow("my-ws", "count-dogs").image("image", Image::from_path("dog.jpg")).await?;
//! # let _ = run;
//! # Ok(())
//! # }
//! ```
//!
//! # What is here
//!
//! - [`InferenceClient`]: `new(key)`, `from_env()`, `builder()` (the shared client options plus
//!   `api_url`, [`mode`](InferenceClientBuilder::mode), `api_key_transport`, `configuration`,
//!   `url_input_policy`, `model_description_cache`). Default timeout [`DEFAULT_TIMEOUT`] (the
//!   official client has none); retries as upstream ([`retry`]).
//! - Inference: [`InferenceClient::infer`] / [`infer_many`](InferenceClient::infer_many) in both
//!   route styles (see the `infer` builder, [`InferCall`]), images from paths, bytes, URLs
//!   fetched under a [`UrlInputPolicy`], URLs the server fetches, base64, decoded pixels;
//!   on v0 also as a streamed `multipart/form-data` upload
//!   ([`multipart_upload`](InferCall::multipart_upload)).
//! - Frames: [`InferenceClient::infer_on_stream`] (a [`Stream`](futures_core::Stream) of
//!   `(id, frame, result)` over a [`FrameSource`]: a directory, an iterator or a stream of
//!   images).
//! - Video: [`InferenceClient::infer_on_video`] (action recognition; v1 and v0).
//! - Model registry: `list_loaded_models`, `load_model`, `unload_model`, `unload_all_models`,
//!   `get_model_description`, `start_model_legacy`, `clear_cache_legacy`.
//! - Workflows: `run_workflow`, `run_workflow_specification`, the deprecated
//!   `infer_from_workflow*`, `describe_workflow_interface` (named and inline),
//!   `describe_workload`, `validate_workflow`, `describe_blocks` (GET and POST forms,
//!   `air_gapped`), `execution_engine_versions`,
//!   `workflow_definition_schema`, `workflow_block_dynamic_outputs`.
//! - Server: `get_server_info`, `healthz`, `readiness`, `metrics`, `logs`, `device_stats`.
//! - Core models ([`CoreModelCall`]): OCR (doctr, TrOCR, EasyOCR, PP-OCR), CLIP, Perception
//!   Encoder, `get_image_embeddings`, YOLO-World, Grounding DINO, OWLv2, SAM, SAM2, SAM3
//!   (embed, concept, visual, 3D), LMMs, depth estimation.
//! - Stream API: `start_inference_pipeline_with_workflow`, `list_inference_pipelines`,
//!   `get_inference_pipeline_status`, `pause`/`resume`/`terminate_inference_pipeline`,
//!   `consume_inference_pipeline_result`.
//! - A route the server lacks is [`Error::NotAvailable`], not a bare 404.
//! - The data layer: [`mode`] (the prefix rule), [`config`] ([`InferenceConfiguration`] and its
//!   wire names), [`models`] (typed responses by [`TaskType`]), [`aliases`], [`rescale`].
//!
//! # Out of scope, on purpose
//!
//! - **WebRTC** (`webrtc.stream`, `/initialise_webrtc_worker`, `/webrtc/session/*`,
//!   `/inference_pipelines/initialise_webrtc`): needs a WebRTC stack (ICE, DTLS, SRTP), far
//!   beyond an HTTP client.
//! - **Notebook** (`/notebook/start`) and **Workflow Builder** (`/build/*`) routes: browser UIs
//!   that answer HTML and need a CSRF token injected into that HTML.
//! - **Dashboard** (`/dashboard.html`): a UI page.
//! - **Gaze detection**: removed by the server (410 Gone); [`InferenceClient::detect_gazes`]
//!   fails as the official `detect_gazes` does, without a request.
//! - **Decoding video locally** (the official `infer_on_stream` with a video file, RTSP URL or
//!   webcam, read through OpenCV): needs FFmpeg/GStreamer or a large codec stack, far heavier
//!   than an HTTP client. [`InferenceClient::infer_on_stream`] takes frames you decode
//!   ([`FrameSource::stream`]) and scans directories; a clip is sent whole to an
//!   action-recognition model by [`InferenceClient::infer_on_video`].
//! - **`image_type=numpy`** on the legacy route: a pickled NumPy array, which the server
//!   unpickles only with `ALLOW_NUMPY_INPUT` (the hosted API refuses it), and which no Rust
//!   caller has; images go as base64 (the default `image_type`), multipart, or `?image=`.
//! - **Body members for the server's own use**: `model_type` (informational; the server takes
//!   the task from the model, and the official client never sends it), `is_preview`
//!   ("reserved, used internally by Roboflow") and `inner_workflow_dispatch_depth` (set by a
//!   server dispatching to another). Core-model calls can still send anything with
//!   [`CoreModelCall::param`].
//!
//! # Features
//!
//! - `rustls` (default) / `native-tls`: the TLS backend.
//! - `http2`: HTTP/2 beside HTTP/1.1, negotiated by ALPN (off by default: the official SDK speaks
//!   HTTP/1.1, and HTTP/2 adds ~17 CPU-seconds to a clean build).
//! - `jpeg` (default): client-side downsizing of JPEG and PNG images with the light codecs of
//!   `vision_sdk_common::codec` (JPEGs decoded at 1/2, 1/4 or 1/8 straight from the DCT when the
//!   target allows it).
//! - `image`: decoded pixels as input, downsizing of the other formats, PNG masks and depth maps,
//!   and `draw` (predictions drawn onto their image); implies `jpeg`.
//! - `testing`: `testing::FakeRoboflow`, an in-process fake inference server.

#[macro_use]
mod open_enum;
#[macro_use]
mod call;

pub mod aliases;
mod client;
pub mod config;
mod core_models;
#[cfg(feature = "image")]
pub mod draw;
mod error;
pub mod frames;
mod gauge;
mod infer;
mod input;
pub mod mode;
pub mod models;
mod registry;
pub mod rescale;
pub mod retry;
mod server;
mod streams;
pub mod task;
#[cfg(feature = "testing")]
pub mod testing;
pub mod url_input;
mod video;
mod workflows;

pub use client::{
    DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ENV_API_KEY, ENV_WORKFLOW_RUN_RETRIES_ENABLED,
    InferenceClient, InferenceClientBuilder,
};
pub use core_models::*;
pub use error::{Error, Result};
pub use frames::{FrameId, FrameSource, OnStreamCall, StreamFrame};
pub use infer::{InferCall, InferOutput};
pub use input::Image;
pub use models::InferenceResponse;
pub use server::LogsCall;
pub use streams::ConsumeCall;
pub use url_input::UrlInputPolicy;
pub use video::{Video, VideoCall};
pub use workflows::{DescribeBlocksCall, DescribeInterfaceCall, WorkflowCall};

pub use config::{
    ApiKeyTransport, Confidence, InferenceConfiguration, MaskDecodeMode, MaskFormat,
    ResponseFormat, V1Body, VisualisationFormat,
};
pub use mode::{ApiMode, HOSTED_API_URLS, ModeSelection};
pub use task::TaskType;

// The shared building blocks that appear in this crate's API.
pub use vision_sdk_common::page::Page;
pub use vision_sdk_common::{
    self as common, ClientOptions, CredentialError, MediaInput, MediaSource, RetryPolicy, Secret,
};
