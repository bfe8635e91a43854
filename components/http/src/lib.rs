//! The services' one HTTP surface: every platform adapter turns its platform's request into an
//! [`http::Request`], calls [`handle`] and turns the [`http::Response`] back, so the routes,
//! statuses and bodies are the same on Cloudflare, Fastly, Spin and Lambda, and adapters hold
//! no logic.
//!
//! | route | body | success |
//! |---|---|---|
//! | `GET /healthz` | — | `200 {"status": "ok"}`, and `"tenants"` when a tenant's token config skips keys or is refused (below) |
//! | `POST /v1/token/verify` | — (`Authorization: Bearer <token>`) | `200 {"alg", "kid", "claims"}` |
//! | `POST /v1/config/validate/{schema}` | the document, `Content-Type` `application/json`, `application/yaml` or `application/toml` | `200` (valid) or `422` (invalid) `{"valid", "violations", "truncated"}` |
//! | `POST /v1/thumbnail?w=&h=&format=&fit=&quality=&upscale=&background=` | the image | `200`, the thumbnail (`Content-Type: image/…`, `X-Thumbnail-Width`, `X-Thumbnail-Height`) |
//!
//! Every failure is `{"error": {"code", "message", …}}` with the service's WIT error code (or one
//! of the HTTP codes in [`status`]) and the status [`status::of`] gives it.
//!
//! The [`Deployment`] (one JSON document, from the platform's own config mechanism) names
//! tenants, each with its services' configs; a request picks one with `X-Tenant` (default:
//! `default`). The service's time is the platform's wall clock, or — only in a deployment
//! that says `"trust-now-header": true`, as the conformance harness's does — the
//! `X-Portable-Now` header.
//!
//! `/healthz` is also the deployment check: `{"status": "ok", "tenants": {"<tenant>":
//! {"token": {"skipped-keys": [{"index", "kid", "member", "reason"}]}}}}` lists the JWKS
//! entries the token verifier leaves out (they never verify a token), and
//! `{"token": {"error": {"code": "invalid-config", …}}}` a token config it refuses; tenants
//! with nothing to report are left out, and so is `tenants` when none has.
//!
//! [`client`] is the other side, for the harness: a case's JSON request as an HTTP request,
//! and an HTTP response as the service's JSON response.

pub mod client;
mod deployment;
pub mod registry;
mod routes;
pub mod status;

pub use deployment::{Deployment, DeploymentError, Tenant};
pub use http;
pub use registry::{SPECS, Spec};
pub use routes::{Backend, BackendError, InProcess, handle, handle_with};

/// The name of the platform variable (Cloudflare var, Spin variable, Fastly config-store key)
/// that holds the deployment's JSON. Lambda reads the environment variable `DEPLOYMENT`.
pub const DEPLOYMENT_KEY: &str = "deployment";
/// The Fastly config store that holds [`DEPLOYMENT_KEY`].
pub const CONFIG_STORE: &str = "portable";
/// Picks the tenant; absent means [`DEFAULT_TENANT`].
pub const TENANT_HEADER: &str = "x-tenant";
pub const DEFAULT_TENANT: &str = "default";
/// Seconds since the Unix epoch to verify tokens at, honoured only when the deployment trusts
/// it (test deployments).
pub const NOW_HEADER: &str = "x-portable-now";
pub const WIDTH_HEADER: &str = "x-thumbnail-width";
pub const HEIGHT_HEADER: &str = "x-thumbnail-height";
/// Request bodies larger than this are refused with 413 unless the deployment says otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 << 20;

/// The services' JSON forms, which a [`Backend`] takes and returns.
pub mod json {
    pub use config_core::json as config;
    pub use thumbnail_core::json as thumbnail;
    pub use token_core::json as token;
}

/// The request and response types every adapter converts to and from.
pub type Request = http::Request<Vec<u8>>;
pub type Response = http::Response<Vec<u8>>;

/// Seconds since the Unix epoch from `std::time`: the wall clock for [`handle`] on WASI and
/// native platforms (not on `wasm32-unknown-unknown`, where `std::time` has no clock; the
/// Cloudflare adapter asks JavaScript's `Date`).
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A service: its entry in the [`registry`] is [`Service::spec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Token,
    Config,
    Thumbnail,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Token, Service::Config, Service::Thumbnail];

    /// Its entry in the registry.
    pub fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<Service> {
        Spec::named(name).map(|s| s.service)
    }
}

#[cfg(test)]
mod tests;
