//! `harness`: runs the conformance vectors on every target and writes the matrix.
//! Normally started by `cargo xtask test-all-runtimes`, which builds the artifacts first.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use conformance::Form;
use conformance::expectations::Expectations;
use conformance::matrix::Matrix;
use conformance::matrix::ProbeInfo;
use conformance::probes::Manifest;
use conformance::report::diff::{Scope, diff};
use conformance::report::{baseline, changelog};
use conformance::run::{self, Artifacts, CommandCase, Plan};
use conformance::vectors::Group;

/// The service name of the WASI probes' cells.
const PROBE: &str = "probe";

/// Runs every conformance vector on every runtime it finds and writes the matrix.
///
/// Each cell is one case on one runtime in one form (native, component, command, http), and
/// ends as pass, fail (with a diff against the vector's `expect`), unsupported (with the
/// reason) or error (trap, crash, timeout). Runtimes that are not installed are listed with
/// the reason and how to install them. The run fails if any cell is not as expected: not
/// `pass` or `unsupported`, and not explained in the expectations file — or explained
/// there but now passing.
#[derive(Parser, Debug)]
#[command(name = "harness", version)]
struct Args {
    /// Only these runtimes (comma-separated ids, e.g. `native,wasmtime`). Default: all.
    #[arg(long, value_delimiter = ',')]
    runtime: Vec<String>,
    /// Only these services (comma-separated, e.g. `token`). Default: all.
    #[arg(long, value_delimiter = ',')]
    service: Vec<String>,
    /// Only these forms (comma-separated: native, component, command, http). Default: all.
    #[arg(long, value_delimiter = ',')]
    form: Vec<String>,
    /// Only cases whose id contains this text.
    #[arg(long)]
    case: Option<String>,
    /// Seconds a single cell may take before it is an `error`.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// Directory of vector files (`<service>/<group>.json`).
    #[arg(long, default_value = "conformance/vectors")]
    vectors: PathBuf,
    /// The artifact manifest written by `cargo xtask` (service → form → .wasm path).
    #[arg(long, default_value = "target/conformance/artifacts.json")]
    artifacts: PathBuf,
    /// Known, explained differences. Default: conformance/expectations.json; with --wasm,
    /// the expectations.json beside the module(s), if there is one.
    #[arg(long)]
    expectations: Option<PathBuf>,
    /// The WASI probes' manifest. The probes run as the service `probe` on every runtime
    /// with the command form (select them alone with `--service probe`).
    #[arg(long, default_value = conformance::probes::MANIFEST)]
    probes: PathBuf,
    /// Where the built probes are (`<id>.wasm`, built by `cargo build -p wasi-probes
    /// --target wasm32-wasip1 --profile wasm`; `cargo xtask` passes it).
    #[arg(long, default_value = "target/wasm32-wasip1/wasm")]
    probe_wasm: PathBuf,
    /// Bring your own wasm: run this WASI preview 1 command (or every `<name>.wasm` in this
    /// directory, each with the `<name>.json` spec beside it) on every runtime instead of
    /// the vectors and probes. The spec is the WASI test format: `args`, `env`, `dirs`
    /// (preopened under their names, relative to the spec; each run gets a fresh copy),
    /// `root` (a directory preopened as `/`), `stdin`, and the expected `exit_code`,
    /// `stdout`, `stderr` (each compared only when present; a trap never passes). Results go
    /// to `<out>/byo/`.
    #[arg(long, value_name = "FILE_OR_DIR")]
    wasm: Option<PathBuf>,
    /// The spec for `--wasm <file>` (default: the `.json` beside it).
    #[arg(long, requires = "wasm")]
    spec: Option<PathBuf>,
    /// Where matrix.json, matrix.md, matrix.html and junit.xml are written.
    #[arg(long, default_value = "target/conformance")]
    out: PathBuf,
    /// Where compiled artifacts are cached between runs.
    #[arg(long, default_value = "target/conformance/cache")]
    cache: PathBuf,
    /// Where `cargo xtask setup` put the built driver programs (wazero, chicory).
    #[arg(long, default_value = "target/conformance/drivers")]
    drivers: PathBuf,
    /// Where `cargo xtask setup` installed the platforms' local runtimes (workerd, Viceroy).
    #[arg(long, default_value = "target/conformance/tools")]
    tools: PathBuf,
    /// Where `cargo xtask build` put the platform builds (`<id>/`); each run keeps the
    /// platform's generated config and log in `<id>/run/`.
    #[arg(long, default_value = "target/conformance/platforms")]
    platforms: PathBuf,
    /// Also rewrite the committed COMPATIBILITY.md and baseline matrix (`--baseline`) from
    /// this run; what changed since the baseline it replaces becomes a dated entry in
    /// COMPATIBILITY.md's changelog.
    #[arg(long)]
    update: bool,
    /// Compare this run with a baseline matrix.json and list what changed: cells whose
    /// status changed, runtimes added, removed or at another version, cases added or
    /// removed. Fails the run on a regression: a cell that passed and no longer does, a cell
    /// that newly fails or errs, or a cell that is gone. Without a value: the baseline as
    /// committed at git HEAD. Runtimes not available here and cells outside the selection
    /// (--runtime, --service, --form, --case) are not compared.
    #[arg(long, value_name = "MATRIX_JSON", num_args = 0..=1)]
    diff: Option<Option<PathBuf>>,
    /// The committed baseline: what `--update` rewrites and `--diff` compares with by
    /// default (matrix.json without timings, one cell per line).
    #[arg(long, default_value = baseline::PATH)]
    baseline: PathBuf,
    /// The COMPATIBILITY.md that `--update` rewrites.
    #[arg(long, default_value = "COMPATIBILITY.md")]
    compatibility: PathBuf,
    /// Run only shard K of N (e.g. `2/4`): a deterministic part of the cells, whole vector
    /// and probe groups per runtime and form, balanced by the costs measured in `--costs`.
    /// Every shard computes the same split; merge the shards' matrix.json files with
    /// `cargo xtask matrix merge`. Not with --diff or --update (compare the merged matrix).
    #[arg(long, value_name = "K/N", value_parser = conformance::shard::Shard::parse)]
    shard: Option<conformance::shard::Shard>,
    /// Measured milliseconds per block (runtime/form/service/group) that --shard balances
    /// by; `--update` rewrites it from the run.
    #[arg(long, default_value = conformance::shard::COSTS)]
    costs: PathBuf,
    /// List the runtimes, their versions and availability, and exit.
    #[arg(long)]
    list: bool,
    /// The WasmEdge child, `harness-wasmedge` (built, with libwasmedge, by `cargo xtask
    /// test-all-runtimes --features wasmedge`, which passes this). Without it the wasmedge
    /// column says how to get it.
    #[arg(long, value_name = "PATH")]
    wasmedge_child: Option<PathBuf>,
}

fn main() -> ExitCode {
    // A runtime's child process running one guest (`harness --wasm-child ...`, see
    // `targets/src/child.rs`), not a harness run: checked before parsing, so `--help` does
    // not list it.
    if let Some(status) = targets::child_main() {
        return status;
    }
    // `harness bench ...`: the benchmarks (`targets/src/bench/`), not a conformance run.
    if let Some(status) = targets::bench_main() {
        return status;
    }
    // `harness differential ...`: native against wasm (`targets/src/differential/`).
    if let Some(status) = targets::differential_main() {
        return status;
    }
    // A secret the harness has and never grants: the `deny-env-secret` probe checks that no
    // runtime passes the host's environment through to a guest.
    // SAFETY: nothing else runs yet: no other thread reads or writes the environment.
    unsafe { std::env::set_var("HOST_SECRET", "the-harness-never-grants-this") };
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<bool> {
    let settings = targets::Settings {
        cache_dir: args.cache.clone(),
        drivers_dir: args.drivers.clone(),
        // Absolute: platforms run their programs from directories of their own.
        tools_dir: std::path::absolute(&args.tools)?,
        platforms_dir: std::path::absolute(&args.platforms)?,
        wasmedge_child: args.wasmedge_child.clone(),
    };
    let all = targets::all(&settings);
    if args.list {
        for target in &all {
            let forms: Vec<&str> = target.forms().iter().map(|f| f.name()).collect();
            let availability = match target.detect() {
                conformance::Availability::Available => "available".to_owned(),
                conformance::Availability::Missing { reason, install } => {
                    format!("not available: {reason}; to install: {install}")
                }
            };
            println!(
                "{:<12} {:<16} {:<20} {availability}",
                target.id(),
                target.version(),
                forms.join(",")
            );
        }
        return Ok(true);
    }
    for id in &args.runtime {
        anyhow::ensure!(
            all.iter().any(|t| t.id() == id),
            "unknown runtime `{id}`; known: {}",
            all.iter().map(|t| t.id()).collect::<Vec<_>>().join(", ")
        );
    }
    let targets: Vec<_> = all
        .into_iter()
        .filter(|t| args.runtime.is_empty() || args.runtime.iter().any(|id| id == t.id()))
        .collect();
    let forms = args
        .form
        .iter()
        .map(|name| {
            Form::parse(name).with_context(|| {
                format!("unknown form `{name}`; known: native, component, command, http")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    anyhow::ensure!(
        args.shard.is_none() || (args.diff.is_none() && !args.update),
        "--shard runs a part of the matrix: merge the shards (`cargo xtask matrix merge`), then \
         compare or record the whole"
    );
    if args.wasm.is_some() {
        anyhow::ensure!(
            args.diff.is_none() && !args.update,
            "--diff and --update compare and record the project's own matrix, not a --wasm run"
        );
        anyhow::ensure!(
            args.service.is_empty() && args.form.iter().all(|f| f == "command"),
            "--wasm runs commands only: --service and --form do not apply"
        );
    }
    let (groups, commands, probes) = select(&args)?;
    let cases: usize = groups.iter().map(|g| g.cases.len()).sum();
    eprintln!(
        "{} cases in {} groups, {} WASI commands ({} probes), {} runtimes",
        cases,
        groups.len(),
        commands.len(),
        probes.len(),
        targets.len()
    );
    let forms = if args.wasm.is_some() {
        vec![Form::Command]
    } else {
        forms
    };
    let out = match &args.wasm {
        Some(_) => args.out.join("byo"),
        None => args.out.clone(),
    };

    let scope = Scope {
        runtimes: args.runtime.clone(),
        services: args.service.clone(),
        forms: forms.clone(),
        case: args.case.clone(),
    };
    let plan = Plan {
        groups,
        commands,
        probes,
        targets,
        forms,
        artifacts: if args.wasm.is_some() {
            Artifacts::default()
        } else {
            Artifacts::load(&args.artifacts)?
        },
        timeout: Duration::from_secs(args.timeout),
        shard: match args.shard {
            Some(shard) => Some((shard, conformance::shard::load_costs(&args.costs)?)),
            None => None,
        },
    };
    let mut matrix = run::run(&plan);
    matrix.commit = conformance::git::head_commit(Path::new("."));
    let expectations = Expectations::load(&expectations_path(&args))?;

    let written = conformance::report::write_all(&matrix, &expectations, &out)?;
    let md_path = written[1].clone();

    println!("\n{}", matrix.terminal());
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    println!("wrote {}", names.join(", "));
    let regressions = match &args.diff {
        Some(against) => compare(&matrix, against.as_deref(), &args.baseline, &scope)?,
        None => 0,
    };
    if args.update {
        update(&args, &matrix, &expectations, &scope)?;
    }

    let problems = expectations.judge(&matrix.cells);
    let passed = matrix
        .cells
        .iter()
        .filter(|c| c.status == conformance::matrix::Status::Pass)
        .count();
    // The plain closing line CI systems read: unexpected cells fail, expected differences
    // and unsupported cells are skipped.
    let summary = format!(
        "conformance: {passed} passed, {} failed, {} skipped",
        problems.len(),
        matrix.cells.len() - passed - problems.len().min(matrix.cells.len() - passed)
    );
    let regressed = || {
        if regressions > 0 {
            println!(
                "\n{regressions} regressions against the baseline (listed above); if intended, \
                 record them with `--update` and commit {}",
                args.baseline.display()
            );
        }
    };
    if problems.is_empty() {
        println!("every cell is as expected ({} cells)", matrix.cells.len());
        println!("{summary}");
        regressed();
        return Ok(regressions == 0);
    }
    println!("\n{} unexpected cells:", problems.len());
    for problem in problems.iter().take(50) {
        println!("  {problem}");
    }
    if problems.len() > 50 {
        println!(
            "  ... and {} more in {}",
            problems.len() - 50,
            md_path.display()
        );
    }
    regressed();
    Ok(false)
}

/// The vector groups, WASI commands and probes the selection (--service, --case, --wasm)
/// asks for.
fn select(args: &Args) -> anyhow::Result<(Vec<Group>, Vec<CommandCase>, Vec<ProbeInfo>)> {
    if let Some(wasm) = &args.wasm {
        let mut commands = conformance::byo::cases(wasm, args.spec.as_deref())?;
        if let Some(pattern) = &args.case {
            commands.retain(|c| c.case.contains(pattern.as_str()));
        }
        return Ok((Vec::new(), commands, Vec::new()));
    }
    let wanted =
        |service: &str| args.service.is_empty() || args.service.iter().any(|s| s == service);
    let mut groups = conformance::vectors::load_dir(&args.vectors)?;
    for service in &args.service {
        anyhow::ensure!(
            service == PROBE || groups.iter().any(|g| &g.service == service),
            "no vectors for service `{service}` (the WASI probes are `{PROBE}`)"
        );
    }
    groups.retain(|g| wanted(&g.service));
    let (mut commands, mut probes) = (Vec::new(), Vec::new());
    if wanted(PROBE) {
        let manifest = Manifest::load(&args.probes)?;
        // Absolute: some runtimes run the guest in another working directory.
        let dir = std::path::absolute(&args.probe_wasm)?;
        conformance::probes::check_built(&manifest, &dir)?;
        commands = manifest.cases(&dir)?;
        probes = manifest.infos();
    }
    if let Some(pattern) = &args.case {
        for group in &mut groups {
            group.cases.retain(|c| c.id.contains(pattern.as_str()));
        }
        groups.retain(|g| !g.cases.is_empty());
        commands.retain(|c| c.case.contains(pattern.as_str()));
        probes.retain(|p| p.id.contains(pattern.as_str()));
    }
    Ok((groups, commands, probes))
}

/// `--expectations`, or its default: the project's, or with `--wasm` the file beside the
/// module(s).
fn expectations_path(args: &Args) -> PathBuf {
    if let Some(path) = &args.expectations {
        return path.clone();
    }
    match &args.wasm {
        Some(wasm) if wasm.is_dir() => wasm.join("expectations.json"),
        Some(wasm) => wasm.with_file_name("expectations.json"),
        None => PathBuf::from("conformance/expectations.json"),
    }
}

/// `--diff`: prints what changed against `against` (or the baseline committed at HEAD) and
/// returns the number of regressions. No committed baseline yet is not an error.
fn compare(
    matrix: &Matrix,
    against: Option<&Path>,
    committed: &Path,
    scope: &Scope,
) -> anyhow::Result<usize> {
    let found = match against {
        Some(path) => Some((baseline::load(path)?, path.display().to_string())),
        None => baseline::load_committed(committed)?,
    };
    let Some((base, source)) = found else {
        println!(
            "\n--diff: no baseline to compare with: {} is not committed yet (`--update` \
             writes it); nothing compared",
            committed.display()
        );
        return Ok(0);
    };
    let changes = diff(&base, matrix, scope);
    print!("\n{}", changes.report(&base, &source));
    Ok(changes.regressions())
}

/// `--update`: rewrites COMPATIBILITY.md (with a changelog entry for what changed since the
/// baseline it replaces) and the baseline.
fn update(
    args: &Args,
    matrix: &Matrix,
    expectations: &Expectations,
    scope: &Scope,
) -> anyhow::Result<()> {
    let previous = if args.baseline.exists() {
        baseline::load(&args.baseline)
            .inspect_err(|e| {
                eprintln!("warning: no changelog entry: the old baseline is unreadable: {e:#}")
            })
            .ok()
    } else {
        None
    };
    // The whole baseline file is replaced, so the entry compares all of it.
    let entry = previous
        .as_ref()
        .and_then(|p| changelog::entry(&matrix.generated, &diff(p, matrix, &Scope::all())));
    let old = std::fs::read_to_string(&args.compatibility).unwrap_or_default();
    let entries = changelog::prepend(entry, changelog::read(&old));
    let text = matrix.compatibility(expectations) + &changelog::section(&entries);
    std::fs::write(&args.compatibility, text)
        .with_context(|| format!("writing {}", args.compatibility.display()))?;
    std::fs::write(&args.baseline, baseline::to_json(matrix))
        .with_context(|| format!("writing {}", args.baseline.display()))?;
    let costs = conformance::shard::measured(matrix);
    std::fs::write(&args.costs, conformance::shard::costs_json(&costs))
        .with_context(|| format!("writing {}", args.costs.display()))?;
    println!(
        "rewrote {}, {} and {}",
        args.compatibility.display(),
        args.baseline.display(),
        args.costs.display()
    );
    if !scope.is_all() {
        println!(
            "note: this run was a selection (--runtime, --service, --form or --case): both \
             now record only what it ran"
        );
    }
    Ok(())
}
