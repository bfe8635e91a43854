use base64::prelude::{BASE64_STANDARD, Engine as _};
use portable::thumbnail::types::{Config, Fit, ImageFormat, Limits, Request, Rgb};

/// One request: `{"config": {"limits"}, "image": "<base64>", "request": {...}}` in,
/// `{"ok": {"format", "width", "height", "bytes": "<base64>"}}` or `{"err": ...}` out.
fn serve(engine: &Engine, pre: &ThumbnailPre<State>, request: &Value) -> Result<Value> {
    let limits = &request["config"]["limits"];
    let required = |v: &Value, name: &str| v.as_u64().with_context(|| format!("no `{name}`"));
    let config = Config {
        limits: Limits {
            max_input_bytes: u32::try_from(required(&limits["max-input-bytes"], "max-input-bytes")?)?,
            max_pixels: required(&limits["max-pixels"], "max-pixels")?,
            max_alloc_bytes: required(&limits["max-alloc-bytes"], "max-alloc-bytes")?,
        },
    };
    let image = BASE64_STANDARD.decode(request["image"].as_str().context("no `image`")?)?;
    let r = &request["request"];
    let thumbnail_request = Request {
        width: u32::try_from(required(&r["width"], "width")?)?,
        height: u32::try_from(required(&r["height"], "height")?)?,
        fit: match r["fit"].as_str() {
            Some("contain") => Fit::Contain,
            Some("cover") => Fit::Cover,
            Some("fill") => Fit::Fill,
            _ => bail!("`fit` is contain, cover or fill"),
        },
        format: match r["format"].as_str() {
            Some("jpeg") => ImageFormat::Jpeg,
            Some("png") => ImageFormat::Png,
            Some("webp") => ImageFormat::Webp,
            Some("gif") => ImageFormat::Gif,
            _ => bail!("`format` is jpeg, png, webp or gif"),
        },
        quality: r["quality"].as_u64().map(u8::try_from).transpose()?,
        upscale: r["upscale"].as_bool().unwrap_or(false),
        background: match &r["background"] {
            Value::Null => None,
            c => Some(Rgb {
                r: number(&c["r"], 0)?,
                g: number(&c["g"], 0)?,
                b: number(&c["b"], 0)?,
            }),
        },
    };

    let mut store = new_store(engine);
    let bindings = pre.instantiate(&mut store)?;
    let thumbnailer = bindings.{{accessor}}().thumbnailer();
    let result = match thumbnailer.call_create(&mut store, config)? {
        Ok(handle) => thumbnailer.call_thumbnail(&mut store, handle, &image, thumbnail_request)?,
        Err(error) => Err(error),
    };
    Ok(match result {
        Ok(thumbnail) => json!({"ok": {
            "format": case_name(thumbnail.format),
            "width": thumbnail.width,
            "height": thumbnail.height,
            "bytes": BASE64_STANDARD.encode(&thumbnail.bytes),
        }}),
        Err(error) => json!({"err": {"code": case_name(error.code), "message": error.message}}),
    })
}
