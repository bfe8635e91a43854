//! `sock_send` on stderr (a stream the host gave, not a socket the guest was granted): a
//! line means the runtime answered (an errno, or a write) rather than crashing.

use wasi_probes::{Report, json, outcome};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let text = b"sock_send on stderr\n";
    let from = wasi::Ciovec {
        buf: text.as_ptr(),
        buf_len: text.len(),
    };
    // SAFETY: the iovec describes a static string.
    let send = unsafe { wasi::sock_send(2, &[from], 0) };
    Report::info(
        json!({"send_on_stderr": outcome(&send)}),
        "the spec does not say how sock_send fails on a descriptor that is not a socket",
    )
}
