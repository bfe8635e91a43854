//! `poll_oneoff` with no subscriptions must return EINVAL (and not block).

use wasi_probes::{Report, Verdict, errno, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let subscriptions: [wasi::Subscription; 0] = [];
    // SAFETY: the zeroed bytes are a valid `Event`; with 0 subscriptions nothing is read
    // or written.
    let mut event: wasi::Event = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let result = unsafe { wasi::poll_oneoff(subscriptions.as_ptr(), &mut event, 0) };
    let observed = match result {
        Ok(n) => json!({"result": "ok", "events": n}),
        Err(e) => json!({"result": errno(e)}),
    };
    Report::new(
        Verdict::spec(result == Err(wasi::ERRNO_INVAL)),
        observed,
        "if nsubscriptions is 0, poll_oneoff returns EINVAL",
    )
}
