//! `path_rename`: a file to a new name, a file over an existing one (replaced), a
//! directory; and the errors for a directory onto a non-empty one, a file onto a
//! directory, a missing source.

use wasi_probes::{Report, Verdict, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let _ = dir.create("a.txt", b"A");
    let to_new = dir.rename("a.txt", "b.txt");
    let moved = dir.stat("a.txt").is_err() && dir.read_outcome("b.txt") == "A";

    let _ = dir.create("c.txt", b"C");
    let over_existing = dir.rename("c.txt", "b.txt");
    let replaced = dir.read_outcome("b.txt") == "C";

    let _ = dir.mkdir("d1");
    let directory = dir.rename("d1", "d2");
    let dir_moved = dir.stat("d1").is_err() && dir.stat("d2").is_ok();

    let _ = dir.mkdir("full");
    let _ = dir.create("full/x", b"x");
    let _ = dir.mkdir("other");
    let _ = dir.create("other/y", b"y");
    let onto_non_empty = dir.rename("other", "full");
    let file_onto_dir = dir.rename("b.txt", "d2");
    let missing = dir.rename("missing", "z");

    let observed = json!({
        "to_new_name": outcome(&to_new),
        "over_existing_file": outcome(&over_existing),
        "replaced": replaced,
        "directory": outcome(&directory),
        "dir_onto_non_empty_dir": outcome(&onto_non_empty),
        "file_onto_dir": outcome(&file_onto_dir),
        "missing_source": outcome(&missing),
    });
    let holds = moved
        && replaced
        && dir_moved
        && onto_non_empty.is_err()
        && file_onto_dir.is_err()
        && missing.is_err();
    Ok(Report::new(
        Verdict::spec(holds),
        observed,
        "path_rename is renameat: it replaces a file, and cannot replace a non-empty directory",
    ))
}
