//! Decoding: the header first (size, orientation, decode scale), the pixels only after
//! every limit has been checked.
//!
//! JPEG goes through jpeg-decoder, which can decode at 1/2, 1/4 or 1/8 of the size by
//! scaling the inverse DCT; PNG, GIF (first frame) and WebP through `image`'s decoders.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{ColorType, ImageDecoder, ImageError};

use crate::geometry::Orientation;
use crate::pixels::{Layout, Pixels};
use crate::{Error, ErrorCode, ImageFormat, Limits, too_large, undecodable};

/// How much larger than the output a DCT-scaled JPEG decode stays, when the decode buffer
/// allows. The 1/8 decode is an 8×8 block average, and any DCT scale is a box-like
/// prefilter: with under 2× left for the resize (the old rule), detailed photos came out
/// 10–18 dB below a full decode + Lanczos3; with 3× they are within 53–56 dB of it (the
/// README's figures, from the test `jpeg_thumbnails_keep_detail`).
pub(crate) const RESIZE_MARGIN: u32 = 3;

pub(crate) enum Source<'a> {
    Jpeg(Jpeg<'a>),
    Other(Other<'a>),
}

pub(crate) struct Jpeg<'a> {
    decoder: jpeg_decoder::Decoder<&'a [u8]>,
    info: jpeg_decoder::ImageInfo,
    orientation: Orientation,
    icc: Option<Vec<u8>>,
    /// The decoded size at the chosen DCT scale.
    scaled: (u32, u32),
}

pub(crate) struct Other<'a> {
    format: ImageFormat,
    decoder: Box<dyn ImageDecoder + 'a>,
    orientation: Orientation,
    icc: Option<Vec<u8>>,
}

fn jpeg_error(e: jpeg_decoder::Error) -> Error {
    match e {
        jpeg_decoder::Error::Unsupported(feature) => Error::new(
            ErrorCode::UnsupportedFormat,
            format!("a JPEG feature this service does not read: {feature:?}"),
        ),
        e => undecodable(format!("JPEG: {e}")),
    }
}

fn image_error(format: ImageFormat, e: ImageError) -> Error {
    let format = format.as_str();
    match e {
        ImageError::Limits(e) => too_large(format!("{format}: {e}")),
        ImageError::Unsupported(e) => Error::new(
            ErrorCode::UnsupportedFormat,
            format!("a {format} feature this service does not read: {e}"),
        ),
        e => undecodable(format!("{format}: {e}")),
    }
}

/// The width and height a PNG's IHDR chunk (the first, right after the signature) says,
/// if it is there; nothing else about the file is checked.
pub(crate) fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let ihdr = bytes.get(8..24)?;
    if &ihdr[4..8] != b"IHDR" {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes([ihdr[at], ihdr[at + 1], ihdr[at + 2], ihdr[at + 3]]);
    Some((be(8), be(12)))
}

/// Limits for `image`'s decoders: no side longer than `max-pixels`, allocations within
/// `max-alloc-bytes`.
fn image_limits(limits: &Limits) -> image::Limits {
    let side = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    let mut l = image::Limits::no_limits();
    l.max_image_width = Some(side);
    l.max_image_height = Some(side);
    l.max_alloc = Some(limits.max_alloc_bytes);
    l
}

impl<'a> Source<'a> {
    /// Reads the header (and the metadata before the pixels) of `bytes`.
    pub(crate) fn open(
        format: ImageFormat,
        bytes: &'a [u8],
        limits: &Limits,
    ) -> Result<Source<'a>, Error> {
        if format == ImageFormat::Jpeg {
            let mut decoder = jpeg_decoder::Decoder::new(bytes);
            decoder.set_max_decoding_buffer_size(
                usize::try_from(limits.max_alloc_bytes).unwrap_or(usize::MAX),
            );
            decoder.read_info().map_err(jpeg_error)?;
            let info = decoder
                .info()
                .ok_or_else(|| undecodable("JPEG: no frame header"))?;
            let orientation = decoder
                .exif_data()
                .and_then(image::metadata::Orientation::from_exif_chunk)
                .map_or(Orientation::Normal, |o| {
                    Orientation::from_exif(o.to_exif().into())
                });
            let icc = decoder.icc_profile();
            let scaled = (u32::from(info.width), u32::from(info.height));
            return Ok(Source::Jpeg(Jpeg {
                decoder,
                info,
                orientation,
                icc,
                scaled,
            }));
        }
        let cursor = Cursor::new(bytes);
        let mut decoder: Box<dyn ImageDecoder + 'a> = match format {
            ImageFormat::Png => Box::new(
                PngDecoder::with_limits(cursor, image_limits(limits))
                    .map_err(|e| image_error(format, e))?,
            ),
            ImageFormat::Gif => {
                Box::new(GifDecoder::new(cursor).map_err(|e| image_error(format, e))?)
            }
            ImageFormat::Webp => {
                Box::new(WebPDecoder::new(cursor).map_err(|e| image_error(format, e))?)
            }
            ImageFormat::Jpeg => unreachable!("handled above"),
        };
        let (width, height) = decoder.dimensions();
        if width == 0 || height == 0 {
            return Err(undecodable(format!(
                "{}: the header says {width}x{height}",
                format.as_str()
            )));
        }
        decoder
            .set_limits(image_limits(limits))
            .map_err(|e| image_error(format, e))?;
        // A broken EXIF block is ignored, as viewers do: the image is shown as stored.
        let orientation = decoder.orientation().map_or(Orientation::Normal, |o| {
            Orientation::from_exif(o.to_exif().into())
        });
        // Likewise a profile that cannot be read: the pixels are shown as sRGB.
        let icc = decoder.icc_profile().ok().flatten();
        Ok(Source::Other(Other {
            format,
            decoder,
            orientation,
            icc,
        }))
    }

    /// The stored size, from the header.
    pub(crate) fn dimensions(&self) -> (u32, u32) {
        match self {
            Source::Jpeg(j) => (u32::from(j.info.width), u32::from(j.info.height)),
            Source::Other(o) => o.decoder.dimensions(),
        }
    }

    /// The embedded ICC profile, if any (JPEG APP2, PNG iCCP, WebP ICCP).
    pub(crate) fn icc_profile(&self) -> Option<&[u8]> {
        match self {
            Source::Jpeg(j) => j.icc.as_deref(),
            Source::Other(o) => o.icc.as_deref(),
        }
    }

    pub(crate) fn orientation(&self) -> Orientation {
        match self {
            Source::Jpeg(j) => j.orientation,
            Source::Other(o) => o.orientation,
        }
    }

    /// Lets the decoder produce a smaller image, as long as it leaves the resizer at least
    /// `margin` times `width × height` (stored orientation) to work from. Only JPEG can: by
    /// 1/2, 1/4 or 1/8, rounding up. May be called again, before [`Source::decode`].
    pub(crate) fn prefer_scale(&mut self, width: u32, height: u32, margin: u32) {
        let Source::Jpeg(j) = self else { return };
        let (w, h) = (u32::from(j.info.width), u32::from(j.info.height));
        let (width, height) = (width.saturating_mul(margin), height.saturating_mul(margin));
        // jpeg-decoder's scaled size for an IDCT of `k`×`k` (k/8 of the size).
        let scaled = |len: u32, k: u32| (len * k).div_ceil(8);
        let Some(k) = [1, 2, 4]
            .into_iter()
            .find(|&k| scaled(w, k) >= width && scaled(h, k) >= height)
        else {
            // Full size (a previous, smaller choice is undone).
            if let Ok((sw, sh)) = j.decoder.scale(u16::MAX, u16::MAX) {
                j.scaled = (u32::from(sw), u32::from(sh));
            }
            return;
        };
        // jpeg-decoder takes the smallest scale at which *either* side reaches the
        // request, so ask only for the sides that a smaller scale would not reach.
        let smaller = k / 2;
        let ask = |len: u32| {
            if smaller == 0 || scaled(len, smaller) < scaled(len, k) {
                u16::try_from(scaled(len, k)).unwrap_or(u16::MAX)
            } else {
                u16::MAX
            }
        };
        if let Ok((sw, sh)) = j.decoder.scale(ask(w), ask(h)) {
            j.scaled = (u32::from(sw), u32::from(sh));
        }
    }

    /// The bytes of the buffer the decoder will fill (see the crate documentation).
    pub(crate) fn decode_bytes(&self) -> u64 {
        match self {
            Source::Jpeg(j) => {
                let components: u64 = match j.info.pixel_format {
                    jpeg_decoder::PixelFormat::L8 => 1,
                    jpeg_decoder::PixelFormat::L16 => 2,
                    jpeg_decoder::PixelFormat::RGB24 => 3,
                    jpeg_decoder::PixelFormat::CMYK32 => 4,
                };
                u64::from(j.scaled.0) * u64::from(j.scaled.1) * components
            }
            Source::Other(o) => o.decoder.total_bytes(),
        }
    }

    /// Decodes the pixels into one of the service's 8-bit layouts.
    pub(crate) fn decode(self) -> Result<Pixels, Error> {
        match self {
            Source::Jpeg(mut j) => {
                let data = j.decoder.decode().map_err(jpeg_error)?;
                let (width, height) = j.scaled;
                let pixels = width as usize * height as usize;
                let (layout, data) = match j.info.pixel_format {
                    jpeg_decoder::PixelFormat::L8 => (Layout::L8, data),
                    // Big-endian 16-bit grey (lossless JPEG): keep the high byte, rounded.
                    jpeg_decoder::PixelFormat::L16 => (
                        Layout::L8,
                        data.chunks_exact(2)
                            .map(|p| to_8bit(u16::from_be_bytes([p[0], p[1]])))
                            .collect(),
                    ),
                    jpeg_decoder::PixelFormat::RGB24 => (Layout::Rgb8, data),
                    // jpeg-decoder un-inverts Adobe CMYK, so these are ink amounts.
                    jpeg_decoder::PixelFormat::CMYK32 => (Layout::Cmyk8, data),
                };
                if data.len() != pixels * layout.channels() {
                    return Err(undecodable(format!(
                        "JPEG: {} bytes decoded for {width}x{height}",
                        data.len()
                    )));
                }
                Ok(Pixels {
                    width,
                    height,
                    layout,
                    data,
                })
            }
            Source::Other(o) => {
                let format = o.format;
                let (width, height) = o.decoder.dimensions();
                let color = o.decoder.color_type();
                let len = usize::try_from(o.decoder.total_bytes())
                    .map_err(|_| too_large("the decode buffer does not fit in memory"))?;
                let mut buffer = Vec::new();
                buffer
                    .try_reserve_exact(len)
                    .map_err(|_| too_large("the decode buffer does not fit in memory"))?;
                buffer.resize(len, 0);
                o.decoder
                    .read_image_boxed(&mut buffer)
                    .map_err(|e| image_error(format, e))?;
                let wide = |b: &[u8]| -> Vec<u8> {
                    b.chunks_exact(2)
                        .map(|p| to_8bit(u16::from_ne_bytes([p[0], p[1]])))
                        .collect()
                };
                let (layout, data) = match color {
                    ColorType::L8 => (Layout::L8, buffer),
                    ColorType::La8 => (Layout::La8, buffer),
                    ColorType::Rgb8 => (Layout::Rgb8, buffer),
                    ColorType::Rgba8 => (Layout::Rgba8, buffer),
                    ColorType::L16 => (Layout::L8, wide(&buffer)),
                    ColorType::La16 => (Layout::La8, wide(&buffer)),
                    ColorType::Rgb16 => (Layout::Rgb8, wide(&buffer)),
                    ColorType::Rgba16 => (Layout::Rgba8, wide(&buffer)),
                    other => {
                        return Err(Error::new(
                            ErrorCode::UnsupportedFormat,
                            format!("colour type {other:?}"),
                        ));
                    }
                };
                Ok(Pixels {
                    width,
                    height,
                    layout,
                    data,
                })
            }
        }
    }
}

/// 16 to 8 bits: `round(v · 255 / 65535)`.
fn to_8bit(v: u16) -> u8 {
    ((u32::from(v) * 255 + 32767) / 65535) as u8
}
