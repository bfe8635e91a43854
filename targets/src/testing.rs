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

/// A guest that prints the name of every preopened directory (fd 3 on, until
/// `fd_prestat_get` fails), one per line, as `fd_prestat_dir_name` gives it.
const PREOPEN_NAMES: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: prestat (name length at 4); 16: one iovec; 32: bytes written; 64: the name
  (func (export "_start") (local $fd i32) (local $len i32)
    (local.set $fd (i32.const 3))
    (block $done
      (loop $next
        (br_if $done (call $prestat (local.get $fd) (i32.const 0)))
        (local.set $len (i32.load (i32.const 4)))
        (br_if $done (i32.gt_u (local.get $len) (i32.const 1024)))
        (drop (call $name (local.get $fd) (i32.const 64) (local.get $len)))
        (i32.store8 (i32.add (i32.const 64) (local.get $len)) (i32.const 10))
        (i32.store (i32.const 16) (i32.const 64))
        (i32.store (i32.const 20) (i32.add (local.get $len) (i32.const 1)))
        (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))
        (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
        (br $next)))))"#;

/// Every in-process command runtime gives the guest its preopens under exactly the granted
/// guest paths: a probe that looks for `PROBE_DIR` must find it, or it tests nothing.
#[test]
fn preopens_reach_the_guest_under_the_granted_names() {
    use conformance::{Preopen, Target};

    let dir = scratch("preopen-names");
    let grants = ["/sandbox", "/data/inner", "relative"];
    let dirs: Vec<Preopen> = grants
        .iter()
        .enumerate()
        .map(|(i, guest)| {
            let host = dir.join(format!("host-{i}"));
            std::fs::create_dir_all(&host).unwrap();
            Preopen {
                host,
                guest: (*guest).to_owned(),
            }
        })
        .collect();
    let wasm = wat::parse_str(PREOPEN_NAMES).unwrap();
    let mut job = command_job("preopen-names", &wasm, Duration::from_secs(20));
    job.dirs = dirs;
    let settings = crate::Settings {
        cache_dir: dir.join("cache"),
        drivers_dir: dir.join("drivers"),
        tools_dir: dir.join("tools"),
        platforms_dir: dir.join("platforms"),
        wasmedge_child: None,
    };
    let targets: Vec<Box<dyn Target>> = vec![
        Box::new(crate::wasmtime::Wasmtime::new(&settings)),
        Box::new(crate::wasmer::Wasmer::new()),
        Box::new(crate::wasmi::Wasmi::new()),
    ];
    for target in targets {
        let run = target.run_command(&job).unwrap();
        assert_eq!(run.exit, Some(0), "{}: {run:?}", target.id());
        let names: Vec<&str> = run
            .stdout
            .lines()
            .map(|name| name.trim_end_matches('\0'))
            .collect();
        // wasmer-wasix always preopens its own virtual root `/` at fd 3, before the
        // grants (a known deny-by-default finding, see conformance/expectations.json).
        let expected: Vec<&str> = match target.id() {
            "wasmer" => std::iter::once("/").chain(grants).collect(),
            _ => grants.to_vec(),
        };
        assert_eq!(names, expected, "{}", target.id());
    }
}
