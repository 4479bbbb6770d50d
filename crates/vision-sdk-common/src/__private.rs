//! Workspace-internal helpers. Not part of the public API; may change in any release.

pub mod multipart;

use std::path::PathBuf;

/// Locates the `shared/` folder that sits beside the workspace checkout (specs, golden
/// requests, fixtures), used by tests, benches and xtask.
///
/// Order: `$VISION_SDK_SHARED_DIR`, then `<workspace root>/../shared`.
/// Returns `None` when it is missing, unless `CI` is set, in which case it panics: tests
/// that need the shared facts must fail, not skip, in CI.
pub fn shared_dir() -> Option<PathBuf> {
    let candidate = match std::env::var_os("VISION_SDK_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    if candidate.is_dir() {
        return Some(candidate.canonicalize().unwrap_or(candidate));
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the shared facts folder is missing at {} (set VISION_SDK_SHARED_DIR); CI is set, so this is a failure",
            candidate.display()
        );
    }
    None
}

/// Like [`shared_dir`] but for a file inside it; `None` (outside CI) when missing.
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    let path = shared_dir()?.join(relative);
    if path.exists() {
        Some(path)
    } else if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing; CI is set, so this is a failure",
            path.display()
        );
    } else {
        None
    }
}
