//! Shared building blocks of the `vision-sdk-rs` provider crates (`groundlight-rs`,
//! `dragoneye-rs`, …): HTTP execution with retry and backoff, credentials that cannot leak,
//! media sources and MIME detection, error primitives, polling and pagination.
//!
//! Application code normally uses a provider crate, which re-exports what it needs from here.
//! This crate is public and semver-versioned on its own; provider crates depend on it with a
//! caret requirement.
//!
//! # Stable and internal
//! The root items and the modules `auth`, `clock`, `error`, `media`, `options`, `poll` (its
//! schedule), `page` (its `Page` type), `retry` and `transport` are the **stable** surface
//! users touch through a provider crate. [`internal`] is what provider crates use to implement
//! calls (executor, request spec, classifier, URL building, batching, serde helpers); it is
//! unstable and may change in any minor release (see `docs/releasing.md`).
//!
//! # How one call flows
//! ```text
//! provider: validate input → RequestSpec (method, URL, headers, rebuildable body)
//!   → Executor::execute(operation, idempotency, spec)
//!       per attempt: spec.build() → Auth (header / query / JSON member) → send
//!       → Classify sees the outcome (any status, or a transport failure) → RetryAction
//!       → idempotency gate → RetryPolicy::decide (backoff, Retry-After, budget) → Clock sleep
//!   → HttpResponse (body read) or HttpError (status, request id, redacted body snippet)
//! provider: decode JSON into models, map HttpError into its own error enum
//! ```
//!
//! # Features
//! - `rustls` (default): TLS through rustls with the `ring` provider.
//! - `native-tls`: the platform's TLS library; when both are on, native-tls is used.
//! - `http2`: HTTP/2 beside HTTP/1.1, negotiated by ALPN; off by default (the official SDKs speak
//!   HTTP/1.1, and `h2` adds ~17 CPU-seconds to a clean build). Each provider forwards it.
//! - `jpeg`: the light image path ([`codec`] module): JPEG (with DCT-domain downscaling) and PNG
//!   decoding, PIL-compatible resizing, JPEG encoding, in a few seconds of build.
//! - `image`: encode decoded pixels (`image::DynamicImage`) to JPEG and shrink images ([`image`]
//!   module); implies `jpeg`.

pub mod auth;
pub mod clock;
#[cfg(feature = "jpeg")]
pub mod codec;
pub mod error;
#[cfg(feature = "image")]
pub mod image;
pub mod internal;
pub mod media;
mod media_input;
pub mod options;
pub mod page;
pub mod poll;
pub mod retry;
pub mod timestamp;
pub mod transport;

#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{AuthScheme, Secret};
pub use clock::{Clock, ManualClock};
pub use error::{BodySnippet, DecodeError, HttpError, HttpErrorDetails};
pub use media::{MediaError, MediaInput, MediaKind, MediaSource};
pub use options::{ClientOptions, CredentialError};
pub use poll::{PollOutcome, PollSchedule, Probe};
pub use retry::RetryPolicy;
pub use timestamp::Timestamp;
pub use transport::TransportConfig;

// Re-exported so provider crates and users name the same versions.
pub use bytes;
pub use chrono;
pub use http;
pub use mime;
pub use reqwest;
