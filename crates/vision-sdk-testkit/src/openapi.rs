//! An OpenAPI **request** validator (Swagger 2.0, OpenAPI 3.0 and 3.1), so tests can prove that
//! every request a crate sends is one the provider's published spec allows, offline and without
//! an extra process. Load a spec with [`Spec::from_path`] (find it with
//! [`require_shared`](crate::require_shared)) and check [`RecordedRequest`]s with
//! [`Spec::validate`].
//!
//! What [`Spec::validate`] checks for one captured request:
//! * the path lies under a `servers` base path (`/device-api`) and matches a path template; path
//!   parameters match their schemas; the most literal template wins;
//! * the operation exists for the method (else: which methods the template allows);
//! * query parameters: required ones present, unknown ones reported, values coerced by their
//!   schema type (`integer`, `number`, `boolean`, `string`, arrays by repetition) and checked
//!   against it (enum, minimum/maximum, lengths, format); a parameter given twice is an error
//!   unless its schema is an array;
//! * header parameters and the operation's `security` (the `ApiToken` API key in `x-api-token`);
//! * the body: a body on an operation without `requestBody`, a missing body when it is
//!   `required`, a `Content-Type` the operation does not accept (wildcards in the spec honoured);
//!   JSON bodies parsed and validated against the schema; `application/x-www-form-urlencoded` and
//!   `multipart/form-data` bodies parsed into an object (text values coerced by the property's
//!   schema type, `format: binary` parts accepted, repeated parts for array properties) and
//!   validated the same way; other bodies (images) accepted as `format: binary`, and for `image/*`
//!   types the leading bytes must not identify a *different* image format than the declared one.
//! * schema keywords: `$ref` (anywhere, checked at load), `type`, `nullable`, `enum` (a `null`
//!   member accepts null), `properties`, `required` (read-only properties are not required in a
//!   request), `readOnly` (must not be sent), `writeOnly` (fine), `additionalProperties` (false or a
//!   schema), `minProperties`/`maxProperties`, `items`, `minItems`/`maxItems`/`uniqueItems`,
//!   `minLength`/`maxLength` (characters), `minimum`/`maximum` with the 3.0 boolean
//!   `exclusiveMinimum`/`exclusiveMaximum`, `multipleOf`, formats `date-time`, `date`, `uri`,
//!   `uuid`, `email`, `int32`, `int64`, and `allOf`/`anyOf`/`oneOf`.
//! * Swagger 2.0: `basePath`; `in: body` parameters (the JSON body, by `consumes`), `in: formData`
//!   parameters (an urlencoded or multipart body; `type: file` parts), parameters that carry their
//!   schema inline (`type`, `format`, `items`, `enum`, …; `collectionFormat` `multi` or `csv`),
//!   `definitions`, `securityDefinitions` (`apiKey`, `basic`) and `x-nullable`.
//! * OpenAPI 3.1: `type` arrays (`["string", "null"]`), `type: null`, `const`, and the numeric
//!   `exclusiveMinimum`/`exclusiveMaximum`.
//!
//! Deliberate choices:
//! * `oneOf`: for a non-object value, exactly one alternative must match, as in JSON Schema. For
//!   an object value, `oneOf`s over *open* object schemas (no `additionalProperties: false`) make
//!   the strict reading reject every real value (it matches several alternatives) while `anyOf`
//!   would accept almost anything. So an object value passes when at least one alternative
//!   matches it *closed*: valid, and every property of the value declared by that alternative,
//!   which is how servers with strict models discriminate. Prism has the same problem the other
//!   way round (it skips such bodies).
//! * Properties a schema does not declare, where `additionalProperties` allows them, are not errors;
//!   they are listed in [`Report::notes`] so a test can still pin them down.
//! * `pattern` is not evaluated (the spec has none); it is listed in the notes if one appears.
//! * Responses are not validated, and neither are `encoding` objects of multipart bodies.
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde_json::{Map, Number, Value};
use vision_sdk_common::testing::{RecordedRequest, parse_query, percent_decode};
use yaml_rust2::{Yaml, YamlLoader};

// ---------------------------------------------------------------------------------------------
// Reports

/// The operation a request was matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRef {
    /// Upper-case method.
    pub method: String,
    /// The spec's path template, relative to the server base, e.g. `/v1/detectors/{id}`.
    pub template: String,
    pub operation_id: String,
}

impl OperationRef {
    /// `"PATCH /v1/detectors/{id}"`: the key allow-lists use.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// The outcome of validating one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The request line (query decoded), for messages.
    pub request: String,
    /// The matched operation, when the path and method are in the spec.
    pub operation: Option<OperationRef>,
    /// Violations of the spec, human-readable.
    pub errors: Vec<String>,
    /// Things the spec allows but does not describe (e.g. undeclared properties where
    /// `additionalProperties` is open), human-readable.
    pub notes: Vec<String>,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The operation key, or `"<METHOD> <path> (not in the spec)"`.
    pub fn key(&self) -> String {
        match &self.operation {
            Some(op) => op.key(),
            None => format!("{} (not in the spec)", self.request),
        }
    }

    /// True when some error contains `needle`.
    pub fn has_error(&self, needle: &str) -> bool {
        self.errors.iter().any(|e| e.contains(needle))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.request)?;
        if let Some(op) = &self.operation {
            write!(f, " [{} \"{}\"]", op.key(), op.operation_id)?;
        }
        for error in &self.errors {
            write!(f, "\n  error: {error}")?;
        }
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Out {
    errors: Vec<String>,
    notes: Vec<String>,
}

impl Out {
    fn error(&mut self, at: &str, message: impl fmt::Display) {
        self.errors.push(format!("{at}: {message}"));
    }
    fn note(&mut self, at: &str, message: impl fmt::Display) {
        self.notes.push(format!("{at}: {message}"));
    }
    fn absorb(&mut self, other: Out) {
        self.errors.extend(other.errors);
        self.notes.extend(other.notes);
    }
}

// ---------------------------------------------------------------------------------------------
// The spec

/// Which specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dialect {
    /// Swagger 2.0 (`swagger: "2.0"`).
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
}

/// A loaded Swagger 2.0 or OpenAPI 3.x document.
#[derive(Debug)]
pub struct Spec {
    doc: Value,
    dialect: Dialect,
    /// Server base paths, e.g. `/device-api` (empty string for a root server).
    base_paths: Vec<String>,
    paths: Vec<PathEntry>,
}

#[derive(Debug)]
struct PathEntry {
    template: String,
    segments: Vec<Segment>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    /// `{name}` possibly with literal text around it, e.g. `{id}.json`.
    Param {
        prefix: String,
        name: String,
        suffix: String,
    },
}

/// Raw (still percent-encoded) path parameter values by name.
type PathParams = Vec<(String, String)>;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const MAX_DEPTH: usize = 64;

impl Spec {
    ///
    /// # Errors
    ///
    /// When the file cannot be read or is not a supported document (see [`from_str`](Self::from_str)).
    pub fn from_path(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
        Self::from_str(&text)
    }

    /// Parses a JSON or YAML document (Swagger 2.0, OpenAPI 3.0 or 3.1) and checks that every
    /// `$ref` resolves.
    ///
    /// # Errors
    ///
    /// When it does not parse, is another kind of document, has no `paths` or a dangling `$ref`.
    #[allow(clippy::should_implement_trait)] // a `String` error, not `FromStr`'s associated type
    pub fn from_str(text: &str) -> Result<Self, String> {
        let doc = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?
        } else {
            let docs = YamlLoader::load_from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
            let [doc] = docs.as_slice() else {
                return Err(format!("expected one YAML document, found {}", docs.len()));
            };
            yaml_to_json(doc, "#")?
        };
        let text_of = |key: &str| doc.get(key).and_then(Value::as_str).unwrap_or_default();
        let dialect = match (text_of("swagger"), text_of("openapi")) {
            ("2.0", _) => Dialect::Swagger2,
            (_, v) if v.starts_with("3.0") => Dialect::OpenApi30,
            (_, v) if v.starts_with("3.1") => Dialect::OpenApi31,
            (swagger, openapi) => {
                return Err(format!(
                    "expected Swagger 2.0 or OpenAPI 3.0/3.1, found swagger: {swagger:?}, openapi: {openapi:?}"
                ));
            }
        };
        let mut base_paths: Vec<String> = if dialect == Dialect::Swagger2 {
            doc.get("basePath")
                .and_then(Value::as_str)
                .map(|b| vec![b.trim_end_matches('/').to_owned()])
                .unwrap_or_default()
        } else {
            doc.get("servers")
                .and_then(Value::as_array)
                .map(|servers| {
                    servers
                        .iter()
                        .filter_map(|s| s.get("url").and_then(Value::as_str))
                        .map(server_base_path)
                        .collect()
                })
                .unwrap_or_default()
        };
        if base_paths.is_empty() {
            base_paths.push(String::new());
        }
        base_paths.sort();
        base_paths.dedup();
        let Some(path_items) = doc.get("paths").and_then(Value::as_object) else {
            return Err("the document has no `paths` object".to_owned());
        };
        let paths = path_items
            .keys()
            .map(|template| PathEntry {
                template: template.clone(),
                segments: parse_template(template),
            })
            .collect();
        let spec = Self {
            doc,
            dialect,
            base_paths,
            paths,
        };
        let mut dangling = Vec::new();
        spec.check_refs(&spec.doc, "#", &mut dangling);
        if !dangling.is_empty() {
            return Err(format!("unresolvable $ref(s): {}", dangling.join(", ")));
        }
        Ok(spec)
    }

    /// The kind of document.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The server base paths requests must start with.
    pub fn base_paths(&self) -> &[String] {
        &self.base_paths
    }

    /// Every operation of the spec as `"METHOD /template"`, sorted.
    pub fn operation_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for entry in &self.paths {
            let item = &self.doc["paths"][&entry.template];
            for method in METHODS {
                if item.get(method).is_some() {
                    keys.push(format!(
                        "{} {}",
                        method.to_ascii_uppercase(),
                        entry.template
                    ));
                }
            }
        }
        keys.sort();
        keys
    }

    fn check_refs(&self, value: &Value, at: &str, dangling: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref") {
                    match reference.as_str() {
                        Some(r) if self.lookup_ref(r).is_some() => {}
                        _ => dangling.push(format!("{reference} (at {at})")),
                    }
                }
                for (key, child) in map {
                    self.check_refs(child, &format!("{at}/{key}"), dangling);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    self.check_refs(child, &format!("{at}/{i}"), dangling);
                }
            }
            _ => {}
        }
    }

    fn lookup_ref(&self, reference: &str) -> Option<&Value> {
        reference
            .strip_prefix('#')
            .and_then(|pointer| self.doc.pointer(pointer))
    }

    /// Follows `$ref`s (siblings of a `$ref` are ignored, as OpenAPI 3.0 says).
    fn deref<'a>(&'a self, mut value: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..MAX_DEPTH {
            let Some(reference) = value.get("$ref") else {
                return Ok(value);
            };
            let reference = reference.as_str().ok_or("a $ref that is not a string")?;
            value = self
                .lookup_ref(reference)
                .ok_or_else(|| format!("unresolvable $ref {reference}"))?;
        }
        Err("$ref chain too deep (a cycle?)".to_owned())
    }

    /// Validates one captured request against the spec.
    pub fn validate(&self, request: &RecordedRequest) -> Report {
        let mut out = Out::default();
        let operation = self.validate_into(request, &mut out);
        Report {
            request: decoded_line(request),
            operation,
            errors: out.errors,
            notes: out.notes,
        }
    }

    fn validate_into(&self, request: &RecordedRequest, out: &mut Out) -> Option<OperationRef> {
        let method = request.method.to_ascii_lowercase();
        let Some(relative) = self.strip_base(&request.path) else {
            out.error(
                "path",
                format!(
                    "{} is not under the server base path ({})",
                    request.path,
                    self.base_paths.join(" or ")
                ),
            );
            return None;
        };
        let candidates = self.match_paths(relative);
        if candidates.is_empty() {
            out.error(
                "path",
                format!("no path template in the spec matches {relative}"),
            );
            return None;
        }
        // The most literal template that has this method (`/a/by-name` over `/a/{id}` for GET, but
        // `/a/{id}` for a DELETE only it declares); else the most literal one, for the error.
        let with_method = candidates.iter().position(|(entry, _)| {
            self.deref(&self.doc["paths"][&entry.template])
                .is_ok_and(|item| item.get(&method).is_some())
        });
        let (entry, raw_params) = candidates
            .into_iter()
            .nth(with_method.unwrap_or(0))
            .expect("candidates is not empty");
        let item = self.deref(&self.doc["paths"][&entry.template]).ok()?;
        let Some(operation) = item.get(&method) else {
            let allowed: Vec<String> = METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            out.error(
                "method",
                format!(
                    "{} is not an operation of {} (the spec allows {})",
                    request.method,
                    entry.template,
                    allowed.join(", ")
                ),
            );
            return None;
        };
        let op_ref = OperationRef {
            method: request.method.clone(),
            template: entry.template.clone(),
            operation_id: operation
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        };
        let parameters = self.parameters(item, operation, out);
        self.check_path_params(&parameters, &raw_params, out);
        let mut known_query: BTreeSet<String> = BTreeSet::new();
        self.check_security(operation, request, &mut known_query, out);
        self.check_query(&parameters, request, &mut known_query, out);
        self.check_headers(&parameters, request, out);
        self.check_body(operation, &parameters, request, out);
        Some(op_ref)
    }

    fn strip_base<'p>(&self, path: &'p str) -> Option<&'p str> {
        // Longest base first, so `/device-api` wins over a root server.
        let mut bases: Vec<&String> = self.base_paths.iter().collect();
        bases.sort_by_key(|b| std::cmp::Reverse(b.len()));
        bases.into_iter().find_map(|base| {
            let rest = path.strip_prefix(base.as_str())?;
            (rest.starts_with('/') || (rest.is_empty() && base.is_empty())).then_some(rest)
        })
    }

    /// Every matching template with its raw path parameter values, most literal segments first.
    fn match_paths(&self, relative: &str) -> Vec<(&PathEntry, PathParams)> {
        let segments: Vec<&str> = relative
            .strip_prefix('/')
            .unwrap_or(relative)
            .split('/')
            .collect();
        let mut found: Vec<(usize, &PathEntry, PathParams)> = Vec::new();
        for entry in &self.paths {
            if entry.segments.len() != segments.len() {
                continue;
            }
            let mut params = Vec::new();
            let mut literals = 0;
            let matched = entry
                .segments
                .iter()
                .zip(&segments)
                .all(|(template, actual)| match template {
                    Segment::Literal(text) => {
                        literals += 1;
                        text == actual
                    }
                    Segment::Param {
                        prefix,
                        name,
                        suffix,
                    } => {
                        let Some(value) = actual
                            .strip_prefix(prefix.as_str())
                            .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                        else {
                            return false;
                        };
                        if value.is_empty() {
                            return false;
                        }
                        params.push((name.clone(), value.to_owned()));
                        true
                    }
                });
            if matched {
                found.push((literals, entry, params));
            }
        }
        // Stable: among equally literal templates the spec's order decides, as before.
        found.sort_by_key(|(literals, _, _)| std::cmp::Reverse(*literals));
        found
            .into_iter()
            .map(|(_, entry, params)| (entry, params))
            .collect()
    }

    /// Path-item parameters overridden by operation parameters with the same name and location.
    fn parameters<'a>(
        &'a self,
        item: &'a Value,
        operation: &'a Value,
        out: &mut Out,
    ) -> Vec<&'a Value> {
        let mut merged: Vec<&Value> = Vec::new();
        for list in [item.get("parameters"), operation.get("parameters")]
            .into_iter()
            .flatten()
        {
            for parameter in list.as_array().into_iter().flatten() {
                let parameter = match self.deref(parameter) {
                    Ok(p) => p,
                    Err(e) => {
                        out.error("spec", e);
                        continue;
                    }
                };
                let key = (parameter.get("name"), parameter.get("in"));
                merged.retain(|p| (p.get("name"), p.get("in")) != key);
                merged.push(parameter);
            }
        }
        merged
    }

    fn check_path_params(&self, parameters: &[&Value], raw: &[(String, String)], out: &mut Out) {
        for (name, raw_value) in raw {
            let value = percent_decode(raw_value, false);
            let declared = parameters.iter().find(|p| {
                p.get("in").and_then(Value::as_str) == Some("path")
                    && p.get("name").and_then(Value::as_str) == Some(name.as_str())
            });
            let at = format!("path parameter {name}");
            match declared {
                Some(parameter) => self.check_param_value(parameter, &[value], &at, out),
                None => out.note(&at, "not declared by the operation"),
            }
        }
    }

    fn check_query(
        &self,
        parameters: &[&Value],
        request: &RecordedRequest,
        known: &mut BTreeSet<String>,
        out: &mut Out,
    ) {
        let declared: Vec<&&Value> = parameters
            .iter()
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
            .collect();
        for parameter in &declared {
            let name = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            known.insert(name.to_owned());
            let values: Vec<String> = request
                .query
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .collect();
            let at = format!("query parameter {name}");
            if values.is_empty() {
                if parameter.get("required") == Some(&Value::Bool(true)) {
                    out.error(&at, "required but missing");
                }
                continue;
            }
            self.check_param_value(parameter, &values, &at, out);
        }
        let declared_names: Vec<&str> = declared
            .iter()
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        let mut reported = BTreeSet::new();
        for (name, _) in &request.query {
            if !known.contains(name) && reported.insert(name.clone()) {
                let listing = if declared_names.is_empty() {
                    "the operation declares none".to_owned()
                } else {
                    format!("the operation declares {}", declared_names.join(", "))
                };
                out.error(
                    &format!("query parameter {name:?}"),
                    format!("unknown ({listing})"),
                );
            }
        }
    }

    fn check_headers(&self, parameters: &[&Value], request: &RecordedRequest, out: &mut Out) {
        for parameter in parameters {
            if parameter.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let name = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let values: Vec<String> = request
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .collect();
            let at = format!("header {name}");
            if values.is_empty() {
                if parameter.get("required") == Some(&Value::Bool(true)) {
                    out.error(&at, "required but missing");
                }
                continue;
            }
            self.check_param_value(parameter, &values, &at, out);
        }
    }

    /// Checks one parameter's string values against its schema.
    fn check_param_value(&self, parameter: &Value, values: &[String], at: &str, out: &mut Out) {
        let inline;
        let schema = match parameter.get("schema") {
            Some(schema) => schema,
            // Swagger 2.0: the parameter carries its schema keywords itself.
            None if parameter.get("type").is_some() => {
                inline = inline_schema(parameter);
                &inline
            }
            None => return, // `content`-style parameters: not checked
        };
        let resolved = match self.deref(schema) {
            Ok(s) => s,
            Err(e) => return out.error(at, e),
        };
        // Swagger 2.0 arrays are comma-separated unless `collectionFormat: multi` (repeated);
        // OpenAPI 3 query arrays default to `form` + `explode`, i.e. repeated.
        let inline_array =
            parameter.get("schema").is_none() && first_type(resolved).as_deref() == Some("array");
        let separator = match parameter.get("collectionFormat").and_then(Value::as_str) {
            Some("multi") => None,
            Some("ssv") => Some(' '),
            Some("tsv") => Some('\t'),
            Some("pipes") => Some('|'),
            _ => Some(','),
        };
        let split: Vec<String>;
        let values = match separator {
            Some(separator) if inline_array => {
                split = values
                    .iter()
                    .flat_map(|v| v.split(separator).map(str::to_owned))
                    .collect();
                &split
            }
            _ => values,
        };
        let value = if first_type(resolved).as_deref() == Some("array") {
            let items = resolved.get("items").cloned().unwrap_or(Value::Null);
            let mut array = Vec::new();
            for (i, raw) in values.iter().enumerate() {
                match self.coerce(&items, raw) {
                    Ok(v) => array.push(v),
                    Err(e) => out.error(&format!("{at}[{i}]"), e),
                }
            }
            Value::Array(array)
        } else {
            if values.len() > 1 {
                out.error(
                    at,
                    format!(
                        "given {} times but its schema is not an array",
                        values.len()
                    ),
                );
            }
            match self.coerce(schema, &values[0]) {
                Ok(v) => v,
                Err(e) => return out.error(at, e),
            }
        };
        self.check(schema, &value, at, true, out, 0);
    }

    /// Turns a textual value (query, path, header, form field) into JSON by its schema's type.
    fn coerce(&self, schema: &Value, raw: &str) -> Result<Value, String> {
        let schema = self.deref(schema)?;
        let ty = schema_type(self, schema);
        match ty.as_deref() {
            Some("integer") => raw
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("expected an integer, got {raw:?}")),
            Some("number") => raw
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("expected a number, got {raw:?}")),
            Some("boolean") => match raw {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("expected a boolean (true or false), got {raw:?}")),
            },
            Some("object") => Err(format!(
                "object-valued fields are not supported here, got {raw:?}"
            )),
            _ => Ok(Value::String(raw.to_owned())),
        }
    }

    fn check_security(
        &self,
        operation: &Value,
        request: &RecordedRequest,
        known_query: &mut BTreeSet<String>,
        out: &mut Out,
    ) {
        let requirements = operation
            .get("security")
            .or_else(|| self.doc.get("security"));
        let Some(requirements) = requirements.and_then(Value::as_array) else {
            return;
        };
        if requirements.is_empty() {
            return;
        }
        let mut failures = Vec::new();
        for requirement in requirements {
            let Some(schemes) = requirement.as_object() else {
                continue;
            };
            let mut missing = Vec::new();
            for scheme_name in schemes.keys() {
                let pointer = match self.dialect {
                    Dialect::Swagger2 => format!("/securityDefinitions/{scheme_name}"),
                    _ => format!("/components/securitySchemes/{scheme_name}"),
                };
                let Some(scheme) = self.doc.pointer(&pointer).and_then(|s| self.deref(s).ok())
                else {
                    missing.push(format!("{scheme_name} (not defined in the spec)"));
                    continue;
                };
                let name = scheme
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ok = match (
                    scheme.get("type").and_then(Value::as_str),
                    scheme.get("in").and_then(Value::as_str),
                ) {
                    (Some("apiKey"), Some("header")) => {
                        request.header(name).is_some_and(|v| !v.trim().is_empty())
                    }
                    (Some("apiKey"), Some("query")) => {
                        known_query.insert(name.to_owned());
                        request
                            .query
                            .iter()
                            .any(|(n, v)| n == name && !v.is_empty())
                    }
                    (Some("apiKey"), Some("cookie")) => request.header("cookie").is_some_and(|c| {
                        c.split(';')
                            .any(|kv| kv.trim().starts_with(&format!("{name}=")))
                    }),
                    (Some("basic"), _) => request.header("authorization").is_some_and(|v| {
                        v.split_whitespace()
                            .next()
                            .is_some_and(|s| s.eq_ignore_ascii_case("basic"))
                    }),
                    (Some("http"), _) => {
                        let wanted = scheme
                            .get("scheme")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        request.header("authorization").is_some_and(|v| {
                            v.split_whitespace()
                                .next()
                                .is_some_and(|s| s.eq_ignore_ascii_case(wanted))
                        })
                    }
                    _ => true, // oauth2 / openIdConnect: not checked
                };
                if !ok {
                    let location = scheme.get("in").and_then(Value::as_str).unwrap_or("header");
                    missing.push(format!("{scheme_name} ({location} {name})"));
                }
            }
            if missing.is_empty() {
                return; // this alternative is satisfied
            }
            failures.push(missing.join(" + "));
        }
        out.error(
            "security",
            format!("credentials missing: {}", failures.join(" or ")),
        );
    }

    /// Swagger 2.0: the OpenAPI 3 `requestBody` equivalent of an operation's `in: body` or
    /// `in: formData` parameters, with `consumes` as its media types.
    fn swagger2_request_body(&self, parameters: &[&Value], operation: &Value) -> Option<Value> {
        let consumes: Vec<String> = operation
            .get("consumes")
            .or_else(|| self.doc.get("consumes"))
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let content = |default: &str, schema: Value| -> Value {
            let types = if consumes.is_empty() {
                vec![default.to_owned()]
            } else {
                consumes.clone()
            };
            let map: Map<String, Value> = types
                .into_iter()
                .map(|t| (t, serde_json::json!({ "schema": schema.clone() })))
                .collect();
            Value::Object(map)
        };
        let located = |place: &str| -> Vec<&Value> {
            parameters
                .iter()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some(place))
                .copied()
                .collect()
        };
        if let Some(body) = located("body").first() {
            return Some(serde_json::json!({
                "required": body.get("required").cloned().unwrap_or(Value::Bool(false)),
                "content": content("application/json", body.get("schema").cloned().unwrap_or_default()),
            }));
        }
        let fields = located("formData");
        if fields.is_empty() {
            return None;
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut has_file = false;
        for field in &fields {
            let name = field
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mut schema = inline_schema(field);
            if schema.get("type").and_then(Value::as_str) == Some("file") {
                has_file = true;
                schema = serde_json::json!({ "type": "string", "format": "binary" });
            }
            properties.insert(name.to_owned(), schema);
            if field.get("required") == Some(&Value::Bool(true)) {
                required.push(Value::String(name.to_owned()));
            }
        }
        let default = if has_file {
            "multipart/form-data"
        } else {
            "application/x-www-form-urlencoded"
        };
        Some(serde_json::json!({
            "required": !required.is_empty(),
            "content": content(default, serde_json::json!({
                "type": "object", "properties": properties, "required": required,
            })),
        }))
    }

    fn check_body(
        &self,
        operation: &Value,
        parameters: &[&Value],
        request: &RecordedRequest,
        out: &mut Out,
    ) {
        let content_type = request.header("content-type");
        let synthesised = match self.dialect {
            Dialect::Swagger2 => self.swagger2_request_body(parameters, operation),
            _ => None,
        };
        let Some(request_body) = synthesised
            .as_ref()
            .or_else(|| operation.get("requestBody"))
        else {
            if !request.body.is_empty() {
                out.error(
                    "body",
                    format!(
                        "{} bytes sent, but the operation takes no request body",
                        request.body.len()
                    ),
                );
            }
            return;
        };
        let request_body = match self.deref(request_body) {
            Ok(b) => b,
            Err(e) => return out.error("body", e),
        };
        let required = request_body.get("required") == Some(&Value::Bool(true));
        if request.body.is_empty() {
            if required {
                out.error("body", "required but empty");
            }
            return;
        }
        let Some(content_type) = content_type else {
            return out.error("header Content-Type", "missing although a body is sent");
        };
        let media_type = media_type_of(content_type);
        let Some(content) = request_body.get("content").and_then(Value::as_object) else {
            return;
        };
        let entry = content
            .iter()
            .find(|(key, _)| media_type_of(key) == media_type)
            .or_else(|| {
                content
                    .iter()
                    .find(|(key, _)| media_type_matches(&media_type_of(key), &media_type))
            });
        let Some((declared, media)) = entry else {
            let mut accepted: Vec<&str> = content.keys().map(String::as_str).collect();
            accepted.sort_unstable(); // the same message whatever the map's key order

            return out.error(
                "header Content-Type",
                format!(
                    "{content_type:?} is not accepted (the operation accepts {})",
                    accepted.join(", ")
                ),
            );
        };
        let schema = media
            .get("schema")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        if media_type == "application/json" || media_type.ends_with("+json") {
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(value) => self.check(&schema, &value, "body", false, out, 0),
                Err(e) => out.error("body", format!("not valid JSON: {e}")),
            }
        } else if media_type == "application/x-www-form-urlencoded" {
            let text = String::from_utf8_lossy(&request.body);
            let fields: Vec<FormField> = parse_query(&text)
                .into_iter()
                .map(|(name, value)| FormField {
                    name,
                    filename: None,
                    data: value.into_bytes(),
                })
                .collect();
            self.check_form(&schema, &fields, out);
        } else if media_type == "multipart/form-data" {
            let Some(boundary) = content_type_param(content_type, "boundary") else {
                return out.error(
                    "header Content-Type",
                    "multipart/form-data without a boundary",
                );
            };
            match parse_multipart(&request.body, &boundary) {
                Ok(fields) => self.check_form(&schema, &fields, out),
                Err(e) => out.error("body", format!("malformed multipart/form-data: {e}")),
            }
        } else {
            // Raw bytes: the schema is `type: string, format: binary` (anything else is unusual).
            let resolved = self.deref(&schema).unwrap_or(&schema);
            let format = resolved.get("format").and_then(Value::as_str);
            if resolved.get("type").is_some() && format != Some("binary") {
                out.note(
                    "body",
                    format!("raw {media_type} body for a non-binary schema; not checked"),
                );
            }
            if media_type.starts_with("image/") {
                match sniff_image(&request.body) {
                    Some(actual) if !same_image_type(actual, &media_type) => out.error(
                        "body",
                        format!("the bytes are {actual} but Content-Type says {media_type}"),
                    ),
                    Some(_) => {}
                    None => out.note(
                        "body",
                        format!("the bytes are not a recognisable image ({declared})"),
                    ),
                }
            }
        }
    }

    /// Validates form fields (urlencoded or multipart) as an object against `schema`.
    fn check_form(&self, schema: &Value, fields: &[FormField], out: &mut Out) {
        let resolved = match self.deref(schema) {
            Ok(s) => s,
            Err(e) => return out.error("body", e),
        };
        let properties = self.declared_properties(resolved);
        let mut object = Map::new();
        let mut names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        names.dedup();
        let mut seen = BTreeSet::new();
        for name in names {
            if !seen.insert(name) {
                continue;
            }
            let at = format!("body.{name}");
            let parts: Vec<&FormField> = fields.iter().filter(|f| f.name == name).collect();
            let property = properties.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
            let property_resolved = property.and_then(|p| self.deref(p).ok());
            let is_array = property_resolved
                .and_then(|p| p.get("type"))
                .and_then(Value::as_str)
                == Some("array");
            let item_schema = if is_array {
                property_resolved.and_then(|p| p.get("items"))
            } else {
                property
            };
            let mut values = Vec::new();
            for part in &parts {
                match self.form_value(item_schema, part) {
                    Ok(v) => values.push(v),
                    Err(e) => out.error(&at, e),
                }
            }
            if values.len() != parts.len() {
                continue;
            }
            let value = if is_array {
                Value::Array(values)
            } else {
                if values.len() > 1 {
                    out.error(
                        &at,
                        format!(
                            "given {} times but its schema is not an array",
                            values.len()
                        ),
                    );
                }
                values.swap_remove(0)
            };
            object.insert(name.to_owned(), value);
        }
        self.check(schema, &Value::Object(object), "body", false, out, 0);
    }

    fn form_value(&self, schema: Option<&Value>, field: &FormField) -> Result<Value, String> {
        let resolved = schema.and_then(|s| self.deref(s).ok());
        let binary = resolved
            .and_then(|s| s.get("format"))
            .and_then(Value::as_str)
            == Some("binary");
        if binary {
            return Ok(Value::String(format!("<{} bytes>", field.data.len())));
        }
        if field.filename.is_some() && resolved.is_none() {
            return Ok(Value::String(format!("<file, {} bytes>", field.data.len())));
        }
        let text = std::str::from_utf8(&field.data)
            .map_err(|_| "a text field that is not UTF-8".to_owned())?;
        match schema {
            Some(schema) => self.coerce(schema, text),
            None => Ok(Value::String(text.to_owned())),
        }
    }

    /// `properties` of a schema and of its `allOf` members, recursively.
    fn declared_properties<'a>(&'a self, schema: &'a Value) -> Vec<(String, &'a Value)> {
        let mut found = Vec::new();
        self.collect_properties(schema, &mut found, 0);
        found
    }

    fn collect_properties<'a>(
        &'a self,
        schema: &'a Value,
        found: &mut Vec<(String, &'a Value)>,
        depth: usize,
    ) {
        let Ok(schema) = self.deref(schema) else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                if !found.iter().any(|(n, _)| n == name) {
                    found.push((name.clone(), property));
                }
            }
        }
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.collect_properties(member, found, depth + 1);
        }
    }

    /// Validates `value` against `schema` (request direction). `in_all_of` suppresses the
    /// undeclared-property notes of an `allOf` member (its siblings may declare them).
    fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        in_all_of: bool,
        out: &mut Out,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return out.error(at, "schema nesting too deep");
        }
        let schema = match self.deref(schema) {
            Ok(s) => s,
            Err(e) => return out.error(at, e),
        };
        let Some(keywords) = schema.as_object() else {
            return; // `true` / `{}`-like: anything goes
        };
        let enum_values = keywords.get("enum").and_then(Value::as_array);
        if value.is_null() {
            let nullable = keywords.get("nullable") == Some(&Value::Bool(true))
                || keywords.get("x-nullable") == Some(&Value::Bool(true))
                || types_of(keywords).iter().any(|t| t == "null")
                || enum_values.is_some_and(|e| e.contains(&Value::Null));
            if nullable {
                return;
            }
            let composed = ["allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| keywords.contains_key(*k));
            if !composed || keywords.contains_key("type") {
                return out.error(at, "null is not allowed (the schema is not nullable)");
            }
        }
        let types = types_of(keywords);
        if !types.is_empty() && !types.iter().any(|ty| type_matches(ty, value)) {
            let expected: Vec<String> = types.iter().map(|t| article(t)).collect();
            return out.error(
                at,
                format!(
                    "expected {}, got {}",
                    expected.join(" or "),
                    describe(value)
                ),
            );
        }
        if let Some(constant) = keywords.get("const")
            && constant != value
        {
            return out.error(at, format!("{value} is not the constant {constant}"));
        }
        if let Some(allowed) = enum_values
            && !allowed.contains(value)
        {
            let listing: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return out.error(
                at,
                format!("{} is not one of {}", value, listing.join(", ")),
            );
        }
        match value {
            Value::String(text) => self.check_string(keywords, text, at, out),
            Value::Number(number) => check_number(keywords, number, at, out),
            Value::Array(items) => self.check_array(keywords, items, at, out, depth),
            Value::Object(map) => {
                self.check_object(schema, keywords, map, at, in_all_of, out, depth)
            }
            Value::Bool(_) | Value::Null => {}
        }
        if let Some(members) = keywords.get("allOf").and_then(Value::as_array) {
            for member in members {
                self.check(member, value, at, true, out, depth + 1);
            }
        }
        if let Some(members) = keywords.get("anyOf").and_then(Value::as_array) {
            let attempts: Vec<(String, Out)> = members
                .iter()
                .enumerate()
                .map(|(i, member)| {
                    let mut attempt = Out::default();
                    self.check(member, value, at, in_all_of, &mut attempt, depth + 1);
                    (alternative_name(member, i), attempt)
                })
                .collect();
            match attempts.into_iter().find(|(_, a)| a.errors.is_empty()) {
                Some((_, attempt)) => out.absorb(attempt),
                None => out.error(
                    at,
                    format!("matches none of the anyOf alternatives ({})", {
                        let names: Vec<String> = members
                            .iter()
                            .enumerate()
                            .map(|(i, m)| alternative_name(m, i))
                            .collect();
                        names.join(", ")
                    }),
                ),
            }
        }
        if let Some(members) = keywords.get("oneOf").and_then(Value::as_array) {
            self.check_one_of(members, value, at, in_all_of, out, depth);
        }
    }

    fn check_one_of(
        &self,
        members: &[Value],
        value: &Value,
        at: &str,
        in_all_of: bool,
        out: &mut Out,
        depth: usize,
    ) {
        struct Attempt {
            name: String,
            out: Out,
            closed: bool,
        }
        let attempts: Vec<Attempt> = members
            .iter()
            .enumerate()
            .map(|(i, member)| {
                let mut attempt = Out::default();
                self.check(member, value, at, in_all_of, &mut attempt, depth + 1);
                Attempt {
                    name: alternative_name(member, i),
                    out: attempt,
                    closed: self.fits_closed(member, value),
                }
            })
            .collect();
        let matching: Vec<&Attempt> = attempts
            .iter()
            .filter(|a| a.out.errors.is_empty())
            .collect();
        // Objects: some alternative must match closed (see the module docs); other values: exactly one.
        let chosen = if value.is_object() {
            matching.iter().find(|a| a.closed).copied()
        } else {
            match matching.as_slice() {
                [only] => Some(*only),
                _ => None,
            }
        };
        let Some(chosen) = chosen else {
            let exactly = if matching.is_empty() { "" } else { " exactly" };
            let reasons: Vec<String> = attempts
                .iter()
                .zip(members)
                .map(|(a, member)| {
                    let reason = match a.out.errors.first() {
                        Some(first) => first
                            .strip_prefix(&format!("{at}: "))
                            .unwrap_or(first)
                            .to_owned(),
                        None => format!(
                            "undeclared {}",
                            self.undeclared_keys(member, value).join(", ")
                        ),
                    };
                    format!("{}: {reason}", a.name)
                })
                .collect();
            return out.error(
                at,
                format!(
                    "matches none of the oneOf alternatives{exactly} [{}]",
                    reasons.join("; ")
                ),
            );
        };
        out.errors.extend(chosen.out.errors.iter().cloned());
        out.notes.extend(chosen.out.notes.iter().cloned());
    }

    /// For an object value and an object schema: every property of the value is declared.
    fn fits_closed(&self, schema: &Value, value: &Value) -> bool {
        self.undeclared_keys(schema, value).is_empty()
    }

    /// The properties of an object value that an object schema does not declare.
    fn undeclared_keys(&self, schema: &Value, value: &Value) -> Vec<String> {
        let (Some(map), Ok(resolved)) = (value.as_object(), self.deref(schema)) else {
            return Vec::new();
        };
        let declared = self.declared_properties(resolved);
        if declared.is_empty() && resolved.get("type").and_then(Value::as_str) != Some("object") {
            return Vec::new();
        }
        map.keys()
            .filter(|key| !declared.iter().any(|(n, _)| n == *key))
            .cloned()
            .collect()
    }

    fn check_string(&self, keywords: &Map<String, Value>, text: &str, at: &str, out: &mut Out) {
        let format = keywords.get("format").and_then(Value::as_str);
        if format != Some("binary") && format != Some("byte") {
            let length = text.chars().count() as u64;
            if let Some(min) = keywords.get("minLength").and_then(Value::as_u64)
                && length < min
            {
                out.error(at, format!("{length} characters, below minLength {min}"));
            }
            if let Some(max) = keywords.get("maxLength").and_then(Value::as_u64)
                && length > max
            {
                out.error(at, format!("{length} characters, above maxLength {max}"));
            }
        }
        let well_formed = match format {
            Some("date-time") => is_date_time(text),
            Some("date") => is_date(text),
            Some("uri") => is_uri(text),
            Some("uuid") => is_uuid(text),
            Some("email") => text
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.')),
            _ => true,
        };
        if !well_formed {
            out.error(
                at,
                format!("{text:?} is not a valid {}", format.unwrap_or_default()),
            );
        }
        if keywords.contains_key("pattern") {
            out.note(at, "`pattern` is not evaluated by this validator");
        }
    }

    fn check_array(
        &self,
        keywords: &Map<String, Value>,
        items: &[Value],
        at: &str,
        out: &mut Out,
        depth: usize,
    ) {
        let count = items.len() as u64;
        if let Some(min) = keywords.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            out.error(at, format!("{count} items, below minItems {min}"));
        }
        if let Some(max) = keywords.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            out.error(at, format!("{count} items, above maxItems {max}"));
        }
        if keywords.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    out.error(&format!("{at}[{i}]"), "duplicate item (uniqueItems)");
                }
            }
        }
        if let Some(item_schema) = keywords.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(
                    item_schema,
                    item,
                    &format!("{at}[{i}]"),
                    false,
                    out,
                    depth + 1,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_object(
        &self,
        schema: &Value,
        keywords: &Map<String, Value>,
        map: &Map<String, Value>,
        at: &str,
        in_all_of: bool,
        out: &mut Out,
        depth: usize,
    ) {
        let own = keywords.get("properties").and_then(Value::as_object);
        let declared = self.declared_properties(schema);
        if let Some(own) = own {
            for (name, property) in own {
                let Some(child) = map.get(name) else { continue };
                let child_at = format!("{at}.{name}");
                if self.is_read_only(property) {
                    out.error(&child_at, "read-only property sent in a request");
                    continue;
                }
                self.check(property, child, &child_at, false, out, depth + 1);
            }
        }
        for name in keywords
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = name.as_str() else { continue };
            if map.contains_key(name) {
                continue;
            }
            // OpenAPI 3.0: a required read-only property is required in responses only.
            let read_only = declared
                .iter()
                .any(|(n, p)| n == name && self.is_read_only(p));
            if !read_only {
                out.error(&format!("{at}.{name}"), "required property missing");
            }
        }
        let count = map.len() as u64;
        if let Some(min) = keywords.get("minProperties").and_then(Value::as_u64)
            && count < min
        {
            out.error(at, format!("{count} properties, below minProperties {min}"));
        }
        if let Some(max) = keywords.get("maxProperties").and_then(Value::as_u64)
            && count > max
        {
            out.error(at, format!("{count} properties, above maxProperties {max}"));
        }
        let undeclared: Vec<&String> = map
            .keys()
            .filter(|key| !declared.iter().any(|(n, _)| n == *key))
            .collect();
        match keywords.get("additionalProperties") {
            Some(Value::Bool(false)) => {
                for key in undeclared {
                    out.error(
                        &format!("{at}.{key}"),
                        "property not allowed (additionalProperties: false)",
                    );
                }
            }
            Some(extra @ Value::Object(extra_keywords)) if !extra_keywords.is_empty() => {
                for key in undeclared {
                    self.check(
                        extra,
                        &map[key],
                        &format!("{at}.{key}"),
                        false,
                        out,
                        depth + 1,
                    );
                }
            }
            Some(_) => {} // `true` or `{}`: explicitly open
            None => {
                if !in_all_of && !declared.is_empty() {
                    for key in undeclared {
                        out.note(
                            &format!("{at}.{key}"),
                            "property not declared by the schema (allowed)",
                        );
                    }
                }
            }
        }
    }

    fn is_read_only(&self, property: &Value) -> bool {
        property.get("readOnly") == Some(&Value::Bool(true))
            || self
                .deref(property)
                .is_ok_and(|p| p.get("readOnly") == Some(&Value::Bool(true)))
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

struct FormField {
    name: String,
    filename: Option<String>,
    data: Vec<u8>,
}

/// `"METHOD /path?k=v&…"` with the query pairs decoded, for messages.
fn decoded_line(request: &RecordedRequest) -> String {
    if request.query.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{} {}?{}", request.method, request.path, query.join("&"))
    }
}

/// The type a parameter schema implies, looking through `allOf` members.
fn schema_type(spec: &Spec, schema: &Value) -> Option<String> {
    if let Some(ty) = first_type(schema) {
        return Some(ty);
    }
    for member in ["allOf", "anyOf", "oneOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
    {
        if let Some(ty) = spec.deref(member).ok().and_then(|m| schema_type(spec, m)) {
            return Some(ty);
        }
    }
    None
}

/// The `type` keyword as a list (OpenAPI 3.1 allows an array of types).
fn types_of(keywords: &Map<String, Value>) -> Vec<String> {
    match keywords.get("type") {
        Some(Value::String(ty)) => vec![ty.clone()],
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The first non-null type of a schema.
fn first_type(schema: &Value) -> Option<String> {
    schema
        .as_object()
        .map(types_of)
        .unwrap_or_default()
        .into_iter()
        .find(|t| t != "null")
}

/// A Swagger 2.0 parameter's own schema keywords (without `name`, `in`, `required`, …).
fn inline_schema(parameter: &Value) -> Value {
    let mut schema = parameter.as_object().cloned().unwrap_or_default();
    for key in [
        "name",
        "in",
        "required",
        "description",
        "collectionFormat",
        "allowEmptyValue",
    ] {
        schema.remove(key);
    }
    Value::Object(schema)
}

fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "null" => value.is_null(),
        "file" => value.is_string(),
        _ => true,
    }
}

fn article(ty: &str) -> String {
    match ty {
        "object" | "array" | "integer" => format!("an {ty}"),
        _ => format!("a {ty}"),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn check_number(keywords: &Map<String, Value>, number: &Number, at: &str, out: &mut Out) {
    let Some(n) = number.as_f64() else { return };
    let exclusive = |key: &str| keywords.get(key) == Some(&Value::Bool(true));
    // OpenAPI 3.1 (JSON Schema 2020-12): numeric exclusive bounds.
    if let Some(min) = keywords.get("exclusiveMinimum").and_then(Value::as_f64)
        && n <= min
    {
        out.error(
            at,
            format!("{number} is not above the exclusive minimum {min}"),
        );
    }
    if let Some(max) = keywords.get("exclusiveMaximum").and_then(Value::as_f64)
        && n >= max
    {
        out.error(
            at,
            format!("{number} is not below the exclusive maximum {max}"),
        );
    }
    if let Some(min) = keywords.get("minimum").and_then(Value::as_f64) {
        if exclusive("exclusiveMinimum") && n <= min {
            out.error(
                at,
                format!("{number} is not above the exclusive minimum {min}"),
            );
        } else if n < min {
            out.error(at, format!("{number} is below the minimum {min}"));
        }
    }
    if let Some(max) = keywords.get("maximum").and_then(Value::as_f64) {
        if exclusive("exclusiveMaximum") && n >= max {
            out.error(
                at,
                format!("{number} is not below the exclusive maximum {max}"),
            );
        } else if n > max {
            out.error(at, format!("{number} is above the maximum {max}"));
        }
    }
    if let Some(step) = keywords.get("multipleOf").and_then(Value::as_f64)
        && step > 0.0
    {
        let ratio = n / step;
        if (ratio - ratio.round()).abs() > 1e-9 {
            out.error(at, format!("{number} is not a multiple of {step}"));
        }
    }
    let range = match keywords.get("format").and_then(Value::as_str) {
        Some("int32") => Some((f64::from(i32::MIN), f64::from(i32::MAX))),
        _ => None,
    };
    if let Some((lo, hi)) = range
        && !(lo..=hi).contains(&n)
    {
        out.error(at, format!("{number} does not fit format int32"));
    }
    if keywords.get("format").and_then(Value::as_str) == Some("int64") && number.is_f64() {
        out.error(at, format!("{number} is not an int64"));
    }
}

fn alternative_name(member: &Value, index: usize) -> String {
    member
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map_or_else(|| format!("#{index}"), str::to_owned)
}

/// `https://host/device-api/` → `/device-api`; `https://host` → ``.
fn server_base_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.trim_end_matches('/').to_owned()
}

fn parse_template(template: &str) -> Vec<Segment> {
    template
        .strip_prefix('/')
        .unwrap_or(template)
        .split('/')
        .map(|segment| match (segment.find('{'), segment.find('}')) {
            (Some(open), Some(close)) if open < close => Segment::Param {
                prefix: segment[..open].to_owned(),
                name: segment[open + 1..close].to_owned(),
                suffix: segment[close + 1..].to_owned(),
            },
            _ => Segment::Literal(segment.to_owned()),
        })
        .collect()
}

/// `Image/JPEG; charset=x` → `image/jpeg`.
fn media_type_of(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `declared` may use wildcards (`image/*`, `*/*`).
fn media_type_matches(declared: &str, actual: &str) -> bool {
    if declared == "*/*" {
        return true;
    }
    match (declared.split_once('/'), actual.split_once('/')) {
        (Some((dt, ds)), Some((at, as_))) => dt == at && (ds == "*" || ds == as_),
        _ => false,
    }
}

fn content_type_param(content_type: &str, wanted: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case(wanted)
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<FormField>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut fields = Vec::new();
    let mut position =
        find(body, &delimiter, 0).ok_or("the opening boundary is missing")? + delimiter.len();
    loop {
        if body[position..].starts_with(b"--") {
            return Ok(fields);
        }
        if !body[position..].starts_with(b"\r\n") {
            return Err("a boundary not followed by CRLF".to_owned());
        }
        let headers_start = position + 2;
        let headers_end =
            find(body, b"\r\n\r\n", headers_start).ok_or("a part without a header end")?;
        let headers = String::from_utf8_lossy(&body[headers_start..headers_end]);
        let mut close = delimiter.clone();
        close.splice(0..0, *b"\r\n");
        let data_start = headers_end + 4;
        let data_end = find(body, &close, data_start).ok_or("the closing boundary is missing")?;
        let disposition = headers
            .split("\r\n")
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then(|| value.trim().to_owned())
            })
            .ok_or("a part without Content-Disposition")?;
        let name = content_type_param(&disposition, "name").ok_or("a part without a name")?;
        let filename = content_type_param(&disposition, "filename");
        fields.push(FormField {
            name,
            filename,
            data: body[data_start..data_end].to_vec(),
        });
        position = data_end + close.len();
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The image format the leading bytes announce.
fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"BM") {
        Some("image/bmp")
    } else if bytes.starts_with(&[0, 0, 1, 0]) {
        Some("image/x-icon")
    } else {
        None
    }
}

fn same_image_type(sniffed: &str, declared: &str) -> bool {
    let canonical = |t: &str| {
        if t == "image/jpg" {
            "image/jpeg".to_owned()
        } else {
            t.to_owned()
        }
    };
    canonical(sniffed) == canonical(declared)
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(text: &str) -> bool {
    let Some((date, time)) = text.split_once(['T', 't', ' ']) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let t = time.as_bytes();
    if t.len() < 9
        || t[2] != b':'
        || t[5] != b':'
        || ![0, 1, 3, 4, 6, 7].iter().all(|&i| t[i].is_ascii_digit())
    {
        return false;
    }
    let mut rest = &time[8..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    match rest {
        "Z" | "z" => true,
        offset => {
            let o = offset.as_bytes();
            o.len() == 6
                && (o[0] == b'+' || o[0] == b'-')
                && o[3] == b':'
                && [1, 2, 4, 5].iter().all(|&i| o[i].is_ascii_digit())
        }
    }
}

fn is_uri(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Converts a YAML node to JSON (mapping keys become strings, as OpenAPI requires).
fn yaml_to_json(node: &Yaml, at: &str) -> Result<Value, String> {
    Ok(match node {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(text) => node
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{at}: the number {text} is not finite"))?,
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| yaml_to_json(item, &format!("{at}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let key = match key {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Real(r) => r.clone(),
                    Yaml::Null => "null".to_owned(),
                    other => return Err(format!("{at}: unsupported mapping key {other:?}")),
                };
                let child = yaml_to_json(value, &format!("{at}/{key}"))?;
                if map.insert(key.clone(), child).is_some() {
                    return Err(format!("{at}: duplicate key {key}"));
                }
            }
            Value::Object(map)
        }
        Yaml::Alias(_) => return Err(format!("{at}: YAML aliases are not supported")),
        Yaml::BadValue => return Err(format!("{at}: invalid YAML value")),
    })
}
