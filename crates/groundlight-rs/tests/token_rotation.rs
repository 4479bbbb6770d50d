//! Opt-in token rotation: the official `TokenManager`'s requests (wiremock, validated against
//! `public-api.yaml`), end to end on the stateful fake with a stepped clock, the cache file, its
//! lock, the refresh task's lifetime, and that no key ever leaks.

#[path = "support/spec.rs"]
mod openapi;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use groundlight::testing::{FAKE_TOKEN, FAKE_TOKEN_NAME, FakeGroundlight, SteppedClock};
use groundlight::{CredentialError, Error, Groundlight, RetryPolicy, TokenRotationStatus};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "api_2wireTOKEN0123456789abcdefghijkl";
const SNIPPET: &str = "api_2wireTOKEN012345";
const TOKEN_NAME: &str = "ci token 0a1b2c";
const TTL: u64 = 30 * 86_400;
const DAY: Duration = Duration::from_secs(86_400);
const NOW: &str = "2026-12-01T12:00:00Z";

// ---------------------------------------------------------------------------------------------
// Capture of tracing output: the testkit's process-wide capture (each test runs in its own
// process under nextest; under `cargo test` it is shared, which only makes the leak checks
// stricter).

fn traces() -> vision_sdk_testkit::TraceCapture {
    vision_sdk_testkit::capture_traces_globally()
}

// ---------------------------------------------------------------------------------------------
// A wiremock token API

/// Answers the token API like the cloud: `by_snippet` is the lookup's status, `ttl` its
/// `token_ttl`; every mint returns `api_2minted<n>…` under the requested name.
struct TokenApi {
    by_snippet: u16,
    ttl: Value,
    minted: AtomicUsize,
}

fn minted_key(n: usize) -> String {
    format!("api_2minted{n:04}_0123456789abcdefghij")
}

impl Respond for TokenApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        let json = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
        match (request.method.as_str(), path) {
            ("GET", p) if p.starts_with("/device-api/v1/api-tokens/by-snippet/") => {
                if self.by_snippet != 200 {
                    return json(self.by_snippet, json!({"detail": "nope"}));
                }
                json(
                    200,
                    json!({"name": TOKEN_NAME, "raw_key_snippet": SNIPPET, "created_at": NOW,
                           "last_used_at": null, "expires_at": null, "token_ttl": self.ttl}),
                )
            }
            ("POST", "/device-api/v1/api-tokens") => {
                let n = self.minted.fetch_add(1, Ordering::SeqCst) + 1;
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let key = minted_key(n);
                json(
                    201,
                    json!({"name": body["name"], "raw_key": key, "raw_key_snippet": &key[..20],
                           "created_at": NOW, "last_used_at": null, "expires_at": null,
                           "token_ttl": self.ttl}),
                )
            }
            ("DELETE", p) if p.starts_with("/device-api/v1/api-tokens/") => {
                ResponseTemplate::new(204)
            }
            ("GET", "/device-api/v1/me") => json(
                200,
                json!({"email": "a@b.c", "username": "a@b.c", "is_superuser": false}),
            ),
            _ => json(404, json!({"detail": "Not found."})),
        }
    }
}

async fn token_server(by_snippet: u16, ttl: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(TokenApi {
            by_snippet,
            ttl,
            minted: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    server
}

fn rotating(server: &MockServer, dir: &Path, clock: &SteppedClock) -> Groundlight {
    Groundlight::builder()
        .endpoint(server.uri())
        .api_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .token_rotation(true)
        .token_dir(dir)
        .token_refresh_clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

async fn received(server: &MockServer) -> Vec<openapi::RecordedRequest> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(vision_sdk_testkit::from_wiremock)
        .collect()
}

fn line(r: &openapi::RecordedRequest) -> String {
    format!("{} {}", r.method, r.path)
}

/// Every request is valid against the pinned spec (when the shared folder is there).
fn assert_valid(requests: &[openapi::RecordedRequest]) {
    let Some(spec) = openapi::load_pinned_spec() else {
        return;
    };
    for request in requests {
        let report = spec.validate(request);
        assert!(report.operation.is_some(), "{}", report.request);
        assert!(
            report.errors.is_empty(),
            "{}: {:?}",
            report.request,
            report.errors
        );
    }
}

/// The name of a minted token: `<base> <6 lowercase hex>`.
fn assert_minted_name(name: &str, base: &str) {
    let suffix = name
        .strip_prefix(base)
        .and_then(|s| s.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{name} does not start with '{base} '"));
    assert_eq!(suffix.len(), 6, "{name}");
    assert!(
        suffix
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{name}"
    );
}

// ---------------------------------------------------------------------------------------------
// The wire

#[tokio::test]
async fn setup_looks_the_token_up_then_mints_a_replacement() {
    let server = token_server(200, json!(TTL)).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = rotating(&server, dir.path(), &clock);
    assert_eq!(gl.token_rotation_status(), TokenRotationStatus::NotStarted);
    assert!(received(&server).await.is_empty(), "build() sends nothing");
    gl.whoami().await.unwrap();

    let requests = received(&server).await;
    let lines: Vec<String> = requests.iter().map(line).collect();
    assert_eq!(
        lines,
        [
            format!("GET /device-api/v1/api-tokens/by-snippet/{SNIPPET}"),
            "POST /device-api/v1/api-tokens".to_owned(),
            "GET /device-api/v1/me".to_owned(),
        ]
    );
    let (lookup, mint, me) = (&requests[0], &requests[1], &requests[2]);
    assert_eq!(lookup.header("x-api-token"), Some(TOKEN));
    assert!(lookup.body.is_empty());
    assert_eq!(mint.header("x-api-token"), Some(TOKEN));
    assert_eq!(mint.content_type(), Some("application/json"));
    for r in [lookup, mint] {
        assert_eq!(r.header("x-sdk-language"), Some("rust"));
        assert!(r.header("x-request-id").unwrap().starts_with("req_uu"));
    }
    let body: Value = serde_json::from_slice(&mint.body).unwrap();
    let object = body.as_object().unwrap();
    assert_eq!(object.len(), 1, "only the name is sent: {body}");
    let name = body["name"].as_str().unwrap();
    assert_minted_name(name, "ci token");
    assert_eq!(me.header("x-api-token"), Some(minted_key(1).as_str()));
    assert_valid(&requests);
    assert_eq!(
        gl.token_rotation_status(),
        TokenRotationStatus::Active {
            token_name: name.to_owned(),
            refresh_interval: DAY,
        }
    );
}

#[tokio::test]
async fn a_refresh_revokes_the_token_before_the_one_in_use_then_mints() {
    let server = token_server(200, json!(TTL)).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = rotating(&server, dir.path(), &clock);
    gl.start_token_rotation().await.unwrap();
    clock.wait_for_sleeps(1).await;
    assert_eq!(
        clock.sleeps(),
        [DAY],
        "the refresh is due after token_ttl / 30"
    );
    let first_name = received(&server).await[1].json().unwrap()["name"].clone();

    clock.advance(DAY);
    clock.wait_for_sleeps(2).await;
    let requests = received(&server).await;
    let (revoke, mint) = (&requests[2], &requests[3]);
    // The configured token is the previous one at the first refresh (its name percent-encoded).
    assert_eq!(
        line(revoke),
        "DELETE /device-api/v1/api-tokens/ci%20token%200a1b2c"
    );
    assert!(revoke.body.is_empty());
    assert_eq!(revoke.header("x-api-token"), Some(minted_key(1).as_str()));
    assert_eq!(line(mint), "POST /device-api/v1/api-tokens");
    assert_eq!(mint.header("x-api-token"), Some(minted_key(1).as_str()));
    assert_minted_name(mint.json().unwrap()["name"].as_str().unwrap(), "ci token");
    gl.whoami().await.unwrap();
    let requests = received(&server).await;
    assert_eq!(
        requests[4].header("x-api-token"),
        Some(minted_key(2).as_str())
    );

    // The second refresh revokes the first minted token.
    clock.advance(DAY);
    clock.wait_for_sleeps(3).await;
    let requests = received(&server).await;
    let expected = format!(
        "DELETE /device-api/v1/api-tokens/{}",
        first_name.as_str().unwrap().replace(' ', "%20")
    );
    assert_eq!(line(&requests[5]), expected);
    assert_eq!(line(&requests[6]), "POST /device-api/v1/api-tokens");
    assert_eq!(clock.sleeps(), [DAY, DAY, DAY]);
    assert_valid(&requests);
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_token_and_tries_again_after_five_minutes() {
    let server = MockServer::start().await;
    let api = Arc::new(TokenApi {
        by_snippet: 200,
        ttl: json!(TTL),
        minted: AtomicUsize::new(0),
    });
    let failing = Arc::new(AtomicUsize::new(0));
    struct Flaky(Arc<TokenApi>, Arc<AtomicUsize>);
    impl Respond for Flaky {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            if request.method.as_str() == "POST" && self.1.load(Ordering::SeqCst) > 0 {
                self.1.fetch_sub(1, Ordering::SeqCst);
                return ResponseTemplate::new(500);
            }
            self.0.respond(request)
        }
    }
    Mock::given(any())
        .respond_with(Flaky(Arc::clone(&api), Arc::clone(&failing)))
        .mount(&server)
        .await;
    let logs = traces();
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = rotating(&server, dir.path(), &clock);
    gl.start_token_rotation().await.unwrap();
    clock.wait_for_sleeps(1).await;
    failing.store(1, Ordering::SeqCst);
    clock.advance(DAY);
    clock.wait_for_sleeps(2).await;
    assert_eq!(clock.sleeps(), [DAY, Duration::from_secs(300)]);
    assert_eq!(gl.get_raw_headers()["x-api-token"], minted_key(1).as_str());
    clock.advance(Duration::from_secs(300));
    clock.wait_for_sleeps(3).await;
    assert_eq!(gl.get_raw_headers()["x-api-token"], minted_key(2).as_str());
    // Overdue after the backoff: refreshed at once, then the next one is a full interval away.
    assert_eq!(clock.sleeps(), [DAY, Duration::from_secs(300), DAY]);
    assert!(logs.text().contains("refresh failed"));
}

#[tokio::test]
async fn a_server_without_the_token_api_keeps_the_token() {
    let server = token_server(404, Value::Null).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = rotating(&server, dir.path(), &clock);
    let logs = traces();
    gl.whoami().await.unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("x-api-token"), Some(TOKEN));
    assert_eq!(gl.token_rotation_status(), TokenRotationStatus::Unavailable);
    assert!(logs.text().contains("does not support token management"));
    assert_eq!(clock.pending_sleeps(), 0, "no refresh task");
}

#[tokio::test]
async fn a_token_without_ttl_is_kept_and_never_rotated() {
    let server = token_server(200, Value::Null).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = rotating(&server, dir.path(), &clock);
    gl.whoami().await.unwrap();
    gl.whoami().await.unwrap();
    let lines: Vec<String> = received(&server).await.iter().map(line).collect();
    assert_eq!(
        lines,
        [
            format!("GET /device-api/v1/api-tokens/by-snippet/{SNIPPET}"),
            "GET /device-api/v1/me".to_owned(),
            "GET /device-api/v1/me".to_owned(),
        ]
    );
    assert_eq!(gl.token_rotation_status(), TokenRotationStatus::NotNeeded);
    assert!(!dir.path().join(format!("{SNIPPET}.json")).exists());
    assert_eq!(clock.pending_sleeps(), 0);
}

#[tokio::test]
async fn a_badly_formed_token_is_refused_before_any_request() {
    let server = token_server(200, json!(TTL)).await;
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "api_short",
        "api-2wire-TOKEN0123456789",
        "api_2wireTOKEN01234é56789",
    ] {
        let err = Groundlight::builder()
            .endpoint(server.uri())
            .api_token(bad)
            .token_rotation(true)
            .token_dir(dir.path())
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::Credential(CredentialError::BadFormat { .. })),
            "{bad}: {err}"
        );
        assert!(!err.to_string().contains(bad));
        assert!(err.to_string().contains("GROUNDLIGHT_API_TOKEN"), "{err}");
        // Without rotation the token is sent as it is.
        Groundlight::builder()
            .endpoint(server.uri())
            .api_token(bad)
            .build()
            .unwrap();
    }
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn a_refused_token_is_unauthorized_and_setup_is_tried_again() {
    let server = token_server(401, Value::Null).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = rotating(&server, dir.path(), &clock);
    let err = gl.whoami().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{err:?}").contains(TOKEN));
    assert_eq!(gl.token_rotation_status(), TokenRotationStatus::NotStarted);
    gl.whoami().await.unwrap_err();
    let lines: Vec<String> = received(&server).await.iter().map(line).collect();
    assert_eq!(lines.len(), 2, "no /v1/me while the setup fails: {lines:?}");
}

// ---------------------------------------------------------------------------------------------
// End to end on the fake

fn fake_rotating(fake: &FakeGroundlight, dir: &Path, clock: &SteppedClock) -> Groundlight {
    fake.client_builder()
        .token_rotation(true)
        .token_dir(dir)
        .token_refresh_clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

fn current(gl: &Groundlight) -> String {
    gl.get_raw_headers()["x-api-token"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn refused(fake: &FakeGroundlight, key: &str) -> bool {
    let gl = Groundlight::builder()
        .endpoint(fake.base_url())
        .api_token(key)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    match gl.whoami().await {
        Ok(_) => false,
        Err(e) => e.is_unauthorized(),
    }
}

#[tokio::test]
async fn the_fake_rotates_and_refuses_revoked_tokens() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = fake_rotating(&fake, dir.path(), &clock);
    gl.whoami().await.unwrap();
    let first = current(&gl);
    assert_ne!(first, FAKE_TOKEN);
    let first_name = fake.token_name_of(&first).unwrap();
    assert_minted_name(&first_name, FAKE_TOKEN_NAME);
    assert!(
        !refused(&fake, FAKE_TOKEN).await,
        "the previous token lives on"
    );

    clock.wait_for_sleeps(1).await;
    clock.advance(DAY);
    clock.wait_for_sleeps(2).await;
    let second = current(&gl);
    assert_ne!(second, first);
    assert!(
        refused(&fake, FAKE_TOKEN).await,
        "revoked at the first refresh"
    );
    assert!(!refused(&fake, &first).await);
    gl.whoami().await.unwrap();

    clock.advance(DAY);
    clock.wait_for_sleeps(3).await;
    assert!(refused(&fake, &first).await);
    assert!(!refused(&fake, &current(&gl)).await);
    gl.whoami().await.unwrap();
    let tokens = fake.api_tokens();
    assert_eq!(tokens.len(), 4);
    assert_eq!(
        tokens.iter().map(|t| t.revoked).collect::<Vec<_>>(),
        [true, true, false, false]
    );
    for token in &tokens[1..] {
        assert_minted_name(&token.name, FAKE_TOKEN_NAME);
        assert!(token.expires_at.is_some());
    }
    // The fake's list shows the live tokens (raw API call through the escape hatch).
    let listed: Value = gl
        .make_generic_api_request(http::Method::GET, "/v1/api-tokens?page=1&page_size=10")
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(listed["count"], 2);
    assert_eq!(listed["results"][0]["token_ttl"], TTL);
    assert_eq!(clock.sleeps(), [DAY, DAY, DAY]);
}

#[tokio::test]
async fn the_fake_without_token_api_or_ttl_keeps_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeGroundlight::start().await;
    let clock = SteppedClock::new();
    let gl = fake_rotating(&fake, dir.path(), &clock);
    gl.whoami().await.unwrap();
    assert_eq!(gl.token_rotation_status(), TokenRotationStatus::NotNeeded);
    assert_eq!(current(&gl), FAKE_TOKEN);
    assert_eq!(fake.api_tokens().len(), 1);

    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    fake.disable_token_api();
    let gl = fake_rotating(&fake, dir.path(), &clock);
    gl.whoami().await.unwrap();
    assert_eq!(gl.token_rotation_status(), TokenRotationStatus::Unavailable);
    assert_eq!(current(&gl), FAKE_TOKEN);
    assert_eq!(clock.pending_sleeps(), 0);
}

// ---------------------------------------------------------------------------------------------
// The cache and its lock

fn token_requests(fake: &FakeGroundlight) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.path.contains("api-tokens"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_cache_is_private_and_reused_by_the_next_client() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("nested").join("tokens");
    let clock = SteppedClock::new();
    let gl = fake_rotating(&fake, &dir, &clock);
    gl.start_token_rotation().await.unwrap();
    let snippet = &FAKE_TOKEN[..20];
    let slot = dir.join(format!("{snippet}.json"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&slot), 0o600);
        assert_eq!(mode(&dir.join(format!("{snippet}.lock"))), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }
    let cached: Value = serde_json::from_slice(&std::fs::read(&slot).unwrap()).unwrap();
    assert_eq!(cached["base_name"], FAKE_TOKEN_NAME);
    assert_eq!(cached["current"]["raw_key"], current(&gl).as_str());
    assert_eq!(cached["current"]["snippet"], &current(&gl)[..20]);
    assert_eq!(cached["current"]["token_ttl_seconds"], TTL as f64);
    assert_eq!(cached["previous"]["name"], FAKE_TOKEN_NAME);
    assert!(
        cached["current"]["minted_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let minted = token_requests(&fake);
    assert_eq!(minted.len(), 2);

    // A new client (a restart) uses the cached token without asking the server.
    let again = fake_rotating(&fake, &dir, &SteppedClock::new());
    again.whoami().await.unwrap();
    assert_eq!(current(&again), current(&gl));
    assert_eq!(token_requests(&fake), minted);
    assert_eq!(again.token_rotation_status(), gl.token_rotation_status());

    // An expired cached token is replaced (the clock is past its expiry).
    let later = SteppedClock::new();
    let renewed = fake_rotating(&fake, &dir, &later);
    later.advance(Duration::from_secs(TTL + 60));
    renewed.whoami().await.unwrap();
    assert_ne!(current(&renewed), current(&gl));
    assert_eq!(token_requests(&fake).len(), 4);
}

#[tokio::test]
async fn a_corrupt_cache_is_an_error_without_its_content() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let slot = dir.path().join(format!("{}.json", &FAKE_TOKEN[..20]));
    std::fs::write(
        &slot,
        format!("{{\"current\": {{\"raw_key\": \"{FAKE_TOKEN}\" oops"),
    )
    .unwrap();
    let gl = fake_rotating(&fake, dir.path(), &SteppedClock::new());
    let err = gl.whoami().await.unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(
        err.to_string().contains("not a Groundlight token cache"),
        "{err}"
    );
    assert!(!err.to_string().contains(FAKE_TOKEN));
    assert!(!format!("{err:?}").contains(FAKE_TOKEN));
    assert!(token_requests(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_directory_mint_once() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let a = fake_rotating(&fake, dir.path(), &SteppedClock::new());
    let b = fake_rotating(&fake, dir.path(), &SteppedClock::new());
    let (ra, rb) = tokio::join!(a.start_token_rotation(), b.start_token_rotation());
    ra.unwrap();
    rb.unwrap();
    assert_eq!(current(&a), current(&b));
    let posts = token_requests(&fake)
        .iter()
        .filter(|l| l.starts_with("POST"))
        .count();
    assert_eq!(posts, 1, "{:?}", token_requests(&fake));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_waits_for_the_cache_lock() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let lock =
        std::fs::File::create(dir.path().join(format!("{}.lock", &FAKE_TOKEN[..20]))).unwrap();
    lock.lock().unwrap();
    let gl = fake_rotating(&fake, dir.path(), &SteppedClock::new());
    let setup = tokio::spawn({
        let gl = gl.clone();
        async move { gl.start_token_rotation().await }
    });
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert!(!setup.is_finished());
    assert!(
        fake.requests().is_empty(),
        "nothing is sent without the lock"
    );
    lock.unlock().unwrap();
    setup.await.unwrap().unwrap();
    assert!(matches!(
        gl.token_rotation_status(),
        TokenRotationStatus::Active { .. }
    ));
}

// ---------------------------------------------------------------------------------------------
// The refresh task's lifetime, and secrets

#[tokio::test]
async fn the_refresh_task_stops_with_the_last_client() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = fake_rotating(&fake, dir.path(), &clock);
    gl.start_token_rotation().await.unwrap();
    clock.wait_for_sleeps(1).await;
    let clone = gl.with_timeout(Duration::from_secs(3));
    drop(gl);
    assert_eq!(clock.pending_sleeps(), 1, "a clone keeps the task");
    drop(clone);
    tokio::time::timeout(Duration::from_secs(10), clock.wait_until_no_sleeps())
        .await
        .expect("the task is aborted");
    let before = fake.requests().len();
    clock.advance(DAY * 2);
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn keys_never_show_in_debug_errors_or_traces() {
    let logs = traces();
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let builder = fake
        .client_builder()
        .token_rotation(true)
        .token_dir(dir.path())
        .token_refresh_clock(Arc::new(clock.clone()));
    let builder_debug = format!("{builder:?}");
    let gl = builder.build().unwrap();
    gl.whoami().await.unwrap();
    let mut keys = vec![FAKE_TOKEN.to_owned(), current(&gl)];
    clock.wait_for_sleeps(1).await;
    clock.advance(DAY);
    clock.wait_for_sleeps(2).await;
    keys.push(current(&gl));
    // A failing call after rotation.
    let err = gl.get_detector("det_missing").await.unwrap_err();
    let shown = [
        builder_debug,
        format!("{gl:?}"),
        format!("{:?}", gl.token_rotation_status()),
        format!("{:?}", gl.get_raw_headers()),
        err.to_string(),
        format!("{err:?}"),
        logs.text(),
    ];
    assert!(logs.text().contains("minted a new API token"));
    // (A token's first 20 characters, its snippet, are not secret: the server shows them, and
    // the lookup sends them in its path, as the official SDK does.)
    for text in &shown {
        for key in &keys {
            assert!(!text.contains(key.as_str()), "a key leaked into: {text}");
        }
    }
}

#[tokio::test]
async fn a_client_follows_a_rotation_made_by_another() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let (clock_a, clock_b) = (SteppedClock::new(), SteppedClock::new());
    let a = fake_rotating(&fake, dir.path(), &clock_a);
    let b = fake_rotating(&fake, dir.path(), &clock_b);
    a.start_token_rotation().await.unwrap();
    b.start_token_rotation().await.unwrap();
    clock_a.wait_for_sleeps(1).await;
    clock_b.wait_for_sleeps(1).await;
    clock_a.advance(DAY);
    clock_a.wait_for_sleeps(2).await;
    let rotated = current(&a);
    assert_ne!(current(&b), rotated, "b has not refreshed yet");
    b.whoami().await.unwrap(); // b's token is the previous one: still valid
    let posts = |fake: &FakeGroundlight| {
        token_requests(fake)
            .iter()
            .filter(|l| l.starts_with("POST"))
            .count()
    };
    assert_eq!(posts(&fake), 2);
    clock_b.advance(DAY);
    clock_b.wait_for_sleeps(2).await;
    assert_eq!(current(&b), rotated, "b takes the token a minted");
    assert_eq!(posts(&fake), 2, "and mints none");
    b.whoami().await.unwrap();
}

#[tokio::test]
async fn an_edge_call_first_sets_rotation_up_and_sends_the_token_in_use() {
    let fake = FakeGroundlight::start().await;
    fake.set_token_ttl(Some(TTL));
    let dir = tempfile::tempdir().unwrap();
    let clock = SteppedClock::new();
    let gl = fake_rotating(&fake, dir.path(), &clock);
    gl.edge().get_config().await.unwrap();
    let in_use = current(&gl);
    assert_ne!(in_use, FAKE_TOKEN, "the edge call set rotation up");
    let requests = fake.requests();
    let edge = requests
        .iter()
        .position(|r| r.path.starts_with("/edge-config"))
        .expect("the edge call reached the fake");
    let lookup = requests
        .iter()
        .position(|r| r.path.starts_with("/device-api/v1/api-tokens/by-snippet/"))
        .expect("the token was looked up");
    assert!(lookup < edge, "setup comes first");
    assert_eq!(requests[edge].header("x-api-token"), Some(in_use.as_str()));
}
