//! `cargo xtask build-time`: what a clean release build of a crate costs, beside the floor.
//!
//! Each run builds `cargo build --release -p <crate>` in a fresh target dir of its own (under
//! `target/build-time/`), timed by GNU time: wall clock, user and system CPU seconds. The floor
//! is an empty library crate that depends only on the HTTP stack every crate here needs
//! (`reqwest`, `rustls` with ring, `tokio`, `serde_json`), taken verbatim from the root
//! manifest's `[workspace.dependencies]` with the workspace's own `Cargo.lock`, so it builds the
//! same versions and features. The difference is what the crate itself adds.
//!
//! On two cores a clean build is bound by total CPU time until its serial tail, so the wall clock
//! of one run varies by ±10 % with the machine's load; run it on an idle machine, more than once
//! (`--runs`). It is not part of `cargo xtask ci`: one run is minutes of CPU.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util;

/// The floor's dependencies: `[workspace.dependencies]` entries copied as they are.
const FLOOR_DEPENDENCIES: [&str; 5] = ["reqwest", "rustls", "tokio", "serde", "serde_json"];

/// What the provider crates enable on top of the workspace entries (through common's `rustls`
/// feature and the tokio features common and the providers ask for).
const FLOOR_FEATURES: &str = r#"
[features]
default = ["reqwest/rustls-no-provider", "tokio/time", "tokio/fs", "tokio/io-util", "tokio/rt", "tokio/sync"]
"#;

const FLOOR_LIB: &str = r"//! The floor of `cargo xtask build-time`: one request with the HTTP stack, nothing else.

/// Fetches `url` and parses the body as JSON.
pub async fn get(url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let body = reqwest::Client::new().get(url).send().await?.bytes().await?;
    tokio::task::yield_now().await;
    Ok(serde_json::from_slice(&body)?)
}
";

#[derive(Debug)]
struct Options {
    crates: Vec<String>,
    features: Option<String>,
    no_default_features: bool,
    runs: usize,
    floor: bool,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let ws = util::metadata()?;
    for name in &options.crates {
        if ws.member(name).is_none() {
            return Err(format!("`{name}` is not a member of the workspace"));
        }
    }
    let root = ws.target_dir.join("build-time");
    let floor = if options.floor {
        Some(write_floor(&root.join("floor-crate"))?)
    } else {
        None
    };
    // Interleaved (floor, crates, floor, crates, …): the machine's speed drifts over minutes,
    // so each run of a crate sits beside a run of the floor.
    let mut rows: Vec<Row> = Vec::new();
    for run in 1..=options.runs {
        let mut floor_wall = None;
        if let Some(dir) = &floor {
            let target = root.join("floor-target");
            let mut command = Command::new(util::cargo_bin());
            command
                .args(["build", "--release", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(&target);
            let times = timed(command, &target)?;
            floor_wall = Some(times.wall);
            rows.push(Row {
                label: format!("floor (run {run})"),
                over_floor: None,
                times,
            });
        }
        for name in &options.crates {
            let target = root.join(name);
            let mut command = util::cargo(["build", "--release", "-p", name]);
            if options.no_default_features {
                command.arg("--no-default-features");
            }
            if let Some(features) = &options.features {
                command.args(["--features", features]);
            }
            command.arg("--target-dir").arg(&target);
            let times = timed(command, &target)?;
            rows.push(Row {
                label: format!("{name} (run {run})"),
                over_floor: floor_wall.map(|floor| times.wall - floor),
                times,
            });
        }
    }
    println!("\nclean release builds, {} CPU(s):", cpus());
    print!("{}", table(&rows));
    Ok(())
}

/// One timed build; `over_floor` is its wall clock minus that of the floor run just before it
/// (the figure that survives the host's drift in speed).
#[derive(Debug)]
struct Row {
    label: String,
    times: Times,
    over_floor: Option<f64>,
}

fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "  {:<32} {:>8} {:>9} {:>8} {:>12}\n",
        "build", "wall s", "user s", "sys s", "over floor s"
    );
    for row in rows {
        let t = &row.times;
        let over = row
            .over_floor
            .map_or_else(String::new, |over| format!("{over:+.1}"));
        out.push_str(&format!(
            "  {:<32} {:>8.1} {:>9.1} {:>8.1} {over:>12}\n",
            row.label, t.wall, t.user, t.system
        ));
    }
    out
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        crates: Vec::new(),
        features: None,
        no_default_features: false,
        runs: 1,
        floor: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let value = args.next().ok_or("--runs needs a number")?;
                options.runs = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--runs: `{value}` is not a positive number"))?;
            }
            "--features" => {
                options.features = Some(args.next().ok_or("--features needs a list")?.clone());
            }
            "--no-default-features" => options.no_default_features = true,
            "--no-floor" => options.floor = false,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            name => options.crates.push(name.to_owned()),
        }
    }
    if options.crates.is_empty() {
        options.crates.push("groundlight-rs".into());
    }
    Ok(options)
}

#[derive(Debug, Clone, Copy)]
struct Times {
    wall: f64,
    user: f64,
    system: f64,
}

/// Runs `command` in an emptied `target`, timed by GNU time.
fn timed(command: Command, target: &Path) -> Result<Times, String> {
    if target.exists() {
        std::fs::remove_dir_all(target)
            .map_err(|e| format!("could not empty {}: {e}", target.display()))?;
    }
    std::fs::create_dir_all(target)
        .map_err(|e| format!("could not create {}: {e}", target.display()))?;
    let report = target.join("time.txt");
    let mut time = Command::new("/usr/bin/time");
    time.arg("-f")
        .arg("%e %U %S")
        .arg("-o")
        .arg(&report)
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        time.current_dir(dir);
    }
    util::run(&mut time).map_err(|e| format!("{e} (GNU time is /usr/bin/time)"))?;
    let text = std::fs::read_to_string(&report)
        .map_err(|e| format!("could not read {}: {e}", report.display()))?;
    parse_times(&text).ok_or_else(|| format!("unexpected GNU time output: {text:?}"))
}

fn parse_times(text: &str) -> Option<Times> {
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let mut fields = line.split_whitespace().map(str::parse::<f64>);
    let (Some(Ok(wall)), Some(Ok(user)), Some(Ok(system)), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return None;
    };
    Some(Times { wall, user, system })
}

/// Writes the floor crate (manifest, lib, the workspace's lockfile) into `dir`.
fn write_floor(dir: &Path) -> Result<PathBuf, String> {
    let root = util::project_root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("could not read the root Cargo.toml: {e}"))?;
    let text = floor_manifest(&manifest)?;
    std::fs::create_dir_all(dir.join("src"))
        .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    let write = |path: PathBuf, contents: &str| {
        std::fs::write(&path, contents)
            .map_err(|e| format!("could not write {}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &text)?;
    write(dir.join("src").join("lib.rs"), FLOOR_LIB)?;
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("could not read Cargo.lock: {e}"))?;
    write(dir.join("Cargo.lock"), &lock)?;
    Ok(dir.to_owned())
}

/// The floor's manifest: its dependencies are the root manifest's one-line
/// `[workspace.dependencies]` entries for [`FLOOR_DEPENDENCIES`].
fn floor_manifest(root_manifest: &str) -> Result<String, String> {
    let mut section = "";
    let mut lines = Vec::new();
    for line in root_manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed;
            continue;
        }
        if section != "[workspace.dependencies]" {
            continue;
        }
        let Some((key, _)) = trimmed.split_once('=') else {
            continue;
        };
        if FLOOR_DEPENDENCIES.contains(&key.trim()) {
            lines.push(trimmed.to_owned());
        }
    }
    for name in FLOOR_DEPENDENCIES {
        if !lines
            .iter()
            .any(|l| l.split('=').next().map(str::trim) == Some(name))
        {
            return Err(format!(
                "the root manifest has no one-line `{name} = …` in [workspace.dependencies]"
            ));
        }
    }
    Ok(format!(
        "[package]\nname = \"build-time-floor\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n{FLOOR_FEATURES}\n[dependencies]\n{}\n",
        lines.join("\n")
    ))
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_takes_the_workspace_entries_verbatim() {
        let root = "[workspace]\nmembers = []\n\n[workspace.dependencies]\n\
                    reqwest = { version = \"0.13\", default-features = false }\n\
                    rustls = \"0.23\"\n# tokio\ntokio = { version = \"1\" }\nserde = \"1\"\n\
                    serde_json = \"1\"\nurl = \"2\"\n\n[profile.dev]\ndebug = 0\n";
        let manifest = floor_manifest(root).unwrap();
        assert!(manifest.contains("reqwest = { version = \"0.13\", default-features = false }"));
        assert!(manifest.contains("serde_json = \"1\""));
        assert!(!manifest.contains("url ="), "{manifest}");
        assert!(!manifest.contains("debug"), "{manifest}");
        assert!(manifest.contains("reqwest/rustls-no-provider"));
        assert!(floor_manifest("[workspace.dependencies]\nreqwest = \"0.13\"\n").is_err());
    }

    #[test]
    fn the_real_root_manifest_yields_a_floor() {
        let root = std::fs::read_to_string(util::project_root().join("Cargo.toml")).unwrap();
        let manifest = floor_manifest(&root).unwrap();
        for name in FLOOR_DEPENDENCIES {
            assert!(
                manifest.contains(&format!("\n{name} = ")),
                "{name}: {manifest}"
            );
        }
    }

    #[test]
    fn gnu_time_output_is_read() {
        let t =
            parse_times("Command exited with non-zero status 0\n103.29 179.86 17.45\n").unwrap();
        assert!((t.wall - 103.29).abs() < 1e-9 && (t.user - 179.86).abs() < 1e-9);
        assert!(parse_times("garbage").is_none());
        assert!(parse_times("1 2 3 4").is_none());
    }

    #[test]
    fn options_default_to_groundlight_with_the_floor() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.crates, ["groundlight-rs"]);
        assert!(o.floor && o.runs == 1);
        let args: Vec<String> = [
            "clarifai-rs",
            "--runs",
            "2",
            "--no-floor",
            "--features",
            "http2",
        ]
        .map(String::from)
        .into();
        let o = parse(&args).unwrap();
        assert_eq!(
            (o.crates.as_slice(), o.runs, o.floor),
            (&["clarifai-rs".to_owned()][..], 2, false)
        );
        assert_eq!(o.features.as_deref(), Some("http2"));
        assert!(parse(&["--runs".into(), "0".into()]).is_err());
    }

    #[test]
    fn the_table_shows_each_build_over_the_floor_of_its_run() {
        let times = |wall| Times {
            wall,
            user: 2.0 * wall,
            system: 1.0,
        };
        let rows = [
            Row {
                label: "floor (run 1)".into(),
                times: times(63.8),
                over_floor: None,
            },
            Row {
                label: "groundlight-rs (run 1)".into(),
                times: times(97.4),
                over_floor: Some(97.4 - 63.8),
            },
        ];
        let table = table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[0].ends_with("over floor s"), "{table}");
        assert!(lines[1].trim_end().ends_with("1.0"), "{table}");
        assert!(lines[2].ends_with("+33.6"), "{table}");
        assert!(lines[2].contains("194.8"), "{table}");
    }
}
