//! Retry classification: what one attempt's outcome means for the call.
//!
//! The executor shows a [`Classify`] implementation **every** outcome of an attempt: a response
//! of any status (2xx included, so a provider that reports throttling or warm-up in a JSON body
//! with HTTP 200, like Clarifai, needs no retry loop of its own) or a transport failure. The
//! classifier returns a [`RetryAction`]; the executor alone then applies the idempotency gate,
//! the [`RetryPolicy`] budget and the clock.
//!
//! ```
//! use vision_sdk_common::internal::classify::{Attempt, Classify, RetryAction, StandardClassifier};
//! let classifier = StandardClassifier::new().retry_statuses(&[429, 503]);
//! let headers = http::HeaderMap::new();
//! let body = bytes::Bytes::new();
//! let outcome = Attempt::Response { status: http::StatusCode::SERVICE_UNAVAILABLE, headers: &headers, body: &body };
//! assert!(matches!(classifier.classify(&outcome), RetryAction::Retry(_)));
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::retry::{RetryPolicy, parse_retry_after};

/// What happened on one attempt, as the classifier sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Attempt<'a> {
    /// The server answered (any status); the body has been read in full.
    Response {
        /// The status.
        status: StatusCode,
        /// The response headers.
        headers: &'a HeaderMap,
        /// The whole body.
        body: &'a Bytes,
    },
    /// No usable answer arrived.
    Failed(TransportFailure),
}

/// The kinds of transport failure, by what they prove about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// No connection could be made: the request provably never reached the server.
    Connect,
    /// The request or the response timed out: the server may have acted on it.
    Timeout,
    /// The connection broke after the request was (maybe) written, before a complete answer.
    Interrupted,
    /// The answer's body ended early or could not be read.
    Truncated,
}

impl TransportFailure {
    /// `true` when the request provably did not reach the server.
    pub fn never_sent(self) -> bool {
        matches!(self, Self::Connect)
    }
}

/// A classifier's verdict on one attempt.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RetryAction {
    /// Return the response to the provider as a success (whatever its status).
    Accept,
    /// Fail now: a response becomes [`crate::HttpError::Status`], a transport failure its error.
    Reject,
    /// Try again if the idempotency gate and the retry budget allow it.
    Retry(RetryReason),
}

impl RetryAction {
    /// A retry with the policy's own backoff.
    pub fn retry() -> Self {
        Self::Retry(RetryReason::default())
    }
    /// A retry after exactly `delay` (e.g. a parsed `Retry-After`).
    pub fn retry_after(delay: Duration) -> Self {
        Self::Retry(RetryReason::default().delay(Some(delay)))
    }
}

/// Why and how to retry.
#[derive(Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RetryReason {
    /// Wait exactly this long instead of the policy's backoff (still bounded by its
    /// `max_retry_after` and budget).
    pub delay: Option<Duration>,
    /// The server said it did not act on the request (HTTP 429, a throttling or "model is
    /// loading" code): even a non-idempotent call may be re-sent.
    pub not_processed: bool,
    /// Count this retry against another schedule instead of the call's policy (Clarifai's
    /// model warm-up, retried for minutes on its own schedule). Attempts and the time budget
    /// of each schedule are counted separately.
    pub schedule: Option<Arc<RetryPolicy>>,
}

impl fmt::Debug for RetryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryReason")
            .field("delay", &self.delay)
            .field("not_processed", &self.not_processed)
            .field("own_schedule", &self.schedule.is_some())
            .finish()
    }
}

impl RetryReason {
    /// Sets the exact delay.
    pub fn delay(mut self, delay: Option<Duration>) -> Self {
        self.delay = delay;
        self
    }
    /// Marks the request as not acted upon by the server.
    pub fn not_processed(mut self, not_processed: bool) -> Self {
        self.not_processed = not_processed;
        self
    }
    /// Counts this retry against its own schedule.
    pub fn schedule(mut self, schedule: Arc<RetryPolicy>) -> Self {
        self.schedule = Some(schedule);
        self
    }
}

/// Decides what an attempt's outcome means. Implementations must be cheap and must not block.
pub trait Classify: Send + Sync + fmt::Debug + 'static {
    /// The verdict on one attempt.
    fn classify(&self, attempt: &Attempt<'_>) -> RetryAction;
}

impl<F> Classify for ClassifyFn<F>
where
    F: Fn(&Attempt<'_>) -> RetryAction + Send + Sync + 'static,
{
    fn classify(&self, attempt: &Attempt<'_>) -> RetryAction {
        (self.0)(attempt)
    }
}

/// A closure as a [`Classify`] (for one-off rules in providers and tests).
pub struct ClassifyFn<F>(pub F);

impl<F> fmt::Debug for ClassifyFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClassifyFn")
    }
}

/// How a 429 answer is treated by [`StandardClassifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooManyRequests {
    /// Retried (waiting `Retry-After` when it parses), as not processed.
    Retry,
    /// Retried only when a parsable `Retry-After` says when; otherwise returned.
    RetryWhenRetryAfter,
    /// Never retried.
    Reject,
}

/// The shared rule most providers configure rather than write: 2xx accepted; chosen statuses
/// retried (a parsable `Retry-After` is honoured, an unparsable one is treated as absent);
/// chosen transport failures retried.
#[derive(Debug, Clone)]
pub struct StandardClassifier {
    statuses: Vec<u16>,
    too_many_requests: TooManyRequests,
    failures: Vec<TransportFailure>,
}

impl Default for StandardClassifier {
    fn default() -> Self {
        Self::new()
    }
}

impl StandardClassifier {
    /// Retries 408, 500, 502, 503, 504, a 429 (as not processed), connect errors, timeouts and
    /// interrupted connections.
    pub fn new() -> Self {
        Self {
            statuses: vec![408, 500, 502, 503, 504],
            too_many_requests: TooManyRequests::Retry,
            failures: vec![
                TransportFailure::Connect,
                TransportFailure::Timeout,
                TransportFailure::Interrupted,
                TransportFailure::Truncated,
            ],
        }
    }

    /// Replaces the retried statuses (429 is governed by [`Self::too_many_requests`]; listing
    /// it here is the same as [`TooManyRequests::Retry`]).
    pub fn retry_statuses(mut self, statuses: &[u16]) -> Self {
        self.statuses = statuses.iter().copied().filter(|s| *s != 429).collect();
        if statuses.contains(&429) {
            self.too_many_requests = TooManyRequests::Retry;
        }
        self
    }

    /// Retries every 5xx in addition to the listed statuses.
    pub fn retry_server_errors(mut self) -> Self {
        self.statuses.extend(500..600);
        self.statuses.sort_unstable();
        self.statuses.dedup();
        self
    }

    /// How a 429 is treated.
    pub fn too_many_requests(mut self, rule: TooManyRequests) -> Self {
        self.too_many_requests = rule;
        self
    }

    /// Replaces the retried transport failures.
    pub fn retry_failures(mut self, failures: &[TransportFailure]) -> Self {
        self.failures = failures.to_vec();
        self
    }

    /// The verdict for a response, exposed so providers can refine it.
    pub fn classify_response(&self, status: StatusCode, headers: &HeaderMap) -> RetryAction {
        if status.is_success() {
            return RetryAction::Accept;
        }
        let retry_after = parse_retry_after(headers, SystemTime::now());
        if status == StatusCode::TOO_MANY_REQUESTS {
            let reason = RetryReason::default()
                .delay(retry_after)
                .not_processed(true);
            return match (self.too_many_requests, retry_after) {
                (TooManyRequests::Retry, _) | (TooManyRequests::RetryWhenRetryAfter, Some(_)) => {
                    RetryAction::Retry(reason)
                }
                _ => RetryAction::Reject,
            };
        }
        if self.statuses.contains(&status.as_u16()) {
            RetryAction::Retry(RetryReason::default().delay(retry_after))
        } else {
            RetryAction::Reject
        }
    }
}

impl Classify for StandardClassifier {
    fn classify(&self, attempt: &Attempt<'_>) -> RetryAction {
        match attempt {
            Attempt::Response {
                status, headers, ..
            } => self.classify_response(*status, headers),
            Attempt::Failed(failure) if self.failures.contains(failure) => RetryAction::retry(),
            Attempt::Failed(_) => RetryAction::Reject,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, retry_after: Option<&str>) -> RetryAction {
        let mut headers = HeaderMap::new();
        if let Some(v) = retry_after {
            headers.insert(http::header::RETRY_AFTER, v.parse().unwrap());
        }
        let body = Bytes::new();
        let c = StandardClassifier::new().too_many_requests(TooManyRequests::RetryWhenRetryAfter);
        c.classify(&Attempt::Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: &headers,
            body: &body,
        })
    }

    #[test]
    fn success_is_accepted_and_client_errors_rejected() {
        assert_eq!(response(200, None), RetryAction::Accept);
        assert_eq!(response(404, None), RetryAction::Reject);
    }

    #[test]
    fn unparsable_retry_after_is_absent() {
        assert_eq!(response(429, Some("soon, maybe")), RetryAction::Reject);
        match response(429, Some("3")) {
            RetryAction::Retry(r) => {
                assert_eq!(r.delay, Some(Duration::from_secs(3)));
                assert!(r.not_processed);
            }
            other => panic!("{other:?}"),
        }
        match response(503, Some("garbage")) {
            RetryAction::Retry(r) => assert_eq!(r.delay, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failures_follow_the_configured_list() {
        let c = StandardClassifier::new().retry_failures(&[TransportFailure::Connect]);
        assert!(matches!(
            c.classify(&Attempt::Failed(TransportFailure::Connect)),
            RetryAction::Retry(_)
        ));
        assert_eq!(
            c.classify(&Attempt::Failed(TransportFailure::Timeout)),
            RetryAction::Reject
        );
        assert!(TransportFailure::Connect.never_sent());
        assert!(!TransportFailure::Interrupted.never_sent());
    }

    #[test]
    fn closures_classify_bodies_of_successes() {
        let c = ClassifyFn(|a: &Attempt<'_>| match a {
            Attempt::Response { body, .. } if body.as_ref() == b"busy" => RetryAction::retry(),
            _ => RetryAction::Accept,
        });
        let headers = HeaderMap::new();
        let busy = Bytes::from_static(b"busy");
        let out = c.classify(&Attempt::Response {
            status: StatusCode::OK,
            headers: &headers,
            body: &busy,
        });
        assert!(matches!(out, RetryAction::Retry(_)));
    }
}
