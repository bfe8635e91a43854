//! What is measured: requests in the services' JSON form. Tokens and config documents are
//! cases of the conformance vectors (their deterministic keys and fixtures); the JPEG is
//! made here, deterministically, at bench time rather than checked in.

use std::path::Path;

use anyhow::Context;
use serde_json::{Value, json};

/// One request of one service, measured on every runtime.
#[derive(Clone, Debug)]
pub struct Workload {
    pub service: &'static str,
    /// Short and stable: the `workload` field of bench.json.
    pub id: String,
    pub description: String,
    /// The JSON request every form receives.
    pub request: Value,
}

/// The vector cases the token and config workloads are: (service, group file, case id,
/// workload id, description).
const CASES: [(&str, &str, &str, &str, &str); 5] = [
    (
        "token",
        "all-algorithms",
        "es256-valid-no-kid",
        "es256",
        "ES256 (P-256) JWT verified against a JWKS of 9 keys",
    ),
    (
        "token",
        "all-algorithms",
        "rs256-valid",
        "rs256",
        "RS256 (RSA-2048) JWT verified against a JWKS of 9 keys",
    ),
    (
        "token",
        "all-algorithms",
        "eddsa-valid",
        "eddsa",
        "EdDSA (Ed25519) JWT verified against a JWKS of 9 keys",
    ),
    (
        "config",
        "service-config",
        "json-valid",
        "service-json",
        "678-byte JSON service config against a 3-schema set ($ref across schemas, formats asserted)",
    ),
    (
        "config",
        "service-config",
        "yaml-valid",
        "service-yaml",
        "the same config in YAML",
    ),
];

/// Every workload: the vector cases above, then the thumbnail of a generated JPEG of
/// `megapixels` (12 in a full run).
pub fn all(vectors: &Path, image: ImageSize) -> anyhow::Result<Vec<Workload>> {
    let mut workloads = Vec::new();
    for (service, group, case, id, description) in CASES {
        let path = vectors.join(service).join(format!("{group}.json"));
        let group = conformance::vectors::load_file(&path)?;
        let case = group
            .cases
            .iter()
            .find(|c| c.id == case)
            .with_context(|| format!("{} has no case `{case}`", path.display()))?;
        let mut description = description.to_owned();
        if service == "token" {
            let keys = group.config["jwks"]["keys"].as_array().map_or(0, Vec::len);
            description = description.replace("9 keys", &format!("{keys} keys"));
        }
        workloads.push(Workload {
            service,
            id: id.to_owned(),
            description: format!("{description} (vector {}/{})", group.group, case.id),
            request: group.request(case),
        });
    }
    workloads.push(thumbnail(image)?);
    Ok(workloads)
}

/// The generated photo's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageSize {
    pub width: u16,
    pub height: u16,
}

impl ImageSize {
    /// 4000 × 3000: a 12-megapixel camera's 4:3 frame.
    pub const FULL: ImageSize = ImageSize {
        width: 4000,
        height: 3000,
    };
    /// 1600 × 1200 (2 MP), for `--quick`.
    pub const QUICK: ImageSize = ImageSize {
        width: 1600,
        height: 1200,
    };

    pub fn megapixels(self) -> f64 {
        f64::from(self.width) * f64::from(self.height) / 1e6
    }

    /// `jpeg-12mp`, `jpeg-2mp`: the workload id.
    pub fn id(self) -> String {
        format!("jpeg-{}mp", self.megapixels().round())
    }
}

/// The thumbnail workload: a JPEG of `size` to a JPEG of at most 256 × 256.
fn thumbnail(size: ImageSize) -> anyhow::Result<Workload> {
    let jpeg = photo(size)?;
    let request = json!({
        "config": {"limits": {
            "max-input-bytes": 64 << 20,
            "max-pixels": 16_000_000,
            "max-alloc-bytes": 256 << 20,
        }},
        "image": thumbnail_core::json::base64::encode(&jpeg),
        "request": {"width": 256, "height": 256, "fit": "contain", "format": "jpeg", "quality": 80},
    });
    Ok(Workload {
        service: "thumbnail",
        id: size.id(),
        description: format!(
            "{}×{} ({:.0} MP) baseline 4:2:0 JPEG, {:.1} MB, generated at bench time → \
             256-px JPEG (contain, quality 80)",
            size.width,
            size.height,
            size.megapixels(),
            jpeg.len() as f64 / 1e6
        ),
        request,
    })
}

/// A deterministic photo-like picture: smooth colour fields, edges and fine texture, so the
/// JPEG has about the entropy of a camera picture (a few MB at 12 MP), not a flat image's.
pub fn photo(size: ImageSize) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (usize::from(size.width), usize::from(size.height));
    let mut pixels = vec![0u8; w * h * 3];
    let mut state: u32 = 0x9e37_79b9;
    for y in 0..h {
        for x in 0..w {
            // xorshift32: the texture.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state & 31) as i32 - 16;
            // Large, soft shapes: a sky gradient, tilted bands, a grid of discs.
            let band = ((x + 2 * y) / 97 % 5) as i32 * 18;
            let (cx, cy) = ((x % 500) as i32 - 250, (y % 500) as i32 - 250);
            let disc = if cx * cx + cy * cy < 150 * 150 { 60 } else { 0 };
            let r = 40 + (y * 150 / h) as i32 + band + noise;
            let g = 90 + (x * 100 / w) as i32 + disc - band / 2 + noise;
            let b = 200 - (y * 120 / h) as i32 + disc / 2 + noise;
            let i = (y * w + x) * 3;
            pixels[i] = r.clamp(0, 255) as u8;
            pixels[i + 1] = g.clamp(0, 255) as u8;
            pixels[i + 2] = b.clamp(0, 255) as u8;
        }
    }
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 90);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(
            &pixels,
            size.width,
            size.height,
            jpeg_encoder::ColorType::Rgb,
        )
        .context("encoding the generated JPEG")?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_photo_is_deterministic_and_decodable() {
        let size = ImageSize {
            width: 64,
            height: 48,
        };
        let jpeg = photo(size).unwrap();
        assert_eq!(jpeg, photo(size).unwrap());
        assert_eq!(&jpeg[..2], &[0xff, 0xd8]);
        assert_eq!(ImageSize::FULL.id(), "jpeg-12mp");
        assert_eq!(ImageSize::QUICK.id(), "jpeg-2mp");
    }
}
