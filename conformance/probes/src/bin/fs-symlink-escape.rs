//! Relative symlinks that climb out of the preopen (`../../../etc/passwd`, `..`):
//! following them must fail, or stop at the preopen itself.

use wasi_probes::{Report, Verdict, errno, file_stat, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let file_link = dir.symlink("../../../../../../../../etc/passwd", "up-file");
    let dir_link = dir.symlink("..", "up-dir");
    // Nothing named etc/passwd exists inside, so reading it means leaving.
    let read_file = match dir.read("up-file") {
        Ok(_) => "escaped".to_owned(),
        Err(e) => errno(e),
    };
    let stat_dir = match dir.stat("up-dir") {
        Ok(stat) if dir.is_itself(&stat) => "clamped".to_owned(),
        Ok(_) => "escaped".to_owned(),
        Err(e) => errno(e),
    };
    let open_dir = match dir.open_dir("up-dir") {
        Ok(up) if file_stat(up.fd).is_ok_and(|s| dir.is_itself(&s)) => "clamped".to_owned(),
        Ok(_) => "escaped".to_owned(),
        Err(e) => errno(e),
    };
    let escaped = [&read_file, &stat_dir, &open_dir]
        .iter()
        .any(|r| *r == "escaped");
    let observed = json!({
        "create_file_link": outcome(&file_link),
        "create_dir_link": outcome(&dir_link),
        "read_through_file_link": read_file,
        "stat_through_dir_link": stat_dir,
        "open_through_dir_link": open_dir,
    });
    Ok(Report::new(
        Verdict::denied(!escaped),
        observed,
        "a symlink cannot lead out of the preopen it lives in",
    ))
}
