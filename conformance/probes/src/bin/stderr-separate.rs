//! stderr is not stdout: the probe writes a marker without a newline to stderr, then its
//! line to stdout. A host that merged the two would see `stderr-marker {...}`, which is not
//! valid JSON, so a parsed line is the proof.

use wasi_probes::{Report, Verdict, json, outcome, write_all};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let result = write_all(2, b"stderr-marker ");
    Report::new(
        Verdict::spec(result.is_ok()),
        json!({"stderr_write": outcome(&result)}),
        "fd 2 is stderr, separate from fd 1: this line parses only if it was kept apart",
    )
}
