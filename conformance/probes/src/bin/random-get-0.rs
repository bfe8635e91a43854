//! `random_get` with length 0: it succeeds and writes nothing.

use wasi_probes::{Report, Verdict, json, outcome, random};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let mut buf = [0xA5u8; 8];
    let result = random(&mut buf[..0]);
    let untouched = buf.iter().all(|&b| b == 0xA5);
    let observed = json!({"result": outcome(&result), "untouched": untouched});
    if !untouched {
        let note = "random_get wrote outside the (empty) buffer it was given";
        return Report::new(Verdict::Violates, observed, note);
    }
    match result {
        Ok(()) => Report::new(
            Verdict::Conforms,
            observed,
            "an empty buffer is a valid buffer to fill",
        ),
        Err(_) => Report::info(
            observed,
            "the spec does not say what an empty request returns",
        ),
    }
}
