//! File locking: preview 1 has no lock call (no flock, no fcntl locks), so what remains is
//! the lock-file idiom: `creat|excl` succeeds once and then fails; a second open of a file
//! already open is not blocked.

use wasi_probes::{Report, Verdict, close, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let exclusive = wasi::OFLAGS_CREAT | wasi::OFLAGS_EXCL;
    let first = dir.open("lock", exclusive, 0);
    let second = dir.open("lock", exclusive, 0);
    let reopen = dir.open("lock", 0, 0);
    for fd in [&first, &second, &reopen].into_iter().flatten() {
        let _ = close(*fd);
    }
    let observed = json!({
        "lock_call_in_preview1": false,
        "lockfile_first": outcome(&first),
        "lockfile_second": outcome(&second),
        "open_while_open": outcome(&reopen),
    });
    Ok(Report::new(
        Verdict::spec(first.is_ok() && second.is_err()),
        observed,
        "no locks in preview 1; oflags::excl fails if the file exists, so lock files work",
    ))
}
