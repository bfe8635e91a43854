//! Thumbnailing: JPEG, PNG, WebP and GIF (first frame) in; JPEG, PNG or lossless WebP out.
//!
//! This crate is the whole service. It does no I/O: the image arrives as bytes, the output
//! leaves as bytes, and the same request gives byte-identical output on every target. The
//! component, the command and the HTTP adapters are glue around [`Thumbnailer`] and the JSON
//! form in [`json`].
//!
//! A request runs these steps in a fixed order, so every runtime reports the same first
//! failure:
//!
//! 1. the request (`invalid-request`): width and height in `1..=`[`MAX_DIMENSION`], an output
//!    format other than `gif`, a quality in `1..=100`;
//! 2. the input size against `max-input-bytes` (`too-large`);
//! 3. the format, sniffed from the first bytes — never from a name (`unsupported-format`);
//! 4. the header (`undecodable` when it is truncated or corrupt): width × height against
//!    `max-pixels`, then the EXIF orientation, the output geometry ([`plan`]; its pixels
//!    against `max-pixels` too), the decode scale (JPEG: the smallest DCT scale that
//!    leaves the resize 3× the output; if that buffer is over `max-alloc-bytes`, the
//!    smallest that covers the output) and the decode buffer against `max-alloc-bytes`
//!    (`too-large`) — all before a single pixel is decoded;
//! 5. the pixels (`undecodable`), with the decoders' own limits set as well;
//! 6. orientation, centre crop and resize, conversion to sRGB from an embedded ICC profile
//!    ([`color`]), alpha flattening (JPEG only), encoding.
//!
//! **Decode buffer** (what `max-alloc-bytes` bounds): width × height × bytes per pixel of
//! the colour type the decoder produces, at the size it decodes at. That is 1 (grey), 2
//! (grey + alpha), 3 (RGB), 4 (RGBA) or twice that for 16-bit PNGs; JPEG counts its
//! components (1 grey, 3 colour, 4 CMYK) at its DCT-scaled size; GIF decodes to RGBA.
//! Everything else the service allocates is a small multiple of that or of the output.
//!
//! **Determinism.** JPEG is decoded with jpeg-decoder's scalar, integer code and encoded
//! by jpeg-encoder without its SIMD feature; PNG, GIF and WebP decoders are integer code,
//! and lossless WebP is written by the service's own encoder ([`webp`]: image-webp's
//! wrote other bytes on wasm32 than on 64-bit hosts). Resizing is fast_image_resize's
//! fixed-point convolution with Lanczos3, whose weights come from libm's `sin` — pure
//! Rust, the same bits on every target, where `f64::sin` is the host C library's — and
//! whose SIMD paths (AVX2, SSE4.1, NEON, wasm simd128) compute the same integers as the
//! scalar one (a unit test checks this on the host). Colour conversion ([`color`]) is
//! `f64` arithmetic with libm's `pow`, rounded to 8 bits.

pub mod json;

pub mod color;
mod decode;
mod encode;
mod geometry;
mod pixels;
mod webp;

#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use geometry::{Crop, Orientation, Plan, plan};

/// The largest width or height a request may ask for (lossless WebP's limit is 16383).
pub const MAX_DIMENSION: u32 = 16383;
/// JPEG quality when the request has none.
pub const DEFAULT_QUALITY: u8 = 80;
/// What alpha is flattened onto for JPEG output when the request has no background.
pub const DEFAULT_BACKGROUND: Rgb = Rgb {
    r: 255,
    g: 255,
    b: 255,
};

/// Stable error codes; the WIT enum `error-code` in `wit/thumbnail/thumbnail.wit` mirrors
/// this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    InvalidConfig,
    InvalidRequest,
    UnsupportedFormat,
    Undecodable,
    TooLarge,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 5] = [
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidRequest,
        ErrorCode::UnsupportedFormat,
        ErrorCode::Undecodable,
        ErrorCode::TooLarge,
    ];

    /// The kebab-case name used in WIT, JSON and vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "invalid-config",
            ErrorCode::InvalidRequest => "invalid-request",
            ErrorCode::UnsupportedFormat => "unsupported-format",
            ErrorCode::Undecodable => "undecodable",
            ErrorCode::TooLarge => "too-large",
        }
    }
}

/// A typed failure: `code` is the contract, `message` is for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

fn too_large(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::TooLarge, message)
}

fn undecodable(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Undecodable, message)
}

fn invalid_request(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidRequest, message)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl ImageFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
            ImageFormat::Gif => "gif",
        }
    }

    /// The format of `bytes`, from its signature: JPEG `FF D8 FF`, PNG's 8-byte signature,
    /// `GIF87a`/`GIF89a`, or a RIFF container of type `WEBP`.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageFormat::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else {
            None
        }
    }
}

/// How the image is fitted into the requested box; the arithmetic is in [`plan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fit {
    Contain,
    Cover,
    Fill,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Limits {
    pub max_input_bytes: u32,
    pub max_pixels: u64,
    pub max_alloc_bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    pub limits: Limits,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Request {
    pub width: u32,
    pub height: u32,
    pub fit: Fit,
    pub format: ImageFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    #[serde(default)]
    pub upscale: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Rgb>,
}

/// The encoded thumbnail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// The service: limits checked once, then any number of requests.
#[derive(Clone, Debug)]
pub struct Thumbnailer {
    limits: Limits,
}

impl Thumbnailer {
    /// Every limit must be at least 1 (`invalid-config`).
    pub fn new(config: &Config) -> Result<Thumbnailer, Error> {
        let limits = config.limits;
        for (name, value) in [
            ("max-input-bytes", u64::from(limits.max_input_bytes)),
            ("max-pixels", limits.max_pixels),
            ("max-alloc-bytes", limits.max_alloc_bytes),
        ] {
            if value == 0 {
                return Err(Error::new(
                    ErrorCode::InvalidConfig,
                    format!("limits.{name} must be at least 1"),
                ));
            }
        }
        Ok(Thumbnailer { limits })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Makes the thumbnail of `image` that `request` describes.
    pub fn thumbnail(&self, image: &[u8], request: &Request) -> Result<Thumbnail, Error> {
        check_request(request)?;
        let limits = &self.limits;
        if image.len() as u64 > u64::from(limits.max_input_bytes) {
            return Err(too_large(format!(
                "the input has {} bytes; the limit is {}",
                image.len(),
                limits.max_input_bytes
            )));
        }
        let format = ImageFormat::sniff(image).ok_or_else(|| {
            Error::new(
                ErrorCode::UnsupportedFormat,
                "not a JPEG, PNG, WebP or GIF file (by its first bytes)",
            )
        })?;
        // A PNG's size is checked from its IHDR before the decoder sees it: the png crate
        // sizes its buffers in `usize`, so on 32-bit targets (wasm32) a huge image fails
        // inside the decoder ("Memory limit exceeded") where a 64-bit host gets to the
        // check below; checked first, every target gives the same answer. Found by `cargo
        // xtask differential`.
        if format == ImageFormat::Png
            && let Some((width, height)) = decode::png_dimensions(image)
        {
            check_pixels(width, height, limits)?;
        }
        let mut source = decode::Source::open(format, image, limits)?;
        let (width, height) = source.dimensions();
        check_pixels(width, height, limits)?;
        let orientation = source.orientation();
        let (ow, oh) = orientation.oriented(width, height);
        let plan = plan(
            ow,
            oh,
            request.width,
            request.height,
            request.fit,
            request.upscale,
        );
        let out_pixels = u64::from(plan.width) * u64::from(plan.height);
        if out_pixels > limits.max_pixels {
            return Err(too_large(format!(
                "the thumbnail would be {}x{} = {out_pixels} pixels; the limit is {}",
                plan.width, plan.height, limits.max_pixels
            )));
        }
        // The size the whole image needs, in stored (not displayed) orientation.
        let (need_w, need_h) = orientation.stored(plan.scaled.0, plan.scaled.1);
        source.prefer_scale(need_w, need_h, decode::RESIZE_MARGIN);
        if source.decode_bytes() > limits.max_alloc_bytes {
            // Over budget with room for the resizer: the smallest scale that covers the
            // output, softer but within the limit.
            source.prefer_scale(need_w, need_h, 1);
        }
        let buffer = source.decode_bytes();
        if buffer > limits.max_alloc_bytes {
            return Err(too_large(format!(
                "decoding needs a {buffer}-byte buffer; the limit is {}",
                limits.max_alloc_bytes
            )));
        }
        let icc = source.icc_profile().map(<[u8]>::to_vec);
        let decoded = source.decode()?;
        let conversion = color::Conversion::new(icc.as_deref(), decoded.layout);
        let oriented = pixels::orient(decoded, orientation);
        let resized = pixels::resize(oriented, &plan, (ow, oh))?;
        let (format, bytes) = encode::encode(conversion.apply(resized), request)?;
        Ok(Thumbnail {
            format,
            width: plan.width,
            height: plan.height,
            bytes,
        })
    }
}

fn check_request(request: &Request) -> Result<(), Error> {
    for (name, value) in [("width", request.width), ("height", request.height)] {
        if !(1..=MAX_DIMENSION).contains(&value) {
            return Err(invalid_request(format!(
                "{name} must be in 1..={MAX_DIMENSION}, not {value}"
            )));
        }
    }
    if request.format == ImageFormat::Gif {
        return Err(invalid_request(
            "gif is not an output format (jpeg, png or webp)",
        ));
    }
    if let Some(quality) = request.quality
        && !(1..=100).contains(&quality)
    {
        return Err(invalid_request(format!(
            "quality must be in 1..=100, not {quality}"
        )));
    }
    Ok(())
}

/// `too-large` when a `width` x `height` image has more pixels than `max-pixels`.
fn check_pixels(width: u32, height: u32, limits: &Limits) -> Result<(), Error> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(too_large(format!(
            "the image is {width}x{height} = {pixels} pixels; the limit is {}",
            limits.max_pixels
        )));
    }
    Ok(())
}
