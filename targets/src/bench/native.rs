//! The reference: each service's core crate called in this process, optimised like the
//! runtimes (see the workspace Cargo.toml), on the same requests.

use std::time::Instant;

use anyhow::Context;
use serde_json::Value;

use super::stats::{Budget, Summary, micros};
use super::workloads::Workload;

/// The native measurements of one workload.
pub struct Native {
    /// The service created from the deployment config (keys parsed, schemas compiled).
    pub create: Summary,
    /// The first request on a freshly created service.
    pub first_call: Summary,
    /// Requests on a created service, after warm-up: what the wasm warm call is compared with.
    pub warm: Summary,
    /// The whole request from its JSON text to the JSON text of the response, `create`
    /// included: what a command run is compared with.
    pub serve: Summary,
    /// The JSON response, which every runtime's must equal.
    pub response: Value,
}

/// A service as the core crate offers it: a request parsed once, a service created from its
/// config, then called.
trait Core {
    type Request;
    type Service;
    type Output;
    fn parse(json: &Value) -> anyhow::Result<Self::Request>;
    fn create(request: &Self::Request) -> anyhow::Result<Self::Service>;
    fn call(service: &Self::Service, request: &Self::Request) -> Self::Output;
    fn response(output: Self::Output) -> anyhow::Result<Value>;
    fn serve(text: &str) -> anyhow::Result<String>;
}

struct Token;

impl Core for Token {
    type Request = token_core::json::Request;
    type Service = token_core::Verifier;
    type Output = Result<token_core::Verified, token_core::Error>;
    fn parse(json: &Value) -> anyhow::Result<Self::Request> {
        serde_json::from_value(json.clone()).context("not a token request")
    }
    fn create(request: &Self::Request) -> anyhow::Result<Self::Service> {
        token_core::Verifier::new(&request.config).map_err(|e| anyhow::anyhow!("{e:?}"))
    }
    fn call(service: &Self::Service, request: &Self::Request) -> Self::Output {
        service.verify(&request.token, now(request.now))
    }
    fn response(output: Self::Output) -> anyhow::Result<Value> {
        Ok(serde_json::to_value(token_core::json::Response::from(
            output,
        ))?)
    }
    fn serve(text: &str) -> anyhow::Result<String> {
        let request: token_core::json::Request = serde_json::from_str(text)?;
        let response = token_core::json::serve(&request, || now(None));
        Ok(serde_json::to_string(&response)?)
    }
}

struct Config;

impl Core for Config {
    type Request = config_core::json::Request;
    type Service = config_core::Validator;
    type Output = Result<config_core::Outcome, config_core::Error>;
    fn parse(json: &Value) -> anyhow::Result<Self::Request> {
        serde_json::from_value(json.clone()).context("not a config request")
    }
    fn create(request: &Self::Request) -> anyhow::Result<Self::Service> {
        config_core::Validator::new(&request.config).map_err(|e| anyhow::anyhow!("{e:?}"))
    }
    fn call(service: &Self::Service, request: &Self::Request) -> Self::Output {
        service.validate(&request.schema, &request.document, request.format)
    }
    fn response(output: Self::Output) -> anyhow::Result<Value> {
        Ok(serde_json::to_value(config_core::json::Response::from(
            output,
        ))?)
    }
    fn serve(text: &str) -> anyhow::Result<String> {
        let request: config_core::json::Request = serde_json::from_str(text)?;
        Ok(serde_json::to_string(&config_core::json::serve(&request))?)
    }
}

struct Thumbnail;

impl Core for Thumbnail {
    type Request = thumbnail_core::json::Request;
    type Service = thumbnail_core::Thumbnailer;
    type Output = Result<thumbnail_core::Thumbnail, thumbnail_core::Error>;
    fn parse(json: &Value) -> anyhow::Result<Self::Request> {
        serde_json::from_value(json.clone()).context("not a thumbnail request")
    }
    fn create(request: &Self::Request) -> anyhow::Result<Self::Service> {
        thumbnail_core::Thumbnailer::new(&request.config).map_err(|e| anyhow::anyhow!("{e:?}"))
    }
    fn call(service: &Self::Service, request: &Self::Request) -> Self::Output {
        service.thumbnail(&request.image, &request.request)
    }
    fn response(output: Self::Output) -> anyhow::Result<Value> {
        Ok(serde_json::to_value(thumbnail_core::json::Response::from(
            output,
        ))?)
    }
    fn serve(text: &str) -> anyhow::Result<String> {
        let request: thumbnail_core::json::Request = serde_json::from_str(text)?;
        Ok(serde_json::to_string(&thumbnail_core::json::serve(
            &request,
        ))?)
    }
}

/// `now` as the command and component default it: the request's, else the wall clock.
fn now(now: Option<i64>) -> i64 {
    now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    })
}

/// Measures `workload` natively: `cold` bounds the fresh-service runs (create, first call),
/// `warm` the warm calls and whole requests.
pub fn measure(workload: &Workload, cold: Budget, warm: Budget) -> anyhow::Result<Native> {
    match workload.service {
        "token" => run::<Token>(workload, cold, warm),
        "config" => run::<Config>(workload, cold, warm),
        "thumbnail" => run::<Thumbnail>(workload, cold, warm),
        other => anyhow::bail!("no native core for `{other}`"),
    }
}

fn run<C: Core>(workload: &Workload, cold: Budget, warm: Budget) -> anyhow::Result<Native> {
    let request = C::parse(&workload.request)?;
    let mut creates = Vec::new();
    let first_call = cold.run(|| {
        let start = Instant::now();
        let service = C::create(&request)?;
        creates.push(micros(start));
        let start = Instant::now();
        let output = std::hint::black_box(C::call(&service, &request));
        let took = micros(start);
        drop(output);
        Ok(took)
    })?;
    let create = super::stats::summarize(&creates);
    let service = C::create(&request)?;
    let response = C::response(C::call(&service, &request))?;
    anyhow::ensure!(
        response.get("ok").is_some(),
        "the native reference refused workload {}: {response}",
        workload.id
    );
    let mut reference = Ready::<C> {
        request,
        service,
        text: workload.request.to_string(),
    };
    let warm_calls = warm.run(|| reference.call())?;
    let serve = warm.run(|| reference.serve())?;
    Ok(Native {
        create,
        first_call,
        warm: warm_calls,
        serve,
        response,
    })
}

/// Token verifications per second on `threads` threads for `seconds`, each thread with its
/// own verifier (`fresh`: a verifier created per request, as a fresh instance would).
pub fn throughput(
    workload: &Workload,
    threads: usize,
    seconds: f64,
    fresh: bool,
) -> anyhow::Result<f64> {
    let request = Token::parse(&workload.request)?;
    let request = &request;
    super::count_in_parallel(threads, seconds, || {
        let mut service = Token::create(request)?;
        Ok(move || {
            if fresh {
                service = Token::create(request)?;
            }
            Token::call(&service, request).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(())
        })
    })
}

/// The native reference of one workload, ready to be timed between wasm runs, so both see
/// the same machine: on a shared machine the load changes from second to second, and a
/// ratio of measurements taken minutes apart would measure that too.
pub trait Reference {
    /// One warm call on the created service, in µs.
    fn call(&mut self) -> anyhow::Result<f64>;
    /// One whole request from JSON text to JSON text, `create` included, in µs.
    fn serve(&mut self) -> anyhow::Result<f64>;
}

struct Ready<C: Core> {
    request: C::Request,
    service: C::Service,
    text: String,
}

impl<C: Core> Reference for Ready<C> {
    fn call(&mut self) -> anyhow::Result<f64> {
        let start = Instant::now();
        let output = std::hint::black_box(C::call(&self.service, &self.request));
        let took = micros(start);
        drop(output);
        Ok(took)
    }

    fn serve(&mut self) -> anyhow::Result<f64> {
        let start = Instant::now();
        let response = std::hint::black_box(C::serve(&self.text)?);
        let took = micros(start);
        drop(response);
        Ok(took)
    }
}

/// The reference for `workload`, its service created.
pub fn reference(workload: &Workload) -> anyhow::Result<Box<dyn Reference>> {
    fn ready<C: Core + 'static>(workload: &Workload) -> anyhow::Result<Box<dyn Reference>> {
        let request = C::parse(&workload.request)?;
        let service = C::create(&request)?;
        Ok(Box::new(Ready::<C> {
            request,
            service,
            text: workload.request.to_string(),
        }))
    }
    match workload.service {
        "token" => ready::<Token>(workload),
        "config" => ready::<Config>(workload),
        "thumbnail" => ready::<Thumbnail>(workload),
        other => anyhow::bail!("no native core for `{other}`"),
    }
}
