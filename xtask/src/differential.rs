//! `cargo xtask differential`: native against wasm, byte for byte, on inputs beyond the
//! vectors (the harness's `differential` mode, `targets/src/differential/`).
//!
//! It builds the guest artifacts, the harness and the plain (uninstrumented) fuzz binary;
//! turns each service fuzz target's generated seeds, and the AFL++ corpora it finds, into
//! service requests (`fuzz requests`, one JSON line per input) under
//! `<target>/differential/requests/`; then runs the harness's differential mode on them and
//! on mutated vector requests, which writes `<target>/differential/report.json` and a
//! reproducer per difference, and fails on any difference not explained in
//! `conformance/differential-known.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::build::build;
use crate::harness::{PassThrough, harness, help_then_harness, host_packages};
use crate::util::{cargo, run_cmd, target_dir};

/// Native against wasm on inputs beyond the vectors.
///
/// The same requests on the native core and on the component and the command on wasmtime,
/// responses compared byte for byte. Inputs per service, in turn: the fuzz targets' seeds,
/// the AFL++ corpora (default: <target>/fuzz, what `cargo xtask fuzz` leaves), and the
/// vectors' requests mutated (seeded). Writes <target>/differential/report.json and, per
/// difference, a reproducer under differences/; fails on any difference not explained in
/// conformance/differential-known.json. Other options (--limit, --seconds, --form, --seed,
/// --no-mutations, --requests, ...) go to `harness differential`; `--help` prints this,
/// then builds the harness and prints its help.
#[derive(clap::Args, Debug, Default)]
#[command(
    disable_help_flag = true,
    mut_arg("rest", |arg| arg
        .value_name("HARNESS DIFFERENTIAL OPTIONS")
        .help("Options for `harness differential`, passed on as they are")),
    mut_arg("help", |arg| arg
        .help("Print this help, then the harness's differential help (builds the harness first)"))
)]
pub struct Args {
    /// AFL++ corpora instead of <target>/fuzz: a fuzz work dir, an AFL++ output dir or a
    /// dir of <fuzz-target>/ input directories. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub inputs: Vec<PathBuf>,
    /// Only the fuzz targets' seeds and the mutations: no corpora.
    #[arg(long)]
    pub no_corpus: bool,
    /// Only these services (comma-separated; also passed to the harness).
    #[arg(long, value_delimiter = ',')]
    pub service: Vec<String>,
    // `--help`, and the options for `harness differential`.
    #[command(flatten)]
    pub harness: PassThrough,
}

/// `cargo xtask differential ...`.
pub fn main(args: Args) -> anyhow::Result<()> {
    let Args {
        mut inputs,
        mut no_corpus,
        service: mut services,
        harness: pass_through,
    } = args;
    let (help, mut harness_args) = pass_through.split(|option| {
        match option.name() {
            "--inputs" => inputs.push(option.value()?.into()),
            "--no-corpus" => no_corpus = true,
            "--service" => services.extend(option.value()?.split(',').map(str::to_owned)),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if help {
        return help_then_harness("differential", Some("differential"), &[]);
    }
    if !services.is_empty() {
        harness_args.extend(["--service".to_owned(), services.join(",")]);
    }
    let target = target_dir()?;
    let work = target.join("differential");
    if inputs.is_empty() && !no_corpus && target.join("fuzz").is_dir() {
        inputs.push(target.join("fuzz"));
    }
    for dir in &inputs {
        if !dir.is_dir() {
            bail!("--inputs {}: not a directory", dir.display());
        }
    }

    let artifacts = build()?.manifest;
    let mut harness = harness(&[])?;
    let fuzz = fuzz_binary(&target)?;

    // The fuzz targets' inputs as requests: seeds always, corpora when there are any.
    let requests_dir = work.join("requests");
    let _ = std::fs::remove_dir_all(&requests_dir);
    std::fs::create_dir_all(&requests_dir)?;
    let mut files = Vec::new();
    for name in fuzz_targets(&fuzz)? {
        // A service's fuzz targets are `<service>-...`.
        let Some(service) =
            service_http::Spec::names().find(|s| name.starts_with(&format!("{s}-")))
        else {
            continue;
        };
        if !services.is_empty() && !services.iter().any(|s| s == service) {
            continue;
        }
        let seeds = requests_dir.join(format!("seeds-{name}.jsonl"));
        fuzz_requests(&fuzz, &name, &[], &seeds)?;
        files.push(seeds);
        let queues: Vec<PathBuf> = inputs.iter().flat_map(|dir| queues(dir, &name)).collect();
        if !queues.is_empty() {
            let corpus = requests_dir.join(format!("corpus-{name}.jsonl"));
            fuzz_requests(&fuzz, &name, &queues, &corpus)?;
            files.push(corpus);
        }
    }

    harness
        .arg("differential")
        .arg("--artifacts")
        .arg(&artifacts)
        .arg("--cache")
        .arg(artifacts.with_file_name("cache"))
        .arg("--out")
        .arg(&work);
    for file in &files {
        harness.arg("--requests").arg(file);
    }
    harness.args(&harness_args);
    run_cmd(harness)
}

/// The plain (uninstrumented) fuzz binary: it maps inputs to requests. Built with the
/// harness's package selection, so the features, and the compiled dependencies, are shared.
fn fuzz_binary(target: &Path) -> anyhow::Result<PathBuf> {
    let mut build = cargo();
    build.arg("build");
    host_packages(&mut build);
    build.args(["--bin", "fuzz", "--quiet"]);
    run_cmd(build)?;
    Ok(target
        .join("debug")
        .join(format!("fuzz{}", std::env::consts::EXE_SUFFIX)))
}

/// `fuzz list`'s target names.
fn fuzz_targets(fuzz: &Path) -> anyhow::Result<Vec<String>> {
    let output = Command::new(fuzz)
        .arg("list")
        .output()
        .with_context(|| format!("running {} list", fuzz.display()))?;
    anyhow::ensure!(output.status.success(), "`fuzz list` failed");
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect())
}

/// `fuzz requests <name> <paths>... > <out>`.
fn fuzz_requests(fuzz: &Path, name: &str, paths: &[PathBuf], out: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let status = Command::new(fuzz)
        .args(["requests", name])
        .args(paths)
        .stdout(Stdio::from(file))
        .status()
        .with_context(|| format!("running {} requests {name}", fuzz.display()))?;
    anyhow::ensure!(status.success(), "`fuzz requests {name}` failed ({status})");
    Ok(())
}

/// The corpus directories of fuzz target `name` under `dir`: AFL++'s queue in a `cargo xtask
/// fuzz` work dir (`out/<name>/default/queue`) or in an AFL++ output dir
/// (`<name>/default/queue`), or else a plain directory of inputs (`<name>/`).
fn queues(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for queue in [
        dir.join("out").join(name).join("default").join("queue"),
        dir.join(name).join("default").join("queue"),
    ] {
        if queue.is_dir() {
            found.push(queue);
        }
    }
    let plain = dir.join(name);
    if found.is_empty() && plain.is_dir() && !plain.join("default").exists() {
        found.push(plain);
    }
    found
}
