//! The thumbnailer's world: its WIT types to and from the JSON form.

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

use crate::Host;

wasmtime::component::bindgen!({
    path: "../../wit/thumbnail",
    world: "thumbnail",
});

use portable::thumbnail::types::{
    Config, Error, ErrorCode, Fit, ImageFormat, Limits, Request as WitRequest, Rgb,
    Thumbnail as Output,
};

/// The thumbnailer's world (`Guest<Thumbnailer>`; bindgen names the bindings `Thumbnail`,
/// after the world).
pub struct Thumbnailer;

/// `thumbnail`'s arguments.
pub struct Call {
    image: Vec<u8>,
    request: WitRequest,
}

impl crate::World for Thumbnailer {
    const RESOURCE: &'static str = "thumbnailer";
    type Pre = ThumbnailPre<Host>;
    type Bindings = Thumbnail;
    type Config = Config;
    type Call = Call;
    type Ok = Output;
    type Error = Error;

    fn pre(pre: InstancePre<Host>) -> wasmtime::Result<Self::Pre> {
        ThumbnailPre::new(pre)
    }

    fn instantiate(pre: &Self::Pre, store: &mut Store<Host>) -> wasmtime::Result<Self::Bindings> {
        pre.instantiate(store)
    }

    fn create(
        bindings: &Self::Bindings,
        store: &mut Store<Host>,
        config: &Config,
    ) -> wasmtime::Result<Result<ResourceAny, Error>> {
        let thumbnailer = bindings.portable_thumbnail_thumbnailer().thumbnailer();
        thumbnailer.call_create(store, *config)
    }

    fn call(
        bindings: &Self::Bindings,
        store: &mut Store<Host>,
        resource: ResourceAny,
        call: &Call,
    ) -> wasmtime::Result<Result<Output, Error>> {
        let thumbnailer = bindings.portable_thumbnail_thumbnailer().thumbnailer();
        thumbnailer.call_thumbnail(store, resource, &call.image, call.request)
    }

    fn request(json: &Value) -> anyhow::Result<(Config, Call)> {
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
        let call = Call {
            image: request.image,
            request: wit_request,
        };
        Ok((config, call))
    }

    fn ok(thumbnail: Output) -> anyhow::Result<Value> {
        Ok(json!({
            "format": format_name(thumbnail.format),
            "width": thumbnail.width,
            "height": thumbnail.height,
            "bytes": thumbnail_core::json::base64::encode(&thumbnail.bytes),
        }))
    }

    fn error(error: &Error) -> Value {
        json!({"code": code_name(error.code), "message": error.message})
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
