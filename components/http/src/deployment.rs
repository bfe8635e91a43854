//! The deployment: one JSON document, read from the platform's own config mechanism.
//!
//! ```json
//! {"tenants": {"default": {"token": {"jwks": …, "policy": …},
//!                          "config": {"schemas": […], …},
//!                          "thumbnail": {"limits": …}}},
//!  "max-body-bytes": 8388608,
//!  "trust-now-header": false}
//! ```
//!
//! Each service config is the service's own config (its WIT `config` record in JSON), and a
//! tenant may leave services out. A service config that does not even have the config's shape
//! does not spoil the rest of the deployment: requests for it get `invalid-config`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{DEFAULT_MAX_BODY_BYTES, status};

#[derive(Debug)]
pub struct Deployment {
    pub tenants: BTreeMap<String, Tenant>,
    pub max_body_bytes: usize,
    /// Whether `X-Portable-Now` sets the time (conformance runs only).
    pub trust_now_header: bool,
}

/// One tenant's service configs; `Err` holds why a config could not be read.
#[derive(Debug, Default)]
pub struct Tenant {
    pub token: Option<Result<token_core::Config, String>>,
    pub config: Option<Result<config_core::Config, String>>,
    pub thumbnail: Option<Result<thumbnail_core::Config, String>>,
}

/// Why a deployment's JSON cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentError(pub String);

impl std::fmt::Display for DeploymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid deployment: {}", self.0)
    }
}

impl std::error::Error for DeploymentError {}

impl DeploymentError {
    /// The answer to every request while the deployment cannot be read: a 500 with code
    /// `invalid-deployment`.
    pub fn into_response(self) -> crate::Response {
        crate::routes::error_response(500, status::INVALID_DEPLOYMENT, &self.to_string())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Raw {
    tenants: BTreeMap<String, RawTenant>,
    #[serde(default)]
    max_body_bytes: Option<usize>,
    #[serde(default)]
    trust_now_header: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    token: Option<Value>,
    config: Option<Value>,
    thumbnail: Option<Value>,
}

impl Deployment {
    pub fn from_json(text: &str) -> Result<Deployment, DeploymentError> {
        let raw: Raw = serde_json::from_str(text).map_err(|e| DeploymentError(e.to_string()))?;
        let tenants = raw
            .tenants
            .into_iter()
            .map(|(name, t)| {
                let tenant = Tenant {
                    token: t.token.map(typed),
                    config: t.config.map(typed),
                    thumbnail: t.thumbnail.map(typed),
                };
                (name, tenant)
            })
            .collect();
        Ok(Deployment {
            tenants,
            max_body_bytes: raw.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            trust_now_header: raw.trust_now_header,
        })
    }
}

fn typed<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}
