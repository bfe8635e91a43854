//! No arguments: argv holds only argv[0] (the harness passes the probe id there).

use wasi_probes::{Report, Verdict, errno, json, raw_args};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    match raw_args() {
        Ok(raw) => {
            let argv0 = raw.items.first().map(|a| String::from_utf8_lossy(a));
            Report::info(
                json!({"argc": raw.items.len(), "argv0": argv0}),
                "argv[0] is the program name by convention; the spec leaves it to the host",
            )
        }
        Err(e) => Report::new(
            Verdict::Violates,
            json!({"args_get": errno(e)}),
            "args_get failed",
        ),
    }
}
