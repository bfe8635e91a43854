//! `cargo xtask matrix merge`: combines the matrix.json of each `--shard K/N` run into the
//! matrix of the whole, and writes every report from it, as an unsharded run would.

use std::path::PathBuf;

use anyhow::{Context, bail};
use conformance::expectations::Expectations;
use conformance::matrix::Matrix;
use conformance::session::{CommittedArgs, ScopeArgs};

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
///
/// Give --runtime, --service, --form and --case as the shards were given them: they select
/// no cells here, they say what the run covered, so that --diff compares only that.
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
    // What the shards ran: cells outside it are not compared with the baseline.
    #[command(flatten)]
    pub scope: ScopeArgs,
    // --diff, --update and the committed files they use, as the harness has them.
    #[command(flatten)]
    pub committed: CommittedArgs,
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
    let scope = args.scope.scope()?;
    let expectations = Expectations::load(&args.expectations)?;
    let ok = args
        .committed
        .finish(&merged, &out, &expectations, &scope)?;
    anyhow::ensure!(
        ok,
        "the merged matrix is not as expected (or regressed): see above"
    );
    Ok(())
}
