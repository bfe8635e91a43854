//! `harness`: runs the conformance vectors on every target and writes the matrix.
//! Normally started by `cargo xtask test-all-runtimes`, which builds the artifacts first.
//! The command line is `cli.rs`; how a run ends (reports, judging, `--diff`, `--update`, the
//! summary) is `conformance::session`, shared with `cargo xtask matrix merge`.

mod cli;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use conformance::Form;
use conformance::expectations::Expectations;
use conformance::run::{self, Artifacts, Plan};

use cli::{Cli, Command, RunArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::WasmChild { engine, rest }) => return targets::serve_child(&engine, &rest),
        Some(Command::Bench(args)) => return targets::bench_main(&args),
        Some(Command::Differential(args)) => return targets::differential_main(&args),
        Some(Command::Run(args)) => args,
        None => cli.run,
    };
    // A secret the harness has and never grants: the `deny-env-secret` probe checks that no
    // runtime passes the host's environment through to a guest.
    // SAFETY: nothing else runs yet: no other thread reads or writes the environment.
    unsafe { std::env::set_var("HOST_SECRET", "the-harness-never-grants-this") };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &RunArgs) -> anyhow::Result<bool> {
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
        print!("{}", targets::list(&all));
        return Ok(true);
    }
    let mut scope = args.scope.scope()?;
    for id in &scope.runtimes {
        anyhow::ensure!(
            all.iter().any(|t| t.id() == id),
            "unknown runtime `{id}`; known: {}",
            all.iter().map(|t| t.id()).collect::<Vec<_>>().join(", ")
        );
    }
    let targets: Vec<_> = all
        .into_iter()
        .filter(|t| scope.has_runtime(t.id()))
        .collect();

    let (diff, update) = (&args.committed.diff, args.committed.update);
    anyhow::ensure!(
        args.shard.is_none() || (diff.is_none() && !update),
        "--shard runs a part of the matrix: merge the shards (`cargo xtask matrix merge`), then \
         compare or record the whole (its --diff and --update)"
    );
    if args.wasm.is_some() {
        anyhow::ensure!(
            diff.is_none() && !update,
            "--diff and --update compare and record the project's own matrix, not a --wasm run"
        );
        anyhow::ensure!(
            scope.services.is_empty() && scope.forms.iter().all(|f| *f == Form::Command),
            "--wasm runs commands only: --service and --form do not apply"
        );
        scope.forms = vec![Form::Command];
    }
    let selected = args.selection().load()?;
    let cases: usize = selected.groups.iter().map(|g| g.cases.len()).sum();
    eprintln!(
        "{} cases in {} groups, {} WASI commands ({} probes), {} runtimes",
        cases,
        selected.groups.len(),
        selected.commands.len(),
        selected.probes.len(),
        targets.len()
    );
    let out = match &args.wasm {
        Some(_) => args.out.join("byo"),
        None => args.out.clone(),
    };
    let plan = Plan {
        groups: selected.groups,
        commands: selected.commands,
        probes: selected.probes,
        targets,
        forms: scope.forms.clone(),
        artifacts: if args.wasm.is_some() {
            Artifacts::default()
        } else {
            Artifacts::load(&args.artifacts)?
        },
        timeout: Duration::from_secs(args.timeout),
        shard: match args.shard {
            Some(shard) => Some((
                shard,
                conformance::shard::load_costs(&args.committed.costs)?,
            )),
            None => None,
        },
    };
    let mut matrix = run::run(&plan);
    matrix.commit = conformance::git::head_commit(Path::new("."));
    let expectations = Expectations::load(&args.expectations())?;
    args.committed.finish(&matrix, &out, &expectations, &scope)
}
