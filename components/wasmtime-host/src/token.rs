//! The token verifier's world: its WIT types to and from the JSON form.

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

use crate::Host;

wasmtime::component::bindgen!({
    path: "../../wit/token",
    world: "token-verifier",
});

use portable::token::types::{Config, Error, ErrorCode, Policy, Verified};

/// The token verifier's world (`Guest<Token>`).
pub struct Token;

/// `verify`'s arguments.
pub struct Call {
    token: String,
    now: Option<i64>,
}

impl crate::World for Token {
    const RESOURCE: &'static str = "verifier";
    type Pre = TokenVerifierPre<Host>;
    type Bindings = TokenVerifier;
    type Config = Config;
    type Call = Call;
    type Ok = Verified;
    type Error = Error;

    fn pre(pre: InstancePre<Host>) -> wasmtime::Result<Self::Pre> {
        TokenVerifierPre::new(pre)
    }

    fn instantiate(pre: &Self::Pre, store: &mut Store<Host>) -> wasmtime::Result<TokenVerifier> {
        pre.instantiate(store)
    }

    fn create(
        bindings: &TokenVerifier,
        store: &mut Store<Host>,
        config: &Config,
    ) -> wasmtime::Result<Result<ResourceAny, Error>> {
        let verifier = bindings.portable_token_verifier().verifier();
        verifier.call_create(store, config)
    }

    fn call(
        bindings: &TokenVerifier,
        store: &mut Store<Host>,
        resource: ResourceAny,
        call: &Call,
    ) -> wasmtime::Result<Result<Verified, Error>> {
        let verifier = bindings.portable_token_verifier().verifier();
        verifier.call_verify(store, resource, &call.token, call.now)
    }

    fn request(json: &Value) -> anyhow::Result<(Config, Call)> {
        let request: token_core::json::Request =
            serde_json::from_value(json.clone()).context("not a token request")?;
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
        let call = Call {
            token: request.token,
            now: request.now,
        };
        Ok((config, call))
    }

    fn ok(verified: Verified) -> anyhow::Result<Value> {
        let claims: Value = serde_json::from_str(&verified.claims)
            .context("the component's claims are not JSON")?;
        Ok(json!({"alg": verified.alg, "kid": verified.kid, "claims": claims}))
    }

    /// As the core writes it (`token_core::Error`): an absent `field` is left out, not
    /// `null`, so the component's response is the native one byte for byte (found by
    /// `cargo xtask differential`).
    fn error(error: &Error) -> Value {
        let mut err = json!({"code": code_name(error.code), "message": error.message});
        if let Some(field) = &error.field {
            err["field"] = json!(field);
        }
        err
    }
}

fn code_name(code: ErrorCode) -> String {
    crate::guest::wit_case_name(code)
}

#[cfg(test)]
mod tests {
    use super::portable::token::types::ErrorCode as Wit;
    use token_core::ErrorCode as Core;

    /// A refusal's JSON form is the core's own serialisation, with and without `field`.
    #[test]
    fn errors_are_written_as_the_core_writes_them() {
        for field in [None, Some("exp".to_owned())] {
            let wit = super::Error {
                code: Wit::Expired,
                message: "m".into(),
                field: field.clone(),
            };
            let core = token_core::json::Response::Err(token_core::Error {
                code: Core::Expired,
                message: "m".into(),
                field,
            });
            assert_eq!(
                crate::guest::refusal::<super::Token>(&wit).to_string(),
                // As the command writes it (`command_stdio`: through a `Value`).
                serde_json::to_value(&core).unwrap().to_string()
            );
        }
    }

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
