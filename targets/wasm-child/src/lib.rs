//! Commands run in a child process, for runtimes whose WASI is the real process's stdio and
//! filesystem (wasm3's `m3_LinkWASI`, WasmEdge's C++ WASI module): they cannot be handed a
//! request in memory, a crash in their C/C++ code must cost one cell, not the harness, and
//! a library that may be missing (libwasmedge) must cost one column.
//!
//! A child is a [`Program`] — the harness binary started as `harness wasm-child wasm3`, or
//! `harness-wasmedge` (this crate's binary, built with the `wasmedge` feature) — followed by
//! the protocol's arguments:
//!
//! ```text
//! <program...> <report> <module.wasm> [--dir <guest> <host>]... -- <arg0> <arg1>...
//! ```
//!
//! - stdin, stdout and stderr are the guest's: the parent writes the request to stdin and
//!   reads both outputs (each up to [`OUTPUT_LIMIT`]);
//! - the environment is exactly the job's (plus the dynamic loader's path, which an engine
//!   must not pass on to the guest);
//! - `--dir` grants a preopened directory under its guest path, for engines that can name
//!   preopens; the working directory is the job's first preopened directory or a fresh
//!   empty one (wasm3 preopens `./` and nothing else);
//! - when the guest has finished, the child writes one JSON object to `<report>` (a file
//!   outside the working directory): `{"exit": <code>}` when the guest exited (returning
//!   from `_start` is exit 0), `{"trap": "<message>"}` when it trapped, or
//!   `{"unrunnable": "<message>"}` when the engine could not parse, load, link or compile
//!   it (an error of the cell, not something the guest did). The report, not the exit
//!   status, is what the parent reads: it carries the full `i32` exit code, and a guest
//!   cannot forge it by printing;
//! - the exit status mirrors the report for a person running the child by hand: the guest's
//!   exit code (255 if it is not in 0..=255), [`TRAP_STATUS`] for a trap, or
//!   [`USAGE_STATUS`] for bad arguments;
//! - a child that ends without a report crashed (e.g. killed by SIGSEGV, or aborted when an
//!   allocation failed under its address-space cap): a trap naming the signal. A child still
//!   running at the case's deadline is killed: an `error` cell, "deadline passed".

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use conformance::command::TempDir;
use conformance::{CommandJob, CommandRun};
use serde_json::json;

/// Exit status of a child whose guest trapped (also: could not be loaded).
pub const TRAP_STATUS: u8 = 134;
/// Exit status of a child started with bad arguments.
pub const USAGE_STATUS: u8 = 64;
/// Output a command may write on each of stdout and stderr; the rest is discarded.
pub const OUTPUT_LIMIT: usize = 16 << 20;
/// The protocol's version, which `harness-wasmedge --version` reports, so a harness never
/// drives a child built from other sources.
pub const PROTOCOL: u32 = 2;

/// How a guest run in a child ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest exited with this code (returning from `_start` is 0).
    Exit(i32),
    /// The guest trapped.
    Trap(String),
    /// The engine could not parse, load, link or compile the module: the guest never ran
    /// (or, for an engine that compiles lazily, stopped where it reached what cannot be
    /// compiled).
    Unrunnable(String),
}

/// What the child runs: the module's bytes, its argv (`args[0]` is the program name) and
/// the directories granted (guest path, host path).
#[derive(Debug)]
pub struct Guest<'a> {
    pub wasm: &'a [u8],
    pub args: &'a [String],
    pub dirs: &'a [(String, PathBuf)],
}

/// An engine: runs a guest in this process, as the child calls it.
pub type Engine = fn(&Guest<'_>) -> Outcome;

/// How to start a child: the executable and the arguments before the protocol's.
#[derive(Clone, Debug)]
pub struct Program {
    pub exe: PathBuf,
    pub leading: Vec<OsString>,
}

/// The child's side: runs the guest the protocol's `args` describe on `engine`, writes the
/// report and returns the exit status.
pub fn serve(engine: Engine, args: &[OsString]) -> ExitCode {
    let request = match Request::parse(args) {
        Ok(request) => request,
        Err(why) => {
            eprintln!(
                "{why}\nusage: <child> <report> <module.wasm> [--dir <guest> <host>]... -- \
                 <arg0> <arg1>..."
            );
            return ExitCode::from(USAGE_STATUS);
        }
    };
    let outcome = match std::fs::read(&request.wasm) {
        Ok(wasm) => engine(&Guest {
            wasm: &wasm,
            args: &request.args,
            dirs: &request.dirs,
        }),
        Err(e) => Outcome::Unrunnable(format!("reading {}: {e}", request.wasm.display())),
    };
    let (json, status) = match &outcome {
        // The report has the code; the status only mirrors it (255 when it does not fit).
        Outcome::Exit(code) => (
            json!({ "exit": code }),
            u8::try_from(*code).unwrap_or(u8::MAX),
        ),
        Outcome::Trap(message) => (json!({ "trap": message }), TRAP_STATUS),
        Outcome::Unrunnable(message) => (json!({ "unrunnable": message }), TRAP_STATUS),
    };
    if let Err(e) = std::fs::write(&request.report, json.to_string()) {
        eprintln!("writing the report {}: {e}", request.report.display());
        return ExitCode::from(TRAP_STATUS);
    }
    ExitCode::from(status)
}

/// The protocol's arguments, parsed.
#[derive(Debug, PartialEq)]
struct Request {
    report: PathBuf,
    wasm: PathBuf,
    dirs: Vec<(String, PathBuf)>,
    args: Vec<String>,
}

impl Request {
    fn parse(args: &[OsString]) -> Result<Request, String> {
        let [report, wasm, rest @ ..] = args else {
            return Err("missing <report> and <module.wasm>".into());
        };
        let mut dirs = Vec::new();
        let mut rest = rest.iter();
        loop {
            match rest.next().and_then(|a| a.to_str()) {
                Some("--dir") => {
                    let (Some(guest), Some(host)) = (rest.next(), rest.next()) else {
                        return Err("--dir takes <guest> <host>".into());
                    };
                    dirs.push((guest.to_string_lossy().into_owned(), host.into()));
                }
                Some("--") => break,
                Some(other) => return Err(format!("unexpected `{other}` before `--`")),
                None => return Err("missing `--` before the guest's arguments".into()),
            }
        }
        Ok(Request {
            report: report.into(),
            wasm: wasm.into(),
            dirs,
            args: rest.map(|a| a.to_string_lossy().into_owned()).collect(),
        })
    }
}

/// The parent's side: runs `job` in a child started as `program`, enforcing the job's
/// deadline. The child's environment is exactly the job's (plus the dynamic loader's path);
/// its working directory is the job's first preopened directory, or an empty one.
pub fn run(program: &Program, job: &CommandJob) -> anyhow::Result<CommandRun> {
    let scratch = Scratch::new()?;
    let mut command = Command::new(&program.exe);
    command
        .args(&program.leading)
        .arg(scratch.report())
        // The working directory changes: the module's path must not depend on it.
        .arg(std::path::absolute(&job.wasm).unwrap_or_else(|_| job.wasm.clone()));
    for dir in &job.dirs {
        let host = std::path::absolute(&dir.host).unwrap_or_else(|_| dir.host.clone());
        command.arg("--dir").arg(&dir.guest).arg(host);
    }
    command
        .arg("--")
        .args(&job.args)
        .current_dir(job.dirs.first().map_or(scratch.cwd(), |d| d.host.clone()))
        .env_clear()
        .envs(job.env.iter().map(|(k, v)| (k, v)));
    if let Some(path) = std::env::var_os("LD_LIBRARY_PATH") {
        command.env("LD_LIBRARY_PATH", path);
    }
    let stdin = job.stdin.as_ref().map(|s| s.as_bytes().to_vec());
    run_child(command, stdin, &scratch.report(), job.timeout)
}

/// Starts `command`, feeds it `stdin` (none: `/dev/null`), collects its outputs and its
/// report, and kills it at `timeout`.
fn run_child(
    mut command: Command,
    stdin: Option<Vec<u8>>,
    report: &Path,
    timeout: Duration,
) -> anyhow::Result<CommandRun> {
    let start = Instant::now();
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", command.get_program().to_string_lossy()))?;
    // Written on a thread: a guest that never reads must not block the harness. A guest
    // that exits without reading all of it breaks the pipe, which is not an error here.
    let feeder = match (child.stdin.take(), stdin) {
        (Some(mut input), Some(bytes)) => Some(std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        })),
        _ => None,
    };
    let stdout = drain(child.stdout.take().context("no stdout pipe")?);
    let stderr = drain(child.stderr.take().context("no stderr pipe")?);
    let deadline = start + timeout;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting")? {
            break Some(status);
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(10));
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let Some(status) = status else {
        bail!(
            "deadline passed: killed after {:.1} s; stderr: {}",
            timeout.as_secs_f64(),
            stderr.trim()
        );
    };
    let mut run = CommandRun {
        stdout,
        stderr,
        ..CommandRun::default()
    };
    match std::fs::read_to_string(report) {
        Ok(text) => {
            let report: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("unreadable report {text:?} ({status})"))?;
            if let Some(message) = report["unrunnable"].as_str() {
                bail!("the runtime cannot run this module: {message}");
            }
            run.exit = report["exit"].as_i64().map(|c| c as i32);
            run.trap = report["trap"].as_str().map(str::to_owned);
            if run.exit.is_none() && run.trap.is_none() {
                bail!("report {text:?} has neither exit nor trap ({status})");
            }
        }
        // No report: the child died before the guest finished.
        Err(_) => run.trap = Some(format!("the child died without a report ({status})")),
    }
    Ok(run)
}

/// Reads a pipe to its end on a thread, keeping the first [`OUTPUT_LIMIT`] bytes.
fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(OUTPUT_LIMIT as u64).read_to_end(&mut kept);
        let rest = std::io::copy(&mut pipe, &mut std::io::sink()).unwrap_or(0);
        let mut text = String::from_utf8_lossy(&kept).into_owned();
        if rest > 0 {
            text.push_str(&format!("[... {rest} more bytes discarded]"));
        }
        text
    })
}

/// A case's scratch directory: `cwd/` (empty; the child's working directory when the job
/// preopens nothing) and the report beside it. Removed when dropped, whatever the child left
/// there.
struct Scratch(TempDir);

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let dir = TempDir::new("harness-child")?;
        let cwd = dir.path().join("cwd");
        std::fs::create_dir(&cwd).with_context(|| format!("creating {}", cwd.display()))?;
        Ok(Scratch(dir))
    }

    fn cwd(&self) -> PathBuf {
        self.0.path().join("cwd")
    }

    fn report(&self) -> PathBuf {
        self.0.path().join("report.json")
    }
}

/// Caps this process's address space (`RLIMIT_AS`) at what it has mapped now plus `extra`
/// bytes, and returns the cap. For a child only: the limit stays on the process. Engines
/// without a memory cap of their own (wasm3), or whose cap leaves their own stacks
/// unbounded (WasmEdge's interpreter), then see allocations fail instead of growing without
/// end.
pub fn cap_address_space(extra: u64) -> std::io::Result<u64> {
    let cap = mapped_bytes().unwrap_or(256 << 20) + extra;
    let limit = libc::rlimit {
        rlim_cur: cap as libc::rlim_t,
        rlim_max: cap as libc::rlim_t,
    };
    // SAFETY: setrlimit only reads the struct passed; lowering a limit affects this
    // process alone (the child), and only future allocations.
    if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } == 0 {
        Ok(cap)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The size of this process's address space now.
fn mapped_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok().filter(|&p| p > 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shell script standing in for the child: the protocol, not an engine.
    fn sh(script: &str, stdin: &str, timeout: Duration) -> anyhow::Result<CommandRun> {
        let scratch = Scratch::new().unwrap();
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(scratch.report())
            .current_dir(scratch.cwd());
        run_child(command, Some(stdin.into()), &scratch.report(), timeout)
    }

    #[test]
    fn a_report_gives_the_exit_code_and_the_outputs() {
        let run = sh(
            r#"cat; echo oops >&2; echo '{"exit": 300}' > "$1"; exit 44"#,
            "{\"ok\": 1}",
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(run.exit, Some(300));
        assert_eq!(run.trap, None);
        assert_eq!(run.stdout, "{\"ok\": 1}");
        assert_eq!(run.stderr, "oops\n");
    }

    #[test]
    fn a_trap_is_reported() {
        let run = sh(
            r#"echo '{"trap": "unreachable"}' > "$1"; exit 134"#,
            "",
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(run.trap.as_deref(), Some("unreachable"));
    }

    #[test]
    fn a_module_the_engine_cannot_run_is_an_error_not_a_trap() {
        let error = sh(
            r#"echo '{"unrunnable": "parsing: bad magic"}' > "$1"; exit 134"#,
            "",
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("cannot run this module: parsing"),
            "{error}"
        );
    }

    #[test]
    fn a_crash_without_a_report_names_the_signal() {
        let run = sh("kill -SEGV $$", "", Duration::from_secs(10)).unwrap();
        let trap = run.trap.unwrap();
        assert!(trap.contains("without a report"), "{trap}");
        assert!(trap.contains("SIGSEGV"), "{trap}");
    }

    #[test]
    fn a_hung_child_is_killed_at_the_deadline() {
        let start = Instant::now();
        let error = sh("exec sleep 30", "", Duration::from_millis(300)).unwrap_err();
        assert!(error.to_string().starts_with("deadline passed"), "{error}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn the_working_directory_is_empty_and_removed_afterwards() {
        let scratch = Scratch::new().unwrap();
        let dir = scratch.0.path().to_path_buf();
        assert_eq!(std::fs::read_dir(scratch.cwd()).unwrap().count(), 0);
        drop(scratch);
        assert!(!dir.exists());
    }

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_request_names_its_preopens_before_the_guests_arguments() {
        let request = Request::parse(&os(&[
            "r.json", "m.wasm", "--dir", "/sandbox", "/tmp/x", "--", "probe", "--dir", "--",
        ]))
        .unwrap();
        assert_eq!(
            request,
            Request {
                report: "r.json".into(),
                wasm: "m.wasm".into(),
                dirs: vec![("/sandbox".into(), "/tmp/x".into())],
                args: vec!["probe".into(), "--dir".into(), "--".into()],
            }
        );
        assert!(Request::parse(&os(&["r.json", "m.wasm", "probe"])).is_err());
        assert!(Request::parse(&os(&["r.json", "m.wasm", "--dir", "/a"])).is_err());
        assert!(Request::parse(&os(&["r.json"])).is_err());
    }
}
