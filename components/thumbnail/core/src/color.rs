//! Colour management: an image tagged with an ICC profile is converted to sRGB, and the
//! thumbnail carries no profile (every output is sRGB, as untagged images are taken to be).
//!
//! moxcms only *reads* the profile (tags to numbers). The conversion is this module's own,
//! because moxcms's transforms are not the same bits everywhere: its default features
//! choose AVX or SSE code at run time, and its multiply-adds fuse on aarch64. Here every
//! step is IEEE `f64` arithmetic (`+ − × ÷`, which every target rounds alike; Rust never
//! fuses them on its own) and libm's `pow`, which is pure Rust — so the same bits on every
//! target — followed by rounding to 8 bits.
//!
//! What is read, in order of preference (ICC.1:2022 §8.3):
//! - `A2B0` (perceptual), else `A2B1` (colorimetric): `lut8`/`lut16` or `lutAToB` tables
//!   from the device's channels (RGB, grey or CMYK) to the PCS, Lab or XYZ;
//! - matrix/TRC profiles: `rXYZ gXYZ bXYZ` with `rTRC gTRC bTRC` (RGB), `kTRC` (grey).
//!
//! The PCS (D50) is taken to sRGB's linear light by sRGB's own primaries adapted to D50
//! with Bradford ([`rgb_to_xyz_d50`]), clipped to the gamut, then encoded with the sRGB
//! curve, rounded to the nearest code. A profile that is sRGB already (its colorants and
//! curves within rounding of sRGB's) is left alone, so tagged and untagged sRGB agree byte
//! for byte. A profile that cannot be read, that is for another colour model than the
//! pixels, or whose PCS is neither Lab nor XYZ is ignored, as viewers do: the pixels are
//! shown as sRGB. CMYK without a usable profile becomes RGB by the naive formula
//! (`(255 − ink)·(255 − K)/255`).
//!
//! The conversion runs on the thumbnail's pixels, after the resize (which, as for sRGB
//! input, works on the encoded values): it costs per output pixel, not per decoded one.

use moxcms::{ColorProfile, DataColorSpace, LutStore, LutWarehouse, ProfileClass, ToneReprCurve};

use crate::pixels::{Layout, Pixels};

type Matrix = [[f64; 3]; 3];

/// The PCS white, D50 (ICC.1 §7.2.16).
const D50: [f64; 3] = [0.9642, 1.0, 0.8249];
/// sRGB (IEC 61966-2-1): primaries and white (D65) as CIE xy.
const SRGB_PRIMARIES: [[f64; 2]; 3] = [[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]];
const D65: [f64; 2] = [0.3127, 0.3290];
/// The Bradford cone response matrix.
const BRADFORD: Matrix = [
    [0.8951, 0.2664, -0.1614],
    [-0.7502, 1.7135, 0.0367],
    [0.0389, -0.0685, 1.0296],
];

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

fn apply(m: &Matrix, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

fn inverse(m: &Matrix) -> Option<Matrix> {
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    if !det.is_normal() {
        return None;
    }
    // The inverse is the transposed cofactor matrix over the determinant.
    Some(std::array::from_fn(|i| {
        std::array::from_fn(|j| c(j, i) / det)
    }))
}

fn xy_to_xyz([x, y]: [f64; 2]) -> [f64; 3] {
    [x / y, 1.0, (1.0 - x - y) / y]
}

/// The matrix from linear RGB to the PCS's XYZ (D50) of an RGB space given by the CIE xy
/// of its primaries and white, adapted to D50 with Bradford — what an ICC matrix/TRC
/// profile's colorant tags hold (column `i` is primary `i`). Only `+ − × ÷`, so the same
/// bits on every target.
pub fn rgb_to_xyz_d50(primaries: [[f64; 2]; 3], white: [f64; 2]) -> [[f64; 3]; 3] {
    let p: Matrix = {
        let cols = primaries.map(xy_to_xyz);
        std::array::from_fn(|i| std::array::from_fn(|j| cols[j][i]))
    };
    let white = xy_to_xyz(white);
    let scale = apply(&inverse(&p).expect("independent primaries"), white);
    let to_xyz: Matrix = std::array::from_fn(|i| std::array::from_fn(|j| p[i][j] * scale[j]));
    let (src, dst) = (apply(&BRADFORD, white), apply(&BRADFORD, D50));
    let gain: Matrix = std::array::from_fn(|i| {
        std::array::from_fn(|j| if i == j { dst[i] / src[i] } else { 0.0 })
    });
    let adapt = mul(
        &inverse(&BRADFORD).expect("Bradford is invertible"),
        &mul(&gain, &BRADFORD),
    );
    mul(&adapt, &to_xyz)
}

/// The sRGB curve, encoded value to linear light.
fn srgb_to_linear(v: f64) -> f64 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        libm::pow((v + 0.055) / 1.055, 2.4)
    }
}

/// Linear light to the nearest 8-bit sRGB code: code `c` covers encoded values from
/// `(c − ½)/255` to `(c + ½)/255`, so it is the number of midpoints at or below `v`.
struct Encoder {
    midpoints: Vec<f64>,
}

impl Encoder {
    fn new() -> Encoder {
        Encoder {
            midpoints: (0..255)
                .map(|c| srgb_to_linear((f64::from(c) + 0.5) / 255.0))
                .collect(),
        }
    }

    fn code(&self, v: f64) -> u8 {
        // NaN (from a degenerate profile) counts as 0.
        self.midpoints.partition_point(|&m| m <= v) as u8
    }
}

/// A tone curve on `[0, 1]`.
#[derive(Clone, Debug)]
enum Curve {
    Identity,
    Gamma(f64),
    /// Evenly spaced samples, linearly interpolated.
    Table(Vec<f64>),
    /// ICC parametric curve type 0–4: `[g, a, b, c, d, e, f]` (unused ones 0).
    Parametric(usize, [f64; 7]),
}

impl Curve {
    fn from_icc(curve: &ToneReprCurve) -> Option<Curve> {
        Some(match curve {
            ToneReprCurve::Lut(table) => match table.len() {
                0 => Curve::Identity,
                // One entry: a gamma, u8Fixed8.
                1 => Curve::Gamma(f64::from(table[0]) / 256.0),
                _ => Curve::Table(table.iter().map(|&v| f64::from(v) / 65535.0).collect()),
            },
            ToneReprCurve::Parametric(params) => {
                let kind = match params.len() {
                    1 => 0,
                    3 => 1,
                    4 => 2,
                    5 => 3,
                    7 => 4,
                    _ => return None,
                };
                let mut p = [0.0; 7];
                for (to, &from) in p.iter_mut().zip(params) {
                    *to = f64::from(from);
                }
                Curve::Parametric(kind, p)
            }
        })
    }

    fn table(values: Vec<f64>) -> Curve {
        if values.len() < 2 {
            Curve::Identity
        } else {
            Curve::Table(values)
        }
    }

    fn eval(&self, x: f64) -> f64 {
        let x = x.clamp(0.0, 1.0);
        let pow = |base: f64, g: f64| libm::pow(base.max(0.0), g);
        let y = match *self {
            Curve::Identity => x,
            Curve::Gamma(g) => pow(x, g),
            Curve::Table(ref t) => {
                let at = x * (t.len() - 1) as f64;
                let i = (at as usize).min(t.len() - 2);
                let f = at - i as f64;
                t[i] * (1.0 - f) + t[i + 1] * f
            }
            Curve::Parametric(kind, [g, a, b, c, d, e, f]) => match kind {
                0 => pow(x, g),
                1 => {
                    if x >= -b / a {
                        pow(a * x + b, g)
                    } else {
                        0.0
                    }
                }
                2 => {
                    if x >= -b / a {
                        pow(a * x + b, g) + c
                    } else {
                        c
                    }
                }
                3 => {
                    if x >= d {
                        pow(a * x + b, g)
                    } else {
                        c * x
                    }
                }
                _ => {
                    if x >= d {
                        pow(a * x + b, g) + e
                    } else {
                        c * x + f
                    }
                }
            },
        };
        if y.is_nan() { 0.0 } else { y.clamp(0.0, 1.0) }
    }

    /// The curve at the 256 8-bit codes.
    fn at_codes(&self) -> Vec<f64> {
        (0..256).map(|v| self.eval(f64::from(v) / 255.0)).collect()
    }
}

/// How a LUT's three outputs are the PCS.
#[derive(Clone, Copy, Debug)]
enum Pcs {
    /// Lab, v4 (and 8-bit) encoding: L = 100·y, a and b = 255·y − 128.
    Lab,
    /// Lab in `lut16`'s legacy encoding: 0xFF00 is L = 100 and a, b = 127.
    LabLegacy,
    /// XYZ as u1Fixed15: 0x8000 is 1.0.
    Xyz,
}

impl Pcs {
    fn to_xyz(self, y: [f64; 3]) -> [f64; 3] {
        let lab = match self {
            Pcs::Xyz => return y.map(|v| v * 65535.0 / 32768.0),
            Pcs::Lab => [y[0] * 100.0, y[1] * 255.0 - 128.0, y[2] * 255.0 - 128.0],
            Pcs::LabLegacy => {
                let v = y.map(|v| v * 65535.0);
                [
                    v[0] * 100.0 / 65280.0,
                    v[1] / 256.0 - 128.0,
                    v[2] / 256.0 - 128.0,
                ]
            }
        };
        // CIE Lab to XYZ relative to D50 (the inverse of f(t) = t^⅓ above (6/29)³).
        let fy = (lab[0] + 16.0) / 116.0;
        let finv = |t: f64| {
            const D: f64 = 6.0 / 29.0;
            if t > D {
                t * t * t
            } else {
                3.0 * D * D * (t - 4.0 / 29.0)
            }
        };
        [
            D50[0] * finv(fy + lab[1] / 500.0),
            D50[1] * finv(fy),
            D50[2] * finv(fy - lab[2] / 200.0),
        ]
    }
}

/// An n-dimensional grid of 3-channel samples (normalised to `[0, 1]`), the first input
/// varying slowest, interpolated n-linearly.
struct Clut {
    grid: Vec<usize>,
    values: Vec<f64>,
}

impl Clut {
    fn eval(&self, input: &[f64]) -> [f64; 3] {
        let n = self.grid.len();
        let mut base = 0usize;
        let mut stride = vec![0usize; n];
        let mut frac = [0.0f64; 4];
        let mut step = 3usize;
        for d in (0..n).rev() {
            stride[d] = step;
            step *= self.grid[d];
        }
        for d in 0..n {
            let last = self.grid[d] - 1;
            let at = input[d].clamp(0.0, 1.0) * last as f64;
            let i = (at as usize).min(last.saturating_sub(1));
            frac[d] = if last == 0 { 0.0 } else { at - i as f64 };
            base += i * stride[d];
        }
        let mut out = [0.0; 3];
        for corner in 0..1usize << n {
            let mut weight = 1.0;
            let mut at = base;
            for d in 0..n {
                if corner >> (n - 1 - d) & 1 == 1 {
                    if self.grid[d] == 1 {
                        weight = 0.0;
                    }
                    weight *= frac[d];
                    at += stride[d];
                } else {
                    weight *= 1.0 - frac[d];
                }
            }
            if weight != 0.0 {
                for (k, o) in out.iter_mut().enumerate() {
                    *o += weight * self.values[at + k];
                }
            }
        }
        out
    }
}

/// A device-to-PCS LUT (`lut8`, `lut16`: input tables, grid, output tables; `lutAToB`:
/// A curves, grid, M curves, matrix, B curves).
pub(crate) struct Lut {
    /// Per input channel, its curve at the 256 codes.
    a: Vec<Vec<f64>>,
    clut: Option<Clut>,
    m: Vec<Curve>,
    matrix: Option<(Matrix, [f64; 3])>,
    b: Vec<Curve>,
    pcs: Pcs,
}

impl Lut {
    fn from_icc(lut: &LutWarehouse, inputs: usize, pcs: DataColorSpace) -> Option<Lut> {
        let store = |s: &LutStore| -> Vec<f64> {
            match s {
                LutStore::Store8(v) => v.iter().map(|&x| f64::from(x) / 255.0).collect(),
                LutStore::Store16(v) => v.iter().map(|&x| f64::from(x) / 65535.0).collect(),
            }
        };
        let lut = match lut {
            LutWarehouse::Lut(l) => {
                let (ins, outs) = (
                    usize::from(l.num_input_channels),
                    usize::from(l.num_output_channels),
                );
                if ins != inputs || outs != 3 {
                    return None;
                }
                let eight = matches!(l.clut_table, LutStore::Store8(_));
                let pcs = match (pcs, eight) {
                    (DataColorSpace::Lab, true) => Pcs::Lab,
                    (DataColorSpace::Lab, false) => Pcs::LabLegacy,
                    (DataColorSpace::Xyz, false) => Pcs::Xyz,
                    _ => return None,
                };
                let (n_in, n_out) = (
                    usize::from(l.num_input_table_entries),
                    usize::from(l.num_output_table_entries),
                );
                let input = store(&l.input_table);
                let output = store(&l.output_table);
                let values = store(&l.clut_table);
                let g = usize::from(l.num_clut_grid_points);
                if input.len() < ins * n_in
                    || output.len() < 3 * n_out
                    || g == 0
                    || values.len() < g.pow(ins as u32) * 3
                {
                    return None;
                }
                Lut {
                    a: (0..ins)
                        .map(|c| Curve::table(input[c * n_in..(c + 1) * n_in].to_vec()).at_codes())
                        .collect(),
                    clut: Some(Clut {
                        grid: vec![g; ins],
                        values,
                    }),
                    m: Vec::new(),
                    matrix: None,
                    b: (0..3)
                        .map(|c| Curve::table(output[c * n_out..(c + 1) * n_out].to_vec()))
                        .collect(),
                    pcs,
                }
            }
            LutWarehouse::Multidimensional(l) => {
                let (ins, outs) = (
                    usize::from(l.num_input_channels),
                    usize::from(l.num_output_channels),
                );
                if ins != inputs || outs != 3 {
                    return None;
                }
                let pcs = match pcs {
                    DataColorSpace::Lab => Pcs::Lab,
                    DataColorSpace::Xyz => Pcs::Xyz,
                    _ => return None,
                };
                let curves = |c: &[ToneReprCurve], n: usize| -> Option<Vec<Curve>> {
                    match c.len() {
                        0 => Some(vec![Curve::Identity; n]),
                        len if len == n => c.iter().map(Curve::from_icc).collect(),
                        _ => None,
                    }
                };
                let clut = match &l.clut {
                    Some(values) => {
                        let grid: Vec<usize> = l.grid_points[..ins]
                            .iter()
                            .map(|&g| usize::from(g))
                            .collect();
                        let values = store(values);
                        if grid.contains(&0) || values.len() < grid.iter().product::<usize>() * 3 {
                            return None;
                        }
                        Some(Clut { grid, values })
                    }
                    None if ins == 3 => None,
                    None => return None,
                };
                let matrix = (!l.m_curves.is_empty())
                    .then_some((l.matrix.v, [l.bias.v[0], l.bias.v[1], l.bias.v[2]]));
                Lut {
                    a: curves(&l.a_curves, ins)?
                        .iter()
                        .map(Curve::at_codes)
                        .collect(),
                    clut,
                    m: curves(&l.m_curves, 3)?,
                    matrix,
                    b: curves(&l.b_curves, 3)?,
                    pcs,
                }
            }
        };
        Some(lut)
    }

    /// The PCS XYZ (D50) of one pixel's device codes.
    fn eval(&self, codes: &[u8]) -> [f64; 3] {
        let mut input = [0.0f64; 4];
        for (i, (&c, a)) in codes.iter().zip(&self.a).enumerate() {
            input[i] = a[usize::from(c)];
        }
        let mut y = match &self.clut {
            Some(clut) => clut.eval(&input[..codes.len()]),
            None => [input[0], input[1], input[2]],
        };
        for (v, m) in y.iter_mut().zip(&self.m) {
            *v = m.eval(*v);
        }
        if let Some((matrix, bias)) = &self.matrix {
            let t = apply(matrix, y);
            y = std::array::from_fn(|i| (t[i] + bias[i]).clamp(0.0, 1.0));
        }
        for (v, b) in y.iter_mut().zip(&self.b) {
            *v = b.eval(*v);
        }
        self.pcs.to_xyz(y)
    }
}

/// What turns the thumbnail's pixels into sRGB.
pub(crate) enum Conversion {
    /// sRGB already, untagged, or a profile that is ignored.
    None,
    /// CMYK without a usable profile: the naive formula.
    NaiveCmyk,
    /// Matrix/TRC RGB: per channel, linear light at each code; then to linear sRGB.
    Matrix(Box<[Vec<f64>; 3]>, Matrix),
    /// Grey TRC: the PCS's Y at each code.
    Gray(Vec<f64>),
    /// A LUT to the PCS, then PCS XYZ to linear sRGB.
    Lut(Box<Lut>, Matrix),
}

impl Conversion {
    /// The conversion for pixels of `layout` tagged with `icc` (if any).
    pub(crate) fn new(icc: Option<&[u8]>, layout: Layout) -> Conversion {
        let fallback = if layout == Layout::Cmyk8 {
            Conversion::NaiveCmyk
        } else {
            Conversion::None
        };
        let Some(profile) = icc.and_then(|icc| ColorProfile::new_from_slice(icc).ok()) else {
            return fallback;
        };
        Conversion::from_profile(&profile, layout).unwrap_or(fallback)
    }

    fn from_profile(p: &ColorProfile, layout: Layout) -> Option<Conversion> {
        let (space, inputs) = match layout {
            Layout::L8 | Layout::La8 => (DataColorSpace::Gray, 1),
            Layout::Rgb8 | Layout::Rgba8 => (DataColorSpace::Rgb, 3),
            Layout::Cmyk8 => (DataColorSpace::Cmyk, 4),
        };
        let usable_class = matches!(
            p.profile_class,
            ProfileClass::InputDevice
                | ProfileClass::DisplayDevice
                | ProfileClass::OutputDevice
                | ProfileClass::ColorSpace
        );
        if p.color_space != space || !usable_class {
            return None;
        }
        let srgb = rgb_to_xyz_d50(SRGB_PRIMARIES, D65);
        let to_srgb = inverse(&srgb)?;
        let colorants: Matrix = {
            let c = [p.red_colorant, p.green_colorant, p.blue_colorant];
            std::array::from_fn(|i| std::array::from_fn(|j| [c[j].x, c[j].y, c[j].z][i]))
        };
        let trcs =
            [&p.red_trc, &p.green_trc, &p.blue_trc].map(|t| t.as_ref().and_then(Curve::from_icc));
        if space == DataColorSpace::Rgb && trcs.iter().all(Option::is_some) {
            let linear: Vec<Vec<f64>> = trcs.iter().flatten().map(Curve::at_codes).collect();
            let near_srgb = colorants
                .iter()
                .flatten()
                .zip(srgb.iter().flatten())
                .all(|(a, b)| (a - b).abs() <= 0.002)
                && linear.iter().all(|curve| {
                    curve
                        .iter()
                        .enumerate()
                        .all(|(v, &y)| (y - srgb_to_linear(v as f64 / 255.0)).abs() <= 0.0015)
                });
            if near_srgb {
                return Some(Conversion::None);
            }
        }
        let lut = [&p.lut_a_to_b_perceptual, &p.lut_a_to_b_colorimetric]
            .into_iter()
            .flatten()
            .find_map(|lut| Lut::from_icc(lut, inputs, p.pcs));
        if let Some(lut) = lut {
            return Some(Conversion::Lut(Box::new(lut), to_srgb));
        }
        // Matrix/TRC profiles connect through XYZ.
        if p.pcs != DataColorSpace::Xyz {
            return None;
        }
        match space {
            DataColorSpace::Rgb => {
                let [r, g, b] = trcs;
                let curves = [r?, g?, b?].map(|c| c.at_codes());
                Some(Conversion::Matrix(
                    Box::new(curves),
                    mul(&to_srgb, &colorants),
                ))
            }
            DataColorSpace::Gray => Some(Conversion::Gray(
                Curve::from_icc(p.gray_trc.as_ref()?)?.at_codes(),
            )),
            _ => None,
        }
    }

    /// Converts `image` (the layout the conversion was made for) to sRGB: CMYK becomes
    /// RGB, grey stays grey, alpha is kept.
    pub(crate) fn apply(&self, image: Pixels) -> Pixels {
        let n = image.layout.channels();
        let encoder = Encoder::new();
        let to_codes = |m: &Matrix, xyz_or_linear: [f64; 3]| -> [u8; 3] {
            apply(m, xyz_or_linear).map(|v| encoder.code(v.clamp(0.0, 1.0)))
        };
        let (layout, data): (Layout, Vec<u8>) = match self {
            Conversion::None => return image,
            Conversion::NaiveCmyk => (
                Layout::Rgb8,
                image
                    .data
                    .chunks_exact(4)
                    .flat_map(|p| {
                        let k = 255 - u32::from(p[3]);
                        [0, 1, 2].map(|i| (((255 - u32::from(p[i])) * k + 127) / 255) as u8)
                    })
                    .collect(),
            ),
            Conversion::Gray(curve) => {
                let codes: Vec<u8> = curve.iter().map(|&y| encoder.code(y)).collect();
                let mut data = image.data;
                for p in data.chunks_exact_mut(n) {
                    p[0] = codes[usize::from(p[0])];
                }
                (image.layout, data)
            }
            Conversion::Matrix(curves, m) => {
                let mut data = image.data;
                let mut last: Option<([u8; 3], [u8; 3])> = None;
                for p in data.chunks_exact_mut(n) {
                    let rgb = [p[0], p[1], p[2]];
                    let out = match last {
                        Some((input, out)) if input == rgb => out,
                        _ => {
                            let linear = std::array::from_fn(|i| curves[i][usize::from(rgb[i])]);
                            let out = to_codes(m, linear);
                            last = Some((rgb, out));
                            out
                        }
                    };
                    p[..3].copy_from_slice(&out);
                }
                (image.layout, data)
            }
            Conversion::Lut(lut, m) => {
                let out_layout = match image.layout {
                    Layout::Cmyk8 | Layout::Rgb8 => Layout::Rgb8,
                    Layout::Rgba8 => Layout::Rgba8,
                    // A grey LUT profile gives colour: grey becomes RGB.
                    Layout::L8 => Layout::Rgb8,
                    Layout::La8 => Layout::Rgba8,
                };
                let inputs = lut.a.len();
                let alpha = matches!(image.layout, Layout::Rgba8 | Layout::La8);
                let mut data = Vec::with_capacity(image.data.len() / n * out_layout.channels());
                let mut last: Option<(Vec<u8>, [u8; 3])> = None;
                for p in image.data.chunks_exact(n) {
                    let device = &p[..inputs];
                    let out = match &last {
                        Some((input, out)) if input == device => *out,
                        _ => {
                            let out = to_codes(m, lut.eval(device));
                            last = Some((device.to_vec(), out));
                            out
                        }
                    };
                    data.extend_from_slice(&out);
                    if alpha {
                        data.push(p[n - 1]);
                    }
                }
                (out_layout, data)
            }
        };
        Pixels {
            width: image.width,
            height: image.height,
            layout,
            data,
        }
    }
}
