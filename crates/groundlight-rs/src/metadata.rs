//! Metadata encoding, as the official SDK does it (`encodings.py`).
//!
//! Image-query and detector metadata is a JSON object. It is serialised the way Python's
//! `json.dumps` does by default (separators `", "` and `": "`, non-ASCII escaped as `\uXXXX`,
//! floats as Python's `repr`), must be at most [`METADATA_MAX_CHARS`] characters long in that
//! form, and is then sent base64url-encoded **with** `=` padding: in the `metadata` query
//! parameter of an image-query submit, or in the `metadata` field of a detector creation.
//!
//! Keys keep the caller's order, as in Python (where a `dict` keeps insertion order): this
//! crate turns on `serde_json`'s `preserve_order` feature, so a [`serde_json::Map`] (and the
//! `json!` macro) keeps keys in the order they were inserted or written, and a JSON string is
//! parsed in its own order. (Cargo features are additive: every crate built together with this
//! one sees `serde_json` with `preserve_order`.)
//!
//! ```
//! use groundlight::metadata::python_json_dumps;
//! let text = python_json_dumps(&serde_json::json!({"zone": "b", "camera": "cam1"}));
//! assert_eq!(text, r#"{"zone": "b", "camera": "cam1"}"#);
//! ```
//!
//! ```
//! use groundlight::metadata::encode_metadata;
//! let encoded = encode_metadata(&serde_json::json!({"camera": "cam1", "n": 1})).unwrap();
//! assert_eq!(encoded, "eyJjYW1lcmEiOiAiY2FtMSIsICJuIjogMX0=");
//! ```

use std::fmt::Write as _;

use serde_json::Value;

use crate::error::{Error, Result};

/// The longest metadata accepted, in characters of its `json.dumps` form.
pub const METADATA_MAX_CHARS: usize = 1024;

/// Serialises a JSON value exactly as Python's `json.dumps(value)` does with default arguments.
///
/// ```
/// use groundlight::metadata::python_json_dumps;
/// let text = python_json_dumps(&serde_json::json!({"a": [1, 2.5, null, true], "é": "ü"}));
/// assert_eq!(text, r#"{"a": [1, 2.5, null, true], "\u00e9": "\u00fc"}"#);
/// ```
pub fn python_json_dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else if let Some(f) = n.as_f64() {
                out.push_str(&python_float_repr(f));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal with `ensure_ascii=True` escaping.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)` (`vision_sdk_common::internal::pyfmt`). `json.dumps` would write
/// `NaN`/`Infinity`, but a `serde_json` number is always finite.
pub(crate) fn python_float_repr(f: f64) -> String {
    vision_sdk_common::internal::pyfmt::float_repr(f)
}

/// A float as the Python SDK puts it in a query string (`str(20.0)` = `"20.0"`).
pub(crate) fn python_float_str(f: f64) -> String {
    python_float_repr(f)
}

/// Normalises caller metadata: an object is used as is; a string is parsed as JSON (as the
/// official SDK accepts a JSON string) and must hold an object.
pub(crate) fn metadata_object(value: &Value, what: &str) -> Result<Value> {
    match value {
        Value::Object(_) => Ok(value.clone()),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(parsed @ Value::Object(_)) => Ok(parsed),
            Ok(_) => Err(Error::invalid(format!("{what} must be a JSON object"))),
            Err(e) => Err(Error::invalid(format!(
                "{what} is a string but not valid JSON: {e}"
            ))),
        },
        _ => Err(Error::invalid(format!(
            "{what} must be a JSON object (or a string holding one)"
        ))),
    }
}

/// Serialises `value` as the official SDK does, checks the size limit and encodes it as
/// base64url with padding.
///
/// `value` must be a JSON object, or a string holding one.
///
/// # Errors
///
/// [`Error::InvalidInput`] when it is not an object or is longer than [`METADATA_MAX_CHARS`]
/// characters once serialised.
pub fn encode_metadata(value: &Value) -> Result<String> {
    encode_json_param(value, "metadata")
}

pub(crate) fn encode_json_param(value: &Value, what: &str) -> Result<String> {
    let object = metadata_object(value, what)?;
    let text = python_json_dumps(&object);
    let chars = text.chars().count();
    if chars > METADATA_MAX_CHARS {
        return Err(Error::invalid(format!(
            "{what} is too large: {chars} characters of JSON, the limit is {METADATA_MAX_CHARS}"
        )));
    }
    Ok(vision_sdk_common::media::base64_url_padded(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python_json_dumps() {
        assert_eq!(
            python_json_dumps(&json!({"camera": "cam1", "n": 1})),
            r#"{"camera": "cam1", "n": 1}"#
        );
        assert_eq!(
            python_json_dumps(&json!({"s": "a\"b\\c\nd\u{1}", "e": "😀"})),
            r#"{"s": "a\"b\\c\nd\u0001", "e": "\ud83d\ude00"}"#
        );
        assert_eq!(python_json_dumps(&json!([])), "[]");
        assert_eq!(python_json_dumps(&json!({})), "{}");
    }

    #[test]
    fn keys_keep_the_callers_order_as_a_python_dict() {
        // `{"z": 1, "a": 2}` as json.dumps writes it: insertion order, not sorted.
        assert_eq!(
            python_json_dumps(&json!({"z": 1, "a": 2, "m": {"y": 0, "b": 1}})),
            r#"{"z": 1, "a": 2, "m": {"y": 0, "b": 1}}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(r#"{"z":1,"a":2}"#).unwrap();
        assert_eq!(python_json_dumps(&parsed), r#"{"z": 1, "a": 2}"#);
    }

    #[test]
    fn floats_like_python_repr() {
        for (f, expected) in [
            (20.0, "20.0"),
            (0.75, "0.75"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
            (0.0, "0.0"),
        ] {
            assert_eq!(python_float_repr(f), expected, "{f}");
        }
    }

    #[test]
    fn encodes_with_padding_and_limit() {
        assert_eq!(
            encode_metadata(&json!({"camera": "cam1", "n": 1})).unwrap(),
            "eyJjYW1lcmEiOiAiY2FtMSIsICJuIjogMX0="
        );
        assert_eq!(
            encode_metadata(&json!({"location": "front"})).unwrap(),
            "eyJsb2NhdGlvbiI6ICJmcm9udCJ9"
        );
        // A JSON string holding an object is accepted, like the official SDK.
        assert_eq!(
            encode_metadata(&Value::String(r#"{"n":1}"#.into())).unwrap(),
            vision_sdk_common::media::base64_url_padded(br#"{"n": 1}"#)
        );
        // Exactly at the limit passes, one more fails. `{"k": "…"}` is 9 characters + value.
        let ok = json!({"k": "x".repeat(METADATA_MAX_CHARS - 9)});
        assert_eq!(python_json_dumps(&ok).len(), METADATA_MAX_CHARS);
        assert!(encode_metadata(&ok).is_ok());
        let too_big = json!({"k": "x".repeat(METADATA_MAX_CHARS - 8)});
        assert!(matches!(
            encode_metadata(&too_big),
            Err(Error::InvalidInput(_))
        ));
        assert!(encode_metadata(&json!([1])).is_err());
        assert!(encode_metadata(&Value::String("nope".into())).is_err());
        // Non-ASCII counts as its escaped form (6 characters), as in Python.
        let escaped = json!({"k": "é".repeat(169)});
        assert_eq!(python_json_dumps(&escaped).len(), 9 + 169 * 6);
        assert!(encode_metadata(&escaped).is_ok());
        assert!(encode_metadata(&json!({"k": "é".repeat(170)})).is_err());
    }
}
