//! `cargo xtask ci [--list] [--step NAME]... [--skip NAME]...`: everything CI checks, cheap steps
//! first, stopping at the first failure, with a timing summary and the count of skipped tests.
//!
//! # Steps
//!
//! [`STEPS`] is the list. A step is one entry: a name (for `--step`), one line about it, and a
//! `fn(&Ci) -> Result<Outcome, String>`. To add one (say `roboflow-real-server`), write the
//! function (in its own module under `xtask/src/` when it is more than a few lines, e.g.
//! `xtask/src/ci_roboflow.rs`), build its commands with [`Ci::cargo`] so they share the target
//! dir and the skip log, time sub-commands with [`Ci::timed`], return `Outcome::Skipped(why)`
//! when a prerequisite (a toolchain, a Python venv) is missing, and insert the entry where it
//! belongs in the cheap-first order.
//!
//! # Sharing one build
//!
//! Every step uses the workspace's one target dir and no step changes `RUSTFLAGS`, so artifacts
//! are reused wherever the feature sets agree:
//! - clippy compiles the dependencies in check mode (clippy-driver wraps only the workspace
//!   members), which `cargo doc --no-deps` then reuses;
//! - `default-features` builds each library crate alone with its default features, exactly what
//!   `cargo package`'s verification builds again in `package-check` (same target dir);
//! - the two test steps and the doctests share the dependencies whose features are the same with
//!   and without `--all-features` (tokio, hyper, wiremock, serde ...).
//!
//! # Skipped tests
//!
//! Tests that cannot find the shared facts folder (and run without `CI`) append one line
//! `<test name>\t<reason>` to `$VISION_SDK_SKIP_LOG` (the testkit's side of the protocol). Every
//! command of a ci run gets `VISION_SDK_SKIP_LOG=<target dir>/vision-sdk-skips.log`, truncated at
//! the start of the run; the summary counts and names the skipped tests. With `CI` set the
//! testkit fails such a test instead, so CI never passes on skipped tests.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{self, Package, Workspace};

/// One ci step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// What `--step` / `--skip` take.
    pub(crate) name: &'static str,
    /// One line for `--list`.
    pub(crate) about: &'static str,
    pub(crate) run: fn(&Ci) -> Result<Outcome, String>,
}

/// How a step that did not fail ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed,
    /// Not applicable here (e.g. a toolchain missing), with the reason.
    Skipped(String),
}

/// Every step, cheapest first. Add yours here (see the module docs).
pub(crate) const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        about: "cargo fmt --all -- --check",
        run: fmt,
    },
    Step {
        name: "codegen",
        about: "cargo xtask codegen --check: the generated files match the pinned specs",
        run: codegen,
    },
    Step {
        name: "metadata",
        about: "the [package.metadata.vision-sdk] tables match the crates' targets and the docs",
        run: metadata,
    },
    Step {
        name: "clippy",
        about: "cargo clippy --workspace --all-targets --all-features -- -D warnings",
        run: clippy,
    },
    Step {
        name: "doc",
        about: "RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps --all-features",
        run: doc,
    },
    Step {
        name: "no-default-features",
        about: "cargo check -p <crate> --no-default-features, for each publishable crate",
        run: no_default_features,
    },
    Step {
        name: "default-features",
        about: "cargo clippy -p <crate> --all-targets -- -D warnings (default features), for each publishable crate",
        run: default_features,
    },
    Step {
        name: "tests",
        about: "the tests, --workspace --all-features (nextest when installed, else cargo test)",
        run: tests_all_features,
    },
    Step {
        name: "doctests",
        about: "cargo test --workspace --all-features --doc (nextest skips doctests)",
        run: doctests,
    },
    Step {
        name: "tests-default-features",
        about: "the tests of each publishable crate alone, with its default features",
        run: tests_default_features,
    },
    Step {
        name: "roboflow-real-server",
        about: "roboflow-infer-rs against the real inference 1.8.3 server on 127.0.0.1 (venv installed when missing)",
        run: roboflow_real_server,
    },
    Step {
        name: "package-check",
        about: "cargo xtask package-check: cargo package --workspace (verified), publish order",
        run: |_| crate::package::check().map(|()| Outcome::Passed),
    },
    Step {
        name: "msrv",
        about: "cargo +<rust-version> check --workspace --all-features, when that toolchain is installed",
        run: msrv,
    },
];

/// The environment variable through which tests report skips (see the module docs).
pub(crate) const SKIP_LOG_ENV: &str = "VISION_SDK_SKIP_LOG";

/// What the steps share: the workspace, the skip log, the test runner, sub-step timings.
#[derive(Debug)]
pub(crate) struct Ci {
    pub(crate) ws: Workspace,
    pub(crate) skip_log: PathBuf,
    nextest: bool,
    /// (label, time, ok) of the sub-commands of the running step.
    timings: RefCell<Vec<(String, Duration, bool)>>,
}

impl Ci {
    /// A `cargo <args>` command in the workspace root, with the skip log set.
    pub(crate) fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = util::cargo(args);
        command.env(SKIP_LOG_ENV, &self.skip_log);
        command
    }

    /// Runs `f`, recording its time under `label` for the summary.
    pub(crate) fn timed(
        &self,
        label: impl Into<String>,
        f: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        let started = Instant::now();
        let result = f();
        self.timings
            .borrow_mut()
            .push((label.into(), started.elapsed(), result.is_ok()));
        result
    }

    /// The crates that get published (libraries; not xtask): the per-crate feature checks.
    pub(crate) fn publishable(&self) -> impl Iterator<Item = &Package> {
        self.ws.members.iter().filter(|p| p.publishable)
    }

    /// Runs the tests of `selection` (cargo package arguments) with nextest when it is installed,
    /// else with `cargo test --tests` (lib, bins, integration tests; the doctests have their own
    /// step).
    /// The tests of `selection`, without the real-server tests (they have their own step).
    fn test(&self, selection: &[&str]) -> Result<(), String> {
        let mut command = if self.nextest {
            let mut command = self.cargo(["nextest", "run", "--no-tests=warn"]);
            command.args(selection).args(["-E", REAL_SERVER_EXCLUDED]);
            command
        } else {
            let mut command = self.cargo(["test"]);
            command
                .args(selection)
                .args(["--tests", "--", "--skip", "real_server::"]);
            command
        };
        util::run(&mut command)
    }

    /// Runs `cargo <args> -p <crate>` for every publishable crate, each timed.
    /// `cargo <subcommand> -p <crate> <args>…` for each publishable crate (`-p` before the
    /// arguments, which may end in `-- <tool flags>`).
    fn per_crate(&self, subcommand: &str, args: &[&str]) -> Result<Outcome, String> {
        for package in self.publishable() {
            let mut command = self.cargo([subcommand, "-p", &package.name]);
            command.args(args);
            self.timed(package.name.clone(), || util::run(&mut command))?;
        }
        Ok(Outcome::Passed)
    }
}

fn passed(result: Result<(), String>) -> Result<Outcome, String> {
    result.map(|()| Outcome::Passed)
}

fn fmt(ci: &Ci) -> Result<Outcome, String> {
    passed(util::run(&mut ci.cargo(["fmt", "--all", "--", "--check"])))
}

fn codegen(_: &Ci) -> Result<Outcome, String> {
    passed(crate::codegen::run(None, true))
}

fn metadata(ci: &Ci) -> Result<Outcome, String> {
    let root = util::project_root();
    let read = |file: &str| {
        std::fs::read_to_string(root.join(file)).map_err(|e| format!("cannot read {file}: {e}"))
    };
    let problems = crate::providers::check(&ci.ws, &read("README.md")?, &read("docs/testing.md")?)?;
    let providers = crate::providers::providers(&ci.ws)?;
    let names: Vec<&str> = providers.iter().map(|p| p.name()).collect();
    println!("providers: {}", names.join(", "));
    if problems.is_empty() {
        Ok(Outcome::Passed)
    } else {
        Err(format!(
            "[package.metadata.vision-sdk]:\n  - {}",
            problems.join("\n  - ")
        ))
    }
}

fn clippy(ci: &Ci) -> Result<Outcome, String> {
    passed(util::run(&mut ci.cargo([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])))
}

fn doc(ci: &Ci) -> Result<Outcome, String> {
    let mut command = ci.cargo(["doc", "--workspace", "--no-deps", "--all-features"]);
    command.env("RUSTDOCFLAGS", "-D warnings");
    println!("$ RUSTDOCFLAGS='-D warnings' ...");
    passed(util::run(&mut command))
}

fn no_default_features(ci: &Ci) -> Result<Outcome, String> {
    ci.per_crate("check", &["--no-default-features"])
}

/// Each crate alone with its default features, lints and tests included: code under a
/// `#[cfg(feature)]` can leave an import unused that `--all-features` uses.
fn default_features(ci: &Ci) -> Result<Outcome, String> {
    ci.per_crate("clippy", &["--all-targets", "--", "-D", "warnings"])
}

fn tests_all_features(ci: &Ci) -> Result<Outcome, String> {
    if !ci.nextest {
        println!("cargo-nextest is not installed; falling back to `cargo test`");
    }
    passed(ci.test(&["--workspace", "--all-features"]))
}

fn doctests(ci: &Ci) -> Result<Outcome, String> {
    passed(util::run(&mut ci.cargo([
        "test",
        "--workspace",
        "--all-features",
        "--doc",
    ])))
}

/// Each crate alone (`-p`), so its own default features decide (e.g. groundlight without
/// `image`, the rustls client path), not what its siblings' features unify to.
fn tests_default_features(ci: &Ci) -> Result<Outcome, String> {
    for package in ci.publishable() {
        ci.timed(package.name.clone(), || ci.test(&["-p", &package.name]))?;
    }
    Ok(Outcome::Passed)
}

/// The nextest filter that leaves the real-server tests to their own step.
const REAL_SERVER_EXCLUDED: &str = "not (package(roboflow-infer-rs) & binary(real_server))";

/// roboflow-infer-rs against the real `inference` 1.8.3 server on loopback: installs the venv
/// under `target/` when missing (3-7 min and ~7 GB the first time), starts the server and its
/// platform stand-in, runs `tests/real_server.rs`, stops both by PID. With `CI` set, a server that
/// cannot be installed or started fails the step; without `CI` it is skipped with a warning.
fn roboflow_real_server(ci: &Ci) -> Result<Outcome, String> {
    let run: &[&str] = if ci.nextest {
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
    util::run(&mut ci.cargo(&build))?;
    let ran = crate::roboflow_server::with_server_or_skip(|server| {
        let mut command = ci.cargo(run);
        server.apply(&mut command);
        util::run(&mut command)
    })?;
    Ok(match ran {
        Some(()) => Outcome::Passed,
        None => {
            Outcome::Skipped("the real Roboflow server could not be started (CI not set)".into())
        }
    })
}

fn msrv(ci: &Ci) -> Result<Outcome, String> {
    let Some(version) = ci.ws.members.iter().find_map(|p| p.rust_version.clone()) else {
        return Ok(Outcome::Skipped("no crate declares `rust-version`".into()));
    };
    let listed = util::capture(Command::new("rustup").args(["toolchain", "list"]))
        .ok()
        .filter(|out| out.success)
        .map(|out| out.stdout)
        .unwrap_or_default();
    let Some(toolchain) = msrv_toolchain(&listed, &version) else {
        return Ok(Outcome::Skipped(format!(
            "toolchain {version} not installed (`rustup toolchain install {version} --profile minimal`)"
        )));
    };
    let mut command = Command::new("rustup");
    command
        .args([
            "run",
            &toolchain,
            "cargo",
            "check",
            "--workspace",
            "--all-features",
        ])
        .current_dir(util::project_root())
        .env(SKIP_LOG_ENV, &ci.skip_log)
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN");
    passed(util::run(&mut command))
}

/// The installed toolchain (a name from `rustup toolchain list`) for `rust-version` `version`:
/// `1.89-<host>` or `1.89.<patch>-<host>`.
fn msrv_toolchain(listed: &str, version: &str) -> Option<String> {
    listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .find(|name| {
            name.strip_prefix(version)
                .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('.'))
        })
        .map(str::to_owned)
}

/// What the command line selects.
#[derive(Debug, Default, PartialEq, Eq)]
struct Args {
    list: bool,
    only: Vec<String>,
    skip: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("`{flag}` needs a step name (`cargo xtask ci --list`)"))
        };
        match flag {
            "--list" => parsed.list = true,
            "--step" => parsed.only.push(value()?),
            "--skip" => parsed.skip.push(value()?),
            other => {
                return Err(format!(
                    "unknown ci option `{other}` (expected --list, --step NAME, --skip NAME)"
                ));
            }
        }
    }
    for name in parsed.only.iter().chain(&parsed.skip) {
        if !STEPS.iter().any(|step| step.name == name) {
            let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
            return Err(format!(
                "unknown ci step `{name}`; the steps are: {}",
                names.join(", ")
            ));
        }
    }
    Ok(parsed)
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let args = parse_args(args)?;
    if args.list {
        println!("ci steps, in order (run one with `cargo xtask ci --step NAME`):");
        for step in STEPS {
            println!("  {:<24} {}", step.name, step.about);
        }
        return Ok(());
    }
    let selected: Vec<&Step> = STEPS
        .iter()
        .filter(|step| args.only.is_empty() || args.only.iter().any(|n| n == step.name))
        .filter(|step| !args.skip.iter().any(|n| n == step.name))
        .collect();

    let ws = util::metadata()?;
    let skip_log = ws.target_dir.join("vision-sdk-skips.log");
    std::fs::create_dir_all(&ws.target_dir)
        .and_then(|()| std::fs::write(&skip_log, ""))
        .map_err(|e| format!("cannot truncate the skip log {}: {e}", skip_log.display()))?;
    let ci = Ci {
        ws,
        skip_log,
        nextest: util::succeeds(&mut util::cargo(["nextest", "--version"])),
        timings: RefCell::default(),
    };

    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut failure = None;
    for step in &selected {
        println!("\n==> ci: {}", step.name);
        let step_started = Instant::now();
        let result = (step.run)(&ci);
        let subs = std::mem::take(&mut *ci.timings.borrow_mut());
        let status = match &result {
            Ok(Outcome::Passed) => "ok".to_owned(),
            Ok(Outcome::Skipped(why)) => format!("skipped: {why}"),
            Err(_) => "FAILED".to_owned(),
        };
        rows.push(Row {
            name: step.name,
            elapsed: Some(step_started.elapsed()),
            status,
            subs,
        });
        if let Err(err) = result {
            failure = Some(format!("ci step `{}` failed: {err}", step.name));
            break;
        }
    }
    for step in &selected[rows.len()..] {
        rows.push(Row {
            name: step.name,
            elapsed: None,
            status: "not run".to_owned(),
            subs: Vec::new(),
        });
    }
    print_summary(&rows, started.elapsed());
    print_skips(&ci.skip_log);
    failure.map_or(Ok(()), Err)
}

#[derive(Debug)]
struct Row {
    name: &'static str,
    elapsed: Option<Duration>,
    status: String,
    subs: Vec<(String, Duration, bool)>,
}

fn print_summary(rows: &[Row], total: Duration) {
    println!("\n==> ci: summary");
    for row in rows {
        let time = row
            .elapsed
            .map_or_else(|| "-".to_owned(), |t| format!("{:.1}s", t.as_secs_f64()));
        println!("  {:<26} {time:>8}  {}", row.name, row.status);
        for (label, elapsed, ok) in &row.subs {
            let status = if *ok { "" } else { "  FAILED" };
            println!(
                "    {label:<24} {:>8}{status}",
                format!("{:.1}s", elapsed.as_secs_f64())
            );
        }
    }
    println!(
        "  {:<26} {:>8}",
        "total",
        format!("{:.1}s", total.as_secs_f64())
    );
}

/// The `<test>\t<reason>` lines of the skip log, de-duplicated (a test run in two feature
/// configurations skips twice), in first-seen order.
fn read_skips(log: &str) -> Vec<(String, String)> {
    let mut skips: Vec<(String, String)> = Vec::new();
    for line in log.lines().filter(|line| !line.trim().is_empty()) {
        let (name, reason) = line.split_once('\t').unwrap_or((line, ""));
        let entry = (name.trim().to_owned(), reason.trim().to_owned());
        if !skips.contains(&entry) {
            skips.push(entry);
        }
    }
    skips
}

fn print_skips(log: &std::path::Path) {
    let skips = read_skips(&std::fs::read_to_string(log).unwrap_or_default());
    println!("  skipped tests: {}", skips.len());
    for (name, reason) in &skips {
        if reason.is_empty() {
            println!("    {name}");
        } else {
            println!("    {name}: {reason}");
        }
    }
    if !skips.is_empty() {
        println!(
            "  (logged in {}; with CI set these fail instead)",
            log.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_step_selection() {
        let args = parse_args(&strings(&[
            "--step",
            "fmt",
            "--step=clippy",
            "--skip",
            "msrv",
        ]));
        assert_eq!(
            args,
            Ok(Args {
                list: false,
                only: strings(&["fmt", "clippy"]),
                skip: strings(&["msrv"]),
            })
        );
        assert!(parse_args(&strings(&["--list"])).unwrap().list);
        let err = parse_args(&strings(&["--step", "nope"])).unwrap_err();
        assert!(
            err.contains("unknown ci step `nope`") && err.contains("fmt"),
            "{err}"
        );
        assert!(parse_args(&strings(&["--step"])).is_err());
        assert!(parse_args(&strings(&["--frobnicate"])).is_err());
    }

    #[test]
    fn steps_are_unique_and_cheap_first() {
        let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(name), "step `{name}` twice");
        }
        let position = |name: &str| names.iter().position(|n| *n == name).unwrap();
        assert!(position("fmt") < position("codegen"));
        assert!(position("codegen") < position("clippy"));
        assert!(position("clippy") < position("tests"));
        assert!(position("default-features") < position("package-check"));
    }

    #[test]
    fn finds_the_msrv_toolchain() {
        let listed =
            "stable-x86_64-unknown-linux-gnu (default)\n1.890-x\n1.89.0-x86_64-unknown-linux-gnu\n";
        assert_eq!(
            msrv_toolchain(listed, "1.89").as_deref(),
            Some("1.89.0-x86_64-unknown-linux-gnu")
        );
        assert_eq!(msrv_toolchain("stable-x (default)\n", "1.89"), None);
        assert_eq!(
            msrv_toolchain("1.89-x\n", "1.89").as_deref(),
            Some("1.89-x")
        );
    }

    #[test]
    fn skips_are_counted_once_each() {
        let log = "groundlight::spec_validation\tno shared folder\n\
                   dragoneye::fixtures\tno shared folder\n\
                   groundlight::spec_validation\tno shared folder\n\
                   \n\
                   bare_name\n";
        let skips = read_skips(log);
        assert_eq!(skips.len(), 3);
        assert_eq!(skips[0].0, "groundlight::spec_validation");
        assert_eq!(skips[2], ("bare_name".to_owned(), String::new()));
    }
}
