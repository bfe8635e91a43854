//! Trailing slashes: on a file (`f/` is not a directory), on a directory (`d/` is), when
//! creating, renaming and removing.

use wasi_probes::{Report, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let _ = dir.create("f", b"f");
    let _ = dir.mkdir("d");
    let observed = json!({
        "stat f/": outcome(&dir.stat("f/")),
        "open f/": outcome(&dir.open_read("f/")),
        "unlink f/": outcome(&dir.unlink("f/")),
        "rename f to g/": outcome(&dir.rename("f", "g/")),
        "create new/": outcome(&dir.open("new/", wasi::OFLAGS_CREAT, 0)),
        "stat d/": outcome(&dir.stat("d/")),
        "open d/": outcome(&dir.open_dir("d/")),
        "mkdir e/": outcome(&dir.mkdir("e/")),
        "rename d/ to d2/": outcome(&dir.rename("d/", "d2/")),
        "rmdir d2/": outcome(&dir.rmdir("d2/")),
        "symlink to f at l/": outcome(&dir.symlink("f", "l/")),
    });
    Ok(Report::info(
        observed,
        "the spec says nothing of trailing slashes; POSIX gives ENOTDIR on a non-directory",
    ))
}
