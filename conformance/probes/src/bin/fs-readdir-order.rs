//! `fd_readdir` of a directory holding `c`, `a`, `b` (created in that order) and a
//! directory `d`: the order it lists them in, whether `.` and `..` are listed, the types.

use wasi_probes::{Report, Verdict, errno, filetype_raw_name, json, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    for name in ["c", "a", "b"] {
        let _ = dir.create(name, name.as_bytes());
    }
    let _ = dir.mkdir("d");
    let entries = dir.entries().map_err(|e| {
        let observed = json!({"fd_readdir": errno(e)});
        Report::new(
            Verdict::Violates,
            observed,
            "fd_readdir on the preopen failed",
        )
    })?;
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let files: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| *n != "." && *n != "..")
        .collect();
    let mut sorted = files.clone();
    sorted.sort_unstable();
    let order = if files == sorted {
        "sorted"
    } else if files == ["c", "a", "b", "d"] {
        "creation"
    } else {
        "other"
    };
    let types: wasi_probes::Value = entries
        .iter()
        .map(|e| (e.name.clone(), filetype_raw_name(e.filetype)))
        .collect();
    let observed = json!({
        "names": sorted,
        "order": order,
        "dot": names.contains(&"."),
        "dotdot": names.contains(&".."),
        "types": types,
    });
    Ok(Report::info(
        observed,
        "the spec fixes neither the order of entries nor whether . and .. are listed",
    ))
}
