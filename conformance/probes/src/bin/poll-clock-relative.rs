//! `poll_oneoff` on one relative monotonic clock of 20 ms: one clock event, its userdata,
//! no error, and not before 20 ms have passed.

use wasi_probes::{Report, Verdict, clock_subscription, clock_time, errno, json, poll};

const TIMEOUT: u64 = 20_000_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let now = || clock_time(wasi::CLOCKID_MONOTONIC).unwrap_or(0);
    let start = now();
    let events = poll(&[clock_subscription(7, wasi::CLOCKID_MONOTONIC, TIMEOUT, 0)]);
    let waited = now() - start;
    let events = match events {
        Ok(events) => events,
        Err(e) => {
            let observed = json!({"poll_oneoff": errno(e)});
            return Report::new(Verdict::Violates, observed, "poll_oneoff on a clock failed");
        }
    };
    let one_clock = matches!(events.as_slice(),
        [e] if e.kind == "clock" && e.userdata == 7 && e.error == "ESUCCESS");
    let observed = json!({
        "events": events.len(),
        "one_clock_event": one_clock,
        "waited_full_timeout": waited >= TIMEOUT,
    });
    Report::new(
        Verdict::spec(one_clock && waited >= TIMEOUT),
        observed,
        "a clock event occurs when the clock has reached the timeout, not before",
    )
}
