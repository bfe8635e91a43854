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
//! tenant may leave services out. Where one value cannot hold the whole deployment (a Fastly
//! config-store value holds at most 8,000 characters), a tenant may be the name of another
//! key of the same store holding the tenant's JSON ([`Deployment::from_store`]). A service config that does not even have the config's shape
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
    tenants: BTreeMap<String, Value>,
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
    /// A deployment held in one JSON value, tenants inline.
    pub fn from_json(text: &str) -> Result<Deployment, DeploymentError> {
        Deployment::read(text, |key| {
            Err(format!(
                "the tenant is the key `{key}`, but this deployment is one value"
            ))
        })
    }

    /// A deployment held in a key-value store: its JSON under [`crate::DEPLOYMENT_KEY`], and
    /// each tenant given as a string in the key of that name. `get` reads a key (`Ok(None)`
    /// when it is absent).
    pub fn from_store(
        mut get: impl FnMut(&str) -> Result<Option<String>, String>,
    ) -> Result<Deployment, DeploymentError> {
        let key = crate::DEPLOYMENT_KEY;
        let text = get(key)
            .map_err(DeploymentError)?
            .ok_or_else(|| DeploymentError(format!("no `{key}` key")))?;
        Deployment::read(&text, |key| {
            let text = get(key)?.ok_or_else(|| format!("no `{key}` key"))?;
            serde_json::from_str(&text).map_err(|e| format!("key `{key}`: {e}"))
        })
    }

    fn read(
        text: &str,
        mut tenant_at: impl FnMut(&str) -> Result<Value, String>,
    ) -> Result<Deployment, DeploymentError> {
        let raw: Raw = serde_json::from_str(text).map_err(|e| DeploymentError(e.to_string()))?;
        let mut tenants = BTreeMap::new();
        for (name, value) in raw.tenants {
            let value = match value {
                Value::String(key) => {
                    tenant_at(&key).map_err(|e| DeploymentError(format!("tenant `{name}`: {e}")))?
                }
                inline => inline,
            };
            let t: RawTenant = serde_json::from_value(value)
                .map_err(|e| DeploymentError(format!("tenant `{name}`: {e}")))?;
            let tenant = Tenant {
                token: t.token.map(typed),
                config: t.config.map(typed),
                thumbnail: t.thumbnail.map(typed),
            };
            tenants.insert(name, tenant);
        }
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
