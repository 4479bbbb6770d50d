//! A loopback HTTP/1.1 server that misbehaves on purpose, for the fault matrices of the SDK crates.
//!
//! A [`FaultServer`] listens on `127.0.0.1` (a random port) and answers each request with the next
//! [`Step`] of its script (a queue, then a fallback), or with what a closure over the request
//! returns ([`FaultServer::respond_with`]). It speaks HTTP/1.1 on raw TCP, so it can do what a
//! well-behaved server library cannot:
//!
//! | fault | how |
//! | --- | --- |
//! | any status, headers, body | [`Reply::new`], [`Reply::header`], [`Reply::body`], [`Reply::json`] |
//! | `Retry-After` as seconds, HTTP date, garbage, absent | [`Reply::retry_after`] with [`RetryAfter`] |
//! | connection refused | [`RefusedPort`] |
//! | reset / close before any response | [`Step::Reset`], [`Step::Close`] |
//! | close mid-body (chunked, no last chunk) | [`Ending::CloseMidBody`] |
//! | `Content-Length` longer than the body | [`Ending::ShortBody`] |
//! | slow headers | [`Reply::delay_headers`] |
//! | slow-drip body | [`Reply::drip`] |
//! | answer, then close without `Connection: close` | [`Ending::CloseWithoutNotice`] |
//! | keep-alive race: the next request on the connection is read and dropped | [`Ending::DropNext`] |
//! | redirect (307, 302, …) to another origin | [`Reply::redirect`] with a second server's URL |
//! | echo the request's credential in headers and body | [`Reply::echo_credential`] with [`Credential`] |
//! | large body, generated while it is written | [`Reply::large`] |
//! | non-UTF-8 body, wrong content type | [`Reply::body`] with any bytes, [`Reply::header`] |
//!
//! Every request is recorded ([`RecordedRequest`]: method, path, query, headers, body, and which
//! connection it came on) and counted as soon as its head arrives, so a test can assert how many
//! times a call reached the server and that a credential never reached another origin
//! ([`FaultServer::saw`]). Server-side delays are real but clamped to [`MAX_DELAY`]; SDK backoff is
//! meant to run on a manual clock.
//!
//! ```
//! use vision_sdk_testkit::fault_server::{FaultServer, Reply, RetryAfter, Step};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let server = FaultServer::start().await;
//! server.push(Reply::new(429).retry_after(RetryAfter::Seconds(2)));
//! server.push(Step::Reset);
//! server.push(Reply::json(200, r#"{"ok":true}"#));
//!
//! # let _ = rustls::crypto::ring::default_provider().install_default();
//! let http = reqwest::Client::new();
//! let first = http.get(server.url("/a")).send().await.unwrap();
//! assert_eq!(first.status(), 429);
//! assert_eq!(first.headers()["retry-after"], "2");
//! assert!(http.get(server.url("/a")).send().await.is_err()); // reset
//! let third = http.get(server.url("/a?x=1")).send().await.unwrap();
//! assert_eq!(third.text().await.unwrap(), r#"{"ok":true}"#);
//!
//! assert_eq!(server.request_count(), 3);
//! assert_eq!(server.requests()[2].query.as_deref(), Some("x=1"));
//! # });
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::{Buf, Bytes, BytesMut};
use http::{Method, StatusCode};
use percent_encoding::NON_ALPHANUMERIC;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// The longest real delay the server ever waits (header delays and drip intervals are clamped).
pub const MAX_DELAY: Duration = Duration::from_millis(200);

/// The largest request head or chunk-size line the server accepts.
const MAX_HEAD: usize = 1 << 20;

/// How a generated ([`Reply::large`]) body is written: one reused buffer of this size.
const GENERATED_CHUNK: usize = 64 * 1024;

/// Where a request carries its credential (mirrors the SDK's `AuthScheme`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A named header holding the bare key.
    Header(String),
    /// The `Authorization` header, without its first word (`Bearer`, `Key`, …).
    Authorization,
    /// A query parameter (decoded).
    Query(String),
    /// A top-level string member of a JSON object body.
    JsonField(String),
}

impl Credential {
    /// A named header (the name is matched case-insensitively).
    pub fn header(name: &str) -> Self {
        Self::Header(name.to_ascii_lowercase())
    }
    /// A query parameter.
    pub fn query(name: &str) -> Self {
        Self::Query(name.to_owned())
    }
    /// A member of the JSON body.
    pub fn json_field(name: &str) -> Self {
        Self::JsonField(name.to_owned())
    }
}

/// One request as the server received it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Arrival order on this server (0-based).
    pub index: usize,
    /// Which connection it came on (0-based, in accept order).
    pub connection: usize,
    /// Its position on that connection (0 for the first request).
    pub on_connection: usize,
    /// The method.
    pub method: Method,
    /// The path (without the query).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The headers in order, names lowercased.
    pub headers: Vec<(String, Bytes)>,
    /// The body (decoded from chunked framing).
    pub body: Bytes,
    /// `false` when the connection ended before the whole body arrived.
    pub complete: bool,
    /// The raw request head (request line and headers).
    pub head: Bytes,
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("index", &self.index)
            .field("connection", &self.connection)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers.len())
            .field("body_len", &self.body.len())
            .field("complete", &self.complete)
            .finish_non_exhaustive()
    }
}

impl RecordedRequest {
    /// A header's value as text (the first one of that name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// A query parameter, decoded (the first one of that name).
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The credential as this request carries it in `place`, if it does.
    pub fn credential(&self, place: &Credential) -> Option<String> {
        match place {
            Credential::Header(name) => self.header(name).map(str::to_owned),
            Credential::Authorization => self.header("authorization").map(|v| {
                v.split_once(' ')
                    .map_or(v, |(_, rest)| rest.trim_start())
                    .to_owned()
            }),
            Credential::Query(name) => self.query_param(name),
            Credential::JsonField(name) => self
                .body_json()?
                .get(name.as_str())?
                .as_str()
                .map(str::to_owned),
        }
    }

    /// `true` when `needle` appears anywhere in the request (head or body), raw, percent-encoded,
    /// form-encoded or JSON-escaped, or in the percent-decoded request line.
    pub fn mentions(&self, needle: &str) -> bool {
        if needle.is_empty() {
            return false;
        }
        let forms = encoded_forms(needle);
        let decoded_head = percent_encoding::percent_decode(&self.head).collect::<Vec<u8>>();
        forms.iter().any(|form| {
            let form = form.as_bytes();
            [&self.head[..], &self.body[..], &decoded_head[..]]
                .iter()
                .any(|hay| contains(hay, form))
        })
    }
}

/// `needle` raw, percent-encoded (every non-alphanumeric byte), form-encoded and JSON-escaped.
pub fn encoded_forms(needle: &str) -> Vec<String> {
    let mut forms = vec![needle.to_owned()];
    let percent = percent_encoding::utf8_percent_encode(needle, NON_ALPHANUMERIC).to_string();
    let form: String = url::form_urlencoded::byte_serialize(needle.as_bytes()).collect();
    let json = serde_json::to_string(needle).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    for f in [percent, form, json] {
        if !forms.contains(&f) {
            forms.push(f);
        }
    }
    forms
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack.len() >= needle.len()
        && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A `Retry-After` header, in each of the forms a server may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Delta-seconds: `Retry-After: 2`.
    Seconds(u64),
    /// An HTTP date this far in the future (whole seconds, so a client may see up to a second
    /// less).
    HttpDate(Duration),
    /// A value that is neither: `Retry-After: soon, maybe`.
    Garbage,
    /// No header at all.
    Absent,
}

/// What happens to the connection after a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Ending {
    /// The connection stays open for the next request (HTTP/1.1 keep-alive).
    #[default]
    KeepAlive,
    /// `Connection: close` is sent, then the connection is closed.
    Close,
    /// The reply is complete and announces keep-alive, then the server closes the connection
    /// (FIN) at once: a client that reuses it before it sees the close loses the next request.
    CloseWithoutNotice,
    /// The reply is complete and keep-alive; the next request on this connection is read and
    /// the connection is closed without an answer (the lost request of a keep-alive race, made
    /// deterministic). Later requests on new connections are answered normally.
    DropNext,
    /// The body is sent chunked; after `after` bytes of it the connection is closed without the
    /// last chunk.
    CloseMidBody {
        /// Body bytes sent before the close.
        after: usize,
    },
    /// `Content-Length: declared` is sent with a shorter body, then the connection is closed.
    ShortBody {
        /// The announced length (longer than the body).
        declared: u64,
    },
}

#[derive(Debug, Clone)]
enum Body {
    Bytes(Bytes),
    /// `len` bytes of a repeating pattern, produced while they are written.
    Generated(u64),
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Self::Bytes(b) => b.len() as u64,
            Self::Generated(len) => *len,
        }
    }
}

/// An HTTP answer, and how (badly) to deliver it.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Body,
    header_delay: Duration,
    drip: Option<(usize, Duration)>,
    ending: Ending,
    echo: Option<Credential>,
}

impl Reply {
    /// A reply with this status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Bytes::new()),
            header_delay: Duration::ZERO,
            drip: None,
            ending: Ending::KeepAlive,
            echo: None,
        }
    }

    /// A JSON reply (`Content-Type: application/json`).
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status)
            .header("content-type", "application/json")
            .body(body)
    }

    /// An HTML reply (`Content-Type: text/html`), as proxies and gateways send.
    pub fn html(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status)
            .header("content-type", "text/html; charset=utf-8")
            .body(body)
    }

    /// A redirect to `location` (any URL: another [`FaultServer`]'s for a cross-origin hop).
    pub fn redirect(status: u16, location: impl AsRef<str>) -> Self {
        Self::new(status).header("location", location.as_ref())
    }

    /// A body of `len` bytes generated while it is written (never held in memory at once).
    pub fn large(status: u16, len: u64) -> Self {
        let mut reply = Self::new(status).header("content-type", "application/octet-stream");
        reply.body = Body::Generated(len);
        reply
    }

    /// Adds a header (any bytes are allowed in the value, including obs-text).
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }

    /// Sets the body (any bytes; non-UTF-8 is fine).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Body::Bytes(body.into());
        self
    }

    /// Adds `Retry-After` in the given form.
    pub fn retry_after(self, retry_after: RetryAfter) -> Self {
        match retry_after {
            RetryAfter::Seconds(s) => self.header("retry-after", s.to_string()),
            RetryAfter::HttpDate(after) => self.header(
                "retry-after",
                httpdate::fmt_http_date(SystemTime::now() + after),
            ),
            RetryAfter::Garbage => self.header("retry-after", "soon, maybe"),
            RetryAfter::Absent => self,
        }
    }

    /// Waits this long (at most [`MAX_DELAY`]) before sending the status line.
    pub fn delay_headers(mut self, delay: Duration) -> Self {
        self.header_delay = delay.min(MAX_DELAY);
        self
    }

    /// Sends the body `chunk` bytes at a time, waiting `interval` (at most [`MAX_DELAY`])
    /// before each chunk.
    pub fn drip(mut self, chunk: usize, interval: Duration) -> Self {
        self.drip = Some((chunk.max(1), interval.min(MAX_DELAY)));
        self
    }

    /// What happens to the connection after (or during) the reply.
    pub fn ending(mut self, ending: Ending) -> Self {
        self.ending = ending;
        self
    }

    /// Echoes the credential found in the request at `place`, as a careless server does:
    ///
    /// - in the headers `x-request-id`, `x-echo-credential`, `www-authenticate`, `location`
    ///   (percent-encoded in a query) and `x-ratelimit-remaining` (followed by a non-UTF-8 byte);
    /// - in the body: when the body is empty, a JSON error naming the key raw, JSON-escaped,
    ///   percent- and form-encoded; otherwise the placeholders `{{credential}}`,
    ///   `{{credential_json}}` and `{{credential_pct}}` in the body and in header values are
    ///   replaced.
    ///
    /// A request without the credential gets empty strings in its place.
    pub fn echo_credential(mut self, place: Credential) -> Self {
        self.echo = Some(place);
        self
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Step {
    /// Answers (see [`Reply`]).
    Reply(Reply),
    /// Reads the whole request, then closes the connection (FIN) without answering.
    Close,
    /// Reads the whole request, then resets the connection (RST) without answering.
    Reset,
}

impl From<Reply> for Step {
    fn from(reply: Reply) -> Self {
        Self::Reply(reply)
    }
}

type Responder = Arc<dyn Fn(&RecordedRequest) -> Step + Send + Sync>;

enum Script {
    Queue {
        steps: VecDeque<Step>,
        fallback: Step,
    },
    Closure(Responder),
}

struct Shared {
    script: Mutex<Script>,
    requests: Mutex<Vec<RecordedRequest>>,
    received: AtomicUsize,
    connections: AtomicUsize,
    tasks: Mutex<Vec<AbortHandle>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn next_step(&self, request: &RecordedRequest) -> Step {
        let responder = {
            let mut script = lock(&self.script);
            match &mut *script {
                Script::Queue { steps, fallback } => {
                    return steps.pop_front().unwrap_or_else(|| fallback.clone());
                }
                Script::Closure(f) => Arc::clone(f),
            }
        };
        responder(request)
    }
}

/// A scripted loopback HTTP/1.1 server. Dropping it stops it and closes its connections.
pub struct FaultServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl fmt::Debug for FaultServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultServer")
            .field("addr", &self.addr)
            .field("requests", &self.request_count())
            .finish()
    }
}

impl FaultServer {
    /// Starts a server on `127.0.0.1` (a free port) on the current tokio runtime. Until scripted,
    /// it answers every request with `418` and a body saying the script is empty.
    pub async fn start() -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            script: Mutex::new(Script::Queue {
                steps: VecDeque::new(),
                fallback: Reply::new(418)
                    .header("content-type", "text/plain")
                    .body("fault server: no step scripted for this request")
                    .into(),
            }),
            requests: Mutex::new(Vec::new()),
            received: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            tasks: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let id = accept_shared.connections.fetch_add(1, Ordering::SeqCst);
                let conn_shared = Arc::clone(&accept_shared);
                let task = tokio::spawn(serve_connection(conn_shared, stream, id));
                let mut tasks = lock(&accept_shared.tasks);
                tasks.retain(|t| !t.is_finished());
                tasks.push(task.abort_handle());
            }
        });
        lock(&shared.tasks).push(accept.abort_handle());
        Self { addr, shared }
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL followed by `path_and_query` (which should start with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url())
    }

    /// Appends a step to the script (switching back to a queue if a closure was set).
    pub fn push(&self, step: impl Into<Step>) -> &Self {
        let step = step.into();
        let mut script = lock(&self.shared.script);
        match &mut *script {
            Script::Queue { steps, .. } => steps.push_back(step),
            Script::Closure(_) => {
                *script = Script::Queue {
                    steps: VecDeque::from([step]),
                    fallback: Reply::new(418).into(),
                }
            }
        }
        self
    }

    /// Appends steps to the script, in order.
    pub fn script<S: Into<Step>>(&self, steps: impl IntoIterator<Item = S>) -> &Self {
        for step in steps {
            self.push(step);
        }
        self
    }

    /// The step used (again and again) once the queue is empty.
    pub fn fallback(&self, step: impl Into<Step>) -> &Self {
        let step = step.into();
        let mut script = lock(&self.shared.script);
        match &mut *script {
            Script::Queue { fallback, .. } => *fallback = step,
            Script::Closure(_) => {
                *script = Script::Queue {
                    steps: VecDeque::new(),
                    fallback: step,
                }
            }
        }
        self
    }

    /// Replaces the script with a closure deciding each step from the request (its
    /// [`RecordedRequest::index`] counts the requests before it).
    pub fn respond_with(
        &self,
        responder: impl Fn(&RecordedRequest) -> Step + Send + Sync + 'static,
    ) -> &Self {
        *lock(&self.shared.script) = Script::Closure(Arc::new(responder));
        self
    }

    /// How many requests arrived (counted when the head arrives, body or not).
    pub fn request_count(&self) -> usize {
        self.shared.received.load(Ordering::SeqCst)
    }

    /// How many connections were accepted.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// `true` when any request received so far [mentions](RecordedRequest::mentions) `needle`
    /// (a credential, in any encoding, anywhere in the request).
    pub fn saw(&self, needle: &str) -> bool {
        lock(&self.shared.requests)
            .iter()
            .any(|r| r.mentions(needle))
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        for task in lock(&self.shared.tasks).drain(..) {
            task.abort();
        }
    }
}

/// A loopback port that refuses connections (bound, never listening), held until dropped so no
/// other server of the test process can take it.
///
/// ```
/// use vision_sdk_testkit::fault_server::RefusedPort;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let _ = rustls::crypto::ring::default_provider().install_default();
/// let refused = RefusedPort::new();
/// let err = reqwest::get(refused.url("/x")).await.unwrap_err();
/// assert!(err.is_connect());
/// # });
/// ```
#[derive(Debug)]
pub struct RefusedPort {
    _socket: tokio::net::TcpSocket,
    addr: SocketAddr,
}

impl RefusedPort {
    /// Binds a free loopback port without listening on it (needs no runtime).
    pub fn new() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind a loopback port");
        let addr = socket.local_addr().expect("local address");
        Self {
            _socket: socket,
            addr,
        }
    }

    /// `http://127.0.0.1:<port>` followed by `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }
}

impl Default for RefusedPort {
    fn default() -> Self {
        Self::new()
    }
}

/// What a connection does after a reply.
enum After {
    Continue,
    DropNext,
    Closed,
}

async fn serve_connection(shared: Arc<Shared>, mut stream: TcpStream, connection: usize) {
    let mut buf = BytesMut::with_capacity(8 * 1024);
    let mut drop_next = false;
    for on_connection in 0.. {
        let Some(mut request) = read_request(&shared, &mut stream, &mut buf).await else {
            return;
        };
        request.connection = connection;
        request.on_connection = on_connection;
        let complete = request.complete;
        lock(&shared.requests).push(request.clone());
        if !complete || drop_next {
            let _ = stream.shutdown().await;
            return;
        }
        match shared.next_step(&request) {
            Step::Close => {
                let _ = stream.shutdown().await;
                return;
            }
            Step::Reset => {
                let _ = stream.set_zero_linger();
                return;
            }
            Step::Reply(reply) => match write_reply(&mut stream, &reply, &request).await {
                Ok(After::Continue) => {}
                Ok(After::DropNext) => drop_next = true,
                Ok(After::Closed) | Err(_) => {
                    let _ = stream.shutdown().await;
                    return;
                }
            },
        }
    }
}

/// Reads more bytes into `buf`; `false` at end of stream or on error.
async fn fill(stream: &mut TcpStream, buf: &mut BytesMut) -> bool {
    buf.reserve(8 * 1024);
    matches!(stream.read_buf(buf).await, Ok(n) if n > 0)
}

async fn read_request(
    shared: &Shared,
    stream: &mut TcpStream,
    buf: &mut BytesMut,
) -> Option<RecordedRequest> {
    // The head.
    let (head_len, method, target, headers) = loop {
        let mut parsed_headers = [httparse::EMPTY_HEADER; 128];
        let mut parsed = httparse::Request::new(&mut parsed_headers);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) => {
                let method = Method::from_bytes(parsed.method.unwrap_or("GET").as_bytes())
                    .unwrap_or(Method::GET);
                let target = parsed.path.unwrap_or("/").to_owned();
                let headers: Vec<(String, Bytes)> = parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), Bytes::copy_from_slice(h.value)))
                    .collect();
                break (len, method, target, headers);
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {
                if !fill(stream, buf).await {
                    return None;
                }
            }
            _ => return None,
        }
    };
    let head = buf.split_to(head_len).freeze();
    let index = shared.received.fetch_add(1, Ordering::SeqCst);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.clone(), None),
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    };
    let chunked =
        header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = header("content-length").and_then(|v| v.trim().parse::<usize>().ok());
    let (body, complete) = if chunked {
        read_chunked(stream, buf).await
    } else if let Some(len) = length {
        while buf.len() < len {
            if !fill(stream, buf).await {
                let partial = buf.split().freeze();
                return Some(recorded(
                    index, method, path, query, headers, partial, false, head,
                ));
            }
        }
        (buf.split_to(len).freeze(), true)
    } else {
        (Bytes::new(), true)
    };
    Some(recorded(
        index, method, path, query, headers, body, complete, head,
    ))
}

#[allow(clippy::too_many_arguments)]
fn recorded(
    index: usize,
    method: Method,
    path: String,
    query: Option<String>,
    headers: Vec<(String, Bytes)>,
    body: Bytes,
    complete: bool,
    head: Bytes,
) -> RecordedRequest {
    RecordedRequest {
        index,
        connection: 0,
        on_connection: 0,
        method,
        path,
        query,
        headers,
        body,
        complete,
        head,
    }
}

/// Decodes a chunked body; the flag is `false` when the stream ended first.
async fn read_chunked(stream: &mut TcpStream, buf: &mut BytesMut) -> (Bytes, bool) {
    let mut body = BytesMut::new();
    loop {
        let line_end = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if buf.len() > MAX_HEAD || !fill(stream, buf).await {
                return (body.freeze(), false);
            }
        };
        let line = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        buf.advance(line_end + 2);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return (body.freeze(), false);
        };
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    let empty = i == 0;
                    buf.advance(i + 2);
                    if empty {
                        return (body.freeze(), true);
                    }
                } else if !fill(stream, buf).await {
                    return (body.freeze(), false);
                }
            }
        }
        while buf.len() < size + 2 {
            if !fill(stream, buf).await {
                body.extend_from_slice(&buf[..buf.len().min(size)]);
                return (body.freeze(), false);
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.advance(size + 2);
    }
}

/// Replaces the echo placeholders in `text`.
fn substitute(text: &[u8], key: &str) -> Vec<u8> {
    let json = serde_json::to_string(key).unwrap_or_default();
    let json = json.trim_matches('"');
    let pct = percent_encoding::utf8_percent_encode(key, NON_ALPHANUMERIC).to_string();
    let mut out = text.to_vec();
    for (placeholder, value) in [
        ("{{credential_json}}", json),
        ("{{credential_pct}}", pct.as_str()),
        ("{{credential}}", key),
    ] {
        out = replace_all(&out, placeholder.as_bytes(), value.as_bytes());
    }
    out
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Writes one reply; says what the connection does next.
async fn write_reply(
    stream: &mut TcpStream,
    reply: &Reply,
    request: &RecordedRequest,
) -> std::io::Result<After> {
    let mut headers = reply.headers.clone();
    let mut body = reply.body.clone();
    if let Some(place) = &reply.echo {
        let key = request.credential(place).unwrap_or_default();
        for (_, value) in &mut headers {
            *value = substitute(value, &key);
        }
        let pct = percent_encoding::utf8_percent_encode(&key, NON_ALPHANUMERIC).to_string();
        let form: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
        headers.push(("x-request-id".into(), key.clone().into_bytes()));
        headers.push(("x-echo-credential".into(), key.clone().into_bytes()));
        headers.push((
            "www-authenticate".into(),
            format!("Bearer realm=\"api\", error=\"invalid_token\", token=\"{key}\"").into_bytes(),
        ));
        if !headers.iter().any(|(n, _)| n == "location") {
            headers.push((
                "location".into(),
                format!("/login?api_key={pct}").into_bytes(),
            ));
        }
        let mut binary = key.clone().into_bytes();
        binary.push(0xff);
        headers.push(("x-ratelimit-remaining".into(), binary));
        body = match body {
            Body::Bytes(b) if b.is_empty() => {
                if !headers.iter().any(|(n, _)| n == "content-type") {
                    headers.push(("content-type".into(), b"application/json".to_vec()));
                }
                Body::Bytes(Bytes::from(
                    serde_json::json!({
                        "detail": format!("invalid API key: {key}"),
                        "key": key,
                        "percent": pct,
                        "form": form,
                        "request": format!("{} {}?{}", request.method, request.path, request.query.as_deref().unwrap_or("")),
                    })
                    .to_string(),
                ))
            }
            Body::Bytes(b) => Body::Bytes(Bytes::from(substitute(&b, &key))),
            generated => generated,
        };
    }

    let reason = StatusCode::from_u16(reply.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", reply.status).into_bytes();
    let user_framing = headers
        .iter()
        .any(|(n, _)| n == "content-length" || n == "transfer-encoding");
    for (name, value) in &headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    let chunked = matches!(reply.ending, Ending::CloseMidBody { .. });
    if !user_framing {
        let framing = match reply.ending {
            Ending::CloseMidBody { .. } => "transfer-encoding: chunked".to_owned(),
            Ending::ShortBody { declared } => format!("content-length: {declared}"),
            _ => format!("content-length: {}", body.len()),
        };
        head.extend_from_slice(framing.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if reply.ending == Ending::Close {
        head.extend_from_slice(b"connection: close\r\n");
    }
    head.extend_from_slice(b"\r\n");

    if !reply.header_delay.is_zero() {
        tokio::time::sleep(reply.header_delay).await;
    }
    stream.write_all(&head).await?;

    let limit = match reply.ending {
        Ending::CloseMidBody { after } => (after as u64).min(body.len()),
        _ => body.len(),
    };
    write_body(stream, &body, limit, reply.drip, chunked).await?;
    stream.flush().await?;
    Ok(match reply.ending {
        Ending::KeepAlive => After::Continue,
        Ending::DropNext => After::DropNext,
        Ending::Close
        | Ending::CloseWithoutNotice
        | Ending::CloseMidBody { .. }
        | Ending::ShortBody { .. } => After::Closed,
    })
}

/// Writes the first `limit` bytes of `body` (as chunks when `chunked`, without the last chunk).
async fn write_body(
    stream: &mut TcpStream,
    body: &Body,
    limit: u64,
    drip: Option<(usize, Duration)>,
    chunked: bool,
) -> std::io::Result<()> {
    let piece = drip.map_or(GENERATED_CHUNK, |(chunk, _)| chunk);
    let pattern: Vec<u8> = match body {
        Body::Generated(_) => (0..GENERATED_CHUNK.max(piece))
            .map(|i| b"0123456789abcdef"[i % 16])
            .collect(),
        Body::Bytes(_) => Vec::new(),
    };
    let mut sent: u64 = 0;
    while sent < limit {
        let n = usize::try_from((limit - sent).min(piece as u64)).unwrap_or(piece);
        let start = usize::try_from(sent).unwrap_or(usize::MAX);
        let data: &[u8] = match body {
            Body::Bytes(b) => &b[start..start + n],
            Body::Generated(_) => &pattern[..n],
        };
        if let Some((_, interval)) = drip {
            tokio::time::sleep(interval).await;
        }
        if chunked {
            stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
            stream.write_all(data).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(data).await?;
        }
        if drip.is_some() {
            stream.flush().await?;
        }
        sent += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> reqwest::Client {
        // Built along with the SDK crates, reqwest has TLS without a default crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn records_requests_and_follows_the_script() {
        let server = FaultServer::start().await;
        server.push(Reply::json(201, "{}"));
        let response = client()
            .post(server.url("/items?a=1&api_key=k%2B1"))
            .header("x-api-token", "tok")
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let fallback = client().get(server.url("/")).send().await.unwrap();
        assert_eq!(fallback.status(), 418);
        let requests = server.requests();
        assert_eq!(server.request_count(), 2);
        let first = &requests[0];
        assert_eq!(first.method, Method::POST);
        assert_eq!(first.path, "/items");
        assert_eq!(first.query_param("api_key").as_deref(), Some("k+1"));
        assert_eq!(first.header("X-Api-Token"), Some("tok"));
        assert_eq!(first.body.as_ref(), b"hello");
        assert!(first.complete);
        assert!(first.mentions("k+1"));
        assert!(first.mentions("tok"));
        assert!(!first.mentions("absent"));
        assert_eq!(
            first
                .credential(&Credential::Query("api_key".into()))
                .as_deref(),
            Some("k+1")
        );
    }

    #[tokio::test]
    async fn chunked_request_bodies_are_decoded() {
        let server = FaultServer::start().await;
        server.fallback(Reply::new(204));
        let parts: Vec<Result<&'static [u8], std::io::Error>> =
            vec![Ok(b"{\"api_key\":"), Ok(b"\"sk-1\"}")];
        let stream = futures_util::stream::iter(parts);
        client()
            .put(server.url("/x"))
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .unwrap();
        let r = &server.requests()[0];
        assert_eq!(r.header("transfer-encoding"), Some("chunked"));
        assert_eq!(
            r.credential(&Credential::json_field("api_key")).as_deref(),
            Some("sk-1")
        );
    }

    #[tokio::test]
    async fn echoes_the_credential() {
        let server = FaultServer::start().await;
        server.push(Reply::new(401).echo_credential(Credential::header("x-api-key")));
        server.push(
            Reply::json(
                200,
                r#"{"k":"{{credential_json}}","p":"{{credential_pct}}"}"#,
            )
            .echo_credential(Credential::Authorization),
        );
        let r = client()
            .get(server.url("/"))
            .header("x-api-key", "sk/1")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["x-request-id"], "sk/1");
        assert_eq!(r.headers()["location"], "/login?api_key=sk%2F1");
        assert_eq!(r.headers()["x-ratelimit-remaining"].as_bytes(), b"sk/1\xff");
        let body: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert_eq!(body["key"], "sk/1");
        assert_eq!(body["form"], "sk%2F1");
        let r = client()
            .get(server.url("/"))
            .header("authorization", "Bearer a\"b")
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), r#"{"k":"a\"b","p":"a%22b"}"#);
    }

    #[tokio::test]
    async fn wire_faults_surface_as_client_errors() {
        let server = FaultServer::start().await;
        server.script([
            Step::Reset,
            Step::Close,
            Reply::json(200, "0123456789")
                .ending(Ending::CloseMidBody { after: 4 })
                .into(),
            Reply::json(200, "0123456789")
                .ending(Ending::ShortBody { declared: 100 })
                .into(),
            Reply::new(200)
                .body("slow")
                .delay_headers(Duration::from_millis(150))
                .into(),
            Reply::new(200)
                .body("drip-drip")
                .drip(3, Duration::from_millis(20))
                .into(),
        ]);
        let http = client();
        assert!(http.get(server.url("/")).send().await.is_err());
        assert!(http.get(server.url("/")).send().await.is_err());
        let r = http.get(server.url("/")).send().await.unwrap();
        assert!(r.bytes().await.is_err());
        let r = http.get(server.url("/")).send().await.unwrap();
        assert!(r.bytes().await.is_err());
        let err = http
            .get(server.url("/"))
            .timeout(Duration::from_millis(50))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_timeout());
        let started = std::time::Instant::now();
        let r = http.get(server.url("/")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "drip-drip");
        assert!(started.elapsed() >= Duration::from_millis(60));
        assert_eq!(server.request_count(), 6);
    }

    #[tokio::test]
    async fn keep_alive_endings() {
        let server = FaultServer::start().await;
        server.script([
            Reply::new(200).body("a").ending(Ending::DropNext),
            Reply::new(200).body("b"),
        ]);
        let http = client();
        assert_eq!(
            http.get(server.url("/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "a"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Reuses the pooled connection: read and dropped.
        assert!(http.get(server.url("/")).send().await.is_err());
        assert_eq!(server.request_count(), 2);
        assert_eq!(server.requests()[1].connection, 0);
        assert_eq!(server.requests()[1].on_connection, 1);
        // A new connection is answered.
        assert_eq!(
            http.get(server.url("/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "b"
        );
        assert_eq!(server.connection_count(), 2);
    }

    #[tokio::test]
    async fn large_bodies_are_generated() {
        let server = FaultServer::start().await;
        server.push(Reply::large(200, 3 * GENERATED_CHUNK as u64 + 5));
        let body = client()
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.len(), 3 * GENERATED_CHUNK + 5);
        assert_eq!(&body[..4], b"0123");
    }

    #[tokio::test]
    async fn closures_see_the_request_and_refused_urls_refuse() {
        let server = FaultServer::start().await;
        server.respond_with(|r| {
            if r.index == 0 {
                Step::Reset
            } else {
                Reply::new(200).body(r.path.clone()).into()
            }
        });
        let http = client();
        assert!(http.get(server.url("/a")).send().await.is_err());
        let text = http
            .get(server.url("/b"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, "/b");
        let refused = RefusedPort::new();
        let err = http.get(refused.url("/")).send().await.unwrap_err();
        assert!(err.is_connect());
    }

    #[test]
    fn retry_after_forms() {
        let r = Reply::new(429).retry_after(RetryAfter::HttpDate(Duration::from_secs(3)));
        let (_, value) = &r.headers[0];
        assert!(httpdate::parse_http_date(std::str::from_utf8(value).unwrap()).is_ok());
        assert!(
            Reply::new(429)
                .retry_after(RetryAfter::Absent)
                .headers
                .is_empty()
        );
        assert_eq!(encoded_forms("a b/c"), ["a b/c", "a%20b%2Fc", "a+b%2Fc"]);
    }
}
