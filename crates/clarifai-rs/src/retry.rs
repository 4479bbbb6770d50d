//! What is retried, in one place (convention C16).
//!
//! Clarifai reports most outcomes in the body's `status.code`, whatever the HTTP status, so
//! the classifier reads the code of **every** answer (2xx included):
//!
//! | outcome | verdict |
//! |---|---|
//! | `CONN_THROTTLED` 11005, `CONN_EXCEED_HOURLY_LIMIT` 11003 | retried with the call's backoff ([`RetryPolicy`]), as *not processed* (so creates are re-sent too) |
//! | `MODEL_DEPLOYING` 21351, `MODEL_LOADING` 21355, `MODEL_BUSY_PLEASE_RETRY` 21354 | retried on the warm-up schedule ([`warmup_policy`]: 1.79 s growing ×1.3, up to ten minutes), as *not processed*; counted apart from the call's own retries |
//! | HTTP 429 | retried (its `Retry-After` honoured), as not processed |
//! | HTTP 502, 503, 504 | retried with backoff; a create is not re-sent (the request may have been acted upon: [`HttpError::OutcomeUnknown`](vision_sdk_common::HttpError::OutcomeUnknown)) |
//! | any other answer with a Clarifai `status` | accepted: the client decodes it, and a non-success code becomes [`Error::Api`](crate::Error::Api) |
//! | any other answer without one | 2xx accepted (then decoded), the rest returned as [`Error::Http`](crate::Error::Http) |
//! | connect error | retried (never reached the server) |
//! | timeout, broken connection, cut-short body | retried for idempotent calls; a create fails with `OutcomeUnknown` |
//!
//! Both Clarifai rules can be switched off or reconfigured on the builder
//! ([`retry_throttled`](crate::ClarifaiBuilder::retry_throttled),
//! [`model_warmup`](crate::ClarifaiBuilder::model_warmup)). Which calls are idempotent is
//! [`idempotency`].

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use vision_sdk_common::RetryPolicy;
use vision_sdk_common::internal::classify::{Attempt, Classify, RetryAction, RetryReason};
use vision_sdk_common::internal::execute::Idempotency;
use vision_sdk_common::retry::parse_retry_after;

use crate::routes::{Route, Verb};
use crate::status::StatusCode;

/// How long the SDK waits for a model to warm up (the official `MAX_RETRY_TIME`, ten minutes).
pub const MODEL_WARMUP_TIMEOUT: Duration = Duration::from_secs(600);

/// The HTTP statuses retried when the body carries no throttling or warm-up code.
pub const RETRIED_HTTP_STATUSES: &[u16] = &[429, 502, 503, 504];

/// The default retry policy of a Clarifai client: 10 attempts (the official `RetryStub`),
/// backoff from 1 s doubling to 15 s (the rate-limit docs recommend ~15 s), full jitter.
pub fn default_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(10)
        .initial_backoff(Duration::from_secs(1))
        .multiplier(2.0)
        .max_backoff(Duration::from_secs(15))
}

/// The model warm-up schedule: the official `BackoffIterator(10)` (0.1 s · 1.3ⁿ from n = 11:
/// 1.79 s, 2.33 s, 3.03 s, …, capped at 60 s), no jitter, for up to ten minutes.
pub fn warmup_policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(u32::MAX)
        .initial_backoff(Duration::from_secs_f64(0.1 * 1.3f64.powi(11)))
        .multiplier(1.3)
        .max_backoff(Duration::from_secs(60))
        .total_budget(Some(MODEL_WARMUP_TIMEOUT))
        .jitter(false)
}

/// The Clarifai classifier (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct ClarifaiClassifier {
    throttled: bool,
    warmup: Option<Arc<RetryPolicy>>,
}

impl Default for ClarifaiClassifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ClarifaiClassifier {
    /// Throttling retried, warm-up on [`warmup_policy`].
    pub fn new() -> Self {
        Self {
            throttled: true,
            warmup: Some(Arc::new(warmup_policy())),
        }
    }

    /// Whether throttling codes are retried.
    #[must_use]
    pub fn throttled(mut self, retry: bool) -> Self {
        self.throttled = retry;
        self
    }

    /// The warm-up schedule (`None`: a not-ready model is returned as an error at once).
    #[must_use]
    pub fn warmup(mut self, schedule: Option<RetryPolicy>) -> Self {
        self.warmup = schedule.map(Arc::new);
        self
    }

    fn response(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> RetryAction {
        let code = body_code(body);
        let retry_after = || parse_retry_after(headers, SystemTime::now());
        if let Some(code) = code {
            if code.is_throttled() && self.throttled {
                return RetryAction::Retry(
                    RetryReason::default()
                        .not_processed(true)
                        .delay(retry_after()),
                );
            }
            if code.is_model_not_ready()
                && let Some(schedule) = &self.warmup
            {
                return RetryAction::Retry(
                    RetryReason::default()
                        .not_processed(true)
                        .schedule(Arc::clone(schedule)),
                );
            }
            if code.is_success() {
                return RetryAction::Accept;
            }
        }
        if RETRIED_HTTP_STATUSES.contains(&status.as_u16()) {
            let reason = RetryReason::default()
                .delay(retry_after())
                .not_processed(status == http::StatusCode::TOO_MANY_REQUESTS);
            return RetryAction::Retry(reason);
        }
        if code.is_some() || status.is_success() {
            RetryAction::Accept
        } else {
            RetryAction::Reject
        }
    }
}

impl Classify for ClarifaiClassifier {
    fn classify(&self, attempt: &Attempt<'_>) -> RetryAction {
        match attempt {
            Attempt::Response {
                status,
                headers,
                body,
            } => self.response(*status, headers, body),
            Attempt::Failed(_) => RetryAction::retry(),
            _ => RetryAction::Reject,
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    status: Option<EnvelopeStatus>,
}

#[derive(Deserialize)]
struct EnvelopeStatus {
    #[serde(default)]
    code: StatusCode,
}

/// The body's `status.code`, when the body is a JSON object with one (not `0`).
pub(crate) fn body_code(body: &[u8]) -> Option<StatusCode> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    let envelope: Envelope = serde_json::from_slice(body).ok()?;
    envelope
        .status
        .map(|s| s.code)
        .filter(|c| *c != StatusCode::ZERO)
}

/// The RPCs sent with `POST` that have no side effects (predictions and searches).
const SAFE_POSTS: &[&str] = &[
    "PostModelOutputs",
    "PostModelVersionOutputs",
    "PostDeploymentOutputs",
    "PostWorkflowResults",
    "PostWorkflowVersionResults",
    "PostInputsSearches",
    "PostAnnotationsSearches",
    "PostConceptsSearches",
    "PostSearches",
];

/// The idempotency of a route, from the table in `docs/architecture.md`: reads, deletes,
/// patches and puts are idempotent, as are predictions and searches; every other `POST`
/// creates something and is re-sent only when the server said it did not act on it.
pub fn idempotency(route: Route) -> Idempotency {
    match route.verb() {
        Verb::Post if !SAFE_POSTS.contains(&route.rpc()) => Idempotency::NonIdempotent,
        _ => Idempotency::Idempotent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(c: &ClarifaiClassifier, status: u16, body: &str) -> RetryAction {
        let headers = http::HeaderMap::new();
        let body = bytes::Bytes::from(body.to_owned());
        c.classify(&Attempt::Response {
            status: http::StatusCode::from_u16(status).unwrap(),
            headers: &headers,
            body: &body,
        })
    }

    #[test]
    fn codes_decide_for_any_http_status() {
        let c = ClarifaiClassifier::new();
        assert_eq!(
            verdict(&c, 200, r#"{"status":{"code":10000}}"#),
            RetryAction::Accept
        );
        assert_eq!(
            verdict(&c, 401, r#"{"status":{"code":11008}}"#),
            RetryAction::Accept
        );
        assert_eq!(
            verdict(&c, 200, r#"{"status":{"code":21200}}"#),
            RetryAction::Accept
        );
        match verdict(&c, 200, r#"{"status":{"code":"CONN_THROTTLED"}}"#) {
            RetryAction::Retry(r) => assert!(r.not_processed && r.schedule.is_none()),
            other => panic!("{other:?}"),
        }
        match verdict(&c, 200, r#"{"status":{"code":21351}}"#) {
            RetryAction::Retry(r) => assert!(r.not_processed && r.schedule.is_some()),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            verdict(&c.clone().warmup(None), 200, r#"{"status":{"code":21355}}"#),
            RetryAction::Accept
        );
        assert_eq!(
            verdict(
                &c.clone().throttled(false),
                200,
                r#"{"status":{"code":11003}}"#
            ),
            RetryAction::Accept
        );
    }

    #[test]
    fn bare_http_answers() {
        let c = ClarifaiClassifier::new();
        match verdict(&c, 503, "<html>") {
            RetryAction::Retry(r) => assert!(!r.not_processed),
            other => panic!("{other:?}"),
        }
        match verdict(&c, 429, "") {
            RetryAction::Retry(r) => assert!(r.not_processed),
            other => panic!("{other:?}"),
        }
        assert_eq!(verdict(&c, 404, "not found"), RetryAction::Reject);
        assert_eq!(verdict(&c, 500, "{\"detail\":1}"), RetryAction::Reject);
        assert_eq!(verdict(&c, 200, "[]"), RetryAction::Accept);
        assert!(matches!(
            c.classify(&Attempt::Failed(
                vision_sdk_common::internal::classify::TransportFailure::Connect
            )),
            RetryAction::Retry(_)
        ));
    }

    #[test]
    fn warmup_schedule_is_the_sdks() {
        let p = warmup_policy();
        assert_eq!(p.backoff_ceiling(0).as_millis(), 1792);
        assert_eq!(p.backoff_ceiling(1).as_millis(), 2329);
        assert_eq!(p.budget(), Some(MODEL_WARMUP_TIMEOUT));
    }

    #[test]
    fn idempotency_follows_the_table() {
        assert_eq!(idempotency(Route::POST_INPUTS), Idempotency::NonIdempotent);
        assert_eq!(idempotency(Route::POST_APPS), Idempotency::NonIdempotent);
        assert_eq!(
            idempotency(Route::POST_MODEL_OUTPUTS),
            Idempotency::Idempotent
        );
        assert_eq!(
            idempotency(Route::POST_INPUTS_SEARCHES),
            Idempotency::Idempotent
        );
        assert_eq!(idempotency(Route::DELETE_INPUTS), Idempotency::Idempotent);
        assert_eq!(idempotency(Route::PATCH_INPUTS), Idempotency::Idempotent);
        assert_eq!(idempotency(Route::LIST_APPS), Idempotency::Idempotent);
    }
}
