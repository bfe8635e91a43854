//! The error codes each service's WIT declares, read from `wit/<service>/<service>.wit` at
//! build time: a code a target observes must be one of these (the Rust enums could drift
//! from the contract; the `targets` crate tests that they do not, this checks what inputs
//! actually reach).

use std::sync::LazyLock;

/// The cases of `enum error-code` in `wit`, in order.
fn error_codes(wit: &str) -> Vec<String> {
    let start = wit
        .find("enum error-code {")
        .expect("the WIT declares `enum error-code`");
    let body = &wit[start + "enum error-code {".len()..];
    let body = &body[..body.find('}').expect("`enum error-code` is closed")];
    body.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect()
}

static TOKEN: LazyLock<Vec<String>> =
    LazyLock::new(|| error_codes(include_str!("../../wit/token/token.wit")));
static CONFIG: LazyLock<Vec<String>> =
    LazyLock::new(|| error_codes(include_str!("../../wit/config/config.wit")));
static THUMBNAIL: LazyLock<Vec<String>> =
    LazyLock::new(|| error_codes(include_str!("../../wit/thumbnail/thumbnail.wit")));

/// The WIT error codes of `service` (`token`, `config`, `thumbnail`).
pub fn codes(service: &str) -> &'static [String] {
    match service {
        "token" => &TOKEN,
        "config" => &CONFIG,
        "thumbnail" => &THUMBNAIL,
        other => panic!("no service `{other}`"),
    }
}

/// Panics unless `code` is one of `service`'s WIT error codes.
pub fn assert_code(service: &str, code: &str) {
    assert!(
        codes(service).iter().any(|c| c == code),
        "{service}: error code `{code}` is not in the WIT enum {:?}",
        codes(service)
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_service_declares_its_codes() {
        assert_eq!(super::codes("token").len(), 18);
        assert!(super::codes("config").contains(&"parse-error".to_owned()));
        assert!(super::codes("thumbnail").contains(&"undecodable".to_owned()));
    }
}
