//! The ABI of `environ_sizes_get`/`environ_get`: `NAME=value` strings, NUL-terminated,
//! filling exactly the announced size (with an empty value and an `=` in a value).

use wasi_probes::{Report, Verdict, errno, json, raw_environ};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let raw = match raw_environ() {
        Ok(raw) => raw,
        Err(e) => {
            let observed = json!({"environ_get": errno(e)});
            return Report::new(Verdict::Violates, observed, "environ_get failed");
        }
    };
    let mut items: Vec<&[u8]> = raw.items.iter().map(Vec::as_slice).collect();
    items.sort_unstable();
    let observed = json!({
        "count": raw.items.len(),
        "buf_size": raw.buf_size,
        "nul_terminated": raw.nul_terminated,
        "sizes_match": raw.sizes_match,
        "in_bounds": raw.in_bounds,
        "name_equals_value": items == [&b"A=1"[..], b"B=", b"C=x=y"],
    });
    let holds = raw.nul_terminated && raw.sizes_match && raw.in_bounds;
    Report::new(
        Verdict::spec(holds),
        observed,
        "environ_get writes pointers to NUL-terminated NAME=value strings filling the size",
    )
}
