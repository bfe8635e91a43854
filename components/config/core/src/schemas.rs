//! The schema set: names, URIs, drafts, and compiling every schema once.
//!
//! Each schema is known by the URI `config:///<name>` and, when its root has an `$id`
//! (`id` in draft 4), by that `$id` too. `$ref`s resolve against those URIs by RFC 3986, so
//! a schema without `$id` reaches a sibling with `{"$ref": "common"}` or
//! `{"$ref": "common#/$defs/port"}`, and any schema reaches one with an `$id` by that `$id`.
//! Resources embedded with their own `$id` are found as JSON Schema says. Nothing outside
//! the set is ever fetched: a `$ref` to anything else makes [`compile`] fail with
//! `unresolvable-ref`, as does a JSON pointer or anchor that names nothing.
//!
//! Names are one or more `/`-separated segments of letters, digits, `-`, `.`, `_` and `~`
//! (RFC 3986 unreserved characters), none of them `.` or `..`: they are URI paths as
//! written. A root `$id` must be an absolute URI without a fragment (an empty `#` is
//! allowed) and may not be another schema's URI.
//!
//! `$schema` picks the draft: 2020-12, 2019-09, 7, 6 or 4 (`http` or `https`, with or
//! without the trailing `#`); without `$schema` the schema is 2020-12. Any other `$schema`
//! is `invalid-config`, as is a schema that its draft's meta-schema rejects. A schema keeps
//! its draft when a `$ref` reaches it from a schema of another draft (2020-12 Core §8.1.1):
//! its keywords mean what its draft says (`items` as an array, `dependencies`, `$ref`
//! siblings ignored before 2019-09), and its anchors and embedded resources are found by its
//! draft's rules (`$id: "#a"` in drafts 6 and 7, `id` in draft 4, `$anchor` from 2019-09).

use std::collections::{BTreeMap, BTreeSet};

use jsonschema::{Draft, ReferencingError, Registry, Resource, Retrieve, Uri, ValidationError};
use serde_json::{Value, json};

use crate::{Error, ErrorCode, NamedSchema};

/// The scheme (and empty authority) of the URIs derived from schema names.
pub const NAME_URI_PREFIX: &str = "config:///";

/// The URI a schema name stands for.
pub fn name_uri(name: &str) -> String {
    format!("{NAME_URI_PREFIX}{name}")
}

/// Refuses every retrieval: a `$ref` outside the set is never fetched.
struct NotInSet;

#[derive(Debug)]
struct NotInSetError;

impl std::fmt::Display for NotInSetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not in the configured schema set (nothing is fetched)")
    }
}

impl std::error::Error for NotInSetError {}

impl Retrieve for NotInSet {
    fn retrieve(
        &self,
        _uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(Box::new(NotInSetError))
    }
}

/// Used while the registry crawls the set: fetches nothing either, but notes each URI
/// outside the set and lets the crawl go on (with an empty schema in its place), so the
/// error names the first such URI in sorted order, not whichever the crawl's hash-map order
/// reached first (which differs between native and wasm builds, and between runs).
#[derive(Clone, Default)]
struct OutsideSet(std::sync::Arc<std::sync::Mutex<BTreeSet<String>>>);

impl OutsideSet {
    fn first(&self) -> Option<String> {
        let uris = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        uris.first().cloned()
    }
}

impl Retrieve for OutsideSet {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let mut uris = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        uris.insert(uri.as_str().to_owned());
        Ok(json!({}))
    }
}

/// One parsed schema of the set, before compiling: its contents with its own draft, which
/// it keeps wherever a `$ref` reaches it from.
struct Parsed<'a> {
    name: &'a str,
    resource: Resource,
}

/// Whether `name` may name a schema (see the module documentation).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        })
}

/// The draft a schema's `$schema` names, 2020-12 when it has none.
pub fn draft_of(schema: &Value) -> Result<Draft, String> {
    let Some(object) = schema.as_object() else {
        return Ok(Draft::Draft202012);
    };
    match object.get("$schema") {
        None => Ok(Draft::Draft202012),
        Some(Value::String(uri)) => match Draft::Draft202012.detect(schema) {
            Draft::Unknown => Err(format!("`$schema` `{uri}` is not a supported draft")),
            draft => Ok(draft),
        },
        Some(_) => Err("`$schema` is not a string".into()),
    }
}

/// The root `$id` (`id` in draft 4), checked to be an absolute URI without a fragment.
fn root_id(schema: &Value, draft: Draft) -> Result<Option<&str>, String> {
    let keyword = if draft == Draft::Draft4 { "id" } else { "$id" };
    let Some(id) = schema.get(keyword) else {
        return Ok(None);
    };
    let Some(id) = id.as_str() else {
        return Err(format!("`{keyword}` is not a string"));
    };
    let id = id.strip_suffix('#').unwrap_or(id);
    let scheme = id.split_once(':').map(|(scheme, _)| scheme);
    let absolute = scheme.is_some_and(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if !absolute || id.contains('#') {
        return Err(format!(
            "`{keyword}` `{id}` must be an absolute URI without a fragment"
        ));
    }
    Ok(Some(id))
}

/// The compiled schema set: one validator per name.
///
/// jsonschema checks every schema it is asked to build against its draft's meta-schema, and
/// on wasm it compiles that meta-schema again for each `build()` (its compiled meta-schemas
/// are cached only off wasm, and the check cannot be switched off from outside the crate):
/// about 3 ms for 2020-12 and 20 ms for 2019-09 under Node, against microseconds for the
/// schemas themselves. So the set is built in one go, as one small draft-04 document whose
/// `definitions` each hold a `$ref` to one schema of the set ([`build_map`]): jsonschema
/// checks only that document, against the draft-04 meta-schema (the smallest), and the
/// schemas of the set are checked here, once, by meta-schema validators generated at build
/// time ([`meta`]), the same code on every target. Each validator thus starts with that
/// `$ref`, which [`crate::violations`] removes from keyword locations.
///
/// That leaves one compile of the draft-04 meta-schema per set on wasm, which no public API
/// avoids as of jsonschema 0.61.2: `build_map` always checks the document it is given
/// (`compiler::build_validator_map` calls `validate_schema`), `build` does unless the
/// crate-private `without_schema_validation` is set, `validate_schema` skips only a boolean
/// or empty root, and it takes its validator from `meta::validator_for_draft`, whose wasm
/// branch compiles the meta-schema anew each time (`meta::validators::draft4_meta_validator`;
/// off wasm a `LazyLock` or generated code). Draft 4's is the cheapest meta-schema to
/// compile: about 0.55 ms under Node, drafts 6 and 7 about the same, 2020-12 and 2019-09
/// 25 to 100 times more.
///
/// [`build_map`]: jsonschema::ValidationOptions::build_map
pub(crate) struct Compiled {
    validators: jsonschema::ValidatorMap,
    /// Schema name to its validator's key in `validators`.
    keys: BTreeMap<String, String>,
}

impl Compiled {
    pub(crate) fn get(&self, name: &str) -> Option<&jsonschema::Validator> {
        self.validators.get(self.keys.get(name)?)
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

/// The base URI of the document that refers to every schema of the set. No schema name maps
/// to it (a name is never empty), and no root `$id` may take it.
const SET_URI: &str = "config:///";

/// The key, in the built map, of the set document's `definitions` member `index`.
fn key_of(index: usize) -> String {
    format!("#/definitions/{index}")
}

/// Checks and compiles every schema of the set.
pub(crate) fn compile(schemas: &[NamedSchema], assert_formats: bool) -> Result<Compiled, Error> {
    if schemas.is_empty() {
        return Err(Error::config("the schema set is empty"));
    }
    let mut parsed = Vec::with_capacity(schemas.len());
    let mut uris = BTreeSet::from([SET_URI.to_owned()]);
    for NamedSchema { name, schema } in schemas {
        if !valid_name(name) {
            return Err(Error::config(format!(
                "`{name}` is not a schema name: use `/`-separated segments of letters, digits, \
                 `-`, `.`, `_` and `~`"
            )));
        }
        let invalid = |message: String| Error::config(format!("schema `{name}`: {message}"));
        let value: Value =
            serde_json::from_str(schema).map_err(|e| invalid(format!("not JSON: {e}")))?;
        if !value.is_object() && !value.is_boolean() {
            return Err(invalid("a schema is a JSON object or a boolean".into()));
        }
        let draft = draft_of(&value).map_err(invalid)?;
        if !uris.insert(name_uri(name)) {
            return Err(Error::config(format!("two schemas are called `{name}`")));
        }
        if let Some(id) = root_id(&value, draft).map_err(invalid)?
            && !uris.insert(id.to_owned())
        {
            return Err(invalid(format!("`$id` `{id}` is already taken")));
        }
        parsed.push(Parsed {
            name,
            resource: draft.create_resource(value),
        });
    }

    // Every schema is checked against its meta-schema before any `$ref` is followed, so a
    // broken schema is reported as such even when it also refers to something missing.
    for schema in &parsed {
        if let Err(error) = meta::check(schema.resource.draft(), schema.resource.contents()) {
            return Err(Error::config(format!(
                "schema `{}` is not valid JSON Schema: {error}",
                schema.name
            )));
        }
    }

    // Each resource enters the registry with its own draft, so its anchors and embedded
    // resources are found by that draft's rules (`$id: "#a"` is an anchor in drafts 6 and 7,
    // `id` names a resource in draft 4), also when a schema of another draft refers to it.
    let outside = OutsideSet::default();
    let registry = Registry::new()
        .retriever(outside.clone())
        .extend(parsed.iter().map(|s| (name_uri(s.name), &s.resource)))
        .and_then(|builder| builder.prepare());
    if let Some(uri) = outside.first() {
        return Err(Error::new(
            ErrorCode::UnresolvableRef,
            format!("`$ref` to `{uri}`, which is not in the configured schema set"),
        ));
    }
    let registry = registry.map_err(|e| referencing_error(None, &e))?;

    let definitions: serde_json::Map<String, Value> = parsed
        .iter()
        .enumerate()
        .map(|(i, s)| (i.to_string(), json!({"$ref": name_uri(s.name)})))
        .collect();
    let set = json!({ "definitions": definitions });
    let options = jsonschema::options()
        .with_draft(Draft::Draft4)
        .with_registry(&registry)
        .with_retriever(NotInSet)
        .with_base_uri(SET_URI)
        .should_validate_formats(assert_formats);
    let validators = options
        .build_map(&set)
        .map_err(|e| Error::config(format!("the schema set is not usable: {e}")))?;
    let mut keys = BTreeMap::new();
    for (i, schema) in parsed.iter().enumerate() {
        let key = key_of(i);
        if !validators.contains_key(&key) {
            // `build_map` leaves out what it cannot compile; building that one alone says why.
            let error = match options.build(&set["definitions"][i.to_string()]) {
                Err(e) => build_error(schema.name, &e),
                Ok(_) => Error::config(format!("schema `{}` is not usable", schema.name)),
            };
            return Err(error);
        }
        keys.insert(schema.name.to_owned(), key);
    }
    Ok(Compiled { validators, keys })
}

/// The meta-schemas of the five drafts as validators generated at build time (jsonschema's
/// `validator` macro, resolving each draft's URI in its bundled meta-schemas), so checking a
/// valid schema compiles nothing at run time. Only `is_valid` is generated (`validate` would
/// add about 400 KB to the wasm guests); a schema that fails is checked again by jsonschema's
/// run-time meta-schema validator, which says where.
pub(crate) mod meta {
    use jsonschema::Draft;
    use serde_json::Value;

    #[jsonschema::validator(
        schema = r#"{"$ref": "http://json-schema.org/draft-04/schema#"}"#,
        draft = Draft4,
        methods = { is_valid = true, validate = false, iter_errors = false }
    )]
    struct Draft4;

    #[jsonschema::validator(
        schema = r#"{"$ref": "http://json-schema.org/draft-06/schema#"}"#,
        draft = Draft6,
        methods = { is_valid = true, validate = false, iter_errors = false }
    )]
    struct Draft6;

    #[jsonschema::validator(
        schema = r#"{"$ref": "http://json-schema.org/draft-07/schema#"}"#,
        draft = Draft7,
        methods = { is_valid = true, validate = false, iter_errors = false }
    )]
    struct Draft7;

    #[jsonschema::validator(
        schema = r#"{"$ref": "https://json-schema.org/draft/2019-09/schema"}"#,
        draft = Draft201909,
        methods = { is_valid = true, validate = false, iter_errors = false }
    )]
    struct Draft201909;

    #[jsonschema::validator(
        schema = r#"{"$ref": "https://json-schema.org/draft/2020-12/schema"}"#,
        draft = Draft202012,
        methods = { is_valid = true, validate = false, iter_errors = false }
    )]
    struct Draft202012;

    /// Checks `schema` against the meta-schema of `draft` (2020-12 for any other); the error
    /// says where it fails and why.
    pub(crate) fn check(draft: Draft, schema: &Value) -> Result<(), String> {
        let valid = match draft {
            Draft::Draft4 => Draft4::is_valid(schema),
            Draft::Draft6 => Draft6::is_valid(schema),
            Draft::Draft7 => Draft7::is_valid(schema),
            Draft::Draft201909 => Draft201909::is_valid(schema),
            _ => Draft202012::is_valid(schema),
        };
        if valid {
            return Ok(());
        }
        // The run-time validator picks the same draft, from the same `$schema`.
        Err(match jsonschema::meta::validate(schema) {
            Err(error) => format!(
                "{}: {error}",
                super::pointer_or_root(error.instance_path().as_str())
            ),
            Ok(()) => "its draft's meta-schema rejects it".into(),
        })
    }
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

/// A failure to compile: unresolvable references are their own code.
fn build_error(name: &str, error: &ValidationError<'_>) -> Error {
    match error.kind() {
        jsonschema::error::ValidationErrorKind::Referencing(e) => referencing_error(Some(name), e),
        _ => Error::config(format!(
            "schema `{name}` is not usable: {}: {error}",
            pointer_or_root(error.instance_path().as_str())
        )),
    }
}

pub(crate) fn referencing_error(name: Option<&str>, error: &ReferencingError) -> Error {
    let prefix = name.map(|n| format!("schema `{n}`: ")).unwrap_or_default();
    match error {
        ReferencingError::Unretrievable { uri, .. } => Error::new(
            ErrorCode::UnresolvableRef,
            format!("{prefix}`$ref` to `{uri}`, which is not in the configured schema set"),
        ),
        ReferencingError::PointerToNowhere { .. }
        | ReferencingError::NoSuchAnchor { .. }
        | ReferencingError::InvalidAnchor { .. }
        | ReferencingError::InvalidPercentEncoding { .. }
        | ReferencingError::InvalidArrayIndex { .. } => {
            Error::new(ErrorCode::UnresolvableRef, format!("{prefix}{error}"))
        }
        _ => Error::config(format!("{prefix}{error}")),
    }
}
