//! `cargo xtask roboflow-server {install|start|stop|run -- <cmd...>}`: the **real** Roboflow
//! `inference` server (PyPI `inference-cpu[http]==1.8.3`) on 127.0.0.1, for the integration tests
//! of `roboflow-infer-rs`.
//!
//! The recipe is `../shared/protocols/roboflow-local-server/README.md`; its three scripts are run
//! from there (never copied into the repository):
//!
//! * `install`: creates (or reuses) the venv `target/rf-inference-1.8.3` and installs the server
//!   into it. A marker file is written only after a successful install and import check, so an
//!   interrupted install is redone from scratch on the next run. About 3 minutes and 7 GB the
//!   first time; instant afterwards.
//! * `run -- <cmd...>`: install, write the tiny synthetic ONNX model, start the loopback platform
//!   stand-in (`mock_platform_api.py`) and the server (`run_local_server.py`) on free loopback
//!   ports, wait (bounded) until `GET /info` answers, run `<cmd...>` with the URLs in
//!   [`ENV_SERVER_URL`] & co., then stop both process groups whatever happened. A watchdog per
//!   process group kills it even if xtask itself dies (Ctrl-C, `kill -9`).
//! * `start` / `stop`: the same servers left running in the background (for a debugging session),
//!   their PIDs kept in `target/rf-server/state.json`; `start` prints the `export` lines.
//!
//! [`with_server`] is the entry point for a CI step. With `CI` set, a failure to install or start
//! is always an error; [`with_server_or_skip`] skips (with a warning) only when `CI` is not set.
//!
//! Environment knobs: `ROBOFLOW_LOCAL_SERVER_PYTHON` (the interpreter that creates the venv,
//! default `python3`), `ROBOFLOW_LOCAL_SERVER_VENV` (venv directory),
//! `ROBOFLOW_LOCAL_SERVER_TIMEOUT_SECS` (readiness timeout, default 300), `VISION_SDK_SHARED_DIR`
//! (the shared facts directory, default `../shared` next to the workspace). Everything else in
//! xtask's environment (e.g. `ENABLE_STREAM_API=True`) reaches the server unchanged.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// xtask's error convention: a message.
pub(crate) type Result<T> = std::result::Result<T, String>;

/// The server release the tests are pinned to (also the venv's name).
pub(crate) const INFERENCE_VERSION: &str = "1.8.3";
/// What `pip install` gets. `inference-cpu` without `[http]` lacks uvicorn.
const REQUIREMENT: &str = "inference-cpu[http]==1.8.3";
/// Written into the venv after a successful install.
const MARKER: &str = ".vision-sdk-rs-installed";

/// `http://127.0.0.1:<port>` of the real inference server.
pub(crate) const ENV_SERVER_URL: &str = "ROBOFLOW_LOCAL_SERVER_URL";
/// `http://127.0.0.1:<port>` of the platform stand-in (what the server uses as `API_BASE_URL`).
pub(crate) const ENV_PLATFORM_URL: &str = "ROBOFLOW_LOCAL_PLATFORM_URL";
/// The version `GET /info` reported.
pub(crate) const ENV_SERVER_VERSION: &str = "ROBOFLOW_LOCAL_SERVER_VERSION";
/// The tiny synthetic object-detection model (real ONNX decode, NMS and rescaling).
pub(crate) const ENV_TINY_MODEL: &str = "ROBOFLOW_LOCAL_TINY_MODEL";
/// Stub models (`<project>/0`) of each task type the platform stand-in can describe.
pub(crate) const ENV_STUB_OD_MODEL: &str = "ROBOFLOW_LOCAL_STUB_OD_MODEL";
pub(crate) const ENV_STUB_SEG_MODEL: &str = "ROBOFLOW_LOCAL_STUB_SEG_MODEL";
pub(crate) const ENV_STUB_CLS_MODEL: &str = "ROBOFLOW_LOCAL_STUB_CLS_MODEL";
pub(crate) const ENV_STUB_KP_MODEL: &str = "ROBOFLOW_LOCAL_STUB_KP_MODEL";

/// The model id of the tiny package: its directory relative to the server's working directory.
const TINY_MODEL: &str = "tiny-od/1";
/// `mock_platform_api.py` picks the project type from the dataset name (`-seg`, `-cls`, `-kp`).
const STUB_MODELS: [(&str, &str); 4] = [
    (ENV_STUB_OD_MODEL, "sdk-proj/0"),
    (ENV_STUB_SEG_MODEL, "sdk-proj-seg/0"),
    (ENV_STUB_CLS_MODEL, "sdk-proj-cls/0"),
    (ENV_STUB_KP_MODEL, "sdk-proj-kp/0"),
];

const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(300);
const MOCK_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a process group gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(250);

const USAGE: &str = "\
usage: cargo xtask roboflow-server <install|start|stop|run -- <cmd...>>

  install          create/reuse the venv target/rf-inference-1.8.3 with inference-cpu[http]==1.8.3
  start            install, then start the server and its platform stand-in in the background
  stop             stop what `start` started
  run -- <cmd...>  install, start, run <cmd...> with ROBOFLOW_LOCAL_SERVER_URL & co., stop
";

/// What a running server offers to the tests.
#[derive(Debug, Clone)]
pub(crate) struct ServerInfo {
    /// `http://127.0.0.1:<port>` of the inference server.
    pub(crate) server_url: String,
    /// `http://127.0.0.1:<port>` of the platform stand-in.
    pub(crate) platform_url: String,
    /// The version `GET /info` reported (`1.8.3`).
    pub(crate) version: String,
    /// The server's working directory (logs, model cache, the tiny model, `openapi.json`).
    pub(crate) run_dir: PathBuf,
    /// How long the server took from launch to answering `/info`.
    pub(crate) ready_after: Duration,
}

impl ServerInfo {
    /// The variables the tests read.
    pub(crate) fn env_vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            (ENV_SERVER_URL, self.server_url.clone()),
            (ENV_PLATFORM_URL, self.platform_url.clone()),
            (ENV_SERVER_VERSION, self.version.clone()),
            (ENV_TINY_MODEL, TINY_MODEL.to_owned()),
        ];
        vars.extend(STUB_MODELS.iter().map(|(k, v)| (*k, (*v).to_owned())));
        vars
    }

    /// Adds [`env_vars`](Self::env_vars) to a command, and keeps loopback away from any proxy.
    pub(crate) fn apply(&self, command: &mut Command) {
        command.envs(self.env_vars());
        for var in ["NO_PROXY", "no_proxy"] {
            let value = match std::env::var(var) {
                Ok(old) if !old.is_empty() => format!("{old},127.0.0.1,localhost"),
                _ => "127.0.0.1,localhost".to_owned(),
            };
            command.env(var, value);
        }
    }
}

/// `cargo xtask roboflow-server <args>`.
pub(crate) fn run(args: &[String]) -> Result<()> {
    let (sub, rest) = args
        .split_first()
        .ok_or_else(|| format!("missing subcommand\n\n{USAGE}"))?;
    match sub.as_str() {
        "install" => {
            let paths = Paths::discover()?;
            install(&paths).map(drop)
        }
        "start" => start_detached(),
        "stop" => stop_detached(),
        "run" => {
            let command = command_after_dashes(rest)?;
            with_server(|info| {
                let mut cmd = Command::new(&command[0]);
                cmd.args(&command[1..]);
                info.apply(&mut cmd);
                let started = Instant::now();
                let result = run_inherited(&mut cmd);
                println!(
                    "roboflow-server: server ready after {:.1} s; `{}` took {:.1} s",
                    info.ready_after.as_secs_f64(),
                    command.join(" "),
                    started.elapsed().as_secs_f64()
                );
                result
            })
        }
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown subcommand `{other}`\n\n{USAGE}")),
    }
}

/// `run -- a b c` and `run a b c` both give `[a, b, c]`.
fn command_after_dashes(rest: &[String]) -> Result<Vec<String>> {
    let command = match rest.first().map(String::as_str) {
        Some("--") => &rest[1..],
        _ => rest,
    };
    if command.is_empty() {
        return Err(format!("`run` needs a command after `--`\n\n{USAGE}"));
    }
    Ok(command.to_vec())
}

/// Installs (or reuses) the server, starts it, calls `f`, and stops the server whatever `f` did
/// (returned an error, panicked). Install and start failures are errors.
pub(crate) fn with_server<T>(f: impl FnOnce(&ServerInfo) -> Result<T>) -> Result<T> {
    let paths = Paths::discover()?;
    let python = install(&paths)?;
    let server = Running::start(&paths, &python, true)?;
    // A panic in `f` unwinds through `server`'s Drop, which stops both process groups.
    let result = f(&server.info);
    let stopped = server.stop();
    match (result, stopped) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(stop)) => Err(stop),
        (Err(err), Ok(())) => Err(err),
        (Err(err), Err(stop)) => Err(format!("{err}\n(and stopping the server failed: {stop})")),
    }
}

/// Whether `CI` is set (to anything but empty, `0` or `false`).
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "False"))
}

/// Like [`with_server`], but outside CI a server that cannot be installed or started is a
/// warning and `Ok(None)` instead of an error. With `CI` set it never skips. Errors of `f` itself
/// are always errors.
pub(crate) fn with_server_or_skip<T>(
    f: impl FnOnce(&ServerInfo) -> Result<T>,
) -> Result<Option<T>> {
    let mut reached_f = false;
    let result = with_server(|info| {
        reached_f = true;
        f(info)
    });
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if !reached_f && !in_ci() => {
            println!(
                "warning: skipping the real Roboflow server step (CI is not set): {err}\n\
                 (set CI=1 to make this an error)"
            );
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

// ------------------------------------------------------------------------------------------
// Locations

#[derive(Debug)]
struct Paths {
    /// The venv holding the server.
    venv: PathBuf,
    /// Parent of the per-run working directories and of `state.json`.
    runs: PathBuf,
    /// `../shared/protocols/roboflow-local-server`.
    scripts: PathBuf,
}

impl Paths {
    fn discover() -> Result<Self> {
        let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = xtask_dir.parent().unwrap_or(xtask_dir);
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        let shared = match std::env::var_os("VISION_SDK_SHARED_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("..").join("shared"),
        };
        let scripts = shared.join("protocols").join("roboflow-local-server");
        for script in SCRIPTS {
            if !scripts.join(script).is_file() {
                return Err(format!(
                    "{} not found: the shared facts directory must be at ../shared \
                     (or set VISION_SDK_SHARED_DIR)",
                    scripts.join(script).display()
                ));
            }
        }
        let venv = match std::env::var_os("ROBOFLOW_LOCAL_SERVER_VENV") {
            Some(dir) => root.join(dir),
            None => target.join(format!("rf-inference-{INFERENCE_VERSION}")),
        };
        Ok(Self {
            venv,
            runs: target.join("rf-server"),
            scripts,
        })
    }

    fn python(&self) -> PathBuf {
        self.venv.join("bin").join("python")
    }

    fn script(&self, name: &str) -> PathBuf {
        self.scripts.join(name)
    }

    fn state_file(&self) -> PathBuf {
        self.runs.join("state.json")
    }
}

const RUN_SERVER: &str = "run_local_server.py";
const MOCK_PLATFORM: &str = "mock_platform_api.py";
const MAKE_TINY_MODEL: &str = "make_tiny_od_package.py";
const SCRIPTS: [&str; 3] = [RUN_SERVER, MOCK_PLATFORM, MAKE_TINY_MODEL];

// ------------------------------------------------------------------------------------------
// Install

/// Whether the marker says the venv holds a complete install of [`REQUIREMENT`].
fn marker_is_valid(venv: &Path) -> bool {
    fs::read_to_string(venv.join(MARKER)).is_ok_and(|content| content.trim() == REQUIREMENT)
        && venv.join("bin").join("python").exists()
}

/// Creates or reuses the venv; returns its python.
fn install(paths: &Paths) -> Result<PathBuf> {
    let venv = &paths.venv;
    if marker_is_valid(venv) {
        println!(
            "roboflow-server: reusing {} ({REQUIREMENT})",
            venv.display()
        );
        return Ok(paths.python());
    }
    let started = Instant::now();
    if venv.exists() {
        println!(
            "roboflow-server: {} has no complete install (no marker); redoing it",
            venv.display()
        );
        fs::remove_dir_all(venv).map_err(|e| format!("removing {}: {e}", venv.display()))?;
    }
    let base = std::env::var_os("ROBOFLOW_LOCAL_SERVER_PYTHON").unwrap_or_else(|| "python3".into());
    println!(
        "roboflow-server: installing {REQUIREMENT} into {} (about 3 minutes and 7 GB)",
        venv.display()
    );
    run_inherited(Command::new(&base).args(["-m", "venv"]).arg(venv))?;
    let python = paths.python();
    run_inherited(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
        REQUIREMENT,
    ]))?;
    // The scripts need these; a broken resolution fails here rather than at server start.
    let check = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m, inference, uvicorn, onnx, numpy; \
             print(m.version('inference-cpu'))",
        ])
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    let version = String::from_utf8_lossy(&check.stdout).trim().to_owned();
    if !check.status.success() || version != INFERENCE_VERSION {
        return Err(format!(
            "the install in {} is unusable (inference version `{version}`): {}",
            venv.display(),
            String::from_utf8_lossy(&check.stderr).trim()
        ));
    }
    fs::write(venv.join(MARKER), format!("{REQUIREMENT}\n"))
        .map_err(|e| format!("writing the install marker: {e}"))?;
    println!(
        "roboflow-server: installed in {:.0} s, {} on disk",
        started.elapsed().as_secs_f64(),
        human_bytes(dir_size(venv))
    );
    Ok(python)
}

/// Total size of the regular files under `dir` (symlinks not followed).
fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => stack.push(entry.path()),
                Ok(kind) if kind.is_file() => {
                    total += entry.metadata().map_or(0, |m| m.len());
                }
                _ => {}
            }
        }
    }
    total
}

fn human_bytes(bytes: u64) -> String {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    const MIB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b >= GIB {
        format!("{:.1} GiB", b / GIB)
    } else {
        format!("{:.1} MiB", b / MIB)
    }
}

// ------------------------------------------------------------------------------------------
// Processes

/// A process started as the leader of its own process group, so that stopping it also stops
/// whatever it spawned.
#[derive(Debug)]
struct Group {
    name: &'static str,
    child: Child,
    log: PathBuf,
    /// `sh` waiting for EOF on its stdin (our end of a pipe): when xtask dies, the pipe closes and
    /// the watchdog kills the group. `None` for `start` (the servers outlive xtask on purpose).
    watchdog: Option<Child>,
}

impl Group {
    #[cfg(unix)]
    fn spawn(name: &'static str, mut command: Command, log: &Path, watchdog: bool) -> Result<Self> {
        use std::os::unix::process::CommandExt;

        let out = fs::File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("creating {}: {e}", log.display()))?;
        command
            .process_group(0)
            // Python buffers a redirected stdout; the log must be current when it is shown.
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let line = display(&command);
        let child = command
            .spawn()
            .map_err(|e| format!("could not start {name} (`{line}`): {e}"))?;
        let pgid = child.id();
        let watchdog = if watchdog {
            let spawned = Command::new("sh")
                .args([
                    "-c",
                    // No `--`: dash's builtin `kill` rejects it.
                    "read _ ; kill -TERM -\"$1\" 2>/dev/null; sleep 5; kill -KILL -\"$1\" 2>/dev/null",
                    "watchdog",
                ])
                .arg(pgid.to_string())
                .process_group(0)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            match spawned {
                Ok(watchdog) => Some(watchdog),
                Err(e) => {
                    let mut group = Self {
                        name,
                        child,
                        log: log.to_path_buf(),
                        watchdog: None,
                    };
                    let _ = group.stop();
                    return Err(format!("could not start the watchdog of {name}: {e}"));
                }
            }
        } else {
            None
        };
        println!(
            "roboflow-server: started {name} (pid {pgid}, log {})",
            log.display()
        );
        Ok(Self {
            name,
            child,
            log: log.to_path_buf(),
            watchdog,
        })
    }

    #[cfg(not(unix))]
    fn spawn(name: &'static str, _: Command, _: &Path, _: bool) -> Result<Self> {
        Err(format!(
            "{name}: the real Roboflow server harness needs a Unix host"
        ))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` if the leader has exited.
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM to the group, up to [`STOP_GRACE`] for the leader to exit, then SIGKILL to the
    /// group (which also catches stragglers), and reaps the leader. Idempotent.
    fn stop(&mut self) -> Result<()> {
        let pgid = self.pid();
        if self.exited().is_none() {
            signal_group("TERM", pgid);
            let deadline = Instant::now() + STOP_GRACE;
            while self.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(POLL_INTERVAL);
            }
        }
        signal_group("KILL", pgid);
        let waited = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        waited
            .map(drop)
            .map_err(|e| format!("waiting for {} (pid {pgid}): {e}", self.name))
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.watchdog.is_some() {
            let _ = self.stop();
        }
    }
}

/// `kill -<SIG> -- -<pgid>`; errors (no such group) are ignored.
fn signal_group(signal: &str, pgid: u32) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The mock platform API and the server, stopped on drop (when attached).
#[derive(Debug)]
struct Running {
    info: ServerInfo,
    /// Server first: it is stopped before the platform stand-in it talks to.
    groups: Vec<Group>,
}

impl Running {
    /// Writes the tiny model, starts the platform stand-in and the server, waits for both.
    /// `attached`: stopped when dropped (and by the watchdogs if xtask dies).
    fn start(paths: &Paths, python: &Path, attached: bool) -> Result<Self> {
        let [mock_port, server_port] = free_ports()?;
        remove_stale_runs(&paths.runs);
        let run_dir = paths.runs.join(format!("run-{server_port}"));
        if run_dir.exists() {
            fs::remove_dir_all(&run_dir)
                .map_err(|e| format!("removing {}: {e}", run_dir.display()))?;
        }
        // The server's cwd must contain these (empty) directories.
        for dir in [
            "inference/landing/out/static",
            "inference/landing/out/_next/static",
        ] {
            fs::create_dir_all(run_dir.join(dir))
                .map_err(|e| format!("creating {}: {e}", run_dir.join(dir).display()))?;
        }
        // Whose run this is: see `remove_stale_runs`.
        let owner = if attached {
            std::process::id().to_string()
        } else {
            "detached".to_owned()
        };
        fs::write(run_dir.join(OWNER_FILE), owner)
            .map_err(|e| format!("writing {}: {e}", run_dir.join(OWNER_FILE).display()))?;

        let tiny = run_dir.join(TINY_MODEL);
        let made = Command::new(python)
            .arg(paths.script(MAKE_TINY_MODEL))
            .arg(&tiny)
            .output()
            .map_err(|e| format!("could not run {MAKE_TINY_MODEL}: {e}"))?;
        if !made.status.success() {
            return Err(format!(
                "{MAKE_TINY_MODEL} failed: {}",
                String::from_utf8_lossy(&made.stderr).trim()
            ));
        }

        let platform_url = format!("http://127.0.0.1:{mock_port}");
        let server_url = format!("http://127.0.0.1:{server_port}");
        let mut groups = Vec::new();

        let mut mock = Command::new(python);
        mock.arg(paths.script(MOCK_PLATFORM))
            .arg(mock_port.to_string())
            .current_dir(&run_dir);
        let mut mock = Group::spawn(
            "mock platform API",
            mock,
            &run_dir.join("mock.log"),
            attached,
        )?;
        let mock_ready = wait_ready(&mut mock, mock_port, "/", MOCK_READY_TIMEOUT, |_| true);
        if let Err(err) = mock_ready {
            let _ = mock.stop();
            return Err(err);
        }

        let mut server = Command::new(python);
        server
            .arg(paths.script(RUN_SERVER))
            .arg(server_port.to_string())
            .arg(run_dir.join("openapi.json"))
            .current_dir(&run_dir)
            .env(
                "ALLOW_INFERENCE_MODELS_DIRECTLY_ACCESS_LOCAL_PACKAGES",
                "True",
            )
            .env("API_BASE_URL", &platform_url)
            .env("DISABLE_VERSION_CHECK", "True")
            .env("METRICS_ENABLED", "False")
            .env("MODEL_CACHE_DIR", run_dir.join("model-cache"))
            .env("HOST", "127.0.0.1");
        let launched = Instant::now();
        let server = match Group::spawn(
            "inference server",
            server,
            &run_dir.join("server.log"),
            attached,
        ) {
            Ok(server) => server,
            Err(err) => {
                let _ = mock.stop();
                return Err(err);
            }
        };
        groups.push(server);
        groups.push(mock);
        let timeout = std::env::var("ROBOFLOW_LOCAL_SERVER_TIMEOUT_SECS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .map_or(DEFAULT_READY_TIMEOUT, Duration::from_secs);
        let info = wait_ready(&mut groups[0], server_port, "/info", timeout, |body| {
            body.contains("\"version\"")
        });
        let body = match info {
            Ok(body) => body,
            Err(err) => {
                for group in &mut groups {
                    let _ = group.stop();
                }
                return Err(err);
            }
        };
        let ready_after = launched.elapsed();
        let version = json_string_field(&body, "version").unwrap_or_default();
        println!(
            "roboflow-server: {server_url} ready after {:.1} s (server {version}), platform stand-in {platform_url}",
            ready_after.as_secs_f64()
        );
        Ok(Self {
            info: ServerInfo {
                server_url,
                platform_url,
                version,
                run_dir,
                ready_after,
            },
            groups,
        })
    }

    /// Stops both groups; removes the run directory when everything went well.
    fn stop(mut self) -> Result<()> {
        let mut errors = Vec::new();
        for group in &mut self.groups {
            if let Err(err) = group.stop() {
                errors.push(err);
            }
        }
        println!("roboflow-server: stopped");
        if errors.is_empty() {
            let _ = fs::remove_dir_all(&self.info.run_dir);
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// In each run directory: the PID of the xtask that owns it, or `detached` (`start`).
const OWNER_FILE: &str = "owner";

/// Removes the run directories (logs, model cache) that runs killed before their cleanup left
/// behind: those whose owning xtask is gone. Detached runs are `stop`'s to remove.
fn remove_stale_runs(runs: &Path) {
    let Ok(entries) = fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        if !entry.file_name().to_string_lossy().starts_with("run-") {
            continue;
        }
        let owner = fs::read_to_string(dir.join(OWNER_FILE)).unwrap_or_default();
        let stale = match owner.trim().parse::<u32>() {
            Ok(pid) => !Path::new("/proc").join(pid.to_string()).exists(),
            // No owner file: an interrupted start; a detached run stays.
            Err(_) => owner.trim() != "detached",
        };
        if stale && Path::new("/proc").is_dir() {
            let _ = fs::remove_dir_all(&dir);
        }
    }
}

/// `N` distinct ports that were free a moment ago (the OS picks them; all listeners are held
/// until every port is chosen, so none repeats, then dropped).
fn free_ports<const N: usize>() -> Result<[u16; N]> {
    let listeners = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| format!("no free loopback port: {e}"))?;
    let mut ports = [0; N];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener
            .local_addr()
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
    }
    Ok(ports)
}

/// Polls `GET <path>` until it answers 200 with a body `accept`s, the process exits, or the
/// timeout passes. Returns the body.
fn wait_ready(
    group: &mut Group,
    port: u16,
    path: &str,
    timeout: Duration,
    accept: impl Fn(&str) -> bool,
) -> Result<String> {
    let started = Instant::now();
    loop {
        if let Some(status) = group.exited() {
            return Err(format!(
                "{} exited ({status}) before it was ready; end of {}:\n{}",
                group.name,
                group.log.display(),
                log_tail(&group.log, 30)
            ));
        }
        if let Ok((200, body)) = http_get(port, path)
            && accept(&body)
        {
            return Ok(body);
        }
        if started.elapsed() > timeout {
            return Err(format!(
                "{} not ready after {} s (GET {path} on 127.0.0.1:{port}); end of {}:\n{}",
                group.name,
                timeout.as_secs(),
                group.log.display(),
                log_tail(&group.log, 30)
            ));
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// A minimal HTTP/1.1 GET on loopback: `(status, body)`.
fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&String::from_utf8_lossy(&raw))
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP response"))
}

/// `(status, body)` of a `Connection: close` response (no chunked decoding: bodies of the
/// probed routes carry a `Content-Length`).
fn parse_response(raw: &str) -> Option<(u16, String)> {
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head
        .lines()
        .next()?
        .strip_prefix("HTTP/1.")?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((status, body.to_owned()))
}

/// `"name": "value"` out of a small JSON object.
fn json_string_field(body: &str, name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value[name].as_str().map(str::to_owned)
}

fn log_tail(log: &Path, lines: usize) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn display(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn run_inherited(command: &mut Command) -> Result<()> {
    let line = display(command);
    println!("$ {line}");
    let status = command
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

// ------------------------------------------------------------------------------------------
// start / stop (detached)

/// What `start` leaves for `stop`.
#[derive(Debug, PartialEq)]
struct State {
    /// `(name, pid, script)`: the script name is checked against `/proc/<pid>/cmdline` before
    /// signalling, so a reused PID is never killed.
    processes: Vec<(String, u32, String)>,
    server_url: String,
    run_dir: PathBuf,
}

impl State {
    fn to_json(&self) -> String {
        let processes: Vec<serde_json::Value> = self
            .processes
            .iter()
            .map(|(name, pid, script)| serde_json::json!({"name": name, "pid": pid, "script": script}))
            .collect();
        serde_json::json!({
            "processes": processes,
            "server_url": self.server_url,
            "run_dir": self.run_dir,
        })
        .to_string()
    }

    fn from_json(text: &str) -> Result<Self> {
        let bad = || "target/rf-server/state.json is not what `start` wrote".to_owned();
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| bad())?;
        let processes = value["processes"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|p| {
                Some((
                    p["name"].as_str()?.to_owned(),
                    u32::try_from(p["pid"].as_u64()?).ok()?,
                    p["script"].as_str()?.to_owned(),
                ))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        Ok(Self {
            processes,
            server_url: value["server_url"].as_str().ok_or_else(bad)?.to_owned(),
            run_dir: value["run_dir"].as_str().ok_or_else(bad)?.into(),
        })
    }
}

/// Whether `pid` is alive and runs `script` (Linux: `/proc/<pid>/cmdline`; elsewhere: alive).
fn is_ours(pid: u32, script: &str) -> bool {
    let proc_dir = Path::new("/proc");
    if proc_dir.is_dir() {
        return fs::read(proc_dir.join(pid.to_string()).join("cmdline"))
            .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(script));
    }
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start_detached() -> Result<()> {
    let paths = Paths::discover()?;
    if let Ok(text) = fs::read_to_string(paths.state_file()) {
        let state = State::from_json(&text)?;
        if state
            .processes
            .iter()
            .any(|(_, pid, script)| is_ours(*pid, script))
        {
            return Err(format!(
                "already running at {}; `cargo xtask roboflow-server stop` first",
                state.server_url
            ));
        }
    }
    let python = install(&paths)?;
    let running = Running::start(&paths, &python, false)?;
    let scripts = [RUN_SERVER, MOCK_PLATFORM];
    let state = State {
        processes: running
            .groups
            .iter()
            .zip(scripts)
            .map(|(g, script)| (g.name.to_owned(), g.pid(), script.to_owned()))
            .collect(),
        server_url: running.info.server_url.clone(),
        run_dir: running.info.run_dir.clone(),
    };
    fs::write(paths.state_file(), state.to_json())
        .map_err(|e| format!("writing {}: {e}", paths.state_file().display()))?;
    for (name, value) in running.info.env_vars() {
        println!("export {name}={value}");
    }
    // Detached: the groups have no watchdog, so dropping them leaves the processes running.
    drop(running);
    Ok(())
}

fn stop_detached() -> Result<()> {
    let paths = Paths::discover()?;
    let state_file = paths.state_file();
    let Ok(text) = fs::read_to_string(&state_file) else {
        println!(
            "roboflow-server: nothing to stop ({} absent)",
            state_file.display()
        );
        return Ok(());
    };
    let state = State::from_json(&text)?;
    for (name, pid, script) in &state.processes {
        if !is_ours(*pid, script) {
            println!("roboflow-server: {name} (pid {pid}) is not running");
            continue;
        }
        signal_group("TERM", *pid);
        let deadline = Instant::now() + STOP_GRACE;
        while is_ours(*pid, script) && Instant::now() < deadline {
            std::thread::sleep(POLL_INTERVAL);
        }
        if is_ours(*pid, script) {
            signal_group("KILL", *pid);
        }
        println!("roboflow-server: stopped {name} (pid {pid})");
    }
    fs::remove_file(&state_file).map_err(|e| format!("removing {}: {e}", state_file.display()))?;
    let _ = fs::remove_dir_all(&state.run_dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn command_is_what_follows_the_dashes() {
        assert_eq!(
            command_after_dashes(&args(&["--", "cargo", "test"])).unwrap(),
            ["cargo", "test"]
        );
        assert_eq!(command_after_dashes(&args(&["echo"])).unwrap(), ["echo"]);
        assert!(command_after_dashes(&args(&["--"])).is_err());
        assert!(command_after_dashes(&[]).is_err());
    }

    #[test]
    fn unknown_subcommands_are_errors() {
        assert!(run(&args(&["frobnicate"])).is_err());
        assert!(run(&[]).is_err());
    }

    #[test]
    fn parses_http_responses() {
        let raw = "HTTP/1.1 200 OK\r\ncontent-length: 17\r\n\r\n{\"version\":\"1.8.3\"}";
        let (status, body) = parse_response(raw).unwrap();
        assert_eq!(status, 200);
        assert_eq!(
            json_string_field(&body, "version").as_deref(),
            Some("1.8.3")
        );
        assert_eq!(
            parse_response("HTTP/1.0 503 Service Unavailable\r\n\r\n")
                .unwrap()
                .0,
            503
        );
        assert!(parse_response("garbage").is_none());
    }

    #[test]
    fn marker_must_name_the_requirement() {
        let dir = std::env::temp_dir().join(format!("rf-marker-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).unwrap();
        fs::write(dir.join("bin").join("python"), "").unwrap();
        assert!(!marker_is_valid(&dir), "no marker: a half-done install");
        fs::write(dir.join(MARKER), "inference-cpu[http]==1.0.0\n").unwrap();
        assert!(!marker_is_valid(&dir), "another version");
        fs::write(dir.join(MARKER), format!("{REQUIREMENT}\n")).unwrap();
        assert!(marker_is_valid(&dir));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn state_round_trips() {
        let state = State {
            processes: vec![
                ("inference server".into(), 41, RUN_SERVER.into()),
                ("mock platform API".into(), 40, MOCK_PLATFORM.into()),
            ],
            server_url: "http://127.0.0.1:1234".into(),
            run_dir: "/tmp/x".into(),
        };
        assert_eq!(State::from_json(&state.to_json()).unwrap(), state);
        assert!(State::from_json("{}").is_err());
    }

    #[test]
    fn env_vars_name_every_model() {
        let info = ServerInfo {
            server_url: "http://127.0.0.1:1".into(),
            platform_url: "http://127.0.0.1:2".into(),
            version: "1.8.3".into(),
            run_dir: PathBuf::new(),
            ready_after: Duration::ZERO,
        };
        let vars = info.env_vars();
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get(ENV_SERVER_URL), Some("http://127.0.0.1:1"));
        assert_eq!(get(ENV_TINY_MODEL), Some("tiny-od/1"));
        assert_eq!(get(ENV_STUB_SEG_MODEL), Some("sdk-proj-seg/0"));
        assert_eq!(get(ENV_STUB_KP_MODEL), Some("sdk-proj-kp/0"));
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(
            human_bytes(7 * 1024 * 1024 * 1024 + 100 * 1024 * 1024),
            "7.1 GiB"
        );
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }

    /// Whether no process of the group is left within a few seconds (a killed child is a
    /// zombie until init reaps it, and `kill -0` still finds zombies).
    #[cfg(unix)]
    fn group_gone(pgid: u32) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let alive = Command::new("kill")
                .args(["-0", "--", &format!("-{pgid}")])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !alive {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The watchdog's pipe closes when xtask dies (even by SIGKILL); closing it by hand must
    /// take down the whole process group, children included.
    #[cfg(unix)]
    #[test]
    fn watchdog_kills_the_group_when_its_pipe_closes() {
        let log = std::env::temp_dir().join(format!("rf-watchdog-{}.log", std::process::id()));
        let mut command = Command::new("sh");
        // A child in the group, and the leader waiting for it.
        command.args(["-c", "sleep 30 & wait"]);
        let mut group = Group::spawn("sleeper", command, &log, true).unwrap();
        assert!(group.exited().is_none());
        drop(group.watchdog.as_mut().unwrap().stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while group.exited().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let status = group.exited().expect("the watchdog did not stop the group");
        assert!(!status.success());
        // The group is gone too (no straggler `sleep 30`).
        assert!(group_gone(group.pid()), "a process of the group survived");
        group.stop().unwrap();
        let _ = fs::remove_file(&log);
    }

    #[cfg(unix)]
    #[test]
    fn stop_ends_the_group() {
        let log = std::env::temp_dir().join(format!("rf-stop-{}.log", std::process::id()));
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 30 & wait"]);
        let mut group = Group::spawn("sleeper", command, &log, true).unwrap();
        let pgid = group.pid();
        group.stop().unwrap();
        assert!(group.exited().is_some());
        assert!(group_gone(pgid), "a process of the group survived");
        let _ = fs::remove_file(&log);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_stale_runs_are_removed() {
        let runs = std::env::temp_dir().join(format!("rf-runs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&runs);
        let owned = |name: &str, owner: Option<&str>| {
            let dir = runs.join(name);
            fs::create_dir_all(&dir).unwrap();
            if let Some(owner) = owner {
                fs::write(dir.join(OWNER_FILE), owner).unwrap();
            }
        };
        owned("run-1", Some(&std::process::id().to_string()));
        owned("run-2", Some("4000000000")); // above any pid_max: gone
        owned("run-3", Some("detached"));
        owned("run-4", None);
        owned("state-like", None);
        remove_stale_runs(&runs);
        let left: std::collections::BTreeSet<String> = fs::read_dir(&runs)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            ["run-1", "run-3", "state-like"].map(String::from).into()
        );
        fs::remove_dir_all(&runs).unwrap();
    }

    #[test]
    fn free_ports_are_distinct() {
        let [a, b, c] = free_ports().unwrap();
        assert!(a != 0 && a != b && b != c && a != c);
    }
}
