//! The token verifier: compact JWS parsing, JWKS parsing, and the whole verify.

use std::sync::LazyLock;

use ct_codecs::{Base64UrlSafeNoPadding, Decoder, Encoder};
use serde_json::Value;
use token_core::json::{Request, Response, serve};
use token_core::{Config, Error, KeySet, Policy, Verified, Verifier};

use crate::input::{Input, text};
use crate::wit::assert_code;

/// The fixed key set: every algorithm's key (RSA, EC P-256/P-384, Ed25519, HS256/384/512).
const ALL_ALGORITHMS: &str = include_str!("../../conformance/vectors/token/all-algorithms.json");
/// A policy that checks everything (issuers, audiences, age, required claims).
const STRICT_POLICY: &str = include_str!("../../conformance/vectors/token/strict-policy.json");
/// The vectors' time.
const NOW: i64 = 1_700_000_000;

struct Fixed {
    config: Config,
    /// `strict-policy.json`'s policy, with HS256 allowed so tokens signed here get past it.
    strict: Policy,
    verifier: Verifier,
    /// The `hs256` key's secret.
    hs256: Vec<u8>,
    /// One valid token per algorithm, from the vectors.
    tokens: Vec<String>,
}

fn group(text: &str) -> Value {
    serde_json::from_str(text).expect("a vector file is JSON")
}

static FIXED: LazyLock<Fixed> = LazyLock::new(|| {
    let all = group(ALL_ALGORITHMS);
    let config: Config =
        serde_json::from_value(all["config"].clone()).expect("the vectors' config is valid");
    let mut strict: Policy =
        serde_json::from_value(group(STRICT_POLICY)["config"]["policy"].clone())
            .expect("the strict policy is valid");
    strict.allowed_algorithms.push("HS256".to_owned());
    let verifier = Verifier::new(&config).expect("the all-algorithms key set is usable");
    let keys: Value = serde_json::from_str(&config.jwks).expect("the JWKS is JSON");
    let hs256 = keys["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == "hs256"))
        .and_then(|k| k["k"].as_str())
        .map(|k| Base64UrlSafeNoPadding::decode_to_vec(k, None).expect("`k` is base64url"))
        .expect("the set has the `hs256` key");
    let tokens = all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|case| {
            case["id"]
                .as_str()
                .is_some_and(|id| id.ends_with("-valid") || id.ends_with("-valid-no-kid"))
        })
        .filter_map(|case| case["input"]["token"].as_str().map(str::to_owned))
        .collect();
    Fixed {
        config,
        strict,
        verifier,
        hs256,
        tokens,
    }
});

/// The properties of one verification: a failure carries a WIT code, a success the
/// algorithm and claims the token says.
fn check(result: &Result<Verified, Error>) {
    match result {
        // Only a token signed by one of the set's keys gets here; its claims are the
        // payload's, which the claim checks have already typed.
        Ok(_) => {}
        Err(error) => assert_code("token", error.code.as_str()),
    }
}

fn check_response(response: &Response) {
    match response {
        Response::Ok(claims) => assert!(
            token_core::Algorithm::from_name(&claims.alg).is_some(),
            "verified with an algorithm that does not exist: {}",
            claims.alg
        ),
        Response::Err(error) => assert_code("token", error.code.as_str()),
    }
    // The JSON form must serialise: it is what every form answers.
    serde_json::to_string(response).expect("a response serialises");
}

/// `token-jws`: the input is the token.
pub fn jws(data: &[u8]) {
    let Some(token) = text(data) else { return };
    check(&FIXED.verifier.verify(token, NOW));
}

/// `token-verify`: a policy byte, a time offset, then `header NUL payload`, both
/// base64url-encoded here and signed with the set's HS256 key, so the fuzzer reaches the
/// header checks after parsing and every claim check; verified through the JSON form with
/// the whole key set, as the command does.
pub fn verify(data: &[u8]) {
    check_response(&serve(&verify_request(data), || {
        unreachable!("the request has `now`")
    }));
}

/// The JSON-form request `token-verify` makes of `data`.
pub(crate) fn verify_request(data: &[u8]) -> Request {
    let mut input = Input::new(data);
    let strict = input.u8() & 1 == 1;
    let offset = i64::from(input.u16() as i16) * 60;
    let rest = input.rest();
    let (header, payload) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let token = sign(header, payload);
    let mut config = FIXED.config.clone();
    if strict {
        config.policy = FIXED.strict.clone();
    }
    Request {
        config,
        token,
        now: Some(NOW + offset),
    }
}

/// The JSON-form request `token-jws` makes of `data`: the token against the all-algorithms
/// key set at the vectors' time (`None` for bytes that are not UTF-8).
pub(crate) fn jws_request(data: &[u8]) -> Option<Request> {
    Some(Request {
        config: FIXED.config.clone(),
        token: text(data)?.to_owned(),
        now: Some(NOW),
    })
}

/// The JSON-form request `token-jwks` makes of `data`: the JWKS with the default policy, and
/// one of the vectors' valid tokens (picked by the input's length) to verify against it.
pub(crate) fn jwks_request(data: &[u8]) -> Option<Request> {
    let token = &FIXED.tokens[data.len() % FIXED.tokens.len()];
    Some(Request {
        config: Config {
            jwks: text(data)?.to_owned(),
            policy: Policy::default(),
        },
        token: token.clone(),
        now: Some(NOW),
    })
}

/// A compact JWS of `header` and `payload` with the HS256 key.
fn sign(header: &[u8], payload: &[u8]) -> String {
    let encode =
        |bytes: &[u8]| Base64UrlSafeNoPadding::encode_to_string(bytes).expect("base64 of a slice");
    let signing_input = format!("{}.{}", encode(header), encode(payload));
    let mac = hmac_sha256::HMAC::mac(signing_input.as_bytes(), &FIXED.hs256);
    format!("{signing_input}.{}", encode(&mac))
}

/// `token-jwks`: the input is a JWKS; when it is usable, the vectors' valid tokens (one
/// per algorithm) are verified against it.
pub fn jwks(data: &[u8]) {
    let Some(jwks) = text(data) else { return };
    match KeySet::parse(jwks) {
        Err(error) => assert_code("token", error.code.as_str()),
        Ok(keys) => {
            for skipped in keys.skipped() {
                serde_json::to_string(skipped).expect("a skipped key serialises");
            }
        }
    }
    let config = Config {
        jwks: jwks.to_owned(),
        policy: Policy::default(),
    };
    match Verifier::new(&config) {
        Err(error) => assert_code("token", error.code.as_str()),
        Ok(verifier) => {
            for token in &FIXED.tokens {
                check(&verifier.verify(token, NOW));
            }
        }
    }
}

/// Every token in the token vectors.
fn vector_tokens() -> Vec<String> {
    let mut tokens: Vec<String> = crate::seeds::vector_groups("token")
        .iter()
        .flat_map(|group| group["cases"].as_array().cloned().unwrap_or_default())
        .filter_map(|case| case["input"]["token"].as_str().map(str::to_owned))
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

pub fn jws_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<Vec<u8>> = vector_tokens()
        .into_iter()
        .map(String::into_bytes)
        .collect();
    seeds.extend([b"".to_vec(), b"..".to_vec(), b"e30.e30.AA".to_vec()]);
    crate::seeds::named(seeds)
}

pub fn verify_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for token in vector_tokens() {
        let mut parts = token.split('.');
        let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(header), Ok(payload)) = (
            Base64UrlSafeNoPadding::decode_to_vec(header, None),
            Base64UrlSafeNoPadding::decode_to_vec(payload, None),
        ) else {
            continue;
        };
        for policy in [0u8, 1] {
            let mut seed = vec![policy, 0, 0];
            seed.extend(&header);
            seed.push(0);
            seed.extend(&payload);
            seeds.push(seed);
        }
    }
    // A token that passes the strict policy once signed here.
    let mut strict = vec![1u8, 0, 0];
    strict.extend(br#"{"alg":"HS256","kid":"hs256","typ":"JWT"}"#);
    strict.push(0);
    strict.extend(
        br#"{"iss":"https://issuer.example","aud":["https://api.example/orders"],"sub":"u","scope":"read","exp":1700000600,"iat":1699999900,"nbf":1699999900}"#,
    );
    seeds.push(strict);
    crate::seeds::named(seeds)
}

pub fn jwks_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for group in crate::seeds::vector_groups("token") {
        let jwks = &group["config"]["jwks"];
        seeds.push(match jwks {
            Value::String(text) => text.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        });
        // Each key alone, too: small seeds mutate faster.
        if let Some(keys) = jwks["keys"].as_array() {
            for key in keys {
                seeds.push(
                    serde_json::json!({ "keys": [key] })
                        .to_string()
                        .into_bytes(),
                );
            }
        }
    }
    seeds.push(br#"{"keys":[]}"#.to_vec());
    crate::seeds::named(seeds)
}
