//! Fuzz targets over the public APIs the service forms call: the three core crates, the
//! HTTP mapping and the conformance loaders.
//!
//! Every target is a function of arbitrary bytes. The property checked everywhere is the
//! project's rule for bad input: no panic, no hang, no unbounded allocation, and a typed
//! error whose code is one of its service's WIT codes; some targets add cheap invariants of
//! their own (limits respected, violations sorted, statuses that follow codes). A broken
//! property is a panic, which AFL++ records as a crash.
//!
//! [`TARGETS`] is the one table: the `fuzz` binary runs a target by name (under AFL++ when
//! built by `cargo afl build --features afl`, else over files), `cargo xtask fuzz` runs each
//! one, and the tests replay every target's seeds and the committed regression inputs
//! (`fuzz/regressions/<target>/`). Seeds are generated here, from the vector files and small
//! generators, never copied in.

pub mod alloc;
mod config;
mod conformance_loaders;
mod http;
mod input;
pub mod requests;
mod seeds;
mod thumbnail;
mod token;
pub mod wit;

use std::path::Path;

/// One fuzz target.
pub struct Target {
    /// What `cargo xtask fuzz --target` and the `fuzz` binary call it.
    pub name: &'static str,
    /// What it feeds to what.
    pub about: &'static str,
    /// Runs one input; panics when a property does not hold.
    pub run: fn(&[u8]),
    /// The seed corpus: (file name, contents).
    pub seeds: fn() -> Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every target, in the order `cargo xtask fuzz` runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "token-jws",
        about: "compact JWS text to Verifier::verify with the all-algorithms key set",
        run: token::jws,
        seeds: token::jws_seeds,
    },
    Target {
        name: "token-verify",
        about: "header and payload signed here with the set's HS256 key, through the JSON form (json::serve)",
        run: token::verify,
        seeds: token::verify_seeds,
    },
    Target {
        name: "token-jwks",
        about: "JWKS text to KeySet::parse and Verifier::new, then fixed tokens against it",
        run: token::jwks,
        seeds: token::jwks_seeds,
    },
    Target {
        name: "config-json",
        about: "a JSON document to documents::parse under tight limits",
        run: config::json,
        seeds: config::json_seeds,
    },
    Target {
        name: "config-yaml",
        about: "a YAML document to documents::parse under tight limits",
        run: config::yaml,
        seeds: config::yaml_seeds,
    },
    Target {
        name: "config-toml",
        about: "a TOML document to documents::parse under tight limits",
        run: config::toml,
        seeds: config::toml_seeds,
    },
    Target {
        name: "config-validate",
        about: "a document (schema and format from its first byte) to Validator::validate with the keywords schema set",
        run: config::validate,
        seeds: config::validate_seeds,
    },
    Target {
        name: "config-schemas",
        about: "a schema set (or one schema) to Validator::new, then fixed documents against each schema",
        run: config::schemas,
        seeds: config::schemas_seeds,
    },
    Target {
        name: "thumbnail-header",
        about: "any bytes to Thumbnailer::thumbnail with a 1-byte decode budget: sniffing, headers, EXIF and limits, no pixels",
        run: thumbnail::header,
        seeds: thumbnail::header_seeds,
    },
    Target {
        name: "thumbnail-jpeg",
        about: "a JPEG decoded and thumbnailed under tight limits",
        run: thumbnail::jpeg,
        seeds: thumbnail::jpeg_seeds,
    },
    Target {
        name: "thumbnail-png",
        about: "a PNG decoded and thumbnailed under tight limits",
        run: thumbnail::png,
        seeds: thumbnail::png_seeds,
    },
    Target {
        name: "thumbnail-gif",
        about: "a GIF decoded and thumbnailed under tight limits",
        run: thumbnail::gif,
        seeds: thumbnail::gif_seeds,
    },
    Target {
        name: "thumbnail-webp",
        about: "a WebP decoded and thumbnailed under tight limits",
        run: thumbnail::webp,
        seeds: thumbnail::webp_seeds,
    },
    Target {
        name: "thumbnail-request",
        about: "the whole request through the JSON form: limits, box, fit, format, quality from 10 bytes, then the image",
        run: thumbnail::request,
        seeds: thumbnail::request_seeds,
    },
    Target {
        name: "http-request",
        about: "a raw HTTP request (method, target, headers, body) to service_http::handle with a three-service, three-tenant deployment",
        run: http::request,
        seeds: http::request_seeds,
    },
    Target {
        name: "http-deployment",
        about: "deployment JSON to Deployment::from_json, then /healthz and one request per service",
        run: http::deployment,
        seeds: http::deployment_seeds,
    },
    Target {
        name: "vectors",
        about: "a vector file to conformance::vectors::load_file, then every case's request",
        run: conformance_loaders::vectors,
        seeds: conformance_loaders::vectors_seeds,
    },
    Target {
        name: "byo-spec",
        about: "a bring-your-own spec to conformance::byo::cases, judged against fixed runs",
        run: conformance_loaders::byo_spec,
        seeds: conformance_loaders::byo_spec_seeds,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Runs `target` on one input as the fuzzer does, with the allocation cap armed.
pub fn run_one(target: &Target, data: &[u8]) {
    (target.run)(data);
}

/// The workspace root, for the vector files the seeds come from.
pub fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Writes `target`'s seeds into `dir` (created if missing); returns how many.
pub fn write_seeds(target: &Target, dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let seeds = (target.seeds)();
    for (name, bytes) in &seeds {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(seeds.len())
}

#[cfg(test)]
mod tests;
