//! Routing a request to a service call and the service's answer back to a response.
//!
//! A route returns `Result<_, Response>` so `?` can end it with an error response: the error
//! is a whole response by design, and boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

use http::header::{ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;

use crate::deployment::Tenant;
use crate::{
    DEFAULT_TENANT, Deployment, HEIGHT_HEADER, NOW_HEADER, Request, Response, Service,
    TENANT_HEADER, WIDTH_HEADER, status,
};

/// Runs the services. The adapters on wasm platforms run them in-process ([`InProcess`]);
/// Lambda runs each call in the service's component on wasmtime.
pub trait Backend {
    fn token(
        &mut self,
        request: &token_core::json::Request,
    ) -> Result<token_core::json::Response, BackendError>;
    fn config(
        &mut self,
        request: &config_core::json::Request,
    ) -> Result<config_core::json::Response, BackendError>;
    fn thumbnail(
        &mut self,
        request: &thumbnail_core::json::Request,
    ) -> Result<thumbnail_core::json::Response, BackendError>;
}

/// The backend failed to run the service at all (a trap): a 500 `internal-error`.
#[derive(Debug, Clone)]
pub struct BackendError(pub String);

/// The core crates, called in-process.
#[derive(Debug, Default)]
pub struct InProcess;

impl Backend for InProcess {
    fn token(
        &mut self,
        request: &token_core::json::Request,
    ) -> Result<token_core::json::Response, BackendError> {
        // `handle_with` always sets `now`, so the wall clock here is never read.
        Ok(token_core::json::serve(request, || 0))
    }

    fn config(
        &mut self,
        request: &config_core::json::Request,
    ) -> Result<config_core::json::Response, BackendError> {
        Ok(config_core::json::serve(request))
    }

    fn thumbnail(
        &mut self,
        request: &thumbnail_core::json::Request,
    ) -> Result<thumbnail_core::json::Response, BackendError> {
        Ok(thumbnail_core::json::serve(request))
    }
}

/// Serves one request with the services in-process. `wall_clock` (seconds since the Unix
/// epoch) is read only for a token request that does not carry its time.
pub fn handle(
    deployment: &Deployment,
    request: Request,
    wall_clock: impl FnOnce() -> i64,
) -> Response {
    handle_with(deployment, request, wall_clock, &mut InProcess)
}

/// [`handle`] with the services run by `backend`.
pub fn handle_with(
    deployment: &Deployment,
    request: Request,
    wall_clock: impl FnOnce() -> i64,
    backend: &mut impl Backend,
) -> Response {
    match route(deployment, request, wall_clock, backend) {
        Ok(response) | Err(response) => response,
    }
}

/// `Err` is an error response: `?` ends the route with it.
type Routed = Result<Response, Response>;

fn route(
    deployment: &Deployment,
    request: Request,
    wall_clock: impl FnOnce() -> i64,
    backend: &mut impl Backend,
) -> Routed {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let (service, allowed) = match path {
        "/healthz" => {
            expect_method(&parts.method, &Method::GET)?;
            return Ok(json_response(200, &health(deployment)));
        }
        "/v1/token/verify" => (Service::Token, Method::POST),
        "/v1/thumbnail" => (Service::Thumbnail, Method::POST),
        _ if path.starts_with("/v1/config/validate/") => (Service::Config, Method::POST),
        _ => {
            return Err(error_response(
                404,
                status::NOT_FOUND,
                &format!("no route for {path}"),
            ));
        }
    };
    expect_method(&parts.method, &allowed)?;
    if body.len() > deployment.max_body_bytes {
        return Err(error_response(
            413,
            status::BODY_TOO_LARGE,
            &format!(
                "the body has {} bytes; this deployment takes at most {}",
                body.len(),
                deployment.max_body_bytes
            ),
        ));
    }
    let tenant = tenant(deployment, &parts.headers)?;
    match service {
        Service::Token => {
            let now = match now_header(deployment, &parts.headers)? {
                Some(now) => now,
                None => wall_clock(),
            };
            token(tenant, &parts.headers, now, backend)
        }
        Service::Config => {
            let schema = &path["/v1/config/validate/".len()..];
            config(tenant, schema, &parts.headers, body, backend)
        }
        Service::Thumbnail => thumbnail(tenant, parts.uri.query().unwrap_or(""), body, backend),
    }
}

/// `/healthz`: always `200 {"status": "ok"}` while the deployment can be read (the harness
/// and platforms wait for it), plus `tenants` when a deployment check has something to see:
/// per tenant, the token verifier's skipped keys (`{"token": {"skipped-keys": [...]}}`) or
/// why its token config is refused (`{"token": {"error": {...}}}`).
fn health(deployment: &Deployment) -> serde_json::Value {
    let mut tenants = serde_json::Map::new();
    for (name, tenant) in &deployment.tenants {
        let report = match &tenant.token {
            None => continue,
            Some(Err(why)) => {
                serde_json::json!({"error": {"code": "invalid-config", "message": why}})
            }
            Some(Ok(config)) => match token_core::Verifier::new(config) {
                Err(error) => serde_json::json!({ "error": error }),
                Ok(verifier) if verifier.skipped_keys().len() == 0 => continue,
                Ok(verifier) => {
                    let skipped: Vec<_> = verifier.skipped_keys().collect();
                    serde_json::json!({ "skipped-keys": skipped })
                }
            },
        };
        tenants.insert(name.clone(), serde_json::json!({ "token": report }));
    }
    let mut health = serde_json::json!({"status": "ok"});
    if !tenants.is_empty() {
        health["tenants"] = tenants.into();
    }
    health
}

fn expect_method(method: &Method, allowed: &Method) -> Result<(), Response> {
    if method == allowed {
        return Ok(());
    }
    let mut response = error_response(
        405,
        status::METHOD_NOT_ALLOWED,
        &format!("use {allowed}, not {method}"),
    );
    if let Ok(value) = http::HeaderValue::from_str(allowed.as_str()) {
        response.headers_mut().insert(ALLOW, value);
    }
    Err(response)
}

fn tenant<'d>(deployment: &'d Deployment, headers: &HeaderMap) -> Result<&'d Tenant, Response> {
    let name = match headers.get(TENANT_HEADER) {
        None => DEFAULT_TENANT,
        Some(value) => value.to_str().map_err(|_| {
            error_response(
                400,
                status::BAD_REQUEST,
                "X-Tenant is not a visible-ASCII header value",
            )
        })?,
    };
    deployment.tenants.get(name).ok_or_else(|| {
        error_response(
            404,
            status::UNKNOWN_TENANT,
            &format!("this deployment has no tenant `{name}`"),
        )
    })
}

/// The tenant's config of `service`, or the error response for a missing or unreadable one.
fn service_config<T: Clone>(
    config: &Option<Result<T, String>>,
    service: Service,
) -> Result<T, Response> {
    match config {
        None => Err(error_response(
            404,
            status::SERVICE_NOT_CONFIGURED,
            &format!("this tenant has no {} config", service.name()),
        )),
        Some(Err(why)) => Err(error_response(
            500,
            "invalid-config",
            &format!(
                "the tenant's {} config cannot be read: {why}",
                service.name()
            ),
        )),
        Some(Ok(config)) => Ok(config.clone()),
    }
}

fn now_header(deployment: &Deployment, headers: &HeaderMap) -> Result<Option<i64>, Response> {
    let Some(value) = headers.get(NOW_HEADER) else {
        return Ok(None);
    };
    if !deployment.trust_now_header {
        return Ok(None);
    }
    let now = value.to_str().ok().and_then(|v| v.trim().parse().ok());
    now.map(Some).ok_or_else(|| {
        error_response(
            400,
            status::BAD_REQUEST,
            "X-Portable-Now is not a number of seconds",
        )
    })
}

fn token(tenant: &Tenant, headers: &HeaderMap, now: i64, backend: &mut impl Backend) -> Routed {
    let config = service_config(&tenant.token, Service::Token)?;
    let token = bearer(headers).ok_or_else(|| {
        let mut response = error_response(
            401,
            status::MISSING_TOKEN,
            "send the token as `Authorization: Bearer <token>`",
        );
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
        response
    })?;
    let request = token_core::json::Request {
        config,
        token,
        now: Some(now),
    };
    match backend.token(&request).map_err(internal)? {
        token_core::json::Response::Ok(claims) => Ok(json_response(200, &claims)),
        token_core::json::Response::Err(error) => {
            let mut response = service_error(Service::Token, error.code.as_str(), &error);
            if response.status() == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            Err(response)
        }
    }
}

/// The token of `Authorization: Bearer <token>`; an empty token is a token (the service calls
/// it malformed), a missing header or another scheme is none.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn config(
    tenant: &Tenant,
    schema: &str,
    headers: &HeaderMap,
    body: Vec<u8>,
    backend: &mut impl Backend,
) -> Routed {
    let config = service_config(&tenant.config, Service::Config)?;
    let schema = percent_encoding::percent_decode_str(schema)
        .decode_utf8()
        .map_err(|_| {
            error_response(
                400,
                status::BAD_REQUEST,
                "the schema name is not UTF-8 once percent-decoded",
            )
        })?
        .into_owned();
    let media_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let format = match media_type.as_deref() {
        Some("application/json") => config_core::DocumentFormat::Json,
        Some("application/yaml" | "application/x-yaml" | "text/yaml") => {
            config_core::DocumentFormat::Yaml
        }
        Some("application/toml") => config_core::DocumentFormat::Toml,
        other => {
            return Err(error_response(
                415,
                status::UNSUPPORTED_MEDIA_TYPE,
                &format!(
                    "Content-Type {} is not application/json, application/yaml or application/toml",
                    other.unwrap_or("(none)")
                ),
            ));
        }
    };
    let document = String::from_utf8(body).map_err(|e| {
        let error = config_core::Error {
            code: config_core::ErrorCode::ParseError,
            message: format!("the document is not UTF-8: {e}"),
            location: None,
        };
        service_error(Service::Config, error.code.as_str(), &error)
    })?;
    let request = config_core::json::Request {
        config,
        schema,
        document,
        format,
    };
    match backend.config(&request).map_err(internal)? {
        config_core::json::Response::Ok(outcome) => {
            let status = if outcome.valid { 200 } else { 422 };
            Ok(json_response(status, &outcome))
        }
        config_core::json::Response::Err(error) => {
            Err(service_error(Service::Config, error.code.as_str(), &error))
        }
    }
}

fn thumbnail(tenant: &Tenant, query: &str, body: Vec<u8>, backend: &mut impl Backend) -> Routed {
    let config = service_config(&tenant.thumbnail, Service::Thumbnail)?;
    let request = thumbnail_request(query).map_err(|message| {
        let error = thumbnail_core::Error::new(thumbnail_core::ErrorCode::InvalidRequest, message);
        service_error(Service::Thumbnail, error.code.as_str(), &error)
    })?;
    let request = thumbnail_core::json::Request {
        config,
        image: body,
        request,
    };
    match backend.thumbnail(&request).map_err(internal)? {
        thumbnail_core::json::Response::Ok(output) => {
            let mut response = Response::new(output.bytes);
            *response.status_mut() = StatusCode::OK;
            let headers = response.headers_mut();
            let content_type = format!("image/{}", output.format.as_str());
            for (name, value) in [
                (CONTENT_TYPE.as_str(), content_type),
                (WIDTH_HEADER, output.width.to_string()),
                (HEIGHT_HEADER, output.height.to_string()),
            ] {
                if let Ok(value) = http::HeaderValue::try_from(value) {
                    headers.insert(name, value);
                }
            }
            headers.insert(CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
            Ok(response)
        }
        thumbnail_core::json::Response::Err(error) => Err(service_error(
            Service::Thumbnail,
            error.code.as_str(),
            &error,
        )),
    }
}

/// `w`, `h` and `format` are required; `fit` defaults to `contain`, `upscale` to false;
/// `quality` is 1–100 for JPEG and WebP; `background` is `rrggbb`.
fn thumbnail_request(query: &str) -> Result<thumbnail_core::Request, String> {
    let mut fields = serde_json::Map::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let (name, value) = match &*key {
            "w" => ("width", number(&key, &value)?),
            "h" => ("height", number(&key, &value)?),
            "quality" => ("quality", number(&key, &value)?),
            "fit" => ("fit", value.clone().into()),
            "format" => ("format", value.clone().into()),
            "upscale" => match &*value {
                "true" | "1" => ("upscale", true.into()),
                "false" | "0" => ("upscale", false.into()),
                _ => return Err(format!("upscale must be true or false, not `{value}`")),
            },
            "background" => ("background", rgb(&value)?),
            _ => return Err(format!("unknown query parameter `{key}`")),
        };
        if fields.insert(name.to_owned(), value).is_some() {
            return Err(format!("query parameter `{key}` given twice"));
        }
    }
    fields.entry("fit").or_insert_with(|| "contain".into());
    for (name, param) in [("width", "w"), ("height", "h"), ("format", "format")] {
        if !fields.contains_key(name) {
            return Err(format!("query parameter `{param}` is required"));
        }
    }
    serde_json::from_value(fields.into()).map_err(|e| e.to_string())
}

fn number(key: &str, value: &str) -> Result<serde_json::Value, String> {
    value
        .parse::<u64>()
        .map(Into::into)
        .map_err(|_| format!("{key} must be a whole number, not `{value}`"))
}

fn rgb(value: &str) -> Result<serde_json::Value, String> {
    let channel = |i: usize| {
        value
            .get(i..i + 2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
    };
    match (value.len(), channel(0), channel(2), channel(4)) {
        (6, Some(r), Some(g), Some(b)) => Ok(serde_json::json!({"r": r, "g": g, "b": b})),
        _ => Err(format!("background must be rrggbb hex, not `{value}`")),
    }
}

fn internal(error: BackendError) -> Response {
    error_response(500, status::INTERNAL_ERROR, &error.0)
}

/// A service's own error: `{"error": <the WIT error as JSON>}`.
fn service_error(service: Service, code: &str, error: &impl Serialize) -> Response {
    json_response(
        status::of(service, code),
        &serde_json::json!({ "error": error }),
    )
}

/// An error of the HTTP layer: `{"error": {"code", "message"}}`.
pub(crate) fn error_response(status: u16, code: &str, message: &str) -> Response {
    json_response(
        status,
        &serde_json::json!({"error": {"code": code, "message": message}}),
    )
}

fn json_response(status: u16, body: &impl Serialize) -> Response {
    let body = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    response
}
