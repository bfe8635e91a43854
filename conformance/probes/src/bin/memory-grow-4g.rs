//! `memory.grow` straight to 65536 pages (4 GiB, the wasm32 limit): whether it succeeds, the size
//! reached, and that the last byte can be written and read back.

use wasi_probes::Report;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    wasi_probes::grow_report(65_536)
}
