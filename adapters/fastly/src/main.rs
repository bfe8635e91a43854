//! Fastly Compute adapter: one `#[fastly::main]` serving the services with `service_http`.
//! The deployment is in the `portable` config store: its JSON under the key `deployment`.

use fastly::{Body, ConfigStore, Error, Request, Response};
use service_http::{CONFIG_STORE, Deployment, DeploymentError, http};

#[fastly::main]
fn main(request: Request) -> Result<Response, Error> {
    let response = match deployment() {
        Ok(deployment) => {
            service_http::handle(&deployment, to_http(request), service_http::system_clock)
        }
        Err(e) => e.into_response(),
    };
    Ok(Response::from(response.map(Body::from)))
}

/// Each request runs in a fresh instance, so the deployment is read for each one. A store
/// value holds at most 8,000 characters, so tenants may sit in keys of their own.
fn deployment() -> Result<Deployment, DeploymentError> {
    let store = ConfigStore::try_open(CONFIG_STORE)
        .map_err(|e| DeploymentError(format!("config store `{CONFIG_STORE}`: {e}")))?;
    Deployment::from_store(|key| store.try_get(key).map_err(|e| e.to_string()))
}

/// Method, URL, headers and body, as `http` types.
fn to_http(request: Request) -> service_http::Request {
    http::Request::<Body>::from(request).map(Body::into_bytes)
}
