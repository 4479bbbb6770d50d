//! Waiting for a remote result: poll with a growing delay until it is ready or a deadline passes.
//!
//! Used by Groundlight's confident-answer waits (0.25 s growing ×1.3, clamped to the deadline),
//! Dragoneye's task status (every second) and, later, Clarifai's long-running jobs.
//! Cancel-safe: dropping the future stops polling and leaves nothing behind.

use std::future::Future;
use std::time::Duration;

use crate::clock::Clock;

/// When to poll: the first delay, its growth factor and an optional cap.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSchedule {
    initial: Duration,
    factor: f64,
    max_delay: Option<Duration>,
}

impl PollSchedule {
    /// Delays `initial`, `initial·factor`, `initial·factor²`, … (factor below 1 is treated as 1).
    pub fn new(initial: Duration, factor: f64) -> Self {
        Self {
            initial,
            factor: if factor.is_finite() && factor >= 1.0 {
                factor
            } else {
                1.0
            },
            max_delay: None,
        }
    }

    /// The same delay every time.
    pub fn fixed(interval: Duration) -> Self {
        Self::new(interval, 1.0)
    }

    /// Caps each delay.
    pub fn max_delay(mut self, max: Option<Duration>) -> Self {
        self.max_delay = max;
        self
    }

    /// The delay before poll number `n + 1` (0-based `n`), before clamping to the deadline.
    pub fn delay(&self, n: u32) -> Duration {
        let secs =
            self.initial.as_secs_f64() * self.factor.powi(i32::try_from(n).unwrap_or(i32::MAX));
        let delay = if secs.is_finite() && secs < 1e9 {
            Duration::from_secs_f64(secs)
        } else {
            Duration::from_secs(1_000_000_000)
        };
        match self.max_delay {
            Some(max) => delay.min(max),
            None => delay,
        }
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe<T> {
    /// Done: stop polling.
    Ready(T),
    /// Not yet: keep this as the latest value and poll again.
    Pending(T),
}

/// How a poll ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome<T> {
    /// The condition was met.
    Ready(T),
    /// The deadline passed; this is the last value seen.
    TimedOut(T),
}

impl<T> PollOutcome<T> {
    /// The value, ready or not (the official SDKs' "return the last value at the deadline").
    pub fn into_inner(self) -> T {
        match self {
            Self::Ready(v) | Self::TimedOut(v) => v,
        }
    }

    /// `true` when the condition was met.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready(_))
    }

    /// The value when ready, else `Err(last value)` so the caller can raise a timeout error.
    pub fn ready(self) -> Result<T, T> {
        match self {
            Self::Ready(v) => Ok(v),
            Self::TimedOut(v) => Err(v),
        }
    }
}

/// Calls `probe` at once, then after each scheduled delay (the last one clamped so the final
/// poll happens at the deadline), until it returns [`Probe::Ready`], it fails, or `timeout` has
/// passed since the start.
///
/// ```
/// use std::time::Duration;
/// use vision_sdk_common::clock::ManualClock;
/// use vision_sdk_common::poll::{poll_until, PollOutcome, PollSchedule, Probe};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = ManualClock::new();
/// let mut n = 0;
/// let outcome = poll_until(&clock, &PollSchedule::fixed(Duration::from_secs(1)), Duration::from_secs(10), || {
///     n += 1;
///     let value = n;
///     async move { Ok::<_, std::convert::Infallible>(if value == 3 { Probe::Ready(value) } else { Probe::Pending(value) }) }
/// }).await.unwrap();
/// assert_eq!(outcome, PollOutcome::Ready(3));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(1); 2]);
/// # });
/// ```
pub async fn poll_until<T, E, F, Fut>(
    clock: &dyn Clock,
    schedule: &PollSchedule,
    timeout: Duration,
    mut probe: F,
) -> Result<PollOutcome<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Probe<T>, E>>,
{
    let start = clock.now();
    let mut n: u32 = 0;
    loop {
        let last = match probe().await? {
            Probe::Ready(value) => return Ok(PollOutcome::Ready(value)),
            Probe::Pending(value) => value,
        };
        let elapsed = clock.now().saturating_duration_since(start);
        if elapsed >= timeout {
            return Ok(PollOutcome::TimedOut(last));
        }
        let wait = schedule.delay(n).min(timeout - elapsed);
        n = n.saturating_add(1);
        drop(last);
        clock.sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn groundlight_schedule() {
        let s = PollSchedule::new(Duration::from_millis(250), 1.3);
        let delays: Vec<u128> = (0..5).map(|n| s.delay(n).as_micros()).collect();
        assert_eq!(delays, vec![250_000, 325_000, 422_500, 549_250, 714_025]);
        let capped = s.clone().max_delay(Some(Duration::from_millis(300)));
        assert_eq!(capped.delay(4), Duration::from_millis(300));
        assert_eq!(
            PollSchedule::new(Duration::from_secs(1), 0.5).delay(3),
            Duration::from_secs(1)
        );
    }

    #[tokio::test]
    async fn clamps_last_sleep_to_deadline_and_returns_last_value() {
        let clock = ManualClock::new();
        let schedule = PollSchedule::new(Duration::from_millis(250), 1.3);
        let mut polls = 0u32;
        let outcome = poll_until(&clock, &schedule, Duration::from_secs(3), || {
            polls += 1;
            let value = polls;
            async move { Ok::<_, ()>(Probe::Pending(value)) }
        })
        .await
        .unwrap();
        let sleeps = clock.sleeps();
        let total: Duration = sleeps.iter().sum();
        assert_eq!(total, Duration::from_secs(3), "{sleeps:?}");
        // 0.25 + 0.325 + 0.4225 + 0.549 + 0.714 = 2.26; then 0.74 clamped.
        assert_eq!(sleeps.len(), 6, "{sleeps:?}");
        assert_eq!(outcome, PollOutcome::TimedOut(7));
        assert_eq!(outcome.clone().into_inner(), 7);
        assert_eq!(outcome.ready(), Err(7));
    }

    #[tokio::test]
    async fn probe_error_stops_polling() {
        let clock = ManualClock::new();
        let result: Result<PollOutcome<()>, &str> = poll_until(
            &clock,
            &PollSchedule::fixed(Duration::from_secs(1)),
            Duration::from_secs(60),
            || async { Err("boom") },
        )
        .await;
        assert_eq!(result, Err("boom"));
        assert!(clock.sleeps().is_empty());
    }

    #[tokio::test]
    async fn zero_timeout_polls_once() {
        let clock = ManualClock::new();
        let mut polls = 0;
        let outcome = poll_until(
            &clock,
            &PollSchedule::fixed(Duration::from_secs(1)),
            Duration::ZERO,
            || {
                polls += 1;
                async { Ok::<_, ()>(Probe::Pending("x")) }
            },
        )
        .await
        .unwrap();
        assert_eq!(polls, 1);
        assert!(!outcome.is_ready());
    }

    #[tokio::test(start_paused = true)]
    async fn works_with_paused_tokio_time_and_is_cancel_safe() {
        let clock = crate::clock::TokioClock;
        let start = tokio::time::Instant::now();
        let schedule = PollSchedule::fixed(Duration::from_secs(5));
        let fut = poll_until(&clock, &schedule, Duration::from_secs(3600), || async {
            Ok::<_, ()>(Probe::Pending(()))
        });
        // Dropping after a timeout leaves nothing running.
        let r = tokio::time::timeout(Duration::from_secs(12), fut).await;
        assert!(r.is_err());
        assert!(tokio::time::Instant::now() - start >= Duration::from_secs(12));
    }
}
