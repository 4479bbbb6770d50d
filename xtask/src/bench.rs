//! `cargo xtask bench [name...]`: benchmarks, registered in [`BENCHES`].
//!
//! Without a name, lists the benches. For each name: `cargo bench -p <crate> --bench <name>`
//! (with `--features` for the target's `required-features`). When the crate has a
//! `benches/requirements.txt` (the official Python SDK the bench compares against), xtask first
//! prepares `target/bench-venv` with it and passes its interpreter as `VISION_SDK_BENCH_PYTHON`;
//! the bench runs its Python side itself, against its own server or data.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Package};

#[derive(Debug)]
struct Bench {
    /// The `[[bench]]` target name; also names the optional `benches/<name>.py` companion.
    name: &'static str,
    /// The workspace crate the bench target lives in.
    krate: &'static str,
    /// One line: what it measures.
    about: &'static str,
}

/// Peak-memory runs: a release example run under `/usr/bin/time -v`, reporting its maximum
/// resident set size (a goal measured in a bench run, never in a unit test).
#[derive(Debug)]
struct MemoryRun {
    name: &'static str,
    krate: &'static str,
    example: &'static str,
    features: &'static str,
    args: &'static [&'static str],
    about: &'static str,
}

const MEMORY_RUNS: &[MemoryRun] = &[MemoryRun {
    name: "upload-rss",
    krate: "dragoneye-rs",
    example: "upload_rss",
    features: "testing",
    args: &["1024"],
    about: "peak RSS of predict_video on a sparse 1 GiB file (goal: < 64 MiB)",
}];

/// Every bench `cargo xtask bench` knows about. Add an entry next to each new `[[bench]]` target.
const BENCHES: &[Bench] = &[
    Bench {
        name: "roundtrip",
        krate: "groundlight-rs",
        about: "submit-then-get round trips vs bare reqwest and the official Python SDK (1 and 32 callers)",
    },
    Bench {
        name: "decode",
        krate: "dragoneye-rs",
        about: "decoding a large video result vs the official Python deserializer",
    },
];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.is_empty() {
        list();
        return Ok(());
    }
    let ws = util::metadata()?;
    let mut names = Vec::new();
    for name in args {
        match MEMORY_RUNS.iter().find(|m| m.name == name) {
            Some(run) => peak_rss(&ws.target_dir, run)?,
            None => names.push(name),
        }
    }
    let benches = names
        .into_iter()
        .map(|name| {
            BENCHES.iter().find(|b| b.name == name).ok_or_else(|| {
                format!("unknown bench `{name}`; `cargo xtask bench` lists the benches")
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    for bench in benches {
        let package = ws
            .member(bench.krate)
            .ok_or_else(|| format!("bench `{}`: no crate `{}`", bench.name, bench.krate))?;
        let target = package.target("bench", bench.name).ok_or_else(|| {
            format!(
                "bench `{}`: {} has no `[[bench]]` target named `{}`",
                bench.name, bench.krate, bench.name
            )
        })?;
        println!(
            "\n==> bench {} ({}): {}",
            bench.name, bench.krate, bench.about
        );
        let mut command = util::cargo(["bench", "-p", bench.krate, "--bench", bench.name]);
        if !target.required_features.is_empty() {
            command.args(["--features", &target.required_features.join(",")]);
        }
        // The Python side (the official SDK) runs inside the bench, against the bench's own
        // server or data; xtask only prepares its interpreter.
        if package
            .dir
            .join("benches")
            .join("requirements.txt")
            .is_file()
        {
            match venv(&ws.target_dir, package) {
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
    Ok(())
}

/// The variable through which a bench learns the venv's interpreter.
const PYTHON_ENV: &str = "VISION_SDK_BENCH_PYTHON";

fn list() {
    println!("benches (run with `cargo xtask bench <name>...`):");
    for bench in BENCHES {
        println!("  {:<24} {:<20} {}", bench.name, bench.krate, bench.about);
    }
    for run in MEMORY_RUNS {
        println!("  {:<24} {:<20} {}", run.name, run.krate, run.about);
    }
}

/// Builds the example in release mode and runs it under `/usr/bin/time -v`.
fn peak_rss(target_dir: &Path, run: &MemoryRun) -> Result<(), String> {
    println!("\n==> {} ({}): {}", run.name, run.krate, run.about);
    util::run(&mut util::cargo([
        "build",
        "--release",
        "-p",
        run.krate,
        "--example",
        run.example,
        "--features",
        run.features,
    ]))?;
    let binary = target_dir
        .join("release")
        .join("examples")
        .join(run.example);
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&binary)
        .args(run.args)
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

/// Creates `<target>/bench-venv` if needed, installs the crate's `benches/requirements.txt` into
/// it, and returns the venv's python.
fn venv(target_dir: &Path, package: &Package) -> Result<PathBuf, String> {
    let dir = target_dir.join("bench-venv");
    let bin = if cfg!(windows) { "Scripts" } else { "bin" };
    let python = dir.join(bin).join("python");
    if !python.exists() {
        let mut command = Command::new("python3");
        command.args(["-m", "venv"]).arg(&dir);
        util::run(&mut command)?;
    }
    let requirements = package.dir.join("benches").join("requirements.txt");
    if requirements.is_file() {
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
            .arg(&requirements);
        util::run(&mut command)?;
    }
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_names_are_unique() {
        let names: Vec<&str> = BENCHES
            .iter()
            .map(|b| b.name)
            .chain(MEMORY_RUNS.iter().map(|m| m.name))
            .collect();
        for (index, name) in names.iter().enumerate() {
            assert!(
                !names[index + 1..].contains(name),
                "bench `{name}` is registered twice"
            );
        }
    }
}
