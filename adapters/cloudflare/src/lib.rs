//! Cloudflare Workers: a worker request becomes an `http::Request`, `service_http::handle`
//! answers it, and the `http::Response` becomes a worker response. The deployment's JSON is
//! the Worker variable (or secret) named `service_http::DEPLOYMENT_KEY`, read once per isolate.

use std::sync::OnceLock;

use service_http::{DEPLOYMENT_KEY, Deployment, DeploymentError, http};
use worker::{Context, Date, Env, Error, Headers, Request, Response, Result, event};

static DEPLOYMENT: OnceLock<std::result::Result<Deployment, DeploymentError>> = OnceLock::new();

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let deployment = DEPLOYMENT.get_or_init(|| match env.var(DEPLOYMENT_KEY) {
        Ok(text) => Deployment::from_json(&text.to_string()),
        Err(e) => Err(DeploymentError(format!(
            "no variable `{DEPLOYMENT_KEY}`: {e}"
        ))),
    });
    let deployment = match deployment {
        Ok(deployment) => deployment,
        Err(e) => return into_worker(e.clone().into_response()),
    };
    // `req.method()` folds methods it does not know into GET; the JS request keeps them.
    let mut request = http::Request::builder()
        .method(req.inner().method().as_str())
        .uri(req.url()?.as_str());
    *request.headers_mut().unwrap() = req.headers().into();
    let request = request
        .body(req.bytes().await?)
        .map_err(|e| Error::RustError(e.to_string()))?;
    let wall_clock = || (Date::now().as_millis() / 1000) as i64;
    into_worker(service_http::handle(deployment, request, wall_clock))
}

fn into_worker(response: http::Response<Vec<u8>>) -> Result<Response> {
    let (parts, body) = response.into_parts();
    Ok(Response::from_bytes(body)?
        .with_status(parts.status.as_u16())
        .with_headers(Headers::from(&parts.headers)))
}
