//! Time as the retry loop and the pollers see it, so tests never sleep for real.
//!
//! Production code uses [`TokioClock`] (which also honours `tokio::time::pause`). Tests can inject
//! a [`ManualClock`]: each `sleep` returns at once, advances the clock's virtual time and is
//! recorded, so a test can assert the exact backoff schedule of a call.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A boxed, sendable sleep future.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of "now" and of sleeps.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The real clock: `tokio::time` (pausable in tests with `tokio::time::pause`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The clock every SDK client uses unless a test injects another.
pub fn default_clock() -> Arc<dyn Clock> {
    Arc::new(TokioClock)
}

/// A virtual clock for tests: sleeping advances it instantly and records the duration.
///
/// ```
/// use std::time::Duration;
/// use vision_sdk_common::clock::{Clock, ManualClock};
/// # tokio_test_block_on(async {
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.sleep(Duration::from_secs(30)).await;
/// assert_eq!(clock.now() - t0, Duration::from_secs(30));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    start: Instant,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock at an arbitrary origin with no recorded sleeps.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(ManualState {
                start: Instant::now(),
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves time forward without recording a sleep (e.g. to simulate slow server work).
    pub fn advance(&self, by: Duration) {
        self.lock().elapsed += by;
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Virtual time elapsed since the clock was created.
    pub fn elapsed(&self) -> Duration {
        self.lock().elapsed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let state = self.lock();
        state.start + state.elapsed
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        {
            let mut state = self.lock();
            state.elapsed += duration;
            state.sleeps.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}
