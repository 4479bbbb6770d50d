//! `cargo xtask`: the workspace's automation (CI checks, codegen, packaging, demo, benchmarks).
//!
//! Argument parsing only; each subcommand lives in its own module.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod ci;
mod codegen;
mod demo;
mod package;
mod roboflow_server;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci                    everything CI checks: fmt, clippy, tests, the real Roboflow server tests, doctests, codegen --check, package-check
  codegen [--check]     regenerate code derived from the pinned specs in ../shared/specs (--check: fail if stale)
  package-check         cargo package --workspace, internal version consistency, publish order
  publish [--dry-run]   publish the crates in dependency order (skipping versions already published)
  demo                  run every SDK's quickstart against its fake server (or the real service if its key is set)
  bench [name]          benchmarks against the official Python SDKs and bare reqwest (see docs/testing.md)
  roboflow-server <install|start|stop|run -- cmd...>  the real Roboflow inference server on 127.0.0.1
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
        "ci" => ci::run(),
        "codegen" => codegen::run(has("--check")),
        "package-check" => package::check(),
        "publish" => package::publish(has("--dry-run")),
        "demo" => demo::run(),
        "bench" => bench::run(rest),
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
