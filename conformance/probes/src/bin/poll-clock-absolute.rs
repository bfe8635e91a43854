//! `poll_oneoff` on an absolute deadline 20 ms ahead (`subscription_clock_abstime`), on
//! the monotonic and on the realtime clock, each with a relative 2 s clock as a guard: the
//! deadline's event comes (not before the deadline), the guard's does not.

use wasi_probes::{Report, Value, Verdict, clock_subscription, clock_time, errno, json, poll};

const AHEAD: u64 = 20_000_000;
const GUARD: u64 = 2_000_000_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

/// The observation for `clock`, and whether it holds.
fn deadline(clock: wasi::Clockid) -> (Value, bool) {
    let now = || clock_time(clock).unwrap_or(0);
    let deadline = now() + AHEAD;
    let absolute = wasi::SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    let events = poll(&[
        clock_subscription(9, clock, deadline, absolute),
        clock_subscription(10, wasi::CLOCKID_MONOTONIC, GUARD, 0),
    ]);
    let reached = now() >= deadline;
    match events {
        Ok(events) => {
            let deadline_event = events
                .iter()
                .any(|e| e.userdata == 9 && e.kind == "clock" && e.error == "ESUCCESS");
            let guard_event = events.iter().any(|e| e.userdata == 10);
            let observed = json!({
                "deadline_event": deadline_event,
                "guard_event": guard_event,
                "deadline_reached": reached,
            });
            (observed, deadline_event && !guard_event && reached)
        }
        Err(e) => (json!({"poll_oneoff": errno(e)}), false),
    }
}

fn probe() -> Report {
    let (monotonic, monotonic_holds) = deadline(wasi::CLOCKID_MONOTONIC);
    let (realtime, realtime_holds) = deadline(wasi::CLOCKID_REALTIME);
    Report::new(
        Verdict::spec(monotonic_holds && realtime_holds),
        json!({"monotonic": monotonic, "realtime": realtime}),
        "with abstime the timeout is an absolute time of the clock: 20 ms ahead, not 20 ms + now",
    )
}
