//! `path_create_directory` and `path_remove_directory`: create, create again (fails),
//! remove a non-empty one (ENOTEMPTY, the spec says so), remove a file with it (fails),
//! remove an empty one.

use wasi_probes::{Report, Verdict, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let create = dir.mkdir("d");
    let again = dir.mkdir("d");
    let _ = dir.create("d/f.txt", b"f");
    let non_empty = dir.rmdir("d");
    let file = dir.rmdir("d/f.txt");
    let _ = dir.unlink("d/f.txt");
    let empty = dir.rmdir("d");
    let gone = dir.stat("d").is_err();
    let observed = json!({
        "create": outcome(&create),
        "create_existing": outcome(&again),
        "remove_non_empty": outcome(&non_empty),
        "remove_a_file": outcome(&file),
        "remove_empty": outcome(&empty),
        "gone": gone,
    });
    let holds = create.is_ok()
        && again.is_err()
        && non_empty == Err(wasi::ERRNO_NOTEMPTY)
        && file.is_err()
        && empty.is_ok()
        && gone;
    Ok(Report::new(
        Verdict::spec(holds),
        observed,
        "path_remove_directory returns ENOTEMPTY if the directory is not empty",
    ))
}
