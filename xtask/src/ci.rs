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
        util::run(&mut util::cargo([
            "nextest",
            "run",
            "--workspace",
            "--all-features",
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
        ]))
    }
}
