//! Fuzz inputs as service requests: what a target's bytes mean, in the JSON form every form
//! of the service receives (the native core, the component through its WIT, the command on
//! stdin). The differential runs (`cargo xtask differential`) send the seeds and the AFL++
//! corpora through here, then run each request on the native core and on every wasm form.
//!
//! Each mapping is the target's own reading of its input (the same functions build the
//! request the target serves), so a corpus entry means the same request here as when the
//! fuzzer found it; the targets that call a core API below the JSON form get the closest
//! request: the same fixed key set, schema set or limits, the input in the request's field.

use config_core::DocumentFormat;
use serde_json::Value;

/// A request of `service` in its JSON form.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRequest {
    pub service: &'static str,
    pub request: Value,
}

/// The request `target` makes of `data`: `None` when the target is not a service's (the
/// HTTP mapping, the conformance loaders) or the input cannot be one (text fields need
/// UTF-8, which no form can carry otherwise).
pub fn request(target: &str, data: &[u8]) -> Option<ServiceRequest> {
    let (service, request) = match target {
        "token-jws" => ("token", json(crate::token::jws_request(data)?)),
        "token-verify" => ("token", json(crate::token::verify_request(data))),
        "token-jwks" => ("token", json(crate::token::jwks_request(data)?)),
        "config-json" => (
            "config",
            json(crate::config::parse_request(data, DocumentFormat::Json)?),
        ),
        "config-yaml" => (
            "config",
            json(crate::config::parse_request(data, DocumentFormat::Yaml)?),
        ),
        "config-toml" => (
            "config",
            json(crate::config::parse_request(data, DocumentFormat::Toml)?),
        ),
        "config-validate" => ("config", json(crate::config::validate_request(data)?)),
        "config-schemas" => ("config", json(crate::config::schemas_request(data)?)),
        "thumbnail-header" => ("thumbnail", json(crate::thumbnail::header_request(data))),
        "thumbnail-jpeg" | "thumbnail-png" | "thumbnail-gif" | "thumbnail-webp" => {
            ("thumbnail", json(crate::thumbnail::decode_request(data)))
        }
        "thumbnail-request" => ("thumbnail", json(crate::thumbnail::request_request(data))),
        _ => return None,
    };
    Some(ServiceRequest { service, request })
}

/// The service whose requests `target`'s inputs are, if any (the empty input is a request
/// of every service target).
pub fn service_of(target: &str) -> Option<&'static str> {
    request(target, b"").map(|r| r.service)
}

/// One line of `fuzz requests`: where the input came from and its request, as JSON.
pub fn line(origin: &str, request: &ServiceRequest) -> String {
    serde_json::json!({
        "origin": origin,
        "service": request.service,
        "request": request.request,
    })
    .to_string()
}

fn json(request: impl serde::Serialize) -> Value {
    serde_json::to_value(request).expect("a core's request type serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every service target's seeds become requests that the service's core reads back as
    /// the same request (so every form gets the request the target meant), and the other
    /// targets make none.
    #[test]
    fn seeds_become_requests_the_cores_read() {
        let mut services = std::collections::BTreeSet::new();
        for target in crate::TARGETS {
            let seeds = (target.seeds)();
            let mapped: Vec<ServiceRequest> = seeds
                .iter()
                .filter_map(|(_, data)| request(target.name, data))
                .collect();
            let service_target = target.name.starts_with("token-")
                || target.name.starts_with("config-")
                || target.name.starts_with("thumbnail-");
            assert_eq!(service_of(target.name).is_some(), service_target);
            if !service_target {
                assert!(mapped.is_empty(), "{} made requests", target.name);
                continue;
            }
            assert!(
                !mapped.is_empty(),
                "{}: no seed became a request",
                target.name
            );
            for ServiceRequest { service, request } in mapped {
                services.insert(service);
                let round_trip = match service {
                    "token" => serde_json::from_value::<token_core::json::Request>(request.clone())
                        .map(json),
                    "config" => {
                        serde_json::from_value::<config_core::json::Request>(request.clone())
                            .map(json)
                    }
                    "thumbnail" => {
                        serde_json::from_value::<thumbnail_core::json::Request>(request.clone())
                            .map(json)
                    }
                    other => panic!("unknown service {other}"),
                };
                assert_eq!(
                    round_trip.expect("the core reads it"),
                    request,
                    "{}",
                    target.name
                );
            }
        }
        assert_eq!(services.len(), 3);
    }

    #[test]
    fn text_fields_need_utf8() {
        assert_eq!(request("token-jws", b"\xff"), None);
        assert_eq!(request("config-yaml", b"a: \xff"), None);
        assert!(request("thumbnail-header", b"\xff").is_some());
    }
}
