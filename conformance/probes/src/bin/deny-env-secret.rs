//! Deny by default: the harness process has `HOST_SECRET` in its environment but grants
//! the guest none; the guest must see neither it nor any other host variable.

use wasi_probes::{Report, Verdict, environ_pairs, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let vars = environ_pairs()?;
    let secret = vars.iter().any(|(name, _)| name == "HOST_SECRET");
    let mut names: Vec<&str> = vars.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    names.truncate(20);
    let observed = json!({"host_secret_visible": secret, "count": vars.len(), "names": names});
    Ok(Report::new(
        Verdict::denied(vars.is_empty()),
        observed,
        "the environment is what the host grants; the host's own variables stay out",
    ))
}
