//! The `config-validator` world (`wit/config/config.wit`), exported by wit-bindgen. Glue
//! only: every decision is made by `config-core`.

wit_bindgen::generate!({
    path: "../../../wit/config",
    world: "config-validator",
});

use config_core::ErrorCode as Code;
use exports::portable::config::validator::{Guest, GuestValidator, Validator as ValidatorHandle};
use portable::config::types::{
    Config, DocumentFormat, Error, ErrorCode, Location, Outcome, Violation,
};

struct Component;

impl Guest for Component {
    type Validator = Validator;
}

struct Validator(config_core::Validator);

impl GuestValidator for Validator {
    fn create(config: Config) -> Result<ValidatorHandle, Error> {
        let config = config_core::Config {
            schemas: config
                .schemas
                .into_iter()
                .map(|s| config_core::NamedSchema {
                    name: s.name,
                    schema: s.schema,
                })
                .collect(),
            limits: config_core::Limits {
                max_document_bytes: config.limits.max_document_bytes,
                max_depth: config.limits.max_depth,
                max_errors: config.limits.max_errors,
            },
            assert_formats: config.assert_formats,
        };
        let validator = config_core::Validator::new(&config).map_err(error)?;
        Ok(ValidatorHandle::new(Validator(validator)))
    }

    fn validate(
        &self,
        schema: String,
        document: String,
        format: DocumentFormat,
    ) -> Result<Outcome, Error> {
        let format = match format {
            DocumentFormat::Json => config_core::DocumentFormat::Json,
            DocumentFormat::Yaml => config_core::DocumentFormat::Yaml,
            DocumentFormat::Toml => config_core::DocumentFormat::Toml,
        };
        let outcome = self.0.validate(&schema, &document, format).map_err(error)?;
        Ok(Outcome {
            valid: outcome.valid,
            violations: outcome
                .violations
                .into_iter()
                .map(|v| Violation {
                    instance_path: v.instance_path,
                    keyword_location: v.keyword_location,
                    keyword: v.keyword,
                    code: v.code.as_str().to_owned(),
                })
                .collect(),
            truncated: outcome.truncated,
        })
    }
}

fn error(e: config_core::Error) -> Error {
    let code = match e.code {
        Code::InvalidConfig => ErrorCode::InvalidConfig,
        Code::UnresolvableRef => ErrorCode::UnresolvableRef,
        Code::UnknownSchema => ErrorCode::UnknownSchema,
        Code::ParseError => ErrorCode::ParseError,
        Code::TooLarge => ErrorCode::TooLarge,
        Code::TooDeep => ErrorCode::TooDeep,
        Code::Unrepresentable => ErrorCode::Unrepresentable,
    };
    Error {
        code,
        message: e.message,
        location: e.location.map(|l| Location {
            line: l.line,
            column: l.column,
        }),
    }
}

export!(Component);
