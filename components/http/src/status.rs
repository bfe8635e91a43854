//! Which status each error code gets. The services' codes are their WIT codes; the codes
//! below belong to the HTTP layer itself.

use crate::Service;

/// No such route.
pub const NOT_FOUND: &str = "not-found";
/// The route exists with another method (`Allow` says which).
pub const METHOD_NOT_ALLOWED: &str = "method-not-allowed";
/// The body is over the deployment's `max-body-bytes`.
pub const BODY_TOO_LARGE: &str = "body-too-large";
/// A config document's `Content-Type` is not JSON, YAML or TOML.
pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported-media-type";
/// A header the route reads is unusable (e.g. `X-Portable-Now` is not a number).
pub const BAD_REQUEST: &str = "bad-request";
/// No `Authorization: Bearer` header.
pub const MISSING_TOKEN: &str = "missing-token";
/// `X-Tenant` names no tenant of the deployment.
pub const UNKNOWN_TENANT: &str = "unknown-tenant";
/// The tenant has no config for this service.
pub const SERVICE_NOT_CONFIGURED: &str = "service-not-configured";
/// The deployment's JSON cannot be read.
pub const INVALID_DEPLOYMENT: &str = "invalid-deployment";
/// The backend failed (a trap in the component that Lambda runs).
pub const INTERNAL_ERROR: &str = "internal-error";

/// The status of an error `code` of `service` (or of the HTTP layer).
pub fn of(service: Service, code: &str) -> u16 {
    match code {
        NOT_FOUND | UNKNOWN_TENANT | SERVICE_NOT_CONFIGURED => 404,
        METHOD_NOT_ALLOWED => 405,
        BODY_TOO_LARGE => 413,
        UNSUPPORTED_MEDIA_TYPE => 415,
        BAD_REQUEST => 400,
        MISSING_TOKEN => 401,
        INVALID_DEPLOYMENT | INTERNAL_ERROR => 500,
        // A deployment whose service config is broken is the server's fault.
        "invalid-config" => 500,
        _ => match service {
            // Every other token failure is a rejected credential.
            Service::Token => 401,
            Service::Config => match code {
                "unresolvable-ref" => 500,
                "unknown-schema" => 404,
                "parse-error" => 400,
                "too-large" => 413,
                _ => 422, // too-deep, unrepresentable
            },
            Service::Thumbnail => match code {
                "invalid-request" => 400,
                "unsupported-format" => 415,
                "too-large" => 413,
                _ => 422, // undecodable
            },
        },
    }
}
