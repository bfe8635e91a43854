//! `sock_recv` on stdin (not a socket; the host gives no stdin): a line means the runtime
//! answered with an errno rather than crashing.

use wasi_probes::{Report, json, outcome};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let mut buf = [0u8; 16];
    let into = wasi::Iovec {
        buf: buf.as_mut_ptr(),
        buf_len: buf.len(),
    };
    // SAFETY: the iovec describes `buf`.
    let recv = unsafe { wasi::sock_recv(0, &[into], 0) };
    Report::info(
        json!({"recv_on_stdin": outcome(&recv)}),
        "the spec does not say how sock_recv fails on a descriptor that is not a socket",
    )
}
