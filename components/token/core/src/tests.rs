//! Unit tests for what vectors cannot reach (config errors are per group, not per case) and
//! for the JSON form. Token behaviour is covered by `conformance/vectors/token`.

use serde_json::json;

use super::*;

/// RFC 7515 Appendix A.1: the HS256 example key and token (exp 1300819380).
const RFC7515_K: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const RFC7515_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn config(keys: serde_json::Value, policy: Policy) -> Config {
    Config {
        jwks: json!({ "keys": keys }).to_string(),
        policy,
    }
}

fn config_error(config: &Config) -> String {
    let error = Verifier::new(config).expect_err("config should be refused");
    assert_eq!(error.code, ErrorCode::InvalidConfig, "{error}");
    error.message
}

#[test]
fn rfc7515_a1_verifies_before_exp_and_expires_at_exp() {
    let verifier = Verifier::new(&config(
        json!([{"kty": "oct", "k": RFC7515_K}]),
        Policy::default(),
    ))
    .unwrap();
    let verified = verifier.verify(RFC7515_TOKEN, 1_300_819_379).unwrap();
    assert_eq!(verified.alg, Algorithm::HS256);
    assert_eq!(verified.claims["iss"], "joe");
    let error = verifier.verify(RFC7515_TOKEN, 1_300_819_380).unwrap_err();
    assert_eq!(
        (error.code, error.field.as_deref()),
        (ErrorCode::Expired, Some("exp"))
    );
}

#[test]
fn jwks_must_be_a_key_set() {
    let bad = |jwks: &str| Config {
        jwks: jwks.to_owned(),
        policy: Policy::default(),
    };
    assert!(config_error(&bad("not json")).starts_with("JWKS:"));
    assert!(config_error(&bad("{}")).contains("`keys` array"));
    assert!(config_error(&bad(r#"{"keys": [1]}"#)).contains("key 0: not a JSON object"));
}

#[test]
fn unusable_keys_are_config_errors() {
    let policy = Policy::default;
    let cases = [
        (json!([{"k": "AAAA"}]), "`kty` is missing"),
        (json!([{"kty": "oct"}]), "`k` is missing"),
        (json!([{"kty": "oct", "k": ""}]), "`k` is empty"),
        (
            json!([{"kty": "oct", "k": "AA=="}]),
            "not unpadded base64url",
        ),
        (
            json!([{"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"}]),
            "unsupported curve P-521",
        ),
        (
            json!([{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]),
            "must be 32 bytes",
        ),
        (
            json!([{"kty": "OKP", "crv": "X25519", "x": "AA"}]),
            "unsupported curve X25519",
        ),
        (
            json!([{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]),
            "invalid RSA key",
        ),
        (json!([{"kty": "PGP"}]), "unsupported key type `PGP`"),
        (
            json!([{"kty": "oct", "k": RFC7515_K, "alg": "RS256"}]),
            "does not fit",
        ),
        (
            json!([{"kty": "oct", "k": RFC7515_K, "alg": "HS1"}]),
            "unsupported `alg` `HS1`",
        ),
        (
            json!([{"kty": "oct", "k": RFC7515_K, "kid": 7}]),
            "`kid` is not a string",
        ),
    ];
    for (keys, expected) in cases {
        let message = config_error(&config(keys.clone(), policy()));
        assert!(
            message.contains(expected),
            "{keys}: `{message}` lacks `{expected}`"
        );
    }
}

#[test]
fn policy_algorithms_must_be_supported() {
    let policy = Policy {
        allowed_algorithms: vec!["ES512".into()],
        ..Policy::default()
    };
    let message = config_error(&config(json!([]), policy));
    assert!(message.contains("`ES512`"), "{message}");
}

#[test]
fn algorithm_names_are_case_sensitive_and_round_trip() {
    for alg in Algorithm::ALL {
        assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
    }
    assert_eq!(Algorithm::from_name("rs256"), None);
    assert_eq!(Algorithm::from_name("ES512"), None);
}

#[test]
fn error_codes_serialize_as_their_wit_names() {
    for code in ErrorCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
    }
}

#[test]
fn policy_json_defaults_and_unknown_fields() {
    let policy: Policy = serde_json::from_value(json!({})).unwrap();
    assert_eq!(policy, Policy::default());
    assert!(policy.require_exp);
    assert!(serde_json::from_value::<Policy>(json!({"leeway": 5})).is_err());
}

#[test]
fn json_form_accepts_the_jwks_as_object_or_text() {
    let keys = json!({"keys": [{"kty": "oct", "k": RFC7515_K}]});
    for jwks in [keys.clone(), json!(keys.to_string())] {
        let request: json::Request = serde_json::from_value(json!({
            "config": {"jwks": jwks},
            "token": RFC7515_TOKEN,
            "now": 1_300_819_379,
        }))
        .unwrap();
        let response = json::serve(&request, || panic!("now was given"));
        assert!(matches!(response, json::Response::Ok(_)), "{response:?}");
    }
}

#[test]
fn the_wall_clock_is_only_read_without_now() {
    let request: json::Request = serde_json::from_value(json!({
        "config": {"jwks": {"keys": [{"kty": "oct", "k": RFC7515_K}]}},
        "token": RFC7515_TOKEN,
    }))
    .unwrap();
    let response = json::serve(&request, || 2_000_000_000);
    let json::Response::Err(error) = response else {
        panic!("expected expiry")
    };
    assert_eq!(error.code, ErrorCode::Expired);
}

#[test]
fn responses_use_the_wit_json_form() {
    let error = Error::on(ErrorCode::NotYetValid, "nbf", "later");
    let value = serde_json::to_value(json::Response::Err(error)).unwrap();
    assert_eq!(
        value,
        json!({"err": {"code": "not-yet-valid", "message": "later", "field": "nbf"}})
    );
}

/// Bad input gets a typed error, never a panic: every single-character change of a valid
/// token, and every prefix of it, is answered with `Ok` or a typed `Err`.
#[test]
fn mangled_tokens_never_panic() {
    let verifier = Verifier::new(&config(
        json!([{"kty": "oct", "k": RFC7515_K}]),
        Policy::default(),
    ))
    .unwrap();
    let token = RFC7515_TOKEN.as_bytes();
    let mut answered = 0;
    for i in 0..token.len() {
        for replacement in [b'.', b'A', b'-', b'=', b' ', b'{', 0xff] {
            let mut mangled = token.to_vec();
            mangled[i] = replacement;
            let mangled = String::from_utf8_lossy(&mangled);
            let result = verifier.verify(&mangled, 1_300_819_379);
            assert!(
                result.is_ok() == (mangled == RFC7515_TOKEN),
                "{mangled}: {result:?}"
            );
            answered += 1;
        }
        let _ = verifier.verify(&RFC7515_TOKEN[..i], 1_300_819_379);
    }
    assert!(answered > 1000);
}
