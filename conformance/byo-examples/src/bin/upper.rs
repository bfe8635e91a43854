//! Copies stdin to stdout in upper case (Unicode's full mapping, so `ß` becomes `SS`).

use std::io::{Read, Write};

fn main() {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("upper: reading stdin: {e}");
        std::process::exit(1);
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.to_uppercase().as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("upper: writing stdout: {e}");
        std::process::exit(1);
    }
}
