//! Building blocks of the providers' in-process fakes (feature `testing`): the one
//! [`RecordedRequest`] shape, [`Fault`] injection, the [`FakeServer`] skeleton and a small
//! multipart parser.
//!
//! Every provider's `testing` module builds its fake from these, so all fakes have the same
//! shape: `start()`, `start_with_key(key)`, `base_url()`, `api_key()`, `client()`,
//! `client_builder()`, `requests() -> Vec<RecordedRequest>`, `inject(Fault)` and `Clone`.
//!
//! Not for production use: this module exists for tests and demos, and may change in any
//! release (see `docs/releasing.md`).

mod fault;
pub mod multipart;
mod request;
mod server;

pub use fault::{Fault, FaultKind, FaultQueue, Matcher};
pub use request::{RecordedPart, RecordedRequest, content_hash, parse_query, percent_decode};
pub use server::{FakeResponse, FakeServer, FakeService};
