//! The JSON form of the service: what the command reads and writes, what vectors hold and
//! what the HTTP mapping returns. Field names are the WIT names (kebab-case).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::{Config, DocumentFormat, Error, Outcome, Validator};

/// One validation request: the deployment config, the schema's name, the document and its
/// format.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Request {
    pub config: Config,
    pub schema: String,
    pub document: String,
    pub format: DocumentFormat,
}

/// `{"ok": {"valid", "violations", "truncated"}}` or `{"err": {"code", "message",
/// "location"}}`, the JSON form of WIT's `result<outcome, error>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Ok(Outcome),
    Err(Error),
}

impl From<Result<Outcome, Error>> for Response {
    fn from(result: Result<Outcome, Error>) -> Self {
        match result {
            Ok(outcome) => Response::Ok(outcome),
            Err(error) => Response::Err(error),
        }
    }
}

/// Serves one request.
pub fn serve(request: &Request) -> Response {
    Validator::new(&request.config)
        .and_then(|v| v.validate(&request.schema, &request.document, request.format))
        .into()
}

/// Accepts a schema as JSON (kept as its JSON text) or as a string holding JSON text. A
/// boolean schema is JSON too.
pub(crate) fn value_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(text) => Ok(text),
        other => Ok(other.to_string()),
    }
}
