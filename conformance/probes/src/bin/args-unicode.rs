//! Unusual arguments arrive byte for byte: empty, spaces, multi-byte UTF-8, combining and
//! invisible characters, quotes, newlines, shell syntax. (Non-UTF-8 bytes are allowed by
//! the ABI but the manifest, being JSON, cannot carry them.)

use wasi_probes::{Report, Verdict, args_after_program, json};

/// The same list as this probe's `host.args` in probes.json.
const EXPECTED: [&str; 20] = [
    "",
    " ",
    "héllo",
    "日本語",
    "😀🎉",
    "e\u{301}",
    "\u{200b}",
    "a=b",
    "\"quoted\"",
    "back\\slash",
    "new\nline",
    "tab\there",
    "\u{10ffff}",
    "\u{feff}bom",
    "rtl\u{202e}txt",
    "-dash",
    "--flag=1",
    "*?[glob]",
    "$HOME",
    "semi;colon",
];

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let args = args_after_program()?;
    let mismatched: Vec<usize> = (0..EXPECTED.len().max(args.len()))
        .filter(|&i| args.get(i).map(String::as_str) != EXPECTED.get(i).copied())
        .collect();
    Ok(Report::new(
        Verdict::spec(mismatched.is_empty()),
        json!({"args": args.len(), "intact": mismatched.is_empty(), "mismatched": mismatched}),
        "args_get returns the arguments the host was given, byte for byte",
    ))
}
