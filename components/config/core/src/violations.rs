//! Violations: what the validator reports for a document that parsed but breaks its schema.
//!
//! Every violation has:
//! - `instance-path`: a JSON pointer (RFC 6901) into the document, to the value that fails.
//!   Keywords about members that are not there, or that should not be, point at the member:
//!   `required` and `dependentRequired` at where the missing member belongs (the object's
//!   pointer plus the member's name), `additionalProperties`, `unevaluatedProperties` and
//!   `propertyNames` at each offending member, and `items: false`, `additionalItems` and
//!   `unevaluatedItems` at each offending item — one violation each;
//! - `keyword-location`: a JSON pointer into the schema, to the failing keyword, along the
//!   path validation took: through `$ref` (`/properties/port/$ref/maximum`), not to where
//!   the referenced schema lives;
//! - `keyword`: the failing keyword (`maxContains`, `dependentRequired`...); for a `false`
//!   subschema, the keyword that applied it (`properties`, `items`...), or `false` for a root
//!   schema that is `false`; `propertyNames` for a name that fails its schema;
//! - `code`: a stable [`Code`].
//!
//! `anyOf`, `oneOf` and `not` report one violation at the keyword (why each branch failed is
//! not listed); `allOf`, `if`/`then`/`else`, `$ref`, `properties`, `items` and the other
//! applicators report what fails inside them.
//!
//! Order: by instance path, then keyword location, then code. Pointers compare segment by
//! segment: array indices (digits without a leading zero) numerically and before other
//! segments, other segments by their bytes, a pointer before those it is a prefix of. So
//! `/items/2` comes before `/items/10`, and `/a` before `/a/b` before `/b`. Identical
//! violations are reported once. The order does not depend on the order of members in the
//! document or the schema, so every runtime reports the same list.

use std::cmp::Ordering;

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as Kind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, ErrorCode, Outcome};

/// Stable violation codes: what kind of rule the document breaks. Codes are never renamed or
/// reused; new ones are appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// `type`.
    TypeMismatch,
    /// `enum`.
    EnumMismatch,
    /// `const`.
    ConstMismatch,
    /// `minimum`, `exclusiveMinimum`.
    NumberTooSmall,
    /// `maximum`, `exclusiveMaximum`.
    NumberTooLarge,
    /// `multipleOf`.
    NotMultipleOf,
    /// `minLength`.
    StringTooShort,
    /// `maxLength`.
    StringTooLong,
    /// `pattern`.
    PatternMismatch,
    /// `pattern` could not be evaluated (backtracking limit).
    PatternError,
    /// `format`, when formats are asserted.
    FormatMismatch,
    /// `minItems`.
    TooFewItems,
    /// `maxItems`.
    TooManyItems,
    /// `uniqueItems`.
    DuplicateItems,
    /// `contains` matches no item, or fewer than `minContains`.
    ContainsTooFew,
    /// `contains` matches more than `maxContains` items.
    ContainsTooMany,
    /// `minProperties`.
    TooFewProperties,
    /// `maxProperties`.
    TooManyProperties,
    /// `required`, `dependentRequired`, array-valued `dependencies` (draft 7 and earlier).
    MissingProperty,
    /// `additionalProperties`.
    AdditionalProperty,
    /// `unevaluatedProperties`.
    UnevaluatedProperty,
    /// `items` after `prefixItems` (2020-12), `additionalItems` (earlier drafts).
    AdditionalItem,
    /// `unevaluatedItems`.
    UnevaluatedItem,
    /// `propertyNames`.
    InvalidPropertyName,
    /// `anyOf`, or `oneOf` with no matching branch.
    NoMatch,
    /// `oneOf` with more than one matching branch.
    MultipleMatches,
    /// `not`: the value matches the negated schema.
    MatchesNot,
    /// A `false` schema (other than those above): nothing is valid here.
    FalseSchema,
    /// `contentEncoding` (asserted by draft 7 and earlier only).
    InvalidEncoding,
    /// `contentMediaType` (asserted by draft 7 and earlier only).
    InvalidMediaType,
}

impl Code {
    pub const ALL: [Code; 30] = [
        Code::TypeMismatch,
        Code::EnumMismatch,
        Code::ConstMismatch,
        Code::NumberTooSmall,
        Code::NumberTooLarge,
        Code::NotMultipleOf,
        Code::StringTooShort,
        Code::StringTooLong,
        Code::PatternMismatch,
        Code::PatternError,
        Code::FormatMismatch,
        Code::TooFewItems,
        Code::TooManyItems,
        Code::DuplicateItems,
        Code::ContainsTooFew,
        Code::ContainsTooMany,
        Code::TooFewProperties,
        Code::TooManyProperties,
        Code::MissingProperty,
        Code::AdditionalProperty,
        Code::UnevaluatedProperty,
        Code::AdditionalItem,
        Code::UnevaluatedItem,
        Code::InvalidPropertyName,
        Code::NoMatch,
        Code::MultipleMatches,
        Code::MatchesNot,
        Code::FalseSchema,
        Code::InvalidEncoding,
        Code::InvalidMediaType,
    ];

    /// The kebab-case name used in WIT, JSON and vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::TypeMismatch => "type-mismatch",
            Code::EnumMismatch => "enum-mismatch",
            Code::ConstMismatch => "const-mismatch",
            Code::NumberTooSmall => "number-too-small",
            Code::NumberTooLarge => "number-too-large",
            Code::NotMultipleOf => "not-multiple-of",
            Code::StringTooShort => "string-too-short",
            Code::StringTooLong => "string-too-long",
            Code::PatternMismatch => "pattern-mismatch",
            Code::PatternError => "pattern-error",
            Code::FormatMismatch => "format-mismatch",
            Code::TooFewItems => "too-few-items",
            Code::TooManyItems => "too-many-items",
            Code::DuplicateItems => "duplicate-items",
            Code::ContainsTooFew => "contains-too-few",
            Code::ContainsTooMany => "contains-too-many",
            Code::TooFewProperties => "too-few-properties",
            Code::TooManyProperties => "too-many-properties",
            Code::MissingProperty => "missing-property",
            Code::AdditionalProperty => "additional-property",
            Code::UnevaluatedProperty => "unevaluated-property",
            Code::AdditionalItem => "additional-item",
            Code::UnevaluatedItem => "unevaluated-item",
            Code::InvalidPropertyName => "invalid-property-name",
            Code::NoMatch => "no-match",
            Code::MultipleMatches => "multiple-matches",
            Code::MatchesNot => "matches-not",
            Code::FalseSchema => "false-schema",
            Code::InvalidEncoding => "invalid-encoding",
            Code::InvalidMediaType => "invalid-media-type",
        }
    }
}

/// One way the document breaks its schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Violation {
    pub instance_path: String,
    pub keyword_location: String,
    pub keyword: String,
    pub code: Code,
}

/// Validates `instance` and reports every violation, sorted, at most `max_errors` of them.
pub(crate) fn collect(
    validator: &jsonschema::Validator,
    instance: &Value,
    max_errors: usize,
) -> Result<Outcome, Error> {
    let mut violations = Vec::new();
    for error in validator.iter_errors(instance) {
        convert(&error, &mut violations)?;
    }
    sort(&mut violations);
    let truncated = violations.len() > max_errors;
    violations.truncate(max_errors);
    Ok(Outcome {
        valid: violations.is_empty(),
        violations,
        truncated,
    })
}

/// Sorts violations into the reported order and drops repeats.
pub fn sort(violations: &mut Vec<Violation>) {
    violations.sort_by(compare);
    violations.dedup();
}

/// The reported order (see the module documentation).
pub fn compare(a: &Violation, b: &Violation) -> Ordering {
    compare_pointers(&a.instance_path, &b.instance_path)
        .then_with(|| compare_pointers(&a.keyword_location, &b.keyword_location))
        .then_with(|| a.code.as_str().cmp(b.code.as_str()))
        .then_with(|| a.keyword.cmp(&b.keyword))
}

/// JSON pointers segment by segment: indices numerically and first, names by bytes.
pub fn compare_pointers(a: &str, b: &str) -> Ordering {
    let segments = |p: &str| -> Vec<String> { p.split('/').skip(1).map(unescape).collect() };
    let (a, b) = (segments(a), segments(b));
    for (x, y) in a.iter().zip(&b) {
        let ordering = match (index(x), index(y)) {
            (true, true) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.as_bytes().cmp(y.as_bytes()),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    a.len().cmp(&b.len())
}

/// An array index in a JSON pointer: `0` or digits without a leading zero.
fn index(segment: &str) -> bool {
    !segment.is_empty()
        && segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'))
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn child(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape(segment))
}

/// The last keyword of a keyword location, skipping property names and indices: the
/// keyword of `/properties/type/minLength` is `minLength`, of `/properties/type` is
/// `properties`, of `/allOf/1` is `allOf`.
pub fn keyword_of(location: &str) -> Option<String> {
    let mut keyword: Option<String> = None;
    let mut segments = location.split('/').skip(1).map(unescape).peekable();
    while let Some(segment) = segments.next() {
        match segment.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas"
            | "dependentRequired" | "dependencies" => {
                segments.next(); // a name
            }
            "prefixItems" | "allOf" | "anyOf" | "oneOf" => {
                segments.next(); // an index
            }
            // Draft 7 `items` may be an array of schemas.
            "items" if segments.peek().is_some_and(|next| index(next)) => {
                segments.next();
            }
            _ => {}
        }
        keyword = Some(segment);
    }
    keyword
}

/// The keyword location in the schema of a location in the set's document, which reaches
/// every schema through one `$ref` (see [`crate::schemas::Compiled`]).
pub(crate) fn schema_location(evaluation_path: &str) -> String {
    match evaluation_path.strip_prefix("/$ref") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest.to_owned(),
        _ => evaluation_path.to_owned(),
    }
}

fn convert(error: &ValidationError<'_>, out: &mut Vec<Violation>) -> Result<(), Error> {
    let instance_path = error.instance_path().as_str();
    let location = schema_location(error.evaluation_path().as_str());
    let keyword = keyword_of(&location).unwrap_or_else(|| error.kind().keyword().to_owned());
    let mut push = |instance_path: String, keyword: &str, code: Code| {
        out.push(Violation {
            instance_path,
            keyword_location: location.clone(),
            keyword: keyword.to_owned(),
            code,
        });
    };
    let here = || instance_path.to_owned();
    match error.kind() {
        Kind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                push(
                    child(instance_path, name),
                    &keyword,
                    Code::AdditionalProperty,
                );
            }
        }
        Kind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                push(
                    child(instance_path, name),
                    &keyword,
                    Code::UnevaluatedProperty,
                );
            }
        }
        Kind::UnevaluatedItems { unexpected } => {
            match unevaluated_indices(error.instance(), unexpected) {
                Some(indices) => {
                    for i in indices {
                        push(
                            child(instance_path, &i.to_string()),
                            &keyword,
                            Code::UnevaluatedItem,
                        );
                    }
                }
                None => push(here(), &keyword, Code::UnevaluatedItem),
            }
        }
        Kind::AdditionalItems { limit } => {
            let len = error.instance().as_array().map_or(0, Vec::len);
            for i in *limit..len {
                push(
                    child(instance_path, &i.to_string()),
                    &keyword,
                    Code::AdditionalItem,
                );
            }
        }
        Kind::Required { property } => {
            let name = match property {
                Value::String(name) => name.clone(),
                other => other.to_string(),
            };
            push(child(instance_path, &name), &keyword, Code::MissingProperty);
        }
        Kind::PropertyNames { error: inner } => {
            let name = match inner.instance().as_ref() {
                Value::String(name) => name.clone(),
                other => other.to_string(),
            };
            push(
                child(instance_path, &name),
                "propertyNames",
                Code::InvalidPropertyName,
            );
        }
        Kind::FalseSchema => {
            let (keyword, code) = match keyword_of(&location) {
                None => ("false".to_owned(), Code::FalseSchema),
                Some(keyword) => {
                    let code = match keyword.as_str() {
                        "items" | "additionalItems" => Code::AdditionalItem,
                        "additionalProperties" => Code::AdditionalProperty,
                        "unevaluatedItems" => Code::UnevaluatedItem,
                        "unevaluatedProperties" => Code::UnevaluatedProperty,
                        _ => Code::FalseSchema,
                    };
                    (keyword, code)
                }
            };
            push(here(), &keyword, code);
        }
        Kind::Contains => {
            let code = if keyword == "maxContains" {
                Code::ContainsTooMany
            } else {
                Code::ContainsTooFew
            };
            push(here(), &keyword, code);
        }
        Kind::Referencing(e) => return Err(crate::schemas::referencing_error(None, e)),
        Kind::Custom { keyword, .. } => {
            // No custom keyword is ever registered.
            return Err(Error::new(
                ErrorCode::InvalidConfig,
                format!("custom keyword `{keyword}`"),
            ));
        }
        // One violation at the failing value.
        Kind::Type { .. } => push(here(), &keyword, Code::TypeMismatch),
        Kind::Enum { .. } => push(here(), &keyword, Code::EnumMismatch),
        Kind::Constant { .. } => push(here(), &keyword, Code::ConstMismatch),
        Kind::Minimum { .. } | Kind::ExclusiveMinimum { .. } => {
            push(here(), &keyword, Code::NumberTooSmall);
        }
        Kind::Maximum { .. } | Kind::ExclusiveMaximum { .. } => {
            push(here(), &keyword, Code::NumberTooLarge);
        }
        Kind::MultipleOf { .. } => push(here(), &keyword, Code::NotMultipleOf),
        Kind::MinLength { .. } => push(here(), &keyword, Code::StringTooShort),
        Kind::MaxLength { .. } => push(here(), &keyword, Code::StringTooLong),
        Kind::Pattern { .. } => push(here(), &keyword, Code::PatternMismatch),
        Kind::BacktrackLimitExceeded { .. } | Kind::RegexEngineFailure { .. } => {
            push(here(), &keyword, Code::PatternError);
        }
        Kind::Format { .. } => push(here(), &keyword, Code::FormatMismatch),
        Kind::MinItems { .. } => push(here(), &keyword, Code::TooFewItems),
        Kind::MaxItems { .. } => push(here(), &keyword, Code::TooManyItems),
        Kind::UniqueItems => push(here(), &keyword, Code::DuplicateItems),
        Kind::MinProperties { .. } => push(here(), &keyword, Code::TooFewProperties),
        Kind::MaxProperties { .. } => push(here(), &keyword, Code::TooManyProperties),
        Kind::AnyOf { .. } | Kind::OneOfNotValid { .. } => push(here(), &keyword, Code::NoMatch),
        Kind::OneOfMultipleValid { .. } => push(here(), &keyword, Code::MultipleMatches),
        Kind::Not { .. } => push(here(), &keyword, Code::MatchesNot),
        Kind::ContentEncoding { .. } | Kind::FromUtf8 { .. } => {
            push(here(), &keyword, Code::InvalidEncoding);
        }
        Kind::ContentMediaType { .. } => push(here(), &keyword, Code::InvalidMediaType),
    }
    Ok(())
}

/// Which items `unevaluatedItems` rejected. jsonschema names them by their JSON text, in
/// array order; they are matched from the end of the array. That is exact for 2020-12 and
/// 2019-09: an item is evaluated when its index is inside a prefix (`prefixItems`, `items`)
/// or its value matches a `contains`, and whether `unevaluatedItems` accepts it depends on
/// its value, so among items with the same text the rejected ones are always the last.
pub(crate) fn unevaluated_indices(array: &Value, unexpected: &[String]) -> Option<Vec<usize>> {
    let items = array.as_array()?;
    let mut wanted = unexpected.iter().rev().peekable();
    let mut indices = Vec::with_capacity(unexpected.len());
    for (i, item) in items.iter().enumerate().rev() {
        let Some(text) = wanted.peek() else {
            break;
        };
        if text.as_str() == item.to_string().as_str() {
            indices.push(i);
            wanted.next();
        }
    }
    if wanted.next().is_some() {
        return None;
    }
    indices.reverse();
    Some(indices)
}
