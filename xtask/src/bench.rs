//! `cargo xtask bench [name...]`: benchmarks, registered in [`BENCHES`].
//!
//! Without a name, lists the benches. For each name: `cargo bench -p <crate> --bench <name>`,
//! then, if the crate has a `benches/<name>.py` companion (the official Python SDK or a baseline
//! doing the same work), runs it with a virtualenv in `target/bench-venv` that has the crate's
//! `benches/requirements.txt` installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Package};

#[derive(Debug)]
struct Bench {
    /// The `[[bench]]` target name; also names the optional `benches/<name>.py` companion.
    name: &'static str,
    /// The workspace crate the bench target lives in.
    krate: &'static str,
    /// One line: what it measures.
    about: &'static str,
}

/// Every bench `cargo xtask bench` knows about. Add an entry next to each new `[[bench]]` target.
const BENCHES: &[Bench] = &[];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.is_empty() {
        list();
        return Ok(());
    }
    let benches = args
        .iter()
        .map(|name| {
            BENCHES.iter().find(|b| b.name == name).ok_or_else(|| {
                format!("unknown bench `{name}`; `cargo xtask bench` lists the benches")
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let ws = util::metadata()?;
    for bench in benches {
        let package = ws
            .member(bench.krate)
            .ok_or_else(|| format!("bench `{}`: no crate `{}`", bench.name, bench.krate))?;
        if !package.has_target("bench", bench.name) {
            return Err(format!(
                "bench `{}`: {} has no `[[bench]]` target named `{}`",
                bench.name, bench.krate, bench.name
            ));
        }
        println!(
            "\n==> bench {} ({}): {}",
            bench.name, bench.krate, bench.about
        );
        util::run(&mut util::cargo([
            "bench",
            "-p",
            bench.krate,
            "--bench",
            bench.name,
        ]))?;
        let script = package
            .dir
            .join("benches")
            .join(format!("{}.py", bench.name));
        if script.is_file() {
            println!("\n==> bench {} (python companion)", bench.name);
            let python = venv(&ws.target_dir, package)?;
            let mut command = Command::new(python);
            command.arg(&script).current_dir(&package.dir);
            util::run(&mut command)?;
        }
    }
    Ok(())
}

fn list() {
    if BENCHES.is_empty() {
        println!("no benches registered yet (add them to BENCHES in xtask/src/bench.rs)");
        return;
    }
    println!("benches (run with `cargo xtask bench <name>...`):");
    for bench in BENCHES {
        println!("  {:<24} {:<20} {}", bench.name, bench.krate, bench.about);
    }
}

/// Creates `<target>/bench-venv` if needed, installs the crate's `benches/requirements.txt` into
/// it, and returns the venv's python.
fn venv(target_dir: &Path, package: &Package) -> Result<PathBuf, String> {
    let dir = target_dir.join("bench-venv");
    let bin = if cfg!(windows) { "Scripts" } else { "bin" };
    let python = dir.join(bin).join("python");
    if !python.exists() {
        let mut command = Command::new("python3");
        command.args(["-m", "venv"]).arg(&dir);
        util::run(&mut command)?;
    }
    let requirements = package.dir.join("benches").join("requirements.txt");
    if requirements.is_file() {
        let mut command = Command::new(&python);
        command
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements);
        util::run(&mut command)?;
    }
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_names_are_unique() {
        for (index, bench) in BENCHES.iter().enumerate() {
            assert!(
                BENCHES[index + 1..]
                    .iter()
                    .all(|other| other.name != bench.name),
                "bench `{}` is registered twice",
                bench.name
            );
        }
    }
}
