//! The token verifier's WIT world, called through wasmtime's typed bindings: JSON request in,
//! JSON response out (the same JSON form the command and the native core use).

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

wasmtime::component::bindgen!({
    path: "../../wit/token",
    world: "token-verifier",
});

use portable::token::types::{Config, Error, ErrorCode, Policy, Verified};

/// An instance of the token verifier, and its `verifier` once created.
pub struct Token {
    bindings: TokenVerifier,
    verifier: Option<ResourceAny>,
}

/// A token request in the WIT's types.
pub struct Request {
    config: Config,
    token: String,
    now: Option<i64>,
}

impl<T: 'static> crate::Guest<T> for Token {
    type Pre = TokenVerifierPre<T>;
    type Request = Request;
    type Output = Result<Verified, Error>;

    fn pre(pre: InstancePre<T>) -> anyhow::Result<Self::Pre> {
        Ok(TokenVerifierPre::new(pre)?)
    }

    fn request(json: &Value) -> anyhow::Result<Request> {
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
        Ok(Request {
            config,
            token: request.token,
            now: request.now,
        })
    }

    fn instantiate(store: &mut Store<T>, pre: &Self::Pre) -> anyhow::Result<Self> {
        Ok(Token {
            bindings: pre.instantiate(store)?,
            verifier: None,
        })
    }

    fn create(
        &mut self,
        store: &mut Store<T>,
        request: &Request,
    ) -> anyhow::Result<Result<(), Value>> {
        // A second `create` (the benchmarks time one on a warm instance) replaces the first.
        if let Some(old) = self.verifier.take() {
            old.resource_drop(&mut *store)?;
        }
        let verifier = self.bindings.portable_token_verifier().verifier();
        Ok(match verifier.call_create(store, &request.config)? {
            Ok(created) => {
                self.verifier = Some(created);
                Ok(())
            }
            Err(error) => Err(error_json(&error)),
        })
    }

    fn call(&mut self, store: &mut Store<T>, request: &Request) -> anyhow::Result<Self::Output> {
        let created = self.verifier.context("the verifier was not created")?;
        let verifier = self.bindings.portable_token_verifier().verifier();
        Ok(verifier.call_verify(store, created, &request.token, request.now)?)
    }

    fn response(output: Self::Output) -> anyhow::Result<Value> {
        Ok(match output {
            Ok(verified) => {
                let claims: Value = serde_json::from_str(&verified.claims)
                    .context("the component's claims are not JSON")?;
                json!({"ok": {"alg": verified.alg, "kid": verified.kid, "claims": claims}})
            }
            Err(error) => error_json(&error),
        })
    }
}

/// The JSON form of a refusal, as the core writes it (`token_core::Error`): an absent
/// `field` is left out, not `null`, so the component's response is the native one byte for
/// byte (found by `cargo xtask differential`).
fn error_json(error: &Error) -> Value {
    let mut err = json!({"code": code_name(error.code), "message": error.message});
    if let Some(field) = &error.field {
        err["field"] = json!(field);
    }
    json!({ "err": err })
}

fn code_name(code: ErrorCode) -> String {
    crate::wit_case_name(code)
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
                super::error_json(&wit).to_string(),
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
