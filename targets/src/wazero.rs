//! wazero, the pure-Go runtime: WASI preview 1 commands (`drivers/wazero`, built by
//! `cargo xtask setup` with the Go toolchain; compiled modules cached on disk).

use std::process::Command;

use conformance::Form;

use crate::Settings;
use crate::external::External;

pub fn target(settings: &Settings) -> External {
    let binary = settings.drivers_dir.join("wazero-driver");
    let cache = settings.cache_dir.join("wazero");
    External::new(
        "wazero",
        &[Form::Command],
        "install Go 1.25 or newer, then run `cargo xtask setup` (builds drivers/wazero)",
        move || {
            let mut command = Command::new(&binary);
            command.env("WAZERO_CACHE_DIR", &cache);
            command
        },
    )
    .with_settings(
        "compiler, 512 MiB memory cap, context deadline, compilation cache, host clocks, sleep \
         and crypto/rand (not wazero's deterministic defaults)",
    )
}
