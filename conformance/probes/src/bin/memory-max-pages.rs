//! The most pages `memory.grow` reaches (halving the step on each refusal, up to 65536):
//! the host's memory cap, and that at the cap `memory.grow` returns -1 instead of trapping.

use wasi_probes::{Report, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let pages = wasi_probes::max_pages();
    Report::info(
        json!({"max_pages": pages, "mib": pages / 16}),
        "the cap is the host's; at the cap memory.grow returned -1 (a trap would show instead)",
    )
}
