//! Responses are compared structurally: `ok` values exactly, errors by everything but their
//! human-readable `message`.
//!
//! Binary payloads are compared by digest: in an `ok` object, a field named `bytes` that
//! holds a string (the JSON form of a WIT `list<u8>`: standard, padded base64) is replaced
//! by `"sha256": "<lower-case hex SHA-256 of the decoded bytes>"` and `"length": <decoded
//! length>`, so a vector expects `{"ok": {..., "sha256": "...", "length": n}}` instead of
//! embedding the output. A `bytes` string that is not valid base64 is left as it is (and so
//! differs from any expected digest).

use ct_codecs::{Base64, Decoder};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Drops what is not part of the contract (`err.message`) and replaces binary payloads
/// (`ok.bytes`) by their digest and length.
pub fn normalize(response: &Value) -> Value {
    let mut response = response.clone();
    if let Some(err) = response.get_mut("err").and_then(Value::as_object_mut) {
        err.remove("message");
        err.retain(|_, v| !v.is_null());
    }
    if let Some(ok) = response.get_mut("ok").and_then(Value::as_object_mut) {
        digest_bytes(ok);
    }
    response
}

/// `bytes: "<base64>"` → `sha256: "<hex>"`, `length: n`.
fn digest_bytes(object: &mut Map<String, Value>) {
    let Some(Value::String(text)) = object.get("bytes") else {
        return;
    };
    let Ok(bytes) = Base64::decode_to_vec(text, None) else {
        return;
    };
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    object.remove("bytes");
    object.insert("sha256".to_owned(), Value::from(hex));
    object.insert("length".to_owned(), Value::from(bytes.len()));
}

/// `None` when `observed` matches `expected`, else a readable diff of the two.
pub fn diff(expected: &Value, observed: &Value) -> Option<String> {
    let observed = normalize(observed);
    if *expected == observed {
        return None;
    }
    let mut lines = Vec::new();
    diff_into(expected, &observed, String::new(), &mut lines);
    Some(lines.join("\n"))
}

fn diff_into(expected: &Value, observed: &Value, path: String, out: &mut Vec<String>) {
    match (expected, observed) {
        (Value::Object(e), Value::Object(o)) => {
            for (key, ev) in e {
                let child = format!("{path}/{key}");
                match o.get(key) {
                    Some(ov) => diff_into(ev, ov, child, out),
                    None => out.push(format!("{child}: expected {ev}, missing")),
                }
            }
            for (key, ov) in o {
                if !e.contains_key(key) {
                    out.push(format!("{path}/{key}: unexpected {ov}"));
                }
            }
        }
        (Value::Array(e), Value::Array(o)) if e.len() == o.len() => {
            for (i, (ev, ov)) in e.iter().zip(o).enumerate() {
                diff_into(ev, ov, format!("{path}/{i}"), out);
            }
        }
        (e, o) if e != o => {
            let at = if path.is_empty() { "/" } else { &path };
            out.push(format!("{at}: expected {e}, observed {o}"));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_do_not_count() {
        let expected = json!({"err": {"code": "expired", "field": "exp"}});
        let observed = json!({"err": {"code": "expired", "field": "exp", "message": "anything"}});
        assert_eq!(diff(&expected, &observed), None);
    }

    #[test]
    fn a_different_code_is_a_diff() {
        let expected = json!({"err": {"code": "expired"}});
        let observed = json!({"err": {"code": "bad-signature", "message": "x"}});
        assert_eq!(
            diff(&expected, &observed).as_deref(),
            Some("/err/code: expected \"expired\", observed \"bad-signature\"")
        );
    }

    #[test]
    fn an_extra_field_is_a_diff() {
        let expected = json!({"err": {"code": "malformed"}});
        let observed = json!({"err": {"code": "malformed", "field": "header"}});
        assert_eq!(
            diff(&expected, &observed).as_deref(),
            Some("/err/field: unexpected \"header\"")
        );
    }

    #[test]
    fn ok_bytes_compare_by_digest_and_length() {
        // "abc" in base64; its SHA-256 is the FIPS 180-2 example.
        let observed = json!({"ok": {"format": "png", "width": 1, "bytes": "YWJj"}});
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(
            normalize(&observed),
            json!({"ok": {"format": "png", "width": 1, "sha256": abc, "length": 3}})
        );
        let expected = json!({"ok": {"format": "png", "width": 1, "sha256": abc, "length": 3}});
        assert_eq!(diff(&expected, &observed), None);
        let other = json!({"ok": {"format": "png", "width": 1, "bytes": "YWJk"}});
        assert!(
            diff(&expected, &other)
                .unwrap()
                .starts_with("/ok/sha256: expected")
        );
    }

    #[test]
    fn empty_and_odd_bytes() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            normalize(&json!({"ok": {"bytes": ""}})),
            json!({"ok": {"sha256": empty, "length": 0}})
        );
        // Not base64, not a string, or not in `ok`: left alone.
        for untouched in [
            json!({"ok": {"bytes": "not base64!"}}),
            json!({"ok": {"bytes": [1, 2]}}),
            json!({"ok": {"nested": {"bytes": "YWJj"}}}),
            json!({"err": {"code": "x", "bytes": "YWJj"}}),
        ] {
            let mut expected = untouched.clone();
            if let Some(err) = expected.get_mut("err").and_then(Value::as_object_mut) {
                err.remove("message");
            }
            assert_eq!(normalize(&untouched), expected);
        }
    }

    #[test]
    fn ok_values_compare_exactly() {
        let expected = json!({"ok": {"claims": {"n": 1}}});
        assert!(diff(&expected, &json!({"ok": {"claims": {"n": 1}}})).is_none());
        assert!(diff(&expected, &json!({"ok": {"claims": {"n": 1.0}}})).is_some());
        assert!(diff(&expected, &json!({"err": {"code": "x"}})).is_some());
    }
}
