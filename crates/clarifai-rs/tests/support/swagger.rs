#![allow(unreachable_pub)]
//! A Swagger 2.0 request check for the pinned Clarifai file: the operation exists for the
//! method and path, every query parameter is declared, and every member of the JSON body is a
//! declared property of its schema with a compatible type (enums may be sent as numbers, 64-bit
//! integers as strings, `Struct`s hold anything).
//!
//! This is a local shim until `vision-sdk-testkit`'s validator lands on main: swapping it is
//! replacing [`validate`]'s body with one call.

use std::sync::OnceLock;

use serde_json::Value;

fn spec() -> Option<&'static Value> {
    static SPEC: OnceLock<Option<Value>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = super::shared("specs/clarifai/clarifai-v2-swagger.json")?;
        Some(serde_json::from_str(&std::fs::read_to_string(path).ok()?).unwrap())
    })
    .as_ref()
}

/// Checks one request; `Ok(())` when the spec is not available (outside the workspace).
pub fn validate(
    method: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<(), String> {
    let Some(spec) = spec() else {
        return Ok(());
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(&Value, usize)> = None;
    for (template, item) in spec["paths"].as_object().unwrap() {
        let t: Vec<&str> = template.trim_matches('/').split('/').collect();
        if t.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let ok = t.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                !s.is_empty()
            } else {
                literal += 1;
                t == s
            }
        });
        if ok
            && item.get(method.to_ascii_lowercase()).is_some()
            && best.is_none_or(|(_, l)| literal > l)
        {
            best = Some((&item[method.to_ascii_lowercase()], literal));
        }
    }
    let (op, _) = best.ok_or_else(|| format!("no operation {method} {path} in the spec"))?;
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    for (key, _) in query {
        if !params
            .iter()
            .any(|p| p["in"] == "query" && p["name"] == key.as_str())
        {
            return Err(format!(
                "{method} {path}: query parameter `{key}` is not declared"
            ));
        }
    }
    let body_param = params.iter().find(|p| p["in"] == "body");
    match (body, body_param) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(format!("{method} {path}: the operation takes no body")),
        (Some(body), Some(p)) => check(spec, &p["schema"], body, "body"),
    }
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/definitions/");
            resolve(spec, &spec["definitions"][name])
        }
        None => schema,
    }
}

fn check(spec: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(spec, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        return all.iter().try_for_each(|s| check(spec, s, value, at));
    }
    let ty = schema.get("type").and_then(Value::as_str);
    match (ty, value) {
        (_, Value::Null) => Ok(()),
        (Some("object") | None, Value::Object(map)) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties");
            match props {
                Some(props) => {
                    for (k, v) in map {
                        match props.get(k) {
                            Some(s) => check(spec, s, v, &format!("{at}.{k}"))?,
                            None if extra.is_some() => {}
                            None => {
                                return Err(format!("{at}.{k} is not a property of the schema"));
                            }
                        }
                    }
                    Ok(())
                }
                // Struct, Any, free objects.
                None => Ok(()),
            }
        }
        (Some("array"), Value::Array(items)) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check(spec, &schema["items"], v, &format!("{at}[{i}]"))),
        (Some("string"), Value::String(s)) => {
            if schema.get("format").and_then(Value::as_str) == Some("byte") {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map(|_| ())
                    .map_err(|e| format!("{at}: not base64: {e}"))
            } else {
                Ok(())
            }
        }
        // Enums sent as numbers; 64-bit integers may be numbers.
        (Some("string"), Value::Number(_))
            if schema.get("enum").is_some() || schema.get("format").is_some() =>
        {
            Ok(())
        }
        (Some("integer" | "number"), Value::Number(_)) => Ok(()),
        (Some("integer"), Value::String(s)) if s.parse::<i64>().is_ok() => Ok(()),
        (Some("boolean"), Value::Bool(_)) => Ok(()),
        (None, _) => Ok(()),
        (Some(t), v) => Err(format!("{at}: {v} is not a {t}")),
    }
}
