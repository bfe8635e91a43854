//! `fd_fdstat_set_flags` with `dsync`, `rsync` and `sync` on an open file: accepted or not,
//! and reported back by `fd_fdstat_get`.

use wasi_probes::{Report, close, json, outcome, sandbox, set_fd_flags};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let fd = dir.create_scratch("f.txt")?;
    let mut observed = wasi_probes::Value::Object(Default::default());
    for (name, flag) in [
        ("dsync", wasi::FDFLAGS_DSYNC),
        ("rsync", wasi::FDFLAGS_RSYNC),
        ("sync", wasi::FDFLAGS_SYNC),
    ] {
        let set = set_fd_flags(fd, flag);
        let reported = wasi_probes::fdstat(fd).is_ok_and(|s| s.fs_flags & flag != 0);
        let _ = set_fd_flags(fd, 0);
        observed[name] = json!({"set": outcome(&set), "reported": reported});
    }
    let _ = close(fd);
    Ok(Report::info(
        observed,
        "the spec lists the sync flags but not which a runtime must accept after open",
    ))
}
