//! The thread CPU-time clock: its resolution and whether it can be read.

use wasi_probes::Report;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    wasi_probes::resolution_report(wasi::CLOCKID_THREAD_CPUTIME_ID)
}
