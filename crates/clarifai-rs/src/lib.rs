//! Async Rust SDK for [Clarifai](https://www.clarifai.com) over its JSON REST API
//! (`https://api.clarifai.com/v2`): apps, datasets, inputs and annotations, models and
//! predictions, workflows, search and runners — the surface of the official `clarifai` Python
//! SDK, with reqwest + serde instead of gRPC.
//!
//! ```no_run
//! use clarifai::{Clarifai, InputType};
//!
//! # async fn run() -> clarifai::Result<()> {
//! let client = Clarifai::from_env()?; // CLARIFAI_PAT (or CLARIFAI_SESSION_TOKEN)
//! let model = client.model_from_url("https://clarifai.com/clarifai/main/models/general-image-recognition")?;
//! let response = model.predict_by_url("https://samples.clarifai.com/dog.jpg", InputType::Image).await?;
//! for concept in &response.outputs[0].data.as_ref().unwrap().concepts {
//!     println!("{} {:.3}", concept.name, concept.value.unwrap_or(1.0));
//! }
//! # Ok(()) }
//! ```
//!
//! # The client and the handles
//!
//! [`Clarifai`] holds the credential (a PAT as `Authorization: Key …`, or a session token as
//! `X-Clarifai-Session-Token`; never both), the base URL, the default user (`me`) and app,
//! retries and timeouts, and one connection pool. Handles are cheap, `Clone` and `'static`
//! and send nothing until a call: [`User`] (`client.user(id)`), [`App`] (`client.app(id)`,
//! `user.app(id)`, `client.app_from_url(…)`), [`Dataset`], [`Inputs`], [`Model`],
//! [`Workflow`], [`Search`], [`Runner`]. Calls with options return builders that own a client
//! clone (`.send()` or `.await` directly); list calls return a [`List`] with `.page`,
//! `.per_page`, `.send()` (one page) and `.stream()` (every page until an empty one).
//!
//! | module | what it holds |
//! |---|---|
//! | [`status`] | [`StatusCode`]: all codes of `status_code.proto` (generated), open to new ones |
//! | [`models`] | the resources and responses (`Input`, `Model`, `Output`, …), proto3 JSON |
//! | [`inputs`] | input and annotation builders (`from_url`, `bbox_annotation`, …) and [`Inputs`] |
//! | [`retry`] | what is retried: throttling, model warm-up, HTTP statuses; idempotency per route |
//! | [`requests`] | the request bodies, as plain builders and pure functions |
//! | [`routes`] | every REST route this crate calls: method, path template, rendering |
//! | [`proto_json`] | the proto3 JSON rules: 64-bit integers as strings, base64 bytes, enums, `Struct` |
//! | [`urls`] | resources from `https://clarifai.com/{user}/{app}/…` URLs |
//! | `testing` | (feature `testing`) `FakeClarifai`, an in-process stateful fake |
//!
//! # Wire rules
//!
//! * Field names are the proto's snake_case names; enums are sent as numbers.
//! * Success is decided by the body's `status.code` ([`StatusCode::SUCCESS`], 10000), for any
//!   HTTP status; a non-success code is [`Error::Api`]. Batch calls that partly failed
//!   ([`StatusCode::MIXED_STATUS`]) return their items, each with its own status.
//! * `Concept.value` left out means 1.0 on the server, so an unset value is never sent
//!   ([`models::Concept::value`] is an `Option`); an explicit `0.0` is a negative label.
//! * Resources decoded from responses must carry their `id`: an input or model without one is
//!   a decode error, not a default.
//!
//! # Decisions where the seed docs and the SDK code disagree
//!
//! * **`create_app` base workflow**: the docs say `base_workflow='Language-Understanding'`,
//!   the code (10.2.1 and 12.5.0) uses `'Empty'`. This crate follows the code: `Empty`
//!   ([`CreateApp::base_workflow`] to choose another).
//! * **Search metric**: the docs say `metric='cosine'`, the code defaults to `euclidean`.
//!   Cosine is rejected with the default `nearest_neighbor` algorithm, so a cosine default
//!   would fail out of the box: this crate defaults to euclidean, like the code.
//! * **Search `top_k` over pages**: every page has the same size (`min(top_k, 1000)`) and the
//!   result is cut at `top_k`; the SDK shrinks the last page, which with page-number
//!   pagination skips hits.
//! * **`Dataset.export` format and layout**: the export is requested as `CLARIFAI_DATA_JSON`
//!   (a JSON client cannot read the SDK's binary protobuf archive), and
//!   [`Dataset::export_to`] unpacks the archive into `save_path` mirroring its own
//!   `{split}/…` folders (the SDK re-downloads every input's media into a new ZIP instead);
//!   `split` selects one top folder, `local_archive_path` unpacks without any request.
//! * **Runner CRUD**: clarifai-grpc 12.6.0 binds `PostRunners`, `DeleteRunners` and the item
//!   routes only under `/compute_clusters/{cc}/nodepools/{np}`, so those calls take the two
//!   ids the seed's signatures lack.
//!
//! # Not available over JSON REST (left out on purpose)
//!
//! * **The Module family** (`App.create_module`, `delete_module`, `list_modules`,
//!   `list_installed_module_versions`, `module`, `Module`, `Module.list_versions`): the RPCs
//!   were removed from the API in clarifai-grpc 12.1.2 and are absent from 12.6.0's routes.
//! * **Streaming RPCs**: `ProcessRunnerItems` (the current SDK's runner worker),
//!   `GenerateModelOutputs`, `StreamModelOutputs`, `StreamAnnotations`, uploads by stream
//!   (`PostModelVersionsUpload`, …). The JSON channel carries unary calls only; the
//!   [`Runner`] worker uses the unary `ListRunnerItems` / `PostRunnerItemOutputs` routes
//!   (see its docs for what the server may no longer serve).
//! * **`App.create_workflow(config_filepath, display)`**: [`App::create_workflow_from_yaml`]
//!   takes the file's text (node models created or re-versioned as the SDK does;
//!   `generate_new_id` supported); `display` (printing the node tree) is left to the caller.
//!
//! # Differences from the official JSON client, on purpose
//!
//! The official `ClarifaiChannel.get_json_channel()` also sends `user_app_id` in every body
//! or query string (the path already carries it), enum *names*, and `"value": 0.0` for concepts
//! whose value was never set (which the server reads as a negative label). This crate sends
//! none of those: ids in the path only, enums as numbers, unset values left out. It never
//! sends an empty `DeleteInputs`, and it sends the PAT to input or export URLs only when they
//! have the API's own origin.
//!
//! # Features
//!
//! - `rustls` (default) / `native-tls`: the TLS backend (forwarded to `vision-sdk-common`).
//! - `http2`: HTTP/2 beside HTTP/1.1, negotiated by ALPN (off by default: the official SDK speaks
//!   HTTP/1.1, and HTTP/2 adds ~17 CPU-seconds to a clean build).
//! - `testing`: `clarifai::testing::FakeClarifai`, the in-process fake Clarifai API.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

mod app;
mod client;
mod dataset;
pub mod error;
mod export_archive;
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
mod workflow_config;

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
pub use export_archive::{ALL_SPLITS, ExportOptions, ExportedDataset};
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
        let path =
            vision_sdk_testkit::require_shared(relative, &vision_sdk_testkit::current_test_name())?;
        Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    }
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
