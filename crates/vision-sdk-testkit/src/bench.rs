//! What the benches that compare with the official Python SDKs share: the interpreter that
//! `cargo xtask bench` prepared, running a script, and the target directory.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable `cargo xtask bench <name>` sets to the Python interpreter of the
/// venv it prepared from the bench's `requirements.txt`.
pub const BENCH_PYTHON_ENV: &str = "VISION_SDK_BENCH_PYTHON";

/// The interpreter named by [`BENCH_PYTHON_ENV`].
///
/// # Errors
///
/// When the variable is not set, with a message naming `cargo xtask bench <bench>`.
pub fn bench_python(bench: &str) -> Result<PathBuf, String> {
    std::env::var_os(BENCH_PYTHON_ENV)
        .map(PathBuf::from)
        .ok_or_else(|| {
            format!(
                "{BENCH_PYTHON_ENV} is not set: run `cargo xtask bench {bench}`, which prepares the \
                 Python venv with benches/requirements.txt, or set it to a python that has the \
                 official SDK installed"
            )
        })
}

/// Runs `python script args…` and returns its stdout.
///
/// # Errors
///
/// When it cannot start, or exits unsuccessfully: the message has the exit status, stdout and
/// stderr.
pub fn run_python<I, A>(python: &Path, script: &Path, args: I) -> Result<String, String>
where
    I: IntoIterator<Item = A>,
    A: AsRef<OsStr>,
{
    let output = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {} {}: {e}", python.display(), script.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}):\n{}{}",
            script.display(),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(stdout)
}

/// The last line of `stdout` that is a JSON object (scripts may print progress before it).
///
/// # Errors
///
/// When there is none.
pub fn last_json_line(stdout: &str) -> Result<serde_json::Value, String> {
    stdout
        .lines()
        .rev()
        .filter(|l| l.trim_start().starts_with('{'))
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| format!("no JSON object line in the output:\n{stdout}"))
}

/// The Cargo target directory: `CARGO_TARGET_DIR` (relative to the workspace root), else the
/// nearest ancestor of the running executable holding Cargo's `CACHEDIR.TAG`.
///
/// # Errors
///
/// When neither is found.
pub fn target_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() {
            dir
        } else {
            crate::workspace_root().join(dir)
        });
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    exe.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "no target directory above {} (set CARGO_TARGET_DIR)",
                exe.display()
            )
        })
}
