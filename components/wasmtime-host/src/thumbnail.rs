//! The thumbnailer's WIT world, called through wasmtime's typed bindings: JSON request in,
//! JSON response out (the same JSON form the command and the native core use).

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

wasmtime::component::bindgen!({
    path: "../../wit/thumbnail",
    world: "thumbnail",
});

use portable::thumbnail::types::{
    Config, Error, ErrorCode, Fit, ImageFormat, Limits, Request as WitRequest, Rgb,
    Thumbnail as Output,
};

/// An instance of the thumbnailer, and its `thumbnailer` once created.
pub struct Thumbnailer {
    /// The world's bindings (bindgen names them after the world).
    bindings: Thumbnail,
    thumbnailer: Option<ResourceAny>,
}

/// A thumbnail request in the WIT's types.
pub struct Request {
    config: Config,
    image: Vec<u8>,
    request: WitRequest,
}

impl<T: 'static> crate::Guest<T> for Thumbnailer {
    type Pre = ThumbnailPre<T>;
    type Request = Request;
    type Output = Result<Output, Error>;

    fn pre(pre: InstancePre<T>) -> anyhow::Result<Self::Pre> {
        Ok(ThumbnailPre::new(pre)?)
    }

    fn request(json: &Value) -> anyhow::Result<Request> {
        let request: thumbnail_core::json::Request =
            serde_json::from_value(json.clone()).context("not a thumbnail request")?;
        let limits = request.config.limits;
        let config = Config {
            limits: Limits {
                max_input_bytes: limits.max_input_bytes,
                max_pixels: limits.max_pixels,
                max_alloc_bytes: limits.max_alloc_bytes,
            },
        };
        let r = &request.request;
        let wit_request = WitRequest {
            width: r.width,
            height: r.height,
            fit: match r.fit {
                thumbnail_core::Fit::Contain => Fit::Contain,
                thumbnail_core::Fit::Cover => Fit::Cover,
                thumbnail_core::Fit::Fill => Fit::Fill,
            },
            format: wit_format(r.format),
            quality: r.quality,
            upscale: r.upscale,
            background: r.background.map(|c| Rgb {
                r: c.r,
                g: c.g,
                b: c.b,
            }),
        };
        Ok(Request {
            config,
            image: request.image,
            request: wit_request,
        })
    }

    fn instantiate(store: &mut Store<T>, pre: &Self::Pre) -> anyhow::Result<Self> {
        Ok(Thumbnailer {
            bindings: pre.instantiate(store)?,
            thumbnailer: None,
        })
    }

    fn create(
        &mut self,
        store: &mut Store<T>,
        request: &Request,
    ) -> anyhow::Result<Result<(), Value>> {
        // A second `create` (the benchmarks time one on a warm instance) replaces the first.
        if let Some(old) = self.thumbnailer.take() {
            old.resource_drop(&mut *store)?;
        }
        let thumbnailer = self.bindings.portable_thumbnail_thumbnailer().thumbnailer();
        Ok(match thumbnailer.call_create(store, request.config)? {
            Ok(created) => {
                self.thumbnailer = Some(created);
                Ok(())
            }
            Err(error) => Err(error_json(&error)),
        })
    }

    fn call(&mut self, store: &mut Store<T>, request: &Request) -> anyhow::Result<Self::Output> {
        let created = self
            .thumbnailer
            .context("the thumbnailer was not created")?;
        let thumbnailer = self.bindings.portable_thumbnail_thumbnailer().thumbnailer();
        Ok(thumbnailer.call_thumbnail(store, created, &request.image, request.request)?)
    }

    fn response(output: Self::Output) -> anyhow::Result<Value> {
        Ok(match output {
            Ok(thumbnail) => json!({"ok": {
                "format": format_name(thumbnail.format),
                "width": thumbnail.width,
                "height": thumbnail.height,
                "bytes": thumbnail_core::json::base64::encode(&thumbnail.bytes),
            }}),
            Err(error) => error_json(&error),
        })
    }
}

fn wit_format(format: thumbnail_core::ImageFormat) -> ImageFormat {
    match format {
        thumbnail_core::ImageFormat::Jpeg => ImageFormat::Jpeg,
        thumbnail_core::ImageFormat::Png => ImageFormat::Png,
        thumbnail_core::ImageFormat::Webp => ImageFormat::Webp,
        thumbnail_core::ImageFormat::Gif => ImageFormat::Gif,
    }
}

fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        ImageFormat::Webp => "webp",
        ImageFormat::Gif => "gif",
    }
}

fn error_json(error: &Error) -> Value {
    json!({"err": {"code": code_name(error.code), "message": error.message}})
}

fn code_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidConfig => "invalid-config",
        ErrorCode::InvalidRequest => "invalid-request",
        ErrorCode::UnsupportedFormat => "unsupported-format",
        ErrorCode::Undecodable => "undecodable",
        ErrorCode::TooLarge => "too-large",
    }
}

#[cfg(test)]
mod tests {
    use super::portable::thumbnail::types::ErrorCode as Wit;
    use thumbnail_core::ErrorCode as Core;

    /// The WIT enum and the core enum must list the same codes in the same order.
    #[test]
    fn wit_codes_match_the_core() {
        let wit = [
            Wit::InvalidConfig,
            Wit::InvalidRequest,
            Wit::UnsupportedFormat,
            Wit::Undecodable,
            Wit::TooLarge,
        ];
        assert_eq!(wit.len(), Core::ALL.len());
        for (wit, core) in wit.iter().zip(Core::ALL) {
            assert_eq!(super::code_name(*wit), core.as_str());
        }
    }

    /// The same in the other direction: every WIT format has a core format of its name.
    #[test]
    fn formats_round_trip() {
        for core in [
            thumbnail_core::ImageFormat::Jpeg,
            thumbnail_core::ImageFormat::Png,
            thumbnail_core::ImageFormat::Webp,
            thumbnail_core::ImageFormat::Gif,
        ] {
            assert_eq!(super::format_name(super::wit_format(core)), core.as_str());
        }
    }
}
