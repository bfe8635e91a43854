//! The `thumbnailer` world (`wit/thumbnail/thumbnail.wit`), exported by wit-bindgen. Glue
//! only: every decision is made by `thumbnail-core`.

wit_bindgen::generate!({
    path: "../../../wit/thumbnail",
    world: "thumbnail",
});

use exports::portable::thumbnail::thumbnailer::{
    Guest, GuestThumbnailer, Thumbnailer as ThumbnailerHandle,
};
use portable::thumbnail::types::{Config, Error, ErrorCode, Fit, ImageFormat, Request, Thumbnail};
use thumbnail_core::ErrorCode as Code;

struct Component;

impl Guest for Component {
    type Thumbnailer = Thumbnailer;
}

struct Thumbnailer(thumbnail_core::Thumbnailer);

impl GuestThumbnailer for Thumbnailer {
    fn create(config: Config) -> Result<ThumbnailerHandle, Error> {
        let l = config.limits;
        let config = thumbnail_core::Config {
            limits: thumbnail_core::Limits {
                max_input_bytes: l.max_input_bytes,
                max_pixels: l.max_pixels,
                max_alloc_bytes: l.max_alloc_bytes,
            },
        };
        let thumbnailer = thumbnail_core::Thumbnailer::new(&config).map_err(error)?;
        Ok(ThumbnailerHandle::new(Thumbnailer(thumbnailer)))
    }

    fn thumbnail(&self, image: Vec<u8>, request: Request) -> Result<Thumbnail, Error> {
        let request = thumbnail_core::Request {
            width: request.width,
            height: request.height,
            fit: match request.fit {
                Fit::Contain => thumbnail_core::Fit::Contain,
                Fit::Cover => thumbnail_core::Fit::Cover,
                Fit::Fill => thumbnail_core::Fit::Fill,
            },
            format: match request.format {
                ImageFormat::Jpeg => thumbnail_core::ImageFormat::Jpeg,
                ImageFormat::Png => thumbnail_core::ImageFormat::Png,
                ImageFormat::Webp => thumbnail_core::ImageFormat::Webp,
                ImageFormat::Gif => thumbnail_core::ImageFormat::Gif,
            },
            quality: request.quality,
            upscale: request.upscale,
            background: request.background.map(|c| thumbnail_core::Rgb {
                r: c.r,
                g: c.g,
                b: c.b,
            }),
        };
        let thumbnail = self.0.thumbnail(&image, &request).map_err(error)?;
        Ok(Thumbnail {
            format: match thumbnail.format {
                thumbnail_core::ImageFormat::Jpeg => ImageFormat::Jpeg,
                thumbnail_core::ImageFormat::Png => ImageFormat::Png,
                thumbnail_core::ImageFormat::Webp => ImageFormat::Webp,
                thumbnail_core::ImageFormat::Gif => ImageFormat::Gif,
            },
            width: thumbnail.width,
            height: thumbnail.height,
            bytes: thumbnail.bytes,
        })
    }
}

fn error(e: thumbnail_core::Error) -> Error {
    let code = match e.code {
        Code::InvalidConfig => ErrorCode::InvalidConfig,
        Code::InvalidRequest => ErrorCode::InvalidRequest,
        Code::UnsupportedFormat => ErrorCode::UnsupportedFormat,
        Code::Undecodable => ErrorCode::Undecodable,
        Code::TooLarge => ErrorCode::TooLarge,
    };
    Error {
        code,
        message: e.message,
    }
}

export!(Component);
