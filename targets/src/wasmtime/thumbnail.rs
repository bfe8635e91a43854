//! The thumbnailer's WIT world, called through wasmtime's typed bindings: JSON request in,
//! JSON response out (the same JSON form the command and the native core use).

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::InstancePre;

use super::ComponentState;

wasmtime::component::bindgen!({
    path: "../wit/thumbnail",
    world: "thumbnail",
});

use portable::thumbnail::types::{
    Config, Error, ErrorCode, Fit, ImageFormat, Limits, Request, Rgb,
};

pub(super) fn call(
    store: &mut Store<ComponentState>,
    pre: &InstancePre<ComponentState>,
    request: &Value,
) -> anyhow::Result<Value> {
    let request: thumbnail_core::json::Request =
        serde_json::from_value(request.clone()).context("not a thumbnail request")?;
    let limits = request.config.limits;
    let config = Config {
        limits: Limits {
            max_input_bytes: limits.max_input_bytes,
            max_pixels: limits.max_pixels,
            max_alloc_bytes: limits.max_alloc_bytes,
        },
    };
    let r = &request.request;
    let wit_request = Request {
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
    let bindings = ThumbnailPre::new(pre.clone())?.instantiate(&mut *store)?;
    let thumbnailer = bindings.portable_thumbnail_thumbnailer().thumbnailer();
    let result = match thumbnailer.call_create(&mut *store, config)? {
        Ok(instance) => {
            thumbnailer.call_thumbnail(&mut *store, instance, &request.image, wit_request)?
        }
        Err(error) => Err(error),
    };
    Ok(match result {
        Ok(thumbnail) => json!({"ok": {
            "format": format_name(thumbnail.format),
            "width": thumbnail.width,
            "height": thumbnail.height,
            "bytes": thumbnail_core::json::base64::encode(&thumbnail.bytes),
        }}),
        Err(error) => error_json(&error),
    })
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
