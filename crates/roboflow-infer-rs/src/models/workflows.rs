//! Workflow results and descriptions.
//!
//! A workflow's outputs are whatever its blocks produce, so they are JSON with one difference:
//! every image (an object `{"type": "base64", "value": …}`, as the official client recognises
//! them in `decode_workflow_outputs`) is decoded into a [`WorkflowImage`] holding the image's
//! bytes. Typed predictions inside an output decode with [`WorkflowValue::decode`].

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{decode_base64, encode_base64};

/// An image output of a workflow, decoded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WorkflowImage {
    /// The encoded image (JPEG, PNG).
    pub bytes: Vec<u8>,
    /// The `video_metadata` the server attached, if any.
    pub video_metadata: Option<Value>,
}

impl WorkflowImage {
    /// The image as base64 (what the official client returns by default).
    pub fn to_base64(&self) -> String {
        encode_base64(&self.bytes)
    }
}

/// A value in a workflow output: JSON, with images decoded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WorkflowValue {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A list.
    Array(Vec<WorkflowValue>),
    /// An object.
    Object(BTreeMap<String, WorkflowValue>),
    /// An image.
    Image(WorkflowImage),
}

impl WorkflowValue {
    /// Converts JSON, decoding images. Fails on an image whose `value` is not base64.
    pub fn from_json(value: Value) -> Result<Self, String> {
        Ok(match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(b),
            Value::Number(n) => Self::Number(n),
            Value::String(s) => Self::String(s),
            Value::Array(items) => Self::Array(
                items
                    .into_iter()
                    .map(Self::from_json)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(mut map) => {
                if map.get("type").and_then(Value::as_str) == Some("base64") {
                    let text = match map.remove("value") {
                        Some(Value::String(text)) => text,
                        _ => return Err("a workflow image without a base64 `value`".into()),
                    };
                    let bytes = decode_base64(&text)
                        .map_err(|e| format!("a workflow image is not valid base64: {e}"))?;
                    return Ok(Self::Image(WorkflowImage {
                        bytes,
                        video_metadata: map.remove("video_metadata"),
                    }));
                }
                Self::Object(
                    map.into_iter()
                        .map(|(k, v)| Ok((k, Self::from_json(v)?)))
                        .collect::<Result<_, String>>()?,
                )
            }
        })
    }

    /// Back to JSON, images as `{"type": "base64", "value": …}`.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::String(s) => Value::String(s.clone()),
            Self::Array(items) => Value::Array(items.iter().map(Self::to_json).collect()),
            Self::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Self::Image(image) => {
                let mut map = serde_json::Map::new();
                map.insert("type".into(), Value::from("base64"));
                map.insert("value".into(), Value::from(image.to_base64()));
                if let Some(metadata) = &image.video_metadata {
                    map.insert("video_metadata".into(), metadata.clone());
                }
                Value::Object(map)
            }
        }
    }

    /// Decodes the value into a typed model, e.g. an
    /// [`ObjectDetectionResponse`](super::ObjectDetectionResponse) from a model step's output.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(self.to_json())
    }

    /// The image, when the value is one.
    pub fn as_image(&self) -> Option<&WorkflowImage> {
        match self {
            Self::Image(image) => Some(image),
            _ => None,
        }
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The member `key`, when the value is an object.
    pub fn get(&self, key: &str) -> Option<&WorkflowValue> {
        match self {
            Self::Object(map) => map.get(key),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for WorkflowValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_json(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

impl Serialize for WorkflowValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// One element of a workflow's `outputs`: output name → value.
pub type WorkflowOutput = BTreeMap<String, WorkflowValue>;

/// `POST /workflows/run`, `POST /{workspace}/workflows/{id}` and the deprecated
/// `/infer/workflows…` routes (`WorkflowInferenceResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkflowResponse {
    /// One per batch element (per input image).
    pub outputs: Vec<WorkflowOutput>,
    /// The profiler's trace (`enable_profiling`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiler_trace: Option<Vec<serde_json::Map<String, Value>>>,
    /// What custom Python blocks printed (stdout/stderr), with `debug(true)` (server 1.8.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_blocks_output_streams: Option<Value>,
    /// The blocks' `debug_traces` values, with `debug(true)` (server 1.8.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_blocks_debug_traces: Option<Value>,
}

/// `describe_interface`: what a workflow takes and gives (`DescribeInterfaceResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkflowInterface {
    /// Input name → the kinds it accepts.
    pub inputs: BTreeMap<String, Vec<String>>,
    /// Output name → the kinds it produces.
    pub outputs: BTreeMap<String, Vec<String>>,
    /// Kind → the Python type it maps to.
    pub typing_hints: BTreeMap<String, String>,
    /// Kind → its JSON schema.
    pub kinds_schemas: BTreeMap<String, Value>,
}

/// `GET /workflows/execution_engine/versions` (`ExecutionEngineVersions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExecutionEngineVersions {
    /// The versions the server runs.
    pub versions: Vec<String>,
}

/// `POST /workflows/validate` (`WorkflowValidationStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkflowValidationStatus {
    /// `ok` when valid.
    pub status: String,
}
