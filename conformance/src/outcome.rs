//! Responses are compared structurally: `ok` values exactly, errors by everything but their
//! human-readable `message`.

use serde_json::Value;

/// Drops what is not part of the contract: `err.message`.
pub fn normalize(response: &Value) -> Value {
    let mut response = response.clone();
    if let Some(err) = response.get_mut("err").and_then(Value::as_object_mut) {
        err.remove("message");
        err.retain(|_, v| !v.is_null());
    }
    response
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
    fn ok_values_compare_exactly() {
        let expected = json!({"ok": {"claims": {"n": 1}}});
        assert!(diff(&expected, &json!({"ok": {"claims": {"n": 1}}})).is_none());
        assert!(diff(&expected, &json!({"ok": {"claims": {"n": 1.0}}})).is_some());
        assert!(diff(&expected, &json!({"err": {"code": "x"}})).is_some());
    }
}
