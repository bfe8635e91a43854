//! One `random_get` of 64 KiB: it succeeds, stays in its buffer and looks random.

use wasi_probes::Report;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    wasi_probes::random_report(64 << 10)
}
