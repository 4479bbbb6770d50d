//! [`Fault`]: an answer a fake gives instead of its normal one, a number of times, and the
//! [`FaultQueue`] a fake keeps them in.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::request::RecordedRequest;

/// Which requests a [`Fault`] applies to.
///
/// From a `&str`: `"*"` is any request, `"GET /path"` a method and an exact path, `"/path"` an
/// exact path with any method, and a trailing `*` makes the path a prefix (`"/v1/*"`).
/// Provider fakes convert their own endpoint enums into it.
///
/// ```
/// use vision_sdk_common::testing::{Matcher, RecordedRequest};
/// let get = RecordedRequest::new("GET", "/v1/items/7");
/// assert!(Matcher::from("*").matches(&get));
/// assert!(Matcher::from("GET /v1/items/*").matches(&get));
/// assert!(!Matcher::from("POST /v1/items/7").matches(&get));
/// assert!(Matcher::custom(|r| r.path.ends_with("/7")).matches(&get));
/// ```
#[derive(Clone)]
pub struct Matcher {
    method: Option<String>,
    path: PathRule,
    custom: Option<Predicate>,
}

type Predicate = Arc<dyn Fn(&RecordedRequest) -> bool + Send + Sync>;

#[derive(Debug, Clone)]
enum PathRule {
    Any,
    Exact(String),
    Prefix(String),
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matcher")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("custom", &self.custom.is_some())
            .finish()
    }
}

impl Matcher {
    /// Every request.
    pub fn any() -> Self {
        Self {
            method: None,
            path: PathRule::Any,
            custom: None,
        }
    }

    /// Requests with this method (any case) and exactly this path.
    pub fn method_path(method: &str, path: &str) -> Self {
        Self {
            method: Some(method.to_ascii_uppercase()),
            ..Self::path(path)
        }
    }

    /// Requests with exactly this path (any method).
    pub fn path(path: &str) -> Self {
        Self {
            method: None,
            path: PathRule::Exact(path.to_owned()),
            custom: None,
        }
    }

    /// Requests whose path starts with `prefix` (any method).
    pub fn path_prefix(prefix: &str) -> Self {
        Self {
            method: None,
            path: PathRule::Prefix(prefix.to_owned()),
            custom: None,
        }
    }

    /// Requests for which `predicate` is true.
    pub fn custom(predicate: impl Fn(&RecordedRequest) -> bool + Send + Sync + 'static) -> Self {
        Self {
            method: None,
            path: PathRule::Any,
            custom: Some(Arc::new(predicate)),
        }
    }

    /// Whether `request` is one of the matched requests.
    pub fn matches(&self, request: &RecordedRequest) -> bool {
        let method = self
            .method
            .as_deref()
            .is_none_or(|m| request.method.eq_ignore_ascii_case(m));
        let path = match &self.path {
            PathRule::Any => true,
            PathRule::Exact(p) => request.path == *p,
            PathRule::Prefix(p) => request.path.starts_with(p.as_str()),
        };
        method && path && self.custom.as_ref().is_none_or(|f| f(request))
    }
}

impl From<&str> for Matcher {
    fn from(text: &str) -> Self {
        let text = text.trim();
        if text == "*" {
            return Self::any();
        }
        let (method, path) = match text.split_once(' ') {
            Some((m, p)) => (Some(m.to_ascii_uppercase()), p.trim()),
            None => (None, text),
        };
        let path = match path.strip_suffix('*') {
            Some(prefix) => PathRule::Prefix(prefix.to_owned()),
            None => PathRule::Exact(path.to_owned()),
        };
        Self {
            method,
            path,
            custom: None,
        }
    }
}

/// What a [`Fault`] does to the matched request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer this status (with the fault's body and headers, or the fake's default error body).
    Status(u16),
    /// Close the connection without answering (the client sees a connection error).
    Reset,
    /// Send the status line, the headers and a `Content-Length` of the full body, then close the
    /// connection after half of the body.
    CloseMidBody,
    /// Wait this long (on the runtime's timer) and then answer normally; for timeout tests under
    /// `tokio::time::pause`.
    Delay(Duration),
}

/// An answer a fake gives instead of its normal one, a number of times (once by default).
///
/// ```
/// use std::time::Duration;
/// use vision_sdk_common::testing::Fault;
///
/// let throttled = Fault::status("GET /v1/status", 429).times(2).retry_after(3);
/// let broken = Fault::status("*", 500).json(&serde_json::json!({"detail": "boom"}));
/// let reset = Fault::reset("POST /upload");
/// let slow = Fault::delay("*", Duration::from_secs(30)).always();
/// # let _ = (throttled, broken, reset, slow);
/// ```
#[derive(Debug, Clone)]
pub struct Fault {
    matcher: Matcher,
    kind: FaultKind,
    times: usize,
    body: Option<(Vec<u8>, String)>,
    headers: Vec<(String, String)>,
}

impl Fault {
    fn new(matcher: impl Into<Matcher>, kind: FaultKind) -> Self {
        Self {
            matcher: matcher.into(),
            kind,
            times: 1,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Answer `status` to the next matching request.
    pub fn status(matcher: impl Into<Matcher>, status: u16) -> Self {
        Self::new(matcher, FaultKind::Status(status))
    }

    /// Close the connection instead of answering the next matching request.
    pub fn reset(matcher: impl Into<Matcher>) -> Self {
        Self::new(matcher, FaultKind::Reset)
    }

    /// Answer the next matching request normally but cut the body in half and close.
    pub fn close_mid_body(matcher: impl Into<Matcher>) -> Self {
        Self::new(matcher, FaultKind::CloseMidBody)
    }

    /// Answer the next matching request normally after `delay`.
    pub fn delay(matcher: impl Into<Matcher>, delay: Duration) -> Self {
        Self::new(matcher, FaultKind::Delay(delay))
    }

    /// How many matching requests get the fault (`usize::MAX`: every one).
    #[must_use]
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    /// Every matching request gets the fault.
    #[must_use]
    pub fn always(self) -> Self {
        self.times(usize::MAX)
    }

    /// A `Retry-After` header, in seconds.
    #[must_use]
    pub fn retry_after(self, seconds: u64) -> Self {
        self.header("Retry-After", &seconds.to_string())
    }

    /// An extra response header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A raw response body with its content type (instead of the fake's default error body).
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        self.body = Some((body.into(), content_type.to_owned()));
        self
    }

    /// A JSON response body.
    #[must_use]
    pub fn json(self, body: &serde_json::Value) -> Self {
        self.body(body.to_string().into_bytes(), "application/json")
    }

    /// What the fault does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }

    /// The status of a [`FaultKind::Status`] fault.
    pub fn status_code(&self) -> Option<u16> {
        match self.kind {
            FaultKind::Status(status) => Some(status),
            _ => None,
        }
    }

    /// The body set with [`body`](Self::body) or [`json`](Self::json), with its content type.
    pub fn body_and_type(&self) -> Option<(&[u8], &str)> {
        self.body.as_ref().map(|(b, t)| (b.as_slice(), t.as_str()))
    }

    /// The extra response headers (including `Retry-After`).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// How many more requests get the fault.
    pub fn remaining(&self) -> usize {
        self.times
    }

    /// Whether the fault applies to `request`.
    pub fn matches(&self, request: &RecordedRequest) -> bool {
        self.times > 0 && self.matcher.matches(request)
    }
}

/// The faults a fake still has to apply, in the order they were injected.
///
/// ```
/// use vision_sdk_common::testing::{Fault, FaultQueue, RecordedRequest};
/// let mut queue = FaultQueue::default();
/// queue.push(Fault::status("*", 503).times(2));
/// let request = RecordedRequest::new("GET", "/x");
/// assert_eq!(queue.take(&request).and_then(|f| f.status_code()), Some(503));
/// assert!(queue.take(&request).is_some());
/// assert!(queue.take(&request).is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct FaultQueue {
    faults: Vec<Fault>,
}

impl FaultQueue {
    /// Queues a fault.
    pub fn push(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    /// The first fault matching `request`, counted as used (a copy with `times` 1), if any.
    pub fn take(&mut self, request: &RecordedRequest) -> Option<Fault> {
        let index = self.faults.iter().position(|f| f.matches(request))?;
        let fault = &mut self.faults[index];
        if fault.times != usize::MAX {
            fault.times -= 1;
        }
        let mut taken = fault.clone();
        taken.times = 1;
        self.faults.retain(|f| f.times > 0);
        Some(taken)
    }

    /// Drops every queued fault.
    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// How many faults are still queued.
    pub fn len(&self) -> usize {
        self.faults.len()
    }

    /// Whether no fault is queued.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }
}
