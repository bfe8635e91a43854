//! Chicory, the pure-JVM runtime: WASI preview 1 commands, compiled to JVM bytecode at load
//! (`drivers/chicory`, built by `cargo xtask setup` with Maven).

use std::process::Command;

use conformance::Form;

use crate::Settings;
use crate::external::External;

pub fn target(settings: &Settings) -> External {
    let dir = settings.drivers_dir.join("chicory");
    let classpath = format!(
        "{}:{}",
        dir.join("chicory-driver.jar").display(),
        dir.join("lib/*").display()
    );
    External::new(
        "chicory",
        &[Form::Command],
        "install Java 17+ and Maven, then run `cargo xtask setup` (builds drivers/chicory)",
        move || {
            let mut command = Command::new("java");
            command.args(["-Xss8m", "-Xmx2g", "-cp", &classpath, "portable.Driver"]);
            command
        },
    )
    .with_settings("runtime compiler, -Xss8m -Xmx2g, thread interrupted at the deadline")
}
