//! Unit tests for what vectors cannot reach (config errors are per group, not per case), for
//! the ordering and location helpers, and for the JSON form. Validation behaviour is
//! covered by `conformance/vectors/config`.

use std::cmp::Ordering;

use serde_json::{Value, json};

use jsonschema::Draft;

use super::*;
use crate::documents::location_of;
use crate::violations::{compare_pointers, keyword_of};

fn schema(name: &str, schema: Value) -> NamedSchema {
    NamedSchema {
        name: name.to_owned(),
        schema: schema.to_string(),
    }
}

fn config(schemas: Vec<NamedSchema>) -> Config {
    Config {
        schemas,
        limits: Limits::default(),
        assert_formats: true,
    }
}

fn refused(config: &Config) -> Error {
    Validator::new(config).expect_err("config should be refused")
}

fn config_error(config: &Config) -> String {
    let error = refused(config);
    assert_eq!(error.code, ErrorCode::InvalidConfig, "{error}");
    error.message
}

fn validator(schema_value: Value) -> Validator {
    Validator::new(&config(vec![schema("s", schema_value)])).unwrap()
}

fn location(error: &Error) -> (u32, u32) {
    let l = error.location.expect("a location");
    (l.line, l.column)
}

#[test]
fn schemas_that_are_not_json_schema_are_config_errors() {
    let cases = [
        ("{", "not JSON"),
        ("42", "a JSON object or a boolean"),
        (r#"{"type": "nope"}"#, "not valid JSON Schema"),
        (r#"{"minLength": -1}"#, "not valid JSON Schema"),
        (r#"{"pattern": "("}"#, "is not a \"regex\""),
        (r#"{"properties": {"a": 1}}"#, "not valid JSON Schema"),
        (
            r#"{"$schema": "https://example.com/my-meta"}"#,
            "not a supported draft",
        ),
        (r#"{"$schema": 7}"#, "`$schema` is not a string"),
        (r#"{"$id": "relative.json"}"#, "absolute URI"),
        (r#"{"$id": "https://example.com/a#frag"}"#, "absolute URI"),
        (r#"{"$id": 3}"#, "`$id` is not a string"),
    ];
    for (text, expected) in cases {
        let config = config(vec![NamedSchema {
            name: "s".into(),
            schema: text.into(),
        }]);
        let message = config_error(&config);
        assert!(
            message.contains(expected),
            "{text}: `{message}` lacks `{expected}`"
        );
        assert!(message.contains("schema `s`"), "{message}");
    }
}

#[test]
fn every_supported_draft_is_accepted_by_its_uri() {
    for uri in [
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-04/schema#",
    ] {
        let v = validator(json!({"$schema": uri, "type": "string"}));
        let outcome = v.validate("s", "1", DocumentFormat::Json).unwrap();
        assert!(!outcome.valid, "{uri}");
    }
    assert!(schemas::draft_of(&json!({})).is_ok());
    assert!(schemas::draft_of(&json!(true)).is_ok());
}

#[test]
fn names_must_be_uri_paths() {
    for bad in [
        "", "a b", "a//b", "/a", "a/", "..", "a/./b", "é", "a#b", "a?b",
    ] {
        assert!(!schemas::valid_name(bad), "{bad:?}");
        let message = config_error(&config(vec![schema(bad, json!({}))]));
        assert!(message.contains("is not a schema name"), "{message}");
    }
    for good in ["a", "service.json", "shared/port", "v1.2_x~y-z"] {
        assert!(schemas::valid_name(good), "{good:?}");
    }
}

#[test]
fn names_and_ids_are_unique() {
    let message = config_error(&config(vec![
        schema("a", json!({})),
        schema("a", json!({})),
    ]));
    assert!(message.contains("two schemas are called `a`"), "{message}");
    let id = json!({"$id": "https://example.com/x.json"});
    let message = config_error(&config(vec![schema("a", id.clone()), schema("b", id)]));
    assert!(message.contains("already taken"), "{message}");
    let message = config_error(&config(vec![
        schema("a", json!({})),
        schema("b", json!({"$id": "config:///a"})),
    ]));
    assert!(message.contains("already taken"), "{message}");
}

#[test]
fn an_empty_set_is_a_config_error() {
    assert!(config_error(&config(vec![])).contains("empty"));
}

#[test]
fn limits_must_be_usable() {
    let bad = [
        (
            Limits {
                max_document_bytes: 0,
                ..Limits::default()
            },
            "max-document-bytes",
        ),
        (
            Limits {
                max_depth: 0,
                ..Limits::default()
            },
            "max-depth",
        ),
        (
            Limits {
                max_depth: MAX_DEPTH_CEILING + 1,
                ..Limits::default()
            },
            "max-depth",
        ),
        (
            Limits {
                max_errors: 0,
                ..Limits::default()
            },
            "max-errors",
        ),
    ];
    for (limits, expected) in bad {
        let mut config = config(vec![schema("s", json!({}))]);
        config.limits = limits;
        let message = config_error(&config);
        assert!(message.contains(expected), "{limits:?}: {message}");
    }
}

#[test]
fn refs_resolve_by_name_and_id_and_nowhere_else() {
    let common = schema(
        "shared/common",
        json!({"$defs": {"port": {"type": "integer"}}, "$anchor": "top"}),
    );
    let by_id = schema(
        "by-id",
        json!({"$id": "https://example.com/by-id.json", "type": "string"}),
    );
    // A sibling by relative path, by absolute name URI, and another schema by its $id.
    let main = schema(
        "shared/main",
        json!({"properties": {
            "a": {"$ref": "common#/$defs/port"},
            "b": {"$ref": "config:///shared/common#/$defs/port"},
            "c": {"$ref": "https://example.com/by-id.json"},
        }}),
    );
    let v = Validator::new(&config(vec![common.clone(), by_id.clone(), main])).unwrap();
    assert_eq!(
        v.schema_names().collect::<Vec<_>>(),
        ["by-id", "shared/common", "shared/main"]
    );
    let outcome = v
        .validate(
            "shared/main",
            r#"{"a": "x", "b": 1, "c": 2}"#,
            DocumentFormat::Json,
        )
        .unwrap();
    let paths: Vec<_> = outcome
        .violations
        .iter()
        .map(|v| (v.instance_path.as_str(), v.keyword_location.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("/a", "/properties/a/$ref/type"),
            ("/c", "/properties/c/$ref/type")
        ]
    );

    for (reference, what) in [
        ("common#/$defs/missing", "pointer"),
        ("common#nowhere", "anchor"),
        ("other", "another name"),
        ("https://example.com/elsewhere.json", "a URL"),
        ("file:///etc/passwd", "a file"),
    ] {
        let main = schema("shared/main", json!({"$ref": reference}));
        let error = refused(&config(vec![common.clone(), by_id.clone(), main]));
        assert_eq!(error.code, ErrorCode::UnresolvableRef, "{what}: {error}");
    }
}

/// A schema reached by `$ref` keeps its own draft: its identifiers are found by that draft's
/// rules and its keywords mean what that draft says, whichever draft the referrer is.
#[test]
fn a_referenced_schema_keeps_its_own_draft() {
    let d4 = "http://json-schema.org/draft-04/schema#";
    let d6 = "http://json-schema.org/draft-06/schema#";
    let d7 = "http://json-schema.org/draft-07/schema#";
    let d2019 = "https://json-schema.org/draft/2019-09/schema";
    let d2020 = "https://json-schema.org/draft/2020-12/schema";
    // (target, reference from the referrer): each draft's way of naming a subschema.
    let targets = [
        (
            json!({"$schema": d4, "definitions": {"t": {"id": "#t", "type": "integer"}}}),
            "target#t",
        ),
        (
            json!({"$schema": d6, "definitions": {"t": {"$id": "#t", "type": "integer"}}}),
            "target#t",
        ),
        (
            json!({"$schema": d7, "definitions": {"t": {"$id": "#t", "type": "integer"}}}),
            "target#t",
        ),
        (
            json!({"$schema": d4, "definitions": {"t": {"id": "https://example.com/t", "type": "integer"}}}),
            "https://example.com/t",
        ),
        (
            json!({"$schema": d7, "definitions": {
                "int": {"type": "integer"},
                // Before 2019-09, `$id` beside `$ref` is ignored with every other sibling.
                "t": {"$id": "https://example.com/elsewhere/", "$ref": "#/definitions/int"}}}),
            "target#/definitions/t",
        ),
        (
            json!({"$schema": d2019, "$defs": {"t": {"$anchor": "t", "type": "integer"}}}),
            "target#t",
        ),
        (
            json!({"$defs": {"t": {"$anchor": "t", "type": "integer"}}}),
            "target#t",
        ),
    ];
    for referrer_draft in [d4, d6, d7, d2019, d2020] {
        for (target, reference) in &targets {
            let referrer =
                json!({"$schema": referrer_draft, "properties": {"a": {"$ref": reference}}});
            let what = format!("{reference} from {referrer_draft} into {target}");
            let v = Validator::new(&config(vec![
                schema("target", target.clone()),
                schema("referrer", referrer),
            ]))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
            let outcome = v
                .validate("referrer", r#"{"a": "x"}"#, DocumentFormat::Json)
                .unwrap();
            assert_eq!(outcome.violations.len(), 1, "{what}: {outcome:?}");
            assert_eq!(outcome.violations[0].code, Code::TypeMismatch, "{what}");
        }
    }

    // Keywords: a draft-07 tuple and `dependencies` from 2020-12, a 2020-12 tuple and `$ref`
    // siblings from draft 4.
    let old = json!({"$schema": d7, "items": [{"type": "string"}], "additionalItems": false,
                     "dependencies": {"a": ["b"]}});
    let new = json!({"$defs": {
        "tuple": {"prefixItems": [{"type": "string"}], "items": false},
        "s": {"type": "string"},
        "label": {"$ref": "#/$defs/s", "maxLength": 1}}});
    let v = Validator::new(&config(vec![
        schema("old", old),
        schema("new", new),
        schema(
            "to-old",
            json!({"properties": {"list": {"$ref": "old"}, "map": {"$ref": "old"}}}),
        ),
        schema(
            "to-new",
            json!({"$schema": d4, "properties": {
                "list": {"$ref": "new#/$defs/tuple"}, "name": {"$ref": "new#/$defs/label"}}}),
        ),
    ]))
    .unwrap();
    let codes = |name: &str, document: &str| -> Vec<(String, Code)> {
        v.validate(name, document, DocumentFormat::Json)
            .unwrap()
            .violations
            .into_iter()
            .map(|v| (v.keyword_location, v.code))
            .collect()
    };
    assert_eq!(
        codes("to-old", r#"{"list": ["a", 1], "map": {"a": 1}}"#),
        [
            (
                "/properties/list/$ref/additionalItems".into(),
                Code::AdditionalItem
            ),
            (
                "/properties/map/$ref/dependencies".into(),
                Code::MissingProperty
            ),
        ]
    );
    assert_eq!(
        codes("to-new", r#"{"list": ["a", 1], "name": "ab"}"#),
        [
            ("/properties/list/$ref/items".into(), Code::AdditionalItem),
            (
                "/properties/name/$ref/maxLength".into(),
                Code::StringTooLong
            ),
        ]
    );
}

/// The build-time meta-schema validators agree with ones compiled at run time (natively,
/// `jsonschema::meta` is generated too under the `macros` feature, so compile them here),
/// draft by draft, on schemas each accepts and each refuses.
#[test]
fn generated_meta_schemas_agree_with_run_time_ones() {
    let drafts = [
        ("http://json-schema.org/draft-04/schema#", Draft::Draft4),
        ("http://json-schema.org/draft-06/schema#", Draft::Draft6),
        ("http://json-schema.org/draft-07/schema#", Draft::Draft7),
        (
            "https://json-schema.org/draft/2019-09/schema",
            Draft::Draft201909,
        ),
        (
            "https://json-schema.org/draft/2020-12/schema",
            Draft::Draft202012,
        ),
    ];
    let bodies = [
        json!({}),
        json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}}),
        json!({"items": [{"type": "string"}], "additionalItems": false}),
        json!({"prefixItems": [{"type": "string"}], "items": false}),
        json!({"exclusiveMinimum": true, "minimum": 0}),
        json!({"exclusiveMinimum": 0}),
        json!({"$defs": {"a": {"$anchor": "a"}}, "$ref": "#a"}),
        json!({"definitions": {"a": {"$id": "#a"}}, "$ref": "#a"}),
        json!({"dependencies": {"a": ["b"], "c": {"required": ["d"]}}}),
        json!({"dependentRequired": {"a": ["b"]}, "unevaluatedProperties": false}),
        json!({"type": "nope"}),
        json!({"minLength": -1}),
        json!({"required": []}),
        json!({"enum": []}),
        json!({"properties": {"a": 1}}),
        json!({"$id": 3}),
        json!({"format": 5}),
    ];
    for (uri, draft) in drafts {
        let run_time = jsonschema::options()
            .with_draft(draft)
            .build(&json!({"$ref": uri}))
            .unwrap();
        for body in &bodies {
            let mut schema = body.clone();
            schema["$schema"] = json!(uri);
            let generated = schemas::meta::check(draft, &schema);
            assert_eq!(
                generated.is_ok(),
                run_time.is_valid(&schema),
                "{schema}: {generated:?}"
            );
        }
    }
}

/// The set is built as one document that refers to each schema, but every location is
/// reported in the schema itself, and that document's URI is no schema's.
#[test]
fn locations_are_in_each_schema() {
    let v = Validator::new(&config(vec![
        schema("nothing", json!(false)),
        schema("typed", json!({"type": "string"})),
    ]))
    .unwrap();
    let first = |name: &str| {
        let outcome = v.validate(name, "1", DocumentFormat::Json).unwrap();
        let v = &outcome.violations[0];
        (v.keyword_location.clone(), v.keyword.clone())
    };
    assert_eq!(first("nothing"), (String::new(), "false".to_owned()));
    assert_eq!(first("typed"), ("/type".to_owned(), "type".to_owned()));
    let message = config_error(&config(vec![schema("a", json!({"$id": "config:///"}))]));
    assert!(message.contains("already taken"), "{message}");
}

#[test]
fn a_broken_schema_is_reported_before_a_dangling_ref() {
    let error = refused(&config(vec![
        schema("a", json!({"$ref": "https://example.com/x.json"})),
        schema("b", json!({"type": 5})),
    ]));
    assert_eq!(error.code, ErrorCode::InvalidConfig, "{error}");
}

#[test]
fn unknown_schema_and_size_come_before_parsing() {
    let v = Validator::new(&Config {
        limits: Limits {
            max_document_bytes: 4,
            ..Limits::default()
        },
        ..config(vec![schema("s", json!({}))])
    })
    .unwrap();
    let error = v.validate("t", "{{{{{", DocumentFormat::Json).unwrap_err();
    assert_eq!(error.code, ErrorCode::UnknownSchema);
    let error = v.validate("s", "{{{{{", DocumentFormat::Json).unwrap_err();
    assert_eq!(error.code, ErrorCode::TooLarge);
    // Four bytes: "é" is two.
    assert!(v.validate("s", "\"éé\"", DocumentFormat::Json).is_err());
    assert!(v.validate("s", "\"é\"", DocumentFormat::Json).is_ok());
}

#[test]
fn pointers_sort_segment_by_segment() {
    let sorted = [
        "", "/0", "/2", "/10", "/010", "/a", "/a/1", "/a/b", "/a~1b", "/a~0b", "/b", "/é",
    ];
    for (i, a) in sorted.iter().enumerate() {
        for (j, b) in sorted.iter().enumerate() {
            assert_eq!(compare_pointers(a, b), i.cmp(&j), "{a:?} vs {b:?}");
        }
    }
    assert_eq!(compare_pointers("/a/b", "/a/b"), Ordering::Equal);
}

#[test]
fn violations_sort_by_instance_then_location_then_code_and_repeat_once() {
    let v = |instance: &str, location: &str, code: Code| Violation {
        instance_path: instance.into(),
        keyword_location: location.into(),
        keyword: "k".into(),
        code,
    };
    let mut list = vec![
        v("/b", "/a", Code::TypeMismatch),
        v("/a", "/z", Code::TypeMismatch),
        v("/a", "/properties/a/type", Code::TypeMismatch),
        v("/a", "/properties/a/enum", Code::EnumMismatch),
        v("/a", "/properties/a/enum", Code::ConstMismatch),
        v("/b", "/a", Code::TypeMismatch),
    ];
    violations::sort(&mut list);
    let keys: Vec<_> = list
        .iter()
        .map(|v| {
            (
                v.instance_path.as_str(),
                v.keyword_location.as_str(),
                v.code,
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("/a", "/properties/a/enum", Code::ConstMismatch),
            ("/a", "/properties/a/enum", Code::EnumMismatch),
            ("/a", "/properties/a/type", Code::TypeMismatch),
            ("/a", "/z", Code::TypeMismatch),
            ("/b", "/a", Code::TypeMismatch),
        ]
    );
}

#[test]
fn keywords_are_read_from_locations() {
    let cases = [
        ("", None),
        ("/type", Some("type")),
        ("/properties/type", Some("properties")),
        ("/properties/type/minLength", Some("minLength")),
        ("/properties/a/$ref/maximum", Some("maximum")),
        ("/allOf/1", Some("allOf")),
        ("/allOf/1/not", Some("not")),
        ("/items", Some("items")),
        ("/items/0/type", Some("type")),
        ("/items/type", Some("type")),
        ("/dependentRequired", Some("dependentRequired")),
        ("/dependencies/a/required", Some("required")),
        ("/patternProperties/~1x/type", Some("type")),
        ("/$defs/items", Some("$defs")),
    ];
    for (location, expected) in cases {
        assert_eq!(keyword_of(location).as_deref(), expected, "{location}");
    }
}

#[test]
fn locations_count_lines_and_characters() {
    let text = "ab\né€x\r\n\nz";
    assert_eq!(location_of(text, 0), Location { line: 1, column: 1 });
    assert_eq!(location_of(text, 2), Location { line: 1, column: 3 });
    assert_eq!(location_of(text, 3), Location { line: 2, column: 1 });
    // "é" is 2 bytes and "€" 3: x is byte 8, character 3 of line 2.
    assert_eq!(location_of(text, 8), Location { line: 2, column: 3 });
    // An offset inside a character is that character.
    assert_eq!(location_of(text, 6), Location { line: 2, column: 2 });
    assert_eq!(location_of(text, 11), Location { line: 3, column: 1 });
    assert_eq!(
        location_of(text, text.len()),
        Location { line: 4, column: 2 }
    );
    assert_eq!(location_of(text, 999), Location { line: 4, column: 2 });
}

#[test]
fn parse_errors_have_locations() {
    let v = validator(json!({}));
    let cases = [
        (DocumentFormat::Json, "", (1, 1)),
        (DocumentFormat::Json, "[1,\n 2,\n ]", (3, 2)),
        (DocumentFormat::Json, "{\"a\": 1", (1, 8)),
        (DocumentFormat::Json, "{\"é\": 1,\n\"é\": 2}", (2, 1)),
        (DocumentFormat::Json, "\"\\\"a\" \"b\"", (1, 7)),
        (
            DocumentFormat::Json,
            "{\"a\\\"\": 1, \"a\\\"\": 2}",
            (1, 12),
        ),
        (DocumentFormat::Json, "\"\u{20ac}\u{20ac}\" ?", (1, 6)),
        (DocumentFormat::Json, "1e999", (1, 5)),
        (DocumentFormat::Yaml, "a: 1\nb: [\n", (3, 1)),
        (DocumentFormat::Yaml, "a:\n  b: 1\n  b: 2\n", (3, 3)),
        (DocumentFormat::Yaml, "é: x\né: y\n", (2, 1)),
        (DocumentFormat::Yaml, "a: !!int x\n", (1, 4)),
        (DocumentFormat::Yaml, "a: !!map x\n", (1, 4)),
        (DocumentFormat::Yaml, "a: *nope\n", (1, 4)),
        (DocumentFormat::Toml, "a = 1\n[b\n", (2, 3)),
        (
            DocumentFormat::Toml,
            "\"é\" = \"x\"\n\"é\" = \"y\"\n",
            (2, 1),
        ),
    ];
    for (format, text, expected) in cases {
        let error = v.validate("s", text, format).unwrap_err();
        assert_eq!(error.code, ErrorCode::ParseError, "{text:?}: {error}");
        assert_eq!(location(&error), expected, "{text:?}: {error}");
    }
}

#[test]
fn yaml_values_resolve_by_the_core_schema() {
    let parse = |text: &str| documents::parse(text, DocumentFormat::Yaml, &Limits::default());
    let value = parse(
        "n1: ~\nn2: null\nn3:\nb1: true\nb2: FALSE\ni1: -12\ni2: 0x1f\ni3: 0o17\ni4: 18446744073709551615\n\
         f1: 1.5\nf2: -.5e2\nf3: 1.\ns1: yes\ns2: 0b101\ns3: 1_000\ns4: 2001-12-14\ns5: '1'\ns6: !!str true\n\
         s7: ! 12\ns8: |\n  text\nf4: !!float 3\ni5: !!int -3\nn4: !!null ''\nb3: !!bool True\n",
    )
    .unwrap();
    assert_eq!(
        value,
        json!({
            "n1": null, "n2": null, "n3": null, "n4": null,
            "b1": true, "b2": false, "b3": true,
            "i1": -12, "i2": 31, "i3": 15, "i4": 18446744073709551615_u64, "i5": -3,
            "f1": 1.5, "f2": -50.0, "f3": 1.0, "f4": 3.0,
            "s1": "yes", "s2": "0b101", "s3": "1_000", "s4": "2001-12-14", "s5": "1",
            "s6": "true", "s7": "12", "s8": "text\n",
        })
    );
    assert_eq!(
        parse("- 0x1ffffffffffffffff\n").unwrap_err().code,
        ErrorCode::Unrepresentable
    );
    assert_eq!(
        parse("- .INF\n").unwrap_err().code,
        ErrorCode::Unrepresentable
    );
    assert_eq!(
        parse("- 1e999\n").unwrap_err().code,
        ErrorCode::Unrepresentable
    );
    assert_eq!(
        parse("- !!set {a}\n").unwrap_err().code,
        ErrorCode::Unrepresentable
    );
    assert_eq!(
        parse("- !!binary aGk=\n").unwrap_err().code,
        ErrorCode::Unrepresentable
    );
    assert_eq!(
        parse("? {a: 1}\n: x\n").unwrap_err().code,
        ErrorCode::Unrepresentable
    );
    let aliased_key = parse("k: &k [1]\n*k : x\n").unwrap_err();
    assert_eq!(aliased_key.code, ErrorCode::Unrepresentable);
    assert_eq!(
        parse("a: &k key\n*k : v\n").unwrap(),
        json!({"a": "key", "key": "v"})
    );
    assert_eq!(parse("# only a comment\n").unwrap(), Value::Null);
    assert_eq!(parse("--- 5\n...\n").unwrap(), json!(5));
}

#[test]
fn depth_is_limited_in_every_format_up_to_the_ceiling() {
    let limits = |max_depth| Limits {
        max_depth,
        ..Limits::default()
    };
    let ceiling = MAX_DEPTH_CEILING as usize;
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for format in [DocumentFormat::Json, DocumentFormat::Yaml] {
        let deepest = documents::parse(&nested(ceiling), format, &limits(MAX_DEPTH_CEILING));
        assert!(deepest.is_ok(), "{format:?}: {deepest:?}");
        let error =
            documents::parse(&nested(ceiling + 1), format, &limits(MAX_DEPTH_CEILING)).unwrap_err();
        assert_eq!(error.code, ErrorCode::TooDeep, "{format:?}");
        // Far deeper than any parser's own limit: still a typed error, not a crash.
        let error =
            documents::parse(&nested(100_000), format, &limits(MAX_DEPTH_CEILING)).unwrap_err();
        assert_eq!(error.code, ErrorCode::TooDeep, "{format:?}");
    }
    let toml = "a.b.c = [[1]]\n";
    assert!(documents::parse(toml, DocumentFormat::Toml, &limits(5)).is_ok());
    let error = documents::parse(toml, DocumentFormat::Toml, &limits(4)).unwrap_err();
    assert_eq!(error.code, ErrorCode::TooDeep);
    // TOML's own limit of 80 nested inline arrays comes first.
    let error = documents::parse(
        &format!("a = {}\n", nested(90)),
        DocumentFormat::Toml,
        &limits(MAX_DEPTH_CEILING),
    )
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::TooDeep);
    // The validator recurses as deep as the document: the deepest document validates.
    let v = Validator::new(&Config {
        limits: limits(MAX_DEPTH_CEILING),
        ..config(vec![schema(
            "s",
            json!({"$defs": {"n": {"type": "array", "items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"}),
        )])
    })
    .unwrap();
    let outcome = v
        .validate("s", &nested(ceiling), DocumentFormat::Json)
        .unwrap();
    assert!(outcome.valid);
}

#[test]
fn max_errors_truncates_after_sorting() {
    let v = Validator::new(&Config {
        limits: Limits {
            max_errors: 2,
            ..Limits::default()
        },
        ..config(vec![schema("s", json!({"items": {"type": "string"}}))])
    })
    .unwrap();
    let outcome = v
        .validate(
            "s",
            "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]",
            DocumentFormat::Json,
        )
        .unwrap();
    assert!(outcome.truncated && !outcome.valid);
    let paths: Vec<_> = outcome
        .violations
        .iter()
        .map(|v| v.instance_path.as_str())
        .collect();
    assert_eq!(paths, ["/0", "/1"]);
    let outcome = v
        .validate("s", "[\"a\", 1, 2]", DocumentFormat::Json)
        .unwrap();
    assert!(!outcome.truncated && outcome.violations.len() == 2);
}

#[test]
fn formats_can_be_annotations_only() {
    // `assert-formats` decides in every draft: 2020-12 and 2019-09 would leave `format` an
    // annotation by default, drafts 4 to 7 leave it to the implementation.
    let cases = [
        ("email", "x", "http://json-schema.org/draft-04/schema#"),
        ("email", "x", "http://json-schema.org/draft-07/schema#"),
        ("email", "x", "https://json-schema.org/draft/2019-09/schema"),
        ("email", "x", "https://json-schema.org/draft/2020-12/schema"),
        (
            "idn-email",
            "user\u{FF20}example.com",
            "http://json-schema.org/draft-07/schema#",
        ),
        (
            "idn-email",
            "user\u{FF20}example.com",
            "https://json-schema.org/draft/2020-12/schema",
        ),
        (
            "idn-hostname",
            "-hello",
            "http://json-schema.org/draft-07/schema#",
        ),
        (
            "idn-hostname",
            "a..b",
            "https://json-schema.org/draft/2019-09/schema",
        ),
        (
            "idn-hostname",
            "a\u{0640}b",
            "https://json-schema.org/draft/2020-12/schema",
        ),
    ];
    for (format, value, draft) in cases {
        let document = json!(value).to_string();
        let mut c = config(vec![schema(
            "s",
            json!({"$schema": draft, "format": format}),
        )]);
        let asserted = Validator::new(&c).unwrap();
        let outcome = asserted
            .validate("s", &document, DocumentFormat::Json)
            .unwrap();
        assert_eq!(outcome.violations.len(), 1, "{format} {value} {draft}");
        assert_eq!(outcome.violations[0].code, Code::FormatMismatch);
        c.assert_formats = false;
        let annotated = Validator::new(&c).unwrap();
        let outcome = annotated
            .validate("s", &document, DocumentFormat::Json)
            .unwrap();
        assert!(outcome.valid, "{format} {value} {draft}");
    }
}

#[test]
fn codes_serialize_as_their_wit_names() {
    for code in ErrorCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
    }
    for code in Code::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
    }
}

#[test]
fn json_form_defaults_and_schema_as_value_or_text() {
    for schema_value in [json!({"type": "string"}), json!("{\"type\": \"string\"}")] {
        let request: json::Request = serde_json::from_value(json!({
            "config": {"schemas": [{"name": "s", "schema": schema_value}]},
            "schema": "s",
            "document": "1",
            "format": "json",
        }))
        .unwrap();
        assert_eq!(request.config.limits, Limits::default());
        assert!(request.config.assert_formats);
        let response = serde_json::to_value(json::serve(&request)).unwrap();
        assert_eq!(
            response,
            json!({"ok": {"valid": false, "truncated": false, "violations": [{
                "instance-path": "", "keyword-location": "/type", "keyword": "type",
                "code": "type-mismatch",
            }]}})
        );
    }
    // A boolean schema in the JSON form.
    let request: json::Request = serde_json::from_value(json!({
        "config": {"schemas": [{"name": "s", "schema": false}], "limits": {"max-errors": 1}},
        "schema": "s", "document": "a: 1", "format": "yaml",
    }))
    .unwrap();
    assert_eq!(request.config.limits.max_errors, 1);
    assert!(matches!(json::serve(&request), json::Response::Ok(o) if !o.valid));
    for bad in [
        json!({"config": {"schemas": []}, "schema": "s", "document": "", "format": "xml"}),
        json!({"config": {"schemas": [], "limits": {"depth": 1}}, "schema": "s", "document": "", "format": "json"}),
        json!({"config": {"schemas": []}, "schema": "s", "document": "", "format": "json", "now": 1}),
    ] {
        assert!(
            serde_json::from_value::<json::Request>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn errors_use_the_wit_json_form() {
    let error = Error::at(
        ErrorCode::ParseError,
        Location { line: 2, column: 5 },
        "bad",
    );
    assert_eq!(
        serde_json::to_value(json::Response::Err(error)).unwrap(),
        json!({"err": {"code": "parse-error", "message": "bad", "location": {"line": 2, "column": 5}}})
    );
    let error = Error::new(ErrorCode::TooDeep, "deep");
    assert_eq!(
        serde_json::to_value(json::Response::Err(error)).unwrap(),
        json!({"err": {"code": "too-deep", "message": "deep"}})
    );
}

/// Bad input gets a typed error, never a panic: every prefix of documents in each format,
/// and every single-byte change of them, is answered with `Ok` or a typed `Err`.
#[test]
fn mangled_documents_never_panic() {
    let v = validator(json!({
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"type": "integer"}}},
        "additionalProperties": {"type": "string", "format": "date-time"},
    }));
    let documents = [
        (
            DocumentFormat::Json,
            "{\"a\": [1, 2.5, \"x\"], \"b\": \"2023-01-01T00:00:00Z\", \"c\": {\"d\": null}}",
        ),
        (
            DocumentFormat::Yaml,
            "a: &x [1, 2]\nb: *x\n? c\n: !!str 5\nd: |\n  text\ne: {f: [g, h]}\n",
        ),
        (
            DocumentFormat::Toml,
            "a = [1, 2]\nb = 1979-05-27T07:32:00Z\n[c]\nd = \"x\"\n[[e]]\nf = 1.5\n",
        ),
    ];
    let mut answered = 0;
    for (format, text) in documents {
        for i in 0..=text.len() {
            if let Some(prefix) = text.get(..i) {
                let _ = v.validate("s", prefix, format);
                answered += 1;
            }
        }
        for i in 0..text.len() {
            for replacement in [b'[', b'{', b'"', b':', b'&', b'*', b'\n', b' ', b'\\', b'#'] {
                let mut bytes = text.as_bytes().to_vec();
                bytes[i] = replacement;
                if let Ok(mangled) = String::from_utf8(bytes) {
                    let _ = v.validate("s", &mangled, format);
                    answered += 1;
                }
            }
        }
    }
    assert!(answered > 1000, "{answered}");
}

#[test]
fn unevaluated_items_are_matched_from_the_end() {
    use crate::violations::unevaluated_indices;
    let texts = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        unevaluated_indices(&json!([1, 1]), &texts(&["1"])),
        Some(vec![1])
    );
    assert_eq!(
        unevaluated_indices(
            &json!(["x", 5, "x", true]),
            &texts(&["\"x\"", "\"x\"", "true"])
        ),
        Some(vec![0, 2, 3])
    );
    assert_eq!(unevaluated_indices(&json!([1]), &texts(&["2"])), None);
    assert_eq!(unevaluated_indices(&json!({}), &texts(&["1"])), None);
}

#[test]
fn a_set_with_several_refs_outside_it_names_the_same_one_every_time() {
    // The registry crawls in hash-map order, which differs between runs natively and
    // between native and wasm: the error must not.
    let set = config(vec![
        schema(
            "a",
            json!({"properties": {
                "z": {"$ref": "https://z.example/schema"},
                "m": {"$ref": "https://m.example/schema#/$defs/x"},
                "b": {"$ref": "b"}
            }}),
        ),
        schema(
            "b",
            json!({"items": {"$ref": "https://c.example/items"}, "not": {"$ref": "missing"}}),
        ),
    ]);
    for _ in 0..32 {
        let error = refused(&set);
        assert_eq!(error.code, ErrorCode::UnresolvableRef, "{error}");
        assert_eq!(
            error.message,
            "`$ref` to `config:///missing`, which is not in the configured schema set"
        );
    }
}
