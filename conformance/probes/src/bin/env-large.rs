//! One environment variable of 64 KiB (`0123456789abcdef` repeated) arrives whole.

use wasi_probes::{Report, Verdict, environ_pairs, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let expected = "0123456789abcdef".repeat(4096);
    let vars = environ_pairs()?;
    let value = vars
        .iter()
        .find(|(name, _)| name == "BIG")
        .map(|(_, value)| value);
    let intact = value == Some(&expected);
    let observed = json!({"length": value.map_or(0, String::len), "intact": intact});
    Ok(Report::new(
        Verdict::spec(intact),
        observed,
        "environ_get returns the variables the host was given",
    ))
}
