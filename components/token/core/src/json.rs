//! The JSON form of the service: what the command reads and writes, what vectors hold and
//! what the HTTP mapping returns. Field names are the WIT names (kebab-case).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::{Config, Error, Verified, Verifier};

/// One verification request: the deployment config, the token, and optionally `now`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Request {
    pub config: Config,
    pub token: String,
    /// Seconds since the Unix epoch; absent means the host's wall clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<i64>,
}

/// The verified token in JSON form: `claims` is the payload object itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
}

impl From<Verified> for Claims {
    fn from(v: Verified) -> Self {
        Claims {
            alg: v.alg.name().to_owned(),
            kid: v.kid,
            claims: v.claims,
        }
    }
}

/// `{"ok": {...}}` or `{"err": {"code", "message", "field"}}`, the JSON form of WIT's
/// `result<verified, error>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Ok(Claims),
    Err(Error),
}

impl From<Result<Verified, Error>> for Response {
    fn from(result: Result<Verified, Error>) -> Self {
        match result {
            Ok(verified) => Response::Ok(verified.into()),
            Err(error) => Response::Err(error),
        }
    }
}

/// Serves one request. `wall_clock` is only called when the request has no `now`.
pub fn serve(request: &Request, wall_clock: impl FnOnce() -> i64) -> Response {
    let now = request.now.unwrap_or_else(wall_clock);
    Verifier::new(&request.config)
        .and_then(|v| v.verify(&request.token, now))
        .into()
}

/// Accepts a JSON object (kept as its JSON text) or a string holding JSON text.
pub(crate) fn object_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(text) => Ok(text),
        other => Ok(other.to_string()),
    }
}
