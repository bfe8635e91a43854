//! Token verification: compact JWS JWTs checked against a JWKS and a policy.
//!
//! This crate is the whole service. It does no I/O and never reads a clock: `now` is a
//! parameter, so the same inputs give the same answer natively and on every Wasm runtime.
//! The component, the command and the HTTP adapters are glue around [`Verifier`] and the
//! JSON form in [`json`].
//!
//! The checks run in a fixed order, so every runtime reports the same first failure:
//!
//! 1. size (`too-large`), then structure: three base64url parts, a JSON-object header with
//!    a string `alg`, string `kid`/`typ` if present, and every other registered header
//!    field of its JOSE type (`malformed`; jwt-simple types `jwk` as a string, so a token
//!    carrying an embedded JWK object is refused here — such keys are never trusted anyway);
//! 2. algorithm: `none` in any casing (`unsecured`), not implemented
//!    (`unsupported-algorithm`), not allowed by the policy (`algorithm-not-allowed`);
//! 3. `crit` present (`critical-header`), `typ` not a JWT type (`malformed`);
//! 4. key selection (`unknown-key`, `ambiguous-key`, `key-mismatch`, whose `field` names
//!    what refused the key: `kid` for a key of the wrong type, `alg` for a JWK pinned to
//!    another algorithm, or the member that made a key skipped);
//! 5. signature (`bad-signature`) — nothing in the payload is interpreted before this;
//! 6. claims: payload is a JSON object (`malformed`), registered claim types
//!    (`invalid-claim`), presence (`missing-claim`), then `exp`, `nbf`, `iat`, max age,
//!    `iss`, `aud`.
//!
//! Which keys of the JWKS can verify at all is decided once, by [`Verifier::new`]: keys that
//! can verify no algorithm implemented here (encryption keys, `key_ops` without `verify`,
//! curves and key types not implemented, RSA sizes jwt-simple refuses) are skipped and
//! reported by [`Verifier::skipped_keys`]; a key that claims a supported algorithm but is
//! broken makes the config `invalid-config`. The exact rule is in `jwks.rs`.

pub mod json;
mod jwks;

use std::fmt;

use ct_codecs::{Base64UrlSafeNoPadding, Decoder};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use jwks::{KeySet, SkippedKey};

/// Stable error codes; the WIT enum `error-code` in `wit/token/token.wit` mirrors this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    InvalidConfig,
    Malformed,
    TooLarge,
    Unsecured,
    UnsupportedAlgorithm,
    AlgorithmNotAllowed,
    CriticalHeader,
    UnknownKey,
    AmbiguousKey,
    KeyMismatch,
    BadSignature,
    InvalidClaim,
    MissingClaim,
    Expired,
    NotYetValid,
    TooOld,
    WrongIssuer,
    WrongAudience,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::InvalidConfig,
        ErrorCode::Malformed,
        ErrorCode::TooLarge,
        ErrorCode::Unsecured,
        ErrorCode::UnsupportedAlgorithm,
        ErrorCode::AlgorithmNotAllowed,
        ErrorCode::CriticalHeader,
        ErrorCode::UnknownKey,
        ErrorCode::AmbiguousKey,
        ErrorCode::KeyMismatch,
        ErrorCode::BadSignature,
        ErrorCode::InvalidClaim,
        ErrorCode::MissingClaim,
        ErrorCode::Expired,
        ErrorCode::NotYetValid,
        ErrorCode::TooOld,
        ErrorCode::WrongIssuer,
        ErrorCode::WrongAudience,
    ];

    /// The kebab-case name used in WIT, JSON and vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "invalid-config",
            ErrorCode::Malformed => "malformed",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::Unsecured => "unsecured",
            ErrorCode::UnsupportedAlgorithm => "unsupported-algorithm",
            ErrorCode::AlgorithmNotAllowed => "algorithm-not-allowed",
            ErrorCode::CriticalHeader => "critical-header",
            ErrorCode::UnknownKey => "unknown-key",
            ErrorCode::AmbiguousKey => "ambiguous-key",
            ErrorCode::KeyMismatch => "key-mismatch",
            ErrorCode::BadSignature => "bad-signature",
            ErrorCode::InvalidClaim => "invalid-claim",
            ErrorCode::MissingClaim => "missing-claim",
            ErrorCode::Expired => "expired",
            ErrorCode::NotYetValid => "not-yet-valid",
            ErrorCode::TooOld => "too-old",
            ErrorCode::WrongIssuer => "wrong-issuer",
            ErrorCode::WrongAudience => "wrong-audience",
        }
    }
}

/// A typed failure: `code` is the contract, `message` is for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// The header field or claim concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn on(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(field) = &self.field {
            write!(f, " ({field})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The algorithms this verifier implements, by JOSE name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

impl Algorithm {
    pub const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// JOSE names are case-sensitive (RFC 7515 §4.1.1): `rs256` is not `RS256`.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|alg| alg.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }
}

/// What the deployment accepts. The JSON form uses the WIT field names; every field has a
/// default, so `{}` is a valid policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default, deny_unknown_fields)]
pub struct Policy {
    pub allowed_algorithms: Vec<String>,
    pub allowed_issuers: Vec<String>,
    pub audiences: Vec<String>,
    pub require_exp: bool,
    pub leeway_seconds: u32,
    pub max_age_seconds: Option<u32>,
    pub required_claims: Vec<String>,
    pub max_token_bytes: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed_algorithms: Vec::new(),
            allowed_issuers: Vec::new(),
            audiences: Vec::new(),
            require_exp: true,
            leeway_seconds: 0,
            max_age_seconds: None,
            required_claims: Vec::new(),
            max_token_bytes: 8192,
        }
    }
}

/// The deployment config: the JWKS (JSON text) and the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// In the JSON form this may be the JWKS object itself or its JSON text.
    #[serde(deserialize_with = "json::object_or_text")]
    pub jwks: String,
    #[serde(default)]
    pub policy: Policy,
}

/// A token that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    pub alg: Algorithm,
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
}

/// A verifier for one deployment: keys parsed and policy checked once.
#[derive(Debug)]
pub struct Verifier {
    keys: KeySet,
    allowed: Vec<Algorithm>,
    policy: Policy,
}

impl Verifier {
    pub fn new(config: &Config) -> Result<Verifier, Error> {
        let keys = KeySet::parse(&config.jwks)?;
        let policy = config.policy.clone();
        let allowed = if policy.allowed_algorithms.is_empty() {
            Algorithm::ALL.to_vec()
        } else {
            policy
                .allowed_algorithms
                .iter()
                .map(|name| {
                    Algorithm::from_name(name).ok_or_else(|| {
                        Error::new(
                            ErrorCode::InvalidConfig,
                            format!("policy allows `{name}`, which is not a supported algorithm"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?
        };
        Ok(Verifier {
            keys,
            allowed,
            policy,
        })
    }

    /// The JWKS entries left out because they can verify no algorithm implemented here,
    /// in JWKS order. A deployment check should look at these: a key listed here never
    /// verifies a token.
    pub fn skipped_keys(&self) -> impl ExactSizeIterator<Item = &SkippedKey> {
        self.keys.skipped()
    }

    /// Verifies `token` at `now`, seconds since the Unix epoch.
    pub fn verify(&self, token: &str, now: i64) -> Result<Verified, Error> {
        if token.len() > self.policy.max_token_bytes as usize {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!(
                    "token is {} bytes, the limit is {}",
                    token.len(),
                    self.policy.max_token_bytes
                ),
            ));
        }
        let parts = Parts::split(token)?;
        let header = &parts.header;

        let alg = match header.get("alg") {
            Some(Value::String(name)) => name,
            Some(_) => return Err(malformed("alg", "`alg` is not a string")),
            None => return Err(malformed("alg", "header has no `alg`")),
        };
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(malformed("kid", "`kid` is not a string")),
        };
        let typ = match header.get("typ") {
            None => None,
            Some(Value::String(typ)) => Some(typ.as_str()),
            Some(_) => return Err(malformed("typ", "`typ` is not a string")),
        };
        jwks::check_header_types(token)?;

        if alg.eq_ignore_ascii_case("none") {
            return Err(Error::on(
                ErrorCode::Unsecured,
                "alg",
                "unsecured JWTs are refused",
            ));
        }
        let alg = Algorithm::from_name(alg).ok_or_else(|| {
            Error::on(
                ErrorCode::UnsupportedAlgorithm,
                "alg",
                format!("`{alg}` is not a supported algorithm"),
            )
        })?;
        if !self.allowed.contains(&alg) {
            return Err(Error::on(
                ErrorCode::AlgorithmNotAllowed,
                "alg",
                format!("the policy does not allow {}", alg.name()),
            ));
        }
        if header.contains_key("crit") {
            return Err(Error::on(
                ErrorCode::CriticalHeader,
                "crit",
                "the token requires header extensions this verifier does not understand",
            ));
        }
        if let Some(typ) = typ {
            // RFC 7515 §4.1.9: `typ` is a media type whose `application/` prefix may be
            // omitted, so `JWT` and `application/jwt` name the same type (RFC 7519 §10.3.1).
            let upper = typ.to_ascii_uppercase();
            let upper = upper.strip_prefix("APPLICATION/").unwrap_or(&upper);
            if upper != "JWT" && !upper.ends_with("+JWT") {
                return Err(malformed(
                    "typ",
                    format!("`typ` is `{typ}`, not a JWT type"),
                ));
            }
        }

        let key = self.keys.select(alg, kid)?;
        key.verify_signature(alg, typ, token)?;
        let claims = check_claims(&parts.payload, &self.policy, now)?;
        Ok(Verified {
            alg,
            kid: key.kid.clone(),
            claims,
        })
    }
}

fn malformed(field: &str, message: impl Into<String>) -> Error {
    Error::on(ErrorCode::Malformed, field, message)
}

/// The three parts of a compact JWS, decoded but not yet trusted.
struct Parts {
    header: Map<String, Value>,
    /// Raw payload bytes: only interpreted after the signature verified.
    payload: Vec<u8>,
}

impl Parts {
    fn split(token: &str) -> Result<Parts, Error> {
        let mut pieces = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (pieces.next(), pieces.next(), pieces.next(), pieces.next())
        else {
            return Err(Error::new(
                ErrorCode::Malformed,
                "a compact JWS has exactly three dot-separated parts",
            ));
        };
        let header = decode_part(header, "header")?;
        let payload = decode_part(payload, "payload")?;
        let signature = decode_part(signature, "signature")?;
        if signature.is_empty() {
            return Err(malformed("signature", "the signature is empty"));
        }
        let header = match serde_json::from_slice::<Value>(&header) {
            Ok(Value::Object(header)) => header,
            Ok(_) => return Err(malformed("header", "the header is not a JSON object")),
            Err(e) => return Err(malformed("header", format!("the header is not JSON: {e}"))),
        };
        Ok(Parts { header, payload })
    }
}

fn decode_part(part: &str, name: &str) -> Result<Vec<u8>, Error> {
    Base64UrlSafeNoPadding::decode_to_vec(part, None)
        .map_err(|_| malformed(name, format!("the {name} is not unpadded base64url")))
}

/// A NumericDate claim (RFC 7519 §2): any JSON number, fractions allowed.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>, Error> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(t) if t.is_finite() => Ok(Some(t)),
            _ => Err(invalid_claim(name, "is not a finite number")),
        },
        Some(_) => Err(invalid_claim(name, "is not a number")),
    }
}

fn invalid_claim(name: &str, what: &str) -> Error {
    Error::on(ErrorCode::InvalidClaim, name, format!("`{name}` {what}"))
}

fn check_claims(payload: &[u8], policy: &Policy, now: i64) -> Result<Map<String, Value>, Error> {
    let claims = match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(claims)) => claims,
        _ => {
            return Err(malformed(
                "payload",
                "the signature verified, but the payload is not a JSON claims set",
            ));
        }
    };

    let exp = numeric_date(&claims, "exp")?;
    let nbf = numeric_date(&claims, "nbf")?;
    let iat = numeric_date(&claims, "iat")?;
    for name in ["iss", "sub", "jti"] {
        if claims.get(name).is_some_and(|v| !v.is_string()) {
            return Err(invalid_claim(name, "is not a string"));
        }
    }
    let audiences: Option<Vec<&str>> = match claims.get("aud") {
        None => None,
        Some(Value::String(aud)) => Some(vec![aud.as_str()]),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| invalid_claim("aud", "has a non-string entry"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => return Err(invalid_claim("aud", "is neither a string nor an array")),
    };

    if policy.require_exp && exp.is_none() {
        return Err(Error::on(
            ErrorCode::MissingClaim,
            "exp",
            "the token has no `exp`",
        ));
    }
    if policy.max_age_seconds.is_some() && iat.is_none() {
        return Err(Error::on(
            ErrorCode::MissingClaim,
            "iat",
            "a maximum age is set but the token has no `iat`",
        ));
    }
    for name in &policy.required_claims {
        if !claims.contains_key(name) {
            return Err(Error::on(
                ErrorCode::MissingClaim,
                name,
                format!("the policy requires `{name}`"),
            ));
        }
    }

    // Integer seconds up to 2^53 are exact in f64, so these comparisons are exact for every
    // realistic timestamp.
    let now = now as f64;
    let leeway = f64::from(policy.leeway_seconds);
    if let Some(exp) = exp {
        // RFC 7519 §4.1.4: the current time must be before `exp`.
        if now >= exp + leeway {
            return Err(Error::on(
                ErrorCode::Expired,
                "exp",
                "the token has expired",
            ));
        }
    }
    if let Some(nbf) = nbf {
        // RFC 7519 §4.1.5: the current time must be after or equal to `nbf`.
        if now + leeway < nbf {
            return Err(Error::on(
                ErrorCode::NotYetValid,
                "nbf",
                "the token is not valid yet",
            ));
        }
    }
    if let Some(iat) = iat {
        if iat > now + leeway {
            return Err(Error::on(
                ErrorCode::NotYetValid,
                "iat",
                "the token was issued in the future",
            ));
        }
        if let Some(max_age) = policy.max_age_seconds
            && now - iat > f64::from(max_age) + leeway
        {
            return Err(Error::on(
                ErrorCode::TooOld,
                "iat",
                format!("the token is older than {max_age} s"),
            ));
        }
    }
    if !policy.allowed_issuers.is_empty() {
        match claims.get("iss").and_then(Value::as_str) {
            Some(iss) if policy.allowed_issuers.iter().any(|allowed| allowed == iss) => {}
            Some(iss) => {
                return Err(Error::on(
                    ErrorCode::WrongIssuer,
                    "iss",
                    format!("issuer `{iss}` is not allowed"),
                ));
            }
            None => {
                return Err(Error::on(
                    ErrorCode::WrongIssuer,
                    "iss",
                    "the token has no `iss`",
                ));
            }
        }
    }
    if !policy.audiences.is_empty() {
        let matched = audiences
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|aud| policy.audiences.iter().any(|ours| ours == aud));
        if !matched {
            return Err(Error::on(
                ErrorCode::WrongAudience,
                "aud",
                "the token is not meant for this audience",
            ));
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests;
