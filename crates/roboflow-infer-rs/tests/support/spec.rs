//! Roboflow's use of the testkit's request validator ([`vision_sdk_testkit::openapi`]): the two
//! pinned OpenAPI 3.1 files (`shared/specs/roboflow/`: the self-hosted inference server 1.8.3
//! and the hosted serverless API 1.3.8), loaded once per test binary, and a check of
//! [`RecordedRequest`]s (from the fake, or from wiremock through
//! [`vision_sdk_testkit::from_wiremock`]).
//!
//! A request is checked against the first spec that has its operation (method and path
//! template), self-hosted first. A body member the operation's schema does not declare is an
//! error here, not the validator's note: the schemas leave objects open, so a misspelt field
//! would otherwise pass. Documented exceptions, nothing else relaxed:
//! * [`UNSPECIFIED`]: routes the server registers but neither spec lists (the stream API);
//! * [`UNDECLARED_BUT_SENT`]: body members the official client sends that the route's schema
//!   does not declare;
//! * [`model_id_path`]: a last `{model_id}` takes the rest of the path (`{model_id:path}` on
//!   the server, `/infer/lmm/florence-2-base/1`), which the specs write as one segment;
//! * [`TOLERATED`]: what the server accepts although the generated specs do not say so (the
//!   key in the query, Python's `True`/`False`, the legacy route's raw body, `id`).

use std::sync::OnceLock;

pub use vision_sdk_common::testing::RecordedRequest;
pub use vision_sdk_testkit::openapi::{Report, Spec};

/// Where the pinned specs live inside the shared folder, in the order they are tried.
pub const SPEC_RELATIVE_PATHS: [&str; 2] = [
    "specs/roboflow/selfhosted-openapi-v1.8.3.json",
    "specs/roboflow/serverless-openapi-v1.3.8.json",
];

/// Exception 1: routes registered by the server but absent from both specs. The stream API
/// (`/inference_pipelines/*`) is only mounted with `ENABLE_STREAM_API`, so the published specs,
/// generated without it, lack it (checklist §1.3 M). Such requests are not validated.
pub const UNSPECIFIED: &[(&str, &str)] = &[
    ("GET", "/inference_pipelines/list"),
    ("GET", "/inference_pipelines/{id}/status"),
    ("GET", "/inference_pipelines/{id}/consume"),
    ("POST", "/inference_pipelines/initialise"),
    ("POST", "/inference_pipelines/{id}/pause"),
    ("POST", "/inference_pipelines/{id}/resume"),
    ("POST", "/inference_pipelines/{id}/terminate"),
];

/// Exception 2: `(path, member)`: body members the official client sends that the route's
/// schema does not declare (the server ignores them). `use_cache` on a workflow run is in the
/// official client's requests (`results.json`), so it is kept for wire fidelity.
pub const UNDECLARED_BUT_SENT: &[(&str, &str)] = &[
    ("/workflows/run", "use_cache"),
    ("/infer/workflows", "use_cache"),
];

/// Exception 4: validator errors for what the server accepts but its FastAPI-generated specs do
/// not describe, as `(operation template or "*", error text)`; an error containing the text on
/// a matching operation is dropped.
/// * `api_key` in the query: the server reads it from `request.query_params` in its handlers
///   and middleware, outside the declared parameters (protocol: where the key goes);
/// * `True`/`False`: the official client formats query booleans with Python's `str()`, and
///   pydantic parses them; the golden requests have them, so this crate sends them too;
/// * the legacy route `/{dataset_id}/{version_id}` reads a raw base64 (or form) body with
///   `request.body()`, or a `multipart/form-data` `file` part with `request.form()`, neither
///   of which the spec declares;
/// * `id` in the CLIP / core-model bodies: declared required, but the server fills it (the
///   official client never sends it).
pub const TOLERATED: &[(&str, &str)] = &[
    ("*", "query parameter \"api_key\": unknown"),
    ("*", "expected a boolean (true or false), got \"False\""),
    ("*", "expected a boolean (true or false), got \"True\""),
    (
        "/{dataset_id}/{version_id}",
        "but the operation takes no request body",
    ),
    ("*", "body.id: required property missing"),
];

/// Exception 3: `request` with the rest of its path after a last `{model_id}` of one of the
/// spec's templates percent-encoded into one segment (`/infer/lmm/a/1` → `/infer/lmm/a%2F1`),
/// or `None` when no such template starts the path.
pub fn model_id_path(spec: &Spec, request: &RecordedRequest) -> Option<RecordedRequest> {
    let method = request.method.to_ascii_uppercase();
    spec.operation_keys().iter().find_map(|key| {
        let (m, template) = key.split_once(' ')?;
        let prefix = template.strip_suffix("{model_id}")?;
        if m != method || prefix.contains('{') {
            return None;
        }
        let rest = request.path.strip_prefix(prefix)?;
        if !rest.contains('/') || rest.is_empty() {
            return None;
        }
        let mut rewritten = request.clone();
        rewritten.path = format!("{prefix}{}", rest.replace('/', "%2F"));
        Some(rewritten)
    })
}

fn tolerated(report: &Report, error: &str) -> bool {
    let template = report.operation.as_ref().map(|o| o.template.as_str());
    TOLERATED
        .iter()
        .any(|(t, text)| (*t == "*" || Some(*t) == template) && error.contains(text))
}

/// The validator's note on a body member its schema does not declare.
const UNDECLARED: &str = "property not declared by the schema";

/// The pinned specs; empty (a logged skip, a failure under CI) when the shared folder is
/// missing. Panics when a file cannot be parsed.
pub fn specs() -> &'static [Spec] {
    static SPECS: OnceLock<Vec<Spec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        SPEC_RELATIVE_PATHS
            .iter()
            .filter_map(|relative| {
                vision_sdk_testkit::require_shared(
                    relative,
                    &vision_sdk_testkit::current_test_name(),
                )
            })
            .map(|path| {
                Spec::from_path(&path).unwrap_or_else(|e| panic!("loading {}: {e}", path.display()))
            })
            .collect()
    })
}

fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(ts, ps)| (ts.starts_with('{') && !ps.is_empty()) || ts == ps)
}

/// Whether `request` is one of the [`UNSPECIFIED`] routes.
pub fn is_unspecified(request: &RecordedRequest) -> bool {
    UNSPECIFIED
        .iter()
        .any(|(m, t)| request.method.eq_ignore_ascii_case(m) && template_matches(t, &request.path))
}

/// Whether a validator note names an undeclared body member allowed by [`UNDECLARED_BUT_SENT`].
fn allowed_undeclared(request: &RecordedRequest, note: &str) -> bool {
    UNDECLARED_BUT_SENT
        .iter()
        .any(|(path, member)| request.path == *path && note.starts_with(&format!("body.{member}:")))
}

/// Checks one request against the specs: `Ok(())` when the specs are not available (outside
/// the workspace) or the route is [`UNSPECIFIED`]; otherwise the report of the first spec with
/// the operation (every error, undeclared body members included), or of the first spec when
/// neither has it.
pub fn validate(request: &RecordedRequest) -> Result<(), Box<Report>> {
    let specs = specs();
    if specs.is_empty() || is_unspecified(request) {
        return Ok(());
    }
    let reports: Vec<Report> = specs
        .iter()
        .map(|spec| {
            let report = spec.validate(request);
            match model_id_path(spec, request) {
                Some(rewritten) if report.operation.is_none() => spec.validate(&rewritten),
                _ => report,
            }
        })
        .collect();
    let mut report = match reports.iter().position(|r| r.operation.is_some()) {
        Some(found) => reports.into_iter().nth(found),
        None => reports.into_iter().next(),
    }
    .expect("at least one spec");
    let undeclared: Vec<String> = report
        .notes
        .iter()
        .filter(|n| n.contains(UNDECLARED) && !allowed_undeclared(request, n))
        .cloned()
        .collect();
    report.errors.extend(undeclared);
    let kept: Vec<String> = report
        .errors
        .iter()
        .filter(|e| !tolerated(&report, e))
        .cloned()
        .collect();
    report.errors = kept;
    if report.is_valid() {
        Ok(())
    } else {
        Err(Box::new(report))
    }
}
