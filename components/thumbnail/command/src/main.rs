//! `thumbnail-command`: reads one JSON request (`thumbnail_core::json::Request`) from stdin,
//! writes one JSON response (`{"ok": ...}` or `{"err": ...}`) to stdout and exits 0 — also
//! when the image is refused. A request that cannot be read at all gets
//! `{"protocol-error": "..."}` and exit code 2. Builds for `wasm32-wasip1` and natively.

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = Vec::new();
    let (response, code) = match std::io::stdin().read_to_end(&mut input) {
        Err(e) => (
            protocol_error(format!("reading stdin: {e}")),
            ExitCode::from(2),
        ),
        Ok(_) => match serde_json::from_slice::<thumbnail_core::json::Request>(&input) {
            Err(e) => (
                protocol_error(format!("not a thumbnail request: {e}")),
                ExitCode::from(2),
            ),
            Ok(request) => {
                let response = thumbnail_core::json::serve(&request);
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
