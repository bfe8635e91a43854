//! Spin: the services as one `wasi:http@0.3.0` component (spin-sdk 7). The deployment JSON is
//! the Spin variable `deployment`; Spin makes a fresh instance per request, so it is read and
//! parsed per request.

use service_http::{DEPLOYMENT_KEY, Deployment, DeploymentError, http};
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{FullBody, Request};

type Response = http::Response<FullBody<bytes::Bytes>>;

#[spin_sdk::http_service]
async fn handle(request: Request) -> spin_sdk::http::Result<Response> {
    let response = match deployment().await {
        Ok(deployment) => {
            let (parts, body) = request.into_parts();
            let request = http::Request::from_parts(parts, body.bytes().await?.to_vec());
            service_http::handle(&deployment, request, service_http::system_clock)
        }
        Err(e) => e.into_response(),
    };
    Ok(response.map(|body| FullBody::new(body.into())))
}

async fn deployment() -> Result<Deployment, DeploymentError> {
    let json = spin_sdk::variables::get(DEPLOYMENT_KEY)
        .await
        .map_err(|e| DeploymentError(format!("Spin variable `{DEPLOYMENT_KEY}`: {e}")))?;
    Deployment::from_json(&json)
}
