//! `memory.grow` straight to 16384 pages (1 GiB): whether it succeeds, the size
//! reached, and that the last byte can be written and read back.

use wasi_probes::Report;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    wasi_probes::grow_report(16_384)
}
