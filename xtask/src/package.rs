//! `cargo xtask package-check` and `cargo xtask publish [--dry-run]`.
//!
//! crates.io only takes registry dependencies, so the provider crates can be published only after
//! `vision-sdk-common` is (survey section 3). Hence: a publish order from the internal dependency
//! graph, version requirements that match the workspace's versions, path-only internal
//! dev-dependencies, and `cargo package --workspace` (which checks dependents against a temporary
//! local registry; per-crate `cargo package -p` fails until the common crate is on crates.io).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use crate::util::{self, DepKind, Package, Workspace};

/// Whether `cargo package` also builds each packaged crate (from its `.crate` contents).
///
/// Kept on: verification is the only check that the published tarballs compile (files left out of
/// the package, `include_str!` reaching outside the crate, the default-feature build, the
/// dependents against the packaged `vision-sdk-common`). It builds in its own target dir
/// (`target/package-verify`, see [`clear_stale_packages`]); the lib-only, default-feature build
/// resolves features differently from the test builds anyway, so sharing `target/debug` reused
/// little. Measured on the idle 2-core dev machine with the crates complete: 173 s cold, 51 s
/// when only our crates are rebuilt. `--no-verify` plus "a separate build" would rebuild the same
/// graph and save nothing. Revisit if the step's time in `cargo xtask ci`'s summary grows past
/// ~3 min.
const VERIFY: bool = true;

pub(crate) fn check() -> Result<(), String> {
    let ws = util::metadata()?;
    let order = plan(&ws)?;
    package_workspace(&ws, true)?;
    print_order("publish order", &order);
    Ok(())
}

pub(crate) fn publish(dry_run: bool) -> Result<(), String> {
    let ws = util::metadata()?;
    let order = plan(&ws)?;
    let mut pending = Vec::new();
    for &package in &order {
        let id = format!("{}@{}", package.name, package.version);
        match is_published(package) {
            Ok(true) => println!("{id} is already on crates.io, skipping"),
            Ok(false) => {
                println!("{id} is not on crates.io yet");
                pending.push(package);
            }
            Err(err) if dry_run => {
                println!(
                    "warning: could not ask crates.io about {id}, assuming unpublished: {err}"
                );
                pending.push(package);
            }
            Err(err) => return Err(format!("could not ask crates.io about {id}: {err}")),
        }
    }
    if pending.is_empty() {
        println!("nothing to publish: every crate's version is already on crates.io");
        return Ok(());
    }
    if dry_run {
        // `cargo publish -p <dependent> --dry-run` fails while `vision-sdk-common` is not on
        // crates.io; packaging the workspace checks the same things against a local registry.
        package_workspace(&ws, true)?;
        print_order("dry run: would publish, in order", &pending);
        return Ok(());
    }
    // Preflight: package (and verify) everything before the first upload, so a problem in a
    // dependent shows up before `vision-sdk-common` is on crates.io. No `--allow-dirty`: a
    // release is made from a clean checkout.
    package_workspace(&ws, false)?;
    print_order("publishing, in order", &pending);
    let mut done: Vec<String> = Vec::new();
    for package in pending {
        // Cargo (>= 1.66) waits until the new version is in the index before returning, so the
        // next crate can resolve it.
        util::run(&mut util::cargo(["publish", "-p", &package.name])).map_err(|err| {
            let done = if done.is_empty() {
                "nothing".to_owned()
            } else {
                done.join(", ")
            };
            format!(
                "{err}\npublished in this run: {done}\nfix the problem and re-run \
                 `cargo xtask publish`: versions already on crates.io are skipped"
            )
        })?;
        done.push(format!("{}@{}", package.name, package.version));
    }
    println!("published: {}", done.join(", "));
    Ok(())
}

/// Checks the publishable members and returns them in publish order (dependencies first).
fn plan(ws: &Workspace) -> Result<Vec<&Package>, String> {
    let publishable: Vec<&Package> = ws.members.iter().filter(|p| p.publishable).collect();
    if publishable.is_empty() {
        return Err("no publishable crates in the workspace".into());
    }
    let mut problems = Vec::new();
    for package in &publishable {
        check_fields(package, &mut problems);
        check_internal_deps(ws, package, &mut problems);
    }
    if !problems.is_empty() {
        return Err(format!(
            "the crates are not publishable:\n  - {}",
            problems.join("\n  - ")
        ));
    }
    let graph: Vec<(&str, Vec<&str>)> = publishable
        .iter()
        .map(|package| (package.name.as_str(), internal_deps(ws, package)))
        .collect();
    let order = topo_sort(&graph)?;
    Ok(order
        .into_iter()
        .filter_map(|name| ws.member(name))
        .collect())
}

/// The crates.io metadata every published crate needs.
fn check_fields(package: &Package, problems: &mut Vec<String>) {
    let name = &package.name;
    let fields = [
        ("description", &package.description),
        ("license", &package.license),
        ("repository", &package.repository),
    ];
    for (field, value) in fields {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            problems.push(format!("{name}: `{field}` is missing in Cargo.toml"));
        }
    }
    match &package.readme {
        None => problems.push(format!("{name}: no `readme` (and no README.md)")),
        Some(readme) if !package.dir.join(readme).is_file() => {
            problems.push(format!("{name}: readme `{readme}` does not exist"));
        }
        Some(_) => {}
    }
}

/// Internal (workspace path) dependencies: normal and build ones need a version requirement that
/// the workspace's version satisfies; dev ones must be path-only, because cargo strips path-only
/// dev-dependencies when publishing while a versioned one must already be on crates.io
/// (rust-lang/cargo#15525).
fn check_internal_deps(ws: &Workspace, package: &Package, problems: &mut Vec<String>) {
    let name = &package.name;
    for dep in &package.dependencies {
        let Some(target) = internal(ws, dep) else {
            continue;
        };
        let dep_name = &dep.name;
        match dep.kind {
            DepKind::Dev => {
                if dep.req != "*" {
                    problems.push(format!(
                        "{name}: dev-dependency `{dep_name}` must be path-only (no version, \
                         not `workspace = true` when the workspace entry has one), found `{}`",
                        dep.req
                    ));
                }
            }
            DepKind::Normal | DepKind::Build => {
                if !target.publishable {
                    problems.push(format!(
                        "{name}: depends on `{dep_name}`, which is `publish = false`"
                    ));
                } else if dep.req == "*" {
                    problems.push(format!(
                        "{name}: dependency `{dep_name}` needs `version = \"{}\"` next to its \
                         path (crates.io only takes registry dependencies)",
                        target.version
                    ));
                } else {
                    match req_matches(&dep.req, &target.version) {
                        Ok(true) => {}
                        Ok(false) => problems.push(format!(
                            "{name}: requires `{dep_name} {}`, but the workspace has {dep_name} {}",
                            dep.req, target.version
                        )),
                        Err(err) => {
                            problems.push(format!("{name}: dependency `{dep_name}`: {err}"))
                        }
                    }
                }
            }
        }
    }
}

/// The workspace member a path dependency points to.
fn internal<'a>(ws: &'a Workspace, dep: &util::Dependency) -> Option<&'a Package> {
    dep.path.as_ref()?;
    ws.member(&dep.name)
}

/// The publishable internal crates this package needs at build time (dev-dependencies are
/// path-only and stripped on publish, so they don't constrain the order).
fn internal_deps<'a>(ws: &Workspace, package: &'a Package) -> Vec<&'a str> {
    package
        .dependencies
        .iter()
        .filter(|dep| dep.kind != DepKind::Dev)
        .filter(|dep| internal(ws, dep).is_some_and(|target| target.publishable))
        .map(|dep| dep.name.as_str())
        .collect()
}

fn req_matches(req: &str, version: &str) -> Result<bool, String> {
    let req = semver::VersionReq::parse(req)
        .map_err(|err| format!("bad version requirement `{req}`: {err}"))?;
    let version =
        semver::Version::parse(version).map_err(|err| format!("bad version `{version}`: {err}"))?;
    Ok(req.matches(&version))
}

/// Orders `(crate, dependencies)` so that every crate comes after its dependencies; ties are
/// broken by name so the order is stable. Dependencies outside the list are ignored.
fn topo_sort<'a>(graph: &[(&'a str, Vec<&'a str>)]) -> Result<Vec<&'a str>, String> {
    let nodes: BTreeSet<&str> = graph.iter().map(|(name, _)| *name).collect();
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = graph
        .iter()
        .map(|(name, deps)| {
            let deps = deps
                .iter()
                .copied()
                .filter(|dep| nodes.contains(dep) && dep != name)
                .collect();
            (*name, deps)
        })
        .collect();
    let mut order = Vec::with_capacity(waiting.len());
    while let Some(next) = waiting
        .iter()
        .find(|(_, deps)| deps.is_empty())
        .map(|(name, _)| *name)
    {
        waiting.remove(next);
        for deps in waiting.values_mut() {
            deps.remove(next);
        }
        order.push(next);
    }
    if waiting.is_empty() {
        Ok(order)
    } else {
        let cycle: Vec<&str> = waiting.keys().copied().collect();
        Err(format!(
            "no publish order for {}: their internal dependencies contain a cycle",
            cycle.join(", ")
        ))
    }
}

/// `cargo package --workspace`, leaving out the `publish = false` members (xtask).
fn package_workspace(ws: &Workspace, allow_dirty: bool) -> Result<(), String> {
    clear_stale_packages(ws)?;
    let mut command: Command = util::cargo(["package", "--workspace"]);
    command.arg("--target-dir").arg(verify_target_dir(ws));
    for package in ws.members.iter().filter(|p| !p.publishable) {
        command.args(["--exclude", &package.name]);
    }
    if allow_dirty {
        command.arg("--allow-dirty");
    }
    if !VERIFY {
        command.arg("--no-verify");
    }
    util::run(&mut command)
}

/// Removes what earlier `cargo package --workspace` runs left behind that cargo (1.95) would reuse.
///
/// The dependents are verified against `vision-sdk-common` from the temporary registry
/// `<verify dir>/package/tmp-registry`, which cargo unpacks into `$CARGO_HOME/registry/src/-<hash>/`
/// (`-`: a `file://` registry has no host) and never refreshes while `.cargo-ok` is there, as
/// the version number did not change. A second run then verifies against the sources of the first
/// (seen here: "could not find `mime` in `vision_sdk_common`" for code that builds in the
/// workspace; 0xMiden/miden-vm#2530 hit the same). So: drop our crates' unpacked copies from those
/// local-registry directories (never from crates.io's), and the temporary registry itself.
///
/// The verification builds get a target dir of their own, and our crates' fingerprints in it are
/// dropped too: cargo takes a registry crate's build as fresh from its name and version alone, so
/// a `vision-sdk-common` verified in an earlier run would otherwise be linked without being
/// rebuilt from the new sources (seen here). Their dependencies stay cached.
fn clear_stale_packages(ws: &Workspace) -> Result<(), String> {
    let mut stale = vec![verify_target_dir(ws).join("package").join("tmp-registry")];
    let fingerprints = verify_target_dir(ws).join("debug").join(".fingerprint");
    if let Ok(entries) = std::fs::read_dir(&fingerprints) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = ws
                .members
                .iter()
                .filter(|p| p.publishable)
                .any(|p| is_fingerprint_of(&name, &p.name));
            if ours {
                stale.push(entry.path());
            }
        }
    }
    if let Some(cargo_home) = cargo_home() {
        let sources = cargo_home.join("registry").join("src");
        if let Ok(entries) = std::fs::read_dir(&sources) {
            for entry in entries.flatten() {
                if !entry.file_name().to_string_lossy().starts_with('-') {
                    continue;
                }
                for package in ws.members.iter().filter(|p| p.publishable) {
                    let dir = format!("{}-{}", package.name, package.version);
                    stale.push(entry.path().join(dir));
                }
            }
        }
    }
    for dir in stale.iter().filter(|dir| dir.exists()) {
        std::fs::remove_dir_all(dir)
            .map_err(|err| format!("could not remove the stale {}: {err}", dir.display()))?;
    }
    Ok(())
}

/// Whether `dir` (an entry of `.fingerprint/`, `<package>-<hex hash>`) belongs to `package`.
fn is_fingerprint_of(dir: &str, package: &str) -> bool {
    dir.strip_prefix(package)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Where `cargo package` verifies the packaged crates: apart from the workspace's own builds, whose
/// path-source fingerprints must not be mixed with the registry copies.
fn verify_target_dir(ws: &Workspace) -> std::path::PathBuf {
    ws.target_dir.join("package-verify")
}

fn cargo_home() -> Option<std::path::PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(Into::into)
        .or_else(|| std::env::home_dir().map(|home| home.join(".cargo")))
}

/// Whether `name@version` is on crates.io. `Err` when crates.io could not be asked.
fn is_published(package: &Package) -> Result<bool, String> {
    let id = format!("{}@{}", package.name, package.version);
    // Run outside the workspace: inside it, `cargo info` describes the local member instead.
    let mut command = Command::new(util::cargo_bin());
    command
        .args(["info", &id])
        .current_dir(std::env::temp_dir());
    let output = util::capture(&mut command)?;
    if output.success {
        Ok(true)
    } else if output.stderr.contains(&format!("could not find `{id}`")) {
        Ok(false)
    } else {
        Err(format!(
            "`{}` failed:\n{}",
            util::display(&command),
            output.stderr.trim_end()
        ))
    }
}

fn print_order(title: &str, order: &[&Package]) {
    println!("{title}:");
    for (index, package) in order.iter().enumerate() {
        println!("  {}. {} {}", index + 1, package.name, package.version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_matched_by_package_name_and_hash() {
        assert!(is_fingerprint_of(
            "vision-sdk-common-1f2e3d4c5b6a7980",
            "vision-sdk-common"
        ));
        assert!(!is_fingerprint_of(
            "vision-sdk-codec-1f2e3d4c",
            "vision-sdk-common"
        ));
        assert!(!is_fingerprint_of(
            "vision-sdk-common-testkit-1f2e",
            "vision-sdk-common"
        ));
        assert!(!is_fingerprint_of(
            "vision-sdk-common-",
            "vision-sdk-common"
        ));
        assert!(!is_fingerprint_of("vision-sdk-common", "vision-sdk-common"));
        assert!(is_fingerprint_of("groundlight-rs-00ff", "groundlight-rs"));
    }

    #[test]
    fn requirements() {
        assert_eq!(req_matches("^0.1.0", "0.1.0"), Ok(true));
        assert_eq!(req_matches("^0.1", "0.1.7"), Ok(true));
        assert_eq!(req_matches("^0.1.0", "0.2.0"), Ok(false));
        assert_eq!(req_matches("=0.1.0", "0.1.1"), Ok(false));
        assert_eq!(req_matches("^1.2", "1.9.0"), Ok(true));
        assert!(req_matches("not a req", "0.1.0").is_err());
    }

    #[test]
    fn sorts_dependencies_first() {
        let graph = vec![
            ("groundlight-rs", vec!["vision-sdk-common", "serde"]),
            ("vision-sdk-common", vec![]),
            ("dragoneye-rs", vec!["vision-sdk-common"]),
            (
                "roboflow-infer-rs",
                vec!["vision-sdk-common", "groundlight-rs"],
            ),
        ];
        assert_eq!(
            topo_sort(&graph).unwrap(),
            [
                "vision-sdk-common",
                "dragoneye-rs",
                "groundlight-rs",
                "roboflow-infer-rs"
            ]
        );
    }

    #[test]
    fn detects_cycles() {
        let graph = vec![("a", vec!["b"]), ("b", vec!["a"]), ("c", vec![])];
        let err = topo_sort(&graph).unwrap_err();
        assert!(err.contains("cycle") && err.contains("a, b"), "{err}");
    }
}
