//! A gather `fd_write` to stderr with four iovecs, one of them empty: the count covers all.

use wasi_probes::{Report, Verdict, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let parts: [&[u8]; 4] = [b"gather:", b"", b" a", b" bc\n"];
    let iovs = parts.map(|part| wasi::Ciovec {
        buf: part.as_ptr(),
        buf_len: part.len(),
    });
    let requested: usize = parts.iter().map(|part| part.len()).sum();
    // SAFETY: every iovec describes a live slice.
    let result = unsafe { wasi::fd_write(2, &iovs) };
    match result {
        Ok(n) if n == requested => Report::new(
            Verdict::Conforms,
            json!({"requested": requested, "written": n}),
            "fd_write gathers every iovec in order, like writev",
        ),
        Ok(n) => Report::info(
            json!({"requested": requested, "written": n}),
            "a short gather write is allowed (like writev) but unusual",
        ),
        Err(e) => Report::new(
            Verdict::Violates,
            json!({"requested": requested, "written": wasi_probes::errno(e)}),
            "fd_write with several iovecs failed",
        ),
    }
}
