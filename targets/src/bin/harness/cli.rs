//! The harness's command line: a conformance run (the default, or `harness run`), the
//! benchmarks (`harness bench`), the differential runs (`harness differential`) and the hidden child mode (`harness wasm-child`).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use conformance::session::{CommittedArgs, ScopeArgs, Selection};

#[derive(Parser, Debug)]
#[command(name = "harness", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A conformance run, when no subcommand is given.
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the conformance vectors and probes (what the harness does without a subcommand).
    Run(RunArgs),
    /// Measure the services natively and on the wasm runtimes and write bench.json
    /// (`cargo xtask bench` runs it and renders BENCHMARKS.md).
    Bench(targets::BenchArgs),
    /// Run requests beyond the vectors (fuzz seeds, AFL++ corpora, mutated vector requests)
    /// on the native core and on each wasm form on wasmtime, and fail on any response that
    /// is not byte for byte the native one (`cargo xtask differential` runs it).
    Differential(targets::DifferentialArgs),
    /// A runtime's child process running one guest (`targets/src/child.rs`; the protocol is
    /// the `wasm-child` crate's).
    #[command(hide = true)]
    WasmChild {
        engine: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<OsString>,
    },
}

/// Runs every conformance vector on every runtime it finds and writes the matrix.
///
/// Each cell is one case on one runtime in one form (native, component, command, http), and
/// ends as pass, fail (with a diff against the vector's `expect`), unsupported (with the
/// reason) or error (trap, crash, timeout). Runtimes that are not installed are listed with
/// the reason and how to install them. The run fails if any cell is not as expected: not
/// `pass` or `unsupported`, and not explained in the expectations file — or explained
/// there but now passing.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    // The part of the matrix to run: --runtime, --service, --form, --case.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Seconds a single cell may take before it is an `error`.
    #[arg(long, default_value_t = 20)]
    pub timeout: u64,
    /// Directory of vector files (`<service>/<group>.json`).
    #[arg(long, default_value = "conformance/vectors")]
    pub vectors: PathBuf,
    /// The artifact manifest written by `cargo xtask` (service → form → .wasm path).
    #[arg(long, default_value = "target/conformance/artifacts.json")]
    pub artifacts: PathBuf,
    /// Known, explained differences. Default: conformance/expectations.json; with --wasm,
    /// the expectations.json beside the module(s), if there is one.
    #[arg(long)]
    pub expectations: Option<PathBuf>,
    /// The WASI probes' manifest. The probes run as the service `probe` on every runtime
    /// with the command form (select them alone with `--service probe`).
    #[arg(long, default_value = conformance::probes::MANIFEST)]
    pub probes: PathBuf,
    /// Where the built probes are (`<id>.wasm`, built by `cargo build -p wasi-probes
    /// --target wasm32-wasip1 --profile wasm`; `cargo xtask` passes it).
    #[arg(long, default_value = "target/wasm32-wasip1/wasm")]
    pub probe_wasm: PathBuf,
    /// Bring your own wasm: run this WASI preview 1 command (or every `<name>.wasm` in this
    /// directory, each with the `<name>.json` spec beside it) on every runtime instead of
    /// the vectors and probes. The spec is the WASI test format: `args`, `env`, `dirs`
    /// (preopened under their names, relative to the spec; each run gets a fresh copy),
    /// `root` (a directory preopened as `/`), `stdin`, and the expected `exit_code`,
    /// `stdout`, `stderr` (each compared only when present; a trap never passes). Results go
    /// to `<out>/byo/`.
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub wasm: Option<PathBuf>,
    /// The spec for `--wasm <file>` (default: the `.json` beside it).
    #[arg(long, requires = "wasm")]
    pub spec: Option<PathBuf>,
    /// Where matrix.json, matrix.md, matrix.html and junit.xml are written.
    #[arg(long, default_value = "target/conformance")]
    pub out: PathBuf,
    /// Where compiled artifacts are cached between runs.
    #[arg(long, default_value = "target/conformance/cache")]
    pub cache: PathBuf,
    /// Where `cargo xtask setup` put the built driver programs (wazero, chicory).
    #[arg(long, default_value = "target/conformance/drivers")]
    pub drivers: PathBuf,
    /// Where `cargo xtask setup` installed the platforms' local runtimes (workerd, Viceroy).
    #[arg(long, default_value = "target/conformance/tools")]
    pub tools: PathBuf,
    /// Where `cargo xtask build` put the platform builds (`<id>/`); each run keeps the
    /// platform's generated config and log in `<id>/run/`.
    #[arg(long, default_value = "target/conformance/platforms")]
    pub platforms: PathBuf,
    // --diff, --update and the committed files they use (shared with `matrix merge`).
    #[command(flatten)]
    pub committed: CommittedArgs,
    /// Run only shard K of N (e.g. `2/4`): a deterministic part of the cells, whole vector
    /// and probe groups per runtime and form, balanced by the costs measured in `--costs`.
    /// Every shard computes the same split; merge the shards' matrix.json files with
    /// `cargo xtask matrix merge`. Not with --diff or --update (compare the merged matrix).
    #[arg(long, value_name = "K/N", value_parser = conformance::shard::Shard::parse)]
    pub shard: Option<conformance::shard::Shard>,
    /// List the runtimes, their versions and availability, and exit.
    #[arg(long)]
    pub list: bool,
    /// The WasmEdge child, `harness-wasmedge` (built, with libwasmedge, by `cargo xtask
    /// test-all-runtimes --features wasmedge`, which passes this). Without it the wasmedge
    /// column says how to get it.
    #[arg(long, value_name = "PATH")]
    pub wasmedge_child: Option<PathBuf>,
}

impl RunArgs {
    pub fn selection(&self) -> Selection<'_> {
        Selection {
            vectors: &self.vectors,
            probes: &self.probes,
            probe_wasm: &self.probe_wasm,
            wasm: self.wasm.as_deref(),
            spec: self.spec.as_deref(),
            services: &self.scope.service,
            case: self.scope.case.as_deref(),
        }
    }

    /// `--expectations`, or its default.
    pub fn expectations(&self) -> PathBuf {
        self.expectations
            .clone()
            .unwrap_or_else(|| self.selection().default_expectations())
    }
}
