//! 1000 environment variables, `K0=v0` to `K999=v999`: all arrive.

use wasi_probes::{Report, Verdict, environ_pairs, json};

const COUNT: usize = 1000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let vars = environ_pairs()?;
    let intact = (0..COUNT).all(|i| vars.contains(&(format!("K{i}"), format!("v{i}"))));
    let observed = json!({"count": vars.len(), "intact": intact});
    Ok(Report::new(
        Verdict::spec(intact),
        observed,
        "environ_get returns the variables the host was given",
    ))
}
