//! `path_unlink_file`: a file goes away; a directory gives EISDIR (the spec says so); a
//! missing file fails; a file unlinked while open stays readable through its descriptor.

use wasi_probes::{Report, Verdict, close, json, outcome, read_to_end, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let _ = dir.create("f.txt", b"f");
    let unlink = dir.unlink("f.txt");
    let gone = dir.stat("f.txt").err().map(wasi_probes::errno);

    let _ = dir.mkdir("d");
    let directory = dir.unlink("d");
    let missing = dir.unlink("missing.txt");

    let _ = dir.create("open.txt", b"still here");
    let open_unlinked = match dir.open_read("open.txt") {
        Ok(fd) => {
            let unlinked = dir.unlink("open.txt");
            let readable = read_to_end(fd).is_ok_and(|d| d == b"still here");
            let _ = close(fd);
            json!({"unlink": outcome(&unlinked), "still_readable": readable})
        }
        Err(e) => json!(wasi_probes::errno(e)),
    };

    let observed = json!({
        "unlink": outcome(&unlink),
        "stat_after": gone,
        "directory": outcome(&directory),
        "missing": outcome(&missing),
        "while_open": open_unlinked,
    });
    let holds =
        unlink.is_ok() && gone.is_some() && directory == Err(wasi::ERRNO_ISDIR) && missing.is_err();
    Ok(Report::new(
        Verdict::spec(holds),
        observed,
        "path_unlink_file returns EISDIR if the path refers to a directory",
    ))
}
