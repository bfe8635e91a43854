//! The socket calls preview 1 has (`sock_accept`, `sock_recv`, `sock_send`,
//! `sock_shutdown`; there is no socket creation) on a descriptor that is not open: whether
//! they exist and how they fail.

use wasi_probes::{Report, json, outcome};

/// Not open: nothing was granted.
const FD: wasi::Fd = 1234;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let mut buf = [0u8; 16];
    let into = wasi::Iovec {
        buf: buf.as_mut_ptr(),
        buf_len: buf.len(),
    };
    let text = b"x";
    let from = wasi::Ciovec {
        buf: text.as_ptr(),
        buf_len: text.len(),
    };
    // SAFETY: each call gets valid iovecs or result slots owned by the wrapper.
    let (accept, recv, send, shutdown) = unsafe {
        (
            wasi::sock_accept(FD, 0),
            wasi::sock_recv(FD, &[into], 0),
            wasi::sock_send(FD, &[from], 0),
            wasi::sock_shutdown(FD, wasi::SDFLAGS_RD | wasi::SDFLAGS_WR),
        )
    };
    Report::info(
        json!({
            "accept": outcome(&accept),
            "recv": outcome(&recv),
            "send": outcome(&send),
            "shutdown": outcome(&shutdown),
        }),
        "preview 1 can only use sockets the host preopened; the spec gives no errno here",
    )
}
