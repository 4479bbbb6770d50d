//! `cargo xtask ci`: everything CI checks, in order, stopping at the first failure.
//!
//! clippy, the tests and the doctests all use the same selection (`--workspace --all-features`),
//! so the features resolve identically: the build scripts and proc-macros compiled for clippy are
//! reused by the test build, and the doctests reuse the test build's dependencies. (The package
//! check's verification builds each crate alone with default features, so it shares less.)

use std::time::{Duration, Instant};

use crate::util;

type Step = (&'static str, fn() -> Result<(), String>);

const STEPS: &[Step] = &[
    ("fmt", || {
        util::run(&mut util::cargo(["fmt", "--all", "--", "--check"]))
    }),
    ("clippy", || {
        util::run(&mut util::cargo([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))
    }),
    ("tests", tests),
    ("roboflow-real-server", roboflow_real_server),
    ("doctests", || {
        // nextest does not run doctests.
        util::run(&mut util::cargo([
            "test",
            "--workspace",
            "--all-features",
            "--doc",
        ]))
    }),
    ("codegen --check", || crate::codegen::run(true)),
    ("package-check", crate::package::check),
];

pub(crate) fn run() -> Result<(), String> {
    let started = Instant::now();
    let mut timings: Vec<(&str, Duration, bool)> = Vec::new();
    let mut failure = None;
    for &(name, step) in STEPS {
        println!("\n==> ci: {name}");
        let step_started = Instant::now();
        let result = step();
        timings.push((name, step_started.elapsed(), result.is_ok()));
        if let Err(err) = result {
            failure = Some(format!("ci step `{name}` failed: {err}"));
            break;
        }
    }
    println!("\n==> ci: timings");
    for (name, elapsed, ok) in &timings {
        let status = if *ok { "ok" } else { "FAILED" };
        println!("  {name:<16} {:>7.1}s  {status}", elapsed.as_secs_f64());
    }
    for &(name, _) in &STEPS[timings.len()..] {
        println!("  {name:<16} {:>8}  not run", "-");
    }
    println!(
        "  {:<16} {:>7.1}s",
        "total",
        started.elapsed().as_secs_f64()
    );
    failure.map_or(Ok(()), Err)
}

/// The test suite: nextest when installed, else `cargo test` (doctests run separately).
fn tests() -> Result<(), String> {
    if util::succeeds(&mut util::cargo(["nextest", "--version"])) {
        // The real-server tests have their own step (they need the server running).
        util::run(&mut util::cargo([
            "nextest",
            "run",
            "--workspace",
            "--all-features",
            "-E",
            REAL_SERVER_EXCLUDED,
        ]))
    } else {
        println!("cargo-nextest is not installed; falling back to `cargo test`");
        // `--tests` (lib, bins, integration tests): everything but the doctests, which have
        // their own step.
        util::run(&mut util::cargo([
            "test",
            "--workspace",
            "--all-features",
            "--tests",
            "--",
            "--skip",
            "real_server::",
        ]))
    }
}

/// The nextest filter that leaves the real-server tests to their own step.
const REAL_SERVER_EXCLUDED: &str = "not (package(roboflow-infer-rs) & binary(real_server))";

/// roboflow-infer-rs against the real `inference` 1.8.3 server on loopback: installs the venv
/// under `target/` when missing (3-7 min and ~7 GB the first time), starts the server and its
/// platform stand-in, runs `tests/real_server.rs`, stops both. With `CI` set, a server that
/// cannot be installed or started fails the step; without `CI` it is skipped with a warning.
fn roboflow_real_server() -> Result<(), String> {
    let nextest = util::succeeds(&mut util::cargo(["nextest", "--version"]));
    let run: &[&str] = if nextest {
        &[
            "nextest",
            "run",
            "-p",
            "roboflow-infer-rs",
            "--all-features",
            "--test",
            "real_server",
        ]
    } else {
        &[
            "test",
            "-p",
            "roboflow-infer-rs",
            "--all-features",
            "--test",
            "real_server",
        ]
    };
    // Compile first, so the server does not wait for the build.
    let mut build: Vec<&str> = run.to_vec();
    build.push("--no-run");
    util::run(&mut util::cargo(&build))?;
    crate::roboflow_server::with_server_or_skip(|server| {
        let mut command = util::cargo(run);
        server.apply(&mut command);
        util::run(&mut command)
    })
    .map(|_| ())
}
