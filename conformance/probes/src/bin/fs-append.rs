//! A file opened with `fdflags::append`: a write after seeking to 0 still lands at the end.
//! Also what `fd_pwrite` at offset 0 does on it (POSIX leaves that to the system).

use wasi_probes::{Report, Verdict, close, json, outcome, sandbox, seek, write_all};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let oflags = wasi::OFLAGS_CREAT | wasi::OFLAGS_TRUNC;
    let fd = dir
        .open("log.txt", oflags, wasi::FDFLAGS_APPEND)
        .map_err(|e| {
            let observed = json!({"open_append": wasi_probes::errno(e)});
            Report::new(
                Verdict::Violates,
                observed,
                "path_open with fdflags::append failed",
            )
        })?;
    let flag_reported =
        wasi_probes::fdstat(fd).is_ok_and(|stat| stat.fs_flags & wasi::FDFLAGS_APPEND != 0);
    let _ = write_all(fd, b"abc");
    let _ = seek(fd, 0, wasi::WHENCE_SET);
    let _ = write_all(fd, b"def");
    let content = dir.read_outcome("log.txt");
    let appended = content == "abcdef";

    let one = wasi::Ciovec {
        buf: b"X".as_ptr(),
        buf_len: 1,
    };
    // SAFETY: the iovec describes a static byte.
    let pwrite = unsafe { wasi::fd_pwrite(fd, &[one], 0) };
    let after_pwrite = dir.read_outcome("log.txt");
    let _ = close(fd);

    let observed = json!({
        "content": content,
        "flag_reported": flag_reported,
        "pwrite_at_0": {"result": outcome(&pwrite), "content": after_pwrite},
    });
    Ok(Report::new(
        Verdict::spec(appended),
        observed,
        "append mode: data written to the file is always appended to the file's end",
    ))
}
