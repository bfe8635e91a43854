//! The reference column: each service's core crate, called in-process.

use anyhow::{Context, bail};
use conformance::{Availability, Form, Job, Kind, Target};
use serde_json::Value;

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
        match job.service.as_str() {
            "token" => {
                let request: token_core::json::Request =
                    serde_json::from_value(job.request.clone()).context("not a token request")?;
                let response = token_core::json::serve(&request, wall_clock);
                Ok(serde_json::to_value(response)?)
            }
            "thumbnail" => {
                let request: thumbnail_core::json::Request =
                    serde_json::from_value(job.request.clone())
                        .context("not a thumbnail request")?;
                Ok(serde_json::to_value(thumbnail_core::json::serve(&request))?)
            }
            "config" => {
                let request: config_core::json::Request =
                    serde_json::from_value(job.request.clone()).context("not a config request")?;
                Ok(serde_json::to_value(config_core::json::serve(&request))?)
            }
            other => bail!("no native core for service `{other}`"),
        }
    }
}

fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The request in canonical JSON form: parsed by the service's core and written back, so
/// every field (defaults included) is explicit. Drivers whose glue maps JSON to typed
/// bindings get this, so defaults live in one place: the core crates.
pub(crate) fn canonical_request(service: &str, request: &Value) -> anyhow::Result<Value> {
    fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
        request: &Value,
    ) -> anyhow::Result<Value> {
        let typed: T = serde_json::from_value(request.clone())?;
        Ok(serde_json::to_value(typed)?)
    }
    match service {
        "token" => round_trip::<token_core::json::Request>(request),
        "thumbnail" => round_trip::<thumbnail_core::json::Request>(request),
        "config" => round_trip::<config_core::json::Request>(request),
        other => bail!("no core for service `{other}`"),
    }
    .with_context(|| format!("not a {service} request"))
}
