//! The config validator's world: its WIT types to and from the JSON form.

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

use crate::Host;

wasmtime::component::bindgen!({
    path: "../../wit/config",
    world: "config-validator",
});

use portable::config::types::{
    Config, DocumentFormat, Error, ErrorCode, Limits, NamedSchema, Outcome,
};

/// The config validator's world (`Guest<Validator>`).
pub struct Validator;

/// `validate`'s arguments.
pub struct Call {
    schema: String,
    document: String,
    format: DocumentFormat,
}

impl crate::World for Validator {
    const RESOURCE: &'static str = "validator";
    type Pre = ConfigValidatorPre<Host>;
    type Bindings = ConfigValidator;
    type Config = Config;
    type Call = Call;
    type Ok = Outcome;
    type Error = Error;

    fn pre(pre: InstancePre<Host>) -> wasmtime::Result<Self::Pre> {
        ConfigValidatorPre::new(pre)
    }

    fn instantiate(pre: &Self::Pre, store: &mut Store<Host>) -> wasmtime::Result<ConfigValidator> {
        pre.instantiate(store)
    }

    fn create(
        bindings: &ConfigValidator,
        store: &mut Store<Host>,
        config: &Config,
    ) -> wasmtime::Result<Result<ResourceAny, Error>> {
        let validator = bindings.portable_config_validator().validator();
        validator.call_create(store, config)
    }

    fn call(
        bindings: &ConfigValidator,
        store: &mut Store<Host>,
        resource: ResourceAny,
        call: &Call,
    ) -> wasmtime::Result<Result<Outcome, Error>> {
        let validator = bindings.portable_config_validator().validator();
        validator.call_validate(store, resource, &call.schema, &call.document, call.format)
    }

    fn request(json: &Value) -> anyhow::Result<(Config, Call)> {
        let request: config_core::json::Request =
            serde_json::from_value(json.clone()).context("not a config request")?;
        let limits = request.config.limits;
        let config = Config {
            schemas: request
                .config
                .schemas
                .into_iter()
                .map(|s| NamedSchema {
                    name: s.name,
                    schema: s.schema,
                })
                .collect(),
            limits: Limits {
                max_document_bytes: limits.max_document_bytes,
                max_depth: limits.max_depth,
                max_errors: limits.max_errors,
            },
            assert_formats: request.config.assert_formats,
        };
        let format = match request.format {
            config_core::DocumentFormat::Json => DocumentFormat::Json,
            config_core::DocumentFormat::Yaml => DocumentFormat::Yaml,
            config_core::DocumentFormat::Toml => DocumentFormat::Toml,
        };
        let call = Call {
            schema: request.schema,
            document: request.document,
            format,
        };
        Ok((config, call))
    }

    fn ok(outcome: Outcome) -> anyhow::Result<Value> {
        let violations: Vec<Value> = outcome
            .violations
            .iter()
            .map(|v| {
                json!({
                    "instance-path": v.instance_path,
                    "keyword-location": v.keyword_location,
                    "keyword": v.keyword,
                    "code": v.code,
                })
            })
            .collect();
        Ok(json!({
            "valid": outcome.valid,
            "violations": violations,
            "truncated": outcome.truncated,
        }))
    }

    /// As the core writes it (`config_core::Error`): an absent `location` is left out, not
    /// `null`, so the component's response is the native one byte for byte (found by
    /// `cargo xtask differential`).
    fn error(error: &Error) -> Value {
        let mut err = json!({"code": code_name(error.code), "message": error.message});
        if let Some(l) = error.location {
            err["location"] = json!({"line": l.line, "column": l.column});
        }
        err
    }
}

fn code_name(code: ErrorCode) -> String {
    crate::guest::wit_case_name(code)
}

#[cfg(test)]
mod tests {
    use super::portable::config::types::ErrorCode as Wit;
    use config_core::ErrorCode as Core;

    /// A refusal's JSON form is the core's own serialisation, with and without `location`.
    #[test]
    fn errors_are_written_as_the_core_writes_them() {
        for at in [None, Some((3, 7))] {
            let wit = super::Error {
                code: Wit::ParseError,
                message: "m".into(),
                location: at.map(|(line, column)| super::portable::config::types::Location {
                    line,
                    column,
                }),
            };
            let core = config_core::json::Response::Err(config_core::Error {
                code: Core::ParseError,
                message: "m".into(),
                location: at.map(|(line, column)| config_core::Location { line, column }),
            });
            assert_eq!(
                crate::guest::refusal::<super::Validator>(&wit).to_string(),
                // As the command writes it (`command_stdio`: through a `Value`).
                serde_json::to_value(&core).unwrap().to_string()
            );
        }
    }

    /// The WIT enum and the core enum must list the same codes in the same order.
    #[test]
    fn wit_codes_match_the_core() {
        let wit = [
            Wit::InvalidConfig,
            Wit::UnresolvableRef,
            Wit::UnknownSchema,
            Wit::ParseError,
            Wit::TooLarge,
            Wit::TooDeep,
            Wit::Unrepresentable,
        ];
        assert_eq!(wit.len(), Core::ALL.len());
        for (wit, core) in wit.iter().zip(Core::ALL) {
            assert_eq!(super::code_name(*wit), core.as_str());
        }
    }
}
