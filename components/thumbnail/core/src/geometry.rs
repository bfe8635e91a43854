//! The arithmetic of a thumbnail: EXIF orientation and how the image fits the box.
//!
//! Everything is computed in *displayed* orientation: the stored image is first turned the
//! way EXIF says (orientations 5–8 swap width and height), then fitted. The rules:
//!
//! - `contain`: scale by `s = min(w/W, h/H)`; the limiting side is exactly the box's, the
//!   other is `round(H·w/W)` (or `round(W·h/H)`), rounded to nearest with halves up, at
//!   least 1. Without `upscale`, an image that already fits (`W ≤ w` and `H ≤ h`) keeps
//!   its size.
//! - `cover`: scale by `s = max(w/W, h/H)` and crop the centre to exactly `w × h`: the
//!   crop of the source is `W × h·W/w` (or `w·H/h × H`), centred with fractional offsets.
//!   Without `upscale`, when `s > 1` the image is not scaled: the output is
//!   `min(w, W) × min(h, H)` of the source's centre.
//! - `fill`: each side is the box's, without `upscale` at most the image's.
//!
//! When the scale is exactly 1 (nothing to resample) a crop is whole pixels: the offset is
//! `floor((extent − size) / 2)`, so an odd remainder leaves the extra pixel on the right or
//! bottom.

use crate::Fit;

/// EXIF orientation (tag 0x0112): how the stored pixels are turned for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// 1: as stored.
    Normal,
    /// 2: mirrored left–right.
    FlipHorizontal,
    /// 3: turned 180°.
    Rotate180,
    /// 4: mirrored top–bottom.
    FlipVertical,
    /// 5: mirrored along the main diagonal (transpose).
    Transpose,
    /// 6: turned 90° clockwise.
    Rotate90,
    /// 7: mirrored along the anti-diagonal (transverse).
    Transverse,
    /// 8: turned 90° counter-clockwise.
    Rotate270,
}

impl Orientation {
    pub const ALL: [Orientation; 8] = [
        Orientation::Normal,
        Orientation::FlipHorizontal,
        Orientation::Rotate180,
        Orientation::FlipVertical,
        Orientation::Transpose,
        Orientation::Rotate90,
        Orientation::Transverse,
        Orientation::Rotate270,
    ];

    /// The EXIF value; anything but 1–8 (absent, 0, 9...) is [`Orientation::Normal`].
    pub fn from_exif(value: u16) -> Orientation {
        match value {
            2 => Orientation::FlipHorizontal,
            3 => Orientation::Rotate180,
            4 => Orientation::FlipVertical,
            5 => Orientation::Transpose,
            6 => Orientation::Rotate90,
            7 => Orientation::Transverse,
            8 => Orientation::Rotate270,
            _ => Orientation::Normal,
        }
    }

    pub fn exif(self) -> u16 {
        match self {
            Orientation::Normal => 1,
            Orientation::FlipHorizontal => 2,
            Orientation::Rotate180 => 3,
            Orientation::FlipVertical => 4,
            Orientation::Transpose => 5,
            Orientation::Rotate90 => 6,
            Orientation::Transverse => 7,
            Orientation::Rotate270 => 8,
        }
    }

    /// Whether displayed width is stored height (5–8).
    pub fn swaps_axes(self) -> bool {
        matches!(
            self,
            Orientation::Transpose
                | Orientation::Rotate90
                | Orientation::Transverse
                | Orientation::Rotate270
        )
    }

    /// Displayed size of a stored `width × height` image.
    pub fn oriented(self, width: u32, height: u32) -> (u32, u32) {
        if self.swaps_axes() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// Stored size of a displayed `width × height` image (the same swap).
    pub fn stored(self, width: u32, height: u32) -> (u32, u32) {
        self.oriented(width, height)
    }

    /// The stored pixel shown at displayed position `(x, y)`, for a stored image of
    /// `sw × sh` pixels.
    pub fn source_of(self, x: u32, y: u32, sw: u32, sh: u32) -> (u32, u32) {
        match self {
            Orientation::Normal => (x, y),
            Orientation::FlipHorizontal => (sw - 1 - x, y),
            Orientation::Rotate180 => (sw - 1 - x, sh - 1 - y),
            Orientation::FlipVertical => (x, sh - 1 - y),
            Orientation::Transpose => (y, x),
            Orientation::Rotate90 => (y, sh - 1 - x),
            Orientation::Transverse => (sw - 1 - y, sh - 1 - x),
            Orientation::Rotate270 => (sw - 1 - y, x),
        }
    }
}

/// The region of the (displayed) source that becomes the thumbnail, in source pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Crop {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// What a request makes of an image: output size, source crop, and whether to resample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// The thumbnail's width and height.
    pub width: u32,
    pub height: u32,
    /// The part of the displayed source that is scaled to `width × height`.
    pub crop: Crop,
    /// The size the whole displayed source has at the output scale (at least the output
    /// size); the JPEG decoder may decode down to it.
    pub scaled: (u32, u32),
    /// False when the output is the crop pixel for pixel (scale exactly 1).
    pub resample: bool,
}

/// `round(n / d)` with halves rounded up, for `d > 0`.
fn div_round(n: u64, d: u64) -> u64 {
    (2 * n + d) / (2 * d)
}

/// `ceil(n / d)`, for `d > 0`.
fn div_ceil(n: u64, d: u64) -> u64 {
    n.div_ceil(d)
}

fn narrow(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The plan for a displayed `sw × sh` image (both at least 1) in a `bw × bh` box (both at
/// least 1). See the module documentation for the rules.
pub fn plan(sw: u32, sh: u32, bw: u32, bh: u32, fit: Fit, upscale: bool) -> Plan {
    let (w, h, bw64, bh64) = (u64::from(sw), u64::from(sh), u64::from(bw), u64::from(bh));
    let whole = Crop {
        left: 0.0,
        top: 0.0,
        width: f64::from(sw),
        height: f64::from(sh),
    };
    // bw/w <= bh/h: the width limits a contain and the height limits a cover.
    let width_limits = bw64 * h <= bh64 * w;
    match fit {
        Fit::Contain => {
            let (ow, oh) = if !upscale && w <= bw64 && h <= bh64 {
                (sw, sh)
            } else if width_limits {
                (bw, narrow(div_round(h * bw64, w).clamp(1, bh64)))
            } else {
                (narrow(div_round(w * bh64, h).clamp(1, bw64)), bh)
            };
            Plan {
                width: ow,
                height: oh,
                crop: whole,
                scaled: (ow, oh),
                resample: (ow, oh) != (sw, sh),
            }
        }
        Fit::Fill => {
            let (ow, oh) = if upscale {
                (bw, bh)
            } else {
                (bw.min(sw), bh.min(sh))
            };
            Plan {
                width: ow,
                height: oh,
                crop: whole,
                scaled: (ow, oh),
                resample: (ow, oh) != (sw, sh),
            }
        }
        Fit::Cover => {
            let grows = bw64 > w || bh64 > h;
            if (!upscale && grows) || (width_limits && bh64 == h) || (!width_limits && bw64 == w) {
                // Scale 1 (not allowed to grow, or the covering scale is exactly 1): a
                // whole-pixel centre crop.
                let (ow, oh) = (bw.min(sw), bh.min(sh));
                let crop = Crop {
                    left: f64::from((sw - ow) / 2),
                    top: f64::from((sh - oh) / 2),
                    width: f64::from(ow),
                    height: f64::from(oh),
                };
                return Plan {
                    width: ow,
                    height: oh,
                    crop,
                    scaled: (sw, sh),
                    resample: false,
                };
            }
            let (crop, scaled) = if width_limits {
                // Scale bh/h: the full height; the width cropped to bw·h/bh.
                let cw = bw64 as f64 * h as f64 / bh64 as f64;
                let crop = Crop {
                    left: (w as f64 - cw) / 2.0,
                    top: 0.0,
                    width: cw,
                    height: h as f64,
                };
                (crop, (narrow(div_ceil(w * bh64, h)), bh))
            } else {
                // Scale bw/w: the full width; the height cropped to bh·w/bw.
                let ch = bh64 as f64 * w as f64 / bw64 as f64;
                let crop = Crop {
                    left: 0.0,
                    top: (h as f64 - ch) / 2.0,
                    width: w as f64,
                    height: ch,
                };
                (crop, (bw, narrow(div_ceil(h * bw64, w))))
            };
            Plan {
                width: bw,
                height: bh,
                crop,
                scaled,
                resample: true,
            }
        }
    }
}
