//! Test support shared by the `vision-sdk-rs` crates. Unpublished (`publish = false`) and used
//! only as a path dev-dependency, so it may know about the workspace: where the facts folder
//! (`../shared`) is, where the target directory is.
//!
//! - [`shared_dir`], [`shared_path`], [`require_shared`]: the facts folder, and the
//!   skip-locally / fail-in-CI policy of the tests that need it (skips are logged to
//!   `$VISION_SDK_SKIP_LOG` for `cargo xtask ci` to count);
//! - [`openapi`]: a request validator for Swagger 2.0 and OpenAPI 3.0/3.1 specs;
//! - [`Compare`]: a golden-request comparator over [`RecordedRequest`];
//! - [`capture_traces`]: `tracing` (and `log`) capture for secret-leak tests;
//! - [`dead_port`], [`temp_file`], tiny media fixtures ([`JPEG`], [`PNG`], [`jpeg_bytes`]…);
//! - [`fault_server`]: a loopback HTTP/1.1 server that misbehaves on purpose (resets, truncated
//!   and slow bodies, keep-alive races, cross-origin redirects, credential echoes), scripted per
//!   request and recording every request it receives;
//! - [`bench`](mod@bench): the Python-runner plumbing of the benches that compare with the official SDKs.
//!
//! The one request shape is common's [`RecordedRequest`] (feature `testing`), which the
//! providers' fakes record; [`from_wiremock`] converts what a wiremock server received.

pub mod bench;
pub mod fault_server;
mod files;
mod fixtures;
mod golden;
mod net;
pub mod openapi;
mod shared;
mod tally;
mod trace;

pub use files::{TempFile, temp_dir, temp_file};
pub use fixtures::{JPEG, JPEG_HEADER, MP4_HEADER, PNG, jpeg_bytes, mp4_bytes};
pub use golden::{Compare, from_wiremock};
pub use net::{dead_port, dead_url};
pub use shared::{
    SHARED_DIR_ENV, SKIP_LOG_ENV, current_test_name, record_skip, require_shared,
    require_shared_json, shared_candidates, shared_dir, shared_path, workspace_root,
};
pub use tally::Tally;
pub use trace::{
    CaptureBuffer, TraceCapture, capture_subscriber, capture_traces, capture_traces_globally,
};
pub use vision_sdk_common::testing::{RecordedPart, RecordedRequest};
