//! jco: components transpiled to JavaScript + core wasm by `@bytecodealliance/jco` and run
//! on Node with `@bytecodealliance/preview2-shim` (`drivers/jco`, installed by
//! `cargo xtask setup` with npm from the pinned package-lock.json).

use std::process::Command;

use conformance::Form;

use crate::Settings;
use crate::external::External;

pub fn target(settings: &Settings) -> External {
    let driver = settings.drivers_dir.join("jco").join("driver.mjs");
    External::new(
        "jco",
        &[Form::Component],
        "install Node.js 20+ and npm, then run `cargo xtask setup` (installs drivers/jco)",
        move || {
            let mut command = Command::new("node");
            command.arg("--no-warnings").arg(&driver);
            command
        },
    )
    .with_component_glue(concat!(env!("CARGO_MANIFEST_DIR"), "/drivers/jco/services"))
}
