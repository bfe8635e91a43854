//! `harness`: runs the conformance vectors on every target and writes the matrix.
//! Normally started by `cargo xtask test-all-runtimes`, which builds the artifacts first.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use conformance::Form;
use conformance::expectations::Expectations;
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
    /// Where matrix.json and matrix.md are written.
    #[arg(long, default_value = "target/conformance")]
    out: PathBuf,
    /// Where compiled artifacts are cached between runs.
    #[arg(long, default_value = "target/conformance/cache")]
    cache: PathBuf,
    /// Where `cargo xtask setup` put the built driver programs (wazero, chicory).
    #[arg(long, default_value = "target/conformance/drivers")]
    drivers: PathBuf,
    /// Also rewrite the committed COMPATIBILITY.md from this run.
    #[arg(long)]
    update: bool,
    /// The COMPATIBILITY.md that `--update` rewrites.
    #[arg(long, default_value = "COMPATIBILITY.md")]
    compatibility: PathBuf,
    /// List the runtimes, their versions and availability, and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
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

    let plan = Plan {
        groups,
        targets,
        forms,
        artifacts: Artifacts::load(&args.artifacts)?,
        timeout: Duration::from_secs(args.timeout),
    };
    let matrix = run::run(&plan);
    let expectations = Expectations::load(&args.expectations)?;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let json_path = args.out.join("matrix.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&matrix)? + "\n")?;
    let md_path = args.out.join("matrix.md");
    std::fs::write(&md_path, matrix.markdown(&expectations))?;

    println!("\n{}", matrix.terminal());
    println!("wrote {} and {}", json_path.display(), md_path.display());
    if args.update {
        std::fs::write(&args.compatibility, matrix.compatibility(&expectations))
            .with_context(|| format!("writing {}", args.compatibility.display()))?;
        println!("rewrote {}", args.compatibility.display());
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
    if problems.is_empty() {
        println!("every cell is as expected ({} cells)", matrix.cells.len());
        println!("{summary}");
        return Ok(true);
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
    Ok(false)
}
