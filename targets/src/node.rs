//! Node.js: WASI preview 1 commands through `node:wasi` on V8 (`drivers/node/driver.mjs`).

use std::process::Command;

use conformance::Form;

use crate::external::External;

pub fn target() -> External {
    External::new(
        "node",
        &[Form::Command],
        "install Node.js 20 or newer so `node` is on PATH (e.g. `apt-get install nodejs`)",
        || {
            let mut command = Command::new("node");
            command.args([
                "--no-warnings",
                concat!(env!("CARGO_MANIFEST_DIR"), "/drivers/node/driver.mjs"),
            ]);
            command
        },
    )
}
