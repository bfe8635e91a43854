//! The config validator's WIT world, called through wasmtime's typed bindings: JSON request
//! in, JSON response out (the same JSON form the command and the native core use).

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::InstancePre;

use super::ComponentState;

wasmtime::component::bindgen!({
    path: "../wit/config",
    world: "config-validator",
});

use portable::config::types::{Config, DocumentFormat, Error, ErrorCode, Limits, NamedSchema};

pub(super) fn call(
    store: &mut Store<ComponentState>,
    pre: &InstancePre<ComponentState>,
    request: &Value,
) -> anyhow::Result<Value> {
    let request: config_core::json::Request =
        serde_json::from_value(request.clone()).context("not a config request")?;
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
    let bindings = ConfigValidatorPre::new(pre.clone())?.instantiate(&mut *store)?;
    let validator = bindings.portable_config_validator().validator();
    let result = match validator.call_create(&mut *store, &config)? {
        Ok(instance) => validator.call_validate(
            &mut *store,
            instance,
            &request.schema,
            &request.document,
            format,
        )?,
        Err(error) => Err(error),
    };
    Ok(match result {
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

fn error_json(error: &Error) -> Value {
    let location = error
        .location
        .map(|l| json!({"line": l.line, "column": l.column}));
    json!({"err": {
        "code": code_name(error.code),
        "message": error.message,
        "location": location,
    }})
}

fn code_name(code: ErrorCode) -> String {
    super::wit_case_name(code)
}

#[cfg(test)]
mod tests {
    use super::portable::config::types::ErrorCode as Wit;
    use config_core::ErrorCode as Core;

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
