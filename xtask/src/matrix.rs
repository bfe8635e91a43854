//! `cargo xtask matrix merge`: combines the matrix.json of each `--shard K/N` run into the
//! matrix of the whole, and writes every report from it, as an unsharded run would.

use std::path::PathBuf;

use anyhow::{Context, bail};
use conformance::expectations::Expectations;
use conformance::matrix::Matrix;
use conformance::report::baseline;
use conformance::report::diff::Scope;
use conformance::session::{self, Committed, Finish};

/// Work with the matrix.json of sharded runs.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    Merge(Merge),
}

/// Combine the matrix.json of every --shard K/N run and write all its reports.
///
/// The shards together make the whole matrix, reported, judged, compared (--diff) and
/// recorded (--update) as an unsharded run would be, with the same closing summary. Fails if
/// a cell is in two shards, the shards measured different commits or runtime versions, a
/// cell is unexpected, or (with --diff) a cell regressed.
#[derive(clap::Args, Debug)]
pub struct Merge {
    /// The matrix.json of every shard (at least two).
    #[arg(value_name = "MATRIX.JSON")]
    pub inputs: Vec<PathBuf>,
    /// Where the reports go [default: <target>/conformance/merged/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The expected differences the merged cells are judged by.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "conformance/expectations.json"
    )]
    pub expectations: PathBuf,
    /// Compare the merged matrix with a baseline matrix.json (without a value: the baseline
    /// committed at git HEAD) and fail on a regression, as the harness's --diff does.
    #[arg(long, value_name = "MATRIX_JSON", num_args = 0..=1)]
    pub diff: Option<Option<PathBuf>>,
    /// Rewrite the committed baseline, COMPATIBILITY.md and costs from the merged matrix.
    #[arg(long)]
    pub update: bool,
    /// The runtimes the shards ran (as given to the harness's --runtime): cells of other
    /// runtimes are not compared with the baseline.
    #[arg(long, value_delimiter = ',')]
    pub runtime: Vec<String>,
    /// The services the shards ran (the harness's --service).
    #[arg(long, value_delimiter = ',')]
    pub service: Vec<String>,
    /// The forms the shards ran (the harness's --form).
    #[arg(long, value_delimiter = ',')]
    pub form: Vec<String>,
    /// The case filter the shards ran with (the harness's --case).
    #[arg(long)]
    pub case: Option<String>,
    /// The committed baseline that --diff compares with and --update rewrites.
    #[arg(long, default_value = baseline::PATH)]
    pub baseline: PathBuf,
    /// The COMPATIBILITY.md that --update rewrites.
    #[arg(long, default_value = "COMPATIBILITY.md")]
    pub compatibility: PathBuf,
    /// The shard costs that --update rewrites.
    #[arg(long, default_value = conformance::shard::COSTS)]
    pub costs: PathBuf,
}

/// `cargo xtask matrix ...`.
pub fn main(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Merge(merge) => self::merge(merge),
    }
}

/// CI's real round trip: the `native` column run as two shards and merged must have the
/// cells of the same column run whole (the runner's unit test checks the split itself).
pub fn check_round_trip() -> anyhow::Result<()> {
    let dir = crate::util::target_dir()?
        .join("conformance")
        .join("shards");
    let run = |name: &str, extra: &[&str]| -> anyhow::Result<Matrix> {
        let out = dir.join(name);
        let mut args: Vec<String> = ["--runtime", "native", "--out"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(out.display().to_string());
        args.extend(extra.iter().map(|s| s.to_string()));
        crate::harness::test_all_runtimes(&args)?;
        read(&out.join("matrix.json"))
    };
    let whole = run("whole", &[])?;
    let parts = vec![
        run("1", &["--shard", "1/2"])?,
        run("2", &["--shard", "2/2"])?,
    ];
    anyhow::ensure!(
        parts
            .iter()
            .all(|p| !p.cells.is_empty() && p.cells.len() < whole.cells.len()),
        "each shard should run a part of the cells"
    );
    let merged = conformance::shard::merge(parts)?;
    let rows = |m: &Matrix| {
        let mut rows: Vec<String> = m
            .cells
            .iter()
            .map(|c| format!("{} {}", c.label(), c.status.name()))
            .collect();
        rows.sort();
        rows
    };
    anyhow::ensure!(
        rows(&merged) == rows(&whole),
        "merging the shards does not give the whole run ({} cells against {})",
        merged.cells.len(),
        whole.cells.len()
    );
    println!(
        "shards: 1/2 + 2/2 merged = the whole native column ({} cells)",
        whole.cells.len()
    );
    Ok(())
}

fn read(path: &std::path::Path) -> anyhow::Result<Matrix> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn merge(args: Merge) -> anyhow::Result<()> {
    if args.inputs.len() < 2 {
        bail!("give the matrix.json of every shard (at least two)");
    }
    let parts = args
        .inputs
        .iter()
        .map(|path| read(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = conformance::shard::merge(parts)?;
    println!(
        "merged {} shards ({} cells)",
        args.inputs.len(),
        merged.cells.len()
    );
    let out = match args.out {
        Some(out) => out,
        None => crate::util::target_dir()?
            .join("conformance")
            .join("merged"),
    };
    let scope = Scope {
        runtimes: args.runtime,
        services: args.service,
        forms: session::parse_forms(&args.form)?,
        case: args.case,
    };
    let expectations = Expectations::load(&args.expectations)?;
    let ok = session::finish(
        &merged,
        &Finish {
            out: &out,
            expectations: &expectations,
            diff: args.diff,
            update: args.update,
            committed: &Committed {
                baseline: args.baseline,
                compatibility: args.compatibility,
                costs: args.costs,
            },
            scope: &scope,
        },
    )?;
    anyhow::ensure!(
        ok,
        "the merged matrix is not as expected (or regressed): see above"
    );
    Ok(())
}
