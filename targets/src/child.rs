//! The harness's own child mode, for wasm3 (statically linked C: no library to miss): the
//! harness binary re-executed as
//!
//! ```text
//! harness --wasm-child wasm3 <report> <module.wasm> [--dir <guest> <host>]... -- <arg0>...
//! ```
//!
//! handled by [`child_main`] before the command line is parsed, so `--help` does not show
//! it. The protocol and the parent's side are `wasm-child`'s (which also builds the WasmEdge
//! child, a program of its own because it links libwasmedge).

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Context;
use conformance::{CommandJob, CommandRun};
use wasm_child::{Engine, Program, USAGE_STATUS};

/// The hidden first argument that makes the harness a child.
pub(crate) const FLAG: &str = "--wasm-child";

fn engine(name: &str) -> Option<Engine> {
    match name {
        "wasm3" => Some(crate::wasm3::run_here),
        _ => None,
    }
}

/// When this process was started as a child ([`FLAG`] first), runs the guest and returns
/// the exit status; otherwise `None`, and the harness goes on as usual.
pub fn child_main() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != FLAG {
        return None;
    }
    let args: Vec<OsString> = args.collect();
    let Some((name, rest)) = args.split_first() else {
        eprintln!("usage: harness {FLAG} <engine> <report> <module.wasm> ... -- <arg0>...");
        return Some(ExitCode::from(USAGE_STATUS));
    };
    let Some(run) = name.to_str().and_then(engine) else {
        eprintln!(
            "{FLAG}: no engine `{}` in this build",
            name.to_string_lossy()
        );
        return Some(ExitCode::from(USAGE_STATUS));
    };
    Some(wasm_child::serve(run, rest))
}

/// Runs a command in a child of this harness running `engine`, enforcing the job's deadline.
pub(crate) fn run(engine: &str, job: &CommandJob) -> anyhow::Result<CommandRun> {
    let program = Program {
        exe: std::env::current_exe().context("finding the harness executable")?,
        leading: vec![FLAG.into(), engine.into()],
    };
    wasm_child::run(&program, job).with_context(|| format!("the {engine} child"))
}
