//! Temporary files that clean up after themselves.

use std::path::{Path, PathBuf};

/// A file in its own temporary directory; both are removed on drop.
#[derive(Debug)]
pub struct TempFile {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl TempFile {
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory holding it (empty apart from the file).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl AsRef<Path> for TempFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// Writes `content` to a new file called `name` in a fresh temporary directory.
///
/// ```
/// let file = vision_sdk_testkit::temp_file("a.jpg", vision_sdk_testkit::JPEG);
/// assert_eq!(std::fs::read(file.path()).unwrap(), vision_sdk_testkit::JPEG);
/// assert_eq!(file.path().file_name().unwrap(), "a.jpg");
/// ```
///
/// # Panics
///
/// When the temporary directory or the file cannot be written.
pub fn temp_file(name: &str, content: &[u8]) -> TempFile {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    TempFile { dir, path }
}

/// A fresh empty temporary directory, removed on drop.
///
/// # Panics
///
/// When it cannot be created.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}
