//! An empty stdin: the first read is already EOF (0 bytes).

use wasi_probes::{Report, Verdict, json, outcome, read_once};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let first = read_once(0, &mut [0u8; 16]);
    let observed = match first {
        Ok(n) => json!({"first_read": n}),
        Err(_) => json!({"first_read": outcome(&first)}),
    };
    Report::new(
        Verdict::spec(first == Ok(0)),
        observed,
        "fd_read at the end of an empty input returns 0 (like readv)",
    )
}
