//! The JWKS: parsing keys once, choosing one per token, and checking a signature with it.
//!
//! # Which keys verify
//!
//! Real key sets mix signature keys with keys this verifier cannot use (encryption keys,
//! curves it does not implement, key types from later drafts). One such key must not stop
//! the others from working, and a key the set *says* is for an algorithm this verifier
//! implements must not be quietly ignored when it is broken. So each entry of `keys` is
//! judged on its own, in this order, and is either refused (the whole config is
//! `invalid-config`), skipped (kept out of verification and reported in
//! [`crate::Verifier::skipped_keys`]), or used:
//!
//! 1. **Refused** if it is not a JSON object, or a member every JWK may carry has the wrong
//!    type (RFC 7517 §4): `kty` missing or not a string; `kid`, `use`, `alg` or `crv` not a
//!    string; `key_ops` not an array of strings, or listing an operation twice (§4.3). Also
//!    refused when `use` and `key_ops` are both present and disagree (§4.3: they must be
//!    consistent): `use: "sig"` needs `sign` or `verify` among the `key_ops` and no
//!    encryption operation (`encrypt`, `decrypt`, `wrapKey`, `unwrapKey`, `deriveKey`,
//!    `deriveBits`); `use: "enc"` the reverse. Other `use` values and unknown operations are
//!    not judged.
//! 2. **Skipped** if the key says it is not for verifying: `use` present and not `sig`
//!    (member `use`; values are case-sensitive), or `key_ops` present without `verify`
//!    (member `key_ops`). Nothing else about such a key is looked at.
//! 3. **Refused** if `kty` is `EC` or `OKP` without `crv`, or if its `alg` is an algorithm
//!    this verifier implements but the JOSE registry does not define that algorithm for the
//!    key's type (RFC 7518 §3.1, RFC 8037 §3.1): an `alg: "ES256"` key on P-521, an
//!    `alg: "RS256"` oct key. Such a key claims a supported algorithm and cannot be it.
//! 4. **Skipped** if its type is not implemented: a `kty` other than `RSA`, `EC`, `OKP`
//!    and `oct` (member `kty`), an EC curve other than P-256 and P-384, or an OKP curve other
//!    than Ed25519 (member `crv`: P-521, secp256k1, X25519, X448, Ed448 — also with
//!    `alg: "EdDSA"`, which RFC 8037 defines for Ed448 too).
//! 5. **Skipped** if its `alg` names an algorithm this verifier does not implement (member
//!    `alg`: `RSA-OAEP`, `ECDH-ES`, `A128KW`, `ES512`, `HS1`…).
//! 6. **Skipped** if it is an RSA key outside the sizes jwt-simple verifies with: a modulus
//!    under 2048 or over 4096 bits (member `n`), an exponent other than 65537 (member `e`).
//! 7. Otherwise the key is **used**, and its parameters must be a valid key of its type
//!    (base64url, coordinate lengths, a point on the curve, an odd modulus), or it is
//!    **refused**.
//!
//! A token never verifies with a skipped key. A token whose `kid` names one gets
//! `key-mismatch` with `field` set to the member that decided (`use`, `key_ops`, `kty`,
//! `crv`, `alg`, `n`, `e`), as it does with field `alg` for a used key whose `alg` pins
//! another algorithm; a token without `kid` only ever considers used keys.

use ct_codecs::{Base64UrlSafeNoPadding, Decoder};
use jwt_simple::JWTError;
use jwt_simple::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Algorithm, Error, ErrorCode};

/// The keys of one deployment.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<Key>,
    skipped: Vec<Skipped>,
}

/// A JWKS entry left out because it can verify no algorithm this verifier implements
/// (the rule is in the module documentation of `jwks.rs`, and in the README).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SkippedKey {
    /// Its position in the JWKS `keys` array, from 0.
    pub index: u32,
    pub kid: Option<String>,
    /// The JWK member that decided: `use`, `key_ops`, `kty`, `crv`, `alg`, `n` or `e`.
    pub member: String,
    /// Why, for people.
    pub reason: String,
}

/// A skipped key, and its key type when that is one this verifier implements (so a token
/// naming it can be told the real cause).
#[derive(Debug)]
struct Skipped {
    key: SkippedKey,
    kind: Option<Kind>,
}

#[derive(Debug)]
pub(crate) struct Key {
    pub(crate) kid: Option<String>,
    /// The JWK's `alg`, when it pins one.
    alg: Option<Algorithm>,
    material: Material,
}

/// The key types this verifier implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Rsa,
    P256,
    P384,
    Ed25519,
    Oct,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Rsa => "RSA",
            Kind::P256 => "EC P-256",
            Kind::P384 => "EC P-384",
            Kind::Ed25519 => "OKP Ed25519",
            Kind::Oct => "oct",
        }
    }

    fn fits(self, alg: Algorithm) -> bool {
        use Algorithm::*;
        matches!(
            (alg, self),
            (HS256 | HS384 | HS512, Kind::Oct)
                | (RS256 | RS384 | RS512 | PS256 | PS384 | PS512, Kind::Rsa)
                | (ES256, Kind::P256)
                | (ES384, Kind::P384)
                | (EdDSA, Kind::Ed25519)
        )
    }
}

/// What a JWK's `kty` and `crv` make of it.
enum KeyType {
    Implemented(Kind),
    /// Not implemented here: the member that says so and a description.
    Other(&'static str, String),
}

impl KeyType {
    fn of(kty: &str, crv: Option<&str>) -> Result<KeyType, String> {
        Ok(match (kty, crv) {
            ("RSA", _) => KeyType::Implemented(Kind::Rsa),
            ("oct", _) => KeyType::Implemented(Kind::Oct),
            ("EC", Some("P-256")) => KeyType::Implemented(Kind::P256),
            ("EC", Some("P-384")) => KeyType::Implemented(Kind::P384),
            ("OKP", Some("Ed25519")) => KeyType::Implemented(Kind::Ed25519),
            ("EC" | "OKP", None) => return Err(format!("`crv` is missing from an {kty} key")),
            ("EC" | "OKP", Some(crv)) => {
                KeyType::Other("crv", format!("{kty} curve `{crv}` is not implemented"))
            }
            (kty, _) => KeyType::Other("kty", format!("key type `{kty}` is not implemented")),
        })
    }

    fn implemented(self) -> Option<Kind> {
        match self {
            KeyType::Implemented(kind) => Some(kind),
            KeyType::Other(..) => None,
        }
    }
}

/// Whether the JOSE registry defines `alg` for keys of this `kty` and `crv` (RFC 7518 §3.1,
/// RFC 8037 §3.1): wider than [`Kind::fits`] only for EdDSA, which Ed448 keys may carry.
fn defined_for(alg: Algorithm, kty: &str, crv: Option<&str>) -> bool {
    use Algorithm::*;
    match alg {
        HS256 | HS384 | HS512 => kty == "oct",
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => kty == "RSA",
        ES256 => (kty, crv) == ("EC", Some("P-256")),
        ES384 => (kty, crv) == ("EC", Some("P-384")),
        EdDSA => kty == "OKP" && matches!(crv, Some("Ed25519" | "Ed448")),
    }
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

impl Material {
    fn kind(&self) -> Kind {
        match self {
            Material::Rsa { .. } => Kind::Rsa,
            Material::P256(_) => Kind::P256,
            Material::P384(_) => Kind::P384,
            Material::Ed25519(_) => Kind::Ed25519,
            Material::Oct(_) => Kind::Oct,
        }
    }
}

impl std::fmt::Debug for Material {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind().name())
    }
}

fn config_error(index: usize, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InvalidConfig,
        format!("JWKS key {index}: {message}"),
    )
}

/// One JWKS entry, judged.
enum Entry {
    Used(Key),
    Skipped(Skipped),
}

impl KeySet {
    /// Parses a JWKS (`{"keys": [...]}`) given as JSON text.
    pub fn parse(jwks: &str) -> Result<KeySet, Error> {
        let invalid = |m: &str| Error::new(ErrorCode::InvalidConfig, format!("JWKS: {m}"));
        let value: Value = serde_json::from_str(jwks).map_err(|e| invalid(&e.to_string()))?;
        let Some(Value::Array(entries)) = value.get("keys") else {
            return Err(invalid("expected an object with a `keys` array"));
        };
        let mut set = KeySet {
            keys: Vec::new(),
            skipped: Vec::new(),
        };
        for (index, jwk) in entries.iter().enumerate() {
            let Value::Object(jwk) = jwk else {
                return Err(config_error(index, "not a JSON object"));
            };
            match Entry::parse(index, jwk).map_err(|m| config_error(index, m))? {
                Entry::Used(key) => set.keys.push(key),
                Entry::Skipped(skipped) => set.skipped.push(skipped),
            }
        }
        Ok(set)
    }

    /// The keys that can verify a token.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The entries left out, in JWKS order.
    pub fn skipped(&self) -> impl ExactSizeIterator<Item = &SkippedKey> {
        self.skipped.iter().map(|s| &s.key)
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
                let named_skipped: Vec<&Skipped> = self
                    .skipped
                    .iter()
                    .filter(|s| s.key.kid.as_deref() == Some(kid))
                    .collect();
                if named.is_empty() && named_skipped.is_empty() {
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
                    (None, _) => Err(mismatch(alg, kid, &named, &named_skipped)),
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
                    (None, _) => {
                        let mut message = format!("no key can verify {}", alg.name());
                        let of_this_type = self.skipped.iter().find_map(|s| {
                            let kind = s.kind.filter(|kind| kind.fits(alg))?;
                            Some((&s.key, kind))
                        });
                        if let Some((key, kind)) = of_this_type {
                            message += &format!(
                                "; JWKS key {} ({}) is skipped: {}",
                                key.index,
                                kind.name(),
                                key.reason
                            );
                        }
                        Err(Error::on(ErrorCode::UnknownKey, "kid", message))
                    }
                }
            }
        }
    }
}

/// Why no key named `kid` can verify `alg`, as `key-mismatch` with the field that decided:
/// first a key of the right type refused by its own members (its `alg` pin; the member
/// that made it skipped), then a key of a type not implemented, then the type itself.
fn mismatch(alg: Algorithm, kid: &str, named: &[&Key], named_skipped: &[&Skipped]) -> Error {
    let pinned = named.iter().find_map(|key| {
        let pinned = key.alg?;
        key.material.kind().fits(alg).then_some(pinned)
    });
    if let Some(pinned) = pinned {
        return Error::on(
            ErrorCode::KeyMismatch,
            "alg",
            format!(
                "key `{kid}` is pinned to {} by its `alg`, so it cannot verify {}",
                pinned.name(),
                alg.name()
            ),
        );
    }
    let skipped = named_skipped
        .iter()
        .find(|s| s.kind.is_some_and(|kind| kind.fits(alg)))
        .or_else(|| named_skipped.iter().find(|s| s.kind.is_none()));
    if let Some(s) = skipped {
        return Error::on(
            ErrorCode::KeyMismatch,
            &s.key.member,
            format!("key `{kid}` is not used to verify: {}", s.key.reason),
        );
    }
    let kind = named
        .first()
        .map(|key| key.material.kind())
        .or_else(|| named_skipped.iter().find_map(|s| s.kind));
    Error::on(
        ErrorCode::KeyMismatch,
        "kid",
        format!(
            "key `{kid}` is {}, which cannot verify {}",
            kind.map_or("of another type", Kind::name),
            alg.name()
        ),
    )
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

/// `key_ops` (RFC 7517 §4.3): an array of distinct strings.
fn key_ops(jwk: &Map<String, Value>) -> Result<Option<Vec<&str>>, String> {
    let items = match jwk.get("key_ops") {
        None => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err("`key_ops` is not an array".into()),
    };
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(op) = item else {
            return Err("`key_ops` holds a value that is not a string".into());
        };
        if ops.contains(&op.as_str()) {
            return Err(format!("`key_ops` lists `{op}` twice"));
        }
        ops.push(op.as_str());
    }
    Ok(Some(ops))
}

/// The `key_ops` values of signature keys and of encryption keys (RFC 7517 §4.3).
const SIGNATURE_OPS: [&str; 2] = ["sign", "verify"];
const ENCRYPTION_OPS: [&str; 6] = [
    "encrypt",
    "decrypt",
    "wrapKey",
    "unwrapKey",
    "deriveKey",
    "deriveBits",
];

/// RFC 7517 §4.3: when both `use` and `key_ops` are present, they must agree.
fn check_use_and_key_ops(use_: Option<&str>, ops: Option<&[&str]>) -> Result<(), String> {
    let (Some(use_), Some(ops)) = (use_, ops) else {
        return Ok(());
    };
    let (ours, theirs): (&[&str], &[&str]) = match use_ {
        "sig" => (&SIGNATURE_OPS, &ENCRYPTION_OPS),
        "enc" => (&ENCRYPTION_OPS, &SIGNATURE_OPS),
        _ => return Ok(()),
    };
    if let Some(op) = ops.iter().find(|op| theirs.contains(op)) {
        return Err(format!(
            "`use` is `{use_}` but `key_ops` has `{op}`: the two must agree"
        ));
    }
    if !ops.iter().any(|op| ours.contains(op)) {
        return Err(format!(
            "`use` is `{use_}` but `key_ops` has none of {}: the two must agree",
            ours.join(", ")
        ));
    }
    Ok(())
}

/// SEC1 uncompressed point: 0x04 || x || y, each coordinate exactly `len` bytes.
fn ec_point(jwk: &Map<String, Value>, len: usize) -> Result<Vec<u8>, String> {
    let (x, y) = (bytes(jwk, "x")?, bytes(jwk, "y")?);
    if x.len() != len || y.len() != len {
        return Err(format!("EC coordinates must be {len} bytes each"));
    }
    Ok([&[4u8][..], &x, &y].concat())
}

/// The RSA sizes jwt-simple verifies with: a 2048- to 4096-bit modulus, exponent 65537.
const RSA_MODULUS_BITS: std::ops::RangeInclusive<usize> = 2048..=4096;
const RSA_EXPONENT: [u8; 3] = [1, 0, 1];

fn without_leading_zeros(x: &[u8]) -> &[u8] {
    let first = x.iter().position(|&b| b != 0).unwrap_or(x.len());
    &x[first..]
}

fn bit_length(x: &[u8]) -> usize {
    match without_leading_zeros(x) {
        [] => 0,
        [top, rest @ ..] => rest.len() * 8 + (8 - top.leading_zeros() as usize),
    }
}

impl Entry {
    /// Judges one JWK by the rule in the module documentation; `Err` refuses the config.
    fn parse(index: usize, jwk: &Map<String, Value>) -> Result<Entry, String> {
        // 1. The members every JWK may carry, and `use` against `key_ops`.
        let kty = optional_str(jwk, "kty")?.ok_or("`kty` is missing")?;
        let kid = optional_str(jwk, "kid")?.map(str::to_owned);
        let use_ = optional_str(jwk, "use")?;
        let alg_name = optional_str(jwk, "alg")?;
        let crv = optional_str(jwk, "crv")?;
        let ops = key_ops(jwk)?;
        check_use_and_key_ops(use_, ops.as_deref())?;

        let skip = |member: &str, reason: String, kind: Option<Kind>| {
            Ok(Entry::Skipped(Skipped {
                key: SkippedKey {
                    index: u32::try_from(index).unwrap_or(u32::MAX),
                    kid: kid.clone(),
                    member: member.to_owned(),
                    reason,
                },
                kind,
            }))
        };

        // 2. What the key says it is for.
        let declared = match (use_, &ops) {
            (Some(use_), _) if use_ != "sig" => {
                Some(("use", format!("its `use` is `{use_}`, not `sig`")))
            }
            (_, Some(ops)) if !ops.contains(&"verify") => Some((
                "key_ops",
                format!("its `key_ops` {ops:?} do not include `verify`"),
            )),
            _ => None,
        };
        if let Some((member, reason)) = declared {
            let kind = KeyType::of(kty, crv).ok().and_then(KeyType::implemented);
            return skip(member, reason, kind);
        }

        // 3. Its type, and an `alg` of ours that its type contradicts.
        let key_type = KeyType::of(kty, crv)?;
        let alg = alg_name.and_then(Algorithm::from_name);
        if let Some(alg) = alg
            && !defined_for(alg, kty, crv)
        {
            let what = crv.map_or(kty.to_owned(), |crv| format!("{kty} {crv}"));
            return Err(format!(
                "its `alg` {} is not defined for {what} keys",
                alg.name()
            ));
        }
        // 4. A type not implemented here.
        let kind = match key_type {
            KeyType::Implemented(kind) => kind,
            KeyType::Other(member, reason) => return skip(member, reason, None),
        };
        // 5. An algorithm not implemented here.
        if let (Some(name), None) = (alg_name, alg) {
            let reason = format!("its `alg` `{name}` is not an algorithm this verifier implements");
            return skip("alg", reason, Some(kind));
        }

        // 6 and 7: the key material.
        let bad_key = |e: jwt_simple::Error| format!("invalid {} key: {e}", kind.name());
        let material = match kind {
            Kind::Rsa => {
                let (n, e) = (bytes(jwk, "n")?, bytes(jwk, "e")?);
                let bits = bit_length(&n);
                if bits == 0 || bit_length(&e) == 0 {
                    return Err("`n` and `e` must not be zero".into());
                }
                if !RSA_MODULUS_BITS.contains(&bits) {
                    let reason = format!(
                        "its modulus has {bits} bits; this verifier takes {} to {}",
                        RSA_MODULUS_BITS.start(),
                        RSA_MODULUS_BITS.end()
                    );
                    return skip("n", reason, Some(kind));
                }
                if without_leading_zeros(&e) != RSA_EXPONENT {
                    let reason = "its exponent is not 65537, the only one this verifier takes";
                    return skip("e", reason.into(), Some(kind));
                }
                RS256PublicKey::from_components(&n, &e).map_err(bad_key)?;
                Material::Rsa { n, e }
            }
            Kind::P256 => {
                Material::P256(ES256PublicKey::from_bytes(&ec_point(jwk, 32)?).map_err(bad_key)?)
            }
            Kind::P384 => {
                Material::P384(ES384PublicKey::from_bytes(&ec_point(jwk, 48)?).map_err(bad_key)?)
            }
            Kind::Ed25519 => {
                Material::Ed25519(Ed25519PublicKey::from_bytes(&bytes(jwk, "x")?).map_err(bad_key)?)
            }
            Kind::Oct => {
                let k = bytes(jwk, "k")?;
                if k.is_empty() {
                    return Err("`k` is empty".into());
                }
                Material::Oct(k)
            }
        };
        Ok(Entry::Used(Key { kid, alg, material }))
    }
}

impl Key {
    fn fits(&self, alg: Algorithm) -> bool {
        self.alg.is_none_or(|pinned| pinned == alg) && self.material.kind().fits(alg)
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
