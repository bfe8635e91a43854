//! `poll_oneoff` on stdin when the host gave none, with a 100 ms clock as a guard: which
//! events come (EOF counts as readable; an error is an answer too).

use wasi_probes::{Report, clock_subscription, errno, json, poll, read_subscription};

const GUARD: u64 = 100_000_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let events = poll(&[
        read_subscription(1, 0),
        clock_subscription(2, wasi::CLOCKID_MONOTONIC, GUARD, 0),
    ]);
    match events {
        Ok(events) => {
            let read_event = events.iter().find(|e| e.userdata == 1);
            let observed = json!({
                "fd_read": read_event.map(|e| e.error.clone()),
                "clock_fired": events.iter().any(|e| e.userdata == 2),
            });
            Report::info(
                observed,
                "the spec does not say what stdin is when the host provides none",
            )
        }
        Err(e) => Report::info(
            json!({"poll_oneoff": errno(e)}),
            "poll_oneoff failed as a whole rather than in the stdin event",
        ),
    }
}
