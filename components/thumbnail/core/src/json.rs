//! The JSON form of the service: what the command reads and writes, what vectors hold and
//! what the HTTP mapping returns. Field names are the WIT names (kebab-case); a WIT
//! `list<u8>` is a standard, padded base64 string.
//!
//! Request: `{"config": {"limits": {...}}, "image": "<base64>", "request": {"width",
//! "height", "fit", "format", "quality"?, "upscale"?, "background"?}}` — the arguments of
//! `thumbnailer.thumbnail(image, request)` by name. Response: `{"ok": {"format", "width",
//! "height", "bytes": "<base64>"}}` or `{"err": {"code", "message"}}`.

use ::base64::Engine as _;
use ::base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Config, Error, ImageFormat, Thumbnail, Thumbnailer};

/// One thumbnail request: the deployment config, the image and what to make of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Request {
    pub config: Config,
    #[serde(with = "base64")]
    pub image: Vec<u8>,
    pub request: crate::Request,
}

/// The thumbnail in JSON form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    #[serde(with = "base64")]
    pub bytes: Vec<u8>,
}

impl From<Thumbnail> for Output {
    fn from(t: Thumbnail) -> Self {
        Output {
            format: t.format,
            width: t.width,
            height: t.height,
            bytes: t.bytes,
        }
    }
}

/// `{"ok": {...}}` or `{"err": {"code", "message"}}`, the JSON form of WIT's
/// `result<thumbnail, error>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Ok(Output),
    Err(Error),
}

impl From<Result<Thumbnail, Error>> for Response {
    fn from(result: Result<Thumbnail, Error>) -> Self {
        match result {
            Ok(thumbnail) => Response::Ok(thumbnail.into()),
            Err(error) => Response::Err(error),
        }
    }
}

/// Serves one request.
pub fn serve(request: &Request) -> Response {
    Thumbnailer::new(&request.config)
        .and_then(|t| t.thumbnail(&request.image, &request.request))
        .into()
}

/// Standard base64 with padding (RFC 4648 §4), as serde `with` functions. Canonical only:
/// no missing padding, no URL-safe alphabet, no stray bits in the last character.
///
/// Image bytes are not secrets, so this is the `base64` crate's fast codec rather than a
/// constant-time one (the token verifier keeps ct-codecs): decoding a 3.9 MB JPEG's
/// 5.2 MB of text natively took 38 ms with ct-codecs and 1.9 ms with `base64`.
pub mod base64 {
    use super::*;

    pub fn encode(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    pub fn decode(text: &str) -> Result<Vec<u8>, String> {
        STANDARD
            .decode(text)
            .map_err(|e| format!("not standard base64: {e}"))
    }

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        decode(&text).map_err(serde::de::Error::custom)
    }
}
