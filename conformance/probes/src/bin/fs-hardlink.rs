//! `path_link`: a hard link shares the data (a write through one name shows through the
//! other), counts as a second link, and survives unlinking the first name.

use wasi_probes::{Report, Verdict, close, errno, json, sandbox, seek, write_all};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let _ = dir.create("a.txt", b"one");
    if let Err(e) = dir.link("a.txt", "b.txt") {
        let note = "path_link is refused: the runtime does not offer hard links here";
        return Ok(Report::info(json!({"link": errno(e)}), note));
    }
    let nlink = dir.stat("b.txt").map(|s| s.nlink);
    if let Ok(fd) = dir.open("b.txt", 0, 0) {
        let _ = seek(fd, 0, wasi::WHENCE_END);
        let _ = write_all(fd, b"+two");
        let _ = close(fd);
    }
    let shared = dir.read_outcome("a.txt") == "one+two";
    let _ = dir.unlink("a.txt");
    let survives = dir.read_outcome("b.txt") == "one+two";
    let observed = json!({
        "link": "ok",
        "nlink": nlink.map_or_else(|e| errno(e).into(), wasi_probes::Value::from),
        "shared_data": shared,
        "survives_unlink": survives,
    });
    Ok(Report::new(
        Verdict::spec(nlink == Ok(2) && shared && survives),
        observed,
        "path_link is linkat: two names for one file; filestat.nlink counts them",
    ))
}
