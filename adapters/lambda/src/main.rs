//! `bootstrap`: an AWS Lambda custom runtime (`provided.al2023`) serving the HTTP surface.
//! Each service runs in its component (the same `.wasm` the harness's wasmtime column runs)
//! on wasmtime: compiled code loaded once at init, a fresh instance per event.
//!
//! Package: `bootstrap` plus `token.cwasm`, `config.cwasm` and `thumbnail.cwasm`, made by
//! `bootstrap precompile <component.wasm> <out.cwasm>` with this same binary. The deployment's
//! JSON comes from the environment variable `DEPLOYMENT`.

mod components;

use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, command, wasm, out] = args.as_slice()
        && command == "precompile"
    {
        return Ok(components::precompile(wasm.as_ref(), out.as_ref())?);
    }
    let root = std::env::var("LAMBDA_TASK_ROOT").unwrap_or_else(|_| ".".into());
    let components = components::Components::load(root.as_ref())?;
    let deployment =
        service_http::Deployment::from_json(&std::env::var("DEPLOYMENT").unwrap_or_default());
    lambda_http::run(service_fn(|request: Request| {
        let deadline = request.lambda_context_ref().map(|c| c.deadline);
        let (parts, body) = request.into_parts();
        let request = service_http::http::Request::from_parts(parts, body.to_vec());
        let response = match &deployment {
            Ok(deployment) => service_http::handle_with(
                deployment,
                request,
                service_http::system_clock,
                &mut components.session(deadline),
            ),
            Err(error) => error.clone().into_response(),
        };
        let (parts, body) = response.into_parts();
        async move { Ok::<_, Error>(Response::from_parts(parts, Body::Binary(body))) }
    }))
    .await
}
