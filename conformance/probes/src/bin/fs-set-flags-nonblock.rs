//! `fd_fdstat_set_flags(nonblock)` on a file and on stdin: accepted or not, and reported
//! back by `fd_fdstat_get` (stdin's flags are restored after).

use wasi_probes::{Report, Value, close, json, outcome, sandbox, set_fd_flags};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn try_nonblock(fd: wasi::Fd) -> Value {
    let old = wasi_probes::fdstat(fd).map_or(0, |s| s.fs_flags);
    let set = set_fd_flags(fd, old | wasi::FDFLAGS_NONBLOCK);
    let reported = wasi_probes::fdstat(fd).is_ok_and(|s| s.fs_flags & wasi::FDFLAGS_NONBLOCK != 0);
    let _ = set_fd_flags(fd, old);
    json!({"set": outcome(&set), "reported": reported})
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let fd = dir.create_scratch("f.txt")?;
    let file = try_nonblock(fd);
    let _ = close(fd);
    Ok(Report::info(
        json!({"file": file, "stdin": try_nonblock(0)}),
        "non-blocking mode is in the spec, but not which descriptors must accept it",
    ))
}
