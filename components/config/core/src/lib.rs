//! Config validation: JSON Schema (drafts 4, 6, 7, 2019-09 and 2020-12) over documents in
//! JSON, YAML or TOML.
//!
//! This crate is the whole service. It does no I/O: schemas come from the deployment
//! [`Config`], documents from the request, and nothing is ever fetched — a `$ref` resolves
//! inside the configured schema set or not at all. The component, the command and the HTTP
//! adapters are glue around [`Validator`] and the JSON form in [`json`].
//!
//! [`Validator::new`] checks the config once: limits, schema names, each schema against its
//! draft's meta-schema, and every `$ref` (see [`schemas`] for how names become URIs).
//! [`Validator::validate`] then runs, in this order:
//!
//! 1. the schema name (`unknown-schema`);
//! 2. the document's size in bytes (`too-large`), before any parsing;
//! 3. parsing in the declared format ([`documents`]): `parse-error` with a location, `too-deep`
//!    for nesting beyond `max-depth`, `unrepresentable` for values JSON has no form for; the
//!    first problem in document order wins;
//! 4. validation: every violation, in a stable order ([`violations`]), at most `max-errors`
//!    of them.

pub mod documents;
pub mod json;
pub mod schemas;
pub mod violations;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use violations::{Code, Violation};

/// Stable error codes; the WIT enum `error-code` in `wit/config/config.wit` mirrors this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    InvalidConfig,
    UnresolvableRef,
    UnknownSchema,
    ParseError,
    TooLarge,
    TooDeep,
    Unrepresentable,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 7] = [
        ErrorCode::InvalidConfig,
        ErrorCode::UnresolvableRef,
        ErrorCode::UnknownSchema,
        ErrorCode::ParseError,
        ErrorCode::TooLarge,
        ErrorCode::TooDeep,
        ErrorCode::Unrepresentable,
    ];

    /// The kebab-case name used in WIT, JSON and vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "invalid-config",
            ErrorCode::UnresolvableRef => "unresolvable-ref",
            ErrorCode::UnknownSchema => "unknown-schema",
            ErrorCode::ParseError => "parse-error",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::TooDeep => "too-deep",
            ErrorCode::Unrepresentable => "unrepresentable",
        }
    }
}

/// A place in a document: line and column, both from 1; the column counts characters
/// (Unicode scalar values), not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

/// A typed failure: `code` is the contract, `message` is for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// Where in the document, for `parse-error` and `unrepresentable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            location: None,
        }
    }

    pub fn at(code: ErrorCode, location: Location, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            location: Some(location),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidConfig, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(Location { line, column }) = self.location {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The formats a document may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentFormat {
    Json,
    Yaml,
    Toml,
}

impl DocumentFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Json => "json",
            DocumentFormat::Yaml => "yaml",
            DocumentFormat::Toml => "toml",
        }
    }
}

/// The most deeply nested document `max-depth` may allow (the parsers and the validator
/// recurse once per level, and a Wasm stack is small).
pub const MAX_DEPTH_CEILING: u32 = 100;

/// What one request may cost. Every field has a default, so `{}` is valid in the JSON form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default, deny_unknown_fields)]
pub struct Limits {
    /// Longest document accepted, in bytes of UTF-8 (`too-large`). At least 1.
    pub max_document_bytes: u32,
    /// Deepest nesting accepted (`too-deep`): a scalar has depth 0, `[]` and `{}` depth 1,
    /// `{"a": [1]}` depth 2. From 1 to [`MAX_DEPTH_CEILING`].
    pub max_depth: u32,
    /// At most this many violations are reported; `truncated` says when more exist. At
    /// least 1.
    pub max_errors: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 1 << 20,
            max_depth: 64,
            max_errors: 100,
        }
    }
}

impl Limits {
    fn check(&self) -> Result<(), Error> {
        if self.max_document_bytes == 0 {
            return Err(Error::config("`max-document-bytes` must be at least 1"));
        }
        if !(1..=MAX_DEPTH_CEILING).contains(&self.max_depth) {
            return Err(Error::config(format!(
                "`max-depth` must be from 1 to {MAX_DEPTH_CEILING}, not {}",
                self.max_depth
            )));
        }
        if self.max_errors == 0 {
            return Err(Error::config("`max-errors` must be at least 1"));
        }
        Ok(())
    }
}

/// One schema of the deployment's set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedSchema {
    /// What requests name it by, and (as `config:///<name>`) a URI `$ref`s resolve against.
    pub name: String,
    /// The schema as JSON text. In the JSON form this may be the schema itself.
    #[serde(deserialize_with = "json::value_or_text")]
    pub schema: String,
}

/// The deployment config: the schema set, the limits and whether `format` asserts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    pub schemas: Vec<NamedSchema>,
    #[serde(default)]
    pub limits: Limits,
    /// Whether `format` is an assertion (email, idn-email, hostname, idn-hostname, date-time,
    /// uri, ipv4, ipv6, uuid...), in every draft. Default true, although 2020-12 and 2019-09
    /// make `format` an annotation unless the format-assertion vocabulary is on: see
    /// `assert-formats` in `wit/config/config.wit` for why. Unknown formats are ignored.
    #[serde(default = "assert_formats_default")]
    pub assert_formats: bool,
}

fn assert_formats_default() -> bool {
    true
}

/// The answer for a document that parsed: valid, or its violations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub valid: bool,
    pub violations: Vec<Violation>,
    pub truncated: bool,
}

/// A validator for one deployment: every schema compiled once.
pub struct Validator {
    schemas: schemas::Compiled,
    limits: Limits,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("schemas", &self.schemas.names().collect::<Vec<_>>())
            .field("limits", &self.limits)
            .finish()
    }
}

impl Validator {
    /// Checks the limits and compiles every schema of the set (`invalid-config`,
    /// `unresolvable-ref`).
    pub fn new(config: &Config) -> Result<Validator, Error> {
        config.limits.check()?;
        let schemas = schemas::compile(&config.schemas, config.assert_formats)?;
        Ok(Validator {
            schemas,
            limits: config.limits,
        })
    }

    /// The names of the schemas, sorted.
    pub fn schema_names(&self) -> impl Iterator<Item = &str> {
        self.schemas.names()
    }

    /// Validates `document`, written in `format`, against the schema called `schema`.
    pub fn validate(
        &self,
        schema: &str,
        document: &str,
        format: DocumentFormat,
    ) -> Result<Outcome, Error> {
        let validator = self.schemas.get(schema).ok_or_else(|| {
            Error::new(
                ErrorCode::UnknownSchema,
                format!("no schema is called `{schema}`"),
            )
        })?;
        let limits = &self.limits;
        if document.len() > limits.max_document_bytes as usize {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!(
                    "the document is {} bytes, the limit is {}",
                    document.len(),
                    limits.max_document_bytes
                ),
            ));
        }
        let instance = documents::parse(document, format, limits)?;
        violations::collect(validator, &instance, limits.max_errors as usize)
    }
}

#[cfg(test)]
mod tests;
