//! `fd_fdstat_set_flags(append)` on an open file: whether it is accepted, reported by
//! `fd_fdstat_get`, and honoured (a write after seeking to 0 lands at the end).

use wasi_probes::{Report, Verdict, close, json, outcome, sandbox, seek, set_fd_flags, write_all};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let fd = dir.create_scratch("f.txt")?;
    let _ = write_all(fd, b"abc");
    let set = set_fd_flags(fd, wasi::FDFLAGS_APPEND);
    let reported = wasi_probes::fdstat(fd).is_ok_and(|s| s.fs_flags & wasi::FDFLAGS_APPEND != 0);
    let _ = seek(fd, 0, wasi::WHENCE_SET);
    let _ = write_all(fd, b"def");
    let _ = close(fd);
    let content = dir.read_outcome("f.txt");
    let observed = json!({"set": outcome(&set), "reported": reported, "content": content});
    Ok(if set.is_ok() {
        let note = "once append is set, data written is always appended to the file's end";
        Report::new(Verdict::spec(content == "abcdef"), observed, note)
    } else {
        Report::info(
            observed,
            "the runtime refuses to change append on an open file",
        )
    })
}
