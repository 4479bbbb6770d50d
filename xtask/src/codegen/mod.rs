//! `cargo xtask codegen [NAME] [--check]`: regenerate the committed code derived from the
//! pinned specs of the shared folder.
//!
//! Every generator is one entry of [`GENERATORS`]. The pipeline is the same for each: find its
//! spec in the shared folder (`util::shared_path`: `$VISION_SDK_SHARED_DIR`, `../shared`, the
//! `cargo xtask fetch-specs` cache), verify the pinned SHA-256, generate Rust source, format it
//! with `rustfmt --edition 2024` (run from the workspace root, so a `rustfmt.toml` there applies
//! exactly as it does for `cargo fmt`), then [`ensure_file_contents`]: write the file or, with
//! `--check`, fail when the committed one differs. Running it twice changes nothing.
//!
//! # Adding a generator
//!
//! 1. Write `xtask/src/codegen/<name>.rs` with
//!    `pub(crate) fn generate(spec: &str) -> Result<String, String>` (spec text in, Rust source
//!    out; it need not be formatted). Declare it below with `mod <name>;`.
//! 2. Add one entry to [`GENERATORS`]: the spec path relative to the shared folder, its SHA-256
//!    (`sha256sum`; the same file is pinned in `fetch_specs::SPECS` too, and a unit test checks
//!    that the two pins agree), the output path relative to the workspace root and the function.
//!    A generator whose error type is not `String` fits through a closure:
//!    `generate: |spec| clarifai::generate(spec).map_err(|e| e.to_string())`.
//! 3. Run `cargo xtask codegen <name>` and commit the output. `cargo xtask ci` runs
//!    `codegen --check` for every entry.

mod clarifai;
mod groundlight;

use std::env;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use sha2::{Digest as _, Sha256};

use crate::util;

/// One generated file: spec in, Rust source out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Generator {
    /// What `cargo xtask codegen NAME` selects.
    pub(crate) name: &'static str,
    /// The spec, relative to the shared folder (`specs/...`).
    pub(crate) spec: &'static str,
    /// Lower-case hex SHA-256 of the spec the committed output was generated from.
    pub(crate) sha256: &'static str,
    /// The generated file, relative to the workspace root.
    pub(crate) output: &'static str,
    /// Spec text → (unformatted) Rust source; errors are human-readable messages.
    pub(crate) generate: fn(&str) -> Result<String, String>,
}

/// Every generator. Add yours here (see the module docs).
pub(crate) const GENERATORS: &[Generator] = &[
    Generator {
        name: "groundlight",
        spec: groundlight::SPEC_PATH,
        sha256: groundlight::SPEC_SHA256,
        output: groundlight::OUTPUT_PATH,
        generate: groundlight::generate,
    },
    Generator {
        name: "clarifai",
        spec: clarifai::SPEC_PATH,
        sha256: clarifai::SPEC_SHA256,
        output: clarifai::OUTPUT_PATH,
        generate: clarifai::generate,
    },
];

/// Entry point of `cargo xtask codegen [NAME] [--check]`.
///
/// `only`: the generator to run (all of them when `None`). Without `check`, (re)writes every
/// generated file whose content changed and reports what it did. With `check`, writes nothing and
/// fails when a committed generated file differs from what its generator produces now. Errors are
/// complete, human-readable messages.
pub(crate) fn run(only: Option<&str>, check: bool) -> Result<(), String> {
    let selected: Vec<&Generator> = match only {
        None => GENERATORS.iter().collect(),
        Some(name) => vec![GENERATORS.iter().find(|g| g.name == name).ok_or_else(|| {
            format!(
                "unknown generator `{name}`; the generators are: {}",
                names().join(", ")
            )
        })?],
    };
    let root = util::project_root();
    let mut failures = Vec::new();
    for generator in selected {
        match run_one(&root, generator, check) {
            Ok(status) => println!("codegen {}: {} {status}", generator.name, generator.output),
            Err(err) => failures.push(format!("codegen {}: {err}", generator.name)),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// The generators' names, in table order.
pub(crate) fn names() -> Vec<&'static str> {
    GENERATORS.iter().map(|g| g.name).collect()
}

fn run_one(root: &Path, generator: &Generator, check: bool) -> Result<&'static str, String> {
    let spec_path = util::shared_path(generator.spec)?;
    let spec_bytes = fs::read(&spec_path)
        .map_err(|e| format!("cannot read the spec {}: {e}", spec_path.display()))?;
    verify_pin(generator, &spec_path, &spec_bytes)?;
    let spec_text = String::from_utf8(spec_bytes)
        .map_err(|e| format!("{} is not UTF-8: {e}", spec_path.display()))?;
    let source = (generator.generate)(&spec_text)
        .map_err(|e| format!("generating from {}: {e}", spec_path.display()))?;
    let formatted = rustfmt(root, &source)?;
    ensure_file_contents(root, generator, &formatted, check)
}

/// Writes `contents` to the generator's output unless it already holds them (newlines
/// normalised: a CRLF checkout is not "stale"). With `check`, never writes: a missing or
/// different file is an error that says which command regenerates it.
fn ensure_file_contents(
    root: &Path,
    generator: &Generator,
    contents: &str,
    check: bool,
) -> Result<&'static str, String> {
    let path = root.join(generator.output);
    let normalize = |text: &str| text.replace("\r\n", "\n");
    let committed = fs::read_to_string(&path).ok();
    if committed
        .as_deref()
        .is_some_and(|old| normalize(old) == normalize(contents))
    {
        return Ok(if check { "is up to date" } else { "unchanged" });
    }
    if check {
        let fix = format!("run `cargo xtask codegen {}`", generator.name);
        return Err(match committed {
            None => format!("{} is missing; {fix}", generator.output),
            Some(old) => format!(
                "{} is stale; {fix}\n{}",
                generator.output,
                diff_hint(&normalize(&old), &normalize(contents))
            ),
        });
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok("written")
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Fails unless the spec's bytes hash to the generator's pinned value.
fn verify_pin(generator: &Generator, path: &Path, bytes: &[u8]) -> Result<(), String> {
    let actual = sha256_hex(bytes);
    if actual == generator.sha256 {
        return Ok(());
    }
    Err(format!(
        "the spec changed: {} has sha256 {actual}, but generator `{}` is pinned to {}.\n\
         Review the spec diff and the generated code, then re-pin: put \"{actual}\" in the \
         `sha256` of its `GENERATORS` entry (xtask/src/codegen/mod.rs) and in `fetch_specs::SPECS`, \
         and run `cargo xtask codegen {}`.",
        path.display(),
        generator.name,
        generator.sha256,
        generator.name
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

    fn fake(generate: fn(&str) -> Result<String, String>) -> Generator {
        Generator {
            name: "fake",
            spec: "specs/fake.txt",
            sha256: "00",
            output: "out/generated.rs",
            generate,
        }
    }

    #[test]
    fn pin_mismatch_says_the_spec_changed_and_how_to_re_pin() {
        let generator = fake(|_| Ok(String::new()));
        let err = verify_pin(&generator, Path::new("spec.yaml"), b"abc").unwrap_err();
        assert!(err.contains("the spec changed"), "{err}");
        assert!(err.contains("generator `fake`"), "{err}");
        assert!(err.contains("ba7816bf"), "{err}");
        assert!(err.contains("cargo xtask codegen fake"), "{err}");
        let pinned = Generator {
            sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ..generator
        };
        assert!(verify_pin(&pinned, Path::new("s"), b"abc").is_ok());
    }

    #[test]
    fn ensure_file_contents_writes_then_checks() {
        let root = std::env::temp_dir().join(format!("xtask-codegen-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let generator = fake(|_| Ok(String::new()));
        let err = ensure_file_contents(&root, &generator, "a\n", true).unwrap_err();
        assert!(
            err.contains("is missing; run `cargo xtask codegen fake`"),
            "{err}"
        );
        assert_eq!(
            ensure_file_contents(&root, &generator, "a\n", false),
            Ok("written")
        );
        assert_eq!(
            ensure_file_contents(&root, &generator, "a\n", false),
            Ok("unchanged")
        );
        assert_eq!(
            ensure_file_contents(&root, &generator, "a\n", true),
            Ok("is up to date")
        );
        // A CRLF checkout of the same text is not stale.
        fs::write(root.join(generator.output), "a\r\n").unwrap();
        assert_eq!(
            ensure_file_contents(&root, &generator, "a\n", true),
            Ok("is up to date")
        );
        let err = ensure_file_contents(&root, &generator, "b\n", true).unwrap_err();
        assert!(
            err.contains("out/generated.rs is stale; run `cargo xtask codegen fake`"),
            "{err}"
        );
        assert!(err.contains("- a") && err.contains("+ b"), "{err}");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn generator_names_are_unique_and_outputs_distinct() {
        for (i, a) in GENERATORS.iter().enumerate() {
            for b in &GENERATORS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.output, b.output);
            }
        }
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
