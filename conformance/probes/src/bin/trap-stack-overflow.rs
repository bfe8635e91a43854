//! Recurses without end on the engine's call stack: the host must see a trap (stack
//! exhausted), not a crash of the host. Prints nothing.

use wasi_probes::{Report, json, recurse};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    // 2^64 levels: no stack holds them.
    let value = recurse(u64::MAX);
    Report::info(
        json!({"returned": value}),
        "the recursion should have trapped",
    )
}
