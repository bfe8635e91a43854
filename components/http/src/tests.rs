use std::path::Path;

use serde_json::{Value, json};

use crate::{Deployment, Response, Service, client, handle, status};

fn vector_groups(service: Service) -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance/vectors")
        .join(service.name());
    let mut groups: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            serde_json::from_str(&text).unwrap()
        })
        .collect();
    groups.sort_by_key(|g| g["group"].as_str().unwrap().to_owned());
    assert!(!groups.is_empty(), "no vectors in {}", dir.display());
    groups
}

/// What the service answers in-process, in its JSON form.
fn native(service: Service, request: &Value) -> Value {
    match service {
        Service::Token => {
            let request = serde_json::from_value(request.clone()).unwrap();
            serde_json::to_value(token_core::json::serve(&request, || 0)).unwrap()
        }
        Service::Config => {
            let request = serde_json::from_value(request.clone()).unwrap();
            serde_json::to_value(config_core::json::serve(&request)).unwrap()
        }
        Service::Thumbnail => {
            let request = serde_json::from_value(request.clone()).unwrap();
            serde_json::to_value(thumbnail_core::json::serve(&request)).unwrap()
        }
    }
}

/// Every vector case, sent over the HTTP surface to a deployment made from the vector groups,
/// comes back as exactly what the service answers in-process.
#[test]
fn every_case_over_http_is_the_service_answer() {
    for service in Service::ALL {
        let groups = vector_groups(service);
        let deployment = client::deployment(
            groups
                .iter()
                .map(|g| (service, g["group"].as_str().unwrap(), &g["config"])),
        );
        let deployment = Deployment::from_json(&deployment.to_string()).unwrap();
        let mut cases = 0;
        for group in &groups {
            let tenant = group["group"].as_str().unwrap();
            for case in group["cases"].as_array().unwrap() {
                let mut job = case["input"].clone();
                job["config"] = group["config"].clone();
                let request = client::request(service, tenant, &job).unwrap();
                let response = handle(&deployment, request, || 0);
                let observed = client::observe(service, response)
                    .unwrap_or_else(|e| panic!("{tenant}/{}: {e}", case["id"]));
                assert_eq!(observed, native(service, &job), "{tenant}/{}", case["id"]);
                cases += 1;
            }
        }
        assert!(cases > 10, "{}: only {cases} cases", service.name());
    }
}

fn deployment(extra: Value) -> Deployment {
    let mut d = json!({"tenants": {
        "default": {"token": {"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"}]}}},
        "other": {},
    }});
    for (k, v) in extra.as_object().unwrap() {
        d[k] = v.clone();
    }
    Deployment::from_json(&d.to_string()).unwrap()
}

fn send(d: &Deployment, request: http::request::Builder, body: &[u8]) -> (u16, Value) {
    let response: Response = handle(d, request.body(body.to_vec()).unwrap(), || 1_700_000_000);
    let status = response.status().as_u16();
    (status, serde_json::from_slice(response.body()).unwrap())
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap()
}

#[test]
fn http_layer_errors_have_their_codes_and_statuses() {
    let d = deployment(json!({"max-body-bytes": 10}));
    let post = |uri: &str| http::Request::builder().method("POST").uri(uri);
    let cases = [
        (post("/nowhere"), &b""[..], 404, status::NOT_FOUND),
        (
            http::Request::builder().uri("/v1/token/verify"),
            b"",
            405,
            status::METHOD_NOT_ALLOWED,
        ),
        (post("/v1/token/verify"), b"", 401, status::MISSING_TOKEN),
        (
            post("/v1/token/verify").header("x-tenant", "nobody"),
            b"",
            404,
            status::UNKNOWN_TENANT,
        ),
        (
            post("/v1/config/validate/x").header("x-tenant", "other"),
            b"{}",
            404,
            status::SERVICE_NOT_CONFIGURED,
        ),
        (
            post("/v1/thumbnail?w=1&h=1&format=png"),
            &[0; 11],
            413,
            status::BODY_TOO_LARGE,
        ),
    ];
    for (request, body, expected_status, expected_code) in cases {
        let (status, json) = send(&d, request, body);
        assert_eq!((status, code(&json)), (expected_status, expected_code));
        assert_eq!(crate::status::of(Service::Token, expected_code), status);
    }
    let (status, json) = send(&d, http::Request::builder().uri("/healthz"), b"");
    assert_eq!((status, json), (200, json!({"status": "ok"})));
}

#[test]
fn config_needs_a_known_media_type_and_thumbnail_a_valid_query() {
    let d = Deployment::from_json(
        &json!({"tenants": {"default": {
            "config": {"schemas": [{"name": "s", "schema": {"type": "object"}}]},
            "thumbnail": {"limits": {"max-input-bytes": 1000, "max-pixels": 1000, "max-alloc-bytes": 100000}},
        }}})
        .to_string(),
    )
    .unwrap();
    let post = |uri: &str| http::Request::builder().method("POST").uri(uri);
    let (status, json) = send(&d, post("/v1/config/validate/s"), b"{}");
    assert_eq!((status, code(&json)), (415, status::UNSUPPORTED_MEDIA_TYPE));
    let yaml =
        post("/v1/config/validate/s").header("content-type", "application/yaml; charset=utf-8");
    let (status, json) = send(&d, yaml, b"[1]");
    assert_eq!((status, json["valid"].clone()), (422, json!(false)));
    let not_utf8 = post("/v1/config/validate/s").header("content-type", "application/json");
    let (status, json) = send(&d, not_utf8, &[0xff]);
    assert_eq!((status, code(&json)), (400, "parse-error"));
    for query in [
        "w=1&h=1",
        "w=x&h=1&format=png",
        "w=1&h=1&format=png&zoom=2",
        "w=1&w=2&h=1&format=png",
    ] {
        let (status, json) = send(&d, post(&format!("/v1/thumbnail?{query}")), b"");
        assert_eq!((status, code(&json)), (400, "invalid-request"), "{query}");
    }
}

#[test]
fn the_now_header_counts_only_where_the_deployment_trusts_it() {
    // An HS256 token (key "secret") that expired at 1000.
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjEwMDB9.";
    let sign = |d: &Deployment, now: &str| {
        let request = http::Request::builder()
            .method("POST")
            .uri("/v1/token/verify")
            .header("authorization", format!("Bearer {token}"))
            .header("x-portable-now", now);
        send(d, request, b"").1
    };
    // Untrusted: the wall clock (1_700_000_000) decides, and the header is ignored, even
    // when it is not a number.
    let untrusted = deployment(json!({}));
    assert_ne!(code(&sign(&untrusted, "999")), status::BAD_REQUEST);
    assert_ne!(code(&sign(&untrusted, "soon")), status::BAD_REQUEST);
    let trusted = deployment(json!({"trust-now-header": true}));
    assert_eq!(code(&sign(&trusted, "soon")), status::BAD_REQUEST);
}

#[test]
fn an_unreadable_deployment_answers_500_and_a_broken_service_config_only_its_own() {
    let error = Deployment::from_json("{").unwrap_err();
    let response = error.into_response();
    assert_eq!(response.status(), 500);
    let json: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(code(&json), status::INVALID_DEPLOYMENT);
    let d = Deployment::from_json(
        &json!({"tenants": {"default": {"token": {"jwks": 7}, "config": {"schemas": [{"name": "s", "schema": true}]}}}})
            .to_string(),
    )
    .unwrap();
    let request = http::Request::builder()
        .method("POST")
        .uri("/v1/token/verify")
        .header("authorization", "Bearer x");
    let (status, json) = send(&d, request, b"");
    assert_eq!((status, code(&json)), (500, "invalid-config"));
    let request = http::Request::builder()
        .method("POST")
        .uri("/v1/config/validate/missing")
        .header("content-type", "application/json");
    let (status, json) = send(&d, request, b"{}");
    assert_eq!((status, code(&json)), (404, "unknown-schema"));
}

/// `/healthz` reports the token keys each tenant's verifier skips, and token configs it
/// refuses, so a deployment check sees them; tenants with nothing to report are left out.
#[test]
fn healthz_reports_skipped_keys_and_refused_token_configs() {
    let oct = json!({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"});
    let x25519 = json!({"kty": "OKP", "kid": "ecdh", "crv": "X25519", "x": "AA"});
    let d = Deployment::from_json(
        &json!({"tenants": {
            "mixed": {"token": {"jwks": {"keys": [oct, x25519]}}},
            "clean": {"token": {"jwks": {"keys": [oct]}}},
            "broken": {"token": {"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "key_ops": "verify"}]}}},
            "unreadable": {"token": {"jwks": 7}},
            "no-token": {},
        }})
        .to_string(),
    )
    .unwrap();
    let (status, json) = send(&d, http::Request::builder().uri("/healthz"), b"");
    assert_eq!(status, 200);
    assert_eq!(json["status"], "ok");
    let tenants = json["tenants"].as_object().unwrap();
    assert_eq!(
        tenants.keys().collect::<Vec<_>>(),
        ["broken", "mixed", "unreadable"]
    );
    let skipped = &tenants["mixed"]["token"]["skipped-keys"];
    assert_eq!(
        (
            &skipped[0]["index"],
            &skipped[0]["kid"],
            &skipped[0]["member"]
        ),
        (&json!(1), &json!("ecdh"), &json!("crv"))
    );
    assert_eq!(skipped.as_array().unwrap().len(), 1);
    assert!(skipped[0]["reason"].as_str().unwrap().contains("X25519"));
    for tenant in ["broken", "unreadable"] {
        let error = &tenants[tenant]["token"]["error"];
        assert_eq!(error["code"], "invalid-config", "{tenant}");
    }
}

#[test]
fn a_response_that_breaks_the_contract_is_no_observation() {
    let response = |status: u16, body: &str| {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let wrong_status = response(500, r#"{"error": {"code": "expired"}}"#);
    assert!(client::observe(Service::Token, wrong_status).is_err());
    let not_json = response(200, "<html>");
    assert!(client::observe(Service::Token, not_json).is_err());
    let valid_as_422 = response(
        422,
        r#"{"valid": true, "violations": [], "truncated": false}"#,
    );
    assert!(client::observe(Service::Config, valid_as_422).is_err());
    let image_without_size = http::Response::builder()
        .status(200)
        .header("content-type", "image/png")
        .body(vec![1])
        .unwrap();
    assert!(client::observe(Service::Thumbnail, image_without_size).is_err());
}

#[test]
fn a_deployment_in_a_store_reads_its_tenants_from_their_keys() {
    let deployment = json!({"tenants": {
        "a": {"config": {"schemas": [{"name": "s", "schema": true}]}},
        "b": {},
    }, "trust-now-header": true});
    let entries: std::collections::BTreeMap<String, String> =
        client::store_entries(&deployment).into_iter().collect();
    assert_eq!(entries.len(), 3);
    let d = Deployment::from_store(|key| Ok(entries.get(key).cloned())).unwrap();
    assert!(d.trust_now_header);
    assert!(matches!(d.tenants["a"].config, Some(Ok(_))));
    assert!(d.tenants["b"].config.is_none());
    // A tenant's key that is missing spoils the deployment, and says which.
    let error =
        Deployment::from_store(|key| Ok(entries.get(key).cloned().filter(|_| key != "tenant.b")))
            .unwrap_err();
    assert!(error.0.contains("tenant.b"), "{error}");
    // In one value, a tenant cannot be a key.
    let one_value = &entries[crate::DEPLOYMENT_KEY];
    assert!(Deployment::from_json(one_value).is_err());
}
