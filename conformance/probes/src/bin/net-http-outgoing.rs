//! Outgoing network and HTTP from a preview 1 command: a socket the host handed over
//! (scanning fds 3 to 64; stdio is the host's own business), a TCP connection and a DNS
//! lookup through std. Preview 1 has no socket creation, DNS or HTTP (wasi-http is
//! preview 2), so all should be absent.

use std::net::{TcpStream, ToSocketAddrs};

use wasi_probes::{Report, Verdict, io_outcome, is_socket, json, open_fds};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let sockets = open_fds(3..=64)
        .into_iter()
        .filter(|(_, t)| is_socket(*t))
        .count();
    let connect = TcpStream::connect(("93.184.215.14", 80));
    let resolve = ("example.com", 80).to_socket_addrs();
    let observed = json!({
        "socket_fds": sockets,
        "tcp_connect": io_outcome(&connect),
        "dns_lookup": io_outcome(&resolve),
    });
    if sockets == 0 && connect.is_err() && resolve.is_err() {
        let note = "no network in preview 1 without a preopened socket; std says Unsupported";
        Report::info(observed, note)
    } else {
        let note = "a network path exists that nobody granted";
        Report::new(Verdict::Finding, observed, note)
    }
}
