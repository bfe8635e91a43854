//! The config validator: document parsing (JSON, YAML, TOML), validation with a fixed schema
//! set, and schema-set compilation.

use std::sync::LazyLock;

use config_core::documents;
use config_core::json::Request;
use config_core::violations;
use config_core::{Config, DocumentFormat, Error, Limits, NamedSchema, Outcome, Validator};
use serde_json::Value;

use crate::alloc::Budget;
use crate::input::{Input, text};
use crate::wit::assert_code;

/// Tight limits: small documents, shallow nesting, few violations.
const LIMITS: Limits = Limits {
    max_document_bytes: 16 << 10,
    max_depth: 16,
    max_errors: 8,
};

/// What parsing or validating one document within [`LIMITS`] may hold at its peak: the
/// JSON value of a document is a small multiple of its text (a value per two bytes of
/// `[0,0,...]`, a map entry per six of `{"a":0,...}`), and YAML aliases may add at most
/// `max-document-bytes` nodes.
fn budget(limits: &Limits) -> Budget {
    Budget::start(128 * limits.max_document_bytes as usize + (1 << 20))
}

/// The two schema sets of the vectors: every keyword family, and a realistic service config.
const KEYWORDS: &str = include_str!("../../conformance/vectors/config/keywords.json");
const SERVICE: &str = include_str!("../../conformance/vectors/config/service-config.json");

/// Each set's validator, its schema names (sorted, as the validator lists them) and config.
static VALIDATORS: LazyLock<Vec<(Validator, Vec<String>, Config)>> = LazyLock::new(|| {
    [KEYWORDS, SERVICE]
        .into_iter()
        .map(|text| {
            let group: Value = serde_json::from_str(text).expect("a vector file is JSON");
            let config: Config = serde_json::from_value(group["config"].clone())
                .expect("the vectors' config is valid");
            let validator = Validator::new(&config).expect("the vectors' schema set compiles");
            let names = validator.schema_names().map(str::to_owned).collect();
            (validator, names, config)
        })
        .collect()
});

/// Nesting depth as `max-depth` counts it: a scalar 0, `[]` and `{}` 1.
fn depth(value: &Value) -> u32 {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn parse(data: &[u8], format: DocumentFormat) {
    let Some(document) = text(data) else { return };
    let budget = budget(&LIMITS);
    let parsed = documents::parse(document, format, &LIMITS);
    budget.check(&format!("parsing {}", format.as_str()));
    match parsed {
        Ok(value) => assert!(
            depth(&value) <= LIMITS.max_depth,
            "a {} document of depth {} parsed under max-depth {}",
            format.as_str(),
            depth(&value),
            LIMITS.max_depth
        ),
        Err(error) => check_error(&error),
    }
}

fn check_error(error: &Error) {
    assert_code("config", error.code.as_str());
}

/// The invariants of an outcome: at most `max-errors` violations, sorted and without
/// duplicates (the violation order is part of the contract), `truncated` only when full,
/// `valid` exactly when there are none.
fn check_outcome(outcome: &Outcome, limits: &Limits) {
    let found = &outcome.violations;
    assert!(
        found.len() <= limits.max_errors as usize,
        "{} violations reported with max-errors {}",
        found.len(),
        limits.max_errors
    );
    assert!(
        !outcome.truncated || found.len() == limits.max_errors as usize,
        "truncated with only {} violations",
        found.len()
    );
    assert_eq!(
        outcome.valid,
        found.is_empty(),
        "`valid` disagrees with the violations"
    );
    for pair in found.windows(2) {
        assert!(
            violations::compare(&pair[0], &pair[1]).is_lt(),
            "violations out of order or repeated: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
}

pub fn json(data: &[u8]) {
    parse(data, DocumentFormat::Json);
}

pub fn yaml(data: &[u8]) {
    parse(data, DocumentFormat::Yaml);
}

pub fn toml(data: &[u8]) {
    parse(data, DocumentFormat::Toml);
}

fn format_of(byte: u8) -> DocumentFormat {
    match byte % 4 {
        1 => DocumentFormat::Yaml,
        2 => DocumentFormat::Toml,
        _ => DocumentFormat::Json,
    }
}

/// `config-validate`: byte 0 picks the schema set (bit 0) and the format (bits 1-2), byte 1
/// the schema; the rest is the document.
pub fn validate(data: &[u8]) {
    let Some((set, name, document, format)) = validate_pick(data) else {
        return;
    };
    let (validator, _, config) = &VALIDATORS[set];
    let limits = &config.limits;
    let budget = budget(limits);
    let result = validator.validate(name, document, format);
    budget.check("validating");
    match result {
        Ok(outcome) => check_outcome(&outcome, limits),
        Err(error) => check_error(&error),
    }
}

/// What `config-validate` reads off `data`: the set, the schema's name, the document (`None`
/// when it is not UTF-8) and its format.
fn validate_pick(data: &[u8]) -> Option<(usize, &'static str, &str, DocumentFormat)> {
    let mut input = Input::new(data);
    let pick = input.u8();
    let schema = input.u8();
    let document = text(input.rest())?;
    let set = usize::from(pick & 1);
    let names = &VALIDATORS[set].1;
    let name = names[usize::from(schema) % names.len()].as_str();
    Some((set, name, document, format_of(pick >> 1)))
}

/// The JSON-form request `config-validate` makes of `data`.
pub(crate) fn validate_request(data: &[u8]) -> Option<Request> {
    let (set, name, document, format) = validate_pick(data)?;
    Some(Request {
        config: VALIDATORS[set].2.clone(),
        schema: name.to_owned(),
        document: document.to_owned(),
        format,
    })
}

/// The JSON-form request the parsing targets (`config-json`, `-yaml`, `-toml`) make of
/// `data`: the document in `format`, under [`LIMITS`], validated with one schema of the
/// keywords set (picked by the input's length).
pub(crate) fn parse_request(data: &[u8], format: DocumentFormat) -> Option<Request> {
    let (_, names, config) = &VALIDATORS[0];
    Some(Request {
        config: Config {
            limits: LIMITS,
            ..config.clone()
        },
        schema: names[data.len() % names.len()].clone(),
        document: text(data)?.to_owned(),
        format,
    })
}

/// The JSON-form request `config-schemas` makes of `data`: the set (see [`schemas`]), one
/// of its schemas and one of the fixed documents (both picked by the input's length).
pub(crate) fn schemas_request(data: &[u8]) -> Option<Request> {
    let schemas = schema_set(text(data)?);
    let schema = match schemas.len() {
        0 => "s".to_owned(),
        n => schemas[data.len() % n].name.clone(),
    };
    Some(Request {
        config: Config {
            schemas,
            limits: LIMITS,
            assert_formats: true,
        },
        schema,
        document: DOCUMENTS[data.len() % DOCUMENTS.len()].to_owned(),
        format: DocumentFormat::Json,
    })
}

/// `config-schemas`' reading of its input: a JSON array of `{"name", "schema"}` is the set;
/// any other JSON text is one schema called `s`.
fn schema_set(text: &str) -> Vec<NamedSchema> {
    match serde_json::from_str::<Vec<NamedSchema>>(text) {
        Ok(set) => set,
        Err(_) => vec![NamedSchema {
            name: "s".to_owned(),
            schema: text.to_owned(),
        }],
    }
}

/// Documents every compiled schema is tried on.
const DOCUMENTS: [&str; 8] = [
    "null",
    "0",
    "-1.5e300",
    r#""text""#,
    "[]",
    r#"[1, "a", [null], {"k": true}]"#,
    "{}",
    r#"{"a": 1, "b": "x", "c": [1, 2, 2], "d": {"e": null}, "port": 70000, "name": "svc"}"#,
];

/// `config-schemas`: a JSON array of `{"name", "schema"}` is the set; any other JSON text
/// is one schema called `s`.
pub fn schemas(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let schemas = schema_set(text);
    let config = Config {
        schemas,
        limits: LIMITS,
        assert_formats: true,
    };
    match Validator::new(&config) {
        Err(error) => check_error(&error),
        Ok(validator) => {
            let names: Vec<String> = validator.schema_names().map(str::to_owned).collect();
            for name in &names {
                for document in DOCUMENTS {
                    match validator.validate(name, document, DocumentFormat::Json) {
                        Ok(outcome) => check_outcome(&outcome, &LIMITS),
                        Err(error) => check_error(&error),
                    }
                }
            }
        }
    }
}

fn documents_in(format: &str) -> Vec<Vec<u8>> {
    crate::seeds::vector_cases("config")
        .into_iter()
        .filter(|(_, input)| input["format"] == format)
        .filter_map(|(_, input)| input["document"].as_str().map(|d| d.as_bytes().to_vec()))
        .collect()
}

pub fn json_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = documents_in("json");
    seeds.extend(DOCUMENTS.iter().map(|d| d.as_bytes().to_vec()));
    crate::seeds::named(seeds)
}

pub fn yaml_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = documents_in("yaml");
    seeds.push(b"a: &x [1, 2]\nb: *x\nc: !!str 3\n? [k]\n: v\n".to_vec());
    crate::seeds::named(seeds)
}

pub fn toml_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = documents_in("toml");
    seeds.push(
        b"a = 1\n[t]\nb = [1, 2.5, \"s\"]\nc = 1979-05-27T07:32:00Z\n[[arr]]\nx = {y = true}\n"
            .to_vec(),
    );
    crate::seeds::named(seeds)
}

pub fn validate_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (set, text) in [KEYWORDS, SERVICE].into_iter().enumerate() {
        let group: Value = serde_json::from_str(text).expect("a vector file is JSON");
        let mut names: Vec<String> = group["config"]["schemas"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["name"].as_str().map(str::to_owned))
            .collect();
        // The validator's names are sorted; the seed's schema byte indexes that order.
        names.sort();
        for case in group["cases"].as_array().into_iter().flatten() {
            let input = &case["input"];
            let (Some(schema), Some(document)) =
                (input["schema"].as_str(), input["document"].as_str())
            else {
                continue;
            };
            let Some(index) = names.iter().position(|n| n == schema) else {
                continue;
            };
            let format = match input["format"].as_str() {
                Some("yaml") => 1u8,
                Some("toml") => 2,
                _ => 0,
            };
            let mut seed = vec![set as u8 | format << 1, index as u8];
            seed.extend(document.as_bytes());
            seeds.push(seed);
        }
    }
    crate::seeds::named(seeds)
}

pub fn schemas_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for group in crate::seeds::vector_groups("config") {
        let set = &group["config"]["schemas"];
        seeds.push(set.to_string().into_bytes());
        for named in set.as_array().into_iter().flatten() {
            seeds.push(named["schema"].to_string().into_bytes());
        }
    }
    seeds.extend([b"true".to_vec(), b"{}".to_vec()]);
    crate::seeds::named(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An anchored 500 KB string aliased 1,000 times in a document within the default
    /// limits: a 500 MB document once expanded, before aliases counted their text.
    #[test]
    fn an_aliased_long_string_is_too_large_with_the_default_limits() {
        let _serial = crate::alloc::SERIAL
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let limits = Limits::default();
        let document = format!(
            "a: &s {}\nb: [{}]\n",
            "a".repeat(500_000),
            vec!["*s"; 1000].join(", ")
        );
        assert!(document.len() <= limits.max_document_bytes as usize);
        let budget = Budget::start(8 * limits.max_document_bytes as usize);
        let parsed = documents::parse(&document, DocumentFormat::Yaml, &limits);
        budget.check("the aliased string");
        assert_eq!(parsed.unwrap_err().code.as_str(), "too-large");
    }
}
