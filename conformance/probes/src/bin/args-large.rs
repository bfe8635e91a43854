//! One argument of 64 KiB (`0123456789abcdef` repeated) arrives whole.

use wasi_probes::{Report, Verdict, args_after_program, json};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let expected = "0123456789abcdef".repeat(4096);
    let args = args_after_program()?;
    let intact = args == [expected];
    let length = args.first().map_or(0, String::len);
    Ok(Report::new(
        Verdict::spec(intact),
        json!({"args": args.len(), "length": length, "intact": intact}),
        "args_get returns the arguments the host was given",
    ))
}
