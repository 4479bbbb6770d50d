//! Groundlight: `shared/specs/groundlight/public-api.yaml` (OpenAPI 3.0.3)
//! → `crates/groundlight-rs/src/models/generated.rs`.
//!
//! Every schema of `components/schemas` is either generated or listed in [`SKIPPED`] with the
//! reason, so a re-pinned spec with a new schema fails loudly instead of silently losing it.
//!
//! Mapping rules:
//! * string `enum` schemas → *open* enums (`vision_sdk_common::open_enum!`): the listed values
//!   plus `Unknown(String)`, which round-trips. A new `source` or `label` from the server is data.
//!   The serde helpers are `vision_sdk_common::internal::serde`'s, shared with every provider.
//! * leniency never invents identity: a response schema's required `id` (and the fields listed
//!   in [`IDENTITY`]) must be present, non-`null` and non-blank (`required_id`); such structs
//!   have per-field defaults instead of a container default, so a missing identity is an error.
//! * response numbers the spec bounds to `0..=1` are checked (`unit_interval`), integers with
//!   `minimum: 0` too (`non_negative`): out-of-range values are decode errors.
//! * object schemas → structs with `#[serde(default)]` (missing fields take their default, unknown
//!   fields are ignored). Response structs are `#[non_exhaustive]`; request structs (schemas named
//!   `…Request` and the schemas only they use) are plain, with `Default`.
//! * a field that is optional *or* nullable → `Option<T>` (optional ones are skipped when `None`);
//!   a required non-nullable field → `T`, where a `null` on the wire still deserializes (as the
//!   default) because servers send `null` where the spec says they won't.
//! * `integer` → `i64` (`i32` for `format: int32`); `number` → `f64`, **also for `format: float`**:
//!   `f32` confidences widened to `f64` compare below the `f64` thresholds they came from
//!   (`0.95_f32 as f64 < 0.95`), which would break "is this answer confident?".
//! * `string` (any format but `binary`) → `String`, except `format: date-time` →
//!   `vision_sdk_common::Timestamp` (the raw text, parsed on demand); `object` without properties →
//!   `serde_json::Map`; an untyped schema → `serde_json::Value`.
//! * `Paginated…List` schemas → aliases of the hand-written generic `Paginated<T>`.
//! * `oneOf: [X, BlankEnum, NullEnum]` → `X` (nullable when `NullEnum` is there; `""` is kept as
//!   `X::Unknown("")`). Other `oneOf`s and inline enums need a [`TYPE_OVERRIDES`] entry.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use yaml_rust2::{Yaml, YamlLoader};

/// The spec, relative to the shared folder.
pub(super) const SPEC_PATH: &str = "specs/groundlight/public-api.yaml";

/// SHA-256 of the spec the committed models were generated from (`info.version` 0.18.2, copied
/// from python-sdk `spec/public-api.yaml` at 1b375958). To re-pin after a spec update: review the
/// spec diff, put the new hash here, run `cargo xtask codegen`, review the model diff.
pub(super) const SPEC_SHA256: &str =
    "67bbf7b0639723993f8bcb30f6cd6eaf2b4c18b97a19b12230768fd8c16bba51";

/// The generated file, relative to the workspace root.
pub(super) const OUTPUT_PATH: &str = "crates/groundlight-rs/src/models/generated.rs";

const RULES_API: &str = "alerts/rules API: removed from the official SDK in 0.28.0";

/// Schemas that are deliberately not generated, with the reason.
const SKIPPED: &[(&str, &str)] = &[
    (
        "BlankEnum",
        "folded into the enum paired with it in a `oneOf`",
    ),
    ("NullEnum", "folded into `Option<…>`"),
    (
        "NoteRequest",
        "multipart/form-data (content, is_pinned, image): the client builds it",
    ),
    ("Condition", RULES_API),
    ("ConditionRequest", RULES_API),
    ("Rule", RULES_API),
    ("RuleRequest", RULES_API),
    ("PaginatedRuleList", RULES_API),
    ("PayloadTemplate", RULES_API),
    ("PayloadTemplateRequest", RULES_API),
    ("WebhookAction", RULES_API),
    ("WebhookActionRequest", RULES_API),
    ("Action", RULES_API),
    ("ActionList", RULES_API),
    ("ChannelEnum", RULES_API),
    ("VerbEnum", RULES_API),
    ("SnoozeTimeUnitEnum", RULES_API),
];

/// `(schema, property, Rust type)`: properties whose spec type is too loose (`type: string` for
/// a closed set of values), an inline enum, or a `oneOf` that needs hand-written (de)serialization.
/// `super::…` types live in the hand-written `models/mod.rs`. Nullability still comes from the spec.
const TYPE_OVERRIDES: &[(&str, &str, &str)] = &[
    // `type: string` in the spec; the protocol doc and the SDK treat them as these enums.
    ("Detector", "mode", "ModeEnum"),
    ("Detector", "escalation_type", "EscalationTypeEnum"),
    (
        "PatchedDetectorRequest",
        "escalation_type",
        "EscalationTypeEnum",
    ),
    ("LabelValue", "source", "SourceEnum"),
    (
        "LabelValue",
        "annotations_requested",
        "Vec<AnnotationsRequestedEnum>",
    ),
    ("BinaryClassificationResult", "label", "Label"),
    ("BoundingBoxResult", "label", "BoundingBoxLabelEnum"),
    ("BinaryClassificationResult", "source", "Source"),
    ("CountingResult", "source", "Source"),
    ("MultiClassificationResult", "source", "Source"),
    ("TextRecognitionResult", "source", "Source"),
    ("BoundingBoxResult", "source", "Source"),
    // Inline single-value enums (`enum: [counting]`): the shared result type enum.
    (
        "BinaryClassificationResult",
        "result_type",
        "ResultTypeEnum",
    ),
    ("CountingResult", "result_type", "ResultTypeEnum"),
    ("MultiClassificationResult", "result_type", "ResultTypeEnum"),
    ("TextRecognitionResult", "result_type", "ResultTypeEnum"),
    ("BoundingBoxResult", "result_type", "ResultTypeEnum"),
    // `oneOf` without a discriminator: hand-written types that dispatch.
    ("ImageQuery", "result", "super::ImageQueryResult"),
    (
        "DetectorCreationInputRequest",
        "mode_configuration",
        "super::ModeConfiguration",
    ),
];

/// `(schema, hand-written fn(&mut T))` called after deserializing `schema` (in `models/mod.rs`):
/// the image query's `result` is dispatched again on the outer `result_type` when the result
/// itself does not say which kind it is, and a detector request's `mode_configuration` is typed
/// by its `mode` (a bare `{"class_name": …}` fits both counting and bounding-box modes).
const DESERIALIZE_HOOKS: &[(&str, &str)] = &[
    ("ImageQuery", "super::after_deserialize_image_query"),
    (
        "DetectorCreationInputRequest",
        "super::after_deserialize_detector_creation_input",
    ),
];

/// `(schema, property)`: identifying fields besides a required `id`, checked like one.
const IDENTITY: &[(&str, &str)] = &[
    // A label record has no `id`; one without its creation time (a `{"data": …}` wrapper, an
    // all-`null` body) is not a label record.
    ("LabelValue", "created_at"),
];

const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// The per-spec decisions the generic mapping rules need.
struct Config {
    identity: &'static [(&'static str, &'static str)],
    skipped: &'static [(&'static str, &'static str)],
    overrides: &'static [(&'static str, &'static str, &'static str)],
    hooks: &'static [(&'static str, &'static str)],
}

const CONFIG: Config = Config {
    identity: IDENTITY,
    skipped: SKIPPED,
    overrides: TYPE_OVERRIDES,
    hooks: DESERIALIZE_HOOKS,
};

impl Config {
    fn is_skipped(&self, name: &str) -> bool {
        self.skipped.iter().any(|(skipped, _)| *skipped == name)
    }
}

/// Generates the (unformatted) Rust source of `models/generated.rs` from the spec text.
pub(super) fn generate(spec_text: &str) -> Result<String, String> {
    generate_with(spec_text, &CONFIG)
}

fn generate_with(spec_text: &str, config: &'static Config) -> Result<String, String> {
    let docs = YamlLoader::load_from_str(spec_text).map_err(|e| format!("invalid YAML: {e}"))?;
    let doc = docs.first().ok_or("the spec is an empty YAML stream")?;
    let version = doc["info"]["version"]
        .as_str()
        .ok_or("the spec has no `info.version` string")?;
    let schema_map = doc["components"]["schemas"]
        .as_hash()
        .ok_or("the spec has no `components.schemas` mapping")?;
    let mut schemas = Vec::with_capacity(schema_map.len());
    for (key, value) in schema_map {
        let name = key
            .as_str()
            .ok_or_else(|| format!("schema key {key:?} is not a string"))?;
        schemas.push((name, value));
    }

    let model = Model::new(&schemas, config)?;
    let mut items = Vec::new();
    for &(name, schema) in &schemas {
        if !model.is_skipped(name) {
            items.push(model.item(name, schema)?);
        }
    }
    Ok(render(version, &items))
}

// ---------------------------------------------------------------------------------------------
// Intermediate representation
// ---------------------------------------------------------------------------------------------

enum Item {
    Struct(StructDef),
    Enum(EnumDef),
    Alias(AliasDef),
}

struct StructDef {
    schema: String,
    rust_name: String,
    doc: Vec<String>,
    request: bool,
    hook: Option<&'static str>,
    /// Some field identifies the object: no container default, per-field defaults instead.
    has_identity: bool,
    fields: Vec<FieldDef>,
}

struct FieldDef {
    rust_name: String,
    doc: Vec<String>,
    /// Full Rust type, `Option<…>` included.
    ty: String,
    /// `#[serde(…)]` arguments.
    serde: Vec<String>,
    /// An identifying field (no default: a missing one is an error).
    identity: bool,
}

struct EnumDef {
    schema: String,
    rust_name: String,
    doc: Vec<String>,
    /// `(Rust variant, wire value)`.
    variants: Vec<(String, String)>,
}

struct AliasDef {
    schema: String,
    rust_name: String,
    item: String,
}

/// A resolved property type, before `Option` wrapping.
struct Ty {
    rust: String,
    /// `serde_json::Value`: already represents `null`, never wrapped in `Option`.
    json_value: bool,
    /// The type itself admits `null` (`NullEnum` in a `oneOf`).
    nullable: bool,
    notes: Vec<String>,
}

enum Shape<'a> {
    Enum,
    Struct,
    /// A `Paginated…List` whose `results` are items of this schema.
    Paginated(&'a str),
}

struct Model<'a> {
    config: &'static Config,
    schemas: BTreeMap<&'a str, &'a Yaml>,
    rust_names: BTreeMap<&'a str, String>,
    request_structs: BTreeSet<&'a str>,
}

impl<'a> Model<'a> {
    fn new(schemas: &[(&'a str, &'a Yaml)], config: &'static Config) -> Result<Self, String> {
        let map: BTreeMap<&str, &Yaml> = schemas.iter().copied().collect();

        for (name, _) in config.skipped {
            if !map.contains_key(name) {
                return Err(format!(
                    "SKIPPED lists `{name}`, which is not in the spec any more; remove it"
                ));
            }
        }
        for (schema, property, _) in config.overrides {
            if map
                .get(schema)
                .is_none_or(|s| s["properties"][*property].is_badvalue())
            {
                return Err(format!(
                    "TYPE_OVERRIDES names `{schema}.{property}`, which is not in the spec any more"
                ));
            }
        }
        for (schema, _) in config.hooks {
            if !map.contains_key(schema) {
                return Err(format!(
                    "DESERIALIZE_HOOKS names `{schema}`, which is not in the spec"
                ));
            }
        }

        let mut rust_names = BTreeMap::new();
        let mut taken = BTreeMap::new();
        for &(name, _) in schemas {
            if config.is_skipped(name) {
                continue;
            }
            let rust = type_name(name)?;
            if let Some(other) = taken.insert(rust.clone(), name) {
                return Err(format!(
                    "schemas `{other}` and `{name}` both map to Rust type `{rust}`"
                ));
            }
            rust_names.insert(name, rust);
        }

        let mut model = Model {
            config,
            schemas: map,
            rust_names,
            request_structs: BTreeSet::new(),
        };
        model.request_structs = model.classify_requests()?;
        Ok(model)
    }

    fn is_skipped(&self, name: &str) -> bool {
        self.config.is_skipped(name)
    }

    /// Struct schemas only used to *send*: those named `…Request` and the schemas they (and only
    /// they, not any response) reference.
    fn classify_requests(&self) -> Result<BTreeSet<&'a str>, String> {
        let live: Vec<&str> = self
            .schemas
            .keys()
            .copied()
            .filter(|name| !self.is_skipped(name))
            .collect();
        let request_roots: Vec<&str> = live
            .iter()
            .copied()
            .filter(|name| name.ends_with("Request"))
            .collect();
        let requests = self.closure(&request_roots)?;
        // Everything a request does not reach is a response (or stands alone), and so is what
        // such a schema reaches.
        let response_roots: Vec<&str> = live
            .iter()
            .copied()
            .filter(|name| !requests.contains(name))
            .collect();
        let responses = self.closure(&response_roots)?;
        let mut out = BTreeSet::new();
        for name in requests {
            let is_struct = matches!(self.shape(name, self.schemas[name])?, Shape::Struct);
            if is_struct && (name.ends_with("Request") || !responses.contains(name)) {
                out.insert(name);
            }
        }
        Ok(out)
    }

    /// The roots and every schema they reference, transitively.
    fn closure(&self, roots: &[&'a str]) -> Result<BTreeSet<&'a str>, String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = roots.to_vec();
        while let Some(name) = todo.pop() {
            if !seen.insert(name) {
                continue;
            }
            let schema = self
                .schemas
                .get(name)
                .ok_or_else(|| format!("`$ref` to unknown schema `{name}`"))?;
            let mut refs = Vec::new();
            collect_refs(schema, &mut refs);
            for target in refs {
                let (&key, _) = self
                    .schemas
                    .get_key_value(target.as_str())
                    .ok_or_else(|| format!("`{name}` refers to unknown schema `{target}`"))?;
                todo.push(key);
            }
        }
        Ok(seen)
    }

    fn shape(&self, name: &str, schema: &'a Yaml) -> Result<Shape<'a>, String> {
        if !schema["enum"].is_badvalue() {
            let ty = schema["type"].as_str();
            if ty.is_some_and(|t| t != "string") {
                return Err(format!(
                    "enum schema `{name}` has type {ty:?}; only strings are supported"
                ));
            }
            return Ok(Shape::Enum);
        }
        let is_object = schema["type"].as_str() == Some("object") || schema["properties"].is_hash();
        if !is_object {
            return Err(format!(
                "schema `{name}` is neither a string enum nor an object; generate it by hand and \
                 add it to SKIPPED"
            ));
        }
        if let Some(item) = paginated_item(schema) {
            return Ok(Shape::Paginated(item));
        }
        Ok(Shape::Struct)
    }

    fn item(&self, name: &str, schema: &'a Yaml) -> Result<Item, String> {
        let rust_name = self.rust_names[name].clone();
        match self.shape(name, schema)? {
            Shape::Enum => self.enum_def(name, rust_name, schema).map(Item::Enum),
            Shape::Paginated(item) => Ok(Item::Alias(AliasDef {
                schema: name.to_owned(),
                rust_name,
                item: self.ref_type(name, item)?,
            })),
            Shape::Struct => self.struct_def(name, rust_name, schema).map(Item::Struct),
        }
    }

    fn enum_def(&self, name: &str, rust_name: String, schema: &Yaml) -> Result<EnumDef, String> {
        let values = schema["enum"]
            .as_vec()
            .ok_or_else(|| format!("`{name}.enum` is not a list"))?;
        let mut variants = Vec::with_capacity(values.len());
        let mut seen = BTreeSet::new();
        for value in values {
            let wire = value
                .as_str()
                .ok_or_else(|| format!("`{name}` has a non-string enum value {value:?}"))?;
            let variant = variant_name(wire).ok_or_else(|| {
                format!("`{name}` value {wire:?} has no usable Rust variant name")
            })?;
            if variant == "Unknown" || !seen.insert(variant.clone()) {
                return Err(format!(
                    "`{name}` value {wire:?} maps to a clashing variant `{variant}`"
                ));
            }
            variants.push((variant, wire.to_owned()));
        }
        let mut doc = description_lines(&schema["description"]);
        if doc.is_empty() {
            doc.push(format!("Values of `{name}` in the Groundlight API."));
        }
        Ok(EnumDef {
            schema: name.to_owned(),
            rust_name,
            doc,
            variants,
        })
    }

    fn struct_def(
        &self,
        name: &str,
        rust_name: String,
        schema: &Yaml,
    ) -> Result<StructDef, String> {
        let required: BTreeSet<&str> = schema["required"]
            .as_vec()
            .map(|list| list.iter().filter_map(Yaml::as_str).collect())
            .unwrap_or_default();
        let properties = schema["properties"]
            .as_hash()
            .ok_or_else(|| format!("object schema `{name}` has no properties"))?;
        let mut fields = Vec::with_capacity(properties.len());
        let mut field_names = BTreeSet::new();
        for (key, property) in properties {
            let wire = key
                .as_str()
                .ok_or_else(|| format!("`{name}` has a non-string property name {key:?}"))?;
            let identity = !self.request_structs.contains(name)
                && required.contains(wire)
                && (wire == "id" || self.config.identity.contains(&(name, wire)))
                && property["type"].as_str() == Some("string");
            let mut field =
                self.field_def(name, wire, property, required.contains(wire), identity)?;
            if !self.request_structs.contains(name) && !identity {
                range_check(&mut field, property);
            }
            if !field_names.insert(field.rust_name.clone()) {
                return Err(format!(
                    "`{name}` has two fields named `{}` in Rust",
                    field.rust_name
                ));
            }
            fields.push(field);
        }
        for wire in &required {
            if properties.get(&Yaml::String((*wire).to_owned())).is_none() {
                return Err(format!(
                    "`{name}` requires `{wire}`, which it does not define"
                ));
            }
        }
        let mut doc = description_lines(&schema["description"]);
        if doc.is_empty() {
            doc.push(format!("`{name}` in the Groundlight API."));
        }
        let hook = self
            .config
            .hooks
            .iter()
            .find(|(s, _)| *s == name)
            .map(|(_, hook)| *hook);
        Ok(StructDef {
            schema: name.to_owned(),
            rust_name,
            doc,
            request: self.request_structs.contains(name),
            hook,
            has_identity: fields.iter().any(|f| f.identity),
            fields,
        })
    }

    fn field_def(
        &self,
        owner: &str,
        wire: &str,
        property: &Yaml,
        required: bool,
        identity: bool,
    ) -> Result<FieldDef, String> {
        let at = format!("{owner}.{wire}");
        let ty = match self
            .config
            .overrides
            .iter()
            .find(|(s, p, _)| *s == owner && *p == wire)
        {
            Some((_, _, rust)) => Ty {
                rust: (*rust).to_owned(),
                json_value: false,
                nullable: false,
                notes: Vec::new(),
            },
            None => self.schema_type(&at, property)?,
        };
        let nullable = ty.nullable || property["nullable"].as_bool() == Some(true);

        let rust_name = field_name(wire);
        let mut serde = Vec::new();
        if rust_name.trim_start_matches("r#") != wire {
            serde.push(format!("rename = {wire:?}"));
        }
        let full_ty = if ty.json_value {
            if !required {
                serde.push("skip_serializing_if = \"serde_json::Value::is_null\"".to_owned());
            }
            ty.rust.clone()
        } else if nullable || !required {
            if !required {
                serde.push("skip_serializing_if = \"Option::is_none\"".to_owned());
            }
            format!("Option<{}>", ty.rust)
        } else if identity && (ty.rust == "String" || ty.rust == "Timestamp") {
            serde.push("deserialize_with = \"required_id\"".to_owned());
            ty.rust.clone()
        } else {
            serde.push("deserialize_with = \"null_as_default\"".to_owned());
            ty.rust.clone()
        };

        let mut doc = description_lines(&property["description"]);
        if doc.is_empty() {
            doc.push(format!("The `{wire}` field."));
        }
        let mut facts = ty.notes;
        facts.extend(constraints(property));
        if !facts.is_empty() {
            doc.push(String::new());
            for fact in facts {
                doc.extend(wrap(&fact));
            }
        }
        Ok(FieldDef {
            rust_name,
            doc,
            ty: full_ty,
            serde,
            identity,
        })
    }

    /// The Rust type of an inline schema (a property, or an array's items).
    fn schema_type(&self, at: &str, schema: &Yaml) -> Result<Ty, String> {
        let plain = |rust: &str| Ty {
            rust: rust.to_owned(),
            json_value: false,
            nullable: false,
            notes: Vec::new(),
        };
        if let Some(target) = schema["$ref"].as_str() {
            return Ok(plain(&self.ref_type(at, ref_name(at, target)?)?));
        }
        if let Some(all_of) = schema["allOf"].as_vec() {
            return match all_of.as_slice() {
                [only] => self.schema_type(at, only),
                _ => Err(format!(
                    "`{at}`: `allOf` with several parts is not supported"
                )),
            };
        }
        if let Some(one_of) = schema["oneOf"].as_vec() {
            return self.one_of_type(at, one_of);
        }
        if !schema["enum"].is_badvalue() {
            return Err(format!(
                "`{at}` is an inline enum; add a TYPE_OVERRIDES entry naming the enum type"
            ));
        }
        let format = schema["format"].as_str();
        match schema["type"].as_str() {
            Some("string") => {
                if format == Some("binary") {
                    return Err(format!("`{at}` is binary (multipart); skip its schema"));
                }
                Ok(match format {
                    Some("date-time") => {
                        let mut ty = plain("Timestamp");
                        ty.notes.push(
                            "An RFC 3339 date-time: the text as sent, `.to_datetime()` parses it."
                                .to_owned(),
                        );
                        ty
                    }
                    Some("uri") => {
                        let mut ty = plain("String");
                        ty.notes.push("A URL.".to_owned());
                        ty
                    }
                    _ => plain("String"),
                })
            }
            Some("integer") => Ok(plain(if format == Some("int32") {
                "i32"
            } else {
                "i64"
            })),
            Some("number") => Ok(plain("f64")),
            Some("boolean") => Ok(plain("bool")),
            Some("array") => {
                let items = &schema["items"];
                if items.is_badvalue() {
                    return Err(format!("`{at}` is an array without `items`"));
                }
                let inner = self.schema_type(&format!("{at}[]"), items)?;
                Ok(Ty {
                    rust: format!("Vec<{}>", inner.rust),
                    notes: inner.notes,
                    ..plain("")
                })
            }
            Some("object") => {
                if schema["properties"].is_hash() {
                    return Err(format!(
                        "`{at}` is an inline object with properties; give it a schema or an override"
                    ));
                }
                let additional = &schema["additionalProperties"];
                let untyped = additional.is_badvalue()
                    || additional.as_bool().is_some()
                    || additional.as_hash().is_some_and(|h| h.is_empty());
                if untyped {
                    Ok(plain("serde_json::Map<String, serde_json::Value>"))
                } else {
                    let value = self.schema_type(&format!("{at}{{}}"), additional)?;
                    Ok(plain(&format!(
                        "std::collections::BTreeMap<String, {}>",
                        value.rust
                    )))
                }
            }
            Some(other) => Err(format!("`{at}` has unsupported type `{other}`")),
            None => Ok(Ty {
                json_value: true,
                ..plain("serde_json::Value")
            }),
        }
    }

    /// `oneOf: [X, BlankEnum?, NullEnum?]` → `X`.
    fn one_of_type(&self, at: &str, alternatives: &[Yaml]) -> Result<Ty, String> {
        let mut main = Vec::new();
        let (mut blank, mut null) = (false, false);
        for alternative in alternatives {
            let target = alternative["$ref"].as_str().ok_or_else(|| {
                format!("`{at}`: a `oneOf` alternative is not a `$ref`; add a TYPE_OVERRIDES entry")
            })?;
            match ref_name(at, target)? {
                "BlankEnum" => blank = true,
                "NullEnum" => null = true,
                other => main.push(other),
            }
        }
        let [only] = main.as_slice() else {
            return Err(format!(
                "`{at}` is a `oneOf` of {main:?}; add a TYPE_OVERRIDES entry with a hand-written type"
            ));
        };
        let rust = self.ref_type(at, only)?;
        let mut notes = Vec::new();
        if blank {
            notes.push(format!(
                "The spec also allows `\"\"` here, kept as `{rust}::Unknown(\"\")`."
            ));
        }
        Ok(Ty {
            rust,
            json_value: false,
            nullable: null,
            notes,
        })
    }

    fn ref_type(&self, at: &str, target: &str) -> Result<String, String> {
        if self.is_skipped(target) {
            return Err(format!("`{at}` refers to `{target}`, which is in SKIPPED"));
        }
        self.rust_names
            .get(target)
            .cloned()
            .ok_or_else(|| format!("`{at}` refers to unknown schema `{target}`"))
    }
}

/// Adds the range check the spec's bounds call for: `0..=1` numbers (confidences) and
/// non-negative integers (counts), for `Option` fields (the helpers read `null` as `None`).
fn range_check(field: &mut FieldDef, property: &Yaml) {
    let bound = |key: &str| match &property[key] {
        Yaml::Real(text) => text.parse::<f64>().ok(),
        Yaml::Integer(n) => Some(*n as f64),
        _ => None,
    };
    let helper = match (
        property["type"].as_str(),
        bound("minimum"),
        bound("maximum"),
    ) {
        (Some("number"), Some(min), Some(max)) if min == 0.0 && max == 1.0 => "unit_interval",
        (Some("integer"), Some(0.0), _) => "non_negative",
        _ => return,
    };
    let expected = if helper == "unit_interval" {
        "Option<f64>"
    } else {
        "Option<i64>"
    };
    if field.ty == expected
        && !field
            .serde
            .iter()
            .any(|s| s.starts_with("deserialize_with"))
    {
        field.serde.push(format!("deserialize_with = {helper:?}"));
    }
}

fn ref_name<'y>(at: &str, target: &'y str) -> Result<&'y str, String> {
    target
        .strip_prefix(SCHEMA_REF_PREFIX)
        .ok_or_else(|| format!("`{at}` has a `$ref` outside components/schemas: {target}"))
}

fn collect_refs(yaml: &Yaml, out: &mut Vec<String>) {
    match yaml {
        Yaml::Hash(hash) => {
            for (key, value) in hash {
                if key.as_str() == Some("$ref") {
                    if let Some(name) = value
                        .as_str()
                        .and_then(|t| t.strip_prefix(SCHEMA_REF_PREFIX))
                    {
                        out.push(name.to_owned());
                    }
                } else {
                    collect_refs(value, out);
                }
            }
        }
        Yaml::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// The item schema when `schema` is exactly `{count, next, previous, results: [$ref]}`.
fn paginated_item(schema: &Yaml) -> Option<&str> {
    let properties = schema["properties"].as_hash()?;
    let keys: BTreeSet<&str> = properties.keys().filter_map(Yaml::as_str).collect();
    if keys != BTreeSet::from(["count", "next", "previous", "results"]) {
        return None;
    }
    let results = &schema["properties"]["results"];
    if results["type"].as_str() != Some("array") {
        return None;
    }
    results["items"]["$ref"]
        .as_str()?
        .strip_prefix(SCHEMA_REF_PREFIX)
}

/// Facts about a property worth a line of documentation.
fn constraints(property: &Yaml) -> Vec<String> {
    let mut out = Vec::new();
    match (
        scalar(&property["minLength"]),
        scalar(&property["maxLength"]),
    ) {
        (Some(min), Some(max)) => out.push(format!("Length: {min} to {max} characters.")),
        (Some(min), None) => out.push(format!("Minimum length: {min}.")),
        (None, Some(max)) => out.push(format!("Maximum length: {max}.")),
        (None, None) => {}
    }
    match (scalar(&property["minimum"]), scalar(&property["maximum"])) {
        (Some(min), Some(max)) => out.push(format!("Range: {min} to {max}.")),
        (Some(min), None) => out.push(format!("Minimum: {min}.")),
        (None, Some(max)) => out.push(format!("Maximum: {max}.")),
        (None, None) => {}
    }
    if let Some(default) = scalar(&property["default"]) {
        out.push(format!("Server-side default: `{default}`."));
    }
    out
}

fn scalar(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        Yaml::String(s) => Some(s.clone()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/// Schema name → Rust type name. Acronym runs become one word (`ROIRequest` → `RoiRequest`,
/// `MLPipeline` → `MlPipeline`), per the Rust API guidelines; other names are kept.
fn type_name(schema: &str) -> Result<String, String> {
    let chars: Vec<char> = schema.chars().collect();
    if !chars.first().is_some_and(char::is_ascii_uppercase)
        || !chars.iter().all(char::is_ascii_alphanumeric)
    {
        return Err(format!(
            "schema name `{schema}` is not a plain UpperCamelCase identifier"
        ));
    }
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        if run >= 2 {
            // The last capital of a run starts the next word when a lower-case letter follows.
            let acronym = if chars.get(i + run).is_some_and(char::is_ascii_lowercase) {
                run - 1
            } else {
                run
            };
            if acronym >= 2 {
                out.push(chars[i]);
                out.extend(
                    chars[i + 1..i + acronym]
                        .iter()
                        .map(char::to_ascii_lowercase),
                );
                i += acronym;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    Ok(out)
}

/// Wire enum value → `UpperCamelCase` variant (`NO_HUMAN_LABELING` → `NoHumanLabeling`).
fn variant_name(wire: &str) -> Option<String> {
    let mut out = String::new();
    for word in wire
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    match out.chars().next() {
        None => None,
        Some(first) if first.is_ascii_digit() => Some(format!("V{out}")),
        Some(_) => Some(out),
    }
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Wire property name → Rust field name: `snake_case`, keywords as raw identifiers (`r#type`).
fn field_name(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len() + 4);
    let chars: Vec<char> = wire.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let after_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
            if after_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    if out.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    match out.as_str() {
        "self" | "super" | "crate" | "Self" => format!("{out}_"),
        name if KEYWORDS.contains(&name) => format!("r#{out}"),
        _ => out,
    }
}

// ---------------------------------------------------------------------------------------------
// Documentation text
// ---------------------------------------------------------------------------------------------

const DOC_WIDTH: usize = 92;

fn description_lines(description: &Yaml) -> Vec<String> {
    let Some(text) = description.as_str() else {
        return Vec::new();
    };
    // Reflow: a source line break inside a paragraph is a soft break in Markdown anyway, but
    // list items (`* …`, `- …`) and blank lines are kept.
    let mut blocks: Vec<String> = Vec::new();
    let mut open = false;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if is_value_list_line(line) {
            continue;
        }
        let starts_item =
            line.trim_start().starts_with("* ") || line.trim_start().starts_with("- ");
        if line.is_empty() {
            blocks.push(String::new());
            open = false;
        } else if open && !starts_item {
            if let Some(last) = blocks.last_mut() {
                last.push(' ');
                last.push_str(line.trim_start());
            }
        } else {
            blocks.push(line.to_owned());
            open = true;
        }
    }
    while blocks.last().is_some_and(String::is_empty) {
        blocks.pop();
    }
    blocks
        .iter()
        .flat_map(|block| wrap(&escape_markdown(block)))
        .collect()
}

/// drf-spectacular's `* `X` - X` lines list enum values; the generated variants already do.
fn is_value_list_line(line: &str) -> bool {
    let Some(rest) = line.trim().strip_prefix("* `") else {
        return false;
    };
    rest.split_once("` - ")
        .is_some_and(|(value, label)| value == label)
}

/// Escapes what rustdoc would read as links or HTML (`create_[MODE]_detector`), outside code spans.
fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if !in_code && matches!(c, '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Word-wraps one line; continuation lines of a list item are indented under its text.
fn wrap(line: &str) -> Vec<String> {
    if line.trim().is_empty() {
        return vec![String::new()];
    }
    let lead = line.len() - line.trim_start().len();
    let body = line.trim_start();
    let indent = if body.starts_with("* ") || body.starts_with("- ") {
        lead + 2
    } else {
        lead
    };
    let mut lines = Vec::new();
    let mut current = " ".repeat(lead);
    let mut empty = true;
    for word in body.split_whitespace() {
        if !empty && current.len() + 1 + word.len() > DOC_WIDTH {
            lines.push(std::mem::replace(&mut current, " ".repeat(indent)));
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        current.push_str(word);
        empty = false;
    }
    lines.push(current);
    lines
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const PRELUDE: &str = r#"
use serde::{Deserialize, Deserializer, Serialize};
use vision_sdk_common::internal::serde::{non_negative, null_as_default, required_id, unit_interval};
use vision_sdk_common::{Timestamp, open_enum};
"#;

fn render(version: &str, items: &[Item]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Generated by `cargo xtask codegen` from `shared/{SPEC_PATH}`\n\
         // (OpenAPI `info.version` {version}, sha256 {SPEC_SHA256}).\n\
         // Do not edit: change the generator (`xtask/src/codegen/groundlight.rs`) or the\n\
         // hand-written `models/mod.rs`, then run `cargo xtask codegen`.\n"
    );
    out.push_str(
        "//! Wire types generated from the Groundlight OpenAPI spec (`public-api.yaml`), re-exported\n\
         //! by [`crate::models`]. See `xtask/src/codegen/groundlight.rs` for the mapping rules.\n",
    );
    out.push_str(PRELUDE);
    let _ = writeln!(
        out,
        "\n/// `info.version` of the OpenAPI spec these models were generated from.\n\
         pub const OPENAPI_SPEC_VERSION: &str = {version:?};\n\n\
         /// SHA-256 of the OpenAPI spec file these models were generated from.\n\
         pub const OPENAPI_SPEC_SHA256: &str = {SPEC_SHA256:?};"
    );
    for item in items {
        out.push('\n');
        match item {
            Item::Enum(def) => render_enum(&mut out, def),
            Item::Struct(def) => render_struct(&mut out, def),
            Item::Alias(def) => render_alias(&mut out, def),
        }
    }
    out
}

fn push_doc(out: &mut String, indent: &str, lines: &[String]) {
    for line in lines {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

fn push_alias(out: &mut String, schema: &str, rust_name: &str) {
    if schema != rust_name {
        let _ = writeln!(out, "#[doc(alias = {schema:?})]");
    }
}

fn render_enum(out: &mut String, def: &EnumDef) {
    out.push_str("open_enum! {\n");
    push_doc(out, "    ", &def.doc);
    push_doc_schema(out, "    ", &def.schema, &def.rust_name);
    let _ = writeln!(out, "    {} {{", def.rust_name);
    for (variant, wire) in &def.variants {
        let _ = writeln!(out, "        /// `{wire}`");
        let _ = writeln!(out, "        {variant} = {wire:?},");
    }
    out.push_str("    }\n}\n");
}

/// A `Spec schema: …` doc line for items renamed in Rust (the macro takes no `#[doc(alias)]`
/// separately, so enums get the note and structs get both).
fn push_doc_schema(out: &mut String, indent: &str, schema: &str, rust_name: &str) {
    if schema != rust_name {
        let _ = writeln!(out, "{indent}///\n{indent}/// Spec schema: `{schema}`.");
    }
}

fn render_struct(out: &mut String, def: &StructDef) {
    push_doc(out, "", &def.doc);
    push_doc_schema(out, "", &def.schema, &def.rust_name);
    push_alias(out, &def.schema, &def.rust_name);
    let derives = if def.hook.is_some() {
        "Debug, Clone, PartialEq, Default, Serialize"
    } else {
        "Debug, Clone, PartialEq, Default, Serialize, Deserialize"
    };
    if def.has_identity {
        let _ = writeln!(out, "#[derive({derives})]");
    } else {
        let _ = writeln!(out, "#[derive({derives})]\n#[serde(default)]");
    }
    if !def.request {
        out.push_str("#[non_exhaustive]\n");
    }
    let _ = writeln!(out, "pub struct {} {{", def.rust_name);
    render_fields(out, &def.fields, true, def.has_identity);
    out.push_str("}\n");

    if let Some(hook) = def.hook {
        let wire = format!("{}Wire", def.rust_name);
        let _ = writeln!(
            out,
            "\n/// Derived deserialization of [`{name}`]; the hand-written hook runs after it.\n\
             #[derive(Deserialize)]\n\
             #[serde(remote = \"{name}\"{default})]\n\
             #[allow(dead_code)] // only its generated `deserialize` is used\n\
             struct {wire} {{",
            name = def.rust_name,
            default = if def.has_identity {
                String::new()
            } else {
                format!(", default = \"{}::default\"", def.rust_name)
            }
        );
        render_fields(out, &def.fields, false, def.has_identity);
        let _ = writeln!(
            out,
            "}}\n\n\
             impl<'de> Deserialize<'de> for {name} {{\n\
             fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
             let mut value = {wire}::deserialize(deserializer)?;\n\
             {hook}(&mut value).map_err(serde::de::Error::custom)?;\n\
             Ok(value)\n\
             }}\n\
             }}",
            name = def.rust_name
        );
    }
}

fn render_fields(out: &mut String, fields: &[FieldDef], public: bool, per_field_default: bool) {
    for field in fields {
        if public {
            push_doc(out, "    ", &field.doc);
        }
        // The private deserialize-only mirror does not need serialization attributes.
        let mut serde: Vec<&str> = field
            .serde
            .iter()
            .map(String::as_str)
            .filter(|arg| public || !arg.starts_with("skip_serializing_if"))
            .collect();
        if per_field_default && !field.identity {
            serde.insert(0, "default");
        }
        if !serde.is_empty() {
            let _ = writeln!(out, "    #[serde({})]", serde.join(", "));
        }
        let vis = if public { "pub " } else { "" };
        let _ = writeln!(out, "    {vis}{}: {},", field.rust_name, field.ty);
    }
}

fn render_alias(out: &mut String, def: &AliasDef) {
    let _ = writeln!(
        out,
        "/// One page of [`{item}`] results (`{schema}` in the spec).",
        item = def.item,
        schema = def.schema
    );
    push_alias(out, &def.schema, &def.rust_name);
    let _ = writeln!(
        out,
        "pub type {} = super::Paginated<{}>;",
        def.rust_name, def.item
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_fold_acronyms_into_words() {
        assert_eq!(type_name("ROI").unwrap(), "Roi");
        assert_eq!(type_name("ROIRequest").unwrap(), "RoiRequest");
        assert_eq!(type_name("MLPipeline").unwrap(), "MlPipeline");
        assert_eq!(
            type_name("PaginatedMLPipelineList").unwrap(),
            "PaginatedMlPipelineList"
        );
        assert_eq!(type_name("BBoxGeometry").unwrap(), "BBoxGeometry");
        assert_eq!(type_name("ImageQuery").unwrap(), "ImageQuery");
        assert!(type_name("not-a-name").is_err());
    }

    #[test]
    fn variant_and_field_names() {
        assert_eq!(
            variant_name("NO_HUMAN_LABELING").as_deref(),
            Some("NoHumanLabeling")
        );
        assert_eq!(
            variant_name("binary_classification").as_deref(),
            Some("BinaryClassification")
        );
        assert_eq!(variant_name("__UNSURE").as_deref(), Some("Unsure"));
        assert_eq!(variant_name("3D").as_deref(), Some("V3d"));
        assert_eq!(variant_name(""), None);
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("CUSTOMER"), "customer");
        assert_eq!(field_name("detectorId"), "detector_id");
        assert_eq!(field_name("self"), "self_");
    }

    #[test]
    fn docs_escape_links_outside_code_and_wrap_list_items() {
        assert_eq!(
            escape_markdown("create_[MODE]_detector `a[0]`"),
            "create_\\[MODE\\]_detector `a[0]`"
        );
        let long = format!("* {}", "word ".repeat(40));
        let lines = wrap(long.trim_end());
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= DOC_WIDTH));
        assert!(lines[1].starts_with("  word"));
    }

    static BARE: Config = Config {
        identity: &[],
        skipped: &[],
        overrides: &[],
        hooks: &[],
    };

    fn toy_spec(schemas: &str) -> String {
        format!("openapi: 3.0.3\ninfo: {{version: '1.2'}}\ncomponents:\n  schemas:\n{schemas}")
    }

    #[test]
    fn the_real_tables_match_the_real_spec_shape_checks() {
        // A spec without the schemas the Groundlight tables name is rejected, naming the entry.
        let err = generate(&toy_spec("    A: {type: string, enum: [a]}\n")).unwrap_err();
        assert!(err.contains("SKIPPED lists"), "{err}");
    }

    #[test]
    fn maps_enums_structs_options_and_pages() {
        let spec = toy_spec(concat!(
            "    Mode: {type: string, enum: [ON, 'OFF']}\n",
            "    Thing:\n",
            "      type: object\n",
            "      description: A thing [with brackets].\n",
            "      required: [id, type, note]\n",
            "      properties:\n",
            "        id: {type: string, maxLength: 5}\n",
            "        type: {$ref: '#/components/schemas/Mode'}\n",
            "        note: {type: string, nullable: true}\n",
            "        count: {type: integer, minimum: 0}\n",
            "        score: {type: number, format: float}\n",
            "        meta: {type: object, additionalProperties: {}}\n",
            "        anything: {}\n",
            "        tags: {type: array, items: {type: string}}\n",
            "    PaginatedThingList:\n",
            "      type: object\n",
            "      properties:\n",
            "        count: {type: integer}\n",
            "        next: {type: string, nullable: true}\n",
            "        previous: {type: string, nullable: true}\n",
            "        results: {type: array, items: {$ref: '#/components/schemas/Thing'}}\n",
        ));
        let out = generate_with(&spec, &BARE).unwrap();
        assert!(out.contains("On = \"ON\","), "{out}");
        assert!(out.contains("Off = \"OFF\","), "{out}");
        assert!(out.contains("A thing \\[with brackets\\]."), "{out}");
        assert!(
            out.contains("#[non_exhaustive]\npub struct Thing {"),
            "{out}"
        );
        // `id` identifies a Thing: required (no container default), never blank.
        assert!(
            out.contains("#[serde(deserialize_with = \"required_id\")]\n    pub id: String,"),
            "{out}"
        );
        assert!(
            !out.contains("#[serde(default)]\n#[non_exhaustive]\npub struct Thing"),
            "{out}"
        );
        assert!(
            out.contains(
                "#[serde(default, deserialize_with = \"null_as_default\")]\n    pub r#type: Mode,"
            ),
            "{out}"
        );
        assert!(
            out.contains("#[serde(default)]\n    pub note: Option<String>,"),
            "{out}"
        );
        // A count (`minimum: 0`) is checked.
        assert!(out.contains(
            "#[serde(default, skip_serializing_if = \"Option::is_none\", deserialize_with = \"non_negative\")]\n    pub count: Option<i64>,"
        ), "{out}");
        assert!(
            out.contains("use vision_sdk_common::{Timestamp, open_enum};"),
            "{out}"
        );
        assert!(!out.contains("macro_rules!"), "{out}");
        assert!(out.contains("pub score: Option<f64>,"), "{out}");
        assert!(out.contains("pub meta: Option<serde_json::Map<String, serde_json::Value>>,"));
        assert!(out.contains("#[serde(default, skip_serializing_if = \"serde_json::Value::is_null\")]\n    pub anything: serde_json::Value,"), "{out}");
        assert!(out.contains("pub tags: Option<Vec<String>>,"), "{out}");
        assert!(
            out.contains("pub type PaginatedThingList = super::Paginated<Thing>;"),
            "{out}"
        );
        assert!(out.contains("Maximum length: 5."), "{out}");
    }

    #[test]
    fn unsupported_shapes_are_errors_that_name_the_place() {
        let one_of = toy_spec(concat!(
            "    A:\n      type: object\n      properties:\n        x:\n          oneOf:\n",
            "          - $ref: '#/components/schemas/B'\n          - $ref: '#/components/schemas/C'\n",
            "    B: {type: string, enum: [b]}\n    C: {type: string, enum: [c]}\n",
        ));
        let err = generate_with(&one_of, &BARE).unwrap_err();
        assert!(
            err.contains("`A.x` is a `oneOf`") && err.contains("TYPE_OVERRIDES"),
            "{err}"
        );

        let inline_enum =
            toy_spec("    A:\n      type: object\n      properties:\n        x: {enum: [a]}\n");
        let err = generate_with(&inline_enum, &BARE).unwrap_err();
        assert!(err.contains("`A.x` is an inline enum"), "{err}");

        let dangling = toy_spec(
            "    A:\n      type: object\n      properties:\n        x: {$ref: '#/components/schemas/Nope'}\n",
        );
        let err = generate_with(&dangling, &BARE).unwrap_err();
        assert!(err.contains("Nope"), "{err}");
    }

    #[test]
    fn request_schemas_and_what_only_they_use_are_plain_structs() {
        let spec = toy_spec(concat!(
            "    ThingRequest:\n      type: object\n      properties:\n",
            "        part: {$ref: '#/components/schemas/Part'}\n",
            "        shared: {$ref: '#/components/schemas/Shared'}\n",
            "    Part:\n      type: object\n      properties:\n        n: {type: integer}\n",
            "    Shared:\n      type: object\n      properties:\n        n: {type: integer}\n",
            "    Thing:\n      type: object\n      properties:\n",
            "        shared: {$ref: '#/components/schemas/Shared'}\n",
        ));
        let out = generate_with(&spec, &BARE).unwrap();
        assert!(
            out.contains("#[serde(default)]\npub struct ThingRequest {"),
            "{out}"
        );
        assert!(
            out.contains("#[serde(default)]\npub struct Part {"),
            "{out}"
        );
        assert!(
            out.contains("#[non_exhaustive]\npub struct Shared {"),
            "{out}"
        );
        assert!(
            out.contains("#[non_exhaustive]\npub struct Thing {"),
            "{out}"
        );
    }
}
