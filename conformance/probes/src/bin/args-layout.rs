//! The ABI of `args_sizes_get`/`args_get` with an empty argument among others: every
//! pointer leads to a NUL-terminated string inside the buffer, and the strings fill
//! exactly the announced size.

use wasi_probes::{Report, Verdict, errno, json, raw_args};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let raw = match raw_args() {
        Ok(raw) => raw,
        Err(e) => {
            let observed = json!({"args_get": errno(e)});
            return Report::new(Verdict::Violates, observed, "args_get failed");
        }
    };
    let after_program: Vec<&[u8]> = raw.items.iter().skip(1).map(Vec::as_slice).collect();
    let observed = json!({
        "argc": raw.items.len(),
        "buf_size": raw.buf_size,
        "nul_terminated": raw.nul_terminated,
        "sizes_match": raw.sizes_match,
        "in_bounds": raw.in_bounds,
        "empty_arg_kept": after_program == [&b"x"[..], b"", b"yz"],
    });
    Report::new(
        Verdict::spec(raw.nul_terminated && raw.sizes_match && raw.in_bounds),
        observed,
        "args_get writes argc pointers to NUL-terminated strings filling args_sizes_get's size",
    )
}
