//! The scratch directory the host preopened: found by its name among the preopens, a
//! directory, and empty.

use wasi_probes::{Report, Verdict, filetype_name, json, preopens, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let filetype = wasi_probes::fdstat(dir.fd).map(|stat| stat.fs_filetype);
    let is_dir = filetype == Ok(wasi::FILETYPE_DIRECTORY);
    let entries = dir.entries().unwrap_or_default();
    let others: Vec<_> = entries
        .iter()
        .filter(|e| e.name != "." && e.name != "..")
        .collect();
    // The name as the runtime gave it: `sandbox` finds the grant also when the runtime
    // dropped its leading `/` (as wasi-libc would), which this probe then reports.
    let as_granted = dir.name.trim_end_matches('/') == dir.path.trim_end_matches('/');
    let observed = json!({
        "filetype": filetype.map_or_else(wasi_probes::errno, filetype_name),
        "preopens": preopens().len(),
        "empty": others.is_empty(),
        "name": dir.name,
    });
    Ok(Report::new(
        Verdict::spec(is_dir && as_granted),
        observed,
        "fd_prestat_get/fd_prestat_dir_name describe each preopened directory, under the \
         name the host granted it",
    ))
}
