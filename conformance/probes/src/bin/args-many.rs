//! 1000 arguments, `a0` to `a999`: all arrive, in order.

use wasi_probes::{Report, Verdict, args_after_program, json};

const COUNT: usize = 1000;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let args = args_after_program()?;
    let intact = args.len() == COUNT && args.iter().enumerate().all(|(i, a)| *a == format!("a{i}"));
    Ok(Report::new(
        Verdict::spec(intact),
        json!({"args": args.len(), "intact": intact}),
        "args_get returns the arguments the host was given",
    ))
}
