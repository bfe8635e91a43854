//! `path_filestat_get` timestamps: a new file's times are recent; `path_filestat_set_times`
//! with exact values reads back (and at what granularity); `mtim_now` sets "now".

use wasi_probes::{Report, Verdict, clock_time, errno, json, outcome, sandbox};

/// 2020-09-13T12:26:40.123456789Z, in nanoseconds: every digit counts.
const SET: u64 = 1_600_000_000_123_456_789;
/// Slack for "recent": file systems store coarser times than the clock.
const SLACK: u64 = 10_000_000_000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

/// The coarsest unit `read` keeps of `SET`.
fn granularity(read: u64) -> &'static str {
    [
        (1, "ns"),
        (1_000, "us"),
        (1_000_000, "ms"),
        (1_000_000_000, "s"),
    ]
    .iter()
    .find(|(unit, _)| read == SET - SET % unit)
    .map_or("other", |(_, name)| *name)
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let now = || clock_time(wasi::CLOCKID_REALTIME).unwrap_or(0);
    let before = now();
    let _ = dir.create("f.txt", b"data");
    let after = now();
    let recent = |t: u64| before.saturating_sub(SLACK) <= t && t <= after + SLACK;
    let created = dir.stat("f.txt").map_err(|e| {
        let observed = json!({"path_filestat_get": errno(e)});
        Report::new(
            Verdict::Violates,
            observed,
            "path_filestat_get on a new file failed",
        )
    })?;

    let flags = wasi::FSTFLAGS_ATIM | wasi::FSTFLAGS_MTIM;
    // SAFETY: the path is valid for the call.
    let set = unsafe { wasi::path_filestat_set_times(dir.fd, 0, "f.txt", SET, SET, flags) };
    let after_set = dir.stat("f.txt");
    // SAFETY: as above.
    let set_now =
        unsafe { wasi::path_filestat_set_times(dir.fd, 0, "f.txt", 0, 0, wasi::FSTFLAGS_MTIM_NOW) };
    let mtim_now = dir.stat("f.txt").is_ok_and(|s| recent(s.mtim));

    let (mtim, atim) = match after_set {
        Ok(s) => (granularity(s.mtim), granularity(s.atim)),
        Err(_) => ("unread", "unread"),
    };
    let observed = json!({
        "size": created.size,
        "mtim_recent": recent(created.mtim),
        "atim_recent": recent(created.atim),
        "ctim_recent": recent(created.ctim),
        "set_times": outcome(&set),
        "mtim_granularity": mtim,
        "atim_granularity": atim,
        "set_mtim_now": outcome(&set_now),
        "mtim_now_recent": mtim_now,
    });
    let broken = created.size != 4
        || !recent(created.mtim)
        || (set.is_ok() && (mtim == "other" || atim == "other"));
    Ok(if broken {
        let note = "filestat times are the file's (ns since 1970) and set_times sets them";
        Report::new(Verdict::Violates, observed, note)
    } else {
        Report::info(
            observed,
            "timestamps are ns; how many digits a file system keeps is its own",
        )
    })
}
