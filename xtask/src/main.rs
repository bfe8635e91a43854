//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! It stays light (no wasmtime): the harness is the `harness` binary of the `targets`
//! crate, which `test-all-runtimes` builds and runs after building the guest artifacts.
//! This file is the command line and its dispatch; each command lives in its own module.

mod bench;
mod build;
mod byo;
mod ci;
mod differential;
mod dist;
mod fixtures;
mod fuzz;
mod harness;
mod matrix;
mod platforms;
mod setup;
mod util;
mod wasm_opt;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// The project's automation: setup, builds, the conformance matrix, benchmarks, fuzzing,
/// release bundles, and what CI runs.
#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    after_help = "`cargo xtask <command> --help` says what a command does and lists its options.\n\
                  <target> is cargo's target directory (CARGO_TARGET_DIR if set, else ./target)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Install what the harness needs (idempotent).
    ///
    /// libclang to build it (wasm3's bindings; Debian's libclang-dev through apt-get), the
    /// wasm targets, and the driver programs of external runtimes whose toolchain is present
    /// (wazero needs Go, chicory Java 17 and Maven, jco Node.js and npm); Chromium for the
    /// test of matrix.html (Debian's chromium through apt-get); and the platforms' tools:
    /// Viceroy, wasm-bindgen-cli and worker-build compiled from crates.io (many minutes of
    /// CPU the first time), workerd and esbuild from npm.
    Setup,
    /// Build every service in every wasm form and run wasm-opt -Oz over each.
    ///
    /// binaryen's wasm-opt comes from npm (pinned in xtask/tools/binaryen; cached by
    /// content; skipped with a warning without npm). Writes
    /// <target>/conformance/artifacts.json (the optimised artifacts, which everything runs
    /// and dist ships) and artifacts.raw.json (as cargo built them).
    Build,
    TestAllRuntimes(harness::Args),
    ByoExamples(byo::Args),
    Dist(dist::Args),
    Matrix(matrix::Args),
    Bench(bench::Args),
    Fixtures(fixtures::Args),
    Fuzz(fuzz::Args),
    Differential(differential::Args),
    /// What CI runs.
    ///
    /// fmt check; setup (the platforms' tools in the background); a build of every host
    /// crate and test with clippy as the workspace wrapper and warnings denied (the later
    /// host builds are that one); clippy for the wasm targets (guests, probes, byo examples,
    /// wasm adapters); fixtures --check, every fuzz target for 10 s (fuzz --opt-level 1),
    /// test-all-runtimes --diff, differential --limit 2000, a --shard 1/2 + 2/2 merge of
    /// the native column, byo-examples, bench --quick (a smoke run; goals not asserted),
    /// dist --check-reproducible, dist --check-bundle, then the unit tests.
    Ci,
    /// clippy on the WasmEdge child's code without libwasmedge (its own CI job).
    ///
    /// Lints `wasm-child` with its feature `wasmedge`.
    CheckWasmedge,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let root = util::project_root();
    std::env::set_current_dir(&root)?;
    let Some(command) = cli.command else {
        Cli::command().print_help()?;
        return Ok(());
    };
    match command {
        Command::Setup => setup::setup(),
        Command::Build => build::build().map(drop),
        Command::TestAllRuntimes(args) => harness::main(args),
        Command::ByoExamples(args) => byo::main(args),
        Command::Dist(args) => dist::main(args),
        Command::Matrix(args) => matrix::main(args),
        Command::Bench(args) => bench::main(args),
        Command::Fixtures(args) => fixtures::main(args, &root),
        Command::Fuzz(args) => fuzz::main(args),
        Command::Differential(args) => differential::main(args),
        Command::Ci => ci::ci(),
        Command::CheckWasmedge => ci::check_wasmedge(),
    }
}

/// Prints the long help of the subcommand `name`: for the commands whose `--help` goes on
/// to print the harness's help after it.
fn print_help(name: &str) -> anyhow::Result<()> {
    let mut cli = Cli::command();
    // Built first, so the usage line names `cargo xtask <name>`.
    cli.build();
    let command = cli
        .find_subcommand_mut(name)
        .ok_or_else(|| anyhow::anyhow!("no subcommand `{name}`"))?;
    command.print_long_help()?;
    Ok(())
}
