//! 64 calls of `random_get` for one byte: each stays in its byte, and the bytes vary.

use wasi_probes::{Report, Verdict, json, random};

const CALLS: usize = 64;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let (mut ok, mut in_bounds) = (true, true);
    let mut values = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        // One byte between two guard bytes.
        let mut buf = [0xA5u8; 3];
        ok &= random(&mut buf[1..2]).is_ok();
        in_bounds &= buf[0] == 0xA5 && buf[2] == 0xA5;
        values.push(buf[1]);
    }
    let varies = values.iter().any(|&v| v != values[0]);
    let observed = json!({"calls": CALLS, "all_ok": ok, "in_bounds": in_bounds, "varies": varies});
    Report::new(
        Verdict::spec(ok && in_bounds && varies),
        observed,
        "random_get writes high-quality random data into exactly the buffer it is given",
    )
}
