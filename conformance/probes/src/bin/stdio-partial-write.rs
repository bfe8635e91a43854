//! One `fd_write` of 128 KiB to stderr (more than a pipe holds): whether it is written
//! whole or short, and that looping completes it.

use wasi_probes::{Report, Verdict, json, write_all, write_once};

const LEN: usize = 128 << 10;

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let mut data = vec![b'.'; LEN];
    data[LEN - 1] = b'\n';
    let first = write_once(2, &data);
    let first_call = match first {
        Ok(n) if n == LEN => json!("whole"),
        Ok(_) => json!("short"),
        Err(e) => json!(wasi_probes::errno(e)),
    };
    let written = first.unwrap_or(0).min(LEN);
    let completed = write_all(2, &data[written..]).is_ok();
    let observed = json!({"bytes": LEN, "first_call": first_call, "completed": completed});
    if completed {
        let note = "fd_write may write less than asked (like writev); the guest loops";
        Report::info(observed, note)
    } else {
        let note = "fd_write to stderr failed before the data was written";
        Report::new(Verdict::Violates, observed, note)
    }
}
