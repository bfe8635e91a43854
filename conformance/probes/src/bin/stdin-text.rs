//! Reading a given stdin to its end: the exact bytes, then EOF (0), and EOF again.

use wasi_probes::{Report, Verdict, errno, json, read_once, read_to_end};

/// This probe's `host.stdin` in probes.json.
const EXPECTED: &[u8] = b"line one\nline two\n";

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let data = match read_to_end(0) {
        Ok(data) => data,
        Err(e) => {
            let observed = json!({"read": errno(e)});
            return Report::new(
                Verdict::Violates,
                observed,
                "fd_read on the given stdin failed",
            );
        }
    };
    let again = read_once(0, &mut [0u8; 16]);
    let observed = json!({
        "bytes": data.len(),
        "matches": data == EXPECTED,
        "eof_repeats": again == Ok(0),
    });
    Report::new(
        Verdict::spec(data == EXPECTED && again == Ok(0)),
        observed,
        "fd_read returns the input, then 0 at its end (like readv)",
    )
}
