//! The token verifier's WIT world, called through wasmtime's typed bindings: JSON request in,
//! JSON response out (the same JSON form the command and the native core use).

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::InstancePre;

use super::ComponentState;

wasmtime::component::bindgen!({
    path: "../wit/token",
    world: "token-verifier",
});

use portable::token::types::{Config, Error, ErrorCode, Policy};

pub(super) fn call(
    store: &mut Store<ComponentState>,
    pre: &InstancePre<ComponentState>,
    request: &Value,
) -> anyhow::Result<Value> {
    let request: token_core::json::Request =
        serde_json::from_value(request.clone()).context("not a token request")?;
    let policy = request.config.policy;
    let config = Config {
        jwks: request.config.jwks,
        policy: Policy {
            allowed_algorithms: policy.allowed_algorithms,
            allowed_issuers: policy.allowed_issuers,
            audiences: policy.audiences,
            require_exp: policy.require_exp,
            leeway_seconds: policy.leeway_seconds,
            max_age_seconds: policy.max_age_seconds,
            required_claims: policy.required_claims,
            max_token_bytes: policy.max_token_bytes,
        },
    };
    let bindings = TokenVerifierPre::new(pre.clone())?.instantiate(&mut *store)?;
    let verifier = bindings.portable_token_verifier().verifier();
    let result = match verifier.call_create(&mut *store, &config)? {
        Ok(instance) => verifier.call_verify(&mut *store, instance, &request.token, request.now)?,
        Err(error) => Err(error),
    };
    Ok(match result {
        Ok(verified) => {
            let claims: Value = serde_json::from_str(&verified.claims)
                .context("the component's claims are not JSON")?;
            json!({"ok": {"alg": verified.alg, "kid": verified.kid, "claims": claims}})
        }
        Err(error) => error_json(&error),
    })
}

fn error_json(error: &Error) -> Value {
    json!({"err": {"code": code_name(error.code), "message": error.message, "field": error.field}})
}

fn code_name(code: ErrorCode) -> String {
    super::wit_case_name(code)
}

#[cfg(test)]
mod tests {
    use super::portable::token::types::ErrorCode as Wit;
    use token_core::ErrorCode as Core;

    /// The WIT enum and the core enum must list the same codes in the same order.
    #[test]
    fn wit_codes_match_the_core() {
        let wit = [
            Wit::InvalidConfig,
            Wit::Malformed,
            Wit::TooLarge,
            Wit::Unsecured,
            Wit::UnsupportedAlgorithm,
            Wit::AlgorithmNotAllowed,
            Wit::CriticalHeader,
            Wit::UnknownKey,
            Wit::AmbiguousKey,
            Wit::KeyMismatch,
            Wit::BadSignature,
            Wit::InvalidClaim,
            Wit::MissingClaim,
            Wit::Expired,
            Wit::NotYetValid,
            Wit::TooOld,
            Wit::WrongIssuer,
            Wit::WrongAudience,
        ];
        assert_eq!(wit.len(), Core::ALL.len());
        for (wit, core) in wit.iter().zip(Core::ALL) {
            assert_eq!(super::code_name(*wit), core.as_str());
        }
    }
}
