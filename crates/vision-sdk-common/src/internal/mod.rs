//! **Unstable.** What provider crates use to implement calls: the executor and request spec,
//! retry classification, URL building, bounded concurrency, wire-model serde helpers, Python
//! text forms (`pyfmt`), and the poll and page drivers.
//!
//! Nothing here is covered by this crate's semver promise: it changes in minor releases, in
//! lockstep with the provider crates of the same workspace release (see `docs/releasing.md`).
//! Application code uses the stable root items ([`Secret`](crate::Secret),
//! [`RetryPolicy`](crate::RetryPolicy), [`ClientOptions`](crate::ClientOptions), media and error
//! types) through a provider crate.

pub mod batch;
pub mod classify;
pub mod execute;
pub mod pyfmt;
pub mod serde;
pub mod url;

pub use crate::page::{items, pages};
pub use crate::poll::poll_until;
pub use classify::{Attempt, Classify, ClassifyFn, RetryAction, RetryReason, StandardClassifier};
pub use execute::{
    Executor, ExecutorBuilder, HttpResponse, Idempotency, MultipartField, RequestBody, RequestSpec,
};
