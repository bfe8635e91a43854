//! `memory.grow` past 65536 pages (4 GiB) must fail with -1 on wasm32, whatever the host
//! allows, and leave the memory as it was.

use wasi_probes::{Report, Verdict, json, memory_grow, memory_pages};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let before = memory_pages();
    let past_limit = memory_grow(65_537 - before);
    let all_bits = memory_grow(usize::MAX);
    let unchanged = memory_pages() == before;
    let observed = json!({
        "to_65537_pages": if past_limit.is_some() { "grew" } else { "-1" },
        "by_0xffffffff_pages": if all_bits.is_some() { "grew" } else { "-1" },
        "size_unchanged": unchanged,
    });
    Report::new(
        Verdict::spec(past_limit.is_none() && all_bits.is_none() && unchanged),
        observed,
        "a 32-bit memory cannot exceed 65536 pages: memory.grow returns -1 (core spec)",
    )
}
