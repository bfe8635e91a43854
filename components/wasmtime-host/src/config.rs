//! The config validator's WIT world, called through wasmtime's typed bindings: JSON request
//! in, JSON response out (the same JSON form the command and the native core use).

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

wasmtime::component::bindgen!({
    path: "../../wit/config",
    world: "config-validator",
});

use portable::config::types::{
    Config, DocumentFormat, Error, ErrorCode, Limits, NamedSchema, Outcome,
};

/// An instance of the config validator, and its `validator` once created.
pub struct Validator {
    bindings: ConfigValidator,
    validator: Option<ResourceAny>,
}

/// A config request in the WIT's types.
pub struct Request {
    config: Config,
    schema: String,
    document: String,
    format: DocumentFormat,
}

impl<T: 'static> crate::Guest<T> for Validator {
    type Pre = ConfigValidatorPre<T>;
    type Request = Request;
    type Output = Result<Outcome, Error>;

    fn pre(pre: InstancePre<T>) -> anyhow::Result<Self::Pre> {
        Ok(ConfigValidatorPre::new(pre)?)
    }

    fn request(json: &Value) -> anyhow::Result<Request> {
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
        Ok(Request {
            config,
            schema: request.schema,
            document: request.document,
            format,
        })
    }

    fn instantiate(store: &mut Store<T>, pre: &Self::Pre) -> anyhow::Result<Self> {
        Ok(Validator {
            bindings: pre.instantiate(store)?,
            validator: None,
        })
    }

    fn create(
        &mut self,
        store: &mut Store<T>,
        request: &Request,
    ) -> anyhow::Result<Result<(), Value>> {
        // A second `create` (the benchmarks time one on a warm instance) replaces the first.
        if let Some(old) = self.validator.take() {
            old.resource_drop(&mut *store)?;
        }
        let validator = self.bindings.portable_config_validator().validator();
        Ok(match validator.call_create(store, &request.config)? {
            Ok(created) => {
                self.validator = Some(created);
                Ok(())
            }
            Err(error) => Err(error_json(&error)),
        })
    }

    fn call(&mut self, store: &mut Store<T>, request: &Request) -> anyhow::Result<Self::Output> {
        let created = self.validator.context("the validator was not created")?;
        let validator = self.bindings.portable_config_validator().validator();
        Ok(validator.call_validate(
            store,
            created,
            &request.schema,
            &request.document,
            request.format,
        )?)
    }

    fn response(output: Self::Output) -> anyhow::Result<Value> {
        Ok(match output {
            Ok(outcome) => {
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
                json!({"ok": {
                    "valid": outcome.valid,
                    "violations": violations,
                    "truncated": outcome.truncated,
                }})
            }
            Err(error) => error_json(&error),
        })
    }
}

/// The JSON form of a refusal, as the core writes it (`config_core::Error`): an absent
/// `location` is left out, not `null`, so the component's response is the native one byte
/// for byte (found by `cargo xtask differential`).
fn error_json(error: &Error) -> Value {
    let mut err = json!({"code": code_name(error.code), "message": error.message});
    if let Some(l) = error.location {
        err["location"] = json!({"line": l.line, "column": l.column});
    }
    json!({ "err": err })
}

fn code_name(code: ErrorCode) -> String {
    crate::wit_case_name(code)
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
                super::error_json(&wit).to_string(),
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
