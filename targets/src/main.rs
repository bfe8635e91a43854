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
use conformance::report::diff::{Scope, diff};
use conformance::report::{baseline, changelog, html, junit};
use conformance::run::{self, Artifacts, Plan};

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
    /// Known, explained differences.
    #[arg(long, default_value = "conformance/expectations.json")]
    expectations: PathBuf,
    /// Where matrix.json, matrix.md, matrix.html and junit.xml are written.
    #[arg(long, default_value = "target/conformance")]
    out: PathBuf,
    /// Where compiled artifacts are cached between runs.
    #[arg(long, default_value = "target/conformance/cache")]
    cache: PathBuf,
    /// Where `cargo xtask setup` put the built driver programs (wazero, chicory).
    #[arg(long, default_value = "target/conformance/drivers")]
    drivers: PathBuf,
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
    /// List the runtimes, their versions and availability, and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    // A runtime's child process running one guest (`harness --wasm-child ...`, see
    // `targets/src/child.rs`), not a harness run: checked before parsing, so `--help` does
    // not list it.
    if let Some(status) = targets::child_main() {
        return status;
    }
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

    let mut groups = conformance::vectors::load_dir(&args.vectors)?;
    for service in &args.service {
        anyhow::ensure!(
            groups.iter().any(|g| &g.service == service),
            "no vectors for service `{service}`"
        );
    }
    groups.retain(|g| args.service.is_empty() || args.service.contains(&g.service));
    if let Some(pattern) = &args.case {
        for group in &mut groups {
            group.cases.retain(|c| c.id.contains(pattern.as_str()));
        }
        groups.retain(|g| !g.cases.is_empty());
    }
    let cases: usize = groups.iter().map(|g| g.cases.len()).sum();
    eprintln!(
        "{} cases in {} groups, {} runtimes",
        cases,
        groups.len(),
        targets.len()
    );

    let scope = Scope {
        runtimes: args.runtime.clone(),
        services: args.service.clone(),
        forms: forms.clone(),
        case: args.case.clone(),
    };
    let plan = Plan {
        groups,
        targets,
        forms,
        artifacts: Artifacts::load(&args.artifacts)?,
        timeout: Duration::from_secs(args.timeout),
    };
    let mut matrix = run::run(&plan);
    matrix.commit = conformance::git::head_commit(Path::new("."));
    let expectations = Expectations::load(&args.expectations)?;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let json_path = args.out.join("matrix.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&matrix)? + "\n")?;
    let md_path = args.out.join("matrix.md");
    std::fs::write(&md_path, matrix.markdown(&expectations))?;
    let html_path = args.out.join("matrix.html");
    std::fs::write(&html_path, html::html(&matrix, &expectations))?;
    let junit_path = args.out.join("junit.xml");
    std::fs::write(&junit_path, junit::junit(&matrix, &expectations))?;

    println!("\n{}", matrix.terminal());
    println!(
        "wrote {}, {}, {} and {}",
        json_path.display(),
        md_path.display(),
        html_path.display(),
        junit_path.display()
    );
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
    println!(
        "rewrote {} and {}",
        args.compatibility.display(),
        args.baseline.display()
    );
    if !scope.is_all() {
        println!(
            "note: this run was a selection (--runtime, --service, --form or --case): both \
             now record only what it ran"
        );
    }
    Ok(())
}
