//! Shared building blocks of the `vision-sdk-rs` provider crates (`groundlight-rs`,
//! `dragoneye-rs`, …): HTTP execution with retry and backoff, credentials that cannot leak,
//! media sources and MIME detection, error primitives, polling and pagination.
//!
//! Application code normally uses a provider crate, which re-exports what it needs from here.
//! This crate is public and semver-versioned on its own; provider crates depend on it with a
//! caret requirement.
//!
//! # How one call flows
//! ```text
//! provider: validate input → RequestSpec (method, URL, headers, rebuildable body)
//!   → Executor::execute(operation, idempotency, spec)
//!       per attempt: spec.build() → Auth::apply → send → classify (provider's RetryOn)
//!       → RetryPolicy::decide (full-jitter backoff, Retry-After, budget) → sleep on the Clock
//!   → HttpResponse (body read) or HttpError (status, request id, body snippet, retry_after)
//! provider: decode JSON into models, map HttpError into its own error enum
//! ```
//!
//! # Features
//! - `rustls` (default): TLS through rustls with the `ring` provider.
//! - `native-tls`: the platform's TLS library; when both are on, native-tls is used.
//! - `image`: encode decoded pixels to JPEG and shrink images ([`image`] module).

pub mod auth;
pub mod clock;
pub mod error;
pub mod execute;
#[cfg(feature = "image")]
pub mod image;
pub mod media;
pub mod page;
pub mod poll;
pub mod retry;
pub mod transport;

#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{Auth, AuthScheme, Secret};
pub use clock::{Clock, ManualClock};
pub use error::{BodySnippet, DecodeError, HttpError, HttpErrorDetails};
pub use execute::{
    Executor, HttpResponse, Idempotency, MultipartField, RequestBody, RequestSpec, RetryOn,
};
pub use media::{MediaError, MediaKind, MediaSource};
pub use poll::{PollOutcome, PollSchedule, Probe};
pub use retry::RetryPolicy;
pub use transport::TransportConfig;

// Re-exported so provider crates and users name the same versions.
pub use bytes;
pub use http;
pub use mime;
pub use reqwest;
