//! A Rust panic (abort: wasi-libc's `abort` is `unreachable`): the host must see a trap.
//! The panic message goes to stderr; nothing is printed on stdout.

use wasi_probes::Report;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    panic!("this probe panics on purpose")
}
