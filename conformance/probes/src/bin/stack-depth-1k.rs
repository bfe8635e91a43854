//! Recursion 1_000 levels deep on the engine's call stack, then back: a line means the
//! runtime's stack held them; a trap means it is shallower.

use wasi_probes::{Report, json, recurse};

const DEPTH: u64 = 1_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    std::hint::black_box(recurse(DEPTH));
    Report::info(
        json!({"depth": DEPTH, "reached": true}),
        "the spec sets no stack depth: it is the runtime's (a trap here says it is less)",
    )
}
