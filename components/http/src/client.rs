//! The harness's side of the HTTP surface: a case's JSON request (the service's JSON form, as
//! the component and the command take it) as an HTTP request, and the HTTP response as the
//! service's JSON response, so an `http` cell is judged exactly like every other cell.

use ct_codecs::{Base64, Decoder, Encoder};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Map, Value, json};

use crate::{HEIGHT_HEADER, NOW_HEADER, Request, Response, Service, TENANT_HEADER, WIDTH_HEADER};

/// The deployment serving `configs` (service, tenant, the service's config): the time taken
/// from `X-Portable-Now`, so the cases' `now` holds.
pub fn deployment<'a>(configs: impl IntoIterator<Item = (Service, &'a str, &'a Value)>) -> Value {
    let mut tenants = Map::new();
    for (service, tenant, config) in configs {
        let entry = tenants
            .entry(tenant.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        entry[service.name()] = config.clone();
    }
    json!({"tenants": tenants, "trust-now-header": true})
}

/// `deployment` as the entries of a key-value store ([`crate::Deployment::from_store`]):
/// each tenant under `tenant.<name>`, the rest under [`crate::DEPLOYMENT_KEY`].
pub fn store_entries(deployment: &Value) -> Vec<(String, String)> {
    let mut main = deployment.clone();
    let mut entries = Vec::new();
    if let Some(tenants) = main.get_mut("tenants").and_then(Value::as_object_mut) {
        for (name, tenant) in tenants.iter_mut() {
            let key = format!("tenant.{name}");
            entries.push((key.clone(), tenant.to_string()));
            *tenant = Value::String(key);
        }
    }
    entries.insert(0, (crate::DEPLOYMENT_KEY.to_owned(), main.to_string()));
    entries
}

/// `job` (`{"config", ...the case's input}`) as a request to `tenant`; its `config` is the
/// deployment's business, not the request's. `Err` says why the input has no HTTP form (a
/// token that no header value can carry).
pub fn request(service: Service, tenant: &str, job: &Value) -> Result<Request, String> {
    let builder = http::Request::builder()
        .method("POST")
        .header(TENANT_HEADER, tenant);
    let text = |field: &str| {
        job[field]
            .as_str()
            .ok_or_else(|| format!("the {} request has no string `{field}`", service.name()))
    };
    let request = match service {
        Service::Token => {
            let mut builder = builder.uri("/v1/token/verify");
            let authorization = format!("Bearer {}", text("token")?);
            if http::HeaderValue::from_str(&authorization).is_err() {
                return Err("the token has bytes no HTTP header value can carry".to_owned());
            }
            builder = builder.header(AUTHORIZATION, authorization);
            if let Some(now) = job["now"].as_i64() {
                builder = builder.header(NOW_HEADER, now.to_string());
            }
            builder.body(Vec::new())
        }
        Service::Config => {
            let schema = percent_encoding::utf8_percent_encode(
                text("schema")?,
                percent_encoding::NON_ALPHANUMERIC,
            );
            let content_type = match text("format")? {
                "json" => "application/json",
                "yaml" => "application/yaml",
                "toml" => "application/toml",
                other => return Err(format!("no media type for format `{other}`")),
            };
            builder
                .uri(format!("/v1/config/validate/{schema}"))
                .header(CONTENT_TYPE, content_type)
                .body(text("document")?.as_bytes().to_vec())
        }
        Service::Thumbnail => {
            let image = Base64::decode_to_vec(text("image")?, None)
                .map_err(|_| "the image is not base64".to_owned())?;
            let mut query = form_urlencoded::Serializer::new(String::new());
            let request = &job["request"];
            for (param, field) in [
                ("w", "width"),
                ("h", "height"),
                ("format", "format"),
                ("fit", "fit"),
                ("quality", "quality"),
                ("upscale", "upscale"),
            ] {
                match &request[field] {
                    Value::Null => {}
                    Value::String(s) => {
                        query.append_pair(param, s);
                    }
                    other => {
                        query.append_pair(param, &other.to_string());
                    }
                }
            }
            if let Some(rgb) = request.get("background").filter(|v| !v.is_null()) {
                let channel = |c: &str| rgb[c].as_u64().unwrap_or(0);
                let hex = format!(
                    "{:02x}{:02x}{:02x}",
                    channel("r"),
                    channel("g"),
                    channel("b")
                );
                query.append_pair("background", &hex);
            }
            builder
                .uri(format!("/v1/thumbnail?{}", query.finish()))
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(image)
        }
    };
    request.map_err(|e| format!("building the request: {e}"))
}

/// The response as the service's JSON response (`{"ok": …}` or `{"err": …}`). `Err` when it
/// breaks the HTTP surface's contract: an error with another status than its code's, a
/// success that is not one, a body that is not what the route returns.
pub fn observe(service: Service, response: Response) -> Result<Value, String> {
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let body = response.body();
    let shown = || String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    if service == Service::Thumbnail && status == 200 {
        let content_type = header(CONTENT_TYPE.as_str()).unwrap_or_default();
        let format = content_type
            .strip_prefix("image/")
            .ok_or_else(|| format!("200 with Content-Type `{content_type}`, not an image"))?;
        let dimension = |name: &str| {
            header(name)
                .and_then(|v| v.parse::<u32>().ok())
                .ok_or_else(|| format!("200 without a numeric {name} header"))
        };
        return Ok(json!({"ok": {
            "format": format,
            "width": dimension(WIDTH_HEADER)?,
            "height": dimension(HEIGHT_HEADER)?,
            "bytes": Base64::encode_to_string(body).map_err(|e| e.to_string())?,
        }}));
    }
    let json: Value = serde_json::from_slice(body)
        .map_err(|_| format!("status {status} with a body that is not JSON: {}", shown()))?;
    if let Some(error) = json.get("error") {
        let code = error["code"].as_str().unwrap_or_default();
        let expected = crate::status::of(service, code);
        if status != expected {
            return Err(format!(
                "error `{code}` came with status {status}, not {expected}: {}",
                shown()
            ));
        }
        return Ok(json!({ "err": error }));
    }
    let expected = match service {
        Service::Config if json["valid"] == Value::Bool(false) => 422,
        _ => 200,
    };
    if status != expected {
        return Err(format!(
            "status {status} (expected {expected}) with: {}",
            shown()
        ));
    }
    Ok(json!({ "ok": json }))
}
