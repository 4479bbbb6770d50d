//! `cargo xtask bench [name...]`: the benches the provider crates declare in their
//! `[package.metadata.vision-sdk]` tables (`benches = [...]`, see `providers.rs`).
//!
//! Without a name, lists the benches. For each name: `cargo bench -p <crate> --bench <target>`
//! (with `--features` for the target's `required-features`), or, for an `example` entry, a
//! release build of the example run under `/usr/bin/time -v` for its peak RSS. When the entry
//! names `python-requirements` (the official Python SDK the bench compares against), xtask first
//! prepares `target/bench-venv` with it and passes its interpreter as `VISION_SDK_BENCH_PYTHON`;
//! the bench runs its Python side itself, against its own server or data.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::providers::{self, Bench, BenchKind, Provider};
use crate::util;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let ws = util::metadata()?;
    let providers = providers::providers(&ws)?;
    let all: Vec<(&Provider<'_>, &Bench)> = providers
        .iter()
        .flat_map(|p| p.benches.iter().map(move |b| (p, b)))
        .collect();
    if args.is_empty() {
        list(&all);
        return Ok(());
    }
    let selected = args
        .iter()
        .map(|name| {
            all.iter()
                .find(|(_, bench)| bench.name == *name)
                .ok_or_else(|| {
                    format!("unknown bench `{name}`; `cargo xtask bench` lists the benches")
                })
        })
        .collect::<Result<Vec<_>, String>>()?;
    for &&(provider, bench) in &selected {
        let krate = provider.name();
        println!("\n==> bench {} ({krate}): {}", bench.name, bench.about);
        let (kind, target_name) = match &bench.kind {
            BenchKind::Target(target) => ("bench", target),
            BenchKind::PeakRss { example, .. } => ("example", example),
        };
        let target = provider.package.target(kind, target_name).ok_or_else(|| {
            format!(
                "bench `{}`: {krate} has no `{kind}` target named `{target_name}`",
                bench.name
            )
        })?;
        let features = target.required_features.join(",");
        match &bench.kind {
            BenchKind::PeakRss { example, args } => {
                peak_rss(&ws.target_dir, krate, example, &features, args)?;
            }
            BenchKind::Target(target) => {
                let mut command = util::cargo(["bench", "-p", krate, "--bench", target]);
                if !features.is_empty() {
                    command.args(["--features", &features]);
                }
                // The Python side (the official SDK) runs inside the bench, against the bench's
                // own server or data; xtask only prepares its interpreter.
                if let Some(requirements) = &bench.python_requirements {
                    match venv(&ws.target_dir, &provider.package.dir.join(requirements)) {
                        Ok(python) => {
                            command.env(PYTHON_ENV, python);
                        }
                        Err(err) => println!(
                            "warning: no Python venv for the official SDK ({err}); the bench reports Rust only"
                        ),
                    }
                }
                util::run(&mut command)?;
            }
        }
    }
    Ok(())
}

/// The variable through which a bench learns the venv's interpreter.
const PYTHON_ENV: &str = "VISION_SDK_BENCH_PYTHON";

fn list(all: &[(&Provider<'_>, &Bench)]) {
    if all.is_empty() {
        println!("no crate declares a bench in [package.metadata.vision-sdk]");
        return;
    }
    println!("benches (run with `cargo xtask bench <name>...`):");
    for (provider, bench) in all {
        println!(
            "  {:<24} {:<20} {}",
            bench.name,
            provider.name(),
            bench.about
        );
    }
}

/// Builds the example in release mode and runs it under `/usr/bin/time -v`.
fn peak_rss(
    target_dir: &Path,
    krate: &str,
    example: &str,
    features: &str,
    args: &[String],
) -> Result<(), String> {
    let mut build = util::cargo(["build", "--release", "-p", krate, "--example", example]);
    if !features.is_empty() {
        build.args(["--features", features]);
    }
    util::run(&mut build)?;
    let binary = target_dir.join("release").join("examples").join(example);
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&binary)
        .args(args)
        .output()
        .map_err(|e| format!("could not run /usr/bin/time (install GNU time): {e}"))?;
    print!("{}", String::from_utf8_lossy(&output.stdout));
    let report = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("{} failed:\n{report}", binary.display()));
    }
    let kib = report
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("Maximum resident set size (kbytes):")
        })
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("no maximum RSS in /usr/bin/time output:\n{report}"))?;
    println!("peak RSS: {kib} KiB ({} MiB)", kib / 1024);
    Ok(())
}

/// Creates `<target>/bench-venv` if needed, installs `requirements` into it, and returns the
/// venv's python. One venv for every bench: the official SDKs coexist in it.
fn venv(target_dir: &Path, requirements: &Path) -> Result<PathBuf, String> {
    if !requirements.is_file() {
        return Err(format!("{} does not exist", requirements.display()));
    }
    let dir = target_dir.join("bench-venv");
    let bin = if cfg!(windows) { "Scripts" } else { "bin" };
    let python = dir.join(bin).join("python");
    if !python.exists() {
        let mut command = Command::new("python3");
        command.args(["-m", "venv"]).arg(&dir);
        util::run(&mut command)?;
    }
    let mut command = Command::new(&python);
    command
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(requirements);
    util::run(&mut command)?;
    Ok(python)
}
