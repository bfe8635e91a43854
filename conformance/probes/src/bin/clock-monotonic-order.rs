//! The monotonic clock never goes back over many consecutive reads.

use wasi_probes::{Report, Verdict, clock_time, errno, json};

const READS: u32 = 100_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let read = || clock_time(wasi::CLOCKID_MONOTONIC);
    let first = match read() {
        Ok(t) => t,
        Err(e) => {
            let observed = json!({"error": errno(e)});
            return Report::new(
                Verdict::Violates,
                observed,
                "clock_time_get(monotonic) failed",
            );
        }
    };
    let (mut previous, mut backwards, mut errors) = (first, 0u32, 0u32);
    for _ in 1..READS {
        match read() {
            Ok(t) => {
                backwards += u32::from(t < previous);
                previous = t;
            }
            Err(_) => errors += 1,
        }
    }
    let observed = json!({
        "reads": READS,
        "non_decreasing": backwards == 0 && errors == 0,
        "advanced": previous > first,
    });
    Report::new(
        Verdict::spec(backwards == 0 && errors == 0),
        observed,
        "the monotonic clock cannot have negative clock jumps",
    )
}
