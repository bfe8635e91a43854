//! The hidden child mode of the `harness` binary (`targets/src/child.rs`), end to end: the
//! binary itself, started as the wasm3 target starts it.

use std::path::PathBuf;
use std::process::Command;

/// A command module whose `_start` calls `proc_exit(7)`, encoded by hand (no `wat`).
fn exits_with_7() -> Vec<u8> {
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
    // body: no locals; i32.const 7; call 0; end
    let code = [0x00, 0x41, 0x07, 0x10, 0x00, 0x0b];
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

#[test]
fn the_child_runs_a_guest_and_reports_its_exit_code() {
    let dir = scratch("exit");
    let wasm = dir.join("exit.wasm");
    std::fs::write(&wasm, exits_with_7()).unwrap();
    let report = dir.join("report.json");
    let status = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["--wasm-child", "wasm3"])
        .arg(&report)
        .arg(&wasm)
        .arg("probe-command")
        .current_dir(&dir)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(7));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report, serde_json::json!({"exit": 7}));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_child_with_bad_arguments_says_how_to_call_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["--wasm-child", "no-such-engine", "r", "m.wasm"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no engine `no-such-engine`"));
}
