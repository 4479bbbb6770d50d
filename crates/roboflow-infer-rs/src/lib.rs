//! Async Rust client for [Roboflow inference](https://inference.roboflow.com): the hosted
//! serverless API (`https://serverless.roboflow.com`, the "v0" routes) and self-hosted
//! `inference` servers (the "v1" routes), wire-compatible with the official Python
//! `inference-sdk` 1.8.3 (`InferenceHTTPClient`).
//!
//! This release holds the data layer every call is built on:
//!
//! - [`mode`]: v0 or v1, by exactly the official prefix rule (ten hosted URLs → v0), overridable.
//! - [`config`]: [`InferenceConfiguration`], every field of the official one with its v0 query
//!   names ([`InferenceConfiguration::v0_query`]) and v1 body members
//!   ([`InferenceConfiguration::v1_body`]) per task type; unset fields are not sent, the
//!   always-sent ones always are; per-call overrides merge two configurations.
//! - [`models`]: typed responses of every model family, chosen by [`TaskType`]
//!   ([`models::decode_inference`]); lenient to new fields and unknown enum values, strict
//!   about what identifies a prediction.
//! - [`aliases`]: the model aliases the official client resolves (`yolov8n-640` → `coco/3`).
//! - [`rescale`]: the client-side downsizing math of the official client (target size from the
//!   model's input size) and the exact rescaling of boxes, polygon points and keypoints back to
//!   the original image.
//!
//! ```
//! use roboflow_infer::{ApiMode, InferenceConfiguration, TaskType};
//!
//! let config = InferenceConfiguration::new().confidence_threshold(0.5).iou_threshold(0.4);
//! assert_eq!(ApiMode::for_url("https://serverless.roboflow.com"), ApiMode::V0);
//! // v0: `?confidence=0.5&overlap=0.4&…` (the legacy names)
//! let query = config.v0_query();
//! assert!(query.iter().any(|(name, value)| *name == "overlap" && value == "0.4"));
//! // v1: `{"confidence": 0.5, "iou_threshold": 0.4, …}`
//! let body = config.v1_body(&TaskType::ObjectDetection).unwrap();
//! assert_eq!(body.get("iou_threshold"), Some(&serde_json::json!(0.4)));
//! ```
//!
//! # Features
//!
//! - `rustls` (default) / `native-tls`: the TLS backend.
//! - `image`: decoded pixels as input and client-side downsizing of images.
//! - `testing`: an in-process fake inference server for tests and demos.

#[macro_use]
mod open_enum;
#[macro_use]
mod call;

pub mod aliases;
mod client;
pub mod config;
mod core_models;
mod error;
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
mod workflows;

pub use client::{
    DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ENV_API_KEY, ENV_WORKFLOW_RUN_RETRIES_ENABLED,
    InferenceClient, InferenceClientBuilder,
};
pub use core_models::*;
pub use error::{Error, Result};
pub use infer::{InferCall, InferOutput};
pub use input::Image;
pub use models::InferenceResponse;
pub use server::LogsCall;
pub use streams::ConsumeCall;
pub use url_input::UrlInputPolicy;
pub use workflows::{DescribeInterfaceCall, WorkflowCall};

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
