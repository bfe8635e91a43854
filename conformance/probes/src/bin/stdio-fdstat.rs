//! What fds 0, 1 and 2 are (`fd_fdstat_get`): file type and flags.

use wasi_probes::{Report, Value, errno, filetype_name, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn describe(fd: wasi::Fd) -> Value {
    match wasi_probes::fdstat(fd) {
        Ok(stat) => json!({"filetype": filetype_name(stat.fs_filetype), "flags": stat.fs_flags}),
        Err(e) => json!(errno(e)),
    }
}

fn probe() -> Report {
    Report::info(
        json!({"stdin": describe(0), "stdout": describe(1), "stderr": describe(2)}),
        "the spec does not say what the standard streams are (pipe, tty, file)",
    )
}
