//! Stub responses: what an untrained model version (`<project>/0`) answers.

use serde::Deserialize;

use crate::TaskType;

response_struct! {
    /// `{time, is_stub: true, model_id, task_type}` (`StubResponse`). Decoding fails unless
    /// `is_stub` is `true`.
    #[serde(try_from = "RawStub")]
    pub struct StubResponse {
        /// Always `true`.
        pub is_stub: bool,
        /// The model asked for.
        pub model_id: String,
        /// The model's task.
        pub task_type: TaskType,
        /// Base64 JPEG visualisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

#[derive(Deserialize)]
struct RawStub {
    is_stub: bool,
    model_id: String,
    task_type: TaskType,
    #[serde(default)]
    visualization: Option<String>,
    #[serde(default)]
    inference_id: Option<String>,
    #[serde(default)]
    frame_id: Option<u64>,
    #[serde(default)]
    time: Option<f64>,
    #[serde(default)]
    resolved_model: Option<super::ResolvedModel>,
}

impl TryFrom<RawStub> for StubResponse {
    type Error = &'static str;

    fn try_from(raw: RawStub) -> Result<Self, Self::Error> {
        if !raw.is_stub {
            return Err("not a stub response (`is_stub` is false)");
        }
        Ok(Self {
            is_stub: true,
            model_id: raw.model_id,
            task_type: raw.task_type,
            visualization: raw.visualization,
            inference_id: raw.inference_id,
            frame_id: raw.frame_id,
            time: raw.time,
            resolved_model: raw.resolved_model,
        })
    }
}

/// Whether a JSON value is a stub response.
pub(crate) fn looks_like_stub(value: &serde_json::Value) -> bool {
    value.get("is_stub").and_then(serde_json::Value::as_bool) == Some(true)
}
