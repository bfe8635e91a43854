//! `cargo xtask matrix merge`: combines the matrix.json of each `--shard K/N` run into the
//! matrix of the whole, and writes every report from it, as an unsharded run would.

use std::path::PathBuf;

use anyhow::{Context, bail};
use conformance::expectations::Expectations;
use conformance::matrix::{Matrix, Status};

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
/// The shards together make the whole matrix, reported as an unsharded run would. Fails if a cell is in two shards, the shards measured different commits or runtime
/// versions, or a cell is unexpected.
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
    let Merge {
        inputs,
        out,
        expectations,
    } = args;
    if inputs.len() < 2 {
        bail!("give the matrix.json of every shard (at least two)");
    }
    let parts = inputs
        .iter()
        .map(|path| read(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = conformance::shard::merge(parts)?;
    let out = match out {
        Some(out) => out,
        None => crate::util::target_dir()?
            .join("conformance")
            .join("merged"),
    };
    let expectations = Expectations::load(&expectations)?;
    let written = conformance::report::write_all(&merged, &expectations, &out)?;
    println!("{}", merged.terminal());
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    println!(
        "merged {} shards ({} cells); wrote {}",
        inputs.len(),
        merged.cells.len(),
        names.join(", ")
    );
    let problems = expectations.judge(&merged.cells);
    for problem in problems.iter().take(50) {
        println!("  {problem}");
    }
    let passed = merged
        .cells
        .iter()
        .filter(|c| c.status == Status::Pass)
        .count();
    println!(
        "conformance: {passed} passed, {} unexpected, {} cells",
        problems.len(),
        merged.cells.len()
    );
    if !problems.is_empty() {
        bail!("{} cells are not as expected", problems.len());
    }
    Ok(())
}
