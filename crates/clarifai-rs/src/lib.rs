//! Async Rust SDK for [Clarifai](https://www.clarifai.com) over its JSON REST API
//! (`https://api.clarifai.com/v2`): apps, datasets, inputs and annotations, models and
//! predictions, workflows, search and runners — the surface of the official `clarifai` Python
//! SDK, with reqwest + serde instead of gRPC.
//!
//! This release holds the wire layer; the client and the resource handles build on it:
//!
//! | module | what it holds |
//! |---|---|
//! | [`status`] | [`StatusCode`]: all codes of `status_code.proto` (generated), open to new ones |
//! | [`models`] | the resources and responses (`Input`, `Model`, `Output`, …), proto3 JSON |
//! | [`proto_json`] | the proto3 JSON rules: 64-bit integers as strings, base64 bytes, enums, `Struct` |
//! | [`routes`] | every REST route this crate calls: method, path template, rendering |
//! | [`requests`] | the request bodies, as plain builders and pure functions |
//! | [`urls`] | resources from `https://clarifai.com/{user}/{app}/…` URLs |
//!
//! # Wire rules
//!
//! * Field names are the proto's snake_case names.
//! * Success is decided by the body's `status.code` ([`StatusCode::SUCCESS`], 10000), for any
//!   HTTP status; batch calls carry per-item statuses ([`StatusCode::MIXED_STATUS`]).
//! * `Concept.value` left out means 1.0 on the server, so an unset value is never sent
//!   ([`models::Concept::value`] is an `Option`); an explicit `0.0` is a negative label.
//! * Resources decoded from responses must carry their `id`: an input or model without one is
//!   a decode error, not a default.
//!
//! # Differences from the official JSON client, on purpose
//!
//! The official `ClarifaiChannel.get_json_channel()` also sends `user_app_id` in every body
//! or query string (the path already carries it), enum *names*, and `"value": 0.0` for concepts
//! whose value was never set (which the server reads as a negative label). This crate sends
//! none of those: ids in the path only, enums as numbers, unset values left out.
//!
//! # Features
//!
//! - `rustls` (default) / `native-tls`: the TLS backend (forwarded to `vision-sdk-common`).
//! - `testing`: reserved for the in-process fake Clarifai API.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

mod app;
mod client;
mod dataset;
pub mod error;
pub mod inputs;
mod list;
mod model;
pub mod models;
pub mod proto_json;
pub mod requests;
mod response;
pub mod retry;
pub mod routes;
mod runner;
mod search;
pub mod status;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod urls;
mod user;
mod workflow;

pub use app::{App, InApp};
pub use client::{
    Clarifai, ClarifaiBuilder, Credential, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ENV_API_BASE,
    ENV_API_KEY, ENV_APP_ID, ENV_ROOT_CERTIFICATES_PATH, ENV_SESSION_TOKEN, ENV_USER_ID, ME,
    USER_AGENT,
};
pub use dataset::{
    BulkUpload, Content, CsvType, DataItem, DataLoader, Dataset, MAX_RETRIES, UploadReport,
    csv_items, folder_items,
};
pub use error::{ApiError, Error, Result};
pub use inputs::{Inputs, Upload, UploadJob};
pub use list::{List, STREAM_PER_PAGE};
pub use model::{Model, Predict, TRAINING_TIMEOUT};
pub use models::MediaKind as InputType;
pub use response::{ApiResponse, ListResponse};
pub use runner::{MAX_PARALLEL_POLLS, Runner, RunnerHandler};
pub use search::{DEFAULT_TOP_K, Search, SearchQuery};
pub use status::StatusCode;
pub use user::{CreateApp, User};
pub use workflow::{Workflow, WorkflowPredict, export_yaml};

pub use vision_sdk_common as common;
pub use vision_sdk_common::page::Page;
pub use vision_sdk_common::{
    ClientOptions, CredentialError, MediaInput, MediaSource, RetryPolicy, Secret,
};

#[cfg(test)]
mod test_support {
    /// A file of the shared facts folder, `None` (outside CI) when the folder is absent.
    pub(crate) fn shared_text(relative: &str) -> Option<String> {
        let path = vision_sdk_common::__private::shared_path(relative)?;
        Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    }
}
