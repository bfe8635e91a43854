//! The reference column: each service's core crate, called in-process.

use anyhow::Context;
use conformance::{Availability, Form, Job, Kind, Target};
use serde_json::Value;
use service_http::Spec;

pub struct Native;

impl Target for Native {
    fn id(&self) -> &'static str {
        "native"
    }

    fn kind(&self) -> Kind {
        Kind::Reference
    }

    fn version(&self) -> String {
        format!("{} (host)", env!("CARGO_PKG_VERSION"))
    }

    fn detect(&self) -> Availability {
        Availability::Available
    }

    fn forms(&self) -> &'static [Form] {
        &[Form::Native]
    }

    fn run(&self, job: &Job) -> anyhow::Result<Value> {
        spec(&job.service)?
            .serve(&job.request, &service_http::system_clock)
            .map_err(anyhow::Error::msg)
    }
}

/// The registry's entry for `service`.
fn spec(service: &str) -> anyhow::Result<&'static Spec> {
    Spec::named(service).with_context(|| format!("no native core for service `{service}`"))
}

/// The request in canonical JSON form: parsed by the service's core and written back, so
/// every field (defaults included) is explicit. Drivers whose glue maps JSON to typed
/// bindings get this, so defaults live in one place: the core crates.
pub(crate) fn canonical_request(service: &str, request: &Value) -> anyhow::Result<Value> {
    spec(service)?
        .canonical(request)
        .map_err(anyhow::Error::msg)
}
