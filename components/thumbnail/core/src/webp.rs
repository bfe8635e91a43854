//! Lossless WebP (VP8L, RFC 9649) written by the service itself, so that the same pixels
//! give the same bytes on every target.
//!
//! image-webp 0.2.4's encoder (behind `image`'s `WebPEncoder`) is not: when a prefix code
//! needs more than 15 bits it re-assigns lengths in the order of `sort_unstable_by_key` on
//! `(usize, u32)` pairs, and std's unstable sort picks its small-sort by element size
//! (16 bytes on 64-bit hosts, 8 on wasm32), so symbols of equal frequency come out in a
//! different order and the file differs — valid either way, but not the same bytes. Here
//! every choice is a function of the pixels: ties are broken by symbol number and every
//! cost is an integer.
//!
//! The bitstream: the subtract-green transform, then the predictor transform with one of
//! the 14 predictors per 16×16 block (the one with the smallest sum of absolute
//! residuals), then the residuals entropy-coded with one group of five prefix codes, no
//! colour cache, and backward references that copy runs from the pixel to the left or the
//! one above.

use std::collections::BinaryHeap;

/// Predictor blocks are `1 << BLOCK_BITS` pixels square.
const BLOCK_BITS: u32 = 4;
/// Longest backward reference the format allows.
const MAX_COPY: usize = 4096;
/// Shortest run worth a backward reference (a length and a distance symbol).
const MIN_COPY: usize = 3;
/// Longest prefix code (the format's limit) and longest code-length code.
const MAX_CODE_BITS: u8 = 15;
const MAX_CODE_LENGTH_BITS: u8 = 7;
/// The green alphabet: 256 literals and 24 length prefixes (no colour cache).
const GREEN_ALPHABET: usize = 256 + 24;
const DISTANCE_ALPHABET: usize = 40;
/// The order in which code-length code lengths are written.
const CODE_LENGTH_ORDER: [usize; 19] = [
    17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
];
/// Distance codes (before the 120-entry plane mapping) of the two references used: the
/// pixel above is plane code 1 (offset (0, 1)), the pixel to the left plane code 2 ((1, 0)).
const DISTANCE_UP: u32 = 1;
const DISTANCE_LEFT: u32 = 2;

/// Encodes `width × height` pixels (`channels` = 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA,
/// row-major, 8-bit) as a lossless WebP file. Both sides must be in `1..=16384`.
pub(crate) fn encode(width: u32, height: u32, channels: usize, data: &[u8]) -> Vec<u8> {
    debug_assert!((1..=16384).contains(&width) && (1..=16384).contains(&height));
    debug_assert_eq!(data.len(), width as usize * height as usize * channels);
    let argb: Vec<[u8; 4]> = data
        .chunks_exact(channels)
        .map(|p| match *p {
            [l] => [255, l, l, l],
            [l, a] => [a, l, l, l],
            [r, g, b] => [255, r, g, b],
            [r, g, b, a] => [a, r, g, b],
            _ => unreachable!("1 to 4 channels"),
        })
        .collect();
    let has_alpha = argb.iter().any(|p| p[0] != 255);
    let mut w = BitWriter::default();
    w.put(0x2F, 8);
    w.put(width - 1, 14);
    w.put(height - 1, 14);
    w.put(u32::from(has_alpha), 1);
    w.put(0, 3); // version

    // Subtract green: red and blue minus green, modulo 256.
    let pixels: Vec<[u8; 4]> = argb
        .iter()
        .map(|&[a, r, g, b]| [a, r.wrapping_sub(g), g, b.wrapping_sub(g)])
        .collect();
    w.put(1, 1);
    w.put(2, 2);

    // Predictor: one mode per block, written as a sub-image (the mode in green).
    let (w_px, h_px) = (width as usize, height as usize);
    let modes = choose_modes(&pixels, w_px, h_px);
    w.put(1, 1);
    w.put(0, 2);
    w.put(BLOCK_BITS - 2, 3);
    let blocks_x = w_px.div_ceil(1 << BLOCK_BITS);
    let mode_image: Vec<[u8; 4]> = modes.iter().map(|&m| [255, 0, m, 0]).collect();
    w.put(0, 1); // no colour cache
    write_image(&mut w, &mode_image, blocks_x);
    let residuals = predict(&pixels, w_px, h_px, &modes, blocks_x);
    w.put(0, 1); // no more transforms

    w.put(0, 1); // no colour cache
    w.put(0, 1); // no meta prefix codes
    write_image(&mut w, &residuals, w_px);
    let vp8l = w.finish();

    let padded = vp8l.len() + vp8l.len() % 2;
    let mut out = Vec::with_capacity(20 + padded);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(4 + 8 + padded as u32).to_le_bytes());
    out.extend_from_slice(b"WEBPVP8L");
    out.extend_from_slice(&(vp8l.len() as u32).to_le_bytes());
    out.extend_from_slice(&vp8l);
    if vp8l.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// Bits, least significant first, as VP8L reads them.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    buffer: u64,
    count: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, bits: u32) {
        debug_assert!(bits <= 32 && u64::from(value) < 1u64 << bits);
        self.buffer |= u64::from(value) << self.count;
        self.count += bits;
        while self.count >= 8 {
            self.bytes.push(self.buffer as u8);
            self.buffer >>= 8;
            self.count -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.bytes.push(self.buffer as u8);
        }
        self.bytes
    }
}

// ---------------------------------------------------------------------------------------
// The predictor transform (RFC 9649 §4.1). Pixels are [a, r, g, b].

fn average2(x: [u8; 4], y: [u8; 4]) -> [u8; 4] {
    std::array::from_fn(|i| ((u16::from(x[i]) + u16::from(y[i])) / 2) as u8)
}

fn select(l: [u8; 4], t: [u8; 4], tl: [u8; 4]) -> [u8; 4] {
    // Manhattan distance of L and of T to the gradient estimate L + T − TL.
    let (mut pl, mut pt) = (0i32, 0i32);
    for i in 0..4 {
        let estimate = i32::from(l[i]) + i32::from(t[i]) - i32::from(tl[i]);
        pl += (estimate - i32::from(l[i])).abs();
        pt += (estimate - i32::from(t[i])).abs();
    }
    if pl < pt { l } else { t }
}

fn clamp_add_subtract_full(a: [u8; 4], b: [u8; 4], c: [u8; 4]) -> [u8; 4] {
    std::array::from_fn(|i| {
        (i32::from(a[i]) + i32::from(b[i]) - i32::from(c[i])).clamp(0, 255) as u8
    })
}

fn clamp_add_subtract_half(a: [u8; 4], b: [u8; 4]) -> [u8; 4] {
    // (a − b) / 2 truncates towards zero, as in the specification's C.
    std::array::from_fn(|i| {
        (i32::from(a[i]) + (i32::from(a[i]) - i32::from(b[i])) / 2).clamp(0, 255) as u8
    })
}

/// The prediction for pixel `(x, y)` under `mode`, from the (green-subtracted) image.
fn prediction(pixels: &[[u8; 4]], width: usize, x: usize, y: usize, mode: u8) -> [u8; 4] {
    let at = y * width + x;
    if y == 0 {
        return if x == 0 {
            [255, 0, 0, 0]
        } else {
            pixels[at - 1]
        };
    }
    if x == 0 {
        return pixels[at - width];
    }
    let l = pixels[at - 1];
    let t = pixels[at - width];
    let tl = pixels[at - width - 1];
    // On the rightmost column the "top-right" pixel is the first of the current row,
    // which is what the next index in row-major order is.
    let tr = pixels[at - width + 1];
    match mode {
        0 => [255, 0, 0, 0],
        1 => l,
        2 => t,
        3 => tr,
        4 => tl,
        5 => average2(average2(l, tr), t),
        6 => average2(l, tl),
        7 => average2(l, t),
        8 => average2(tl, t),
        9 => average2(t, tr),
        10 => average2(average2(l, tl), average2(t, tr)),
        11 => select(l, t, tl),
        12 => clamp_add_subtract_full(l, t, tl),
        _ => clamp_add_subtract_half(average2(l, t), tl),
    }
}

fn residual(pixel: [u8; 4], predicted: [u8; 4]) -> [u8; 4] {
    std::array::from_fn(|i| pixel[i].wrapping_sub(predicted[i]))
}

/// For each block, the mode (0–13) whose residuals have the smallest sum of absolute
/// values (as signed bytes); the lowest mode number on a tie.
pub(crate) fn choose_modes(pixels: &[[u8; 4]], width: usize, height: usize) -> Vec<u8> {
    let block = 1usize << BLOCK_BITS;
    let (bx, by) = (width.div_ceil(block), height.div_ceil(block));
    let mut modes = Vec::with_capacity(bx * by);
    for j in 0..by {
        for i in 0..bx {
            let (x0, y0) = (i * block, j * block);
            let (x1, y1) = ((x0 + block).min(width), (y0 + block).min(height));
            let mut best = (u64::MAX, 0u8);
            for mode in 0..14u8 {
                let mut cost = 0u64;
                for y in y0..y1 {
                    for x in x0..x1 {
                        let r =
                            residual(pixels[y * width + x], prediction(pixels, width, x, y, mode));
                        cost += r
                            .iter()
                            .map(|&v| u64::from((v as i8).unsigned_abs()))
                            .sum::<u64>();
                    }
                }
                if cost < best.0 {
                    best = (cost, mode);
                }
            }
            modes.push(best.1);
        }
    }
    modes
}

fn predict(
    pixels: &[[u8; 4]],
    width: usize,
    height: usize,
    modes: &[u8],
    blocks_x: usize,
) -> Vec<[u8; 4]> {
    let mut out = Vec::with_capacity(pixels.len());
    for y in 0..height {
        for x in 0..width {
            let mode = modes[(y >> BLOCK_BITS) * blocks_x + (x >> BLOCK_BITS)];
            out.push(residual(
                pixels[y * width + x],
                prediction(pixels, width, x, y, mode),
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Entropy-coded images (RFC 9649 §5): literals and backward references.

enum Symbol {
    Literal([u8; 4]),
    /// A copy of `length` pixels from `distance` (a distance code before plane mapping).
    Copy {
        length: usize,
        distance: u32,
    },
}

/// A length or distance value as a prefix symbol, its extra bits and their value.
fn prefix(value: u32) -> (usize, u32, u32) {
    debug_assert!(value >= 1);
    if value <= 4 {
        return ((value - 1) as usize, 0, 0);
    }
    let v = value - 1;
    let high = 31 - v.leading_zeros();
    let second = (v >> (high - 1)) & 1;
    let extra_bits = high - 1;
    (
        (2 * high + second) as usize,
        extra_bits,
        v & ((1 << extra_bits) - 1),
    )
}

/// Greedy backward references: at each pixel, the longer run of pixels equal to their
/// left or upper neighbour, if it is at least [`MIN_COPY`] long; otherwise a literal.
fn symbols(pixels: &[[u8; 4]], width: usize) -> Vec<Symbol> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < pixels.len() {
        let run = |back: usize| {
            if at < back {
                return 0;
            }
            (at..pixels.len().min(at + MAX_COPY))
                .take_while(|&i| pixels[i] == pixels[i - back])
                .count()
        };
        let (left, up) = (run(1), run(width));
        let (length, distance) = if up > left {
            (up, DISTANCE_UP)
        } else {
            (left, DISTANCE_LEFT)
        };
        if length >= MIN_COPY {
            out.push(Symbol::Copy { length, distance });
            at += length;
        } else {
            out.push(Symbol::Literal(pixels[at]));
            at += 1;
        }
    }
    out
}

/// Writes an entropy-coded image without meta prefix codes (the caller has written the
/// colour-cache bit): five prefix codes, then the symbols.
fn write_image(w: &mut BitWriter, pixels: &[[u8; 4]], width: usize) {
    let symbols = symbols(pixels, width);
    let mut green = vec![0u32; GREEN_ALPHABET];
    let mut red = vec![0u32; 256];
    let mut blue = vec![0u32; 256];
    let mut alpha = vec![0u32; 256];
    let mut distance = vec![0u32; DISTANCE_ALPHABET];
    for s in &symbols {
        match *s {
            Symbol::Literal([a, r, g, b]) => {
                green[usize::from(g)] += 1;
                red[usize::from(r)] += 1;
                blue[usize::from(b)] += 1;
                alpha[usize::from(a)] += 1;
            }
            Symbol::Copy {
                length,
                distance: d,
            } => {
                green[256 + prefix(length as u32).0] += 1;
                distance[prefix(d).0] += 1;
            }
        }
    }
    let codes = [&green, &red, &blue, &alpha, &distance].map(|f| write_code(w, f));
    let [green, red, blue, alpha, distance] = &codes;
    for s in &symbols {
        match *s {
            Symbol::Literal([a, r, g, b]) => {
                green.put(w, usize::from(g));
                red.put(w, usize::from(r));
                blue.put(w, usize::from(b));
                alpha.put(w, usize::from(a));
            }
            Symbol::Copy {
                length,
                distance: d,
            } => {
                let (symbol, bits, extra) = prefix(length as u32);
                green.put(w, 256 + symbol);
                w.put(extra, bits);
                let (symbol, bits, extra) = prefix(d);
                distance.put(w, symbol);
                w.put(extra, bits);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Prefix codes (RFC 9649 §3.7.2).

/// Canonical prefix codes: per symbol, its length and its bits in writing order.
struct Code {
    lengths: Vec<u8>,
    bits: Vec<u16>,
}

impl Code {
    fn from_lengths(lengths: Vec<u8>) -> Code {
        let mut bits = vec![0u16; lengths.len()];
        let mut next = 0u32;
        for len in 1..=MAX_CODE_BITS {
            for (symbol, &l) in lengths.iter().enumerate() {
                if l == len {
                    // Codes are read most significant bit first, one bit at a time from
                    // the least significant end of the stream: write them reversed.
                    bits[symbol] = (next as u16).reverse_bits() >> (16 - u32::from(len));
                    next += 1;
                }
            }
            next <<= 1;
        }
        Code { lengths, bits }
    }

    fn put(&self, w: &mut BitWriter, symbol: usize) {
        w.put(
            u32::from(self.bits[symbol]),
            u32::from(self.lengths[symbol]),
        );
    }
}

/// Huffman code lengths for `frequencies`, none longer than `limit`: a complete code over
/// the symbols that occur (at least two: with one, a second symbol gets length 1 too).
/// Ties are broken by symbol number. When the tree is too deep, the small frequencies are
/// raised to a floor that doubles until it fits.
pub(crate) fn code_lengths(frequencies: &[u32], limit: u8) -> Vec<u8> {
    let mut used: Vec<usize> = (0..frequencies.len())
        .filter(|&s| frequencies[s] > 0)
        .collect();
    match used.len() {
        0 => used.extend([0, 1]),
        1 => used.push(if used[0] == 0 { 1 } else { 0 }),
        _ => {}
    }
    let mut floor = 1u64;
    loop {
        let weights: Vec<u64> = used
            .iter()
            .map(|&s| u64::from(frequencies[s]).max(floor))
            .collect();
        let depths = huffman_depths(&weights);
        if depths.iter().all(|&d| d <= limit) {
            let mut lengths = vec![0u8; frequencies.len()];
            for (&s, &d) in used.iter().zip(&depths) {
                lengths[s] = d;
            }
            return lengths;
        }
        floor *= 2;
    }
}

/// The depth of each leaf in a Huffman tree over `weights` (at least two). Nodes are
/// merged lightest first; equal weights are taken in order of creation (leaves by
/// position, then internal nodes), so the tree does not depend on how a heap or sort
/// orders ties.
fn huffman_depths(weights: &[u64]) -> Vec<u8> {
    use std::cmp::Reverse;
    let n = weights.len();
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| Reverse((w, i)))
        .collect();
    // parent[i] for leaves and internal nodes (numbered from n).
    let mut parent = vec![usize::MAX; 2 * n - 1];
    let mut next = n;
    while heap.len() > 1 {
        let Reverse((w1, a)) = heap.pop().expect("two nodes");
        let Reverse((w2, b)) = heap.pop().expect("two nodes");
        parent[a] = next;
        parent[b] = next;
        heap.push(Reverse((w1 + w2, next)));
        next += 1;
    }
    let mut depth = vec![0u8; 2 * n - 1];
    // Parents are numbered after their children: walk from the root down.
    for node in (0..2 * n - 2).rev() {
        depth[node] = depth[parent[node]].saturating_add(1);
    }
    depth.truncate(n);
    depth
}

/// Writes the prefix code for `frequencies` and returns it. An alphabet that uses one
/// symbol below 256 (or none) gets the one-symbol simple code, whose symbol takes no bits.
fn write_code(w: &mut BitWriter, frequencies: &[u32]) -> Code {
    let mut used = (0..frequencies.len()).filter(|&s| frequencies[s] > 0);
    let (first, second) = (used.next(), used.next());
    if second.is_none() && first.is_none_or(|s| s < 256) {
        let symbol = first.unwrap_or(0);
        w.put(1, 1); // simple code
        w.put(0, 1); // one symbol
        if symbol < 2 {
            w.put(0, 1);
            w.put(symbol as u32, 1);
        } else {
            w.put(1, 1);
            w.put(symbol as u32, 8);
        }
        return Code {
            lengths: vec![0; frequencies.len()],
            bits: vec![0; frequencies.len()],
        };
    }
    let lengths = code_lengths(frequencies, MAX_CODE_BITS);
    w.put(0, 1); // normal code
    // The lengths as code-length symbols: 0–15 literally, 16 repeats the previous
    // non-zero length 3–6 times, 17 and 18 are runs of 3–10 and 11–138 zeros.
    let mut tokens: Vec<(usize, u32, u32)> = Vec::new(); // (symbol, extra bits, value)
    let mut i = 0;
    while i < lengths.len() {
        let value = lengths[i];
        let run = lengths[i..].iter().take_while(|&&l| l == value).count();
        if value == 0 {
            let mut left = run;
            while left > 0 {
                if left >= 11 {
                    let n = left.min(138);
                    tokens.push((18, 7, (n - 11) as u32));
                    left -= n;
                } else if left >= 3 {
                    tokens.push((17, 3, (left - 3) as u32));
                    left = 0;
                } else {
                    tokens.push((0, 0, 0));
                    left -= 1;
                }
            }
        } else {
            tokens.push((usize::from(value), 0, 0));
            let mut left = run - 1;
            while left > 0 {
                if left >= 3 {
                    let n = left.min(6);
                    tokens.push((16, 2, (n - 3) as u32));
                    left -= n;
                } else {
                    tokens.push((usize::from(value), 0, 0));
                    left -= 1;
                }
            }
        }
        i += run;
    }
    let mut frequencies = [0u32; 19];
    for &(symbol, _, _) in &tokens {
        frequencies[symbol] += 1;
    }
    let length_code = Code::from_lengths(code_lengths(&frequencies, MAX_CODE_LENGTH_BITS));
    let count = CODE_LENGTH_ORDER
        .iter()
        .rposition(|&s| length_code.lengths[s] != 0)
        .map_or(0, |p| p + 1)
        .max(4);
    w.put(count as u32 - 4, 4);
    for &s in &CODE_LENGTH_ORDER[..count] {
        w.put(u32::from(length_code.lengths[s]), 3);
    }
    w.put(0, 1); // every symbol's length is written (no max_symbol)
    for &(symbol, bits, value) in &tokens {
        length_code.put(w, symbol);
        w.put(value, bits);
    }
    Code::from_lengths(lengths)
}
