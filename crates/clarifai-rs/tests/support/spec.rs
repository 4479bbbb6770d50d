//! Clarifai's use of the testkit's request validator ([`vision_sdk_testkit::openapi`]): the
//! pinned Swagger 2.0 file, loaded once per test binary, and a check of [`RecordedRequest`]s
//! (from the fake, or from wiremock through [`vision_sdk_testkit::from_wiremock`]).
//!
//! The file is protoc-gen-openapiv2's output, and two of its generator defaults are not the
//! server's (`protocols/clarifai.md`, "Sources"), so it is read with two adjustments before
//! the validator sees it; nothing else is relaxed:
//! * Enums: the file declares every enum as a string of names, while the gRPC gateway's proto3
//!   JSON mapping accepts names *or* numbers, and this crate sends numbers (protocol §2,
//!   "serialize as int"). Body enums accept an integer as well; the `status.code` query
//!   parameter accepts each code's number beside its name.
//! * Duplicate templates: the file has paths that differ only in a path parameter's name
//!   (`{user_app_id.user_id_1}` beside `{user_app_id.user_id}`, the generator's renaming). The
//!   validator matches a path to its most literal template without looking at the method, so a
//!   duplicate whose operations are a subset of its twin's is dropped.
//!
//! Undeclared body members are errors ([`validate`]). The file declares no `securityDefinitions`, so the credential headers are not checked here
//! (the wire tests pin them); `format: byte` (base64) is not evaluated by the validator.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Value, json};
pub use vision_sdk_common::testing::RecordedRequest;
pub use vision_sdk_testkit::openapi::{Report, Spec};

/// Where the pinned spec lives inside the shared folder.
pub const SPEC_RELATIVE_PATH: &str = "specs/clarifai/clarifai-v2-swagger.json";

/// The pinned spec, adjusted as the module docs say; `None` (a logged skip, a failure under
/// CI) when the shared folder is missing. Panics when the file cannot be read or parsed.
pub fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = super::shared(SPEC_RELATIVE_PATH)?;
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
        adjust(&mut doc);
        Some(
            Spec::from_str(&doc.to_string())
                .unwrap_or_else(|e| panic!("loading {}: {e}", path.display())),
        )
    })
    .as_ref()
}

/// The validator's note on a body member its schema does not declare.
const UNDECLARED: &str = "property not declared by the schema";

/// Checks one request against the spec; `Ok(())` when the spec is not available (outside the
/// workspace), the validator's report (with every error) otherwise. A body member the schema
/// does not declare is an error here, not a note: the file leaves every object open, so a
/// misspelt field would otherwise pass unnoticed.
pub fn validate(request: &RecordedRequest) -> Result<(), Box<Report>> {
    match spec() {
        None => Ok(()),
        Some(spec) => {
            let mut report = spec.validate(request);
            let undeclared: Vec<String> = report
                .notes
                .iter()
                .filter(|n| n.contains(UNDECLARED))
                .cloned()
                .collect();
            report.errors.extend(undeclared);
            if report.is_valid() {
                Ok(())
            } else {
                Err(Box::new(report))
            }
        }
    }
}

fn adjust(doc: &mut Value) {
    drop_subset_duplicates(doc);
    if let Some(definitions) = doc.get_mut("definitions") {
        enums_accept_numbers(definitions);
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            for parameter in operation["parameters"].as_array_mut().into_iter().flatten() {
                if parameter["in"] == "body" {
                    enums_accept_numbers(&mut parameter["schema"]);
                } else if parameter["in"] == "query" && parameter["name"] == "status.code" {
                    status_code_numbers(parameter);
                }
            }
        }
    }
}

/// `{"type": "string", "enum": [...]}` anywhere below `schema` → that, or an integer.
fn enums_accept_numbers(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("type") == Some(&json!("string")) && map.contains_key("enum") {
                let named = Value::Object(std::mem::take(map));
                map.insert(
                    "anyOf".to_owned(),
                    json!([named, {"type": "integer", "format": "int32"}]),
                );
                return;
            }
            map.values_mut().for_each(enums_accept_numbers);
        }
        Value::Array(items) => items.iter_mut().for_each(enums_accept_numbers),
        _ => {}
    }
}

/// The `status.code` query parameter's enum gains each name's number (`30000`).
fn status_code_numbers(parameter: &mut Value) {
    let Some(names) = parameter["enum"].as_array_mut() else {
        return;
    };
    let numbers: Vec<Value> = names
        .iter()
        .filter_map(|n| clarifai::StatusCode::from_name(n.as_str()?))
        .map(|code| json!(code.code().to_string()))
        .collect();
    names.extend(numbers);
}

/// Of two templates equal but for path parameter names, the one whose methods are a subset
/// of the other's goes.
fn drop_subset_duplicates(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let shape = |template: &str| {
        template
            .split('/')
            .map(|s| if s.starts_with('{') { "{}" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    let methods = |item: &Value| -> Vec<String> {
        item.as_object()
            .map(|i| i.keys().filter(|k| *k != "parameters").cloned().collect())
            .unwrap_or_default()
    };
    let mut by_shape: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for template in paths.keys() {
        by_shape
            .entry(shape(template))
            .or_default()
            .push(template.clone());
    }
    for twins in by_shape.values().filter(|t| t.len() > 1) {
        // The twin with the most operations stays; the others go if it has all of theirs.
        let Some(keeper) = twins.iter().max_by_key(|t| methods(&paths[*t]).len()) else {
            continue;
        };
        let kept = methods(&paths[keeper]);
        let gone: Vec<&String> = twins
            .iter()
            .filter(|t| *t != keeper && methods(&paths[*t]).iter().all(|m| kept.contains(m)))
            .collect();
        for template in gone {
            paths.remove(template);
        }
    }
}
