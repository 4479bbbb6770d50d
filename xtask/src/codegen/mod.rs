//! `cargo xtask codegen [--check]`: regenerate the committed wire models from the pinned specs.
//!
//! One file per provider (today only [`groundlight`]). The pipeline is the same for each:
//! locate `shared/`, read the spec, verify its pinned SHA-256, generate Rust source, format it
//! with `rustfmt --edition 2024` (run from the workspace root, so a `rustfmt.toml` there applies
//! exactly as it does for `cargo fmt`), then either write the file or, with `--check`, compare it
//! with the committed one. Running it twice changes nothing.

mod clarifai;
mod groundlight;

use std::env;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest as _, Sha256};

/// Entry point of `cargo xtask codegen [--check]`.
///
/// Without `check`, (re)writes every generated file whose content changed and reports what it
/// did. With `check`, writes nothing and fails when a committed generated file differs from what
/// the generator produces now. Errors are complete, human-readable messages.
#[allow(clippy::print_stdout)] // reporting what was generated is the point of this command
pub(crate) fn run(check: bool) -> Result<(), String> {
    let root = workspace_root();
    let shared = shared_dir(&root)?;
    clarifai::run(&root, &shared, check)?;

    let spec_path = shared.join(groundlight::SPEC_PATH);
    let spec_bytes = fs::read(&spec_path).map_err(|e| {
        format!(
            "cannot read the Groundlight spec {}: {e}",
            spec_path.display()
        )
    })?;
    verify_pin(
        &spec_path,
        &spec_bytes,
        groundlight::SPEC_SHA256,
        "SPEC_SHA256",
        "xtask/src/codegen/groundlight.rs",
    )?;
    let spec_text = String::from_utf8(spec_bytes)
        .map_err(|e| format!("{} is not UTF-8: {e}", spec_path.display()))?;

    let source = groundlight::generate(&spec_text).map_err(|e| {
        format!(
            "generating Groundlight models from {}: {e}",
            spec_path.display()
        )
    })?;
    let formatted = rustfmt(&root, &source)?;
    let out_path = root.join(groundlight::OUTPUT_PATH);

    if check {
        let committed = fs::read_to_string(&out_path).map_err(|e| {
            format!(
                "cannot read {}: {e}\nthe generated file is missing; run `cargo xtask codegen`",
                out_path.display()
            )
        })?;
        if committed != formatted {
            return Err(format!(
                "generated file is stale, run `cargo xtask codegen`: {}\n{}",
                groundlight::OUTPUT_PATH,
                diff_hint(&committed, &formatted)
            ));
        }
        println!("codegen: {} is up to date", groundlight::OUTPUT_PATH);
        return Ok(());
    }

    let unchanged = fs::read_to_string(&out_path).is_ok_and(|old| old == formatted);
    if unchanged {
        println!("codegen: {} unchanged", groundlight::OUTPUT_PATH);
    } else {
        if let Some(dir) = out_path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        fs::write(&out_path, &formatted)
            .map_err(|e| format!("cannot write {}: {e}", out_path.display()))?;
        println!("codegen: wrote {}", groundlight::OUTPUT_PATH);
    }
    Ok(())
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// `$VISION_SDK_SHARED_DIR`, else `<workspace root>/../shared`.
fn shared_dir(root: &Path) -> Result<PathBuf, String> {
    let (dir, origin) = match env::var_os("VISION_SDK_SHARED_DIR") {
        Some(dir) => (PathBuf::from(dir), "$VISION_SDK_SHARED_DIR"),
        None => (root.join("..").join("shared"), "<workspace root>/../shared"),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "the shared facts folder ({origin}) is missing at {}; \
             set VISION_SDK_SHARED_DIR to the folder that holds `specs/`",
            dir.display()
        ))
    }
}

/// Lower-case hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Fails unless `bytes` hash to the pinned value.
fn verify_pin(
    path: &Path,
    bytes: &[u8],
    pinned: &str,
    constant: &str,
    pin_file: &str,
) -> Result<(), String> {
    let actual = sha256_hex(bytes);
    if actual == pinned {
        return Ok(());
    }
    Err(format!(
        "the spec changed: {} has sha256 {actual}, but the generator is pinned to {pinned}.\n\
         Review the spec diff and the generated models, then re-pin: set `{constant}` in \
         {pin_file} to \"{actual}\" and run `cargo xtask codegen`.",
        path.display()
    ))
}

/// Formats Rust source through `rustfmt --edition 2024` (stdin → stdout), run from the
/// workspace root so that the same configuration applies as for `cargo fmt`.
/// `$RUSTFMT` overrides the binary, as it does for `cargo fmt`.
fn rustfmt(root: &Path, source: &str) -> Result<String, String> {
    let binary = env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(&binary)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run {}: {e} (install it with `rustup component add rustfmt`)",
                binary.to_string_lossy()
            )
        })?;
    // Write from a separate thread: rustfmt may start writing before it has read everything.
    let mut stdin = child.stdin.take().ok_or("rustfmt stdin was not captured")?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "the thread feeding rustfmt panicked".to_owned())?
        .map_err(|e| format!("writing to rustfmt: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt rejected the generated source ({}); this is a generator bug:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt printed non-UTF-8: {e}"))
}

/// A short hint of where two versions of a file first differ.
fn diff_hint(committed: &str, generated: &str) -> String {
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = generated.lines().collect();
    let first = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let mut hint = format!(
        "first difference at line {} (committed file: {} lines, generator output: {} lines):\n",
        first + 1,
        old.len(),
        new.len()
    );
    let context = first..(first + 3);
    for i in context.clone() {
        if let Some(line) = old.get(i) {
            hint.push_str(&format!("- {line}\n"));
        }
    }
    for i in context {
        if let Some(line) = new.get(i) {
            hint.push_str(&format!("+ {line}\n"));
        }
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_matches_a_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn pin_mismatch_says_the_spec_changed_and_how_to_re_pin() {
        let err = verify_pin(
            Path::new("spec.yaml"),
            b"abc",
            "00",
            "GROUNDLIGHT_SPEC_SHA256",
            "xtask/src/codegen/groundlight.rs",
        )
        .unwrap_err();
        assert!(err.contains("the spec changed"), "{err}");
        assert!(err.contains("GROUNDLIGHT_SPEC_SHA256"), "{err}");
        assert!(err.contains("ba7816bf"), "{err}");
        assert!(verify_pin(Path::new("s"), b"abc", &sha256_hex(b"abc"), "C", "f").is_ok());
    }

    #[test]
    fn diff_hint_points_at_the_first_changed_line() {
        let hint = diff_hint("a\nb\nc\n", "a\nB\nc\n");
        assert!(hint.contains("line 2"), "{hint}");
        assert!(hint.contains("- b") && hint.contains("+ B"), "{hint}");
        let shorter = diff_hint("a\nb\n", "a\n");
        assert!(shorter.contains("line 2"), "{shorter}");
    }
}
