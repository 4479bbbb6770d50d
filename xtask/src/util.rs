//! Shared helpers: running commands, locating the workspace and the shared facts folder,
//! reading `cargo metadata`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The workspace root: the parent of the xtask crate's directory. The one definition in xtask.
pub(crate) fn project_root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().unwrap_or(xtask_dir).to_path_buf()
}

/// The variable that points at the shared facts folder (the folder holding `specs/`).
pub(crate) const SHARED_DIR_ENV: &str = "VISION_SDK_SHARED_DIR";

/// Where `cargo xtask fetch-specs` puts the downloaded specs, in the shared folder's layout
/// (`<workspace>/target/shared-cache/specs/...`). Fixed under the workspace (not
/// `$CARGO_TARGET_DIR`), so the testkit finds it the same way.
pub(crate) fn shared_cache_dir() -> PathBuf {
    project_root().join("target").join("shared-cache")
}

/// The candidate shared folders, in search order, with where each comes from:
/// `$VISION_SDK_SHARED_DIR`, then `<workspace>/../shared`, then the fetch-specs cache.
pub(crate) fn shared_candidates() -> Vec<(PathBuf, &'static str)> {
    let root = project_root();
    let mut candidates = Vec::with_capacity(3);
    if let Some(dir) = std::env::var_os(SHARED_DIR_ENV).filter(|dir| !dir.is_empty()) {
        candidates.push((PathBuf::from(dir), "$VISION_SDK_SHARED_DIR"));
    }
    candidates.push((root.join("..").join("shared"), "<workspace>/../shared"));
    candidates.push((shared_cache_dir(), "the `cargo xtask fetch-specs` cache"));
    candidates
}

/// The shared facts folder: the first candidate of [`shared_candidates`] that exists.
#[allow(dead_code)] // the one lookup of the folder itself; xtask's own readers use `shared_path`
pub(crate) fn shared_dir() -> Result<PathBuf, String> {
    let candidates = shared_candidates();
    candidates
        .iter()
        .find(|(dir, _)| dir.is_dir())
        .map(|(dir, _)| dir.clone())
        .ok_or_else(|| missing_shared(&candidates, None))
}

/// A file of the shared folder (`relative` to it, e.g. `specs/groundlight/public-api.yaml`):
/// the first candidate folder that has it, so a partial folder (the specs-only cache) serves
/// what it holds.
pub(crate) fn shared_path(relative: &str) -> Result<PathBuf, String> {
    let candidates = shared_candidates();
    candidates
        .iter()
        .map(|(dir, _)| dir.join(relative))
        .find(|path| path.is_file())
        .ok_or_else(|| missing_shared(&candidates, Some(relative)))
}

fn missing_shared(candidates: &[(PathBuf, &str)], relative: Option<&str>) -> String {
    let what = relative.map_or("the shared facts folder".to_owned(), |r| format!("`{r}`"));
    let mut message = format!("{what} not found; looked in:\n");
    for (dir, origin) in candidates {
        message.push_str(&format!("  - {} ({origin})\n", dir.display()));
    }
    message.push_str(
        "check the shared facts folder out beside the repository as `../shared`, set \
         VISION_SDK_SHARED_DIR to it, or run `cargo xtask fetch-specs` for the pinned specs",
    );
    message
}

/// The `cargo` that runs us (`$CARGO`, set by `cargo run`), or `cargo` from `PATH`.
pub(crate) fn cargo_bin() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A `cargo <args>` command that runs in the workspace root.
pub(crate) fn cargo<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = Command::new(cargo_bin());
    command.args(args).current_dir(project_root());
    command
}

/// The command line, for logs and error messages (`$CARGO` shown as `cargo`).
pub(crate) fn display(command: &Command) -> String {
    let program = command.get_program();
    let mut line = if program == cargo_bin() {
        "cargo".to_owned()
    } else {
        program.to_string_lossy().into_owned()
    };
    for arg in command.get_args() {
        let arg = arg.to_string_lossy();
        line.push(' ');
        if arg.is_empty() || arg.contains(char::is_whitespace) {
            line.push_str(&format!("'{arg}'"));
        } else {
            line.push_str(&arg);
        }
    }
    line
}

/// Prints the command line, runs it with inherited stdio and fails unless it exits successfully.
pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let line = display(command);
    println!("$ {line}");
    let status = command
        .status()
        .map_err(|err| format!("could not start `{line}`: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// Runs the command quietly (nothing printed), returning whether it succeeded. For probes.
pub(crate) fn succeeds(command: &mut Command) -> bool {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The output of a finished command that was run with captured stdout and stderr.
#[derive(Debug)]
pub(crate) struct Captured {
    pub(crate) success: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs the command with stdout and stderr captured (nothing printed).
pub(crate) fn capture(command: &mut Command) -> Result<Captured, String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("could not start `{}`: {err}", display(command)))?;
    Ok(Captured {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// The parts of `cargo metadata --no-deps` that xtask uses.
#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) target_dir: PathBuf,
    /// Workspace members, in the order `cargo metadata` lists them.
    pub(crate) members: Vec<Package>,
}

impl Workspace {
    pub(crate) fn member(&self, name: &str) -> Option<&Package> {
        self.members.iter().find(|package| package.name == name)
    }
}

#[derive(Debug)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
    /// `rust-version` (the MSRV), when declared.
    pub(crate) rust_version: Option<String>,
    /// The directory holding the package's `Cargo.toml`.
    pub(crate) dir: PathBuf,
    /// False for `publish = false` (and for `publish = [..]` lists without crates.io).
    pub(crate) publishable: bool,
    pub(crate) description: Option<String>,
    /// `license`, or `license-file` when that is used instead.
    pub(crate) license: Option<String>,
    pub(crate) repository: Option<String>,
    /// The `readme` path, relative to `dir` (cargo fills in `README.md` when that file exists).
    pub(crate) readme: Option<String>,
    pub(crate) features: Vec<String>,
    pub(crate) dependencies: Vec<Dependency>,
    pub(crate) targets: Vec<Target>,
    /// The `[package.metadata]` table as JSON (`null` when absent); see `providers.rs`.
    pub(crate) metadata: Value,
}

impl Package {
    pub(crate) fn target(&self, kind: &str, name: &str) -> Option<&Target> {
        self.targets
            .iter()
            .find(|target| target.name == name && target.kinds.iter().any(|k| k == kind))
    }

    pub(crate) fn has_target(&self, kind: &str, name: &str) -> bool {
        self.target(kind, name).is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DepKind {
    Normal,
    Dev,
    Build,
}

#[derive(Debug)]
pub(crate) struct Dependency {
    /// The package name (not the `rename`).
    pub(crate) name: String,
    /// The version requirement; `*` when only a path is given.
    pub(crate) req: String,
    pub(crate) kind: DepKind,
    /// Set for path dependencies.
    pub(crate) path: Option<PathBuf>,
}

#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) kinds: Vec<String>,
    /// `required-features`: cargo skips (or, when named, refuses) the target without them.
    pub(crate) required_features: Vec<String>,
}

/// Runs `cargo metadata --format-version 1 --no-deps` and keeps what xtask needs.
pub(crate) fn metadata() -> Result<Workspace, String> {
    let mut command = cargo(["metadata", "--format-version", "1", "--no-deps"]);
    let output = capture(&mut command)?;
    if !output.success {
        return Err(format!(
            "`{}` failed:\n{}",
            display(&command),
            output.stderr.trim_end()
        ));
    }
    parse_metadata(&output.stdout)
}

fn parse_metadata(json: &str) -> Result<Workspace, String> {
    let root: Value =
        serde_json::from_str(json).map_err(|err| format!("cargo metadata: bad JSON: {err}"))?;
    let members: Vec<&str> = root["workspace_members"]
        .as_array()
        .ok_or("cargo metadata: no `workspace_members`")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages = root["packages"]
        .as_array()
        .ok_or("cargo metadata: no `packages`")?;
    let by_id: BTreeMap<&str, &Value> = packages
        .iter()
        .filter_map(|package| Some((package["id"].as_str()?, package)))
        .collect();
    let members = members
        .iter()
        .map(|id| {
            let package = by_id
                .get(id)
                .ok_or_else(|| format!("cargo metadata: member `{id}` not among the packages"))?;
            parse_package(package)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let target_dir = root["target_directory"]
        .as_str()
        .ok_or("cargo metadata: no `target_directory`")?
        .into();
    Ok(Workspace {
        target_dir,
        members,
    })
}

fn string(value: &Value, key: &str) -> Option<String> {
    value[key].as_str().map(str::to_owned)
}

/// A JSON array of strings (missing or `null`: empty).
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn parse_package(package: &Value) -> Result<Package, String> {
    let name = string(package, "name").ok_or("cargo metadata: package without a name")?;
    let version = string(package, "version")
        .ok_or_else(|| format!("cargo metadata: `{name}` has no version"))?;
    let manifest = string(package, "manifest_path")
        .ok_or_else(|| format!("cargo metadata: `{name}` has no manifest_path"))?;
    let dir = Path::new(&manifest)
        .parent()
        .ok_or_else(|| format!("cargo metadata: bad manifest path `{manifest}`"))?
        .to_path_buf();
    // `null`: any registry; `[]`: `publish = false`; otherwise the allowed registries.
    let publishable = match package["publish"].as_array() {
        None => true,
        Some(registries) => registries.iter().any(|r| r == "crates-io"),
    };
    let features = package["features"]
        .as_object()
        .map(|features| features.keys().cloned().collect())
        .unwrap_or_default();
    let dependencies = package["dependencies"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|dep| {
            let kind = match dep["kind"].as_str() {
                None => DepKind::Normal,
                Some("dev") => DepKind::Dev,
                Some("build") => DepKind::Build,
                Some(other) => {
                    return Err(format!("cargo metadata: unknown dependency kind `{other}`"));
                }
            };
            Ok(Dependency {
                name: string(dep, "name").unwrap_or_default(),
                req: string(dep, "req").unwrap_or_else(|| "*".to_owned()),
                kind,
                path: dep["path"].as_str().map(PathBuf::from),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let targets = package["targets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|target| Target {
            name: string(target, "name").unwrap_or_default(),
            kinds: strings(&target["kind"]),
            required_features: strings(&target["required-features"]),
        })
        .collect();
    Ok(Package {
        description: string(package, "description"),
        license: string(package, "license").or_else(|| string(package, "license_file")),
        repository: string(package, "repository"),
        rust_version: string(package, "rust_version"),
        readme: string(package, "readme"),
        name,
        version,
        dir,
        publishable,
        features,
        dependencies,
        targets,
        metadata: package["metadata"].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_metadata() {
        let json = r#"{
          "workspace_members": ["path+file:///ws/a#0.1.0", "path+file:///ws/x#0.0.0"],
          "target_directory": "/ws/target",
          "packages": [
            {"id": "path+file:///ws/x#0.0.0", "name": "x", "version": "0.0.0", "publish": [],
             "manifest_path": "/ws/x/Cargo.toml", "features": {}, "dependencies": [],
             "targets": [{"name": "x", "kind": ["bin"]}]},
            {"id": "path+file:///ws/a#0.1.0", "name": "a", "version": "0.1.0", "publish": null,
             "manifest_path": "/ws/a/Cargo.toml", "description": "A", "license": "MIT",
             "repository": "https://example.com", "readme": "README.md",
             "features": {"default": [], "testing": []},
             "dependencies": [
               {"name": "common", "req": "^0.1.0", "kind": null, "path": "/ws/common"},
               {"name": "helper", "req": "*", "kind": "dev", "path": "/ws/helper"},
               {"name": "serde", "req": "^1", "kind": null}
             ],
             "targets": [{"name": "a", "kind": ["lib"]},
                         {"name": "quickstart", "kind": ["example"],
                          "required-features": ["testing"]}]}
          ]
        }"#;
        let ws = parse_metadata(json).unwrap();
        assert_eq!(ws.target_dir, Path::new("/ws/target"));
        let names: Vec<_> = ws.members.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "x"]);
        let a = ws.member("a").unwrap();
        assert!(a.publishable);
        assert!(!ws.member("x").unwrap().publishable);
        assert_eq!(a.dir, Path::new("/ws/a"));
        assert!(a.has_target("example", "quickstart"));
        assert!(!a.has_target("bench", "quickstart"));
        assert_eq!(
            a.target("example", "quickstart").unwrap().required_features,
            ["testing"]
        );
        assert!(a.target("lib", "a").unwrap().required_features.is_empty());
        assert_eq!(a.features, ["default", "testing"]);
        assert_eq!(a.dependencies.len(), 3);
        assert_eq!(a.dependencies[1].kind, DepKind::Dev);
        assert_eq!(a.dependencies[1].req, "*");
        assert!(a.dependencies[2].path.is_none());
    }

    #[test]
    fn displays_commands() {
        let mut command = Command::new("python3");
        command.args(["-m", "venv", "a dir"]);
        assert_eq!(display(&command), "python3 -m venv 'a dir'");
    }
}
