//! `token-command`: reads one JSON request (`token_core::json::Request`) from stdin, writes
//! one JSON response (`{"ok": ...}` or `{"err": ...}`) to stdout and exits 0 — also when the
//! token is rejected. A request that cannot be read at all gets `{"protocol-error": "..."}`
//! and exit code 2. Builds for `wasm32-wasip1` and natively.

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = Vec::new();
    let (response, code) = match std::io::stdin().read_to_end(&mut input) {
        Err(e) => (
            protocol_error(format!("reading stdin: {e}")),
            ExitCode::from(2),
        ),
        Ok(_) => match serde_json::from_slice::<token_core::json::Request>(&input) {
            Err(e) => (
                protocol_error(format!("not a token request: {e}")),
                ExitCode::from(2),
            ),
            Ok(request) => {
                let response = token_core::json::serve(&request, wall_clock);
                (
                    serde_json::to_value(response).unwrap_or_default(),
                    ExitCode::SUCCESS,
                )
            }
        },
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{response}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::from(3);
    }
    code
}

fn protocol_error(message: String) -> serde_json::Value {
    serde_json::json!({ "protocol-error": message })
}

/// The edge: only here does the wall clock (WASI `clock_time_get`) stand in for `now`.
fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
