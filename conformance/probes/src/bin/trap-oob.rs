//! Loads 8 bytes just past the end of linear memory: the host must see a trap. Prints
//! nothing.

use wasi_probes::{Report, json, memory_pages};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Report {
    let end = memory_pages() * 65536;
    let past_end = std::ptr::with_exposed_provenance::<u64>(end + 8);
    // SAFETY: none: the address is outside linear memory on purpose, and the engine's
    // bounds check must trap on the load.
    let value = unsafe { past_end.read_volatile() };
    Report::info(
        json!({"read": value}),
        "the out-of-bounds load should have trapped",
    )
}
