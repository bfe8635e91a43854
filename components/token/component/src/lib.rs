//! The `token-verifier` world (`wit/token/token.wit`), exported by wit-bindgen. Glue only:
//! every decision is made by `token-core`.

wit_bindgen::generate!({
    path: "../../../wit/token",
    world: "token-verifier",
});

use exports::portable::token::verifier::{Guest, GuestVerifier, Verifier as VerifierHandle};
use portable::token::types::{Config, Error, ErrorCode, SkippedKey, Verified};
use token_core::ErrorCode as Code;

struct Component;

impl Guest for Component {
    type Verifier = Verifier;
}

struct Verifier(token_core::Verifier);

impl GuestVerifier for Verifier {
    fn create(config: Config) -> Result<VerifierHandle, Error> {
        let p = config.policy;
        let config = token_core::Config {
            jwks: config.jwks,
            policy: token_core::Policy {
                allowed_algorithms: p.allowed_algorithms,
                allowed_issuers: p.allowed_issuers,
                audiences: p.audiences,
                require_exp: p.require_exp,
                leeway_seconds: p.leeway_seconds,
                max_age_seconds: p.max_age_seconds,
                required_claims: p.required_claims,
                max_token_bytes: p.max_token_bytes,
            },
        };
        let verifier = token_core::Verifier::new(&config).map_err(error)?;
        Ok(VerifierHandle::new(Verifier(verifier)))
    }

    fn verify(&self, token: String, now: Option<i64>) -> Result<Verified, Error> {
        // The edge: only here does the wall clock (wasi:clocks/wall-clock) stand in for `now`.
        let now = now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
        let verified = self.0.verify(&token, now).map_err(error)?;
        Ok(Verified {
            alg: verified.alg.name().to_owned(),
            kid: verified.kid,
            claims: serde_json::Value::Object(verified.claims).to_string(),
        })
    }

    fn skipped_keys(&self) -> Vec<SkippedKey> {
        self.0
            .skipped_keys()
            .map(|s| SkippedKey {
                index: s.index,
                kid: s.kid.clone(),
                member: s.member.clone(),
                reason: s.reason.clone(),
            })
            .collect()
    }
}

fn error(e: token_core::Error) -> Error {
    let code = match e.code {
        Code::InvalidConfig => ErrorCode::InvalidConfig,
        Code::Malformed => ErrorCode::Malformed,
        Code::TooLarge => ErrorCode::TooLarge,
        Code::Unsecured => ErrorCode::Unsecured,
        Code::UnsupportedAlgorithm => ErrorCode::UnsupportedAlgorithm,
        Code::AlgorithmNotAllowed => ErrorCode::AlgorithmNotAllowed,
        Code::CriticalHeader => ErrorCode::CriticalHeader,
        Code::UnknownKey => ErrorCode::UnknownKey,
        Code::AmbiguousKey => ErrorCode::AmbiguousKey,
        Code::KeyMismatch => ErrorCode::KeyMismatch,
        Code::BadSignature => ErrorCode::BadSignature,
        Code::InvalidClaim => ErrorCode::InvalidClaim,
        Code::MissingClaim => ErrorCode::MissingClaim,
        Code::Expired => ErrorCode::Expired,
        Code::NotYetValid => ErrorCode::NotYetValid,
        Code::TooOld => ErrorCode::TooOld,
        Code::WrongIssuer => ErrorCode::WrongIssuer,
        Code::WrongAudience => ErrorCode::WrongAudience,
    };
    Error {
        code,
        message: e.message,
        field: e.field,
    }
}

export!(Component);
