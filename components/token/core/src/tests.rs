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

/// A 2048-bit modulus that is even: the right size, but not an RSA modulus.
fn even_modulus() -> String {
    use ct_codecs::Encoder;
    let mut n = vec![0xc5; 256];
    n[255] = 0x02;
    ct_codecs::Base64UrlSafeNoPadding::encode_to_string(n).unwrap()
}

#[test]
fn broken_keys_and_claims_of_supported_algorithms_are_config_errors() {
    let policy = Policy::default;
    let oct = |extra: serde_json::Value| {
        let mut key = json!({"kty": "oct", "k": RFC7515_K});
        key.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!([key])
    };
    let cases = [
        (json!([{"k": "AAAA"}]), "`kty` is missing"),
        (json!([{"kty": 1}]), "`kty` is not a string"),
        (json!([{"kty": "oct"}]), "`k` is missing"),
        (json!([{"kty": "oct", "k": ""}]), "`k` is empty"),
        (
            json!([{"kty": "oct", "k": "AA=="}]),
            "not unpadded base64url",
        ),
        (
            json!([{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]),
            "must be 32 bytes",
        ),
        (
            json!([{"kty": "EC", "x": "AA", "y": "AA"}]),
            "`crv` is missing",
        ),
        (
            json!([{"kty": "OKP", "crv": 25519}]),
            "`crv` is not a string",
        ),
        (
            json!([{"kty": "RSA", "n": even_modulus(), "e": "AQAB"}]),
            "invalid RSA key",
        ),
        (
            json!([{"kty": "RSA", "n": "AA", "e": "AQAB"}]),
            "must not be zero",
        ),
        (
            oct(json!({"alg": "RS256"})),
            "`alg` RS256 is not defined for oct keys",
        ),
        (
            json!([{"kty": "EC", "crv": "P-521", "alg": "ES256", "x": "AA", "y": "AA"}]),
            "`alg` ES256 is not defined for EC P-521 keys",
        ),
        (
            json!([{"kty": "OKP", "crv": "X25519", "alg": "EdDSA", "x": "AA"}]),
            "`alg` EdDSA is not defined for OKP X25519 keys",
        ),
        (
            json!([{"kty": "PGP", "alg": "RS256"}]),
            "`alg` RS256 is not defined for PGP keys",
        ),
        (oct(json!({"kid": 7})), "`kid` is not a string"),
        (oct(json!({"use": ["sig"]})), "`use` is not a string"),
        (oct(json!({"alg": null})), "`alg` is not a string"),
        // key_ops (RFC 7517 §4.3): an array of distinct strings...
        (
            oct(json!({"key_ops": "verify"})),
            "`key_ops` is not an array",
        ),
        (oct(json!({"key_ops": ["verify", 1]})), "not a string"),
        (
            oct(json!({"key_ops": ["verify", "sign", "verify"]})),
            "lists `verify` twice",
        ),
        // ...consistent with `use` when both are present.
        (
            oct(json!({"use": "sig", "key_ops": ["encrypt"]})),
            "`use` is `sig` but `key_ops` has `encrypt`",
        ),
        (
            oct(json!({"use": "sig", "key_ops": ["verify", "wrapKey"]})),
            "`use` is `sig` but `key_ops` has `wrapKey`",
        ),
        (
            oct(json!({"use": "sig", "key_ops": []})),
            "`use` is `sig` but `key_ops` has none of sign, verify",
        ),
        (
            oct(json!({"use": "enc", "key_ops": ["encrypt", "verify"]})),
            "`use` is `enc` but `key_ops` has `verify`",
        ),
        (
            oct(json!({"use": "enc", "key_ops": ["x-custom"]})),
            "`use` is `enc` but `key_ops` has none of encrypt",
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

/// Each entry that can verify nothing implemented here, with the member that decides; the
/// RFC 7515 A.1 key among them still verifies its token.
#[test]
fn keys_that_cannot_verify_are_skipped_and_reported() {
    let keys = json!([
        {"kty": "RSA", "kid": "oaep", "use": "enc", "alg": "RSA-OAEP", "n": "AQAB", "e": "AQAB"},
        {"kty": "oct", "kid": "signer", "k": RFC7515_K, "key_ops": ["sign"]},
        {"kty": "OKP", "kid": "x25519", "crv": "X25519", "x": "AA"},
        {"kty": "OKP", "crv": "Ed448", "alg": "EdDSA", "x": "AA"},
        {"kty": "EC", "kid": "p521", "crv": "P-521", "alg": "ES512", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"},
        {"kty": "AKP", "kid": "ml-dsa", "alg": "ML-DSA-44", "pub": "AA"},
        {"kty": "oct", "kid": "wrap", "alg": "A128KW", "k": "AAAA"},
        {"kty": "RSA", "kid": "small", "n": "AQAB", "e": "AQAB"},
        {"kty": "RSA", "kid": "e3", "n": even_modulus(), "e": "Aw"},
        {"kty": "EC", "use": "enc", "x": 1},
        {"kty": "oct", "use": "SIG", "k": RFC7515_K},
        {"kty": "oct", "k": RFC7515_K, "use": "sig", "key_ops": ["verify", "x-audit"]},
    ]);
    let verifier = Verifier::new(&config(keys, Policy::default())).unwrap();
    let skipped: Vec<(u32, Option<&str>, &str)> = verifier
        .skipped_keys()
        .map(|s| (s.index, s.kid.as_deref(), s.member.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (0, Some("oaep"), "use"),
            (1, Some("signer"), "key_ops"),
            (2, Some("x25519"), "crv"),
            (3, None, "crv"),
            (4, Some("p521"), "crv"),
            (5, None, "crv"),
            (6, Some("ml-dsa"), "kty"),
            (7, Some("wrap"), "alg"),
            (8, Some("small"), "n"),
            (9, Some("e3"), "e"),
            (10, None, "use"),
            (11, None, "use"),
        ]
    );
    let reasons: Vec<&str> = verifier.skipped_keys().map(|s| s.reason.as_str()).collect();
    for (reason, expected) in reasons.iter().zip([
        "its `use` is `enc`, not `sig`",
        "its `key_ops` [\"sign\"] do not include `verify`",
        "OKP curve `X25519` is not implemented",
        "OKP curve `Ed448` is not implemented",
        "EC curve `P-521` is not implemented",
        "EC curve `secp256k1` is not implemented",
        "key type `AKP` is not implemented",
        "its `alg` `A128KW` is not an algorithm this verifier implements",
        "its modulus has 17 bits; this verifier takes 2048 to 4096",
        "its exponent is not 65537",
        "its `use` is `enc`, not `sig`",
        "its `use` is `SIG`, not `sig`",
    ]) {
        assert!(reason.contains(expected), "`{reason}` lacks `{expected}`");
    }
    // The last key, the only one used, verifies the RFC token (no kid).
    let verified = verifier.verify(RFC7515_TOKEN, 1_300_819_379).unwrap();
    assert_eq!((verified.alg, verified.kid), (Algorithm::HS256, None));
}

/// A compact JWS with this header, an empty claims set and a signature that is never
/// checked: key selection refuses these tokens before any signature work.
fn unsigned(header: serde_json::Value) -> String {
    use ct_codecs::Encoder;
    let b64 = |s: &str| ct_codecs::Base64UrlSafeNoPadding::encode_to_string(s).unwrap();
    format!("{}.{}.AAAA", b64(&header.to_string()), b64("{}"))
}

/// `key-mismatch` names what refused the key, in `field` and in the message (vectors pin
/// the field; the message is only checked here).
#[test]
fn key_mismatch_names_the_cause() {
    let keys = json!([
        {"kty": "oct", "kid": "pinned", "alg": "HS256", "k": RFC7515_K},
        {"kty": "oct", "kid": "enc", "use": "enc", "k": RFC7515_K},
        {"kty": "oct", "kid": "signer", "key_ops": ["sign"], "k": RFC7515_K},
        {"kty": "oct", "kid": "wrap", "alg": "A128KW", "k": RFC7515_K},
        {"kty": "OKP", "kid": "x25519", "crv": "X25519", "x": "AA"},
        {"kty": "oct", "kid": "shared", "k": RFC7515_K},
        {"kty": "OKP", "kid": "shared", "crv": "X448", "x": "AA"},
        {"kty": "OKP", "kid": "x448-enc", "crv": "X448", "use": "enc", "x": "AA"},
    ]);
    let verifier = Verifier::new(&config(keys, Policy::default())).unwrap();
    let cases = [
        (
            "HS384",
            "pinned",
            "alg",
            "key `pinned` is pinned to HS256 by its `alg`, so it cannot verify HS384",
        ),
        (
            "HS256",
            "enc",
            "use",
            "key `enc` is not used to verify: its `use` is `enc`, not `sig`",
        ),
        (
            "HS256",
            "signer",
            "key_ops",
            "key `signer` is not used to verify: its `key_ops` [\"sign\"] do not include `verify`",
        ),
        (
            "HS256",
            "wrap",
            "alg",
            "key `wrap` is not used to verify: its `alg` `A128KW` is not an algorithm this verifier implements",
        ),
        (
            "EdDSA",
            "x25519",
            "crv",
            "key `x25519` is not used to verify: OKP curve `X25519` is not implemented",
        ),
        (
            "RS256",
            "pinned",
            "kid",
            "key `pinned` is oct, which cannot verify RS256",
        ),
        // An RSA token naming an oct and an X448 key: the key of a type not implemented
        // is the better answer than "oct cannot verify RS256".
        (
            "RS256",
            "shared",
            "crv",
            "key `shared` is not used to verify: OKP curve `X448` is not implemented",
        ),
        // A skipped key reports the member that skipped it first: `use` before its curve.
        (
            "HS256",
            "x448-enc",
            "use",
            "key `x448-enc` is not used to verify: its `use` is `enc`, not `sig`",
        ),
    ];
    for (alg, kid, field, message) in cases {
        let error = verifier
            .verify(&unsigned(json!({"alg": alg, "kid": kid})), 0)
            .unwrap_err();
        assert_eq!(
            (error.code, error.field.as_deref(), error.message.as_str()),
            (ErrorCode::KeyMismatch, Some(field), message),
            "{alg} {kid}"
        );
    }
    // Without kid only used keys are candidates: for HS512 that is `shared` alone (the
    // skipped oct keys would make it ambiguous), whose signature check then fails.
    let error = verifier
        .verify(&unsigned(json!({"alg": "HS512"})), 0)
        .unwrap_err();
    assert_eq!(
        (error.code, error.field.as_deref()),
        (ErrorCode::BadSignature, Some("signature"))
    );
    // With no used key of the type, the message points at a skipped one.
    let only_enc = json!([{"kty": "oct", "use": "enc", "k": RFC7515_K}]);
    let verifier = Verifier::new(&config(only_enc, Policy::default())).unwrap();
    let error = verifier.verify(RFC7515_TOKEN, 1_300_819_379).unwrap_err();
    assert_eq!(
        (error.code, error.field.as_deref(), error.message.as_str()),
        (
            ErrorCode::UnknownKey,
            Some("kid"),
            "no key can verify HS256; JWKS key 0 (oct) is skipped: its `use` is `enc`, not `sig`"
        )
    );
}

/// RFC 7517 §4.3: a key whose `key_ops` lack `verify` never verifies, even a signature it
/// would accept; with `verify` among them (and other values) it does.
#[test]
fn key_ops_without_verify_never_verify() {
    let with_ops = |ops: serde_json::Value| {
        Verifier::new(&config(
            json!([{"kty": "oct", "k": RFC7515_K, "key_ops": ops}]),
            Policy::default(),
        ))
        .unwrap()
        .verify(RFC7515_TOKEN, 1_300_819_379)
        .map(|v| v.alg)
        .map_err(|e| e.code)
    };
    assert_eq!(with_ops(json!(["verify"])), Ok(Algorithm::HS256));
    assert_eq!(
        with_ops(json!(["sign", "verify", "x-audit"])),
        Ok(Algorithm::HS256)
    );
    for ops in [
        json!(["sign"]),
        json!(["encrypt"]),
        json!([]),
        json!(["Verify"]),
    ] {
        assert_eq!(with_ops(ops.clone()), Err(ErrorCode::UnknownKey), "{ops}");
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
