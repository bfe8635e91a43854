use portable::config::types::{Config, DocumentFormat, Limits, NamedSchema};

/// One request: `{"config": {"schemas", "limits", "assert-formats"}, "schema", "document",
/// "format"}` in, `{"ok": ...}` or `{"err": ...}` out.
fn serve(engine: &Engine, pre: &ConfigValidatorPre<State>, request: &Value) -> Result<Value> {
    let config = &request["config"];
    let limits = &config["limits"];
    let schemas = config["schemas"].as_array().context("no `config.schemas`")?;
    let config = Config {
        schemas: schemas
            .iter()
            .map(|s| NamedSchema {
                name: text(&s["name"]),
                schema: text(&s["schema"]),
            })
            .collect(),
        limits: Limits {
            max_document_bytes: number(&limits["max-document-bytes"], 1 << 20)?,
            max_depth: number(&limits["max-depth"], 64)?,
            max_errors: number(&limits["max-errors"], 100)?,
        },
        assert_formats: config["assert-formats"].as_bool().unwrap_or(true),
    };
    let schema = request["schema"].as_str().context("no `schema`")?;
    let document = request["document"].as_str().context("no `document`")?;
    let format = match request["format"].as_str() {
        Some("json") => DocumentFormat::Json,
        Some("yaml") => DocumentFormat::Yaml,
        Some("toml") => DocumentFormat::Toml,
        _ => bail!("`format` is json, yaml or toml"),
    };

    let mut store = new_store(engine);
    let bindings = pre.instantiate(&mut store)?;
    let validator = bindings.{{accessor}}().validator();
    let result = match validator.call_create(&mut store, &config)? {
        Ok(handle) => validator.call_validate(&mut store, handle, schema, document, format)?,
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
        Err(error) => {
            let mut err = json!({"code": case_name(error.code), "message": error.message});
            if let Some(at) = error.location {
                err["location"] = json!({"line": at.line, "column": at.column});
            }
            json!({ "err": err })
        }
    })
}

/// A WIT `string` that holds JSON text: the JSON form accepts the text or the value itself.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
