//! Deny by default: with nothing granted, no descriptor beyond stdin, stdout and stderr
//! may be open (fds 3 to 64): no preopened directory, file or socket.

use wasi_probes::{Report, Value, Verdict, filetype_name, json, open_fds, preopens};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let names = preopens();
    let open: Vec<(String, Value)> = open_fds(3..=64)
        .into_iter()
        .map(|(fd, filetype)| {
            let preopen = names
                .iter()
                .find(|(p, _)| *p == fd)
                .map(|(_, name)| name.clone());
            (
                format!("fd {fd}"),
                json!({"filetype": filetype_name(filetype), "preopen": preopen}),
            )
        })
        .collect();
    Report::new(
        Verdict::denied(open.is_empty()),
        json!({"open_fds": open.len(), "fds": open.into_iter().collect::<Value>()}),
        "a guest holds only the descriptors the host granted: stdio, nothing else",
    )
}
