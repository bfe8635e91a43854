//! Create a file (`creat|excl`), write, close, read it back; then what must fail:
//! `excl` on an existing file, opening a missing file, `directory` on a file.

use wasi_probes::{Report, Verdict, close, json, outcome, sandbox, write_all};

const CONTENTS: &[u8] = b"hello, probe\n";

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let created = dir.open("new.txt", wasi::OFLAGS_CREAT | wasi::OFLAGS_EXCL, 0);
    let written = created.and_then(|fd| {
        let written = write_all(fd, CONTENTS);
        let _ = close(fd);
        written
    });
    let read_back = dir.read("new.txt").is_ok_and(|data| data == CONTENTS);
    let excl_again = dir.open("new.txt", wasi::OFLAGS_CREAT | wasi::OFLAGS_EXCL, 0);
    let missing = dir.open("missing.txt", 0, 0);
    let follow = wasi::LOOKUPFLAGS_SYMLINK_FOLLOW;
    let rights = wasi::RIGHTS_FD_READDIR;
    let dir_flag = dir.open_with("new.txt", follow, wasi::OFLAGS_DIRECTORY, 0, rights);
    let observed = json!({
        "create_excl": outcome(&created),
        "write": outcome(&written),
        "read_back": read_back,
        "excl_on_existing": outcome(&excl_again),
        "open_missing": outcome(&missing),
        "directory_flag_on_file": outcome(&dir_flag),
    });
    let holds = written.is_ok()
        && read_back
        && excl_again.is_err()
        && missing.is_err()
        && dir_flag.is_err();
    Ok(Report::new(
        Verdict::spec(holds),
        observed,
        "oflags: excl fails if the file exists, directory fails if it is not a directory",
    ))
}
