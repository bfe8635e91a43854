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
            // Node 20's `node:wasi` reaches its C++ through V8 fast API calls, and one of them
            // can start a GC mid-call (nodejs/node#46777): the driver died with SIGSEGV in
            // about half of all runs over the config vectors. Without fast calls: 0 in 20.
            command.args([
                "--no-warnings",
                "--no-turbo-fast-api-calls",
                concat!(env!("CARGO_MANIFEST_DIR"), "/drivers/node/driver.mjs"),
            ]);
            command
        },
    )
    .with_settings(
        "--no-turbo-fast-api-calls (works around nodejs/node#46777: intermittent SIGSEGV in node:wasi)",
    )
}
