//! Writes at offsets: `fd_seek` then write, `fd_pwrite`/`fd_pread` (which must not move
//! the offset), a seek past the end (the gap reads as zeros), `fd_filestat_set_size`
//! (shrinks, and extends with zeros), a negative seek.

use wasi_probes::{Report, Verdict, close, json, outcome, sandbox, seek, tell, write_all};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let fd = dir.create_scratch("f.txt")?;
    let _ = write_all(fd, b"hello world");
    let _ = seek(fd, 6, wasi::WHENCE_SET);
    let _ = write_all(fd, b"WASI!");
    let overwrite = dir.read("f.txt").is_ok_and(|d| d == b"hello WASI!");

    let before = tell(fd);
    let one = wasi::Ciovec {
        buf: b"J".as_ptr(),
        buf_len: 1,
    };
    // SAFETY: the iovec describes a static byte.
    let pwrite = unsafe { wasi::fd_pwrite(fd, &[one], 0) };
    let pwrite_keeps_offset = tell(fd) == before;
    let mut five = [0u8; 5];
    let into = wasi::Iovec {
        buf: five.as_mut_ptr(),
        buf_len: five.len(),
    };
    // SAFETY: the iovec describes `five`.
    let pread = unsafe { wasi::fd_pread(fd, &[into], 6) };
    let pread_keeps_offset = tell(fd) == before;
    let positional = dir.read("f.txt").is_ok_and(|d| d == b"Jello WASI!") && &five == b"WASI!";

    let past_end = seek(fd, 10, wasi::WHENCE_END);
    let _ = write_all(fd, b"x");
    let mut expected = b"Jello WASI!".to_vec();
    expected.extend([0; 10]);
    expected.push(b'x');
    let gap_zeroed = dir.read("f.txt").is_ok_and(|d| d == expected);

    // SAFETY: no pointers cross.
    let shrink = unsafe { wasi::fd_filestat_set_size(fd, 5) };
    let shrunk = dir.read("f.txt").is_ok_and(|d| d == b"Jello");
    // SAFETY: as above.
    let _ = unsafe { wasi::fd_filestat_set_size(fd, 8) };
    let extended = dir.read("f.txt").is_ok_and(|d| d == b"Jello\0\0\0");
    let negative = seek(fd, -1, wasi::WHENCE_SET);
    let _ = close(fd);

    let observed = json!({
        "seek_then_write": overwrite,
        "pwrite": outcome(&pwrite),
        "pread": outcome(&pread),
        "positional_io": positional,
        "pwrite_keeps_offset": pwrite_keeps_offset,
        "pread_keeps_offset": pread_keeps_offset,
        "seek_past_end": past_end.ok(),
        "gap_zeroed": gap_zeroed,
        "set_size": outcome(&shrink),
        "shrunk": shrunk,
        "extended_with_zeros": extended,
        "negative_seek": outcome(&negative),
    });
    let holds = overwrite
        && positional
        && pwrite_keeps_offset
        && pread_keeps_offset
        && gap_zeroed
        && shrunk
        && extended;
    Ok(Report::new(
        Verdict::spec(holds),
        observed,
        "fd_pwrite/fd_pread leave the offset alone; set_size extends with zeros",
    ))
}
