//! [`SteppedClock`]: a virtual clock whose sleeps wait until the test moves time past them.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use vision_sdk_common::clock::{Clock, SleepFuture};

/// A virtual clock for background schedules (the token refresh task): a `sleep` returns only
/// once [`advance`](Self::advance) has moved the clock past its end, so a test decides when
/// each refresh happens, and nothing sleeps for real.
///
/// A [`ManualClock`](crate::ManualClock), whose sleeps return at once, suits retry backoffs and
/// polling; a background loop on it would never wait.
///
/// ```
/// use std::time::Duration;
/// use groundlight::common::clock::Clock;
/// use groundlight::testing::SteppedClock;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let clock = SteppedClock::new();
/// let sleep = tokio::spawn(clock.sleep(Duration::from_secs(60)));
/// clock.wait_for_sleeps(1).await; // the sleep has started
/// clock.advance(Duration::from_secs(59));
/// tokio::task::yield_now().await;
/// assert!(!sleep.is_finished());
/// clock.advance(Duration::from_secs(1));
/// sleep.await.unwrap();
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(60)]);
/// # }
/// ```
#[derive(Clone)]
pub struct SteppedClock {
    inner: Arc<Inner>,
}

struct Inner {
    start: Instant,
    elapsed: watch::Sender<Duration>,
    started: watch::Sender<usize>,
    /// Sleeps neither over nor dropped.
    pending: watch::Sender<usize>,
    sleeps: Mutex<Vec<Duration>>,
}

/// Counts a sleep as pending until it ends or is dropped (e.g. its task aborted).
struct Pending(Arc<Inner>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl fmt::Debug for SteppedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SteppedClock")
            .field("elapsed", &self.elapsed())
            .field("sleeps", &self.sleeps().len())
            .finish()
    }
}

impl Default for SteppedClock {
    fn default() -> Self {
        Self::new()
    }
}

impl SteppedClock {
    /// A clock at an arbitrary origin with no sleeps.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                start: Instant::now(),
                elapsed: watch::Sender::new(Duration::ZERO),
                started: watch::Sender::new(0),
                pending: watch::Sender::new(0),
                sleeps: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Moves time forward, ending every sleep that is then over.
    pub fn advance(&self, by: Duration) {
        self.inner.elapsed.send_modify(|e| *e += by);
    }

    /// Virtual time elapsed since the clock was created.
    pub fn elapsed(&self) -> Duration {
        *self.inner.elapsed.borrow()
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner
            .sleeps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until `count` sleeps have been requested in all (e.g. until a background task has
    /// finished its work and waits again).
    pub async fn wait_for_sleeps(&self, count: usize) {
        let mut started = self.inner.started.subscribe();
        // The sender lives in `self`: the channel cannot close while this waits.
        let _ = started.wait_for(|n| *n >= count).await;
    }

    /// How many sleeps are under way (started, not over, not dropped).
    pub fn pending_sleeps(&self) -> usize {
        *self.inner.pending.borrow()
    }

    /// Waits until no sleep is under way (e.g. until an aborted background task is gone).
    pub async fn wait_until_no_sleeps(&self) {
        let mut pending = self.inner.pending.subscribe();
        let _ = pending.wait_for(|n| *n == 0).await;
    }
}

impl Clock for SteppedClock {
    fn now(&self) -> Instant {
        self.inner.start + self.elapsed()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        let mut elapsed = self.inner.elapsed.subscribe();
        let end = *elapsed.borrow() + duration;
        self.inner
            .sleeps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(duration);
        self.inner.pending.send_modify(|n| *n += 1);
        self.inner.started.send_modify(|n| *n += 1);
        let pending = Pending(Arc::clone(&self.inner));
        Box::pin(async move {
            let _pending = pending;
            let _ = elapsed.wait_for(|e| *e >= end).await;
        })
    }
}
