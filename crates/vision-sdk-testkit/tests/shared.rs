//! The facts-folder policy: found, skipped with a log line, or a failure in CI. The policy reads
//! the environment, so each case runs this test binary again as a child process with its own.

use std::process::Command;

const CHILD: &str = "TESTKIT_SHARED_CHILD";

/// Run as a child: looks for a missing file and reports what happened on stdout.
#[test]
fn child_probe() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let found = vision_sdk_testkit::require_shared("no/such/file.json", "my_crate::my_test");
    assert!(found.is_none());
    let present = vision_sdk_testkit::require_shared("present.txt", "my_crate::other");
    assert!(present.is_some_and(|p| p.ends_with("present.txt")));
}

fn run_child(
    ci: bool,
    skip_log: Option<&std::path::Path>,
    shared: &std::path::Path,
) -> std::process::Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["child_probe", "--exact", "--nocapture"])
        .env(CHILD, "1")
        .env("VISION_SDK_SHARED_DIR", shared)
        .env_remove("CI")
        .env_remove("VISION_SDK_SKIP_LOG");
    if ci {
        command.env("CI", "true");
    }
    if let Some(log) = skip_log {
        command.env("VISION_SDK_SKIP_LOG", log);
    }
    command.output().unwrap()
}

#[test]
fn missing_files_are_logged_skips_locally_and_failures_in_ci() {
    let shared = vision_sdk_testkit::temp_file("present.txt", b"x");
    let log = shared.dir().join("skips.tsv");
    let local = run_child(false, Some(&log), shared.dir());
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    let lines = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (name, reason) = lines[0].split_once('\t').unwrap();
    assert_eq!(name, "my_crate::my_test");
    assert!(
        reason.contains("shared/no/such/file.json not found"),
        "{reason}"
    );
    assert!(String::from_utf8_lossy(&local.stderr).contains("skipping my_crate::my_test"));

    let ci = run_child(true, Some(&log), shared.dir());
    assert!(!ci.status.success(), "CI must fail");
    let output =
        String::from_utf8_lossy(&ci.stdout).into_owned() + &String::from_utf8_lossy(&ci.stderr);
    assert!(
        output.contains("CI is set, so this is a failure"),
        "{output}"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        1,
        "no skip logged in CI"
    );

    // Without a log file the skip still passes.
    assert!(run_child(false, None, shared.dir()).status.success());
}

#[test]
fn workspace_root_and_candidates() {
    let root = vision_sdk_testkit::workspace_root();
    assert!(root.join("Cargo.toml").is_file());
    assert!(root.join("crates/vision-sdk-testkit").is_dir());
    let bench_target = vision_sdk_testkit::bench::target_dir().unwrap();
    assert!(
        bench_target.join("CACHEDIR.TAG").is_file()
            || std::env::var_os("CARGO_TARGET_DIR").is_some()
    );
}
