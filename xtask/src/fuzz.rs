//! `cargo xtask fuzz`: coverage-guided fuzzing with AFL++ on stable Rust (cargo-afl).
//!
//! The targets are the `fuzz` crate's table (`fuzz/src/lib.rs`), all in one binary: one
//! instrumented build (`cargo afl build --features afl`, in `<target>/afl`, its own target
//! directory because the instrumentation is in RUSTFLAGS), then `afl-fuzz` on each target
//! for `--seconds`, from seeds the binary generates (`fuzz seeds`). Every crash or hang is
//! copied to `<target>/fuzz/findings/<target>/` with the replay's output and the command that
//! reproduces it, and fails the run.
//!
//! cargo-afl is installed with `cargo install --locked` at [`CARGO_AFL`] into
//! `<target>/conformance/tools/cargo-afl`; installing it also compiles the AFL++ it bundles
//! (afl-fuzz and the runtime the targets link, the same version, into
//! `~/.local/share/afl.rs`), which needs `make` and a C compiler ([`setup`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

use crate::setup::{Apt, apt_install};
use crate::util::{on_path, run_cmd, rustc, target_dir};

/// cargo-afl's version; the `afl` crate in the workspace Cargo.toml is pinned to the same.
pub const CARGO_AFL: &str = "0.18.2";

/// Seconds per target when `--seconds` is not given.
const DEFAULT_SECONDS: u64 = 60;
/// afl-fuzz's per-input timeout, in ms: an input slower than this is a timeout...
const EXEC_TIMEOUT_MS: u64 = 1000;
/// ...and a timeout is only saved as a hang if it still runs after this many ms (AFL++
/// re-runs it): a loaded machine stalls a process for a second now and then.
const HANG_TIMEOUT_MS: u64 = 10_000;

/// Debian's build tools, for the AFL++ that installing cargo-afl compiles. (Debian's own
/// `afl++` package is AFL++ 4.04c; cargo-afl links the targets with the runtime of the
/// AFL++ it bundles, 4.40c, and that runtime's fork-server handshake is not 4.04c's, so the
/// Debian afl-fuzz cannot drive these targets.)
pub fn setup() -> anyhow::Result<()> {
    if on_path("make") && (on_path("cc") || on_path("gcc")) {
        return Ok(());
    }
    const NEEDED: &str = "installing cargo-afl compiles AFL++ (make, a C compiler)";
    match apt_install("build-essential", NEEDED)? {
        Apt::Installed => {}
        Apt::NotDebian | Apt::NoAptGet | Apt::NoRoot => {
            eprintln!("setup: make or cc is missing; {NEEDED}: `cargo xtask fuzz` will fail")
        }
    }
    Ok(())
}

/// Coverage-guided fuzzing with AFL++ of every target of the fuzz crate.
///
/// cargo-afl is installed at a pinned version on first use (its AFL++ is compiled then
/// too). One instrumented build of the fuzz crate's targets, then afl-fuzz on each (default
/// all, 60 s each, J at a time, default 1) from seeds generated from the vectors. Prints
/// executions, exec/s, coverage edges, corpus, crashes and hangs per target; every crash or
/// hang is saved under <target>/fuzz/findings/<name>/ with how to replay it (cargo run -p
/// fuzz -- run <name> <file>) and fails the run.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A target to fuzz (repeatable; default all: see --list).
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
    /// Seconds per target.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SECONDS)]
    pub seconds: u64,
    /// How many targets are fuzzed at a time.
    #[arg(long, value_name = "J", default_value_t = 1)]
    pub jobs: usize,
    /// The instrumented build's opt-level (cargo-afl's AFL_OPT_LEVEL; default 3). 1 takes a
    /// third less CPU to build and runs slower: what ci's short runs use.
    #[arg(long, value_name = "L")]
    pub opt_level: Option<String>,
    /// List the targets (after the instrumented build) instead of fuzzing.
    #[arg(long)]
    pub list: bool,
}

/// `cargo xtask fuzz ...`.
pub fn main(options: Args) -> anyhow::Result<()> {
    ensure!(options.seconds > 0, "--seconds must be at least 1");
    ensure!(options.jobs > 0, "--jobs must be at least 1");
    let target = target_dir()?;
    let cargo_afl = install(&target)?;
    let binary = build(&cargo_afl, &target, options.opt_level.as_deref())?;
    let all = list(&binary)?;
    if options.list {
        for (name, about) in &all {
            println!("{name:<18} {about}");
        }
        return Ok(());
    }
    let names: Vec<String> = if options.targets.is_empty() {
        all.iter().map(|(name, _)| name.clone()).collect()
    } else {
        for name in &options.targets {
            ensure!(
                all.iter().any(|(n, _)| n == name),
                "no fuzz target `{name}` (cargo xtask fuzz --list)"
            );
        }
        options.targets.clone()
    };
    let work = target.join("fuzz");
    let started = Instant::now();
    let runs = run_all(&cargo_afl, &binary, &work, &names, &options)?;
    report(&runs, &work, options.seconds, started.elapsed())?;
    let found: Vec<String> = runs
        .iter()
        .filter(|run| !run.findings.is_empty())
        .map(|run| format!("{} ({})", run.name, run.findings.len()))
        .collect();
    if !found.is_empty() {
        bail!(
            "fuzzing found crashes or hangs in {}: the inputs, each with its replay's \
             output and the command that reproduces it, are in {}",
            found.join(", "),
            work.join("findings").display()
        );
    }
    Ok(())
}

/// Installs cargo-afl (and so AFL++) unless this version is there; returns its binary.
fn install(target: &Path) -> anyhow::Result<PathBuf> {
    let tools = target.join("conformance").join("tools");
    let started = Instant::now();
    crate::platforms::cargo_install(&tools, "cargo-afl", CARGO_AFL, None)?;
    let cargo_afl = crate::platforms::cargo_tool(&tools, "cargo-afl");
    // Installing compiles AFL++ into the user's data directory; a machine that lost that
    // directory (or an install whose build script could not compile it) gets it here.
    let mut check = Command::new(&cargo_afl);
    check.args(["afl", "--version"]).env("CARGO", crate_cargo());
    // `cargo-afl 0.18.2 (AFL++ version 4.40c)` once AFL++ is compiled.
    let has_afl = check
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("AFL++ version"));
    if !has_afl {
        let mut config = Command::new(&cargo_afl);
        config
            .args(["afl", "config", "--build", "--force"])
            .env("CARGO", crate_cargo());
        run_cmd(config).context("compiling AFL++ with `cargo afl config --build`")?;
    }
    let took = started.elapsed();
    if took > Duration::from_secs(5) {
        eprintln!(
            "fuzz: cargo-afl {CARGO_AFL} ready in {:.0} s",
            took.as_secs_f64()
        );
    }
    Ok(cargo_afl)
}

fn crate_cargo() -> std::ffi::OsString {
    crate::util::cargo().get_program().to_owned()
}

/// The instrumented `fuzz` binary: one `cargo afl build` (niced, so a shared machine keeps
/// its other work going) in `<target>/afl`. With an explicit `--target` (the host's),
/// cargo applies cargo-afl's RUSTFLAGS to the target's code only, so build scripts and
/// proc-macros are compiled without the instrumentation they would never use.
fn build(cargo_afl: &Path, target: &Path, opt_level: Option<&str>) -> anyhow::Result<PathBuf> {
    let dir = target.join("afl");
    let host = host_triple()?;
    let started = Instant::now();
    let mut build = Command::new("nice");
    build
        .args(["-n", "10"])
        .arg(cargo_afl)
        .args([
            "afl",
            "build",
            "--quiet",
            "-p",
            "fuzz",
            "--features",
            "afl",
            "--bin",
            "fuzz",
        ])
        .args(["--target", &host])
        .env("CARGO", crate_cargo())
        .env("CARGO_TARGET_DIR", &dir);
    if let Some(level) = opt_level {
        build.env("AFL_OPT_LEVEL", level);
    }
    run_cmd(build)?;
    eprintln!(
        "fuzz: instrumented build in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(dir
        .join(host)
        .join("debug")
        .join(format!("fuzz{}", std::env::consts::EXE_SUFFIX)))
}

/// `rustc -vV`'s `host:`.
fn host_triple() -> anyhow::Result<String> {
    rustc(&["-vV"])?
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV names no host")
}

/// `(name, about)` of every target, from the binary.
fn list(binary: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let output = Command::new(binary)
        .arg("list")
        .output()
        .with_context(|| format!("running {} list", binary.display()))?;
    ensure!(output.status.success(), "`fuzz list` failed");
    Ok(String::from_utf8(output.stdout)?
        .lines()
        .filter_map(|line| {
            let (name, about) = line.split_once(' ')?;
            Some((name.to_owned(), about.trim().to_owned()))
        })
        .collect())
}

/// One target's run: afl-fuzz's final `fuzzer_stats` and what it found.
#[derive(Debug)]
struct Run {
    name: String,
    seeds: usize,
    stats: BTreeMap<String, String>,
    findings: Vec<PathBuf>,
}

impl Run {
    fn stat(&self, key: &str) -> &str {
        self.stats.get(key).map_or("?", String::as_str)
    }
}

/// Runs the targets, `jobs` at a time.
fn run_all(
    cargo_afl: &Path,
    binary: &Path,
    work: &Path,
    names: &[String],
    options: &Args,
) -> anyhow::Result<Vec<Run>> {
    let queue = std::sync::Mutex::new(names.iter().enumerate());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.min(names.len()) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                    let Some((index, name)) = next else { break };
                    let run = fuzz_one(cargo_afl, binary, work, name, options.seconds);
                    if let Ok(mut results) = results.lock() {
                        results.push((index, run));
                    }
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a fuzzing thread panicked"))?;
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, run)| run).collect()
}

/// Seeds, afl-fuzz for `seconds`, then its stats and findings.
fn fuzz_one(
    cargo_afl: &Path,
    binary: &Path,
    work: &Path,
    name: &str,
    seconds: u64,
) -> anyhow::Result<Run> {
    let seeds = work.join("seeds").join(name);
    let out = work.join("out").join(name);
    for dir in [&seeds, &out] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
    }
    let output = Command::new(binary)
        .arg("seeds")
        .arg(name)
        .arg(&seeds)
        .output()
        .context("writing seeds")?;
    ensure!(
        output.status.success(),
        "`fuzz seeds {name}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seed_count = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    std::fs::create_dir_all(&out)?;
    let log = out.with_extension("log");
    let mut afl = Command::new("nice");
    afl.args(["-n", "10"])
        .arg(cargo_afl)
        .args(["afl", "fuzz", "-i"])
        .arg(&seeds)
        .arg("-o")
        .arg(&out)
        .args(["-V", &seconds.to_string()])
        .args(["-t", &EXEC_TIMEOUT_MS.to_string()])
        .arg("--")
        .arg(binary)
        .arg(name)
        .env("CARGO", crate_cargo())
        // A log, not a screen; no CPU pinning, no frequency or core-dump checks: this
        // runs on shared machines and in CI, never with the system tuned for fuzzing.
        .env("AFL_NO_UI", "1")
        .env("AFL_NO_AFFINITY", "1")
        .env("AFL_SKIP_CPUFREQ", "1")
        .env("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1")
        .env("AFL_HANG_TMOUT", HANG_TIMEOUT_MS.to_string())
        // Short runs: calibrate each seed quickly and begin with the havoc stage.
        .env("AFL_FAST_CAL", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log)?)
        .stderr(std::fs::File::create(log.with_extension("err"))?);
    eprintln!(
        "fuzz: {name}: {seed_count} seeds, {seconds} s (log: {})",
        log.display()
    );
    let mut child = afl.spawn().context("starting afl-fuzz")?;
    // afl-fuzz stops itself after -V seconds; this only guards against it never doing so.
    let deadline = Instant::now() + Duration::from_secs(seconds + 300);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            bail!(
                "{name}: afl-fuzz did not stop after {seconds} s (log: {})",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let stats_file = out.join("default").join("fuzzer_stats");
    let Ok(stats) = std::fs::read_to_string(&stats_file) else {
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(25).collect();
        bail!(
            "{name}: afl-fuzz ended ({status}) without fuzzer_stats; its log ends:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    };
    let stats = stats
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            Some((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    let findings = save_findings(binary, work, name, &out.join("default"))?;
    Ok(Run {
        name: name.to_owned(),
        seeds: seed_count,
        stats,
        findings,
    })
}

/// Copies every crash and hang into `findings/<name>/`, replays it with the same binary
/// outside AFL++, and writes the replay's output and the command that reproduces it
/// beside it.
fn save_findings(
    binary: &Path,
    work: &Path,
    name: &str,
    afl_out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut saved = Vec::new();
    for (kind, prefix) in [("crashes", "crash"), ("hangs", "hang")] {
        let Ok(entries) = std::fs::read_dir(afl_out.join(kind)) else {
            continue;
        };
        let mut inputs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("id:"))
            })
            .collect();
        inputs.sort();
        if inputs.is_empty() {
            continue;
        }
        let dir = work.join("findings").join(name);
        std::fs::create_dir_all(&dir)?;
        for (i, input) in inputs.iter().enumerate() {
            let file = dir.join(format!("{prefix}-{i:03}"));
            std::fs::copy(input, &file)?;
            let started = Instant::now();
            let replay = Command::new(binary)
                .arg("run")
                .arg(name)
                .arg(&file)
                .output();
            let took = started.elapsed();
            let what = match &replay {
                Ok(o) => format!(
                    "{} after {:.1} s\n{}",
                    o.status,
                    took.as_secs_f64(),
                    String::from_utf8_lossy(&o.stderr)
                ),
                Err(e) => format!("could not replay: {e}"),
            };
            std::fs::write(
                file.with_extension("txt"),
                format!(
                    "{kind} of fuzz target {name}, found by afl-fuzz (original: {})\n\
                     reproduce: cargo run -p fuzz -- run {name} {}\n\nreplay: {what}",
                    input.display(),
                    file.display()
                ),
            )?;
            eprintln!(
                "fuzz: {name}: {kind}: {} (replay: {})",
                file.display(),
                what.lines().next().unwrap_or("")
            );
            saved.push(file);
        }
    }
    Ok(saved)
}

/// The table of figures, on stdout, and as `<work>/report.json`.
fn report(runs: &[Run], work: &Path, seconds: u64, took: Duration) -> anyhow::Result<()> {
    println!(
        "\n| target | seeds | execs | exec/s | edges | corpus | stability | crashes | hangs |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for run in runs {
        let edges = format!("{} / {}", run.stat("edges_found"), run.stat("total_edges"));
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            run.name,
            run.seeds,
            run.stat("execs_done"),
            run.stat("execs_per_sec"),
            edges,
            run.stat("corpus_count"),
            run.stat("stability"),
            run.stat("saved_crashes"),
            run.stat("saved_hangs"),
        );
        rows.push(serde_json::json!({
            "target": run.name,
            "seeds": run.seeds,
            "stats": run.stats,
            "findings": run.findings,
        }));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\n{} targets, {seconds} s each, in {:.1} min; load average at the end: {}",
        runs.len(),
        took.as_secs_f64() / 60.0,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    std::fs::create_dir_all(work)?;
    std::fs::write(
        work.join("report.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "seconds": seconds,
            "minutes": took.as_secs_f64() / 60.0,
            "loadavg": load.trim(),
            "targets": rows,
        }))? + "\n",
    )?;
    Ok(())
}
