//! The HTTP mapping (`service-http`): routes, headers, bodies and tenants, and the
//! deployment document.

use std::sync::LazyLock;

use serde_json::Value;
use service_http::http::header::CONTENT_TYPE;
use service_http::{Deployment, Request, Response, Service, client, handle, status};

use crate::input::text;
use crate::wit::codes;

/// Token vectors' time: `X-Portable-Now` may say otherwise (the deployment trusts it).
const NOW: i64 = 1_700_000_000;

/// The configs the fixed deployment serves, from the vectors: `(service, tenant, group)`.
const TENANTS: [(Service, &str, &str); 7] = [
    (
        Service::Token,
        "default",
        include_str!("../../conformance/vectors/token/all-algorithms.json"),
    ),
    (
        Service::Config,
        "default",
        include_str!("../../conformance/vectors/config/service-config.json"),
    ),
    (
        Service::Thumbnail,
        "default",
        include_str!("../../conformance/vectors/thumbnail/strict-limits.json"),
    ),
    (
        Service::Token,
        "mixed",
        include_str!("../../conformance/vectors/token/mixed-jwks.json"),
    ),
    (
        Service::Config,
        "mixed",
        include_str!("../../conformance/vectors/config/keywords.json"),
    ),
    (
        Service::Token,
        "broken",
        include_str!("../../conformance/vectors/token/broken-p256-coordinate.json"),
    ),
    (
        Service::Thumbnail,
        "broken",
        include_str!("../../conformance/vectors/thumbnail/broken-config.json"),
    ),
];

/// The vector groups of [`TENANTS`], parsed.
static GROUPS: LazyLock<Vec<(Service, &str, Value)>> = LazyLock::new(|| {
    TENANTS
        .iter()
        .map(|&(service, tenant, text)| {
            let group = serde_json::from_str(text).expect("a vector file is JSON");
            (service, tenant, group)
        })
        .collect()
});

/// The deployment's JSON: three tenants, one of them with broken configs.
static DEPLOYMENT_JSON: LazyLock<String> = LazyLock::new(|| {
    client::deployment(
        GROUPS
            .iter()
            .map(|(service, tenant, group)| (*service, *tenant, &group["config"])),
    )
    .to_string()
});

static DEPLOYMENT: LazyLock<Deployment> = LazyLock::new(|| {
    Deployment::from_json(&DEPLOYMENT_JSON).expect("the fixed deployment is valid")
});

/// The HTTP layer's own codes (`status.rs`).
const HTTP_CODES: [&str; 10] = [
    status::NOT_FOUND,
    status::METHOD_NOT_ALLOWED,
    status::BODY_TOO_LARGE,
    status::UNSUPPORTED_MEDIA_TYPE,
    status::BAD_REQUEST,
    status::MISSING_TOKEN,
    status::UNKNOWN_TENANT,
    status::SERVICE_NOT_CONFIGURED,
    status::INVALID_DEPLOYMENT,
    status::INTERNAL_ERROR,
];

/// The service a path routes to, as the mapping routes it.
fn service_of(path: &str) -> Option<Service> {
    match path {
        "/v1/token/verify" => Some(Service::Token),
        "/v1/thumbnail" => Some(Service::Thumbnail),
        _ if path.starts_with("/v1/config/validate/") => Some(Service::Config),
        _ => None,
    }
}

/// The properties of a response to a request for `path`: a JSON body, or an image from the
/// thumbnail route; an error body's code is the HTTP layer's or the service's (WIT), and
/// its status is the one `status::of` gives that code.
fn check(path: &str, response: &Response) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let service = service_of(path);
    if let Some(format) = content_type.strip_prefix("image/") {
        assert_eq!(service, Some(Service::Thumbnail), "an image from {path}");
        assert_eq!(status, 200, "an image with status {status}");
        let sniffed = thumbnail_core::ImageFormat::sniff(response.body());
        assert_eq!(
            sniffed.map(|f| f.as_str()),
            Some(format),
            "an image/{format} body that is not one"
        );
        return;
    }
    assert!(
        content_type.starts_with("application/json"),
        "{path}: a {status} response of type `{content_type}`"
    );
    let body: Value = serde_json::from_slice(response.body())
        .unwrap_or_else(|e| panic!("{path}: a {status} response whose body is not JSON: {e}"));
    let Some(error) = body.get("error") else {
        assert!(
            status == 200 || (status == 422 && service == Some(Service::Config)),
            "{path}: status {status} without an error"
        );
        return;
    };
    let code = error["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{path}: an error without a code: {body}"));
    let known = HTTP_CODES.contains(&code)
        || service.is_some_and(|s| codes(s.name()).iter().any(|c| c == code));
    assert!(known, "{path}: error code `{code}` is no HTTP or WIT code");
    // Routing errors come before a service is known: their statuses do not depend on it.
    let expected = status::of(service.unwrap_or(Service::Token), code);
    assert_eq!(status, expected, "{path}: `{code}` with status {status}");
}

/// A request in a raw, HTTP/1-like text: `METHOD TARGET`, then `Name: value` lines, an
/// empty line, and the body. `None` when the `http` crate refuses the parts (an adapter
/// could never hand such a request over).
fn parse_request(data: &[u8]) -> Option<Request> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let first = text(lines.next()?)?;
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let mut builder = service_http::http::Request::builder()
        .method(method)
        .uri(target);
    for line in lines {
        let at = line.iter().position(|&b| b == b':')?;
        let value = &line[at + 1..];
        let value = &value[value.iter().take_while(|&&b| b == b' ').count()..];
        builder = builder.header(&line[..at], value);
    }
    builder.body(body.to_vec()).ok()
}

/// `http-request`: a raw request to the fixed deployment.
pub fn request(data: &[u8]) {
    let Some(request) = parse_request(data) else {
        return;
    };
    let path = request.uri().path().to_owned();
    let response = handle(&DEPLOYMENT, request, || NOW);
    check(&path, &response);
}

/// The requests `http-deployment` sends to each deployment it reads: one per route.
fn probes(tenant: &str) -> Vec<Request> {
    let token = GROUPS[0].2["cases"][0]["input"]["token"]
        .as_str()
        .expect("a token case")
        .to_owned();
    let build =
        || service_http::http::Request::builder().header(service_http::TENANT_HEADER, tenant);
    [
        build().method("GET").uri("/healthz").body(Vec::new()),
        build()
            .method("POST")
            .uri("/v1/token/verify")
            .header("authorization", format!("Bearer {token}"))
            .header(service_http::NOW_HEADER, NOW.to_string())
            .body(Vec::new()),
        build()
            .method("POST")
            .uri("/v1/config/validate/service")
            .header("content-type", "application/json")
            .body(br#"{"name": "svc", "port": 8080}"#.to_vec()),
        build()
            .method("POST")
            .uri("/v1/thumbnail?w=8&h=8&format=png")
            .body(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec()),
    ]
    .into_iter()
    .filter_map(Result::ok)
    .collect()
}

/// `http-deployment`: the input is a deployment's JSON. An unreadable one answers 500
/// `invalid-deployment`; a readable one serves `/healthz` and each route for its first
/// tenants.
pub fn deployment(data: &[u8]) {
    let Some(json) = text(data) else { return };
    match Deployment::from_json(json) {
        Err(error) => check("/healthz", &error.into_response()),
        Ok(deployment) => {
            let tenants: Vec<String> = deployment.tenants.keys().take(3).cloned().collect();
            for tenant in tenants {
                for request in probes(&tenant) {
                    let path = request.uri().path().to_owned();
                    check(&path, &handle(&deployment, request, || NOW));
                }
            }
        }
    }
}

/// `request` in the raw form [`parse_request`] reads.
fn raw(request: &Request) -> Vec<u8> {
    let mut out = format!("{} {}\n", request.method(), request.uri()).into_bytes();
    for (name, value) in request.headers() {
        out.extend(name.as_str().as_bytes());
        out.extend(b": ");
        out.extend(value.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend(request.body());
    out
}

pub fn request_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (service, tenant, group) in GROUPS.iter() {
        for case in group["cases"].as_array().into_iter().flatten() {
            let mut job = case["input"].clone();
            job["config"] = group["config"].clone();
            if let Ok(request) = client::request(*service, tenant, &job) {
                seeds.push(raw(&request));
            }
        }
    }
    seeds.extend([
        b"GET /healthz\n\n".to_vec(),
        b"POST /healthz\n\n".to_vec(),
        b"GET /v1/token/verify\nx-tenant: nobody\n\n".to_vec(),
        b"POST /v1/config/validate/%zz\ncontent-type: application/yaml; charset=utf-8\n\na: 1\n"
            .to_vec(),
        b"POST /v1/thumbnail?w=1&h=1&format=webp&fit=cover&upscale=1&background=ff00ff&quality=5\nx-tenant: default\n\n"
            .to_vec(),
    ]);
    crate::seeds::named(seeds)
}

pub fn deployment_seeds() -> Vec<(String, Vec<u8>)> {
    let whole: Value = serde_json::from_str(&DEPLOYMENT_JSON).expect("JSON");
    let mut seeds = vec![DEPLOYMENT_JSON.clone().into_bytes()];
    // Each tenant alone, and the store form's tenant keys (strings), which one value cannot
    // resolve.
    for (name, tenant) in whole["tenants"].as_object().into_iter().flatten() {
        let mut one = whole.clone();
        one["tenants"] = serde_json::json!({ name: tenant });
        seeds.push(one.to_string().into_bytes());
    }
    for (key, value) in client::store_entries(&whole).into_iter().take(1) {
        assert_eq!(key, service_http::DEPLOYMENT_KEY);
        seeds.push(value.into_bytes());
    }
    seeds.extend([
        br#"{"tenants": {}}"#.to_vec(),
        br#"{"tenants": {"default": {}}, "max-body-bytes": 0, "trust-now-header": false}"#.to_vec(),
    ]);
    crate::seeds::named(seeds)
}
