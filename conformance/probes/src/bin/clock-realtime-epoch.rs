//! The realtime clock counts from 1970-01-01T00:00:00Z: its value is a plausible date.

use wasi_probes::{Report, Verdict, clock_time, errno, json};

/// 2020-01-01T00:00:00Z and 2100-01-01T00:00:00Z, in nanoseconds.
const Y2020: u64 = 1_577_836_800_000_000_000;
const Y2100: u64 = 4_102_444_800_000_000_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    match clock_time(wasi::CLOCKID_REALTIME) {
        Ok(ns) if (Y2020..Y2100).contains(&ns) => Report::new(
            Verdict::Conforms,
            json!({"between_2020_and_2100": true}),
            "realtime counts nanoseconds from 1970-01-01T00:00:00Z",
        ),
        Ok(ns) => Report::info(
            json!({"between_2020_and_2100": false, "seconds": ns / 1_000_000_000}),
            "not today's date: a virtual or frozen clock (realtime counts from 1970)",
        ),
        Err(e) => Report::new(
            Verdict::Violates,
            json!({"error": errno(e)}),
            "clock_time_get(realtime) failed",
        ),
    }
}
