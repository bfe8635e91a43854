//! The harness's own child mode, for wasm3 (statically linked C: no library to miss): the
//! harness binary re-executed as
//!
//! ```text
//! harness wasm-child wasm3 <report> <module.wasm> [--dir <guest> <host>]... -- <arg0>...
//! ```
//!
//! a hidden subcommand of the harness's command line, served by [`serve`]. The protocol and the parent's side are `wasm-child`'s (which also builds the WasmEdge
//! child, a program of its own because it links libwasmedge).

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Context;
use conformance::{CommandJob, CommandRun};
use wasm_child::{Engine, Program, USAGE_STATUS};

/// The hidden subcommand that makes the harness a child.
pub const SUBCOMMAND: &str = "wasm-child";

fn engine(name: &str) -> Option<Engine> {
    match name {
        "wasm3" => Some(crate::wasm3::run_here),
        _ => None,
    }
}

/// Runs the guest as a child running `engine`; `rest` is the protocol's arguments after the
/// engine's name. Returns the child's exit status.
pub fn serve(engine_name: &str, rest: &[OsString]) -> ExitCode {
    let Some(run) = engine(engine_name) else {
        eprintln!("{SUBCOMMAND}: no engine `{engine_name}` in this build");
        return ExitCode::from(USAGE_STATUS);
    };
    wasm_child::serve(run, rest)
}

/// Runs a command in a child of this harness running `engine`, enforcing the job's deadline.
pub(crate) fn run(engine: &str, job: &CommandJob) -> anyhow::Result<CommandRun> {
    let program = Program {
        exe: std::env::current_exe().context("finding the harness executable")?,
        leading: vec![SUBCOMMAND.into(), engine.into()],
    };
    wasm_child::run(&program, job).with_context(|| format!("the {engine} child"))
}
