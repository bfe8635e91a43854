//! The hidden child mode of the `harness` binary (`targets/src/child.rs`, the protocol in
//! `wasm-child`), end to end: the binary itself, started as the wasm3 target starts it.

use std::path::PathBuf;
use std::process::{Command, ExitStatus};

/// A command module whose `_start` calls `proc_exit(7)`, encoded by hand (no `wat`).
fn exits_with_7() -> Vec<u8> {
    // i32.const 7; call 0
    command_with_body(&[0x41, 0x07, 0x10, 0x00])
}

/// A command module importing `proc_exit` whose `_start` has `body` (no locals).
fn command_with_body(body: &[u8]) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    // types: 0 = () -> (), 1 = (i32) -> ()
    wasm.extend_from_slice(&[0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00]);
    let import = b"\x16wasi_snapshot_preview1\x09proc_exit\x00\x01";
    wasm.extend_from_slice(&[0x02, import.len() as u8 + 1, 0x01]);
    wasm.extend_from_slice(import);
    wasm.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]);
    wasm.extend_from_slice(&[0x07, 0x0a, 0x01, 0x06]);
    wasm.extend_from_slice(b"_start");
    wasm.extend_from_slice(&[0x00, 0x01]);
    let mut code = vec![0x00]; // no locals
    code.extend_from_slice(body);
    code.push(0x0b); // end
    wasm.extend_from_slice(&[0x0a, code.len() as u8 + 2, 0x01, code.len() as u8]);
    wasm.extend_from_slice(&code);
    wasm
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("harness-child-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `wasm` in a wasm3 child, as the wasm3 target does: its exit status and its report
/// (`None` when it wrote none).
fn run_in_child(name: &str, wasm: &[u8]) -> (ExitStatus, Option<serde_json::Value>) {
    let dir = scratch(name);
    let module = dir.join(format!("{name}.wasm"));
    std::fs::write(&module, wasm).unwrap();
    let report = dir.join("report.json");
    let status = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["wasm-child", "wasm3"])
        .arg(&report)
        .arg(&module)
        .arg("--")
        .arg("probe-command")
        .current_dir(&dir)
        .status()
        .unwrap();
    let report = std::fs::read_to_string(&report)
        .ok()
        .map(|text| serde_json::from_str(&text).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    (status, report)
}

#[test]
fn the_child_runs_a_guest_and_reports_its_exit_code() {
    let (status, report) = run_in_child("exit", &exits_with_7());
    assert_eq!(status.code(), Some(7));
    assert_eq!(report, Some(serde_json::json!({"exit": 7})));
}

#[test]
fn a_child_with_bad_arguments_says_how_to_call_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["wasm-child", "no-such-engine", "r", "m.wasm"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no engine `no-such-engine`"));
}

#[test]
fn a_guest_that_crashes_wasm3_costs_only_the_child() {
    // v128.const 0; drop: SIMD, which wasm3 0.4.7 does not implement. Compiling it may
    // fail cleanly or crash wasm3 (its opcode table has no 0xfd prefix); either way the
    // child says so or dies, and never reports that the guest ran.
    let mut body = vec![0xfd, 0x0c];
    body.extend_from_slice(&[0; 16]);
    body.push(0x1a);
    match run_in_child("simd", &command_with_body(&body)) {
        (_, Some(report)) => assert!(report["unrunnable"].is_string(), "{report}"),
        (status, None) => assert!(status.code().is_none(), "no report, yet {status}"),
    }
}
