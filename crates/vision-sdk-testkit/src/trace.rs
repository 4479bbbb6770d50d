//! Capturing `tracing` output (and `log` records) as text, for tests that prove secrets never
//! reach logs.

use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// A shared text buffer that a `tracing` fmt layer (and the `log` bridge) write into.
#[derive(Debug, Clone, Default)]
pub struct CaptureBuffer(Arc<Mutex<Vec<u8>>>);

impl CaptureBuffer {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Asserts that `needle` (a secret) appears nowhere in the captured text.
    ///
    /// # Panics
    ///
    /// When it does; the message does not repeat the secret.
    #[track_caller]
    pub fn assert_absent(&self, needle: &str) {
        let text = self.text();
        if let Some(at) = text.find(needle) {
            let line = text[..at].matches('\n').count() + 1;
            panic!(
                "a secret leaked into the captured traces (line {line}):\n{}",
                text.replace(needle, "<THE SECRET>")
            );
        }
    }

    fn append(&self, bytes: &[u8]) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
    }
}

impl std::io::Write for CaptureBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.append(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CaptureBuffer {
    type Writer = CaptureBuffer;
    fn make_writer(&'a self) -> CaptureBuffer {
        self.clone()
    }
}

/// A `tracing` subscriber that writes every event and span (open and close, with their
/// fields) at `TRACE` level, without colours, into `buffer`. Compose your own or use
/// [`capture_traces`] / [`capture_traces_globally`].
pub fn capture_subscriber(buffer: CaptureBuffer) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_writer(buffer)
        .with_ansi(false)
        .finish()
}

/// A capture of this thread's traces until dropped; also receives `log` records (from every
/// thread) while alive.
#[derive(Debug)]
pub struct TraceCapture {
    buffer: CaptureBuffer,
    _guard: Option<tracing::subscriber::DefaultGuard>,
}

impl TraceCapture {
    /// The captured text so far.
    pub fn text(&self) -> String {
        self.buffer.text()
    }

    /// The buffer (clone it to read it after the capture ends).
    pub fn buffer(&self) -> &CaptureBuffer {
        &self.buffer
    }

    /// See [`CaptureBuffer::assert_absent`].
    #[track_caller]
    pub fn assert_absent(&self, needle: &str) {
        self.buffer.assert_absent(needle);
    }
}

/// Captures the traces of the current thread (a `#[tokio::test]` on the default current-thread
/// runtime runs everything there) and `log` records, until the returned value is dropped.
///
/// ```
/// let capture = vision_sdk_testkit::capture_traces();
/// tracing::info!(user = "ann", "signed in");
/// log::warn!("from log");
/// assert!(capture.text().contains("signed in"));
/// assert!(capture.text().contains("from log"));
/// capture.assert_absent("hunter2");
/// ```
pub fn capture_traces() -> TraceCapture {
    let buffer = CaptureBuffer::default();
    let guard = tracing::subscriber::set_default(capture_subscriber(buffer.clone()));
    register_log_sink(&buffer);
    TraceCapture {
        buffer,
        _guard: Some(guard),
    }
}

/// Like [`capture_traces`] but for every thread (multi-threaded runtimes): installs the
/// process-wide subscriber once and returns a capture of everything from then on. The first
/// call wins; later calls share its buffer (nextest runs each test in its own process).
pub fn capture_traces_globally() -> TraceCapture {
    static GLOBAL: OnceLock<CaptureBuffer> = OnceLock::new();
    let buffer = GLOBAL
        .get_or_init(|| {
            let buffer = CaptureBuffer::default();
            // Fails only when another global subscriber exists; the capture is then empty.
            let _ = tracing::subscriber::set_global_default(capture_subscriber(buffer.clone()));
            buffer
        })
        .clone();
    register_log_sink(&buffer);
    TraceCapture {
        buffer,
        _guard: None,
    }
}

// ---------------------------------------------------------------------------------------------
// `log` bridge: one global logger fanning records out to every live capture.

static LOG_SINKS: Mutex<Vec<Weak<Mutex<Vec<u8>>>>> = Mutex::new(Vec::new());

struct Bridge;

impl log::Log for Bridge {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!(
            "{} {} (log): {}\n",
            record.level(),
            record.target(),
            record.args()
        );
        let mut sinks = LOG_SINKS.lock().unwrap_or_else(PoisonError::into_inner);
        sinks.retain(|sink| match sink.upgrade() {
            Some(buffer) => {
                CaptureBuffer(buffer).append(line.as_bytes());
                true
            }
            None => false,
        });
    }

    fn flush(&self) {}
}

fn register_log_sink(buffer: &CaptureBuffer) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        if log::set_logger(&Bridge).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    });
    LOG_SINKS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Arc::downgrade(&buffer.0));
}
