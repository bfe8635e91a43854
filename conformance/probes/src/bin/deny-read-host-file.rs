//! Deny by default: with nothing granted, reading host files must fail, through std
//! (absolute and relative paths) and through any directory descriptor the host left open.

use wasi_probes::{Report, Value, Verdict, json, open_fds, outcome, preopens};

const PATHS: [&str; 5] = [
    "/etc/passwd",
    "/etc/hostname",
    "/proc/self/environ",
    "../etc/passwd",
    "etc/passwd",
];

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let std_reads: Vec<(&str, Value)> = PATHS
        .iter()
        .map(|path| (*path, wasi_probes::io_outcome(&std::fs::read(path))))
        .collect();
    // Any directory descriptor at all (there should be none): try to climb out of it.
    let mut raw = Vec::new();
    for (fd, filetype) in open_fds(3..=64) {
        if filetype == wasi::FILETYPE_DIRECTORY {
            for path in ["etc/passwd", "../../../../../../etc/passwd"] {
                let rights = wasi::RIGHTS_FD_READ;
                // SAFETY: the path is valid for the call.
                let opened = unsafe { wasi::path_open(fd, 1, path, 0, rights, rights, 0) };
                raw.push((format!("fd {fd}: {path}"), outcome(&opened)));
            }
        }
    }
    let denied = std_reads.iter().all(|(_, r)| r != "ok") && raw.iter().all(|(_, r)| r != "ok");
    let names: Vec<String> = preopens().into_iter().map(|(_, name)| name).collect();
    let observed = json!({
        "std_read": std_reads.into_iter().collect::<Value>(),
        "preopens": names,
        "through_open_dirs": raw.into_iter().collect::<Value>(),
    });
    Report::new(
        Verdict::denied(denied),
        observed,
        "a guest reaches only what the host granted: no preopen, no host file",
    )
}
