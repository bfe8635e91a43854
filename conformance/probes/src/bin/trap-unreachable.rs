//! Executes `unreachable`: the host must see a trap, not a clean exit. Prints nothing.

use wasi_probes::Report;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    wasi_probes::trap()
}
