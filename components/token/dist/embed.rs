use portable::token::types::{Config, Policy};

/// One request: `{"config": {"jwks", "policy"}, "token", "now"}` in, `{"ok": ...}` or
/// `{"err": ...}` out.
fn serve(engine: &Engine, pre: &TokenVerifierPre<State>, request: &Value) -> Result<Value> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let policy = &request["config"]["policy"];
    let config = Config {
        jwks: text(&request["config"]["jwks"]),
        policy: Policy {
            allowed_algorithms: strings(&policy["allowed-algorithms"]),
            allowed_issuers: strings(&policy["allowed-issuers"]),
            audiences: strings(&policy["audiences"]),
            require_exp: policy["require-exp"].as_bool().unwrap_or(true),
            leeway_seconds: number(&policy["leeway-seconds"], 0)?,
            max_age_seconds: policy["max-age-seconds"].as_u64().map(u32::try_from).transpose()?,
            required_claims: strings(&policy["required-claims"]),
            max_token_bytes: number(&policy["max-token-bytes"], 8192)?,
        },
    };
    let token = request["token"].as_str().context("no `token`")?;
    // `None`: the component reads the wall clock (wasi:clocks).
    let now = request["now"].as_i64();

    let mut store = new_store(engine);
    let bindings = pre.instantiate(&mut store)?;
    let verifier = bindings.{{accessor}}().verifier();
    let result = match verifier.call_create(&mut store, &config)? {
        Ok(handle) => verifier.call_verify(&mut store, handle, token, now)?,
        Err(error) => Err(error),
    };
    Ok(match result {
        Ok(verified) => {
            let claims: Value = serde_json::from_str(&verified.claims)?;
            json!({"ok": {"alg": verified.alg, "kid": verified.kid, "claims": claims}})
        }
        Err(error) => {
            let mut err = json!({"code": case_name(error.code), "message": error.message});
            if let Some(field) = error.field {
                err["field"] = json!(field);
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
