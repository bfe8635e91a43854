//! `fd_readdir` cookies: reading 12 entries through a buffer that holds about one at a
//! time (resuming at each `d_next`, the last entry of a full buffer truncated) gives the
//! same listing as one large read; resuming at a middle cookie gives the rest; the last
//! cookie gives nothing; cookie 0 starts over.

use wasi_probes::{
    DIRENT_SIZE, DirEntry, Report, Value, Verdict, errno, json, read_dir, readdir_once, sandbox,
};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    for i in 0..12 {
        let _ = dir.create(&format!("f{i:02}"), b"");
    }
    let failed = |e| {
        let observed = json!({"fd_readdir": errno(e)});
        Report::new(
            Verdict::Violates,
            observed,
            "fd_readdir on the preopen failed",
        )
    };
    let full = read_dir(dir.fd, 4096, 0).map_err(failed)?;
    let names =
        |entries: &[DirEntry]| -> Vec<String> { entries.iter().map(|e| e.name.clone()).collect() };
    let listing = names(&full);
    if listing.iter().filter(|name| name.starts_with('f')).count() != 12 {
        let observed = json!({"entries": listing.len(), "files_listed": false});
        let note = "fd_readdir must list every entry of the directory";
        return Ok(Report::new(Verdict::Violates, observed, note));
    }
    // 32 bytes: one dirent with a name of up to 8 bytes, then a truncated one.
    let small = read_dir(dir.fd, DIRENT_SIZE + 8, 0).map(|e| names(&e));
    let middle = full.len() / 2;
    let resumed = read_dir(dir.fd, 4096, full[middle].next).map(|e| names(&e));
    let mut buf = [0u8; 256];
    let last_cookie = full[full.len() - 1].next;
    let at_end = readdir_once(dir.fd, &mut buf, last_cookie);
    let again = read_dir(dir.fd, 4096, 0).map(|e| names(&e));

    let mut unique = listing.clone();
    unique.sort_unstable();
    unique.dedup();
    let checks = [
        ("unique", unique.len() == listing.len()),
        ("small_buffer_same_listing", small.as_ref() == Ok(&listing)),
        (
            "resume_mid_listing",
            resumed.as_deref() == Ok(&listing[middle + 1..]),
        ),
        ("last_cookie_reads_nothing", at_end == Ok(0)),
        ("cookie_0_starts_over", again.as_ref() == Ok(&listing)),
    ];
    let holds = checks.iter().all(|(_, ok)| *ok);
    let mut observed: Value = checks.into_iter().collect();
    observed["entries"] = json!(full.len());
    Ok(Report::new(
        Verdict::spec(holds),
        observed,
        "d_next resumes after an entry; a full buffer may truncate its last entry; 0 is the start",
    ))
}
