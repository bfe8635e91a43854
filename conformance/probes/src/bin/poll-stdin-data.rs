//! `poll_oneoff` on stdin (given `ping\n`) with a 5 s clock as a guard: stdin is readable,
//! so its `fd_read` event comes and the clock does not; then the data reads whole.

use wasi_probes::{Report, Verdict, clock_subscription, errno, json, poll, read_subscription};

const GUARD: u64 = 5_000_000_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let events = poll(&[
        read_subscription(1, 0),
        clock_subscription(2, wasi::CLOCKID_MONOTONIC, GUARD, 0),
    ]);
    let data = wasi_probes::read_to_end(0);
    let events = match events {
        Ok(events) => events,
        Err(e) => {
            let observed = json!({"poll_oneoff": errno(e)});
            return Report::new(Verdict::Violates, observed, "poll_oneoff on stdin failed");
        }
    };
    let read_event = events.iter().find(|e| e.userdata == 1);
    let observed = json!({
        "fd_read": read_event.map(|e| e.error.clone()),
        "nbytes_positive": read_event.is_some_and(|e| e.nbytes > 0),
        "clock_fired": events.iter().any(|e| e.userdata == 2),
        "data": data.map_or_else(errno, |d| String::from_utf8_lossy(&d).into_owned()),
    });
    match read_event {
        Some(e) if e.error == "ESUCCESS" => {
            let note = "fd_read occurs when the descriptor has data available for reading";
            Report::new(Verdict::Conforms, observed, note)
        }
        Some(_) => Report::info(
            observed,
            "the runtime cannot poll stdin: the event carries an error",
        ),
        None => {
            let note = "stdin had data, yet only the clock fired";
            Report::new(Verdict::Violates, observed, note)
        }
    }
}
