//! The JWKS: parsing keys once, choosing one per token, and checking a signature with it.

use ct_codecs::{Base64UrlSafeNoPadding, Decoder};
use jwt_simple::JWTError;
use jwt_simple::prelude::*;
use serde_json::{Map, Value};

use crate::{Algorithm, Error, ErrorCode};

/// The keys of one deployment.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<Key>,
}

#[derive(Debug)]
pub(crate) struct Key {
    pub(crate) kid: Option<String>,
    /// The JWK's `alg`, when it pins one.
    alg: Option<Algorithm>,
    /// False for keys marked `"use": "enc"`: never chosen to verify a signature.
    for_signatures: bool,
    material: Material,
}

enum Material {
    /// Modulus and exponent, big-endian. Built into the algorithm's key type per call,
    /// since jwt-simple has one type per RSA algorithm.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    P256(ES256PublicKey),
    P384(ES384PublicKey),
    Ed25519(Ed25519PublicKey),
    Oct(Vec<u8>),
}

impl std::fmt::Debug for Material {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Material::Rsa { .. } => "RSA",
            Material::P256(_) => "EC P-256",
            Material::P384(_) => "EC P-384",
            Material::Ed25519(_) => "OKP Ed25519",
            Material::Oct(_) => "oct",
        })
    }
}

fn config_error(index: usize, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InvalidConfig,
        format!("JWKS key {index}: {message}"),
    )
}

impl KeySet {
    /// Parses a JWKS (`{"keys": [...]}`) given as JSON text.
    pub fn parse(jwks: &str) -> Result<KeySet, Error> {
        let invalid = |m: &str| Error::new(ErrorCode::InvalidConfig, format!("JWKS: {m}"));
        let value: Value = serde_json::from_str(jwks).map_err(|e| invalid(&e.to_string()))?;
        let Some(Value::Array(entries)) = value.get("keys") else {
            return Err(invalid("expected an object with a `keys` array"));
        };
        let keys = entries
            .iter()
            .enumerate()
            .map(|(index, jwk)| match jwk {
                Value::Object(jwk) => Key::parse(jwk).map_err(|m| config_error(index, m)),
                _ => Err(config_error(index, "not a JSON object")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(KeySet { keys })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Picks the key for a token: by `kid` when the token has one, else the only key that
    /// fits the algorithm.
    pub(crate) fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Key, Error> {
        let fitting = |key: &&Key| key.fits(alg);
        match kid {
            Some(kid) => {
                let named: Vec<&Key> = self
                    .keys
                    .iter()
                    .filter(|key| key.kid.as_deref() == Some(kid))
                    .collect();
                if named.is_empty() {
                    return Err(Error::on(
                        ErrorCode::UnknownKey,
                        "kid",
                        format!("no key has kid `{kid}`"),
                    ));
                }
                let mut candidates = named.iter().copied().filter(fitting);
                match (candidates.next(), candidates.next()) {
                    (Some(key), None) => Ok(key),
                    (Some(_), Some(_)) => Err(Error::on(
                        ErrorCode::AmbiguousKey,
                        "kid",
                        format!("several {} keys have kid `{kid}`", alg.name()),
                    )),
                    (None, _) => Err(Error::on(
                        ErrorCode::KeyMismatch,
                        "kid",
                        format!(
                            "key `{kid}` is {:?}, which cannot verify {}",
                            named[0].material,
                            alg.name()
                        ),
                    )),
                }
            }
            None => {
                let mut candidates = self.keys.iter().filter(fitting);
                match (candidates.next(), candidates.next()) {
                    (Some(key), None) => Ok(key),
                    (Some(_), Some(_)) => Err(Error::on(
                        ErrorCode::AmbiguousKey,
                        "kid",
                        format!(
                            "several keys can verify {} and the token has no kid",
                            alg.name()
                        ),
                    )),
                    (None, _) => Err(Error::on(
                        ErrorCode::UnknownKey,
                        "kid",
                        format!("no key can verify {}", alg.name()),
                    )),
                }
            }
        }
    }
}

fn bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let text = match jwk.get(name) {
        Some(Value::String(text)) => text,
        Some(_) => return Err(format!("`{name}` is not a string")),
        None => return Err(format!("`{name}` is missing")),
    };
    Base64UrlSafeNoPadding::decode_to_vec(text, None)
        .map_err(|_| format!("`{name}` is not unpadded base64url"))
}

fn optional_str<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{name}` is not a string")),
    }
}

/// SEC1 uncompressed point: 0x04 || x || y, each coordinate exactly `len` bytes.
fn ec_point(jwk: &Map<String, Value>, len: usize) -> Result<Vec<u8>, String> {
    let (x, y) = (bytes(jwk, "x")?, bytes(jwk, "y")?);
    if x.len() != len || y.len() != len {
        return Err(format!("EC coordinates must be {len} bytes each"));
    }
    Ok([&[4u8][..], &x, &y].concat())
}

impl Key {
    fn parse(jwk: &Map<String, Value>) -> Result<Key, String> {
        let kid = optional_str(jwk, "kid")?.map(str::to_owned);
        let alg = optional_str(jwk, "alg")?
            .map(|name| Algorithm::from_name(name).ok_or(format!("unsupported `alg` `{name}`")))
            .transpose()?;
        let for_signatures = optional_str(jwk, "use")? != Some("enc");
        let kty = optional_str(jwk, "kty")?.ok_or("`kty` is missing")?;
        let crv = optional_str(jwk, "crv")?;
        let bad_key = |e: jwt_simple::Error| format!("invalid {kty} key: {e}");
        let material = match (kty, crv) {
            ("RSA", _) => {
                let (n, e) = (bytes(jwk, "n")?, bytes(jwk, "e")?);
                RS256PublicKey::from_components(&n, &e).map_err(bad_key)?;
                Material::Rsa { n, e }
            }
            ("EC", Some("P-256")) => {
                Material::P256(ES256PublicKey::from_bytes(&ec_point(jwk, 32)?).map_err(bad_key)?)
            }
            ("EC", Some("P-384")) => {
                Material::P384(ES384PublicKey::from_bytes(&ec_point(jwk, 48)?).map_err(bad_key)?)
            }
            ("OKP", Some("Ed25519")) => {
                Material::Ed25519(Ed25519PublicKey::from_bytes(&bytes(jwk, "x")?).map_err(bad_key)?)
            }
            ("oct", _) => {
                let k = bytes(jwk, "k")?;
                if k.is_empty() {
                    return Err("`k` is empty".into());
                }
                Material::Oct(k)
            }
            ("EC" | "OKP", curve) => {
                return Err(format!("unsupported curve {}", curve.unwrap_or("(none)")));
            }
            (other, _) => return Err(format!("unsupported key type `{other}`")),
        };
        let key = Key {
            kid,
            alg,
            for_signatures,
            material,
        };
        if let Some(alg) = key.alg
            && !key.material_fits(alg)
        {
            return Err(format!(
                "its `alg` {} does not fit a {:?} key",
                alg.name(),
                key.material
            ));
        }
        Ok(key)
    }

    fn material_fits(&self, alg: Algorithm) -> bool {
        use Algorithm::*;
        matches!(
            (alg, &self.material),
            (HS256 | HS384 | HS512, Material::Oct(_))
                | (
                    RS256 | RS384 | RS512 | PS256 | PS384 | PS512,
                    Material::Rsa { .. }
                )
                | (ES256, Material::P256(_))
                | (ES384, Material::P384(_))
                | (EdDSA, Material::Ed25519(_))
        )
    }

    fn fits(&self, alg: Algorithm) -> bool {
        self.for_signatures
            && self.alg.is_none_or(|pinned| pinned == alg)
            && self.material_fits(alg)
    }

    /// Checks the signature only. jwt-simple also parses the claims and checks times; it is
    /// given options under which its claim checks always pass, because the claims are
    /// checked afterwards by [`crate::check_claims`] with this service's exact rules.
    pub(crate) fn verify_signature(
        &self,
        alg: Algorithm,
        typ: Option<&str>,
        token: &str,
    ) -> Result<(), Error> {
        // `check_header_types` already parsed the header exactly as jwt-simple does, so
        // a JSON error reported here can only come from the claims, which jwt-simple parses
        // after the signature verified.
        let options = VerificationOptions {
            accept_future: true,
            time_tolerance: Some(Duration::from_secs(0)),
            artificial_time: Some(UnixTimeStamp::from_secs(0)),
            max_token_length: None,
            // The caller accepted `typ` already, by the RFC's rules; jwt-simple's own rule
            // is narrower (it refuses `application/jwt`), so pin it to what the token says.
            required_signature_type: typ.map(str::to_owned),
            ..VerificationOptions::default()
        };
        let options = Some(options);
        type Claims = JWTClaims<Map<String, Value>>;
        let result: Result<Claims, jwt_simple::Error> = match (&self.material, alg) {
            (Material::Oct(k), Algorithm::HS256) => {
                HS256Key::from_bytes(k).verify_token(token, options)
            }
            (Material::Oct(k), Algorithm::HS384) => {
                HS384Key::from_bytes(k).verify_token(token, options)
            }
            (Material::Oct(k), Algorithm::HS512) => {
                HS512Key::from_bytes(k).verify_token(token, options)
            }
            (Material::Rsa { n, e }, Algorithm::RS256) => RS256PublicKey::from_components(n, e)
                .and_then(|key| key.verify_token(token, options)),
            (Material::Rsa { n, e }, Algorithm::RS384) => RS384PublicKey::from_components(n, e)
                .and_then(|key| key.verify_token(token, options)),
            (Material::Rsa { n, e }, Algorithm::RS512) => RS512PublicKey::from_components(n, e)
                .and_then(|key| key.verify_token(token, options)),
            (Material::Rsa { n, e }, Algorithm::PS256) => PS256PublicKey::from_components(n, e)
                .and_then(|key| key.verify_token(token, options)),
            (Material::Rsa { n, e }, Algorithm::PS384) => PS384PublicKey::from_components(n, e)
                .and_then(|key| key.verify_token(token, options)),
            (Material::Rsa { n, e }, Algorithm::PS512) => PS512PublicKey::from_components(n, e)
                .and_then(|key| key.verify_token(token, options)),
            (Material::P256(key), Algorithm::ES256) => key.verify_token(token, options),
            (Material::P384(key), Algorithm::ES384) => key.verify_token(token, options),
            (Material::Ed25519(key), Algorithm::EdDSA) => key.verify_token(token, options),
            (material, alg) => {
                return Err(Error::new(
                    ErrorCode::KeyMismatch,
                    format!("a {material:?} key cannot verify {}", alg.name()),
                ));
            }
        };
        match result {
            Ok(_) => Ok(()),
            // Only the claims are parsed after the signature check: the signature verified.
            Err(e) if e.downcast_ref::<serde_json::Error>().is_some() => Ok(()),
            Err(e) => Err(signature_error(&e)),
        }
    }
}

/// Parses the header into jwt-simple's typed header (registered fields with their JOSE
/// types), so a header jwt-simple would refuse is `malformed` before any key is chosen.
pub(crate) fn check_header_types(token: &str) -> Result<(), Error> {
    Token::decode_metadata(token)
        .map(drop)
        .map_err(|e| header_error(&e))
}

fn header_error(e: &jwt_simple::Error) -> Error {
    match e.downcast_ref::<JWTError>() {
        Some(JWTError::HeaderTooLarge) => {
            Error::on(ErrorCode::TooLarge, "header", "the header is too large")
        }
        _ => Error::on(
            ErrorCode::Malformed,
            "header",
            format!("the header has a field of the wrong type: {e}"),
        ),
    }
}

fn signature_error(e: &jwt_simple::Error) -> Error {
    let message = match e.downcast_ref::<JWTError>() {
        Some(JWTError::InvalidSignature | JWTError::InvalidAuthenticationTag) => {
            "the signature does not verify".to_owned()
        }
        _ => format!("the signature could not be verified: {e}"),
    };
    Error::on(ErrorCode::BadSignature, "signature", message)
}
