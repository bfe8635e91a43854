//! Deny by default: with nothing granted, listing `/`, `.` or `..` must fail, and no
//! directory descriptor may be there to list.

use wasi_probes::{Report, Value, Verdict, json, open_fds, read_dir};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let listings: Vec<(&str, Value)> = ["/", ".", ".."]
        .into_iter()
        .map(|path| {
            let result = std::fs::read_dir(path).map(|entries| entries.count());
            let observed = match &result {
                Ok(n) => json!(format!("listed {n} entries")),
                Err(e) => json!(wasi_probes::io_error(e)),
            };
            (path, observed)
        })
        .collect();
    let open_dirs: Vec<(String, Value)> = open_fds(3..=64)
        .into_iter()
        .filter(|(_, filetype)| *filetype == wasi::FILETYPE_DIRECTORY)
        .map(|(fd, _)| {
            let listed = read_dir(fd, 4096, 0).map_or_else(
                |e| json!(wasi_probes::errno(e)),
                |entries| json!(format!("listed {} entries", entries.len())),
            );
            (format!("fd {fd}"), listed)
        })
        .collect();
    let denied = open_dirs.is_empty()
        && listings
            .iter()
            .all(|(_, r)| !r.as_str().unwrap_or("").starts_with("listed"));
    let observed = json!({
        "std_read_dir": listings.into_iter().collect::<Value>(),
        "open_dirs": open_dirs.into_iter().collect::<Value>(),
    });
    Report::new(
        Verdict::denied(denied),
        observed,
        "a guest sees only the directories the host preopened, and none was",
    )
}
