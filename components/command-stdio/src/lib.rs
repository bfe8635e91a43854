//! The command form of every service (`wasm32-wasip1`, and natively): read one JSON request
//! from stdin, write one JSON response (`{"ok": ...}` or `{"err": ...}`) to stdout, exit 0 —
//! also when the service refuses the input. A request that cannot be read at all gets
//! `{"protocol-error": "..."}` and exit code 2; a failed write, exit code 3.

use std::io::{Read, Write};
use std::process::ExitCode;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Serves one request of `service` with `handle`.
pub fn serve<Request, Response>(service: &str, handle: impl FnOnce(Request) -> Response) -> ExitCode
where
    Request: DeserializeOwned,
    Response: Serialize,
{
    let mut input = Vec::new();
    let (response, code) = match std::io::stdin().read_to_end(&mut input) {
        Err(e) => (
            protocol_error(format!("reading stdin: {e}")),
            ExitCode::from(2),
        ),
        Ok(_) => match serde_json::from_slice::<Request>(&input) {
            Err(e) => (
                protocol_error(format!("not a {service} request: {e}")),
                ExitCode::from(2),
            ),
            Ok(request) => (
                serde_json::to_value(handle(request)).unwrap_or_default(),
                ExitCode::SUCCESS,
            ),
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

/// The edge: only here does the wall clock (WASI `clock_time_get`) stand in for a request
/// without `now`.
pub fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
