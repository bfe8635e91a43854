//! Deny by default: with nothing granted, no socket may be reachable: none among fds 3 to
//! 64 (stdio is the host's own business, and may well be a socket), none accepted from any
//! open descriptor, no TCP or UDP through std.

use std::net::{TcpListener, TcpStream, UdpSocket};

use wasi_probes::{Report, Value, Verdict, io_outcome, is_socket, json, open_fds, outcome};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let fds = open_fds(3..=64);
    let sockets: Vec<wasi::Fd> = fds
        .iter()
        .filter(|(_, t)| is_socket(*t))
        .map(|(fd, _)| *fd)
        .collect();
    let accepted: Vec<(String, Value)> = fds
        .iter()
        .map(|(fd, _)| {
            // SAFETY: the wrapper owns its result slot.
            let accept = unsafe { wasi::sock_accept(*fd, wasi::FDFLAGS_NONBLOCK) };
            (format!("fd {fd}"), outcome(&accept))
        })
        .collect();
    let connect = TcpStream::connect(("127.0.0.1", 9));
    let bind_udp = UdpSocket::bind(("0.0.0.0", 0));
    let listen = TcpListener::bind(("0.0.0.0", 0));
    let denied = sockets.is_empty()
        && accepted.iter().all(|(_, r)| r != "ok")
        && connect.is_err()
        && bind_udp.is_err()
        && listen.is_err();
    let observed = json!({
        "socket_fds": sockets,
        "sock_accept": accepted.into_iter().collect::<Value>(),
        "tcp_connect": io_outcome(&connect),
        "udp_bind": io_outcome(&bind_udp),
        "tcp_listen": io_outcome(&listen),
    });
    Report::new(
        Verdict::denied(denied),
        observed,
        "a guest gets sockets only from the host, and the host granted none",
    )
}
