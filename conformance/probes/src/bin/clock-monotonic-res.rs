//! The resolution `clock_res_get` reports for the monotonic clock.

use wasi_probes::Report;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    wasi_probes::resolution_report(wasi::CLOCKID_MONOTONIC)
}
