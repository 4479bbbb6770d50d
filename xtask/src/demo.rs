//! `cargo xtask demo`: runs every provider crate's `quickstart` example.
//!
//! Providers are the workspace members with an example named `quickstart` (plus those in
//! [`PROVIDERS`], so a provider still missing its example is reported). Each runs against its
//! crate's built-in fake server (`testing` feature) unless the provider's key variable is set, in
//! which case the example talks to the real service.

use crate::util::{self, Package};

/// Provider crate → the environment variable holding its API key. The one place for this mapping.
const PROVIDERS: &[(&str, &str)] = &[
    ("groundlight-rs", "GROUNDLIGHT_API_TOKEN"),
    ("dragoneye-rs", "DRAGONEYE_API_KEY"),
    ("roboflow-infer-rs", "ROBOFLOW_API_KEY"),
];

const EXAMPLE: &str = "quickstart";
const FEATURE: &str = "testing";

pub(crate) fn run() -> Result<(), String> {
    let ws = util::metadata()?;
    let providers: Vec<&Package> = ws
        .members
        .iter()
        .filter(|p| {
            p.has_target("example", EXAMPLE) || PROVIDERS.iter().any(|(name, _)| *name == p.name)
        })
        .collect();
    let mut ran = 0;
    let mut failures = Vec::new();
    for package in providers {
        let name = &package.name;
        if !package.has_target("example", EXAMPLE) {
            println!("\n==> {name}: no `{EXAMPLE}` example yet, nothing to run");
            continue;
        }
        println!("\n==> {name}: {}", mode(name));
        let mut command = util::cargo(["run", "--quiet", "-p", name, "--example", EXAMPLE]);
        if package.features.iter().any(|f| f == FEATURE) {
            command.args(["--features", FEATURE]);
        } else {
            println!("warning: {name} has no `{FEATURE}` feature; running without it");
        }
        ran += 1;
        if let Err(err) = util::run(&mut command) {
            println!("==> {name}: FAILED");
            failures.push(format!("{name}: {err}"));
        }
    }
    if ran == 0 {
        println!("\nno provider crate has a `{EXAMPLE}` example yet");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {ran} quickstarts failed:\n  - {}",
            failures.len(),
            failures.join("\n  - ")
        ))
    }
}

/// What the quickstart of `krate` will talk to, judging by its key variable.
fn mode(krate: &str) -> String {
    match PROVIDERS.iter().find(|(name, _)| *name == krate) {
        Some((_, var)) if std::env::var_os(var).is_some_and(|v| !v.is_empty()) => {
            format!("quickstart against the REAL service (`{var}` is set)")
        }
        Some((_, var)) => format!("quickstart against the built-in fake server (`{var}` unset)"),
        None => format!(
            "quickstart (no key variable registered for {krate} in xtask/src/demo.rs PROVIDERS; \
             expecting the built-in fake server)"
        ),
    }
}
