//! `thumbnail-command`: the thumbnail service as a WASI preview 1 command — one JSON request
//! (`thumbnail_core::json::Request`) on stdin, one JSON response on stdout (see
//! `command_stdio`). Builds for `wasm32-wasip1` and natively.

fn main() -> std::process::ExitCode {
    command_stdio::serve("thumbnail", |request| thumbnail_core::json::serve(&request))
}
