//! [`FakeServer`]: the skeleton of every provider fake. An in-process HTTP/1.1 server on a
//! loopback port that records every request as a [`RecordedRequest`], applies injected
//! [`Fault`]s (statuses, connection resets, truncated bodies, delays) and hands everything else to
//! a provider's [`FakeService`], which holds the fake's state.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::fault::{Fault, FaultKind, FaultQueue};
use super::request::RecordedRequest;

/// An answer of a [`FakeService`].
///
/// ```
/// use vision_sdk_common::testing::FakeResponse;
/// let created = FakeResponse::json(201, &serde_json::json!({"id": "x"})).header("X-Request-Id", "r1");
/// assert_eq!(created.status(), 201);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl FakeResponse {
    /// An empty answer with this status.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::bytes(status, body.to_string(), "application/json")
    }

    /// A raw body with its content type.
    pub fn bytes(status: u16, body: impl Into<Bytes>, content_type: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A `text/plain` answer.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self::bytes(status, body.into(), "text/plain; charset=utf-8")
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The headers.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The answer a [`FaultKind::Status`] fault gives: its status and headers, its body or
    /// `default_body`'s.
    pub fn for_fault(fault: &Fault, default_body: FakeResponse) -> Self {
        let mut response = match fault.body_and_type() {
            Some((body, content_type)) => {
                Self::bytes(default_body.status, body.to_vec(), content_type)
            }
            None => default_body,
        };
        if let Some(status) = fault.status_code() {
            response.status = status;
        }
        for (name, value) in fault.headers() {
            response = response.header(name, value);
        }
        response
    }
}

/// A provider fake's state and routes, served by a [`FakeServer`].
///
/// For each request the server calls [`precheck`](Self::precheck) (e.g. the credential check, so
/// that a missing key is a 401 even while faults are queued), then applies the first matching
/// injected fault, then calls [`handle`](Self::handle).
pub trait FakeService: Send + 'static {
    /// An answer that takes precedence over injected faults, or `None` to go on.
    fn precheck(&mut self, request: &RecordedRequest) -> Option<FakeResponse> {
        let _ = request;
        None
    }

    /// The normal answer to `request`.
    fn handle(&mut self, request: &RecordedRequest) -> FakeResponse;

    /// The body of a status fault injected without one (default: `{"detail": "injected <status>"}`,
    /// the FastAPI shape).
    fn fault_response(&self, status: u16) -> FakeResponse {
        FakeResponse::json(
            status,
            &serde_json::json!({ "detail": format!("injected {status}") }),
        )
    }
}

struct Shared<S> {
    service: Mutex<S>,
    faults: Mutex<FaultQueue>,
    requests: Mutex<Vec<RecordedRequest>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Guard {
    accept: JoinHandle<()>,
    addr: SocketAddr,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// An in-process HTTP/1.1 server on `127.0.0.1` around a [`FakeService`]. Cheap to clone; it
/// stops accepting connections when the last clone is dropped. Must be started inside a Tokio
/// runtime.
///
/// ```
/// use vision_sdk_common::testing::{FakeResponse, FakeServer, FakeService, Fault, RecordedRequest};
///
/// struct Echo;
/// impl FakeService for Echo {
///     fn handle(&mut self, request: &RecordedRequest) -> FakeResponse {
///         FakeResponse::text(200, request.path.clone())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = FakeServer::start(|_base_url| Echo).await;
/// server.inject(Fault::status("GET /fail", 503).retry_after(1));
/// let http = vision_sdk_common::TransportConfig::new("doc").build().unwrap();
/// let ok = http.get(format!("{}/hello", server.base_url())).send().await.unwrap();
/// assert_eq!(ok.text().await.unwrap(), "/hello");
/// let failed = http.get(format!("{}/fail", server.base_url())).send().await.unwrap();
/// assert_eq!(failed.status(), 503);
/// assert_eq!(failed.headers()["retry-after"], "1");
/// let seen = server.requests();
/// assert_eq!(seen[1].status, Some(503));
/// # }
/// ```
pub struct FakeServer<S> {
    shared: Arc<Shared<S>>,
    guard: Arc<Guard>,
}

impl<S> Clone for FakeServer<S> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            guard: Arc::clone(&self.guard),
        }
    }
}

impl<S> fmt::Debug for FakeServer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.guard.addr)
            .finish_non_exhaustive()
    }
}

type Body = BoxBody<Bytes, std::io::Error>;

enum Plan {
    Respond(FakeResponse),
    Truncate(FakeResponse),
    Reset,
}

impl<S: FakeService> FakeServer<S> {
    /// Binds a loopback port and serves the service `make` builds from the server's base URL
    /// (`http://127.0.0.1:<port>`).
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (outside a Tokio runtime, or no network stack).
    pub async fn start(make: impl FnOnce(&str) -> S) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind a loopback port for the fake server");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            service: Mutex::new(make(&format!("http://{addr}"))),
            faults: Mutex::new(FaultQueue::default()),
            requests: Mutex::new(Vec::new()),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Self {
            shared,
            guard: Arc::new(Guard { accept, addr }),
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.guard.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.guard.addr
    }

    /// Queues a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far, in order, with the status answered (`None` for resets).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Runs `f` on the service's state.
    pub fn with_service<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        f(&mut lock(&self.shared.service))
    }
}

async fn accept_loop<S: FakeService>(listener: TcpListener, shared: Arc<Shared<S>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(Arc::clone(&shared), request));
            // Errors here are the client hanging up, or an injected reset: nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|never: Infallible| match never {})
        .boxed()
}

fn build(response: FakeResponse, truncate: bool) -> hyper::Response<Body> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = if truncate {
        let half = response.body.slice(..response.body.len() / 2);
        builder = builder.header("content-length", response.body.len().to_string());
        // The half is flushed while the stream waits, then the error makes hyper close.
        let frames = futures_util::stream::unfold(Some(half), |half| async move {
            match half {
                Some(half) => Some((Ok(Frame::data(half)), None)),
                None => {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    let error = std::io::Error::other("injected: connection closed mid-body");
                    Some((Err(error), None))
                }
            }
        });
        StreamBody::new(frames).boxed()
    } else {
        full(response.body)
    };
    builder.body(body).unwrap_or_else(|_| {
        let mut fallback = hyper::Response::new(full(Bytes::from_static(
            b"the fake built an invalid response (bad header?)",
        )));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

async fn respond<S: FakeService>(
    shared: Arc<Shared<S>>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut recorded = RecordedRequest::from_parts(
        parts.method.as_str(),
        target,
        parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
        body,
    );
    let fault = {
        let mut service = lock(&shared.service);
        match service.precheck(&recorded) {
            Some(answer) => Err(answer),
            None => Ok(lock(&shared.faults).take(&recorded)),
        }
    };
    let plan = match fault {
        Err(answer) => Plan::Respond(answer),
        Ok(None) => Plan::Respond(lock(&shared.service).handle(&recorded)),
        Ok(Some(fault)) => match fault.kind().clone() {
            FaultKind::Status(status) => {
                let default = lock(&shared.service).fault_response(status);
                Plan::Respond(FakeResponse::for_fault(&fault, default))
            }
            FaultKind::Reset => Plan::Reset,
            FaultKind::CloseMidBody => Plan::Truncate(lock(&shared.service).handle(&recorded)),
            FaultKind::Delay(delay) => {
                tokio::time::sleep(delay).await;
                Plan::Respond(lock(&shared.service).handle(&recorded))
            }
        },
    };
    let (status, result) = match plan {
        Plan::Respond(answer) => (Some(answer.status), Ok(build(answer, false))),
        Plan::Truncate(answer) => (Some(answer.status), Ok(build(answer, true))),
        Plan::Reset => (
            None,
            Err(std::io::Error::other("injected: connection reset")),
        ),
    };
    recorded.status = status;
    lock(&shared.requests).push(recorded);
    result
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::TransportConfig;

    #[derive(Default)]
    struct Counter {
        handled: u32,
    }

    impl FakeService for Counter {
        fn precheck(&mut self, request: &RecordedRequest) -> Option<FakeResponse> {
            (request.header("x-key") != Some("k")).then(|| FakeResponse::text(401, "no key"))
        }
        fn handle(&mut self, request: &RecordedRequest) -> FakeResponse {
            self.handled += 1;
            FakeResponse::bytes(
                200,
                format!("{} #{}", request.path, self.handled),
                "text/plain",
            )
        }
    }

    fn http() -> reqwest::Client {
        TransportConfig::new("fake-test").build().unwrap()
    }

    #[tokio::test]
    async fn records_prechecks_and_applies_faults_in_order() {
        let server = FakeServer::start(|_| Counter::default()).await;
        server.inject(Fault::status("GET /a", 429).times(2).retry_after(7));
        server.inject(Fault::status("*", 500).json(&serde_json::json!({"detail": "x"})));
        let http = http();
        let get = |path: &str| {
            http.get(format!("{}{path}", server.base_url()))
                .header("x-key", "k")
        };
        // No key: the precheck answers before any fault is spent.
        let unauth = http
            .get(format!("{}/a", server.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(unauth.status(), 401);
        for _ in 0..2 {
            let r = get("/a").send().await.unwrap();
            assert_eq!(r.status(), 429);
            assert_eq!(r.headers()["retry-after"], "7");
            assert_eq!(r.text().await.unwrap(), r#"{"detail":"injected 429"}"#);
        }
        let r = get("/b?x=1").send().await.unwrap();
        assert_eq!(r.status(), 500);
        assert_eq!(r.text().await.unwrap(), r#"{"detail":"x"}"#);
        let r = get("/a").send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "/a #1");
        let seen: Vec<(String, Option<u16>)> = server
            .requests()
            .into_iter()
            .map(|r| (r.line(), r.status))
            .collect();
        assert_eq!(
            seen,
            [
                ("GET /a".to_owned(), Some(401)),
                ("GET /a".to_owned(), Some(429)),
                ("GET /a".to_owned(), Some(429)),
                ("GET /b?x=1".to_owned(), Some(500)),
                ("GET /a".to_owned(), Some(200)),
            ]
        );
        assert_eq!(server.with_service(|s| s.handled), 1);
    }

    #[tokio::test]
    async fn transport_faults_reset_truncate_and_delay() {
        let server = FakeServer::start(|_| Counter::default()).await;
        let http = http();
        let url = format!("{}/long/path/for/a/body", server.base_url());
        server.inject(Fault::reset("*"));
        let error = http
            .get(&url)
            .header("x-key", "k")
            .send()
            .await
            .unwrap_err();
        assert!(!error.is_status(), "{error}");
        server.inject(Fault::close_mid_body("*"));
        let response = http.get(&url).header("x-key", "k").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.bytes().await.is_err(), "the body is cut");
        server.inject(Fault::delay("*", Duration::from_millis(20)));
        let started = std::time::Instant::now();
        let response = http.get(&url).header("x-key", "k").send().await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert_eq!(response.text().await.unwrap(), "/long/path/for/a/body #2");
        let statuses: Vec<Option<u16>> = server.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [None, Some(200), Some(200)]);
    }
}
