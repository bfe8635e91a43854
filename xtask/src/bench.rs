//! `cargo xtask bench [--quick] [--update]`: builds like `test-all-runtimes` (setup, build
//! with its `wasm-opt -Oz`, the harness), runs `harness bench` (which writes
//! `<target>/bench/bench.json`) and, with `--update`, rewrites the generated sections of
//! BENCHMARKS.md (between its `<!-- generated: NAME start/end -->` markers: tables, chart
//! links, the run's facts) and its charts (`docs/bench/*.svg`) from that file; the
//! hand-written analysis around the markers is left as it is. The goals are printed
//! beside the measured values; nothing here fails on a missed goal.

mod charts;
mod goals;
mod markers;
mod model;
mod render;
mod svg;
mod units;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::build::build;
use crate::harness::{PassThrough, harness, help_then_harness};
use crate::setup::setup;
use crate::util::{run_cmd, target_dir};

/// BENCHMARKS.md and the directory of its charts, relative to the repository root.
const BENCHMARKS: &str = "BENCHMARKS.md";
const CHARTS: &str = "docs/bench";

/// setup + build, then measure every service natively and on the wasm runtimes.
///
/// Measures natively, on wasmtime (component and command: compile, load of the .cwasm,
/// instantiate, first call, warm p50/p99, wasm/native ratio, peak memory, token throughput on
/// 2 threads), Wasmer and wasmi (commands), the artifact sizes (as cargo built them, after
/// wasm-opt -Oz), and the components before wasm-opt on wasmtime; writes
/// <target>/bench/bench.json and prints the goals of issue #7 beside the measured values
/// (never asserted). About ten minutes. Other options go to `harness bench`; `--help` prints
/// this, then builds the harness and prints its bench help.
#[derive(clap::Args, Debug, Default)]
#[command(
    disable_help_flag = true,
    mut_arg("rest", |arg| arg
        .value_name("HARNESS BENCH OPTIONS")
        .help("Options for `harness bench`, passed on as they are")),
    mut_arg("help", |arg| arg
        .help("Print this help, then the harness's bench help (builds the harness first)"))
)]
pub struct Args {
    /// A smoke run (a 2 MP image, few iterations, no Wasmer) of about two minutes, written to
    /// <target>/bench/quick/; its numbers never replace a full run's.
    #[arg(long)]
    pub quick: bool,
    /// Rewrite BENCHMARKS.md's generated sections and docs/bench/*.svg from the run (a full
    /// run only); the prose around the sections is left to be reread by hand.
    #[arg(long)]
    pub update: bool,
    /// Render an earlier run's bench.json instead of running (with --update).
    #[arg(long, value_name = "BENCH.JSON")]
    pub from: Option<PathBuf>,
    // `--help`, and the options for `harness bench`.
    #[command(flatten)]
    pub harness: PassThrough,
}

/// `cargo xtask bench ...`.
pub fn main(args: Args) -> anyhow::Result<()> {
    let Args {
        mut quick,
        mut update,
        mut from,
        harness: pass_through,
    } = args;
    let (help, harness_args) = pass_through.split(|option| {
        match option.name() {
            "--quick" => quick = true,
            "--update" => update = true,
            "--from" => from = Some(PathBuf::from(option.value()?)),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if help {
        return help_then_harness("bench", Some("bench"), &[]);
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
        let bench = model::Bench::parse(&text)?;
        anyhow::ensure!(
            bench.mode == "full",
            "{} holds a {} run; BENCHMARKS.md records full runs",
            results.display(),
            bench.mode
        );
        // Only the generated sections change; the hand-written prose around them stays.
        let doc =
            std::fs::read_to_string(BENCHMARKS).with_context(|| format!("reading {BENCHMARKS}"))?;
        let doc = markers::splice(&doc, &render::sections(&bench, CHARTS))
            .with_context(|| format!("{BENCHMARKS}'s generated sections"))?;
        let charts = Path::new(CHARTS);
        std::fs::create_dir_all(charts)?;
        for (name, svg) in charts::charts(&bench) {
            std::fs::write(charts.join(&name), svg)?;
            eprintln!("wrote {CHARTS}/{name}");
        }
        std::fs::write(BENCHMARKS, doc)?;
        eprintln!("wrote the generated sections of {BENCHMARKS}; reread its prose against them");
    }
    Ok(())
}

/// setup, build, then the harness's bench; the path of the bench.json it wrote.
fn run(quick: bool, harness_args: &[String]) -> anyhow::Result<PathBuf> {
    setup()?;
    let built = build()?;
    let target = target_dir()?;
    // A quick run's numbers are not to be quoted: they never replace a full run's.
    let out = if quick {
        target.join("bench").join("quick")
    } else {
        target.join("bench")
    };
    let mut cmd = harness(&[])?;
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
    run_cmd(cmd)?;
    eprintln!(
        "bench: the harness's bench ran {:.0} s",
        start.elapsed().as_secs_f64()
    );
    let results = out.join("bench.json");
    if let Ok(text) = std::fs::read_to_string(&results)
        && let Ok(bench) = model::Bench::parse(&text)
    {
        // The goals beside the measured values, never asserted.
        println!("\n{}", goals::goals_terminal(&bench));
    }
    Ok(results)
}
