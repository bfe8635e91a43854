//! The thumbnailer: sniffing, headers and limits; each format's decoder under tight
//! limits; the whole request.

use thumbnail_core::json::{Request as JsonRequest, Response, serve};
use thumbnail_core::{
    Config, Error, Fit, ImageFormat, Limits, MAX_DIMENSION, Request, Rgb, Thumbnail, Thumbnailer,
};

use crate::alloc::Budget;
use crate::input::Input;
use crate::wit::assert_code;

/// The peak heap one request may hold: the decode buffer (`max-alloc-bytes`) and the
/// output (at most `max-pixels`, four bytes each) a few times over, the input twice, and
/// a constant for the codecs' own tables. The crate's doc promises "a small multiple"
/// of the first two.
fn budget(limits: &Limits, input: usize) -> Budget {
    let scaled = limits
        .max_alloc_bytes
        .saturating_add(limits.max_pixels.saturating_mul(4))
        .saturating_mul(8);
    let bytes = usize::try_from(scaled)
        .unwrap_or(usize::MAX)
        .saturating_add(2 * input)
        .saturating_add(16 << 20);
    Budget::start(bytes)
}

fn check(result: &Result<Thumbnail, Error>, request: &Request, limits: &Limits) {
    match result {
        Err(error) => assert_code("thumbnail", error.code.as_str()),
        Ok(thumbnail) => {
            assert_eq!(thumbnail.format, request.format, "the output's format");
            assert_eq!(
                ImageFormat::sniff(&thumbnail.bytes),
                Some(request.format),
                "the output's bytes are not what its format says"
            );
            assert!(
                (1..=MAX_DIMENSION).contains(&thumbnail.width)
                    && (1..=MAX_DIMENSION).contains(&thumbnail.height),
                "a {}x{} thumbnail",
                thumbnail.width,
                thumbnail.height
            );
            let pixels = u64::from(thumbnail.width) * u64::from(thumbnail.height);
            assert!(
                pixels <= limits.max_pixels,
                "a {pixels}-pixel thumbnail under max-pixels {}",
                limits.max_pixels
            );
        }
    }
}

fn run(image: &[u8], limits: Limits, request: &Request) {
    let thumbnailer = Thumbnailer::new(&Config { limits }).expect("the limits are valid");
    let budget = budget(&limits, image.len());
    let result = thumbnailer.thumbnail(image, request);
    budget.check("thumbnailing");
    check(&result, request, &limits);
}

/// `thumbnail-header`: any bytes, with a one-byte decode budget, so every image stops at
/// the buffer check: the fuzzer explores sniffing, each format's header and EXIF, the
/// geometry and every limit before it, and never pays for pixels.
pub fn header(data: &[u8]) {
    let (limits, request) = header_options();
    run(data, limits, &request);
}

/// `thumbnail-header`'s limits and request.
fn header_options() -> (Limits, Request) {
    let limits = Limits {
        max_input_bytes: 1 << 20,
        max_pixels: u64::from(MAX_DIMENSION) * u64::from(MAX_DIMENSION),
        max_alloc_bytes: 1,
    };
    let request = Request {
        width: 100,
        height: 60,
        fit: Fit::Cover,
        format: ImageFormat::Png,
        quality: None,
        upscale: true,
        background: None,
    };
    (limits, request)
}

/// The JSON-form request `thumbnail-header` makes of `data`.
pub(crate) fn header_request(data: &[u8]) -> JsonRequest {
    let (limits, request) = header_options();
    JsonRequest {
        config: Config { limits },
        image: data.to_vec(),
        request,
    }
}

/// Tight limits for decoding: 512 x 512 pixels, a 1 MiB decode buffer.
const TIGHT: Limits = Limits {
    max_input_bytes: 256 << 10,
    max_pixels: 1 << 18,
    max_alloc_bytes: 1 << 20,
};

/// Decodes `data` when it is a `format` file (others are left to the header target) into a
/// small thumbnail; the output format follows the input's length, so all three encoders
/// run.
fn decode(data: &[u8], format: ImageFormat) {
    if ImageFormat::sniff(data) != Some(format) {
        return;
    }
    run(data, TIGHT, &decode_options(data));
}

/// The decoding targets' request for `data`.
fn decode_options(data: &[u8]) -> Request {
    let output = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp][data.len() % 3];
    Request {
        width: 24,
        height: 16,
        fit: Fit::Contain,
        format: output,
        quality: Some(50),
        upscale: false,
        background: Some(Rgb { r: 1, g: 2, b: 3 }),
    }
}

/// The JSON-form request the decoding targets (`thumbnail-jpeg`, `-png`, `-gif`, `-webp`)
/// make of `data`: the image under [`TIGHT`] limits, whatever format it sniffs as.
pub(crate) fn decode_request(data: &[u8]) -> JsonRequest {
    JsonRequest {
        config: Config { limits: TIGHT },
        image: data.to_vec(),
        request: decode_options(data),
    }
}

pub fn jpeg(data: &[u8]) {
    decode(data, ImageFormat::Jpeg);
}

pub fn png(data: &[u8]) {
    decode(data, ImageFormat::Png);
}

pub fn gif(data: &[u8]) {
    decode(data, ImageFormat::Gif);
}

pub fn webp(data: &[u8]) {
    decode(data, ImageFormat::Webp);
}

/// `thumbnail-request`: 10 bytes of parameters (limits as powers of two, possibly zero;
/// width and height up to a little past [`MAX_DIMENSION`]; fit, format, quality, upscale,
/// background), then the image, through the JSON form as the command serves it.
pub fn request(data: &[u8]) {
    let json = request_request(data);
    let (limits, request) = (json.config.limits, json.request.clone());
    let budget = budget(&limits, json.image.len());
    let response = serve(&json);
    budget.check("thumbnailing");
    serde_json::to_string(&response).expect("a response serialises");
    match response {
        Response::Err(error) => assert_code("thumbnail", error.code.as_str()),
        Response::Ok(output) => check(
            &Ok(Thumbnail {
                format: output.format,
                width: output.width,
                height: output.height,
                bytes: output.bytes,
            }),
            &request,
            &limits,
        ),
    }
}

/// The JSON-form request `thumbnail-request` makes of `data`.
pub(crate) fn request_request(data: &[u8]) -> JsonRequest {
    let mut input = Input::new(data);
    let power = |byte: u8, max: u8| match byte % (max + 1) {
        0 => 0,
        n => 1u64 << (n - 1),
    };
    let limits = Limits {
        max_input_bytes: power(input.u8(), 21) as u32,
        max_pixels: power(input.u8(), 22),
        max_alloc_bytes: power(input.u8(), 24),
    };
    let width = u32::from(input.u16()) % (MAX_DIMENSION + 16);
    let height = u32::from(input.u16()) % (MAX_DIMENSION + 16);
    let flags = input.u8();
    let fit = [Fit::Contain, Fit::Cover, Fit::Fill][usize::from(flags & 3) % 3];
    let format = [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Webp,
        ImageFormat::Gif,
    ][usize::from(flags >> 2 & 3)];
    let upscale = flags & 16 != 0;
    let quality = input.u8();
    let quality = (quality != 0).then_some(quality % 110);
    let shade = input.u8();
    let background = (flags & 32 != 0).then_some(Rgb {
        r: shade,
        g: shade.wrapping_mul(3),
        b: !shade,
    });
    let request = Request {
        width,
        height,
        fit,
        format,
        quality,
        upscale,
        background,
    };
    JsonRequest {
        config: Config { limits },
        image: input.rest().to_vec(),
        request,
    }
}

/// Every image of the thumbnail vectors.
fn vector_images() -> Vec<Vec<u8>> {
    crate::seeds::vector_cases("thumbnail")
        .into_iter()
        .filter_map(|(_, input)| {
            input["image"]
                .as_str()
                .and_then(|b64| thumbnail_core::json::base64::decode(b64).ok())
        })
        .collect()
}

fn images_of(format: Option<ImageFormat>) -> Vec<(String, Vec<u8>)> {
    let mut images: Vec<Vec<u8>> = vector_images()
        .into_iter()
        .filter(|image| format.is_none() || ImageFormat::sniff(image) == format)
        .collect();
    // Small ones first: AFL++ spends its first minutes on the first seeds.
    images.sort_by_key(Vec::len);
    crate::seeds::named(images)
}

pub fn header_seeds() -> Vec<(String, Vec<u8>)> {
    images_of(None)
}

pub fn jpeg_seeds() -> Vec<(String, Vec<u8>)> {
    images_of(Some(ImageFormat::Jpeg))
}

pub fn png_seeds() -> Vec<(String, Vec<u8>)> {
    images_of(Some(ImageFormat::Png))
}

pub fn gif_seeds() -> Vec<(String, Vec<u8>)> {
    images_of(Some(ImageFormat::Gif))
}

pub fn webp_seeds() -> Vec<(String, Vec<u8>)> {
    images_of(Some(ImageFormat::Webp))
}

pub fn request_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (i, (_, image)) in images_of(None).into_iter().enumerate() {
        // 1 MiB input, 2 Mpx, 8 MiB buffer; 64 x 48; fit and format vary by seed.
        let flags = (i % 3) as u8 | (((i / 3) % 3) as u8) << 2;
        let mut seed = vec![21, 22, 24, 64, 0, 48, 0, flags, 0, 0];
        seed.extend(image);
        seeds.push(seed);
    }
    crate::seeds::named(seeds)
}
