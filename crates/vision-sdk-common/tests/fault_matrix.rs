//! The executor-level fault matrix: every auth scheme × method × idempotency against every fault
//! class of the loopback [`FaultServer`], through `Executor` + `StandardClassifier` + `ManualClock`.
//!
//! For each case it asserts the typed outcome, how many requests the server received (a
//! non-idempotent call is never re-sent once the request may have reached the server; it is
//! re-sent after connect errors and 429), the virtual time spent against the retry budget, the
//! real time against the request timeout, and that the key appears nowhere: not in the error's
//! `Display`/`Debug` (nor its source chain), not in TRACE-level tracing output, not in `log` output
//! (tracing's `log-always` bridge plus what reqwest logs itself), and never at the other origin of
//! a redirect.
//!
//! Its own test binary: it installs a process-wide tracing subscriber and `log` logger.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http::{HeaderName, Method};
use vision_sdk_common::auth::Auth;
use vision_sdk_common::internal::classify::TransportFailure;
use vision_sdk_common::internal::execute::{Executor, HttpResponse, Idempotency, RequestSpec};
use vision_sdk_common::{AuthScheme, HttpError, ManualClock, RetryPolicy, Secret, TransportConfig};
use vision_sdk_testkit::fault_server::{
    Credential, Ending, FaultServer, RefusedPort, Reply, RetryAfter, Step,
};

// ---------------------------------------------------------------------------------------------
// Capture of tracing and `log` output (process-wide).

/// Every byte of tracing and `log` output of this process.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct LogCapture(Captured);

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}\n", record.level(), record.target(), record.args());
        self.0.0.lock().unwrap().extend_from_slice(line.as_bytes());
    }
    fn flush(&self) {}
}

struct Captures {
    traces: Captured,
    logs: Captured,
}

fn captures() -> &'static Captures {
    static CAPTURES: OnceLock<Captures> = OnceLock::new();
    CAPTURES.get_or_init(|| {
        let traces = Captured::default();
        let writer = traces.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        let logs = Captured::default();
        log::set_logger(Box::leak(Box::new(LogCapture(logs.clone())))).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        Captures { traces, logs }
    })
}

// ---------------------------------------------------------------------------------------------
// The dimensions.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Header,
    Authorization,
    Query,
    JsonField,
}

const SCHEMES: [Scheme; 4] = [
    Scheme::Header,
    Scheme::Authorization,
    Scheme::Query,
    Scheme::JsonField,
];

impl Scheme {
    fn auth(self) -> AuthScheme {
        match self {
            Self::Header => AuthScheme::Header(HeaderName::from_static("x-api-token")),
            Self::Authorization => AuthScheme::Authorization { prefix: "Bearer" },
            Self::Query => AuthScheme::Query("api_key"),
            Self::JsonField => AuthScheme::JsonField("api_key"),
        }
    }
    fn credential(self) -> Credential {
        match self {
            Self::Header => Credential::header("x-api-token"),
            Self::Authorization => Credential::Authorization,
            Self::Query => Credential::query("api_key"),
            Self::JsonField => Credential::json_field("api_key"),
        }
    }
}

fn methods() -> [Method; 5] {
    [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ]
}

const IDEMPOTENCIES: [Idempotency; 2] = [Idempotency::Idempotent, Idempotency::NonIdempotent];

#[derive(Debug, Clone)]
struct Combo {
    scheme: Scheme,
    method: Method,
    idempotency: Idempotency,
}

fn combos() -> Vec<Combo> {
    let mut out = Vec::new();
    for scheme in SCHEMES {
        for method in methods() {
            for idempotency in IDEMPOTENCIES {
                out.push(Combo {
                    scheme,
                    method: method.clone(),
                    idempotency,
                });
            }
        }
    }
    out
}

/// Every case's key holds this marker: any occurrence of it in output is a leak (redaction
/// replaces whole keys, in every encoding the server echoes).
const MARKER: &str = "FAULTKEY";

fn key_for(case: usize) -> String {
    // Characters that encode differently in a query, a form and JSON.
    format!("sk-live_{MARKER}{case:05}-a/b+c=d")
}

// ---------------------------------------------------------------------------------------------
// The policy every case runs with.

const ATTEMPTS: u32 = 3;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const BUDGET: Duration = Duration::from_secs(10);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(8);
/// The request timeout of the timeout classes (the server stalls for 200 ms).
const SHORT_TIMEOUT: Duration = Duration::from_millis(100);
/// The request timeout of every other class (generous: 2 cores, many cases at once).
const LONG_TIMEOUT: Duration = Duration::from_secs(20);
const LARGE: u64 = 50 * 1024 * 1024;

fn policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(ATTEMPTS)
        .initial_backoff(INITIAL_BACKOFF)
        .multiplier(2.0)
        .max_backoff(Duration::from_secs(1))
        .total_budget(Some(BUDGET))
        .max_retry_after(MAX_RETRY_AFTER)
}

// ---------------------------------------------------------------------------------------------
// The fault classes.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Ok,
    TooManyThenOk(RetryAfter),
    TooManyAlways,
    TooManyRetryAfterTooLong,
    ServerErrorsThenOk,
    ServerErrorAlways,
    ServerErrorRetryAfterThenOk,
    BudgetExhausted,
    ClientErrorJson(u16),
    ClientErrorHtml(u16),
    ResetBeforeResponse,
    CloseBeforeResponse,
    CloseMidBody,
    ShortBody,
    SlowHeaders,
    SlowDripTooSlow,
    SlowDripInTime,
    KeepAliveCloseSeen,
    KeepAliveRace,
    RedirectCrossOrigin(u16),
    RedirectSameOrigin,
    EchoError(u16),
    EchoSuccessUndecodable,
    LargeOk,
    LargeError,
    NonUtf8Ok,
    NonUtf8Error,
    WrongContentTypeJson,
    HtmlLabelledJson,
    ConnectRefused,
}

/// The typed outcome of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Ok(u16),
    Status(u16),
    Connect,
    Timeout,
    Truncated,
    Transport,
    OutcomeUnknown(TransportFailure),
    Other(String),
}

fn outcome(result: &Result<HttpResponse, HttpError>) -> Got {
    match result {
        Ok(r) => Got::Ok(r.status().as_u16()),
        Err(HttpError::Status(d)) => Got::Status(d.status().as_u16()),
        Err(HttpError::Connect { .. }) => Got::Connect,
        Err(HttpError::Timeout { .. }) => Got::Timeout,
        Err(HttpError::Truncated { .. }) => Got::Truncated,
        Err(HttpError::Transport { .. }) => Got::Transport,
        Err(HttpError::OutcomeUnknown { failure, .. }) => Got::OutcomeUnknown(*failure),
        Err(other) => Got::Other(format!("{other:?}")),
    }
}

/// What a case must produce.
struct Expect {
    outcome: Got,
    /// Requests the main server receives.
    requests: usize,
    /// Whether the request may have reached the server's application on the first attempt (so
    /// a second send of a non-idempotent call is a duplicate).
    reached: bool,
    /// Exact virtual sleeps, when the schedule is deterministic.
    sleeps: Option<Vec<Duration>>,
    /// The request timeout to use.
    timeout: Duration,
    /// An upper bound of the real time the call may take.
    real_limit: Duration,
    /// `false` for the timeout classes: a client whose timeout fires before its request is
    /// written (a loaded machine) sends fewer than `requests`, never more.
    exact_requests: bool,
}

fn expect(fault: Fault, combo: &Combo) -> Expect {
    let idem = combo.idempotency == Idempotency::Idempotent;
    let all = ATTEMPTS as usize;
    let (retried, once) = (all, 1);
    let generous = Duration::from_secs(15);
    let mut e = Expect {
        outcome: Got::Ok(200),
        requests: 1,
        reached: true,
        sleeps: Some(vec![]),
        timeout: LONG_TIMEOUT,
        real_limit: generous,
        exact_requests: true,
    };
    // After a retryable fault the server may have acted on: idempotent calls retry, the others
    // fail at once with `then`.
    let ambiguous = |e: &mut Expect, idem_outcome: Got, failure: TransportFailure| {
        if idem {
            e.outcome = idem_outcome;
            e.requests = retried;
            e.sleeps = None;
        } else {
            e.outcome = Got::OutcomeUnknown(failure);
            e.requests = once;
        }
    };
    match fault {
        Fault::Ok
        | Fault::SlowDripInTime
        | Fault::EchoSuccessUndecodable
        | Fault::LargeOk
        | Fault::NonUtf8Ok
        | Fault::WrongContentTypeJson
        | Fault::HtmlLabelledJson => {}
        Fault::TooManyThenOk(ra) => {
            e.requests = 2;
            e.reached = false;
            e.sleeps = match ra {
                RetryAfter::Seconds(s) => Some(vec![Duration::from_secs(s)]),
                _ => None,
            };
        }
        Fault::TooManyAlways => {
            e.outcome = Got::Status(429);
            e.requests = retried;
            e.reached = false;
            e.sleeps = None;
        }
        Fault::TooManyRetryAfterTooLong => e.outcome = Got::Status(429),
        Fault::ServerErrorsThenOk => {
            if idem {
                e.requests = 3;
                e.sleeps = None;
            } else {
                e.outcome = Got::Status(503);
            }
        }
        Fault::ServerErrorAlways => {
            e.outcome = Got::Status(500);
            if idem {
                e.requests = retried;
                e.sleeps = None;
            }
        }
        Fault::ServerErrorRetryAfterThenOk => {
            if idem {
                e.requests = 2;
                e.sleeps = Some(vec![Duration::from_secs(1)]);
            } else {
                e.outcome = Got::Status(503);
            }
        }
        Fault::BudgetExhausted => {
            // Always 503 with `Retry-After: 6`: after one 6 s wait, 4 s of the 10 s budget are
            // left, too few for the next.
            e.outcome = Got::Status(503);
            if idem {
                e.requests = 2;
                e.sleeps = Some(vec![Duration::from_secs(6)]);
            }
        }
        Fault::EchoError(s) if s >= 500 => {
            e.outcome = Got::Status(s);
            if idem {
                e.requests = retried;
                e.sleeps = None;
            }
        }
        Fault::ClientErrorJson(s) | Fault::ClientErrorHtml(s) | Fault::EchoError(s) => {
            e.outcome = Got::Status(s);
        }
        Fault::ResetBeforeResponse | Fault::CloseBeforeResponse => {
            ambiguous(&mut e, Got::Transport, TransportFailure::Interrupted);
        }
        Fault::CloseMidBody | Fault::ShortBody => {
            ambiguous(&mut e, Got::Truncated, TransportFailure::Truncated);
        }
        Fault::SlowHeaders | Fault::SlowDripTooSlow => {
            ambiguous(&mut e, Got::Timeout, TransportFailure::Timeout);
            e.timeout = SHORT_TIMEOUT;
            // Every attempt is cut at the timeout; the server's 200 ms never counts.
            // Generous: the 2-core CI machine is loaded while these run; a timeout that did not fire is
            // caught by the outcome (the dripped answer would succeed), not by this bound.
            e.real_limit = SHORT_TIMEOUT * ATTEMPTS + Duration::from_secs(12);
            e.exact_requests = false;
        }
        Fault::KeepAliveCloseSeen => e.requests = 2,
        Fault::KeepAliveRace => {
            // The first call succeeds; the second is read and dropped on the pooled connection.
            if idem {
                e.requests = 3;
                e.sleeps = None;
            } else {
                e.outcome = Got::OutcomeUnknown(TransportFailure::Interrupted);
                e.requests = 2;
            }
        }
        Fault::RedirectCrossOrigin(s) => e.outcome = Got::Status(s),
        Fault::RedirectSameOrigin => e.requests = 2,
        Fault::LargeError => e.outcome = Got::Status(400),
        Fault::NonUtf8Error => e.outcome = Got::Status(400),
        Fault::ConnectRefused => {
            e.outcome = Got::Connect;
            e.requests = 0;
            e.reached = false;
            e.sleeps = None;
        }
    }
    e
}

const NON_UTF8: &[u8] = b"\xff\xfe{\"id\":\x80\x81}\xc3\x28 not utf-8";

/// Scripts the servers for one case.
fn script(fault: Fault, combo: &Combo, main: &FaultServer, other: &FaultServer) {
    let cred = combo.scheme.credential();
    let ok = || Reply::json(200, r#"{"id":"x1","ok":true}"#);
    match fault {
        Fault::Ok => {
            main.push(ok());
        }
        Fault::TooManyThenOk(ra) => {
            main.push(Reply::json(429, r#"{"detail":"slow down"}"#).retry_after(ra));
            main.push(ok());
        }
        Fault::TooManyAlways => {
            main.fallback(Reply::json(429, r#"{"detail":"slow down"}"#));
        }
        Fault::TooManyRetryAfterTooLong => {
            main.fallback(Reply::new(429).retry_after(RetryAfter::Seconds(3600)));
        }
        Fault::ServerErrorsThenOk => {
            main.script([
                Reply::new(503),
                Reply::html(502, "<h1>Bad Gateway</h1>"),
                ok(),
            ]);
        }
        Fault::ServerErrorAlways => {
            main.fallback(Reply::json(500, r#"{"detail":"boom"}"#));
        }
        Fault::ServerErrorRetryAfterThenOk => {
            main.push(Reply::new(503).retry_after(RetryAfter::Seconds(1)));
            main.push(ok());
        }
        Fault::BudgetExhausted => {
            main.fallback(Reply::new(503).retry_after(RetryAfter::Seconds(6)));
        }
        Fault::ClientErrorJson(s) => {
            main.fallback(Reply::json(s, r#"{"detail":"bad input","code":"invalid"}"#));
        }
        Fault::ClientErrorHtml(s) => {
            main.fallback(Reply::html(
                s,
                "<html><body><h1>Not Found</h1></body></html>",
            ));
        }
        Fault::ResetBeforeResponse => {
            main.fallback(Step::Reset);
        }
        Fault::CloseBeforeResponse => {
            main.fallback(Step::Close);
        }
        Fault::CloseMidBody => {
            main.fallback(
                Reply::json(200, r#"{"id":"x1","items":[1,2,3,4,5,6,7,8,9]}"#)
                    .ending(Ending::CloseMidBody { after: 10 }),
            );
        }
        Fault::ShortBody => {
            main.fallback(
                Reply::json(200, r#"{"id":"x1"}"#).ending(Ending::ShortBody { declared: 4096 }),
            );
        }
        Fault::SlowHeaders => {
            main.fallback(ok().delay_headers(Duration::from_millis(200)));
        }
        Fault::SlowDripTooSlow => {
            main.fallback(
                Reply::json(200, r#"{"id":"x1","padding":"................"}"#)
                    .drip(4, Duration::from_millis(30)),
            );
        }
        Fault::SlowDripInTime => {
            main.push(ok().drip(8, Duration::from_millis(5)));
        }
        Fault::KeepAliveCloseSeen => {
            main.script([ok().ending(Ending::CloseWithoutNotice), ok()]);
        }
        Fault::KeepAliveRace => {
            main.script([ok().ending(Ending::DropNext), ok()]);
        }
        Fault::RedirectCrossOrigin(s) => {
            main.fallback(Reply::redirect(s, other.url("/landing?from=main")));
            other.fallback(ok().echo_credential(cred));
        }
        Fault::RedirectSameOrigin => {
            main.push(Reply::redirect(307, "/moved"));
            main.push(ok());
        }
        Fault::EchoError(s) => {
            main.fallback(Reply::new(s).echo_credential(cred));
        }
        Fault::EchoSuccessUndecodable => {
            // `count` should be a number: serde names the string it found instead.
            main.push(
                Reply::json(
                    200,
                    r#"{"id":"{{credential}}","count":"{{credential_json}}"}"#,
                )
                .echo_credential(cred),
            );
        }
        Fault::LargeOk => {
            main.push(Reply::large(200, LARGE));
        }
        Fault::LargeError => {
            main.push(Reply::large(400, LARGE));
        }
        Fault::NonUtf8Ok => {
            main.push(Reply::json(200, NON_UTF8));
        }
        Fault::NonUtf8Error => {
            main.push(
                Reply::new(400)
                    .header("content-type", "text/plain")
                    .body(NON_UTF8),
            );
        }
        Fault::WrongContentTypeJson => {
            main.push(Reply::html(200, r#"{"id":"x1","ok":true}"#));
        }
        Fault::HtmlLabelledJson => {
            main.push(Reply::json(
                200,
                "<html><body>Service Unavailable</body></html>",
            ));
        }
        Fault::ConnectRefused => {}
    }
}

/// The model the successful responses are decoded into.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Model {
    id: String,
    #[serde(default)]
    count: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Running one case.

use vision_sdk_testkit::Tally;

/// The text around the first marker (for failure messages).
fn around_marker(text: &str) -> String {
    let at = text.find(MARKER).unwrap_or(0);
    let chars: Vec<char> = text.chars().collect();
    let at = text[..at].chars().count();
    chars[at.saturating_sub(120)..(at + 40).min(chars.len())]
        .iter()
        .collect()
}

fn leaks(text: &str) -> bool {
    text.contains(MARKER)
}

/// `Display`, `Debug` and the `source()` chain of an error, in one string.
fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{err} | {err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        let _ = write!(out, " | caused by: {s} | {s:?}");
        source = s.source();
    }
    out
}

fn spec(combo: &Combo, url: &str) -> RequestSpec {
    let url: reqwest::Url = url.parse().unwrap();
    let spec = RequestSpec::new(combo.method.clone(), url).query([("page", "1"), ("q", "a b")]);
    match combo.method {
        Method::GET | Method::DELETE => spec,
        _ => spec
            .json(&serde_json::json!({"name": "fault", "labels": ["a", "b"]}))
            .unwrap(),
    }
}

async fn run_case(http: reqwest::Client, fault: Fault, combo: Combo, case: usize) -> Tally {
    let name = format!(
        "{fault:?} {:?} {} {:?}",
        combo.scheme, combo.method, combo.idempotency
    );
    let key = key_for(case);
    let main = FaultServer::start().await;
    let other = FaultServer::start().await;
    script(fault, &combo, &main, &other);
    let e = expect(fault, &combo);
    let clock = ManualClock::new();
    let exec = Executor::builder("fault", http)
        .auth(Auth::new(combo.scheme.auth(), Secret::new(key.clone())))
        .retry(policy())
        .clock(Arc::new(clock.clone()))
        .default_timeout(Some(e.timeout))
        .request_id_header(HeaderName::from_static("x-request-id"))
        .build();
    let refused = RefusedPort::new();
    let url = if fault == Fault::ConnectRefused {
        refused.url("/v1/things/7")
    } else {
        main.url("/v1/things/7")
    };

    let started = Instant::now();
    let mut result = exec
        .execute("fault_call", combo.idempotency, spec(&combo, &url))
        .await;
    if matches!(fault, Fault::KeepAliveCloseSeen | Fault::KeepAliveRace) {
        // Let the response's connection go back to the pool (and, for the first, its close be
        // seen), then make the call again on it.
        let first = outcome(&result);
        tokio::time::sleep(Duration::from_millis(50)).await;
        if first != Got::Ok(200) {
            result = Err(HttpError::InvalidRequest(format!("first call: {first:?}")));
        } else {
            result = exec
                .execute("fault_call", combo.idempotency, spec(&combo, &url))
                .await;
        }
    }
    let real = started.elapsed();

    let mut tally = Tally {
        cases: 1,
        ..Tally::default()
    };
    let mut fail = |what: String| tally.failures.push(format!("{name}: {what}"));

    // The typed outcome.
    let got = outcome(&result);
    if got != e.outcome {
        fail(format!("outcome {got:?}, expected {:?}", e.outcome));
    }
    // Requests received (a timed-out attempt may reach the server a moment after the client
    // gave up on it: wait for the expected count, then a little more for any extra one).
    let received = settle(&main, e.requests).await;
    if received > e.requests || (e.exact_requests && received != e.requests) {
        fail(format!("{received} requests, expected {}", e.requests));
    }
    let is_duplicate =
        combo.idempotency == Idempotency::NonIdempotent && e.reached && received > e.requests;
    // Virtual time.
    let sleeps = clock.sleeps();
    let slept: Duration = sleeps.iter().sum();
    let budget_overrun = slept > BUDGET || clock.elapsed() > BUDGET;
    if let Some(want) = &e.sleeps {
        if &sleeps != want {
            fail(format!("sleeps {sleeps:?}, expected {want:?}"));
        }
    } else {
        for (i, s) in sleeps.iter().enumerate() {
            let ceiling = match fault {
                Fault::TooManyThenOk(RetryAfter::HttpDate(d)) => d,
                _ => policy().backoff_ceiling(u32::try_from(i).unwrap()),
            };
            if *s > ceiling {
                fail(format!("sleep {i} was {s:?}, more than {ceiling:?}"));
            }
        }
        if let Fault::TooManyThenOk(RetryAfter::HttpDate(d)) = fault
            && !(sleeps.len() == 1 && sleeps[0] + Duration::from_secs(2) >= d)
        {
            fail(format!(
                "HTTP-date Retry-After {d:?} not honoured: {sleeps:?}"
            ));
        }
    }
    if budget_overrun {
        fail(format!("slept {slept:?}, budget {BUDGET:?}"));
    }
    // Real time.
    let timeout_not_honoured = real > e.real_limit;
    if timeout_not_honoured {
        fail(format!("took {real:?}, limit {:?}", e.real_limit));
    }
    // Attempts reported.
    if let Err(err) = &result {
        let attempts = err.attempts() as usize;
        let sent = if fault == Fault::KeepAliveRace {
            received - 1
        } else {
            received
        };
        if !e.exact_requests {
            if attempts != e.requests {
                fail(format!(
                    "error says {attempts} attempts, expected {}",
                    e.requests
                ));
            }
        } else if fault != Fault::ConnectRefused && attempts != sent {
            fail(format!("error says {attempts} attempts, server saw {sent}"));
        }
        if fault == Fault::ConnectRefused && attempts != ATTEMPTS as usize {
            fail(format!("connect error after {attempts} attempts"));
        }
    }

    // Class-specific checks, and every text the caller can see.
    let mut shown = Vec::new();
    match &result {
        Ok(response) => {
            shown.push(format!("{response:?}"));
            match fault {
                Fault::LargeOk if response.body().len() as u64 != LARGE => {
                    fail(format!("large body of {} bytes", response.body().len()));
                }
                Fault::EchoSuccessUndecodable
                | Fault::NonUtf8Ok
                | Fault::HtmlLabelledJson
                | Fault::LargeOk => match response.json::<Model>("fault_call") {
                    Ok(m) => fail(format!("decoded a bad body: {m:?}")),
                    Err(d) => {
                        if d.body.as_bytes().len() > vision_sdk_common::error::BODY_SNIPPET_LIMIT {
                            fail("decode snippet not bounded".into());
                        }
                        shown.push(error_text(&d));
                    }
                },
                Fault::WrongContentTypeJson | Fault::Ok | Fault::SlowDripInTime => {
                    if let Err(d) = response.json::<Model>("fault_call") {
                        fail(format!("good JSON not decoded: {d}"));
                    }
                }
                _ => {}
            }
        }
        Err(err) => {
            shown.push(error_text(err));
            if let Some(d) = err.details() {
                if d.body().as_bytes().len() > vision_sdk_common::error::BODY_SNIPPET_LIMIT {
                    fail("error snippet not bounded".into());
                }
                let retryable = matches!(d.status().as_u16(), 429 | 500 | 502 | 503 | 504 | 408);
                if err.is_retryable() != retryable {
                    fail(format!("is_retryable() = {}", err.is_retryable()));
                }
            }
            match fault {
                Fault::RedirectCrossOrigin(_) => {
                    let location = err.details().and_then(|d| d.headers().get("location"));
                    if location.is_none() {
                        fail("redirect answer lost its Location".into());
                    }
                }
                Fault::TooManyRetryAfterTooLong
                    if err.retry_after() != Some(Duration::from_secs(3600)) =>
                {
                    fail(format!("retry_after() = {:?}", err.retry_after()));
                }
                Fault::LargeError => {
                    let total = err.details().map(|d| d.body().total_len());
                    if total != Some(LARGE as usize) {
                        fail(format!("large error body total_len {total:?}"));
                    }
                }
                Fault::EchoError(_) => {
                    let body = err.details().map(|d| d.body().text().into_owned());
                    if !body.as_deref().unwrap_or("").contains("[redacted]") {
                        fail(format!("echoed key not redacted in the snippet: {body:?}"));
                    }
                }
                Fault::SlowHeaders | Fault::SlowDripTooSlow if !err.is_timeout() => {
                    fail("is_timeout() is false".into());
                }
                _ => {}
            }
        }
    }
    shown.push(format!("{exec:?}"));
    let leaked_in_text = shown.iter().any(|s| leaks(s));
    if leaked_in_text {
        let at = shown.iter().find(|s| leaks(s)).cloned().unwrap_or_default();
        fail(format!(
            "key in caller-visible text: …{}…",
            around_marker(&at)
        ));
    }
    // The other origin never receives the key.
    let leaked_to_other = other.saw(&key);
    if leaked_to_other {
        fail("key sent to the other origin".into());
    }
    if matches!(fault, Fault::RedirectCrossOrigin(_)) && other.request_count() != 0 {
        fail(format!(
            "{} requests followed to the other origin",
            other.request_count()
        ));
    }
    // The key did reach the main server, for every scheme and method (nothing was lost).
    if e.requests > 0
        && !main
            .requests()
            .iter()
            .all(|r| !r.complete || r.mentions(&key))
    {
        fail("a request to the main server lacked the key".into());
    }
    tally.panics = 0;
    tally.duplicate_sends = usize::from(is_duplicate);
    tally.key_leaks = usize::from(leaked_in_text || leaked_to_other);
    tally.timeouts_not_honoured = usize::from(timeout_not_honoured);
    tally.budget_overruns = usize::from(budget_overrun);
    tally
}

async fn settle(server: &FaultServer, expected: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.request_count() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.request_count()
}

/// Runs `faults` × every combination, `parallel` cases at a time, each in its own task (a panic
/// is counted, not propagated).
async fn run_matrix(faults: &[Fault], parallel: usize) -> Tally {
    let caps = captures();
    let http = TransportConfig::new(vision_sdk_common::user_agent!())
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut total = Tally::run_product(faults, combos, parallel, |fault, combo, n| {
        let name = format!("{fault:?} {combo:?}");
        (name, run_case(http.clone(), fault, combo, n))
    })
    .await;

    // Nothing the SDK (or reqwest/hyper) traced or logged holds a key.
    let traces = String::from_utf8_lossy(&caps.traces.0.lock().unwrap()).into_owned();
    let logs = String::from_utf8_lossy(&caps.logs.0.lock().unwrap()).into_owned();
    for (what, text) in [("tracing", &traces), ("log", &logs)] {
        if let Some(at) = text.find(MARKER) {
            let from = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line = text[from..].lines().next().unwrap_or("");
            total.key_leaks += 1;
            total.failures.push(format!("key in {what} output: {line}"));
        }
    }
    if !traces.contains("vision_sdk.request") {
        total.failures.push("no trace output captured".into());
    }
    if !logs.contains("vision_sdk.request") {
        total
            .failures
            .push("no log output captured (tracing's log bridge)".into());
    }
    total
}

fn report(class: &str, tally: &Tally) {
    tally.report("fault matrix", class);
}

// ---------------------------------------------------------------------------------------------
// The matrix, by group (each group runs its cases concurrently).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_and_retry_after() {
    let faults = [
        Fault::Ok,
        Fault::TooManyThenOk(RetryAfter::Seconds(2)),
        Fault::TooManyThenOk(RetryAfter::HttpDate(Duration::from_secs(3))),
        Fault::TooManyThenOk(RetryAfter::Garbage),
        Fault::TooManyThenOk(RetryAfter::Absent),
        Fault::TooManyAlways,
        Fault::TooManyRetryAfterTooLong,
        Fault::ServerErrorsThenOk,
        Fault::ServerErrorAlways,
        Fault::ServerErrorRetryAfterThenOk,
        Fault::BudgetExhausted,
        Fault::ClientErrorJson(400),
        Fault::ClientErrorJson(401),
        Fault::ClientErrorJson(403),
        Fault::ClientErrorJson(422),
        Fault::ClientErrorHtml(404),
        Fault::ConnectRefused,
    ];
    report("statuses", &run_matrix(&faults, 32).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_connections_and_timeouts() {
    let faults = [
        Fault::ResetBeforeResponse,
        Fault::CloseBeforeResponse,
        Fault::CloseMidBody,
        Fault::ShortBody,
        Fault::SlowHeaders,
        Fault::SlowDripTooSlow,
        Fault::SlowDripInTime,
        Fault::KeepAliveCloseSeen,
        Fault::KeepAliveRace,
    ];
    report("wire", &run_matrix(&faults, 40).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_and_echoed_keys() {
    let faults = [
        Fault::RedirectCrossOrigin(301),
        Fault::RedirectCrossOrigin(302),
        Fault::RedirectCrossOrigin(303),
        Fault::RedirectCrossOrigin(307),
        Fault::RedirectCrossOrigin(308),
        Fault::RedirectSameOrigin,
        Fault::EchoError(401),
        Fault::EchoError(403),
        Fault::EchoError(500),
        Fault::EchoSuccessUndecodable,
    ];
    report("redirects+echo", &run_matrix(&faults, 32).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies() {
    let faults = [
        Fault::NonUtf8Ok,
        Fault::NonUtf8Error,
        Fault::WrongContentTypeJson,
        Fault::HtmlLabelledJson,
    ];
    report("bodies", &run_matrix(&faults, 32).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies() {
    // 50 MB each; few at a time to bound memory.
    report(
        "large",
        &run_matrix(&[Fault::LargeOk, Fault::LargeError], 4).await,
    );
}
