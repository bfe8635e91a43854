//! Relative symlinks: `path_symlink`, `path_readlink`, opening through a link (in the
//! same directory, in a subdirectory, through a linked directory), `lstat` of a link (its
//! size is the target's length), a dangling link.

use wasi_probes::{Report, Verdict, errno, filetype_name, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let _ = dir.mkdir("sub");
    let _ = dir.create("sub/t.txt", b"target");
    let create = dir.symlink("sub/t.txt", "l1");
    if let Err(e) = create {
        let note = "path_symlink is refused: the runtime does not offer symlinks here";
        return Ok(Report::info(json!({"symlink": errno(e)}), note));
    }
    let _ = dir.symlink("t.txt", "sub/l2");
    let _ = dir.symlink("sub", "ldir");
    let _ = dir.symlink("missing", "dangling");

    let readlink = dir.readlink("l1");
    let lstat = dir.lstat("l1");
    let lstat_ok = lstat.is_ok_and(|s| s.filetype == wasi::FILETYPE_SYMBOLIC_LINK && s.size == 9);
    let through = [
        dir.read_outcome("l1"),
        dir.read_outcome("sub/l2"),
        dir.read_outcome("ldir/t.txt"),
    ];
    let dangling_stat = dir.stat("dangling");
    let dangling_lstat = dir.lstat("dangling");

    let link_text = readlink.as_ref().map_or_else(|e| errno(*e), String::clone);
    let link_stat = lstat.map_or_else(errno, |s| {
        format!("{} size {}", filetype_name(s.filetype), s.size)
    });
    let observed = json!({
        "readlink": link_text,
        "lstat": link_stat,
        "open_through_link": through[0],
        "relative_to_link_dir": through[1],
        "through_linked_dir": through[2],
        "dangling_stat": outcome(&dangling_stat),
        "dangling_lstat": outcome(&dangling_lstat),
    });
    let holds = readlink.is_ok_and(|t| t == "sub/t.txt")
        && lstat_ok
        && through.iter().all(|t| t == "target")
        && dangling_stat.is_err()
        && dangling_lstat.is_ok();
    Ok(Report::new(
        Verdict::spec(holds),
        observed,
        "symlink_follow expands links; a link's filestat size is the length of its target",
    ))
}
