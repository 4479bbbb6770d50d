//! `cargo xtask demo`: runs every provider crate's demo example.
//!
//! Providers are the workspace members with a `[package.metadata.vision-sdk]` table
//! (`providers.rs`); each names its demo example and its key variables. The example runs against
//! the crate's built-in fake server (`testing` feature) unless one of the key variables is set, in
//! which case it talks to the real service.

use crate::providers::{self, Provider};
use crate::util;

/// The feature holding each provider's in-process fake server.
const FEATURE: &str = "testing";

pub(crate) fn run() -> Result<(), String> {
    let ws = util::metadata()?;
    let providers = providers::providers(&ws)?;
    if providers.is_empty() {
        println!("\nno workspace member has a [package.metadata.vision-sdk] table");
        return Ok(());
    }
    let mut ran = 0;
    let mut failures = Vec::new();
    for provider in &providers {
        let name = provider.name();
        let Some(example) = &provider.demo else {
            println!("\n==> {name}: no `demo` example declared, nothing to run");
            continue;
        };
        let Some(target) = provider.package.target("example", example) else {
            failures.push(format!(
                "{name}: the declared demo example `{example}` does not exist"
            ));
            continue;
        };
        println!(
            "\n==> {name} ({}): {example} {}",
            provider.provider,
            mode(provider)
        );
        let mut features = target.required_features.clone();
        if provider.package.features.iter().any(|f| f == FEATURE) {
            if !features.iter().any(|f| f == FEATURE) {
                features.push(FEATURE.to_owned());
            }
        } else {
            println!("warning: {name} has no `{FEATURE}` feature; running without it");
        }
        let mut command = util::cargo(["run", "--quiet", "-p", name, "--example", example]);
        if !features.is_empty() {
            command.args(["--features", &features.join(",")]);
        }
        ran += 1;
        if let Err(err) = util::run(&mut command) {
            println!("==> {name}: FAILED");
            failures.push(format!("{name}: {err}"));
        }
    }
    if failures.is_empty() {
        println!("\n{ran} demo(s) ran");
        Ok(())
    } else {
        Err(format!(
            "{} of {} demos failed:\n  - {}",
            failures.len(),
            providers.len(),
            failures.join("\n  - ")
        ))
    }
}

/// What the demo of `provider` will talk to, judging by its key variables.
fn mode(provider: &Provider<'_>) -> String {
    match provider.key_set() {
        Some(var) => format!("against the REAL service (`{var}` is set)"),
        None if provider.key_env.is_empty() => {
            "against the built-in fake server (no `key-env` declared)".to_owned()
        }
        None => format!(
            "against the built-in fake server ({} unset)",
            provider
                .key_env
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
