//! `cargo xtask bench [--quick] [--update]`: builds like `test-all-runtimes` (setup, build
//! with its `wasm-opt -Oz`, the harness), runs `harness bench` (which writes
//! `<target>/bench/bench.json`) and, with `--update`, rewrites BENCHMARKS.md and its charts
//! (`docs/bench/*.svg`) from that file. The goals are printed beside the measured
//! values; nothing here fails on a missed goal.

mod render;
mod svg;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

/// BENCHMARKS.md and the directory of its charts, relative to the repository root.
const BENCHMARKS: &str = "BENCHMARKS.md";
const CHARTS: &str = "docs/bench";

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let mut quick = false;
    let mut update = false;
    let mut from = None;
    let mut harness_args = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--update" => update = true,
            "--from" => from = Some(PathBuf::from(args.next().context("--from needs a file")?)),
            "--help" | "-h" => {
                let mut cmd = super::harness(&[])?;
                cmd.args(["bench", "--help"]);
                return super::run_cmd(cmd);
            }
            _ => harness_args.push(arg.clone()),
        }
    }
    anyhow::ensure!(
        !(update && quick),
        "--update records a full run in BENCHMARKS.md; a --quick run is a smoke test"
    );
    let results = match from {
        Some(file) => file,
        None => run(quick, &harness_args)?,
    };
    if update {
        let text = std::fs::read_to_string(&results)
            .with_context(|| format!("reading {}", results.display()))?;
        let bench = render::Bench::parse(&text)?;
        anyhow::ensure!(
            bench.mode == "full",
            "{} holds a {} run; BENCHMARKS.md records full runs",
            results.display(),
            bench.mode
        );
        let charts = Path::new(CHARTS);
        std::fs::create_dir_all(charts)?;
        for (name, svg) in render::charts(&bench) {
            std::fs::write(charts.join(&name), svg)?;
            eprintln!("wrote {CHARTS}/{name}");
        }
        std::fs::write(BENCHMARKS, render::markdown(&bench, CHARTS))?;
        eprintln!("wrote {BENCHMARKS}");
    }
    Ok(())
}

/// setup, build, then the harness's bench; the path of the bench.json it wrote.
fn run(quick: bool, harness_args: &[String]) -> anyhow::Result<PathBuf> {
    super::setup()?;
    let built = super::build()?;
    let target = super::target_dir()?;
    // A quick run's numbers are not to be quoted: they never replace a full run's.
    let out = if quick {
        target.join("bench").join("quick")
    } else {
        target.join("bench")
    };
    let mut cmd = super::harness(&[])?;
    cmd.arg("bench")
        .arg("--artifacts")
        .arg(&built.manifest)
        .arg("--raw-artifacts")
        .arg(&built.raw_manifest)
        .arg("--out")
        .arg(&out);
    if quick {
        cmd.arg("--quick");
    }
    if let Some(binaryen) = &built.binaryen {
        cmd.arg("--binaryen").arg(binaryen);
    }
    cmd.args(harness_args);
    let start = Instant::now();
    super::run_cmd(cmd)?;
    eprintln!(
        "bench: the harness's bench ran {:.0} s",
        start.elapsed().as_secs_f64()
    );
    let results = out.join("bench.json");
    if let Ok(text) = std::fs::read_to_string(&results)
        && let Ok(bench) = render::Bench::parse(&text)
    {
        // The goals beside the measured values, never asserted.
        println!("\n{}", render::goals_terminal(&bench));
    }
    Ok(results)
}
