//! Encoding the thumbnail: JPEG (jpeg-encoder; baseline, 4:2:0 below quality 90, 4:4:4
//! from 90), PNG (fdeflate's fast compressor, adaptive filters) or lossless WebP (the
//! service's own encoder, [`crate::webp`]). Alpha is kept for PNG and WebP and flattened onto
//! the background for JPEG.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::pixels::{Layout, Pixels, flatten};
use crate::{DEFAULT_BACKGROUND, DEFAULT_QUALITY, Error, ImageFormat, Request, invalid_request};

pub(crate) fn encode(image: Pixels, request: &Request) -> Result<(ImageFormat, Vec<u8>), Error> {
    let mut out = Vec::new();
    let failed = |e: &dyn std::fmt::Display| {
        invalid_request(format!("encoding {} failed: {e}", request.format.as_str()))
    };
    match request.format {
        ImageFormat::Jpeg => {
            let image = flatten(image, request.background.unwrap_or(DEFAULT_BACKGROUND));
            let color = match image.layout {
                Layout::L8 => jpeg_encoder::ColorType::Luma,
                _ => jpeg_encoder::ColorType::Rgb,
            };
            let (w, h) = (
                u16::try_from(image.width).map_err(|e| failed(&e))?,
                u16::try_from(image.height).map_err(|e| failed(&e))?,
            );
            jpeg_encoder::Encoder::new(&mut out, request.quality.unwrap_or(DEFAULT_QUALITY))
                .encode(&image.data, w, h, color)
                .map_err(|e| failed(&e))?;
        }
        ImageFormat::Png => {
            let color = match image.layout {
                Layout::L8 => ExtendedColorType::L8,
                Layout::La8 => ExtendedColorType::La8,
                Layout::Rgb8 => ExtendedColorType::Rgb8,
                Layout::Rgba8 => ExtendedColorType::Rgba8,
                Layout::Cmyk8 => return Err(failed(&"CMYK pixels are converted before encoding")),
            };
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(&image.data, image.width, image.height, color)
                .map_err(|e| failed(&e))?;
        }
        ImageFormat::Webp => {
            out = crate::webp::encode(
                image.width,
                image.height,
                image.layout.channels(),
                &image.data,
            );
        }
        ImageFormat::Gif => return Err(invalid_request("gif is not an output format")),
    }
    Ok((request.format, out))
}
