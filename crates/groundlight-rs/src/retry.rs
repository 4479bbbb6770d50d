//! What this crate retries, in one place (family contract C16).
//!
//! | outcome | retried? |
//! |---|---|
//! | any 5xx (500–599) | yes, for idempotent calls (the official SDK's `RequestsRetryDecorator` retries every 5xx) |
//! | 429 with a parsable `Retry-After` (seconds or an HTTP date) | yes, after that delay (capped at 60 s), for every call: a 429 says the request was not processed |
//! | 429 without `Retry-After`, or with one that does not parse | no: returned to the caller (an unparsable `Retry-After` counts as absent) |
//! | other 4xx | no |
//! | connect error (the request never reached the server) | yes, for every call |
//! | timeout, connection broken after sending, body cut short | yes for idempotent calls; a non-idempotent call fails with [`HttpError::OutcomeUnknown`](vision_sdk_common::HttpError::OutcomeUnknown) |
//!
//! Timing: [`default_retry_policy`] (4 attempts in all, full jitter from 0.2 s doubling, as the
//! official SDK). Edge Endpoint calls ([`crate::EdgeApi`]) are never retried, as in the
//! official SDK.
//!
//! Which calls are idempotent (the table in `docs/architecture.md`):
//!
//! | call | idempotent |
//! |---|---|
//! | every `GET` (`get_*`, `list_*`, `me`, waits' polls) | yes |
//! | `DELETE` (`delete_detector`, `reset_detector`, `delete_priming_group`) | yes |
//! | `PATCH`/`PUT` (`update_detector_*`, `update_inspection_metadata`, `stop_inspection`, Edge `apply_config`/`set_config`) | yes |
//! | `submit_image_query` / `ask_*` with an `image_query_id` | yes (the id makes a second create impossible) |
//! | `submit_image_query` / `ask_*` without one | no |
//! | `create_*detector`, `get_or_create_detector`'s create | no (an ambiguous failure is reconciled by name, see [`crate::detectors`]) |
//! | `add_label` | no: each POST records another label |
//! | `create_detector_group`, `create_note`, `create_priming_group`, `start_inspection` | no |
//! | `ask_vlm_verify`, `generate_synthetic_image` | yes: they compute an answer and create nothing |

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use http::StatusCode;
use vision_sdk_common::RetryPolicy;
use vision_sdk_common::internal::classify::{
    Classify, StandardClassifier, TooManyRequests, TransportFailure,
};

/// The official SDK's retry policy: 4 attempts in all, full jitter from 0.2 s doubling
/// (0.2, 0.4, 0.8 s ceilings); `Retry-After` honoured up to 60 s.
///
/// ```
/// let policy = groundlight::default_retry_policy();
/// assert_eq!(policy.attempts(), 4);
/// assert_eq!(policy.backoff_ceiling(0), std::time::Duration::from_millis(200));
/// assert_eq!(policy.backoff_ceiling(2), std::time::Duration::from_millis(800));
/// ```
pub fn default_retry_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(200))
        .multiplier(2.0)
        .max_backoff(Duration::from_secs(30))
        .max_retry_after(Duration::from_secs(60))
}

/// Whether an answer's status is retryable in itself: every 5xx, and 429 (which the client
/// retries only when a parsable `Retry-After` says when).
///
/// ```
/// use groundlight::common::http::StatusCode;
/// assert!(groundlight::is_retryable_status(StatusCode::BAD_GATEWAY));
/// assert!(!groundlight::is_retryable_status(StatusCode::NOT_FOUND));
/// ```
pub fn is_retryable_status(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

static CLASSIFIER: LazyLock<StandardClassifier> = LazyLock::new(|| {
    StandardClassifier::new()
        .retry_statuses(&[])
        .retry_server_errors()
        .too_many_requests(TooManyRequests::RetryWhenRetryAfter)
        .retry_failures(&[
            TransportFailure::Connect,
            TransportFailure::Timeout,
            TransportFailure::Interrupted,
            TransportFailure::Truncated,
        ])
});

/// The classifier of every Groundlight call (see the [module docs](self)).
pub(crate) fn classifier() -> &'static StandardClassifier {
    &CLASSIFIER
}

/// The same classifier, shared, for the client's defaults.
pub(crate) fn shared_classifier() -> Arc<dyn Classify> {
    Arc::new(CLASSIFIER.clone())
}

/// Edge Endpoint calls are not retried (as in the official SDK).
pub(crate) fn edge_policy() -> RetryPolicy {
    RetryPolicy::none()
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::HeaderMap;
    use vision_sdk_common::internal::classify::{Attempt, RetryAction};

    use super::*;

    fn classify(status: u16, retry_after: Option<&str>) -> RetryAction {
        let mut headers = HeaderMap::new();
        if let Some(v) = retry_after {
            headers.insert(http::header::RETRY_AFTER, v.parse().unwrap());
        }
        let body = Bytes::new();
        classifier().classify(&Attempt::Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: &headers,
            body: &body,
        })
    }

    #[test]
    fn every_5xx_is_retried_and_no_4xx() {
        for status in [500, 501, 502, 503, 504, 507, 599] {
            assert!(
                matches!(classify(status, None), RetryAction::Retry(_)),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 408, 409, 422] {
            assert_eq!(classify(status, None), RetryAction::Reject, "{status}");
        }
        assert_eq!(classify(200, None), RetryAction::Accept);
        assert_eq!(classify(201, None), RetryAction::Accept);
    }

    #[test]
    fn a_429_is_retried_only_with_a_parsable_retry_after() {
        assert_eq!(classify(429, None), RetryAction::Reject);
        assert_eq!(classify(429, Some("soon")), RetryAction::Reject);
        assert_eq!(classify(429, Some("-3")), RetryAction::Reject);
        match classify(429, Some("2")) {
            RetryAction::Retry(reason) => {
                assert_eq!(reason.delay, Some(Duration::from_secs(2)));
                assert!(reason.not_processed, "a 429 was not processed");
            }
            other => panic!("{other:?}"),
        }
        match classify(429, Some("Wed, 21 Oct 2015 07:28:00 GMT")) {
            RetryAction::Retry(reason) => assert!(reason.not_processed),
            other => panic!("an HTTP date is a Retry-After: {other:?}"),
        }
        // An unparsable Retry-After on a 503 is absent: the policy's own backoff applies.
        match classify(503, Some("garbage")) {
            RetryAction::Retry(reason) => assert_eq!(reason.delay, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn transport_failures_are_retryable_and_the_gate_decides() {
        for failure in [
            TransportFailure::Connect,
            TransportFailure::Timeout,
            TransportFailure::Interrupted,
            TransportFailure::Truncated,
        ] {
            assert!(
                matches!(
                    classifier().classify(&Attempt::Failed(failure)),
                    RetryAction::Retry(_)
                ),
                "{failure:?}"
            );
        }
    }

    #[test]
    fn the_policy_is_the_official_one_and_edge_is_never_retried() {
        assert_eq!(default_retry_policy().attempts(), 4);
        assert_eq!(edge_policy().attempts(), 1);
        assert!(is_retryable_status(StatusCode::TOO_MANY_REQUESTS));
    }
}
