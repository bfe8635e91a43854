//! Test support shared by the targets' own tests: tiny hand-written guests.

use std::path::PathBuf;
use std::time::Duration;

use conformance::CommandJob;

/// A scratch directory for one test's files.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("targets-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A command job for `wasm` (binary or WAT text, as the runtime accepts), written to disk,
/// with `{}` on stdin.
pub(crate) fn command_job(name: &str, wasm: &[u8], timeout: Duration) -> CommandJob {
    let path = scratch(name).join(format!("{name}.wasm"));
    std::fs::write(&path, wasm).unwrap();
    CommandJob {
        wasm: path,
        args: vec![name.to_owned()],
        stdin: Some("{}".to_owned()),
        timeout,
        ..CommandJob::default()
    }
}

/// Fails unless Cargo.lock pins `package` at `version`: what a target reports as its
/// runtime's version must be the one linked.
pub(crate) fn assert_locked(package: &str, version: &str) {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
    let entry = format!("name = \"{package}\"\nversion = \"{version}\"");
    assert!(
        lock.contains(&entry),
        "Cargo.lock has another {package} than {version}"
    );
}
