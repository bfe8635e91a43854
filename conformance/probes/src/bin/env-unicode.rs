//! Unusual environment variables arrive byte for byte: an empty value, `=` in the value,
//! multi-byte UTF-8 in name and value, spaces and a newline.

use wasi_probes::{Report, Verdict, environ_pairs, json};

/// The same pairs as this probe's `host.env` in probes.json.
const EXPECTED: [(&str, &str); 7] = [
    ("EMPTY", ""),
    ("EQUALS", "a=b=c"),
    ("UNICODE", "日本語😀"),
    ("SPACES", " a b "),
    ("NEWLINE", "x\ny"),
    ("lower_case", "v"),
    ("NAME_Ü", "ü"),
];

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let vars = environ_pairs()?;
    let missing: Vec<&str> = EXPECTED
        .iter()
        .filter(|(name, value)| !vars.iter().any(|(n, v)| n == name && v == value))
        .map(|(name, _)| *name)
        .collect();
    let observed = json!({"count": vars.len(), "intact": missing.is_empty(), "missing": missing});
    Ok(Report::new(
        Verdict::spec(missing.is_empty()),
        observed,
        "environ_get returns the variables the host was given, byte for byte",
    ))
}
