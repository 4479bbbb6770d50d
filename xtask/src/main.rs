//! `cargo xtask`: the workspace's automation (CI checks, codegen, specs, packaging, demo,
//! benchmarks).
//!
//! Argument parsing only; each subcommand lives in its own module.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod build_time;
mod ci;
mod codegen;
mod demo;
mod fetch_specs;
mod package;
mod providers;
mod roboflow_server;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci [--list] [--step NAME]... [--skip NAME]...
                        everything CI checks, cheap steps first (fmt, codegen --check, clippy, doc,
                        feature builds, tests, package-check); --list shows the steps
  codegen [NAME] [--check]
                        regenerate code derived from the pinned specs (--check: fail if stale)
  fetch-specs           download the pinned third-party specs into target/shared-cache
                        (verified by SHA-256; $VISION_SDK_SPECS_MIRROR overrides the origins)
  package-check         cargo package --workspace, internal version consistency, publish order
  publish [--dry-run]   publish the crates in dependency order (skipping versions already published)
  demo                  run every provider's demo example against its fake server (or the real
                        service when its key variable is set)
  bench [name]          benchmarks against the official Python SDKs and bare reqwest (see docs/testing.md)
  roboflow-server <install|start|stop|run -- cmd...>  the real Roboflow inference server on 127.0.0.1
  build-time [CRATE]... [--runs N] [--features F] [--no-default-features] [--no-floor]
                        clean release build of each crate (default groundlight-rs) in a fresh target
                        dir, wall and CPU seconds, beside the floor (the bare HTTP stack)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => {
            eprint!("{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let has = |flag: &str| rest.iter().any(|arg| arg == flag);
    let result = match command {
        "ci" => ci::run(rest),
        "codegen" => codegen_args(rest).and_then(|(name, check)| codegen::run(name, check)),
        "fetch-specs" => fetch_specs::run(),
        "package-check" => package::check(),
        "publish" => package::publish(has("--dry-run")),
        "demo" => demo::run(),
        "bench" => bench::run(rest),
        "build-time" => build_time::run(rest),
        "roboflow-server" => roboflow_server::run(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `codegen [NAME] [--check]`.
fn codegen_args(args: &[String]) -> Result<(Option<&str>, bool), String> {
    let mut name = None;
    let mut check = false;
    for arg in args {
        match arg.as_str() {
            "--check" => check = true,
            flag if flag.starts_with('-') => {
                return Err(format!("unknown codegen option `{flag}`"));
            }
            generator if name.is_none() => name = Some(generator),
            extra => {
                return Err(format!(
                    "codegen takes one generator name, got `{extra}` too"
                ));
            }
        }
    }
    Ok((name, check))
}
