//! What this crate retries, in one place (convention C16), as the official client does
//! (`inference_sdk/http/utils/executors.py`, 1.8.3):
//!
//! | calls | retried | attempts, wait |
//! |---|---|---|
//! | inference (`infer`, core models, embeddings, LMM, depth, OCR, SAM) | HTTP 429, 503, 504; connect errors and connections broken before an answer (what `requests` reports as `ConnectionError`, e.g. a server closing an idle keep-alive connection as the request goes out) | 3 attempts, about 1 s (uniform in 0–1 s, the official constant backoff with full jitter); `Retry-After` honoured |
//! | workflows (`run_workflow`, describe, validate) | the same, and timeouts; only while `workflow_run_retries_enabled` (default `true`) | the same |
//! | model management (`load_model`, `unload_*`, registry), server info and health, stream API, URL image fetches | nothing | 1 attempt |
//!
//! A 502 is not retried (as upstream). Every call with a builder takes
//! `.retry_policy(RetryPolicy::none())` to turn retries off for that call; the client's
//! `retry_policy` replaces the attempts-and-wait policy of the retried calls.

use std::sync::Arc;
use std::time::Duration;

use vision_sdk_common::RetryPolicy;
use vision_sdk_common::internal::classify::{
    Classify, StandardClassifier, TooManyRequests, TransportFailure,
};

/// The statuses the official client retries (`RETRYABLE_STATUS_CODES`).
pub const RETRYABLE_STATUSES: [u16; 3] = [429, 503, 504];

/// How a call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryClass {
    /// Inference and core models.
    Inference,
    /// Workflow runs and descriptions.
    Workflow,
    /// Never retried.
    Never,
}

/// The default policy of the retried calls: 3 attempts, a constant 1 s ceiling with full
/// jitter.
pub(crate) fn default_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(3)
        .initial_backoff(Duration::from_secs(1))
        .multiplier(1.0)
        .max_backoff(Duration::from_secs(1))
}

/// The classifier of inference calls: 429/503/504, connect errors and broken connections
/// (inference is idempotent, so a request the server may have seen is safe to send again).
pub(crate) fn inference_classifier() -> Arc<dyn Classify> {
    Arc::new(
        StandardClassifier::new()
            .retry_statuses(&RETRYABLE_STATUSES)
            .retry_failures(&[TransportFailure::Connect, TransportFailure::Interrupted]),
    )
}

/// The classifier of workflow calls: also timeouts (upstream retries `Timeout`).
pub(crate) fn workflow_classifier() -> Arc<dyn Classify> {
    Arc::new(
        StandardClassifier::new()
            .retry_statuses(&RETRYABLE_STATUSES)
            .retry_failures(&[
                TransportFailure::Connect,
                TransportFailure::Interrupted,
                TransportFailure::Timeout,
            ]),
    )
}

/// The classifier of calls that are never retried.
pub(crate) fn never_classifier() -> Arc<dyn Classify> {
    Arc::new(
        StandardClassifier::new()
            .retry_statuses(&[])
            .too_many_requests(TooManyRequests::Reject)
            .retry_failures(&[]),
    )
}

/// The three classifiers, built once per client.
#[derive(Debug, Clone)]
pub(crate) struct Classifiers {
    pub(crate) inference: Arc<dyn Classify>,
    pub(crate) workflow: Arc<dyn Classify>,
    pub(crate) never: Arc<dyn Classify>,
}

impl Classifiers {
    pub(crate) fn new() -> Self {
        Self {
            inference: inference_classifier(),
            workflow: workflow_classifier(),
            never: never_classifier(),
        }
    }

    pub(crate) fn get(&self, class: RetryClass) -> &dyn Classify {
        match class {
            RetryClass::Inference => &*self.inference,
            RetryClass::Workflow => &*self.workflow,
            RetryClass::Never => &*self.never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision_sdk_common::bytes::Bytes;
    use vision_sdk_common::http::{HeaderMap, StatusCode};
    use vision_sdk_common::internal::classify::{Attempt, RetryAction};

    fn verdict(classifier: &dyn Classify, status: u16) -> bool {
        let headers = HeaderMap::new();
        let body = Bytes::new();
        matches!(
            classifier.classify(&Attempt::Response {
                status: StatusCode::from_u16(status).unwrap(),
                headers: &headers,
                body: &body,
            }),
            RetryAction::Retry(_)
        )
    }

    #[test]
    fn statuses_as_upstream() {
        let c = Classifiers::new();
        for status in [429, 503, 504] {
            assert!(verdict(c.get(RetryClass::Inference), status), "{status}");
            assert!(verdict(c.get(RetryClass::Workflow), status), "{status}");
            assert!(!verdict(c.get(RetryClass::Never), status), "{status}");
        }
        for status in [400, 404, 500, 502] {
            assert!(!verdict(c.get(RetryClass::Inference), status), "{status}");
        }
        let timeout = Attempt::Failed(TransportFailure::Timeout);
        assert!(matches!(
            c.workflow.classify(&timeout),
            RetryAction::Retry(_)
        ));
        assert_eq!(c.inference.classify(&timeout), RetryAction::Reject);
        let connect = Attempt::Failed(TransportFailure::Connect);
        assert!(matches!(
            c.inference.classify(&connect),
            RetryAction::Retry(_)
        ));
        assert_eq!(c.never.classify(&connect), RetryAction::Reject);
    }

    #[test]
    fn policy_is_three_tries_about_a_second() {
        let p = default_policy();
        assert_eq!(p.attempts(), 3);
        assert_eq!(p.backoff_ceiling(0), Duration::from_secs(1));
        assert_eq!(p.backoff_ceiling(5), Duration::from_secs(1));
    }
}
