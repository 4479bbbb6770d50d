//! What this crate retries, in one place (family convention C16).
//!
//! | call | method | idempotent | retried on |
//! | --- | --- | --- | --- |
//! | [`begin`](crate::Classification::begin) | `POST /prediction-task/begin` | no (creates a task) | 429 (honouring a parsable `Retry-After`), connect errors |
//! | [`start`](crate::Classification::start) | `POST /predict` | no (see below) | 429, connect errors |
//! | [`status`](crate::Classification::status) | `GET /prediction-task/status` | yes | 429, connect errors, timeouts, connections broken or cut short |
//! | `get_*_results` | `GET /prediction-task/results` | yes | 429, connect errors, timeouts, connections broken or cut short |
//! | [`upload`](crate::Classification::upload) | presigned `POST` | yes (rewrites the same object) | 429, every 5xx, connect errors, timeouts, broken connections |
//!
//! No other status is retried: a 5xx of an API call is returned at once, like the official SDK.
//! The official SDK retries 429 only; connect errors (which provably never reached the server)
//! and the read failures of the two `GET`s are retried here too.
//!
//! `begin` and `start` are not idempotent (`docs/architecture.md`, idempotency table): after a
//! timeout or a connection broken after the request was sent they fail with
//! [`HttpError::OutcomeUnknown`](vision_sdk_common::HttpError::OutcomeUnknown) inside
//! [`Error::TaskBeginFailed`](crate::Error::TaskBeginFailed) /
//! [`Error::TaskStartFailed`](crate::Error::TaskStartFailed), never re-sent.
//!
//! Timing: API calls follow [`default_api_policy`] (the official `backoff.expo` with
//! `max_tries=10`, `max_time=120`, full jitter), adjustable with the builder's
//! [`max_retries`](crate::DragoneyeBuilder::max_retries),
//! [`max_backoff_time`](crate::DragoneyeBuilder::max_backoff_time),
//! [`backoff_jitter`](crate::DragoneyeBuilder::backoff_jitter),
//! [`initial_backoff`](crate::DragoneyeBuilder::initial_backoff) and
//! [`backoff_multiplier`](crate::DragoneyeBuilder::backoff_multiplier), or replaced with
//! [`retry_policy`](crate::DragoneyeBuilder::retry_policy). The upload has its own,
//! [`default_upload_policy`] ([`upload_retry_policy`](crate::DragoneyeBuilder::upload_retry_policy)).
//!
//! **Bound on a call's total time.** No retry starts after the budget (`max_backoff_time`,
//! measured from the first attempt) and no backoff sleeps past it, so one API call lasts at
//! most `max_backoff_time` plus one request [`timeout`](crate::DragoneyeBuilder::timeout) (the
//! last attempt may start just before the budget ends).

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use vision_sdk_common::RetryPolicy;
use vision_sdk_common::internal::classify::{Classify, StandardClassifier};

/// Default attempts per API call, the first included (the official `max_retries=10`, which
/// counts attempts).
pub const DEFAULT_MAX_RETRIES: u32 = 10;

/// Default time budget of one API call's retries (the official `max_backoff_time=120`).
pub const DEFAULT_MAX_BACKOFF_TIME: Duration = Duration::from_secs(120);

/// Default ceiling of the first backoff (the official `backoff.expo`: 1 s).
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);

/// Default growth of the backoff ceiling per retry (the official `backoff.expo`: ×2).
pub const DEFAULT_BACKOFF_MULTIPLIER: f64 = 2.0;

/// Default attempts of one media upload.
pub const DEFAULT_UPLOAD_MAX_ATTEMPTS: u32 = 5;

/// The API calls' default policy: 10 attempts, backoff ceilings 1, 2, 4 … s with full jitter,
/// each wait and each `Retry-After` bounded by the 120 s budget, which no retry starts after.
///
/// ```
/// use std::time::Duration;
/// let policy = dragoneye::retry::default_api_policy();
/// assert_eq!(policy.attempts(), 10);
/// assert_eq!(policy.budget(), Some(Duration::from_secs(120)));
/// assert_eq!(policy.backoff_ceiling(3), Duration::from_secs(8));
/// ```
pub fn default_api_policy() -> RetryPolicy {
    api_policy(
        DEFAULT_MAX_RETRIES,
        DEFAULT_MAX_BACKOFF_TIME,
        DEFAULT_INITIAL_BACKOFF,
        DEFAULT_BACKOFF_MULTIPLIER,
        true,
    )
}

/// The API policy for the official parameters (`max_backoff_time` is also the cap of each
/// wait and of an honoured `Retry-After`, as the official SDK has no separate caps).
pub(crate) fn api_policy(
    max_retries: u32,
    max_backoff_time: Duration,
    initial: Duration,
    multiplier: f64,
    jitter: bool,
) -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(max_retries)
        .initial_backoff(initial)
        .multiplier(multiplier)
        .max_backoff(max_backoff_time)
        .total_budget(Some(max_backoff_time))
        .max_retry_after(max_backoff_time)
        .jitter(jitter)
}

/// The upload's default policy: 5 attempts, backoff ceilings 1, 2, 4, 8 s with full jitter,
/// `Retry-After` honoured up to 60 s. Each attempt is bounded by the upload timeout
/// ([`DragoneyeBuilder::upload_timeout`](crate::DragoneyeBuilder::upload_timeout)), so there
/// is no separate time budget.
///
/// ```
/// let policy = dragoneye::retry::default_upload_policy();
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(policy.budget(), None);
/// ```
pub fn default_upload_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(DEFAULT_UPLOAD_MAX_ATTEMPTS)
        .initial_backoff(DEFAULT_INITIAL_BACKOFF)
        .multiplier(DEFAULT_BACKOFF_MULTIPLIER)
        .max_backoff(Duration::from_secs(30))
        .max_retry_after(Duration::from_secs(60))
}

/// API calls: 429 (as "not processed", so `begin`/`start` may be re-sent), every transport
/// failure; the executor's idempotency gate keeps `begin`/`start` from being re-sent after a
/// timeout or a broken connection.
pub(crate) fn api_classifier() -> Arc<dyn Classify> {
    static CLASSIFIER: LazyLock<Arc<dyn Classify>> =
        LazyLock::new(|| Arc::new(StandardClassifier::new().retry_statuses(&[429])));
    Arc::clone(&CLASSIFIER)
}

/// The presigned upload: 429, every 5xx and every transport failure.
pub(crate) fn upload_classifier() -> Arc<dyn Classify> {
    static CLASSIFIER: LazyLock<Arc<dyn Classify>> = LazyLock::new(|| {
        Arc::new(
            StandardClassifier::new()
                .retry_statuses(&[429])
                .retry_server_errors(),
        )
    });
    Arc::clone(&CLASSIFIER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision_sdk_common::bytes::Bytes;
    use vision_sdk_common::http::{HeaderMap, StatusCode};
    use vision_sdk_common::internal::classify::{Attempt, RetryAction, TransportFailure};

    fn retries(c: &dyn Classify, status: u16) -> bool {
        let headers = HeaderMap::new();
        let body = Bytes::new();
        matches!(
            c.classify(&Attempt::Response {
                status: StatusCode::from_u16(status).unwrap(),
                headers: &headers,
                body: &body,
            }),
            RetryAction::Retry(_)
        )
    }

    #[test]
    fn api_calls_retry_429_only_and_uploads_5xx_too() {
        let api = api_classifier();
        assert!(retries(&*api, 429));
        for status in [400, 401, 404, 408, 500, 502, 503, 504] {
            assert!(!retries(&*api, status), "{status}");
        }
        let upload = upload_classifier();
        for status in [429, 500, 502, 503, 504, 599] {
            assert!(retries(&*upload, status), "{status}");
        }
        assert!(!retries(&*upload, 403));
        for failure in [
            TransportFailure::Connect,
            TransportFailure::Timeout,
            TransportFailure::Interrupted,
            TransportFailure::Truncated,
        ] {
            assert!(matches!(
                api.classify(&Attempt::Failed(failure)),
                RetryAction::Retry(_)
            ));
        }
    }

    #[test]
    fn official_timing() {
        let policy = default_api_policy();
        assert_eq!(policy.backoff_ceiling(0), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(6), Duration::from_secs(64));
        assert_eq!(policy.backoff_ceiling(7), Duration::from_secs(120));
        let custom = api_policy(
            3,
            Duration::from_secs(10),
            Duration::from_millis(100),
            3.0,
            false,
        );
        assert_eq!(custom.backoff_ceiling(2), Duration::from_millis(900));
        assert_eq!(custom.attempts(), 3);
    }
}
