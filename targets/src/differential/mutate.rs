//! Generated inputs: the vectors' requests, mutated. Deterministic: the same seed gives the
//! same requests. Mutations work on the request's typed form (each core's `json::Request`),
//! so every generated request is one the services read, and the differences found are in
//! what they do with it, not in how they refuse malformed JSON.

use conformance::vectors::Group;
use serde_json::Value;

/// A small, seedable generator (SplitMix64): enough for picking mutations, and stable
/// across platforms and releases, unlike a library's default generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Makes mutated requests of one service from its vector groups.
pub struct Mutator {
    service: String,
    /// Every case's request, with the schema names of its group (config only).
    requests: Vec<(Value, Vec<String>)>,
    rng: Rng,
}

impl Mutator {
    /// `None` when `service` has no vectors.
    pub fn new(service: &str, groups: &[Group], seed: u64) -> Option<Mutator> {
        let requests: Vec<(Value, Vec<String>)> = groups
            .iter()
            .filter(|g| g.service == service)
            .flat_map(|group| {
                let names: Vec<String> = group.config["schemas"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["name"].as_str().map(str::to_owned))
                    .collect();
                group
                    .cases
                    .iter()
                    .map(move |case| (group.request(case), names.clone()))
            })
            .collect();
        if requests.is_empty() {
            return None;
        }
        // Each service its own stream: adding inputs to one leaves the others' unchanged.
        let salt = service
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(0x100_0000_01b3) ^ u64::from(b));
        Some(Mutator {
            service: service.to_owned(),
            requests,
            rng: Rng::new(seed ^ salt),
        })
    }

    /// The next mutated request (`None` only if the vectors' own requests do not parse).
    pub fn next_request(&mut self) -> Option<Value> {
        let (request, names) = self.rng.pick(&self.requests).clone();
        let donor = self.rng.pick(&self.requests).0.clone();
        let rng = &mut self.rng;
        match self.service.as_str() {
            "token" => token(request, &donor, rng),
            "config" => config(request, &names, &donor, rng),
            "thumbnail" => thumbnail(request, &donor, rng),
            _ => None,
        }
    }
}

fn json(value: impl serde::Serialize) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// The token, its time, now and then the key set.
fn token(request: Value, donor: &Value, rng: &mut Rng) -> Option<Value> {
    let mut request: token_core::json::Request = serde_json::from_value(request).ok()?;
    const ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    // A third keep the token whole (most are validly signed) and move the clock or the
    // policy instead: the claim checks and the verified path, not just the parser.
    let keep_token = rng.one_in(3);
    if keep_token {
        let policy = &mut request.config.policy;
        match rng.below(4) {
            0 => policy.leeway_seconds = rng.below(120) as u32,
            1 => policy.max_age_seconds = rng.one_in(2).then(|| rng.below(7200) as u32),
            2 => policy.allowed_algorithms.retain(|_| rng.one_in(2)),
            _ => policy
                .required_claims
                .push((*rng.pick(&["sub", "exp", "iat", "x"])).to_owned()),
        }
    }
    for _ in 0..if keep_token { 0 } else { 1 + rng.below(3) } {
        match rng.below(6) {
            // A segment of another token (header, payload or signature).
            0 => {
                if let Some(other) = donor["token"].as_str() {
                    let mut mine: Vec<String> =
                        request.token.split('.').map(str::to_owned).collect();
                    let theirs: Vec<&str> = other.split('.').collect();
                    let at = rng.below(mine.len());
                    mine[at] = (*rng.pick(&theirs)).to_owned();
                    request.token = mine.join(".");
                }
            }
            // A segment re-encoded from a mutated decoding: reaches the JSON parsers.
            1 => request.token = mutate_segment(&request.token, rng),
            _ => {
                let mut bytes = request.token.into_bytes();
                mutate_bytes(&mut bytes, ALPHABET, rng);
                request.token = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
    }
    if keep_token || rng.one_in(4) {
        let now = request.now.unwrap_or(1_700_000_000);
        let offsets = [
            -1,
            1,
            -60,
            60,
            -3600,
            3600,
            -86_400 * 400,
            i64::MAX / 2,
            i64::MIN / 2,
        ];
        request.now = Some(now.saturating_add(*rng.pick(&offsets)));
    }
    if !keep_token && rng.one_in(8) {
        let mut jwks = request.config.jwks.into_bytes();
        mutate_bytes(&mut jwks, b"{}[]\":,0123456789AQab-_ ", rng);
        request.config.jwks = String::from_utf8_lossy(&jwks).into_owned();
    }
    json(request)
}

/// Decodes one base64url segment of `token`, mutates the JSON text, encodes it again.
fn mutate_segment(token: &str, rng: &mut Rng) -> String {
    use ct_codecs::{Base64UrlSafeNoPadding, Decoder, Encoder};
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let at = rng.below(parts.len().min(2));
    let Ok(mut decoded) = Base64UrlSafeNoPadding::decode_to_vec(&parts[at], None) else {
        return token.to_owned();
    };
    mutate_bytes(&mut decoded, JSON_PIECES, rng);
    if let Ok(encoded) = Base64UrlSafeNoPadding::encode_to_string(&decoded) {
        parts[at] = encoded;
    }
    parts.join(".")
}

/// Bytes that mean something to JSON, YAML and TOML parsers.
const JSON_PIECES: &[u8] = b"{}[]\":,.-+eE0123456789 \t\n\\/#&*!|>'=tfnul";

/// The document, now and then its format or schema.
fn config(request: Value, names: &[String], donor: &Value, rng: &mut Rng) -> Option<Value> {
    let mut request: config_core::json::Request = serde_json::from_value(request).ok()?;
    // A third of JSON documents stay JSON: a value changed, added or removed, so the
    // validator (not the parser) sees them.
    if request.format == config_core::DocumentFormat::Json
        && rng.one_in(3)
        && let Ok(mut value) = serde_json::from_str::<Value>(&request.document)
    {
        for _ in 0..1 + rng.below(3) {
            mutate_value(&mut value, rng);
        }
        request.document = value.to_string();
        if rng.one_in(4) && !names.is_empty() {
            request.schema = rng.pick(names).clone();
        }
        return json(request);
    }
    let mut document = request.document.into_bytes();
    for _ in 0..1 + rng.below(4) {
        if rng.one_in(6) {
            // Splice in a piece of another case's document.
            if let Some(other) = donor["document"].as_str().filter(|d| !d.is_empty()) {
                let other = other.as_bytes();
                let start = rng.below(other.len());
                let end = start + rng.below(other.len() - start + 1);
                let at = rng.below(document.len() + 1);
                document.splice(at..at, other[start..end].iter().copied());
            }
        } else if rng.one_in(5) {
            // Text that is not ASCII: multi-byte UTF-8 in keys and values.
            let pieces = [
                "é", "\u{130}", "𝒳", "\u{feff}", "\u{202e}", "\u{0}", "ß", "\u{2028}",
            ];
            let at = rng.below(document.len() + 1);
            document.splice(at..at, rng.pick(&pieces).bytes());
        } else {
            mutate_bytes(&mut document, JSON_PIECES, rng);
        }
    }
    request.document = String::from_utf8_lossy(&document).into_owned();
    if rng.one_in(6) {
        use config_core::DocumentFormat::*;
        request.format = *rng.pick(&[Json, Yaml, Toml]);
    }
    if rng.one_in(8) && !names.is_empty() {
        request.schema = rng.pick(names).clone();
    }
    if rng.one_in(10) {
        let limits = &mut request.config.limits;
        match rng.below(3) {
            0 => limits.max_depth = rng.below(6) as u32,
            1 => limits.max_errors = rng.below(4) as u32,
            _ => limits.max_document_bytes = rng.below(64) as u32,
        }
    }
    json(request)
}

/// Replaces, removes or adds one value somewhere in `value`.
fn mutate_value(value: &mut Value, rng: &mut Rng) {
    let leaf = |rng: &mut Rng| -> Value {
        match rng.below(9) {
            0 => Value::Null,
            1 => Value::Bool(rng.one_in(2)),
            2 => Value::from(rng.below(100_000) as i64 - 50_000),
            3 => Value::from(rng.below(1000) as f64 / 7.0),
            4 => Value::from(*rng.pick(&[65_535, 65_536, 0, -1, 1 << 53, i64::MAX])),
            5 => Value::from(*rng.pick(&["", "x", "a@b.example", "2024-02-30", "ftp://h", "::1"])),
            6 => Value::from("é".repeat(rng.below(40))),
            7 => Value::Array(Vec::new()),
            _ => Value::Object(serde_json::Map::new()),
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() && !rng.one_in(4) => {
            let key = map
                .keys()
                .nth(rng.below(map.len()))
                .cloned()
                .unwrap_or_default();
            match rng.below(5) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(format!("{key}{}", rng.below(10)), leaf(rng));
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate_value(child, rng);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() && !rng.one_in(4) => match rng.below(4) {
            0 => {
                items.remove(rng.below(items.len()));
            }
            1 => {
                let copy = items[rng.below(items.len())].clone();
                items.push(copy);
            }
            _ => {
                let at = rng.below(items.len());
                mutate_value(&mut items[at], rng);
            }
        },
        other => *other = leaf(rng),
    }
}

/// The image's bytes, and now and then the request's options or the limits.
fn thumbnail(request: Value, donor: &Value, rng: &mut Rng) -> Option<Value> {
    use thumbnail_core::{Fit, ImageFormat, MAX_DIMENSION, Rgb};
    let mut request: thumbnail_core::json::Request = serde_json::from_value(request).ok()?;
    let image = &mut request.image;
    // Half keep the image whole and change the options: the resize and the encoders, not
    // just the decoders' refusals.
    let keep_image = rng.one_in(2);
    for _ in 0..if keep_image { 0 } else { 1 + rng.below(4) } {
        if rng.one_in(8) {
            // Another image's tail on this one's head: foreign chunks and segments.
            let other = donor["image"]
                .as_str()
                .and_then(|b| thumbnail_core::json::base64::decode(b).ok())
                .unwrap_or_default();
            if !other.is_empty() {
                let from = rng.below(other.len());
                let at = rng.below(image.len() + 1);
                image.truncate(at);
                image.extend_from_slice(&other[from..]);
            }
        } else {
            mutate_bytes(
                image,
                &[0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x20],
                rng,
            );
        }
    }
    let options = &mut request.request;
    let option_changes = if keep_image {
        1 + rng.below(3)
    } else {
        usize::from(rng.one_in(3))
    };
    for _ in 0..option_changes {
        let dimension = |rng: &mut Rng| match rng.below(4) {
            0 => rng.below(4) as u32,
            1 => MAX_DIMENSION - 1 + rng.below(3) as u32,
            _ => 1 + rng.below(400) as u32,
        };
        match rng.below(7) {
            0 => options.width = dimension(rng),
            1 => options.height = dimension(rng),
            2 => options.fit = *rng.pick(&[Fit::Contain, Fit::Cover, Fit::Fill]),
            3 => {
                options.format = *rng.pick(&[
                    ImageFormat::Jpeg,
                    ImageFormat::Png,
                    ImageFormat::Webp,
                    ImageFormat::Gif,
                ])
            }
            4 => options.quality = rng.one_in(4).then(|| rng.below(256) as u8),
            5 => options.upscale = !options.upscale,
            _ => {
                options.background = Some(Rgb {
                    r: rng.below(256) as u8,
                    g: rng.below(256) as u8,
                    b: rng.below(256) as u8,
                })
            }
        }
    }
    if rng.one_in(10) {
        let limits = &mut request.config.limits;
        match rng.below(3) {
            0 => limits.max_input_bytes = rng.below(1 << 16) as u32,
            1 => limits.max_pixels = rng.below(1 << 16) as u64,
            _ => limits.max_alloc_bytes = rng.below(1 << 20) as u64,
        }
    }
    json(request)
}

/// One mutation of `bytes`: overwrite, insert, delete, duplicate or truncate, with bytes
/// from `palette` or random ones.
pub fn mutate_bytes(bytes: &mut Vec<u8>, palette: &[u8], rng: &mut Rng) {
    let byte = |rng: &mut Rng| {
        if rng.one_in(4) {
            rng.next_u64() as u8
        } else {
            *rng.pick(palette)
        }
    };
    if bytes.is_empty() {
        bytes.push(byte(rng));
        return;
    }
    let len = bytes.len();
    let at = rng.below(len);
    // Short runs mostly, longer ones sometimes.
    let run = 1 + if rng.one_in(4) {
        rng.below(len.min(64))
    } else {
        rng.below(4)
    };
    match rng.below(7) {
        0 | 1 => {
            for b in &mut bytes[at..(at + run).min(len)] {
                *b = byte(rng);
            }
        }
        2 => bytes[at] ^= 1 << rng.below(8),
        3 => {
            let inserted: Vec<u8> = (0..run).map(|_| byte(rng)).collect();
            bytes.splice(at..at, inserted);
        }
        4 => {
            bytes.drain(at..(at + run).min(len));
        }
        5 => {
            let copy = bytes[at..(at + run).min(len)].to_vec();
            let to = rng.below(bytes.len() + 1);
            bytes.splice(to..to, copy);
        }
        _ => bytes.truncate(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<Group> {
        conformance::vectors::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/vectors"),
        )
        .unwrap()
    }

    /// The same seed makes the same requests; another seed other ones; every one is a
    /// request its core reads.
    #[test]
    fn mutations_are_deterministic_valid_requests() {
        let groups = groups();
        for service in service_http::Spec::names() {
            let make = |seed| {
                let mut mutator = Mutator::new(service, &groups, seed).unwrap();
                (0..40)
                    .map(|_| mutator.next_request().unwrap())
                    .collect::<Vec<_>>()
            };
            let (a, b, c) = (make(7), make(7), make(8));
            assert_eq!(a, b, "{service}");
            assert_ne!(a, c, "{service}");
            let originals: Vec<Value> = groups
                .iter()
                .filter(|g| g.service == service)
                .flat_map(|g| g.cases.iter().map(|c| g.request(c)))
                .collect();
            let changed = a.iter().filter(|r| !originals.contains(r)).count();
            assert!(changed > 30, "{service}: only {changed} of 40 mutated");
            for request in &a {
                crate::native::canonical_request(service, request)
                    .unwrap_or_else(|e| panic!("{service}: {e:#}: {request}"));
            }
        }
        assert!(Mutator::new("nothing", &groups, 1).is_none());
    }

    #[test]
    fn byte_mutations_stay_in_bounds() {
        let mut rng = Rng::new(3);
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            mutate_bytes(&mut bytes, b"ab", &mut rng);
            assert!(bytes.len() < 100_000);
        }
    }
}
