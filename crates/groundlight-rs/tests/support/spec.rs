//! Groundlight's use of the testkit's OpenAPI request validator
//! ([`vision_sdk_testkit::openapi`]): the pinned spec and a request helper.
//!
//! Use it from a test with `#[path = "support/spec.rs"] mod openapi;`.
//!
//! Groundlight-specific notes on the validator's choices:
//! * `oneOf` over object schemas: the spec's `oneOf`s are *open* (no
//!   `additionalProperties: false`, e.g. `mode_configuration`), so the strict JSON Schema reading
//!   rejects every real value (`{"class_name":"car","max_count":7}` also matches
//!   `TextModeConfiguration` and `BoundingBoxModeConfiguration`), while `anyOf` would accept
//!   almost anything (`TextModeConfiguration` matches every object,
//!   `{"class_name":"car","max_count":0}` too). The validator accepts an object when one
//!   alternative matches it *closed*, which is how the server's strict models discriminate.
//! * `pattern` is not evaluated; the spec has none.
#![allow(dead_code, unreachable_pub, unused_imports)] // each test binary uses a different part

pub use vision_sdk_common::testing::{RecordedRequest, parse_query, percent_decode};
pub use vision_sdk_testkit::openapi::{OperationRef, Report, Spec};

/// Where the pinned spec lives inside the shared folder.
pub const SPEC_RELATIVE_PATH: &str = "specs/groundlight/public-api.yaml";

/// Loads the pinned spec; `None` (a logged skip, never in CI) when the shared folder is
/// missing, so the caller can return early. Panics when the spec cannot be read or parsed.
pub fn load_pinned_spec() -> Option<Spec> {
    let path = vision_sdk_testkit::require_shared(
        SPEC_RELATIVE_PATH,
        &vision_sdk_testkit::current_test_name(),
    )?;
    Some(Spec::from_path(&path).unwrap_or_else(|e| panic!("loading {}: {e}", path.display())))
}

/// Groundlight request helpers.
pub trait GroundlightRequest {
    /// Adds the API token header every operation of the spec requires.
    #[must_use]
    fn token(self) -> Self;
}

impl GroundlightRequest for RecordedRequest {
    fn token(self) -> Self {
        self.with_header("x-api-token", "api_test")
    }
}
