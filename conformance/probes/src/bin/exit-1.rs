//! `proc_exit(1)` after printing the line: the host must report exit code 1.

use wasi_probes::{Report, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let note = "proc_exit's code is the process's exit code; the host reports it";
    Report::info(json!({"exit_code": 1}), note).exit_with(1)
}
