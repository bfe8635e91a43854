//! Reading stdin when the host gave none: what fd 0 is and what a read returns.

use wasi_probes::{Report, filetype_name, json, outcome, read_once};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let filetype = match wasi_probes::fdstat(0) {
        Ok(stat) => filetype_name(stat.fs_filetype),
        Err(e) => wasi_probes::errno(e),
    };
    let first = read_once(0, &mut [0u8; 16]);
    let read = match first {
        Ok(n) => json!(n),
        Err(_) => outcome(&first),
    };
    Report::info(
        json!({"fd0": filetype, "first_read": read}),
        "the spec does not say what stdin is when the host provides none",
    )
}
