//! `token-command`: the token service as a WASI preview 1 command — one JSON request
//! (`token_core::json::Request`) on stdin, one JSON response on stdout (see
//! `command_stdio`). Builds for `wasm32-wasip1` and natively.

fn main() -> std::process::ExitCode {
    command_stdio::serve("token", |request| {
        token_core::json::serve(&request, command_stdio::wall_clock)
    })
}
