//! Finding the facts folder (`shared/`: specs, golden requests, fixtures) beside the checkout,
//! and the skip-or-fail policy of the tests that need it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable naming the facts folder explicitly.
pub const SHARED_DIR_ENV: &str = "VISION_SDK_SHARED_DIR";

/// The environment variable naming the file skipped tests append `<test>\t<reason>` lines to
/// (`cargo xtask ci` counts them).
pub const SKIP_LOG_ENV: &str = "VISION_SDK_SKIP_LOG";

/// The workspace root: the nearest ancestor of the calling crate's directory
/// (`CARGO_MANIFEST_DIR` at run time, else this crate's own) whose `Cargo.toml` has a
/// `[workspace]` table.
///
/// # Panics
///
/// When no such manifest exists above the crate (not a checkout of this workspace).
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    find_workspace_root(&start)
        .or_else(|| find_workspace_root(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .unwrap_or_else(|| {
            panic!(
                "no Cargo.toml with a [workspace] table above {}",
                start.display()
            )
        })
}

fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|line| line.trim() == "[workspace]")
            .then(|| dir.to_path_buf())
    })
}

/// The folders searched for shared facts, in order: `$VISION_SDK_SHARED_DIR` (alone, when
/// set), else `<workspace root>/../shared` and `<workspace root>/target/shared-cache` (what
/// `cargo xtask fetch-specs` fills).
pub fn shared_candidates() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os(SHARED_DIR_ENV) {
        return vec![PathBuf::from(dir)];
    }
    let root = workspace_root();
    vec![
        root.join("..").join("shared"),
        root.join("target").join("shared-cache"),
    ]
}

fn normalise(path: PathBuf) -> PathBuf {
    path.canonicalize().unwrap_or(path)
}

/// The first existing folder of [`shared_candidates`], or `None`.
pub fn shared_dir() -> Option<PathBuf> {
    shared_candidates()
        .into_iter()
        .find(|dir| dir.is_dir())
        .map(normalise)
}

/// `relative` inside the first candidate folder that has it (the fetch cache may hold the
/// third-party specs only), or `None`. Never panics; see [`require_shared`] for the policy.
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    shared_candidates()
        .into_iter()
        .map(|dir| dir.join(relative))
        .find(|path| path.exists())
        .map(normalise)
}

/// The name of the running test (the test harness names each test's thread after it).
pub fn current_test_name() -> String {
    std::thread::current()
        .name()
        .filter(|name| *name != "main")
        .map_or_else(|| "(unknown test)".to_owned(), str::to_owned)
}

/// `relative` in the facts folder for test `test_name`:
/// - found: `Some(path)`;
/// - missing and `CI` set: panics (a test that needs the facts must fail in CI, not pass);
/// - missing otherwise: appends `<test_name>\t<reason>` to the file named by
///   `$VISION_SDK_SKIP_LOG` (when set), notes it on stderr, and returns `None` so the test
///   returns early: `let Some(spec) = require_shared("specs/x.yaml", "my_test") else { return };`.
///
/// # Panics
///
/// When the file is missing and `CI` is set.
pub fn require_shared(relative: &str, test_name: &str) -> Option<PathBuf> {
    if let Some(path) = shared_path(relative) {
        return Some(path);
    }
    let searched: Vec<String> = shared_candidates()
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    let reason = format!(
        "shared/{relative} not found (searched {}; set {SHARED_DIR_ENV} or run `cargo xtask fetch-specs`)",
        searched.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{test_name}: {reason}; CI is set, so this is a failure");
    }
    record_skip(test_name, &reason);
    None
}

/// Appends `<test_name>\t<reason>` to `$VISION_SDK_SKIP_LOG` (if set) and says so on stderr.
#[allow(clippy::print_stderr)] // telling the developer why a test did nothing is the point
pub fn record_skip(test_name: &str, reason: &str) {
    let one_line = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    eprintln!("skipping {test_name}: {reason}");
    let Some(log) = std::env::var_os(SKIP_LOG_ENV) else {
        return;
    };
    let line = format!("{}\t{}\n", one_line(test_name), one_line(reason));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        eprintln!("cannot append to {}: {e}", Path::new(&log).display());
    }
}

/// Reads `relative` from the facts folder as JSON, with the [`require_shared`] policy.
///
/// # Panics
///
/// When the file exists but is not JSON, or is missing with `CI` set.
pub fn require_shared_json(relative: &str, test_name: &str) -> Option<serde_json::Value> {
    let path = require_shared(relative, test_name)?;
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Some(
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display())),
    )
}
