//! Retry timing: exponential backoff with full jitter, `Retry-After`, attempt and time budgets.
//!
//! What is retryable is the provider's business (its [`Classify`](crate::internal::classify::Classify)); *when* to retry is
//! this module's. One [`RetryPolicy`] type serves every provider, each with its own defaults.

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::RETRY_AFTER;

/// How often and how patiently a call is retried.
///
/// The wait before retry *n* (0-based) is drawn uniformly from `[0, min(max_backoff,
/// initial_backoff · multiplier^n)]` ("full jitter"), unless the server sent `Retry-After`, which
/// is honoured as given. No attempt starts after `total_budget`, and no sleep runs past it.
///
/// ```
/// use std::time::Duration;
/// use vision_sdk_common::retry::RetryPolicy;
/// let policy = RetryPolicy::new()
///     .max_attempts(4)
///     .initial_backoff(Duration::from_millis(200))
///     .multiplier(2.0);
/// assert_eq!(policy.backoff_ceiling(2), Duration::from_millis(800));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    multiplier: f64,
    max_backoff: Duration,
    total_budget: Option<Duration>,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, 500 ms doubling to a 20 s cap, full jitter, `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            multiplier: 2.0,
            max_backoff: Duration::from_secs(20),
            total_budget: None,
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The default policy (see [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that never retries.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Total attempts including the first (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The ceiling of the first backoff.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Growth of the ceiling per retry (values below 1 are treated as 1).
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = if multiplier.is_finite() && multiplier >= 1.0 {
            multiplier
        } else {
            1.0
        };
        self
    }

    /// The largest backoff ceiling.
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// No attempt starts later than this after the first one; sleeps are cut to fit.
    pub fn total_budget(mut self, budget: Option<Duration>) -> Self {
        self.total_budget = budget;
        self
    }

    /// A `Retry-After` longer than this is not waited for: the error is returned with
    /// `retry_after()` set so the caller can decide.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Turns jitter off (each wait is the full ceiling). Useful for reproducible schedules.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Total attempts including the first.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The configured total time budget.
    pub fn budget(&self) -> Option<Duration> {
        self.total_budget
    }

    /// The upper bound of the wait before retry `retry` (0-based): `min(max, initial · mult^retry)`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let exp = self
            .multiplier
            .powi(i32::try_from(retry).unwrap_or(i32::MAX));
        let secs = self.initial_backoff.as_secs_f64() * exp;
        let max = self.max_backoff.as_secs_f64();
        if !secs.is_finite() || secs >= max {
            self.max_backoff
        } else {
            Duration::from_secs_f64(secs)
        }
    }

    /// A jittered wait before retry `retry`, uniform in `[0, backoff_ceiling(retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        if self.jitter {
            ceiling.mul_f64(fastrand::f64())
        } else {
            ceiling
        }
    }

    /// Decides what to do after failed attempt number `attempt` (1-based), `elapsed` after the
    /// first attempt started, given the server's `Retry-After` if any.
    pub fn decide(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted);
        }
        let remaining = match self.total_budget {
            Some(budget) if elapsed >= budget => {
                return RetryDecision::GiveUp(GiveUpReason::BudgetExhausted);
            }
            Some(budget) => Some(budget - elapsed),
            None => None,
        };
        let wait = match retry_after {
            Some(after) => {
                if after > self.max_retry_after || remaining.is_some_and(|r| after > r) {
                    return RetryDecision::GiveUp(GiveUpReason::RetryAfterTooLong(after));
                }
                after
            }
            None => {
                let wait = self.backoff(attempt - 1);
                remaining.map_or(wait, |r| wait.min(r))
            }
        };
        RetryDecision::RetryAfter(wait)
    }
}

/// The outcome of [`RetryPolicy::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Sleep this long, then try again.
    RetryAfter(Duration),
    /// Stop and return the last error.
    GiveUp(GiveUpReason),
}

/// Why a retry loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUpReason {
    /// Every allowed attempt was made.
    AttemptsExhausted,
    /// The total time budget is spent.
    BudgetExhausted,
    /// The server asked for a wait longer than the policy allows.
    RetryAfterTooLong(Duration),
}

/// Parses `Retry-After` in both forms: delta-seconds (`120`) and HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, relative to `now`). A date in the past means "now".
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use vision_sdk_common::retry::parse_retry_after;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("retry-after", "7".parse().unwrap());
/// assert_eq!(parse_retry_after(&headers, SystemTime::now()), Some(Duration::from_secs(7)));
/// ```
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_bounds_over_many_draws() {
        let policy = RetryPolicy::new()
            .initial_backoff(Duration::from_millis(200))
            .multiplier(2.0)
            .max_backoff(Duration::from_secs(1));
        for retry in 0..8 {
            let ceiling = policy.backoff_ceiling(retry);
            let mut max_seen = Duration::ZERO;
            let mut min_seen = Duration::MAX;
            for _ in 0..2000 {
                let d = policy.backoff(retry);
                assert!(d <= ceiling, "retry {retry}: {d:?} > {ceiling:?}");
                max_seen = max_seen.max(d);
                min_seen = min_seen.min(d);
            }
            // Full jitter spreads over the whole range, not just near the ceiling.
            assert!(
                min_seen < ceiling.mul_f64(0.1),
                "retry {retry}: min {min_seen:?}"
            );
            assert!(
                max_seen > ceiling.mul_f64(0.9),
                "retry {retry}: max {max_seen:?}"
            );
        }
        assert_eq!(policy.backoff_ceiling(0), Duration::from_millis(200));
        assert_eq!(policy.backoff_ceiling(1), Duration::from_millis(400));
        assert_eq!(policy.backoff_ceiling(2), Duration::from_millis(800));
        assert_eq!(policy.backoff_ceiling(3), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(200), Duration::from_secs(1));
    }

    #[test]
    fn no_jitter_gives_ceiling() {
        let policy = RetryPolicy::new()
            .jitter(false)
            .initial_backoff(Duration::from_secs(1));
        assert_eq!(policy.backoff(2), Duration::from_secs(4));
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy::new().max_attempts(3).jitter(false);
        assert!(matches!(
            policy.decide(1, Duration::ZERO, None),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            policy.decide(2, Duration::ZERO, None),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(3, Duration::ZERO, None),
            RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted)
        );
        assert_eq!(RetryPolicy::none().attempts(), 1);
        assert_eq!(RetryPolicy::new().max_attempts(0).attempts(), 1);
    }

    #[test]
    fn budget_caps_sleep_and_stops() {
        let policy = RetryPolicy::new()
            .max_attempts(10)
            .jitter(false)
            .initial_backoff(Duration::from_secs(1))
            .total_budget(Some(Duration::from_secs(3)));
        // After 1 s elapsed, retry 2 (ceiling 2 s) fits exactly.
        assert_eq!(
            policy.decide(2, Duration::from_secs(1), None),
            RetryDecision::RetryAfter(Duration::from_secs(2))
        );
        // After 2 s elapsed, a 4 s ceiling is cut to the remaining 1 s.
        assert_eq!(
            policy.decide(3, Duration::from_secs(2), None),
            RetryDecision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(
            policy.decide(4, Duration::from_secs(3), None),
            RetryDecision::GiveUp(GiveUpReason::BudgetExhausted)
        );
    }

    #[test]
    fn retry_after_is_honoured_or_returned() {
        let policy = RetryPolicy::new().max_retry_after(Duration::from_secs(10));
        assert_eq!(
            policy.decide(1, Duration::ZERO, Some(Duration::from_secs(3))),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            policy.decide(1, Duration::ZERO, Some(Duration::from_secs(11))),
            RetryDecision::GiveUp(GiveUpReason::RetryAfterTooLong(Duration::from_secs(11)))
        );
        let budgeted = RetryPolicy::new().total_budget(Some(Duration::from_secs(5)));
        assert_eq!(
            budgeted.decide(1, Duration::from_secs(4), Some(Duration::from_secs(2))),
            RetryDecision::GiveUp(GiveUpReason::RetryAfterTooLong(Duration::from_secs(2)))
        );
    }

    #[test]
    fn parses_both_retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00 GMT
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(
            parse_retry_after(&headers, now),
            Some(Duration::from_secs(120))
        );
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:30 GMT".parse().unwrap(),
        );
        assert_eq!(
            parse_retry_after(&headers, now),
            Some(Duration::from_secs(30))
        );
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:00:00 GMT".parse().unwrap(),
        );
        assert_eq!(parse_retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "0.5".parse().unwrap());
        assert_eq!(
            parse_retry_after(&headers, now),
            Some(Duration::from_millis(500))
        );
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&headers, now), None);
        headers.insert(RETRY_AFTER, "-3".parse().unwrap());
        assert_eq!(parse_retry_after(&headers, now), None);
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }
}
