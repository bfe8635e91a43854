//! Deny by default: with nothing granted, creating a file on the host must fail, through
//! std and through any directory descriptor the host left open.

use wasi_probes::{Report, Value, Verdict, json, open_fds, outcome};

const PATHS: [&str; 3] = [
    "/tmp/wasi-probe-deny-write",
    "wasi-probe-deny-write",
    "/wasi-probe-deny-write",
];

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let std_writes: Vec<(&str, Value)> = PATHS
        .iter()
        .map(|path| (*path, wasi_probes::io_outcome(&std::fs::write(path, b"x"))))
        .collect();
    let mut raw = Vec::new();
    for (fd, filetype) in open_fds(3..=64) {
        if filetype == wasi::FILETYPE_DIRECTORY {
            let rights = wasi::RIGHTS_FD_WRITE;
            let create = wasi::OFLAGS_CREAT;
            // SAFETY: the path is valid for the call.
            let opened = unsafe {
                wasi::path_open(fd, 0, "wasi-probe-deny-write", create, rights, rights, 0)
            };
            raw.push((format!("fd {fd}"), outcome(&opened)));
        }
    }
    let denied = std_writes.iter().all(|(_, r)| r != "ok") && raw.iter().all(|(_, r)| r != "ok");
    let observed = json!({
        "std_write": std_writes.into_iter().collect::<Value>(),
        "through_open_dirs": raw.into_iter().collect::<Value>(),
    });
    Report::new(
        Verdict::denied(denied),
        observed,
        "a guest reaches only what the host granted: it cannot create host files",
    )
}
