//! Two `random_get` calls of 32 bytes give different data.

use wasi_probes::{Report, Verdict, json, random};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let (mut first, mut second) = ([0u8; 32], [0u8; 32]);
    let ok = random(&mut first).is_ok() && random(&mut second).is_ok();
    let differ = first != second;
    Report::new(
        Verdict::spec(ok && differ),
        json!({"both_ok": ok, "differ": differ}),
        "random_get gives high-quality random data: two draws of 256 bits never repeat",
    )
}
