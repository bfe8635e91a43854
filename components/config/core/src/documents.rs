//! Documents: JSON, YAML or TOML text to one JSON value, within the limits.
//!
//! Locations are line and column from 1, the column in characters, of the character where
//! the parser found the problem; for an unexpected end of the document, the position just
//! after its last character. A duplicate key is located at the start of its second
//! occurrence (JSON: its opening quote). `too-deep` carries no location.
//!
//! **JSON** (RFC 8259): a duplicate key in an object is a `parse-error`. Integers beyond the
//! 64-bit range become the nearest double, as JavaScript's `JSON.parse` does; numbers beyond
//! the double range are a `parse-error`.
//!
//! **YAML** (1.2, core schema), one document (an empty stream is `null`; a second document
//! is a `parse-error`):
//! - plain scalars resolve as the core schema says: `null`/`~`/empty, `true`/`false` (also
//!   `True`, `TRUE`...), decimal, `0o` octal and `0x` hex integers, floats; everything else
//!   (`yes`, `no`, `on`, `off`, `2001-12-14`...) is a string. Quoted and block scalars are
//!   strings. `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!seq`, `!!map` and the
//!   non-specific `!` are honoured (a value that does not fit its tag is a `parse-error`);
//!   any other tag (`!!binary`, `!!timestamp`, `!!set`, `!Ref`...) is `unrepresentable`;
//! - a key that is not a string becomes the JSON text of its value (`80` → `"80"`, `true`
//!   → `"true"`, `~` → `"null"`, `1.5` → `"1.5"`); a sequence or mapping as a key is
//!   `unrepresentable`. Keys equal after this (`1` and `"1"`) are duplicates, and a
//!   duplicate key is a `parse-error`;
//! - anchors and aliases are expanded (an alias is a copy of its anchored node); an alias
//!   inside its own anchored node (a cycle) is `unrepresentable`; `<<` is an ordinary key
//!   (merge keys are YAML 1.1). Depth counts the expanded nesting (`too-deep`), and expanding
//!   aliases may add at most `max-document-bytes` nodes and bytes of text, a node counting
//!   one and a string or key its length (`too-large`: no "billion laughs", and no long
//!   string copied thousands of times either);
//! - integers beyond the 64-bit range become the nearest double, as in JSON; `.inf`, `.nan`
//!   and hex/octal integers beyond 64 bits are `unrepresentable`.
//!
//! **TOML** (1.1): parsed whole first (syntax and duplicate keys are `parse-error`s), then
//! converted: date-times become their RFC 3339 text (`1979-05-27T07:32:00Z`, or local forms
//! such as `1979-05-27`), `nan` and `inf` are `unrepresentable` (without a location),
//! nesting beyond `max-depth` is `too-deep`.
//!
//! Nesting beyond a parser's own limit is `too-deep` too, whatever `max-depth` says: YAML's
//! scanner stops at 255 nested flow collections, TOML's parser at 80 nested inline arrays
//! or tables (or 80 parts in a dotted key). `max-depth` is at most 100, so only TOML's limit
//! can come first.

use std::cell::Cell;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::{DocumentFormat, Error, ErrorCode, Limits, Location};

/// Parses `text` as `format` into one JSON value, within `limits`.
pub fn parse(text: &str, format: DocumentFormat, limits: &Limits) -> Result<Value, Error> {
    match format {
        DocumentFormat::Json => parse_json(text, limits.max_depth),
        DocumentFormat::Yaml => parse_yaml(text, limits),
        DocumentFormat::Toml => parse_toml(text, limits.max_depth),
    }
}

/// The location of byte `offset` of `text` (clamped to the text, and back to the start of
/// the character it falls in).
pub fn location_of(text: &str, offset: usize) -> Location {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    Location {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

fn too_deep(max_depth: u32) -> Error {
    Error::new(
        ErrorCode::TooDeep,
        format!("the document nests deeper than {max_depth} levels"),
    )
}

// ---------------------------------------------------------------------------------------
// JSON

/// What the JSON visitor found besides syntax errors (serde_json keeps only their text).
#[derive(Clone, Debug, PartialEq)]
enum Found {
    TooDeep,
    DuplicateKey(String),
}

struct JsonNode<'a> {
    /// Containers around this value.
    depth: u32,
    max_depth: u32,
    found: &'a Cell<Option<Found>>,
}

impl JsonNode<'_> {
    fn child(&self) -> Self {
        JsonNode {
            depth: self.depth + 1,
            max_depth: self.max_depth,
            found: self.found,
        }
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth + 1 > self.max_depth {
            self.found.set(Some(Found::TooDeep));
            return Err(E::custom("too deep"));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for JsonNode<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonNode<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.child())? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if members.contains_key(&key) {
                self.found.set(Some(Found::DuplicateKey(key)));
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(self.child())?;
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

fn parse_json(text: &str, max_depth: u32) -> Result<Value, Error> {
    let found = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let seed = JsonNode {
        depth: 0,
        max_depth,
        found: &found,
    };
    let result = seed
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    let error = match result {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    match found.take() {
        Some(Found::TooDeep) => Err(too_deep(max_depth)),
        Some(Found::DuplicateKey(key)) => {
            // serde_json stops at the key's closing quote; report its opening quote.
            let end = json_offset(text, error.line(), error.column());
            let start = opening_quote(text, end);
            Err(Error::at(
                ErrorCode::ParseError,
                location_of(text, start),
                format!("duplicate key `{key}`"),
            ))
        }
        None => {
            let offset = if error.is_eof() {
                text.len()
            } else {
                json_offset(text, error.line(), error.column())
            };
            let message = error.to_string();
            // serde_json appends " at line L column C", in bytes; the location says it.
            let message = match message.rfind(" at line ") {
                Some(at) => message[..at].to_owned(),
                None => message,
            };
            Err(Error::at(
                ErrorCode::ParseError,
                location_of(text, offset),
                format!("not JSON: {message}"),
            ))
        }
    }
}

/// The byte offset of serde_json's position: the last byte it read, `column` bytes into line
/// `line` (column 0: nothing read on that line yet).
fn json_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// The opening quote of the JSON string whose closing quote is at `end`.
fn opening_quote(text: &str, end: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = end;
    while i > 0 {
        i -= 1;
        if bytes[i] == b'"' {
            let backslashes = bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count();
            if backslashes % 2 == 0 {
                return i;
            }
        }
    }
    end
}

// ---------------------------------------------------------------------------------------
// YAML

/// A node being built: a sequence or a mapping, with what it needs when it ends.
struct Frame {
    anchor: usize,
    /// Nesting below this node (1 for a container of scalars).
    height: u32,
    /// Nodes in this subtree, itself included, plus the bytes of its strings and keys:
    /// what copying it for an alias costs.
    nodes: usize,
    kind: FrameKind,
}

enum FrameKind {
    Sequence(Vec<Value>),
    /// Members so far and, between a key and its value, the key.
    Mapping(Map<String, Value>, Option<String>),
}

/// A finished node: its value, its height and its size.
struct Node {
    value: Value,
    height: u32,
    nodes: usize,
}

struct YamlBuilder<'t> {
    text: &'t str,
    /// Byte offset of every character, to turn the parser's character indices into bytes.
    char_offsets: Vec<usize>,
    limits: &'t Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Value>,
    documents: usize,
}

fn parse_yaml(text: &str, limits: &Limits) -> Result<Value, Error> {
    let mut builder = YamlBuilder {
        text,
        char_offsets: text.char_indices().map(|(i, _)| i).collect(),
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        root: None,
        documents: 0,
    };
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => builder.event(event, span)?,
            // The scanner's own limit of 255 nested flow collections.
            Err(e) if e.info().contains("recursion limit") => {
                return Err(too_deep(limits.max_depth));
            }
            Err(e) => {
                return Err(Error::at(
                    ErrorCode::ParseError,
                    builder.location(e.marker().index()),
                    format!("not YAML: {}", e.info()),
                ));
            }
        }
    }
    Ok(builder.root.unwrap_or(Value::Null))
}

impl YamlBuilder<'_> {
    fn location(&self, char_index: usize) -> Location {
        let offset = self
            .char_offsets
            .get(char_index)
            .copied()
            .unwrap_or(self.text.len());
        location_of(self.text, offset)
    }

    fn error(&self, code: ErrorCode, span: Span, message: impl Into<String>) -> Error {
        Error::at(code, self.location(span.start.index()), message)
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Error> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.error(
                        ErrorCode::ParseError,
                        span,
                        "a second YAML document: a config is one document",
                    ));
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&text, style, tag.as_deref())
                    .map_err(|(code, message)| self.error(code, span, message))?;
                let nodes = 1 + value.as_str().map_or(0, str::len);
                if anchor != 0 {
                    let anchored = Node {
                        value: value.clone(),
                        height: 0,
                        nodes,
                    };
                    self.anchors.insert(anchor, anchored);
                }
                if self.in_key_position() {
                    let key = value_key(&value)
                        .map_err(|(code, message)| self.error(code, span, message))?;
                    return self.key(key, span);
                }
                self.value(Node {
                    value,
                    height: 0,
                    nodes,
                })
            }
            Event::SequenceStart(anchor, tag) => {
                self.container_start(span, tag.as_deref(), "seq")?;
                self.stack.push(Frame {
                    anchor,
                    height: 1,
                    nodes: 1,
                    kind: FrameKind::Sequence(Vec::new()),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.container_start(span, tag.as_deref(), "map")?;
                self.stack.push(Frame {
                    anchor,
                    height: 1,
                    nodes: 1,
                    kind: FrameKind::Mapping(Map::new(), None),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let value = match frame.kind {
                    FrameKind::Sequence(items) => Value::Array(items),
                    FrameKind::Mapping(members, _) => Value::Object(members),
                };
                let node = Node {
                    value,
                    height: frame.height,
                    nodes: frame.nodes,
                };
                if frame.anchor != 0 {
                    self.anchors.insert(
                        frame.anchor,
                        Node {
                            value: node.value.clone(),
                            ..node
                        },
                    );
                }
                self.value(node)
            }
            Event::Alias(anchor) => {
                let Some(anchored) = self.anchors.get(&anchor) else {
                    // The parser only hands out ids of anchors it has seen: this one's node
                    // has not ended, so the alias is inside it.
                    return Err(self.error(
                        ErrorCode::Unrepresentable,
                        span,
                        "an alias inside its own anchored node makes a cycle, which JSON cannot hold",
                    ));
                };
                if self.in_key_position() {
                    let key = value_key(&anchored.value)
                        .map_err(|(code, message)| self.error(code, span, message))?;
                    return self.key(key, span);
                }
                let depth = self.stack.len() as u32 + anchored.height;
                if depth > self.limits.max_depth {
                    return Err(too_deep(self.limits.max_depth));
                }
                self.alias_nodes += anchored.nodes;
                if self.alias_nodes > self.limits.max_document_bytes as usize {
                    return Err(Error::new(
                        ErrorCode::TooLarge,
                        format!(
                            "expanding the aliases adds more than {} nodes and bytes of text",
                            self.limits.max_document_bytes
                        ),
                    ));
                }
                let node = Node {
                    value: anchored.value.clone(),
                    height: anchored.height,
                    nodes: anchored.nodes,
                };
                self.value(node)
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    fn in_key_position(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: FrameKind::Mapping(_, None),
                ..
            })
        )
    }

    fn container_start(&self, span: Span, tag: Option<&Tag>, core: &str) -> Result<(), Error> {
        if self.in_key_position() {
            return Err(self.error(
                ErrorCode::Unrepresentable,
                span,
                "a sequence or mapping as a key has no JSON form",
            ));
        }
        if let Some(tag) = tag
            && !non_specific(tag)
            && core_suffix(tag) != Some(core)
        {
            let shown = show_tag(tag);
            return Err(match core_suffix(tag) {
                Some("seq" | "map" | "str" | "int" | "float" | "bool" | "null") => self.error(
                    ErrorCode::ParseError,
                    span,
                    format!("a {core} cannot be tagged `{shown}`"),
                ),
                _ => self.error(
                    ErrorCode::Unrepresentable,
                    span,
                    format!("the tag `{shown}` has no JSON form"),
                ),
            });
        }
        if self.stack.len() as u32 + 1 > self.limits.max_depth {
            return Err(too_deep(self.limits.max_depth));
        }
        Ok(())
    }

    fn key(&mut self, key: String, span: Span) -> Result<(), Error> {
        let duplicate = match self.stack.last() {
            Some(Frame {
                kind: FrameKind::Mapping(members, _),
                ..
            }) => members.contains_key(&key),
            _ => false,
        };
        if duplicate {
            return Err(self.error(
                ErrorCode::ParseError,
                span,
                format!("duplicate key `{key}`"),
            ));
        }
        if let Some(Frame {
            kind: FrameKind::Mapping(_, pending),
            nodes,
            ..
        }) = self.stack.last_mut()
        {
            *nodes += key.len();
            *pending = Some(key);
        }
        Ok(())
    }

    /// A finished node goes into its parent, or becomes the document.
    fn value(&mut self, node: Node) -> Result<(), Error> {
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node.value);
            return Ok(());
        };
        parent.height = parent.height.max(node.height + 1);
        parent.nodes += node.nodes;
        match &mut parent.kind {
            FrameKind::Sequence(items) => items.push(node.value),
            FrameKind::Mapping(members, pending) => {
                if let Some(key) = pending.take() {
                    members.insert(key, node.value);
                }
            }
        }
        Ok(())
    }
}

type ScalarError = (ErrorCode, String);

/// The JSON value of a scalar node.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, ScalarError> {
    let Some(tag) = tag else {
        return if style == ScalarStyle::Plain {
            resolve_plain(text)
        } else {
            Ok(Value::String(text.to_owned()))
        };
    };
    if non_specific(tag) {
        return Ok(Value::String(text.to_owned()));
    }
    let shown = show_tag(tag);
    let Some(suffix) = core_suffix(tag) else {
        return Err((
            ErrorCode::Unrepresentable,
            format!("the tag `{shown}` has no JSON form"),
        ));
    };
    let resolved = || resolve_plain(text);
    let wrong = || {
        Err((
            ErrorCode::ParseError,
            format!("`{text}` is not a valid `{shown}`"),
        ))
    };
    match suffix {
        "str" => Ok(Value::String(text.to_owned())),
        "null" => match resolved()? {
            Value::Null => Ok(Value::Null),
            _ => wrong(),
        },
        "bool" => match resolved()? {
            Value::Bool(b) => Ok(Value::Bool(b)),
            _ => wrong(),
        },
        "int" => match resolved()? {
            Value::Number(n) if !is_float_syntax(text) => Ok(Value::Number(n)),
            _ => wrong(),
        },
        "float" => match resolved()? {
            Value::Number(n) => Number::from_f64(n.as_f64().unwrap_or(f64::NAN))
                .map(Value::Number)
                .ok_or((
                    ErrorCode::Unrepresentable,
                    format!("`{text}` has no JSON form"),
                )),
            _ => wrong(),
        },
        "seq" | "map" => Err((
            ErrorCode::ParseError,
            format!("a scalar cannot be tagged `{shown}`"),
        )),
        _ => Err((
            ErrorCode::Unrepresentable,
            format!("the tag `{shown}` has no JSON form"),
        )),
    }
}

/// The core schema's tag prefix, whether written `!!` or verbatim.
const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// The non-specific tag `!` (the parser gives it an empty handle and the suffix `!`).
fn non_specific(tag: &Tag) -> bool {
    tag.handle.is_empty() && tag.suffix == "!"
}

/// `str` for `!!str` and `!<tag:yaml.org,2002:str>`; `None` for tags outside the core schema.
fn core_suffix(tag: &Tag) -> Option<&str> {
    if tag.is_yaml_core_schema() {
        Some(&tag.suffix)
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix(CORE_TAG_PREFIX)
    } else {
        None
    }
}

/// A tag as it is usually written: `!!str`, `!Ref`, `!<tag:example.com,2024:x>`.
fn show_tag(tag: &Tag) -> String {
    match core_suffix(tag) {
        Some(suffix) => format!("!!{suffix}"),
        None if tag.handle.is_empty() => format!("!<{}>", tag.suffix),
        None if tag.handle == "!" => format!("!{}", tag.suffix),
        None => format!("{}{}", tag.handle, tag.suffix),
    }
}

/// A key's value as a JSON object key: strings as they are, other scalars as their JSON
/// text.
fn value_key(value: &Value) -> Result<String, ScalarError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Array(_) | Value::Object(_) => Err((
            ErrorCode::Unrepresentable,
            "a sequence or mapping as a key has no JSON form".to_owned(),
        )),
        scalar => Ok(scalar.to_string()),
    }
}

fn is_float_syntax(text: &str) -> bool {
    !text.starts_with("0x") && !text.starts_with("0o") && text.contains(['.', 'e', 'E'])
}

/// YAML 1.2 core schema tag resolution of a plain scalar.
fn resolve_plain(text: &str) -> Result<Value, ScalarError> {
    let unrepresentable = |what: &str| {
        Err((
            ErrorCode::Unrepresentable,
            format!("`{text}` is {what}, which JSON has no number for"),
        ))
    };
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        ".nan" | ".NaN" | ".NAN" => return unrepresentable("not a number"),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return unrepresentable("infinite");
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    for (prefix, radix) in [("0o", 8), ("0x", 16)] {
        if let Some(body) = text.strip_prefix(prefix)
            && digits(body, radix)
        {
            return match u64::from_str_radix(body, radix) {
                Ok(n) => Ok(Value::from(n)),
                Err(_) => unrepresentable("an integer beyond 64 bits"),
            };
        }
    }
    if digits(unsigned, 10) {
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Value::from(n));
        }
        if let Ok(n) = text.parse::<u64>() {
            return Ok(Value::from(n));
        }
        return float(text);
    }
    if is_core_float(unsigned) {
        return float(text);
    }
    Ok(Value::String(text.to_owned()))
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`, sign already removed.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            all_digits(int) && all_digits(frac) && (!int.is_empty() || !frac.is_empty())
        }
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

fn float(text: &str) -> Result<Value, ScalarError> {
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or((
            ErrorCode::Unrepresentable,
            format!("`{text}` is beyond the range of JSON numbers"),
        ))
}

// ---------------------------------------------------------------------------------------
// TOML

fn parse_toml(text: &str, max_depth: u32) -> Result<Value, Error> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        // The parser's own limit of 80 nested inline arrays and tables, or key parts.
        if e.message().contains("recurs") {
            return too_deep(max_depth);
        }
        let offset = e.span().map_or(text.len(), |span| span.start);
        Error::at(
            ErrorCode::ParseError,
            location_of(text, offset),
            format!("not TOML: {}", e.message().trim_end()),
        )
    })?;
    toml_table(table, 0, max_depth)
}

/// A table nested in `depth` containers.
fn toml_table(table: toml::Table, depth: u32, max_depth: u32) -> Result<Value, Error> {
    if depth + 1 > max_depth {
        return Err(too_deep(max_depth));
    }
    let mut members = Map::new();
    for (key, value) in table {
        members.insert(key, toml_value(value, depth + 1, max_depth)?);
    }
    Ok(Value::Object(members))
}

fn toml_value(value: toml::Value, depth: u32, max_depth: u32) -> Result<Value, Error> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(n) => Value::from(n),
        toml::Value::Float(f) => Value::Number(Number::from_f64(f).ok_or_else(|| {
            Error::new(
                ErrorCode::Unrepresentable,
                format!("the float `{f}` has no JSON form"),
            )
        })?),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(dt) => Value::String(dt.to_string()),
        toml::Value::Array(items) => {
            if depth + 1 > max_depth {
                return Err(too_deep(max_depth));
            }
            Value::Array(
                items
                    .into_iter()
                    .map(|item| toml_value(item, depth + 1, max_depth))
                    .collect::<Result<_, _>>()?,
            )
        }
        toml::Value::Table(table) => toml_table(table, depth, max_depth)?,
    })
}
